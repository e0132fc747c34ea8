/**
 * `/master/state` as JSON text, put together from fragments kept between requests: each agent,
 * framework, task, executor and offer is rendered (`http.ts`) and stringified once, and again
 * only when it changes; agents are joined in blocks of `STATE_AGENTS_PER_BLOCK`, joined again
 * only when one of theirs changed (the books list changed agents: `MasterState.takeChangedAgents`).
 * A request then costs what changed since the last, plus a piece per block and per framework
 * (no JSON is built or encoded for what did not change); the response is the list of pieces
 * (`TextParts`), which the host writes to the client a slice at a time.
 *
 * A fragment is current while what it was made from is: an agent's and a framework's own fields
 * (compared by identity: the master replaces `info` and `total`, never edits them) and
 * `MasterState.stampOf`, which moves whenever their tasks, executors or offers change; a task's
 * state, its number of statuses and its last status (all `MasterState.recordStatus` changes).
 *
 * The text is exactly `JSON.stringify(renderState(context))` (the equivalence the tests check).
 */
import type { Task } from '../../lib/protocol';
import { renderTask, SEE_ALL, type StateViewer } from '../../lib/state-json';
import {
  renderAgent, renderExecutor, renderFrameworkHeader, renderOffer, renderRecoveredAgents, renderStateHeader, type StateContext,
} from './http';
import type { AgentRecord, FrameworkRecord, MasterState, OfferRecord, TrackedExecutor } from './state';

/** Agents a block of `/master/state`'s `slaves` holds at most (`StateFragments`). */
export const STATE_AGENTS_PER_BLOCK = 128;
/**
 * Fragments a warming turn renders before it ends (`StateFragments.warm`; it ends after the
 * block or framework it is on): one costs ~5-40 µs (an agent; a framework header with its
 * resources; more while the code is cold), so a turn stays around 5 ms.
 */
export const STATE_WARM_RENDERS_PER_TURN = 128;

interface AgentFragment {
  readonly info: AgentRecord['info'];
  readonly total: AgentRecord['total'];
  readonly pid: AgentRecord['pid'];
  readonly version: string;
  readonly active: boolean;
  readonly connected: boolean;
  readonly reregisteredTimeMs: number | undefined;
  readonly stamp: number;
  readonly text: string;
}

interface FrameworkFragment {
  readonly info: FrameworkRecord['info'];
  readonly pid: FrameworkRecord['pid'];
  readonly active: boolean;
  readonly connected: boolean;
  readonly recovered: boolean;
  readonly reregisteredTimeMs: number | undefined;
  readonly unregisteredTimeMs: number | undefined;
  readonly stamp: number;
  /** The header's JSON without its closing `}`. */
  readonly head: string;
  /** The whole framework as everyone who may see all of it sees it, once asked for. */
  full: string | undefined;
}

interface TaskFragment {
  readonly state: Task['state'];
  readonly statuses: number;
  readonly last: unknown;
  readonly text: string;
}

/** A framework's completed tasks' text, kept while the list has the same length, first and last task (it is appended to and trimmed at its front). */
interface CompletedFragment {
  readonly length: number;
  readonly first: Task | undefined;
  readonly last: Task | undefined;
  readonly text: string;
}

/**
 * Consecutive agents of `slaves` (in the books' order) and their text, joined: a request pushes
 * one piece per block, and joins again only the blocks whose agents changed.
 */
interface AgentBlock {
  readonly ids: string[];
  /** Undefined: an agent of it changed (or it is new) since it was joined. */
  text: string | undefined;
}

/** The pieces of one rendering; `join('')` is the JSON. */
export type StateParts = string[];

/**
 * The fragments of one master's books, kept on the records they render (`rendered`) or keyed
 * weakly by them: a record the books drop takes its fragments with it. Which agents changed
 * comes from the books (`MasterState.takeChangedAgents`), so a request costs what changed plus
 * a piece per block of agents, not a walk over every agent. Every method runs in the master's
 * mailbox.
 */
