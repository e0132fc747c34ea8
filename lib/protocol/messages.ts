/**
 * Every protocol message, declared once (names follow Mesos' internal messages; see DESIGN §4).
 * Bodies arriving from another host are validated with the zod schema before a handler runs.
 *
 * @example
 *   this.install(RegisterFramework, (from, { framework }) => ...);
 *   this.send(schedulerPid, FrameworkRegistered, { frameworkId, masterInfo });
 */
import { z } from 'zod';
import { defineMessage, MAX_UPID_LENGTH, type MessageType } from '../actor';
import { MAX_AGENT_CAPABILITIES, MAX_AGENT_REPORTED_FRAMEWORKS, MAX_AGENT_REPORTED_OPERATIONS, MAX_AGENT_REPORTED_TASKS, MAX_RECONCILE_OPERATIONS, MAX_RECONCILE_TASKS, MAX_SHORT_TEXT_LENGTH, MAX_STATUS_MESSAGE_LENGTH } from './limits';
import {
  AgentInfoSchema, AgentOperationSchema, CarriedOperationSchema, DrainConfigSchema, ExecutorInfoSchema, ExecutorStateSchema, FiltersSchema, FrameworkInfoSchema, InverseOfferSchema, KillPolicySchema, MasterInfoSchema,
  OfferSchema, OperationSchema, OperationStatusSchema, ResourceListSchema, StatusUpdateSchema, TaskGroupInfoSchema, TaskInfoSchema, TaskSchema, TaskStatusSchema, validator,
} from './types';

/**
 * Every string a peer sends is bounded at the boundary (issue 9), the messages' own fields as
 * the value types' are (types.ts): ids, uuids, pids, roles and versions to the short-text limit,
 * messages to the status-message limit. Payloads (`data`) are the frameworks' own, and never logged.
 */
const shortText = z.string().max(MAX_SHORT_TEXT_LENGTH, `must be at most ${MAX_SHORT_TEXT_LENGTH} characters`);
const id = shortText.min(1, 'must be a non-empty string');
const pid = z.string().max(MAX_UPID_LENGTH, `must be at most ${MAX_UPID_LENGTH} characters`);
const messageText = z.string().max(MAX_STATUS_MESSAGE_LENGTH, `must be at most ${MAX_STATUS_MESSAGE_LENGTH} characters`);
/** Longest reason text in a refusal. */
const MAX_REASON_LENGTH = 4_096;
/** Most roles a (re-)registration may name as suppressed. */
export const MAX_SUPPRESSED_ROLES = 1_024;

/** Every message's body schema, by name (the fast-check spec compiles each). */
export const MESSAGE_SCHEMAS = new Map<string, z.ZodType>();

function message<S extends z.ZodType>(name: string, schema: S): MessageType<z.infer<S>> {
  MESSAGE_SCHEMAS.set(name, schema);
  return defineMessage(name, validator(schema) as (body: unknown) => z.infer<S>);
}

// ---- framework → master -------------------------------------------------------------------

/** `suppressedRoles`: roles of the framework it starts suppressed in (Mesos' `Subscribe.suppressed_roles`; each must be one of its roles). */
export const RegisterFramework = message('RegisterFramework', z.object({ framework: FrameworkInfoSchema, suppressedRoles: z.array(shortText).max(MAX_SUPPRESSED_ROLES).optional() }));
export const ReregisterFramework = message('ReregisterFramework', z.object({ framework: FrameworkInfoSchema, failover: z.boolean(), suppressedRoles: z.array(shortText).max(MAX_SUPPRESSED_ROLES).optional() }));
/**
 * UPDATE_FRAMEWORK (Mesos' scheduler call): the framework's new info (its `id` the framework's)
 * and its suppressed roles from now on. The master answers `UpdateFrameworkAnswer` with the same
 * `requestId`.
 */
export const UpdateFrameworkCall = message('UpdateFrameworkCall', z.object({
  frameworkId: id, framework: FrameworkInfoSchema, suppressedRoles: z.array(shortText).max(MAX_SUPPRESSED_ROLES).optional(), requestId: shortText,
}));
/**
 * The master's answer to `UpdateFrameworkCall`: `status` 200 when applied, else 400 (an invalid
 * update) or 403 (not authorized for a role) with `message` saying why, as Mesos answers the v1 call.
 */
