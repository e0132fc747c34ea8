import { Actor, dispatch, UPID, type BodyOf } from '../../lib/actor';
import { isZooKeeperMaster, leaderPid, masterDetector, NO_MASTER } from '../../lib/ha/detector';
import type { DetectedMaster, MasterDetector } from '../../lib/ha/election';
import { connectNodeZooKeeper } from '../../lib/ha/node-zookeeper';
import type { ZooKeeperConnector } from '../../lib/ha/zookeeper';
import {
  AcceptOffers, DeclineOffers, ExecutorToFramework, ExitedExecutor, FrameworkError, FrameworkRegistered,
  FrameworkReregistered, FrameworkToExecutor, KillTask, LostAgent, ShutdownExecutorCall, ReconcileTasks, RegisterFramework,
  ReregisterFramework, RescindResourceOffer, ResourceOffers, ReviveOffers, StatusUpdateAcknowledgement,
  StatusUpdateMessage, SuppressOffers, UnregisterFramework, DeactivateFramework, UpdateFrameworkAnswer, UpdateFrameworkCall,
  OperationStatusUpdate, ReconcileOperations, AcknowledgeOperationStatus, InverseOffers, RescindInverseOffer, AcceptInverseOffers, DeclineInverseOffers,
  MAX_SUPPRESSED_ROLES, type InverseOffer, type ExecutorInfo, type OperationStatus, type Filters, type KillPolicy, type FrameworkInfo, type MasterInfo, type Offer, type Operation, type StatusUpdate, type TaskInfo, type TaskStatus,
} from '../../lib/protocol';
import type { Credential } from '../../lib/authentication';
import { Authenticatee } from '../../lib/authenticatee';
import { MAX_TRACKED_UNACKNOWLEDGED_UPDATES, SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS, SCHEDULER_REGISTRATION_RETRY_MAX_MS, UPDATE_FRAMEWORK_TIMEOUT_MS } from './constants';

/** How a scheduler finds its master and introduces itself. */
export interface SchedulerOptions {
  /**
   * The master: `host:port`, or its full UPID (`master@host:port`), or
   * `zk://host:port[,host:port...]/path` to follow the leading master in ZooKeeper.
   */
  master: string;
  /** Follows the leading master instead of `master` (a test or simulation passes its own). */
  detector?: MasterDetector;
  /** How to reach ZooKeeper for a `zk://` master (default: a real server). */
  zooKeeper?: ZooKeeperConnector;
  /** The framework. Set `id` to take over a registered framework (failover). */
  framework: FrameworkInfo;
  /** Acknowledge each status update after `statusUpdate` returns (default true, as in Mesos). */
  implicitAcknowledgements?: boolean;
  /**
   * Roles (of `framework.roles`) to start suppressed in (Mesos' `suppressed_roles`). Each
   * (re-)registration sends the roles suppressed then: these, changed by `suppress`, `revive` and
   * `updateFramework` since.
   */
  suppressedRoles?: string[];
  /** Actor id (default `scheduler`); must be unique on its host. */
  id?: string;
  registrationBackoffFactorMs?: number;
  /**
   * Give up after this long without a master (from the start, or since the master was lost,
   * until a (re-)registration is answered): `noMaster` is called. Unset, the scheduler waits for
   * a master for as long as it runs, as Mesos' driver does. The client bins set it
   * (`--master_timeout`).
   */
  masterTimeoutMs?: number;
  /**
   * Authenticate to the master with this principal and secret before registering (needed when
   * the master runs with `--authenticate_frameworks`). The framework's `principal` defaults to
   * this principal; a master that refuses the secret is an `error`, and the scheduler stops.
   */
  credential?: Credential;
}

/**
 * Why `Scheduler.updateFramework` did not apply: the master refused it (`status` 400, the update
 * is not valid; 403, a role the framework's principal may not use), or did not answer within
 * `UPDATE_FRAMEWORK_TIMEOUT_MS` (`status` undefined).
 */
export class FrameworkUpdateError extends Error {
  constructor(message: string, readonly status: 400 | 403 | undefined) {
    super(message);
    this.name = 'FrameworkUpdateError';
  }
}

/** Where a scheduler stands with the master. */
export type SchedulerState = 'registering' | 'registered' | 'disconnected' | 'stopped';

