/**
 * Dynamic reservations applied to an agent's declared resources (Mesos'
 * `applyCheckpointedResources`): what the agent offers, and what the master counts for it, is its
 * declared resources with each reservation carved out of their unreserved part. Shared by the
 * agent (its file, its `CheckpointResources`) and the master (a registration's report).
 */
import { Resources } from './resources';

/**
 * Why `checkpointed` cannot be applied to the declared resources `declared`, or undefined when it
 * can: an entry that is not dynamically reserved (unreserved or statically reserved), or
 * reservations the declared resources do not hold (the missing part named).
 * @example checkpointedResourcesError(Resources.parse('cpus:1'), reserved2Cpus)
 *   // "the agent's resources cpus:1 do not hold them (missing cpus:1)"
 */
export function checkpointedResourcesError(declared: Resources, checkpointed: Resources): string | undefined {
  const notDynamic = checkpointed.filter((entry) => entry.reservation === undefined);
  if (!notDynamic.isEmpty()) return `${notDynamic.toString()} ${notDynamic.size === 1 ? 'is' : 'are'} not dynamically reserved (only dynamic reservations are checkpointed)`;
  const unreserved = checkpointed.flatten();
  if (!declared.contains(unreserved)) return `the agent's resources ${describeResources(declared)} do not hold them (missing ${unreserved.subtractSaturating(declared).toString()})`;
  return undefined;
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
  return declared.subtract(checkpointed.flatten()).add(checkpointed);
}

/** `resources` for a message: the text form (a dynamic reservation as `cpus(role, principal):1`), or `none`. */
export function describeResources(resources: Resources): string {
  return resources.isEmpty() ? 'none' : resources.toString();
}
