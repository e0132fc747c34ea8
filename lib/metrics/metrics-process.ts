/**
 * The `metrics` actor (libprocess' `MetricsProcess`): one per host, serving the metrics of every
 * component on it. `GET /metrics/snapshot` answers Mesos' flat JSON object; `GET /metrics`
 * answers the same values as Prometheus text (lib/metrics/prometheus.ts). Components add
 * themselves as sources (the master with its allocator and registrar, an agent); the host's
 * `system/*` gauges are always there.
 */
import { Actor } from '../actor';
import type { ActorHost } from '../process/host';
import { authenticateRequest, isResponse, type HttpAuthentication } from '../process/http-authentication';
import { ok, type HttpRequest, type HttpResponse } from '../process/http';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, type MetricKind } from './prometheus';
import { osSystemProbe, systemMetrics, type SystemProbe } from './system';
import { parseDuration } from '../flags';
import { Authorizer, type Acls } from '../acls';

/** The metrics actor's id; `/metrics/snapshot` and `/metrics` are its routes. */
export const METRICS_ACTOR_ID = 'metrics';

/** One component's metrics. */
export interface MetricsSource {
  /** Its current values by Mesos key (or `mesos_ts/...` for ours); a component asks its actor through its mailbox. */
  read(): Promise<Record<string, number>>;
  /** Whether `key` (one of its keys) is a counter; the rest are gauges. */
  kindOf(key: string): MetricKind;
}

/**
 * How long the metrics are waited for when a request gives no `timeout` (Mesos waits without
 * bound; a component that never answers would hold the request for good): `/metrics/snapshot`
 * and `/metrics` leave out a component that has not answered by then, as with a given timeout,
 * and so does the v1 operator API's GET_METRICS without one (master and agent).
 */
export const DEFAULT_METRICS_TIMEOUT_MS = 5_000;

/** Anyone may read the metrics (Mesos' default: `--authenticate_http_readonly` off). */
const OPEN: HttpAuthentication = { credentials: undefined, readonly: false, readwrite: false };

/** The path the ACLs' `get_endpoints` name the metrics by: it guards `/metrics` too, which serves the same values. */
export const METRICS_ENDPOINT = '/metrics/snapshot';

/** Who may read the metrics. */
export interface MetricsAccess {
  /** The credentials both endpoints ask for (read-only endpoints); default: none. */
  readonly authentication?: HttpAuthentication;
  /** Undefined if `principal` may read them, else why not (default: anyone may). */
  readonly denial?: (principal: string | undefined) => string | undefined;
}

/**
 * `authentication`, and the ACLs' `get_endpoints` for `METRICS_ENDPOINT` (as Mesos authorizes
 * `/metrics/snapshot` on the master and the agent); no ACLs: anyone authenticated may read them.
 */
export function metricsAccess(authentication: HttpAuthentication | undefined, acls: Acls | undefined): MetricsAccess {
  const authorizer = acls === undefined ? undefined : new Authorizer(acls);
  return {
    ...(authentication !== undefined ? { authentication } : {}),
    ...(authorizer !== undefined ? { denial: (principal: string | undefined) => authorizer.denial('get_endpoints', principal, METRICS_ENDPOINT) } : {}),
  };
}

/**
 * Serves `/metrics/snapshot` (JSON) and `/metrics` (Prometheus text) for the sources added to
 * it. Both are read-only endpoints: with `authentication.readonly` they need HTTP Basic
 * credentials. A source that fails to answer is left out of that snapshot.
 *
 * @example
 *   const metrics = new MetricsProcess();
 *   metrics.addSource({ read: () => dispatch(master, (m) => m.metrics()), kindOf: masterMetricKind });
 *   host.spawn(metrics); // GET /metrics/snapshot, GET /metrics
 */
export class MetricsProcess extends Actor {
  /** The components whose metrics are served, in the order added. */
  private readonly sources = new Set<MetricsSource>();

