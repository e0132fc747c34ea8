/** The DRF sorter (roles, or the frameworks of one role). */

import { Resources, fromUnits, ROLE_SEPARATOR } from '../../lib/resources';
import { ScalarTotals } from './totals';

/** Weight of a client or role path that was never given one (Mesos' default). */
export const DEFAULT_WEIGHT = 1;

/** Name of the child that carries a client's own allocation when it also has subclients. */
const SELF_NODE_NAME = '.';

/** A misuse of the sorter (unknown client, releasing more than allocated): a caller bug. */
export class SorterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SorterError';
  }
}

/** Options of a sorter. */
export interface DRFSorterOptions {
  /** Treat `/` in client names as a hierarchy (roles); otherwise names are opaque (frameworks). */
  readonly hierarchical?: boolean;
}

/**
 * Clients that take turns as one in DRF's tie-break (see `DRFSorter.add`): how many times any
 * of them was allocated to, and how many there are.
 */
interface SorterGroup {
  /** Its name (`DRFSorter.add`'s `group`). */
  readonly name: string;
  /** Allocations to any member since the group formed. */
  allocationCount: number;
  /** Clients in the group. */
  members: number;
}

/** A visitor of clients in DRF order; returning `true` stops the walk. */
export type SorterVisitor = (client: string) => boolean | void;

class SorterNode {
  /** Children that take part in sorting: active leaves and internal nodes. */
  readonly ordered: SorterNode[] = [];
  /** Inactive leaf children (never visited, kept out of `ordered`). */
  readonly inactive = new Set<SorterNode>();
  /** Children by name, active or not. */
  readonly children = new Map<string, SorterNode>();
  /** Allocated scalar units, indexed like the shared totals (missing = 0). */
  readonly allocation: number[] = [];
  /** Times this node (or a descendant) was allocated to; the first tie-breaker. */
  allocationCount = 0;
  /** Weighted dominant share, valid when the sorter is clean. */
  share = 0;
  /** Weight of this node's client path. */
  weight = DEFAULT_WEIGHT;
  /** Leaves only: whether the client is offered anything. */
  active = true;
  /** Leaves only: the group whose allocation count breaks ties before the client's own. */
  group: SorterGroup | undefined;

  constructor(
    readonly name: string,
    readonly path: string,
    readonly parent: SorterNode | undefined,
    /** The client a leaf stands for; undefined for internal nodes. */
    readonly client: string | undefined,
  ) {}
}

/**
 * A Dominant Resource Fairness sorter (Mesos' DRFSorter): orders clients (roles, or the
 * frameworks of one role) by weighted dominant share, lowest first.
 *
 * - share = max over scalar names of allocated / cluster total, divided by the weight.
 * - Ties break by allocation count (how many times the client was allocated to, lowest
 *   first, so equal-share clients take turns), then by path (string order). This is
 *   the same rule as Mesos, and it is total, so the order is deterministic.
 * - Not in Mesos: clients added with a group (the frameworks of one unauthenticated peer
 *   host, which the master cannot tell apart) break ties first by the group's allocation
 *   count, so a group takes its turn as one client: a thousand never-offered frameworks of
 *   one host do not all go ahead of a newcomer from elsewhere. Clients without a group are
 *   each their own group, which leaves the order exactly as above.
 * - Hierarchical mode (for roles): `eng/web` is a child of `eng`; a node's allocation
 *   includes its whole subtree, siblings are sorted by share, and the order is a
 *   depth-first walk of the sorted tree. A client that also has subroles competes with
 *   them through a "." child (as in Mesos). A role's weight divides its subtree's share
 *   against its siblings; its "." child competes with its subroles at the default weight,
 *   as Mesos' virtual leaf does.
 * - Each node keeps its children sorted; an allocation change shifts the changed nodes
 *   into place (O(log n) search + a shift) instead of re-sorting. A change of the
 *   cluster totals or of a weight marks the tree dirty; the next walk re-sorts all
 *   (O(n log n)).
 *
 * @example
 * const totals = new ScalarTotals();
 * totals.add(Resources.parse('cpus:10;mem:20480'));
 * const sorter = new DRFSorter(totals);
 * sorter.add('a'); sorter.add('b');
 * sorter.allocated('a', Resources.parse('cpus:3;mem:2048'));
 * sorter.sort(); // ['b', 'a']
 */
