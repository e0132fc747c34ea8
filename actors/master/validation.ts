/**
 * Pure validation of offers and tasks in an ACCEPT (Mesos' `master/validation.cpp`). Each check
 * returns the reason a framework is told (in a TASK_ERROR or TASK_LOST update), or undefined
 * when the input is valid. Checks run in Mesos' order, so the first problem is the one named.
 */
import { duplicatePersistenceIdIn, Resources, roleError, scalarError } from '../../lib/resources';
import { MAX_MIN_ALLOCATABLE_ALTERNATIVES, MAX_OFFER_FILTER_ROLES, MAX_RESOURCE_ENTRIES } from '../../lib/protocol/limits';
import type { MinAllocatableByRole } from '../allocator/hierarchical';
import { checkInfoError, healthCheckError, idError, type ExecutorInfo, type FrameworkInfo, type TaskInfo } from '../../lib/protocol';
import { withFields } from '../../lib/with-fields';
import { partialVolumeError } from './reservations';

/** What offer validation needs to know of one outstanding offer. */
export interface OfferFacts {
  readonly frameworkId: string;
  readonly agentId: string;
  /** The role the offer was allocated to. */
  readonly role: string;
}

/**
 * Checks the offers of an ACCEPT: at least one, no duplicates, all outstanding, all offered to
 * `frameworkId`, all allocated to one role, and all on one agent.
 *
 * @example
 *   validateOffers(['O1', 'O1'], 'F1', lookup) // 'Duplicate offer O1 in offer list'
 */
export function validateOffers(
  offerIds: readonly string[],
  frameworkId: string,
  lookup: (offerId: string) => OfferFacts | undefined,
): string | undefined {
  if (offerIds.length === 0) return 'No offers specified';
  // With a set: a peer's list is as long as its message (quadratic, 20,000 ids took a second).
  // One id (nearly every ACCEPT) cannot repeat: no set.
  if (offerIds.length > 1) {
    const seen = new Set<string>();
    for (const offerId of offerIds) {
      if (seen.has(offerId)) return `Duplicate offer ${offerId} in offer list`;
      seen.add(offerId);
    }
  }
  // Each list in id order, the facts at the same index as their id.
  const offers: OfferFacts[] = [];
  for (const offerId of offerIds) {
    const offer = lookup(offerId);
    if (offer === undefined) return `Offer ${offerId} is no longer valid`;
    offers.push(offer);
  }
  for (let index = 0; index < offers.length; index++) {
    const offer = offers[index] as OfferFacts;
    if (offer.frameworkId !== frameworkId) {
      return `Offer ${offerIds[index]} has invalid framework ${offer.frameworkId} while framework ${frameworkId} is expected`;
    }
  }
  const first = offers[0] as OfferFacts;
  for (let index = 1; index < offers.length; index++) {
    const offer = offers[index] as OfferFacts;
    if (offer.role !== first.role) {
      return `Aggregated offers must be allocated to the same role. Offer ${offerIds[index]} uses role '${offer.role}' but another is using role '${first.role}'`;
    }
  }
  for (let index = 1; index < offers.length; index++) {
    const offer = offers[index] as OfferFacts;
    if (offer.agentId !== first.agentId) {
      return `Aggregated offers must belong to one single agent. Offer ${offerIds[index]} uses agent ${offer.agentId} and agent ${first.agentId}`;
    }
  }
  return undefined;
}

/** What task validation needs to know: the framework, the offers' agent and what is left of the offers. */
export interface TaskContext {
  readonly frameworkId: string;
  /** The agent the offers are on. */
  readonly agentId: string;
  /** Whether the framework has a live task with this id (including ones launched earlier in the same ACCEPT). */
  hasTask(taskId: string): boolean;
  /** Whether the framework has an unreachable task with this id. */
  hasUnreachableTask(taskId: string): boolean;
  /** The framework's executor with this id on the agent, if it runs (or was launched earlier in the same ACCEPT). */
  executor(executorId: string): ExecutorInfo | undefined;
  /** What remains of the offered resources. */
  readonly available: Resources;
  /** The agent's total, against which a task's persistent volumes are checked whole (none checked without it). */
  readonly agentTotal?: Resources;
  /** The role the offers are allocated to. */
  readonly role?: string;
  /** The launch's parses of its resource lists, remembered (without it, each use parses again). */
  readonly parses?: LaunchParses;
}

