/**
 * The master's state endpoints as JSON text, put together from fragments kept between requests:
 * `/master/state`, `/master/state-summary`, `/master/tasks`, `/master/slaves`,
 * `/master/frameworks` and the operator API's GET_STATE and its parts; and the roles'
 * breakdowns `/master/roles` and GET_ROLES read.
 * Each agent, framework, task, executor and offer is rendered (`http.ts`,
 * `v1-operator-json.ts`) and stringified once, and again only when it changes. Agents are kept
 * joined in blocks of `STATE_AGENTS_PER_BLOCK` per format; a block is joined again only when
 * one of its agents changed, and then only that agent is rendered (the others' text is sliced
 * out of the block's). Which agents changed the books say (`MasterState.takeChangedAgents`), so
 * a request costs what changed since the last one, plus a piece per block and per framework, not
 * a walk over every agent; the response is the list of pieces (`TextParts`), which the host
 * writes to the client a slice at a time.
 *
 * A framework's fragment is current while what it was made from is: its own fields (compared
 * by identity: the master replaces `info`, never edits it) and its `stamp`, which moves
 * whenever its tasks, executors or offers change; a task's, while its state, statuses and
 * status update state are (`MasterState.recordStatus`, and the master's forwarding of updates).
 *
 * The text is exactly the fresh rendering's JSON (`JSON.stringify(renderState(context))` and so
 * on): the tests and the chaos simulation check it, at every step.
 */
import { ShardedMap, ShardedWeakMap } from '../../lib/sharded-map';
import { Resources } from '../../lib/resources';
import type { Task, TaskState } from '../../lib/protocol';
import { executorVisible, renderResources, renderTask, SEE_ALL, taskVisibility, taskVisible, visibleTasks, type StateViewer, type TaskVisibility } from '../../lib/state-json';
import { v1Task } from '../../lib/v1/operator';
import {
  addRoleParts, agentRoleParts, renderAgent, renderAgentSummary, renderExecutor, renderFrameworkHeader, renderFrameworkSummary, renderOffer,
  renderRecoveredAgents, renderSlave, renderStateHeader, renderSummaryHeader, selectTasks, copiedTasksPage, withFrameworks, type EntryAsItWas, type TaskPageMerge,
  type RoleBreakdown, type StateContext, type TasksPage, type TasksQuery,
} from './http';
import { STATE_LAST_TURN_OFFERS, STATE_LAST_TURN_TASKS } from './constants';
import type { TaskOrderEntry } from './task-order';
import type { OfferListView } from './offer-table';
import type { AgentRecord, FrameworkRecord, MasterState, OfferRecord, TrackedExecutor } from './state';
import { TaskBlocks, type TaskBlock, type TaskFormat } from './task-blocks';
import { v1Agent, v1Executor, v1FrameworkHead, v1FrameworkOffer, v1RecoveredAgents, type V1Context } from './v1-operator-json';
import { v1Offer, type AgentEndpoint } from '../../lib/v1/json';
import { RoleSplitSum, type ResourcesByRole } from './resources-by-role';

/**
 * Agents a warming turn puts in their blocks (or changes it takes from the books), when there
 * are many: a few ms of work. (2,000 took 24 ms at 10k agents and 44 ms at 100k on the slow
 * machine of 2026-12-02, the longest turns of `/master/state` in `bench:scale`; 500 up to ~8 ms
 * at 100k, more when V8 marked the heap in the same turn. The turn sizes here were halved on
 * 2026-12-03, leaving room under the 20 ms bound for that marking: docs/master.md.)
 */
export const STATE_PLACED_PER_TURN = 250;
/**
 * Agents whose part of the roles' breakdowns a warming turn makes (`RoleSums`): one is ~5-15 µs
 * (its tasks, executors and offers by role), so a turn stays within a few ms.
 */
export const ROLE_PARTS_PER_TURN = 250;
/**
 * Agents a block of one format's agents is filled with (`StateFragments`). An agent that comes
 * back earlier in the books' order than the last one placed is put in the block where it belongs,
 * which is split in two when that makes it more than twice this.
 */
export const STATE_AGENTS_PER_BLOCK = 64;
/**
 * Fragments a warming turn renders before it ends (`StateFragments.warm`): one costs ~5-40 µs
 * (an agent, a framework header with its resources; more while the code is cold), so a turn
 * stays within a few ms.
 */
export const STATE_WARM_RENDERS_PER_TURN = 32;
/**
 * Passes over a stale block of agents a warming makes (each rendering the texts it finds
 * missing, an agent at a time) to find it with none missing and join it; agents that keep
 * changing between turns past that leave the block to the last turn.
 */
export const STATE_WARM_PASSES_PER_BLOCK = 3;
/**
 * Rounds of placing and rendering agents a warming makes: each places at most the agents
 * registered when it starts (in a boot storm more keep coming); what the last round does not
 * reach, the last turn does.
 */
export const STATE_WARM_ROUNDS = 3;
/**
 * Rounds of bringing the frameworks' live task blocks up to date a warming makes (the first with
 * the rest of each framework): each takes what changed while the one before ran, while that is
 * less than the one before found; what the last round does not reach, the last turn does.
 */
export const STATE_WARM_TASK_ROUNDS = 8;
/** Tasks, offers and executors a warming turn looks at (most found current) before it ends. */
export const STATE_WARM_VISITS_PER_TURN = 1_000;
/**
 * What rendering a live task's text counts as in a warming turn, in tasks looked at: ~2-5 µs (a
 * task with two statuses, in either format), against ~1-2 µs for each task a block's join looks
 * at (mostly making the joined string), not a fragment of `STATE_WARM_RENDERS_PER_TURN` (an
 * agent, a framework: ~5-40 µs).
 */
export const STATE_TASK_RENDER_VISITS = 3;

/**
 * Changed agents applied to the formats' blocks at a time (`StateFragments.applySome`), the
 * turn's budget looked at between slices.
 */
export const STATE_APPLIED_PER_SLICE = 25;


/** What a rendering of GET_STATE's `get_state` object is written between (`StateFragments.renderV1State`). */
export interface V1StateEnvelope {
  readonly open: string;
  readonly close: string;
}

/** GET_STATE's answer: `{"type":"GET_STATE","get_state":{...}}`. */
export const V1_GET_STATE_ENVELOPE: V1StateEnvelope = { open: '{"type":"GET_STATE","get_state":', close: '}' };

/**
 * The operator event stream's SUBSCRIBED event with the state and the heartbeat interval, as
 * `v1Events.subscribed` makes it: `{"type":"SUBSCRIBED","subscribed":{"get_state":{...},"heartbeat_interval_seconds":N}}`.
 */
export function v1SubscribedEnvelope(heartbeatIntervalSeconds: number): V1StateEnvelope {
  return { open: '{"type":"SUBSCRIBED","subscribed":{"get_state":', close: `,"heartbeat_interval_seconds":${JSON.stringify(heartbeatIntervalSeconds)}}}` };
}

/** A budget never spent: counts alone end the turns. */
const NEVER = (): boolean => false;

/** The pieces of one rendering; `join('')` is the JSON. */
export type StateParts = string[];

/** The state endpoints' formats, each with agents' blocks of its own (`slaves`: `/master/slaves`). */
export type StateFormat = 'state' | 'summary' | 'v1' | 'slaves';

/**
 * The formats whose agents leave out, for a viewer with ACLs, what is allocated or offered to a
 * role it may not view (`view_roles`): the v1 `Agent`'s `allocated_resources` and
 * `offered_resources`, and `/master/slaves`' `used_resources_full` and `offered_resources_full`,
 * as Mesos filters them; `/master/state`'s and the summary's totals are not filtered, as in Mesos.
 */
const ALLOCATION_FILTERED_FORMATS: ReadonlySet<StateFormat> = new Set<StateFormat>(['v1', 'slaves']);

/**
 * What `StateFragments.dropUnasked` drops when nobody asked for it: a format's agents' blocks
 * (60-85 MB each at 100k agents), or the roles' sums.
 */
export type KeptPart = StateFormat | 'roles';

/**
 * What a rendering warms (`StateFragments.warm`): a format's agents and frameworks; only its
 * agents (`slaves`: `/master/slaves`; `v1-agents`: GET_AGENTS, with GET_STATE's agents); only
 * GET_STATE's frameworks, tasks, executors and offers (`v1-frameworks`: GET_FRAMEWORKS,
 * GET_EXECUTORS, GET_TASKS); only the frameworks of `/master/state` (`frameworks`:
 * `/master/frameworks`); or the roles' breakdowns (`roles`: `/master/roles` and GET_ROLES).
 */
export type WarmTarget = StateFormat | 'v1-agents' | 'v1-frameworks' | 'frameworks' | 'roles';

/** The parts of GET_STATE the operator API also answers alone. */
export type V1StatePart = 'GET_TASKS' | 'GET_EXECUTORS' | 'GET_FRAMEWORKS' | 'GET_AGENTS';

// ---- the roles' breakdowns ------------------------------------------------------------------------

/**
 * Each role's breakdown (`/master/roles`, GET_ROLES) kept as the agents change: every agent's
 * part (`agentRoleParts`) and their sums. An agent that changed (the books' list, as for the
 * agents' texts) has its part taken out and made again. A task's role depends on its
 * framework's roles: when a framework's roles change (it registers, re-registers or leaves), the
 * agents holding its tasks or executors (`MasterState.agentsOf`) are made again too.
 */
class RoleSums {
  /** Each agent's part (none kept for an agent that holds nothing in any role: most of an idle cluster's). */
  private readonly parts = new Map<string, ReadonlyMap<string, RoleBreakdown>>();
  private readonly sums = new Map<string, RoleBreakdown>();
  /** How many agents have a part in each role. */
  private readonly counts = new Map<string, number>();
  private readonly dirty = new Set<string>();
  /** The agents whose parts are still to make (at first): the books' iterator, as `AgentBlocks.placeSome` takes it. */
  private unplaced: Iterator<string> | undefined;
  /** Each registered framework's roles as the parts were made with them. */
  private frameworkRoles: Map<string, string>;

  constructor(state: MasterState) {
    this.unplaced = state.agents.keys();
    this.frameworkRoles = frameworkRolesOf(state);
  }

  /** Agents that changed: their parts are made again. */
  changed(ids: Iterable<string>): void {
    for (const id of ids) this.dirty.add(id);
  }

  /** Every part to make again (the books said 'all'). */
  restart(state: MasterState): void {
    this.unplaced = state.agents.keys();
    for (const id of this.parts.keys()) this.dirty.add(id);
  }

  /** Parts to make now: the agents not reached yet (at most every agent) and those changed since. */
  pending(state: MasterState): number {
    return (this.unplaced === undefined ? 0 : state.agents.size) + this.dirty.size;
  }

