/**
 * The v1 scheduler API's timers under the virtual clock (issue 11): heartbeats at the interval,
 * and a disconnected HTTP framework's failover timeout. Real HTTP on a listening host whose
 * clock moves only when the test says.
 */
import { expect } from 'chai';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { defaultMasterFlags, startMaster, type MasterHandle } from '../../../actors/master';
import { Registry } from '../../../actors/master/registry';
import { clientOf } from '../../../actors/master/v1-scheduler';
import { netHost } from '../../support/runtime';
import { agentInfo, FakeAgent } from './harness';
import { v1Call, V1Subscription } from '../../support/v1-client';
import { dynamicReservation, MAX_PERSISTENCE_ID_LENGTH, Resources, type ResourceJSON } from '../../../lib/resources';
import { dispatch } from '../../../lib/actor';
import { encodeMessage } from '../../support/protobuf-wire';
import { v1CallBytes, v1EventJson } from '../../../lib/v1/protobuf';
import type { V1Json } from '../../../lib/v1/json';

describe('actors/master/v1-scheduler: timers under the virtual clock', () => {
  let clock: VirtualClock;
  let host: ActorHost;
  let master: MasterHandle;
  const subscriptions: V1Subscription[] = [];
  /** What the master's `leading()` says (a contending master: whether ZooKeeper answered it within its session timeout). */
  let surelyLeading: boolean;

  beforeEach(async () => {
    clock = new VirtualClock();
    host = await netHost({ clock });
    surelyLeading = true;
    master = await startMaster({
      flags: { ...defaultMasterFlags('/unused'), httpFrameworkHeartbeatIntervalMs: 10_000, maxFrameworksPerPeer: 2 }, host, registry: Registry.inMemory(), leading: () => surelyLeading,
    });
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    await master.stop();
    await host.stop();
  });

  async function subscribe(failoverTimeout: number): Promise<{ subscription: V1Subscription; frameworkId: string }> {
    return subscribeWith({ framework_info: { user: 'u', name: 'timers', failover_timeout: failoverTimeout } });
  }

  /** A SUBSCRIBE with `subscribe` (its `subscribe` message), answered: the stream and the framework's id. */
  async function subscribeWith(subscribe: object): Promise<{ subscription: V1Subscription; frameworkId: string }> {
    const subscription = new V1Subscription(host.address);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', subscribe });
    await clock.settle();
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED', 5_000);
    return { subscription, frameworkId: (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value };
  }

  /** An agent of cpus:2;mem:1024, registering with the master. */
  function registerAgent(): void {
    const agent = new FakeAgent('agent-1');
    host.spawn(agent);
    agent.post(master.pid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024'), version: '1' });
  }

  /** How many HEARTBEATs the stream has carried. */
  const heartbeats = (subscription: V1Subscription): number => subscription.events.filter((event) => event.type === 'HEARTBEAT').length;

  it('sends HEARTBEAT right after SUBSCRIBED (as Mesos), then every --http_framework_heartbeat_interval, and says the interval in SUBSCRIBED', async () => {
    const { subscription } = await subscribe(0);
    expect((subscription.events[0]?.subscribed as { heartbeat_interval_seconds: number }).heartbeat_interval_seconds).to.equal(10);
    // Written as Mesos writes them (a client matching the names exactly missed them: v1 walkthrough).
    expect(subscription.rawHeaderNames).to.include.members(['Mesos-Stream-Id', 'Content-Type']);
    await subscription.next((event) => event.type === 'HEARTBEAT', 5_000);
    await clock.advance(9_999);
    // A REVIVE answered means the adapter has run everything the clock made due so far.
    await v1Call(host.address, { framework_id: { value: (subscription.events[0]?.subscribed as { framework_id: { value: string } }).framework_id.value }, type: 'REVIVE' }, subscription.streamId);
    expect(heartbeats(subscription)).to.equal(1);
    await clock.advance(1);
    await subscription.next(() => heartbeats(subscription) === 2, 5_000);
    await clock.advance(20_000);
    await subscription.next(() => heartbeats(subscription) === 4, 5_000);
    expect(heartbeats(subscription)).to.equal(4);
  });

  // A hostile review of v1 frameworks across failover: a master paused past its ZooKeeper session wrote a HEARTBEAT
  // (and RESCINDs) on its streams when it woke, before it learnt another master had replaced it.
  it('ends a stream, writing nothing, when the master cannot confirm that it leads: no HEARTBEAT from a deposed master', async () => {
    const { subscription } = await subscribe(0);
    await subscription.next((event) => event.type === 'HEARTBEAT', 5_000);
    surelyLeading = false;
    await clock.advance(10_000);
    await within(subscription.ended, 'the stream to end at the heartbeat it could not confirm');
    expect(subscription.events.map((event) => event.type)).to.deep.equal(['SUBSCRIBED', 'HEARTBEAT']);
  });

  it('a SUBSCRIBE with suppressed_roles gets no offers for them until it revives', async () => {
    registerAgent();
    const { subscription, frameworkId } = await subscribeWith({ framework_info: { user: 'u', name: 'quiet' }, suppressed_roles: ['*'] });
    for (let interval = 0; interval < 5; interval++) await clock.advance(1_000);
    // A marker on the same stream: the answer to reconciling an unknown task comes after anything sent before it.
    expect((await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'marker' } }] } }, subscription.streamId)).status).to.equal(202);
    await clock.settle();
    const marker = await subscription.next((event) => event.type === 'UPDATE', 5_000);
    expect(subscription.events.slice(0, subscription.events.indexOf(marker)).filter((event) => event.type === 'OFFERS')).to.have.length(0);
    expect((await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'REVIVE' }, subscription.streamId)).status).to.equal(202);
    await clock.settle();
    await clock.advance(1_000);
    await subscription.next((event) => event.type === 'OFFERS', 5_000);
    const refused = await v1Call(host.address, { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'x', role: 'a' }, suppressed_roles: ['b'] } }, undefined);
    expect(refused.status, 'the stream opens, then ERROR').to.equal(200);
    expect(refused.text).to.match(/Suppressed roles \{ b \} are not contained in the set of roles/);
  });

  it('UPDATE_FRAMEWORK is answered 200 once applied: offers follow the new roles, in the format of the new capabilities; a bad update is 400 naming why', async () => {
    registerAgent();
    const info = { user: 'u', name: 'moving', role: 'a' };
    const { subscription, frameworkId } = await subscribeWith({ framework_info: info });
    await clock.advance(1_000);
    const first = await subscription.next((event) => event.type === 'OFFERS', 5_000);
    const firstOffer = (first.offers as { offers: Array<{ id: { value: string }; resources: Array<Record<string, unknown>> }> }).offers[0]!;
    // Without MULTI_ROLE: the pre-MULTI_ROLE format, `role` on each resource.
    expect(firstOffer.resources[0]).to.have.property('role', '*');
    const moved = { ...info, id: { value: frameworkId }, role: undefined, roles: ['b'], capabilities: [{ type: 'MULTI_ROLE' }] };
    const answered = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: moved } }, subscription.streamId);
    expect([answered.status, answered.text]).to.deep.equal([200, '']);
    await clock.settle();
    // The offer in a is rescinded; b is offered, as a MULTI_ROLE framework reads offers (allocation_info).
    await subscription.next((event) => event.type === 'RESCIND' && (event.rescind as { offer_id: { value: string } }).offer_id.value === firstOffer.id.value, 5_000);
    await clock.advance(1_000);
    const next = await subscription.next((event) => event.type === 'OFFERS' && event !== first, 5_000);
    const offer = (next.offers as { offers: Array<{ allocation_info?: { role: string } }> }).offers[0]!;
    expect(offer.allocation_info).to.deep.equal({ role: 'b' });
    const badUser = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...moved, user: 'root' } } }, subscription.streamId);
    expect([badUser.status, badUser.text]).to.deep.equal([400, "FrameworkInfo update is not valid: Updating 'FrameworkInfo.user' is unsupported; attempted to update from 'u' to 'root'"]);
    const bothRoleFields = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...moved, role: 'x' } } }, subscription.streamId);
    expect([bothRoleFields.status, bothRoleFields.text]).to.deep.equal([400, "Supplied FrameworkInfo is not valid: 'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable"]);
    const noStream = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: moved } }, undefined);
    expect(noStream.status).to.equal(400);
  });

  it('a SUBSCRIBE\'s offer_filters keep offers below its minimums away (an UPDATE_FRAMEWORK changes them), and its labels show in state, which gives an HTTP framework no pid (as Mesos)', async () => {
    registerAgent(); // cpus:2;mem:1024
    const minimum = (cpus: number): object => ({ '*': { min_allocatable_resources: { quantities: [{ quantities: { cpus: { value: cpus } } }] } } });
    const info = { user: 'u', name: 'picky', offer_filters: minimum(4), labels: { labels: [{ key: 'team', value: 'search' }] } };
    const { subscription, frameworkId } = await subscribeWith({ framework_info: info });
    for (let interval = 0; interval < 3; interval++) await clock.advance(1_000);
    expect((await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'marker' } }] } }, subscription.streamId)).status).to.equal(202);
    await clock.settle();
    const marker = await subscription.next((event) => event.type === 'UPDATE', 5_000);
    expect(subscription.events.slice(0, subscription.events.indexOf(marker)).filter((event) => event.type === 'OFFERS'), 'no offer of 2 cpus to a framework wanting 4').to.have.length(0);
    const state = await (await fetch(`http://${host.address}/master/state`)).json() as { frameworks: Array<Record<string, unknown>> };
    expect(state.frameworks[0]).to.deep.include({ id: frameworkId, labels: [{ key: 'team', value: 'search' }] });
    expect(state.frameworks[0], 'its pid is the master\'s own adapter').to.not.have.property('pid');
    const frameworks = JSON.parse((await v1Call(host.address, { type: 'GET_FRAMEWORKS' }, undefined, '/api/v1')).text) as { get_frameworks: { frameworks: Array<{ framework_info: Record<string, unknown> }> } };
    expect(frameworks.get_frameworks.frameworks[0]?.framework_info).to.deep.include({ labels: info.labels, offer_filters: info.offer_filters });
    const empty = { '*': { min_allocatable_resources: { quantities: [{ quantities: {} }] } } };
    const refused = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...info, id: { value: frameworkId }, offer_filters: empty } } }, subscription.streamId);
    expect([refused.status, refused.text]).to.deep.equal([400, 'Supplied FrameworkInfo is not valid: Resource quantities must contain at least one quantity']);
    // Bounded as the wire is (past 64 alternatives a remote agent dropped the framework's RunTasks: hostile pass).
    const many = { '*': { min_allocatable_resources: { quantities: Array.from({ length: 65 }, (_, index) => ({ quantities: { cpus: { value: index + 1 } } })) } } };
    const tooMany = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...info, id: { value: frameworkId }, offer_filters: many } } }, subscription.streamId);
    expect(tooMany.status).to.equal(400);
    expect(tooMany.text).to.contain('at most 64');
    const lowered = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...info, id: { value: frameworkId }, offer_filters: minimum(1) } } }, subscription.streamId);
    expect(lowered.status, lowered.text).to.equal(200);
    await clock.advance(1_000);
    await subscription.next((event) => event.type === 'OFFERS', 5_000);
  });

  it("a disconnected HTTP framework is kept for its failover_timeout, then removed", async () => {
    const { subscription, frameworkId } = await subscribe(60);
    subscription.close();
    await within(subscription.ended, 'the stream closed');
    const state = async (): Promise<{ active: string[]; completed: string[] }> => {
      await clock.settle();
      const body = (await (await fetch(`http://${host.address}/master/frameworks`)).json()) as { frameworks: Array<{ id: string }>; completed_frameworks: Array<{ id: string }> };
      return { active: body.frameworks.map((framework) => framework.id), completed: body.completed_frameworks.map((framework) => framework.id) };
    };
    await clock.advance(59_000);
    expect((await state()).active).to.include(frameworkId);
    await clock.advance(1_000);
    expect((await state()).completed).to.include(frameworkId);
  });
});

