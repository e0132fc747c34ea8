/**
 * The v1 scheduler API's protobuf codec (lib/v1/protobuf.ts): every event this cluster writes
 * survives protobuf unchanged, a call read from protobuf is the call read from its JSON, what
 * is not served is refused by name in protobuf too, and the field numbers are Mesos' (read back
 * by hand, spec/support/protobuf-wire.ts, not by the codec).
 */
import { expect } from 'chai';
import { errorEvent, failureEvent, heartbeatEvent, messageEvent, offersEvent, parseSchedulerCall, rescindEvent, subscribedEvent, updateEvent } from '../../../lib/v1/scheduler';
import * as executorApi from '../../../lib/v1/executor';
import { v1CallBytes, v1CallJson, v1EventBytes, v1EventJson } from '../../../lib/v1/protobuf';

const schedulerCallBytes = (call: V1Json): Uint8Array => v1CallBytes('scheduler', call);
const schedulerCallJson = (bytes: Uint8Array): ReturnType<typeof v1CallJson> => v1CallJson('scheduler', bytes);
const schedulerEventBytes = (event: V1Json): Uint8Array => v1EventBytes('scheduler', event);
const schedulerEventJson = (bytes: Uint8Array): V1Json => v1EventJson('scheduler', bytes);
import type { V1Json } from '../../../lib/v1/json';
import type { MasterInfo, Offer, TaskInfo, TaskStatus } from '../../../lib/protocol';
import { bytesAt, decodeMessage, encodeMessage, fieldsOf, varintAt, type WireMessage } from '../../support/protobuf-wire';
import { Prng } from '../../../lib/process';
import { MAX_PERSISTENCE_ID_LENGTH } from '../../../lib/resources';

const MASTER: MasterInfo = { id: 'm-1', ip: '10.0.0.7', port: 5050, pid: 'master@10.0.0.7:5050', hostname: 'master-1', version: '1.11.0' };
const ENDPOINT = { hostname: 'agent-1', ip: '10.0.0.8', port: 5051, actorId: 'slave(1)' };

const OFFER: Offer = {
  id: 'o-1', frameworkId: 'f-1', agentId: 'a-1', hostname: 'agent-1', allocationRole: 'eng',
  resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 1024 }, role: 'eng' },
    { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }] },
    // A dynamic reservation as the master holds it (`Resources.toJSON`: pre-refinement), labels and all.
    { name: 'gpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'ml' }, { key: 'spare' }] } } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31099 }, { begin: 40000, end: 40000 }] } },
    { name: 'disks', type: 'SET', set: { item: ['sda', 'sdb'] } },
    // A persistent volume, as the master holds it: its disk info goes out in every format.
    { name: 'disk', type: 'SCALAR', scalar: { value: 32 }, role: 'eng', reservation: { principal: 'ops' }, disk: { persistence: { id: 'db-data', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } },
  ],
  attributes: { rack: 'r1', slots: 4 },
  executorIds: ['e-1', 'e-2'],
};

/** One cpu dynamically reserved to `eng` by `ops` with a label, pre-refinement, as an ACCEPT's RESERVE names it. */
const RESERVED_CPUS = { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: { principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'db' }] } }, allocation_info: { role: 'eng' } };

/** A LAUNCH_GROUP of two tasks on a default executor (each task may name the executor or not), as an ACCEPT's operation in v1 JSON. */
const LAUNCH_GROUP: V1Json = {
  type: 'LAUNCH_GROUP',
  launch_group: {
    executor: { executor_id: { value: 'pod-1' }, framework_id: { value: 'f-1' }, type: 'DEFAULT', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: 'eng' } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }] },
    task_group: {
      tasks: [
        { name: 'web', task_id: { value: 'web-1' }, agent_id: { value: 'a-1' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }], command: { value: 'serve' } },
        { name: 'log', task_id: { value: 'log-1' }, agent_id: { value: 'a-1' }, command: { value: 'tail -f log' }, executor: { executor_id: { value: 'pod-1' }, type: 'DEFAULT' } },
      ],
    },
  },
};

const STATUS: TaskStatus = {
  taskId: 't-1', state: 'TASK_RUNNING', message: 'ok', source: 'SOURCE_EXECUTOR', reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
  data: 'some data', agentId: 'a-1', executorId: 'e-1', timestamp: 1_796_563_998.25, uuid: '0c1e7d1e-9a4e-4c51-8f8e-2a1d3f4b5c6d',
  healthy: false, checkStatus: { type: 'HTTP', http: { statusCode: 503 } }, unreachableTime: 1_796_563_990.5,
};

