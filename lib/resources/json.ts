/**
 * The Mesos JSON form of resources: a list of `mesos.Resource` objects, e.g.
 * `[{"name":"cpus","type":"SCALAR","scalar":{"value":4},"role":"*"}]`.
 * Reservations may be given as `role` (legacy) or `reservations` (the last one is the
 * resource's role); a dynamic one as `reservation: {principal, labels}` (legacy, with `role`) or a
 * single `reservations` item of type DYNAMIC. Fields this implementation does not model are
 * rejected, not ignored.
 */
import { indexedTypes, rangesEntry, scalarEntry, setEntry, typeOfName } from './entry';
import { ResourceParseError } from './errors';
import { normalizeRanges } from './ranges';
import { roundScalar } from './scalar';
import { itemError, nameError, rangeError, reservationRoleError, scalarError, scalarPrecisionError } from './validate';
import { dynamicReservation, reservationError, reservationToJSON } from './reservation';
import { volumeEntryError, volumeFromJSON, volumeToJSON } from './volume';
import { UNRESERVED_ROLE, type DynamicReservation, type Range, type ReservationLabel, type Resource, type ResourceJSON } from './types';
import { isJsonObject } from '../protocol/plain';

/** Fields of `mesos.Resource` that are understood. */
const KNOWN_FIELDS = new Set(['name', 'type', 'scalar', 'ranges', 'set', 'role', 'reservation', 'reservations', 'disk']);

/** Parses a JSON list of resources into entries (not yet merged); throws `ResourceParseError`. */
export function parseResourcesJSON(json: unknown): Resource[] {
  if (!Array.isArray(json)) {
    throw new ResourceParseError('invalid resources JSON: expected a list of resource objects');
  }
  const entries: Resource[] = [];
  let typeIndex: Map<string, Resource['type']> | undefined;
  for (let index = 0; index < json.length; index++) {
    const entry = parseElement(json[index] as unknown, index);
    const earlierType = typeOfName(entries, entry.name, typeIndex);
    if (earlierType !== undefined && earlierType !== entry.type) {
      throw invalid(index, entry.name, `'${entry.name}' is both ${earlierType} and ${entry.type}`);
    }
    entries.push(entry);
    typeIndex = indexedTypes(entries, typeIndex);
  }
  return entries;
}

/**
 * A list kept before 2026-12-08 (an agent's journal keeps a task's and an executor's resources as
 * the framework gave them) as `parseResourcesJSON` read it then: an entry whose `reservations`
 * are all static (STATIC or of no type) and either refine one another or name `*`, refused since
 * (as Mesos' `Resources::validate`), becomes its last reservation's role in the pre-refinement
 * form, which is what it was read as (`*`: unreserved). Any other entry is left as it is, and the
 * list too (the same object) when none changes: a restart with such a journal must not refuse
 * the tasks that ran, nor fail each /state that renders them.
 */
export function withReservationsReadAsBefore<T extends ResourceJSON>(resources: T[]): T[] {
  let rewritten: T[] | undefined;
  for (let index = 0; index < resources.length; index++) {
    const entry = resources[index] as T;
    const reservations: unknown = entry.reservations;
    if (!Array.isArray(reservations) || reservations.length === 0) continue;
    const items = reservations as unknown[];
    if (!items.every((item) => isJsonObject(item) && typeof item.role === 'string' && (item.type === undefined || item.type === 'STATIC'))) continue;
    const roles = items.map((item) => (item as { role: string }).role);
    if (roles.length === 1 && roles[0] !== UNRESERVED_ROLE) continue;
    const { reservations: _refused, ...rest } = entry;
    rewritten ??= resources.slice();
    rewritten[index] = { ...rest, role: roles[roles.length - 1] } as T;
  }
  return rewritten ?? resources;
}

/**
 * `holder` (a task's or an executor's info) with its `resources` as `withReservationsReadAsBefore`
 * reads them: the same object when they do not change, or when it has none.
 */
export function withResourcesReadAsBefore<H extends { readonly resources?: ResourceJSON[] | undefined }>(holder: H): H {
  const resources = holder.resources;
  if (resources === undefined) return holder;
  const read = withReservationsReadAsBefore(resources);
  return read === resources ? holder : { ...holder, resources: read };
}

/**
 * One entry in the JSON form; the role is always written, `*` included. A dynamic reservation is
 * written as Mesos' endpoints write it (pre-refinement): `role` and `reservation: {principal, labels}`.
 */
export function resourceToJSON(entry: Resource): ResourceJSON {
  const json = plainResourceToJSON(entry);
  if (entry.reservation !== undefined) json.reservation = reservationToJSON(entry.reservation);
  if (entry.volume !== undefined) json.disk = volumeToJSON(entry.volume);
  return json;
}

/**
 * One entry as Mesos' endpoints write it (its `ENDPOINT` resource format): `resourceToJSON`'s
 * fields, and for a reserved entry also the refined form, `reservations: [{type, role, ...}]`,
 * so that tools written for either format read it (`/master/slaves`' and the agent's `/state`'s
 * `*_full` lists).
 */
