import { expect } from 'chai';
import type { StatusUpdate, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { Probe } from '../../support/runtime';
import {
  agentUpdate, all, cleanUp, commandTask, FRAMEWORK_MESSAGES, last, latestOffer, launch, masterState, metricsOf,
  offersOf, registerAgent, registerFramework, startHarness, statesOf, updatesOf, type AgentHandle, type FakeFramework,
  type Harness,
} from './harness';

type Json = Record<string, unknown>;

/** A master with one agent and one framework that launched `tasks` on the agent's first offer. */
async function running(tasks: (agentId: string) => TaskInfo[], frameworkInfo = {}): Promise<{ harness: Harness; agent: AgentHandle; framework: FakeFramework }> {
  const harness = await startHarness();
  const agent = await registerAgent(harness, 'cpus:4;mem:4096');
  const framework = await registerFramework(harness, frameworkInfo);
  await launch(harness, framework, [latestOffer(framework.probe).id], tasks(agent.agentId), 0);
  return { harness, agent, framework };
}

function frameworkJson(state: Json): Json {
  return (state.frameworks as Json[])[0] as Json;
}

function acknowledge(harness: Harness, framework: FakeFramework, agent: AgentHandle, taskId: string, uuid: string): Promise<void> {
  framework.probe.post(harness.masterPid, 'StatusUpdateAcknowledgement', { agentId: agent.agentId, frameworkId: framework.frameworkId, taskId, uuid });
  return harness.clock.settle();
}

describe('actors/master: tasks', () => {
  afterEach(cleanUp);

  describe('launch validation through the actor', () => {
    it('answers invalid tasks with TASK_ERROR and launches the valid ones against what remains', async () => {
      const { harness, agent, framework } = await running((agentId) => [
        commandTask('a', agentId, 'cpus:3;mem:1024'),
        commandTask('a', agentId, 'cpus:0.5;mem:64'),         // duplicate id in the same call
        commandTask('b', 'another-agent'),                      // wrong agent
        commandTask('c', agentId, 'cpus:2;mem:128'),           // only 1 cpu remains
        { ...commandTask('d', agentId), command: undefined },  // neither command nor executor
        commandTask('e', agentId, 'cpus:1;mem:128'),           // fits
      ]);
      const errors = updatesOf(framework.probe).map(({ update }) => update.status).filter((status) => status.state === 'TASK_ERROR');
      expect(errors.map((status) => status.taskId)).to.deep.equal(['a', 'b', 'c', 'd']);
      expect(errors.every((status) => status.reason === 'REASON_TASK_INVALID' && status.source === 'SOURCE_MASTER')).to.equal(true);
      expect(errors[0]?.message).to.equal('Task has duplicate ID: a');
      expect(errors[1]?.message).to.match(/^Task uses invalid agent another-agent while agent .* is expected$/);
      expect(errors[2]?.message).to.match(/^Total resources cpus:2;mem:128 required by task and its executor is more than available cpus:1/);
      expect(errors[3]?.message).to.match(/at least one \(but not both\) of CommandInfo or ExecutorInfo/);
      expect(all(agent.probe, 'RunTask').map((received) => (received.body as { task: TaskInfo }).task.taskId)).to.deep.equal(['a', 'e']);
      expect((await metricsOf(harness))['master/tasks_error']).to.equal(4);
    });

    it("counts a new executor's resources once, on its first task on the agent", async () => {
      const executor = { executorId: 'ex', command: { value: './executor' }, resources: Resources.parse('cpus:1;mem:256').toJSON() };
      const withExecutor = (taskId: string, agentId: string): TaskInfo => ({ ...commandTask(taskId, agentId, 'cpus:1;mem:256'), command: undefined, executor });
      const { harness, agent, framework } = await running((agentId) => [withExecutor('x1', agentId), withExecutor('x2', agentId)]);
      expect(all(agent.probe, 'RunTask')).to.have.length(2);
      const runTask = all(agent.probe, 'RunTask')[0]?.body as { task: TaskInfo };
      expect(runTask.task.executor?.frameworkId).to.equal(framework.frameworkId);
      const [slave] = (await masterState(harness)).slaves as Json[];
      expect(slave?.used_resources).to.include({ cpus: 3, mem: 768 });
      expect((frameworkJson(await masterState(harness)).executors as Json[]).map((e) => e.executor_id)).to.deep.equal(['ex']);
    });

    it('tells the agent in RunTask whether the task starts its executor: the first task does, later ones do not, until the executor exits', async () => {
      // Found by the chaos simulation (seed 517): an agent whose executor had exited, still waiting
      // for acknowledgements, dropped a task for it, and the master tracked that executor for good.
      const executor = { executorId: 'ex', command: { value: './executor' }, resources: Resources.parse('cpus:1;mem:256').toJSON() };
      const withExecutor = (taskId: string, agentId: string): TaskInfo => ({ ...commandTask(taskId, agentId, 'cpus:0.5;mem:256'), command: undefined, executor });
      const { harness, agent, framework } = await running((agentId) => [withExecutor('x1', agentId), withExecutor('x2', agentId), commandTask('c1', agentId, 'cpus:0.5;mem:64')]);
      agent.probe.post(harness.masterPid, 'ExitedExecutor', { agentId: agent.agentId, frameworkId: framework.frameworkId, executorId: 'ex', status: 0 });
      await harness.clock.advance(1_000);
      await launch(harness, framework, [latestOffer(framework.probe).id], [withExecutor('x3', agent.agentId)], 0);
      const flags = all(agent.probe, 'RunTask').map((received) => (received.body as { task: TaskInfo; launchExecutor?: boolean }))
        .map((body) => [body.task.taskId, body.launchExecutor]);
      expect(flags).to.deep.equal([['x1', true], ['x2', false], ['c1', undefined], ['x3', true]]);
    });

    it("a task whose resources cannot be added to its executor's gets TASK_ERROR, and the agent is offered again", async () => {
      // Each list parses on its own, but cpus is SCALAR in one and SET in the other.
      const executor = { executorId: 'ex', command: { value: './executor' }, resources: [{ name: 'cpus', type: 'SET' as const, set: { item: ['a'] } }] };
      const { harness, agent, framework } = await running((agentId) => [{ ...commandTask('bad', agentId), command: undefined, executor }]);
      const [error] = updatesOf(framework.probe).map(({ update }) => update.status);
      expect(error).to.include({ taskId: 'bad', state: 'TASK_ERROR', reason: 'REASON_TASK_INVALID', source: 'SOURCE_MASTER' });
      expect(error?.message).to.match(/^Task and executor resources conflict: .*both SCALAR and SET/);
      expect(all(agent.probe, 'RunTask')).to.have.length(0);
      await harness.clock.advance(1_000);
      expect(Resources.fromJSON(latestOffer(framework.probe).resources).format()).to.equal('cpus:4;mem:4096');
    });

    it('a launch that throws midway still returns every offered resource to the allocator', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      const framework = await registerFramework(harness);
      // A bug stands in for anything that might throw inside an accept after the offers left the books.
      const master = harness.handle.master as unknown as { launchTask: () => never };
      master.launchTask = () => { throw new Error('injected launch failure'); };
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)], 0);
      expect(harness.captured.find('injected launch failure')).to.have.length(1);
      expect((await metricsOf(harness))['master/outstanding_offers']).to.equal(0);
      await harness.clock.advance(1_000);
      expect(offersOf(framework.probe)).to.have.length(2);
      expect(Resources.fromJSON(latestOffer(framework.probe).resources).format()).to.equal('cpus:4;mem:4096');
    });

    it('refuses launches on invalid offers with TASK_LOST, or TASK_DROPPED for PARTITION_AWARE frameworks', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      const owner = await registerFramework(harness);
      const thief = await registerFramework(harness, { capabilities: ['PARTITION_AWARE'] });
      const offerId = latestOffer(owner.probe).id;
      await launch(harness, thief, [offerId], [commandTask('t', agent.agentId)]);
      const [update] = updatesOf(thief.probe);
      expect(update?.update.status).to.include({ state: 'TASK_DROPPED', reason: 'REASON_INVALID_OFFERS' });
      expect(update?.update.status.message).to.match(/has invalid framework/);
      expect(all(agent.probe, 'RunTask')).to.have.length(0);
      // The owner's offer is untouched.
      await launch(harness, owner, [offerId], [commandTask('t', agent.agentId)]);
      expect(all(agent.probe, 'RunTask')).to.have.length(1);
    });
  });

  describe('status updates', () => {
    it('forwards an update with the agent pid, forwards the ack to the agent, and tracks the state', async () => {
      const { harness, agent, framework } = await running((agentId) => [commandTask('t1', agentId)]);
      const uuid = await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
      const [forwarded] = updatesOf(framework.probe);
      expect(forwarded?.pid).to.equal(agent.probe.self().toString());
      expect(forwarded?.update.uuid).to.equal(uuid);
      expect((frameworkJson(await masterState(harness)).tasks as Json[])[0]).to.include({ state: 'TASK_RUNNING' });
      expect((await metricsOf(harness))['master/tasks_running']).to.equal(1);
      await acknowledge(harness, framework, agent, 't1', uuid);
      expect(last(agent.probe, 'StatusUpdateAcknowledgement')?.body).to.deep.equal({
        agentId: agent.agentId, frameworkId: framework.frameworkId, taskId: 't1', uuid,
      });
    });

    it('on a terminal state, recovers the resources at once and completes the task once acknowledged', async () => {
      const { harness, agent, framework } = await running((agentId) => [commandTask('t1', agentId, 'cpus:4;mem:4096')]);
      const uuid = await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_FINISHED');
      let state = frameworkJson(await masterState(harness));
      expect((state.tasks as Json[])[0]).to.include({ id: 't1', state: 'TASK_FINISHED' });
      expect(state.used_resources).to.include({ cpus: 0, mem: 0 });
      await harness.clock.advance(1_000);
      expect(Resources.fromJSON(latestOffer(framework.probe).resources).format()).to.equal('cpus:4;mem:4096');
      await acknowledge(harness, framework, agent, 't1', uuid);
      state = frameworkJson(await masterState(harness));
      expect(state.tasks).to.have.length(0);
      expect((state.completed_tasks as Json[]).map((task) => task.state)).to.deep.equal(['TASK_FINISHED']);
      expect((await metricsOf(harness))['master/tasks_finished']).to.equal(1);
    });

    it('keeps one status per consecutive state, with timestamps', async () => {
      const { harness, agent, framework } = await running((agentId) => [commandTask('t1', agentId)]);
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_STARTING');
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
      const [task] = frameworkJson(await masterState(harness)).tasks as Json[];
      const statuses = task?.statuses as Json[];
      expect(statuses.map((status) => status.state)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING']);
      expect(statuses.every((status) => typeof status.timestamp === 'number')).to.equal(true);
    });

    it('does not forward to a disconnected framework (the agent retries), but still tracks the state', async () => {
      const { harness, agent, framework } = await running((agentId) => [commandTask('t1', agentId)], { failoverTimeout: 600 });
      harness.host.terminate(framework.probe);
      await harness.clock.settle();
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
      const metrics = await metricsOf(harness);
      expect(metrics['master/invalid_status_updates']).to.equal(1);
      expect(metrics['master/tasks_running']).to.equal(1);
    });

    it('drops updates from unknown agents and ignores acknowledgements from impostors', async () => {
      const { harness, agent, framework } = await running((agentId) => [commandTask('t1', agentId)]);
      const stranger = new Probe('stranger', FRAMEWORK_MESSAGES);
      harness.host.spawn(stranger);
      const update: StatusUpdate = { frameworkId: framework.frameworkId, agentId: agent.agentId, timestamp: 1, uuid: 'u', status: { taskId: 't1', state: 'TASK_FAILED' } };
      stranger.post(harness.masterPid, 'StatusUpdate', { update, pid: stranger.self().toString() });
      stranger.post(harness.masterPid, 'StatusUpdateAcknowledgement', { agentId: agent.agentId, frameworkId: framework.frameworkId, taskId: 't1', uuid: 'u' });
      await harness.clock.settle();
      expect(updatesOf(framework.probe)).to.have.length(0);
      expect(all(agent.probe, 'StatusUpdateAcknowledgement')).to.have.length(0);
      const metrics = await metricsOf(harness);
      expect(metrics['master/invalid_status_updates']).to.equal(1);
      expect(metrics['master/invalid_status_update_acknowledgements']).to.equal(1);
    });
  });

  describe('kill', () => {
    it('a known task: KillTaskOnAgent to its agent', async () => {
      const { harness, agent, framework } = await running((agentId) => [commandTask('t1', agentId)]);
      framework.probe.post(harness.masterPid, 'KillTask', { frameworkId: framework.frameworkId, taskId: 't1' });
      await harness.clock.settle();
      expect(last(agent.probe, 'KillTaskOnAgent')?.body).to.deep.equal({ frameworkId: framework.frameworkId, taskId: 't1' });
      // A kill policy of the call's own goes with it (v1 walkthrough: it was dropped).
      framework.probe.post(harness.masterPid, 'KillTask', { frameworkId: framework.frameworkId, taskId: 't1', killPolicy: { gracePeriodSeconds: 1 } });
      await harness.clock.settle();
      expect(last(agent.probe, 'KillTaskOnAgent')?.body).to.deep.equal({ frameworkId: framework.frameworkId, taskId: 't1', killPolicy: { gracePeriodSeconds: 1 } });
    });

    it('an unknown task: TASK_LOST (TASK_UNKNOWN if PARTITION_AWARE), reason REASON_RECONCILIATION', async () => {
      for (const [capabilities, expected] of [[[], 'TASK_LOST'], [['PARTITION_AWARE'], 'TASK_UNKNOWN']] as const) {
        const { harness, agent, framework } = await running(() => [], { capabilities: [...capabilities] });
        framework.probe.post(harness.masterPid, 'KillTask', { frameworkId: framework.frameworkId, taskId: 'nope' });
        await harness.clock.settle();
        const [update] = updatesOf(framework.probe);
        expect(update?.update.status).to.include({ taskId: 'nope', state: expected, reason: 'REASON_RECONCILIATION', source: 'SOURCE_MASTER' });
        expect(update?.update.uuid).to.equal(undefined);
        expect(all(agent.probe, 'KillTaskOnAgent')).to.have.length(0);
      }
    });
  });

  describe('reconciliation', () => {
    async function reconcile(harness: Harness, framework: FakeFramework, statuses: Array<{ taskId: string; agentId?: string }>): Promise<StatusUpdate[]> {
      const before = updatesOf(framework.probe).length;
      framework.probe.post(harness.masterPid, 'ReconcileTasks', { frameworkId: framework.frameworkId, statuses });
      await harness.clock.settle();
      return updatesOf(framework.probe).slice(before).map(({ update }) => update);
    }

    it('implicit: the latest state of every task, without uuid, from the master', async () => {
      const { harness, agent, framework } = await running((agentId) => [commandTask('t1', agentId), commandTask('t2', agentId)]);
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
      const updates = await reconcile(harness, framework, []);
      expect(updates.map((update) => [update.status.taskId, update.status.state])).to.deep.equal([['t1', 'TASK_RUNNING'], ['t2', 'TASK_STAGING']]);
      for (const update of updates) {
        expect(update.uuid).to.equal(undefined);
        expect(update.status).to.include({ source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION', agentId: agent.agentId });
      }
    });

    it('explicit: known task, unknown task on a registered agent, on an unknown agent, without an agent', async () => {
      const { harness, agent, framework } = await running((agentId) => [commandTask('t1', agentId)]);
      const updates = await reconcile(harness, framework, [
        { taskId: 't1' }, { taskId: 'ghost', agentId: agent.agentId }, { taskId: 'ghost', agentId: 'nowhere' }, { taskId: 'ghost' },
      ]);
      expect(updates.map((update) => update.status.state)).to.deep.equal(['TASK_STAGING', 'TASK_LOST', 'TASK_LOST', 'TASK_LOST']);
      expect(updates[1]?.status.message).to.equal('Reconciliation: Task is unknown to the agent');
      expect(updates[2]?.status.message).to.equal('Reconciliation: Task is unknown');
    });

    it('explicit, PARTITION_AWARE: TASK_GONE on a registered agent, TASK_UNKNOWN on an unknown one, TASK_UNREACHABLE on an unreachable one', async () => {
      const { harness, agent, framework } = await running((agentId) => [commandTask('t1', agentId)], { capabilities: ['PARTITION_AWARE'] });
      let updates = await reconcile(harness, framework, [{ taskId: 'ghost', agentId: agent.agentId }, { taskId: 'ghost', agentId: 'nowhere' }]);
      expect(updates.map((update) => update.status.state)).to.deep.equal(['TASK_GONE', 'TASK_UNKNOWN']);
      agent.probe.answerPings = false;
      await harness.clock.advance(15_000 * 6);
      updates = await reconcile(harness, framework, [{ taskId: 'ghost', agentId: agent.agentId }]);
      expect(updates.map((update) => update.status.state)).to.deep.equal(['TASK_UNREACHABLE']);
    });
  });

  describe('executors and framework messages', () => {
    it('forwards ExecutorToFramework and FrameworkToExecutor, and ExitedExecutor recovers the executor', async () => {
      const executor = { executorId: 'ex', command: { value: './executor' }, resources: Resources.parse('cpus:1;mem:256').toJSON() };
      const { harness, agent, framework } = await running((agentId) => [{ ...commandTask('t1', agentId), command: undefined, executor }]);
      const fromExecutor = { agentId: agent.agentId, frameworkId: framework.frameworkId, executorId: 'ex', data: 'aGk=' };
      agent.probe.post(harness.masterPid, 'ExecutorToFramework', fromExecutor);
      framework.probe.post(harness.masterPid, 'FrameworkToExecutor', { ...fromExecutor, data: 'aG8=' });
      await harness.clock.settle();
      expect(last(framework.probe, 'ExecutorToFramework')?.body).to.deep.equal(fromExecutor);
      expect(last(agent.probe, 'FrameworkToExecutor')?.body).to.deep.equal({ ...fromExecutor, data: 'aG8=' });
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_FAILED');
      agent.probe.post(harness.masterPid, 'ExitedExecutor', { agentId: agent.agentId, frameworkId: framework.frameworkId, executorId: 'ex', status: 1 });
      await harness.clock.settle();
      expect(last(framework.probe, 'ExitedExecutor')?.body).to.include({ executorId: 'ex', status: 1 });
      const [slave] = (await masterState(harness)).slaves as Json[];
      expect(slave?.used_resources).to.include({ cpus: 0, mem: 0 });
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_FAILED']);
      expect(offersOf(framework.probe).length).to.be.greaterThan(0);
    });

    it('forwards ExitedExecutor only for executors the master tracks, never for command executors', async () => {
      const { harness, agent, framework } = await running((agentId) => [commandTask('t1', agentId)]);
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_FINISHED');
      // The agent runs a command task under an executor named after the task; the master never heard of it.
      agent.probe.post(harness.masterPid, 'ExitedExecutor', { agentId: agent.agentId, frameworkId: framework.frameworkId, executorId: 't1', status: 0 });
      await harness.clock.settle();
      expect(all(framework.probe, 'ExitedExecutor')).to.have.length(0);
      expect(harness.captured.find('unknown executor')).to.have.length(1);
    });
  });
});