  /**
   * Makes up to `limit` parts (of the agents changed or framework roles noted so far), fewer
   * once `overBudget` (one at least); how many it made.
   */
  update(state: MasterState, limit: number, overBudget: () => boolean = NEVER): number {
    let made = 0;
    const stop = (): boolean => made >= limit || (made > 0 && overBudget());
    while (!stop() && this.unplaced !== undefined) {
      const next = this.unplaced.next();
      if (next.done === true) this.unplaced = undefined;
      else {
        this.remake(state, next.value);
        made++;
      }
    }
    for (const id of this.dirty) {
      if (stop()) break;
      this.dirty.delete(id);
      this.remake(state, id);
      made++;
    }
    return made;
  }

  /** The breakdowns as of now, each framework named under its roles (copies: the sums stay the agents' alone). */
  breakdowns(state: MasterState): Map<string, RoleBreakdown> {
    this.noteFrameworkRoles(state);
    this.update(state, Infinity);
    const copies = new Map<string, RoleBreakdown>();
    for (const [role, sum] of this.sums) copies.set(role, { ...sum, frameworks: new Set() });
    return withFrameworks(state, copies);
  }

  private remake(state: MasterState, id: string): void {
    const old = this.parts.get(id);
    if (old !== undefined) addRoleParts(this.sums, this.counts, old, -1);
    this.parts.delete(id);
    const agent = state.agents.get(id);
    if (agent === undefined) return;
    const parts = agentRoleParts(state, agent);
    if (parts.size === 0) return;
    this.parts.set(id, parts);
    addRoleParts(this.sums, this.counts, parts, 1);
  }

  /**
   * Marks the agents of every framework whose roles changed since the parts were made: O(frameworks),
   * so once when a warming starts and once for the answer, not per warming turn.
   */
  noteFrameworkRoles(state: MasterState): void {
    const now = frameworkRolesOf(state);
    for (const [frameworkId, roles] of now) {
      if (this.frameworkRoles.get(frameworkId) !== roles) for (const agent of state.agentsOf(frameworkId)) this.dirty.add(agent.id);
    }
    for (const frameworkId of this.frameworkRoles.keys()) {
      if (!now.has(frameworkId)) for (const agent of state.agentsOf(frameworkId)) this.dirty.add(agent.id);
    }
    this.frameworkRoles = now;
  }
}

function frameworkRolesOf(state: MasterState): Map<string, string> {
  return new Map([...state.frameworks.values()].map((framework) => [framework.id, (framework.info.roles ?? []).join('\u0000')]));
}

// ---- agents, in blocks ----------------------------------------------------------------------------

/** Consecutive agents (in the books' order) and their texts, joined by commas. */
interface AgentBlock {
  /** Its agents now. */
  readonly ids: string[];
  /** Each agent's place in the books' order when it was put here (`MasterState.agentOrderOf`). */
  readonly orders: number[];
  /** The agents `text` was joined from, and where each one's text ends in it. */
  joinedIds: string[];
  ends: number[];
  text: string;
  /** Agents whose text must be rendered again (besides those not yet in `joinedIds`). */
  readonly dirty: Set<string>;
  /**
   * Texts rendered ahead of the next join (`AgentBlocks.warm`, a turn at a time) for agents
   * not changed since: marking an agent dirty drops its text here.
   */
  readonly fresh: Map<string, string>;
  /** `text` is not its agents' (some changed, came or went). */
  stale: boolean;
}

/** `id`'s text in `block` is to be rendered again (one rendered ahead is dropped): the block is stale. */
function markDirty(block: AgentBlock, id: string): void {
  block.dirty.add(id);
  block.fresh.delete(id);
  block.stale = true;
}

/** One format's agents, in blocks, in the books' order. */
class AgentBlocks {
  private blocks: AgentBlock[] = [];
  /** Each placed agent's block (sharded: a plain Map doubling at 65,536 agents took a turn over the bound). */
  private readonly blockOf = new ShardedMap<AgentBlock>();
  /**
   * The agents still to place (after 'all', or when the format is first asked for): the books'
   * own iterator over their agents, placed a turn's worth at a time (`placeSome`). A Map's
   * iterator sees what changes meanwhile (new and returning agents at the end, gone ones not at
   * all), so what it gives is the books' order.
   */
  private unplaced: Iterator<string> | undefined;

  constructor(
    private readonly renderOne: (agent: AgentRecord) => string,
    private readonly counter: { rendered: number },
  ) {}

  /** Takes the books' changed agents: new ones at the end, gone ones out, changed ones to render again. */
  apply(state: MasterState, changed: Iterable<string> | 'all'): void {
    if (changed === 'all') {
      this.blocks = [];
      this.blockOf.clear();
      this.unplaced = state.agents.keys();
      return;
    }
    const added: string[] = [];
    let emptied = false;
    for (const id of changed) {
      const present = state.agents.has(id);
      const block = this.blockOf.get(id);
      if (block !== undefined) {
        const index = block.ids.indexOf(id);
        markDirty(block, id); // also if it comes back into this very block: its text is rendered anew
        // Gone, or gone and back (it is at the end of the books' order now).
        if (!present || block.orders[index] !== state.agentOrderOf(id)) emptied = this.remove(id) || emptied;
      }
      if (present && !this.blockOf.has(id)) added.push(id);
    }
    if (emptied) this.dropEmptyBlocks();
    // Still placing: the books' iterator comes to the new ones.
    if (this.unplaced !== undefined) return;
    added.sort((a, b) => (state.agentOrderOf(a) ?? 0) - (state.agentOrderOf(b) ?? 0));
    this.place(state, added);
  }

  /** About how many agents a join would render now (changed, or not joined yet). */
  staleAgents(): number {
    let stale = 0;
    for (const block of this.blocks) {
      if (block.stale) stale += block.dirty.size + Math.max(0, block.ids.length - block.joinedIds.length);
    }
    return stale;
  }

  /** How many agents each block holds, in order. */
  sizes(): number[] {
    return this.blocks.map((block) => block.ids.length);
  }

  /** Whether agents are still to place (`placeSome`). */
  get placing(): boolean {
    return this.unplaced !== undefined;
  }

  /** Places up to `limit` agents still to place (all with no limit), fewer once `overBudget` (one at least); how many it placed. */
  placeSome(state: MasterState, limit = Infinity, overBudget: () => boolean = NEVER): number {
    const unplaced = this.unplaced;
    if (unplaced === undefined) return 0;
    const ids: string[] = [];
    let emptied = false;
    while (ids.length < limit && !(ids.length > 0 && overBudget())) {
      const next = unplaced.next();
      if (next.done === true) {
        this.unplaced = undefined;
        break;
      }
      // Met a second time: it left and came back (to the end of the books' order, here).
      if (this.blockOf.has(next.value)) emptied = this.remove(next.value) || emptied;
      ids.push(next.value);
    }
    if (emptied) this.dropEmptyBlocks();
    this.place(state, ids);
    return ids.length;
  }

  private dropEmptyBlocks(): void {
    this.blocks = this.blocks.filter((block) => block.ids.length > 0);
  }

  /** Takes an agent out of its block (its text is rendered anew wherever it goes); whether the block is left empty (the caller drops empty blocks). */
  private remove(id: string): boolean {
    const block = this.blockOf.get(id);
    if (block === undefined) return false;
    const index = block.ids.indexOf(id);
    block.ids.splice(index, 1);
    block.orders.splice(index, 1);
    markDirty(block, id);
    this.blockOf.delete(id);
    return block.ids.length === 0;
  }

  /** Marks an agent's text to be rendered again (what this format shows of it changed without the books listing it). */
  invalidate(agentId: string): void {
    const block = this.blockOf.get(agentId);
    if (block === undefined) return;
    markDirty(block, agentId);
  }

  /**
   * Places the agents still to place, then brings the stale blocks up to date, in rounds
   * (`STATE_WARM_ROUNDS`), yielding after each step whose turn is done (`turnDone`, or placing
   * `overBudget`).
   */
  *warm(state: MasterState, turnDone: () => boolean, overBudget: () => boolean): Generator<void, void, void> {
    for (let round = 0; round < STATE_WARM_ROUNDS; round++) {
      for (let left = state.agents.size; this.placing && left > 0;) {
        left -= this.placeSome(state, STATE_PLACED_PER_TURN, overBudget);
        if (this.placing) yield;
      }
      for (const block of [...this.blocks]) yield* this.warmBlock(state, block, turnDone);
      if (!this.placing) return;
    }
  }

  /**
   * Renders the texts `block` is missing an agent at a time (a turn may end inside a block), and
   * joins it in the turn that finds none missing; at most `STATE_WARM_PASSES_PER_BLOCK` passes.
   */
  private *warmBlock(state: MasterState, block: AgentBlock, turnDone: () => boolean): Generator<void, void, void> {
    for (let pass = 0; pass < STATE_WARM_PASSES_PER_BLOCK; pass++) {
      if (!block.stale || block.ids.length === 0) return;
      const missing = this.missingTexts(state, block);
      if (missing.length === 0) {
        this.join(state, block);
        if (turnDone()) yield;
        return;
      }
      for (const id of missing) {
        // Between turns the block may have been joined elsewhere, or the agent changed (missing
        // again: the next pass), moved or gone.
        if (!block.stale) return;
        const agent = state.agents.get(id);
        if (agent === undefined || block.fresh.has(id) || this.blockOf.get(id) !== block) continue;
        block.fresh.set(id, this.renderOne(agent));
        this.counter.rendered++;
        if (turnDone()) yield;
      }
    }
  }

  /** The agents of `block` whose text its join would render (changed, or not in its text yet): none rendered ahead. */
  private missingTexts(state: MasterState, block: AgentBlock): string[] {
    const joined = new Set(block.joinedIds);
    return block.ids.filter((id) => (block.dirty.has(id) || !joined.has(id)) && !block.fresh.has(id) && state.agents.has(id));
  }

  /** Pushes the agents' text, comma-separated; `special` agents (if any) as `renderSpecial` renders them instead. */
  push(parts: StateParts, state: MasterState, special?: ReadonlySet<string>, renderSpecial?: (agent: AgentRecord) => string): void {
    this.placeSome(state);
    let first = true;
    for (const block of this.blocks) {
      let text = this.join(state, block);
      if (special !== undefined && renderSpecial !== undefined && special.size > 0 && block.ids.some((id) => special.has(id))) {
        text = block.joinedIds.map((id, index) => {
          const agent = state.agents.get(id);
          return agent !== undefined && special.has(id) ? renderSpecial(agent) : this.slice(block, index);
        }).join(',');
      }
      if (text === '') continue;
      parts.push(first ? text : `,${text}`);
      first = false;
    }
  }

