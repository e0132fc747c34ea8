/**
 * Mesos' v1 operator HTTP API (`POST /api/v1` on the leading master): one call per request,
 * answered `{"type": "GET_STATE", "get_state": {...}}` as master.proto's `Response`, and
 * SUBSCRIBE, answered 200 with a RecordIO stream of `Event`s: SUBSCRIBED with the whole state,
 * then TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED, FRAMEWORK_ADDED/UPDATED/REMOVED as
 * the master's books change, and HEARTBEAT every `heartbeatIntervalMs`.
 *
 * Calls come in JSON or protobuf (`Content-Type`), answers and streams go out in JSON or protobuf
 * (`Accept`, JSON first when it allows both, as Mesos chooses). Everything is put together in
 * JSON; a protobuf call is read into its JSON (`lib/v1/protobuf.ts`), and a protobuf answer or
 * event is its JSON encoded, the large ones (GET_STATE and its parts, SUBSCRIBED) over turns
 * (`lib/v1/sliced-protobuf.ts`), `PROTOBUF_ENCODED_CHARS_PER_TURN` at a time; the answers as they
 * are written (`lib/v1/streamed-protobuf.ts`), so that none is ever held whole.
 *
 * `OperatorApi` is not an actor: the master owns one and runs it in its own mailbox (the API
 * actor's `/v1` route dispatches each request there), so that every answer and every event is
 * read from the books as they are at one point of the master's protocol, and a subscriber's
 * SUBSCRIBED state and the events after it never overlap or leave a gap. The large answers
 * (GET_STATE and its parts GET_AGENTS, GET_FRAMEWORKS, GET_EXECUTORS, GET_TASKS, and GET_ROLES)
 * are put together a few turns later, as `/master/state` is: the books as of their last turn. The master tells it of
 * changes through `MasterEvent`s (its `onEvent` hook); what changes state goes through the
 * master's own paths (the `OperatorPort`), the same ones `/master/weights`, `/master/quota` and
 * `/master/teardown` take.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { boundedText } from '../../lib/protocol/plain';
import { badRequest, streamEncoding, v1Answer as answer, v1RequestCall, v1RequestError } from '../../lib/v1/http';
import type { Timer } from '../../lib/actor';
import {
  ActorGone, authenticateRequest, HttpStream, isResponse, StreamedBinary, TEXT_PARTS_CHUNK_CHARS, TextParts,
  type HttpAuthentication, type HttpCaller, type HttpRequest, type HttpResponse,
} from '../../lib/process';
import { APPLICATION_PROTOBUF, mediaTypeOf, v1EventRecord, v1FieldwiseMessageType, v1ResponseBytes, type V1Encoding } from '../../lib/v1/protobuf';
import type { SlicedEncodingFigures } from '../../lib/v1/sliced-protobuf';
import { StreamedProtobuf } from '../../lib/v1/streamed-protobuf';
import type { Authorizer } from '../../lib/acls';
import type { Logger } from '../../lib/logging';
import type { TaskStatus } from '../../lib/protocol';
import { SEE_ALL, type StateViewer } from '../../lib/state-json';
import { v1VersionInfo } from '../../lib/version';
import type { ConversionKind, ResizeRequest } from './reservations';
import { parseOperatorCall, type LoggingLevelCall, type OperatorCall, type QuotaConfig } from '../../lib/v1/operator';
import { byNameList, clientOf, type V1Json } from '../../lib/v1/json';
import {
  v1Events, v1GetMaster, v1GetQuota, v1GetWeights, v1ViewableAgent, v1ViewableFrameworkResources, type V1Context,
} from './v1-operator-json';
import type { AgentRecord, FrameworkRecord, TrackedTask } from './state';
import { DEFAULT_METRICS_TIMEOUT_MS } from '../../lib/metrics';
import type { V1StatePart } from './state-fragments';
import type { DrainRequest } from './drain';
import type { MaintenanceOperations } from './maintenance';

/** Mesos' interval between an operator stream's HEARTBEAT events (`DEFAULT_HEARTBEAT_INTERVAL`, 15 s). */
export const DEFAULT_OPERATOR_HEARTBEAT_INTERVAL_MS = 15_000;

/** Most operator event streams open at once; a new one past it ends the oldest (Mesos' `--max_operator_event_stream_subscribers` default). */
export const MAX_OPERATOR_SUBSCRIBERS = 1_000;

/**
 * Event streams one client (an IPv4 address or IPv6 /64) may hold open without credentials; more
 * are answered 429 (ours: otherwise one client could end everyone's streams, and hold
 * `MAX_OPERATOR_SUBSCRIBERS` × the stream buffer in the master).
 */
export const MAX_OPERATOR_SUBSCRIBERS_PER_CLIENT = 16;

/** Longest body (JSON or protobuf) of an operator call. */
export const MAX_OPERATOR_CALL_BYTES = 1024 * 1024;

/** A change of the master's books, as its `onEvent` hook tells it (in the master's mailbox). */
export type MasterEvent =
  | { readonly type: 'TASK_ADDED'; readonly task: TrackedTask }
  | { readonly type: 'TASK_UPDATED'; readonly task: TrackedTask; readonly status: TaskStatus }
  | { readonly type: 'FRAMEWORK_ADDED' | 'FRAMEWORK_UPDATED' | 'FRAMEWORK_REMOVED'; readonly framework: FrameworkRecord }
  | { readonly type: 'AGENT_ADDED'; readonly agent: AgentRecord }
  | { readonly type: 'AGENT_REMOVED'; readonly agentId: string };

