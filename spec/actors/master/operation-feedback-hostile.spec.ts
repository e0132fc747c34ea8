/**
 * Hostile cases of offer operation feedback over v1 HTTP: what Mesos' master answers that the
 * first version did not (`Master::accept`'s invalid-offers branch calls `drop`, which sends a v1
 * HTTP framework's operation with an `id` an OPERATION_ERROR).
 */
import { expect } from 'chai';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { dynamicReservation, Resources } from '../../../lib/resources';
import { defaultMasterFlags, startMaster, type MasterHandle } from '../../../actors/master';
import { Registry } from '../../../actors/master/registry';
import { netHost, within } from '../../support/runtime';
import { v1Call, V1Subscription } from '../../support/v1-client';
import type { OperationStatus } from '../../../lib/protocol';
import { v1EventBytes, v1EventJson } from '../../../lib/v1/protobuf';
import { operationStatusEvent, parseSchedulerCall } from '../../../lib/v1/scheduler';
import { agentInfo, all, cleanUp, FakeAgent, registerAgent, registerFramework, startHarness } from './harness';

/** Real time a real-HTTP step may take. */
const STEP_MS = 5_000;

const reserved = (text: string): Resources => Resources.parse(text).reservedDynamically('eng', dynamicReservation('ops'));

describe('actors/master: operation feedback, hostile cases (v1 HTTP)', () => {
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

  async function subscribe(): Promise<{ subscription: V1Subscription; frameworkId: string; offerId: { value: string } | undefined }> {
    const agent = new FakeAgent('agent-hostile');
    host.spawn(agent);
    agent.post(master.pid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024'), version: '1' });
    await clock.settle();
    await within(agent.until(() => agent.count('AgentRegistered') > 0), STEP_MS, 'the agent to register');
    const subscription = new V1Subscription(host.address);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'feedback', role: 'eng', principal: 'ops' } } });
    await clock.settle();
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED', STEP_MS);
    const frameworkId = (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value;
    await clock.advance(1_000);
    const offers = await subscription.next((event) => event.type === 'OFFERS', STEP_MS);
    return { subscription, frameworkId, offerId: (offers.offers as { offers: Array<{ id: { value: string } }> }).offers[0]?.id };
  }

  it("an operation with an id on offers no longer valid is OPERATION_ERROR 'Operation attempted with invalid offers: ...' (Mesos' drop), without an agent id", async () => {
    const { subscription, frameworkId } = await subscribe();
    const accepted = await v1Call(host.address, {
      framework_id: { value: frameworkId }, type: 'ACCEPT',
      accept: { offer_ids: [{ value: 'no-such-offer' }], operations: [{ type: 'RESERVE', id: { value: 'op-x' }, reserve: { resources: reserved('cpus:1').toJSON() } }] },
    }, subscription.streamId);
    expect(accepted.status).to.equal(202);
    await clock.settle();
    const update = await subscription.next((event) => event.type === 'UPDATE_OPERATION_STATUS', STEP_MS);
    expect(update.update_operation_status).to.deep.equal({
      status: { operation_id: { value: 'op-x' }, state: 'OPERATION_ERROR', message: 'Operation attempted with invalid offers: Offer no-such-offer is no longer valid' },
    });
  });
});

describe('actors/master: operation feedback, hostile cases (calls and events)', () => {
  afterEach(cleanUp);

  it("RECONCILE_OPERATIONS' resource_provider_id is kept, and echoed in the answer with the agent's (Mesos' createOperationStatus(..., slaveId, resourceProviderId))", async () => {
    const uuid = Buffer.from('0c1e7d1e9a4e4c518f8e2a1d3f4b5c6d', 'hex').toString('base64');
    const parsed = parseSchedulerCall({ framework_id: { value: 'f' }, type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: 'o' }, agent_id: { value: 'S1' }, resource_provider_id: { value: 'rp' } }] } });
    expect(parsed).to.deep.equal({ ok: true, call: { type: 'RECONCILE_OPERATIONS', frameworkId: 'f', operations: [{ operationId: 'o', agentId: 'S1', resourceProviderId: 'rp' }] } });
    const acknowledged = parseSchedulerCall({ framework_id: { value: 'f' }, type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: 'S1' }, resource_provider_id: { value: 'rp' }, uuid, operation_id: { value: 'o' } } });
    expect(acknowledged).to.have.nested.property('call.resourceProviderId', 'rp');
    const event = operationStatusEvent({ operationId: 'o', state: 'OPERATION_UNKNOWN', message: 'm', agentId: 'S1', resourceProviderId: 'rp' });
    expect(event).to.deep.equal({ type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status: { operation_id: { value: 'o' }, state: 'OPERATION_UNKNOWN', message: 'm', agent_id: { value: 'S1' }, resource_provider_id: { value: 'rp' } } } });
    expect(v1EventJson('scheduler', v1EventBytes('scheduler', event))).to.deep.equal(event);

    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:1;mem:128');
    const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'] });
    framework.probe.post(harness.masterPid, 'ReconcileOperations', {
      frameworkId: framework.frameworkId,
      operations: [{ operationId: 'a', agentId: agent.agentId, resourceProviderId: 'rp-1' }, { operationId: 'b', resourceProviderId: 'rp-2' }],
    });
    await harness.clock.settle();
    const statuses = all(framework.probe, 'OperationStatusUpdate').map((received) => (received.body as { status: OperationStatus }).status);
    expect(statuses.map((status) => [status.operationId, status.state, status.agentId, status.resourceProviderId])).to.deep.equal([
      ['a', 'OPERATION_UNKNOWN', agent.agentId, 'rp-1'],
      ['b', 'OPERATION_UNKNOWN', undefined, 'rp-2'],
    ]);
  });
});
