/**
 * Mesos' v1 executor HTTP API: `POST /api/v1/executor` on the agent's host (and
 * `/slave(N)/api/v1/executor`, where Mesos' own executor library posts), so that an executor
 * in any language can run as a custom executor. A SUBSCRIBE answers 200 at once with a chunked
 * RecordIO stream of JSON events (SUBSCRIBED, LAUNCH, LAUNCH_GROUP, KILL, ACKNOWLEDGED, MESSAGE,
 * SHUTDOWN, ERROR, HEARTBEAT); UPDATE and MESSAGE answer 202; HEARTBEAT 202 at once. Every call carries
 * the run's token as `Authorization: Bearer <MESOS_EXECUTOR_AUTHENTICATION_TOKEN>`: without
 * one, 401; with another run's, 403.
 *
 * Each subscribed executor run is served by an `HttpExecutor`: an `Executor` actor on the
 * agent's host that registers with the agent like any actor executor (with the run's token),
 * turns what the agent sends it into v1 events on the stream, and the calls into the agent's
 * messages. So the agent's logic (task delivery, status update streams and their retries,
 * checkpoints, kills, shutdown and its grace period, framework messages) is one for both.
 *
 * A closed stream is a disconnection, not an exit (as in Mesos, whose agent keeps an HTTP
 * executor whose connection broke as it is): the adapter stays, keeps (bounded) what the agent
 * sends meanwhile, and gives it to the executor when it subscribes again (with its
 * unacknowledged updates, which are relayed, and tasks: a task sent to it that it does not list
 * and has not reported on is sent again). It waits `MESOS_RECOVERY_TIMEOUT` for that; the run's
 * end (the process exits) ends it at once.
 */
import { badRequest, headerOf, streamEncoding, v1RequestCall, v1RequestError } from '../../lib/v1/http';
import { mediaTypeOf, v1EventRecord, type V1Encoding } from '../../lib/v1/protobuf';
import { Actor, dispatch, UPID, type Timer } from '../../lib/actor';
import { HttpStream, methodNotAllowed, withRouteOptions, type HttpRequest, type HttpResponse } from '../../lib/process';
import { ReregisterExecutor, type AgentInfo, type ExecutorInfo, type FrameworkInfo, type StatusUpdate, type TaskInfo, type TaskStatus } from '../../lib/protocol';
import type { V1Json } from '../../lib/v1/json';
import {
  acknowledgedEvent, heartbeatEvent, killEvent, launchEvent, launchGroupEvent, messageEvent, parseExecutorCall, shutdownEvent, subscribedEvent,
  type ExecutorCall,
} from '../../lib/v1/executor';
import { Executor, type KillOptions } from '../framework/executor';
import type { Agent, ExecutorApiCall, ExecutorApiLookup } from './agent';
import { AUTHENTICATE_HTTP_EXECUTORS, RECOVERY_TIMEOUT_MS } from './constants';
import { LazyMap } from '../../lib/lazy-collections';

/** The namespace `/api/...` shares on a host: the executor API serves `/api/v1/executor` under it (`Actor.routeUnder`). */
export const V1_API_NAMESPACE = 'api';

/** Its route there. */
export const V1_EXECUTOR_ROUTE = '/v1/executor';

/** The agent's v1 operator API's route there (`/api/v1`). */
export const V1_OPERATOR_ROUTE = '/v1';

/** Mesos' interval between HEARTBEAT events to an HTTP executor (`DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL`, 30 min). */
export const DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS = 30 * 60_000;

/** Longest JSON body of a call (a re-subscription listing many unacknowledged tasks is the largest). */
export const MAX_EXECUTOR_CALL_BYTES = 8 * 1024 * 1024;

/** Events an adapter keeps for its executor while it is disconnected; older ones are dropped beyond it. */
export const MAX_EVENTS_WHILE_DISCONNECTED = 1_000;

/** Bytes of events an adapter keeps while its executor is disconnected (a MESSAGE may be MiBs); older ones are dropped beyond it. */
export const MAX_BYTES_WHILE_DISCONNECTED = 16 * 1024 * 1024;

