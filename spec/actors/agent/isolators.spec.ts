/**
 * The posix and disk/du isolators and their composition (issue 12): usage from a process table,
 * memory enforced by kill, sandboxes measured at their interval and held to their quota; then
 * each on a real agent (no root needed).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { DiskIsolator, Isolators, PosixIsolator, du, parseProcStat, procProcessTable, type Isolator, type ProcessUsage } from '../../../actors/agent/isolator';
import { ProcessLauncher } from '../../../actors/agent/launcher';
import { captureLogger } from '../../../lib/logging';
import { Resources } from '../../../lib/resources';
import { eventually } from '../../support/runtime';
import { RealCluster } from './real-master';

const MB = 1024 * 1024;

/** A process table whose trees the test sets. */
function fakeTable(trees: Map<number, ProcessUsage[]>): { tree(rootPid: number): Promise<ProcessUsage[]> } {
  return { tree: async (rootPid) => trees.get(rootPid) ?? [] };
}

describe('actors/agent/isolator: posix and disk/du', () => {
  it('reads /proc/<pid>/stat, whatever the command name holds', () => {
    const line = '4242 (a) b (c)) S 4000 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 1 0 123 10000000 512 18446744073709551615';
    expect(parseProcStat(line)).to.deep.equal({ pid: 4242, parentPid: 4000, groupId: 4242, userTicks: 250, systemTicks: 50, rssPages: 512 });
    expect(parseProcStat('garbage')).to.equal(undefined);
  });

  it('posix: sums the tree\'s usage; with posix/mem, a container over its limit is a limitation naming the limit and the peak', async () => {
    const trees = new Map<number, ProcessUsage[]>([[10, [{ pid: 10, rssBytes: 40 * MB, userSecs: 1, systemSecs: 0.5 }, { pid: 11, rssBytes: 30 * MB, userSecs: 2, systemSecs: 0 }]]]);
    const isolator = new PosixIsolator(new Set(['cpu', 'mem']), fakeTable(trees));
    expect(isolator.names).to.deep.equal(['posix/cpu', 'posix/mem']);
    expect(await isolator.prepare('run', { cpus: 1, memBytes: 96 * MB }, '/sandbox')).to.deep.equal([]);
    expect(await isolator.usage('run')).to.include({ processes: 0, memRssBytes: 0 }); // not started yet
    isolator.isolate('run', 10);
    expect(await isolator.usage('run')).to.deep.equal({ processes: 2, memRssBytes: 70 * MB, memTotalBytes: 70 * MB, memMaxBytes: 70 * MB, cpusUserTimeSecs: 3, cpusSystemTimeSecs: 0.5, memLimitBytes: 96 * MB });
    expect(await isolator.limitation('run')).to.equal(undefined);
    trees.set(10, [{ pid: 10, rssBytes: 100 * MB, userSecs: 1, systemSecs: 1 }]);
    expect(await isolator.limitation('run')).to.deep.equal({ reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'Memory limit exceeded: Requested: 96MB Maximum Used: 100MB' });
    // The limit follows the container's resources.
    await isolator.update('run', { cpus: 1, memBytes: 128 * MB });
    expect(await isolator.limitation('run')).to.equal(undefined);
    // posix/cpu alone measures and enforces nothing.
    const cpuOnly = new PosixIsolator(new Set(['cpu']), fakeTable(trees));
    await cpuOnly.prepare('run', { cpus: 1, memBytes: MB }, '/sandbox');
    cpuOnly.isolate('run', 10);
    expect(cpuOnly.checkIntervalMs).to.equal(undefined);
    expect(await cpuOnly.limitation('run')).to.equal(undefined);
    await isolator.cleanup('run');
    expect(await isolator.usage('run')).to.equal(undefined);
  });

  it('disk/du: measures a sandbox at most once per watch interval, and with enforcement a sandbox over its disk is a limitation', async () => {
    const sizes = new Map<string, number>([['/a', 5 * MB], ['/b', 20 * MB]]);
    let runs = 0;
    const measure = async (directory: string): Promise<number> => {
      runs += 1;
      return sizes.get(directory) ?? 0;
    };
    const enforced = new DiskIsolator({ enforce: true, watchIntervalMs: 60_000, du: measure });
    expect(enforced.checkIntervalMs, 'a finished du is acted on within a second').to.equal(1_000);
    await enforced.prepare('a', { cpus: 1, memBytes: MB, diskBytes: 10 * MB }, '/a');
    await enforced.prepare('b', { cpus: 1, memBytes: MB, diskBytes: 10 * MB }, '/b');
    await enforced.prepare('none', { cpus: 1, memBytes: MB }, '/b');
    // The first ask starts a du in the background and does not wait for it: nothing is known yet.
    expect(await enforced.limitation('b')).to.equal(undefined);
    for (const id of ['a', 'none']) await enforced.limitation(id);
    await enforced.idle();
    expect(runs, 'one du per sandbox, one at a time').to.equal(3);
    expect(await enforced.limitation('a')).to.equal(undefined);
    expect(await enforced.limitation('b')).to.deep.equal({ reason: 'REASON_CONTAINER_LIMITATION_DISK', message: 'Disk usage (20MB) exceeds quota (10MB)' });
    expect(await enforced.limitation('none')).to.equal(undefined); // no disk resource, no quota
    expect(await enforced.usage('a')).to.deep.equal({ diskUsedBytes: 5 * MB, diskLimitBytes: 10 * MB });
    // Asked again within the interval: the last measure stands, du does not run.
    sizes.set('/a', 50 * MB);
    const before = runs;
    expect(await enforced.limitation('a')).to.equal(undefined);
    expect(runs).to.equal(before);
    // Not enforced: measured, never limited.
    const measured = new DiskIsolator({ enforce: false, du: measure });
    await measured.prepare('b', { cpus: 1, memBytes: MB, diskBytes: 10 * MB }, '/b');
    expect(await measured.limitation('b')).to.equal(undefined);
    await measured.idle();
    expect(await measured.limitation('b')).to.equal(undefined);
    expect(await measured.usage('b')).to.deep.equal({ diskUsedBytes: 20 * MB, diskLimitBytes: 10 * MB });
  });

  it('several isolators act as one: names, the shortest interval, usage merged, the first limitation', async () => {
    const trees = new Map<number, ProcessUsage[]>([[10, [{ pid: 10, rssBytes: 200 * MB, userSecs: 0, systemSecs: 0 }]]]);
    const disk = new DiskIsolator({ enforce: true, du: async () => 30 * MB });
    const isolators = new Isolators([new PosixIsolator(new Set(['mem']), fakeTable(trees)), disk]);
    expect(isolators.names).to.deep.equal(['posix/mem', 'disk/du']);
    expect(isolators.checkIntervalMs).to.equal(250);
    await isolators.prepare('run', { cpus: 1, memBytes: 100 * MB, diskBytes: 10 * MB }, '/sandbox');
    isolators.isolate('run', 10, '/sandbox');
    expect((await isolators.limitation('run'))?.reason).to.equal('REASON_CONTAINER_LIMITATION_MEMORY');
    await isolators.usage('run');
    await disk.idle();
    expect(await isolators.usage('run')).to.include({ memRssBytes: 200 * MB, diskUsedBytes: 30 * MB });
  });

  it('an orphan that cannot be destroyed is logged and the agent starts anyway (review: a nested cgroup made startAgent reject)', async () => {
    const captured = captureLogger();
    const stuck: Isolator = {
      names: ['cgroups/mem'], checkIntervalMs: undefined,
      prepare: async () => [], isolate: () => undefined, update: async () => undefined, usage: async () => undefined, limitation: async () => undefined,
      cleanup: async () => undefined, release: async () => undefined,
      recover: async () => { throw new Error('could not destroy 1 of 2 orphan containers: cannot remove cgroup /x: EBUSY'); },
    };
    const launcher = new ProcessLauncher(undefined, {}, stuck, captured.logger);
    expect(await launcher.recoverContainers(new Set())).to.deep.equal([]);
    expect(captured.records.map((record) => record.msg)).to.deep.equal(['could not destroy every orphan container; starting anyway']);
  });

  it('reads a real process tree from /proc, and a real directory\'s size with du', async () => {
    const child = spawn('/bin/sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore', detached: true });
    try {
      const table = procProcessTable();
      let tree = await table.tree(child.pid as number);
      // A sleep caught between its fork and its exec has no memory of its own yet: rss 0 (3 reads
      // in 200 here; one failed a CI run). Read again until all three have started.
      const started = (): boolean => tree.length === 3 && tree.every((process) => process.rssBytes > 0);
      for (let tries = 0; !started() && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 60));
        tree = await table.tree(child.pid as number);
      }
      expect(tree, 'the shell and its two sleeps').to.have.length(3);
      expect(tree.every((process) => process.rssBytes > 0)).to.equal(true);
    } finally {
      process.kill(-(child.pid as number), 'SIGKILL');
    }
    const directory = fs.mkdtempSync('/tmp/du-');
    // Random bytes: a compressing file system stores them whole too.
    fs.writeFileSync(`${directory}/f`, randomBytes(2 * MB));
    expect(await du(directory)).to.be.within(2 * MB, 2 * MB + 256 * 1024);
    fs.rmSync(directory, { recursive: true });
  });
});

