/**
 * The agent's v1 operator API (`actors/agent/v1-operator.ts`) against Mesos' agent: each call as
 * `src/slave/http.cpp` answers it (`Http::api`, `_api` and the handlers), validated as
 * `src/slave/validation.cpp` validates it, its JSON as Mesos writes it (`jsonify` writers, which
 * write empty lists, or `JSON::Protobuf` of an evolved `Response`, which leaves them out), and
 * authorized as the handlers authorize it. Each case names what Mesos does.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { parseAcls, Authorizer } from '../../../lib/acls';
import { basicAuthorization, type HttpRequest, type HttpResponse } from '../../../lib/process';
import { serveAgentOperatorCall, type AgentFilesReader, type AgentOperatorPort } from '../../../actors/agent/v1-operator';
import type { MonitoredContainer } from '../../../actors/agent/monitor';
import { APPLICATION_PROTOBUF, v1CallBytes, v1ResponseJson } from '../../../lib/v1/protobuf';
import { Resources } from '../../../lib/resources';
import { AgentHarness } from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** A POST of `body` (JSON, or the bytes given) to `/api/v1`. */
function request(body: unknown, headers: Record<string, string> = JSON_HEADERS, method = 'POST'): HttpRequest {
  return { method, path: '/api/v1', query: {}, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)) };
}

/** `body` answered by the harness' agent through its `/api/v1` route. */
function call(h: AgentHarness, body: unknown, headers: Record<string, string> = JSON_HEADERS): Promise<HttpResponse> {
  return dispatch(h.agent, async (agent) => {
    const route = agent.runtime.routes.get('/api/v1');
    if (route === undefined) throw new Error('no /api/v1 route');
    return route.call(agent, request(body, headers));
  });
}

/** A container of framework F1's executor E1 (run R1). */
const CONTAINER: MonitoredContainer = { frameworkId: 'F1', executorId: 'E1', executorName: '', source: '', containerId: 'R1', processId: 42, limits: { cpus: 1, memBytes: 32 * 1024 * 1024 } };

/** An agent port that reads nothing (each test gives what its call reads). */
function port(overrides: Partial<AgentOperatorPort> & Record<string, unknown>): AgentOperatorPort {
  return { authentication: undefined, authorizer: undefined, files: undefined, recovering: () => false, ...overrides } as AgentOperatorPort;
}

