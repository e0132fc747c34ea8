/**
 * The cluster `bench:scale` measures (bench/scale.ts): the real master, allocator and N agents,
 * F framework schedulers and in-process simulated executors, all on one memory host under a
 * simulated `VirtualClock`, built from the simulation kit (spec/cluster/simulation.ts) but
 * started the way a boot storm starts: every agent at once, on one shared `MemoryDisk`.
 *
 * The master's registry is on a `MemoryDisk` too (the memory registry): a simulated clock never
 * waits on real I/O, so the file registry cannot run under it. bench:registry measures the file
 * registry (fsync and all) on its own.
 *
 * Each measurement drives the virtual clock in small steps and looks at the wall clock between
 * steps: past its named budget it gives up and says how far it got, instead of hanging.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { dispatch } from '../lib/actor';
import { MemoryDisk } from '../lib/disk';
import { StreamedBinary, TextParts, VirtualClock, type ActorHost } from '../lib/process';
import type { HttpRequest, HttpResponse } from '../lib/process/http';
import type { Offer, TaskInfo, TaskStatus } from '../lib/protocol';
import { isTerminalState } from '../lib/protocol';
import { Resources, type ResourceJSON } from '../lib/resources';
import { Registry, registryPathOf, startMaster, type MasterHandle } from '../actors/master';
import type { RenderingFigures } from '../actors/master/master';
import { defaultMasterFlags } from '../actors/master/flags';
import { fitInto } from '../actors/framework/offers';
import { Scheduler, type SchedulerOptions } from '../actors/framework/scheduler';
import { SIMULATED_MASTER_HOSTNAME, SIMULATION_WORK_DIR } from '../spec/cluster/simulation';
import { memoryHost } from '../spec/support/runtime';
import { AgentsThread } from './agents-thread';
import { spawnAgents } from './scale-agents';

export { SCALE_AGENT_RESOURCES } from './scale-agents';
/** What each task asks for. */
const TASK_RESOURCES = Resources.parse('cpus:0.1;mem:32');
/** A command the simulated executor runs until killed (the `/master/state` phase's tasks). */
const LONG_COMMAND = 'serve';
/** A command the simulated executor finishes at once (the throughput phase's tasks). */
const SHORT_COMMAND = 'exit 0';
/** The tasks' commands, one frozen object each for every task (the host freezes what is sent anyway). */
const LONG_TASK_COMMAND = Object.freeze({ value: LONG_COMMAND });
const SHORT_TASK_COMMAND = Object.freeze({ value: SHORT_COMMAND });
/** Idle frameworks refuse what they are offered for this long. */
export const IDLE_REFUSE_SECONDS = 3_600;
/** The filters every launch carries (one object: the host freezes what it carries anyway). */
const NO_REFUSAL = Object.freeze({ refuseSeconds: 0 });

/** What a framework does with offers. */
export type FrameworkMode = 'hold' | 'idle' | 'long' | 'short';

/** A framework of the bench: holds, declines or fills its offers, and counts what comes back. */
export class ScaleFramework extends Scheduler {
  mode: FrameworkMode = 'hold';
  /**
   * Ids of the offers held (mode `hold`). A list, not a map by id: the bench's own bookkeeping
   * is part of what an allocation cycle measures, and a map of a thousand fresh ids per framework
   * per cycle was 8% of it at 100k agents.
   */
  held: string[] = [];
  /** Offers received since `resetOfferCount`. */
  offersReceived = 0;
  /** Wall time (performance.now()) of the last offer received. */
  lastOfferAtMs = 0;
  /** Tasks this framework still has to launch in the current mode. */
  remaining = 0;
  /** Tasks launched per offer in mode `long`. */
  tasksPerOffer = 1;
  /** Long tasks seen TASK_RUNNING. */
  longRunning = 0;
  /** Short tasks seen in a terminal state, and how many of those failed. */
  shortFinished = 0;
  shortFailed = 0;
  /** Wall times: first short launch, last short terminal update. */
  firstLaunchAtMs = 0;
  lastFinishedAtMs = 0;
  /** Launch → TASK_RUNNING of each short task (wall ms). */
  readonly runningAfterMs: number[] = [];
  /**
   * When each short task was launched, by its number (the last part of its id); NaN once it ran.
   * A list of doubles, not a map by id (an entry and its table's growth per task in flight: the bench's own bookkeeping, not measured apart).
   */
  private readonly launchedAt: number[] = [];
  /** Tasks launched so far (for unique ids). */
  private launched = 0;
  /** The last task's resources and their frozen list (`resourcesJson`). */
  private lastPicked: { readonly resources: Resources; readonly json: ResourceJSON[] } | undefined;