/**
 * The resource lists of one task's launch (the task's and its executor's), parsed once each and
 * remembered by identity: validating and launching a task parsed its list five times (with it,
 * a simulated short task allocated 55.4 → 52.2 KB in the whole process). Only successful parses
 * are kept (a list that does not parse throws each time, as `Resources.fromJSON` does); past two
 * lists, each is parsed anew.
 */
export class LaunchParses {
  private firstJson: unknown = undefined;
  private first: Resources | undefined = undefined;
  private secondJson: unknown = undefined;
  private second: Resources | undefined = undefined;

  /** `Resources.fromJSON(json)`, or what it returned for this very list before. */
  parse(json: unknown): Resources {
    if (this.first !== undefined && json === this.firstJson) return this.first;
    if (this.second !== undefined && json === this.secondJson) return this.second;
    const parsed = Resources.fromJSON(json);
    if (this.first === undefined) {
      this.firstJson = json;
      this.first = parsed;
    } else if (this.second === undefined) {
      this.secondJson = json;
      this.second = parsed;
    }
    return parsed;
  }
}

/** `json` parsed through the launch's remembered parses, if it has them; no list (an executor's may have none) is no resources. */
function parsedIn(context: Pick<TaskContext, 'parses'>, json: unknown): Resources {
  if (json === undefined) return Resources.EMPTY;
  return context.parses !== undefined ? context.parses.parse(json) : Resources.fromJSON(json);
}

/**
 * Checks one task of a LAUNCH against the framework, the agent and the remaining offered
 * resources: a valid, unique task id; the offers' agent; non-empty, valid resources; exactly
 * one of command or executor; a valid, compatible executor; a valid check and health check;
 * task and (new) executor resources that can be added together; and their sum within what remains.
 *
 * @example
 *   validateTask({ ...task, agentId: 'other' }, context) // 'Task uses invalid agent other while agent S0 is expected'
 */
export function validateTask(task: TaskInfo, context: TaskContext): string | undefined {
  return (
    taskIdError(task, context) ??
    agentIdError(task, context) ??
    resourcesError(task, context) ??
    allocationRoleError(task, context) ??
    commandOrExecutorError(task) ??
    defaultExecutorLaunchError(task) ??
    executorError(task.executor, context) ??
    checksError(task) ??
    combinationError(task, context) ??
    fitError(task, context)
  );
}

/** A role the task's resources say they are allocated to that is not the offers' (`TaskInfo.allocationRoles`). */
function allocationRoleError(task: TaskInfo, context: TaskContext): string | undefined {
  const other = context.role === undefined ? undefined : task.allocationRoles?.find((role) => role !== context.role);
  return other === undefined ? undefined : `Task's resources are allocated to role '${other}', but the offers are allocated to role '${context.role ?? ''}'`;
}

/**
 * The resources a valid task consumes: its own, plus its executor's when the executor is new on
 * the agent. Throws if they cannot be added (a resource of two types); `validateTask` rejects those.
 */
export function launchResources(task: TaskInfo, context: Pick<TaskContext, 'executor' | 'parses'>): Resources {
  const resources = parsedIn(context, task.resources);
  if (task.executor === undefined || context.executor(task.executor.executorId) !== undefined) return resources;
  return resources.add(parsedIn(context, task.executor.resources));
}

/** The task's executor with `frameworkId` filled in (the master fills it, as in Mesos). */
export function withFrameworkId(executor: ExecutorInfo, frameworkId: string): ExecutorInfo {
  return executor.frameworkId === undefined ? withFields(executor, { frameworkId }) : executor;
}

/** What a framework that names no roles subscribes to (shared: the list is read, never changed). */
const DEFAULT_FRAMEWORK_ROLES: readonly string[] = Object.freeze(['*']);

/** The roles a framework subscribes to: its `roles`, or `*` when it names none (no list made per call: `makeOffer` asks per offer). */
export function frameworkRoles(info: FrameworkInfo): readonly string[] {
  return info.roles ?? DEFAULT_FRAMEWORK_ROLES;
}

/**
 * A framework's own minimum allocatable resources by role, for the allocator: the roles its
 * `offerFilters` give `minAllocatableResources` (Mesos' `unpackFrameworkOfferFilters`); a role
 * it names without them keeps the master's. Undefined when there are none.
 */
