/**
 * The v1 scheduler API's calls and events (issue 11; Mesos' `v1/scheduler/scheduler.proto` in
 * JSON): `parseSchedulerCall` checks a POSTed call and turns it into this project's types, with
 * an error naming the first bad field; the `*Event` functions build the events a subscribed
 * scheduler reads from its RecordIO stream. Unknown fields are ignored, as protobuf's JSON
 * parser ignores them; unknown call types are refused.
 */
import { z } from 'zod';
import type { DiskInfoJSON, ResourceJSON } from '../resources/types';
import { MAX_PERSISTENCE_ID_LENGTH, MAX_RESERVATION_LABELS, MAX_VOLUME_PATH_LENGTH, volumeFromJSON, volumeToJSON } from '../resources';
import {
  MAX_HOSTNAME_LENGTH, MAX_MIN_ALLOCATABLE_ALTERNATIVES, MAX_NAME_LENGTH, MAX_RESOURCE_ENTRIES, MAX_SUPPRESSED_ROLES, MAX_TASK_ALLOCATION_ROLES, MAX_TASK_GROUP_TASKS,
  type ExecutorInfo, type Filters, type FrameworkCapability, type InverseOffer, type KillPolicy, type FrameworkInfo, type MasterInfo, type Offer, type Operation, type OperationStatus, type TaskInfo, type TaskStatus,
} from '../protocol';
import { MAX_CALL_LIST_ENTRIES, checkedCall, v1Number, v1NumberField, checkInfoOfV1, commandOfV1, healthCheckOfV1, v1CheckInfoSchema, v1CommandSchema, v1HealthCheckSchema, v1OpaqueBytes, v1BytesField, v1IdValue, v1List, v1Text, KNOWN_CAPABILITIES, textOfV1Data, textOfV1AcknowledgedUuid, textOfV1Uuid, NOT_A_VALID_UUID, labelsOfV1, v1LabelsSchema, v1Id, v1InverseOffer, v1OperationStatus, v1MasterInfo, v1Offer, v1TaskStatus, V1_CURRENT_OFFER_FORMAT, type AgentEndpoint, UNKNOWN_CALL_REFUSAL, type V1CallRefusal, type V1Json, type V1OfferFormat } from './json';
import { ownRecord } from '../protocol/own-record';
import { DiscoveryInfoSchema, type OfferFilters } from '../protocol';

export { MAX_CALL_LIST_ENTRIES, MAX_COMMAND_TEXT_CHARS } from './json';

const text = v1Text;
const idValue = v1IdValue;
const list = <T extends z.ZodType>(item: T): z.ZodArray<T> => v1List(item, MAX_CALL_LIST_ENTRIES);
const bytes = v1BytesField;

/** `Resource.ReservationInfo.Type`'s names (Mesos' JSON parser refuses any other). */
const RESERVATION_TYPES = ['UNKNOWN', 'STATIC', 'DYNAMIC'] as const;

/** A reservation's `Labels`; more than a reservation may carry is refused here, naming the field. */
const reservationLabels = z.object({
  labels: v1List(z.object({ key: text, value: text.optional() }), MAX_RESERVATION_LABELS).optional(),
});

/** `Volume.Mode`'s names. */
const VOLUME_MODES = ['RW', 'RO'] as const;

/**
 * `Resource.DiskInfo`: a persistent volume's `persistence` and `volume`. Mesos' fields this
 * cluster has nothing behind (a disk's `source`; a volume's `host_path`, `image` and `source`)
 * are named, so that the resource parser refuses them by name (`volumeFromJSON`) rather than
 * they be dropped; fields Mesos does not have are ignored, as everywhere in a call.
 */
const diskInfo = z.object({
  persistence: z.object({
    id: z.string().max(MAX_PERSISTENCE_ID_LENGTH, `must be at most ${MAX_PERSISTENCE_ID_LENGTH} characters`),
    principal: text.optional(),
  }).optional(),
  volume: z.object({
    container_path: z.string().max(MAX_VOLUME_PATH_LENGTH, `must be at most ${MAX_VOLUME_PATH_LENGTH} characters`),
    mode: z.enum(VOLUME_MODES),
    host_path: z.unknown().optional(),
    image: z.unknown().optional(),
    source: z.unknown().optional(),
  }).optional(),
  source: z.unknown().optional(),
});

const resource = z.object({
  name: text,
  type: z.enum(['SCALAR', 'RANGES', 'SET']),
  scalar: z.object({ value: v1NumberField }).optional(),
  ranges: z.object({ range: list(z.object({ begin: v1NumberField, end: v1NumberField })) }).optional(),
  set: z.object({ item: list(text) }).optional(),
  role: text.optional(),
  /** Mesos' pre-refinement form of a dynamic reservation (with `role`); see `resourceJSONOf`. */
  reservation: z.object({ principal: text.optional(), labels: reservationLabels.optional() }).optional(),
  reservations: list(z.object({ type: z.enum(RESERVATION_TYPES).optional(), role: text, principal: text.optional(), labels: reservationLabels.optional() })).optional(),
  allocation_info: z.object({ role: text.optional() }).optional(),
  /** A persistent volume's; checked whole by `resourcesError`. */
  disk: diskInfo.optional(),
  // Mesos' fields this cluster has nothing behind: named, so a call holding one is refused (see UNSUPPORTED_RESOURCE_FIELDS).
  revocable: z.unknown().optional(),
  shared: z.unknown().optional(),
  provider_id: z.unknown().optional(),
});
const resources = z.array(resource).max(MAX_RESOURCE_ENTRIES, `must have at most ${MAX_RESOURCE_ENTRIES} entries`);

const command = v1CommandSchema;

/**
 * `ExecutorInfo.Type`'s names (Mesos' JSON parser refuses any other). `UNKNOWN` is a name, but
 * no executor this cluster runs: it is refused by name (`executorInfoOf`).
 */
export const V1_EXECUTOR_TYPES = ['UNKNOWN', 'DEFAULT', 'CUSTOM'] as const;

