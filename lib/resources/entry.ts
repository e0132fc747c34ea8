/**
 * Operations on single resource entries of the same name and role ("slot").
 * Entries are canonical: scalars > 0 and exact to 0.001, ranges normalized and
 * non-empty, set items sorted, unique and non-empty.
 */
import { ResourceError } from './errors';
import { rangesContain, rangesEqual, subtractRanges, unionRanges } from './ranges';
import { fromUnits, toUnits } from './scalar';
import { itemsContain, itemsEqual, subtractItems, unionItems } from './sets';
import { sameReservation } from './reservation';
import { sameVolume } from './volume';
import type { DynamicReservation, PersistentVolume, Range, RangesResource, Resource, ScalarResource, SetResource } from './types';

/**
 * A scalar entry (value already exact to 0.001). Fields in one order keep V8 shapes stable; a
 * dynamically reserved entry (`reservation`) or a persistent volume (`volume`) has a field or two
 * more and is never cached.
 */
export function scalarEntry(name: string, role: string, value: number, reservation?: DynamicReservation, volume?: PersistentVolume): ScalarResource {
  if (volume !== undefined) return reservation === undefined ? { type: 'SCALAR', name, role, value, volume } : { type: 'SCALAR', name, role, value, reservation, volume };
  if (reservation !== undefined) return { type: 'SCALAR', name, role, value, reservation };
  const slot = scalarSlot(name, role, value);
  const known = scalarEntries[slot];
  if (known !== undefined && known.value === value && known.name === name && known.role === role) return known;
  const entry: ScalarResource = { type: 'SCALAR', name, role, value };
  scalarEntries[slot] = entry;
  return entry;
}

/**
 * Slots of the scalar entries made lately (`scalarEntry`), a power of two. Entries never change,
 * so an equal one made again is the one made before. A cluster's agents and tasks are mostly
 * alike, so the same amounts come back again and again: at 100k agents every agent's pool in the
 * allocator, every offer's remainder and every task kept its own copies (56 bytes each by V8's
 * object layout, and all of a cycle's promoted to V8's old generation; the resources' share of
 * the scale bench's promoted bytes went from 636 to 347 a task, sampled).
 */
export const SCALAR_ENTRY_CACHE_SLOTS = 4_096;
const scalarEntries: Array<ScalarResource | undefined> = new Array<ScalarResource | undefined>(SCALAR_ENTRY_CACHE_SLOTS).fill(undefined);

/** The cache slot of a scalar entry: its value in thousandths (the precision entries hold), mixed with its name and role. */
function scalarSlot(name: string, role: string, value: number): number {
  let hash = Math.imul((value * 1_000) | 0, 0x9e3779b1);
  hash ^= Math.imul(name.length, 31) + (name.length === 0 ? 0 : name.charCodeAt(name.length - 1));
  hash ^= (role.length << 8) + (role.length === 0 ? 0 : role.charCodeAt(role.length - 1) << 16);
  return (hash ^ (hash >>> 15)) & (SCALAR_ENTRY_CACHE_SLOTS - 1);
}

/** The same entry without its persistent volume (plain disk of the same role and reservation). */
export function withoutVolume(entry: Resource): Resource {
  return entry.volume === undefined || entry.type !== 'SCALAR' ? entry : scalarEntry(entry.name, entry.role, entry.value, entry.reservation);
}

/** A ranges entry (ranges already normalized), dynamically reserved with `reservation`. */
export function rangesEntry(name: string, role: string, ranges: readonly Range[], reservation?: DynamicReservation): RangesResource {
  return reservation === undefined ? { type: 'RANGES', name, role, ranges } : { type: 'RANGES', name, role, ranges, reservation };
}

/** A set entry (items already sorted and unique), dynamically reserved with `reservation`. */
export function setEntry(name: string, role: string, items: readonly string[], reservation?: DynamicReservation): SetResource {
  return reservation === undefined ? { type: 'SET', name, role, items } : { type: 'SET', name, role, items, reservation };
}

/**
 * Entries of a list scanned for an earlier use of a name (`typeOfName`); past it, names are
 * looked up in a `Map`. Resource lists are short (cpus, mem, disk, ports), and every task's are
 * parsed a few times: a `Map` per parse was ~1 KB of what a simulated short task allocated
 * (heap sampling of the scale bench's throughput phase).
 */
export const NAMES_SCANNED = 16;

/**
 * The type `name` has among `entries` (undefined if none has it): by a scan while `index` is
 * undefined, else from it. Callers refuse a name used with two types, so every entry of a name
 * has the same type.
 */
export function typeOfName(entries: readonly Resource[], name: string, index: ReadonlyMap<string, Resource['type']> | undefined): Resource['type'] | undefined {
  if (index !== undefined) return index.get(name);
  for (let position = 0; position < entries.length; position++) {
    const entry = entries[position] as Resource;
    if (entry.name === name) return entry.type;
  }
  return undefined;
}