export class StateFragments {
  private readonly tasks = new WeakMap<Task, TaskFragment>();
  private readonly completed = new WeakMap<FrameworkRecord, CompletedFragment>();
  private readonly executors = new WeakMap<TrackedExecutor, string>();
  private readonly offers = new WeakMap<OfferRecord, string>();
  /** `slaves` in blocks, in the books' order. */
  private blocks: AgentBlock[] = [];
  /** The block each agent is in, by id. */
  private readonly blockOf = new Map<string, AgentBlock>();
  /** The place in the books' order each agent had when it was put in its block. */
  private readonly placed = new Map<string, number>();
  /** Fragments rendered (not found current) since this was made: for tests and the benchmark. */
  rendered = 0;

  /**
   * Brings fragments up to date a turn at a time: each `next()` renders about
   * `STATE_WARM_RENDERS_PER_TURN` fragments (finishing the block of agents it is on) and the
   * last one is done. The master runs each `next()` as a turn of its own, so that message
   * handling goes on between them; what changes meanwhile is caught by `render`.
   */
  *warm(state: MasterState): Generator<void, void, void> {
    let mark = this.rendered;
    const turnDone = (): boolean => {
      if (this.rendered - mark < STATE_WARM_RENDERS_PER_TURN) return false;
      mark = this.rendered;
      return true;
    };
    this.applyChanges(state);
    for (const block of [...this.blocks]) {
      if (block.text !== undefined || block.ids.length === 0) continue;
      this.joinBlock(state, block);
      if (turnDone()) {
        yield;
        this.applyChanges(state);
      }
    }
    // A framework's lists may be long (an offer per agent): rendered piece by piece, the live
    // collections' iterators seeing what changes between turns; the framework's text is joined last.
    for (const framework of [...state.frameworks.values(), ...state.completedFrameworks]) {
      for (const tracked of framework.tasks.values()) {
        this.taskText(tracked.task);
        if (turnDone()) yield;
      }
      for (const task of [...framework.unreachableTasks.values(), ...framework.completedTasks]) {
        this.taskText(task);
        if (turnDone()) yield;
      }
      for (const offerId of framework.offerIds) {
        const record = state.offers.get(offerId);
        if (record !== undefined) this.offerText(record);
        if (turnDone()) yield;
      }
      for (const [executor, agentId] of executorsOf(state, framework.id)) {
        this.executorText(executor, agentId);
        if (turnDone()) yield;
      }
      this.frameworkText(state, framework);
      if (turnDone()) yield;
    }
  }

  /** `/master/state` for `context`, as pieces to write in order. */
  render(context: StateContext): StateParts {
    const { state } = context;
    const viewer = context.viewer ?? SEE_ALL;
    const header = JSON.stringify(renderStateHeader(context));
    const parts: StateParts = [header.slice(0, -1), ',"slaves":['];
    this.applyChanges(state);
    if (viewer === SEE_ALL) {
      let first = true;
      for (const block of this.blocks) {
        const text = block.text ?? this.joinBlock(state, block);
        if (text === '') continue;
        parts.push(first ? text : `,${text}`);
        first = false;
      }
    } else {
      // What a viewer who may not see every role sees of an agent with reservations is its own.
      this.pushList(parts, state.agents.values(), (agent) =>
        (agent.total.reserved().isEmpty() ? this.agentFragment(state, agent).text : JSON.stringify(renderAgent(state, agent, viewer))));
    }
    parts.push(`],"recovered_slaves":${JSON.stringify(renderRecoveredAgents(state))},"frameworks":[`);
    this.pushFrameworks(parts, state, state.frameworks.values(), viewer);
    parts.push('],"completed_frameworks":[');
    this.pushFrameworks(parts, state, state.completedFrameworks, viewer);
    parts.push('],"unregistered_frameworks":[],"orphan_tasks":[]}');
    return parts;
  }

