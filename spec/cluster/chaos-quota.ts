/**
 * Quotas and weights in the chaos simulation (chaos.ts, `ChaosOptions.quota`): an operator sets,
 * changes and removes roles' quotas (the v1 operator API's UPDATE_QUOTA: guarantees and limits,
 * now and then with `force`) and sets their weights (UPDATE_WEIGHTS) through the leading master's
 * `/api/v1` route, while the run's faults act (registry writes failed or slowed, masters crashed
 * and failed over).
 *
 * What a 200 answered is acknowledged state, and must hold from then on, across restarts and
 * failovers (`QuotaBook.mismatches`): the registry of whichever master leads has it, that master
 * answers it (GET_QUOTA, GET_WEIGHTS), and its allocator counts with it (its quota metrics). A 400
 * changed nothing; a 500 (a registry write the run failed), a 503 or no answer (the master
 * crashed, or stepped down) leaves the role's value unknown until the next 200.
 */
import { dispatch } from '../../lib/actor';
import type { HttpRequest, HttpResponse, Prng } from '../../lib/process';
import { pick } from './chaos-faults';
import { ANSWER_EXCERPT_CHARS, answerExcerpt, bodyText } from './chaos-operator';
import type { Master } from '../../actors/master/master';
import type { MasterHandle } from '../../actors/master';

/** The roles the operator sets quotas and weights of: top-level roles the frameworks use, and one nested (whose UPDATE_QUOTA Mesos' rules may refuse: a 400 changes nothing). */
export const QUOTA_ROLES: readonly string[] = ['web', 'analytics', 'eng', 'eng/web'];
/** Of the operator's calls, the share that sets a weight (the rest change a quota). */
export const WEIGHT_CALL_PROBABILITY = 0.25;
/** Of the quota calls, the share that removes the role's quota (a config with neither guarantees nor limits). */
export const QUOTA_REMOVAL_PROBABILITY = 0.2;
/** Of the quota calls, the share with guarantees (always within the limits). */
export const QUOTA_GUARANTEE_PROBABILITY = 0.4;
/** Of the quota calls, the share with `force` (no check of what the cluster holds or the role consumes). */
export const QUOTA_FORCE_PROBABILITY = 0.3;
/** The weights drawn. */
export const QUOTA_WEIGHTS: readonly number[] = [0.5, 1, 2, 3];
/** The cpus and mem limits drawn (some below what a role runs, some above the cluster). */
const LIMIT_CPUS: readonly number[] = [0.5, 1, 2, 4, 16];
const LIMIT_MEM: readonly number[] = [256, 1024, 4096, 65_536];

/** Resource name → amount. */
export type Quantities = Readonly<Record<string, number>>;

/** One call of the operator. */
export type QuotaCall =
  | { readonly kind: 'quota'; readonly role: string; readonly guarantees: Quantities; readonly limits: Quantities; readonly force: boolean }
  | { readonly kind: 'weight'; readonly role: string; readonly weight: number };

/** A role's quota as the checks compare it: guarantees and limits, or none. */
interface QuotaValue {
  readonly guarantees: Quantities;
  readonly limits: Quantities;
}

/** A call drawn from `random` (its role drawn among those with no call in flight; undefined if none is free). */
export function planQuotaCall(random: Prng, busy: ReadonlySet<string>): QuotaCall | undefined {
  const weight = random.next() < WEIGHT_CALL_PROBABILITY;
  const free = QUOTA_ROLES.filter((role) => !busy.has(keyOf(weight ? 'weight' : 'quota', role)));
  if (free.length === 0) return undefined;
  const role = pick(random, free);
  if (weight) return { kind: 'weight', role, weight: pick(random, QUOTA_WEIGHTS) };
  if (random.next() < QUOTA_REMOVAL_PROBABILITY) return { kind: 'quota', role, guarantees: {}, limits: {}, force: false };
  const limits = { cpus: pick(random, LIMIT_CPUS), mem: pick(random, LIMIT_MEM) };
  const guarantees: Quantities = random.next() < QUOTA_GUARANTEE_PROBABILITY ? { cpus: Math.min(0.5, limits.cpus), mem: Math.min(128, limits.mem) } : {};
  return { kind: 'quota', role, guarantees, limits, force: random.next() < QUOTA_FORCE_PROBABILITY };
}

/** The key of what a call changes: one role's quota, or its weight. */
function keyOf(kind: QuotaCall['kind'], role: string): string {
  return `${kind}:${role}`;
}

/** The call as the host hands it to the master's `/api/v1` route (v1 JSON). */
export function quotaRequest(call: QuotaCall): HttpRequest {
  const scalars = (quantities: Quantities): Record<string, { value: number }> => Object.fromEntries(Object.entries(quantities).map(([name, value]) => [name, { value }]));
  const body = call.kind === 'weight'
    ? { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: call.role, weight: call.weight }] } }
    : { type: 'UPDATE_QUOTA', update_quota: { force: call.force, quota_configs: [{ role: call.role, guarantees: scalars(call.guarantees), limits: scalars(call.limits) }] } };
  return { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify(body)), remoteAddress: '127.0.0.1' };
}

