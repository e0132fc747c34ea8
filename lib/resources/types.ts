/**
 * The value types of the resource algebra: one `Resource` is a named, typed quantity
 * reserved to a role (or unreserved, role `*`).
 */

/** The role of resources that are not reserved to any role (Mesos' `*`). */
export const UNRESERVED_ROLE = '*';

/** Scalars are compared with this many decimal places, as Mesos does, so 0.1 + 0.2 == 0.3. */
export const SCALAR_DECIMAL_PLACES = 3;

/** Scalars are stored as integer multiples of 1 / SCALAR_UNITS_PER_ONE (thousandths). */
export const SCALAR_UNITS_PER_ONE = 1000;

/** Largest scalar accepted: beyond it, thousandths are no longer exact doubles. */
export const MAX_SCALAR_VALUE = Math.floor(Number.MAX_SAFE_INTEGER / SCALAR_UNITS_PER_ONE);

/** Largest range bound accepted (ports and the like are unsigned integers). */
export const MAX_RANGE_VALUE = Number.MAX_SAFE_INTEGER;

/** The three kinds of resource value, spelled as in Mesos' JSON (`Value.Type`). */
export type ResourceType = 'SCALAR' | 'RANGES' | 'SET';

/** An inclusive interval of integers, e.g. ports 31000–32000. */
export interface Range {
  readonly begin: number;
  readonly end: number;
}

interface ResourceBase {
  /** The resource name, e.g. `cpus`, `mem`, `ports`. */
  readonly name: string;
  /** The role the resource is reserved to, or `*` (UNRESERVED_ROLE). */
  readonly role: string;
}

/** A scalar quantity; `value` is always an exact multiple of 0.001 and > 0. */
export interface ScalarResource extends ResourceBase {
  readonly type: 'SCALAR';
  readonly value: number;
}

/** A non-empty list of ranges, sorted, with overlapping and adjacent ranges merged. */
export interface RangesResource extends ResourceBase {
  readonly type: 'RANGES';
  readonly ranges: readonly Range[];
}

/** A non-empty set of items, sorted and without duplicates. */
export interface SetResource extends ResourceBase {
  readonly type: 'SET';
  readonly items: readonly string[];
}

/** One entry of a `Resources` value (always in canonical, non-empty form). */
export type Resource = ScalarResource | RangesResource | SetResource;

/** The Mesos JSON form of one resource (`mesos.Resource`), as accepted and produced. */
export interface ResourceJSON {
  name: string;
  type: ResourceType;
  scalar?: { value: number };
  ranges?: { range: Array<{ begin: number; end: number }> };
  set?: { item: string[] };
  role?: string;
  reservation?: { principal?: string; labels?: unknown };
  reservations?: Array<{ type?: string; role: string; principal?: string }>;
}
