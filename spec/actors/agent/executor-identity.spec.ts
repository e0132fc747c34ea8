/**
 * Issue 9: the agent vouches for its executors. Each run gets a random token in its environment
 * (`MESOS_EXECUTOR_AUTHENTICATION_TOKEN`) and registers with it; after that only the registered
 * executor's pid speaks for it. Framework and executor ids are public (state endpoints), so
 * without this any process that can reach the agent could take an executor's tasks, or report
 * them finished while they run.
 */
import { expect } from 'chai';
import { executorEnvironment } from '../../../actors/agent';
import { executorOptionsFromEnvironment } from '../../../actors/framework/executor';
import { AgentHarness, EXECUTOR_MESSAGES, FRAMEWORK_ID, TimedProbe } from './harness';

describe('actors/agent: executors prove who they are (issue 9)', () => {
  let harness: AgentHarness;

  beforeEach(async () => {
    harness = new AgentHarness();
    await harness.register();
  });

  afterEach(async () => {
    await harness.stop();
  });

  /** A process on the network posing as executor T1 with the given registration body. */
  async function impostor(body: Record<string, unknown>): Promise<TimedProbe> {
    const probe = new TimedProbe(`impostor-${Object.keys(body).length}-${String(body.token ?? 'none').slice(0, 4)}`, EXECUTOR_MESSAGES);
    harness.host.spawn(probe);
    probe.post(harness.agentPid, 'RegisterExecutor', body);
    await harness.clock.settle();
    return probe;
  }

  it('each run gets its own 64-hex-digit token in the environment, and the Executor base reads it', async () => {
    harness.runTask(AgentHarness.commandTask('T1'));
    harness.runTask(AgentHarness.commandTask('T2'));
    await harness.clock.settle();
    const tokens = harness.launcher.runs.map((run) => run.launch.token);
    expect(tokens).to.have.length(2);
    for (const token of tokens) expect(token).to.match(/^[0-9a-f]{64}$/);
    expect(tokens[0]).to.not.equal(tokens[1]);
    const launch = harness.launcher.run('T1').launch;
    const environment = executorEnvironment(launch, {});
    expect(environment.MESOS_EXECUTOR_AUTHENTICATION_TOKEN).to.equal(launch.token);
    expect(executorOptionsFromEnvironment(environment).token).to.equal(launch.token);
  });

  it('a registration without the token, or with another run\'s, is refused (shut down); the real executor then registers and gets its task', async () => {
    harness.runTask(AgentHarness.commandTask('T1'));
    harness.runTask(AgentHarness.commandTask('T2'));
    await harness.clock.settle();
    const noToken = await impostor({ frameworkId: FRAMEWORK_ID, executorId: 'T1' });
    const otherRun = await impostor({ frameworkId: FRAMEWORK_ID, executorId: 'T1', token: harness.launcher.run('T2').launch.token });
    for (const probe of [noToken, otherRun]) {
      expect(probe.count('ShutdownExecutorOnExecutor')).to.equal(1);
      expect(probe.count('ExecutorRegistered')).to.equal(0);
      expect(probe.count('RunTaskOnExecutor')).to.equal(0);
    }
    const real = await harness.registerExecutor('T1');
    expect(real.count('ExecutorRegistered')).to.equal(1);
    expect(real.count('RunTaskOnExecutor')).to.equal(1);
  });

  it('a status update for a task from anyone but its executor is ignored: the master hears nothing, the task keeps running', async () => {
    harness.runTask(AgentHarness.commandTask('T1'));
    await harness.clock.settle();
    const executor = await harness.registerExecutor('T1');
    executor.post(harness.agentPid, 'StatusUpdate', { update: harness.executorUpdate('T1', 'TASK_RUNNING') });
    await harness.clock.settle();
    expect(harness.master.count('StatusUpdate')).to.equal(1);
    const forger = new TimedProbe('forger', EXECUTOR_MESSAGES);
    harness.host.spawn(forger);
    forger.post(harness.agentPid, 'StatusUpdate', { update: harness.executorUpdate('T1', 'TASK_FINISHED') });
    // And for a task no executor has: no stream is opened for it.
    forger.post(harness.agentPid, 'StatusUpdate', { update: harness.executorUpdate('T9', 'TASK_FINISHED') });
    await harness.clock.settle();
    expect(harness.master.count('StatusUpdate')).to.equal(1);
    expect(forger.count('StatusUpdateAcknowledgement')).to.equal(0);
    const state = await harness.state() as { frameworks: Array<{ executors: Array<{ tasks: Array<{ id: string; state: string }> }> }> };
    expect(state.frameworks[0]?.executors[0]?.tasks.map((task) => [task.id, task.state])).to.deep.equal([['T1', 'TASK_RUNNING']]);
  });

  it("a framework message in an executor's name from another pid is dropped; from the executor it reaches the master", async () => {
    harness.runTask(AgentHarness.commandTask('T1'));
    await harness.clock.settle();
    const executor = await harness.registerExecutor('T1');
    const forger = new TimedProbe('forger', EXECUTOR_MESSAGES);
    harness.host.spawn(forger);
    const message = { agentId: 'A1', frameworkId: FRAMEWORK_ID, executorId: 'T1', data: 'hello' };
    forger.post(harness.agentPid, 'ExecutorToFramework', message);
    await harness.clock.settle();
    expect(harness.master.count('ExecutorToFramework')).to.equal(0);
    executor.post(harness.agentPid, 'ExecutorToFramework', message);
    await harness.clock.settle();
    expect(harness.master.count('ExecutorToFramework')).to.equal(1);
  });
});
