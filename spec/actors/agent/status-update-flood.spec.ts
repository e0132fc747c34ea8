import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { MAX_PENDING_UPDATES_PER_TASK } from '../../../actors/agent/constants';
import { AgentHarness, namedUuid, type TimedProbe } from './harness';

describe('agent: what an executor\'s status updates may do (harness: virtual clock, fake master, fake executor)', () => {
  let harness: AgentHarness;

  afterEach(async () => {
    await harness.stop();
  });

  /** Registers the agent and runs command task T1; returns its (fake) executor, registered. */
  async function runningTask(): Promise<TimedProbe> {
    harness = new AgentHarness();
    await harness.register();
    harness.runTask(AgentHarness.commandTask('T1'));
    await harness.clock.settle();
    return harness.registerExecutor('T1');
  }

  it(`a terminal update refused because the task has ${MAX_PENDING_UPDATES_PER_TASK} pending leaves the task's state where it was, and is not acknowledged (the executor sends it again)`, async () => {
    const executor = await runningTask();
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
    expect(acknowledged).to.not.include(namedUuid('finished'));
  });

  it('ignores (counts as invalid, neither forwards nor acknowledges) an update whose check status is invalid, as the v1 executor API refuses it', async () => {
    const executor = await runningTask();
    const invalid = [{ type: 'HTTP' }, { type: 'NOPE', tcp: { succeeded: true } }];
    for (const [index, checkStatus] of invalid.entries()) {
      const update = harness.executorUpdate('T1', 'TASK_RUNNING', `bad-${index}`);
      harness.sendUpdate(executor, { ...update, status: { ...update.status, checkStatus } as typeof update.status });
    }
    harness.sendUpdate(executor, { ...harness.executorUpdate('T1', 'TASK_RUNNING', 'good'), status: { taskId: 'T1', state: 'TASK_RUNNING', checkStatus: { type: 'TCP', tcp: { succeeded: true } } } });
    await harness.clock.settle();
    expect(harness.forwarded().map((update) => update.uuid)).to.deep.equal([namedUuid('good')]);
    expect(executor.bodies<{ uuid: string }>('StatusUpdateAcknowledgement').map((body) => body.uuid)).to.deep.equal([namedUuid('good')]);
    const metrics = await dispatch(harness.agent, (agent) => agent.metrics());
    expect(metrics['slave/invalid_status_updates']).to.equal(invalid.length);
  });
});