describe('actors/master/v1-scheduler: ACCEPT with RESERVE, UNRESERVE, CREATE and DESTROY (dynamic reservations and persistent volumes over HTTP)', () => {
  let clock: VirtualClock;
  let host: ActorHost;
  let master: MasterHandle;
  const subscriptions: V1Subscription[] = [];

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

  /** An agent of `resources`, registered: its probe and id. */
  async function registeredAgent(resources = 'cpus:2;mem:1024'): Promise<{ agent: FakeAgent; agentId: string }> {
    const agent = new FakeAgent('agent-reserving');
    host.spawn(agent);
    agent.post(master.pid, 'RegisterAgent', { agent: agentInfo(resources), version: '1' });
    await clock.settle();
    await within(agent.until(() => agent.count('AgentRegistered') > 0), 'the agent to register');
    const registered = agent.received.find((received) => received.name === 'AgentRegistered');
    return { agent, agentId: (registered?.body as { agentId: string }).agentId };
  }

  /** A SUBSCRIBE (JSON, or protobuf bytes) answered: the stream and the framework's id (`decode` reads a protobuf stream's records). */
  async function subscribed(body: object | Buffer): Promise<{ subscription: V1Subscription; frameworkId: string }> {
    const subscription = new V1Subscription(host.address);
    subscriptions.push(subscription);
    await subscription.open(body);
    await clock.settle();
    const event = Buffer.isBuffer(body)
      ? decoded(await subscription.nextRecord((record) => decoded(record).type === 'SUBSCRIBED', 5_000))
      : await subscription.next((read) => read.type === 'SUBSCRIBED', 5_000);
    return { subscription, frameworkId: (event.subscribed as { framework_id: { value: string } }).framework_id.value };
  }

  /** A protobuf stream's record as its event's JSON. */
  const decoded = (record: Buffer): V1Json => v1EventJson('scheduler', record);

  type V1Offer = { id: { value: string }; resources: Array<Record<string, unknown>> };

  /** The first offer of the first OFFERS event from record/event `from` on, once the clock has run an allocation. */
  async function nextOffer(subscription: V1Subscription, protobuf: boolean, from: number): Promise<{ offer: V1Offer; at: number }> {
    await clock.advance(1_000);
    if (protobuf) {
      const record = await subscription.nextRecord((read) => decoded(read).type === 'OFFERS', 5_000, from);
      return { offer: (decoded(record).offers as { offers: V1Offer[] }).offers[0]!, at: subscription.records.indexOf(record) + 1 };
    }
    const event = await subscription.next((read) => read.type === 'OFFERS', 5_000, from);
    return { offer: (event.offers as { offers: V1Offer[] }).offers[0]!, at: subscription.events.indexOf(event) + 1 };
  }

  /** `resources` (v1 JSON, as offered) as this cluster's resources, their `allocation_info` aside. */
  const read = (resources: ReadonlyArray<Record<string, unknown>>): Resources => Resources.fromJSON(resources.map(({ allocation_info: _allocation, ...rest }) => rest));

  /** The pre-refinement JSON of `text` dynamically reserved to eng by ops, as a RESERVE names it. */
  const reserved = (text: string): ResourceJSON[] => Resources.parse(text).reservedDynamically('eng', dynamicReservation('ops')).toJSON();

  it('a JSON ACCEPT with RESERVE then LAUNCH on the reservation: the agent keeps the reservation and runs the task; the next OFFERS carries the reserved rest with its principal', async () => {
    const { agent, agentId } = await registeredAgent();
    // No MULTI_ROLE nor RESERVATION_REFINEMENT: offers in the pre-refinement format (`role`, `reservation`).
    const { subscription, frameworkId } = await subscribed({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'reserver', role: 'eng', principal: 'ops' } } });
    const first = await nextOffer(subscription, false, 0);
    expect(read(first.offer.resources).format()).to.equal('cpus:2;mem:1024');
    const task = { name: 'db', task_id: { value: 'db-1' }, agent_id: { value: agentId }, resources: reserved('cpus:0.5;mem:128'), command: { value: 'sleep 1000' } };
    const accepted = await v1Call(host.address, {
      framework_id: { value: frameworkId }, type: 'ACCEPT',
      accept: {
        offer_ids: [first.offer.id],
        operations: [{ type: 'RESERVE', reserve: { resources: reserved('cpus:1;mem:512') } }, { type: 'LAUNCH', launch: { task_infos: [task] } }],
        filters: { refuse_seconds: 3600 },
      },
    }, subscription.streamId);
    expect([accepted.status, accepted.text]).to.deep.equal([202, '']);
    await clock.settle();
    await within(agent.until(() => agent.count('RunTask') === 1 && agent.count('CheckpointResources') === 1), 'RunTask and CheckpointResources at the agent');
    const checkpoint = agent.received.find((received) => received.name === 'CheckpointResources')?.body as { resources: unknown };
    expect(Resources.fromJSON(checkpoint.resources).format()).to.equal('cpus(eng, ops):1;mem(eng, ops):512');
    // The RESERVE came first: the task was launched on the reservation it made (a LAUNCH before it would have found no reserved resources).
    const run = agent.received.find((received) => received.name === 'RunTask')?.body as { task: { taskId: string; resources: unknown } };
    expect([run.task.taskId, Resources.fromJSON(run.task.resources).format()]).to.deep.equal(['db-1', 'cpus(eng, ops):0.5;mem(eng, ops):128']);
    const next = await nextOffer(subscription, false, first.at);
    const dynamic = next.offer.resources.filter((resource) => resource.reservation !== undefined);
    expect(dynamic.map(({ name, role, reservation, scalar }) => ({ name, role, reservation, scalar }))).to.deep.equal([
      { name: 'cpus', role: 'eng', reservation: { principal: 'ops' }, scalar: { value: 0.5 } },
      { name: 'mem', role: 'eng', reservation: { principal: 'ops' }, scalar: { value: 384 } },
    ]);
    expect(next.offer.resources.every((resource) => resource.reservations === undefined), 'no refined reservations for a framework without RESERVATION_REFINEMENT').to.equal(true);
  });

  it('a protobuf stream and calls: the offer carries the reservation as `reservations` (DYNAMIC, principal, labels) to a RESERVATION_REFINEMENT framework, and UNRESERVE gives it back', async () => {
    const { agent } = await registeredAgent();
    const call = (json: V1Json): Buffer => Buffer.from(v1CallBytes('scheduler', json));
    const { subscription, frameworkId } = await subscribed(call({
      type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'refined', roles: ['eng'], principal: 'ops', capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] } },
    }));
    const first = await nextOffer(subscription, true, 0);
    const labelled = Resources.parse('cpus:2;mem:1024').reservedDynamically('eng', dynamicReservation('ops', [{ key: 'purpose', value: 'db' }])).toJSON();
    const accept = (offerId: { value: string }, operation: V1Json): Promise<{ status: number; text: string }> =>
      v1Call(host.address, call({ framework_id: { value: frameworkId }, type: 'ACCEPT', accept: { offer_ids: [offerId], operations: [operation], filters: { refuse_seconds: 0 } } }), subscription.streamId);
    expect((await accept(first.offer.id, { type: 'RESERVE', reserve: { resources: labelled } })).status).to.equal(202);
    await clock.settle();
    await within(agent.until(() => agent.count('CheckpointResources') === 1), 'CheckpointResources at the agent');
    const next = await nextOffer(subscription, true, first.at);
    expect(next.offer.resources.map((resource) => resource.reservations)).to.deep.equal([
      [{ type: 'DYNAMIC', role: 'eng', principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'db' }] } }],
      [{ type: 'DYNAMIC', role: 'eng', principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'db' }] } }],
    ]);
    expect(next.offer.resources.every((resource) => resource.role === undefined && resource.reservation === undefined)).to.equal(true);
    // The offer as offered (allocation_info and all) is what an UNRESERVE names.
    expect((await accept(next.offer.id, { type: 'UNRESERVE', unreserve: { resources: next.offer.resources } })).status).to.equal(202);
    await clock.settle();
    await within(agent.until(() => agent.count('CheckpointResources') === 2), 'the second CheckpointResources');
    const checkpoints = agent.received.filter((received) => received.name === 'CheckpointResources');
    expect(Resources.fromJSON((checkpoints[1]?.body as { resources: unknown }).resources).isEmpty(), 'the agent keeps no reservation').to.equal(true);
    const after = await nextOffer(subscription, true, next.at);
    expect(read(after.offer.resources).format()).to.equal('cpus:2;mem:1024');
  });

  it('a malformed RESERVE is a 400 naming the field, an operation it does not serve (CREATE_DISK) is refused by name, and neither reaches the agent', async () => {
    const { agent } = await registeredAgent();
    const { subscription, frameworkId } = await subscribed({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'clumsy', role: 'eng', principal: 'ops' } } });
    const { offer } = await nextOffer(subscription, false, 0);
    const accept = (operation: object): Promise<{ status: number; text: string }> =>
      v1Call(host.address, { framework_id: { value: frameworkId }, type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'RESERVE', reserve: { resources: reserved('cpus:1') } }, operation] } }, subscription.streamId);
    expect(await accept({ type: 'RESERVE' })).to.deep.equal({ status: 400, text: "Failed to validate scheduler::Call: accept.operations.1: Expecting 'reserve' to be present" });
    const notAList = await accept({ type: 'RESERVE', reserve: { resources: { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } } } });
    expect(notAList.status).to.equal(400);
    expect(notAList.text).to.match(/^Failed to validate scheduler::Call: accept\.operations\.1\.reserve\.resources: .*expected array/);
    expect(await accept({ type: 'CREATE_DISK', create_disk: {} })).to.deep.equal({
      status: 400, text: "Failed to validate scheduler::Call: accept.operations.1.type: operation 'CREATE_DISK' is not supported (supported: LAUNCH, LAUNCH_GROUP, RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME, SHRINK_VOLUME)",
    });
    expect(await accept({ type: 'LAUNCH_GROUP', launch_group: {} })).to.deep.equal({
      status: 400, text: "Failed to validate scheduler::Call: accept.operations.1.launch_group.executor: Expecting 'executor' to be present",
    });
    await clock.settle();
    expect(agent.count('CheckpointResources'), 'a refused call runs none of its operations').to.equal(0);
    // The offer is still the framework's: the same ACCEPT, well formed, is served.
    expect((await accept({ type: 'LAUNCH', launch: { task_infos: [] } })).status).to.equal(202);
    await clock.settle();
    await within(agent.until(() => agent.count('CheckpointResources') === 1), 'CheckpointResources at the agent');
  });

  /** The DiskInfo of volume `id` (principal ops, at `data` in the sandbox), as v1 JSON writes it. */
  const diskOf = (id: string): { persistence: { id: string; principal: string }; volume: { container_path: string; mode: 'RW' } } =>
    ({ persistence: { id, principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } });

  /** The pre-refinement JSON of `text` reserved to eng by ops and made volume `id`, as a CREATE names it. */
  const volumeOf = (text: string, id = 'db-data'): ResourceJSON[] => reserved(text).map((entry) => ({ ...entry, disk: diskOf(id) }));

  /** What the agent was last told to checkpoint. */
  const lastCheckpoint = (agent: FakeAgent): Resources =>
    Resources.fromJSON(([...agent.received].reverse().find((received) => received.name === 'CheckpointResources')?.body as { resources: unknown }).resources);

  /** The first offer from record/event `from` on that `match` takes, allocations run one after another (at most `MAX_OFFER_ROUNDS`). */
  async function offerWhere(subscription: V1Subscription, protobuf: boolean, from: number, match: (offer: V1Offer) => boolean): Promise<{ offer: V1Offer; at: number }> {
    let next = await nextOffer(subscription, protobuf, from);
    for (let round = 1; !match(next.offer); round++) {
      if (round >= MAX_OFFER_ROUNDS) throw new Error(`no matching offer in ${MAX_OFFER_ROUNDS} allocations; the last: ${JSON.stringify(next.offer.resources)}`);
      next = await nextOffer(subscription, protobuf, next.at);
    }
    return next;
  }
  /** Allocations `offerWhere` waits through. */
  const MAX_OFFER_ROUNDS = 5;

  /** The volumes among `offer`'s resources (those with a `disk`). */
  const volumesIn = (offer: V1Offer): Array<Record<string, unknown>> => offer.resources.filter((resource) => resource.disk !== undefined);

  /**
   * A volume from start to end, all over HTTP in JSON or protobuf: RESERVE disk and CREATE a
   * volume of it in one ACCEPT; the volume offered with its disk info; a task LAUNCHed on it (named
   * as offered); the task ends; the volume offered again and DESTROYed, its disk left reserved.
   */
  async function volumeLifecycle(protobuf: boolean): Promise<void> {
    const { agent, agentId } = await registeredAgent('cpus:2;mem:1024;disk:1000');
    const encoded = (json: V1Json): object | Buffer => (protobuf ? Buffer.from(v1CallBytes('scheduler', json)) : json);
    // Protobuf: a MULTI_ROLE and RESERVATION_REFINEMENT framework (refined `reservations`); JSON: one with neither (`role`, `reservation`).
    const frameworkInfo = protobuf
      ? { user: 'u', name: 'volumes', roles: ['eng'], principal: 'ops', capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] }
      : { user: 'u', name: 'volumes', role: 'eng', principal: 'ops' };
    const { subscription, frameworkId } = await subscribed(encoded({ type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo } }));
    const accept = (offer: V1Offer, operations: V1Json[]): Promise<{ status: number; text: string }> =>
      v1Call(host.address, encoded({ framework_id: { value: frameworkId }, type: 'ACCEPT', accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } } }), subscription.streamId);
    const volume = volumeOf('disk:100');

    const first = await nextOffer(subscription, protobuf, 0);
    expect(await accept(first.offer, [{ type: 'RESERVE', reserve: { resources: reserved('disk:100') } }, { type: 'CREATE', create: { volumes: volume } }])).to.deep.equal({ status: 202, text: '' });
    await clock.settle();
    await within(agent.until(() => agent.count('CheckpointResources') === 2), 'CheckpointResources of the reservation, then of the volume');
    expect(lastCheckpoint(agent).equals(Resources.fromJSON(volume)), 'the agent keeps the volume').to.equal(true);

    const offered = await offerWhere(subscription, protobuf, first.at, (offer) => volumesIn(offer).length > 0);
    const [offeredVolume] = volumesIn(offered.offer);
    expect(offeredVolume?.disk).to.deep.equal(diskOf('db-data'));
    if (protobuf) expect(offeredVolume?.reservations).to.deep.equal([{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }]);
    else expect(offeredVolume).to.deep.include({ role: 'eng', reservation: { principal: 'ops' } });
    expect(read(volumesIn(offered.offer)).equals(Resources.fromJSON(volume)), 'the volume offered is the volume created').to.equal(true);

    const cpus = { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, ...(protobuf ? { allocation_info: { role: 'eng' } } : {}) };
    const task = { name: 'db', task_id: { value: 'db-1' }, agent_id: { value: agentId }, resources: [offeredVolume, cpus], command: { value: 'sleep 1000' } };
    expect(await accept(offered.offer, [{ type: 'LAUNCH', launch: { task_infos: [task] } }])).to.deep.equal({ status: 202, text: '' });
    await clock.settle();
    await within(agent.until(() => agent.count('RunTask') === 1), 'RunTask at the agent');
    const run = agent.received.find((received) => received.name === 'RunTask')?.body as { task: { taskId: string; resources: unknown } };
    expect(Resources.fromJSON(run.task.resources).persistentVolumes().equals(Resources.fromJSON(volume)), 'the task runs on the volume, its disk info kept').to.equal(true);

    const finished = { taskId: 'db-1', state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', agentId, timestamp: clock.now() / 1000, uuid: 'db-1-finished' };
    agent.post(master.pid, 'StatusUpdate', { update: { frameworkId, agentId, timestamp: finished.timestamp, uuid: finished.uuid, status: finished }, pid: agent.self().toString() });
    await clock.settle();
    const isFinished = (event: V1Json): boolean => event.type === 'UPDATE' && (event.update as { status: { state: string } }).status.state === 'TASK_FINISHED';
    if (protobuf) await subscription.nextRecord((record) => isFinished(decoded(record)), 5_000);
    else await subscription.next(isFinished, 5_000);

    const again = await offerWhere(subscription, protobuf, offered.at, (offer) => volumesIn(offer).length > 0);
    expect(volumesIn(again.offer).map((resource) => resource.disk), 'the volume outlives its task').to.deep.equal([diskOf('db-data')]);
    expect(await accept(again.offer, [{ type: 'DESTROY', destroy: { volumes: volumesIn(again.offer) } }])).to.deep.equal({ status: 202, text: '' });
    await clock.settle();
    await within(agent.until(() => agent.count('CheckpointResources') === 3), 'CheckpointResources without the volume');
    expect(lastCheckpoint(agent).equals(Resources.fromJSON(reserved('disk:100'))), 'the volume is gone, its disk still reserved').to.equal(true);
    const after = await offerWhere(subscription, protobuf, again.at, (offer) => read(offer.resources).dynamicallyReserved().contains(Resources.fromJSON(reserved('disk:100'))));
    expect(volumesIn(after.offer), 'no volume offered').to.deep.equal([]);
  }

  it('a JSON framework RESERVEs disk and CREATEs a volume in one ACCEPT, is offered it with its disk info, runs a task on it, and DESTROYs it once the task ended', async () => {
    await volumeLifecycle(false);
  });

  it('the same in protobuf (stream and calls, Offer.Operation.Create and Destroy, Resource.disk), to a RESERVATION_REFINEMENT framework', async () => {
    await volumeLifecycle(true);
  });

  it('a hostile volume (a host path, a disk source, a huge persistence id; a DiskInfo field of the wrong wire type) is a 400 naming it; one well formed but not the framework\'s is dropped by the master; the master serves the next ACCEPT', async () => {
    const { agent } = await registeredAgent('cpus:2;mem:1024;disk:1000');
    const { subscription, frameworkId } = await subscribed({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'hostile', role: 'eng', principal: 'ops' } } });
    const { offer, at } = await nextOffer(subscription, false, 0);
    const acceptWith = (volumes: unknown[]): Promise<{ status: number; text: string }> => v1Call(host.address, {
      framework_id: { value: frameworkId }, type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'RESERVE', reserve: { resources: reserved('disk:100') } }, { type: 'CREATE', create: { volumes } }], filters: { refuse_seconds: 0 } },
    }, subscription.streamId);
    const [good] = volumeOf('disk:100') as [ResourceJSON & { disk: ReturnType<typeof diskOf> }];
    const refusal = 'Failed to validate scheduler::Call: accept.operations.1.create.volumes.0.disk';
    expect(await acceptWith([{ ...good, disk: { ...good.disk, volume: { ...good.disk.volume, host_path: '/etc' } } }])).to.deep.equal({ status: 400, text: `${refusal}: expecting 'host_path' to be unset for a persistent volume` });
    expect(await acceptWith([{ ...good, disk: { ...good.disk, source: { type: 'MOUNT', mount: { root: '/mnt/ssd' } } } }])).to.deep.equal({ status: 400, text: `${refusal}: disk 'source' (MOUNT or PATH disks) is not supported` });
    expect(await acceptWith([{ ...good, disk: { ...good.disk, persistence: { id: 'x'.repeat(1_000_000) } } }])).to.deep.equal({ status: 400, text: `${refusal}.persistence.id: must be at most ${MAX_PERSISTENCE_ID_LENGTH} characters` });
    // By hand: Call {framework_id 1, type 2: ACCEPT 3, accept 4 {offer_ids 1, operations 2 {type 1: CREATE 4, create 5 {volumes 1 {name 1, type 2, scalar 3,
    // role 6, disk 7 {persistence 1 sent as a varint, volume 2 {container_path 1, mode 3}}, reservation 8}}}}}.
    const wrongWire = encodeMessage([[1, [[1, frameworkId]]], [2, 3], [4, [[1, [[1, offer.id.value]]], [2, [[1, 4], [5, [[1, [[1, 'disk'], [2, 0], [3, [[1, { double: 100 }]]], [6, 'eng'], [7, [[1, 5], [2, [[1, 'data'], [3, 1]]]]], [8, [[1, 'ops']]]]]]]]]]]]);
    expect(await v1Call(host.address, wrongWire, subscription.streamId)).to.deep.equal({
      status: 400, text: "Failed to parse body into Call protobuf: field 'persistence' (1) of mesos.v1.Resource.DiskInfo has wire type 0 (varint), expected 2 (length-delimited)",
    });
    await clock.settle();
    expect(agent.count('CheckpointResources'), 'a refused call runs none of its operations').to.equal(0);
    // Well formed, but in another principal's name: the RESERVE is made, the CREATE dropped and counted (as Mesos drops it).
    const invalidBefore = (await dispatch(master.master, (actor) => actor.metrics()))['mesos_ts/master/invalid_offer_operations'] ?? 0;
    expect(await acceptWith([{ ...good, disk: { ...good.disk, persistence: { id: 'db-data', principal: 'mallory' } } }])).to.deep.equal({ status: 202, text: '' });
    await clock.settle();
    await within(agent.until(() => agent.count('CheckpointResources') === 1), 'CheckpointResources of the reservation');
    expect(lastCheckpoint(agent).persistentVolumes().isEmpty(), 'no volume in another principal\'s name').to.equal(true);
    expect((await dispatch(master.master, (actor) => actor.metrics()))['mesos_ts/master/invalid_offer_operations']).to.equal(invalidBefore + 1);
    // The master is up and serves the framework's next ACCEPT: the volume, made in its own name.
    const next = await offerWhere(subscription, false, at, (candidate) => read(candidate.resources).dynamicallyReserved().contains(Resources.fromJSON(reserved('disk:100'))));
    expect(await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'ACCEPT', accept: { offer_ids: [next.offer.id], operations: [{ type: 'CREATE', create: { volumes: [good] } }] } }, subscription.streamId))
      .to.deep.equal({ status: 202, text: '' });
    await clock.settle();
    await within(agent.until(() => agent.count('CheckpointResources') === 2), 'CheckpointResources of the volume');
    expect(lastCheckpoint(agent).equals(Resources.fromJSON([good])), 'the agent keeps the volume').to.equal(true);
  });
});

