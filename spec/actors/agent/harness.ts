/**
 * A single-agent harness: the agent on a memory host under a virtual clock, a Probe playing the
 * master, a fake launcher that starts no process, and Probes playing executors.
 */
import { createHash } from 'node:crypto';
import { dispatch, type UPID } from '../../../lib/actor';
import { VirtualClock, type ActorHost, type HttpResponse } from '../../../lib/process';
import type { MasterInfo, StatusUpdate, TaskInfo, TaskState } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { Agent, type AgentOptions } from '../../../actors/agent/agent';
import type { RecoveredAgent } from '../../../actors/agent/checkpoint';
import { defaultAgentFlags, type AgentFlags } from '../../../actors/agent/flags';
import type { ExecutorExit, ExecutorLaunch, LaunchedExecutor, Launcher, RecoveredProcess } from '../../../actors/agent/launcher';
import type { ContainerLimits } from '../../../actors/agent/isolator';
import type { SandboxVolume } from '../../../actors/agent/volumes';
import type { Logger } from '../../../lib/logging';
import { memoryHost, Probe, type Received } from '../../support/runtime';
import { MemoryDisk } from '../../../lib/disk';
import { startAgent, type AgentHandle } from '../../../actors/agent';
import { SIMULATED_MACHINE } from '../../cluster/simulation';

/** A Probe that also notes the host-clock time of each message. */
export class TimedProbe extends Probe {
  readonly times: number[] = [];

  protected override record(received: Received): void {
    this.times.push(this.clock.now());
    super.record(received);
  }

  /** Bodies of the messages named `name`, in arrival order. */
  bodies<T>(name: string): T[] {
    return this.received.filter((r) => r.name === name).map((r) => r.body as T);
  }

  /** Arrival times of the messages named `name`. */
  timesOf(name: string): number[] {
    return this.received.flatMap((r, index) => (r.name === name ? [this.times[index] as number] : []));
  }
}

/** One launch the fake launcher was asked for. */
export interface FakeRun {
  launch: ExecutorLaunch;
  exit(exit?: ExecutorExit): void;
  destroyed: boolean;
  /** The signals `signal` sent it (KILL_CONTAINER with a signal other than SIGKILL), in order; it goes on running. */
  readonly signals: number[];
}

/** Starts nothing; records launches; `destroy` makes the fake process exit with SIGKILL; `signal` is recorded. */
export class FakeLauncher implements Launcher {
  readonly runs: FakeRun[] = [];
  /** When set, each process exits this way before `launch` has even resolved. */
  exitOnLaunch: ExecutorExit | undefined;
  private nextProcessId = 1000;

  launch(launch: ExecutorLaunch, onExit: (exit: ExecutorExit) => void): Promise<LaunchedExecutor> {
    let exited = false;
    const run: FakeRun = {
      launch,
      destroyed: false,
      signals: [],
      exit: (exit = { code: 0, signal: null }) => {
        if (exited) return;
        exited = true;
        onExit(exit);
      },
    };
    this.runs.push(run);
    const destroy = (): void => {
      run.destroyed = true;
      run.exit({ code: null, signal: 'SIGKILL' });
    };
    if (this.exitOnLaunch !== undefined) run.exit(this.exitOnLaunch);
    const processId = this.nextProcessId++;
    return Promise.resolve({ processId, startTime: FakeLauncher.startTimeOf(processId), destroy, signal: (signal: number) => void run.signals.push(signal) });
  }

  /** Every `update` the agent made of a run's limits, in order. */
  readonly updates: Array<{ readonly runId: string; readonly limits: ContainerLimits }> = [];

  update(runId: string, limits: ContainerLimits): void {
    this.updates.push({ runId, limits });
  }

  /** Every `updateVolumes` the agent asked for, in order. */
  readonly volumeUpdates: Array<{ readonly runId: string; readonly directory: string; readonly link: readonly SandboxVolume[]; readonly unlink: readonly SandboxVolume[] }> = [];
  /** When set, what `updateVolumes` answers (a promise held open, or one rejecting as when something in the sandbox is in a link's way); else done at once. */
  volumeUpdateOutcome: (() => Promise<void>) | undefined;

  updateVolumes(runId: string, directory: string, link: readonly SandboxVolume[], unlink: readonly SandboxVolume[]): Promise<void> {
    this.volumeUpdates.push({ runId, directory, link, unlink });
    return this.volumeUpdateOutcome?.() ?? Promise.resolve();
  }