export const UpdateFrameworkAnswer = message('UpdateFrameworkAnswer', z.object({
  requestId: shortText, status: z.union([z.literal(200), z.literal(400), z.literal(403)]), message: z.string().max(MAX_STATUS_MESSAGE_LENGTH).optional(),
}));
export const UnregisterFramework = message('UnregisterFramework', z.object({ frameworkId: id }));
export const DeactivateFramework = message('DeactivateFramework', z.object({ frameworkId: id }));
/** ACCEPT: use offers (all on one agent) for operations; what is left returns, filtered. */
export const AcceptOffers = message('AcceptOffers', z.object({
  frameworkId: id, offerIds: z.array(id), operations: z.array(OperationSchema), filters: FiltersSchema.optional(),
}));
/** The old-style launch: sugar for AcceptOffers with one LAUNCH operation. */
export const LaunchTasks = message('LaunchTasks', z.object({
  frameworkId: id, offerIds: z.array(id), tasks: z.array(TaskInfoSchema), filters: FiltersSchema.optional(),
}));
export const DeclineOffers = message('DeclineOffers', z.object({ frameworkId: id, offerIds: z.array(id), filters: FiltersSchema.optional() }));
/** Most inverse offers one ACCEPT_INVERSE_OFFERS or DECLINE_INVERSE_OFFERS names. */
export const MAX_INVERSE_OFFER_IDS = 10_000;
/**
 * Mesos' ACCEPT_INVERSE_OFFERS and DECLINE_INVERSE_OFFERS (maintenance): the framework can (or
 * cannot) give back what it holds on the inverse offers' agents before their unavailability; it
 * is sent no new inverse offer for those agents for `filters.refuseSeconds` (default 5).
 */
export const AcceptInverseOffers = message('AcceptInverseOffers', z.object({
  frameworkId: id, inverseOfferIds: z.array(id).max(MAX_INVERSE_OFFER_IDS, `names at most ${MAX_INVERSE_OFFER_IDS} inverse offers`), filters: FiltersSchema.optional(),
}));
export const DeclineInverseOffers = message('DeclineInverseOffers', z.object({
  frameworkId: id, inverseOfferIds: z.array(id).max(MAX_INVERSE_OFFER_IDS, `names at most ${MAX_INVERSE_OFFER_IDS} inverse offers`), filters: FiltersSchema.optional(),
}));
export const ReviveOffers = message('ReviveOffers', z.object({ frameworkId: id, roles: z.array(shortText).optional() }));
export const SuppressOffers = message('SuppressOffers', z.object({ frameworkId: id, roles: z.array(shortText).optional() }));
/** `killPolicy`, when given, overrides the task's own for this kill (Mesos' `Call.Kill.kill_policy`). */
export const KillTask = message('KillTask', z.object({ frameworkId: id, taskId: id, agentId: id.optional(), killPolicy: KillPolicySchema.optional() }));
/** A framework asks that one of its executors be shut down (Mesos' v1 `SHUTDOWN` call); the master tells its agent. */
export const ShutdownExecutorCall = message('ShutdownExecutorCall', z.object({ frameworkId: id, executorId: id, agentId: id }));
/** Framework → master → agent (and agent → executor): the update with this uuid was handled. */
export const StatusUpdateAcknowledgement = message('StatusUpdateAcknowledgement', z.object({
  agentId: id, frameworkId: id, taskId: id, uuid: shortText,
}));
/** Explicit reconciliation names tasks; an empty list asks for all (implicit reconciliation). */
export const ReconcileTasks = message('ReconcileTasks', z.object({
  frameworkId: id, statuses: z.array(z.object({ taskId: id, agentId: id.optional() })).max(MAX_RECONCILE_TASKS, `names at most ${MAX_RECONCILE_TASKS} tasks (reconcile in batches)`),
}));
/**
 * Mesos' RECONCILE_OPERATIONS: the status of each named operation (an empty list: of every
 * operation the master knows of the framework, here none), answered in OperationStatusUpdates.
 */
export const ReconcileOperations = message('ReconcileOperations', z.object({
  frameworkId: id,
  operations: z.array(z.object({ operationId: id, agentId: id.optional(), resourceProviderId: id.optional() })).max(MAX_RECONCILE_OPERATIONS, `names at most ${MAX_RECONCILE_OPERATIONS} operations (reconcile in batches)`),
}));
/** Mesos' ACKNOWLEDGE_OPERATION_STATUS: a reliable operation status (one with a uuid) was handled. */
export const AcknowledgeOperationStatus = message('AcknowledgeOperationStatus', z.object({ frameworkId: id, agentId: id, operationId: id, uuid: shortText, resourceProviderId: id.optional() }));
export const FrameworkToExecutor = message('FrameworkToExecutor', z.object({
  agentId: id, frameworkId: id, executorId: id, data: z.string(),
}));

// ---- authentication: framework or agent ↔ master (lib/authentication.ts) -----------------

