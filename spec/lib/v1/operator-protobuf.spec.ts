/**
 * The v1 operator APIs in protobuf (lib/v1/operator-proto.ts, lib/v1/protobuf.ts): every call
 * the master and the agent serve reads back from protobuf as its JSON, every kind of answer and
 * event survives protobuf unchanged, the field numbers are Mesos' (read back by hand,
 * spec/support/protobuf-wire.ts), and a large answer encoded over turns
 * (lib/v1/sliced-protobuf.ts) is the same message, read in bounded steps.
 */
import { expect } from 'chai';
import { Prng } from '../../../lib/process';
import { Resources } from '../../../lib/resources';
import type { V1Json } from '../../../lib/v1/json';
import { parseOperatorCall, v1Task } from '../../../lib/v1/operator';
import { v1CallBytes, v1CallJson, v1EventBytes, v1EventJson, v1FieldwiseMessageType, v1MessageType, v1ResponseBytes, v1ResponseJson, type V1OperatorApi } from '../../../lib/v1/protobuf';
import { encodeWhole, PROTOBUF_WHOLE_VALUE_CHARS, type SlicedEncodingFigures } from '../../../lib/v1/sliced-protobuf';
import { v1VersionInfo } from '../../../lib/version';
import { quotaStatus, v1Events, v1GetMaster } from '../../../actors/master/v1-operator-json';
import { bytesAt, encodeMessage, fieldsOf, varintAt } from '../../support/protobuf-wire';

/** More than any field's name with its quotes, colon and comma (the longest, `mem_critical_pressure_counter`, has 29 characters). */
const FIELD_NAME_CHARS = 64;

/** `value` as JSON would carry it (key order aside). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

const id = (value: string): V1Json => ({ value });
const cpus = (value: number, role?: string): V1Json => ({ name: 'cpus', type: 'SCALAR', scalar: { value }, ...(role !== undefined ? { allocation_info: { role } } : {}) });

const TASK = v1Task({
  name: 'web', taskId: 't1', frameworkId: 'f1', agentId: 'a1', executorId: 'e1', state: 'TASK_RUNNING', role: 'eng', user: 'nobody',
  resources: Resources.parse('cpus:1;mem:64;ports:[31000-31001]').toJSON(),
  statuses: [{ taskId: 't1', state: 'TASK_RUNNING', timestamp: 12.5, uuid: 'u-1', source: 'SOURCE_EXECUTOR', healthy: true, checkStatus: { type: 'TCP', tcp: { succeeded: true } } }],
  statusUpdateState: 'TASK_RUNNING', statusUpdateUuid: 'u-1', labels: { team: 'web' },
  healthCheck: { type: 'COMMAND', command: { value: 'true' }, intervalSeconds: 5 },
  discovery: { visibility: 'CLUSTER', name: 'web', ports: { ports: [{ number: 80, name: 'http', protocol: 'tcp' }] } },
});

const FRAMEWORK_INFO: V1Json = { user: 'u', name: 'n', id: id('f1'), roles: ['eng'], capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 60, checkpoint: true, labels: { labels: [{ key: 'k', value: 'v' }] } };
const AGENT_INFO: V1Json = { hostname: 'h1', port: 5051, id: id('a1'), resources: [cpus(4)], attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }] };
const OFFER: V1Json = {
  id: id('o1'), framework_id: id('f1'), agent_id: id('a1'), hostname: 'h1', resources: [cpus(1, 'eng')], allocation_info: { role: 'eng' },
  url: { scheme: 'http', address: { hostname: 'h1', ip: '10.0.0.2', port: 5051 }, path: '/slave(1)' },
  // Its agent's machine is scheduled for maintenance.
  unavailability: { start: { nanoseconds: 1_700_000_000_000_000_000 }, duration: { nanoseconds: 3_600_000_000_000 } },
};
/** An inverse offer (maintenance), as GET_FRAMEWORKS shows a framework's. */
const INVERSE_OFFER: V1Json = {
  id: id('o2'), url: OFFER.url as V1Json, framework_id: id('f1'), agent_id: id('a1'), unavailability: { start: { nanoseconds: 1_700_000_000_000_000_000 } },
};
const AGENT: V1Json = {
  agent_info: AGENT_INFO, active: true, deactivated: false, version: '1.11.0', pid: 'slave(1)@10.0.0.2:5051',
  registered_time: { nanoseconds: 1_000_000_000 }, reregistered_time: { nanoseconds: 2_000_000_000 },
  total_resources: [cpus(4)], allocated_resources: [cpus(1, 'eng')], offered_resources: [cpus(1, 'eng')],
};
const FRAMEWORK: V1Json = {
  framework_info: FRAMEWORK_INFO, active: true, connected: true, recovered: false, registered_time: { nanoseconds: 5 }, unregistered_time: { nanoseconds: 7 },
  allocated_resources: [cpus(1, 'eng')], offered_resources: [cpus(1, 'eng')], inverse_offers: [INVERSE_OFFER], offers: [OFFER],
};
const EXECUTOR: V1Json = { executor_info: { executor_id: id('e1'), framework_id: id('f1'), command: { value: './run', shell: true }, resources: [cpus(0.1, 'eng')], name: 'ex', source: 's' }, agent_id: id('a1') };
const GET_STATE: V1Json = {
  get_tasks: { tasks: [TASK], unreachable_tasks: [TASK], completed_tasks: [TASK] },
  get_executors: { executors: [EXECUTOR] },
  get_frameworks: { frameworks: [FRAMEWORK], completed_frameworks: [FRAMEWORK] },
  get_agents: { agents: [AGENT], recovered_agents: [AGENT_INFO] },
};
const MASTER = { id: 'm-1', ip: '10.0.0.7', port: 5050, pid: 'master@10.0.0.7:5050', hostname: 'master-1', version: '1.11.0' };