/**
 * The base actor of a framework's scheduler (Mesos' `Scheduler` + `SchedulerDriver` in one):
 * subclasses override the callbacks and call `launch`, `decline`, `kill` and the rest. It
 * registers at `initialize`, retries with backoff until the master answers, re-registers after
 * losing the master, and acknowledges status updates after `statusUpdate` returns.
 *
 * @example
 *   class Hello extends Scheduler {
 *     protected override resourceOffers(offers: Offer[]): void {
 *       const offer = offers[0]!;
 *       this.launch(offer.id, [{ name: 'hello', taskId: 'hello-1', agentId: offer.agentId,
 *         resources: Resources.parse('cpus:0.1;mem:32').toJSON(), command: { value: 'echo hello' } }]);
 *     }
 *     protected override statusUpdate(status: TaskStatus): void {
 *       if (status.state === 'TASK_FINISHED') this.stop();
 *     }
 *   }
 *   host.spawn(new Hello({ master: '127.0.0.1:5050', framework: { name: 'hello', user: os.userInfo().username } })); // tasks run as this OS user (--switch_user)
 */
export abstract class Scheduler extends Actor {
  /** Where we stand with the master. */
  protected state: SchedulerState = 'registering';
  /** The leading master's pid (a placeholder no message goes to while none is known). */
  protected master: UPID;
  /** Follows the leader for a `zk://` master (created at `initialize` unless given). */
  private detector: MasterDetector | undefined;
  /** Whether this scheduler opened `detector` (and closes it). */
  private ownsDetector = false;
  private readonly options: SchedulerOptions;
  /** Our framework, with `id` once registered. */
  protected framework: FrameworkInfo;
  /** The master that registered us, once it has. */
  protected masterInfo: MasterInfo | undefined;
  private readonly implicitAcknowledgements: boolean;
  /** With implicit acknowledgements off: updates given to `statusUpdate` and not acknowledged (uuid → task id; `noteUnacknowledged`). */
  private unacknowledged: Map<string, string> | undefined;
  /** Tasks already warned of an update that came again unacknowledged. */
  private warnedUnacknowledged: Set<string> | undefined;
  private readonly backoffFactorMs: number;
  /** The pending registration retry, if any. */
  private retryTimer: { cancel(): void } | undefined;
  /**
   * Whether (re-)registration asks to take the framework over from another scheduler: true when
   * started with a framework id, until a master answers (as Mesos' driver keeps it). A failover
   * interrupted by a lost master goes on as a failover; once registered, reconnecting does not.
   */
  private failover = false;
  /** Fires `noMaster` after `masterTimeoutMs` without a master. */
  private masterTimer: { cancel(): void } | undefined;
  /** `SchedulerOptions.masterTimeoutMs`. */
  private readonly masterTimeoutMs: number | undefined;
  /** Authenticates with each master before registering (when given a credential). */
  private readonly authenticatee: Authenticatee | undefined;
  /** Whether the current master has authenticated us (since our link to it last broke). */
  private authenticated = false;
  /** The roles suppressed now (`suppress`, `revive`, `updateFramework`), sent with each (re-)registration. */
  private suppressedRolesNow: Set<string>;
  /**
   * UPDATE_FRAMEWORK calls waiting for the master's answer, by request id, with what this
   * scheduler had before (restored if the master refuses, unless changed again since).
   */
  private readonly frameworkUpdatesPending = new Map<string, {
    readonly info: FrameworkInfo; readonly before: FrameworkInfo; readonly suppressedBefore: Set<string>; readonly change: number;
    readonly timer: { cancel(): void }; resolve(): void; reject(error: FrameworkUpdateError): void;
  }>();
  /** Counts local changes of its info and suppressed roles (`updateFramework`, `suppress`, `revive`). */
  private frameworkChanges = 0;
  /** The last UPDATE_FRAMEWORK request id. */
  private frameworkUpdateNumber = 0;