export function resourceToEndpointJSON(entry: Resource): ResourceJSON {
  const json = resourceToJSON(entry);
  if (entry.role === UNRESERVED_ROLE) return json;
  const reservation = entry.reservation;
  json.reservations = [reservation === undefined
    ? { type: 'STATIC', role: entry.role }
    : { type: 'DYNAMIC', role: entry.role, ...reservationToJSON(reservation) }];
  return json;
}

function plainResourceToJSON(entry: Resource): ResourceJSON {
  switch (entry.type) {
    case 'SCALAR':
      return { name: entry.name, type: 'SCALAR', scalar: { value: entry.value }, role: entry.role };
    case 'RANGES':
      return {
        name: entry.name,
        type: 'RANGES',
        ranges: { range: entry.ranges.map((range) => ({ begin: range.begin, end: range.end })) },
        role: entry.role,
      };
    case 'SET':
      return { name: entry.name, type: 'SET', set: { item: [...entry.items] }, role: entry.role };
  }
}

function parseElement(element: unknown, index: number): Resource {
  if (!isJsonObject(element)) {
    throw invalid(index, undefined, 'not an object');
  }
  const name = element.name;
  if (typeof name !== 'string' || nameError(name) !== undefined) {
    throw invalid(index, undefined, typeof name === 'string' ? nameError(name)! : "missing string 'name'");
  }
  // `for...in` and an own-field check for what is not known: Object.keys made a list per
  // resource parsed (~640 bytes a task at 10k agents, scratch heap profile); an inherited field is
  // no more checked than Object.keys listed it.
  for (const field in element) {
    if (!KNOWN_FIELDS.has(field) && Object.hasOwn(element, field)) {
      throw invalid(index, name, `field '${field}' is not supported`);
    }
  }
  const role = parseRole(element, index, name);
  const reservation = parsedReservation;
  if (element.disk !== undefined) {
    const volume = volumeEntryError(name, String(element.type), role) ?? volumeFromJSON(element.disk);
    if (typeof volume === 'string') throw invalid(index, name, volume);
    return scalarEntry(name, role, parseScalar(element.scalar, index, name), reservation, volume);
  }
  switch (element.type) {
    case 'SCALAR':
      return scalarEntry(name, role, parseScalar(element.scalar, index, name), reservation);
    case 'RANGES':
      return rangesEntry(name, role, parseRanges(element.ranges, index, name), reservation);
    case 'SET':
      return setEntry(name, role, parseSet(element.set, index, name), reservation);
    default:
      throw invalid(index, name, `type ${JSON.stringify(element.type)} is not SCALAR, RANGES or SET`);
  }
}

/**
 * The dynamic reservation `parseRole` read with the role it returned (undefined: none). A field,
 * not a second result object: every task's resources are parsed a few times.
 */
let parsedReservation: DynamicReservation | undefined;

/**
 * The role of a JSON resource, from `role` (pre-refinement) or the last of `reservations`; sets
 * `parsedReservation` when that reservation is dynamic (`reservation` present, even `{}`, or the
 * last of `reservations` of type DYNAMIC).
 */
