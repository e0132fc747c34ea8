/**
 * Health checks and general checks as data (Mesos' `HealthCheck`, `CheckInfo` and
 * `CheckStatusInfo`): their defaults, their validation (Mesos' `common/validation.cpp`, with the
 * same messages), and the resolved form a checker runs. Pure functions; the master validates
 * with them, the checkers (`actors/framework/checks.ts`) resolve with them.
 */
import { isCheckType, type CheckInfo, type CheckStatusInfo, type CheckType, type CommandInfo, type HealthCheck, type HttpCheck } from './types';

/** Mesos' defaults of an unset `HealthCheck` field. */
export const HEALTH_CHECK_DEFAULTS = {
  /** First check this long after the task is launched. */
  delaySeconds: 15,
  /** Time from one check's end (or timeout) to the next check. */
  intervalSeconds: 10,
  /** A check still running after this long has failed; 0 means no timeout. */
  timeoutSeconds: 20,
  /** The task is killed after this many failures in a row. */
  consecutiveFailures: 3,
  /** Failures this long after launch are ignored until a check has passed. */
  gracePeriodSeconds: 10,
} as const;

/** Mesos' defaults of an unset `CheckInfo` field (as for a health check). */
export const CHECK_DEFAULTS = {
  delaySeconds: HEALTH_CHECK_DEFAULTS.delaySeconds,
  intervalSeconds: HEALTH_CHECK_DEFAULTS.intervalSeconds,
  timeoutSeconds: HEALTH_CHECK_DEFAULTS.timeoutSeconds,
} as const;

/** Highest TCP port a check may name. */
export const MAX_CHECK_PORT = 65_535;

/** HTTP statuses from this one ... */
export const HTTP_CHECK_PASS_MIN_STATUS = 200;
/** ... to this one pass an HTTP health check (Mesos' command executors: 200–399). */
export const HTTP_CHECK_PASS_MAX_STATUS = 399;

/** What one probe does, resolved from a health check or a check. */
export type CheckProbe =
  | { readonly type: 'COMMAND'; readonly command: CommandInfo }
  | { readonly type: 'HTTP'; readonly port: number; readonly path: string; readonly scheme: 'http' | 'https' }
  | { readonly type: 'TCP'; readonly port: number };

/** A general check, resolved: defaults applied, seconds as milliseconds. */
export interface ResolvedCheck {
  readonly probe: CheckProbe;
  readonly delayMs: number;
  readonly intervalMs: number;
  /** 0: no timeout. */
  readonly timeoutMs: number;
}

/** A health check, resolved: a check plus when failures count and how many kill the task. */
export interface ResolvedHealthCheck extends ResolvedCheck {
  readonly consecutiveFailures: number;
  readonly gracePeriodMs: number;
}

/** Bytes an HTTP check's path keeps as they are: printable ASCII but the space (anything else is percent-encoded). */
const URL_SAFE_MIN_BYTE = 0x21;
const URL_SAFE_MAX_BYTE = 0x7e;

/**
 * An HTTP check's path as it goes into the request line: each UTF-8 byte outside printable
 * ASCII (a space, a control character, a non-ASCII byte) percent-encoded, as curl sends such a
 * path (Mesos probes with curl); the rest, `%` included, as given. Both command executors send
 * this (the native one encodes the same way, native/checks.c).
 *
 * @example encodeCheckPath('/health check/é') // '/health%20check/%C3%A9'
 */
