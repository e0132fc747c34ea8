/**
 * Scalar quantities by name (`cpus → 4`), used for quota bookkeeping. Stored as integer
 * thousandths in a mutable map; zeros are removed so "empty" means no quantity at all.
 */
import { Resources, UNRESERVED_ROLE, fromUnits, toUnits, type Resource } from '../../lib/resources';

/** Quantities in thousandths by resource name. */
export type Quantities = Map<string, number>;

/** Adds `units` of `name` (negative to remove), dropping the name when it reaches zero. */
export function addQuantity(quantities: Quantities, name: string, units: number): void {
  const next = (quantities.get(name) ?? 0) + units;
  if (next === 0) {
    quantities.delete(name);
  } else {
    quantities.set(name, next);
  }
}

/** Adds (sign 1) or removes (sign −1) the scalars of `resources` accepted by `include`. */
export function addScalars(
  quantities: Quantities,
  resources: Resources,
  sign: 1 | -1,
  include: (entry: Resource) => boolean,
): void {
  for (const entry of resources.entries()) {
    if (entry.type === 'SCALAR' && include(entry)) {
      addQuantity(quantities, entry.name, sign * toUnits(entry.value));
    }
  }
}

/** Whether an entry is an unreserved scalar (what quota consumption and headroom count). */
export function isUnreservedScalar(entry: Resource): boolean {
  return entry.type === 'SCALAR' && entry.role === UNRESERVED_ROLE;
}

/** `left − right` per name, floored at zero (names absent from `left` stay absent). */
export function positiveDifference(left: ReadonlyMap<string, number>, right: ReadonlyMap<string, number>): Quantities {
  const difference: Quantities = new Map();
  for (const [name, units] of left) {
    const rest = units - (right.get(name) ?? 0);
    if (rest > 0) {
      difference.set(name, rest);
    }
  }
  return difference;
}

/** Thousandths to whole units, for `Resources.capScalars`. */
export function toWholeUnits(quantities: ReadonlyMap<string, number>): Map<string, number> {
  const whole = new Map<string, number>();
  for (const [name, units] of quantities) {
    whole.set(name, fromUnits(units));
  }
  return whole;
}

/** One scalar of a minimum allocatable alternative: at least `units` thousandths of `name`. */
export interface MinimumQuantity {
  readonly name: string;
  readonly units: number;
}

/** Minimum allocatable alternatives, each an array (cheaper to scan than maps); empty: anything. */
export type MinimumAlternatives = readonly (readonly MinimumQuantity[])[];

/** Alternatives given in whole units by name (`{cpus: 1}`, as users give them) as `MinimumAlternatives`. */
export function minimumAlternatives(alternatives: readonly Readonly<Record<string, number>>[]): MinimumAlternatives {
  return alternatives.map((alternative) => [...fromRecord(alternative)].map(([name, units]) => ({ name, units })));
}

/** Whole units (as given by users) to thousandths. */
export function fromRecord(record: Readonly<Record<string, number>>): Quantities {
  const quantities: Quantities = new Map();
  for (const [name, value] of Object.entries(record)) {
    if (toUnits(value) !== 0) {
      quantities.set(name, toUnits(value));
    }
  }
  return quantities;
}

/** The scalar quantities of `resources` accepted by `include`. */
export function scalarsOf(resources: Resources, include: (entry: Resource) => boolean = () => true): Quantities {
  const quantities: Quantities = new Map();
  addScalars(quantities, resources, 1, include);
  return quantities;
}

/** Whether two quantity maps are equal. */
export function quantitiesEqual(left: ReadonlyMap<string, number>, right: ReadonlyMap<string, number>): boolean {
  if (left.size !== right.size) {
    return false;
  }
  for (const [name, units] of left) {
    if (right.get(name) !== units) {
      return false;
    }
  }
  return true;
}
