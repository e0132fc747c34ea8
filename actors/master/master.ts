/**
 * The master actor (Mesos' `Master`): it admits agents and health-checks them, registers
 * frameworks, turns the allocator's allocations into offers, validates and launches tasks,
 * forwards status updates and acknowledgements, kills and reconciles tasks, and serves the
 * `/master/...` HTTP endpoints. Pure rules live next door: validation.ts, reconciliation.ts,
 * state.ts (the books: plain records and their indexes), http.ts (the JSON), metrics.ts; each
 * agent's health checks are an AgentObserver (agent-observer.ts). The master owns every timer.
 */
import { boundedText } from '../../lib/protocol/plain';
import { parseUnicodeJson } from '../../lib/utf8';
import { Actor, dispatch, post, UPID, type BodyOf, type MessageType, type Timer } from '../../lib/actor';
import {
  authenticateRequest, httpError, isResponse, methodNotAllowed, ok, TextParts, withRouteOptions, type RouteOptions, type HttpCaller, type HttpRequest, type HttpResponse,
} from '../../lib/process';
import { VERSION } from '../../lib/version';
import { isStrictSubrole, Resources, withResourcesReadAsBefore, type ResourceJSON } from '../../lib/resources';
import {
  AcceptInverseOffers, DeclineInverseOffers, InverseOffers, RescindInverseOffer,
  AcceptOffers, AgentRegistered, Authenticate, DrainAgent, CheckpointResources, AuthenticationChallenge, AuthenticationCompleted, AuthenticationFailed,
  AuthenticationResponse, Shutdown, AgentReregistered, DeactivateFramework, DeclineOffers, ExecutorToFramework,
  ExitedExecutor, FrameworkError, FrameworkRegistered, FrameworkReregistered, FrameworkToExecutor, KillTask,
  KillTaskOnAgent, LaunchTasks, LostAgent, Ping, Pong, ReconcileTasks, RegisterAgent, RegisterFramework, ReconcileOperations, AcknowledgeOperationStatus, OperationStatusUpdate, OperationStatusAcknowledgement, UpdateOperationStatus,
  ReregisterAgent, ReregisterFramework, RescindResourceOffer, ResourceOffers, ReviveOffers, RunTask, RunTaskGroup,
  ShutdownExecutor, ShutdownExecutorCall, ShutdownFramework, StatusUpdateAcknowledgement, StatusUpdateMessage, SuppressOffers, UnregisterAgent,
  UnregisterFramework, UpdateAgent, UpdateFramework, UpdateFrameworkAnswer, UpdateFrameworkCall, droppedTaskState, isPartitionAware, isTerminalState, snapshotTask,
  type AgentInfo, type ExecutorInfo, type Filters, type FrameworkInfo, type MasterInfo, type Offer, type StatusUpdate,
  isTerminalOperationState, MAX_AGENT_REPORTED_OPERATIONS, type AgentOperation, type OperationStatus,
  type Operation, type OperationState, type Task, type TaskInfo, type TaskState, type TaskStatus,
} from '../../lib/protocol';
import { agentTotalOf, conversionOf, offerConversion, operatorOperation, resizeConversionOf, type Conversion, type ConversionKind, type ResizeRequest } from './reservations';
import type { AgentEndpoint } from '../../lib/v1/json';
import { carriedOperationBytes, MAX_CARRIED_OPERATION_BYTES, OperationBook, operationBytes, type MasterOperation } from './operations';
import { isUuidText } from '../../lib/uuid';
import type { Allocator } from '../allocator/allocator';
import type { Allocation } from '../allocator/hierarchical';
import type { RefuseFilter } from '../allocator/allocator-process';
import { MAX_REFUSE_SECONDS } from '../allocator/constants';
import { Authorizer, describeDenial, PERMISSIVE_AUTHORIZER, unenforcedActionsIn } from '../../lib/acls';
import { AuthenticationSessions, NO_AUTHENTICATION_IN_PROGRESS } from './authentication';
import { AgentObserver, describeUnreachable, type AgentObserverHooks, type AgentObserverOptions, type UnreachableCause } from './agent-observer';
import { AGENT_PING_TICK_MS, FRAMEWORK_ID_DIGITS, MASTER_ACTOR_ID, MAX_REMOVED_AGENTS, MAX_ERROR_DETAIL_LENGTH, MAX_LOGGED_IDS, MAX_LOGGED_REASON_LENGTH, MAX_LOGGED_RESOURCES_LENGTH, MAX_TASK_ERROR_LENGTH, MAX_BOOKED_OPERATION_BYTES, MAX_OPERATION_BYTES_PER_FRAMEWORK, MAX_OPERATIONS_PER_FRAMEWORK, ORPHAN_OPERATION_ADOPTION_MS, STATE_CACHE_TIMEOUT_MS, UNAUTHENTICATED_OFFER_TIMEOUT_MS } from './constants';
import { httpAuthenticationOf, operatorHttpAuthenticationOf, renderMasterFlags, type MasterFlags } from './flags';
import { masterRouteAccess } from './route-access';
import { KeyedTimers } from './keyed-timers';
import { TickedTimers } from './ticked-timers';
import { OfferExpiry } from './offer-expiry';
import {
  checkTasksQuery, decodeFormBody, renderFrameworks, renderRoles, renderSlaves, renderState, renderStateSummary, consumedQuotaOf, subtreeBreakdown, type FrameworksQuery, type RoleQuota,
  type SlavesQuery, type StateContext, type TasksQuery,
} from './http';
import { flagsResponse, v1LoggingLevel } from '../../lib/info-actors';
import { consumedQuota, describeQuantities, isBadRequest, type BadRequest, overcommitError as quotaOvercommitError, parseQuotaRequest, parseWeights, quotaRequestOf, quotaConfigValueError, quotaRoleError, type QuotaRequest } from './roles-http';
import { aclViewer, SEE_ALL } from '../../lib/state-json';
import { StateFragments, v1SubscribedEnvelope, type KeptPart, type RenderingTail, type WarmTarget } from './state-fragments';
import { MasterCounters, masterMetrics, perFrameworkMetrics, PrincipalCounters, TaskReasonCounters, type MasterCounter } from './metrics';
import { reconcile, type AgentStanding, type ReconcileRequest, type ReconciliationView } from './reconciliation';
import type { Registry } from './registry';
import {
  allocationRoleOf, HTTP_PEER_PREFIX, isHttpFramework, isTerminalOrUnreachable, MasterState, agentCapabilities, agentGivesFeedback, newAgentRecord, newFrameworkRecord, newOfferRecord, overcommitError, parseResources,
  trackExecutor, trackLaunchedTask, type AgentRecord, type FrameworkRecord, type OfferRecord, type TrackedTask,
} from './state';
import { MessageThrottle } from './throttle';
import { OperatorApi, type MasterEvent, type OperatorEncodingFigures, type OperatorLimits, type OperatorPort } from './v1-operator';
import { quotaStatus, v1GetRoles, v1GetState, type V1Context } from './v1-operator-json';
import type { V1Counted } from './v1-scheduler';
import { v1Answer } from '../../lib/v1/http';
import { v1GetOperations, type QuotaConfig } from '../../lib/v1/operator';
import { masterStatusUpdate, Reason, type MasterReason } from './updates';
import {
  canonicalJson, frameworkInfoUpdateError, frameworkMinAllocatable, frameworkRoles, frameworkUpdateError, groupResources, preservedImmutableFields, LaunchParses, launchResources, listedRoles, validateFrameworkInfo, validateOffers, validateTask, validateTaskGroup, withFrameworkId,
  type TaskContext,
} from './validation';
import { withFields } from '../../lib/with-fields';
import type { Logger } from '../../lib/logging';
import { TaskSummaries } from './task-summaries';
import { AgentDrainer } from './drain';
import { MACHINE_IS_DOWN_MESSAGE, Maintenance } from './maintenance';

/**
 * How an offer leaves the books (`retireOffer`). Every offer leaves by this one path, whichever
 * combination applies: a timed-out offer is rescinded and recovered; a declined one is recovered
 * with the decline's filter; an accepted one is neither (the launch takes its resources); an
 * offer on a removed agent is rescinded but not recovered (the allocator released the agent).
 */
interface OfferRetirement {
  /** Tell the framework (RescindResourceOffer): it may still be holding the offer. */
  readonly rescind: boolean;
  /**
   * Give the resources back to the allocator. False when the allocator released them already
   * (it removed the agent or the framework) or the caller takes them (a launch).
   */
  readonly recover: boolean;
  /** The allocator filter for what is recovered (a decline's `refuseSeconds`); none by default. */
  readonly filter?: RefuseFilter;
}

/**
 * Why an agent is removed: it stopped answering pings or re-registering, it unregistered, a new
 * agent took its address, it was marked gone, or its machine went DOWN for maintenance.
 */
type AgentRemoval = 'unreachable' | 'unregistered' | 'replaced' | 'gone' | 'maintenance';

/** The body of a ReregisterAgent message. */
type ReregisterAgentBody = BodyOf<typeof ReregisterAgent>;

/** What a recovered agent's report brings into the books (see `adoptableReport`). */
interface AdoptableReport {
  readonly tasks: TrackedTask[];
  readonly executors: Array<{ readonly frameworkId: string; readonly info: ExecutorInfo; readonly resources: Resources; readonly role: string | undefined }>;
}

/** The MasterInfo of the master at `pid` with id `id` (what it tells peers, and publishes in ZooKeeper). */
export function masterInfoOf(pid: UPID, flags: Pick<MasterFlags, 'hostname'>, id: string): MasterInfo {
  return { id, ip: pid.host, port: pid.port, pid: pid.toString(), hostname: flags.hostname ?? pid.host, version: VERSION };
}

/** Who a master is, beyond its flags (all optional: a lone master needs none). */
export interface MasterIdentity {
  /** Its id (default: a new one at `initialize`); a contending master passes the one it published in ZooKeeper. */
  readonly masterId?: string;
  /** Its actor id (default `master`). */
  readonly actorId?: string;
  /** Whether it may still say it leads (default: always); see `ContendingMaster`. */
  readonly leading?: () => boolean;
  /** When its process started (ms on its clock; default: when it starts): a contending master's standby came first. */
  readonly processStartTimeMs?: number;
}

/**
 * The master. Spawn it with `startMaster` (index.ts), which also creates its allocator, its
 * registry and the metrics actor. Its protocol is the handler block in the constructor; the
 * public methods below it are for the allocator's offer callback, the metrics actor and tests.
 */
export class Master extends Actor {
  /** The books: frameworks, agents, tasks, offers. */
  private readonly state: MasterState;
  /** Actors of this host speaking for v1 HTTP frameworks → their clients' peer keys (`http:<ip>`; `adoptHttpFramework`). */
  private readonly httpClients = new Map<string, string>();
  /** Counters for `/metrics/snapshot`. */
  private readonly counters = new MasterCounters();
  /** `frameworks/<principal>/messages_received` and `_processed`, for `/metrics/snapshot`. */
  private readonly principalCounters = new PrincipalCounters();
  /** `master/<state>/<source>/<reason>`, for `/metrics/snapshot`. */
  private readonly taskReasonCounters = new TaskReasonCounters();
  /** Framework calls waiting for their principal's rate limit (`--rate_limits`), and the timers that let them through. */
  private readonly throttle: MessageThrottle;
  /** Who this master is; set by `initialize`. */
  private info: MasterInfo | undefined;
  /** When its process started (ms since the epoch, host clock; Mesos' `start_time`, and `master/uptime_secs` counts from it). */
  private startTimeMs = 0;
  /** When it was elected and started (Mesos' `elected_time`). */
  private electedTimeMs = 0;
  private readonly processStartTimeMs: number | undefined;
  /** Next framework id number (`<masterId>-0000`, `-0001`, ...). */
  private nextFrameworkNumber = 0;
  /** Next agent id number (`<masterId>-S0`, ...). */
  private nextAgentNumber = 0;
  /** Next offer id number (`<masterId>-O0`, ...). */
  private nextOfferNumber = 0;
  /** Agents whose admission is being written to the registry: pid text → agent id. */
  private readonly admittingAgents = new Map<string, string>();
  /**
   * Pids of `admittingAgents` from which a ReregisterAgent came while the admission was written:
   * the process there has an id, so its RegisterAgent was a late one, and the admission is
   * withdrawn when its write ends (`agentAdmitted`).
   */
  private readonly supersededAdmissions = new Set<string>();
  /** Recovered agents whose removal (they did not re-register in time) is being written. */
  private readonly markingUnreachable = new Set<string>();
  /** Removed agents that came back, whose re-admission is being written (Mesos' `slaves.reregistering`). */
  private readonly readmittingAgents = new Set<string>();
  /** Agents whose re-registration brought new info that is being written to the registry (answered once it is durable). */
  private readonly updatingAgents = new Set<string>();
  /**
   * Agents with an operator's conversion (`/reserve`, `/unreserve`) the allocator has made or is
   * making and the master's books do not have yet, and how many: a new total the master sent the
   * allocator meanwhile would undo it there, not here.
   */
  private readonly convertingAgents = new Map<string, number>();
  /**
   * The volumes operators' CREATEs are making on each agent while the allocator converts them:
   * a CREATE checked meanwhile (a framework's, another operator's) must not take their persistence
   * ids, or the agent would be told of two volumes with one id (and refuse every word after).
   */
  private readonly creatingVolumes = new Map<string, Resources>();
  /**
   * Pids of agents whose re-registration waits on a registry write, linked when it began: true
   * once that link broke. The agent that asked is then gone, and whatever answers at its pid
   * later is another incarnation (a machine that restarted fresh) that must not be taken for it.
   */
  private readonly linkBrokeDuringWrite = new Map<string, boolean>();
  /** Removes recovered agents that do not re-register in time after a restart. */
  private recoveredAgentsTimer: Timer | undefined;
  /** Where the allocator's refusal of a return goes: counted and logged back in this mailbox (one closure for all returns). */
  private readonly recoverRefused = (error: Error): void => {
    post(this, (master) => master.allocatorRefused('recoverResources', error), () => undefined);
  };
  /** Where the allocator's refusal of an accept's end (`Allocator.sendAcceptEnd`) goes, as `recoverRefused`. */
  private readonly acceptEndRefused = (error: Error): void => {
    post(this, (master) => master.allocatorRefused('acceptEnd', error), () => undefined);
  };
  /** Rescinds each outstanding offer at its offer timeout, one timer per allocation's offers with the same timeout. */
  private readonly offerExpiry = new OfferExpiry<OfferRecord>((ms, callback) => this.delay(ms, callback), (record) => this.retireOffer(record.offer.id, { rescind: true, recover: true }));
  /** Removes each disconnected framework at its failover timeout, by framework id. */
  private readonly failoverTimers = new KeyedTimers((ms, callback) => this.delay(ms, callback));
  /** The health checks of each registered agent, by agent id (until its removal is durable). */
  private readonly observers = new Map<string, AgentObserver<AgentRecord>>();
  /** What every agent's observer works to (the flags), and what it asks of this master: one of each for all agents. */
  private readonly observerLimits: AgentObserverOptions;
  /** The pings' timers, every agent's on shared ticks of `AGENT_PING_TICK_MS` (ticked-timers.ts). */
  private readonly pingTimers: TickedTimers;
  private readonly observerHooks: AgentObserverHooks<AgentRecord> = {
    delay: (ms, callback) => this.delay(ms, callback),
    every: (ms, target) => this.pingTimers.every(ms, target),
    ping: (agent) => this.send(agent.pid, Ping, { connected: agent.connected }),
    unreachable: (agent, cause) => this.agentUnreachable(agent, cause),
  };
  /** Authentication exchanges and authenticated pids; set by `initialize` when the master has credentials. */
  private authentication: AuthenticationSessions | undefined;
  /** Decides what the ACLs allow (`--acls`; everything without them). */
  private readonly authorizer: Authorizer;
  /** See `MasterIdentity`. */
  private readonly masterId: string | undefined;
  private readonly leading: () => boolean;
  /** Role weights set through `/master/weights` (Mesos' `master->weights`): the registry's, once durable. */
  private readonly weights = new Map<string, number>();
  /** Quotas set through `/master/quota`, by role: the registry's, once durable. */
  private readonly quotas = new Map<string, RoleQuota>();
  /** Roles whose quota change is being written to the registry (another change of theirs waits: 409). */
  private readonly changingQuotas = new Set<string>();
  /**
   * Quotas a legacy set (`POST /master/quota`, SET_QUOTA) is writing, by role: the next set's
   * overcommit check counts them, as Mesos' counts a quota it holds from before its write.
   */
  private readonly settingQuotas = new Map<string, RoleQuota>();
  /** Who is told of each change of the books (`onEvent`): the v1 operator API's event streams. */
  private readonly eventListeners: Array<(event: MasterEvent) => void> = [];
  /** Agents an operator marked gone (MARK_AGENT_GONE; the registry's, once durable), oldest first, at most `MAX_REMOVED_AGENTS`: refused if they come back. */
  private readonly goneAgents = new Set<string>();
  /** Operations with feedback, pending or not yet acknowledged (operations.ts). */
  private readonly operationBook = new OperationBook();
  /** Agents absent from the books (recovered or unreachable) whose MARK_AGENT_GONE is being written: they may not re-register meanwhile. */
  private readonly markingGone = new Set<string>();
  /** What the state endpoints rendered, kept between requests (`StateFragments`). */
  private readonly stateFragments: StateFragments;
  /** Renderings under way, by request (`sharedRendering`). */
  private readonly renderings = new Map<string, SharedRendering>();
  /** Renderings between their first turn and their last (`warmAndRender`): none is swept from under one. */
  private renderingsUnderWay = 0;
  /** How the state endpoints' renderings went (`renderingFigures`). */
  private readonly renderingStats: RenderingFigures = noRenderings();
  /** The v1 operator API (`/api/v1`), run in this mailbox; set by `serveOperatorApi`. */
  private operatorApi: OperatorApi | undefined;
  /** Agents an operator deactivated or drained (drain.ts). */
  private readonly drainer: AgentDrainer;
  /** The maintenance schedule, the machines' modes and the inverse offers (maintenance.ts). */
  private readonly maintenance: Maintenance;

  /**
   * @param identity `masterId`: this master's id (default: a new one at `initialize`; a
   *   contending master passes the id it published); `actorId` (default `master`; a simulation
   *   running several masters on one host gives each its own); `leading`: whether it may still
   *   say it leads (a contending master checks its ZooKeeper session; default always): while
   *   not, the endpoints that speak as the leader answer 503
   */
  constructor(
    private readonly flags: MasterFlags,
    private readonly registry: Registry,
    private readonly allocator: Allocator,
    identity: MasterIdentity = {},
  ) {
    super(identity.actorId ?? MASTER_ACTOR_ID);
    this.masterId = identity.masterId;
    this.leading = identity.leading ?? ((): boolean => true);
    this.processStartTimeMs = identity.processStartTimeMs;
    this.state = new MasterState(flags);
    this.stateFragments = new StateFragments(this.state, flags.stateLastTurnOffers, flags.stateLastTurnTasks);
    this.observerLimits = { pingTimeoutMs: flags.agentPingTimeoutMs, maxPingTimeouts: flags.maxAgentPingTimeouts, reregisterTimeoutMs: flags.agentReregisterTimeoutMs };
    this.pingTimers = new TickedTimers(Math.min(AGENT_PING_TICK_MS, flags.agentPingTimeoutMs), () => this.clock.now(), (ms, callback) => this.delay(ms, callback));
    this.authorizer = flags.acls !== undefined ? new Authorizer(flags.acls) : PERMISSIVE_AUTHORIZER;
    this.throttle = new MessageThrottle(flags.rateLimits, () => this.clock.now(), (ms, callback) => this.delay(ms, callback));
    this.drainer = new AgentDrainer({
      logger: () => this.log, registry, state: this.state, authorizer: this.authorizer,
      now: () => this.clock.now(),
      defer: (promise, then, failed) => this.defer(promise, then, failed),
      markingGone: (agentId) => this.markingGone.has(agentId),
      deactivate: (agent) => {
        this.allocatorCall('deactivateAgent', this.allocator.deactivateAgent(agent.id));
        this.retireOffers(agent.offerIds, { rescind: true, recover: true });
        // As Mesos' `deactivate(Slave*)`: its inverse offers go too.
        this.maintenance.agentDeactivated(agent);
      },
      activate: (agent) => this.allocatorCall('activateAgent', this.allocator.activateAgent(agent.id)),
      sendDrain: (agent, config) => this.send(agent.pid, DrainAgent, { config }),
      operationsOn: (agentId) => (this.operationBook.size === 0 ? 0 : this.operationBook.agentCount(agentId)),
      markGone: (agent, done) => this.removeGoneAgent(agent, 'drained, and marked gone as its draining asked', done, done),
    });
    // The registry retries a failed write until it is durable, acknowledging nothing meanwhile.
    registry.onWriteFailure = (error, retryInMs) => this.log.error({ error: error.message, retryInMs }, 'registry write failed; retrying');
    const log = (): Logger => this.log;
    this.maintenance = new Maintenance({
      get log(): Logger {
        return log();
      },
      registry, authorizer: this.authorizer, state: this.state,
      passIntervalMs: flags.allocationIntervalMs, offerTimeoutMs: flags.offerTimeoutMs,
      now: () => this.clock.now(),
      delay: (ms, callback) => this.delay(ms, callback),
      durably: (write, then, failed) => this.defer(write, then, failed),
      newOfferId: () => [this.masterInfo().id, this.nextOfferNumber++].join('-O'),
      agentEndpoint: (agentId) => this.agentEndpoint(agentId),
      rescindAgentOffers: (agent) => this.retireOffers(agent.offerIds, { rescind: true, recover: true }),
      shutDownAgent: (agent, message) => {
        this.send(agent.pid, Shutdown, { message });
        this.removeAgent(agent, 'maintenance', message);
      },
      sendInverseOffers: (framework, inverseOffers) => this.toFramework(framework, InverseOffers, { inverseOffers }),
      rescindInverseOffer: (framework, inverseOfferId) => this.toFramework(framework, RescindInverseOffer, { inverseOfferId }),
    });
    // Which machine each agent is on, as they come and go.
    this.onEvent((event) => {
      if (event.type === 'AGENT_ADDED') this.maintenance.agentAdded(event.agent);
      else if (event.type === 'AGENT_REMOVED') this.maintenance.agentRemoved(event.agentId);
    });
    // framework or agent → master: authentication (lib/authentication.ts)
    this.handle(Authenticate, 'messages_authenticate', this.authenticate);
    this.handle(AuthenticationResponse, 'messages_authentication_response', this.authenticationResponse);
    // framework → master
    this.handle(RegisterFramework, 'messages_register_framework', this.registerFramework, (body) => body.framework);
    this.handle(ReregisterFramework, 'messages_reregister_framework', this.reregisterFramework, (body) => body.framework);
    this.handle(UnregisterFramework, 'messages_unregister_framework', this.unregisterFramework);
    // Mesos has no counter of its own for UPDATE_FRAMEWORK (a v1 call); the framework's metrics count it.
    this.handle(UpdateFrameworkCall, undefined, this.updateFrameworkCall);
    this.handle(DeactivateFramework, 'messages_deactivate_framework', this.deactivateFramework);
    this.handle(AcceptOffers, 'messages_accept_offers', this.acceptOffers);
    this.handle(LaunchTasks, 'messages_launch_tasks', this.launchTasks);
    this.handle(DeclineOffers, 'messages_decline_offers', this.declineOffers);
    this.handle(ReviveOffers, 'messages_revive_offers', this.reviveOffers);
    this.handle(SuppressOffers, 'messages_suppress_offers', this.suppressOffers);
    // Mesos' master has no counters of its own for these (v1 calls); the framework's metrics count them.
    this.handle(AcceptInverseOffers, undefined, this.acceptInverseOffers);
    this.handle(DeclineInverseOffers, undefined, this.declineInverseOffers);
    this.handle(KillTask, 'messages_kill_task', this.killTask);
    this.handle(ShutdownExecutorCall, 'messages_shutdown_executor', this.shutdownExecutorCall);
    this.handle(StatusUpdateAcknowledgement, 'messages_status_update_acknowledgement', this.acknowledge);
    this.handle(ReconcileTasks, 'messages_reconcile_tasks', this.reconcileTasks);
    // Counted once known to be a v1 HTTP framework's (Mesos drops a driver's uncounted).
    this.handle(ReconcileOperations, undefined, this.reconcileOperations);
    this.handle(AcknowledgeOperationStatus, undefined, this.acknowledgeOperationStatus);
    this.handle(FrameworkToExecutor, 'messages_framework_to_executor', this.frameworkToExecutor);
    // agent → master
    this.handle(RegisterAgent, 'messages_register_slave', this.registerAgent);
    this.handle(ReregisterAgent, 'messages_reregister_slave', this.reregisterAgent);
    this.handle(UnregisterAgent, 'messages_unregister_slave', this.unregisterAgent);
    this.handle(Pong, 'messages_pong', this.pong);
    this.handle(StatusUpdateMessage, 'messages_status_update', this.statusUpdate);
    this.handle(ExitedExecutor, 'messages_exited_executor', this.exitedExecutor);
    this.handle(ExecutorToFramework, 'messages_executor_to_framework', this.executorToFramework);
    this.handle(UpdateAgent, 'messages_update_slave', this.updateAgent);
    this.handle(UpdateOperationStatus, 'messages_operation_status_update', this.updateOperationStatus);
    // HTTP: /master/<route>
    // Read-only routes need credentials with --authenticate_http_readonly, read-write ones with
    // --authenticate_http_readwrite; /health and /redirect never do (as in Mesos).
    this.authenticatedRoute('/state', (_request, caller) => this.stateRoute(caller));
    this.authenticatedRoute('/state.json', (_request, caller) => this.stateRoute(caller));
    this.authenticatedRoute('/state-summary', (_request, caller) => this.stateSummaryRoute(caller));
    this.authenticatedRoute('/frameworks', (request, caller) => this.frameworksRoute(request, caller));
    this.authenticatedRoute('/slaves', (request, caller) => this.slavesRoute(request, caller));
    this.authenticatedRoute('/tasks', (request, caller) => this.tasksRoute(request, caller));
    this.authenticatedRoute('/roles', (_request, caller) => this.rolesRoute(caller));
    // Reading them takes read-only credentials, changing them read-write ones (checked before the body is read).
    this.authenticatedRoute('/weights', (request, caller) => this.weightsRoute(request, caller));
    // Mesos' quota handler serves every path under /quota (libprocess routes by the longest
    // prefix): GET and POST at /quota/<anything> are /quota's, DELETE removes the role it names.
    this.authenticatedRoute('/quota', (request, caller) => this.quotaRoute(request, caller));
    this.authenticatedRoute('/quota/*', (request, caller) => this.quotaRoute(request, caller));
    this.route('/flags', (request) => this.asLeader(() => flagsResponse(request, {
      authentication: httpAuthenticationOf(this.flags),
      denial: (principal) => this.authorizer.denial('view_flags', principal),
      getOnly: this.flags.acls !== undefined,
    }, () => renderMasterFlags(this.flags))));
    this.authenticatedRoute('/teardown', (request, caller) => this.teardownRoute(request, caller));
    this.authenticatedRoute('/reserve', (request, caller) => this.reservationRoute('RESERVE', request, caller));
    this.authenticatedRoute('/unreserve', (request, caller) => this.reservationRoute('UNRESERVE', request, caller));
    this.authenticatedRoute('/create-volumes', (request, caller) => this.reservationRoute('CREATE', request, caller));
    this.authenticatedRoute('/destroy-volumes', (request, caller) => this.reservationRoute('DESTROY', request, caller));
    // Mesos' maintenance endpoints, in its realms (maintenance.ts).
    this.authenticatedRoute('/maintenance/schedule', (request, caller) => this.maintenance.scheduleRoute(request, caller));
    this.authenticatedRoute('/maintenance/status', (request, caller) => this.maintenance.statusRoute(request, caller));
    this.authenticatedRoute('/machine/down', (request, caller) => this.maintenance.machinesRoute('down', request, caller));
    this.authenticatedRoute('/machine/up', (request, caller) => this.maintenance.machinesRoute('up', request, caller));
    this.route('/health', () => ({ status: 200, body: '' }));
    // Mesos' `/master/redirect`: to the leading master's base URL, protocol-relative: this one
    // (a master that does not lead is a StandbyMaster, which sends the leader's).
    this.route('/redirect', () => this.asLeader(() => ({ status: 307, headers: { location: `//${this.masterInfo().hostname}:${this.masterInfo().port}` }, body: '' })));
  }

  // ---- public: allocator callback, metrics, tests -----------------------------------------------

  /** Who this master is (after `initialize`). */
  masterInfo(): MasterInfo {
    if (this.info === undefined) throw new Error('master: not initialized');
    return this.info;
  }

  /**
   * Turns one allocation run's allocations into offers (one per agent, framework and role) and
   * sends each framework its offers in one ResourceOffers message. The allocator's offer
   * callback calls this through `dispatch`.
   */
  offer(allocations: readonly Allocation[]): void {
    const byFramework = new Map<string, Offer[]>();
    const unfit: string[] = [];
    const expiring = new Map<number, OfferRecord[]>();
    for (const allocation of allocations) {
      const offer = this.makeOffer(allocation, unfit, expiring);
      if (offer === undefined) continue;
      const offers = byFramework.get(offer.frameworkId) ?? [];
      offers.push(offer);
      byFramework.set(offer.frameworkId, offers);
    }
    for (const [timeoutMs, records] of expiring) this.offerExpiry.schedule(records, timeoutMs);
    for (const [frameworkId, offers] of byFramework) {
      const framework = this.state.frameworks.get(frameworkId);
      if (framework === undefined || framework.pid === undefined) continue;
      framework.metrics.offersSent += offers.length;
      // Frozen here, as each offer is (makeOffer): a validating host's freezing of the body then
      // stops at the list, instead of visiting a thousand offers long out of the cache.
      this.toFramework(framework, ResourceOffers, { offers: Object.freeze(offers) as Offer[] });
    }
    // Every allocation was handled (offered or recovered) before the books' disagreement fails the test run.
    if (unfit.length > 0 && this.flags.checkAllocatorInvariants === true) throw new Error(`master and allocator books diverge: ${unfit.join('; ')}`);
  }

