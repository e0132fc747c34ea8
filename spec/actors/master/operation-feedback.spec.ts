/**
 * Offer operation feedback (Mesos' `Offer.Operation.id`, UPDATE_OPERATION_STATUS,
 * ACKNOWLEDGE_OPERATION_STATUS, RECONCILE_OPERATIONS), as Mesos' master answers it for agents
 * without the AGENT_OPERATION_FEEDBACK and RESOURCE_PROVIDER capabilities, which every agent here
 * is: an operation asking for feedback is refused (never applied silently: a framework waiting for
 * its OPERATION_FINISHED would wait forever), reconciliation answers by the agent's standing, and
 * an acknowledgement is counted and dropped. Actor frameworks through the harness; a v1 HTTP
 * framework over real HTTP under the virtual clock. The cases a helper's hostile review added
 * (offers no longer valid, `resource_provider_id`, a driver's calls dropped) are among them.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { dynamicReservation, Resources } from '../../../lib/resources';
import { AGENT_PING_TIMEOUT_MS, MAX_AGENT_PING_TIMEOUTS, type Operation, type OperationStatus, type TaskGroupInfo } from '../../../lib/protocol';
import type { V1Json } from '../../../lib/v1/json';
import { v1CallBytes, v1EventBytes, v1EventJson } from '../../../lib/v1/protobuf';
import { operationStatusEvent, parseSchedulerCall } from '../../../lib/v1/scheduler';
import { defaultMasterFlags, startMaster, type MasterHandle } from '../../../actors/master';
import { Registry } from '../../../actors/master/registry';
import { netHost, within } from '../../support/runtime';
import { v1Call, V1Subscription } from '../../support/v1-client';
import {
  agentInfo, all, cleanUp, commandTask, FakeAgent, last, latestOffer, metricsOf, registerAgent, registerFramework, startHarness, statesOf, updatesOf,
  type AgentHandle, type FakeFramework, type Harness,
} from './harness';

/** A UUID's 16 bytes in base64, as an ACKNOWLEDGE_OPERATION_STATUS carries one. */
const uuid = Buffer.from('0c1e7d1e9a4e4c518f8e2a1d3f4b5c6d', 'hex').toString('base64');

/** Real time a real-HTTP step may take. */
const STEP_MS = 5_000;

const reserved = (text: string): Resources => Resources.parse(text).reservedDynamically('eng', dynamicReservation('ops'));

async function accept(harness: Harness, framework: FakeFramework, operations: Operation[]): Promise<void> {
  framework.probe.post(harness.masterPid, 'AcceptOffers', { frameworkId: framework.frameworkId, offerIds: [latestOffer(framework.probe).id], operations, filters: { refuseSeconds: 0 } });
  await harness.clock.settle();
}

/** The operation statuses the framework heard, in order. */
function operationStatuses(framework: FakeFramework): OperationStatus[] {
  return all(framework.probe, 'OperationStatusUpdate').map((received) => (received.body as { status: OperationStatus }).status);
}

