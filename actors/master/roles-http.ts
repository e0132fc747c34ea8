/**
 * The bodies of Mesos' `/master/weights` and `/master/quota` requests, checked (pure: the master
 * applies what these return). Mesos' formats:
 *
 *   PUT  /master/weights   [{"role": "eng", "weight": 2.5}, ...]
 *   POST /master/quota     {"role": "eng", "guarantee": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 4}}], "force": false}
 *   DELETE /master/quota/eng
 *
 * A quota set through the legacy `POST /quota` has its limits equal to its guarantees, as in
 * Mesos 1.11. Every error names what is wrong; the master answers it with 400.
 */
import { boundedText, MAX_QUOTED_INPUT_CHARS } from '../../lib/protocol/plain';
import { hasLoneSurrogate, parseUnicodeJson, strictUtf8 } from '../../lib/utf8';
import { MAX_RESOURCE_ENTRIES, MAX_SHORT_TEXT_LENGTH } from '../../lib/protocol/limits';
import { Resources, roleError, ROLE_SEPARATOR, UNRESERVED_ROLE } from '../../lib/resources';
import { consumedQuotaOf, subtreeBreakdown, type RoleBreakdown, type RoleQuota } from './http';

/** Entries one weights request may carry. */
export const MAX_WEIGHTS_PER_REQUEST = 1_000;
/** Longest role name quoted back in an error. */
const MAX_QUOTED_ROLE_CHARS = 128;
/**
 * Longest role a quota may name: a role's longest anywhere else (`MAX_SHORT_TEXT_LENGTH`, as
 * UPDATE_QUOTA's configs have it). Mesos sets none; without one, a role of the whole body (16 MiB)
 * was kept in the registry and echoed whole in errors.
 */
export const MAX_QUOTA_ROLE_CHARS = MAX_SHORT_TEXT_LENGTH;
/** Most entries a legacy quota request's `guarantee` may list (a resource list's bound anywhere else). */
export const MAX_QUOTA_GUARANTEE_ENTRIES = MAX_RESOURCE_ENTRIES;

/** An error to answer with 400. */
export interface BadRequest {
  readonly error: string;
}

/** Whether `value` is a `BadRequest`. */
export function isBadRequest(value: unknown): value is BadRequest {
  return typeof value === 'object' && value !== null && 'error' in value && typeof (value as BadRequest).error === 'string';
}

/**
 * The weights of a `PUT /master/weights` body: role → positive weight.
 * @example parseWeights('[{"role":"eng","weight":2}]') // Map { 'eng' => 2 }
 */
export function parseWeights(body: string | Uint8Array): Map<string, number> | BadRequest {
  const parsed = parseJson(body, 'weights');
  if (isBadRequest(parsed)) return parsed;
  const json = parsed.json;
  if (!Array.isArray(json)) return { error: 'Invalid weights: expected a JSON array of {"role": ..., "weight": ...}' };
  if (json.length > MAX_WEIGHTS_PER_REQUEST) return { error: `Invalid weights: at most ${MAX_WEIGHTS_PER_REQUEST} entries per request` };
  const weights = new Map<string, number>();
  for (const [index, entry] of json.entries()) {
    if (typeof entry !== 'object' || entry === null) return { error: `Invalid weights: entry ${index} is not an object` };
    const { role: given, weight } = entry as { role?: unknown; weight?: unknown };
    if (typeof given !== 'string') return { error: `Invalid weights: entry ${index} has no 'role' string` };
    // As Mesos' weights handler: the role with the whitespace around it trimmed (`strings::trim`'s " \t\n\r").
    const role = trimmedWhitespace(given);
    // `*` may have a weight, as in Mesos (its `roles::validate` takes it): the unreserved role's frameworks share by it.
    const invalid = roleError(role);
    if (invalid !== undefined) return { error: `Invalid weights: entry ${index}: ${invalid}` };
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
      return { error: `Invalid weights: entry ${index} (role '${quoted(role)}'): 'weight' must be a positive number` };
    }
    if (weights.has(role)) return { error: `Invalid weights: role '${quoted(role)}' is listed twice` };
    weights.set(role, weight);
  }
  return weights;
}

/** `text` without the spaces, tabs and line ends around it (a scan, not a regular expression: linear on hostile input). */
function trimmedWhitespace(text: string): string {
  const blank = (at: number): boolean => ' \t\n\r'.includes(text.charAt(at));
  let start = 0;
  let end = text.length;
  while (start < end && blank(start)) start++;
  while (end > start && blank(end - 1)) end--;
  return text.slice(start, end);
}