const executorInfo = z.object({
  executor_id: idValue,
  framework_id: idValue.optional(),
  type: z.enum(V1_EXECUTOR_TYPES, { message: `must be one of ${V1_EXECUTOR_TYPES.join(', ')}` }).optional(),
  /** A custom executor's; none for the default executor (the master checks which: TASK_ERROR). */
  command: command.optional(),
  resources: resources.optional(),
  name: z.string().max(MAX_NAME_LENGTH).optional(),
  source: text.optional(),
  discovery: DiscoveryInfoSchema.optional(),
  shutdown_grace_period: z.object({ nanoseconds: v1NumberField }).optional(),
  labels: v1LabelsSchema.optional(),
});

const taskInfo = z.object({
  name: z.string().max(MAX_NAME_LENGTH),
  task_id: idValue,
  agent_id: idValue,
  resources: resources.default([]),
  command: command.optional(),
  executor: executorInfo.optional(),
  data: bytes.optional(),
  kill_policy: z.object({ grace_period: z.object({ nanoseconds: v1NumberField }).optional() }).optional(),
  labels: v1LabelsSchema.optional(),
  discovery: DiscoveryInfoSchema.optional(),
  health_check: v1HealthCheckSchema.optional(),
  check: v1CheckInfoSchema.optional(),
  container: z.unknown().optional(),
  max_completion_time: z.unknown().optional(),
});

/**
 * Fields of Mesos' Resource this cluster has nothing behind (revocable and shared resources,
 * resource providers): a task holding one is refused, naming it, rather than run without what it
 * asked for (a `disk.persistence` task ran with no volume before persistent volumes were served;
 * the hostile-input pass of 2026-12-05).
 */
const UNSUPPORTED_RESOURCE_FIELDS = ['revocable', 'shared', 'provider_id'] as const;

/**
 * Why `list` (a task's, an executor's or an operation's resources) asks for what is not supported
 * here, or undefined: a field of `UNSUPPORTED_RESOURCE_FIELDS`, or a `disk` that is not a
 * persistent volume as this cluster has them (a disk `source`, a volume's `host_path`...: named
 * in `volumeFromJSON`'s words). Whether the volume is the framework's to use, create or destroy
 * is the master's to say.
 */
function resourcesError(list: ReadonlyArray<z.infer<typeof resource>> | undefined, where: string): string | undefined {
  for (const [index, entry] of (list ?? []).entries()) {
    for (const field of UNSUPPORTED_RESOURCE_FIELDS) {
      if (entry[field] !== undefined) return `${where}.${index}.${field}: not supported by this cluster (no revocable or shared resources, or resource providers)`;
    }
    if (entry.disk !== undefined) {
      const volume = volumeFromJSON(entry.disk);
      if (typeof volume === 'string') return `${where}.${index}.disk: ${volume}`;
    }
  }
  return undefined;
}

/** Why `task` asks for what is not supported here (a container, volumes...), or undefined. */
function unsupportedTaskFields(task: z.infer<typeof taskInfo>): string | undefined {
  if (task.container !== undefined) return 'container: not supported by this cluster (tasks run as processes of the agent\'s machine: no container images, volumes or networks)';
  if (task.max_completion_time !== undefined) return 'max_completion_time: not supported by this cluster';
  return resourcesError(task.resources, 'resources') ?? resourcesError(task.executor?.resources, 'executor.resources');
}

/**
 * `offer_filters`: role → OfferFilters, whose `min_allocatable_resources.quantities` are maps of
 * resource name → `Value.Scalar` (`{"cpus": {"value": 4}}`). Values are checked by the master
 * (`validateFrameworkInfo`), in Mesos' words.
 */
const offerFilters = ownRecord(text, z.object({
  min_allocatable_resources: z.object({
    quantities: v1List(z.object({ quantities: ownRecord(text, z.object({ value: v1Number(z.number()) })).optional() }), MAX_MIN_ALLOCATABLE_ALTERNATIVES).optional(),
  }).optional(),
}));

/**
 * A call's `framework_id` and a FrameworkInfo's `id`: empty is taken, as Mesos takes it (an
 * empty id is none to a SUBSCRIBE, a first subscription; elsewhere it names no framework).
 */
const frameworkIdValue = z.object({ value: text });

const frameworkInfo = z.object({
  user: text,
  name: z.string().max(MAX_NAME_LENGTH),
  id: frameworkIdValue.optional(),
  failover_timeout: v1Number(z.number().nonnegative()).optional(),
  checkpoint: z.boolean().optional(),
  role: text.optional(),
  roles: list(text).optional(),
  hostname: z.string().max(MAX_HOSTNAME_LENGTH).optional(),
  principal: text.optional(),
  webui_url: z.string().max(MAX_NAME_LENGTH).optional(),
  capabilities: list(z.object({ type: text.optional() })).optional(),
  offer_filters: offerFilters.optional(),
  labels: v1LabelsSchema.optional(),
});

const filters = z.object({ refuse_seconds: v1NumberField.optional() });

/**
 * `Offer.Operation.LaunchGroup`: the executor and the task group it runs. Both are required in
 * Mesos' protobuf; left out here, each is refused by name (`launchGroupOf`). A group holds at
 * most `MAX_TASK_GROUP_TASKS` tasks; an empty one is the master's to refuse, as in Mesos.
 */
const launchGroup = z.object({
  executor: executorInfo.optional(),
  task_group: z.object({ tasks: v1List(taskInfo, MAX_TASK_GROUP_TASKS).default([]) }).optional(),
});

/**
 * `Offer.Operation`. A RESERVE's `source` (Mesos' reservation update, experimental) is named so
 * that an operation holding it is refused rather than run as a plain RESERVE; a list of
 * resources (or volumes) left out is an empty one, as protobuf has it.
 */
const operation = z.object({
  type: text,
  id: idValue.optional(),
  launch: z.object({ task_infos: list(taskInfo) }).optional(),
  launch_group: launchGroup.optional(),
  reserve: z.object({ resources: resources.default([]), source: z.unknown().optional() }).optional(),
  unreserve: z.object({ resources: resources.default([]) }).optional(),
  create: z.object({ volumes: resources.default([]) }).optional(),
  destroy: z.object({ volumes: resources.default([]) }).optional(),
  grow_volume: z.object({ volume: resource.optional(), addition: resource.optional() }).optional(),
  shrink_volume: z.object({ volume: resource.optional(), subtract: z.object({ value: v1NumberField }).optional() }).optional(),
});

