/**
 * The protocol's value types (Mesos' `mesos.proto` in camelCase), each a zod schema plus its
 * inferred TypeScript type. Messages (`messages.ts`) are built from these; every body that
 * arrives off the wire is validated against its schema before a handler sees it.
 *
 * Resources travel in Mesos' JSON form (`ResourceJSON[]`); turn them into `Resources` with
 * `Resources.fromJSON`, which rejects bad ones with a clear error.
 */
import { z } from 'zod';
import type { ResourceJSON } from '../resources/types';
import { MAX_CHECK_STATUSES, MAX_COMMAND_URIS, MAX_DISCOVERY_ENTRIES, MAX_HOSTNAME_LENGTH, MAX_MIN_ALLOCATABLE_ALTERNATIVES, MAX_NAME_LENGTH, MAX_RESOURCE_ENTRIES, MAX_SHORT_TEXT_LENGTH, MAX_STATUS_MESSAGE_LENGTH, MAX_TASK_ALLOCATION_ROLES, MAX_TASK_GROUP_TASKS, MAX_URI_LENGTH } from './limits';
import { compileFastCheck, rememberFrozen } from './fast-check';
import { plainDataError } from './plain';

/** Roles, users, principals, versions, reasons, uuids, addresses, attribute names. */
const shortText = z.string().max(MAX_SHORT_TEXT_LENGTH, `must be at most ${MAX_SHORT_TEXT_LENGTH} characters`);
/**
 * Every string a peer sends is bounded at the boundary (issue 9). Ids get the short-text bound,
 * not `MAX_ID_LENGTH`: a task id a little too long is answered by launch validation (TASK_ERROR
 * naming the rule), not dropped with its whole message.
 */