/** A checked `POST /master/quota` request. */
export interface QuotaRequest {
  readonly role: string;
  readonly quota: RoleQuota;
  /** Skip the check that all guarantees fit in the cluster (Mesos' `force`). */
  readonly force: boolean;
}

/**
 * The quota a `POST /master/quota` body sets (Mesos' `QuotaRequest`): a top-level role other
 * than `*`, and scalar guarantees (Resource JSON, or the text form `cpus:4;mem:4096`).
 */
export function parseQuotaRequest(body: string | Uint8Array): QuotaRequest | BadRequest {
  const parsed = parseJson(body, 'set quota request');
  return isBadRequest(parsed) ? parsed : quotaRequestOf(parsed.json);
}

/**
 * The quota a parsed `QuotaRequest` sets: a `POST /master/quota` body's, or a v1 SET_QUOTA's
 * `quota_request` (Mesos' quota handler takes both the same way).
 */
export function quotaRequestOf(json: unknown): QuotaRequest | BadRequest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { error: 'Invalid set quota request: expected a JSON object {"role": ..., "guarantee": [...]}' };
  const { role, guarantee, force } = json as { role?: unknown; guarantee?: unknown; force?: unknown };
  const invalidRole = quotaRoleError(role);
  if (invalidRole !== undefined) return { error: `Invalid set quota request: ${invalidRole}` };
  if (force !== undefined && typeof force !== 'boolean') return { error: "Invalid set quota request: 'force' must be a boolean" };
  const entries = Array.isArray(guarantee) ? guarantee.length : typeof guarantee === 'string' ? guarantee.split(';').length : 0;
  if (entries > MAX_QUOTA_GUARANTEE_ENTRIES) return { error: `Invalid set quota request: 'guarantee' lists more than ${MAX_QUOTA_GUARANTEE_ENTRIES} resources` };
  // As Mesos' quota validation: each resource named once (two `cpus` entries were added together).
  const duplicate = duplicateResourceName(guarantee);
  if (duplicate !== undefined) return { error: `Invalid set quota request: QuotaInfo contains duplicate resource name '${boundedText(duplicate, MAX_QUOTED_INPUT_CHARS)}'` };
  let resources: Resources;
  try {
    resources = typeof guarantee === 'string' ? Resources.parse(guarantee) : Resources.fromJSON(guarantee ?? []);
  } catch (error) {
    return { error: `Invalid set quota request: 'guarantee': ${(error as Error).message}` };
  }
  if (!resources.nonScalars().isEmpty()) return { error: "Invalid set quota request: 'guarantee' may hold scalar resources only" };
  if (resources.hasReservations()) return { error: "Invalid set quota request: 'guarantee' may not hold reserved resources" };
  // As Mesos' QuotaInfo validation: a quota set this way lists a guarantee (an empty one was
  // kept, and then blocked the role: a second POST was refused as "already has quota").
  // (Names, not characters: the text form `;;;` lists none, and was kept as an empty quota.)
  const listed = guaranteeNames(guarantee).length > 0;
  if (!listed) return { error: "Invalid set quota request: QuotaInfo with empty 'guarantee'" };
  const guarantees: Record<string, number> = Object.fromEntries(resources.scalarTotals());
  // As Mesos' `Quota(QuotaInfo)`: every resource named is a limit, a zero one too (a role then
  // gets none of it); a zero guarantee is none. (A zero was dropped from both: the quota limited
  // nothing, yet the role "had" one.)
  const limits = Object.fromEntries(guaranteeNames(guarantee).map((name) => [name, guarantees[name] ?? 0]));
  return { role: role as string, quota: { guarantees, limits }, force: force === true };
}

/** The resource names a quota's guarantee (a Resource JSON list, or the text form) lists, in order, repeats kept. */
function guaranteeNames(guarantee: unknown): string[] {
  const names = typeof guarantee === 'string'
    ? guarantee.split(';').map((part) => part.split(':')[0]?.split('(')[0]?.trim() ?? '')
    : Array.isArray(guarantee) ? guarantee.map((entry: unknown) => (typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined)) : [];
  return names.filter((name): name is string => typeof name === 'string' && name !== '');
}

