/**
 * High availability as real processes: `mesos-master --zk` contenders, an agent, frameworks and
 * the client bins against a real ZooKeeper 3.8 (Debian's package, one server per test). Masters
 * ask for a 3 s session (the server's tick is 200 ms: it grants 400 ms to 10 s), so a killed or
 * stopped leader's session expires within a test's budget. Every wait is bounded polling with
 * generous margins: nothing here assumes a quiet machine.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MASTER_INFO_LABEL, ZooKeeperMasterContender, ZooKeeperMasterDetector, type DetectedMaster } from '../../lib/ha/election';
import { connectNodeZooKeeper } from '../../lib/ha/node-zookeeper';
import { parseZooKeeperUrl, type ZooKeeperClient } from '../../lib/ha/zookeeper';
import { RealClock, type ActorHost } from '../../lib/process';
import { isTerminalState, type MasterInfo, type Offer, type TaskStatus } from '../../lib/protocol';
import { Resources } from '../../lib/resources';
import { v1MasterInfo } from '../../lib/v1/json';
import { Scheduler } from '../../actors/framework/scheduler';
import { fitInto } from '../../actors/framework/offers';
import { eventually, netHost, within } from '../support/runtime';
import { ZooKeeperServer, zooKeeperSkipReason } from '../support/zookeeper-server';
import { startBin, type BinProcess } from './processes';

/** What the masters ask ZooKeeper for: short, so that a dead leader's session expires soon. */
const SESSION_TIMEOUT = '3secs';
const SESSION_TIMEOUT_MS = 3_000;
/** Upper bound of any wait for the cluster to do something by itself (a busy machine is slow). */
const WAIT_MS = 30_000;
/** Between two polls of the masters' /master/state. */
const POLL_INTERVAL_MS = 25;
/** A /master/state request unanswered this long counts as no answer (a stopped master answers nothing). */
const STATE_REQUEST_TIMEOUT_MS = 1_000;
/** The leadership monitor's requests may wait this long: one to a stopped master is answered once it runs again. */
const MONITOR_REQUEST_TIMEOUT_MS = 20_000;
/** How long a round of the leadership monitor waits for answers. */
const MONITOR_ROUND_WAIT_MS = 250;

interface StateTask { id: string; state: string }
interface MasterStateJson {
  pid: string;
  leader?: string;
  elected?: boolean;
  slaves: Array<{ id: string; active: boolean }>;
  frameworks: Array<{ id: string; name: string; active: boolean; tasks: StateTask[] }>;
}

/** A `mesos-master --zk` process and the address it serves. */
interface MasterProcess {
  readonly bin: BinProcess;
  /** `ip:port`. */
  readonly address: string;
  /** `master@ip:port`. */
  readonly pid: string;
}

/** A master's answer to GET /master/state, not followed if it redirects (as Mesos', a standby's 307 names the leader). */
interface StateAnswer {
  /** Undefined if it did not answer in time. */
  readonly status: number | undefined;
  /** Its document, if it served one (the leader). */
  readonly state: MasterStateJson | undefined;
  /** A redirect's `Location` (`//host:port/master/state`). */
  readonly location: string | undefined;
}