/**
 * The index `typeOfName` reads once `entries` outgrow `NAMES_SCANNED`, updated with the entry
 * just appended (made from all of them the first time); undefined before that.
 */
export function indexedTypes(entries: readonly Resource[], index: Map<string, Resource['type']> | undefined): Map<string, Resource['type']> | undefined {
  if (entries.length <= NAMES_SCANNED) return undefined;
  if (index === undefined) return new Map(entries.map((entry) => [entry.name, entry.type]));
  const last = entries[entries.length - 1] as Resource;
  index.set(last.name, last.type);
  return index;
}

/**
 * Whether two entries describe the same resource slot (name, role, dynamic reservation and
 * persistent volume). A volume's slot adds and subtracts as a scalar does; that a task takes a
 * whole volume is the master's check (Mesos makes volumes atomic in the algebra instead).
 */
export function sameSlot(left: Resource, right: Resource): boolean {
  return left.name === right.name && left.role === right.role && sameReservation(left.reservation, right.reservation) && sameVolume(left.volume, right.volume);
}

/** The sum of two entries of the same slot; throws if their types differ. */
export function addEntries(left: Resource, right: Resource): Resource {
  if (left.type === 'SCALAR' && right.type === 'SCALAR') {
    return scalarEntry(left.name, left.role, fromUnits(toUnits(left.value) + toUnits(right.value)), left.reservation, left.volume);
  }
  if (left.type === 'RANGES' && right.type === 'RANGES') {
    return rangesEntry(left.name, left.role, unionRanges(left.ranges, right.ranges), left.reservation);
  }
  if (left.type === 'SET' && right.type === 'SET') {
    return setEntry(left.name, left.role, unionItems(left.items, right.items), left.reservation);
  }
  throw typeMismatch(left, right);
}

/** `left` minus `right` (same slot), saturating at empty; undefined when nothing is left. */
export function subtractEntries(left: Resource, right: Resource): Resource | undefined {
  if (left.type === 'SCALAR' && right.type === 'SCALAR') {
    const units = toUnits(left.value) - toUnits(right.value);
    return units > 0 ? scalarEntry(left.name, left.role, fromUnits(units), left.reservation, left.volume) : undefined;
  }
  if (left.type === 'RANGES' && right.type === 'RANGES') {
    const ranges = subtractRanges(left.ranges, right.ranges);
    return ranges.length > 0 ? rangesEntry(left.name, left.role, ranges, left.reservation) : undefined;
  }
  if (left.type === 'SET' && right.type === 'SET') {
    const items = subtractItems(left.items, right.items);
    return items.length > 0 ? setEntry(left.name, left.role, items, left.reservation) : undefined;
  }
  throw typeMismatch(left, right);
}

/** Whether `outer` holds at least `inner` (same slot); entries of different types never do. */
export function entryContains(outer: Resource, inner: Resource): boolean {
  if (outer.type === 'SCALAR' && inner.type === 'SCALAR') {
    return toUnits(outer.value) >= toUnits(inner.value);
  }
  if (outer.type === 'RANGES' && inner.type === 'RANGES') {
    return rangesContain(outer.ranges, inner.ranges);
  }
  if (outer.type === 'SET' && inner.type === 'SET') {
    return itemsContain(outer.items, inner.items);
  }
  return false;
}

/** Whether two entries of the same slot hold exactly the same values. */
export function entriesEqual(left: Resource, right: Resource): boolean {
  if (left.type === 'SCALAR' && right.type === 'SCALAR') {
    return toUnits(left.value) === toUnits(right.value);
  }
  if (left.type === 'RANGES' && right.type === 'RANGES') {
    return rangesEqual(left.ranges, right.ranges);
  }
  if (left.type === 'SET' && right.type === 'SET') {
    return itemsEqual(left.items, right.items);
  }
  return false;
}

/**
 * The same entry reserved to another role, statically (`*`: unreserved), or with `reservation`
 * dynamically; a persistent volume becomes plain disk.
 */
export function withRole(entry: Resource, role: string, reservation?: DynamicReservation): Resource {
  if (entry.role === role && sameReservation(entry.reservation, reservation) && entry.volume === undefined) {
    return entry;
  }
  switch (entry.type) {
    case 'SCALAR':
      return scalarEntry(entry.name, role, entry.value, reservation);
    case 'RANGES':
      return rangesEntry(entry.name, role, entry.ranges, reservation);
    case 'SET':
      return setEntry(entry.name, role, entry.items, reservation);
  }
}

function typeMismatch(left: Resource, right: Resource): ResourceError {
  return new ResourceError(
    `resource '${left.name}' of role '${left.role}' is both ${left.type} and ${right.type}`,
  );
}
