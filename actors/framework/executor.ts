/**
 * The executor base actor (Mesos' `MesosExecutorDriver` and `Executor` in one): what a framework
 * author extends to run tasks in an executor process that the agent starts.
 *
 * @example
 *   // my-executor.ts, started by the agent for `executor: { executorId: 'x', command: { value: 'node my-executor.js' } }`
 *   import { Executor, runExecutor } from 'mesos-ts/actors/framework/executor';
 *
 *   class MyExecutor extends Executor {
 *     protected override launchTask(task: TaskInfo): void {
 *       this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_RUNNING' });
 *       // ... do the work, then:
 *       this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_FINISHED', message: 'done' });
 *     }
 *     protected override killTask(taskId: string): void {
 *       this.sendStatusUpdate({ taskId, state: 'TASK_KILLED' });
 *     }
 *     protected override frameworkMessage(data: string): void {
 *       this.sendFrameworkMessage(`echo: ${data}`);
 *     }
 *   }
 *
 *   runExecutor(() => new MyExecutor());
 */
import { Actor, UPID, type BodyOf, type Timer } from '../../lib/actor';
import { ActorHost } from '../../lib/process';
import { tlsOptionsFromEnvironment } from '../../lib/process/tls';
import { parseDuration } from '../../lib/flags';
import { withFields } from '../../lib/with-fields';
import {
  ExecutorRegistered, ExecutorReregistered, ExecutorToFramework, FrameworkToExecutor, KillTaskOnExecutor, ReconnectExecutor,
  RegisterExecutor, ReregisterExecutor, RunTaskGroupOnExecutor, RunTaskOnExecutor, ShutdownExecutorOnExecutor, StatusUpdateAcknowledgement,
  StatusUpdateMessage, statusUpdateBytes,
  type AgentInfo, type ExecutorInfo, type FrameworkInfo, type StatusUpdate, type TaskInfo, type TaskStatus,
} from '../../lib/protocol';
import { TaskChecks, type CheckHost, type ProbeRunner } from './checks';
import { SmallMap } from '../../lib/small-map';

/** The executor re-sends unacknowledged status updates this often (the agent ignores duplicates). */
export const EXECUTOR_STATUS_UPDATE_RETRY_INTERVAL_MS = 10_000;

/** A checkpointing framework's executor waits this long for a restarted agent before shutting down (Mesos `RECOVERY_TIMEOUT`). */
export const EXECUTOR_RECOVERY_TIMEOUT_MS = 15 * 60_000;

/** Time between `shutdown()` and the executor's forced exit, unless the agent says otherwise (Mesos). */
export const DEFAULT_EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS = 5_000;

/** Unacknowledged status updates an executor keeps; `sendStatusUpdate` throws beyond it. */
export const MAX_UNACKNOWLEDGED_UPDATES = 10_000;

/**
 * Bytes of unacknowledged status updates (their `data` and `message`, and `UPDATE_OVERHEAD_BYTES`
 * each) an executor keeps: beyond it, as beyond `MAX_UNACKNOWLEDGED_UPDATES`. The count alone let
 * an HTTP executor (whose updates the agent's adapter keeps) hold 10,000 updates of 3 MiB of data
 * each: a security review took an agent to its heap limit, and every tenant's tasks down with it.
 */
export const MAX_UNACKNOWLEDGED_UPDATE_BYTES = 64 * 1024 * 1024;


