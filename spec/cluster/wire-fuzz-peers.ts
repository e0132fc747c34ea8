/**
 * The actors of the wire fuzzer's own host (wire-fuzz.spec.ts): what the master and the agents
 * send the identities the fuzzer speaks as comes back to them, and the ids in it feed the
 * fuzzer's bodies. `FuzzPeer` is any of those identities (a framework, an agent, an executor,
 * as the master takes it); `FuzzMaster` is the master of an agent the fuzzer runs against.
 */
import { Actor, type BodyOf, type UPID } from '../../lib/actor';
import {
  AgentRegistered, AgentReregistered, ExecutorToFramework, ExitedExecutor, Ping, Pong, RegisterAgent, ReregisterAgent, RunTask, StatusUpdateAcknowledgement,
  StatusUpdateMessage, UnregisterAgent, UpdateAgent, type MasterInfo, type StatusUpdate,
} from '../../lib/protocol';
import type { FuzzIds, FuzzRun } from './wire-fuzz';

/** What the master sends frameworks, agents and executors (the names a `FuzzPeer` hears). */
export const PEER_HEARS: readonly string[] = [
  'FrameworkRegistered', 'FrameworkReregistered', 'ResourceOffers', 'RescindResourceOffer', 'StatusUpdate', 'LostAgent', 'ExitedExecutor',
  'ExecutorToFramework', 'FrameworkError', 'AgentRegistered', 'AgentReregistered', 'RunTask', 'KillTaskOnAgent', 'StatusUpdateAcknowledgement',
  'ShutdownFramework', 'ShutdownExecutor', 'Shutdown', 'UpdateFramework', 'FrameworkToExecutor', 'Ping', 'ExecutorRegistered',
  'ExecutorReregistered', 'RunTaskOnExecutor', 'KillTaskOnExecutor', 'ShutdownExecutorOnExecutor', 'CheckpointResources', 'RunTaskGroup',
  'RunTaskGroupOnExecutor', 'OperationStatusUpdate', 'OperationStatusAcknowledgement', 'InverseOffers', 'RescindInverseOffer',
];

/**
 * One identity of the fuzzer: it remembers the ids in what it hears and answers pings (an agent
 * the fuzzer registered stays registered until a fuzzed message says otherwise).
 */
export class FuzzPeer extends Actor {
  /** Messages heard so far, by name. */
  readonly heard = new Map<string, number>();

  constructor(id: string, private readonly ids: FuzzIds) {
    super(id);
    for (const name of PEER_HEARS) this.install(name, (from, body) => this.hear(from, name, body));
  }

  /** The master gave this agent (one of the fuzzer's) a task: updates about it from here go deep. */
  private ran(body: unknown): void {
    const run = runOf(body, this.self().toString());
    if (run !== undefined) this.ids.addRun(run);
  }

  private hear(from: UPID, name: string, body: unknown): void {
    this.heard.set(name, (this.heard.get(name) ?? 0) + 1);
    this.ids.addFromMessage(name, body);
    const registered = (body as { frameworkId?: unknown; agentId?: unknown } | null) ?? {};
    if (name === 'FrameworkRegistered' || name === 'FrameworkReregistered') this.ids.own('framework', text(registered.frameworkId), this.self().toString());
    if (name === AgentRegistered.name || name === AgentReregistered.name) this.ids.own('agent', text(registered.agentId), this.self().toString());
    if (name === Ping.name) this.send(from, Pong, {});
    if (name === RunTask.name) this.ran(body);
  }
}

/** The agent id a `FuzzMaster` gives the agent. */
export const FUZZ_MASTER_AGENT_ID = 'fuzz-master-S0';

/**
 * The master of an agent under fuzzing: it registers the agent (so that the fuzzer, speaking as
 * it, reaches every handler the agent keeps for its master), acknowledges the agent's status
 * updates, and records them.
 */
export class FuzzMaster extends Actor {
  /** The status updates the agent sent, in order. */
  readonly updates: StatusUpdate[] = [];
  /** The agent's pid once it registered. */
  agentPid: UPID | undefined;

  constructor(private readonly ids: FuzzIds, private readonly info: () => MasterInfo) {
    super('master');
    this.install(RegisterAgent, (from) => this.admit(from, false));
    this.install(ReregisterAgent, (from) => this.admit(from, true));
    this.install(StatusUpdateMessage, (from, { update }) => this.statusUpdate(from, update));
    for (const type of [Pong, ExitedExecutor, ExecutorToFramework, UnregisterAgent, UpdateAgent]) this.install(type.name, () => undefined);
  }

  /** Sends the agent a task, as its master (the last check's legitimate work). */
  runTask(agent: UPID, body: BodyOf<typeof RunTask>): void {
    this.send(agent, RunTask, body);
  }

  private admit(from: UPID, again: boolean): void {
    this.agentPid = from;
    this.ids.add('agent', FUZZ_MASTER_AGENT_ID);
    const reply = { agentId: FUZZ_MASTER_AGENT_ID, masterInfo: this.info(), connection: { totalPingTimeoutSeconds: 75 } };
    if (again) this.send(from, AgentReregistered, reply);
    else this.send(from, AgentRegistered, reply);
  }

  private statusUpdate(from: UPID, update: StatusUpdate): void {
    this.updates.push(update);
    this.ids.addFromMessage(StatusUpdateMessage.name, { update });
    if (update.uuid === undefined) return;
    this.send(from, StatusUpdateAcknowledgement, { agentId: FUZZ_MASTER_AGENT_ID, frameworkId: update.frameworkId, taskId: update.status.taskId, uuid: update.uuid });
  }
}

/** What a RunTask names, if it has the fields. */
function runOf(body: unknown, agentPid: string): FuzzRun | undefined {
  const message = body as { frameworkId?: unknown; task?: { taskId?: unknown; agentId?: unknown; executor?: { executorId?: unknown } } } | null;
  const frameworkId = text(message?.frameworkId);
  const taskId = text(message?.task?.taskId);
  const agentId = text(message?.task?.agentId);
  if (frameworkId === undefined || taskId === undefined || agentId === undefined) return undefined;
  return { frameworkId, taskId, agentId, executorId: text(message?.task?.executor?.executorId), agentPid };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
