/**
 * Recording what an agent reads from outside its messages, and replaying a traced agent into a
 * fresh one (see lib/process/replay.ts).
 *
 * An agent's world beyond messages is its machine: the resources it detected at start, and the
 * executor processes it launches. A traced host records the first as the `agent-start` input
 * and the second as one `executor-exit` input per executor process that ended (how it ended);
 * an operator's stop of the agent (its handle's `stop`) as the `agent-stop` input.
 * The replay builds the agent from `agent-start`, gives it a `ReplayLauncher` that starts no
 * process, and feeds each `executor-exit` to the agent where the recording saw it. What its
 * sandbox garbage collection read from the disk (`sandbox-scan` at start, each `disk-usage`
 * reading) is handed back in order by a file system that touches nothing
 * (`recordedSandboxFileSystem`): a replay never removes anything.
 */
import { dispatch, UPID } from '../../lib/actor';
import type { DetectedMaster, MasterDetector } from '../../lib/ha/election';
import type { ActorHost, ReplayResult, Trace } from '../../lib/process';
import { replayTrace } from '../../lib/process/replay';
import type { Attributes, CommandInfo } from '../../lib/protocol';
import { Resources } from '../../lib/resources';
import { Agent } from './agent';
import { isZooKeeperMaster } from '../../lib/ha/detector';
import * as path from 'node:path';
import { AGENT_START_INPUT, AGENT_STOP_INPUT, DISK_USAGE_INPUT, EXECUTOR_EXIT_INPUT, EXECUTOR_TOKEN_INPUT, MASTER_DETECTED_INPUT, SANDBOX_SCAN_INPUT } from './constants';
import type { SandboxDirectory, SandboxFileSystem } from './gc';
import { AgentCheckpoints, recoveredFrom, type CheckpointRecord } from './checkpoint';
import { checkAgentFlags, type AgentFlags } from './flags';
import { MemoryDisk } from '../../lib/disk';
import type { ExecutorExit, ExecutorLaunch, LaunchedExecutor, Launcher, RecoveredProcess } from './launcher';

/** The body of the `agent-start` input: what a replay needs to build the same agent. */
export interface AgentStartInput {
  /** The agent's actor id, `slave(N)`. */
  readonly id: string;
  readonly flags: AgentFlags;
  /** The resources it offered (detected and/or from `--resources`), in Mesos' JSON form. */
  readonly resources: unknown;
  readonly attributes: Attributes;
  readonly hostname: string;
  /** What ran the built-in command executor. */
  readonly commandExecutor: CommandInfo;
  /** ... and the one for checkpointing frameworks. */
  readonly recoverableCommandExecutor?: CommandInfo;
  /** What ran the built-in default executor (executors of type DEFAULT); absent in traces from before task groups. */
  readonly defaultExecutor?: CommandInfo;
  /** The machine's boot id (checkpointed with executor process ids). */
  readonly bootId?: string;
  /** Corrupt checkpoint lines skipped at start (`--strict=false`; `slave/recovery_errors`). */
  readonly recoveryErrors?: number;
  /** What it took back from a previous run's checkpoints, as records. */
  readonly recovered?: CheckpointRecord[];
  /** Its checkpointed dynamic reservations at start (`meta/resources/resources.info`), in Mesos' JSON form; absent when none. */
  readonly checkpointedResources?: unknown;
}

/** The body of an `executor-exit` input: which executor run ended, and how. */
export interface ExecutorExitInput {
  readonly frameworkId: string;
  readonly executorId: string;
  readonly runId: string;
  readonly exit: ExecutorExit;
}

/**
 * Wraps `launcher` so that, when `host` records a trace, each executor process' exit is recorded
 * (as an `executor-exit` input for `agent`) before the agent hears of it.
 */
export function recordingLauncher(launcher: Launcher, host: ActorHost, agent: UPID): Launcher {
  return new RecordingLauncher(launcher, host, agent);
}

/**
 * `recordingLauncher`'s wrapper: one small object per agent (its methods on the prototype, not
 * closures and bound copies per agent). It has the optional methods `launcher` has, no other:
 * one `launcher` lacks is shadowed by an own `undefined`.
 */
class RecordingLauncher implements Launcher {
  /** The agent's id and address (its UPID is made again for a record: most hosts record none). */
  private readonly agentId: string;
  private readonly agentAddress: string;

