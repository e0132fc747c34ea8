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
import type { Task, TaskState } from '../../lib/protocol';
import type { FrameworkRecord } from './state';

/**
 * Agents `TaskSummaries` notes as changed beyond twice the agents it counts, before it says 'all'
 * instead: with no summary asked for in a long while, agents that came and went would pile up.
 */
export const SUMMARY_CHANGED_AGENTS_SLACK = 1_024;

/** Counts by state: only states with a task, none at zero. */
export type StateCounts = ReadonlyMap<TaskState, number>;

export class TaskSummaries {
  private readonly byFramework = new Map<string, Map<TaskState, number>>();
  private readonly byAgent = new Map<string, Map<TaskState, number>>();
  /** Framework → agent → its tasks counted there. */
  private readonly agentsByFramework = new Map<string, Map<string, number>>();
  /** Agent → framework → its tasks counted there. */
  private readonly frameworksByAgent = new Map<string, Map<string, number>>();
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
    bump(this.byFramework, frameworkId, state, sign);
    bump(this.byAgent, agentId, state, sign);
    bump(this.agentsByFramework, frameworkId, agentId, sign);
    bump(this.frameworksByAgent, agentId, frameworkId, sign);
    this.note(agentId);
  }

  /** A counted task moves from state `from` to `to`. */
  move(task: Task, from: TaskState, to: TaskState): void {
    if (from === to) return;
    bump(this.byFramework, task.frameworkId, from, -1);
    bump(this.byFramework, task.frameworkId, to, 1);
    bump(this.byAgent, task.agentId, from, -1);
    bump(this.byAgent, task.agentId, to, 1);
    this.note(task.agentId);
  }

  frameworkCounts(frameworkId: string): StateCounts | undefined {
    return this.byFramework.get(frameworkId);
  }

  agentCounts(agentId: string): StateCounts | undefined {
    return this.byAgent.get(agentId);
  }

  /** Ids of the agents holding the framework's counted tasks. */
  agentIdsOf(frameworkId: string): string[] {
    return [...(this.agentsByFramework.get(frameworkId)?.keys() ?? [])];
  }

  /** Ids of the frameworks with counted tasks on the agent. */
  frameworkIdsOn(agentId: string): string[] {
    return [...(this.frameworksByAgent.get(agentId)?.keys() ?? [])];
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
    return JSON.stringify([this.byFramework, this.byAgent, this.agentsByFramework, this.frameworksByAgent].map(sortedEntries));
  }
}

/** Adds `sign` to `counts[key][inner]`, dropping entries that reach zero (a count below zero is a bug in the books). */
function bump<K>(counts: Map<string, Map<K, number>>, key: string, inner: K, sign: 1 | -1): void {
  let entry = counts.get(key);
  if (entry === undefined) counts.set(key, (entry = new Map()));
  const count = (entry.get(inner) ?? 0) + sign;
  if (count < 0) throw new Error(`master books: task summaries counted '${String(inner)}' of '${key}' below zero`);
  if (count > 0) entry.set(inner, count);
  else entry.delete(inner);
  if (entry.size === 0) counts.delete(key);
}

function sortedEntries<K>(counts: ReadonlyMap<string, ReadonlyMap<K, number>>): Array<[string, Array<[string, number]>]> {
  const byText = (a: [string, unknown], b: [string, unknown]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  return [...counts].map(([key, inner]): [string, Array<[string, number]>] => [key, [...inner].map(([k, n]): [string, number] => [String(k), n]).sort(byText)]).sort(byText);
}
