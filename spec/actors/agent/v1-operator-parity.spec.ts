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
import { describeWithEachCommandExecutor } from './real-master';
import { eventually } from '../../support/runtime';
import * as fs from 'node:fs';

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

  /** A registered harness agent; with `simulatedClock`, a settle does not wait for a launch a test holds open. */
  async function registered(simulatedClock = false): Promise<AgentHarness> {
    const h = new AgentHarness({}, undefined, { simulatedClock });
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

  describe('WAIT_CONTAINER and KILL_CONTAINER on the containers of its executors (they were 501)', () => {
    /** The harness' agent with command task `taskId` launched and its executor registered; its run id (the container id). */
    async function runningContainer(h: AgentHarness, taskId = 'T1'): Promise<string> {
      h.runTask(AgentHarness.commandTask(taskId));
      await h.clock.settle();
      await h.registerExecutor(taskId);
      return h.launcher.run(taskId).launch.runId;
    }

    /** A WAIT_CONTAINER answered by a stream, read as a client would: its status now, its body once written. */
    interface Waiting {
      readonly status: number;
      readonly contentType: string | undefined;
      /** The body after the agent's turns settled: written whole, still 'pending', or 'aborted' (the connection dropped). */
      written(): Promise<Buffer | 'pending' | 'aborted'>;
      /** What was written, without settling (the agent may be gone). */
      now(): Buffer | 'pending' | 'aborted';
      /** The client goes away (the host tells the stream in the agent's mailbox). */
      gone(): Promise<void>;
    }

    async function waitOn(h: AgentHarness, body: unknown, headers: Record<string, string> = JSON_HEADERS): Promise<Waiting> {
      const response = await call(h, body, headers);
      const stream = response.stream;
      if (stream === undefined) throw new Error(`not streamed: ${response.status} ${String(response.body)}`);
      const chunks: Buffer[] = [];
      let outcome: Buffer | 'aborted' | undefined;
      stream.attach({
        write: (chunk) => void chunks.push(Buffer.from(chunk)),
        end: () => { outcome = Buffer.concat(chunks); },
        buffered: 0,
        destroy: () => { outcome = 'aborted'; },
        onDrain: () => undefined,
      });
      return {
        status: response.status,
        contentType: response.headers?.['content-type'],
        written: async () => {
          await h.clock.settle();
          return outcome ?? 'pending';
        },
        now: () => outcome ?? 'pending',
        gone: () => dispatch(h.agent, () => stream.closedByPeer()),
      };
    }

    /** `written` as JSON. */
    const json = (written: Buffer | 'pending' | 'aborted'): unknown => (Buffer.isBuffer(written) ? JSON.parse(written.toString()) : written);

    /** How many WAIT_CONTAINER calls the agent holds for their containers. */
    const watchers = (h: AgentHarness): Promise<number> => dispatch(h.agent, (agent) => [...(agent['containerWaiters']?.values() ?? [])].reduce((sum, list) => sum + list.length, 0));

    it("validates each as Mesos: the call's message present, its container_id an id (ContainerID rules: no '.' or ' ', at most 242 characters), its parents too", async () => {
      const h = await registered();
      const refusal = async (body: unknown): Promise<[number, unknown]> => {
        const answer = await call(h, body);
        return [answer.status, answer.body];
      };
      const failed = (reason: string): [number, string] => [400, `Failed to validate agent::Call: ${reason}`];
      expect(await refusal({ type: 'WAIT_CONTAINER' })).to.deep.equal(failed("Expecting 'wait_container' to be present"));
      expect(await refusal({ type: 'KILL_CONTAINER' })).to.deep.equal(failed("Expecting 'kill_container' to be present"));
      expect(await refusal({ type: 'WAIT_CONTAINER', wait_container: { container_id: { value: 'a.b' } } })).to.deep.equal(failed("'wait_container.container_id' is invalid: 'ContainerID.value' 'a.b' contains invalid characters"));
      expect(await refusal({ type: 'KILL_CONTAINER', kill_container: { container_id: { value: '' } } })).to.deep.equal(failed("'kill_container.container_id' is invalid: ID must not be empty"));
      expect(await refusal({ type: 'KILL_CONTAINER', kill_container: { container_id: { value: 'c', parent: { value: 'x y' } } } })).to.deep.equal(failed("'kill_container.container_id' is invalid: 'ContainerID.parent' is invalid: 'ContainerID.value' 'x y' contains invalid characters"));
      const long = 'x'.repeat(243);
      expect(await refusal({ type: 'WAIT_CONTAINER', wait_container: { container_id: { value: long } } })).to.deep.equal(failed(`'wait_container.container_id' is invalid: 'ContainerID.value' '${long}' exceeds the maximum length (242)`));
      expect((await refusal({ type: 'WAIT_CONTAINER', wait_container: { container_id: { value: 'x'.repeat(242) } } }))[0]).to.equal(404);
    });

    it('WAIT_CONTAINER answers once the executor\'s container ends, with its wait status (exit code 3: 768; SIGKILL: 9), as Mesos\' containerizer->wait; a container it has not, or not any longer, is 404', async () => {
      const h = await registered();
      const runId = await runningContainer(h);
      const waited = await waitOn(h, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: runId } } });
      expect([waited.status, waited.contentType]).to.deep.equal([200, 'application/json']);
      expect(await waited.written()).to.equal('pending');
      h.launcher.run('T1').exit({ code: 3, signal: null });
      expect(json(await waited.written())).to.deep.equal({ type: 'WAIT_CONTAINER', wait_container: { exit_status: 768 } });
      expect(await watchers(h)).to.equal(0);
      const ended = await call(h, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: runId } } });
      expect([ended.status, ended.body]).to.deep.equal([404, `Container ${runId} cannot be found`]);
      const unknown = await call(h, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: 'nope' } } });
      expect([unknown.status, unknown.body]).to.deep.equal([404, 'Container nope cannot be found']);
      // A nested container (this agent runs none): 404, naming it as Mesos does (`parent.child`).
      const other = await runningContainer(h, 'T2');
      const nested = await call(h, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: 'child', parent: { value: other } } } });
      expect([nested.status, nested.body]).to.deep.equal([404, `Container ${other}.child cannot be found`]);
      const killed = await waitOn(h, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: other } } });
      h.launcher.run('T2').exit({ code: null, signal: 'SIGKILL' });
      expect(json(await killed.written())).to.deep.equal({ type: 'WAIT_CONTAINER', wait_container: { exit_status: 9 } });
    });

    it('WAIT_CONTAINER of a container destroyed at a limit carries TASK_FAILED, the reason and the message, as Mesos\' ContainerTermination; one whose launch failed carries nothing', async () => {
      const h = await registered();
      const runId = await runningContainer(h);
      const waited = await waitOn(h, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: runId } } });
      h.launcher.run('T1').exit({ code: null, signal: 'SIGKILL', limitation: { reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'Memory limit exceeded: Requested: 160MB Maximum Used: 160MB' } });
      expect(json(await waited.written())).to.deep.equal({
        type: 'WAIT_CONTAINER',
        wait_container: { exit_status: 9, state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'Memory limit exceeded: Requested: 160MB Maximum Used: 160MB' },
      });
      const failing = await registered(true);
      // The launch is held open, then fails.
      let fail = (): void => undefined;
      const held = new Promise<void>((resolve) => { fail = resolve; });
      failing.launcher.launch = () => held.then(() => Promise.reject(new Error('no such program')));
      failing.runTask(AgentHarness.commandTask('T9'));
      await failing.clock.settle();
      const runId2 = ((((await failing.state()).frameworks as Json[])[0] as Json).executors[0] as Json).container as string;
      const failedWait = await waitOn(failing, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: runId2 } } });
      expect(await failedWait.written()).to.equal('pending');
      fail();
      expect(json(await failedWait.written())).to.deep.equal({ type: 'WAIT_CONTAINER', wait_container: {} });
    });

    it('a WAIT_CONTAINER is a stream: a client that goes away is forgotten at once; one under way when the agent stops has its connection dropped (as Mesos\' ends), not left open', async () => {
      const h = new AgentHarness();
      await h.register();
      const runId = await runningContainer(h);
      const left = await waitOn(h, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: runId } } });
      const staying = await waitOn(h, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: runId } } });
      expect(await watchers(h)).to.equal(2);
      await left.gone();
      expect(await watchers(h)).to.equal(1);
      await h.stop();
      expect([left.now(), staying.now()]).to.deep.equal(['pending', 'aborted']);
    });

    it("KILL_CONTAINER destroys the container by default (SIGKILL, as Mesos): 200, its waiters hear 9 and its tasks fail; a signal given is sent to the executor's process, which goes on; unknown, ended or nested containers are 404 in Mesos' words", async () => {
      const h = await registered();
      const runId = await runningContainer(h);
      const signalled = await call(h, { type: 'KILL_CONTAINER', kill_container: { container_id: { value: runId }, signal: 15 } });
      expect([signalled.status, signalled.body]).to.deep.equal([200, '']);
      expect([h.launcher.run('T1').signals, h.launcher.run('T1').destroyed]).to.deep.equal([[15], false]);
      const waited = await waitOn(h, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: runId } } });
      const killed = await call(h, { type: 'KILL_CONTAINER', kill_container: { container_id: { value: runId } } });
      expect([killed.status, killed.body]).to.deep.equal([200, '']);
      expect(h.launcher.run('T1').destroyed).to.equal(true);
      expect(json(await waited.written())).to.deep.equal({ type: 'WAIT_CONTAINER', wait_container: { exit_status: 9 } });
      expect(h.forwarded().filter((update) => update.status.taskId === 'T1').map((update) => [update.status.state, update.status.reason])).to.deep.include(['TASK_FAILED', 'REASON_EXECUTOR_TERMINATED']);
      for (const [id, name] of [[{ value: runId }, runId], [{ value: 'nope' }, 'nope'], [{ value: 'c', parent: { value: runId } }, `${runId}.c`]] as const) {
        const refused = await call(h, { type: 'KILL_CONTAINER', kill_container: { container_id: id } });
        expect([refused.status, refused.body], name).to.deep.equal([404, `Container '${name}' cannot be found (or is already killed)`]);
      }
    });

    it('KILL_CONTAINER of a container whose executor is not started yet destroys it once it is (Mesos destroys a container without a pid)', async () => {
      const h = await registered(true);
      // The launch is held open: the executor's record is there, its process not yet.
      const launch = h.launcher.launch.bind(h.launcher);
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => { release = resolve; });
      h.launcher.launch = (what, onExit) => held.then(() => launch(what, onExit));
      h.runTask(AgentHarness.commandTask('T1'));
      await h.clock.settle();
      const runId = ((((await h.state()).frameworks as Json[])[0] as Json).executors[0] as Json).container as string;
      expect(h.launcher.runs).to.have.length(0);
      const killed = await call(h, { type: 'KILL_CONTAINER', kill_container: { container_id: { value: runId } } });
      expect([killed.status, killed.body]).to.deep.equal([200, '']);
      release();
      await h.clock.settle();
      expect(h.launcher.runs.map((run) => run.destroyed)).to.deep.equal([true]);
      const again = await call(h, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: runId } } });
      expect(again.status).to.equal(404);
    });

    it('both speak protobuf: a WAIT_CONTAINER and a KILL_CONTAINER call in protobuf, the wait\'s answer a mesos.v1.agent.Response', async () => {
      const h = await registered();
      const runId = await runningContainer(h);
      const protobuf = { 'content-type': APPLICATION_PROTOBUF, accept: APPLICATION_PROTOBUF };
      const waited = await waitOn(h, Buffer.from(v1CallBytes('agent', { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: runId } } })), protobuf);
      expect(waited.contentType).to.equal(APPLICATION_PROTOBUF);
      const killed = await call(h, Buffer.from(v1CallBytes('agent', { type: 'KILL_CONTAINER', kill_container: { container_id: { value: runId }, signal: 9 } })), protobuf);
      expect(killed.status).to.equal(200);
      const written = await waited.written();
      expect(Buffer.isBuffer(written) && JSON.parse(JSON.stringify(v1ResponseJson('agent', written)))).to.deep.equal({ type: 'WAIT_CONTAINER', wait_container: { exit_status: 9 } });
    });

    describe('authorization (Mesos: WAIT_STANDALONE_CONTAINER and KILL_STANDALONE_CONTAINER for a top-level container, by principal; the NESTED actions for one with a parent, by the user its executor runs as)', () => {
      const CREDENTIALS = new Map([['ops', 'ops-secret'], ['dev', 'dev-secret']]);
      const asked: string[] = [];
      const guarded = (acls: unknown): AgentOperatorPort => port({
        authentication: { credentials: CREDENTIALS, readonly: false, readwrite: true },
        authorizer: new Authorizer(parseAcls(acls)),
        containerExecutor: (containerId: string) => (containerId === 'R1' ? { frameworkId: 'F1', executorId: 'E1' } : undefined),
        executorUser: () => 'alice',
        watchContainer: (containerId: string) => { asked.push(`wait ${containerId}`); return () => undefined; },
        killContainer: (containerId: string, signal: number) => { asked.push(`kill ${containerId} ${signal}`); return 'killed'; },
      });
      const as = (principal: string, body: unknown): HttpRequest => request(body, { ...JSON_HEADERS, authorization: basicAuthorization(principal, `${principal}-secret`) });
      const wait = (value: string, parent?: string): unknown => ({ type: 'WAIT_CONTAINER', wait_container: { container_id: { value, ...(parent !== undefined ? { parent: { value: parent } } : {}) } } });
      const kill = (value: string, parent?: string): unknown => ({ type: 'KILL_CONTAINER', kill_container: { container_id: { value, ...(parent !== undefined ? { parent: { value: parent } } : {}) } } });

      beforeEach(() => { asked.length = 0; });

      it('a top-level container: wait_standalone_containers and kill_standalone_containers decide by the principal alone (403 before anything is waited for or killed)', async () => {
        const agent = guarded({
          permissive: false,
          wait_standalone_containers: [{ principals: { values: ['ops'] }, users: { type: 'ANY' } }],
          kill_standalone_containers: [{ principals: { values: ['ops'] }, users: { type: 'ANY' } }],
        });
        for (const body of [wait('R1'), kill('R1'), wait('unknown'), kill('unknown')]) expect((await serveAgentOperatorCall(agent, as('dev', body))).status).to.equal(403);
        expect(asked).to.deep.equal([]);
        expect((await serveAgentOperatorCall(agent, as('ops', wait('R1')))).status).to.equal(200);
        expect((await serveAgentOperatorCall(agent, as('ops', kill('R1')))).status).to.equal(200);
        expect(asked).to.deep.equal(['wait R1', 'kill R1 9']);
        // The nested actions do not decide a top-level container.
        const nestedOnly = guarded({ permissive: false, wait_nested_containers: [{ principals: { type: 'ANY' }, users: { type: 'ANY' } }] });
        expect((await serveAgentOperatorCall(nestedOnly, as('ops', wait('R1')))).status).to.equal(403);
      });

      it("a nested container: wait_nested_containers and kill_nested_containers decide by the user its root container's executor runs as (then 404: it runs no nested container); one under no executor by its own id's value, as Mesos' local authorizer", async () => {
        const agent = guarded({
          permissive: false,
          wait_nested_containers: [{ principals: { values: ['ops'] }, users: { values: ['alice'] } }],
          kill_nested_containers: [{ principals: { values: ['ops'] }, users: { values: ['bob'] } }],
        });
        expect((await serveAgentOperatorCall(agent, as('ops', wait('c', 'R1')))).status).to.equal(404);
        expect((await serveAgentOperatorCall(agent, as('dev', wait('c', 'R1')))).status).to.equal(403);
        expect((await serveAgentOperatorCall(agent, as('ops', kill('c', 'R1')))).status).to.equal(403);
        expect((await serveAgentOperatorCall(agent, as('ops', wait('c', 'unknown')))).status).to.equal(403);
        expect(asked).to.deep.equal([]);
        const anyUser = guarded({ permissive: false, kill_nested_containers: [{ principals: { values: ['ops'] }, users: { type: 'ANY' } }] });
        expect((await serveAgentOperatorCall(anyUser, as('ops', kill('c', 'unknown')))).status).to.equal(404);
        const byId = guarded({ permissive: false, wait_nested_containers: [{ principals: { values: ['ops'] }, users: { values: ['c'] } }] });
        expect((await serveAgentOperatorCall(byId, as('ops', wait('c', 'unknown')))).status).to.equal(404);
        expect((await serveAgentOperatorCall(byId, as('ops', wait('c', 'R1')))).status).to.equal(403); // R1's executor runs as alice
      });

      it('without ACLs every authenticated caller may wait and kill (Mesos without an authorizer)', async () => {
        const open = port({ containerExecutor: () => undefined, watchContainer: () => undefined, killContainer: () => 'unknown' as const });
        expect((await serveAgentOperatorCall(open, request(wait('R1')))).status).to.equal(404);
        expect((await serveAgentOperatorCall(open, request(kill('R1')))).status).to.equal(404);
      });
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

describeWithEachCommandExecutor('WAIT_CONTAINER and KILL_CONTAINER on a real executor', (cluster) => {
  /** A call to the agent's `/slave(1)/api/v1` over HTTP. */
  const post = (body: unknown): Promise<Response> => fetch(`http://${cluster().host.address}/slave(1)/api/v1`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
  /** The state letter of process `pid` (`/proc/<pid>/stat`: R, S, T...). */
  const processState = (pid: number): string => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').charAt(0);

  it("sends a signal to the executor's process (SIGSTOP, SIGCONT), 500 in Mesos' words for one the system refuses, and by default destroys the container: the wait hears 9, the task fails", async () => {
    cluster().runTask(AgentHarness.commandTask('T1', 'sleep 600', { resources: Resources.parse('cpus:0.1;mem:32').toJSON() }));
    await eventually(() => cluster().master.states('T1').includes('TASK_RUNNING'), 15_000, 'TASK_RUNNING');
    const [container] = ((await (await post({ type: 'GET_CONTAINERS' })).json()) as Json).get_containers.containers as Json[];
    const containerId = container?.container_id.value as string;
    const pid = container?.container_status.executor_pid as number;
    const kill = (signal?: number): Promise<Response> => post({ type: 'KILL_CONTAINER', kill_container: { container_id: { value: containerId }, ...(signal !== undefined ? { signal } : {}) } });
    expect((await kill(19)).status).to.equal(200); // SIGSTOP
    await eventually(() => processState(pid) === 'T', 5_000, 'the executor stopped');
    expect((await kill(18)).status).to.equal(200); // SIGCONT
    await eventually(() => processState(pid) !== 'T', 5_000, 'the executor running again');
    const refused = await kill(999);
    expect([refused.status, await refused.text()]).to.deep.equal([500, 'Unable to send signal to container: kill EINVAL']);
    // The wait's status and headers come at once (a stream), its body when the container ends.
    const waited = await post({ type: 'WAIT_CONTAINER', wait_container: { container_id: { value: containerId } } });
    expect(waited.status).to.equal(200);
    const killed = await kill();
    expect([killed.status, await killed.text()]).to.deep.equal([200, '']);
    expect(await waited.json()).to.deep.equal({ type: 'WAIT_CONTAINER', wait_container: { exit_status: 9 } });
    await eventually(() => cluster().master.states('T1').includes('TASK_FAILED'), 15_000, 'TASK_FAILED');
    const again = await kill();
    expect([again.status, await again.text()]).to.deep.equal([404, `Container '${containerId}' cannot be found (or is already killed)`]);
  });
});
