/**
 * The agent's checkpoints (Mesos' `slave/state.hpp` and `--recover=reconnect`): what a restarted
 * agent needs to take its executors and their tasks back. They live in one journal,
 * `<workDir>/meta/journal.log`: one JSON record per line, each batch of records appended and
 * fsynced together, and rewritten (compacted, atomically) from what is still live once it has
 * grown to `CHECKPOINT_COMPACTION_MIN_RECORDS` records and twice what is live. The agent's dynamic
 * reservations live beside it, in `<workDir>/meta/resources/resources.info`
 * (checkpointed-resources.ts), written through `AgentCheckpoints.writeResources`.
 *
 * What is recorded: the agent's id (always), and, for frameworks that checkpoint
 * (`FrameworkInfo.checkpoint`), the framework, each executor run (its info, sandbox, OS process
 * and actor pid), each task given to it, each status update (before the executor hears it was
 * received), each acknowledgement, and the ends of executors and frameworks; and, while the
 * agent drains, how the master asked it to (Mesos' checkpointed `DrainConfig`).
 *
 * `recoverCheckpoints` replays the journal into `RecoveredAgent`; `AgentCheckpoints` keeps the
 * same model up to date as it appends, so that a compaction writes it back as records.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { Disk } from '../../lib/disk';
import { parseJournal } from '../../lib/journal';
import { AgentInfoSchema, AgentOperationSchema, DrainConfigSchema, ExecutorInfoSchema, FrameworkInfoSchema, isTerminalState, StatusUpdateSchema, TaskInfoSchema, type AgentInfo, type AgentOperation, type DrainConfig, type ExecutorInfo, type FrameworkInfo, type StatusUpdate, type TaskInfo } from '../../lib/protocol';
import { CHECKPOINT_COMPACTION_MIN_RECORDS, CHECKPOINT_RETRY_INITIAL_MS, CHECKPOINT_RETRY_MAX_MS } from './constants';
import { metaDirectory } from './paths';
import { checkpointedResourcesPathIn, checkpointedResourcesText } from './checkpointed-resources';
import { applyVolumeDirectoryChanges, type VolumeDirectoryChanges } from './volumes';

/** The mode of the agent's checkpoint directory (`<work_dir>/meta`): its owner's only. */
export const META_DIRECTORY_MODE = 0o700;
import { LazyMap } from '../../lib/lazy-collections';
import { MAX_COMPLETED_FRAMEWORKS } from '../../lib/protocol/limits';
import { MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK, MAX_COMPLETED_TASKS_PER_EXECUTOR } from './constants';
import { Resources, withResourcesReadAsBefore } from '../../lib/resources';