  /**
   * Places agents `ids` (in the books' order among themselves): each after every agent placed
   * goes at the end, in the last block or a new one; one that comes earlier in the books' order
   * than the last placed goes into the block where it belongs (an agent listed early among the
   * changes, and placed from an early slice of them, that left and came back after agents of a
   * later slice joined). Each is rendered when its block is joined.
   */
  private place(state: MasterState, ids: Iterable<string>): void {
    let block = this.blocks[this.blocks.length - 1];
    for (const id of ids) {
      const order = state.agentOrderOf(id) ?? 0;
      const lastOrder = block?.orders[block.orders.length - 1];
      if (lastOrder !== undefined && order < lastOrder) {
        this.insert(id, order);
        block = this.blocks[this.blocks.length - 1]; // the last block may have been split
        continue;
      }
      if (block === undefined || block.ids.length >= STATE_AGENTS_PER_BLOCK) {
        block = { ids: [], orders: [], joinedIds: [], ends: [], text: '', dirty: new Set(), fresh: new Map(), stale: true };
        this.blocks.push(block);
      }
      block.ids.push(id);
      block.orders.push(order);
      block.stale = true;
      this.blockOf.set(id, block);
    }
  }

  /** Puts `id` where `order` belongs among the agents placed (the blocks and their agents are in the books' order): the block may grow past `STATE_AGENTS_PER_BLOCK`. */
  private insert(id: string, order: number): void {
    // The first block whose last agent comes after it (one does: the caller saw the last block's).
    let low = 0;
    let high = this.blocks.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      const orders = (this.blocks[middle] as AgentBlock).orders;
      if ((orders[orders.length - 1] ?? 0) > order) high = middle;
      else low = middle + 1;
    }
    const block = this.blocks[low] as AgentBlock;
    let at = block.orders.findIndex((other) => other > order);
    if (at < 0) at = block.orders.length;
    block.ids.splice(at, 0, id);
    block.orders.splice(at, 0, order);
    block.stale = true;
    this.blockOf.set(id, block);
    if (block.ids.length > 2 * STATE_AGENTS_PER_BLOCK) this.split(low);
  }

  /**
   * Splits the block at `position` in two halves. The agents moved to the new one take their
   * current texts with them, as if rendered ahead (its join renders none of them again).
   */
  private split(position: number): void {
    const block = this.blocks[position] as AgentBlock;
    const half = block.ids.length >> 1;
    const moved: AgentBlock = { ids: block.ids.splice(half), orders: block.orders.splice(half), joinedIds: [], ends: [], text: '', dirty: new Set(), fresh: new Map(), stale: true };
    const joinedAt = new Map(block.joinedIds.map((id, index) => [id, index]));
    for (const id of moved.ids) {
      this.blockOf.set(id, moved);
      const index = joinedAt.get(id);
      const text = block.fresh.get(id) ?? (index !== undefined && !block.dirty.has(id) ? this.slice(block, index) : undefined);
      if (text !== undefined) moved.fresh.set(id, text);
      // Dirty here as `remove` leaves it: this block's text still holds it, and if it comes back
      // here before the block is joined again its old text must not be sliced out of it.
      markDirty(block, id);
    }
    this.blocks.splice(position + 1, 0, moved);
  }

  /** The text of the `index`th agent `block.text` was joined from. */
  private slice(block: AgentBlock, index: number): string {
    const start = index === 0 ? 0 : (block.ends[index - 1] ?? 0) + 1;
    return block.text.slice(start, block.ends[index]);
  }

  private join(state: MasterState, block: AgentBlock): string {
    if (!block.stale) return block.text;
    const before = new Map<string, number>();
    block.joinedIds.forEach((id, index) => before.set(id, index));
    const pieces: string[] = [];
    const joinedIds: string[] = [];
    const ends: number[] = [];
    let at = -1;
    for (const id of block.ids) {
      const agent = state.agents.get(id);
      if (agent === undefined) continue;
      const index = before.get(id);
      let piece: string;
      const fresh = block.fresh.get(id);
      if (index !== undefined && !block.dirty.has(id)) {
        piece = this.slice(block, index);
      } else if (fresh !== undefined) {
        piece = fresh;
      } else {
        piece = this.renderOne(agent);
        this.counter.rendered++;
      }
      pieces.push(piece);
      joinedIds.push(id);
      at += 1 + piece.length;
      ends.push(at);
    }
    block.text = pieces.join(',');
    block.joinedIds = joinedIds;
    block.ends = ends;
    block.dirty.clear();
    block.fresh.clear();
    block.stale = false;
    return block.text;
  }
}

// ---- frameworks and tasks -----------------------------------------------------------------------

/** What was rendered of a framework, while its own fields and stamp stay as they were. */
interface FrameworkFragments {
  readonly info: FrameworkRecord['info'];
  readonly pid: FrameworkRecord['pid'];
  readonly active: boolean;
  readonly connected: boolean;
  readonly recovered: boolean;
  readonly reregisteredTimeMs: number | undefined;
  readonly unregisteredTimeMs: number | undefined;
  readonly stamp: number;
  /** `/master/state`'s header without its closing `}`. */
  head?: string;
  /** The whole framework in `/master/state`, for a caller who may see all of it, as pieces (its live tasks' blocks among them). */
  full?: StateParts;
  /** GET_STATE's framework (`GetFrameworks.Framework`) but its `offers`, without its closing `}`. */
  v1Head?: string;
  /**
   * GET_STATE's whole framework as pieces (`v1Head`, then an offer a piece). Kept only when every
   * offer showed its agent: one whose agent is gone shows nothing, and would show again if an
   * agent of that id came back, which changes none of this framework's fields or its stamp.
   */
  v1Pieces?: StateParts;
}

/**
 * An offer's texts, kept on its record (`OfferRecord.rendered`): `/master/state`'s, and GET_STATE's
 * with the info and pid of the agent whose address it shows.
 */
interface OfferTexts {
  text?: string;
  v1?: { readonly info: unknown; readonly pid: unknown; readonly text: string };
}

function offerTexts(record: OfferRecord): OfferTexts {
  return (record.rendered ??= {}) as OfferTexts;
}

/** Where a task's text in `format` is kept (`TaskFragment`). */
function textField(format: TaskFormat): 'text' | 'v1' {
  return format === 'v1' ? 'v1' : 'text';
}

interface TaskFragment {
  readonly state: TaskState;
  readonly statuses: number;
  readonly last: unknown;
  readonly statusUpdateState: TaskState | undefined;
  readonly statusUpdateUuid: string | undefined;
  text?: string;
  v1?: string;
}

/**
 * A framework's completed tasks' text in one format, kept while the list has the same length,
 * first and last task (it is appended to and trimmed at its front), and, for a completed
 * framework, while its stamp stays (the books note a registered framework's changed tasks, and
 * `noteEndedChanges` drops its texts when one not live changed).
 */
interface CompletedFragment {
  readonly length: number;
  readonly first: Task | undefined;
  readonly last: Task | undefined;
  readonly stamp: number | undefined;
  readonly text: string;
}

/**
 * A framework's unreachable tasks' text in one format, kept while its `unreachableVersion`
 * stays (tasks come, go and are replaced anywhere in that map) and, for a completed framework,
 * its stamp (`noteEndedChanges` drops a registered framework's when one of them changed).
 */
interface UnreachableFragment {
  readonly version: number;
  readonly stamp: number | undefined;
  readonly text: string;
}

/**
 * The fragments of one master's books, kept on the framework records they render (`rendered`), in blocks (agents) or keyed
 * weakly by them: a record the books drop takes its fragments with it. Every method runs in the
 * master's mailbox.
 */
export class StateFragments {
  // Keyed by records that number 100k and more, sharded: one weak map doubling from ~87k entries took a warming turn 15-24 ms.
  private readonly tasks = new ShardedWeakMap<Task, TaskFragment>((task) => task.taskId);
  private readonly completed = new WeakMap<FrameworkRecord, Partial<Record<TaskFormat, CompletedFragment>>>();
  /** Each framework's unreachable tasks' text, per format (`unreachablePieces`). */
  private readonly unreachable = new WeakMap<FrameworkRecord, Partial<Record<TaskFormat, UnreachableFragment>>>();
  private readonly executors = new ShardedWeakMap<TrackedExecutor, { text?: string; v1?: string }>((executor) => executor.info.executorId);
  /** Fragments rendered (not found current) since this was made: for tests and the benchmark. */
  private readonly counter = { rendered: 0 };
  /** Lists of changed agents taken from the books and not yet applied to the formats' blocks, oldest first; the first one from `cursor` on. */
  private backlog: Array<readonly string[]> = [];
  private cursor: Iterator<string> | undefined;
  /** Registered agents with reserved resources (their `reserved_resources` depend on who asks; see `pushAgents` for what else does). */
  private readonly reservedAgents = new Set<string>();
  /** Each format's agents, made when the format is first asked for. */
  private readonly agentBlocks: Partial<Record<StateFormat, AgentBlocks>> = {};
  /** The roles' breakdowns, made when first asked for. */
  private roleSums: RoleSums | undefined;
  /** The parts a rendering asked for since the last `dropUnasked`. */
  private readonly asked = new Set<KeptPart>();
  /** Each registered framework's live tasks, in blocks, made when first asked for. */
  private readonly taskBlocks = new WeakMap<FrameworkRecord, TaskBlocks>();
  private readonly textOf = (task: Task, format: TaskFormat): string => this.taskText(task, format);
  /** Armed by `armTail` for the next rendering; what that rendering left for later turns (offers, a tasks page). */
  private tail: RenderingTail | 'armed' | undefined;

  /**
   * @param lastTurnOffers `STATE_LAST_TURN_OFFERS` (tests: 0 leaves every changed framework's offers to later turns)
   * @param lastTurnTasks `STATE_LAST_TURN_TASKS` (tests: 0 leaves every `/master/tasks` page to later turns)
   */
  constructor(private readonly state: MasterState, private readonly lastTurnOffers = STATE_LAST_TURN_OFFERS, private readonly lastTurnTasks = STATE_LAST_TURN_TASKS) {}

  /** `format`'s agents in blocks; made (every agent to render) when first asked for. */
  private agents(format: StateFormat): AgentBlocks {
    this.asked.add(format);
    let blocks = this.agentBlocks[format];
    if (blocks === undefined) {
      const state = this.state;
      const render: Record<StateFormat, (agent: AgentRecord) => string> = {
        state: (agent) => JSON.stringify(renderAgent(state, agent, SEE_ALL)),
        summary: (agent) => JSON.stringify(renderAgentSummary(state, agent, SEE_ALL)),
        v1: (agent) => JSON.stringify(v1Agent(state, agent)),
        slaves: (agent) => JSON.stringify(renderSlave(state, agent, SEE_ALL)),
      };
      blocks = new AgentBlocks(render[format], this.counter);
      blocks.apply(state, 'all');
      this.agentBlocks[format] = blocks;
    }
    return blocks;
  }

  /** The roles' sums; made (every agent's part to sum) when first asked for. */
  private sums(): RoleSums {
    this.asked.add('roles');
    return (this.roleSums ??= new RoleSums(this.state));
  }