/** A 32-byte nonce or an HMAC-SHA256 proof, in hex. */
const hex256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits');
/** Client → master: start authenticating as `principal`. */
export const Authenticate = message('Authenticate', z.object({ principal: id, clientNonce: hex256 }));
/** Master → client: the nonce to prove the secret over. */
/** `clientNonce`: the one of the `Authenticate` it answers (a client ignores a challenge to an exchange it has given up; masters before 2026-12-06 send none). */
export const AuthenticationChallenge = message('AuthenticationChallenge', z.object({ serverNonce: hex256, clientNonce: hex256.optional() }));
/** Client → master: the client's proof. */
export const AuthenticationResponse = message('AuthenticationResponse', z.object({ clientProof: hex256 }));
/** Master → client: authenticated; the master's own proof, which the client checks. */
export const AuthenticationCompleted = message('AuthenticationCompleted', z.object({ serverProof: hex256 }));
/**
 * Master → client: refused (wrong principal or secret, an expired or replayed exchange, too many at once).
 * `clientNonce`: the one of the exchange refused, when the master knows it (a client ignores a refusal of an exchange it gave up).
 */
/**
 * The master refuses an authentication: why, the client nonce of the exchange refused (when it
 * knows it), and `retry` when trying again may succeed (too many exchanges in progress, or the
 * exchange expired or was swept): the client decides by the flag, not by the words.
 */
export const AuthenticationFailed = message('AuthenticationFailed', z.object({ reason: z.string().max(MAX_REASON_LENGTH), clientNonce: hex256.optional(), retry: z.boolean().optional() }));

// ---- master → framework -------------------------------------------------------------------

export const FrameworkRegistered = message('FrameworkRegistered', z.object({ frameworkId: id, masterInfo: MasterInfoSchema }));
export const FrameworkReregistered = message('FrameworkReregistered', z.object({ frameworkId: id, masterInfo: MasterInfoSchema }));
export const ResourceOffers = message('ResourceOffers', z.object({ offers: z.array(OfferSchema) }));
export const RescindResourceOffer = message('RescindResourceOffer', z.object({ offerId: id }));
/** Inverse offers (Mesos' `InverseOffersMessage`, maintenance): agents on draining machines whose resources the master asks back. */
export const InverseOffers = message('InverseOffers', z.object({ inverseOffers: z.array(InverseOfferSchema) }));
/** An inverse offer is withdrawn (Mesos' `RescindInverseOfferMessage`). */
export const RescindInverseOffer = message('RescindInverseOffer', z.object({ inverseOfferId: id }));
/** A status update; `pid` is the agent to acknowledge through (absent for master-generated updates). */
export const StatusUpdateMessage = message('StatusUpdate', z.object({ update: StatusUpdateSchema, pid: pid.optional() }));
export const LostAgent = message('LostAgent', z.object({ agentId: id }));
export const ExitedExecutor = message('ExitedExecutor', z.object({
  agentId: id, frameworkId: id, executorId: id, status: z.number(),
}));
export const ExecutorToFramework = message('ExecutorToFramework', z.object({
  agentId: id, frameworkId: id, executorId: id, data: z.string(),
}));
export const FrameworkError = message('FrameworkError', z.object({ message: messageText }));
/** An offer operation's status (Mesos' UPDATE_OPERATION_STATUS event): refused feedback, or an answer to ReconcileOperations. */
export const OperationStatusUpdate = message('OperationStatusUpdate', z.object({ frameworkId: id, status: OperationStatusSchema }));

// ---- agent → master -----------------------------------------------------------------------

/**
 * `checkpointedResources` (Mesos' `checkpointed_resources`): the dynamic reservations the agent
 * keeps on disk (`CheckpointResources`), each within its `agent.resources`; the agent's total is
 * `agent.resources` with them applied. Absent: none.
 */