const id = z.string().min(1, 'must be a non-empty string').max(MAX_SHORT_TEXT_LENGTH, `must be at most ${MAX_SHORT_TEXT_LENGTH} characters`);
const name = z.string().max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`);
/** A host name: no control characters (NUL and the like were accepted and shown as they were: the hostile-wire pass of 2026-12-05). */
const hostname = z.string().max(MAX_HOSTNAME_LENGTH, `must be at most ${MAX_HOSTNAME_LENGTH} characters`).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

/** A schema of Mesos JSON resources (each call a schema object of its own). */
function resourceListSchema(): z.ZodType<ResourceJSON[]> {
  return z.array(
    z.object({ name: shortText, type: z.enum(['SCALAR', 'RANGES', 'SET']) }).passthrough(),
  ).max(MAX_RESOURCE_ENTRIES, `must have at most ${MAX_RESOURCE_ENTRIES} entries`) as unknown as z.ZodType<ResourceJSON[]>;
}

/** Mesos JSON resources; checked structurally here, semantically by `Resources.fromJSON`. */
export const ResourceListSchema = resourceListSchema();
/** One Mesos JSON resource (GROW_VOLUME's and SHRINK_VOLUME's fields); checked as a list's entries are. */
export const ResourceSchema = z.object({ name: shortText, type: z.enum(['SCALAR', 'RANGES', 'SET']) }).passthrough() as unknown as z.ZodType<ResourceJSON>;

/**
 * An offer's resources: an agent's one frozen list (`Resources.toFrozenJSON`), sent in every
 * offer of them, run after run; its fast check walks each such list once (`rememberFrozen`).
 * Only here: a task's or an update's list is new each time, and remembering those would only
 * fill the check's memory.
 */
const OfferResourceListSchema = rememberFrozen(resourceListSchema());
export type ResourceList = ResourceJSON[];

/** Agent attributes, e.g. `{rack: 'r1', zone: 'z2', level: 3, ports: '[1-10]'}` (from `--attributes "rack:r1;zone:z2;level:3;ports:[1-10]"`): numbers are SCALAR, text starting with `[` RANGES (lib/attributes.ts), other text TEXT. */
export const AttributesSchema = z.record(shortText, z.union([shortText, z.number()]));
export type Attributes = z.infer<typeof AttributesSchema>;

export const FrameworkCapabilitySchema = z.enum(['MULTI_ROLE', 'GPU_RESOURCES', 'PARTITION_AWARE', 'TASK_KILLING_STATE', 'REVOCABLE_RESOURCES', 'SHARED_RESOURCES', 'REGION_AWARE', 'RESERVATION_REFINEMENT']);
export type FrameworkCapability = z.infer<typeof FrameworkCapabilitySchema>;

/**
 * A framework's offer filters in one role (Mesos' `OfferFilters`). `minAllocatableResources`:
 * in that role it is offered only resources holding at least one of these alternatives (each
 * scalar quantities by name, e.g. `{cpus: 4, mem: 8192}`), in place of the master's
 * `--min_allocatable_resources`; an empty list: any resources. Left out: the master's.
 */
export const OfferFiltersSchema = z.object({
  minAllocatableResources: z.array(z.record(shortText, z.number()))
    .max(MAX_MIN_ALLOCATABLE_ALTERNATIVES, `must have at most ${MAX_MIN_ALLOCATABLE_ALTERNATIVES} alternatives`).optional(),
});
export type OfferFilters = z.infer<typeof OfferFiltersSchema>;

/** What a framework says about itself when it registers. */
export const FrameworkInfoSchema = z.object({
  /** Assigned by the master (`<masterId>-<n>`); set when re-registering. */
  id: id.optional(),
  name,
  /** OS user tasks run as (informational here: tasks run as the agent's user). */
  user: shortText,
  /** Roles to be offered resources for; default `['*']`. */
  roles: z.array(shortText).optional(),
  /** Seconds the master keeps a disconnected framework's tasks before tearing it down (Mesos default 0). */
  failoverTimeout: z.number().nonnegative().optional(),
  checkpoint: z.boolean().optional(),
  hostname: hostname.optional(),
  principal: shortText.optional(),
  webuiUrl: z.string().max(MAX_NAME_LENGTH).optional(),
  capabilities: z.array(FrameworkCapabilitySchema).optional(),
  /** Its offer filters by role (Mesos' `offer_filters`; see `OfferFiltersSchema`); a role it does not subscribe to is ignored. */
  offerFilters: z.record(shortText, OfferFiltersSchema).optional(),
  /** Free-form key/value labels (Mesos' `FrameworkInfo.labels`), shown with the framework in state. */
  labels: z.record(shortText, z.string().max(MAX_SHORT_TEXT_LENGTH)).optional(),
});
export type FrameworkInfo = z.infer<typeof FrameworkInfoSchema>;

/**
 * True when the framework understands TASK_DROPPED, TASK_UNREACHABLE and friends (Mesos'
 * `PARTITION_AWARE` capability); others are told TASK_LOST instead.
 * @example const state = isPartitionAware(framework) ? 'TASK_UNREACHABLE' : 'TASK_LOST'; // its agent was partitioned away
 */
export function isPartitionAware(framework: FrameworkInfo): boolean {
  return framework.capabilities?.includes('PARTITION_AWARE') ?? false;
}

/**
 * The state of a task that was never launched or is unknown where it should be (Mesos: "dropped"):
 * TASK_DROPPED for a PARTITION_AWARE framework, TASK_LOST (which every framework understands) for
 * the others and for a framework not known at all.
 * @example this.agentUpdate(framework.id, executorId, taskId, { state: droppedTaskState(framework.info), ... });
 */
export function droppedTaskState(framework: FrameworkInfo | undefined): 'TASK_DROPPED' | 'TASK_LOST' {
  return framework !== undefined && isPartitionAware(framework) ? 'TASK_DROPPED' : 'TASK_LOST';
}

const uriText = z.string().max(MAX_URI_LENGTH, `must be at most ${MAX_URI_LENGTH} characters`);

/**
 * A file the agent fetches into the sandbox before it starts the executor (Mesos'
 * `CommandInfo.URI`; `actors/agent/fetcher.ts`): `value` is an `http://`, `https://` or
 * `file://` URI, or an absolute path (relative: under the agent's `--frameworks_home`).
 */
export const CommandUriSchema = z.object({
  value: uriText,
  /** Made executable (mode 0755), and then never extracted. */
  executable: z.boolean().optional(),
  /** An archive (`.tar`, `.tgz`, `.tar.gz`, `.tbz2`, `.tar.bz2`, `.txz`, `.tar.xz`, `.zip`, or a bare `.gz`) is extracted into the sandbox (default true). */
  extract: z.boolean().optional(),
  /** Mesos' fetcher cache: accepted, and fetched directly (this agent has no cache). */
  cache: z.boolean().optional(),
  /** The file's path in the sandbox (default: the URI's last path segment); relative, within the sandbox. */
  outputFile: uriText.optional(),
});
export type CommandUri = z.infer<typeof CommandUriSchema>;

/** A command to run: through `/bin/sh -c` when `shell` (the default), else `value` with `arguments`. */
export const CommandInfoSchema = z.object({
  value: z.string(),
  shell: z.boolean().optional(),
  arguments: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  /**
   * The OS user to run as (Mesos' `CommandInfo.user`): an executor's, or a command task's (its
   * command executor then runs as it). Unset: the framework's user. An agent with
   * `--switch_user=false` runs everything as its own user.
   */
  user: shortText.optional(),
  /** Files the agent fetches into the sandbox before the executor starts (a command task's go to its command executor's sandbox). */
  uris: z.array(CommandUriSchema).max(MAX_COMMAND_URIS, `must have at most ${MAX_COMMAND_URIS} entries`).optional(),
});
export type CommandInfo = z.infer<typeof CommandInfoSchema>;

/** Mesos' `Labels` as its JSON has them, `{labels: [{key, value}]}` (inside a DiscoveryInfo, kept as given). */
const MesosLabelsSchema = z.object({
  labels: z.array(z.object({ key: shortText, value: shortText.optional() })).max(MAX_DISCOVERY_ENTRIES, `must have at most ${MAX_DISCOVERY_ENTRIES} entries`).optional(),
});

/**
 * How a task's service is found (Mesos' `DiscoveryInfo`, for Mesos-DNS and the like): kept and
 * shown as Mesos' JSON has it (every field name is the same in both), never read by the cluster.
 */
export const DiscoveryInfoSchema = z.object({
  visibility: z.enum(['FRAMEWORK', 'CLUSTER', 'EXTERNAL']),
  name: shortText.optional(),
  environment: shortText.optional(),
  location: shortText.optional(),
  version: shortText.optional(),
  ports: z.object({
    ports: z.array(z.object({
      number: z.number().int().min(0).max(0xffff_ffff),
      name: shortText.optional(),
      protocol: shortText.optional(),
      visibility: z.enum(['FRAMEWORK', 'CLUSTER', 'EXTERNAL']).optional(),
      labels: MesosLabelsSchema.optional(),
    })).max(MAX_DISCOVERY_ENTRIES, `must have at most ${MAX_DISCOVERY_ENTRIES} entries`).optional(),
  }).optional(),
  labels: MesosLabelsSchema.optional(),
});
export type DiscoveryInfo = z.infer<typeof DiscoveryInfoSchema>;

/**
 * Mesos' `ExecutorInfo.Type`: `DEFAULT`, the agent's built-in default executor, which runs task
 * groups (LAUNCH_GROUP) and has no command of its own; `CUSTOM`, the framework's own command.
 */
export const EXECUTOR_TYPES = ['DEFAULT', 'CUSTOM'] as const;
export type ExecutorType = (typeof EXECUTOR_TYPES)[number];

/**
 * An executor: a command the agent starts once per executor id, which then runs tasks (a custom
 * executor), or the agent's default executor (`type: 'DEFAULT'`, no `command`: the agent
 * supplies it). Unset `type` is a custom executor, as before Mesos had types.
 */
export const ExecutorInfoSchema = z.object({
  /** Checked by the master's task validation (a bad one gets TASK_ERROR), not at the wire. */
  executorId: shortText,
  frameworkId: id.optional(),
  type: z.enum(EXECUTOR_TYPES).optional(),
  /** A custom executor's command; none for the default executor (the master's validation checks which). */
  command: CommandInfoSchema.optional(),
  resources: ResourceListSchema.optional(),
  name: name.optional(),
  source: shortText.optional(),
  /**
   * Mesos' `ExecutorInfo.labels`: kept and shown with the executor (the agent's `/state` and
   * GET_EXECUTORS), never read by the cluster. A command executor's are its task's (Mesos'
   * `getExecutorInfo`), hence the same shape as `TaskInfo.labels`.
   */
  labels: z.record(z.string(), z.string()).optional(),
  /** Mesos' `ExecutorInfo.discovery`: kept and shown with the executor (GET_EXECUTORS), as a task's. */
  discovery: DiscoveryInfoSchema.optional(),
  /**
   * Mesos' `ExecutorInfo.shutdown_grace_period` (a `DurationInfo`: whole nanoseconds): how long the
   * agent waits for this executor to exit once asked to shut down, in place of the agent's
   * `--executor_shutdown_grace_period`.
   */
  shutdownGracePeriodNs: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
});
export type ExecutorInfo = z.infer<typeof ExecutorInfoSchema>;

export const KillPolicySchema = z.object({ gracePeriodSeconds: z.number().nonnegative() });
export type KillPolicy = z.infer<typeof KillPolicySchema>;

/**
 * How an agent is drained (Mesos' `DrainConfig`): `maxGracePeriodNs` caps each task's kill grace
 * period (Mesos' `max_grace_period`, a `DurationInfo`: whole nanoseconds, as exact as Mesos keeps
 * them), and `markGone` has the master mark the agent gone once it is drained.
 */
export const DrainConfigSchema = z.object({
  maxGracePeriodNs: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  markGone: z.boolean().optional(),
});
export type DrainConfig = z.infer<typeof DrainConfigSchema>;

/** Where an agent's draining is (Mesos' `DrainState`, but its placeholder `UNKNOWN`). */
export const DRAIN_STATES = ['DRAINING', 'DRAINED'] as const;
export type DrainState = (typeof DRAIN_STATES)[number];

/** An agent's draining as the master keeps it (Mesos' `DrainInfo`): its state, and how it was asked for. */
export const DrainInfoSchema = z.object({ state: z.enum(DRAIN_STATES), config: DrainConfigSchema });
export type DrainInfo = z.infer<typeof DrainInfoSchema>;

/**
 * The kinds of health check and check (Mesos' `HealthCheck.Type` / `CheckInfo.Type`). The wire
 * takes any short text (`HealthCheckSchema.type`), so that a task naming another kind is
 * answered by the master's validation with TASK_ERROR rather than its whole ACCEPT dropped.
 */
export const CHECK_TYPES = ['COMMAND', 'HTTP', 'TCP'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

/** True when `type` is one of `CHECK_TYPES`. */
export function isCheckType(type: string): type is CheckType {
  return (CHECK_TYPES as readonly string[]).includes(type);
}

/**
 * Where an HTTP check sends its GET: `scheme://127.0.0.1:port/path` (Mesos'
 * `HealthCheck.HTTPCheckInfo`; `statuses` is carried for custom executors, the command executors
 * ignore it and pass 200–399, as Mesos' do).
 */
export const HttpCheckSchema = z.object({
  /** Checked by validation (an integer 1–65535), not at the wire. */
  port: z.number(),
  /** Must start with `/`; default `/`. */
  path: z.string().max(MAX_SHORT_TEXT_LENGTH, `must be at most ${MAX_SHORT_TEXT_LENGTH} characters`).optional(),
  /** `http` (default) or `https` (the certificate is not verified, as Mesos' `curl -k`). */
  scheme: shortText.optional(),
  statuses: z.array(z.number()).max(MAX_CHECK_STATUSES, `must have at most ${MAX_CHECK_STATUSES} entries`).optional(),
});
export type HttpCheck = z.infer<typeof HttpCheckSchema>;

/** A TCP check: passes when a connection to `127.0.0.1:port` opens. */
export const TcpCheckSchema = z.object({ port: z.number() });
export type TcpCheck = z.infer<typeof TcpCheckSchema>;

/** When a check probes (seconds; judged by the master's validation, not at the wire), shared by health checks and checks. */
const checkTimingFields = {
  delaySeconds: z.number().optional(),
  intervalSeconds: z.number().optional(),
  timeoutSeconds: z.number().optional(),
};

/**
 * A task's health check (Mesos' `HealthCheck`): one of `command`, `http` or `tcp` by `type`.
 * Unset timings take Mesos' defaults (`HEALTH_CHECK_DEFAULTS` in `checks.ts`): first check 15 s
 * after launch, every 10 s, each failing after 20 s (0: never), the task killed after 3
 * consecutive failures; failures in the first 10 s are ignored until one check has passed.
 */
export const HealthCheckSchema = z.object({
  type: shortText,
  command: CommandInfoSchema.optional(),
  http: HttpCheckSchema.optional(),
  tcp: TcpCheckSchema.optional(),
  ...checkTimingFields,
  consecutiveFailures: z.number().optional(),
  gracePeriodSeconds: z.number().optional(),
});
export type HealthCheck = z.infer<typeof HealthCheckSchema>;

/**
 * A task's general check (Mesos' `CheckInfo`): its result is reported (`TaskStatus.checkStatus`)
 * and never kills the task. As in Mesos, a command check's command sits in `command.command`.
 */
export const CheckInfoSchema = z.object({
  type: shortText,
  command: z.object({ command: CommandInfoSchema }).optional(),
  http: HttpCheckSchema.pick({ port: true, path: true }).optional(),
  tcp: TcpCheckSchema.optional(),
  ...checkTimingFields,
});
export type CheckInfo = z.infer<typeof CheckInfoSchema>;

/**
 * The latest result of a task's general check (Mesos' `CheckStatusInfo`): the part named by
 * `type` is always there, empty until a check has completed (or when the last one timed out).
 */
export const CheckStatusInfoSchema = z.object({
  type: shortText,
  command: z.object({ exitCode: z.number().int().optional() }).optional(),
  http: z.object({ statusCode: z.number().int().optional() }).optional(),
  tcp: z.object({ succeeded: z.boolean().optional() }).optional(),
});
export type CheckStatusInfo = z.infer<typeof CheckStatusInfoSchema>;

/** A task to launch: exactly one of `command` (the built-in command executor) or `executor`. */
export const TaskInfoSchema = z.object({
  name,
  /** Checked by the master's task validation, so that a bad id is answered with TASK_ERROR rather than the whole call dropped. */
  taskId: shortText,
  agentId: id,
  resources: ResourceListSchema,
  command: CommandInfoSchema.optional(),
  executor: ExecutorInfoSchema.optional(),
  /** Opaque payload for a custom executor. */
  data: z.string().optional(),
  killPolicy: KillPolicySchema.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  /** How its service is found (Mesos-DNS and the like); kept and shown with the task. */
  discovery: DiscoveryInfoSchema.optional(),
  /** Run by the command executor (or a custom executor that calls `Executor.startChecks`); a failing one kills the task. */
  healthCheck: HealthCheckSchema.optional(),
  /** Run like `healthCheck`, but only reported (`TaskStatus.checkStatus`), never acted on. */
  check: CheckInfoSchema.optional(),
  /**
   * The roles its resources (and its executor's) say they are allocated to (the v1 API's
   * `allocation_info.role`): each must be the role of the offers it is launched on (Mesos), else
   * the task is TASK_ERROR. Unset: the offers' role, as Mesos fills it in.
   */
  allocationRoles: z.array(shortText).max(MAX_TASK_ALLOCATION_ROLES).optional(),
});
export type TaskInfo = z.infer<typeof TaskInfoSchema>;

/**
 * Tasks launched together on one executor (Mesos' `TaskGroupInfo`, a pod): the master admits all
 * of them or none, the agent delivers them to the executor in one message, and the default
 * executor kills the rest of the group when one of them fails or is killed.
 */
export const TaskGroupInfoSchema = z.object({ tasks: z.array(TaskInfoSchema).max(MAX_TASK_GROUP_TASKS, `must have at most ${MAX_TASK_GROUP_TASKS} tasks`) });
export type TaskGroupInfo = z.infer<typeof TaskGroupInfoSchema>;

export const TASK_STATES = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED',
  'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_UNREACHABLE', 'TASK_GONE',
  'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
] as const;
export const TaskStateSchema = z.enum(TASK_STATES);
export type TaskState = z.infer<typeof TaskStateSchema>;

/** States after which a task never changes again (Mesos' `protobuf::isTerminalState`). */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR',
]);