export function frameworkMinAllocatable(info: FrameworkInfo): MinAllocatableByRole | undefined {
  const filters = info.offerFilters;
  if (filters === undefined) return undefined;
  const byRole: Record<string, readonly Readonly<Record<string, number>>[]> = Object.create(null) as Record<string, readonly Readonly<Record<string, number>>[]>;
  let any = false;
  for (const [role, filter] of Object.entries(filters)) {
    if (filter.minAllocatableResources === undefined) continue;
    byRole[role] = filter.minAllocatableResources;
    any = true;
  }
  return any ? byRole : undefined;
}

/**
 * Why a known framework may not be re-registered with `next` (Mesos' `validateUpdate`): its
 * principal is fixed. Without this, a scheduler that proved another principal (or none) could
 * fail the framework over to itself and take its tasks, or change whose teardown ACLs apply. As
 * in Mesos, the old principal is not named to the caller. (Its user and checkpointing are kept
 * instead: `preservedImmutableFields`.)
 */
export function frameworkUpdateError(current: FrameworkInfo, next: FrameworkInfo): string | undefined {
  if (current.principal !== next.principal) return "Changing framework's principal is not allowed.";
  return undefined;
}

/**
 * Why UPDATE_FRAMEWORK may not change `current` into `next` (Mesos' `validateUpdate`): the
 * principal, the user and checkpointing are fixed. (A re-subscription ignores a new user or
 * checkpointing instead: `preservedImmutableFields`.)
 */
export function frameworkInfoUpdateError(current: FrameworkInfo, next: FrameworkInfo): string | undefined {
  const principal = frameworkUpdateError(current, next);
  if (principal !== undefined) return principal;
  if (next.user !== current.user) return `Updating 'FrameworkInfo.user' is unsupported; attempted to update from '${current.user}' to '${next.user}'`;
  if ((next.checkpoint === true) !== (current.checkpoint === true)) {
    return `Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '${String(current.checkpoint === true)}' to '${String(next.checkpoint === true)}'`;
  }
  return undefined;
}

/**
 * `next` with the fields a (re-)subscription may not change taken from `current`, as Mesos'
 * `preserveImmutableFields` does (MESOS-703): its `user` (its tasks' user: a new one would let a
 * failover run them as someone else) and `checkpoint` (whether its tasks survive an agent
 * restart). The new values are ignored, not refused: an HA scheduler failing over from a host
 * where it runs as another user keeps its framework. `changed` names what was ignored, to log.
 */
export function preservedImmutableFields(current: FrameworkInfo, next: FrameworkInfo): { info: FrameworkInfo; changed: string[] } {
  const changed = [
    ...(next.user !== current.user ? [`user '${next.user}' (kept '${current.user}')`] : []),
    ...((next.checkpoint === true) !== (current.checkpoint === true) ? [`checkpoint ${String(next.checkpoint === true)} (kept ${String(current.checkpoint === true)})`] : []),
  ];
  if (changed.length === 0) return { info: next, changed };
  const { checkpoint: _ignored, ...rest } = next;
  return { info: { ...rest, user: current.user, ...(current.checkpoint !== undefined ? { checkpoint: current.checkpoint } : {}) }, changed };
}

/** The longest failover timeout Mesos takes (whole seconds): its Duration holds int64 nanoseconds (2^63 − 1 ns). */
export const MAX_FAILOVER_TIMEOUT_SECONDS = 9_223_372_036;

/**
 * Checks what a framework (re-)registers with: its roles, each valid and named once (at least
 * one, but for a MULTI_ROLE framework, which may subscribe to none and is then offered nothing,
 * as in Mesos), a failover timeout Mesos' Duration holds, and a valid id when one is given.
 */
export function validateFrameworkInfo(info: FrameworkInfo): string | undefined {
  const roles = frameworkRoles(info);
  if (roles.length === 0 && info.capabilities?.includes('MULTI_ROLE') !== true) return 'Framework must subscribe to at least one role';
  if (new Set(roles).size !== roles.length) {
    const duplicates = [...new Set(roles.filter((role, index) => roles.indexOf(role) !== index))];
    return `'FrameworkInfo.roles' contains duplicate items: { ${listedRoles(duplicates)} }`;
  }
  for (const role of roles) {
    const invalid = roleError(role);
    if (invalid !== undefined) return `Framework role '${role}' is invalid: ${invalid}`;
  }
  if (info.failoverTimeout !== undefined && !(Number.isFinite(info.failoverTimeout) && info.failoverTimeout <= MAX_FAILOVER_TIMEOUT_SECONDS)) {
    return `The framework failover_timeout (${info.failoverTimeout}) is invalid`;
  }
  if (info.id !== undefined) {
    const invalid = idError(info.id);
    if (invalid !== undefined) return `Framework ID is invalid: ${invalid}`;
  }
  return offerFiltersError(info);
}