export class DRFSorter {
  /** The tree's root (not a client). */
  private readonly root = new SorterNode('', '', undefined, undefined);
  /** Leaf of every client. */
  private readonly leaves = new Map<string, SorterNode>();
  /** Weights by path, including paths with no client yet. */
  private readonly weights = new Map<string, number>();
  /** Whether `/` separates levels. */
  private readonly hierarchical: boolean;
  /** Set when shares or order may be stale for a reason other than totals. */
  private dirty = true;
  /** Groups by name (see `add`). */
  private readonly groups = new Map<string, SorterGroup>();
  /** `totals.version` when the tree was last sorted. */
  private sortedTotalsVersion = -1;

  constructor(private readonly totals: ScalarTotals, options: DRFSorterOptions = {}) {
    this.hierarchical = options.hierarchical ?? true;
  }

  /** Number of clients. */
  get size(): number {
    return this.leaves.size;
  }

  /** The clients, in no particular order. */
  clients(): IterableIterator<string> {
    return this.leaves.keys();
  }

  /** Whether `client` was added. */
  contains(client: string): boolean {
    return this.leaves.has(client);
  }

  /**
   * Adds an active client with no allocation. Clients added with the same `group` take turns
   * as one in the tie-break (non-hierarchical sorters; see the class comment).
   */
  add(client: string, group?: string): void {
    if (group !== undefined && this.hierarchical) throw new SorterError(`client '${client}': groups are for non-hierarchical sorters`);
    if (client.length === 0 || this.leaves.has(client)) {
      throw new SorterError(`cannot add client '${client}': empty or already present`);
    }
    let parent = this.root;
    if (this.hierarchical) {
      for (const name of client.split(ROLE_SEPARATOR)) {
        parent = this.internalChild(parent, name);
      }
    }
    const name = this.hierarchical ? SELF_NODE_NAME : client;
    const path = this.hierarchical ? `${client}${ROLE_SEPARATOR}${SELF_NODE_NAME}` : client;
    const leaf = new SorterNode(name, path, parent, client);
    // A role's weight is its internal node's, against its siblings. Its own leaf (".") competes with
    // its subroles at the default weight, as Mesos' virtual leaf does (its path, `eng/.`, has none).
    leaf.weight = this.hierarchical ? DEFAULT_WEIGHT : this.weights.get(client) ?? DEFAULT_WEIGHT;
    leaf.group = group === undefined ? undefined : this.joinGroup(group);
    parent.children.set(name, leaf);
    this.insertOrdered(parent, leaf);
    this.leaves.set(client, leaf);
  }

  /** Removes a client; its remaining allocation leaves its ancestors too. */
  remove(client: string): void {
    const leaf = this.leaf(client);
    const allocation = leaf.allocation.slice();
    for (let node = leaf.parent; node !== undefined; node = node.parent) {
      subtractUnits(node.allocation, allocation);
    }
    let node: SorterNode = leaf;
    while (node.parent !== undefined && node.children.size === 0) {
      const parent: SorterNode = node.parent;
      parent.children.delete(node.name);
      parent.inactive.delete(node);
      const index = parent.ordered.indexOf(node);
      if (index >= 0) {
        parent.ordered.splice(index, 1);
      }
      node = parent;
    }
    this.leaves.delete(client);
    if (leaf.group !== undefined) this.leaveGroup(leaf.group);
    this.dirty = true;
  }

  /** Makes `client` take part in the order again. */
  activate(client: string): void {
    const leaf = this.leaf(client);
    if (leaf.active) {
      return;
    }
    leaf.active = true;
    leaf.parent!.inactive.delete(leaf);
    this.insertOrdered(leaf.parent!, leaf);
  }

  /** Leaves `client` out of the order (its allocation still counts for its ancestors). */
  deactivate(client: string): void {
    const leaf = this.leaf(client);
    if (!leaf.active) {
      return;
    }
    const ordered = leaf.parent!.ordered;
    ordered.splice(this.indexIn(ordered, leaf), 1);
    leaf.active = false;
    leaf.parent!.inactive.add(leaf);
  }

  /** Whether `client` is active. */
  isActive(client: string): boolean {
    return this.leaf(client).active;
  }

