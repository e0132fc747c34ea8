/**
 * `npm run bench:scale [-- --json] [-- --agents 1000,10000] [-- --frameworks F] [-- --tasks T]
 * [-- --tasks-agents N] [-- --state-tasks S] [-- --unvalidated] [-- --semi-space-mb M] [-- --pretenure] [-- --agents-thread]`: issue 13's scale benchmark. The real master,
 * allocator and N agents, F frameworks, simulated executors, one process, the virtual clock
 * (bench/scale-cluster.ts; the memory registry); with `--agents-thread` the agents and their
 * executors run on a worker thread of the process (bench/agents-thread.ts). Each N runs in a child process of its own (its
 * peak RSS is its own, and a step that never ends can be cut); `--in-process` runs them here.
 *
 * Per N (rows `{agents, frameworks, value}`):
 * - `register_ms`: all N agents started at once (each registers after its random backoff, as
 *   `mesos-agent` does) until all are admitted to the registry and told so (wall ms, agents'
 *   start included);
 * - `allocation_cycle_ms`: every framework declines what it holds (`refuse_seconds` 0, untimed),
 *   then the next batch allocation run until every offer of it has reached its framework (wall
 *   ms from just before the run's tick to the last offer received), median of 5
 *   (`allocation_cycle_gc_ms` beside it: the garbage collection pauses within that median cycle);
 * - `sim_speed`: idle cluster (every framework has given back its offers and suppressed; agents
 *   pinged, batch runs every second), virtual seconds per wall second over 30 virtual seconds,
 *   the median of 3 such windows in a row
 *   (`sim_speed_agents_only` beside it: the same right after registration, before any framework);
 * - `state_block_ms`: with S (5,000) long tasks running, `/master/state` served through the
 *   master's own route handler inside its mailbox: the longest mailbox turn it took (its warming
 *   turns and the last one putting the response together), the longest of 3 requests (the first
 *   finds nothing rendered yet);
 * - `v1_state_block_ms`: the same for the operator API's GET_STATE, once, while the frameworks
 *   hold an offer of every agent (before `allocation_cycle_ms`; the state phase has none out);
 * - `v1_state_protobuf_block_ms`: GET_STATE once more, answered in protobuf: the longest of its
 *   rendering's turns and of the steps that encode it (`StreamedProtobuf`'s two passes, which hold
 *   the process; the answer written to nowhere, as fast as it comes);
 * - `v1_subscribe_block_ms`: the same for an operator event stream's SUBSCRIBE (its SUBSCRIBED
 *   carries the whole state), right after;
 * - `v1_state_churn_block_ms`: GET_STATE once more, the frameworks declining every offer they
 *   hold a quarter of the way through it (of the answer time of `v1_state_block_ms`'s request):
 *   offers and agents' offered resources change after the warming rendered them;
 * - `tasks_page_block_ms`: at the throughput N, after its runs, `/master/tasks?limit=-1` (every
 *   task the books keep, ~100k completed ones) through the master's route: its longest turn;
 * - `rss_mb`: the child's peak RSS at the end of its run; at the largest N (unless it is
 *   `--tasks-agents`) T short tasks run there too before it, as the issue defines it ("at 100k
 *   agents with 100k tasks run");
 * - `heap_per_agent_bytes`: the heap (after a full collection) the N agents added, per agent:
 *   the master's and allocator's books and the agent actors themselves; `heap_per_task_bytes`:
 *   what the S long tasks added, per task (master, agents, simulated executors), before the
 *   state endpoints kept any fragment.
 * At N = `--tasks-agents` (10,000) only, T (100,000) short tasks (`exit 0`), one per offer,
 * status updates acknowledged (implicitly), run twice: the process's first T (`*_cold`), then T
 * more (the sustained rate, the issue's target: the first run pays for compiling the task paths,
 * its first 20k 120-160 µs a task more CPU than the next 20k in scratch runs at 10k agents, most
 * of it off the main thread, and fills the books' bounded histories, which a master that has run
 * a while has full):
 * - `tasks_per_s`: the second run's T, from its first launch to its last terminal update (wall);
 *   `tasks_per_s_cold` the same of the first run;
 * - `launch_p50_ms`: the launch → TASK_RUNNING wall time of each of the second run, median;
 * - `retained_per_task_bytes`: the heap (after a full collection) the first run's ended tasks
 *   left, per task: the bounded history the books keep of them, and anything kept by mistake
 *   (and ~10 bytes of the bench's own: each framework's launch → RUNNING times);
 * - `cpu_per_task_us`: the CPU time the process used (every thread: V8's collector's, a worker's)
 *   while the second run's short tasks ran, per task. Less moved by a busy machine than
 *   `tasks_per_s`, and the measure of the target: 10,000 tasks/s on C cores is at most C × 100 µs
 *   a task; `cpu_per_task_us_cold` the same of the first run;
 * - `main_thread_cpu_per_task_us`: the CPU time of the process's main thread alone (the master's,
 *   the allocator's and the frameworks'; with `--agents-thread` nothing else) while the second
 *   run's short tasks ran, per task (Linux: `/proc/thread-self/schedstat`);
 *   `main_thread_cpu_per_task_us_cold` the same of the first run.
 * Each measurement has a named wall-clock budget; past it the row is `value: null` with a note
 * saying how far it got, and the measurements that depended on it are skipped (noted).
 */
import { fork } from 'node:child_process';
import { THREAD_SCHEDSTAT, threadCpuNs } from '../lib/thread-cpu';
import * as os from 'node:os';
import { MASTER_NODE_FLAGS, MASTER_SEMI_SPACE_MB } from '../actors/master/constants';
import { dispatch } from '../lib/actor';
import type { HttpRequest } from '../lib/process/http';
import { median } from './figures';
import { heapUsedAfterCollection, settleAfterCollection } from './heap';
import {
  agentsThreadHeapBytes, drive, GcPauses, onEveryFramework, pauseMsWithin, serveState, serveSubscribe, type StateServed, startAgents, startFrameworks, startScaleMaster, admittedAgents, type ScaleCluster,
  V1_GET_STATE_PROTOBUF_REQUEST, V1_GET_STATE_REQUEST, STATE_REQUEST, STATE_SUMMARY_REQUEST, TASKS_PAGE_REQUEST,
} from './scale-cluster';