/** Every kind of answer the master writes, each field it can carry set. */
const MASTER_RESPONSES: readonly V1Json[] = [
  { type: 'GET_HEALTH', get_health: { healthy: true } },
  { type: 'GET_FLAGS', get_flags: { flags: [{ name: 'work_dir', value: '/var/lib/mesos' }, { name: 'quiet', value: 'false' }] } },
  { type: 'GET_VERSION', get_version: { version_info: v1VersionInfo() } },
  { type: 'GET_METRICS', get_metrics: { metrics: [{ name: 'master/elected', value: 1 }, { name: 'master/cpus_percent', value: 0.25 }] } },
  { type: 'GET_STATE', get_state: GET_STATE },
  { type: 'GET_AGENTS', get_agents: GET_STATE.get_agents },
  { type: 'GET_FRAMEWORKS', get_frameworks: GET_STATE.get_frameworks },
  { type: 'GET_EXECUTORS', get_executors: GET_STATE.get_executors },
  { type: 'GET_TASKS', get_tasks: GET_STATE.get_tasks },
  { type: 'GET_ROLES', get_roles: { roles: [{ name: 'eng', weight: 2, frameworks: [id('f1')], resources: [cpus(1)] }, { name: '*', weight: 1 }] } },
  { type: 'GET_WEIGHTS', get_weights: { weight_infos: [{ weight: 2.5, role: 'eng' }] } },
  { type: 'GET_QUOTA', get_quota: { status: plain(quotaStatus([['eng', { guarantees: { cpus: 1 }, limits: { cpus: 2, mem: 512 } }], ['ops', { guarantees: {}, limits: { gpus: 1 } }]])) as V1Json } },
  { type: 'GET_QUOTA', get_quota: { status: {} } },
  { type: 'GET_MASTER', get_master: v1GetMaster(MASTER, 1_000, 2_500) },
];