/** What the operator API needs of the master it runs in (all called in the master's mailbox). */
export interface OperatorPort {
  readonly authentication: HttpAuthentication;
  readonly authorizer: Authorizer;
  readonly log: Logger;
  /** Whether the master may still say it leads. */
  leading(): boolean;
  /** The books as `caller` may view them (everything with no ACLs). */
  context(caller: HttpCaller | undefined): V1Context;
  /**
   * GET_STATE's answer for `caller`, rendered without holding the master's mailbox long and
   * shared with identical requests under way (`/master/state`'s way).
   */
  getState(caller: HttpCaller): Promise<HttpResponse>;
  /** The answer to `call` (GET_AGENTS, GET_FRAMEWORKS, GET_EXECUTORS, GET_TASKS: one of GET_STATE's parts) for `caller`, rendered as GET_STATE's is. */
  getStatePart(caller: HttpCaller, call: V1StatePart): Promise<HttpResponse>;
  /**
   * SUBSCRIBED with the state `caller` may view (and `heartbeatIntervalSeconds`), rendered as
   * GET_STATE is, in turns: `joined` is called in the turn the state is of (from then on the
   * subscriber hears every event), and the answer's body is then the event's JSON (`TextParts`),
   * complete once the promise settles. Shared by the streams of one principal subscribing
   * before that turn: each is told it (`joined`) in that turn.
   */
  subscribedState(caller: HttpCaller, heartbeatIntervalSeconds: number, joined: () => void): Promise<HttpResponse>;
  /** GET_ROLES' answer for `caller`, from the roles' breakdowns `/master/roles` keeps (brought up to date in turns). */
  getRoles(caller: HttpCaller): Promise<HttpResponse>;
  /** GET_OPERATIONS' answer for `caller` (`v1GetOperations`): the operations with feedback the master holds that it may see. */
  operations(caller: HttpCaller): V1Json;
  /** The master's flags as Mesos prints them (name → value). */
  flags(): Record<string, string>;
  /** Every metric of the host that answered within `timeoutMs` (the metrics actor's snapshot). */
  metrics(timeoutMs: number): Promise<Record<string, number>>;
  /** A timer in the master's mailbox. */
  delay(ms: number, callback: () => void): Timer;
  /** Runs `callback` later in the master's mailbox (from another actor's). */
  later(callback: () => void): void;
  /** `PUT /master/weights` with these weights, by `caller` (whose principal the ACLs' `update_weights` are checked for). */
  updateWeights(caller: HttpCaller, request: HttpRequest, weights: ReadonlyArray<{ role: string; weight: number }>): HttpResponse | Promise<HttpResponse>;
  /** Sets (or, empty, removes) each role's quota, as `POST /master/quota` does: registry first, then the allocator. */
  updateQuota(caller: HttpCaller, configs: readonly QuotaConfig[], force: boolean): HttpResponse | Promise<HttpResponse>;
  /** SET_QUOTA: `POST /master/quota` with this `QuotaRequest` (Mesos' legacy call: guarantees, limits equal to them). */
  setQuota(caller: HttpCaller, request: unknown): HttpResponse | Promise<HttpResponse>;
  /** REMOVE_QUOTA: `DELETE /master/quota/<role>`. */
  removeQuota(caller: HttpCaller, role: string): HttpResponse | Promise<HttpResponse>;
  /** `POST /master/teardown` of `frameworkId`, by `caller`. */
  teardown(caller: HttpCaller, frameworkId: string): HttpResponse;
  /** Removes agent `agentId` for good: its tasks are gone, it is shut down. */
  markAgentGone(caller: HttpCaller, agentId: string): HttpResponse | Promise<HttpResponse>;
  /** GET_LOGGING_LEVEL / SET_LOGGING_LEVEL of the master's process (`v1LoggingLevel`), by `caller`. */
  loggingLevel(caller: HttpCaller, call: LoggingLevelCall): HttpResponse | Promise<HttpResponse>;
  /** DRAIN_AGENT (drain.ts): the agent deactivated and told to drain, DRAINED once nothing is left on it. */
  drainAgent(caller: HttpCaller, request: DrainRequest): HttpResponse | Promise<HttpResponse>;
  /** DEACTIVATE_AGENT (drain.ts): the agent's resources are offered no more; its tasks run on. */
  deactivateAgent(caller: HttpCaller, agentId: string): HttpResponse | Promise<HttpResponse>;
  /** REACTIVATE_AGENT (drain.ts): a deactivated (or DRAINED) agent is offered again. */
  reactivateAgent(caller: HttpCaller, agentId: string): HttpResponse | Promise<HttpResponse>;
  /** `POST /master/reserve` (RESERVE) or `/master/unreserve` of Mesos JSON `resources` on `agentId`, by `caller`. */
  convertResources(caller: HttpCaller, kind: ConversionKind, agentId: string, resources: unknown[]): HttpResponse | Promise<HttpResponse>;
  /** GROW_VOLUME or SHRINK_VOLUME of a volume on `agentId`, by `caller` (as `convertResources`: 202, 400, 403 or 409). */
  resizeVolume(caller: HttpCaller, agentId: string, request: ResizeRequest): HttpResponse | Promise<HttpResponse>;
  /** The maintenance schedule and machines (actors/master/maintenance.ts), as the `/master/maintenance/...` and `/master/machine/...` endpoints. */
  readonly maintenance: MaintenanceOperations;
}

/** The operator API's limits (the master's flags). */
export interface OperatorLimits {
  /** Between HEARTBEAT events; default `DEFAULT_OPERATOR_HEARTBEAT_INTERVAL_MS`. */
  readonly heartbeatIntervalMs?: number;
  /** Event streams open at once; default `MAX_OPERATOR_SUBSCRIBERS`. */
  readonly maxSubscribers?: number;
}

