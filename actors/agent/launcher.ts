/**
 * Starts executor processes (Mesos' launcher, without isolation): each executor runs in its own
 * sandbox, as the leader of its own process group (`detached: true`), with `stdout` and
 * `stderr` appended to files in the sandbox and `MESOS_*` variables telling it where its agent
 * is. Exits are reported through a callback, which the agent turns into a `dispatch` to itself.
 *
 * The agent takes a `Launcher`, so harness tests inject one that starts no process.
 */
import { spawn, execFile } from 'node:child_process';
import { constants as fsConstants, readFileSync } from 'node:fs';
import { chmod, chown, open, rename, rm, stat, symlink, type FileHandle } from 'node:fs/promises';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { UPID } from '../../lib/actor';
import { nodeDisk, type Disk } from '../../lib/disk';
import { formatDuration } from '../../lib/mesos-format';
import type { CommandInfo } from '../../lib/protocol';
import { RECOVERED_PROCESS_POLL_MS, TASK_PROCESSES_FILE_MAX_BYTES } from './constants';
import { processStartTime } from '../../lib/proc-stat';
import { LATEST_RUN_LINK, RUNS_DIRECTORY, STDERR_FILE, STDOUT_FILE, TASK_PROCESSES_FILE } from './paths';
import { confinedCommand } from './cgroups';
import type { ContainerLimitation, ContainerLimits, ContainerUsage, Isolator } from './isolator';
import type { Logger } from '../../lib/logging';
import { Fetcher } from './fetcher';
import { SandboxVolumeLinks, type SandboxVolume } from './volumes';

/** A container's limits when its launch names none (a launch from a test). */
export const DEFAULT_CONTAINER_LIMITS: ContainerLimits = { cpus: 0.1, memBytes: 128 * 1024 * 1024 };

/** Everything needed to start one executor run. */
export interface ExecutorLaunch {
  readonly agentId: string;
  /** The agent's UPID, which the executor registers with. */
  readonly agentPid: string;
  /** The same, the agent's own object: an in-process launcher hands it to its executor actor instead of a text to parse again. */
  readonly agent?: UPID;
  readonly frameworkId: string;
  readonly executorId: string;
  /** Distinguishes runs of the same executor id (a fresh one per launch). */
  readonly runId: string;
  /** The sandbox: created if missing; the process' working directory. */
  readonly directory: string;
  /** What to run: through `/bin/sh -c` unless `shell` is false. */
  readonly command: CommandInfo;
  /** True for the built-in command executor. */
  readonly commandExecutor: boolean;
  /** Whether the framework checkpoints (the executor then waits for a restarted agent). */
  readonly checkpoint: boolean;
  /** The executor's share of the shutdown grace period (Mesos `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`). */
  readonly shutdownGracePeriodMs: number;
  /** What the executor registers with (`MESOS_EXECUTOR_AUTHENTICATION_TOKEN`): the agent vouches for this run only. */
  readonly token?: string;
  /**
   * For a checkpointing framework: how long a disconnected executor keeps trying to subscribe
   * again (`MESOS_RECOVERY_TIMEOUT`, Mesos' `--recovery_timeout`) and the longest wait between
   * two tries (`MESOS_SUBSCRIPTION_BACKOFF_MAX`, Mesos' `--executor_reregistration_timeout`).
   */
  readonly recovery?: { readonly timeoutMs: number; readonly subscriptionBackoffMaxMs: number };
  /** What the container (the executor and its tasks) may use, for an isolating launcher. */
  readonly limits?: ContainerLimits;
  /** The OS user it runs as (its command's user, else its framework's), for a launcher that switches users (`--switch_user`). */
  readonly user?: string;
  /** Aborts the launch while its command's URIs are fetched (its registration timed out, or it was shut down). */
  readonly signal?: AbortSignal;
  /**
   * The persistent volumes of the executor's and its first tasks' resources: the sandbox shows
   * each (a link at its container path: volumes.ts) before the executor starts. Absent: none.
   */
  readonly volumes?: readonly SandboxVolume[];
}

/** How an executor process ended: an exit code, or the signal that killed it. */
export interface ExecutorExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The container was destroyed for going past a limit (its live tasks fail with this reason and message). */
  readonly limitation?: ContainerLimitation;
}

/** A started executor process. */
export interface LaunchedExecutor {
  /** The OS process id (also its process group id). */
  readonly processId: number | undefined;
  /** Its start time (`processStartTime`), checkpointed with the id: a restarted agent tells it from a later process with its pid. */
  readonly startTime?: string;
  /**
   * Kills with SIGKILL the executor's process group, session and the groups of all its
   * descendants, and the task processes its run recorded (`destroyExecutor`), even once the
   * executor is gone.
   */
  destroy(): void;
  /**
   * Sends `signal` (a number, e.g. 15) to the executor's process alone, as Mesos' containerizer
   * `kill` sends it to the container's pid (the agent's v1 KILL_CONTAINER with a signal); throws,
   * in the system's words, when it cannot (`kill EINVAL`, `kill ESRCH`). A launcher without it
   * cannot send a signal other than the SIGKILL of `destroy`.
   */
  signal?(signal: number): void;
}

