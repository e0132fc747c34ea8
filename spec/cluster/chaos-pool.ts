/**
 * Runs chaos seeds (chaos.ts) on worker threads, so that a many-seed run uses every core: the
 * chaos spec and `npm run chaos` (chaos-cli.ts) both submit seeds here. A run depends on its
 * seed and step count only, so a seed gives the same events and the same message trace on any
 * worker, in any order, as in the main thread (chaos.spec.ts checks it).
 *
 * This module is also the workers' entry point: loaded in a worker started by a `ChaosPool`, it
 * serves seeds until told to stop.
 */
import { setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { replayFlags, runChaos, type ChaosReport, type ReservationCounts } from './chaos';
import type { SimulatedFetchOutcome } from './simulated-fetch';

/** One seed's outcome. */
export interface SeedResult {
  readonly seed: number;
  readonly passed: boolean;
  /** Why it failed: a `ChaosFailure`'s message (broken invariants, the replay command, the last events), or a crash's stack. */
  readonly failure: string | undefined;
  /** sha256 of the run's event log (set when it passed). */
  readonly eventsDigest: string | undefined;
  /** sha256 of every message sent and handled (set when it passed with `hashTrace`). */
  readonly traceDigest: string | undefined;
  readonly tasksLaunched: number;
  /** With `SeedSettings.fetch`, a passed seed's fetches by outcome (`ChaosReport.fetches`). */
  readonly fetches?: Readonly<Record<SimulatedFetchOutcome, number>>;
  /** With `SeedSettings.reservations` (or `volumes`), a passed seed's reservations and volumes (`ChaosReport.reservations`). */
  readonly reservations?: ReservationCounts;
  /** With `SeedSettings.taskGroups`, a passed seed's task groups and resizes (`ChaosReport.taskGroups`). */
  readonly taskGroups?: ChaosReport['taskGroups'];
  /** With `SeedSettings.quota`, a passed seed's quota and weight calls by answer (`ChaosReport.quotaAnswers`). */
  readonly quotaAnswers?: ChaosReport['quotaAnswers'];
  /** With `SeedSettings.operatorRemovals`, a passed seed's MARK_AGENT_GONE and teardown calls by answer (`ChaosReport.removalAnswers`). */
  readonly removalAnswers?: ChaosReport['removalAnswers'];
  /** With `SeedSettings.drainAgents`, a passed seed's DRAIN_AGENT, DEACTIVATE_AGENT and REACTIVATE_AGENT calls by answer, and what came of them (`ChaosReport.drainAnswers`, `drains`). */
  readonly drainAnswers?: ChaosReport['drainAnswers'];
  readonly drains?: ChaosReport['drains'];
  /** With `SeedSettings.operationFeedback`, a passed seed's operations with ids and their statuses (`ChaosReport.operationFeedback`). */
  readonly operationFeedback?: ChaosReport['operationFeedback'];
  /** A passed seed's steps by kind (`ChaosReport.stepsByKind`): what faults it had. */
  readonly stepsByKind?: ChaosReport['stepsByKind'];
  readonly wallMs: number;
}

/** How a seed runs. */
export interface SeedSettings {
  readonly steps: number;
  /** Hash the whole message trace (costs time). */
  readonly hashTrace: boolean;
  /** Fault the registry's writes too (`ChaosOptions.registryFaults`; default true). */
  readonly registryFaults?: boolean;
  /** Masters contending in a simulated ZooKeeper (`ChaosOptions.masters`; default 1). */
  readonly masters?: number;
  /** Agents restart keeping their executors (`ChaosOptions.agentRecovery`). */
  readonly agentRecovery?: boolean;
  /** The master authenticates agents and frameworks (`ChaosOptions.credentials`). */
  readonly credentials?: boolean;
  /** An operator's view from the v1 event stream is checked (`ChaosOptions.operatorView`). */
  readonly operatorView?: boolean;
  /** Some frameworks speak the v1 scheduler HTTP API (`ChaosOptions.httpFrameworks`). */
  readonly httpFrameworks?: boolean;
  /** Some commands have URIs the simulated launcher fetches (`ChaosOptions.fetch`). */
  readonly fetch?: boolean;
  /** Frameworks and an operator reserve and unreserve resources (`ChaosOptions.reservations`). */
  readonly reservations?: boolean;
  /** Frameworks and an operator create and destroy persistent volumes too (`ChaosOptions.volumes`, which implies `reservations`). */
  readonly volumes?: boolean;
  /** Frameworks (actor and v1 HTTP) launch task groups, and resize volumes with `volumes` (`ChaosOptions.taskGroups`). */
  readonly taskGroups?: boolean;
  /** An operator sets roles' quotas and weights (`ChaosOptions.quota`). */
  readonly quota?: boolean;
  /** Frameworks add and take away a role (`ChaosOptions.updateFramework`). */
  readonly updateFramework?: boolean;
  /** An operator marks agents gone and tears frameworks down (`ChaosOptions.operatorRemovals`). */
  readonly operatorRemovals?: boolean;
  /** An operator drains, deactivates and reactivates agents (`ChaosOptions.drainAgents`). */
  readonly drainAgents?: boolean;
  /** The v1 HTTP frameworks ask for operation feedback (`ChaosOptions.operationFeedback`). */
  readonly operationFeedback?: boolean;
}

/** Marks the worker data of a pool's workers (the module is loaded in other workers too). */
const POOL_WORKER = 'chaos-pool-worker';

interface PoolWorkerData {
  readonly kind: typeof POOL_WORKER;
  /** The worker thread's nice value (`ChaosPoolOptions.nice`). */
  readonly nice?: number;
}

/** How a pool's workers run. */
export interface ChaosPoolOptions {
  /**
   * Each worker thread sets its own nice value to this (Linux keeps one a thread) before it
   * runs a seed: 19 lets the workers use only what the process's other threads and the
   * machine's other processes leave idle (the test run's chaos seeds run so beside the other
   * spec files). A seed's result does not depend on it.
   */
  readonly nice?: number;
}

/** A job for a worker: one seed, or none left (the worker exits). */
type WorkerJob = { readonly seed: number; readonly settings: SeedSettings } | { readonly done: true };

/** A seed waiting for, or running on, a worker. */
interface PoolJob {
  readonly seed: number;
  readonly settings: SeedSettings;
  readonly resolve: (result: SeedResult) => void;
}

/**
 * How long a seed's thread may sit idle, waiting for nothing, before the seed is reported as
 * stalled. A run keeps its event loop busy from start to end (virtual time is advanced by
 * immediates), so a loop that waits this long awaits what no timer or message will bring; a
 * lone CLI run would otherwise exit silently, its event loop empty. Idle time, not wall time: a
 * seed on a low-priority worker (`ChaosPoolOptions.nice`) that the machine's other work starves
 * for minutes is slow, not stalled.
 */
export const CHAOS_SEED_STALL_MS = 120_000;

/** How often the stall watchdog reads its thread's idle time. */
export const CHAOS_STALL_CHECK_INTERVAL_MS = 5_000;

/**
 * Settles as `work` does, or rejects once this thread's event loop has sat idle for `stallMs` in
 * all since the call (read every `checkMs`): the watchdog of a seed (`CHAOS_SEED_STALL_MS`). Its
 * timer keeps the process alive meanwhile.
 */
export async function unlessStalled<T>(work: Promise<T>, stallMs: number, what: string, checkMs = CHAOS_STALL_CHECK_INTERVAL_MS): Promise<T> {
  const start = performance.eventLoopUtilization();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const { idle } = performance.eventLoopUtilization(start);
      if (idle >= stallMs) reject(new Error(`${what} stalled: its thread sat idle for ${Math.round(idle / 1000)} s (the bound is ${stallMs / 1000} s): a step awaits what no timer or message will bring`));
    }, checkMs);
  });
  try {
    return await Promise.race([stalled, work]);
  } finally {
    clearInterval(timer);
  }
}

