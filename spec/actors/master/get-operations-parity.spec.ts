/**
 * GET_OPERATIONS against Mesos: which operations the master's operator API lists
 * (`Master::ReadOnlyHandler::getOperations` in src/master/readonly_handler.cpp: every `Operation`
 * in a registered agent's books) and the agent's (`Http::getOperations` in src/slave/http.cpp:
 * every one the agent holds), with which fields. Mesos' master books every operation applied on
 * an agent with the RESOURCE_PROVIDER capability (`Master::_apply`), with an `id` or without,
 * until the agent's terminal status: one without an `id` the master acknowledges itself
 * (`updateOperationStatus`). A removed framework's operations stay in its agents' books
 * (`removeFramework` only takes them out of the framework's), still listed with its
 * `framework_id`, until their agent finishes them. A v1 framework over real HTTP under the
 * virtual clock; the agent a Probe (FakeAgent) advertising the feedback capabilities.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { dynamicReservation, Resources, type ResourceJSON } from '../../../lib/resources';
import type { AgentOperation } from '../../../lib/protocol';
import type { V1Json } from '../../../lib/v1/json';
import { v1ResponseBytes, v1ResponseJson } from '../../../lib/v1/protobuf';
import { defaultMasterFlags, startMaster, type MasterHandle } from '../../../actors/master';
import { defaultAgentFlags, startAgent, type AgentHandle } from '../../../actors/agent';
import { MemoryDisk } from '../../../lib/disk';
import { SIMULATED_MACHINE } from '../../cluster/simulation';
import { Registry } from '../../../actors/master/registry';
import { operatorOperation, resizeConversionOf } from '../../../actors/master/reservations';
import { netHost, within } from '../../support/runtime';
import { v1Call, V1Subscription, type V1Event } from '../../support/v1-client';
import { AgentMachine, FakeLauncher, useMachines } from '../agent/harness';
import { agentInfo, FakeAgent } from './harness';

/** Real time a real-HTTP step may take. */
const STEP_MS = 5_000;
const FEEDBACK = ['MULTI_ROLE', 'RESOURCE_PROVIDER', 'AGENT_OPERATION_FEEDBACK'];
const STATUS_UUID = '7f1d2c3b-4a59-4687-9abc-def012345678';
/** `text` reserved for role eng by `principal` (none: an operator's over unauthenticated HTTP), as v1 JSON. */
const reservedBy = (text: string, principal?: string): V1Json[] => Resources.parse(text).reservedDynamically('eng', dynamicReservation(principal)).toJSON() as unknown as V1Json[];
/** `text` reserved for role eng by the frameworks' principal, ops. */
const reserved = (text: string): V1Json[] => reservedBy(text, 'ops');
const base64 = (uuid: string): string => Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64');

/** The reservations of the first resource a listed RESERVE reserves. */
const reservationsOf = (listed: V1Json | undefined): unknown => ((listed?.info as { reserve: { resources: V1Json[] } }).reserve.resources[0] as V1Json).reservations;

/** An operation a CheckpointResources carries out. */
type Carried = Omit<AgentOperation, 'status'>;