/** Every kind of event the master's stream writes. */
const MASTER_EVENTS: readonly V1Json[] = [
  { type: 'SUBSCRIBED', subscribed: { get_state: GET_STATE, heartbeat_interval_seconds: 15 } },
  { type: 'TASK_ADDED', task_added: { task: TASK } },
  { type: 'TASK_UPDATED', task_updated: { framework_id: id('f1'), status: (TASK.statuses as V1Json[])[0] as V1Json, state: 'TASK_RUNNING' } },
  { type: 'FRAMEWORK_ADDED', framework_added: { framework: FRAMEWORK } },
  { type: 'FRAMEWORK_UPDATED', framework_updated: { framework: FRAMEWORK } },
  { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: FRAMEWORK_INFO } },
  { type: 'AGENT_ADDED', agent_added: { agent: AGENT } },
  v1Events.agentRemoved('a1'),
  v1Events.heartbeat(),
];

/** Every kind of answer the agent writes. */
const AGENT_RESPONSES: readonly V1Json[] = [
  { type: 'GET_HEALTH', get_health: { healthy: true } },
  { type: 'GET_FLAGS', get_flags: { flags: [{ name: 'work_dir', value: '/w' }] } },
  { type: 'GET_VERSION', get_version: { version_info: v1VersionInfo() } },
  { type: 'GET_METRICS', get_metrics: { metrics: [{ name: 'slave/registered', value: 1 }] } },
  {
    type: 'GET_STATE', get_state: {
      get_tasks: { queued_tasks: [TASK], launched_tasks: [TASK], terminated_tasks: [TASK], completed_tasks: [TASK] },
      get_executors: { executors: [{ executor_info: EXECUTOR.executor_info }], completed_executors: [{ executor_info: EXECUTOR.executor_info }] },
      get_frameworks: { frameworks: [{ framework_info: FRAMEWORK_INFO }], completed_frameworks: [{ framework_info: FRAMEWORK_INFO }] },
    },
  },
  { type: 'GET_TASKS', get_tasks: { launched_tasks: [TASK] } },
  { type: 'GET_EXECUTORS', get_executors: { executors: [{ executor_info: EXECUTOR.executor_info }] } },
  { type: 'GET_FRAMEWORKS', get_frameworks: { frameworks: [{ framework_info: FRAMEWORK_INFO }] } },
  { type: 'GET_AGENT', get_agent: { agent_info: AGENT_INFO } },
  {
    type: 'GET_CONTAINERS', get_containers: {
      containers: [{
        framework_id: id('f1'), executor_id: id('e1'), executor_name: 'ex', container_id: id('c1'),
        container_status: { container_id: id('c1'), executor_pid: 4242 },
        resource_statistics: {
          timestamp: 1_796_563_998.25, cpus_limit: 1.1, mem_limit_bytes: 67_108_864, disk_limit_bytes: 1_048_576, cpus_user_time_secs: 0.5, cpus_system_time_secs: 0.25,
          cpus_nr_periods: 10, cpus_nr_throttled: 2, cpus_throttled_time_secs: 0.01, mem_rss_bytes: 1_234_567, mem_total_bytes: 2_345_678, processes: 3, disk_used_bytes: 4096,
        },
      }],
    },
  },
  { type: 'LIST_FILES', list_files: { file_infos: [{ path: '/sandbox/stdout', nlink: 1, size: 12, mtime: { nanoseconds: 1_700_000_000_000_000_000 }, mode: 33188, uid: 'root', gid: 'root' }] } },
  { type: 'READ_FILE', read_file: { size: 12, data: Buffer.from('hello world\n').toString('base64') } },
];