  constructor(options: SchedulerOptions) {
    super(options.id ?? 'scheduler');
    this.options = options;
    this.detector = options.detector;
    const zk = options.detector !== undefined || isZooKeeperMaster(options.master);
    this.master = zk ? leaderPid(options.detector?.leader) : UPID.parse(options.master.includes('@') ? options.master : `master@${options.master}`);
    this.framework = withDefaults(options.framework, options.credential);
    this.suppressedRolesNow = new Set(options.suppressedRoles ?? []);
    this.implicitAcknowledgements = options.implicitAcknowledgements ?? true;
    this.backoffFactorMs = options.registrationBackoffFactorMs ?? SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS;
    this.masterTimeoutMs = options.masterTimeoutMs;
    this.authenticatee = options.credential === undefined ? undefined : Authenticatee.install(options.credential, {
      self: () => this.self(), send: (to, type, body) => this.send(to, type, body),
      delay: (ms, callback) => this.delay(ms, callback), install: (type, handler) => this.install(type, handler),
      secretBytes: (count) => this.host.secretBytes(count),
    });
    this.install(FrameworkRegistered, (from, body) => this.onRegistered(from, body.frameworkId, body.masterInfo, false));
    this.install(FrameworkReregistered, (from, body) => this.onRegistered(from, body.frameworkId, body.masterInfo, true));
    // Like Mesos' driver, these are ignored until (re-)registration is answered: the framework id
    // that the calls need is not known yet, and an unacknowledged status update is sent again.
    this.install(ResourceOffers, (from, body) => this.fromConnectedMaster(from, ResourceOffers.name) && this.resourceOffers(body.offers));
    this.install(RescindResourceOffer, (from, body) => this.fromConnectedMaster(from, RescindResourceOffer.name) && this.offerRescinded(body.offerId));
    this.install(InverseOffers, (from, body) => this.fromConnectedMaster(from, InverseOffers.name) && this.inverseOffers(body.inverseOffers));
    this.install(RescindInverseOffer, (from, body) => this.fromConnectedMaster(from, RescindInverseOffer.name) && this.inverseOfferRescinded(body.inverseOfferId));
    this.install(StatusUpdateMessage, (from, body) => this.fromConnectedMaster(from, StatusUpdateMessage.name) && this.onStatusUpdate(body.update, body.pid));
    this.install(LostAgent, (from, body) => this.fromConnectedMaster(from, LostAgent.name) && this.agentLost(body.agentId));
    this.install(ExitedExecutor, (from, body) => this.fromConnectedMaster(from, ExitedExecutor.name) && this.executorLost(body.executorId, body.agentId, body.status));
    this.install(ExecutorToFramework, (from, body) => this.fromMaster(from) && this.frameworkMessage(body.agentId, body.executorId, body.data));
    this.install(FrameworkError, (from, body) => this.fromMaster(from) && this.onError(body.message));
    this.install(OperationStatusUpdate, (from, body) => this.fromConnectedMaster(from, OperationStatusUpdate.name) && this.operationStatus(body.status));
    this.install(UpdateFrameworkAnswer, (from, body) => this.fromMaster(from) && this.updateAnswered(body));
  }

  /** The framework id, once registered. */
  get frameworkId(): string | undefined {
    return this.framework.id;
  }

  // ---- callbacks: override what you need -----------------------------------------------------

  /** First registration with a master. */
  protected registered(_frameworkId: string, _masterInfo: MasterInfo): void {}
  /** Registered again (after a master failover, or our own). */
  protected reregistered(_masterInfo: MasterInfo): void {}
  /** New offers. Answer each with launch/accept or decline (unanswered offers stay allocated to us). */
  protected resourceOffers(_offers: Offer[]): void {}
  /** An offer is no longer valid (used elsewhere, timed out, or its agent is gone). */
  protected offerRescinded(_offerId: string): void {}
  /**
   * Inverse offers (maintenance): the master asks for what we hold on each agent back before its
   * machine's `unavailability`. Answer with `acceptInverseOffers` (we can leave in time) or
   * `declineInverseOffers`; unanswered, they stay until rescinded. Ignoring them is allowed (Mesos'
   * scheduler driver never sees them).
   */
  protected inverseOffers(_offers: InverseOffer[]): void {}
  /** An inverse offer is no longer valid (its agent disconnected or went, the schedule changed, it timed out). */
  protected inverseOfferRescinded(_inverseOfferId: string): void {}
  /** A task changed state. Acknowledged automatically after this returns, unless disabled. */
  protected statusUpdate(_status: TaskStatus): void {}
  /**
   * An offer operation's status (an operation of ours with an `id` refused, or an answer to
   * `reconcileOperations`). The master sends a v1 HTTP framework's only (an actor framework's
   * operation with an `id` ends in `error`, as Mesos' scheduler driver's does).
   */
  protected operationStatus(_status: OperationStatus): void {}
  /** A message from one of our executors. */
  protected frameworkMessage(_agentId: string, _executorId: string, _data: string): void {}
  /** The master is gone; the scheduler keeps trying to re-register. */
  protected disconnected(): void {}
  /** An agent was removed; its tasks are lost (updates follow). */
  protected agentLost(_agentId: string): void {}
  /** An executor exited with `status`. */
  protected executorLost(_executorId: string, _agentId: string, _status: number): void {}
  /** The master refused us (e.g. we failed over to another scheduler); we are stopped. */
  protected error(_message: string): void {}
  /**
   * The master applied an `updateFramework`: `framework` is ours from now on. Called in the turn
   * the answer arrives, before any later message (offers in the new roles) and before the
   * promise `updateFramework` returned resolves.
   */
  protected frameworkUpdated(_framework: FrameworkInfo): void {}

