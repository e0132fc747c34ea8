/**
 * The status update manager (Mesos' `TaskStatusUpdateManager`): one stream of updates per task.
 * Each update is kept until the framework's acknowledgement for its uuid comes back through the
 * master; only the head of a stream is in flight, so a task's updates arrive in order. The head
 * is re-sent after 10 s, then 20 s, 40 s, ... up to 10 min between tries, until acknowledged.
 *
 * A plain class: the agent injects how to forward an update and how to start a timer (its own
 * `delay`), so the manager runs inside the agent's mailbox and tests drive it with a virtual clock.
 *
 * @example
 *   const manager = new TaskStatusUpdateManager({
 *     forward: (update) => this.send(master, StatusUpdateMessage, { update, pid: this.self().toString() }),
 *     startTimer: (delayMs, callback, arg) => this.delayWith(delayMs, callback, arg),
 *     now: () => this.clock.now(),
 *   });
 *   manager.update(update);                                   // 'accepted': sent now, retried until...
 *   manager.acknowledgement(frameworkId, taskId, update.uuid); // ...this; then the next one goes
 */
import type { StatusUpdate } from '../../lib/protocol';
import { isTerminalState } from '../../lib/protocol';
import type { Logger } from '../../lib/logging';
import { MAX_PENDING_UPDATE_BYTES_PER_FRAMEWORK, MAX_PENDING_UPDATES_PER_TASK, STATUS_UPDATE_RETRY_INTERVAL_MAX_MS, STATUS_UPDATE_RETRY_INTERVAL_MIN_MS } from './constants';
import { statusUpdateBytes } from '../../lib/protocol';
import { SmallMap } from '../../lib/small-map';
import { SmallSet } from '../../lib/small-set';
import { NO_ITEMS } from '../../lib/exact-arrays';

/** A cancellable timer, as `Actor.delay` returns. */
export interface ManagerTimer {
  cancel(): void;
}

/** How the manager reaches the outside world. */
export interface StatusUpdateManagerOptions {
  /** Sends an update towards the master (called for first sends and for retries). */
  forward(update: StatusUpdate): void;
  /**
   * Calls `callback` with `arg` after `delayMs` (the agent passes its `delayWith`, so retries run
   * in its mailbox). A callback and its argument, not a closure: a stream's timer made a closure
   * and its scope per task (~100 bytes, promoted at 100k agents).
   */
  startTimer<A>(delayMs: number, callback: (arg: A) => void, arg: A): ManagerTimer;
  /** The time (ms) on the clock `startTimer` runs on. */
  now(): number;
  logger?: Logger;
  /** First retry interval (default 10 s). */
  retryIntervalMinMs?: number;
  /** Largest retry interval (default 10 min). */
  retryIntervalMaxMs?: number;
  /** Updates one task's stream may hold (default 1,000). */
  maxPendingPerTask?: number;
  /** Bytes of pending updates one framework's streams may hold (default `MAX_PENDING_UPDATE_BYTES_PER_FRAMEWORK`). */
  maxPendingBytesPerFramework?: number;
}

/** What `update` did: kept and (if first) forwarded; ignored as already seen; or refused (stream full, no uuid). */
export type UpdateResult = 'accepted' | 'duplicate' | 'refused';

/** What `acknowledgement` did. */
export type AcknowledgementResult =
  | { kind: 'acknowledged'; update: StatusUpdate; terminated: boolean }
  | { kind: 'unknown-stream' }
  | { kind: 'duplicate' }
  | { kind: 'unexpected'; expectedUuid: string | undefined };

/** What a stream with nothing pending holds (never written: `append` makes a list first). */
const NO_UPDATES: ReadonlyArray<StatusUpdate | undefined> = NO_ITEMS;

