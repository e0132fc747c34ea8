/**
 * The v1 operator API's calls and the pieces of its answers that are plain protocol types
 * (Mesos' `v1/master/master.proto` in JSON): `parseOperatorCall` checks a POSTed call and turns
 * it into this project's types, with an error naming the first bad field (Mesos' words where it
 * has them: "Expecting 'teardown' to be present"). Unknown fields are ignored, as protobuf's
 * JSON parser ignores them; a type Mesos defines but this master does not serve is told apart
 * from one Mesos does not define (501 against 400).
 */
import { z } from 'zod';
import type { DrainConfig, DrainInfo, Operation, OperationStatus, Task } from '../protocol';
import type { ResourceJSON } from '../resources';
import type { StateViewer } from '../state-json';
import { checkedCall, v1Number, v1NumberField, v1IdValue, v1List, v1Text, v1Uuid, v1Labels, v1HealthCheck, v1Id, v1OfferOperation, v1OperationStatus, v1Resources, v1TaskStatus, UNKNOWN_CALL_REFUSAL, type V1CallRefusal, type V1Json } from './json';
import { ownRecord } from '../protocol/own-record';
import { boundedText, MAX_QUOTED_INPUT_CHARS } from '../protocol/plain';
import { parseMachineIdsJson, parseScheduleJson, type MachineId, type MaintenanceSchedule } from '../maintenance';

/** Most entries a call's lists (weight infos, quota configs) may have. */
export const MAX_OPERATOR_CALL_ENTRIES = 1_000;

/** Longest path a LIST_FILES or READ_FILE call may name. */
export const MAX_FILE_PATH_CHARS = 4_096;

const text = v1Text;
const idValue = v1IdValue;
const list = <T extends z.ZodType>(item: T): z.ZodArray<T> => v1List(item, MAX_OPERATOR_CALL_ENTRIES);
const path = z.string().max(MAX_FILE_PATH_CHARS, `must be at most ${MAX_FILE_PATH_CHARS} characters`);
/** A protobuf (u)int64: a JSON number, or its decimal text (as protobuf's JSON mapping writes 64-bit integers). */
const nonNegative = z.union([
  z.number().int('must be an integer').nonnegative('must not be negative'),
  z.string().regex(/^[0-9]{1,16}$/, 'must be a non-negative integer').transform(Number),
], { error: 'must be a non-negative integer' });
/** A map of resource name to `Value.Scalar` (`{"cpus": {"value": 1}}`), as protobuf maps are in JSON. */
const scalarMap = ownRecord(text, z.object({ value: v1Number(z.number().nonnegative('must not be negative')) }));

/** The largest verbosity level SET_LOGGING_LEVEL takes: its `level` is a protobuf uint32. */
export const MAX_LOGGING_LEVEL = 2 ** 32 - 1;

/** SET_LOGGING_LEVEL's `set_logging_level`, on the master's and the agent's operator APIs alike. */
export const setLoggingLevelSchema = z.object({
  level: nonNegative.pipe(z.number().max(MAX_LOGGING_LEVEL, `must be at most ${MAX_LOGGING_LEVEL} (a uint32)`)),
  duration: z.object({ nanoseconds: nonNegative }),
});

/** A checked `set_logging_level` as the call both APIs run. */
export function setLoggingLevelCall(set: z.infer<typeof setLoggingLevelSchema>): LoggingLevelCall {
  return { type: 'SET_LOGGING_LEVEL', level: set.level, durationMs: set.duration.nanoseconds / 1e6 };
}