/** Who the executor is and where its agent is; read from `MESOS_*` variables by default. */
export interface ExecutorOptions {
  /** Actor id (default `executor`); only simulations running several executors in one host need another. */
  readonly id?: string;
  /** The agent's pid (`MESOS_AGENT_PID`, or `MESOS_SLAVE_PID`). */
  readonly agentPid: string;
  /** The same, parsed: an executor in the agent's own host may be given the agent's UPID itself (not parsed again per executor). */
  readonly agent?: UPID;
  readonly frameworkId: string;
  readonly executorId: string;
  /** The agent's id (`MESOS_AGENT_ID`); learnt at registration anyway. */
  readonly agentId?: string;
  /** The sandbox (`MESOS_DIRECTORY`). */
  readonly directory?: string;
  /** The framework checkpoints: wait `recoveryTimeoutMs` for a restarted agent instead of shutting down at once. */
  readonly checkpoint?: boolean;
  readonly recoveryTimeoutMs?: number;
  /** Time from `shutdown()` to the forced exit (`MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`). */
  readonly shutdownGracePeriodMs?: number;
  readonly statusUpdateRetryIntervalMs?: number;
  /** The agent's token for this run (`MESOS_EXECUTOR_AUTHENTICATION_TOKEN`), sent with the registration. */
  readonly token?: string;
  /** Runs the probes of `startChecks` (default `runProbe`: real commands and sockets); tests script outcomes with it. */
  readonly checkProbes?: ProbeRunner;
}

/** What `sendStatusUpdate` takes: a TaskStatus with at least the task id and state. */
export type ExecutorStatus = Pick<TaskStatus, 'taskId' | 'state'> & Partial<Omit<TaskStatus, 'taskId' | 'state' | 'source' | 'uuid'>>;

/** How a kill should be carried out, from the task's kill policy. */
export interface KillOptions {
  /** SIGTERM-to-SIGKILL grace period, when the task's kill policy gives one. */
  readonly gracePeriodMs?: number;
}

/**
 * Reads the executor's identity from the environment the agent sets (`MESOS_AGENT_PID`,
 * `MESOS_FRAMEWORK_ID`, `MESOS_EXECUTOR_ID`, `MESOS_DIRECTORY`, ...). Throws naming what is missing.
 * The run's token (`MESOS_EXECUTOR_AUTHENTICATION_TOKEN`) is taken out of this process's
 * environment once read, as Mesos' executor library erases it: the tasks the executor starts
 * inherit its environment, and a task that prints it would give the token away.
 */
export function executorOptionsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): ExecutorOptions {
  const required = (name: string, fallback?: string): string => {
    const value = environment[name] ?? (fallback === undefined ? undefined : environment[fallback]);
    if (value === undefined || value === '') throw new Error(`executor: ${name} is not set (is this process started by an agent?)`);
    return value;
  };
  const options: { -readonly [K in keyof ExecutorOptions]: ExecutorOptions[K] } = {
    agentPid: required('MESOS_AGENT_PID', 'MESOS_SLAVE_PID'),
    frameworkId: required('MESOS_FRAMEWORK_ID'),
    executorId: required('MESOS_EXECUTOR_ID'),
    checkpoint: environment.MESOS_CHECKPOINT === '1',
  };
  const agentId = environment.MESOS_AGENT_ID ?? environment.MESOS_SLAVE_ID;
  if (agentId) options.agentId = agentId;
  if (environment.MESOS_DIRECTORY) options.directory = environment.MESOS_DIRECTORY;
  const grace = environment.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD;
  if (grace) options.shutdownGracePeriodMs = durationFromEnvironment('MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD', grace);
  if (environment.MESOS_EXECUTOR_AUTHENTICATION_TOKEN) options.token = environment.MESOS_EXECUTOR_AUTHENTICATION_TOKEN;
  if (environment === process.env) delete process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN;
  const recovery = environment.MESOS_RECOVERY_TIMEOUT;
  if (recovery) options.recoveryTimeoutMs = durationFromEnvironment('MESOS_RECOVERY_TIMEOUT', recovery);
  return options;
}

/**
 * The executor base actor, id `executor`. It registers with its agent at start, then calls the
 * callbacks below as the agent's messages arrive, one at a time, in its mailbox. Subclasses
 * implement `launchTask` and `killTask` and override the others as needed; they report with
 * `sendStatusUpdate`, talk to their scheduler with `sendFrameworkMessage`, and end with `stop`.
 *
 * Status updates are kept until the agent acknowledges them and re-sent every 10 s meanwhile.
 * When the agent goes away the executor shuts down: at once, or, for a checkpointing framework,
 * after `recoveryTimeoutMs` unless a restarted agent reconnects.
 */
