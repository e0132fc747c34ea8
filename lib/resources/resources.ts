/** The `Resources` value type and its algebra. */

import {
  addEntries,
  entriesEqual,
  entryContains,
  indexedTypes,
  rangesEntry,
  sameSlot,
  scalarEntry,
  setEntry,
  subtractEntries,
  typeOfName,
  withoutVolume,
  withRole,
} from './entry';
import { deepFreeze } from '../deep-freeze';
import { ResourceError, ResourceParseError } from './errors';
import { parseResourcesJSON, resourceToEndpointJSON, resourceToJSON } from './json';
import { normalizeRanges, unionRanges } from './ranges';
import { dynamicReservation } from './reservation';
import { persistentVolume, volumeEntryError } from './volume';
import { isAllocatableTo } from './roles';
import { fromUnits, roundScalar, toUnits } from './scalar';
import { normalizeItems, unionItems } from './sets';
import { formatResource, parseResourcesText } from './text';
import { itemError, nameError, rangeError, reservationRoleError, scalarError } from './validate';
import { UNRESERVED_ROLE, type DynamicReservation, type Range, type Resource, type ResourceJSON } from './types';

/** How `capScalars` treats scalar names that have no cap. */
export type UncappedScalars = 'keep' | 'drop';

/**
 * `Resources`: an immutable bag of resources with the algebra the master and the
 * allocator need (add, subtract, contains, filter by role, totals).
 *
 * Entries of the same name, role and type are merged; different roles stay distinct.
 * Entries keep the order in which their slot first appeared, so formatting a parsed
 * canonical string gives the string back.
 *
 * @example
 * const agent = Resources.parse('cpus:4;mem:8192;ports:[31000-32000]');
 * const task = Resources.parse('cpus:0.5;mem:512;ports:[31000-31000]');
 * agent.contains(task);                  // true
 * agent.subtract(task).format();         // 'cpus:3.5;mem:7680;ports:[31001-32000]'
 * agent.subtract(task).add(task).equals(agent); // true
 */
export class Resources implements Iterable<Resource> {
  /** No resources. */
  static readonly EMPTY: Resources = new Resources([]);

  /** Canonical entries: non-empty, one per slot (name, role, dynamic reservation, volume), in first-appearance order. */
  private readonly items: readonly Resource[];
  /** `toFrozenJSON()`'s value, made on first use. */
  private frozenJSON: readonly ResourceJSON[] | undefined = undefined;

  private constructor(items: readonly Resource[]) {
    this.items = items;
  }