  /** The start time a launched process reports (what the agent checkpoints beside its id). */
  static startTimeOf(processId: number): string {
    return `ticks-${processId}`;
  }

  /** Processes a restarted agent took back, by run id; `destroy` makes one exit with SIGKILL. */
  readonly recovered = new Map<string, FakeRun & { processId: number; startTime?: string | undefined }>();

  recover(process: RecoveredProcess, onExit: (exit: ExecutorExit) => void): LaunchedExecutor {
    let exited = false;
    const run = {
      launch: { frameworkId: process.frameworkId, executorId: process.executorId, runId: process.runId } as ExecutorLaunch,
      processId: process.processId,
      startTime: process.startTime,
      destroyed: false,
      signals: [] as number[],
      exit: (exit: ExecutorExit = { code: null, signal: null }) => {
        if (exited) return;
        exited = true;
        onExit(exit);
      },
    };
    this.recovered.set(process.runId, run);
    return {
      processId: process.processId,
      destroy: () => {
        run.destroyed = true;
        run.exit({ code: null, signal: 'SIGKILL' });
      },
    };
  }

  /** `{token}` of the latest launch of the executor (what a real one finds in its environment), or nothing. */
  tokenOf(frameworkId: string, executorId: string): { token?: string } {
    const token = this.runs.filter((run) => run.launch.frameworkId === frameworkId && run.launch.executorId === executorId).at(-1)?.launch.token;
    return token === undefined ? {} : { token };
  }

  run(executorId: string): FakeRun {
    const run = this.runs.find((candidate) => candidate.launch.executorId === executorId);
    if (!run) throw new Error(`no executor '${executorId}' was launched`);
    return run;
  }
}

/** Names the fake master records. */
export const MASTER_MESSAGES = ['RegisterAgent', 'ReregisterAgent', 'UnregisterAgent', 'Pong', 'StatusUpdate', 'ExitedExecutor', 'ExecutorToFramework', 'UpdateOperationStatus'];
/** Names a fake executor records. */
export const EXECUTOR_MESSAGES = ['ExecutorRegistered', 'ExecutorReregistered', 'ReconnectExecutor', 'RunTaskOnExecutor', 'KillTaskOnExecutor', 'StatusUpdateAcknowledgement', 'ShutdownExecutorOnExecutor', 'FrameworkToExecutor'];

export const FRAMEWORK_ID = 'F1';
/** The harness' master never pings, so the agent waits a day before deciding it is lost. */
export const HARNESS_PING_TIMEOUT_MS = 24 * 3600_000;
export const AGENT_ID = 'A1';

/** Options of the harness' agent beyond its flags. */
export interface HarnessAgentOptions {
  readonly sandboxFileSystem?: AgentOptions['sandboxFileSystem'];
  /** What a previous run checkpointed, given the address of the harness' host. */
  readonly recovered?: (address: string) => RecoveredAgent;
  /** The agent's command executor for checkpointing frameworks. */
  readonly recoverableCommandExecutor?: AgentOptions['recoverableCommandExecutor'];
  /** A detector the agent follows instead of the fake master (give `master` a `zk://` URL in the flags). */
  readonly detector?: AgentOptions['detector'];
  /** The ACLs its HTTP endpoints follow (none: all is allowed). */
  readonly acls?: AgentOptions['acls'];
  /** It authenticates with its master first. */
  readonly credential?: AgentOptions['credential'];
  /** The clock simulates all I/O: a settle does not wait for a launch in flight (a test holding one open). */
  readonly simulatedClock?: boolean;
}

/** The agent, its fake master and launcher, on one memory host under a virtual clock. */
export class AgentHarness {
  readonly clock: VirtualClock;
  readonly host: ActorHost;
  readonly master: TimedProbe;
  readonly launcher = new FakeLauncher();
  readonly agent: Agent;
  readonly agentPid: UPID;
  readonly flags: AgentFlags;
  private updateCounter = 0;

