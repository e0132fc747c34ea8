/**
 * The package as a user installs it (issue 10): `npm pack`, then a global install into a
 * temporary prefix, then the installed bins run a task end to end. Catches what a checkout
 * hides: a file missing from `files`, a bin without its shebang, a runtime import of a dev
 * dependency.
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_VERSION, VERSION } from '../../lib/version';
import { within } from '../support/runtime';
import { BinProcess } from './processes';

const run = promisify(execFile);

/** The checkout: dist/spec/cluster → the repository root. */
const ROOT = path.resolve(__dirname, '../../..');

/** npm's own limit on a step that may fetch the dependencies from the registry (or its cache). */
const NPM_STEP_TIMEOUT_MS = 240_000;

describe('the npm package, installed globally into a temporary prefix', function () {
  this.timeout(2 * NPM_STEP_TIMEOUT_MS + 60_000);
  let dir: string;
  let prefix: string;
  /** The paths in the tarball. */
  let packedFiles: string[];
  const processes: BinProcess[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-pack-'));
    prefix = path.join(dir, 'prefix');
    // The checkout is built already (npm test builds first); packing must not rebuild it under the running tests.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, timeout: NPM_STEP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
    const [{ filename, files }] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packedFiles = files.map((file) => file.path);
    await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, path.basename(filename as string))], { cwd: dir, timeout: NPM_STEP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  });

  after(() => {
    for (const bin of processes) bin.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Starts an installed bin from the prefix (its shebang, not `node`, runs it). */
  function installed(name: string, args: string[]): BinProcess {
    const bin = new BinProcess(spawn(path.join(prefix, 'bin', name), args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MESOS_LOG_LEVEL: 'warn' } }));
    processes.push(bin);
    return bin;
  }

  it('ships the bins and the C source of the executor but no tests, benchmarks or prebuilt executor, and every installed bin answers --version', async () => {
    expect(packedFiles).to.include('dist/bin/mesos-agent.js');
    expect(packedFiles).to.include('actors/agent/native/command-executor.c');
    expect(packedFiles, 'the executors the agent runs itself').to.include.members(['dist/actors/agent/command-executor.js', 'dist/actors/agent/default-executor.js']);
    expect(packedFiles.filter((file) => /^dist\/(spec|bench)\//.test(file) || file === 'dist/actors/agent/mesos-command-executor')).to.deep.equal([]);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    for (const name of Object.keys(pkg.bin)) {
      const version = installed(name, ['--version']);
      expect(await within(version.exited, 20_000, `${name} --version`), `${name}: ${version.stderr}`).to.equal(0);
      expect(version.stdout.trim()).to.equal(`${name} ${VERSION} (mesos-ts ${PACKAGE_VERSION})`);
    }
  });

  it('the package\'s main entry gives a framework author Scheduler, Executor and the offer helpers (new user\'s walkthrough: they were only under dist/actors/framework)', () => {
    const main = path.join(prefix, 'lib', 'node_modules', 'mesos-ts');
    const entry = require(main) as Record<string, unknown>;
    for (const name of ['Scheduler', 'Executor', 'runExecutor', 'fitResources', 'ActorHost', 'Resources']) expect(entry[name], name).to.be.a('function');
    const types = fs.readFileSync(path.join(main, 'dist', 'lib', 'index.d.ts'), 'utf8');
    expect(types).to.match(/\bScheduler\b/).and.to.match(/\bSchedulerOptions\b/);
  });

  it('the installed mesos-local and mesos-execute run a task end to end', async () => {
    const local = installed('mesos-local', ['--port', '0', '--agents', '1', '--resources', 'cpus:1;mem:256']);
    const [, master] = await local.waitFor(/master master@(\S+)/, 30_000);
    const execute = installed('mesos-execute', ['--master', master as string, '--name', 'packed', '--command', 'echo hello-from-the-package']);
    expect(await within(execute.exited, 60_000, 'mesos-execute'), execute.stderr).to.equal(0);
    expect(execute.stdout).to.match(/TASK_FINISHED/);
    expect(execute.stdout).to.match(/^hello-from-the-package$/m);
    local.kill('SIGTERM');
    expect(await within(local.exited, 20_000, 'mesos-local')).to.equal(0);
  });
});
