/** The v1 scheduler API's JSON (issue 11): calls checked and converted, events built as Mesos writes them. */
import { expect } from 'chai';
import { parseSchedulerCall, offersEvent, subscribedEvent, updateEvent, messageEvent, failureEvent, type SchedulerCall } from '../../../lib/v1/scheduler';
import { textOfV1Bytes, v1Bytes, v1FrameworkInfo, v1OfferFormat, withoutNulls } from '../../../lib/v1/json';
import type { FrameworkInfo, TaskInfo } from '../../../lib/protocol';
import { MAX_RESOURCE_ENTRIES, MAX_TASK_GROUP_TASKS, MAX_URI_LENGTH } from '../../../lib/protocol';
import { dynamicReservation, MAX_PERSISTENCE_ID_LENGTH, MAX_RESERVATION_LABELS, MAX_VOLUME_PATH_LENGTH, Resources } from '../../../lib/resources';

function call(body: unknown): SchedulerCall {
  const parsed = parseSchedulerCall(body);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.call;
}

/** The tasks of an ACCEPT's LAUNCH operations, in order. */
function launched(accept: SchedulerCall): TaskInfo[] {
  if (accept.type !== 'ACCEPT') throw new Error(`not an ACCEPT: ${accept.type}`);
  return accept.operations.flatMap((operation) => operation.launch?.taskInfos ?? []);
}

