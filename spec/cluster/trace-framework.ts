/** The framework whose run the trace tests record and replay. */
import { Resources } from '../../lib/resources';
import { isTerminalState, type Offer, type TaskInfo, type TaskStatus } from '../../lib/protocol';
import { fitInto } from '../../actors/framework/offers';
import { Scheduler } from '../../actors/framework/scheduler';

/** The tasks it runs: two that finish, and one that it kills as soon as it runs. */
export const TRACED_TASKS: ReadonlyArray<{ taskId: string; command: string }> = [
  { taskId: 'quick-1', command: 'true' },
  { taskId: 'quick-2', command: 'echo traced' },
  { taskId: 'sleeper', command: 'exec sleep 60' },
];

/** The task it kills once it is running. */
export const KILLED_TASK = 'sleeper';

/** What each task asks for. */
const TASK_RESOURCES = Resources.parse('cpus:0.1;mem:32');

/** Offers it does not need are refused for this long. */
const REFUSE_SECONDS = 3600;

/**
 * Launches `TRACED_TASKS` on the offers as they fit, kills `KILLED_TASK` once it is running, and
 * stops (unregistering the framework) when every task has ended. It decides from its messages
 * alone, so a replay of its trace must send exactly what it sent.
 */
export class TracedFramework extends Scheduler {
  /** Every status received, in order. */
  readonly statuses: TaskStatus[] = [];
  /** Tasks not launched yet, in order. */
  private readonly unlaunched = [...TRACED_TASKS];
  /** The kill has been sent. */
  private killSent = false;

  constructor(master: string) {
    super({ master, framework: { name: 'traced', user: 'test' }, registrationBackoffFactorMs: 200 });
  }

  /** Terminal state per task, once ended. */
  outcomes(): Map<string, string> {
    const outcomes = new Map<string, string>();
    for (const status of this.statuses) if (isTerminalState(status.state)) outcomes.set(status.taskId, status.state);
    return outcomes;
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      let available = Resources.fromJSON(offer.resources);
      const tasks: TaskInfo[] = [];
      for (let next = this.unlaunched[0]; next !== undefined; next = this.unlaunched[0]) {
        const picked = fitInto(available, TASK_RESOURCES, offer.allocationRole);
        if (picked === undefined) break;
        available = available.subtract(picked);
        this.unlaunched.shift();
        tasks.push({ name: next.taskId, taskId: next.taskId, agentId: offer.agentId, resources: picked.toJSON(), command: { value: next.command } });
      }
      if (tasks.length === 0) this.decline(offer.id, { refuseSeconds: REFUSE_SECONDS });
      else this.launch(offer.id, tasks, { refuseSeconds: REFUSE_SECONDS });
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.statuses.push(status);
    if (status.taskId === KILLED_TASK && status.state === 'TASK_RUNNING' && !this.killSent) {
      this.killSent = true;
      this.kill(KILLED_TASK);
    }
    if (this.outcomes().size === TRACED_TASKS.length) {
      // The last update is acknowledged before the framework goes (a stopped scheduler acknowledges nothing).
      this.acknowledge(status);
      this.stop();
    }
  }
}
