import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeTestPki, type TestPki } from '../support/certificates';
import { within } from '../support/runtime';
import { startBin, type BinProcess } from './processes';

describe('the cluster as real processes over TLS', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let workDir: string;
  const processes: BinProcess[] = [];

  before(() => { pki = makeTestPki(); });
  after(() => pki.remove());
  beforeEach(() => { workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-real-')); });
  afterEach(() => {
    for (const bin of processes.splice(0)) bin.kill('SIGKILL');
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  function start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): BinProcess {
    const bin = startBin(name, args, env);
    processes.push(bin);
    return bin;
  }

  /** The TLS flags of a host with the 127.0.0.1 certificate, under mutual TLS. */
  function tlsFlags(): string[] {
    return ['--ssl_cert_file', pki.local.cert, '--ssl_key_file', pki.local.key, '--ssl_ca_file', pki.ca, '--ssl_require_client_cert'];
  }

  it('every bin that makes a host or asks one refuses a missing TLS file: exit 2, one line naming the flag (or variable)', async () => {
    const missing = path.join(workDir, 'missing.pem');
    const bins: Array<[string, string[]]> = [
      ['mesos-master', ['--port', '0', '--work_dir', path.join(workDir, 'master')]],
      ['mesos-agent', ['--master', '127.0.0.1:1', '--port', '0', '--work_dir', path.join(workDir, 'agent')]],
      ['mesos-local', ['--port', '0', '--work_dir', path.join(workDir, 'local')]],
      ['mesos-execute', ['--master', '127.0.0.1:1', '--name', 'x', '--command', 'true']],
      ['mesos-batch', ['--master', '127.0.0.1:1', '--name', 'x', '--tasks', '1', '--task-resources', 'cpus:0.1', '--command', 'true']],
      ['mesos-ps', ['--master', '127.0.0.1:1']],
    ];
    const runs = bins.map(([name, args]) => ({ name, bin: start(name, [...args, '--ssl_cert_file', missing, '--ssl_key_file', pki.local.key]) }));
    for (const { name, bin } of runs) {
      expect(await within(bin.exited, 20_000, `${name} with a missing certificate`), name).to.equal(2);
      expect(bin.stderr.trim().split('\n'), name).to.deep.equal([`${name}: --ssl_cert_file: cannot read '${missing}' (ENOENT)`]);
    }
    const fromEnvironment = start('mesos-master', ['--port', '0', '--work_dir', path.join(workDir, 'master')], {
      LIBPROCESS_SSL_ENABLED: 'true', LIBPROCESS_SSL_CERT_FILE: pki.local.cert, LIBPROCESS_SSL_KEY_FILE: missing,
    });
    expect(await within(fromEnvironment.exited, 20_000, 'mesos-master with a missing key')).to.equal(2);
    expect(fromEnvironment.stderr.trim()).to.equal(`mesos-master: LIBPROCESS_SSL_KEY_FILE: cannot read '${missing}' (ENOENT)`);
    const noKey = start('mesos-master', ['--port', '0', '--work_dir', path.join(workDir, 'master'), '--ssl_cert_file', pki.local.cert]);
    expect(await within(noKey.exited, 20_000, 'mesos-master without a key')).to.equal(2);
    expect(noKey.stderr.trim()).to.match(/^mesos-master: --ssl_key_file \(or LIBPROCESS_SSL_KEY_FILE\) is required/);
    expect(fs.existsSync(path.join(workDir, 'master'))).to.equal(false);
  });

  it('a master and an agent under mutual TLS run a one-task framework; the agent gives the Node executor its TLS settings', async () => {
    const master = start('mesos-master', ['--port', '0', '--work_dir', path.join(workDir, 'master'), ...tlsFlags()]);
    const [, masterAddress] = await master.waitFor(/master@(\S+) — https:\/\//);
    // The agent takes its TLS settings from libprocess' variables rather than flags.
    const agent = start('mesos-agent', ['--master', masterAddress as string, '--port', '0', '--work_dir', path.join(workDir, 'agent'), '--resources', 'cpus:2;mem:1024'], {
      LIBPROCESS_SSL_ENABLED: 'true', LIBPROCESS_SSL_CERT_FILE: pki.local.cert, LIBPROCESS_SSL_KEY_FILE: pki.local.key, LIBPROCESS_SSL_CA_FILE: pki.ca, LIBPROCESS_SSL_REQUIRE_CERT: 'true',
    });
    await agent.waitFor(/slave\(1\)@\S+ — https:\/\//);
    const command = 'echo "ssl=$LIBPROCESS_SSL_ENABLED"; ps -o args= -p $PPID';
    const execute = start('mesos-execute', ['--master', masterAddress as string, '--name', 'hello', '--command', command, ...tlsFlags()]);
    expect(await within(execute.exited, 30_000, 'mesos-execute over TLS'), execute.stderr).to.equal(0);
    expect(execute.stdout).to.match(/TASK_RUNNING/).and.match(/TASK_FINISHED/);
    expect(execute.stdout).to.match(/^ssl=true$/m);
    expect(execute.stdout).to.match(/command-executor\.js/);
    expect(execute.stdout).to.not.match(/mesos-command-executor/);
    const ps = start('mesos-ps', ['--master', masterAddress as string, '--all', ...tlsFlags()]);
    expect(await within(ps.exited, 20_000, 'mesos-ps over TLS'), ps.stderr).to.equal(0);
    expect(ps.stdout).to.match(/hello\s+hello\s+.*TASK_FINISHED/);
    const plaintext = start('mesos-ps', ['--master', masterAddress as string]);
    expect(await within(plaintext.exited, 20_000, 'mesos-ps without TLS')).to.equal(1);
    expect(plaintext.stderr).to.match(/if it serves TLS only, give the --ssl_\* flags/);
  });
});
