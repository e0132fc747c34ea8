/**
 * Inverse offers (Mesos' maintenance primitives): a framework holding something on an agent of a
 * draining machine is asked for it back, answers (ACCEPT_INVERSE_OFFERS, DECLINE_INVERSE_OFFERS)
 * with filters, and its answer is shown by `/master/maintenance/status` and GET_MAINTENANCE_STATUS;
 * inverse offers are rescinded when what they are about changes, and shown in GET_FRAMEWORKS.
 * Actor frameworks (probes) and a v1 HTTP framework, on a listening master under the virtual clock.
 */
import { expect } from 'chai';
import type { MasterFlags } from '../../../actors/master';
import { MESSAGE_SCHEMAS, type InverseOffer, type Offer } from '../../../lib/protocol';
import { eventuallyAsync, within } from '../../support/runtime';
import { v1Call, V1Subscription, type V1Event } from '../../support/v1-client';
import {
  agentInfo, agentUpdate, all, cleanUp, commandTask, FakeAgent, last, launch, makeWorkDir, offersOf, registerAgent, registerFramework, startListeningHarness, type AgentHandle, type FakeFramework, type Harness,
} from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

async function http(harness: Harness, path: string, body?: unknown): Promise<Json> {
  const url = `http://${harness.host.address}${path}`;
  const init: RequestInit = body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const response = await within(fetch(url, init), 10_000, url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text}`);
  return text === '' ? {} : JSON.parse(text) as Json;
}

const machine = (hostname: string): Json => ({ hostname, ip: '127.0.0.1' });

/** The inverse offers a framework probe received, in order. */
function inverseOffersOf(framework: FakeFramework): InverseOffer[] {
  return all(framework.probe, 'InverseOffers').flatMap((received) => (received.body as { inverseOffers: InverseOffer[] }).inverseOffers);
}

/** The inverse offers rescinded to a framework probe. */
function rescindedOf(framework: FakeFramework): string[] {
  return all(framework.probe, 'RescindInverseOffer').map((received) => (received.body as { inverseOfferId: string }).inverseOfferId);
}

describe('actors/master: inverse offers (maintenance)', () => {
  const started: Harness[] = [];
  const subscriptions: V1Subscription[] = [];

  async function listening(flags: Partial<MasterFlags> = {}): Promise<Harness> {
    const harness = await startListeningHarness(flags, makeWorkDir());
    started.push(harness);
    return harness;
  }

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    await Promise.all(started.splice(0).map((harness) => harness.host.stop()));
    await cleanUp();
  });

  /** A master with agents on machines h1 and h2 and a framework whose task runs on h1, the rest of its offers declined for long. */
  async function withTaskOnH1(flags: Partial<MasterFlags> = {}, checkpoint = false): Promise<{ harness: Harness; h1: AgentHandle; h2: AgentHandle; framework: FakeFramework }> {
    const harness = await listening(flags);
    const h1 = await registerAgent(harness, 'cpus:4;mem:1024', 'h1');
    const h2 = await registerAgent(harness, 'cpus:4;mem:1024', 'h2');
    const framework = await registerFramework(harness, { name: 'drained', checkpoint });
    await harness.clock.advance(1_000);
    const offers = offersOf(framework.probe);
    const onH1 = offers.find((offer) => offer.agentId === h1.agentId) as Offer;
    await launch(harness, framework, [onH1.id], [commandTask('t1', h1.agentId)], 3_600);
    framework.probe.post(harness.masterPid, 'DeclineOffers', { frameworkId: framework.frameworkId, offerIds: offers.filter((offer) => offer !== onH1).map((offer) => offer.id), filters: { refuseSeconds: 3_600 } });
    await agentUpdate(harness, h1, framework.frameworkId, 't1', 'TASK_RUNNING');
    return { harness, h1, h2, framework };
  }

  /** Schedules `machines` for maintenance an hour from now; the window as posted. */
  async function schedule(harness: Harness, machines: Json[]): Promise<Json> {
    const window = { machine_ids: machines, unavailability: { start: { nanoseconds: harness.clock.now() * 1e6 + 3_600e9 } } };
    await http(harness, '/master/maintenance/schedule', { windows: [window] });
    await harness.clock.settle();
    return window;
  }

  it("are sent at once to a framework with a task on a draining machine's agent, only for that agent; GET_FRAMEWORKS shows them; ACCEPT is kept in the status, with when", async () => {
    const { harness, h1, framework } = await withTaskOnH1();
    const window = await schedule(harness, [machine('h1'), machine('h3')]);
    const [inverse, ...more] = inverseOffersOf(framework);
    expect(more).to.deep.equal([]);
    expect(inverse).to.deep.include({ frameworkId: framework.frameworkId, agentId: h1.agentId, unavailability: window.unavailability });
    expect(inverse?.id).to.match(/-O\d+$/);
    const frameworks = (await http(harness, '/api/v1', { type: 'GET_FRAMEWORKS' })).get_frameworks.frameworks as Json[];
    const shown = frameworks[0]?.inverse_offers as Json[];
    expect(shown).to.have.length(1);
    expect(shown[0]).to.deep.include({ id: { value: inverse?.id }, framework_id: { value: framework.frameworkId }, agent_id: { value: h1.agentId }, unavailability: window.unavailability });
    expect(shown[0]?.url.address).to.deep.include({ hostname: 'h1', ip: '127.0.0.1' });
    expect(await http(harness, '/master/maintenance/status')).to.deep.equal({ draining_machines: [{ id: machine('h1') }, { id: machine('h3') }] });

    const answeredAtNs = harness.clock.now() * 1e6;
    framework.probe.post(harness.masterPid, 'AcceptInverseOffers', { frameworkId: framework.frameworkId, inverseOfferIds: [inverse?.id], filters: { refuseSeconds: 10 } });
    await harness.clock.settle();
    const status = await http(harness, '/master/maintenance/status');
    expect(status).to.deep.equal({
      draining_machines: [{ id: machine('h1'), statuses: [{ status: 'ACCEPT', framework_id: { value: framework.frameworkId }, timestamp: { nanoseconds: answeredAtNs } }] }, { id: machine('h3') }],
    });
    expect((await http(harness, '/api/v1', { type: 'GET_MAINTENANCE_STATUS' })).get_maintenance_status.status).to.deep.equal(status);
    const after = (await http(harness, '/api/v1', { type: 'GET_FRAMEWORKS' })).get_frameworks.frameworks as Json[];
    expect(after[0]?.inverse_offers, 'answered: no longer outstanding').to.equal(undefined);
    // Counted in the framework's metrics, as Mesos' per-framework calls and events.
    const metrics = await http(harness, '/metrics/snapshot');
    const prefix = `master/frameworks/drained/${framework.frameworkId}`;
    expect([metrics[`${prefix}/calls/accept_inverse_offers`], metrics[`${prefix}/events/inverse_offers`]]).to.deep.equal([1, 1]);
  });

  it('are sent again once the filter of the answer ends (each allocation interval looks), DECLINE replacing ACCEPT; a framework with nothing on the agent gets none', async () => {
    const { harness, framework } = await withTaskOnH1();
    const idle = await registerFramework(harness, { name: 'idle' });
    idle.probe.post(harness.masterPid, 'SuppressOffers', { frameworkId: idle.frameworkId });
    await schedule(harness, [machine('h1')]);
    const [first] = inverseOffersOf(framework);
    framework.probe.post(harness.masterPid, 'AcceptInverseOffers', { frameworkId: framework.frameworkId, inverseOfferIds: [first?.id], filters: { refuseSeconds: 10 } });
    await harness.clock.settle();
    await harness.clock.advance(9_000);
    expect(inverseOffersOf(framework)).to.have.length(1);
    await harness.clock.advance(2_000);
    const [, second, ...more] = inverseOffersOf(framework);
    expect(more).to.deep.equal([]);
    expect(second?.id).not.to.equal(first?.id);
    // No filter given: Mesos' default, 5 s.
    framework.probe.post(harness.masterPid, 'DeclineInverseOffers', { frameworkId: framework.frameworkId, inverseOfferIds: [second?.id] });
    await harness.clock.settle();
    expect((await http(harness, '/master/maintenance/status')).draining_machines[0].statuses).to.deep.equal([
      { status: 'DECLINE', framework_id: { value: framework.frameworkId }, timestamp: { nanoseconds: harness.clock.now() * 1e6 } },
    ]);
    await harness.clock.advance(4_000);
    expect(inverseOffersOf(framework)).to.have.length(2);
    await harness.clock.advance(2_000);
    expect(inverseOffersOf(framework)).to.have.length(3);
    expect(inverseOffersOf(idle)).to.deep.equal([]);
    // A framework's answer to another's inverse offer, or to none, changes nothing.
    const third = inverseOffersOf(framework)[2];
    idle.probe.post(harness.masterPid, 'AcceptInverseOffers', { frameworkId: idle.frameworkId, inverseOfferIds: [third?.id, 'no-such-offer'] });
    framework.probe.post(harness.masterPid, 'AcceptInverseOffers', { frameworkId: framework.frameworkId, inverseOfferIds: [] });
    await harness.clock.settle();
    expect((await http(harness, '/api/v1', { type: 'GET_FRAMEWORKS' })).get_frameworks.frameworks.find((entry: Json) => entry.framework_info.name === 'drained').inverse_offers).to.have.length(1);
  });

  it('are rescinded when the schedule is posted again (answers forgotten, new ones sent), and when the framework is deactivated', async () => {
    const { harness, framework } = await withTaskOnH1();
    await schedule(harness, [machine('h1')]);
    const [first] = inverseOffersOf(framework);
    framework.probe.post(harness.masterPid, 'DeclineInverseOffers', { frameworkId: framework.frameworkId, inverseOfferIds: [first?.id], filters: { refuseSeconds: 600 } });
    await harness.clock.settle();
    expect((await http(harness, '/master/maintenance/status')).draining_machines[0].statuses).to.have.length(1);
    // Posted again (as Mesos' updateUnavailability): answers and filters start over; a new one at once.
    await schedule(harness, [machine('h1')]);
    expect((await http(harness, '/master/maintenance/status')).draining_machines).to.deep.equal([{ id: machine('h1') }]);
    const [, second] = inverseOffersOf(framework);
    expect(second).not.to.equal(undefined);
    await schedule(harness, [machine('h1')]);
    expect(rescindedOf(framework)).to.deep.equal([second?.id]);
    const third = inverseOffersOf(framework)[2];
    // Deactivated: rescinded, and none while it is.
    framework.probe.post(harness.masterPid, 'DeactivateFramework', { frameworkId: framework.frameworkId });
    await harness.clock.settle();
    expect(rescindedOf(framework)).to.deep.equal([second?.id, third?.id]);
    await harness.clock.advance(3_000);
    expect(inverseOffersOf(framework)).to.have.length(3);
  });

  it('of an agent that disconnects are rescinded, and none is sent while it is away', async () => {
    const { harness, h1, framework } = await withTaskOnH1({ agentReregisterTimeoutMs: 60_000 }, true);
    await schedule(harness, [machine('h1')]);
    const [first] = inverseOffersOf(framework);
    harness.host.terminate(h1.probe);
    await harness.clock.settle();
    expect(rescindedOf(framework)).to.deep.equal([first?.id]);
    await harness.clock.advance(5_000);
    expect(inverseOffersOf(framework), 'its task waits for it (a checkpointing framework), but it is not active').to.have.length(1);
  });

  it('of an agent the operator deactivates (DEACTIVATE_AGENT) are rescinded, as Mesos\' `deactivate(Slave*)`; none while it is; REACTIVATE_AGENT brings them back', async () => {
    const { harness, h1, framework } = await withTaskOnH1();
    await schedule(harness, [machine('h1')]);
    const [first] = inverseOffersOf(framework);
    await http(harness, '/api/v1', { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: h1.agentId } } });
    await harness.clock.settle();
    expect(rescindedOf(framework)).to.deep.equal([first?.id]);
    const frameworks = (await http(harness, '/api/v1', { type: 'GET_FRAMEWORKS' })).get_frameworks.frameworks as Json[];
    expect(frameworks[0]?.inverse_offers, 'no longer outstanding').to.equal(undefined);
    await harness.clock.advance(3_000);
    expect(inverseOffersOf(framework), 'none while the agent is deactivated').to.have.length(1);
    await http(harness, '/api/v1', { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: h1.agentId } } });
    await harness.clock.advance(1_000);
    expect(inverseOffersOf(framework).map((inverse) => inverse.agentId)).to.deep.equal([h1.agentId, h1.agentId]);
  });

  it("filters go when the framework's info is updated (UPDATE_FRAMEWORK, a re-subscription), as Mesos' allocator `updateFramework` revives, and when it revives", async () => {
    const { harness, framework } = await withTaskOnH1();
    await schedule(harness, [machine('h1')]);
    const [first] = inverseOffersOf(framework);
    framework.probe.post(harness.masterPid, 'DeclineInverseOffers', { frameworkId: framework.frameworkId, inverseOfferIds: [first?.id], filters: { refuseSeconds: 3_600 } });
    await harness.clock.advance(3_000);
    expect(inverseOffersOf(framework), 'filtered for an hour').to.have.length(1);
    framework.probe.post(harness.masterPid, 'UpdateFrameworkCall', { frameworkId: framework.frameworkId, framework: framework.info, requestId: '1' });
    await harness.clock.settle();
    expect(last(framework.probe, 'UpdateFrameworkAnswer')?.body).to.deep.include({ status: 200 });
    await harness.clock.advance(1_000);
    const [, second, ...more] = inverseOffersOf(framework);
    expect(more).to.deep.equal([]);
    expect(second?.agentId).to.equal(first?.agentId);
    // Declined for an hour again, then re-subscribed from its own pid: rescinded if outstanding, and unfiltered.
    framework.probe.post(harness.masterPid, 'DeclineInverseOffers', { frameworkId: framework.frameworkId, inverseOfferIds: [second?.id], filters: { refuseSeconds: 3_600 } });
    await harness.clock.advance(3_000);
    expect(inverseOffersOf(framework)).to.have.length(2);
    framework.probe.post(harness.masterPid, 'ReregisterFramework', { framework: framework.info, failover: false });
    await harness.clock.settle();
    expect(last(framework.probe, 'FrameworkReregistered')).to.not.equal(undefined);
    await harness.clock.advance(1_000);
    expect(inverseOffersOf(framework)).to.have.length(3);
    // And REVIVE (Mesos' `reviveRoles`).
    framework.probe.post(harness.masterPid, 'DeclineInverseOffers', { frameworkId: framework.frameworkId, inverseOfferIds: [inverseOffersOf(framework)[2]?.id], filters: { refuseSeconds: 3_600 } });
    await harness.clock.advance(3_000);
    expect(inverseOffersOf(framework)).to.have.length(3);
    framework.probe.post(harness.masterPid, 'ReviveOffers', { frameworkId: framework.frameworkId });
    await harness.clock.advance(1_000);
    expect(inverseOffersOf(framework)).to.have.length(4);
  });

  it('of an agent that goes (its machine DOWN) are rescinded', async () => {
    const { harness, h1, framework } = await withTaskOnH1();
    await schedule(harness, [machine('h1')]);
    const [first] = inverseOffersOf(framework);
    await http(harness, '/master/machine/down', [machine('h1')]);
    await eventuallyAsync(async () => {
      await harness.clock.settle();
      return rescindedOf(framework).length === 1;
    }, 5_000, 'the inverse offer rescinded');
    expect(rescindedOf(framework)).to.deep.equal([first?.id]);
    expect(last(framework.probe, 'LostAgent')?.body).to.deep.equal({ agentId: h1.agentId });
    expect(await http(harness, '/master/maintenance/status')).to.deep.equal({ down_machines: [machine('h1')] });
  });

  it("refuses a bad answer at the wire's edge, naming the field (at most 10,000 ids an answer); one naming what is not its outstanding inverse offer changes nothing", async () => {
    const check = (name: string, body: unknown): string | undefined => {
      const parsed = MESSAGE_SCHEMAS.get(name)?.safeParse(body);
      return parsed?.success === false ? parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') : undefined;
    };
    expect(check('AcceptInverseOffers', { frameworkId: 'f', inverseOfferIds: Array.from({ length: 10_001 }, () => 'o') })).to.equal('inverseOfferIds: names at most 10000 inverse offers');
    expect(check('DeclineInverseOffers', { frameworkId: 'f', inverseOfferIds: [''] })).to.equal('inverseOfferIds.0: must be a non-empty string');
    expect(check('DeclineInverseOffers', { frameworkId: 'f', inverseOfferIds: ['o'], filters: { refuseSeconds: 'soon' } })).to.match(/^filters\.refuseSeconds: /);
    expect(check('InverseOffers', { inverseOffers: [{ id: 'o', frameworkId: 'f', agentId: 'a', unavailability: { start: { nanoseconds: 1e30 } } }] })).to.match(/nanoseconds: must fit in 64 bits/);
    const { harness, framework } = await withTaskOnH1();
    const other = await registerFramework(harness, { name: 'other' });
    await schedule(harness, [machine('h1')]);
    const [first] = inverseOffersOf(framework);
    other.probe.post(harness.masterPid, 'AcceptInverseOffers', { frameworkId: other.frameworkId, inverseOfferIds: [first?.id, 'm-O999999'] });
    // Sent by another than the framework's scheduler: dropped.
    other.probe.post(harness.masterPid, 'DeclineInverseOffers', { frameworkId: framework.frameworkId, inverseOfferIds: [first?.id] });
    await harness.clock.settle();
    expect((await http(harness, '/master/maintenance/status')).draining_machines).to.deep.equal([{ id: machine('h1') }]);
    expect(harness.captured.find('ignoring an answer to an inverse offer that is no longer valid')).to.have.length(2);
  });

  it('are sent after a master restart to the frameworks of an agent of a draining machine that comes back (answers start over)', async () => {
    const workDir = makeWorkDir();
    const first = await startListeningHarness({}, workDir);
    started.push(first);
    const agent = await registerAgent(first, 'cpus:2;mem:512', 'h1');
    await schedule(first, [machine('h1')]);
    started.splice(started.indexOf(first), 1);
    await first.host.stop();
    const second = await startListeningHarness({}, workDir);
    started.push(second);
    const back = new FakeAgent('back-on-h1');
    second.host.spawn(back);
    back.post(second.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:2;mem:512', 'h1', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
    await eventuallyAsync(async () => { await second.clock.settle(); return last(back, 'AgentReregistered') !== undefined; }, 5_000, 'the agent back');
    const framework = await registerFramework(second);
    await second.clock.advance(1_000);
    const [offer] = offersOf(framework.probe);
    expect(offer?.unavailability).to.not.equal(undefined);
    await second.clock.advance(1_000);
    expect(inverseOffersOf(framework).map((inverse) => inverse.agentId)).to.deep.equal([agent.agentId]);
  });

  it('time out with --offer_timeout: rescinded, and sent again at the next look', async () => {
    const { harness, framework } = await withTaskOnH1({ offerTimeoutMs: 5_000 });
    await schedule(harness, [machine('h1')]);
    const [first] = inverseOffersOf(framework);
    await harness.clock.advance(5_000);
    expect(rescindedOf(framework)).to.deep.equal([first?.id]);
    await harness.clock.advance(1_000);
    expect(inverseOffersOf(framework)).to.have.length(2);
  });

  it('reach a v1 HTTP framework as INVERSE_OFFERS, its offers carry the unavailability, and its ACCEPT_INVERSE_OFFERS is answered 202 and kept', async () => {
    const harness = await listening();
    const h1 = await registerAgent(harness, 'cpus:2;mem:512', 'h1');
    const subscription = new V1Subscription(harness.host.address);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'v1-drained' } } });
    await harness.clock.settle();
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED', 5_000);
    const frameworkId = (subscribed.subscribed as Json).framework_id.value as string;
    await harness.clock.advance(1_000);
    await subscription.next((event) => event.type === 'OFFERS', 5_000);
    // It keeps its offer: it holds something on the agent.
    const window = await schedule(harness, [machine('h1')]);
    await subscription.next((event) => event.type === 'RESCIND', 5_000);
    await harness.clock.advance(1_000);
    const offered = await subscription.next((event) => event.type === 'OFFERS' && ((event.offers as Json).offers as Json[])[0]?.unavailability !== undefined, 5_000);
    expect(((offered.offers as Json).offers as Json[])[0]?.unavailability).to.deep.equal(window.unavailability);
    await harness.clock.advance(1_000);
    const inverse: V1Event = await subscription.next((event) => event.type === 'INVERSE_OFFERS', 5_000);
    const [offer] = (inverse.inverse_offers as Json).inverse_offers as Json[];
    expect(offer).to.deep.include({ framework_id: { value: frameworkId }, agent_id: { value: h1.agentId }, unavailability: window.unavailability });
    expect(offer?.url).to.deep.include({ scheme: 'http', path: `/${h1.probe.self().id}` });
    const accepted = await v1Call(harness.host.address, { framework_id: { value: frameworkId }, type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [offer?.id], filters: { refuse_seconds: 60 } } }, subscription.streamId);
    expect(accepted.status).to.equal(202);
    await eventuallyAsync(async () => {
      await harness.clock.settle();
      return ((await http(harness, '/master/maintenance/status')).draining_machines[0].statuses ?? []).length === 1;
    }, 5_000, 'the answer kept');
    expect((await http(harness, '/master/maintenance/status')).draining_machines[0].statuses[0]).to.deep.include({ status: 'ACCEPT', framework_id: { value: frameworkId } });
    // A bad call is named; RESCIND_INVERSE_OFFER reaches the stream when the schedule is posted again.
    const bad = await v1Call(harness.host.address, { framework_id: { value: frameworkId }, type: 'DECLINE_INVERSE_OFFERS' }, subscription.streamId);
    expect([bad.status, bad.text]).to.deep.equal([400, "Failed to validate scheduler::Call: Expecting 'decline_inverse_offers' to be present"]);
    const seen = subscription.events.length;
    await schedule(harness, [machine('h1')]);
    // Its offer, rescinded, comes back at the next allocation; the look after it sends the inverse offer.
    await harness.clock.advance(1_000);
    await harness.clock.advance(1_000);
    const again = await subscription.next((event) => event.type === 'INVERSE_OFFERS', 5_000, seen);
    const id = ((again.inverse_offers as Json).inverse_offers as Json[])[0]?.id;
    await schedule(harness, [machine('h1')]);
    const rescinded = await subscription.next((event) => event.type === 'RESCIND_INVERSE_OFFER', 5_000);
    expect(rescinded.rescind_inverse_offer).to.deep.equal({ inverse_offer_id: id });
  });
});
