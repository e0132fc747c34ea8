/**
 * A whole cluster in one actor host under a virtual clock (DESIGN tier 3): the master (with its
 * allocator), agents, and schedulers, all real actors; executors are in-process actors too,
 * started by a launcher that spawns them on the same host instead of starting OS processes.
 * A simulated executor reads its task's command (or, for a task with a custom executor, its
 * `data`): `sleep N` finishes after N virtual seconds, `exit N` fails at once (finishes for 0),
 * anything else runs until killed. A launch whose command has URIs fetches them first, on the
 * virtual clock, each URI saying how long it takes and whether it fails (simulated-fetch.ts:
 * `http://fetch.sim/<delayMs>/<ok|fail>/<name>`); a failed or aborted fetch starts nothing.
 *
 * `startSimulation` is one master and one agent; `startCluster` is one master and several
 * agents, each in an `AgentSlot` that can crash it and start it again over the same work dir.
 *
 * Nothing real happens (DESIGN §14): the clock is a simulated `VirtualClock` (it never waits on
 * real I/O and refuses a listening host), the master's registry is on a `MemoryDisk` of its own
 * (`masterDisk`, whose writes the chaos run can fail or slow down), each agent's work dir and
 * sandboxes are on its slot's `MemoryDisk`, and resource detection reads a fixed machine
 * (`SIMULATED_MACHINE`), with fixed hostnames. So one seed gives one run, on any machine.
 */
import { dispatch, UPID, type Actor } from '../../lib/actor';
import { MemoryDisk } from '../../lib/disk';
import { SmallMap } from '../../lib/small-map';
import type { Credential } from '../../lib/authentication';
import type { Logger } from '../../lib/logging';
import { VirtualClock, type ActorHost, type ActorHostOptions } from '../../lib/process';
import type { ExecutorInfo, StatusUpdate, TaskInfo, TaskState, TaskStatus } from '../../lib/protocol';
import { isTerminalState } from '../../lib/protocol';
import { Registry, registryPathOf, startMaster, type MasterHandle } from '../../actors/master';
import { defaultMasterFlags, type MasterFlags } from '../../actors/master/flags';
import { Agent, commandExecutorCommand, detectResources, inertSandboxFileSystem, startAgent, type AgentHandle, type SystemProbe } from '../../actors/agent';
import { defaultAgentFlags, type AgentFlags } from '../../actors/agent/flags';
import type { ExecutorExit, ExecutorLaunch, LaunchedExecutor, Launcher, RecoveredProcess } from '../../actors/agent/launcher';
import type { ContainerLimitation } from '../../actors/agent/isolator';
import { SandboxVolumeLinks, type SandboxVolume } from '../../actors/agent/volumes';
import { Executor, type KillOptions } from '../../actors/framework/executor';
import type { ProbeRunner, TaskChecks } from '../../actors/framework/checks';
import { masterDetector } from '../../lib/ha/detector';
import { ZOOKEEPER_SESSION_TIMEOUT_MS } from '../../lib/ha/election';
import { MemoryZooKeeper } from '../../lib/ha/memory-zookeeper';
import type { ZooKeeperClient, ZooKeeperConnector } from '../../lib/ha/zookeeper';
import { ContendingMaster } from '../../actors/master/contend';
import { DEFAULT_MASTER_ACTOR_IDS, type MasterActorIds } from '../../actors/master/start';
import { memoryHost } from '../support/runtime';
import { simulateFetch, type SimulatedFetchOutcome } from './simulated-fetch';

/** Where a simulated cluster's work dirs are, on its memory disks: `<dir>/master`, `<dir>/agent-<i>`. */
export const SIMULATION_WORK_DIR = '/simulation';
/**
 * The command executor every simulated agent names in its tasks' ExecutorInfo (the in-process
 * launcher never runs it). Fixed, so that no checkout's path, nor whether this machine built the
 * native executor, gets into a run's messages.
 */
export const SIMULATED_COMMAND_EXECUTOR_PATH = '/simulation/bin/mesos-command-executor';
/** The default executor's path the simulated agents name (none is run: the launcher starts a `SimulatedExecutor`). */
export const SIMULATED_DEFAULT_EXECUTOR_PATH = '/simulation/bin/mesos-default-executor';
/** The master's `--hostname` in a simulation. */
export const SIMULATED_MASTER_HOSTNAME = 'master.simulation';
/**
 * What a simulation's master is given over the defaults: its hostname, the allocator's books
 * checked after every operation, and no wall-time budget for the state endpoints' turns (where
 * they end then depends on counts alone, so a seed replays the same turns on any machine).
 */
export const SIMULATED_MASTER_FLAGS = { hostname: SIMULATED_MASTER_HOSTNAME, checkAllocatorInvariants: true, stateTurnBudgetMs: undefined } as const;
/** GiB, in bytes. */
const GIB = 1024 ** 3;
/** The machine every simulated agent detects (for what its `--resources` leaves out): the same everywhere. */
export const SIMULATED_MACHINE: SystemProbe = {
  logicalCores: () => Promise.resolve(8),
  totalMemoryBytes: () => Promise.resolve(16 * GIB),
  filesystemBytes: () => Promise.resolve(100 * GIB),
};

/** A simulated agent's `--hostname`: the machine of its slot. */
export function simulatedAgentHostname(slotIndex: number): string {
  return `agent-${slotIndex}.simulation`;
}

/** The first process id an `InProcessLauncher` hands out. */
export const SIMULATED_FIRST_PROCESS_ID = 10_000;