describe('an agent with --isolation posix/cpu,posix/mem, or disk/du with --enforce_container_disk_quota', function () {
  this.timeout(30_000);
  let cluster: RealCluster | undefined;

  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('posix/mem: a task whose processes hold more than its mem is killed, failing with REASON_CONTAINER_LIMITATION_MEMORY; its neighbour runs on', async () => {
    cluster = await RealCluster.start({ isolation: 'posix/cpu,posix/mem' });
    cluster.runTask(RealCluster.commandTask('neighbour', 'sleep 60'));
    // 1 MB every 2 ms, up to 1 GB: caught within a check or two of crossing 32 MB + its executor's own 32 MB.
    // Then it holds what it took until it is killed: it used to end at 1 GB (~2 s in), and on a
    // busy machine a check that came later found no process over its limit (TASK_FINISHED).
    cluster.runTask(RealCluster.commandTask('hog', `${JSON.stringify(process.execPath)} -e "const a = []; const t = setInterval(() => { a.push(Buffer.alloc(1 << 20, 1)); if (a.length > 1024) clearInterval(t); }, 2); setInterval(() => a.length, 60000)"`));
    await eventually(() => cluster?.master.states('hog').includes('TASK_FAILED') === true, 20_000, 'the hog failed');
    const failed = cluster.master.updates('hog').find((update) => update.status.state === 'TASK_FAILED');
    expect(failed?.status.reason).to.equal('REASON_CONTAINER_LIMITATION_MEMORY');
    expect(failed?.status.message).to.match(/^Memory limit exceeded: Requested: 64MB Maximum Used: \d+(\.\d+)?[KMG]?B$/); // its 32 MB and its command executor's own 32 MB
    expect(cluster.master.states('neighbour')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
  });

  it('disk/du: a sandbox that outgrows its disk fails its task with REASON_CONTAINER_LIMITATION_DISK', async () => {
    cluster = await RealCluster.start({ isolation: 'disk/du', enforceContainerDiskQuota: true, containerDiskWatchIntervalMs: 200 });
    const resources = Resources.parse('cpus:0.1;mem:32;disk:10').toJSON();
    cluster.runTask(RealCluster.commandTask('small', 'head -c 1048576 /dev/zero > small; sleep 60', { resources }));
    cluster.runTask(RealCluster.commandTask('big', 'head -c 20971520 /dev/zero > big; sleep 60', { resources }));
    await eventually(() => cluster?.master.states('big').includes('TASK_FAILED') === true, 20_000, 'the big one failed');
    const failed = cluster.master.updates('big').find((update) => update.status.state === 'TASK_FAILED');
    expect(failed?.status.reason).to.equal('REASON_CONTAINER_LIMITATION_DISK');
    // Sizes as Mesos prints them: in the largest unit that divides them (du counts KiB).
    const [, used, unit] = /^Disk usage \((\d+)(B|KB|MB)\) exceeds quota \(10MB\)$/.exec(failed?.status.message ?? '') ?? [];
    // The sample that crossed the quota may be taken while the file is still being written (a
    // busy machine measured 12.5 MB of the 20): over the quota, at most what the task wrote.
    const bytes = Number(used) * { B: 1, KB: 1024, MB: MB }[unit as 'B' | 'KB' | 'MB'];
    expect(bytes, failed?.status.message).to.be.above(10 * MB).and.at.most(21 * MB);
    expect(cluster.master.states('small')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
  });
});
