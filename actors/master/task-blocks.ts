/**
 * A registered framework's live tasks as the state endpoints show them (`/master/state`'s
 * `tasks`, GET_STATE's and GET_TASKS' `tasks`), kept in blocks of `STATE_TASKS_PER_BLOCK` in the
 * order of `FrameworkRecord.tasks`, each block's texts joined by commas once and again only when
 * one of its tasks changed or left. The books say which tasks were added and which changed
 * (`MasterState.takeTaskChanges`), so a request costs a piece per block and what changed since
 * the last one, not a look at every task: with one framework of 100k tasks, the last turn of
 * `/master/state` and of GET_STATE walked all of them (80-280 ms).
 *
 * Order: every task placed goes at the end (the last block, or a new one), and a task placed
 * again leaves its earlier place. The books' live tasks are in the order they were last put
 * there, and `TaskChanges.added` lists them in that order, so placing the added ones in order
 * (after the tasks already placed, which were put there before) keeps the books' order. After
 * 'all' (and at first) the books' own iterator places them, a turn's worth at a time; a Map's
 * iterator sees what is added meanwhile at the end, and what is placed twice keeps its last place.
 */
import type { Task } from '../../lib/protocol';
import { ShardedWeakMap } from '../../lib/sharded-map';
import type { FrameworkRecord, TaskChanges } from './state';

/**
 * Tasks a block of a framework's live tasks is filled with (a task's text is ~0.5-1 KB). A task
 * that changes makes its whole block join again, so the block's size is what a change costs a
 * warming: with 64, a framework of 100k tasks with 10 status updates between two warming turns
 * changed blocks faster than the turns joined them, and the last turn joined the rest (51-62 ms);
 * with 16 the warming keeps up (2.6-3.9 ms). A request pushes a piece per block (6,250 for 100k).
 */
export const STATE_TASKS_PER_BLOCK = 16;
/**
 * Blocks a framework keeps beyond twice what its live tasks fill before a warming merges
 * neighbouring ones (tasks leave blocks as they end: a long-running task among many short ones
 * can hold a block of its own).
 */
export const STATE_TASK_BLOCKS_SLACK = 16;

/** The formats a task is shown in: `/master/state`'s and the operator API's. */
export type TaskFormat = 'state' | 'v1';

/** Consecutive live tasks of a framework and their texts. */
export interface TaskBlock {
  /**
   * The tasks placed in it, in order. An entry holds while its task is live, was last placed in
   * this block, and is its last entry here (a task placed again goes at the end).
   */
  tasks: Task[];
  /** Its live tasks' texts joined, per format; undefined when to join again. */
  state: string | undefined;
  v1: string | undefined;
}

function newBlock(tasks: Task[]): TaskBlock {
  return { tasks, state: undefined, v1: undefined };
}

/** One registered framework's live tasks, in blocks (`StateFragments` keeps one per framework record). */
export class TaskBlocks {
  private blocks: TaskBlock[] = [];
  /** The block each task was last placed in (sharded: a framework's 100k tasks in one weak map doubled in one 15-24 ms step). */
  private readonly placed = new ShardedWeakMap<Task, TaskBlock>((task) => task.taskId);
  /** The books' iterator over the live tasks while they are placed afresh (after 'all'). */
  private unplaced: Iterator<{ readonly task: Task }> | undefined;
  /** Changes taken from the books and not applied yet, oldest first (`applySome`), and how far into the first one. */
  private backlog: TaskChanges[] = [];
  private changedDone = 0;
  private addedDone = 0;
  /** A task not live changed since `takeEndedChanged` (or the books said 'all'). */
  private endedChanged = false;
  /** Where a pass merging neighbouring blocks (`compactSome`) is, or undefined when none is under way. */
  private compactAt: number | undefined;

  constructor(private readonly framework: FrameworkRecord) {}

  /**
   * Takes what changed since the last call (the books' `takeTaskChanges`), to apply
   * (`applySome`); 'all' places every task afresh.
   */
  take(changes: TaskChanges | 'all'): void {
    if (changes === 'all') {
      // The batch applied in part goes with the rest: the next batch is applied from its start.
      this.backlog = [];
      this.changedDone = 0;
      this.addedDone = 0;
      this.restart();
      this.endedChanged = true;
    } else if (changes.added.length + changes.changed.length > 0) {
      this.backlog.push(changes);
    }
  }

  /** Whether changes are still to apply (`applySome`). */
  get applying(): boolean {
    return this.backlog.length > 0;
  }

  /**
   * Applies up to `limit` changes taken (all with no limit), oldest first: changed tasks' blocks
   * to join again, new ones placed at the end; how many it looked at.
   */
  applySome(limit = Infinity): number {
    let looked = 0;
    while (looked < limit) {
      const changes = this.backlog[0];
      if (changes === undefined) break;
      if (this.changedDone < changes.changed.length) {
        const task = changes.changed[this.changedDone++] as Task;
        const block = this.placed.get(task);
        if (block !== undefined) stale(block);
        if (!this.isLive(task)) this.endedChanged = true;
      } else if (this.addedDone < changes.added.length) {
        const task = changes.added[this.addedDone++] as Task;
        if (this.isLive(task)) this.place(task);
      } else {
        this.backlog.shift();
        this.changedDone = 0;
        this.addedDone = 0;
        continue;
      }
      looked++;
    }
    return looked;
  }

  /**
   * Starts a pass merging neighbouring blocks (`compactSome`) if the blocks are many more than
   * the live tasks fill (`STATE_TASK_BLOCKS_SLACK`); whether it started one. Merging, not placing
   * afresh: that dropped every block, and a request whose warming was done then placed and
   * joined every task in its last turn.
   */
  startCompaction(): boolean {
    if (this.blocks.length <= 2 * Math.ceil(this.framework.tasks.size / STATE_TASKS_PER_BLOCK) + STATE_TASK_BLOCKS_SLACK) return false;
    this.compactAt = 0;
    return true;
  }