/** The offer operations an ACCEPT may hold; Mesos' others (CREATE_DISK, DESTROY_DISK) are refused by name. */
export const ACCEPT_OPERATION_TYPES = ['LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME'] as const;

const callSchema = z.object({
  type: text,
  framework_id: frameworkIdValue.optional(),
  subscribe: z.object({ framework_info: frameworkInfo, suppressed_roles: list(text).optional(), offer_constraints: z.unknown().optional() }).optional(),
  update_framework: z.object({ framework_info: frameworkInfo, suppressed_roles: list(text).optional(), offer_constraints: z.unknown().optional() }).optional(),
  accept: z.object({ offer_ids: list(idValue).default([]), operations: list(operation).default([]), filters: filters.optional() }).optional(),
  decline: z.object({ offer_ids: list(idValue).default([]), filters: filters.optional() }).optional(),
  revive: z.object({ roles: list(text).optional() }).optional(),
  suppress: z.object({ roles: list(text).optional() }).optional(),
  kill: z.object({ task_id: idValue, agent_id: idValue.optional(), kill_policy: z.object({ grace_period: z.object({ nanoseconds: v1NumberField }).optional() }).optional() }).optional(),
  shutdown: z.object({ executor_id: idValue, agent_id: idValue }).optional(),
  acknowledge: z.object({ agent_id: idValue, task_id: idValue, uuid: bytes }).optional(),
  reconcile: z.object({ tasks: list(z.object({ task_id: idValue, agent_id: idValue.optional() })).default([]) }).optional(),
  message: z.object({ agent_id: idValue, executor_id: idValue, data: bytes }).optional(),
  request: z.object({ requests: z.array(z.unknown()).max(MAX_CALL_LIST_ENTRIES).optional() }).optional(),
  acknowledge_operation_status: z.object({ agent_id: idValue.optional(), resource_provider_id: idValue.optional(), uuid: bytes, operation_id: idValue }).optional(),
  reconcile_operations: z.object({ operations: list(z.object({ operation_id: idValue, agent_id: idValue.optional(), resource_provider_id: idValue.optional() })).default([]) }).optional(),
  accept_inverse_offers: z.object({ inverse_offer_ids: list(idValue).default([]), filters: filters.optional() }).optional(),
  decline_inverse_offers: z.object({ inverse_offer_ids: list(idValue).default([]), filters: filters.optional() }).optional(),
});

/** A v1 scheduler call, checked and in this project's types. */
export type SchedulerCall =
  /** `refusal`: a FrameworkInfo Mesos' master refuses (`validateFramework`): the stream opens and says so in an ERROR. */
  | { type: 'SUBSCRIBE'; frameworkId?: string; framework: FrameworkInfo; suppressedRoles: string[]; refusal?: string }
  | { type: 'TEARDOWN'; frameworkId: string }
  /** `operations` in the call's order (the master applies each to what the ones before left of the offers). */
  | { type: 'ACCEPT'; frameworkId: string; offerIds: string[]; operations: Operation[]; filters?: Filters }
  | { type: 'DECLINE'; frameworkId: string; offerIds: string[]; filters?: Filters }
  | { type: 'REVIVE'; frameworkId: string; roles?: string[] }
  | { type: 'SUPPRESS'; frameworkId: string; roles?: string[] }
  | { type: 'KILL'; frameworkId: string; taskId: string; agentId?: string; killPolicy?: KillPolicy }
  | { type: 'SHUTDOWN'; frameworkId: string; executorId: string; agentId: string }
  | { type: 'ACKNOWLEDGE'; frameworkId: string; agentId: string; taskId: string; uuid: string }
  | { type: 'RECONCILE'; frameworkId: string; tasks: Array<{ taskId: string; agentId?: string }> }
  | { type: 'MESSAGE'; frameworkId: string; agentId: string; executorId: string; data: string }
  | { type: 'REQUEST'; frameworkId: string }
  /** Acknowledges an operation status with a uuid (none is sent here: the master counts it and drops it, as Mesos for an agent without operation feedback). */
  | { type: 'ACKNOWLEDGE_OPERATION_STATUS'; frameworkId: string; agentId: string; operationId: string; uuid: string; resourceProviderId?: string }
  /** Asks for operations' statuses (an empty list: of all the master knows, here none). */
  | { type: 'RECONCILE_OPERATIONS'; frameworkId: string; operations: Array<{ operationId: string; agentId?: string; resourceProviderId?: string }> }
  /** `refusal`: a FrameworkInfo Mesos' master refuses (400 `Supplied FrameworkInfo is not valid: ...`). */
  | { type: 'UPDATE_FRAMEWORK'; frameworkId: string; framework: FrameworkInfo; suppressedRoles: string[]; refusal?: string }
  /** Answers inverse offers (maintenance): the framework can give back what it holds on their agents in time, or cannot. */
  | { type: 'ACCEPT_INVERSE_OFFERS' | 'DECLINE_INVERSE_OFFERS'; frameworkId: string; inverseOfferIds: string[]; filters?: Filters };

/** The call types served (every one of Mesos' but UNKNOWN). */
export const SCHEDULER_CALL_TYPES = [
  'SUBSCRIBE', 'TEARDOWN', 'ACCEPT', 'DECLINE', 'REVIVE', 'SUPPRESS', 'KILL', 'SHUTDOWN', 'ACKNOWLEDGE', 'RECONCILE', 'MESSAGE', 'REQUEST', 'UPDATE_FRAMEWORK',
  'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE_OPERATIONS', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS',
] as const;

/** A checked call, or why not; `unserved` for the call type Mesos answers 501 (`UNKNOWN`, its enum's placeholder). */
export type ParsedCall = { ok: true; call: SchedulerCall } | V1CallRefusal;

/**
 * Checks a v1 scheduler call (already parsed from JSON) and converts it. Errors read like
 * `accept.operations.0.launch.task_infos.0.task_id.value: must be a non-empty string`, or
 * `Expecting 'framework_id' to be present` as Mesos says it.
 */