/** One open event stream. */
interface OperatorSubscriber {
  readonly stream: HttpStream;
  /** How its events are written (RecordIO of JSON, or of serialized `mesos.v1.master.Event`s). */
  readonly encoding: V1Encoding;
  /** The client of a stream opened without credentials (`MAX_OPERATOR_SUBSCRIBERS_PER_CLIENT`). */
  readonly client?: string;
  /** What its caller may view (events of frameworks it may not view are not sent). */
  readonly viewer: StateViewer;
  heartbeat: Timer | undefined;
  /** Whether its SUBSCRIBED state has been taken (the turn it is of has run): it hears the events from then on. */
  joined: boolean;
  /** Events (RecordIO records) waiting for SUBSCRIBED to be written before them; undefined once it is. */
  backlog: Array<string | Buffer> | undefined;
  /** Characters (bytes, of protobuf records) in `backlog` (`MAX_OPERATOR_BACKLOG_CHARS`). */
  backlogChars: number;
  /** Whether SUBSCRIBED is partly written: a stream ended now is cut off instead (its client must not take half a record for an end). */
  partial: boolean;
}

/**
 * Characters of events an operator stream may have waiting while its SUBSCRIBED is written (a
 * large state to a slow client); past it the stream is cut off, as a stream whose client does
 * not read is (`MAX_STREAM_BUFFERED_BYTES`).
 */
export const MAX_OPERATOR_BACKLOG_CHARS = 16 * 1024 * 1024;

/**
 * Characters of SUBSCRIBED's state counted (for its RecordIO length) or written per turn of the
 * event loop: a 100k-agent state is ~180 MB, counted and written over many turns, with the
 * master's messages handled between them.
 */
export const SUBSCRIBED_SLICE_CHARS = 1024 * 1024;

/**
 * Characters of a large answer's JSON (GET_STATE and its parts, SUBSCRIBED) encoded as protobuf
 * per turn of the event loop. Encoding costs more than writing (the transcoder ~22 ms per million
 * characters, `bench:v1-codec`'s `state_answer`; protobufjs, which did it until 2026-12-07, ~50),
 * and a collection falling in a step lengthens it: at the host's JSON write slice
 * (`TEXT_PARTS_CHUNK_CHARS`, 256 Ki) the longest step of a 10k-agent GET_STATE was 44 ms with
 * protobufjs on a quiet machine (`bench:scale`'s `v1_state_protobuf_block_ms`), past issue 13's
 * 20 ms; a quarter of it keeps each step's work a quarter.
 */
export const PROTOBUF_ENCODED_CHARS_PER_TURN = TEXT_PARTS_CHUNK_CHARS / 4;

/**
 * Wall time a turn of that encoding may take at most (it ends at the first value that ends past
 * it). The characters bound a turn's work; this bounds what makes a character slow: the first
 * encoding of a process runs code V8 has not yet optimized (the longest step of a 10k-agent
 * GET_STATE, the first of the process, took 26.5 ms in `bench:scale`, and ~2 ms once warm), and a
 * collection falling in a step lengthens it. Half of issue 13's 20 ms.
 */
export const PROTOBUF_ENCODING_TURN_MS = 10;

/** What the protobuf encodings over turns did since the figures were last read (`OperatorApi.encodingFigures`). */
export interface OperatorEncodingFigures extends SlicedEncodingFigures {
  /** Passes over an answer's text finished: a GET_STATE in protobuf makes two (its sizing, and a run of its writing for the requests that reached it together), a SUBSCRIBED one. */
  readonly encodings: number;
}

/** The conversion each operator call of one makes. */
const CONVERSION_OF_CALL = { RESERVE_RESOURCES: 'RESERVE', UNRESERVE_RESOURCES: 'UNRESERVE', CREATE_VOLUMES: 'CREATE', DESTROY_VOLUMES: 'DESTROY' } as const;

/** The calls that change the cluster: they need read-write credentials (`--authenticate_http_readwrite`). */
const WRITE_CALLS: ReadonlySet<OperatorCall['type']> = new Set([
  'UPDATE_WEIGHTS', 'UPDATE_QUOTA', 'SET_QUOTA', 'REMOVE_QUOTA', 'TEARDOWN', 'MARK_AGENT_GONE', 'RESERVE_RESOURCES', 'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME',
  'DRAIN_AGENT', 'DEACTIVATE_AGENT', 'REACTIVATE_AGENT', 'SET_LOGGING_LEVEL',
  'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE', 'STOP_MAINTENANCE',
]);

/** Serves `/api/v1` from inside the master's mailbox; see the file's comment. */
export class OperatorApi {
  /** The open event streams. */
  private readonly subscribers = new Set<OperatorSubscriber>();
  /** See `OperatorLimits`. */
  private readonly heartbeatIntervalMs: number;
  private readonly maxSubscribers: number;
  /**
   * Each large JSON answer's protobuf encoding, by its body: the requests that share a rendering
   * (`OperatorPort.getState`) share its encoding too (`StreamedProtobuf`: its first pass, and
   * each run of its second for the requests that reach it in the same turn).
   */
  private readonly encodings = new WeakMap<TextParts, StreamedProtobuf>();
  /** See `encodingFigures`. */
  private figures: OperatorEncodingFigures = NO_ENCODINGS;