describe("GET_OPERATIONS against Mesos: which operations are listed (src/master/readonly_handler.cpp, src/slave/http.cpp)", () => {
  let clock: VirtualClock;
  let host: ActorHost;
  let master: MasterHandle;
  const subscriptions: V1Subscription[] = [];
  /** Offers taken already (each is used once). */
  const used = new Set<string>();

  beforeEach(async () => {
    clock = new VirtualClock();
    host = await netHost({ clock });
    master = await startMaster({ flags: defaultMasterFlags('/unused'), host, registry: Registry.inMemory() });
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    used.clear();
    await master.stop();
    await host.stop();
  });

  /** A FakeAgent giving operation feedback, registered: its probe and id. */
  async function fakeAgent(name: string): Promise<{ agent: FakeAgent; agentId: string }> {
    const agent = new FakeAgent(name);
    host.spawn(agent);
    agent.post(master.pid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024', `${name}.local`), version: '1', capabilities: FEEDBACK });
    await clock.settle();
    await within(agent.until(() => agent.count('AgentRegistered') > 0), STEP_MS, `${name} to register`);
    return { agent, agentId: (agent.received.find((received) => received.name === 'AgentRegistered')?.body as { agentId: string }).agentId };
  }

  /** A v1 framework of role eng, subscribed. */
  async function framework(): Promise<{ subscription: V1Subscription; frameworkId: string }> {
    const subscription = new V1Subscription(host.address);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'listed', role: 'eng', principal: 'ops', failover_timeout: 3600 } } });
    await clock.settle();
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED', STEP_MS);
    return { subscription, frameworkId: (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value };
  }

  /** The framework ACCEPTs its first fresh offer of `agentId` with a RESERVE of `resources` (with `operationId` as its `id`, if given). */
  async function reserve(subscription: V1Subscription, frameworkId: string, agentId: string, operationId: string | undefined, resources = 'cpus:1'): Promise<void> {
    type Offers = { offers: Array<{ id: { value: string }; agent_id: { value: string } }> };
    const fresh = (event: V1Event): { id: { value: string } } | undefined => event.type === 'OFFERS' ? (event.offers as Offers).offers.find((offer) => offer.agent_id.value === agentId && !used.has(offer.id.value)) : undefined;
    await clock.advance(1_000);
    const offer = fresh(await subscription.next((candidate) => fresh(candidate) !== undefined, STEP_MS)) as { id: { value: string } };
    used.add(offer.id.value);
    const operation = { type: 'RESERVE', ...(operationId !== undefined ? { id: { value: operationId } } : {}), reserve: { resources: reserved(resources) } };
    const answered = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [operation], filters: { refuse_seconds: 0 } } }, subscription.streamId);
    expect(answered.status, answered.text).to.equal(202);
    await clock.settle();
  }

  /** The master's GET_OPERATIONS operations (JSON, checked to read the same in protobuf). */
  async function listed(): Promise<V1Json[]> {
    const answered = await v1Call(host.address, { type: 'GET_OPERATIONS' }, undefined, '/api/v1');
    expect(answered.status, answered.text).to.equal(200);
    const response = JSON.parse(answered.text) as V1Json;
    expect(v1ResponseJson('master', v1ResponseBytes('master', response)), 'the same in protobuf').to.deep.equal(response);
    return (response.get_operations as { operations?: V1Json[] }).operations ?? [];
  }

  /** The operations the fake agent's CheckpointResources carried out, each once, in order. */
  const carriedBy = (agent: FakeAgent): Carried[] => {
    const all = agent.received.filter((received) => received.name === 'CheckpointResources').flatMap((received) => (received.body as { operations?: Carried[] }).operations ?? []);
    return all.filter((operation, index) => all.findIndex((other) => other.uuid === operation.uuid) === index);
  };

  /** The fake agent reports `operation` OPERATION_FINISHED with `STATUS_UUID`, as an agent does (no `operationId` in its status when it has none). */
  async function finish(agent: FakeAgent, agentId: string, operation: Carried): Promise<void> {
    const status = { ...(operation.operationId !== undefined ? { operationId: operation.operationId } : {}), state: 'OPERATION_FINISHED' as const, uuid: STATUS_UUID, agentId };
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: { ...operation, status } });
    await clock.settle();
  }

  const acknowledgements = (agent: FakeAgent): unknown[] => agent.received.filter((received) => received.name === 'OperationStatusAcknowledgement').map((received) => received.body);

  it("a removed framework's pending operation stays listed, with its framework_id (Mesos' removeFramework leaves it in its agent's books); the agent's word still carries it out, and its status, acknowledged by the master, ends it", async () => {
    const { agent, agentId } = await fakeAgent('agent-torn');
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, 'op-torn');
    const [carried] = carriedBy(agent);
    expect(carried).to.deep.include({ frameworkId, operationId: 'op-torn' });
    const torn = await v1Call(host.address, { type: 'TEARDOWN', teardown: { framework_id: { value: frameworkId } } }, undefined, '/api/v1');
    expect(torn.status, torn.text).to.equal(200);
    await clock.settle();
    const [pending, ...others] = await listed();
    expect(others).to.deep.equal([]);
    expect(pending).to.deep.include({ framework_id: { value: frameworkId }, agent_id: { value: agentId }, latest_status: { operation_id: { value: 'op-torn' }, state: 'OPERATION_PENDING', agent_id: { value: agentId } } });
    expect((pending?.uuid as { value: string }).value).to.equal(base64((carried as Carried).uuid));
    const metrics = await dispatch(master.master, (actor) => actor.metrics());
    expect(metrics['master/operations/pending'], "Mesos' gauge still counts it").to.equal(1);
    // A word sent again (another reservation changes) still names it: the agent carries it out.
    const operator = await v1Call(host.address, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: reservedBy('mem:64') } }, undefined, '/api/v1');
    expect(operator.status, operator.text).to.equal(202);
    await clock.settle();
    const last = agent.received.filter((received) => received.name === 'CheckpointResources').at(-1)?.body as { operations?: Carried[] };
    expect(last.operations?.map((operation) => operation.uuid)).to.include((carried as Carried).uuid);
    await finish(agent, agentId, carried as Carried);
    expect(acknowledgements(agent)).to.deep.equal([{ agentId, operationUuid: (carried as Carried).uuid, statusUuid: STATUS_UUID }]);
    expect((await listed()).filter((operation) => operation.framework_id !== undefined)).to.deep.equal([]);
  });

  it("a framework's operation without an id is booked and listed while pending, as Mesos' master books it (_apply): its framework_id, no id in its info nor operation_id in its status; the master acknowledges its status itself and tells the framework nothing", async () => {
    const { agent, agentId } = await fakeAgent('agent-unnamed');
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, undefined);
    const [carried, ...more] = carriedBy(agent);
    expect(more).to.deep.equal([]);
    expect(carried, 'the word carries it out').to.deep.include({ frameworkId, type: 'RESERVE' });
    expect(carried).to.not.have.property('operationId');
    const [pending, ...others] = await listed();
    expect(others).to.deep.equal([]);
    expect(pending).to.deep.include({ framework_id: { value: frameworkId }, agent_id: { value: agentId }, latest_status: { state: 'OPERATION_PENDING', agent_id: { value: agentId } }, uuid: { value: base64((carried as Carried).uuid) } });
    expect(pending).to.not.have.property('statuses');
    expect(pending?.info).to.have.keys('type', 'reserve');
    expect(reservationsOf(pending)).to.deep.equal([{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }]);
    let metrics = await dispatch(master.master, (actor) => actor.metrics());
    expect([metrics['master/operations/pending'], metrics['master/operations/reserve/pending'], metrics['master/operations/finished']]).to.deep.equal([1, 1, 0]);
    await finish(agent, agentId, carried as Carried);
    expect(acknowledgements(agent), 'acknowledged by the master').to.deep.equal([{ agentId, operationUuid: (carried as Carried).uuid, statusUuid: STATUS_UUID }]);
    expect(subscription.events.filter((event) => event.type === 'UPDATE_OPERATION_STATUS'), 'the framework asked for no feedback').to.deep.equal([]);
    expect(await listed()).to.deep.equal([]);
    metrics = await dispatch(master.master, (actor) => actor.metrics());
    expect([metrics['master/operations/pending'], metrics['master/operations/finished'], metrics['master/valid_operation_status_updates']]).to.deep.equal([0, 1, 1]);
  });

  it("an implicit RECONCILE_OPERATIONS answers every operation of the framework, those without an id too (Mesos' reconcileOperations: each of framework->operations, its latest status without the uuid), oldest first; an operator's is no framework's", async () => {
    const { agent, agentId } = await fakeAgent('agent-reconciled');
    const { subscription, frameworkId } = await framework();
    await reserve(subscription, frameworkId, agentId, undefined);
    await reserve(subscription, frameworkId, agentId, 'op-named', 'mem:64');
    const operator = await v1Call(host.address, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: reservedBy('mem:32') } }, undefined, '/api/v1');
    expect(operator.status, operator.text).to.equal(202);
    await clock.settle();
    const [unnamed, named, ...rest] = carriedBy(agent);
    expect(rest.map((operation) => operation.frameworkId), "the operator's").to.deep.equal([undefined]);
    /** The implicit reconciliation's answers: those before the answer to an explicit one of an unknown operation sent after it (the stream keeps their order). */
    const statuses = async (): Promise<V1Json[]> => {
      const before = subscription.events.length;
      const statusOf = (event: V1Event): V1Json => (event.update_operation_status as { status: V1Json }).status;
      for (const operations of [[], [{ operation_id: { value: 'marker' } }]]) {
        const answered = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations } }, subscription.streamId);
        expect(answered.status, answered.text).to.equal(202);
        await clock.settle();
      }
      const isMarker = (event: V1Event): boolean => event.type === 'UPDATE_OPERATION_STATUS' && (statusOf(event).operation_id as V1Json | undefined)?.value === 'marker';
      const marker = await subscription.next(isMarker, STEP_MS, before);
      return subscription.events.slice(before, subscription.events.indexOf(marker)).filter((event) => event.type === 'UPDATE_OPERATION_STATUS').map(statusOf);
    };
    expect(await statuses()).to.deep.equal([
      { state: 'OPERATION_PENDING', agent_id: { value: agentId } },
      { operation_id: { value: 'op-named' }, state: 'OPERATION_PENDING', agent_id: { value: agentId } },
    ]);
    // The one without an id finished, its status acknowledged by the master: forgotten, no longer answered.
    await finish(agent, agentId, unnamed as Carried);
    expect(await statuses()).to.deep.equal([{ operation_id: { value: 'op-named' }, state: 'OPERATION_PENDING', agent_id: { value: agentId } }]);
    // The named one finished, not yet acknowledged: its latest status, without the uuid.
    await finish(agent, agentId, named as Carried);
    await subscription.next((event) => event.type === 'UPDATE_OPERATION_STATUS' && (event.update_operation_status as { status: V1Json }).status.uuid !== undefined, STEP_MS);
    expect(await statuses()).to.deep.equal([{ operation_id: { value: 'op-named' }, state: 'OPERATION_FINISHED', agent_id: { value: agentId } }]);
  });

  it("an operator's operation (v1 RESERVE_RESOURCES) is booked and listed while pending, as Mesos' master books one of its operator API (_apply with no framework): no framework_id, its info the RESERVE without an id; the master acknowledges its status and forgets it", async () => {
    const { agent, agentId } = await fakeAgent('agent-operator');
    const answered = await v1Call(host.address, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: reservedBy('mem:64') } }, undefined, '/api/v1');
    expect(answered.status, answered.text).to.equal(202);
    await clock.settle();
    const [carried, ...more] = carriedBy(agent);
    expect(more).to.deep.equal([]);
    expect(carried).to.include({ type: 'RESERVE' });
    expect(carried).to.not.have.any.keys('frameworkId', 'operationId');
    const [pending, ...others] = await listed();
    expect(others).to.deep.equal([]);
    expect(pending).to.not.have.property('framework_id');
    expect(pending).to.deep.include({ agent_id: { value: agentId }, latest_status: { state: 'OPERATION_PENDING', agent_id: { value: agentId } }, uuid: { value: base64((carried as Carried).uuid) } });
    expect(pending?.info).to.have.keys('type', 'reserve');
    expect(reservationsOf(pending)).to.deep.equal([{ type: 'DYNAMIC', role: 'eng' }]);
    await finish(agent, agentId, carried as Carried);
    expect(acknowledgements(agent)).to.deep.equal([{ agentId, operationUuid: (carried as Carried).uuid, statusUuid: STATUS_UUID }]);
    expect(await listed()).to.deep.equal([]);
    const metrics = await dispatch(master.master, (actor) => actor.metrics());
    expect([metrics['master/operations/reserve/total'], metrics['master/operations/pending'], metrics['master/operations/finished']]).to.deep.equal([1, 0, 1]);
  });

  it('end to end with a real agent: an operation without an id is listed by the master until the agent reports it finished, which the master acknowledges: the agent then lists nothing and sends nothing again', async () => {
    const agent: AgentHandle = await startAgent({
      id: 'slave(1)', host, disk: new MemoryDisk(clock), launcher: new FakeLauncher(), probe: SIMULATED_MACHINE, files: false, bootId: 'boot-1',
      flags: defaultAgentFlags({ master: host.address, workDir: '/agent', resources: 'cpus:2;mem:1024;disk:100', masterPingTimeoutMs: 24 * 3600_000 }),
    });
    await clock.advance(2_000);
    const agentId = await dispatch(agent.agent, (actor) => (actor as unknown as { agentId: string }).agentId);
    const { subscription, frameworkId } = await framework();
    const updates = await dispatch(master.master, (actor) => actor.metrics()).then((metrics) => metrics['master/valid_operation_status_updates']);
    await reserve(subscription, frameworkId, agentId, undefined);
    await clock.settle();
    const metrics = await dispatch(master.master, (actor) => actor.metrics());
    expect([metrics['master/valid_operation_status_updates'], metrics['master/operations/reserve/finished']], "the agent's status, taken").to.deep.equal([(updates ?? 0) + 1, 1]);
    expect(await listed()).to.deep.equal([]);
    const held = await dispatch(agent.agent, (actor) => [...(actor as unknown as { operationBook?: { list(): Iterable<unknown> } }).operationBook?.list() ?? []]);
    expect(held, 'acknowledged by the master: the agent forgot it').to.deep.equal([]);
    await clock.advance(3_600_000);
    const later = await dispatch(master.master, (actor) => actor.metrics());
    expect(later['master/valid_operation_status_updates'], 'no status again').to.equal(metrics['master/valid_operation_status_updates']);
    expect(subscription.events.filter((event) => event.type === 'UPDATE_OPERATION_STATUS')).to.deep.equal([]);
    host.terminate(agent.agent);
    await agent.terminated;
  });

  it("an operator's GROW_VOLUME and SHRINK_VOLUME are shown as Mesos' operations of them: the volume and its addition, the volume and what it gives back (operatorOperation)", () => {
    const volume = (size: number): ResourceJSON => ({
      name: 'disk', type: 'SCALAR', scalar: { value: size }, role: 'eng', reservation: { principal: 'ops' },
      disk: { persistence: { id: 'db', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
    });
    const disk = (size: number): Resources => Resources.parse(`disk:${size}`).reservedDynamically('eng', dynamicReservation('ops'));
    const context = { principal: 'ops', agentTotal: disk(500).add(Resources.fromJSON([volume(100)])) };
    const grow = resizeConversionOf({ kind: 'GROW_VOLUME', volume: volume(100), addition: disk(50).toJSON()[0] }, context);
    const shrink = resizeConversionOf({ kind: 'SHRINK_VOLUME', volume: volume(100), subtract: 30 }, context);
    if (typeof grow === 'string' || typeof shrink === 'string') throw new Error(`refused: ${String(grow)} ${String(shrink)}`);
    const grown = operatorOperation(grow);
    expect(grown.type).to.equal('GROW_VOLUME');
    expect([Resources.fromJSON([grown.growVolume?.volume]).equals(Resources.fromJSON([volume(100)])), Resources.fromJSON([grown.growVolume?.addition]).equals(disk(50))]).to.deep.equal([true, true]);
    const shrunk = operatorOperation(shrink);
    expect([shrunk.type, shrunk.shrinkVolume?.subtract]).to.deep.equal(['SHRINK_VOLUME', { value: 30 }]);
    expect(Resources.fromJSON([shrunk.shrinkVolume?.volume]).equals(Resources.fromJSON([volume(100)]))).to.equal(true);
  });
});