  /**
   * The actor at `pid`, on this master's own host, speaks for a v1 HTTP framework whose client
   * is at IP `client`; with `principal`, the API checked the client's credentials, and the actor
   * is taken as authenticated as that principal (without `--credentials` nobody can be). Called
   * before the actor registers; forgotten when it ends. Ignored for another host's pid.
   */
  adoptHttpFramework(pid: UPID, client: string, principal: string | undefined): void {
    if (pid.address !== this.self().address) return;
    // Its peer, for the per-peer cap and the DRF group, is the HTTP client, not this host.
    this.httpClients.set(pid.toString(), `${HTTP_PEER_PREFIX}${client}`);
    this.link(pid);
    if (principal !== undefined) this.authentication?.vouch(pid.toString(), principal);
  }

  /** Counts in framework `frameworkId`'s metrics what only the v1 API sees (`SchedulerApiOptions.counted`). Through `dispatch`. */
  countV1(frameworkId: string, what: V1Counted): void {
    const metrics = this.state.frameworks.get(frameworkId)?.metrics;
    if (what === 'HEARTBEAT') metrics?.event('HEARTBEAT');
    else {
      metrics?.call('REQUEST');
      this.counters.increment('messages_resource_request');
    }
  }

  /**
   * Framework `frameworkId` as the v1 API asks of it, if registered here (connected or waiting for
   * its failover): its principal, and whether it is connected through the actor API (a scheduler
   * driver's pid, not a v1 stream).
   */
  knownFramework(frameworkId: string): { readonly principal: string | undefined; readonly connectedAsActor: boolean } | undefined {
    const framework = this.state.frameworks.get(frameworkId);
    return framework === undefined ? undefined : { principal: framework.info.principal, connectedAsActor: framework.connected && !isHttpFramework(framework) };
  }

  /** Serves `/master/api/v1/scheduler` (Mesos serves the API there too) with the API actor's `handler`. */
  serveSchedulerApi(handler: (request: HttpRequest) => Promise<HttpResponse>, options: RouteOptions = {}): void {
    this.route('/api/v1/scheduler', withRouteOptions((request) => (this.leading() ? handler(request) : this.asLeader(() => ({ status: 503, body: '' }))), options));
  }

  /**
   * Serves Mesos' v1 operator API (`/api/v1`, actors/master/v1-operator.ts) in this mailbox;
   * `metrics` reads the host's metrics that answer within a timeout (GET_METRICS). The API actor's `/v1` route calls
   * `operatorCall` through `dispatch`.
   */
  serveOperatorApi(options: { readonly metrics: (timeoutMs: number) => Promise<Record<string, number>> } & OperatorLimits): void {
    const api = new OperatorApi(this.operatorPort(options.metrics), options);
    this.operatorApi = api;
    this.onEvent((event) => api.observe(event));
    // Mesos serves it under the master's own path too.
    this.route('/api/v1', (request) => this.operatorCall(request));
  }

  /** Answers one request to `/api/v1` (503 until `serveOperatorApi`). */
  operatorCall(request: HttpRequest): HttpResponse | Promise<HttpResponse> {
    return this.operatorApi?.serve(request) ?? { status: 503, body: 'the operator API is not served by this master\n' };
  }

  /** What the operator API's protobuf encodings over turns did since last asked (`OperatorApi.encodingFigures`); undefined when it is not served. For tests and the scale benchmark. */
  operatorEncodingFigures(): OperatorEncodingFigures | undefined {
    return this.operatorApi?.encodingFigures();
  }

  /**
   * Calls `listener` (in this mailbox, synchronously) at each change of the books an operator
   * stream reports: a task launched or changing state, an agent added or removed, a framework
   * added, updated (reconnected, disconnected, deactivated, failed over) or removed.
   */
  onEvent(listener: (event: MasterEvent) => void): void {
    this.eventListeners.push(listener);
  }

  /**
   * Where a registered agent serves HTTP (its pid's address and actor id, its host name): the
   * `url` of its offers to v1 schedulers. Undefined for an agent not (or no longer) registered.
   */
  agentEndpoint(agentId: string): AgentEndpoint | undefined {
    const agent = this.state.agents.get(agentId);
    if (agent === undefined) return undefined;
    return { hostname: agent.info.hostname, ip: agent.pid.host, port: agent.pid.port, actorId: agent.pid.id, ...(this.host.scheme === 'https' ? { scheme: 'https' as const } : {}) };
  }

  /** The master's metrics and its registrar's (Mesos key names; ours under `mesos_ts/master/`); the metrics actor adds the allocator's. */
  metrics(): Record<string, number> {
    const context = { state: this.state, startTimeMs: this.startTimeMs, nowMs: this.clock.now(), eventQueue: this.eventQueueCounts() };
    const metrics = masterMetrics(this.counters, context);
    const principals = this.principalCounters.snapshot();
    const frameworks = this.flags.publishPerFrameworkMetrics === false ? {} : perFrameworkMetrics(this.state);
    return {
      ...metrics, ...principals, ...this.taskReasonCounters.snapshot(), ...frameworks, ...this.registry.metrics(), ...this.operationBook.metrics.snapshot(),
      'master/elected': this.leading() ? 1 : 0,
      'master/operator_event_stream_subscribers': this.operatorApi?.subscriberCount ?? 0,
    };
  }

  /** What the state endpoints keep rendered now: each format's agents, the roles' sums (`--state_cache_timeout`). For tests. */
  keptStateParts(): KeptPart[] {
    return this.stateFragments.keptParts();
  }

  /**
   * How the state endpoints' renderings went since the last call (which starts the figures
   * over): renderings made, requests that shared one, mailbox turns they took, the longest of
   * them (wall ms) and the most fragments one rendered. For tests and the scale benchmark.
   */
  renderingFigures(): RenderingFigures {
    const figures = { ...this.renderingStats, fragmentsRendered: this.stateFragments.rendered };
    Object.assign(this.renderingStats, noRenderings());
    return figures;
  }

  /** Renderings of the state endpoints (and the operator streams' SUBSCRIBED) between their first turn and their last. For tests and the scale benchmark. */
  renderingsInProgress(): number {
    return this.renderingsUnderWay;
  }

  /** The `/master/state` JSON (tests read it without HTTP). */
  stateJson(): Record<string, unknown> {
    return renderState(this.stateContext());
  }

  /**
   * The state endpoints' texts, each twice: put together from the fragments as the endpoints do,
   * and rendered afresh (`JSON.stringify` of the pure renderers); and the books' task summaries
   * against a count afresh (`summary-counts`), and `/master/tasks`' order against a sort afresh
   * (`task-order`). Tests and the chaos simulation check that they agree.
   */
  renderedTexts(): Record<'state' | 'summary' | 'v1' | 'slaves' | 'frameworks' | 'roles' | 'v1-agents' | 'v1-tasks' | 'v1-executors' | 'v1-frameworks' | 'summary-counts' | 'task-order', { readonly fragments: string; readonly fresh: string }> {
    const context = this.v1Context();
    // Each rendered afresh once: `/master/state` holds `/master/frameworks`' lists, and GET_STATE
    // is the four GET_* answers (the chaos run reads this after every step; rendering each part
    // again was ~a third of its time).
    const frameworks = renderFrameworks(context, {});
    const v1State = v1GetState(context);
    // Each part's text once, in GET_STATE's and in its own answer: `{"k":v,...}` is what
    // JSON.stringify writes of an object whose values are not undefined.
    const v1Texts = new Map(Object.entries(v1State).map(([field, value]) => [field, JSON.stringify(value)]));
    const objectText = (entries: ReadonlyArray<readonly [string, string]>): string => `{${entries.map(([key, text]) => `${JSON.stringify(key)}:${text}`).join(',')}}`;
    const v1Part = (type: string, field: string): string => objectText([['type', JSON.stringify(type)], [field, v1Texts.get(field) ?? 'null']]);
    return {
      slaves: { fragments: this.stateFragments.renderSlaves(context).join(''), fresh: JSON.stringify(renderSlaves(context, {})) },
      frameworks: { fragments: this.stateFragments.renderFrameworks(context).join(''), fresh: JSON.stringify(frameworks) },
      roles: { fragments: JSON.stringify(renderRoles(context, this.stateFragments.roleBreakdowns())), fresh: JSON.stringify(renderRoles(context)) },
      'v1-agents': { fragments: this.stateFragments.renderV1Part(context, 'GET_AGENTS').join(''), fresh: v1Part('GET_AGENTS', 'get_agents') },
      'v1-tasks': { fragments: this.stateFragments.renderV1Part(context, 'GET_TASKS').join(''), fresh: v1Part('GET_TASKS', 'get_tasks') },
      'v1-executors': { fragments: this.stateFragments.renderV1Part(context, 'GET_EXECUTORS').join(''), fresh: v1Part('GET_EXECUTORS', 'get_executors') },
      'v1-frameworks': { fragments: this.stateFragments.renderV1Part(context, 'GET_FRAMEWORKS').join(''), fresh: v1Part('GET_FRAMEWORKS', 'get_frameworks') },
      state: { fragments: this.stateFragments.render(context).join(''), fresh: JSON.stringify(renderState(context, frameworks)) },
      summary: { fragments: this.stateFragments.renderSummary(context).join(''), fresh: JSON.stringify(renderStateSummary(context)) },
      v1: { fragments: this.stateFragments.renderV1State(context).join(''), fresh: objectText([['type', JSON.stringify('GET_STATE')], ['get_state', objectText([...v1Texts])]]) },
      // The task summaries the books keep as tasks change (what `summary` shows, both ways), against a count afresh.
      'summary-counts': { fragments: this.state.taskSummaries.canonical(), fresh: TaskSummaries.recount(this.state.frameworks.values()).canonical() },
      // `/master/tasks`' order the books keep as tasks change, against their kept tasks sorted afresh.
      'task-order': (({ kept, fresh }) => ({ fragments: kept, fresh }))(this.state.taskOrderTexts()),
    };
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  protected override initialize(): void {
    this.electedTimeMs = this.clock.now();
    this.startTimeMs = this.processStartTimeMs ?? this.electedTimeMs;
    this.info = masterInfoOf(this.self(), this.flags, this.masterId ?? this.host.newId());
    const ignored = this.flags.acls !== undefined ? unenforcedActionsIn(this.flags.acls) : [];
    if (ignored.length > 0) this.log.warn({ actions: ignored }, 'the ACLs have rules for actions this master does not authorize; they are ignored');
    if (this.flags.credentials !== undefined) this.authentication = new AuthenticationSessions(this.flags.credentials, this.info.pid, (count) => this.host.secretBytes(count));
    // The machine a scheduler's link comes from (its pid's host part is its own choice: wildcard DNS names would each count apart).
    this.state.peerOf = (pid) => this.httpClients.get(pid.toString()) ?? this.host.linkClientOf(pid.address) ?? pid.host;
    this.recoverAgents();
    this.recoverRoles();
    this.maintenance.recover();
    // With quota set, offers wait for enough of the registry's agents to re-register (Mesos' `allocator->recover`).
    if (this.state.recoveredAgents.size > 0) this.allocatorCall('recover', this.allocator.recover(this.state.recoveredAgents.size));
    this.every(this.flags.stateCacheTimeoutMs ?? STATE_CACHE_TIMEOUT_MS, () => this.sweepStateCache());
    this.log.info({ masterId: this.info.id, masterPid: this.info.pid, recoveredAgents: this.state.recoveredAgents.size }, 'master started');
  }

  /** Stopping: the operator event streams end (a half-written SUBSCRIBED cut off: `OperatorApi.close`). */
  protected override finalize(): void {
    this.operatorApi?.close();
  }

  protected override exited(pid: UPID): void {
    const sender = this.principalOf(pid, undefined);
    // Whoever comes back at this pid authenticates again (its link, which its proof was bound to, broke).
    this.authentication?.forget(pid.toString());
    this.httpClients.delete(pid.toString());
    if (this.linkBrokeDuringWrite.has(pid.toString())) this.linkBrokeDuringWrite.set(pid.toString(), true);
    if (sender !== undefined) {
      // In line behind the framework's throttled calls, without counting against the capacity (as Mesos does).
      this.throttle.submit(sender.principal, () => this.frameworkExited(pid), false);
      return;
    }
    const agent = this.state.agentByPid(pid);
    if (agent !== undefined) this.agentExited(agent);
  }

  /** A scheduler's link broke. */
  private frameworkExited(pid: UPID): void {
    const framework = this.state.frameworkByPid(pid);
    if (framework === undefined) return;
    this.log.info({ frameworkId: framework.id, schedulerPid: pid.toString() }, 'framework link broke');
    if (framework.connected) {
      // As Mesos does: a scheduler that is still alive learns that the master lost it.
      this.toFramework(framework, FrameworkError, { message: 'Framework disconnected' });
      this.disconnectFramework(framework);
    }
  }

  /**
   * A framework call that failed validation at the boundary is answered with a FrameworkError
   * naming the call and the bad field, never met with silence (its scheduler would wait for
   * good). Agents' bad messages are only logged (by the host): agents retry what matters.
   */
  protected override invalidMessage(from: UPID, name: string, reason: string): void {
    if (!FRAMEWORK_CALLS.has(name)) return;
    this.counters.increment('invalid_framework_calls');
    this.send(from, FrameworkError, { message: `Invalid ${name} call: ${boundedText(reason, MAX_ERROR_DETAIL_LENGTH)}` });
  }

  // ---- authentication ---------------------------------------------------------------------------

  /**
   * A framework or an agent starts authenticating (lib/authentication.ts): it gets a challenge,
   * also for an unknown principal (refused only at its proof, in the same words as a wrong
   * secret). A master without credentials refuses at once.
   */
  private authenticate(from: UPID, { principal, clientNonce }: BodyOf<typeof Authenticate>): void {
    const sessions = this.authentication;
    if (sessions === undefined) {
      this.send(from, AuthenticationFailed, { reason: 'this master has no credentials (--credentials): it authenticates nobody', clientNonce });
      return;
    }
    // Bounded per machine (`peerOf`: the IP its link comes from), not per pid address: a machine
    // can prove as many `host:port`s as it has ports to listen on (hostile review of authentication).
    const started = sessions.start(from.toString(), this.state.peerOf(from), principal, clientNonce, this.clock.now());
    if ('reason' in started) {
      this.counters.increment('authentication_failures');
      this.log.warn({ from: from.toString(), principal, reason: started.reason }, 'refusing to authenticate');
      this.send(from, AuthenticationFailed, { reason: started.reason, clientNonce, retry: true });
      return;
    }
    this.send(from, AuthenticationChallenge, { serverNonce: started.serverNonce, clientNonce });
  }

  /** The client's proof: authenticated (the master proves itself back) or refused with a reason. */
  private authenticationResponse(from: UPID, { clientProof }: BodyOf<typeof AuthenticationResponse>): void {
    const outcome = this.authentication?.respond(from.toString(), clientProof, this.clock.now());
    if (outcome === undefined || !outcome.ok) {
      // A master without credentials has no exchange in progress either (its Authenticate was refused).
      const { reason, clientNonce, retry } = outcome ?? { reason: NO_AUTHENTICATION_IN_PROGRESS, retry: true as const };
      this.counters.increment('authentication_failures');
      this.log.warn({ from: from.toString(), reason }, 'authentication failed');
      // Naming the exchange refused, so that a client which has since started another ignores it.
      this.send(from, AuthenticationFailed, { reason, ...(clientNonce !== undefined ? { clientNonce } : {}), ...(retry === true ? { retry } : {}) });
      return;
    }
    this.counters.increment('authentication_successes');
    // Linked, so that the principal is forgotten when the link its proof was bound to breaks.
    this.link(from);
    this.log.info({ from: from.toString(), principal: outcome.principal }, 'authenticated');
    this.send(from, AuthenticationCompleted, { serverProof: outcome.serverProof });
  }

  /** The principal `from` authenticated as, if it did. */
  private authenticatedPrincipal(from: UPID): string | undefined {
    return this.authentication?.principalOf(from.toString());
  }

  /**
   * Why a framework at `from` may not (re-)register, as Mesos words it, or undefined: it must
   * have authenticated when the master asks for it, and a framework that authenticated must
   * register under the principal it proved (a claimed principal without authentication is kept
   * but trusted for nothing: ACLs and rate limits see no principal).
   */
  private frameworkAuthenticationError(from: UPID, info: FrameworkInfo): string | undefined {
    const principal = this.authenticatedPrincipal(from);
    if (principal === undefined && this.flags.authenticateFrameworks === true) {
      this.counters.increment('unauthenticated_registrations_refused');
      return `Framework at ${from.toString()} is not authenticated (this master requires --authenticate_frameworks)`;
    }
    if (principal !== undefined && info.principal !== principal) return `Framework principal '${info.principal ?? ''}' does not match authenticated principal '${principal}'`;
    const denied = this.rolesDenial(principal, info);
    return denied === undefined ? undefined : `Not authorized to register: ${denied}`;
  }

  /** Why `principal` may not have a framework in the roles of `info` (the ACLs' register_frameworks, each role), or undefined. */
  private rolesDenial(principal: string | undefined, info: FrameworkInfo): string | undefined {
    const denied = frameworkRoles(info).find((role) => !this.authorizer.authorized('register_frameworks', principal, role));
    return denied === undefined ? undefined : describeDenial('register_frameworks', principal, denied);
  }

  /**
   * The principal a framework proved (undefined if it did not authenticate: a claimed principal
   * is trusted for nothing). Only its registered principal counts: a scheduler pid that
   * authenticated again as another principal does not bring that one's rights to the framework.
   */
  private frameworkPrincipal(framework: FrameworkRecord): string | undefined {
    const principal = framework.pid === undefined ? undefined : this.authenticatedPrincipal(framework.pid);
    return principal !== undefined && principal === framework.info.principal ? principal : undefined;
  }

  /**
   * Whether the agent at `from` may (re-)register: authenticated when `--authenticate_agents` says
   * so, and its principal allowed by the ACLs' `register_agents` (Mesos' REGISTER_AGENT). Mesos
   * drops a refused registration. This master also tells a new agent (RegisterAgent: it has no
   * tasks to lose) with a Shutdown naming the reason, so that a misconfigured agent exits saying
   * why instead of retrying in silence, unless that pid's authentication lapsed with its link (a
   * retry that crossed the break); a re-registering one is only dropped, as in Mesos (a Shutdown
   * would end its tasks).
   */
  private agentAuthenticated(from: UPID, name: 'RegisterAgent' | 'ReregisterAgent'): boolean {
    const principal = this.authenticatedPrincipal(from);
    if (this.flags.authenticateAgents === true && principal === undefined) {
      this.counters.increment('unauthenticated_registrations_refused');
      // One whose authentication lapsed with its link sent this before it heard of the break: it
      // authenticates again (the agent does when its link breaks), so it is dropped, as Mesos
      // drops every one; told to shut down, a rightly configured agent would have (review).
      const lapsed = this.authentication?.hasLapsed(from.toString()) === true;
      this.log.warn({ from: from.toString(), name, lapsed }, lapsed ? 'dropping the registration of an agent whose authentication lapsed with its link' : 'refusing an agent that is not authenticated');
      if (name === 'RegisterAgent' && !lapsed) {
        this.send(from, Shutdown, { message: 'Agent is not authenticated: this master requires --authenticate_agents; start the agent with --credential (or --principal and --secret)' });
      }
      return false;
    }
    const denied = this.authorizer.denial('register_agents', principal);
    if (denied === undefined) return true;
    this.log.warn({ from: from.toString(), name, principal, reason: denied }, 'refusing an agent that is not authorized to register');
    if (name === 'RegisterAgent') this.send(from, Shutdown, { message: `Agent is not authorized to register: ${denied}` });
    return false;
  }

  // ---- frameworks -------------------------------------------------------------------------------

  private registerFramework(from: UPID, { framework: info, suppressedRoles }: BodyOf<typeof RegisterFramework>): void {
    const invalid = validateFrameworkInfo(info) ?? (info.id !== undefined ? "Registering with 'id' already set" : undefined)
      ?? suppressedRolesError(info, suppressedRoles) ?? this.frameworkAuthenticationError(from, info);
    if (invalid !== undefined) {
      this.log.warn({ from: from.toString(), reason: invalid }, 'refusing framework registration');
      this.send(from, FrameworkError, { message: invalid });
      return;
    }
    const existing = this.state.frameworkByPid(from);
    if (existing !== undefined) {
      // A retry (the reply was lost): same pid, same framework, same id.
      if (!existing.connected) this.reconnectFramework(existing);
      existing.metrics.call('SUBSCRIBE');
      this.toFramework(existing, FrameworkRegistered, { frameworkId: existing.id, masterInfo: this.masterInfo() });
      return;
    }
    const crowded = this.peerLimitError(from);
    if (crowded !== undefined) {
      this.log.warn({ from: from.toString(), reason: crowded }, 'refusing framework registration');
      this.send(from, FrameworkError, { message: crowded });
      return;
    }
    const frameworkId = this.newFrameworkId();
    const framework = this.addFramework({ ...info, id: frameworkId }, from, suppressedRoles);
    this.log.info({ frameworkId, frameworkName: info.name, schedulerPid: from.toString() }, 'framework registered');
    framework.metrics.call('SUBSCRIBE');
    this.toFramework(framework, FrameworkRegistered, { frameworkId: framework.id, masterInfo: this.masterInfo() });
  }

  /**
   * Mesos' re-subscription. `failover` (Mesos' `force`) says the scheduler takes over from
   * whoever holds the framework now; without it, only the framework's own pid may come back
   * (a stale scheduler at another pid is told "Framework failed over", and the current one keeps
   * the framework). Coming back from the same pid re-links, rescinds the offers the scheduler
   * may have lost, and reactivates the framework.
   */
  private reregisterFramework(from: UPID, { framework: info, failover, suppressedRoles }: BodyOf<typeof ReregisterFramework>): void {
    const frameworkId = info.id;
    const invalid = validateFrameworkInfo(info)
      ?? suppressedRolesError(info, suppressedRoles)
      ?? (frameworkId === undefined ? "Framework reregistering without an 'id'" : undefined)
      ?? (frameworkId !== undefined && this.state.isCompletedFramework(frameworkId) ? 'Framework has been removed' : undefined)
      ?? this.frameworkAuthenticationError(from, info);
    if (invalid !== undefined || frameworkId === undefined) {
      this.log.warn({ from: from.toString(), frameworkId, reason: invalid }, 'refusing framework re-registration');
      this.send(from, FrameworkError, { message: invalid ?? 'invalid re-registration' });
      return;
    }
    const other = this.state.frameworkByPid(from);
    if (other !== undefined && other.id !== frameworkId) {
      // No reply: it would go to the framework already connected at that pid.
      this.log.warn({ from: from.toString(), frameworkId, connected: other.id }, 'dropping ReregisterFramework: another framework is connected at that pid');
      return;
    }
    const framework = this.state.frameworks.get(frameworkId);
    // A framework new to the peer host counts against its cap (a re-registration could otherwise bypass it).
    const crowded = framework?.peerKey !== undefined && framework.peerKey === this.state.peerOf(from) ? undefined : this.peerLimitError(from);
    if (crowded !== undefined) {
      this.log.warn({ from: from.toString(), frameworkId, reason: crowded }, 'refusing framework re-registration');
      this.send(from, FrameworkError, { message: crowded });
      return;
    }
    if (framework !== undefined && !this.takeBack(framework, from, info, failover, suppressedRoles ?? [])) return;
    // Unknown here (e.g. this master restarted): taken in with the id it has.
    const subscribed = framework ?? this.addFramework({ ...info, id: frameworkId }, from, suppressedRoles);
    this.log.info({ frameworkId, schedulerPid: from.toString(), failover }, 'framework re-registered');
    subscribed.metrics.call('SUBSCRIBE');
    this.toFramework(subscribed, FrameworkReregistered, { frameworkId, masterInfo: this.masterInfo() });
  }

  /**
   * A known framework's re-registration from `from`: refused (false, answered), a failover, or a
   * re-subscription. Either way it comes with its info and suppressed roles as they are now, which
   * replace those the master has (Mesos: a re-subscription is an update too): its roles may change,
   * and a role it no longer lists as suppressed is revived.
   */
  private takeBack(framework: FrameworkRecord, from: UPID, asked: FrameworkInfo, failover: boolean, suppressedRoles: readonly string[]): boolean {
    const { info, changed } = preservedImmutableFields(framework.info, asked);
    if (changed.length > 0) this.log.warn({ frameworkId: framework.id, from: from.toString(), ignored: changed }, 'a re-registration may not change the framework\'s user or checkpointing; the new values are ignored (Mesos, MESOS-703)');
    const refusal = frameworkUpdateError(framework.info, info)
      ?? this.takeoverAuthenticationError(framework, from)
      ?? (!framework.recovered && framework.pid !== undefined && !framework.pid.equals(from) && !failover ? 'Framework failed over' : undefined);
    if (refusal !== undefined) {
      this.log.warn({ frameworkId: framework.id, from: from.toString(), current: framework.pid?.toString(), reason: refusal }, 'refusing framework re-registration');
      this.send(from, FrameworkError, { message: refusal });
      return false;
    }
    this.applyFrameworkUpdate(framework, info, suppressedRoles);
    framework.reregisteredTimeMs = this.clock.now();
    this.noteProvenPrincipal(framework, from);
    if (failover || framework.recovered || framework.pid === undefined) this.failoverFramework(framework, from);
    else this.resubscribeFramework(framework, from);
    return true;
  }

  /**
   * The same scheduler is back (after a link blip, or it retried): the offers it may have lost
   * are rescinded, the master links to it again (the old link may be gone) and reactivates it.
   */
  private resubscribeFramework(framework: FrameworkRecord, pid: UPID): void {
    this.retireOffers(framework.offerIds, { rescind: true, recover: true });
    this.maintenance.frameworkInverseOffersGone(framework, true);
    this.link(pid);
    this.reconnectFramework(framework);
    this.tellAgentsOfFramework(framework);
  }

  private unregisterFramework(from: UPID, { frameworkId }: BodyOf<typeof UnregisterFramework>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'UnregisterFramework');
    if (framework !== undefined) this.removeFramework(framework, 'the framework unregistered');
  }