  constructor(private readonly port: OperatorPort, limits: OperatorLimits = {}) {
    this.heartbeatIntervalMs = limits.heartbeatIntervalMs ?? DEFAULT_OPERATOR_HEARTBEAT_INTERVAL_MS;
    this.maxSubscribers = limits.maxSubscribers ?? MAX_OPERATOR_SUBSCRIBERS;
  }

  /**
   * Ends every event stream (the master stopping): as `drop` does, one with SUBSCRIBED half
   * written cut off, so its client sees a failure, not an end after half a record (the host
   * would end each stream as it is).
   */
  close(): void {
    for (const subscriber of [...this.subscribers]) this.drop(subscriber);
  }

  /** Event streams open now (`master/operator_event_stream_subscribers`). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * What the protobuf encodings over turns did since the figures were last read (read, they
   * start again from nothing). For tests and the scale benchmark.
   */
  encodingFigures(): OperatorEncodingFigures {
    const figures = this.figures;
    this.figures = NO_ENCODINGS;
    return figures;
  }

  /**
   * Answers one request to `/api/v1` (Mesos' `Master::Http::api`), its checks in Mesos' order:
   * credentials (401: libprocess authenticates before the handler, a GET too), a master that
   * cannot say it leads (503), the method (405), `Content-Type` (JSON or protobuf; 400 without,
   * 415 for another), the call (400 if it cannot be read or is not valid), then `Accept` (JSON or
   * protobuf; 406 if it allows neither), and last the read-write credentials of a write call.
   */
  serve(request: HttpRequest): HttpResponse | Promise<HttpResponse> {
    // The least any call needs (with `--authenticate_http_readwrite`, everything: Mesos serves `/api/v1` in its read-write realm).
    const reader = authenticateRequest(request, 'readonly', this.port.authentication);
    if (isResponse(reader)) return reader;
    if (!this.port.leading()) return { status: 503, body: 'this master cannot confirm that it still leads\n' };
    const refused = v1RequestError(request, MAX_OPERATOR_CALL_BYTES, 'this master speaks the v1 operator API', true);
    if (refused !== undefined) return refused;
    const body = v1RequestCall(request, 'master');
    if (!('json' in body)) return body;
    const parsed = parseOperatorCall(body.json);
    if (!parsed.ok) return parsed.unserved === true ? { status: 501, body: parsed.error } : badRequest(`Failed to validate master::Call: ${parsed.error}`);
    const call = parsed.call;
    const encoding = streamEncoding(request);
    if (typeof encoding !== 'string') return encoding;
    const caller = WRITE_CALLS.has(call.type) ? authenticateRequest(request, 'readwrite', this.port.authentication) : reader;
    if (isResponse(caller)) return caller;
    if (call.type === 'SUBSCRIBE') return this.subscribe(caller, caller.principal === undefined ? clientOf(request.remoteAddress) : undefined, encoding);
    const response = this.run(call, caller, request);
    if (encoding === 'json') return response;
    return response instanceof Promise ? response.then((answered) => this.inProtobuf(answered)) : this.inProtobuf(response);
  }

  /**
   * A 200 answer with a `Response` body (its JSON, or its JSON text in pieces) as the protobuf
   * `mesos.v1.master.Response`; any other answer (an error in words, a write call's empty 200)
   * as it is. A body in pieces is encoded over turns as it is written (`StreamedProtobuf`), once
   * for all the requests sharing it.
   */
  private inProtobuf(response: HttpResponse): HttpResponse | Promise<HttpResponse> {
    const body = response.body;
    if (response.status !== 200 || body === undefined || typeof body === 'string' || Buffer.isBuffer(body) || body instanceof StreamedBinary) return response;
    const headers = { ...(response.headers ?? {}), 'content-type': APPLICATION_PROTOBUF };
    if (!(body instanceof TextParts)) return { ...response, headers, body: Buffer.from(v1ResponseBytes('master', body as V1Json)) };
    let encoding = this.encodings.get(body);
    if (encoding === undefined) {
      encoding = new StreamedProtobuf(v1FieldwiseMessageType('master', 'response'), body.parts, {
        charsPerTurn: PROTOBUF_ENCODED_CHARS_PER_TURN, turnMs: PROTOBUF_ENCODING_TURN_MS, onFigures: (figures) => this.noteEncoding(figures),
      });
      this.encodings.set(body, encoding);
    }
    const streamed = encoding;
    return streamed.measure().then(
      (length): HttpResponse => ({ ...response, headers, body: new StreamedBinary(APPLICATION_PROTOBUF, length, (sink) => streamed.attach(sink)) }),
      (): HttpResponse => ({ status: 500, body: 'the answer could not be encoded' }),
    );
  }

  /** Adds a finished encoding's figures to `encodingFigures`'. */
  private noteEncoding(figures: SlicedEncodingFigures | undefined): void {
    if (figures === undefined) return;
    const sum = this.figures;
    // The longest step's three figures come from one encoding.
    const longest = figures.longestTurnMs > sum.longestTurnMs ? figures : sum;
    this.figures = {
      encodings: sum.encodings + 1,
      turns: sum.turns + figures.turns,
      chars: sum.chars + figures.chars,
      mostCharsInATurn: Math.max(sum.mostCharsInATurn, figures.mostCharsInATurn),
      codecValues: sum.codecValues + figures.codecValues,
      longestTurnMs: longest.longestTurnMs,
      longestTurnCpuMs: longest.longestTurnCpuMs,
      longestTurnAt: longest.longestTurnAt,
    };
  }

