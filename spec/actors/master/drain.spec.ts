/**
 * Agent draining and deactivation on the master (Mesos 1.9's DRAIN_AGENT, DEACTIVATE_AGENT and
 * REACTIVATE_AGENT; src/master/http.cpp, master.cpp's `checkAndTransitionDrainingAgent`): what an
 * operator sees (GET_AGENTS, `/master/state`), what the allocator offers, what the agent is told,
 * what survives a master failover, and what is refused.
 */
import { expect } from 'chai';
import { AGENT_PING_TIMEOUT_MS, MAX_AGENT_PING_TIMEOUTS, type Offer, type StatusUpdate } from '../../../lib/protocol';
import { parseAcls, type MasterFlags } from '../../../actors/master';
import { StandbyMaster } from '../../../actors/master/standby';
import { apiActorId, StandbyApi } from '../../../actors/master/v1-scheduler';
import { v1CallBytes, v1ResponseJson } from '../../../lib/v1/protobuf';
import { netHost, Probe, within } from '../../support/runtime';
import {
  agentInfo, agentUpdate, all, cleanUp, commandTask, FakeAgent, FRAMEWORK_MESSAGES, last, latestOffer, launch, makeWorkDir, masterState, offersOf, registerFramework, reportedTask,
  startListeningHarness, statesOf, type AgentHandle, type FakeFramework, type Harness,
} from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

/** Hosts started here, stopped after each test. */
const started: Harness[] = [];

async function listening(extra: Partial<MasterFlags> = {}, workDir = makeWorkDir()): Promise<Harness> {
  const harness = await startListeningHarness(extra, workDir);
  started.push(harness);
  return harness;
}

/** Stops `harness` (a master "failing over"): its work dir (the registry) stays for the next. */
async function stop(harness: Harness): Promise<void> {
  started.splice(started.indexOf(harness), 1);
  await harness.host.stop();
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: Json;
}

/** POSTs `body` to the master's `/api/v1` in JSON. */
async function call(harness: Harness, body: object, headers: Record<string, string> = {}): Promise<Answer> {
  const url = `http://${harness.host.address}/api/v1`;
  const response = await within(fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', accept: 'application/json', ...headers } }), 10_000, url);
  const text = await response.text();
  await harness.clock.settle();
  return { status: response.status, text, json: text.startsWith('{') ? JSON.parse(text) as Json : {} };
}

const agentIdOf = (agentId: string): Json => ({ value: agentId });
const drain = (agentId: string, extra: Json = {}): Json => ({ type: 'DRAIN_AGENT', drain_agent: { agent_id: agentIdOf(agentId), ...extra } });
const deactivate = (agentId: string): Json => ({ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: agentIdOf(agentId) } });
const reactivate = (agentId: string): Json => ({ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: agentIdOf(agentId) } });

let nextAgent = 1;

/** A registered fake agent, with the host name it registered with. */
interface DrainableAgent extends AgentHandle {
  readonly hostname: string;
}

/** Registers a fake agent that can drain (it advertises AGENT_DRAINING, as this project's agent does), or `capabilities`. */
async function registerDrainableAgent(harness: Harness, resources = 'cpus:2;mem:1024', capabilities: string[] = ['AGENT_DRAINING']): Promise<DrainableAgent> {
  const number = nextAgent++;
  const probe = new FakeAgent(`drain-agent-${number}`);
  const hostname = `host-${number}`;
  harness.host.spawn(probe);
  probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo(resources, hostname), version: '0.1.0', capabilities });
  await harness.clock.settle();
  const registered = last(probe, 'AgentRegistered');
  if (registered === undefined) throw new Error('agent was not registered');
  return { probe, agentId: (registered.body as { agentId: string }).agentId, resources, hostname };
}

/** `agent` (or a new probe in its place: `probe`) re-registers, reporting `tasks` of `framework`. */
async function reregister(harness: Harness, agent: DrainableAgent, probe: FakeAgent, framework: FakeFramework | undefined, taskIds: readonly string[] = []): Promise<void> {
  probe.post(harness.masterPid, 'ReregisterAgent', {
    agent: agentInfo(agent.resources, agent.hostname, agent.agentId), version: '0.1.0', capabilities: ['AGENT_DRAINING'],
    tasks: framework === undefined ? [] : taskIds.map((taskId) => reportedTask(taskId, framework.frameworkId, agent.agentId)), executors: [], frameworks: framework === undefined || taskIds.length === 0 ? [] : [framework.info],
  });
  await harness.clock.settle();
}