/** True for states a task never leaves. */
export function isTerminalState(state: TaskState): boolean {
  return TERMINAL_TASK_STATES.has(state);
}

export const StatusSourceSchema = z.enum(['SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR']);
export type StatusSource = z.infer<typeof StatusSourceSchema>;

/** A task's status as reported by its executor, the agent or the master. */
export const TaskStatusSchema = z.object({
  taskId: shortText,
  state: TaskStateSchema,
  message: z.string().max(MAX_STATUS_MESSAGE_LENGTH, `must be at most ${MAX_STATUS_MESSAGE_LENGTH} characters`).optional(),
  source: StatusSourceSchema.optional(),
  /** Mesos' `TaskStatus.Reason` name, e.g. `REASON_COMMAND_EXECUTOR_FAILED`, `REASON_AGENT_REMOVED`. */
  reason: shortText.optional(),
  data: z.string().optional(),
  agentId: id.optional(),
  executorId: id.optional(),
  /** Seconds since the epoch. */
  timestamp: z.number().optional(),
  /** Set on updates that need an acknowledgement; reconciliation answers carry none. */
  uuid: shortText.optional(),
  /** The task's health, on updates of a task with a health check (set from its first result on). */
  healthy: z.boolean().optional(),
  /** The task's latest general check result, on updates of a task with a check. */
  checkStatus: CheckStatusInfoSchema.optional(),
  /** On TASK_UNREACHABLE from the master: when its agent became unreachable (seconds since the epoch; Mesos' `unreachable_time`). */
  unreachableTime: z.number().optional(),
});
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

