/**
 * Mesos' v1 scheduler HTTP API (issue 11): `POST /api/v1/scheduler` on the leading master's
 * host. A SUBSCRIBE answers 200 at once with a chunked RecordIO stream of JSON events and a
 * `Mesos-Stream-Id`; every other call answers 202 (or 400/403 with a plain-text reason, as
 * Mesos does) and must carry that stream id.
 *
 * Each subscription is served by an `HttpFramework`: a `Scheduler` actor on the master's host
 * that registers with the master like any actor framework, turns what the master sends it into
 * v1 events on the stream, and turns the calls into the master's messages. So an HTTP
 * framework and an actor framework are one thing to the master and its allocator: the same
 * validation, offers, DRF, acknowledgements (explicit, as v1 requires), failover and failover
 * timeout. When the stream closes, the adapter ends; the master sees its framework disconnect,
 * and `failover_timeout` runs as for an actor framework whose scheduler died.
 */
import { badRequest, headerOf, streamEncoding, v1RequestCall, v1RequestError } from '../../lib/v1/http';
import { mediaTypeOf, v1EventRecord, type V1Encoding } from '../../lib/v1/protobuf';
import { Actor, dispatch, UPID } from '../../lib/actor';
import { authenticateRequest, HttpStream, isResponse, withRouteOptions, type RouteOptions, type HttpAuthentication, type HttpCaller, type HttpRequest, type HttpResponse } from '../../lib/process';
import type { FrameworkInfo, InverseOffer, MasterInfo, Offer, OperationStatus, TaskStatus } from '../../lib/protocol';
import { clientOf, v1OfferFormat, type AgentEndpoint, type V1Json, type V1OfferFormat } from '../../lib/v1/json';
import { asVersion4, uuidText } from '../../lib/uuid';

export { clientOf } from '../../lib/v1/json';
import {
  errorEvent, failureEvent, heartbeatEvent, inverseOffersEvent, messageEvent, offersEvent, operationStatusEvent, parseSchedulerCall, rescindEvent, rescindInverseOfferEvent, subscribedEvent, updateEvent, type SchedulerCall,
} from '../../lib/v1/scheduler';
import { FrameworkUpdateError, Scheduler } from '../framework/scheduler';
import { SCHEDULER_HTTP_REALM } from './constants';
import type { MasterFlags } from './flags';

/** Mesos' realm for the scheduler API's credentials, whatever the access. */
const SCHEDULER_REALMS = { readonly: SCHEDULER_HTTP_REALM, readwrite: SCHEDULER_HTTP_REALM } as const;

/** The actor serving `/api/...` on the master's host (`/api/v1/scheduler` is its route `/v1/scheduler`). */
export const V1_API_ACTOR_ID = 'api';

/** The API actor's id beside master actor `masterActorId` (a second master on one host, in a simulation, has its own). */
export function apiActorId(masterActorId: string): string {
  return masterActorId === 'master' ? V1_API_ACTOR_ID : `${masterActorId}-api`;
}

/**
 * The API actor of a master that does not lead: every call is redirected to the leader (307 to
 * `//host:port/api/v1/scheduler`, as Mesos does), or answered 503 when no master leads.
 */
export class StandbyApi extends Actor {
  /**
   * @param redirect answers with the leader's URL for a path, or 503 (`StandbyMaster.redirectTo`)
   * @param refusal the 401 the leader would answer a request at a path (`standbyRefusal`), asked first; none: no credentials asked
   */
  constructor(id: string, redirect: (path: string) => HttpResponse, refusal?: (path: string, request: HttpRequest) => HttpResponse | undefined) {
    super(id);
    this.route('/v1/scheduler', (request) => refusal?.('/api/v1/scheduler', request) ?? redirect('/api/v1/scheduler'));
    this.route('/v1', (request) => refusal?.('/api/v1', request) ?? redirect('/api/v1'));
  }
}

/** The v1 scheduler API's HTTP authentication: `credentials`, asked for in its realm when `required`. */
export function schedulerAuthentication(credentials: ReadonlyMap<string, string> | undefined, required: boolean): HttpAuthentication {
  return { credentials, readonly: false, readwrite: required, realms: SCHEDULER_REALMS };
}