/**
 * What is wrong with a FrameworkInfo's `offerFilters`, in Mesos' words (its
 * `validateOfferFilters`): an alternative naming no resource, or a quantity that is not a finite
 * non-negative number; and, here, more roles than `MAX_OFFER_FILTER_ROLES`.
 */
function offerFiltersError(info: FrameworkInfo): string | undefined {
  const filters = info.offerFilters;
  if (filters === undefined) return undefined;
  const roles = Object.keys(filters);
  if (roles.length > MAX_OFFER_FILTER_ROLES) return `'FrameworkInfo.offer_filters' names ${roles.length} roles; at most ${MAX_OFFER_FILTER_ROLES} are taken`;
  for (const role of roles) {
    const alternatives = filters[role]?.minAllocatableResources ?? [];
    // Each alternative is checked per agent and framework in every allocation run: bounded, and
    // as the wire schema bounds them (an agent drops a RunTask whose framework info is past them).
    if (alternatives.length > MAX_MIN_ALLOCATABLE_ALTERNATIVES) return `'FrameworkInfo.offer_filters' of role '${role}' lists ${alternatives.length} alternatives; at most ${MAX_MIN_ALLOCATABLE_ALTERNATIVES} are taken`;
    for (const alternative of alternatives) {
      const quantities = Object.entries(alternative);
      if (quantities.length === 0) return 'Resource quantities must contain at least one quantity';
      if (quantities.length > MAX_RESOURCE_ENTRIES) return `'FrameworkInfo.offer_filters' of role '${role}' names ${quantities.length} resources in one alternative; at most ${MAX_RESOURCE_ENTRIES} are taken`;
      for (const [name, value] of quantities) {
        const invalid = scalarError(value);
        if (invalid !== undefined) return `Invalid resource quantity for '${name}': ${invalid}`;
      }
    }
  }
  return undefined;
}

/** Roles a reason names, at most (the rest are counted): a framework's list is as long as it likes. */
export const MAX_ROLES_IN_REASON = 10;

/**
 * `roles` for a reason the framework is told and the master logs: the first
 * `MAX_ROLES_IN_REASON`, then how many more (wire fuzzer, seed 7: a 7 KB log line).
 *
 * @example listedRoles(['a', 'b']) // 'a, b'
 */
export function listedRoles(roles: readonly string[]): string {
  const listed = roles.slice(0, MAX_ROLES_IN_REASON).join(', ');
  return roles.length <= MAX_ROLES_IN_REASON ? listed : `${listed}, … (${roles.length - MAX_ROLES_IN_REASON} more)`;
}

function taskIdError(task: TaskInfo, context: TaskContext): string | undefined {
  const invalid = idError(task.taskId);
  if (invalid !== undefined) return `Task ID is invalid: ${invalid}`;
  if (context.hasTask(task.taskId)) return `Task has duplicate ID: ${task.taskId}`;
  if (context.hasUnreachableTask(task.taskId)) return `Task reuses the ID of an unreachable task: ${task.taskId}`;
  return undefined;
}

function agentIdError(task: TaskInfo, context: TaskContext): string | undefined {
  if (task.agentId === context.agentId) return undefined;
  return `Task uses invalid agent ${task.agentId} while agent ${context.agentId} is expected`;
}

function resourcesError(task: TaskInfo, context: TaskContext): string | undefined {
  if (task.resources.length === 0) return 'Task uses no resources';
  const parsed = attempt(() => parsedIn(context, task.resources));
  if (typeof parsed === 'string') return `Task uses invalid resources: ${parsed}`;
  if (parsed.isEmpty()) return 'Task uses no resources';
  const duplicate = duplicatePersistenceIdIn(task.resources);
  return duplicate === undefined ? undefined : `Task uses duplicate persistence ID: ${duplicateText(duplicate)}`;
}

function commandOrExecutorError(task: TaskInfo): string | undefined {
  if ((task.command === undefined) !== (task.executor === undefined)) return undefined;
  return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
}