const id = z.string().min(1);
const CheckpointRecordSchema = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('agent'), agentId: id,
    /**
     * What the agent registered as under that id (Mesos checkpoints its `SlaveInfo`): a restart
     * declaring other resources or attributes is checked against it (`--reconfiguration_policy`).
     * Journals written before it was recorded have none: their restarts are not checked.
     */
    info: AgentInfoSchema.omit({ id: true, resources: true }).extend({ resources: z.union([z.string(), AgentInfoSchema.shape.resources]) }).optional(),
    /** The machine's boot id then: after a reboot an incompatible change starts a new agent instead (Mesos). */
    bootId: z.string().optional(),
  }),
  z.object({ t: z.literal('framework'), frameworkId: id, info: FrameworkInfoSchema, pid: z.string().optional() }),
  z.object({
    t: z.literal('executor'), frameworkId: id, info: ExecutorInfoSchema, runId: id, directory: z.string(), commandExecutor: z.boolean(), role: z.string().optional(),
    /** SHA-256 (hex) of the run's token: a restarted agent can still tell the run's executor (v1 executor API), yet the token is nowhere on disk. */
    tokenSha256: z.string().optional(),
  }),
  z.object({
    t: z.literal('executorProcess'), frameworkId: id, executorId: id, runId: id, processId: z.number().int().positive(),
    /** The machine's boot id when the process started: after a reboot the pid names something else. */
    bootId: z.string().optional(),
    /**
     * The process' start time (`/proc/<pid>/stat`, clock ticks since boot): a process that has the
     * pid now and started at another time took the pid after the executor exited (absent in
     * journals from before it was recorded, and where Linux does not say).
     */
    startTime: z.string().optional(),
  }),
  z.object({ t: z.literal('executorPid'), frameworkId: id, executorId: id, runId: id, pid: z.string().min(1) }),
  z.object({ t: z.literal('task'), frameworkId: id, executorId: id, task: TaskInfoSchema, role: z.string().optional() }),
  z.object({ t: z.literal('update'), update: StatusUpdateSchema }),
  z.object({ t: z.literal('ack'), frameworkId: id, taskId: id, uuid: id }),
  z.object({ t: z.literal('executorEnded'), frameworkId: id, executorId: id, runId: id }),
  z.object({ t: z.literal('frameworkEnded'), frameworkId: id }),
  /** An operation with feedback carried out (its checkpointed resources durable), with the status the agent reports until it is acknowledged. */
  z.object({ t: z.literal('operation'), operation: AgentOperationSchema }),
  /** That status was acknowledged: the operation is forgotten. */
  z.object({ t: z.literal('operationAcknowledged'), uuid: id }),
  /** The master told the agent to drain (Mesos checkpoints its `DrainConfig` in the meta directory): a restarted agent drains on. */
  z.object({ t: z.literal('drain'), config: DrainConfigSchema }),
  /** The agent finished draining (nothing was left on it): the config is forgotten. */
  z.object({ t: z.literal('drainEnded') }),
]);

/** One checkpointed fact, one line of the journal. */
export type CheckpointRecord = z.infer<typeof CheckpointRecordSchema>;

/** A task given to a checkpointed executor, and its status updates in order (acknowledged ones flagged). */
export interface RecoveredTask {
  readonly info: TaskInfo;
  readonly role: string | undefined;
  readonly updates: Array<{ update: StatusUpdate; acknowledged: boolean }>;
}

/** One checkpointed executor run. */
export interface RecoveredExecutor {
  readonly info: ExecutorInfo;
  readonly runId: string;
  readonly directory: string;
  readonly commandExecutor: boolean;
  readonly role: string | undefined;
  /** SHA-256 (hex) of the run's token, if checkpointed. */
  readonly tokenSha256: string | undefined;
  /** Its OS process, once it started. */
  processId: number | undefined;
  /** The boot id of the machine when that process started (see `currentBootId`). */
  bootId: string | undefined;
  /** That process' start time (see `processStartTime`), if checkpointed. */
  startTime?: string | undefined;
  /** Its actor, once it registered. */
  pid: string | undefined;
  /** Its process ended (it stays while its tasks' terminal updates wait for acknowledgements). */
  ended: boolean;
  /** Tasks not yet completed (a task whose terminal update is acknowledged moves to `completedTasks`). */
  readonly tasks: Map<string, RecoveredTask>;
  /** Tasks whose terminal update was acknowledged, newest last (at most `MAX_COMPLETED_TASKS_PER_EXECUTOR`; their updates without `data`). */
  completedTasks: RecoveredTask[];
}

/** One checkpointing framework with executors here. */
export interface RecoveredFramework {
  info: FrameworkInfo;
  pid: string | undefined;
  /** Its executors' latest runs, by executor id. */
  readonly executors: Map<string, RecoveredExecutor>;
  /**
   * Runs that ended with every task completed, newest last (at most
   * `MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK`): a restarted agent shows them in `completed_executors`,
   * as Mesos' recovers its completed runs from its meta directory.
   */
  completedExecutors: RecoveredExecutor[];
}

/**
 * An agent's info as its journal keeps it: the resources in their text form where it says all
 * of them (`cpus:8;mem:15360;...`: the record with a JSON list cost ~600 bytes an idle simulated
 * agent, task-memory-child.js 7,928 with it against 7,329 without), else as Resource JSON (a dynamic reservation's principal).
 */