/** An adapter's actor id is this and its run's id (unique across the agent's restarts, so a restarted agent's adapter can take its old pid). */
export const HTTP_EXECUTOR_ID_PREFIX = 'executor-http-';

/** The realm a 401 names (`WWW-Authenticate: Bearer realm=...`). */
export const EXECUTOR_AUTHENTICATION_REALM = 'mesos-agent-executor';

/** What the API needs from its agent. */
export interface ExecutorApiOptions {
  /** The agent whose executors it serves (same host: it is asked with `dispatch`). */
  readonly agent: Agent;
  /** Actor id (default `<agent id>-executor-api`). */
  readonly id?: string;
  /**
   * Serve `/api/v1/executor` (under the host's shared `api` namespace) too; default true. Only
   * one agent per host can: a simulation's further agents are reached at `/slave(N)/api/v1/executor`.
   */
  readonly topLevel?: boolean;
  /**
   * With `topLevel`: also serve the agent's v1 operator API at `/api/v1` (under the same shared
   * namespace, so that a master on the same host keeps its own `/api/v1`, which it serves first).
   */
  readonly operatorApi?: (request: HttpRequest) => Promise<HttpResponse>;
  /** Default `DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS`. */
  readonly heartbeatIntervalMs?: number;
  /** How long a disconnected executor's adapter waits for it to subscribe again; default `RECOVERY_TIMEOUT_MS`. */
  readonly reconnectTimeoutMs?: number;
  /** The agent's executor shutdown grace period (the adapter ends this long after SHUTDOWN at the latest). */
  readonly shutdownGracePeriodMs?: number;
  /** `--authenticate_http_executors`: a call without a bearer token is refused (401); default `AUTHENTICATE_HTTP_EXECUTORS`. */
  readonly requireToken?: boolean;
}

/** The `/api/v1/executor` endpoint of one agent; one `HttpExecutor` per subscribed executor run. */
export class ExecutorApi extends Actor {
  /** Adapters by `frameworkId/executorId`. */
  private readonly adapters = new LazyMap<string, HttpExecutor>();

  constructor(private readonly options: ExecutorApiOptions) {
    super(options.id ?? `${options.agent.id}-executor-api`);
    // A call without a bearer token, or larger than a call may be, is refused before its body is read.
    if (options.topLevel !== false) {
      this.routeUnder(V1_API_NAMESPACE, V1_EXECUTOR_ROUTE, withRouteOptions((request) => this.serve(request), {
        maxBodyBytes: MAX_EXECUTOR_CALL_BYTES,
        beforeBody: (request) => executorCallWithoutToken(request, this.requireToken),
      }));
    }
    const operatorApi = options.operatorApi;
    if (options.topLevel !== false && operatorApi !== undefined) this.routeUnder(V1_API_NAMESPACE, V1_OPERATOR_ROUTE, operatorApi);
  }

  /** Answers one request to `/api/v1/executor` (the agent serves `/slave(N)/api/v1/executor` through this too). */
  serve(request: HttpRequest): HttpResponse | Promise<HttpResponse> {
    if (request.method !== 'POST') return methodNotAllowed(['POST'], `Expecting one of { 'POST' }, but received '${request.method}'`, 'text');
    const token = bearerToken(request);
    if (token === undefined && this.requireToken) return missingToken();
    const refused = v1RequestError(request, MAX_EXECUTOR_CALL_BYTES, 'this agent speaks the v1 executor API', true);
    if (refused !== undefined) return refused;
    const body = v1RequestCall(request, 'executor');
    if (!('json' in body)) return body;
    const parsed = parseExecutorCall(body.json);
    // Mesos' words: `Executor::Call` (its agent's), where its master says `scheduler::Call`.
    if (!parsed.ok) return parsed.unserved === true ? { status: 501, body: parsed.error } : badRequest(`Failed to validate Executor::Call: ${parsed.error}`);
    const call = parsed.call;
    // How a SUBSCRIBE's stream is written (its Accept, as Mesos chooses); other calls answer no events.
    const encoding = call.type === 'SUBSCRIBE' ? streamEncoding(request) : 'json';
    if (typeof encoding !== 'string') return encoding;
    const subscribe = call.type === 'SUBSCRIBE';
    const asked: ExecutorApiCall = {
      frameworkId: call.frameworkId, executorId: call.executorId, token, subscribe,
      ...(subscribe ? { onEnded: this.endedCallback(call.frameworkId, call.executorId) } : {}),
    };
    return dispatch(this.options.agent, (agent) => agent.executorForApi(asked)).then(
      (lookup) => dispatch(this, (api) => api.run(call, token, lookup, encoding)),
      (): HttpResponse => ({ status: 503, body: 'the agent is not running' }),
    );
  }

