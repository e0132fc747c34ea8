/**
 * The master's v1 operator API in protobuf (`Content-Type` / `Accept: application/x-protobuf`)
 * against a real master on a network host (virtual clock), spoken with Node's `http`: every call
 * in protobuf answers what its JSON answers, SUBSCRIBE streams RecordIO of serialized
 * `mesos.v1.master.Event`s that read as the JSON stream's, and bad bytes, media types and
 * `Accept`s are refused as Mesos refuses them.
 */
import * as http from 'node:http';
import { expect } from 'chai';
import { v1CallBytes, v1EventJson, v1ResponseJson } from '../../../lib/v1/protobuf';
import type { V1Json } from '../../../lib/v1/json';
import { V1Subscription } from '../../support/v1-client';
import { encodeMessage } from '../../support/protobuf-wire';
import { withoutEmptyLists } from '../../support/protobuf-json';
import {
  agentUpdate, cleanUp, commandTask, latestOffer, launch, makeWorkDir, registerAgent, registerFramework, startListeningHarness, type Harness,
} from './harness';

const PROTOBUF = 'application/x-protobuf';

/** Hosts started here, stopped after each test. */
const started: Harness[] = [];
const subscriptions: V1Subscription[] = [];

interface Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: http.IncomingHttpHeaders;
}