/** Whether a master with `flags` asks HTTP frameworks for credentials (`--authenticate_frameworks` or `--authenticate_http_frameworks`). */
export function httpFrameworksAuthenticated(flags: Pick<MasterFlags, 'authenticateFrameworks' | 'authenticateHttpFrameworks'>): boolean {
  return flags.authenticateFrameworks === true || flags.authenticateHttpFrameworks === true;
}

/** The v1 scheduler API's HTTP authentication as a master with `flags` asks it (`schedulerAuthentication`). */
export function schedulerHttpAuthentication(flags: Pick<MasterFlags, 'credentials' | 'authenticateFrameworks' | 'authenticateHttpFrameworks'>): HttpAuthentication {
  return schedulerAuthentication(flags.credentials, httpFrameworksAuthenticated(flags));
}

/** Mesos' default interval between HEARTBEAT events (`DEFAULT_HEARTBEAT_INTERVAL`); `--http_framework_heartbeat_interval` sets it here. */
export const DEFAULT_HTTP_HEARTBEAT_INTERVAL_MS = 15_000;

/** Longest JSON body of a call (an ACCEPT with many tasks is the largest). */
export const MAX_SCHEDULER_CALL_BYTES = 4 * 1024 * 1024;

/**
 * Most HTTP frameworks subscribed (or subscribing) through one master at once; more are
 * answered 429. Each is an actor and a framework in the master, so an open door would let
 * anyone grow the master without bound.
 */
export const MAX_HTTP_SUBSCRIPTIONS = 10_000;

/**
 * Most HTTP subscriptions one authenticated principal may hold at once (429 beyond): a tenth of
 * `MAX_HTTP_SUBSCRIPTIONS`, so that no one principal can take them all and lock the others out
 * (a security review filled all 10,000 as one team, and the other team's SUBSCRIBE, its failover
 * included, got 429). Unauthenticated clients are bounded per IP (`--max_frameworks_per_peer`).
 */
export const MAX_HTTP_SUBSCRIPTIONS_PER_PRINCIPAL = 1_000;

/** The header that ties calls to their subscription (Mesos'). */
export const STREAM_ID_HEADER = 'mesos-stream-id';

/** What the API needs from the master it fronts. */
export interface SchedulerApiOptions {
  /** The master's pid (`master@host:port`): the adapters register with it. */
  readonly master: string;
  /** Where agent `agentId` serves HTTP (offers carry it as `url`); undefined for an agent no longer known. */
  readonly agentEndpoint: (agentId: string) => AgentEndpoint | undefined;
  /** Default `DEFAULT_HTTP_HEARTBEAT_INTERVAL_MS`. */
  readonly heartbeatIntervalMs?: number;
  /** Actor id; default `V1_API_ACTOR_ID`. */
  readonly id?: string;
  /** Whether the master may still say it leads (a contending master's session check); default always. */
  readonly leading?: () => boolean;
  /**
   * HTTP Basic against the master's credentials. With `required` (the master's
   * `--authenticate_frameworks`), every call needs them (401 otherwise); without, credentials
   * given are still checked, and make the framework's principal a proven one.
   */
  readonly authentication?: { readonly credentials: ReadonlyMap<string, string> | undefined; readonly required: boolean };
  /**
   * Tells the master, before the actor registers, that the actor at `pid` speaks for an HTTP
   * client at IP `client`, proven to be `principal` if defined (`Master.adoptHttpFramework`).
   */
  readonly adopt?: (pid: UPID, client: string, principal: string | undefined) => void;
  /**
   * Subscriptions without a proven principal one client IP may hold at once (the master's
   * `--max_frameworks_per_peer`, as for actor frameworks); more are answered 429.
   */
  readonly maxSubscriptionsPerPeer?: number;
  /**
   * Default `MAX_HTTP_SUBSCRIPTIONS`. A re-subscription of a framework the master knows (its
   * failover) is not held to it: it adds no framework, and its principal's bound still holds.
   */
  readonly maxSubscriptions?: number;
  /** Default `MAX_HTTP_SUBSCRIPTIONS_PER_PRINCIPAL`. */
  readonly maxSubscriptionsPerPrincipal?: number;
  /** Serves the v1 operator API, `/api/v1` (route `/v1`: actors/master/v1-operator.ts); none: 404. */
  readonly operator?: (request: HttpRequest) => Promise<HttpResponse>;
  /**
   * Framework `frameworkId` if the master knows it, with its principal (a call for one no stream
   * here serves is then 403, not 400; 400 from another principal), and whether it is connected
   * through the actor API (then 403 `Framework is not connected via HTTP`, as Mesos).
   */
  readonly frameworkKnown?: (frameworkId: string) => Promise<{ readonly principal: string | undefined; readonly connectedAsActor?: boolean } | undefined>;
  /**
   * Tells the master's per-framework metrics of what only the API sees: a HEARTBEAT event sent
   * (Mesos' heartbeater counts each), and a REQUEST call (answered here: it never reaches the
   * master's handlers, but Mesos counts every call).
   */
  readonly counted?: (frameworkId: string, what: V1Counted) => void;
}