  constructor(options: SchedulerOptions, private readonly index: number) {
    super(options);
  }

  get isRegistered(): boolean {
    return this.state === 'registered';
  }

  /** A new run of short tasks: its tallies (finished, failed, first launch, last end, latencies) start from nothing. */
  startShortRun(): void {
    this.shortFinished = 0;
    this.shortFailed = 0;
    this.firstLaunchAtMs = 0;
    this.lastFinishedAtMs = 0;
    this.runningAfterMs.length = 0;
  }

  resetOfferCount(): void {
    this.offersReceived = 0;
    this.lastOfferAtMs = 0;
  }

  /** Declines every held offer (refused for `refuseSeconds`). */
  declineHeld(refuseSeconds: number): void {
    if (this.held.length === 0) return;
    // A new list: the host freezes the one sent.
    const offerIds = this.held;
    this.held = [];
    this.decline(offerIds, { refuseSeconds });
  }

  protected override resourceOffers(offers: Offer[]): void {
    this.offersReceived += offers.length;
    this.lastOfferAtMs = performance.now();
    for (const offer of offers) this.handleOffer(offer);
  }

  private handleOffer(offer: Offer): void {
    if (this.mode === 'hold') {
      this.held.push(offer.id);
      return;
    }
    const tasks = this.mode === 'idle' ? [] : this.tasksFor(offer, this.mode === 'long' ? this.tasksPerOffer : 1);
    if (tasks.length === 0) {
      this.decline(offer.id, { refuseSeconds: IDLE_REFUSE_SECONDS });
      return;
    }
    if (this.mode === 'short') {
      const now = performance.now();
      if (this.firstLaunchAtMs === 0) this.firstLaunchAtMs = now;
      const first = this.launched - tasks.length;
      for (let index = 0; index < tasks.length; index++) this.launchedAt[first + index] = now;
    }
    // Leftovers go back unfiltered: the next batch run offers them again.
    this.launch(offer.id, tasks, NO_REFUSAL);
  }

  private tasksFor(offer: Offer, most: number): TaskInfo[] {
    let available = Resources.fromJSON(offer.resources);
    const tasks: TaskInfo[] = [];
    while (this.remaining > 0 && tasks.length < most) {
      const picked = fitInto(available, TASK_RESOURCES, offer.allocationRole);
      if (picked === undefined) break;
      this.remaining--;
      // What is left matters only for a next task from this offer (one, in mode 'short').
      if (this.remaining > 0 && tasks.length + 1 < most) available = available.subtract(picked);
      // Joined flat: a template literal this long is a tree of concatenations (~50 bytes more a task the books keep).
      const taskId = [`f${this.index}`, this.mode, this.launched++].join('-');
      tasks.push({ name: taskId, taskId, agentId: offer.agentId, resources: this.resourcesJson(picked), command: this.mode === 'long' ? LONG_TASK_COMMAND : SHORT_TASK_COMMAND });
    }
    return tasks;
  }

  /**
   * `picked` as a task's resources: the same frozen list as the last task's when they are equal
   * (nearly always: the same amounts from the same role), as a framework reuses its task
   * template; a list per task was ~270 bytes each of 100k tasks in flight at 100k agents.
   */
  private resourcesJson(picked: Resources): ResourceJSON[] {
    const last = this.lastPicked;
    if (last !== undefined && last.resources.equals(picked)) return last.json;
    // Frozen (a change throws), typed as `TaskInfo` takes it; the host freezes every body it carries anyway.
    const json = picked.toFrozenJSON() as ResourceJSON[];
    this.lastPicked = { resources: picked, json };
    return json;
  }

