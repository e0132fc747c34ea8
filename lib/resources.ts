/**
 * The resource algebra (DESIGN.md §6): parse and format `name(role):value;...` and the
 * Mesos JSON form, and add / subtract / contains / filter on immutable `Resources`.
 *
 * @example
 * import { Resources } from '../lib/resources';
 * const offer = Resources.parse('cpus:4;mem:8192;ports:[31000-32000]');
 * offer.contains(Resources.parse('cpus:1;mem:128')); // true
 */
export { Resources, type UncappedScalars } from './resources/resources';
export { SHARED_RESOURCES_KEPT, sharedResources, sharedResourcesFromJSON } from './resources/shared';
export { ResourceError, ResourceParseError } from './resources/errors';
export { withReservationsReadAsBefore, withResourcesReadAsBefore } from './resources/json';
export {
  UNRESERVED_ROLE,
  SCALAR_DECIMAL_PLACES,
  SCALAR_UNITS_PER_ONE,
  MAX_SCALAR_VALUE,
  MAX_RANGE_VALUE,
  type Range,
  type Resource,
  type ResourceJSON,
  type ResourceType,
  type ScalarResource,
  type RangesResource,
  type SetResource,
  MAX_RESERVATION_LABELS,
  MAX_RESERVATION_TEXT_LENGTH,
  type DynamicReservation,
  type ReservationLabel,
  type ReservationLabelsJSON,
  MAX_PERSISTENCE_ID_LENGTH,
  MAX_VOLUME_PATH_LENGTH,
  type DiskInfoJSON,
  type PersistentVolume,
  type VolumeMode,
} from './resources/types';
export { applyCheckpointedResources, checkpointedResourcesError, describeResources, duplicatePersistenceId, duplicatePersistenceIdIn } from './resources/checkpointed';
export { VOLUME_RESOURCE_NAME, formatVolume, persistentVolume, sameVolume, volumeFromJSON, volumeToJSON, volumesWhole, wholeVolumeIn } from './resources/volume';
export { dynamicReservation, formatReservation, reservationError, reservationToJSON, sameReservation } from './resources/reservation';
export {
  ROLE_SEPARATOR,
  isAllocatableTo,
  isStrictSubrole,
  isValidRole,
  roleAncestors,
  roleError,
  topLevelRole,
} from './resources/roles';
export { fromUnits, roundScalar, toUnits } from './resources/scalar';
export { itemError, nameError, rangeError, scalarError } from './resources/validate';
export { plainResourcesText } from './resources/text';
export { normalizeRanges, rangesContain, rangesSize, subtractRanges, unionRanges } from './resources/ranges';
