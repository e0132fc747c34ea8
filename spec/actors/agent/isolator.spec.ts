/** Choosing and using the isolators (issue 12). */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { captureLogger } from '../../../lib/logging';
import { confinedCommand, detectCgroups, type CgroupsLayout } from '../../../actors/agent/cgroups';
import { cgroupsUnusable, chooseIsolator, DEFAULT_CONTAINER_PIDS_LIMIT } from '../../../actors/agent/isolator';
import * as os from 'node:os';
import { within } from '../../support/runtime';

/** A v1 layout with every controller (files are never touched by the choice). */
const V1: CgroupsLayout = { version: 1, hierarchies: new Map([['cpu', '/x/cpu'], ['cpuacct', '/x/cpuacct'], ['memory', '/x/memory'], ['pids', '/x/pids'], ['freezer', '/x/freezer']]) };

describe('actors/agent/isolator: choosing the isolators', () => {
  it('with no --isolation: cgroups cpu, mem and pids as root with cgroups, else posix cpu and mem (Mesos\' default), and says which', () => {
    const captured = captureLogger();
    // Writable hierarchies (scratch directories standing for the mounts).
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cgroup-mounts-'));
    const writable: CgroupsLayout = { version: 1, hierarchies: new Map((['cpu', 'cpuacct', 'memory', 'pids', 'freezer'] as const).map((controller) => [controller, fs.mkdirSync(path.join(scratch, controller), { recursive: true }) ?? path.join(scratch, controller)])) };
    expect(chooseIsolator(undefined, { log: captured.logger, layout: writable, isRoot: true }).names).to.deep.equal(['cgroups/cpu', 'cgroups/mem', 'cgroups/pids']);
    fs.rmSync(scratch, { recursive: true, force: true });
    expect(chooseIsolator(undefined, { log: captured.logger, layout: V1, isRoot: false }).names).to.deep.equal(['posix/cpu', 'posix/mem']);
    expect(chooseIsolator(undefined, { log: captured.logger, layout: undefined, isRoot: true }).names).to.deep.equal(['posix/cpu', 'posix/mem']);
    const said = captured.records.map((line) => `${String(line.msg)} ${JSON.stringify(line.reason ?? line.isolation ?? '')}`);
    expect(said).to.deep.equal([
      'isolation: chosen for this machine "cgroups/cpu,cgroups/mem,cgroups/pids"',
      'isolation: chosen for this machine (posix: memory enforced by kill, CPU not capped) "not root"',
      'isolation: chosen for this machine (posix: memory enforced by kill, CPU not capped) "no cgroups mounted"',
    ]);
  });

  it('with no --isolation, cgroups that cannot hold containers (not writable, v2 controllers not delegated) give posix, saying why', () => {
    const captured = captureLogger();
    // Mounts that are not there stand for read-only ones here (as root, only a read-only mount refuses a write).
    expect(cgroupsUnusable(V1)).to.match(/^cgroups at \/x\/\w+ are not writable \(ENOENT\)$/);
    expect(chooseIsolator(undefined, { log: captured.logger, layout: V1, isRoot: true }).names).to.deep.equal(['posix/cpu', 'posix/mem']);
    // v2 whose root does not take the controllers (a plain file here keeps what is written, so: a directory stands for the refusal).
    const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'cgroup2-root-'));
    fs.mkdirSync(path.join(mount, 'cgroup.subtree_control'));
    expect(cgroupsUnusable({ version: 2, mount, controllers: new Set(['cpu', 'memory', 'pids']) })).to.equal(`cgroups v2 at ${mount} do not delegate cpu, memory, pids (${path.join(mount, 'cgroup.subtree_control')})`);
    fs.rmdirSync(path.join(mount, 'cgroup.subtree_control'));
    fs.writeFileSync(path.join(mount, 'cgroup.subtree_control'), 'cpu memory pids\n');
    expect(cgroupsUnusable({ version: 2, mount, controllers: new Set(['cpu', 'memory', 'pids']) })).to.equal(undefined);
    fs.rmSync(mount, { recursive: true, force: true });
  });

  it('takes what --isolation names, and refuses what is unknown or what this machine cannot give, naming it', () => {
    const log = captureLogger().logger;
    expect(chooseIsolator('cgroups/mem', { log, layout: V1, isRoot: true }).names).to.deep.equal(['cgroups/mem']);
    expect(chooseIsolator('posix/cpu,posix/mem', { log, layout: V1, isRoot: true }).names).to.deep.equal(['posix/cpu', 'posix/mem']);
    expect(chooseIsolator('cgroups/cpu,cgroups/mem,disk/du', { log, layout: V1, isRoot: true }).names).to.deep.equal(['cgroups/cpu', 'cgroups/mem', 'disk/du']);
    expect(chooseIsolator('posix/mem,disk/du', { log, layout: undefined, isRoot: false }).names).to.deep.equal(['posix/mem', 'disk/du']);
    expect(() => chooseIsolator('cgroups/cpu,cgroups/gpu', { log, layout: V1, isRoot: true })).to.throw("--isolation: unknown isolator 'cgroups/gpu'");
    expect(() => chooseIsolator('cgroups/mem', { log, layout: undefined, isRoot: true })).to.throw(/no cgroups mounted/);
    expect(() => chooseIsolator('cgroups/mem', { log, layout: V1, isRoot: false })).to.throw(/need the agent to run as root/);
    const noPids: CgroupsLayout = { version: 1, hierarchies: new Map([['cpu', '/x/cpu'], ['memory', '/x/memory']]) };
    expect(() => chooseIsolator('cgroups/pids', { log, layout: noPids, isRoot: true })).to.throw(/no pids controller/);
  });
});

