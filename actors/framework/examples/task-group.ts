// actors/framework/examples/task-group.ts: task groups on the agents' default executor.
//
// Launches `groups` task groups of `tasksPerGroup` shell tasks each, one group per offer that can
// hold it (LAUNCH_GROUP), each on a default executor of its own (`ExecutorInfo.type` DEFAULT, no
// command: the agent runs its built-in one). The tasks of a group start together, each in its own
// sandbox (`tasks/<taskId>` in the executor's), and share its fate: one that fails takes the
// others with it. Prints every state change; exits 0 once every task finished. Run it against a
// cluster:
//   node dist/actors/framework/examples/task-group.js 127.0.0.1:5050 [groups] [tasks per group]
import * as os from 'node:os';
import { ActorHost } from '../../../lib/process';
import { Resources } from '../../../lib/resources';
import { isTerminalState, type ExecutorInfo, type Offer, type TaskInfo, type TaskStatus } from '../../../lib/protocol';
import { fitInto } from '../offers';
import { Scheduler, type SchedulerOptions } from '../scheduler';

/** Offers the example does not need are declined for this long. */
export const TASK_GROUP_EXAMPLE_REFUSE_SECONDS = 5;

/** What the default executor of each group uses, beside its tasks (the master's minimum for an executor, and some disk). */
export const TASK_GROUP_EXAMPLE_EXECUTOR_RESOURCES = 'cpus:0.1;mem:32;disk:32';

/** Tasks in one group at most (the master's own bound is higher; an example needs no more). */
export const TASK_GROUP_EXAMPLE_MAX_TASKS_PER_GROUP = 100;

/** What the task group example does. */
export interface TaskGroupExampleOptions extends SchedulerOptions {
  /** How many task groups it runs (at least 1). */
  groups: number;
  /** Tasks in each group (1 to `TASK_GROUP_EXAMPLE_MAX_TASKS_PER_GROUP`). */
  tasksPerGroup: number;
  /** What each task uses, e.g. `cpus:0.1;mem:32`. */
  taskResources: Resources;
  /** What each group's executor uses (default `TASK_GROUP_EXAMPLE_EXECUTOR_RESOURCES`). */
  executorResources?: Resources;
  /** The shell command of task `task` (from 1) of group `group` (from 1); default `taskGroupCommand`. */
  commandOf?: (group: number, task: number) => string;
  /** Called on every task state change. */
  onUpdate?: (status: TaskStatus) => void;
}

/** How the example ended. */
export interface TaskGroupExampleResult {
  /** Groups launched. */
  groups: number;
  /** The last state of every task, by task id. */
  states: Record<string, TaskStatus['state']>;
  /** True when every task of every group finished. */
  succeeded: boolean;
}

/** The default task: says which it is, into `out` in its own sandbox and on its stdout. */
export function taskGroupCommand(group: number, task: number): string {
  return `echo "group ${group} task ${task} in $MESOS_SANDBOX" | tee out`;
}

/**
 * One LAUNCH_GROUP (`Scheduler.launchGroup`) per offer that holds a whole group (its executor's resources and all its
 * tasks'), until `groups` are launched; done once every task has ended.
 *
 *   const example = new TaskGroupExample({ master, framework: { name: 'groups', user }, groups: 2, tasksPerGroup: 3,
 *     taskResources: Resources.parse('cpus:0.1;mem:32') });
 *   host.spawn(example);
 *   const { succeeded, states } = await example.done;
 */
export class TaskGroupExample extends Scheduler {
  /** Resolves once every task of every group has ended (or the framework failed). */
  readonly done: Promise<TaskGroupExampleResult>;
  private resolveDone!: (result: TaskGroupExampleResult) => void;
  /** Groups launched so far. */
  private launched = 0;
  /** The last state of each task launched. */
  private readonly states: Record<string, TaskStatus['state']> = {};
  /** Tasks launched that have not ended. */
  private live = 0;

