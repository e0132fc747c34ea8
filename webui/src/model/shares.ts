/**
 * Dominant Resource Fairness shares, computed in the browser from `/master/state` (the master
 * does not publish them). A client's (role's or framework's) share of a resource is what it is
 * allocated of it divided by the cluster's total of it (the sum over registered agents); its
 * dominant share is the largest of those over cpus, mem, disk (and gpus when the cluster has
 * any). Allocated means used by its tasks and executors plus offered to it, which is what the
 * allocator sorts by; the share of used resources alone is given too. Role weights are 1 (this
 * master has no weights yet), so a role's weighted share is its dominant share.
 */
import { clusterResources, perState, scalar, SHOWN_SCALARS, sumScalars, type ShownScalar } from './state';
import type { FrameworkJson, MasterStateJson, ResourcesJson } from './types';

/** The DRF standing of one role or framework. */
export interface ShareRow {
  /** The role name, or the framework id. */
  readonly id: string;
  /** The role name, or the framework's name. */
  readonly name: string;
  /** Used plus offered. */
  readonly allocated: Record<ShownScalar, number>;
  readonly used: Record<ShownScalar, number>;
  /** max over resources of allocated / total, in [0, 1] (0 when the cluster is empty). */
  readonly dominantShare: number;
  /** The resource the dominant share is of; undefined when nothing is allocated. */
  readonly dominantResource: ShownScalar | undefined;
  /** max over resources of used / total. */
  readonly usedShare: number;
  /** Frameworks in the role (for a framework row: 1). */
  readonly frameworks: number;
}

/** Dominant shares per role and per framework, each sorted by dominant share, highest first. */
export interface Shares {
  readonly roles: ShareRow[];
  readonly frameworks: ShareRow[];
}

/** The resources DRF compares: cpus, mem and disk, and gpus when the cluster has some. */
export function comparedResources(total: Record<ShownScalar, number>): ShownScalar[] {
  return SHOWN_SCALARS.filter((name) => name !== 'gpus' || total.gpus > 0);
}

/**
 * The dominant share of `allocation` in a cluster of `total`: the largest allocated/total over
 * `comparedResources(total)`, and which resource that is (ties: the first in cpus, mem, disk,
 * gpus order). Resources of which the cluster has none count 0.
 */
export function dominantShare(allocation: Record<ShownScalar, number>, total: Record<ShownScalar, number>): { share: number; resource: ShownScalar | undefined } {
  let best: { share: number; resource: ShownScalar | undefined } = { share: 0, resource: undefined };
  for (const name of comparedResources(total)) {
    if (total[name] <= 0) continue;
    const share = allocation[name] / total[name];
    if (share > best.share) best = { share, resource: name };
  }
  return best;
}

/** DRF shares of every role and every live framework of `state` (see the file comment; once per state). */
export const computeShares = perState((state: MasterStateJson): Shares => {
  const { total } = clusterResources(state);
  const frameworks = state.frameworks.map((framework) => row(framework.id, framework.name, [framework.resources], [framework.used_resources], 1, total));
  const byRole = new Map<string, { allocated: ResourcesJson[]; used: ResourcesJson[]; frameworks: Set<string> }>();
  const roleOf = (role: string): { allocated: ResourcesJson[]; used: ResourcesJson[]; frameworks: Set<string> } => {
    let entry = byRole.get(role);
    if (entry === undefined) byRole.set(role, entry = { allocated: [], used: [], frameworks: new Set() });
    return entry;
  };
  for (const framework of state.frameworks) {
    for (const role of framework.roles) roleOf(role).frameworks.add(framework.id);
    for (const [role, parts] of allocationByRole(framework)) {
      roleOf(role).allocated.push(...parts.used, ...parts.offered);
      roleOf(role).used.push(...parts.used);
    }
  }
  const roles = [...byRole].map(([role, entry]) => row(role, role, entry.allocated, entry.used, entry.frameworks.size, total));
  return { roles: sortByShare(roles), frameworks: sortByShare(frameworks) };
});

/**
 * What a framework holds in each of its roles: its live tasks by their role, its offers by the
 * role they were made to. A single-role framework holds everything in that role; what a
 * multi-role framework holds beyond its tasks and offers (its executors) goes to its first role.
 */
export function allocationByRole(framework: FrameworkJson): Map<string, { used: ResourcesJson[]; offered: ResourcesJson[] }> {
  const roles = framework.roles.length > 0 ? framework.roles : ['*'];
  const first = roles[0] as string;
  const result = new Map<string, { used: ResourcesJson[]; offered: ResourcesJson[] }>();
  const of = (role: string): { used: ResourcesJson[]; offered: ResourcesJson[] } => {
    let entry = result.get(role);
    if (entry === undefined) result.set(role, entry = { used: [], offered: [] });
    return entry;
  };
  if (roles.length === 1) {
    of(first).used.push(framework.used_resources);
    of(first).offered.push(framework.offered_resources);
    return result;
  }
  const taskTotals = sumScalars(framework.tasks.map((task) => task.resources));
  for (const task of framework.tasks) of(task.role ?? first).used.push(task.resources);
  const rest: Record<string, number> = {};
  for (const name of SHOWN_SCALARS) rest[name] = Math.max(0, scalar(framework.used_resources, name) - taskTotals[name]);
  of(first).used.push(rest);
  for (const offer of framework.offers) of(offer.allocation_info?.role ?? first).offered.push(offer.resources);
  return result;
}

function row(id: string, name: string, allocated: readonly ResourcesJson[], used: readonly ResourcesJson[], frameworks: number, total: Record<ShownScalar, number>): ShareRow {
  const allocatedSum = sumScalars(allocated);
  const usedSum = sumScalars(used);
  const dominant = dominantShare(allocatedSum, total);
  return {
    id, name, allocated: allocatedSum, used: usedSum, frameworks,
    dominantShare: dominant.share, dominantResource: dominant.resource, usedShare: dominantShare(usedSum, total).share,
  };
}

function sortByShare(rows: ShareRow[]): ShareRow[] {
  return rows.sort((a, b) => b.dominantShare - a.dominantShare || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
