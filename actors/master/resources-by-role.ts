/**
 * Resources by the role they are allocated or offered to: what the v1 operator API shows as each
 * resource's `allocation_info.role` (an agent's and a framework's `allocated_resources` and
 * `offered_resources`, split per role as Mesos' books keep them).
 */
import { Resources } from '../../lib/resources';

/** Resources by the role they are allocated or offered to. */
export type ResourcesByRole = ReadonlyMap<string, Resources>;

/** Nothing allocated or offered to any role. */
export const NO_RESOURCES_BY_ROLE: ResourcesByRole = new Map();

/**
 * A sum of resources, in all and by role, of parts added one at a time. While every part is of
 * one role (nearly always: a framework of one role, an agent offered to one framework) the sum
 * in all is that role's, and nothing more is summed; a second role starts the sums by role.
 * The sum in all adds the parts in the order they came, as a plain sum would.
 *
 * @example
 *   const sum = new RoleSplitSum();
 *   sum.add('eng', Resources.parse('cpus:1'));
 *   sum.add('web', Resources.parse('cpus:2'));
 *   sum.total.format(); // 'cpus:3'
 *   sum.byRole.get('web')?.format(); // 'cpus:2'
 */
export class RoleSplitSum {
  /** Every part, summed in the order added. */
  private sum: Resources = Resources.EMPTY;
  /** The role of the first part; undefined before one is added. */
  private firstRole: string | undefined;
  /** The sums by role, once a second role came. */
  private roles: Map<string, Resources> | undefined;

  /** Adds `resources`, allocated or offered to `role`. */
  add(role: string, resources: Resources): void {
    if (this.roles === undefined) {
      if (this.firstRole === undefined || this.firstRole === role) {
        this.firstRole = role;
        this.sum = this.sum.add(resources);
        return;
      }
      this.roles = new Map([[this.firstRole, this.sum]]);
    }
    this.sum = this.sum.add(resources);
    this.roles.set(role, (this.roles.get(role) ?? Resources.EMPTY).add(resources));
  }

  /** Every part added, summed. */
  get total(): Resources {
    return this.sum;
  }

  /** The parts added, summed by role (roles whose parts were all empty included). */
  get byRole(): ResourcesByRole {
    if (this.roles !== undefined) return this.roles;
    return this.firstRole === undefined ? NO_RESOURCES_BY_ROLE : new Map([[this.firstRole, this.sum]]);
  }
}

/** `byRole`'s roles in order (by name), with their resources, the empty ones left out: how the v1 renderings list them. */
export function sortedByRole(byRole: ResourcesByRole): Array<readonly [string, Resources]> {
  const entries = [...byRole].filter(([, resources]) => !resources.isEmpty());
  if (entries.length > 1) entries.sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return entries;
}
