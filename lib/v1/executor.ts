/**
 * The v1 executor API's calls and events (Mesos' `v1/executor/executor.proto` in JSON):
 * `parseExecutorCall` checks a POSTed call (as Mesos' `validateExecutorCall` does) and turns it
 * into this project's types, with an error naming the first bad field; the `*Event` functions
 * build the events a subscribed executor reads from its RecordIO stream. Unknown fields are
 * ignored, as protobuf's JSON parser ignores them; unknown call types are refused.
 */
import { z } from 'zod';
import {
  MAX_STATUS_MESSAGE_LENGTH, TASK_STATES,
  checkStatusInfoError, type AgentInfo, type ExecutorInfo, type FrameworkInfo, type TaskInfo, type TaskStatus,
} from '../protocol';
import { v1MessageType } from './protobuf';
import { checkStatusOfV1, v1NumberField, v1CheckStatusSchema, checkedCall, v1BytesField, v1IdValue, v1List, v1Text, textOfV1Data, textOfV1Uuid, NOT_A_VALID_UUID, v1Uuid, v1AgentInfo, v1ExecutorInfo, v1FrameworkInfo, v1Id, v1OpaqueBytes, v1TaskInfo, UNKNOWN_CALL_REFUSAL, type V1CallRefusal, type V1Json } from './json';

/** Most unacknowledged tasks or updates a re-subscription may list. */
export const MAX_UNACKNOWLEDGED_ENTRIES = 10_000;

/**
 * Longest `uuid` of a status read, in characters of base64, before it is checked to be the 16
 * bytes of a UUID (24 characters; anything else is `NOT_A_VALID_UUID`, as in Mesos).
 */
export const MAX_UUID_BASE64_CHARS = 256;

const idValue = v1IdValue;
const list = <T extends z.ZodType>(item: T): z.ZodArray<T> => v1List(item, MAX_UNACKNOWLEDGED_ENTRIES);
const bytes = v1BytesField;
const text = v1Text;

const taskStatus = z.object({
  task_id: idValue,
  state: z.enum(TASK_STATES, { message: `must be one of ${TASK_STATES.join(', ')}` }),
  message: z.string().max(MAX_STATUS_MESSAGE_LENGTH, `must be at most ${MAX_STATUS_MESSAGE_LENGTH} characters`).optional(),
  source: text.optional(),
  reason: text.optional(),
  data: bytes.optional(),
  agent_id: idValue.optional(),
  executor_id: idValue.optional(),
  timestamp: v1NumberField.optional(),
  uuid: z.string().max(MAX_UUID_BASE64_CHARS, `must be at most ${MAX_UUID_BASE64_CHARS} characters of base64`).optional(),
  healthy: z.boolean().optional(),
  check_status: v1CheckStatusSchema.optional(),
});

const update = z.object({ status: taskStatus });

const callSchema = z.object({
  type: text.optional(),
  executor_id: idValue.optional(),
  framework_id: idValue.optional(),
  subscribe: z.object({
    // Only their ids matter to the agent (which keeps the tasks themselves): the rest is not checked.
    unacknowledged_tasks: list(z.object({ task_id: idValue })).default([]),
    unacknowledged_updates: list(update).default([]),
  }).optional(),
  update: update.optional(),
  message: z.object({ data: bytes }).optional(),
});

/** The call types served (all of Mesos'). */
export const EXECUTOR_CALL_TYPES = ['SUBSCRIBE', 'UPDATE', 'MESSAGE', 'HEARTBEAT'] as const;

/** A v1 executor call, checked and in this project's types. Statuses carry the executor's uuid as a UUID's text (see `textOfV1Uuid`). */
export type ExecutorCall =
  | { type: 'SUBSCRIBE'; frameworkId: string; executorId: string; unacknowledgedTaskIds: string[]; unacknowledgedUpdates: TaskStatus[] }
  | { type: 'UPDATE'; frameworkId: string; executorId: string; status: TaskStatus }
  | { type: 'MESSAGE'; frameworkId: string; executorId: string; data: string }
  | { type: 'HEARTBEAT'; frameworkId: string; executorId: string };

/** A checked call, or the reason (for a 400) naming the first bad field; `unserved` for the call type Mesos answers 501 (`UNKNOWN`, its enum's placeholder). */
export type ParsedExecutorCall = { ok: true; call: ExecutorCall } | V1CallRefusal;

