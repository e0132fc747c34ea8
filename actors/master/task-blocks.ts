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
import type { FrameworkRecord, TaskChanges } from './state';

/** Tasks a block of a framework's live tasks is filled with (a task's text is ~0.5-1 KB). */
export const STATE_TASKS_PER_BLOCK = 64;
/**
 * Blocks a framework keeps beyond twice what its live tasks fill, before it places them afresh
 * (tasks leave blocks as they end: a long-running task among many short ones can hold a block
 * of its own).
 */
export const STATE_TASK_BLOCKS_SLACK = 16;

/** The formats a task is shown in: `/master/state`'s and the operator API's. */
export type TaskFormat = 'state' | 'v1';

/** Consecutive live tasks of a framework and their texts. */
export interface TaskBlock {
  /** The tasks placed in it, in order; an entry holds while its task is live and was last placed here, at this index. */
  tasks: Task[];
  /** Its live tasks' texts joined, per format; undefined when to join again. */
  state: string | undefined;
  v1: string | undefined;
}

/** Where a task was last placed. */
interface Placement {
  block: TaskBlock;
  index: number;
}

/** One registered framework's live tasks, in blocks (`StateFragments` keeps one per framework record). */
export class TaskBlocks {
  private blocks: TaskBlock[] = [];
  private readonly placed = new WeakMap<Task, Placement>();
  /** The books' iterator over the live tasks while they are placed afresh (after 'all'). */
  private unplaced: Iterator<{ readonly task: Task }> | undefined;

  constructor(private readonly framework: FrameworkRecord) {}

  /**
   * Takes what changed since the last call (the books' `takeTaskChanges`): new tasks placed,
   * changed ones' blocks to join again. Whether a task not live changed (or the books said
   * 'all'): one that ended, or one kept among the framework's completed or unreachable tasks.
   */
  update(changes: TaskChanges | 'all'): boolean {
    if (changes === 'all') {
      this.restart();
      return true;
    }
    let endedChanged = false;
    for (const task of changes.changed) {
      const placement = this.placed.get(task);
      if (placement !== undefined) stale(placement.block);
      if (!this.isLive(task)) endedChanged = true;
    }
    if (this.blocks.length > 2 * Math.ceil(this.framework.tasks.size / STATE_TASKS_PER_BLOCK) + STATE_TASK_BLOCKS_SLACK) this.restart();
    else for (const task of changes.added) if (this.isLive(task)) this.place(task);
    return endedChanged;
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
    return this.blocks.filter((block) => block[format] === undefined);
  }

  /** Whether `block`'s `format` text is to join. */
  isStale(block: TaskBlock, format: TaskFormat): boolean {
    return block[format] === undefined;
  }

  /** The tasks `block` holds now: live, and last placed there. */
  liveTasksOf(block: TaskBlock): Task[] {
    return block.tasks.filter((task, index) => this.holds(block, task, index));
  }

  /** Whether `block`'s `index`th entry holds: its task is live and was last placed there. */
  private holds(block: TaskBlock, task: Task, index: number): boolean {
    const placement = this.placed.get(task);
    return placement !== undefined && placement.block === block && placement.index === index && this.isLive(task);
  }

  /**
   * Joins `block`'s `format` text, if it is to join, from `textOf` each live task (the tasks
   * that left or were placed elsewhere are dropped from it); how many tasks it looked at.
   */
  join(block: TaskBlock, format: TaskFormat, textOf: (task: Task, format: TaskFormat) => string): number {
    if (block[format] !== undefined) return 0;
    const looked = block.tasks.length;
    const kept: Task[] = [];
    const texts: string[] = [];
    for (let index = 0; index < block.tasks.length; index++) {
      const task = block.tasks[index] as Task;
      if (!this.holds(block, task, index)) continue;
      (this.placed.get(task) as Placement).index = kept.length;
      kept.push(task);
      texts.push(textOf(task, format));
    }
    block.tasks = kept;
    block[format] = texts.join(',');
    return looked;
  }

  /**
   * Pushes the live tasks' `format` texts, comma-separated, after a comma unless `first`
   * (placing what is still to place, joining what is to join); whether it is still first (it pushed nothing).
   */
  push(parts: string[], format: TaskFormat, textOf: (task: Task, format: TaskFormat) => string, first = true): boolean {
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
    this.unplaced = this.framework.tasks.values();
  }

  private isLive(task: Task): boolean {
    return this.framework.tasks.get(task.taskId)?.task === task;
  }

  /** Puts `task` at the end (it leaves any earlier place: that block is joined again). */
  private place(task: Task): void {
    const earlier = this.placed.get(task);
    if (earlier !== undefined) stale(earlier.block);
    let block = this.blocks[this.blocks.length - 1];
    if (block === undefined || block.tasks.length >= STATE_TASKS_PER_BLOCK) {
      block = { tasks: [], state: undefined, v1: undefined };
      this.blocks.push(block);
    }
    block.tasks.push(task);
    stale(block);
    if (earlier !== undefined) {
      earlier.block = block;
      earlier.index = block.tasks.length - 1;
    } else {
      this.placed.set(task, { block, index: block.tasks.length - 1 });
    }
  }
}

function stale(block: TaskBlock): void {
  block.state = undefined;
  block.v1 = undefined;
}