/** POSTs `body` to `/api/v1`: an object as JSON, bytes as protobuf (unless `headers` say otherwise); `accept` as given. */
function post(address: string, body: V1Json | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const request = http.request(`http://${address}/api/v1`, {
      method: 'POST', headers: { 'content-type': Buffer.isBuffer(body) ? PROTOBUF : 'application/json', 'content-length': payload.length, ...headers },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), headers: response.headers }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** `call` answered in JSON (sent in JSON) and in protobuf (sent in protobuf, decoded), each checked for its status and media type. */
async function bothWays(address: string, call: V1Json): Promise<{ json: unknown; protobuf: unknown }> {
  const json = await post(address, call, { accept: 'application/json' });
  expect(json.status, `${String(call.type)} in JSON: ${json.body.toString()}`).to.equal(200);
  expect(json.headers['content-type']).to.equal('application/json');
  const protobuf = await post(address, Buffer.from(v1CallBytes('master', call)), { accept: PROTOBUF });
  expect(protobuf.status, `${String(call.type)} in protobuf: ${protobuf.body.toString()}`).to.equal(200);
  expect(protobuf.headers['content-type']).to.equal(PROTOBUF);
  // The JSON as protobuf can carry it (GET_STATE's parts' empty lists are no fields there).
  return { json: withoutEmptyLists(JSON.parse(json.body.toString())), protobuf: plain(v1ResponseJson('master', protobuf.body)) };
}

/** `value` as JSON would carry it (key order aside). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

/** A master with one agent and one framework whose task runs, a weight and a quota set. */
async function withRunningTask(): Promise<{ harness: Harness; address: string; frameworkId: string; agentId: string }> {
  const harness = await startListeningHarness({}, makeWorkDir());
  started.push(harness);
  const address = harness.host.address;
  const agent = await registerAgent(harness, 'cpus:4;mem:1024;disk:100;ports:[31000-31010]');
  const framework = await registerFramework(harness, { name: 'protobuf-test', user: 'tester', capabilities: ['PARTITION_AWARE', 'MULTI_ROLE'], roles: ['eng'] });
  await harness.clock.advance(1_000);
  await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:128')]);
  await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
  return { harness, address, frameworkId: framework.frameworkId, agentId: agent.agentId };
}

describe('actors/master: the v1 operator API in protobuf (POST /api/v1)', () => {
  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    await Promise.all(started.splice(0).map((harness) => harness.host.stop()));
    await cleanUp();
  });

  it('takes the write calls in protobuf (UPDATE_WEIGHTS, UPDATE_QUOTA, TEARDOWN: 200 with no body; a refusal in words), and answers every GET_* in protobuf as in JSON', async () => {
    const { address, frameworkId } = await withRunningTask();
    const weights = await post(address, Buffer.from(v1CallBytes('master', { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: 2.5 }] } })), { accept: PROTOBUF });
    expect([weights.status, weights.body.length]).to.deep.equal([200, 0]);
    const quota = await post(address, Buffer.from(v1CallBytes('master', { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'eng', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }] } })), { accept: PROTOBUF });
    expect([quota.status, quota.body.toString()]).to.deep.equal([200, '']);
    for (const type of ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_TASKS', 'GET_ROLES', 'GET_WEIGHTS', 'GET_QUOTA', 'GET_MASTER']) {
      const { json, protobuf } = await bothWays(address, { type });
      expect(protobuf, type).to.deep.equal(json);
    }
    const state = (await bothWays(address, { type: 'GET_STATE' })).protobuf as { get_state: { get_tasks: { tasks: Array<{ task_id: { value: string }; state: string }> } } };
    expect(state.get_state.get_tasks.tasks.map((task) => [task.task_id.value, task.state])).to.deep.equal([['t1', 'TASK_RUNNING']]);
    expect((await bothWays(address, { type: 'GET_WEIGHTS' })).protobuf).to.deep.equal({ type: 'GET_WEIGHTS', get_weights: { weight_infos: [{ weight: 2.5, role: 'eng' }] } });
    // GET_METRICS' values move between two calls: its names are the same.
    const metrics = await bothWays(address, { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5e9 } } });
    const names = (answer: unknown): string[] => (answer as { get_metrics: { metrics: Array<{ name: string }> } }).get_metrics.metrics.map((metric) => metric.name);
    expect(names(metrics.protobuf)).to.deep.equal(names(metrics.json));
    const refused = await post(address, Buffer.from(v1CallBytes('master', { type: 'TEARDOWN', teardown: { framework_id: { value: 'no-such-framework' } } })), { accept: PROTOBUF });
    expect([refused.status, refused.body.toString()]).to.deep.equal([400, "No framework found with specified ID 'no-such-framework'"]);
    const teardown = await post(address, Buffer.from(v1CallBytes('master', { type: 'TEARDOWN', teardown: { framework_id: { value: frameworkId } } })), { accept: PROTOBUF });
    expect([teardown.status, teardown.body.length]).to.deep.equal([200, 0]);
  });

  it('chooses the answer\'s encoding by Accept as Mesos does: JSON when it allows JSON (or says nothing), else protobuf, else 406; a protobuf call may be answered in JSON', async () => {
    const { address } = await withRunningTask();
    const health = Buffer.from(v1CallBytes('master', { type: 'GET_HEALTH' }));
    const none = await post(address, health);
    expect([none.status, none.headers['content-type'], JSON.parse(none.body.toString())]).to.deep.equal([200, 'application/json', { type: 'GET_HEALTH', get_health: { healthy: true } }]);
    const both = await post(address, health, { accept: `${PROTOBUF}, application/json` });
    expect(both.headers['content-type']).to.equal('application/json');
    const protobufOnly = await post(address, { type: 'GET_HEALTH' }, { accept: PROTOBUF });
    expect([protobufOnly.status, protobufOnly.headers['content-type'], v1ResponseJson('master', protobufOnly.body)]).to.deep.equal([200, PROTOBUF, { type: 'GET_HEALTH', get_health: { healthy: true } }]);
    const html = await post(address, health, { accept: 'text/html' });
    expect([html.status, html.body.toString()]).to.deep.equal([406, `Expecting 'Accept' to allow '${PROTOBUF}' or 'application/json'`]);
    const text = await post(address, health, { 'content-type': 'text/plain' });
    expect([text.status, text.body.toString()]).to.deep.equal([415, `Expecting 'Content-Type' of application/json or ${PROTOBUF}`]);
  });

  it('refuses bytes that are not a Call with a 400 naming the problem: garbage, a wrong wire type, an unknown call type; a type it does not serve is 501', async () => {
    const { address } = await withRunningTask();
    const garbage = await post(address, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(garbage.status).to.equal(400);
    expect(garbage.body.toString()).to.match(/^Failed to parse body into Call protobuf: /);
    // TEARDOWN (31) whose `teardown` (16) is a varint, not a message.
    const wrongWire = await post(address, encodeMessage([[1, 31], [16, 7]]));
    expect([wrongWire.status, wrongWire.body.toString()]).to.deep.equal([400, "Failed to parse body into Call protobuf: field 'teardown' (16) of mesos.v1.master.Call has wire type 0 (varint), expected 2 (length-delimited)"]);
    // Type 99: no call Mesos defines; read as a call without a type.
    const unknown = await post(address, encodeMessage([[1, 99]]));
    expect(unknown.status).to.equal(400);
    expect(unknown.body.toString()).to.equal("Failed to validate master::Call: Expecting 'type' to be present");
    const missing = await post(address, encodeMessage([[1, 31]]));
    expect([missing.status, missing.body.toString()]).to.deep.equal([400, "Failed to validate master::Call: Expecting 'teardown' to be present"]);
    // UNKNOWN (0), the enum's placeholder: Not Implemented, as Mesos answers it.
    const unserved = await post(address, encodeMessage([[1, 0]]));
    expect([unserved.status, unserved.body.toString()]).to.deep.equal([501, "call type 'UNKNOWN' is not implemented"]);
    // And the master still answers.
    expect((await post(address, encodeMessage([[1, 1]]))).status).to.equal(200);
  });

  it('SUBSCRIBE in protobuf: RecordIO of serialized Events; SUBSCRIBED, HEARTBEAT and the events after read as the JSON stream\'s', async () => {
    const { harness, address } = await withRunningTask();
    const json = new V1Subscription(address, '/api/v1');
    const protobuf = new V1Subscription(address, '/api/v1');
    subscriptions.push(json, protobuf);
    await json.open({ type: 'SUBSCRIBE' });
    await protobuf.open(Buffer.from(v1CallBytes('master', { type: 'SUBSCRIBE' })));
    expect([protobuf.status, protobuf.headers['content-type']]).to.deep.equal([200, PROTOBUF]);
    const events = (): V1Json[] => protobuf.records.map((record) => plain(v1EventJson('master', record)) as V1Json);
    await protobuf.nextRecord(() => true);
    await json.next((event) => event.type === 'SUBSCRIBED');
    const subscribed = events()[0] as V1Json;
    expect(subscribed.type).to.equal('SUBSCRIBED');
    expect(subscribed).to.deep.equal(withoutEmptyLists(json.events[0]));
    expect((subscribed.subscribed as { get_state: { get_tasks: { tasks: unknown[] } } }).get_state.get_tasks.tasks).to.have.length(1);
    await protobuf.nextRecord(() => true, 15_000, 1);
    expect(events()[1]).to.deep.equal({ type: 'HEARTBEAT' });

    // An agent, a framework and its task come: the same events on both streams, in the same order.
    await registerAgent(harness, 'cpus:2;mem:512');
    const second = await registerFramework(harness, { name: 'second', user: 'tester' });
    await harness.clock.advance(1_000);
    const offer = latestOffer(second.probe);
    await launch(harness, second, [offer.id], [commandTask('t2', offer.agentId, 'cpus:1;mem:64')]);
    await json.next((event) => event.type === 'TASK_ADDED');
    await protobuf.nextRecord(() => events().some((event) => event.type === 'TASK_ADDED'));
    const changes = (list: readonly V1Json[]): V1Json[] => list.filter((event) => event.type !== 'HEARTBEAT' && event.type !== 'SUBSCRIBED');
    expect(changes(events()).map((event) => event.type)).to.include.members(['AGENT_ADDED', 'FRAMEWORK_ADDED', 'TASK_ADDED']);
    expect(changes(events())).to.deep.equal(changes(json.events));
    const added = changes(events()).find((event) => event.type === 'TASK_ADDED') as { task_added: { task: { task_id: { value: string } } } };
    expect(added.task_added.task.task_id.value).to.equal('t2');
  });
});