/** Runs one seed here and never rejects: a failure (a stall too) is a result. With `tracePath`, writes its message trace there. */
export async function runSeed(seed: number, settings: SeedSettings, tracePath?: string): Promise<SeedResult> {
  const started = performance.now();
  try {
    const report = await unlessStalled(runChaos({
      seed, steps: settings.steps, hashTrace: settings.hashTrace, registryFaults: settings.registryFaults !== false, ...(tracePath !== undefined ? { tracePath } : {}),
      ...(settings.masters !== undefined ? { masters: settings.masters } : {}),
      ...(settings.agentRecovery === true ? { agentRecovery: true } : {}),
      ...(settings.credentials === true ? { credentials: true } : {}),
      ...(settings.operatorView === true ? { operatorView: true } : {}),
      ...(settings.httpFrameworks === true ? { httpFrameworks: true } : {}),
      ...(settings.fetch === true ? { fetch: true } : {}),
      ...(settings.reservations === true ? { reservations: true } : {}),
      ...(settings.volumes === true ? { volumes: true } : {}),
      ...(settings.taskGroups === true ? { taskGroups: true } : {}),
      ...(settings.quota === true ? { quota: true } : {}),
      ...(settings.updateFramework === true ? { updateFramework: true } : {}),
      ...(settings.operatorRemovals === true ? { operatorRemovals: true } : {}),
      ...(settings.operationFeedback === true ? { operationFeedback: true } : {}),
      ...(settings.drainAgents === true ? { drainAgents: true } : {}),
    }), CHAOS_SEED_STALL_MS, `seed ${seed}`);
    return {
      seed, passed: true, failure: undefined, eventsDigest: report.digest, traceDigest: report.trace?.digest,
      tasksLaunched: report.tasksLaunched, stepsByKind: report.stepsByKind, wallMs: performance.now() - started, ...(settings.fetch === true ? { fetches: report.fetches } : {}),
      ...(settings.reservations === true || settings.volumes === true ? { reservations: report.reservations } : {}),
      ...(settings.taskGroups === true ? { taskGroups: report.taskGroups } : {}),
      ...(settings.quota === true ? { quotaAnswers: report.quotaAnswers } : {}),
      ...(settings.operatorRemovals === true ? { removalAnswers: report.removalAnswers } : {}),
      ...(settings.operationFeedback === true ? { operationFeedback: report.operationFeedback } : {}),
      ...(settings.drainAgents === true ? { drainAnswers: report.drainAnswers, drains: report.drains } : {}),
    };
  } catch (error) {
    return { seed, passed: false, failure: describeFailure(seed, settings, error), eventsDigest: undefined, traceDigest: undefined, tasksLaunched: 0, wallMs: performance.now() - started };
  }
}

