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

/** Most labels one dynamic reservation carries (Mesos sets none; a bound against hostile lists). */
export const MAX_RESERVATION_LABELS = 16;
/** Longest principal, label key or label value of a dynamic reservation, in characters. */
export const MAX_RESERVATION_TEXT_LENGTH = 256;

/** A label of a dynamic reservation (Mesos' `Label`: a key, and a value or none). */
export interface ReservationLabel {
  readonly key: string;
  readonly value?: string;
}

/**
 * A dynamic reservation (Mesos' `Resource.ReservationInfo` of type DYNAMIC): made at run time by a
 * framework's RESERVE or an operator's `/reserve`, undone by UNRESERVE, and kept by the agent
 * across restarts. Resources reserved by different principals or with different labels are
 * different resources (they neither merge nor subtract from one another), as in Mesos. Made by
 * `dynamicReservation`, which fills `key`.
 */
export interface DynamicReservation {
  /** The principal that made it (absent when the maker had none). */
  readonly principal?: string;
  /** Its labels, in the order given (absent when none). */
  readonly labels?: readonly ReservationLabel[];
  /** Its identity: equal keys are the same reservation. */
  readonly key: string;
}

/** Longest persistence id of a persistent volume, in UTF-8 bytes (Mesos' `NAME_MAX`: the id names a directory). */
export const MAX_PERSISTENCE_ID_LENGTH = 255;
/** Longest role of a persistent volume, in UTF-8 bytes (`NAME_MAX`: the role, its `/` a space, names the directory of the role's volumes). */
export const MAX_VOLUME_ROLE_BYTES = 255;
/** Longest container path of a persistent volume, in characters (Linux' `PATH_MAX`). */
export const MAX_VOLUME_PATH_LENGTH = 4_096;

/** How a task may use a volume (Mesos' `Volume.Mode`); a persistent volume is created `RW`. */
export type VolumeMode = 'RW' | 'RO';

/**
 * A persistent volume (Mesos' `Resource.DiskInfo` with `persistence` and `volume`): reserved disk
 * that a CREATE turned into a directory on the agent, kept across tasks, agent restarts and master
 * failovers until a DESTROY. Made by `persistentVolume`, which checks it and fills `key`.
 */
export interface PersistentVolume {
  /** Its persistence id, unique among the volumes of its role on its agent. */
  readonly id: string;
  /** The principal that created it (absent when the creator had none). */
  readonly principal?: string;
  /** Where a task sees it: a path relative to the task's sandbox. */
  readonly containerPath: string;
  readonly mode: VolumeMode;
  /** Its identity: equal keys are the same volume. */
  readonly key: string;
}

interface ResourceBase {
  /** The resource name, e.g. `cpus`, `mem`, `ports`. */
  readonly name: string;
  /** The role the resource is reserved to, or `*` (UNRESERVED_ROLE). */
  readonly role: string;
  /**
   * Set when the reservation to `role` is dynamic; absent for unreserved and statically reserved
   * resources (an agent's `--resources`). Only a dynamically reserved entry has the field, so the
   * entries most lists hold keep their one shape.
   */
  readonly reservation?: DynamicReservation;
  /**
   * Set on a persistent volume (a `disk` scalar, reserved statically or dynamically); absent on
   * everything else, so most entries keep their one shape. A volume is a slot of its own.
   */
  readonly volume?: PersistentVolume;
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
  /** Mesos' pre-refinement form of a dynamic reservation: present (even `{}`) only on dynamically reserved resources. */
  reservation?: { principal?: string; labels?: ReservationLabelsJSON };
  /** Mesos' refined form: the stack of reservations, the last one the resource's role. */
  reservations?: Array<{ type?: string; role: string; principal?: string; labels?: ReservationLabelsJSON }>;
  /** Mesos' `DiskInfo`: on a persistent volume, its persistence and where tasks see it. */
  disk?: DiskInfoJSON;
}

/** Mesos' JSON form of a persistent volume's `DiskInfo`. */
export interface DiskInfoJSON {
  persistence?: { id: string; principal?: string };
  volume?: { container_path: string; mode: VolumeMode };
}

/** Mesos' JSON form of `Labels`: `{"labels": [{"key": "k", "value": "v"}]}`. */
export interface ReservationLabelsJSON {
  labels: Array<{ key: string; value?: string }>;
}