const callSchema = z.object({
  type: text,
  get_metrics: z.object({ timeout: z.object({ nanoseconds: nonNegative }).optional() }).optional(),
  set_logging_level: setLoggingLevelSchema.optional(),
  list_files: z.object({ path }).optional(),
  read_file: z.object({ path, offset: nonNegative, length: nonNegative.optional() }).optional(),
  update_weights: z.object({ weight_infos: list(z.object({ weight: v1NumberField, role: text.optional() })).default([]) }).optional(),
  update_quota: z.object({
    force: z.boolean().optional(),
    quota_configs: list(z.object({ role: text, guarantees: scalarMap.optional(), limits: scalarMap.optional() })).default([]),
  }).optional(),
  // Mesos' legacy `QuotaRequest` (role, guarantee, force), checked as `POST /master/quota`'s body is.
  set_quota: z.object({ quota_request: z.unknown() }).optional(),
  remove_quota: z.object({ role: z.string() }).optional(),
  teardown: z.object({ framework_id: idValue }).optional(),
  mark_agent_gone: z.object({ agent_id: idValue }).optional(),
  drain_agent: z.object({
    agent_id: idValue,
    // A `google.protobuf.Duration` (seconds, an int64, and nanos), as Mesos' v1 call has it; checked in `drainRequest`.
    // Any other key is refused: `{"nanoseconds": N}` (a DurationInfo's shape, as the answers write
    // it) would otherwise be a Duration of 0, which kills every task at once.
    max_grace_period: z.strictObject(
      { seconds: v1Number(z.number().int('must be an integer')).optional(), nanos: v1Number(z.number().int('must be an integer')).optional() },
      { error: (issue) => (issue.code === 'unrecognized_keys' ? `${namedKeys(issue.keys)}: a google.protobuf.Duration has only 'seconds' and 'nanos'` : undefined) },
    ).optional(),
    mark_gone: z.boolean().optional(),
  }).optional(),
  deactivate_agent: z.object({ agent_id: idValue }).optional(),
  reactivate_agent: z.object({ agent_id: idValue }).optional(),
  // Resources are Mesos JSON lists, checked by the master (`Resources.fromJSON`); `source` (a reservation refinement's) is refused there.
  reserve_resources: z.object({ agent_id: idValue, resources: list(z.unknown()).default([]), source: list(z.unknown()).optional() }).optional(),
  unreserve_resources: z.object({ agent_id: idValue, resources: list(z.unknown()).default([]) }).optional(),
  create_volumes: z.object({ agent_id: idValue, volumes: list(z.unknown()).default([]) }).optional(),
  destroy_volumes: z.object({ agent_id: idValue, volumes: list(z.unknown()).default([]) }).optional(),
  // Mesos makes `agent_id` optional (unset for a resource provider's volume, which this cluster has none of), and its validation asks for it (`AGENT_ID_REQUIRED`).
  grow_volume: z.object({ agent_id: idValue.optional(), volume: z.unknown().optional(), addition: z.unknown().optional() }).optional(),
  shrink_volume: z.object({ agent_id: idValue.optional(), volume: z.unknown().optional(), subtract: z.object({ value: v1NumberField }) }).optional(),
  // Maintenance: checked by lib/maintenance.ts (the same JSON as the v0 endpoints take).
  update_maintenance_schedule: z.object({ schedule: z.unknown().optional() }).optional(),
  start_maintenance: z.object({ machines: z.unknown().optional() }).optional(),
  stop_maintenance: z.object({ machines: z.unknown().optional() }).optional(),
});

/** One role's quota as an UPDATE_QUOTA call sets it (Mesos' `QuotaConfig`): resource name → amount. */
export interface QuotaConfig {
  readonly role: string;
  readonly guarantees: Readonly<Record<string, number>>;
  readonly limits: Readonly<Record<string, number>>;
}

/** GET_LOGGING_LEVEL or SET_LOGGING_LEVEL (the level, and for how long), as the master's and the agent's v1 operator APIs take them. */
export type LoggingLevelCall = { type: 'GET_LOGGING_LEVEL' } | { type: 'SET_LOGGING_LEVEL'; level: number; durationMs: number };