export type CheckpointedAgentInfo = Omit<AgentInfo, 'id' | 'resources'> & { readonly resources: string | AgentInfo['resources'] };

/** `info` as its journal keeps it (see `CheckpointedAgentInfo`). */
export function checkpointedInfoOf(info: Omit<AgentInfo, 'id'>): CheckpointedAgentInfo {
  if (info.resources === lastCheckpointedResources.json) return { ...info, resources: lastCheckpointedResources.kept };
  const resources = Resources.fromJSON(info.resources);
  const text = resources.toString();
  const kept = Resources.parse(text).equals(resources) ? text : info.resources;
  // Only a frozen list: one that could change would make the text kept for it stale.
  if (Object.isFrozen(info.resources)) lastCheckpointedResources = { json: info.resources, kept };
  return { ...info, resources: kept };
}

/**
 * The last resources `checkpointedInfoOf` put in their journal form, by the list they came as:
 * agents declaring the same resources share one list (`detectResources`), and so share one text
 * in their journals' models (~80 bytes an agent, each its own copy of the same text).
 */
let lastCheckpointedResources: { readonly json: unknown; readonly kept: CheckpointedAgentInfo['resources'] } = { json: undefined, kept: '' };

/** A checkpointed agent info as the agent declares one (its resources as JSON). */
export function declaredInfoOf(info: CheckpointedAgentInfo): Omit<AgentInfo, 'id'> {
  return { ...info, resources: typeof info.resources === 'string' ? Resources.parse(info.resources).toJSON() : info.resources };
}

/** What the journal says. */
export interface RecoveredAgent {
  agentId: string | undefined;
  /** What the agent registered as under `agentId` (none in a journal from before it was recorded; `declaredInfoOf` reads it), and the machine's boot id then. */
  registeredAs?: { readonly info: CheckpointedAgentInfo; readonly bootId: string | undefined };
  readonly frameworks: Map<string, RecoveredFramework>;
  /** Frameworks that ended here, with their completed runs, oldest first (at most `MAX_COMPLETED_FRAMEWORKS`); absent in a model made by hand. */
  readonly completedFrameworks?: Map<string, RecoveredFramework>;
  /** Operations with feedback whose latest status is not acknowledged, by uuid, oldest first; absent while none. */
  operations?: Map<string, AgentOperation>;
  /** How the master asked the agent to drain, while it has not finished (absent otherwise). */
  drainConfig?: DrainConfig;
}

/** Where Linux says which boot this is. */
const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

/**
 * This machine's boot id (Linux), or undefined where there is none. A process id checkpointed
 * under another boot names some other process now: the agent neither adopts nor kills it (Mesos
 * checkpoints the boot id for the same reason).
 */