/** GET_AGENTS' entry for `agentId` (undefined when the master does not list it). */
async function agentEntry(harness: Harness, agentId: string): Promise<Json | undefined> {
  const agents = ((await call(harness, { type: 'GET_AGENTS' })).json.get_agents?.agents ?? []) as Json[];
  return agents.find((agent) => agent.agent_info.id.value === agentId);
}

/** `/master/state`'s entry for `agentId`. */
async function stateEntry(harness: Harness, agentId: string): Promise<Json | undefined> {
  return ((await masterState(harness)).slaves as Json[]).find((agent) => agent.id === agentId);
}

/** The framework acknowledges the update of `taskId` its probe received last. */
async function acknowledgeLast(harness: Harness, framework: FakeFramework, agentId: string, taskId: string): Promise<void> {
  const update = [...all(framework.probe, 'StatusUpdate')].reverse().map((received) => (received.body as { update: StatusUpdate }).update).find((candidate) => candidate.status.taskId === taskId);
  if (update === undefined) throw new Error(`no update of ${taskId}`);
  framework.probe.post(harness.masterPid, 'StatusUpdateAcknowledgement', { agentId, frameworkId: framework.frameworkId, taskId, uuid: update.uuid });
  await harness.clock.settle();
}

/** Offers a framework received of `agentId`'s resources. */
function offersOn(framework: FakeFramework, agentId: string): Offer[] {
  return offersOf(framework.probe).filter((offer) => offer.agentId === agentId);
}

/** A master with a drainable agent running task `t1` of a partition-aware framework. */
async function withRunningTask(extra: Partial<MasterFlags> = {}, workDir?: string): Promise<{ harness: Harness; agent: DrainableAgent; framework: FakeFramework }> {
  const harness = await listening(extra, workDir);
  const agent = await registerDrainableAgent(harness);
  // It checkpoints: its task outlives a broken link (another framework's is lost at once).
  const framework = await registerFramework(harness, { name: 'drained', capabilities: ['PARTITION_AWARE'], checkpoint: true });
  await harness.clock.advance(1_000);
  await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:128')], 0);
  await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
  await acknowledgeLast(harness, framework, agent.agentId, 't1');
  return { harness, agent, framework };
}

