/**
 * Operation feedback on agents that give it (AGENT_OPERATION_FEEDBACK and RESOURCE_PROVIDER,
 * which agents here advertise by default): a v1 HTTP framework's RESERVE with an `id` is applied
 * and OPERATION_PENDING until its agent reports it; the agent's OPERATION_FINISHED reaches the
 * framework with a uuid to acknowledge; the acknowledgement reaches the agent; reconciliation
 * answers from the master's books; a lost word is carried out by the one sent again; a new
 * master learns the operations from the agents' reports. A v1 framework over real HTTP under the
 * virtual clock; the agent a Probe (FakeAgent) advertising the capabilities, or a real agent.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { MemoryDisk } from '../../../lib/disk';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { dynamicReservation, Resources } from '../../../lib/resources';
import { AGENT_PING_TIMEOUT_MS, MAX_AGENT_PING_TIMEOUTS, type AgentOperation } from '../../../lib/protocol';
import type { V1Json } from '../../../lib/v1/json';
import { v1ResponseBytes, v1ResponseJson } from '../../../lib/v1/protobuf';
import { v1Operations } from '../../../lib/v1/operator';
import { SEE_ALL } from '../../../lib/state-json';
import { defaultMasterFlags, startMaster, type MasterHandle } from '../../../actors/master';
import { Registry } from '../../../actors/master/registry';
import { ORPHAN_OPERATION_ADOPTION_MS } from '../../../actors/master/constants';
import { MAX_CARRIED_OPERATION_BYTES, type OperationBook } from '../../../actors/master/operations';
import { defaultAgentFlags, startAgent, type AgentHandle } from '../../../actors/agent';
import { netHost, within } from '../../support/runtime';
import { v1Call, V1Subscription, type V1Event } from '../../support/v1-client';
import { SIMULATED_MACHINE } from '../../cluster/simulation';
import { FakeLauncher } from '../agent/harness';
import { agentInfo, FakeAgent } from './harness';

/** Real time a real-HTTP step may take. */
const STEP_MS = 5_000;
const FEEDBACK = ['MULTI_ROLE', 'RESOURCE_PROVIDER', 'AGENT_OPERATION_FEEDBACK'];
const reserved = (text: string): V1Json[] => Resources.parse(text).reservedDynamically('eng', dynamicReservation('ops')).toJSON() as unknown as V1Json[];

/** The status of an UPDATE_OPERATION_STATUS event. */
const statusOf = (event: V1Event): V1Json => (event.update_operation_status as { status: V1Json }).status;
const isOperationUpdate = (operationId: string, state?: string) => (event: V1Event): boolean =>
  event.type === 'UPDATE_OPERATION_STATUS' && (statusOf(event).operation_id as { value: string } | undefined)?.value === operationId && (state === undefined || statusOf(event).state === state);