/** A v1 operator call, checked and in this project's types. */
export type OperatorCall =
  | { type: 'GET_HEALTH' | 'GET_FLAGS' | 'GET_VERSION' | 'GET_STATE' | 'GET_AGENTS' | 'GET_FRAMEWORKS' | 'GET_EXECUTORS' | 'GET_TASKS' | 'GET_ROLES' | 'GET_WEIGHTS' | 'GET_QUOTA' | 'GET_MASTER' | 'GET_OPERATIONS' | 'SUBSCRIBE' }
  | { type: 'GET_METRICS'; timeoutMs?: number }
  | LoggingLevelCall
  | { type: 'LIST_FILES'; path: string }
  | { type: 'READ_FILE'; path: string; offset: number; length?: number }
  | { type: 'UPDATE_WEIGHTS'; weights: Array<{ role: string; weight: number }> }
  | { type: 'UPDATE_QUOTA'; force: boolean; configs: QuotaConfig[] }
  | { type: 'SET_QUOTA'; quotaRequest: unknown }
  | { type: 'REMOVE_QUOTA'; role: string }
  | { type: 'TEARDOWN'; frameworkId: string }
  | { type: 'MARK_AGENT_GONE'; agentId: string }
  | { type: 'DRAIN_AGENT'; agentId: string; maxGracePeriodNs?: number; markGone: boolean }
  | { type: 'DEACTIVATE_AGENT' | 'REACTIVATE_AGENT'; agentId: string }
  | { type: 'RESERVE_RESOURCES' | 'UNRESERVE_RESOURCES' | 'CREATE_VOLUMES' | 'DESTROY_VOLUMES'; agentId: string; resources: unknown[] }
  | { type: 'GROW_VOLUME'; agentId: string; volume: unknown; addition: unknown }
  | { type: 'SHRINK_VOLUME'; agentId: string; volume: unknown; subtract: number }
  | { type: 'GET_MAINTENANCE_STATUS' | 'GET_MAINTENANCE_SCHEDULE' }
  | { type: 'UPDATE_MAINTENANCE_SCHEDULE'; schedule: MaintenanceSchedule }
  | { type: 'START_MAINTENANCE' | 'STOP_MAINTENANCE'; machineIds: readonly MachineId[] };

/** The call types this master serves. */
export const OPERATOR_CALL_TYPES = [
  'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_TASKS',
  'GET_ROLES', 'GET_WEIGHTS', 'UPDATE_WEIGHTS', 'GET_QUOTA', 'UPDATE_QUOTA', 'SET_QUOTA', 'REMOVE_QUOTA', 'GET_MASTER', 'TEARDOWN', 'MARK_AGENT_GONE', 'LIST_FILES',
  'READ_FILE', 'SUBSCRIBE', 'RESERVE_RESOURCES', 'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME',
  'GET_OPERATIONS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL', 'DRAIN_AGENT', 'DEACTIVATE_AGENT', 'REACTIVATE_AGENT',
  'GET_MAINTENANCE_STATUS', 'GET_MAINTENANCE_SCHEDULE', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE', 'STOP_MAINTENANCE',
] as const;

/** A checked call; a bad one (400) with the reason naming the first bad field; UNKNOWN's (501). */
export type ParsedOperatorCall =
  | { ok: true; call: OperatorCall }
  | V1CallRefusal;

/**
 * Checks a v1 operator call (already parsed from JSON) and converts it.
 * @example parseOperatorCall({ type: 'TEARDOWN', teardown: { framework_id: { value: 'f-0000' } } })
 *   // { ok: true, call: { type: 'TEARDOWN', frameworkId: 'f-0000' } }
 */
