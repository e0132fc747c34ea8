/**
 * Regression tests for the protocol bugs a review against Apache Mesos 1.11 found in the master
 * (issue 7, bugs 1-12). Each test failed before its fix; the describe titles carry the number.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { StatusUpdate, TaskState, TaskStatus } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { Probe } from '../../support/runtime';
import {
  agentInfo, all, cleanUp, FRAMEWORK_MESSAGES, last, latestOffer, launch, commandTask, masterState, metricsOf, offersOf,
  registerAgent, registerFramework, startHarness, statesOf, updatesOf, type AgentHandle, type FakeFramework, type Harness,
  agentUpdate, FakeAgent, reportedTask,
} from './harness';
import { AGENT_PING_TICK_MS } from '../../../actors/master/constants';

interface FrameworkView { id: string; pid?: string; connected: boolean; active: boolean; tasks: unknown[]; offers: Array<{ id: string }> }
interface AgentView { id: string; connected: boolean; active: boolean }

async function frameworks(harness: Harness): Promise<FrameworkView[]> {
  return (await masterState(harness)).frameworks as FrameworkView[];
}

async function completedFrameworkIds(harness: Harness): Promise<string[]> {
  return ((await masterState(harness)).completed_frameworks as FrameworkView[]).map((framework) => framework.id);
}

async function agents(harness: Harness): Promise<AgentView[]> {
  return (await masterState(harness)).slaves as AgentView[];
}

function errorsOf(probe: Probe): string[] {
  return all(probe, 'FrameworkError').map((received) => (received.body as { message: string }).message);
}

describe('actors/master: regressions from the review against Mesos (issue 7)', () => {
  afterEach(cleanUp);

  describe('1. re-linking after a reconnection from the same pid', () => {
    it('re-links to a scheduler that re-registers from the same pid after a link blip, so its later death is noticed', async () => {
      const harness = await startHarness();
      const framework = await registerFramework(harness, { failoverTimeout: 10 });
      harness.host.breakLink(harness.masterPid, framework.probe.self());
      await harness.clock.settle();
      expect((await frameworks(harness))[0]).to.include({ connected: false });
      framework.probe.post(harness.masterPid, 'ReregisterFramework', { framework: framework.info, failover: false });
      await harness.clock.settle();
      expect((await frameworks(harness))[0]).to.include({ connected: true, active: true });
      harness.host.terminate(framework.probe);
      await harness.clock.settle();
      expect((await frameworks(harness))[0]).to.include({ connected: false });
      await harness.clock.advance(10_000);
      expect(await completedFrameworkIds(harness)).to.deep.equal([framework.frameworkId]);
    });

    it('rescinds the outstanding offers of a framework that re-subscribes from the same pid', async () => {
      const harness = await startHarness();
      await registerAgent(harness);
      const framework = await registerFramework(harness);
      const offer = latestOffer(framework.probe);
      framework.probe.post(harness.masterPid, 'ReregisterFramework', { framework: framework.info, failover: false });
      await harness.clock.settle();
      expect(all(framework.probe, 'RescindResourceOffer').map((received) => (received.body as { offerId: string }).offerId)).to.deep.equal([offer.id]);
      expect(last(framework.probe, 'FrameworkReregistered')?.body).to.include({ frameworkId: framework.frameworkId });
      expect((await frameworks(harness))[0]?.offers.map((held) => held.id)).to.not.include(offer.id);
    });

    it('re-links to an agent that re-registers from the same pid after a link blip, so its later death is noticed', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      harness.host.breakLink(harness.masterPid, agent.probe.self());
      await harness.clock.settle();
      expect((await agents(harness))[0]).to.include({ connected: false });
      agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [],
      });
      await harness.clock.settle();
      expect((await agents(harness))[0]).to.include({ connected: true, active: true });
      harness.host.terminate(agent.probe);
      await harness.clock.settle();
      expect((await agents(harness))[0]).to.include({ connected: false, active: false });
    });
  });

  describe('2. the failover flag of ReregisterFramework', () => {
    it('refuses a stale scheduler that re-registers from another pid without failover; the successor keeps the framework', async () => {
      const harness = await startHarness();
      const stale = await registerFramework(harness, { failoverTimeout: 60 });
      const successor = new Probe('scheduler-successor', FRAMEWORK_MESSAGES);
      harness.host.spawn(successor);
      successor.post(harness.masterPid, 'ReregisterFramework', { framework: stale.info, failover: true });
      await harness.clock.settle();
      expect(errorsOf(stale.probe)).to.deep.equal(['Framework failed over']);
      stale.probe.post(harness.masterPid, 'ReregisterFramework', { framework: stale.info, failover: false });
      await harness.clock.settle();
      expect(errorsOf(stale.probe)).to.deep.equal(['Framework failed over', 'Framework failed over']);
      expect(errorsOf(successor)).to.deep.equal([]);
      expect((await frameworks(harness))[0]).to.include({ pid: successor.self().toString(), connected: true });
    });
  });

  describe('10. smaller protocol differences', () => {
    it('DeactivateFramework only deactivates: the framework stays connected and no failover timer runs', async () => {
      const harness = await startHarness();
      await registerAgent(harness);
      const framework = await registerFramework(harness, { failoverTimeout: 5 });
      const offer = latestOffer(framework.probe);
      framework.probe.post(harness.masterPid, 'DeactivateFramework', { frameworkId: framework.frameworkId });
      await harness.clock.settle();
      expect(all(framework.probe, 'RescindResourceOffer').map((received) => (received.body as { offerId: string }).offerId)).to.deep.equal([offer.id]);
      await harness.clock.advance(60_000);
      expect((await frameworks(harness))[0]).to.include({ id: framework.frameworkId, connected: true, active: false });
      expect(await completedFrameworkIds(harness)).to.deep.equal([]);
    });

    it('ShutdownFramework reaches every registered agent, not only those the master knows run its tasks', async () => {
      const harness = await startHarness();
      const busy = await registerAgent(harness, 'cpus:1;mem:512');
      const idle = await registerAgent(harness, 'cpus:1;mem:512', 'idle.local');
      const framework = await registerFramework(harness);
      const offer = latestOffer(framework.probe);
      await launch(harness, framework, [offer.id], [commandTask('t1', offer.agentId, 'cpus:1;mem:128')]);
      framework.probe.post(harness.masterPid, 'UnregisterFramework', { frameworkId: framework.frameworkId });
      await harness.clock.settle();
      expect(all(busy.probe, 'ShutdownFramework')).to.have.length(1);
      expect(all(idle.probe, 'ShutdownFramework')).to.have.length(1);
    });
  });

  describe('3. latest_state', () => {
    it("follows the update's latest state: a task finished at the agent is finished at the master, its resources recovered", async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:2;mem:1024');
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:2;mem:1024')]);
      await forward(harness, agent, framework, 't1', 'TASK_STARTING', 'TASK_FINISHED');
      const task = ((await frameworks(harness))[0]?.tasks as Array<{ id: string; state: string }>)[0];
      expect(task).to.include({ id: 't1', state: 'TASK_FINISHED' });
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_STARTING']);
      await harness.clock.advance(harness.flags.allocationIntervalMs);
      expect(Resources.fromJSON(latestOffer(framework.probe).resources).format()).to.equal('cpus:2;mem:1024');
    });
  });

  describe('4. unreachable agents that come back', () => {
    it('re-admits the agent, restores its tasks and tells every framework REASON_AGENT_REREGISTERED', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:2;mem:1024');
      const aware = await registerFramework(harness, { capabilities: ['PARTITION_AWARE'] });
      const plain = await registerFramework(harness);
      await launchOn(harness, aware, agent, 'ta');
      await harness.clock.advance(harness.flags.allocationIntervalMs);
      await launchOn(harness, plain, agent, 'tp');
      agent.probe.answerPings = false;
      await harness.clock.advance(harness.flags.agentPingTimeoutMs * (harness.flags.maxAgentPingTimeouts + 1));
      expect(statesOf(aware.probe, 'ta').at(-1)).to.equal('TASK_UNREACHABLE');
      expect(statesOf(plain.probe, 'tp').at(-1)).to.equal('TASK_LOST');
      expect(await agents(harness)).to.deep.equal([]);
      agent.probe.answerPings = true;
      const running = (taskId: string, framework: FakeFramework) => ({
        name: taskId, taskId, frameworkId: framework.frameworkId, agentId: agent.agentId, state: 'TASK_RUNNING', resources: Resources.parse('cpus:1;mem:128').toJSON(),
      });
      agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0',
        tasks: [running('ta', aware), running('tp', plain)], executors: [], frameworks: [aware.info, plain.info],
      });
      await harness.clock.settle();
      expect(all(agent.probe, 'Shutdown')).to.have.length(0);
      expect(last(agent.probe, 'AgentReregistered')?.body).to.include({ agentId: agent.agentId });
      for (const [framework, taskId] of [[aware, 'ta'], [plain, 'tp']] as const) {
        const back = updatesOf(framework.probe).at(-1)?.update.status;
        expect(back).to.include({ taskId, state: 'TASK_RUNNING', reason: 'REASON_AGENT_REREGISTERED', source: 'SOURCE_MASTER' });
      }
      const state = await frameworks(harness);
      expect(state.map((framework) => (framework.tasks as Array<{ id: string; state: string }>).map((task) => [task.id, task.state]))).to.deep.equal([[['ta', 'TASK_RUNNING']], [['tp', 'TASK_RUNNING']]]);
      expect(state.map((framework) => (framework as unknown as { unreachable_tasks: unknown[] }).unreachable_tasks)).to.deep.equal([[], []]);
      expect((await agents(harness)).map((view) => view.id)).to.deep.equal([agent.agentId]);
      expect(harness.handle.registry.unreachable()).to.deep.equal([]);
      expect(harness.handle.registry.isAdmitted(agent.agentId)).to.equal(true);
      aware.probe.post(harness.masterPid, 'ReconcileTasks', { frameworkId: aware.frameworkId, statuses: [{ taskId: 'ta' }] });
      await harness.clock.settle();
      expect(updatesOf(aware.probe).at(-1)?.update.status).to.include({ taskId: 'ta', state: 'TASK_RUNNING', reason: 'REASON_RECONCILIATION' });
    });
  });

  describe('5. the ping timeout in the registration replies', () => {
    it('tells each agent the total ping timeout (agent_ping_timeout × max_agent_ping_timeouts)', async () => {
      const harness = await startHarness({ agentPingTimeoutMs: 120_000 });
      const agent = await registerAgent(harness);
      expect(last(agent.probe, 'AgentRegistered')?.body).to.deep.include({ connection: { totalPingTimeoutSeconds: 600 } });
      harness.host.breakLink(harness.masterPid, agent.probe.self());
      await harness.clock.settle();
      agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [],
      });
      await harness.clock.settle();
      expect(last(agent.probe, 'AgentReregistered')?.body).to.deep.include({ connection: { totalPingTimeoutSeconds: 600 } });
    });
  });

  describe('6. agents removed for good', () => {
    it('tells PARTITION_AWARE frameworks TASK_GONE_BY_OPERATOR when an agent unregisters; the others TASK_LOST', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:2;mem:1024');
      const aware = await registerFramework(harness, { capabilities: ['PARTITION_AWARE'] });
      const plain = await registerFramework(harness);
      for (const framework of [aware, plain]) {
        const offer = offersOf(framework.probe).at(-1);
        if (offer !== undefined) await launch(harness, framework, [offer.id], [commandTask(`t-${framework.frameworkId}`, agent.agentId, 'cpus:1;mem:128')]);
      }
      await harness.clock.advance(10_000);
      for (const framework of [aware, plain]) {
        if (!(await frameworks(harness)).find((view) => view.id === framework.frameworkId)?.tasks.length) {
          await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask(`t-${framework.frameworkId}`, agent.agentId, 'cpus:1;mem:128')]);
        }
      }
      agent.probe.post(harness.masterPid, 'UnregisterAgent', { agentId: agent.agentId });
      await harness.clock.settle();
      const removal = (framework: FakeFramework): Array<[TaskState, string | undefined]> =>
        updatesOf(framework.probe).filter(({ update }) => update.status.source === 'SOURCE_MASTER').map(({ update }) => [update.status.state, update.status.reason]);
      expect(removal(aware)).to.deep.equal([['TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR']]);
      expect(removal(plain)).to.deep.equal([['TASK_LOST', 'REASON_AGENT_REMOVED']]);
    });
  });

  describe('7. calls that fail validation are answered, never dropped', () => {
    it('a negative refuseSeconds declines with the default 5 s filter instead of dropping the decline', async () => {
      const harness = await startHarness();
      await registerAgent(harness);
      const framework = await registerFramework(harness);
      const offer = latestOffer(framework.probe);
      framework.probe.post(harness.masterPid, 'DeclineOffers', { frameworkId: framework.frameworkId, offerIds: [offer.id], filters: { refuseSeconds: -1 } });
      await harness.clock.settle();
      expect((await frameworks(harness))[0]?.offers).to.deep.equal([]);
      const offered = offersOf(framework.probe).length;
      await harness.clock.advance(4_000);
      expect(offersOf(framework.probe).length).to.equal(offered);
      await harness.clock.advance(2_000);
      expect(offersOf(framework.probe).length).to.be.greaterThan(offered);
    });

    it('a task with an empty id gets TASK_ERROR naming the problem; the offer is not held', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('', agent.agentId)]);
      const [error] = updatesOf(framework.probe);
      expect(error?.update.status).to.include({ taskId: '', state: 'TASK_ERROR', reason: 'REASON_TASK_INVALID' });
      expect(error?.update.status.message).to.match(/task id/i);
      expect((await frameworks(harness))[0]?.offers).to.deep.equal([]);
    });

    it('a malformed framework call gets a FrameworkError that names the bad field', async () => {
      const harness = await startHarness();
      const framework = await registerFramework(harness);
      framework.probe.post(harness.masterPid, 'ReviveOffers', { frameworkId: framework.frameworkId, roles: 'analytics' });
      await harness.clock.settle();
      expect(errorsOf(framework.probe)).to.have.length(1);
      expect(errorsOf(framework.probe)[0]).to.match(/ReviveOffers.*roles/);
    });
  });

  describe('9. a multi-role framework after a master restart', () => {
    it('sends each task\'s role to the agent, and adopts a reported executor under its own role', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:2;mem:1024');
      const framework = await registerFramework(harness, { roles: ['web', 'analytics'], capabilities: ['MULTI_ROLE'] });
      const offer = offersOf(framework.probe).find((candidate) => candidate.allocationRole === 'web') ?? latestOffer(framework.probe);
      await launch(harness, framework, [offer.id], [commandTask('t1', agent.agentId, 'cpus:1;mem:128')]);
      expect(last(agent.probe, 'RunTask')?.body).to.include({ role: offer.allocationRole });
      const restarted = await startHarness({}, harness.workDir, 8, { address: harness.host.address });
      const executor = { executorId: 'e1', frameworkId: framework.frameworkId, command: { value: 'x' }, resources: Resources.parse('cpus:0.5;mem:64').toJSON() };
      const probe = new Probe('agent-again', []);
      restarted.host.spawn(probe);
      probe.post(restarted.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0', tasks: [],
        executors: [{ frameworkId: framework.frameworkId, executorId: 'e1', info: executor, role: 'analytics' }],
        frameworks: [framework.info],
      });
      await restarted.clock.settle();
      const holdings = await restarted.handle.allocator.holdings(framework.frameworkId);
      expect(holdings.map((holding) => [holding.role, holding.resources.format()])).to.deep.equal([['analytics', 'cpus:0.5;mem:64']]);
    });
  });

  describe('12. the books diverging fails fast', () => {
    it('counts an allocation that does not fit the agent, and throws in invariant-checking mode', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:1;mem:512');
      const framework = await registerFramework(harness);
      // The same resources again, while the master has them on offer already: the allocator could never have made this.
      const allocation = { frameworkId: framework.frameworkId, agentId: agent.agentId, role: '*', resources: Resources.fromJSON(latestOffer(framework.probe).resources) };
      const outcome = await dispatch(harness.handle.master, (master) => master.offer([allocation])).then(() => 'offered', (error: Error) => error.message);
      expect(outcome).to.match(/books diverge.*does not fit/);
      expect((await metricsOf(harness))['mesos_ts/master/unfit_allocations']).to.equal(1);
      harness.captured.records.length = 0; // the divergence is this test's point
    });

    it('counts allocator refusals of master calls', async () => {
      const harness = await startHarness({ checkAllocatorInvariants: false });
      const framework = await registerFramework(harness);
      await dispatch(harness.handle.master, (master) => master.offer([]));
      await harness.handle.allocator.removeFramework(framework.frameworkId);
      framework.probe.post(harness.masterPid, 'ReviveOffers', { frameworkId: framework.frameworkId });
      await harness.clock.settle();
      expect((await metricsOf(harness))['mesos_ts/master/allocator_refusals']).to.equal(1);
      harness.captured.records.length = 0; // the refusal is this test's point, not a failure of it
    });

    it('counts a refused return of resources (a declined offer, sent to the allocator without a promise), in the master\'s mailbox', async () => {
      const harness = await startHarness({ checkAllocatorInvariants: false });
      await registerAgent(harness, 'cpus:1;mem:512');
      const framework = await registerFramework(harness);
      await harness.clock.settle();
      const offerId = latestOffer(framework.probe).id;
      await harness.handle.allocator.removeFramework(framework.frameworkId);
      framework.probe.post(harness.masterPid, 'DeclineOffers', { frameworkId: framework.frameworkId, offerIds: [offerId] });
      await harness.clock.settle();
      expect((await metricsOf(harness))['mesos_ts/master/allocator_refusals']).to.equal(1);
      expect(harness.captured.find('allocator refused a call from the master').map((record) => record.operation)).to.deep.equal(['recoverResources']);
      harness.captured.records.length = 0; // the refusal is this test's point, not a failure of it
    });

    it('returns a decline\'s offers to the allocator as one batch: a refused return is counted alone and the others are still returned', async () => {
      const harness = await startHarness({ checkAllocatorInvariants: false });
      const first = await registerAgent(harness, 'cpus:1;mem:512', 'first.local');
      const second = await registerAgent(harness, 'cpus:1;mem:512', 'second.local');
      const framework = await registerFramework(harness);
      await harness.clock.settle();
      const offers = offersOf(framework.probe);
      expect(offers.map((offer) => offer.agentId).sort()).to.deep.equal([first.agentId, second.agentId].sort());
      // The allocator forgets the first agent behind the master's back: its return will be refused.
      await harness.handle.allocator.removeAgent(first.agentId);
      framework.probe.post(harness.masterPid, 'DeclineOffers', { frameworkId: framework.frameworkId, offerIds: offers.map((offer) => offer.id), filters: { refuseSeconds: 0 } });
      await harness.clock.settle();
      expect((await metricsOf(harness))['mesos_ts/master/allocator_refusals']).to.equal(1);
      // The second agent's return went through: the next batch run offers it again.
      const before = offersOf(framework.probe).length;
      await harness.clock.advance(harness.flags.allocationIntervalMs);
      await harness.clock.settle();
      expect(offersOf(framework.probe).slice(before).map((offer) => offer.agentId)).to.deep.equal([second.agentId]);
      harness.captured.records.length = 0; // the refusal is this test's point, not a failure of it
    });
  });
});

describe('actors/master: bugs the simulation\'s new faults found (issue 7)', () => {
  afterEach(cleanUp);

  it('keeps a custom executor an agent does not report while it has a live task there (its RunTask crossed the re-registration)', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:2;mem:1024');
    const framework = await registerFramework(harness, { checkpoint: true }); // its tasks outlive a broken link (another's are lost at once)
    const executor = { executorId: 'e1', command: { value: 'x' }, resources: Resources.parse('cpus:0.5;mem:64').toJSON() };
    const task = { ...commandTask('t1', agent.agentId, 'cpus:1;mem:128'), command: undefined, executor };
    await launch(harness, framework, [latestOffer(framework.probe).id], [task]);
    harness.host.breakLink(harness.masterPid, agent.probe.self());
    await harness.clock.settle();
    agent.probe.post(harness.masterPid, 'ReregisterAgent', {
      agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [framework.info],
    });
    await harness.clock.settle();
    const used = ((await masterState(harness)).slaves as Array<{ used_resources: { cpus: number } }>)[0]?.used_resources.cpus;
    expect(used).to.equal(1.5);
    expect(last(agent.probe, 'AgentReregistered')?.body).to.deep.include({
      reconciliations: [{ frameworkId: framework.frameworkId, taskId: 't1' }], executors: [{ frameworkId: framework.frameworkId, executorId: 'e1' }],
    });
  });

  it('offers an agent that re-registered with new attributes under the new ones (what offers carry of an agent is kept on its record; a new host name is refused, as in Mesos)', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:2;mem:1024');
    const framework = await registerFramework(harness);
    expect(latestOffer(framework.probe)).to.deep.include({ hostname: 'agent.local', attributes: { rack: 'r1' } });
    harness.host.breakLink(harness.masterPid, agent.probe.self());
    await harness.clock.settle();
    const renamed = { ...agentInfo(agent.resources, 'agent.local', agent.agentId), attributes: { rack: 'r2' } };
    agent.probe.post(harness.masterPid, 'ReregisterAgent', { agent: renamed, version: '0.1.0', tasks: [], executors: [], frameworks: [] });
    await harness.clock.settle();
    framework.probe.post(harness.masterPid, 'ReviveOffers', { frameworkId: framework.frameworkId });
    await harness.clock.advance(harness.flags.allocationIntervalMs);
    await harness.clock.settle();
    expect(latestOffer(framework.probe)).to.deep.include({ agentId: agent.agentId, hostname: 'agent.local', attributes: { rack: 'r2' } });
  });

  it('kills a task it declared lost that turns up running on a registered agent; a framework told TASK_LOST never hears of it', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:2;mem:1024');
    const plain = await registerFramework(harness);
    const aware = await registerFramework(harness, { capabilities: ['PARTITION_AWARE'] });
    for (const [framework, taskId] of [[plain, 'tp'], [aware, 'ta']] as const) {
      const timestamp = harness.clock.now() / 1000;
      const update: StatusUpdate = {
        frameworkId: framework.frameworkId, agentId: agent.agentId, timestamp, uuid: `${taskId}-u`,
        status: { taskId, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', agentId: agent.agentId, timestamp, uuid: `${taskId}-u` },
      };
      agent.probe.post(harness.masterPid, 'StatusUpdate', { update, pid: agent.probe.self().toString() });
    }
    await harness.clock.settle();
    const kills = all(agent.probe, 'KillTaskOnAgent').map((received) => (received.body as { taskId: string }).taskId);
    expect(kills.sort()).to.deep.equal(['ta', 'tp']);
    expect(updatesOf(plain.probe)).to.deep.equal([]);
    expect(updatesOf(aware.probe).map(({ update }) => update.status.taskId)).to.deep.equal(['ta']);
    const acknowledged = all(agent.probe, 'StatusUpdateAcknowledgement').map((received) => (received.body as { taskId: string }).taskId);
    expect(acknowledged).to.deep.equal(['tp']);
  });
});

describe('actors/master: bugs the chaos run found once pings went out on ticks (issue 13)', () => {
  afterEach(cleanUp);

  it('does not pass a partition-aware framework an update about a task whose terminal update it has acknowledged (chaos seeds 5, 400621)', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:2;mem:1024');
    const aware = await registerFramework(harness, { capabilities: ['PARTITION_AWARE'] });
    await launchOn(harness, aware, agent, 'ta');
    const finished = await agentUpdate(harness, agent, aware.frameworkId, 'ta', 'TASK_FINISHED');
    aware.probe.post(harness.masterPid, 'StatusUpdateAcknowledgement', { agentId: agent.agentId, frameworkId: aware.frameworkId, taskId: 'ta', uuid: finished });
    await harness.clock.settle();
    // The framework's kill crossed the task's end: the agent, which has forgotten the executor, answers it.
    const echo = await agentUpdate(harness, agent, aware.frameworkId, 'ta', 'TASK_DROPPED');
    expect(statesOf(aware.probe, 'ta')).to.deep.equal(['TASK_FINISHED']);
    const acknowledged = all(agent.probe, 'StatusUpdateAcknowledgement').map((received) => (received.body as { uuid: string }).uuid);
    expect(acknowledged).to.deep.equal([finished, echo]);
  });

  it('leaves disconnected an agent whose link broke while its re-admission was written; a fresh agent at its pid gets a new id (chaos seed 10)', async () => {
    const harness = await startHarness({}, undefined, 7, { memoryRegistry: true });
    const agent = await registerAgent(harness, 'cpus:2;mem:1024');
    const aware = await registerFramework(harness, { capabilities: ['PARTITION_AWARE'] });
    await launchOn(harness, aware, agent, 'ta');
    agent.probe.answerPings = false;
    await harness.clock.advance(harness.flags.agentPingTimeoutMs * (harness.flags.maxAgentPingTimeouts + 1) + AGENT_PING_TICK_MS);
    expect(statesOf(aware.probe, 'ta').at(-1)).to.equal('TASK_UNREACHABLE');
    // It comes back, and its machine dies while the re-admission is being written (the memory
    // registry's write completes in promise callbacks, after the mailbox turns that end the agent).
    agent.probe.post(harness.masterPid, 'ReregisterAgent', {
      agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0',
      tasks: [reportedTask('ta', aware.frameworkId, agent.agentId)], executors: [], frameworks: [aware.info],
    });
    harness.host.terminate(agent.probe);
    await harness.clock.settle();
    expect(harness.captured.find('the agent went away while its re-registration was being written; it is disconnected')).to.have.length(1);
    expect((await agents(harness)).map((view) => [view.id, view.connected, view.active])).to.deep.equal([[agent.agentId, false, false]]);
    // The machine restarted fresh: an agent with no id registers at the same pid.
    const fresh = new FakeAgent(agent.probe.id);
    harness.host.spawn(fresh);
    fresh.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo(agent.resources), version: '0.1.0' });
    await harness.clock.advance(1_000);
    const registered = last(fresh, 'AgentRegistered')?.body as { agentId: string } | undefined;
    expect(registered?.agentId).to.be.a('string').and.not.equal(agent.agentId);
    expect((await agents(harness)).map((view) => [view.id, view.connected])).to.deep.equal([[registered?.agentId, true]]);
    expect(statesOf(aware.probe, 'ta').at(-1)).to.not.equal('TASK_RUNNING');
  });
});

/** Launches one `cpus:1;mem:128` task of `framework` on `agent` from its latest offer there. */
async function launchOn(harness: Harness, framework: FakeFramework, agent: AgentHandle, taskId: string): Promise<void> {
  const offer = offersOf(framework.probe).filter((candidate) => candidate.agentId === agent.agentId).at(-1);
  if (offer === undefined) throw new Error(`no offer on ${agent.agentId} for ${framework.frameworkId}`);
  await launch(harness, framework, [offer.id], [commandTask(taskId, agent.agentId, 'cpus:1;mem:128')], 0);
}

/** The agent forwards an update of `state` whose task is at `latestState` already. */
async function forward(harness: Harness, agent: AgentHandle, framework: FakeFramework, taskId: string, state: TaskState, latestState: TaskState): Promise<void> {
  const timestamp = harness.clock.now() / 1000;
  const update: StatusUpdate = {
    frameworkId: framework.frameworkId, agentId: agent.agentId, timestamp, uuid: `${taskId}-${state}`, latestState,
    status: { taskId, state, source: 'SOURCE_EXECUTOR', agentId: agent.agentId, timestamp, uuid: `${taskId}-${state}` },
  };
  agent.probe.post(harness.masterPid, 'StatusUpdate', { update, pid: agent.probe.self().toString() });
  await harness.clock.settle();
}

export type { TaskStatus };
