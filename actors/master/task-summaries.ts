/**
 * `/master/state-summary`'s task counts: each registered framework's tasks (live, unreachable and
 * completed) counted by state per framework and per agent, and which frameworks' tasks are on
 * which agents. The master's books (`MasterState`) keep one `TaskSummaries` up to date as tasks
 * come, change state and go, and as frameworks register and leave, so that no request counts
 * every task: a count over 100,000 tasks and their completed history took 15–31 ms, at the first
 * and the last turn of each `/master/state-summary` (issue 13's 20 ms bound).
 *
 * Ids are listed in the order their first counted task came (Mesos lists them from hash sets: no
 * order is promised).
 */
import { TASK_STATES, type Task, type TaskState } from '../../lib/protocol';
import { SmallMap } from '../../lib/small-map';
import { NO_ITEMS } from '../../lib/exact-arrays';
import type { FrameworkRecord } from './state';

/**
 * Agents `TaskSummaries` notes as changed beyond twice the agents it counts, before it says 'all'
 * instead: with no summary asked for in a long while, agents that came and went would pile up.
 */
export const SUMMARY_CHANGED_AGENTS_SLACK = 1_024;

/** Each state's place in a `StateCounts` list. */
const STATE_INDEX: ReadonlyMap<TaskState, number> = new Map(TASK_STATES.map((state, index) => [state, index]));

function indexOf(state: TaskState): number {
  const index = STATE_INDEX.get(state);
  if (index === undefined) throw new Error(`master books: no task state '${state}'`);
  return index;
}

/**
 * One framework's or agent's tasks by state: a count per state in a list, and their total. A
 * list, not a map by state: a task's every status update moves it between two states, and a map
 * drops a state at zero and takes it again at one. The list is as long as the last state counted
 * in `TASK_STATES` order needs (a short task's are the first five: 56 bytes, not 128 for all 14,
 * by V8's layout of a list of small integers), and never shorter than a live task's states need
 * (`LIVE_COUNTS_LENGTH`).
 */
export class StateCounts {
  counts: number[] = NO_COUNTS;
  total = 0;

  /** The tasks in `state`. */
  of(state: TaskState): number {
    return this.counts[indexOf(state)] ?? 0;
  }

  /** [state, count] for each state with a task, in `TASK_STATES` order. */
  entries(): Array<[TaskState, number]> {
    return TASK_STATES.flatMap((state, index): Array<[TaskState, number]> => {
      const count = this.counts[index] ?? 0;
      return count === 0 ? [] : [[state, count]];
    });
  }

  /** Adds `delta` to the count at `index` (a place in `TASK_STATES`). */
  add(index: number, delta: number): void {
    let counts = this.counts;
    if (index >= counts.length) {
      // A new list of exactly the length needed: an array written past its end grows with slack.
      const longer = new Array<number>(Math.max(index + 1, LIVE_COUNTS_LENGTH)).fill(0);
      for (let kept = 0; kept < counts.length; kept++) longer[kept] = counts[kept] as number;
      this.counts = counts = longer;
    }
    counts[index] = (counts[index] as number) + delta;
  }
}

/**
 * The shortest list `StateCounts.add` makes: room for TASK_STAGING, TASK_STARTING and
 * TASK_RUNNING, the states a task goes through one after the other from its launch. A list
 * exactly as long as the first state counted was made again at each of them: two lists more an
 * agent's first task, promoted at 100k agents since a cycle's tasks all wait between stages.
 */
const LIVE_COUNTS_LENGTH = TASK_STATES.indexOf('TASK_RUNNING') + 1;

/** What a `StateCounts` starts with (never written: `add` makes a list first). */
const NO_COUNTS = NO_ITEMS as unknown as number[];

/**
 * One agent's counted tasks: by state, and by framework. One entry per agent in one map: a second
 * map by agent, for the frameworks, was ~100 bytes more an agent (its entry and table share).
 */
class AgentCounts extends StateCounts {
  /** Framework → its tasks counted on the agent (mostly one framework: a `SmallMap`). */
  readonly frameworks = new SmallMap<string, number>();
}

/** The counts (see the file's comment): `count` and `move` as tasks change, read by the summary's renderers. */
export class TaskSummaries {
  private readonly byFramework = new Map<string, StateCounts>();
  /** Agent → its tasks counted by state and by framework (an agent is dropped with its last task). */
  private readonly byAgent = new Map<string, AgentCounts>();
  /** Framework → agent → its tasks counted there. */
  private readonly agentsByFramework = new Map<string, Map<string, number>>();
  /**
   * Agents whose counts or frameworks changed since `takeChangedAgents`: noted only once it has
   * been called (until a summary is asked for, nothing would ever take them).
   */
  private changedAgents = new Set<string>();
  private noting = false;
  /** More changed than `changedAgents` keeps: every agent's summary is to render again. */
  private allChanged = false;

  /** A fresh count over `frameworks`' tasks: what the kept one must equal (`canonical`). */
  static recount(frameworks: Iterable<FrameworkRecord>): TaskSummaries {
    const summaries = new TaskSummaries();
    for (const framework of frameworks) summaries.countFramework(framework, 1);
    return summaries;
  }

  /** Counts (`sign` 1) or uncounts every task `framework` has: live, unreachable and completed. */
  countFramework(framework: FrameworkRecord, sign: 1 | -1): void {
    for (const tracked of framework.tasks.values()) this.count(tracked.task, sign);
    for (const task of framework.unreachableTasks.values()) this.count(task, sign);
    for (const task of framework.completedTasks) this.count(task, sign);
  }