export function parseOperatorCall(body: unknown): ParsedOperatorCall {
  const missing = (field: string): ParsedOperatorCall => ({ ok: false, error: `Expecting '${field}' to be present` });
  // An object with no type at all, in Mesos' validation's words (`type` is optional in master.proto).
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && (body as { type?: unknown }).type === undefined) return missing('type');
  const checked = checkedCall(callSchema, body);
  if (!checked.ok) return checked;
  const call = checked.value;
  const type = call.type;
  // Mesos: Not Implemented for UNKNOWN, its enum's placeholder.
  if (type === 'UNKNOWN') return UNKNOWN_CALL_REFUSAL;
  if (!(OPERATOR_CALL_TYPES as readonly string[]).includes(type)) return { ok: false, error: `type: unknown call type '${type}' (served: ${OPERATOR_CALL_TYPES.join(', ')})` };
  switch (type) {
    case 'GET_METRICS': {
      // As Mesos' validation: the sub-message must be there, even empty (`"get_metrics": {}`).
      if (call.get_metrics === undefined) return missing('get_metrics');
      const nanoseconds = call.get_metrics.timeout?.nanoseconds;
      return { ok: true, call: { type, ...(nanoseconds !== undefined ? { timeoutMs: nanoseconds / 1e6 } : {}) } };
    }
    case 'SET_LOGGING_LEVEL': {
      const set = call.set_logging_level;
      if (set === undefined) return missing('set_logging_level');
      return { ok: true, call: setLoggingLevelCall(set) };
    }
    case 'LIST_FILES':
      return call.list_files === undefined ? missing('list_files') : { ok: true, call: { type, path: call.list_files.path } };
    case 'READ_FILE': {
      const read = call.read_file;
      if (read === undefined) return missing('read_file');
      return { ok: true, call: { type, path: read.path, offset: read.offset, ...(read.length !== undefined ? { length: read.length } : {}) } };
    }
    case 'UPDATE_WEIGHTS': {
      if (call.update_weights === undefined) return missing('update_weights');
      const weights: Array<{ role: string; weight: number }> = [];
      for (const [index, info] of call.update_weights.weight_infos.entries()) {
        if (info.role === undefined) return { ok: false, error: `update_weights.weight_infos.${index}: Expecting 'role' to be present` };
        weights.push({ role: info.role, weight: info.weight });
      }
      return { ok: true, call: { type, weights } };
    }
    case 'UPDATE_QUOTA': {
      const update = call.update_quota;
      if (update === undefined) return missing('update_quota');
      const configs = update.quota_configs.map((config) => ({ role: config.role, guarantees: scalars(config.guarantees), limits: scalars(config.limits) }));
      return { ok: true, call: { type, force: update.force ?? false, configs } };
    }
    case 'SET_QUOTA':
      return call.set_quota === undefined ? missing('set_quota') : { ok: true, call: { type, quotaRequest: call.set_quota.quota_request } };
    case 'REMOVE_QUOTA':
      return call.remove_quota === undefined ? missing('remove_quota') : { ok: true, call: { type, role: call.remove_quota.role } };
    case 'TEARDOWN':
      return call.teardown === undefined ? missing('teardown') : { ok: true, call: { type, frameworkId: call.teardown.framework_id.value } };
    case 'MARK_AGENT_GONE':
      return call.mark_agent_gone === undefined ? missing('mark_agent_gone') : { ok: true, call: { type, agentId: call.mark_agent_gone.agent_id.value } };
    case 'DRAIN_AGENT': {
      const drain = call.drain_agent;
      if (drain === undefined) return missing('drain_agent');
      let maxGracePeriodNs: number | undefined;
      if (drain.max_grace_period !== undefined) {
        const period = durationNs(drain.max_grace_period);
        if (typeof period === 'string') return { ok: false, error: `drain_agent.max_grace_period: ${period}` };
        maxGracePeriodNs = period;
      }
      return { ok: true, call: { type, agentId: drain.agent_id.value, ...(maxGracePeriodNs !== undefined ? { maxGracePeriodNs } : {}), markGone: drain.mark_gone ?? false } };
    }
    case 'DEACTIVATE_AGENT':
      return call.deactivate_agent === undefined ? missing('deactivate_agent') : { ok: true, call: { type, agentId: call.deactivate_agent.agent_id.value } };
    case 'REACTIVATE_AGENT':
      return call.reactivate_agent === undefined ? missing('reactivate_agent') : { ok: true, call: { type, agentId: call.reactivate_agent.agent_id.value } };
    case 'RESERVE_RESOURCES': {
      const reserve = call.reserve_resources;
      if (reserve === undefined) return missing('reserve_resources');
      if (reserve.source !== undefined && reserve.source.length > 0) return { ok: false, error: "reserve_resources.source: refining a reservation is not supported (reserve unreserved resources)" };
      return { ok: true, call: { type, agentId: reserve.agent_id.value, resources: reserve.resources } };
    }
    case 'UNRESERVE_RESOURCES': {
      const unreserve = call.unreserve_resources;
      return unreserve === undefined ? missing('unreserve_resources') : { ok: true, call: { type, agentId: unreserve.agent_id.value, resources: unreserve.resources } };
    }
    case 'CREATE_VOLUMES':
    case 'DESTROY_VOLUMES': {
      const volumes = type === 'CREATE_VOLUMES' ? call.create_volumes : call.destroy_volumes;
      return volumes === undefined ? missing(type === 'CREATE_VOLUMES' ? 'create_volumes' : 'destroy_volumes') : { ok: true, call: { type, agentId: volumes.agent_id.value, resources: volumes.volumes } };
    }
    case 'GROW_VOLUME': {
      const grow = call.grow_volume;
      if (grow === undefined) return missing('grow_volume');
      if (grow.agent_id === undefined) return { ok: false, error: AGENT_ID_REQUIRED };
      if (grow.volume === undefined || grow.addition === undefined) return { ok: false, error: `grow_volume: Expecting '${grow.volume === undefined ? 'volume' : 'addition'}' to be present` };
      return { ok: true, call: { type, agentId: grow.agent_id.value, volume: grow.volume, addition: grow.addition } };
    }
    case 'SHRINK_VOLUME': {
      const shrink = call.shrink_volume;
      if (shrink === undefined) return missing('shrink_volume');
      if (shrink.agent_id === undefined) return { ok: false, error: AGENT_ID_REQUIRED };
      if (shrink.volume === undefined) return { ok: false, error: "shrink_volume: Expecting 'volume' to be present" };
      return { ok: true, call: { type, agentId: shrink.agent_id.value, volume: shrink.volume, subtract: shrink.subtract.value } };
    }
    case 'GET_MAINTENANCE_STATUS':
    case 'GET_MAINTENANCE_SCHEDULE':
      return { ok: true, call: { type } };
    case 'UPDATE_MAINTENANCE_SCHEDULE': {
      const update = call.update_maintenance_schedule;
      if (update === undefined) return missing('update_maintenance_schedule');
      if (update.schedule === undefined) return { ok: false, error: "update_maintenance_schedule: Expecting 'schedule' to be present" };
      const parsed = parseScheduleJson(update.schedule);
      return parsed.ok ? { ok: true, call: { type, schedule: parsed.schedule } } : { ok: false, error: nestedError('update_maintenance_schedule.schedule', parsed.error) };
    }
    case 'START_MAINTENANCE':
    case 'STOP_MAINTENANCE': {
      const field = type === 'START_MAINTENANCE' ? 'start_maintenance' : 'stop_maintenance';
      const given = call[field];
      if (given === undefined) return missing(field);
      const parsed = parseMachineIdsJson(given.machines ?? []);
      return parsed.ok ? { ok: true, call: { type, machineIds: parsed.machineIds } } : { ok: false, error: nestedError(`${field}.machines`, parsed.error) };
    }
    default:
      return { ok: true, call: { type: type as Extract<OperatorCall, { type: 'GET_HEALTH' }>['type'] } };
  }
}