  constructor(private readonly launcher: Launcher, private readonly host: ActorHost, agent: UPID) {
    this.agentId = agent.id;
    this.agentAddress = agent.address;
    if (launcher.recover === undefined) this.recover = undefined;
    if (launcher.update === undefined) this.update = undefined;
    if (launcher.updateVolumes === undefined) this.updateVolumes = undefined;
    if (launcher.usage === undefined) this.usage = undefined;
    if (launcher.recoverContainers === undefined) this.recoverContainers = undefined;
    if (launcher.drain === undefined) this.drain = undefined;
    if (launcher.releaseIfEmpty === undefined) this.releaseIfEmpty = undefined;
    if (launcher.destroyErrors === undefined) this.destroyErrors = undefined;
    if (launcher.fetcherCache === undefined) this.fetcherCache = undefined;
    if (launcher.handOver === undefined) this.handOver = undefined;
  }

  launch(launch: ExecutorLaunch, onExit: (exit: ExecutorExit) => void): Promise<LaunchedExecutor> {
    return this.launcher.launch(launch, this.recording(launch, onExit));
  }

  recover?(process: RecoveredProcess, onExit: (exit: ExecutorExit) => void): LaunchedExecutor {
    return this.launcher.recover!(process, this.recording(process, onExit));
  }

  update?(...args: Parameters<NonNullable<Launcher['update']>>): ReturnType<NonNullable<Launcher['update']>> {
    return this.launcher.update!(...args);
  }

  updateVolumes?(...args: Parameters<NonNullable<Launcher['updateVolumes']>>): ReturnType<NonNullable<Launcher['updateVolumes']>> {
    return this.launcher.updateVolumes!(...args);
  }

  usage?(...args: Parameters<NonNullable<Launcher['usage']>>): ReturnType<NonNullable<Launcher['usage']>> {
    return this.launcher.usage!(...args);
  }

  recoverContainers?(...args: Parameters<NonNullable<Launcher['recoverContainers']>>): ReturnType<NonNullable<Launcher['recoverContainers']>> {
    return this.launcher.recoverContainers!(...args);
  }

  drain?(...args: Parameters<NonNullable<Launcher['drain']>>): ReturnType<NonNullable<Launcher['drain']>> {
    return this.launcher.drain!(...args);
  }

  releaseIfEmpty?(): Promise<void> {
    return this.launcher.releaseIfEmpty!();
  }

  destroyErrors?(): number {
    return this.launcher.destroyErrors!();
  }

  fetcherCache?(): { readonly totalBytes: number; readonly usedBytes: number } {
    return this.launcher.fetcherCache!();
  }

  handOver?(): Promise<void> {
    return this.launcher.handOver!();
  }

  /**
   * `onExit`, after recording the exit as an `executor-exit` input (when the host records a trace).
   * It keeps the run's ids, not `run`: a launch (~150 bytes) was kept so for its executor's life.
   */
  private recording(run: { frameworkId: string; executorId: string; runId: string }, onExit: (exit: ExecutorExit) => void): (exit: ExecutorExit) => void {
    const { frameworkId, executorId, runId } = run;
    return (exit: ExecutorExit): void => {
      if (this.host.recordsInputs) {
        const input: ExecutorExitInput = { frameworkId, executorId, runId, exit };
        this.host.recordInput(UPID.at(this.agentId, this.agentAddress), EXECUTOR_EXIT_INPUT, input);
      }
      onExit(exit);
    };
  }
}

/**
 * A launcher that starts no process (replays and harness tests): each launch succeeds at once,
 * and `exit` reports a run's exit to the agent, as a real process' exit would.
 */
export class ReplayLauncher implements Launcher {
  /** Every launch asked for, in order. */
  readonly launches: ExecutorLaunch[] = [];
  /** Exit callbacks of runs that have not exited, by run id. */
  private readonly running = new Map<string, (exit: ExecutorExit) => void>();

  launch(launch: ExecutorLaunch, onExit: (exit: ExecutorExit) => void): Promise<LaunchedExecutor> {
    this.launches.push(launch);
    this.running.set(launch.runId, onExit);
    return Promise.resolve({ processId: undefined, destroy: () => undefined });
  }

  /** Shows persistent volumes in a sandbox: nothing to make, done at once (as a launch is), so the agent sends the task as it did. */
  updateVolumes(): Promise<void> {
    return Promise.resolve();
  }