  /**
   * Tells the subscribers of a change of the books (the master's `onEvent` hook); those whose
   * state is not yet taken hear it in that state. The event is rendered once, and again for a
   * subscriber who may not view a role its resources are reserved for or allocated to
   * (`viewedBy`).
   */
  observe(event: MasterEvent): void {
    if (this.subscribers.size === 0) return;
    let rendered: V1Json | undefined;
    const records: { json?: string | Buffer; protobuf?: string | Buffer } = {};
    let user: string | undefined;
    for (const subscriber of this.subscribers) {
      if (!subscriber.joined) continue;
      if (rendered === undefined) {
        rendered = this.render(event);
        user = this.userOf(event);
      }
      if (!visible(event, user, subscriber.viewer)) continue;
      const own = this.viewedBy(event, rendered, subscriber.viewer);
      const { encoding } = subscriber;
      this.write(subscriber, own !== undefined ? v1EventRecord('master', own, encoding) : (records[encoding] ??= v1EventRecord('master', rendered, encoding)));
    }
  }

  /**
   * `rendered` (`event`'s JSON) as `viewer` may view it, when that differs (else undefined): as
   * Mesos' subscribers, AGENT_ADDED without the resources reserved for roles it may not view
   * (and, our choice, without those allocated or offered to such roles, as GET_AGENTS),
   * FRAMEWORK_ADDED and FRAMEWORK_UPDATED without the allocated and offered resources of such
   * roles (the ACLs' `view_roles`).
   */
  private viewedBy(event: MasterEvent, rendered: V1Json, viewer: StateViewer): V1Json | undefined {
    if (viewer === SEE_ALL) return undefined;
    if (event.type === 'AGENT_ADDED') {
      const agent = (rendered.agent_added as { agent: V1Json }).agent;
      const own = v1ViewableAgent(agent, viewer);
      return own === agent ? undefined : { type: event.type, agent_added: { agent: own } };
    }
    if (event.type !== 'FRAMEWORK_ADDED' && event.type !== 'FRAMEWORK_UPDATED') return undefined;
    const key = event.type === 'FRAMEWORK_ADDED' ? 'framework_added' : 'framework_updated';
    const framework = (rendered[key] as { framework: V1Json }).framework;
    const viewable = v1ViewableFrameworkResources(framework, viewer);
    let changed = false;
    const own: V1Json = { ...framework };
    for (const [field, resources] of [['allocated_resources', viewable.allocated], ['offered_resources', viewable.offered]] as const) {
      const shown = (framework[field] as V1Json[] | undefined) ?? [];
      if (resources.length === shown.length) continue;
      changed = true;
      if (resources.length > 0) own[field] = resources;
      else delete own[field];
    }
    return changed ? { type: event.type, [key]: { framework: own } } : undefined;
  }

  private run(call: OperatorCall, caller: HttpCaller, request: HttpRequest): HttpResponse | Promise<HttpResponse> {
    switch (call.type) {
      case 'GET_HEALTH':
        return answer('GET_HEALTH', 'get_health', { healthy: true });
      case 'GET_FLAGS':
        {
          const denied = this.port.authorizer.denial('view_flags', caller.principal);
          if (denied !== undefined) return { status: 403, body: `Forbidden: ${denied}` };
        }
        // By name, as Mesos evolves its JSON::Object of them (a std::map: byte order).
        return answer('GET_FLAGS', 'get_flags', { flags: byNameList(this.port.flags()) });
      case 'GET_VERSION': {
        return answer('GET_VERSION', 'get_version', { version_info: v1VersionInfo() });
      }
      case 'GET_METRICS':
        // Without a timeout Mesos waits for every metric, however long; here at most DEFAULT_METRICS_TIMEOUT_MS, as /metrics/snapshot.
        return this.metrics(call.timeoutMs ?? DEFAULT_METRICS_TIMEOUT_MS);
      case 'GET_STATE':
        return this.port.getState(caller);
      case 'GET_AGENTS':
      case 'GET_FRAMEWORKS':
      case 'GET_EXECUTORS':
      case 'GET_TASKS':
        return this.port.getStatePart(caller, call.type);
      case 'GET_ROLES':
        return this.port.getRoles(caller);
      case 'GET_OPERATIONS':
        return answer('GET_OPERATIONS', 'get_operations', this.port.operations(caller));
      case 'GET_WEIGHTS':
        return answer('GET_WEIGHTS', 'get_weights', v1GetWeights(this.port.context(caller)));
      case 'GET_QUOTA':
        return answer('GET_QUOTA', 'get_quota', v1GetQuota(this.port.context(caller), (role) => this.port.authorizer.authorized('get_quotas', caller.principal, role)));
      case 'GET_MASTER': {
        const context = this.port.context(caller);
        return answer('GET_MASTER', 'get_master', v1GetMaster(context.info, context.startTimeMs, context.electedTimeMs));
      }
      case 'LIST_FILES':
      case 'READ_FILE':
        // Mesos' master serves its log directory only (`--log_dir`); this one logs to stdout and has none.
        return { status: 404, body: `'${boundedPath(call.path)}' not found: this master serves no files (Mesos attaches '/master/log' only with --log_dir; this master logs to its standard output)` };
      case 'UPDATE_WEIGHTS':
        return textual(this.port.updateWeights(caller, request, call.weights));
      case 'UPDATE_QUOTA':
        return textual(this.port.updateQuota(caller, call.configs, call.force));
      case 'SET_QUOTA':
        return textual(this.port.setQuota(caller, call.quotaRequest));
      case 'REMOVE_QUOTA':
        return textual(this.port.removeQuota(caller, call.role));
      case 'TEARDOWN':
        return textual(this.port.teardown(caller, call.frameworkId));
      case 'MARK_AGENT_GONE':
        return textual(this.port.markAgentGone(caller, call.agentId));
      case 'GET_LOGGING_LEVEL':
      case 'SET_LOGGING_LEVEL':
        return this.port.loggingLevel(caller, call);
      case 'DRAIN_AGENT':
        return textual(this.port.drainAgent(caller, { agentId: call.agentId, markGone: call.markGone, ...(call.maxGracePeriodNs !== undefined ? { maxGracePeriodNs: call.maxGracePeriodNs } : {}) }));
      case 'DEACTIVATE_AGENT':
        return textual(this.port.deactivateAgent(caller, call.agentId));
      case 'REACTIVATE_AGENT':
        return textual(this.port.reactivateAgent(caller, call.agentId));
      case 'RESERVE_RESOURCES':
      case 'UNRESERVE_RESOURCES':
      case 'CREATE_VOLUMES':
      case 'DESTROY_VOLUMES':
        return textual(this.port.convertResources(caller, CONVERSION_OF_CALL[call.type], call.agentId, call.resources));
      case 'GROW_VOLUME':
        return textual(this.port.resizeVolume(caller, call.agentId, { kind: 'GROW_VOLUME', volume: call.volume, addition: call.addition }));
      case 'SHRINK_VOLUME':
        return textual(this.port.resizeVolume(caller, call.agentId, { kind: 'SHRINK_VOLUME', volume: call.volume, subtract: call.subtract }));
      case 'GET_MAINTENANCE_SCHEDULE':
        return answer('GET_MAINTENANCE_SCHEDULE', 'get_maintenance_schedule', { schedule: this.port.maintenance.schedule(caller) });
      case 'GET_MAINTENANCE_STATUS':
        return answer('GET_MAINTENANCE_STATUS', 'get_maintenance_status', { status: this.port.maintenance.status(caller) });
      case 'UPDATE_MAINTENANCE_SCHEDULE':
        return textual(this.port.maintenance.updateSchedule(caller, call.schedule));
      case 'START_MAINTENANCE':
        return textual(this.port.maintenance.startMaintenance(caller, call.machineIds));
      case 'STOP_MAINTENANCE':
        return textual(this.port.maintenance.stopMaintenance(caller, call.machineIds));
      case 'SUBSCRIBE':
        // Answered by `serve`, which knows the stream's encoding.
        throw new Error('SUBSCRIBE is served by serve()');
    }
  }