/** GROW_VOLUME's and SHRINK_VOLUME's refusal without `agent_id`, in Mesos' words (a resource provider's volume, which has none, is not served there either). */
const AGENT_ID_REQUIRED = "Expecting 'agent_id' to be present; only agent default resources are supported right now";

/** Unknown keys an error names, each cut to `MAX_QUOTED_INPUT_CHARS` (a 1 MiB call of keys was echoed whole). */
export const MAX_NAMED_UNKNOWN_KEYS = 3;

/**
 * `keys` quoted for an error: the first `MAX_NAMED_UNKNOWN_KEYS`, each bounded, then how many more.
 * @example namedKeys(['a', 'b', 'c', 'd', 'e']) // "'a', 'b', 'c' and 2 more"
 */
function namedKeys(keys: readonly PropertyKey[]): string {
  const named = keys.slice(0, MAX_NAMED_UNKNOWN_KEYS).map((key) => `'${boundedText(String(key), MAX_QUOTED_INPUT_CHARS)}'`).join(', ');
  return keys.length > MAX_NAMED_UNKNOWN_KEYS ? `${named} and ${keys.length - MAX_NAMED_UNKNOWN_KEYS} more` : named;
}

/** Nanoseconds a DRAIN_AGENT's `max_grace_period` may be at most: what a JavaScript number holds exactly (about 104 days). */
export const MAX_DRAIN_GRACE_PERIOD_NS = Number.MAX_SAFE_INTEGER;