/**
 * A LAUNCH's task names its own executor, a custom one (Mesos' rule): the default executor takes
 * task groups (LAUNCH_GROUP), each task with its own command.
 */
function defaultExecutorLaunchError(task: TaskInfo): string | undefined {
  if (task.executor?.type === undefined || task.executor.type === 'CUSTOM') return undefined;
  return "'ExecutorInfo.type' must be 'CUSTOM' (a task of the default executor is launched in a task group: LAUNCH_GROUP)";
}

/** A bad check or health check (Mesos' `validateCheck` and `validateHealthCheck`). */
function checksError(task: TaskInfo): string | undefined {
  const check = task.check === undefined ? undefined : checkInfoError(task.check);
  if (check !== undefined) return `Task uses invalid check: ${check}`;
  const health = task.healthCheck === undefined ? undefined : healthCheckError(task.healthCheck);
  if (health !== undefined) return `Task uses invalid health check: ${health}`;
  return undefined;
}

function executorError(given: ExecutorInfo | undefined, context: TaskContext): string | undefined {
  if (given === undefined) return undefined;
  const executor = withFrameworkId(given, context.frameworkId);
  const invalid = idError(executor.executorId);
  if (invalid !== undefined) return `Executor ID is invalid: ${invalid}`;
  if (executor.frameworkId !== context.frameworkId) {
    return `ExecutorInfo has an invalid FrameworkID (Actual: ${executor.frameworkId} vs Expected: ${context.frameworkId})`;
  }
  const typed = executorTypeError(executor);
  if (typed !== undefined) return typed;
  const existing = context.executor(executor.executorId);
  if (existing !== undefined && canonicalJson(existing) !== canonicalJson(executor)) {
    return `ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID '${executor.executorId}'`;
  }
  // The list itself (`task.executor.resources`): the copy above shares it.
  const parsed = attempt(() => parsedIn(context, executor.resources));
  if (typeof parsed === 'string') return `Executor uses invalid resources: ${parsed}`;
  const duplicate = executor.resources === undefined ? undefined : duplicatePersistenceIdIn(executor.resources);
  return duplicate === undefined ? undefined : `Executor uses duplicate persistence ID: ${duplicateText(duplicate)}`;
}

/**
 * Mesos' `validateType`: the default executor has no command (the agent supplies it), a custom
 * one has its own. An executor without a type is a custom one here (Mesos lets an unknown type
 * through, for newer schedulers; an agent here could not run it).
 */
export function executorTypeError(executor: ExecutorInfo): string | undefined {
  if (executor.type === 'DEFAULT') return executor.command === undefined ? undefined : "'ExecutorInfo.command' must not be set for 'DEFAULT' executor";
  return executor.command !== undefined ? undefined : "'ExecutorInfo.command' must be set for 'CUSTOM' executor";
}

/** The least cpus a task group's executor may have (Mesos' `MIN_CPUS`). */
export const MIN_EXECUTOR_CPUS = 0.01;
/** The least memory, in MB, a task group's executor may have (Mesos' `MIN_MEM`). */
export const MIN_EXECUTOR_MEM_MB = 32;

/**
 * Checks a LAUNCH_GROUP (Mesos' `validation::task::group::validate`): each task as a LAUNCH's task
 * is checked (its id unique among the framework's tasks and the group's, its agent, its
 * resources, checks), naming the task; each names the group's executor or none (the master fills
 * it in); the executor is valid, typed, and has at least `MIN_EXECUTOR_CPUS` cpus,
 * `MIN_EXECUTOR_MEM_MB` of memory and some disk; under the default executor each task has a
 * command (this agent has no container images to take one from); no persistence id is used twice
 * in the group; and the tasks (with the executor when it is new) fit in what remains of the offers.
 * All the group's tasks are refused together.
 *
 * @example validateTaskGroup(executor, [], context) // 'Task group cannot be empty'
 */