  /** Sets the weight of a path (a client, or in hierarchical mode any role prefix). */
  updateWeight(path: string, weight: number): void {
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new SorterError(`weight of '${path}' must be a positive finite number, not ${weight}`);
    }
    this.weights.set(path, weight);
    for (const node of this.nodesForWeight(path)) {
      node.weight = weight;
    }
    this.dirty = true;
  }

  /** The weight in force for `path`. */
  weight(path: string): number {
    return this.weights.get(path) ?? DEFAULT_WEIGHT;
  }

  /** Records that `resources` (their scalars) were allocated to `client`. */
  allocated(client: string, resources: Resources): void {
    this.updateAllocation(this.leaf(client), this.totals.names.unitsOf(resources), 1, true);
  }

  /** Records that `resources` allocated to `client` were released; throws if more than held. */
  unallocated(client: string, resources: Resources): void {
    const leaf = this.leaf(client);
    const units = this.totals.names.unitsOf(resources);
    for (let index = 0; index < units.length; index++) {
      if ((leaf.allocation[index] ?? 0) < units[index]) {
        throw new SorterError(`client '${client}' releases more '${this.totals.nameAt(index)}' than it holds`);
      }
    }
    this.updateAllocation(leaf, units, -1, false);
  }

  /** The scalars allocated to `client` (whole units). */
  allocation(client: string): Map<string, number> {
    return this.quantitiesOf(this.leaf(client).allocation);
  }

  /** The scalars allocated to all clients together (whole units). */
  totalAllocation(): Map<string, number> {
    return this.quantitiesOf(this.root.allocation);
  }

  /** How many times `client` was allocated to. */
  allocationCount(client: string): number {
    return this.leaf(client).allocationCount;
  }

  /**
   * The weighted dominant share of `client` against the current totals: its allocation's share
   * divided by its weight (in a hierarchical sorter, the weight of its role path).
   */
  share(client: string): number {
    const leaf = this.leaf(client);
    return this.hierarchical ? this.computeShare(leaf) / this.weight(client) : this.computeShare(leaf);
  }

  /** Active clients, lowest share first. */
  sort(): string[] {
    const order: string[] = [];
    this.visit((client) => {
      order.push(client);
    });
    return order;
  }

  /**
   * Walks active clients in DRF order without building a list; `visitor` returns `true`
   * to stop. The visitor must not change this sorter (defer allocations until after).
   */
  visit(visitor: SorterVisitor): void {
    this.ensureSorted();
    visitOrdered(this.root, visitor);
  }

  private leaf(client: string): SorterNode {
    const leaf = this.leaves.get(client);
    if (leaf === undefined) {
      throw new SorterError(`unknown client '${client}'`);
    }
    return leaf;
  }

  private internalChild(parent: SorterNode, name: string): SorterNode {
    const existing = parent.children.get(name);
    if (existing !== undefined) {
      if (existing.client !== undefined) {
        throw new SorterError(`path component '${name}' collides with a client`);
      }
      return existing;
    }
    const path = parent === this.root ? name : `${parent.path}${ROLE_SEPARATOR}${name}`;
    const node = new SorterNode(name, path, parent, undefined);
    node.weight = this.weights.get(path) ?? DEFAULT_WEIGHT;
    parent.children.set(name, node);
    this.insertOrdered(parent, node);
    return node;
  }

  private nodesForWeight(path: string): SorterNode[] {
    const nodes: SorterNode[] = [];
    // A hierarchical leaf keeps the default weight (see `add`): the role's weight is its internal node's.
    const leaf = this.hierarchical ? undefined : this.leaves.get(path);
    if (leaf !== undefined) {
      nodes.push(leaf);
    }
    const internal = this.hierarchical ? this.findInternal(path) : undefined;
    if (internal !== undefined) {
      nodes.push(internal);
    }
    return nodes;
  }

  private findInternal(path: string): SorterNode | undefined {
    let node: SorterNode | undefined = this.root;
    for (const name of path.split(ROLE_SEPARATOR)) {
      node = node?.children.get(name);
    }
    return node?.client === undefined ? node : undefined;
  }

  /** Adds `units` times `sign` (the scalar units of resources allocated or released) to `leaf` and its ancestors. */
  private updateAllocation(leaf: SorterNode, units: readonly number[], sign: 1 | -1, counts: boolean): void {
    const group = counts ? leaf.group : undefined;
    // The other members' place among non-members changes too: the next walk re-sorts. When every
    // client is in this group, the group's count is equal on both sides of every comparison, so
    // no place but the leaf's own changes (the bench's 100 frameworks of one host, per agent).
    if (group !== undefined && group.members > 1 && group.members < this.leaves.size) this.dirty = true;
    const clean = this.isClean();
    for (let node: SorterNode = leaf; node !== this.root; node = node.parent!) {
      // The group's count is part of the leaf's sort key: it changes with the rest of the key,
      // after `reposition` has found the leaf by its old key.
      const countedGroup = node === leaf ? group : undefined;
      if (clean) {
        this.reposition(node, units, sign, counts, countedGroup);
      } else {
        applyDelta(node, units, sign, counts, countedGroup);
      }
    }
    applyDelta(this.root, units, sign, counts);
  }

  /** Applies `units` times `sign` to a node (as `applyDelta`) and shifts it into its sorted place (tree must be clean). */
  private reposition(node: SorterNode, units: readonly number[], sign: 1 | -1, counts: boolean, countedGroup: SorterGroup | undefined): void {
    const parent = node.parent!;
    if (node.client !== undefined && !node.active) {
      applyDelta(node, units, sign, counts, countedGroup);
      node.share = this.computeShare(node);
      return;
    }
    const ordered = parent.ordered;
    const index = this.indexIn(ordered, node);
    applyDelta(node, units, sign, counts, countedGroup);
    node.share = this.computeShare(node);
    const fitsLeft = index === 0 || compareNodes(ordered[index - 1], node) < 0;
    const fitsRight = index === ordered.length - 1 || compareNodes(node, ordered[index + 1]) < 0;
    if (fitsLeft && fitsRight) {
      return;
    }
    moveTo(ordered, index, fitsLeft ? shiftRightTarget(ordered, index, node) : shiftLeftTarget(ordered, index, node));
  }

  /** Position of `node` in a sorted list: binary search by its current key, else a scan. */
  private indexIn(ordered: readonly SorterNode[], node: SorterNode): number {
    // Nearly always the first: the client visited first, lowest share, took what was allocated.
    if (ordered[0] === node) {
      return 0;
    }
    if (this.isClean()) {
      let low = 0;
      let high = ordered.length - 1;
      while (low <= high) {
        const middle = (low + high) >>> 1;
        const order = compareNodes(ordered[middle], node);
        if (order === 0) {
          if (ordered[middle] === node) {
            return middle;
          }
          break;
        }
        if (order < 0) {
          low = middle + 1;
        } else {
          high = middle - 1;
        }
      }
    }
    const index = ordered.indexOf(node);
    if (index < 0) {
      throw new SorterError(`node '${node.path}' is missing from its parent's order`);
    }
    return index;
  }

  private insertOrdered(parent: SorterNode, node: SorterNode): void {
    if (!this.isClean()) {
      parent.ordered.push(node);
      return;
    }
    node.share = this.computeShare(node);
    parent.ordered.splice(insertionPoint(parent.ordered, node), 0, node);
  }

  /** The group named `name`, created empty if new, with one more member. */
  private joinGroup(name: string): SorterGroup {
    let group = this.groups.get(name);
    if (group === undefined) this.groups.set(name, (group = { name, allocationCount: 0, members: 0 }));
    group.members++;
    return group;
  }

  /** One member fewer; a group without members is forgotten (a new one starts its count at 0). */
  private leaveGroup(group: SorterGroup): void {
    group.members--;
    if (group.members === 0) this.groups.delete(group.name);
  }

  private isClean(): boolean {
    return !this.dirty && this.sortedTotalsVersion === this.totals.version;
  }

  private ensureSorted(): void {
    if (this.isClean()) {
      return;
    }
    this.sortSubtree(this.root);
    this.dirty = false;
    this.sortedTotalsVersion = this.totals.version;
  }

  private sortSubtree(node: SorterNode): void {
    for (const child of node.children.values()) {
      child.share = this.computeShare(child);
      if (child.client === undefined) {
        this.sortSubtree(child);
      }
    }
    node.ordered.sort(compareNodes);
  }

  private computeShare(node: SorterNode): number {
    let share = 0;
    const count = Math.min(node.allocation.length, this.totals.nameCount);
    for (let index = 0; index < count; index++) {
      // 0 for a name excluded from fair sharing: skipped, as an absent one.
      const total = this.totals.shareUnitsAt(index);
      if (total > 0) {
        const fraction = node.allocation[index] / total;
        if (fraction > share) {
          share = fraction;
        }
      }
    }
    return share / node.weight;
  }

  private quantitiesOf(units: readonly number[]): Map<string, number> {
    const quantities = new Map<string, number>();
    units.forEach((value, index) => {
      if (value !== 0) {
        quantities.set(this.totals.nameAt(index), fromUnits(value));
      }
    });
    return quantities;
  }
}