/** What the v1 API counts in the master's per-framework metrics on its own (`SchedulerApiOptions.counted`). */
export type V1Counted = 'HEARTBEAT' | 'REQUEST';

/** The `/api/v1/scheduler` endpoint; one `HttpFramework` per subscribed framework. */
export class SchedulerApi extends Actor {
  /** Subscribed frameworks by id. */
  private readonly subscribed = new Map<string, HttpFramework>();
  /**
   * Every adapter alive (subscribed or still subscribing), with what it counts under: its
   * principal's name (`principal:<name>`), or an unauthenticated one's client IP (`peer:<ip>`).
   */
  private readonly alive = new Map<HttpFramework, string>();
  /** Adapters alive by what they count under (see `alive`). */
  private readonly perOwner = new Map<string, number>();

  /**
   * Who asks, and how large the call is, checked before the body is read (it took up to 16 MiB
   * of memory unauthenticated before): for `/api/v1/scheduler` and the master's own path to it.
   */
  readonly routeOptions: RouteOptions = {
    maxBodyBytes: MAX_SCHEDULER_CALL_BYTES,
    beforeBody: (request) => {
      const caller = this.caller(request);
      return isResponse(caller) ? caller : undefined;
    },
  };

  constructor(private readonly options: SchedulerApiOptions) {
    super(options.id ?? V1_API_ACTOR_ID);
    this.route('/v1/scheduler', withRouteOptions((request) => this.serve(request), this.routeOptions));
    const operator = options.operator;
    // As given: its route options (`withRouteOptions`) go with it.
    if (operator !== undefined) this.route('/v1', operator);
  }

  /** Answers one request to `/api/v1/scheduler` (the master serves `/master/api/v1/scheduler` through this too). */
  async serve(request: HttpRequest): Promise<HttpResponse> {
    if (this.options.leading?.() === false) return { status: 503, body: 'this master cannot confirm that it still leads\n' };
    const refused = v1RequestError(request, MAX_SCHEDULER_CALL_BYTES, 'this master speaks the v1 scheduler API', true);
    if (refused !== undefined) return refused;
    // Who asks, before anything of the body is read (as Mesos authenticates first).
    const caller = this.caller(request);
    if (isResponse(caller)) return caller;
    const body = v1RequestCall(request, 'scheduler');
    if (!('json' in body)) return body;
    const parsed = parseSchedulerCall(body.json);
    if (!parsed.ok) return parsed.unserved === true ? { status: 501, body: parsed.error } : badRequest(`Failed to validate scheduler::Call: ${parsed.error}`);
    const call = parsed.call;
    if (call.type === 'SUBSCRIBE') return this.subscribe(request, call, caller.principal, await this.failover(call.framework.id));
    const framework = this.subscribed.get(call.frameworkId);
    if (framework === undefined) return this.notSubscribed(call.frameworkId, caller.principal);
    const mismatch = principalMismatch(caller.principal, framework.principal);
    if (mismatch !== undefined) return mismatch;
    if (!framework.connected) return { status: 403, body: 'Framework is not subscribed' };
    const streamId = headerOf(request, STREAM_ID_HEADER);
    if (streamId === undefined) return badRequest("All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    if (streamId !== framework.streamId) {
      return badRequest(`The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${call.frameworkId}`);
    }
    // Run in the adapter's own mailbox: it is the actor that speaks to the master for the framework.
    return dispatch(framework, (adapter) => adapter.call(call)).catch(() => ({ status: 403, body: 'Framework is not subscribed' }));
  }