/** A status update as it travels executor → agent → master → framework (Mesos' `StatusUpdate`). */
export const StatusUpdateSchema = z.object({
  frameworkId: id,
  executorId: id.optional(),
  agentId: id.optional(),
  status: TaskStatusSchema,
  /** Seconds since the epoch. */
  timestamp: z.number(),
  /** Unique per update; acknowledgements name it. Absent for updates that need no ack. */
  uuid: shortText.optional(),
  /**
   * The task's latest state at the agent when it forwarded this update (Mesos' `latest_state`):
   * the agent forwards one unacknowledged update per task at a time, so the task may be further
   * along than `status.state`. The master's task state and resource recovery follow this.
   */
  latestState: TaskStateSchema.optional(),
});
export type StatusUpdate = z.infer<typeof StatusUpdateSchema>;

/** A task as the master and agent track it (Mesos' `Task`). */
export const TaskSchema = z.object({
  name,
  taskId: shortText,
  frameworkId: id,
  executorId: id.optional(),
  agentId: id,
  state: TaskStateSchema,
  resources: ResourceListSchema,
  statuses: z.array(TaskStatusSchema).optional(),
  /** Latest state the framework has acknowledged (or been sent). */
  statusUpdateState: TaskStateSchema.optional(),
  statusUpdateUuid: shortText.optional(),
  command: CommandInfoSchema.optional(),
  role: shortText.optional(),
  /** From the task's TaskInfo (shown by the state endpoints, as Mesos shows it; Mesos' Task has no `check`). */
  healthCheck: HealthCheckSchema.optional(),
  /** The OS user it runs as when its command or executor names one (Mesos' `Task.user`). */
  user: shortText.optional(),
  /** Its TaskInfo's labels and discovery, kept to be shown (Mesos-DNS and label-based routers read them in state). */
  labels: z.record(z.string(), z.string()).optional(),
  discovery: DiscoveryInfoSchema.optional(),
});
export type Task = z.infer<typeof TaskSchema>;

