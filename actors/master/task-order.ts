/**
 * `/master/tasks`' order, kept as tasks come and go: each framework record's tasks (live,
 * unreachable and completed) sorted by their first status' time, ties by when the books first
 * kept them. A page is then a merge of the frameworks' sorted lists, taking only the tasks it
 * shows (and the `offset` skipped), not a look at every task: with 100k tasks, one pass over
 * all of them took 8-19 ms in one turn alone, 28-95 ms in a master holding 10k simulated agents.
 *
 * Mesos sorts every task per request by its first status' time, tasks with no status first
 * (`asc`) or last (`des`), ties in no promised order. Here too (`orderTime`); ties go by `seq`
 * (the order the books first kept each task), and `des` is exactly `asc` reversed.
 *
 * The lists are chunks of at most `2 * TASK_ORDER_CHUNK` entries in order, so that a task put
 * in or taken out moves at most a chunk's entries, and most come at the end (a launched task
 * gets its first status after those before it).
 */
import type { Task } from '../../lib/protocol';

/** Entries a chunk of a framework's ordered tasks is split at twice of (a few µs to move). */
export const TASK_ORDER_CHUNK = 256;

/** A kept task's place in its framework's order: its first status' time, and `seq`. */
export interface TaskOrderEntry {
  readonly task: Task;
  /** `orderTime(task)` when it was last put in its place. */
  time: number;
  /** When the books first kept it, among all tasks: unique; ties of `time` go by it. */
  readonly seq: number;
  /** The order holding it. */
  readonly order: TaskOrder;
  /**
   * The books' lists holding this task object: one, unless one object was put in a second list
   * (the books allow it; the master always keeps copies). A page shows it as often.
   */
  places: number;
}

/**
 * The time a task is ordered by: its first status' timestamp (Mesos' `/tasks` sort key; 0 for a
 * status without one, as a protobuf's unset field reads), and a task with no status yet before
 * every time, so first in `asc` and last in `des` whatever the others' timestamps, as in Mesos.
 */
export function orderTime(task: Task): number {
  const first = task.statuses?.[0];
  return first === undefined ? Number.NEGATIVE_INFINITY : first.timestamp ?? 0;
}

/** Whether entry `a` comes before `b` in ascending order (of time, then seq: an entry, or a page's head of one). */
export function entryBefore(a: { readonly time: number; readonly seq: number }, b: { readonly time: number; readonly seq: number }): boolean {
  return a.time !== b.time ? a.time < b.time : a.seq < b.seq;
}

/** Ascending order as `Array.sort` takes it, for tasks sorted outside an order (a `task_id` page, checks). */
export function compareOrder(a: { readonly time: number; readonly seq: number }, b: { readonly time: number; readonly seq: number }): number {
  return a.time !== b.time ? (a.time < b.time ? -1 : 1) : a.seq - b.seq;
}

/** One framework record's kept tasks, in ascending order (`MasterState` keeps one per record). */
export class TaskOrder {
  private chunks: TaskOrderEntry[][] = [];

  /** Tasks it holds. */
  get size(): number {
    let count = 0;
    for (const chunk of this.chunks) count += chunk.length;
    return count;
  }

  /** Chunks its entries are in (tests: no two neighbours are both at most half full). */
  get chunkCount(): number {
    return this.chunks.length;
  }

  /** Puts `entry` in its place. */
  insert(entry: TaskOrderEntry): void {
    const last = this.chunks[this.chunks.length - 1];
    const tail = last?.[last.length - 1];
    if (last === undefined || tail === undefined) {
      this.chunks.push([entry]);
      return;
    }
    // Most come after every task held: no search.
    const index = entryBefore(tail, entry) ? this.chunks.length - 1 : this.chunkFor(entry);
    const chunk = this.chunks[index] as TaskOrderEntry[];
    chunk.splice(this.positionIn(chunk, entry), 0, entry);
    if (chunk.length >= 2 * TASK_ORDER_CHUNK) this.chunks.splice(index + 1, 0, chunk.splice(TASK_ORDER_CHUNK));
  }