async function askState(master: MasterProcess, timeoutMs: number): Promise<StateAnswer> {
  try {
    const response = await fetch(`http://${master.address}/master/state`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    return { status: response.status, state: response.ok ? ((await response.json()) as MasterStateJson) : undefined, location: response.headers.get('location') ?? undefined };
  } catch {
    return { status: undefined, state: undefined, location: undefined };
  }
}

/** Whether a redirect's `Location` sends to `master`. */
function redirectsTo(location: string | undefined, master: MasterProcess): boolean {
  return location !== undefined && location.startsWith(`//${master.address}/`);
}

/** A master's /master/state, or undefined if it does not answer it (in time, or at all). */
async function stateOf(master: MasterProcess, timeoutMs = STATE_REQUEST_TIMEOUT_MS): Promise<MasterStateJson | undefined> {
  return (await askState(master, timeoutMs)).state;
}

/** Whether a /master/state says its master leads: it names itself leader and is not a standby. */
function claimsToLead(state: MasterStateJson | undefined): boolean {
  return state !== undefined && state.elected !== false && state.leader === state.pid;
}

/** Polls until `find` returns something (checked every `POLL_INTERVAL_MS`), failing after `ms`. */
async function pollFor<T>(find: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** The one master of `masters` that claims to lead (fails if two do at once). */
async function leaderOf(masters: readonly MasterProcess[], ms = WAIT_MS): Promise<MasterProcess> {
  return pollFor(async () => {
    const states = await Promise.all(masters.map((master) => stateOf(master)));
    const leaders = masters.filter((_, index) => claimsToLead(states[index]));
    expect(leaders.map((master) => master.pid), 'masters claiming to lead at once').to.have.length.at.most(1);
    return leaders[0];
  }, ms, `one of ${masters.map((master) => master.address).join(', ')} to lead`);
}

/** Resolves with the time (Date.now()) at which `bin` prints output matching `pattern` after now. */
function whenPrinted(bin: BinProcess, pattern: RegExp): Promise<number> {
  const offset = bin.stdout.length;
  return new Promise((resolve) => {
    // Added after BinProcess's own listener: `bin.stdout` already holds the chunk.
    const check = (): void => {
      if (!pattern.test(bin.stdout.slice(offset))) return;
      bin.child.stdout?.off('data', check);
      resolve(Date.now());
    };
    bin.child.stdout?.on('data', check);
  });
}

/** The ms since `startMs`, as printed. */
function since(startMs: number, atMs = Date.now()): number {
  return atMs - startMs;
}

/** Reasons of a master's TASK_LOST that say the launch never reached the agent. */
const LAUNCH_NEVER_ARRIVED: ReadonlySet<string> = new Set(['REASON_INVALID_OFFERS', 'REASON_RECONCILIATION']);

/** Work items run as tasks of this size; the agent (cpus:4) runs four at a time. */
const TASK_RESOURCES = Resources.parse('cpus:1;mem:64');

/**
 * A framework with `items` work items, each run as a task that appends its pid to a file named
 * after the task in `markerDirectory` (so a task run twice shows), then sleeps `taskSeconds`.
 * As a Mesos framework must, it runs an item again (under a new task id) when the master says
 * its launch never reached the agent: TASK_LOST for invalid offers (an offer rescinded while the
 * launch was on its way, e.g. when the framework's re-registration is retried) or, asked after a
 * failover about tasks it has heard nothing of, for a task unknown to the re-registered agent
 * (the launch died with the old master).
 */
class FailoverBatch extends Scheduler {
  /** Every update received, in order (the agent's carry a uuid; the master's reconciliation answers none). */
  readonly updates: TaskStatus[] = [];
  /** When (Date.now()) each registration and re-registration was answered. */
  readonly registeredAtMs: number[] = [];
  readonly reregisteredAtMs: number[] = [];
  /** Task ids whose launch the master said never reached the agent (their items run again). */
  readonly lostLaunches: string[] = [];
  /** Item → the task id that finished it (the first; `finishedTwice` gets any other). */
  readonly finished = new Map<string, string>();
  readonly finishedTwice: string[] = [];
  /** Items not launched yet (or to launch again). */
  private readonly waiting: string[];
  /** Task id → item, for tasks launched and not terminal. */
  private readonly live = new Map<string, { item: string; agentId: string }>();
  /** Tasks with at least one update from the agent. */
  private readonly heard = new Set<string>();
  private readonly attempts = new Map<string, number>();
  private reconciling = false;
  private resolveDone: () => void = () => undefined;
  private rejectDone: (error: Error) => void = () => undefined;
  /** Resolves once every item has finished; rejects on a task that ends otherwise (nothing is retried). */
  readonly done = new Promise<void>((resolve, reject) => {
    this.resolveDone = resolve;
    this.rejectDone = reject;
  });

  constructor(master: string, private readonly items: number, private readonly markerDirectory: string, private readonly taskSeconds: number) {
    super({ master, framework: { name: 'failover-batch', user: 'test', failoverTimeout: 3600 }, registrationBackoffFactorMs: 200 });
    this.waiting = Array.from({ length: items }, (_, index) => `item-${index}`);
  }

  /** Where the work stands (for a failure's message). */
  summary(): string {
    const updates = this.updates.map((status) => `${status.taskId}:${status.state}${status.uuid === undefined ? `(master ${status.reason ?? ''})` : ''}`);
    return `finished ${[...this.finished.keys()].join(',')}; live ${[...this.live.keys()].join(',')}; waiting ${this.waiting.join(',')}; state ${this.state}; updates ${updates.join(' ')}`;
  }

  /** Agent-sourced states of each task, deduplicated by uuid (delivery is at least once), in arrival order. */
  statesByTask(): Map<string, string[]> {
    const seen = new Set<string>();
    const states = new Map<string, string[]>();
    for (const status of this.updates) {
      if (status.uuid === undefined || seen.has(status.uuid)) continue;
      seen.add(status.uuid);
      states.set(status.taskId, [...(states.get(status.taskId) ?? []), status.state]);
    }
    return states;
  }

  protected override registered(): void {
    this.registeredAtMs.push(Date.now());
  }

  protected override reregistered(): void {
    this.reregisteredAtMs.push(Date.now());
    this.reconcileUnheard();
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      let available = Resources.fromJSON(offer.resources);
      const tasks = [];
      for (let picked = fitInto(available, TASK_RESOURCES, offer.allocationRole); picked !== undefined && this.waiting.length > 0; picked = fitInto(available, TASK_RESOURCES, offer.allocationRole)) {
        const item = this.waiting.shift() as string;
        const attempt = (this.attempts.get(item) ?? 0) + 1;
        this.attempts.set(item, attempt);
        const taskId = `${item}.${attempt}`;
        available = available.subtract(picked);
        this.live.set(taskId, { item, agentId: offer.agentId });
        const marker = path.join(this.markerDirectory, taskId);
        tasks.push({ name: taskId, taskId, agentId: offer.agentId, resources: picked.toJSON(), command: { value: `echo $$ >> '${marker}'; sleep ${this.taskSeconds}` } });
      }
      if (tasks.length > 0) this.launch(offer.id, tasks, { refuseSeconds: 0.2 });
      else this.decline(offer.id, { refuseSeconds: this.waiting.length > 0 ? 0.2 : 60 });
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.updates.push(status);
    const launched = this.live.get(status.taskId);
    if (status.uuid === undefined) {
      // The master's word (no uuid). TASK_LOST for a task the agent never reported: its launch was lost.
      if (launched !== undefined && !this.heard.has(status.taskId) && status.state === 'TASK_LOST' && LAUNCH_NEVER_ARRIVED.has(status.reason ?? '')) {
        this.lostLaunches.push(status.taskId);
        this.live.delete(status.taskId);
        this.waiting.push(launched.item);
        this.revive();
      }
      return;
    }
    this.heard.add(status.taskId);
    if (!isTerminalState(status.state) || launched === undefined) return;
    this.live.delete(status.taskId);
    if (status.state !== 'TASK_FINISHED') return this.rejectDone(new Error(`${status.taskId}: ${status.state} (${status.reason ?? ''}: ${status.message ?? ''})`));
    if (this.finished.has(launched.item)) this.finishedTwice.push(status.taskId);
    else this.finished.set(launched.item, status.taskId);
    if (this.finished.size === this.items) this.resolveDone();
  }

  /** Asks the master about launched tasks not heard of, every second until each is heard of or relaunched. */
  private reconcileUnheard(): void {
    if (this.reconciling) return;
    const unheard = [...this.live].filter(([taskId]) => !this.heard.has(taskId));
    if (unheard.length === 0) return;
    this.reconciling = true;
    this.reconcile(unheard.map(([taskId, { agentId }]) => ({ taskId, agentId })));
    this.delay(1_000, () => {
      this.reconciling = false;
      if (this.state === 'registered') this.reconcileUnheard();
    });
  }
}

const skipReason = zooKeeperSkipReason();

(skipReason === undefined ? describe : describe.skip)(`HA as real processes with a real ZooKeeper${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, function () {
  this.timeout(60_000);
  let zooKeeper: ZooKeeperServer | undefined;
  let workDirectory: string;
  const processes: BinProcess[] = [];
  const hosts: ActorHost[] = [];
  const clients: Array<{ close(): Promise<void> }> = [];
  const monitors: LeadershipMonitor[] = [];

  beforeEach(async function () {
    workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'ha-real-'));
    zooKeeper = await ZooKeeperServer.start({ tickTimeMs: 200, maxSessionTimeoutMs: 10_000 });
  });

  afterEach(async function () {
    this.timeout(30_000);
    for (const monitor of monitors.splice(0)) monitor.stop();
    for (const client of clients.splice(0)) await client.close();
    for (const host of hosts.splice(0)) await host.stop();
    if (this.currentTest?.state === 'failed') keepOutputs(processes);
    for (const bin of processes.splice(0)) {
      bin.kill('SIGCONT');
      bin.kill('SIGKILL');
    }
    await zooKeeper?.stop();
    zooKeeper = undefined;
    fs.rmSync(workDirectory, { recursive: true, force: true });
  });

  function start(name: string, args: string[]): BinProcess {
    const bin = startBin(name, args);
    processes.push(bin);
    return bin;
  }

  function zooKeeperUrl(): string {
    if (zooKeeper === undefined) throw new Error('no ZooKeeper server');
    return zooKeeper.url('/mesos');
  }

  /** Starts `count` contending masters and waits until each serves its address. */
  async function startMasters(count: number): Promise<MasterProcess[]> {
    const masters = Array.from({ length: count }, (_, index) => start('mesos-master', [
      '--zk', zooKeeperUrl(), '--quorum', '2', '--zk_session_timeout', SESSION_TIMEOUT, '--port', '0',
      '--work_dir', path.join(workDirectory, `master-${index}`), '--allocation_interval', '100ms',
    ]));
    return Promise.all(masters.map(async (bin) => {
      const [, address] = await bin.waitFor(/master@(\S+) contending/, WAIT_MS);
      return { bin, address: address as string, pid: `master@${address as string}` };
    }));
  }

  function startAgent(): BinProcess {
    return start('mesos-agent', [
      '--master', zooKeeperUrl(), '--port', '0', '--work_dir', path.join(workDirectory, 'agent'),
      '--resources', 'cpus:4;mem:1024', '--registration_backoff_factor', '100ms',
    ]);
  }

  it('kill -9 of the leader while tasks launch and run: a new leader, the agent and the framework come back, every task runs once and its updates arrive in order', async () => {
    const testStartMs = Date.now();
    const masters = await startMasters(3);
    const leader = await leaderOf(masters);
    startAgent();
    await pollFor(async () => ((await stateOf(leader))?.slaves.some((slave) => slave.active) === true ? true : undefined), WAIT_MS, 'the agent to register');
    const markerDirectory = path.join(workDirectory, 'markers');
    fs.mkdirSync(markerDirectory);
    const host = await netHost();
    hosts.push(host);
    const items = 12;
    const framework = new FailoverBatch(zooKeeperUrl(), items, markerDirectory, 2);
    host.spawn(framework);
    // Killed while the first wave runs and later launches are still to come.
    await eventually(() => framework.updates.some((status) => status.state === 'TASK_RUNNING'), WAIT_MS, 'a task to run');
    const frameworkId = framework.frameworkId as string;
    const launchedBefore = framework.statesByTask().size;
    const survivors = masters.filter((master) => master !== leader);
    const elected = Promise.race(survivors.map((master) => whenPrinted(master.bin, /mesos-master: leading/)));
    leader.bin.kill('SIGKILL');
    const deathMs = Date.now();
    await leader.bin.exited;
    const newLeader = await leaderOf(survivors);
    const electedMs = since(deathMs, await elected);
    const agentId = (framework.updates[0] as TaskStatus).agentId as string;
    await pollFor(async () => ((await stateOf(newLeader))?.slaves.some((slave) => slave.id === agentId && slave.active) === true ? true : undefined), WAIT_MS, 'the agent to re-register');
    const agentBackMs = since(deathMs);
    await eventually(() => framework.reregisteredAtMs.length > 0, WAIT_MS, 'the framework to re-register');
    const frameworkBackMs = since(deathMs, framework.reregisteredAtMs[0]);
    await within(framework.done, WAIT_MS, `all ${items} items to finish`).catch((error: Error) => {
      throw new Error(`${error.message}: ${framework.summary()}`);
    });

    expect(framework.frameworkId, 'the same framework id').to.equal(frameworkId);
    expect(framework.registeredAtMs, 'registered once, then re-registered').to.have.length(1);
    expect(framework.finishedTwice, 'items finished twice').to.deep.equal([]);
    const states = framework.statesByTask();
    for (const [taskId, taskStates] of states) {
      expect(taskStates, `the updates of ${taskId}, in order`).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    }
    // No task was lost: the only other terminal updates are the master's (possibly repeated) about
    // launches that never reached the agent (they died with the old leader, or their offer was
    // rescinded on the way), which never ran.
    const lostOrFailed = framework.updates.filter((status) => isTerminalState(status.state) && status.state !== 'TASK_FINISHED');
    expect([...new Set(lostOrFailed.map((status) => status.taskId))], 'tasks ended otherwise than TASK_FINISHED').to.have.members(framework.lostLaunches);
    for (const taskId of framework.lostLaunches) {
      expect(states.has(taskId), `${taskId}: reported lost although the agent reported it`).to.equal(false);
      expect(fs.existsSync(path.join(markerDirectory, taskId)), `${taskId}: reported lost although it ran`).to.equal(false);
    }
    // Each item ran exactly once: one marker line over all its task ids.
    const runs = new Map<string, number>();
    for (const file of fs.readdirSync(markerDirectory)) {
      const item = file.slice(0, file.lastIndexOf('.'));
      runs.set(item, (runs.get(item) ?? 0) + fs.readFileSync(path.join(markerDirectory, file), 'utf8').trim().split('\n').length);
    }
    expect([...runs.values()].every((count) => count === 1), JSON.stringify([...runs])).to.equal(true);
    expect(runs.size).to.equal(items);
    // Acknowledged: the agent keeps a framework until every terminal update of its tasks is acknowledged.
    const agentAddress = await agentAddressOf(newLeader, agentId);
    const agentState = await pollFor(async () => {
      const response = await fetch(`http://${agentAddress}/state`, { signal: AbortSignal.timeout(STATE_REQUEST_TIMEOUT_MS) }).catch(() => undefined);
      const body = response?.ok === true ? ((await response.json()) as { frameworks: unknown[]; completed_frameworks: Array<{ id: string }> }) : undefined;
      return body?.frameworks.length === 0 ? body : undefined;
    }, WAIT_MS, 'the agent to have every terminal update acknowledged');
    expect(agentState.completed_frameworks.map((completed) => completed.id)).to.deep.equal([frameworkId]);
    const finalState = await stateOf(newLeader);
    expect(finalState?.frameworks.map((entry) => [entry.id, entry.active, entry.tasks.length])).to.deep.equal([[frameworkId, true, 0]]);
    console.log(`      failover: tasks with updates before the kill ${launchedBefore}; death → new leader ${electedMs} ms, → agent re-registered ${agentBackMs} ms, → framework re-registered ${frameworkBackMs} ms; launches that never reached the agent (run again) ${framework.lostLaunches.length}; test ${since(testStartMs)} ms`);
  });

  it("the leader's session expires while it is stopped (SIGSTOP): another is elected, the resumed one steps down, and no two masters ever claim to lead at once", async () => {
    const testStartMs = Date.now();
    const masters = await startMasters(3);
    const leader = await leaderOf(masters);
    const monitor = new LeadershipMonitor(masters);
    monitors.push(monitor);
    const monitoring = monitor.run();
    await pollFor(async () => (monitor.rounds >= 5 ? true : undefined), WAIT_MS, 'a few polls of the masters');
    const outputBeforeMs = leader.bin.stdout.length;
    leader.bin.kill('SIGSTOP');
    const stoppedMs = Date.now();
    const others = masters.filter((master) => master !== leader);
    const newLeader = await leaderOf(others);
    const electedMs = since(stoppedMs);
    leader.bin.kill('SIGCONT');
    const resumedMs = Date.now();
    await pollFor(async () => (/mesos-master: not leading/.test(leader.bin.stdout.slice(outputBeforeMs)) ? true : undefined), WAIT_MS, 'the resumed leader to say it no longer leads');
    const steppedDownMs = since(resumedMs);
    monitor.steppedDown(leader);
    await pollFor(async () => {
      const answer = await askState(leader, STATE_REQUEST_TIMEOUT_MS);
      return answer.status === 307 && redirectsTo(answer.location, newLeader) ? answer : undefined;
    }, WAIT_MS, 'the resumed leader to stand by and redirect to the new leader');
    // Some more polls with all three up, then the verdict.
    const roundsAfterResume = monitor.rounds;
    await pollFor(async () => (monitor.rounds >= roundsAfterResume + 10 ? true : undefined), WAIT_MS, 'more polls of the masters');
    monitor.stop();
    await monitoring;
    expect(monitor.violations, 'polls where two masters claimed to lead').to.deep.equal([]);
    // A master that stood down knows it does not lead: it must not send clients of `leader` back to itself.
    expect(monitor.staleSelfLeaders, 'answers of the master that stood down naming itself leader').to.deep.equal([]);
    expect(monitor.claimants, 'the masters that ever claimed to lead').to.have.members([leader.pid, newLeader.pid]);
    expect((await leaderOf(masters)).pid, 'the leader after all').to.equal(newLeader.pid);
    console.log(`      session expiry: stop → new leader ${electedMs} ms; resume → old leader stood down ${steppedDownMs} ms; ${monitor.rounds} rounds, ${monitor.answers} answers (${monitor.unconfirmed} × 503: leadership unconfirmed, or a standby knowing no leader); test ${since(testStartMs)} ms`);
  });

  it('mesos-ps --master zk:// lists tasks through the leader; with no master in ZooKeeper, mesos-execute --master zk:// gives up with one line and exit 1', async () => {
    const testStartMs = Date.now();
    const masters = await startMasters(2);
    const leader = await leaderOf(masters);
    startAgent();
    const execute = start('mesos-execute', ['--master', zooKeeperUrl(), '--name', 'listed', '--command', 'sleep 60', '--master_timeout', '20secs']);
    await execute.waitFor(/TASK_RUNNING/, WAIT_MS);
    const ps = start('mesos-ps', ['--master', zooKeeperUrl(), '--master_timeout', '10secs']);
    expect(await within(ps.exited, WAIT_MS, 'mesos-ps'), ps.stderr).to.equal(0);
    const lines = ps.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^FRAMEWORK\s+TASK\s+AGENT\s+STATE\s+RESOURCES$/);
    expect(lines.slice(1)).to.have.length(1);
    expect(lines[1]).to.match(/^listed\s+listed\s+\S+ \(127\.0\.0\.1:\d+\)\s+TASK_RUNNING\s+cpus:0\.1;mem:32$/);
    // Only the leader could have listed it: a standby serves no state (it redirects to the leader, as Mesos').
    const standby = masters.find((master) => master !== leader) as MasterProcess;
    const atStandbyState = await askState(standby, STATE_REQUEST_TIMEOUT_MS);
    expect([atStandbyState.status, redirectsTo(atStandbyState.location, leader)]).to.deep.equal([307, true]);
    // mesos-ps given the standby's address lists the leader's tasks, and says so (it printed an empty table).
    const atStandby = start('mesos-ps', ['--master', standby.address]);
    expect(await within(atStandby.exited, WAIT_MS, 'mesos-ps at the standby'), atStandby.stderr).to.equal(0);
    expect(atStandby.stdout).to.equal(ps.stdout);
    expect(atStandby.stderr).to.match(new RegExp(`^mesos-ps: ${standby.address.replace(/\./g, '\\.')} is a standby master; using the leader at \\S+:${leader.address.split(':')[1]} \\(give --master zk://\\.\\.\\. to follow the leader across failovers\\)\n$`));
    // Every master stops (SIGTERM: each withdraws, so its znode goes at once): none is left in ZooKeeper.
    for (const master of masters) master.bin.kill('SIGTERM');
    for (const master of masters) expect(await within(master.bin.exited, WAIT_MS, `${master.address} to exit`)).to.equal(0);
    const client = connectNodeZooKeeper(parseZooKeeperUrl(zooKeeperUrl()), { sessionTimeoutMs: SESSION_TIMEOUT_MS });
    clients.push(client);
    await connectedClient(client);
    expect((await client.getChildren('/mesos')).filter((name) => name.startsWith(MASTER_INFO_LABEL)), 'masters in ZooKeeper').to.deep.equal([]);
    const giveUpStartMs = Date.now();
    const orphan = start('mesos-execute', ['--master', zooKeeperUrl(), '--name', 'orphan', '--command', 'true', '--master_timeout', '2secs']);
    expect(await within(orphan.exited, 20_000, 'mesos-execute to give up')).to.equal(1);
    const giveUpMs = since(giveUpStartMs);
    expect(orphan.stderr.trimEnd().split('\n')).to.deep.equal([`mesos-execute: no leading master in ${zooKeeperUrl()} within 2 s`]);
    expect(orphan.stdout).to.equal('');
    const lonelyPs = start('mesos-ps', ['--master', zooKeeperUrl(), '--master_timeout', '2secs']);
    expect(await within(lonelyPs.exited, 20_000, 'mesos-ps to give up')).to.equal(1);
    expect(lonelyPs.stderr.trimEnd().split('\n')).to.deep.equal([`mesos-ps: no leading master in ${zooKeeperUrl()} within 2 s`]);
    console.log(`      clients: mesos-execute gave up after ${giveUpMs} ms (--master_timeout 2secs); test ${since(testStartMs)} ms`);
  });

  it("mesos-execute --master zk:// prints its task's output through the new leader after a failover (it asked the master it had started with, gone)", async () => {
    const masters = await startMasters(2);
    const leader = await leaderOf(masters);
    startAgent();
    const execute = start('mesos-execute', ['--master', zooKeeperUrl(), '--name', 'outlives', '--command', 'sleep 3; echo said-after-the-failover', '--master_timeout', '30secs']);
    await execute.waitFor(/TASK_RUNNING/, WAIT_MS);
    leader.bin.kill('SIGKILL');
    await leader.bin.exited;
    expect(await within(execute.exited, WAIT_MS, 'mesos-execute'), execute.stderr).to.equal(0);
    expect(execute.stdout).to.match(/Received status update TASK_FINISHED for task 'outlives'\n(  [^\n]*\n)*said-after-the-failover\n$/);
    expect(execute.stderr).to.not.include('could not read');
  });

  it('election against the real server: the first contender leads from a json.info_<10 digits> znode holding its MasterInfo; closing it elects the second, and a detector follows', async () => {
    const testStartMs = Date.now();
    const url = parseZooKeeperUrl(zooKeeperUrl());
    const options = { url, connect: connectNodeZooKeeper, clock: new RealClock(), sessionTimeoutMs: 2_000 };
    const contender = (info: MasterInfo): { contender: ZooKeeperMasterContender; events: string[] } => {
      const created = new ZooKeeperMasterContender(options, info);
      const events: string[] = [];
      created.onElected(() => events.push('elected'));
      created.onLost((reason) => events.push(`lost: ${reason}`));
      clients.push({ close: () => created.withdraw() });
      return { contender: created, events };
    };
    const firstInfo = masterInfo(5051);
    const secondInfo = masterInfo(5052);
    const first = contender(firstInfo);
    await eventually(() => first.contender.state === 'leading', WAIT_MS, 'the first contender to lead');
    const second = contender(secondInfo);
    await eventually(() => second.contender.node !== undefined && second.contender.leader?.pid === firstInfo.pid, WAIT_MS, 'the second contender to queue behind the first');
    expect(second.contender.state).to.equal('contending');
    const detector = new ZooKeeperMasterDetector(options);
    clients.push(detector);
    const seen: Array<string | undefined> = [];
    detector.onChange((leader: DetectedMaster | undefined) => seen.push(leader?.pid));
    await eventually(() => detector.leader?.pid === firstInfo.pid, WAIT_MS, 'the detector to find the first');

    const client = connectNodeZooKeeper(url, { sessionTimeoutMs: 2_000 });
    clients.push(client);
    await connectedClient(client);
    const firstNode = first.contender.node as string;
    const secondNode = second.contender.node as string;
    expect(firstNode).to.match(/^json\.info_\d{10}$/);
    expect(secondNode).to.match(/^json\.info_\d{10}$/);
    expect(Number(secondNode.slice(MASTER_INFO_LABEL.length))).to.be.greaterThan(Number(firstNode.slice(MASTER_INFO_LABEL.length)));
    expect((await client.getChildren('/mesos')).sort()).to.deep.equal([firstNode, secondNode].sort());
    // Mesos' MasterInfo JSON (`ip` packed, `address`), which Mesos' own detector parses.
    expect(JSON.parse((await client.getData(`/mesos/${firstNode}`)).data.toString('utf8'))).to.deep.equal(v1MasterInfo(firstInfo));
    expect(JSON.parse((await client.getData(`/mesos/${secondNode}`)).data.toString('utf8'))).to.deep.include({ ip: 16777343, address: { hostname: secondInfo.hostname, ip: '127.0.0.1', port: 5052 } });

    const closedMs = Date.now();
    await first.contender.withdraw();
    await eventually(() => second.contender.state === 'leading', WAIT_MS, 'the second contender to lead');
    const electedMs = since(closedMs);
    await eventually(() => detector.leader?.pid === secondInfo.pid, WAIT_MS, 'the detector to follow');
    expect(first.events).to.deep.equal(['elected', 'lost: withdrawn']);
    expect(second.events).to.deep.equal(['elected']);
    expect(seen, 'the leaders the detector reported').to.deep.equal([firstInfo.pid, secondInfo.pid]);
    expect(await client.getChildren('/mesos')).to.deep.equal([secondNode]);
    expect(electedMs, 'elected at once: a closed session takes its znode with it').to.be.below(options.sessionTimeoutMs);
    console.log(`      election: close → second elected ${electedMs} ms; test ${since(testStartMs)} ms`);
  });
});