/** One task's updates. */
class TaskStream {
  /**
   * The updates taken and not yet acknowledged are `updates` from `start` on, oldest (the one in
   * flight) first. An acknowledgement moves `start` past the head and lets go of it: a copy of
   * the rest per acknowledgement made a task's three updates five lists, each promoted at 100k
   * agents since a cycle's tasks all wait between stages. An update taken replaces the list with
   * one of exactly the pending ones and it (exact-size arrays: a push left room for 17).
   */
  private updates: ReadonlyArray<StatusUpdate | undefined> = NO_UPDATES;
  private start = 0;

  /** @param manager the manager whose stream it is (what its timer calls back). */
  constructor(readonly manager: TaskStatusUpdateManager) {}

  /** How many updates are pending. */
  get pendingCount(): number {
    return this.updates.length - this.start;
  }

  /** The oldest pending update (the one forwarded first), if any. */
  get first(): StatusUpdate | undefined {
    return this.updates[this.start];
  }

  /**
   * The pending updates, oldest first: always a copy. The stream's own list changes in place as
   * updates are acknowledged (`dropFirst`), so a caller keeping it (or a message carrying it,
   * which the host would freeze) would see it change, or make the next acknowledgement throw.
   */
  get pending(): readonly StatusUpdate[] {
    return this.updates.slice(this.start) as readonly StatusUpdate[];
  }

  /** Takes `update` as the newest pending one. */
  append(update: StatusUpdate): void {
    const count = this.pendingCount;
    const updates = new Array<StatusUpdate>(count + 1);
    for (let index = 0; index < count; index++) updates[index] = this.updates[this.start + index] as StatusUpdate;
    updates[count] = update;
    this.updates = updates;
    this.start = 0;
  }

  /** Drops the oldest pending update (it was acknowledged). */
  dropFirst(): void {
    if (this.start + 1 >= this.updates.length) {
      this.updates = NO_UPDATES;
      this.start = 0;
      return;
    }
    // The list is the stream's own (made by `append`): the acknowledged update is let go of.
    (this.updates as Array<StatusUpdate | undefined>)[this.start] = undefined;
    this.start++;
  }

  /** Uuids of pending updates whose checkpoint is not yet durable: such a head waits (see `update`). Made at the first (only a checkpointing framework's updates wait). */
  undurable: Set<string> | undefined = undefined;
  /**
   * Uuids of the updates the framework acknowledged. With `pending` that is every update the
   * stream took (the unacknowledged ones are exactly those pending: only the head is acknowledged,
   * and the stream ends when its terminal one is), so a set of the acknowledged ones is all a
   * duplicate needs; a map of every uuid to whether it was acknowledged was a table per task
   * stream from its first update (~200 bytes a running task), and a `Set` of the acknowledged
   * ones ~150 bytes a task in flight at 100k agents (a task's three updates fit in a `SmallSet`).
   */
  readonly acknowledged = new SmallSet<string>();

  /** Whether the stream took `uuid` already (acknowledged, or pending). */
  has(uuid: string): boolean {
    if (this.acknowledged.has(uuid)) return true;
    for (let index = this.start; index < this.updates.length; index++) if (this.updates[index]?.uuid === uuid) return true;
    return false;
  }
  /** The head was forwarded and waits for its acknowledgement (its retry is due at `retryAtMs`). */
  inFlight = false;
  /** When the head in flight is sent again. */
  retryAtMs = 0;
  /** The interval the head in flight was last sent with (the next retry waits twice as long). */
  retryIntervalMs = 0;
  /**
   * The stream's one timer. It outlives the head it was set for: the next head forwarded
   * before it fires moves `retryAtMs` instead of cancelling it and starting another (a task's
   * STARTING, RUNNING and terminal update went out in a few ms, each with a timer set and
   * cancelled); when it fires early for the head now in flight it is set again for the rest.
   */
  timer: ManagerTimer | undefined;
  /** When `timer` fires. */
  timerAtMs = 0;
}

