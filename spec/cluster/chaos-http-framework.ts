/**
 * A v1 HTTP framework of the chaos simulation (chaos.ts, `ChaosOptions.httpFrameworks`): a
 * scheduler that speaks Mesos' v1 scheduler API (`POST /api/v1/scheduler`) to the leading
 * master's API actor in process, as chaos-operator.ts opens `/api/v1`, reading the RecordIO event
 * stream through a `StreamSink`. It makes the same choices as the actor frameworks
 * (chaos-framework.ts: `planOffer`, `chooseKill`, `chooseReconciliation`) and reports what it hears
 * to the same `FrameworkModel`, so the same stream-order rules and the same end-of-run
 * reconciliation check it.
 *
 * What it does, as Mesos' scheduler library and a v1 framework do (src/scheduler/scheduler.cpp,
 * include/mesos/v1/scheduler/scheduler.proto):
 *   - SUBSCRIBE (JSON) with its FrameworkInfo, and its framework id once it has one; keeps the
 *     `Mesos-Stream-Id` of the answer and sends it with every other call;
 *   - ACCEPT (LAUNCH; with `--reservations` or `--volumes` RESERVE, UNRESERVE, CREATE, DESTROY;
 *     with `--task-groups` LAUNCH_GROUP, and GROW_VOLUME and SHRINK_VOLUME with `--volumes`) or
 *     DECLINE (with filters) each offer, or holds it; ACKNOWLEDGE every UPDATE
 *     that has a `uuid`; KILL, RECONCILE, REVIVE and SUPPRESS when the run says;
 *   - with operation feedback (`ChaosOptions.operationFeedback`, chaos-feedback.ts): gives most of
 *     its operations other than launches an `id`, ACKNOWLEDGE_OPERATION_STATUS each
 *     UPDATE_OPERATION_STATUS with a `uuid` (at once, late or never, as drawn), and
 *     RECONCILE_OPERATIONS with its reconciliations and when it subscribes again (drawn);
 *   - calls other than SUBSCRIBE are dropped while it is not subscribed (as the library drops them);
 *   - a 307 is followed to the master its `Location` names (the library waits for its detector
 *     instead; a client following the redirect is the other common choice);
 *   - when the stream ends or breaks, or nothing (not even a HEARTBEAT) has come for
 *     `MISSED_HEARTBEATS` heartbeat intervals (a half-open connection, whose close is then lost
 *     too), it gives the connection up and subscribes again after a backoff (`RESUBSCRIBE_BACKOFF_MIN_MS` doubling to `RESUBSCRIBE_BACKOFF_MAX_MS`,
 *     under the virtual clock), at once when a new leader is detected;
 *   - an answer that does not come within `CALL_ANSWER_TIMEOUT_MS` (the call or its answer was
 *     lost, which it cannot tell apart) is retried for idempotent calls, up to `MAX_CALL_RETRIES`
 *     times; ACCEPT and TEARDOWN never (launching a task twice is not idempotent).
 * The run injects the faults (`partition`: modelled as a reset stream and every call lost for a
 * while; `breakStream`, `silenceStream`, `loseCalls`) and makes it `subscribeAgain` beside an
 * open stream; the client's crash is the run's `crashScheduler` step (its connections close with
 * the process).
 */
import { Actor, dispatch, type Timer } from '../../lib/actor';
import type { Credential } from '../../lib/authentication';
import { basicAuthorization, type HttpRequest, type HttpResponse, type HttpStream, type Prng, type StreamSink } from '../../lib/process';
import type { Offer, Operation, TaskInfo, TaskState, TaskStatus } from '../../lib/protocol';
import type { DiskInfoJSON, ResourceJSON, VolumeMode } from '../../lib/resources/types';
import { textOfV1AcknowledgedUuid, v1ExecutorInfo, v1FrameworkInfo, v1Id, v1Resources, v1TaskInfo, type V1Json } from '../../lib/v1/json';
import { APPLICATION_PROTOBUF, v1CallBytes, v1EventJson } from '../../lib/v1/protobuf';
import { recordReader } from '../support/recordio';
import { DEFAULT_HTTP_HEARTBEAT_INTERVAL_MS, STREAM_ID_HEADER } from '../../actors/master/v1-scheduler';
import { TORN_DOWN_BY_OPERATOR_ERROR } from './chaos-removals';
import { chooseKill, chooseReconciliation, FRAMEWORK_REMOVED_ERROR, MAX_HELD_OFFERS, planOffer, planOperations, type FrameworkModel } from './chaos-framework';
import type { HeardStatus, OperationFeedback } from './chaos-feedback';
import { MAX_RECONCILE_OPERATIONS } from '../../lib/protocol/limits';

/** Missed heartbeat intervals after which the client gives its subscription up (scheduler.proto suggests 5). */
export const MISSED_HEARTBEATS = 5;
/** First wait before subscribing again (then doubled each failure). */
export const RESUBSCRIBE_BACKOFF_MIN_MS = 1_000;
/** Longest wait before subscribing again (a new leader's detection cuts it short). */
export const RESUBSCRIBE_BACKOFF_MAX_MS = 8_000;
/** A call with no answer after this long was lost, or its answer was (the client cannot tell which). */
export const CALL_ANSWER_TIMEOUT_MS = 5_000;
/** Most times an idempotent call is sent again after its answer did not come. */
export const MAX_CALL_RETRIES = 2;
/** Most redirects (307) followed for one call. */
export const MAX_REDIRECTS = 2;
/**
 * A half-open connection's master side gives up this long after it went silent: the master
 * writes a HEARTBEAT every 15 s, and TCP stops retransmitting them at last (Linux's default
 * `tcp_retries2` takes about 15 min; a proxy's idle timeout or `TCP_USER_TIMEOUT`, less). Mesos'
 * master has no timeout of its own: it learns of the dead connection from the socket. Shorter
 * than the run's heal (12 min), so a framework whose client left a half-open stream behind is
 * disconnected at the master by the end of the run.
 */