/** The `ip:port/slave(1)` of agent `agentId`, from a master's /master/state. */
async function agentAddressOf(master: MasterProcess, agentId: string): Promise<string> {
  const response = await fetch(`http://${master.address}/master/state`, { signal: AbortSignal.timeout(STATE_REQUEST_TIMEOUT_MS) });
  const state = (await response.json()) as { slaves: Array<{ id: string; pid: string }> };
  const pid = state.slaves.find((slave) => slave.id === agentId)?.pid;
  if (pid === undefined) throw new Error(`${master.address} does not list agent ${agentId}`);
  const [id, address] = pid.split('@');
  return `${address as string}/${id as string}`;
}

function masterInfo(port: number): MasterInfo {
  return { id: `master-${port}`, ip: '127.0.0.1', port, pid: `master@127.0.0.1:${port}`, hostname: '127.0.0.1', version: '1.11.0' };
}

/** Waits (bounded) until `client`'s session is connected. */
async function connectedClient(client: ZooKeeperClient): Promise<void> {
  await eventually(() => client.state === 'connected', WAIT_MS, 'a ZooKeeper session');
}

/** A /master/state request of the leadership monitor. */
interface Request {
  settled: boolean;
  status: number | undefined;
  state: MasterStateJson | undefined;
  location: string | undefined;
  answered: Promise<void>;
  /** Asked after its master said it stood down. */
  readonly afterStepDown: boolean;
}