export abstract class Executor extends Actor {
  /** Identity and timeouts. */
  protected readonly options: ExecutorOptions;
  /** The agent's pid (a reconnecting agent may bring a new one). */
  private agent: UPID;
  /** The agent's id, known from the environment or registration. */
  private agentId: string | undefined;
  /** Registered (or re-registered) with the agent and not since disconnected. */
  private connected = false;
  /** After shutdown: every message is ignored. */
  private aborted = false;
  /** Counts connections, so a stale recovery timeout can tell it is stale. */
  private connection = 0;
  /** Updates sent and not yet acknowledged, by uuid, oldest first (small: a command executor's are a few at a time). */
  private readonly unacknowledged: Map<string, StatusUpdate> = new SmallMap();
  /** What `unacknowledged` weighs (`statusUpdateBytes`), bounded by `MAX_UNACKNOWLEDGED_UPDATE_BYTES`. */
  private unacknowledgedBytes = 0;

  /** Keeps `update` until the agent acknowledges it (a re-sent uuid replaces the one kept). */
  private keepUnacknowledged(update: StatusUpdate & { uuid: string }): void {
    const kept = this.unacknowledged.get(update.uuid);
    if (kept !== undefined) this.unacknowledgedBytes -= statusUpdateBytes(kept);
    this.unacknowledged.set(update.uuid, update);
    this.unacknowledgedBytes += statusUpdateBytes(update);
  }
  /** Tasks received whose updates the agent has not yet acknowledged (small: a command executor runs one). */
  private readonly tasks: Map<string, TaskInfo> = new SmallMap();
  /** Re-sends unacknowledged updates while any exist. */
  private retryTimer: Timer | undefined;

  /** @param options identity and timeouts; default: read from the environment the agent set. */
  constructor(options: ExecutorOptions = executorOptionsFromEnvironment()) {
    super(options.id ?? 'executor');
    this.options = options;
    this.agent = options.agent ?? UPID.parse(options.agentPid);
    this.agentId = options.agentId;
    this.install(ExecutorRegistered, this.onRegistered);
    this.install(ExecutorReregistered, this.onReregistered);
    this.install(ReconnectExecutor, this.onReconnect);
    this.install(RunTaskOnExecutor, this.onRunTask);
    this.install(RunTaskGroupOnExecutor, this.onRunTaskGroup);
    this.install(KillTaskOnExecutor, this.onKillTask);
    this.install(StatusUpdateAcknowledgement, this.onAcknowledgement);
    this.install(FrameworkToExecutor, this.onFrameworkMessage);
    this.install(ShutdownExecutorOnExecutor, this.onShutdown);
  }

  // ---- callbacks for subclasses ---------------------------------------------------------------

  /** The agent accepted the registration. */
  protected registered(_executorInfo: ExecutorInfo, _frameworkInfo: FrameworkInfo, _agentInfo: AgentInfo): void {}
  /** A restarted agent accepted the re-registration. */
  protected reregistered(_agentInfo: AgentInfo): void {}
  /** Run this task; report its progress with `sendStatusUpdate`. */
  protected abstract launchTask(task: TaskInfo): void;
  /**
   * Run this task group (LAUNCH_GROUP): its tasks start together. By default each is launched
   * with `launchTask`, in order; the default executor overrides it to run the group as a unit.
   */
  protected launchTaskGroup(tasks: readonly TaskInfo[]): void {
    for (const task of tasks) this.launchTask(task);
  }
  /** Kill this task and report a terminal state (usually TASK_KILLED). */
  protected abstract killTask(taskId: string, options: KillOptions): void;
  /** A message from the scheduler. */
  protected frameworkMessage(_data: string): void {}
  /** Shut down: kill every task. The process exits after the shutdown grace period regardless. */
  protected shutdown(): void {}
  /** Something went wrong that the executor cannot recover from. */
  protected error(message: string): void {
    this.log.error({ message }, 'executor error');
  }
  /** The agent acknowledged an update (an extension over Mesos' callbacks; the command executor exits on its terminal one). */
  protected acknowledged(_update: StatusUpdate): void {}

