import { expect } from 'chai';
import fc from 'fast-check';
import { FILTER_HEAP_SLACK, OfferFilters, type OfferFilter } from '../../../actors/allocator/filters';
import { Resources } from '../../../lib/resources';

/**
 * Decline filters against a model that keeps every filter in one list and scans it: what is
 * filtered, what `expire` drops, and the counts the metrics read, over random sequences of the
 * changes the allocator makes. Also that filters dropped without expiring (revive, a removed
 * agent) do not pile up in the expiry heap.
 */

const ROLES = ['r0', 'r1'];
const AGENTS = ['a0', 'a1', 'a2'];
const RESOURCES = ['cpus:1', 'cpus:2;mem:64', 'mem:32'].map((text) => Resources.parse(text));

type Step =
  | { kind: 'add'; role: number; agent: number; resources: number; lifetimeMs: number }
  | { kind: 'isFiltered'; role: number; agent: number; resources: number }
  | { kind: 'clearRole'; role: number }
  | { kind: 'clear' }
  | { kind: 'removeAgent'; agent: number }
  | { kind: 'expire' }
  | { kind: 'tick'; ms: number };

const pick = (values: readonly unknown[]): fc.Arbitrary<number> => fc.nat({ max: values.length - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('add' as const), role: pick(ROLES), agent: pick(AGENTS), resources: pick(RESOURCES), lifetimeMs: fc.integer({ min: 0, max: 50 }) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('isFiltered' as const), role: pick(ROLES), agent: pick(AGENTS), resources: pick(RESOURCES) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('clearRole' as const), role: pick(ROLES) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('clear' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('removeAgent' as const), agent: pick(AGENTS) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('expire' as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 20 }) }), weight: 3 },
);

interface ModelFilter { readonly role: string; readonly agentId: string; readonly filter: OfferFilter }

/** Applies `step` to both and checks that they answer alike; returns the model's list after it. */
function applyBoth(filters: OfferFilters, model: ModelFilter[], step: Step, nowMs: number): ModelFilter[] {
  switch (step.kind) {
    case 'add': {
      const entry = { role: ROLES[step.role] as string, agentId: AGENTS[step.agent] as string, filter: { resources: RESOURCES[step.resources] as Resources, expiresAtMs: nowMs + step.lifetimeMs } };
      filters.add(entry.role, entry.agentId, entry.filter);
      return [...model, entry];
    }
    case 'isFiltered': {
      const role = ROLES[step.role] as string;
      const agentId = AGENTS[step.agent] as string;
      const resources = RESOURCES[step.resources] as Resources;
      const here = (entry: ModelFilter): boolean => entry.role === role && entry.agentId === agentId;
      const expected = model.some((entry) => here(entry) && entry.filter.expiresAtMs > nowMs && entry.filter.resources.contains(resources));
      expect(filters.isFiltered(role, agentId, resources, nowMs), `isFiltered(${role}, ${agentId}, ${resources.format()}) at ${nowMs}`).to.equal(expected);
      return model.filter((entry) => !here(entry) || entry.filter.expiresAtMs > nowMs);
    }
    case 'clearRole':
      filters.clearRole(ROLES[step.role] as string);
      return model.filter((entry) => entry.role !== ROLES[step.role]);
    case 'clear':
      filters.clear();
      return [];
    case 'removeAgent':
      filters.removeAgent(AGENTS[step.agent] as string);
      return model.filter((entry) => entry.agentId !== AGENTS[step.agent]);
    case 'expire': {
      const live = model.filter((entry) => entry.filter.expiresAtMs > nowMs);
      expect(filters.expire(nowMs), `expire(${nowMs}) drops`).to.equal(model.length - live.length);
      return live;
    }
    case 'tick':
      return model;
  }
}

describe('actors/allocator/filters: decline filters', () => {
  it('filter, expire and count as a scan of every filter would (properties)', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 150 }), (steps) => {
        const filters = new OfferFilters();
        let model: ModelFilter[] = [];
        let nowMs = 0;
        for (const change of steps) {
          if (change.kind === 'tick') nowMs += change.ms;
          model = applyBoth(filters, model, change, nowMs);
          expect(filters.count(), `count after ${JSON.stringify(change)}`).to.equal(model.length);
          const counts = new Map<string, number>();
          filters.countByRole(counts);
          const expected = new Map<string, number>();
          for (const entry of model) expected.set(entry.role, (expected.get(entry.role) ?? 0) + 1);
          expect(counts, `countByRole after ${JSON.stringify(change)}`).to.deep.equal(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an expiry run costs what expires: a filter in force is not touched, and filters dropped by revive leave the heap', () => {
    const filters = new OfferFilters();
    const resources = Resources.parse('cpus:1');
    const agents = FILTER_HEAP_SLACK * 4;
    for (let agent = 0; agent < agents; agent++) filters.add('r', `a${agent}`, { resources, expiresAtMs: 1_000 + agent });
    expect(filters.expire(999)).to.equal(0);
    expect(filters.expire(1_009)).to.equal(10);
    expect(filters.count()).to.equal(agents - 10);
    // A revive drops them all at once; the heap still holds them until the next expiry run, which rebuilds it.
    filters.clearRole('r');
    expect(filters.count()).to.equal(0);
    expect(filters.heapSize).to.equal(agents - 10);
    expect(filters.expire(1_010)).to.equal(0);
    expect(filters.heapSize).to.equal(0);
    filters.add('r', 'a0', { resources, expiresAtMs: 5_000 });
    expect(filters.isFiltered('r', 'a0', resources, 4_999)).to.equal(true);
    expect(filters.expire(5_000)).to.equal(1);
    expect(filters.isFiltered('r', 'a0', resources, 5_000)).to.equal(false);
  });
});