export const HALF_OPEN_MASTER_TIMEOUT_MS = 5 * 60_000;
/** With several masters: chance that a call (SUBSCRIBE or another) goes first to a master that does not lead (a stale detector, a load balancer). */
export const WRONG_MASTER_PROBABILITY = 0.25;
/** Share of a client's calls a `loseCalls` fault loses, one of these. */
export const CALL_LOSS_FRACTIONS: readonly number[] = [0.25, 0.5, 1];
/** Of the calls a `loseCalls` fault loses, the share lost before the master; the others' answers are lost after it handled them. */
export const CALL_LOST_BEFORE_SHARE = 0.5;
/** Calls the client retries when their answer does not come: sending them twice does no harm. */
const IDEMPOTENT_CALLS: ReadonlySet<string> = new Set(['ACKNOWLEDGE', 'RECONCILE', 'KILL', 'DECLINE', 'REVIVE', 'SUPPRESS', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE_OPERATIONS']);
/** The ERROR that ends a stream whose framework subscribed again on another (Mesos' `failoverFramework`). */
export const FRAMEWORK_FAILED_OVER_ERROR = 'Framework failed over';
/** The path of the scheduler API's route on its actor (`/api/v1/scheduler` on the host). */
const API_ROUTE = '/v1/scheduler';

/** Where the client finds masters: what its detector says, and every master's API actor. */
export interface HttpMasterDirectory {
  /** The API actor of the master the client's detector says leads; undefined while none does. */
  leader(): Actor | undefined;
  /** The API actors of the masters up that do not lead (none with one master). */
  standbys(): Actor[];
  /** The API actor serving a 307's `Location` (`//host:port/api/v1/scheduler`); undefined if it names no master. */
  resolve(location: string): Actor | undefined;
}

/** What the run makes of a client's calls: how each is lost (`loseCalls`). */
type Loss = 'before' | 'after' | undefined;

/** What an HTTP framework of the chaos run needs. */
export interface ChaosHttpSchedulerOptions {
  /** Actor id; one per incarnation (`scheduler-<framework>-<n>`, as the actor schedulers'). */
  readonly id: string;
  readonly model: FrameworkModel;
  readonly masters: HttpMasterDirectory;
  /** Draws which master it tries first and which calls a `loseCalls` fault loses (not the model's choices). */
  readonly random: Prng;
  /** HTTP Basic credentials for every call (a cluster with `credentials`). */
  readonly credential?: Credential;
  /** Speaks protobuf (calls and the event stream), as clients built on Mesos' libraries do; JSON otherwise. */
  readonly protobuf?: boolean;
  /**
   * With `ChaosOptions.operationFeedback`: the framework's operations with ids and what it heard of
   * them (chaos-feedback.ts), which outlives its schedulers; it gives most of its operations other
   * than launches an `id`, acknowledges their statuses and reconciles them.
   */
  readonly feedback?: OperationFeedback;
}

/** Reads one subscription's RecordIO stream, as the client's connection to the master. */
class EventConnection implements StreamSink {
  readonly buffered = 0;
  /** Either side closed it; nothing more is read. */
  closed = false;
  /** Half-open (a `silenceStream` fault): what the master writes never arrives. */
  silent = false;

  constructor(
    readonly stream: HttpStream,
    /** The API actor that answered: its end (a master stopping) ends the stream, as the host's streams. */
    private readonly api: Actor,
    private readonly onEvent: (connection: EventConnection, event: V1Json) => void,
    private readonly onLost: (event: V1Json) => void,
    private readonly onEnd: (connection: EventConnection) => void,
    /** Reads one record: JSON, or a protobuf `Event` for a client that speaks protobuf. */
    private readonly decode: (record: Buffer) => V1Json = (record) => JSON.parse(record.toString()) as V1Json,
  ) {}

  write(chunk: string | Buffer): void {
    if (this.closed) return;
    this.read(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }

  /** Each whole record, in order; none once the connection is closed (by what a record made happen too). */
  private readonly read = recordReader((record) => {
    if (this.closed) return;
    const event = this.decode(record);
    if (this.silent) this.onLost(event);
    else this.onEvent(this, event);
  });

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.api.runtime.streams?.delete(this.stream);
    this.onEnd(this);
  }

  destroy(): void {
    this.end();
  }

  onDrain(listener: () => void): void {
    listener();
  }

  /** The client closes the connection: the master sees it close (`HttpStream.closedByPeer`). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.api.runtime.streams?.delete(this.stream);
    this.stream.closedByPeer();
  }
}

/** `value.a.b...` of a JSON object, or undefined. */
function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = typeof current === 'object' && current !== null ? (current as V1Json)[key] : undefined;
  return current;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** An offer of an OFFERS event in the project's types (the framework is not MULTI_ROLE: its role is the allocation role). */
export function offerOfV1(offer: unknown, role: string): Offer {
  const resources = list(at(offer, 'resources')).map((resource): ResourceJSON => {
    const out: ResourceJSON = { name: text(at(resource, 'name')) ?? '?', type: text(at(resource, 'type')) as ResourceJSON['type'] };
    const scalar = at(resource, 'scalar', 'value');
    if (typeof scalar === 'number') out.scalar = { value: scalar };
    const ranges = at(resource, 'ranges', 'range');
    if (Array.isArray(ranges)) out.ranges = { range: ranges.map((range) => ({ begin: Number(at(range, 'begin')), end: Number(at(range, 'end')) })) };
    const items = at(resource, 'set', 'item');
    if (Array.isArray(items)) out.set = { item: items.map(String) };
    const reservations = list(at(resource, 'reservations'));
    const last = reservations[reservations.length - 1];
    const reservedTo = text(at(resource, 'role')) ?? text(at(last, 'role'));
    if (reservedTo !== undefined) out.role = reservedTo;
    // A dynamic reservation as it is (its principal and labels name it: an UNRESERVE must say them again).
    const dynamic = at(resource, 'reservation') ?? (text(at(last, 'type')) === 'DYNAMIC' ? last : undefined);
    if (dynamic !== undefined) out.reservation = v1DynamicReservation(dynamic);
    // A persistent volume (`--volumes`): its persistence id and mount, as a CREATE made it (a task names it whole, a DESTROY too).
    const disk = at(resource, 'disk');
    if (disk !== undefined) out.disk = v1DiskOf(disk);
    return out;
  });
  const executorIds = list(at(offer, 'executor_ids')).map((executorId) => text(at(executorId, 'value')) ?? '?');
  return {
    id: text(at(offer, 'id', 'value')) ?? '?', frameworkId: text(at(offer, 'framework_id', 'value')) ?? '?', agentId: text(at(offer, 'agent_id', 'value')) ?? '?',
    hostname: text(at(offer, 'hostname')) ?? '?', resources, allocationRole: text(at(offer, 'allocation_info', 'role')) ?? role,
    ...(executorIds.length > 0 ? { executorIds } : {}),
  };
}

/** A dynamic reservation of an offer's resource (either form of Mesos JSON) in the project's types: its principal and labels, if any. */
function v1DynamicReservation(reservation: unknown): NonNullable<ResourceJSON['reservation']> {
  const principal = text(at(reservation, 'principal'));
  const labels = list(at(reservation, 'labels', 'labels')).map((label) => {
    const value = text(at(label, 'value'));
    return { key: text(at(label, 'key')) ?? '?', ...(value !== undefined ? { value } : {}) };
  });
  return { ...(principal !== undefined ? { principal } : {}), ...(labels.length > 0 ? { labels: { labels } } : {}) };
}

/** A persistent volume's `Resource.DiskInfo` of an offer in the project's types: its `persistence` and `volume`, if any. */
function v1DiskOf(disk: unknown): DiskInfoJSON {
  const id = text(at(disk, 'persistence', 'id'));
  const principal = text(at(disk, 'persistence', 'principal'));
  const containerPath = text(at(disk, 'volume', 'container_path'));
  const mode = text(at(disk, 'volume', 'mode'));
  return {
    ...(id !== undefined ? { persistence: { id, ...(principal !== undefined ? { principal } : {}) } } : {}),
    ...(containerPath !== undefined ? { volume: { container_path: containerPath, mode: (mode ?? 'RW') as VolumeMode } } : {}),
  };
}

/**
 * An operation of an ACCEPT in v1 JSON: a LAUNCH's tasks, a RESERVE's or UNRESERVE's resources,
 * a CREATE's or DESTROY's volumes (Mesos' format after reservation refinement, a volume's `disk`
 * with its `persistence` and `volume`), a LAUNCH_GROUP's executor and task group, a GROW_VOLUME's
 * volume and addition, a SHRINK_VOLUME's volume and `subtract` (`--task-groups`).
 */
export function v1Operation(operation: Operation): V1Json {
  switch (operation.type) {
    case 'LAUNCH':
      return { type: 'LAUNCH', launch: { task_infos: (operation.launch?.taskInfos ?? []).map(v1TaskInfo) } };
    case 'RESERVE':
      return { type: 'RESERVE', reserve: { resources: v1Resources(operation.reserve?.resources ?? []) } };
    case 'UNRESERVE':
      return { type: 'UNRESERVE', unreserve: { resources: v1Resources(operation.unreserve?.resources ?? []) } };
    case 'CREATE':
      return { type: 'CREATE', create: { volumes: v1Resources(operation.create?.volumes ?? []) } };
    case 'DESTROY':
      return { type: 'DESTROY', destroy: { volumes: v1Resources(operation.destroy?.volumes ?? []) } };
    case 'LAUNCH_GROUP': {
      // As the actor frameworks' driver sends it: the executor as planned (no framework id: the master fills it in), maybe invalid on purpose.
      const group = operation.launchGroup;
      if (group === undefined) throw new Error('a v1 HTTP framework of the chaos run planned a LAUNCH_GROUP without its group');
      return { type: 'LAUNCH_GROUP', launch_group: { executor: v1ExecutorInfo(group.executor), task_group: { tasks: group.taskGroup.tasks.map(v1TaskInfo) } } };
    }
    case 'GROW_VOLUME': {
      const grow = operation.growVolume;
      if (grow === undefined) throw new Error('a v1 HTTP framework of the chaos run planned a GROW_VOLUME without its volume');
      return { type: 'GROW_VOLUME', grow_volume: { volume: v1Resource(grow.volume), addition: v1Resource(grow.addition) } };
    }
    case 'SHRINK_VOLUME': {
      const shrink = operation.shrinkVolume;
      if (shrink === undefined) throw new Error('a v1 HTTP framework of the chaos run planned a SHRINK_VOLUME without its volume');
      return { type: 'SHRINK_VOLUME', shrink_volume: { volume: v1Resource(shrink.volume), subtract: { value: shrink.subtract.value } } };
    }
  }
}

/** One resource in v1 JSON (a resize names one volume and one addition, each a single `Resource`). */
function v1Resource(resource: ResourceJSON): V1Json {
  return v1Resources([resource])[0] as V1Json;
}

/** The status of an UPDATE event in the project's types (its `uuid` as text, as the agents keep it). */
export function statusOfV1(status: unknown): TaskStatus {
  const uuid = text(at(status, 'uuid'));
  const reason = text(at(status, 'reason'));
  const source = text(at(status, 'source'));
  const agentId = text(at(status, 'agent_id', 'value'));
  return {
    taskId: text(at(status, 'task_id', 'value')) ?? '?', state: text(at(status, 'state')) as TaskState,
    ...(reason !== undefined ? { reason } : {}), ...(source !== undefined ? { source } : {}), ...(agentId !== undefined ? { agentId } : {}),
    ...(uuid !== undefined ? { uuid: textOfV1AcknowledgedUuid(uuid) ?? `unreadable:${uuid}` } : {}),
  } as TaskStatus;
}

/**
 * A v1 HTTP scheduler of the chaos run: an actor (so the run spawns, crashes and waits for it as
 * for `ChaosScheduler`) whose every word to the master is an HTTP call to a master's API actor.
 */
export class ChaosHttpScheduler extends Actor {
  private readonly model: FrameworkModel;
  private state: 'disconnected' | 'subscribing' | 'subscribed' = 'disconnected';
  /** The subscription's connection while one is open. */
  private connection: EventConnection | undefined;
  /** The API actor the subscription is with (every call goes there). */
  private api: Actor | undefined;
  /** `Mesos-Stream-Id` of the subscription. */
  private streamId: string | undefined;
  private heartbeatIntervalMs = DEFAULT_HTTP_HEARTBEAT_INTERVAL_MS;
  /** When the last event arrived. */
  private lastEventMs = 0;
  private watchdog: Timer | undefined;
  private resubscription: Timer | undefined;
  private backoffMs = RESUBSCRIBE_BACKOFF_MIN_MS;
  /** Offers kept for later, by id. */
  private readonly heldOffers = new Map<string, Offer>();
  /** A `loseCalls` fault (or a partition) in force: the share of calls lost, until when. */
  private callLoss: { readonly untilMs: number; readonly fraction: number; readonly partitioned: boolean } | undefined;
  /** It stopped (a teardown or a failover stop): nothing more is sent. */
  private stopping = false;
  /**
   * Half-open connections it gave up on: its close never reached the master, which may still
   * write there (lost) until the framework's next subscription replaces them or the master stops.
   */
  private readonly abandoned = new Set<EventConnection>();
  /**
   * Open streams it subscribed again beside (`subscribeAgain`): the master must end each with an
   * ERROR `Framework failed over` before the new subscription's SUBSCRIBED (Mesos'
   * `failoverFramework` sends the ERROR, and `Framework::updateConnection` closes the old
   * connection, before `_failoverFramework` sends SUBSCRIBED).
   */
  private readonly superseded = new Set<EventConnection>();

  constructor(private readonly options: ChaosHttpSchedulerOptions) {
    super(options.id);
    this.model = options.model;
  }

  /** Whether it is subscribed now (the master answered with SUBSCRIBED on an open stream). */
  get isRegistered(): boolean {
    return this.state === 'subscribed';
  }

  // ---- what the run makes it do --------------------------------------------------------------

  /** Kills one task it believes live, naming its agent or not. */
  killSomeTask(): void {
    if (this.state !== 'subscribed') return;
    const kill = chooseKill(this.model);
    if (kill === undefined) return;
    this.call('KILL', { kill: { task_id: v1Id(kill.taskId), ...(kill.agentId !== undefined ? { agent_id: v1Id(kill.agentId) } : {}) } });
  }

  /** Reconciles all its tasks (implicitly), or a few named ones, live or not, and one it never launched. */
  reconcileSome(): void {
    if (this.state !== 'subscribed') return;
    this.reconcile(chooseReconciliation(this.model));
    // Drawn only with operation feedback, after the rest: a run without it draws as before.
    const feedback = this.options.feedback;
    if (feedback !== undefined && feedback.drawReconciliation()) this.reconcileOperations(feedback.chooseReconciliation());
  }

  /** Answers an offer it held: launches on it or declines it (it may have been rescinded since). */
  useHeldOffer(): void {
    const held = [...this.heldOffers.values()];
    if (this.state !== 'subscribed' || held.length === 0) return;
    const offer = this.model.pick(held);
    this.heldOffers.delete(offer.id);
    this.model.log(`${this.model.name} uses the offer it held, ${offer.id}`);
    this.answerOffer(offer, false);
  }

  /** Clears its decline filters. */
  reviveOffers(): void {
    if (this.state !== 'subscribed') return;
    this.model.log(`${this.model.name} revives`);
    this.call('REVIVE', {});
  }

  /** Asks for no more offers (until it revives). */
  suppressOffers(): void {
    if (this.state !== 'subscribed') return;
    this.model.log(`${this.model.name} suppresses offers`);
    this.call('SUPPRESS', {});
  }

  /** Reconciles every task: all live ones implicitly, or each task it ever launched by name (with its agent). */
  reconcileEverything(explicit: boolean): void {
    if (!explicit) return this.reconcile([]);
    const named = [...this.model.tasks.values()].map((task) => ({ taskId: task.taskId, agentId: task.agentId }));
    if (named.length > 0) this.reconcile(named);
    // With operation feedback, every operation it sent with an id, by name and agent: the answers are what it knows at the end (`feedbackLive`).
    const feedback = this.options.feedback;
    if (feedback === undefined || this.state !== 'subscribed') return;
    feedback.finalAnswers = new Map();
    const operations = [...feedback.sent.values()].map((operation) => ({ operationId: operation.operationId, agentId: operation.agentId }));
    for (let start = 0; start < operations.length; start += MAX_RECONCILE_OPERATIONS) this.reconcileOperations(operations.slice(start, start + MAX_RECONCILE_OPERATIONS));
  }

  /**
   * Stops: with `failover`, closes its connection and exits (the master keeps the framework for
   * its failover timeout); without, TEARDOWN first, and exits once it is answered (or not).
   */
  stop(failover = false): void {
    if (this.stopping) return;
    this.stopping = true;
    if (failover) return this.terminate();
    if (this.state !== 'subscribed') {
      // Not subscribed (its stream just ended): its TEARDOWN cannot be sent, and the master keeps the framework for its failover timeout.
      this.model.teardownLost = true;
      return this.terminate();
    }
    this.call('TEARDOWN', {}, () => this.terminate());
  }

  /**
   * What the master must say of the framework's connection now (Mesos' master marks an HTTP
   * framework disconnected as soon as its connection closes: `Master::exited` for an
   * `HttpConnection`): connected while it is subscribed on a stream it hears; disconnected when
   * no connection the master could still think open is left (none half-open, no SUBSCRIBE or
   * TEARDOWN on its way); undefined in between.
   */
  expectedAtMaster(): 'connected' | 'disconnected' | undefined {
    if (this.stopping || this.model.frameworkId === undefined) return undefined;
    if ([...this.abandoned, ...this.superseded].some((connection) => !connection.closed)) return undefined;
    if (this.state === 'subscribed') return this.connection !== undefined && !this.connection.silent ? 'connected' : undefined;
    return this.state === 'disconnected' ? 'disconnected' : undefined;
  }

  /** A new leading master was detected: subscribe to it at once if not subscribed (the library's `detected`). */
  masterDetected(): void {
    if (this.state !== 'disconnected' || this.stopping) return;
    this.resubscription?.cancel();
    this.resubscription = undefined;
    this.backoffMs = RESUBSCRIBE_BACKOFF_MIN_MS;
    this.subscribe();
  }

  /**
   * Subscribes again on a new connection while its stream is open and heard (a client that lost
   * track of it, or a second instance): what it hears on the old one is ignored from now on.
   */
  subscribeAgain(): void {
    const connection = this.connection;
    if (this.state !== 'subscribed' || connection === undefined || connection.silent || this.stopping) return;
    this.model.log(`${this.model.name} subscribes again beside its open stream (${this.id})`);
    this.superseded.add(connection);
    this.connection = undefined;
    this.streamId = undefined;
    this.watchdog?.cancel();
    this.watchdog = undefined;
    this.state = 'disconnected';
    this.model.schedulerDisconnected(this.clock.now());
    this.heldOffers.clear();
    this.backoffMs = RESUBSCRIBE_BACKOFF_MIN_MS;
    this.subscribe();
  }

  // ---- faults the run injects ----------------------------------------------------------------

  /** The subscription's connection breaks (a reset): both ends see it close. */
  breakStream(): void {
    const connection = this.connection;
    if (connection === undefined) return;
    this.model.log(`${this.model.name}'s event stream breaks (${this.id})`);
    connection.close();
    this.connectionEnded(connection);
  }

  /**
   * The subscription's connection goes half-open: the master writes on, nothing arrives, until
   * the client notices the missing heartbeats, closes it and subscribes again.
   */
  silenceStream(): void {
    const connection = this.connection;
    if (connection === undefined || connection.silent) return;
    connection.silent = true;
    this.model.schedulerDisconnected(this.clock.now());
    // On the host's clock, not this actor's: the master's side gives up whether or not this client still runs.
    const model = this.model;
    const id = this.id;
    this.clock.setTimer(HALF_OPEN_MASTER_TIMEOUT_MS, () => {
      if (connection.closed) return;
      model.log(`the master's side of ${id}'s half-open stream gives up (TCP retransmissions): the master sees it close`);
      connection.close();
      this.abandoned.delete(connection);
      if (connection === this.connection) this.connectionEnded(connection); // still its stream: the client sees the reset too
    });
  }

  /** Until `untilMs`, `fraction` of its calls are lost (half before the master, half their answer after). */
  loseCalls(untilMs: number, fraction: number): void {
    this.callLoss = { untilMs, fraction, partitioned: false };
  }

  /** A partition from the masters until `untilMs`: the stream breaks, and every call (SUBSCRIBE included) is lost. */
  partition(untilMs: number): void {
    this.callLoss = { untilMs, fraction: 1, partitioned: true };
    this.breakStream();
  }

  /** The fault from `loseCalls` or `partition` is over. */
  healCalls(): void {
    this.callLoss = undefined;
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  protected override initialize(): void {
    this.subscribe();
  }

  protected override finalize(): void {
    // The process is gone: its connection closes with it, so the master sees the framework disconnect.
    this.watchdog?.cancel();
    this.resubscription?.cancel();
    const connection = this.connection;
    this.connection = undefined;
    // A dead process's sockets close (a half-open one's close is lost on the way, as its data is).
    if (connection !== undefined && !connection.silent) connection.close();
    for (const old of this.superseded) old.close();
    if (this.state === 'subscribed' || this.state === 'subscribing') this.model.schedulerDisconnected(this.clock.now());
    this.state = 'disconnected';
  }

  // ---- subscribing ---------------------------------------------------------------------------

  private subscribe(): void {
    if (this.state !== 'disconnected' || this.stopping) return;
    const leader = this.options.masters.leader();
    if (leader === undefined) return this.resubscribeLater(); // no leader detected: the detector tells `masterDetected`
    const api = this.orStandby(leader);
    this.state = 'subscribing';
    const info = this.model.frameworkInfo();
    const framework = v1FrameworkInfo(this.options.credential !== undefined ? { ...info, principal: this.options.credential.principal } : info);
    const body = { type: 'SUBSCRIBE', ...(this.model.frameworkId !== undefined ? { framework_id: v1Id(this.model.frameworkId) } : {}), subscribe: { framework_info: framework } };
    const loss = this.drawLoss();
    if (loss === 'before') {
      this.model.log(`${this.model.name}'s SUBSCRIBE is lost before the master (${this.id})`);
      return this.subscribeFailed('no answer');
    }
    this.defer(this.request(api, body, false), (answer) => this.subscribeAnswered(answer, loss), (error) => this.subscribeFailed(error.message));
  }

  private subscribeAnswered(answer: { response: HttpResponse; api: Actor }, loss: Loss): void {
    const { response, api } = answer;
    const stream = response.stream;
    if (response.status !== 200 || stream === undefined) return this.subscribeFailed(`${response.status} ${String(response.body ?? '').trim()}`);
    if (loss === 'after' || this.stopping || this.state !== 'subscribing') {
      // Its answer lost on the way: the client never saw the stream, whose connection is gone (the master sees it close).
      if (loss === 'after') this.model.log(`${this.model.name}'s SUBSCRIBE answer is lost after the master (${this.id})`);
      const orphan = new EventConnection(stream, api, () => undefined, () => undefined, () => undefined);
      stream.attach(orphan);
      orphan.close();
      return this.subscribeFailed('no answer');
    }
    this.api = api;
    this.streamId = text(response.headers?.[STREAM_ID_HEADER] ?? response.headers?.['Mesos-Stream-Id']);
    const decode = this.options.protobuf === true ? (record: Buffer): V1Json => v1EventJson('scheduler', record) : undefined;
    const connection = new EventConnection(stream, api, (from, event) => this.event(from, event), (event) => this.eventLost(event), (ended) => this.streamEnded(ended), decode);
    this.connection = connection;
    this.lastEventMs = this.clock.now();
    this.armWatchdog();
    stream.attach(connection);
  }

  private subscribeFailed(why: string): void {
    if (this.state !== 'subscribing') return;
    this.state = 'disconnected';
    this.model.log(`${this.model.name}'s SUBSCRIBE failed (${this.id}): ${why}`);
    this.resubscribeLater();
  }

  /** Subscribes again after the backoff (doubled each time, up to `RESUBSCRIBE_BACKOFF_MAX_MS`). */
  private resubscribeLater(): void {
    if (this.stopping || this.resubscription !== undefined) return;
    const waitMs = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RESUBSCRIBE_BACKOFF_MAX_MS);
    this.resubscription = this.delay(waitMs, () => {
      this.resubscription = undefined;
      this.subscribe();
    });
  }

  /** The stream ended (the master ended it, or stopped) or broke: the framework is away until it subscribes again. */
  /** The master ended a stream (or stopped): an abandoned one is gone for good, the current one ends the subscription. */
  private streamEnded(connection: EventConnection): void {
    this.abandoned.delete(connection);
    this.superseded.delete(connection);
    this.connectionEnded(connection);
  }

  private connectionEnded(connection: EventConnection): void {
    if (connection !== this.connection) return;
    this.connection = undefined;
    this.streamId = undefined;
    this.watchdog?.cancel();
    this.watchdog = undefined;
    if (this.state === 'subscribed' || this.state === 'subscribing') this.model.schedulerDisconnected(this.clock.now());
    this.state = 'disconnected';
    this.heldOffers.clear(); // offers die with the subscription
    this.resubscribeLater();
  }

  /** Checks each heartbeat interval that an event came within `MISSED_HEARTBEATS` intervals; else gives the subscription up. */
  private armWatchdog(): void {
    this.watchdog?.cancel();
    this.watchdog = this.delay(this.heartbeatIntervalMs, () => {
      this.watchdog = undefined;
      const connection = this.connection;
      if (connection === undefined) return;
      if (this.clock.now() - this.lastEventMs < MISSED_HEARTBEATS * this.heartbeatIntervalMs) return this.armWatchdog();
      this.model.log(`${this.model.name} missed ${MISSED_HEARTBEATS} heartbeats (${this.id}): closes its stream and subscribes again`);
      // Only a half-open connection loses heartbeats: on one that works, the master must write one each interval (Mesos' heartbeater).
      if (!connection.silent && this.state === 'subscribed') {
        this.model.httpFailures.push(`no event, not even a HEARTBEAT, for ${MISSED_HEARTBEATS} heartbeat intervals on an open stream (${this.id})`);
      }
      // Half-open, its close does not reach the master either, which keeps the subscription until the next one replaces it.
      if (connection.silent) this.abandoned.add(connection);
      else connection.close();
      this.connectionEnded(connection);
    });
  }

  // ---- events --------------------------------------------------------------------------------

  private event(connection: EventConnection, event: V1Json): void {
    if (connection !== this.connection) return this.oldEvent(connection, event);
    this.lastEventMs = this.clock.now();
    switch (event.type) {
      case 'SUBSCRIBED':
        return this.subscribed(event);
      case 'OFFERS':
        for (const offer of list(at(event, 'offers', 'offers'))) this.answerOffer(offerOfV1(offer, this.model.role));
        return;
      case 'RESCIND':
        this.heldOffers.delete(text(at(event, 'rescind', 'offer_id', 'value')) ?? '');
        return;
      case 'UPDATE':
        return this.update(statusOfV1(at(event, 'update', 'status')), text(at(event, 'update', 'status', 'uuid')));
      case 'FAILURE': {
        const agentId = text(at(event, 'failure', 'agent_id', 'value'));
        if (agentId !== undefined && at(event, 'failure', 'executor_id') === undefined) this.model.log(`${this.model.name} hears agent ${agentId} is lost`);
        return;
      }
      case 'ERROR':
        return this.error(text(at(event, 'error', 'message')) ?? '?');
      case 'UPDATE_OPERATION_STATUS':
        return this.operationStatus(at(event, 'update_operation_status', 'status'));
      default:
        return; // HEARTBEAT, MESSAGE
    }
  }

  /** An event on a stream it subscribed again beside: ignored (as the library ignores an older subscription's), but checked. */
  private oldEvent(connection: EventConnection, event: V1Json): void {
    if (event.type === 'UPDATE') this.eventLost(event);
    const message = text(at(event, 'error', 'message'));
    if (event.type === 'ERROR' && this.superseded.has(connection) && message !== FRAMEWORK_FAILED_OVER_ERROR) {
      this.model.httpFailures.push(`a stream subscribed again beside ended with ERROR '${message ?? '?'}', not '${FRAMEWORK_FAILED_OVER_ERROR}' (${this.id})`);
    }
  }

  /** An event the master wrote on a half-open connection: never heard. */
  private eventLost(event: V1Json): void {
    if (event.type !== 'UPDATE') return;
    this.model.updateDropped(statusOfV1(at(event, 'update', 'status')).taskId);
  }

  private subscribed(event: V1Json): void {
    const frameworkId = text(at(event, 'subscribed', 'framework_id', 'value'));
    if (frameworkId === undefined || this.state !== 'subscribing') return;
    const seconds = at(event, 'subscribed', 'heartbeat_interval_seconds');
    if (typeof seconds === 'number' && seconds > 0) this.heartbeatIntervalMs = seconds * 1000;
    this.armWatchdog();
    this.state = 'subscribed';
    this.backoffMs = RESUBSCRIBE_BACKOFF_MIN_MS;
    for (const old of this.superseded) {
      if (!old.closed) this.model.httpFailures.push(`SUBSCRIBED on the new stream while the master keeps the one it replaced open (${this.id})`);
    }
    const first = this.model.frameworkId === undefined || this.model.frameworkId !== frameworkId;
    this.model.frameworkId = frameworkId;
    this.model.schedulerUp(this.clock.now());
    if (first) {
      this.model.log(`${this.model.name} registered as ${frameworkId} (v1 HTTP)`);
      return;
    }
    // As after an actor framework's failover: the master's own updates went to no one while it was away.
    const live = this.model.liveTasks().map((task) => ({ taskId: task.taskId, agentId: task.agentId }));
    this.model.log(`${this.model.name} subscribed again (${this.id}); reconciles ${live.length} live task(s)`);
    if (live.length > 0) this.reconcile(live);
    const feedback = this.options.feedback;
    if (feedback !== undefined && feedback.drawReconciliation()) this.reconcileOperations(feedback.chooseReconciliation());
  }

  /**
   * An UPDATE_OPERATION_STATUS: heard (chaos-feedback.ts checks it), and one with a `uuid`
   * acknowledged (ACKNOWLEDGE_OPERATION_STATUS, the uuid's bytes as they came) at once, late, or
   * never, as drawn for that status.
   */
  private operationStatus(status: unknown): void {
    const feedback = this.options.feedback;
    const operationId = text(at(status, 'operation_id', 'value'));
    if (feedback === undefined || operationId === undefined) return;
    const uuid = text(at(status, 'uuid', 'value'));
    const agentId = text(at(status, 'agent_id', 'value'));
    const message = text(at(status, 'message'));
    const heard: HeardStatus = {
      operationId, state: text(at(status, 'state')) as HeardStatus['state'],
      ...(uuid !== undefined ? { uuid } : {}), ...(agentId !== undefined ? { agentId } : {}), ...(message !== undefined ? { message } : {}),
    };
    this.model.log(`${this.model.name} hears operation ${operationId} ${heard.state}${uuid !== undefined ? ' (to acknowledge)' : ''}`);
    const answer = feedback.heard(heard);
    if (answer === undefined || answer.kind === 'never' || uuid === undefined || agentId === undefined) return;
    const acknowledge = (): void => {
      if (this.state !== 'subscribed') return;
      feedback.acknowledgedStatus(operationId, uuid);
      this.call('ACKNOWLEDGE_OPERATION_STATUS', { acknowledge_operation_status: { agent_id: v1Id(agentId), uuid, operation_id: v1Id(operationId) } });
    };
    if (answer.kind === 'now') acknowledge();
    else this.delay(answer.delayMs, acknowledge);
  }

  /** RECONCILE_OPERATIONS of `operations` (none: implicitly, every operation the master knows of the framework). */
  private reconcileOperations(operations: ReadonlyArray<{ operationId: string; agentId?: string }>): void {
    const named = operations.map((operation) => ({ operation_id: v1Id(operation.operationId), ...(operation.agentId !== undefined ? { agent_id: v1Id(operation.agentId) } : {}) }));
    this.call('RECONCILE_OPERATIONS', { reconcile_operations: { operations: named } });
  }

  /** An UPDATE: heard, and acknowledged with the `uuid` as it came (base64), as v1 acknowledgements are explicit. */
  private update(status: TaskStatus, uuid: string | undefined): void {
    this.model.observe(status, this.clock.now());
    if (uuid === undefined || status.agentId === undefined) return;
    this.call('ACKNOWLEDGE', { acknowledge: { agent_id: v1Id(status.agentId), task_id: v1Id(status.taskId), uuid } });
  }

  private error(message: string): void {
    // The master ended the subscription with a reason (the framework was removed, or refused): as the actor schedulers, the run judges it.
    this.model.errors.push(message);
    this.model.log(`${this.model.name}'s scheduler ${this.id} got ERROR: ${message}${message === FRAMEWORK_REMOVED_ERROR || message.startsWith(TORN_DOWN_BY_OPERATOR_ERROR) ? '' : ' (unexpected)'}`);
    this.stopping = true;
    this.terminate();
  }

  // ---- calls ---------------------------------------------------------------------------------

  private answerOffer(offer: Offer, mayHold = true): void {
    const plan = planOffer(this.model, offer, this.clock.now(), mayHold && this.heldOffers.size < MAX_HELD_OFFERS);
    if (plan.kind === 'hold') {
      this.heldOffers.set(offer.id, offer);
      return;
    }
    const filters = { refuse_seconds: plan.filters.refuseSeconds };
    if (plan.kind === 'decline') return this.call('DECLINE', { decline: { offer_ids: [v1Id(offer.id)], filters } });
    const operations = plan.conversions === undefined ? [{ type: 'LAUNCH', launch: { task_infos: plan.tasks.map(v1TaskInfo) } }] : planOperations(plan).map((operation) => this.withFeedbackId(v1Operation(operation), offer));
    this.call('ACCEPT', { accept: { offer_ids: [v1Id(offer.id)], operations, filters } }, undefined, plan.tasks);
  }

  /** With operation feedback, an operation other than a launch maybe with an `id` (drawn), recorded as sent to the offer's agent. */
  private withFeedbackId(operation: V1Json, offer: Offer): V1Json {
    const feedback = this.options.feedback;
    const type = String(operation.type);
    if (feedback === undefined || type === 'LAUNCH' || type === 'LAUNCH_GROUP') return operation;
    const operationId = feedback.operationId(type, offer.agentId);
    return operationId === undefined ? operation : { ...operation, id: v1Id(operationId) };
  }

  private reconcile(tasks: ReadonlyArray<{ taskId: string; agentId?: string }>): void {
    const named = tasks.map((task) => ({ task_id: v1Id(task.taskId), ...(task.agentId !== undefined ? { agent_id: v1Id(task.agentId) } : {}) }));
    this.call('RECONCILE', { reconcile: { tasks: named } });
  }

  /**
   * Sends a call on the subscription (dropped when not subscribed, as the library drops them).
   * A lost call or answer shows as no answer within `CALL_ANSWER_TIMEOUT_MS`; an idempotent call
   * is then sent again. `done` runs once it is answered or given up.
   */
  private call(type: string, fields: V1Json, done?: () => void, launched: readonly TaskInfo[] = [], attempt = 0): void {
    const api = this.api;
    const frameworkId = this.model.frameworkId;
    const connection = this.connection;
    if (this.state !== 'subscribed' || api === undefined || frameworkId === undefined || connection === undefined) {
      // Not sent: a launch never reaches the master, and the framework learns of it by reconciling.
      for (const task of launched) this.model.updateDropped(task.taskId);
      if (type === 'TEARDOWN') this.model.teardownLost = true;
      return done?.();
    }
    const loss = this.drawLoss();
    const noAnswer = (): void => {
      this.delay(CALL_ANSWER_TIMEOUT_MS, () => {
        if (IDEMPOTENT_CALLS.has(type) && attempt < MAX_CALL_RETRIES && !this.stopping) this.call(type, fields, done, launched, attempt + 1);
        else done?.();
      });
    };
    if (loss === 'before') {
      this.model.log(`${this.model.name}'s ${type} is lost before the master (${this.id})`);
      for (const task of launched) this.model.updateDropped(task.taskId);
      if (type === 'TEARDOWN') this.model.teardownLost = true;
      return noAnswer();
    }
    const body = { type, framework_id: v1Id(frameworkId), ...fields };
    this.defer(this.request(this.orStandby(api), body, true), ({ response, api: answeredBy }) => {
      if (loss === 'after') {
        this.model.log(`${this.model.name}'s ${type} answer (${response.status}) is lost after the master (${this.id})`);
        return noAnswer();
      }
      if (answeredBy !== api && response.status === 503) {
        // A master that does not lead and knows no leader (Mesos' `redirect`: 503 "No leader elected"): as if unanswered.
        for (const task of launched) this.model.updateDropped(task.taskId);
        if (type === 'TEARDOWN') this.model.teardownLost = true;
        return noAnswer();
      }
      this.callAnswered(type, response, connection, launched);
      done?.();
    }, (error) => {
      this.callAnswered(type, { status: 0, body: error.message }, connection, launched);
      done?.();
    });
  }

  /**
   * A call's answer: 202, unless the subscription it was made on has ended since (the master
   * then answers 403 `Framework is not subscribed`, or 400 for a stream id it no longer knows).
   * Any other answer on a live subscription is a bug of the master, noted for the run's checks.
   */
  private callAnswered(type: string, response: HttpResponse, connection: EventConnection, launched: readonly TaskInfo[]): void {
    if (response.status === 202) return;
    for (const task of launched) this.model.updateDropped(task.taskId);
    if (type === 'TEARDOWN') this.model.teardownLost = true;
    if (connection.closed || connection !== this.connection) return;
    this.model.httpFailures.push(`${type} on a live subscription answered ${response.status}: ${String(response.body ?? '').trim().slice(0, 200)}`);
  }

  /** How the next call is lost under a `loseCalls` fault (or a partition); undefined when it is not. */
  private drawLoss(): Loss {
    const loss = this.callLoss;
    if (loss === undefined || this.clock.now() >= loss.untilMs) return undefined;
    if (this.options.random.next() >= loss.fraction) return undefined;
    return loss.partitioned || this.options.random.next() < CALL_LOST_BEFORE_SHARE ? 'before' : 'after';
  }

  /** `api`, or now and then (`WRONG_MASTER_PROBABILITY`) a master that does not lead: its 307 leads back to the leader. */
  private orStandby(api: Actor): Actor {
    const standbys = this.options.masters.standbys();
    if (standbys.length === 0 || this.options.random.next() >= WRONG_MASTER_PROBABILITY) return api;
    return standbys[this.options.random.nextInt(standbys.length)] as Actor;
  }

  /**
   * POSTs `body` to `api`'s scheduler route in process, following a 307 to the master its
   * `Location` names (at most `MAX_REDIRECTS` times). Resolves with the answer and who gave it.
   */
  private async request(api: Actor, body: V1Json, withStreamId: boolean): Promise<{ response: HttpResponse; api: Actor }> {
    let target = api;
    for (let hop = 0; ; hop++) {
      const route = target.runtime.routes.get(API_ROUTE);
      if (route === undefined || target.runtime.state !== 'running') return { response: { status: 503, body: 'connection refused' }, api: target };
      const response = await dispatch(target, (actor) => route.call(actor, this.httpRequest(body, withStreamId)));
      const stream = response.stream;
      if (stream !== undefined) {
        // As the host serves a streaming answer: an actor that stopped meanwhile answers 503 and the
        // stream's owner hears it close at once; else the stream ends with the actor (a master stopping).
        if (target.runtime.state !== 'running') {
          stream.closedByPeer();
          return { response: { status: 503, body: `actor '${target.id}' is not running` }, api: target };
        }
        (target.runtime.streams ??= new Set()).add(stream);
      }
      const location = text(response.headers?.location ?? response.headers?.Location);
      if (response.status !== 307 || location === undefined || hop >= MAX_REDIRECTS) return { response, api: target };
      const next = this.options.masters.resolve(location);
      if (next === undefined) return { response, api: target };
      // Logged for SUBSCRIBE only: other calls are redirected too often to keep the log readable.
      if (body.type === 'SUBSCRIBE') this.model.log(`${this.model.name}'s SUBSCRIBE was redirected (307) to ${location} (${this.id})`);
      target = next;
    }
  }

  private httpRequest(body: V1Json, withStreamId: boolean): HttpRequest {
    const credential = this.options.credential;
    const mediaType = this.options.protobuf === true ? APPLICATION_PROTOBUF : 'application/json';
    const headers: Record<string, string> = {
      'content-type': mediaType, accept: mediaType,
      ...(withStreamId && this.streamId !== undefined ? { [STREAM_ID_HEADER]: this.streamId } : {}),
      ...(credential !== undefined ? { authorization: basicAuthorization(credential.principal, credential.secret) } : {}),
    };
    const bytes = this.options.protobuf === true ? Buffer.from(v1CallBytes('scheduler', body)) : Buffer.from(JSON.stringify(body));
    return { method: 'POST', path: '/api/v1/scheduler', query: {}, headers, body: bytes, remoteAddress: '127.0.0.1' };
  }
}