/** The per-task status update streams of one agent. */
export class TaskStatusUpdateManager {
  /** Streams by framework id, then task id (small maps: an agent of a large cluster often holds one task's stream). */
  private readonly streams: Map<string, Map<string, TaskStream>> = new SmallMap();
  /** While paused (no master), nothing is forwarded; `resume` re-sends every head at once. */
  private paused = false;
  /** First retry interval of a freshly forwarded head. */
  private readonly retryIntervalMinMs: number;
  /** The retry interval stops doubling here. */
  private readonly retryIntervalMaxMs: number;
  /** Updates one stream may hold. */
  private readonly maxPendingPerTask: number;
  /** Bytes of pending updates one framework may hold, and what each holds now (`statusUpdateBytes`). */
  private readonly maxPendingBytesPerFramework: number;
  /** A small map: made eagerly, a `Map` was ~180 bytes at every agent (most hold one framework's updates, or none). */
  private readonly pendingBytes: Map<string, number> = new SmallMap();

  constructor(private readonly options: StatusUpdateManagerOptions) {
    this.retryIntervalMinMs = options.retryIntervalMinMs ?? STATUS_UPDATE_RETRY_INTERVAL_MIN_MS;
    this.retryIntervalMaxMs = options.retryIntervalMaxMs ?? STATUS_UPDATE_RETRY_INTERVAL_MAX_MS;
    this.maxPendingPerTask = options.maxPendingPerTask ?? MAX_PENDING_UPDATES_PER_TASK;
    this.maxPendingBytesPerFramework = options.maxPendingBytesPerFramework ?? MAX_PENDING_UPDATE_BYTES_PER_FRAMEWORK;
  }

  /** Whether `update` would take its framework's pending updates past the byte bound (one alone always fits). */
  private overBytes(update: StatusUpdate): boolean {
    const held = this.pendingBytes.get(update.frameworkId) ?? 0;
    return held > 0 && held + statusUpdateBytes(update) > this.maxPendingBytesPerFramework;
  }

  /** Adds (`sign` 1) or takes away (-1) `updates`' bytes from their framework's count. */
  private weigh(frameworkId: string, updates: readonly StatusUpdate[], sign: 1 | -1): void {
    let bytes = this.pendingBytes.get(frameworkId) ?? 0;
    for (const update of updates) bytes += sign * statusUpdateBytes(update);
    if (bytes > 0) this.pendingBytes.set(frameworkId, bytes);
    else this.pendingBytes.delete(frameworkId);
  }

  /**
   * Appends `update` to its task's stream; forwards it at once when it is the stream's head.
   * With `durable: false` (a checkpointing framework's update whose write is under way) it is
   * not forwarded before `durable(...)` says it is on disk, as Mesos checkpoints an update before
   * it forwards it: else a crash could show a framework an update the restarted agent never had.
   * `agentMade`: the agent's own update, never refused for its framework's bytes.
   */
  update(update: StatusUpdate, durable = true, agentMade = false): UpdateResult {
    const uuid = update.uuid;
    const taskId = update.status.taskId;
    if (uuid === undefined) {
      this.options.logger?.warn({ taskId }, 'refusing a status update without a uuid');
      return 'refused';
    }
    const stream = this.streamFor(update.frameworkId, taskId, true) as TaskStream;
    if (stream.has(uuid)) {
      this.options.logger?.info({ taskId, uuid, state: update.status.state }, 'ignoring a duplicate status update');
      return 'duplicate';
    }
    if (stream.pendingCount >= this.maxPendingPerTask) {
      this.options.logger?.warn({ taskId, uuid, limit: this.maxPendingPerTask }, 'refusing a status update: the task has too many pending');
      return 'refused';
    }
    // The agent's own updates (an executor gone, a task lost) are small and one per task: never
    // refused for bytes, since nothing would send them again (a review of the bound).
    if (!agentMade && this.overBytes(update)) {
      this.options.logger?.warn({ taskId, uuid, limitBytes: this.maxPendingBytesPerFramework }, 'refusing a status update: its framework has too many bytes of updates pending');
      return 'refused';
    }
    stream.append(update);
    this.weigh(update.frameworkId, [update], 1);
    if (!durable) (stream.undurable ??= new Set()).add(uuid);
    if (!this.paused && stream.pendingCount === 1) this.forwardHead(stream, this.retryIntervalMinMs);
    return 'accepted';
  }

