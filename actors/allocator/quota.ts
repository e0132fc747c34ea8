/**
 * Quota (DESIGN.md §7): a top-level role's guarantee is offered first (stage 1 of an
 * allocation run) and unreserved resources are held back from other roles so it can
 * still be met ("headroom"); its limit is never exceeded by unreserved allocations.
 * Consumption = the role subtree's reservations + its unreserved allocations, as in Mesos.
 * As in Mesos, stage 1 offers only to frameworks subscribed to the quota role itself;
 * subroles count towards its consumption and limit but are served in stage 2.
 */
import type { AllocatorBooks } from './books';
import { AllocatorError } from './errors';
import { addScalars, isUnreservedScalar, positiveDifference, toWholeUnits, type Quantities } from './quantities';
import {
  ROLE_SEPARATOR,
  UNRESERVED_ROLE,
  roleError,
  scalarError,
  toUnits,
  topLevelRole,
  type Resources,
} from '../../lib/resources';

/**
 * Quota of a top-level role, in whole units by scalar name. `limit` names that are absent
 * are unlimited; guarantees must not exceed limits.
 * @example { guarantee: { cpus: 4, mem: 4096 }, limit: { cpus: 8 } }
 */
export interface Quota {
  readonly guarantee?: Readonly<Record<string, number>>;
  readonly limit?: Readonly<Record<string, number>>;
}

/** A validated quota, in thousandths. */
export interface QuotaState {
  readonly guarantee: Quantities;
  /** Undefined when nothing is limited. */
  readonly limit: Quantities | undefined;
}

/** Validates a quota request; throws `AllocatorError` with the reason. */
export function validateQuota(role: string, quota: Quota): QuotaState {
  const error = roleError(role);
  if (error !== undefined || role === UNRESERVED_ROLE || role.includes(ROLE_SEPARATOR)) {
    throw new AllocatorError(`cannot set quota of role '${role}': ${error ?? 'quota is for top-level roles only'}`);
  }
  const guarantee = quantitiesOf(role, 'guarantee', quota.guarantee ?? {});
  const limit = quota.limit === undefined ? undefined : quantitiesOf(role, 'limit', quota.limit);
  for (const [name, units] of guarantee) {
    const cap = limit?.get(name);
    if (cap !== undefined && units > cap) {
      throw new AllocatorError(`quota of role '${role}': guarantee of '${name}' exceeds its limit`);
    }
  }
  return { guarantee, limit: limit !== undefined && limit.size > 0 ? limit : undefined };
}

/** Guarantee not yet met by consumption (thousandths). */
export function unsatisfiedGuarantee(books: AllocatorBooks, role: string, quota: QuotaState): Quantities {
  return positiveDifference(quota.guarantee, books.consumptionOf(role));
}

/**
 * How much more of each limited scalar `role` may get (whole units), or undefined when
 * its top-level role has no limit. `extra` is consumption not yet tracked (stage 1).
 */
export function remainingLimit(
  books: AllocatorBooks,
  quotas: ReadonlyMap<string, QuotaState>,
  role: string,
  extra?: ReadonlyMap<string, number>,
): Map<string, number> | undefined {
  const topLevel = topLevelRole(role);
  const limit = quotas.get(topLevel)?.limit;
  if (limit === undefined) {
    return undefined;
  }
  const consumption = books.consumptionOf(topLevel);
  const remaining: Quantities = new Map();
  for (const [name, units] of limit) {
    remaining.set(name, Math.max(0, units - (consumption.get(name) ?? 0) - (extra?.get(name) ?? 0)));
  }
  return toWholeUnits(remaining);
}

/** Headroom bookkeeping for one allocation run. */
export class HeadroomPlan {
  /** Unreserved resources still to hold back for unmet guarantees (thousandths). */
  readonly required: Quantities;
  /** Unreserved, unallocated resources in the cluster (thousandths). */
  readonly available: Quantities;

  constructor(books: AllocatorBooks, quotas: ReadonlyMap<string, QuotaState>) {
    this.required = new Map();
    for (const [role, quota] of quotas) {
      for (const [name, units] of unsatisfiedGuarantee(books, role, quota)) {
        this.required.set(name, (this.required.get(name) ?? 0) + units);
      }
    }
    this.available = new Map();
    if (this.required.size > 0) {
      for (const agent of books.agentList) {
        addScalars(this.available, agent.available, 1, isUnreservedScalar);
      }
    }
  }

  /** Whether any guarantee is unmet (else headroom constrains nothing). */
  get constrains(): boolean {
    return this.required.size > 0;
  }

  /** Caps (whole units) on unreserved scalars offered beyond guarantees: available − required. */
  surplusCaps(): Map<string, number> {
    const caps: Quantities = new Map();
    for (const [name, units] of this.required) {
      caps.set(name, Math.max(0, (this.available.get(name) ?? 0) - units));
    }
    return toWholeUnits(caps);
  }

  /** Accounts for an offer: `guaranteed` met guarantees, `unreserved` left the pool. */
  offered(guaranteed: Resources | undefined, unreserved: Resources): void {
    if (guaranteed !== undefined) {
      addScalars(this.required, guaranteed, -1, isUnreservedScalar);
      for (const [name, units] of this.required) {
        if (units <= 0) {
          this.required.delete(name);
        }
      }
    }
    addScalars(this.available, unreserved, -1, isUnreservedScalar);
  }
}

function quantitiesOf(role: string, kind: string, record: Readonly<Record<string, number>>): Quantities {
  const quantities: Quantities = new Map();
  for (const [name, value] of Object.entries(record)) {
    const error = typeof value === 'number' ? scalarError(value) : 'not a number';
    if (error !== undefined || name.length === 0) {
      throw new AllocatorError(`quota of role '${role}': ${kind} of '${name}' is invalid: ${error ?? 'empty name'}`);
    }
    quantities.set(name, toUnits(value));
  }
  return quantities;
}
