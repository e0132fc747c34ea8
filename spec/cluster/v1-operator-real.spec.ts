/**
 * The v1 operator API against a real cluster (mesos-local as a child process), spoken with
 * nothing but Node's `http`: an operator's event stream sees a plain-http framework subscribe,
 * launch a real task that runs and finishes, and be torn down by the operator; the same state
 * read in protobuf.
 */
import { expect } from 'chai';
import { within } from '../support/runtime';
import { v1Call, V1Subscription, type V1Event } from '../support/v1-client';
import { localClusterHooks } from './processes';
import { v1CallBytes, v1EventJson, v1ResponseJson } from '../../lib/v1/protobuf';
import { withoutEmptyLists } from '../support/protobuf-json';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

type Offer = { id: { value: string }; agent_id: { value: string } };

const offersOf = (event: V1Event): Offer[] => (event.offers as { offers: Offer[] }).offers;

describe('the v1 operator API (an operator watching a real cluster)', function () {
  this.timeout(90_000);
  const subscriptions: V1Subscription[] = [];
  const hooks = localClusterHooks(() => ['--resources', 'cpus:2;mem:1024'], [() => subscriptions.forEach((subscription) => subscription.close())]);
  let master = '';
  before(() => {
    master = hooks.cluster().master;
  });

  async function operatorCall(body: object): Promise<{ status: number; json: Json }> {
    const answer = await v1Call(master, body, undefined, '/api/v1');
    return { status: answer.status, json: answer.text.startsWith('{') ? JSON.parse(answer.text) as Json : {} };
  }

  /** GET_AGENTS until the agent has registered. */
  async function agentId(): Promise<string> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const agents = (await operatorCall({ type: 'GET_AGENTS' })).json.get_agents?.agents as Json[] | undefined;
      const id = agents?.[0]?.agent_info.id.value as string | undefined;
      if (id !== undefined) return id;
      if (Date.now() > deadline) throw new Error('no agent registered within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('streams the framework, its task running and finishing, and its teardown; GET_* agree', async () => {
    const agent = await agentId();
    const operator = new V1Subscription(master, '/api/v1');
    subscriptions.push(operator);
    await operator.open({ type: 'SUBSCRIBE' });
    const subscribed = await operator.next((event) => event.type === 'SUBSCRIBED');
    const state = (subscribed.subscribed as Json).get_state;
    expect(state.get_agents.agents[0].agent_info.id).to.deep.equal({ value: agent });
    expect(state.get_agents.agents[0].total_resources).to.deep.include({ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } });

    const scheduler = new V1Subscription(master);
    subscriptions.push(scheduler);
    await scheduler.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'nobody', name: 'watched', failover_timeout: 600 } } });
    const frameworkId = ((await scheduler.next((event) => event.type === 'SUBSCRIBED')).subscribed as Json).framework_id.value as string;
    const added = await operator.next((event) => event.type === 'FRAMEWORK_ADDED');
    expect((added.framework_added as Json).framework.framework_info).to.deep.include({ name: 'watched', id: { value: frameworkId } });

    const offer = offersOf(await scheduler.next((event) => event.type === 'OFFERS' && offersOf(event).length > 0))[0] as Offer;
    const accepted = await v1Call(master, {
      framework_id: { value: frameworkId }, type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: 'watched-task', task_id: { value: 'w1' }, agent_id: offer.agent_id,
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
          command: { value: 'sleep 0.3' },
        }] } }],
      },
    }, scheduler.streamId);
    expect(accepted.status).to.equal(202);

    const taskAdded = await operator.next((event) => event.type === 'TASK_ADDED');
    expect((taskAdded.task_added as Json).task).to.deep.include({ name: 'watched-task', task_id: { value: 'w1' }, framework_id: { value: frameworkId }, agent_id: { value: agent } });
    // TASK_UPDATED carries the status the master just took and the task's latest state (Mesos'
    // `state`): the agent sends one unacknowledged update at a time with the latest state on it,
    // so the stream may say TASK_FINISHED on a TASK_STARTING status.
    // The framework acknowledges each update (v1: explicitly), so the agent sends the next at once.
    const acknowledged = new Set<string>();
    const finishedSeen = (): boolean => operator.events.some((event) => event.type === 'TASK_UPDATED' && (event.task_updated as Json).state === 'TASK_FINISHED');
    while (!finishedSeen()) {
      for (const event of scheduler.events.filter((candidate) => candidate.type === 'UPDATE')) {
        const status = (event.update as Json).status as Json;
        if (status.uuid === undefined || acknowledged.has(status.uuid as string)) continue;
        acknowledged.add(status.uuid as string);
        const ack = await v1Call(master, { framework_id: { value: frameworkId }, type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } }, scheduler.streamId);
        expect(ack.status).to.equal(202);
      }
      // Whichever comes first; the other's wait ends harmlessly (it fails only if its stream ends or times out).
      const before = scheduler.events.length;
      await Promise.race([
        scheduler.next((event) => event.type === 'UPDATE', 20_000, before).catch(() => undefined),
        operator.next((event) => event.type === 'TASK_UPDATED' && (event.task_updated as Json).state === 'TASK_FINISHED', 20_000).catch(() => undefined),
      ]);
      if (scheduler.events.length === before && !finishedSeen()) throw new Error(`no update and no TASK_FINISHED within 20 s: ${JSON.stringify(operator.events.slice(-3))}`);
    }
    const finished = (await operator.next((event) => event.type === 'TASK_UPDATED' && (event.task_updated as Json).state === 'TASK_FINISHED')).task_updated as Json;
    expect(finished.framework_id).to.deep.equal({ value: frameworkId });
    expect(finished.status.task_id).to.deep.equal({ value: 'w1' });
    expect(finished.status.source).to.equal('SOURCE_EXECUTOR');
    const updates = operator.events.filter((event) => event.type === 'TASK_UPDATED').map((event) => (event.task_updated as Json).state as string);
    expect(updates[updates.length - 1]).to.equal('TASK_FINISHED');
    expect(new Set(updates).size).to.equal(updates.length); // one event per change of state

    const tasks = (await operatorCall({ type: 'GET_TASKS' })).json.get_tasks;
    const done = [...(tasks.tasks ?? []), ...(tasks.completed_tasks ?? [])] as Json[];
    expect(done.find((task) => task.task_id.value === 'w1')?.state).to.equal('TASK_FINISHED');

    expect((await operatorCall({ type: 'TEARDOWN', teardown: { framework_id: { value: frameworkId } } })).status).to.equal(200);
    const removed = await operator.next((event) => event.type === 'FRAMEWORK_REMOVED');
    expect((removed.framework_removed as Json).framework_info.id).to.deep.equal({ value: frameworkId });
    await within(scheduler.ended, 10_000, "the torn-down framework's stream to end");
    const frameworks = (await operatorCall({ type: 'GET_FRAMEWORKS' })).json.get_frameworks;
    expect(frameworks.frameworks).to.deep.equal([]);
    expect((frameworks.completed_frameworks as Json[]).map((framework) => framework.framework_info.id.value)).to.include(frameworkId);
  });

  it('speaks protobuf too: a protobuf GET_STATE and SUBSCRIBE\'s SUBSCRIBED read as the JSON GET_STATE', async () => {
    await agentId();
    const post = async (call: object, protobuf: boolean): Promise<Buffer> => {
      const body = protobuf ? Buffer.from(v1CallBytes('master', call as Record<string, unknown>)) : JSON.stringify(call);
      const mediaType = protobuf ? 'application/x-protobuf' : 'application/json';
      const response = await fetch(`http://${master}/api/v1`, { method: 'POST', headers: { 'content-type': mediaType, accept: mediaType }, body });
      expect([response.status, response.headers.get('content-type')]).to.deep.equal([200, mediaType]);
      return Buffer.from(await response.arrayBuffer());
    };
    // As protobuf carries it: no empty lists (the JSON writes GET_STATE's lists always, as Mesos).
    const json = withoutEmptyLists(JSON.parse((await post({ type: 'GET_STATE' }, false)).toString())) as Json;
    const decoded = JSON.parse(JSON.stringify(v1ResponseJson('master', await post({ type: 'GET_STATE' }, true)))) as Json;
    expect(decoded).to.deep.equal(json);
    expect(decoded.get_state.get_agents.agents).to.have.length(1);

    const operator = new V1Subscription(master, '/api/v1');
    subscriptions.push(operator);
    await operator.open(Buffer.from(v1CallBytes('master', { type: 'SUBSCRIBE' })));
    expect(operator.headers['content-type']).to.equal('application/x-protobuf');
    const subscribed = JSON.parse(JSON.stringify(v1EventJson('master', await operator.nextRecord(() => true)))) as Json;
    expect(subscribed.type).to.equal('SUBSCRIBED');
    expect(subscribed.subscribed.get_state).to.deep.equal(json.get_state);
    expect(JSON.parse(JSON.stringify(v1EventJson('master', await operator.nextRecord(() => true, 15_000, 1))))).to.deep.equal({ type: 'HEARTBEAT' });
  });
});