  /** Whether every call must carry its run's token (`--authenticate_http_executors`). */
  private get requireToken(): boolean {
    return this.options.requireToken ?? AUTHENTICATE_HTTP_EXECUTORS;
  }

  /** @internal (in this actor's mailbox) The agent has answered who the call's executor is: serve it (a SUBSCRIBE's stream in `encoding`). */
  run(call: ExecutorCall, given: string | undefined, lookup: ExecutorApiLookup, encoding: V1Encoding = 'json'): HttpResponse | Promise<HttpResponse> {
    if (!lookup.ok) return lookup.status === 401 ? { ...missingToken(), body: lookup.message } : { status: lookup.status, body: lookup.message };
    // A heartbeat changes nothing, but only the executor's own token makes one (any token did, answered before the
    // lookup: the hostile-input pass of 2026-12-05); it needs no subscription.
    if (call.type === 'HEARTBEAT') return { status: 202, body: '' };
    const key = `${call.frameworkId}/${call.executorId}`;
    let adapter = this.adapters.get(key);
    if (adapter !== undefined && adapter.runId !== lookup.runId) {
      // An adapter of an earlier run of this executor id: that run is over.
      this.forget(adapter);
      dispatch(adapter, (old) => old.runEnded()).catch(() => undefined); // already gone
      adapter = undefined;
    }
    if (call.type === 'SUBSCRIBE') {
      // An unacknowledged update for a task that is not the run's is not relayed, as UPDATE refuses one: the agent
      // drops it unacknowledged, and the adapter re-sent it every retry interval for as long as the run lasted.
      const taskIds = new Set(lookup.taskIds);
      const foreign = call.unacknowledgedUpdates.filter((status) => !taskIds.has(status.taskId));
      if (foreign.length > 0) {
        this.log.warn({ frameworkId: call.frameworkId, executorId: call.executorId, taskIds: foreign.map((status) => status.taskId) }, 'a subscription lists unacknowledged updates for tasks that are not its run\'s; not relaying them');
        call = { ...call, unacknowledgedUpdates: call.unacknowledgedUpdates.filter((status) => taskIds.has(status.taskId)) };
      }
      // A call without a token (`--authenticate_http_executors=false`): a new adapter registers with the
      // run's own; one re-registering a run a restarted agent took back needs none (it answers from its old pid).
      const token = given ?? lookup.token;
      if (token === undefined && !lookup.reconnect) {
        return { status: 503, body: `Executor '${call.executorId}' of framework '${call.frameworkId}' has no token this agent knows (it was recovered before it registered); subscribe with its MESOS_EXECUTOR_AUTHENTICATION_TOKEN` };
      }
      return this.subscribe(call, token ?? '', lookup, adapter, encoding);
    }
    if (adapter === undefined || lookup.phase === 'REGISTERING') return { status: 403, body: 'Executor is not subscribed' };
    if (call.type === 'UPDATE' && !lookup.taskIds.includes(call.status.taskId)) {
      // The agent would drop it unacknowledged, and the executor would send it again for ever.
      return { status: 403, body: `Task '${call.status.taskId}' is not a task of executor '${call.executorId}' of framework '${call.frameworkId}'` };
    }
    const served = adapter;
    return dispatch(served, (executor) => executor.call(call)).catch((): HttpResponse => ({ status: 403, body: 'Executor is not subscribed' }));
  }