export function parseSchedulerCall(body: unknown): ParsedCall {
  const checked = checkedCall(callSchema, body);
  if (!checked.ok) return checked;
  const call = checked.value;
  const type = call.type;
  // Mesos: Not Implemented for UNKNOWN (its master logs "Received 'UNKNOWN' call").
  if (type === 'UNKNOWN') return UNKNOWN_CALL_REFUSAL;
  if (!(SCHEDULER_CALL_TYPES as readonly string[]).includes(type)) return { ok: false, error: `call type '${type}' is not supported (supported: ${SCHEDULER_CALL_TYPES.join(', ')})` };
  if (type === 'SUBSCRIBE') {
    if (call.subscribe === undefined) return { ok: false, error: "Expecting 'subscribe' to be present" };
    // Not a bad call but a FrameworkInfo the master refuses: as Mesos, answered on the stream (ERROR).
    const rolesError = rolesFieldError(call.subscribe.framework_info);
    const framework = frameworkInfoOf(call.subscribe.framework_info);
    // An empty id is none, as Mesos' `_subscribe` takes it (`id() == ""`: a first subscription; old drivers send one).
    const callFrameworkId = call.framework_id?.value === '' ? undefined : call.framework_id?.value;
    // As Mesos: an id in the FrameworkInfo needs the same one as the call's `framework_id` (a re-subscription names both;
    // one alone in the FrameworkInfo chose a new framework's id: the hostile-input pass of 2026-12-05).
    if ((framework.id !== undefined || callFrameworkId !== undefined) && callFrameworkId !== framework.id) {
      return { ok: false, error: "'framework_id' differs from 'subscribe.framework_info.id'" };
    }
    const frameworkId = callFrameworkId ?? framework.id;
    // Mesos filters offers by these; this master has no offer constraints, and a framework must not think its offers are filtered.
    if (call.subscribe.offer_constraints !== undefined) return { ok: false, error: 'subscribe.offer_constraints: offer constraints are not supported by this master' };
    const suppressedRoles = suppressedRolesOf(call.subscribe.suppressed_roles, 'subscribe');
    if (typeof suppressedRoles === 'string') return { ok: false, error: suppressedRoles };
    return {
      ok: true,
      call: {
        type, ...(frameworkId !== undefined ? { frameworkId } : {}), framework: { ...framework, ...(frameworkId !== undefined ? { id: frameworkId } : {}) }, suppressedRoles,
        ...(rolesError !== undefined ? { refusal: rolesError } : {}),
      },
    };
  }
  if (call.framework_id === undefined) return { ok: false, error: "Expecting 'framework_id' to be present" };
  const frameworkId = call.framework_id.value;
  const missing = (field: string): ParsedCall => ({ ok: false, error: `Expecting '${field}' to be present` });
  switch (type) {
    case 'TEARDOWN':
      return { ok: true, call: { type, frameworkId } };
    case 'ACCEPT': {
      if (call.accept === undefined) return missing('accept');
      const operations: Operation[] = [];
      for (const [index, given] of call.accept.operations.entries()) {
        const converted = operationOf(given);
        if (typeof converted === 'string') return { ok: false, error: `accept.operations.${index}${converted}` };
        operations.push(converted);
      }
      return { ok: true, call: { type, frameworkId, offerIds: call.accept.offer_ids.map((offerId) => offerId.value), operations, ...filtersOf(call.accept.filters) } };
    }
    case 'DECLINE':
      if (call.decline === undefined) return missing('decline');
      return { ok: true, call: { type, frameworkId, offerIds: call.decline.offer_ids.map((offerId) => offerId.value), ...filtersOf(call.decline.filters) } };
    case 'REVIVE':
    case 'SUPPRESS': {
      const roles = (type === 'REVIVE' ? call.revive : call.suppress)?.roles;
      return { ok: true, call: { type, frameworkId, ...(roles !== undefined && roles.length > 0 ? { roles } : {}) } };
    }
    case 'KILL':
      if (call.kill === undefined) return missing('kill');
      {
        // Overrides the task's own grace period for this kill (Mesos passes it to the executor).
        const nanoseconds = call.kill.kill_policy?.grace_period?.nanoseconds;
        if (nanoseconds !== undefined && nanoseconds < 0) return { ok: false, error: 'kill.kill_policy.grace_period.nanoseconds: must not be negative' };
        return {
          ok: true, call: {
            type, frameworkId, taskId: call.kill.task_id.value, ...(call.kill.agent_id !== undefined ? { agentId: call.kill.agent_id.value } : {}),
            ...(nanoseconds !== undefined ? { killPolicy: { gracePeriodSeconds: nanoseconds / 1e9 } } : {}),
          },
        };
      }
    case 'SHUTDOWN':
      if (call.shutdown === undefined) return missing('shutdown');
      return { ok: true, call: { type, frameworkId, executorId: call.shutdown.executor_id.value, agentId: call.shutdown.agent_id.value } };
    case 'ACKNOWLEDGE': {
      if (call.acknowledge === undefined) return missing('acknowledge');
      const uuid = textOfV1AcknowledgedUuid(call.acknowledge.uuid);
      if (uuid === undefined) return { ok: false, error: `acknowledge.uuid: ${NOT_A_VALID_UUID}` };
      return { ok: true, call: { type, frameworkId, agentId: call.acknowledge.agent_id.value, taskId: call.acknowledge.task_id.value, uuid } };
    }
    case 'RECONCILE':
      if (call.reconcile === undefined) return missing('reconcile');
      return { ok: true, call: { type, frameworkId, tasks: (call.reconcile?.tasks ?? []).map((task) => ({ taskId: task.task_id.value, ...(task.agent_id !== undefined ? { agentId: task.agent_id.value } : {}) })) } };
    case 'MESSAGE': {
      if (call.message === undefined) return missing('message');
      const data = textOfV1Data(call.message.data);
      if (data === undefined) return { ok: false, error: 'message.data: must be base64' };
      return { ok: true, call: { type, frameworkId, agentId: call.message.agent_id.value, executorId: call.message.executor_id.value, data } };
    }
    case 'REQUEST':
      if (call.request === undefined) return missing('request');
      return { ok: true, call: { type, frameworkId } };
    case 'ACKNOWLEDGE_OPERATION_STATUS': {
      const acknowledge = call.acknowledge_operation_status;
      if (acknowledge === undefined) return missing('acknowledge_operation_status');
      // Mesos' checks: a UUID's 16 bytes, and (no external resource providers) the agent.
      const uuid = textOfV1Uuid(acknowledge.uuid);
      if (uuid === undefined) return { ok: false, error: `acknowledge_operation_status.uuid: ${NOT_A_VALID_UUID}` };
      if (acknowledge.agent_id === undefined) return missing('agent_id');
      const resourceProviderId = acknowledge.resource_provider_id?.value;
      return { ok: true, call: { type, frameworkId, agentId: acknowledge.agent_id.value, operationId: acknowledge.operation_id.value, uuid, ...(resourceProviderId !== undefined ? { resourceProviderId } : {}) } };
    }
    case 'RECONCILE_OPERATIONS': {
      const reconcile = call.reconcile_operations;
      if (reconcile === undefined) return missing('reconcile_operations');
      const operations = reconcile.operations.map((named) => ({
        operationId: named.operation_id.value,
        ...(named.agent_id !== undefined ? { agentId: named.agent_id.value } : {}),
        ...(named.resource_provider_id !== undefined ? { resourceProviderId: named.resource_provider_id.value } : {}),
      }));
      return { ok: true, call: { type, frameworkId, operations } };
    }
    case 'UPDATE_FRAMEWORK': {
      const update = call.update_framework;
      if (update === undefined) return missing('update_framework');
      const rolesError = rolesFieldError(update.framework_info);
      if (update.framework_info.id?.value !== frameworkId) return { ok: false, error: "'framework_id' differs from 'update_framework.framework_info.id'" };
      // Mesos filters offers by these; this master has no offer constraints, and a framework must not think its offers are filtered.
      if (update.offer_constraints !== undefined) return { ok: false, error: 'update_framework.offer_constraints: offer constraints are not supported by this master' };
      const suppressedRoles = suppressedRolesOf(update.suppressed_roles, 'update_framework');
      if (typeof suppressedRoles === 'string') return { ok: false, error: suppressedRoles };
      return { ok: true, call: { type, frameworkId, framework: frameworkInfoOf(update.framework_info), suppressedRoles, ...(rolesError !== undefined ? { refusal: rolesError } : {}) } };
    }
    case 'ACCEPT_INVERSE_OFFERS':
    case 'DECLINE_INVERSE_OFFERS': {
      const field = type === 'ACCEPT_INVERSE_OFFERS' ? 'accept_inverse_offers' : 'decline_inverse_offers';
      const answer = call[field];
      if (answer === undefined) return missing(field);
      return { ok: true, call: { type, frameworkId, inverseOfferIds: answer.inverse_offer_ids.map((inverseOfferId) => inverseOfferId.value), ...filtersOf(answer.filters) } };
    }
  }
  return { ok: false, error: `call type '${type}' is not supported` };
}

