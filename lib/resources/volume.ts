/**
 * Persistent volumes (Mesos' `Resource.DiskInfo` with `persistence` and `volume`): their
 * construction, identity, validation and JSON form. Mesos' rules (src/common/validation.cpp's
 * `validateID` for the persistence id; src/master/validation.cpp's `validateDiskInfo`), with one
 * addition: the container path is relative to the task's sandbox (the agent links the volume
 * there), without `.` or `..` components.
 */
import { ResourceError } from './errors';
import { MAX_PERSISTENCE_ID_LENGTH, MAX_RESERVATION_TEXT_LENGTH, MAX_VOLUME_PATH_LENGTH, MAX_VOLUME_ROLE_BYTES, UNRESERVED_ROLE, type DiskInfoJSON, type PersistentVolume, type Resource, type VolumeMode } from './types';
import { isJsonObject } from '../protocol/plain';

/** The only resource that can be a persistent volume. */
export const VOLUME_RESOURCE_NAME = 'disk';

/** Control characters, and the path separators a persistence id (a directory's name) may not hold. */
const INVALID_ID_CHARACTERS = /[\x00-\x1f\x7f/\\]/;
/** Control characters, which no container path holds. */
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/;

/**
 * A persistent volume; throws `ResourceError` naming what is wrong.
 * @example persistentVolume({ id: 'db-1', principal: 'ops', containerPath: 'data', mode: 'RW' })
 */
export function persistentVolume(fields: { id: string; principal?: string; containerPath: string; mode: VolumeMode }): PersistentVolume {
  const error = volumeFieldsError(fields.id, fields.principal, fields.containerPath, fields.mode);
  if (error !== undefined) throw new ResourceError(`invalid persistent volume: ${error}`);
  const key = JSON.stringify([fields.id, fields.principal ?? null, fields.containerPath, fields.mode]);
  return fields.principal === undefined
    ? { id: fields.id, containerPath: fields.containerPath, mode: fields.mode, key }
    : { id: fields.id, principal: fields.principal, containerPath: fields.containerPath, mode: fields.mode, key };
}

/** Why an entry `name` of `type` reserved to `role` cannot be a persistent volume, or undefined. */
export function volumeEntryError(name: string, type: string, role: string): string | undefined {
  if (name !== VOLUME_RESOURCE_NAME || type !== 'SCALAR') return `only '${VOLUME_RESOURCE_NAME}' (a SCALAR) can be a persistent volume`;
  if (role === UNRESERVED_ROLE) return 'persistent volumes cannot be created from unreserved resources';
  // Not in Mesos (whose agent then fails to make the directory, and exits): the role names one.
  if (role.length * 3 > MAX_VOLUME_ROLE_BYTES && Buffer.byteLength(role, 'utf8') > MAX_VOLUME_ROLE_BYTES) {
    return `role '${role.slice(0, 64)}…' is longer than ${MAX_VOLUME_ROLE_BYTES} bytes: a persistent volume's directory on its agent is named after its role`;
  }
  return undefined;
}

/** Why these fields cannot make a persistent volume, or undefined. */
export function volumeFieldsError(id: unknown, principal: unknown, containerPath: unknown, mode: unknown): string | undefined {
  if (typeof id !== 'string') return "its persistence 'id' is not a string";
  if (id.length === 0) return 'its persistence id is empty';
  // In bytes, as Mesos' `validateID` (a directory's name: NAME_MAX); 255 'é' are 510.
  if (id.length > MAX_PERSISTENCE_ID_LENGTH || Buffer.byteLength(id, 'utf8') > MAX_PERSISTENCE_ID_LENGTH) return `its persistence id is longer than ${MAX_PERSISTENCE_ID_LENGTH} bytes`;
  if (id === '.' || id === '..') return `persistence id '${id}' is not allowed`;
  if (INVALID_ID_CHARACTERS.test(id)) return `persistence id '${id.slice(0, 64)}' contains a slash, a backslash or a control character`;
  if (principal !== undefined) {
    if (typeof principal !== 'string') return "its persistence 'principal' is not a string";
    if (principal.length > MAX_RESERVATION_TEXT_LENGTH) return `its principal is longer than ${MAX_RESERVATION_TEXT_LENGTH} characters`;
  }
  if (typeof containerPath !== 'string' || containerPath.length === 0) return "its volume has no 'container_path'";
  if (containerPath.length > MAX_VOLUME_PATH_LENGTH) return `its container path is longer than ${MAX_VOLUME_PATH_LENGTH} characters`;
  if (containerPath.startsWith('/')) return `container path '${containerPath.slice(0, 64)}' is absolute; a persistent volume's is relative to the task's sandbox`;
  if (CONTROL_CHARACTERS.test(containerPath)) return 'its container path contains a control character';
  if (containerPath.split('/').some((part) => part === '.' || part === '..' || part === '')) return `container path '${containerPath.slice(0, 64)}' has an empty, '.' or '..' component`;
  if (mode !== 'RW' && mode !== 'RO') return `volume mode ${JSON.stringify(mode)} is not RW or RO`;
  return undefined;
}