  /**
   * Parses the agent text syntax, or a JSON list when the text starts with `[{` or is `[]`.
   * Throws `ResourceParseError` naming the bad part.
   * @example Resources.parse('cpus(analytics):2;cpus:6;ports:[31000-32000];disks:{a,b}')
   */
  static parse(text: string, defaultRole: string = UNRESERVED_ROLE): Resources {
    const roleError = reservationRoleError(defaultRole);
    if (roleError !== undefined) {
      throw new ResourceParseError(`invalid default role: ${roleError}`);
    }
    const trimmed = text.trim();
    if (/^\[\s*(\{|\])/.test(trimmed)) {
      return Resources.fromJSON(parseJSONText(trimmed));
    }
    return Resources.merged(parseResourcesText(text, defaultRole));
  }

  /**
   * Reads the Mesos JSON form (a list of resource objects); throws `ResourceParseError`.
   * @example Resources.fromJSON([{ name: 'mem', type: 'SCALAR', scalar: { value: 512 } }])
   */
  static fromJSON(json: unknown): Resources {
    return Resources.merged(parseResourcesJSON(json));
  }

  /**
   * Builds resources from entries (validated, normalized, merged); throws `ResourceError`
   * on an invalid entry or a name used with two types.
   */
  static of(entries: Iterable<Resource>): Resources {
    const checked: Resource[] = [];
    let typeIndex: Map<string, Resource['type']> | undefined;
    for (const entry of entries) {
      const normalized = normalizeEntry(entry);
      const earlierType = typeOfName(checked, entry.name, typeIndex);
      if (earlierType !== undefined && earlierType !== entry.type) {
        throw new ResourceError(`resource '${entry.name}' is both ${earlierType} and ${entry.type}`);
      }
      checked.push(normalized);
      typeIndex = indexedTypes(checked, typeIndex);
    }
    return Resources.merged(checked);
  }

  /** A single scalar, e.g. `Resources.scalar('cpus', 2)`. */
  static scalar(name: string, value: number, role: string = UNRESERVED_ROLE): Resources {
    return Resources.single(scalarEntry(name, role, value));
  }

  /** A single ranges resource, e.g. `Resources.ranges('ports', [{ begin: 1, end: 9 }])`. */
  static ranges(name: string, ranges: readonly Range[], role: string = UNRESERVED_ROLE): Resources {
    return Resources.single(rangesEntry(name, role, ranges));
  }

  /** A single set resource, e.g. `Resources.set('disks', ['a', 'b'])`. */
  static set(name: string, items: readonly string[], role: string = UNRESERVED_ROLE): Resources {
    return Resources.single(setEntry(name, role, items));
  }

  /**
   * `Resources.of([entry])` without its lists: one entry has no other to clash or merge with.
   * (`of` grew two lists by push, ~700 bytes a call; a framework picking a task's resources
   * made two of them per task.)
   */
  private static single(entry: Resource): Resources {
    const normalized = normalizeEntry(entry);
    return isEmptyEntry(normalized) ? Resources.EMPTY : new Resources([normalized]);
  }

  /** Merges already valid, normalized entries, dropping empty ones. */
  private static merged(entries: readonly Resource[]): Resources {
    const items: Resource[] = [];
    for (const entry of entries) {
      if (isEmptyEntry(entry)) {
        continue;
      }
      const index = findSlot(items, entry);
      if (index < 0) {
        items.push(entry);
      } else {
        items[index] = addEntries(items[index], entry);
      }
    }
    // A copy of exactly its length: the pushes left room for 17 entries (152 bytes) a Resources kept.
    return items.length === 0 ? Resources.EMPTY : new Resources(items.slice());
  }

  /** Number of entries (distinct name and role pairs). */
  get size(): number {
    return this.items.length;
  }

  /** Whether there are no resources at all. */
  isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** The canonical entries, in first-appearance order. */
  entries(): readonly Resource[] {
    return this.items;
  }

  [Symbol.iterator](): Iterator<Resource> {
    return this.items[Symbol.iterator]();
  }

  /** The sum of both (entries of the same slot merge; throws if their types differ). */
  add(other: Resources): Resources {
    if (other.items.length === 0) {
      return this;
    }
    if (this.items.length === 0) {
      return other;
    }
    const items = this.items.slice();
    let pushed = false;
    for (const entry of other.items) {
      const index = findSlot(items, entry);
      if (index < 0) {
        items.push(entry);
        pushed = true;
      } else {
        items[index] = addEntries(items[index], entry);
      }
    }
    // As in `merged`: kept at exactly its length.
    return new Resources(pushed ? items.slice() : items);
  }

  /** `this − other`; throws `ResourceError` unless `this.contains(other)`. */
  subtract(other: Resources): Resources {
    if (!this.contains(other)) {
      throw new ResourceError(`cannot subtract '${other.format()}' from '${this.format()}': not contained`);
    }
    return this.subtractSaturating(other);
  }

  /** `this − other`, where each entry stops at empty instead of going negative. */
  subtractSaturating(other: Resources): Resources {
    if (other.items.length === 0 || this.items.length === 0) {
      return this;
    }
    if (other === this) {
      return Resources.EMPTY;
    }
    const items = this.items.slice();
    for (const entry of other.items) {
      const index = findSlot(items, entry);
      if (index < 0) {
        continue;
      }
      const rest = subtractEntries(items[index], entry);
      if (rest === undefined) {
        items.splice(index, 1);
      } else {
        items[index] = rest;
      }
    }
    return items.length === 0 ? Resources.EMPTY : new Resources(items);
  }

  /** What both hold: each slot's smaller scalar, its ranges' and set items' overlap (`this − (this − other)`). */
  intersection(other: Resources): Resources {
    return this.subtractSaturating(this.subtractSaturating(other));
  }

  /** Whether every entry of `other` is held (same name, role and type) in at least that amount. */
  contains(other: Resources): boolean {
    if (other === this || other.items.length === 0) {
      return true;
    }
    for (const entry of other.items) {
      const index = findSlot(this.items, entry);
      if (index < 0 || !entryContains(this.items[index], entry)) {
        return false;
      }
    }
    return true;
  }

  /** Whether both hold exactly the same resources (entry order does not matter). */
  equals(other: Resources): boolean {
    if (other === this) {
      return true;
    }
    if (other.items.length !== this.items.length) {
      return false;
    }
    for (const entry of other.items) {
      const index = findSlot(this.items, entry);
      if (index < 0 || !entriesEqual(this.items[index], entry)) {
        return false;
      }
    }
    return true;
  }

  /** The entries for which `predicate` holds. */
  filter(predicate: (entry: Resource) => boolean): Resources {
    const items = this.items.filter(predicate);
    if (items.length === this.items.length) {
      return this;
    }
    // As in `merged`: kept at exactly its length.
    return items.length === 0 ? Resources.EMPTY : new Resources(items.slice());
  }

  /** The unreserved entries (role `*`). */
  unreserved(): Resources {
    return this.filter((entry) => entry.role === UNRESERVED_ROLE);
  }

  /** The entries reserved to `role`, or to any role when `role` is omitted. */
  reserved(role?: string): Resources {
    if (role === undefined) {
      return this.filter((entry) => entry.role !== UNRESERVED_ROLE);
    }
    return this.filter((entry) => entry.role === role);
  }

  /** Whether any entry is reserved (role other than `*`). */
  hasReservations(): boolean {
    return this.items.some((entry) => entry.role !== UNRESERVED_ROLE);
  }

  /** What frameworks of `role` may be offered: unreserved, or reserved to `role` or an ancestor. */
  allocatableTo(role: string): Resources {
    return this.filter((entry) => isAllocatableTo(entry.role, role));
  }

  /** The scalar entries. */
  scalars(): Resources {
    return this.filter((entry) => entry.type === 'SCALAR');
  }

  /** The range and set entries. */
  nonScalars(): Resources {
    return this.filter((entry) => entry.type !== 'SCALAR');
  }

  /** The dynamically reserved entries (those with a `reservation`). */
  dynamicallyReserved(): Resources {
    return this.filter((entry) => entry.reservation !== undefined);
  }

  /** Whether any entry is dynamically reserved. */
  hasDynamicReservations(): boolean {
    return this.items.some((entry) => entry.reservation !== undefined);
  }

  /** The persistent volumes (entries with a `volume`). */
  persistentVolumes(): Resources {
    return this.filter((entry) => entry.volume !== undefined);
  }

  /** Whether any entry is a persistent volume. */
  hasPersistentVolumes(): boolean {
    return this.items.some((entry) => entry.volume !== undefined);
  }

  /**
   * What an agent keeps on disk across restarts (Mesos' checkpointed resources): the dynamic
   * reservations and the persistent volumes.
   */
  checkpointed(): Resources {
    return this.filter((entry) => entry.reservation !== undefined || entry.volume !== undefined);
  }

  /** Every persistent volume as the plain disk it was made of (same role and reservation). */
  withoutVolumes(): Resources {
    return this.hasPersistentVolumes() ? Resources.merged(this.items.map(withoutVolume)) : this;
  }

  /**
   * What these were before every RESERVE and CREATE: persistent volumes as plain disk, dynamic
   * reservations unreserved; static reservations stay. An agent's declared resources hold what
   * its checkpointed resources are made of.
   * @example Resources.fromJSON(volumeOnDynamicReservation).beforeConversions().format() // 'disk:64'
   */
  beforeConversions(): Resources {
    if (!this.items.some((entry) => entry.reservation !== undefined || entry.volume !== undefined)) return this;
    return Resources.merged(this.items.map((entry) => entry.reservation !== undefined ? withRole(entry, UNRESERVED_ROLE) : withoutVolume(entry)));
  }

  /**
   * Every entry dynamically reserved to `role` with `reservation` (what a RESERVE of these makes);
   * throws `ResourceError` for `*` or an invalid role.
   */
  reservedDynamically(role: string, reservation: DynamicReservation): Resources {
    const error = reservationRoleError(role) ?? dynamicRoleError(role, reservation);
    if (error !== undefined) {
      throw new ResourceError(error);
    }
    return Resources.merged(this.items.map((entry) => withRole(entry, role, reservation)));
  }

  /**
   * All entries moved to one role (default: unreserved), merging what then shares a slot; a
   * dynamic reservation is dropped with the role it had, and a persistent volume becomes plain disk.
   */
  flatten(role: string = UNRESERVED_ROLE): Resources {
    const error = reservationRoleError(role);
    if (error !== undefined) {
      throw new ResourceError(error);
    }
    return Resources.merged(this.items.map((entry) => withRole(entry, role)));
  }

  /** The distinct roles present, in first-appearance order. */
  roles(): string[] {
    return [...new Set(this.items.map((entry) => entry.role))];
  }

  /** The distinct names present, in first-appearance order. */
  names(): string[] {
    return [...new Set(this.items.map((entry) => entry.name))];
  }

  /** Total of scalar `name` over all roles (0 when absent). */
  scalar(name: string): number {
    let units = 0;
    for (const entry of this.items) {
      if (entry.type === 'SCALAR' && entry.name === name) {
        units += toUnits(entry.value);
      }
    }
    return fromUnits(units);
  }

  /** Totals of every scalar over all roles, e.g. `{cpus → 4, mem → 1024}`. */
  scalarTotals(): Map<string, number> {
    const totals = new Map<string, number>();
    for (const entry of this.items) {
      if (entry.type === 'SCALAR') {
        totals.set(entry.name, roundScalar((totals.get(entry.name) ?? 0) + entry.value));
      }
    }
    return totals;
  }

  /** The union over all roles of ranges resource `name` (normalized; empty when absent). */
  ranges(name: string): Range[] {
    let ranges: Range[] = [];
    for (const entry of this.items) {
      if (entry.type === 'RANGES' && entry.name === name) {
        ranges = unionRanges(ranges, entry.ranges);
      }
    }
    return ranges;
  }

  /** The union over all roles of set resource `name` (sorted; empty when absent). */
  set(name: string): string[] {
    let items: string[] = [];
    for (const entry of this.items) {
      if (entry.type === 'SET' && entry.name === name) {
        items = unionItems(items, entry.items);
      }
    }
    return items;
  }

  /**
   * Shrinks scalars so that each name's total is at most `caps.get(name)` (in whole units),
   * taking from entries in order. Names without a cap are kept (`'keep'`) or dropped
   * (`'drop'`); range and set entries are always kept.
   */
  capScalars(caps: ReadonlyMap<string, number>, uncapped: UncappedScalars = 'keep'): Resources {
    const remainingUnits = new Map<string, number>();
    const items: Resource[] = [];
    let changed = false;
    for (const entry of this.items) {
      const cap = entry.type === 'SCALAR' ? caps.get(entry.name) : undefined;
      if (entry.type !== 'SCALAR' || (cap === undefined && uncapped === 'keep')) {
        items.push(entry);
        continue;
      }
      const remaining = remainingUnits.get(entry.name) ?? Math.max(0, toUnits(cap ?? 0));
      const taken = Math.min(remaining, toUnits(entry.value));
      remainingUnits.set(entry.name, remaining - taken);
      changed = changed || taken !== toUnits(entry.value);
      if (taken > 0) {
        items.push(taken === toUnits(entry.value) ? entry : scalarEntry(entry.name, entry.role, fromUnits(taken), entry.reservation, entry.volume));
      }
    }
    if (!changed) {
      return this;
    }
    return items.length === 0 ? Resources.EMPTY : new Resources(items.slice());
  }

  /**
   * The agent text syntax; `Resources.parse(r.format())` equals `r` unless `r` holds dynamic
   * reservations, which the text syntax cannot say (they show as `cpus(role, principal):1`, which
   * the parser refuses, and travel as JSON).
   */
  format(): string {
    return this.items.map(formatResource).join(';');
  }

  /** Same as `format()`. */
  toString(): string {
    return this.format();
  }

  /** The Mesos JSON form; `Resources.fromJSON(r.toJSON())` equals `r`. */
  toJSON(): ResourceJSON[] {
    return this.items.map(resourceToJSON);
  }

  /**
   * The JSON Mesos' endpoints write (its `ENDPOINT` format): `toJSON()`'s, with reserved entries
   * also in the refined form (`reservations: [{type: STATIC | DYNAMIC, role, ...}]`).
   */
  toEndpointJSON(): ResourceJSON[] {
    return this.items.map(resourceToEndpointJSON);
  }

  /**
   * `toJSON()` made once per value and deeply frozen, shared by every caller: for holders that
   * only read it, such as the master's offers (an agent's unchanged resources are re-offered
   * every allocation run, and each copy was garbage the next run). Mutating it throws.
   */
  toFrozenJSON(): readonly ResourceJSON[] {
    if (this.frozenJSON === undefined) {
      this.frozenJSON = deepFreeze(this.items.map(resourceToJSON));
    }
    return this.frozenJSON;
  }
}

/** Index of the entry with the same name and role, or −1 (lists are short: linear is fastest). */
function findSlot(items: readonly Resource[], entry: Resource): number {
  for (let index = 0; index < items.length; index++) {
    if (sameSlot(items[index], entry)) {
      return index;
    }
  }
  return -1;
}

function isEmptyEntry(entry: Resource): boolean {
  switch (entry.type) {
    case 'SCALAR':
      return toUnits(entry.value) === 0;
    case 'RANGES':
      return entry.ranges.length === 0;
    case 'SET':
      return entry.items.length === 0;
  }
}

/** Validates a caller-built entry and returns it in canonical form. */
function normalizeEntry(entry: Resource): Resource {
  const error = nameError(entry.name) ?? reservationRoleError(entry.role) ?? valueError(entry) ?? dynamicRoleError(entry.role, entry.reservation)
    ?? (entry.volume === undefined ? undefined : volumeEntryError(entry.name, entry.type, entry.role));
  if (error !== undefined) {
    throw new ResourceError(`invalid resource '${entry.name}': ${error}`);
  }
  // A caller-built reservation or volume is made again: checked, and with its key.
  const reservation = entry.reservation === undefined ? undefined : dynamicReservation(entry.reservation.principal, entry.reservation.labels);
  const volume = entry.volume === undefined ? undefined : persistentVolume(entry.volume);
  switch (entry.type) {
    case 'SCALAR':
      return scalarEntry(entry.name, entry.role, roundScalar(entry.value), reservation, volume);
    case 'RANGES':
      return rangesEntry(entry.name, entry.role, normalizeRanges(entry.ranges), reservation);
    case 'SET':
      return setEntry(entry.name, entry.role, normalizeItems(entry.items), reservation);
  }
}

/** Why an entry of `role` cannot carry `reservation`: only a role other than `*` is reserved. */
export function dynamicRoleError(role: string, reservation: DynamicReservation | undefined): string | undefined {
  return reservation !== undefined && role === UNRESERVED_ROLE ? "a dynamic reservation needs a role other than '*'" : undefined;
}

function valueError(entry: Resource): string | undefined {
  switch (entry.type) {
    case 'SCALAR':
      return scalarError(entry.value);
    case 'RANGES':
      return entry.ranges.map(rangeError).find((error) => error !== undefined);
    case 'SET':
      return entry.items.map(itemError).find((error) => error !== undefined);
    default:
      return `type ${JSON.stringify((entry as { type: unknown }).type)} is not SCALAR, RANGES or SET`;
  }
}

function parseJSONText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ResourceParseError(`invalid resources JSON: ${(error as Error).message}`);
  }
}
