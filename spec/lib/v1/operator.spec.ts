/** The v1 operator API's calls checked and converted, and its Task as Mesos writes one (pure). */
import { expect } from 'chai';
import { MAX_OPERATOR_CALL_ENTRIES, OPERATOR_CALL_TYPES, parseOperatorCall, v1Task, v1TimeInfo, type OperatorCall } from '../../../lib/v1/operator';
import { Resources } from '../../../lib/resources';
import { V1_MASTER_PROTO } from '../../../lib/v1/operator-proto';

function call(body: unknown): OperatorCall {
  const parsed = parseOperatorCall(body);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.call;
}

function error(body: unknown): { error: string; unserved: boolean } {
  const parsed = parseOperatorCall(body);
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(parsed.call)}`);
  return { error: parsed.error, unserved: parsed.unserved === true };
}

describe('v1 operator calls', () => {
  it('takes every served call without a body of its own, ignoring fields it does not know', () => {
    for (const type of ['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_TASKS', 'GET_ROLES', 'GET_WEIGHTS', 'GET_QUOTA', 'GET_MASTER', 'SUBSCRIBE']) {
      expect(call({ type, something_new: { x: 1 } })).to.deep.equal({ type });
    }
  });

  it('converts GET_METRICS timeout, LIST_FILES, READ_FILE, UPDATE_WEIGHTS, UPDATE_QUOTA, TEARDOWN and MARK_AGENT_GONE', () => {
    expect(call({ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 2_500_000_000 } } })).to.deep.equal({ type: 'GET_METRICS', timeoutMs: 2500 });
    expect(parseOperatorCall({ type: 'GET_METRICS' })).to.deep.equal({ ok: false, error: "Expecting 'get_metrics' to be present" });
    expect(call({ type: 'GET_METRICS', get_metrics: {} })).to.deep.equal({ type: 'GET_METRICS' });
    expect(call({ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: '1000000' } } })).to.deep.equal({ type: 'GET_METRICS', timeoutMs: 1 });
    expect(call({ type: 'LIST_FILES', list_files: { path: '/master/log' } })).to.deep.equal({ type: 'LIST_FILES', path: '/master/log' });
    expect(call({ type: 'READ_FILE', read_file: { path: '/a', offset: 10, length: 5 } })).to.deep.equal({ type: 'READ_FILE', path: '/a', offset: 10, length: 5 });
    expect(call({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: 2 }] } })).to.deep.equal({ type: 'UPDATE_WEIGHTS', weights: [{ role: 'eng', weight: 2 }] });
    expect(call({ type: 'UPDATE_QUOTA', update_quota: { force: true, quota_configs: [{ role: 'eng', guarantees: { cpus: { value: 1 } }, limits: { mem: { value: 512 } } }] } }))
      .to.deep.equal({ type: 'UPDATE_QUOTA', force: true, configs: [{ role: 'eng', guarantees: { cpus: 1 }, limits: { mem: 512 } }] });
    // A resource named `__proto__` is kept, not dropped without a word (the hostile-input pass of 2026-12-05).
    const proto = call(JSON.parse('{"type":"UPDATE_QUOTA","update_quota":{"quota_configs":[{"role":"__proto__","limits":{"__proto__":{"value":5},"cpus":{"value":2}}}]}}'));
    expect(proto.type === 'UPDATE_QUOTA' && proto.configs.map((config) => [config.role, Object.entries(config.limits)])).to.deep.equal([['__proto__', [['__proto__', 5], ['cpus', 2]]]]);
    expect(call({ type: 'TEARDOWN', teardown: { framework_id: { value: 'f-1' } } })).to.deep.equal({ type: 'TEARDOWN', frameworkId: 'f-1' });
    expect(call({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'a-S1' } } })).to.deep.equal({ type: 'MARK_AGENT_GONE', agentId: 'a-S1' });
  });

  it('names what is missing or wrong, as Mesos words it where it has words', () => {
    expect(error({ type: 'TEARDOWN' }).error).to.equal("Expecting 'teardown' to be present");
    expect(error({ type: 'MARK_AGENT_GONE' }).error).to.equal("Expecting 'mark_agent_gone' to be present");
    expect(error({ type: 'READ_FILE', read_file: { path: '/a' } }).error).to.match(/^read_file\.offset: /);
    expect(error({ type: 'READ_FILE', read_file: { path: '/a', offset: -1 } }).error).to.equal('read_file.offset: must not be negative');
    expect(error({ type: 'READ_FILE', read_file: { path: '/a', offset: 'ten' } }).error).to.equal('read_file.offset: must be a non-negative integer');
    expect(error({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ weight: 2 }] } }).error).to.equal("update_weights.weight_infos.0: Expecting 'role' to be present");
    expect(error({ type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'eng', guarantees: { cpus: { value: -1 } } }] } }).error).to.match(/^update_quota\.quota_configs\.0\.guarantees\.cpus\.value: must not be negative/);
    expect(error({ type: 'NOPE' }).error).to.match(/^type: unknown call type 'NOPE'/);
    expect(error({}).error).to.equal("Expecting 'type' to be present");
    expect(error([]).error).to.match(/^\(body\)/);
    const tooMany = Array.from({ length: MAX_OPERATOR_CALL_ENTRIES + 1 }, (_, index) => ({ role: `r${index}`, weight: 1 }));
    expect(error({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: tooMany } }).error).to.match(/at most 1000 entries/);
  });

  it('converts CREATE_VOLUMES and DESTROY_VOLUMES (their volumes go on as Mesos JSON, for the master to check) and names what is missing', () => {
    const volume = { name: 'disk', type: 'SCALAR', scalar: { value: 8 }, role: 'eng', reservation: { principal: 'ops' }, disk: { persistence: { id: 'p', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } };
    expect(call({ type: 'CREATE_VOLUMES', create_volumes: { agent_id: { value: 'a-S1' }, volumes: [volume] } })).to.deep.equal({ type: 'CREATE_VOLUMES', agentId: 'a-S1', resources: [volume] });
    expect(call({ type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: { value: 'a-S1' }, volumes: [volume] } })).to.deep.equal({ type: 'DESTROY_VOLUMES', agentId: 'a-S1', resources: [volume] });
    expect(error({ type: 'CREATE_VOLUMES' })).to.deep.equal({ error: "Expecting 'create_volumes' to be present", unserved: false });
    expect(error({ type: 'DESTROY_VOLUMES', create_volumes: { agent_id: { value: 'a-S1' }, volumes: [] } })).to.deep.equal({ error: "Expecting 'destroy_volumes' to be present", unserved: false });
  });

  it('converts the legacy SET_QUOTA (its QuotaRequest goes on as Mesos JSON, checked as a POST /master/quota body) and REMOVE_QUOTA, and names what is missing', () => {
    const request = { role: 'eng', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }], force: true };
    expect(call({ type: 'SET_QUOTA', set_quota: { quota_request: request } })).to.deep.equal({ type: 'SET_QUOTA', quotaRequest: request });
    expect(call({ type: 'REMOVE_QUOTA', remove_quota: { role: 'eng' } })).to.deep.equal({ type: 'REMOVE_QUOTA', role: 'eng' });
    expect(error({ type: 'SET_QUOTA' })).to.deep.equal({ error: "Expecting 'set_quota' to be present", unserved: false });
    expect(error({ type: 'REMOVE_QUOTA', remove_quota: {} }).error).to.match(/^remove_quota\.role/);
  });

  it('tells UNKNOWN (501, as Mesos) from a type it does not know (400); serves every type Mesos\' master defines', () => {
    expect(error({ type: 'UNKNOWN' })).to.deep.include({ unserved: true });
    expect(error({ type: 'START_MAINTAINANCE' }).unserved).to.equal(false);
    // The call types of Mesos' master.proto, as declared for the protobuf codec.
    const body = V1_MASTER_PROTO.slice(V1_MASTER_PROTO.indexOf('enum Type {'), V1_MASTER_PROTO.indexOf('}', V1_MASTER_PROTO.indexOf('enum Type {')));
    const declared = [...body.matchAll(/^\s*([A-Z_]+) = \d+;/gm)].map((match) => match[1]).filter((type) => type !== 'UNKNOWN');
    expect(declared).to.have.length.above(30);
    expect([...OPERATOR_CALL_TYPES].sort()).to.deep.equal(declared.sort());
  });
});

describe('v1 Task', () => {
  it('writes ids as {value}, resources with their allocation role, statuses as v1 TaskStatus, bytes as base64; leaves out what is unset', () => {
    const task = v1Task({
      name: 'web', taskId: 't1', frameworkId: 'f1', agentId: 'a1', executorId: 'e1', state: 'TASK_RUNNING', role: 'eng',
      resources: Resources.parse('cpus:1').toJSON(),
      statuses: [{ taskId: 't1', state: 'TASK_RUNNING', timestamp: 12.5, uuid: 'u-1', source: 'SOURCE_EXECUTOR' }],
      statusUpdateState: 'TASK_RUNNING', statusUpdateUuid: 'u-1',
    });
    expect(task).to.deep.equal({
      name: 'web', task_id: { value: 't1' }, framework_id: { value: 'f1' }, agent_id: { value: 'a1' }, executor_id: { value: 'e1' }, state: 'TASK_RUNNING',
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'eng' } }],
      statuses: [{ task_id: { value: 't1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', timestamp: 12.5, uuid: Buffer.from('u-1').toString('base64') }],
      status_update_state: 'TASK_RUNNING', status_update_uuid: Buffer.from('u-1').toString('base64'),
    });
    expect(v1Task({ name: 'x', taskId: 't', frameworkId: 'f', agentId: 'a', state: 'TASK_STAGING', resources: [] })).to.deep.equal({
      name: 'x', task_id: { value: 't' }, framework_id: { value: 'f' }, agent_id: { value: 'a' }, state: 'TASK_STAGING',
    });
    expect(v1TimeInfo(1.5)).to.deep.equal({ nanoseconds: 1_500_000 });
  });
});