  private subscribe(
    call: Extract<ExecutorCall, { type: 'SUBSCRIBE' }>, token: string, lookup: Extract<ExecutorApiLookup, { ok: true }>, adapter: HttpExecutor | undefined, encoding: V1Encoding,
  ): HttpResponse | Promise<HttpResponse> {
    if (lookup.shuttingDown || lookup.phase === 'TERMINATING' || lookup.phase === 'TERMINATED') {
      // Mesos: SHUTDOWN, and the connection is closed.
      this.log.warn({ frameworkId: call.frameworkId, executorId: call.executorId, phase: lookup.phase }, 'a subscribing executor is told to shut down');
      return shutdownResponse(encoding);
    }
    // A restarted agent waits for this run at its adapter's old pid: a new adapter there re-registers it.
    const reconnectAt = lookup.reconnect && lookup.pid !== undefined ? UPID.tryParse(lookup.pid)?.id : undefined;
    const existing = adapter ?? (reconnectAt === undefined ? undefined : this.host.lookup(reconnectAt));
    if (existing instanceof HttpExecutor) {
      return dispatch(existing, (executor) => executor.resubscribe(call, encoding)).catch((): HttpResponse => ({ status: 503, body: 'the executor\'s subscription is ending; subscribe again' }));
    }
    if (existing !== undefined) return { status: 503, body: `actor '${existing.id}' of this host is not an executor API adapter; cannot re-register the executor there` };
    if (lookup.phase === 'RUNNING' && reconnectAt === undefined) {
      return { status: 403, body: `Executor '${call.executorId}' is registered already (at ${lookup.pid ?? 'an unknown pid'}), not through a subscription to this API` };
    }
    const known = new Set(call.unacknowledgedTaskIds);
    const created = new HttpExecutor({
      id: reconnectAt ?? `${HTTP_EXECUTOR_ID_PREFIX}${lookup.runId}`,
      agentPid: this.options.agent.self().toString(),
      frameworkId: call.frameworkId,
      executorId: call.executorId,
      token,
      runId: lookup.runId,
      encoding,
      initialUpdates: call.unacknowledgedUpdates,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS,
      reconnectTimeoutMs: this.options.reconnectTimeoutMs ?? RECOVERY_TIMEOUT_MS,
      ...(this.options.shutdownGracePeriodMs !== undefined ? { shutdownGracePeriodMs: this.options.shutdownGracePeriodMs } : {}),
      ...(reconnectAt !== undefined ? {
        reregister: { executorInfo: lookup.executorInfo, frameworkInfo: lookup.frameworkInfo, tasks: lookup.tasks.filter((task) => known.has(task.taskId)) },
      } : {}),
      onGaveUp: () => {
        dispatch(this.options.agent, (agent) => agent.httpExecutorGone(call.frameworkId, call.executorId, lookup.runId)).catch(() => undefined); // the agent is gone
      },
      onFinalized: (finished) => {
        dispatch(this, (api) => api.forget(finished)).catch(() => undefined); // the API is gone too
      },
    });
    if (this.host.lookup(created.id) !== undefined) return { status: 503, body: `the adapter of this run is still ending; subscribe again` };
    this.adapters.set(`${call.frameworkId}/${call.executorId}`, created);
    this.host.spawn(created);
    return { status: 200, headers: { 'content-type': mediaTypeOf(encoding) }, stream: created.stream };
  }

  /** The agent's word that a run ended (told from its mailbox): its adapter ends. */
  private endedCallback(frameworkId: string, executorId: string): () => void {
    return () => {
      dispatch(this, (api) => api.runEnded(frameworkId, executorId)).catch(() => undefined); // the API is gone: so are its adapters
    };
  }

  /** @internal */
  runEnded(frameworkId: string, executorId: string): void {
    const adapter = this.adapters.get(`${frameworkId}/${executorId}`);
    if (adapter === undefined) return;
    this.forget(adapter);
    dispatch(adapter, (executor) => executor.runEnded()).catch(() => undefined); // already gone
  }

  /** @internal */
  forget(adapter: HttpExecutor): void {
    const key = `${adapter.frameworkId}/${adapter.executorId}`;
    if (this.adapters.get(key) === adapter) this.adapters.delete(key);
  }