/** Every call the master serves, each field it reads set. */
const MASTER_CALLS: readonly V1Json[] = [
  ...['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_TASKS', 'GET_ROLES', 'GET_WEIGHTS', 'GET_QUOTA', 'GET_MASTER', 'SUBSCRIBE'].map((type) => ({ type })),
  { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 2_500_000_000 } } },
  { type: 'LIST_FILES', list_files: { path: '/master/log' } },
  { type: 'READ_FILE', read_file: { path: '/master/log', offset: 10, length: 4096 } },
  { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ weight: 2, role: 'eng' }, { weight: 0.5, role: 'ops' }] } },
  { type: 'UPDATE_QUOTA', update_quota: { force: true, quota_configs: [{ role: 'eng', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 }, mem: { value: 512 } } }] } },
  { type: 'SET_QUOTA', set_quota: { quota_request: { force: true, role: 'eng', guarantee: [cpus(2)] } } },
  { type: 'REMOVE_QUOTA', remove_quota: { role: 'eng' } },
  { type: 'TEARDOWN', teardown: { framework_id: id('f1') } },
  { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: id('a1') } },
  { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: id('a1'), resources: [{ ...cpus(1), reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }] } }] }] } },
  { type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: id('a1'), resources: [{ ...cpus(1), reservations: [{ type: 'DYNAMIC', role: 'eng' }] }] } },
  {
    type: 'CREATE_VOLUMES', create_volumes: {
      agent_id: id('a1'),
      volumes: [{ name: 'disk', type: 'SCALAR', scalar: { value: 64 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }], disk: { persistence: { id: 'db', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } }],
    },
  },
  { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: id('a1'), volumes: [{ name: 'disk', type: 'SCALAR', scalar: { value: 64 }, disk: { persistence: { id: 'db' }, volume: { container_path: 'data', mode: 'RW' } } }] } },
  {
    type: 'GROW_VOLUME', grow_volume: {
      agent_id: id('a1'),
      volume: { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, role: 'eng', disk: { persistence: { id: 'db' }, volume: { container_path: 'data', mode: 'RW' } } },
      addition: { name: 'disk', type: 'SCALAR', scalar: { value: 16 }, role: 'eng' },
    },
  },
  { type: 'SHRINK_VOLUME', shrink_volume: { agent_id: id('a1'), volume: { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, role: 'eng', disk: { persistence: { id: 'db' }, volume: { container_path: 'data', mode: 'RW' } } }, subtract: { value: 8 } } },
];

/** Every call the agent serves. */
const AGENT_CALLS: readonly V1Json[] = [
  ...['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_STATE', 'GET_TASKS', 'GET_EXECUTORS', 'GET_FRAMEWORKS', 'GET_AGENT'].map((type) => ({ type })),
  { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 1_000_000_000 } } },
  { type: 'GET_CONTAINERS', get_containers: { show_nested: true, show_standalone: false } },
  { type: 'LIST_FILES', list_files: { path: '/agent/log' } },
  { type: 'READ_FILE', read_file: { path: '/sandbox/stdout', offset: 0, length: 100 } },
];

/** `json` (a `Response` of `api`) encoded over turns of at most `charsPerTurn` characters, split into pieces at random places. */
function slicedBytes(api: V1OperatorApi | 'event', json: V1Json, charsPerTurn: number, random: Prng): { bytes: Buffer; figures: SlicedEncodingFigures } {
  const text = JSON.stringify(json);
  const parts: string[] = [];
  for (let at = 0; at < text.length;) {
    const length = 1 + Math.floor(random.next() * 300);
    parts.push(text.slice(at, at + length));
    at += length;
  }
  const type = api === 'event' ? v1FieldwiseMessageType('master', 'event') : v1FieldwiseMessageType(api, 'response');
  const { bytes, figures } = encodeWhole(type, parts, charsPerTurn);
  return { bytes, figures };
}