/** DRF order: share, then the group's allocation count (a client without a group is its own), then allocation count, then path. */
function compareNodes(left: SorterNode, right: SorterNode): number {
  if (left.share !== right.share) {
    return left.share < right.share ? -1 : 1;
  }
  const leftGroupCount = left.group?.allocationCount ?? left.allocationCount;
  const rightGroupCount = right.group?.allocationCount ?? right.allocationCount;
  if (leftGroupCount !== rightGroupCount) {
    return leftGroupCount < rightGroupCount ? -1 : 1;
  }
  if (left.allocationCount !== right.allocationCount) {
    return left.allocationCount < right.allocationCount ? -1 : 1;
  }
  return left.path < right.path ? -1 : left.path > right.path ? 1 : 0;
}

/** Where `node` goes in a sorted list that does not contain it (binary search). */
function insertionPoint(ordered: readonly SorterNode[], node: SorterNode): number {
  return lowerBound(ordered, node, 0, ordered.length);
}

/** The last position `node` (now at `index`) can move right to and stay sorted. */
function shiftRightTarget(ordered: readonly SorterNode[], index: number, node: SorterNode): number {
  return lowerBound(ordered, node, index + 1, ordered.length) - 1;
}

/** The first position `node` (now at `index`) can move left to and stay sorted. */
function shiftLeftTarget(ordered: readonly SorterNode[], index: number, node: SorterNode): number {
  return lowerBound(ordered, node, 0, index);
}