  /** Takes back a run a previous agent started (its exit is fed with `exit`, as a launched one's). */
  recover(process: RecoveredProcess, onExit: (exit: ExecutorExit) => void): LaunchedExecutor {
    this.running.set(process.runId, onExit);
    return { processId: process.processId, destroy: () => undefined };
  }

  /** Reports that run `runId` exited; throws if no such run was launched or it already exited. */
  exit(runId: string, exit: ExecutorExit): void {
    const onExit = this.running.get(runId);
    if (onExit === undefined) throw new Error(`no executor run '${runId}' was launched in the replay (or it already exited)`);
    this.running.delete(runId);
    onExit(exit);
  }
}

/** Options of `replayAgent`. */
export interface ReplayAgentOptions {
  /** The recorded agent host (`ip:port`); by default the only one in the trace with an agent. */
  readonly address?: string;
  /** Builds the agent (default `new Agent(options)`): a test passes a subclass to see where it diverges. */
  readonly createAgent?: (options: ConstructorParameters<typeof Agent>[0]) => Agent;
}

/**
 * What the recorded agent started with, and its host's address and pid. Throws if the trace has
 * no such input (it was not recorded from the agent host's start).
 */
export function agentStartInput(trace: Trace, address?: string): { pid: UPID; input: AgentStartInput } {
  const inputs = trace.events.filter((event) => event.kind === 'input' && event.name === AGENT_START_INPUT &&
    (address === undefined || event.to.endsWith(`@${address}`)));
  const found = inputs[0];
  if (found === undefined) throw new Error(`the trace has no '${AGENT_START_INPUT}' input${address ? ` for ${address}` : ''}: was it recorded from the agent host's start?`);
  if (inputs.length > 1) throw new Error(`the trace has several agents (${inputs.map((event) => event.to).join(', ')}); pass the address of one`);
  const body = found.body as Partial<AgentStartInput> | null;
  if (typeof body !== 'object' || body === null || typeof body.id !== 'string' || typeof body.flags !== 'object' || body.flags === null ||
      typeof body.hostname !== 'string' || typeof body.commandExecutor !== 'object' || body.attributes === undefined) {
    throw new Error(`the '${AGENT_START_INPUT}' input of ${found.to} is incomplete`);
  }
  return { pid: UPID.parse(found.to), input: body as AgentStartInput };
}

/**
 * Replays the recorded agent into a fresh one built from its recorded start, with a launcher
 * that starts nothing and the recorded executor exits fed back, and compares what it sends with
 * the recording.
 *
 * @example
 *   const result = await replayAgent(readTrace('incident.trace'));
 *   expect(result.divergence, result.divergence && describeDivergence(result.divergence)).to.equal(undefined);
 */