  protected override statusUpdate(status: TaskStatus): void {
    const short = status.taskId.includes('-short-');
    if (!short) {
      if (status.state === 'TASK_RUNNING') this.longRunning++;
      return;
    }
    if (status.state === 'TASK_RUNNING') {
      const number = Number(status.taskId.slice(status.taskId.lastIndexOf('-') + 1));
      const at = this.launchedAt[number];
      if (at !== undefined && !Number.isNaN(at)) this.runningAfterMs.push(performance.now() - at);
      this.launchedAt[number] = Number.NaN;
    }
    if (!isTerminalState(status.state)) return;
    this.shortFinished++;
    if (status.state !== 'TASK_FINISHED') this.shortFailed++;
    this.lastFinishedAtMs = performance.now();
  }
}

/** A running scale cluster. */
export interface ScaleCluster {
  readonly clock: VirtualClock;
  readonly host: ActorHost;
  readonly master: MasterHandle;
  readonly allocationIntervalMs: number;
  /** Virtual time the allocator's batch timer started at (its runs are at this plus multiples of the interval). */
  readonly batchPhaseMs: number;
  /** The agents' thread (`startScaleMaster`'s `agentsThread`), or undefined: the agents are on `host`. */
  readonly agentsThread: AgentsThread | undefined;
  frameworks: ScaleFramework[];
}

/** How `startScaleMaster` builds the cluster. */
export interface ScaleClusterOptions {
  /**
   * Check every local message's body as a link would (as the simulation kit's hosts do); true
   * by default.
   */
  readonly validateLocalMessages?: boolean;
  /**
   * The agents and their executors on a worker thread of their own (bench/agents-thread.ts),
   * their messages to and from the master encoded as on a link. False (the default): one
   * thread, one host, one heap for everything (and a run replays from its seed).
   */
  readonly agentsThread?: boolean;
}

/** Starts the master (memory registry) on a fresh simulated host; no agent yet. */
export async function startScaleMaster(seed: number, options: ScaleClusterOptions = {}): Promise<ScaleCluster> {
  const clock = new VirtualClock({ simulated: true });
  const validateLocalMessages = options.validateLocalMessages ?? true;
  const agentsThread = options.agentsThread === true ? new AgentsThread(clock) : undefined;
  const host = memoryHost({ clock, seed, validateLocalMessages, ...(agentsThread !== undefined ? { offHost: (envelope) => agentsThread.send(envelope) } : {}) });
  agentsThread?.attach(host, { seed, validateLocalMessages });
  try {
    const masterDisk = new MemoryDisk(clock);
    const flags = { ...defaultMasterFlags(`${SIMULATION_WORK_DIR}/master`), hostname: SIMULATED_MASTER_HOSTNAME, checkAllocatorInvariants: false };
    const batchPhaseMs = clock.now();
    const master = await startMaster({ flags, host, registry: await Registry.load(registryPathOf(flags), { disk: masterDisk, clock }) });
    return { clock, host, master, allocationIntervalMs: flags.allocationIntervalMs, batchPhaseMs, agentsThread, frameworks: [] };
  } catch (error) {
    // The worker's port would keep the process alive.
    await agentsThread?.stop();
    throw error;
  }
}

/** Starts `count` agents at once (on the agents' thread, if the cluster has one); resolves when all are spawned (none registered yet). */
export async function startAgents(cluster: ScaleCluster, count: number): Promise<void> {
  const masterAddress = cluster.master.pid.address;
  if (cluster.agentsThread !== undefined) await cluster.agentsThread.command({ kind: 'start-agents', count, masterAddress });
  else await spawnAgents({ clock: cluster.clock, host: cluster.host, masterAddress, count });
}

/** The heap the agents' thread uses after a full collection of its own (0 with no such thread: the agents are in this thread's heap). */
export async function agentsThreadHeapBytes(cluster: ScaleCluster): Promise<number> {
  return cluster.agentsThread === undefined ? 0 : cluster.agentsThread.command({ kind: 'heap' });
}

/** Agents admitted to the registry so far. */
export function admittedAgents(cluster: ScaleCluster): number {
  return cluster.master.registry.agents().length;
}