/**
 * The persistent volume Mesos' JSON `disk` field describes; a string naming the problem when it is
 * not one (this implementation has no other kind of `DiskInfo`: `source` disks and volumes without
 * persistence are refused by name).
 */
export function volumeFromJSON(disk: unknown): PersistentVolume | string {
  if (!isJsonObject(disk)) return "'disk' is not an object";
  for (const field in disk) {
    if (!Object.hasOwn(disk, field)) continue;
    if (field === 'source') return "disk 'source' (MOUNT or PATH disks) is not supported";
    if (field !== 'persistence' && field !== 'volume') return `disk field '${field}' is not supported`;
  }
  const { persistence, volume } = disk;
  if (persistence === undefined) return volume === undefined ? "'disk' is set but empty" : 'a volume without persistence is not supported';
  if (!isJsonObject(persistence)) return "disk 'persistence' is not an object";
  if (volume === undefined) return "expecting 'volume' to be set for a persistent volume";
  if (!isJsonObject(volume)) return "disk 'volume' is not an object";
  if (volume.host_path !== undefined) return "expecting 'host_path' to be unset for a persistent volume";
  for (const field in volume) {
    if (Object.hasOwn(volume, field) && field !== 'container_path' && field !== 'mode') return `volume field '${field}' is not supported`;
  }
  const error = volumeFieldsError(persistence.id, persistence.principal, volume.container_path, volume.mode);
  if (error !== undefined) return `persistent volume: ${error}`;
  return persistentVolume({ id: persistence.id as string, principal: persistence.principal as string | undefined, containerPath: volume.container_path as string, mode: volume.mode as VolumeMode });
}

/** Mesos' JSON `disk` of a persistent volume. */
export function volumeToJSON(volume: PersistentVolume): DiskInfoJSON {
  return {
    persistence: volume.principal === undefined ? { id: volume.id } : { id: volume.id, principal: volume.principal },
    volume: { container_path: volume.containerPath, mode: volume.mode },
  };
}

/** Whether two entries' volumes are the same (both absent, or equal keys). */
export function sameVolume(left: PersistentVolume | undefined, right: PersistentVolume | undefined): boolean {
  return left === right || (left !== undefined && right !== undefined && left.key === right.key);
}

/**
 * The entry of `entries` that is the whole of `entry`'s persistent volume (the same volume, role
 * and reservation), or undefined: what a DESTROY, a resize, a task or the allocator compares a
 * listed volume's size with (a volume is used, destroyed and resized whole).
 */
export function wholeVolumeIn(entries: Iterable<Resource>, entry: Resource): Resource | undefined {
  if (entry.volume === undefined) return undefined;
  for (const candidate of entries) {
    if (candidate.volume?.key === entry.volume.key && candidate.role === entry.role && candidate.reservation?.key === entry.reservation?.key) return candidate;
  }
  return undefined;
}

/**
 * Whether every persistent volume of `used` is in `total` whole, at the same size: a volume is
 * used, destroyed and resized whole (Mesos' `subtractable` refuses a part of one), while
 * `Resources.contains` compares a volume's size as a scalar's. What the allocator checks an
 * operator's conversion with, and the agent a task's volumes (a resize it never heard of).
 */
export function volumesWhole(used: Iterable<Resource>, total: Iterable<Resource>): boolean {
  for (const entry of used) {
    if (entry.volume === undefined) continue;
    const whole = wholeVolumeIn(total, entry);
    if (whole === undefined || whole.type !== 'SCALAR' || entry.type !== 'SCALAR' || whole.value !== entry.value) return false;
  }
  return true;
}

/** The text form's volume part, Mesos' `[id:container_path]` (after the role; the parser refuses it). */
export function formatVolume(volume: PersistentVolume): string {
  return `[${volume.id}:${volume.containerPath}]`;
}