export async function replayAgent(trace: Trace, options: ReplayAgentOptions = {}): Promise<ReplayResult> {
  const { pid, input } = agentStartInput(trace, options.address);
  checkAgentFlags(input.flags);
  const launcher = new ReplayLauncher();
  // Checkpoints on a memory disk: the same writes happen (and resolve) as in the recording, and go nowhere.
  const recovered = input.recovered === undefined ? undefined : recoveredFrom(input.recovered);
  const checkpoints = await AgentCheckpoints.open(new MemoryDisk(), input.flags.workDir, recovered, { setTimer: () => ({ cancel: () => undefined }) });
  const agentOptions = {
    id: input.id,
    flags: input.flags,
    resources: Resources.fromJSON(input.resources),
    attributes: input.attributes,
    hostname: input.hostname,
    launcher,
    commandExecutor: input.commandExecutor,
    ...(input.recoverableCommandExecutor !== undefined ? { recoverableCommandExecutor: input.recoverableCommandExecutor } : {}),
    ...(input.defaultExecutor !== undefined ? { defaultExecutor: input.defaultExecutor } : {}),
    ...(input.bootId !== undefined ? { bootId: input.bootId } : {}),
    ...(input.recoveryErrors !== undefined ? { recoveryErrors: input.recoveryErrors } : {}),
    ...(input.checkpointedResources !== undefined ? { checkpointedResources: Resources.fromJSON(input.checkpointedResources) } : {}),
    checkpoints,
    ...(recovered !== undefined ? { recovered } : {}),
    // The executors' tokens were random: the recorded ones, in order.
    executorToken: recordedTokens(trace, pid.toString()),
    // Its disk as the recording saw it; nothing is removed.
    sandboxFileSystem: recordedSandboxFileSystem(trace, pid.toString()),
    // A `zk://` agent started knowing no master: the recorded detections are fed to it.
    ...(isZooKeeperMaster(input.flags.master) ? { detector: new ReplayDetector() } : {}),
  };
  let agent: Agent | undefined;
  const feedDetection = (body: unknown): void => {
    const leader = body === null ? undefined : body as DetectedMaster;
    if (leader !== undefined && (typeof leader !== 'object' || typeof leader.pid !== 'string')) throw new Error('a master-detected input without a pid');
    if (agent !== undefined) void dispatch(agent, (actor) => actor.detected(leader)).catch(() => undefined);
  };
  const feedStop = (): void => {
    if (agent !== undefined) void dispatch(agent, (actor) => actor.stop()).catch(() => undefined);
  };
  const feedExit = (body: unknown): void => {
    const exit = body as Partial<ExecutorExitInput> | null;
    if (typeof exit?.runId !== 'string' || typeof exit.exit !== 'object' || exit.exit === null) throw new Error('an executor-exit input without runId and exit');
    launcher.exit(exit.runId, exit.exit);
  };
  return replayTrace({
    trace,
    address: pid.address,
    actorIds: [input.id],
    setup: (host) => host.spawn(agent = options.createAgent?.(agentOptions) ?? new Agent(agentOptions)),
    inputs: {
      [AGENT_START_INPUT]: () => undefined, [AGENT_STOP_INPUT]: feedStop, [EXECUTOR_EXIT_INPUT]: feedExit, [MASTER_DETECTED_INPUT]: feedDetection, [EXECUTOR_TOKEN_INPUT]: () => undefined,
      // Handed out by the replay's file system when the agent asks.
      [SANDBOX_SCAN_INPUT]: () => undefined, [DISK_USAGE_INPUT]: () => undefined,
    },
  });
}

/** The detector of a replayed `zk://` agent: it knows no master; the recorded detections are fed through `detected`. */
class ReplayDetector implements MasterDetector {
  readonly leader: DetectedMaster | undefined = undefined;
  onChange(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The executor tokens the agent at `pid` made in the recording, handed out in order (then fresh ones, were the replay to diverge). */
function recordedTokens(trace: Trace, pid: string): () => string {
  const tokens = recordedInputs(trace, pid, EXECUTOR_TOKEN_INPUT).map(String);
  let next = 0;
  return () => tokens[next++] ?? `unrecorded-token-${next}`;
}

/** The bodies of the inputs named `name` recorded for the actor at `pid`, in order. */
function recordedInputs(trace: Trace, pid: string, name: string): unknown[] {
  return trace.events
    .filter((event) => event.kind === 'input' && event.name === name && event.to === pid)
    .map((event) => (event as { body?: unknown }).body);
}

/**
 * The disk the recorded agent at `pid` saw, for its garbage collection: the directories of its
 * recorded `sandbox-scan` (a tree made of their paths), and its `disk-usage` readings in order
 * (a null one fails, as it did). Removals and touches do nothing.
 */
export function recordedSandboxFileSystem(trace: Trace, pid: string): SandboxFileSystem {
  const usages = recordedInputs(trace, pid, DISK_USAGE_INPUT);
  let nextUsage = 0;
  const found = (recordedInputs(trace, pid, SANDBOX_SCAN_INPUT)[0] ?? []) as SandboxDirectory[];
  const modifiedMs = new Map(found.map((directory) => [directory.path, directory.modifiedMs]));
  const children = new Map<string, Set<string>>();
  for (const directory of found) {
    for (let current = directory.path; path.dirname(current) !== current; current = path.dirname(current)) {
      const names = children.get(path.dirname(current)) ?? new Set<string>();
      names.add(path.basename(current));
      children.set(path.dirname(current), names);
    }
  }
  return {
    usage: () => {
      const usage = usages[nextUsage++];
      return typeof usage === 'number' ? Promise.resolve(usage) : Promise.reject(new Error(usage === null ? 'failed in the recording' : 'no disk usage was recorded'));
    },
    remove: () => Promise.resolve(),
    subdirectories: (directory) => Promise.resolve([...(children.get(directory) ?? [])].sort()),
    modifiedMs: (target) => Promise.resolve(modifiedMs.get(target)),
    touch: () => Promise.resolve(),
  };
}
