/**
 * Operation feedback under hostile or broken peers, and against Mesos' behaviour where a review
 * found this master differing: an agent's reports that could never be acknowledged or that would
 * grow the books without bound, and the master's `master/operations/...` metrics (Mesos'
 * metrics.cpp). A v1 framework over real HTTP under the virtual clock; agents are Probes
 * (FakeAgent) advertising the feedback capabilities.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { dynamicReservation, Resources } from '../../../lib/resources';
import { AGENT_PING_TIMEOUT_MS, MAX_AGENT_PING_TIMEOUTS, MAX_AGENT_REPORTED_OPERATIONS, type AgentOperation } from '../../../lib/protocol';
import type { V1Json } from '../../../lib/v1/json';
import { defaultMasterFlags, startMaster, type MasterHandle } from '../../../actors/master';
import { MAX_BOOKED_OPERATION_BYTES, MAX_OPERATION_BYTES_PER_FRAMEWORK, MAX_OPERATIONS_PER_FRAMEWORK } from '../../../actors/master/constants';
import { carriedOperationBytes, MAX_CARRIED_OPERATION_BYTES } from '../../../actors/master/operations';
import type { Operation } from '../../../lib/protocol';
import { Registry } from '../../../actors/master/registry';
import { netHost, within } from '../../support/runtime';
import { v1Call, V1Subscription, type V1Event } from '../../support/v1-client';
import { agentInfo, FakeAgent } from './harness';

/** Real time a real-HTTP step may take. */
const STEP_MS = 5_000;
const FEEDBACK = ['MULTI_ROLE', 'RESOURCE_PROVIDER', 'AGENT_OPERATION_FEEDBACK'];
const reserved = (text: string): V1Json[] => Resources.parse(text).reservedDynamically('eng', dynamicReservation('ops')).toJSON() as unknown as V1Json[];
const statusOf = (event: V1Event): V1Json => (event.update_operation_status as { status: V1Json }).status;
const isOperationUpdate = (operationId: string, state?: string) => (event: V1Event): boolean =>
  event.type === 'UPDATE_OPERATION_STATUS' && (statusOf(event).operation_id as { value: string } | undefined)?.value === operationId && (state === undefined || statusOf(event).state === state);
const STATUS_UUID = '7f1d2c3b-4a59-4687-9abc-def012345678';

