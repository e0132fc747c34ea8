import { Resources } from '../../../lib/resources';
import { isTerminalState, type MasterInfo, type Offer, type TaskInfo, type TaskStatus } from '../../../lib/protocol';
import type { Timer } from '../../../lib/actor';
import { UNFIT_OFFERS_EXPLAIN_AFTER_MS } from '../constants';
import { fitInto, UnfitOffers } from '../offers';
import { Scheduler, type SchedulerOptions } from '../scheduler';

/** Offers a batch framework does not need are declined for this long once all tasks are launched. */
export const BATCH_DONE_REFUSE_SECONDS = 3600;

/** What a batch run is. */
export interface BatchOptions extends SchedulerOptions {
  /** How many tasks to run. */
  tasks: number;
  /** Resources of each task, e.g. `cpus:1;mem:128`. */
  taskResources: Resources;
  /** Shell command each task runs; `$MESOS_TASK_ID` names the task. */
  command: string;
  /**
   * Most tasks launched from one offer; unset fills each offer with as many tasks as fit. The
   * seed document's DRF example uses 1, so that each allocation hands out one task's worth.
   */
  tasksPerOffer?: number;
  /**
   * With none of the batch's tasks running and some still to launch, how long no offer may hold
   * one before the batch gives up (`stalled`); unset: it waits for good. Its own running tasks
   * free resources when they end, so their runs never count.
   */
  offerWaitTimeoutMs?: number;
  /** Called on every state change (for printing). */
  onUpdate?: (status: TaskStatus) => void;
}

/** How a batch run ended. */
export interface BatchResult {
  finished: number;
  failed: number;
  /** Task ids in launch order, with the offer's agent. */
  launches: Array<{ taskId: string; agentId: string }>;
}

/**
 * The batch framework behind `mesos-batch`: launches `tasks` copies of a command as offers
 * allow, as many per offer as fit (or at most `tasksPerOffer`), returning the rest of each offer
 * unfiltered (refuse 0 s), and resolves `done` when every task has reached a terminal state.
 * With `tasksPerOffer: 1` it is the framework of the seed document's DRF example.
 *
 *   const batch = new BatchScheduler({ master, framework: { name: 'crunch', user: os.userInfo().username }, tasks: 20,
 *     taskResources: Resources.parse('cpus:1;mem:128'), command: 'sleep 2' });
 *   host.spawn(batch);
 *   const { finished, failed } = await batch.done;
 */
export class BatchScheduler extends Scheduler {
  /** Resolves when every task is terminal. */
  readonly done: Promise<BatchResult>;
  private resolveDone!: (result: BatchResult) => void;
  /** Tasks launched so far, in order. */
  private readonly launches: Array<{ taskId: string; agentId: string }> = [];
  /** Terminal states seen per task id. */
  private readonly outcomes = new Map<string, TaskStatus['state']>();
  /** Offers declined since the last launch for holding not even one task (to explain a stall). */
  private readonly unfit: UnfitOffers;
  /** Calls `noOfferFits` once per stall, `UNFIT_OFFERS_EXPLAIN_AFTER_MS` after the first offer that held no task; cleared by a launch. */
  private explainTimer: Timer | undefined;
  /** Calls `stalled` once `offerWaitTimeoutMs` passes with nothing of the batch running and no launch. */
  private waitTimer: Timer | undefined;

  constructor(private readonly batch: BatchOptions) {
    super(batch);
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
    this.unfit = new UnfitOffers(batch.taskResources);
  }