describe('actors/master/v1-scheduler: limits on unauthenticated HTTP frameworks', () => {
  let host: ActorHost;
  let master: MasterHandle;
  const subscriptions: V1Subscription[] = [];

  beforeEach(async () => {
    host = await netHost();
    master = await startMaster({ flags: { ...defaultMasterFlags('/unused'), maxFrameworksPerPeer: 2 }, host, registry: Registry.inMemory() });
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    await master.stop();
    await host.stop();
  });

  async function subscribe(name: string): Promise<V1Subscription> {
    const subscription = new V1Subscription(host.address);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name, failover_timeout: 3600 } } });
    return subscription;
  }

  it('a client IP holds at most --max_frameworks_per_peer of them, streams open (429) or frameworks kept for failover (ERROR): the client is the peer, not the master\'s host', async () => {
    const first = await subscribe('one');
    await first.next((event) => event.type === 'SUBSCRIBED');
    const second = await subscribe('two');
    await second.next((event) => event.type === 'SUBSCRIBED');
    const third = await subscribe('three');
    expect(third.status).to.equal(429);
    // A closed stream frees its slot in the API, but its framework stays for its failover timeout and still counts.
    first.close();
    await within(first.ended, 'the first stream closed');
    let refused: V1Subscription | undefined;
    for (const deadline = Date.now() + 5_000; refused === undefined && Date.now() < deadline;) {
      const attempt = await subscribe('four');
      if (attempt.status === 200) refused = attempt;
      else await new Promise((resolve) => setTimeout(resolve, 20)); // the API has not seen the first stream end yet
    }
    const error = await (refused as V1Subscription).next((event) => event.type === 'ERROR');
    expect((error.error as { message: string }).message).to.match(/Too many frameworks from http:(::ffff:)?127\.0\.0\.1: max_frameworks_per_peer\(2\)/);
    // An actor framework on the master's own host is not crowded out by the HTTP ones.
    const state = await (await fetch(`http://${host.address}/master/frameworks`)).json() as { frameworks: unknown[] };
    expect(state.frameworks).to.have.length(2);
  });
});