/**
 * Checks a v1 executor call (already parsed from JSON) and converts it. Errors read like
 * `update.status.state: must be one of TASK_STAGING, ...`, or Mesos' own words (`Expecting
 * 'executor_id' to be present`, `Received TASK_STAGING from executor E of framework F which is
 * not allowed`).
 *
 * @example
 *   parseExecutorCall({ type: 'MESSAGE', framework_id: { value: 'F' }, executor_id: { value: 'E' }, message: { data: 'aGk=' } })
 *   // { ok: true, call: { type: 'MESSAGE', frameworkId: 'F', executorId: 'E', data: 'hi' } }
 */
export function parseExecutorCall(body: unknown): ParsedExecutorCall {
  const checked = checkedCall(callSchema, body);
  if (!checked.ok) return checked;
  const call = checked.value;
  if (call.type === undefined) return { ok: false, error: "Expecting 'type' to be present" };
  if (call.executor_id === undefined) return { ok: false, error: "Expecting 'executor_id' to be present" };
  if (call.framework_id === undefined) return { ok: false, error: "Expecting 'framework_id' to be present" };
  const frameworkId = call.framework_id.value;
  const executorId = call.executor_id.value;
  switch (call.type) {
    case 'SUBSCRIBE': {
      if (call.subscribe === undefined) return { ok: false, error: "Expecting 'subscribe' to be present" };
      const unacknowledgedUpdates: TaskStatus[] = [];
      for (const [index, given] of call.subscribe.unacknowledged_updates.entries()) {
        const status = statusOf(given.status, frameworkId, executorId);
        if (typeof status === 'string') return { ok: false, error: `subscribe.unacknowledged_updates.${index}.status.${status}` };
        unacknowledgedUpdates.push(status);
      }
      const unacknowledgedTaskIds = call.subscribe.unacknowledged_tasks.map((task) => task.task_id.value);
      return { ok: true, call: { type: 'SUBSCRIBE', frameworkId, executorId, unacknowledgedTaskIds, unacknowledgedUpdates } };
    }
    case 'UPDATE': {
      if (call.update === undefined) return { ok: false, error: "Expecting 'update' to be present" };
      const status = statusOf(call.update.status, frameworkId, executorId);
      if (typeof status === 'string') return { ok: false, error: `update.status.${status}` };
      return { ok: true, call: { type: 'UPDATE', frameworkId, executorId, status } };
    }
    case 'MESSAGE': {
      if (call.message === undefined) return { ok: false, error: "Expecting 'message' to be present" };
      const data = textOfV1Data(call.message.data);
      if (data === undefined) return { ok: false, error: 'message.data: must be base64' };
      return { ok: true, call: { type: 'MESSAGE', frameworkId, executorId, data } };
    }
    case 'HEARTBEAT':
      return { ok: true, call: { type: 'HEARTBEAT', frameworkId, executorId } };
    case 'UNKNOWN':
      // Mesos: valid (its ids present), then Not Implemented (its agent logs "Received 'UNKNOWN' call").
      return UNKNOWN_CALL_REFUSAL;
    default:
      return { ok: false, error: `call type '${call.type}' is not supported (supported: ${EXECUTOR_CALL_TYPES.join(', ')})` };
  }
}

/**
 * A v1 TaskStatus from an executor in this project's form (source SOURCE_EXECUTOR, the call's
 * executor), or the bad field's path and reason. As Mesos: a uuid is required, the status may
 * not name another executor or another source, and TASK_STAGING is refused.
 */
