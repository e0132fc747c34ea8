/**
 * The master's v1 operator API (`actors/master/v1-operator.ts`) against Mesos' master, call by
 * call: each call as `src/master/http.cpp` answers it (`Master::Http::api` and the handlers),
 * validated as `src/master/validation.cpp` validates a `master::Call`, its JSON as Mesos writes
 * it (`jsonify` writers, which write empty lists, or `JSON::Protobuf` of an evolved `Response`,
 * which leaves them out). Each case names what Mesos does.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { basicAuthorization, StreamedBinary, TextParts, type HttpRequest, type HttpResponse } from '../../../lib/process';
import { APPLICATION_PROTOBUF, v1CallBytes, v1ResponseJson } from '../../../lib/v1/protobuf';
import { OperatorApi, type OperatorPort } from '../../../actors/master/v1-operator';
import { agentInfo, cleanUp, FakeAgent, registerAgent, startHarness, type Harness } from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const PROTOBUF_HEADERS = { 'content-type': APPLICATION_PROTOBUF, accept: APPLICATION_PROTOBUF };
const CREDENTIALS = new Map([['ops', 'ops-secret']]);

/** A request to `/api/v1` of `body` (JSON, or the bytes given; none for `undefined`). */
function request(body: unknown, headers: Record<string, string> = JSON_HEADERS, method = 'POST'): HttpRequest {
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return { method, path: '/api/v1', query: {}, headers, body: bytes };
}

/** `body` answered by the harness' master (its `/api/v1`, in its mailbox), the clock moved on while it is under way. */
async function call(harness: Harness, body: unknown, headers: Record<string, string> = JSON_HEADERS, method = 'POST'): Promise<HttpResponse> {
  const answer = dispatch(harness.handle.master, (master) => master.operatorCall(request(body, headers, method)));
  await harness.clock.settle();
  return answer;
}

