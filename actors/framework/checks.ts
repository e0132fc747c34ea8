/**
 * Health checks and general checks of a task, run inside an executor actor (Mesos'
 * `HealthChecker` and `Checker`), on the actor's clock: under a virtual clock they run in
 * virtual time, and tests inject a `ProbeRunner` that scripts each probe's outcome.
 *
 * Timing, as Mesos: the first probe runs `delay` after the checks start (the task's launch);
 * the next one `interval` after the previous one ended or timed out; a probe still running
 * after `timeout` (0: never) is aborted and counts as a failure (a general check then reports
 * an empty result).
 *
 * Health: a probe passes on exit code 0 (COMMAND), an HTTP status 200–399 (HTTP) or an opened
 * connection (TCP). Failures within the grace period from launch are ignored until a probe has
 * passed. The first result and every change of health are reported (`healthChanged`); after
 * `consecutiveFailures` failures in a row `unhealthy` is called (the executor kills the task)
 * and probing stops. General checks report their result (`CheckStatusInfo`) whenever it
 * differs from the last one reported, and never act on it.
 *
 * @example
 *   // inside an Executor subclass (see Executor.startChecks, which does this wiring):
 *   const checks = new TaskChecks(task, { host: this.checkHost(), sandbox, environment: {}, probes: runProbe }, {
 *     healthChanged: (healthy) => this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_RUNNING', healthy }),
 *     checkUpdated: (checkStatus) => this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_RUNNING', checkStatus }),
 *     unhealthy: () => this.killTask(task.taskId, {}),
 *   });
 *   checks.start();
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Timer } from '../../lib/actor';
import { ClockSetBack } from '../../lib/process/clock';
import {
  emptyCheckStatus, encodeCheckPath, httpStatusPasses, resolveCheck, resolveHealthCheck,
  type CheckProbe, type CheckStatusInfo, type ResolvedCheck, type ResolvedHealthCheck, type TaskInfo,
} from '../../lib/protocol';

/** Where probes reach a task's HTTP and TCP ports (Mesos: the task's address, in most cases 127.0.0.1). */
export const CHECK_PROBE_HOST = '127.0.0.1';

/** What a checker needs of the actor it runs in: its clock, timers in its mailbox, and deferral into it. */
export interface CheckHost {
  now(): number;
  delay(ms: number, callback: () => void): Timer;
  defer<T>(promise: Promise<T>, then: (value: T) => void, onError: (error: Error) => void): void;
}

/** Where one probe runs, and how it is told to give up. */
export interface ProbeContext {
  /** The task's sandbox: a command probe's working directory. */
  readonly sandbox: string;
  /** The task's environment, under the probe command's own. */
  readonly environment: Readonly<Record<string, string>>;
  /** Aborted when the probe times out or the checks stop: the probe must end (kill its process, close its socket). */
  readonly signal: AbortSignal;
}

/** What one probe found. */
export type ProbeOutcome =
  /** `exitCode` is undefined when the command was ended by a signal. */
  | { readonly type: 'COMMAND'; readonly exitCode: number | undefined }
  | { readonly type: 'HTTP'; readonly statusCode: number }
  | { readonly type: 'TCP'; readonly succeeded: boolean };

/**
 * Runs one probe. Rejects when the probe could not be made at all (a command that cannot be
 * started, an HTTP request without an answer): a failed health check, an empty check result.
 */
export type ProbeRunner = (probe: CheckProbe, context: ProbeContext) => Promise<ProbeOutcome>;

/** How a task's checks run. */
export interface TaskChecksEnvironment {
  readonly host: CheckHost;
  readonly sandbox: string;
  /** The task's environment (its command's), which command probes inherit. */
  readonly environment: Readonly<Record<string, string>>;
  /** Default `runProbe` (real processes and sockets). */
  readonly probes?: ProbeRunner;
}

