/**
 * Dynamic reservations (Mesos' `ReservationInfo` of type DYNAMIC): their construction, identity,
 * validation and JSON form.
 */
import { ResourceError } from './errors';
import { MAX_RESERVATION_LABELS, MAX_RESERVATION_TEXT_LENGTH, type DynamicReservation, type ReservationLabel, type ReservationLabelsJSON } from './types';

/**
 * A dynamic reservation by `principal` (if any) with `labels` (if any); throws `ResourceError`
 * naming what is wrong with either.
 * @example dynamicReservation('ops', [{ key: 'purpose', value: 'db' }])
 */
export function dynamicReservation(principal?: string, labels?: readonly ReservationLabel[]): DynamicReservation {
  const error = reservationError(principal, labels);
  if (error !== undefined) throw new ResourceError(`invalid dynamic reservation: ${error}`);
  const copied = labels === undefined || labels.length === 0 ? undefined : labels.map((label) => label.value === undefined ? { key: label.key } : { key: label.key, value: label.value });
  // Labels in any order are the same reservation (Mesos' equality of Labels): the key lists them sorted.
  const key = JSON.stringify([principal ?? null, copied?.map((label): [string, string | null] => [label.key, label.value ?? null]).sort(compareLabelPairs) ?? null]);
  if (principal === undefined && copied === undefined) return { key };
  if (copied === undefined) return { principal, key };
  return principal === undefined ? { labels: copied, key } : { principal, labels: copied, key };
}

/** Orders `[key, value]` pairs by key, then value (no value first). */
function compareLabelPairs(left: [string, string | null], right: [string, string | null]): number {
  if (left[0] !== right[0]) return left[0] < right[0] ? -1 : 1;
  if (left[1] === right[1]) return 0;
  if (left[1] === null) return -1;
  if (right[1] === null) return 1;
  return left[1] < right[1] ? -1 : 1;
}

/** Why `principal` and `labels` cannot make a dynamic reservation, or undefined. */
export function reservationError(principal: unknown, labels: unknown): string | undefined {
  if (principal !== undefined) {
    if (typeof principal !== 'string') return "its 'principal' is not a string";
    if (principal.length > MAX_RESERVATION_TEXT_LENGTH) return `its principal is longer than ${MAX_RESERVATION_TEXT_LENGTH} characters`;
  }
  if (labels === undefined) return undefined;
  if (!Array.isArray(labels)) return "its 'labels' are not a list";
  if (labels.length > MAX_RESERVATION_LABELS) return `it has more than ${MAX_RESERVATION_LABELS} labels`;
  for (const label of labels as unknown[]) {
    if (typeof label !== 'object' || label === null) return 'a label is not an object';
    const { key, value } = label as { key?: unknown; value?: unknown };
    if (typeof key !== 'string') return "a label's 'key' is not a string";
    if (value !== undefined && typeof value !== 'string') return `label '${key.slice(0, 64)}' has a 'value' that is not a string`;
    if (key.length > MAX_RESERVATION_TEXT_LENGTH || (value?.length ?? 0) > MAX_RESERVATION_TEXT_LENGTH) return `a label is longer than ${MAX_RESERVATION_TEXT_LENGTH} characters`;
  }
  return undefined;
}

/** Whether two entries' reservations are the same (both absent, or equal keys). */
export function sameReservation(left: DynamicReservation | undefined, right: DynamicReservation | undefined): boolean {
  return left === right || (left !== undefined && right !== undefined && left.key === right.key);
}

/** The JSON of a reservation's labels (`{labels: [...]}`), or undefined when it has none. */
export function labelsToJSON(reservation: DynamicReservation): ReservationLabelsJSON | undefined {
  return reservation.labels === undefined ? undefined : { labels: reservation.labels.map((label) => ({ ...label })) };
}

/** Mesos' pre-refinement JSON of a reservation (`{principal, labels}`; `{}` for neither). */
export function reservationToJSON(reservation: DynamicReservation): { principal?: string; labels?: ReservationLabelsJSON } {
  const labels = labelsToJSON(reservation);
  const json: { principal?: string; labels?: ReservationLabelsJSON } = {};
  if (reservation.principal !== undefined) json.principal = reservation.principal;
  if (labels !== undefined) json.labels = labels;
  return json;
}

/** A short text of a reservation for the text form and messages: `ops` or `ops,{purpose:db}` (after the role and `, `: a role has no space, so the text parser refuses it). */
export function formatReservation(reservation: DynamicReservation): string {
  const labels = reservation.labels === undefined ? '' : `,{${reservation.labels.map((label) => label.value === undefined ? label.key : `${label.key}:${label.value}`).join(',')}}`;
  return `${reservation.principal ?? ''}${labels}`;
}