/** An executor process a previous run of the agent started, as its checkpoints name it. */
export interface RecoveredProcess {
  readonly frameworkId: string;
  readonly executorId: string;
  readonly runId: string;
  readonly processId: number;
  /** Its checkpointed start time: a process with the pid that started at another time is not it (neither adopted nor killed). */
  readonly startTime?: string;
  /** The run's sandbox (its isolation is taken back with it: disk/du measures it again). */
  readonly directory?: string;
}

/** Starts executors; `onExit` is called once when the process ends (from outside any actor). */
export interface Launcher {
  launch(launch: ExecutorLaunch, onExit: (exit: ExecutorExit) => void): Promise<LaunchedExecutor>;
  /**
   * Takes back an executor process that a previous run of the agent started (after a restart):
   * `onExit` is called once when it is gone (how it ended is not known: it is no child of this
   * process). A launcher without this cannot recover executors; the agent then kills nothing
   * and waits for the executor's own re-registration or its link to break.
   */
  recover?(process: RecoveredProcess, onExit: (exit: ExecutorExit) => void): LaunchedExecutor;
  /** The resources of run `runId` changed (a task added to its executor): an isolating launcher holds it to them. */
  update?(runId: string, limits: ContainerLimits): void;
  /**
   * Run `runId`'s sandbox `directory` shows the persistent volumes `link` from now on (a task that
   * uses them is about to be sent to its running executor) and no longer `unlink` (no live task
   * of the run uses them): Mesos' `filesystem/posix` isolator's update. Resolves once done;
   * rejects, naming the volume and what is in its way, when a link cannot be made. A launcher
   * without this shows no volume to a running executor.
   */
  updateVolumes?(runId: string, directory: string, link: readonly SandboxVolume[], unlink: readonly SandboxVolume[]): Promise<void>;
  /** Run `runId`'s usage now (`/monitor/statistics`); undefined when nothing measures it. */
  usage?(runId: string): Promise<ContainerUsage | undefined>;
  /**
   * After an agent restart, once every run it takes back is known (`known`, by run id): the
   * isolation of any other container left from before (an orphan) is destroyed, with whatever
   * still runs in it. Resolves with the orphans' ids.
   */
  recoverContainers?(known: ReadonlySet<string>): Promise<string[]>;
  /**
   * The agent has stopped (its executors killed): resolves once every container's isolation is
   * cleaned up (at most `LAUNCHER_DRAIN_TIMEOUT_MS`), then removes what the isolation made for
   * the agent itself (its root cgroups, where empty).
   */
  drain?(): Promise<void>;
  /**
   * The agent's process stops and leaves its executors running (SIGTERM): removes the root
   * cgroups the isolation made for the agent where they are empty (no container left in them),
   * as `drain` does after its cleanups. An empty root stayed behind after every such stop.
   */
  releaseIfEmpty?(): Promise<void>;
  /** How many containers' isolation could not be destroyed (`containerizer/mesos/container_destroy_errors`). */
  destroyErrors?(): number;
  /** The fetcher cache's capacity and what it holds, in bytes (`containerizer/fetcher/cache_size_*`). */
  fetcherCache?(): { readonly totalBytes: number; readonly usedBytes: number };
  /** The agent stops (SIGTERM) with containers running: the isolation leaves what it enforced to the kernel (`Isolator.handOver`). */
  handOver?(): Promise<void>;
}

/** A run directory's mode (Mesos' sandbox: the user and its group, not others). */
export const SANDBOX_DIRECTORY_MODE = 0o750;

/** The longest `drain` waits for containers' cleanups when the agent stops (a cleanup that hangs is logged, not waited on). */
export const LAUNCHER_DRAIN_TIMEOUT_MS = 10_000;

/**
 * The variables an executor takes from the agent's own environment when the agent has no
 * `--executor_environment_variables`: where programs are (`PATH`), the locale, the time zone and
 * the log level (`MESOS_LOG_LEVEL`, which the TypeScript executors read).
 * Nothing else: the agent's environment may hold its credential (`MESOS_SECRET`) or other
 * secrets, and every task would read them (a security review took an agent's identity at its
 * master that way). Mesos passes none of the agent's (its command executor gives tasks a
 * default `PATH`); these keep tasks working as they did where the agent ran from a shell.
 */
export const INHERITED_ENVIRONMENT = /^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|MESOS_LOG_LEVEL)$/;

/** Mesos' `os::host_default_path()`: the PATH of a command whose environment names none. */
export const HOST_DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * What executors start from: `--executor_environment_variables` when given (Mesos: then exactly
 * those, with `HOST_DEFAULT_PATH` when they name no PATH), else the agent's
 * `INHERITED_ENVIRONMENT` variables. Neither HOME nor USER is passed (Mesos passes neither).
 */
export function executorBaseEnvironment(explicit: Readonly<Record<string, string>> | undefined, agent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  // Mesos' launcher gives a command with no PATH the host's default one (`os::host_default_path`).
  if (explicit !== undefined) return { ...(explicit.PATH === undefined ? { PATH: HOST_DEFAULT_PATH } : {}), ...explicit };
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(agent)) if (value !== undefined && INHERITED_ENVIRONMENT.test(name)) inherited[name] = value;
  return inherited;
}