/** Agent counts run when `--agents` is not given: the issue's three (all three take about a minute on a quiet 2-core machine today). */
export const DEFAULT_AGENT_COUNTS = [1_000, 10_000, 100_000];
export const DEFAULT_FRAMEWORKS = 100;
/** Short tasks of the throughput phase (the issue's 100k). */
export const DEFAULT_TASKS = 100_000;
/** The N the throughput phase runs at. */
export const DEFAULT_TASKS_AGENTS = 10_000;
/** Long tasks running while `/master/state` is served. */
export const DEFAULT_STATE_TASKS = 5_000;
/** The seed of bench:scale's cluster (and bench:throughput's). */
export const SCALE_SEED = 13;
/** Allocation cycles timed (the median is reported). */
const ALLOCATION_SAMPLES = 5;
/** `/master/state` requests timed (the longest is reported). */
const STATE_SAMPLES = 3;
/** Idle virtual time of one `sim_speed` window. */
const IDLE_VIRTUAL_MS = 30_000;
/** `sim_speed` windows timed one after another (the median is reported): one window at 10k is ~0.3 wall s, which one collection or a busy moment of the machine moves by a third. */
const IDLE_SAMPLES = 3;
/** Garbage collection within the longest state turn worth a note (ms). */
const GC_NOTE_MS = 5;
/** Virtual time allowed for every agent to be offered to the frameworks (again, after they decline all). */
const OFFERED_VIRTUAL_MS = 60_000;
/** Time the process was not running (wall minus its CPU time) within the longest state turn worth a note (ms). */
const OFF_CPU_NOTE_MS = 5;
/** The timed allocation window opens this long (virtual) before the batch run's tick. */
const TICK_LEAD_MS = 5;

/** Wall-clock budget of each measurement (ms). */
export interface Budgets {
  /** Registration of all N agents. */
  readonly register: number;
  /** Frameworks registered and first offered every agent. */
  readonly frameworks: number;
  /** Each allocation cycle. */
  readonly allocationCycle: number;
  /** The idle stretch of `sim_speed` (cut short past it: the speed is then of what ran). */
  readonly simSpeed: number;
  /** Launching the long tasks for `/master/state`. */
  readonly stateTasks: number;
  /** The throughput phase. */
  readonly tasks: number;
}

export const DEFAULT_BUDGETS: Budgets = {
  register: 240_000, frameworks: 120_000, allocationCycle: 60_000, simSpeed: 60_000, stateTasks: 120_000, tasks: 240_000,
};
/** The parent cuts a child this long after the sum of its budgets (a single step that never ends). */
const CHILD_SLACK_MS = 120_000;

export interface ScaleOptions {
  readonly agents: readonly number[];
  readonly frameworks: number;
  readonly tasks: number;
  readonly tasksAgents: number;
  readonly stateTasks: number;
  readonly budgets: Budgets;
  /** Check every local message's body as a link would (the simulation kit's default); `--unvalidated` turns it off. */
  readonly validateLocalMessages?: boolean;
  /**
   * `--semi-space-mb N`: the children run with Node's `--max-semi-space-size=N` (V8's young
   * generation); by default `MASTER_SEMI_SPACE_MB`, as the master's bins run; 0 for V8's own
   * default. Children only: refused with `--in-process` (give node the flag yourself).
   */
  readonly semiSpaceMb?: number;
  /** `--agents-thread`: the agents on a worker thread of their own (bench/agents-thread.ts). */
  readonly agentsThread?: boolean;
  /**
   * `--pretenure`: the children keep V8's allocation-site pretenuring, which the master's bins
   * turn off (`MASTER_NODE_FLAGS`). Children only, as `semiSpaceMb`.
   */
  readonly pretenure?: boolean;
}

/** The keys of issue 13, in the order printed. */
export const SCALE_KEYS = ['register_ms', 'allocation_cycle_ms', 'state_block_ms', 'tasks_per_s', 'launch_p50_ms', 'sim_speed', 'rss_mb'] as const;
export type ScaleKey = (typeof SCALE_KEYS)[number];
/** Figures printed beside them (not the issue's). */
export const EXTRA_KEYS = ['allocation_cycle_gc_ms', 'v1_state_block_ms', 'v1_state_protobuf_block_ms', 'v1_subscribe_block_ms', 'v1_state_churn_block_ms', 'state_churn_block_ms', 'summary_churn_block_ms', 'sim_speed_agents_only', 'state_bytes', 'state_answer_ms', 'heap_per_agent_bytes', 'heap_per_task_bytes', 'retained_per_task_bytes', 'cpu_per_task_us', 'main_thread_cpu_per_task_us', 'tasks_per_s_cold', 'cpu_per_task_us_cold', 'main_thread_cpu_per_task_us_cold', 'tasks_page_block_ms'] as const;
export type ExtraKey = (typeof EXTRA_KEYS)[number];
/** The keys measured at N = `--tasks-agents` only (the throughput phase). */
const THROUGHPUT_KEYS: ReadonlySet<ScaleKey | ExtraKey> = new Set(['tasks_per_s', 'launch_p50_ms', 'retained_per_task_bytes', 'cpu_per_task_us', 'main_thread_cpu_per_task_us', 'tasks_per_s_cold', 'cpu_per_task_us_cold', 'main_thread_cpu_per_task_us_cold', 'tasks_page_block_ms']);
/** The requests served while the frameworks decline every offer they hold, each with its key (GET_STATE's plain answer is `v1_state_block_ms`' request). */
const CHURN_REQUESTS: ReadonlyArray<{ readonly key: ExtraKey; readonly label: string; readonly request: HttpRequest }> = [
  { key: 'v1_state_churn_block_ms', label: 'GET_STATE', request: V1_GET_STATE_REQUEST },
  { key: 'state_churn_block_ms', label: '/master/state', request: STATE_REQUEST },
  { key: 'summary_churn_block_ms', label: '/master/state-summary', request: STATE_SUMMARY_REQUEST },
];

export interface Row {
  readonly agents: number;
  readonly frameworks: number;
  readonly value: number | null;
  readonly note?: string;
}

export type ScaleResult = Record<ScaleKey | ExtraKey, Row[]>;

/** What a measurement at one N reports (over IPC from a child). */
export type ScaleMessage =
  | { readonly type: 'row'; readonly key: ScaleKey | ExtraKey; readonly row: Row }
  | { readonly type: 'progress'; readonly text: string; readonly rssMb: number }
  | { readonly type: 'done' };