  protected override registered(_frameworkId: string, _masterInfo: MasterInfo): void {
    this.awaitLaunch();
    // With no offer at all it said nothing until it gave up (walkthrough): said after the same while.
    this.explainTimer ??= this.delay(UNFIT_OFFERS_EXPLAIN_AFTER_MS, () => {
      if (this.launches.length === 0) this.noOfferFits(this.unfit.explain(`task '${this.framework.name}-0'`));
    });
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const tasks = this.fill(offer);
      if (tasks.length === 0) {
        const allLaunched = this.launches.length >= this.batch.tasks;
        if (!allLaunched) this.noteUnfit(offer);
        this.decline(offer.id, { refuseSeconds: allLaunched ? BATCH_DONE_REFUSE_SECONDS : 0 });
        continue;
      }
      this.unfit.clear();
      this.explainTimer?.cancel();
      this.explainTimer = undefined;
      this.waitTimer?.cancel();
      this.waitTimer = undefined;
      this.launch(offer.id, tasks, { refuseSeconds: 0 });
    }
  }

  /**
   * Offers have been declined for `UNFIT_OFFERS_EXPLAIN_AFTER_MS` without a launch, none able to
   * hold one task: `explanation` says what the closest lacked. Logged by default; `mesos-batch`
   * prints it. Called once per stall.
   */
  protected noOfferFits(explanation: string): void {
    this.log.warn({ framework: this.framework.name }, explanation);
  }

  /**
   * `offerWaitTimeoutMs` passed with none of the batch's tasks running, some still to launch and
   * no offer able to hold one: `explanation` says what the closest offer lacked. Logged by
   * default; `mesos-batch` gives up with it (exit 1).
   */
  protected stalled(explanation: string): void {
    this.log.warn({ framework: this.framework.name, waitedMs: this.batch.offerWaitTimeoutMs }, `${explanation}; still waiting`);
  }

  /** Starts the give-up wait (`offerWaitTimeoutMs`) if nothing of the batch runs and tasks remain to launch. */
  private awaitLaunch(): void {
    const timeoutMs = this.batch.offerWaitTimeoutMs;
    if (timeoutMs === undefined || this.waitTimer !== undefined || !this.idleWithTasksLeft()) return;
    this.waitTimer = this.delay(timeoutMs, () => {
      this.waitTimer = undefined;
      if (this.idleWithTasksLeft()) this.stalled(this.unfit.explain(`task '${this.framework.name}-${this.launches.length}'`));
    });
  }

  /** None of the batch's tasks runs (each launched one is terminal), and some are still to launch. */
  private idleWithTasksLeft(): boolean {
    return this.launches.length === this.outcomes.size && this.launches.length < this.batch.tasks;
  }

  /** Remembers an offer that held no task, and starts the wait before explaining (once per stall). */
  private noteUnfit(offer: Offer): void {
    this.unfit.note(offer);
    this.explainTimer ??= this.delay(UNFIT_OFFERS_EXPLAIN_AFTER_MS, () => {
      if (this.unfit.any) this.noOfferFits(this.unfit.explain(`task '${this.framework.name}-${this.launches.length}'`));
    });
  }

  /** Takes tasks out of what remains of `offer` while they fit, are still to launch and are under `tasksPerOffer`. */
  private fill(offer: Offer): TaskInfo[] {
    const tasks: TaskInfo[] = [];
    const limit = this.batch.tasksPerOffer ?? Number.POSITIVE_INFINITY;
    let remaining = Resources.fromJSON(offer.resources);
    while (this.launches.length < this.batch.tasks && tasks.length < limit) {
      const picked = fitInto(remaining, this.batch.taskResources, offer.allocationRole);
      if (!picked) break;
      remaining = remaining.subtract(picked);
      const taskId = `${this.framework.name}-${this.launches.length}`;
      this.launches.push({ taskId, agentId: offer.agentId });
      tasks.push({
        name: taskId, taskId, agentId: offer.agentId, resources: picked.toJSON(),
        command: { value: this.batch.command, environment: { MESOS_TASK_ID: taskId } },
      });
    }
    return tasks;
  }

  /**
   * After a master failover, and when an agent is lost: asks about every launched task that has
   * not ended, so that one the master no longer knows (its agent never came back) is answered
   * TASK_LOST instead of waited for in vain (HA walkthrough).
   */
  protected override reregistered(): void {
    this.reconcileOutstanding();
  }

  protected override agentLost(): void {
    this.reconcileOutstanding();
  }

  private reconcileOutstanding(): void {
    const outstanding = this.launches.filter(({ taskId }) => !this.outcomes.has(taskId)).map(({ taskId, agentId }) => ({ taskId, agentId }));
    if (outstanding.length > 0) this.reconcile(outstanding);
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.batch.onUpdate?.(status);
    if (!isTerminalState(status.state) || this.outcomes.has(status.taskId)) return;
    this.outcomes.set(status.taskId, status.state);
    if (this.outcomes.size < this.batch.tasks) {
      this.awaitLaunch();
      return;
    }
    const finished = [...this.outcomes.values()].filter((state) => state === 'TASK_FINISHED').length;
    this.resolveDone({ finished, failed: this.outcomes.size - finished, launches: [...this.launches] });
  }
}

// Run as a program, this example is `mesos-batch` (bin/mesos-batch.ts): same flags, same output.
if (require.main === module) require('../../../bin/mesos-batch');