function describeFailure(seed: number, settings: SeedSettings, error: unknown): string {
  if (error instanceof Error && error.name === 'ChaosFailure') return error.message;
  const text = error instanceof Error ? error.stack ?? error.message : String(error);
  return `chaos seed ${seed} crashed: ${text}\nReplay it with: npm run chaos -- --seed ${seed} --steps ${settings.steps}${replayFlags(settings)}`;
}

/** A worker and the seed it runs now. */
interface PoolSlot {
  readonly worker: Worker;
  /** Resolves when the worker thread has exited. */
  readonly exited: Promise<void>;
  running: PoolJob | undefined;
  /** The thread died (an uncaught error): it takes no more seeds. */
  dead: boolean;
}

/**
 * Worker threads that run seeds, one seed at a time each, in the order they were submitted.
 *
 * @example
 *   const pool = new ChaosPool(2);
 *   const results = await Promise.all([1, 2, 3].map((seed) => pool.run(seed, { steps: 100, hashTrace: false })));
 *   await pool.close();
 */
export class ChaosPool {
  private readonly slots: PoolSlot[];
  /** Seeds waiting for a free worker. */
  private readonly queue: PoolJob[] = [];
  private closed = false;

  constructor(jobs: number, options: ChaosPoolOptions = {}) {
    if (!Number.isSafeInteger(jobs) || jobs < 1) throw new Error(`ChaosPool: jobs must be a positive integer, got ${jobs}`);
    if (options.nice !== undefined && !(Number.isSafeInteger(options.nice) && options.nice >= -20 && options.nice <= 19)) throw new Error(`ChaosPool: nice must be an integer from -20 to 19, got ${options.nice}`);
    const data: PoolWorkerData = { kind: POOL_WORKER, ...(options.nice !== undefined ? { nice: options.nice } : {}) };
    this.slots = Array.from({ length: jobs }, () => this.startSlot(new Worker(__filename, { workerData: data })));
  }