export function currentBootId(): string | undefined {
  try {
    return readFileSync(BOOT_ID_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `<workDir>/meta/journal.log`. */
export function checkpointJournalPath(workDir: string): string {
  return path.join(metaDirectory(workDir), 'journal.log');
}

function emptyAgent(): RecoveredAgent {
  return { agentId: undefined, frameworks: new LazyMap(), completedFrameworks: new LazyMap() };
}

/** Applies one record to the model (replay and live mirror alike). Records about unknown things are ignored. */
export function applyCheckpoint(agent: RecoveredAgent, record: CheckpointRecord): void {
  const executorOf = (frameworkId: string, executorId: string, runId?: string): RecoveredExecutor | undefined => {
    const executor = agent.frameworks.get(frameworkId)?.executors.get(executorId);
    return runId === undefined || executor?.runId === runId ? executor : undefined;
  };
  switch (record.t) {
    case 'agent':
      agent.agentId = record.agentId;
      agent.registeredAs = record.info === undefined ? undefined : { info: record.info, bootId: record.bootId };
      return;
    case 'framework': {
      const known = agent.frameworks.get(record.frameworkId);
      if (known !== undefined) {
        known.info = record.info;
        if (record.pid !== undefined) known.pid = record.pid;
      } else {
        // A framework back after it ended here keeps its completed runs (as the agent's books do).
        const ended = agent.completedFrameworks?.get(record.frameworkId);
        agent.completedFrameworks?.delete(record.frameworkId);
        agent.frameworks.set(record.frameworkId, { info: record.info, pid: record.pid, executors: new Map(), completedExecutors: ended?.completedExecutors ?? [] });
      }
      return;
    }
    case 'executor':
      agent.frameworks.get(record.frameworkId)?.executors.set(record.info.executorId, {
        info: withResourcesReadAsBefore(record.info), runId: record.runId, directory: record.directory, commandExecutor: record.commandExecutor, role: record.role,
        tokenSha256: record.tokenSha256, processId: undefined, bootId: undefined, pid: undefined, ended: false, tasks: new Map(), completedTasks: [],
      });
      return;
    case 'executorProcess': {
      const executor = executorOf(record.frameworkId, record.executorId, record.runId);
      if (executor !== undefined) {
        executor.processId = record.processId;
        executor.bootId = record.bootId;
        if (record.startTime !== undefined) executor.startTime = record.startTime;
      }
      return;
    }
    case 'executorPid': {
      const executor = executorOf(record.frameworkId, record.executorId, record.runId);
      if (executor !== undefined) executor.pid = record.pid;
      return;
    }
    case 'task':
      executorOf(record.frameworkId, record.executorId)?.tasks.set(record.task.taskId, { info: taskReadAsBefore(record.task), role: record.role, updates: [] });
      return;
    case 'update': {
      const { update } = record;
      const task = taskOf(agent, update.frameworkId, update.status.taskId);
      if (task !== undefined && !task.updates.some((entry) => entry.update.uuid === update.uuid)) task.updates.push({ update, acknowledged: false });
      return;
    }
    case 'ack': {
      const framework = agent.frameworks.get(record.frameworkId);
      for (const executor of framework?.executors.values() ?? []) {
        const task = executor.tasks.get(record.taskId);
        const entry = task?.updates.find((candidate) => candidate.update.uuid === record.uuid);
        if (task === undefined || entry === undefined) continue;
        entry.acknowledged = true;
        // An acknowledged update is kept for its uuid and state only (a retry of it is a
        // duplicate): its `data` goes, or a framework acknowledging large updates grew the model,
        // and each compacted journal, without bound (a review; Mesos' master drops status data
        // it keeps for the same reason, MESOS-1746).
        if (entry.update.status.data !== undefined) {
          const { data: _data, ...status } = entry.update.status;
          entry.update = { ...entry.update, status };
        }
        if (isTerminalState(entry.update.status.state)) {
          executor.tasks.delete(record.taskId);
          // Kept without its `data` (what the books show of a completed task has none; up to 200 a
          // run of 150 runs a framework), and without updates still pending: the update manager
          // drops those when the terminal one is acknowledged, and a replay would not find them
          // (the task is completed when they come; the journal property test).
          const updates = task.updates.every((candidate) => candidate.acknowledged) ? task.updates : task.updates.filter((candidate) => candidate.acknowledged);
          const completed = task.info.data === undefined && updates === task.updates ? task : { ...task, info: withoutData(task.info), updates };
          executor.completedTasks = appendBounded(executor.completedTasks, completed, MAX_COMPLETED_TASKS_PER_EXECUTOR);
        }
        if (executor.ended && executor.tasks.size === 0 && framework !== undefined) completeExecutor(framework, executor);
      }
      return;
    }
    case 'executorEnded': {
      const framework = agent.frameworks.get(record.frameworkId);
      const executor = executorOf(record.frameworkId, record.executorId, record.runId);
      if (executor === undefined) return;
      executor.ended = true;
      // Tasks that never reached a terminal update here get none now: they are forgotten with it,
      // unless their terminal update waits for its acknowledgement.
      for (const [taskId, task] of executor.tasks) {
        if (!task.updates.some((entry) => isTerminalState(entry.update.status.state))) executor.tasks.delete(taskId);
      }
      if (executor.tasks.size === 0 && framework !== undefined) completeExecutor(framework, executor);
      return;
    }
    case 'operation':
      (agent.operations ??= new Map()).set(record.operation.uuid, record.operation);
      return;
    case 'operationAcknowledged':
      agent.operations?.delete(record.uuid);
      if (agent.operations?.size === 0) delete agent.operations;
      return;
    case 'drain':
      agent.drainConfig = record.config;
      return;
    case 'drainEnded':
      delete agent.drainConfig;
      return;
    case 'frameworkEnded': {
      const framework = agent.frameworks.get(record.frameworkId);
      agent.frameworks.delete(record.frameworkId);
      const completed = agent.completedFrameworks;
      if (framework === undefined || completed === undefined) return;
      // Runs still held (their tasks' updates went with the framework's streams) end with it, their unfinished tasks forgotten.
      for (const executor of [...framework.executors.values()]) {
        executor.tasks.clear();
        executor.ended = true;
        completeExecutor(framework, executor);
      }
      completed.delete(record.frameworkId);
      completed.set(record.frameworkId, framework);
      if (completed.size > MAX_COMPLETED_FRAMEWORKS) {
        const [oldest] = completed.keys();
        if (oldest !== undefined) completed.delete(oldest);
      }
      return;
    }
  }
}

/** An ended run with every task completed leaves the live runs for the completed ones (bounded, newest last). */
function completeExecutor(framework: RecoveredFramework, executor: RecoveredExecutor): void {
  if (framework.executors.get(executor.info.executorId) === executor) framework.executors.delete(executor.info.executorId);
  framework.completedExecutors = appendBounded(framework.completedExecutors, executor, MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK);
}

/** A task's `info` without its `data` (a completed task's: nothing shown of it reads it). */
function withoutData<T extends { readonly data?: unknown }>(info: T): T {
  const { data: _data, ...rest } = info;
  return rest as T;
}

/** `list` with `item` appended, the oldest dropped past `max`. */
function appendBounded<T>(list: T[], item: T, max: number): T[] {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
  return list;
}

function taskOf(agent: RecoveredAgent, frameworkId: string, taskId: string): RecoveredTask | undefined {
  for (const executor of agent.frameworks.get(frameworkId)?.executors.values() ?? []) {
    const task = executor.tasks.get(taskId);
    if (task !== undefined) return task;
  }
  return undefined;
}

/** The model rebuilt from records (`checkpointRecords` of one gives a copy). */
export function recoveredFrom(records: readonly CheckpointRecord[]): RecoveredAgent {
  const agent = emptyAgent();
  for (const record of records) applyCheckpoint(agent, record);
  return agent;
}

/** The model written back as records, in an order that replays to the same model. */
export function checkpointRecords(agent: RecoveredAgent): CheckpointRecord[] {
  const records: CheckpointRecord[] = [];
  if (agent.agentId !== undefined) {
    const registeredAs = agent.registeredAs;
    records.push({
      t: 'agent', agentId: agent.agentId,
      ...(registeredAs !== undefined ? { info: registeredAs.info, ...(registeredAs.bootId !== undefined ? { bootId: registeredAs.bootId } : {}) } : {}),
    });
  }
  // Completed frameworks first, oldest first (their replay ends each: the same order back), then the live ones.
  for (const [frameworkId, framework] of agent.completedFrameworks ?? []) {
    frameworkRecords(records, frameworkId, framework);
    records.push({ t: 'frameworkEnded', frameworkId });
  }
  for (const [frameworkId, framework] of agent.frameworks) frameworkRecords(records, frameworkId, framework);
  for (const operation of agent.operations?.values() ?? []) records.push({ t: 'operation', operation });
  if (agent.drainConfig !== undefined) records.push({ t: 'drain', config: agent.drainConfig });
  return records;
}

/**
 * A framework's records: the framework, its completed runs (oldest first), then its live runs,
 * whose completed tasks all come before any live task. A task id may be used again once its
 * task completed, in another of the framework's executors (Mesos checks ids against live tasks
 * only), and an update record finds its task by id: written run by run, the old task's updates
 * replayed onto the new one and completed it (the journal property test).
 */
function frameworkRecords(records: CheckpointRecord[], frameworkId: string, framework: RecoveredFramework): void {
  records.push({ t: 'framework', frameworkId, info: framework.info, ...(framework.pid !== undefined ? { pid: framework.pid } : {}) });
  for (const executor of framework.completedExecutors) {
    runRecords(records, frameworkId, executor);
    taskRecords(records, frameworkId, executor, executor.completedTasks);
    if (executor.ended) records.push(endRecord(frameworkId, executor));
  }
  const live = [...framework.executors.values()];
  for (const executor of live) runRecords(records, frameworkId, executor);
  for (const executor of live) taskRecords(records, frameworkId, executor, executor.completedTasks);
  // An ended run's tasks with no terminal update came after it ended (a RunTask for it, whose
  // TASK_LOST the agent writes next; a crash between the two records leaves the task alone):
  // they follow its end, as they did, or its end would forget them.
  const afterEnd = new Map<RecoveredExecutor, RecoveredTask[]>();
  for (const executor of live) {
    const before: RecoveredTask[] = [];
    const after: RecoveredTask[] = [];
    for (const task of executor.tasks.values()) (executor.ended && !task.updates.some((entry) => isTerminalState(entry.update.status.state)) ? after : before).push(task);
    taskRecords(records, frameworkId, executor, before);
    if (after.length > 0) afterEnd.set(executor, after);
  }
  for (const executor of live) if (executor.ended) records.push(endRecord(frameworkId, executor));
  for (const [executor, tasks] of afterEnd) taskRecords(records, frameworkId, executor, tasks);
}

/** The record of `executor`'s end. */
function endRecord(frameworkId: string, executor: RecoveredExecutor): CheckpointRecord {
  return { t: 'executorEnded', frameworkId, executorId: executor.info.executorId, runId: executor.runId };
}

/** A run's own records: the run, its process and its actor. */
function runRecords(records: CheckpointRecord[], frameworkId: string, executor: RecoveredExecutor): void {
  const executorId = executor.info.executorId;
  const { runId } = executor;
  records.push({
    t: 'executor', frameworkId, info: executor.info, runId, directory: executor.directory, commandExecutor: executor.commandExecutor,
    ...(executor.role !== undefined ? { role: executor.role } : {}),
    ...(executor.tokenSha256 !== undefined ? { tokenSha256: executor.tokenSha256 } : {}),
  });
  if (executor.processId !== undefined) {
    records.push({
      t: 'executorProcess', frameworkId, executorId, runId, processId: executor.processId, ...(executor.bootId !== undefined ? { bootId: executor.bootId } : {}),
      ...(executor.startTime !== undefined ? { startTime: executor.startTime } : {}),
    });
  }
  if (executor.pid !== undefined) records.push({ t: 'executorPid', frameworkId, executorId, runId, pid: executor.pid });
}

/** `tasks` of a run with their updates and acknowledgements (replayed, a completed task's acknowledged terminal update completes it again). */
function taskRecords(records: CheckpointRecord[], frameworkId: string, executor: RecoveredExecutor, tasks: Iterable<RecoveredTask>): void {
  const executorId = executor.info.executorId;
  for (const task of tasks) {
    records.push({ t: 'task', frameworkId, executorId, task: task.info, ...(task.role !== undefined ? { role: task.role } : {}) });
    for (const entry of task.updates) {
      records.push({ t: 'update', update: entry.update });
      if (entry.acknowledged && entry.update.uuid !== undefined) records.push({ t: 'ack', frameworkId, taskId: task.info.taskId, uuid: entry.update.uuid });
    }
  }
}

/**
 * Reads the journal in `workDir` (undefined if there is none). A torn last line (a crash
 * mid-append; nothing waited on it) is ignored; any other bad line throws, naming the file and
 * the line, or with `skipBadLine` (`--strict=false`) is told to it and skipped.
 */
export async function recoverCheckpoints(disk: Disk, workDir: string, skipBadLine?: (message: string) => void): Promise<RecoveredAgent | undefined> {
  const file = checkpointJournalPath(workDir);
  const text = await disk.readFile(file).catch((error: Error) => {
    // Node's message for some (EISDIR, EIO) names no file.
    throw new Error(`cannot read the agent checkpoint ${file}: ${error.message}`);
  });
  if (text === undefined) return undefined;
  return recoveredFrom(parseJournal(text, file, 'agent checkpoint', CheckpointRecordSchema, skipBadLine));
}

/** How the journal reaches a timer for its retries (`startAgent` passes its host's clock). */
export interface CheckpointTimers {
  setTimer(delayMs: number, callback: () => void): { cancel(): void };
}

/** Told of each failed write of the journal, with the wait before the next attempt (the agent, which logs it). */
export interface CheckpointFailureListener {
  checkpointWriteFailed(error: Error, retryInMs: number): void;
}

/**
 * The journal writer. `record` appends (batched with whatever is queued while a write is in
 * flight) and resolves once the record is durable; a failed write is retried with backoff, as a
 * compaction (a failed append may have left a torn line), and nothing waiting resolves before.
 */
export class AgentCheckpoints {
  private readonly file: string;
  private queue: Array<{ readonly record: CheckpointRecord; readonly resolve: () => void }> = [];
  private writing = false;
  private compactionDue = false;
  private carried: Array<{ readonly record: CheckpointRecord; readonly resolve: () => void }> = [];
  private failures = 0;
  private retrying = false;
  /** Records in the journal file now. */
  private recordsInFile: number;
  /** When the file holds this many records, whether to compact is decided. */
  private nextCompactionCheck = CHECKPOINT_COMPACTION_MIN_RECORDS;
  /** Told of each failed write, with the wait before the next attempt (the agent logs it). */
  onWriteFailure: CheckpointFailureListener | undefined;
  /** Records taken by `record` and not yet durable. */
  private pending = 0;
  /** Resolved by `settled` once `pending` is 0. */
  private settleWaiters: Array<() => void> = [];

  private constructor(private readonly disk: Disk, workDir: string, private readonly model: RecoveredAgent, private readonly timers: CheckpointTimers, recordsInFile: number) {
    this.file = checkpointJournalPath(workDir);
    this.recordsInFile = recordsInFile;
  }

  /**
   * Opens the journal of `workDir` for writing, starting from `recovered` (what the agent took
   * back; empty for a fresh agent), which it writes out at once: a compaction that also proves
   * the work dir writable.
   */
  static async open(disk: Disk, workDir: string, recovered: RecoveredAgent | undefined, timers: CheckpointTimers): Promise<AgentCheckpoints> {
    // Serialized once: the file's contents, and (replayed) a copy of the model, since the agent
    // takes `recovered` back while the journal's model moves on.
    const records = recovered === undefined ? [] : checkpointRecords(recovered);
    const checkpoints = new AgentCheckpoints(disk, workDir, recoveredFrom(records), timers, records.length);
    // The agent's alone: the journal holds every checkpointing framework's task infos (their
    // environments too), and a task reading it could play the agent (a security review did).
    await disk.makeDirectory(metaDirectory(workDir), META_DIRECTORY_MODE);
    await disk.writeFileAtomically(checkpoints.file, lines(records));
    return checkpoints;
  }

  /** The model the journal holds (what a restart would recover). */
  get recovered(): RecoveredAgent {
    return this.model;
  }

  /** Appends a record; resolves once it is durable. The model takes it at once. */
  record(record: CheckpointRecord): Promise<void> {
    applyCheckpoint(this.model, record);
    this.pending++;
    return new Promise<void>((resolve) => {
      this.queue.push({ record, resolve: () => { resolve(); this.written(); } });
      this.writeNext();
    });
  }

  /**
   * Replaces the agent's checkpointed resources (its dynamic reservations and persistent volumes,
   * `<workDir>/meta/resources/resources.info`: see checkpointed-resources.ts) with `resources`,
   * atomically; resolves once they are durable, rejects (the old file kept) when the write
   * fails. With `volumes`, the volumes' directories are made and removed first (volumes.ts: as
   * Mesos, the file is the commit), and a failure there rejects before the file is touched.
   * Not retried: the caller keeps its old state, and the master sends them again.
   * One write at a time: the caller waits for one before it starts the next.
   */
  writeResources(resources: Resources, volumes?: VolumeDirectoryChanges): Promise<void> {
    // Made at each write (rare), not kept: a path per agent was ~100 bytes of every simulated agent.
    const write = (): Promise<void> => this.disk.writeFileAtomically(checkpointedResourcesPathIn(path.dirname(this.file)), checkpointedResourcesText(resources));
    return volumes === undefined ? write() : applyVolumeDirectoryChanges(this.disk, volumes).then(write);
  }

  /** Records not yet durable (`settled` waits for them). */
  get unwritten(): number {
    return this.pending;
  }

  /**
   * Resolves once every record taken so far is durable (at once if none waits). A disk that
   * keeps failing keeps it waiting: callers bound it (`CHECKPOINT_SETTLE_TIMEOUT_MS`).
   */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise<void>((resolve) => { this.settleWaiters.push(resolve); });
  }

  private written(): void {
    this.pending--;
    if (this.pending > 0) return;
    for (const resolve of this.settleWaiters.splice(0)) resolve();
  }

  private writeNext(): void {
    if (this.writing || this.retrying) return;
    if (this.compactionDue) return this.compact();
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0);
    this.writing = true;
    this.disk.appendFile(this.file, lines(batch.map((entry) => entry.record))).then(
      () => {
        this.failures = 0;
        this.recordsInFile += batch.length;
        for (const entry of batch) entry.resolve();
        // What is live is counted only when the file has outgrown the last count: O(1) amortized.
        if (this.recordsInFile >= this.nextCompactionCheck) {
          const live = checkpointRecords(this.model).length;
          if (this.recordsInFile >= 2 * live) this.compactionDue = true;
          else this.nextCompactionCheck = 2 * live;
        }
      },
      (error: unknown) => {
        this.carried.push(...batch);
        this.failed(error);
      },
    ).finally(() => {
      this.writing = false;
      this.writeNext();
    });
  }

  /** Rewrites the journal from the model (which holds every record queued so far, carried ones too). */
  private compact(): void {
    const carried = [...this.carried, ...this.queue.splice(0)];
    this.carried = [];
    const records = checkpointRecords(this.model);
    this.writing = true;
    this.disk.writeFileAtomically(this.file, lines(records)).then(
      () => {
        this.failures = 0;
        this.compactionDue = false;
        this.recordsInFile = records.length;
        this.nextCompactionCheck = Math.max(CHECKPOINT_COMPACTION_MIN_RECORDS, 2 * records.length);
        for (const entry of carried) entry.resolve();
      },
      (error: unknown) => {
        this.carried.push(...carried);
        this.failed(error);
      },
    ).finally(() => {
      this.writing = false;
      this.writeNext();
    });
  }

  private failed(error: unknown): void {
    this.compactionDue = true;
    const retryInMs = Math.min(CHECKPOINT_RETRY_MAX_MS, CHECKPOINT_RETRY_INITIAL_MS * 2 ** this.failures);
    this.failures++;
    this.onWriteFailure?.checkpointWriteFailed(new Error(`checkpoint write failed: ${error instanceof Error ? error.message : String(error)}`), retryInMs);
    this.retrying = true;
    this.timers.setTimer(retryInMs, () => {
      this.retrying = false;
      this.writeNext();
    });
  }
}

function lines(records: readonly CheckpointRecord[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

/** A task from a journal, its resources and its executor's as the agent read them then (`withResourcesReadAsBefore`). */
function taskReadAsBefore(task: TaskInfo): TaskInfo {
  const read = withResourcesReadAsBefore(task);
  const executor = task.executor === undefined ? undefined : withResourcesReadAsBefore(task.executor);
  return executor === task.executor ? read : { ...read, executor };
}