describe('actors/master: agent draining and deactivation (DRAIN_AGENT, DEACTIVATE_AGENT, REACTIVATE_AGENT)', () => {
  afterEach(async () => {
    await Promise.all(started.splice(0).map((harness) => harness.host.stop()));
    await cleanUp();
  });

  describe('DEACTIVATE_AGENT and REACTIVATE_AGENT', () => {
    it("a deactivated agent's offers are rescinded and it is offered no more, its task runs on; GET_AGENTS and /master/state say deactivated; REACTIVATE_AGENT offers it again", async () => {
      const { harness, agent, framework } = await withRunningTask();
      await harness.clock.advance(1_000);
      const outstanding = offersOn(framework, agent.agentId).at(-1);
      expect(outstanding, 'what the task leaves is offered').to.not.equal(undefined);
      expect((await call(harness, deactivate(agent.agentId))).status).to.equal(200);
      expect(all(framework.probe, 'RescindResourceOffer').map((received) => (received.body as { offerId: string }).offerId)).to.include(outstanding?.id);
      expect(all(agent.probe, 'KillTaskOnAgent'), 'its task runs on').to.have.length(0);
      expect(await agentEntry(harness, agent.agentId)).to.deep.include({ active: false, deactivated: true });
      const state = await stateEntry(harness, agent.agentId);
      expect(state).to.deep.include({ active: false, deactivated: true, connected: true });
      expect(state).to.not.have.property('drain_info');
      const header = await masterState(harness);
      expect([header.activated_slaves, header.deactivated_slaves]).to.deep.equal([0, 1]);
      const offered = offersOn(framework, agent.agentId).length;
      await harness.clock.advance(10_000);
      expect(offersOn(framework, agent.agentId), 'nothing offered while deactivated').to.have.length(offered);
      // Idempotent, as Mesos.
      expect((await call(harness, deactivate(agent.agentId))).status).to.equal(200);

      expect((await call(harness, reactivate(agent.agentId))).status).to.equal(200);
      expect(await agentEntry(harness, agent.agentId)).to.deep.include({ active: true, deactivated: false });
      await harness.clock.advance(1_000);
      expect(offersOn(framework, agent.agentId).length, 'offered again').to.be.greaterThan(offered);
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_RUNNING']);
    });

    it('an agent whose link breaks and comes back stays deactivated (its reconnection does not activate it, as Mesos); reactivated while disconnected, it is offered once back', async () => {
      const { harness, agent, framework } = await withRunningTask();
      expect((await call(harness, deactivate(agent.agentId))).status).to.equal(200);
      harness.host.terminate(agent.probe); // the link breaks
      await harness.clock.settle();
      expect(await agentEntry(harness, agent.agentId)).to.deep.include({ active: false, deactivated: true });
      const back = new FakeAgent(`${agent.probe.id}-back`);
      harness.host.spawn(back);
      const offered = offersOn(framework, agent.agentId).length;
      await reregister(harness, agent, back, framework, ['t1']);
      expect(last(back, 'AgentReregistered')).to.not.equal(undefined);
      expect(await agentEntry(harness, agent.agentId)).to.deep.include({ active: false, deactivated: true });
      expect((await harness.handle.allocator.agent(agent.agentId))?.active, 'nor in the allocator').to.equal(false);
      await harness.clock.advance(10_000);
      expect(offersOn(framework, agent.agentId), 'still not offered').to.have.length(offered);

      harness.host.terminate(back);
      await harness.clock.settle();
      expect((await call(harness, reactivate(agent.agentId))).status, 'reactivated while disconnected').to.equal(200);
      expect(await agentEntry(harness, agent.agentId)).to.deep.include({ active: false, deactivated: false });
      await harness.clock.advance(10_000);
      expect(offersOn(framework, agent.agentId), 'not while disconnected').to.have.length(offered);
      const again = new FakeAgent(`${agent.probe.id}-again`);
      harness.host.spawn(again);
      await reregister(harness, agent, again, framework, ['t1']);
      await harness.clock.advance(1_000);
      expect(await agentEntry(harness, agent.agentId)).to.deep.include({ active: true, deactivated: false });
      expect(offersOn(framework, agent.agentId).length, 'offered once back').to.be.greaterThan(offered);
    });

    it('REACTIVATE_AGENT of an agent not deactivated is 400 "Agent is not deactivated"; DEACTIVATE_AGENT of an unknown agent is 400 "Unknown agent" (Mesos\' answers)', async () => {
      const harness = await listening();
      const agent = await registerDrainableAgent(harness);
      const notDeactivated = await call(harness, reactivate(agent.agentId));
      expect([notDeactivated.status, notDeactivated.text]).to.deep.equal([400, 'Agent is not deactivated']);
      const unknown = await call(harness, deactivate('no-such-agent'));
      expect([unknown.status, unknown.text]).to.deep.equal([400, 'Unknown agent']);
      const missing = await call(harness, { type: 'DEACTIVATE_AGENT' });
      expect([missing.status, missing.text]).to.deep.equal([400, "Failed to validate master::Call: Expecting 'deactivate_agent' to be present"]);
      expect((await call(harness, { type: 'REACTIVATE_AGENT', reactivate_agent: {} })).status).to.equal(400);
    });
  });

  describe('DRAIN_AGENT', () => {
    it("deactivates the agent and tells it to drain (max_grace_period as nanoseconds); DRAINING until its task's terminal update is acknowledged, then DRAINED (registry first); REACTIVATE_AGENT is refused while DRAINING and undoes it once DRAINED", async () => {
      const { harness, agent, framework } = await withRunningTask();
      const drained = await call(harness, drain(agent.agentId, { max_grace_period: { seconds: 10, nanos: 500 } }));
      expect([drained.status, drained.text]).to.deep.equal([200, '']);
      expect(last(agent.probe, 'DrainAgent')?.body).to.deep.equal({ config: { maxGracePeriodNs: 10_000_000_500, markGone: false } });
      const config = { max_grace_period: { nanoseconds: 10_000_000_500 }, mark_gone: false };
      const entry = await agentEntry(harness, agent.agentId);
      expect(entry).to.deep.include({ active: false, deactivated: true, drain_info: { state: 'DRAINING', config } });
      expect(entry?.estimated_drain_start_time.nanoseconds).to.equal(harness.clock.now() * 1e6);
      expect(await stateEntry(harness, agent.agentId)).to.deep.include({ deactivated: true, drain_info: { state: 'DRAINING', config }, estimated_drain_start_time_seconds: harness.clock.now() / 1000 });
      expect(harness.handle.registry.deactivatedAgents().get(agent.agentId)).to.deep.equal({ state: 'DRAINING', config: { maxGracePeriodNs: 10_000_000_500, markGone: false } });

      const stillDraining = await call(harness, reactivate(agent.agentId));
      expect([stillDraining.status, stillDraining.text]).to.deep.equal([400, 'Agent is still in the DRAINING state']);
      // The agent kills its task (the agent's side is agent/drain.spec.ts): its terminal update is not yet acknowledged.
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_KILLED');
      expect((await agentEntry(harness, agent.agentId))?.drain_info.state, 'an update not yet acknowledged').to.equal('DRAINING');
      await acknowledgeLast(harness, framework, agent.agentId, 't1');
      expect((await agentEntry(harness, agent.agentId))?.drain_info.state).to.equal('DRAINED');
      expect(harness.handle.registry.deactivatedAgents().get(agent.agentId)?.state).to.equal('DRAINED');
      const offered = offersOn(framework, agent.agentId).length;
      await harness.clock.advance(5_000);
      expect(offersOn(framework, agent.agentId), 'a drained agent is not offered').to.have.length(offered);

      expect((await call(harness, reactivate(agent.agentId))).status).to.equal(200);
      const back = await agentEntry(harness, agent.agentId);
      expect(back).to.deep.include({ active: true, deactivated: false });
      expect(back).to.not.have.property('drain_info');
      expect(back).to.not.have.property('estimated_drain_start_time');
      expect(harness.handle.registry.deactivatedAgents().size).to.equal(0);
      await harness.clock.advance(1_000);
      expect(offersOn(framework, agent.agentId).length).to.be.greaterThan(offered);
    });

    it('a framework torn down takes its tasks off the books: the draining agent is DRAINED then (Mesos waits for the agent\'s next acknowledgement or re-registration)', async () => {
      const { harness, agent, framework } = await withRunningTask();
      expect((await call(harness, drain(agent.agentId))).status).to.equal(200);
      expect((await agentEntry(harness, agent.agentId))?.drain_info.state).to.equal('DRAINING');
      expect((await call(harness, { type: 'TEARDOWN', teardown: { framework_id: { value: framework.frameworkId } } })).status).to.equal(200);
      expect((await agentEntry(harness, agent.agentId))?.drain_info.state).to.equal('DRAINED');
    });

    it('an agent with nothing on it is DRAINED at once; draining it again is DRAINING, then DRAINED again', async () => {
      const harness = await listening();
      const agent = await registerDrainableAgent(harness);
      expect((await call(harness, drain(agent.agentId))).status).to.equal(200);
      expect(last(agent.probe, 'DrainAgent')?.body).to.deep.equal({ config: { markGone: false } });
      expect((await agentEntry(harness, agent.agentId))?.drain_info).to.deep.equal({ state: 'DRAINED', config: { mark_gone: false } });
      expect((await call(harness, drain(agent.agentId, { mark_gone: false, max_grace_period: { seconds: '3' } }))).status).to.equal(200);
      expect((await agentEntry(harness, agent.agentId))?.drain_info).to.deep.equal({ state: 'DRAINED', config: { max_grace_period: { nanoseconds: 3e9 }, mark_gone: false } });
      expect(all(agent.probe, 'DrainAgent')).to.have.length(2);
    });

    it('with mark_gone, the drained agent is marked gone (as MARK_AGENT_GONE): told to shut down, forgotten by the registry, refused if it comes back', async () => {
      const { harness, agent, framework } = await withRunningTask();
      expect((await call(harness, drain(agent.agentId, { mark_gone: true }))).status).to.equal(200);
      expect(last(agent.probe, 'DrainAgent')?.body).to.deep.equal({ config: { markGone: true } });
      // The agent says TASK_GONE_BY_OPERATOR to a partition-aware framework (agent/drain.spec.ts).
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_GONE_BY_OPERATOR');
      expect(last(agent.probe, 'Shutdown'), 'not before its update is acknowledged').to.equal(undefined);
      await acknowledgeLast(harness, framework, agent.agentId, 't1');
      expect(last(agent.probe, 'Shutdown')?.body).to.deep.equal({ message: 'Agent marked gone by the operator' });
      expect(await agentEntry(harness, agent.agentId)).to.equal(undefined);
      expect(harness.handle.registry.gone().map((gone) => gone.id)).to.deep.equal([agent.agentId]);
      expect(harness.handle.registry.deactivatedAgents().size, 'its draining went with it').to.equal(0);
      expect((await call(harness, drain(agent.agentId))).text, 'a gone agent is unknown').to.equal('Unknown agent');
    });

    it('draining an unreachable agent is recorded (200, as Mesos); it is told to drain, and never offered, once it comes back', async () => {
      const { harness, agent, framework } = await withRunningTask();
      agent.probe.answerPings = false;
      await harness.clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_RUNNING', 'TASK_UNREACHABLE']);
      expect((await call(harness, drain(agent.agentId, { max_grace_period: { seconds: 1 } }))).status).to.equal(200);
      expect(all(agent.probe, 'DrainAgent'), 'not while unreachable').to.have.length(0);
      expect(harness.handle.registry.deactivatedAgents().get(agent.agentId)?.state).to.equal('DRAINING');
      agent.probe.answerPings = true;
      const offered = offersOn(framework, agent.agentId).length;
      await reregister(harness, agent, agent.probe, framework, ['t1']);
      expect(last(agent.probe, 'AgentReregistered'), 'readmitted').to.not.equal(undefined);
      expect(last(agent.probe, 'DrainAgent')?.body).to.deep.equal({ config: { maxGracePeriodNs: 1e9, markGone: false } });
      expect(await agentEntry(harness, agent.agentId)).to.deep.include({ active: false, deactivated: true, drain_info: { state: 'DRAINING', config: { max_grace_period: { nanoseconds: 1e9 }, mark_gone: false } } });
      await harness.clock.advance(5_000);
      expect(offersOn(framework, agent.agentId), 'never offered').to.have.length(offered);
    });

    it('refuses: an unknown agent (400 "Unknown agent"), one not capable of draining (400), a bad max_grace_period (400), and the ACLs\' drain_agents, mark_agents_gone with mark_gone, deactivate_agents and reactivate_agents (403)', async () => {
      const harness = await listening();
      const unknown = await call(harness, drain('no-such-agent'));
      expect([unknown.status, unknown.text]).to.deep.equal([400, 'Unknown agent']);
      const old = await registerDrainableAgent(harness, 'cpus:1;mem:128', []);
      const incapable = await call(harness, drain(old.agentId));
      expect([incapable.status, incapable.text]).to.deep.equal([400, `Agent ${old.agentId} is not capable of draining`]);
      expect(await agentEntry(harness, old.agentId)).to.deep.include({ deactivated: false });
      const agent = await registerDrainableAgent(harness);
      const bad: Array<[unknown, RegExp]> = [
        [{ seconds: -1 }, /max_grace_period: must not be negative/],
        [{ nanos: -5 }, /max_grace_period: must not be negative/],
        [{ seconds: 1, nanos: 1_000_000_000 }, /max_grace_period: nanos: must be between/],
        [{ seconds: 1, nanos: -1 }, /max_grace_period: seconds and nanos must have the same sign/],
        [{ seconds: 'ten' }, /max_grace_period.seconds/],
        [{ seconds: 1.5 }, /max_grace_period.seconds: must be an integer/],
        [{ seconds: 9_007_199_254 }, /max_grace_period: must be at most 9007199254740991 nanoseconds/],
        ['10mins', /max_grace_period/],
        // The answers' DurationInfo shape, a Duration of 0 if its key were ignored: every task killed at once.
        [{ nanoseconds: 1_000_000_000 }, /max_grace_period.*'nanoseconds'.*only 'seconds' and 'nanos'/],
      ];
      for (const [period, expected] of bad) {
        const answer = await call(harness, drain(agent.agentId, { max_grace_period: period }));
        expect([answer.status, answer.text], JSON.stringify(period)).to.satisfy(([status, text]: [number, string]) => status === 400 && expected.test(text));
      }
      expect((await call(harness, drain(agent.agentId, { mark_gone: 'yes' }))).status).to.equal(400);
      expect((await call(harness, { type: 'DRAIN_AGENT' })).text).to.equal("Failed to validate master::Call: Expecting 'drain_agent' to be present");
      expect(all(agent.probe, 'DrainAgent'), 'nothing was drained').to.have.length(0);
      expect(harness.handle.registry.deactivatedAgents().size).to.equal(0);

      const none = { principals: { type: 'ANY' }, agents: { type: 'NONE' } };
      const guarded = await listening({ acls: parseAcls({ drain_agents: [{ principals: { type: 'ANY' }, agents: { type: 'ANY' } }], mark_agents_gone: [none], deactivate_agents: [none], reactivate_agents: [none] }) });
      const target = await registerDrainableAgent(guarded);
      const markGone = await call(guarded, drain(target.agentId, { mark_gone: true }));
      expect([markGone.status, markGone.text]).to.deep.equal([403, 'Forbidden: a request without a principal is not authorized to mark agents gone']);
      expect((await call(guarded, deactivate(target.agentId))).text).to.equal('Forbidden: a request without a principal is not authorized to deactivate agents');
      expect((await call(guarded, drain(target.agentId))).status, 'drain_agents allows it').to.equal(200);
      expect((await call(guarded, reactivate(target.agentId))).text).to.equal('Forbidden: a request without a principal is not authorized to reactivate agents');
      const denied = await listening({ acls: parseAcls({ drain_agents: [none] }) });
      const other = await registerDrainableAgent(denied);
      expect((await call(denied, drain(other.agentId))).text).to.equal('Forbidden: a request without a principal is not authorized to drain agents');
    });

    it('is served in protobuf too: DrainAgent\'s google.protobuf.Duration read, GET_AGENTS\' drain_info written', async () => {
      const { harness, agent } = await withRunningTask();
      const body = v1CallBytes('master', drain(agent.agentId, { max_grace_period: { seconds: 2 }, mark_gone: false }));
      const url = `http://${harness.host.address}/api/v1`;
      const drained = await within(fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' } }), 10_000, url);
      expect(drained.status).to.equal(200);
      await harness.clock.settle();
      expect(last(agent.probe, 'DrainAgent')?.body).to.deep.equal({ config: { maxGracePeriodNs: 2e9, markGone: false } });
      const answer = await within(fetch(url, { method: 'POST', body: v1CallBytes('master', { type: 'GET_AGENTS' }), headers: { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' } }), 10_000, url);
      const agents = v1ResponseJson('master', new Uint8Array(await answer.arrayBuffer())).get_agents as Json;
      expect(agents.agents[0]).to.deep.include({ deactivated: true, drain_info: { state: 'DRAINING', config: { max_grace_period: { nanoseconds: 2e9 }, mark_gone: false } } });
    });
  });

  describe('across a master failover (the registry)', () => {
    it('a deactivated agent and a draining one stay so under the next master: neither is offered when it re-registers, the draining one is told to drain again and DRAINED once its task is gone', async () => {
      const first = await listening();
      const quiet = await registerDrainableAgent(first);
      const busy = await registerDrainableAgent(first);
      const framework = await registerFramework(first, { name: 'fw', capabilities: ['PARTITION_AWARE'], checkpoint: true });
      await first.clock.advance(1_000);
      const offer = offersOn(framework, busy.agentId).at(-1) as Offer;
      await launch(first, framework, [offer.id], [commandTask('t1', busy.agentId)], 0);
      await agentUpdate(first, busy, framework.frameworkId, 't1', 'TASK_RUNNING');
      expect((await call(first, deactivate(quiet.agentId))).status).to.equal(200);
      expect((await call(first, drain(busy.agentId, { max_grace_period: { seconds: 5 } }))).status).to.equal(200);
      await stop(first);

      const second = await listening({}, first.workDir);
      expect(second.handle.registry.deactivatedAgents()).to.deep.equal(new Map([[quiet.agentId, undefined], [busy.agentId, { state: 'DRAINING', config: { maxGracePeriodNs: 5e9, markGone: false } }]]));
      // The framework's scheduler fails over to the new master too.
      const scheduler = new Probe('scheduler-back', FRAMEWORK_MESSAGES);
      second.host.spawn(scheduler);
      scheduler.post(second.masterPid, 'ReregisterFramework', { framework: framework.info, failover: true });
      await second.clock.settle();
      const framework2: FakeFramework = { probe: scheduler, frameworkId: framework.frameworkId, info: framework.info };
      const probes = new Map<string, FakeAgent>();
      for (const [agent, taskIds] of [[quiet, []], [busy, ['t1']]] as const) {
        const probe = new FakeAgent(`back-${agent.agentId}`);
        second.host.spawn(probe);
        probes.set(agent.agentId, probe);
        await reregister(second, agent, probe, framework, taskIds);
      }
      await second.clock.advance(5_000);
      expect(await agentEntry(second, quiet.agentId)).to.deep.include({ active: false, deactivated: true });
      expect((await second.handle.allocator.agent(quiet.agentId))?.active, 'added inactive to the allocator').to.equal(false);
      expect(await agentEntry(second, busy.agentId)).to.deep.include({ active: false, deactivated: true, drain_info: { state: 'DRAINING', config: { max_grace_period: { nanoseconds: 5e9 }, mark_gone: false } } });
      expect(last(probes.get(busy.agentId) as FakeAgent, 'DrainAgent')?.body).to.deep.equal({ config: { maxGracePeriodNs: 5e9, markGone: false } });
      expect(all(probes.get(quiet.agentId) as FakeAgent, 'DrainAgent'), 'deactivated only').to.have.length(0);
      const free = await registerDrainableAgent(second);
      await second.clock.advance(1_000);
      expect(offersOf(framework2.probe).map((candidate) => candidate.agentId), 'neither is offered; another agent is').to.include(free.agentId).and.not.include(quiet.agentId).and.not.include(busy.agentId);

      const busyAgain: AgentHandle = { probe: probes.get(busy.agentId) as FakeAgent, agentId: busy.agentId, resources: 'cpus:2;mem:1024' };
      await agentUpdate(second, busyAgain, framework.frameworkId, 't1', 'TASK_KILLED');
      await acknowledgeLast(second, framework2, busy.agentId, 't1');
      expect((await agentEntry(second, busy.agentId))?.drain_info.state).to.equal('DRAINED');
      await stop(second);

      const third = await listening({}, first.workDir);
      expect(third.handle.registry.deactivatedAgents().get(busy.agentId)?.state, 'DRAINED is durable too').to.equal('DRAINED');
      const reactivated = await call(third, reactivate(quiet.agentId));
      expect(reactivated.status, 'a recovered agent not yet back is reactivated (Mesos answers 409 here, having reactivated it all the same)').to.equal(200);
      expect(third.handle.registry.deactivatedAgents().has(quiet.agentId)).to.equal(false);
    });
  });

  it('a master that does not lead redirects the calls to the leader (307), as every /api/v1 call', async () => {
    const host = await netHost();
    try {
      const standby = new StandbyMaster({ pid: `master@${host.address}`, hostname: 'me.local' });
      host.spawn(standby);
      host.spawn(new StandbyApi(apiActorId('master'), (path) => standby.redirectTo(path)));
      standby.leaderChanged({ pid: 'master@10.0.0.7:5050', info: { id: 'm', ip: '10.0.0.7', port: 5050, pid: 'master@10.0.0.7:5050', hostname: 'leader.local', version: '1' } });
      for (const body of [drain('a'), deactivate('a'), reactivate('a')]) {
        const response = await fetch(`http://${host.address}/api/v1`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, redirect: 'manual' });
        expect([response.status, response.headers.get('location')], body.type as string).to.deep.equal([307, '//leader.local:5050/api/v1']);
      }
    } finally {
      await host.stop();
    }
  });
});