/** What a task's checks report. */
export interface TaskChecksCallbacks {
  /** The health check's first result, and each change of health after it. */
  healthChanged(healthy: boolean, consecutiveFailures: number): void;
  /** The general check's result changed (the first one counts as a change from empty). */
  checkUpdated(checkStatus: CheckStatusInfo): void;
  /** The health check failed `consecutiveFailures` times in a row: kill the task. Health checking has stopped. */
  unhealthy(consecutiveFailures: number): void;
}

/** One probe's result: its outcome, or why there is none (timed out, could not run). */
type ProbeResult = { readonly outcome: ProbeOutcome } | { readonly failure: string };

/**
 * Runs one probe after another on the actor's clock: the first after `delayMs`, each next one
 * `intervalMs` after the previous one ended; a probe running longer than `timeoutMs` is aborted.
 */
class ProbeLoop {
  /** The next probe, or the running probe's timeout. */
  private timer: Timer | undefined;
  /** Aborts the running probe. */
  private running: AbortController | undefined;
  /** Numbers probes, so that a late answer of an aborted one is ignored. */
  private attempt = 0;
  /** After `stop`: nothing more runs or is reported. */
  private stopped = false;

  constructor(
    private readonly check: ResolvedCheck,
    private readonly environment: TaskChecksEnvironment,
    private readonly onResult: (result: ProbeResult) => void,
  ) {}

  start(): void {
    this.schedule(this.check.delayMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.running?.abort();
    this.running = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.environment.host.delay(ms, () => this.probe());
  }

  private probe(): void {
    const attempt = ++this.attempt;
    const controller = new AbortController();
    this.running = controller;
    const context: ProbeContext = { sandbox: this.environment.sandbox, environment: this.environment.environment, signal: controller.signal };
    const runner = this.environment.probes ?? runProbe;
    this.environment.host.defer(
      runner(this.check.probe, context),
      (outcome) => this.finish(attempt, { outcome }),
      (error) => this.finish(attempt, { failure: error.message }),
    );
    if (this.check.timeoutMs > 0) {
      this.timer = this.environment.host.delay(this.check.timeoutMs, () => {
        controller.abort();
        this.finish(attempt, { failure: `timed out after ${this.check.timeoutMs} ms` });
      });
    }
  }

  private finish(attempt: number, result: ProbeResult): void {
    if (this.stopped || attempt !== this.attempt || this.running === undefined) return;
    // Whatever the probe still holds (a connection, a process) goes: its result is in.
    this.running.abort();
    this.running = undefined;
    this.timer?.cancel();
    this.onResult(result);
    this.schedule(this.check.intervalMs);
  }
}

/** Health as Mesos' `HealthChecker` keeps it: results → healthy / unhealthy / kill. */
class HealthChecker {
  private readonly loop: ProbeLoop;
  /** When the checks started (the task's launch), for the grace period; in the frame of the clock's latest reading (see `elapsedMs`). */
  private startedAtMs: number;
  /** Notices the clock set back (see `elapsedMs`). */
  private readonly setBack = new ClockSetBack();
  /** The health last reported; undefined before the first result. */
  private healthy: boolean | undefined;
  /** A probe has passed: the grace period no longer applies. */
  private passedOnce = false;
  private consecutiveFailures = 0;

