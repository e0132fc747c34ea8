/**
 * The agent's side of task groups (RunTaskGroup): the tasks are checkpointed, queued together
 * while their executor registers, delivered to it in one RunTaskGroupOnExecutor, and killed
 * together while still queued. The default executor runs with the agent's `defaultExecutor`.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { ExecutorInfo, StatusUpdate, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { MAX_EXECUTORS } from '../../../actors/agent/constants';
import { AGENT_ID, AgentHarness, EXECUTOR_MESSAGES, FRAMEWORK_ID, TimedProbe } from './harness';

const EXECUTOR: ExecutorInfo = { executorId: 'pod', frameworkId: FRAMEWORK_ID, type: 'DEFAULT', resources: Resources.parse('cpus:0.1;mem:32;disk:10').toJSON() };

function groupTask(taskId: string): TaskInfo {
  return { ...AgentHarness.commandTask(taskId), executor: EXECUTOR };
}

function runGroup(harness: AgentHarness, tasks: TaskInfo[], extra: { launchExecutor?: boolean; executor?: ExecutorInfo } = {}): void {
  harness.fromMaster('RunTaskGroup', {
    framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: FRAMEWORK_ID, executor: extra.executor ?? EXECUTOR, taskGroup: { tasks },
    ...(extra.launchExecutor !== undefined ? { launchExecutor: extra.launchExecutor } : {}),
  });
}

async function registerPod(harness: AgentHarness): Promise<TimedProbe> {
  const executor = new TimedProbe('executor-pod', [...EXECUTOR_MESSAGES, 'RunTaskGroupOnExecutor']);
  harness.host.spawn(executor);
  executor.post(harness.agentPid, 'RegisterExecutor', { frameworkId: FRAMEWORK_ID, executorId: 'pod', ...harness.launcher.tokenOf(FRAMEWORK_ID, 'pod') });
  await harness.clock.settle();
  return executor;
}

/** The updates the master got for `taskId`, as [state, reason]. */
function statesOf(harness: AgentHarness, taskId: string): Array<[string, string | undefined]> {
  return harness.forwarded().filter((update: StatusUpdate) => update.status.taskId === taskId).map((update) => [update.status.state, update.status.reason]);
}