  /**
   * Drops each format's agents' blocks, and the roles' sums, that no rendering asked for since
   * the last call (the master calls it every `--state_cache_timeout`, so what nobody asks for
   * goes one to two periods after its last request). A part asked for again is made anew, its
   * agents placed and rendered in warming turns as at its first request. Returns what it dropped.
   */
  dropUnasked(): KeptPart[] {
    const dropped: KeptPart[] = [];
    for (const format of Object.keys(this.agentBlocks) as StateFormat[]) {
      if (this.asked.has(format)) continue;
      delete this.agentBlocks[format];
      dropped.push(format);
    }
    if (this.roleSums !== undefined && !this.asked.has('roles')) {
      this.roleSums = undefined;
      dropped.push('roles');
    }
    this.asked.clear();
    return dropped;
  }

  /** The parts kept now (tests). */
  keptParts(): KeptPart[] {
    const kept: KeptPart[] = Object.keys(this.agentBlocks) as StateFormat[];
    if (this.roleSums !== undefined) kept.push('roles');
    return kept;
  }

  /** How many agents each block of `format` holds now, in order (tests: a block stays within twice `STATE_AGENTS_PER_BLOCK`). */
  agentBlockSizes(format: StateFormat): number[] {
    return this.agentBlocks[format]?.sizes() ?? [];
  }

  /** Fragments rendered (not found current) since this was made. */
  get rendered(): number {
    return this.counter.rendered;
  }

  /**
   * Brings the fragments of `format` up to date a turn at a time: each `next()` renders at most
   * `STATE_WARM_RENDERS_PER_TURN` fragments, and the last one is done. The master runs each
   * `next()` as a turn of its own, so that message handling goes on between them; what changes
   * meanwhile is caught by the rendering itself.
   * `overBudget` (the master's `--state_turn_budget`) ends a turn sooner, after the fragment
   * that took it over: a fragment costs more while V8 runs the code unoptimized (after a
   * deoptimization, until it is compiled again), or on a slow machine, than the counts allow for.
   */
  *warm(target: WarmTarget, v1Context?: V1Context, overBudget: () => boolean = NEVER): Generator<void, void, void> {
    const state = this.state;
    if (target === 'roles') {
      this.takeChanges();
      while (this.applySome(STATE_PLACED_PER_TURN, overBudget)) yield;
      const sums = this.sums();
      sums.noteFrameworkRoles(state);
      // At most what was pending when it started: agents that keep changing meanwhile (offers
      // made and declined every cycle) would otherwise keep it warming; the last turn takes them.
      for (let left = sums.pending(state); left > 0;) {
        left -= sums.update(state, ROLE_PARTS_PER_TURN, overBudget);
        if (left <= 0 || sums.pending(state) === 0) break;
        yield;
        this.takeChanges();
        this.applySome(STATE_PLACED_PER_TURN, overBudget);
      }
      return;
    }
    const format: StateFormat = target === 'v1-agents' || target === 'v1-frameworks' ? 'v1' : target === 'frameworks' ? 'state' : target;
    let mark = this.counter.rendered;
    let visits = 0;
    // `uncounted`: fragments rendered that count as visits instead (task texts, `STATE_TASK_RENDER_VISITS` each).
    const turnDone = (visited = 1, uncounted = 0): boolean => {
      visits += visited;
      mark += uncounted;
      if (this.counter.rendered - mark < STATE_WARM_RENDERS_PER_TURN && visits < STATE_WARM_VISITS_PER_TURN && !overBudget()) return false;
      mark = this.counter.rendered;
      visits = 0;
      return true;
    };
    this.takeChanges();
    while (this.applySome(STATE_PLACED_PER_TURN, overBudget)) yield;
    if (format === 'summary') this.takeSummaryChanges();
    // `/master/frameworks` shows no agent: their blocks are not made for it.
    const agents = target === 'frameworks' || target === 'v1-frameworks' ? [] : this.agents(format).warm(state, turnDone, overBudget);
    for (const step of agents) {
      yield step;
      this.takeChanges();
      this.applySome(STATE_PLACED_PER_TURN, overBudget);
    }
    if (target === 'summary') {
      // Each framework's offered resources, summed a turn's worth at a time (kept while its offers
      // stay): the last turn summed 100 frameworks' 1,000 offers each in 165 ms at 100k agents.
      // A framework whose sum is kept is not walked: the summary shows no offer of its own.
      for (const framework of [...state.frameworks.values()]) {
        if (state.keptOfferedSum(framework) === undefined) yield* this.warmOffers(framework, turnDone, () => undefined);
      }
    }
    if (target === 'summary' || target === 'slaves' || target === 'v1-agents') {
      yield* this.catchUpAgents(format, turnDone, overBudget);
      return;
    }
    const taskFormat = format === 'v1' ? 'v1' : 'state';
    // A framework's lists may be long (an offer per agent): rendered piece by piece, each up to
    // its length when the framework's turn came. The framework is put together last, and only if
    // nothing of it changed meanwhile (`stamp`): else that one step would render all that
    // changed; the last turn does it.
    for (const framework of [...state.frameworks.values(), ...state.completedFrameworks]) {
      const stamp = framework.stamp;
      const blocks = this.taskBlocksOf(framework);
      if (blocks === undefined) {
        for (const task of atMost(liveTasks(framework), framework.tasks.size)) {
          this.taskText(task, taskFormat);
          if (turnDone()) yield;
        }
      } else {
        yield* this.warmLiveTasks(framework, blocks, taskFormat, turnDone);
      }
      for (const task of [...framework.unreachableTasks.values(), ...framework.completedTasks]) {
        this.taskText(task, taskFormat);
        if (turnDone()) yield;
      }
      // Joined in a turn that finds them rendered (a registered framework's changes taken first: a
      // completed task that changed since drops the kept text); the last turn joins them again
      // only if the list changed since.
      if (framework.completedTasks.length > 0 || framework.unreachableTasks.size > 0) {
        if (blocks !== undefined) {
          blocks.take(state.takeTaskChanges(framework));
          yield* this.applyTaskChanges(framework, blocks, turnDone);
        }
        if (framework.completedTasks.length > 0) {
          this.completedText(framework, taskFormat);
          if (turnDone(framework.completedTasks.length)) yield;
        }
        if (framework.unreachableTasks.size > 0) {
          this.unreachablePieces(framework, taskFormat, true);
          if (turnDone(framework.unreachableTasks.size)) yield;
        }
      }
      if (format === 'v1' && v1Context !== undefined) {
        // The framework's pieces are made here an offer at a time (the last turn would walk them
        // all: ~0.6-0.9 µs an offer at 100k agents), and kept only if nothing of it changed
        // meanwhile (its fragments are the same object: `fragmentsOf` makes new ones when its
        // stamp or a field moves); so is the sum of its offers its head shows (`warmOffers`).
        const fragments = this.fragmentsOf(framework);
        const pieces = new OfferPieces();
        yield* this.warmOffers(framework, turnDone, (record) => pieces.add(this.v1OfferText(v1Context, record)));
        for (const [executor, agentId] of state.frameworkExecutors(framework.id)) {
          this.executorText(executor, agentId, 'v1');
          if (turnDone()) yield;
        }
        if (pieces.complete && this.fragmentsOf(framework) === fragments) fragments.v1Pieces = pieces.end(this.frameworkV1Head(framework));
        if (turnDone()) yield;
      }
      if (format === 'state') {
        yield* this.warmOffers(framework, turnDone, (record) => this.offerText(record));
        for (const [executor, agentId] of state.frameworkExecutors(framework.id)) {
          this.executorText(executor, agentId);
          if (turnDone()) yield;
        }
        if (framework.stamp === stamp) this.frameworkFull(framework);
        if (turnDone()) yield;
      }
    }
    // Rounds over the registered frameworks' live tasks again, each taking what changed while the
    // one before ran (a framework whose tasks keep changing), so that the last turn joins only the
    // blocks changed during the last round: while each round finds fewer changed than the one
    // before (the rounds catch up), at most `STATE_WARM_TASK_ROUNDS`.
    let before = Infinity;
    for (let round = 1; round < STATE_WARM_TASK_ROUNDS; round++) {
      let changed = 0;
      for (const framework of [...state.frameworks.values()]) {
        const blocks = this.taskBlocksOf(framework);
        if (blocks !== undefined) changed += yield* this.warmLiveTasks(framework, blocks, taskFormat, turnDone);
      }
      if (changed === 0 || changed >= before) break;
      before = changed;
    }
    if (target !== 'frameworks' && target !== 'v1-frameworks') yield* this.catchUpAgents(format, turnDone, overBudget);
  }

  /**
   * Agents changed while the rest was rendered (every agent whose offer an allocation run made
   * again, say): rounds over them, each taking what changed while the one before ran, while each
   * finds fewer stale than the one before, at most `STATE_WARM_TASK_ROUNDS`; else the last turn
   * renders them all (at 100k agents with every offer made again meanwhile: 62-130 ms).
   */
  private *catchUpAgents(format: StateFormat, turnDone: () => boolean, overBudget: () => boolean): Generator<void, void, void> {
    let before = Infinity;
    for (let round = 0; round < STATE_WARM_TASK_ROUNDS; round++) {
      this.takeChanges();
      while (this.applySome(STATE_PLACED_PER_TURN, overBudget)) yield;
      if (format === 'summary') this.takeSummaryChanges();
      const blocks = this.agents(format);
      // Still placing (a boot storm: more registering than the turns place): the last turn's.
      if (blocks.placing) break;
      const stale = blocks.staleAgents();
      if (stale === 0 || stale >= before) break;
      before = stale;
      for (const step of blocks.warm(this.state, turnDone, overBudget)) yield step;
    }
  }

  /**
   * Visits `framework`'s offers (`visit`: each one's text) a turn's worth at a time, summing what
   * they hold as it goes; the sum is kept for its head (`keepOfferedSum`) if its offers did not
   * change meanwhile. A sum is ~1-2.5 µs an offer: made in one step for a framework holding 10k
   * offers, it took a turn far over the bound.
   */
  private *warmOffers(framework: FrameworkRecord, turnDone: (visited?: number, uncounted?: number) => boolean, visit: (record: OfferRecord) => void): Generator<void, void, void> {
    const version = framework.offerIds.version;
    const offered = this.state.keptOfferedSum(framework) === undefined ? new RoleSplitSum() : undefined;
    for (const record of framework.offerIds.records()) {
      visit(record);
      offered?.add(record.offer.allocationRole, record.resources);
      if (turnDone()) yield;
    }
    if (offered !== undefined) this.state.keepOfferedSum(framework, version, offered);
  }

  /**
   * Applies the changes `blocks` took, a turn's worth at a time, and drops the ended tasks'
   * texts they (or a first 'all') say changed: what is kept after it is current; how many.
   */
  private *applyTaskChanges(framework: FrameworkRecord, blocks: TaskBlocks, turnDone: (visited?: number, uncounted?: number) => boolean): Generator<void, number, void> {
    let applied = 0;
    while (blocks.applying) {
      const looked = blocks.applySome(STATE_WARM_VISITS_PER_TURN);
      applied += looked;
      if (turnDone(looked)) yield;
    }
    // Once, after the loop: the flag it takes stays set, and a last turn in between applies and takes it itself (`liveTaskBlocks`).
    this.noteEndedChanges(framework, blocks);
    return applied;
  }