  constructor(
    private readonly check: ResolvedHealthCheck,
    private readonly environment: TaskChecksEnvironment,
    private readonly callbacks: Pick<TaskChecksCallbacks, 'healthChanged' | 'unhealthy'>,
    private readonly onFailure: (reason: string) => void,
  ) {
    this.startedAtMs = environment.host.now();
    this.setBack.read(this.startedAtMs);
    this.loop = new ProbeLoop(check, environment, (result) => this.result(result));
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private result(result: ProbeResult): void {
    const failure = 'failure' in result ? result.failure : healthFailure(result.outcome);
    if (failure === undefined) return this.passed();
    this.failed(failure);
  }

  private passed(): void {
    this.elapsedMs();
    this.passedOnce = true;
    this.consecutiveFailures = 0;
    if (this.healthy === true) return;
    this.healthy = true;
    this.callbacks.healthChanged(true, 0);
  }

  /**
   * Time since the check started. A reading earlier than the last one says the clock was set
   * back: the start moves back as far (the grace period then grows by at most the time since the
   * last probe, not by the step).
   */
  private elapsedMs(): number {
    const nowMs = this.environment.host.now();
    this.startedAtMs += this.setBack.read(nowMs);
    return nowMs - this.startedAtMs;
  }

  private failed(reason: string): void {
    const inGracePeriod = this.elapsedMs() <= this.check.gracePeriodMs;
    if (!this.passedOnce && this.check.gracePeriodMs > 0 && inGracePeriod) {
      this.onFailure(`${reason} (ignored: in the grace period)`);
      return;
    }
    this.consecutiveFailures++;
    this.onFailure(`${reason} (${this.consecutiveFailures} in a row)`);
    if (this.healthy !== false) {
      this.healthy = false;
      this.callbacks.healthChanged(false, this.consecutiveFailures);
    }
    if (this.consecutiveFailures >= this.check.consecutiveFailures) {
      this.loop.stop();
      this.callbacks.unhealthy(this.consecutiveFailures);
    }
  }
}

/**
 * A task's health check and general check, as its TaskInfo gives them (either may be absent).
 * Construct it when the task is launched (the grace period counts from then), `start` it, and
 * `stop` it when the task is killed or ends. The latest results are kept for updates that
 * should carry them (`statusFields`).
 */
export class TaskChecks {
  private readonly health: HealthChecker | undefined;
  private readonly general: ProbeLoop | undefined;
  /** The latest general check result (empty until the first one), when the task has a check. */
  private checkStatus: CheckStatusInfo | undefined;
  /** The latest health, once known. */
  private healthy: boolean | undefined;

  /**
   * Throws when the task's checks are invalid (the master rejects those before launch).
   * @param log told why each failing probe failed.
   */
  constructor(task: TaskInfo, environment: TaskChecksEnvironment, private readonly callbacks: TaskChecksCallbacks, log: (reason: string) => void = () => undefined) {
    if (task.healthCheck !== undefined) {
      const healthCallbacks = {
        healthChanged: (healthy: boolean, failures: number): void => {
          this.healthy = healthy;
          callbacks.healthChanged(healthy, failures);
        },
        unhealthy: (failures: number): void => callbacks.unhealthy(failures),
      };
      this.health = new HealthChecker(resolveHealthCheck(task.healthCheck), environment, healthCallbacks, (reason) => log(`health check: ${reason}`));
    }
    if (task.check !== undefined) {
      const check = resolveCheck(task.check);
      this.checkStatus = emptyCheckStatus(check.probe.type);
      this.general = new ProbeLoop(check, environment, (result) => this.checked(check, result));
    }
  }

  /** Whether the task has any check to run. */
  get any(): boolean {
    return this.health !== undefined || this.general !== undefined;
  }

  /** Starts probing (each after its delay). */
  start(): void {
    this.health?.start();
    this.general?.start();
  }

  /** Stops probing; nothing more is reported. Idempotent. */
  stop(): void {
    this.health?.stop();
    this.general?.stop();
  }

  /** What an update of the task should carry: the latest check status (empty before a result) and health. */
  statusFields(): { checkStatus?: CheckStatusInfo; healthy?: boolean } {
    return {
      ...(this.checkStatus === undefined ? {} : { checkStatus: this.checkStatus }),
      ...(this.healthy === undefined ? {} : { healthy: this.healthy }),
    };
  }