/** The first index in [low, high) whose node does not sort before `node` (binary search). */
function lowerBound(ordered: readonly SorterNode[], node: SorterNode, low: number, high: number): number {
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareNodes(ordered[middle], node) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Moves the element at `from` to `to`, shifting those in between by one (no allocation). */
function moveTo(ordered: SorterNode[], from: number, to: number): void {
  const node = ordered[from];
  // The common move (the first client, just allocated to, goes last): one `shift` and one `push`,
  // where the loop below writes each element (part of the allocator's 350 -> 210-225 ms at 100k
  // agents with the units read once; not measured apart).
  if (from === 0 && to === ordered.length - 1) {
    ordered.shift();
    ordered.push(node);
    return;
  }
  if (from < to) {
    for (let index = from; index < to; index++) {
      ordered[index] = ordered[index + 1];
    }
  } else {
    for (let index = from; index > to; index--) {
      ordered[index] = ordered[index - 1];
    }
  }
  ordered[to] = node;
}

function visitOrdered(node: SorterNode, visitor: SorterVisitor): boolean {
  for (const child of node.ordered) {
    const stop = child.client !== undefined ? visitor(child.client) === true : visitOrdered(child, visitor);
    if (stop) {
      return true;
    }
  }
  return false;
}

/** Adds `units` times `sign` to a node's allocation, counting an allocation when `counts` (and in `countedGroup`, the leaf's group, if given). */
function applyDelta(node: SorterNode, units: readonly number[], sign: 1 | -1, counts: boolean, countedGroup?: SorterGroup): void {
  addUnits(node.allocation, units, sign);
  if (counts) {
    node.allocationCount++;
  }
  if (countedGroup !== undefined) {
    countedGroup.allocationCount++;
  }
}

function addUnits(target: number[], units: readonly number[], sign: 1 | -1): void {
  while (target.length < units.length) {
    target.push(0);
  }
  for (let index = 0; index < units.length; index++) {
    target[index] += sign * units[index];
  }
}

function subtractUnits(target: number[], delta: readonly number[]): void {
  for (let index = 0; index < delta.length; index++) {
    target[index] -= delta[index];
  }
}