/**
 * An executor actor that pretends to run its task's command under the virtual clock. It runs
 * the task's health check and check as the command executor does (`startChecks`), with the
 * launcher's `checkProbes` deciding each probe's outcome.
 */
export class SimulatedExecutor extends Executor {
  /** Tasks running, by id, with the timer that ends them (small: a command executor runs one). */
  private readonly running: Map<string, { cancel(): void } | undefined> = new SmallMap();
  /** The checks of running tasks that have any (lazy: most have none). */
  private checks: Map<string, TaskChecks> | undefined = undefined;
  /** The task group of each running task that came in one (lazy: only task groups make it). */
  private groups: Map<string, readonly string[]> | undefined = undefined;
  /** Whether it plays the default executor (type DEFAULT), whose group policy it follows. */
  private isDefaultExecutor = false;

  protected override registered(executorInfo: ExecutorInfo): void {
    this.isDefaultExecutor = executorInfo.type === 'DEFAULT';
  }

  /** As the default executor (`actors/agent/default-executor.ts`): the group's tasks start, and a task that fails or is killed takes the rest of its group along. */
  protected override launchTaskGroup(tasks: readonly TaskInfo[]): void {
    const ids = tasks.map((task) => task.taskId);
    if (!this.isDefaultExecutor) {
      for (const task of tasks) this.launchTask(task);
      return;
    }
    for (const taskId of ids) (this.groups ??= new Map()).set(taskId, ids);
    this.groupFailed = false;
    for (const task of tasks) this.launchTask(task);
    // A task that ended at once (`exit 1`) ended before the group's later tasks started: they are killed now.
    if (this.groupFailed) for (const taskId of ids) if (this.running.has(taskId)) this.kill(taskId, {});
    this.groupFailed = false;
  }

  /** Set when a task of a group ends failed or killed (read while a group starts). */
  private groupFailed = false;

  /** The default executor's policy: the rest of `taskId`'s group is killed once it ended `state`, unless it finished. */
  private endedInGroup(taskId: string, state: TaskState): void {
    const group = this.groups?.get(taskId);
    if (group === undefined) return;
    this.groups?.delete(taskId);
    if (state === 'TASK_FINISHED') return;
    this.groupFailed = true;
    for (const other of group) {
      if (other === taskId || !this.running.has(other)) continue;
      this.kill(other, {});
    }
  }

  /** Whether it waits for its agent to reconnect (a checkpointing framework's executor whose agent link broke). */
  isWaitingForAgent(): boolean {
    return this.waitingForAgent;
  }

  /** Ids of the tasks it runs now (what a `ps` on the machine would show). */
  runningTaskIds(): string[] {
    return [...this.running.keys()];
  }

  protected override launchTask(task: TaskInfo): void {
    this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_STARTING' });
    this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_RUNNING' });
    const command = task.command?.value ?? task.data ?? '';
    const sleep = /^sleep (\d+(?:\.\d+)?)$/.exec(command);
    const exit = /^exit (\d+)$/.exec(command);
    if (exit) return this.finish(task.taskId, Number(exit[1]));
    const timer = sleep ? this.delay(Number(sleep[1]) * 1000, () => this.finish(task.taskId, 0)) : undefined;
    this.running.set(task.taskId, timer);
    const checks = this.startChecks(task);
    if (checks !== undefined) (this.checks ??= new Map()).set(task.taskId, checks);
  }

  protected override killTask(taskId: string, _options: KillOptions): void {
    this.kill(taskId, {});
  }

  /** As the command executor: killed for failing its health check, the TASK_KILLED says so. */
  protected override taskUnhealthy(taskId: string): void {
    this.kill(taskId, { reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy: false });
  }

  private kill(taskId: string, why: Pick<TaskStatus, 'reason' | 'healthy'>): void {
    if (!this.running.has(taskId)) return;
    this.running.get(taskId)?.cancel();
    this.running.delete(taskId);
    this.stopChecks(taskId);
    this.sendStatusUpdate({ taskId, state: 'TASK_KILLED', message: 'Command terminated with signal SIGTERM', ...why });
    this.endedInGroup(taskId, 'TASK_KILLED');
  }

  private stopChecks(taskId: string): void {
    this.checks?.get(taskId)?.stop();
    this.checks?.delete(taskId);
  }

  protected override acknowledged(update: StatusUpdate): void {
    if (isTerminalState(update.status.state) && this.running.size === 0) this.stop();
  }

  private finish(taskId: string, code: number): void {
    this.running.delete(taskId);
    this.stopChecks(taskId);
    // One string for the common exit (a template literal made a tree of concatenations per task, which the books keep with its status).
    const message = code === 0 ? EXITED_WITH_STATUS_0 : `Command exited with status ${code}`;
    const state = code === 0 ? 'TASK_FINISHED' : 'TASK_FAILED';
    this.sendStatusUpdate({ taskId, state, message });
    this.endedInGroup(taskId, state);
  }
}

/**
 * An executor's "process" in an `InProcessLauncher`. What `executors()` tells of its launch is
 * kept in fields, not the launch: the whole launch (~150 bytes) was kept for each executor's
 * life, and at 100k agents that was promoted for every task in flight.
 */
interface SimulatedProcess extends LaunchSummary {
  readonly executor: SimulatedExecutor;
  /** Whom to tell when it ends (the agent watching it now: a restarted agent takes it over). */
  onExit: (exit: ExecutorExit) => void;
  killed: boolean;
  /** Set when its container went past a limit (`destroyAtLimit`). */
  limitation: ContainerLimitation | undefined;
}