  /**
   * The answer to a call for a framework no open stream here serves, as Mesos answers: 400
   * `Framework cannot be found` when the master does not know it; 400 naming both principals
   * when the caller proved another principal than the framework's; 403 `Framework is not
   * connected via HTTP` for one connected through the actor API (a scheduler driver); else 403
   * `Framework is not subscribed` (its stream closed: it waits for its failover).
   */
  private async notSubscribed(frameworkId: string, callerPrincipal: string | undefined): Promise<HttpResponse> {
    const known = await this.options.frameworkKnown?.(frameworkId);
    if (known === undefined) return badRequest('Framework cannot be found');
    const body = known.connectedAsActor === true ? 'Framework is not connected via HTTP' : 'Framework is not subscribed';
    return principalMismatch(callerPrincipal, known.principal) ?? { status: 403, body };
  }

  /** Who is calling: a principal proven by HTTP Basic, anonymous, or the 401 to answer. */
  private caller(request: HttpRequest): HttpCaller | HttpResponse {
    const authentication = this.options.authentication;
    if (authentication === undefined) return { principal: undefined };
    return authenticateRequest(request, 'readwrite', schedulerAuthentication(authentication.credentials, authentication.required));
  }

  /** Whether a SUBSCRIBE naming `frameworkId` is a framework the master knows coming back (its failover). */
  private async failover(frameworkId: string | undefined): Promise<boolean> {
    return frameworkId !== undefined && (this.subscribed.has(frameworkId) || (await this.options.frameworkKnown?.(frameworkId)) !== undefined);
  }

  private subscribe(request: HttpRequest, call: Extract<SchedulerCall, { type: 'SUBSCRIBE' }>, principal: string | undefined, failover: boolean): HttpResponse {
    if (headerOf(request, STREAM_ID_HEADER) !== undefined) return badRequest("Subscribe calls should not include the 'Mesos-Stream-Id' header");
    let framework = call.framework;
    if (principal !== undefined) {
      // As Mesos: a framework that authenticated without naming its principal gets it; one naming another is refused.
      if (framework.principal === undefined) framework = { ...framework, principal };
      else if (framework.principal !== principal) return badRequest(`Authenticated principal '${principal}' does not match principal '${framework.principal}' set in \`FrameworkInfo\``);
    }
    const encoding = streamEncoding(request);
    if (typeof encoding !== 'string') return encoding;
    if (call.refusal !== undefined) {
      // As Mesos' `refuseSubscription`: the stream opens, says why in an ERROR, and ends.
      const refused = new HttpStream();
      refused.write(eventRecord(errorEvent(call.refusal), encoding));
      refused.end();
      return { status: 200, headers: { 'Content-Type': mediaTypeOf(encoding) }, stream: refused };
    }
    const limit = this.options.maxSubscriptions ?? MAX_HTTP_SUBSCRIPTIONS;
    if (this.alive.size >= limit && !failover) return { status: 429, body: `too many HTTP frameworks subscribed to this master (at most ${limit})` };
    const client = clientOf(request.remoteAddress);
    const owner = principal !== undefined ? `principal:${principal}` : `peer:${client}`;
    // A failover that replaces a live subscription of the same owner (a scheduler back on a new
    // connection while its old stream is still open) adds nothing once done: not held to the bound.
    const replaced = call.framework.id === undefined ? undefined : this.subscribed.get(call.framework.id);
    const held = (this.perOwner.get(owner) ?? 0) - (replaced !== undefined && this.alive.get(replaced) === owner ? 1 : 0);
    const principalLimit = this.options.maxSubscriptionsPerPrincipal ?? MAX_HTTP_SUBSCRIPTIONS_PER_PRINCIPAL;
    if (principal !== undefined && held >= principalLimit) {
      return { status: 429, body: `too many HTTP frameworks subscribed as principal '${principal}' (at most ${principalLimit})` };
    }
    const perPeerLimit = this.options.maxSubscriptionsPerPeer;
    if (principal === undefined && perPeerLimit !== undefined && held >= perPeerLimit) {
      return { status: 429, body: `too many unauthenticated HTTP frameworks from ${client} (at most ${perPeerLimit}, --max_frameworks_per_peer)` };
    }
    // Unguessable on a real host (the system's randomness); from the seed on a simulated one, so a run replays.
    const streamId = uuidText(asVersion4(this.host.secretBytes(16)));
    const id = this.host.uniqueId('scheduler-http');
    // The master learns the adapter's client (and principal) before it hears the adapter's registration (one mailbox, in order).
    this.options.adopt?.(UPID.at(id, this.host.address), client, principal);
    const adapter = new HttpFramework({
      master: this.options.master,
      framework,
      suppressedRoles: call.suppressedRoles,
      streamId,
      encoding,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? DEFAULT_HTTP_HEARTBEAT_INTERVAL_MS,
      agentEndpoint: this.options.agentEndpoint,
      id,
      onSubscribed: (frameworkId) => this.adopt(frameworkId, adapter),
      counted: (frameworkId, what) => this.options.counted?.(frameworkId, what),
      ...(this.options.leading !== undefined ? { leading: this.options.leading } : {}),
      onEnded: (frameworkId) => {
        if (frameworkId !== undefined && this.subscribed.get(frameworkId) === adapter) this.subscribed.delete(frameworkId);
        this.release(adapter);
      },
    });
    this.alive.set(adapter, owner);
    this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1);
    this.host.spawn(adapter);
    return { status: 200, headers: { 'Content-Type': mediaTypeOf(encoding), 'Mesos-Stream-Id': streamId }, stream: adapter.stream };
  }

  /** `adapter` has ended: it no longer counts against the limits. */
  private release(adapter: HttpFramework): void {
    const owner = this.alive.get(adapter);
    if (owner === undefined) return;
    this.alive.delete(adapter);
    const left = (this.perOwner.get(owner) ?? 1) - 1;
    if (left > 0) this.perOwner.set(owner, left);
    else this.perOwner.delete(owner);
  }

  /** A subscription was answered: `framework` serves `frameworkId` now; an older subscription of it is ended. */
  private adopt(frameworkId: string, framework: HttpFramework): void {
    const previous = this.subscribed.get(frameworkId);
    this.subscribed.set(frameworkId, framework);
    if (previous !== undefined && previous !== framework) previous.end('Framework failed over');
  }
}