function parseRole(element: Record<string, unknown>, index: number, name: string): string {
  parsedReservation = undefined;
  const legacyRole = element.role;
  if (legacyRole !== undefined && typeof legacyRole !== 'string') {
    throw invalid(index, name, "'role' is not a string");
  }
  const reservations = element.reservations;
  let refinedRole: string | undefined;
  let refinedDynamic: { principal?: unknown; labels?: unknown } | undefined;
  if (reservations !== undefined) {
    if (!Array.isArray(reservations) || !reservations.every((item) => isJsonObject(item) && typeof item.role === 'string')) {
      throw invalid(index, name, "'reservations' is not a list of objects with a string 'role'");
    }
    for (let at = 0; at < reservations.length; at++) {
      const item = reservations[at] as Record<string, unknown>;
      if (item.type !== undefined && item.type !== 'STATIC' && item.type !== 'DYNAMIC') {
        throw invalid(index, name, `reservation type ${JSON.stringify(item.type)} is not STATIC or DYNAMIC`);
      }
      // As Mesos' `Resources::validate`: no reservation is of '*', and each after the first refines
      // the one before, dynamically (and a stack with a dynamic one, this model does not hold).
      if (item.role === UNRESERVED_ROLE) throw invalid(index, name, 'Invalid reservation: role "*" cannot be reserved');
      if (at > 0 && item.type !== 'DYNAMIC') {
        throw invalid(index, name, `Invalid refined reservation: a refined reservation cannot be STATIC${item.type === undefined ? ' (one of no type is static)' : ''}`);
      }
      if (item.type === 'DYNAMIC' && reservations.length > 1) {
        throw invalid(index, name, 'a refined reservation stack with a dynamic reservation is not supported (one reservation per resource)');
      }
      if (item.type === 'DYNAMIC') refinedDynamic = item;
    }
    const last: unknown = reservations[reservations.length - 1];
    refinedRole = isJsonObject(last) && typeof last.role === 'string' ? last.role : undefined;
  }
  if (legacyRole !== undefined && refinedRole !== undefined && legacyRole !== refinedRole) {
    throw invalid(index, name, `'role' ${legacyRole} differs from the last reservation's role ${refinedRole}`);
  }
  const legacyDynamic = element.reservation;
  if (legacyDynamic !== undefined && !isJsonObject(legacyDynamic)) {
    throw invalid(index, name, "'reservation' is not an object");
  }
  if (legacyDynamic !== undefined && reservations !== undefined && refinedDynamic === undefined) {
    throw invalid(index, name, "'reservation' (a dynamic reservation) but 'reservations' has none");
  }
  const role = refinedRole ?? legacyRole ?? UNRESERVED_ROLE;
  const error = reservationRoleError(role);
  if (error !== undefined) {
    throw invalid(index, name, error);
  }
  const dynamic = refinedDynamic ?? legacyDynamic;
  if (dynamic !== undefined) {
    if (role === UNRESERVED_ROLE) throw invalid(index, name, "a dynamic reservation needs a role other than '*'");
    const labels = parseLabels(dynamic.labels, index, name);
    const problem = reservationError(dynamic.principal, labels);
    if (problem !== undefined) throw invalid(index, name, `dynamic reservation: ${problem}`);
    if (legacyDynamic !== undefined && refinedDynamic !== undefined && legacyDynamic.principal !== refinedDynamic.principal) {
      throw invalid(index, name, "'reservation' and 'reservations' name different principals");
    }
    parsedReservation = dynamicReservation(dynamic.principal as string | undefined, labels);
  }
  return role;
}

/** A reservation's labels from Mesos' JSON `{labels: [...]}` (undefined when absent). */
function parseLabels(labels: unknown, index: number, name: string): ReservationLabel[] | undefined {
  if (labels === undefined) return undefined;
  if (!isJsonObject(labels) || !Array.isArray(labels.labels)) {
    throw invalid(index, name, "dynamic reservation: its 'labels' are not {labels: [...]}");
  }
  const problem = reservationError(undefined, labels.labels);
  if (problem !== undefined) throw invalid(index, name, `dynamic reservation: ${problem}`);
  return labels.labels as ReservationLabel[];
}

function parseScalar(scalar: unknown, index: number, name: string): number {
  if (!isJsonObject(scalar) || typeof scalar.value !== 'number') {
    throw invalid(index, name, "SCALAR without a numeric 'scalar.value'");
  }
  const error = scalarError(scalar.value) ?? scalarPrecisionError(scalar.value);
  if (error !== undefined) {
    throw invalid(index, name, error);
  }
  return roundScalar(scalar.value);
}

function parseRanges(ranges: unknown, index: number, name: string): Range[] {
  if (!isJsonObject(ranges) || !Array.isArray(ranges.range)) {
    throw invalid(index, name, "RANGES without a list 'ranges.range'");
  }
  const earlier: Range[] = [];
  const parsed = ranges.range.map((range: unknown) => {
    if (!isJsonObject(range) || typeof range.begin !== 'number' || typeof range.end !== 'number') {
      throw invalid(index, name, 'a range is not {begin: number, end: number}');
    }
    const candidate = { begin: range.begin, end: range.end };
    const error = rangeError(candidate);
    if (error !== undefined) {
      throw invalid(index, name, error);
    }
    // As Mesos' `Resources::validate`: ranges of one resource may touch but not overlap (the text
    // form's are merged as they are read, as Mesos' parser coalesces them; JSON's are taken as given).
    const overlapped = earlier.find((other) => candidate.begin <= other.end && other.begin <= candidate.end);
    if (overlapped !== undefined) {
      throw invalid(index, name, `ranges '${overlapped.begin}-${overlapped.end}' and '${candidate.begin}-${candidate.end}' overlap`);
    }
    earlier.push(candidate);
    return candidate;
  });
  return normalizeRanges(parsed);
}

function parseSet(set: unknown, index: number, name: string): string[] {
  if (!isJsonObject(set) || !Array.isArray(set.item) || !set.item.every((item) => typeof item === 'string')) {
    throw invalid(index, name, "SET without a list of strings 'set.item'");
  }
  const items = set.item as string[];
  const seen = new Set<string>();
  for (const item of items) {
    const error = itemError(item) ?? (seen.has(item) ? `set item '${item}' appears twice` : undefined);
    if (error !== undefined) {
      throw invalid(index, name, error);
    }
    seen.add(item);
  }
  return [...seen].sort();
}

function invalid(index: number, name: string | undefined, reason: string): ResourceParseError {
  const label = name === undefined ? `#${index}` : `#${index} '${name}'`;
  return new ResourceParseError(`invalid resource ${label}: ${reason}`);
}