  /** Takes the books' changed agents into the blocks: new ones at the end, gone ones out, changed ones' blocks to join again. */
  private applyChanges(state: MasterState): void {
    const changed = state.takeChangedAgents();
    if (changed === 'all') {
      this.blocks = [];
      this.blockOf.clear();
      this.placed.clear();
      this.place(state, [...state.agents.values()]);
      return;
    }
    const added: AgentRecord[] = [];
    let emptied = false;
    for (const id of changed) {
      const agent = state.agents.get(id);
      const block = this.blockOf.get(id);
      if (block !== undefined) {
        block.text = undefined;
        if (agent === undefined || this.placed.get(id) !== state.agentOrderOf(id)) {
          // Gone, or gone and back (it is at the end of the books' order now).
          block.ids.splice(block.ids.indexOf(id), 1);
          this.blockOf.delete(id);
          this.placed.delete(id);
          emptied ||= block.ids.length === 0;
        }
      }
      if (agent !== undefined && !this.blockOf.has(id)) added.push(agent);
    }
    if (emptied) this.blocks = this.blocks.filter((block) => block.ids.length > 0);
    added.sort((a, b) => (state.agentOrderOf(a.id) ?? 0) - (state.agentOrderOf(b.id) ?? 0));
    this.place(state, added);
  }

  /** Appends `agents` (in the books' order, after every agent placed) to the last block, and new ones. */
  private place(state: MasterState, agents: readonly AgentRecord[]): void {
    for (const agent of agents) {
      let block = this.blocks[this.blocks.length - 1];
      if (block === undefined || block.ids.length >= STATE_AGENTS_PER_BLOCK) this.blocks.push((block = { ids: [], text: undefined }));
      block.ids.push(agent.id);
      block.text = undefined;
      this.blockOf.set(agent.id, block);
      this.placed.set(agent.id, state.agentOrderOf(agent.id) ?? 0);
    }
  }

  private joinBlock(state: MasterState, block: AgentBlock): string {
    const texts: string[] = [];
    for (const id of block.ids) {
      const agent = state.agents.get(id);
      if (agent !== undefined) texts.push(this.agentFragment(state, agent).text);
    }
    block.text = texts.join(',');
    return block.text;
  }

  private pushFrameworks(parts: StateParts, state: MasterState, frameworks: Iterable<FrameworkRecord>, viewer: StateViewer): void {
    let first = true;
    for (const framework of frameworks) {
      const user = framework.info.user;
      if (!viewer.framework(user)) continue;
      const comma = first ? '' : ',';
      first = false;
      if (viewer === SEE_ALL) {
        parts.push(comma + this.frameworkText(state, framework));
        continue;
      }
      parts.push(comma);
      this.pushFramework(parts, state, framework, viewer.tasks(user), viewer.executors(user));
    }
  }

  /** A framework's whole text, as a caller who may see all of it sees it. */
  private frameworkText(state: MasterState, framework: FrameworkRecord): string {
    const fragment = this.frameworkHead(state, framework);
    if (fragment.full === undefined) {
      const parts: StateParts = [];
      this.pushFramework(parts, state, framework, true, true);
      fragment.full = parts.join('');
    }
    return fragment.full;
  }

  private pushFramework(parts: StateParts, state: MasterState, framework: FrameworkRecord, tasksVisible: boolean, executorsVisible: boolean): void {
    parts.push(this.frameworkHead(state, framework).head, ',"tasks":[');
    if (tasksVisible) this.pushList(parts, framework.tasks.values(), (tracked) => this.taskText(tracked.task));
    parts.push('],"unreachable_tasks":[');
    if (tasksVisible) this.pushList(parts, framework.unreachableTasks.values(), (task) => this.taskText(task));
    parts.push('],"completed_tasks":[');
    if (tasksVisible) parts.push(this.completedText(framework));
    parts.push('],"offers":[');
    this.pushList(parts, framework.offerIds, (offerId) => {
      const record = state.offers.get(offerId);
      return record === undefined ? undefined : this.offerText(record);
    });
    parts.push('],"executors":[');
    if (executorsVisible) this.pushList(parts, executorsOf(state, framework.id), ([executor, agentId]) => this.executorText(executor, agentId));
    parts.push(']}');
  }

  private pushList<T>(parts: StateParts, items: Iterable<T>, text: (item: T) => string | undefined): void {
    let first = true;
    for (const item of items) {
      const piece = text(item);
      if (piece === undefined) continue;
      parts.push(first ? piece : `,${piece}`);
      first = false;
    }
  }