  /** Counts (`sign` 1) or uncounts one task in its present state. */
  count(task: Task, sign: 1 | -1): void {
    const { frameworkId, agentId, state } = task;
    countIn(this.byFramework, frameworkId, state, sign, StateCounts);
    const agent = countIn(this.byAgent, agentId, state, sign, AgentCounts);
    bumpIn(agent.frameworks, agentId, frameworkId, sign);
    bump(this.agentsByFramework, frameworkId, agentId, sign);
    this.note(agentId);
  }

  /** A counted task moves from state `from` to `to`. */
  move(task: Task, from: TaskState, to: TaskState): void {
    if (from === to) return;
    moveIn(this.byFramework, task.frameworkId, from, to);
    moveIn(this.byAgent, task.agentId, from, to);
    this.note(task.agentId);
  }

  /** The framework's counted tasks by state; undefined for none. */
  frameworkCounts(frameworkId: string): StateCounts | undefined {
    return this.byFramework.get(frameworkId);
  }

  /** The agent's counted tasks by state; undefined for none. */
  agentCounts(agentId: string): StateCounts | undefined {
    return this.byAgent.get(agentId);
  }

  /** Ids of the agents holding the framework's counted tasks. */
  agentIdsOf(frameworkId: string): string[] {
    return [...(this.agentsByFramework.get(frameworkId)?.keys() ?? [])];
  }

  /** Ids of the frameworks with counted tasks on the agent. */
  frameworkIdsOn(agentId: string): string[] {
    return [...(this.byAgent.get(agentId)?.frameworks.keys() ?? [])];
  }

  /** The agents whose summary changed since the last call (the state endpoints render them again), or 'all' past what is kept. */
  takeChangedAgents(): ReadonlySet<string> | 'all' {
    this.noting = true;
    const changed = this.allChanged ? 'all' : this.changedAgents;
    this.changedAgents = new Set();
    this.allChanged = false;
    return changed;
  }

  private note(agentId: string): void {
    if (!this.noting || this.allChanged) return;
    this.changedAgents.add(agentId);
    if (this.changedAgents.size > 2 * this.byAgent.size + SUMMARY_CHANGED_AGENTS_SLACK) {
      this.changedAgents.clear();
      this.allChanged = true;
    }
  }

  /** Every count as text, ids sorted: equal for equal counts whatever order tasks came in (tests compare it with `recount`'s). */
  canonical(): string {
    const byState = (counts: ReadonlyMap<string, StateCounts>): Map<string, Map<TaskState, number>> => new Map([...counts].map(([key, entry]) => [key, new Map(entry.entries())]));
    const frameworksByAgent = new Map([...this.byAgent].map(([agentId, counts]) => [agentId, counts.frameworks]));
    return JSON.stringify([byState(this.byFramework), byState(this.byAgent), this.agentsByFramework, frameworksByAgent].map(sortedEntries));
  }
}

/**
 * Adds `sign` to `key`'s count of `state` (its entry a new `Counts` at its first task), dropping
 * `key` when it has none left (a count below zero is a bug in the books); returns the entry.
 */
function countIn<C extends StateCounts>(counts: Map<string, C>, key: string, state: TaskState, sign: 1 | -1, Counts: new () => C): C {
  let entry = counts.get(key);
  if (entry === undefined) counts.set(key, (entry = new Counts()));
  const index = indexOf(state);
  if ((entry.counts[index] ?? 0) + sign < 0) throw new Error(`master books: task summaries counted '${state}' of '${key}' below zero`);
  entry.add(index, sign);
  entry.total += sign;
  if (entry.total === 0) counts.delete(key);
  return entry;
}

/** Moves one of `key`'s tasks from state `from` to `to`. */
function moveIn(counts: Map<string, StateCounts>, key: string, from: TaskState, to: TaskState): void {
  const entry = counts.get(key);
  const fromIndex = indexOf(from);
  if (entry === undefined || (entry.counts[fromIndex] ?? 0) < 1) throw new Error(`master books: task summaries counted '${from}' of '${key}' below zero`);
  entry.add(fromIndex, -1);
  entry.add(indexOf(to), 1);
}

/**
 * Adds `sign` to `counts[key][inner]`, dropping entries that reach zero (a count below zero is a
 * bug in the books). Used for each framework's agents; its inner map is a `SmallMap`, which makes
 * a `Map` only at a second agent (an agent's own frameworks are `AgentCounts.frameworks`).
 */
function bump<K>(counts: Map<string, Map<K, number>>, key: string, inner: K, sign: 1 | -1): void {
  let entry = counts.get(key);
  if (entry === undefined) counts.set(key, (entry = new SmallMap()));
  bumpIn(entry, key, inner, sign);
  if (entry.size === 0) counts.delete(key);
}

/** Adds `sign` to `entry[inner]` (`key`'s), dropping it at zero (below zero is a bug in the books). */
function bumpIn<K>(entry: Map<K, number>, key: string, inner: K, sign: 1 | -1): void {
  const count = (entry.get(inner) ?? 0) + sign;
  if (count < 0) throw new Error(`master books: task summaries counted '${String(inner)}' of '${key}' below zero`);
  if (count > 0) entry.set(inner, count);
  else entry.delete(inner);
}

function sortedEntries<K>(counts: ReadonlyMap<string, ReadonlyMap<K, number>>): Array<[string, Array<[string, number]>]> {
  const byText = (a: [string, unknown], b: [string, unknown]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  return [...counts].map(([key, inner]): [string, Array<[string, number]>] => [key, [...inner].map(([k, n]): [string, number] => [String(k), n]).sort(byText)]).sort(byText);
}
