/**
 * A whole cluster in one actor host under a virtual clock (DESIGN tier 3): the master (with its
 * allocator), one agent, and schedulers, all real actors; executors are in-process actors too,
 * started by a launcher that spawns them on the same host instead of starting OS processes.
 * A simulated executor reads its task's command: `sleep N` finishes after N virtual seconds,
 * `exit N` fails at once (finishes for 0), anything else runs until killed.
 */
import { UPID } from '../../lib/actor';
import { VirtualClock, type ActorHost } from '../../lib/process';
import type { StatusUpdate, TaskInfo } from '../../lib/protocol';
import { isTerminalState } from '../../lib/protocol';
import { startMaster, type MasterHandle } from '../../actors/master';
import { defaultMasterFlags } from '../../actors/master/flags';
import { startAgent, type AgentHandle } from '../../actors/agent';
import { defaultAgentFlags } from '../../actors/agent/flags';
import type { ExecutorExit, ExecutorLaunch, LaunchedExecutor, Launcher } from '../../actors/agent/launcher';
import { Executor, type KillOptions } from '../../actors/framework/executor';
import { memoryHost } from '../support/runtime';

/** An executor actor that pretends to run its task's command under the virtual clock. */
export class SimulatedExecutor extends Executor {
  /** Tasks running, by id, with the timer that ends them. */
  private readonly running = new Map<string, { cancel(): void } | undefined>();

  protected override launchTask(task: TaskInfo): void {
    this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_STARTING' });
    this.sendStatusUpdate({ taskId: task.taskId, state: 'TASK_RUNNING' });
    const command = task.command?.value ?? '';
    const sleep = /^sleep (\d+(?:\.\d+)?)$/.exec(command);
    const exit = /^exit (\d+)$/.exec(command);
    if (exit) return this.finish(task.taskId, Number(exit[1]));
    const timer = sleep ? this.delay(Number(sleep[1]) * 1000, () => this.finish(task.taskId, 0)) : undefined;
    this.running.set(task.taskId, timer);
  }

  protected override killTask(taskId: string, _options: KillOptions): void {
    if (!this.running.has(taskId)) return;
    this.running.get(taskId)?.cancel();
    this.running.delete(taskId);
    this.sendStatusUpdate({ taskId, state: 'TASK_KILLED', message: 'Command terminated with signal SIGTERM' });
  }

  protected override acknowledged(update: StatusUpdate): void {
    if (isTerminalState(update.status.state) && this.running.size === 0) this.stop();
  }

  private finish(taskId: string, code: number): void {
    this.running.delete(taskId);
    this.sendStatusUpdate({ taskId, state: code === 0 ? 'TASK_FINISHED' : 'TASK_FAILED', message: `Command exited with status ${code}` });
  }
}

/** Starts executors as actors on the cluster's host. */
export class InProcessLauncher implements Launcher {
  /** Launches so far (what the agent asked for). */
  readonly launches: ExecutorLaunch[] = [];

  constructor(private readonly host: ActorHost) {}

  launch(launch: ExecutorLaunch, onExit: (exit: ExecutorExit) => void): Promise<LaunchedExecutor> {
    this.launches.push(launch);
    const executor = new SimulatedExecutor({
      id: `executor-${launch.frameworkId}-${launch.executorId}-${launch.runId}`.replace(/[^A-Za-z0-9_.()\-/:]/g, '_'),
      agentPid: launch.agentPid, frameworkId: launch.frameworkId, executorId: launch.executorId,
      agentId: launch.agentId, directory: launch.directory,
    });
    let killed = false;
    this.host.spawn(executor);
    void this.host.wait(executor).then(() => onExit(killed ? { code: null, signal: 'SIGKILL' } : { code: 0, signal: null }));
    return Promise.resolve({ processId: undefined, destroy: () => { killed = true; this.host.terminate(executor); } });
  }
}

/** A running simulated cluster. */
export interface Simulation {
  clock: VirtualClock;
  host: ActorHost;
  master: MasterHandle;
  agent: AgentHandle;
  launcher: InProcessLauncher;
  masterAddress: string;
}

/** Starts master + agent (with `resources`) on one memory host with a virtual clock. */
export async function startSimulation(resources: string, workDir: string, seed = 1): Promise<Simulation> {
  const clock = new VirtualClock();
  const host = memoryHost({ clock, seed });
  const master = await startMaster({ flags: { ...defaultMasterFlags(`${workDir}/master`), checkAllocatorInvariants: true }, host });
  const launcher = new InProcessLauncher(host);
  const agent = await startAgent({ flags: defaultAgentFlags({ master: host.address, workDir: `${workDir}/agent`, resources }), host, launcher });
  await clock.advance(5_000); // registration, with its backoff
  return { clock, host, master, agent, launcher, masterAddress: UPID.parse(master.pid.toString()).address };
}