/** The JSON text of an answer whose body is JSON text in pieces (GET_STATE and its parts) or an object. */
function textOf(response: HttpResponse): string {
  const body = response.body;
  if (body instanceof TextParts) return body.parts.join('');
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** An operator API over a port that serves what a test gives it (a master that leads, no credentials asked). */
function api(overrides: Partial<OperatorPort> & Record<string, unknown>): OperatorApi {
  const port = { authentication: { readonly: false, readwrite: false, credentials: undefined }, leading: () => true, ...overrides };
  return new OperatorApi(port as unknown as OperatorPort);
}

describe('the master\'s v1 operator API against Mesos\' master (src/master/http.cpp)', () => {
  afterEach(async () => {
    await cleanUp();
  });

  describe('validation (src/master/validation.cpp)', () => {
    it("GET_METRICS without 'get_metrics' is 400 \"Failed to validate master::Call: Expecting 'get_metrics' to be present\" (in protobuf too); with an empty one it is answered", async () => {
      const harness = await startHarness();
      const refused = await call(harness, { type: 'GET_METRICS' });
      expect([refused.status, refused.body]).to.deep.equal([400, "Failed to validate master::Call: Expecting 'get_metrics' to be present"]);
      const bare = await call(harness, Buffer.from(v1CallBytes('master', { type: 'GET_METRICS' })), PROTOBUF_HEADERS);
      expect([bare.status, bare.body]).to.deep.equal([400, "Failed to validate master::Call: Expecting 'get_metrics' to be present"]);
      const answered = await call(harness, { type: 'GET_METRICS', get_metrics: {} });
      expect(answered.status).to.equal(200);
      expect(((answered.body as Json).get_metrics.metrics as Json[]).map((metric) => metric.name)).to.include('master/elected');
    });

    it("a call without 'type' is 400 \"Failed to validate master::Call: Expecting 'type' to be present\", as Mesos validates it", async () => {
      const harness = await startHarness();
      const refused = await call(harness, { get_health: {} });
      expect([refused.status, refused.body]).to.deep.equal([400, "Failed to validate master::Call: Expecting 'type' to be present"]);
    });

    it("GROW_VOLUME and SHRINK_VOLUME without 'agent_id' are 400 in Mesos' words (\"Expecting 'agent_id' to be present; only agent default resources are supported right now\")", async () => {
      const harness = await startHarness();
      const volume = { name: 'disk', type: 'SCALAR', scalar: { value: 1 } };
      const grow = await call(harness, { type: 'GROW_VOLUME', grow_volume: { volume, addition: volume } });
      const shrink = await call(harness, { type: 'SHRINK_VOLUME', shrink_volume: { volume, subtract: { value: 1 } } });
      const expected = "Failed to validate master::Call: Expecting 'agent_id' to be present; only agent default resources are supported right now";
      expect([grow.status, grow.body, shrink.status, shrink.body]).to.deep.equal([400, expected, 400, expected]);
    });
  });

  describe('the order of the checks (libprocess authenticates, then Http::api)', () => {
    it('asks for credentials before it looks at the method or the media types (a GET or an empty POST without credentials is 401, they were 405 and 400), as Mesos serves /api/v1 in its read-write realm', async () => {
      const harness = await startHarness({ authenticateHttpReadwrite: true, credentials: CREDENTIALS });
      const get = await call(harness, undefined, {}, 'GET');
      expect(get.status).to.equal(401);
      const empty = await call(harness, undefined, {});
      expect(empty.status).to.equal(401);
      const authorization = basicAuthorization('ops', 'ops-secret');
      const wrongMethod = await call(harness, undefined, { authorization }, 'GET');
      expect(wrongMethod.status).to.equal(405);
      const health = await call(harness, { type: 'GET_HEALTH' }, { ...JSON_HEADERS, authorization });
      expect(health.status).to.equal(200);
    });

    it('without credentials a master that cannot say it leads is 401 before it is 503, as Mesos authenticates before its handler', async () => {
      const guarded = api({ authentication: { readonly: true, readwrite: true, credentials: CREDENTIALS }, leading: () => false });
      expect((await guarded.serve(request({ type: 'GET_HEALTH' }))).status).to.equal(401);
      const authorization = basicAuthorization('ops', 'ops-secret');
      expect((await guarded.serve(request({ type: 'GET_HEALTH' }, { ...JSON_HEADERS, authorization }))).status).to.equal(503);
    });

    it("reads and validates the call before it looks at 'Accept': a bad call with an Accept of neither JSON nor protobuf is 400 (it was 406), a good one 406", async () => {
      const harness = await startHarness();
      const headers = { 'content-type': 'application/json', accept: 'text/html' };
      const bad = await call(harness, { type: 'TEARDOWN' }, headers);
      expect([bad.status, bad.body]).to.deep.equal([400, "Failed to validate master::Call: Expecting 'teardown' to be present"]);
      const good = await call(harness, { type: 'GET_HEALTH' }, headers);
      expect([good.status, good.body]).to.deep.equal([406, `Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or 'application/json'`]);
    });
  });

  describe('the answers\' fields', () => {
    it('GET_FLAGS lists the flags by name, as Mesos evolves its JSON::Object of them (a std::map)', async () => {
      const harness = await startHarness();
      const answer = await call(harness, { type: 'GET_FLAGS' });
      const names = ((answer.body as Json).get_flags.flags as Array<{ name: string }>).map((flag) => flag.name);
      expect(names.length).to.be.greaterThan(10);
      expect(names).to.deep.equal([...names].sort());
    });

    it("GET_STATE and its parts write every top-level list, '[]' when empty, as Mesos' jsonifyGetState and the like (they were left out: 'get_tasks: {}')", async () => {
      const harness = await startHarness();
      const empty = {
        get_tasks: { tasks: [], unreachable_tasks: [], completed_tasks: [] },
        get_executors: { executors: [] },
        get_frameworks: { frameworks: [], completed_frameworks: [] },
        get_agents: { agents: [], recovered_agents: [] },
      };
      const state = await call(harness, { type: 'GET_STATE' });
      expect(JSON.parse(textOf(state))).to.deep.equal({ type: 'GET_STATE', get_state: empty });
      for (const [type, field] of [['GET_TASKS', 'get_tasks'], ['GET_EXECUTORS', 'get_executors'], ['GET_FRAMEWORKS', 'get_frameworks'], ['GET_AGENTS', 'get_agents']] as const) {
        const part = await call(harness, { type });
        expect(JSON.parse(textOf(part)), type).to.deep.equal({ type, [field]: empty[field] });
      }
      const encoded = await call(harness, Buffer.from(v1CallBytes('master', { type: 'GET_STATE' })), PROTOBUF_HEADERS);
      expect(encoded.status).to.equal(200);
    });

    it("GET_MASTER's master_info and /master/state list the master's capabilities (AGENT_UPDATE, AGENT_DRAINING, QUOTA_V2), as Mesos' MasterInfo does (in protobuf too); they were left out, and [] in /master/state", async () => {
      const harness = await startHarness();
      const capabilities = [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }];
      const answer = await call(harness, { type: 'GET_MASTER' });
      expect((answer.body as Json).get_master.master_info.capabilities).to.deep.equal(capabilities);
      const encoded = await call(harness, Buffer.from(v1CallBytes('master', { type: 'GET_MASTER' })), PROTOBUF_HEADERS);
      expect(encoded.status).to.equal(200);
      expect((JSON.parse(JSON.stringify(v1ResponseJson('master', encoded.body as Buffer))) as Json).get_master.master_info.capabilities).to.deep.equal(capabilities);
      // `/master/state` writes the same MasterInfo's (Mesos' readonly_handler: `master->info().capabilities()`; it wrote []).
      const route = harness.handle.master.runtime.routes.get('/state');
      if (route === undefined) throw new Error('no /state route');
      const state = dispatch(harness.handle.master, (master) => route.call(master, { method: 'GET', path: '/master/state', query: {}, headers: {}, body: Buffer.alloc(0) }));
      await harness.clock.settle();
      expect((JSON.parse(textOf(await state)) as Json).capabilities).to.deep.equal(capabilities);
    });

    it("GET_AGENTS' and GET_STATE's agents carry the agent's capabilities as Mesos' createAgentResponse (`[{\"type\": ...}]`: the names it knows, once each, in its enum order, as /master/state lists them), in protobuf too; they were left out", async () => {
      const harness = await startHarness();
      const probe = new FakeAgent('agent-capable');
      harness.host.spawn(probe);
      probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:128', 'capable.local'), version: '1', capabilities: ['RESOURCE_PROVIDER', 'MULTI_ROLE', 'NOT_A_CAPABILITY', 'MULTI_ROLE', 'AGENT_DRAINING'] });
      await harness.clock.settle();
      const capabilities = [{ type: 'MULTI_ROLE' }, { type: 'RESOURCE_PROVIDER' }, { type: 'AGENT_DRAINING' }];
      const agents = JSON.parse(textOf(await call(harness, { type: 'GET_AGENTS' }))) as Json;
      expect((agents.get_agents.agents as Json[]).map((agent) => agent.capabilities)).to.deep.equal([capabilities]);
      const state = JSON.parse(textOf(await call(harness, { type: 'GET_STATE' }))) as Json;
      expect((state.get_state.get_agents.agents as Json[]).map((agent) => agent.capabilities)).to.deep.equal([capabilities]);
      for (const type of ['GET_AGENTS', 'GET_STATE']) {
        const encoded = await call(harness, Buffer.from(v1CallBytes('master', { type })), PROTOBUF_HEADERS);
        expect(encoded.status, type).to.equal(200);
        const written = encoded.body instanceof StreamedBinary ? encoded.body.bytes() : Promise.resolve(encoded.body as Buffer);
        await harness.clock.settle();
        const decoded = JSON.parse(JSON.stringify(v1ResponseJson('master', await written))) as Json;
        const answer = (type === 'GET_AGENTS' ? decoded.get_agents : decoded.get_state.get_agents) as Json;
        expect((answer.agents as Json[]).map((agent) => agent.capabilities), type).to.deep.equal([capabilities]);
      }
      // The same names as /master/state's `capabilities` (plain names there, as Mesos' JSON of the agent).
      const route = harness.handle.master.runtime.routes.get('/state');
      if (route === undefined) throw new Error('no /state route');
      const rendered = dispatch(harness.handle.master, (master) => route.call(master, { method: 'GET', path: '/master/state', query: {}, headers: {}, body: Buffer.alloc(0) }));
      await harness.clock.settle();
      expect(((JSON.parse(textOf(await rendered)) as Json).slaves as Json[]).map((agent) => agent.capabilities)).to.deep.equal([capabilities.map(({ type }) => type)]);
      // An agent advertising none: no field, as Mesos' protobuf JSON leaves an empty list out.
      await registerAgent(harness, 'cpus:1;mem:128', 'plain.local');
      const both = JSON.parse(textOf(await call(harness, { type: 'GET_AGENTS' }))) as Json;
      expect((both.get_agents.agents as Json[]).map((agent) => agent.capabilities)).to.have.deep.members([capabilities, undefined]);
    });

    it("GET_METRICS with no metric answers 'metrics: []', as Mesos' jsonifyGetMetrics writes the list always (it was 'get_metrics: {}'); in protobuf an empty GetMetrics", async () => {
      const empty = api({ metrics: () => Promise.resolve({}) });
      const answer = await empty.serve(request({ type: 'GET_METRICS', get_metrics: {} }));
      expect([answer.status, answer.body]).to.deep.equal([200, { type: 'GET_METRICS', get_metrics: { metrics: [] } }]);
      const encoded = await empty.serve(request(Buffer.from(v1CallBytes('master', { type: 'GET_METRICS', get_metrics: {} })), PROTOBUF_HEADERS));
      expect(encoded.status).to.equal(200);
      expect(JSON.parse(JSON.stringify(v1ResponseJson('master', encoded.body as Buffer)))).to.deep.include({ type: 'GET_METRICS' });
    });
  });
});
