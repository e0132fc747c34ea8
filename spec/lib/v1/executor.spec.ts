/** The v1 executor API's JSON: calls checked (as Mesos' `validateExecutorCall`) and converted, events built as Mesos writes them. */
import { expect } from 'chai';
import {
  acknowledgedEvent, killEvent, launchEvent, launchGroupEvent, messageEvent, parseExecutorCall, shutdownEvent, subscribedEvent, MAX_UNACKNOWLEDGED_ENTRIES, MAX_UUID_BASE64_CHARS, type ExecutorCall,
} from '../../../lib/v1/executor';
import { textOfV1Uuid, v1Uuid, NOT_A_VALID_UUID, V1_OPAQUE_BYTES_PREFIX } from '../../../lib/v1/json';
import { uuidText } from '../../../lib/uuid';

function call(body: unknown): ExecutorCall {
  const parsed = parseExecutorCall(body);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.call;
}

function error(body: unknown): string {
  const parsed = parseExecutorCall(body);
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(parsed.call)}`);
  return parsed.error;
}

const IDS = { framework_id: { value: 'F1' }, executor_id: { value: 'E1' } };
/** A version 4 UUID's 16 bytes, not UTF-8 (as Mesos' own uuids mostly are not). */
const UUID_BYTES = Buffer.from([0xff, 0xfe, 0x00, 0x80, 1, 2, 0x43, 4, 0x85, 6, 7, 8, 9, 10, 11, 12]);
const BINARY_UUID = UUID_BYTES.toString('base64');
/** Its text, as uuids travel inside the cluster. */
const UUID_TEXT = 'fffe0080-0102-4304-8506-0708090a0b0c';

describe('v1 executor calls', () => {
  it('takes a SUBSCRIBE as Mesos documents it, with the unacknowledged tasks\' ids and updates', () => {
    expect(call({
      type: 'SUBSCRIBE', ...IDS,
      subscribe: {
        unacknowledged_tasks: [{ name: 'dummy-task', task_id: { value: 'T1' }, agent_id: { value: 'A1' }, command: { value: 'ls' } }],
        unacknowledged_updates: [{ framework_id: { value: 'F1' }, status: { source: 'SOURCE_EXECUTOR', task_id: { value: 'T1' }, state: 'TASK_RUNNING', uuid: BINARY_UUID } }],
      },
      unknown_field: true,
    })).to.deep.equal({
      type: 'SUBSCRIBE', frameworkId: 'F1', executorId: 'E1', unacknowledgedTaskIds: ['T1'],
      unacknowledgedUpdates: [{ taskId: 'T1', state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', executorId: 'E1', uuid: UUID_TEXT }],
    });
    expect(call({ type: 'SUBSCRIBE', ...IDS, subscribe: {} })).to.deep.include({ unacknowledgedTaskIds: [], unacknowledgedUpdates: [] });
  });

  it('takes an UPDATE, its uuid a UUID\'s 16 bytes kept as the UUID\'s text and sent back byte for byte', () => {
    const update = call({
      type: 'UPDATE', ...IDS,
      update: { status: { task_id: { value: 'T1' }, state: 'TASK_FINISHED', message: 'done', data: 'aGk=', uuid: BINARY_UUID, executor_id: { value: 'E1' }, healthy: true } },
    });
    expect(update).to.deep.equal({
      type: 'UPDATE', frameworkId: 'F1', executorId: 'E1',
      status: { taskId: 'T1', state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', executorId: 'E1', uuid: UUID_TEXT, message: 'done', data: 'hi', healthy: true },
    });
    const uuid = (update as Extract<ExecutorCall, { type: 'UPDATE' }>).status.uuid as string;
    expect(uuid).to.equal(uuidText(UUID_BYTES));
    expect(v1Uuid(uuid)).to.equal(BINARY_UUID);
    expect((acknowledgedEvent('T1', uuid).acknowledged as { uuid: string }).uuid).to.equal(BINARY_UUID);
  });

  it('takes only a UUID\'s 16 bytes for a uuid, as Mesos (stout\'s UUID::fromBytes), and sends an actor program\'s own text uuid as its bytes', () => {
    const version0 = Buffer.from(UUID_BYTES);
    version0[6] = 0x03;
    for (const bad of [Buffer.from('uuid-1').toString('base64'), version0.toString('base64'), Buffer.concat([UUID_BYTES, Buffer.from([0])]).toString('base64'), '', 'not base64!']) {
      expect(textOfV1Uuid(bad), bad).to.equal(undefined);
    }
    for (const version of [1, 2, 3, 4, 5]) {
      const bytes = Buffer.from(UUID_BYTES);
      bytes[6] = (version << 4) | 3;
      expect(v1Uuid(textOfV1Uuid(bytes.toString('base64')) as string)).to.equal(bytes.toString('base64'));
    }
    expect(v1Uuid('uuid-1')).to.equal(Buffer.from('uuid-1').toString('base64'));
    expect(v1Uuid(`${V1_OPAQUE_BYTES_PREFIX}abc`)).to.equal(Buffer.from(`${V1_OPAQUE_BYTES_PREFIX}abc`).toString('base64'));
    expect(v1Uuid(UUID_TEXT.toUpperCase())).to.equal(Buffer.from(UUID_TEXT.toUpperCase()).toString('base64'));
  });

  it('takes MESSAGE (data from base64) and HEARTBEAT', () => {
    expect(call({ type: 'MESSAGE', ...IDS, message: { data: 'aGVsbG8=' } })).to.deep.equal({ type: 'MESSAGE', frameworkId: 'F1', executorId: 'E1', data: 'hello' });
    expect(call({ type: 'HEARTBEAT', ...IDS })).to.deep.equal({ type: 'HEARTBEAT', frameworkId: 'F1', executorId: 'E1' });
  });

  it('refuses a bad call with Mesos\' words or the bad field\'s path', () => {
    const status = { task_id: { value: 'T1' }, state: 'TASK_RUNNING', uuid: BINARY_UUID };
    expect(error({ ...IDS })).to.equal("Expecting 'type' to be present");
    expect(error({ type: 'SUBSCRIBE', framework_id: { value: 'F1' }, subscribe: {} })).to.equal("Expecting 'executor_id' to be present");
    expect(error({ type: 'SUBSCRIBE', executor_id: { value: 'E1' }, subscribe: {} })).to.equal("Expecting 'framework_id' to be present");
    expect(error({ type: 'SUBSCRIBE', ...IDS })).to.equal("Expecting 'subscribe' to be present");
    expect(error({ type: 'UPDATE', ...IDS })).to.equal("Expecting 'update' to be present");
    expect(error({ type: 'MESSAGE', ...IDS })).to.equal("Expecting 'message' to be present");
    expect(error({ type: 'TELEPORT', ...IDS })).to.equal("call type 'TELEPORT' is not supported (supported: SUBSCRIBE, UPDATE, MESSAGE, HEARTBEAT)");
    expect(error({ type: 'UPDATE', ...IDS, update: { status: { ...status, uuid: undefined } } })).to.equal("update.status.uuid: Expecting 'uuid' to be present");
    expect(error({ type: 'UPDATE', ...IDS, update: { status: { ...status, uuid: '%%%' } } })).to.equal(`update.status.uuid: ${NOT_A_VALID_UUID}`);
    expect(error({ type: 'UPDATE', ...IDS, update: { status: { ...status, uuid: 'dXVpZA==' } } })).to.equal('update.status.uuid: Not a valid UUID');
    expect(error({ type: 'UPDATE', ...IDS, update: { status: { ...status, uuid: 'A'.repeat(MAX_UUID_BASE64_CHARS + 4) } } }))
      .to.equal(`update.status.uuid: must be at most ${MAX_UUID_BASE64_CHARS} characters of base64`);
    expect(error({ type: 'UPDATE', ...IDS, update: { status: { ...status, state: 'TASK_DONE' } } })).to.match(/^update\.status\.state: must be one of TASK_STAGING, /);
    expect(error({ type: 'UPDATE', ...IDS, update: { status: { ...status, state: 'TASK_STAGING' } } }))
      .to.equal('update.status.state: Received TASK_STAGING from executor E1 of framework F1 which is not allowed');
    expect(error({ type: 'UPDATE', ...IDS, update: { status: { ...status, executor_id: { value: 'E2' } } } }))
      .to.equal('update.status.executor_id: ExecutorID in Call: E1 does not match ExecutorID in TaskStatus: E2');
    expect(error({ type: 'UPDATE', ...IDS, update: { status: { ...status, source: 'SOURCE_MASTER' } } }))
      .to.equal("update.status.source: Received Call from executor E1 of framework F1 with invalid source, expecting 'SOURCE_EXECUTOR'");
    expect(error({ type: 'UPDATE', ...IDS, update: { status: { ...status, task_id: { value: '' } } } })).to.equal('update.status.task_id.value: must be a non-empty string');
    expect(error({ type: 'MESSAGE', ...IDS, message: { data: '%%%' } })).to.equal('message.data: must be base64');
    expect(error({ type: 'SUBSCRIBE', ...IDS, subscribe: { unacknowledged_updates: [{ status: { ...status, state: 'TASK_STAGING' } }] } }))
      .to.equal('subscribe.unacknowledged_updates.0.status.state: Received TASK_STAGING from executor E1 of framework F1 which is not allowed');
    const tooMany = Array.from({ length: MAX_UNACKNOWLEDGED_ENTRIES + 1 }, (_, index) => ({ task_id: { value: `T${index}` } }));
    expect(error({ type: 'SUBSCRIBE', ...IDS, subscribe: { unacknowledged_tasks: tooMany } })).to.equal(`subscribe.unacknowledged_tasks: must have at most ${MAX_UNACKNOWLEDGED_ENTRIES} entries`);
    expect(error([1])).to.match(/^\(body\): /);
  });
});

describe('v1 executor events', () => {
  it('SUBSCRIBED carries the executor, its framework, its agent and its container', () => {
    const event = subscribedEvent(
      { executorId: 'E1', frameworkId: 'F1', command: { value: '/path/to/executor' } },
      { id: 'F1', user: 'foo', name: 'my_framework', roles: ['*'] },
      { id: 'A1', hostname: 'agenthost', port: 5051, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }] },
      'run-1',
    );
    expect(event).to.deep.equal({
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: { executor_id: { value: 'E1' }, framework_id: { value: 'F1' }, command: { value: '/path/to/executor' } },
        framework_info: { id: { value: 'F1' }, user: 'foo', name: 'my_framework', role: '*' },
        agent_info: { id: { value: 'A1' }, hostname: 'agenthost', port: 5051, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }] },
        container_id: { value: 'run-1' },
      },
    });
  });

  it('LAUNCH, KILL, MESSAGE and SHUTDOWN are written as Mesos writes them', () => {
    expect(launchEvent({ name: 't', taskId: 'T1', agentId: 'A1', resources: [], data: 'x' })).to.deep.equal({
      type: 'LAUNCH', launch: { task: { name: 't', task_id: { value: 'T1' }, agent_id: { value: 'A1' }, resources: [], data: 'eA==' } },
    });
    expect(killEvent('T1')).to.deep.equal({ type: 'KILL', kill: { task_id: { value: 'T1' } } });
    expect(killEvent('T1', 2.5)).to.deep.equal({ type: 'KILL', kill: { task_id: { value: 'T1' }, kill_policy: { grace_period: { nanoseconds: 2_500_000_000 } } } });
    expect(messageEvent('sample data')).to.deep.equal({ type: 'MESSAGE', message: { data: 'c2FtcGxlIGRhdGE=' } });
    expect(shutdownEvent()).to.deep.equal({ type: 'SHUTDOWN' });
    expect(acknowledgedEvent('T1', 'uuid-1')).to.deep.equal({ type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 'T1' }, uuid: 'dXVpZC0x' } });
  });

  it('LAUNCH_GROUP carries the task group, each task naming the default executor by its type and without a command, as Mesos writes them', () => {
    const pod = { executorId: 'pod', frameworkId: 'F1', type: 'DEFAULT' as const, resources: [{ name: 'mem', type: 'SCALAR' as const, scalar: { value: 32 } }] };
    const v1Pod = { executor_id: { value: 'pod' }, type: 'DEFAULT', framework_id: { value: 'F1' }, resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 32 } }] };
    const task = (taskId: string): { name: string; taskId: string; agentId: string; resources: []; command: { value: string }; executor: typeof pod } =>
      ({ name: taskId, taskId, agentId: 'A1', resources: [], command: { value: `run ${taskId}` }, executor: pod });
    expect(launchGroupEvent([task('T1'), task('T2')])).to.deep.equal({
      type: 'LAUNCH_GROUP',
      launch_group: {
        task_group: {
          tasks: ['T1', 'T2'].map((taskId) => ({ name: taskId, task_id: { value: taskId }, agent_id: { value: 'A1' }, resources: [], command: { value: `run ${taskId}` }, executor: v1Pod })),
        },
      },
    });
    const subscribed = subscribedEvent(pod, { id: 'F1', user: 'foo', name: 'f', roles: ['*'] }, { id: 'A1', hostname: 'h', port: 5051, resources: [] }, 'run-1');
    expect((subscribed.subscribed as { executor_info: unknown }).executor_info).to.deep.equal(v1Pod);
    // An executor's labels, discovery and shutdown grace period reach it as Mesos writes them.
    const described = subscribedEvent({ ...pod, labels: { team: 'a' }, discovery: { visibility: 'FRAMEWORK', name: 'web' }, shutdownGracePeriodNs: 7_000_000_000 }, { id: 'F1', user: 'foo', name: 'f', roles: ['*'] }, { id: 'A1', hostname: 'h', port: 5051, resources: [] }, 'run-1');
    expect((described.subscribed as { executor_info: unknown }).executor_info).to.deep.equal({
      ...v1Pod, discovery: { visibility: 'FRAMEWORK', name: 'web' }, shutdown_grace_period: { nanoseconds: 7_000_000_000 }, labels: { labels: [{ key: 'team', value: 'a' }] },
    });
  });
});