  /** Mesos: only stops offers (rescinding those out); the framework stays connected and no failover timer starts. */
  private deactivateFramework(from: UPID, { frameworkId }: BodyOf<typeof DeactivateFramework>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'DeactivateFramework');
    if (framework !== undefined && framework.connected) this.deactivate(framework);
  }

  /**
   * Records a new (or re-registering, unknown) framework, links to its scheduler and adds it to
   * the allocator; an unauthenticated one in its peer host's group (the allocator's DRF
   * tie-break takes the group's turns as one client's).
   */
  private addFramework(info: FrameworkInfo & { id: string }, pid: UPID, suppressedRoles?: readonly string[]): FrameworkRecord {
    const framework = newFrameworkRecord(info, pid, this.clock.now());
    this.state.addFramework(framework);
    this.noteProvenPrincipal(framework, pid);
    this.emit({ type: 'FRAMEWORK_ADDED', framework });
    this.link(pid);
    const group = this.isAuthenticated(pid) ? {} : { group: this.state.peerOf(pid) };
    const suppressed = suppressedRoles !== undefined && suppressedRoles.length > 0 ? { suppressedRoles } : {};
    const minAllocatable = frameworkMinAllocatable(info);
    this.allocatorCall('addFramework', this.allocator.addFramework(info.id, { roles: frameworkRoles(info), capabilities: info.capabilities ?? [], ...group, ...suppressed, ...(minAllocatable !== undefined ? { minAllocatable } : {}) }));
    return framework;
  }

  /**
   * Why the scheduler at `from` may not take `framework` over: a scheduler of it proved its
   * principal, and `from` has not proved the same one (a framework id is no secret: it is in
   * `/master/state`, so knowing it must not be enough to take a proven framework).
   */
  private takeoverAuthenticationError(framework: FrameworkRecord, from: UPID): string | undefined {
    const proven = framework.provenPrincipal;
    if (proven === undefined || this.authenticatedPrincipal(from) === proven) return undefined;
    return `Framework ${framework.id} was registered by a scheduler authenticated as '${proven}': a scheduler taking it over must authenticate as '${proven}'`;
  }

  /** Remembers the principal the scheduler at `pid` proved for `framework`, if it proved the one it registered under. */
  private noteProvenPrincipal(framework: FrameworkRecord, pid: UPID): void {
    const principal = this.authenticatedPrincipal(pid);
    if (principal !== undefined && principal === framework.info.principal) framework.provenPrincipal = principal;
  }

  /**
   * UPDATE_FRAMEWORK (Mesos' `Master::updateFramework`): the framework's scheduler gives its info
   * as it wants it now (roles, capabilities, name, labels, failover timeout...) and its suppressed
   * roles. Refused, with Mesos' reasons, is an info that is not valid, one that changes the
   * principal, the user or checkpointing (400), or roles the principal may not register with
   * (403); else it is applied (`applyFrameworkUpdate`). Answered either way, with the request's id.
   */
  private updateFrameworkCall(from: UPID, { frameworkId, framework: info, suppressedRoles, requestId }: BodyOf<typeof UpdateFrameworkCall>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'UpdateFrameworkCall');
    if (framework === undefined) return;
    const refusal = this.frameworkUpdateRefusal(framework, from, info, suppressedRoles);
    if (refusal !== undefined) {
      this.log.warn({ frameworkId, from: from.toString(), reason: refusal.message }, 'refusing UPDATE_FRAMEWORK');
      this.toFramework(framework, UpdateFrameworkAnswer, { requestId, status: refusal.status, message: refusal.message });
      return;
    }
    const before = canonicalJson(framework.info);
    this.applyFrameworkUpdate(framework, info, suppressedRoles ?? []);
    // As Mesos: agents and operator API subscribers hear of a changed FrameworkInfo (suppressed roles alone are the allocator's).
    if (canonicalJson(framework.info) !== before) {
      this.tellAgentsOfFramework(framework);
      this.emit({ type: 'FRAMEWORK_UPDATED', framework });
    }
    this.log.info({ frameworkId, roles: frameworkRoles(info), suppressedRoles }, 'framework updated (UPDATE_FRAMEWORK)');
    this.toFramework(framework, UpdateFrameworkAnswer, { requestId, status: 200 });
  }

  /** Why UPDATE_FRAMEWORK may not give `framework` the info `info` (its status and Mesos' wording), or undefined. */
  private frameworkUpdateRefusal(framework: FrameworkRecord, from: UPID, info: FrameworkInfo, suppressedRoles: readonly string[] | undefined): { status: 400 | 403; message: string } | undefined {
    if (info.id !== framework.id) return { status: 400, message: `'UpdateFramework' call is not valid: 'framework_info.id' (${info.id ?? 'none'}) differs from 'framework_id' (${framework.id})` };
    const invalid = validateFrameworkInfo(info);
    if (invalid !== undefined) return { status: 400, message: `Supplied FrameworkInfo is not valid: ${invalid}` };
    const fixed = frameworkInfoUpdateError(framework.info, info);
    if (fixed !== undefined) return { status: 400, message: `FrameworkInfo update is not valid: ${fixed}` };
    const suppressed = suppressedRolesError(info, suppressedRoles);
    if (suppressed !== undefined) return { status: 400, message: `'UpdateFramework' call is not valid: ${suppressed}` };
    const denied = this.rolesDenial(this.authenticatedPrincipal(from), info);
    return denied === undefined ? undefined : { status: 403, message: `Not authorized to update the framework: ${denied}` };
  }

  /**
   * Gives a framework `info` (its id the framework's) and `suppressedRoles` (each among its roles),
   * checked already: the master's books, the allocator (roles joined are offered, roles left are
   * not, their holdings kept until recovered; `HierarchicalAllocatorCore.updateFramework`), and
   * its outstanding offers in roles it left, rescinded as Mesos does. Its tasks keep the roles
   * they were launched in. (The caller tells operator API subscribers: a re-registration does
   * once the framework is connected again.)
   */
  private applyFrameworkUpdate(framework: FrameworkRecord, info: FrameworkInfo, suppressedRoles: readonly string[]): void {
    const roles = frameworkRoles(info);
    const left = frameworkRoles(framework.info).filter((role) => !roles.includes(role));
    for (const role of roles) framework.leftRoles?.delete(role);
    if (left.length > 0) {
      // Roles it still runs something in stay its own in the state endpoints until that ends (as Mesos tracks it there).
      const used = this.state.frameworkUsedByRole(framework);
      for (const role of left) if (used.has(role)) (framework.leftRoles ??= new Set()).add(role);
    }
    if (framework.leftRoles?.size === 0) framework.leftRoles = undefined;
    this.state.updateFrameworkInfo(framework, { ...info, id: framework.id, roles: [...roles] });
    const minAllocatable = frameworkMinAllocatable(info);
    this.allocatorCall('updateFramework', this.allocator.updateFramework(framework.id, { roles, capabilities: info.capabilities ?? [], suppressedRoles, ...(minAllocatable !== undefined ? { minAllocatable } : {}) }));
    const stale = framework.offerIds.records().filter((record) => !roles.includes(record.offer.allocationRole)).map((record) => record.offer.id);
    if (stale.length > 0) this.retireOffers(stale, { rescind: true, recover: true });
    // Mesos' allocator `updateFramework` revives the roles it no longer suppresses, and a revival
    // drops every inverse offer filter of the framework (even of no role): so here too.
    this.maintenance.revived(framework.id);
  }

  /**
   * A scheduler at a new pid took over (Mesos' failover): the old one is told, offers made to
   * it are void, agents running the framework's tasks learn the new pid.
   */
  private failoverFramework(framework: FrameworkRecord, pid: UPID): void {
    const oldPid = framework.pid;
    // The same pid failing over is a new incarnation there (or a duplicate): nobody to tell.
    if (oldPid !== undefined && !oldPid.equals(pid) && framework.connected) {
      // Counted as the framework's ERROR event, as Mesos' `framework->send` to the old scheduler counts it.
      framework.metrics.event('ERROR');
      this.send(oldPid, FrameworkError, { message: 'Framework failed over' });
    }
    this.retireOffers(framework.offerIds, { rescind: false, recover: true });
    this.maintenance.frameworkInverseOffersGone(framework, false);
    this.state.moveFramework(framework, pid);
    framework.recovered = false;
    this.link(pid);
    this.reconnectFramework(framework);
    this.tellAgentsOfFramework(framework);
  }

  /**
   * Tells the connected agents running the framework where its scheduler is and what its info is
   * now (Mesos' `sendFrameworkUpdates`; Mesos tells every agent, this master those that run it:
   * another learns the info with its first task): after a failover, a re-subscription and
   * UPDATE_FRAMEWORK, so that a new master recovering the framework from its agents' reports
   * learns it as it is, not as it was when they started its tasks.
   */
  private tellAgentsOfFramework(framework: FrameworkRecord): void {
    const pid = framework.pid;
    if (pid === undefined) return;
    for (const agent of this.state.agentsOf(framework.id)) {
      if (agent.connected) this.send(agent.pid, UpdateFramework, { frameworkId: framework.id, pid: pid.toString(), framework: framework.info });
    }
  }

  /** The scheduler is back: stop the failover timer and offer it resources again. */
  private reconnectFramework(framework: FrameworkRecord): void {
    this.failoverTimers.cancel(framework.id);
    framework.connected = true;
    if (!framework.active) {
      framework.active = true;
      this.allocatorCall('activateFramework', this.allocator.activateFramework(framework.id));
    }
    this.emit({ type: 'FRAMEWORK_UPDATED', framework });
  }

  /** Stops offering to the framework and rescinds its offers (Mesos' `deactivate`). */
  private deactivate(framework: FrameworkRecord): void {
    if (!framework.active) return;
    framework.active = false;
    this.allocatorCall('deactivateFramework', this.allocator.deactivateFramework(framework.id));
    this.retireOffers(framework.offerIds, { rescind: true, recover: true });
    this.maintenance.frameworkInverseOffersGone(framework, true, true);
    if (framework.connected) this.emit({ type: 'FRAMEWORK_UPDATED', framework });
  }

  /** The scheduler went away: stop offering, rescind its offers, and tear it down after its failover timeout. */
  private disconnectFramework(framework: FrameworkRecord): void {
    framework.connected = false;
    this.deactivate(framework);
    this.emit({ type: 'FRAMEWORK_UPDATED', framework });
    const failoverTimeoutMs = (framework.info.failoverTimeout ?? 0) * 1000;
    this.startFailoverTimer(framework, failoverTimeoutMs);
    this.log.info({ frameworkId: framework.id, failoverTimeoutMs }, 'framework disconnected; waiting for it to fail over');
  }

  /** Tears the framework down unless its scheduler is back within `timeoutMs`. */
  private startFailoverTimer(framework: FrameworkRecord, timeoutMs: number): void {
    this.failoverTimers.start(framework.id, timeoutMs, () => {
      if (framework.connected || this.state.frameworks.get(framework.id) !== framework) return;
      this.removeFramework(framework, `failover timeout of ${timeoutMs / 1000} s expired`);
    });
  }

  /** Tears a framework down: its agents shut it down, its tasks are killed, it becomes completed. */
  private removeFramework(framework: FrameworkRecord, cause: string): void {
    this.log.info({ frameworkId: framework.id, cause }, 'removing framework');
    this.failoverTimers.cancel(framework.id);
    // The allocator releases everything the framework holds when it is removed below.
    this.retireOffers(framework.offerIds, { rescind: false, recover: false });
    this.maintenance.frameworkInverseOffersGone(framework, false);
    // Every agent is told, as in Mesos: one the master does not know runs its tasks may have them (a launch in flight).
    for (const agent of this.state.agents.values()) {
      if (agent.connected && !agent.removing) this.send(agent.pid, ShutdownFramework, { frameworkId: framework.id });
    }
    for (const agent of this.state.agentsOf(framework.id)) {
      for (const executorId of [...(agent.executors.get(framework.id)?.keys() ?? [])]) this.state.removeExecutor(agent, framework.id, executorId);
    }
    const nowMs = this.clock.now();
    for (const tracked of [...framework.tasks.values()]) {
      const update = this.taskUpdate(tracked.task, 'TASK_KILLED', Reason.FRAMEWORK_REMOVED, `Framework removed: ${cause}`);
      this.transitionTask(tracked, update.status, false);
      this.state.removeTask(tracked, 'completed');
    }
    // As Mesos: its unreachable tasks are killed too (TASK_KILLED, kept as completed; operator subscribers hear it).
    for (const task of [...framework.unreachableTasks.values()]) this.endUnreachableTask(framework, task, 'TASK_KILLED', Reason.FRAMEWORK_REMOVED, `Framework removed: ${cause}`);
    framework.connected = false;
    framework.active = false;
    framework.unregisteredTimeMs = nowMs;
    // Its operations stay in the books (Mesos' `removeFramework` takes them out of the framework's
    // alone): GET_OPERATIONS lists them, words carry the pending ones out, and their statuses are
    // acknowledged by the master (`passOnOperationStatus`), which then forgets them.
    this.state.completeFramework(framework);
    this.emit({ type: 'FRAMEWORK_REMOVED', framework });
    const principal = framework.info.principal;
    if (principal !== undefined && !this.state.hasPrincipal(principal)) this.principalCounters.forget(principal);
    this.allocatorCall('removeFramework', this.allocator.removeFramework(framework.id));
    // Its tasks left their agents' books: a draining agent may be drained now.
    this.drainer.checkAll();
  }

  /** The framework `frameworkId` if `from` is its scheduler; else logs the sender and returns undefined. */
  private frameworkFrom(from: UPID, frameworkId: string, what: string): FrameworkRecord | undefined {
    const framework = this.state.frameworks.get(frameworkId);
    if (framework === undefined) {
      this.log.warn({ from: from.toString(), frameworkId, message: what }, 'dropping message from an unknown framework');
      return undefined;
    }
    if (framework.pid === undefined || !framework.pid.equals(from)) {
      this.log.warn({ from: from.toString(), frameworkId, expected: framework.pid?.toString(), message: what }, "dropping message not sent by the framework's scheduler");
      return undefined;
    }
    framework.metrics.callByMessage(what);
    return framework;
  }

  // ---- offers -----------------------------------------------------------------------------------

  /**
   * One allocation as an outstanding offer, or undefined (resources recovered) if it can no longer
   * be offered. An allocation travels from the allocator's mailbox to the master's, so it may have
   * been computed for an agent state that has changed since. It is offered only if it fits in
   * what the master sees free on the agent (total minus live tasks, executors and offers);
   * otherwise it is recovered. Two outstanding offers of the same resources are thus impossible.
   * An offer with a timeout joins `expiring` (offer ids by timeout) for the caller to schedule.
   */
  private makeOffer(allocation: Allocation, unfitReasons: string[], expiring: Map<number, OfferRecord[]>): Offer | undefined {
    const framework = this.state.frameworks.get(allocation.frameworkId);
    const agent = this.agentOfAllocation(allocation);
    if (framework === undefined || agent === undefined) return undefined; // the allocator releases it (removed there too)
    // (An allocation made before the framework left its role, still on its way: returned, not offered.)
    if (!framework.connected || !framework.active || framework.pid === undefined || !agent.active || agent.removing || !frameworkRoles(framework.info).includes(allocation.role)) {
      this.recover(framework.id, agent.id, allocation.resources, undefined, allocation.role);
      return undefined;
    }
    // Nothing else holds anything on the agent (the common case of a re-offer): the allocation alone must fit.
    const unfit = agent.held === 0 && agent.total.contains(allocation.resources)
      ? undefined
      : overcommitError(agent.total, [...this.state.agentHoldings(agent), allocation.resources]);
    if (unfit !== undefined) {
      // The allocator allocated what the master sees in use: their books disagree (a bug).
      this.counters.increment('unfit_allocations');
      this.log.error({ agentId: agent.id, frameworkId: framework.id, resources: allocation.resources.format(), reason: unfit },
        'allocation does not fit what is free on the agent; recovering it');
      this.recover(framework.id, agent.id, allocation.resources, undefined, allocation.role);
      unfitReasons.push(`allocation of ${allocation.resources.format()} on ${agent.id} to ${framework.id}: ${unfit}`);
      return undefined;
    }
    const offerNumber = this.nextOfferNumber++;
    const offer: Offer = {
      // Joined flat: a template literal this long is a tree of concatenations, kept with each offer in flight.
      id: [this.masterInfo().id, offerNumber].join('-O'),
      frameworkId: framework.id,
      agentId: agent.id,
      hostname: agent.offerHostname,
      // Shared with every offer of the same resources; offers are read, never changed.
      resources: allocation.resources.toFrozenJSON() as ResourceJSON[],
      allocationRole: allocation.role,
    };
    // Optional fields are set only when present (no spread of a conditional object per offer).
    if (agent.offerAttributes !== undefined) offer.attributes = agent.offerAttributes;
    // Nothing held on the agent (`held`): no executor there either, and its executors' map is not read.
    const executors = agent.held === 0 ? undefined : agent.executors.get(framework.id);
    if (executors !== undefined && executors.size > 0) offer.executorIds = Object.freeze([...executors.keys()]) as string[];
    // Its machine is scheduled for maintenance (Mesos: the offer says when it becomes unavailable).
    const unavailability = this.maintenance.unavailabilityOf(agent);
    if (unavailability !== undefined) offer.unavailability = unavailability;
    // An offer is a value from here on (kept in the books and sent as it is). Frozen now, while it
    // is in the cache, a validating host's freezing of the message finds it done: at 100k agents
    // that walk over every offer of a cycle, when each had long left the cache, was ~4% of it.
    Object.freeze(offer);
    const record = newOfferRecord(offer, allocation.resources, offerNumber);
    const timeoutMs = this.flags.offerTimeoutMs ?? (this.isAuthenticated(framework.pid) ? undefined : UNAUTHENTICATED_OFFER_TIMEOUT_MS);
    if (timeoutMs !== undefined) {
      const records = expiring.get(timeoutMs);
      if (records === undefined) expiring.set(timeoutMs, [record]);
      else records.push(record);
    }
    this.state.addOffer(record, framework, agent);
    return offer;
  }

  /**
   * The agent an allocation is of: the record the master gave the allocator with it, while that
   * record is still the listed one (no lookup among 100k agents per offer), else by its id.
   */
  private agentOfAllocation(allocation: Allocation): AgentRecord | undefined {
    const owner = allocation.owner;
    if (isAgentRecord(owner) && owner.listed && owner.id === allocation.agentId) return owner;
    return this.state.agents.get(allocation.agentId);
  }

  /** Takes an offer off the books (if it is still there), telling the framework and recovering its resources as `how` says. */
  private retireOffer(offerId: string, how: OfferRetirement): void {
    const record = this.state.offers.get(offerId);
    if (record === undefined) return;
    this.offerExpiry.cancel(record);
    this.state.deleteOffer(record);
    const { frameworkId, agentId, allocationRole } = record.offer;
    if (how.rescind) {
      const framework = this.state.frameworks.get(frameworkId);
      if (framework?.pid !== undefined) {
        framework.metrics.offersRescinded++;
        this.toFramework(framework, RescindResourceOffer, { offerId });
      }
    }
    if (how.recover) this.recover(frameworkId, agentId, record.resources, how.filter, allocationRole);
  }

  /** Retires every offer in `offerIds` (a framework's `OfferList` or an agent's set: copied first, since retiring changes them). */
  private retireOffers(offerIds: Iterable<string>, how: OfferRetirement): void {
    const retiring = [...offerIds];
    this.batchingRecovers(() => {
      for (const offerId of retiring) this.retireOffer(offerId, how);
    });
  }

  private declineOffers(from: UPID, { frameworkId, offerIds, filters }: BodyOf<typeof DeclineOffers>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'DeclineOffers');
    if (framework !== undefined) this.decline(framework, offerIds, filters);
  }

  /** Returns the framework's offers to the allocator, filtered for `refuseSeconds` (default 5 s). */
  private decline(framework: FrameworkRecord, offerIds: readonly string[], filters: Filters | undefined): void {
    const how: OfferRetirement = { rescind: false, recover: true, filter: refuseFilter(filters) };
    this.batchingRecovers(() => {
      for (const offerId of offerIds) {
        const record = this.state.offers.get(offerId);
        if (record === undefined || record.offer.frameworkId !== framework.id) {
          this.log.warn({ frameworkId: framework.id, offerId }, 'ignoring decline of an offer that is no longer valid');
          continue;
        }
        framework.metrics.offersDeclined++;
        this.retireOffer(offerId, how);
      }
    });
  }

  private reviveOffers(from: UPID, { frameworkId, roles }: BodyOf<typeof ReviveOffers>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'ReviveOffers');
    if (framework === undefined || !this.subscribed(framework, roles, 'ReviveOffers')) return;
    this.allocatorCall('revive', this.allocator.revive(framework.id, roles));
    this.maintenance.revived(framework.id);
  }

  /** ACCEPT_INVERSE_OFFERS (maintenance.ts): the framework can give back what it holds on the agents in time. */
  private acceptInverseOffers(from: UPID, { frameworkId, inverseOfferIds, filters }: BodyOf<typeof AcceptInverseOffers>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'AcceptInverseOffers');
    if (framework !== undefined) this.maintenance.answer(framework, 'ACCEPT', inverseOfferIds, filters);
  }

  /** DECLINE_INVERSE_OFFERS (maintenance.ts): it cannot. */
  private declineInverseOffers(from: UPID, { frameworkId, inverseOfferIds, filters }: BodyOf<typeof DeclineInverseOffers>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'DeclineInverseOffers');
    if (framework !== undefined) this.maintenance.answer(framework, 'DECLINE', inverseOfferIds, filters);
  }

  private suppressOffers(from: UPID, { frameworkId, roles }: BodyOf<typeof SuppressOffers>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'SuppressOffers');
    if (framework !== undefined && this.subscribed(framework, roles, 'SuppressOffers')) this.allocatorCall('suppress', this.allocator.suppress(framework.id, roles));
  }

  /**
   * Whether every role a call names is one the framework subscribes to. A call naming another is
   * the framework's mistake, dropped with a warning; passed on, the allocator would refuse it, as
   * it refuses what only a disagreement of the books could cause (wire fuzzer, seed 1).
   */
  private subscribed(framework: FrameworkRecord, roles: readonly string[] | undefined, what: string): boolean {
    const subscribed = frameworkRoles(framework.info);
    const other = roles?.find((role) => !subscribed.includes(role));
    if (other === undefined) return true;
    this.log.warn({ frameworkId: framework.id, role: other, message: what }, 'dropping a call for a role the framework does not subscribe to');
    return false;
  }

  // ---- launching tasks --------------------------------------------------------------------------

  private acceptOffers(from: UPID, { frameworkId, offerIds, operations, filters }: BodyOf<typeof AcceptOffers>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'AcceptOffers');
    if (framework === undefined) return;
    // Mesos' counters: a LAUNCH with tasks is a launch (dashboards read launches here, for ACCEPT
    // as for the old LaunchTasks: it stayed at 0 for v1 and actor ACCEPTs), one without is a decline.
    for (const operation of operations) if (operation.type === 'LAUNCH') this.counters.increment((operation.launch?.taskInfos.length ?? 0) > 0 ? 'messages_launch_tasks' : 'messages_decline_offers');
    this.accept(framework, offerIds, operations, filters);
  }

  private launchTasks(from: UPID, { frameworkId, offerIds, tasks, filters }: BodyOf<typeof LaunchTasks>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'LaunchTasks');
    if (framework === undefined) return;
    // As in Mesos, a launch without tasks declines the offers.
    if (tasks.length === 0) this.decline(framework, offerIds, filters);
    else this.accept(framework, offerIds, [{ type: 'LAUNCH', launch: { taskInfos: tasks } }], filters);
  }

  /**
   * Validates the offers, then applies each operation in order to what the ones before left of
   * them: a LAUNCH validates and launches its tasks one by one, a RESERVE or UNRESERVE converts
   * offered resources (`conversion`). An invalid operation is dropped alone, as in Mesos. The rest
   * of the offered resources goes back to the allocator, filtered, except what a conversion made
   * (Mesos returns that unfiltered, to be offered again at once). Whatever throws on the way, no
   * offered resource is lost: the offers are summed before they leave the books, and what the
   * operations did not take is recovered in a `finally`.
   */
  private accept(framework: FrameworkRecord, offerIds: readonly string[], operations: readonly Operation[], filters: Filters | undefined): void {
    const invalid = validateOffers(offerIds, framework.id, (offerId) => {
      const offer = this.state.offers.get(offerId)?.offer;
      return offer && { frameworkId: offer.frameworkId, agentId: offer.agentId, role: offer.allocationRole };
    });
    const records = offerIds.map((offerId) => this.state.offers.get(offerId)).filter((record) => record !== undefined);
    const first = records[0];
    const agent = first && this.state.agents.get(first.offer.agentId);
    if (invalid !== undefined || first === undefined || agent === undefined) {
      const reason = invalid ?? 'offers are on an unknown agent';
      this.rejectLaunch(framework, offerIds, operations.flatMap((operation) => operation.launch?.taskInfos ?? operation.launchGroup?.taskGroup.tasks ?? []), reason);
      // As Mesos' `drop`: another operation is dropped, and a v1 HTTP framework's with an `id` hears OPERATION_ERROR (no agent named).
      for (const operation of operations) {
        if (operation.type !== 'LAUNCH' && operation.type !== 'LAUNCH_GROUP') this.dropOperation(framework, operation, `Operation attempted with invalid offers: ${reason}`);
      }
      return;
    }
    const role = first.offer.allocationRole;
    framework.metrics.offersAccepted += records.length;
    let offered = records.reduce((sum, record) => sum.add(record.resources), Resources.EMPTY);
    let available = offered;
    let converted = Resources.EMPTY;
    /** What GROW_VOLUME and SHRINK_VOLUME made: out of reach of the later operations, recovered unfiltered. */
    let resized = Resources.EMPTY;
    for (const record of records) this.retireOffer(record.offer.id, { rescind: false, recover: false });
    // Only the last conversion's word carries the pending operations out (or one word after the
    // last, if that conversion was dropped): each word carried them all, so k operations in one
    // ACCEPT made words carrying k(k+1)/2 of them (2,000 tiny ones: 534 MB from one request).
    let lastConversion = -1;
    operations.forEach((operation, index) => {
      if (operation.type !== 'LAUNCH' && operation.type !== 'LAUNCH_GROUP') lastConversion = index;
    });
    let index = -1;
    let uncarried = false;
    try {
      for (const operation of operations) {
        index++;
        if (operation.id !== undefined && !this.givesFeedback(framework, agent, operation)) {
          this.refuseFeedback(framework, agent, operation);
          continue;
        }
        const unbooked = operation.id === undefined ? undefined : this.unbookableOperation(framework, agent, operation.id, operation);
        if (operation.id !== undefined && unbooked !== undefined) {
          this.counters.increment('invalid_offer_operations');
          this.dropOperation(framework, operation, unbooked);
          continue;
        }
        if (operation.type === 'LAUNCH') {
          for (const task of operation.launch?.taskInfos ?? []) available = this.launchTask(framework, agent, task, available, role);
          continue;
        }
        if (operation.type === 'LAUNCH_GROUP') {
          available = this.launchTaskGroup(framework, agent, operation, available, role);
          continue;
        }
        const conversion = this.conversion(framework, agent, operation, available, role);
        if (typeof conversion === 'string') {
          this.dropOperation(framework, operation, conversion);
          continue;
        }
        // Pending until the agent reports it finished: the CheckpointResources just below names it.
        const booked = operation.id !== undefined || this.booksUnnamedOperation(agent, operation, framework);
        if (booked) this.trackOperation(framework, agent, operation);
        // The allocator first (its event precedes the accept's end), then the master's books.
        this.allocatorCall('updateAllocation', this.allocator.updateAllocation(framework.id, agent.id, conversion.consumed, conversion.converted, role));
        // As Mesos (which means to make resizes non-speculative): the resized volume, and the disk a
        // shrink gives back, are not left to the ACCEPT's later operations; they are offered again.
        const resize = operation.type === 'GROW_VOLUME' || operation.type === 'SHRINK_VOLUME';
        const made = resize ? Resources.EMPTY : conversion.converted;
        if (resize) resized = resized.add(conversion.converted);
        available = available.subtract(conversion.consumed).add(made);
        offered = offered.subtract(conversion.consumed).add(made);
        converted = converted.subtractSaturating(conversion.consumed).add(made);
        // At once, as Mesos: the agent hears of it before a later LAUNCH's task on the reservation.
        const carry = index === lastConversion;
        this.applyConversion(agent, conversion, booked, carry);
        uncarried = !carry;
        framework.metrics.operation(operation.type);
      }
      if (uncarried && this.operationBook.hasPendingOn(agent.id)) this.checkpointReservations(agent);
    } finally {
      // The rest is returned, and what the tasks (and new executors) took is used now, not offered
      // (Mesos' `transitionOfferedToAllocated`: quota's `consumed` metric counts it), in one allocator event.
      const launched = available === offered ? Resources.EMPTY : offered.subtract(available);
      const convertedLeft = converted.isEmpty() ? Resources.EMPTY : available.intersection(converted);
      const fresh = convertedLeft.add(resized);
      this.allocator.sendAcceptEnd(framework.id, agent.id, convertedLeft.isEmpty() ? available : available.subtract(convertedLeft), launched, refuseFilter(filters), role, this.acceptEndRefused);
      if (!fresh.isEmpty()) this.allocator.sendRecoverResources(framework.id, agent.id, fresh, undefined, role, this.acceptEndRefused);
    }
  }

  /**
   * What a RESERVE or UNRESERVE turns offered `available` resources into (`consumed` becomes
   * `converted`), or undefined when it is invalid or not authorized (logged, and counted as an
   * invalid operation; the framework's other operations go on). See `conversionError`.
   */
  private conversion(framework: FrameworkRecord, agent: AgentRecord, operation: Operation, available: Resources, role: string): Conversion | string {
    const result = offerConversion(operation, { role, principal: framework.info.principal, agentTotal: agent.total, available, creating: this.creatingVolumes.get(agent.id) });
    const denial = typeof result === 'string' ? undefined : this.conversionDenial(result, this.frameworkPrincipal(framework));
    if (typeof result !== 'string' && denial === undefined) return result;
    this.counters.increment('invalid_offer_operations');
    const reason = typeof result === 'string' ? result : `not authorized: ${denial ?? ''}`;
    this.log.warn({ frameworkId: framework.id, agentId: agent.id, operation: operation.type, reason: boundedText(reason, MAX_LOGGED_REASON_LENGTH) }, 'dropping an invalid operation');
    return reason;
  }

  /**
   * Why the ACLs do not let `principal` make `conversion`, or undefined (its `authorizations`:
   * `reserve_resources`, `unreserve_resources`, `create_volumes` or `destroy_volumes`). A
   * framework's and an operator's alike.
   */
  private conversionDenial(conversion: Conversion, principal: string | undefined): string | undefined {
    const denied = conversion.authorizations.find(([action, object]) => !this.authorizer.authorized(action, principal, object));
    return denied === undefined ? undefined : describeDenial(denied[0], principal, denied[1]);
  }

  /**
   * A conversion the allocator has (or is about to have) in the master's books: the agent's total
   * changes, and the agent hears every dynamic reservation it now has (Mesos'
   * `CheckpointResourcesMessage`), to keep on disk. One not booked (`booked`: on an agent that
   * does not give feedback, or past `booksUnnamedOperation`'s bound) counts as finished in
   * `master/operations/...` on an agent with the RESOURCE_PROVIDER capability, as Mesos tracks
   * every operation on such an agent (there, pending until the agent's word; here not followed).
   */
  private applyConversion(agent: AgentRecord, conversion: Conversion, booked = false, carry = true): void {
    if (!booked && agent.capabilities.includes('RESOURCE_PROVIDER')) this.operationBook.metrics.add(conversion.kind, 'OPERATION_FINISHED');
    this.state.setAgentTotal(agent, agent.total.subtract(conversion.consumed).add(conversion.converted));
    this.state.agentChanged(agent);
    this.checkpointReservations(agent, carry);
  }

  /**
   * Tells the agent every dynamic reservation and persistent volume it has now (Mesos'
   * `CheckpointResourcesMessage`), for it to keep on disk, and the operations with feedback they
   * carry out that it has not reported finished (all of them, each time: one lost with an
   * earlier word is carried out by this one), unless `carry` is false (a later word of the same
   * ACCEPT carries them).
   */
  private checkpointReservations(agent: AgentRecord, carry = true): void {
    const resources = agent.total.checkpointed().toJSON();
    const operations = !carry || this.operationBook.size === 0 ? [] : this.operationBook.pendingOn(agent.id);
    this.send(agent.pid, CheckpointResources, operations.length === 0 ? { resources } : { resources, operations });
  }

  /** Invalid offers (Mesos): the framework's offers among them are recovered; every task is TASK_LOST (TASK_DROPPED if partition-aware). */
  private rejectLaunch(framework: FrameworkRecord, offerIds: readonly string[], tasks: readonly TaskInfo[], reason: string): void {
    this.log.warn({ frameworkId: framework.id, offerIds: offerIds.slice(0, MAX_LOGGED_IDS), offerCount: offerIds.length, reason }, 'launch with invalid offers');
    for (const offerId of offerIds) {
      if (this.state.offers.get(offerId)?.offer.frameworkId === framework.id) this.retireOffer(offerId, { rescind: false, recover: true });
    }
    const state: TaskState = droppedTaskState(framework.info);
    for (const task of tasks) this.refuseTask(framework, task, state, Reason.INVALID_OFFERS, `Task launched with invalid offers: ${reason}`);
  }

  /** A task the master will not launch: counted, and its framework told (`state`, `reason`, `message`, from the master). */
  private refuseTask(framework: FrameworkRecord, task: TaskInfo, state: TaskState, reason: MasterReason, message: string): void {
    this.counters.taskReached(state);
    this.taskReasonCounters.reached(state, 'SOURCE_MASTER', reason);
    this.sendToFramework(framework, masterStatusUpdate({ frameworkId: framework.id, taskId: task.taskId, agentId: task.agentId, state, reason, message, nowMs: this.clock.now() }));
  }

  /**
   * Mesos' `drop` of an offer operation: counted OPERATION_ERROR (`master/operations/...`), and a
   * connected v1 HTTP framework's operation with an `id` hears OPERATION_ERROR with `message`
   * (cut to `MAX_TASK_ERROR_LENGTH`; no agent named). A scheduler driver has no operation statuses.
   */
  private dropOperation(framework: FrameworkRecord, operation: Operation, message: string): void {
    this.operationBook.metrics.add(operation.type, 'OPERATION_ERROR');
    if (operation.id === undefined || !isHttpFramework(framework) || !framework.connected) return;
    this.toFramework(framework, OperationStatusUpdate, { frameworkId: framework.id, status: { operationId: operation.id, state: 'OPERATION_ERROR', message: boundedText(message, MAX_TASK_ERROR_LENGTH) } });
  }

  /**
   * Why the ACLs' run_tasks do not let the framework's principal run `task` as the user it would
   * run as (Mesos: its command's user, else its executor's command's user, else the framework's),
   * or undefined if they do.
   */
  private runTaskDenial(framework: FrameworkRecord, task: TaskInfo): string | undefined {
    const principal = this.frameworkPrincipal(framework);
    const user = task.command?.user ?? task.executor?.command?.user ?? framework.info.user;
    if (this.authorizer.authorized('run_tasks', principal, user)) return undefined;
    return `Task '${task.taskId}' is not authorized to launch: ${describeDenial('run_tasks', principal, user)}`;
  }

  /** What validating a launch on `agent` reads: the framework's tasks and executors there, and what remains of the offers. */
  private taskContext(framework: FrameworkRecord, agent: AgentRecord, available: Resources, role: string, parses: LaunchParses): TaskContext {
    return {
      frameworkId: framework.id,
      agentId: agent.id,
      hasTask: (taskId) => framework.tasks.has(taskId),
      hasUnreachableTask: (taskId) => framework.unreachableTasks.has(taskId),
      executor: (executorId) => agent.executors.get(framework.id)?.get(executorId)?.info,
      available,
      agentTotal: agent.total,
      parses,
      role,
    };
  }

  /** Validates and launches one task; returns what remains of the offered resources. */
  private launchTask(framework: FrameworkRecord, agent: AgentRecord, task: TaskInfo, available: Resources, role: string): Resources {
    const parses = new LaunchParses();
    const context = this.taskContext(framework, agent, available, role, parses);
    const reason = validateTask(task, context);
    const invalid = reason === undefined ? undefined : boundedText(reason, MAX_TASK_ERROR_LENGTH);
    const unauthorized = invalid === undefined ? this.runTaskDenial(framework, task) : undefined;
    if (invalid !== undefined || unauthorized !== undefined) {
      this.log.info({ frameworkId: framework.id, taskId: task.taskId, reason: invalid ?? unauthorized }, invalid !== undefined ? 'task invalid' : 'task not authorized');
      this.refuseTask(framework, task, 'TASK_ERROR', invalid !== undefined ? Reason.TASK_INVALID : Reason.TASK_UNAUTHORIZED, invalid ?? unauthorized ?? '');
      return available;
    }
    // Computed before the books change, so that a throw leaves the task's resources with the caller.
    const remaining = available.subtract(launchResources(task, context));
    const launched: TaskInfo = task.executor === undefined ? task : { ...task, executor: withFrameworkId(task.executor, framework.id) };
    // The agent is told whether this task starts its executor: the one the master tracks may have exited meanwhile.
    const launchExecutor = launched.executor !== undefined && context.executor(launched.executor.executorId) === undefined;
    if (launched.executor !== undefined && launchExecutor) this.state.addExecutor(agent, framework.id, trackExecutor(launched.executor, role));
    const tracked = trackLaunchedTask(launched, framework.id, role, parses.parse(launched.resources));
    this.state.addTask(tracked, agent);
    // A kill remembered for an earlier task of this id there is not this one's.
    if (agent.killedTasks.size > 0) agent.killedTasks.delete(`${framework.id}/${launched.taskId}`);
    this.emit({ type: 'TASK_ADDED', task: tracked });
    // Two literals, not a spread: a literal with a spread copies (lib/with-fields.ts), and a cycle's RunTasks all wait in the agents' mailboxes at once.
    const pid = framework.pid?.toString();
    this.send(agent.pid, RunTask, launched.executor !== undefined
      ? { framework: framework.info, frameworkId: framework.id, pid, task: launched, role, launchExecutor }
      : { framework: framework.info, frameworkId: framework.id, pid, task: launched, role });
    framework.metrics.operation('LAUNCH');
    return remaining;
  }

  /**
   * Validates and launches a LAUNCH_GROUP (Mesos' task groups): all its tasks or none. Each task
   * is authorized (`run_tasks`) and the group validated (`validateTaskGroup`); a problem with any
   * of them is TASK_ERROR for every task (REASON_TASK_GROUP_UNAUTHORIZED or _INVALID), naming it.
   * Launched, each task names the group's executor, the executor is tracked when it is new, and
   * the agent gets one RunTaskGroup. Returns what remains of the offered resources.
   */
  private launchTaskGroup(framework: FrameworkRecord, agent: AgentRecord, operation: Operation, available: Resources, role: string): Resources {
    const group = operation.launchGroup;
    if (group === undefined) {
      this.counters.increment('invalid_offer_operations');
      this.log.warn({ frameworkId: framework.id, agentId: agent.id }, "dropping a LAUNCH_GROUP without its 'launchGroup' field");
      return available;
    }
    const tasks = group.taskGroup.tasks;
    const context = this.taskContext(framework, agent, available, role, new LaunchParses());
    let unauthorized: string | undefined;
    for (const task of tasks) unauthorized ??= this.runTaskDenial(framework, task.executor === undefined ? { ...task, executor: group.executor } : task);
    const reason = unauthorized === undefined ? validateTaskGroup(group.executor, tasks, context) : undefined;
    if (unauthorized !== undefined || reason !== undefined) {
      const message = boundedText(unauthorized ?? reason ?? '', MAX_TASK_ERROR_LENGTH);
      const why = unauthorized !== undefined ? Reason.TASK_GROUP_UNAUTHORIZED : Reason.TASK_GROUP_INVALID;
      this.log.info({ frameworkId: framework.id, taskIds: tasks.slice(0, MAX_LOGGED_IDS).map((task) => task.taskId), reason: message }, unauthorized !== undefined ? 'task group not authorized' : 'task group invalid');
      for (const task of tasks) this.refuseTask(framework, task, 'TASK_ERROR', why, message);
      return available;
    }
    const executor = withFrameworkId(group.executor, framework.id);
    const remaining = available.subtract(groupResources(executor, tasks, context));
    const launchExecutor = context.executor(executor.executorId) === undefined;
    if (launchExecutor) this.state.addExecutor(agent, framework.id, trackExecutor(executor, role));
    // Each task names its executor, as Mesos fills it in: the books, the endpoints and the agent read it there.
    const launched = tasks.map((task) => withFields(task, { executor }));
    for (const task of launched) {
      const tracked = trackLaunchedTask(task, framework.id, role, Resources.fromJSON(task.resources));
      this.state.addTask(tracked, agent);
      if (agent.killedTasks.size > 0) agent.killedTasks.delete(`${framework.id}/${task.taskId}`);
      this.emit({ type: 'TASK_ADDED', task: tracked });
    }
    this.send(agent.pid, RunTaskGroup, {
      framework: framework.info, frameworkId: framework.id, pid: framework.pid?.toString(), executor, taskGroup: { tasks: launched }, role, launchExecutor,
    });
    framework.metrics.operation('LAUNCH_GROUP');
    return remaining;
  }

  // ---- tasks ------------------------------------------------------------------------------------

  private killTask(from: UPID, { frameworkId, taskId, agentId, killPolicy }: BodyOf<typeof KillTask>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'KillTask');
    if (framework === undefined) return;
    const tracked = framework.tasks.get(taskId);
    if (tracked === undefined) {
      // As Mesos does: reconcile the unknown task, so the framework learns it is gone.
      this.log.warn({ frameworkId, taskId }, 'cannot kill an unknown task; reconciling it');
      this.answerReconciliation(framework, [{ taskId, ...(agentId !== undefined ? { agentId } : {}) }]);
      return;
    }
    if (agentId !== undefined && agentId !== tracked.task.agentId) {
      this.log.warn({ frameworkId, taskId, agentId, actual: tracked.task.agentId }, 'cannot kill a task named with the wrong agent');
      return;
    }
    const agent = this.state.agents.get(tracked.task.agentId);
    if (agent === undefined) return;
    // Remembered in case the agent is disconnected now: the kill is repeated when it re-registers.
    agent.killedTasks.add(`${frameworkId}/${taskId}`);
    if (agent.connected) this.send(agent.pid, KillTaskOnAgent, killPolicy === undefined ? { frameworkId, taskId } : { frameworkId, taskId, killPolicy });
    else this.log.warn({ frameworkId, taskId, agentId: agent.id }, 'agent disconnected; the kill is repeated when it re-registers');
  }

  /** A framework's SHUTDOWN of one of its executors: passed to the executor's agent, if it is connected (Mesos drops it otherwise). */
  private shutdownExecutorCall(from: UPID, { frameworkId, executorId, agentId }: BodyOf<typeof ShutdownExecutorCall>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'ShutdownExecutorCall');
    if (framework === undefined) return;
    const agent = this.state.agents.get(agentId);
    if (agent === undefined || !agent.connected) {
      this.log.warn({ frameworkId, executorId, agentId }, `cannot shut down the executor: its agent is ${agent === undefined ? 'unknown' : 'disconnected'}`);
      return;
    }
    this.send(agent.pid, ShutdownExecutor, { frameworkId, executorId });
  }

  private statusUpdate(from: UPID, { update, pid }: BodyOf<typeof StatusUpdateMessage>): void {
    const agent = this.agentFrom(from, update.agentId, 'StatusUpdate');
    const uuid = update.uuid ?? update.status.uuid;
    if (agent === undefined || uuid === undefined) {
      if (agent !== undefined) this.log.warn({ from: from.toString(), taskId: update.status.taskId }, 'dropping status update without a uuid');
      this.counters.increment('invalid_status_updates');
      return;
    }
    const framework = this.state.frameworks.get(update.frameworkId);
    const tracked = this.state.agentTask(agent, update.frameworkId, update.status.taskId);
    if (tracked === undefined) return this.strayUpdate(agent, framework, update, uuid, pid ?? from.toString());
    const forwarded = framework !== undefined && framework.connected && framework.pid !== undefined;
    if (forwarded && framework.pid !== undefined) {
      this.toFramework(framework, StatusUpdateMessage, { update, pid: pid ?? from.toString() });
      this.state.noteForwardedUpdate(tracked.task, update.status.state, uuid);
    } else {
      // The agent retries until the framework is back and acknowledges.
      this.log.warn({ frameworkId: update.frameworkId, taskId: update.status.taskId }, 'not forwarding status update: framework unknown or disconnected');
    }
    // Mesos' `latest_state`: the agent sends one unacknowledged update per task at a time, so the
    // task may be further along; its state and resources follow the latest.
    this.transitionTask(tracked, update.status, true, update.latestState);
    this.counters.increment(forwarded ? 'valid_status_updates' : 'invalid_status_updates');
  }

  /**
   * An update about a task the master does not have on that agent. Either it is a late copy of
   * one whose task the master already completed, or the task is one the master gave up on (its
   * agent was removed; then the agent came back with it, or got its RunTask late) and whose
   * resources it has given back. A task still live is killed, as Mesos' guide promises for tasks
   * reported lost. A partition-aware framework hears the update (after TASK_UNREACHABLE it may
   * hear the task's real state), unless it has had the task's terminal update already: a late
   * echo (an agent answering a kill that crossed the task's end with TASK_DROPPED, "Cannot find
   * executor") must not follow it (Mesos forwards it; a terminal update is the last a framework
   * hears of a task here). The others, told TASK_LOST, never hear of the task again. Either way
   * the master acknowledges what it does not forward, and the agent stops re-sending it.
   */
  private strayUpdate(agent: AgentRecord, framework: FrameworkRecord | undefined, update: StatusUpdate, uuid: string, acknowledgee: string): void {
    const { taskId, state } = update.status;
    this.counters.increment('invalid_status_updates');
    const live = !isTerminalState(update.latestState ?? state);
    this.log.warn({ frameworkId: update.frameworkId, taskId, agentId: agent.id, state, live }, live
      ? 'an agent runs a task the master does not have (it was declared lost); killing it'
      : 'status update for a task the master does not have');
    if (live) {
      // Remembered like any kill: repeated if the agent re-registers with the task still alive.
      agent.killedTasks.add(`${update.frameworkId}/${taskId}`);
      this.send(agent.pid, KillTaskOnAgent, { frameworkId: update.frameworkId, taskId });
    }
    if (framework !== undefined && isPartitionAware(framework.info) && !this.state.completedTaskOn(framework, agent.id, taskId)) {
      if (framework.connected) this.toFramework(framework, StatusUpdateMessage, { update, pid: acknowledgee });
      return;
    }
    this.send(agent.pid, StatusUpdateAcknowledgement, { agentId: agent.id, frameworkId: update.frameworkId, taskId, uuid });
  }

  private acknowledge(from: UPID, body: BodyOf<typeof StatusUpdateAcknowledgement>): void {
    const framework = this.frameworkFrom(from, body.frameworkId, 'StatusUpdateAcknowledgement');
    const agent = this.state.agents.get(body.agentId);
    if (framework === undefined || agent === undefined || !agent.connected || agent.removing) {
      if (framework !== undefined) this.log.warn({ frameworkId: body.frameworkId, agentId: body.agentId }, 'dropping acknowledgement: agent unknown or disconnected');
      this.counters.increment('invalid_status_update_acknowledgements');
      return;
    }
    const tracked = this.state.agentTask(agent, framework.id, body.taskId);
    const acknowledged = tracked?.task.statusUpdateState;
    // As in Mesos, a task leaves the books when its terminal update is acknowledged.
    if (tracked !== undefined && acknowledged !== undefined && isTerminalState(acknowledged) && tracked.task.statusUpdateUuid === body.uuid) {
      this.state.removeTask(tracked, 'completed');
    }
    // `frameworkFrom` found the framework under `body.frameworkId`: the body goes on as it came.
    this.send(agent.pid, StatusUpdateAcknowledgement, body);
    this.counters.increment('valid_status_update_acknowledgements');
    this.drainer.check(agent);
  }

  private reconcileTasks(from: UPID, { frameworkId, statuses }: BodyOf<typeof ReconcileTasks>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'ReconcileTasks');
    if (framework !== undefined) this.answerReconciliation(framework, statuses);
  }

  /** Sends the framework the reconciliation answers for `requests` (empty: all its tasks). */
  private answerReconciliation(framework: FrameworkRecord, requests: readonly ReconcileRequest[]): void {
    for (const update of reconcile(this.reconciliationView(framework), requests)) this.sendToFramework(framework, update);
  }

  /**
   * Whether an ACCEPT's operation with an `id` gets feedback: a v1 HTTP framework's operation
   * other than a launch, on an agent with AGENT_FEEDBACK_CAPABILITIES (Mesos' conditions for
   * operations on agent default resources).
   */
  private givesFeedback(framework: FrameworkRecord, agent: AgentRecord, operation: Operation): boolean {
    return operation.type !== 'LAUNCH' && operation.type !== 'LAUNCH_GROUP' && isHttpFramework(framework) && agentGivesFeedback(agent);
  }

  /**
   * An ACCEPT's operation with an `id` (it asks for operation feedback) that gets none
   * (`givesFeedback`), refused as Mesos refuses it: a LAUNCH's or LAUNCH_GROUP's tasks are
   * TASK_ERROR (feedback is never for launches); another operation of a framework of the
   * scheduler driver (an actor) ends in a FrameworkError, of a v1 HTTP framework on an agent
   * without the capabilities in an OPERATION_ERROR update naming the agent. The operation is
   * dropped; the ACCEPT's others go on.
   */
  private refuseFeedback(framework: FrameworkRecord, agent: AgentRecord, operation: Operation): void {
    this.counters.increment('invalid_offer_operations');
    if (operation.type === 'LAUNCH' || operation.type === 'LAUNCH_GROUP') {
      const group = operation.type === 'LAUNCH_GROUP';
      const tasks = (group ? operation.launchGroup?.taskGroup.tasks : operation.launch?.taskInfos) ?? [];
      const reason = group ? Reason.TASK_GROUP_INVALID : Reason.TASK_INVALID;
      const message = `The \`id\` field cannot be set on ${operation.type} operations`;
      for (const task of tasks) this.refuseTask(framework, task, 'TASK_ERROR', reason, message);
      return;
    }
    const operationId = operation.id as string;
    if (!isHttpFramework(framework)) {
      // Counted OPERATION_ERROR as a drop is (no status goes to a scheduler driver).
      this.dropOperation(framework, operation, '');
      const message = "The 'id' field was set in an offer operation, but operation feedback is not supported for the SchedulerDriver API";
      this.log.warn({ frameworkId: framework.id, operation: operation.type, operationId }, message);
      if (framework.connected) this.toFramework(framework, FrameworkError, { message: `${message}; please use the HTTP scheduler API for this feature` });
      return;
    }
    const message = !agent.capabilities.includes('RESOURCE_PROVIDER')
      ? `Operation requested feedback, but agent ${agent.id} does not have the required RESOURCE_PROVIDER capability`
      : `Operation on agent default resources requested feedback, but agent ${agent.id} does not have the required AGENT_OPERATION_FEEDBACK and RESOURCE_PROVIDER capabilities`;
    this.log.warn({ frameworkId: framework.id, operation: operation.type, operationId, reason: message }, 'dropping an invalid operation');
    this.dropOperation(framework, operation, message);
  }

  /**
   * RECONCILE_OPERATIONS, as Mesos answers it: implicit (no operation named), the latest status of
   * each operation the master knows of the framework, those without an `id` too (their statuses
   * without an `operationId`, as Mesos' `framework->operations`); explicit, each named operation's latest
   * status if the master knows it, else by its agent's standing: OPERATION_RECOVERING (not
   * re-registered since a master restart), OPERATION_UNKNOWN (registered, or unknown),
   * OPERATION_UNREACHABLE, OPERATION_GONE_BY_OPERATOR. No answer carries a `uuid`: none is to be
   * acknowledged.
   */
  private reconcileOperations(from: UPID, { frameworkId, operations }: BodyOf<typeof ReconcileOperations>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'ReconcileOperations');
    if (framework === undefined || !this.httpOnlyCall(framework, 'RECONCILE_OPERATIONS')) return;
    this.counters.increment('messages_reconcile_operations');
    if (!framework.connected) return;
    const latest = (operation: MasterOperation): OperationStatus => {
      const { uuid: _uuid, ...status } = operation.latest;
      return status;
    };
    if (operations.length === 0) {
      for (const operation of this.operationBook.frameworkOperations(framework.id)) this.toFramework(framework, OperationStatusUpdate, { frameworkId: framework.id, status: latest(operation) });
      return;
    }
    for (const { operationId, agentId, resourceProviderId } of operations) {
      const known = this.operationBook.ofFramework(framework.id, operationId);
      if (known !== undefined) {
        this.toFramework(framework, OperationStatusUpdate, { frameworkId: framework.id, status: latest(known) });
        continue;
      }
      const [state, message] = this.operationReconciliation(agentId);
      const ids = { ...(agentId !== undefined ? { agentId } : {}), ...(resourceProviderId !== undefined ? { resourceProviderId } : {}) };
      this.toFramework(framework, OperationStatusUpdate, { frameworkId: framework.id, status: { operationId, state, message, ...ids } });
    }
  }

  /**
   * Whether `framework` may make call `type`: a v1 HTTP framework's; a scheduler driver's (an
   * actor framework's) is dropped, logged and not answered, as Mesos' master drops it
   * (`'RECONCILE_OPERATIONS' is not supported by the v0 API`).
   */
  private httpOnlyCall(framework: FrameworkRecord, type: 'RECONCILE_OPERATIONS' | 'ACKNOWLEDGE_OPERATION_STATUS'): boolean {
    if (isHttpFramework(framework)) return true;
    this.log.warn({ frameworkId: framework.id, call: type }, `dropping a call: '${type}' is not supported by the v0 API`);
    return false;
  }

  /** The state and message that answer the reconciliation of an operation the master does not know, on `agentId` (Mesos' words). */
  private operationReconciliation(agentId: string | undefined): readonly [OperationState, string] {
    if (agentId === undefined) return ['OPERATION_UNKNOWN', "Reconciliation: Operation is unknown and no 'agent_id' was provided"];
    if (this.state.recoveredAgents.has(agentId)) return ['OPERATION_RECOVERING', 'Reconciliation: Agent is recovered but has not re-registered'];
    if (this.state.agents.has(agentId)) return ['OPERATION_UNKNOWN', 'Reconciliation: Operation is unknown'];
    if (this.state.unreachableAgents.has(agentId)) return ['OPERATION_UNREACHABLE', 'Reconciliation: Agent is unreachable'];
    if (this.goneAgents.has(agentId)) return ['OPERATION_GONE_BY_OPERATOR', 'Reconciliation: Agent marked gone by operator'];
    return ['OPERATION_UNKNOWN', 'Reconciliation: Both operation and agent are unknown'];
  }

  /**
   * ACKNOWLEDGE_OPERATION_STATUS (Mesos' `acknowledgeOperationStatus`): the acknowledgement of the
   * latest status of a known operation on a registered, connected agent that gives feedback is
   * passed on to the agent, and a terminal operation is forgotten; any other is counted invalid
   * and dropped with Mesos' warning.
   */
  private acknowledgeOperationStatus(from: UPID, { frameworkId, agentId, operationId, uuid, resourceProviderId }: BodyOf<typeof AcknowledgeOperationStatus>): void {
    const framework = this.frameworkFrom(from, frameworkId, 'AcknowledgeOperationStatus');
    if (framework === undefined || !this.httpOnlyCall(framework, 'ACKNOWLEDGE_OPERATION_STATUS')) return;
    this.counters.increment('messages_operation_status_update_acknowledgement');
    const agent = this.state.agents.get(agentId);
    const operation = this.operationBook.ofFramework(framework.id, operationId);
    const why = agent === undefined || agent.removing ? 'agent is not registered' : !agent.connected ? 'agent is disconnected'
      : resourceProviderId !== undefined && !agent.capabilities.includes('RESOURCE_PROVIDER') ? 'the agent does not have the RESOURCE_PROVIDER capability'
        : resourceProviderId === undefined && !agentGivesFeedback(agent) ? 'the agent does not support operation feedback on agent default resources'
          : operation === undefined || operation.agentId !== agentId ? 'the operation is unknown'
            : operation.latest.uuid !== uuid ? `the status ${uuid} is not the operation's latest` : undefined;
    if (why !== undefined || agent === undefined || operation === undefined) {
      this.log.warn({ frameworkId: framework.id, agentId, operationId }, `cannot send an operation status acknowledgement to the agent because ${why ?? ''}`);
      this.counters.increment('invalid_operation_status_update_acknowledgements');
      return;
    }
    this.counters.increment('valid_operation_status_update_acknowledgements');
    this.send(agent.pid, OperationStatusAcknowledgement, { agentId, operationUuid: operation.uuid, statusUuid: uuid });
    if (isTerminalOperationState(operation.latest.state)) this.operationBook.removeAcknowledged(operation, uuid);
    this.drainer.check(agent);
  }

  /**
   * Why the framework's operation `operationId` cannot be booked, or undefined: its id is another's
   * not yet acknowledged (Mesos' books would take the second for the first; here the first keeps
   * it), the framework holds `MAX_OPERATIONS_PER_FRAMEWORK` already, or the agent holds
   * `MAX_AGENT_REPORTED_OPERATIONS` (as many as it reports, the bound of those without an `id`):
   * a removed framework's stay until their agent's word, so without it frameworks made and torn
   * down one after another on an agent that never reports would grow the books without bound.
   * Nor past the books' byte bounds (`bookedBytesError`).
   */
  private unbookableOperation(framework: FrameworkRecord, agent: AgentRecord, operationId: string, operation: Operation): string | undefined {
    if (this.operationBook.ofFramework(framework.id, operationId) !== undefined) return `Operation ID '${operationId}' is already in use by another operation of the framework that is not yet acknowledged`;
    if (this.operationBook.frameworkCount(framework.id) >= MAX_OPERATIONS_PER_FRAMEWORK) return `The framework has ${MAX_OPERATIONS_PER_FRAMEWORK} operations pending or not yet acknowledged (MAX_OPERATIONS_PER_FRAMEWORK): acknowledge their statuses first`;
    if (this.operationBook.agentCount(agent.id) >= MAX_AGENT_REPORTED_OPERATIONS) return `Agent '${agent.id}' has ${MAX_AGENT_REPORTED_OPERATIONS} operations pending or not yet acknowledged (MAX_AGENT_REPORTED_OPERATIONS): try again once it reports them`;
    return this.bookedBytesError(operation, framework);
  }

  /**
   * Why `operation` (of `framework`, none for an operator's) would take the operation book past
   * `MAX_OPERATION_BYTES_PER_FRAMEWORK` or `MAX_BOOKED_OPERATION_BYTES`, or undefined; nor one
   * heavier than a CheckpointResources carries (`MAX_CARRIED_OPERATION_BYTES`): never carried out,
   * it stayed pending for good, and every operation booked after it on the agent waited behind it.
   */
  private bookedBytesError(operation: Operation, framework?: FrameworkRecord): string | undefined {
    const bytes = operationBytes(operation);
    const carried = carriedOperationBytes(framework?.id, operation, bytes);
    if (carried > MAX_CARRIED_OPERATION_BYTES) {
      return `The operation weighs ${carried} bytes as a CheckpointResources carries it, more than ${MAX_CARRIED_OPERATION_BYTES} (MAX_CARRIED_OPERATION_BYTES): its agent could never be told of it`;
    }
    if (framework !== undefined && this.operationBook.frameworkBytes(framework.id) + bytes > MAX_OPERATION_BYTES_PER_FRAMEWORK) {
      return `The framework's operations pending or not yet acknowledged would hold more than ${MAX_OPERATION_BYTES_PER_FRAMEWORK} bytes with this one of ${bytes} (MAX_OPERATION_BYTES_PER_FRAMEWORK): acknowledge their statuses first`;
    }
    if (this.operationBook.totalBytes + bytes > MAX_BOOKED_OPERATION_BYTES) {
      return `The master's operations pending or not yet acknowledged would hold more than ${MAX_BOOKED_OPERATION_BYTES} bytes with this one of ${bytes} (MAX_BOOKED_OPERATION_BYTES): try again once some are acknowledged`;
    }
    return undefined;
  }

  /**
   * Keeps an operation just applied on the agent, OPERATION_PENDING until the agent reports it
   * (Mesos' `_apply`): a framework's, with its `id` (the framework hears its statuses) or without
   * (the master acknowledges them), or an operator's (`framework` undefined).
   */
  private trackOperation(framework: FrameworkRecord | undefined, agent: AgentRecord, operation: Operation): void {
    const operationId = operation.id;
    const named = operationId === undefined ? {} : { operationId };
    this.operationBook.add({
      uuid: this.host.newUuid(), frameworkId: framework?.id, agentId: agent.id, ...named, type: operation.type, info: operation,
      latest: { ...named, state: 'OPERATION_PENDING', agentId: agent.id },
    });
  }

  /**
   * Whether an operation without an `id` (a framework's, or an operator's) applied on the agent is
   * booked until the agent reports it, as Mesos books every operation on an agent with the
   * RESOURCE_PROVIDER capability (here, on one that gives feedback, whose statuses the master can
   * acknowledge), while the agent has fewer than `MAX_AGENT_REPORTED_OPERATIONS` in the books (as
   * many as it reports, and a word carries out) and the books' byte bounds hold it
   * (`bookedBytesError`): past those it is applied unbooked, as before.
   */
  private booksUnnamedOperation(agent: AgentRecord, operation: Operation, framework?: FrameworkRecord): boolean {
    return agentGivesFeedback(agent) && this.operationBook.agentCount(agent.id) < MAX_AGENT_REPORTED_OPERATIONS && this.bookedBytesError(operation, framework) === undefined;
  }

  /**
   * The registered framework told of `operation`'s statuses: its framework's, when it gave the
   * operation an `id` (as Mesos, one without, or an operator's, is told to no one).
   */
  private frameworkToldOf(operation: MasterOperation): FrameworkRecord | undefined {
    const { frameworkId, operationId } = operation;
    return frameworkId === undefined || operationId === undefined ? undefined : this.state.frameworks.get(frameworkId);
  }

  /**
   * An agent reports an operation's status (Mesos' `updateOperationStatus`): from that agent
   * only, about an operation on it. An operation the master does not know (after a failover, or
   * forgotten when acknowledged while the agent missed the acknowledgement) is taken in.
   */
  private updateOperationStatus(from: UPID, { agentId, operation }: BodyOf<typeof UpdateOperationStatus>): void {
    const agent = this.agentFrom(from, agentId, 'UpdateOperationStatus');
    if (agent === undefined) {
      this.counters.increment('invalid_operation_status_updates');
      return;
    }
    if (this.acknowledgedAgain(agent, operation)) {
      // Mesos counts a status of an operation it no longer has as invalid.
      this.counters.increment('invalid_operation_status_updates');
      return;
    }
    if (this.takeOperationReport(agent, operation) === undefined) return;
    this.counters.increment('valid_operation_status_updates');
    const known = this.operationBook.get(operation.uuid);
    if (known !== undefined) this.passOnOperationStatus(agent, known);
    // The last word left pending operations out (its bound), and carried this one last: the next carries the rest.
    if (this.operationBook.carriedLast(agent.id, operation.uuid)) this.checkpointReservations(agent);
    this.drainer.check(agent);
  }

  /**
   * Whether the agent reports a status already acknowledged, its operation forgotten (a retry that
   * crossed the acknowledgement, or a report after the acknowledgement was lost with the link):
   * then the acknowledgement is sent again, and the operation not taken back into the books (its
   * framework would hear the status again, and the operation be kept for an acknowledgement it
   * already gave; Mesos' master, which does not remember, tells the framework again).
   */
  private acknowledgedAgain(agent: AgentRecord, reported: AgentOperation): boolean {
    const statusUuid = reported.status.uuid;
    if (statusUuid === undefined || this.operationBook.get(reported.uuid) !== undefined || !this.operationBook.wasAcknowledged(reported.uuid, statusUuid)) return false;
    this.send(agent.pid, OperationStatusAcknowledgement, { agentId: agent.id, operationUuid: reported.uuid, statusUuid });
    return true;
  }

  /**
   * Takes an operation the agent reports (re-registering or in an update) into the books: its
   * status becomes the latest of the one known, or it is added. Refused (undefined, logged) when
   * it names another agent, or the uuid is another framework's or agent's operation.
   */
  private takeOperationReport(agent: AgentRecord, reported: AgentOperation): MasterOperation | undefined {
    const known = this.operationBook.get(reported.uuid);
    const refusal = this.operationReportRefusal(agent, reported, known);
    if (refusal !== undefined) {
      this.log.warn({ agentId: agent.id, operationUuid: reported.uuid, frameworkId: reported.frameworkId, operationId: reported.operationId }, `dropping an operation status: ${refusal}`);
      this.counters.increment('invalid_operation_status_updates');
      return undefined;
    }
    if (known === undefined && reported.frameworkId !== undefined && reported.operationId !== undefined && this.operationBook.ofFramework(reported.frameworkId, reported.operationId) !== undefined) {
      this.supersededOperation(agent, reported);
      return undefined;
    }
    // The operation's id, if it has one, is its status' (Mesos' master sets it); one without has none.
    const { operationId: _named, ...reportedStatus } = reported.status;
    const status: OperationStatus = { ...reportedStatus, ...(reported.operationId !== undefined ? { operationId: reported.operationId } : {}), agentId: agent.id };
    if (known !== undefined) {
      // A terminal status stays (Mesos): the agent's latest is that one, sent again.
      if (!isTerminalOperationState(known.latest.state) || known.latest.uuid === undefined) this.operationBook.setLatest(known, status);
      return known;
    }
    const taken: MasterOperation = { uuid: reported.uuid, frameworkId: reported.frameworkId, agentId: agent.id, operationId: reported.operationId, type: reported.type, info: reported.info, latest: status };
    // Not weighed in the byte bounds: its framework and info are the agent's word, and a hostile
    // agent's few reports of megabytes named for a framework (or any) filled its bound (or all) and
    // denied its operations. Bounded by MAX_AGENT_REPORTED_OPERATIONS on each agent, as before them.
    this.operationBook.add(taken, false);
    return taken;
  }

  /**
   * Why an operation the agent reports is not taken, or undefined. The agent must give feedback
   * (`agentGivesFeedback`: the framework's acknowledgement is passed only to such an agent, so
   * another's status would stay in the books for good, sent again by it). Its status uuid must be a
   * UUID's text (the framework acknowledges it as a UUID's 16 bytes: any other could never be
   * acknowledged, and the agent would send it for good); it may not name another agent, nor be
   * another agent's or framework's operation; and one the master does not know is taken only while
   * the agent has fewer than `MAX_AGENT_REPORTED_OPERATIONS` in the books (its re-registration
   * reports no more), so that invented ones cannot grow the books without bound.
   */
  private operationReportRefusal(agent: AgentRecord, reported: AgentOperation, known: MasterOperation | undefined): string | undefined {
    if (!agentGivesFeedback(agent)) return 'the agent does not give operation feedback (its acknowledgement could not be passed on)';
    if (reported.status.uuid !== undefined && !isUuidText(reported.status.uuid)) return 'its status uuid is not a UUID';
    if (reported.status.agentId !== undefined && reported.status.agentId !== agent.id) return 'it names another agent';
    if (known !== undefined) return known.agentId !== agent.id || known.frameworkId !== reported.frameworkId || known.operationId !== reported.operationId ? 'it names another agent\'s or framework\'s operation' : undefined;
    if (this.operationBook.agentCount(agent.id) >= MAX_AGENT_REPORTED_OPERATIONS) return `the agent holds ${MAX_AGENT_REPORTED_OPERATIONS} operations already`;
    return undefined;
  }

  /**
   * The agent reports an operation the master does not have whose framework has another with its
   * id. The books let a framework use an id again only once the operation that had it was
   * acknowledged or forgotten (its agent marked unreachable or gone, after which the framework was
   * told so): the framework is done with this one, and can no longer name it. Not booked; a
   * terminal status is acknowledged for the framework, as for one torn down, else the agent would
   * send it for good.
   */
  private supersededOperation(agent: AgentRecord, reported: AgentOperation): void {
    this.log.warn({ agentId: agent.id, operationUuid: reported.uuid, frameworkId: reported.frameworkId, operationId: reported.operationId }, 'the framework uses the id of a reported operation for another: acknowledging the reported one for it');
    this.counters.increment('invalid_operation_status_updates');
    const statusUuid = reported.status.uuid;
    if (statusUuid !== undefined && isTerminalOperationState(reported.status.state)) this.send(agent.pid, OperationStatusAcknowledgement, { agentId: agent.id, operationUuid: reported.uuid, statusUuid });
  }

  /**
   * Passes an agent's status of an operation on (Mesos): to its framework, if connected (it
   * acknowledges it); for a framework torn down, the master acknowledges it to the agent itself
   * (and forgets a terminal one). A framework not yet back after a failover (nor torn down) is
   * waited for, while the agent retries, until `ORPHAN_OPERATION_ADOPTION_MS` after the agent
   * re-registered (Mesos' orphan operations); then the master acknowledges it too. A status
   * without a `uuid` (sent unreliably: no one acknowledges it) is passed on all the same, and a
   * terminal one is the operation's last word: it is forgotten (Mesos' `updateOperationStatus`).
   * An operation without an `id` (a framework's, or an operator's) is told to no one: the master
   * acknowledges its status at once, as Mesos' does.
   */
  private passOnOperationStatus(agent: AgentRecord, operation: MasterOperation): void {
    const status = operation.latest;
    const { frameworkId, operationId } = operation;
    const framework = this.frameworkToldOf(operation);
    if (framework !== undefined && framework.connected) this.toFramework(framework, OperationStatusUpdate, { frameworkId: framework.id, status });
    if (status.uuid === undefined) {
      if (isTerminalOperationState(status.state)) this.operationBook.remove(operation);
      return;
    }
    if (framework !== undefined) return;
    const since = agent.reregisteredTimeMs ?? agent.registeredTimeMs;
    const waited = frameworkId === undefined || operationId === undefined || this.state.isCompletedFramework(frameworkId) || this.clock.now() - since >= ORPHAN_OPERATION_ADOPTION_MS;
    if (!waited) return;
    this.send(agent.pid, OperationStatusAcknowledgement, { agentId: agent.id, operationUuid: operation.uuid, statusUuid: status.uuid });
    if (isTerminalOperationState(status.state)) this.operationBook.removeAcknowledged(operation, status.uuid);
  }

  /**
   * The agent re-registered with `reported` (the operations it holds unacknowledged): each is
   * taken into the books (a new master learns them so). The agent sends their statuses again
   * once it hears it is registered; that passes them on.
   */
  private takeReportedOperations(agent: AgentRecord, reported: readonly AgentOperation[] | undefined): void {
    if (!agentGivesFeedback(agent)) {
      // Downgraded: nothing it holds is reported or acknowledged any more, so all are forgotten (Mesos forgets the terminal
      // unacknowledged ones, and keeps a pending one PENDING for good; here it reconciles OPERATION_UNKNOWN).
      if (this.operationBook.size > 0) this.operationBook.removeAgent(agent.id);
      return;
    }
    for (const operation of reported ?? []) {
      if (!this.acknowledgedAgain(agent, operation)) this.takeOperationReport(agent, operation);
    }
  }

  /**
   * The agent leaves the books: its operations are forgotten, and (Mesos' bulk feedback, sent
   * once and not to be acknowledged) their frameworks told OPERATION_UNREACHABLE or
   * OPERATION_GONE_BY_OPERATOR when it became unreachable or was marked gone.
   */
  private endAgentOperations(agent: AgentRecord, why: AgentRemoval): void {
    if (this.operationBook.size === 0) return;
    const state: OperationState | undefined = why === 'unreachable' ? 'OPERATION_UNREACHABLE' : why === 'gone' ? 'OPERATION_GONE_BY_OPERATOR' : undefined;
    const message = why === 'unreachable' ? 'Agent was marked unreachable' : 'Agent has been marked gone';
    for (const operation of this.operationBook.agentOperations(agent.id)) {
      // As Mesos' `__removeSlave`: each counts in the state it is told of, then leaves the books.
      if (state !== undefined) this.operationBook.metrics.add(operation.type, state);
    }
    for (const operation of this.operationBook.removeAgent(agent.id)) {
      const framework = this.frameworkToldOf(operation);
      if (state === undefined || framework === undefined || !framework.connected) continue;
      this.toFramework(framework, OperationStatusUpdate, { frameworkId: framework.id, status: { operationId: operation.operationId, state, message, agentId: agent.id } });
    }
  }

  private reconciliationView(framework: FrameworkRecord): ReconciliationView {
    const state = this.state;
    return {
      frameworkId: framework.id,
      partitionAware: isPartitionAware(framework.info),
      nowMs: this.clock.now(),
      task: (taskId) => framework.tasks.get(taskId)?.task,
      tasks: () => [...framework.tasks.values()].map((tracked) => tracked.task),
      agentStanding: (agentId): AgentStanding => {
        if (state.agents.has(agentId)) return 'registered';
        if (state.recoveredAgents.has(agentId)) return 'recovered';
        if (state.unreachableAgents.has(agentId)) return 'unreachable';
        return this.goneAgents.has(agentId) ? 'gone' : 'unknown';
      },
      unreachableSinceMs: (agentId) => state.unreachableAgents.get(agentId),
      anyRecoveredAgents: state.recoveredAgents.size > 0,
    };
  }

  /**
   * Records a status on a task. When the task first reaches a terminal (or unreachable) state
   * its terminal counter grows and, with `recover`, its resources go back to the allocator.
   */
  private transitionTask(tracked: TrackedTask, status: TaskStatus, recover: boolean, latestState: TaskState = status.state): void {
    const before = tracked.task.state;
    const statuses = tracked.task.statuses;
    const lastStatusState = statuses === undefined ? undefined : statuses[statuses.length - 1]?.state;
    this.state.recordStatus(tracked, status, latestState);
    const after = tracked.task.state;
    // As Mesos' `updateTask`: operator subscribers hear each status of a new state (the task's
    // statuses keep one per run of a state), though the task's latest state may not change (it
    // ran ahead with the agent's `latest_state`), and every check or health check result.
    if (status.state !== lastStatusState || isCheckResult(status)) this.emit({ type: 'TASK_UPDATED', task: tracked, status });
    if (isTerminalOrUnreachable(before) || !isTerminalOrUnreachable(after)) return;
    this.counters.taskReached(after);
    this.state.frameworks.get(tracked.task.frameworkId)?.metrics.taskReached(after);
    // The reason is the status's: counted when the status is the one that made the task terminal.
    if (status.state === after) this.taskReasonCounters.reached(after, status.source, status.reason);
    if (recover) this.recover(tracked.task.frameworkId, tracked.task.agentId, tracked.resources, undefined, this.state.taskRole(tracked.task), true);
  }

  /** A master-generated update about a task it tracks. */
  private taskUpdate(task: Task, state: TaskState, reason: MasterReason, message: string, unreachableTimeMs?: number): StatusUpdate {
    return masterStatusUpdate({
      frameworkId: task.frameworkId, taskId: task.taskId, agentId: task.agentId,
      ...(task.executorId !== undefined ? { executorId: task.executorId } : {}),
      state, reason, message, nowMs: this.clock.now(),
      ...(unreachableTimeMs !== undefined ? { unreachableTimeMs } : {}),
    });
  }

  /** Sends a master-generated update to a connected framework (no pid: no acknowledgement needed). */
  private sendToFramework(framework: FrameworkRecord, update: StatusUpdate): void {
    if (framework.connected) this.toFramework(framework, StatusUpdateMessage, { update });
  }

  /** Sends `framework`'s scheduler (if it has one) one of the master's messages, counted as the event it is (`events/<event>`, as Mesos' `Framework::send` counts). */
  private toFramework<T>(framework: FrameworkRecord, type: MessageType<T>, body: T): void {
    if (framework.pid === undefined) return;
    framework.metrics.eventByMessage(type.name);
    this.send(framework.pid, type, body);
  }

  // ---- executors and framework messages ---------------------------------------------------------

  private exitedExecutor(from: UPID, body: BodyOf<typeof ExitedExecutor>): void {
    const agent = this.agentFrom(from, body.agentId, 'ExitedExecutor');
    if (agent === undefined) return;
    const executor = this.state.removeExecutor(agent, body.frameworkId, body.executorId);
    if (executor === undefined) {
      // As in Mesos, frameworks hear only of executors they launched, never of the agent's command executors.
      this.log.debug({ agentId: agent.id, frameworkId: body.frameworkId, executorId: body.executorId }, 'ignoring ExitedExecutor of an unknown executor');
      return;
    }
    this.recover(body.frameworkId, agent.id, executor.resources, undefined, executor.role, true);
    const framework = this.state.frameworks.get(body.frameworkId);
    if (framework?.connected === true) this.toFramework(framework, ExitedExecutor, body);
  }

  private executorToFramework(from: UPID, body: BodyOf<typeof ExecutorToFramework>): void {
    const agent = this.agentFrom(from, body.agentId, 'ExecutorToFramework');
    const framework = this.state.frameworks.get(body.frameworkId);
    if (agent === undefined || framework === undefined || !framework.connected || framework.pid === undefined) {
      this.log.warn({ from: from.toString(), frameworkId: body.frameworkId }, 'dropping executor message: agent or framework unknown, or framework disconnected');
      this.counters.increment('invalid_executor_to_framework_messages');
      return;
    }
    this.toFramework(framework, ExecutorToFramework, body);
    this.counters.increment('valid_executor_to_framework_messages');
  }

  private frameworkToExecutor(from: UPID, body: BodyOf<typeof FrameworkToExecutor>): void {
    const framework = this.frameworkFrom(from, body.frameworkId, 'FrameworkToExecutor');
    const agent = this.state.agents.get(body.agentId);
    if (framework === undefined || agent === undefined || !agent.connected || agent.removing) {
      if (framework !== undefined) this.log.warn({ frameworkId: body.frameworkId, agentId: body.agentId }, 'dropping framework message: agent unknown or disconnected');
      this.counters.increment('invalid_framework_to_executor_messages');
      return;
    }
    this.send(agent.pid, FrameworkToExecutor, body);
    this.counters.increment('valid_framework_to_executor_messages');
  }

  // ---- agents: registration ---------------------------------------------------------------------

  /**
   * A new agent registers. One at the address of a disconnected agent replaces it: the old one is
   * removed first, registry first, and the new one admitted only once that is durable (if the
   * removal fails, neither happens and the agent's retry tries again), so two records never share
   * a pid. Mesos removes the old one from memory first and aborts if the registry fails.
   */
  private registerAgent(from: UPID, body: BodyOf<typeof RegisterAgent>): void {
    if (!this.agentAuthenticated(from, 'RegisterAgent')) return;
    if (this.refusedAsDown(from, body.agent.hostname, 'RegisterAgent')) return;
    if (this.linkBrokeDuringWrite.has(from.toString())) {
      // The process there has an id (it re-registers): this RegisterAgent is a late one. (One that
      // restarted fresh meanwhile retries, and is taken once the write has ended.)
      this.log.info({ from: from.toString() }, 'ignoring RegisterAgent: a re-registration from this address is being written');
      return;
    }
    const known = this.state.agentByPid(from);
    if (known?.removing === true) {
      this.log.info({ from: from.toString(), agentId: known.id }, 'ignoring RegisterAgent: the agent at this address is being removed');
      return;
    }
    if (known !== undefined && known.connected) {
      this.send(from, AgentRegistered, { agentId: known.id, masterInfo: this.masterInfo() });
      return;
    }
    if (known !== undefined) this.removeAgent(known, 'replaced', 'a new agent registered at the same address', () => this.admitAgent(from, body));
    else this.admitAgent(from, body);
  }

  /** Whether an agent at `from` with host name `hostname` is on a DOWN machine (maintenance): then told to shut down, as Mesos does. */
  private refusedAsDown(from: UPID, hostname: string, what: 'RegisterAgent' | 'ReregisterAgent'): boolean {
    if (!this.maintenance.refusesAgent(hostname, from.host)) return false;
    this.log.warn({ from: from.toString(), hostname: boundedText(hostname, MAX_ERROR_DETAIL_LENGTH), message: what }, 'refusing an agent: the machine it runs on is DOWN for maintenance');
    this.send(from, Shutdown, { message: MACHINE_IS_DOWN_MESSAGE });
    return true;
  }

  private admitAgent(from: UPID, { agent: info, version, checkpointedResources, capabilities }: BodyOf<typeof RegisterAgent>): void {
    if (this.admittingAgents.has(from.toString())) {
      this.log.info({ from: from.toString() }, 'ignoring RegisterAgent: admission already in progress');
      return;
    }
    const total = reportedTotal(info.resources, checkpointedResources);
    if (typeof total === 'string') {
      this.log.warn({ from: from.toString(), reason: total }, 'dropping RegisterAgent with invalid resources');
      return;
    }
    const agentId = this.newAgentId();
    const admitted = { ...info, id: agentId };
    this.admittingAgents.set(from.toString(), agentId);
    // Persisted before the agent hears of its id, so an acknowledged agent is never forgotten.
    this.defer(
      this.registry.admit({ id: agentId, info: admitted, ip: from.host }),
      () => this.agentAdmitted(from, admitted, version, total, capabilities),
      (error) => {
        this.admittingAgents.delete(from.toString());
        this.supersededAdmissions.delete(from.toString());
        this.log.error({ from: from.toString(), agentId, error: error.message }, 'could not admit agent; it will retry');
      },
    );
  }

  private agentAdmitted(pid: UPID, info: AgentInfo & { id: string }, version: string, total: Resources, capabilities: readonly string[] | undefined): void {
    this.admittingAgents.delete(pid.toString());
    const superseded = this.supersededAdmissions.delete(pid.toString());
    const occupant = this.state.agentByPid(pid);
    if (superseded || (occupant !== undefined && occupant.connected && !occupant.removing)) {
      // An agent with an id re-registered from this address while the write ran (its re-admission
      // may still be written): the process there has its id, so the RegisterAgent was one it sent
      // before it had it, delivered late. The admission is withdrawn (the agent would hear a
      // second id, and its resources would be offered twice) and the agent there kept.
      this.log.warn({ agentId: info.id, from: pid.toString(), occupant: occupant?.id }, 'withdrawing a stale admission: an agent with an id re-registered from this address');
      this.defer(this.registry.remove(info.id), () => undefined, (error) => {
        this.log.error({ agentId: info.id, error: error.message }, 'could not withdraw the stale admission from the registry; it stays recorded until it times out after a failover');
      });
      return;
    }
    this.evictOtherAgentAt(pid, info.id);
    const agent = newAgentRecord(info, pid, version, total, this.clock.now(), capabilities);
    this.state.addAgent(agent);
    this.emit({ type: 'AGENT_ADDED', agent });
    this.link(pid);
    this.counters.increment('slave_registrations');
    this.log.info({ agentId: agent.id, agentPid: pid.toString(), resources: boundedText(total.format(), MAX_LOGGED_RESOURCES_LENGTH) }, 'agent registered');
    this.send(pid, AgentRegistered, { agentId: agent.id, masterInfo: this.masterInfo(), connection: this.agentConnection() });
    this.allocatorCall('addAgent', this.allocator.addAgent(agent.id, total, { attributes: info.attributes ?? {}, owner: agent }));
    this.observe(agent);
  }

  private reregisterAgent(from: UPID, message: ReregisterAgentBody): void {
    if (!this.agentAuthenticated(from, 'ReregisterAgent')) return;
    const agentId = message.agent.id;
    const total = reportedTotal(message.agent.resources, message.checkpointedResources);
    if (agentId === undefined || typeof total === 'string') {
      this.log.warn({ from: from.toString(), agentId, reason: typeof total === 'string' ? total : 'no agent id' }, 'dropping invalid ReregisterAgent');
      return;
    }
    if (this.goneAgents.has(agentId)) {
      // Mesos: a gone agent is told to shut down, never re-admitted.
      this.log.warn({ from: from.toString(), agentId }, 'refusing ReregisterAgent: the agent was marked gone');
      this.send(from, Shutdown, { message: 'Agent has been marked gone by the operator' });
      return;
    }
    if (this.refusedAsDown(from, message.agent.hostname, 'ReregisterAgent')) return;
    const known = this.state.agents.get(agentId);
    if ((known !== undefined && known.removing) || this.markingGone.has(agentId) || this.markingUnreachable.has(agentId) || this.readmittingAgents.has(agentId) || this.updatingAgents.has(agentId)) {
      this.log.info({ from: from.toString(), agentId }, 'ignoring ReregisterAgent: the agent is being removed or re-admitted');
      return;
    }
    // Mesos: an agent id comes back only from the IP and host name it has (its port may change);
    // anyone else naming it is told to shut down, and the agent keeps its record. The same for an
    // agent recovered from the registry after a failover (its IP when the registry has it).
    const recovered = known === undefined ? this.state.recoveredAgents.get(agentId) : undefined;
    const origin = known !== undefined ? { ip: known.pid.host, hostname: known.info.hostname }
      : recovered !== undefined ? { ip: this.registry.admittedIp(agentId), hostname: recovered.hostname } : undefined;
    if (origin !== undefined && ((origin.ip !== undefined && origin.ip !== from.host) || origin.hostname !== message.agent.hostname)) {
      const expected = `${origin.ip ?? '?'} (${boundedText(origin.hostname, MAX_ERROR_DETAIL_LENGTH)})`;
      this.log.warn({ from: from.toString(), agentId, hostname: boundedText(message.agent.hostname, MAX_ERROR_DETAIL_LENGTH), expected }, 'refusing ReregisterAgent: another IP or host name than the agent has');
      this.send(from, Shutdown, { message: 'Agent attempted to reregister with different IP / hostname' });
      return;
    }
    if (this.admittingAgents.has(from.toString())) this.supersededAdmissions.add(from.toString());
    if (known !== undefined) this.reregisterKnownAgent(known, from, message, total);
    else if (this.state.recoveredAgents.has(agentId)) this.reregisterRecoveredAgent(agentId, from, message, total);
    else this.readmitAgent(agentId, from, message, total);
  }

  /**
   * An agent this master and its allocator already have comes back after its link broke, or
   * retries (Mesos' `reconcileKnownSlave`). It stays in the allocator: its offers are rescinded,
   * its total is updated if it changed, and it is reactivated. (Removing and re-adding it would
   * turn an allocation still on its way to the master into a second offer of the same
   * resources.) Nothing is declared lost here: `reconciliations` lists the agent's live tasks,
   * and the agent answers TASK_LOST for any it never received. Tasks and executors the master
   * does not have are not adopted, since the allocator does not count them.
   */
  private reregisterKnownAgent(agent: AgentRecord, from: UPID, message: ReregisterAgentBody, reportedTotal: Resources): void {
    if (this.convertingAgents.has(agent.id)) {
      // Its total goes to the allocator below: once the conversion is in the books (the agent retries).
      this.log.info({ from: from.toString(), agentId: agent.id }, 'ignoring ReregisterAgent: an operator\'s reservation change on the agent is being applied');
      return;
    }
    // The master's word on its dynamic reservations wins over the agent's (it may have missed a
    // CheckpointResources while its link was down): it hears them again below. (After a master
    // failover, the agent's win: `reregisterRecoveredAgent`.)
    const reservations = agent.total.checkpointed();
    const stale = !reportedTotal.checkpointed().equals(reservations);
    // Declared resources parse here: `reportedTotal` was made of them.
    const declared = declaredResources(message.agent.resources);
    const total = !stale ? reportedTotal : typeof declared === 'string' ? declared : agentTotalOf(declared, reservations);
    if (typeof total === 'string') {
      this.log.warn({ from: from.toString(), agentId: agent.id, reason: boundedText(total, MAX_LOGGED_REASON_LENGTH) }, 'dropping ReregisterAgent: its resources cannot hold the dynamic reservations the master has for it');
      return;
    }
    const reported = new Set(message.executors.map((executor) => executorKey(executor.frameworkId, executor.executorId)));
    const unfit = overcommitError(total, this.state.agentUsage(agent, (frameworkId, executorId) => reported.has(executorKey(frameworkId, executorId))));
    if (unfit !== undefined) {
      this.dropReregistration(from, agent.id, unfit);
      return;
    }
    const info: AgentInfo = { ...message.agent, id: agent.id };
    if (canonicalJson(info) !== canonicalJson(agent.info)) {
      // New info is durable before the agent hears it is back (Mesos' UpdateSlave); if the write
      // fails, nothing changes and the agent's retry tries again.
      this.updatingAgents.add(agent.id);
      this.writeWhileLinked(from, this.registry.update(agent.id, info), (linkBroke) => {
        this.updatingAgents.delete(agent.id);
        this.state.updateAgentInfo(agent, info);
        if (this.state.agents.get(agent.id) !== agent || agent.removing) return;
        this.reregisterKnownAgent(agent, from, message, reportedTotal);
        if (linkBroke) this.exitedDuringWrite(agent.id);
      }, (error) => {
        this.updatingAgents.delete(agent.id);
        this.log.error({ agentId: agent.id, error: error.message }, 'could not update the agent in the registry; it will retry');
      });
      return;
    }
    this.evictOtherAgentAt(from, agent.id);
    if (!agent.pid.equals(from) || this.state.agentByPid(from) !== agent) this.state.moveAgent(agent, from);
    // Always: the old link may have broken (that is often why the agent re-registers).
    this.link(from);
    this.retireOffers(agent.offerIds, { rescind: true, recover: true });
    this.removeUnreportedExecutors(agent, reported);
    this.refreshAgent(agent, message, total);
    this.replyReregistered(agent, message);
    this.takeReportedOperations(agent, message.operations);
    // Its operations it has not reported finished are carried out by the word sent again (a CheckpointResources lost on the broken link).
    if (stale || this.operationBook.hasPendingOn(agent.id)) this.checkpointReservations(agent);
    this.shutDownCompletedFrameworks(agent, message);
    this.warnOfUnknownTasks(agent, message.tasks);
    this.repeatKills(agent, message.tasks);
    // Its total and attributes as it reports them now: the allocator drops the decline filters on it if its attributes changed (Mesos' `updateSlave`).
    this.allocatorCall('updateAgent', this.allocator.updateAgent(agent.id, total, { attributes: agent.info.attributes ?? {} }));
    // Not one an operator deactivated (or drained): its link coming back does not undo that (Mesos).
    if (agent.active) this.allocatorCall('activateAgent', this.allocator.activateAgent(agent.id));
    this.drainer.reregistered(agent);
  }

  /**
   * An agent admitted before this master restarted comes back (Mesos' `__reregisterSlave`). The
   * allocator has never seen it: its reported tasks and executors are adopted, with their
   * frameworks, and it is added to the allocator with what they use.
   */
  private reregisterRecoveredAgent(agentId: string, from: UPID, message: ReregisterAgentBody, total: Resources): void {
    if (this.fittingReport(agentId, from, message, total) === undefined) return;
    const info: AgentInfo = { ...message.agent, id: agentId };
    const recovered = this.state.recoveredAgents.get(agentId);
    if (recovered !== undefined && canonicalJson(info) === canonicalJson(recovered)) {
      this.adoptRecoveredAgent(agentId, from, message, total);
      return;
    }
    // New info is durable before the agent hears it is back; if the write fails, the agent retries.
    this.updatingAgents.add(agentId);
    this.writeWhileLinked(from, this.registry.update(agentId, info), (linkBroke) => {
      this.updatingAgents.delete(agentId);
      if (!this.state.recoveredAgents.has(agentId) || this.markingUnreachable.has(agentId)) return;
      this.adoptRecoveredAgent(agentId, from, message, total);
      if (linkBroke) this.exitedDuringWrite(agentId);
    }, (error) => {
      this.updatingAgents.delete(agentId);
      this.log.error({ agentId, error: error.message }, 'could not update the agent in the registry; it will retry');
    });
  }

  /** Adopts a recovered agent whose info the registry has; the books may have changed since its report was first read. */
  private adoptRecoveredAgent(agentId: string, from: UPID, message: ReregisterAgentBody, total: Resources): void {
    const report = this.fittingReport(agentId, from, message, total);
    if (report !== undefined) this.adoptAgent(agentId, from, message, total, report, false);
  }

  /**
   * An agent the master removed (it was unreachable, or is unknown here) comes back (Mesos'
   * `MarkSlaveReachable`): it is admitted again in the registry first; then it is adopted as a
   * recovered agent is, and each framework hears that its tasks there are back.
   */
  private readmitAgent(agentId: string, from: UPID, message: ReregisterAgentBody, total: Resources): void {
    if (this.fittingReport(agentId, from, message, total) === undefined) return;
    this.readmittingAgents.add(agentId);
    this.log.info({ agentId, from: from.toString() }, 'a removed agent re-registers; re-admitting it');
    this.writeWhileLinked(from, this.registry.markReachable({ id: agentId, info: { ...message.agent, id: agentId }, ip: from.host }), (linkBroke) => {
      this.readmittingAgents.delete(agentId);
      // The books may have changed during the write (a framework torn down): the report is read again.
      const report = this.fittingReport(agentId, from, message, total);
      if (report === undefined) return;
      this.adoptAgent(agentId, from, message, total, report, true);
      if (linkBroke) this.exitedDuringWrite(agentId);
    }, (error) => {
      this.readmittingAgents.delete(agentId);
      this.log.error({ agentId, error: error.message }, 'could not re-admit the agent; it will retry');
    });
  }

  /** What the agent's report brings, if its total can hold it; else logs and returns undefined. */
  private fittingReport(agentId: string, from: UPID, message: ReregisterAgentBody, total: Resources): AdoptableReport | undefined {
    const report = this.adoptableReport(agentId, message);
    const liveTasks = report.tasks.filter((tracked) => !isTerminalOrUnreachable(tracked.task.state));
    const unfit = overcommitError(total, [...liveTasks, ...report.executors].map((holding) => holding.resources));
    if (unfit === undefined) return report;
    this.dropReregistration(from, agentId, unfit);
    return undefined;
  }

  /**
   * Takes in an agent the allocator does not have (recovered after a restart, or re-admitted)
   * with the tasks and executors it reports, their frameworks, and what they use. A re-admitted
   * agent's tasks leave the unreachable (or completed) books, and their frameworks are told the
   * tasks are back with their reported state (REASON_AGENT_REREGISTERED), as Mesos does.
   */
  private adoptAgent(agentId: string, from: UPID, message: ReregisterAgentBody, total: Resources, report: AdoptableReport, readmitted: boolean): void {
    if (readmitted) this.forgetUnreachableTasks(agentId, report.tasks);
    const agent = this.recoverAgent(agentId, from, message, total);
    for (const tracked of report.tasks) {
      const framework = this.ensureFramework(tracked.task.frameworkId, message.frameworks);
      // Its role settled once (one reported without a valid one takes the framework's first role now), so that the
      // allocator's books and the recovery at its end agree though the framework's roles change meanwhile.
      tracked.task.role = allocationRoleOf(tracked.task.role, framework.info);
      this.state.addTask(tracked, agent);
      this.emit({ type: 'TASK_ADDED', task: tracked });
      if (readmitted) this.sendToFramework(framework, this.taskUpdate(tracked.task, tracked.task.state, Reason.AGENT_REREGISTERED, 'Unreachable agent re-registered'));
    }
    for (const { frameworkId, info, role } of report.executors) {
      // The role the agent reports (a multi-role framework's executor keeps its own, as after its framework left that role).
      this.state.addExecutor(agent, frameworkId, trackExecutor(info, allocationRoleOf(role, this.ensureFramework(frameworkId, message.frameworks).info)));
    }
    this.refreshAgent(agent, message, total);
    this.replyReregistered(agent, message);
    this.takeReportedOperations(agent, message.operations);
    this.shutDownCompletedFrameworks(agent, message);
    const used = this.state.usedByFrameworkRole(agent);
    // Inactive from the start if an operator deactivated (or drained) it: never offered (Mesos adds it, then deactivates it).
    this.allocatorCall('addAgent', this.allocator.addAgent(agent.id, total, { attributes: agent.info.attributes ?? {}, used, owner: agent, ...(agent.active ? {} : { active: false }) }));
    this.drainer.reregistered(agent);
  }

  /**
   * A re-admitted agent's tasks leave the books of tasks the master gave up on: every unreachable
   * one of the agent (those it reports come back live; the others are gone, as in Mesos), and the
   * completed ones it reports (declared lost, they were not), so no task is both live and done.
   */
  private forgetUnreachableTasks(agentId: string, reported: readonly TrackedTask[]): void {
    const back = new Set(reported.map(({ task }) => `${task.frameworkId}/${task.taskId}`));
    this.state.forgetAgentTasks(agentId, back);
    this.state.unreachableAgents.delete(agentId);
    this.state.removedAgents.delete(agentId);
  }

  /** A recovered agent (admitted before a restart) is back: record it, with nothing on it yet. */
  private recoverAgent(agentId: string, pid: UPID, message: ReregisterAgentBody, total: Resources): AgentRecord {
    this.evictOtherAgentAt(pid, agentId);
    const agent = newAgentRecord({ ...message.agent, id: agentId }, pid, message.version, total, this.clock.now(), message.capabilities);
    this.state.addAgent(agent);
    this.emit({ type: 'AGENT_ADDED', agent });
    this.link(pid);
    if (this.state.recoveredAgents.size === 0) this.recoveredAgentsTimer?.cancel();
    return agent;
  }

  /**
   * Waits, in this mailbox, for a registry write a re-registration from `from` needs, linked to
   * `from` from now on: `then` hears whether that link broke before the write was durable (the
   * agent that asked is gone); `failed` hears the write's error.
   */
  private writeWhileLinked(from: UPID, write: Promise<unknown>, then: (linkBroke: boolean) => void, failed: (error: Error) => void): void {
    const key = from.toString();
    this.linkBrokeDuringWrite.set(key, false);
    this.link(from);
    const linkBroke = (): boolean => {
      const broke = this.linkBrokeDuringWrite.get(key) === true;
      this.linkBrokeDuringWrite.delete(key);
      return broke;
    };
    this.defer(write, () => then(linkBroke()), (error) => {
      linkBroke();
      failed(error);
    });
  }

  /**
   * The agent whose re-registration was being written went away meanwhile: it is in the books
   * (the registry has it), but disconnected, with the re-registration timeout running, as if its
   * link had broken just after. Whatever registers at its pid next is another incarnation: one
   * with no id replaces it, instead of being told it is this agent (chaos seed 10: the master
   * then kept a restarted agent's tasks that no longer ran anywhere).
   */
  private exitedDuringWrite(agentId: string): void {
    const agent = this.state.agents.get(agentId);
    if (agent === undefined) return;
    this.log.warn({ agentId, agentPid: agent.pid.toString() }, 'the agent went away while its re-registration was being written; it is disconnected');
    this.agentExited(agent);
  }

  /** A re-registration whose total cannot hold what runs on the agent: bad peer input, checked before anything changes. */
  private dropReregistration(from: UPID, agentId: string, reason: string): void {
    this.log.warn({ from: from.toString(), agentId, reason: boundedText(reason, MAX_LOGGED_REASON_LENGTH) }, 'dropping ReregisterAgent: its resources cannot hold what its tasks and executors use');
  }

  /** Counts and logs the re-registration, and answers it with the agent's live tasks for the agent to reconcile. */
  private replyReregistered(agent: AgentRecord, message: ReregisterAgentBody): void {
    this.counters.increment('slave_reregistrations');
    this.log.info({ agentId: agent.id, agentPid: agent.pid.toString(), tasks: message.tasks.length }, 'agent re-registered');
    // Every task the master has on the agent that the agent did not report, terminal ones
    // (awaiting their acknowledgement) too, as Mesos' `reconcileKnownSlave`: an agent that
    // restarted without its checkpoints lost their updates, and answers TASK_LOST for them.
    const reported = new Set(message.tasks.map((task) => `${task.frameworkId}/${task.taskId}`));
    const reconciliations = [...this.state.agentTasks(agent)]
      .filter(({ task }) => !reported.has(`${task.frameworkId}/${task.taskId}`))
      .map(({ task }) => ({ frameworkId: task.frameworkId, taskId: task.taskId }));
    const executors = [...agent.executors].flatMap(([frameworkId, byId]) => [...byId.keys()].map((executorId) => ({ frameworkId, executorId })));
    this.send(agent.pid, AgentReregistered, { agentId: agent.id, masterInfo: this.masterInfo(), connection: this.agentConnection(), reconciliations, executors });
  }

  /**
   * What a recovered agent's report brings into the books: its tasks with valid resources and its
   * executors, except those of torn-down frameworks.
   */
  private adoptableReport(agentId: string, message: ReregisterAgentBody): AdoptableReport {
    const report: AdoptableReport = { tasks: [], executors: [] };
    const reported = new Set<string>();
    for (const task of message.tasks) {
      if (this.state.isCompletedFramework(task.frameworkId) || this.alreadyCompleted(agentId, task)) continue;
      // A task id the framework has live on another agent (or that the report names twice) is not
      // taken: adopted, it would replace the live task in the books (wire fuzzer, seed 2).
      const live = this.state.frameworks.get(task.frameworkId)?.tasks.get(task.taskId);
      const key = `${task.frameworkId}/${task.taskId}`;
      if ((live !== undefined && live.task.agentId !== agentId) || reported.has(key)) {
        this.log.warn({ agentId, frameworkId: task.frameworkId, taskId: task.taskId, liveOn: live?.task.agentId }, 'ignoring reported task: its id is taken');
        continue;
      }
      reported.add(key);
      // An agent not restarted since 2026-12-08 reports a task's resources as its framework gave
      // them, in forms refused since (`withReservationsReadAsBefore`): read as the agent reads them.
      const read = withResourcesReadAsBefore(task);
      const resources = parseResources(read.resources);
      if (typeof resources === 'string') {
        this.log.warn({ agentId, taskId: task.taskId, reason: resources }, 'ignoring reported task with invalid resources');
        continue;
      }
      // The books' own copy: its statuses grow here, and the body is the agent's (a local one shares it).
      report.tasks.push({ task: { ...snapshotTask(read), agentId }, resources });
    }
    for (const executor of message.executors) {
      if (this.state.isCompletedFramework(executor.frameworkId)) continue;
      const given = executor.info === undefined ? { executorId: executor.executorId, command: { value: '' } } : withResourcesReadAsBefore(executor.info);
      const info = withFrameworkId(given, executor.frameworkId);
      report.executors.push({ frameworkId: executor.frameworkId, info, resources: trackExecutor(info, '*').resources, role: executor.role });
    }
    return report;
  }

  /**
   * Whether a terminal task an agent reports already left the master's books through its
   * acknowledged terminal update (not given up on by the master): the report crossed the
   * acknowledgement, and the agent sends no more updates for it, so adopted it would stay live
   * for good (seed 400998). A late copy of its update, if any, is answered as a stray one.
   */
  private alreadyCompleted(agentId: string, task: Task): boolean {
    if (!isTerminalState(task.state)) return false;
    const completed = this.state.frameworks.get(task.frameworkId)?.completedTasks ?? [];
    return completed.some((done) => done.taskId === task.taskId && done.agentId === agentId && done.state === task.state && done.statuses?.at(-1)?.source !== 'SOURCE_MASTER');
  }

  /** Executors the master has on the agent that it no longer reports are removed, and their resources recovered. */
  private removeUnreportedExecutors(agent: AgentRecord, reported: ReadonlySet<string>): void {
    // One whose task is still TASK_STAGING may only be late: its RunTask crossed the
    // re-registration. It stays in the executors AgentReregistered lists, and the agent reports
    // it exited if it does not run there. (A task that was heard from ran, so its unreported
    // executor is gone.)
    const busy = new Set<string>();
    for (const { task } of this.state.agentTasks(agent)) {
      if (task.executorId !== undefined && task.state === 'TASK_STAGING') busy.add(executorKey(task.frameworkId, task.executorId));
    }
    for (const [frameworkId, executors] of [...agent.executors]) {
      for (const executorId of [...executors.keys()]) {
        const key = executorKey(frameworkId, executorId);
        if (reported.has(key) || busy.has(key)) continue;
        const executor = this.state.removeExecutor(agent, frameworkId, executorId);
        if (executor !== undefined) this.recover(frameworkId, agent.id, executor.resources, undefined, executor.role, true);
      }
    }
  }

  /** Frameworks torn down while the agent was away still have tasks there: it is told to shut them down. */
  private shutDownCompletedFrameworks(agent: AgentRecord, message: ReregisterAgentBody): void {
    const frameworkIds = new Set(message.tasks.map((task) => task.frameworkId).filter((frameworkId) => this.state.isCompletedFramework(frameworkId)));
    for (const frameworkId of frameworkIds) this.send(agent.pid, ShutdownFramework, { frameworkId });
  }

  /** Tasks a known agent reports that the master does not have (Mesos assumes there are none) are logged, not adopted. */
  private warnOfUnknownTasks(agent: AgentRecord, reported: readonly Task[]): void {
    for (const task of reported) {
      if (this.state.agentTask(agent, task.frameworkId, task.taskId) !== undefined || this.state.isCompletedFramework(task.frameworkId)) continue;
      const fields = { agentId: agent.id, frameworkId: task.frameworkId, taskId: task.taskId, state: task.state };
      // A terminal task is expected: its acknowledgement may be on its way to the agent.
      if (isTerminalOrUnreachable(task.state)) this.log.debug(fields, 'agent reported a finished task the master has already removed');
      else this.log.warn(fields, 'agent reported a live task the master does not know; not adopting it');
    }
  }

  /**
   * Kills that did not reach the agent (it was disconnected) are sent again for tasks it still
   * runs. The kills of tasks it does not run and the master no longer has there are forgotten
   * (each would otherwise stay with the agent's record for good, and kill a later task of the
   * same id there); those of tasks the master has are kept (a RunTask may be on its way).
   */
  private repeatKills(agent: AgentRecord, reported: readonly Task[]): void {
    const live = new Set<string>();
    for (const task of reported) {
      const key = `${task.frameworkId}/${task.taskId}`;
      if (isTerminalOrUnreachable(task.state)) continue;
      live.add(key);
      if (agent.killedTasks.has(key)) this.send(agent.pid, KillTaskOnAgent, { frameworkId: task.frameworkId, taskId: task.taskId });
    }
    for (const key of [...agent.killedTasks]) {
      const slash = key.indexOf('/');
      if (!live.has(key) && this.state.agentTask(agent, key.slice(0, slash), key.slice(slash + 1)) === undefined) agent.killedTasks.delete(key);
    }
  }

  /** Takes the agent's new info and marks it connected, active and healthy. */
  private refreshAgent(agent: AgentRecord, message: ReregisterAgentBody, total: Resources): void {
    this.state.updateAgentInfo(agent, { ...message.agent, id: agent.id });
    this.state.setAgentTotal(agent, total);
    agent.version = message.version;
    agent.capabilities = agentCapabilities(message.capabilities);
    this.state.setAgentConnected(agent, true);
    agent.reregisteredTimeMs = this.clock.now();
    this.state.agentChanged(agent);
    const observer = this.observers.get(agent.id);
    if (observer === undefined) this.observe(agent);
    else observer.reconnected();
  }

  /** The framework with this id, recovered (no scheduler yet, inactive) from an agent's report if unknown. */
  private ensureFramework(frameworkId: string, reported: readonly FrameworkInfo[]): FrameworkRecord {
    const known = this.state.frameworks.get(frameworkId);
    if (known !== undefined) return known;
    const info = reported.find((framework) => framework.id === frameworkId) ?? { name: '', user: '' };
    const valid = validateFrameworkInfo(info) === undefined;
    const roles = valid ? [...frameworkRoles(info)] : ['*'];
    const framework = newFrameworkRecord({ ...info, id: frameworkId, roles }, undefined, this.clock.now());
    this.state.addFramework(framework);
    this.emit({ type: 'FRAMEWORK_ADDED', framework });
    const minAllocatable = valid ? frameworkMinAllocatable(info) : undefined;
    this.allocatorCall('addFramework', this.allocator.addFramework(frameworkId, { roles, capabilities: info.capabilities ?? [], active: false, ...(minAllocatable !== undefined ? { minAllocatable } : {}) }));
    // After a failover the scheduler has its failover timeout to come back, as if it had just
    // disconnected, but at least agent_reregister_timeout to find the new master (Mesos keeps a
    // recovered framework until its scheduler returns, however long that takes).
    const failoverTimeoutMs = Math.max((info.failoverTimeout ?? 0) * 1000, this.flags.agentReregisterTimeoutMs);
    this.startFailoverTimer(framework, failoverTimeoutMs);
    this.log.info({ frameworkId, failoverTimeoutMs }, 'framework recovered from a re-registering agent; waiting for its scheduler');
    return framework;
  }

  private unregisterAgent(from: UPID, { agentId }: BodyOf<typeof UnregisterAgent>): void {
    const agent = this.agentFrom(from, agentId, 'UnregisterAgent');
    if (agent !== undefined) this.removeAgent(agent, 'unregistered', 'the agent unregistered');
  }

  private updateAgent(from: UPID, { agentId, resources }: BodyOf<typeof UpdateAgent>): void {
    const agent = this.agentFrom(from, agentId, 'UpdateAgent');
    if (agent === undefined) return;
    if (this.convertingAgents.has(agent.id)) {
      this.log.warn({ agentId }, 'dropping UpdateAgent: an operator\'s reservation change on the agent is being applied');
      return;
    }
    const own = declaredResources(resources);
    // Its dynamic reservations and persistent volumes stay as the master has them.
    const total = typeof own === 'string' ? own : agentTotalOf(own, agent.total.checkpointed());
    const used = this.state.usedResources(agent);
    if (typeof total === 'string' || !total.contains(used)) {
      const reason = typeof total === 'string' ? total : `new total ${total.format()} does not contain what is used, ${used.format()}`;
      this.log.warn({ agentId, reason: boundedText(reason, MAX_LOGGED_REASON_LENGTH) }, 'dropping UpdateAgent');
      return;
    }
    this.retireOffers(agent.offerIds, { rescind: true, recover: true });
    this.state.setAgentTotal(agent, total);
    this.state.updateAgentInfo(agent, { ...agent.info, resources });
    this.allocatorCall('updateAgent', this.allocator.updateAgent(agent.id, total));
  }

  /** The agent `agentId` if `from` is its pid; else logs the sender and returns undefined. */
  private agentFrom(from: UPID, agentId: string | undefined, what: string): AgentRecord | undefined {
    const agent = agentId !== undefined ? this.state.agents.get(agentId) : this.state.agentByPid(from);
    if (agent === undefined || agent.removing || !agent.pid.equals(from)) {
      const removed = agentId !== undefined && (this.state.unreachableAgents.has(agentId) || this.state.removedAgents.has(agentId));
      this.log.warn({ from: from.toString(), agentId, removed, message: what }, 'dropping message from an unknown, removed or mismatched agent');
      return undefined;
    }
    return agent;
  }

  // ---- agents: health and removal ---------------------------------------------------------------

  private pong(from: UPID): void {
    const agent = this.state.agentByPid(from);
    if (agent === undefined || agent.removing) {
      this.log.debug({ from: from.toString() }, 'pong from an unknown agent');
      return;
    }
    this.observers.get(agent.id)?.pong();
  }

  /** Starts the agent's health checks (agent-observer.ts): a ping now and every `agentPingTimeoutMs`. */
  private observe(agent: AgentRecord): void {
    const observer = new AgentObserver(this.observerLimits, this.observerHooks, agent);
    this.observers.set(agent.id, observer);
    observer.start();
  }

  /** The agent's observer gave up on it: too many unanswered pings, or no re-registration in time after a disconnection. */
  private agentUnreachable(agent: AgentRecord, cause: UnreachableCause): void {
    if (agent.removing || this.state.agents.get(agent.id) !== agent) return;
    // Counted once the removal is durable, as Mesos does.
    const unhealthy = cause.kind === 'ping-timeouts' ? () => this.counters.increment('slave_removals/reason_unhealthy') : undefined;
    this.removeAgent(agent, 'unreachable', describeUnreachable(cause), unhealthy);
  }

  /** The agent's link broke: stop offering it, and remove it unless it re-registers in time. */
  private agentExited(agent: AgentRecord): void {
    if (!agent.connected || agent.removing) return;
    this.log.info({ agentId: agent.id, agentPid: agent.pid.toString() }, 'agent disconnected');
    this.state.setAgentConnected(agent, false);
    this.allocatorCall('deactivateAgent', this.allocator.deactivateAgent(agent.id));
    this.retireOffers(agent.offerIds, { rescind: true, recover: true });
    this.maintenance.agentDeactivated(agent);
    // As Mesos' `exited`: a framework that does not checkpoint loses its tasks and executors here
    // at once (they die with the agent process, and no restarted agent takes them back); the
    // others' wait for the agent to come back or be removed.
    for (const frameworkId of [...agent.tasks.keys()]) {
      const framework = this.state.frameworks.get(frameworkId);
      if (framework !== undefined && framework.info.checkpoint !== true) this.removeFrameworkFromAgent(agent, framework);
    }
    this.observers.get(agent.id)?.disconnected();
  }

  /**
   * Mesos' `removeFramework(slave, framework)`: the framework's live tasks on the disconnected
   * `agent` are lost (TASK_LOST, REASON_AGENT_DISCONNECTED, told to the framework) and taken off
   * the books, their resources back to the allocator. Unlike Mesos, its executors there stay on
   * the books until the agent comes back without them or is removed: only the link may have
   * broken, and an executor the agent still runs would otherwise hold resources nobody counts.
   */
  private removeFrameworkFromAgent(agent: AgentRecord, framework: FrameworkRecord): void {
    this.log.info({ agentId: agent.id, frameworkId: framework.id }, 'removing a framework that does not checkpoint from its disconnected agent');
    // The framework's own tasks there (Mesos' `slave->tasks.at(frameworkId)`), not a walk of the agent's.
    for (const tracked of [...(agent.tasks.get(framework.id)?.values() ?? [])]) {
      // One that ended waits, as before, for its update to be acknowledged (the agent sends it
      // again when it is back): the framework may not have heard how it ended (Mesos drops it here).
      if (isTerminalOrUnreachable(tracked.task.state)) continue;
      const update = this.taskUpdate(tracked.task, 'TASK_LOST', Reason.AGENT_DISCONNECTED, `Agent ${agent.info.hostname} disconnected`);
      this.transitionTask(tracked, update.status, true);
      this.state.removeTask(tracked, 'completed');
      // Only its link may have broken: should the agent come back with the task alive, it is killed
      // (`repeatKills`), not left running on resources the allocator has offered again (Mesos
      // leaves it, assuming an agent has no task the master does not know).
      agent.killedTasks.add(`${framework.id}/${tracked.task.taskId}`);
      this.sendToFramework(framework, update);
    }
  }

  /**
   * Removes an agent: first in the registry, then (when durable) from the books, the allocator and
   * the frameworks' view, and then runs `then`. If the write fails the agent stays, as it was.
   */
  private removeAgent(agent: AgentRecord, why: AgentRemoval, cause: string, then?: () => void, failed?: (error: Error) => void): void {
    if (agent.removing) return;
    agent.removing = true;
    this.observers.get(agent.id)?.stop();
    if (why === 'unreachable') this.counters.increment('slave_unreachable_scheduled');
    this.log.warn({ agentId: agent.id, cause }, 'removing agent');
    const write = why === 'unreachable' ? this.registry.markUnreachable([agent.id], this.clock.now())
      : why === 'gone' ? this.registry.markGone(agent.id, this.clock.now()) : this.registry.remove(agent.id);
    this.defer(write, () => {
      this.agentRemoved(agent, why, cause);
      then?.();
    }, (error) => {
      this.log.error({ agentId: agent.id, error: error.message }, 'could not record the agent removal; keeping the agent');
      if (why === 'unreachable') this.counters.increment('slave_unreachable_canceled');
      agent.removing = false;
      this.observers.get(agent.id)?.start();
      failed?.(error);
    });
  }

  /**
   * One process is one agent: another agent the books have at `pid` (not `agentId`) is stale,
   * an id given in answer to a registration that process sent before it had the id it re-registers
   * with now (a late RegisterAgent, or an earlier incarnation's ReregisterAgent). It is removed
   * as replaced, as a disconnected agent is when a new one registers at its address (Mesos'
   * `registerSlave`); Mesos' books keep both, the later one shadowing the other's pid.
   */
  private evictOtherAgentAt(pid: UPID, agentId: string): void {
    const other = this.state.agentByPid(pid);
    if (other === undefined || other.id === agentId || other.removing) return;
    this.removeAgent(other, 'replaced', `agent ${agentId} is at its address ${pid.toString()} now`);
  }

  /** The removal is durable: the agent's tasks are lost (or unreachable), its offers rescinded, every framework told. */
  private agentRemoved(agent: AgentRecord, why: AgentRemoval, cause: string): void {
    this.counters.increment('slave_removals');
    this.observers.delete(agent.id);
    if (why === 'unreachable') this.counters.increment('slave_unreachable_completed');
    if (why === 'unregistered') this.counters.increment('slave_removals/reason_unregistered');
    if (why === 'replaced') this.counters.increment('slave_removals/reason_registered');
    this.allocatorCall('removeAgent', this.allocator.removeAgent(agent.id));
    this.endAgentOperations(agent, why);
    // The allocator released the offered resources with the agent: rescind without recovering.
    this.retireOffers(agent.offerIds, { rescind: true, recover: false });
    for (const tracked of [...this.state.agentTasks(agent)]) this.loseTask(tracked, agent, why, cause);
    this.state.deleteAgent(agent, why === 'unreachable' ? 'unreachable' : 'removed', this.clock.now());
    // An unreachable agent keeps its deactivation and draining (the registry's entry does); one gone for good does not.
    if (why !== 'unreachable') this.drainer.forget(agent.id);
    this.emit({ type: 'AGENT_REMOVED', agentId: agent.id });
    this.tellFrameworksLost([agent.id]);
  }

  /** Tells every connected framework that each of `agentIds` is lost (Mesos' `sendSlaveLost`). */
  private tellFrameworksLost(agentIds: readonly string[]): void {
    for (const framework of this.state.frameworks.values()) {
      if (framework.connected) for (const agentId of agentIds) this.toFramework(framework, LostAgent, { agentId });
    }
  }

  /**
   * A task on a removed agent. Partition-aware frameworks hear TASK_UNREACHABLE when the agent is
   * unreachable and TASK_GONE_BY_OPERATOR when it left for good (unregistered or replaced); the
   * others hear TASK_LOST either way (Mesos' `__removeSlave`).
   */
  private loseTask(tracked: TrackedTask, agent: AgentRecord, why: AgentRemoval, cause: string): void {
    const framework = this.state.frameworks.get(tracked.task.frameworkId);
    const partitionAware = framework !== undefined && isPartitionAware(framework.info);
    const unreachable = why === 'unreachable' && partitionAware;
    // A machine brought DOWN: TASK_LOST for every framework, as Mesos' `_removeSlave`.
    const gone = why !== 'unreachable' && why !== 'maintenance' && partitionAware;
    const state: TaskState = unreachable ? 'TASK_UNREACHABLE' : gone ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST';
    const reason = gone ? Reason.AGENT_REMOVED_BY_OPERATOR : Reason.AGENT_REMOVED;
    const update = this.taskUpdate(tracked.task, state, reason, `Agent ${agent.info.hostname} removed: ${cause}`, unreachable ? this.clock.now() : undefined);
    this.transitionTask(tracked, update.status, false);
    this.state.removeTask(tracked, unreachable ? 'unreachable' : 'completed');
    if (framework !== undefined) this.sendToFramework(framework, update);
  }

  /** After a restart: the registry's agents may re-register until `agentReregisterTimeoutMs` passes. */
  private recoverAgents(): void {
    for (const agent of this.registry.agents()) this.state.recoveredAgents.set(agent.id, agent.info);
    for (const agent of this.registry.unreachable()) this.state.unreachableAgents.set(agent.id, agent.timeMs);
    for (const agent of this.registry.gone()) this.goneAgents.add(agent.id);
    this.drainer.recover();
    if (this.state.recoveredAgents.size === 0) return;
    this.recoveredAgentsTimer = this.delay(this.flags.agentReregisterTimeoutMs, () => this.recoveredAgentsTimedOut());
  }

  /** The weights and quotas the registry holds go to the allocator (set by an earlier leader, or before a restart). */
  private recoverRoles(): void {
    const weights = this.registry.weights();
    for (const [role, weight] of weights) this.weights.set(role, weight);
    if (weights.size > 0) this.allocatorCall('updateWeights', this.allocator.updateWeights(weights));
    for (const [role, quota] of this.registry.quotas()) {
      this.quotas.set(role, quota);
      this.allocatorCall('setQuota', this.allocator.setQuota(role, { guarantee: quota.guarantees, limit: quota.limits }));
    }
  }

  /** Recovered agents that did not re-register in time are marked unreachable (registry first). */
  private recoveredAgentsTimedOut(): void {
    // One whose re-registration is being written is back; if that write fails, the next round marks it.
    const agentIds = [...this.state.recoveredAgents.keys()].filter((agentId) => !this.updatingAgents.has(agentId) && !this.markingGone.has(agentId));
    if (agentIds.length === 0) {
      if (this.state.recoveredAgents.size > 0) this.recoveredAgentsTimer = this.delay(this.flags.agentReregisterTimeoutMs, () => this.recoveredAgentsTimedOut());
      return;
    }
    const nowMs = this.clock.now();
    agentIds.forEach((agentId) => this.markingUnreachable.add(agentId));
    this.log.warn({ agentIds }, 'recovered agents did not re-register in time; marking them unreachable');
    this.countRecoveredRemovals(agentIds.length, ['slave_unreachable_scheduled']);
    this.defer(this.registry.markUnreachable(agentIds, nowMs), () => {
      // As Mesos counts an agent marked unreachable after a master failover.
      this.countRecoveredRemovals(agentIds.length, ['slave_unreachable_completed', 'slave_removals', 'slave_removals/reason_unhealthy', 'recovery_slave_removals']);
      for (const agentId of agentIds) {
        this.markingUnreachable.delete(agentId);
        this.state.recoveredAgents.delete(agentId);
        this.state.unreachableAgents.set(agentId, nowMs);
      }
      // Frameworks hear that each is lost, as Mesos' `sendSlaveLost`: the master never knew their
      // tasks there, so this (and reconciliation, which answers for them now) is all a framework
      // learns of them (HA walkthrough: a framework waited on such a task for good).
      this.tellFrameworksLost(agentIds);
      if (this.state.recoveredAgents.size > 0) this.recoveredAgentsTimer = this.delay(this.flags.agentReregisterTimeoutMs, () => this.recoveredAgentsTimedOut());
    }, (error) => {
      agentIds.forEach((agentId) => this.markingUnreachable.delete(agentId));
      this.countRecoveredRemovals(agentIds.length, ['slave_unreachable_canceled']);
      this.log.error({ error: error.message }, 'could not mark recovered agents unreachable; retrying later');
      this.recoveredAgentsTimer = this.delay(this.flags.agentReregisterTimeoutMs, () => this.recoveredAgentsTimedOut());
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** Adds `count` to each of `counters` (recovered agents are marked unreachable in one batch). */
  private countRecoveredRemovals(count: number, counters: readonly MasterCounter[]): void {
    for (const counter of counters) for (let index = 0; index < count; index++) this.counters.increment(counter);
  }

  /**
   * The next free framework id. Ids of this master's run cannot collide with an earlier run's
   * unless both drew the same master id (a simulation replaying one seed), so taken ones are skipped.
   */
  private newFrameworkId(): string {
    for (;;) {
      const frameworkId = `${this.masterInfo().id}-${String(this.nextFrameworkNumber++).padStart(FRAMEWORK_ID_DIGITS, '0')}`;
      if (!this.state.frameworks.has(frameworkId) && !this.state.isCompletedFramework(frameworkId)) return frameworkId;
    }
  }

  /** The next free agent id (skipping any the registry or the books know, as for framework ids). */
  private newAgentId(): string {
    // Every lookup is O(1); ids drawn in this run (admissions in flight too) are never drawn twice.
    for (;;) {
      const agentId = `${this.masterInfo().id}-S${this.nextAgentNumber++}`;
      const taken = this.state.agents.has(agentId) || this.state.recoveredAgents.has(agentId) || this.state.unreachableAgents.has(agentId)
        || this.state.removedAgents.has(agentId) || this.registry.isAdmitted(agentId) || this.registry.isUnreachable(agentId);
      if (!taken) return agentId;
    }
  }

  /** What the registration replies tell an agent of its health checks: how long it may go without a ping. */
  private agentConnection(): { totalPingTimeoutSeconds: number } {
    return { totalPingTimeoutSeconds: (this.flags.agentPingTimeoutMs * this.flags.maxAgentPingTimeouts) / 1000 };
  }

  /**
   * Installs a handler that first counts the message under `counter`. A framework call then
   * goes through its sender's rate limit (`throttled`); `registering` reads the FrameworkInfo
   * of a (re-)registration, whose sender may have no framework yet.
   */
  private handle<T>(type: MessageType<T>, counter: MasterCounter | undefined, handler: (from: UPID, body: T) => void, registering?: (body: T) => FrameworkInfo): void {
    const frameworkCall = FRAMEWORK_CALLS.has(type.name);
    this.install(type, (from, body) => {
      if (counter !== undefined) this.counters.increment(counter);
      if (frameworkCall) this.throttled(from, type.name, registering?.(body), handler, body);
      else handler.call(this, from, body);
    });
  }

  /**
   * Runs a framework call now, or in its turn behind its principal's rate limit (`--rate_limits`),
   * or drops it when that limit's capacity is full, answering a registered framework with a
   * FrameworkError (as Mesos does). Calls from a sender that is no framework (nor registering)
   * are not throttled. A registered framework's messages with a principal count in its
   * principal's metrics.
   *
   * Registrations are throttled too (Mesos throttles none; here a flood of them is), with two
   * exceptions a failover needs, when every framework of a principal re-registers at once with
   * the new leader: a re-registration of a framework this master knows and whose scheduler is
   * not connected, under the principal it has, runs at once (it adds no framework, and there are
   * no more of them than frameworks disconnected); and a registration over capacity is dropped
   * unanswered, for its scheduler to retry (a FrameworkError stopped it: a hostile review saw 9
   * of a principal's 12 frameworks die at one failover).
   */
  private throttled<T>(from: UPID, name: string, registering: FrameworkInfo | undefined, handler: (from: UPID, body: T) => void, body: T): void {
    const sender = this.principalOf(from, registering);
    if (sender === undefined) return handler.call(this, from, body);
    if (!sender.registered && this.knownFrameworkOf(registering, sender.principal)) return handler.call(this, from, body);
    // Counted for registered frameworks only, as Mesos does: a registration's principal is not a framework's yet.
    const counted = sender.registered ? sender.principal : undefined;
    if (counted !== undefined) this.principalCounters.received(counted);
    // Without --rate_limits every call runs now (no closure made for a line it never waits in).
    if (!this.throttle.limiting) return this.runCounted(from, handler, body, counted);
    const outcome = this.throttle.submit(sender.principal, () => this.runCounted(from, handler, body, counted));
    if (outcome.kind !== 'dropped') return;
    const message = `Message ${name} dropped: capacity(${outcome.capacity}) exceeded`;
    this.log.warn({ from: from.toString(), principal: sender.principal, message: name, capacity: outcome.capacity }, 'dropping framework message: rate limit capacity exceeded');
    // A registration is retried by its scheduler; an error would stop it.
    if (sender.registered) this.send(from, FrameworkError, { message });
  }

  /**
   * Whether `registering` re-registers a framework this master knows whose scheduler is not
   * connected (learnt from agents after a failover, or whose link broke), under the principal it
   * has: then not throttled. Once it is back it is connected, so re-registrations of it from
   * further pids wait their turn: no more go past the limit than frameworks are disconnected (a
   * review found 200 from new pids handled at once, each a failover, when any known one was).
   */
  private knownFrameworkOf(registering: FrameworkInfo | undefined, principal: string | undefined): boolean {
    const id = registering?.id;
    if (id === undefined) return false;
    const known = this.state.frameworks.get(id);
    return known !== undefined && !known.connected && known.info.principal === principal;
  }

  /** Runs a framework call's handler; a call of a registered framework with a principal counts as processed for it. */
  private runCounted<T>(from: UPID, handler: (from: UPID, body: T) => void, body: T, counted: string | undefined): void {
    handler.call(this, from, body);
    if (counted !== undefined && this.state.hasPrincipal(counted)) this.principalCounters.processed(counted);
  }

  /**
   * Whose rate limit a framework call from `from` counts against (undefined when `from` is no
   * framework: not throttled): the principal of the framework registered at `from`, else, for
   * a (re-)registration, the principal its FrameworkInfo claims. A master with credentials
   * counts only a principal `from` proved: a framework that did not authenticate (or claims
   * another principal) has none, and shares the aggregate default limit. Without credentials
   * nobody can prove one, and the claim is taken, as Mesos does.
   */
  private principalOf(from: UPID, registering: FrameworkInfo | undefined): { readonly principal: string | undefined; readonly registered: boolean } | undefined {
    const framework = this.state.frameworkByPid(from);
    if (framework === undefined && registering === undefined) return undefined;
    // A registered framework's principal is its own (a re-registration may not change it), not what the message claims.
    const claimed = framework !== undefined ? framework.info.principal : registering?.principal;
    const registered = framework !== undefined;
    // Where nobody can authenticate (no --credentials), a claimed principal is all there is, as in Mesos.
    if (this.authentication === undefined) return { principal: claimed, registered };
    const proven = this.authenticatedPrincipal(from);
    return { principal: proven !== undefined && proven === claimed ? proven : undefined, registered };
  }

  /** Whether `from` authenticated (its principal is proven, so the per-peer cap, the offer timeout and the peer's DRF group do not apply). */
  private isAuthenticated(from: UPID): boolean {
    return this.authenticatedPrincipal(from) !== undefined;
  }

  /**
   * Why `from` may not add a framework: its peer host (its pid's host part, whatever its port) already has
   * `maxFrameworksPerPeer` frameworks without an authenticated principal. Disconnected ones
   * count too: they keep their books until their failover timeout, which the peer chooses.
   * O(1): it runs for every registration of a flood.
   *
   * Every framework of the peer counts, authenticated ones too (an authenticated sender is not
   * capped at all): a peer mixing both is capped a little early, never late.
   */
  private peerLimitError(from: UPID): string | undefined {
    if (this.isAuthenticated(from)) return undefined;
    const limit = this.flags.maxFrameworksPerPeer;
    const peer = this.state.peerOf(from);
    if (this.state.frameworkCountOnPeer(peer) < limit) return undefined;
    return `Too many frameworks from ${peer}: max_frameworks_per_peer(${limit}) reached; authenticate, or ask the operator to raise --max_frameworks_per_peer`;
  }

  /** Returns resources to the allocator (optionally filtered); `wereAllocated`: a task's or an executor's, not an offer's. */
  private recover(frameworkId: string, agentId: string, resources: Resources, filter: RefuseFilter | undefined, role: string, wereAllocated = false): void {
    if (resources.isEmpty()) return;
    // The hottest allocator call (every declined offer): no promise; a refusal comes back to this mailbox.
    this.allocator.sendRecoverResources(frameworkId, agentId, resources, filter, role, this.recoverRefused, wereAllocated);
  }

  /**
   * Runs `retire` with its returns to the allocator collected into one mailbox event instead of
   * one per offer (`Allocator.beginRecoverBatch`): the allocator sees the same calls in the same
   * order, since any other call sends the collected returns first.
   */
  private batchingRecovers(retire: () => void): void {
    this.allocator.beginRecoverBatch();
    try {
      retire();
    } finally {
      this.allocator.endRecoverBatch();
    }
  }

  /**
   * Allocator calls are fire-and-forget: they are ordered by its mailbox. A refusal means the two
   * books disagree (a bug): it is counted, and logged at error level, which fails the tests.
   */
  private allocatorCall(operation: string, call: Promise<void>): void {
    call.catch((error: Error) => this.allocatorRefused(operation, error));
  }

  private allocatorRefused(operation: string, error: Error): void {
    this.counters.increment('allocator_refusals');
    this.log.error({ operation, error: error.message }, 'allocator refused a call from the master');
  }

  /**
   * Serves `path` to callers that authenticate as its entry in `MASTER_ROUTE_ACCESS` asks (see `authenticateRequest`),
   * while this master may say it leads (`asLeader`); the handler learns who asks.
   */
  private authenticatedRoute(path: string, handler: (request: HttpRequest, caller: HttpCaller) => HttpResponse | Promise<HttpResponse>): void {
    const authentication = httpAuthenticationOf(this.flags);
    const accessOf = masterRouteAccess(path);
    // The same check before the body is read: a caller without the route's access never has its body held.
    const beforeBody = (request: HttpRequest): HttpResponse | undefined => {
      const caller = authenticateRequest(request, accessOf(request), authentication);
      return isResponse(caller) ? caller : undefined;
    };
    this.route(path, withRouteOptions((request) => {
      const caller = authenticateRequest(request, accessOf(request), authentication);
      return isResponse(caller) ? caller : this.asLeader(() => handler(request, caller));
    }, { beforeBody }));
  }

  /** `respond()` while this master may say it leads; else 503 (it may have lost its session without knowing yet). */
  private asLeader<R extends HttpResponse | Promise<HttpResponse>>(respond: () => R): R | HttpResponse {
    if (this.leading()) return respond();
    this.log.warn('leadership unconfirmed (the ZooKeeper session may have expired): answering 503');
    return { status: 503, body: 'this master cannot confirm that it still leads\n' };
  }

  /**
   * `GET /master/state`, rendered without holding the mailbox: the fragments are brought up to
   * date over several turns (`StateFragments.warm`), messages handled between them, then put
   * together in one last turn, so the response is one consistent view of the books, as of that
   * turn. Requests from the same principal that arrive before that turn share it (Mesos batches
   * read-only requests the same way); the host writes the text a slice at a time.
   */
  private stateRoute(caller: HttpCaller): Promise<HttpResponse> {
    return this.sharedRendering(renderingKey('state', caller), 'state', () => ({ status: 200, body: new TextParts(this.stateFragments.render(this.stateContext(caller))) }));
  }

  /**
   * `GET /master/slaves`, rendered as `/master/state` is (`stateRoute`): at 100k agents a
   * rendering in one turn held the mailbox for seconds. One agent (`slave_id`) is looked up and
   * rendered at once.
   */
  private slavesRoute(request: HttpRequest, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    const query: SlavesQuery = request.query;
    if (query.slave_id !== undefined) return ok(renderSlaves(this.stateContext(caller), query));
    return this.sharedRendering(renderingKey('slaves', caller), 'slaves', () => ({ status: 200, body: new TextParts(this.stateFragments.renderSlaves(this.stateContext(caller))) }));
  }

  /**
   * `GET /master/roles`: each role's breakdown from the sums the fragments keep per agent (made
   * the first time in warming turns), shared by identical requests.
   */
  private rolesRoute(caller: HttpCaller): Promise<HttpResponse> {
    return this.sharedRendering(renderingKey('roles', caller), 'roles', () => ok(renderRoles(this.stateContext(caller), this.stateFragments.roleBreakdowns())));
  }

  /**
   * `GET /master/frameworks`: `/master/state`'s frameworks, rendered as it is (`stateRoute`); one
   * framework (`framework_id`) is rendered at once.
   */
  private frameworksRoute(request: HttpRequest, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    const query: FrameworksQuery = request.query;
    if (query.framework_id !== undefined) return ok(renderFrameworks(this.stateContext(caller), query));
    return this.sharedRendering(renderingKey('frameworks', caller), 'frameworks', () => ({ status: 200, body: new TextParts(this.stateFragments.renderFrameworks(this.stateContext(caller))) }));
  }

  /** `GET /master/state-summary`, rendered as `/master/state` is (`stateRoute`). */
  private stateSummaryRoute(caller: HttpCaller): Promise<HttpResponse> {
    return this.sharedRendering(renderingKey('summary', caller), 'summary', () => ({ status: 200, body: new TextParts(this.stateFragments.renderSummary(this.stateContext(caller))) }));
  }

  /** The books as the v1 operator API shows them to `caller` (everything with no ACLs, or no caller). */
  private v1Context(caller?: HttpCaller): V1Context {
    return { ...this.stateContext(caller), agentEndpoint: (agentId) => this.agentEndpoint(agentId) };
  }

  /**
   * The rendering under way for `key`, or a new one: warming turns, then `render` in a turn of
   * its own. A request that arrives after that turn has started waits for the next rendering.
   * `joined` is called in that turn, just before `render` (an operator stream joins the events
   * from there), unless the turn answers 503 (leadership lost meanwhile).
   */
  private sharedRendering(key: string, format: WarmTarget | undefined, render: () => HttpResponse, joined?: () => void): Promise<HttpResponse> {
    const pending = this.renderings.get(key);
    if (pending !== undefined) {
      this.renderingStats.shared++;
      this.counters.increment('http_cache_hits');
      if (joined !== undefined) pending.joiners.push(joined);
      return pending.answer;
    }
    // Its joiners are its own (kept with it, not by key): those of a rendering that answers 503
    // join nobody, and those of the next rendering under the key are that one's.
    const joiners: Array<() => void> = joined === undefined ? [] : [joined];
    const rendering: SharedRendering = {
      joiners,
      // From its last turn on, a request waits for the next rendering.
      answer: this.warmAndRender(format, () => {
        for (const join of joiners) join();
        return render();
      }, () => this.renderings.delete(key)),
    };
    this.renderings.set(key, rendering);
    // A rendering that failed (the master stopping, a bug) is not joined by the next requests.
    rendering.answer.catch(() => {
      if (this.renderings.get(key) === rendering) this.renderings.delete(key);
    });
    return rendering.answer;
  }

  /**
   * Every `--state_cache_timeout`: drops what the state endpoints keep and no rendering asked for
   * since the last sweep (`StateFragments.dropUnasked`), unless a rendering is under way (then
   * at the next). A timer of the master's own from its start, not one a request arms: an HTTP
   * turn may not change what later messages do, and a replay, which leaves requests out, would
   * miss a timer a request set (the recorded timers' numbers would shift after it).
   */
  private sweepStateCache(): void {
    if (this.renderingsUnderWay > 0) return;
    const dropped = this.stateFragments.dropUnasked();
    if (dropped.length > 0) this.log.info({ dropped }, 'state endpoints: dropped the rendered agents of formats nobody asked for in --state_cache_timeout');
  }

  /**
   * Warms `format`'s fragments (none: no warming) in turns, then renders in a turn of its own
   * (`lastTurn` first in it, leading or not).
   */
  private async warmAndRender(format: WarmTarget | undefined, render: () => HttpResponse, lastTurn?: () => void): Promise<HttpResponse> {
    this.renderingsUnderWay++;
    try {
      return await this.warmAndRenderTurns(format, render, lastTurn);
    } finally {
      this.renderingsUnderWay--;
    }
  }

  private async warmAndRenderTurns(format: WarmTarget | undefined, render: () => HttpResponse, lastTurn: (() => void) | undefined): Promise<HttpResponse> {
    const stats = this.renderingStats;
    let turnOfRendering = 0;
    let turnStart = 0;
    // Wall time is read for these figures (the benchmark's `state_block_ms`), and to end a
    // warming turn only with a budget (`--state_turn_budget`; the simulations set none).
    const timed = <R>(turn: () => R): R => {
      const start = performance.now();
      turnStart = start;
      const cpuAtStart = process.cpuUsage();
      const rendered = this.stateFragments.rendered;
      turnOfRendering++;
      try {
        return turn();
      } finally {
        const took = performance.now() - start;
        const renderedInTurn = this.stateFragments.rendered - rendered;
        if (took > stats.longestTurnMs) {
          const cpu = process.cpuUsage(cpuAtStart);
          stats.longestTurnMs = took;
          stats.longestTurnAt = start;
          stats.longestTurnIndex = turnOfRendering;
          stats.longestTurnRendered = renderedInTurn;
          stats.longestTurnCpuMs = (cpu.user + cpu.system) / 1000;
        }
        stats.mostRenderedInATurn = Math.max(stats.mostRenderedInATurn, renderedInTurn);
        stats.turns++;
      }
    };
    const budget = this.flags.stateTurnBudgetMs;
    const overBudget = budget === undefined ? undefined : (): boolean => performance.now() - turnStart >= budget;
    if (format !== undefined) {
      const warming = this.stateFragments.warm(format, format === 'v1' || format === 'v1-frameworks' ? this.v1Context() : undefined, overBudget);
      while (!(await this.httpTurn(() => timed(() => warming.next().done === true))));
    }
    let tail: RenderingTail | undefined;
    const response = await this.httpTurn(() => timed(() => {
      lastTurn?.();
      // Leadership was checked when the request came; the books are answered only while it holds.
      return this.asLeader(() => {
        stats.renderings++;
        // Offers that changed after the warming, past a bound, are rendered in the turns after
        // this one, as this turn saw them (`RenderingTail`): else this turn renders them all.
        this.stateFragments.armTail();
        let rendered = false;
        try {
          const response = render();
          rendered = true;
          return response;
        } finally {
          tail = this.stateFragments.takeDeferred();
          // A rendering that threw answers nothing: what it left goes (its views and watcher).
          if (!rendered) {
            tail?.abandon();
            tail = undefined;
          }
        }
      });
    }));
    if (tail !== undefined) {
      stats.frameworksLeft += tail.jobs.length;
      const filling = this.stateFragments.fill(tail, overBudget);
      try {
        while (!(await this.httpTurn(() => timed(() => filling.next().done === true))));
      } finally {
        // A fill stopped before its first turn (the master stopping) never ran its own cleanup.
        filling.return();
        tail.abandon();
      }
    }
    return response;
  }

  /**
   * `GET /master/tasks`: 400 naming the parameter when `limit`, `offset` or `order` is bad. One
   * pass over the tasks (no warming: a page is small), shared by identical concurrent requests.
   */
  private tasksRoute(request: HttpRequest, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    const page = checkTasksQuery(request.query);
    if ('error' in page) return httpError(400, page.error);
    const query: TasksQuery = request.query;
    const key = renderingKey('tasks', caller, query.framework_id, query.task_id, page.limit, page.offset, page.ascending);
    return this.sharedRendering(key, undefined, () => ({ status: 200, body: new TextParts(this.stateFragments.renderTasks(this.stateContext(caller), query, page)) }));
  }

  /**
   * Mesos' `/master/weights`: GET lists `[{role, weight}]` (the roles the caller may view); PUT
   * sets weights (read-write credentials, the ACLs' `update_weights` for every role) and hands
   * them to the allocator. Other methods: 405 naming the allowed ones.
   */
  private weightsRoute(request: HttpRequest, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    if (request.method === 'GET') {
      const viewer = aclViewer(this.authorizer, caller.principal);
      return ok([...this.weights].filter(([role]) => viewer.role(role)).map(([role, weight]) => ({ role, weight })));
    }
    if (request.method !== 'PUT') return methodNotAllowed(['GET', 'PUT'], `Expecting 'GET' or 'PUT', received '${request.method}'`);
    const weights = parseWeights(request.body);
    if (isBadRequest(weights)) return httpError(400, weights.error);
    const denied = [...weights.keys()].find((role) => !this.authorizer.authorized('update_weights', caller.principal, role));
    if (denied !== undefined) return httpError(403, `Forbidden: ${describeDenial('update_weights', caller.principal, denied)}`);
    this.log.info({ weights: Object.fromEntries(weights), principal: caller.principal }, 'updating role weights at an operator\'s request');
    // Durable first, as Mesos' registrar has it; then the books and the allocator.
    return this.durably(this.registry.updateWeights(weights), () => {
      for (const [role, weight] of weights) this.weights.set(role, weight);
      this.allocatorCall('updateWeights', this.allocator.updateWeights(weights));
      // As Mesos' weights handler: every outstanding offer is rescinded (after the allocator has
      // the weights) when a role updated has a registered framework, so that the weights take hold.
      if (this.hasFrameworkUnder(weights.keys())) this.retireOffers([...this.state.offers.values()].map((record) => record.offer.id), { rescind: true, recover: true });
    });
  }

  /** Whether a registered framework is subscribed to one of `roles` (Mesos' `Master::roles`). */
  private hasFrameworkUnder(roles: Iterable<string>): boolean {
    const wanted = new Set(roles);
    for (const framework of this.state.frameworks.values()) {
      if (frameworkRoles(framework.info).some((role) => wanted.has(role))) return true;
    }
    return false;
  }

  /**
   * 200 once `write` (a registry change) is durable and `apply` has run, inside this actor's
   * mailbox; 500 if the registry refused the change (a bug: these changes are never refused).
   */
  private durably(write: Promise<void>, apply: () => void, settled: () => void = () => undefined): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve) => {
      this.defer(write, () => {
        settled();
        apply();
        resolve(ok(''));
      }, (error) => {
        // A failed write changes nothing, and must not leave the change marked as under way.
        settled();
        this.log.error({ error: error.message }, 'the registry refused a change of weights or quota');
        resolve(httpError(500, `the registry refused the change: ${error.message}`));
      });
    });
  }

  /**
   * Mesos' `/master/quota`, and any path under it as Mesos' handler serves them: GET answers
   * `{infos, configs}` (Mesos' QuotaStatus, the roles the caller may see by the ACLs'
   * `get_quotas`); POST sets a role's quota (Mesos' legacy QuotaRequest: guarantees, limits equal
   * to them) through the allocator, refusing a role that has one (400) and guarantees the cluster
   * cannot hold (409, unless `force`); DELETE `/quota/<role>` removes the role's.
   */
  private quotaRoute(request: HttpRequest, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    if (request.method === 'GET') {
      const visible = [...this.quotas].filter(([role]) => this.authorizer.authorized('get_quotas', caller.principal, role));
      // As GET_QUOTA's (it wrote configs' scalars as bare numbers, which Mesos' clients misread), with `[]` for none.
      return ok(quotaStatus(visible));
    }
    // As Mesos' quota handler: DELETE is served here too, and needs a role in the path.
    if (request.method === 'DELETE') {
      if (!request.path.startsWith('/quota/')) return httpError(400, "Failed to remove quota: the path names no role (expected 'DELETE /master/quota/<role>')");
      return this.removeQuotaRoute(request, caller);
    }
    if (request.method !== 'POST') return methodNotAllowed(['GET', 'POST', 'DELETE'], `Expecting 'GET', 'POST' or 'DELETE /quota/<role>', received '${request.method}'`);
    return this.setLegacyQuota(parseQuotaRequest(request.body), caller);
  }

  /**
   * Sets a role's quota from Mesos' legacy `QuotaRequest` (`POST /master/quota`, the v1
   * operator API's SET_QUOTA): guarantees, and limits equal to them, through the registry and
   * the allocator; 400 for a role that has one, 409 for guarantees the cluster cannot hold
   * (unless `force`), 403 by the ACLs' `update_quotas`.
   */
  private setLegacyQuota(quota: QuotaRequest | BadRequest, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    if (isBadRequest(quota)) return httpError(400, quota.error);
    if (this.quotas.has(quota.role)) return httpError(400, `Failed to validate set quota request: Cannot set quota for role '${quota.role}' which already has quota`);
    if (this.changingQuotas.has(quota.role)) return httpError(409, `The quota of role '${quota.role}' is being changed; try again`);
    if (!this.authorizer.authorized('update_quotas', caller.principal, quota.role)) {
      return httpError(403, `Forbidden: ${describeDenial('update_quotas', caller.principal, quota.role)}`);
    }
    if (!quota.force) {
      let total = Resources.EMPTY;
      for (const agent of this.state.agents.values()) total = total.add(agent.total);
      // Quotas being written count: two sets that fit alone but not together were both taken.
      const overcommit = quotaOvercommitError([...this.quotas.values(), ...this.settingQuotas.values(), quota.quota], total);
      if (overcommit !== undefined) return httpError(409, `Quota guarantees overcommit the cluster (use 'force' to bypass this check): ${overcommit}`);
    }
    this.log.info({ role: quota.role, guarantees: quota.quota.guarantees, principal: caller.principal }, 'setting a quota at an operator\'s request');
    this.changingQuotas.add(quota.role);
    this.settingQuotas.set(quota.role, quota.quota);
    return this.durably(this.registry.updateQuota(quota.role, quota.quota), () => {
      this.quotas.set(quota.role, quota.quota);
      this.allocatorCall('setQuota', this.allocator.setQuota(quota.role, { guarantee: quota.quota.guarantees, limit: quota.quota.limits }));
      this.rescindForQuota(quota.role, quota.quota);
    }, () => {
      this.changingQuotas.delete(quota.role);
      this.settingQuotas.delete(quota.role);
    });
  }

  /**
   * Rescinds outstanding offers so that a quota just set can take hold, best-effort as Mesos'
   * quota handler does: first offers to `role` (and its subroles) while what it consumes plus
   * what it is offered exceeds a limit; then offers to other roles until what was rescinded,
   * with what the role consumes and is offered, covers its guarantees (as if nothing else were
   * free). Offers stood untouched before: a role that waited for its guarantee, or a role over
   * its new limit, kept the cluster's offers until they were declined or timed out.
   */
  private rescindForQuota(role: string, quota: RoleQuota): void {
    const inSubtree = (candidate: string): boolean => candidate === role || isStrictSubrole(candidate, role);
    const subtree = subtreeBreakdown(this.stateFragments.roleBreakdowns(), role);
    const held = new Map(consumedQuotaOf(subtree).add(subtree.offered).scalarTotals());
    const within = (limits: Readonly<Record<string, number>>): boolean => Object.entries(limits).every(([name, limit]) => (held.get(name) ?? 0) <= limit);
    const covers = (amounts: ReadonlyMap<string, number>): boolean => Object.entries(quota.guarantees).every(([name, guarantee]) => (amounts.get(name) ?? 0) >= guarantee);
    const offers = [...this.state.offers.values()];
    const rescind = (record: OfferRecord): void => this.retireOffer(record.offer.id, { rescind: true, recover: true });
    this.batchingRecovers(() => {
      for (const record of offers) {
        if (within(quota.limits)) break;
        if (!inSubtree(record.offer.allocationRole)) continue;
        for (const [name, value] of record.resources.scalarTotals()) held.set(name, (held.get(name) ?? 0) - value);
        rescind(record);
      }
      const rescinded = new Map(held);
      for (const record of offers) {
        if (covers(rescinded)) break;
        if (inSubtree(record.offer.allocationRole)) continue;
        for (const [name, value] of record.resources.scalarTotals()) rescinded.set(name, (rescinded.get(name) ?? 0) + value);
        rescind(record);
      }
    });
  }

  /** Mesos' `DELETE /master/quota/<role>`: removes a role's quota (the ACLs' `update_quotas`). */
  private removeQuotaRoute(request: HttpRequest, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    let role: string;
    try {
      role = decodeURIComponent(request.path.slice('/quota/'.length));
    } catch {
      return httpError(400, 'Failed to remove quota: the role in the path is not URL-encoded text');
    }
    return this.removeLegacyQuota(role, caller);
  }

  /** Removes a role's quota (`DELETE /master/quota/<role>`, the v1 operator API's REMOVE_QUOTA): 400 for a role without one, 403 by the ACLs' `update_quotas`. */
  private removeLegacyQuota(role: string, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    const invalid = quotaRoleError(role);
    if (invalid !== undefined) return httpError(400, `Failed to remove quota: ${invalid}`);
    // A quota being set is one the role has (409 below, not "no quota"), as Mesos holds a set quota from before its write.
    if (!this.quotas.has(role) && !this.changingQuotas.has(role)) return httpError(400, `Failed to remove quota: Role '${boundedText(role, MAX_ERROR_DETAIL_LENGTH)}' has no quota set`);
    if (!this.authorizer.authorized('update_quotas', caller.principal, role)) return httpError(403, `Forbidden: ${describeDenial('update_quotas', caller.principal, role)}`);
    if (this.changingQuotas.has(role)) return httpError(409, `The quota of role '${boundedText(role, MAX_ERROR_DETAIL_LENGTH)}' is being changed; try again`);
    this.log.info({ role, principal: caller.principal }, 'removing a quota at an operator\'s request');
    this.changingQuotas.add(role);
    return this.durably(this.registry.removeQuota(role), () => {
      this.quotas.delete(role);
      this.allocatorCall('removeQuota', this.allocator.removeQuota(role));
    }, () => this.changingQuotas.delete(role));
  }

  /**
   * Mesos' `POST /master/teardown` with `frameworkId=<id>` (form body or query): removes the
   * framework, killing its tasks; its scheduler, if connected, is told with a FrameworkError
   * naming `how` the operator asked (the endpoint, or the operator API's call).
   */
  private teardownRoute(request: HttpRequest, caller: HttpCaller, how = '/master/teardown'): HttpResponse {
    if (request.method !== 'POST') return methodNotAllowed(['POST'], 'use POST');
    const form = decodeFormBody(request.body);
    if (typeof form === 'string') return httpError(400, `Unable to decode query string: ${form}`);
    const frameworkId = form.get('frameworkId') ?? request.query.frameworkId;
    if (frameworkId === undefined || frameworkId.length === 0) return httpError(400, "Missing 'frameworkId' in the request");
    const framework = this.state.frameworks.get(frameworkId);
    if (framework === undefined) return httpError(400, `No framework found with specified ID '${boundedText(frameworkId, MAX_ERROR_DETAIL_LENGTH)}'`);
    if (!this.authorizer.authorized('teardown_frameworks', caller.principal, framework.info.principal)) {
      return httpError(403, `Forbidden: ${describeDenial('teardown_frameworks', caller.principal, framework.info.principal)}`);
    }
    this.log.info({ frameworkId, principal: caller.principal }, 'tearing down a framework at an operator\'s request');
    if (framework.connected) this.toFramework(framework, FrameworkError, { message: `Framework torn down by the operator (${how})` });
    this.removeFramework(framework, 'torn down by the operator');
    return ok('');
  }

  /** Tells the `onEvent` listeners of a change of the books. */
  private emit(event: MasterEvent): void {
    for (const listener of this.eventListeners) {
      // An observer's failure must not stop the master halfway through a change of its books.
      try {
        listener(event);
      } catch (error) {
        this.log.error({ event: event.type, error: (error as Error).message }, 'an observer of the master\'s events failed');
      }
    }
  }

  /**
   * An operator event stream's SUBSCRIBED state, rendered in turns as GET_STATE is, shared by the
   * streams of one principal (and heartbeat interval) subscribing before its last turn: each
   * joins (`joined`: hears the events from then on) in that turn. Many dashboards subscribing at
   * once (after a failover) render the state once, and a client opening and closing streams in
   * a loop keeps at most one rendering under way.
   */
  private subscribedState(caller: HttpCaller, heartbeatIntervalSeconds: number, joined: () => void): Promise<HttpResponse> {
    return this.sharedRendering(renderingKey('v1-subscribed', caller, heartbeatIntervalSeconds), 'v1', () => ({
      status: 200, body: new TextParts(this.stateFragments.renderV1State(this.v1Context(caller), v1SubscribedEnvelope(heartbeatIntervalSeconds))),
    }), joined);
  }

  /** What the v1 operator API reads and changes, in this mailbox (the paths the `/master/...` routes take). */
  private operatorPort(metrics: (timeoutMs: number) => Promise<Record<string, number>>): OperatorPort {
    return {
      authentication: operatorHttpAuthenticationOf(this.flags),
      authorizer: this.authorizer,
      log: this.log,
      leading: () => this.leading(),
      context: (caller) => this.v1Context(caller),
      getState: (caller) => this.sharedRendering(renderingKey('v1', caller), 'v1', () => ({
        status: 200, headers: { 'content-type': 'application/json' }, body: new TextParts(this.stateFragments.renderV1State(this.v1Context(caller))),
      })),
      subscribedState: (caller, heartbeatIntervalSeconds, joined) => this.subscribedState(caller, heartbeatIntervalSeconds, joined),
      operations: (caller) => v1GetOperations(this.operationBook.all(), this.stateContext(caller).viewer ?? SEE_ALL),
      getRoles: (caller) => this.sharedRendering(renderingKey('v1-roles', caller), 'roles', () => v1Answer('GET_ROLES', 'get_roles', v1GetRoles(this.stateContext(caller), this.stateFragments.roleBreakdowns()))),
      getStatePart: (caller, call) => this.sharedRendering(renderingKey(call, caller), call === 'GET_AGENTS' ? 'v1-agents' : 'v1-frameworks', () => ({
        status: 200, headers: { 'content-type': 'application/json' }, body: new TextParts(this.stateFragments.renderV1Part(this.v1Context(caller), call)),
      })),
      flags: () => renderMasterFlags(this.flags),
      metrics,
      delay: (ms, callback) => this.delay(ms, callback),
      later: (callback) => {
        dispatch(this, () => callback()).catch(() => undefined); // the master stopped: its streams are over anyway
      },
      // The PUT of `/master/weights` itself, by the caller the operator API authenticated: the ACLs'
      // update_weights are checked for its principal (they were checked for none, which let a
      // principal a rule denies through to an ANY rule, and refused one a rule allows).
      updateWeights: (caller, request, weights) => this.weightsRoute({ ...request, method: 'PUT', body: Buffer.from(JSON.stringify(weights)) }, caller),
      updateQuota: (caller, configs, force) => this.updateQuotaConfigs(caller, configs, force),
      setQuota: (caller, request) => this.setLegacyQuota(quotaRequestOf(request), caller),
      removeQuota: (caller, role) => this.removeLegacyQuota(role, caller),
      teardown: (caller, frameworkId) => this.teardownRoute({ method: 'POST', path: '/teardown', query: {}, headers: {}, body: Buffer.from(new URLSearchParams({ frameworkId }).toString()) }, caller, "the v1 operator API's TEARDOWN"),
      markAgentGone: (caller, agentId) => this.markAgentGone(caller, agentId),
      loggingLevel: (caller, call) => v1LoggingLevel(this.host, call, () => this.authorizer.denial('set_log_level', caller.principal)),
      drainAgent: (caller, request) => this.drainer.drain(caller, request),
      deactivateAgent: (caller, agentId) => this.drainer.deactivate(caller, agentId),
      reactivateAgent: (caller, agentId) => this.drainer.reactivate(caller, agentId),
      convertResources: (caller, kind, agentId, resources) => this.convertAgentResources(kind, agentId, resources, caller),
      resizeVolume: (caller, agentId, request) => this.convertAgentResources(request.kind, agentId, request, caller),
      maintenance: this.maintenance,
    };
  }

  /**
   * The v1 operator API's UPDATE_QUOTA (Mesos' `QuotaConfig`s): each role's guarantees and
   * limits replace its quota (none of either removes it), written to the registry first, then
   * given to the allocator, as `POST /master/quota` does. Every role is checked before any is
   * changed: a valid top-level role, limits at least the guarantees, the ACLs' `update_quotas`,
   * and (unless `force`) guarantees the cluster can hold.
   */
  private updateQuotaConfigs(caller: HttpCaller, configs: readonly QuotaConfig[], force: boolean): HttpResponse | Promise<HttpResponse> {
    const roles = new Set<string>();
    for (const config of configs) {
      const invalid = quotaRoleError(config.role);
      if (invalid !== undefined) return httpError(400, `Invalid QuotaConfig: ${invalid}`);
      if (roles.has(config.role)) return httpError(400, `Invalid QuotaConfig: role '${boundedText(config.role, MAX_ERROR_DETAIL_LENGTH)}' is listed twice`);
      roles.add(config.role);
      // Values the allocator would refuse are refused here, before anything is written (review: they were kept).
      // As Mesos' quota::validate(QuotaConfig): 1 EiB of mem or disk, a trillion of anything else (they were bounded by the largest scalar only).
      const tooBig = [
        ...Object.entries(config.guarantees).map(([name, value]) => quotaConfigValueError('guarantee', name, value)),
        ...Object.entries(config.limits).map(([name, value]) => quotaConfigValueError('limit', name, value)),
      ].find((error) => error !== undefined);
      if (tooBig !== undefined) return httpError(400, `Invalid QuotaConfig: role '${boundedText(config.role, MAX_ERROR_DETAIL_LENGTH)}': ${tooBig}`);
      const below = Object.entries(config.guarantees).find(([name, value]) => config.limits[name] !== undefined && (config.limits[name] as number) < value);
      if (below !== undefined) return httpError(400, `Invalid QuotaConfig: role '${config.role}': the limit of '${below[0]}' is below its guarantee`);
      if (!this.authorizer.authorized('update_quotas', caller.principal, config.role)) return httpError(403, `Forbidden: ${describeDenial('update_quotas', caller.principal, config.role)}`);
      if (this.changingQuotas.has(config.role)) return httpError(409, `The quota of role '${config.role}' is being changed; try again`);
    }
    const updated = new Map(this.quotas);
    for (const config of configs) {
      if (Object.keys(config.guarantees).length === 0 && Object.keys(config.limits).length === 0) updated.delete(config.role);
      else updated.set(config.role, { guarantees: config.guarantees, limits: config.limits });
    }
    if (!force) {
      // As Mesos' UPDATE_QUOTA: a limit below what the role (with its subroles) consumes now, and
      // guarantees the cluster cannot hold, are bad requests unless forced (limits below the
      // consumption were taken: the role then held more than its limit, for good).
      const breakdowns = this.stateFragments.roleBreakdowns();
      for (const config of configs) {
        const consumed = consumedQuota(breakdowns, config.role);
        const over = Object.entries(config.limits).find(([name, limit]) => (consumed.get(name) ?? 0) > limit);
        if (over !== undefined) {
          return httpError(400, `Invalid QuotaConfig: Role '${config.role}' is already consuming '${describeQuantities(consumed)}'; this is more than the requested limits '${describeQuantities(config.limits)}' (use 'force' flag to bypass this check)`);
        }
      }
      let total = Resources.EMPTY;
      for (const agent of this.state.agents.values()) total = total.add(agent.total);
      const overcommit = quotaOvercommitError(updated.values(), total);
      if (overcommit !== undefined) return httpError(400, `Invalid QuotaConfig: ${overcommit} (use 'force' flag to bypass this check)`);
    }
    this.log.info({ roles: [...roles], principal: caller.principal }, 'updating quotas at an operator\'s request (v1 UPDATE_QUOTA)');
    for (const role of roles) this.changingQuotas.add(role);
    const writes = configs.map((config) => (updated.has(config.role) ? this.registry.updateQuota(config.role, updated.get(config.role) as RoleQuota) : this.registry.removeQuota(config.role)));
    return this.durably(Promise.all(writes).then(() => undefined), () => {
      for (const role of roles) {
        const quota = updated.get(role);
        if (quota === undefined) {
          if (this.quotas.delete(role)) this.allocatorCall('removeQuota', this.allocator.removeQuota(role));
        } else {
          this.quotas.set(role, quota);
          this.allocatorCall('setQuota', this.allocator.setQuota(role, { guarantee: quota.guarantees, limit: quota.limits }));
        }
      }
      for (const role of roles) {
        const quota = updated.get(role);
        if (quota !== undefined) this.rescindForQuota(role, quota);
      }
    }, () => {
      for (const role of roles) this.changingQuotas.delete(role);
    });
  }

  /**
   * The v1 operator API's MARK_AGENT_GONE (Mesos' `markAgentGone`): the agent is removed from
   * the registry, its tasks become TASK_GONE_BY_OPERATOR (TASK_LOST for frameworks that are not
   * partition-aware), and it is told to shut down. Answered once the removal is durable.
   */
  private markAgentGone(caller: HttpCaller, agentId: string): HttpResponse | Promise<HttpResponse> {
    // The ACLs' mark_agents_gone (its object is implicit), as Mesos approves MARK_AGENT_GONE.
    if (!this.authorizer.authorized('mark_agents_gone', caller.principal)) {
      return httpError(403, `Forbidden: ${describeDenial('mark_agents_gone', caller.principal, undefined)}`);
    }
    // Idempotent, as Mesos: an agent marked gone already is gone.
    if (this.goneAgents.has(agentId)) return ok('');
    const named = boundedText(agentId, MAX_ERROR_DETAIL_LENGTH);
    if (this.markingGone.has(agentId)) return httpError(503, `Agent '${named}' is already being marked gone; try again`);
    const agent = this.state.agents.get(agentId);
    if (agent !== undefined && agent.removing) return httpError(503, `Agent '${named}' is being removed; try again`);
    if (agent === undefined) {
      // As Mesos: an agent recovered from the registry that has not re-registered, or one marked
      // unreachable, may be marked gone too (they were answered 404).
      if (!this.state.recoveredAgents.has(agentId) && !this.state.unreachableAgents.has(agentId)) return httpError(404, `Agent '${named}' not found`);
      if (this.markingUnreachable.has(agentId) || this.readmittingAgents.has(agentId) || this.updatingAgents.has(agentId)) {
        return httpError(503, `Agent '${named}' is being marked unreachable or re-admitted; try again`);
      }
      return this.markAbsentAgentGone(caller, agentId);
    }
    this.log.info({ agentId, principal: caller.principal }, 'marking an agent gone at an operator\'s request');
    return new Promise<HttpResponse>((resolve) => {
      this.removeGoneAgent(agent, 'marked gone by the operator', () => resolve(ok('')), (error) => resolve(httpError(500, `could not record the agent as gone: ${error.message}`)));
    });
  }

  /**
   * Removes a registered agent for good (MARK_AGENT_GONE, or a draining with `mark_gone` done):
   * its tasks are TASK_GONE_BY_OPERATOR (TASK_LOST unless partition-aware), it is refused if it
   * comes back, and it is told to shut down; then `then`, or `failed` if the write failed.
   */
  private removeGoneAgent(agent: AgentRecord, cause: string, then: () => void, failed: (error: Error) => void): void {
    this.removeAgent(agent, 'gone', cause, () => {
      this.goneAgents.add(agent.id);
      if (this.goneAgents.size > MAX_REMOVED_AGENTS) this.goneAgents.delete(this.goneAgents.values().next().value as string);
      this.send(agent.pid, Shutdown, { message: 'Agent marked gone by the operator' });
      then();
    }, failed);
  }

  /**
   * Ends an unreachable task of `framework` in `state` (kept as completed): counted in the
   * framework's metrics (as Mesos' `updateTask`, not the master's `tasks_*`), operator subscribers
   * told; the update, for the caller to send, or undefined if the task was not unreachable.
   */
  private endUnreachableTask(framework: FrameworkRecord, task: Task, state: TaskState, reason: MasterReason, message: string): StatusUpdate | undefined {
    const update = this.taskUpdate(task, state, reason, message);
    const ended = this.state.completeUnreachableTask(framework, task.taskId, update.status);
    if (ended === undefined) return undefined;
    framework.metrics.taskReached(state);
    this.emit({ type: 'TASK_UPDATED', task: ended, status: update.status });
    return update;
  }

  /**
   * MARK_AGENT_GONE of an agent the master has no record of but the registry's (Mesos'
   * `markGone` of a recovered or unreachable agent): the registry records it gone, then it leaves
   * the recovered or unreachable agents, and its unreachable tasks (of partition-aware
   * frameworks) become TASK_GONE_BY_OPERATOR, kept as completed, their frameworks told. A
   * recovered agent's tasks are unknown to the master: nothing is said of them (Mesos' MESOS-9739).
   */
  private markAbsentAgentGone(caller: HttpCaller, agentId: string): Promise<HttpResponse> {
    this.log.info({ agentId, principal: caller.principal, unreachable: this.state.unreachableAgents.has(agentId) }, 'marking an absent agent gone at an operator\'s request');
    this.markingGone.add(agentId);
    return new Promise<HttpResponse>((resolve) => {
      this.defer(this.registry.markGone(agentId, this.clock.now()), () => {
        this.markingGone.delete(agentId);
        this.goneAgents.add(agentId);
        if (this.goneAgents.size > MAX_REMOVED_AGENTS) this.goneAgents.delete(this.goneAgents.values().next().value as string);
        this.state.recoveredAgents.delete(agentId);
        if (this.state.recoveredAgents.size === 0) this.recoveredAgentsTimer?.cancel();
        this.state.unreachableAgents.delete(agentId);
        this.drainer.forget(agentId);
        for (const framework of [...this.state.frameworks.values()]) {
          for (const task of [...framework.unreachableTasks.values()]) {
            if (task.agentId !== agentId) continue;
            const update = this.endUnreachableTask(framework, task, 'TASK_GONE_BY_OPERATOR', Reason.AGENT_REMOVED_BY_OPERATOR, 'Agent has been marked gone');
            if (update !== undefined) this.sendToFramework(framework, update);
          }
        }
        resolve(ok(''));
      }, (error) => {
        this.markingGone.delete(agentId);
        resolve(httpError(500, `could not record agent '${boundedText(agentId, MAX_ERROR_DETAIL_LENGTH)}' as gone: ${error.message}`));
      });
    });
  }

  /**
   * Mesos' `POST /master/reserve` and `/master/unreserve` (form fields `slaveId` and `resources`,
   * a Mesos JSON list), `/master/create-volumes` and `/master/destroy-volumes` (`slaveId` and
   * `volumes`), and the v1 operator API's RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES
   * and DESTROY_VOLUMES: an operator converts resources of an agent nobody uses, as a framework's
   * operation converts offered ones (`conversionOf`: a reservation or a volume carries the
   * caller's principal, or none). Offers of the agent's resources are rescinded, one at a time,
   * until what is neither used nor offered holds what is converted; then the allocator converts it
   * if it is still free. 202 when done; 400 for a bad request, 403 when the ACLs deny it
   * (`reserve_resources` the role, `unreserve_resources` the reserver, `create_volumes` the role,
   * `destroy_volumes` the creator), 409 when tasks use the resources.
   */
  private reservationRoute(kind: ConversionKind, request: HttpRequest, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    if (request.method !== 'POST') return methodNotAllowed(['POST'], 'use POST');
    const form = decodeFormBody(request.body);
    if (typeof form === 'string') return httpError(400, `Unable to decode query string: ${form}`);
    const field = kind === 'CREATE' || kind === 'DESTROY' ? 'volumes' : 'resources';
    const agentId = form.get('slaveId') ?? request.query.slaveId;
    const text = form.get(field) ?? request.query[field];
    if (agentId === undefined || agentId.length === 0) return httpError(400, "Missing 'slaveId' in the request");
    if (text === undefined || text.length === 0) return httpError(400, `Missing '${field}' in the request`);
    const parsed = parseUnicodeJson(text);
    if (!('json' in parsed)) return httpError(400, `'${field}' is not JSON: ${parsed.error}`);
    const { json } = parsed;
    if (kind === 'RESERVE') {
      const source = form.get('source') ?? request.query.source;
      const refused = source === undefined ? undefined : reserveSourceError(source);
      if (refused !== undefined) return httpError(400, refused);
    }
    return this.convertAgentResources(kind, agentId, json, caller);
  }

  /**
   * An operator's conversion on `agentId` (see `reservationRoute`): of the resource list `json`
   * for a RESERVE, UNRESERVE, CREATE or DESTROY, or the volume resize `json` is (GROW_VOLUME,
   * SHRINK_VOLUME: a `ResizeRequest`, from the v1 operator API).
   */
  private convertAgentResources(kind: ConversionKind, agentId: string, json: unknown, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    const agent = this.state.agents.get(agentId);
    if (agent === undefined || agent.removing) return httpError(400, `No agent found with specified ID '${boundedText(agentId, MAX_ERROR_DETAIL_LENGTH)}'`);
    const context = { principal: caller.principal, agentTotal: agent.total, creating: this.creatingVolumes.get(agent.id) };
    const conversion = kind === 'GROW_VOLUME' || kind === 'SHRINK_VOLUME' ? resizeConversionOf(json as ResizeRequest, context) : conversionOf(kind, json, context);
    if (typeof conversion === 'string') return httpError(400, boundedText(conversion, MAX_ERROR_DETAIL_LENGTH));
    if (kind === 'DESTROY') {
      // As Mesos' validate(Destroy): a volume a task or an executor uses is an invalid DESTROY (400, before the ACLs; it was 409).
      const used = this.state.usedResources(agent);
      const busy = conversion.consumed.entries().find((entry) => used.contains(Resources.of([entry])));
      if (busy !== undefined) return httpError(400, boundedText(`Invalid DESTROY operation: persistent volume '${Resources.of([busy]).format()}' is in use by a task or an executor on the agent`, MAX_ERROR_DETAIL_LENGTH));
    }
    const denial = this.conversionDenial(conversion, caller.principal);
    if (denial !== undefined) return httpError(403, `Forbidden: ${denial}`);
    if (!agent.total.contains(conversion.consumed)) {
      return httpError(409, boundedText(`Agent '${agentId}' does not have '${conversion.consumed.format()}' (it has '${agent.total.format()}')`, MAX_ERROR_DETAIL_LENGTH));
    }
    // As Mesos: offers are rescinded (and their resources returned) one at a time until what is
    // neither used nor offered holds the resources; the allocator sees the returns first.
    let free = agent.total.subtract(this.state.usedResources(agent)).subtractSaturating(this.state.offeredResources(agent));
    for (const offerId of [...agent.offerIds]) {
      if (free.contains(conversion.consumed)) break;
      const record = this.state.offers.get(offerId);
      if (record === undefined) continue;
      free = free.add(record.resources);
      this.retireOffer(offerId, { rescind: true, recover: true });
    }
    if (!free.contains(conversion.consumed)) {
      return httpError(409, boundedText(`Agent '${agentId}' has '${conversion.consumed.format()}' in use by tasks or executors: only '${free.format()}' is free`, MAX_ERROR_DETAIL_LENGTH));
    }
    this.log.info({ agentId, principal: caller.principal, operation: kind, resources: boundedText(conversion.converted.format(), MAX_LOGGED_RESOURCES_LENGTH) }, 'converting an agent\'s resources at an operator\'s request');
    this.convertingAgents.set(agent.id, (this.convertingAgents.get(agent.id) ?? 0) + 1);
    const creating = kind === 'CREATE' ? conversion.converted : undefined;
    if (creating !== undefined) this.creatingVolumes.set(agent.id, (this.creatingVolumes.get(agent.id) ?? Resources.EMPTY).add(creating));
    const converted = (): void => {
      const left = (this.convertingAgents.get(agent.id) ?? 1) - 1;
      if (left > 0) this.convertingAgents.set(agent.id, left);
      else this.convertingAgents.delete(agent.id);
      const stillCreating = creating === undefined ? undefined : this.creatingVolumes.get(agent.id)?.subtractSaturating(creating);
      if (stillCreating !== undefined && !stillCreating.isEmpty()) this.creatingVolumes.set(agent.id, stillCreating);
      else if (creating !== undefined) this.creatingVolumes.delete(agent.id);
    };
    return new Promise<HttpResponse>((resolve) => {
      // The outcome is posted here from the allocator's turn that converts, so the master's books
      // follow before an allocation the allocator makes after it arrives (an offer of the converted
      // resources would not fit books that have not: a promise's continuation came after it).
      const here = (then: () => HttpResponse): void => post(this, () => { converted(); resolve(then()); }, (error) => { converted(); resolve(httpError(500, `the conversion's outcome was lost: ${error.message}`)); });
      this.allocator.updateAvailable(agent.id, conversion.consumed, conversion.converted,
        (done) => here(() => this.agentResourcesConverted(agent, agentId, conversion, done)),
        (error) => here(() => httpError(500, `the allocator refused the conversion: ${error.message}`)));
    });
  }

  /** The allocator converted (`done`) an operator's conversion of an agent's resources, or found them held meanwhile: the master's books follow. */
  private agentResourcesConverted(agent: AgentRecord, agentId: string, conversion: Conversion, done: boolean): HttpResponse {
    if (!done) {
      return httpError(409, `The allocator could not find '${boundedText(conversion.consumed.format(), MAX_ERROR_DETAIL_LENGTH)}' free on agent '${boundedText(agentId, MAX_ERROR_DETAIL_LENGTH)}' (offered or used meanwhile); try again`);
    }
    // The allocator has converted them: the master's books follow, whatever happened meanwhile.
    const current = this.state.agents.get(agentId) === agent;
    if (current && agent.total.contains(conversion.consumed)) {
      // As Mesos: an operator's operation is booked (no framework, no `id`) until its agent's word.
      const operation = operatorOperation(conversion);
      const booked = this.booksUnnamedOperation(agent, operation);
      if (booked) this.trackOperation(undefined, agent, operation);
      this.applyConversion(agent, conversion, booked);
    } else if (current) {
      this.log.error({ agentId, consumed: conversion.consumed.format() }, 'the allocator converted resources the master does not have on the agent (a bug)');
    }
    // An agent removed meanwhile took the conversion with it: the caller must not think it holds.
    if (!current || agent.removing) return httpError(409, `Agent '${boundedText(agentId, MAX_ERROR_DETAIL_LENGTH)}' was removed while its resources were being converted; nothing holds`);
    return { status: 202, body: '' };
  }

  /** What the renderers read; with a `caller`, only what the ACLs let it view. */
  private stateContext(caller?: HttpCaller): StateContext {
    const viewer = aclViewer(this.authorizer, caller?.principal);
    return {
      state: this.state,
      info: this.masterInfo(),
      flags: this.flags,
      startTimeMs: this.startTimeMs,
      electedTimeMs: this.electedTimeMs,
      nowMs: this.clock.now(),
      weights: this.weights,
      quotas: this.quotas,
      ...(caller !== undefined && this.flags.acls !== undefined ? { viewer } : {}),
    };
  }
}