  constructor(private readonly example: TaskGroupExampleOptions) {
    super(example);
    if (!Number.isInteger(example.groups) || example.groups < 1) throw new Error(`groups: ${example.groups}; at least 1`);
    const tasks = example.tasksPerGroup;
    if (!Number.isInteger(tasks) || tasks < 1 || tasks > TASK_GROUP_EXAMPLE_MAX_TASKS_PER_GROUP) throw new Error(`tasksPerGroup: ${tasks}; 1 to ${TASK_GROUP_EXAMPLE_MAX_TASKS_PER_GROUP}`);
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const group = this.launched < this.example.groups ? this.nextGroup(offer) : undefined;
      if (group === undefined) this.decline(offer.id, { refuseSeconds: TASK_GROUP_EXAMPLE_REFUSE_SECONDS });
      // The rest of the offer comes back at once: the next group may fit in it.
      else this.launchGroup(offer.id, group.executor, group.tasks, { refuseSeconds: 0 });
    }
  }

  /** The next group, on a default executor of its own, when `offer` holds it whole. */
  private nextGroup(offer: Offer): { executor: ExecutorInfo; tasks: TaskInfo[] } | undefined {
    const role = offer.allocationRole ?? '*';
    let available = Resources.fromJSON(offer.resources);
    const executorResources = fitInto(available, this.example.executorResources ?? Resources.parse(TASK_GROUP_EXAMPLE_EXECUTOR_RESOURCES), role);
    if (executorResources === undefined) return undefined;
    available = available.subtract(executorResources);
    const group = this.launched + 1;
    const tasks: TaskInfo[] = [];
    for (let task = 1; task <= this.example.tasksPerGroup; task++) {
      const resources = fitInto(available, this.example.taskResources, role);
      if (resources === undefined) return undefined;
      available = available.subtract(resources);
      const taskId = `${this.framework.name}-group-${group}-task-${task}`;
      tasks.push({ name: taskId, taskId, agentId: offer.agentId, resources: resources.toJSON(), command: { value: (this.example.commandOf ?? taskGroupCommand)(group, task) } });
    }
    this.launched = group;
    this.live += tasks.length;
    for (const task of tasks) this.states[task.taskId] = 'TASK_STAGING';
    return { executor: { executorId: `${this.framework.name}-executor-${group}`, type: 'DEFAULT', resources: executorResources.toJSON() }, tasks };
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.example.onUpdate?.(status);
    const known = this.states[status.taskId];
    if (known === undefined || isTerminalState(known)) return;
    this.states[status.taskId] = status.state;
    if (!isTerminalState(status.state)) return;
    this.live--;
    if (this.live === 0 && this.launched === this.example.groups) this.resolveDone(this.result());
  }

  protected override error(message: string): void {
    console.error(`task group example: ${message}`);
    this.resolveDone(this.result());
  }

  private result(): TaskGroupExampleResult {
    const states = { ...this.states };
    const succeeded = this.launched === this.example.groups && Object.values(states).every((state) => state === 'TASK_FINISHED');
    return { groups: this.launched, states, succeeded };
  }
}

async function main(): Promise<void> {
  const [master = '127.0.0.1:5050', groups = '2', tasksPerGroup = '3'] = process.argv.slice(2);
  const host = await ActorHost.start({ port: 0 });
  const example = new TaskGroupExample({
    master, masterTimeoutMs: 30_000,
    framework: { name: 'task-group', user: os.userInfo().username },
    groups: Number(groups), tasksPerGroup: Number(tasksPerGroup), taskResources: Resources.parse('cpus:0.1;mem:32'),
    onUpdate: (status) => console.log(status.taskId, status.state, status.message ?? ''),
  });
  host.spawn(example);
  const result = await example.done;
  console.log(`${result.groups} task groups ran; ${Object.values(result.states).filter((state) => state === 'TASK_FINISHED').length} of ${Object.keys(result.states).length} tasks finished`);
  example.stop();
  await host.stop();
  process.exit(result.succeeded ? 0 : 1);
}

if (require.main === module) void main();