/** The heap in use after a full collection: this thread's, and the agents' thread's if they have one. */
async function settledHeapBytes(cluster: ScaleCluster): Promise<number> {
  const agentsThread = await agentsThreadHeapBytes(cluster);
  const bytes = heapUsedAfterCollection() + agentsThread;
  // What a measured request comes next must not pay for this collection's sweeping.
  await settleAfterCollection();
  return bytes;
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The median of `values` (the upper of the two middle ones for an even count); NaN for none. */
function seconds(wallMs: number): string {
  return (wallMs / 1000).toFixed(1);
}

/** Measures everything at `agents` agents, reporting each row as it is known. */
export async function measureAt(agents: number, options: ScaleOptions, report: (message: ScaleMessage) => void): Promise<void> {
  const cluster = await startScaleMaster(SCALE_SEED, { validateLocalMessages: options.validateLocalMessages ?? true, agentsThread: options.agentsThread ?? false });
  try {
    await measureCluster(cluster, agents, options, report);
  } finally {
    await cluster.agentsThread?.stop();
  }
}

/** `measureAt`'s measurements, in order, on the cluster it started. */
async function measureCluster(cluster: ScaleCluster, agents: number, options: ScaleOptions, report: (message: ScaleMessage) => void): Promise<void> {
  const frameworks = options.frameworks;
  const row = (key: ScaleKey | ExtraKey, value: number | null, note?: string): void => {
    report({ type: 'row', key, row: { agents, frameworks, value, ...(note !== undefined ? { note } : {}) } });
  };
  const progress = (text: string): void => report({ type: 'progress', text, rssMb: peakRssMb() });
  const skipRest = (keys: readonly (ScaleKey | ExtraKey)[], why: string): void => {
    for (const key of keys) if (key !== 'rss_mb') row(key, null, why);
    row('rss_mb', peakRssMb(), `of the run so far (${why})`);
  };
  const throughputHere = agents === options.tasksAgents;
  const phases: Array<ScaleKey | ExtraKey> = [
    'heap_per_agent_bytes', 'v1_state_block_ms', 'v1_state_protobuf_block_ms', 'v1_subscribe_block_ms', 'v1_state_churn_block_ms', 'state_churn_block_ms', 'summary_churn_block_ms', 'allocation_cycle_ms', 'allocation_cycle_gc_ms', 'sim_speed', 'sim_speed_agents_only', 'state_block_ms', 'state_bytes', 'state_answer_ms', 'heap_per_task_bytes',
    ...(throughputHere ? THROUGHPUT_KEYS : []),
  ];

  const heapBeforeAgents = await settledHeapBytes(cluster);
  const registered = await measureRegistration(cluster, agents, options.budgets.register, progress);
  row('register_ms', registered.value, registered.note);
  if (registered.value === null) return skipRest(phases, 'skipped: registration over budget');
  row('heap_per_agent_bytes', Math.round((await settledHeapBytes(cluster) - heapBeforeAgents) / agents));
  const agentsOnly = await measureIdleSpeed(cluster, options.budgets.simSpeed);
  row('sim_speed_agents_only', agentsOnly.speed);
  progress(`idle, no framework yet: ${agentsOnly.speed}x real time (median of ${agentsOnly.windows.join(', ')})`);

  const notOffered = await offerEveryAgent(cluster, agents, frameworks, options.budgets.frameworks, progress);
  if (notOffered !== undefined) return skipRest(phases, `skipped: ${notOffered}`);

  // The operator API's GET_STATE while the frameworks hold an offer of every agent (an offer a
  // piece, each showing its agent's address): the state phase below has no offer out.
  const v1State = await serveState(cluster, V1_GET_STATE_REQUEST);
  progress(`GET_STATE with ${heldOffers(cluster)} offers held: longest turn ${round(v1State.blockMs)} ms of ${v1State.turns} (${longestTurnText(v1State)}; ${round(v1State.gcInBlockMs)} ms of it collecting garbage; the process used ${round(v1State.cpuInBlockMs)} ms of CPU in it), answered after ${round(v1State.settledMs)} ms, ${v1State.bytes} bytes`);
  row('v1_state_block_ms', round(v1State.blockMs), v1State.gcInBlockMs >= GC_NOTE_MS ? `the longest turn includes ${round(v1State.gcInBlockMs)} ms of garbage collection` : undefined);
  // The same answer in protobuf (`Accept: application/x-protobuf`): rendered as above, then
  // encoded over turns in two passes (`StreamedProtobuf`, outside the mailbox: its steps hold the whole process).
  await dispatch(cluster.master.master, (master) => master.operatorEncodingFigures());
  const encodingCollections = new GcPauses();
  const v1Protobuf = await serveState(cluster, V1_GET_STATE_PROTOBUF_REQUEST);
  const encodingPauses = await encodingCollections.stop();
  const encoding = await dispatch(cluster.master.master, (master) => master.operatorEncodingFigures());
  const encodingTurnMs = encoding?.longestTurnMs ?? 0;
  const gcInEncodingStepMs = encoding === undefined ? 0 : pauseMsWithin(encodingPauses, encoding.longestTurnAt, encoding.longestTurnAt + encodingTurnMs);
  progress(`GET_STATE in protobuf: longest rendering turn ${round(v1Protobuf.blockMs)} ms, longest encoding step ${round(encodingTurnMs)} ms (${round(gcInEncodingStepMs)} ms of it collecting garbage; the process used ${round(encoding?.longestTurnCpuMs ?? 0)} ms of CPU in it) of ${encoding?.turns ?? 0} (at most ${encoding?.mostCharsInATurn ?? 0} characters a step), answered after ${round(v1Protobuf.settledMs)} ms, ${v1Protobuf.bytes} bytes`);
  row('v1_state_protobuf_block_ms', round(Math.max(v1Protobuf.blockMs, encodingTurnMs)));
  // An operator event stream opened then: its SUBSCRIBED carries the same state (it was made in
  // one turn until 2026-12-06: ~280 ms at 10k agents, the bench did not measure it).
  const subscribed = await serveSubscribe(cluster);
  progress(`SUBSCRIBE with ${heldOffers(cluster)} offers held: longest turn ${round(subscribed.blockMs)} ms of ${subscribed.turns} (${longestTurnText(subscribed)}; ${round(subscribed.gcInBlockMs)} ms of it collecting garbage; the process used ${round(subscribed.cpuInBlockMs)} ms of CPU in it), SUBSCRIBED rendered after ${round(subscribed.settledMs)} ms`);
  row('v1_subscribe_block_ms', round(subscribed.blockMs));

  // The same while the frameworks decline every offer (a quarter of the way through the answer
  // above): every framework's offers and every agent's offered resources change after they were
  // rendered. Then `/master/state` and `/master/state-summary` the same way, each first served
  // once with the offers held (its own answer time, of which the declines come a quarter in).
  const reofferedAll = async (): Promise<string | undefined> => {
    // Every offer declined and made again, so that the warming has all of them to render anew, as
    // the first request had (the allocation cycles below offer them again after).
    await onEveryFramework(cluster, (framework) => framework.declineHeld(0));
    const reoffered = await drive(cluster.clock, () => heldOffers(cluster) >= agents, { stepMs: 100, budgetMs: options.budgets.frameworks, maxVirtualMs: OFFERED_VIRTUAL_MS });
    // The answer before (178 MB for GET_STATE at 100k) is garbage now; collected before the next
    // is rendered, so that the two do not add up in the child's peak RSS (2,298 MB at 100k without this).
    const heapMb = Math.round(await settledHeapBytes(cluster) / 2 ** 20);
    progress(`every offer made again: heap ${heapMb} MB after a full collection, peak RSS ${peakRssMb()} MB so far`);
    return reoffered.done ? undefined : `skipped: ${heldOffers(cluster)} of ${agents} agents offered again in ${seconds(reoffered.wallMs)} s`;
  };
  for (const [index, { key, label, request }] of CHURN_REQUESTS.entries()) {
    const measured = new Set<ScaleKey | ExtraKey>(['heap_per_agent_bytes', 'v1_state_block_ms', 'v1_state_protobuf_block_ms', 'v1_subscribe_block_ms', ...CHURN_REQUESTS.slice(0, index).map((churn) => churn.key)]);
    const rest = phases.filter((phase) => !measured.has(phase));
    let answerMs = v1State.settledMs;
    if (request !== V1_GET_STATE_REQUEST) {
      const skipped = await reofferedAll();
      if (skipped !== undefined) return skipRest(rest, skipped);
      answerMs = (await serveState(cluster, request)).settledMs;
    }
    const skipped = await reofferedAll();
    if (skipped !== undefined) return skipRest(rest, skipped);
    const churnAfterMs = answerMs / 4;
    const churned = await serveState(cluster, request, { afterMs: churnAfterMs, run: () => onEveryFramework(cluster, (framework) => framework.declineHeld(0)) });
    progress(`${label} with every offer declined ${round(churnAfterMs)} ms in (${churned.midwayBeforeAnswer ? 'before' : 'after'} the answer): longest turn ${round(churned.blockMs)} ms of ${churned.turns} (${longestTurnText(churned)}; ${round(churned.gcInBlockMs)} ms of it collecting garbage; ${churned.frameworksLeft} frameworks' offers left to later turns), answered after ${round(churned.settledMs)} ms`);
    row(key, round(churned.blockMs), [
      ...(churned.midwayBeforeAnswer ? [] : ['the declines came after the answer']),
      ...(churned.gcInBlockMs >= GC_NOTE_MS ? [`the longest turn includes ${round(churned.gcInBlockMs)} ms of garbage collection`] : []),
    ].join('; ') || undefined);
  }

  const cycle = await measureAllocationCycles(cluster, agents, options.budgets.allocationCycle, progress);
  row('allocation_cycle_ms', cycle.value, cycle.note);
  row('allocation_cycle_gc_ms', cycle.gcMs, cycle.note);

  await suppressFrameworks(cluster);
  const idle = await measureIdleSpeed(cluster, options.budgets.simSpeed);
  row('sim_speed', idle.speed);
  progress(`idle: ${idle.speed}x real time, median of ${idle.windows.join(', ')} (${frameworks} frameworks suppressed)`);

  await cluster.clock.settle();
  const heapBeforeTasks = await settledHeapBytes(cluster);
  let heapPerTask: number | null = null;
  const state = await measureState(cluster, agents, options.stateTasks, options.budgets.stateTasks, progress, async (running) => {
    // What the running tasks hold (master, agents, simulated executors), before the state endpoints keep any fragment.
    if (running > 0) heapPerTask = Math.round((await settledHeapBytes(cluster) - heapBeforeTasks) / running);
  });
  row('state_block_ms', state.blockMs, state.blockNote);
  row('state_bytes', state.bytes, state.note);
  row('state_answer_ms', state.answerMs, state.note);
  row('heap_per_task_bytes', heapPerTask);

  if (throughputHere) {
    await cluster.clock.settle();
    const heapBeforeShortTasks = await settledHeapBytes(cluster);
    // The process's first T short tasks: their code paths compiled as they go (V8's compiler
    // threads count in the CPU figures), the books' bounded histories filling.
    const cold = await measureThroughput(cluster, options.tasks, options.budgets.tasks, (text) => progress(`first run: ${text}`));
    row('tasks_per_s_cold', cold.tasksPerSecond, cold.note);
    row('cpu_per_task_us_cold', cold.cpuPerTaskUs, cold.note);
    row('main_thread_cpu_per_task_us_cold', cold.mainThreadCpuPerTaskUs, cold.mainThreadNote ?? cold.note);
    // What the ended tasks left: the books' bounded history (completed tasks and executors, sandboxes
    // scheduled for removal), and anything kept by mistake (a leak shows here first).
    await cluster.clock.settle();
    const retained = cold.tasksPerSecond === null ? null : Math.round((await settledHeapBytes(cluster) - heapBeforeShortTasks) / options.tasks);
    row('retained_per_task_bytes', retained, cold.note);
    // The sustained rate: T more, as a master that has run a while runs them (the issue's target).
    const tasks = cold.tasksPerSecond === null
      ? skippedThroughput(`skipped: the first run did not finish (${cold.note ?? 'over budget'})`)
      : await measureThroughput(cluster, options.tasks, options.budgets.tasks, (text) => progress(`sustained run: ${text}`));
    row('tasks_per_s', tasks.tasksPerSecond, tasks.note);
    row('launch_p50_ms', tasks.launchP50Ms, tasks.note);
    row('cpu_per_task_us', tasks.cpuPerTaskUs, tasks.note);
    row('main_thread_cpu_per_task_us', tasks.mainThreadCpuPerTaskUs, tasks.mainThreadNote ?? tasks.note);
    // Every task the books keep (the frameworks' completed tasks up to their bound, ~100k), as
    // `/master/tasks?limit=-1` asks: written in the turns after its request's (--state_last_turn_tasks).
    await cluster.clock.settle();
    const page = await serveState(cluster, TASKS_PAGE_REQUEST);
    progress(`/master/tasks?limit=-1: longest turn ${round(page.blockMs)} ms of ${page.turns}, ${page.bytes} bytes`);
    row('tasks_page_block_ms', round(page.blockMs));
  } else if (agents === Math.max(...options.agents)) {
    // Issue 13's `rss_mb` is the peak "at 100k agents with 100k tasks run": the largest N runs the
    // T short tasks as well (untimed here; `tasks_per_s` is measured at `--tasks-agents`). On a
    // collected heap, as at `--tasks-agents`: the state phase's answers just before (five of 72 MB
    // at 100k, their fragments promoted as they were rendered over turns) are garbage, and without
    // this the peak is theirs and the tasks' added whenever V8 happens not to mark between them.
    await cluster.clock.settle();
    const heapMb = Math.round(await settledHeapBytes(cluster) / 2 ** 20);
    progress(`before the ${options.tasks} short tasks: heap ${heapMb} MB after a full collection, peak RSS ${peakRssMb()} MB so far`);
    const tasks = await measureThroughput(cluster, options.tasks, options.budgets.tasks, progress);
    progress(`${options.tasks} short tasks run for the peak RSS: ${tasks.note ?? `${tasks.tasksPerSecond} tasks/s`}; peak RSS ${peakRssMb()} MB`);
    if (tasks.tasksPerSecond === null) return row('rss_mb', peakRssMb(), `of the run so far (${tasks.note})`);
  }
  row('rss_mb', peakRssMb());
}

/** Which turn of a served request was the longest, for a progress line. */
function longestTurnText(served: Pick<StateServed, 'longestTurn' | 'renderedInLongest'>): string {
  return served.longestTurn === 0 ? 'the route\'s first run' : `turn ${served.longestTurn}, ${served.renderedInLongest} fragments rendered in it`;
}

/**
 * Starts `frameworks` frameworks and drives the clock until they are registered and hold an
 * offer of every one of the `agents`; undefined then, else what was reached within `budgetMs`.
 */
export async function offerEveryAgent(cluster: ScaleCluster, agents: number, frameworks: number, budgetMs: number, progress: (text: string) => void): Promise<string | undefined> {
  startFrameworks(cluster, frameworks);
  const offered = await drive(cluster.clock, () => heldOffers(cluster) >= agents && cluster.frameworks.every((framework) => framework.isRegistered), {
    stepMs: 100, budgetMs, maxVirtualMs: OFFERED_VIRTUAL_MS,
  });
  progress(`${frameworks} frameworks registered, ${heldOffers(cluster)} of ${agents} agents offered in ${seconds(offered.wallMs)} s`);
  return offered.done ? undefined : `${heldOffers(cluster)} of ${agents} agents offered to the frameworks in ${seconds(offered.wallMs)} s`;
}

function heldOffers(cluster: ScaleCluster): number {
  let held = 0;
  for (const framework of cluster.frameworks) held += framework.held.length;
  return held;
}

function offersReceived(cluster: ScaleCluster): number {
  let received = 0;
  for (const framework of cluster.frameworks) received += framework.offersReceived;
  return received;
}

/** Starts `agents` agents at once and drives the clock until all are admitted: the wall ms it took, or null past `budgetMs` (with a note). */
export async function measureRegistration(cluster: ScaleCluster, agents: number, budgetMs: number, progress: (text: string) => void): Promise<{ value: number | null; note?: string }> {
  const start = performance.now();
  const virtualStartMs = cluster.clock.now();
  await startAgents(cluster, agents);
  progress(`${agents} agents started in ${seconds(performance.now() - start)} s`);
  let lastProgressMs = performance.now();
  const driven = await drive(cluster.clock, () => admittedAgents(cluster) >= agents, {
    stepMs: 10, budgetMs: budgetMs - (performance.now() - start),
    onStep: () => {
      if (performance.now() - lastProgressMs < 10_000) return;
      lastProgressMs = performance.now();
      progress(`registering: ${admittedAgents(cluster)} of ${agents} admitted after ${seconds(performance.now() - start)} s`);
    },
  });
  await cluster.clock.settle(); // the AgentRegistered replies
  const virtualMs = cluster.clock.now() - virtualStartMs;
  const wallMs = performance.now() - start;
  progress(`${admittedAgents(cluster)} of ${agents} agents admitted in ${seconds(wallMs)} s (${seconds(virtualMs)} virtual s)`);
  if (!driven.done) return { value: null, note: `over budget: ${admittedAgents(cluster)} admitted in ${seconds(wallMs)} s` };
  return { value: Math.round(wallMs) };
}

/** Declines everything held, then times the next batch run until every offer it made has arrived. */
async function measureAllocationCycles(cluster: ScaleCluster, agents: number, budgetMs: number, progress: (text: string) => void): Promise<{ value: number | null; gcMs: number | null; note?: string }> {
  const samples: Array<{ cycleMs: number; gcMs: number }> = [];
  const notes = new Set<string>();
  for (let sample = 0; sample < ALLOCATION_SAMPLES; sample++) {
    const declinedAtMs = performance.now();
    await onEveryFramework(cluster, (framework) => { framework.resetOfferCount(); framework.declineHeld(0); framework.mode = 'hold'; });
    await cluster.clock.settle();
    // Recovered resources wait for the next batch run (MESOS-3078); should declines trigger a run, time from them.
    const triggered = offersReceived(cluster) > 0;
    if (!triggered) await advanceToBeforeNextTick(cluster);
    const startMs = triggered ? declinedAtMs : performance.now();
    if (triggered) notes.add('declines trigger allocation: timed from the declines');
    const collections = new GcPauses();
    const driven = await drive(cluster.clock, () => offersReceived(cluster) >= agents, { stepMs: 10, budgetMs, maxVirtualMs: 10 * cluster.allocationIntervalMs });
    const pauses = await collections.stop();
    if (!driven.done) {
      const why = driven.wallMs > budgetMs ? 'over budget' : 'not all re-offered';
      return { value: null, gcMs: null, note: `${why}: ${offersReceived(cluster)} of ${agents} agents re-offered in ${seconds(driven.wallMs)} s (${seconds(driven.virtualMs)} virtual s)` };
    }
    const lastOfferAtMs = Math.max(...cluster.frameworks.map((framework) => framework.lastOfferAtMs));
    const starved = cluster.frameworks.filter((framework) => framework.offersReceived === 0).length;
    if (starved > 0 && agents >= cluster.frameworks.length) notes.add(`${starved} frameworks got no offer`);
    const cycleMs = lastOfferAtMs - startMs;
    const gcMs = pauseMsWithin(pauses, startMs, lastOfferAtMs);
    samples.push({ cycleMs, gcMs });
    progress(`allocation cycle ${sample + 1}: ${round(cycleMs)} ms (window ${driven.virtualMs} virtual ms; ${round(gcMs)} ms of it collecting garbage)`);
  }
  // The median cycle (as `median` picks it), and the collections within that same sample.
  const middle = [...samples].sort((a, b) => a.cycleMs - b.cycleMs)[Math.floor(samples.length / 2)];
  return { value: middle === undefined ? null : round(middle.cycleMs), gcMs: middle === undefined ? null : round(middle.gcMs), ...(notes.size > 0 ? { note: [...notes].join('; ') } : {}) };
}

/** Advances the clock (untimed) to `TICK_LEAD_MS` before the allocator's next batch run. */
async function advanceToBeforeNextTick(cluster: ScaleCluster): Promise<void> {
  const { clock, batchPhaseMs, allocationIntervalMs } = cluster;
  const sincePhase = clock.now() - batchPhaseMs;
  const nextTickMs = batchPhaseMs + (Math.floor(sincePhase / allocationIntervalMs) + 1) * allocationIntervalMs;
  const untilMs = nextTickMs - TICK_LEAD_MS - clock.now();
  if (untilMs > 0) await clock.advance(untilMs);
}

/** Virtual seconds per wall second while nothing happens but pings and batch runs (cut short past `budgetMs`). */
async function measureIdleSpeed(cluster: ScaleCluster, budgetMs: number): Promise<{ speed: number; windows: number[] }> {
  const full: number[] = [];
  const windows: number[] = [];
  const startMs = performance.now();
  for (let sample = 0; sample < IDLE_SAMPLES; sample++) {
    await cluster.clock.settle();
    const leftMs = budgetMs - (performance.now() - startMs);
    const driven = await drive(cluster.clock, () => false, { stepMs: 1_000, budgetMs: leftMs, maxVirtualMs: IDLE_VIRTUAL_MS });
    if (driven.virtualMs > 0) windows.push(round(driven.virtualMs / driven.wallMs));
    if (driven.virtualMs < IDLE_VIRTUAL_MS) break; // over budget: a cut window counts only when no window was whole
    full.push(round(driven.virtualMs / driven.wallMs));
  }
  return { speed: full.length > 0 ? median(full) : (windows[0] ?? 0), windows };
}

/**
 * Every framework gives back what it holds (no filter) and suppresses offers, as an idle Mesos
 * framework should; nothing is offered until it revives.
 */
async function suppressFrameworks(cluster: ScaleCluster): Promise<void> {
  await onEveryFramework(cluster, (framework) => { framework.mode = 'idle'; framework.suppress(); framework.declineHeld(0); });
  await cluster.clock.settle();
}

/** Shares `total` among the frameworks: as even as it goes. */
function shareOf(total: number, index: number, count: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

/** `note`: said of every state row; `blockNote`: of `state_block_ms` (with what the machine did in its longest turn). */
interface StateFigures { blockMs: number | null; bytes: number | null; answerMs: number | null; note?: string; blockNote?: string }

async function measureState(cluster: ScaleCluster, agents: number, tasks: number, budgetMs: number, progress: (text: string) => void, onRunning: (running: number) => Promise<void>): Promise<StateFigures> {
  const count = cluster.frameworks.length;
  await onEveryFramework(cluster, (framework) => {
    const index = cluster.frameworks.indexOf(framework);
    framework.mode = 'long';
    framework.remaining = shareOf(tasks, index, count);
    framework.tasksPerOffer = Math.max(1, Math.ceil(tasks / agents));
    framework.revive();
  });
  const running = (): number => cluster.frameworks.reduce((sum, framework) => sum + framework.longRunning, 0);
  const driven = await drive(cluster.clock, () => running() >= tasks, { stepMs: 100, budgetMs });
  progress(`${running()} of ${tasks} long tasks running in ${seconds(driven.wallMs)} s`);
  const note = driven.done ? undefined : `with ${running()} of ${tasks} tasks running (launching them went over budget, ${seconds(driven.wallMs)} s)`;
  await cluster.clock.settle();
  await onRunning(running());
  let worst: StateServed | undefined;
  for (let sample = 0; sample < STATE_SAMPLES; sample++) {
    const served = await serveState(cluster);
    if (worst === undefined || served.blockMs > worst.blockMs) worst = served;
  }
  if (worst === undefined) throw new Error('no /master/state sample');
  const which = longestTurnText(worst);
  const threads = cluster.agentsThread === undefined ? '' : ', the agents\' thread included';
  progress(`/master/state: longest turn ${round(worst.blockMs)} ms of ${worst.turns} (${which}; ${round(worst.gcInBlockMs)} ms of it collecting garbage; the process used ${round(worst.cpuInBlockMs)} ms of CPU in it${threads}), answered after ${round(worst.settledMs)} ms, ${worst.bytes} bytes, encoded in ${round(worst.serializeMs)} ms`);
  const gcNote = worst.gcInBlockMs >= GC_NOTE_MS ? `the longest turn includes ${round(worst.gcInBlockMs)} ms of garbage collection (the process's whole heap, its agents' actors included)` : undefined;
  // With the agents on a thread of their own, the process's CPU time is theirs too: it cannot tell the master's thread stalled.
  const idleMs = cluster.agentsThread === undefined ? worst.blockMs - worst.cpuInBlockMs : 0;
  const offCpuNote = idleMs >= OFF_CPU_NOTE_MS ? `the process used ${round(worst.cpuInBlockMs)} ms of CPU in the longest turn's ${round(worst.blockMs)}: it was not running for the rest` : undefined;
  const blockNote = [note, gcNote, offCpuNote].filter((part) => part !== undefined).join('; ');
  return {
    blockMs: round(worst.blockMs), bytes: worst.bytes, answerMs: round(worst.settledMs),
    ...(note !== undefined ? { note } : {}), ...(blockNote !== '' ? { blockNote } : {}),
  };
}

/** What a run of short tasks measured (`measureThroughput`). */
export interface ThroughputFigures {
  tasksPerSecond: number | null;
  launchP50Ms: number | null;
  cpuPerTaskUs: number | null;
  mainThreadCpuPerTaskUs: number | null;
  note?: string;
  /** Why `mainThreadCpuPerTaskUs` is null when the rest are not. */
  mainThreadNote?: string;
}

/** The figures of a throughput run not made, with why. */
export function skippedThroughput(note: string): ThroughputFigures {
  return { tasksPerSecond: null, launchP50Ms: null, cpuPerTaskUs: null, mainThreadCpuPerTaskUs: null, note };
}

/** Runs `tasks` short tasks (the figures counted from this run alone: each framework's tallies start again). */
export async function measureThroughput(cluster: ScaleCluster, tasks: number, budgetMs: number, progress: (text: string) => void): Promise<ThroughputFigures> {
  const count = cluster.frameworks.length;
  // Counted from before the frameworks are told: the drain that runs their change goes on with
  // the launches it starts (up to the host's `DRAIN_BUDGET` events) before the dispatch resolves.
  const cpuAtStart = process.cpuUsage();
  const threadAtStart = threadCpuNs();
  await onEveryFramework(cluster, (framework) => {
    framework.startShortRun();
    framework.mode = 'short';
    framework.remaining = shareOf(tasks, cluster.frameworks.indexOf(framework), count);
    framework.revive();
  });
  const finished = (): number => cluster.frameworks.reduce((sum, framework) => sum + framework.shortFinished, 0);
  let lastProgressMs = performance.now();
  const driven = await drive(cluster.clock, () => finished() >= tasks, {
    stepMs: 100, budgetMs,
    onStep: () => {
      if (performance.now() - lastProgressMs < 10_000) return;
      lastProgressMs = performance.now();
      progress(`tasks: ${finished()} of ${tasks} finished`);
    },
  });
  const cpu = process.cpuUsage(cpuAtStart);
  const threadAtEnd = threadCpuNs();
  const failed = cluster.frameworks.reduce((sum, framework) => sum + framework.shortFailed, 0);
  progress(`${finished()} of ${tasks} short tasks finished (${failed} failed) in ${seconds(driven.wallMs)} s (${seconds(driven.virtualMs)} virtual s)`);
  if (!driven.done) {
    return skippedThroughput(`over budget: ${finished()} of ${tasks} tasks finished in ${seconds(driven.wallMs)} s`);
  }
  const cpuPerTaskUs = round((cpu.user + cpu.system) / tasks, 1);
  const mainThreadCpuPerTaskUs = threadAtStart === undefined || threadAtEnd === undefined ? null : round((threadAtEnd - threadAtStart) / 1000 / tasks, 1);
  progress(`CPU per task: ${cpuPerTaskUs} µs, every thread of the process (target: ${cpuPerTaskTarget()}); ${mainThreadCpuPerTaskUs ?? '?'} µs of it the main thread's`);
  const first = Math.min(...cluster.frameworks.filter((framework) => framework.firstLaunchAtMs > 0).map((framework) => framework.firstLaunchAtMs));
  const last = Math.max(...cluster.frameworks.map((framework) => framework.lastFinishedAtMs));
  const latencies = cluster.frameworks.flatMap((framework) => framework.runningAfterMs);
  const note = failed > 0 ? `${failed} tasks did not finish` : undefined;
  return {
    tasksPerSecond: Math.round(tasks / ((last - first) / 1000)), launchP50Ms: round(median(latencies), 2), cpuPerTaskUs, mainThreadCpuPerTaskUs,
    ...(note !== undefined ? { note } : {}),
    ...(mainThreadCpuPerTaskUs === null ? { mainThreadNote: `no ${THREAD_SCHEDSTAT} on this system` } : {}),
  };
}

// ---- running it -------------------------------------------------------------------------------

function emptyResult(): ScaleResult {
  return Object.fromEntries([...SCALE_KEYS, ...EXTRA_KEYS].map((key) => [key, []])) as unknown as ScaleResult;
}

/** Runs every N in this process, one after another. */
export async function runScaleInProcess(options: ScaleOptions, onProgress: (agents: number, text: string) => void = () => undefined): Promise<ScaleResult> {
  const result = emptyResult();
  for (const agents of options.agents) {
    await measureAt(agents, options, (message) => {
      if (message.type === 'row') result[message.key].push(message.row);
      else if (message.type === 'progress') onProgress(agents, message.text);
    });
  }
  return result;
}

function sumOfBudgets(budgets: Budgets): number {
  return Object.values(budgets).reduce((sum, budget) => sum + budget, 0);
}

/** Runs each N in a child process (this script with `--child N`); a child past all its budgets is killed and its missing rows noted. */
async function runScaleInChildren(options: ScaleOptions, argv: readonly string[], onProgress: (agents: number, text: string) => void): Promise<ScaleResult> {
  const result = emptyResult();
  for (const agents of options.agents) {
    const rows = new Map<ScaleKey | ExtraKey, Row>();
    let last = { text: 'started', rssMb: 0 };
    const execArgv = ['--max-old-space-size=16384', ...childNodeFlags(options)];
    const child = fork(__filename, [...argv, '--child', String(agents)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (message: ScaleMessage) => {
      if (message.type === 'row') rows.set(message.key, message.row);
      else if (message.type === 'progress') { last = message; onProgress(agents, message.text); }
    });
    // The N of the throughput phase runs its short tasks twice (the cold and the sustained run).
    const limitMs = sumOfBudgets(options.budgets) + (agents === options.tasksAgents ? options.budgets.tasks : 0) + CHILD_SLACK_MS;
    const cut = setTimeout(() => child.kill('SIGKILL'), limitMs);
    const exit = await new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
    clearTimeout(cut);
    for (const key of [...SCALE_KEYS, ...EXTRA_KEYS]) {
      const got = rows.get(key);
      if (got !== undefined) result[key].push(got);
      else if (key === 'rss_mb' && last.rssMb > 0) result[key].push({ agents, frameworks: options.frameworks, value: last.rssMb, note: `at the cut (last: ${last.text})` });
      else if (THROUGHPUT_KEYS.has(key)) { if (agents === options.tasksAgents) result[key].push({ agents, frameworks: options.frameworks, value: null, note: `child ended (${exit}) at: ${last.text}` }); }
      else result[key].push({ agents, frameworks: options.frameworks, value: null, note: `child ended (${exit}) at: ${last.text}` });
    }
  }
  return result;
}

function listFlag(argv: readonly string[], name: string, fallback: readonly number[]): number[] {
  const at = argv.indexOf(name);
  if (at < 0) return [...fallback];
  const values = (argv[at + 1] ?? '').split(',').map((part) => Number(part.replace(/k$/i, '000')));
  if (values.length === 0 || values.some((value) => !Number.isSafeInteger(value) || value <= 0)) throw new Error(`${name} takes positive integers, comma-separated`);
  return values;
}

/** The Node flags a child runs with: by default the master bins' (`MASTER_NODE_FLAGS`; the spec holds the two equal), else as `semiSpaceMb` and `pretenure` say. */
export function childNodeFlags(options: ScaleOptions): string[] {
  const semiSpaceMb = options.semiSpaceMb ?? MASTER_SEMI_SPACE_MB;
  return [...(semiSpaceMb > 0 ? [`--max-semi-space-size=${semiSpaceMb}`] : []), ...(options.pretenure === true ? [] : ['--no-allocation-site-pretenuring'])];
}

/** `--semi-space-mb N` (0: V8's default young generation), else the master bins' `MASTER_SEMI_SPACE_MB`. */
function semiSpaceFlag(argv: readonly string[]): number {
  const at = argv.indexOf('--semi-space-mb');
  if (at < 0) return MASTER_SEMI_SPACE_MB;
  const value = Number(argv[at + 1]);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error('--semi-space-mb takes a whole number of MB (0: V8\'s default)');
  return value;
}

function numberFlag(argv: readonly string[], name: string, fallback: number): number {
  return listFlag(argv, name, [fallback])[0] ?? fallback;
}

/** The flags bench:scale takes that take a value, and those that stand alone (`--child` is its own, for its children). */
const VALUED_FLAGS = ['--agents', '--frameworks', '--tasks', '--tasks-agents', '--state-tasks', '--semi-space-mb', '--budget-scale', '--child'] as const;
const SWITCH_FLAGS = ['--json', '--unvalidated', '--pretenure', '--agents-thread', '--in-process'] as const;

/** How to call it, for `--help` and a flag it does not know. */
export const SCALE_USAGE = `usage: npm run bench:scale -- [--json] [--agents 1000,10000,100000] [--frameworks F] [--tasks T] [--tasks-agents N] [--state-tasks S] [--budget-scale X] [--unvalidated] [--semi-space-mb M] [--pretenure] [--agents-thread] [--in-process]`;

export function parseScaleOptions(argv: readonly string[]): ScaleOptions {
  // A flag it does not know is refused, not ignored (a mistyped one ran the whole benchmark as if not given).
  for (let at = 0; at < argv.length; at++) {
    const flag = argv[at] as string;
    if ((VALUED_FLAGS as readonly string[]).includes(flag)) at++;
    else if (!(SWITCH_FLAGS as readonly string[]).includes(flag)) throw new Error(`unknown flag '${flag}'\n${SCALE_USAGE}`);
  }
  for (const flag of ['--semi-space-mb', '--pretenure']) {
    if (argv.includes(flag) && argv.includes('--in-process')) throw new Error(`${flag} sets the children's Node flags; with --in-process there are none: give node the flags yourself`);
  }
  const budgetScale = numberFlag(argv, '--budget-scale', 1);
  const budgets = Object.fromEntries(Object.entries(DEFAULT_BUDGETS).map(([key, value]) => [key, value * budgetScale])) as unknown as Budgets;
  return {
    agents: listFlag(argv, '--agents', DEFAULT_AGENT_COUNTS),
    frameworks: numberFlag(argv, '--frameworks', DEFAULT_FRAMEWORKS),
    tasks: numberFlag(argv, '--tasks', DEFAULT_TASKS),
    tasksAgents: numberFlag(argv, '--tasks-agents', DEFAULT_TASKS_AGENTS),
    stateTasks: numberFlag(argv, '--state-tasks', DEFAULT_STATE_TASKS),
    budgets,
    validateLocalMessages: !argv.includes('--unvalidated'),
    agentsThread: argv.includes('--agents-thread'),
    ...(argv.includes('--in-process') ? {} : { semiSpaceMb: semiSpaceFlag(argv), pretenure: argv.includes('--pretenure') }),
  };
}

/** Issue 13's throughput target at 10k agents. */
const TASKS_PER_S_TARGET = 10_000;

/** `cpu_per_task_us`'s target, from `tasks_per_s`'s on this machine's cores: every core busy, at most this much CPU a task. */
function cpuPerTaskTarget(): string {
  const cores = os.availableParallelism();
  return `<= ${(cores * 1e6) / TASKS_PER_S_TARGET} at 10k (${TASKS_PER_S_TARGET.toLocaleString('en-US')} tasks/s on this machine's ${cores} cores)`;
}

/** Issue 13's targets at 100k × 100 (and at 10k for throughput and speed), for the table. */
const TARGETS: Record<ScaleKey, string> = {
  register_ms: '<= 60,000 at 100k', allocation_cycle_ms: '<= 500 at 100k', state_block_ms: '<= 20 at 100k',
  tasks_per_s: `>= ${TASKS_PER_S_TARGET.toLocaleString('en-US')} at 10k`, launch_p50_ms: '-', sim_speed: '>= 100 at 10k', rss_mb: '<= 2,048 at 100k',
};

export function formatTable(result: ScaleResult, options: ScaleOptions): string {
  const flags = childNodeFlags(options).join(' ');
  const nodeFlags = options.semiSpaceMb === undefined
    ? ', Node flags: this process\'s'
    : `, Node flags: ${flags.length > 0 ? flags : 'none'}${flags === MASTER_NODE_FLAGS.join(' ') ? ' (the master\'s bins\')' : ''}`;
  const lines = [`bench:scale — ${options.frameworks} frameworks, memory registry, simulated executors, virtual clock (wall-clock figures${nodeFlags})`];
  for (const key of [...SCALE_KEYS, ...EXTRA_KEYS]) {
    const cells = result[key].map((row) => `${row.agents}: ${row.value ?? 'null'}${row.note !== undefined ? ` (${row.note})` : ''}`);
    const target = key in TARGETS ? `   target ${TARGETS[key as ScaleKey]}` : key === 'cpu_per_task_us' ? `   target ${cpuPerTaskTarget()}` : '';
    lines.push(`${key.padEnd(20)} ${cells.length > 0 ? cells.join('   ') : '(not measured at these N)'}${target}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${SCALE_USAGE}\n`);
    return;
  }
  const options = parseScaleOptions(argv);
  const childAt = argv.indexOf('--child');
  if (childAt >= 0) {
    const agents = Number(argv[childAt + 1]);
    await measureAt(agents, options, (message) => process.send?.(message));
    process.send?.({ type: 'done' } satisfies ScaleMessage);
    return;
  }
  const json = argv.includes('--json');
  const progress = (agents: number, text: string): void => { process.stderr.write(`[${agents} agents] ${text}\n`); };
  const result = argv.includes('--in-process') ? await runScaleInProcess(options, progress) : await runScaleInChildren(options, argv, progress);
  process.stdout.write(`${formatTable(result, options)}\n`);
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  void main().then(() => {
    if (process.send !== undefined) process.disconnect();
    process.exit(0);
  }, (error: Error) => {
    process.stderr.write(`bench:scale: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
