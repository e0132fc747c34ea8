/**
 * One agent host process of `bench:failover` (forked by bench/failover.ts; not run by hand).
 * It runs N real `Agent` actors, started by `startAgent` as `mesos-agent` starts one, on one
 * listening `ActorHost` on 127.0.0.1. What is not real is what the bench does not exercise:
 * each agent's work dir is on one `MemoryDisk` (no disk I/O), the machine detected is the fixed
 * `SIMULATED_MACHINE`, and the launcher starts no process (the bench launches no task). With a
 * `zk://` master each agent follows the leader through its own ZooKeeper session, as a real
 * agent does.
 *
 * The agents are watched through the host's observer: an `AgentRegistered` or
 * `AgentReregistered` delivered to an agent is its (re-)registration. Protocol, over IPC:
 *
 *   worker → { type: 'ready' }                                   the host listens
 *   parent → { type: 'start', master, agents, firstIndex }       start the agents, all at once
 *   worker → { type: 'registered', atMs }                        every agent has had AgentRegistered: when each did
 *   parent → { type: 'arm' }                                     count re-registrations from now on
 *   worker → { type: 'reregistered', atMs }                      every agent has had AgentReregistered since 'arm': when each did
 *   parent → { type: 'status' }  →  worker → { type: 'status', agents, registered, reregistered }
 *
 * Times are the wall clock (`Date.now()`), comparable with the parent's on one machine. The
 * parent ends the process with SIGKILL: its agents' sessions and links go with it.
 */
import { MemoryDisk } from '../lib/disk';
import { createLogger } from '../lib/logging';
import { ActorHost, type TraceEvent } from '../lib/process';
import { defaultAgentFlags, startAgent, type Launcher } from '../actors/agent';
import { SIMULATED_MACHINE } from '../spec/cluster/simulation';

/** Declared resources of every bench agent (what the master offers). */
const AGENT_RESOURCES = 'cpus:8;mem:16384;disk:100000;ports:[31000-32000]';
/** The command executor named in ExecutorInfos; never run (no task is launched). */
const UNUSED_COMMAND_EXECUTOR_PATH = '/bench/bin/mesos-command-executor';

/** What the parent sends. */
export type AgentHostCommand =
  | { readonly type: 'start'; readonly master: string; readonly agents: number; readonly firstIndex: number }
  | { readonly type: 'arm' }
  | { readonly type: 'status' };

/** What a worker reports. */
export type AgentHostReport =
  | { readonly type: 'ready' }
  | { readonly type: 'registered'; readonly atMs: readonly number[] }
  | { readonly type: 'reregistered'; readonly atMs: readonly number[] }
  | { readonly type: 'status'; readonly agents: number; readonly registered: number; readonly reregistered: number }
  | { readonly type: 'failed'; readonly message: string };

/** The bench launches no task: an executor launch is a bug in the bench. */
const noProcessLauncher: Launcher = {
  launch: (launch) => Promise.reject(new Error(`bench agents run no executors (asked for ${launch.executorId})`)),
};

/** Which agents have (re-)registered, and when each did. */
class RegistrationTracker {
  /** Agent pids (`slave(N)@ip:port`) started here. */
  readonly agents = new Set<string>();
  /** Agents that have had AgentRegistered, and when. */
  readonly registered = new Map<string, number>();
  /** Agents that have had AgentReregistered since `arm`, and when. */
  readonly reregistered = new Map<string, number>();
  /** How many agents are meant to start (the reports wait for all of them). */
  expected = 0;
  private armed = false;
  private registeredReported = false;

  constructor(private readonly report: (report: AgentHostReport) => void) {}

  observe(event: TraceEvent): void {
    if (event.kind !== 'deliver') return;
    if (event.name === 'AgentRegistered' && !this.registered.has(event.to)) {
      this.registered.set(event.to, Date.now());
      this.check();
    } else if (event.name === 'AgentReregistered' && this.armed && !this.reregistered.has(event.to)) {
      this.reregistered.set(event.to, Date.now());
      this.check();
    }
  }

  arm(): void {
    this.armed = true;
    this.reregistered.clear();
  }

  /** Reports once every expected agent has registered, and once every one has re-registered since `arm`. */
  check(): void {
    if (this.expected === 0 || this.agents.size < this.expected) return;
    if (!this.registeredReported && this.registered.size >= this.expected) {
      this.registeredReported = true;
      this.report({ type: 'registered', atMs: [...this.registered.values()] });
    }
    if (this.armed && this.reregistered.size === this.expected) {
      this.report({ type: 'reregistered', atMs: [...this.reregistered.values()] });
    }
  }
}

async function startAgents(host: ActorHost, tracker: RegistrationTracker, command: Extract<AgentHostCommand, { type: 'start' }>): Promise<void> {
  const disk = new MemoryDisk(host.clock);
  tracker.expected = command.agents;
  const started = Array.from({ length: command.agents }, async (_, offset) => {
    const index = command.firstIndex + offset;
    const flags = defaultAgentFlags({
      master: command.master, workDir: `/bench/agent-${index}`, resources: AGENT_RESOURCES,
      hostname: `agent-${index}.bench`, commandExecutorPath: UNUSED_COMMAND_EXECUTOR_PATH,
    });
    const agent = await startAgent({ flags, host, launcher: noProcessLauncher, disk, probe: SIMULATED_MACHINE, files: false });
    tracker.agents.add(agent.pid.toString());
  });
  await Promise.all(started);
  tracker.check();
}

async function main(): Promise<void> {
  const send = (report: AgentHostReport): void => { process.send?.(report); };
  const tracker = new RegistrationTracker(send);
  const host = await ActorHost.start({
    ip: '127.0.0.1', port: 0, logger: createLogger('bench-agents', 'error'), observer: (event) => tracker.observe(event),
  });
  process.on('message', (command: AgentHostCommand) => {
    if (command.type === 'start') {
      startAgents(host, tracker, command).catch((error: Error) => send({ type: 'failed', message: error.message }));
    } else if (command.type === 'arm') {
      tracker.arm();
    } else {
      send({ type: 'status', agents: tracker.agents.size, registered: tracker.registered.size, reregistered: tracker.reregistered.size });
    }
  });
  // The parent went away (it crashed, or was interrupted): nothing here is worth keeping.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

void main().catch((error: Error) => {
  process.stderr.write(`bench:failover agent host: ${error.message}\n`);
  process.exit(1);
});
