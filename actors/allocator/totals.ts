/** Cluster-wide scalar totals. */

import { Resources, fromUnits, toUnits } from '../../lib/resources';

/**
 * Scalar resource names by index: the positions of every unit vector (`ScalarTotals`, the DRF
 * sorters' allocations) made against it. Totals that share one (the allocator's cluster totals
 * and what is offered or allocated) read the same vector of the same resources: an allocation's
 * resources are read as units by the books' totals and then by both sorters, and a recovered
 * one's the same way, so `unitsOf` keeps the last vector it made, for the last resources asked.
 */
export class ScalarNames {
  /** Position of each name (names are never removed). */
  private readonly indexByName = new Map<string, number>();
  /** Names in index order. */
  private readonly names: string[] = [];
  /** The resources `units` holds the units of (resources never change: the same object, the same units). */
  private unitsFor: Resources | undefined = undefined;
  /** `unitsOf`'s vector, reused: a vector per call was a tenth of an allocation run's garbage. */
  private readonly units: number[] = [];

  /** How many names have an index. */
  get count(): number {
    return this.names.length;
  }

  /** The index of `name`, assigning the next one if it is new. */
  indexOf(name: string): number {
    let index = this.indexByName.get(name);
    if (index === undefined) {
      index = this.names.length;
      this.indexByName.set(name, index);
      this.names.push(name);
    }
    return index;
  }

  /** The index of `name`, if it has one. */
  find(name: string): number | undefined {
    return this.indexByName.get(name);
  }

  /** The name at `index`. */
  nameAt(index: number): string {
    return this.names[index];
  }

  /**
   * The scalar units (thousandths) of `resources` by name index, all roles summed, as long as
   * the names indexed when it was made (zeros where `resources` has none). One vector, reused:
   * it is valid until the next call for other resources, so a caller reads it at once and keeps
   * none of it; asked again for the same resources, it is not made again.
   */
  unitsOf(resources: Resources): readonly number[] {
    const units = this.units;
    if (resources === this.unitsFor) return units;
    units.fill(0);
    for (const entry of resources.entries()) {
      if (entry.type !== 'SCALAR') continue;
      const index = this.indexOf(entry.name);
      while (units.length <= index) units.push(0);
      units[index] += toUnits(entry.value);
    }
    this.unitsFor = resources;
    return units;
  }
}

/**
 * Cluster-wide scalar totals, shared by every DRF sorter: one agent change updates the
 * denominator of every share at once, and sorters notice through `version`.
 */
export class ScalarTotals {
  /** The names by index (`names` given: shared with other totals, whose unit vectors are this one's). */
  readonly names: ScalarNames;
  /** Total of each name, in integer thousandths. */
  private readonly unitsByIndex: number[] = [];
  /** The same, but 0 for a name excluded from fair sharing: what shares are computed against. */
  private readonly shareUnitsByIndex: number[] = [];
  /** Whether each name is excluded from fair sharing (`excludeFromShares`). */
  private readonly excludedByIndex: boolean[] = [];
  /** Bumped on every change so sorters know their cached shares are stale. */
  private changes = 0;

  constructor(names: ScalarNames = new ScalarNames()) {
    this.names = names;
  }

  /** Changes whenever any total changes. */
  get version(): number {
    return this.changes;
  }

  /** How many names have an index here (positions past it read as 0). */
  get nameCount(): number {
    return this.unitsByIndex.length;
  }

  /** The index of `name`, assigning the next one if it is new. */
  indexOf(name: string): number {
    const index = this.names.indexOf(name);
    this.cover(index);
    return index;
  }

  /** Grows the per-index lists to hold `index` (another totals sharing the names may have indexed more). */
  private cover(index: number): void {
    while (this.unitsByIndex.length <= index) {
      this.unitsByIndex.push(0);
      this.shareUnitsByIndex.push(0);
      this.excludedByIndex.push(false);
    }
  }

  /**
   * Leaves `name` out of every share computed against these totals (Mesos
   * `--fair_sharing_excluded_resource_names`, e.g. `gpus`): its total counts as 0 there, so no
   * client's share is the share of it. Its total itself is kept (metrics, quota).
   */
  excludeFromShares(name: string): void {
    const index = this.indexOf(name);
    this.excludedByIndex[index] = true;
    this.shareUnitsByIndex[index] = 0;
    this.changes++;
  }

  /** The total at `index` that shares are computed against, in thousandths: 0 for a name excluded from fair sharing. */
  shareUnitsAt(index: number): number {
    return this.shareUnitsByIndex[index] ?? 0;
  }

  /** The name at `index`. */
  nameAt(index: number): string {
    return this.names.nameAt(index);
  }

  /** The total of `name` (whole units; 0 for a name never added). */
  totalOf(name: string): number {
    const index = this.names.find(name);
    return index === undefined ? 0 : fromUnits(this.unitsByIndex[index] ?? 0);
  }

  /** The total at `index`, in thousandths. */
  unitsAt(index: number): number {
    return this.unitsByIndex[index] ?? 0;
  }

  /** Adds the scalars of `resources` (all roles). */
  add(resources: Resources): void {
    this.apply(resources, 1);
  }

  /** Removes the scalars of `resources`; throws if a total would go negative (a bug). */
  subtract(resources: Resources): void {
    const units = this.names.unitsOf(resources);
    for (let index = 0; index < units.length; index++) {
      if ((this.unitsByIndex[index] ?? 0) < (units[index] as number)) {
        throw new Error(`cluster total of '${this.names.nameAt(index)}' would go negative`);
      }
    }
    this.apply(resources, -1);
  }

  /** The totals as name → value (whole units), omitting zeros. */
  quantities(): Map<string, number> {
    const quantities = new Map<string, number>();
    this.unitsByIndex.forEach((units, index) => {
      if (units > 0) {
        quantities.set(this.names.nameAt(index), fromUnits(units));
      }
    });
    return quantities;
  }

  private apply(resources: Resources, sign: 1 | -1): void {
    // Scalar entries are never empty, so some unit is non-zero exactly when there is one.
    const units = this.names.unitsOf(resources);
    this.cover(units.length - 1);
    let changed = false;
    for (let index = 0; index < units.length; index++) {
      const delta = units[index] as number;
      if (delta === 0) continue;
      this.unitsByIndex[index] += sign * delta;
      if (!this.excludedByIndex[index]) this.shareUnitsByIndex[index] = this.unitsByIndex[index] as number;
      changed = true;
    }
    if (changed) {
      this.changes++;
    }
  }
}