  /** The checkpoint of a pending update is on disk: if it heads its stream, it goes out now. */
  durable(frameworkId: string, taskId: string, uuid: string): void {
    const stream = this.streamFor(frameworkId, taskId, false);
    if (stream === undefined || stream.undurable?.delete(uuid) !== true) return;
    if (!this.paused && stream.first?.uuid === uuid && !stream.inFlight) this.forwardHead(stream, this.retryIntervalMinMs);
  }

  /**
   * Puts back an update a restarted agent read from its checkpoints: an acknowledged one is only
   * remembered (a retry of it is a duplicate), the others wait in order, unsent until `resume`.
   * Call it while paused.
   */
  recover(update: StatusUpdate, acknowledged: boolean): void {
    const uuid = update.uuid;
    if (uuid === undefined) return;
    const stream = this.streamFor(update.frameworkId, update.status.taskId, true) as TaskStream;
    if (stream.has(uuid)) return;
    if (acknowledged) stream.acknowledged.add(uuid);
    else {
      stream.append(update);
      this.weigh(update.frameworkId, [update], 1);
    }
  }

  /** Whether `update`'s task stream has room for one more pending update (`update` would not refuse it as full). */
  hasRoom(update: StatusUpdate): boolean {
    const stream = this.streamFor(update.frameworkId, update.status.taskId, false);
    return (stream === undefined || stream.pendingCount < this.maxPendingPerTask) && !this.overBytes(update);
  }

  /** Whether `update` (by uuid) was taken into its task's stream already, acknowledged or not. */
  seen(update: StatusUpdate): boolean {
    const stream = update.uuid === undefined ? undefined : this.streamFor(update.frameworkId, update.status.taskId, false);
    return stream !== undefined && update.uuid !== undefined && stream.has(update.uuid);
  }

  /**
   * The framework acknowledged `uuid`: the head is dropped and the next update goes out. When
   * the acknowledged update was terminal, the stream is removed (`terminated: true`).
   */
  acknowledgement(frameworkId: string, taskId: string, uuid: string): AcknowledgementResult {
    const stream = this.streamFor(frameworkId, taskId, false);
    if (stream === undefined) return { kind: 'unknown-stream' };
    if (stream.acknowledged.has(uuid)) return { kind: 'duplicate' };
    const head = stream.first;
    if (head === undefined || head.uuid !== uuid) return { kind: 'unexpected', expectedUuid: head?.uuid };
    stream.acknowledged.add(uuid);
    stream.dropFirst();
    this.weigh(frameworkId, [head], -1);
    // Its timer stays for the next head (see `TaskStream.timer`), unless the stream ends here.
    stream.inFlight = false;
    const terminated = isTerminalState(head.status.state);
    if (terminated) {
      if (stream.pendingCount > 0) {
        this.options.logger?.warn({ taskId, dropped: stream.pendingCount }, 'terminal update acknowledged while later updates were pending');
      }
      this.removeStream(frameworkId, taskId);
    } else if (!this.paused && stream.pendingCount > 0) {
      this.forwardHead(stream, this.retryIntervalMinMs);
    }
    return { kind: 'acknowledged', update: head, terminated };
  }

  /** Stops forwarding (the master is gone); timers are cancelled. */
  pause(): void {
    this.paused = true;
    for (const stream of this.allStreams()) stopTimer(stream);
  }

  /** Forwards again: every stream's head is re-sent at once (after a (re-)registration). */
  resume(): void {
    this.paused = false;
    for (const stream of this.allStreams()) {
      stopTimer(stream);
      if (stream.pendingCount > 0) this.forwardHead(stream, this.retryIntervalMinMs);
    }
  }

  /** Drops every stream of a framework (it was shut down: no acknowledgement will come). */
  cleanup(frameworkId: string): void {
    for (const stream of this.streams.get(frameworkId)?.values() ?? []) stopTimer(stream);
    this.streams.delete(frameworkId);
    this.pendingBytes.delete(frameworkId);
  }