  // ---- calls ---------------------------------------------------------------------------------

  /** Launches `tasks` on the offers (all on one agent); what is left returns with `filters`. */
  launch(offerIds: string | string[], tasks: TaskInfo[], filters?: Filters): void {
    this.accept(offerIds, [{ type: 'LAUNCH', launch: { taskInfos: tasks } }], filters);
  }

  /**
   * Launches `tasks` as one task group on `executor` (LAUNCH_GROUP; README, "Task groups"): all
   * start together or none does. `executor` is typically the agent's default executor,
   * `{ executorId, type: 'DEFAULT', resources }`, which kills the rest of the group when one of
   * its tasks fails or is killed.
   * @example this.launchGroup(offer.id, { executorId: 'pod-1', type: 'DEFAULT', resources: Resources.parse('cpus:0.1;mem:32;disk:10').toJSON() }, [web, sidecar]);
   */
  launchGroup(offerIds: string | string[], executor: ExecutorInfo, tasks: TaskInfo[], filters?: Filters): void {
    this.accept(offerIds, [{ type: 'LAUNCH_GROUP', launchGroup: { executor, taskGroup: { tasks } } }], filters);
  }

  /**
   * Uses offers for `operations`, applied in order (LAUNCH tasks, RESERVE or UNRESERVE resources
   * dynamically: README, "Dynamic reservations"; CREATE or DESTROY persistent volumes: README,
   * "Persistent volumes", and examples/volume.ts); the rest returns to the pool, filtered by `filters`.
   * @example this.accept(offer.id, [{ type: 'RESERVE', reserve: { resources: reserved.toJSON() } }, { type: 'LAUNCH', launch: { taskInfos: [task] } }]);
   */
  accept(offerIds: string | string[], operations: Operation[], filters?: Filters): void {
    // Two literals, not a spread: a literal with a spread copies (lib/with-fields.ts).
    const frameworkId = this.requireId();
    this.toMaster(AcceptOffers, filters ? { frameworkId, offerIds: list(offerIds), operations, filters } : { frameworkId, offerIds: list(offerIds), operations });
  }

  /** Returns offers; they are not offered to us again for `filters.refuseSeconds` (default 5). */
  decline(offerIds: string | string[], filters?: Filters): void {
    const frameworkId = this.requireId();
    this.toMaster(DeclineOffers, filters ? { frameworkId, offerIds: list(offerIds), filters } : { frameworkId, offerIds: list(offerIds) });
  }

  /** Answers inverse offers: we can give back what we hold on their agents in time; none is sent again for those agents for `filters.refuseSeconds` (default 5). */
  acceptInverseOffers(inverseOfferIds: string | string[], filters?: Filters): void {
    const frameworkId = this.requireId();
    this.toMaster(AcceptInverseOffers, filters ? { frameworkId, inverseOfferIds: list(inverseOfferIds), filters } : { frameworkId, inverseOfferIds: list(inverseOfferIds) });
  }

  /** Answers inverse offers: we cannot give back what we hold on their agents in time (`filters` as `acceptInverseOffers`). */
  declineInverseOffers(inverseOfferIds: string | string[], filters?: Filters): void {
    const frameworkId = this.requireId();
    this.toMaster(DeclineInverseOffers, filters ? { frameworkId, inverseOfferIds: list(inverseOfferIds), filters } : { frameworkId, inverseOfferIds: list(inverseOfferIds) });
  }

  /** Asks the task's executor to kill it. */
  kill(taskId: string, agentId?: string, killPolicy?: KillPolicy): void {
    this.toMaster(KillTask, { frameworkId: this.requireId(), taskId, ...(agentId ? { agentId } : {}), ...(killPolicy !== undefined ? { killPolicy } : {}) });
  }

  /** Asks for one of our executors to be shut down (its tasks are killed with it; Mesos' v1 SHUTDOWN call). */
  shutdownExecutor(executorId: string, agentId: string): void {
    this.toMaster(ShutdownExecutorCall, { frameworkId: this.requireId(), executorId, agentId });
  }

  /** Clears our decline filters and resumes offers (for `roles`, default all). */
  revive(roles?: string[]): void {
    this.toMaster(ReviveOffers, { frameworkId: this.requireId(), ...(roles ? { roles } : {}) });
    this.frameworkChanges++;
    if (roles === undefined || roles.length === 0) this.suppressedRolesNow.clear();
    else for (const role of roles) this.suppressedRolesNow.delete(role);
  }

