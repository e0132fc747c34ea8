/**
 * A seeded wire fuzzer (issue 9): the frames a broken or hostile peer could write on a link to
 * a master's or an agent's host, drawn from one seed.
 *
 * Every message name the target actors install has a valid sample body (`SAMPLES`), built from
 * real ids (frameworks, agents, tasks, offers, executors, uuids the fuzzer has seen: `FuzzIds`)
 * so that a body gets past the first lookups into deep code. A body is the sample as is, the
 * sample mutated (fields dropped, types changed, strings beyond the limits of
 * lib/protocol/limits.ts, deep nesting, bad numbers, wrong enum values, extra fields, long
 * arrays, other real ids), or a random msgpack value. Envelopes also carry random and near-miss
 * message names, garbage or foreign `to`s, and senders forged in another host's name; frames
 * also hold several envelopes, undecodable bytes, cut-off envelopes and values that are not
 * envelopes at all.
 *
 * The fuzzer only makes frames: the spec (wire-fuzz.spec.ts) delivers them, over a simulated
 * wire under the virtual clock or a real WebSocket link, and checks the hosts after each batch.
 */
import { Packr } from 'msgpackr';
import type { MessageType } from '../../lib/actor';
import { MAX_UPID_LENGTH } from '../../lib/actor/upid';
import { Prng } from '../../lib/process';
import { MAX_FRAME_BYTES, MAX_MESSAGE_NAME_LENGTH } from '../../lib/process/codec';
import {
  AcceptInverseOffers, AcceptOffers, AgentRegistered, AgentReregistered, CheckpointResources, DeactivateFramework, DeclineInverseOffers, DrainAgent, DeclineOffers, ExecutorToFramework, ExitedExecutor,
  AcknowledgeOperationStatus, OperationStatusAcknowledgement, UpdateOperationStatus, ReconcileOperations, Authenticate, AuthenticationResponse, FrameworkToExecutor, KillTask, KillTaskOnAgent, LaunchTasks, Ping, Pong, ReconcileTasks, RegisterAgent, RegisterExecutor,
  RegisterFramework, ReregisterAgent, ReregisterExecutor, ReregisterFramework, ReviveOffers, RunTask, RunTaskGroup, Shutdown, ShutdownExecutor, ShutdownExecutorCall,
  ShutdownFramework, StatusUpdateAcknowledgement, StatusUpdateMessage, SuppressOffers, TASK_STATES, UnregisterAgent, UpdateFrameworkCall,
  UnregisterFramework, UpdateAgent, UpdateFramework,
  type FrameworkInfo, type MasterInfo, type StatusUpdate, type Task, type TaskInfo,
} from '../../lib/protocol';
import { MAX_ID_LENGTH } from '../../lib/protocol/ids';
import { MAX_HOSTNAME_LENGTH, MAX_NAME_LENGTH, MAX_RESOURCE_ENTRIES, MAX_SHORT_TEXT_LENGTH, MAX_STATUS_MESSAGE_LENGTH } from '../../lib/protocol/limits';
import { dynamicReservation, Resources, type ResourceJSON } from '../../lib/resources';

// ---- limits of the fuzzer itself ----------------------------------------------------------------

/** Ids of one kind remembered (the newest replace the oldest). */
export const MAX_POOLED_IDS_PER_KIND = 64;
/** Mutations applied to one sample body, at most. */
export const MAX_MUTATIONS_PER_BODY = 4;
/** Envelopes in one frame of several, at most. */
export const MAX_ENVELOPES_PER_FRAME = 16;
/** Bytes of a frame of random bytes, at most. */
export const MAX_GARBAGE_FRAME_BYTES = 512;
/** Depth of a random value's nesting (random values; the deep-nesting mutation goes much deeper). */
export const MAX_RANDOM_VALUE_DEPTH = 4;
/** Elements or keys of one random array or map, at most. */
export const MAX_RANDOM_VALUE_WIDTH = 6;
/** Nesting depths the deep-nesting mutation uses: beyond any schema, and beyond a recursive decoder's stack at the end. */
export const DEEP_NESTING_DEPTHS: readonly number[] = [64, 1_000, 10_000, 100_000];
/**
 * Lengths of the long-array mutation: `offerIds`, `tasks`, `roles`... have no count limit but the
 * frame's size; resource lists have one (`MAX_RESOURCE_ENTRIES`), pushed just past. The first two are common, the others rare.
 */
export const LONG_ARRAY_LENGTHS: readonly number[] = [100, 1_000, MAX_RESOURCE_ENTRIES + 1, 20_000];
/** The longest string the fuzzer sends (a megabyte: beyond every limit, well within a frame). */
export const MAX_FUZZ_STRING_LENGTH = 1_000_000;
/** A rare draw: about one in this many bodies gets the costliest variants (a megabyte string, the deepest nesting, the longest arrays). */
export const RARE_DRAW = 50;
/** How often a body naming one of the fuzzer's own frameworks or agents is sent by the pid it is registered at (so that it gets past the master's sender checks). */
export const OWNER_SENDS = 0.8;
/** Encoded bytes of one long array, at most (its length is cut to fit: a long array of big elements is a big frame, not a long array). */
export const MAX_LONG_ARRAY_BYTES = 512 * 1024;

/** The limits a string may be pushed just past (lib/protocol/limits.ts and its neighbours). */
const STRING_LIMITS: readonly number[] = [
  MAX_ID_LENGTH, MAX_HOSTNAME_LENGTH, MAX_SHORT_TEXT_LENGTH, MAX_NAME_LENGTH, MAX_UPID_LENGTH, MAX_STATUS_MESSAGE_LENGTH, MAX_MESSAGE_NAME_LENGTH,
];

/** Numbers a validator or a handler may not expect. */
const EDGE_NUMBERS: readonly number[] = [
  -1, -0, 0, 0.5, 1e-320, Number.MIN_VALUE, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 + 2, -(2 ** 53) - 2,
  Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, -Number.MAX_VALUE, 65_536, 1e21, 0.001, 0.0001, 1e12,
];

/** Strings that are almost enum values, or values of the wrong enum. */
const WRONG_ENUM_VALUES: readonly string[] = [
  'TASK_RUNNIN', 'task_running', 'TASK_RUNNING ', '', 'SOURCE_MASTER', 'SOURCE_SLAVE', 'LAUNCH', 'RESERVE', 'SCALAR', 'scalar', 'RANGES', 'SET',
  'TEXT', 'PARTITION_AWARE', 'partition_aware', 'REASON_RECONCILIATION', '*', '**', 'role/', '/', '.', '..', '\u0000', 'null', 'undefined',
  ...TASK_STATES,
];