  /**
   * Brings a registered framework's live task blocks up to date: applies the changes taken (up to
   * twice its live tasks, and the slack), places afresh what is to place (after 'all'), merges
   * blocks left sparse and joins the stale blocks, a turn's worth at a time; how many
   * changes and stale blocks it found.
   */
  private *warmLiveTasks(framework: FrameworkRecord, blocks: TaskBlocks, format: TaskFormat, turnDone: (visited?: number, uncounted?: number) => boolean): Generator<void, number, void> {
    let found = yield* this.applyTaskChanges(framework, blocks, turnDone);
    while (blocks.placing) {
      const placed = blocks.placeSome(STATE_WARM_VISITS_PER_TURN);
      found += placed;
      if (turnDone(placed)) yield;
    }
    // Blocks emptied by tasks ending, merged (one pass).
    if (blocks.startCompaction()) {
      while (blocks.compacting) {
        if (turnDone(blocks.compactSome(STATE_WARM_VISITS_PER_TURN))) yield;
      }
    }
    const stale = blocks.staleBlocks(format);
    for (const block of stale) yield* this.warmTaskBlock(blocks, block, format, turnDone);
    return found + stale.length;
  }

  /** `/master/state` for `context`, as pieces to write in order. */
  render(context: StateContext): StateParts {
    const { state } = context;
    const viewer = context.viewer ?? SEE_ALL;
    const parts: StateParts = [JSON.stringify(renderStateHeader(context)).slice(0, -1), ',"slaves":['];
    this.startTail(parts);
    this.applyChanges();
    this.pushAgents(parts, 'state', viewer, (agent) => JSON.stringify(renderAgent(state, agent, viewer)));
    parts.push(`],"recovered_slaves":${JSON.stringify(renderRecoveredAgents(state))},"frameworks":[`);
    this.pushFrameworkLists(parts, viewer);
    parts.push(',"orphan_tasks":[]}');
    return parts;
  }

  /** `/master/state-summary` for `context`, as pieces to write in order. */
  renderSummary(context: StateContext): StateParts {
    const { state } = context;
    const viewer = context.viewer ?? SEE_ALL;
    this.applyChanges();
    this.takeSummaryChanges();
    const parts: StateParts = [JSON.stringify(renderSummaryHeader(context)).slice(0, -1), ',"slaves":['];
    this.startTail(parts);
    this.pushAgents(parts, 'summary', viewer, (agent) => JSON.stringify(renderAgentSummary(state, agent, viewer)));
    parts.push('],"frameworks":[');
    let first = true;
    for (const framework of state.frameworks.values()) {
      if (!viewer.framework(framework.info.user)) continue;
      if (!first) parts.push(',');
      first = false;
      // Its offers summed after the warming changed: the sum is left to later turns past the bound.
      const tail = this.deferring(framework, state.keptOfferedSum(framework) === undefined);
      if (tail === undefined) parts.push(JSON.stringify(renderFrameworkSummary(state, framework)));
      else tail.deferSummary(framework, parts.push('') - 1);
    }
    parts.push(']}');
    return parts;
  }

  /** `/master/slaves` (every agent) for `context`, as pieces to write in order. */
  renderSlaves(context: StateContext): StateParts {
    const { state } = context;
    const viewer = context.viewer ?? SEE_ALL;
    this.applyChanges();
    const parts: StateParts = ['{"slaves":['];
    this.pushAgents(parts, 'slaves', viewer, (agent) => JSON.stringify(renderSlave(state, agent, viewer)));
    parts.push(`],"recovered_slaves":${JSON.stringify(renderRecoveredAgents(state))}}`);
    return parts;
  }

  /** `/master/frameworks` (every framework) for `context`, as pieces to write in order: `/master/state`'s frameworks. */
  renderFrameworks(context: StateContext): StateParts {
    this.applyChanges();
    const parts: StateParts = ['{"frameworks":['];
    this.startTail(parts);
    this.pushFrameworkLists(parts, context.viewer ?? SEE_ALL);
    parts.push('}');
    return parts;
  }

  /**
   * `format`'s agents as `viewer` sees them: the kept texts, except that what a viewer with ACLs
   * sees of an agent with reservations is its own (`renderFor`), and, in the formats that filter
   * each resource by the role it is allocated or offered to (`ALLOCATION_FILTERED_FORMATS`), of
   * an agent where something is allocated or offered to a role the viewer may not view.
   */
  private pushAgents(parts: StateParts, format: StateFormat, viewer: StateViewer, renderFor: (agent: AgentRecord) => string): void {
    if (viewer === SEE_ALL) {
      this.agents(format).push(parts, this.state);
      return;
    }
    let own: ReadonlySet<string> = this.reservedAgents;
    if (ALLOCATION_FILTERED_FORMATS.has(format)) {
      const hidden = this.state.agentsAllocatedTo((role) => !viewer.role(role));
      if (hidden.size > 0) own = new Set([...this.reservedAgents, ...hidden]);
    }
    this.agents(format).push(parts, this.state, own, renderFor);
  }

  /** The registered frameworks' items, then `],"completed_frameworks":[...],"unregistered_frameworks":[]` (the caller opened the first list). */
  private pushFrameworkLists(parts: StateParts, viewer: StateViewer): void {
    this.pushFrameworks(parts, this.state.frameworks.values(), viewer);
    parts.push('],"completed_frameworks":[');
    this.pushFrameworks(parts, this.state.completedFrameworks, viewer);
    parts.push('],"unregistered_frameworks":[]');
  }

  /** Each role's breakdown as of now, for `/master/roles` and GET_ROLES (`renderRoles`, `v1GetRoles`). */
  roleBreakdowns(): Map<string, RoleBreakdown> {
    this.applyChanges();
    return this.sums().breakdowns(this.state);
  }

  /**
   * `/master/tasks` for `context` and the page asked for, as pieces to write in order. Armed
   * (`armTail`), a page (no `task_id`) that may look at more than `lastTurnTasks` tasks
   * (`copiedTasksPage`) is left to later turns (`fill`): its frameworks' orders copied now, each
   * task as it is now (one that changes before the page reaches it is kept as it was).
   */
  renderTasks(context: StateContext, query: TasksQuery, page: TasksPage): StateParts {
    const parts: StateParts = ['{"tasks":['];
    this.startTail(parts);
    const tail = this.tail;
    // Left to later turns, the fill writes the tasks after the parts so far, and closes them.
    if (tail instanceof RenderingTail && query.task_id === undefined && tail.deferTasksPage(context, query, page, this.lastTurnTasks, (task) => this.currentTaskFragment(task).text)) return parts;
    pushList(parts, selectTasks(context, query, page), (task) => this.taskText(task, 'state'));
    parts.push(']}');
    return parts;
  }

  /**
   * The operator API's GET_STATE answer (`{"type":"GET_STATE","get_state":{...}}`) for `context`,
   * as pieces to write in order; with `envelope`, the `get_state` object between its `open` and
   * `close` instead (the event stream's SUBSCRIBED: `v1SubscribedEnvelope`).
   */
  renderV1State(context: V1Context, envelope: V1StateEnvelope = V1_GET_STATE_ENVELOPE): StateParts {
    this.applyChanges();
    const parts: StateParts = [`${envelope.open}{"get_tasks":{`];
    this.startTail(parts, context);
    this.pushV1Section(parts, context, 'GET_TASKS');
    parts.push('},"get_executors":{');
    this.pushV1Section(parts, context, 'GET_EXECUTORS');
    parts.push('},"get_frameworks":{');
    this.pushV1Section(parts, context, 'GET_FRAMEWORKS');
    parts.push('},"get_agents":{');
    this.pushV1Section(parts, context, 'GET_AGENTS');
    parts.push(`}}${envelope.close}`);
    return parts;
  }

  /** The operator API's answer to `call`, one of GET_STATE's parts alone (`{"type":"GET_TASKS","get_tasks":{...}}`), as pieces to write in order. */
  renderV1Part(context: V1Context, call: V1StatePart): StateParts {
    // Only GET_AGENTS shows agents: the changed ones wait for the next rendering that does (at
    // 100k agents, each with its offer made again after the warming, applying them all to every
    // format's blocks took GET_FRAMEWORKS' last turn ~40-60 ms).
    if (call === 'GET_AGENTS') this.applyChanges();
    const parts: StateParts = [`{"type":"${call}","${call.toLowerCase()}":{`];
    this.startTail(parts, context);
    this.pushV1Section(parts, context, call);
    parts.push('}}');
    return parts;
  }

  /** The fields of `call`'s answer: each list always, `[]` when empty, as the fresh rendering (and Mesos' `jsonifyGetAgents` and the like) writes it. */
  private pushV1Section(parts: StateParts, context: V1Context, call: V1StatePart): void {
    const { state } = context;
    const viewer = context.viewer ?? SEE_ALL;
    const fields = new ListFields(parts);
    if (call === 'GET_AGENTS') {
      fields.open('agents');
      // An agent with reservations is rendered for a viewer who may not view every role (`view_roles`).
      if (state.agents.size > 0) this.pushAgents(parts, 'v1', viewer, (agent) => JSON.stringify(v1Agent(state, agent, viewer)));
      parts.push(']');
      fields.list('recovered_agents', v1RecoveredAgents(state, viewer), (agent) => JSON.stringify(agent));
      return;
    }
    const frameworks = [...state.frameworks.values()].filter((framework) => viewer.framework(framework.info.user));
    const completedFrameworks = state.completedFrameworks.filter((framework) => viewer.framework(framework.info.user));
    if (call === 'GET_TASKS') {
      const withTasks = [...frameworks, ...completedFrameworks]
        .map((framework) => ({ framework, visibility: taskVisibility(viewer, framework.info.user, framework.tasksNameUsers) }))
        .filter(({ visibility }) => visibility !== false);
      // Each registered framework's changes applied first: they say which kept completed tasks' texts are stale.
      for (const { framework } of withTasks) this.liveTaskBlocks(framework);
      const parted: StateParts = [];
      let first = true;
      for (const { framework, visibility } of withTasks) first = this.pushLiveTasks(parted, framework, 'v1', first, visibility);
      fields.open('tasks');
      for (const part of parted) parts.push(part);
      parts.push(']');
      // Each framework's unreachable tasks' text is kept too (up to --max_unreachable_tasks_per_framework).
      const unreachable = withTasks.filter(({ framework }) => framework.unreachableTasks.size > 0).flatMap(({ framework, visibility }) => this.unreachablePieces(framework, 'v1', false, visibility));
      fields.list('unreachable_tasks', unreachable, (piece) => piece);
      // Each framework's completed tasks' text is kept (a framework keeps up to --max_completed_tasks_per_framework).
      const completed = withTasks.filter(({ framework }) => framework.completedTasks.length > 0).map(({ framework, visibility }) => this.completedText(framework, 'v1', visibility)).filter((text) => text !== '');
      fields.list('completed_tasks', completed, (text) => text);
    } else if (call === 'GET_EXECUTORS') {
      const executors = frameworks.flatMap((framework) => [...state.frameworkExecutors(framework.id)].filter(([executor]) => executorVisible(viewer, executor.info, framework.info.user)));
      fields.list('executors', executors, ([executor, agentId]) => this.executorText(executor, agentId, 'v1'));
    } else {
      for (const [name, list] of [['frameworks', frameworks], ['completed_frameworks', completedFrameworks]] as const) {
        fields.open(name);
        list.forEach((framework, index) => this.pushFrameworkV1(parts, context, framework, index > 0));
        parts.push(']');
      }
    }
  }

