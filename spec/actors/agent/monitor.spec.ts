/**
 * The agent's resource monitor (issue 12): `/slave(1)/monitor/statistics`, `/slave(1)/containers`
 * and the v1 operator API's GET_CONTAINERS, with Mesos' `ResourceStatistics` field names, on a
 * real agent running a real task (cgroups where this machine gives them, else posix).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultAgentFlags, startAgent, type AgentHandle } from '../../../actors/agent';
import { resourceStatistics } from '../../../actors/agent/monitor';
import { parseAcls } from '../../../lib/acls';
import { basicAuthorization, type ActorHost } from '../../../lib/process';
import { DEFAULT_EXECUTOR_MEM_MB } from '../../../actors/agent/constants';
import { eventually, eventuallyAsync, netHost, quietLogger } from '../../support/runtime';
import { RealCluster } from './real-master';
import { v1CallBytes, v1ResponseJson } from '../../../lib/v1/protobuf';

const MB = 1024 * 1024;

describe('actors/agent/monitor: ResourceStatistics', () => {
  it('renders usage under Mesos\' names, with the container\'s limits, leaving out what was not measured', () => {
    expect(resourceStatistics({ processes: 3, memRssBytes: 10 * MB, cpusUserTimeSecs: 1.5, cpusNrThrottled: 4, diskUsedBytes: 2048 }, { cpus: 1.1, memBytes: 96 * MB, diskBytes: 10 * MB }, 1_700_000_000_500))
      .to.deep.equal({ timestamp: 1_700_000_000.5, cpus_limit: 1.1, mem_limit_bytes: 96 * MB, disk_limit_bytes: 10 * MB, processes: 3, mem_rss_bytes: 10 * MB, cpus_user_time_secs: 1.5, cpus_nr_throttled: 4, disk_used_bytes: 2048 });
    // Nothing measured (no isolator): the limits still show.
    expect(resourceStatistics(undefined, { cpus: 0.2, memBytes: 96 * MB }, 1000)).to.deep.equal({ timestamp: 1, cpus_limit: 0.2, mem_limit_bytes: 96 * MB });
  });
});

describe('an agent\'s /monitor/statistics, /containers and v1 GET_CONTAINERS', function () {
  this.timeout(30_000);
  let cluster: RealCluster;

  before(async () => {
    cluster = await RealCluster.start();
    cluster.runTask(RealCluster.commandTask('T1', 'sleep 60 & sleep 60; wait'));
    await eventually(() => cluster.master.states('T1').includes('TASK_RUNNING'), 15_000, 'TASK_RUNNING');
  });

  after(() => cluster.stop());

  const url = (path: string): string => `http://${cluster.host.address}${path}`;

  it('/slave(1)/monitor/statistics: each live executor with its usage and limits', async () => {
    let entries: Array<{ executor_id: string; framework_id: string; executor_name: string; source: string; statistics: Record<string, number> }> = [];
    await eventuallyAsync(async () => {
      entries = await (await fetch(url('/slave(1)/monitor/statistics'))).json() as typeof entries;
      return (entries[0]?.statistics.processes ?? 0) >= 3;
    }, 10_000, 'the executor, the shell and its sleeps counted');
    expect(entries).to.have.length(1);
    const [entry] = entries;
    expect(entry).to.deep.include({ executor_id: 'T1', framework_id: 'F1', source: 'T1' }); // a command executor's source is its task (Mesos)
    const statistics = entry?.statistics ?? {};
    expect(statistics.cpus_limit).to.be.closeTo(0.2, 1e-9); // the task's 0.1 and its command executor's own 0.1 (Mesos)
    expect(statistics.mem_limit_bytes).to.equal((32 + DEFAULT_EXECUTOR_MEM_MB) * MB);
    expect(statistics.mem_rss_bytes).to.be.greaterThan(0);
    expect(statistics.timestamp).to.be.closeTo(Date.now() / 1000, 30);
    for (const field of ['cpus_user_time_secs', 'cpus_system_time_secs']) expect(statistics[field], field).to.be.a('number');
    // Mesos' old name too.
    expect(await (await fetch(url('/slave(1)/monitor/statistics.json'))).json()).to.have.length(1);
  });

  it('/slave(1)/containers: the same, with the container id and status', async () => {
    const [entry] = await (await fetch(url('/slave(1)/containers'))).json() as Array<Record<string, unknown>>;
    const runId = cluster.sandbox('T1').split('/').at(-1);
    expect(entry).to.deep.include({ container_id: runId, executor_id: 'T1', framework_id: 'F1' });
    expect((entry?.status as { container_id: { value: string }; executor_pid: number }).container_id).to.deep.equal({ value: runId });
    expect((entry?.status as { executor_pid: number }).executor_pid).to.be.a('number');
  });

  it('v1 operator API (/api/v1 and /slave(1)/api/v1): GET_CONTAINERS with resource_statistics; Mesos\' other agent calls are 501; unknown ones 400', async () => {
    const call = (path: string, body: unknown): Promise<Response> => fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const path of ['/api/v1', '/slave(1)/api/v1']) {
      const response = await call(path, { type: 'GET_CONTAINERS' });
      expect(response.status, path).to.equal(200);
      const body = await response.json() as { type: string; get_containers: { containers: Array<Record<string, unknown>> } };
      expect(body.type).to.equal('GET_CONTAINERS');
      const [container] = body.get_containers.containers;
      expect(container).to.deep.include({ framework_id: { value: 'F1' }, executor_id: { value: 'T1' } });
      expect((container?.resource_statistics as Record<string, number>).mem_limit_bytes).to.equal((32 + DEFAULT_EXECUTOR_MEM_MB) * MB);
    }
    expect(await (await call('/api/v1', { type: 'GET_HEALTH' })).json()).to.deep.equal({ type: 'GET_HEALTH', get_health: { healthy: true } });
    expect((await (await call('/api/v1', { type: 'GET_VERSION' })).json() as { get_version: { version_info: { version: string } } }).get_version.version_info.version).to.equal('1.11.0');
    const flags = (await (await call('/api/v1', { type: 'GET_FLAGS' })).json() as { get_flags: { flags: Array<{ name: string; value: string }> } }).get_flags.flags;
    expect(flags.find((flag) => flag.name === 'work_dir')?.value).to.equal(cluster.workDir);
    const unserved = await call('/api/v1', { type: 'LAUNCH_CONTAINER' });
    expect([unserved.status, await unserved.text()]).to.deep.equal([501, "call type 'LAUNCH_CONTAINER' is not served by this agent (served: GET_HEALTH, GET_FLAGS, GET_VERSION, GET_METRICS, GET_STATE, GET_TASKS, GET_EXECUTORS, GET_FRAMEWORKS, GET_AGENT, GET_CONTAINERS, LIST_FILES, READ_FILE, GET_OPERATIONS, GET_LOGGING_LEVEL, SET_LOGGING_LEVEL, GET_RESOURCE_PROVIDERS, WAIT_CONTAINER, KILL_CONTAINER)"]);
    const unknown = await call('/api/v1', { type: 'MAKE_COFFEE' });
    expect(unknown.status).to.equal(400);
    expect(await unknown.text()).to.contain("unknown call type 'MAKE_COFFEE'");
    expect((await call('/api/v1', { nope: 1 })).status).to.equal(400);
    expect((await fetch(url('/api/v1'))).status).to.equal(405);
  });

  it('v1 GET_STATE, GET_TASKS, GET_EXECUTORS, GET_FRAMEWORKS, GET_AGENT and GET_METRICS answer as Mesos\' agent (they were 501: monitoring walkthrough)', async () => {
    const call = async (type: string): Promise<Record<string, unknown>> => {
      // GET_METRICS carries its `get_metrics`, which Mesos' agent requires (v1-operator-parity.spec).
      const response = await fetch(url('/slave(1)/api/v1'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(type === 'GET_METRICS' ? { type, get_metrics: {} } : { type }) });
      expect(response.status, type).to.equal(200);
      const body = await response.json() as Record<string, unknown>;
      expect(body.type).to.equal(type);
      return body[type.toLowerCase()] as Record<string, unknown>;
    };
    const state = await call('GET_STATE') as { get_tasks: { launched_tasks: Array<{ task_id: { value: string }; state: string; framework_id: { value: string } }> }; get_executors: { executors: Array<{ executor_info: { executor_id: { value: string } } }> }; get_frameworks: { frameworks: Array<{ framework_info: { id: { value: string } } }> } };
    expect(state.get_tasks.launched_tasks.map((task) => [task.task_id.value, task.state, task.framework_id.value])).to.deep.equal([['T1', 'TASK_RUNNING', 'F1']]);
    expect(state.get_executors.executors.map((executor) => executor.executor_info.executor_id.value)).to.deep.equal(['T1']);
    expect(state.get_frameworks.frameworks.map((framework) => framework.framework_info.id.value)).to.deep.equal(['F1']);
    expect(await call('GET_TASKS')).to.deep.equal(state.get_tasks);
    expect(await call('GET_EXECUTORS')).to.deep.equal(state.get_executors);
    expect(await call('GET_FRAMEWORKS')).to.deep.equal(state.get_frameworks);
    const agent = (await call('GET_AGENT') as { agent_info: { id: { value: string }; hostname: string; resources: unknown[] } }).agent_info;
    expect(agent.id.value).to.be.a('string');
    expect(agent.resources).to.not.be.empty;
    const metrics = (await call('GET_METRICS') as { metrics: Array<{ name: string; value: number }> }).metrics;
    expect(metrics.find((metric) => metric.name === 'slave/tasks_running')?.value).to.equal(1);
    expect(metrics.some((metric) => metric.name === 'system/cpus_total')).to.equal(true);
  });

  it('the v1 calls in protobuf (Content-Type and Accept: application/x-protobuf) answer mesos.v1.agent.Responses that read as the JSON answers; bad bytes 400, other media types 415, an Accept of neither 406', async () => {
    const post = async (body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; body: Buffer; type: string | null }> => {
      const response = await fetch(url('/slave(1)/api/v1'), { method: 'POST', headers, body });
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()), type: response.headers.get('content-type') };
    };
    const protobuf = { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' };
    const inBoth = async (call: Record<string, unknown>): Promise<[unknown, unknown]> => {
      const json = await post(JSON.stringify(call), { 'content-type': 'application/json' });
      const encoded = await post(Buffer.from(v1CallBytes('agent', call)), protobuf);
      expect([encoded.status, encoded.type], `${String(call.type)}: ${encoded.body.toString()}`).to.deep.equal([200, 'application/x-protobuf']);
      // This agent's JSON writes empty lists (`"pending_tasks": []`); protobuf has no empty repeated field (nor has Mesos' JSON).
      return [JSON.parse(json.body.toString(), (_key, value: unknown) => (Array.isArray(value) && value.length === 0 ? undefined : value)), JSON.parse(JSON.stringify(v1ResponseJson('agent', encoded.body)))];
    };
    for (const type of ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_STATE', 'GET_TASKS', 'GET_EXECUTORS', 'GET_FRAMEWORKS', 'GET_AGENT']) {
      const [json, decoded] = await inBoth({ type });
      expect(decoded, type).to.deep.equal(json);
    }
    // The statistics move between two calls: the containers are the same.
    const containerIds = (answer: unknown): unknown => (answer as { get_containers: { containers: Array<{ container_id: unknown; container_status: unknown }> } }).get_containers.containers.map((container) => [container.container_id, container.container_status]);
    const [json, decoded] = await inBoth({ type: 'GET_CONTAINERS' });
    expect(containerIds(decoded)).to.deep.equal(containerIds(json));
    const read = await inBoth({ type: 'READ_FILE', read_file: { path: '/frameworks/F1/executors/T1/runs/latest/stdout', offset: 0 } });
    expect(read[1]).to.deep.equal(read[0]);
    const garbage = await post(Buffer.from([0x2a, 0x05, 0x01]), protobuf);
    expect(garbage.status).to.equal(400);
    expect(garbage.body.toString()).to.match(/^Failed to parse body into Call protobuf: /);
    expect((await post(Buffer.from(v1CallBytes('agent', { type: 'GET_HEALTH' })), { 'content-type': 'text/plain' })).status).to.equal(415);
    const html = await post(Buffer.from(v1CallBytes('agent', { type: 'GET_HEALTH' })), { 'content-type': 'application/x-protobuf', accept: 'text/html' });
    expect([html.status, html.body.toString()]).to.deep.equal([406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'"]);
  });

  it("serves /state, /flags and /health at the host's root too, as Mesos' agent (its libprocess delegate; HA walkthrough: 404)", async () => {
    for (const route of ['/state', '/flags', '/health']) {
      const [root, own] = [await fetch(url(route)), await fetch(url(`/slave(1)${route}`))];
      expect([route, own.status, root.status], await root.text()).to.deep.equal([route, 200, 200]);
    }
    const state = await (await fetch(url('/state'))).json() as { id?: string };
    expect(state.id).to.be.a('string');
  });

  it("v1 LIST_FILES and READ_FILE read the sandboxes as /files does, Mesos' virtual paths included (they were 501)", async () => {
    const call = (body: unknown): Promise<Response> => fetch(url('/api/v1'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    fs.writeFileSync(path.join(cluster.sandbox('T1'), 'note'), Buffer.from([0x68, 0x69, 0xff]));
    const virtual = '/frameworks/F1/executors/T1/runs/latest';
    const listed = await call({ type: 'LIST_FILES', list_files: { path: virtual } });
    expect(listed.status).to.equal(200);
    const infos = (await listed.json() as { list_files: { file_infos: Array<{ path: string; size: number; mode: number; mtime: { nanoseconds: number } }> } }).list_files.file_infos;
    const note = infos.find((info) => info.path === `${virtual}/note`);
    expect(note).to.deep.include({ size: 3 });
    expect((note?.mode ?? 0) & 0o170000, 'a regular file, as st_mode says').to.equal(0o100000);
    expect(note?.mtime.nanoseconds).to.be.closeTo(Date.now() * 1e6, 60e9);
    const read = await call({ type: 'READ_FILE', read_file: { path: `${virtual}/note`, offset: 1 } });
    expect(await read.json()).to.deep.equal({ type: 'READ_FILE', read_file: { size: 3, data: Buffer.from([0x69, 0xff]).toString('base64') } });
    const limited = await call({ type: 'READ_FILE', read_file: { path: `${virtual}/note`, offset: '0', length: '1' } });
    expect(((await limited.json()) as { read_file: { data: string } }).read_file.data).to.equal(Buffer.from('h').toString('base64'));
    const missing = await call({ type: 'READ_FILE', read_file: { path: `${virtual}/nope`, offset: 0 } });
    expect(missing.status).to.equal(404);
    const outside = await call({ type: 'LIST_FILES', list_files: { path: '/etc' } });
    expect(outside.status).to.equal(403);
    expect((await call({ type: 'READ_FILE' })).status).to.equal(400);
    // A NUL in the path: 400 as /files answers it (it was 404 "'a b' does not exist"; UI pass, 2026-12-06).
    for (const body of [{ type: 'LIST_FILES', list_files: { path: `${virtual}\u0000x` } }, { type: 'READ_FILE', read_file: { path: `${virtual}/note\u0000`, offset: 0 } }]) {
      const nul = await call(body);
      expect([nul.status, await nul.text()]).to.deep.equal([400, 'the path contains NUL']);
    }
  });
});

describe('an agent\'s usage endpoints under credentials and ACLs', function () {
  this.timeout(30_000);
  let host: ActorHost;
  let agent: AgentHandle;
  let workDir: string;

  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'monitor-acls-'));
    host = await netHost({ logger: quietLogger });
    const credentials = new Map([['ops', 'ops-secret'], ['dev', 'dev-secret']]);
    // `dev` may not GET /containers (Mesos' get_endpoints); everyone may GET /monitor/statistics.
    const acls = parseAcls({
      get_endpoints: [
        { principals: { values: ['dev'] }, paths: { values: ['/monitor/statistics'] } },
        { principals: { values: ['dev'] }, paths: { type: 'NONE' } },
        { principals: { type: 'ANY' }, paths: { type: 'ANY' } },
      ],
    });
    agent = await startAgent({
      flags: defaultAgentFlags({ switchUser: false, master: '127.0.0.1:1', workDir, resources: 'cpus:1;mem:512;disk:512', isolation: 'posix/cpu' }),
      host,
      http: { authentication: { credentials, readonly: true, readwrite: true }, acls },
    });
  });

  after(async () => {
    await agent.stop();
    await host.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const url = (route: string): string => `http://${host.address}${route}`;

  it('asks for credentials (401) before anything else, the v1 API before it reads the call', async () => {
    expect((await fetch(url('/slave(1)/monitor/statistics'))).status).to.equal(401);
    expect((await fetch(url('/slave(1)/containers'))).status).to.equal(401);
    const unread = await fetch(url('/slave(1)/api/v1'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(unread.status, 'no credentials: 401, not a 400 about the body').to.equal(401);
    const answered = await fetch(url('/slave(1)/api/v1'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuthorization('ops', 'ops-secret') }, body: JSON.stringify({ type: 'GET_CONTAINERS' }) });
    expect(answered.status).to.equal(200);
  });

  it('follows the ACLs\' get_endpoints for /monitor/statistics and /containers (403 names the endpoint)', async () => {
    const as = (principal: string, route: string): Promise<Response> => fetch(url(route), { headers: { authorization: basicAuthorization(principal, `${principal}-secret`) } });
    expect((await as('ops', '/slave(1)/containers')).status).to.equal(200);
    expect((await as('dev', '/slave(1)/monitor/statistics')).status).to.equal(200);
    const refused = await as('dev', '/slave(1)/containers');
    expect(refused.status).to.equal(403);
    expect(await refused.text()).to.contain('GET /containers');
  });
});