export function encodeCheckPath(path: string): string {
  let encoded = '';
  for (const byte of new TextEncoder().encode(path)) {
    encoded += byte >= URL_SAFE_MIN_BYTE && byte <= URL_SAFE_MAX_BYTE ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * Why `healthCheck` is invalid (Mesos' `validateHealthCheck`, plus ports and finite numbers), or
 * undefined. The master prefixes it with `Task uses invalid health check: `.
 *
 * @example healthCheckError({ type: 'HTTP', http: { port: 80, path: 'x' } }) // "The path 'x' of HTTP health check must start with '/'"
 */
export function healthCheckError(healthCheck: HealthCheck): string | undefined {
  const probe = probeError(healthCheck.type, healthCheck, 'health check');
  if (probe !== undefined) return probe;
  if (healthCheck.type === 'HTTP') {
    const scheme = healthCheck.http?.scheme;
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return `Unsupported HTTP health check scheme: '${scheme}'`;
  }
  return (
    secondsError('delay_seconds', healthCheck.delaySeconds) ??
    secondsError('grace_period_seconds', healthCheck.gracePeriodSeconds) ??
    secondsError('interval_seconds', healthCheck.intervalSeconds) ??
    secondsError('timeout_seconds', healthCheck.timeoutSeconds) ??
    countError('consecutive_failures', healthCheck.consecutiveFailures)
  );
}

/**
 * Why `check` is invalid (Mesos' `validateCheckInfo`, plus ports and finite numbers), or
 * undefined. The master prefixes it with `Task uses invalid check: `.
 *
 * @example checkInfoError({ type: 'TCP' }) // "Expecting 'tcp' to be set for TCP check"
 */
export function checkInfoError(check: CheckInfo): string | undefined {
  const probe = probeError(check.type, { ...check, command: check.command?.command }, 'check');
  if (probe !== undefined) return probe;
  return (
    secondsError('delay_seconds', check.delaySeconds) ??
    secondsError('interval_seconds', check.intervalSeconds) ??
    secondsError('timeout_seconds', check.timeoutSeconds)
  );
}

/**
 * Why a check status an executor sends is invalid (Mesos' `validateCheckStatusInfo`), or undefined.
 *
 * @example checkStatusInfoError({ type: 'HTTP' }) // "Expecting 'http' to be set for HTTP check's status"
 */
export function checkStatusInfoError(status: CheckStatusInfo): string | undefined {
  if (!isCheckType(status.type)) return `'${status.type}' is not a valid check's status type`;
  const part = status.type === 'COMMAND' ? status.command : status.type === 'HTTP' ? status.http : status.tcp;
  if (part === undefined) return `Expecting '${status.type.toLowerCase()}' to be set for ${status.type} check's status`;
  return undefined;
}

/**
 * A valid health check with Mesos' defaults filled in. Throws on an invalid one (validate first).
 *
 * @example resolveHealthCheck({ type: 'TCP', tcp: { port: 8080 } }).delayMs // 15000
 */
export function resolveHealthCheck(healthCheck: HealthCheck): ResolvedHealthCheck {
  assertValid(healthCheckError(healthCheck), 'health check');
  const defaults = HEALTH_CHECK_DEFAULTS;
  return {
    probe: resolveProbe(healthCheck.type as CheckType, healthCheck.command, healthCheck.http, healthCheck.tcp),
    delayMs: secondsToMs(healthCheck.delaySeconds ?? defaults.delaySeconds),
    intervalMs: secondsToMs(healthCheck.intervalSeconds ?? defaults.intervalSeconds),
    timeoutMs: secondsToMs(healthCheck.timeoutSeconds ?? defaults.timeoutSeconds),
    consecutiveFailures: healthCheck.consecutiveFailures ?? defaults.consecutiveFailures,
    gracePeriodMs: secondsToMs(healthCheck.gracePeriodSeconds ?? defaults.gracePeriodSeconds),
  };
}

/**
 * A valid general check with Mesos' defaults filled in. Throws on an invalid one (validate first).
 *
 * @example resolveCheck({ type: 'COMMAND', command: { command: { value: 'true' } } }).intervalMs // 10000
 */
export function resolveCheck(check: CheckInfo): ResolvedCheck {
  assertValid(checkInfoError(check), 'check');
  return {
    probe: resolveProbe(check.type as CheckType, check.command?.command, check.http, check.tcp),
    delayMs: secondsToMs(check.delaySeconds ?? CHECK_DEFAULTS.delaySeconds),
    intervalMs: secondsToMs(check.intervalSeconds ?? CHECK_DEFAULTS.intervalSeconds),
    timeoutMs: secondsToMs(check.timeoutSeconds ?? CHECK_DEFAULTS.timeoutSeconds),
  };
}

/**
 * The check status of a check of `type` that has no result (yet): what every update of a task
 * with a check carries until the first check completes (Mesos).
 *
 * @example emptyCheckStatus('TCP') // { type: 'TCP', tcp: {} }
 */
export function emptyCheckStatus(type: CheckType): CheckStatusInfo {
  if (type === 'COMMAND') return { type, command: {} };
  if (type === 'HTTP') return { type, http: {} };
  return { type, tcp: {} };
}

/** Whether an HTTP status passes a health check (Mesos: 200–399). */
export function httpStatusPasses(statusCode: number): boolean {
  return statusCode >= HTTP_CHECK_PASS_MIN_STATUS && statusCode <= HTTP_CHECK_PASS_MAX_STATUS;
}

/** The parts of a health check or check that say what to probe. */
interface ProbeParts {
  readonly command?: CommandInfo | undefined;
  readonly http?: Pick<HttpCheck, 'port' | 'path'> | undefined;
  readonly tcp?: { readonly port: number } | undefined;
}

/** `what` is `health check` or `check`, as in Mesos' messages. */
function probeError(type: string, parts: ProbeParts, what: 'health check' | 'check'): string | undefined {
  if (!isCheckType(type)) return `'${type}' is not a valid ${what} type`;
  const lower = type.toLowerCase();
  const part = type === 'COMMAND' ? parts.command : type === 'HTTP' ? parts.http : parts.tcp;
  if (part === undefined) return `Expecting '${lower}' to be set for ${type} ${what}`;
  if (type === 'COMMAND') {
    const command = parts.command as CommandInfo;
    const label = what === 'check' ? 'Command check' : 'Command health check';
    if (command.value === '') return `${label} must contain ${command.shell === false ? "'executable path'" : "'shell command'"}`;
    return undefined;
  }
  const port = (part as { port: number }).port;
  if (!Number.isInteger(port) || port < 1 || port > MAX_CHECK_PORT) return `Expecting '${lower}.port' to be an integer from 1 to ${MAX_CHECK_PORT}`;
  const path = parts.http?.path;
  if (type === 'HTTP' && path !== undefined && !path.startsWith('/')) return `The path '${path}' of HTTP ${what} must start with '/'`;
  return undefined;
}

function secondsError(field: string, value: number | undefined): string | undefined {
  if (value === undefined || (Number.isFinite(value) && value >= 0)) return undefined;
  return `Expecting '${field}' to be non-negative`;
}

function countError(field: string, value: number | undefined): string | undefined {
  if (value === undefined || (Number.isInteger(value) && value >= 0)) return undefined;
  return `Expecting '${field}' to be a non-negative integer`;
}

function resolveProbe(type: CheckType, command: CommandInfo | undefined, http: Pick<HttpCheck, 'port' | 'path' | 'scheme'> | undefined, tcp: { port: number } | undefined): CheckProbe {
  if (type === 'COMMAND') return { type, command: command as CommandInfo };
  if (type === 'HTTP') {
    const given = http as Pick<HttpCheck, 'port' | 'path' | 'scheme'>;
    return { type, port: given.port, path: given.path ?? '/', scheme: given.scheme === 'https' ? 'https' : 'http' };
  }
  return { type, port: (tcp as { port: number }).port };
}

function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

function assertValid(error: string | undefined, what: string): void {
  if (error !== undefined) throw new Error(`invalid ${what}: ${error}`);
}