/** What makes two requests to the state endpoints the same (`Master.sharedRendering`): the endpoint, who asks, what they ask. */
function renderingKey(endpoint: string, caller: HttpCaller, ...asked: Array<string | number | boolean | undefined>): string {
  return JSON.stringify([endpoint, caller.principal ?? null, ...asked]);
}

/** A rendering shared by identical requests (`sharedRendering`): its answer, and what it calls in its last turn before rendering. */
interface SharedRendering {
  readonly answer: Promise<HttpResponse>;
  readonly joiners: Array<() => void>;
}

/** Figures of no rendering yet. */
function noRenderings(): RenderingFigures {
  return { renderings: 0, shared: 0, turns: 0, longestTurnMs: 0, longestTurnAt: 0, longestTurnIndex: 0, longestTurnRendered: 0, longestTurnCpuMs: 0, mostRenderedInATurn: 0, frameworksLeft: 0 };
}

/** How the state endpoints' renderings went (`Master.renderingFigures`). */
export interface RenderingFigures {
  /** Renderings made. */
  renderings: number;
  /** Requests that joined a rendering under way instead of starting one. */
  shared: number;
  /** Mailbox turns the renderings took (warming and the last one). */
  turns: number;
  /** The longest of those turns, wall ms. */
  longestTurnMs: number;
  /** When it started (`performance.now()`). */
  longestTurnAt: number;
  /** Which turn of its rendering it was, from 1 (the route's own first run is not one of them). */
  longestTurnIndex: number;
  /** Fragments it rendered (0: it found them current, or it was the last turn, putting the answer together). */
  longestTurnRendered: number;
  /**
   * CPU time the whole process used during it (ms, user and system, every thread: the collector's
   * helpers too). Well under `longestTurnMs`: the process was not running for the rest (the
   * machine ran something else); over it: other threads ran beside the master's.
   */
  longestTurnCpuMs: number;
  /** The most fragments one of those turns rendered (the work a turn does, whatever the machine). */
  mostRenderedInATurn: number;
  /** Frameworks whose offers a last turn left to the turns after it (`--state_last_turn_offers`). */
  frameworksLeft: number;
  /** Fragments rendered since the master started (not found current). */
  fragmentsRendered?: number;
}