/**
 * The environment of an executor, as Mesos gives it (`executorEnvironment` in its agent; the
 * v1 executor API's "Executor Environment Variables"): `base` (`executorBaseEnvironment`), the command's, and
 * Mesos' variables naming the agent (`MESOS_AGENT_PID`, also as `MESOS_SLAVE_PID`, and
 * `MESOS_AGENT_ENDPOINT`, the `ip:port` that serves `/api/v1/executor`), the framework, the
 * executor, the sandbox (`MESOS_DIRECTORY`, `MESOS_SANDBOX`), checkpointing (`MESOS_CHECKPOINT`
 * `1`/`0`, and with `1` `MESOS_RECOVERY_TIMEOUT` and `MESOS_SUBSCRIPTION_BACKOFF_MAX`), the
 * shutdown grace period and the run's token. Durations are in Mesos' format (`5secs`, `15mins`).
 */
export function executorEnvironment(launch: ExecutorLaunch, base: Readonly<Record<string, string | undefined>> = executorBaseEnvironment(undefined)): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined) environment[name] = value;
  const endpoint = UPID.tryParse(launch.agentPid);
  Object.assign(environment, launch.command.environment ?? {}, {
    MESOS_AGENT_PID: launch.agentPid,
    MESOS_SLAVE_PID: launch.agentPid,
    ...(endpoint !== undefined ? { MESOS_AGENT_ENDPOINT: endpoint.address } : {}),
    MESOS_AGENT_ID: launch.agentId,
    MESOS_SLAVE_ID: launch.agentId,
    MESOS_FRAMEWORK_ID: launch.frameworkId,
    MESOS_EXECUTOR_ID: launch.executorId,
    MESOS_DIRECTORY: launch.directory,
    MESOS_SANDBOX: launch.directory,
    MESOS_CHECKPOINT: launch.checkpoint ? '1' : '0',
    // This agent has no HTTP command executor (Mesos' `--http_command_executor`): its command executor is an actor.
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: formatDuration(launch.shutdownGracePeriodMs),
    ...(launch.checkpoint && launch.recovery !== undefined ? {
      MESOS_RECOVERY_TIMEOUT: formatDuration(launch.recovery.timeoutMs),
      MESOS_SUBSCRIPTION_BACKOFF_MAX: formatDuration(launch.recovery.subscriptionBackoffMaxMs),
    } : {}),
    ...(launch.token !== undefined ? { MESOS_EXECUTOR_AUTHENTICATION_TOKEN: launch.token } : {}),
  });
  return environment;
}

/** What to execute for a command, in `spawn`'s terms. */
export interface CommandLine {
  /** The program run (looked up in PATH when it has no slash). */
  readonly file: string;
  /** Its arguments, argv[1] onwards. */
  readonly args: string[];
  /** argv[0], when it differs from `file`. */
  readonly argv0?: string;
}

/**
 * How to run a command (Mesos' rule): `/bin/sh -c value` by default; with `shell: false`,
 * `value` is the program and `arguments` its whole argv, argv[0] included.
 * @example commandLine({ value: '/bin/echo', shell: false, arguments: ['echo', 'a', 'b'] }) // runs /bin/echo, prints `a b`
 */
export function commandLine(command: CommandInfo): CommandLine {
  if (command.shell !== false) return { file: '/bin/sh', args: ['-c', command.value] };
  const [argv0, ...args] = command.arguments ?? [];
  return argv0 === undefined ? { file: command.value, args } : { file: command.value, args, argv0 };
}

/** The launcher that starts real OS processes (their sandboxes, on a real disk, get their output). */
export class ProcessLauncher implements Launcher {
  /**
   * @param disk creates the sandbox directories.
   * @param environment added to every executor's environment, over everything else (the agent
   *   passes its TLS settings as `LIBPROCESS_SSL_*` this way, so executors can link back).
   */
  constructor(
    private readonly disk: Disk = nodeDisk,
    private readonly environment: Readonly<Record<string, string>> = {},
    /** Holds each run to its resources (`--isolation`); none: executors run unconfined. */
    private readonly isolator?: Isolator,
    private readonly log?: Logger,
    /** Mesos' `--switch_user`: each run as its launch's `user` (see `runAs`); false: as this process' user. */
    private readonly switchUser = false,
    /** What every executor's environment starts from (`executorBaseEnvironment`: never the agent's whole environment). */
    private readonly base: Readonly<Record<string, string>> = executorBaseEnvironment(undefined),
    /** Fetches a command's URIs into the sandbox before its executor starts (the agent's sets its clock and flags). */
    private readonly fetcher: Fetcher = new Fetcher(),
  ) {}

  /** Containers whose isolation is not cleaned up yet (what `drain` waits for). */
  private readonly containers = new Set<WatchedContainer>();
  /** Shows persistent volumes in sandboxes (made at the first launch that has one). */
  private volumeLinks: SandboxVolumeLinks | undefined;

  updateVolumes(_runId: string, directory: string, link: readonly SandboxVolume[], unlink: readonly SandboxVolume[]): Promise<void> {
    return this.linkVolumes(directory, link, unlink);
  }

  /**
   * `volumeLinks.update`, then each volume linked owned as the sandbox is (Mesos' posix isolator:
   * a sandbox of a user other than root, made so by `--switch_user`, gets its volumes chowned to
   * that user, not recursively, so its tasks can write there).
   */
  private async linkVolumes(directory: string, link: readonly SandboxVolume[], unlink: readonly SandboxVolume[]): Promise<void> {
    await (this.volumeLinks ??= new SandboxVolumeLinks(this.disk)).update(directory, link, unlink);
    if (link.length === 0) return;
    const owner = await stat(directory);
    if (owner.uid === 0) return;
    for (const volume of link) {
      await chown(volume.source, owner.uid, owner.gid).catch((error: Error) => {
        throw new Error(`cannot give persistent volume '${volume.id}' (${volume.source}) to the sandbox's owner (uid ${owner.uid}): ${error.message}`);
      });
    }
  }