describe('actors/master: offer operation feedback, refused as Mesos refuses it on agents without it', () => {
  afterEach(cleanUp);

  async function setUp(): Promise<{ harness: Harness; agent: AgentHandle; framework: FakeFramework }> {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
    const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'], principal: 'ops' });
    return { harness, agent, framework };
  }

  it('a RESERVE with an id from a scheduler-driver (actor) framework is dropped with Mesos\' FrameworkError; the ACCEPT\'s other operations go on', async () => {
    const { harness, agent, framework } = await setUp();
    await accept(harness, framework, [
      { type: 'RESERVE', id: 'op-1', reserve: { resources: reserved('cpus:1').toJSON() } },
      { type: 'LAUNCH', launch: { taskInfos: [commandTask('plain', agent.agentId)] } },
    ]);
    expect((last(framework.probe, 'FrameworkError')?.body as { message: string }).message).to.equal(
      "The 'id' field was set in an offer operation, but operation feedback is not supported for the SchedulerDriver API; please use the HTTP scheduler API for this feature",
    );
    expect(all(agent.probe, 'CheckpointResources'), 'nothing reserved').to.have.length(0);
    expect(all(agent.probe, 'RunTask')).to.have.length(1);
    expect(operationStatuses(framework)).to.deep.equal([]);
  });

  it('a LAUNCH or LAUNCH_GROUP with an id is TASK_ERROR for each of its tasks, in Mesos\' words (REASON_TASK_INVALID, REASON_TASK_GROUP_INVALID)', async () => {
    const { harness, agent, framework } = await setUp();
    const taskGroup: TaskGroupInfo = { tasks: [commandTask('g1', agent.agentId), commandTask('g2', agent.agentId)] };
    await accept(harness, framework, [
      { type: 'LAUNCH', id: 'op-2', launch: { taskInfos: [commandTask('t1', agent.agentId)] } },
      { type: 'LAUNCH_GROUP', id: 'op-3', launchGroup: { executor: { executorId: 'pod', type: 'DEFAULT', resources: Resources.parse('cpus:0.1;mem:32;disk:10').toJSON() }, taskGroup } },
    ]);
    const errors = updatesOf(framework.probe).map(({ update }) => [update.status.taskId, update.status.state, update.status.reason, update.status.message]);
    expect(errors).to.deep.equal([
      ['t1', 'TASK_ERROR', 'REASON_TASK_INVALID', 'The `id` field cannot be set on LAUNCH operations'],
      ['g1', 'TASK_ERROR', 'REASON_TASK_GROUP_INVALID', 'The `id` field cannot be set on LAUNCH_GROUP operations'],
      ['g2', 'TASK_ERROR', 'REASON_TASK_GROUP_INVALID', 'The `id` field cannot be set on LAUNCH_GROUP operations'],
    ]);
    expect(all(agent.probe, 'RunTask').length + all(agent.probe, 'RunTaskGroup').length).to.equal(0);
    expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_ERROR']);
  });

  // RECONCILE_OPERATIONS' answers by the agent's standing and the acknowledgements' counters: over
  // HTTP below (Mesos drops an actor framework's, a driver's, calls).

  it('the v1 calls: ACKNOWLEDGE_OPERATION_STATUS needs a UUID and an agent, RECONCILE_OPERATIONS its body; an ACCEPT\'s operation keeps its id', () => {
    const call = (body: V1Json): unknown => parseSchedulerCall({ framework_id: { value: 'f' }, ...body });
    expect(call({ type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: 'S1' }, uuid, operation_id: { value: 'o' } } })).to.deep.equal({
      ok: true, call: { type: 'ACKNOWLEDGE_OPERATION_STATUS', frameworkId: 'f', agentId: 'S1', operationId: 'o', uuid: '0c1e7d1e-9a4e-4c51-8f8e-2a1d3f4b5c6d' },
    });
    expect(call({ type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { uuid, operation_id: { value: 'o' } } })).to.deep.equal({ ok: false, error: "Expecting 'agent_id' to be present" });
    expect(call({ type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: 'S1' }, uuid: 'AAEC', operation_id: { value: 'o' } } })).to.have.property('error').that.matches(/^acknowledge_operation_status\.uuid: /);
    expect(call({ type: 'ACKNOWLEDGE_OPERATION_STATUS' })).to.deep.equal({ ok: false, error: "Expecting 'acknowledge_operation_status' to be present" });
    expect(call({ type: 'RECONCILE_OPERATIONS' })).to.deep.equal({ ok: false, error: "Expecting 'reconcile_operations' to be present" });
    expect(call({ type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: 'o' }, agent_id: { value: 'S1' } }] } })).to.deep.equal({
      ok: true, call: { type: 'RECONCILE_OPERATIONS', frameworkId: 'f', operations: [{ operationId: 'o', agentId: 'S1' }] },
    });
    const accepted = call({ type: 'ACCEPT', accept: { offer_ids: [{ value: 'O1' }], operations: [{ type: 'RESERVE', id: { value: 'op-9' }, reserve: { resources: [] } }] } }) as { call: { operations: Operation[] } };
    expect(accepted.call.operations[0]?.id).to.equal('op-9');
  });

  it("RECONCILE_OPERATIONS' and ACKNOWLEDGE_OPERATION_STATUS' resource_provider_id is kept, and UPDATE_OPERATION_STATUS carries it (Mesos' createOperationStatus(..., slaveId, resourceProviderId)), in JSON and protobuf", () => {
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

describe('actors/master/v1-scheduler: operation feedback over HTTP (UPDATE_OPERATION_STATUS)', () => {
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

  it('a RESERVE with an id is dropped with OPERATION_ERROR naming the agent (JSON and protobuf), nothing reserved; RECONCILE_OPERATIONS and ACKNOWLEDGE_OPERATION_STATUS are 202', async () => {
    const { subscription, frameworkId, offerId, agentId, agent } = await subscribe();
    const accepted = await v1Call(host.address, {
      framework_id: { value: frameworkId }, type: 'ACCEPT',
      accept: { offer_ids: [offerId], operations: [{ type: 'RESERVE', id: { value: 'op-1' }, reserve: { resources: reserved('cpus:1').toJSON() } }] },
    }, subscription.streamId);
    expect(accepted.status).to.equal(202);
    await clock.settle();
    const update = await subscription.next((event) => event.type === 'UPDATE_OPERATION_STATUS', STEP_MS);
    expect(update.update_operation_status).to.deep.equal({
      status: { operation_id: { value: 'op-1' }, state: 'OPERATION_ERROR', message: `Operation requested feedback, but agent ${agentId} does not have the required RESOURCE_PROVIDER capability` },
    });
    expect(agent.count('CheckpointResources'), 'nothing reserved').to.equal(0);

    // RECONCILE_OPERATIONS in protobuf: answered on the stream.
    const reconcile = await v1Call(host.address, v1CallBytes('scheduler', { framework_id: { value: frameworkId }, type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: 'op-1' }, agent_id: { value: agentId } }] } }), subscription.streamId);
    expect(reconcile.status).to.equal(202);
    await clock.settle();
    const answer = await subscription.next((event) => event.type === 'UPDATE_OPERATION_STATUS' && (event.update_operation_status as { status: { state: string } }).status.state === 'OPERATION_UNKNOWN', STEP_MS);
    expect(answer.update_operation_status).to.deep.equal({ status: { operation_id: { value: 'op-1' }, state: 'OPERATION_UNKNOWN', message: 'Reconciliation: Operation is unknown', agent_id: { value: agentId } } });
    // The event reads the same in protobuf (the schema has UPDATE_OPERATION_STATUS 11, OperationStatus).
    const bytes = v1EventBytes('scheduler', answer);
    expect(v1EventJson('scheduler', bytes)).to.deep.equal(answer);

    const acknowledged = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: agentId }, uuid, operation_id: { value: 'op-1' } } }, subscription.streamId);
    expect(acknowledged.status).to.equal(202);
    const bad = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { uuid, operation_id: { value: 'op-1' } } }, subscription.streamId);
    expect([bad.status, bad.text]).to.deep.equal([400, "Failed to validate scheduler::Call: Expecting 'agent_id' to be present"]);
  });

  /** A FakeAgent `name` of `resources` on `hostname`, registered: its probe and id. */
  async function registered(name: string, resources: string, hostname?: string): Promise<{ agent: FakeAgent; agentId: string }> {
    const agent = new FakeAgent(name);
    host.spawn(agent);
    agent.post(master.pid, 'RegisterAgent', { agent: agentInfo(resources, hostname), version: '1' });
    await clock.settle();
    await within(agent.until(() => agent.count('AgentRegistered') > 0), STEP_MS, `${name} to register`);
    return { agent, agentId: (agent.received.find((received) => received.name === 'AgentRegistered')?.body as { agentId: string }).agentId };
  }

  /** An agent registered, a framework subscribed and offered its resources: the stream, the ids, the agent's probe. */
  async function subscribe(): Promise<{ subscription: V1Subscription; frameworkId: string; offerId: { value: string } | undefined; agentId: string; agent: FakeAgent }> {
    const { agent, agentId } = await registered('agent-feedback', 'cpus:2;mem:1024');
    const subscription = new V1Subscription(host.address);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'feedback', role: 'eng', principal: 'ops' } } });
    await clock.settle();
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED', STEP_MS);
    const frameworkId = (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value;
    await clock.advance(1_000);
    const offers = await subscription.next((event) => event.type === 'OFFERS', STEP_MS);
    return { subscription, frameworkId, offerId: (offers.offers as { offers: Array<{ id: { value: string } }> }).offers[0]?.id, agentId, agent };
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

  it('RECONCILE_OPERATIONS of an operation on an agent that stopped answering pings, once marked unreachable: OPERATION_UNREACHABLE, as Mesos', async () => {
    const { subscription, frameworkId } = await subscribe();
    const { agent: silent, agentId: silentId } = await registered('agent-silent', 'cpus:1;mem:128', 'silent.local');
    silent.answerPings = false;
    await clock.advance(AGENT_PING_TIMEOUT_MS * (MAX_AGENT_PING_TIMEOUTS + 1));
    const reconciled = await v1Call(host.address, {
      framework_id: { value: frameworkId }, type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: 'u' }, agent_id: { value: silentId } }] },
    }, subscription.streamId);
    expect(reconciled.status).to.equal(202);
    await clock.settle();
    const answer = await subscription.next((event) => event.type === 'UPDATE_OPERATION_STATUS', STEP_MS);
    expect((answer.update_operation_status as { status: V1Json }).status).to.deep.equal({
      operation_id: { value: 'u' }, state: 'OPERATION_UNREACHABLE', message: 'Reconciliation: Agent is unreachable', agent_id: { value: silentId },
    });
  });

  it("RECONCILE_OPERATIONS over HTTP: implicit, nothing; explicit, by the agent's standing (registered, none named, unknown, gone), resource_provider_id echoed; ACKNOWLEDGE_OPERATION_STATUS counted invalid", async () => {
    const { subscription, frameworkId, agentId } = await subscribe();
    const { agentId: goneId } = await registered('agent-gone', 'cpus:1;mem:128', 'gone.local');
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
    const acknowledged = await v1Call(host.address, { framework_id: { value: frameworkId }, type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: agentId }, uuid, operation_id: { value: 'a' } } }, subscription.streamId);
    expect(acknowledged.status).to.equal(202);
    await clock.settle();
    const metrics = await dispatch(master.master, (actor) => actor.metrics());
    expect([metrics['master/messages_reconcile_operations'], metrics['master/messages_operation_status_update_acknowledgement'], metrics['master/invalid_operation_status_update_acknowledgements']]).to.deep.equal([2, 1, 1]);
  });

  it('RECONCILE_OPERATIONS after a master failover, of an operation on an agent in the registry that has not re-registered: OPERATION_RECOVERING; once it is back, OPERATION_UNKNOWN', async () => {
    const registry = Registry.inMemory();
    await master.stop();
    master = await startMaster({ flags: defaultMasterFlags('/unused'), host, registry });
    const { agent, agentId } = await registered('agent-recovering', 'cpus:1;mem:128', 'recovering.local');
    // The master fails over: the next one reads the same registry and waits for the agent.
    await master.stop();
    master = await startMaster({ flags: defaultMasterFlags('/unused'), host, registry: Registry.inMemory(registry.snapshot()) });
    await clock.settle();
    const subscription = new V1Subscription(host.address);
    subscriptions.push(subscription);
    await subscription.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'after-failover', role: 'eng' } } });
    await clock.settle();
    const subscribed = await subscription.next((event) => event.type === 'SUBSCRIBED', STEP_MS);
    const frameworkId = (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value;
    const reconcile = async (operationId: string): Promise<V1Json> => {
      const reconciled = await v1Call(host.address, {
        framework_id: { value: frameworkId }, type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: operationId }, agent_id: { value: agentId } }] },
      }, subscription.streamId);
      expect(reconciled.status).to.equal(202);
      await clock.settle();
      const answer = await subscription.next((event) => event.type === 'UPDATE_OPERATION_STATUS' && (event.update_operation_status as { status: { operation_id: { value: string } } }).status.operation_id.value === operationId, STEP_MS);
      return (answer.update_operation_status as { status: V1Json }).status;
    };
    expect(await reconcile('before')).to.deep.equal({
      operation_id: { value: 'before' }, state: 'OPERATION_RECOVERING', message: 'Reconciliation: Agent is recovered but has not re-registered', agent_id: { value: agentId },
    });
    agent.post(master.pid, 'ReregisterAgent', { agent: { ...agentInfo('cpus:1;mem:128', 'recovering.local'), id: agentId }, version: '1', tasks: [], executors: [], frameworks: [] });
    await clock.settle();
    await within(agent.until(() => agent.count('AgentReregistered') > 0), STEP_MS, 'the agent to re-register');
    expect(await reconcile('after')).to.deep.equal({
      operation_id: { value: 'after' }, state: 'OPERATION_UNKNOWN', message: 'Reconciliation: Operation is unknown', agent_id: { value: agentId },
    });
  });
});