/**
 * One ACCEPT operation in this project's form, or the rest of the error's path after
 * `accept.operations.<i>` (`.type: ...`, `: Expecting 'reserve' to be present`,
 * `.launch.task_infos.0.task_id...`, `.create.volumes.0.disk: ...`). A RESERVE's, UNRESERVE's,
 * CREATE's or DESTROY's resources go on as Mesos JSON, checked by the master against the offers
 * (an invalid one is dropped there, as Mesos drops it); a LAUNCH_GROUP's group is checked by the
 * master as a whole (an invalid one is TASK_ERROR for every task, REASON_TASK_GROUP_INVALID).
 */
function operationOf(given: z.infer<typeof operation>): Operation | string {
  const converted = operationBodyOf(given);
  // Its `id` asks for operation feedback: the master refuses that as Mesos does on agents without it.
  return typeof converted === 'string' || given.id === undefined ? converted : { ...converted, id: given.id.value };
}

/** `operationOf` without the operation's `id`. */
function operationBodyOf(given: z.infer<typeof operation>): Operation | string {
  switch (given.type) {
    case 'LAUNCH': {
      if (given.launch === undefined) return ": Expecting 'launch' to be present";
      const taskInfos: TaskInfo[] = [];
      for (const [taskIndex, task] of given.launch.task_infos.entries()) {
        const converted = taskInfoOf(task);
        if (typeof converted === 'string') return `.launch.task_infos.${taskIndex}.${converted}`;
        taskInfos.push(converted);
      }
      return { type: 'LAUNCH', launch: { taskInfos } };
    }
    case 'LAUNCH_GROUP': {
      if (given.launch_group === undefined) return ": Expecting 'launch_group' to be present";
      const group = launchGroupOf(given.launch_group);
      return typeof group === 'string' ? `.launch_group${group}` : { type: 'LAUNCH_GROUP', launchGroup: group };
    }
    case 'RESERVE': {
      if (given.reserve === undefined) return ": Expecting 'reserve' to be present";
      if (given.reserve.source !== undefined) return '.reserve.source: changing a reservation (a RESERVE with `source`) is not supported by this cluster';
      const unsupported = resourcesError(given.reserve.resources, '.reserve.resources');
      if (unsupported !== undefined) return unsupported;
      return { type: 'RESERVE', reserve: { resources: given.reserve.resources.map(resourceJSONOf) } };
    }
    case 'UNRESERVE': {
      if (given.unreserve === undefined) return ": Expecting 'unreserve' to be present";
      const unsupported = resourcesError(given.unreserve.resources, '.unreserve.resources');
      if (unsupported !== undefined) return unsupported;
      return { type: 'UNRESERVE', unreserve: { resources: given.unreserve.resources.map(resourceJSONOf) } };
    }
    case 'CREATE': {
      if (given.create === undefined) return ": Expecting 'create' to be present";
      const unsupported = resourcesError(given.create.volumes, '.create.volumes');
      if (unsupported !== undefined) return unsupported;
      return { type: 'CREATE', create: { volumes: given.create.volumes.map(resourceJSONOf) } };
    }
    case 'DESTROY': {
      if (given.destroy === undefined) return ": Expecting 'destroy' to be present";
      const unsupported = resourcesError(given.destroy.volumes, '.destroy.volumes');
      if (unsupported !== undefined) return unsupported;
      return { type: 'DESTROY', destroy: { volumes: given.destroy.volumes.map(resourceJSONOf) } };
    }
    case 'GROW_VOLUME': {
      const grow = given.grow_volume;
      if (grow === undefined) return ": Expecting 'grow_volume' to be present";
      if (grow.volume === undefined) return ".grow_volume: Expecting 'volume' to be present";
      if (grow.addition === undefined) return ".grow_volume: Expecting 'addition' to be present";
      const unsupported = resourcesError([grow.volume], '.grow_volume.volume') ?? resourcesError([grow.addition], '.grow_volume.addition');
      if (unsupported !== undefined) return unsupported.replace(/\.(volume|addition)\.0\./, '.$1.');
      return { type: 'GROW_VOLUME', growVolume: { volume: resourceJSONOf(grow.volume), addition: resourceJSONOf(grow.addition) } };
    }
    case 'SHRINK_VOLUME': {
      const shrink = given.shrink_volume;
      if (shrink === undefined) return ": Expecting 'shrink_volume' to be present";
      if (shrink.volume === undefined) return ".shrink_volume: Expecting 'volume' to be present";
      if (shrink.subtract === undefined) return ".shrink_volume: Expecting 'subtract' to be present";
      const unsupported = resourcesError([shrink.volume], '.shrink_volume.volume');
      if (unsupported !== undefined) return unsupported.replace(/\.volume\.0\./, '.volume.');
      return { type: 'SHRINK_VOLUME', shrinkVolume: { volume: resourceJSONOf(shrink.volume), subtract: { value: shrink.subtract.value } } };
    }
    default:
      return `.type: operation '${given.type}' is not supported (supported: ${ACCEPT_OPERATION_TYPES.join(', ')})`;
  }
}