/** What an `HttpFramework` is told at its start. */
interface HttpFrameworkOptions {
  readonly master: string;
  readonly framework: FrameworkInfo;
  /** The subscription's `suppressed_roles`. */
  readonly suppressedRoles: string[];
  readonly streamId: string;
  /** How the stream's events are written (the SUBSCRIBE's `Accept`). */
  readonly encoding: V1Encoding;
  readonly heartbeatIntervalMs: number;
  readonly agentEndpoint: (agentId: string) => AgentEndpoint | undefined;
  readonly id: string;
  /** Called (from its mailbox) once the master has answered the subscription. */
  readonly onSubscribed: (frameworkId: string) => void;
  /** Called when the stream is over (client gone, refused, torn down). */
  readonly onEnded: (frameworkId: string | undefined) => void;
  /** See `SchedulerApiOptions.counted`. */
  readonly counted: (frameworkId: string, what: V1Counted) => void;
  /** See `SchedulerApiOptions.leading`: while it says false, nothing is written on the stream. */
  readonly leading?: () => boolean;
}

/**
 * One v1 subscription: a scheduler actor that speaks to the master for an HTTP framework and
 * writes what it hears to the framework's event stream.
 */
export class HttpFramework extends Scheduler {
  /** The event stream (RecordIO of JSON or protobuf events, as the subscription asked). */
  readonly stream: HttpStream;
  /** The `Mesos-Stream-Id` of the subscription. */
  readonly streamId: string;
  private heartbeats: { cancel(): void } | undefined;
  private ended = false;
  /** How its framework reads offers (its capabilities: at this subscription, then as UPDATE_FRAMEWORK changes them). */
  private offerFormat: V1OfferFormat;

  constructor(private readonly http: HttpFrameworkOptions) {
    super({ master: http.master, framework: http.framework, implicitAcknowledgements: false, id: http.id, ...(http.suppressedRoles.length > 0 ? { suppressedRoles: http.suppressedRoles } : {}) });
    this.streamId = http.streamId;
    this.offerFormat = v1OfferFormat(http.framework.capabilities);
    // Its close is told in the API actor's mailbox (that actor answered the request); handled in ours.
    this.stream = new HttpStream(() => {
      dispatch(this, (framework) => framework.streamClosed()).catch(() => undefined); // already terminated: nothing to do
    });
  }

  /** The framework's principal (from its FrameworkInfo, filled in from its credentials). */
  get principal(): string | undefined {
    return this.http.framework.principal;
  }

  /** Whether the master has answered the subscription and the stream is open. */
  get connected(): boolean {
    return !this.ended && this.frameworkId !== undefined;
  }