/**
 * A `google.protobuf.Duration` (`{seconds, nanos}`) in nanoseconds (Mesos' devolve:
 * `seconds * 10^9 + nanos`), or why it is refused: negative (Mesos takes one, and caps every task's
 * grace period to it; refused here), `nanos` outside ±999,999,999 or of another sign than
 * `seconds` (protobuf's own rule for a Duration), or longer than `MAX_DRAIN_GRACE_PERIOD_NS`.
 */
function durationNs(duration: { seconds?: number | undefined; nanos?: number | undefined }): number | string {
  const seconds = duration.seconds ?? 0;
  const nanos = duration.nanos ?? 0;
  if (!Number.isSafeInteger(seconds)) return `seconds: must be at most ${Math.floor(MAX_DRAIN_GRACE_PERIOD_NS / 1e9)}`;
  if (nanos < -999_999_999 || nanos > 999_999_999) return 'nanos: must be between -999999999 and 999999999';
  if ((seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) return 'seconds and nanos must have the same sign';
  if (seconds < 0 || nanos < 0) return 'must not be negative';
  const total = BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
  if (total > BigInt(MAX_DRAIN_GRACE_PERIOD_NS)) return `must be at most ${MAX_DRAIN_GRACE_PERIOD_NS} nanoseconds (about 104 days)`;
  return Number(total);
}

/** `error` (a `checkedCall` error about a whole value, `(body): ...`, or one of its fields, `a.b: ...`) about the value at `path`. */
function nestedError(path: string, error: string): string {
  const body = '(body)';
  return error.startsWith(body) ? `${path}${error.slice(body.length)}` : `${path}.${error}`;
}

function scalars(map: Record<string, { value: number }> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([name, scalar]) => [name, scalar.value]));
}

/** An agent's draining as Mesos' `DrainInfo` JSON (`drain_info` of GET_AGENTS and of the master's `/state`). */
export function drainInfoJson(drain: DrainInfo): V1Json {
  return { state: drain.state, config: drainConfigJson(drain.config) };
}

/**
 * A `DrainConfig` as Mesos' JSON (the agent's `drain_config`, and in `drain_info`):
 * `max_grace_period` a `DurationInfo` when given, `mark_gone` always (the master sets it).
 */
export function drainConfigJson(config: DrainConfig): V1Json {
  return { ...(config.maxGracePeriodNs !== undefined ? { max_grace_period: { nanoseconds: config.maxGracePeriodNs } } : {}), mark_gone: config.markGone ?? false };
}

/** Milliseconds as a v1 `TimeInfo` (`{"nanoseconds": ...}`). */
export function v1TimeInfo(ms: number): V1Json {
  return { nanoseconds: Math.round(ms * 1e6) };
}

/**
 * A task as Mesos' `Task` message in JSON (what GET_TASKS and TASK_ADDED carry): its resources
 * carry the role they are allocated to, its statuses are v1 `TaskStatus`es.
 */
export function v1Task(task: Task): V1Json {
  const out: V1Json = {
    name: task.name,
    task_id: v1Id(task.taskId),
    framework_id: v1Id(task.frameworkId),
    agent_id: v1Id(task.agentId),
    state: task.state,
  };
  if (task.executorId !== undefined) out.executor_id = v1Id(task.executorId);
  if (task.resources.length > 0) out.resources = v1Resources(task.resources, task.role);
  if (task.statuses !== undefined && task.statuses.length > 0) out.statuses = task.statuses.map(v1TaskStatus);
  if (task.statusUpdateState !== undefined) out.status_update_state = task.statusUpdateState;
  if (task.statusUpdateUuid !== undefined) out.status_update_uuid = v1Uuid(task.statusUpdateUuid);
  if (task.healthCheck !== undefined) out.health_check = v1HealthCheck(task.healthCheck);
  if (task.user !== undefined) out.user = task.user;
  if (task.labels !== undefined) out.labels = v1Labels(task.labels);
  if (task.discovery !== undefined) out.discovery = task.discovery;
  return out;
}