/**
 * Polls every master's /master/state, round after round, and records each round in which more
 * than one master claims to lead. A round asks each master that has no request outstanding,
 * then takes the answers that came within `MONITOR_ROUND_WAIT_MS`: a stopped master's request
 * stays outstanding (without holding the others' rounds up), and its answer, given once it runs
 * again, counts in the round it arrives in, against the others' answers of that round.
 */
class LeadershipMonitor {
  rounds = 0;
  /** Answers received, over all rounds and masters. */
  answers = 0;
  /** 503 answers: a leader that could not confirm its session (e.g. just resumed) declining to speak as the leader, or a standby that knows no leader (it names none, not even itself). */
  unconfirmed = 0;
  readonly violations: Array<{ round: number; atMs: number; claimants: string[] }> = [];
  /** Every master that claimed to lead in some round. */
  readonly claimants: string[] = [];
  /** Answers, asked for after `steppedDown`, in which a master that stood down still named itself leader. */
  readonly staleSelfLeaders: Array<{ round: number; pid: string }> = [];
  /** Masters known to have stood down (asked for after `steppedDown`: none of their answers names itself). */
  private readonly stoodDown = new Set<MasterProcess>();
  private readonly outstanding = new Map<MasterProcess, Request>();
  private stopped = false;

  constructor(private readonly masters: readonly MasterProcess[]) {}

