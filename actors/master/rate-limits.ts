/**
 * Framework rate limiting (Mesos' `--rate_limits`, docs/framework-rate-limiting.md), as pure
 * parts: the flag's JSON, parsed and checked; a `RateLimiter` per principal that says whether a
 * message runs now, waits its turn, or is dropped; and `RateLimiterSet`, which picks the
 * limiter of a principal. Nothing here reads a clock or sets a timer: the caller passes the
 * time in and arms the timers (see throttle.ts, which the master uses).
 */
import { flagFilePath, readBoundedFile } from '../../lib/flag-file';
import { Queue } from '../../lib/process/queue';
import { isJsonObject } from '../../lib/protocol/plain';

/** One principal's limit (Mesos' `RateLimit`). */
export interface RateLimit {
  /** The principal throttled (FrameworkInfo.principal); unique within `RateLimits.limits`. */
  readonly principal: string;
  /** Messages per second processed at most; absent: not throttled at all (and `capacity` is ignored). */
  readonly qps?: number;
  /** Messages that may wait their turn at once; beyond it they are dropped. Absent: unbounded. */
  readonly capacity?: number;
}

/** The whole `--rate_limits` configuration (Mesos' `RateLimits`), in this code base's naming. */
export interface RateLimits {
  /** Per-principal limits. */
  readonly limits: readonly RateLimit[];
  /** One rate shared by every principal not in `limits` (and frameworks without a principal); absent: they are not throttled. */
  readonly aggregateDefaultQps?: number;
  /** The capacity of that shared limiter; ignored without `aggregateDefaultQps`. */
  readonly aggregateDefaultCapacity?: number;
}


/** Characters of a bad string value that an error message quotes. */
const MAX_QUOTED_VALUE_LENGTH = 40;

/** Fields of the flag's top-level object (Mesos' JSON names). */
const TOP_LEVEL_FIELDS: ReadonlySet<string> = new Set(['limits', 'aggregate_default_qps', 'aggregate_default_capacity']);
/** Fields of one entry of `limits`. */
const LIMIT_FIELDS: ReadonlySet<string> = new Set(['principal', 'qps', 'capacity']);

/**
 * Parses the JSON text of `--rate_limits` (Mesos' field names) and checks it. Throws an Error
 * naming the bad field (`limits[1].qps must be a positive number, not -3`). Unknown fields are
 * refused rather than ignored: a misspelt `qps` would otherwise silently mean "unlimited".
 *
 * @example
 *   parseRateLimits('{"limits": [{"principal": "foo", "qps": 55.5, "capacity": 100000}, {"principal": "bar"}], "aggregate_default_qps": 33.3}');
 *   // { limits: [{ principal: 'foo', qps: 55.5, capacity: 100000 }, { principal: 'bar' }], aggregateDefaultQps: 33.3 }
 */
export function parseRateLimits(text: string): RateLimits {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(value)) throw new Error('must be a JSON object with "limits"');
  refuseUnknownFields(value, TOP_LEVEL_FIELDS, '');
  // Absent: no per-principal limits (Mesos' `RateLimits.limits` is a repeated field: `{}` parses, throttling no one).
  const limits = value.limits ?? [];
  if (!Array.isArray(limits)) throw new Error(`limits must be an array, not ${describe(limits)}`);
  const parsed: RateLimits = {
    limits: limits.map((entry: unknown, index) => parseLimit(entry, `limits[${index}]`)),
    ...optionalField(value, 'aggregate_default_qps', 'aggregateDefaultQps'),
    ...optionalField(value, 'aggregate_default_capacity', 'aggregateDefaultCapacity'),
  };
  checkRateLimits(parsed);
  return parsed;
}

/**
 * The value of `--rate_limits`: inline JSON (it starts with `{`), or `file:///path`, or a path
 * to a file holding the JSON. Errors name the file when there is one.
 */
export function loadRateLimits(value: string, readFile: (path: string) => string = (path) => readBoundedFile(path)): RateLimits {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) return parseRateLimits(trimmed);
  const path = flagFilePath(trimmed);
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return parseRateLimits(text);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/**
 * Throws an Error naming the first impossible field of a configuration (also for one built in
 * code, not parsed): principals must be non-empty and unique; each qps positive and finite;
 * each capacity a non-negative integer (Mesos refuses the same at master start).
 */