export function validateTaskGroup(executor: ExecutorInfo, tasks: readonly TaskInfo[], context: TaskContext): string | undefined {
  if (tasks.length === 0) return 'Task group cannot be empty';
  const own = withFrameworkId(executor, context.frameworkId);
  const seen = new Set<string>();
  for (const task of tasks) {
    const invalid = taskIdError(task, context) ?? agentIdError(task, context) ?? resourcesError(task, context) ?? allocationRoleError(task, context) ?? checksError(task)
      ?? (seen.has(task.taskId) ? `Duplicate task ID '${task.taskId}' in the task group` : undefined)
      ?? (own.type === 'DEFAULT' && task.command === undefined ? "a task of the default executor needs a 'command' (this agent runs no container images)" : undefined);
    if (invalid !== undefined) return `Task '${task.taskId}' is invalid: ${invalid}`;
    seen.add(task.taskId);
    if (task.executor !== undefined && canonicalJson(withFrameworkId(task.executor, context.frameworkId)) !== canonicalJson(own)) {
      return `The \`ExecutorInfo\` of task '${task.taskId}' is different from executor '${own.executorId}'`;
    }
  }
  if (own.type === undefined) return "'ExecutorInfo.type' must be set";
  const invalidExecutor = executorError(own, context);
  if (invalidExecutor !== undefined) return invalidExecutor;
  const executorResources = parsedIn(context, own.resources);
  const cpus = executorResources.scalar('cpus');
  if (!(cpus >= MIN_EXECUTOR_CPUS)) return `Executor '${own.executorId}' uses less CPUs (${cpus > 0 ? cpus : 'None'}) than the minimum required (${MIN_EXECUTOR_CPUS})`;
  const mem = executorResources.scalar('mem');
  if (!(mem >= MIN_EXECUTOR_MEM_MB)) return `Executor '${own.executorId}' uses less memory (${mem > 0 ? `${mem}MB` : 'None'}) than the minimum required (${MIN_EXECUTOR_MEM_MB}MB)`;
  if (!(executorResources.scalar('disk') > 0)) return `Executor '${own.executorId}' uses no disk`;
  const lists = [...tasks.map((task) => task.resources), ...(own.resources !== undefined ? [own.resources] : [])];
  const duplicate = duplicatePersistenceIdIn(lists.flat());
  if (duplicate !== undefined) return `Task group and executor use duplicate persistence ID: ${duplicateText(duplicate)}`;
  const total = attempt(() => groupResources(own, tasks, context));
  if (typeof total === 'string') return `Task group and executor resources conflict: ${total}`;
  if (!context.available.contains(total)) return `Total resources ${total.format()} required by task group and its executor are more than available ${context.available.format()}`;
  const partial = context.agentTotal === undefined || !total.hasPersistentVolumes() ? undefined : partialVolumeError(total, context.agentTotal);
  return partial === undefined ? undefined : `Task group ${partial}`;
}

/** What a valid task group consumes: its tasks' resources, and its executor's when the executor is new on the agent. */
export function groupResources(executor: ExecutorInfo, tasks: readonly TaskInfo[], context: Pick<TaskContext, 'executor' | 'parses'>): Resources {
  let total = context.executor(executor.executorId) === undefined ? parsedIn(context, executor.resources) : Resources.EMPTY;
  for (const task of tasks) total = total.add(Resources.fromJSON(task.resources));
  return total;
}

/** Task and executor resources each parse, but may still not add up (e.g. `cpus` SCALAR in one, SET in the other). */
function combinationError(task: TaskInfo, context: TaskContext): string | undefined {
  const combined = attempt(() => launchResources(task, context));
  if (typeof combined === 'string') return `Task and executor resources conflict: ${combined}`;
  // As Mesos, with the executor's resources whether it is new or not (a running one holds its volumes).
  const executorResources = task.executor?.resources;
  const duplicate = executorResources === undefined ? undefined : duplicatePersistenceIdIn(task.resources, executorResources);
  return duplicate === undefined ? undefined : `Task and its executor use duplicate persistence ID: ${duplicateText(duplicate)}`;
}

/** Mesos' words for a persistence id listed twice. */
function duplicateText(duplicate: { id: string; role: string }): string {
  return `persistence id '${duplicate.id}' is not unique in role '${duplicate.role}'`;
}

function fitError(task: TaskInfo, context: TaskContext): string | undefined {
  const total = launchResources(task, context);
  if (!context.available.contains(total)) return `Total resources ${total.format()} required by task and its executor is more than available ${context.available.format()}`;
  const partial = context.agentTotal === undefined || !total.hasPersistentVolumes() ? undefined : partialVolumeError(total, context.agentTotal);
  return partial === undefined ? undefined : `Task ${partial}`;
}

/** The resources `compute` returns, or the message of what it threw (the resource algebra throws on bad input). */
function attempt(compute: () => Resources): Resources | string {
  try {
    return compute();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** JSON with object keys sorted, so that equal infos compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const record = item as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));
  });
}