/** The call, for the run's log. */
export function describeQuotaCall(call: QuotaCall): string {
  if (call.kind === 'weight') return `v1 UPDATE_WEIGHTS of ${call.role} to ${call.weight}`;
  const text = (quantities: Quantities): string => Object.entries(quantities).map(([name, value]) => `${name}:${value}`).join(';') || 'none';
  if (isRemoval(call)) return `v1 UPDATE_QUOTA removing ${call.role}'s quota`;
  return `v1 UPDATE_QUOTA of ${call.role}: guarantees ${text(call.guarantees)}, limits ${text(call.limits)}${call.force ? ' (force)' : ''}`;
}

function isRemoval(call: QuotaCall): boolean {
  return call.kind === 'quota' && Object.keys(call.guarantees).length === 0 && Object.keys(call.limits).length === 0;
}

/** Sends the call to `master`'s `/api/v1` route in process and resolves with its answer. */
export async function callQuota(master: Master, call: QuotaCall): Promise<HttpResponse> {
  const request = quotaRequest(call);
  const route = master.runtime.routes.get(request.path);
  if (route === undefined) throw new Error(`the master serves no ${request.path} route`);
  return dispatch(master, (actor) => route.call(actor, request));
}

/**
 * What the operator was told was done, by role, and the calls in flight. A role's value is
 * known (`QuotaValue`, a weight, or `none`: never set, or removed) once a call of it was answered
 * 200 with no other call of it in flight, and unknown after a 500, a 503 or no answer.
 */
export class QuotaBook {
  private readonly known = new Map<string, QuotaValue | number | 'none' | 'unknown'>();
  /** Calls in flight by what they change, each with the master it went to. */
  private readonly inFlight = new Map<string, { readonly call: QuotaCall; readonly master: Master }>();
  /** Answers by status, for the run's summary. */
  readonly answers: Record<string, number> = {};

  constructor() {
    for (const role of QUOTA_ROLES) {
      this.known.set(keyOf('quota', role), 'none');
      this.known.set(keyOf('weight', role), 'none');
    }
  }

  /** What has a call in flight (no second call of it is drawn meanwhile). */
  get busy(): ReadonlySet<string> {
    return new Set(this.inFlight.keys());
  }

  /** Calls sent and not yet answered. */
  get pending(): number {
    return this.inFlight.size;
  }

  sent(call: QuotaCall, master: Master): void {
    this.inFlight.set(keyOf(call.kind, call.role), { call, master });
  }

  /**
   * Calls whose master is gone (crashed: `alive` says no) will never be answered in process, where
   * a real client would see its connection close: each is taken as no answer (its value unknown).
   */
  abandonGone(alive: (master: Master) => boolean): void {
    for (const { call, master } of [...this.inFlight.values()]) {
      if (!alive(master)) this.answered(call, undefined);
    }
  }

  /**
   * Takes the answer to `call`; returns what is wrong with it (an answer no call may get), or
   * undefined. With several masters a 503 is a master that does not lead (any more).
   */
  answered(call: QuotaCall, response: Pick<HttpResponse, 'status' | 'body'> | undefined): string | undefined {
    const key = keyOf(call.kind, call.role);
    // An answer to a call already taken as unanswered (its master crashed) is not one.
    if (this.inFlight.get(key)?.call !== call) return undefined;
    this.inFlight.delete(key);
    const status = response?.status ?? 0;
    this.answers[String(status)] = (this.answers[String(status)] ?? 0) + 1;
    if (status === 200) {
      this.known.set(key, call.kind === 'weight' ? call.weight : isRemoval(call) ? 'none' : { guarantees: call.guarantees, limits: call.limits });
      return undefined;
    }
    const said = answerExcerpt(response);
    // Refused: nothing changed. Mesos' words for a config it will not take.
    if (status === 400) return call.kind === 'quota' && /QuotaConfig|quota|role/i.test(said) ? undefined : `the operator's ${describeQuotaCall(call)} was answered 400: ${said}`;
    this.known.set(key, 'unknown');
    // A registry write the run failed (500), a master that stopped leading (503), one that crashed (no answer).
    if (status === 500 || status === 503 || status === 0) return undefined;
    return `the operator's ${describeQuotaCall(call)} was answered ${status}: ${said}`;
  }