/**
 * The agent's handle on a simulated process: the launcher and the id, not the process (the
 * agent keeps it until the run is retired, and the process holds the executor actor). An object
 * with a method, not a closure and its scope per launch.
 */
class SimulatedProcessHandle implements LaunchedExecutor {
  constructor(private readonly launcher: InProcessLauncher, readonly processId: number) {}

  destroy(): void {
    this.launcher.kill(this.processId);
  }
}

/** A character an actor id may not hold (ids become URL path segments); `executor-<run>` has one only if a launcher named its run so. */
const ACTOR_ID_UNSAFE = /[^A-Za-z0-9_.()\-/:]/;
const ACTOR_ID_UNSAFE_ALL = new RegExp(ACTOR_ID_UNSAFE.source, 'g');

/** What a simulated command that exits 0 reports, as the command executor words it. */
const EXITED_WITH_STATUS_0 = 'Command exited with status 0';

/** Launches `InProcessLauncher.launches` keeps (a long simulation launches without bound). */
export const MAX_LAUNCHES_KEPT = 1_000;

/** What `InProcessLauncher.executors()` tells of the launch that started an executor. */
export type LaunchSummary = Pick<ExecutorLaunch, 'agentPid' | 'agentId' | 'frameworkId' | 'executorId' | 'runId' | 'commandExecutor'>;

/** How the fetch of a launch's URIs went (`InProcessLauncher.fetches`). */
export interface SimulatedFetch {
  readonly launch: ExecutorLaunch;
  readonly uris: readonly string[];
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly outcome: SimulatedFetchOutcome;
  /** The agent actor that launched it had ended (or another had taken its address) by the time the fetch ended. */
  readonly agentEnded: boolean;
  /** Why it failed or stopped. */
  readonly error?: string;
}

/** An executor the launcher started and that has not terminated yet, with what started it. */
export interface LiveExecutor {
  readonly executor: SimulatedExecutor;
  readonly launch: LaunchSummary;
}

/**
 * Starts executors as actors on the cluster's host. Each agent launches through `on(disk)`, which
 * creates the sandbox on that agent's memory disk first, as the process launcher does on a real one.
 */
export class InProcessLauncher implements Launcher {
  /**
   * The latest launches (what the agents asked for), oldest first: the last `MAX_LAUNCHES_KEPT`
   * at least, and at most twice that. Cut back to `MAX_LAUNCHES_KEPT` once it reaches twice as
   * many: cut by one per launch, each launch moved the thousand kept (1.5% of a simulated task).
   */
  readonly launches: ExecutorLaunch[] = [];
  /** Launches so far. */
  launched = 0;
  /**
   * Each executor's "process" until it ends, by id, in launch order: the executor, what started
   * it, and whom to tell when it ends (the agent watching it now). One map: the second it was,
   * with the same keys' lifetimes, was ~110 bytes a task in flight at 100k agents (its entries
   * and table growth, V8's sampling heap profiler, scratch).
   */
  private readonly processes = new Map<number, SimulatedProcess>();
  /** Process ids, numbered from here in launch order (the same in every run of a seed). */
  private nextProcessId = SIMULATED_FIRST_PROCESS_ID;
  /** How executors launched from now on probe their tasks' health checks and checks (default: real probes, which a simulation should not make). */
  checkProbes: ProbeRunner | undefined;
  /** The executors started after a fetch, by process id, with their launch's abort and the agent actor that asked (made at the first). */
  private fetchedRuns: Map<number, { readonly signal: AbortSignal; readonly agent: Actor; readonly agentId: string }> | undefined;
  /** Hears how each fetch of a launch with URIs ended (simulated-fetch.ts); launches without URIs fetch nothing. */
  fetches: ((fetch: SimulatedFetch) => void) | undefined;

  constructor(private readonly host: ActorHost) {}

  launch(launch: ExecutorLaunch, onExit: (exit: ExecutorExit) => void): Promise<LaunchedExecutor> {
    this.launched++;
    this.launches.push(launch);
    if (this.launches.length >= 2 * MAX_LAUNCHES_KEPT) this.launches.splice(0, this.launches.length - MAX_LAUNCHES_KEPT);
    const uris = launch.command.uris;
    if (uris !== undefined && uris.length > 0) return this.fetchThenStart(launch, uris.map((uri) => uri.value), onExit);
    return Promise.resolve(this.start(launch, onExit));
  }

  /**
   * Fetches the launch's URIs on the host's clock (simulated-fetch.ts) and starts its executor
   * only if the fetch succeeded and was not aborted, as `ProcessLauncher` does; `fetches` hears how it went.
   */
  private async fetchThenStart(launch: ExecutorLaunch, uris: readonly string[], onExit: (exit: ExecutorExit) => void): Promise<LaunchedExecutor> {
    const startedAtMs = this.host.clock.now();
    // The agent actor that asked: one that ended (or was replaced at its address) before the fetch did must have aborted it.
    const agentId = UPID.parse(launch.agentPid).id;
    const agent = this.host.lookup(agentId);
    const record = (outcome: SimulatedFetchOutcome, error?: Error): void => {
      const agentEnded = agent === undefined || this.host.lookup(agentId) !== agent;
      this.fetches?.({ launch, uris, startedAtMs, endedAtMs: this.host.clock.now(), outcome, agentEnded, ...(error !== undefined ? { error: error.message } : {}) });
    };
    try {
      await simulateFetch(this.host.clock, uris, launch.signal);
    } catch (error) {
      const failure = error as Error;
      record(launch.signal?.aborted === true ? 'aborted' : 'failed', failure);
      throw failure;
    }
    record('fetched');
    const started = this.start(launch, onExit);
    if (launch.signal !== undefined && agent !== undefined) (this.fetchedRuns ??= new Map()).set(started.processId, { signal: launch.signal, agent, agentId });
    return started;
  }