/** Why `suppressedRoles` cannot go with `info`, as Mesos words it: each must be one of the framework's roles. */
function suppressedRolesError(info: FrameworkInfo, suppressedRoles: readonly string[] | undefined): string | undefined {
  const roles = frameworkRoles(info);
  const strangers = [...new Set(suppressedRoles?.filter((role) => !roles.includes(role)) ?? [])].map((role) => boundedText(role, MAX_ERROR_DETAIL_LENGTH));
  // Mesos' words (a set, as stout prints one).
  return strangers.length === 0 ? undefined : `Suppressed roles { ${listedRoles(strangers)} } are not contained in the set of roles`;
}

/** Names of the messages frameworks send the master (their bad bodies are answered: `invalidMessage`). */
const FRAMEWORK_CALLS: ReadonlySet<string> = new Set([
  RegisterFramework, ReregisterFramework, UnregisterFramework, UpdateFrameworkCall, DeactivateFramework, AcceptOffers, LaunchTasks, DeclineOffers,
  ReviveOffers, SuppressOffers, KillTask, ShutdownExecutorCall, StatusUpdateAcknowledgement, ReconcileTasks, FrameworkToExecutor,
  ReconcileOperations, AcknowledgeOperationStatus, AcceptInverseOffers, DeclineInverseOffers,
].map((type) => type.name));