/** An agent under test whose master is a Probe (spec/actors/agent/harness.ts). */
class Machine extends AgentMachine {
  constructor() {
    super('/agent', 'cpus:4;mem:4096;disk:1024');
  }

  /** The agent's GET_OPERATIONS operations (its `/api/v1` route; JSON, checked to read the same in protobuf). */
  operationsListed(): Promise<V1Json[]> {
    return dispatch((this.agent as AgentHandle).agent, async (agent) => {
      const route = agent.runtime.routes.get('/api/v1');
      if (route === undefined) throw new Error('no /api/v1 route');
      const response = await route.call(agent, { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ type: 'GET_OPERATIONS' })) });
      expect(response.status).to.equal(200);
      const body = response.body as V1Json;
      expect(v1ResponseJson('agent', v1ResponseBytes('agent', body))).to.deep.equal(body);
      return (body.get_operations as { operations?: V1Json[] }).operations ?? [];
    });
  }
}

describe("the agent's GET_OPERATIONS against Mesos' agent (src/slave/http.cpp: every operation it holds)", () => {
  const machineFor = useMachines(() => new Machine());
  const AGENT_ID = 'A1';

  it("lists the operations without an id it was told to carry out, until the master acknowledges them: a framework's with its framework_id, an operator's without; neither with an id nor an operation_id", async () => {
    const machine = machineFor();
    await machine.registeredAs(AGENT_ID);
    const resources = Resources.parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops')).add(Resources.parse('mem:64').reservedDynamically('eng', dynamicReservation()));
    const frameworks = { uuid: '6d3c0f1e-0000-4000-8000-000000000001', frameworkId: 'F1', type: 'RESERVE' as const, info: { type: 'RESERVE' as const, reserve: { resources: reserved('cpus:1') as never } } };
    const operators = { uuid: '6d3c0f1e-0000-4000-8000-000000000002', type: 'RESERVE' as const, info: { type: 'RESERVE' as const, reserve: { resources: reservedBy('mem:64') as never } } };
    machine.fromMaster('CheckpointResources', { resources: resources.toJSON(), operations: [frameworks, operators] });
    await machine.clock.settle();
    const reports = machine.master.bodies<{ agentId: string; operation: AgentOperation }>('UpdateOperationStatus').map((body) => body.operation);
    expect(reports.map((operation) => [operation.uuid, operation.frameworkId, operation.status.operationId, operation.status.state])).to.deep.equal([
      [frameworks.uuid, 'F1', undefined, 'OPERATION_FINISHED'], [operators.uuid, undefined, undefined, 'OPERATION_FINISHED'],
    ]);
    const [framework, operator, ...others] = await machine.operationsListed();
    expect(others).to.deep.equal([]);
    expect(framework).to.deep.include({ framework_id: { value: 'F1' }, agent_id: { value: AGENT_ID } });
    expect(operator).to.not.have.property('framework_id');
    expect(operator).to.deep.include({ agent_id: { value: AGENT_ID } });
    for (const listed of [framework, operator]) expect(listed?.info, 'no id').to.have.keys('type', 'reserve');
    expect([reservationsOf(framework), reservationsOf(operator)]).to.deep.equal([[{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }], [{ type: 'DYNAMIC', role: 'eng' }]]);
    for (const [listed, reported] of [[framework, reports[0]], [operator, reports[1]]] as const) {
      const status = { state: 'OPERATION_FINISHED', uuid: { value: base64(reported?.status.uuid as string) }, agent_id: { value: AGENT_ID } };
      expect([listed?.latest_status, listed?.statuses]).to.deep.equal([status, [status]]);
    }
    machine.fromMaster('OperationStatusAcknowledgement', { agentId: AGENT_ID, operationUuid: frameworks.uuid, statusUuid: reports[0]?.status.uuid });
    await machine.clock.settle();
    expect((await machine.operationsListed()).map((operation) => operation.uuid)).to.deep.equal([{ value: base64(operators.uuid) }]);
  });
});