  /**
   * How the leading master differs from what the operator was told: its registry, its own
   * answers (GET_QUOTA, GET_WEIGHTS) and its allocator's quota metrics, each role whose value is
   * known. Only with nothing in flight (a call's write may be under way).
   */
  async mismatches(master: MasterHandle): Promise<string[]> {
    if (this.inFlight.size > 0) return [];
    const broken: string[] = [];
    const registryQuotas = master.registry.quotas();
    const registryWeights = master.registry.weights();
    const answered = await readQuotasAndWeights(master.master);
    const allocatorQuotas = quotasOfMetrics(await dispatch(master.allocator.process, (books) => books.metrics()));
    for (const [key, expected] of this.known) {
      if (expected === 'unknown') continue;
      const [kind, role] = key.split(/:(.*)/s) as [QuotaCall['kind'], string];
      if (kind === 'weight') {
        const want = expected === 'none' ? undefined : expected as number;
        const registry = registryWeights.get(role);
        const served = answered.weights.get(role);
        if (registry !== want) broken.push(`role ${role}'s weight is ${String(registry)} in the registry; the operator was told ${String(want)}`);
        if (served !== want) broken.push(`role ${role}'s weight is ${String(served)} by GET_WEIGHTS; the operator was told ${String(want)}`);
        continue;
      }
      const want = expected === 'none' ? undefined : expected as QuotaValue;
      const registry = registryQuotas.get(role);
      const seen: Array<[string, QuotaValue | undefined]> = [
        ['the registry', registry === undefined ? undefined : { guarantees: registry.guarantees, limits: registry.limits }],
        ['GET_QUOTA', answered.quotas.get(role)],
        ["the allocator's quota metrics", allocatorQuotas.get(role)],
      ];
      for (const [where, value] of seen) {
        if (!sameQuota(value, want)) broken.push(`role ${role}'s quota is ${describeQuota(value)} in ${where}; the operator was told ${describeQuota(want)}`);
      }
    }
    return broken;
  }
}

/** Whether two quotas (or none) are the same, amounts compared in thousandths. */
function sameQuota(left: QuotaValue | undefined, right: QuotaValue | undefined): boolean {
  if (left === undefined || right === undefined) return left === right;
  return sameQuantities(left.guarantees, right.guarantees) && sameQuantities(left.limits, right.limits);
}

function sameQuantities(left: Quantities, right: Quantities): boolean {
  const names = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const name of names) if (Math.round((left[name] ?? 0) * 1000) !== Math.round((right[name] ?? 0) * 1000)) return false;
  return true;
}

function describeQuota(quota: QuotaValue | undefined): string {
  if (quota === undefined) return 'none';
  const text = (quantities: Quantities): string => Object.entries(quantities).map(([name, value]) => `${name}:${value}`).join(';') || 'none';
  return `guarantees ${text(quota.guarantees)}, limits ${text(quota.limits)}`;
}

/** Each role's quota as the allocator's metrics give it (`allocator/mesos/quota/roles/<role>/resources/<name>/{guarantee,limit}`). */
function quotasOfMetrics(metrics: Readonly<Record<string, number>>): Map<string, QuotaValue> {
  const quotas = new Map<string, { guarantees: Record<string, number>; limits: Record<string, number> }>();
  for (const [key, value] of Object.entries(metrics)) {
    const match = /^allocator\/mesos\/quota\/roles\/(.+)\/resources\/([^/]+)\/(guarantee|limit)$/.exec(key);
    if (match === null) continue;
    const [, role, name, which] = match as unknown as [string, string, string, 'guarantee' | 'limit'];
    let quota = quotas.get(role);
    if (quota === undefined) quotas.set(role, quota = { guarantees: {}, limits: {} });
    (which === 'guarantee' ? quota.guarantees : quota.limits)[name] = value;
  }
  return quotas;
}

/** The quotas and weights the master answers (GET_QUOTA, GET_WEIGHTS through its `/api/v1` route). */
async function readQuotasAndWeights(master: Master): Promise<{ quotas: Map<string, QuotaValue>; weights: Map<string, number> }> {
  const ask = async (type: string): Promise<unknown> => {
    const request: HttpRequest = { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify({ type })), remoteAddress: '127.0.0.1' };
    const route = master.runtime.routes.get('/api/v1');
    if (route === undefined) throw new Error('the master serves no /api/v1 route');
    const response = await dispatch(master, (actor) => route.call(actor, request));
    if (response.status !== 200) throw new Error(`${type} was answered ${response.status}: ${bodyText(response.body).slice(0, ANSWER_EXCERPT_CHARS)}`);
    return JSON.parse(bodyText(response.body)) as unknown;
  };
  const quotaAnswer = await ask('GET_QUOTA') as { get_quota?: { status?: { configs?: Array<{ role: string; guarantees?: Record<string, { value: number }>; limits?: Record<string, { value: number }> }> } } };
  const weightAnswer = await ask('GET_WEIGHTS') as { get_weights?: { weight_infos?: Array<{ role: string; weight: number }> } };
  const amounts = (given: Record<string, { value: number }> | undefined): Quantities => Object.fromEntries(Object.entries(given ?? {}).map(([name, scalar]) => [name, scalar.value]));
  const quotas = new Map((quotaAnswer.get_quota?.status?.configs ?? []).map((config) => [config.role, { guarantees: amounts(config.guarantees), limits: amounts(config.limits) }] as const));
  const weights = new Map((weightAnswer.get_weights?.weight_infos ?? []).map((info) => [info.role, info.weight] as const));
  return { quotas, weights };
}