  private subscribe(caller: HttpCaller, client: string | undefined, encoding: V1Encoding): HttpResponse {
    if (client !== undefined && [...this.subscribers].filter((other) => other.client === client).length >= MAX_OPERATOR_SUBSCRIBERS_PER_CLIENT) {
      return { status: 429, body: `too many operator event streams from ${client} without credentials (at most ${MAX_OPERATOR_SUBSCRIBERS_PER_CLIENT})` };
    }
    // As Mesos' bounded map of subscribers: the oldest stream makes room (sets iterate in insertion order).
    const oldest = this.subscribers.size >= this.maxSubscribers ? this.subscribers.values().next().value : undefined;
    if (oldest !== undefined) {
      this.port.log.warn({ maxSubscribers: this.maxSubscribers }, 'operator event stream limit reached: ending the oldest stream');
      this.drop(oldest);
    }
    const context = this.port.context(caller);
    const subscriber: OperatorSubscriber = {
      // Its close is told in the API actor's mailbox (it answered the request); the books are the master's.
      stream: new HttpStream(() => this.port.later(() => this.drop(subscriber))),
      encoding,
      // No viewer in the context: no ACLs, everything is viewable (and no event is rendered again per subscriber).
      viewer: context.viewer ?? SEE_ALL,
      heartbeat: undefined,
      joined: false,
      backlog: [],
      backlogChars: 0,
      partial: false,
      ...(client !== undefined ? { client } : {}),
    };
    this.subscribers.add(subscriber);
    this.port.log.info({ principal: caller.principal, subscribers: this.subscribers.size }, 'operator event stream subscribed');
    // SUBSCRIBED carries the whole state: rendered in turns as GET_STATE is (made at once, it held
    // the master's mailbox ~280 ms at 10k agents with their offers, seconds at 100k). The
    // subscriber hears the events from the turn its state is of; they wait behind SUBSCRIBED.
    this.port.subscribedState(caller, this.heartbeatIntervalMs / 1000, () => {
      // Gone while its state was rendered: nothing to join.
      if (!this.subscribers.has(subscriber)) return;
      subscriber.joined = true;
      // As Mesos' subscribe: a HEARTBEAT right behind SUBSCRIBED, before any event; then one an interval.
      this.write(subscriber, v1EventRecord('master', v1Events.heartbeat(), subscriber.encoding));
      this.scheduleHeartbeat(subscriber);
    }).then((response) => this.sendSubscribed(subscriber, response)).catch((error: unknown) => {
      // The master stopped (it stepped down, or its process ends) while SUBSCRIBED was put
      // together: expected at a failover, not an error (chaos --operator-view, seed 2700028).
      if (error instanceof ActorGone) this.port.log.info({ error: error.message }, 'operator event stream: the master stopped while SUBSCRIBED was rendered; ending the stream');
      else this.port.log.error({ error: error instanceof Error ? error.message : String(error) }, 'operator event stream: SUBSCRIBED could not be rendered or written; ending the stream');
      this.port.later(() => this.drop(subscriber));
    });
    return { status: 200, headers: { 'content-type': mediaTypeOf(encoding) }, stream: subscriber.stream };
  }