/**
 * Sets on `task` what Mesos' `createTask` copies from its TaskInfo `info` besides the basics, each
 * only when there (most tasks have none: no field is added to their record): its labels,
 * discovery, and the user its command (else its executor's command) names.
 */
export function copyTaskDescription(task: Task, info: TaskInfo): void {
  if (info.labels !== undefined) task.labels = info.labels;
  if (info.discovery !== undefined) task.discovery = info.discovery;
  const user = info.command?.user ?? info.executor?.command?.user;
  if (user !== undefined) task.user = user;
}

/**
 * A copy of `task` whose statuses list is its own: what a record that goes on changing sends,
 * and what a receiver keeps of a task it will change (bodies are values: README, "Writing an actor").
 */
export function snapshotTask(task: Task): Task {
  return task.statuses === undefined ? { ...task } : { ...task, statuses: [...task.statuses] };
}

/** An agent as it describes itself to the master. */
export const AgentInfoSchema = z.object({
  /** Assigned by the master (`<masterId>-S<n>`); set when re-registering. */
  id: id.optional(),
  hostname,
  port: z.number().int().min(0).max(65535),
  resources: ResourceListSchema,
  attributes: AttributesSchema.optional(),
});
export type AgentInfo = z.infer<typeof AgentInfoSchema>;