  /**
   * Runs a non-subscribe call (validated already): 202, or the reason it cannot run. UPDATE_FRAMEWORK
   * is answered once the master has: 200, or Mesos' 400 or 403 with the reason (503 when the master
   * does not answer in time).
   */
  call(call: Exclude<SchedulerCall, { type: 'SUBSCRIBE' }>): HttpResponse | Promise<HttpResponse> {
    switch (call.type) {
      case 'UPDATE_FRAMEWORK':
        // The master's words for a FrameworkInfo it refuses (Mesos' `validateFramework`).
        if (call.refusal !== undefined) return { status: 400, body: `Supplied FrameworkInfo is not valid: ${call.refusal}` };
        return this.updateFramework(call.framework, call.suppressedRoles).then(
          () => ({ status: 200, body: '' }),
          (error: Error) => ({ status: error instanceof FrameworkUpdateError && error.status !== undefined ? error.status : 503, body: error.message }),
        );
      case 'TEARDOWN':
        this.end(undefined, false);
        break;
      case 'ACCEPT':
        this.accept(call.offerIds, call.operations, call.filters);
        break;
      case 'DECLINE':
        this.decline(call.offerIds, call.filters);
        break;
      case 'REVIVE':
        this.revive(call.roles);
        break;
      case 'SUPPRESS':
        this.suppress(call.roles);
        break;
      case 'KILL':
        this.kill(call.taskId, call.agentId, call.killPolicy);
        break;
      case 'ACKNOWLEDGE':
        this.acknowledge({ taskId: call.taskId, agentId: call.agentId, uuid: call.uuid, state: 'TASK_RUNNING' });
        break;
      case 'RECONCILE':
        this.reconcile(call.tasks);
        break;
      case 'MESSAGE':
        this.sendFrameworkMessage(call.executorId, call.agentId, call.data);
        break;
      case 'REQUEST':
        // Mesos passes requests to an allocator that ignores them; so does this one. It counts the call.
        this.http.counted(call.frameworkId, 'REQUEST');
        break;
      case 'SHUTDOWN':
        this.shutdownExecutor(call.executorId, call.agentId);
        break;
      case 'ACKNOWLEDGE_OPERATION_STATUS':
        this.acknowledgeOperationStatus(call.agentId, call.operationId, call.uuid, call.resourceProviderId);
        break;
      case 'RECONCILE_OPERATIONS':
        this.reconcileOperations(call.operations);
        break;
      case 'ACCEPT_INVERSE_OFFERS':
        this.acceptInverseOffers(call.inverseOfferIds, call.filters);
        break;
      case 'DECLINE_INVERSE_OFFERS':
        this.declineInverseOffers(call.inverseOfferIds, call.filters);
        break;
    }
    return { status: 202, body: '' };
  }

  /**
   * Ends the subscription: an ERROR event first when `error` is given, then the end of the
   * stream. With `failover` (the default) the framework stays for its failover timeout; without,
   * it is torn down (TEARDOWN).
   */
  end(error?: string, failover = true): void {
    if (!this.finish(error)) return;
    if (!failover && this.frameworkId !== undefined) this.stop(false);
    else this.terminate();
    this.stream.end();
  }

  // ---- the master's messages, as events ------------------------------------------------------

  protected override frameworkUpdated(framework: FrameworkInfo): void {
    // Offers from now on in the format its new capabilities say it reads.
    this.offerFormat = v1OfferFormat(framework.capabilities);
  }

  protected override registered(frameworkId: string, masterInfo: MasterInfo): void {
    this.subscribed(frameworkId, masterInfo);
  }

  protected override reregistered(masterInfo: MasterInfo): void {
    const frameworkId = this.frameworkId;
    if (frameworkId !== undefined) this.subscribed(frameworkId, masterInfo);
  }

  protected override resourceOffers(offers: Offer[]): void {
    // One look-up per agent; an agent removed since the allocation has its offers rescinded: return them now.
    const endpoints = new Map<string, AgentEndpoint>();
    const gone: string[] = [];
    for (const offer of offers) {
      const endpoint = endpoints.get(offer.agentId) ?? this.http.agentEndpoint(offer.agentId);
      if (endpoint === undefined) gone.push(offer.id);
      else endpoints.set(offer.agentId, endpoint);
    }
    if (gone.length > 0) this.decline(gone, { refuseSeconds: 0 });
    const known = gone.length === 0 ? offers : offers.filter((offer) => endpoints.has(offer.agentId));
    // In the format the framework's capabilities say it reads (Mesos converts offers for frameworks without MULTI_ROLE or RESERVATION_REFINEMENT).
    if (known.length > 0) this.write(offersEvent(known, (agentId) => endpoints.get(agentId) as AgentEndpoint, this.offerFormat));
  }

