/** Decline filters. */

import { popTop, siftUp } from '../../lib/binary-heap';
import type { Resources } from '../../lib/resources';

/** One refusal. */
export interface OfferFilter {
  /** The refused resources. */
  readonly resources: Resources;
  /** The filter no longer applies from this time on. */
  readonly expiresAtMs: number;
}

/** A filter as the expiry heap holds it: where it is kept, to find it there when it expires. */
interface HeldFilter {
  readonly role: string;
  readonly agentId: string;
  readonly filter: OfferFilter;
}

/**
 * Removed filters the expiry heap may still hold beyond the filters held, before it is rebuilt
 * from those held (a revive or a removed agent drops filters without looking for them in the heap).
 */
export const FILTER_HEAP_SLACK = 1_024;

const expiresFirst = (a: HeldFilter, b: HeldFilter): boolean => a.filter.expiresAtMs < b.filter.expiresAtMs;

/**
 * Decline filters of one framework: "do not offer me these resources on that agent for
 * that role until then". A filter applies only when the new offer is contained in what
 * was refused, so an agent with more free resources is offered again (as in Mesos).
 *
 * Expiry costs what expires, not what is held: every allocation run drops the expired filters
 * first, and at 100k agents a walk over every filter per run (and per metrics scrape) was
 * hundreds of milliseconds of the allocator's mailbox. A heap keeps the filters soonest to
 * expire first, and the number held per role is counted as filters come and go.
 */
export class OfferFilters {
  /** role → agent id → live filters. */
  private readonly byRole = new Map<string, Map<string, OfferFilter[]>>();
  /** Filters held per role (none: absent). */
  private readonly countByRoleName = new Map<string, number>();
  /** Filters held. */
  private held = 0;
  /** Every filter held, soonest to expire first, and filters dropped since (skipped when met; see `FILTER_HEAP_SLACK`). */
  private heap: HeldFilter[] = [];

  /** Installs a filter. */
  add(role: string, agentId: string, filter: OfferFilter): void {
    let byAgent = this.byRole.get(role);
    if (byAgent === undefined) {
      byAgent = new Map();
      this.byRole.set(role, byAgent);
    }
    const filters = byAgent.get(agentId);
    if (filters === undefined) {
      byAgent.set(agentId, [filter]);
    } else {
      filters.push(filter);
    }
    this.counted(role, 1);
    this.heap.push({ role, agentId, filter });
    siftUp(this.heap, this.heap.length - 1, expiresFirst);
  }

  /** Whether an unexpired filter refuses `resources`; expired filters met on the way are dropped. */
  isFiltered(role: string, agentId: string, resources: Resources, nowMs: number): boolean {
    const byAgent = this.byRole.get(role);
    const filters = byAgent?.get(agentId);
    if (byAgent === undefined || filters === undefined) {
      return false;
    }
    let filtered = false;
    for (let index = filters.length - 1; index >= 0; index--) {
      const filter = filters[index];
      if (filter.expiresAtMs <= nowMs) {
        filters.splice(index, 1);
        this.counted(role, -1);
      } else if (!filtered && filter.resources.contains(resources)) {
        filtered = true;
      }
    }
    if (filters.length === 0) {
      byAgent.delete(agentId);
    }
    return filtered;
  }

  /** Drops the filters of `role` (revive). */
  clearRole(role: string): void {
    this.byRole.delete(role);
    this.counted(role, -(this.countByRoleName.get(role) ?? 0));
  }

  /** Drops every filter (deactivation). */
  clear(): void {
    this.byRole.clear();
    this.countByRoleName.clear();
    this.held = 0;
    this.heap = [];
  }

  /** Drops the filters on one agent (agent removed or changed). */
  removeAgent(agentId: string): void {
    for (const [role, byAgent] of this.byRole) {
      const filters = byAgent.get(agentId);
      if (filters === undefined) continue;
      byAgent.delete(agentId);
      this.counted(role, -filters.length);
    }
  }

  /** Drops expired filters; returns how many were dropped. O(expired × log held). */
  expire(nowMs: number): number {
    let dropped = 0;
    for (let top = this.heap[0]; top !== undefined && top.filter.expiresAtMs <= nowMs; top = this.heap[0]) {
      popTop(this.heap, expiresFirst);
      const byAgent = this.byRole.get(top.role);
      const filters = byAgent?.get(top.agentId);
      const at = filters === undefined ? -1 : filters.indexOf(top.filter);
      if (byAgent === undefined || filters === undefined || at < 0) continue; // dropped already
      filters.splice(at, 1);
      if (filters.length === 0) byAgent.delete(top.agentId);
      this.counted(top.role, -1);
      dropped++;
    }
    if (this.heap.length > 2 * this.held + FILTER_HEAP_SLACK) this.rebuildHeap();
    return dropped;
  }

  /**
   * Moves every filter's expiry by `deltaMs`: the clock was set back by about that much, and
   * each filter keeps what was left of it (else a 5 s filter would last the step as well).
   */
  shift(deltaMs: number): void {
    for (const byAgent of this.byRole.values()) {
      for (const [agentId, filters] of byAgent) byAgent.set(agentId, filters.map((filter) => ({ resources: filter.resources, expiresAtMs: filter.expiresAtMs + deltaMs })));
    }
    this.rebuildHeap();
  }

  /** Adds the number of filters held for each role to `counts`. */
  countByRole(counts: Map<string, number>): void {
    for (const [role, count] of this.countByRoleName) counts.set(role, (counts.get(role) ?? 0) + count);
  }

  /** Number of live-or-unexpired filters held. */
  count(): number {
    return this.held;
  }

  /** Entries of the expiry heap (tests: that dropped filters do not pile up in it). */
  get heapSize(): number {
    return this.heap.length;
  }

  private counted(role: string, delta: number): void {
    if (delta === 0) return;
    const count = (this.countByRoleName.get(role) ?? 0) + delta;
    if (count < 0) throw new Error(`decline filters of role '${role}' counted below zero`);
    if (count === 0) this.countByRoleName.delete(role);
    else this.countByRoleName.set(role, count);
    this.held += delta;
  }

  /** The heap again from the filters held: what was dropped without expiring leaves it. */
  private rebuildHeap(): void {
    const heap: HeldFilter[] = [];
    for (const [role, byAgent] of this.byRole) {
      for (const [agentId, filters] of byAgent) for (const filter of filters) heap.push({ role, agentId, filter });
    }
    heap.sort((a, b) => a.filter.expiresAtMs - b.filter.expiresAtMs);
    this.heap = heap;
  }
}