  /** Stops offers (for `roles`, default all) until `revive`. */
  suppress(roles?: string[]): void {
    this.toMaster(SuppressOffers, { frameworkId: this.requireId(), ...(roles ? { roles } : {}) });
    this.frameworkChanges++;
    // Only roles it has: one it never had, kept, would get its next re-registration refused (the master drops this call for it).
    const own = this.framework.roles ?? ['*'];
    for (const role of roles !== undefined && roles.length > 0 ? roles : own) if (own.includes(role)) this.suppressedRolesNow.add(role);
  }

  /**
   * Changes the framework's info and suppressed roles (Mesos' UPDATE_FRAMEWORK): it is offered in
   * the roles it joins and no longer in those it leaves (its offers there are rescinded; its tasks
   * there run on), and its capabilities, name, labels, failover timeout and the rest take effect.
   * The principal, the user and checkpointing cannot change. `framework.id` may be left out; it is
   * this framework's, and the principal defaults to the credential's. As Mesos' driver does, the
   * scheduler takes the new info and suppressed roles at once (a re-registration meanwhile sends
   * them, and `suppress`/`revive` change them further). Resolves once the master has applied the
   * update. Rejects with a `FrameworkUpdateError`: the master's reason (400 or 403; the info and
   * suppressed roles from before are restored, unless changed again since), no answer within
   * `UPDATE_FRAMEWORK_TIMEOUT_MS`, or the scheduler stopping first. Throws when not registered.
   *
   * @example await this.updateFramework({ ...info, roles: ['analytics', 'batch'], capabilities: [{ type: 'MULTI_ROLE' }] });
   */
  updateFramework(framework: FrameworkInfo, suppressedRoles: readonly string[] = []): Promise<void> {
    const frameworkId = this.requireId();
    if (this.state !== 'registered') throw new Error(`updateFramework: not registered with a master (${this.state})`);
    const info = withDefaults({ ...framework, id: framework.id ?? frameworkId }, this.options.credential);
    // A set, as Mesos keeps them: a role named twice is one.
    const suppressed = [...new Set(suppressedRoles)];
    if (suppressed.length > MAX_SUPPRESSED_ROLES) {
      return Promise.reject(new FrameworkUpdateError(`'UpdateFramework' call is not valid: at most ${MAX_SUPPRESSED_ROLES} suppressed roles (got ${suppressed.length})`, 400));
    }
    const requestId = String(++this.frameworkUpdateNumber);
    this.toMaster(UpdateFrameworkCall, { frameworkId, framework: info, suppressedRoles: suppressed, requestId });
    const before = this.framework;
    const suppressedBefore = this.suppressedRolesNow;
    this.framework = info;
    this.suppressedRolesNow = new Set(suppressed);
    const change = ++this.frameworkChanges;
    return new Promise<void>((resolve, reject) => {
      const timer = this.delay(UPDATE_FRAMEWORK_TIMEOUT_MS, () => {
        this.frameworkUpdatesPending.delete(requestId);
        reject(new FrameworkUpdateError(`no answer from the master to UPDATE_FRAMEWORK within ${UPDATE_FRAMEWORK_TIMEOUT_MS / 1000} s (it may have been applied: the same update again is harmless)`, undefined));
      });
      this.frameworkUpdatesPending.set(requestId, { info, before, suppressedBefore, change, timer, resolve, reject });
    });
  }

  /**
   * Acknowledges a status update (only needed with implicit acknowledgements off). One with no
   * uuid (the master's own: a reconciliation answer, a task lost) needs none and is ignored.
   */
  acknowledge(status: TaskStatus): void {
    if (!status.uuid || !status.agentId) return;
    this.unacknowledged?.delete(status.uuid);
    this.toMaster(StatusUpdateAcknowledgement, { agentId: status.agentId, frameworkId: this.requireId(), taskId: status.taskId, uuid: status.uuid });
  }

  /** Asks for the latest state of `tasks`, or of all our tasks when empty (implicit reconciliation). */
  reconcile(tasks: Array<{ taskId: string; agentId?: string }> = []): void {
    this.toMaster(ReconcileTasks, { frameworkId: this.requireId(), statuses: tasks });
  }

  /**
   * Asks for the status of `operations` (Mesos' RECONCILE_OPERATIONS); each answer comes to
   * `operationStatus`. A v1 HTTP framework's only: the master drops an actor framework's, as Mesos'
   * drops a scheduler driver's (not supported by the v0 API).
   */
  reconcileOperations(operations: Array<{ operationId: string; agentId?: string; resourceProviderId?: string }>): void {
    this.toMaster(ReconcileOperations, { frameworkId: this.requireId(), operations });
  }