  /**
   * @param id the actor id (default `metrics`; a simulation running several masters on one host gives each its own)
   * @param access who may read both endpoints (default: anyone)
   * @param system where `system/*` is read (default: this machine)
   */
  constructor(id: string = METRICS_ACTOR_ID, access: MetricsAccess = {}, private readonly system: SystemProbe = osSystemProbe) {
    super(id);
    const allowed = (request: HttpRequest): HttpResponse | undefined => {
      const caller = authenticateRequest(request, 'readonly', access.authentication ?? OPEN);
      if (isResponse(caller)) return caller;
      const denied = access.denial?.(caller.principal);
      return denied === undefined ? undefined : { status: 403, body: `Forbidden: ${denied}` };
    };
    this.route('/snapshot', (request) => {
      const refused = allowed(request);
      if (refused !== undefined) return refused;
      const given = request.query.timeout;
      if (given === undefined) return this.snapshotResponse(DEFAULT_METRICS_TIMEOUT_MS);
      let timeoutMs: number;
      try {
        timeoutMs = parseDuration(given);
      } catch (error) {
        return { status: 400, body: `Invalid timeout: ${(error as Error).message}` }; // it quotes the value
      }
      return this.snapshotResponse(timeoutMs);
    });
    this.route('/', (request) => allowed(request) ?? this.prometheusResponse());
  }

  /** Serves `source`'s metrics from now on. */
  addSource(source: MetricsSource): void {
    this.sources.add(source);
  }

  /** Stops serving `source`'s metrics (its component stopped). */
  removeSource(source: MetricsSource): void {
    this.sources.delete(source);
  }

  /** How many sources it serves. */
  get sourceCount(): number {
    return this.sources.size;
  }

  /**
   * Every source's values and `system/*`, merged; with `timeoutMs`, a source that has not
   * answered by then is left out (Mesos' `/metrics/snapshot?timeout=`).
   */
  async snapshot(timeoutMs?: number): Promise<Record<string, number>> {
    let timer: { cancel(): void } | undefined;
    const late = timeoutMs === undefined ? undefined : new Promise<Record<string, number>>((resolve) => { timer = this.delay(timeoutMs, () => resolve({})); });
    const values = await Promise.all([...this.sources].map((source) => {
      const read = source.read().catch((): Record<string, number> => ({}));
      return late === undefined ? read : Promise.race([read, late]);
    }));
    timer?.cancel();
    return Object.assign(systemMetrics(this.system), ...values) as Record<string, number>;
  }

  /** The kind of `key`: a counter if any source says so. */
  private kindOf(key: string): MetricKind {
    for (const source of this.sources) if (source.kindOf(key) === 'counter') return 'counter';
    return 'gauge';
  }

  private async snapshotResponse(timeoutMs: number): Promise<HttpResponse> {
    return ok(await this.snapshot(timeoutMs));
  }

  private async prometheusResponse(): Promise<HttpResponse> {
    const text = await renderPrometheus(await this.snapshot(DEFAULT_METRICS_TIMEOUT_MS), (key) => this.kindOf(key));
    return { status: 200, headers: { 'content-type': PROMETHEUS_CONTENT_TYPE }, body: text };
  }
}

/** Detaches a source attached by `attachMetricsSource`. */
export type DetachMetrics = () => Promise<void>;

/**
 * Serves `source` from the host's metrics actor `id` (default `metrics`), spawning it (with
 * `authentication`) if the host has none: like libprocess, one metrics process per host serves
 * every component on it (with the authentication of the one that spawned it). The returned
 * function removes the source again, and terminates the actor once it serves nothing. Throws if
 * `id` names another kind of actor.
 */
export function attachMetricsSource(host: ActorHost, source: MetricsSource, id: string = METRICS_ACTOR_ID, access: MetricsAccess = {}): DetachMetrics {
  const existing = host.lookup(id);
  if (existing !== undefined && !(existing instanceof MetricsProcess)) throw new Error(`actor '${id}' on ${host.address} is not a metrics actor`);
  const metrics = existing ?? new MetricsProcess(id, access);
  if (existing === undefined) host.spawn(metrics);
  metrics.addSource(source);
  return async () => {
    metrics.removeSource(source);
    if (metrics.sourceCount > 0) return;
    host.terminate(metrics);
    await host.wait(metrics);
  };
}