  /**
   * @param logger the host's logger (e.g. `captureLogger().logger`, to assert on what the agent logs); silent by default.
   * @param options more of the agent's options: the file system its garbage collector uses, what a previous run
   *   checkpointed (given the host's address, which executor pids in it name), and the command executor for
   *   checkpointing frameworks (default: the same `/bin/true`)
   */
  constructor(overrides: Partial<AgentFlags> = {}, logger?: Logger, options: HarnessAgentOptions = {}) {
    this.clock = new VirtualClock({ simulated: options.simulatedClock === true });
    this.host = memoryHost({ clock: this.clock, ...(logger !== undefined ? { logger } : {}) });
    this.master = new TimedProbe('master', MASTER_MESSAGES);
    this.host.spawn(this.master);
    // The fake master does not ping: without a long ping timeout the agent would re-register every 75 s.
    this.flags = defaultAgentFlags({ master: this.host.address, workDir: '/work-dir', masterPingTimeoutMs: HARNESS_PING_TIMEOUT_MS, ...overrides });
    this.agent = new Agent({
      id: this.host.uniqueId('slave'),
      flags: this.flags,
      resources: Resources.parse('cpus:4;mem:4096;ports:[31000-32000]'),
      attributes: { rack: 'r1' },
      hostname: 'agent-host',
      launcher: this.launcher,
      commandExecutor: { value: '/bin/true', shell: false },
      ...(options.recoverableCommandExecutor === undefined ? {} : { recoverableCommandExecutor: options.recoverableCommandExecutor }),
      ...(options.sandboxFileSystem !== undefined ? { sandboxFileSystem: options.sandboxFileSystem } : {}),
      ...(options.recovered !== undefined ? { recovered: options.recovered(this.host.address) } : {}),
      ...(options.detector !== undefined ? { detector: options.detector } : {}),
      ...(options.acls !== undefined ? { acls: options.acls } : {}),
      ...(options.credential !== undefined ? { credential: options.credential } : {}),
    });
    this.agentPid = this.host.spawn(this.agent);
  }

  static readonly masterInfo: MasterInfo = { id: 'M1', ip: '127.0.0.1', port: 5050, pid: 'master@127.0.0.1:5050', hostname: 'master-host', version: '1' };

  /** Lets the first registration attempt happen and answers it. */
  async register(): Promise<void> {
    await this.clock.advance(this.flags.registrationBackoffFactorMs);
    if (this.master.count('RegisterAgent') === 0) throw new Error('the agent did not try to register');
    this.fromMaster('AgentRegistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
    await this.clock.settle();
  }

  fromMaster(name: string, body: unknown): void {
    this.master.post(this.agentPid, name, body);
  }

  /** A command task for RunTask. */
  static commandTask(taskId: string, command = 'sleep 60', extra: Partial<TaskInfo> = {}): TaskInfo {
    return { name: taskId, taskId, agentId: AGENT_ID, resources: Resources.parse('cpus:1;mem:128').toJSON(), command: { value: command }, ...extra };
  }

  runTask(task: TaskInfo, capabilities: Array<'PARTITION_AWARE' | 'TASK_KILLING_STATE'> = [], frameworkId = FRAMEWORK_ID): void {
    this.fromMaster('RunTask', { framework: { id: frameworkId, name: 'fw', user: 'u', capabilities }, frameworkId, task });
  }

  /** A Probe playing an executor, spawned and registered with the agent. */
  async registerExecutor(executorId: string, frameworkId = FRAMEWORK_ID): Promise<TimedProbe> {
    const executor = new TimedProbe(`executor-${frameworkId}-${executorId}`, EXECUTOR_MESSAGES);
    this.host.spawn(executor);
    executor.post(this.agentPid, 'RegisterExecutor', { frameworkId, executorId, ...this.launcher.tokenOf(frameworkId, executorId) });
    await this.clock.settle();
    return executor;
  }

  /** An update as an executor sends it. */
  /** An executor's update of `taskId` (its uuid a UUID: `namedUuid(uuid)` for a name given, else a fresh one). */
  executorUpdate(taskId: string, state: TaskState, uuid?: string): StatusUpdate {
    return { frameworkId: FRAMEWORK_ID, executorId: taskId, status: { taskId, state }, timestamp: this.clock.now() / 1000, uuid: uuid === undefined ? counterUuid(++this.updateCounter) : namedUuid(uuid) };
  }

  sendUpdate(executor: TimedProbe, update: StatusUpdate): void {
    executor.post(this.agentPid, 'StatusUpdate', { update, pid: executor.self().toString() });
  }

  /** Status updates the master received, as `[state, uuid]`. */
  forwarded(): StatusUpdate[] {
    return this.master.bodies<{ update: StatusUpdate }>('StatusUpdate').map((body) => body.update);
  }

  acknowledge(update: StatusUpdate): void {
    this.fromMaster('StatusUpdateAcknowledgement', { agentId: AGENT_ID, frameworkId: update.frameworkId, taskId: update.status.taskId, uuid: update.uuid });
  }

  state(): Promise<Record<string, unknown>> {
    return dispatch(this.agent, async (agent) => {
      const route = agent.runtime.routes.get('/state');
      if (!route) throw new Error('no /state route');
      const response = await route.call(agent, { method: 'GET', path: '/state', query: {}, headers: {}, body: Buffer.alloc(0) });
      return response.body as Record<string, unknown>;
    });
  }

  /** `body` (a v1 operator call) answered by the agent's `/api/v1` route in `accept`'s media type. */
  v1(body: unknown, accept = 'application/json'): Promise<HttpResponse> {
    return dispatch(this.agent, async (agent) => {
      const route = agent.runtime.routes.get('/api/v1');
      if (!route) throw new Error('no /api/v1 route');
      return route.call(agent, { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept }, body: Buffer.from(JSON.stringify(body)) });
    });
  }

