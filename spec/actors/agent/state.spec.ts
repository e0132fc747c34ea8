/**
 * The agent's books as `/slave(1)/state` shows them: which frameworks are live or completed,
 * and where each task sits once it ends (Mesos' `Slave::completedFrameworks`,
 * `Framework::completedExecutors`, `Executor::completedTasks`).
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { isTerminalState, MAX_COMPLETED_FRAMEWORKS, type TaskState } from '../../../lib/protocol';
import { MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK } from '../../../actors/agent/constants';
import { AgentHarness, FRAMEWORK_ID } from './harness';
import { Resources } from '../../../lib/resources';
import type { StateViewer } from '../../../lib/state-json';
import { parseAcls } from '../../../lib/acls';

interface StateStatus { state: TaskState; reason?: string }
interface StateTask { id: string; framework_id: string; state: TaskState; statuses: StateStatus[] }
interface StateExecutor { id: string; state: string; tasks: StateTask[]; queued_tasks: Array<{ id: string }>; completed_tasks: StateTask[] }
interface StateFramework { id: string; executors: StateExecutor[]; completed_executors: StateExecutor[] }
interface AgentState { frameworks: StateFramework[]; completed_frameworks: StateFramework[] }

/** A second framework, beside the harness' FRAMEWORK_ID. */
const OTHER_FRAMEWORK_ID = 'F2';

