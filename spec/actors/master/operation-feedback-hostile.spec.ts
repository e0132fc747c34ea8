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
import { v1EventBytes, v1EventJson } from '../../../lib/v1/protobuf';
import { operationStatusEvent, parseSchedulerCall } from '../../../lib/v1/scheduler';
import { agentInfo, all, cleanUp, FakeAgent, metricsOf, registerAgent, registerFramework, startHarness } from './harness';
import { dispatch } from '../../../lib/actor';
import type { V1Json } from '../../../lib/v1/json';

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

  async function subscribe(): Promise<{ subscription: V1Subscription; frameworkId: string; offerId: { value: string } | undefined; agentId: string }> {
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
    const agentId = (agent.received.find((received) => received.name === 'AgentRegistered')?.body as { agentId: string }).agentId;
    return { subscription, frameworkId, offerId: (offers.offers as { offers: Array<{ id: { value: string } }> }).offers[0]?.id, agentId };
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

  it("RECONCILE_OPERATIONS over HTTP: implicit, nothing; explicit, by the agent's standing (registered, none named, unknown, gone), resource_provider_id echoed; ACKNOWLEDGE_OPERATION_STATUS counted invalid", async () => {
    const { subscription, frameworkId, agentId } = await subscribe();
    const gone = new FakeAgent('agent-gone');
    host.spawn(gone);
    gone.post(master.pid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:128', 'gone.local'), version: '1' });
    await clock.settle();
    await within(gone.until(() => gone.count('AgentRegistered') > 0), STEP_MS, 'the second agent to register');
    const goneId = (gone.received.find((received) => received.name === 'AgentRegistered')?.body as { agentId: string }).agentId;
    const marked = await v1Call(host.address, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: goneId } } }, undefined, '/api/v1');
    expect(marked.status).to.equal(200);
    await clock.settle();
    // Implicit: the master knows no operation, so nothing is answered (the explicit answers below come first).
    const implicit = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'RECONCILE_OPERATIONS', reconcile_operations: {} }, subscription.streamId);
    expect(implicit.status).to.equal(202);
    await clock.settle();
    const reconciled = await v1Call(host.address, {
      framework_id: { value: frameworkId }, type: 'RECONCILE_OPERATIONS',
      reconcile_operations: { operations: [{ operation_id: { value: 'a' }, agent_id: { value: agentId }, resource_provider_id: { value: 'rp-1' } }, { operation_id: { value: 'b' } }, { operation_id: { value: 'c' }, agent_id: { value: 'S-nobody' } }, { operation_id: { value: 'd' }, agent_id: { value: goneId } }] },
    }, subscription.streamId);
    expect(reconciled.status).to.equal(202);
    await clock.settle();
    const answers: V1Json[] = [];
    for (let count = 0; count < 4; count++) answers.push(await subscription.next((event) => event.type === 'UPDATE_OPERATION_STATUS' && !answers.includes(event), STEP_MS));
    expect(answers.map((event) => (event.update_operation_status as { status: V1Json }).status)).to.deep.equal([
      { operation_id: { value: 'a' }, state: 'OPERATION_UNKNOWN', message: 'Reconciliation: Operation is unknown', agent_id: { value: agentId }, resource_provider_id: { value: 'rp-1' } },
      { operation_id: { value: 'b' }, state: 'OPERATION_UNKNOWN', message: "Reconciliation: Operation is unknown and no 'agent_id' was provided" },
      { operation_id: { value: 'c' }, state: 'OPERATION_UNKNOWN', message: 'Reconciliation: Both operation and agent are unknown', agent_id: { value: 'S-nobody' } },
      { operation_id: { value: 'd' }, state: 'OPERATION_GONE_BY_OPERATOR', message: 'Reconciliation: Agent marked gone by operator', agent_id: { value: goneId } },
    ]);
    const uuid = Buffer.from('0c1e7d1e9a4e4c518f8e2a1d3f4b5c6d', 'hex').toString('base64');
    const acknowledged = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: agentId }, uuid, operation_id: { value: 'a' } } }, subscription.streamId);
    expect(acknowledged.status).to.equal(202);
    await clock.settle();
    const metrics = await dispatch(master.master, (actor) => actor.metrics());
    expect([metrics['master/messages_reconcile_operations'], metrics['master/messages_operation_status_update_acknowledgement'], metrics['master/invalid_operation_status_update_acknowledgements']]).to.deep.equal([2, 1, 1]);
  });
});

describe('actors/master: operation feedback, hostile cases (calls and events)', () => {
  afterEach(cleanUp);

  it("RECONCILE_OPERATIONS' and ACKNOWLEDGE_OPERATION_STATUS' resource_provider_id is kept, and UPDATE_OPERATION_STATUS carries it (Mesos' createOperationStatus(..., slaveId, resourceProviderId)), in JSON and protobuf", () => {
    const uuid = Buffer.from('0c1e7d1e9a4e4c518f8e2a1d3f4b5c6d', 'hex').toString('base64');
    const parsed = parseSchedulerCall({ framework_id: { value: 'f' }, type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: 'o' }, agent_id: { value: 'S1' }, resource_provider_id: { value: 'rp' } }] } });
    expect(parsed).to.deep.equal({ ok: true, call: { type: 'RECONCILE_OPERATIONS', frameworkId: 'f', operations: [{ operationId: 'o', agentId: 'S1', resourceProviderId: 'rp' }] } });
    const acknowledged = parseSchedulerCall({ framework_id: { value: 'f' }, type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: 'S1' }, resource_provider_id: { value: 'rp' }, uuid, operation_id: { value: 'o' } } });
    expect(acknowledged).to.have.nested.property('call.resourceProviderId', 'rp');
    const event = operationStatusEvent({ operationId: 'o', state: 'OPERATION_UNKNOWN', message: 'm', agentId: 'S1', resourceProviderId: 'rp' });
    expect(event).to.deep.equal({ type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status: { operation_id: { value: 'o' }, state: 'OPERATION_UNKNOWN', message: 'm', agent_id: { value: 'S1' }, resource_provider_id: { value: 'rp' } } } });
    expect(v1EventJson('scheduler', v1EventBytes('scheduler', event))).to.deep.equal(event);
  });

  it("a scheduler-driver (actor) framework's RECONCILE_OPERATIONS and ACKNOWLEDGE_OPERATION_STATUS are dropped unanswered and uncounted, as Mesos' v0 API ('... is not supported by the v0 API')", async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:1;mem:128');
    const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'] });
    framework.probe.post(harness.masterPid, 'ReconcileOperations', { frameworkId: framework.frameworkId, operations: [{ operationId: 'a', agentId: agent.agentId }] });
    framework.probe.post(harness.masterPid, 'AcknowledgeOperationStatus', { frameworkId: framework.frameworkId, agentId: agent.agentId, operationId: 'a', uuid: '0c1e7d1e-9a4e-4c51-8f8e-2a1d3f4b5c6d' });
    await harness.clock.settle();
    expect(all(framework.probe, 'OperationStatusUpdate')).to.have.length(0);
    expect(all(framework.probe, 'FrameworkError')).to.have.length(0);
    const metrics = await metricsOf(harness);
    expect([metrics['master/messages_reconcile_operations'], metrics['master/messages_operation_status_update_acknowledgement'], metrics['master/invalid_operation_status_update_acknowledgements']]).to.deep.equal([0, 0, 0]);
  });
});