  /** Acknowledges an operation status that carried a uuid (Mesos' ACKNOWLEDGE_OPERATION_STATUS); a v1 HTTP framework's only, as `reconcileOperations`. */
  acknowledgeOperationStatus(agentId: string, operationId: string, uuid: string, resourceProviderId?: string): void {
    this.toMaster(AcknowledgeOperationStatus, { frameworkId: this.requireId(), agentId, operationId, uuid, ...(resourceProviderId !== undefined ? { resourceProviderId } : {}) });
  }

  /** Sends `data` to one of our executors. */
  sendFrameworkMessage(executorId: string, agentId: string, data: string): void {
    this.toMaster(FrameworkToExecutor, { agentId, executorId, frameworkId: this.requireId(), data });
  }

  /**
   * Stops the scheduler. Without `failover`, the framework is torn down (its tasks killed);
   * with it, the master keeps the framework for its failover timeout so another scheduler can
   * take over with the same framework id.
   */
  stop(failover = false): void {
    if (this.state === 'stopped') return;
    if (this.framework.id) {
      const frameworkId = this.framework.id;
      if (!this.leaderKnown) this.log.warn({ frameworkId }, 'stopping with no leading master known: the master is not told');
      else if (failover) this.send(this.master, DeactivateFramework, { frameworkId });
      else this.send(this.master, UnregisterFramework, { frameworkId });
    }
    this.state = 'stopped';
    this.retryTimer?.cancel();
    this.authenticatee?.cancel();
    this.terminate();
  }

  // ---- plumbing ------------------------------------------------------------------------------

  /** The master answered an UPDATE_FRAMEWORK call: applied (the new info is ours) or refused. */
  private updateAnswered({ requestId, status, message }: BodyOf<typeof UpdateFrameworkAnswer>): void {
    const update = this.frameworkUpdatesPending.get(requestId);
    if (update === undefined) {
      this.log.info({ requestId, status }, 'ignoring an answer to an UPDATE_FRAMEWORK call not waiting (timed out)');
      return;
    }
    this.frameworkUpdatesPending.delete(requestId);
    update.timer.cancel();
    if (status !== 200) {
      // What it had before, unless it changed them again meanwhile (then those changes stand).
      if (this.frameworkChanges === update.change) {
        this.framework = update.before;
        this.suppressedRolesNow = update.suppressedBefore;
      }
      update.reject(new FrameworkUpdateError(message ?? `UPDATE_FRAMEWORK refused (${status})`, status));
      return;
    }
    this.frameworkUpdated(update.info);
    update.resolve();
  }

  /** Called once `masterTimeoutMs` has passed without a master; by default an `error`, and the scheduler stops. */
  protected noMaster(waitedMs: number): void {
    const where = isZooKeeperMaster(this.options.master) ? `leading in ${this.options.master}` : `at ${this.master.toString()}`;
    this.onError(`no master ${where} for ${waitedMs / 1000} s`);
  }

  /** Starts the wait for a master, if a timeout is set and none is running. */
  private startMasterTimer(): void {
    const timeoutMs = this.masterTimeoutMs;
    if (timeoutMs === undefined || this.masterTimer !== undefined) return;
    this.masterTimer = this.delay(timeoutMs, () => {
      this.masterTimer = undefined;
      if (this.state !== 'registered' && this.state !== 'stopped') this.noMaster(timeoutMs);
    });
  }

  /**
   * The detector saw a new leading master, or none (`zk://` masters): the scheduler re-registers
   * with the new one (keeping its framework id and tasks); with none it waits, disconnected.
   */
  detected(leader: DetectedMaster | undefined): void {
    if (this.state === 'stopped') return;
    const pid = leaderPid(leader);
    if (pid.equals(this.master)) return;
    if (pid.equals(NO_MASTER)) this.log.warn({ previous: this.master.toString() }, 'no master is leading; waiting for one to be elected');
    else this.log.info({ master: pid.toString(), previous: this.leaderKnown ? this.master.toString() : undefined }, 'detected a new leading master');
    const wasRegistered = this.state === 'registered';
    if (this.state !== 'registering') this.state = 'disconnected';
    // Told while `master` is still the one lost (a client names it: HA walkthrough).
    if (wasRegistered) this.disconnected();
    this.master = pid;
    this.forgetAuthentication();
    this.startMasterTimer();
    this.retryTimer?.cancel();
    if (!this.leaderKnown) return;
    this.link(this.master);
    this.register(this.backoffFactorMs);
  }

