/** Cluster-wide scalar totals. */

import { Resources, fromUnits, toUnits } from '../../lib/resources';

/**
 * Cluster-wide scalar totals, shared by every DRF sorter: one agent change updates the
 * denominator of every share at once, and sorters notice through `version`.
 */
export class ScalarTotals {
  /** Position of each resource name in `unitsByIndex` (names are never removed). */
  private readonly indexByName = new Map<string, number>();
  /** Names in index order. */
  private readonly names: string[] = [];
  /** Total of each name, in integer thousandths. */
  private readonly unitsByIndex: number[] = [];
  /** The same, but 0 for a name excluded from fair sharing: what shares are computed against. */
  private readonly shareUnitsByIndex: number[] = [];
  /** Whether each name is excluded from fair sharing (`excludeFromShares`). */
  private readonly excludedByIndex: boolean[] = [];
  /** Bumped on every change so sorters know their cached shares are stale. */
  private changes = 0;

  /** Changes whenever any total changes. */
  get version(): number {
    return this.changes;
  }

  /** How many names have an index. */
  get nameCount(): number {
    return this.names.length;
  }

  /** The index of `name`, assigning the next one if it is new. */
  indexOf(name: string): number {
    let index = this.indexByName.get(name);
    if (index === undefined) {
      index = this.names.length;
      this.indexByName.set(name, index);
      this.names.push(name);
      this.unitsByIndex.push(0);
      this.shareUnitsByIndex.push(0);
      this.excludedByIndex.push(false);
    }
    return index;
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
    return this.shareUnitsByIndex[index];
  }

  /** The name at `index`. */
  nameAt(index: number): string {
    return this.names[index];
  }

  /** The total of `name` (whole units; 0 for a name never added). */
  totalOf(name: string): number {
    const index = this.indexByName.get(name);
    return index === undefined ? 0 : fromUnits(this.unitsByIndex[index]);
  }

  /** The total at `index`, in thousandths. */
  unitsAt(index: number): number {
    return this.unitsByIndex[index];
  }

  /** Adds the scalars of `resources` (all roles). */
  add(resources: Resources): void {
    this.apply(resources, 1);
  }

  /** Removes the scalars of `resources`; throws if a total would go negative (a bug). */
  subtract(resources: Resources): void {
    for (const entry of resources.entries()) {
      if (entry.type === 'SCALAR' && this.unitsByIndex[this.indexOf(entry.name)] < toUnits(entry.value)) {
        throw new Error(`cluster total of '${entry.name}' would go negative`);
      }
    }
    this.apply(resources, -1);
  }

  /** The totals as name → value (whole units), omitting zeros. */
  quantities(): Map<string, number> {
    const quantities = new Map<string, number>();
    this.names.forEach((name, index) => {
      if (this.unitsByIndex[index] > 0) {
        quantities.set(name, fromUnits(this.unitsByIndex[index]));
      }
    });
    return quantities;
  }

  private apply(resources: Resources, sign: 1 | -1): void {
    let changed = false;
    for (const entry of resources.entries()) {
      if (entry.type === 'SCALAR') {
        const index = this.indexOf(entry.name);
        this.unitsByIndex[index] += sign * toUnits(entry.value);
        if (!this.excludedByIndex[index]) this.shareUnitsByIndex[index] = this.unitsByIndex[index];
        changed = true;
      }
    }
    if (changed) {
      this.changes++;
    }
  }
}