  fetcherCache(): { readonly totalBytes: number; readonly usedBytes: number } {
    return this.fetcher.cacheMetrics();
  }

  /** Containers whose isolation could not be destroyed, orphans included (`destroyErrors`). */
  private failedDestroys = 0;

  destroyErrors(): number {
    return this.failedDestroys;
  }

  async handOver(): Promise<void> {
    await this.isolator?.handOver?.([...this.containers].map((container) => container.containerId));
  }

  /** A new watched container, tracked until its cleanup is done. */
  private watched(containerId: string): WatchedContainer {
    const container = new WatchedContainer(this.isolator as Isolator, containerId, this.log, () => { this.failedDestroys++; });
    this.containers.add(container);
    void container.cleanedUp.then(() => this.containers.delete(container));
    return container;
  }

  update(runId: string, limits: ContainerLimits): void {
    this.isolator?.update(runId, limits).catch((error: Error) => {
      // A container whose executor ended meanwhile (its last task's end and the exit race) has
      // nothing left to hold: said at debug (walkthrough: a warning for 1 short task in 5).
      const live = [...this.containers].some((container) => container.containerId === runId && !container.over);
      if (live) this.log?.warn({ runId, error: error.message }, 'could not update a container\'s limits');
      else this.log?.debug({ runId, error: error.message }, 'could not update the limits of a container that has ended');
    });
  }

  usage(runId: string): Promise<ContainerUsage | undefined> {
    return this.isolator?.usage(runId) ?? Promise.resolve(undefined);
  }

  /** An orphan that cannot be destroyed is logged: the agent starts anyway (Mesos does not fail its recovery for one either). */
  async recoverContainers(known: ReadonlySet<string>): Promise<string[]> {
    if (this.isolator === undefined) return [];
    try {
      const orphans = await this.isolator.recover(known);
      if (orphans.length > 0) this.log?.warn({ orphans }, 'destroyed the isolation of containers no checkpoint names (orphans)');
      return orphans;
    } catch (error) {
      this.failedDestroys++;
      this.log?.error({ error: (error as Error).message }, 'could not destroy every orphan container; starting anyway');
      return [];
    }
  }

  async releaseIfEmpty(): Promise<void> {
    await this.isolator?.release().catch((error: Error) => this.log?.warn({ error: error.message }, 'could not remove the agent\'s own cgroups'));
  }

