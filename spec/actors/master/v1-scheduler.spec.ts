/**
 * The v1 scheduler API's timers under the virtual clock (issue 11): heartbeats at the interval,
 * and a disconnected HTTP framework's failover timeout. Real HTTP on a listening host whose
 * clock moves only when the test says.
 */
import { expect } from 'chai';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { defaultMasterFlags, startMaster, type MasterHandle } from '../../../actors/master';
import { Registry } from '../../../actors/master/registry';
import { netHost } from '../../support/runtime';
import { V1Subscription } from '../../support/v1-client';

describe('actors/master/v1-scheduler: timers under the virtual clock', () => {
  let clock: VirtualClock;
  let host: ActorHost;
  let master: MasterHandle;
  const subscriptions: V1Subscription[] = [];

  beforeEach(async () => {
    clock = new VirtualClock();
    host = await netHost({ clock });
    master = await startMaster({ flags: { ...defaultMasterFlags('/unused'), httpFrameworkHeartbeatIntervalMs: 10_000 }, host, registry: Registry.inMemory() });
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    await master.stop();
    await host.stop();
  });

  async function subscribe(failoverTimeout: number): Promise<{ subscription: V1Subscription; frameworkId: string }> {
    const subscription = new V1Subscription(host.address);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'timers', failover_timeout: failoverTimeout } } });
    await clock.settle();
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED', 5_000);
    return { subscription, frameworkId: (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value };
  }

  /** How many HEARTBEATs the stream has carried. */
  const heartbeats = (subscription: V1Subscription): number => subscription.events.filter((event) => event.type === 'HEARTBEAT').length;

  it('sends HEARTBEAT every --http_framework_heartbeat_interval, and says the interval in SUBSCRIBED', async () => {
    const { subscription } = await subscribe(0);
    expect((subscription.events[0]?.subscribed as { heartbeat_interval_seconds: number }).heartbeat_interval_seconds).to.equal(10);
    await clock.advance(9_999);
    expect(heartbeats(subscription)).to.equal(0);
    await clock.advance(1);
    await subscription.next((event) => event.type === 'HEARTBEAT', 5_000);
    await clock.advance(20_000);
    await subscription.next(() => heartbeats(subscription) === 3, 5_000);
    expect(heartbeats(subscription)).to.equal(3);
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

/** `promise`, or a rejection naming `what` after 5 real seconds. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_resolve, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 5_000))]);
}