  private agentFragment(state: MasterState, agent: AgentRecord): AgentFragment {
    const kept = agent.rendered as AgentFragment | undefined;
    if (kept !== undefined && kept.stamp === agent.stamp && kept.info === agent.info && kept.total === agent.total && kept.pid === agent.pid
      && kept.version === agent.version && kept.active === agent.active && kept.connected === agent.connected
      && kept.reregisteredTimeMs === agent.reregisteredTimeMs) {
      return kept;
    }
    this.rendered++;
    const fragment = agentFragmentOf(state, agent, JSON.stringify(renderAgent(state, agent, SEE_ALL)));
    agent.rendered = fragment;
    return fragment;
  }

  private frameworkHead(state: MasterState, framework: FrameworkRecord): FrameworkFragment {
    const kept = framework.rendered as FrameworkFragment | undefined;
    if (kept !== undefined && kept.stamp === framework.stamp && kept.info === framework.info && kept.pid === framework.pid && kept.active === framework.active
      && kept.connected === framework.connected && kept.recovered === framework.recovered
      && kept.reregisteredTimeMs === framework.reregisteredTimeMs && kept.unregisteredTimeMs === framework.unregisteredTimeMs) {
      return kept;
    }
    this.rendered++;
    const head = JSON.stringify(renderFrameworkHeader(state, framework)).slice(0, -1);
    const fragment: FrameworkFragment = {
      info: framework.info, pid: framework.pid, active: framework.active, connected: framework.connected, recovered: framework.recovered,
      reregisteredTimeMs: framework.reregisteredTimeMs, unregisteredTimeMs: framework.unregisteredTimeMs, stamp: state.stampOf(framework), head, full: undefined,
    };
    framework.rendered = fragment;
    return fragment;
  }

  private taskText(task: Task): string {
    const statuses = task.statuses?.length ?? 0;
    const last = task.statuses?.[statuses - 1];
    const kept = this.tasks.get(task);
    if (kept !== undefined && kept.state === task.state && kept.statuses === statuses && kept.last === last) return kept.text;
    this.rendered++;
    const text = JSON.stringify(renderTask(task));
    this.tasks.set(task, { state: task.state, statuses, last, text });
    return text;
  }

  private completedText(framework: FrameworkRecord): string {
    const list = framework.completedTasks;
    const first = list[0];
    const last = list[list.length - 1];
    const kept = this.completed.get(framework);
    if (kept !== undefined && kept.length === list.length && kept.first === first && kept.last === last) return kept.text;
    const text = list.map((task) => this.taskText(task)).join(',');
    this.completed.set(framework, { length: list.length, first, last, text });
    return text;
  }

  private executorText(executor: TrackedExecutor, agentId: string): string {
    const kept = this.executors.get(executor);
    if (kept !== undefined) return kept;
    this.rendered++;
    const text = JSON.stringify(renderExecutor(executor.info, executor.resources, agentId));
    this.executors.set(executor, text);
    return text;
  }

  private offerText(record: OfferRecord): string {
    const kept = this.offers.get(record);
    if (kept !== undefined) return kept;
    this.rendered++;
    const text = JSON.stringify(renderOffer(record.offer, record.resources));
    this.offers.set(record, text);
    return text;
  }
}

/** What `agent` is now, rendered as `text`. */
function agentFragmentOf(state: MasterState, agent: AgentRecord, text: string): AgentFragment {
  return {
    info: agent.info, total: agent.total, pid: agent.pid, version: agent.version, active: agent.active, connected: agent.connected,
    reregisteredTimeMs: agent.reregisteredTimeMs, stamp: state.stampOf(agent), text,
  };
}

/** A framework's executors with their agents' ids, in agent registration order (as `MasterState.frameworkExecutors`). */
function* executorsOf(state: MasterState, frameworkId: string): Iterable<[TrackedExecutor, string]> {
  for (const agent of state.agentsOf(frameworkId)) {
    for (const executor of agent.executors.get(frameworkId)?.values() ?? []) yield [executor, agent.id];
  }
}