  protected override initialize(): void {
    if (this.detector === undefined && isZooKeeperMaster(this.options.master)) {
      this.detector = masterDetector(this.options.master, { clock: this.clock, logger: this.log }, this.options.zooKeeper ?? connectNodeZooKeeper);
      this.ownsDetector = true;
    }
    const detector = this.detector;
    detector?.onChange((leader) => {
      dispatch(this, (scheduler) => scheduler.detected(leader)).catch(() => undefined); // terminated: nothing to tell
    });
    // It may have found the leader since this scheduler was built (or it was just opened).
    if (detector !== undefined && !this.leaderKnown) this.master = leaderPid(detector.leader);
    this.startMasterTimer();
    if (this.leaderKnown) this.link(this.master);
    // A scheduler started with a framework id is taking over that framework: a failover.
    this.failover = this.framework.id !== undefined;
    this.register(this.backoffFactorMs);
  }

  /** Whether a leading master is known (always, for a `host:port` master). */
  private get leaderKnown(): boolean {
    return !this.master.equals(NO_MASTER);
  }

  protected override finalize(): void {
    // Nobody will answer them now: no caller waits for ever.
    for (const update of this.frameworkUpdatesPending.values()) {
      update.timer.cancel();
      update.reject(new FrameworkUpdateError(`the scheduler stopped (${this.state}) before the master answered UPDATE_FRAMEWORK`, undefined));
    }
    this.frameworkUpdatesPending.clear();
    if (this.ownsDetector) void this.detector?.close();
  }

  protected override exited(pid: UPID): void {
    if (!pid.equals(this.master) || !this.leaderKnown || this.state === 'stopped') return;
    // Said once per loss: while no master is there, each retry's link breaks again at once.
    if (this.state === 'disconnected') this.log.debug({ master: pid.toString() }, 'still no master; will re-register');
    // Never registered: it had no master to lose (a wrong address was said as "lost the master").
    else if (this.state === 'registering') this.log.warn({ master: pid.toString(), masterTimeoutMs: this.options.masterTimeoutMs }, 'cannot reach the master; will keep trying (is it running there, and is the address right?)');
    else this.log.warn({ master: pid.toString() }, 'lost the master; will re-register');
    this.startMasterTimer();
    this.forgetAuthentication();
    const wasRegistered = this.state === 'registered';
    this.state = 'disconnected';
    if (wasRegistered) this.disconnected();
    this.retryTimer?.cancel();
    this.retryTimer = this.delay(this.random.next() * this.backoffFactorMs, () => {
      this.link(this.master);
      this.register(this.backoffFactorMs);
    });
  }

  /** Sends (Re)RegisterFramework now and again after a random share of `backoffMs`, doubling, until answered. */
  private register(backoffMs: number): void {
    // With no leader known, `detected` registers once there is one.
    if (this.state === 'registered' || this.state === 'stopped' || !this.leaderKnown) return;
    if (this.authenticatee !== undefined && !this.authenticated) return this.authenticate(this.authenticatee, backoffMs);
    const suppressed = this.suppressedRolesNow.size > 0 ? { suppressedRoles: [...this.suppressedRolesNow] } : {};
    if (this.framework.id) this.send(this.master, ReregisterFramework, { framework: this.framework, failover: this.failover, ...suppressed });
    else this.send(this.master, RegisterFramework, { framework: this.framework, ...suppressed });
    this.retryRegister(backoffMs);
  }

  /** Registers again after a random share of `backoffMs`, the backoff doubling (capped). */
  private retryRegister(backoffMs: number): void {
    const nextMs = Math.min(backoffMs * 2, SCHEDULER_REGISTRATION_RETRY_MAX_MS);
    this.retryTimer = this.delay(this.random.next() * backoffMs, () => this.register(nextMs));
  }

  /**
   * Authenticates with the current master, then registers. A refusal (wrong secret, or a master
   * that cannot prove it knows ours) is an `error`: retrying would not help. No answer in time
   * is retried with the registration's backoff.
   */
  private authenticate(authenticatee: Authenticatee, backoffMs: number): void {
    if (authenticatee.inProgress) return;
    const master = this.master;
    authenticatee.start(master, (result) => {
      if (!master.equals(this.master) || this.state === 'stopped') return;
      if (result.kind === 'authenticated') {
        this.log.info({ master: master.toString(), principal: authenticatee.principal }, 'authenticated with the master');
        this.authenticated = true;
        this.register(backoffMs);
      } else if (result.kind === 'refused') {
        this.onError(`Master refused authentication as '${authenticatee.principal}': ${result.reason}`);
      } else {
        this.log.warn({ master: master.toString() }, 'authentication timed out; retrying');
        this.retryRegister(backoffMs);
      }
    });
  }