/** One key for an executor of a framework. */
function executorKey(frameworkId: string, executorId: string): string {
  return `${frameworkId}/${executorId}`;
}

/**
 * Whether an allocation's owner is one of the master's agent records. The master gives its
 * allocator no other owner; this checks the shape it reads, so that an owner of any other kind
 * is looked up by id rather than trusted.
 */
function isAgentRecord(owner: object | undefined): owner is AgentRecord {
  return owner !== undefined && typeof (owner as Partial<AgentRecord>).listed === 'boolean' && typeof (owner as Partial<AgentRecord>).id === 'string';
}

/**
 * Why a `/master/reserve` request's `source` is refused, or undefined for an empty list (Mesos
 * takes that as no source). Mesos 1.11 re-reserves `source` (resources reserved already) as
 * `resources`; this master reserves only unreserved resources, and ignoring `source` made a
 * different reservation (of unreserved resources, the old one left) and answered 202.
 */
function reserveSourceError(source: string): string | undefined {
  const parsed = parseUnicodeJson(source);
  if (!('json' in parsed)) return `'source' is not JSON: ${parsed.error}`;
  const { json } = parsed;
  if (!Array.isArray(json)) return "'source' must be a JSON array of resources";
  if (json.length === 0) return undefined;
  return "'source' (changing a reservation in place) is not supported by this master: unreserve the resources, then reserve them anew";
}