/** Every kind of event the scheduler API writes, each field it can carry set. */
const EVENTS: ReadonlyArray<readonly [string, V1Json]> = [
  ['SUBSCRIBED', subscribedEvent('f-1', 15, MASTER)],
  ['OFFERS (current format)', offersEvent([OFFER], () => ENDPOINT)],
  ['OFFERS (before MULTI_ROLE and reservation refinement)', offersEvent([OFFER], () => ENDPOINT, { multiRole: false, reservationRefinement: false })],
  ['RESCIND', rescindEvent('o-1')],
  ['UPDATE', updateEvent(STATUS)],
  ['UPDATE (TASK_LOST from the master, no uuid)', updateEvent({ taskId: 't-2', state: 'TASK_LOST', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION', message: 'Reconciliation: Task is unknown' })],
  ['UPDATE (a command check)', updateEvent({ taskId: 't-3', state: 'TASK_RUNNING', checkStatus: { type: 'COMMAND', command: { exitCode: 1 } } })],
  ['MESSAGE', messageEvent('a-1', 'e-1', 'hello')],
  ['FAILURE (an agent)', failureEvent({ agentId: 'a-1' })],
  ['FAILURE (an executor)', failureEvent({ agentId: 'a-1', executorId: 'e-1', status: 137 })],
  ['ERROR', errorEvent('Framework has been removed')],
  ['HEARTBEAT', heartbeatEvent()],
];

/** `value` as JSON would carry it (null-prototype maps and key order aside). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('lib/v1/protobuf: the scheduler API in protobuf', () => {
  for (const [name, event] of EVENTS) {
    it(`the ${name} event is the same after protobuf as before`, () => {
      expect(plain(schedulerEventJson(schedulerEventBytes(event)))).to.deep.equal(plain(event));
    });
  }

  it('a custom executor\'s own reason (no value of the enum) is left out in protobuf, the rest of its update kept', () => {
    const event = updateEvent({ taskId: 't-1', state: 'TASK_FAILED', reason: 'MY_OWN_REASON', message: 'why' });
    expect(plain(schedulerEventJson(schedulerEventBytes(event)))).to.deep.equal({ type: 'UPDATE', update: { status: { task_id: { value: 't-1' }, state: 'TASK_FAILED', message: 'why' } } });
  });

  it('writes Mesos\' field numbers (read back by hand): Event.type 1, subscribed 2 {framework_id 1, heartbeat 2, master_info 3 {id 1, ip 2, port 3}}', () => {
    const bytes = schedulerEventBytes(subscribedEvent('f-1', 15, MASTER));
    expect(varintAt(bytes, 1)).to.equal(1n);
    expect(bytesAt(bytes, 2, 1, 1)?.toString()).to.equal('f-1');
    expect(fieldsOf(bytesAt(bytes, 2) as Buffer, 2)).to.deep.equal([{ double: 15 }]);
    expect(bytesAt(bytes, 2, 3, 1)?.toString()).to.equal('m-1');
    expect(varintAt(bytes, 2, 3, 2), 'the IP packed as Mesos packs it').to.equal(BigInt(0x0700000a));
    expect(varintAt(bytes, 2, 3, 3)).to.equal(5050n);
    // UPDATE 5 {status 1 {task_id 1, state 2 (TASK_RUNNING 1), uuid 11 (16 bytes)}}; Event.type UPDATE is 4.
    const update = schedulerEventBytes(updateEvent(STATUS));
    expect([varintAt(update, 1), varintAt(update, 5, 1, 2), bytesAt(update, 5, 1, 11)?.length]).to.deep.equal([4n, 1n, 16]);
    // OFFERS 3 {offers 1 {resources 5 {ranges 4 {range 1 {begin 1, end 2}}}}}.
    const offers = schedulerEventBytes(offersEvent([OFFER], () => ENDPOINT));
    const ports = fieldsOf(bytesAt(offers, 3, 1) as Buffer, 5).find((resource) => bytesAt(resource as Buffer, 1)?.toString() === 'ports') as Buffer;
    expect(decodeMessage(ports).map(([field]) => field), 'name 1, type 2, ranges 4, allocation_info 11').to.deep.equal([1, 2, 4, 11]);
    const range = bytesAt(ports, 4, 1) as Buffer;
    expect([varintAt(range, 1), varintAt(range, 2)]).to.deep.equal([31000n, 31099n]);
  });

  it('a call read from protobuf is the call read from its JSON', () => {
    const calls: V1Json[] = [
      {
        type: 'SUBSCRIBE', framework_id: { value: 'f-1' }, subscribe: {
          framework_info: {
            user: 'u', name: 'n', id: { value: 'f-1' }, failover_timeout: 60, checkpoint: true, roles: ['eng', 'ops'], hostname: 'h', principal: 'p', webui_url: 'http://ui',
            capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }], labels: { labels: [{ key: 'team', value: 'x' }] },
            offer_filters: { eng: { min_allocatable_resources: { quantities: [{ quantities: { cpus: { value: 2 } } }] } } },
          },
          suppressed_roles: ['ops'],
        },
      },
      {
        type: 'ACCEPT', framework_id: { value: 'f-1' }, accept: {
          offer_ids: [{ value: 'o-1' }, { value: 'o-2' }],
          operations: [{
            type: 'LAUNCH', launch: {
              task_infos: [{
                name: 't', task_id: { value: 't-1' }, agent_id: { value: 'a-1' },
                resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, allocation_info: { role: 'eng' } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 }] } }],
                command: { value: 'sleep 1', shell: true, user: 'nobody', environment: { variables: [{ name: 'A', type: 'VALUE', value: '1' }] } },
                data: Buffer.from('payload').toString('base64'), kill_policy: { grace_period: { nanoseconds: 3_000_000_000 } }, labels: { labels: [{ key: 'k', value: 'v' }] },
                discovery: { visibility: 'CLUSTER', name: 'svc', ports: { ports: [{ number: 80, name: 'http', protocol: 'tcp' }] } },
                health_check: { type: 'HTTP', http: { port: 80, path: '/health', statuses: [200, 204] }, delay_seconds: 1, interval_seconds: 2, timeout_seconds: 3, consecutive_failures: 4, grace_period_seconds: 5 },
                check: { type: 'TCP', tcp: { port: 81 }, interval_seconds: 7 },
              }, {
                name: 'e', task_id: { value: 't-2' }, agent_id: { value: 'a-1' }, resources: [],
                executor: { executor_id: { value: 'e-1' }, framework_id: { value: 'f-1' }, command: { value: './exec', arguments: ['a', 'b'], shell: false }, resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 32 } }], name: 'ex', source: 'src' },
              }],
            },
          }],
          filters: { refuse_seconds: 30 },
        },
      },
      {
        type: 'ACCEPT', framework_id: { value: 'f-1' }, accept: {
          offer_ids: [{ value: 'o-4' }],
          operations: [
            { type: 'RESERVE', reserve: { resources: [RESERVED_CPUS, { name: 'mem', type: 'SCALAR', scalar: { value: 128 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }], allocation_info: { role: 'eng' } }] } },
            { type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 't-3' }, agent_id: { value: 'a-1' }, resources: [RESERVED_CPUS], command: { value: 'true' } }] } },
            { type: 'UNRESERVE', unreserve: { resources: [{ name: 'disk', type: 'SCALAR', scalar: { value: 10 }, role: 'eng', reservation: {} }] } },
          ],
        },
      },
      { type: 'ACCEPT', framework_id: { value: 'f-1' }, accept: { offer_ids: [{ value: 'o-5' }], operations: [LAUNCH_GROUP] } },
      { type: 'DECLINE', framework_id: { value: 'f-1' }, decline: { offer_ids: [{ value: 'o-3' }], filters: { refuse_seconds: 0 } } },
      { type: 'KILL', framework_id: { value: 'f-1' }, kill: { task_id: { value: 't-1' }, agent_id: { value: 'a-1' }, kill_policy: { grace_period: { nanoseconds: 1_000_000 } } } },
      { type: 'ACKNOWLEDGE', framework_id: { value: 'f-1' }, acknowledge: { agent_id: { value: 'a-1' }, task_id: { value: 't-1' }, uuid: Buffer.from('0c1e7d1e9a4e4c518f8e2a1d3f4b5c6d', 'hex').toString('base64') } },
      { type: 'RECONCILE', framework_id: { value: 'f-1' }, reconcile: { tasks: [{ task_id: { value: 't-1' }, agent_id: { value: 'a-1' } }] } },
      { type: 'MESSAGE', framework_id: { value: 'f-1' }, message: { agent_id: { value: 'a-1' }, executor_id: { value: 'e-1' }, data: Buffer.from('hi').toString('base64') } },
      { type: 'SHUTDOWN', framework_id: { value: 'f-1' }, shutdown: { executor_id: { value: 'e-1' }, agent_id: { value: 'a-1' } } },
      { type: 'REVIVE', framework_id: { value: 'f-1' }, revive: { roles: ['eng'] } },
      { type: 'SUPPRESS', framework_id: { value: 'f-1' }, suppress: { roles: ['ops'] } },
      { type: 'REQUEST', framework_id: { value: 'f-1' }, request: { requests: [{ agent_id: { value: 'a-1' } }] } },
      { type: 'TEARDOWN', framework_id: { value: 'f-1' } },
      { type: 'UPDATE_FRAMEWORK', framework_id: { value: 'f-1' }, update_framework: { framework_info: { user: 'u', name: 'n', id: { value: 'f-1' }, role: 'eng' } } },
    ];
    for (const call of calls) {
      const decoded = schedulerCallJson(schedulerCallBytes(call));
      if (!('json' in decoded)) throw new Error(decoded.error);
      const fromJson = parseSchedulerCall(call);
      expect(fromJson.ok, `${String(call.type)} from JSON`).to.equal(true);
      expect(parseSchedulerCall(decoded.json), String(call.type)).to.deep.equal(fromJson);
    }
  });

  it('refuses in protobuf, by name, what it refuses in JSON: a container, a disk source, offer constraints, a CREATE_DISK, a RESERVE with `source`; reads command URIs', () => {
    const launch = (task: V1Json): V1Json => ({ type: 'ACCEPT', framework_id: { value: 'f-1' }, accept: { offer_ids: [{ value: 'o-1' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] } });
    const task = { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, command: { value: 'true' } };
    // Built by hand where the codec has no content for a field (it keeps only the field's presence).
    const container = encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [[1, [[1, 'o-1']]], [2, [[1, 1], [2, [[1, [[1, 't'], [2, [[1, 't']]], [3, [[1, 'a']]], [7, [[3, 'true']]], [9, [[1, 1]]]]]]]]]]]]);
    // Resource.disk 7 {source 3 {type 1: MOUNT 2}}.
    const disk = encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [[2, [[1, 1], [2, [[1, [[1, 't'], [2, [[1, 't']]], [3, [[1, 'a']]], [4, [[1, 'disk'], [2, 0], [3, [[1, { double: 1 }]]], [7, [[3, [[1, 2]]]]]]]]]]]]]]]]);
    const uris = encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [[2, [[1, 1], [2, [[1, [[1, 't'], [2, [[1, 't']]], [3, [[1, 'a']]], [7, [[1, [[1, 'http://x']]], [3, 'true']]]]]]]]]]]]);
    const constraints = encodeMessage([[2, 1], [3, [[1, [[1, 'u'], [2, 'n']]], [3, [[1, []]]]]]]);
    const createDisk = schedulerCallBytes({ type: 'ACCEPT', framework_id: { value: 'f-1' }, accept: { operations: [{ type: 'CREATE_DISK' }] } });
    // Offer.Operation {type 1: RESERVE 2, reserve 3 {source 2}}: a reservation update, refused by name.
    const reserveSource = encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [[2, [[1, 2], [3, [[2, [[1, 'cpus'], [2, 0], [3, [[1, { double: 1 }]]]]]]]]]]]]);
    const refusal = (bytes: Uint8Array): string => {
      const decoded = schedulerCallJson(bytes);
      if (!('json' in decoded)) throw new Error(decoded.error);
      const parsed = parseSchedulerCall(decoded.json);
      return parsed.ok ? 'accepted' : parsed.error;
    };
    expect(parseSchedulerCall(launch(task)).ok, 'the same task without them').to.equal(true);
    expect(refusal(container)).to.match(/^accept\.operations\.0\.launch\.task_infos\.0\.container: not supported/);
    expect(refusal(disk)).to.equal("accept.operations.0.launch.task_infos.0.resources.0.disk: disk 'source' (MOUNT or PATH disks) is not supported");
    expect(refusal(uris)).to.equal('accepted');
    const read = schedulerCallJson(uris);
    expect('json' in read && (read.json as { accept: { operations: Array<{ launch: { task_infos: Array<{ command: unknown }> } }> } }).accept.operations[0]?.launch.task_infos[0]?.command).to.deep.equal({ uris: [{ value: 'http://x' }], value: 'true' });
    expect(refusal(constraints)).to.match(/^subscribe\.offer_constraints: offer constraints are not supported/);
    expect(refusal(createDisk)).to.equal("accept.operations.0.type: operation 'CREATE_DISK' is not supported (supported: LAUNCH, LAUNCH_GROUP, RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME, SHRINK_VOLUME)");
    expect(refusal(reserveSource)).to.match(/^accept\.operations\.0\.reserve\.source: .*not supported/);
  });

  it("reads an ACCEPT's RESERVE and UNRESERVE written by hand with Mesos' field numbers as the same operations as their JSON", () => {
    // Call {framework_id 1, type 2 (ACCEPT 3), accept 4 {offer_ids 1, operations 2}}; Offer.Operation {type 1 (RESERVE 2, UNRESERVE 3),
    // reserve 3 / unreserve 4 {resources 1}}; Resource {name 1, type 2 (SCALAR 0), scalar 3 {value 1}, role 6, reservation 8, allocation_info 11,
    // reservations 13}; ReservationInfo {principal 1, labels 2 {labels 1 {key 1, value 2}}, role 3, type 4 (DYNAMIC 2)}.
    const cpus: WireMessage = [[1, 'cpus'], [2, 0], [3, [[1, { double: 1 }]]], [6, 'eng'], [8, [[1, 'ops'], [2, [[1, [[1, 'purpose'], [2, 'db']]]]]]], [11, [[1, 'eng']]]];
    const mem: WireMessage = [[1, 'mem'], [2, 0], [3, [[1, { double: 128 }]]], [13, [[4, 2], [3, 'eng'], [1, 'ops']]]];
    const bytes = encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [
      [1, [[1, 'o-4']]],
      [2, [[1, 2], [3, [[1, cpus], [1, mem]]]]],
      [2, [[1, 3], [4, [[1, mem]]]]],
    ]]]);
    const json: V1Json = {
      type: 'ACCEPT', framework_id: { value: 'f-1' }, accept: {
        offer_ids: [{ value: 'o-4' }],
        operations: [
          { type: 'RESERVE', reserve: { resources: [RESERVED_CPUS, { name: 'mem', type: 'SCALAR', scalar: { value: 128 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }] }] } },
          { type: 'UNRESERVE', unreserve: { resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 128 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }] }] } },
        ],
      },
    };
    const decoded = schedulerCallJson(bytes);
    if (!('json' in decoded)) throw new Error(decoded.error);
    const fromJson = parseSchedulerCall(json);
    expect(fromJson.ok).to.equal(true);
    expect(parseSchedulerCall(decoded.json)).to.deep.equal(fromJson);
    expect(fromJson.ok && fromJson.call.type === 'ACCEPT' ? fromJson.call.operations.map((operation) => operation.type) : []).to.deep.equal(['RESERVE', 'UNRESERVE']);
    // And the codec writes those numbers (the JSON to bytes, read back by hand).
    const written = schedulerCallBytes(json);
    const reserve = bytesAt(written, 4, 2) as Buffer;
    expect(varintAt(reserve, 1), 'RESERVE').to.equal(2n);
    const [writtenCpus, writtenMem] = fieldsOf(bytesAt(reserve, 3) as Buffer, 1) as Buffer[];
    expect([bytesAt(writtenCpus!, 6)?.toString(), bytesAt(writtenCpus!, 8, 1)?.toString(), bytesAt(writtenCpus!, 8, 2, 1, 1)?.toString(), bytesAt(writtenCpus!, 8, 2, 1, 2)?.toString()]).to.deep.equal(['eng', 'ops', 'purpose', 'db']);
    expect([varintAt(writtenMem!, 13, 4), bytesAt(writtenMem!, 13, 3)?.toString(), bytesAt(writtenMem!, 13, 1)?.toString()], 'DYNAMIC is 2').to.deep.equal([2n, 'eng', 'ops']);
  });

  it('writes an offer\'s dynamic reservation with Mesos\' field numbers: refined as reservations 13 {type 4 DYNAMIC 2, role 3, principal 1, labels 2}, before refinement as role 6 and reservation 8', () => {
    const gpusOf = (bytes: Uint8Array): Buffer => fieldsOf(bytesAt(bytes, 3, 1) as Buffer, 5).find((resource) => bytesAt(resource as Buffer, 1)?.toString() === 'gpus') as Buffer;
    const refined = gpusOf(schedulerEventBytes(offersEvent([OFFER], () => ENDPOINT)));
    expect([varintAt(refined, 13, 4), bytesAt(refined, 13, 3)?.toString(), bytesAt(refined, 13, 1)?.toString()]).to.deep.equal([2n, 'eng', 'ops']);
    expect((fieldsOf(bytesAt(refined, 13, 2) as Buffer, 1) as Buffer[]).map((label) => [bytesAt(label, 1)?.toString(), bytesAt(label, 2)?.toString()])).to.deep.equal([['purpose', 'ml'], ['spare', undefined]]);
    expect(fieldsOf(refined, 6), 'no role').to.deep.equal([]);
    const old = gpusOf(schedulerEventBytes(offersEvent([OFFER], () => ENDPOINT, { multiRole: false, reservationRefinement: false })));
    expect([bytesAt(old, 6)?.toString(), bytesAt(old, 8, 1)?.toString(), bytesAt(old, 8, 2, 1, 1)?.toString()]).to.deep.equal(['eng', 'ops', 'purpose']);
    expect(fieldsOf(old, 13), 'no reservations').to.deep.equal([]);
  });

  describe('persistent volumes', () => {
    // Resource {name 1, type 2 (SCALAR 0), scalar 3 {value 1}, role 6, disk 7, reservation 8 {principal 1}}; DiskInfo {persistence 1
    // {id 1, principal 2}, volume 2, source 3}; Volume {container_path 1, host_path 2, mode 3 (RW 1, RO 2), image 4, source 5}.
    const diskInfo = (persistence: WireMessage, volume: WireMessage, rest: WireMessage = []): WireMessage => [[1, persistence], [2, volume], ...rest];
    const volumeResource = (disk: WireMessage): WireMessage => [[1, 'disk'], [2, 0], [3, [[1, { double: 64 }]]], [6, 'eng'], [7, disk], [8, [[1, 'ops']]]];
    const GOOD_DISK = diskInfo([[1, 'db-data'], [2, 'ops']], [[1, 'data'], [3, 1]]);
    /** Call {framework_id 1, type 2 (ACCEPT 3), accept 4 {offer_ids 1, operations 2}}; Offer.Operation {type 1 (CREATE 4, DESTROY 5), create 5 / destroy 6 {volumes 1}}. */
    const acceptOf = (...operations: WireMessage[]): Buffer => encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [[1, [[1, 'o-1']]], ...operations.map((operation) => [2, operation] as const)]]]);
    const createOf = (disk: WireMessage): WireMessage => [[1, 4], [5, [[1, volumeResource(disk)]]]];
    const JSON_VOLUME = { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, role: 'eng', reservation: { principal: 'ops' }, disk: { persistence: { id: 'db-data', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } };
    /** What the one parser says of `bytes` decoded: the call, or its refusal; a body that is no Call, `no Call: <why>`. */
    const parsedOf = (bytes: Uint8Array): ReturnType<typeof parseSchedulerCall> | string => {
      const decoded = schedulerCallJson(bytes);
      return 'json' in decoded ? parseSchedulerCall(decoded.json) : `no Call: ${decoded.error}`;
    };

    it("reads an ACCEPT's CREATE and DESTROY written by hand with Mesos' field numbers as the same operations as their JSON, and writes those numbers", () => {
      const bytes = acceptOf(createOf(GOOD_DISK), [[1, 5], [6, [[1, volumeResource(GOOD_DISK)]]]]);
      const json: V1Json = {
        type: 'ACCEPT', framework_id: { value: 'f-1' },
        accept: { offer_ids: [{ value: 'o-1' }], operations: [{ type: 'CREATE', create: { volumes: [JSON_VOLUME] } }, { type: 'DESTROY', destroy: { volumes: [JSON_VOLUME] } }] },
      };
      const fromJson = parseSchedulerCall(json);
      expect(fromJson.ok).to.equal(true);
      expect(parsedOf(bytes)).to.deep.equal(fromJson);
      const written = schedulerCallBytes(json);
      const [create, destroy] = fieldsOf(bytesAt(written, 4) as Buffer, 2) as Buffer[];
      expect([varintAt(create!, 1), varintAt(destroy!, 1)], 'CREATE 4, DESTROY 5').to.deep.equal([4n, 5n]);
      const volume = bytesAt(create!, 5, 1) as Buffer;
      expect(bytesAt(destroy!, 6, 1), 'the same volume in destroy 6').to.deep.equal(volume);
      expect([bytesAt(volume, 7, 1, 1)?.toString(), bytesAt(volume, 7, 1, 2)?.toString(), bytesAt(volume, 7, 2, 1)?.toString(), varintAt(volume, 7, 2, 3)]).to.deep.equal(['db-data', 'ops', 'data', 1n]);
    });

    it("reads an ACCEPT's GROW_VOLUME and SHRINK_VOLUME written by hand with Mesos' field numbers (grow_volume 13 {volume 1, addition 2}, shrink_volume 14 {volume 1, subtract 2}) as their JSON", () => {
      // Offer.Operation.Type GROW_VOLUME 11, SHRINK_VOLUME 12; the addition is reserved disk: Resource without disk 7.
      const addition: WireMessage = [[1, 'disk'], [2, 0], [3, [[1, { double: 16 }]]], [6, 'eng'], [8, [[1, 'ops']]]];
      const bytes = acceptOf([[1, 11], [13, [[1, volumeResource(GOOD_DISK)], [2, addition]]]], [[1, 12], [14, [[1, volumeResource(GOOD_DISK)], [2, [[1, { double: 8 }]]]]]]);
      const { disk: _disk, ...reservedDisk } = JSON_VOLUME;
      const json: V1Json = {
        type: 'ACCEPT', framework_id: { value: 'f-1' },
        accept: { offer_ids: [{ value: 'o-1' }], operations: [
          { type: 'GROW_VOLUME', grow_volume: { volume: JSON_VOLUME, addition: { ...reservedDisk, scalar: { value: 16 } } } },
          { type: 'SHRINK_VOLUME', shrink_volume: { volume: JSON_VOLUME, subtract: { value: 8 } } },
        ] },
      };
      const fromJson = parseSchedulerCall(json);
      expect(fromJson.ok).to.equal(true);
      expect(parsedOf(bytes)).to.deep.equal(fromJson);
      const operations = fromJson.ok && fromJson.call.type === 'ACCEPT' ? fromJson.call.operations : [];
      expect(operations.map((operation) => operation.type)).to.deep.equal(['GROW_VOLUME', 'SHRINK_VOLUME']);
      expect(operations[1]?.shrinkVolume?.subtract).to.deep.equal({ value: 8 });
    });

    it("writes an offered volume's disk with Mesos' field numbers (disk 7 {persistence 1 {id 1, principal 2}, volume 2 {container_path 1, mode 3: RW 1}}), in either offer format", () => {
      for (const format of [{ multiRole: true, reservationRefinement: true }, { multiRole: false, reservationRefinement: false }]) {
        const offer = bytesAt(schedulerEventBytes(offersEvent([OFFER], () => ENDPOINT, format)), 3, 1) as Buffer;
        const volumes = (fieldsOf(offer, 5) as Buffer[]).filter((resource) => fieldsOf(resource, 7).length > 0);
        expect(volumes, JSON.stringify(format)).to.have.length(1);
        const [volume] = volumes as [Buffer];
        expect([bytesAt(volume, 1)?.toString(), bytesAt(volume, 7, 1, 1)?.toString(), bytesAt(volume, 7, 1, 2)?.toString(), bytesAt(volume, 7, 2, 1)?.toString(), varintAt(volume, 7, 2, 3)])
          .to.deep.equal(['disk', 'db-data', 'ops', 'data', 1n]);
        expect(fieldsOf(bytesAt(volume, 7, 2) as Buffer, 2), 'no host_path').to.deep.equal([]);
      }
    });

    it('refuses a hostile volume in protobuf as in JSON, naming it: a host path, a disk source, a volume image or source, a huge persistence id, a mode of no name', () => {
      const at = 'accept.operations.0.create.volumes.0.disk';
      const refusal = (disk: WireMessage): string => {
        const parsed = parsedOf(acceptOf(createOf(disk)));
        return typeof parsed === 'string' ? parsed : parsed.ok ? 'accepted' : parsed.error;
      };
      expect(refusal(GOOD_DISK)).to.equal('accepted');
      expect(refusal(diskInfo([[1, 'p']], [[1, 'data'], [2, '/etc'], [3, 1]]))).to.equal(`${at}: expecting 'host_path' to be unset for a persistent volume`);
      // DiskInfo.source {type 1: PATH 1, path 2 {root 1}}: its content is not read, its presence is refused.
      expect(refusal(diskInfo([[1, 'p']], [[1, 'data'], [3, 1]], [[3, [[1, 1], [2, [[1, '/mnt/disk1']]]]]]))).to.equal(`${at}: disk 'source' (MOUNT or PATH disks) is not supported`);
      expect(refusal(diskInfo([[1, 'p']], [[1, 'data'], [3, 1], [4, [[1, 1]]]]))).to.equal(`${at}: volume field 'image' is not supported`);
      expect(refusal(diskInfo([[1, 'p']], [[1, 'data'], [3, 1], [5, [[1, 4]]]]))).to.equal(`${at}: volume field 'source' is not supported`);
      expect(refusal(diskInfo([[1, 'x'.repeat(100_000)]], [[1, 'data'], [3, 1]]))).to.equal(`${at}.persistence.id: must be at most ${MAX_PERSISTENCE_ID_LENGTH} characters`);
      expect(refusal(diskInfo([[1, 'p']], [[1, '/etc'], [3, 1]]))).to.match(new RegExp(`^${at}: persistent volume: container path '/etc' is absolute`));
      // Mode 9 is no Volume.Mode: proto2 keeps it aside, so the volume has none, and is refused for it.
      expect(refusal(diskInfo([[1, 'p']], [[1, 'data'], [3, 9]]))).to.match(new RegExp(`^${at}\\.volume\\.mode: `));
      // Persistence.id and Volume.container_path and mode are required, as in Mesos.
      expect(refusal(diskInfo([[2, 'ops']], [[1, 'data'], [3, 1]]))).to.equal("no Call: missing required 'id'");
      expect(refusal(diskInfo([[1, 'p']], [[1, 'data']]))).to.equal("no Call: missing required 'mode'");
    });

    it('refuses a DiskInfo with a field of the wrong wire type, naming the field (the decoder read them as their declared type: an empty persistence, an id of the next bytes)', () => {
      const refusal = (disk: WireMessage): string => {
        const decoded = schedulerCallJson(acceptOf(createOf(disk)));
        return 'error' in decoded ? decoded.error : `decoded: ${JSON.stringify(decoded.json)}`;
      };
      expect(refusal([[1, 5], [2, [[1, 'data'], [3, 1]]]])).to.equal("field 'persistence' (1) of mesos.v1.Resource.DiskInfo has wire type 0 (varint), expected 2 (length-delimited)");
      expect(refusal(diskInfo([[1, 7]], [[1, 'data'], [3, 1]]))).to.equal("field 'id' (1) of mesos.v1.Resource.DiskInfo.Persistence has wire type 0 (varint), expected 2 (length-delimited)");
      expect(refusal(diskInfo([[1, 'p']], [[1, 'data'], [3, 'RW']]))).to.equal("field 'mode' (3) of mesos.v1.Volume has wire type 2 (length-delimited), expected 0 (varint)");
      expect(refusal(diskInfo([[1, 'p']], [[1, 'data'], [3, { double: 1 }]]))).to.equal("field 'mode' (3) of mesos.v1.Volume has wire type 1 (64-bit), expected 0 (varint)");
      expect(refusal([[1, [[1, 'p']]], [2, [[1, 'data'], [3, 1]]], [3, 1]])).to.equal("field 'source' (3) of mesos.v1.Resource.DiskInfo has wire type 0 (varint), expected 2 (length-delimited)");
      // An embedded message longer than its parent, and a field no declaration names (skipped, as protobuf does).
      const overlong = Buffer.concat([encodeMessage([[1, [[1, 'p']]]]).subarray(0, 1), Buffer.from([0x7f]), Buffer.from('p')]);
      expect(refusal([[1, overlong]]), 'the bytes say the id is 127 bytes long; its persistence holds 1').to.equal("field 'id' (1) of mesos.v1.Resource.DiskInfo.Persistence runs past the end of its message");
      expect(refusal([...GOOD_DISK, [15, 3]])).to.match(/^decoded: /);
    });

    it('never throws on hostile bytes: 2,000 seeded mutations of a CREATE (seed 20261207) each decode or are refused with a reason', () => {
      const seed = 20261207;
      const prng = new Prng(seed);
      const valid = acceptOf(createOf(GOOD_DISK), [[1, 5], [6, [[1, volumeResource(GOOD_DISK)]]]]);
      let refused = 0;
      for (let round = 0; round < 2_000; round++) {
        const bytes = Buffer.from(valid);
        for (let flips = 1 + prng.nextInt(4); flips > 0; flips--) bytes[prng.nextInt(bytes.length)] = prng.nextInt(256);
        const decoded = schedulerCallJson(bytes);
        if ('error' in decoded) {
          expect(decoded.error, `seed ${seed}, round ${round}`).to.be.a('string').and.not.equal('');
          refused++;
        } else {
          expect(parseSchedulerCall(decoded.json).ok, `seed ${seed}, round ${round}`).to.be.a('boolean');
        }
      }
      expect(refused, 'most mutations are no Call').to.be.greaterThan(100);
    });
  });

  it('reads an enum value it does not know as proto2 does, as absent: an unknown capability is ignored, a call with an unknown type has none', () => {
    // FrameworkInfo.capabilities 10 {type 1}: 60 is no capability; MULTI_ROLE is 6.
    const subscribe = encodeMessage([[2, 1], [3, [[1, [[1, 'u'], [2, 'n'], [10, [[1, 60]]], [10, [[1, 6]]], [12, 'eng']]]]]]);
    const decoded = schedulerCallJson(subscribe);
    if (!('json' in decoded)) throw new Error(decoded.error);
    const parsed = parseSchedulerCall(decoded.json);
    expect(parsed.ok && parsed.call.type === 'SUBSCRIBE' ? parsed.call.framework : undefined).to.deep.equal({ user: 'u', name: 'n', roles: ['eng'], capabilities: ['MULTI_ROLE'] });
    expect(schedulerCallJson(encodeMessage([[2, 99]]))).to.deep.equal({ json: {} });
  });

  it('never throws on hostile bytes: 2,000 seeded mutations of a real call (seed 20261206) each decode or are refused with a reason', () => {
    const seed = 20261206;
    const prng = new Prng(seed);
    const valid = Buffer.from(schedulerCallBytes({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', roles: ['a'], capabilities: [{ type: 'MULTI_ROLE' }], labels: { labels: [{ key: 'k', value: 'v' }] } } } }));
    let refused = 0;
    for (let round = 0; round < 2_000; round++) {
      const bytes = Buffer.from(valid);
      for (let flips = 1 + prng.nextInt(4); flips > 0; flips--) bytes[prng.nextInt(bytes.length)] = prng.nextInt(256);
      const decoded = schedulerCallJson(bytes.subarray(0, 1 + prng.nextInt(bytes.length)));
      if ('error' in decoded) {
        expect(decoded.error, `seed ${seed}, round ${round}`).to.be.a('string').and.not.equal('');
        refused++;
      } else {
        // What decodes is checked by the one parser, which answers either way without throwing.
        expect(parseSchedulerCall(decoded.json).ok, `seed ${seed}, round ${round}`).to.be.a('boolean');
      }
    }
    expect(refused, 'most mutations are no Call').to.be.greaterThan(100);
  });

  it("reads an ACCEPT's LAUNCH_GROUP written by hand with Mesos' field numbers as the same operation as its JSON; one without its executor or task group is no Call", () => {
    // Offer.Operation {type 1 (LAUNCH_GROUP 6), launch_group 7 {executor 1, task_group 2 {tasks 1}}}; ExecutorInfo {executor_id 1,
    // resources 5, command 7, type 15 (DEFAULT 1, CUSTOM 2)}; TaskInfo {name 1, task_id 2, agent_id 3, resources 4, executor 5, command 7}.
    const executor: WireMessage = [[1, [[1, 'pod-1']]], [5, [[1, 'cpus'], [2, 0], [3, [[1, { double: 0.1 }]]]]], [15, 1]];
    const task = (id: string): WireMessage => [[1, id], [2, [[1, id]]], [3, [[1, 'a-1']]], [4, [[1, 'mem'], [2, 0], [3, [[1, { double: 32 }]]]]], [7, [[3, `run ${id}`]]]];
    const bytes = encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [[1, [[1, 'o-1']]], [2, [[1, 6], [7, [[1, executor], [2, [[1, task('a')], [1, [...task('b'), [5, executor]]]]]]]]]]]]);
    const v1Task = (id: string): V1Json => ({ name: id, task_id: { value: id }, agent_id: { value: 'a-1' }, resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 32 } }], command: { value: `run ${id}` } });
    const v1Executor = { executor_id: { value: 'pod-1' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }], type: 'DEFAULT' };
    const json: V1Json = {
      type: 'ACCEPT', framework_id: { value: 'f-1' },
      accept: { offer_ids: [{ value: 'o-1' }], operations: [{ type: 'LAUNCH_GROUP', launch_group: { executor: v1Executor, task_group: { tasks: [v1Task('a'), { ...v1Task('b'), executor: v1Executor }] } } }] },
    };
    const decoded = schedulerCallJson(bytes);
    if (!('json' in decoded)) throw new Error(decoded.error);
    expect(plain(decoded.json)).to.deep.equal(plain(json));
    const parsed = parseSchedulerCall(decoded.json);
    expect(parsed).to.deep.equal(parseSchedulerCall(json));
    const group = parsed.ok && parsed.call.type === 'ACCEPT' ? parsed.call.operations[0]?.launchGroup : undefined;
    expect(group?.executor).to.deep.equal({ executorId: 'pod-1', type: 'DEFAULT', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }] });
    expect(group?.taskGroup.tasks.map((each) => [each.taskId, each.command?.value, each.executor?.type])).to.deep.equal([['a', 'run a', undefined], ['b', 'run b', 'DEFAULT']]);
    // Both are required in Mesos' LaunchGroup: a protobuf body without one is no Call (Mesos: 400 `Failed to parse body into Call protobuf`).
    const withoutExecutor = encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [[2, [[1, 6], [7, [[2, [[1, task('a')]]]]]]]]]]);
    expect(schedulerCallJson(withoutExecutor)).to.deep.equal({ error: "missing required 'executor'" });
    const withoutGroup = encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [[2, [[1, 6], [7, [[1, executor]]]]]]]]);
    expect(schedulerCallJson(withoutGroup)).to.deep.equal({ error: "missing required 'task_group'" });
    // An executor type this cluster's enum does not name (a newer Mesos') is absent, as proto2 keeps it among unknown fields: the master says the type must be set.
    const newerType = encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [[2, [[1, 6], [7, [[1, [[1, [[1, 'pod-1']]], [15, 9]]], [2, [[1, task('a')]]]]]]]]]]);
    const newer = schedulerCallJson(newerType);
    expect('json' in newer && (newer.json as { accept: { operations: Array<{ launch_group: { executor: V1Json } }> } }).accept.operations[0]?.launch_group.executor).to.deep.equal({ executor_id: { value: 'pod-1' } });
    // UNKNOWN (0) is a name of the enum: refused by name, as in JSON.
    const unknown = schedulerCallJson(encodeMessage([[1, [[1, 'f-1']]], [2, 3], [4, [[2, [[1, 6], [7, [[1, [[1, [[1, 'pod-1']]], [15, 0]]], [2, [[1, task('a')]]]]]]]]]]));
    expect('json' in unknown && parseSchedulerCall(unknown.json)).to.deep.equal({ ok: false, error: "accept.operations.0.launch_group.executor.type: executor type 'UNKNOWN' is not supported (supported: DEFAULT, CUSTOM)" });
  });

  it('refuses bytes that are no Call, naming why: cut short, a required field missing, a field of the wrong wire type', () => {
    const cut = encodeMessage([[2, 1], [3, [[1, [[1, 'u'], [2, 'n']]]]]]).subarray(0, 6);
    expect(schedulerCallJson(cut)).to.have.property('error').that.is.a('string').and.not.equal('');
    expect(schedulerCallJson(encodeMessage([[2, 1], [3, [[1, [[1, 'u']]]]]]))).to.deep.equal({ error: "missing required 'name'" });
    expect(schedulerCallJson(encodeMessage([[2, 'SUBSCRIBE']]))).to.have.property('error');
  });

  describe('the executor API', () => {
    const TASK: TaskInfo = {
      name: 'web', taskId: 't-1', agentId: 'a-1', resources: OFFER.resources,
      command: { value: 'serve', shell: false, arguments: ['serve', '--port', '80'], user: 'www', environment: { MODE: 'prod' } },
      data: 'task data', killPolicy: { gracePeriodSeconds: 2.5 }, labels: { tier: 'front' },
      discovery: { visibility: 'EXTERNAL', name: 'web', ports: { ports: [{ number: 80, name: 'http', protocol: 'tcp' }] } },
      healthCheck: { type: 'COMMAND', command: { value: 'true' }, delaySeconds: 1, consecutiveFailures: 2 },
      check: { type: 'HTTP', http: { port: 80, path: '/ready' }, timeoutSeconds: 3 },
    };
    const EXECUTOR = { executorId: 'e-1', frameworkId: 'f-1', command: { value: './executor' }, resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.1 } }], name: 'the executor', source: 'src' };
    const DEFAULT_EXECUTOR = { executorId: 'pod-1', frameworkId: 'f-1', type: 'DEFAULT' as const, resources: EXECUTOR.resources };
    const FRAMEWORK = { user: 'u', name: 'n', id: 'f-1', roles: ['eng'], capabilities: ['MULTI_ROLE' as const], failoverTimeout: 60, checkpoint: true, principal: 'p', labels: { a: 'b' } };
    const AGENT = { id: 'a-1', hostname: 'agent-1', port: 5051, resources: OFFER.resources, attributes: { rack: 'r1', slots: 4 } };
    const EXECUTOR_EVENTS: ReadonlyArray<readonly [string, V1Json]> = [
      ['SUBSCRIBED', executorApi.subscribedEvent(EXECUTOR, FRAMEWORK, AGENT, 'run-1')],
      ['LAUNCH', executorApi.launchEvent(TASK)],
      ['LAUNCH_GROUP', executorApi.launchGroupEvent([TASK, { ...TASK, taskId: 't-2', executor: EXECUTOR }])],
      ['LAUNCH_GROUP (the default executor: a type, no command)', executorApi.launchGroupEvent([{ ...TASK, executor: DEFAULT_EXECUTOR }, { ...TASK, taskId: 't-2', executor: DEFAULT_EXECUTOR }])],
      ['SUBSCRIBED (the default executor)', executorApi.subscribedEvent(DEFAULT_EXECUTOR, FRAMEWORK, AGENT, 'run-2')],
      ['KILL', executorApi.killEvent('t-1', 4)],
      ['ACKNOWLEDGED', executorApi.acknowledgedEvent('t-1', '0c1e7d1e-9a4e-4c51-8f8e-2a1d3f4b5c6d')],
      ['MESSAGE', executorApi.messageEvent('hello')],
      ['SHUTDOWN', executorApi.shutdownEvent()],
      ['ERROR', executorApi.errorEvent('no')],
      ['HEARTBEAT', executorApi.heartbeatEvent()],
    ];
    for (const [name, event] of EXECUTOR_EVENTS) {
      it(`the ${name} event is the same after protobuf as before`, () => {
        expect(plain(v1EventJson('executor', v1EventBytes('executor', event)))).to.deep.equal(plain(event));
      });
    }

    it("writes LAUNCH_GROUP with Mesos' field numbers (read back by hand): Event.type 8, launch_group 8 {task_group 1 {tasks 1}}, the executor's type 15", () => {
      const bytes = v1EventBytes('executor', executorApi.launchGroupEvent([{ ...TASK, executor: DEFAULT_EXECUTOR }, { ...TASK, taskId: 't-2', executor: DEFAULT_EXECUTOR }]));
      expect(varintAt(bytes, 1)).to.equal(8n);
      const tasks = fieldsOf(bytesAt(bytes, 8, 1) as Buffer, 1) as Buffer[];
      expect(tasks.map((task) => bytesAt(task, 2, 1)?.toString())).to.deep.equal(['t-1', 't-2']);
      expect(tasks.map((task) => varintAt(task, 5, 15)), 'ExecutorInfo.type DEFAULT (1)').to.deep.equal([1n, 1n]);
      expect(tasks.map((task) => bytesAt(task, 5, 7)), 'no command for the default executor').to.deep.equal([undefined, undefined]);
    });

    it('a call read from protobuf is the call read from its JSON (Call.Message.data is field 2, as in Mesos)', () => {
      const ids = { executor_id: { value: 'e-1' }, framework_id: { value: 'f-1' } };
      const status = { task_id: { value: 't-1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: Buffer.from('0c1e7d1e9a4e4c518f8e2a1d3f4b5c6d', 'hex').toString('base64'), healthy: true, check_status: { type: 'TCP', tcp: { succeeded: true } }, message: 'up', timestamp: 12.5 };
      const calls: V1Json[] = [
        { ...ids, type: 'SUBSCRIBE', subscribe: { unacknowledged_tasks: [{ name: 'web', task_id: { value: 't-1' }, agent_id: { value: 'a-1' } }], unacknowledged_updates: [{ status }] } },
        { ...ids, type: 'UPDATE', update: { status } },
        { ...ids, type: 'MESSAGE', message: { data: Buffer.from('hi').toString('base64') } },
        { ...ids, type: 'HEARTBEAT' },
      ];
      for (const call of calls) {
        const decoded = v1CallJson('executor', v1CallBytes('executor', call));
        if (!('json' in decoded)) throw new Error(decoded.error);
        const fromJson = executorApi.parseExecutorCall(call);
        expect(fromJson.ok, `${String(call.type)} from JSON`).to.equal(true);
        expect(executorApi.parseExecutorCall(decoded.json), String(call.type)).to.deep.equal(fromJson);
      }
      const message = encodeMessage([[1, [[1, 'e-1']]], [2, [[1, 'f-1']]], [3, 3], [6, [[2, 'hi']]]]);
      const decoded = v1CallJson('executor', message);
      expect('json' in decoded ? executorApi.parseExecutorCall(decoded.json) : decoded).to.deep.equal({ ok: true, call: { type: 'MESSAGE', frameworkId: 'f-1', executorId: 'e-1', data: 'hi' } });
    });
  });
});