/** `promise`, or a rejection naming `what` after 5 real seconds. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_resolve, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 5_000))]);
}

describe('actors/master: a quota change whose registry write fails (review)', () => {
  it('answers 500 and leaves the role free to change again, not "being changed" (409) for ever', async () => {
    const host = await netHost();
    const registry = Registry.inMemory();
    const original = registry.updateQuota.bind(registry);
    let failing = true;
    registry.updateQuota = (role, quota) => (failing ? Promise.reject(new Error('fenced: another master took the registry over')) : original(role, quota));
    const master = await startMaster({ flags: defaultMasterFlags('/unused'), host, registry });
    try {
      const post = (): Promise<Response> => fetch(`http://${host.address}/master/quota`, {
        method: 'POST', body: JSON.stringify({ role: 'eng', force: true, guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }),
      });
      const refused = await post();
      expect(refused.status).to.equal(500);
      expect(await refused.text()).to.match(/the registry refused the change: fenced/);
      failing = false;
      expect((await post()).status).to.equal(200);
    } finally {
      await master.stop();
      await host.stop();
    }
  });
});

describe('actors/master/v1-scheduler: clientOf (who a client is, for its limits)', () => {
  it('is the IPv4 address, also behind an IPv4-mapped IPv6 socket, and the /64 of an IPv6 one', () => {
    expect(clientOf('::ffff:127.0.0.1')).to.equal('127.0.0.1');
    expect(clientOf('10.0.0.1')).to.equal('10.0.0.1');
    // Two addresses of one /64 are one client: a machine may hold the whole /64.
    expect(clientOf('2001:db8:1:2:3:4:5:6')).to.equal('2001:db8:1:2::/64');
    expect(clientOf('2001:db8:1:2::ffff')).to.equal('2001:db8:1:2::/64');
    expect(clientOf('2001:db8::1')).to.equal('2001:db8:0:0::/64');
    expect(clientOf(undefined)).to.equal('unknown');
  });
});

describe('the v1 scheduler API: one principal cannot take every subscription (security review)', () => {
  let host: ActorHost;
  let master: MasterHandle;
  const credentials = new Map([['teama', 'secret-a'], ['teamb', 'secret-b']]);
  beforeEach(async () => {
    host = await netHost({ clock: new VirtualClock() });
    master = await startMaster({
      flags: { ...defaultMasterFlags('/unused'), credentials }, host, registry: Registry.inMemory(), httpSubscriptionLimits: { total: 3, perPrincipal: 2 },
    });
  });
  afterEach(async () => {
    await master.stop();
    await host.stop();
  });

  async function subscribe(principal: string, framework: Record<string, unknown> = {}): Promise<V1Subscription> {
    const subscription = new V1Subscription(host.address);
    await subscription.open({
      ...(framework.id !== undefined ? { framework_id: framework.id } : {}),
      type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: principal, principal, failover_timeout: 60, ...framework } },
    }, { authorization: `Basic ${Buffer.from(`${principal}:${credentials.get(principal) ?? ''}`).toString('base64')}` });
    return subscription;
  }

  it('a principal holds at most its share (429 naming it); another still subscribes, and its failover passes the full total', async () => {
    const streams: V1Subscription[] = [];
    try {
      for (let index = 0; index < 2; index++) {
        streams.push(await subscribe('teama'));
        await (streams.at(-1) as V1Subscription).next((event) => event.type === 'SUBSCRIBED');
      }
      const third = await subscribe('teama');
      streams.push(third);
      expect(third.status).to.equal(429);
      expect(third.events, 'no stream').to.deep.equal([]);
      const b = await subscribe('teamb');
      streams.push(b);
      const subscribed = await b.next((event) => event.type === 'SUBSCRIBED');
      const frameworkId = ((subscribed.subscribed as { framework_id: { value: string } }).framework_id).value;
      // Three alive: the total is reached; a new framework is refused, teamb's own coming back is not.
      const full = await subscribe('teamb');
      streams.push(full);
      expect(full.status).to.equal(429);
      const failover = await subscribe('teamb', { id: { value: frameworkId } });
      streams.push(failover);
      expect(failover.status).to.equal(200);
      await failover.next((event) => event.type === 'SUBSCRIBED');
      // teama, at its share, comes back to one of its frameworks on a new connection while the old stream is still open: that replaces, it does not add.
      const aSubscribed = await (streams[0] as V1Subscription).next((event) => event.type === 'SUBSCRIBED');
      const aId = ((aSubscribed.subscribed as { framework_id: { value: string } }).framework_id).value;
      const aFailover = await subscribe('teama', { id: { value: aId } });
      streams.push(aFailover);
      expect(aFailover.status).to.equal(200);
      await aFailover.next((event) => event.type === 'SUBSCRIBED');
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  // A hostile review of authentication across failover: another principal's call for a framework with no stream here
  // was told 403 "not subscribed" before its principal was looked at; Mesos checks the principal first.
  it("a call for a framework no stream here serves, by another principal: 400 naming both principals (as Mesos); by its own, 403", async () => {
    const a = await subscribe('teama');
    const subscribed = await a.next((event) => event.type === 'SUBSCRIBED');
    const frameworkId = ((subscribed.subscribed as { framework_id: { value: string } }).framework_id).value;
    a.close();
    const revive = { framework_id: { value: frameworkId }, type: 'REVIVE' };
    const as = (principal: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${principal}:${credentials.get(principal) ?? ''}`).toString('base64')}` });
    // Once the master has seen the stream close: its own principal's call is 403 (it was 202 on the open stream).
    for (let attempt = 0; attempt < 100 && (await v1Call(host.address, revive, a.streamId, undefined, as('teama'))).status !== 403; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await v1Call(host.address, revive, a.streamId, undefined, as('teama'))).status).to.equal(403);
    const other = await v1Call(host.address, revive, a.streamId, undefined, as('teamb'));
    expect([other.status, other.text]).to.deep.equal([400, "Authenticated principal 'teamb' does not match principal 'teama' set in `FrameworkInfo`"]);
  });
});