/**
 * The allocator filter for what a framework declines or leaves unused: `refuseSeconds`, default
 * 5 s. As in Mesos, a negative (or non-finite) value means the default and a larger one than a
 * year is capped, so a bad filter still declines.
 */

function refuseFilter(filters: Filters | undefined): RefuseFilter {
  const seconds = filters?.refuseSeconds;
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return {};
  return { refuseSeconds: Math.min(seconds, MAX_REFUSE_SECONDS) };
}

/** The reasons of a status that carries a check's or a health check's result (Mesos streams each to operator subscribers). */
const CHECK_RESULT_REASONS: ReadonlySet<string> = new Set(['REASON_TASK_CHECK_STATUS_UPDATED', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']);

/** Whether `status` carries a check's or a health check's result (its reason says so). */
function isCheckResult(status: TaskStatus): boolean {
  return status.reason !== undefined && CHECK_RESULT_REASONS.has(status.reason);
}

/**
 * An agent's total from what it sends: its resources with the dynamic reservations it reports
 * (`checkpointedResources`) applied; why not, as a sentence.
 */
function reportedTotal(resources: readonly ResourceJSON[], checkpointed: readonly ResourceJSON[] | undefined): Resources | string {
  const total = declaredResources(resources);
  if (typeof total === 'string' || checkpointed === undefined || checkpointed.length === 0) return total;
  const reserved = parseResources(checkpointed);
  return typeof reserved === 'string' ? `checkpointed resources: ${reserved}` : agentTotalOf(total, reserved);
}

/**
 * An agent's declared resources (`AgentInfo.resources`); why not, as a sentence. They may hold
 * static reservations only: the master makes the dynamic ones (`checkpointedResources`), and a
 * declared one would be counted again once those are carved out of the rest.
 */
function declaredResources(resources: readonly ResourceJSON[]): Resources | string {
  const total = parseResources(resources);
  const made = typeof total === 'string' ? Resources.EMPTY : total.checkpointed();
  if (typeof total === 'string' || made.isEmpty()) return total;
  return `its resources declare dynamic reservations or persistent volumes ('${made.format()}'); they are made by the master and reported as checkpointedResources`;
}