  protected override finalize(): void {
    for (const adapter of this.adapters.values()) this.host.terminate(adapter);
    this.adapters.clear();
  }
}

/** What an `HttpExecutor` is told at its start. */
interface HttpExecutorOptions {
  readonly id: string;
  readonly agentPid: string;
  readonly frameworkId: string;
  readonly executorId: string;
  readonly token: string;
  readonly runId: string;
  /** How the first subscription's stream is written. */
  readonly encoding: V1Encoding;
  /** The subscription's unacknowledged updates, relayed once registered. */
  readonly initialUpdates: readonly TaskStatus[];
  readonly heartbeatIntervalMs: number;
  readonly reconnectTimeoutMs: number;
  readonly shutdownGracePeriodMs?: number;
  /**
   * The agent restarted and waits for this run at this adapter's pid: re-register (with the
   * tasks the executor listed and its unacknowledged updates) instead of registering.
   */
  readonly reregister?: { readonly executorInfo: ExecutorInfo; readonly frameworkInfo: FrameworkInfo; readonly tasks: readonly TaskInfo[] };
  /** Called from its `finalize`. */
  readonly onFinalized: (adapter: HttpExecutor) => void;
  /** Called when the executor did not subscribe again within `reconnectTimeoutMs` (the agent then shuts the run down). */
  readonly onGaveUp?: () => void;
}

/**
 * One HTTP executor run: an executor actor that speaks to the agent for it and writes what it
 * hears to the executor's event stream.
 */
export class HttpExecutor extends Executor {
  /** The current event stream (undefined while the executor is disconnected). */
  stream: HttpStream | undefined;
  /** What SUBSCRIBED carries, once the agent has accepted the registration. */
  private subscription: { executorInfo: ExecutorInfo; frameworkInfo: FrameworkInfo; agentInfo: AgentInfo } | undefined;
  /** Events the agent sent while no stream was open, oldest first (at most `MAX_EVENTS_WHILE_DISCONNECTED`). */
  private readonly missed: Array<{ event: V1Json; taskIds?: readonly string[]; bytes: number }> = [];
  /** The bytes of `missed` (at most `MAX_BYTES_WHILE_DISCONNECTED`). */
  private missedBytes = 0;
  /** Tasks written as LAUNCH or LAUNCH_GROUP that the executor has not reported on yet. */
  private readonly delivered = new LazyMap<string, TaskInfo>();
  /** Of `delivered`, those written in a LAUNCH_GROUP: the ids of their group's tasks (one array per group). */
  private readonly groups = new LazyMap<string, readonly string[]>();
  /** Updates of the first subscription, relayed once registered. */
  private initialUpdates: readonly TaskStatus[];
  private heartbeats: Timer | undefined;
  /** Ends the adapter when a disconnected executor does not subscribe again in time. */
  private reconnectTimer: Timer | undefined;
  /** The agent said SHUTDOWN. */
  private shuttingDown = false;
  /** How the current stream is written (its subscription's `Accept`). */
  private encoding: V1Encoding;

  constructor(private readonly http: HttpExecutorOptions) {
    super({
      id: http.id, agentPid: http.agentPid, frameworkId: http.frameworkId, executorId: http.executorId, token: http.token, checkpoint: false,
      ...(http.shutdownGracePeriodMs !== undefined ? { shutdownGracePeriodMs: http.shutdownGracePeriodMs } : {}),
    });
    this.initialUpdates = http.initialUpdates;
    this.encoding = http.encoding;
    this.stream = this.newStream();
  }

  get frameworkId(): string {
    return this.http.frameworkId;
  }

  get executorId(): string {
    return this.http.executorId;
  }

  get runId(): string {
    return this.http.runId;
  }