  // ---- calls for subclasses -----------------------------------------------------------------

  /**
   * Sends a task's status to the agent: stamps uuid, timestamps, executor id and source
   * SOURCE_EXECUTOR, keeps it until acknowledged, re-sends it meanwhile. Returns the uuid.
   * Throws for TASK_STAGING (only the master uses it) or too many unacknowledged updates.
   */
  protected sendStatusUpdate(status: ExecutorStatus): string {
    if (status.state === 'TASK_STAGING') throw new Error('an executor may not send TASK_STAGING');
    if (this.unacknowledged.size >= MAX_UNACKNOWLEDGED_UPDATES) throw new Error(`more than ${MAX_UNACKNOWLEDGED_UPDATES} unacknowledged status updates`);
    const update = this.newUpdate(status);
    if (this.unacknowledgedBytes > 0 && this.unacknowledgedBytes + statusUpdateBytes(update) > MAX_UNACKNOWLEDGED_UPDATE_BYTES) {
      throw new Error(`more than ${MAX_UNACKNOWLEDGED_UPDATE_BYTES} bytes of unacknowledged status updates`);
    }
    this.keepUnacknowledged(update as StatusUpdate & { uuid: string });
    if (this.connected) this.send(this.agent, StatusUpdateMessage, { update, pid: this.self().toString() });
    this.armRetry();
    return update.uuid as string;
  }

  /**
   * Keeps and sends a status update made elsewhere, with its own uuid, as `sendStatusUpdate`
   * keeps and sends its own: re-sent until the agent acknowledges it (then `acknowledged` is
   * called with it). The v1 executor API's adapter relays an HTTP executor's UPDATE calls so.
   * Returns false (nothing sent) when `MAX_UNACKNOWLEDGED_UPDATES` are waiting already.
   */
  protected forwardStatusUpdate(update: StatusUpdate & { uuid: string }): boolean {
    if (!this.unacknowledged.has(update.uuid)) {
      if (this.unacknowledged.size >= MAX_UNACKNOWLEDGED_UPDATES) return false;
      if (this.unacknowledgedBytes > 0 && this.unacknowledgedBytes + statusUpdateBytes(update) > MAX_UNACKNOWLEDGED_UPDATE_BYTES) return false;
    }
    this.keepUnacknowledged(update);
    if (this.connected) this.send(this.agent, StatusUpdateMessage, { update, pid: this.self().toString() });
    this.armRetry();
    return true;
  }

  /**
   * Sends `data` to the framework's scheduler (through the agent and the master). Before the
   * executor has registered (it knows no agent id yet) the message is dropped with a warning,
   * as Mesos' executor driver drops it while disconnected.
   */
  protected sendFrameworkMessage(data: string): void {
    if (this.agentId === undefined) {
      this.log.warn({ bytes: data.length }, 'dropping a framework message: the executor has not registered with its agent yet');
      return;
    }
    const message = { agentId: this.agentId, frameworkId: this.options.frameworkId, executorId: this.options.executorId, data };
    this.send(this.agent, ExecutorToFramework, message);
  }