/**
 * A LAUNCH_GROUP's executor and task group in this project's form, or the rest of the error's
 * path after `launch_group` (`.executor: Expecting 'executor' to be present`,
 * `.task_group.tasks.1.command...`). The executor's type and command are the master's to check
 * (a DEFAULT executor has no command; a group's executor needs a type), as are the tasks taken
 * together. The roles the executor's resources name in `allocation_info` are each task's too, as
 * a task's own executor's are: the master checks them against the offers' role.
 *
 * @example
 *   launchGroupOf({ executor: { executor_id: { value: 'e' }, type: 'DEFAULT' }, task_group: { tasks: [] } })
 *   // { executor: { executorId: 'e', type: 'DEFAULT' }, taskGroup: { tasks: [] } }
 */
function launchGroupOf(given: z.infer<typeof launchGroup>): NonNullable<Operation['launchGroup']> | string {
  if (given.executor === undefined) return ".executor: Expecting 'executor' to be present";
  if (given.task_group === undefined) return ".task_group: Expecting 'task_group' to be present";
  const executorRoles = new Set<string>();
  const executor = executorInfoOf(given.executor, executorRoles);
  if (typeof executor === 'string') return `.executor.${executor}`;
  const unsupported = resourcesError(given.executor.resources, 'resources');
  if (unsupported !== undefined) return `.executor.${unsupported}`;
  const tasks: TaskInfo[] = [];
  for (const [taskIndex, task] of given.task_group.tasks.entries()) {
    const converted = taskInfoOf(task);
    if (typeof converted === 'string') return `.task_group.tasks.${taskIndex}.${converted}`;
    const roles = new Set([...(converted.allocationRoles ?? []), ...executorRoles]);
    if (roles.size > MAX_TASK_ALLOCATION_ROLES) return `.task_group.tasks.${taskIndex}.resources: allocation_info names ${roles.size} roles with its executor's (one task's resources are offered in one)`;
    tasks.push(roles.size > 0 ? { ...converted, allocationRoles: [...roles] } : converted);
  }
  return { executor, taskGroup: { tasks } };
}

/**
 * `suppressed_roles` as a set (Mesos keeps them in one: a role named twice is one), at most
 * `MAX_SUPPRESSED_ROLES` of them; or why not.
 */
function suppressedRolesOf(given: readonly string[] | undefined, field: string): string[] | string {
  const roles = [...new Set(given ?? [])];
  return roles.length > MAX_SUPPRESSED_ROLES ? `${field}.suppressed_roles: at most ${MAX_SUPPRESSED_ROLES} roles (got ${roles.length})` : roles;
}

/** Mesos' rule: a MULTI_ROLE framework names its roles in `roles`, any other its one role in `role`. */
function rolesFieldError(info: z.infer<typeof frameworkInfo>): string | undefined {
  const multiRole = (info.capabilities ?? []).some((capability) => capability.type === 'MULTI_ROLE');
  if (multiRole && info.role !== undefined) return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  if (!multiRole && info.roles !== undefined && info.roles.length > 0) return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  return undefined;
}

function filtersOf(given: z.infer<typeof filters> | undefined): { filters?: Filters } {
  return given?.refuse_seconds !== undefined ? { filters: { refuseSeconds: given.refuse_seconds } } : {};
}

function frameworkInfoOf(info: z.infer<typeof frameworkInfo>): FrameworkInfo {
  const capabilities = (info.capabilities ?? [])
    .map((capability) => capability.type)
    .filter((type): type is FrameworkCapability => type !== undefined && KNOWN_CAPABILITIES.has(type as FrameworkCapability));
  // As Mesos' `getRoles`: a MULTI_ROLE framework's `roles` (none is none: it is offered nothing), any other's one `role`.
  const multiRole = capabilities.includes('MULTI_ROLE');
  const roles = multiRole ? info.roles ?? [] : [info.role ?? '*'];
  const out: FrameworkInfo = { user: info.user, name: info.name, roles };
  // An empty id is none (Mesos' `validateFrameworkId` and `_subscribe`).
  if (info.id !== undefined && info.id.value !== '') out.id = info.id.value;
  if (info.failover_timeout !== undefined) out.failoverTimeout = info.failover_timeout;
  if (info.checkpoint !== undefined) out.checkpoint = info.checkpoint;
  if (info.hostname !== undefined) out.hostname = info.hostname;
  if (info.principal !== undefined) out.principal = info.principal;
  if (info.webui_url !== undefined) out.webuiUrl = info.webui_url;
  if (capabilities.length > 0) out.capabilities = capabilities;
  if (info.offer_filters !== undefined) {
    const byRole: Record<string, OfferFilters> = Object.create(null) as Record<string, OfferFilters>;
    for (const [role, filter] of Object.entries(info.offer_filters)) {
      const alternatives = filter.min_allocatable_resources?.quantities;
      byRole[role] = alternatives === undefined && filter.min_allocatable_resources === undefined ? {} : {
        minAllocatableResources: (alternatives ?? []).map((alternative) => {
          const quantities: Record<string, number> = Object.create(null) as Record<string, number>;
          for (const [name, scalar] of Object.entries(alternative.quantities ?? {})) quantities[name] = scalar.value;
          return quantities;
        }),
      };
    }
    out.offerFilters = byRole;
  }
  const labels = labelsOfV1(info.labels);
  if (labels !== undefined) out.labels = labels;
  return out;
}

