import { expect } from 'chai';
import { MAX_PENDING_UPDATES_PER_TASK } from '../../../actors/agent/constants';
import { AgentHarness } from './harness';

describe('agent: a flood of status updates (harness: virtual clock, fake master, fake executor)', () => {
  let harness: AgentHarness;

  afterEach(async () => {
    await harness.stop();
  });

  it(`a terminal update refused because the task has ${MAX_PENDING_UPDATES_PER_TASK} pending leaves the task's state where it was, and is not acknowledged (the executor sends it again)`, async () => {
    harness = new AgentHarness();
    await harness.register();
    harness.runTask(AgentHarness.commandTask('T1'));
    await harness.clock.settle();
    const executor = await harness.registerExecutor('T1');
    // Nothing is acknowledged by the master: the stream fills.
    for (let index = 0; index < MAX_PENDING_UPDATES_PER_TASK; index++) harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_RUNNING', `running-${index}`));
    await harness.clock.settle();
    harness.sendUpdate(executor, harness.executorUpdate('T1', 'TASK_FINISHED', 'finished'));
    await harness.clock.settle();
    const state = await harness.state();
    const frameworks = state.frameworks as Array<{ executors: Array<{ tasks: Array<{ id: string; state: string }> }> }>;
    expect(frameworks[0]?.executors[0]?.tasks.map((task) => [task.id, task.state])).to.deep.equal([['T1', 'TASK_RUNNING']]);
    const acknowledged = executor.bodies<{ uuid: string }>('StatusUpdateAcknowledgement').map((body) => body.uuid);
    expect(acknowledged).to.have.length(MAX_PENDING_UPDATES_PER_TASK);
    expect(acknowledged).to.not.include('finished');
  });
});