describe('agent books in /state (harness: virtual clock, fake master, fake executors)', () => {
  let harness: AgentHarness;

  beforeEach(async () => {
    harness = new AgentHarness();
    await harness.register();
  });

  afterEach(async () => {
    await harness.stop();
  });

  async function state(): Promise<AgentState> {
    return (await harness.state()) as unknown as AgentState;
  }

  /** Acknowledges, as the framework would, every update the agent forwarded for the task, until none is left in flight. */
  async function acknowledgeAll(frameworkId: string, taskId: string): Promise<void> {
    const acknowledged = new Set<string>();
    for (;;) {
      const next = harness.forwarded().find((update) => update.frameworkId === frameworkId && update.status.taskId === taskId && !acknowledged.has(update.uuid ?? ''));
      if (next === undefined) return;
      acknowledged.add(next.uuid ?? '');
      harness.acknowledge(next);
      await harness.clock.settle();
    }
  }

  /**
   * One command task from RunTask to the end: the executor registers, reports RUNNING then
   * FINISHED, the framework acknowledges both, and the executor exits (before the last
   * acknowledgement when `exitFirst`, as a command executor may).
   */
  async function runToCompletion(frameworkId: string, taskId: string, exitFirst = false): Promise<void> {
    harness.runTask(AgentHarness.commandTask(taskId, 'true'), [], frameworkId);
    await harness.clock.settle();
    const executor = await harness.registerExecutor(taskId, frameworkId);
    harness.sendUpdate(executor, { ...harness.executorUpdate(taskId, 'TASK_RUNNING'), frameworkId });
    harness.sendUpdate(executor, { ...harness.executorUpdate(taskId, 'TASK_FINISHED'), frameworkId });
    await harness.clock.settle();
    const exit = (): void => harness.launcher.runs.filter((run) => run.launch.frameworkId === frameworkId && run.launch.executorId === taskId).at(-1)?.exit();
    if (exitFirst) exit();
    await acknowledgeAll(frameworkId, taskId);
    if (!exitFirst) exit();
    await harness.clock.settle();
  }

  function completedTaskIds(framework: StateFramework | undefined): string[] {
    return (framework?.completed_executors ?? []).flatMap((executor) => executor.completed_tasks.map((task) => task.id));
  }

  function idsOf(frameworks: readonly StateFramework[]): string[] {
    return frameworks.map((framework) => framework.id);
  }

  describe('completed frameworks', () => {
    it('lists a framework whose 20 tasks ran one after another once in completed_frameworks, with all 20 tasks completed', async () => {
      const taskIds = Array.from({ length: 20 }, (_, index) => `batch-${index}`);
      for (const [index, taskId] of taskIds.entries()) await runToCompletion(FRAMEWORK_ID, taskId, index % 2 === 0);
      const books = await state();
      expect(idsOf(books.frameworks)).to.deep.equal([]);
      expect(idsOf(books.completed_frameworks)).to.deep.equal([FRAMEWORK_ID]);
      const framework = books.completed_frameworks[0];
      expect(framework?.completed_executors.map((executor) => executor.id)).to.deep.equal(taskIds);
      expect(completedTaskIds(framework)).to.deep.equal(taskIds);
      for (const executor of framework?.completed_executors ?? []) {
        expect(executor.state).to.equal('TERMINATED');
        expect(executor.tasks).to.deep.equal([]);
        expect(executor.completed_tasks.map((task) => task.state)).to.deep.equal(['TASK_FINISHED']);
      }
    });

    it(`does not evict a framework completed earlier when another completes ${MAX_COMPLETED_FRAMEWORKS} times`, async () => {
      await runToCompletion(OTHER_FRAMEWORK_ID, 'early');
      for (let index = 0; index < MAX_COMPLETED_FRAMEWORKS; index++) await runToCompletion(FRAMEWORK_ID, `batch-${index}`);
      const books = await state();
      expect(idsOf(books.completed_frameworks)).to.deep.equal([OTHER_FRAMEWORK_ID, FRAMEWORK_ID]);
      expect(completedTaskIds(books.completed_frameworks[0])).to.deep.equal(['early']);
      expect(completedTaskIds(books.completed_frameworks[1])).to.have.length(MAX_COMPLETED_FRAMEWORKS);
    });

    it(`keeps the latest ${MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK} completed executors of a framework across its comebacks`, async () => {
      const count = MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK + 5;
      const taskIds = Array.from({ length: count }, (_, index) => `batch-${index}`);
      for (const taskId of taskIds) await runToCompletion(FRAMEWORK_ID, taskId);
      const books = await state();
      expect(idsOf(books.completed_frameworks)).to.deep.equal([FRAMEWORK_ID]);
      expect(completedTaskIds(books.completed_frameworks[0])).to.deep.equal(taskIds.slice(5));
    });

    it(`keeps the latest ${MAX_COMPLETED_FRAMEWORKS} distinct completed frameworks, oldest evicted first`, async () => {
      const frameworkIds = Array.from({ length: MAX_COMPLETED_FRAMEWORKS + 2 }, (_, index) => `F-${index}`);
      for (const frameworkId of frameworkIds) await runToCompletion(frameworkId, 'T1');
      expect(idsOf((await state()).completed_frameworks)).to.deep.equal(frameworkIds.slice(2));
    });

    it('moves a framework that comes back from completed_frameworks to frameworks, keeping its completed executors (Mesos)', async () => {
      await runToCompletion(FRAMEWORK_ID, 'first');
      harness.runTask(AgentHarness.commandTask('second'));
      await harness.clock.settle();
      let books = await state();
      expect(idsOf(books.frameworks)).to.deep.equal([FRAMEWORK_ID]);
      expect(idsOf(books.completed_frameworks)).to.deep.equal([]);
      expect(books.frameworks[0]?.executors.map((executor) => executor.id)).to.deep.equal(['second']);
      expect(completedTaskIds(books.frameworks[0])).to.deep.equal(['first']);

      const executor = await harness.registerExecutor('second');
      harness.sendUpdate(executor, harness.executorUpdate('second', 'TASK_FINISHED'));
      await harness.clock.settle();
      await acknowledgeAll(FRAMEWORK_ID, 'second');
      harness.launcher.run('second').exit();
      await harness.clock.settle();
      books = await state();
      expect(idsOf(books.frameworks)).to.deep.equal([]);
      expect(idsOf(books.completed_frameworks)).to.deep.equal([FRAMEWORK_ID]);
      expect(completedTaskIds(books.completed_frameworks[0])).to.deep.equal(['first', 'second']);
    });
  });

  describe('terminal tasks', () => {
    it('shows a terminal task whose update awaits its acknowledgement in completed_tasks, not in tasks (Mesos)', async () => {
      harness.runTask(AgentHarness.commandTask('T1'));
      await harness.clock.settle();
      const executor = await harness.registerExecutor('T1');
      harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_FAILED'));
      await harness.clock.settle();
      const live = (await state()).frameworks[0]?.executors[0];
      expect(live?.tasks).to.deep.equal([]);
      expect(live?.completed_tasks.map((task) => [task.id, task.state])).to.deep.equal([['T1', 'TASK_FAILED']]);
    });

    it('moves the tasks of a framework shut down while they run to completed_tasks in a terminal state once its executors end', async () => {
      const custom = { executorId: 'E1', command: { value: 'x' } };
      const neverRegisters = { executorId: 'E2', command: { value: 'x' } };
      harness.runTask(AgentHarness.commandTask('command'));
      harness.runTask({ ...AgentHarness.commandTask('running'), command: undefined, executor: custom });
      harness.runTask({ ...AgentHarness.commandTask('finished'), command: undefined, executor: custom });
      harness.runTask({ ...AgentHarness.commandTask('queued'), command: undefined, executor: neverRegisters });
      await harness.clock.settle();
      const commandExecutor = await harness.registerExecutor('command');
      const customExecutor = await harness.registerExecutor('E1');
      harness.sendUpdate(commandExecutor, harness.executorUpdate('command', 'TASK_RUNNING'));
      harness.sendUpdate(customExecutor, { ...harness.executorUpdate('running', 'TASK_RUNNING'), executorId: 'E1' });
      harness.sendUpdate(customExecutor, { ...harness.executorUpdate('finished', 'TASK_FINISHED'), executorId: 'E1' });
      await harness.clock.settle();
      await acknowledgeAll(FRAMEWORK_ID, 'command');
      await acknowledgeAll(FRAMEWORK_ID, 'running');
      const forwardedBefore = harness.forwarded().length;

      harness.fromMaster('ShutdownFramework', { frameworkId: FRAMEWORK_ID });
      await harness.clock.settle();
      expect(commandExecutor.count('ShutdownExecutorOnExecutor')).to.equal(1);
      expect(customExecutor.count('ShutdownExecutorOnExecutor')).to.equal(1);
      // The executors report their kills on the way out; the agent tells the framework nothing more (Mesos).
      harness.sendUpdate(commandExecutor, harness.executorUpdate('command', 'TASK_KILLED'));
      harness.launcher.run('command').exit({ code: 0, signal: null });
      harness.launcher.run('E1').exit({ code: null, signal: 'SIGTERM' });
      await harness.clock.settle();
      expect(harness.forwarded()).to.have.length(forwardedBefore);

      const books = await state();
      expect(idsOf(books.frameworks)).to.deep.equal([]);
      expect(idsOf(books.completed_frameworks)).to.deep.equal([FRAMEWORK_ID]);
      const executors = books.completed_frameworks[0]?.completed_executors ?? [];
      expect(executors.map((executor) => [executor.id, executor.state]).sort()).to.deep.equal([['E1', 'TERMINATED'], ['E2', 'TERMINATED'], ['command', 'TERMINATED']]);
      for (const executor of executors) {
        expect(executor.tasks, executor.id).to.deep.equal([]);
        expect(executor.queued_tasks, executor.id).to.deep.equal([]);
      }
      const completed = executors.flatMap((executor) => executor.completed_tasks);
      expect(completed.map((task) => [task.id, task.state]).sort()).to.deep.equal([
        ['command', 'TASK_KILLED'], ['finished', 'TASK_FINISHED'], ['queued', 'TASK_KILLED'], ['running', 'TASK_KILLED'],
      ]);
      for (const task of completed) {
        expect(isTerminalState(task.state), task.id).to.equal(true);
        expect(task.statuses.at(-1)?.state, task.id).to.equal(task.state);
      }
      const killed = completed.filter((task) => task.state === 'TASK_KILLED');
      expect(killed.map((task) => task.statuses.at(-1)?.reason)).to.deep.equal(['REASON_FRAMEWORK_REMOVED', 'REASON_FRAMEWORK_REMOVED', 'REASON_FRAMEWORK_REMOVED']);
    });
  });

  it('v1 GET_TASKS lists a task only where its executor may be seen, as Mesos\' jsonifyGetTasks; GET_EXECUTORS renders no task (review and hostile pass)', async () => {
    harness.runTask(AgentHarness.commandTask('T1'));
    await harness.clock.settle();
    const executor = await harness.registerExecutor('T1');
    harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING'));
    await harness.clock.settle();
    const seeAll = { framework: () => true, tasks: () => true, executors: () => true, flags: () => true, role: () => true };
    const noExecutors = { ...seeAll, executors: () => false };
    const all = await dispatch(harness.agent, (agent) => agent.v1State(seeAll));
    expect((all.get_tasks as { launched_tasks: unknown[] }).launched_tasks).to.have.length(1);
    const hidden = await dispatch(harness.agent, (agent) => agent.v1State(noExecutors));
    expect(hidden.get_tasks).to.deep.include({ launched_tasks: [], queued_tasks: [] });
    expect(hidden.get_executors).to.deep.equal({ executors: [], completed_executors: [] });
    const executorsOnly = await dispatch(harness.agent, (agent) => agent.v1State(seeAll, ['get_executors']));
    expect(Object.keys(executorsOnly)).to.deep.equal(['get_executors']);
  });

  it('v1 GET_STATE gives an executor\'s and a task\'s resources the role they were allocated to (allocation_info), as Mesos\' agent does', async () => {
    const task = AgentHarness.commandTask('T1', 'unused', { executor: { executorId: 'E1', command: { value: 'run-executor' }, resources: Resources.parse('cpus:0.5;mem:32').toJSON() } });
    harness.fromMaster('RunTask', { framework: { id: 'F1', name: 'fw', user: 'u', roles: ['eng'], capabilities: ['MULTI_ROLE'] }, frameworkId: 'F1', task, role: 'eng' });
    await harness.clock.settle();
    const executor = await harness.registerExecutor('E1');
    harness.sendUpdate(executor, { ...harness.executorUpdate('T1', 'TASK_RUNNING'), executorId: 'E1' });
    await harness.clock.settle();
    const seeAll = { framework: () => true, tasks: () => true, executors: () => true, flags: () => true, role: () => true };
    const state = await dispatch(harness.agent, (agent) => agent.v1State(seeAll));
    type WithResources = { resources: Array<{ name: string; allocation_info?: { role: string } }> };
    const [info] = (state.get_executors as { executors: Array<{ executor_info: WithResources }> }).executors;
    expect(info?.executor_info.resources.map((resource) => [resource.name, resource.allocation_info?.role])).to.deep.equal([['cpus', 'eng'], ['mem', 'eng']]);
    const [launched] = (state.get_tasks as { launched_tasks: WithResources[] }).launched_tasks;
    expect(launched?.resources.map((resource) => resource.allocation_info?.role)).to.deep.equal(['eng', 'eng']);
  });

  it('view_tasks and view_executors decide by the user a task and its executor run as (the command\'s, else the framework\'s), as Mesos; they decided by the framework\'s user', async () => {
    harness.runTask(AgentHarness.commandTask('T1', 'sleep 60', { command: { value: 'sleep 60', user: 'alice' } }));
    harness.runTask(AgentHarness.commandTask('T2'));
    await harness.clock.settle();
    for (const taskId of ['T1', 'T2']) harness.sendUpdate(await harness.registerExecutor(taskId), harness.executorUpdate(taskId, 'TASK_RUNNING'));
    await harness.clock.settle();
    const as = (user: string): StateViewer => ({ framework: () => true, tasks: (of) => of === user, executors: (of) => of === user, flags: () => true, role: () => true });
    for (const [user, seen] of [['alice', 'T1'], ['u', 'T2']] as const) {
      const v1 = await dispatch(harness.agent, (agent) => agent.v1State(as(user)));
      expect((v1.get_tasks as { launched_tasks: Array<{ task_id: { value: string } }> }).launched_tasks.map((task) => task.task_id.value), user).to.deep.equal([seen]);
      expect((v1.get_executors as { executors: Array<{ executor_info: { executor_id: { value: string } } }> }).executors.map((executor) => executor.executor_info.executor_id.value), user).to.deep.equal([seen]);
      const response = await dispatch(harness.agent, (agent) => agent.stateResponse(as(user)));
      const json = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as { frameworks: Array<{ executors: Array<{ id: string; tasks: Array<{ id: string }> }> }> };
      expect(json.frameworks[0]?.executors.map((executor) => `${executor.id}:${executor.tasks.map((task) => task.id).join()}`), user).to.deep.equal([`${seen}:${seen}`]);
    }
    // access_sandboxes and the containers' view_containers ask the same of the agent.
    const users = await dispatch(harness.agent, (agent) => [agent.executorUser(FRAMEWORK_ID, 'T1'), agent.executorUser(FRAMEWORK_ID, 'T2'), agent.executorUser(FRAMEWORK_ID, 'gone'), agent.executorUser(FRAMEWORK_ID), agent.executorUser('unknown', 'T1')]);
    expect(users).to.deep.equal(['alice', 'u', 'u', 'u', undefined]);
  });

  it('/containers lists a container to a caller whose view_containers allow the user its executor runs as (Mesos\' VIEW_CONTAINER; it was view_executors by the framework\'s user)', async () => {
    const acls = parseAcls({ permissive: false, view_containers: [{ principals: { type: 'ANY' }, users: { values: ['alice'] } }], get_endpoints: [{ principals: { type: 'ANY' }, paths: { type: 'ANY' } }] });
    const guarded = new AgentHarness({}, undefined, { acls });
    try {
      await guarded.register();
      guarded.runTask(AgentHarness.commandTask('T1', 'sleep 60', { command: { value: 'sleep 60', user: 'alice' } }));
      guarded.runTask(AgentHarness.commandTask('T2'));
      await guarded.clock.settle();
      for (const taskId of ['T1', 'T2']) await guarded.registerExecutor(taskId);
      const response = await dispatch(guarded.agent, (agent) => agent['containersRoute']({ method: 'GET', path: '/containers', query: {}, headers: {}, body: '' } as unknown as Parameters<typeof agent['containersRoute']>[0]));
      const body = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Array<{ executor_id: string }>;
      expect(body.map((container) => container.executor_id)).to.deep.equal(['T1']);
    } finally {
      await guarded.host.stop();
    }
  });
});