/** Who the master is (sent to frameworks and agents, and shown in /master/state). */
export const MasterInfoSchema = z.object({
  id: id,
  ip: shortText,
  port: z.number().int(),
  pid: shortText,
  hostname,
  version: shortText,
});
export type MasterInfo = z.infer<typeof MasterInfoSchema>;

/**
 * A time in nanoseconds since the epoch, or a duration in nanoseconds (Mesos' `TimeInfo` and
 * `DurationInfo`), within int64 (the master makes them whole: lib/v1/maintenance.ts checks an
 * operator's). Kept as a JS number: a present-day time in nanoseconds (~1.7e18) is past 2^53, so
 * it is held to the nearest double (within 256 ns).
 */
const nanoseconds = z.number().min(-9_223_372_036_854_775_808, 'must fit in 64 bits').max(9_223_372_036_854_775_807, 'must fit in 64 bits');

/**
 * When a machine is expected to become unavailable (maintenance), and for how long (Mesos'
 * `Unavailability`, in its JSON form): `start` in nanoseconds since the epoch; `duration`
 * absent: for good.
 */
export const UnavailabilitySchema = z.object({
  start: z.object({ nanoseconds }),
  duration: z.object({ nanoseconds: nanoseconds.nonnegative('must not be negative') }).optional(),
});
export type Unavailability = z.infer<typeof UnavailabilitySchema>;

/**
 * An inverse offer (Mesos' `InverseOffer`, maintenance primitives): the master asks a framework
 * for everything it holds on an agent back, before the agent's machine becomes unavailable.
 * `id` is an offer id (the same counter as offers'). The framework answers with
 * `AcceptInverseOffers` or `DeclineInverseOffers`.
 */
export const InverseOfferSchema = z.object({
  id: id,
  frameworkId: id,
  agentId: id,
  unavailability: UnavailabilitySchema,
});
export type InverseOffer = z.infer<typeof InverseOfferSchema>;

