import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { AGENT_PING_TIMEOUT_MS, MAX_AGENT_PING_TIMEOUTS, MAX_HOSTNAME_LENGTH, type Offer, type StatusUpdate } from '../../../lib/protocol';
import { captureLogger } from '../../../lib/logging';
import { VirtualClock } from '../../../lib/process';
import { parseAcls } from '../../../lib/acls';
import { defaultMasterFlags, startMaster, type MasterFlags } from '../../../actors/master';
import { eventually, netHost } from '../../support/runtime';
import {
  agentInfo, agentUpdate, all, cleanUp, commandTask, FakeAgent, last, latestOffer, launch, masterState, metricsOf, offersOf,
  makeWorkDir, registerAgent, registerFramework, reportedTask, startHarness, statesOf, updatesOf, type Harness,
} from './harness';

type Json = Record<string, unknown>;

function slaves(state: Json): Json[] {
  return state.slaves as Json[];
}

describe('actors/master: agents', () => {
  afterEach(cleanUp);

  describe('registration', () => {
    it('admits the agent, replies AgentRegistered with id <masterId>-S<n>, and offers its resources', async () => {
      const harness = await startHarness();
      const framework = await registerFramework(harness);
      const agent = await registerAgent(harness, 'cpus:2;mem:1024');
      const masterId = harness.handle.master.masterInfo().id;
      expect(agent.agentId).to.equal(`${masterId}-S0`);
      expect(harness.handle.registry.isAdmitted(agent.agentId)).to.equal(true);
      const offer = latestOffer(framework.probe);
      expect(offer).to.include({ agentId: agent.agentId, frameworkId: framework.frameworkId, hostname: 'agent.local', allocationRole: '*' });
      expect(offer.attributes).to.deep.equal({ rack: 'r1' });
      const [slave] = slaves(await masterState(harness));
      expect(slave).to.include({ id: agent.agentId, hostname: 'agent.local', port: 5051, active: true });
      expect(slave?.resources).to.deep.equal({ cpus: 2, gpus: 0, mem: 1024, disk: 0 });
    });

    it('refuses at the boundary an agent whose host name is longer than MAX_HOSTNAME_LENGTH, naming the limit; nothing is admitted (issue 9)', async () => {
      const harness = await startHarness();
      const probe = new FakeAgent('agent-long-name');
      harness.host.spawn(probe);
      probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:512', 'h'.repeat(10_000)), version: '0.1.0' });
      await harness.clock.settle();
      expect(last(probe, 'AgentRegistered')).to.equal(undefined);
      expect(harness.handle.registry.agents()).to.deep.equal([]);
      const logged = harness.captured.find('invalid body');
      expect(logged).to.have.length(1);
      expect(JSON.stringify(logged[0])).to.match(new RegExp(`at most ${MAX_HOSTNAME_LENGTH} characters`));
    });

    it('a retried RegisterAgent from the same pid, pending or done, does not create a second agent', async () => {
      const harness = await startHarness();
      const probe = new FakeAgent('agent-retry');
      harness.host.spawn(probe);
      const message = { agent: agentInfo('cpus:1;mem:512'), version: '0.1.0' };
      probe.post(harness.masterPid, 'RegisterAgent', message);
      probe.post(harness.masterPid, 'RegisterAgent', message); // while the admission is being written
      await harness.clock.settle();
      probe.post(harness.masterPid, 'RegisterAgent', message); // after
      await harness.clock.settle();
      const ids = all(probe, 'AgentRegistered').map((received) => (received.body as { agentId: string }).agentId);
      expect(ids).to.have.length(2);
      expect(new Set(ids).size).to.equal(1);
      expect(slaves(await masterState(harness))).to.have.length(1);
      expect(harness.handle.registry.agents()).to.have.length(1);
    });

    it('drops a RegisterAgent with invalid resources', async () => {
      const harness = await startHarness();
      const probe = new FakeAgent('agent-bad');
      harness.host.spawn(probe);
      probe.post(harness.masterPid, 'RegisterAgent', {
        agent: { hostname: 'h', port: 1, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] }, version: '0.1.0',
      });
      await harness.clock.settle();
      expect(all(probe, 'AgentRegistered')).to.have.length(0);
      expect(harness.captured.find('dropping RegisterAgent with invalid resources')).to.have.length(1);
    });
  });

  describe('re-registration', () => {
    it('an agent id comes back only from its IP and host name (Mesos): anyone else naming it is told to shut down, and the agent keeps its record', async () => {
      // The hostile-wire pass (2026-12-05): a peer re-registered a running agent's id from its own pid and took its tasks.
      const clock = new VirtualClock();
      const captured = captureLogger();
      const masterHost = await netHost({ clock, logger: captured.logger, ip: '127.0.0.1' });
      const impostorHost = await netHost({ clock, ip: '127.0.0.3' });
      try {
        const workDir = makeWorkDir();
        const flags: MasterFlags = { ...defaultMasterFlags(workDir), checkAllocatorInvariants: true, stateTurnBudgetMs: undefined };
        const handle = await startMaster({ flags, host: masterHost });
        const harness: Harness = { clock, host: masterHost, handle, workDir, flags, captured, masterPid: handle.pid };
        const agent = await registerAgent(harness, 'cpus:2;mem:1024', 'agent.local');
        const impostor = new FakeAgent('agent-impostor');
        impostorHost.spawn(impostor);
        for (const hostname of ['evil', 'agent.local']) {
          impostor.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:64;mem:1024', hostname, agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
        }
        await eventually(() => all(impostor, 'Shutdown').length === 2, 5_000, 'both told to shut down');
        expect((last(impostor, 'Shutdown')?.body as { message: string }).message).to.equal('Agent attempted to reregister with different IP / hostname');
        expect(all(impostor, 'AgentReregistered')).to.have.length(0);
        const [slave] = slaves(await masterState(harness));
        expect(slave).to.include({ id: agent.agentId, pid: agent.probe.self().toString(), hostname: 'agent.local', active: true });
        // The agent itself, from another port of its IP (a restart), comes back as before.
        const restartedHost = await netHost({ clock, ip: '127.0.0.1' });
        try {
          const restarted = new FakeAgent('agent-restarted');
          restartedHost.spawn(restarted);
          restarted.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
          await eventually(() => all(restarted, 'AgentReregistered').length === 1, 5_000, 'the restarted agent back');
        } finally {
          await restartedHost.stop();
        }
      } finally {
        await impostorHost.stop();
        await masterHost.stop();
      }
    });

    it("after a failover, a recovered agent's id comes back only from the IP it registered from and its host name (the registry keeps the IP)", async () => {
      // The review of 2026-12-05: the first ReregisterAgent of a recovered id won, from anywhere, and the real agent was then shut down.
      const clock = new VirtualClock();
      const workDir = makeWorkDir();
      const flags: MasterFlags = { ...defaultMasterFlags(workDir), checkAllocatorInvariants: true, stateTurnBudgetMs: undefined };
      const firstHost = await netHost({ clock, ip: '127.0.0.1' });
      const agentHost = await netHost({ clock, ip: '127.0.0.1' });
      const impostorHost = await netHost({ clock, ip: '127.0.0.3' });
      let secondHost: Awaited<ReturnType<typeof netHost>> | undefined;
      try {
        const first = await startMaster({ flags, host: firstHost });
        const agent = new FakeAgent('agent-recovered');
        agentHost.spawn(agent);
        agent.post(first.pid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024'), version: '0.1.0' });
        await eventually(() => all(agent, 'AgentRegistered').length === 1, 5_000, 'the agent admitted');
        const agentId = (last(agent, 'AgentRegistered')?.body as { agentId: string }).agentId;
        expect(first.registry.admittedIp(agentId)).to.equal('127.0.0.1');
        await firstHost.stop();
        secondHost = await netHost({ clock, ip: '127.0.0.1' });
        const second = await startMaster({ flags, host: secondHost });
        const impostor = new FakeAgent('agent-impostor');
        impostorHost.spawn(impostor);
        const comeback = { agent: agentInfo('cpus:2;mem:1024', 'agent.local', agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] };
        impostor.post(second.pid, 'ReregisterAgent', comeback);
        await eventually(() => all(impostor, 'Shutdown').length === 1, 5_000, 'the impostor told to shut down');
        agent.post(second.pid, 'ReregisterAgent', comeback);
        await eventually(() => all(agent, 'AgentReregistered').length === 1, 5_000, 'the agent back');
        expect(all(agent, 'Shutdown')).to.have.length(0);
      } finally {
        await secondHost?.stop();
        await impostorHost.stop();
        await agentHost.stop();
        await firstHost.stop();
      }
    });

    it("register_agents: an agent whose principal the ACLs do not allow is told to shut down when it registers, and only dropped when it re-registers (Mesos: a Shutdown would end its tasks)", async () => {
      const harness = await startHarness({ acls: parseAcls({ permissive: false, register_agents: [{ principals: { values: ['agent'] }, agents: { type: 'ANY' } }] }) });
      const probe = new FakeAgent('agent-unauthorized');
      harness.host.spawn(probe);
      probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:128'), version: '0.1.0' });
      probe.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:1;mem:128', 'agent.local', 'X-S0'), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
      await harness.clock.settle();
      expect(all(probe, 'Shutdown').map((received) => (received.body as { message: string }).message)).to.deep.equal([
        'Agent is not authorized to register: a request without a principal is not authorized to register agents',
      ]);
      expect(harness.captured.find('refusing an agent that is not authorized to register').map((line) => line.name)).to.deep.equal(['RegisterAgent', 'ReregisterAgent']);
      expect(all(probe, 'AgentReregistered')).to.have.length(0);
      expect(all(probe, 'AgentRegistered')).to.have.length(0);
      expect(harness.handle.registry.agents()).to.have.length(0);
    });

    it('reconciles tasks through the agent: AgentReregistered lists the tasks it did not report, none is declared lost, kills are repeated', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness, { checkpoint: true }); // its tasks outlive a broken link (another's are lost at once)
      const offer = latestOffer(framework.probe);
      await launch(harness, framework, [offer.id], [commandTask('kept', agent.agentId), commandTask('gone', agent.agentId)]);
      framework.probe.post(harness.masterPid, 'KillTask', { frameworkId: framework.frameworkId, taskId: 'kept' });
      harness.host.terminate(agent.probe); // the link breaks; the agent restarts at a new pid
      await harness.clock.settle();
      const restarted = new FakeAgent('agent-restarted');
      harness.host.spawn(restarted);
      restarted.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0',
        tasks: [reportedTask('kept', framework.frameworkId, agent.agentId)], executors: [], frameworks: [framework.info],
      });
      await harness.clock.settle();
      const reply = last(restarted, 'AgentReregistered')?.body as { agentId: string; reconciliations?: Array<{ frameworkId: string; taskId: string }> };
      expect(reply.agentId).to.equal(agent.agentId);
      expect(reply.reconciliations?.map((entry) => entry.taskId)).to.deep.equal(['gone']); // as Mesos' reconcileKnownSlave: only what the agent did not report
      expect(reply.reconciliations?.every((entry) => entry.frameworkId === framework.frameworkId)).to.equal(true);
      expect(statesOf(framework.probe, 'gone')).to.deep.equal([]);
      expect(last(restarted, 'KillTaskOnAgent')?.body).to.deep.equal({ frameworkId: framework.frameworkId, taskId: 'kept' });
      let [slave] = slaves(await masterState(harness));
      expect(slave).to.include({ pid: restarted.self().toString(), active: true });
      expect(slave?.used_resources).to.include({ cpus: 2, mem: 256 });
      // The agent never heard of 'gone': it answers with TASK_LOST, an ordinary update, which frees the task's resources.
      await agentUpdate(harness, { probe: restarted, agentId: agent.agentId, resources: agent.resources }, framework.frameworkId, 'gone', 'TASK_LOST');
      expect(statesOf(framework.probe, 'gone')).to.deep.equal(['TASK_LOST']);
      [slave] = slaves(await masterState(harness));
      expect(slave?.used_resources).to.include({ cpus: 1, mem: 128 });
      await harness.clock.advance(10_000); // the freed resources are offered again, and the allocator's books agree (see cleanUp)
    });

    it('does not declare lost a task whose RunTask crossed the ReregisterAgent on the wire', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)]);
      // The agent's ReregisterAgent (sent before it saw the RunTask) does not report t1.
      agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [framework.info],
      });
      await harness.clock.settle();
      expect(statesOf(framework.probe, 't1')).to.deep.equal([]);
      expect((last(agent.probe, 'AgentReregistered')?.body as { reconciliations?: unknown }).reconciliations)
        .to.deep.equal([{ frameworkId: framework.frameworkId, taskId: 't1' }]);
      const names = agent.probe.received.map((received) => received.name).filter((name) => name !== 'Ping');
      expect(names.indexOf('RunTask')).to.be.lessThan(names.indexOf('AgentReregistered'));
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_RUNNING']);
      expect((await metricsOf(harness))['master/tasks_lost']).to.equal(0);
    });

    it('a duplicate ReregisterAgent makes no second offer of the same resources', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], []); // declined, filtered for 5 s
      // Revive makes the allocator allocate the agent at once; that allocation reaches the master
      // just after the agent's retried ReregisterAgent.
      void harness.handle.allocator.revive(framework.frameworkId);
      agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [],
      });
      await harness.clock.advance(10_000);
      expect(all(agent.probe, 'AgentReregistered')).to.have.length(1);
      expect((await metricsOf(harness))['master/outstanding_offers']).to.equal(1);
      const [slave] = slaves(await masterState(harness));
      expect(slave?.offered_resources).to.include({ cpus: 4, mem: 4096 });
      const view = await harness.handle.allocator.agent(agent.agentId);
      expect(view?.active).to.equal(true);
    });

    it('drops a ReregisterAgent whose total cannot hold what its tasks use, and changes nothing', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:3;mem:1024')], 0);
      agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo('cpus:2;mem:4096', 'agent.local', agent.agentId), version: '0.1.0',
        tasks: [reportedTask('t1', framework.frameworkId, agent.agentId, 'TASK_RUNNING', 'cpus:3;mem:1024')], executors: [], frameworks: [framework.info],
      });
      await harness.clock.advance(1_000);
      expect(harness.captured.find('dropping ReregisterAgent')).to.have.length(1);
      expect(all(agent.probe, 'AgentReregistered')).to.have.length(0);
      const [slave] = slaves(await masterState(harness));
      expect(slave?.resources).to.include({ cpus: 4, mem: 4096 });
      expect(resourcesOf(latestOffer(framework.probe))).to.deep.equal({ cpus: 1, mem: 3072 });
    });

    it('a known agent that re-registers with a new total is updated in the allocator, not removed and re-added', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:1024')], 0);
      agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo('cpus:8;mem:4096', 'agent.local', agent.agentId), version: '0.1.0',
        tasks: [reportedTask('t1', framework.frameworkId, agent.agentId, 'TASK_RUNNING', 'cpus:1;mem:1024')], executors: [], frameworks: [framework.info],
      });
      await harness.clock.advance(1_000);
      expect(resourcesOf(latestOffer(framework.probe))).to.deep.equal({ cpus: 7, mem: 3072 });
      const view = await harness.handle.allocator.agent(agent.agentId);
      expect(view?.total.format()).to.equal('cpus:8;mem:4096');
    });

    it('after a re-registration, only what its tasks do not use is offered', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:1024')], 0);
      const before = offersOf(framework.probe).length;
      agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0',
        tasks: [reportedTask('t1', framework.frameworkId, agent.agentId, 'TASK_RUNNING', 'cpus:1;mem:1024')], executors: [], frameworks: [framework.info],
      });
      await harness.clock.advance(1_000);
      const offers = offersOf(framework.probe).slice(before);
      expect(offers.length).to.be.greaterThan(0);
      expect(resourcesOf(offers[offers.length - 1] as Offer)).to.deep.equal({ cpus: 3, mem: 3072 });
    });

    it('re-admits an agent that is not in the registry (its unreachable entry may have been trimmed), registry first, as Mesos does', async () => {
      const harness = await startHarness();
      const stranger = new FakeAgent('agent-stranger');
      harness.host.spawn(stranger);
      stranger.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo('cpus:1;mem:512', 'stranger', 'someone-S7'), version: '0.1.0', tasks: [], executors: [], frameworks: [],
      });
      await harness.clock.settle();
      expect(all(stranger, 'Shutdown')).to.have.length(0);
      expect(all(stranger, 'AgentReregistered')).to.have.length(1);
      expect(harness.handle.registry.isAdmitted('someone-S7')).to.equal(true);
    });
  });

  describe('one agent per address (chaos seeds 940005, 940058)', () => {
    it('an unreachable agent whose late RegisterAgent got it a second id re-registers with its own: the master removes the second, and lists one agent at the address', async () => {
      const harness = await startHarness();
      const framework = await registerFramework(harness);
      const agent = await registerAgent(harness, 'cpus:2;mem:1024');
      agent.probe.answerPings = false;
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
      expect(harness.handle.registry.unreachable().map((entry) => entry.id)).to.deep.equal([agent.agentId]);
      agent.probe.answerPings = true;
      // A RegisterAgent sent before the agent had its id, held by the partition, arrives now.
      agent.probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024'), version: '0.1.0' });
      await harness.clock.settle();
      const second = (last(agent.probe, 'AgentRegistered')?.body as { agentId: string }).agentId;
      expect(second).to.not.equal(agent.agentId);
      // The agent, which has its id, re-registers with it.
      agent.probe.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:2;mem:1024', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
      await harness.clock.settle();
      expect((last(agent.probe, 'AgentReregistered')?.body as { agentId: string }).agentId).to.equal(agent.agentId);
      expect(slaves(await masterState(harness)).map((slave) => [slave.id, slave.pid])).to.deep.equal([[agent.agentId, agent.probe.self().toString()]]);
      expect(harness.handle.registry.isAdmitted(second)).to.equal(false);
      expect(all(framework.probe, 'LostAgent').map((received) => received.body)).to.deep.include({ agentId: second });
      // Pings go to the agent under its own id only: one a period, not two.
      const pings = all(agent.probe, 'Ping').length;
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS);
      expect(all(agent.probe, 'Ping').length - pings).to.equal(1);
    });

    it('an admission written while the agent at that address re-registered with its id is withdrawn: no second id is sent, none is recorded', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:2;mem:1024');
      const restarted = new FakeAgent('agent-same-host');
      harness.host.spawn(restarted);
      restarted.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024'), version: '0.1.0' });
      // Delivered while the admission is being written: the process there has an id after all.
      restarted.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:2;mem:1024', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
      await harness.clock.settle();
      expect(all(restarted, 'AgentReregistered')).to.have.length(1);
      expect(all(restarted, 'AgentRegistered')).to.have.length(0);
      expect(slaves(await masterState(harness)).map((slave) => [slave.id, slave.pid])).to.deep.equal([[agent.agentId, restarted.self().toString()]]);
      expect(harness.handle.registry.agents().map((entry) => entry.id)).to.deep.equal([agent.agentId]);
      expect(harness.captured.find('withdrawing a stale admission')).to.have.length(1);
    });

    it('a late RegisterAgent admitted while the agent at that address re-registers with its id is withdrawn, whichever write ends first: no second id, no offer of it (review of the change)', async () => {
      const harness = await startHarness({}, undefined, 7, { memoryRegistry: true });
      const framework = await registerFramework(harness);
      const agent = await registerAgent(harness, 'cpus:2;mem:1024');
      agent.probe.answerPings = false;
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
      agent.probe.answerPings = true;
      const offersBefore = offersOf(framework.probe).length;
      // The late RegisterAgent first: its admission is written before the re-admission that follows it.
      agent.probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024'), version: '0.1.0' });
      agent.probe.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:2;mem:1024', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
      await harness.clock.settle();
      expect(all(agent.probe, 'AgentRegistered').map((received) => (received.body as { agentId: string }).agentId)).to.deep.equal([agent.agentId]);
      expect([...new Set(offersOf(framework.probe).slice(offersBefore).map((offer) => offer.agentId))]).to.deep.equal([agent.agentId]);
      expect(harness.handle.registry.agents().map((entry) => entry.id)).to.deep.equal([agent.agentId]);
      expect(all(framework.probe, 'LostAgent').map((received) => received.body)).to.deep.equal([{ agentId: agent.agentId }]);
      expect(harness.captured.find('withdrawing a stale admission')).to.have.length(1);
    });

    it("a late RegisterAgent that arrives while the agent's re-admission is written is ignored: its running task is never declared gone (review of the change)", async () => {
      const harness = await startHarness({}, undefined, 7, { memoryRegistry: true });
      const framework = await registerFramework(harness, { capabilities: ['PARTITION_AWARE'], checkpoint: true });
      const agent = await registerAgent(harness, 'cpus:2;mem:1024');
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('T1', agent.agentId)]);
      await agentUpdate(harness, agent, framework.frameworkId, 'T1', 'TASK_RUNNING');
      agent.probe.answerPings = false;
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
      agent.probe.answerPings = true;
      harness.registryDisk?.delayWritesMs(2_000);
      const reregister = (): void => agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo('cpus:2;mem:1024', 'agent.local', agent.agentId), version: '0.1.0',
        tasks: [reportedTask('T1', framework.frameworkId, agent.agentId)], executors: [], frameworks: [framework.info],
      });
      reregister();
      agent.probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024'), version: '0.1.0' });
      await harness.clock.advance(2_000); // the re-admission is durable: the agent is back with T1
      harness.host.breakLink(harness.masterPid, agent.probe.self());
      await harness.clock.advance(10_000);
      reregister();
      await harness.clock.advance(10_000);
      expect(statesOf(framework.probe, 'T1').filter((state) => state !== 'TASK_RUNNING' && state !== 'TASK_STAGING')).to.deep.equal(['TASK_UNREACHABLE']);
      expect(all(agent.probe, 'AgentRegistered').map((received) => (received.body as { agentId: string }).agentId)).to.deep.equal([agent.agentId]);
      expect(slaves(await masterState(harness)).map((slave) => slave.id)).to.deep.equal([agent.agentId]);
    });
  });

  describe('a re-admitted agent reporting a task id that is taken (found by the wire fuzzer, seed 2)', () => {
    it('does not adopt it: the live task stays on its agent, and the allocator agrees', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)], 0);
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
      framework.probe.post(harness.masterPid, 'SuppressOffers', { frameworkId: framework.frameworkId }); // so that it holds its tasks only
      const impostor = new FakeAgent('agent-impostor');
      harness.host.spawn(impostor);
      impostor.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo('cpus:4;mem:4096', 'impostor', 'someone-S7'), version: '0.1.0', executors: [], frameworks: [framework.info],
        tasks: [reportedTask('t1', framework.frameworkId, 'someone-S7'), reportedTask('t2', framework.frameworkId, 'someone-S7'), reportedTask('t2', framework.frameworkId, 'someone-S7')],
      });
      await harness.clock.advance(2_000);
      expect(all(impostor, 'AgentReregistered')).to.have.length(1);
      const tasks = ((await masterState(harness)).frameworks as Json[]).flatMap((entry) => entry.tasks as Json[]);
      expect(tasks.map((task) => [task.id, task.slave_id]).sort()).to.deep.equal([['t1', agent.agentId], ['t2', 'someone-S7']]);
      // (The report is read before and after the re-admission's registry write: each refusal is logged twice.)
      expect([...new Set(harness.captured.find('ignoring reported task: its id is taken').map((record) => record.taskId))]).to.deep.equal(['t1', 't2']);
      // The allocator holds each task once, where the master has it (no offers: suppressed).
      const holdings = await harness.handle.allocator.holdings(framework.frameworkId);
      const held = (agentId: string): string => holdings.filter((holding) => holding.agentId === agentId).map((holding) => holding.resources.format()).join(';');
      expect([held(agent.agentId), held('someone-S7')]).to.deep.equal(['cpus:1;mem:128', 'cpus:1;mem:128']);
    });
  });

  describe('health checks (virtual clock)', () => {
    async function silentAgentWithTask(partitionAware: boolean): Promise<{ harness: Harness; agentId: string; frameworkProbe: FakeFrameworkProbe; offerId: string }> {
      const harness = await startHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      const spare = await registerAgent(harness, 'cpus:1;mem:1024', 'spare.local');
      const framework = await registerFramework(harness, partitionAware ? { capabilities: ['PARTITION_AWARE'] } : {});
      const offers = offersOf(framework.probe);
      const onAgent = offers.find((offer) => offer.agentId === agent.agentId) as Offer;
      await launch(harness, framework, [onAgent.id], [commandTask('t1', agent.agentId)], 0);
      const onSpare = offers.find((offer) => offer.agentId === spare.agentId) as Offer;
      await silence(harness, agent.probe);
      return { harness, agentId: agent.agentId, frameworkProbe: framework.probe, offerId: onSpare.id };
    }

    it(`pings every ${AGENT_PING_TIMEOUT_MS / 1000} s; ${MAX_AGENT_PING_TIMEOUTS - 1} missed pongs keep the agent, ${MAX_AGENT_PING_TIMEOUTS} remove it`, async () => {
      const { harness, agentId, frameworkProbe } = await silentAgentWithTask(false);
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS - 1));
      expect(slaves(await masterState(harness)).map((slave) => slave.id)).to.include(agentId);
      expect(all(frameworkProbe, 'LostAgent')).to.have.length(0);
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS);
      expect(slaves(await masterState(harness)).map((slave) => slave.id)).to.not.include(agentId);
      expect(last(frameworkProbe, 'LostAgent')?.body).to.deep.equal({ agentId });
      const update = updatesOf(frameworkProbe).find(({ update: u }) => u.status.taskId === 't1' && u.status.state !== 'TASK_STAGING')?.update as StatusUpdate;
      expect(update.status).to.include({ state: 'TASK_LOST', reason: 'REASON_AGENT_REMOVED', source: 'SOURCE_MASTER' });
      expect(update.uuid).to.equal(undefined);
      const metrics = await metricsOf(harness);
      expect(metrics['master/slave_removals/reason_unhealthy']).to.equal(1);
      expect(metrics['master/tasks_lost']).to.equal(1);
      expect(harness.handle.registry.unreachable().map((entry) => entry.id)).to.deep.equal([agentId]);
    });

    it('tasks of PARTITION_AWARE frameworks become TASK_UNREACHABLE', async () => {
      const { harness, frameworkProbe } = await silentAgentWithTask(true);
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * MAX_AGENT_PING_TIMEOUTS);
      expect(statesOf(frameworkProbe, 't1')).to.deep.equal(['TASK_UNREACHABLE']);
      // When the agent became unreachable, as Mesos says it (v1 walkthrough: it was missing).
      const update = updatesOf(frameworkProbe).find(({ update: u }) => u.status.state === 'TASK_UNREACHABLE')?.update as StatusUpdate;
      expect(update.status.unreachableTime).to.equal(harness.handle.registry.unreachable()[0]!.timeMs / 1000);
      const [framework] = (await masterState(harness)).frameworks as Json[];
      expect((framework?.unreachable_tasks as Json[]).map((task) => task.id)).to.deep.equal(['t1']);
      expect((await metricsOf(harness))['master/tasks_unreachable']).to.equal(1);
    });

    it("rescinds the removed agent's outstanding offers", async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness);
      await silence(harness, agent.probe);
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * MAX_AGENT_PING_TIMEOUTS);
      // The offer outstanding when the agent went (offers to unauthenticated frameworks time out meanwhile, and are made again).
      expect(last(framework.probe, 'RescindResourceOffer')?.body).to.deep.equal({ offerId: latestOffer(framework.probe).id });
      expect((await metricsOf(harness))['master/outstanding_offers']).to.equal(0);
    });

    it('an agent that answers keeps being pinged and is never removed', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * MAX_AGENT_PING_TIMEOUTS * 3);
      expect(all(agent.probe, 'Ping').length).to.equal(MAX_AGENT_PING_TIMEOUTS * 3 + 1);
      expect(slaves(await masterState(harness))).to.have.length(1);
    });
  });

  describe('disconnection', () => {
    it('a disconnected agent is not offered, and is removed if it does not re-register within the timeout', async () => {
      const harness = await startHarness({ agentReregisterTimeoutMs: 60_000 });
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness);
      const offer = latestOffer(framework.probe);
      harness.host.terminate(agent.probe);
      await harness.clock.settle();
      expect(last(framework.probe, 'RescindResourceOffer')?.body).to.deep.equal({ offerId: offer.id });
      expect(slaves(await masterState(harness))[0]).to.include({ active: false, connected: false });
      await harness.clock.advance(60_000);
      expect(slaves(await masterState(harness))).to.have.length(0);
      expect(last(framework.probe, 'LostAgent')?.body).to.deep.equal({ agentId: agent.agentId });
    });

    it('a framework that does not checkpoint loses its tasks on a disconnected agent at once (TASK_LOST, REASON_AGENT_DISCONNECTED), their resources freed; a checkpointing one\'s wait for the agent (agent-recovery walkthrough: RUNNING for 90 s)', async () => {
      const harness = await startHarness({ agentReregisterTimeoutMs: 60_000 });
      const agent = await registerAgent(harness);
      const plain = await registerFramework(harness, { name: 'plain' });
      await launch(harness, plain, [latestOffer(plain.probe).id], [commandTask('p1', agent.agentId)]);
      const keeper = await registerFramework(harness, { name: 'keeper', checkpoint: true });
      await launch(harness, keeper, [latestOffer(keeper.probe).id], [commandTask('k1', agent.agentId)]);
      await agentUpdate(harness, agent, plain.frameworkId, 'p1', 'TASK_RUNNING');
      await agentUpdate(harness, agent, keeper.frameworkId, 'k1', 'TASK_RUNNING');
      harness.host.terminate(agent.probe);
      await harness.clock.settle();
      expect(statesOf(plain.probe, 'p1')).to.deep.equal(['TASK_RUNNING', 'TASK_LOST']);
      const lost = updatesOf(plain.probe).at(-1)?.update.status;
      expect([lost?.reason, lost?.source, lost?.message]).to.deep.equal(['REASON_AGENT_DISCONNECTED', 'SOURCE_MASTER', 'Agent agent.local disconnected']);
      expect(statesOf(keeper.probe, 'k1')).to.deep.equal(['TASK_RUNNING']);
      const state = await masterState(harness);
      const frameworks = state.frameworks as Array<{ name: string; tasks: Array<{ id: string; state: string }>; completed_tasks: Array<{ id: string; state: string }>; used_resources: { cpus: number } }>;
      const plainState = frameworks.find((framework) => framework.name === 'plain');
      expect([plainState?.tasks, plainState?.completed_tasks.map((task) => `${task.id}:${task.state}`), plainState?.used_resources.cpus]).to.deep.equal([[], ['p1:TASK_LOST'], 0]);
      expect(frameworks.find((framework) => framework.name === 'keeper')?.tasks.map((task) => `${task.id}:${task.state}`)).to.deep.equal(['k1:TASK_RUNNING']);
      expect((await metricsOf(harness))['master/tasks_lost']).to.equal(1);
      // Only the link broke: the agent comes back with both tasks alive. The lost one is killed, not
      // left running on resources offered again; the other goes on.
      const back = new FakeAgent('agent-back');
      harness.host.spawn(back);
      back.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0',
        tasks: [reportedTask('p1', plain.frameworkId, agent.agentId), reportedTask('k1', keeper.frameworkId, agent.agentId)], executors: [], frameworks: [plain.info, keeper.info],
      });
      await harness.clock.settle();
      expect(all(back, 'KillTaskOnAgent').map((kill) => kill.body)).to.deep.equal([{ frameworkId: plain.frameworkId, taskId: 'p1' }]);
      const after = (await masterState(harness)).frameworks as Array<{ name: string; tasks: Array<{ id: string; state: string }> }>;
      expect(after.map((framework) => [framework.name, framework.tasks.map((task) => `${task.id}:${task.state}`)])).to.deep.equal([['plain', []], ['keeper', ['k1:TASK_RUNNING']]]);
      // Once the agent comes back without it, the kill is forgotten (it stayed with the agent's record for good: review).
      const killsKept = (): Promise<number> => dispatch(harness.handle.master, (master) => ((master as unknown as { state: { agents: Map<string, { killedTasks: Set<string> }> } }).state.agents.get(agent.agentId)?.killedTasks.size ?? -1));
      expect(await killsKept()).to.equal(1);
      back.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0',
        tasks: [reportedTask('k1', keeper.frameworkId, agent.agentId)], executors: [], frameworks: [plain.info, keeper.info],
      });
      await harness.clock.settle();
      expect(await killsKept()).to.equal(0);
    });

    it('UnregisterAgent removes the agent from the registry', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      agent.probe.post(harness.masterPid, 'UnregisterAgent', { agentId: agent.agentId });
      await harness.clock.settle();
      expect(slaves(await masterState(harness))).to.have.length(0);
      expect(harness.handle.registry.agents()).to.have.length(0);
      expect((await metricsOf(harness))['master/slave_removals/reason_unregistered']).to.equal(1);
    });
  });
});

/**
 * The agent stops answering: the ping already answered does not count, so this waits one
 * interval for the first ping that goes unanswered.
 */
async function silence(harness: Harness, agent: FakeAgent): Promise<void> {
  agent.answerPings = false;
  await harness.clock.advance(AGENT_PING_TIMEOUT_MS);
}

type FakeFrameworkProbe = Awaited<ReturnType<typeof registerFramework>>['probe'];

/** An offer's scalars as `{name: value}`. */
function resourcesOf(offer: Offer): Record<string, number> {
  return Object.fromEntries(offer.resources.map((resource) => [resource.name, (resource as { scalar?: { value: number } }).scalar?.value ?? 0]));
}