/** What an agent can do (Mesos' `agent_capabilities`: `SlaveInfo.Capability` names; the master reads AGENT_FEEDBACK_CAPABILITIES). Absent: none. */
const agentCapabilities = z.array(shortText).max(MAX_AGENT_CAPABILITIES, `names at most ${MAX_AGENT_CAPABILITIES} capabilities`).optional();
export const RegisterAgent = message('RegisterAgent', z.object({ agent: AgentInfoSchema, version: shortText, checkpointedResources: ResourceListSchema.optional(), capabilities: agentCapabilities }));
export const ReregisterAgent = message('ReregisterAgent', z.object({
  agent: AgentInfoSchema, version: shortText, checkpointedResources: ResourceListSchema.optional(), capabilities: agentCapabilities,
  /** The operations with feedback the agent carried out whose latest status it has not heard acknowledged (Mesos' `UpdateSlaveMessage.operations`). */
  operations: z.array(AgentOperationSchema).max(MAX_AGENT_REPORTED_OPERATIONS, `reports at most ${MAX_AGENT_REPORTED_OPERATIONS} operations`).optional(),
  tasks: z.array(TaskSchema).max(MAX_AGENT_REPORTED_TASKS, `reports at most ${MAX_AGENT_REPORTED_TASKS} tasks`),
  executors: z.array(ExecutorStateSchema).max(MAX_AGENT_REPORTED_TASKS, `reports at most ${MAX_AGENT_REPORTED_TASKS} executors`),
  frameworks: z.array(FrameworkInfoSchema).max(MAX_AGENT_REPORTED_FRAMEWORKS, `reports at most ${MAX_AGENT_REPORTED_FRAMEWORKS} frameworks`),
}));
export const UnregisterAgent = message('UnregisterAgent', z.object({ agentId: id }));
export const Pong = message('Pong', z.object({}));
export const UpdateAgent = message('UpdateAgent', z.object({ agentId: id, resources: AgentInfoSchema.shape.resources }));
/**
 * An operation's status, from the agent that carried it out (Mesos' `UpdateOperationStatusMessage`):
 * sent again until the master passes on the framework's acknowledgement of `status.uuid`, or
 * acknowledges it itself (the framework is gone).
 */
export const UpdateOperationStatus = message('UpdateOperationStatus', z.object({ agentId: id, operation: AgentOperationSchema }));

// ---- master → agent -----------------------------------------------------------------------

/**
 * How the master watches the agent (Mesos' `MasterSlaveConnection`): it pings every
 * `agent_ping_timeout` and removes the agent after `max_agent_ping_timeouts` silent ones, so an
 * agent without a ping for `totalPingTimeoutSeconds` knows the master has lost it.
 */
const MasterAgentConnectionSchema = z.object({ totalPingTimeoutSeconds: z.number().positive() });

export const AgentRegistered = message('AgentRegistered', z.object({
  agentId: id, masterInfo: MasterInfoSchema, connection: MasterAgentConnectionSchema.optional(),
}));
/**
 * Reply to ReregisterAgent. `reconciliations` lists the tasks the master believes run on the
 * agent (Mesos' `SlaveReregisteredMessage.reconciliations`): the agent answers each one it has
 * never heard of with TASK_LOST (TASK_DROPPED for PARTITION_AWARE frameworks). Because messages
 * on one link keep their order, a RunTask still in flight reaches the agent first, so only
 * tasks really unknown to it are reported.
 */
export const AgentReregistered = message('AgentReregistered', z.object({
  agentId: id, masterInfo: MasterInfoSchema, connection: MasterAgentConnectionSchema.optional(),
  reconciliations: z.array(z.object({ frameworkId: id, taskId: id })).optional(),
  /**
   * The custom executors the master counts on the agent: the agent reports each one it does not
   * run as exited (its report may have been older than an exit whose ExitedExecutor was lost).
   */
  executors: z.array(z.object({ frameworkId: id, executorId: id })).optional(),
}));
export const Ping = message('Ping', z.object({ connected: z.boolean() }));
/**
 * Launch a task; `pid` is the framework's scheduler, for executor → framework messages. For a
 * task with a custom executor, `launchExecutor` says whether the master expects it to start that
 * executor (Mesos' `launch_executor`: the master tracks none with that id on the agent).
 */
export const RunTask = message('RunTask', z.object({
  framework: FrameworkInfoSchema, frameworkId: id, pid: pid.optional(), task: TaskInfoSchema, launchExecutor: z.boolean().optional(),
  /** The role the task's (and a new executor's) resources were allocated to; the agent reports it back when re-registering. */
  role: shortText.optional(),
}));
/**
 * Launch a task group (Mesos' `RunTaskGroupMessage`): every task of `taskGroup` on `executor`,
 * delivered to the executor together. Each task names `executor` too (the master fills it in).
 * `launchExecutor` and `role` as in RunTask.
 */
export const RunTaskGroup = message('RunTaskGroup', z.object({
  framework: FrameworkInfoSchema, frameworkId: id, pid: pid.optional(), executor: ExecutorInfoSchema, taskGroup: TaskGroupInfoSchema,
  launchExecutor: z.boolean().optional(), role: shortText.optional(),
}));
/**
 * The master's word on the agent's dynamic reservations (Mesos' `CheckpointResourcesMessage`):
 * all of them, each dynamically reserved and within the agent's `--resources`. The agent writes
 * them to its meta directory before it applies them, so they outlive its restarts, and reports
 * them when it (re-)registers.
 */