/** `resources` as this project's resource list, the roles their `allocation_info` names added to `roles`. */
function withoutAllocationInfo(resources: ReadonlyArray<z.infer<typeof resource>>, roles: Set<string>): ResourceJSON[] {
  return resources.map((entry) => {
    if (entry.allocation_info?.role !== undefined) roles.add(entry.allocation_info.role);
    return resourceJSONOf(entry);
  });
}

/**
 * A checked v1 resource as Mesos JSON for the rest of the cluster (`Resources.fromJSON` reads
 * it): without `allocation_info`, and without a reservation's labels when it has none (protobuf
 * cannot tell `{}` from `{labels: []}`; both are no labels). An operation's `allocation_info` is
 * left out unread: the master checks its reservations against the offers' role, the one role
 * Mesos lets `allocation_info` name. A persistent volume's `disk` (`resourcesError` checked it)
 * goes on as the volume it is.
 */
function resourceJSONOf(entry: z.infer<typeof resource>): ResourceJSON {
  const { allocation_info: _allocation, reservation, reservations, disk, ...rest } = entry;
  const out = rest as ResourceJSON;
  if (reservation !== undefined) out.reservation = withLabelsIfAny(reservation);
  if (reservations !== undefined) out.reservations = reservations.map(withLabelsIfAny);
  if (disk !== undefined) out.disk = checkedDiskJSON(disk);
  return out;
}

/** A `disk` that `resourcesError` found a persistent volume, as Mesos JSON; one it did not check is a bug. */
function checkedDiskJSON(disk: z.infer<typeof diskInfo>): DiskInfoJSON {
  const volume = volumeFromJSON(disk);
  if (typeof volume === 'string') throw new Error(`a disk that was not checked reached the conversion: ${volume}`);
  return volumeToJSON(volume);
}

/** `reservation` without `labels` when it lists none. */
function withLabelsIfAny<T extends { labels?: z.infer<typeof reservationLabels> }>(reservation: T): Omit<T, 'labels'> & { labels?: { labels: Array<{ key: string; value?: string }> } } {
  const { labels, ...rest } = reservation;
  return labels?.labels === undefined || labels.labels.length === 0 ? rest : { ...rest, labels: { labels: labels.labels } };
}

/**
 * A `TaskInfo` in Mesos' v1 JSON (what `mesos-execute --task` reads, as Mesos' does), checked as
 * a LAUNCH's task is and turned into this project's; `agent_id` may be left out (the launch sets
 * it). An error names the first bad field.
 * @example parseV1TaskInfo({ name: 't', task_id: { value: 't' }, command: { value: 'sleep 1' } })
 */
export function parseV1TaskInfo(body: unknown): { ok: true; task: TaskInfo } | { ok: false; error: string } {
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  // A placeholder the launch replaces with its offer's agent.
  const given = isObject && (body as { agent_id?: unknown }).agent_id === undefined ? { ...body, agent_id: { value: 'unset' } } : body;
  const checked = checkedCall(taskInfo, given);
  if (!checked.ok) return checked;
  const task = taskInfoOf(checked.value);
  return typeof task === 'string' ? { ok: false, error: task } : { ok: true, task };
}

/**
 * A `TaskGroupInfo` in v1 JSON (`{"tasks": [TaskInfo...]}`, as mesos-execute's `--task_group`
 * takes it): each task as `parseV1TaskInfo` reads one (its `agent_id` may be unset), at least one
 * and at most `MAX_TASK_GROUP_TASKS`; or why not, naming the task's index.
 */
export function parseV1TaskGroupInfo(body: unknown): { ok: true; tasks: TaskInfo[] } | { ok: false; error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: 'expected object (a TaskGroupInfo: {"tasks": [...]})' };
  const given = (body as { tasks?: unknown }).tasks;
  if (!Array.isArray(given) || given.length === 0) return { ok: false, error: "tasks: a task group needs at least one task in 'tasks'" };
  if (given.length > MAX_TASK_GROUP_TASKS) return { ok: false, error: `tasks: at most ${MAX_TASK_GROUP_TASKS} tasks in a task group (got ${given.length})` };
  const tasks: TaskInfo[] = [];
  for (const [index, task] of given.entries()) {
    const parsed = parseV1TaskInfo(task);
    if (!parsed.ok) return { ok: false, error: `tasks.${index}: ${parsed.error}` };
    tasks.push(parsed.task);
  }
  return { ok: true, tasks };
}

function taskInfoOf(task: z.infer<typeof taskInfo>): TaskInfo | string {
  const unsupported = unsupportedTaskFields(task);
  if (unsupported !== undefined) return unsupported;
  // The roles the resources say they are allocated to: the master checks them against the offers' (Mesos: TASK_ERROR).
  const allocationRoles = new Set<string>();
  const out: TaskInfo = { name: task.name, taskId: task.task_id.value, agentId: task.agent_id.value, resources: withoutAllocationInfo(task.resources, allocationRoles) };
  if (task.command !== undefined) out.command = commandOfV1(task.command);
  if (task.executor !== undefined) {
    const executor = executorInfoOf(task.executor, allocationRoles);
    if (typeof executor === 'string') return `executor.${executor}`;
    out.executor = executor;
  }
  if (task.data !== undefined) {
    const data = textOfV1Data(task.data);
    if (data === undefined) return 'data: must be base64';
    out.data = data;
  }
  const nanoseconds = task.kill_policy?.grace_period?.nanoseconds;
  if (nanoseconds !== undefined) {
    if (nanoseconds < 0) return 'kill_policy.grace_period.nanoseconds: must not be negative';
    out.killPolicy = { gracePeriodSeconds: nanoseconds / 1e9 };
  }
  const labels = labelsOfV1(task.labels);
  if (labels !== undefined) out.labels = labels;
  if (task.discovery !== undefined) out.discovery = task.discovery;
  if (task.health_check !== undefined) out.healthCheck = healthCheckOfV1(task.health_check);
  if (task.check !== undefined) out.check = checkInfoOfV1(task.check);
  if (allocationRoles.size > MAX_TASK_ALLOCATION_ROLES) return `resources: allocation_info names ${allocationRoles.size} roles (one task's resources are offered in one)`;
  if (allocationRoles.size > 0) out.allocationRoles = [...allocationRoles];
  return out;
}