  /** Runs an UPDATE or MESSAGE call: 202, or why it cannot run. */
  call(call: Extract<ExecutorCall, { type: 'UPDATE' | 'MESSAGE' }>): HttpResponse {
    if (this.subscription === undefined) return { status: 403, body: 'Executor is not subscribed' };
    if (call.type === 'MESSAGE') {
      this.sendFrameworkMessage(call.data);
      return { status: 202, body: '' };
    }
    if (this.relay(call.status) === undefined) return { status: 503, body: 'too many status updates wait for acknowledgement; send this one again later' };
    return { status: 202, body: '' };
  }

  /**
   * The executor subscribes again: the old stream (if still open) is closed, as Mesos does;
   * the new one gets SUBSCRIBED, the tasks it never got, and what was sent while it was away.
   */
  resubscribe(call: Extract<ExecutorCall, { type: 'SUBSCRIBE' }>, encoding: V1Encoding = 'json'): HttpResponse {
    if (this.shuttingDown) return shutdownResponse(encoding);
    this.encoding = encoding;
    this.log.info({ executorId: this.http.executorId, unacknowledgedUpdates: call.unacknowledgedUpdates.length }, 'HTTP executor subscribed again');
    this.stream?.end();
    this.reconnectTimer?.cancel();
    this.reconnectTimer = undefined;
    this.stream = this.newStream();
    if (this.subscription === undefined) {
      // Still registering: SUBSCRIBED comes on this stream once the agent answers.
      this.initialUpdates = call.unacknowledgedUpdates;
      return this.streamResponse(this.stream);
    }
    this.writeSubscribed();
    for (const status of call.unacknowledgedUpdates) this.relay(status);
    this.launchAgain(new Set(call.unacknowledgedTaskIds));
    const replayed = this.missed.splice(0);
    this.missedBytes = 0;
    for (const missed of replayed) this.write(missed.event, missed.taskIds);
    return this.streamResponse(this.stream);
  }

  /**
   * Writes again what was written while the connection was failing and never got there: each
   * delivered task the executor does not list (`known`) and that is not waiting in `missed`, as
   * LAUNCH, or as its group's LAUNCH_GROUP (the group's unreported tasks) when the executor lists
   * none of that group.
   */
  private launchAgain(known: ReadonlySet<string>): void {
    const waiting = new Set(this.missed.flatMap((missed) => missed.taskIds ?? []));
    const handled = new Set<readonly string[]>();
    for (const task of this.delivered.values()) {
      if (known.has(task.taskId) || waiting.has(task.taskId)) continue;
      const group = this.groups.get(task.taskId);
      if (group === undefined) {
        this.write(launchEvent(task));
        continue;
      }
      if (handled.has(group)) continue;
      handled.add(group);
      if (group.some((taskId) => known.has(taskId))) continue;
      this.write(launchGroupEvent(group.flatMap((taskId) => this.delivered.get(taskId) ?? [])));
    }
  }

  /** @internal The agent's word: the run is over (its process exited). */
  runEnded(): void {
    this.log.info({ executorId: this.http.executorId }, 'the HTTP executor\'s run ended');
    this.stop();
  }

  // ---- the agent's messages, as events -------------------------------------------------------

  protected override initialize(): void {
    const reregister = this.http.reregister;
    if (reregister === undefined) return super.initialize();
    // Kept (and re-sent until acknowledged) as any relayed update, and given with the re-registration, as an actor executor gives them.
    const updates = this.initialUpdates.map((status) => this.relay(status));
    this.initialUpdates = [];
    this.link(this.agentPid);
    this.send(this.agentPid, ReregisterExecutor, {
      frameworkId: this.http.frameworkId, executorId: this.http.executorId, tasks: [...reregister.tasks], updates: updates.flatMap((update) => (update === undefined ? [] : [update])),
    });
  }

  /**
   * The agent actor is gone (its process is ending or restarting): the stream ends, and the
   * executor sees a disconnection; it subscribes again to a restarted agent (checkpointing) or
   * exits, as Mesos' executors do. No SHUTDOWN (the base's way for an actor executor): that would
   * end an executor a restarted agent could take back.
   */
  protected override exited(pid: UPID): void {
    if (!pid.equals(this.agentPid)) return;
    this.log.warn({ executorId: this.http.executorId }, 'the agent went away; ending the HTTP executor\'s stream');
    this.stop();
  }