  /**
   * Executors alive whose launch was aborted after its fetch ended, though the agent that asked
   * still runs: an agent that times out or shuts down a launch whose fetch has just ended
   * destroys what it started (`executorStarted`), so once the cluster has settled there is none.
   * (One whose agent ended meanwhile may live on: a restarted agent takes it back.)
   */
  abortedButRunning(): LiveExecutor[] {
    const found: LiveExecutor[] = [];
    for (const [processId, run] of this.fetchedRuns ?? []) {
      const process = this.processes.get(processId);
      if (process === undefined || !run.signal.aborted || this.host.lookup(run.agentId) !== run.agent) continue;
      found.push({ executor: process.executor, launch: process });
    }
    return found;
  }

  /** Spawns the launch's executor on the host. */
  private start(launch: ExecutorLaunch, onExit: (exit: ExecutorExit) => void): LaunchedExecutor {
    // Named by its run (unique: a fresh id per launch), as a real executor's process is its own
    // `executor(1)`: the framework and executor ids are in every message it sends. Named after
    // all three, its id and its pid's text each held the framework and executor ids too.
    const id = ['executor', launch.runId].join('-');
    // One literal, no spreads (an absent token or probe runner is undefined, which the executor reads as absent).
    const executor = new SimulatedExecutor({
      id: ACTOR_ID_UNSAFE.test(id) ? id.replace(ACTOR_ID_UNSAFE_ALL, '_') : id,
      agentPid: launch.agentPid, agent: launch.agent, frameworkId: launch.frameworkId, executorId: launch.executorId,
      agentId: launch.agentId, directory: launch.directory, checkpoint: launch.checkpoint,
      token: launch.token, checkProbes: this.checkProbes,
    });
    const processId = this.nextProcessId++;
    const process: SimulatedProcess = {
      executor, agentPid: launch.agentPid, agentId: launch.agentId, frameworkId: launch.frameworkId, executorId: launch.executorId,
      runId: launch.runId, commandExecutor: launch.commandExecutor, onExit, killed: false, limitation: undefined,
    };
    this.processes.set(processId, process);
    this.host.spawn(executor);
    this.host.whenTerminated(executor, () => {
      this.processes.delete(processId);
      this.fetchedRuns?.delete(processId);
      const limitation = process.limitation === undefined ? {} : { limitation: process.limitation };
      process.onExit(process.killed ? { code: null, signal: 'SIGKILL', ...limitation } : { code: 0, signal: null });
    });
    return new SimulatedProcessHandle(this, processId);
  }

  /** A restarted agent takes back an executor process: it is told when it ends (at once if it already has). */
  recover(recovered: RecoveredProcess, onExit: (exit: ExecutorExit) => void): LaunchedExecutor {
    const process = this.processes.get(recovered.processId);
    if (process === undefined) queueMicrotask(() => onExit({ code: null, signal: null }));
    else process.onExit = (exit) => onExit({ ...exit, code: null, signal: exit.signal === 'SIGKILL' ? 'SIGKILL' : null });
    return new SimulatedProcessHandle(this, recovered.processId);
  }

  /** @internal Kills the executor of process `processId` (its handle's `destroy`). */
  kill(processId: number): void {
    const process = this.processes.get(processId);
    if (process === undefined) return;
    process.killed = true;
    this.host.terminate(process.executor);
  }

  /**
   * The executor's container goes past a limit: its isolation destroys it (executor and tasks at
   * once, none reporting anything) and the exit carries the limitation, as `ProcessLauncher` reports it.
   */
  destroyAtLimit(executor: SimulatedExecutor, limitation: ContainerLimitation): void {
    for (const [processId, process] of this.processes) {
      if (process.executor !== executor) continue;
      process.limitation = limitation;
      this.kill(processId);
    }
  }

  /**
   * This launcher for an agent whose work dir is on `disk`: sandboxes are created there first,
   * with the links that show a run's persistent volumes (volumes.ts; recorded by the memory disk,
   * as nothing in a simulated executor reads through them).
   */
  on(disk: MemoryDisk): Launcher {
    let links: SandboxVolumeLinks | undefined;
    const show = (directory: string, link: readonly SandboxVolume[], unlink: readonly SandboxVolume[]): Promise<void> => (links ??= new SandboxVolumeLinks(disk)).update(directory, link, unlink);
    return {
      // A `then`, not an async function: its frame was kept (~200 B) for each of 100k launches in flight.
      launch: (launch, onExit) => {
        const sandbox = disk.makeDirectory(launch.directory);
        const volumes = launch.volumes;
        return (volumes === undefined ? sandbox : sandbox.then(() => show(launch.directory, volumes, []))).then(() => this.launch(launch, onExit));
      },
      recover: (recovered, onExit) => this.recover(recovered, onExit),
      updateVolumes: (_runId, directory, link, unlink) => show(directory, link, unlink),
    };
  }

  /** The executors alive now, in launch order. */
  executors(): LiveExecutor[] {
    return [...this.processes.values()].map((process) => ({
      executor: process.executor,
      launch: {
        agentPid: process.agentPid, agentId: process.agentId, frameworkId: process.frameworkId, executorId: process.executorId,
        runId: process.runId, commandExecutor: process.commandExecutor,
      },
    }));
  }