export function checkRateLimits(rateLimits: RateLimits): void {
  const seen = new Set<string>();
  rateLimits.limits.forEach((limit, index) => {
    const field = `limits[${index}]`;
    if (typeof limit.principal !== 'string' || limit.principal.length === 0) throw new Error(`${field}.principal must be a non-empty string`);
    if (seen.has(limit.principal)) throw new Error(`${field}.principal: duplicate principal '${limit.principal}'`);
    seen.add(limit.principal);
    checkQps(limit.qps, `${field}.qps`);
    checkCapacity(limit.capacity, `${field}.capacity`);
  });
  checkQps(rateLimits.aggregateDefaultQps, 'aggregate_default_qps');
  checkCapacity(rateLimits.aggregateDefaultCapacity, 'aggregate_default_capacity');
}

/** A timer set for a permit may fire this much (ms) before it by rounding; it still counts as due. */
export const PERMIT_TOLERANCE_MS = 0.001;

/** What `RateLimiter.submit` decided for a message. */
export type Admission = 'now' | 'queued' | 'dropped';

/**
 * One token-bucket-like limiter (libprocess' `RateLimiter` with Mesos' capacity): it lets a
 * message through at most every `1000 / qps` ms, in arrival order. A message that arrives
 * while one waits, or before its permit, waits in a queue; when `capacity` messages already
 * wait, a counted message is dropped. Uncounted items (a framework's link breaking) always
 * wait their turn, so that they stay in order with the messages before them, as in Mesos.
 * "Capacity" here is what waits: a message let through at once never counts against it.
 *
 * Pure: every call is given the time; the owner sets a timer for `nextReleaseMs()`.
 *
 * @example
 *   const limiter = new RateLimiter<string>(2, 1);   // 2 per second, 1 waiting at most
 *   limiter.submit('a', 0);    // 'now'
 *   limiter.submit('b', 0);    // 'queued' (due at 500 ms)
 *   limiter.submit('c', 0);    // 'dropped'
 *   limiter.release(500);      // 'b'
 */
export class RateLimiter<T> {
  /** Time between two permits, in ms. */
  readonly permitIntervalMs: number;
  /** Items waiting, oldest first, each with whether it counts against the capacity. */
  private readonly waiting = new Queue<{ readonly item: T; readonly counted: boolean }>();
  /** Counted items waiting. */
  private countedWaiting = 0;
  /** The next permit is available from this time on (ms). */
  private nextPermitMs = Number.NEGATIVE_INFINITY;

  /**
   * @param qps permits per second (positive, finite)
   * @param capacity counted items that may wait at once (undefined: no bound)
   */
  constructor(readonly qps: number, readonly capacity?: number) {
    checkQps(qps, 'qps');
    checkCapacity(capacity, 'capacity');
    this.permitIntervalMs = 1000 / qps;
  }

  /** Counted items waiting now (what `capacity` bounds). */
  get queued(): number {
    return this.countedWaiting;
  }

  /** All items waiting now, counted or not. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Takes `item` at `nowMs`: 'now' (it holds the permit; run it), 'queued' (run it when
   * `release` returns it), or 'dropped' (counted, and `capacity` items already wait).
   */
  submit(item: T, nowMs: number, counted = true): Admission {
    this.followClock(nowMs);
    if (this.waitingCount === 0 && this.permitAvailable(nowMs)) {
      this.takePermit(nowMs);
      return 'now';
    }
    if (counted && this.capacity !== undefined && this.countedWaiting >= this.capacity) return 'dropped';
    this.waiting.push({ item, counted });
    if (counted) this.countedWaiting++;
    return 'queued';
  }

  /** The oldest waiting item if its permit is due at `nowMs` (it leaves the queue), else undefined. */
  release(nowMs: number): T | undefined {
    this.followClock(nowMs);
    if (this.waiting.length === 0 || !this.permitAvailable(nowMs)) return undefined;
    const first = this.waiting.shift();
    if (first === undefined) return undefined;
    if (first.counted) this.countedWaiting--;
    this.takePermit(nowMs);
    return first.item;
  }

  /** When the oldest waiting item's permit is due (ms), or undefined when nothing waits. */
  nextReleaseMs(): number | undefined {
    return this.waitingCount === 0 ? undefined : this.nextPermitMs;
  }

  /**
   * A permit is never due more than one interval after now (each is taken at most a tolerance
   * before it is due): one due later was reckoned before the clock was set back, and would hold
   * every message of the principal for the step. It is brought into the clock's new frame.
   */
  private followClock(nowMs: number): void {
    if (this.nextPermitMs > nowMs + this.permitIntervalMs) this.nextPermitMs = nowMs + this.permitIntervalMs;
  }