  protected override reregistered(agentInfo: AgentInfo): void {
    const reregister = this.http.reregister;
    if (reregister === undefined) return;
    this.log.info({ executorId: this.http.executorId }, 'HTTP executor re-registered with the restarted agent');
    this.subscription = { executorInfo: reregister.executorInfo, frameworkInfo: reregister.frameworkInfo, agentInfo };
    this.writeSubscribed();
    // Those of a subscription that came again while the re-registration was on its way.
    for (const status of this.initialUpdates) this.relay(status);
    this.initialUpdates = [];
  }

  protected override registered(executorInfo: ExecutorInfo, frameworkInfo: FrameworkInfo, agentInfo: AgentInfo): void {
    this.subscription = { executorInfo, frameworkInfo, agentInfo };
    this.writeSubscribed();
    for (const status of this.initialUpdates) this.relay(status);
    this.initialUpdates = [];
  }

  protected override launchTask(task: TaskInfo): void {
    this.delivered.set(task.taskId, task);
    this.write(launchEvent(task), [task.taskId]);
  }

  /** The agent's RunTaskGroupOnExecutor: one LAUNCH_GROUP event, as Mesos' agent sends a task group to an HTTP executor. */
  protected override launchTaskGroup(tasks: readonly TaskInfo[]): void {
    const taskIds = tasks.map((task) => task.taskId);
    for (const task of tasks) {
      this.delivered.set(task.taskId, task);
      this.groups.set(task.taskId, taskIds);
    }
    this.write(launchGroupEvent(tasks), taskIds);
  }

  protected override killTask(taskId: string, options: KillOptions): void {
    this.write(killEvent(taskId, options.gracePeriodMs === undefined ? undefined : options.gracePeriodMs / 1000));
  }

  protected override frameworkMessage(data: string): void {
    this.write(messageEvent(data));
  }

  /** Mesos' agent acknowledges a terminating HTTP executor's updates: ACKNOWLEDGED is written after SHUTDOWN too. */
  protected override get hearsAcknowledgementsAfterShutdown(): boolean {
    return true;
  }

  protected override acknowledged(update: StatusUpdate): void {
    if (update.uuid !== undefined) this.write(acknowledgedEvent(update.status.taskId, update.uuid));
  }

  protected override shutdown(): void {
    this.shuttingDown = true;
    if (this.subscription === undefined) {
      // The agent refused the registration: nothing to run.
      this.log.warn({ executorId: this.http.executorId }, 'the agent refused the HTTP executor\'s registration');
      this.write(shutdownEvent());
      this.stop();
      return;
    }
    this.write(shutdownEvent());
    // A disconnected executor that is told to shut down will not be back for it: the agent kills it after the grace period.
    if (this.stream === undefined) this.stop();
  }

  protected override finalize(): void {
    super.finalize();
    this.heartbeats?.cancel();
    this.reconnectTimer?.cancel();
    this.stream?.end();
    this.stream = undefined;
    this.http.onFinalized(this);
  }

  // ---- plumbing ------------------------------------------------------------------------------

  /** Relays one of the executor's statuses to the agent, with its uuid: the update, or undefined when too many wait. */
  private relay(status: TaskStatus): (StatusUpdate & { uuid: string }) | undefined {
    const agentId = this.subscription?.agentInfo.id;
    const timestamp = this.clock.now() / 1000;
    const stamped: TaskStatus = { ...status, timestamp: status.timestamp ?? timestamp, ...(agentId !== undefined ? { agentId } : {}) };
    const update: StatusUpdate & { uuid: string } = {
      frameworkId: this.http.frameworkId, executorId: this.http.executorId, status: stamped, timestamp, uuid: status.uuid as string,
      ...(agentId !== undefined ? { agentId } : {}),
    };
    this.delivered.delete(status.taskId);
    this.groups.delete(status.taskId);
    return this.forwardStatusUpdate(update) ? update : undefined;
  }

  private writeSubscribed(): void {
    const subscription = this.subscription;
    if (subscription === undefined) return;
    this.write(subscribedEvent(subscription.executorInfo, subscription.frameworkInfo, subscription.agentInfo, this.http.runId));
    this.scheduleHeartbeat();
  }