  /**
   * Writes SUBSCRIBED (`response`'s body: its JSON as pieces) as one RecordIO record in the
   * stream's encoding, counting its bytes (or encoding it) and writing it a slice per turn of the
   * event loop (`SUBSCRIBED_SLICE_CHARS`), each write once the client took the one before; then
   * the events that came meanwhile. A stream
   * that closed meanwhile is left; a rendering that did not answer 200 (the master stopped
   * leading) ends the stream.
   */
  private async sendSubscribed(subscriber: OperatorSubscriber, response: HttpResponse): Promise<void> {
    const { stream } = subscriber;
    if (response.status !== 200 || !(response.body instanceof TextParts)) {
      this.port.log.warn({ status: response.status }, 'operator event stream: no SUBSCRIBED state (the master may no longer lead); ending the stream');
      this.port.later(() => this.drop(subscriber));
      return;
    }
    if (subscriber.encoding === 'protobuf') {
      if (!(await this.writeProtobufSubscribed(subscriber, response.body))) return;
    } else {
      const record = await this.jsonSubscribed(subscriber, response.body);
      if (record === undefined || !(await this.writeRecord(subscriber, record))) return;
    }
    // The events that came meanwhile, as the client takes them (more may come while it does).
    for (let records = subscriber.backlog ?? []; records.length > 0; records = subscriber.backlog ?? []) {
      subscriber.backlog = [];
      subscriber.backlogChars = 0;
      let written = 0;
      for (const record of records) {
        if (!stream.write(record)) return;
        written += record.length;
        if (written >= SUBSCRIBED_SLICE_CHARS) {
          written = 0;
          await stream.drained();
          if (this.gone(subscriber)) return;
        }
      }
      await stream.drained();
      if (this.gone(subscriber)) return;
    }
    subscriber.backlog = undefined;
    subscriber.backlogChars = 0;
  }

  /** SUBSCRIBED's RecordIO record in JSON: its length in bytes, counted a slice per turn, and its text; undefined if the stream went meanwhile. */
  private async jsonSubscribed(subscriber: OperatorSubscriber, body: TextParts): Promise<ReadonlyArray<string> | undefined> {
    let bytes = 0;
    let slice = 0;
    for (const part of body.parts) {
      bytes += Buffer.byteLength(part);
      slice += part.length;
      if (slice >= SUBSCRIBED_SLICE_CHARS) {
        slice = 0;
        await nextTurn();
        if (this.gone(subscriber)) return undefined;
      }
    }
    return [`${bytes}\n`, ...body.parts];
  }

