/**
 * Dynamic reservations and persistent volumes applied to an agent's declared resources (Mesos'
 * `applyCheckpointedResources`): what the agent offers, and what the master counts for it, is its
 * declared resources with each reservation carved out of their unreserved part and each volume out
 * of the disk it was made of. Shared by the agent (its file, its `CheckpointResources`) and the
 * master (a registration's report).
 */
import { Resources } from './resources';
import type { Resource, ResourceJSON } from './types';

/**
 * Why `checkpointed` cannot be applied to the declared resources `declared`, or undefined when it
 * can: an entry that is not dynamically reserved (unreserved or statically reserved), or
 * reservations the declared resources do not hold (the missing part named).
 * @example checkpointedResourcesError(Resources.parse('cpus:1'), reserved2Cpus)
 *   // "the agent's resources cpus:1 do not hold them (missing cpus:1)"
 */
export function checkpointedResourcesError(declared: Resources, checkpointed: Resources): string | undefined {
  const neither = checkpointed.filter((entry) => entry.reservation === undefined && entry.volume === undefined);
  if (!neither.isEmpty()) return `${neither.toString()} ${neither.size === 1 ? 'is' : 'are'} neither dynamically reserved nor a persistent volume (only those are checkpointed)`;
  const duplicate = duplicatePersistenceId(checkpointed);
  if (duplicate !== undefined) return `persistence id '${duplicate.id}' is not unique in role '${duplicate.role}'`;
  const made = checkpointed.beforeConversions();
  if (!declared.contains(made)) return `the agent's resources ${describeResources(declared)} do not hold them (missing ${made.subtractSaturating(declared).toString()})`;
  return undefined;
}

/**
 * A persistence id two volumes of one role share among `resources` (Mesos'
 * `validateUniquePersistenceID`), or undefined. Entries, not a `Resources`: the same volume listed
 * twice would merge into one slot there.
 */
export function duplicatePersistenceId(resources: Iterable<Resource>): { id: string; role: string } | undefined {
  const seen = new Set<string>();
  for (const entry of resources) {
    if (entry.volume === undefined) continue;
    const key = JSON.stringify([entry.role, entry.volume.id]);
    if (seen.has(key)) return { id: entry.volume.id, role: entry.role };
    seen.add(key);
  }
  return undefined;
}

/**
 * A persistence id listed twice in one role across the Mesos JSON resource lists `list` and
 * `other` (a task's, or a task's and its executor's), or undefined: Mesos'
 * `validateUniquePersistenceID` over a task's resources, where a volume is indivisible and so
 * listed once, whole (here two entries of one volume would merge, and a task and its executor
 * could each take part of it). Lists already checked; only their entries with a `disk` are
 * parsed, one by one (lists without one: a scan, nothing made; every task passes here).
 * @example duplicatePersistenceIdIn(taskResources, executorResources) // { id: 'db', role: 'eng' }
 */
export function duplicatePersistenceIdIn(list: readonly ResourceJSON[], other?: readonly ResourceJSON[]): { id: string; role: string } | undefined {
  if (!holdsDisk(list) && (other === undefined || !holdsDisk(other))) return undefined;
  const volumes: Resource[] = [];
  for (const entry of other === undefined ? list : [...list, ...other]) {
    if (entry.disk !== undefined) volumes.push(...Resources.fromJSON([entry]).entries());
  }
  return duplicatePersistenceId(volumes);
}

/** Whether an entry of `list` has a `disk` field (a scan by index: no iterator). */
function holdsDisk(list: readonly ResourceJSON[]): boolean {
  for (let index = 0; index < list.length; index++) {
    if (list[index]?.disk !== undefined) return true;
  }
  return false;
}

/**
 * The agent's total: `declared` with the reservations of `checkpointed` carved out of it. Throws,
 * with `checkpointedResourcesError`'s reason, when they cannot be: callers check first, so a
 * throw here is a bug.
 * @example applyCheckpointedResources(Resources.parse('cpus:4'), webReservesOneCpu) // cpus:3 and cpus(web) reserved by its principal: 1
 */
export function applyCheckpointedResources(declared: Resources, checkpointed: Resources): Resources {
  if (checkpointed.isEmpty()) return declared;
  const error = checkpointedResourcesError(declared, checkpointed);
  if (error !== undefined) throw new Error(`cannot apply the checkpointed resources ${describeResources(checkpointed)}: ${error}`);
  return declared.subtract(checkpointed.beforeConversions()).add(checkpointed);
}

/** `resources` for a message: the text form (a dynamic reservation as `cpus(role, principal):1`, a volume as `disk(role)[id:path]:64`), or `none`. */
export function describeResources(resources: Resources): string {
  return resources.isEmpty() ? 'none' : resources.toString();
}