describe('actors/master: operation feedback, hostile peers and Mesos\' metrics', () => {
  let clock: VirtualClock;
  let host: ActorHost;
  let master: MasterHandle;
  const subscriptions: V1Subscription[] = [];
  const used = new Set<string>();

  beforeEach(async () => {
    clock = new VirtualClock();
    host = await netHost({ clock });
    master = await startMaster({ flags: defaultMasterFlags('/unused'), host, registry: Registry.inMemory() });
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    await master.stop();
    await host.stop();
  });

  async function fakeAgent(name: string, capabilities = FEEDBACK): Promise<{ agent: FakeAgent; agentId: string }> {
    const agent = new FakeAgent(name);
    host.spawn(agent);
    agent.post(master.pid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024', `${name}.local`), version: '1', capabilities });
    await clock.settle();
    await within(agent.until(() => agent.count('AgentRegistered') > 0), STEP_MS, `${name} to register`);
    return { agent, agentId: (agent.received.find((received) => received.name === 'AgentRegistered')?.body as { agentId: string }).agentId };
  }

  async function framework(): Promise<{ subscription: V1Subscription; frameworkId: string }> {
    const subscription = new V1Subscription(host.address);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'feedback', role: 'eng', principal: 'ops', failover_timeout: 3600 } } });
    await clock.settle();
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED', STEP_MS);
    return { subscription, frameworkId: (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value };
  }

  /** The id of the first offer of `agentId` the framework heard, still valid, and has not used. */
  async function offerOf(subscription: V1Subscription, agentId: string): Promise<{ value: string }> {
    type Offers = { offers: Array<{ id: { value: string }; agent_id: { value: string } }> };
    const rescinded = (offerId: string): boolean => subscription.events.some((event) => event.type === 'RESCIND' && (event.rescind as { offer_id: { value: string } }).offer_id.value === offerId);
    const fresh = (event: V1Event): { id: { value: string } } | undefined => event.type === 'OFFERS' ? (event.offers as Offers).offers.find((offer) => offer.agent_id.value === agentId && !used.has(offer.id.value) && !rescinded(offer.id.value)) : undefined;
    await clock.advance(1_000);
    const offer = fresh(await subscription.next((candidate) => fresh(candidate) !== undefined, STEP_MS)) as { id: { value: string } };
    used.add(offer.id.value);
    return offer.id;
  }

  async function call(subscription: V1Subscription, frameworkId: string, body: V1Json): Promise<void> {
    const answered = await v1Call(host.address, { framework_id: { value: frameworkId }, ...body }, subscription.streamId);
    expect(answered.status, answered.text).to.equal(202);
    await clock.settle();
  }

  async function accept(subscription: V1Subscription, frameworkId: string, agentId: string, operations: V1Json[]): Promise<void> {
    const offerId = await offerOf(subscription, agentId);
    await call(subscription, frameworkId, { type: 'ACCEPT', accept: { offer_ids: [offerId], operations, filters: { refuse_seconds: 0 } } });
  }

  const reserve = (operationId: string | undefined, resources = 'cpus:1'): V1Json => ({ type: 'RESERVE', ...(operationId !== undefined ? { id: { value: operationId } } : {}), reserve: { resources: reserved(resources) } });

  /** The operations the fake agent's CheckpointResources carried out, each once. */
  const carried = (agent: FakeAgent): Array<Omit<AgentOperation, 'status'>> => {
    const all = agent.received.filter((received) => received.name === 'CheckpointResources').flatMap((received) => (received.body as { operations?: Array<Omit<AgentOperation, 'status'>> }).operations ?? []);
    return all.filter((operation, index) => all.findIndex((other) => other.uuid === operation.uuid) === index);
  };

  const metrics = (): Promise<Record<string, number>> => dispatch(master.master, (actor) => actor.metrics());

  it('a status whose uuid is not a UUID is refused: the framework could never acknowledge it, and the agent would send it for good', async () => {
    const { agent, agentId } = await fakeAgent('agent-a');
    const { subscription, frameworkId } = await framework();
    await accept(subscription, frameworkId, agentId, [reserve('op-a')]);
    const [operation] = carried(agent);
    expect(operation).to.not.equal(undefined);
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: { ...operation, status: { operationId: 'op-a', state: 'OPERATION_FINISHED', uuid: 'not-a-uuid', agentId } } });
    await clock.settle();
    expect(subscription.events.filter(isOperationUpdate('op-a', 'OPERATION_FINISHED'))).to.have.length(0);
    expect((await metrics())['master/invalid_operation_status_updates']).to.equal(1);
    // Still pending: the agent's proper status is taken and passed on.
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: { ...operation, status: { operationId: 'op-a', state: 'OPERATION_FINISHED', uuid: STATUS_UUID, agentId } } });
    await clock.settle();
    await subscription.next(isOperationUpdate('op-a', 'OPERATION_FINISHED'), STEP_MS);
  });

  it('an agent cannot grow the books without bound by reporting operations the master never booked', async () => {
    const { agent, agentId } = await fakeAgent('agent-b');
    // As many as one re-registration may report, taken in (quicker through the handler than as 100k messages).
    const taken = await dispatch(master.master, (actor) => {
      const inner = actor as unknown as { state: { agents: Map<string, unknown> }; takeOperationReport(agent: unknown, operation: AgentOperation): unknown; operationBook: { size: number } };
      const record = inner.state.agents.get(agentId);
      for (let index = 0; index < MAX_AGENT_REPORTED_OPERATIONS; index++) {
        const uuid = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
        inner.takeOperationReport(record, { uuid, frameworkId: 'F-invented', operationId: `op-${index}`, type: 'RESERVE', status: { state: 'OPERATION_FINISHED', uuid, agentId } });
      }
      return inner.operationBook.size;
    });
    expect(taken).to.equal(MAX_AGENT_REPORTED_OPERATIONS);
    const uuid = '11111111-1111-4111-8111-111111111111';
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: { uuid, frameworkId: 'F-invented', operationId: 'one-more', type: 'RESERVE', status: { state: 'OPERATION_FINISHED', uuid, agentId } } });
    await clock.settle();
    expect(await dispatch(master.master, (actor) => (actor as unknown as { operationBook: { size: number } }).operationBook.size)).to.equal(MAX_AGENT_REPORTED_OPERATIONS);
    expect((await metrics())['master/invalid_operation_status_updates']).to.equal(1);
  });

  it("a framework's operations with an id are bounded per agent too (MAX_AGENT_REPORTED_OPERATIONS): a removed framework's stay until their agent's word, so frameworks made and torn down one after another on an agent that never reports could grow the books without bound", async () => {
    const { agent, agentId } = await fakeAgent('agent-full');
    // As many pending as the agent may hold, of frameworks torn down since (quicker through the books than as 100k accepts).
    await dispatch(master.master, (actor) => {
      const inner = actor as unknown as { operationBook: { add(operation: unknown): void } };
      for (let index = 0; index < MAX_AGENT_REPORTED_OPERATIONS; index++) {
        const uuid = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
        const operationId = `op-${index}`;
        inner.operationBook.add({ uuid, frameworkId: `F-gone-${index % 100}`, agentId, operationId, type: 'RESERVE', info: undefined, latest: { operationId, state: 'OPERATION_PENDING', agentId } });
      }
    });
    const { subscription, frameworkId } = await framework();
    await accept(subscription, frameworkId, agentId, [reserve('op-full')]);
    await subscription.next(isOperationUpdate('op-full', 'OPERATION_ERROR'), STEP_MS);
    expect(await dispatch(master.master, (actor) => (actor as unknown as { operationBook: { size: number } }).operationBook.size)).to.equal(MAX_AGENT_REPORTED_OPERATIONS);
    expect(carried(agent).filter((operation) => operation.operationId === 'op-full'), 'not carried out').to.deep.equal([]);
  });

  it("the books hold at most MAX_OPERATION_BYTES_PER_FRAMEWORK of a framework's operations and MAX_BOOKED_OPERATION_BYTES of all: a reservation's labels have no length bound but the message's, so the count bound alone let a framework that never acknowledges pin 100,000 operations of megabytes each", async () => {
    const { agent, agentId } = await fakeAgent('agent-bytes');
    const { subscription, frameworkId } = await framework();
    type Book = { add(operation: unknown): void; remove(operation: unknown): void; get(uuid: string): unknown; size: number; frameworkBytes(frameworkId: string): number; totalBytes: number };
    const book = (actor: unknown): Book => (actor as { operationBook: Book }).operationBook;
    // Operations already held, their infos long (one shared string: the books weigh each as its JSON).
    const padding = 'x'.repeat(4 * 1024 * 1024);
    const seed = (owner: string, count: number, first: number): Promise<string[]> => dispatch(master.master, (actor) => {
      const uuids: string[] = [];
      for (let index = first; index < first + count; index++) {
        const uuid = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
        const operationId = `held-${index}`;
        book(actor).add({ uuid, frameworkId: owner, agentId, operationId, type: 'RESERVE', info: { type: 'RESERVE', id: { value: operationId }, reserve: { resources: [] }, padding }, latest: { operationId, state: 'OPERATION_FINISHED', agentId } });
        uuids.push(uuid);
      }
      return uuids;
    });
    const own = await seed(frameworkId, 15, 0);
    const weights = await dispatch(master.master, (actor) => ({ framework: book(actor).frameworkBytes(frameworkId), total: book(actor).totalBytes }));
    expect(weights.framework).to.be.within(15 * padding.length, MAX_OPERATION_BYTES_PER_FRAMEWORK);
    expect(weights.total).to.equal(weights.framework);
    // Under the bound: taken. Over it: an operation with an id is refused naming the bound, one without is applied unbooked.
    await accept(subscription, frameworkId, agentId, [reserve('fits')]);
    expect(carried(agent).map((operation) => operation.operationId)).to.include('fits');
    await seed(frameworkId, 1, 100);
    await accept(subscription, frameworkId, agentId, [{ ...reserve('too-much'), reserve: { resources: reserved('cpus:0.5') } }]);
    const refused = statusOf(await subscription.next(isOperationUpdate('too-much', 'OPERATION_ERROR'), STEP_MS));
    expect(refused.message).to.match(/MAX_OPERATION_BYTES_PER_FRAMEWORK/);
    const sizeBefore = await dispatch(master.master, (actor) => book(actor).size);
    await accept(subscription, frameworkId, agentId, [reserve(undefined, 'cpus:0.25')]);
    expect(await dispatch(master.master, (actor) => book(actor).size), 'applied, not booked').to.equal(sizeBefore);
    // Acknowledged (here: forgotten), they give their bytes back, to the byte.
    await dispatch(master.master, (actor) => {
      for (const uuid of [...own, '00000000-0000-4000-8000-000000000064']) book(actor).remove(book(actor).get(uuid));
    });
    expect(await dispatch(master.master, (actor) => book(actor).frameworkBytes(frameworkId)), 'only "fits" left').to.be.within(1, 4_096);
    // Every framework's together: MAX_BOOKED_OPERATION_BYTES, other frameworks' bytes counted.
    await seed('F-others', Math.ceil(MAX_BOOKED_OPERATION_BYTES / padding.length), 1_000);
    await accept(subscription, frameworkId, agentId, [reserve('all-full', 'cpus:0.1')]);
    expect(statusOf(await subscription.next(isOperationUpdate('all-full', 'OPERATION_ERROR'), STEP_MS)).message).to.match(/MAX_BOOKED_OPERATION_BYTES/);
  });

  it('carriedOperationBytes is the length of the operation as a CheckpointResources carries it (info last), with or without a framework and an id', () => {
    const named = { type: 'RESERVE', id: { value: 'op-ü' }, reserve: { resources: reserved('cpus:1') } } as unknown as Operation;
    const unnamed = { type: 'UNRESERVE', unreserve: { resources: reserved('mem:64') } } as unknown as Operation;
    for (const [frameworkId, operation] of [['F-1', named], [undefined, named], ['F-1', unnamed], [undefined, unnamed]] as const) {
      const carried = {
        uuid: '00000000-0000-4000-8000-000000000000',
        ...(frameworkId !== undefined ? { frameworkId } : {}),
        ...(operation.id !== undefined ? { operationId: operation.id } : {}),
        type: operation.type,
        info: operation,
      };
      expect(carriedOperationBytes(frameworkId, operation), JSON.stringify(carried)).to.equal(JSON.stringify(carried).length);
    }
  });

  it("an operation heavier than a CheckpointResources carries (MAX_CARRIED_OPERATION_BYTES) is not booked: it was pending for good, never carried out, and every later operation on its agent waited behind it", async () => {
    const { agent, agentId } = await fakeAgent('agent-heavy');
    const { subscription, frameworkId } = await framework();
    // Labels are bounded (16 a reservation, 256 characters each), the resources in an operation are not: 140 reservations of 8 KiB.
    const text = (tag: string): string => tag.padEnd(256, 'x');
    const labelled = (first: number): V1Json[] => Array.from({ length: 140 }, (_, resource) => ({
      name: 'cpus', type: 'SCALAR', scalar: { value: 0.005 },
      reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops', labels: { labels: Array.from({ length: 16 }, (_, label) => ({ key: text(`${first + resource}-${label}`), value: text('v') })) } }],
    }));
    expect(JSON.stringify(labelled(0)).length).to.be.above(MAX_CARRIED_OPERATION_BYTES);
    await accept(subscription, frameworkId, agentId, [{ type: 'RESERVE', id: { value: 'heavy' }, reserve: { resources: labelled(0) } }]);
    // The agent's later operations are carried out.
    await accept(subscription, frameworkId, agentId, [reserve('light', 'cpus:0.25')]);
    expect(carried(agent).map((operation) => operation.operationId)).to.include('light');
    const refused = subscription.events.filter(isOperationUpdate('heavy', 'OPERATION_ERROR')).map((event) => String(statusOf(event).message));
    expect(refused, 'refused once').to.have.length(1);
    expect(refused[0], refused[0]).to.match(/MAX_CARRIED_OPERATION_BYTES/);
    // One without an id is applied unbooked, as past the other bounds.
    const size = (): Promise<number> => dispatch(master.master, (actor) => (actor as unknown as { operationBook: { size: number } }).operationBook.size);
    const sizeBefore = await size();
    await accept(subscription, frameworkId, agentId, [{ type: 'RESERVE', reserve: { resources: labelled(100) } }]);
    expect(await size(), 'applied, not booked').to.equal(sizeBefore);
  });

  it("operations an agent reports that the master never booked do not count in MAX_OPERATIONS_PER_FRAMEWORK: one hostile agent reporting as many as it may (MAX_AGENT_REPORTED_OPERATIONS) named for a framework denied each of its operations with an id", async () => {
    const { agent: honest, agentId } = await fakeAgent('agent-honest');
    const { agentId: hostileId } = await fakeAgent('agent-hostile');
    const { subscription, frameworkId } = await framework();
    const taken = await dispatch(master.master, (actor) => {
      const inner = actor as unknown as { state: { agents: Map<string, unknown> }; takeOperationReport(agent: unknown, operation: AgentOperation): unknown; operationBook: { size: number } };
      const record = inner.state.agents.get(hostileId);
      for (let index = 0; index < Math.min(MAX_AGENT_REPORTED_OPERATIONS, MAX_OPERATIONS_PER_FRAMEWORK); index++) {
        const uuid = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
        inner.takeOperationReport(record, { uuid, frameworkId, operationId: `invented-${index}`, type: 'RESERVE', status: { state: 'OPERATION_PENDING', agentId: hostileId } });
      }
      return inner.operationBook.size;
    });
    expect(taken).to.equal(Math.min(MAX_AGENT_REPORTED_OPERATIONS, MAX_OPERATIONS_PER_FRAMEWORK));
    await accept(subscription, frameworkId, agentId, [reserve('mine')]);
    expect(subscription.events.filter(isOperationUpdate('mine', 'OPERATION_ERROR')).map((event) => statusOf(event).message), 'not refused').to.deep.equal([]);
    expect(carried(honest).map((operation) => operation.operationId)).to.include('mine');
  });

  it("operations an agent reports that the master never booked do not weigh in the byte bounds: a hostile agent naming a framework (or any) in a few reports of megabytes of labels denied that framework's (or every framework's) operations with an id", async () => {
    const { agent: honest, agentId } = await fakeAgent('agent-honest');
    const { agentId: hostileId } = await fakeAgent('agent-hostile');
    const { subscription, frameworkId } = await framework();
    // Reports of ~4 MiB each (a label, within a message's bound), through the handler an UpdateOperationStatus reaches.
    const padding = 'x'.repeat(4 * 1024 * 1024);
    const report = (owner: string, count: number, first: number): Promise<number> => dispatch(master.master, (actor) => {
      const inner = actor as unknown as { state: { agents: Map<string, unknown> }; takeOperationReport(agent: unknown, operation: AgentOperation): unknown; operationBook: { size: number } };
      const record = inner.state.agents.get(hostileId);
      for (let index = first; index < first + count; index++) {
        const uuid = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
        const operationId = `invented-${index}`;
        const resources = [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 }, role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'k', value: padding }] } } }];
        inner.takeOperationReport(record, { uuid, frameworkId: owner, operationId, type: 'RESERVE', info: { type: 'RESERVE', id: operationId, reserve: { resources } } as AgentOperation['info'], status: { state: 'OPERATION_PENDING', agentId: hostileId } });
      }
      return inner.operationBook.size;
    });
    expect(await report(frameworkId, Math.ceil(MAX_OPERATION_BYTES_PER_FRAMEWORK / padding.length), 0), 'taken in').to.be.above(0);
    await accept(subscription, frameworkId, agentId, [reserve('mine')]);
    expect(subscription.events.filter(isOperationUpdate('mine', 'OPERATION_ERROR')), 'not refused').to.deep.equal([]);
    expect(carried(honest).map((operation) => operation.operationId)).to.include('mine');
    await report('F-invented', Math.ceil(MAX_BOOKED_OPERATION_BYTES / padding.length), 1_000);
    await accept(subscription, frameworkId, agentId, [reserve('mine-too', 'cpus:0.5')]);
    expect(subscription.events.filter(isOperationUpdate('mine-too', 'OPERATION_ERROR')), 'not refused').to.deep.equal([]);
    expect(carried(honest).map((operation) => operation.operationId)).to.include('mine-too');
  });

  it("one ACCEPT of many operations without an id carries each out once, in its last word: every word carried all those pending, k(k+1)/2 of them for k operations (2,000 tiny ones made 534 MB of words from one request)", async () => {
    const { agent, agentId } = await fakeAgent('agent-many');
    const { subscription, frameworkId } = await framework();
    const count = 200;
    const operations: V1Json[] = [];
    for (let index = 0; index < count; index++) {
      operations.push(index % 2 === 0 ? reserve(undefined, 'cpus:0.001') : { type: 'UNRESERVE', unreserve: { resources: reserved('cpus:0.001') } });
    }
    const before = agent.count('CheckpointResources');
    await accept(subscription, frameworkId, agentId, operations);
    const words = agent.received.filter((received) => received.name === 'CheckpointResources').slice(before).map((received) => received.body as { operations?: unknown[] });
    expect(words, 'a word for each conversion, as Mesos sends').to.have.length(count);
    expect(words.reduce((sum, word) => sum + (word.operations?.length ?? 0), 0), 'each carried once').to.equal(count);
    expect(words.at(-1)?.operations, 'by the last word').to.have.length(count);
    expect(carried(agent)).to.have.length(count);
  });

  it("an ACCEPT whose last conversion is dropped still carries out its operations, in one word after the others", async () => {
    const { agent, agentId } = await fakeAgent('agent-dropped');
    const { subscription, frameworkId } = await framework();
    const before = agent.count('CheckpointResources');
    await accept(subscription, frameworkId, agentId, [reserve(undefined, 'cpus:0.5'), reserve(undefined, 'cpus:0.5'), reserve(undefined, 'cpus:64')]);
    const words = agent.received.filter((received) => received.name === 'CheckpointResources').slice(before).map((received) => received.body as { operations?: unknown[] });
    expect(words.map((word) => word.operations?.length ?? 0)).to.deep.equal([0, 0, 2]);
    expect(carried(agent)).to.have.length(2);
  });

  it('an agent that does not give feedback cannot report an operation status: the acknowledgement could never reach it', async () => {
    const { agent, agentId } = await fakeAgent('agent-old', ['MULTI_ROLE']);
    const { subscription, frameworkId } = await framework();
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: { uuid: '11111111-1111-4111-8111-111111111111', frameworkId, operationId: 'op-invented', type: 'RESERVE', status: { state: 'OPERATION_FINISHED', uuid: STATUS_UUID, agentId } } });
    await clock.settle();
    await clock.advance(1_000);
    expect(subscription.events.filter(isOperationUpdate('op-invented'))).to.have.length(0);
    expect((await metrics())['master/invalid_operation_status_updates']).to.equal(1);
    expect(await dispatch(master.master, (actor) => (actor as unknown as { operationBook: { size: number } }).operationBook.size)).to.equal(0);
  });

  it("a terminal status without a uuid (sent unreliably) reaches the framework, and the operation is forgotten (Mesos' updateOperationStatus)", async () => {
    const { agent, agentId } = await fakeAgent('agent-d');
    const { subscription, frameworkId } = await framework();
    await accept(subscription, frameworkId, agentId, [reserve('op-d')]);
    const [operation] = carried(agent);
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: { ...operation, status: { operationId: 'op-d', state: 'OPERATION_DROPPED', agentId } } });
    await clock.settle();
    const update = await subscription.next(isOperationUpdate('op-d', 'OPERATION_DROPPED'), STEP_MS);
    expect(statusOf(update)).to.deep.equal({ operation_id: { value: 'op-d' }, state: 'OPERATION_DROPPED', agent_id: { value: agentId } });
    expect(await dispatch(master.master, (actor) => (actor as unknown as { operationBook: { size: number } }).operationBook.size), 'forgotten').to.equal(0);
  });

  it('a status sent again after its acknowledgement (a retry that crossed it, or a re-registration after it was lost) is acknowledged again, not booked again nor told again', async () => {
    const { agent, agentId } = await fakeAgent('agent-e');
    const { subscription, frameworkId } = await framework();
    await accept(subscription, frameworkId, agentId, [reserve('op-e')]);
    const [operation] = carried(agent);
    const finished = { ...operation, status: { operationId: 'op-e', state: 'OPERATION_FINISHED' as const, uuid: STATUS_UUID, agentId } };
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: finished });
    await clock.settle();
    await subscription.next(isOperationUpdate('op-e', 'OPERATION_FINISHED'), STEP_MS);
    await call(subscription, frameworkId, { type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: agentId }, uuid: Buffer.from(STATUS_UUID.replace(/-/g, ''), 'hex').toString('base64'), operation_id: { value: 'op-e' } } });
    const acknowledgements = (): unknown[] => agent.received.filter((received) => received.name === 'OperationStatusAcknowledgement').map((received) => received.body);
    const acknowledgement = { agentId, operationUuid: operation?.uuid, statusUuid: STATUS_UUID };
    expect(acknowledgements()).to.deep.equal([acknowledgement]);
    // The agent's retry crossed the acknowledgement.
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: finished });
    await clock.settle();
    // The link broke before the acknowledgement arrived: the agent re-registers with the operation.
    agent.post(master.pid, 'ReregisterAgent', { agent: { ...agentInfo('cpus:2;mem:1024', 'agent-e.local'), id: agentId }, version: '1', capabilities: FEEDBACK, tasks: [], executors: [], frameworks: [], checkpointedResources: reserved('cpus:1'), operations: [finished] });
    await clock.settle();
    await clock.advance(1_000);
    expect(acknowledgements()).to.deep.equal([acknowledgement, acknowledgement, acknowledgement]);
    expect(subscription.events.filter(isOperationUpdate('op-e', 'OPERATION_FINISHED')), 'told once').to.have.length(1);
    expect(await dispatch(master.master, (actor) => (actor as unknown as { operationBook: { size: number } }).operationBook.size), 'not booked again').to.equal(0);
    // Its id is free again.
    const from = subscription.events.length;
    await accept(subscription, frameworkId, agentId, [reserve('op-e')]);
    await clock.advance(1_000);
    expect(subscription.events.slice(from).filter(isOperationUpdate('op-e', 'OPERATION_ERROR'))).to.have.length(0);
  });

  it("an agent back from unreachable reports an operation whose id its framework has used again since: acknowledged for the framework, not left for the agent to send for good", async () => {
    const { agent, agentId } = await fakeAgent('agent-f');
    const { agent: other, agentId: otherId } = await fakeAgent('agent-g');
    const { subscription, frameworkId } = await framework();
    await accept(subscription, frameworkId, agentId, [reserve('op-f')]);
    const [operation] = carried(agent);
    // Cut off before its report arrived: the framework hears OPERATION_UNREACHABLE, and uses the id again elsewhere.
    agent.answerPings = false;
    await clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
    await subscription.next(isOperationUpdate('op-f', 'OPERATION_UNREACHABLE'), STEP_MS);
    await accept(subscription, frameworkId, otherId, [reserve('op-f')]);
    expect(carried(other).map((carriedHere) => carriedHere.operationId)).to.deep.equal(['op-f']);
    // It comes back with the first one finished.
    agent.answerPings = true;
    const finished = { ...operation, status: { operationId: 'op-f', state: 'OPERATION_FINISHED' as const, uuid: STATUS_UUID, agentId } };
    agent.post(master.pid, 'ReregisterAgent', { agent: { ...agentInfo('cpus:2;mem:1024', 'agent-f.local'), id: agentId }, version: '1', capabilities: FEEDBACK, tasks: [], executors: [], frameworks: [], checkpointedResources: reserved('cpus:1'), operations: [finished] });
    await clock.settle();
    await within(agent.until(() => agent.count('AgentReregistered') > 0), STEP_MS, 'the agent to re-register');
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: finished });
    await clock.settle();
    const acknowledgements = agent.received.filter((received) => received.name === 'OperationStatusAcknowledgement').map((received) => received.body);
    expect(acknowledgements.length, 'acknowledged for the framework').to.be.greaterThan(0);
    expect(acknowledgements[0]).to.deep.equal({ agentId, operationUuid: operation?.uuid, statusUuid: STATUS_UUID });
    expect(subscription.events.filter(isOperationUpdate('op-f', 'OPERATION_FINISHED')), 'the framework is not told of the old one').to.have.length(0);
  });

  it("counts operations in Mesos' master/operations/<state> and master/operations/<type>/<state> (its metrics.cpp): pending a gauge, finished and error for good, unreachable on removal", async () => {
    const { agent, agentId } = await fakeAgent('agent-c');
    const { subscription, frameworkId } = await framework();
    const operations = async (): Promise<Record<string, number>> => Object.fromEntries(Object.entries(await metrics()).filter(([key]) => key.startsWith('master/operations/')));
    const zero = await operations();
    expect(Object.keys(zero)).to.have.length(9 * 9);
    expect(zero['master/operations/create_disk/gone_by_operator']).to.equal(0);
    await accept(subscription, frameworkId, agentId, [reserve('op-1')]);
    expect(await operations()).to.deep.include({ 'master/operations/total': 1, 'master/operations/pending': 1, 'master/operations/reserve/total': 1, 'master/operations/reserve/pending': 1, 'master/operations/finished': 0 });
    const [operation] = carried(agent);
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: { ...operation, status: { operationId: 'op-1', state: 'OPERATION_FINISHED', uuid: STATUS_UUID, agentId } } });
    await clock.settle();
    await subscription.next(isOperationUpdate('op-1', 'OPERATION_FINISHED'), STEP_MS);
    expect(await operations()).to.deep.include({ 'master/operations/total': 1, 'master/operations/pending': 0, 'master/operations/finished': 1, 'master/operations/reserve/finished': 1 });
    // Acknowledged and forgotten: finished counts for good.
    await call(subscription, frameworkId, { type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: agentId }, uuid: Buffer.from(STATUS_UUID.replace(/-/g, ''), 'hex').toString('base64'), operation_id: { value: 'op-1' } } });
    expect(await operations()).to.deep.include({ 'master/operations/total': 1, 'master/operations/finished': 1 });
    // Dropped (Mesos' `drop`): error, with or without an id; one without an id applied on this agent is pending until its agent's word, as Mesos books it.
    await accept(subscription, frameworkId, agentId, [reserve('too-much', 'cpus:64'), reserve(undefined, 'cpus:64'), reserve(undefined, 'cpus:1')]);
    expect(await operations()).to.deep.include({ 'master/operations/total': 4, 'master/operations/error': 2, 'master/operations/reserve/error': 2, 'master/operations/pending': 1, 'master/operations/finished': 1 });
    const unnamed = carried(agent).find((candidate) => candidate.operationId === undefined) as Omit<AgentOperation, 'status'>;
    agent.post(master.pid, 'UpdateOperationStatus', { agentId, operation: { ...unnamed, status: { state: 'OPERATION_FINISHED', uuid: '8f1d2c3b-4a59-4687-9abc-def012345670', agentId } } });
    await clock.settle();
    expect(await operations()).to.deep.include({ 'master/operations/total': 4, 'master/operations/pending': 0, 'master/operations/finished': 2 });
    // Pending on an agent marked unreachable: unreachable counts it, pending lets it go (Mesos' `__removeSlave`).
    await accept(subscription, frameworkId, agentId, [{ type: 'UNRESERVE', id: { value: 'op-far' }, unreserve: { resources: reserved('cpus:1') } }]);
    expect(await operations()).to.deep.include({ 'master/operations/pending': 1, 'master/operations/unreserve/pending': 1, 'master/operations/total': 5 });
    agent.answerPings = false;
    await clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
    await subscription.next(isOperationUpdate('op-far', 'OPERATION_UNREACHABLE'), STEP_MS);
    expect(await operations()).to.deep.include({ 'master/operations/pending': 0, 'master/operations/unreachable': 1, 'master/operations/unreserve/unreachable': 1, 'master/operations/unreserve/pending': 0, 'master/operations/total': 5 });
  });
});