function error(body: unknown): string {
  const parsed = parseSchedulerCall(body);
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(parsed.call)}`);
  return parsed.error;
}

const FRAMEWORK_ID = { value: '12220-3440-12532-2345-0000' };

describe('v1 scheduler calls', () => {
  it('takes a SUBSCRIBE as Mesos documents it, ignoring fields it does not know', () => {
    const subscribe = call({
      type: 'SUBSCRIBE',
      subscribe: {
        framework_info: { user: 'foo', name: 'Example HTTP Framework', roles: ['test'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'SOMETHING_NEW' }], failover_timeout: 60, labels: { labels: [] } },
        suppressed_roles: [],
      },
      not_a_field: 1,
    });
    expect(subscribe).to.deep.equal({
      type: 'SUBSCRIBE',
      framework: { user: 'foo', name: 'Example HTTP Framework', roles: ['test'], capabilities: ['MULTI_ROLE'], failoverTimeout: 60 },
      suppressedRoles: [],
    });
  });

  // As the npm `mesos-framework` (protobuf.js) sends them: every unset field null. Mesos' parser takes a null for an
  // unset field (stout's protobuf.hpp); each was a 400 ("framework_id: ... expected object, received null") and no
  // call of that library got through (a compatibility run against it).
  it('takes calls whose unset fields are null, as Mesos does: a SUBSCRIBE, and an ACCEPT with nulls at every depth', () => {
    const subscribe = call({
      framework_id: null, type: 'SUBSCRIBE',
      subscribe: { framework_info: { user: 'root', name: 'compat', id: null, failover_timeout: 5, checkpoint: null, role: null, hostname: null, principal: null, webui_url: null, capabilities: null, labels: null } },
      accept: null, decline: null, kill: null, shutdown: null, acknowledge: null, reconcile: null, message: null, request: null,
    });
    expect(subscribe).to.deep.equal({ type: 'SUBSCRIBE', framework: { user: 'root', name: 'compat', roles: ['*'], failoverTimeout: 5 }, suppressedRoles: [] });
    const resource = (name: string, value: number): Record<string, unknown> => ({ name, type: 'SCALAR', scalar: { value }, ranges: null, set: null, role: null, reservation: null, disk: null, revocable: null });
    const accept = call({
      framework_id: { value: 'f-1' }, type: 'ACCEPT', subscribe: null,
      accept: {
        offer_ids: [{ value: 'o-1' }, null],
        operations: [{
          type: 'LAUNCH',
          launch: {
            task_infos: [{
              name: 'long-1', task_id: { value: 't-1' }, agent_id: { value: 'a-1' }, resources: [resource('cpus', 0.1), resource('mem', 32)], executor: null,
              command: { uris: null, environment: { variables: [{ name: 'HOST', value: '127.0.0.1' }] }, shell: true, value: 'sleep 300', arguments: null, user: null },
              container: null, health_check: null, kill_policy: null, data: null, labels: null, discovery: null,
            }],
          },
          reserve: null, unreserve: null, create: null, destroy: null,
        }],
        filters: null,
      },
      decline: null, kill: null, shutdown: null, acknowledge: null, reconcile: null, message: null, request: null,
    });
    expect(accept).to.deep.include({ type: 'ACCEPT', frameworkId: 'f-1', offerIds: ['o-1'] });
    const [task] = launched(accept);
    expect(task).to.deep.include({ name: 'long-1', taskId: 't-1', agentId: 'a-1' });
    expect(task?.command).to.deep.include({ value: 'sleep 300', shell: true });
    expect(task?.resources.map((resource) => resource.name)).to.deep.equal(['cpus', 'mem']);
    expect(JSON.stringify(accept)).to.not.include('null');
  });

  it('withoutNulls: the body itself when it holds no null; otherwise a copy without them that keeps every own key (__proto__ too)', () => {
    const clean = { type: 'REVIVE', framework_id: { value: 'f' }, roles: ['a'] };
    expect(withoutNulls(clean)).to.equal(clean);
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": null, "b": [null, {"c": null, "d": 1}]}') as unknown;
    const copied = withoutNulls(hostile) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copied)).to.equal(Object.prototype);
    expect(Object.keys(copied)).to.deep.equal(['__proto__', 'b']);
    expect(copied.b).to.deep.equal([{ d: 1 }]);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  // Mesos: an id in the FrameworkInfo must be the call's framework_id too. One there alone let a client pick a new
  // framework's id (the hostile-input pass of 2026-12-05).
  it('takes the framework id of a re-SUBSCRIBE named in both framework_id and the FrameworkInfo; refuses one named in only one of them, or two that differ (as Mesos)', () => {
    const framework_info = { user: 'foo', name: 'f', role: 'eng' };
    // framework_id alone: Mesos compares it with the FrameworkInfo's (empty) id (v1 walkthrough).
    expect(error({ type: 'SUBSCRIBE', framework_id: FRAMEWORK_ID, subscribe: { framework_info } })).to.equal("'framework_id' differs from 'subscribe.framework_info.id'");
    const both = call({ type: 'SUBSCRIBE', framework_id: FRAMEWORK_ID, subscribe: { framework_info: { ...framework_info, id: FRAMEWORK_ID } } });
    expect(both).to.deep.include({ frameworkId: FRAMEWORK_ID.value });
    expect((both as { framework: { roles: string[] } }).framework.roles).to.deep.equal(['eng']);
    expect(error({ type: 'SUBSCRIBE', subscribe: { framework_info: { ...framework_info, id: FRAMEWORK_ID } } })).to.equal("'framework_id' differs from 'subscribe.framework_info.id'");
    expect(error({ type: 'SUBSCRIBE', framework_id: { value: 'other' }, subscribe: { framework_info: { ...framework_info, id: FRAMEWORK_ID } } })).to.match(/differs/);
  });

  it('takes an ACCEPT with LAUNCH operations and converts the tasks', () => {
    const accept = call({
      framework_id: FRAMEWORK_ID,
      type: 'ACCEPT',
      accept: {
        offer_ids: [{ value: 'o1' }, { value: 'o2' }],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: 'web', task_id: { value: 't1' }, agent_id: { value: 'a1' },
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31000 }] } }],
          command: { value: 'echo hi', environment: { variables: [{ name: 'A', type: 'VALUE', value: 'b' }] } },
          data: v1Bytes('payload'), kill_policy: { grace_period: { nanoseconds: 2_500_000_000 } }, labels: { labels: [{ key: 'k', value: 'v' }] },
        }] } }],
        filters: { refuse_seconds: 10 },
      },
    });
    expect(accept).to.deep.equal({
      type: 'ACCEPT', frameworkId: FRAMEWORK_ID.value, offerIds: ['o1', 'o2'], filters: { refuseSeconds: 10 },
      operations: [{ type: 'LAUNCH', launch: { taskInfos: [{
        name: 'web', taskId: 't1', agentId: 'a1',
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31000 }] } }],
        command: { value: 'echo hi', environment: { A: 'b' } }, data: 'payload', killPolicy: { gracePeriodSeconds: 2.5 }, labels: { k: 'v' },
      }] } }],
    });
  });

  it('takes an ACCEPT with RESERVE, LAUNCH and UNRESERVE, in order: their resources go on as Mesos JSON (either reservation form, labels kept, allocation_info left out)', () => {
    const reserved = { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'db' }] } }, allocation_info: { role: 'eng' } };
    const refined = { name: 'mem', type: 'SCALAR', scalar: { value: 256 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }], allocation_info: { role: 'eng' } };
    const task = { name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' }, resources: [reserved], command: { value: 'true' } };
    const accept = call({
      framework_id: FRAMEWORK_ID, type: 'ACCEPT',
      accept: {
        offer_ids: [{ value: 'o1' }],
        operations: [
          { type: 'RESERVE', reserve: { resources: [reserved, refined] } },
          { type: 'LAUNCH', launch: { task_infos: [task] } },
          // A reservation without labels: `{}` and an empty list are both none (protobuf cannot tell them apart).
          { type: 'UNRESERVE', unreserve: { resources: [{ ...refined, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops', labels: {} }] }, { ...refined, name: 'disk', reservations: [{ type: 'DYNAMIC', role: 'eng', labels: { labels: [] } }] }] } },
        ],
      },
    });
    const withoutAllocation = (resource: Record<string, unknown>): Record<string, unknown> => {
      const { allocation_info: _allocation, ...rest } = resource;
      return rest;
    };
    expect(accept).to.deep.equal({
      type: 'ACCEPT', frameworkId: FRAMEWORK_ID.value, offerIds: ['o1'],
      operations: [
        { type: 'RESERVE', reserve: { resources: [withoutAllocation(reserved), withoutAllocation(refined)] } },
        { type: 'LAUNCH', launch: { taskInfos: [{ name: 't', taskId: 't1', agentId: 'a1', resources: [withoutAllocation(reserved)], command: { value: 'true' }, allocationRoles: ['eng'] }] } },
        { type: 'UNRESERVE', unreserve: { resources: [withoutAllocation(refined), { ...withoutAllocation(refined), name: 'disk', reservations: [{ type: 'DYNAMIC', role: 'eng' }] }] } },
      ],
    });
    // What the master reads of them: the reservation, its principal and labels.
    const operations = (accept as Extract<SchedulerCall, { type: 'ACCEPT' }>).operations;
    expect(Resources.fromJSON(operations[0]?.reserve?.resources).format()).to.equal('cpus(eng, ops,{purpose:db}):1;mem(eng, ops):256');
  });

  it('refuses a malformed RESERVE or UNRESERVE with a 400 reason naming the field, and the operations it does not serve by name', () => {
    const accept = (operation: Record<string, unknown>): unknown => ({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [] } }, operation] } });
    const cpus = { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: { principal: 'ops' } };
    expect(error(accept({ type: 'RESERVE' }))).to.equal("accept.operations.1: Expecting 'reserve' to be present");
    expect(error(accept({ type: 'UNRESERVE', reserve: { resources: [cpus] } }))).to.equal("accept.operations.1: Expecting 'unreserve' to be present");
    expect(error(accept({ type: 'RESERVE', reserve: { resources: 'cpus:1' } }))).to.match(/^accept\.operations\.1\.reserve\.resources: .*expected array/);
    expect(error(accept({ type: 'UNRESERVE', unreserve: { resources: [{ ...cpus, scalar: { value: 'one' } }] } }))).to.match(/^accept\.operations\.1\.unreserve\.resources\.0\.scalar\.value: /);
    expect(error(accept({ type: 'RESERVE', reserve: { resources: [{ ...cpus, reservations: [{ type: 'SOMETIMES', role: 'eng' }] }] } }))).to.match(/^accept\.operations\.1\.reserve\.resources\.0\.reservations\.0\.type: /);
    const labels = { labels: Array.from({ length: MAX_RESERVATION_LABELS + 1 }, (_, index) => ({ key: `k${index}` })) };
    expect(error(accept({ type: 'RESERVE', reserve: { resources: [{ ...cpus, reservation: { principal: 'ops', labels } }] } }))).to.equal(`accept.operations.1.reserve.resources.0.reservation.labels.labels: must have at most ${MAX_RESERVATION_LABELS} entries`);
    expect(error(accept({ type: 'RESERVE', reserve: { resources: Array.from({ length: MAX_RESOURCE_ENTRIES + 1 }, () => cpus) } }))).to.match(new RegExp(`^accept\\.operations\\.1\\.reserve\\.resources: must have at most ${MAX_RESOURCE_ENTRIES} entries`));
    expect(error(accept({ type: 'RESERVE', reserve: { resources: [{ ...cpus, disk: { persistence: { id: 'p' } } }] } }))).to.equal("accept.operations.1.reserve.resources.0.disk: expecting 'volume' to be set for a persistent volume");
    expect(error(accept({ type: 'RESERVE', reserve: { resources: [{ ...cpus, shared: {} }] } }))).to.match(/^accept\.operations\.1\.reserve\.resources\.0\.shared: not supported/);
    expect(error(accept({ type: 'RESERVE', reserve: { resources: [cpus], source: [{ ...cpus, reservation: { principal: 'other' } }] } }))).to.match(/^accept\.operations\.1\.reserve\.source: .*not supported/);
    for (const type of ['CREATE_DISK', 'DESTROY_DISK']) {
      expect(error(accept({ type }))).to.equal(`accept.operations.1.type: operation '${type}' is not supported (supported: LAUNCH, LAUNCH_GROUP, RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME, SHRINK_VOLUME)`);
    }
    expect(error(accept({ type: 'GROW_VOLUME' }))).to.equal("accept.operations.1: Expecting 'grow_volume' to be present");
    expect(error(accept({ type: 'GROW_VOLUME', grow_volume: { volume: cpus } }))).to.equal("accept.operations.1.grow_volume: Expecting 'addition' to be present");
    expect(error(accept({ type: 'SHRINK_VOLUME', shrink_volume: { subtract: { value: 1 } } }))).to.equal("accept.operations.1.shrink_volume: Expecting 'volume' to be present");
    expect(error(accept({ type: 'SHRINK_VOLUME', shrink_volume: { volume: { ...cpus, shared: {} }, subtract: { value: 1 } } }))).to.match(/^accept\.operations\.1\.shrink_volume\.volume\.shared: not supported/);
  });

  it('takes an ACCEPT with LAUNCH_GROUP: the default executor (a type, no command) and its task group, the executor\'s allocation roles each task\'s', () => {
    const executor = { executor_id: { value: 'pod' }, type: 'DEFAULT', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: 'eng' } }] };
    const task = (taskId: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: taskId, task_id: { value: taskId }, agent_id: { value: 'a1' }, command: { value: `run ${taskId}` }, ...extra });
    const accept = call({
      framework_id: FRAMEWORK_ID, type: 'ACCEPT',
      accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks: [task('web'), task('log', { executor })] } } }] },
    });
    const pod = { executorId: 'pod', type: 'DEFAULT', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] };
    expect(accept).to.deep.equal({
      type: 'ACCEPT', frameworkId: FRAMEWORK_ID.value, offerIds: ['o1'],
      operations: [{
        type: 'LAUNCH_GROUP',
        launchGroup: {
          executor: pod,
          taskGroup: {
            tasks: [
              { name: 'web', taskId: 'web', agentId: 'a1', resources: [], command: { value: 'run web' }, allocationRoles: ['eng'] },
              { name: 'log', taskId: 'log', agentId: 'a1', resources: [], command: { value: 'run log' }, executor: pod, allocationRoles: ['eng'] },
            ],
          },
        },
      }],
    });
    // A custom executor's command is kept, and a LAUNCH's executor may name its type too.
    const custom = call({
      framework_id: FRAMEWORK_ID, type: 'ACCEPT',
      accept: { operations: [{ type: 'LAUNCH_GROUP', launch_group: { executor: { executor_id: { value: 'mine' }, type: 'CUSTOM', command: { value: './run' } }, task_group: {} } }] },
    });
    expect(custom.type === 'ACCEPT' && custom.operations[0]?.launchGroup).to.deep.equal({ executor: { executorId: 'mine', type: 'CUSTOM', command: { value: './run' } }, taskGroup: { tasks: [] } });
    const launch = launched(call({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { operations: [{ type: 'LAUNCH', launch: { task_infos: [task('t', { command: undefined, executor: { executor_id: { value: 'e' }, type: 'CUSTOM', command: { value: './e' } } })] } }] } }));
    expect(launch[0]?.executor).to.deep.equal({ executorId: 'e', type: 'CUSTOM', command: { value: './e' } });
    // An executor without a command has none (it was given an empty one): the master refuses a custom one without (TASK_ERROR, as Mesos).
    const bare = launched(call({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { operations: [{ type: 'LAUNCH', launch: { task_infos: [task('t', { command: undefined, executor: { executor_id: { value: 'e' } } })] } }] } }));
    expect(bare[0]?.executor).to.deep.equal({ executorId: 'e' });
    // Its labels, discovery and shutdown grace period are kept (Mesos' ExecutorInfo 12-14): the agent shows them and waits that long at a shutdown.
    const discovery = { visibility: 'FRAMEWORK' as const, name: 'web' };
    const described = launched(call({
      framework_id: FRAMEWORK_ID, type: 'ACCEPT',
      accept: { operations: [{ type: 'LAUNCH', launch: { task_infos: [task('t', { command: undefined, executor: { executor_id: { value: 'e' }, command: { value: './e' }, labels: { labels: [{ key: 'team', value: 'a' }] }, discovery, shutdown_grace_period: { nanoseconds: 7_000_000_000 } } })] } }] },
    }));
    expect(described[0]?.executor).to.deep.equal({ executorId: 'e', command: { value: './e' }, labels: { team: 'a' }, discovery, shutdownGracePeriodNs: 7_000_000_000 });
    const negative = { framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { operations: [{ type: 'LAUNCH', launch: { task_infos: [task('t', { command: undefined, executor: { executor_id: { value: 'e' }, shutdown_grace_period: { nanoseconds: -1 } } })] } }] } };
    expect(error(negative)).to.match(/shutdown_grace_period\.nanoseconds: must be a whole number, not negative$/);
  });

  it('refuses a malformed LAUNCH_GROUP with a 400 reason naming the field: no group, executor or task group; a bad or UNKNOWN executor type; a task or executor asking for what is not served; too many tasks', () => {
    const executor = { executor_id: { value: 'pod' }, type: 'DEFAULT' };
    const task = { name: 't', task_id: { value: 't' }, agent_id: { value: 'a1' }, command: { value: 'true' } };
    const accept = (operation: Record<string, unknown>): unknown => ({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [] } }, operation] } });
    const group = (launchGroup: Record<string, unknown>): unknown => accept({ type: 'LAUNCH_GROUP', launch_group: launchGroup });
    expect(error(accept({ type: 'LAUNCH_GROUP' }))).to.equal("accept.operations.1: Expecting 'launch_group' to be present");
    expect(error(accept({ type: 'LAUNCH_GROUP', launch: { task_infos: [task] } }))).to.equal("accept.operations.1: Expecting 'launch_group' to be present");
    expect(error(group({ task_group: { tasks: [task] } }))).to.equal("accept.operations.1.launch_group.executor: Expecting 'executor' to be present");
    expect(error(group({ executor }))).to.equal("accept.operations.1.launch_group.task_group: Expecting 'task_group' to be present");
    expect(error(group({ executor: { ...executor, type: 'POD' }, task_group: { tasks: [task] } }))).to.equal('accept.operations.1.launch_group.executor.type: must be one of UNKNOWN, DEFAULT, CUSTOM');
    expect(error(group({ executor: { ...executor, type: 'UNKNOWN' }, task_group: { tasks: [task] } }))).to.equal("accept.operations.1.launch_group.executor.type: executor type 'UNKNOWN' is not supported (supported: DEFAULT, CUSTOM)");
    expect(error(group({ executor, task_group: { tasks: [task, { ...task, executor: { ...executor, type: 'UNKNOWN' } }] } })))
      .to.equal("accept.operations.1.launch_group.task_group.tasks.1.executor.type: executor type 'UNKNOWN' is not supported (supported: DEFAULT, CUSTOM)");
    expect(error(group({ executor: { type: 'DEFAULT' }, task_group: { tasks: [task] } }))).to.match(/^accept\.operations\.1\.launch_group\.executor\.executor_id: /);
    expect(error(group({ executor, task_group: { tasks: [task, { ...task, task_id: { value: '' } }] } }))).to.equal('accept.operations.1.launch_group.task_group.tasks.1.task_id.value: must be a non-empty string');
    expect(error(group({ executor, task_group: { tasks: [{ ...task, container: { type: 'MESOS' } }] } }))).to.match(/^accept\.operations\.1\.launch_group\.task_group\.tasks\.0\.container: not supported/);
    expect(error(group({ executor: { ...executor, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, shared: {} }] }, task_group: { tasks: [task] } })))
      .to.match(/^accept\.operations\.1\.launch_group\.executor\.resources\.0\.shared: not supported/);
    expect(error(group({ executor, task_group: { tasks: task } }))).to.match(/^accept\.operations\.1\.launch_group\.task_group\.tasks: .*expected array/);
    expect(error(group({ executor, task_group: { tasks: Array.from({ length: MAX_TASK_GROUP_TASKS + 1 }, () => task) } })))
      .to.equal(`accept.operations.1.launch_group.task_group.tasks: must have at most ${MAX_TASK_GROUP_TASKS} entries`);
    // Not this parser's to refuse: the master's (TASK_ERROR, REASON_TASK_GROUP_INVALID, for every task): no type, an empty group, a default executor with a command.
    for (const launchGroup of [{ executor: { executor_id: { value: 'pod' } }, task_group: { tasks: [task] } }, { executor, task_group: { tasks: [] } }, { executor: { ...executor, command: { value: 'x' } }, task_group: { tasks: [task] } }]) {
      expect(parseSchedulerCall(group(launchGroup)).ok, JSON.stringify(launchGroup)).to.equal(true);
    }
  });

  it('takes an ACCEPT with CREATE and DESTROY: their volumes go on as Mesos JSON (either reservation form, allocation_info left out, the disk as the volume it is)', () => {
    const disk = { persistence: { id: 'db-data', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } };
    const volume = { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, role: 'eng', reservation: { principal: 'ops' }, disk, allocation_info: { role: 'eng' } };
    const refined = { name: 'disk', type: 'SCALAR', scalar: { value: 32 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }], disk: { ...disk, persistence: { id: 'logs' }, volume: { container_path: 'var/log', mode: 'RW' } } };
    // Fields Mesos' DiskInfo does not have are ignored, as everywhere in a call (and as protobuf skips unknown fields).
    const extra = { ...volume, disk: { ...disk, persistence: { ...disk.persistence, unheard_of: 1 } } };
    const accept = call({
      framework_id: FRAMEWORK_ID, type: 'ACCEPT',
      accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'CREATE', create: { volumes: [extra, refined] } }, { type: 'DESTROY', destroy: { volumes: [volume] } }] },
    });
    const { allocation_info: _allocation, ...withoutAllocation } = volume;
    expect(accept).to.deep.equal({
      type: 'ACCEPT', frameworkId: FRAMEWORK_ID.value, offerIds: ['o1'],
      operations: [{ type: 'CREATE', create: { volumes: [withoutAllocation, refined] } }, { type: 'DESTROY', destroy: { volumes: [withoutAllocation] } }],
    });
    // What the master reads of them: reserved disk made volumes, each with its persistence id and container path.
    const operations = (accept as Extract<SchedulerCall, { type: 'ACCEPT' }>).operations;
    expect(Resources.fromJSON(operations[0]?.create?.volumes).format()).to.equal('disk(eng, ops)[db-data:data]:64;disk(eng, ops)[logs:var/log]:32');
    expect(error({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { operations: [{ type: 'CREATE' }] } })).to.equal("accept.operations.0: Expecting 'create' to be present");
    expect(error({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { operations: [{ type: 'DESTROY', create: { volumes: [volume] } }] } })).to.equal("accept.operations.0: Expecting 'destroy' to be present");
    // An empty list is a list (protobuf cannot tell it from none); the master has nothing to do for it.
    expect(call({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { operations: [{ type: 'DESTROY', destroy: {} }] } })).to.deep.include({ operations: [{ type: 'DESTROY', destroy: { volumes: [] } }] });
  });

  it('refuses a hostile CREATE or DESTROY with a 400 reason naming the field: a host path, a disk source, a volume image, a huge or bad persistence id, a path out of the sandbox, a mode of no name', () => {
    const disk = { persistence: { id: 'p', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } };
    const volume = { name: 'disk', type: 'SCALAR', scalar: { value: 8 }, role: 'eng', reservation: { principal: 'ops' }, disk };
    const refusal = (changed: Record<string, unknown>, type = 'CREATE'): string => {
      const field = type === 'CREATE' ? 'create' : 'destroy';
      return error({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { offer_ids: [{ value: 'o1' }], operations: [{ type, [field]: { volumes: [volume, { ...volume, disk: { ...disk, ...changed } }] } }] } });
    };
    const at = 'accept.operations.0.create.volumes.1.disk';
    expect(refusal({ volume: { ...disk.volume, host_path: '/etc' } })).to.equal(`${at}: expecting 'host_path' to be unset for a persistent volume`);
    expect(refusal({ volume: { ...disk.volume, host_path: '/etc' } }, 'DESTROY')).to.equal("accept.operations.0.destroy.volumes.1.disk: expecting 'host_path' to be unset for a persistent volume");
    expect(refusal({ source: { type: 'PATH', path: { root: '/mnt/disk1' } } })).to.equal(`${at}: disk 'source' (MOUNT or PATH disks) is not supported`);
    expect(refusal({ volume: { ...disk.volume, image: { type: 'DOCKER' } } })).to.equal(`${at}: volume field 'image' is not supported`);
    expect(refusal({ volume: { ...disk.volume, source: { type: 'HOST_PATH' } } })).to.equal(`${at}: volume field 'source' is not supported`);
    expect(refusal({ persistence: { id: 'x'.repeat(MAX_PERSISTENCE_ID_LENGTH + 1) } })).to.equal(`${at}.persistence.id: must be at most ${MAX_PERSISTENCE_ID_LENGTH} characters`);
    expect(refusal({ persistence: { id: 'x'.repeat(1_000_000) } })).to.equal(`${at}.persistence.id: must be at most ${MAX_PERSISTENCE_ID_LENGTH} characters`);
    expect(refusal({ persistence: { id: '' } })).to.equal(`${at}: persistent volume: its persistence id is empty`);
    expect(refusal({ persistence: { id: '../etc' } })).to.match(new RegExp(`^${at}: persistent volume: persistence id '\\.\\./etc' contains a slash`));
    expect(refusal({ persistence: { id: 7 } })).to.match(new RegExp(`^${at}\\.persistence\\.id: .*expected string`));
    expect(refusal({ volume: { container_path: '/etc', mode: 'RW' } })).to.match(new RegExp(`^${at}: persistent volume: container path '/etc' is absolute`));
    expect(refusal({ volume: { container_path: 'data/../..', mode: 'RW' } })).to.match(new RegExp(`^${at}: persistent volume: container path 'data/\\.\\./\\.\\.' has an empty, '\\.' or '\\.\\.' component`));
    expect(refusal({ volume: { container_path: 'x'.repeat(MAX_VOLUME_PATH_LENGTH + 1), mode: 'RW' } })).to.equal(`${at}.volume.container_path: must be at most ${MAX_VOLUME_PATH_LENGTH} characters`);
    expect(refusal({ volume: { container_path: 'data', mode: 'RX' } })).to.match(new RegExp(`^${at}\\.volume\\.mode: `));
    expect(refusal({ volume: { container_path: 'data' } })).to.match(new RegExp(`^${at}\\.volume\\.mode: `));
    expect(refusal({ persistence: undefined })).to.equal(`${at}: a volume without persistence is not supported`);
    expect(error({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { operations: [{ type: 'CREATE', create: { volumes: [{ ...volume, disk: 'p' }] } }] } })).to.match(/^accept\.operations\.0\.create\.volumes\.0\.disk: .*expected object/);
    expect(error({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { operations: [{ type: 'CREATE', create: { volumes: Array.from({ length: MAX_RESOURCE_ENTRIES + 1 }, () => volume) } }] } }))
      .to.match(new RegExp(`^accept\\.operations\\.0\\.create\\.volumes: must have at most ${MAX_RESOURCE_ENTRIES} entries`));
  });

  it("takes numbers written as strings, as Mesos' JSON parser does (protobuf's JSON writers put int64 fields in strings); other strings are still refused", () => {
    const task = {
      name: 'web', task_id: { value: 't1' }, agent_id: { value: 'a1' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: '0.5' } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: '31010', end: '31010' }] } }],
      command: { value: 'true' }, kill_policy: { grace_period: { nanoseconds: '1000000000' } },
    };
    const accept = call({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }], filters: { refuse_seconds: '5' } } });
    expect(accept).to.deep.include({ filters: { refuseSeconds: 5 } });
    const [read] = launched(accept);
    expect(read?.resources).to.deep.equal([{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31010, end: 31010 }] } }]);
    expect(read?.killPolicy).to.deep.equal({ gracePeriodSeconds: 1 });
    expect(call({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', failover_timeout: '0' } } })).to.deep.nested.include({ 'framework.failoverTimeout': 0 });
    for (const notJsonNumber of ['soon', '+5', '.5', '5.', ' 5', '0x10', '']) {
      expect(error({ framework_id: FRAMEWORK_ID, type: 'DECLINE', decline: { offer_ids: [{ value: 'o1' }], filters: { refuse_seconds: notJsonNumber } } }), notJsonNumber).to.match(/refuse_seconds: Invalid input: expected number, received string/);
    }
    expect(call({ framework_id: FRAMEWORK_ID, type: 'DECLINE', decline: { offer_ids: [{ value: 'o1' }], filters: { refuse_seconds: '-1.5e1' } } })).to.deep.include({ filters: { refuseSeconds: -15 } });
  });

  // The hostile-input pass of 2026-12-05: these ran as plain processes, what they asked for dropped without a word.
  it('refuses a task that asks for what this cluster has nothing behind (a container, a disk source, a host path, revocable resources), naming the field; a command user and URIs are kept', () => {
    const launch = (task: Record<string, unknown>): unknown => ({
      framework_id: FRAMEWORK_ID, type: 'ACCEPT',
      accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' }, command: { value: 'true' }, ...task }] } }] },
    });
    const at = 'accept.operations.0.launch.task_infos.0.';
    expect(error(launch({ container: { type: 'DOCKER', docker: { image: 'x' } } }))).to.match(new RegExp(`^${at}container: not supported`));
    const volume = { name: 'disk', type: 'SCALAR', scalar: { value: 10 }, role: 'eng', disk: { persistence: { id: 'p' }, volume: { container_path: 'v', mode: 'RW' } } };
    expect(error(launch({ resources: [{ ...volume, disk: { source: { type: 'MOUNT', mount: { root: '/mnt' } } } }] }))).to.equal(`${at}resources.0.disk: disk 'source' (MOUNT or PATH disks) is not supported`);
    expect(error(launch({ resources: [{ ...volume, disk: { ...volume.disk, volume: { ...volume.disk.volume, host_path: '/etc' } } }] }))).to.equal(`${at}resources.0.disk: expecting 'host_path' to be unset for a persistent volume`);
    expect(error(launch({ executor: { executor_id: { value: 'e' }, resources: [{ ...volume, disk: { volume: volume.disk.volume } }] } }))).to.equal(`${at}executor.resources.0.disk: a volume without persistence is not supported`);
    // A persistent volume is served now: the task asks for it as offered, and the master checks it is the framework's.
    expect(launched(call(launch({ resources: [volume] })))[0]?.resources).to.deep.equal([volume]);
    expect(error(launch({ resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, revocable: {} }] }))).to.match(new RegExp(`^${at}resources\\.0\\.revocable: not supported`));
    expect(error(launch({ command: { value: 'true', uris: [{ executable: true }] } }))).to.match(new RegExp(`^${at}command\\.uris\\.0\\.value`));
    expect(error(launch({ command: { value: 'true', uris: [{ value: 'x'.repeat(MAX_URI_LENGTH + 1) }] } }))).to.match(new RegExp(`^${at}command\\.uris\\.0\\.value: must be at most ${MAX_URI_LENGTH} characters`));
    expect(error(launch({ max_completion_time: { nanoseconds: 1 } }))).to.match(new RegExp(`^${at}max_completion_time: not supported`));
    const kept = launched(call(launch({ command: { value: 'id', user: 'nobody', uris: [] } })));
    expect(kept[0]?.command).to.deep.equal({ value: 'id', user: 'nobody' });
    const fetching = launched(call(launch({ command: { value: 'ls', uris: [{ value: 'https://example.com/app.tgz', output_file: 'dist/app.tgz', extract: false, cache: true }, { value: '/opt/run.sh', executable: true }] } })));
    expect(fetching[0]?.command).to.deep.equal({ value: 'ls', uris: [{ value: 'https://example.com/app.tgz', outputFile: 'dist/app.tgz', extract: false, cache: true }, { value: '/opt/run.sh', executable: true }] });
  });

  it("keeps the roles a task's resources name in allocation_info for the master to check (v1 walkthrough: a task in another role was launched)", () => {
    const task = (allocation: string) => ({ name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: allocation } }], command: { value: 'true' } });
    const tasks = launched(call({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { offer_ids: [{ value: 'o' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('b')] } }] } }));
    expect(tasks[0]?.allocationRoles).to.deep.equal(['b']);
    expect(tasks[0]?.resources[0]).to.not.have.property('allocation_info');
  });

  it('sends an update\'s uuid as the UUID\'s 16 bytes, as Mesos, and takes them back in an ACKNOWLEDGE', () => {
    const uuid = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    const event = updateEvent({ taskId: 't1', state: 'TASK_RUNNING', uuid, agentId: 'a1', source: 'SOURCE_EXECUTOR', timestamp: 1.5 });
    const status = (event.update as { status: { uuid: string } }).status;
    const bytes = Buffer.from('1b4e28ba2fa141d2883f0016d3cca427', 'hex');
    expect(event).to.deep.equal({ type: 'UPDATE', update: { status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', agent_id: { value: 'a1' }, timestamp: 1.5, uuid: bytes.toString('base64') } } });
    const ack = call({ framework_id: FRAMEWORK_ID, type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'a1' }, task_id: { value: 't1' }, uuid: status.uuid } });
    expect(ack).to.deep.equal({ type: 'ACKNOWLEDGE', frameworkId: FRAMEWORK_ID.value, agentId: 'a1', taskId: 't1', uuid });
  });

  it('refuses an ACKNOWLEDGE whose uuid is not a UUID\'s 16 bytes, in Mesos\' words; an older executor\'s text uuid is acknowledged by its bytes (an agent upgrade must not strand its updates)', () => {
    const version0 = Buffer.from('1b4e28ba2fa101d2883f0016d3cca427', 'hex').toString('base64');
    for (const uuid of [version0, Buffer.alloc(17, 0xff).toString('base64'), Buffer.from([0x00, 0x01, 0x02]).toString('base64'), '', 'not base64!']) {
      expect(error({ framework_id: FRAMEWORK_ID, type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'a1' }, task_id: { value: 't1' }, uuid } }), uuid).to.match(/^acknowledge\.uuid: /);
    }
    expect(error({ framework_id: FRAMEWORK_ID, type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'a1' }, task_id: { value: 't1' }, uuid: version0 } })).to.equal('acknowledge.uuid: Not a valid UUID');
    // What v1Uuid sent for an executor of an older version ('<executor>-<id>-<n>') comes back as that text.
    const legacy = updateEvent({ taskId: 't1', state: 'TASK_RUNNING', uuid: 'e1-V1StGXR8_Z5jdHi6B-myT-3', agentId: 'a1', source: 'SOURCE_EXECUTOR', timestamp: 1 });
    const sent = (legacy.update as { status: { uuid: string } }).status.uuid;
    expect(call({ framework_id: FRAMEWORK_ID, type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'a1' }, task_id: { value: 't1' }, uuid: sent } })).to.deep.include({ uuid: 'e1-V1StGXR8_Z5jdHi6B-myT-3' });
  });

  it('an UPDATE of TASK_UNREACHABLE carries unreachable_time as a TimeInfo', () => {
    const event = updateEvent({ taskId: 't1', state: 'TASK_UNREACHABLE', source: 'SOURCE_MASTER', timestamp: 2, unreachableTime: 1.25 });
    expect((event.update as { status: Record<string, unknown> }).status).to.deep.include({ unreachable_time: { nanoseconds: 1_250_000_000 } });
  });

  it('takes DECLINE, REVIVE, SUPPRESS, KILL, SHUTDOWN, RECONCILE, MESSAGE, REQUEST and TEARDOWN', () => {
    const base = { framework_id: FRAMEWORK_ID };
    expect(call({ ...base, type: 'DECLINE', decline: { offer_ids: [{ value: 'o1' }], filters: { refuse_seconds: 5 } } })).to.deep.include({ offerIds: ['o1'], filters: { refuseSeconds: 5 } });
    expect(call({ ...base, type: 'REVIVE' })).to.deep.equal({ type: 'REVIVE', frameworkId: FRAMEWORK_ID.value });
    expect(call({ ...base, type: 'SUPPRESS', suppress: { roles: ['a'] } })).to.deep.include({ roles: ['a'] });
    expect(call({ ...base, type: 'KILL', kill: { task_id: { value: 't' } } })).to.deep.equal({ type: 'KILL', frameworkId: FRAMEWORK_ID.value, taskId: 't' });
    // Its kill_policy overrides the task's (it was dropped: v1 walkthrough).
    expect(call({ ...base, type: 'KILL', kill: { task_id: { value: 't' }, kill_policy: { grace_period: { nanoseconds: '1000000000' } } } })).to.deep.include({ killPolicy: { gracePeriodSeconds: 1 } });
    expect(error({ ...base, type: 'KILL', kill: { task_id: { value: 't' }, kill_policy: { grace_period: { nanoseconds: -1 } } } })).to.equal('kill.kill_policy.grace_period.nanoseconds: must not be negative');
    expect(call({ ...base, type: 'SHUTDOWN', shutdown: { executor_id: { value: 'e' }, agent_id: { value: 'a' } } })).to.deep.include({ executorId: 'e', agentId: 'a' });
    expect(call({ ...base, type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't' } }] } })).to.deep.include({ tasks: [{ taskId: 't' }] });
    expect(call({ ...base, type: 'RECONCILE', reconcile: {} })).to.deep.include({ tasks: [] });
    // As Mesos: the call's own message must be there, even when it says nothing.
    expect(error({ ...base, type: 'RECONCILE' })).to.equal("Expecting 'reconcile' to be present");
    expect(error({ ...base, type: 'REQUEST' })).to.equal("Expecting 'request' to be present");
    expect(call({ ...base, type: 'MESSAGE', message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: v1Bytes('hi') } })).to.deep.include({ data: 'hi' });
    expect(call({ ...base, type: 'REQUEST', request: { requests: [] } })).to.deep.equal({ type: 'REQUEST', frameworkId: FRAMEWORK_ID.value });
    expect(call({ ...base, type: 'TEARDOWN' })).to.deep.equal({ type: 'TEARDOWN', frameworkId: FRAMEWORK_ID.value });
  });

  it('a MULTI_ROLE FrameworkInfo without roles has none (Mesos\' getRoles; it was put in `*`); one without MULTI_ROLE has its `role`, `*` by default', () => {
    const multi = call({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', capabilities: [{ type: 'MULTI_ROLE' }] } } }) as { framework: { roles: string[] } };
    expect(multi.framework.roles).to.deep.equal([]);
    const none = call({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', roles: [], capabilities: [{ type: 'MULTI_ROLE' }] } } }) as { framework: { roles: string[] } };
    expect(none.framework.roles).to.deep.equal([]);
    const single = call({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } }) as { framework: { roles: string[] } };
    expect(single.framework.roles).to.deep.equal(['*']);
    expect(error({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' }, offer_constraints: {} } })).to.equal('subscribe.offer_constraints: offer constraints are not supported by this master');
  });

  it('takes an UPDATE_FRAMEWORK: the FrameworkInfo as at SUBSCRIBE (its id the call\'s), and the suppressed roles', () => {
    const framework_info = { user: 'foo', name: 'fw', id: FRAMEWORK_ID, roles: ['a', 'b'], capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 60 };
    expect(call({ framework_id: FRAMEWORK_ID, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info, suppressed_roles: ['b'] } })).to.deep.equal({
      type: 'UPDATE_FRAMEWORK', frameworkId: FRAMEWORK_ID.value, suppressedRoles: ['b'],
      framework: { user: 'foo', name: 'fw', id: FRAMEWORK_ID.value, roles: ['a', 'b'], capabilities: ['MULTI_ROLE'], failoverTimeout: 60 },
    });
  });

  it('refuses a bad call with a reason that names the field', () => {
    expect(error({ type: 'ACCEPT', accept: {} })).to.equal("Expecting 'framework_id' to be present");
    expect(error({ framework_id: FRAMEWORK_ID, type: 'KILL' })).to.equal("Expecting 'kill' to be present");
    expect(error({ framework_id: FRAMEWORK_ID, type: 'SUBSCRIBE' })).to.equal("Expecting 'subscribe' to be present");
    expect(error({ framework_id: FRAMEWORK_ID, type: 'ACCEPT_INVERSE_OFFERS' })).to.equal("Expecting 'accept_inverse_offers' to be present");
    expect(error({ framework_id: FRAMEWORK_ID, type: 'DECLINE_INVERSE_OFFERS' })).to.equal("Expecting 'decline_inverse_offers' to be present");
    expect(error({ framework_id: FRAMEWORK_ID, type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [{ value: '' }] } })).to.match(/^accept_inverse_offers\.inverse_offer_ids\.0\.value: /);
    expect(error({ framework_id: FRAMEWORK_ID, type: 'UPDATE_FRAMEWORK' })).to.equal("Expecting 'update_framework' to be present");
    const info = { user: 'u', name: 'n', id: FRAMEWORK_ID, roles: ['a'], capabilities: [{ type: 'MULTI_ROLE' }] };
    expect(error({ framework_id: { value: 'other' }, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: info } })).to.equal("'framework_id' differs from 'update_framework.framework_info.id'");
    // Not a bad call: a FrameworkInfo the master refuses (400 `Supplied FrameworkInfo is not valid: ...`, as Mesos).
    expect(call({ framework_id: FRAMEWORK_ID, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...info, capabilities: [] } } }))
      .to.deep.include({ refusal: "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable" });
    expect(error({ framework_id: FRAMEWORK_ID, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: info, offer_constraints: {} } })).to.equal('update_framework.offer_constraints: offer constraints are not supported by this master');
    expect(error({ framework_id: FRAMEWORK_ID })).to.match(/^type: /);
    expect(error({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { offer_ids: [], operations: [{ type: 'LAUNCH_GROUP' }] } })).to.equal("accept.operations.0: Expecting 'launch_group' to be present");
    expect(error({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: '' }, agent_id: { value: 'a' } }] } }] } }))
      .to.equal('accept.operations.0.launch.task_infos.0.task_id.value: must be a non-empty string');
    expect(error({ framework_id: FRAMEWORK_ID, type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'not base64!' } })).to.match(/acknowledge\.uuid/);
    expect(error({ framework_id: FRAMEWORK_ID, type: 'DECLINE', decline: { offer_ids: 'o1' } })).to.match(/^decline\.offer_ids: /);
    expect(error([1, 2])).to.match(/\(body\)|expected object/);
  });
});

describe('v1 scheduler events', () => {
  it('SUBSCRIBED carries the framework id, the heartbeat interval and the master as Mesos packs it', () => {
    const event = subscribedEvent('fw-1', 15, { id: 'm1', ip: '10.0.0.5', port: 5050, pid: 'master@10.0.0.5:5050', hostname: 'master', version: '1.11.0' });
    expect(event).to.deep.equal({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 15, master_info: {
      id: 'm1', ip: 83886090, port: 5050, pid: 'master@10.0.0.5:5050', hostname: 'master', version: '1.11.0', address: { hostname: 'master', ip: '10.0.0.5', port: 5050 },
    } } });
  });

  it('OFFERS carry ids as {value}, the agent url, resources with their allocation role, and attributes', () => {
    const event = offersEvent([{
      id: 'o1', frameworkId: 'fw', agentId: 'a1', hostname: 'agent1', allocationRole: 'eng',
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 512 }, role: 'eng' }],
      attributes: { rack: 'r1', level: 3 }, executorIds: ['e1'],
    }], () => ({ hostname: 'agent1', ip: '10.0.0.6', port: 5051, actorId: 'slave(1)' }));
    expect(event).to.deep.equal({ type: 'OFFERS', offers: { offers: [{
      id: { value: 'o1' }, framework_id: { value: 'fw' }, agent_id: { value: 'a1' }, hostname: 'agent1',
      url: { scheme: 'http', address: { hostname: 'agent1', ip: '10.0.0.6', port: 5051 }, path: '/slave(1)' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, allocation_info: { role: 'eng' } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 512 }, reservations: [{ type: 'STATIC', role: 'eng' }], allocation_info: { role: 'eng' } },
      ],
      allocation_info: { role: 'eng' },
      attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }, { name: 'level', type: 'SCALAR', scalar: { value: 3 } }],
      executor_ids: [{ value: 'e1' }],
    }] } });
  });

  it("OFFERS to a framework without MULTI_ROLE or RESERVATION_REFINEMENT are in the format it reads, as Mesos converts them: no allocation_info, `role` (and a dynamic reservation's `reservation`) instead of `reservations` (walkthrough)", () => {
    const offer = {
      id: 'o1', frameworkId: 'fw', agentId: 'a1', hostname: 'agent1', allocationRole: 'analytics',
      resources: [
        { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 2 } },
        { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 }, role: 'analytics' },
        { name: 'mem', type: 'SCALAR' as const, scalar: { value: 64 }, reservations: [{ type: 'DYNAMIC' as const, role: 'analytics', principal: 'ops' }] },
      ],
    };
    const endpoint = (): { hostname: string; ip: string; port: number; actorId: string } => ({ hostname: 'agent1', ip: '10.0.0.6', port: 5051, actorId: 'slave(1)' });
    const old = (offersEvent([offer], endpoint, v1OfferFormat(undefined)).offers as { offers: Array<Record<string, unknown>> }).offers[0];
    expect(old?.allocation_info).to.equal(undefined);
    expect(old?.resources).to.deep.equal([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*' },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'analytics' },
      { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, role: 'analytics', reservation: { principal: 'ops' } },
    ]);
    const current = (offersEvent([offer], endpoint, v1OfferFormat(['MULTI_ROLE', 'RESERVATION_REFINEMENT'])).offers as { offers: Array<Record<string, unknown>> }).offers[0];
    expect(current?.allocation_info).to.deep.equal({ role: 'analytics' });
    expect((current?.resources as Array<Record<string, unknown>>).map((resource) => resource.reservations)).to.deep.equal([
      undefined, [{ type: 'STATIC', role: 'analytics' }], [{ type: 'DYNAMIC', role: 'analytics', principal: 'ops' }],
    ]);
  });

  it('OFFERS of dynamically reserved resources, as the master holds them (Resources.toJSON: `role` and `reservation`): `reservations` of type DYNAMIC with principal and labels, or pre-refinement `role` and `reservation`', () => {
    const resources = Resources.parse('cpus:1').reservedDynamically('eng', dynamicReservation('ops', [{ key: 'purpose', value: 'db' }]))
      .add(Resources.parse('mem:64').reservedDynamically('eng', dynamicReservation(undefined)))
      .add(Resources.parse('disk(eng):10;ports:[31000-31000]'));
    const offer = { id: 'o1', frameworkId: 'fw', agentId: 'a1', hostname: 'agent1', allocationRole: 'eng', resources: resources.toJSON() };
    const endpoint = (): { hostname: string; ip: string; port: number; actorId: string } => ({ hostname: 'agent1', ip: '10.0.0.6', port: 5051, actorId: 'slave(1)' });
    const byName = (event: Record<string, unknown>): Record<string, Record<string, unknown>> => {
      const [read] = (event.offers as { offers: Array<{ resources: Array<Record<string, unknown>> }> }).offers;
      return Object.fromEntries((read?.resources ?? []).map((resource) => [resource.name as string, resource]));
    };
    const current = byName(offersEvent([offer], endpoint, v1OfferFormat(['MULTI_ROLE', 'RESERVATION_REFINEMENT'])));
    expect(current.cpus?.reservations).to.deep.equal([{ type: 'DYNAMIC', role: 'eng', principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'db' }] } }]);
    expect(current.mem?.reservations).to.deep.equal([{ type: 'DYNAMIC', role: 'eng' }]);
    expect(current.disk?.reservations).to.deep.equal([{ type: 'STATIC', role: 'eng' }]);
    expect(current.ports).to.not.have.property('reservations');
    for (const resource of Object.values(current)) expect(resource, String(resource.name)).to.not.have.any.keys('role', 'reservation');
    const old = byName(offersEvent([offer], endpoint, v1OfferFormat(undefined)));
    expect(old.cpus).to.deep.include({ role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'db' }] } } });
    expect(old.mem).to.deep.include({ role: 'eng', reservation: {} });
    expect(old.disk).to.deep.include({ role: 'eng' }).and.not.have.property('reservation');
    expect(old.ports).to.deep.include({ role: '*' });
    for (const resource of Object.values(old)) expect(resource, String(resource.name)).to.not.have.property('reservations');
    // Either form reads back as the resources the master offered.
    expect(Resources.fromJSON(Object.values(old).map(({ allocation_info: _allocation, ...rest }) => rest)).equals(resources)).to.equal(true);
    expect(Resources.fromJSON(Object.values(current).map(({ allocation_info: _allocation, ...rest }) => rest)).equals(resources)).to.equal(true);
  });

  it('OFFERS of persistent volumes keep their disk (persistence and volume) in either format, beside their reservations, and read back as the volumes offered', () => {
    const disk = { persistence: { id: 'db-data', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' as const } };
    const resources = Resources.fromJSON([
      { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'db' }] } }, disk },
      { name: 'disk', type: 'SCALAR', scalar: { value: 16 }, role: 'eng', disk: { persistence: { id: 'static' }, volume: { container_path: 'static', mode: 'RW' } } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 100 }, role: 'eng', reservation: { principal: 'ops' } },
    ]);
    const offer = { id: 'o1', frameworkId: 'fw', agentId: 'a1', hostname: 'agent1', allocationRole: 'eng', resources: resources.toJSON() };
    const endpoint = (): { hostname: string; ip: string; port: number; actorId: string } => ({ hostname: 'agent1', ip: '10.0.0.6', port: 5051, actorId: 'slave(1)' });
    const offered = (format: ReturnType<typeof v1OfferFormat>): Array<Record<string, unknown>> =>
      (offersEvent([offer], endpoint, format).offers as { offers: Array<{ resources: Array<Record<string, unknown>> }> }).offers[0]?.resources ?? [];
    const current = offered(v1OfferFormat(['MULTI_ROLE', 'RESERVATION_REFINEMENT']));
    const old = offered(v1OfferFormat(undefined));
    for (const list of [current, old]) {
      expect(list.map((resource) => resource.disk)).to.deep.equal([disk, { persistence: { id: 'static' }, volume: { container_path: 'static', mode: 'RW' } }, undefined]);
      expect(Resources.fromJSON(list.map(({ allocation_info: _allocation, ...rest }) => rest)).equals(resources)).to.equal(true);
    }
    expect(current[0]?.reservations).to.deep.equal([{ type: 'DYNAMIC', role: 'eng', principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'db' }] } }]);
    expect(old[0]).to.deep.include({ role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'db' }] } } });
    // What a framework sends back of the offer (allocation_info and all) names the very volume: a DESTROY of it parses to it.
    const destroy = call({ framework_id: FRAMEWORK_ID, type: 'ACCEPT', accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'DESTROY', destroy: { volumes: [current[0]] } }] } });
    expect(Resources.fromJSON((destroy as Extract<SchedulerCall, { type: 'ACCEPT' }>).operations[0]?.destroy?.volumes).format()).to.equal('disk(eng, ops,{purpose:db})[db-data:data]:64');
  });

  it('binary data (not UTF-8) goes through as the very same bytes: a MESSAGE call in, a MESSAGE event and an update out (it came out with U+FFFD for each byte that was not text)', () => {
    const binary = Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80, ...Buffer.from('binary')]).toString('base64');
    const kept = (call({ framework_id: FRAMEWORK_ID, type: 'MESSAGE', message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: binary } }) as { data: string }).data;
    expect(kept).to.equal(`base64:${binary}`);
    expect(messageEvent('a', 'e', kept)).to.deep.equal({ type: 'MESSAGE', message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: binary } });
    const event = updateEvent({ taskId: 't', state: 'TASK_RUNNING', data: kept });
    expect((event.update as { status: { data: string } }).status.data).to.equal(binary);
    // An actor program's own text that starts with the prefix goes out as that text (review of the change).
    for (const own of ['base64:AAEC', 'base64:hello', 'base64:not base64!']) {
      expect(messageEvent('a', 'e', own).message, own).to.deep.include({ data: v1Bytes(own) });
    }
    // Text stays text inside the cluster (an actor-API executor reads it as it was sent), and empty data is data.
    expect((call({ framework_id: FRAMEWORK_ID, type: 'MESSAGE', message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: '' } }) as { data: string }).data).to.equal('');
  });

  it('MESSAGE data and FAILURE fields are encoded as Mesos does', () => {
    expect(messageEvent('a', 'e', 'hé')).to.deep.equal({ type: 'MESSAGE', message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: v1Bytes('hé') } });
    expect(textOfV1Bytes(v1Bytes('hé'))).to.equal('hé');
    expect(failureEvent({ agentId: 'a' })).to.deep.equal({ type: 'FAILURE', failure: { agent_id: { value: 'a' } } });
    expect(failureEvent({ agentId: 'a', executorId: 'e', status: 9 })).to.deep.equal({ type: 'FAILURE', failure: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, status: 9 } });
  });

  it('a FrameworkInfo round-trips: single role as `role`, MULTI_ROLE as `roles`', () => {
    expect(v1FrameworkInfo({ user: 'u', name: 'n', roles: ['eng'], id: 'fw' })).to.deep.equal({ user: 'u', name: 'n', id: { value: 'fw' }, role: 'eng' });
    const multi = v1FrameworkInfo({ user: 'u', name: 'n', roles: ['a', 'b'], capabilities: ['MULTI_ROLE'] });
    expect(multi).to.deep.equal({ user: 'u', name: 'n', roles: ['a', 'b'], capabilities: [{ type: 'MULTI_ROLE' }] });
    expect(call({ type: 'SUBSCRIBE', subscribe: { framework_info: multi } })).to.deep.include({ framework: { user: 'u', name: 'n', roles: ['a', 'b'], capabilities: ['MULTI_ROLE'] } });
  });

  it('takes a FrameworkInfo\'s offer_filters (min_allocatable_resources by role) and labels, as Mesos writes them, and writes them back', () => {
    const v1 = {
      user: 'u', name: 'n', role: 'eng',
      offer_filters: {
        eng: { min_allocatable_resources: { quantities: [{ quantities: { cpus: { value: 4 }, mem: { value: 1024 } } }, { quantities: { gpus: { value: 1 } } }] } },
        other: { min_allocatable_resources: {} },
        plain: {},
      },
      labels: { labels: [{ key: 'team', value: 'search' }, { key: 'bare' }] },
    };
    const subscribed = call({ type: 'SUBSCRIBE', subscribe: { framework_info: v1 } }) as { framework: FrameworkInfo };
    expect({ ...subscribed.framework.offerFilters }).to.deep.equal({ eng: { minAllocatableResources: [{ cpus: 4, mem: 1024 }, { gpus: 1 }] }, other: { minAllocatableResources: [] }, plain: {} });
    expect({ ...subscribed.framework.labels }).to.deep.equal({ team: 'search', bare: '' });
    expect(JSON.parse(JSON.stringify(v1FrameworkInfo(subscribed.framework)))).to.deep.equal({
      ...v1,
      offer_filters: { ...v1.offer_filters, other: { min_allocatable_resources: { quantities: [] } } },
      labels: { labels: [{ key: 'team', value: 'search' }, { key: 'bare', value: '' }] },
    });
  });
});