/** Spawns `count` frameworks (mode `hold`). */
export function startFrameworks(cluster: ScaleCluster, count: number): void {
  cluster.frameworks = Array.from({ length: count }, (_, index) => {
    const framework = new ScaleFramework({ master: cluster.master.pid.address, id: `scheduler-${index}`, framework: { name: `scale-${index}`, user: 'bench' } }, index);
    cluster.host.spawn(framework);
    return framework;
  });
}

/** Runs `change` on every framework, in its mailbox. */
export async function onEveryFramework(cluster: ScaleCluster, change: (framework: ScaleFramework) => void): Promise<void> {
  await Promise.all(cluster.frameworks.map((framework) => dispatch(framework, change)));
}

/** How a driven phase ended. */
export interface Driven {
  readonly done: boolean;
  readonly wallMs: number;
  readonly virtualMs: number;
}

/**
 * Advances the clock `stepMs` at a time until `done()` holds, the virtual time `maxVirtualMs`
 * has passed, or the wall clock `budgetMs` has: checked between steps (a step that never ends is
 * the parent's to cut).
 */
export async function drive(clock: VirtualClock, done: () => boolean, options: { stepMs: number; budgetMs: number; maxVirtualMs?: number; onStep?: () => void }): Promise<Driven> {
  const wallStart = performance.now();
  const virtualStart = clock.now();
  await clock.settle();
  while (!done()) {
    const wallMs = performance.now() - wallStart;
    const virtualMs = clock.now() - virtualStart;
    if (wallMs > options.budgetMs || (options.maxVirtualMs !== undefined && virtualMs >= options.maxVirtualMs)) {
      return { done: false, wallMs, virtualMs };
    }
    await clock.advance(options.stepMs);
    options.onStep?.();
  }
  return { done: true, wallMs: performance.now() - wallStart, virtualMs: clock.now() - virtualStart };
}

/** How long (real ms) to wait for Node to deliver the 'gc' performance entries of a request's turns. */
const GC_ENTRIES_DELIVERY_MS = 50;

/** A garbage collection pause: when it started and how long it took (performance.now() ms). */
export interface GcPause {
  readonly start: number;
  readonly duration: number;
}