  /** Whether a pass merging blocks is under way. */
  get compacting(): boolean {
    return this.compactAt !== undefined;
  }

  /**
   * Goes on with the pass merging neighbouring blocks whose tasks fit in one: up to `limit`
   * blocks and tasks looked at; how many it looked at. A merged block is joined again.
   */
  compactSome(limit: number): number {
    let looked = 0;
    while (this.compactAt !== undefined && looked < limit) {
      const first = this.blocks[this.compactAt];
      const second = this.blocks[this.compactAt + 1];
      if (first === undefined || second === undefined) {
        this.compactAt = undefined;
        break;
      }
      looked++;
      if (first.tasks.length + second.tasks.length > STATE_TASKS_PER_BLOCK) {
        this.compactAt++;
        continue;
      }
      const merged = newBlock([...first.tasks, ...second.tasks]);
      for (const task of merged.tasks) {
        const block = this.placed.get(task);
        if (block === first || block === second) this.placed.set(task, merged);
      }
      this.blocks.splice(this.compactAt, 2, merged);
      looked += merged.tasks.length;
    }
    return looked;
  }

  /** Whether a task not live (ended, or kept as completed or unreachable) changed since the last call, or the books said 'all'. */
  takeEndedChanged(): boolean {
    const changed = this.endedChanged;
    this.endedChanged = false;
    return changed;
  }

  /** Whether tasks are still to place afresh (`placeSome`). */
  get placing(): boolean {
    return this.unplaced !== undefined;
  }

  /** Places up to `limit` tasks still to place afresh (all with no limit); how many it placed. */
  placeSome(limit = Infinity): number {
    const unplaced = this.unplaced;
    let count = 0;
    while (unplaced !== undefined && count < limit) {
      const next = unplaced.next();
      if (next.done === true) {
        this.unplaced = undefined;
        break;
      }
      this.place(next.value.task);
      count++;
    }
    return count;
  }

  /** The blocks whose `format` text is to join (after placing every task): the warming's list. */
  staleBlocks(format: TaskFormat): TaskBlock[] {
    return this.blocks.filter((block) => this.isStale(block, format));
  }

  /** Whether `block`'s `format` text is to join. */
  isStale(block: TaskBlock, format: TaskFormat): boolean {
    return block[format] === undefined;
  }

  /** The tasks `block` holds now (live, and last placed there): what its join looks up. */
  liveTasksOf(block: TaskBlock): Task[] {
    return block.tasks.filter((task, index) => this.holds(block, task, index));
  }

  /** Whether `block`'s `index`th entry holds: its task is live, was last placed in `block`, and this is its last entry there. */
  private holds(block: TaskBlock, task: Task, index: number): boolean {
    return this.placed.get(task) === block && this.isLive(task) && block.tasks.indexOf(task, index + 1) < 0;
  }

  /**
   * Joins `block`'s `format` text, if it is to join, from `textOf` each task it holds (those
   * that left or were placed elsewhere are dropped from it); how many tasks it looked at.
   * (Slicing unchanged tasks' texts out of the block's last text was tried and saved nothing;
   * so did concatenating them into a rope that V8 flattens only when the answer is written out:
   * with blocks of 16, a framework of 100k tasks with 40 status updates between two warming
   * turns, 81 ms last turns joined against 90 ms concatenated.)
   */
  join(block: TaskBlock, format: TaskFormat, textOf: (task: Task, format: TaskFormat) => string): number {
    if (block[format] !== undefined) return 0;
    const looked = block.tasks.length;
    const kept = this.liveTasksOf(block);
    block.tasks = kept;
    block[format] = kept.map((task) => textOf(task, format)).join(',');
    return looked;
  }

  /**
   * Pushes the live tasks' `format` texts, comma-separated, after a comma unless `first`
   * (applying the changes taken, placing what is still to place, joining what is to join);
   * whether it is still first (it pushed nothing).
   */
  push(parts: string[], format: TaskFormat, textOf: (task: Task, format: TaskFormat) => string, first = true): boolean {
    this.applySome();
    this.placeSome();
    let empty = 0;
    for (const block of this.blocks) {
      this.join(block, format, textOf);
      const text = block[format] as string;
      if (text === '') {
        if (block.tasks.length === 0) empty++;
        continue;
      }
      parts.push(first ? text : `,${text}`);
      first = false;
    }
    if (empty > 0) this.blocks = this.blocks.filter((block) => block.tasks.length > 0);
    return first;
  }

  /** How many tasks each block holds now (tests). */
  sizes(): number[] {
    return this.blocks.map((block) => block.tasks.length);
  }

  private restart(): void {
    this.blocks = [];
    this.compactAt = undefined;
    this.unplaced = this.framework.tasks.values();
  }

  private isLive(task: Task): boolean {
    return this.framework.tasks.get(task.taskId)?.task === task;
  }

  /** Puts `task` at the end (it leaves any earlier place: that block is joined again without it). */
  private place(task: Task): void {
    const earlier = this.placed.get(task);
    if (earlier !== undefined) stale(earlier);
    let block = this.blocks[this.blocks.length - 1];
    if (block === undefined || block.tasks.length >= STATE_TASKS_PER_BLOCK) {
      block = newBlock([]);
      this.blocks.push(block);
    }
    block.tasks.push(task);
    stale(block);
    this.placed.set(task, block);
  }
}

/** A task of `block` changed, came or went: the block is to join again. */
function stale(block: TaskBlock): void {
  block.state = undefined;
  block.v1 = undefined;
}