  /**
   * The machine of the agent at `agentPid` goes down with it: its executors, and so their tasks,
   * end at once, in the same turn as the agent, so none of them gets to report anything.
   */
  crashExecutorsOf(agentPid: string): SimulatedExecutor[] {
    const doomed = this.executors().filter(({ launch }) => launch.agentPid === agentPid).map(({ executor }) => executor);
    for (const executor of doomed) this.host.terminate(executor);
    return doomed;
  }
}

/** A running simulated cluster. */
export interface Simulation {
  clock: VirtualClock;
  host: ActorHost;
  master: MasterHandle;
  /** Holds the master's registry. */
  masterDisk: MemoryDisk;
  agent: AgentHandle;
  /** Holds the agent's work dir and sandboxes. */
  agentDisk: MemoryDisk;
  launcher: InProcessLauncher;
  masterAddress: string;
}

/** Starts master + agent (with `resources`) on one memory host with a simulated clock and memory disks. */
export async function startSimulation(resources: string, seed = 1): Promise<Simulation> {
  const clock = new VirtualClock({ simulated: true });
  const host = memoryHost({ clock, seed });
  const masterDisk = new MemoryDisk(clock);
  const agentDisk = new MemoryDisk(clock);
  const masterFlags = { ...defaultMasterFlags(`${SIMULATION_WORK_DIR}/master`), ...SIMULATED_MASTER_FLAGS };
  const master = await startMaster({ flags: masterFlags, host, registry: await Registry.load(registryPathOf(masterFlags), { disk: masterDisk, clock }) });
  const launcher = new InProcessLauncher(host);
  const agentFlags = defaultAgentFlags({
    master: host.address, workDir: `${SIMULATION_WORK_DIR}/agent`, resources, hostname: simulatedAgentHostname(0), commandExecutorPath: SIMULATED_COMMAND_EXECUTOR_PATH, defaultExecutorPath: SIMULATED_DEFAULT_EXECUTOR_PATH,
  });
  const agent = await startAgent({ flags: agentFlags, host, launcher: launcher.on(agentDisk), disk: agentDisk, probe: SIMULATED_MACHINE, executorToken: simulatedToken(host) });
  await clock.advance(5_000); // registration, with its backoff
  return { clock, host, master, masterDisk, agent, agentDisk, launcher, masterAddress: UPID.parse(master.pid.toString()).address };
}

/** One agent's place in a cluster: the agent running there now, if any, over one work dir. */
export class AgentSlot {
  /** The agent running now; undefined while crashed. */
  private current: AgentHandle | undefined;
  /** The agent running now terminated by itself. */
  private ended = false;
  /** Agents started here so far. */
  private starts = 0;
  /** The actor id of the agent that ran here last. */
  private lastActorId: string | undefined;
  /** This machine's disk: the work dir and the sandboxes, kept across crashes. */
  readonly disk: MemoryDisk;

  constructor(
    private readonly host: ActorHost,
    private readonly launcher: InProcessLauncher,
    /** The master's `host:port`. */
    private readonly master: string,
    /** `--resources` of every agent started here. */
    readonly resources: string,
    /** The work dir every agent started here uses. */
    readonly workDir: string,
    /** `--hostname` of every agent started here. */
    readonly hostname: string,
    clock: VirtualClock,
    /** With a `zk://` master: the simulated ZooKeeper the agents follow the leader in. */
    private readonly zooKeeper?: ZooKeeperConnector,
    /**
     * Agents checkpoint and recover (`ClusterOptions.agentRecovery`): every agent here starts as
     * `startAgent` starts it (its journal kept), and `restartProcess` keeps the executors.
     */
    private readonly recovery = false,
    /** Every agent here authenticates with this (`ClusterOptions.credentials`). */
    private readonly credential?: Credential,
    /** Agents restarted at their address start as `startAgent` starts them too (`ClusterOptions.reservations`). */
    private readonly reservations = false,
  ) {
    this.disk = new MemoryDisk(clock);
  }

  /** The agent running here, if any (it may have terminated since: see `terminated`). */
  get agent(): AgentHandle | undefined {
    return this.current;
  }

  /** True once the agent running here terminated by itself (a Shutdown from the master). */
  get terminated(): boolean {
    return this.ended;
  }

  /** How many agents were started here. */
  get startCount(): number {
    return this.starts;
  }

  /**
   * Starts a new agent here (no `files` actor: several agents share the host). With
   * `sameAddress`, it takes the actor id, and so the pid, of the agent that ran here last, as a
   * restarted `mesos-agent` comes back at its old `ip:port`; otherwise it gets a new one, as an
   * agent on another machine would.
   */
  async start(sameAddress = false, recover: AgentFlags['recover'] = 'cleanup'): Promise<AgentHandle> {
    if (this.current !== undefined && !this.terminated) throw new Error(`an agent already runs over ${this.workDir}`);
    // `cleanup`: a crash here takes the executors with it (see `crash`), so a restarted agent is a new one to the master.
    // `reconnect` (after `restartProcess`): the executors live on, and the agent takes them back from its checkpoints.
    const flags = defaultAgentFlags({
      master: this.master, workDir: this.workDir, resources: this.resources, hostname: this.hostname, commandExecutorPath: SIMULATED_COMMAND_EXECUTOR_PATH, defaultExecutorPath: SIMULATED_DEFAULT_EXECUTOR_PATH,
      recover,
    });
    const handle = sameAddress && this.lastActorId !== undefined && !this.recovery && !this.reservations
      ? await this.startAt(this.lastActorId, flags)
      : await startAgent({
        flags, host: this.host, launcher: this.launcher.on(this.disk), files: false, disk: this.disk, probe: SIMULATED_MACHINE,
        executorToken: simulatedToken(this.host),
        ...(this.credential !== undefined ? { credential: this.credential } : {}),
        ...(this.zooKeeper !== undefined ? { zooKeeper: this.zooKeeper } : {}),
        ...(sameAddress && this.lastActorId !== undefined ? { id: this.lastActorId } : {}),
      });
    this.lastActorId = handle.pid.id;
    this.current = handle;
    this.ended = false;
    this.starts++;
    void handle.terminated.then(() => { if (this.current === handle) this.ended = true; });
    return handle;
  }