  async drain(): Promise<void> {
    const isolator = this.isolator;
    if (isolator === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), LAUNCHER_DRAIN_TIMEOUT_MS); });
    const cleaned = (async (): Promise<void> => {
      while (this.containers.size > 0) await Promise.all([...this.containers].map((container) => container.cleanedUp));
    })();
    const outcome = await Promise.race([cleaned, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.log?.warn({ containers: [...this.containers].map((container) => container.containerId) }, 'containers not cleaned up when the agent stopped');
      return;
    }
    await isolator.release().catch((error: Error) => this.log?.warn({ error: error.message }, 'could not remove the agent\'s own cgroups'));
  }

  /**
   * Watches a process a previous agent started: its process group is polled every
   * `RECOVERED_PROCESS_POLL_MS` (it is not our child, so no exit event comes), and `onExit`
   * reports it gone with no code or signal. Its container's isolation is taken back (not made
   * again), watched for limitations as before, and cleaned up when it is gone.
   */
  recover(recovered: RecoveredProcess, onExit: (exit: ExecutorExit) => void): LaunchedExecutor {
    const { processId } = recovered;
    const container = this.isolator === undefined ? undefined : this.watched(recovered.runId);
    // The executor, not a later process that took its pid after it exited while no agent watched
    // (a restart killed such a process, and put it in the container's cgroup first): one that
    // started at another time than the checkpointed one is taken as gone, and never touched.
    const alive = (): boolean => exists(processId) && isProcessStartedAt(processId, recovered.startTime);
    const adopted = alive();
    if (!adopted && exists(processId)) {
      this.log?.warn({ runId: recovered.runId, processId, startTime: recovered.startTime, now: processStartTime(processId) }, 'a recovered executor\'s process id names a later process (the executor exited while no agent watched); the executor is gone, that process is left alone');
    }
    let reported = false;
    const report = (): void => {
      if (reported) return;
      reported = true;
      clearInterval(poll);
      if (container === undefined) return onExit({ code: null, signal: null });
      void container.ended().then((limitation) => {
        onExit({ code: null, signal: null, ...(limitation !== undefined ? { limitation } : {}) });
        void container.cleanup();
      });
    };
    const poll = setInterval(() => {
      if (!alive()) report();
    }, RECOVERED_PROCESS_POLL_MS);
    poll.unref();
    if (!adopted) setImmediate(report);
    // Its tasks may outlive it (re-parented, in groups of their own): they are killed even once it is gone. Its group and
    // session only if it was alive when adopted: one that died while no agent watched may have left its pid, and with it
    // the ids of its group and session, to anything since; its recorded tasks are checked one by one.
    const destroy = (): void => {
      void destroyExecutor({ processId: adopted ? processId : undefined, ...(recovered.startTime !== undefined ? { startTime: recovered.startTime } : {}), ...(recovered.directory !== undefined ? { directory: recovered.directory } : {}) }, 'SIGKILL');
      void container?.cleanup();
    };
    if (container !== undefined && adopted) {
      this.isolator?.isolate(recovered.runId, processId, recovered.directory ?? '');
      // What the agent handed over when it stopped (SIGTERM), it enforces again.
      this.isolator?.retake?.(recovered.runId).catch((error: Error) => this.log?.warn({ runId: recovered.runId, error: error.message }, 'could not take a recovered container\'s isolation back'));
      container.watch(destroy);
    }
    // Only the adopted process, while it is the one that started then (its pid may name a later process once it is gone).
    const signal = (number: number): void => {
      if (!adopted || !alive()) throw new Error('kill ESRCH: the executor\'s process is gone');
      process.kill(processId, number);
    };
    return { processId, destroy, signal };
  }

  async launch(launch: ExecutorLaunch, onExit: (exit: ExecutorExit) => void): Promise<LaunchedExecutor> {
    // Who it runs as is settled first: a user that cannot be run as fails the launch, naming it, before anything is made.
    const account = this.switchUser ? await runAs(launch.user) : undefined;
    await this.disk.makeDirectory(launch.directory);
    // Not for others to read (Mesos' `createSandboxDirectory`, 0750): another tenant's task could
    // read the sandbox's files, its environment dumps and logs, on the machine's file system.
    await chmod(launch.directory, SANDBOX_DIRECTORY_MODE);
    await linkLatestRun(launch.directory);
    const stdout = await open(path.join(launch.directory, STDOUT_FILE), 'a');
    let stderr: FileHandle | undefined;
    try {
      stderr = await open(path.join(launch.directory, STDERR_FILE), 'a');
      // The sandbox is the user's (Mesos chowns it): its tasks write there.
      if (account !== undefined) await Promise.all([launch.directory, path.join(launch.directory, STDOUT_FILE), path.join(launch.directory, STDERR_FILE)].map((target) => chown(target, account.uid, account.gid)));
      // Its persistent volumes are there before anything runs in it (Mesos' posix isolator prepares them before the fetch).
      if (launch.volumes !== undefined && launch.volumes.length > 0) await this.linkVolumes(launch.directory, launch.volumes, []);
      // What the command needs is fetched into the sandbox first (Mesos' fetcher runs before the executor starts).
      const uris = launch.command.uris;
      if (uris !== undefined && uris.length > 0) {
        await this.fetcher.fetch({
          uris, directory: launch.directory,
          ...(account !== undefined ? { account } : {}),
          ...(launch.limits?.diskBytes !== undefined ? { maxBytes: launch.limits.diskBytes } : {}),
          ...(launch.signal !== undefined ? { signal: launch.signal } : {}),
        });
        // Shut down, or timed out, as the fetch ended: nothing is started for it (Mesos: "Container destroyed during fetching").
        if (launch.signal?.aborted === true) throw new Error('the executor was shut down while its URIs were fetched');
      }
      const isolator = this.isolator;
      if (isolator === undefined) return await startProcess(launch, this.base, this.environment, stdout.fd, stderr.fd, onExit, undefined, account);
      // The run's isolation first (its cgroup); the executor enters it before its first instruction.
      const container = this.watched(launch.runId);
      try {
        const procsFiles = await isolator.prepare(launch.runId, launch.limits ?? DEFAULT_CONTAINER_LIMITS, launch.directory);
        const started = await startProcess(launch, this.base, this.environment, stdout.fd, stderr.fd, (exit) => {
          // How the container ended (a limitation found now, or before) goes with the exit; then it is cleaned up.
          void container.ended().then((limitation) => {
            onExit(limitation === undefined ? exit : { ...exit, limitation });
            void container.cleanup();
          });
        }, procsFiles, account);
        const destroy = (): void => {
          started.destroy();
          void container.cleanup();
        };
        if (started.processId !== undefined) isolator.isolate(launch.runId, started.processId, launch.directory);
        container.watch(destroy);
        return { processId: started.processId, ...(started.startTime !== undefined ? { startTime: started.startTime } : {}), destroy, ...(started.signal !== undefined ? { signal: started.signal } : {}) };
      } catch (error) {
        void container.cleanup();
        throw error;
      }
    } finally {
      await stdout.close();
      await stderr?.close();
    }
  }
}

/**
 * One isolated container's life in the launcher: its limitations checked every
 * `isolator.checkIntervalMs` while it runs (the first found destroys it), checked once more when
 * its executor has exited (a v2 OOM kills the whole container at once, before any check), and
 * its isolation cleaned up once (a `destroy` and the exit both end it; two cleanups would race
 * over a cgroup's rmdir).
 */
class WatchedContainer {
  /** Resolves once the container's isolation has been cleaned up. */
  readonly cleanedUp: Promise<void>;
  private resolveFinished!: () => void;
  private limitation: ContainerLimitation | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private finished = false;

  /** Its executor has exited, or its cleanup began: nothing in it is held to limits any more. */
  get over(): boolean {
    return this.finished;
  }
  private cleaned: Promise<void> | undefined;

  constructor(private readonly isolator: Isolator, readonly containerId: string, private readonly log: Logger | undefined, private readonly cleanupFailed: () => void) {
    this.cleanedUp = new Promise((resolve) => { this.resolveFinished = resolve; });
  }