function statusOf(given: z.infer<typeof taskStatus>, frameworkId: string, executorId: string): TaskStatus | string {
  if (given.uuid === undefined) return "uuid: Expecting 'uuid' to be present";
  const uuid = textOfV1Uuid(given.uuid);
  if (uuid === undefined) return `uuid: ${NOT_A_VALID_UUID}`;
  if (given.executor_id !== undefined && given.executor_id.value !== executorId) {
    return `executor_id: ExecutorID in Call: ${executorId} does not match ExecutorID in TaskStatus: ${given.executor_id.value}`;
  }
  if (given.source !== undefined && given.source !== 'SOURCE_EXECUTOR') {
    return `source: Received Call from executor ${executorId} of framework ${frameworkId} with invalid source, expecting 'SOURCE_EXECUTOR'`;
  }
  if (given.state === 'TASK_STAGING') return `state: Received TASK_STAGING from executor ${executorId} of framework ${frameworkId} which is not allowed`;
  const status: TaskStatus = { taskId: given.task_id.value, state: given.state, source: 'SOURCE_EXECUTOR', executorId, uuid };
  if (given.message !== undefined) status.message = given.message;
  if (given.reason !== undefined) {
    // Mesos' JSON-to-protobuf conversion refuses a name its enum does not have (400); taken, it reached the framework's
    // scheduler and operator subscribers as JSON that Mesos' own libraries cannot parse.
    if (!taskStatusReasons().has(given.reason)) return `reason: '${given.reason}' is not a value of enum TaskStatus.Reason`;
    status.reason = given.reason;
  }
  if (given.data !== undefined) {
    const data = textOfV1Data(given.data);
    if (data === undefined) return 'data: must be base64';
    status.data = data;
  }
  if (given.agent_id !== undefined) status.agentId = given.agent_id.value;
  if (given.timestamp !== undefined) status.timestamp = given.timestamp;
  if (given.healthy !== undefined) status.healthy = given.healthy;
  if (given.check_status !== undefined) {
    const checkStatus = checkStatusOfV1(given.check_status);
    const invalid = checkStatusInfoError(checkStatus);
    if (invalid !== undefined) return `check_status: ${invalid}`;
    status.checkStatus = checkStatus;
  }
  return status;
}

let reasonNames: ReadonlySet<string> | undefined;

/** The names of `mesos.v1.TaskStatus.Reason` (the declared schema's, read once). */
function taskStatusReasons(): ReadonlySet<string> {
  reasonNames ??= new Set(Object.keys(v1MessageType('executor', 'call').lookupEnum('mesos.v1.TaskStatus.Reason').values));
  return reasonNames;
}

// ---- events ----------------------------------------------------------------------------------

/** SUBSCRIBED: who the executor is, its framework, its agent, and its container (this run). */
export function subscribedEvent(executorInfo: ExecutorInfo, frameworkInfo: FrameworkInfo, agentInfo: AgentInfo, containerId: string): V1Json {
  return {
    type: 'SUBSCRIBED',
    subscribed: {
      executor_info: v1ExecutorInfo(executorInfo),
      framework_info: v1FrameworkInfo(frameworkInfo),
      agent_info: v1AgentInfo(agentInfo),
      container_id: v1Id(containerId),
    },
  };
}

/** LAUNCH: a task to run. */
export function launchEvent(task: TaskInfo): V1Json {
  return { type: 'LAUNCH', launch: { task: v1TaskInfo(task) } };
}

/**
 * LAUNCH_GROUP: a task group to run together (the agent's RunTaskGroupOnExecutor), each task
 * naming the group's executor, as Mesos sends them.
 *
 * @example launchGroupEvent([web, sidecar]) // { type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: [...] } } }
 */
export function launchGroupEvent(tasks: readonly TaskInfo[]): V1Json {
  return { type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: tasks.map(v1TaskInfo) } } };
}

/** KILL: kill a task, within its grace period when one is given. */
export function killEvent(taskId: string, gracePeriodSeconds?: number): V1Json {
  const kill: V1Json = { task_id: v1Id(taskId) };
  if (gracePeriodSeconds !== undefined) kill.kill_policy = { grace_period: { nanoseconds: Math.round(gracePeriodSeconds * 1e9) } };
  return { type: 'KILL', kill };
}

/** ACKNOWLEDGED: the agent has the update with this uuid (the executor's own bytes, base64). */
export function acknowledgedEvent(taskId: string, uuid: string): V1Json {
  return { type: 'ACKNOWLEDGED', acknowledged: { task_id: v1Id(taskId), uuid: v1Uuid(uuid) } };
}

/** MESSAGE: data from the scheduler. */
export function messageEvent(data: string): V1Json {
  return { type: 'MESSAGE', message: { data: v1OpaqueBytes(data) } };
}

/** SHUTDOWN: kill every task, report them, exit. */
export function shutdownEvent(): V1Json {
  return { type: 'SHUTDOWN' };
}

/** ERROR: something the executor cannot recover from; it should abort and subscribe again. */
export function errorEvent(message: string): V1Json {
  return { type: 'ERROR', error: { message } };
}

/** HEARTBEAT. */
export function heartbeatEvent(): V1Json {
  return { type: 'HEARTBEAT' };
}
