/**
 * cgroups v2 against a fake cgroupfs (a scratch directory laid out as the unified hierarchy): every
 * file the container code writes, with what, and how it reads usage and OOMs back (issue 12).
 * This machine's v2 hierarchy has no memory controller, so a real v2 run is in the test below,
 * skipped with the reason where the controllers are missing.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cgroups, type CgroupsLayout } from '../../../actors/agent/cgroups';
import { CgroupsIsolator } from '../../../actors/agent/isolator';

const MB = 1024 * 1024;

describe('actors/agent/cgroups: v2 (unified hierarchy) on a fake cgroupfs', () => {
  let mount: string;
  let layout: CgroupsLayout;

  beforeEach(() => {
    mount = fs.mkdtempSync(path.join(os.tmpdir(), 'cgroup2-'));
    fs.writeFileSync(path.join(mount, 'cgroup.subtree_control'), '');
    layout = { version: 2, mount, controllers: new Set(['cpu', 'memory', 'pids', 'io']) };
  });

  afterEach(() => fs.rmSync(mount, { recursive: true, force: true }));

  const read = (...parts: string[]): string => fs.readFileSync(path.join(mount, ...parts), 'utf8');

  it('creates the container under the root with cpu, memory and pids enabled down the tree, and writes each limit to its v2 file', async () => {
    const cgroups = new Cgroups(layout, 'mesos/agent');
    expect(cgroups.controllers()).to.deep.equal(['cpu', 'cpuacct', 'memory', 'pids', 'freezer']);
    await cgroups.create('run-1');
    // Every ancestor delegates the controllers the containers use (and not the others).
    expect(read('cgroup.subtree_control')).to.equal('+cpu +memory +pids');
    expect(read('mesos', 'cgroup.subtree_control')).to.equal('+cpu +memory +pids');
    expect(read('mesos', 'agent', 'cgroup.subtree_control')).to.equal('+cpu +memory +pids');
    expect(cgroups.exists('run-1')).to.equal(true);
    expect(await cgroups.containers()).to.deep.equal(['run-1']);
    expect(cgroups.procsFiles('run-1')).to.deep.equal([path.join(mount, 'mesos', 'agent', 'run-1', 'cgroup.procs')]);

    await cgroups.setCpuShares('run-1', 1);
    expect(read('mesos', 'agent', 'run-1', 'cpu.weight')).to.equal('39'); // 1024 shares, as runc converts them
    await cgroups.setCpuShares('run-1', 0);
    expect(read('mesos', 'agent', 'run-1', 'cpu.weight')).to.equal('1');
    await cgroups.setCpuShares('run-1', 1000);
    expect(read('mesos', 'agent', 'run-1', 'cpu.weight')).to.equal('10000');
    await cgroups.setCfsQuota('run-1', 1.5);
    expect(read('mesos', 'agent', 'run-1', 'cpu.max')).to.equal('150000 100000');
    await cgroups.setCfsQuota('run-1', 0.001);
    expect(read('mesos', 'agent', 'run-1', 'cpu.max')).to.equal('1000 100000'); // the kernel's least quota
    await cgroups.setMemoryLimit('run-1', 96 * MB);
    expect(read('mesos', 'agent', 'run-1', 'memory.max')).to.equal(String(96 * MB));
    expect(read('mesos', 'agent', 'run-1', 'memory.swap.max')).to.equal('0');
    await cgroups.setPidsLimit('run-1', 64);
    expect(read('mesos', 'agent', 'run-1', 'pids.max')).to.equal('64');
    await cgroups.setOomKillsWholeContainer('run-1');
    expect(read('mesos', 'agent', 'run-1', 'memory.oom.group')).to.equal('1');
    await cgroups.assign('run-1', 4242);
    expect(read('mesos', 'agent', 'run-1', 'cgroup.procs')).to.equal('4242');
    // Where the kernel refused to delegate a controller (its parent holds processes), the container says so before any limit is written.
    await cgroups.checkControllers('run-1', ['cpu', 'memory', 'pids']);
    fs.writeFileSync(path.join(mount, 'mesos', 'agent', 'cgroup.subtree_control'), 'cpu pids\n');
    await cgroups.checkControllers('run-1', ['memory']).then(() => expect.fail('accepted'), (error: Error) => expect(error.message).to.equal(
      `cgroups v2: memory not enabled in ${path.join(mount, 'mesos', 'agent', 'cgroup.subtree_control')} (the kernel refuses to delegate controllers below a cgroup that holds processes)`,
    ));
  });

  it('reads usage from cpu.stat, memory.stat, memory.current, memory.peak, memory.max and memory.events, and an OOM from memory.events', async () => {
    const cgroups = new Cgroups(layout);
    await cgroups.create('run-2');
    const dir = path.join(mount, 'mesos', 'run-2');
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), '10\n11\n');
    fs.writeFileSync(path.join(dir, 'cpu.stat'), 'usage_usec 3500000\nuser_usec 2500000\nsystem_usec 1000000\nnr_periods 40\nnr_throttled 7\nthrottled_usec 250000\n');
    fs.writeFileSync(path.join(dir, 'memory.stat'), 'anon 41943040\nfile 1048576\n');
    fs.writeFileSync(path.join(dir, 'memory.current'), `${50 * MB}\n`);
    fs.writeFileSync(path.join(dir, 'memory.peak'), `${90 * MB}\n`);
    fs.writeFileSync(path.join(dir, 'memory.max'), `${96 * MB}\n`);
    fs.writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 0\noom_kill 0\noom_group_kill 0\n');
    expect(await cgroups.statistics('run-2')).to.deep.equal({
      cpusUserTimeSecs: 2.5, cpusSystemTimeSecs: 1, cpusNrPeriods: 40, cpusNrThrottled: 7, cpusThrottledTimeSecs: 0.25,
      memRssBytes: 40 * MB, memTotalBytes: 50 * MB, memMaxBytes: 90 * MB, memLimitBytes: 96 * MB, oomKills: 0, processes: 2,
    });
    const isolator = new CgroupsIsolator(layout, { controllers: new Set(['mem']) });
    expect(await isolator.limitation('run-2')).to.equal(undefined);
    // The machine-wide OOM killer took one of its processes (no `oom` of its own): not the container's limit.
    fs.writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 1\noom_group_kill 0\n');
    expect(await cgroups.oomState('run-2')).to.deep.equal({ limitReached: false });
    expect(await isolator.limitation('run-2')).to.equal(undefined);
    // The kernel killed the group at its limit: a limitation naming the limit and the peak.
    fs.writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 30\noom 1\noom_kill 1\noom_group_kill 1\n');
    expect(await cgroups.oomState('run-2')).to.deep.equal({ limitReached: true });
    expect(await isolator.limitation('run-2')).to.deep.equal({ reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'Memory limit exceeded: Requested: 96MB Maximum Used: 90MB' });
    // A kernel before 5.19 keeps no peak: the limit was reached, so the peak is the limit.
    fs.rmSync(path.join(dir, 'memory.peak'));
    expect(await isolator.limitation('run-2')).to.deep.equal({ reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'Memory limit exceeded: Requested: 96MB Maximum Used: 96MB' });
    // "max" (no limit) reads as none.
    fs.writeFileSync(path.join(dir, 'memory.max'), 'max\n');
    expect((await cgroups.statistics('run-2')).memLimitBytes).to.equal(undefined);
  });

  it('destroys a container with cgroup.kill, and the isolator prepares one with every limit the flags name', async () => {
    const isolator = new CgroupsIsolator(layout, { controllers: new Set(['cpu', 'mem', 'pids']), enableCfs: true, pidsLimit: 100 });
    expect(isolator.names).to.deep.equal(['cgroups/cpu', 'cgroups/mem', 'cgroups/pids']);
    expect(await isolator.prepare('run-3', { cpus: 0.5, memBytes: 64 * MB }, '/sandbox')).to.deep.equal([path.join(mount, 'mesos', 'run-3', 'cgroup.procs')]);
    const dir = path.join(mount, 'mesos', 'run-3');
    expect({ weight: read('mesos', 'run-3', 'cpu.weight'), max: read('mesos', 'run-3', 'cpu.max'), memory: read('mesos', 'run-3', 'memory.max'), oomGroup: read('mesos', 'run-3', 'memory.oom.group'), pids: read('mesos', 'run-3', 'pids.max') })
      .to.deep.equal({ weight: '20', max: '50000 100000', memory: String(64 * MB), oomGroup: '1', pids: '100' });
    // The hard memory limit is only ever raised: lowered under the container's usage, the kernel would OOM-kill it.
    await isolator.update('run-3', { cpus: 0.5, memBytes: 32 * MB });
    expect(read('mesos', 'run-3', 'memory.max')).to.equal(String(64 * MB));
    await isolator.update('run-3', { cpus: 0.5, memBytes: 128 * MB });
    expect(read('mesos', 'run-3', 'memory.max')).to.equal(String(128 * MB));
    // A process in it (a pid no process has): the cleanup writes cgroup.kill (the kernel's file: never created), then waits for it to empty.
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), '2147483646\n');
    fs.writeFileSync(path.join(dir, 'cgroup.kill'), '');
    const cleanedUp = isolator.cleanup('run-3');
    for (let tries = 0; read('mesos', 'run-3', 'cgroup.kill') === '' && tries < 2_000; tries++) await new Promise((resolve) => setTimeout(resolve, 5)); // up to 10 s on a loaded machine
    expect(read('mesos', 'run-3', 'cgroup.kill')).to.equal('1');
    // The kernel empties it; a fake cgroupfs keeps its files (a real one has none to remove), so the test does.
    for (const file of fs.readdirSync(dir)) fs.rmSync(path.join(dir, file));
    await cleanedUp;
    expect(fs.existsSync(dir)).to.equal(false);
  });
});

/** The v2 controllers a real test needs, and whether this machine has them. */
const unified = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' ')).find((fields) => fields[2] === 'cgroup2')?.[1];
const v2Controllers = unified === undefined ? [] : fs.readFileSync(path.join(unified, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
const v2Missing = ['cpu', 'memory', 'pids'].filter((controller) => !v2Controllers.includes(controller));
const v2Reason = process.getuid?.() !== 0 ? 'not root' : unified === undefined ? 'no cgroup2 mount' : v2Missing.length > 0 ? `the v2 hierarchy lacks ${v2Missing.join(', ')}` : undefined;

(v2Reason === undefined ? describe : describe.skip)(`actors/agent/cgroups: v2 on this machine${v2Reason === undefined ? '' : ` (skipped: ${v2Reason})`}`, () => {
  it('creates, limits, reads and destroys a real v2 container', async () => {
    const cgroups = new Cgroups({ version: 2, mount: unified as string, controllers: new Set(v2Controllers) }, `mesos-v2-test-${process.pid}`);
    await cgroups.create('run');
    await cgroups.setMemoryLimit('run', 64 * MB);
    await cgroups.setOomKillsWholeContainer('run');
    expect((await cgroups.statistics('run')).memLimitBytes).to.equal(64 * MB);
    await cgroups.destroy('run');
    expect(cgroups.exists('run')).to.equal(false);
    fs.rmdirSync(path.join(unified as string, `mesos-v2-test-${process.pid}`));
  });
});