describe('agent: task groups (RunTaskGroup)', () => {
  let harness: AgentHarness;

  beforeEach(async () => {
    harness = new AgentHarness();
    await harness.register();
  });

  afterEach(async () => {
    await harness.stop();
  });

  it('launches the default executor once with the agent\'s default executor command, and delivers the group whole when it registers', async () => {
    runGroup(harness, [groupTask('a'), groupTask('b')], { launchExecutor: true });
    await harness.clock.settle();
    expect(harness.launcher.runs).to.have.length(1);
    const launch = harness.launcher.run('pod').launch;
    // The harness gives the agent no `defaultExecutor`: the command executor's command stands in.
    expect(launch.command).to.deep.equal({ value: '/bin/true', shell: false });
    expect(launch.commandExecutor).to.equal(false);
    const state = await harness.state() as { frameworks: Array<{ executors: Array<{ id: string; type: string; queued_tasks: Array<{ id: string }> }> }> };
    expect(state.frameworks[0]?.executors[0]?.queued_tasks.map((task) => task.id)).to.deep.equal(['a', 'b']);
    expect(state.frameworks[0]?.executors[0]?.type).to.equal('DEFAULT');
    const executor = await registerPod(harness);
    const delivered = executor.bodies<{ taskGroup: { tasks: TaskInfo[] } }>('RunTaskGroupOnExecutor');
    expect(delivered.map((body) => body.taskGroup.tasks.map((task) => task.taskId))).to.deep.equal([['a', 'b']]);
    expect(executor.count('RunTaskOnExecutor')).to.equal(0);
    // A second group on the running executor: sent at once, alone.
    runGroup(harness, [groupTask('c')], { launchExecutor: false });
    await harness.clock.settle();
    expect(executor.bodies<{ taskGroup: { tasks: TaskInfo[] } }>('RunTaskGroupOnExecutor').map((body) => body.taskGroup.tasks.map((task) => task.taskId))).to.deep.equal([['a', 'b'], ['c']]);
    expect(harness.launcher.runs).to.have.length(1);
  });

  it('/state says type DEFAULT; the v1 operator API\'s GET_EXECUTORS (and GET_STATE) give the ExecutorInfo its type and no command', async () => {
    runGroup(harness, [groupTask('a'), groupTask('b')], { launchExecutor: true });
    await harness.clock.settle();
    const state = await harness.state() as { frameworks: Array<{ executors: Array<{ id: string; type: string }> }> };
    expect(state.frameworks[0]?.executors.map((executor) => [executor.id, executor.type])).to.deep.equal([['pod', 'DEFAULT']]);
    const seeAll = { framework: () => true, tasks: () => true, executors: () => true, flags: () => true, role: () => true };
    const v1 = await dispatch(harness.agent, (agent) => agent.v1State(seeAll));
    const executors = (v1.get_executors as { executors: Array<{ executor_info: Record<string, unknown> }> }).executors;
    expect(executors).to.have.length(1);
    expect(executors[0]?.executor_info).to.deep.include({ executor_id: { value: 'pod' }, type: 'DEFAULT', framework_id: { value: FRAMEWORK_ID } }).and.not.have.property('command');
  });

  it('kills the whole queued group when one of its tasks is killed; the executor, left with nothing, is shut down when it registers', async () => {
    runGroup(harness, [groupTask('a'), groupTask('b'), groupTask('c')], { launchExecutor: true });
    await harness.clock.settle();
    harness.fromMaster('KillTaskOnAgent', { frameworkId: FRAMEWORK_ID, taskId: 'b' });
    await harness.clock.settle();
    for (const taskId of ['a', 'b', 'c']) expect(statesOf(harness, taskId), taskId).to.deep.equal([['TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH']]);
    const executor = await registerPod(harness);
    expect(executor.count('RunTaskGroupOnExecutor')).to.equal(0);
    expect(executor.count('ShutdownExecutorOnExecutor')).to.equal(1);
  });

  it('a kill of a queued task that came alone leaves a queued group of the same executor alone', async () => {
    runGroup(harness, [groupTask('a'), groupTask('b')], { launchExecutor: true });
    harness.fromMaster('RunTask', { framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: FRAMEWORK_ID, task: groupTask('solo'), launchExecutor: false });
    await harness.clock.settle();
    harness.fromMaster('KillTaskOnAgent', { frameworkId: FRAMEWORK_ID, taskId: 'solo' });
    await harness.clock.settle();
    expect(statesOf(harness, 'solo')).to.deep.equal([['TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH']]);
    expect(statesOf(harness, 'a')).to.deep.equal([]);
    const executor = await registerPod(harness);
    expect(executor.bodies<{ taskGroup: { tasks: TaskInfo[] } }>('RunTaskGroupOnExecutor').map((body) => body.taskGroup.tasks.map((task) => task.taskId))).to.deep.equal([['a', 'b']]);
  });

  it('a kill of a delivered task goes to the executor for that task only (the executor decides for its group)', async () => {
    runGroup(harness, [groupTask('a'), groupTask('b')], { launchExecutor: true });
    await harness.clock.settle();
    const executor = await registerPod(harness);
    harness.fromMaster('KillTaskOnAgent', { frameworkId: FRAMEWORK_ID, taskId: 'a' });
    await harness.clock.settle();
    expect(executor.bodies<{ taskId: string }>('KillTaskOnExecutor').map((body) => body.taskId)).to.deep.equal(['a']);
    expect(harness.forwarded()).to.have.length(0);
  });

  it('fails every task of a group that names a bad task id, and launches nothing', async () => {
    runGroup(harness, [groupTask('ok'), groupTask('../escape')], { launchExecutor: true });
    await harness.clock.settle();
    expect(harness.launcher.runs).to.have.length(0);
    for (const taskId of ['ok', '../escape']) expect(statesOf(harness, taskId), taskId).to.deep.equal([['TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED']]);
    // The master counted the executor it asked for: it hears that it will not run.
    expect(harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId)).to.deep.equal(['pod']);
  });

  it(`tells the master its new executor will not run when the agent runs ${MAX_EXECUTORS} executors already (a group, and a task's custom executor)`, async () => {
    for (let index = 0; index < MAX_EXECUTORS; index++) harness.runTask(AgentHarness.commandTask(`t${index}`, 'sleep 60', { resources: Resources.parse('cpus:0.01').toJSON() }));
    await harness.clock.settle();
    runGroup(harness, [groupTask('a'), groupTask('b')], { launchExecutor: true });
    const custom: ExecutorInfo = { executorId: 'custom', frameworkId: FRAMEWORK_ID, command: { value: 'run-executor' }, resources: Resources.parse('cpus:0.1;mem:32').toJSON() };
    const { command: _command, ...alone } = AgentHarness.commandTask('alone');
    harness.fromMaster('RunTask', { framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: FRAMEWORK_ID, task: { ...alone, executor: custom }, launchExecutor: true });
    await harness.clock.settle();
    for (const taskId of ['a', 'b', 'alone']) expect(statesOf(harness, taskId), taskId).to.deep.equal([['TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED']]);
    // Else the master kept both executors (and their resources) for good.
    expect(harness.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId)).to.deep.equal(['pod', 'custom']);
  });

  it("drops every task of the group when the master's launchExecutor disagrees with the agent", async () => {
    runGroup(harness, [groupTask('a'), groupTask('b')], { launchExecutor: false });
    await harness.clock.settle();
    expect(harness.launcher.runs).to.have.length(0);
    for (const taskId of ['a', 'b']) expect(statesOf(harness, taskId), taskId).to.deep.equal([['TASK_LOST', 'REASON_EXECUTOR_TERMINATED']]);
    expect(harness.master.count('ExitedExecutor')).to.equal(1);
  });

  it('runs a task group that came before the registration reply once registered (as RunTask)', async () => {
    const late = new AgentHarness();
    try {
      await late.clock.advance(late.flags.registrationBackoffFactorMs);
      runGroup(late, [{ ...groupTask('early'), agentId: AGENT_ID }], { launchExecutor: true });
      await late.clock.settle();
      expect(late.launcher.runs).to.have.length(0);
      late.fromMaster('AgentRegistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
      await late.clock.settle();
      expect(late.launcher.runs.map((run) => run.launch.executorId)).to.deep.equal(['pod']);
    } finally {
      await late.stop();
    }
  });
});