  /**
   * Starts the task's health check and general check, if its TaskInfo has any (Mesos' command
   * executor semantics, see `checks.ts`), on this actor's clock; returns them so the caller can
   * `stop()` them when the task is killed or ends, or undefined when the task has none. Call it
   * once the task runs (the grace period counts from now). Each change of health is sent as
   * TASK_RUNNING with `healthy` (reason `REASON_TASK_HEALTH_CHECK_STATUS_UPDATED`), each new check
   * result as TASK_RUNNING with `checkStatus` (reason `REASON_TASK_CHECK_STATUS_UPDATED`); after
   * the health check's `consecutiveFailures`, `taskUnhealthy` is called (by default: `killTask`).
   *
   * @param environment the task's environment, which command probes inherit.
   * @param sandbox command probes' working directory and MESOS_SANDBOX (default: the executor's sandbox).
   * @example
   *   protected override launchTask(task: TaskInfo): void {
   *     startMyServer(task);
   *     this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_RUNNING' });
   *     this.checks.set(task.taskId, this.startChecks(task)); // stop them in killTask
   *   }
   */
  protected startChecks(task: TaskInfo, environment: Readonly<Record<string, string>> = {}, sandbox: string = this.options.directory ?? process.cwd()): TaskChecks | undefined {
    if (task.healthCheck === undefined && task.check === undefined) return undefined;
    const taskId = task.taskId;
    const checks: TaskChecks = new TaskChecks(task, {
      host: this.checkHost(),
      sandbox,
      environment,
      ...(this.options.checkProbes === undefined ? {} : { probes: this.options.checkProbes }),
    }, {
      healthChanged: (healthy) => {
        this.log.info({ taskId, healthy }, 'task health changed');
        this.sendStatusUpdate({ taskId, state: 'TASK_RUNNING', reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', ...checks.statusFields(), healthy });
      },
      checkUpdated: (checkStatus) => {
        this.sendStatusUpdate({ taskId, state: 'TASK_RUNNING', reason: 'REASON_TASK_CHECK_STATUS_UPDATED', ...checks.statusFields(), checkStatus });
      },
      unhealthy: (consecutiveFailures) => {
        this.log.warn({ taskId, consecutiveFailures }, 'the task failed its health check too often; killing it');
        this.taskUnhealthy(taskId);
      },
    }, (reason) => this.log.info({ taskId, reason }, 'a check failed'));
    checks.start();
    return checks;
  }

  /**
   * A task's health check failed its `consecutiveFailures` times in a row (see `startChecks`);
   * the default kills it with `killTask`. The command executor also marks its terminal update.
   */
  protected taskUnhealthy(taskId: string): void {
    this.killTask(taskId, {});
  }

  /** Stops the executor: the actor terminates and `runExecutor` exits the process. */
  protected stop(): void {
    this.aborted = true;
    this.terminate();
  }

  /** True while a checkpointing framework's executor waits for its agent to come back (reconnect). */
  protected get waitingForAgent(): boolean {
    return !this.connected && !this.aborted && this.options.checkpoint === true && this.agentId !== undefined;
  }

  /**
   * Whether the agent's acknowledgements still reach `acknowledged` after SHUTDOWN. False: as
   * Mesos' executor driver, the executor then ignores every message. The v1 executor API's
   * adapter says true: Mesos' agent acknowledges a terminating HTTP executor's updates (the
   * TASK_KILLED of its tasks), and the executor hears ACKNOWLEDGED.
   */
  protected get hearsAcknowledgementsAfterShutdown(): boolean {
    return false;
  }

  /** The agent's pid. */
  protected get agentPid(): UPID {
    return this.agent;
  }

  /** Updates not yet acknowledged, oldest first. */
  protected get unacknowledgedUpdates(): readonly StatusUpdate[] {
    return [...this.unacknowledged.values()];
  }

  // ---- the driver ---------------------------------------------------------------------------

  protected override initialize(): void {
    this.link(this.agent);
    this.send(this.agent, RegisterExecutor, {
      frameworkId: this.options.frameworkId, executorId: this.options.executorId, ...(this.options.token !== undefined ? { token: this.options.token } : {}),
    });
  }

  protected override exited(pid: UPID): void {
    if (this.aborted || !pid.equals(this.agent)) return;
    if (this.options.checkpoint && this.connected) {
      this.connected = false;
      const connection = this.connection;
      const timeoutMs = this.options.recoveryTimeoutMs ?? EXECUTOR_RECOVERY_TIMEOUT_MS;
      this.log.warn({ timeoutMs }, 'agent exited; waiting for it to reconnect');
      this.delay(timeoutMs, () => {
        if (!this.connected && this.connection === connection) this.beginShutdown('the agent did not reconnect in time');
      });
      return;
    }
    this.connected = false;
    this.beginShutdown('the agent exited');
  }

  private onRegistered(from: UPID, message: BodyOf<typeof ExecutorRegistered>): void {
    if (this.aborted || !from.equals(this.agent)) return;
    this.connected = true;
    this.connection++;
    this.agentId = message.agentId;
    this.registered(message.executorInfo, message.frameworkInfo, message.agentInfo);
    this.resendUnacknowledged();
  }

  private onReregistered(from: UPID, message: BodyOf<typeof ExecutorReregistered>): void {
    if (this.aborted || !from.equals(this.agent)) return;
    this.connected = true;
    this.connection++;
    this.agentId = message.agentId;
    this.reregistered(message.agentInfo);
    this.resendUnacknowledged();
  }

  private onReconnect(from: UPID, message: BodyOf<typeof ReconnectExecutor>): void {
    if (this.aborted) return;
    this.log.info({ agent: from.toString(), agentId: message.agentId }, 'agent asked to reconnect');
    this.agent = from;
    this.link(from);
    this.send(from, ReregisterExecutor, {
      frameworkId: this.options.frameworkId, executorId: this.options.executorId,
      tasks: [...this.tasks.values()], updates: [...this.unacknowledged.values()],
    });
  }

  private onRunTask(from: UPID, message: BodyOf<typeof RunTaskOnExecutor>): void {
    if (this.aborted || !this.connected || !from.equals(this.agent)) {
      this.log.warn({ taskId: message.task.taskId }, 'ignoring a task: not connected to the agent');
      return;
    }
    this.tasks.set(message.task.taskId, message.task);
    this.launchTask(message.task);
  }

  private onRunTaskGroup(from: UPID, message: BodyOf<typeof RunTaskGroupOnExecutor>): void {
    if (this.aborted || !this.connected || !from.equals(this.agent)) {
      this.log.warn({ taskIds: message.taskGroup.tasks.map((task) => task.taskId) }, 'ignoring a task group: not connected to the agent');
      return;
    }
    for (const task of message.taskGroup.tasks) this.tasks.set(task.taskId, task);
    this.launchTaskGroup(message.taskGroup.tasks);
  }

  private onKillTask(from: UPID, message: BodyOf<typeof KillTaskOnExecutor>): void {
    if (this.aborted || !from.equals(this.agent)) return;
    const options = message.gracePeriodSeconds === undefined ? {} : { gracePeriodMs: message.gracePeriodSeconds * 1000 };
    this.killTask(message.taskId, options);
  }

  private onAcknowledgement(from: UPID, message: BodyOf<typeof StatusUpdateAcknowledgement>): void {
    if ((this.aborted && !this.hearsAcknowledgementsAfterShutdown) || !from.equals(this.agent)) return;
    const update = this.unacknowledged.get(message.uuid);
    if (update === undefined) {
      this.log.warn({ uuid: message.uuid, taskId: message.taskId }, 'ignoring an acknowledgement for an unknown update');
      return;
    }
    const acknowledged = this.unacknowledged.get(message.uuid);
    if (acknowledged !== undefined) this.unacknowledgedBytes -= statusUpdateBytes(acknowledged);
    this.unacknowledged.delete(message.uuid);
    this.tasks.delete(message.taskId);
    if (this.unacknowledged.size === 0) {
      this.retryTimer?.cancel();
      this.retryTimer = undefined;
    }
    this.acknowledged(update);
  }

  private onFrameworkMessage(from: UPID, message: BodyOf<typeof FrameworkToExecutor>): void {
    if (this.aborted || !this.connected || !from.equals(this.agent)) return;
    this.frameworkMessage(message.data);
  }

  private onShutdown(from: UPID, message: BodyOf<typeof ShutdownExecutorOnExecutor>): void {
    if (this.aborted || !from.equals(this.agent)) return;
    const gracePeriodMs = message.gracePeriodSeconds === undefined ? undefined : message.gracePeriodSeconds * 1000;
    this.beginShutdown('the agent asked', gracePeriodMs);
  }

  /** Calls `shutdown()`, then terminates after the grace period (Mesos' ShutdownProcess). */
  private beginShutdown(reason: string, gracePeriodMs?: number): void {
    this.log.info({ reason }, 'executor shutting down');
    const graceMs = gracePeriodMs ?? this.options.shutdownGracePeriodMs ?? DEFAULT_EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS;
    this.delay(graceMs, () => this.stop());
    try {
      this.shutdown();
    } finally {
      this.aborted = true;
    }
  }

  /** This actor's clock, timers and deferral, for checkers. */
  private checkHost(): CheckHost {
    return {
      now: () => this.clock.now(),
      delay: (ms, callback) => this.delay(ms, callback),
      defer: (promise, then, onError) => this.defer(promise, then, onError),
    };
  }

  /** Effective shutdown grace period (what the agent set, or the default). */
  protected get shutdownGracePeriodMs(): number {
    return this.options.shutdownGracePeriodMs ?? DEFAULT_EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS;
  }

  private newUpdate(status: ExecutorStatus): StatusUpdate {
    const timestamp = this.clock.now() / 1000;
    const uuid = this.host.newUuid();
    // Every field in one go: a property added to the copy afterwards cost more than the copy (lib/with-fields.ts).
    const agentId = this.agentId;
    const executorId = this.options.executorId;
    const frameworkId = this.options.frameworkId;
    if (agentId === undefined) {
      const full: TaskStatus = withFields(status, { source: 'SOURCE_EXECUTOR' as const, executorId, timestamp: status.timestamp ?? timestamp, uuid });
      return { frameworkId, executorId, status: full, timestamp, uuid };
    }
    const full: TaskStatus = withFields(status, { source: 'SOURCE_EXECUTOR' as const, executorId, timestamp: status.timestamp ?? timestamp, uuid, agentId });
    return { frameworkId, executorId, status: full, timestamp, uuid, agentId };
  }

  private armRetry(): void {
    if (this.retryTimer !== undefined) return;
    const intervalMs = this.options.statusUpdateRetryIntervalMs ?? EXECUTOR_STATUS_UPDATE_RETRY_INTERVAL_MS;
    // A method, not a closure (and its scope) per executor.
    this.retryTimer = this.delayWith(intervalMs, this.retryDue, undefined);
  }

  private retryDue(): void {
    this.retryTimer = undefined;
    if (this.unacknowledged.size === 0) return;
    this.resendUnacknowledged();
    this.armRetry();
  }

  private resendUnacknowledged(): void {
    if (!this.connected) return;
    for (const update of this.unacknowledged.values()) this.send(this.agent, StatusUpdateMessage, { update, pid: this.self().toString() });
  }
}

/**
 * The `main()` of an executor program: starts an actor host on a free port (on the agent's IP,
 * from `MESOS_AGENT_PID`; over TLS when the agent passes `LIBPROCESS_SSL_*` variables), spawns
 * the executor, and exits the process when it terminates (code 0) or on SIGINT/SIGTERM.
 * Resolves once the executor is spawned.
 *
 * @example runExecutor(() => new MyExecutor());
 */
export async function runExecutor(create: () => Executor): Promise<void> {
  const agentPid = process.env.MESOS_AGENT_PID ?? process.env.MESOS_SLAVE_PID;
  const ip = agentPid === undefined ? undefined : UPID.tryParse(agentPid)?.host;
  const tls = tlsOptionsFromEnvironment();
  const host = await ActorHost.start({ port: 0, ...(ip === undefined ? {} : { ip }), ...(tls === undefined ? {} : { tls }) });
  const executor = create();
  host.spawn(executor);
  host.installSignalHandlers();
  void host.wait(executor).then(async () => {
    await host.stop();
    process.exit(0);
  });
}

/** A duration from the environment in ms (Mesos' syntax, see `parseDuration`); throws naming the variable. */
function durationFromEnvironment(name: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new Error(`executor: ${name}: ${(error as Error).message}`);
  }
}