  // ---- keeping up with the books ------------------------------------------------------------------

  /** Takes the books' changed agents into every format's blocks, all of them. */
  private applyChanges(): void {
    this.takeChanges();
    this.applySome(Infinity);
  }

  /** Takes the books' list of changed agents into `backlog` (or, on 'all', starts every format over). */
  private takeChanges(): void {
    const state = this.state;
    const changed = state.takeChangedAgents();
    if (changed === 'all') {
      this.backlog = [];
      this.cursor = undefined;
      for (const blocks of Object.values(this.agentBlocks)) blocks.apply(state, 'all');
      this.roleSums?.restart(state);
      this.reservedAgents.clear();
      for (const agent of state.agents.values()) if (agent.total.hasReservations()) this.reservedAgents.add(agent.id);
      return;
    }
    if (changed.length > 0) this.backlog.push(changed);
  }

  /** Applies up to `limit` changes of `backlog` to every format's blocks; whether any are left. */
  private applySome(limit: number, overBudget: () => boolean = NEVER): boolean {
    for (let applied = 0; applied < limit;) {
      const slice = this.applySlice(Math.min(STATE_APPLIED_PER_SLICE, limit - applied));
      applied += slice;
      if (slice === 0 || overBudget()) break;
    }
    return this.backlog.length > 0;
  }

  /** Applies up to `limit` changed agents of the backlog to every format; how many it took from it. */
  private applySlice(limit: number): number {
    const state = this.state;
    // A set: the books' list may name an agent twice (removed, then back), and a slice applies each once.
    const ids = new Set<string>();
    let taken = 0;
    while (taken < limit) {
      if (this.cursor === undefined) {
        const next = this.backlog[0];
        if (next === undefined) break;
        this.cursor = next.values();
      }
      const step = this.cursor.next();
      if (step.done === true) {
        this.cursor = undefined;
        this.backlog.shift();
        continue;
      }
      ids.add(step.value);
      taken++;
    }
    if (ids.size > 0) {
      for (const blocks of Object.values(this.agentBlocks)) blocks.apply(state, ids);
      this.roleSums?.changed(ids);
      for (const id of ids) {
        const agent = state.agents.get(id);
        if (agent !== undefined && agent.total.hasReservations()) this.reservedAgents.add(id);
        else this.reservedAgents.delete(id);
      }
    }
    return taken;
  }

  /**
   * Marks the summary's agents whose counts or frameworks changed since it last looked (the books
   * keep the counts as tasks change, `MasterState.taskSummaries`) to be rendered again.
   */
  private takeSummaryChanges(): void {
    const changed = this.state.taskSummaries.takeChangedAgents();
    if (changed === 'all') this.agents('summary').apply(this.state, 'all');
    else for (const agentId of changed) this.agents('summary').invalidate(agentId);
  }

  // ---- frameworks ---------------------------------------------------------------------------------

  private pushFrameworks(parts: StateParts, frameworks: Iterable<FrameworkRecord>, viewer: StateViewer): void {
    let first = true;
    for (const framework of frameworks) {
      const user = framework.info.user;
      if (!viewer.framework(user)) continue;
      const comma = first ? '' : ',';
      first = false;
      const tail = this.deferring(framework, viewer !== SEE_ALL || this.fragmentsOf(framework).full === undefined);
      if (viewer === SEE_ALL && tail === undefined) {
        if (comma !== '') parts.push(comma);
        for (const part of this.frameworkFull(framework)) parts.push(part);
        continue;
      }
      parts.push(comma);
      this.pushFramework(parts, framework, taskVisibility(viewer, user, framework.tasksNameUsers), viewer, tail);
    }
  }

  /** A framework's fragments, new ones if it changed. */
  private fragmentsOf(framework: FrameworkRecord): FrameworkFragments {
    const kept = framework.rendered as FrameworkFragments | undefined;
    if (kept !== undefined && kept.stamp === framework.stamp && kept.info === framework.info && kept.pid === framework.pid && kept.active === framework.active
      && kept.connected === framework.connected && kept.recovered === framework.recovered
      && kept.reregisteredTimeMs === framework.reregisteredTimeMs && kept.unregisteredTimeMs === framework.unregisteredTimeMs) {
      return kept;
    }
    const fragments: FrameworkFragments = {
      info: framework.info, pid: framework.pid, active: framework.active, connected: framework.connected, recovered: framework.recovered,
      reregisteredTimeMs: framework.reregisteredTimeMs, unregisteredTimeMs: framework.unregisteredTimeMs, stamp: framework.stamp,
    };
    framework.rendered = fragments;
    return fragments;
  }

  /**
   * A framework's whole `/master/state` text, as a caller who may see all of it sees it: pieces
   * (joined into one string, with a framework of 100k tasks the last turn took 278-283 ms,
   * walking and joining them), kept while it is current.
   */
  private frameworkFull(framework: FrameworkRecord): StateParts {
    const fragments = this.fragmentsOf(framework);
    if (fragments.full === undefined) {
      const parts: StateParts = [];
      this.pushFramework(parts, framework, true, SEE_ALL);
      fragments.full = parts;
    }
    return fragments.full;
  }

  private frameworkHead(framework: FrameworkRecord): string {
    const fragments = this.fragmentsOf(framework);
    if (fragments.head === undefined) {
      this.counter.rendered++;
      fragments.head = JSON.stringify(renderFrameworkHeader(this.state, framework)).slice(0, -1);
    }
    return fragments.head;
  }

  /** A framework's GET_STATE head (all but its offers), kept while it is current. */
  private frameworkV1Head(framework: FrameworkRecord): string {
    const fragments = this.fragmentsOf(framework);
    if (fragments.v1Head === undefined) {
      this.counter.rendered++;
      fragments.v1Head = JSON.stringify(v1FrameworkHead(this.state, framework)).slice(0, -1);
    }
    return fragments.v1Head;
  }

  /**
   * A framework's GET_STATE text, as pieces: its head, then its offers. Kept while the framework
   * is (`fragmentsOf`: its stamp moves too when an agent holding one of its offers gets a new
   * address or goes). Pieces, not one string: a framework holding 10k offers would otherwise copy
   * ~15 MB into one string in the last turn (34 ms measured).
   */
  private pushFrameworkV1(parts: StateParts, context: V1Context, framework: FrameworkRecord, comma: boolean): void {
    if (comma) parts.push(',');
    const fragments = this.fragmentsOf(framework);
    let made = fragments.v1Pieces;
    const tail = made === undefined ? this.deferring(framework, true) : undefined;
    if (tail !== undefined) {
      const job = tail.defer(framework, 'v1', fragments.v1Head);
      job.headSlot = parts.push('') - 1;
      return;
    }
    if (made === undefined) {
      const pieces = new OfferPieces();
      for (const record of framework.offerIds.records()) pieces.add(this.v1OfferText(context, record));
      made = pieces.end(this.frameworkV1Head(framework));
      if (pieces.complete) fragments.v1Pieces = made;
    }
    for (const piece of made) parts.push(piece);
  }

  /**
   * An offer's GET_STATE text, kept while its agent's info and pid are those it was rendered with
   * (an offer shows its agent's address); undefined while no agent of its id is registered (not
   * kept: one may come back).
   */
  private v1OfferText(context: V1Context, record: OfferRecord): string | undefined {
    const added = record.agentRecord;
    const agent = added !== undefined && added.listed ? added : this.state.agents.get(record.offer.agentId);
    if (agent === undefined) return undefined;
    const kept = offerTexts(record);
    const v1 = kept.v1;
    if (v1 !== undefined && v1.info === agent.info && v1.pid === agent.pid) return v1.text;
    this.counter.rendered++;
    const offer = v1FrameworkOffer(context, record);
    const text = offer === undefined ? undefined : JSON.stringify(offer);
    if (text !== undefined) kept.v1 = { info: agent.info, pid: agent.pid, text };
    return text;
  }

  /** An offer's GET_STATE text with its agent as a rendering saw it (`RenderingTail`): its kept text if rendered with that agent's info and pid. */
  private v1OfferTextAsSeen(record: OfferRecord, seen: SeenAgent | null): string | undefined {
    if (seen === null) return undefined;
    const v1 = offerTexts(record).v1;
    if (v1 !== undefined && v1.info === seen.info && v1.pid === seen.pid) return v1.text;
    this.counter.rendered++;
    return JSON.stringify(v1Offer(record.offer, seen.endpoint));
  }

  // ---- offers left to later turns -------------------------------------------------------------------

  /** An offer's GET_STATE text in a tail: with its agent as the last turn saw it. */
  private tailV1OfferText(tail: RenderingTail, record: OfferRecord): string | undefined {
    const seen = tail.seenAgent(record.offer.agentId);
    if (seen !== undefined) return this.v1OfferTextAsSeen(record, seen);
    return tail.v1Context === undefined ? undefined : this.v1OfferText(tail.v1Context, record);
  }

  /**
   * Arms the next rendering (`render`, `renderFrameworks`, `renderV1State`, `renderV1Part`,
   * `renderTasks`) to leave for later turns (`RenderingTail`) the offers of frameworks whose
   * pieces are not kept, past `STATE_LAST_TURN_OFFERS` walked, or a large tasks page: the
   * master's last turn of a state request. `takeDeferred` says what it left.
   */
  armTail(): void {
    this.tail = 'armed';
  }

  /**
   * What the rendering armed by `armTail` left, if anything (disarming it): its parts hold a
   * placeholder for each framework left until `fill` has run to its end.
   */
  takeDeferred(): RenderingTail | undefined {
    const tail = this.tail;
    this.tail = undefined;
    if (tail === undefined || tail === 'armed') return undefined;
    if (tail.empty) {
      tail.abandon();
      return undefined;
    }
    return tail;
  }

  private startTail(parts: StateParts, v1Context?: V1Context): void {
    const tail = this.tail;
    if (tail === 'armed') {
      this.tail = new RenderingTail(parts, this.state, v1Context);
      return;
    }
    // A tail an earlier rendering left and nobody took (`takeDeferred`): this rendering is not
    // armed, so it defers nothing; the stale tail would leave unfilled placeholders in it.
    if (tail !== undefined) {
      tail.abandon();
      this.tail = undefined;
    }
  }