  /**
   * Writes SUBSCRIBED's RecordIO record in protobuf: its JSON as a `mesos.v1.master.Event`, its
   * length found by a first pass over turns (`StreamedProtobuf`), then its bytes as they are
   * encoded, each step's once the client took the one before. False if the stream went meanwhile
   * (cut off, not ended, if the record was begun).
   */
  private async writeProtobufSubscribed(subscriber: OperatorSubscriber, body: TextParts): Promise<boolean> {
    const { stream } = subscriber;
    const encoding = new StreamedProtobuf(v1FieldwiseMessageType('master', 'event'), body.parts, {
      charsPerTurn: PROTOBUF_ENCODED_CHARS_PER_TURN, turnMs: PROTOBUF_ENCODING_TURN_MS, onFigures: (figures) => this.noteEncoding(figures),
    });
    const length = await encoding.measure();
    if (this.gone(subscriber)) return false;
    subscriber.partial = true;
    if (!stream.write(Buffer.from(`${length}\n`))) return false;
    const written = await new Promise<boolean>((resolve) => encoding.attach({
      write: (bytes, done) => {
        stream.writeReleased(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), done);
      },
      end: () => resolve(true),
      destroy: () => {
        stream.abort();
        resolve(false);
      },
      isGone: () => this.gone(subscriber),
    }));
    if (written) subscriber.partial = false;
    return written;
  }

  /**
   * Writes SUBSCRIBED's record (`pieces`) a slice per turn (`SUBSCRIBED_SLICE_CHARS`), each once
   * the client took the one before; false if the stream went meanwhile. Partly written, the
   * stream is cut off, not ended, if it is dropped (`partial`).
   */
  private async writeRecord(subscriber: OperatorSubscriber, pieces: ReadonlyArray<string>): Promise<boolean> {
    const { stream } = subscriber;
    let chunk: string[] = [];
    let length = 0;
    subscriber.partial = true;
    for (const piece of pieces) {
      chunk.push(piece);
      length += piece.length;
      if (length >= SUBSCRIBED_SLICE_CHARS) {
        if (!stream.write(chunk.join(''))) return false;
        chunk = [];
        length = 0;
        await stream.drained();
        await nextTurn();
        if (this.gone(subscriber)) return false;
      }
    }
    if (!stream.write(chunk.join(''))) return false;
    subscriber.partial = false;
    return true;
  }

  /**
   * Whether a stream being written over turns is to be left: closed, or dropped because the
   * master can no longer confirm that it leads (a master paused past its ZooKeeper session: the
   * rest of SUBSCRIBED and the events behind it are not written).
   */
  private gone(subscriber: OperatorSubscriber): boolean {
    return subscriber.stream.closed || this.deposed(subscriber);
  }

  /** Drops `subscriber` if the master cannot confirm that it still leads (it then speaks for no cluster); true if dropped. */
  private deposed(subscriber: OperatorSubscriber): boolean {
    if (this.port.leading()) return false;
    this.drop(subscriber);
    return true;
  }

  private scheduleHeartbeat(subscriber: OperatorSubscriber): void {
    subscriber.heartbeat = this.port.delay(this.heartbeatIntervalMs, () => {
      if (!this.subscribers.has(subscriber)) return;
      this.write(subscriber, v1EventRecord('master', v1Events.heartbeat(), subscriber.encoding));
      this.scheduleHeartbeat(subscriber);
    });
  }

  private drop(subscriber: OperatorSubscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    subscriber.heartbeat?.cancel();
    // Half of SUBSCRIBED written: cut off, so the client sees a failure, not an end after half a record.
    if (subscriber.partial) subscriber.stream.abort();
    else subscriber.stream.end();
    this.port.log.info({ subscribers: this.subscribers.size }, 'operator event stream closed');
  }

  private write(subscriber: OperatorSubscriber, record: string | Buffer): void {
    if (subscriber.backlog !== undefined) {
      subscriber.backlog.push(record);
      subscriber.backlogChars += record.length;
      if (subscriber.backlogChars > MAX_OPERATOR_BACKLOG_CHARS) {
        this.port.log.warn({ backlogChars: subscriber.backlogChars }, 'operator event stream: too many events waiting behind SUBSCRIBED (the client reads it too slowly); cutting it off');
        subscriber.backlog = [];
        subscriber.backlogChars = 0;
        subscriber.stream.abort();
      }
      return;
    }
    // A master paused past its ZooKeeper session: its streams end, and their clients subscribe again at the leader.
    if (this.deposed(subscriber)) return;
    // A stream cut off (its client gone or too slow) is dropped when its close is told.
    subscriber.stream.write(record);
  }

  private render(event: MasterEvent): V1Json {
    const context = this.port.context(undefined);
    switch (event.type) {
      case 'TASK_ADDED':
        return v1Events.taskAdded(event.task.task);
      case 'TASK_UPDATED':
        return v1Events.taskUpdated(event.task.task, event.status);
      case 'FRAMEWORK_ADDED':
        return v1Events.frameworkAdded(context, event.framework);
      case 'FRAMEWORK_UPDATED':
        return v1Events.frameworkUpdated(context, event.framework);
      case 'FRAMEWORK_REMOVED':
        return v1Events.frameworkRemoved(event.framework);
      case 'AGENT_ADDED':
        return v1Events.agentAdded(context.state, event.agent);
      case 'AGENT_REMOVED':
        return v1Events.agentRemoved(event.agentId);
    }
  }

  /** The OS user of the framework an event is about (what the ACLs' view_* rules name); undefined for agent events. */
  private userOf(event: MasterEvent): string | undefined {
    switch (event.type) {
      case 'TASK_ADDED':
      case 'TASK_UPDATED':
        return this.port.context(undefined).state.frameworks.get(event.task.task.frameworkId)?.info.user;
      case 'FRAMEWORK_ADDED':
      case 'FRAMEWORK_UPDATED':
      case 'FRAMEWORK_REMOVED':
        return event.framework.info.user;
      case 'AGENT_ADDED':
      case 'AGENT_REMOVED':
        return undefined;
    }
  }

  /**
   * GET_METRICS: as Mesos' `getMetrics`, the metrics that answered within `timeoutMs`, those of a
   * component that did not left out (the metrics actor's timer bounds the wait).
   */
  private async metrics(timeoutMs: number): Promise<HttpResponse> {
    let snapshot: Record<string, number>;
    try {
      snapshot = await this.port.metrics(timeoutMs);
    } catch (error) {
      return { status: 500, body: `the metrics could not be read: ${(error as Error).message}` };
    }
    const metrics = byNameList(snapshot);
    // Mesos writes this answer's JSON itself (`jsonifyGetMetrics`), the list always, `[]` when empty.
    return answer('GET_METRICS', 'get_metrics', { metrics });
  }
}

/**
 * Whether a subscriber may see `event`: task events by view_frameworks (of the framework's
 * `user`) and view_tasks (of the user the task runs as: its own, else its framework's), framework
 * events by view_frameworks; agent events always.
 */
function visible(event: MasterEvent, user: string | undefined, viewer: StateViewer): boolean {
  if (event.type === 'AGENT_ADDED' || event.type === 'AGENT_REMOVED') return true;
  if (user === undefined) return false;
  if (event.type === 'TASK_ADDED' || event.type === 'TASK_UPDATED') return viewer.framework(user) && viewer.tasks(event.task.task.user ?? user);
  return viewer.framework(user);
}

/**
 * A write call's answer as Mesos gives it: 200 with an empty body, or the error as plain text
 * (the `/master/...` routes it shares answer `{"error": ...}` JSON).
 */
function textual(response: HttpResponse | Promise<HttpResponse>): HttpResponse | Promise<HttpResponse> {
  const convert = (result: HttpResponse): HttpResponse => {
    if (result.status === 200) return { status: 200, body: '' };
    const body = result.body;
    if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && typeof (body as { error?: unknown }).error === 'string') {
      return { ...result, body: (body as { error: string }).error };
    }
    return result;
  };
  return response instanceof Promise ? response.then(convert) : convert(response);
}

/** Nothing encoded yet (`OperatorApi.encodingFigures`). */
const NO_ENCODINGS: OperatorEncodingFigures = { encodings: 0, turns: 0, chars: 0, mostCharsInATurn: 0, codecValues: 0, longestTurnMs: 0, longestTurnCpuMs: 0, longestTurnAt: 0 };

/** Longest path quoted back in an error. */
const MAX_QUOTED_PATH_CHARS = 256;

function boundedPath(path: string): string {
  return boundedText(path, MAX_QUOTED_PATH_CHARS);
}