  /** Starts the checks; `destroy` kills the container when one finds a limitation. */
  watch(destroy: () => void): void {
    const interval = this.isolator.checkIntervalMs;
    if (interval === undefined || this.finished) return;
    this.timer = setInterval(() => void this.check(destroy), interval);
    this.timer.unref();
  }

  /** The executor has exited: stops the checks and resolves with the limitation, if any (checked once more now). */
  async ended(): Promise<ContainerLimitation | undefined> {
    this.finished = true;
    clearInterval(this.timer);
    this.limitation ??= await this.isolator.limitation(this.containerId).catch(() => undefined);
    return this.limitation;
  }

  /** Removes the container's isolation, once; a failure is logged (the orphan is destroyed at the next recovery). */
  cleanup(): Promise<void> {
    this.finished = true;
    clearInterval(this.timer);
    this.cleaned ??= this.isolator.cleanup(this.containerId)
      .catch((error: Error) => {
        this.cleanupFailed();
        this.log?.warn({ runId: this.containerId, error: error.message }, 'could not clean up a container\'s isolation');
      })
      .finally(() => this.resolveFinished());
    return this.cleaned;
  }

  private async check(destroy: () => void): Promise<void> {
    if (this.checking || this.finished || this.limitation !== undefined) return;
    this.checking = true;
    try {
      const limitation = await this.isolator.limitation(this.containerId);
      if (limitation === undefined || this.finished || this.limitation !== undefined) return;
      this.limitation = limitation;
      this.log?.warn({ runId: this.containerId, reason: limitation.reason, message: limitation.message }, 'destroying a container that went past its limit');
      destroy();
    } catch (error) {
      this.log?.warn({ runId: this.containerId, error: (error as Error).message }, 'could not check a container\'s limits');
    } finally {
      this.checking = false;
    }
  }
}

/**
 * Points `runs/latest` (beside the run directory `runDirectory`) at this run, as Mesos does for
 * each new executor run: a relative symlink made under a temporary name and renamed over the
 * old one, so a reader always finds one of the two runs. A failure is not the launch's: the
 * sandbox is still reachable by its run id. A directory outside the layout (not in a `runs/`
 * directory: a test's scratch directory) gets no link.
 */
export async function linkLatestRun(runDirectory: string): Promise<void> {
  const runs = path.dirname(runDirectory);
  if (path.basename(runs) !== RUNS_DIRECTORY) return;
  const staging = path.join(runs, `.${LATEST_RUN_LINK}-${path.basename(runDirectory)}`);
  try {
    await rm(staging, { force: true });
    await symlink(path.basename(runDirectory), staging);
    await rename(staging, path.join(runs, LATEST_RUN_LINK));
  } catch {
    await rm(staging, { force: true }).catch(() => undefined);
  }
}

/**
 * An executor whose command sets this to `1` in its environment enters its container's cgroups
 * itself, before it does anything else: it gets the `cgroup.procs` files in `CGROUP_PROCS_ENV`
 * (`:`-separated), writes its pid into each, and exits `CONFINE_FAILED_STATUS` without running
 * anything if it cannot (the native command executor does). Any other executor is started by a
 * shell that enters them, then `exec`s it (`confinedCommand`): one process start more.
 */
export const ENTERS_CGROUPS_ENV = 'MESOS_EXECUTOR_ENTERS_CGROUPS';
export const CGROUP_PROCS_ENV = 'MESOS_CGROUP_PROCS';