  /** The armed rendering's tail, if `framework`'s offers are to be left to it (`changed`: its pieces are not kept); else counts them as walked now. */
  private deferring(framework: FrameworkRecord, changed: boolean): RenderingTail | undefined {
    const tail = this.tail;
    if (tail === undefined || tail === 'armed' || !changed) return undefined;
    const offers = framework.offerIds.size;
    if (offers === 0) return undefined;
    if (tail.walked + offers <= this.lastTurnOffers) {
      tail.walked += offers;
      return undefined;
    }
    return tail;
  }

  /**
   * Renders what `tail` left, a turn's worth per `next()` (as `warm` does), and puts it in its
   * parts when done. Stopped before its end (`return()`), call `tail.abandon()` too: a generator
   * stopped before its first `next()` runs none of its own cleanup.
   */
  *fill(tail: RenderingTail, overBudget: () => boolean = NEVER): Generator<void, void, void> {
    let visits = 0;
    let mark = this.counter.rendered;
    const turnDone = (): boolean => {
      visits++;
      if (this.counter.rendered - mark < STATE_WARM_RENDERS_PER_TURN && visits < STATE_WARM_VISITS_PER_TURN && !overBudget()) return false;
      mark = this.counter.rendered;
      visits = 0;
      return true;
    };
    try {
      const page = tail.tasksPage;
      if (page !== undefined) {
        const parts = tail.parts;
        let first = true;
        for (let task = page.merge.step(); task !== undefined; task = page.merge.step()) {
          if (task !== null) {
            const was = page.asItWas.get(task);
            const text = was === undefined ? this.taskText(task, 'state') : typeof was === 'string' ? was : this.renderedCopy(was);
            parts.push(first ? text : `,${text}`);
            first = false;
          }
          // A task passed over (hidden, or before the offset) counts as one looked at too.
          if (turnDone()) yield;
        }
        parts.push(']}');
      }
      for (const job of tail.jobs) {
        const records = job.view.records();
        job.view.release();
        const offered = new RoleSplitSum();
        for (const record of records) {
          const text = job.format === 'summary' ? undefined : job.format === 'v1' ? this.tailV1OfferText(tail, record) : this.offerText(record);
          if (text !== undefined) job.offers.push(job.offers.length === 0 ? text : `,${text}`);
          offered.add(record.offer.allocationRole, record.resources);
          if (turnDone()) yield;
        }
        if (job.summary !== undefined) {
          this.counter.rendered++;
          // The key is there already: its place in the text is kept.
          job.summary.offered_resources = renderResources(offered.total);
          job.headText = JSON.stringify(job.summary);
        } else if (job.headText === undefined) {
          this.counter.rendered++;
          const used = job.used;
          job.headText = JSON.stringify(used instanceof Resources
            ? renderFrameworkHeader(this.state, job.framework, { used, offered: offered.total })
            : v1FrameworkHead(this.state, job.framework, { used, offered: offered.byRole })).slice(0, -1);
        }
        if (turnDone()) yield;
      }
      tail.finish();
    } finally {
      tail.abandon();
    }
  }

  private pushFramework(parts: StateParts, framework: FrameworkRecord, tasksVisible: TaskVisibility, viewer: StateViewer, tail?: RenderingTail): void {
    const state = this.state;
    const job = tail?.defer(framework, 'state', this.fragmentsOf(framework).head);
    if (job === undefined) parts.push(this.frameworkHead(framework));
    else if (job.headText !== undefined) parts.push(job.headText);
    else job.headSlot = parts.push('') - 1;
    parts.push(',"tasks":[');
    if (tasksVisible !== false) this.pushLiveTasks(parts, framework, 'state', true, tasksVisible);
    parts.push('],"unreachable_tasks":[');
    if (tasksVisible !== false) pushList(parts, this.unreachablePieces(framework, 'state', false, tasksVisible), (piece) => piece);
    parts.push('],"completed_tasks":[');
    if (tasksVisible !== false) parts.push(this.completedText(framework, 'state', tasksVisible));
    parts.push('],"offers":[');
    if (job !== undefined) job.offersSlot = parts.push('') - 1;
    else pushList(parts, framework.offerIds.records(), (record) => this.offerText(record));
    parts.push('],"executors":[');
    pushList(parts, state.frameworkExecutors(framework.id), ([executor, agentId]) => (executorVisible(viewer, executor.info, framework.info.user) ? this.executorText(executor, agentId) : undefined));
    parts.push(']}');
  }

  // ---- tasks, executors, offers -------------------------------------------------------------------

  /**
   * A registered framework's live tasks in blocks, up to date with what the books say changed;
   * undefined for a completed framework (the books note no change of its tasks: they are walked).
   */
  private liveTaskBlocks(framework: FrameworkRecord): TaskBlocks | undefined {
    const blocks = this.taskBlocksOf(framework);
    if (blocks === undefined) return undefined;
    blocks.applySome();
    this.noteEndedChanges(framework, blocks);
    return blocks;
  }

  /** A registered framework's live tasks in blocks, the books' changes taken (not applied yet); undefined for a completed framework. */
  private taskBlocksOf(framework: FrameworkRecord): TaskBlocks | undefined {
    if (this.state.frameworks.get(framework.id) !== framework) return undefined;
    let blocks = this.taskBlocks.get(framework);
    if (blocks === undefined) this.taskBlocks.set(framework, (blocks = new TaskBlocks(framework)));
    blocks.take(this.state.takeTaskChanges(framework));
    return blocks;
  }

  /** A task kept as completed that changed (the books allow an update about one not terminal yet) is somewhere in the completed tasks' texts. */
  private noteEndedChanges(framework: FrameworkRecord, blocks: TaskBlocks): void {
    if (!blocks.takeEndedChanged()) return;
    this.completed.delete(framework);
    this.unreachable.delete(framework);
  }

  /**
   * Renders the task texts `block` is missing a task at a time (a turn may end inside a block),
   * and joins it in the turn that finds none missing; at most `STATE_WARM_PASSES_PER_BLOCK`
   * passes (tasks that keep changing or coming meanwhile leave the block to the last turn).
   */
  private *warmTaskBlock(blocks: TaskBlocks, block: TaskBlock, format: TaskFormat, turnDone: (visited?: number, uncounted?: number) => boolean): Generator<void, void, void> {
    for (let pass = 0; pass < STATE_WARM_PASSES_PER_BLOCK; pass++) {
      if (!blocks.isStale(block, format)) return;
      const looked = blocks.liveTasksOf(block);
      const missing = looked.filter((task) => this.currentTaskFragment(task)[textField(format)] === undefined);
      if (missing.length === 0) {
        if (turnDone(blocks.join(block, format, this.textOf))) yield;
        return;
      }
      if (turnDone(looked.length)) yield;
      for (const task of missing) {
        const before = this.counter.rendered;
        this.taskText(task, format);
        const rendered = this.counter.rendered - before;
        if (turnDone(rendered * STATE_TASK_RENDER_VISITS, rendered)) yield;
      }
    }
  }

  /**
   * Pushes `framework`'s live tasks' `format` texts (those `visibility` lets be seen),
   * comma-separated, after a comma unless `first`; whether it is still first (it pushed nothing).
   */
  private pushLiveTasks(parts: StateParts, framework: FrameworkRecord, format: TaskFormat, first = true, visibility: TaskVisibility = true): boolean {
    const blocks = this.liveTaskBlocks(framework);
    if (visibility === false) return first;
    if (blocks !== undefined && visibility === true) return blocks.push(parts, format, this.textOf, first);
    for (const task of liveTasks(framework)) {
      if (!taskVisible(visibility, task)) continue;
      const text = this.taskText(task, format);
      parts.push(first ? text : `,${text}`);
      first = false;
    }
    return first;
  }

  /** What is kept of `task`'s texts: a new (empty) fragment when it changed since. */
  private currentTaskFragment(task: Task): TaskFragment {
    const statuses = task.statuses?.length ?? 0;
    const last = task.statuses?.[statuses - 1];
    let kept = this.tasks.get(task);
    if (kept === undefined || kept.state !== task.state || kept.statuses !== statuses || kept.last !== last
      || kept.statusUpdateState !== task.statusUpdateState || kept.statusUpdateUuid !== task.statusUpdateUuid) {
      kept = { state: task.state, statuses, last, statusUpdateState: task.statusUpdateState, statusUpdateUuid: task.statusUpdateUuid };
      this.tasks.set(task, kept);
    }
    return kept;
  }

  /** `/master/state`'s text of a copy of a task as it was (a tasks page's), not kept. */
  private renderedCopy(task: Task): string {
    this.counter.rendered++;
    return JSON.stringify(renderTask(task));
  }

  private taskText(task: Task, format: TaskFormat): string {
    const kept = this.currentTaskFragment(task);
    const field = textField(format);
    let text = kept[field];
    if (text === undefined) {
      this.counter.rendered++;
      text = JSON.stringify(format === 'v1' ? v1Task(task) : renderTask(task));
      kept[field] = text;
    }
    return text;
  }

  /**
   * What a framework's kept completed or unreachable tasks' text also waits on: nothing for a
   * registered one (the books note its changed tasks), its stamp for a completed one.
   */
  private endedListStamp(framework: FrameworkRecord): number | undefined {
    return this.state.frameworks.get(framework.id) === framework ? undefined : framework.stamp;
  }

  /** `framework`'s completed tasks' texts, comma-separated ('' for none); kept when all are visible. */
  private completedText(framework: FrameworkRecord, format: TaskFormat, visibility: TaskVisibility = true): string {
    const list = framework.completedTasks;
    if (visibility !== true) return visibleTasks(visibility, list).map((task) => this.taskText(task, format)).join(',');
    const first = list[0];
    const last = list[list.length - 1];
    const stamp = this.endedListStamp(framework);
    let kept = this.completed.get(framework);
    if (kept === undefined) this.completed.set(framework, (kept = {}));
    const fragment = kept[format];
    if (fragment !== undefined && fragment.length === list.length && fragment.first === first && fragment.last === last && fragment.stamp === stamp) return fragment.text;
    const text = list.map((task) => this.taskText(task, format)).join(',');
    kept[format] = { length: list.length, first, last, stamp, text };
    return text;
  }

  /**
   * A framework's unreachable tasks' texts, comma-separated, as one piece when kept (see
   * `UnreachableFragment`). Joined and kept only when `join` (a warming turn, which counts the
   * tasks): the last turn pushes them a task at a time instead, as it did before they were kept
   * (joining 100 frameworks' 1,000 each there took 220-480 ms: most of it making the strings).
   */
  private unreachablePieces(framework: FrameworkRecord, format: TaskFormat, join: boolean, visibility: TaskVisibility = true): string[] {
    if (visibility !== true) return visibleTasks(visibility, framework.unreachableTasks.values()).map((task) => this.taskText(task, format));
    const stamp = this.endedListStamp(framework);
    let kept = this.unreachable.get(framework);
    if (kept === undefined) this.unreachable.set(framework, (kept = {}));
    const fragment = kept[format];
    if (fragment !== undefined && fragment.version === framework.unreachableVersion && fragment.stamp === stamp) return [fragment.text];
    const texts = [...framework.unreachableTasks.values()].map((task) => this.taskText(task, format));
    if (!join) return texts;
    const text = texts.join(',');
    kept[format] = { version: framework.unreachableVersion, stamp, text };
    return [text];
  }

