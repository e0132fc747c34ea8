/**
 * How an agent shows a task group's default executor: `/state` names its type DEFAULT (Mesos
 * writes `ExecutorInfo.type`), and the v1 operator API's GET_EXECUTORS and GET_STATE give its
 * ExecutorInfo with `type` and without a command.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { ExecutorInfo, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { AgentHarness, FRAMEWORK_ID } from './harness';

const POD: ExecutorInfo = { executorId: 'pod', frameworkId: FRAMEWORK_ID, type: 'DEFAULT', resources: Resources.parse('cpus:0.1;mem:32;disk:10').toJSON() };

describe('agent: a task group\'s default executor in /state and the v1 operator API', () => {
  let harness: AgentHarness;

  beforeEach(async () => {
    harness = new AgentHarness();
    await harness.register();
  });

  afterEach(async () => {
    await harness.stop();
  });

  it('/state says type DEFAULT; GET_EXECUTORS and GET_STATE give the ExecutorInfo its type and no command', async () => {
    const tasks: TaskInfo[] = ['a', 'b'].map((taskId) => ({ ...AgentHarness.commandTask(taskId), executor: POD }));
    harness.fromMaster('RunTaskGroup', { framework: { id: FRAMEWORK_ID, name: 'fw', user: 'u' }, frameworkId: FRAMEWORK_ID, executor: POD, taskGroup: { tasks }, launchExecutor: true });
    await harness.clock.settle();
    const state = await harness.state() as { frameworks: Array<{ executors: Array<{ id: string; type: string }> }> };
    expect(state.frameworks[0]?.executors.map((executor) => [executor.id, executor.type])).to.deep.equal([['pod', 'DEFAULT']]);
    const seeAll = { framework: () => true, tasks: () => true, executors: () => true, flags: () => true, role: () => true };
    const v1 = await dispatch(harness.agent, (agent) => agent.v1State(seeAll));
    const executors = (v1.get_executors as { executors: Array<{ executor_info: Record<string, unknown> }> }).executors;
    expect(executors).to.have.length(1);
    expect(executors[0]?.executor_info).to.deep.include({ executor_id: { value: 'pod' }, type: 'DEFAULT', framework_id: { value: FRAMEWORK_ID } }).and.not.have.property('command');
  });
});