function startProcess(
  launch: ExecutorLaunch, base: Readonly<Record<string, string>>, environment: Readonly<Record<string, string>>, stdoutFd: number, stderrFd: number, onExit: (exit: ExecutorExit) => void, procsFiles?: readonly string[],
  account?: Account,
): Promise<LaunchedExecutor> {
  const command = commandLine(launch.command);
  // Another user's: `setpriv` takes the user's ids and groups, then execs the executor (argv[0] is then the program's path).
  const line: CommandLine = account === undefined ? command : { file: SETPRIV, args: [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--init-groups', '--', command.file, ...command.args] };
  // An executor that enters its cgroups itself would do so as the user, who may not: the shell below does it first.
  const entersItself = account === undefined && procsFiles !== undefined && launch.command.environment?.[ENTERS_CGROUPS_ENV] === '1' && procsFiles.every((file) => !file.includes(':'));
  // Confined by a shell: it enters the run's cgroup, then execs the executor (argv[0] is then the program's path).
  const [file, args] = procsFiles === undefined || entersItself ? [line.file, line.args] : confinedCommand([line.file, ...line.args], procsFiles);
  const argv0 = procsFiles === undefined || entersItself ? line.argv0 : undefined;
  const child = spawn(file, args, {
    ...(argv0 === undefined ? {} : { argv0 }),
    cwd: launch.directory,
    env: { ...executorEnvironment(launch, base), ...environment, ...(entersItself ? { [CGROUP_PROCS_ENV]: procsFiles.join(':') } : {}) },
    detached: true,
    stdio: ['ignore', stdoutFd, stderrFd],
  });
  return new Promise<LaunchedExecutor>((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => {
      child.off('error', reject);
      child.on('error', () => undefined); // later errors (a failed kill) are seen through 'exit'
      const processId = child.pid;
      // Our child, not reaped before its 'exit': its /proc entry is its own.
      const startTime = processId === undefined ? undefined : processStartTime(processId);
      const destroy = (): void => void destroyExecutor({ processId, ...(startTime !== undefined ? { startTime } : {}), directory: launch.directory, exitedCleanly }, 'SIGKILL');
      // Our child, until its 'exit' (Node reaps it then): its pid is still its own.
      const signal = (number: number): void => {
        if (exited || processId === undefined) throw new Error('kill ESRCH: the executor\'s process is gone');
        process.kill(processId, number);
      };
      resolve({ processId, ...(startTime !== undefined ? { startTime } : {}), destroy, signal });
    });
    // An executor that exited 0 ended its tasks itself: the clean-up spares the `ps` then, unless something is left in reach.
    let exitedCleanly = false;
    let exited = false;
    child.once('exit', (code, signal) => {
      exited = true;
      exitedCleanly = code === 0 && signal === null;
      onExit({ code, signal });
    });
  });
}

/** What switches a process to another user's ids and groups before it execs (util-linux, in every Debian). */
const SETPRIV = 'setpriv';

/** The ids of the OS account an executor runs as. */
interface Account {
  readonly uid: number;
  readonly gid: number;
}

/** `getent passwd` answers within this, or the launch fails (a name service that hangs). */
export const USER_LOOKUP_TIMEOUT_MS = 10_000;

/**
 * The account a run of `user` switches to (Mesos' `--switch_user`), or undefined when it runs as
 * this process' own: no user named (or an empty one), this process' own user, or root's (uid 0)
 * while this process is root. Rejects, naming the user, when it does not exist here, or when this
 * process is not root and so cannot switch to it (run the agent as root, or with
 * `--switch_user=false` to run every task as the agent's user).
 */
export async function runAs(user: string | undefined): Promise<Account | undefined> {
  if (user === undefined || user === '') return undefined;
  const own = userInfo();
  if (user === own.username) return undefined;
  if (process.getuid?.() !== 0) {
    throw new Error(`cannot run as user '${user}': the agent runs as '${own.username}', not root, so it cannot switch users (run it as root, or with --switch_user=false to run every task as '${own.username}')`);
  }
  const entry = await new Promise<string | undefined>((resolve, reject) => {
    execFile('getent', ['passwd', user], { timeout: USER_LOOKUP_TIMEOUT_MS }, (error, output) => {
      // getent exits 2 for a name it does not know.
      if (error !== null && (error as { code?: unknown }).code === 2) return resolve(undefined);
      if (error !== null) return reject(new Error(`cannot look up user '${user}': ${error.message}`));
      resolve(output.split('\n')[0]);
    });
  });
  const fields = entry?.split(':');
  const uid = Number(fields?.[2]);
  const gid = Number(fields?.[3]);
  if (fields === undefined || fields[0] !== user || !Number.isSafeInteger(uid) || !Number.isSafeInteger(gid) || fields[2] === '' || fields[3] === '') {
    throw new Error(`no user '${user}' on this machine (with --switch_user, the default, an executor runs as its command's user, else its framework's)`);
  }
  return uid === 0 ? undefined : { uid, gid };
}

/** One row of the process table. */
interface ProcessRow {
  pid: number;
  parentPid: number;
  groupId: number;
  sessionId: number;
}

/** An executor process and its run, as `destroyExecutor` kills what is left of them. */
export interface ExecutorRemains {
  /** The executor's pid (the leader of its process group and of its session: the launcher spawns it `detached`). */
  readonly processId: number | undefined;
  /** Its start time (`processStartTime`): a later process that took its pid is never touched. */
  readonly startTime?: string;
  /** The run's sandbox: its `TASK_PROCESSES_FILE` names the task processes of a built-in executor. */
  readonly directory?: string;
  /** It exited 0 (so ended its tasks itself): without a group or a recorded task left, no `ps` is run for its session. */
  readonly exitedCleanly?: boolean;
}

/**
 * Sends `signal` to everything an executor run left, alive or gone (Mesos' launcher destroy,
 * without cgroups): the executor's process group, its session, the groups and processes of all
 * their descendants (read from `ps` first: a child whose parent dies is re-parented to init and
 * can no longer be found as a descendant), and the same for each task process its run recorded
 * (`killRecordedTasks`).
 *
 * Why the session and the record: a task leads a process group of its own, so once its executor
 * is SIGKILLed (the OOM killer) it is in neither the executor's group nor its tree. The native
 * command executor's tasks (setpgid) stay in the executor's session, which only its descendants
 * can be in: the kernel lets no process join a session, and keeps the session's id (the
 * executor's pid) from any new process while one member lives. The TypeScript executors' tasks
 * lead sessions of their own (Node can only `setsid`), so they are found through the record.
 */
export async function destroyExecutor(remains: ExecutorRemains, signal: NodeJS.Signals): Promise<void> {
  const recorded = remains.directory === undefined ? [] : await killRecordedTasks(remains.directory, remains.startTime);
  // The executor, unless its pid is some later process' (it is gone, and nothing of it held the pid).
  const pid = remains.processId;
  const executor = pid !== undefined && pid > 1 && (!exists(pid) || isProcessStartedAt(pid, remains.startTime)) ? pid : undefined;
  const roots = [...(executor !== undefined ? [executor] : []), ...recorded];
  if (roots.length === 0) return;
  // The usual case once an executor has exited cleanly: nothing is left to reach, so spare the `ps`.
  if (recorded.length === 0 && executor !== undefined && remains.exitedCleanly === true && !exists(-executor) && !exists(executor)) return;
  await killTrees(roots, signal);
}

/**
 * The task processes the executor of the run in `directory` recorded (`startTask` in
 * task-process.ts) that check out as its own. The executor and its tasks run as the task's user
 * and can write the file: a hostile task may name any process there, so an entry counts only if
 *
 * - its process lives and started at the recorded time (no later process that took its pid),
 *   not before the executor itself (`executorStartTime`, when known);
 * - that process' environment says `MESOS_DIRECTORY=<directory>`, which the executor sets in
 *   every task it starts over the task's own. Environments are inherited, never given to another
 *   process: only a process started from this run (or one its tasks started with that
 *   environment, which is theirs to lose) has it. An environment the agent cannot read counts
 *   as a stranger's.
 *
 * The file is opened without following a link, and read only as a regular file (a FIFO would
 * block), at most `TASK_PROCESSES_FILE_MAX_BYTES`. A task can still leave the record (setsid
 * and a fork, a cleared environment in a session of its own): without cgroups nothing holds a
 * process that means to escape; this finds the ones that do not.
 */
export async function killRecordedTasks(directory: string, executorStartTime: string | undefined): Promise<number[]> {
  const text = await readRecord(path.join(directory, TASK_PROCESSES_FILE));
  // A set: a hostile task may fill the file with thousands of lines naming the same pid.
  const found = new Set<number>();
  for (const line of text.split('\n')) {
    const match = /^(\d{1,10}) (\d{1,20})$/.exec(line);
    if (match === null) continue;
    const pid = Number(match[1]);
    const startTime = match[2] as string;
    if (pid <= 1 || pid === process.pid || found.has(pid)) continue;
    if (executorStartTime !== undefined && /^\d+$/.test(executorStartTime) && BigInt(startTime) < BigInt(executorStartTime)) continue;
    if (processStartTime(pid) !== startTime || !environmentHas(pid, `MESOS_DIRECTORY=${directory}`)) continue;
    found.add(pid);
  }
  return [...found];
}

/** The record's text (its first `TASK_PROCESSES_FILE_MAX_BYTES`), empty when it is missing or no regular file. */
async function readRecord(file: string): Promise<string> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) return '';
    const buffer = Buffer.alloc(Math.min(info.size, TASK_PROCESSES_FILE_MAX_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } catch {
    return '';
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Whether process `pid`'s environment (`/proc/<pid>/environ`) holds exactly the entry `entry`. */
function environmentHas(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`).toString('utf8').split('\0').includes(entry);
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to each root, its process group, its session, and the groups and processes of
 * all their descendants; never to this process' own group or session.
 */
async function killTrees(roots: readonly number[], signal: NodeJS.Signals): Promise<void> {
  const table = await processTable().catch(() => [] as ProcessRow[]);
  const self = table.find((row) => row.pid === process.pid);
  const victims = new Set<ProcessRow>();
  for (const root of roots) {
    // What stayed in its group or session after it went: members it started, re-parented or not.
    const members = table.filter((row) => row.pid !== root && row.pid !== process.pid
      && ((row.groupId === root && root !== self?.groupId) || (row.sessionId === root && root !== self?.sessionId)));
    for (const row of [...members, ...descendants(table, [root, ...members.map((row) => row.pid)])]) victims.add(row);
  }
  const groups = new Set<number>([...roots, ...[...victims].map((row) => row.groupId)]);
  for (const group of groups) if (group > 1 && group !== self?.groupId) signalQuietly(-group, signal);
  for (const row of victims) if (row.pid !== process.pid) signalQuietly(row.pid, signal);
  for (const root of roots) signalQuietly(root, signal);
}

/** Every process below `roots` in the table (not the roots themselves, unless one descends from another). */
function descendants(table: ProcessRow[], roots: number[]): ProcessRow[] {
  const children = new Map<number, ProcessRow[]>();
  for (const row of table) {
    const siblings = children.get(row.parentPid) ?? [];
    siblings.push(row);
    children.set(row.parentPid, siblings);
  }
  const found = new Set<ProcessRow>();
  const queue = [...roots];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      if (found.has(child)) continue;
      found.add(child);
      queue.push(child.pid);
    }
  }
  return [...found];
}

function processTable(): Promise<ProcessRow[]> {
  return new Promise((resolve, reject) => {
    execFile('ps', ['-A', '-o', 'pid=,ppid=,pgid=,sid='], { maxBuffer: 16 * 1024 * 1024 }, (error, output) => {
      if (error) return reject(error);
      const rows: ProcessRow[] = [];
      for (const line of output.split('\n')) {
        const [pid, parentPid, groupId, sessionId] = line.trim().split(/\s+/).map(Number);
        if (pid !== undefined && parentPid !== undefined && groupId !== undefined && sessionId !== undefined && !Number.isNaN(sessionId)) rows.push({ pid, parentPid, groupId, sessionId });
      }
      resolve(rows);
    });
  });
}

/**
 * Whether process `pid` started at `startTime` (a `processStartTime`): true where either is not
 * known (a journal from before start times were checkpointed; no `/proc`).
 */
export function isProcessStartedAt(pid: number, startTime: string | undefined): boolean {
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
}

/** True while `target` (a pid, or a process group as -pgid) has a process, ours to signal or not. */
function exists(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalQuietly(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {
    // already gone
  }
}