  private permitAvailable(nowMs: number): boolean {
    // The tolerance absorbs floating-point error in `now + (next - now)`, so a timer set for the
    // permit always finds it due.
    return nowMs + PERMIT_TOLERANCE_MS >= this.nextPermitMs;
  }

  private takePermit(nowMs: number): void {
    this.nextPermitMs = Math.max(nowMs, this.nextPermitMs) + this.permitIntervalMs;
  }
}

/**
 * The limiters of one configuration, by principal (Mesos' `frameworks.limiters` and
 * `defaultLimiter`): a principal listed with a qps has its own limiter; one listed without is
 * unlimited; any other principal, and no principal at all, share the aggregate default limiter
 * if there is one, else is unlimited.
 */
export class RateLimiterSet<T> {
  /** Each listed principal's limiter; undefined for one listed without qps (unlimited). */
  private readonly byPrincipal = new Map<string, RateLimiter<T> | undefined>();
  /** The limiter shared by unlisted principals, if configured. */
  readonly aggregateDefault: RateLimiter<T> | undefined;

  constructor(rateLimits: RateLimits) {
    checkRateLimits(rateLimits);
    for (const limit of rateLimits.limits) {
      this.byPrincipal.set(limit.principal, limit.qps === undefined ? undefined : new RateLimiter<T>(limit.qps, limit.capacity));
    }
    this.aggregateDefault = rateLimits.aggregateDefaultQps === undefined
      ? undefined
      : new RateLimiter<T>(rateLimits.aggregateDefaultQps, rateLimits.aggregateDefaultCapacity);
  }

  /** The limiter for messages of `principal` (undefined: a framework without one); undefined if they are not throttled. */
  limiterFor(principal: string | undefined): RateLimiter<T> | undefined {
    if (principal !== undefined && this.byPrincipal.has(principal)) return this.byPrincipal.get(principal);
    return this.aggregateDefault;
  }

  /** Every limiter, listed principals first (each once). */
  limiters(): Array<RateLimiter<T>> {
    const limiters = [...this.byPrincipal.values()].filter((limiter): limiter is RateLimiter<T> => limiter !== undefined);
    return this.aggregateDefault === undefined ? limiters : [...limiters, this.aggregateDefault];
  }
}

// ---- parsing helpers ----------------------------------------------------------------------------

function parseLimit(entry: unknown, field: string): RateLimit {
  if (!isJsonObject(entry)) throw new Error(`${field} must be an object with "principal", not ${describe(entry)}`);
  refuseUnknownFields(entry, LIMIT_FIELDS, `${field}.`);
  if (typeof entry.principal !== 'string') throw new Error(`${field}.principal must be a string, not ${describe(entry.principal)}`);
  return { principal: entry.principal, ...optionalField(entry, 'qps', 'qps', `${field}.`), ...optionalField(entry, 'capacity', 'capacity', `${field}.`) };
}

/** `{ [to]: value[from] }` if present (a number), `{}` if absent; throws naming `prefix` + `from` otherwise. */
function optionalField<K extends string>(value: Record<string, unknown>, from: string, to: K, prefix = ''): Partial<Record<K, number>> {
  const field = value[from];
  if (field === undefined) return {};
  if (typeof field !== 'number') throw new Error(`${prefix}${from} must be a number, not ${describe(field)}`);
  return { [to]: field } as Partial<Record<K, number>>;
}

function refuseUnknownFields(value: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new Error(`${prefix}${key}: unknown field (expected one of ${[...known].join(', ')})`);
  }
}

function checkQps(qps: number | undefined, field: string): void {
  if (qps !== undefined && !(Number.isFinite(qps) && qps > 0)) throw new Error(`${field} must be a positive number, not ${qps}`);
}

function checkCapacity(capacity: number | undefined, field: string): void {
  if (capacity !== undefined && !(Number.isSafeInteger(capacity) && capacity >= 0)) {
    throw new Error(`${field} must be a non-negative integer, not ${capacity}`);
  }
}

/** A short description of a bad value for an error message (never the whole of a large value). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > MAX_QUOTED_VALUE_LENGTH ? `${value.slice(0, MAX_QUOTED_VALUE_LENGTH)}…` : value);
  return typeof value === 'object' ? 'an object' : String(value);
}