/** Keys a handler may treat specially when they come with a body. */
const EXTRA_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'then', 'length', 'id', 'pid', 'role', ''];

/** Message names that are not (quite) the protocol's. */
const ODD_NAMES: readonly string[] = [
  '', 'registerframework', 'RegisterFramework ', 'Register Framework', '__link__', '__exited__', 'exited', 'initialize', 'terminate',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'http', 'dispatch', 'timer', 'defer', 'Ping', 'StatusUpdate\u0000',
  'x'.repeat(MAX_MESSAGE_NAME_LENGTH), 'x'.repeat(MAX_MESSAGE_NAME_LENGTH + 1),
];

/** Frame kinds and their weights. */
const FRAME_KINDS = [
  ['envelope', 80], ['several', 7], ['garbage', 4], ['truncated', 3], ['trailing', 2], ['not-envelope', 4],
] as const;
type FrameKind = (typeof FRAME_KINDS)[number][0];

/** Encodes values as a peer's msgpack library would (records off: plain maps). */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

// ---- real ids ----------------------------------------------------------------------------------

/** A task the master sent one of the fuzzer's agents, and the pid of that agent. */
export interface FuzzRun {
  readonly frameworkId: string;
  readonly taskId: string;
  readonly agentId: string;
  readonly executorId: string | undefined;
  readonly agentPid: string;
}

/** What kinds of real ids the fuzzer remembers. */
export type IdKind = 'framework' | 'agent' | 'task' | 'offer' | 'executor' | 'uuid' | 'role';

/**
 * Real ids the fuzzer has seen (in /master/state, or in what the master sent it), a bounded
 * pool per kind, and the master's MasterInfo: bodies built from them reach past the lookups.
 */
export class FuzzIds {
  /** The real master's MasterInfo, once seen (a master's replies carry it). */
  masterInfo: MasterInfo | undefined;
  /**
   * Frameworks and agents the fuzzer does not take over (it knows their ids, and uses them
   * everywhere else): no ReregisterFramework of such a framework, no ReregisterAgent of such an
   * agent. Without authentication an id is all it takes to take one over, as in Mesos (a new
   * scheduler fails a framework over; an agent may come back at a new pid); a victim that must
   * keep its tasks is kept out of that.
   */
  readonly protectedFrameworks = new Set<string>();
  /** Agents the fuzzer does not take over (see `protectedFrameworks`). */
  readonly protectedAgents = new Set<string>();
  /** Ids by kind, each pool bounded. */
  private readonly pools = new Map<IdKind, string[]>();
  /** Tasks the master sent one of the fuzzer's agents (RunTask): updates about them go deepest. */
  private readonly runs: FuzzRun[] = [];
  /** The fuzzer's own frameworks and agents: the pid (on its host) the master registered each at. */
  private readonly owners = new Map<string, string>();

  /** Remembers a task the master sent one of the fuzzer's agents. */
  addRun(run: FuzzRun): void {
    this.runs.push(run);
    if (this.runs.length > MAX_POOLED_IDS_PER_KIND) this.runs.shift();
  }

  /** A task the master sent one of the fuzzer's agents, if any. */
  pickRun(random: Prng): FuzzRun | undefined {
    return this.runs.length === 0 ? undefined : this.runs[random.nextInt(this.runs.length)];
  }

  /** Remembers that the master registered framework or agent `id` at `pid`, one of the fuzzer's own. */
  own(kind: 'framework' | 'agent', id: string | undefined, pid: string): void {
    if (id === undefined) return;
    this.add(kind, id);
    this.owners.delete(id);
    this.owners.set(id, pid);
    if (this.owners.size > MAX_POOLED_IDS_PER_KIND) this.owners.delete(this.owners.keys().next().value as string);
  }

  /** The fuzzer's pid that a framework or agent of its own is registered at, if it is one. */
  ownerOf(id: string): string | undefined {
    return this.owners.get(id);
  }

  /** Remembers `id` as a real id of `kind` (once; the oldest goes when the pool is full). */
  add(kind: IdKind, id: string | undefined): void {
    if (id === undefined || id === '') return;
    const pool = this.pools.get(kind) ?? [];
    if (pool.includes(id)) return;
    pool.push(id);
    if (pool.length > MAX_POOLED_IDS_PER_KIND) pool.shift();
    this.pools.set(kind, pool);
  }

  /** A real id of `kind`, if any has been seen. */
  pick(kind: IdKind, random: Prng): string | undefined {
    const pool = this.pools.get(kind);
    return pool === undefined || pool.length === 0 ? undefined : pool[random.nextInt(pool.length)];
  }

  /** How many ids of `kind` are remembered. */
  count(kind: IdKind): number {
    return this.pools.get(kind)?.length ?? 0;
  }

  /** Remembers the ids in a `/master/state` JSON (frameworks, their tasks, offers and executors; agents). */
  addFromState(state: Record<string, unknown>): void {
    for (const framework of records(state.frameworks)) {
      this.add('framework', text(framework.id));
      for (const role of Array.isArray(framework.roles) ? framework.roles : []) this.add('role', text(role));
      for (const task of [...records(framework.tasks), ...records(framework.completed_tasks)]) this.add('task', text(task.id));
      for (const offer of records(framework.offers)) this.add('offer', text(offer.id));
      for (const executor of records(framework.executors)) this.add('executor', text(executor.executor_id));
    }
    for (const agent of records(state.slaves)) this.add('agent', text(agent.id));
  }