  /** Takes `entry` out; whether it was held. */
  remove(entry: TaskOrderEntry): boolean {
    const index = this.chunkFor(entry);
    const chunk = this.chunks[index];
    if (chunk === undefined) return false;
    const at = this.positionIn(chunk, entry);
    if (chunk[at] !== entry) return false;
    chunk.splice(at, 1);
    if (chunk.length === 0) this.chunks.splice(index, 1);
    else this.mergeAround(index);
    return true;
  }

  /** Moves `entry` to where time `time` puts it. */
  reorder(entry: TaskOrderEntry, time: number): void {
    if (!this.remove(entry)) throw new Error(`master books: task ${entry.task.taskId} is not in its framework's order`);
    entry.time = time;
    this.insert(entry);
  }

  /**
   * Merges chunk `index` into a neighbour when both fit in `TASK_ORDER_CHUNK`: tasks leave from
   * anywhere (the oldest completed ones), and chunks left with a few entries each would make
   * every insert and removal move the list of chunks.
   */
  private mergeAround(index: number): void {
    const chunk = this.chunks[index] as TaskOrderEntry[];
    if (chunk.length > TASK_ORDER_CHUNK / 2) return;
    const next = this.chunks[index + 1];
    if (next !== undefined && chunk.length + next.length <= TASK_ORDER_CHUNK) {
      chunk.push(...next);
      this.chunks.splice(index + 1, 1);
      return;
    }
    const previous = this.chunks[index - 1];
    if (previous !== undefined && previous.length + chunk.length <= TASK_ORDER_CHUNK) {
      previous.push(...chunk);
      this.chunks.splice(index, 1);
    }
  }

  /** Its entries in ascending order, or descending (`asc` reversed). */
  *entries(ascending: boolean): Generator<TaskOrderEntry, void, void> {
    const chunks = this.chunks;
    if (ascending) {
      for (const chunk of chunks) yield* chunk;
      return;
    }
    for (let index = chunks.length - 1; index >= 0; index--) {
      const chunk = chunks[index] as TaskOrderEntry[];
      for (let at = chunk.length - 1; at >= 0; at--) yield chunk[at] as TaskOrderEntry;
    }
  }

  /**
   * Its chunks themselves, in ascending order: to read within the caller's turn only (they
   * change with the order), as a page put together in one turn does.
   */
  chunkLists(): readonly (readonly TaskOrderEntry[])[] {
    return this.chunks;
  }

  /**
   * Its chunks as they are now, with at least its first `max` entries in ascending order, or
   * its last `max` (descending): what a page put together over later turns merges, whatever
   * the order does meanwhile (an entry's own `time` and `places` may change after: the page
   * keeps them as they were, `MasterState.watchTaskChanges`). A copy of the chunks' lists, not
   * of their entries: ~1 ns an entry.
   */
  copy(ascending: boolean, max: number): TaskOrderEntry[][] {
    const chunks = this.chunks;
    const copy: TaskOrderEntry[][] = [];
    let copied = 0;
    for (let at = 0; at < chunks.length && copied < max; at++) {
      const chunk = (ascending ? chunks[at] : chunks[chunks.length - 1 - at]) as TaskOrderEntry[];
      copy.push(chunk.slice());
      copied += chunk.length;
    }
    if (!ascending) copy.reverse();
    return copy;
  }

  /** The chunk `entry` belongs in: the first whose last entry does not come before it (the last if none). */
  private chunkFor(entry: TaskOrderEntry): number {
    const chunks = this.chunks;
    return firstNotBefore(chunks.length - 1, (index) => {
      const chunk = chunks[index] as TaskOrderEntry[];
      return entryBefore(chunk[chunk.length - 1] as TaskOrderEntry, entry);
    });
  }

  /** The first position in `chunk` whose entry does not come before `entry`. */
  private positionIn(chunk: readonly TaskOrderEntry[], entry: TaskOrderEntry): number {
    return firstNotBefore(chunk.length, (index) => entryBefore(chunk[index] as TaskOrderEntry, entry));
  }
}

/** Binary search: the first index below `end` for which `before` is false (`end` if none), `before` being true up to some index and false after. */
function firstNotBefore(end: number, before: (index: number) => boolean): number {
  let low = 0;
  let high = end;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}