  async stop(): Promise<void> {
    await this.host.stop();
  }
}

/** A UUID's text made of `counter` (the agent takes only UUIDs for update uuids, as Mesos). */
export function counterUuid(counter: number): string {
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

/** A UUID's text named by `name` (the same name, the same UUID): tests that name their updates' uuids. */
export function namedUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * One machine for agent restarts: a host, its disk and launcher (both outlive the agent), and a
 * probe standing in for the master. `start` starts the agent as `slave(1)` (a restarted agent
 * comes back at its old address) with `resources` declared; `kill` is its `kill -9` (its actor
 * ends, nothing is told; executors live on). With `logger`, the host logs there.
 */
export class AgentMachine {
  readonly clock = new VirtualClock({ simulated: true });
  readonly host: ActorHost;
  readonly disk = new MemoryDisk(this.clock);
  readonly launcher = new FakeLauncher();
  readonly master = new TimedProbe('master', MASTER_MESSAGES);
  agent: AgentHandle | undefined;
  /** The machine's boot id (a test changes it to play a reboot). */
  bootId = 'boot-1';

  constructor(readonly workDir: string, readonly resources: string, logger?: Logger) {
    this.host = memoryHost(logger === undefined ? { clock: this.clock } : { clock: this.clock, logger });
    this.host.spawn(this.master);
  }

  /** Starts the agent and, once it has asked to register, answers as the master: registered as `agentId`. */
  async registeredAs(agentId: string): Promise<void> {
    await this.start();
    await this.clock.advance(1_000);
    if (this.master.count('RegisterAgent') < 1) throw new Error('the agent did not ask to register within 1 s');
    this.fromMaster('AgentRegistered', { agentId, masterInfo: AgentHarness.masterInfo });
    await this.clock.settle();
  }

  flags(overrides: Partial<AgentFlags> = {}): AgentFlags {
    return defaultAgentFlags({ master: this.host.address, workDir: this.workDir, resources: this.resources, masterPingTimeoutMs: 24 * 3600_000, ...overrides });
  }

  async start(overrides: Partial<AgentFlags> = {}): Promise<AgentHandle> {
    this.agent = await startAgent({
      id: 'slave(1)', flags: this.flags(overrides), host: this.host, launcher: this.launcher, disk: this.disk, probe: SIMULATED_MACHINE, files: false, bootId: this.bootId,
    });
    await this.clock.settle();
    return this.agent;
  }

  async kill(): Promise<void> {
    const agent = this.agent as AgentHandle;
    this.host.terminate(agent.agent);
    await agent.terminated;
    await this.clock.settle();
  }

  fromMaster(name: string, body: unknown): void {
    this.master.post(this.agent?.pid as never, name, body);
  }
}

/**
 * A maker of machines (`make`) for the enclosing `describe`, each stopped after its test.
 * @example const machine = useMachines(() => new Machine()); it('...', async () => { const m = machine(); ... });
 */
export function useMachines<M extends AgentMachine>(make: () => M): () => M {
  const machines: M[] = [];
  afterEach(async () => {
    await Promise.all(machines.splice(0).map((used) => used.host.stop()));
  });
  return () => {
    const created = make();
    machines.push(created);
    return created;
  };
}