/** The first resource name a quota's guarantee (a Resource JSON list, or the text form) names twice, if any. */
function duplicateResourceName(guarantee: unknown): string | undefined {
  const seen = new Set<string>();
  for (const name of guaranteeNames(guarantee)) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** The most MB of `mem` or `disk` a QuotaConfig may name (1 EiB), as Mesos' `quota::validate(QuotaConfig)`. */
export const MAX_QUOTA_MEGABYTES = 1024 ** 4;

/** The most of any other resource a QuotaConfig may name (a trillion), as Mesos' `quota::validate(QuotaConfig)`. */
export const MAX_QUOTA_OTHER = 1e12;

/**
 * Why a QuotaConfig's guarantee or limit (`which`) of `value` of resource `name` is too large (or
 * not a finite number), or undefined: at most 1 EiB of `mem` or `disk`, a trillion of anything
 * else, as Mesos bounds them (past those its fixed-point scalars overflow).
 */
export function quotaConfigValueError(which: 'guarantee' | 'limit', name: string, value: number): string | undefined {
  const shown = boundedText(name, MAX_QUOTED_INPUT_CHARS);
  if (!Number.isFinite(value)) return `the ${which} of '${shown}' is not a finite number`;
  const megabytes = name === 'mem' || name === 'disk';
  if (megabytes && value > MAX_QUOTA_MEGABYTES) return `the ${which} of '${shown}' (${value}) is more than 1 EiB (${MAX_QUOTA_MEGABYTES} MB), the most a quota may name`;
  if (!megabytes && value > MAX_QUOTA_OTHER) return `the ${which} of '${shown}' (${value}) is more than 1 trillion (${MAX_QUOTA_OTHER}), the most a quota may name`;
  return undefined;
}

/** Why `role` cannot have a quota (must be a valid, top-level role other than `*`, of at most `MAX_QUOTA_ROLE_CHARS`), or undefined. */
export function quotaRoleError(role: unknown): string | undefined {
  if (typeof role !== 'string') return "'role' must be a string";
  if (role.length > MAX_QUOTA_ROLE_CHARS) return `the role '${quoted(role)}' is longer than ${MAX_QUOTA_ROLE_CHARS} characters`;
  // JSON's `\ud800` is no character: UTF-8 (protobuf, the logs) cannot carry it, and would name another role.
  if (hasLoneSurrogate(role)) return 'the role is not valid Unicode text (it holds a lone surrogate)';
  if (role === UNRESERVED_ROLE) return "the role '*' cannot have a quota";
  const invalid = roleError(role);
  if (invalid !== undefined) return invalid;
  if (role.includes(ROLE_SEPARATOR)) return `setting quota on nested role '${quoted(role)}' is not supported`;
  return undefined;
}

/**
 * The first resource of which `guarantees` (all quotas' guarantees) ask more than `total` (the
 * agents' resources) holds, as Mesos' overcommit check words it, or undefined when they fit.
 */
export function overcommitError(guarantees: Iterable<RoleQuota>, total: Resources): string | undefined {
  const asked = new Map<string, number>();
  for (const quota of guarantees) for (const [name, value] of Object.entries(quota.guarantees)) asked.set(name, (asked.get(name) ?? 0) + value);
  for (const [name, value] of asked) {
    const available = total.scalar(name);
    if (value > available) return `total quota guarantees of '${name}' (${value}) exceed the cluster's ${available}`;
  }
  return undefined;
}

/**
 * What `role` and its subroles consume of quota (Mesos' `RoleResourceBreakdown::consumedQuota`):
 * what is reserved to them, and what they are allocated that is not reserved, summed by scalar
 * name. (A subrole's task on its parent's reservation counts once, in the parent's reservation.)
 */
export function consumedQuota(breakdowns: ReadonlyMap<string, RoleBreakdown>, role: string): Map<string, number> {
  return new Map(consumedQuotaOf(subtreeBreakdown(breakdowns, role)).scalarTotals());
}

/** Scalar quantities as Mesos prints them: `cpus:2;mem:128` (`{}` prints as empty). */
export function describeQuantities(quantities: ReadonlyMap<string, number> | Readonly<Record<string, number>>): string {
  const entries = quantities instanceof Map ? [...quantities] : Object.entries(quantities);
  return entries.map(([name, value]) => `${name}:${value}`).join(';');
}

function parseJson(body: string | Uint8Array, what: string): { readonly json: unknown } | BadRequest {
  const text = typeof body === 'string' ? body : strictUtf8(body);
  if (text === undefined) return { error: `Invalid ${what}: the body is not valid UTF-8` };
  const parsed = parseUnicodeJson(text);
  return 'json' in parsed ? parsed : { error: `Invalid ${what}: the body is not JSON: ${parsed.error}` };
}

function quoted(role: string): string {
  return boundedText(role, MAX_QUOTED_ROLE_CHARS);
}