  /** An executor's text in `format` (an executor stays on one agent, and its record never changes). */
  private executorText(executor: TrackedExecutor, agentId: string, format: 'state' | 'v1' = 'state'): string {
    let kept = this.executors.get(executor);
    if (kept === undefined) this.executors.set(executor, (kept = {}));
    let text = format === 'v1' ? kept.v1 : kept.text;
    if (text === undefined) {
      this.counter.rendered++;
      text = JSON.stringify(format === 'v1' ? v1Executor(executor, agentId) : renderExecutor(executor.info, executor.resources, agentId, executor.role));
      if (format === 'v1') kept.v1 = text;
      else kept.text = text;
    }
    return text;
  }

  private offerText(record: OfferRecord): string {
    const kept = offerTexts(record);
    if (kept.text !== undefined) return kept.text;
    this.counter.rendered++;
    kept.text = JSON.stringify(renderOffer(record.offer, record.resources));
    return kept.text;
  }
}

/**
 * The lists of a GET_STATE part in JSON, written as they come, each always (`[]` when empty), as
 * Mesos' writers of these answers (`jsonifyGetTasks` and the like) write them.
 */
class ListFields {
  private first = true;

  constructor(private readonly parts: StateParts) {}

  /** `"name":[` (the caller writes the items and `]`). */
  open(name: string): void {
    this.parts.push(`${this.first ? '' : ','}"${name}":[`);
    this.first = false;
  }

  /** `"name":[...]`, `"name":[]` when there are no items. */
  list<T>(name: string, items: readonly T[], text: (item: T) => string): void {
    this.open(name);
    pushList(this.parts, items, text);
    this.parts.push(']');
  }
}

/** An agent as a rendering left to later turns saw it (`RenderingTail`): what its offers' GET_STATE texts show of it. */
interface SeenAgent {
  readonly info: unknown;
  readonly pid: unknown;
  readonly endpoint: AgentEndpoint;
}

/** A framework whose offers a rendering's last turn left to later turns. */
interface OfferJob {
  readonly format: 'state' | 'v1' | 'summary';
  /** Its fields as the last turn saw them (the record's own fields are replaced, never changed, as it changes). */
  readonly framework: FrameworkRecord;
  /** What it used as the last turn saw it: by role for GET_STATE's head (`format` 'v1'), else in all. */
  readonly used: Resources | ResourcesByRole;
  readonly view: OfferListView<OfferRecord>;
  /** Its head (kept, or made once its offers are summed). */
  headText: string | undefined;
  /** The offers' texts, in order. */
  readonly offers: string[];
  /** `/master/state-summary`'s entry as the last turn saw it, but its offered resources (set once summed). */
  summary?: Record<string, unknown>;
  /** Where in the parts its head goes (v1, summary: the whole framework), and (`state`) its offers. */
  headSlot: number;
  offersSlot: number;
}

/** A `/master/tasks` page left to later turns (`RenderingTail.deferTasksPage`). */
interface TasksPageJob {
  readonly merge: TaskPageMerge;
  /** Each task that changed after the page's turn as it was then: its text, or its fields to render. */
  readonly asItWas: Map<Task, string | Task>;
}

/**
 * What a state rendering's last turn left to later turns: frameworks whose offers changed after
 * the warming, each with a copy-on-write view of its offers as they were (`OfferList.view`) and
 * its fields and used resources then. GET_STATE's offers show their agents' addresses: an agent
 * about to change (`MasterState.watchOfferAgents`) is remembered as it was. Or a `/master/tasks`
 * page, merged and written in those turns (`deferTasksPage`).
 */
export class RenderingTail {
  readonly jobs: OfferJob[] = [];
  /** A `/master/tasks` page left to later turns (`deferTasksPage`), if the rendering is one. */
  tasksPage: TasksPageJob | undefined;
  private unwatchTasks: (() => void) | undefined;
  /** Offers the last turn walked itself (`STATE_LAST_TURN_OFFERS`). */
  walked = 0;
  private readonly seen = new Map<string, SeenAgent | null>();
  private unwatch: (() => void) | undefined;

  constructor(readonly parts: StateParts, private readonly state: MasterState, readonly v1Context: V1Context | undefined) {}

  get empty(): boolean {
    return this.jobs.length === 0 && this.tasksPage === undefined;
  }

  /**
   * Leaves a `/master/tasks` page to later turns, its frameworks' orders copied now
   * (`copiedTasksPage`), its texts written after the parts so far, then `]}` (a page is the
   * whole rendering: `{"tasks":[` before it). A task on the books now that is about to change
   * before the page is done has its order entry's time and places, and its text (`keptText`, if
   * kept) or a shallow copy of its fields, kept as they are first (`MasterState.watchTaskChanges`);
   * one kept after this turn is on no page of it. False (nothing left) for a page that may look
   * at no more than `bound` tasks: it is put together at once.
   */
  deferTasksPage(context: StateContext, query: TasksQuery, page: TasksPage, bound: number, keptText: (task: Task) => string | undefined): boolean {
    const entries = new Map<TaskOrderEntry, EntryAsItWas>();
    const texts = new Map<Task, string | Task>();
    const keptBefore = this.state.nextTaskOrderSeq;
    const copied = copiedTasksPage(context, query, page, bound, entries);
    if (copied === undefined) return false;
    const { merge, orders } = copied;
    this.unwatchTasks = this.state.watchTaskChanges((task, entry) => {
      // Only what the page copied: kept before its turn, in one of its frameworks' orders.
      if (entry === undefined || entry.seq >= keptBefore || !orders.has(entry.order) || entries.has(entry)) return;
      entries.set(entry, { time: entry.time, places: entry.places });
      // Its text if kept, else its fields as they are (a change replaces them, never changes
      // them in place), rendered when the page reaches it: rendering here made a turn removing
      // 100k tasks 307 → 1,337 ms (review).
      if (!texts.has(task)) texts.set(task, keptText(task) ?? { ...task });
    });
    this.tasksPage = { merge, asItWas: texts };
    return true;
  }

  /** Leaves `framework`'s offers (and its head, unless `keptHead`) to later turns; the caller puts the job's slots in the parts. */
  defer(framework: FrameworkRecord, format: 'state' | 'v1', keptHead: string | undefined): OfferJob {
    if (format === 'v1' && this.unwatch === undefined) this.unwatch = this.state.watchOfferAgents((agentId) => this.remember(agentId));
    const used = format === 'v1' ? this.state.frameworkUsedByRole(framework) : this.state.frameworkUsedResources(framework);
    return this.newJob(framework, format, keptHead, used);
  }

  /** Leaves `framework`'s `/master/state-summary` entry to later turns (its offers to sum), in the parts at `slot`. */
  deferSummary(framework: FrameworkRecord, slot: number): void {
    const used = this.state.frameworkUsedResources(framework);
    const job = this.newJob(framework, 'summary', undefined, used);
    job.headSlot = slot;
    job.summary = renderFrameworkSummary(this.state, framework, { used, offered: Resources.EMPTY }) as Record<string, unknown>;
  }

  /** A job for `framework` as this turn sees it (its fields, `used`: what it uses now, and its offer list), kept among the tail's. */
  private newJob(framework: FrameworkRecord, format: OfferJob['format'], headText: string | undefined, used: OfferJob['used']): OfferJob {
    const job: OfferJob = { format, framework: { ...framework }, used, view: framework.offerIds.view(), headText, offers: [], headSlot: -1, offersSlot: -1 };
    this.jobs.push(job);
    return job;
  }

  /** How GET_STATE shows the agent of `agentId` as the last turn saw it: undefined if it has not changed since (read the books), null if it was not registered. */
  seenAgent(agentId: string): SeenAgent | null | undefined {
    return this.seen.get(agentId);
  }

  /** Puts every job's texts in the parts, in place of its slots. */
  finish(): void {
    // A tasks page's fill wrote its texts in place (and 100k parts moved took 8-17 ms).
    if (this.jobs.length === 0) return;
    const bySlot = new Map<number, readonly string[]>();
    for (const job of this.jobs) {
      const head = job.headText ?? '';
      if (job.format === 'summary') {
        bySlot.set(job.headSlot, [head]);
      } else if (job.format === 'v1') {
        bySlot.set(job.headSlot, job.offers.length === 0 ? [head, '}'] : [head, ',"offers":[', ...job.offers, ']}']);
      } else {
        if (job.headSlot >= 0) bySlot.set(job.headSlot, [head]);
        bySlot.set(job.offersSlot, job.offers);
      }
    }
    const parts = this.parts;
    const made = parts.splice(0, parts.length);
    made.forEach((part, index) => {
      const slot = bySlot.get(index);
      if (slot === undefined) parts.push(part);
      else for (const piece of slot) parts.push(piece);
    });
  }

  /** Stops watching the books (and the offer lists): done, or given up. */
  abandon(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    this.unwatchTasks?.();
    this.unwatchTasks = undefined;
    for (const job of this.jobs) job.view.release();
  }

  private remember(agentId: string): void {
    if (this.seen.has(agentId) || this.v1Context === undefined) return;
    const agent = this.state.agents.get(agentId);
    const endpoint = agent === undefined ? undefined : this.v1Context.agentEndpoint(agentId);
    this.seen.set(agentId, agent === undefined || endpoint === undefined ? null : { info: agent.info, pid: agent.pid, endpoint });
  }
}

/** A framework's GET_STATE pieces as they are made: its offers, then its head put first (`"offers":[...]` left out when none shows). */
class OfferPieces {
  private readonly parts: StateParts = [''];
  private first = true;

  /** Whether every offer added showed its agent (the pieces may be kept). */
  complete = true;

  /** The next offer's text (none: its agent is gone). */
  add(text: string | undefined): void {
    if (text === undefined) {
      this.complete = false;
      return;
    }
    this.parts.push(this.first ? `,"offers":[${text}` : `,${text}`);
    this.first = false;
  }

  /** The pieces, `head` first, closed. */
  end(head: string): StateParts {
    this.parts[0] = head;
    this.parts.push(this.first ? '}' : ']}');
    return this.parts;
  }
}

function pushList<T>(parts: StateParts, items: Iterable<T>, text: (item: T) => string | undefined): void {
  let first = true;
  for (const item of items) {
    const piece = text(item);
    if (piece === undefined) continue;
    parts.push(first ? piece : `,${piece}`);
    first = false;
  }
}

function* liveTasks(framework: FrameworkRecord): Iterable<Task> {
  for (const tracked of framework.tasks.values()) yield tracked.task;
}

/** The first `count` of `items` (a live collection's iterator sees what is added meanwhile: this ends). */
function* atMost<T>(items: Iterable<T>, count: number): Iterable<T> {
  if (count <= 0) return;
  let left = count;
  for (const item of items) {
    yield item;
    if (--left <= 0) return;
  }
}