/** Collects the process's garbage collection pauses (Node's 'gc' performance entries) from its making until `stop`. */
export class GcPauses {
  private readonly pauses: GcPause[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.pauses.push({ start: entry.startTime, duration: entry.duration });
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Stops collecting; resolves with the pauses seen (waiting for the entries Node has not delivered yet). */
  async stop(): Promise<readonly GcPause[]> {
    // Node delivers 'gc' entries on a later timer, not by the next turn (one setImmediate saw none of them).
    await new Promise<void>((resolve) => setTimeout(resolve, GC_ENTRIES_DELIVERY_MS));
    this.observer.disconnect();
    return this.pauses;
  }
}

/** How much of the wall-clock window [`from`, `to`] (performance.now() ms) `pauses` took. */
export function pauseMsWithin(pauses: readonly GcPause[], from: number, to: number): number {
  return pauses.reduce((sum, pause) => sum + Math.max(0, Math.min(to, pause.start + pause.duration) - Math.max(from, pause.start)), 0);
}

/** A `GET /master/state` as the host hands it to the master's route. */
export const STATE_REQUEST: HttpRequest = { method: 'GET', path: '/state', query: {}, headers: {}, body: Buffer.alloc(0) };
/** A `GET /master/state-summary` as the host hands it to the master's route. */
export const STATE_SUMMARY_REQUEST: HttpRequest = { method: 'GET', path: '/state-summary', query: {}, headers: {}, body: Buffer.alloc(0) };
/** `GET /master/tasks?limit=-1` (every task the books keep) as the host hands it to the master's route. */
export const TASKS_PAGE_REQUEST: HttpRequest = { method: 'GET', path: '/tasks', query: { limit: '-1' }, headers: {}, body: Buffer.alloc(0) };
/** The operator API's GET_STATE (JSON) as the host hands it to the master's route. */
export const V1_GET_STATE_REQUEST: HttpRequest = {
  method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from('{"type":"GET_STATE"}'),
};

/** The operator API's GET_STATE answered in protobuf (`Accept: application/x-protobuf`). */
export const V1_GET_STATE_PROTOBUF_REQUEST: HttpRequest = { ...V1_GET_STATE_REQUEST, headers: { 'content-type': 'application/json', accept: 'application/x-protobuf' } };

/** One `/master/state`, served in the master's mailbox as the host serves it. */
export interface StateServed {
  /** The longest mailbox turn the request took (its route's first run, warming turns, the last turn putting it together). */
  readonly blockMs: number;
  /** Garbage collection pauses within that turn (ms): the whole process's heap, 100k agents' actors included. */
  readonly gcInBlockMs: number;
  /** Mailbox turns the request took. */
  readonly turns: number;
  /** Which turn the longest was: 0 for the route's own first run, else its turn of the rendering from 1 (the last one puts the answer together). */
  readonly longestTurn: number;
  /** Fragments the longest turn rendered. */
  readonly renderedInLongest: number;
  /** CPU time the process used during the longest turn (ms; all its threads): well under `blockMs`, the process was not running for the rest. */
  readonly cpuInBlockMs: number;
  /** From the request to its response (wall ms): the turns, and the messages handled between them. */
  readonly settledMs: number;
  /** Encoding the body as bytes (the host does it a chunk per turn of the event loop, outside the master's mailbox). */
  readonly serializeMs: number;
  readonly bytes: number;
  /** Whether `midway` (if given) ran before the answer came. */
  readonly midwayBeforeAnswer: boolean;
  /** Frameworks whose offers the last turn left to the turns after it. */
  readonly frameworksLeft: number;
}

/** Something to do while a request is being served (`serveState`): `run`, `afterMs` of wall time after the request. */
export interface Midway {
  readonly afterMs: number;
  readonly run: () => Promise<void>;
}

/** The operator API's SUBSCRIBE (JSON) as the host hands it to the master's route. */
export const V1_SUBSCRIBE_REQUEST: HttpRequest = {
  method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from('{"type":"SUBSCRIBE"}'), remoteAddress: '127.0.0.1',
};

/** One SUBSCRIBE served (`serveSubscribe`): its turns as `StateServed` counts them, until SUBSCRIBED was rendered. */
export type SubscribeServed = Pick<StateServed, 'blockMs' | 'gcInBlockMs' | 'cpuInBlockMs' | 'turns' | 'longestTurn' | 'renderedInLongest' | 'settledMs'>;

/** Wall ms `serveSubscribe` waits for SUBSCRIBED's rendering to end, and how often it looks (ms). */
const SUBSCRIBE_RENDERING_BUDGET_MS = 120_000;
const SUBSCRIBE_RENDERING_POLL_MS = 5;

/**
 * Opens an operator event stream (SUBSCRIBE) through the master's own route handler, inside its
 * mailbox, times the route's own turn and every turn of the rendering of SUBSCRIBED's state,
 * waits for that rendering to end, then closes the stream as a client going away does.
 */
export async function serveSubscribe(cluster: ScaleCluster): Promise<SubscribeServed> {
  const master = cluster.master.master;
  await dispatch(master, (actor) => actor.renderingFigures());
  const collections = new GcPauses();
  const timed = await callRoute(cluster, V1_SUBSCRIBE_REQUEST);
  const response: HttpResponse = await timed.result;
  if (response.status !== 200 || response.stream === undefined) throw new Error(`SUBSCRIBE answered ${response.status}`);
  while (await dispatch(master, (actor) => actor.renderingsInProgress()) > 0) {
    if (performance.now() - timed.start > SUBSCRIBE_RENDERING_BUDGET_MS) throw new Error(`SUBSCRIBED not rendered within ${SUBSCRIBE_RENDERING_BUDGET_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_RENDERING_POLL_MS));
  }
  const settledMs = performance.now() - timed.start;
  const figures = await dispatch(master, (actor) => actor.renderingFigures());
  response.stream.closedByPeer();
  const pauses = await collections.stop();
  return { ...longestTurnOf(timed, figures, pauses), settledMs };
}

/** Which turn of a served request was the longest (the route's own first run, or one of the rendering's), with the collections and CPU time in it. */
function longestTurnOf(timed: TimedRoute, figures: RenderingFigures, pauses: readonly GcPause[]): Omit<SubscribeServed, 'settledMs'> {
  const firstRunLongest = figures.longestTurnMs < timed.blockMs;
  const [from, to] = firstRunLongest ? [timed.start, timed.start + timed.blockMs] : [figures.longestTurnAt, figures.longestTurnAt + figures.longestTurnMs];
  return {
    blockMs: Math.max(timed.blockMs, figures.longestTurnMs), turns: figures.turns + 1,
    longestTurn: firstRunLongest ? 0 : figures.longestTurnIndex, renderedInLongest: firstRunLongest ? 0 : figures.longestTurnRendered,
    gcInBlockMs: pauseMsWithin(pauses, from, to), cpuInBlockMs: firstRunLongest ? timed.cpuMs : figures.longestTurnCpuMs,
  };
}

/** A route's own turn (`callRoute`): its wall and CPU time, when it started, and the answer (settled in later turns). */
interface TimedRoute {
  readonly blockMs: number;
  readonly cpuMs: number;
  readonly start: number;
  readonly result: Promise<HttpResponse>;
}

/**
 * Calls the master's own route handler for `request` inside its mailbox, as the host does: the
 * wall and CPU time of that turn, when it started, and the answer (settled in later turns).
 */
async function callRoute(cluster: ScaleCluster, request: HttpRequest): Promise<TimedRoute> {
  const master = cluster.master.master;
  const handler = master.runtime.routes.get(request.path);
  if (handler === undefined) throw new Error(`the master serves no ${request.path} route`);
  return dispatch(master, (actor) => {
    const start = performance.now();
    const cpuAtStart = process.cpuUsage();
    const result = handler.call(actor, request);
    const cpu = process.cpuUsage(cpuAtStart);
    return { blockMs: performance.now() - start, cpuMs: (cpu.user + cpu.system) / 1000, start, result: Promise.resolve(result) };
  });
}

/** Has `body` written to a client that takes each fragment at once and keeps nothing (no copy of it allocated): its length. */
export function writtenToNowhere(body: StreamedBinary): Promise<number> {
  return new Promise((resolve, reject) => {
    let length = 0;
    body.attach({
      write: (bytes, done) => {
        length += bytes.length;
        done();
      },
      end: () => resolve(length),
      destroy: () => reject(new Error('the answer was cut short')),
      isGone: () => false,
    });
  });
}

/** Serves `/master/state` (or `request`) once through the master's own route handler, inside its mailbox, timing each turn it takes. */
export async function serveState(cluster: ScaleCluster, request: HttpRequest = STATE_REQUEST, midway?: Midway): Promise<StateServed> {
  const master = cluster.master.master;
  await dispatch(master, (actor) => actor.renderingFigures());
  const collections = new GcPauses();
  const timed = await callRoute(cluster, request);
  let answered = false;
  let midwayBeforeAnswer = false;
  const during = midway === undefined ? Promise.resolve() : new Promise<void>((resolve, reject) => {
    setTimeout(() => {
      midwayBeforeAnswer = !answered;
      midway.run().then(resolve, reject);
    }, Math.max(0, midway.afterMs - (performance.now() - timed.start)));
  });
  const response: HttpResponse = await timed.result;
  // A protobuf answer is encoded as it is written (its second pass): written to nowhere here.
  if (response.body instanceof StreamedBinary) await writtenToNowhere(response.body);
  answered = true;
  const settledMs = performance.now() - timed.start;
  await during;
  const figures = await dispatch(master, (actor) => actor.renderingFigures());
  const pauses = await collections.stop();
  if (response.status !== 200) throw new Error(`${request.path} answered ${response.status}`);
  const serializeStart = performance.now();
  const body = response.body;
  const bytes = body instanceof TextParts || body instanceof StreamedBinary ? body.byteLength() : Buffer.byteLength(typeof body === 'string' ? body : JSON.stringify(body));
  const serializeMs = performance.now() - serializeStart;
  return { ...longestTurnOf(timed, figures, pauses), settledMs, serializeMs, bytes, midwayBeforeAnswer, frameworksLeft: figures.frameworksLeft };
}