const real = process.platform === 'linux' && process.getuid?.() === 0 && detectCgroups() !== undefined;
(real ? describe : describe.skip)(`actors/agent/isolator on this machine's cgroups${real ? '' : ' (skipped: needs root and cgroups)'}`, function () {
  this.timeout(30_000);
  const root = `mesos-isolator-test-${process.pid}`;
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];

  after(async () => {
    for (const cleanup of cleanups) await cleanup();
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    const layout = detectCgroups();
    const mounts = layout === undefined ? [] : layout.version === 1 ? [...new Set(layout.hierarchies.values())] : [layout.mount];
    for (const mount of mounts) if (fs.existsSync(path.join(mount, root))) fs.rmdirSync(path.join(mount, root));
  });

  it('prepares a container with its limits, runs a confined process in it, reports its usage, and cleans up; orphans are destroyed on recovery', async () => {
    const isolator = chooseIsolator(undefined, { log: captureLogger().logger, root });
    cleanups.push(() => isolator.recover(new Set()));
    const procsFiles = await isolator.prepare('run-1', { cpus: 0.5, memBytes: 64 * 1024 * 1024 }, '/tmp');
    const [file, args] = confinedCommand(['/bin/sleep', '60'], procsFiles);
    const child = spawn(file, args, { stdio: 'ignore' });
    children.push(child);
    let usage = await isolator.usage('run-1');
    for (let tries = 0; (usage?.processes ?? 0) === 0 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      usage = await isolator.usage('run-1');
    }
    expect(usage).to.deep.include({ processes: 1, memLimitBytes: 64 * 1024 * 1024 });
    // And the pids limit (a fork bomb stops there), in the hierarchy that has it.
    const layout = detectCgroups();
    if (layout?.version === 1 && layout.hierarchies.has('pids')) {
      expect(fs.readFileSync(path.join(layout.hierarchies.get('pids') as string, root, 'run-1', 'pids.max'), 'utf8').trim()).to.equal(String(DEFAULT_CONTAINER_PIDS_LIMIT));
    }
    await isolator.update('run-1', { cpus: 1, memBytes: 128 * 1024 * 1024 });
    expect((await isolator.usage('run-1'))?.memLimitBytes).to.equal(128 * 1024 * 1024);
    // An orphan (a container the restarted agent does not know) goes; a known one stays.
    await isolator.prepare('orphan', { cpus: 0.1, memBytes: 16 * 1024 * 1024 }, '/tmp');
    expect(await isolator.recover(new Set(['run-1']))).to.deep.equal(['orphan']);
    expect(await isolator.usage('orphan')).to.equal(undefined);
    await isolator.cleanup('run-1');
    await within(new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve))), 5_000, 'the confined process killed');
    expect(await isolator.usage('run-1')).to.equal(undefined);
  });
});