  private checked(check: ResolvedCheck, result: ProbeResult): void {
    const status = 'failure' in result ? emptyCheckStatus(check.probe.type) : checkStatusOf(result.outcome);
    if (JSON.stringify(status) === JSON.stringify(this.checkStatus)) return;
    this.checkStatus = status;
    this.callbacks.checkUpdated(status);
  }
}

/** Why an outcome fails a health check, or undefined when it passes. */
export function healthFailure(outcome: ProbeOutcome): string | undefined {
  if (outcome.type === 'COMMAND') {
    if (outcome.exitCode === 0) return undefined;
    return outcome.exitCode === undefined ? 'the command was killed by a signal' : `the command exited with status ${outcome.exitCode}`;
  }
  if (outcome.type === 'HTTP') return httpStatusPasses(outcome.statusCode) ? undefined : `unexpected HTTP status ${outcome.statusCode}`;
  return outcome.succeeded ? undefined : 'the TCP connection failed';
}

/** A general check's status for an outcome. */
export function checkStatusOf(outcome: ProbeOutcome): CheckStatusInfo {
  if (outcome.type === 'COMMAND') return { type: 'COMMAND', command: outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode } };
  if (outcome.type === 'HTTP') return { type: 'HTTP', http: { statusCode: outcome.statusCode } };
  return { type: 'TCP', tcp: { succeeded: outcome.succeeded } };
}

// ---- the real probes ----------------------------------------------------------------------

/**
 * The real `ProbeRunner`: a command in its own process group in the sandbox, with the task's
 * environment (killed, group and all, when aborted); an HTTP GET of
 * `scheme://127.0.0.1:port/path` (HTTPS without verifying the certificate, as Mesos' `curl -k`);
 * a TCP connection to `127.0.0.1:port`.
 */
export const runProbe: ProbeRunner = (probe, context) => {
  if (probe.type === 'COMMAND') return runCommandProbe(probe, context);
  if (probe.type === 'HTTP') return runHttpProbe(probe, context);
  return runTcpProbe(probe, context);
};

function runCommandProbe(probe: Extract<CheckProbe, { type: 'COMMAND' }>, context: ProbeContext): Promise<ProbeOutcome> {
  const { command } = probe;
  const [argv0, ...rest] = command.arguments ?? [];
  const [file, args] = command.shell === false ? [command.value, rest] : ['/bin/sh', ['-c', command.value]];
  return new Promise<ProbeOutcome>((resolve, reject) => {
    const child = spawn(file, args, {
      ...(command.shell === false && argv0 !== undefined ? { argv0 } : {}),
      cwd: context.sandbox,
      env: { ...process.env, ...context.environment, ...(command.environment ?? {}), MESOS_SANDBOX: context.sandbox },
      detached: true,
      stdio: 'ignore',
    });
    const abort = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    };
    context.signal.addEventListener('abort', abort, { once: true });
    child.once('error', (error) => {
      context.signal.removeEventListener('abort', abort);
      reject(error);
    });
    child.once('exit', (code) => {
      context.signal.removeEventListener('abort', abort);
      abort(); // whatever the probe left in its group ends with it
      resolve({ type: 'COMMAND', exitCode: code ?? undefined });
    });
  });
}

function runHttpProbe(probe: Extract<CheckProbe, { type: 'HTTP' }>, context: ProbeContext): Promise<ProbeOutcome> {
  return new Promise<ProbeOutcome>((resolve, reject) => {
    const options = { host: CHECK_PROBE_HOST, port: probe.port, path: encodeCheckPath(probe.path), method: 'GET', signal: context.signal, headers: { Connection: 'close' } };
    const request = probe.scheme === 'https'
      ? https.request({ ...options, rejectUnauthorized: false })
      : http.request(options);
    request.once('response', (response) => {
      // The status is all a probe needs: the connection goes now, however long the body streams.
      const statusCode = response.statusCode ?? 0;
      response.destroy();
      request.destroy();
      resolve({ type: 'HTTP', statusCode });
    });
    // `on`, not `once`: a destroyed request may report an error after the result (ignored then).
    request.on('error', reject);
    request.end();
  });
}

function runTcpProbe(probe: Extract<CheckProbe, { type: 'TCP' }>, context: ProbeContext): Promise<ProbeOutcome> {
  return new Promise<ProbeOutcome>((resolve) => {
    const socket = net.connect({ host: CHECK_PROBE_HOST, port: probe.port });
    const done = (succeeded: boolean): void => {
      context.signal.removeEventListener('abort', aborted);
      socket.destroy();
      resolve({ type: 'TCP', succeeded });
    };
    const aborted = (): void => done(false);
    context.signal.addEventListener('abort', aborted, { once: true });
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
