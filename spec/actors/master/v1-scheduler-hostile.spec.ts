/**
 * A hostile review of the v1 scheduler API (`POST /api/v1/scheduler`) against Mesos'
 * `Master::Http::scheduler`, `scheduler::call::validate` and the master's call handlers: what a
 * client sends that Mesos takes and this refused, or answers otherwise. Real HTTP on a listening
 * host under a virtual clock.
 */
import { expect } from 'chai';
import { cleanUp, registerFramework, startListeningHarness, type Harness } from './harness';
import { v1Call, V1Subscription, type V1Event } from '../../support/v1-client';

describe('actors/master/v1-scheduler: a hostile review against Mesos', () => {
  let harness: Harness;
  const subscriptions: V1Subscription[] = [];

  beforeEach(async () => {
    harness = await startListeningHarness();
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    await harness.handle.stop();
    await harness.host.stop();
    await cleanUp();
  });

  /** POSTs `subscribe` (a whole SUBSCRIBE call); resolves with the stream and its first event. */
  async function subscribeCall(body: object): Promise<{ subscription: V1Subscription; first: V1Event }> {
    const subscription = new V1Subscription(harness.host.address);
    subscriptions.push(subscription);
    await subscription.open(body);
    await harness.clock.settle();
    if (subscription.status !== 200) throw new Error(`SUBSCRIBE answered ${subscription.status}`);
    return { subscription, first: await subscription.next(() => true, 5_000) };
  }

  /** The framework id a SUBSCRIBED event names. */
  const subscribedId = (event: V1Event): string => (event.subscribed as { framework_id: { value: string } }).framework_id.value;

  // Mesos' `Master::_subscribe` takes a FrameworkInfo whose id is empty (`frameworkInfo.id() == ""`) as a first
  // subscription, and `validateFrameworkId` lets an empty id pass: drivers of the old API send one. This refused it (400).
  it('a SUBSCRIBE whose framework id is empty (in the FrameworkInfo, the call, or both) subscribes a new framework, as Mesos does', async () => {
    const bodies = [
      { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'empty-info-id', id: { value: '' } } } },
      { type: 'SUBSCRIBE', framework_id: { value: '' }, subscribe: { framework_info: { user: 'u', name: 'empty-call-id' } } },
      { type: 'SUBSCRIBE', framework_id: { value: '' }, subscribe: { framework_info: { user: 'u', name: 'empty-ids', id: { value: '' } } } },
    ];
    const ids: string[] = [];
    for (const body of bodies) {
      const { first } = await subscribeCall(body);
      expect(first.type, JSON.stringify(first)).to.equal('SUBSCRIBED');
      ids.push(subscribedId(first));
    }
    expect(ids.every((id) => id.length > 0), ids.join()).to.equal(true);
    expect(new Set(ids).size, 'three new frameworks').to.equal(3);
    // An empty id names no framework elsewhere: Mesos' framework look-up finds none.
    const call = await v1Call(harness.host.address, { type: 'REVIVE', framework_id: { value: '' } }, 'x');
    expect([call.status, call.text]).to.deep.equal([400, 'Framework cannot be found']);
    // A non-empty id in one place still must be the other's too.
    const differ = await v1Call(harness.host.address, { type: 'SUBSCRIBE', framework_id: { value: '' }, subscribe: { framework_info: { user: 'u', name: 'x', id: { value: ids[0] } } } }, undefined);
    expect([differ.status, differ.text]).to.deep.equal([400, "Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'"]);
  });

  // Mesos' `Master::Http::scheduler`: a call for a framework that is connected, but through the scheduler driver (a pid,
  // not a stream), is 403 'Framework is not connected via HTTP'; this said 'Framework is not subscribed', which is Mesos'
  // answer for a framework that is not connected at all.
  it("a call for a framework connected through the actor API (no stream) is 403 'Framework is not connected via HTTP'; once it is disconnected, 'Framework is not subscribed'", async () => {
    const actor = await registerFramework(harness, { failoverTimeout: 60 });
    const revive = { type: 'REVIVE', framework_id: { value: actor.frameworkId } };
    // Checked before the stream id, as Mesos does: with none, and with one.
    for (const streamId of [undefined, 'some-stream']) {
      const answer = await v1Call(harness.host.address, revive, streamId);
      expect([answer.status, answer.text]).to.deep.equal([403, 'Framework is not connected via HTTP']);
    }
    harness.host.terminate(actor.probe);
    await harness.clock.settle();
    const disconnected = await v1Call(harness.host.address, revive, 'some-stream');
    expect([disconnected.status, disconnected.text]).to.deep.equal([403, 'Framework is not subscribed']);
  });
});