describe('actors/master: operation feedback on agents that give it', () => {
  let clock: VirtualClock;
  let host: ActorHost;
  let master: MasterHandle;
  let registry: Registry;
  const subscriptions: V1Subscription[] = [];

  beforeEach(async () => {
    clock = new VirtualClock();
    host = await netHost({ clock });
    registry = Registry.inMemory();
    master = await startMaster({ flags: defaultMasterFlags('/unused'), host, registry });
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    await master.stop();
    await host.stop();
  });

  /** A FakeAgent advertising `capabilities`, registered: its probe and id. */
  async function fakeAgent(name: string, capabilities = FEEDBACK): Promise<{ agent: FakeAgent; agentId: string }> {
    const agent = new FakeAgent(name);
    host.spawn(agent);
    agent.post(master.pid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024', `${name}.local`), version: '1', capabilities });
    await clock.settle();
    await within(agent.until(() => agent.count('AgentRegistered') > 0), STEP_MS, `${name} to register`);
    return { agent, agentId: (agent.received.find((received) => received.name === 'AgentRegistered')?.body as { agentId: string }).agentId };
  }

  /** A v1 framework of role eng subscribed (after `failoverOf`, as that framework again). */
  async function framework(failoverOf?: string): Promise<{ subscription: V1Subscription; frameworkId: string }> {
    const subscription = new V1Subscription(host.address);
    subscriptions.push(subscription);
    const info = { user: 'u', name: 'feedback', role: 'eng', principal: 'ops', failover_timeout: 3600, ...(failoverOf !== undefined ? { id: { value: failoverOf } } : {}) };
    await subscription.open({ type: 'SUBSCRIBE', ...(failoverOf !== undefined ? { framework_id: { value: failoverOf } } : {}), subscribe: { framework_info: info } });
    await clock.settle();
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED', STEP_MS);
    return { subscription, frameworkId: (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value };
  }

  /** Offers taken already (each is used once). */
  const used = new Set<string>();

  /** The id of the first offer of `agentId` the framework has heard and not used yet. */
  async function offerOf(subscription: V1Subscription, agentId: string): Promise<{ value: string }> {
    type Offers = { offers: Array<{ id: { value: string }; agent_id: { value: string } }> };
    const fresh = (event: V1Event): { id: { value: string } } | undefined => event.type === 'OFFERS' ? (event.offers as Offers).offers.find((offer) => offer.agent_id.value === agentId && !used.has(offer.id.value)) : undefined;
    await clock.advance(1_000);
    const event = await subscription.next((candidate) => fresh(candidate) !== undefined, STEP_MS);
    const offer = fresh(event) as { id: { value: string } };
    used.add(offer.id.value);
    return offer.id;
  }

  async function call(subscription: V1Subscription, frameworkId: string, body: V1Json): Promise<void> {
    const answered = await v1Call(host.address, { framework_id: { value: frameworkId }, ...body }, subscription.streamId);
    expect(answered.status, answered.text).to.equal(202);
    await clock.settle();
  }

  async function reserve(subscription: V1Subscription, frameworkId: string, agentId: string, operationId: string, resources = 'cpus:1'): Promise<void> {
    const offerId = await offerOf(subscription, agentId);
    await call(subscription, frameworkId, { type: 'ACCEPT', accept: { offer_ids: [offerId], operations: [{ type: 'RESERVE', id: { value: operationId }, reserve: { resources: reserved(resources) } }], filters: { refuse_seconds: 0 } } });
  }

  /** What the fake agent's CheckpointResources said, in order. */
  const words = (agent: FakeAgent): Array<{ resources: unknown[]; operations?: Array<Omit<AgentOperation, 'status'>> }> => agent.received.filter((received) => received.name === 'CheckpointResources').map((received) => received.body as never);

  /** The fake agent reports `operation` finished, with `statusUuid`. */
  function finish(agent: FakeAgent, agentId: string, operation: Omit<AgentOperation, 'status'>, statusUuid: string): AgentOperation {
    const reported: AgentOperation = { ...operation, status: { operationId: operation.operationId, state: 'OPERATION_FINISHED', uuid: statusUuid, agentId } };
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: reported });
    return reported;
  }

  const STATUS_UUID = '7f1d2c3b-4a59-4687-9abc-def012345678';
  const base64 = (uuid: string): string => Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64');

  async function reconcile(subscription: V1Subscription, frameworkId: string, operations: V1Json[]): Promise<V1Json[]> {
    const from = subscription.events.length;
    await call(subscription, frameworkId, { type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations } });
    await subscription.next((event) => event.type === 'UPDATE_OPERATION_STATUS', STEP_MS, from);
    return subscription.events.slice(from).filter((event) => event.type === 'UPDATE_OPERATION_STATUS').map(statusOf);
  }

  it('a RESERVE with an id: applied, pending until the agent reports it, OPERATION_FINISHED with a uuid to the framework, whose acknowledgement reaches the agent; reconciliation answers from the books', async () => {
    const { agent, agentId } = await fakeAgent('agent-a');
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'op-1');
    const [word] = words(agent);
    expect(word?.operations).to.have.length(1);
    const carried = word?.operations?.[0] as Omit<AgentOperation, 'status'>;
    expect(carried).to.deep.include({ frameworkId, operationId: 'op-1', type: 'RESERVE' });
    expect(Resources.fromJSON(word?.resources as never).equals(Resources.parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops')))).to.equal(true);
    // Pending: reconciliation says so, explicit and implicit, with no uuid.
    expect(await reconcile(subscription, frameworkId, [{ operation_id: { value: 'op-1' }, agent_id: { value: agentId } }])).to.deep.equal([
      { operation_id: { value: 'op-1' }, state: 'OPERATION_PENDING', agent_id: { value: agentId } },
    ]);
    expect(await reconcile(subscription, frameworkId, [])).to.deep.equal([{ operation_id: { value: 'op-1' }, state: 'OPERATION_PENDING', agent_id: { value: agentId } }]);

    finish(agent, agentId, carried, STATUS_UUID);
    await clock.settle();
    const update = await subscription.next(isOperationUpdate('op-1', 'OPERATION_FINISHED'), STEP_MS);
    expect(statusOf(update)).to.deep.equal({ operation_id: { value: 'op-1' }, state: 'OPERATION_FINISHED', uuid: { value: base64(STATUS_UUID) }, agent_id: { value: agentId } });
    // Finished: words sent from now on do not name it.
    expect(await reconcile(subscription, frameworkId, [{ operation_id: { value: 'op-1' }, agent_id: { value: agentId } }])).to.deep.equal([
      { operation_id: { value: 'op-1' }, state: 'OPERATION_FINISHED', agent_id: { value: agentId } },
    ]);

    // An acknowledgement of another status is invalid; of this one, passed on to the agent, and the operation forgotten.
    await call(subscription, frameworkId, { type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: agentId }, uuid: base64('00000000-0000-4000-8000-000000000000'), operation_id: { value: 'op-1' } } });
    expect(agent.count('OperationStatusAcknowledgement')).to.equal(0);
    await call(subscription, frameworkId, { type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: agentId }, uuid: base64(STATUS_UUID), operation_id: { value: 'op-1' } } });
    const acknowledgements = agent.received.filter((received) => received.name === 'OperationStatusAcknowledgement').map((received) => received.body);
    expect(acknowledgements).to.deep.equal([{ agentId, operationUuid: carried.uuid, statusUuid: STATUS_UUID }]);
    expect(await reconcile(subscription, frameworkId, [{ operation_id: { value: 'op-1' }, agent_id: { value: agentId } }])).to.deep.equal([
      { operation_id: { value: 'op-1' }, state: 'OPERATION_UNKNOWN', message: 'Reconciliation: Operation is unknown', agent_id: { value: agentId } },
    ]);
    const metrics = await dispatch(master.master, (actor) => actor.metrics());
    expect([metrics['master/valid_operation_status_update_acknowledgements'], metrics['master/invalid_operation_status_update_acknowledgements'], metrics['master/valid_operation_status_updates']]).to.deep.equal([1, 1, 1]);
  });

  it('a DRAIN_AGENT of an agent with an operation pending: DRAINING until the operation is finished and its status acknowledged, then DRAINED (Mesos\' checkAndTransitionDrainingAgent)', async () => {
    const { agent, agentId } = await fakeAgent('agent-drain', [...FEEDBACK, 'AGENT_DRAINING']);
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'op-drain');
    const carried = words(agent)[0]?.operations?.[0] as Omit<AgentOperation, 'status'>;
    const drainState = async (): Promise<unknown> => {
      const answered = await v1Call(host.address, { type: 'GET_AGENTS' }, undefined, '/api/v1');
      const agents = (JSON.parse(answered.text) as { get_agents: { agents: Array<{ agent_info: { id: { value: string } }; drain_info?: { state: string } }> } }).get_agents.agents;
      return agents.find((listed) => listed.agent_info.id.value === agentId)?.drain_info?.state;
    };
    const drained = await v1Call(host.address, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agentId } } }, undefined, '/api/v1');
    expect(drained.status, drained.text).to.equal(200);
    await clock.settle();
    expect(agent.count('DrainAgent')).to.equal(1);
    expect(await drainState(), 'no task, but an operation pending').to.equal('DRAINING');
    finish(agent, agentId, carried, STATUS_UUID);
    await clock.settle();
    await subscription.next(isOperationUpdate('op-drain', 'OPERATION_FINISHED'), STEP_MS);
    expect(await drainState(), 'finished, not yet acknowledged').to.equal('DRAINING');
    await call(subscription, frameworkId, { type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: agentId }, uuid: base64(STATUS_UUID), operation_id: { value: 'op-drain' } } });
    await clock.settle();
    expect(await drainState()).to.equal('DRAINED');
  });

  it("GET_OPERATIONS (the operator API) lists the operations the master holds, as Mesos' Operation: pending, then finished, in JSON and protobuf; an ACL viewer sees those whose consumed roles it may view", async () => {
    const { agent, agentId } = await fakeAgent('agent-ops');
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'op-listed');
    const carried = words(agent)[0]?.operations?.[0] as Omit<AgentOperation, 'status'>;
    const list = async (): Promise<V1Json[]> => {
      const answered = await v1Call(host.address, { type: 'GET_OPERATIONS' }, undefined, '/api/v1');
      expect(answered.status, answered.text).to.equal(200);
      const response = JSON.parse(answered.text) as V1Json;
      expect(response.type).to.equal('GET_OPERATIONS');
      expect(v1ResponseJson('master', v1ResponseBytes('master', response)), 'the same in protobuf').to.deep.equal(response);
      return (response.get_operations as { operations: V1Json[] }).operations;
    };
    const [pending] = await list();
    expect(pending).to.deep.include({ framework_id: { value: frameworkId }, agent_id: { value: agentId }, latest_status: { operation_id: { value: 'op-listed' }, state: 'OPERATION_PENDING', agent_id: { value: agentId } } });
    expect(pending).to.not.have.property('statuses');
    expect((pending?.info as V1Json).type).to.equal('RESERVE');
    expect((pending?.info as V1Json).id).to.deep.equal({ value: 'op-listed' });
    expect(((pending?.info as { reserve: { resources: V1Json[] } }).reserve.resources[0] as V1Json).reservations).to.deep.equal([{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }]);
    expect((pending?.uuid as { value: string }).value).to.equal(base64(carried.uuid));
    finish(agent, agentId, carried, STATUS_UUID);
    await clock.settle();
    const [finished] = await list();
    const finishedStatus = { operation_id: { value: 'op-listed' }, state: 'OPERATION_FINISHED', uuid: { value: base64(STATUS_UUID) }, agent_id: { value: agentId } };
    expect([finished?.latest_status, finished?.statuses]).to.deep.equal([finishedStatus, [finishedStatus]]);
    // A RESERVE consumes unreserved resources (role '*'): a viewer of role eng alone does not see it, one of '*' does.
    const operations = [...await dispatch(master.master, (actor) => [...(actor as unknown as { operationBook: { all(): Iterable<never> } }).operationBook.all()])];
    expect(v1Operations(operations, { ...SEE_ALL, role: (role) => role === 'eng' })).to.deep.equal([]);
    expect(v1Operations(operations, { ...SEE_ALL, role: (role) => role === '*' })).to.have.length(1);
  });

  it('an invalid operation with an id, or one whose id is in use, is OPERATION_ERROR naming why; nothing is applied', async () => {
    const { agent, agentId } = await fakeAgent('agent-b');
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'too-much', 'cpus:64');
    const refused = await subscription.next(isOperationUpdate('too-much'), STEP_MS);
    expect(statusOf(refused).state).to.equal('OPERATION_ERROR');
    expect(statusOf(refused).message).to.match(/cpus/);
    expect(words(agent)).to.have.length(0);
    await reserve(subscription, frameworkId, agentId, 'twice');
    const from = subscription.events.length;
    await reserve(subscription, frameworkId, agentId, 'twice');
    const second = await subscription.next(isOperationUpdate('twice', 'OPERATION_ERROR'), STEP_MS, from);
    expect(statusOf(second).message).to.equal("Operation ID 'twice' is already in use by another operation of the framework that is not yet acknowledged");
    expect(words(agent), 'only the first applied').to.have.length(1);
  });

  it('a word names at most MAX_CARRIED_OPERATION_BYTES of pending operations (long ids could outgrow a message); once the agent reports the last it carried finished, the next word carries the rest', async () => {
    const { agent, agentId } = await fakeAgent('agent-big');
    const count = Math.ceil(MAX_CARRIED_OPERATION_BYTES / 1_000) + 100;
    await dispatch(master.master, (actor) => {
      const internals = actor as unknown as { operationBook: OperationBook; state: { agents: Map<string, unknown> }; checkpointReservations(agent: unknown): void };
      for (let index = 0; index < count; index++) {
        const operationId = `${'x'.repeat(1_000)}-${index}`;
        internals.operationBook.add({ uuid: `6d3c0f1e-0000-4000-8000-${String(index).padStart(12, '0')}`, frameworkId: 'F-big', agentId, operationId, type: 'RESERVE', info: undefined, latest: { operationId, state: 'OPERATION_PENDING', agentId } });
      }
      internals.checkpointReservations(internals.state.agents.get(agentId));
    });
    await clock.settle();
    const first = words(agent)[0]?.operations ?? [];
    expect(first.length).to.be.greaterThan(0).and.lessThan(count);
    expect(JSON.stringify(first).length).to.be.at.most(MAX_CARRIED_OPERATION_BYTES + 2 * first.length);
    // The agent finishes the word's operations together, in order: only the last one brings the next word.
    first.forEach((operation, index) => finish(agent, agentId, operation, `7f1d2c3b-4a59-4687-9abc-${String(index).padStart(12, '0')}`));
    await clock.settle();
    const next = words(agent).slice(1);
    expect(next, 'one more word').to.have.length(1);
    expect(next[0]?.operations?.[0]?.uuid).to.equal(`6d3c0f1e-0000-4000-8000-${String(first.length).padStart(12, '0')}`);
  });

  it('an agent without the capabilities still refuses (Mesos\' words for agent default resources)', async () => {
    const { agentId } = await fakeAgent('agent-old', ['MULTI_ROLE', 'RESOURCE_PROVIDER']);
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'op-old');
    const refused = await subscription.next(isOperationUpdate('op-old'), STEP_MS);
    expect(statusOf(refused)).to.deep.equal({
      operation_id: { value: 'op-old' }, state: 'OPERATION_ERROR',
      message: `Operation on agent default resources requested feedback, but agent ${agentId} does not have the required AGENT_OPERATION_FEEDBACK and RESOURCE_PROVIDER capabilities`,
    });
  });

  it('a word lost with its link: the agent re-registers without the operation, and the word sent again carries it out', async () => {
    const { agent, agentId } = await fakeAgent('agent-c');
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'op-lost');
    const carried = words(agent)[0]?.operations?.[0] as Omit<AgentOperation, 'status'>;
    const reregister = (extra: object): void => agent.post(master.pid, 'ReregisterAgent', { agent: { ...agentInfo('cpus:2;mem:1024', 'agent-c.local'), id: agentId }, version: '1', capabilities: FEEDBACK, tasks: [], executors: [], frameworks: [], ...extra });
    // The agent wrote the reservation but not the operation (it restarted in between): it re-registers with the one, not the other.
    reregister({ checkpointedResources: words(agent)[0]?.resources });
    await clock.settle();
    expect(words(agent).map((word) => word.operations), 'sent again for the operation alone').to.deep.equal([[carried], [carried]]);
    // The word never reached it (lost on the way): it re-registers with no reservation and no operation.
    reregister({});
    await clock.settle();
    const again = words(agent);
    expect(again).to.have.length(3);
    expect(again[2]?.operations).to.deep.equal([carried]);
    // It had carried it out after all (its report was lost): re-registering with it finished, no word names it again.
    const reported = { ...carried, status: { operationId: 'op-lost', state: 'OPERATION_FINISHED' as const, uuid: STATUS_UUID, agentId } };
    reregister({ checkpointedResources: again[2]?.resources, operations: [reported] });
    await clock.settle();
    expect(words(agent)).to.have.length(3);
    // Its status is passed on when the agent sends it again, as it does once re-registered.
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: reported });
    await clock.settle();
    expect(statusOf(await subscription.next(isOperationUpdate('op-lost', 'OPERATION_FINISHED'), STEP_MS)).uuid).to.deep.equal({ value: base64(STATUS_UUID) });
  });

  it('an agent marked unreachable: its operations end OPERATION_UNREACHABLE at their frameworks (Mesos\' bulk feedback, no uuid)', async () => {
    const { agent, agentId } = await fakeAgent('agent-d');
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'op-far');
    agent.answerPings = false;
    await clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
    const update = await subscription.next(isOperationUpdate('op-far', 'OPERATION_UNREACHABLE'), STEP_MS);
    expect(statusOf(update)).to.deep.equal({ operation_id: { value: 'op-far' }, state: 'OPERATION_UNREACHABLE', message: 'Agent was marked unreachable', agent_id: { value: agentId } });
  });

  it("a status from another agent than the operation's, or naming another, is refused; one of an operation a framework no longer has is acknowledged by the master", async () => {
    const { agent, agentId } = await fakeAgent('agent-e');
    const { agent: other, agentId: otherId } = await fakeAgent('agent-f');
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'op-e');
    const carried = words(agent)[0]?.operations?.[0] as Omit<AgentOperation, 'status'>;
    // The other agent reports it as its own: refused, the framework hears nothing.
    other.post(master.pid, 'UpdateOperationStatus', { agentId: otherId, operation: { ...carried, status: { operationId: 'op-e', state: 'OPERATION_FINISHED', uuid: STATUS_UUID, agentId: otherId } } });
    // Or in the first agent's name (not from its pid): dropped.
    other.post(master.pid, 'UpdateOperationStatus', { agentId, operation: { ...carried, status: { operationId: 'op-e', state: 'OPERATION_FINISHED', uuid: STATUS_UUID, agentId } } });
    await clock.settle();
    expect(subscription.events.filter(isOperationUpdate('op-e', 'OPERATION_FINISHED'))).to.have.length(0);
    const metrics = await dispatch(master.master, (actor) => actor.metrics());
    expect(metrics['master/invalid_operation_status_updates']).to.equal(2);
    // The framework is torn down; the agent's status then is acknowledged by the master.
    const torn = await v1Call(host.address, { type: 'TEARDOWN', teardown: { framework_id: { value: frameworkId } } }, undefined, '/api/v1');
    expect(torn.status).to.equal(200);
    await clock.settle();
    finish(agent, agentId, carried, STATUS_UUID);
    await clock.settle();
    expect(agent.received.filter((received) => received.name === 'OperationStatusAcknowledgement').map((received) => received.body)).to.deep.equal([{ agentId, operationUuid: carried.uuid, statusUuid: STATUS_UUID }]);
  });

  it('after a master failover, an agent\'s unacknowledged operation is learnt from its re-registration and passed on once its framework is back; an orphan is acknowledged after ORPHAN_OPERATION_ADOPTION_MS', async () => {
    const { agent, agentId } = await fakeAgent('agent-g');
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'op-g');
    await reserve(subscription, frameworkId, agentId, 'op-orphan');
    const [first, second] = words(agent).flatMap((word) => word.operations ?? []).filter((operation, index, all) => all.findIndex((other) => other.uuid === operation.uuid) === index);
    subscription.close();
    await master.stop();
    master = await startMaster({ flags: defaultMasterFlags('/unused'), host, registry: Registry.inMemory(registry.snapshot()) });
    await clock.settle();
    const finishedFirst = { ...(first as Omit<AgentOperation, 'status'>), status: { operationId: 'op-g', state: 'OPERATION_FINISHED' as const, uuid: STATUS_UUID, agentId } };
    const orphanUuid = '8f1d2c3b-4a59-4687-9abc-def012345679';
    const finishedOrphan = { ...(second as Omit<AgentOperation, 'status'>), frameworkId: 'F-never-back', status: { operationId: 'op-orphan', state: 'OPERATION_FINISHED' as const, uuid: orphanUuid, agentId } };
    agent.post(master.pid, 'ReregisterAgent', {
      agent: { ...agentInfo('cpus:2;mem:1024', 'agent-g.local'), id: agentId }, version: '1', capabilities: FEEDBACK, tasks: [], executors: [], frameworks: [],
      checkpointedResources: words(agent).at(-1)?.resources, operations: [finishedFirst, finishedOrphan],
    });
    await clock.settle();
    await within(agent.until(() => agent.count('AgentReregistered') > 0), STEP_MS, 'the agent to re-register');
    const { subscription: back } = await framework(frameworkId);
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: finishedFirst });
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: finishedOrphan });
    await clock.settle();
    expect(statusOf(await back.next(isOperationUpdate('op-g', 'OPERATION_FINISHED'), STEP_MS))).to.deep.include({ state: 'OPERATION_FINISHED' });
    expect(agent.count('OperationStatusAcknowledgement'), 'the orphan waits for its framework').to.equal(0);
    await clock.advance(ORPHAN_OPERATION_ADOPTION_MS);
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: finishedOrphan });
    await clock.settle();
    expect(agent.received.filter((received) => received.name === 'OperationStatusAcknowledgement').map((received) => received.body)).to.deep.equal([{ agentId, operationUuid: finishedOrphan.uuid, statusUuid: orphanUuid }]);
  });

  it('end to end with a real agent: the framework hears OPERATION_FINISHED after the agent checkpointed the reservation, and its acknowledgement ends the agent\'s retries', async () => {
    const agentHost = host;
    const agent: AgentHandle = await startAgent({
      id: 'slave(1)', host: agentHost, disk: new MemoryDisk(clock), launcher: new FakeLauncher(), probe: SIMULATED_MACHINE, files: false, bootId: 'boot-1',
      flags: defaultAgentFlags({ master: host.address, workDir: '/agent', resources: 'cpus:2;mem:1024;disk:100', masterPingTimeoutMs: 24 * 3600_000 }),
    });
    await clock.advance(2_000);
    const agentId = await dispatch(agent.agent, (actor) => (actor as unknown as { agentId: string }).agentId);
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'op-real');
    await clock.settle();
    const finished = await subscription.next(isOperationUpdate('op-real', 'OPERATION_FINISHED'), STEP_MS);
    const uuid = (statusOf(finished).uuid as { value: string }).value;
    await call(subscription, frameworkId, { type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: agentId }, uuid, operation_id: { value: 'op-real' } } });
    const before = subscription.events.filter(isOperationUpdate('op-real')).length;
    await clock.advance(3_600_000);
    expect(subscription.events.filter(isOperationUpdate('op-real')).length, 'no status again after the acknowledgement').to.equal(before);
    host.terminate(agent.agent);
    await agent.terminated;
  });
});