export const CheckpointResources = message('CheckpointResources', z.object({
  resources: ResourceListSchema,
  /**
   * The operations with feedback `resources` carries out (every one the master has not yet heard
   * finished on the agent): once they are durable the agent reports each OPERATION_FINISHED
   * (UpdateOperationStatus). Absent: none.
   */
  operations: z.array(CarriedOperationSchema).max(MAX_AGENT_REPORTED_OPERATIONS, `carries out at most ${MAX_AGENT_REPORTED_OPERATIONS} operations`).optional(),
}));
/** Master → agent: the framework acknowledged status `statusUuid` of operation `operationUuid` (Mesos' `AcknowledgeOperationStatusMessage`), or the master did for it. */
export const OperationStatusAcknowledgement = message('OperationStatusAcknowledgement', z.object({ agentId: id, operationUuid: id, statusUuid: id }));
export const KillTaskOnAgent = message('KillTaskOnAgent', z.object({ frameworkId: id, taskId: id, killPolicy: KillPolicySchema.optional() }));
export const ShutdownFramework = message('ShutdownFramework', z.object({ frameworkId: id }));
export const ShutdownExecutor = message('ShutdownExecutor', z.object({ frameworkId: id, executorId: id }));
export const Shutdown = message('Shutdown', z.object({ message: messageText }));
/**
 * Master → agent: drain (Mesos' `DrainSlaveMessage`): the agent checkpoints `config`, kills every
 * task it has (each kill's grace period capped by `config.maxGracePeriodNs`) and refuses new ones
 * until nothing is left. Sent when an operator drains the agent, and again each time a draining
 * (or drained) agent re-registers.
 */
export const DrainAgent = message('DrainAgent', z.object({ config: DrainConfigSchema }));
/** The framework failed over to a new scheduler pid. */
/**
 * Master → agent: a framework's scheduler is at `pid` now (a failover), and its info is
 * `framework` (after UPDATE_FRAMEWORK or a re-subscription: Mesos' UpdateFrameworkMessage), which
 * the agent keeps and checkpoints, so that a new master learns the framework as it is now.
 */
export const UpdateFramework = message('UpdateFramework', z.object({ frameworkId: id, pid, framework: FrameworkInfoSchema.optional() }));

// ---- executor ↔ agent ---------------------------------------------------------------------

/**
 * `token`: the one the agent gave this run of the executor (`MESOS_EXECUTOR_AUTHENTICATION_TOKEN`);
 * the agent takes a registration only with it, so no other process can register as the executor.
 */
export const RegisterExecutor = message('RegisterExecutor', z.object({ frameworkId: id, executorId: id, token: z.string().max(MAX_SHORT_TEXT_LENGTH).optional() }));
export const ReregisterExecutor = message('ReregisterExecutor', z.object({
  frameworkId: id, executorId: id, tasks: z.array(TaskInfoSchema), updates: z.array(StatusUpdateSchema),
}));
export const ExecutorRegistered = message('ExecutorRegistered', z.object({
  executorInfo: ExecutorInfoSchema, frameworkId: id, frameworkInfo: FrameworkInfoSchema, agentId: id, agentInfo: AgentInfoSchema,
}));
export const ExecutorReregistered = message('ExecutorReregistered', z.object({ agentId: id, agentInfo: AgentInfoSchema }));
export const ReconnectExecutor = message('ReconnectExecutor', z.object({ agentId: id }));
/** Agent → executor: run this task. */
export const RunTaskOnExecutor = message('RunTaskOnExecutor', z.object({ frameworkId: id, framework: FrameworkInfoSchema, task: TaskInfoSchema }));
/** Agent → executor: run this task group (Mesos' v1 executor event LAUNCH_GROUP); its tasks start together. */
export const RunTaskGroupOnExecutor = message('RunTaskGroupOnExecutor', z.object({ frameworkId: id, framework: FrameworkInfoSchema, taskGroup: TaskGroupInfoSchema }));
/** Agent → executor: kill this task (with the grace period from its kill policy, if any). */
export const KillTaskOnExecutor = message('KillTaskOnExecutor', z.object({ frameworkId: id, taskId: id, gracePeriodSeconds: z.number().nonnegative().optional() }));
export const ShutdownExecutorOnExecutor = message('ShutdownExecutorOnExecutor', z.object({ gracePeriodSeconds: z.number().nonnegative().optional() }));

/** Type-level re-exports so handlers can name bodies. */
export type { Operation, TaskStatus } from './types';
export { TaskStatusSchema, ExecutorInfoSchema };