  /** Remembers the ids in a message the master or an agent sent to one of the fuzzer's actors. */
  addFromMessage(name: string, body: unknown): void {
    const message = record(body);
    if (message === undefined) return;
    this.add('framework', text(message.frameworkId));
    this.add('agent', text(message.agentId));
    this.add('executor', text(message.executorId));
    const masterInfo = record(message.masterInfo);
    if (masterInfo !== undefined) this.masterInfo = masterInfo as unknown as MasterInfo;
    for (const offer of records(message.offers)) {
      this.add('offer', text(offer.id));
      this.add('agent', text(offer.agentId));
      this.add('role', text(offer.allocationRole));
    }
    const task = record(message.task);
    if (task !== undefined) {
      this.add('task', text(task.taskId));
      this.add('executor', text(record(task.executor)?.executorId));
    }
    const update = record(message.update);
    if (update !== undefined) {
      this.add('uuid', text(update.uuid));
      this.add('task', text(record(update.status)?.taskId));
    }
    if (name === 'RunTask') this.add('role', text(message.role));
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

function records(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.flatMap((item: unknown) => { const found = record(item); return found === undefined ? [] : [found]; }) : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

// ---- valid samples -----------------------------------------------------------------------------

/** Where samples get their ids: a real one most of the time, else a made-up one. */
export interface SampleIds {
  framework(): string;
  agent(): string;
  task(): string;
  offer(): string;
  executor(): string;
  uuid(): string;
  role(): string;
  /** A pid of an actor on the fuzzer's own host. */
  ownPid(): string;
  masterInfo(): MasterInfo;
  /** A task the master sent one of the fuzzer's agents, if any (its sender is then that agent). */
  run(): FuzzRun | undefined;
  /** A float in [0, 1), for choices inside a sample. */
  chance(): number;
}

/** 64 hex digits drawn from the sample's chances (a nonce or a proof: the master refuses a made-up proof). */
function hexNonce(ids: SampleIds): string {
  let text = '';
  while (text.length < 64) text += Math.floor(ids.chance() * 16).toString(16);
  return text;
}

/** A typed sample: the compiler checks that each one is a valid body of its message. */
function sample<T>(_type: MessageType<T>, build: (ids: SampleIds) => T): (ids: SampleIds) => T {
  return build;
}

const SMALL_RESOURCES: ResourceJSON[] = Resources.parse('cpus:0.1;mem:32').toJSON();
const PORTS_RESOURCES: ResourceJSON[] = Resources.parse('cpus:0.5;mem:64;ports:[31000-31001];disks:{a,b}').toJSON();

function resources(ids: SampleIds): ResourceJSON[] {
  return ids.chance() < 0.7 ? SMALL_RESOURCES : PORTS_RESOURCES;
}

function frameworkInfo(ids: SampleIds, id?: string): FrameworkInfo {
  return {
    ...(id !== undefined ? { id } : {}), name: 'fuzz', user: 'fuzz', roles: [ids.chance() < 0.8 ? '*' : ids.role()],
    failoverTimeout: 60, checkpoint: ids.chance() < 0.3, capabilities: ids.chance() < 0.5 ? ['PARTITION_AWARE'] : [],
  };
}

function taskInfo(ids: SampleIds): TaskInfo {
  const task: TaskInfo = { name: 'fuzz task', taskId: ids.task(), agentId: ids.agent(), resources: resources(ids) };
  if (ids.chance() < 0.7) return { ...task, command: { value: ids.chance() < 0.5 ? 'sleep 5' : 'serve' } };
  return { ...task, executor: { executorId: ids.executor(), command: { value: './executor' }, resources: SMALL_RESOURCES }, data: 'sleep 5' };
}

function statusUpdate(ids: SampleIds): StatusUpdate {
  const uuid = ids.uuid();
  const state = TASK_STATES[Math.floor(ids.chance() * TASK_STATES.length)] ?? 'TASK_RUNNING';
  // Half the time about a task the fuzzer's agent was given: from that agent, it is one the master tracks there.
  const run = ids.chance() < 0.5 ? ids.run() : undefined;
  const agentId = run?.agentId ?? ids.agent();
  return {
    frameworkId: run?.frameworkId ?? ids.framework(), agentId, executorId: run?.executorId ?? ids.executor(), timestamp: 1_767_225_600, uuid,
    status: { taskId: run?.taskId ?? ids.task(), state, source: 'SOURCE_EXECUTOR', agentId, uuid, message: 'fuzz', timestamp: 1_767_225_600 },
    ...(ids.chance() < 0.3 ? { latestState: 'TASK_FINISHED' as const } : {}),
  };
}

function reportedTask(ids: SampleIds): Task {
  return { name: 'fuzz task', taskId: ids.task(), frameworkId: ids.framework(), agentId: ids.agent(), state: 'TASK_RUNNING', resources: SMALL_RESOURCES, role: '*' };
}

function agentInfo(ids: SampleIds, withId: boolean): { hostname: string; port: number; resources: ResourceJSON[]; id?: string } {
  return { ...(withId ? { id: ids.agent() } : {}), hostname: 'fuzz.agent', port: 5051, resources: Resources.parse('cpus:2;mem:1024;ports:[31000-31100]').toJSON() };
}

/**
 * A valid body for each message the master or the agent installs. The spec checks that every
 * name either actor installs has one here and that each passes its message's validator, so a
 * new message cannot go unfuzzed.
 */
export const SAMPLES: ReadonlyMap<string, (ids: SampleIds) => unknown> = new Map<string, (ids: SampleIds) => unknown>([
  // framework → master
  [RegisterFramework.name, sample(RegisterFramework, (ids) => ({ framework: frameworkInfo(ids) }))],
  [ReregisterFramework.name, sample(ReregisterFramework, (ids) => ({ framework: frameworkInfo(ids, ids.framework()), failover: ids.chance() < 0.5 }))],
  [UnregisterFramework.name, sample(UnregisterFramework, (ids) => ({ frameworkId: ids.framework() }))],
  [UpdateFrameworkCall.name, sample(UpdateFrameworkCall, (ids) => {
    const frameworkId = ids.framework();
    const framework = frameworkInfo(ids, frameworkId);
    return { frameworkId, framework, suppressedRoles: ids.chance() < 0.5 ? [] : (framework.roles ?? []).slice(0, 1), requestId: String(ids.chance()) };
  })],
  [DeactivateFramework.name, sample(DeactivateFramework, (ids) => ({ frameworkId: ids.framework() }))],
  [AcceptOffers.name, sample(AcceptOffers, (ids) => ({
    frameworkId: ids.framework(), offerIds: [ids.offer()], operations: [{ type: 'LAUNCH' as const, launch: { taskInfos: [taskInfo(ids)] } }], filters: { refuseSeconds: 1 },
  }))],
  [LaunchTasks.name, sample(LaunchTasks, (ids) => ({ frameworkId: ids.framework(), offerIds: [ids.offer()], tasks: [taskInfo(ids)], filters: { refuseSeconds: 0 } }))],
  [DeclineOffers.name, sample(DeclineOffers, (ids) => ({ frameworkId: ids.framework(), offerIds: [ids.offer()], filters: { refuseSeconds: 5 } }))],
  [AcceptInverseOffers.name, sample(AcceptInverseOffers, (ids) => ({ frameworkId: ids.framework(), inverseOfferIds: [ids.offer()], filters: { refuseSeconds: 5 } }))],
  [DeclineInverseOffers.name, sample(DeclineInverseOffers, (ids) => ({ frameworkId: ids.framework(), inverseOfferIds: [ids.offer()] }))],
  [ReviveOffers.name, sample(ReviveOffers, (ids) => ({ frameworkId: ids.framework(), roles: [ids.role()] }))],
  [SuppressOffers.name, sample(SuppressOffers, (ids) => ({ frameworkId: ids.framework(), roles: [ids.role()] }))],
  [KillTask.name, sample(KillTask, (ids) => ({ frameworkId: ids.framework(), taskId: ids.task(), agentId: ids.agent() }))],
  [ShutdownExecutorCall.name, sample(ShutdownExecutorCall, (ids) => ({ frameworkId: ids.framework(), executorId: ids.executor(), agentId: ids.agent() }))],
  [StatusUpdateAcknowledgement.name, sample(StatusUpdateAcknowledgement, (ids) => ({ agentId: ids.agent(), frameworkId: ids.framework(), taskId: ids.task(), uuid: ids.uuid() }))],
  [ReconcileTasks.name, sample(ReconcileTasks, (ids) => ({ frameworkId: ids.framework(), statuses: ids.chance() < 0.3 ? [] : [{ taskId: ids.task(), agentId: ids.agent() }] }))],
  [FrameworkToExecutor.name, sample(FrameworkToExecutor, (ids) => ({ agentId: ids.agent(), frameworkId: ids.framework(), executorId: ids.executor(), data: 'hello' }))],
  [ReconcileOperations.name, sample(ReconcileOperations, (ids) => ({ frameworkId: ids.framework(), operations: ids.chance() < 0.3 ? [] : [{ operationId: `op-${ids.task()}`, agentId: ids.agent() }] }))],
  [AcknowledgeOperationStatus.name, sample(AcknowledgeOperationStatus, (ids) => ({ frameworkId: ids.framework(), agentId: ids.agent(), operationId: `op-${ids.task()}`, uuid: ids.uuid() }))],
  // framework or agent → master: authentication (nonces and proofs are 64 hex digits)
  [Authenticate.name, sample(Authenticate, (ids) => ({ principal: ids.chance() < 0.5 ? 'ops' : ids.role(), clientNonce: hexNonce(ids) }))],
  [AuthenticationResponse.name, sample(AuthenticationResponse, (ids) => ({ clientProof: hexNonce(ids) }))],
  // agent → master
  [RegisterAgent.name, sample(RegisterAgent, (ids) => ({ agent: agentInfo(ids, false), version: '0.1.0' }))],
  [ReregisterAgent.name, sample(ReregisterAgent, (ids) => ({
    agent: agentInfo(ids, true), version: '0.1.0', tasks: [reportedTask(ids)],
    executors: [{ frameworkId: ids.framework(), executorId: ids.executor(), info: { executorId: ids.executor(), command: { value: './executor' } } }],
    frameworks: [frameworkInfo(ids, ids.framework())],
  }))],
  [UnregisterAgent.name, sample(UnregisterAgent, (ids) => ({ agentId: ids.agent() }))],
  [Pong.name, sample(Pong, () => ({}))],
  [StatusUpdateMessage.name, sample(StatusUpdateMessage, (ids) => ({ update: statusUpdate(ids), pid: ids.ownPid() }))],
  [ExitedExecutor.name, sample(ExitedExecutor, (ids) => ({ agentId: ids.agent(), frameworkId: ids.framework(), executorId: ids.executor(), status: 0 }))],
  [ExecutorToFramework.name, sample(ExecutorToFramework, (ids) => ({ agentId: ids.agent(), frameworkId: ids.framework(), executorId: ids.executor(), data: 'hello' }))],
  [UpdateAgent.name, sample(UpdateAgent, () => ({ agentId: 'fuzz-agent', resources: Resources.parse('cpus:4;mem:2048').toJSON() }))],
  // An operation's status, at times of another agent's or framework's operation, or of another state.
  [UpdateOperationStatus.name, sample(UpdateOperationStatus, (ids) => {
    const agentId = ids.agent();
    const operationId = `op-${ids.task()}`;
    const state = ids.chance() < 0.8 ? 'OPERATION_FINISHED' as const : 'OPERATION_FAILED' as const;
    return { agentId, operation: { uuid: ids.uuid(), frameworkId: ids.framework(), operationId, type: ids.chance() < 0.5 ? 'RESERVE' as const : 'CREATE' as const, status: { operationId, state, uuid: ids.uuid(), agentId: ids.chance() < 0.9 ? agentId : ids.agent() } } };
  })],
  // master → agent
  [AgentRegistered.name, sample(AgentRegistered, (ids) => ({ agentId: ids.agent(), masterInfo: ids.masterInfo(), connection: { totalPingTimeoutSeconds: 75 } }))],
  [AgentReregistered.name, sample(AgentReregistered, (ids) => ({
    agentId: ids.agent(), masterInfo: ids.masterInfo(), connection: { totalPingTimeoutSeconds: 75 },
    reconciliations: [{ frameworkId: ids.framework(), taskId: ids.task() }], executors: [{ frameworkId: ids.framework(), executorId: ids.executor() }],
  }))],
  [Ping.name, sample(Ping, (ids) => ({ connected: ids.chance() < 0.8 }))],
  [RunTask.name, sample(RunTask, (ids) => {
    const task = taskInfo(ids);
    return { framework: frameworkInfo(ids, ids.framework()), frameworkId: ids.framework(), pid: ids.ownPid(), task, role: '*', ...(task.executor !== undefined ? { launchExecutor: ids.chance() < 0.8 } : {}) };
  })],
  // A task group on the default executor (each task naming it), sometimes with a task of another agent or no command.
  [RunTaskGroup.name, sample(RunTaskGroup, (ids) => {
    const executor = { executorId: ids.executor(), frameworkId: ids.framework(), type: 'DEFAULT' as const, resources: SMALL_RESOURCES };
    const tasks = [0, 1].map(() => ({ name: 'fuzz group task', taskId: ids.task(), agentId: ids.agent(), resources: resources(ids), executor, ...(ids.chance() < 0.9 ? { command: { value: 'sleep 5' } } : {}) }));
    return { framework: frameworkInfo(ids, executor.frameworkId), frameworkId: executor.frameworkId, pid: ids.ownPid(), executor, taskGroup: { tasks }, role: '*', launchExecutor: ids.chance() < 0.8 };
  })],
  [KillTaskOnAgent.name, sample(KillTaskOnAgent, (ids) => ({ frameworkId: ids.framework(), taskId: ids.task() }))],
  [ShutdownFramework.name, sample(ShutdownFramework, (ids) => ({ frameworkId: ids.framework() }))],
  [ShutdownExecutor.name, sample(ShutdownExecutor, (ids) => ({ frameworkId: ids.framework(), executorId: ids.executor() }))],
  [Shutdown.name, sample(Shutdown, () => ({ message: 'fuzz' }))],
  [UpdateFramework.name, sample(UpdateFramework, (ids) => ({ frameworkId: ids.framework(), pid: ids.ownPid() }))],
  // All of the agent's dynamic reservations (none, at times: an UNRESERVE of the last), at times naming the operations with feedback they carry out.
  [CheckpointResources.name, sample(CheckpointResources, (ids) => ({
    resources: ids.chance() < 0.2 ? [] : Resources.parse('cpus:0.5;mem:64').reservedDynamically(ids.chance() < 0.5 ? 'web' : 'fuzz', dynamicReservation('ops')).toJSON(),
    ...(ids.chance() < 0.3 ? { operations: [{ uuid: ids.uuid(), frameworkId: ids.framework(), operationId: `op-${ids.task()}`, type: 'RESERVE' as const }] } : {}),
  }))],
  [OperationStatusAcknowledgement.name, sample(OperationStatusAcknowledgement, (ids) => ({ agentId: ids.agent(), operationUuid: ids.uuid(), statusUuid: ids.uuid() }))],
  // A drain, at times capping grace periods (to nothing, at times), at times to mark the agent gone.
  [DrainAgent.name, sample(DrainAgent, (ids) => ({
    config: { ...(ids.chance() < 0.5 ? { maxGracePeriodNs: ids.chance() < 0.2 ? 0 : 1_000_000_000 } : {}), ...(ids.chance() < 0.5 ? { markGone: ids.chance() < 0.5 } : {}) },
  }))],
  // executor → agent
  [RegisterExecutor.name, sample(RegisterExecutor, (ids) => ({ frameworkId: ids.framework(), executorId: ids.executor() }))],
  [ReregisterExecutor.name, sample(ReregisterExecutor, (ids) => ({ frameworkId: ids.framework(), executorId: ids.executor(), tasks: [taskInfo(ids)], updates: [statusUpdate(ids)] }))],
]);

// ---- the fuzzer --------------------------------------------------------------------------------

/** An actor the fuzzer writes to, and the message names it installs. */
export interface FuzzTarget {
  readonly pid: string;
  readonly names: readonly string[];
  /** How often it is written to, relative to the others (default 1). */
  readonly weight?: number;
}

/** What a `WireFuzzer` needs. */
export interface WireFuzzerOptions {
  readonly seed: number;
  /** The fuzzer's own host (`host:port`): the senders it speaks as live there. */
  readonly ownAddress: string;
  /** Actor ids on its own host it speaks as (the first is its main one). */
  readonly ownIds: readonly string[];
  /** The actors it writes to. */
  readonly targets: () => readonly FuzzTarget[];
  /** Pids of actors on other hosts than its own, whose names it forges. */
  readonly forgeable: () => readonly string[];
  readonly ids: FuzzIds;
  /**
   * The subject's last say over a sample-based body, changed in place: it keeps out what would
   * only end the run's own setting (the lone agent's master never contradicts itself about the
   * agent's id, which would shut the agent down).
   */
  readonly amend?: (name: string, body: Record<string, unknown>) => void;
}

/** One frame to write, with how many envelopes it holds and what it is (for a failure's report). */
export interface FuzzFrame {
  readonly frame: Buffer;
  readonly envelopes: number;
  readonly description: string;
}

/** Counts of what the fuzzer made, by kind (`frame:garbage`, `body:mutated`, `mutation:deep`...). */
export type FuzzStats = Map<string, number>;

/**
 * Makes frames from a seed. Deterministic: the same seed, options and sequence of ids seen give
 * the same frames.
 */
export class WireFuzzer {
  readonly random: Prng;
  readonly stats: FuzzStats = new Map();
  private readonly sampleIds: SampleIds;
  /** The pid of the first of its own frameworks or agents the body being built names, if any: the sender that gets past the master's checks. */
  private owner: string | undefined;

  constructor(private readonly options: WireFuzzerOptions) {
    this.random = new Prng(options.seed);
    this.sampleIds = this.makeSampleIds();
  }

  /** The next frame (random bytes while there is no target). */
  next(): FuzzFrame {
    const kind = this.options.targets().length === 0 ? 'garbage' : this.weighted(FRAME_KINDS);
    this.count(`frame:${kind}`);
    return this.frameOf(kind);
  }

  /** An envelope of `name` to `to`, from `from` (default: one of the fuzzer's own pids), as the spec's own traffic (a marker). */
  envelope(to: string, name: string, body: unknown, from?: string): Buffer {
    return packr.pack({ from: from ?? this.ownPid(), to, name, body });
  }

  private frameOf(kind: FrameKind): FuzzFrame {
    switch (kind) {
      case 'envelope': {
        const { bytes, description } = this.envelopeBytes();
        return { frame: bytes, envelopes: 1, description };
      }
      case 'several': {
        const count = 2 + this.random.nextInt(MAX_ENVELOPES_PER_FRAME - 1);
        const parts = Array.from({ length: count }, () => this.envelopeBytes());
        return { frame: Buffer.concat(parts.map((part) => part.bytes)), envelopes: count, description: `${count} envelopes: ${parts.map((part) => part.description).join(' | ')}` };
      }
      case 'garbage':
        return { frame: Buffer.from(this.random.bytes(1 + this.random.nextInt(MAX_GARBAGE_FRAME_BYTES))), envelopes: 1, description: 'random bytes' };
      case 'truncated': {
        const { bytes, description } = this.envelopeBytes();
        return { frame: bytes.subarray(0, this.random.nextInt(bytes.length)), envelopes: 1, description: `cut off: ${description}` };
      }
      case 'trailing': {
        const { bytes, description } = this.envelopeBytes();
        return { frame: Buffer.concat([bytes, Buffer.from(this.random.bytes(1 + this.random.nextInt(16)))]), envelopes: 1, description: `${description}, then random bytes` };
      }
      case 'not-envelope':
        return { frame: packr.pack(this.notAnEnvelope()), envelopes: 1, description: 'not an envelope' };
    }
  }

  /** One envelope, encoded; deep nesting is spliced in as bytes (an encoder would recurse as deep). */
  private envelopeBytes(): { bytes: Buffer; description: string } {
    const targets = this.options.targets();
    const target = this.weightedTarget(targets);
    const name = this.messageName(target, targets);
    this.owner = undefined;
    const { body, description: bodyDescription } = this.body(name);
    const from = this.owner !== undefined && this.random.next() < OWNER_SENDS ? { pid: this.owner, kind: 'owner' as const } : this.sender();
    const to = this.random.next() < 0.92 ? target.pid : this.garbagePid(target.pid);
    const description = `${name.length > 40 ? `${name.slice(0, 40)}…` : name} ${from.kind} → ${to === target.pid ? to : 'garbage to'}: ${bodyDescription}`;
    const encoded = packr.pack({ from: from.pid, to, name, body: body.value });
    const bytes = body.deep === undefined ? encoded : spliceDeep(encoded, body.deep);
    // A link refuses a bigger frame before decoding anything: past the limit, only the cut is news.
    if (bytes.length > MAX_FRAME_BYTES) return { bytes: bytes.subarray(0, MAX_FRAME_BYTES), description: `${description}, cut to ${MAX_FRAME_BYTES} bytes` };
    return { bytes, description };
  }

  private messageName(target: FuzzTarget, targets: readonly FuzzTarget[]): string {
    const draw = this.random.next();
    if (draw < 0.85 && target.names.length > 0) return target.names[this.random.nextInt(target.names.length)] as string;
    if (draw < 0.95) {
      const all = [...new Set(targets.flatMap((other) => other.names))];
      return all[this.random.nextInt(all.length)] ?? 'Ping';
    }
    this.count('name:odd');
    return this.random.next() < 0.7 ? this.pick(ODD_NAMES) : this.randomString(1 + this.random.nextInt(40));
  }

  /**
   * A body for `name`: a random value, its sample as is, the sample changed in meaning only
   * (other real ids, other task states: it passes validation, and goes deep), or broken.
   */
  private body(name: string): { body: Body; description: string } {
    const build = SAMPLES.get(name);
    const kind = build === undefined ? 'random' : this.weighted(BODY_KINDS);
    this.count(`body:${kind}`);
    if (build === undefined || kind === 'random') return { body: { value: this.randomValue(MAX_RANDOM_VALUE_DEPTH) }, description: 'random body' };
    // A copy: samples share constant parts (resources), which mutations must not change for good.
    const body: Body = { value: structuredClone(build(this.sampleIds)) };
    const description = kind === 'valid' ? 'valid body' : this.mutated(body, kind === 'semantic' ? SEMANTIC_MUTATIONS : MUTATIONS);
    this.unprotect(name, body);
    const amended = record(body.value);
    if (amended !== undefined) this.options.amend?.(name, amended);
    return { body, description };
  }

  /** Applies one to `MAX_MUTATIONS_PER_BODY` mutations drawn from `mutations` to `body`; returns what they did. */
  private mutated(body: Body, choices: ReadonlyArray<readonly [Mutation, number]>): string {
    const mutations = Array.from({ length: 1 + this.random.nextInt(MAX_MUTATIONS_PER_BODY) }, () => this.weighted(choices));
    // A long array repeats one element: one at most, and last, so that nothing multiplies its copies.
    const longArray = mutations.includes('long-array');
    const ordered: Mutation[] = [...mutations.filter((mutation) => mutation !== 'long-array'), ...(longArray ? ['long-array' as const] : [])];
    return ordered.map((mutation) => this.mutate(body, mutation)).join(', ');
  }

  /** A takeover of a protected framework or agent (see `FuzzIds.protectedFrameworks`) becomes one of a made-up one. */
  private unprotect(name: string, body: Body): void {
    const ids = this.options.ids;
    const [field, protectedIds] = name === ReregisterFramework.name ? ['framework', ids.protectedFrameworks] as const
      : name === ReregisterAgent.name ? ['agent', ids.protectedAgents] as const : [undefined, undefined];
    const info = field === undefined ? undefined : record(record(body.value)?.[field]);
    if (info !== undefined && typeof info.id === 'string' && protectedIds?.has(info.id) === true) info.id = `fuzz-${field}-unprotected`;
  }

  // ---- mutations --------------------------------------------------------------------------------

  /** Applies `mutation` to `body` at a random place (in place); returns what it did, and where. */
  private mutate(body: Body, mutation: Mutation): string {
    const paths = pathsOf(body.value);
    const path = paths[this.random.nextInt(paths.length)] as Path;
    const where = path.join('.') || '(body)';
    this.count(`mutation:${mutation}`);
    const current = valueAt(body.value, path);
    switch (mutation) {
      case 'drop':
        if (path.length === 0) body.value = undefined;
        else remove(body.value, path);
        break;
      case 'retype':
        body.value = replaced(body.value, path, this.randomValue(2));
        break;
      case 'huge-string':
        body.value = replaced(body.value, path, this.hugeString());
        break;
      case 'deep':
        body.deep = { depth: this.deepDepth(), map: this.random.next() < 0.5 };
        body.value = replaced(body.value, path, DEEP_PLACEHOLDER);
        return `deep ${body.deep.map ? 'maps' : 'arrays'} (${body.deep.depth}) at ${where}`;
      case 'number':
        body.value = replaced(body.value, path, this.random.next() < 0.9 ? this.pick(EDGE_NUMBERS) : BigInt(2) ** BigInt(64) - BigInt(1));
        break;
      case 'enum':
        body.value = replaced(body.value, path, this.pick(WRONG_ENUM_VALUES));
        break;
      case 'extra': {
        const container = record(current) ?? record(valueAt(body.value, path.slice(0, -1)));
        if (container !== undefined) Object.defineProperty(container, this.random.next() < 0.6 ? this.pick(EXTRA_KEYS) : this.randomString(8), { value: this.randomValue(2), enumerable: true, configurable: true, writable: true });
        break;
      }
      case 'state':
        body.value = replaced(body.value, path, this.pick(TASK_STATES));
        break;
      case 'real-id':
        body.value = replaced(body.value, path, this.sampleIds[this.pick(ID_KINDS)]());
        break;
      case 'long-array': {
        const element = Array.isArray(current) && current.length > 0 ? current[0] : current;
        const drawn = this.rare() ? this.pick(LONG_ARRAY_LENGTHS) : this.pick(LONG_ARRAY_LENGTHS.slice(0, 2));
        const length = Math.max(1, Math.min(drawn, Math.floor(MAX_LONG_ARRAY_BYTES / encodedSize(element))));
        // Distinct elements half the time (ids, resources of as many names): duplicates are a cheaper case, also drawn.
        const distinct = this.random.next() < 0.5;
        body.value = replaced(body.value, path, Array.from({ length }, (_, index) => (distinct ? distinctCopy(element, index) : element)));
        return `long-array (${length}${distinct ? ', distinct' : ''}) at ${where}`;
      }
      case 'empty':
        body.value = replaced(body.value, path, Array.isArray(current) ? [] : typeof current === 'string' ? '' : {});
        break;
    }
    return `${mutation} at ${where}`;
  }

  private hugeString(): string {
    const length = this.rare() ? MAX_FUZZ_STRING_LENGTH : this.pick(STRING_LIMITS) + 1 + this.random.nextInt(8);
    return 'x'.repeat(length);
  }

  private deepDepth(): number {
    return this.rare() ? this.pick(DEEP_NESTING_DEPTHS) : this.pick(DEEP_NESTING_DEPTHS.slice(0, 2));
  }

  // ---- senders and receivers --------------------------------------------------------------------

  /** The sender: the fuzzer itself mostly; sometimes an actor of another host (forged), or garbage. */
  private sender(): { pid: string; kind: 'own' | 'forged' | 'garbage' } {
    const draw = this.random.next();
    const forgeable = this.options.forgeable();
    if (draw < 0.9 || (draw < 0.96 && forgeable.length === 0)) return { pid: this.ownPid(), kind: 'own' };
    if (draw < 0.96) {
      this.count('sender:forged');
      return { pid: this.pick(forgeable), kind: 'forged' };
    }
    this.count('sender:garbage');
    return { pid: this.garbagePid(this.ownPid()), kind: 'garbage' };
  }

  private ownPid(): string {
    const ids = this.options.ownIds;
    const id = this.random.next() < 0.5 ? ids[0] : ids[this.random.nextInt(ids.length)];
    return `${id ?? 'fuzzer'}@${this.options.ownAddress}`;
  }

  /** A pid that is wrong in one way: not a pid, too long, another host, an unknown actor, a bad port. */
  private garbagePid(near: string): string {
    const at = near.indexOf('@');
    const address = near.slice(at + 1);
    const choices = [
      () => '', () => 'nobody', () => '@', () => `${near}:1`, () => `${near.slice(0, at)}@elsewhere.invalid:1`, () => `unknown-actor@${address}`,
      () => `${'a'.repeat(MAX_UPID_LENGTH)}@${address}`, () => `x@${address.replace(/:\d+$/, ':99999')}`, () => `__proto__@${address}`,
      () => this.randomString(1 + this.random.nextInt(64)),
    ];
    return (choices[this.random.nextInt(choices.length)] as () => string)();
  }

  // ---- random values ----------------------------------------------------------------------------

  /** A value that decodes, but is no envelope: not a map, or one with fields missing or of the wrong type. */
  private notAnEnvelope(): unknown {
    const target = this.pick(this.options.targets());
    const choices: Array<() => unknown> = [
      () => this.randomValue(2),
      () => ({ from: this.ownPid(), to: target.pid, name: 'Ping' }),
      () => ({ from: 1, to: target.pid, name: 'Ping', body: {} }),
      () => ({ from: this.ownPid(), to: [target.pid], name: 'Ping', body: {} }),
      () => ({ from: this.ownPid(), to: target.pid, name: null, body: {} }),
      () => [this.ownPid(), target.pid, 'Ping', {}],
      () => ({ from: this.ownPid(), to: target.pid, name: 'x'.repeat(MAX_MESSAGE_NAME_LENGTH + 1), body: {} }),
    ];
    return (choices[this.random.nextInt(choices.length)] as () => unknown)();
  }

  /** A random value msgpack can carry: nil, booleans, numbers, strings, bytes, arrays, maps, and the extension types a decoder turns into objects. */
  private randomValue(depth: number): unknown {
    const choices: Array<() => unknown> = [
      () => null, () => undefined, () => this.random.next() < 0.5, () => this.random.nextInt(1000) - 500, () => this.pick(EDGE_NUMBERS),
      () => this.randomString(this.random.nextInt(24)), () => Buffer.from(this.random.bytes(this.random.nextInt(16))),
      () => new Date(this.random.nextInt(2 ** 31) * 1000), () => BigInt(this.random.nextUint32()) * BigInt(2 ** 32),
      () => new Error(this.randomString(8)), () => new Set([this.randomString(4)]), () => new Map([[this.randomString(3), 1]]),
      () => /fuzz/g,
    ];
    if (depth > 0) {
      const width = this.random.nextInt(MAX_RANDOM_VALUE_WIDTH);
      choices.push(() => Array.from({ length: width }, () => this.randomValue(depth - 1)));
      choices.push(() => Object.fromEntries(Array.from({ length: width }, () => [this.random.next() < 0.3 ? this.pick(EXTRA_KEYS) : this.randomString(6), this.randomValue(depth - 1)])));
    }
    return (choices[this.random.nextInt(choices.length)] as () => unknown)();
  }

  /** A string of random code units: any UTF-16 unit, lone surrogates and NUL included. */
  private randomString(length: number): string {
    let result = '';
    for (let index = 0; index < length; index++) {
      const draw = this.random.next();
      result += String.fromCharCode(draw < 0.6 ? 0x20 + this.random.nextInt(0x5f) : draw < 0.9 ? this.random.nextInt(0x800) : this.random.nextInt(0x10000));
    }
    return result;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private makeSampleIds(): SampleIds {
    const ids = this.options.ids;
    const real = (kind: IdKind, made: () => string) => (): string => (this.random.next() < 0.85 ? ids.pick(kind, this.random) : undefined) ?? made();
    const owned = (pick: () => string) => (): string => {
      const id = pick();
      this.owner ??= ids.ownerOf(id);
      return id;
    };
    return {
      framework: owned(real('framework', () => `fuzz-framework-${this.random.nextInt(8)}`)),
      agent: owned(real('agent', () => `fuzz-agent-${this.random.nextInt(8)}`)),
      task: real('task', () => `fuzz-task-${this.random.nextInt(64)}`),
      offer: real('offer', () => `fuzz-offer-${this.random.nextInt(64)}`),
      executor: real('executor', () => `fuzz-executor-${this.random.nextInt(8)}`),
      uuid: real('uuid', () => `fuzz-uuid-${this.random.nextInt(1000)}`),
      role: real('role', () => this.pick(['*', 'fuzz', 'a/b', 'web'])),
      ownPid: () => this.ownPid(),
      masterInfo: () => ids.masterInfo ?? { id: 'fuzz-master', ip: '10.0.0.1', port: 5050, pid: 'master@10.0.0.1:5050', hostname: 'fuzz.master', version: '0.1.0' },
      run: () => {
        const run = ids.pickRun(this.random);
        if (run !== undefined) this.owner ??= run.agentPid;
        return run;
      },
      chance: () => this.random.next(),
    };
  }

  private weightedTarget(targets: readonly FuzzTarget[]): FuzzTarget {
    const total = targets.reduce((sum, target) => sum + (target.weight ?? 1), 0);
    let draw = this.random.next() * total;
    for (const target of targets) {
      draw -= target.weight ?? 1;
      if (draw < 0) return target;
    }
    return targets[targets.length - 1] as FuzzTarget;
  }

  private rare(): boolean {
    return this.random.nextInt(RARE_DRAW) === 0;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.random.nextInt(items.length)] as T;
  }

  private weighted<T extends string>(choices: ReadonlyArray<readonly [T, number]>): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let draw = this.random.nextInt(total);
    for (const [choice, weight] of choices) {
      if (draw < weight) return choice;
      draw -= weight;
    }
    return (choices[0] as readonly [T, number])[0];
  }

  private count(what: string): void {
    this.stats.set(what, (this.stats.get(what) ?? 0) + 1);
  }
}

type Mutation = 'drop' | 'retype' | 'huge-string' | 'deep' | 'number' | 'enum' | 'extra' | 'real-id' | 'long-array' | 'empty' | 'state';
/** Mutations that break a body, and their weights: the costly ones (big frames) are drawn less often. */
const MUTATIONS: ReadonlyArray<readonly [Mutation, number]> = [
  ['drop', 3], ['retype', 3], ['huge-string', 1], ['deep', 1], ['number', 3], ['enum', 3], ['extra', 3], ['real-id', 3], ['long-array', 1], ['empty', 2],
];
/** Mutations that mostly keep a body valid and change what it means. */
const SEMANTIC_MUTATIONS: ReadonlyArray<readonly [Mutation, number]> = [['real-id', 4], ['state', 2], ['drop', 1], ['number', 1]];
/** Kinds of bodies, and their weights (see `WireFuzzer.body`). */
const BODY_KINDS = [['random', 10], ['valid', 25], ['semantic', 30], ['broken', 35]] as const;
const ID_KINDS = ['framework', 'agent', 'task', 'offer', 'executor', 'uuid', 'role'] as const;

// ---- bodies as trees ---------------------------------------------------------------------------

/** A body being mutated; `deep` is nesting to splice in where the placeholder is. */
interface Body {
  value: unknown;
  deep?: { depth: number; map: boolean };
}

type Path = ReadonlyArray<string | number>;

/** Where deep nesting goes: a string no sample holds, replaced by bytes after encoding. */
const DEEP_PLACEHOLDER = '\u0000wire-fuzz-deep\u0000';

/** Every path in a JSON-like tree (the root included), containers and leaves alike. */
function pathsOf(value: unknown, path: Path = [], into: Path[] = []): Path[] {
  into.push(path);
  if (Array.isArray(value)) value.forEach((item, index) => pathsOf(item, [...path, index], into));
  else if (record(value) !== undefined && !(value instanceof Buffer)) for (const [key, item] of Object.entries(value as Record<string, unknown>)) pathsOf(item, [...path, key], into);
  return into;
}

function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) current = (current as Record<string | number, unknown>)[key];
  return current;
}