describe('the agent\'s v1 operator API against Mesos\' agent (src/slave/http.cpp)', () => {
  const harnesses: AgentHarness[] = [];

  async function registered(): Promise<AgentHarness> {
    const h = new AgentHarness();
    harnesses.push(h);
    await h.register();
    return h;
  }

  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  describe('validation (src/slave/validation.cpp)', () => {
    it("GET_METRICS without 'get_metrics' is 400 \"Failed to validate agent::Call: Expecting 'get_metrics' to be present\", as Mesos validates it; with an empty one it is answered (in protobuf too)", async () => {
      const metrics = port({ metrics: () => Promise.resolve({ 'slave/uptime_secs': 1 }) });
      const refused = await serveAgentOperatorCall(metrics, request({ type: 'GET_METRICS' }));
      expect([refused.status, refused.body]).to.deep.equal([400, "Failed to validate agent::Call: Expecting 'get_metrics' to be present"]);
      const answered = await serveAgentOperatorCall(metrics, request({ type: 'GET_METRICS', get_metrics: {} }));
      expect([answered.status, answered.body]).to.deep.equal([200, { type: 'GET_METRICS', get_metrics: { metrics: [{ name: 'slave/uptime_secs', value: 1 }] } }]);
      const protobuf = { 'content-type': APPLICATION_PROTOBUF, accept: APPLICATION_PROTOBUF };
      const encoded = await serveAgentOperatorCall(metrics, request(Buffer.from(v1CallBytes('agent', { type: 'GET_METRICS', get_metrics: {} })), protobuf));
      expect(encoded.status).to.equal(200);
      expect(JSON.parse(JSON.stringify(v1ResponseJson('agent', encoded.body as Buffer)))).to.deep.equal({ type: 'GET_METRICS', get_metrics: { metrics: [{ name: 'slave/uptime_secs', value: 1 }] } });
      const bare = await serveAgentOperatorCall(metrics, request(Buffer.from(v1CallBytes('agent', { type: 'GET_METRICS' })), protobuf));
      expect(bare.status).to.equal(400);
    });

    it("LIST_FILES and READ_FILE of the path '' are 404, as Mesos' files (no path is attached there); the files actor is not asked (it took '' for the work dir and listed it)", async () => {
      const asked: string[] = [];
      const files: AgentFilesReader = {
        list: (path) => { asked.push(path); return Promise.resolve([]); },
        read: (path) => { asked.push(path); return Promise.resolve({ size: 0, data: Buffer.alloc(0) }); },
      };
      const agent = port({ files });
      const listed = await serveAgentOperatorCall(agent, request({ type: 'LIST_FILES', list_files: { path: '' } }));
      const read = await serveAgentOperatorCall(agent, request({ type: 'READ_FILE', read_file: { path: '', offset: 0 } }));
      expect([listed.status, read.status]).to.deep.equal([404, 404]);
      expect(asked).to.deep.equal([]);
    });
  });

  describe('the order of the checks (libprocess authenticates, then Http::api)', () => {
    const CREDENTIALS = new Map([['ops', 'ops-secret']]);
    const guarded = (recovering = false): AgentOperatorPort => port({ authentication: { credentials: CREDENTIALS, readonly: false, readwrite: true }, recovering: () => recovering });

    it('asks for credentials before it looks at the method or the media types (a GET without credentials is 401, it was 405), then answers 503 while recovering before the method and media types, as Mesos\' agent', async () => {
      const get = await serveAgentOperatorCall(guarded(), request({ type: 'GET_HEALTH' }, JSON_HEADERS, 'GET'));
      expect(get.status).to.equal(401);
      const text = await serveAgentOperatorCall(guarded(), request({ type: 'GET_HEALTH' }, { 'content-type': 'text/plain' }));
      expect(text.status).to.equal(401);
      const authorization = basicAuthorization('ops', 'ops-secret');
      const recovering = await serveAgentOperatorCall(guarded(true), request({ type: 'GET_HEALTH' }, { ...JSON_HEADERS, authorization }, 'GET'));
      expect([recovering.status, recovering.body]).to.deep.equal([503, 'Agent has not finished recovery']);
      const wrongMethod = await serveAgentOperatorCall(guarded(), request({ type: 'GET_HEALTH' }, { ...JSON_HEADERS, authorization }, 'GET'));
      expect(wrongMethod.status).to.equal(405);
    });

    it("refuses 'Message-Content-Type' (415) and 'Message-Accept' (406) on a call that is not streamed, in Mesos' words", async () => {
      const agent = port({});
      const content = await serveAgentOperatorCall(agent, request({ type: 'GET_HEALTH' }, { ...JSON_HEADERS, 'message-content-type': 'application/json' }));
      expect([content.status, content.body]).to.deep.equal([415, "Expecting 'Message-Content-Type' to be not set for non-streaming requests"]);
      const accept = await serveAgentOperatorCall(agent, request({ type: 'GET_HEALTH' }, { ...JSON_HEADERS, 'message-accept': 'application/json' }));
      expect([accept.status, accept.body]).to.deep.equal([406, "Expecting 'Message-Accept' to be not set for non-streaming responses"]);
    });
  });

  describe('the answers\' fields', () => {
    it('GET_FLAGS lists the flags by name, as Mesos evolves its JSON::Object of them (a std::map)', async () => {
      const answer = await serveAgentOperatorCall(port({ flags: () => ({ work_dir: '/w', master: 'm', authenticate_http_readwrite: 'false', Zeta: 'z' }) }), request({ type: 'GET_FLAGS' }));
      expect(((answer.body as Json).get_flags.flags as Array<{ name: string }>).map((flag) => flag.name)).to.deep.equal(['Zeta', 'authenticate_http_readwrite', 'master', 'work_dir']);
    });

    it('GET_METRICS lists the metrics by name, as Mesos writes its std::map of them', async () => {
      const answer = await serveAgentOperatorCall(port({ metrics: () => Promise.resolve({ 'system/load_1min': 1, 'slave/uptime_secs': 2, 'containerizer/fetcher/task_fetches_failed': 0 }) }), request({ type: 'GET_METRICS', get_metrics: {} }));
      expect(((answer.body as Json).get_metrics.metrics as Array<{ name: string }>).map((metric) => metric.name)).to.deep.equal(['containerizer/fetcher/task_fetches_failed', 'slave/uptime_secs', 'system/load_1min']);
    });

    it('GET_CONTAINERS with no container to show answers no get_containers at all (Mesos\' evolve sets it for a container only), in JSON and in protobuf', async () => {
      const h = await registered();
      const answer = await call(h, { type: 'GET_CONTAINERS' });
      expect([answer.status, answer.body]).to.deep.equal([200, { type: 'GET_CONTAINERS' }]);
      const encoded = await call(h, { type: 'GET_CONTAINERS' }, { 'content-type': 'application/json', accept: APPLICATION_PROTOBUF });
      expect(Buffer.from(encoded.body as Buffer).toString('hex')).to.equal('0809'); // type = GET_CONTAINERS (9), nothing else
    });

    it('LIST_FILES of an empty directory answers list_files without file_infos (JSON::Protobuf leaves an empty list out)', async () => {
      const files: AgentFilesReader = { list: () => Promise.resolve([]), read: () => Promise.reject(new Error('unused')) };
      const answer = await serveAgentOperatorCall(port({ files }), request({ type: 'LIST_FILES', list_files: { path: '/frameworks/F1/executors/E1/runs/latest/empty' } }));
      expect([answer.status, answer.body]).to.deep.equal([200, { type: 'LIST_FILES', list_files: {} }]);
    });

    it('GET_STATE writes get_tasks, get_executors, then get_frameworks, as Mesos\' jsonifyGetState', async () => {
      const h = await registered();
      const answer = await call(h, { type: 'GET_STATE' });
      expect(Object.keys((answer.body as Json).get_state as Json)).to.deep.equal(['get_tasks', 'get_executors', 'get_frameworks']);
    });

    it('GET_TASKS: a command task has no executor_id (Mesos\' createTask copies the TaskInfo\'s own executor, which a command task has not), queued or launched; a task of a framework\'s executor has its', async () => {
      const h = await registered();
      h.runTask(AgentHarness.commandTask('T1'));
      h.runTask(AgentHarness.commandTask('T2', 'unused', { executor: { executorId: 'E2', command: { value: 'run-executor' }, resources: Resources.parse('cpus:0.1;mem:32').toJSON() } }));
      h.runTask(AgentHarness.commandTask('T3'));
      await h.clock.settle();
      for (const executorId of ['T1', 'E2']) await h.registerExecutor(executorId);
      const tasks = (await call(h, { type: 'GET_TASKS' })).body as Json;
      const executorIds = (list: Json[]): Array<[string, string | undefined]> => list.map((task) => [task.task_id.value, task.executor_id?.value]);
      expect(executorIds(tasks.get_tasks.launched_tasks).sort()).to.deep.equal([['T1', undefined], ['T2', 'E2']]);
      expect(executorIds(tasks.get_tasks.queued_tasks)).to.deep.equal([['T3', undefined]]);
    });

    it('GET_EXECUTORS names the command executor of a command that is not run by a shell as Mesos\' getExecutorInfo does: "(Command: [value, arguments...])"', async () => {
      const h = await registered();
      h.runTask(AgentHarness.commandTask('T1', 'unused', { command: { value: '/bin/echo', shell: false, arguments: ['echo', 'hi'] } }));
      h.runTask(AgentHarness.commandTask('T2', 'unused', { command: { value: '/bin/true', shell: false } }));
      h.runTask(AgentHarness.commandTask('T3', 'echo hi'));
      await h.clock.settle();
      const executors = ((await call(h, { type: 'GET_EXECUTORS' })).body as Json).get_executors.executors as Json[];
      expect(executors.map((executor) => executor.executor_info.name)).to.deep.equal([
        'Command Executor (Task: T1) (Command: [/bin/echo, e...])',
        'Command Executor (Task: T2) (Command: [/bin/true, ])',
        "Command Executor (Task: T3) (Command: sh -c 'echo hi')",
      ]);
    });
  });

  describe('authorization', () => {
    it('GET_CONTAINERS decides who may see a container on the books of when it was asked, before the measure, as Mesos and /containers: a framework gone meanwhile does not hide its container', async () => {
      const authorizer = new Authorizer(parseAcls({ permissive: false, view_containers: [{ principals: { type: 'ANY' }, users: { values: ['alice'] } }] }));
      let measured = false;
      const agent = port({
        authorizer,
        containers: () => [CONTAINER],
        // The framework is gone once the measure has begun: its user is no longer known.
        executorUser: () => (measured ? undefined : 'alice'),
        containersUsage: () => { measured = true; return Promise.resolve([{ container: CONTAINER, statistics: { timestamp: 1 } }]); },
      });
      const answer = await serveAgentOperatorCall(agent, request({ type: 'GET_CONTAINERS' }));
      expect(((answer.body as Json).get_containers?.containers as Json[] | undefined)?.map((container) => container.container_id.value)).to.deep.equal(['R1']);
    });
  });

  describe('GET_RESOURCE_PROVIDERS (it was 501)', () => {
    it('answers an empty get_resource_providers, as Mesos\' agent without resource providers (every provider it lists passes VIEW_RESOURCE_PROVIDER; it has none), in JSON and in protobuf', async () => {
      const h = await registered();
      const answer = await call(h, { type: 'GET_RESOURCE_PROVIDERS' });
      expect([answer.status, answer.body]).to.deep.equal([200, { type: 'GET_RESOURCE_PROVIDERS', get_resource_providers: {} }]);
      const protobuf = { 'content-type': APPLICATION_PROTOBUF, accept: APPLICATION_PROTOBUF };
      const encoded = await call(h, Buffer.from(v1CallBytes('agent', { type: 'GET_RESOURCE_PROVIDERS' })), protobuf);
      expect(encoded.status).to.equal(200);
      expect(JSON.parse(JSON.stringify(v1ResponseJson('agent', encoded.body as Buffer)))).to.deep.equal({ type: 'GET_RESOURCE_PROVIDERS', get_resource_providers: {} });
    });

    it('answers it under ACLs whose view_resource_providers deny everyone too (it has no provider to filter)', async () => {
      const authorizer = new Authorizer(parseAcls({ permissive: false, view_resource_providers: [{ principals: { type: 'ANY' }, resource_providers: { type: 'NONE' } }] }));
      const answer = await serveAgentOperatorCall(port({ authorizer }), request({ type: 'GET_RESOURCE_PROVIDERS' }));
      expect([answer.status, answer.body]).to.deep.equal([200, { type: 'GET_RESOURCE_PROVIDERS', get_resource_providers: {} }]);
    });
  });
});