  async run(): Promise<void> {
    while (!this.stopped) {
      for (const master of this.masters) if (!this.outstanding.has(master)) this.outstanding.set(master, this.ask(master));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...this.outstanding.values()].map((request) => request.answered)),
        new Promise((resolve) => { timer = setTimeout(resolve, MONITOR_ROUND_WAIT_MS); }),
      ]);
      clearTimeout(timer);
      const claimants: string[] = [];
      for (const [master, request] of [...this.outstanding]) {
        if (!request.settled) continue;
        this.outstanding.delete(master);
        if (request.status !== undefined) this.answers++;
        if (request.status === 503) this.unconfirmed++;
        if (claimsToLead(request.state)) claimants.push(master.pid);
        const namesItself = request.state?.leader === master.pid || redirectsTo(request.location, master);
        if (request.afterStepDown && namesItself) this.staleSelfLeaders.push({ round: this.rounds + 1, pid: master.pid });
      }
      this.rounds++;
      for (const pid of claimants) if (!this.claimants.includes(pid)) this.claimants.push(pid);
      if (claimants.length > 1) this.violations.push({ round: this.rounds, atMs: Date.now(), claimants });
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** `master` has said it no longer leads: from the next request on, its answers must not name it leader. */
  steppedDown(master: MasterProcess): void {
    this.stoodDown.add(master);
  }

  private ask(master: MasterProcess): Request {
    const request: Request = { settled: false, status: undefined, state: undefined, location: undefined, answered: Promise.resolve(), afterStepDown: this.stoodDown.has(master) };
    request.answered = askState(master, MONITOR_REQUEST_TIMEOUT_MS).then(({ status, state, location }) => {
      request.status = status;
      request.state = state;
      request.location = location;
      request.settled = true;
    });
    return request;
  }
}

/** Writes what each process printed to a directory kept after a failed test, and says where. */
function keepOutputs(processes: readonly BinProcess[]): void {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ha-real-failed-'));
  for (const bin of processes) {
    const name = path.basename(bin.child.spawnargs[1] ?? 'process', '.js');
    fs.writeFileSync(path.join(directory, `${name}-${bin.child.pid ?? 'unknown'}.log`), `${bin.child.spawnargs.join(' ')}\n--- stdout\n${bin.stdout}\n--- stderr\n${bin.stderr}`);
  }
  console.log(`      the processes' output is kept in ${directory}`);
}