/** `root` with the value at `path` replaced (in place below the root; the root itself is returned anew). */
function replaced(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = valueAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1] as string | number] = value;
  return root;
}

function remove(root: unknown, path: Path): void {
  const parent = valueAt(root, path.slice(0, -1));
  const key = path[path.length - 1] as string | number;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<string | number, unknown>)[key];
}

/** `element` made the `index`th of distinct copies: a string suffixed, an object with its first string field suffixed. */
function distinctCopy(element: unknown, index: number): unknown {
  if (typeof element === 'string') return `${element}-${index}`;
  const object = record(element);
  const key = object === undefined ? undefined : Object.keys(object).find((candidate) => typeof object[candidate] === 'string');
  return object === undefined || key === undefined ? element : { ...object, [key]: `${String(object[key])}-${index}` };
}

/** Bytes `value` takes encoded (1 for what cannot be encoded alone). */
function encodedSize(value: unknown): number {
  try {
    return Math.max(1, packr.pack(value).length);
  } catch {
    return 1;
  }
}

/** Replaces the encoded placeholder in `encoded` with `depth` levels of one-element arrays (or one-key maps) around a nil. */
function spliceDeep(encoded: Buffer, deep: { depth: number; map: boolean }): Buffer {
  const placeholder = packr.pack(DEEP_PLACEHOLDER);
  const at = encoded.indexOf(placeholder);
  if (at < 0) return encoded;
  const level = deep.map ? Buffer.from([0x81, 0xa1, 0x61]) : Buffer.from([0x91]); // {a: ...} or [...]
  const nesting = Buffer.concat([Buffer.alloc(level.length * deep.depth).fill(level), Buffer.from([0xc0])]);
  return Buffer.concat([encoded.subarray(0, at), nesting, encoded.subarray(at + placeholder.length)]);
}