/** A resource offer: what one agent has available for one framework role. */
export const OfferSchema = z.object({
  id: id,
  frameworkId: id,
  agentId: id,
  hostname,
  resources: OfferResourceListSchema,
  attributes: AttributesSchema.optional(),
  /** The role the offer was allocated to. */
  allocationRole: shortText,
  /** Executors of this framework already running on the agent. */
  executorIds: z.array(shortText).optional(),
  /** The agent's machine is scheduled for maintenance (Mesos' `Offer.unavailability`): when, and for how long. */
  unavailability: UnavailabilitySchema.optional(),
});
export type Offer = z.infer<typeof OfferSchema>;

/**
 * Decline filters: do not offer these resources again to this framework for `refuseSeconds`
 * (default 5). As in Mesos, a negative value means the default, and a value over a year is capped
 * (the master decides; the wire accepts any number, so a bad filter never drops the call).
 */
export const FiltersSchema = z.object({ refuseSeconds: z.number().optional() });
export type Filters = z.infer<typeof FiltersSchema>;

/**
 * An operation in an ACCEPT call: LAUNCH tasks (or a task group: LAUNCH_GROUP), RESERVE /
 * UNRESERVE resources dynamically, CREATE / DESTROY persistent volumes, or GROW_VOLUME /
 * SHRINK_VOLUME one (Mesos' `Offer.Operation`: a type and the field of that
 * type; one object, not a union, so the link's compiled check covers it). A RESERVE's resources
 * are what it makes (each dynamically reserved to the offer's role, `reservation: {principal}`);
 * an UNRESERVE's, the reservations it undoes; a CREATE's volumes, the volumes it makes of reserved
 * disk (`disk: {persistence, volume}`); a DESTROY's, the volumes it turns back into that disk.
 * Operations apply in order, each to what the ones before left of the offers.
 */
export const OperationSchema = z.object({
  type: z.enum(['LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME']),
  /**
   * Mesos' operation id (`Offer.Operation.id`): the framework asks for feedback on the operation
   * (UPDATE_OPERATION_STATUS events, each to acknowledge). Given on agents with the
   * AGENT_OPERATION_FEEDBACK and RESOURCE_PROVIDER capabilities (`AGENT_FEEDBACK_CAPABILITIES`),
   * to v1 HTTP frameworks, for operations other than launches; refused otherwise, as Mesos
   * refuses it: see `Master.refuseFeedback`.
   */
  id: id.optional(),
  /** LAUNCH's tasks. */
  launch: z.object({ taskInfos: z.array(TaskInfoSchema) }).optional(),
  /** LAUNCH_GROUP's executor and the task group it runs, all or none. */
  launchGroup: z.object({ executor: ExecutorInfoSchema, taskGroup: TaskGroupInfoSchema }).optional(),
  /** RESERVE's resources. */
  reserve: z.object({ resources: ResourceListSchema }).optional(),
  /** UNRESERVE's resources. */
  unreserve: z.object({ resources: ResourceListSchema }).optional(),
  /** CREATE's volumes. */
  create: z.object({ volumes: ResourceListSchema }).optional(),
  /** DESTROY's volumes. */
  destroy: z.object({ volumes: ResourceListSchema }).optional(),
  /** GROW_VOLUME's volume (as offered) and the disk it grows by (`addition`: the same reserved disk, no volume). */
  growVolume: z.object({ volume: ResourceSchema, addition: ResourceSchema }).optional(),
  /** SHRINK_VOLUME's volume (as offered) and how much disk it gives back (`subtract`, less than its size). */
  shrinkVolume: z.object({ volume: ResourceSchema, subtract: z.object({ value: z.number() }) }).optional(),
});
/** One operation (the field its type names must be there: the master drops one without it, as Mesos does). */
export type Operation = z.infer<typeof OperationSchema>;

/** Mesos' `OperationState`: where an offer operation that asked for feedback stands. */
export const OPERATION_STATES = [
  'OPERATION_UNSUPPORTED', 'OPERATION_PENDING', 'OPERATION_FINISHED', 'OPERATION_FAILED', 'OPERATION_ERROR', 'OPERATION_DROPPED',
  'OPERATION_UNREACHABLE', 'OPERATION_GONE_BY_OPERATOR', 'OPERATION_RECOVERING', 'OPERATION_UNKNOWN',
] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

/** Whether an operation in `state` is done (Mesos' `isTerminalState` of operations: finished, failed, refused, dropped or gone). */
export function isTerminalOperationState(state: OperationState): boolean {
  return state === 'OPERATION_FINISHED' || state === 'OPERATION_FAILED' || state === 'OPERATION_ERROR' || state === 'OPERATION_DROPPED' || state === 'OPERATION_GONE_BY_OPERATOR';
}