  /**
   * Starts an agent as `startAgent` does (without the `files` actor), but at a given actor id,
   * with no checkpoints: it neither reads nor writes its dynamic reservations. (`reservations`
   * slots start every agent with `startAgent`, which does.)
   */
  private async startAt(id: string, flags: AgentFlags): Promise<AgentHandle> {
    await this.disk.makeDirectory(flags.workDir);
    const resources = await detectResources({ workDir: flags.workDir, explicit: this.resources, probe: SIMULATED_MACHINE });
    const detector = this.zooKeeper !== undefined ? masterDetector(flags.master, this.host, this.zooKeeper) : undefined;
    const agent = new Agent({
      id, flags, resources, attributes: {}, hostname: this.hostname, launcher: this.launcher.on(this.disk), commandExecutor: commandExecutorCommand(flags),
      executorToken: simulatedToken(this.host),
      // The work dir is a memory disk: nothing of the machine's is collected, and nothing real is waited for.
      sandboxFileSystem: inertSandboxFileSystem,
      ...(this.credential !== undefined ? { credential: this.credential } : {}),
      ...(detector !== undefined ? { detector } : {}),
    });
    const pid = this.host.spawn(agent);
    const terminated = this.host.wait(agent).then(async () => { await detector?.close(); });
    const stop = async (): Promise<void> => {
      await dispatch(agent, (actor) => actor.stop()).catch(() => undefined);
      await terminated;
    };
    return { agent, pid, terminated, stop, releaseIfEmpty: async () => undefined }; // no cgroups in a simulation
  }

  /**
   * The agent process dies (`kill -9`, or an upgrade) and its machine stays up: its actor ends
   * without a word; its executors live on, waiting for it (their frameworks checkpoint). Start it
   * again with `start(true, 'reconnect')`.
   */
  restartProcess(): Promise<void> {
    return this.end(false);
  }

  /**
   * Crashes the agent: its actor, its executors and their tasks end at once, without telling
   * anyone (no UnregisterAgent, no status update); linked actors see it exit. Unless its
   * frameworks checkpoint (`agentRecovery`), nothing is checkpointed, so an agent started here
   * again is a new agent to the master.
   */
  crash(): Promise<void> {
    return this.end(true);
  }

  /** Ends the agent running here without a word, and its executors with it if `machine` (the whole machine went down). */
  private async end(machine: boolean): Promise<void> {
    const handle = this.current;
    this.current = undefined;
    this.ended = false;
    if (handle === undefined) return;
    this.host.terminate(handle.agent);
    const executors = machine ? this.launcher.crashExecutorsOf(handle.pid.toString()) : [];
    await Promise.all([handle.terminated, ...executors.map((executor) => this.host.wait(executor))]);
  }
}

/** What `startCluster` needs. */
export interface ClusterOptions {
  /** `--resources` of each agent, one slot per entry. */
  readonly agents: readonly string[];
  /** Holds `master/` and `agent-<i>/` on the memory disks (default `SIMULATION_WORK_DIR`). */
  readonly workDir?: string;
  /** The host's PRNG seed. */
  readonly seed: number;
  /** Overrides of the master's flags (`checkAllocatorInvariants` is on unless overridden). */
  readonly masterFlags?: Partial<MasterFlags>;
  /** The host's address (default: a fresh `memory-N:1`); fix it to replay a run exactly. */
  readonly address?: string;
  readonly logger?: Logger;
  /** Sees every message sent and handled on the host (see `ActorHostOptions.observer`). */
  readonly observer?: ActorHostOptions['observer'];
  /** Takes the messages for other hosts (see `ActorHostOptions.offHost`): a simulated wire to them. */
  readonly offHost?: ActorHostOptions['offHost'];
  /** Records the host's trace to this file from the start (read it with `mesos-trace`). */
  readonly tracePath?: string;
  /** Agents checkpoint and can restart keeping their executors (see `AgentSlot.restartProcess`). */
  readonly agentRecovery?: boolean;
  /**
   * Masters contending in a simulated ZooKeeper (default 1: one master, the registry on
   * `masterDisk`). With more, agents and schedulers follow the leader (`zk://`), the registry is
   * in ZooKeeper, and `ha` drives failovers.
   */
  readonly masters?: number;
  /**
   * The masters authenticate agents and frameworks (`--authenticate_agents`,
   * `--authenticate_frameworks`, `--credentials`): the agents with `SIMULATED_AGENT_CREDENTIAL`,
   * schedulers with one of `Cluster.frameworkCredentials`.
   */
  readonly credentials?: boolean;
  /**
   * Every agent starts as `startAgent` starts it, those restarted at their address too (which
   * otherwise start without checkpoints): each takes back the dynamic reservations checkpointed
   * in its work dir, as a Mesos agent does whatever its id.
   */
  readonly reservations?: boolean;
}