  protected override offerRescinded(offerId: string): void {
    this.write(rescindEvent(offerId));
  }

  protected override inverseOffers(offers: InverseOffer[]): void {
    this.write(inverseOffersEvent(offers, this.http.agentEndpoint));
  }

  protected override inverseOfferRescinded(inverseOfferId: string): void {
    this.write(rescindInverseOfferEvent(inverseOfferId));
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.write(updateEvent(status));
  }

  protected override operationStatus(status: OperationStatus): void {
    this.write(operationStatusEvent(status));
  }

  protected override frameworkMessage(agentId: string, executorId: string, data: string): void {
    this.write(messageEvent(agentId, executorId, data));
  }

  protected override agentLost(agentId: string): void {
    this.write(failureEvent({ agentId }));
  }

  protected override executorLost(executorId: string, agentId: string, status: number): void {
    this.write(failureEvent({ agentId, executorId, status }));
  }

  protected override error(message: string): void {
    // The master refused or removed the framework (the base has stopped this scheduler).
    if (this.finish(message)) this.stream.end();
  }

  protected override finalize(): void {
    super.finalize();
    this.heartbeats?.cancel();
    if (this.finish()) this.stream.end();
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private subscribed(frameworkId: string, masterInfo: MasterInfo): void {
    if (this.ended) return;
    this.http.onSubscribed(frameworkId);
    this.write(subscribedEvent(frameworkId, this.http.heartbeatIntervalMs / 1000, masterInfo));
    // As Mesos' heartbeater: one at once, then one per interval.
    this.heartbeat(frameworkId);
    this.heartbeats?.cancel();
    this.scheduleHeartbeat(frameworkId);
  }

  private scheduleHeartbeat(frameworkId: string): void {
    this.heartbeats = this.delay(this.http.heartbeatIntervalMs, () => {
      if (this.ended) return;
      this.heartbeat(frameworkId);
      this.scheduleHeartbeat(frameworkId);
    });
  }

  /** Writes a HEARTBEAT event, counted in the framework's `events/heartbeat` as Mesos counts each. */
  private heartbeat(frameworkId: string): void {
    if (this.ended) return;
    this.write(heartbeatEvent());
    if (!this.ended) this.http.counted(frameworkId, 'HEARTBEAT');
  }

  /** @internal The client went away: the framework disconnects (its failover timeout starts at the master). */
  streamClosed(): void {
    if (this.finish()) this.terminate();
  }

  /**
   * Ends the subscription once (an ERROR event first when `error` is given): no more heartbeats,
   * and the API forgets it. False when it had ended already; the caller then does nothing more.
   */
  private finish(error?: string): boolean {
    if (this.ended) return false;
    this.ended = true;
    if (error !== undefined) this.write(errorEvent(error));
    this.heartbeats?.cancel();
    this.http.onEnded(this.frameworkId);
    return true;
  }

  /**
   * Writes `event` on the stream; a master that cannot confirm that it still leads (paused past
   * its ZooKeeper session, its timers firing before it learns that another replaced it) ends the
   * stream instead, without a word: a HEARTBEAT or a RESCIND from it would tell the scheduler that
   * a replaced master speaks for the cluster, and an event left out would leave the scheduler's
   * view short of it. The scheduler subscribes again, at the leader.
   */
  private write(event: V1Json): void {
    if (this.http.leading?.() === false) {
      this.end();
      return;
    }
    this.stream.write(eventRecord(event, this.http.encoding));
  }
}

/** One RecordIO record of a scheduler `event`, in `encoding`. */
function eventRecord(event: V1Json, encoding: V1Encoding): string | Buffer {
  return v1EventRecord('scheduler', event, encoding);
}

/** Mesos' 400 for a call whose proven principal is not its framework's; undefined when it is (or none was proven). */
function principalMismatch(callerPrincipal: string | undefined, frameworkPrincipal: string | undefined): HttpResponse | undefined {
  if (callerPrincipal === undefined || callerPrincipal === frameworkPrincipal) return undefined;
  return badRequest(`Authenticated principal '${callerPrincipal}' does not match principal '${frameworkPrincipal ?? ''}' set in \`FrameworkInfo\``);
}