/**
 * An offer operation's status (Mesos' `OperationStatus`). `uuid` (a UUID's text) only on a status
 * the agent sends reliably, which the framework acknowledges (ACKNOWLEDGE_OPERATION_STATUS); a
 * refusal or a reconciliation's answer has none.
 */
export const OperationStatusSchema = z.object({
  operationId: id.optional(),
  state: z.enum(OPERATION_STATES),
  uuid: shortText.optional(),
  message: z.string().max(MAX_STATUS_MESSAGE_LENGTH).optional(),
  agentId: id.optional(),
  /** The resource provider a reconciliation named (echoed, as Mesos echoes it). */
  resourceProviderId: id.optional(),
});
export type OperationStatus = z.infer<typeof OperationStatusSchema>;

/**
 * The agent capabilities that let a framework ask for feedback on operations of the agent's own
 * resources (Mesos' `SlaveInfo.Capability`: both are needed). Agents here always have them
 * (a test's may leave them out; Mesos' cannot: its `--agent_features` must list them).
 */
export const AGENT_FEEDBACK_CAPABILITIES = ['AGENT_OPERATION_FEEDBACK', 'RESOURCE_PROVIDER'] as const;

/**
 * The agent capabilities Mesos' master knows (`SlaveInfo.Capability.Type` but UNKNOWN), in the
 * order its books list them (`protobuf::slave::Capabilities::toRepeatedPtrField`): the order
 * `/master/state` and GET_AGENTS show an agent's in, each once, whatever order the agent sent.
 */
export const AGENT_CAPABILITY_TYPES = [
  'MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'RESOURCE_PROVIDER', 'RESIZE_VOLUME', 'AGENT_OPERATION_FEEDBACK', 'AGENT_DRAINING',
  'TASK_RESOURCE_LIMITS',
] as const;

/**
 * An operation with feedback on an agent (Mesos' `Operation` of agent default resources): which
 * framework's (`operationId` is the framework's id for it, `uuid` the master's), of which type,
 * and its latest status. The agent checkpoints and reports those it has not heard acknowledged.
 * As in Mesos, an operation without an `id` is one too (no `operationId`: the master, not the
 * framework, acknowledges its status), and so is an operator's (no `frameworkId` either).
 */
export const AgentOperationSchema = z.object({
  uuid: id,
  /** Absent for an operator's operation (`/master/reserve`, v1 RESERVE_RESOURCES, ...). */
  frameworkId: id.optional(),
  /** The framework's `id` for it; absent when it gave none (and for an operator's). */
  operationId: id.optional(),
  type: OperationSchema.shape.type,
  /** The operation as the framework sent it (GET_OPERATIONS shows it); absent in reports of agents from before it was carried. */
  info: OperationSchema.optional(),
  status: OperationStatusSchema,
});
export type AgentOperation = z.infer<typeof AgentOperationSchema>;
/** An operation a CheckpointResources carries out (`CheckpointResources.operations`): an `AgentOperation` before it has a status. */
export const CarriedOperationSchema = AgentOperationSchema.pick({ uuid: true, frameworkId: true, operationId: true, type: true, info: true });
export type CarriedOperation = z.infer<typeof CarriedOperationSchema>;

/** An executor an agent runs, as it reports it when re-registering. */
export const ExecutorStateSchema = z.object({
  frameworkId: id,
  executorId: shortText,
  info: ExecutorInfoSchema.optional(),
  /** The role its resources were allocated to (a multi-role framework's executor keeps it across a master restart). */
  role: shortText.optional(),
});
export type ExecutorState = z.infer<typeof ExecutorStateSchema>;

/**
 * Returns a validator for `defineMessage`: checks that the body is plain data (plain.ts), then
 * parses it with `schema`; throws an Error naming the first bad field, e.g.
 * `task.resources.0.name: expected string, received number`.
 */
export function validator<T>(schema: z.ZodType<T>): (body: unknown) => T {
  // Most bodies are valid and carry no key zod would strip: those pass the compiled check and
  // are returned as they are, with no copy made (fast-check.ts); zod decides about the rest.
  const fast = compileFastCheck(schema);
  return (body: unknown): T => {
    if (fast !== undefined && fast(body)) return body as T;
    const notPlain = plainDataError(body);
    if (notPlain !== undefined) throw new Error(notPlain);
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const path = issue && issue.path.length > 0 ? issue.path.join('.') : '(body)';
    throw new Error(`${path}: ${issue?.message ?? 'invalid'}`);
  };
}