/** The agents' credential in a cluster with `ClusterOptions.credentials`. */
export const SIMULATED_AGENT_CREDENTIAL: Credential = { principal: 'agent', secret: 'agent-secret' };
/** The frameworks' credentials in a cluster with `ClusterOptions.credentials` (two principals, so that one's state is kept apart from the other's). */
export const SIMULATED_FRAMEWORK_CREDENTIALS: readonly Credential[] = [
  { principal: 'batch', secret: 'batch-secret' },
  { principal: 'services', secret: 'services-secret' },
];

/** The master flags that make a cluster authenticate with the simulated credentials. */
function credentialFlags(): Partial<MasterFlags> {
  const credentials = new Map([SIMULATED_AGENT_CREDENTIAL, ...SIMULATED_FRAMEWORK_CREDENTIALS].map((credential) => [credential.principal, credential.secret]));
  return { authenticateAgents: true, authenticateFrameworks: true, credentials };
}

/** The simulated ZooKeeper URL of an HA cluster. */
export const SIMULATED_ZOOKEEPER_URL = 'zk://zookeeper.simulation:2181/mesos';

/** One contending master of an HA cluster, and the ZooKeeper sessions it opened. */
export interface MasterMachine {
  /** Its actors' ids: `master`, `allocator`, `metrics`, then `master-2`, ... */
  readonly actorIds: MasterActorIds;
  /** The master process running there now. */
  contending: ContendingMaster;
  /** Every session its processes opened (a crash or a partition cuts them). */
  readonly sessions: ZooKeeperClient[];
  /** Starts counted, for logs. */
  starts: number;
}

/** Several masters contending in a simulated ZooKeeper. */
export class HaMasters {
  readonly machines: MasterMachine[] = [];
  /** Told each time a master starts leading (a new master, as the frameworks see it). */
  private readonly leadingListeners: Array<(machine: MasterMachine) => void> = [];

  constructor(readonly zooKeeper: MemoryZooKeeper, private readonly host: ActorHost, private readonly flags: MasterFlags) {}

  /** Calls `listener` each time a master starts leading. */
  onLeading(listener: (machine: MasterMachine) => void): void {
    this.leadingListeners.push(listener);
  }

  /** The leading master now, if one leads. */
  leader(): MasterMachine | undefined {
    return this.machines.find((machine) => machine.contending.state === 'leading' && machine.contending.leading !== undefined);
  }

  /** Masters that say they lead or are taking over (at most one, ever). */
  leaders(): MasterMachine[] {
    return this.machines.filter((machine) => machine.contending.state === 'leading' || machine.contending.state === 'recovering');
  }

  /** Adds a master machine and starts its master. */
  add(): MasterMachine {
    const index = this.machines.length;
    const actorIds = index === 0 ? DEFAULT_MASTER_ACTOR_IDS : { master: `master-${index + 1}`, allocator: `allocator-${index + 1}`, metrics: `metrics-${index + 1}` };
    const machine = { actorIds, sessions: [], starts: 0 } as unknown as MasterMachine;
    this.machines.push(machine);
    this.start(machine);
    return machine;
  }

  /** Starts (again) the master process of `machine`. */
  start(machine: MasterMachine): void {
    const connect: ZooKeeperConnector = (url, options) => {
      const client = this.zooKeeper.connect(url, options);
      machine.sessions.push(client);
      return client;
    };
    machine.starts++;
    machine.contending = ContendingMaster.start({
      flags: this.flags, host: this.host, actorIds: machine.actorIds,
      zk: { url: { servers: 'zookeeper.simulation:2181', path: '/mesos' }, connect, sessionTimeoutMs: ZOOKEEPER_SESSION_TIMEOUT_MS },
    });
    machine.contending.onStateChange((state) => {
      if (state === 'leading') for (const listener of this.leadingListeners) listener(machine);
    });
  }

  /** `kill -9` of the master process of `machine`: its actors end, ZooKeeper hears nothing (its sessions expire). */
  async crash(machine: MasterMachine): Promise<void> {
    for (const session of machine.sessions.splice(0)) this.zooKeeper.partition(session);
    await machine.contending.crash();
  }

  /** Cuts `machine` off from ZooKeeper (its sessions); `heal` ends it. */
  partition(machine: MasterMachine): void {
    for (const session of machine.sessions) this.zooKeeper.partition(session);
  }

  heal(machine: MasterMachine): void {
    for (const session of machine.sessions) this.zooKeeper.heal(session);
  }
}

/** A running simulated cluster of several agents. */
export interface Cluster {
  readonly clock: VirtualClock;
  readonly host: ActorHost;
  /** The master running now (`restartMaster` replaces it). */
  master: MasterHandle;
  /** The flags every master of this cluster starts with. */
  readonly masterFlags: MasterFlags;
  /** Holds the master's registry. */
  readonly masterDisk: MemoryDisk;
  readonly launcher: InProcessLauncher;
  readonly masterAddress: string;
  readonly agents: readonly AgentSlot[];
  /** With several masters: them, and the simulated ZooKeeper (`master` is then the leader's, and throws while none leads). */
  readonly ha?: HaMasters;
  /** What schedulers are given to find the master: its `host:port`, or the ZooKeeper URL and connector. */
  readonly schedulerMaster: { readonly master: string; readonly zooKeeper?: ZooKeeperConnector };
  /** What schedulers authenticate with (`ClusterOptions.credentials`), one each; none when the master does not authenticate. */
  readonly frameworkCredentials: readonly Credential[];
}