  /** The master must authenticate us again (a new master, or our link to it broke). */
  private forgetAuthentication(): void {
    this.authenticated = false;
    this.authenticatee?.cancel();
  }

  private onRegistered(from: UPID, frameworkId: string, masterInfo: MasterInfo, again: boolean): void {
    if (!this.fromMaster(from) || this.state === 'stopped') return;
    if (this.state === 'registered') return; // a reply to a retried registration
    const known = this.framework.id !== undefined;
    this.framework = { ...this.framework, id: frameworkId };
    this.masterInfo = masterInfo;
    this.state = 'registered';
    this.failover = false;
    this.retryTimer?.cancel();
    this.masterTimer?.cancel();
    this.masterTimer = undefined;
    // Linked again: a reply that outlived the master that sent it (a late one crossing a
    // restart) must not leave us registered with no one: a gone master is an exit at once.
    this.link(this.master);
    if (again || known) this.reregistered(masterInfo);
    else this.registered(frameworkId, masterInfo);
  }

  private onStatusUpdate(update: StatusUpdate, agentPid: string | undefined): void {
    const status: TaskStatus = { ...update.status, ...(update.uuid ? { uuid: update.uuid } : {}), agentId: update.status.agentId ?? update.agentId };
    if (!this.implicitAcknowledgements && update.uuid && agentPid) this.noteUnacknowledged(update.uuid, status.taskId);
    this.statusUpdate(status);
    if (this.implicitAcknowledgements && update.uuid && agentPid && this.state !== 'stopped') this.acknowledge(status);
  }

  /**
   * With implicit acknowledgements off: remembers an update given to `statusUpdate`, and says once
   * per task when one comes again unacknowledged (the task's later updates wait behind it).
   */
  private noteUnacknowledged(uuid: string, taskId: string): void {
    const pending = (this.unacknowledged ??= new Map());
    if (pending.has(uuid)) {
      const warned = (this.warnedUnacknowledged ??= new Set());
      if (!warned.has(taskId) && warned.size < MAX_TRACKED_UNACKNOWLEDGED_UPDATES) {
        warned.add(taskId);
        this.log.warn({ taskId, uuid }, 'a status update came again, not acknowledged: with implicitAcknowledgements off, call acknowledge(status) (the task\'s later updates wait behind it)');
      }
      return;
    }
    if (pending.size < MAX_TRACKED_UNACKNOWLEDGED_UPDATES) pending.set(uuid, taskId);
  }

  private onError(message: string): void {
    this.log.warn({ message }, 'framework error from the master');
    this.error(message);
    this.state = 'stopped';
    this.retryTimer?.cancel();
    this.terminate();
  }

  private fromMaster(from: UPID): boolean {
    if (from.equals(this.master)) return true;
    if (this.detector === undefined && this.reachedAs(from, this.master)) {
      // `--master localhost:5050` and a master advertising 127.0.0.1:5050: one master, its own pid from now on.
      this.log.info({ configured: this.master.toString(), advertised: from.toString() }, 'the master answers from the address it advertised when dialed (confirmed); using it');
      this.master = from;
      return true;
    }
    this.log.warn({ from: from.toString() }, 'ignoring a scheduler message that did not come from the master');
    return false;
  }

  /** True for a message from the master while registered; else logs why it is ignored. */
  private fromConnectedMaster(from: UPID, name: string): boolean {
    if (!this.fromMaster(from)) return false;
    if (this.state === 'registered') return true;
    this.log.info({ name, state: this.state }, 'ignoring a message from the master: not registered with it');
    return false;
  }

  private toMaster<T>(type: { name: string; validate(body: unknown): T }, body: T): void {
    if (this.state === 'stopped') throw new Error('scheduler is stopped');
    if (this.leaderKnown) this.send(this.master, type, body);
  }

  private requireId(): string {
    if (!this.framework.id) throw new Error('the framework is not registered yet');
    return this.framework.id;
  }
}

/** `framework` as the scheduler registers and updates it: roles `*` when it names none, the principal the credential's when it names none. */
function withDefaults(framework: FrameworkInfo, credential: Credential | undefined): FrameworkInfo {
  return {
    ...framework, roles: framework.roles ?? ['*'],
    ...(credential !== undefined && framework.principal === undefined ? { principal: credential.principal } : {}),
  };
}

function list(ids: string | string[]): string[] {
  return typeof ids === 'string' ? [ids] : ids;
}