  /** Runs `seed` on the next free worker; resolves with its result (never rejects). */
  run(seed: number, settings: SeedSettings): Promise<SeedResult> {
    if (this.closed) return Promise.reject(new Error('ChaosPool: closed'));
    return new Promise<SeedResult>((resolve) => {
      this.queue.push({ seed, settings, resolve });
      this.dispatch();
    });
  }

  /** Lets the workers finish their seeds, then stops them; queued seeds fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.queue.splice(0)) waiting.resolve(lost(waiting, 'the pool closed first'));
    for (const slot of this.slots) if (slot.running === undefined && !slot.dead) slot.worker.postMessage({ done: true } satisfies WorkerJob);
    await Promise.all(this.slots.map((slot) => slot.exited));
  }

  private startSlot(worker: Worker): PoolSlot {
    const slot: PoolSlot = { worker, exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())), running: undefined, dead: false };
    worker.on('message', (result: SeedResult) => {
      const running = slot.running;
      slot.running = undefined;
      running?.resolve(result);
      if (this.closed && this.queue.length === 0) worker.postMessage({ done: true } satisfies WorkerJob);
      else this.dispatch();
    });
    worker.on('error', (error) => {
      const running = slot.running;
      slot.running = undefined;
      slot.dead = true;
      running?.resolve(lost(running, `its worker thread died: ${error.stack ?? error.message}`));
      if (this.slots.every((each) => each.dead)) for (const waiting of this.queue.splice(0)) waiting.resolve(lost(waiting, 'every worker thread died'));
    });
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.running !== undefined || slot.dead) continue;
      const next = this.queue.shift();
      if (next === undefined) return;
      slot.running = next;
      slot.worker.postMessage({ seed: next.seed, settings: next.settings } satisfies WorkerJob);
    }
  }
}

/** The result of a seed that never ran to its end. */
function lost(job: PoolJob, why: string): SeedResult {
  return { seed: job.seed, passed: false, failure: describeFailure(job.seed, job.settings, new Error(why)), eventsDigest: undefined, traceDigest: undefined, tasksLaunched: 0, wallMs: 0 };
}

/** A pool worker's loop: run each seed it is sent and post the result, until told there is none left. */
function serveSeeds(port: NonNullable<typeof parentPort>, nice: number | undefined): void {
  // This thread's only (pid 0: the calling thread, on Linux); the main thread keeps its own.
  if (nice !== undefined) setPriority(0, nice);
  port.on('message', (job: WorkerJob) => {
    if ('done' in job) {
      port.close();
      return;
    }
    void runSeed(job.seed, job.settings).then((result) => port.postMessage(result));
  });
}

const setup = workerData as Partial<PoolWorkerData> | null;
if (!isMainThread && parentPort !== null && setup?.kind === POOL_WORKER) serveSeeds(parentPort, setup.nice);