describe('lib/v1/protobuf: the operator APIs in protobuf', () => {
  it('reads every call the master serves from protobuf as its JSON, and parses it as the same call', () => {
    for (const call of MASTER_CALLS) {
      const read = v1CallJson('master', v1CallBytes('master', call));
      expect('json' in read && plain(read.json), String(call.type)).to.deep.equal(plain(call));
      expect(parseOperatorCall('json' in read ? read.json : undefined), String(call.type)).to.deep.equal(parseOperatorCall(call));
    }
  });

  it('reads every call the agent serves from protobuf as its JSON', () => {
    for (const call of AGENT_CALLS) {
      const read = v1CallJson('agent', v1CallBytes('agent', call));
      expect('json' in read && plain(read.json), String(call.type)).to.deep.equal(plain(call));
    }
  });

  it('reads a call type Mesos defines and this cluster does not serve by its name (answered 501 as in JSON); an unknown type number as no type', () => {
    expect(v1CallJson('agent', v1CallBytes('agent', { type: 'LAUNCH_CONTAINER' }))).to.deep.equal({ json: { type: 'LAUNCH_CONTAINER' } });
    // Field 1 (type) = 99: an enum value no declaration names is an unknown field, as proto2 reads it.
    const unknown = v1CallJson('master', encodeMessage([[1, 99]]));
    expect(unknown).to.deep.equal({ json: {} });
    expect(parseOperatorCall({}).ok).to.equal(false);
  });

  it('refuses bytes that are not a Call with the reason: cut short, a wrong wire type (naming the field)', () => {
    expect(v1CallJson('master', Buffer.from([0x08]))).to.have.property('error').that.matches(/index out of range/);
    const wrongWire = v1CallJson('master', encodeMessage([[1, 18], [16, 7]]));
    expect(wrongWire).to.deep.equal({ error: "field 'teardown' (16) of mesos.v1.master.Call has wire type 0 (varint), expected 2 (length-delimited)" });
    const deep = v1CallJson('agent', encodeMessage([[1, 8], [5, [[1, 'p'], [2, 'ten']]]]));
    expect(deep).to.deep.equal({ error: "field 'offset' (2) of mesos.v1.agent.Call.ReadFile has wire type 2 (length-delimited), expected 0 (varint)" });
  });

  for (const response of MASTER_RESPONSES) {
    it(`the master's ${String(response.type)} answer is the same after protobuf as before`, () => {
      expect(plain(v1ResponseJson('master', v1ResponseBytes('master', response)))).to.deep.equal(plain(response));
    });
  }

  for (const event of MASTER_EVENTS) {
    it(`the master's ${String(event.type)} event is the same after protobuf as before`, () => {
      expect(plain(v1EventJson('master', v1EventBytes('master', event)))).to.deep.equal(plain(event));
    });
  }

  for (const response of AGENT_RESPONSES) {
    it(`the agent's ${String(response.type)} answer is the same after protobuf as before`, () => {
      expect(plain(v1ResponseJson('agent', v1ResponseBytes('agent', response)))).to.deep.equal(plain(response));
    });
  }

  it('writes Mesos\' field numbers (read back by hand): Response.type GET_STATE 8, get_state 9 {get_tasks 1 {tasks 2 {task_id 2}}, get_agents 4}; Event SUBSCRIBED 1, subscribed 2 {get_state 1, heartbeat 2}', () => {
    const state = v1ResponseBytes('master', { type: 'GET_STATE', get_state: GET_STATE });
    expect(varintAt(state, 1)).to.equal(8n);
    expect(bytesAt(state, 9, 1, 2, 2, 1)?.toString()).to.equal('t1');
    expect(fieldsOf(bytesAt(state, 9, 1) as Buffer, 5), 'unreachable_tasks 5').to.have.length(1);
    expect(bytesAt(state, 9, 4, 1, 1, 6, 1)?.toString(), 'agents 1 {agent_info 1 {id 6}}').to.equal('a1');
    const subscribed = v1EventBytes('master', MASTER_EVENTS[0] as V1Json);
    expect(varintAt(subscribed, 1)).to.equal(1n);
    expect(bytesAt(subscribed, 2, 1, 3, 1, 1, 1)?.toString(), 'get_frameworks 3 {frameworks 1 {framework_info 1 {user 1}}}').to.equal('u');
    expect(fieldsOf(bytesAt(subscribed, 2) as Buffer, 2)).to.deep.equal([{ double: 15 }]);
    // The agent's GET_AGENT is 14, get_agent 15 {agent_info 1 {hostname 1}}; GET_CONTAINERS 9, get_containers 10 {containers 1 {resource_statistics 6 {processes 30}}}.
    const agent = v1ResponseBytes('agent', AGENT_RESPONSES.find((response) => response.type === 'GET_AGENT') as V1Json);
    expect([varintAt(agent, 1), bytesAt(agent, 15, 1, 1)?.toString()]).to.deep.equal([14n, 'h1']);
    const containers = v1ResponseBytes('agent', AGENT_RESPONSES.find((response) => response.type === 'GET_CONTAINERS') as V1Json);
    expect([varintAt(containers, 1), varintAt(containers, 10, 1, 6, 30)]).to.deep.equal([9n, 3n]);
  });

  it('encodes a large answer over steps of bounded reading into the same message, whatever pieces its text comes in', () => {
    const random = new Prng(20_270_101);
    // A framework with many offers (a message larger than a whole value: entered a field at a
    // time, its offers an element at a time), thousands of tasks and agents.
    const offers = Array.from({ length: 200 }, (_, index) => ({ ...OFFER, id: id(`o${index}`) }));
    const big: V1Json = {
      type: 'GET_STATE', get_state: {
        get_tasks: { tasks: Array.from({ length: 500 }, (_, index) => ({ ...TASK, task_id: id(`t${index}`) })), completed_tasks: [TASK] },
        get_executors: {},
        get_frameworks: { frameworks: [{ ...FRAMEWORK, offers }, FRAMEWORK] },
        get_agents: { agents: Array.from({ length: 300 }, (_, index) => ({ ...AGENT, pid: `slave(1)@10.0.${index >> 8}.${index & 255}:5051` })), recovered_agents: [AGENT_INFO] },
      },
    };
    const whole = v1ResponseBytes('master', big);
    const chars = JSON.stringify(big).length;
    for (const charsPerTurn of [1, 64 * 1024, 1024 * 1024]) {
      const { bytes, figures } = slicedBytes('master', big, charsPerTurn, random);
      expect(bytes.length, `${charsPerTurn}: as long as the whole encoding`).to.equal(whole.length);
      expect(plain(v1ResponseJson('master', bytes)), `${charsPerTurn}: the same message`).to.deep.equal(plain(big));
      const { turns, mostCharsInATurn } = figures;
      // A step reads its characters, and at most one whole value (and its field's name) past them.
      expect(mostCharsInATurn, `${charsPerTurn}: most read in a step`).to.be.at.most(charsPerTurn + PROTOBUF_WHOLE_VALUE_CHARS + FIELD_NAME_CHARS);
      expect(turns, `${charsPerTurn}: steps`).to.be.at.least(Math.floor(chars / (charsPerTurn + PROTOBUF_WHOLE_VALUE_CHARS + FIELD_NAME_CHARS)));
    }
    // Small answers and events, sliced, are the same too.
    for (const response of MASTER_RESPONSES) expect(plain(v1ResponseJson('master', slicedBytes('master', response, 512, random).bytes)), String(response.type)).to.deep.equal(plain(response));
    for (const event of MASTER_EVENTS) expect(plain(v1EventJson('master', slicedBytes('event', event, 512, random).bytes)), String(event.type)).to.deep.equal(plain(event));
    for (const response of AGENT_RESPONSES) expect(plain(v1ResponseJson('agent', slicedBytes('agent', response, 512, random).bytes)), String(response.type)).to.deep.equal(plain(response));
  });

  it('leaves out a field no declaration names, as the whole encoding does; refuses text that is not a message, naming where', () => {
    const type = v1FieldwiseMessageType('master', 'response');
    const encode = (parts: string[]): Buffer => encodeWhole(type, parts, 8).bytes;
    const withUnknown = encode(['{"type":"GET_HEALTH","nothing_like_it":{"a":[1,{"b":"}"}]},', '"get_health":{"healthy":true}}']);
    expect(v1ResponseJson('master', withUnknown)).to.deep.equal({ type: 'GET_HEALTH', get_health: { healthy: true } });
    expect(() => encode(['{"type":"GET_HEALTH" "get_health":{}}'])).to.throw(/expected ',' or '}' at piece 0, offset 21/);
    expect(() => encode(['{"type":"GET_HEALTH"}', 'x'])).to.throw(/expected the end of the text at piece 1/);
    expect(() => encode(['{"type":"GET_HEALTH",'])).to.throw(/not a mesos\.v1\.master\.Response in JSON/);
    expect(v1MessageType('master', 'response').fullName).to.equal('.mesos.v1.master.Response');
    expect(() => v1MessageType('agent', 'event')).to.throw(/the v1 agent API has no event message/);
  });
});