  /** The updates of a task not yet acknowledged, oldest first. */
  pending(frameworkId: string, taskId: string): readonly StatusUpdate[] {
    return this.streamFor(frameworkId, taskId, false)?.pending ?? [];
  }

  /** Every update not yet acknowledged, stream by stream (simulations check what is left). */
  allPending(): StatusUpdate[] {
    return [...this.allStreams()].flatMap((stream) => stream.pending);
  }

  /** Number of task streams held. */
  get streamCount(): number {
    let count = 0;
    for (const tasks of this.streams.values()) count += tasks.size;
    return count;
  }

  private forwardHead(stream: TaskStream, retryIntervalMs: number): void {
    const head = stream.first;
    if (head === undefined || (head.uuid !== undefined && stream.undurable?.has(head.uuid) === true)) return;
    stream.retryIntervalMs = retryIntervalMs;
    stream.retryAtMs = this.options.now() + retryIntervalMs;
    // A timer set for a longer interval (a head that had been retried) would fire too late: it goes.
    if (stream.timer !== undefined && stream.timerAtMs > stream.retryAtMs) stopTimer(stream);
    stream.inFlight = true;
    if (stream.timer === undefined) this.startTimer(stream, retryIntervalMs);
    this.options.forward(head);
  }

  private startTimer(stream: TaskStream, delayMs: number): void {
    stream.timerAtMs = this.options.now() + delayMs;
    stream.timer = this.options.startTimer(delayMs, TaskStatusUpdateManager.streamTimerFired, stream);
  }

  /** A stream's timer fired (what `startTimer` calls back, with the stream). */
  private static streamTimerFired(stream: TaskStream): void {
    stream.manager.retryDue(stream);
  }

  /** The stream's timer fired: the head in flight goes again if its time has come, else the timer waits for the rest. */
  private retryDue(stream: TaskStream): void {
    stream.timer = undefined;
    if (this.paused || !stream.inFlight || stream.pendingCount === 0) return;
    // A timer firing before its own time by the clock means the clock was set back (a real clock
    // fires one early only then): what is left is counted from the timer's time, in the frame both
    // were set in, not from the clock's reading (which would add the step to the wait).
    const earlyMs = stream.retryAtMs - Math.max(this.options.now(), stream.timerAtMs);
    if (earlyMs > 0) {
      this.startTimer(stream, earlyMs);
      // The head's time, in the frame of the clock's reading now.
      stream.retryAtMs = stream.timerAtMs;
      return;
    }
    const next = Math.min(stream.retryIntervalMs * 2, this.retryIntervalMaxMs);
    this.options.logger?.info({ taskId: stream.first?.status.taskId, nextRetryMs: next }, 'resending an unacknowledged status update');
    this.forwardHead(stream, next);
  }

  private streamFor(frameworkId: string, taskId: string, create: boolean): TaskStream | undefined {
    let tasks = this.streams.get(frameworkId);
    if (tasks === undefined) {
      if (!create) return undefined;
      this.streams.set(frameworkId, (tasks = new SmallMap()));
    }
    let stream = tasks.get(taskId);
    if (stream === undefined && create) tasks.set(taskId, (stream = new TaskStream(this)));
    return stream;
  }

  private removeStream(frameworkId: string, taskId: string): void {
    const tasks = this.streams.get(frameworkId);
    const stream = tasks?.get(taskId);
    if (stream !== undefined) {
      stopTimer(stream);
      if (stream.pendingCount > 0) this.weigh(frameworkId, stream.pending, -1);
    }
    tasks?.delete(taskId);
    if (tasks?.size === 0) this.streams.delete(frameworkId);
  }

  private *allStreams(): Iterable<TaskStream> {
    for (const tasks of this.streams.values()) yield* tasks.values();
  }
}

/** Cancels a stream's timer; its head is no longer in flight (paused, or the stream is gone). */
function stopTimer(stream: TaskStream): void {
  stream.timer?.cancel();
  stream.timer = undefined;
  stream.inFlight = false;
}
