import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dispatch } from '../../../lib/actor';
import { captureLogger } from '../../../lib/logging';
import { Prng } from '../../../lib/process/prng';
import { VirtualClock, type HttpResponse } from '../../../lib/process';
import type { StatusUpdate } from '../../../lib/protocol';
import { recoveredFrom } from '../../../actors/agent/checkpoint';
import { DISK_WATCH_INTERVAL_MS, GC_DELAY_MS, GC_MAX_CONCURRENT_REMOVALS } from '../../../actors/agent/constants';
import { FilesActor } from '../../../actors/agent/files';
import type { AgentFlags } from '../../../actors/agent/flags';
import { contains, GarbageCollector, maxAllowedAgeMs, nodeSandboxFileSystem, PATH_MAP_LIST_MAX, sandboxDirectories, type SandboxFileSystem } from '../../../actors/agent/gc';
import { recordedSandboxFileSystem } from '../../../actors/agent/replay';
import type { Trace } from '../../../lib/process';
import { agentDirectory, executorRunDirectory, LATEST_RUN_LINK } from '../../../actors/agent/paths';
import { defaultAgentFlags, FILES_ACTOR_ID, startAgent } from '../../../actors/agent';
import { memoryHost } from '../../support/runtime';
import { AGENT_ID, AgentHarness, FakeLauncher, FRAMEWORK_ID, TimedProbe } from './harness';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** Lets promises and I/O callbacks run (the unit tests' collector has no host for `settle` to wait on). */
async function flush(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** A file system whose removals the test ends by hand. */
class HeldRemovals implements SandboxFileSystem {
  readonly started: string[] = [];
  private readonly pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();

  usage(): Promise<number> {
    return Promise.resolve(0);
  }
  remove(target: string): Promise<void> {
    this.started.push(target);
    return new Promise((resolve, reject) => this.pending.set(target, { resolve, reject }));
  }
  subdirectories(): Promise<string[]> {
    return Promise.resolve([]);
  }
  modifiedMs(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }
  touch(): Promise<void> {
    return Promise.resolve();
  }
  get inFlight(): number {
    return this.pending.size;
  }
  finish(target: string, error?: Error): void {
    const removal = this.pending.get(target);
    if (removal === undefined) throw new Error(`no removal of ${target} under way`);
    this.pending.delete(target);
    if (error === undefined) removal.resolve();
    else removal.reject(error);
  }
}

function collector(clock: VirtualClock, fileSystem: SandboxFileSystem, isLive?: (target: string) => boolean, root = '/'): { gc: GarbageCollector; records: ReturnType<typeof captureLogger>['records'] } {
  const { logger, records } = captureLogger('gc');
  const gc = new GarbageCollector({
    root, now: () => clock.now(), delay: (delayMs, callback) => clock.setTimer(delayMs, callback),
    defer: (promise, then, onError) => { promise.then(then, onError); },
    fileSystem, log: () => logger, ...(isLive !== undefined ? { isLive } : {}),
  });
  return { gc, records };
}

describe('actors/agent/gc: GarbageCollector (virtual clock, fake file system)', () => {
  it('a clock set back an hour does not hold scheduled paths for the hour as well (audit of clock set-back hazards)', async () => {
    const clock = new VirtualClock();
    const disk = new HeldRemovals();
    let setBackMs = 0;
    const { logger } = captureLogger('gc');
    const gc = new GarbageCollector({
      root: '/', now: () => clock.now() - setBackMs, delay: (delayMs, callback) => clock.setTimer(delayMs, callback),
      defer: (promise, then, onError) => { promise.then(then, onError); }, fileSystem: disk, log: () => logger,
    });
    gc.schedule('/work/a', 10_000);
    await clock.advance(4_000);
    // The collector's clock now reads an hour less; its timer still fires on the virtual clock.
    setBackMs = HOUR_MS;
    await clock.advance(5_999);
    await flush();
    expect(disk.started).to.deep.equal([]);
    await clock.advance(1);
    await flush();
    expect(disk.started).to.deep.equal(['/work/a']);
    // Scheduled after the step: due a delay from the clock's new reading.
    gc.schedule('/work/b', 10_000);
    await clock.advance(9_999);
    await flush();
    expect(disk.started).to.deep.equal(['/work/a']);
    await clock.advance(1);
    await flush();
    expect(disk.started).to.deep.equal(['/work/a', '/work/b']);
  });

  it('removes a path when it is due, not before; an unscheduled path stays', async () => {
    const clock = new VirtualClock();
    const disk = new HeldRemovals();
    const { gc } = collector(clock, disk);
    gc.schedule('/w/a', 10 * HOUR_MS);
    gc.schedule('/w/b', 10 * HOUR_MS);
    expect(gc.unschedule('/w/b')).to.equal(true);
    expect(gc.unschedule('/w/b')).to.equal(false);
    await clock.advance(10 * HOUR_MS - 1);
    expect(disk.started).to.deep.equal([]);
    await clock.advance(1);
    expect(disk.started).to.deep.equal(['/w/a']);
    disk.finish('/w/a');
    await flush();
    expect(gc.metrics()).to.deep.equal({ 'gc/path_removals_succeeded': 1, 'gc/path_removals_failed': 0, 'gc/path_removals_pending': 0 });
    expect(gc.removedAt('/w/a/stdout')).to.equal(clock.now());
    expect(gc.removedAt('/w/b')).to.equal(undefined);
    // Something live is made there again: it is no longer a collected path.
    gc.unscheduleAncestors('/w/a/runs/new');
    expect(gc.removedAt('/w/a/stdout')).to.equal(undefined);
  });

  it('prune removes at once what is due within the given time, oldest first, and leaves the rest scheduled', async () => {
    const clock = new VirtualClock();
    const disk = new HeldRemovals();
    const { gc } = collector(clock, disk);
    gc.schedule('/w/old', 2 * HOUR_MS);
    gc.schedule('/w/older', HOUR_MS);
    gc.schedule('/w/new', 5 * HOUR_MS);
    gc.prune(3 * HOUR_MS);
    expect(disk.started).to.deep.equal(['/w/older', '/w/old']);
    expect(gc.scheduledAt('/w/new')).to.equal(clock.now() + 5 * HOUR_MS);
    expect(gc.metrics()['gc/path_removals_pending']).to.equal(3);
  });

  it('unscheduleAncestors takes a path and the directories holding it off the schedule, not what lies beside it', () => {
    const clock = new VirtualClock();
    const { gc } = collector(clock, new HeldRemovals());
    for (const target of ['/w/f', '/w/f/e/runs/old', '/w/f/e/runs/new', '/w']) gc.schedule(target, HOUR_MS);
    gc.unscheduleAncestors('/w/f/e/runs/new');
    expect(['/w/f', '/w/f/e/runs/old', '/w/f/e/runs/new', '/w'].map((target) => gc.scheduledAt(target) !== undefined)).to.deep.equal([false, true, false, false]);
  });

  const ANCESTORS_SEED = 1302;
  it(`unscheduleAncestors unschedules exactly the path and the directories holding it inside the root, whatever the tree (root with a trailing separator; seed ${ANCESTORS_SEED})`, () => {
    const prng = new Prng(ANCESTORS_SEED);
    const names = ['w', 'wx', 'f', 'e', 'runs', 'r1', 'r2'];
    const randomPath = (): string => '/' + Array.from({ length: 1 + prng.nextInt(5) }, () => names[prng.nextInt(names.length)]).join('/');
    for (let round = 0; round < 200; round++) {
      const { gc } = collector(new VirtualClock(), new HeldRemovals(), undefined, '/w/');
      const scheduled = new Set<string>();
      for (let index = 0; index < 12; index++) {
        const target = randomPath();
        if (gc.schedule(target, HOUR_MS)) scheduled.add(target);
      }
      // Only paths strictly inside the root are taken: `/w` itself and `/wx/...` are refused.
      for (const target of scheduled) expect(target.startsWith('/w/'), target).to.equal(true);
      const live = randomPath();
      gc.unscheduleAncestors(live);
      for (const target of scheduled) {
        const holds = live === target || live.startsWith(`${target}/`);
        expect(gc.scheduledAt(target) === undefined, `${target} after unscheduleAncestors(${live})`).to.equal(holds);
      }
    }
  });

  const SCHEDULE_SEED = 1304;
  it(`keeps the schedule as a map would, below and above the ${PATH_MAP_LIST_MAX} paths it keeps in lists, emptied and filled again (random schedules, unschedules and walks; seed ${SCHEDULE_SEED})`, async () => {
    const prng = new Prng(SCHEDULE_SEED);
    const names = ['f1', 'f2', 'e1', 'e2', 'e3', 'runs', 'r1', 'r2', 'r3'];
    const randomPath = (): string => '/w/' + Array.from({ length: 1 + prng.nextInt(4) }, () => names[prng.nextInt(names.length)]).join('/');
    for (let round = 0; round < 50; round++) {
      const clock = new VirtualClock();
      const { gc } = collector(clock, new HeldRemovals());
      const model = new Map<string, number>();
      let most = 0;
      for (let step = 0; step < 200; step++) {
        const target = randomPath();
        const pick = prng.nextInt(10);
        if (pick < 5) {
          gc.schedule(target, HOUR_MS);
          model.set(target, clock.now() + HOUR_MS);
        } else if (pick < 8) {
          expect(gc.unschedule(target), `unschedule ${target}`).to.equal(model.delete(target));
        } else if (pick < 9) {
          gc.unscheduleAncestors(target);
          for (const scheduled of [...model.keys()]) if (contains(scheduled, target)) model.delete(scheduled);
        } else {
          await clock.advance(1);
        }
        most = Math.max(most, model.size);
        for (const name of ['/w/f1', '/w/f1/e1', '/w/f2/runs/r1', target]) expect(gc.scheduledAt(name), name).to.equal(model.get(name));
        expect(gc.metrics()['gc/path_removals_pending']).to.equal(model.size);
      }
      expect(most, 'the schedule never went past the lists').to.be.greaterThan(PATH_MAP_LIST_MAX);
      // Everything scheduled an hour ahead goes then, each path once.
      gc.prune(HOUR_MS);
      expect(gc.metrics()['gc/path_removals_pending']).to.equal(model.size);
    }
  });

  it(`removes at most ${GC_MAX_CONCURRENT_REMOVALS} paths at once; a failure is counted and logged, and the rest go on`, async () => {
    const clock = new VirtualClock();
    const disk = new HeldRemovals();
    const { gc, records } = collector(clock, disk);
    const paths = Array.from({ length: GC_MAX_CONCURRENT_REMOVALS + 3 }, (_, index) => `/w/run-${index}`);
    for (const target of paths) gc.schedule(target, HOUR_MS);
    await clock.advance(HOUR_MS);
    expect(disk.inFlight).to.equal(GC_MAX_CONCURRENT_REMOVALS);
    disk.finish('/w/run-0', new Error('EBUSY: resource busy'));
    await flush();
    expect(disk.inFlight).to.equal(GC_MAX_CONCURRENT_REMOVALS);
    for (const target of paths.slice(1)) {
      disk.finish(target);
      await flush();
    }
    expect(disk.started).to.deep.equal(paths);
    expect(gc.metrics()).to.deep.equal({ 'gc/path_removals_succeeded': paths.length - 1, 'gc/path_removals_failed': 1, 'gc/path_removals_pending': 0 });
    expect(records.filter((record) => record.msg === 'failed to garbage collect a path').map((record) => [record.path, record.error])).to.deep.equal([['/w/run-0', 'EBUSY: resource busy']]);
  });

  it('keeps a due path in which something live lies now', async () => {
    const clock = new VirtualClock();
    const disk = new HeldRemovals();
    const { gc } = collector(clock, disk, (target) => target === '/w/live');
    gc.schedule('/w/live', HOUR_MS);
    await clock.advance(HOUR_MS);
    expect(disk.started).to.deep.equal([]);
    expect(gc.metrics()['gc/path_removals_pending']).to.equal(0);
  });

  it('a path waiting for a removal slot is unscheduled when it becomes live again, and not removed (review: race.js)', async () => {
    const clock = new VirtualClock();
    const disk = new HeldRemovals();
    const live = new Set<string>();
    const { gc } = collector(clock, disk, (target) => [...live].some((run) => contains(target, run)));
    const busy = Array.from({ length: GC_MAX_CONCURRENT_REMOVALS }, (_, index) => `/w/agents/A/frameworks/F0/executors/E${index}/runs/R`);
    for (const target of busy) gc.schedule(target, HOUR_MS);
    gc.schedule('/w/agents/A/frameworks/F1', HOUR_MS);
    gc.prune(HOUR_MS); // disk pressure: all due, four at a time; F1 waits for a slot
    expect(disk.inFlight).to.equal(GC_MAX_CONCURRENT_REMOVALS);
    const run = '/w/agents/A/frameworks/F1/executors/E/runs/R2';
    live.add(run);
    expect(gc.unscheduleAncestors(run)).to.equal(undefined);
    for (const target of busy) disk.finish(target);
    await flush();
    expect(disk.started).to.deep.equal(busy);
    expect(gc.metrics()['gc/path_removals_pending']).to.equal(0);
  });

  it('asks again whether a path is live just before its removal starts: one made live while it waited is kept', async () => {
    const clock = new VirtualClock();
    const disk = new HeldRemovals();
    const live = new Set<string>();
    const { gc, records } = collector(clock, disk, (target) => live.has(target));
    const busy = Array.from({ length: GC_MAX_CONCURRENT_REMOVALS }, (_, index) => `/w/run-${index}`);
    for (const target of [...busy, '/w/f']) gc.schedule(target, HOUR_MS);
    await clock.advance(HOUR_MS);
    live.add('/w/f'); // no unschedule: the safety net alone
    for (const target of busy) disk.finish(target);
    await flush();
    expect(disk.started).to.not.include('/w/f');
    expect(records.some((record) => record.msg === 'not removing a due path: something live is in it now' && record.path === '/w/f')).to.equal(true);
  });

  it('unscheduleAncestors answers the removal under way of the path or a directory holding it, settled once it has ended', async () => {
    const clock = new VirtualClock();
    const disk = new HeldRemovals();
    const { gc } = collector(clock, disk);
    gc.schedule('/w/f', HOUR_MS);
    gc.schedule('/w/g/e/runs/old', HOUR_MS);
    await clock.advance(HOUR_MS);
    expect(gc.removalHolding('/w/g/e/runs/new'), 'a sibling\'s removal holds nothing').to.equal(undefined);
    const removal = gc.unscheduleAncestors('/w/f/e/runs/new');
    expect(removal).to.not.equal(undefined);
    let ended = false;
    void removal?.then(() => { ended = true; });
    await flush();
    expect(ended).to.equal(false);
    disk.finish('/w/f', new Error('EBUSY')); // a failed removal ends it all the same
    await flush();
    expect(ended).to.equal(true);
    expect(gc.removalHolding('/w/f/e/runs/new')).to.equal(undefined);
  });

  it('refuses to schedule a path not strictly inside its root (paths come from the journal)', async () => {
    const clock = new VirtualClock();
    const disk = new HeldRemovals();
    const { gc, records } = collector(clock, disk, undefined, '/work');
    for (const target of ['/work', '/', '/etc', '/work-other/x', '/work/../etc']) expect(gc.schedule(target, 0), target).to.equal(false);
    expect(gc.schedule('/work/agents/A', 0)).to.equal(true);
    await clock.advance(1);
    expect(disk.started).to.deep.equal(['/work/agents/A']);
    expect(records.filter((record) => record.msg === 'refusing to schedule a path outside the work dir for garbage collection')).to.have.length(5);
    // The file system's root as the work dir: everything but the root itself is inside it.
    const atRoot = collector(clock, disk, undefined, '/').gc;
    expect(['/', '/w'].map((target) => atRoot.schedule(target, HOUR_MS))).to.deep.equal([false, true]);
  });

  it('a replay sees the disk the recording saw: the same scan, the usage readings in order, nothing removed', async () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-ts-gc-replay-'));
    try {
      for (const runId of ['R1', 'R2']) fs.mkdirSync(executorRunDirectory(workDir, { agentId: 'A1', frameworkId: 'F1', executorId: 'E1', runId }), { recursive: true });
      fs.mkdirSync(path.join(agentDirectory(workDir, 'A0'), 'frameworks', 'F0'), { recursive: true });
      const found = await sandboxDirectories(nodeSandboxFileSystem, workDir);
      expect(found.map((directory) => directory.kind)).to.deep.equal(['agent', 'framework', 'agent', 'framework', 'executor', 'run', 'run']);
      const pid = 'slave(1)@127.0.0.1:5051';
      const input = (name: string, body: unknown): Trace['events'][number] => ({ kind: 'input', t: 0, from: '', to: pid, name, body });
      const trace = { events: [input('sandbox-scan', found), input('disk-usage', 0.25), input('disk-usage', null), input('disk-usage', 0.5)] } as Trace;
      const replayed = recordedSandboxFileSystem(trace, pid);
      fs.rmSync(workDir, { recursive: true, force: true });
      expect(await sandboxDirectories(replayed, workDir)).to.deep.equal(found);
      expect(await replayed.usage(workDir)).to.equal(0.25);
      await replayed.usage(workDir).then(() => expect.fail('the second reading failed in the recording'), (error: Error) => expect(error.message).to.equal('failed in the recording'));
      expect(await replayed.usage(workDir)).to.equal(0.5);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });

  it("Mesos' formula: gc_delay × max(0, 1 − usage − headroom)", () => {
    expect(maxAllowedAgeMs(GC_DELAY_MS, 0.5, 0.1)).to.be.closeTo(0.4 * GC_DELAY_MS, 1e-6);
    expect(maxAllowedAgeMs(GC_DELAY_MS, 0.95, 0.1)).to.equal(0);
    expect(maxAllowedAgeMs(GC_DELAY_MS, 0, 0)).to.equal(GC_DELAY_MS);
  });
});

/** The machine's file system, with a disk usage the test sets. */
function fakeUsage(initial: number): SandboxFileSystem & { fraction: number } {
  const fileSystem = { ...nodeSandboxFileSystem, fraction: initial };
  fileSystem.usage = () => Promise.resolve(fileSystem.fraction);
  return fileSystem;
}

describe('actors/agent: sandbox garbage collection (harness: virtual clock, real work dir, fake disk usage)', () => {
  let workDir: string;
  let harness: AgentHarness;
  const disk = fakeUsage(0.2);

  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-ts-gc-'));
    disk.fraction = 0.2;
  });

  afterEach(async () => {
    await harness.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  function start(overrides: Partial<AgentFlags> = {}): void {
    // Disk checks every hour: a week of virtual time is 168 of them.
    harness = new AgentHarness({ workDir, diskWatchIntervalMs: HOUR_MS, ...overrides }, undefined, { sandboxFileSystem: disk });
  }

  /** Runs command task `taskId` to TASK_FINISHED, acknowledged, its executor exited: the sandbox (made here, as the launcher would) is complete. */
  async function completeTask(taskId: string): Promise<string> {
    harness.runTask(AgentHarness.commandTask(taskId));
    await harness.clock.settle();
    const run = harness.launcher.runs.filter((candidate) => candidate.launch.executorId === taskId).at(-1);
    if (run === undefined) throw new Error(`no executor launched for ${taskId}`);
    fs.mkdirSync(run.launch.directory, { recursive: true });
    fs.writeFileSync(path.join(run.launch.directory, 'stdout'), `output of ${taskId}\n`);
    const executor = await harness.registerExecutor(taskId);
    harness.sendUpdate(executor, harness.executorUpdate(taskId, 'TASK_FINISHED'));
    await harness.clock.settle();
    harness.acknowledge(harness.forwarded().at(-1) as StatusUpdate);
    run.exit();
    await harness.clock.settle();
    return run.launch.directory;
  }

  const frameworkDirectory = (): string => path.join(agentDirectory(workDir, AGENT_ID), 'frameworks', FRAMEWORK_ID);
  const metrics = (): Promise<Record<string, number>> => dispatch(harness.agent, (agent) => agent.metrics());

  it('removes a completed executor\'s sandbox, and its completed framework\'s directory, --gc_delay after completion (empty disk, no headroom)', async () => {
    // With Mesos' default headroom (0.1) even an empty disk keeps a sandbox only 0.9 × gc_delay.
    start({ gcDiskHeadroom: 0 });
    disk.fraction = 0;
    await harness.register();
    const sandbox = await completeTask('T1');
    expect(fs.existsSync(sandbox)).to.equal(true);
    // The run, its executor's directory and the framework's.
    expect(await metrics()).to.include({ 'gc/path_removals_pending': 3, 'gc/path_removals_succeeded': 0 });
    await harness.clock.advance(GC_DELAY_MS - HOUR_MS);
    expect(fs.existsSync(sandbox), 'an hour before gc_delay').to.equal(true);
    await harness.clock.advance(HOUR_MS);
    expect(fs.existsSync(sandbox)).to.equal(false);
    expect(fs.existsSync(frameworkDirectory())).to.equal(false);
    expect(await metrics()).to.include({ 'gc/path_removals_pending': 0, 'gc/path_removals_succeeded': 3, 'gc/path_removals_failed': 0 });
  });

  it('removes it sooner as the disk fills: at 60% used (headroom 0.1) after 0.3 × gc_delay', async () => {
    start();
    await harness.register();
    const sandbox = await completeTask('T1');
    disk.fraction = 0.6;
    const maxAgeMs = maxAllowedAgeMs(GC_DELAY_MS, 0.6, 0.1);
    await harness.clock.advance(maxAgeMs - HOUR_MS);
    expect(fs.existsSync(sandbox), 'younger than the max allowed age').to.equal(true);
    await harness.clock.advance(2 * HOUR_MS);
    expect(fs.existsSync(sandbox)).to.equal(false);
  });

  it('removes everything completed at the next disk check once usage leaves no headroom', async () => {
    start({ diskWatchIntervalMs: 60_000 });
    await harness.register();
    const sandbox = await completeTask('T1');
    disk.fraction = 0.95;
    await harness.clock.advance(60_000);
    expect(fs.existsSync(sandbox)).to.equal(false);
  });

  it('keeps a framework that came back: its directory and new sandbox are unscheduled; the old sandbox still goes', async () => {
    start();
    await harness.register();
    const first = await completeTask('T1');
    await harness.clock.advance(DAY_MS);
    harness.runTask(AgentHarness.commandTask('T2'));
    await harness.clock.settle();
    const second = harness.launcher.run('T2').launch.directory;
    fs.mkdirSync(second, { recursive: true });
    await harness.clock.advance(GC_DELAY_MS);
    expect(fs.existsSync(first), 'the completed run').to.equal(false);
    expect(fs.existsSync(second), 'the live run').to.equal(true);
    expect(fs.existsSync(frameworkDirectory()), 'the live framework\'s directory').to.equal(true);
  });

  it('at start, schedules what a previous run left: old runs by their modification time, old agents and unknown frameworks a whole gc_delay ahead; never the current run or latest', async () => {
    disk.fraction = 0;
    // What the previous run left on disk (times on the harness' virtual clock, which starts where every VirtualClock does).
    const now = new VirtualClock().now();
    const ids = { agentId: AGENT_ID, frameworkId: FRAMEWORK_ID, executorId: 'E1' };
    const oldRun = executorRunDirectory(workDir, { ...ids, runId: 'R-old' });
    const currentRun = executorRunDirectory(workDir, { ...ids, runId: 'R-current' });
    const oldAgent = agentDirectory(workDir, 'A0');
    const otherFramework = path.join(agentDirectory(workDir, AGENT_ID), 'frameworks', 'F2');
    for (const directory of [oldRun, currentRun, oldAgent, otherFramework]) fs.mkdirSync(directory, { recursive: true });
    fs.symlinkSync('R-current', path.join(path.dirname(currentRun), LATEST_RUN_LINK));
    const age = (directory: string, ageMs: number): void => fs.utimesSync(directory, (now - ageMs) / 1000, (now - ageMs) / 1000);
    age(oldRun, GC_DELAY_MS - HOUR_MS);
    age(oldAgent, 2 * GC_DELAY_MS);
    age(otherFramework, DAY_MS);
    age(currentRun, 2 * GC_DELAY_MS);
    const task = AgentHarness.commandTask('T1');
    const recovered = (pid: string): ReturnType<typeof recoveredFrom> => recoveredFrom([
      { t: 'agent', agentId: AGENT_ID },
      { t: 'framework', frameworkId: FRAMEWORK_ID, info: { name: 'fw', user: 'u', checkpoint: true } },
      { t: 'executor', frameworkId: FRAMEWORK_ID, info: { executorId: 'E1', command: { value: 'run-e1' } }, runId: 'R-current', directory: currentRun, commandExecutor: false },
      { t: 'task', frameworkId: FRAMEWORK_ID, executorId: 'E1', task },
      { t: 'executorPid', frameworkId: FRAMEWORK_ID, executorId: 'E1', runId: 'R-current', pid },
    ]);
    harness = new AgentHarness({ workDir, diskWatchIntervalMs: HOUR_MS, gcDiskHeadroom: 0 }, undefined, { sandboxFileSystem: disk, recovered: (address) => recovered(`executor-E1@${address}`) });
    const executor = new TimedProbe('executor-E1', ['ReconnectExecutor', 'ShutdownExecutorOnExecutor']);
    harness.host.spawn(executor);
    await harness.clock.settle();
    expect(executor.count('ReconnectExecutor')).to.equal(1);
    executor.post(harness.agentPid, 'ReregisterExecutor', { frameworkId: FRAMEWORK_ID, executorId: 'E1', tasks: [task], updates: [] });
    await harness.clock.settle();
    await harness.clock.advance(2 * HOUR_MS);
    expect(fs.existsSync(oldRun), 'the old run, due an hour after the start').to.equal(false);
    expect(fs.existsSync(oldAgent), 'an old agent\'s directory, however old').to.equal(true);
    expect(fs.existsSync(otherFramework), 'a framework not recovered').to.equal(true);
    expect(fs.existsSync(currentRun), 'the current run').to.equal(true);
    expect(fs.lstatSync(path.join(path.dirname(currentRun), LATEST_RUN_LINK)).isSymbolicLink()).to.equal(true);
    expect(executor.count('ShutdownExecutorOnExecutor')).to.equal(0);
    await harness.clock.advance(GC_DELAY_MS - 2 * HOUR_MS);
    expect(fs.existsSync(oldAgent), 'the old agent, gc_delay after the start').to.equal(false);
    expect(fs.existsSync(otherFramework), 'the unknown framework, gc_delay after the start').to.equal(false);
    expect(fs.existsSync(currentRun), 'the current run, still').to.equal(true);
  });

  it('a framework back while its directory is being removed: the new executor is launched only once the removal has ended', async () => {
    const held = new Map<string, () => void>();
    const removing: SandboxFileSystem = {
      ...disk,
      usage: () => Promise.resolve(disk.fraction),
      remove: (target) => new Promise<void>((resolve, reject) => {
        held.set(target, () => { nodeSandboxFileSystem.remove(target).then(resolve, reject); });
      }),
    };
    harness = new AgentHarness({ workDir, diskWatchIntervalMs: GC_DELAY_MS }, undefined, { sandboxFileSystem: removing });
    await harness.register();
    const sandbox = await completeTask('T1');
    // Disk pressure: everything goes now. No `settle` while removals are held (it would wait for them).
    await dispatch(harness.agent, (agent) => (agent as unknown as { gc: GarbageCollector }).gc.prune(GC_DELAY_MS));
    await flush();
    expect([...held.keys()]).to.include(frameworkDirectory());
    harness.runTask(AgentHarness.commandTask('T2'));
    await flush();
    expect(harness.launcher.runs.map((run) => run.launch.executorId), 'not launched while its framework\'s directory is being removed').to.deep.equal(['T1']);
    for (const release of held.values()) release();
    await harness.clock.settle();
    expect(fs.existsSync(sandbox)).to.equal(false);
    expect(harness.launcher.runs.map((run) => run.launch.executorId)).to.deep.equal(['T1', 'T2']);
  });

  it('schedules an executor\'s directory once its last run has ended, never while it runs, and unschedules it when the executor runs again', async () => {
    start({ gcDiskHeadroom: 0 });
    disk.fraction = 0;
    await harness.register();
    harness.runTask(AgentHarness.commandTask('T0')); // keeps the framework here
    await harness.clock.settle();
    const sandbox = await completeTask('T1');
    const executorDirectory = path.dirname(path.dirname(sandbox));
    const scheduledAt = (target: string): Promise<number | undefined> => dispatch(harness.agent, (agent) => (agent as unknown as { gc: GarbageCollector }).gc.scheduledAt(target));
    expect(await scheduledAt(executorDirectory)).to.equal(harness.clock.now() + GC_DELAY_MS);
    expect(await scheduledAt(frameworkDirectory()), 'the framework stays').to.equal(undefined);
    expect(await scheduledAt(path.dirname(path.dirname(harness.launcher.run('T0').launch.directory))), 'a live executor').to.equal(undefined);
    // Runs again under the same executor id: its directory is off the schedule while it runs.
    harness.runTask(AgentHarness.commandTask('T1'));
    await harness.clock.settle();
    expect(await scheduledAt(executorDirectory)).to.equal(undefined);
  });

  it('at start, the runs of a framework not recovered are scheduled on their own: when it comes back they still go, its new run stays', async () => {
    disk.fraction = 0;
    const now = new VirtualClock().now();
    const oldRun = executorRunDirectory(workDir, { agentId: AGENT_ID, frameworkId: FRAMEWORK_ID, executorId: 'E0', runId: 'R-old' });
    fs.mkdirSync(oldRun, { recursive: true });
    fs.utimesSync(oldRun, (now - DAY_MS) / 1000, (now - DAY_MS) / 1000);
    harness = new AgentHarness({ workDir, diskWatchIntervalMs: HOUR_MS, gcDiskHeadroom: 0 }, undefined, {
      sandboxFileSystem: disk, recovered: () => recoveredFrom([{ t: 'agent', agentId: AGENT_ID }]),
    });
    await harness.clock.settle();
    await harness.clock.advance(harness.flags.registrationBackoffFactorMs);
    harness.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
    await harness.clock.settle();
    harness.runTask(AgentHarness.commandTask('T1')); // the framework is back: its directory is unscheduled
    await harness.clock.settle();
    const live = harness.launcher.run('T1').launch.directory;
    fs.mkdirSync(live, { recursive: true });
    await harness.clock.advance(GC_DELAY_MS - DAY_MS + HOUR_MS);
    expect(fs.existsSync(oldRun), 'the old run, due gc_delay after it completed').to.equal(false);
    expect(fs.existsSync(live), 'the live run').to.equal(true);
  });

  it('/files/browse, /files/read and /files/download answer 404 saying the sandbox was garbage-collected', async () => {
    start();
    await harness.register();
    const files = new FilesActor(workDir, undefined, (relative) => dispatch(harness.agent, (agent) => agent.garbageCollectedAt(relative)));
    harness.host.spawn(files);
    const get = (route: string, target: string): Promise<HttpResponse> => dispatch(files, async (actor) => {
      const handler = actor.runtime.routes.get(route);
      if (handler === undefined) throw new Error(`no ${route} route`);
      return handler.call(actor, { method: 'GET', path: `/files${route}`, query: { path: target }, headers: {}, body: Buffer.alloc(0) });
    });
    const sandbox = await completeTask('T1');
    expect((await get('/read', path.join(sandbox, 'stdout'))).status).to.equal(200);
    await harness.clock.advance(GC_DELAY_MS);
    for (const [route, target] of [['/browse', sandbox], ['/read', path.join(sandbox, 'stdout')], ['/download', path.join(sandbox, 'stdout')]] as const) {
      const response = await get(route, target);
      expect(response.status, route).to.equal(404);
      expect((response.body as { error: string }).error, route).to.match(/does not exist: its sandbox was garbage-collected at \d{4}-.*--gc_delay/);
    }
    const never = await get('/browse', path.join(workDir, 'never-there'));
    expect(never.status).to.equal(404);
    expect((never.body as { error: string }).error).to.equal(`'${path.join(workDir, 'never-there')}' does not exist`);
  });
});

describe('actors/agent: startAgent and sandbox garbage collection (memory host, virtual clock, real work dir)', () => {
  let workDir: string;
  const disk = fakeUsage(0.2);

  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-ts-gc-start-'));
  });

  afterEach(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('startAgent wires it: an old agent\'s directory goes at the first disk check under pressure, and its files actor says so', async () => {
    const clock = new VirtualClock();
    const host = memoryHost({ clock });
    const oldAgent = agentDirectory(workDir, 'A0');
    fs.mkdirSync(path.join(oldAgent, 'frameworks'), { recursive: true });
    fs.utimesSync(oldAgent, (clock.now() - 2 * GC_DELAY_MS) / 1000, (clock.now() - 2 * GC_DELAY_MS) / 1000);
    const handle = await startAgent({
      flags: defaultAgentFlags({ master: '127.0.0.1:5050', workDir, resources: 'cpus:1;mem:128;disk:100;ports:[31000-31001]' }),
      host, launcher: new FakeLauncher(), sandboxFileSystem: disk,
    });
    try {
      await clock.settle();
      expect(fs.existsSync(oldAgent), 'scheduled a gc_delay ahead').to.equal(true);
      disk.fraction = 0.95;
      await clock.advance(DISK_WATCH_INTERVAL_MS);
      expect(fs.existsSync(oldAgent)).to.equal(false);
      const files = host.lookup(FILES_ACTOR_ID);
      if (!(files instanceof FilesActor)) throw new Error('no files actor');
      const response = await dispatch(files, async (actor) => {
        const handler = actor.runtime.routes.get('/browse');
        if (handler === undefined) throw new Error('no /browse route');
        return handler.call(actor, { method: 'GET', path: '/files/browse', query: { path: 'agents/A0/frameworks' }, headers: {}, body: Buffer.alloc(0) });
      });
      expect(response.status).to.equal(404);
      expect((response.body as { error: string }).error).to.match(/^'agents\/A0\/frameworks' does not exist: its sandbox was garbage-collected at /);
    } finally {
      await handle.stop().catch(() => undefined);
      await host.stop();
    }
  });
});