/** `value` as a Mesos `Value.Scalar` map (`{"cpus": {"value": 1}}`): QuotaConfig's guarantees and limits. */
export function v1ScalarMap(values: Readonly<Record<string, number>>): V1Json {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value }]));
}

/** What GET_OPERATIONS shows of an operation with feedback (the master's record, or an agent's). */
export interface V1OperationView {
  readonly uuid: string;
  /** Absent for an operator's operation (Mesos' `Operation.framework_id` is left out then). */
  readonly frameworkId?: string | undefined;
  readonly agentId: string;
  /** The framework's `id` for it; absent when it gave none (and for an operator's). */
  readonly operationId?: string | undefined;
  readonly type: Operation['type'];
  readonly info: Operation | undefined;
  readonly latest: OperationStatus;
}

/**
 * GET_OPERATIONS' operations (Mesos' `Operation`s: framework, unless an operator's; agent; the
 * operation as sent; its latest status and its statuses; its uuid) that `viewer` may see: as Mesos decides it, those
 * whose consumed resources' roles it may all view (`view_roles`; unreserved resources are role
 * `*`). One whose operation is not known (reported by an agent from before it was carried) is
 * shown by its type and id, and only to a viewer of role `*`.
 */
export function v1Operations(operations: Iterable<V1OperationView>, viewer: StateViewer): V1Json[] {
  const shown: V1Json[] = [];
  for (const operation of operations) {
    const roles = operation.info === undefined ? ['*'] : consumedRoles(operation.info);
    if (!roles.every((role) => viewer.role(role))) continue;
    const status = v1OperationStatus(operation.latest);
    const id = operation.operationId === undefined ? {} : { id: v1Id(operation.operationId) };
    shown.push({
      ...(operation.frameworkId === undefined ? {} : { framework_id: v1Id(operation.frameworkId) }),
      agent_id: v1Id(operation.agentId),
      info: operation.info === undefined ? { type: operation.type, ...id } : v1OfferOperation(operation.info),
      latest_status: status,
      // The agent's status, once there is one (a pending operation has none: Mesos' JSON leaves an empty list out).
      ...(operation.latest.state === 'OPERATION_PENDING' ? {} : { statuses: [status] }),
      uuid: { value: v1Uuid(operation.uuid) },
    });
  }
  return shown;
}

/** GET_OPERATIONS' answer (`Response.GetOperations`): `v1Operations`, the list left out when empty (as Mesos' JSON of an empty repeated field). */
export function v1GetOperations(operations: Iterable<V1OperationView>, viewer: StateViewer): V1Json {
  const shown = v1Operations(operations, viewer);
  return shown.length === 0 ? {} : { operations: shown };
}

/**
 * The roles of what `operation` consumes (Mesos' `getConsumedResources`): a RESERVE's resources
 * as they were before it (the role its reservation refines, or `*`), any other's as they are.
 */
function consumedRoles(operation: Operation): string[] {
  const roleOf = (resource: ResourceJSON, before: boolean): string => {
    const reservations = resource.reservations;
    if (reservations !== undefined && reservations.length > 0) return (before ? reservations[reservations.length - 2]?.role : reservations[reservations.length - 1]?.role) ?? '*';
    return before ? '*' : resource.role ?? '*';
  };
  const lists: Array<[readonly ResourceJSON[], boolean]> = [
    [operation.reserve?.resources ?? [], true], [operation.unreserve?.resources ?? [], false], [operation.create?.volumes ?? [], false],
    [operation.destroy?.volumes ?? [], false], [operation.growVolume === undefined ? [] : [operation.growVolume.volume, operation.growVolume.addition], false],
    [operation.shrinkVolume === undefined ? [] : [operation.shrinkVolume.volume], false],
  ];
  return [...new Set(lists.flatMap(([resources, before]) => resources.map((resource) => roleOf(resource, before))))];
}