/**
 * An `ExecutorInfo` from a call in this project's form (the roles its resources' `allocation_info`
 * names added to `roles`), or the bad field's path and reason. Its `type` as given (none is a
 * custom executor, as before Mesos had types); `UNKNOWN` is refused by name, as no executor
 * this cluster runs (Mesos' master refuses it too, as TASK_ERROR). A command only where one is
 * given: a DEFAULT executor has none, and a custom one without one is the master's to refuse.
 */
function executorInfoOf(given: z.infer<typeof executorInfo>, roles: Set<string>): ExecutorInfo | string {
  if (given.type === 'UNKNOWN') return "type: executor type 'UNKNOWN' is not supported (supported: DEFAULT, CUSTOM)";
  const executor: ExecutorInfo = { executorId: given.executor_id.value };
  if (given.type !== undefined) executor.type = given.type;
  if (given.command !== undefined) executor.command = commandOfV1(given.command);
  if (given.framework_id !== undefined) executor.frameworkId = given.framework_id.value;
  if (given.resources !== undefined) executor.resources = withoutAllocationInfo(given.resources, roles);
  if (given.name !== undefined) executor.name = given.name;
  if (given.source !== undefined) executor.source = given.source;
  if (given.discovery !== undefined) executor.discovery = given.discovery;
  const gracePeriodNs = given.shutdown_grace_period?.nanoseconds;
  if (gracePeriodNs !== undefined) {
    if (!Number.isSafeInteger(gracePeriodNs) || gracePeriodNs < 0) return 'shutdown_grace_period.nanoseconds: must be a whole number, not negative';
    executor.shutdownGracePeriodNs = gracePeriodNs;
  }
  const labels = labelsOfV1(given.labels);
  if (labels !== undefined) executor.labels = labels;
  return executor;
}

// ---- events ----------------------------------------------------------------------------------

/** SUBSCRIBED: the framework's id, the heartbeat interval, and who the master is. */
export function subscribedEvent(frameworkId: string, heartbeatIntervalSeconds: number, masterInfo: MasterInfo): V1Json {
  return { type: 'SUBSCRIBED', subscribed: { framework_id: v1Id(frameworkId), heartbeat_interval_seconds: heartbeatIntervalSeconds, master_info: v1MasterInfo(masterInfo) } };
}

/** OFFERS: each offer with its agent's endpoint (`endpointOf` says where each agent serves). */
export function offersEvent(offers: readonly Offer[], endpointOf: (agentId: string) => AgentEndpoint, format: V1OfferFormat = V1_CURRENT_OFFER_FORMAT): V1Json {
  return { type: 'OFFERS', offers: { offers: offers.map((offer) => v1Offer(offer, endpointOf(offer.agentId), format)) } };
}

/** INVERSE_OFFERS (maintenance): agents whose resources the master asks back, each with its endpoint when known (`endpointOf`). */
export function inverseOffersEvent(offers: readonly InverseOffer[], endpointOf: (agentId: string) => AgentEndpoint | undefined): V1Json {
  return { type: 'INVERSE_OFFERS', inverse_offers: { inverse_offers: offers.map((offer) => v1InverseOffer(offer, endpointOf(offer.agentId))) } };
}

/** RESCIND_INVERSE_OFFER: an inverse offer is withdrawn. */
export function rescindInverseOfferEvent(inverseOfferId: string): V1Json {
  return { type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: { inverse_offer_id: v1Id(inverseOfferId) } };
}

/** RESCIND: an offer is withdrawn. */
export function rescindEvent(offerId: string): V1Json {
  return { type: 'RESCIND', rescind: { offer_id: v1Id(offerId) } };
}

/** UPDATE: a task's status (with `uuid` when it needs an ACKNOWLEDGE). */
export function updateEvent(status: TaskStatus): V1Json {
  return { type: 'UPDATE', update: { status: v1TaskStatus(status) } };
}

/** MESSAGE: data from an executor. */
export function messageEvent(agentId: string, executorId: string, data: string): V1Json {
  return { type: 'MESSAGE', message: { agent_id: v1Id(agentId), executor_id: v1Id(executorId), data: v1OpaqueBytes(data) } };
}

/** FAILURE: an agent was lost (no executor), or an executor ended (with its exit status when known). */
export function failureEvent(failure: { agentId?: string; executorId?: string; status?: number }): V1Json {
  const body: V1Json = {};
  if (failure.agentId !== undefined) body.agent_id = v1Id(failure.agentId);
  if (failure.executorId !== undefined) body.executor_id = v1Id(failure.executorId);
  if (failure.status !== undefined) body.status = failure.status;
  return { type: 'FAILURE', failure: body };
}

/**
 * UPDATE_OPERATION_STATUS: an offer operation's status (its agent's, with a `uuid` to acknowledge
 * as a UUID message's 16 bytes; or a refusal, or a reconciliation's answer, without).
 */
export function operationStatusEvent(status: OperationStatus): V1Json {
  return { type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status: v1OperationStatus(status) } };
}

/** ERROR: the master refuses the framework (the stream ends after it). */
export function errorEvent(message: string): V1Json {
  return { type: 'ERROR', error: { message } };
}

/** HEARTBEAT. */
export function heartbeatEvent(): V1Json {
  return { type: 'HEARTBEAT' };
}