  private scheduleHeartbeat(): void {
    this.heartbeats?.cancel();
    this.heartbeats = this.delay(this.http.heartbeatIntervalMs, () => {
      if (this.stream === undefined) return;
      this.stream.write(v1EventRecord('executor', heartbeatEvent(), this.encoding));
      this.scheduleHeartbeat();
    });
  }

  /** Writes an event to the stream, or keeps it (with the ids of the tasks it launches) for the executor's next subscription. */
  private write(event: V1Json, taskIds?: readonly string[]): void {
    const record = v1EventRecord('executor', event, this.encoding);
    if (this.stream !== undefined && this.stream.write(record)) return;
    const bytes = Buffer.byteLength(record);
    while (this.missed.length > 0 && (this.missed.length >= MAX_EVENTS_WHILE_DISCONNECTED || this.missedBytes + bytes > MAX_BYTES_WHILE_DISCONNECTED)) {
      const dropped = this.missed.shift();
      if (dropped !== undefined) this.missedBytes -= dropped.bytes;
      this.log.warn({ executorId: this.http.executorId, dropped: dropped?.event.type }, 'too many events for a disconnected HTTP executor; dropping the oldest');
    }
    this.missedBytes += bytes;
    this.missed.push(taskIds === undefined ? { event, bytes } : { event, taskIds, bytes });
  }

  private newStream(): HttpStream {
    const stream: HttpStream = new HttpStream(() => {
      // Told in the mailbox of the actor that answered the request; handled in ours.
      dispatch(this, (executor) => executor.streamClosed(stream)).catch(() => undefined); // already terminated: nothing to do
    });
    return stream;
  }

  private streamResponse(stream: HttpStream): HttpResponse {
    return { status: 200, headers: { 'content-type': mediaTypeOf(this.encoding) }, stream };
  }

  /** @internal The executor's connection broke (or was replaced): it is disconnected, and may subscribe again. */
  streamClosed(stream: HttpStream): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    this.heartbeats?.cancel();
    this.heartbeats = undefined;
    if (this.shuttingDown) return this.stop();
    const timeoutMs = this.http.reconnectTimeoutMs;
    this.log.warn({ executorId: this.http.executorId, timeoutMs }, 'the HTTP executor disconnected; waiting for it to subscribe again');
    this.reconnectTimer = this.delay(timeoutMs, () => {
      this.log.warn({ executorId: this.http.executorId, timeoutMs }, 'the HTTP executor did not subscribe again in time');
      // The agent ends the run (its tasks with it), rather than keep it RUNNING at this actor, gone.
      this.http.onGaveUp?.();
      this.stop();
    });
  }
}

/** The 401 for a call without the executor's bearer token. */
function missingToken(): HttpResponse {
  return { status: 401, headers: { 'www-authenticate': `Bearer realm="${EXECUTOR_AUTHENTICATION_REALM}"` }, body: "Expecting 'Authorization: Bearer <token>' with the executor's MESOS_EXECUTOR_AUTHENTICATION_TOKEN" };
}

/**
 * The 401 for a call that carries no bearer token where one is required (`requireToken`:
 * `--authenticate_http_executors`), else undefined: what both paths of the API check before a
 * call's body is read (`RouteOptions.beforeBody`).
 */
export function executorCallWithoutToken(request: HttpRequest, requireToken: boolean): HttpResponse | undefined {
  return requireToken && bearerToken(request) === undefined ? missingToken() : undefined;
}

/** The token of `Authorization: Bearer <token>`, if the request has one. */
function bearerToken(request: HttpRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headerOf(request, 'authorization') ?? '');
  return match?.[1];
}

/** The answer to a subscription of a run that is shutting down: SHUTDOWN, and the connection closed (Mesos'). */
function shutdownResponse(encoding: V1Encoding): HttpResponse {
  return { status: 200, headers: { 'content-type': mediaTypeOf(encoding) }, body: v1EventRecord('executor', shutdownEvent(), encoding) };
}