/** Starts a master and one agent per `options.agents` entry on one memory host with a simulated clock and memory disks. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const clock = new VirtualClock({ simulated: true });
  const host = memoryHost({
    clock, seed: options.seed,
    ...(options.address !== undefined ? { address: options.address } : {}),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.observer !== undefined ? { observer: options.observer } : {}),
    ...(options.offHost !== undefined ? { offHost: options.offHost } : {}),
  });
  if (options.tracePath !== undefined) host.startTrace(options.tracePath); // before any actor, so a replay can follow it
  const workDir = options.workDir ?? SIMULATION_WORK_DIR;
  const masterDisk = new MemoryDisk(clock);
  const flags: MasterFlags = {
    ...defaultMasterFlags(`${workDir}/master`), ...SIMULATED_MASTER_FLAGS, ...(options.credentials === true ? credentialFlags() : {}), ...options.masterFlags,
  };
  const launcher = new InProcessLauncher(host);
  if ((options.masters ?? 1) > 1) return startHaCluster(options, { clock, host, flags, masterDisk, launcher, workDir });
  const master = await startMaster({ flags, host, registry: await Registry.load(registryPathOf(flags), { disk: masterDisk, clock }) });
  const agents = options.agents.map((resources, index) => new AgentSlot(
    host, launcher, host.address, resources, `${workDir}/agent-${index}`, simulatedAgentHostname(index), clock, undefined, options.agentRecovery === true,
    options.credentials === true ? SIMULATED_AGENT_CREDENTIAL : undefined, options.reservations === true,
  ));
  for (const slot of agents) await slot.start();
  await clock.advance(5_000); // registration, with its backoff
  const masterAddress = UPID.parse(master.pid.toString()).address;
  return { clock, host, master, masterFlags: flags, masterDisk, launcher, masterAddress, agents, schedulerMaster: { master: masterAddress },
    frameworkCredentials: options.credentials === true ? SIMULATED_FRAMEWORK_CREDENTIALS : [],
  };
}

/** `startCluster` with `masters` > 1: masters contending in a simulated ZooKeeper, the first leading at the start. */
async function startHaCluster(
  options: ClusterOptions,
  parts: { clock: VirtualClock; host: ActorHost; flags: MasterFlags; masterDisk: MemoryDisk; launcher: InProcessLauncher; workDir: string },
): Promise<Cluster> {
  const { clock, host, flags, masterDisk, launcher, workDir } = parts;
  const zooKeeper = new MemoryZooKeeper(clock);
  const ha = new HaMasters(zooKeeper, host, flags);
  ha.add();
  await clock.advance(1_000); // the first master leads
  for (let index = 1; index < (options.masters ?? 1); index++) ha.add();
  await clock.advance(1_000);
  const agents = options.agents.map((resources, index) => new AgentSlot(
    host, launcher, SIMULATED_ZOOKEEPER_URL, resources, `${workDir}/agent-${index}`, simulatedAgentHostname(index), clock, zooKeeper.connect, options.agentRecovery === true,
    options.credentials === true ? SIMULATED_AGENT_CREDENTIAL : undefined, options.reservations === true,
  ));
  for (const slot of agents) await slot.start();
  await clock.advance(5_000); // registration, with its backoff
  const leaderOf = (): MasterHandle => {
    const leading = ha.leader()?.contending.leading;
    if (leading === undefined) throw new Error('no master leads now');
    return leading;
  };
  return {
    clock, host, masterFlags: flags, masterDisk, launcher, agents, ha,
    get master(): MasterHandle { return leaderOf(); },
    set master(_handle: MasterHandle) { throw new Error('an HA cluster\'s master is whichever leads (see `ha`)'); },
    get masterAddress(): string { return leaderOf().pid.address; },
    schedulerMaster: { master: SIMULATED_ZOOKEEPER_URL, zooKeeper: zooKeeper.connect },
    frameworkCredentials: options.credentials === true ? SIMULATED_FRAMEWORK_CREDENTIALS : [],
  };
}

/**
 * The master process crashes and starts again from its registry, at the same address: its
 * master, allocator and metrics actors end (everyone linked to the master sees it exit), and new
 * ones start over the registry on the master's disk, as a restarted `mesos-master` would.
 */
export async function restartMaster(cluster: Cluster): Promise<void> {
  await cluster.master.stop();
  // Loading compacts the registry: a write, which a slow disk completes only as virtual time
  // passes. The clock is driven meanwhile (a restart takes that long), or this would wait forever.
  const registry = await whileTimePasses(cluster.clock, Registry.load(registryPathOf(cluster.masterFlags), { disk: cluster.masterDisk, clock: cluster.clock }));
  cluster.master = await startMaster({ flags: cluster.masterFlags, host: cluster.host, registry });
}

/** Virtual time moved per turn by `whileTimePasses`. */
const DRIVE_STEP_MS = 100;

/** Awaits `promise`, advancing the virtual clock in small steps until it settles. */
async function whileTimePasses<T>(clock: VirtualClock, promise: Promise<T>): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => { settled = true; });
  await clock.settle();
  while (!settled) await clock.advance(DRIVE_STEP_MS);
  return tracked;
}

/** Executor tokens drawn from the host's seeded PRNG, so that a seed replays byte for byte (real agents use crypto randomness). */
export function simulatedToken(host: ActorHost): () => string {
  return () => host.newId();
}
