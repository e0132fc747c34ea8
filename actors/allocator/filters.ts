/** Decline filters. */

import { Resources } from '../../lib/resources';

/** One refusal. */
export interface OfferFilter {
  /** The refused resources. */
  readonly resources: Resources;
  /** The filter no longer applies from this time on. */
  readonly expiresAtMs: number;
}

/**
 * Decline filters of one framework: "do not offer me these resources on that agent for
 * that role until then". A filter applies only when the new offer is contained in what
 * was refused, so an agent with more free resources is offered again (as in Mesos).
 */
export class OfferFilters {
  /** role → agent id → live filters. */
  private readonly byRole = new Map<string, Map<string, OfferFilter[]>>();

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
  }

  /** Drops every filter (deactivation). */
  clear(): void {
    this.byRole.clear();
  }

  /** Drops the filters on one agent (agent removed or changed). */
  removeAgent(agentId: string): void {
    for (const byAgent of this.byRole.values()) {
      byAgent.delete(agentId);
    }
  }

  /** Drops expired filters; returns how many were dropped. */
  expire(nowMs: number): number {
    let dropped = 0;
    for (const byAgent of this.byRole.values()) {
      for (const [agentId, filters] of byAgent) {
        const live = filters.filter((filter) => filter.expiresAtMs > nowMs);
        dropped += filters.length - live.length;
        if (live.length === 0) {
          byAgent.delete(agentId);
        } else {
          byAgent.set(agentId, live);
        }
      }
    }
    return dropped;
  }

  /** Adds the number of filters held for each role to `counts`. */
  countByRole(counts: Map<string, number>): void {
    for (const [role, byAgent] of this.byRole) {
      let count = 0;
      for (const filters of byAgent.values()) count += filters.length;
      if (count > 0) counts.set(role, (counts.get(role) ?? 0) + count);
    }
  }

  /** Number of live-or-unexpired filters held. */
  count(): number {
    let count = 0;
    for (const byAgent of this.byRole.values()) {
      for (const filters of byAgent.values()) {
        count += filters.length;
      }
    }
    return count;
  }
}
