/**
 * Incremental allocation (issue 13): a run for the agents that changed offers, on each of
 * them, what a full run would offer on the same state. Two allocator cores take the same seeded
 * random event sequence; after an agent's change one allocates that agent only, the other
 * every agent; after a framework's change (and after resources come back, as the batch timer
 * would) both run over every agent. What each agent has offered must then be the same in both
 * (who gets it may differ: the full run draws a shuffle of agents that had nothing to give, so
 * the two cores' agent orders part ways later; what an agent gives does not depend on that
 * order without quota, which this property leaves out). Decline filters here outlast the run,
 * so no filter expires between full runs (expiry only matters at the batch timer's full runs).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Resources } from '../../../lib/resources';
import { HierarchicalAllocatorCore, createSeededRandom, type Allocation } from '../../../actors/allocator';

const AGENTS = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'];
const FRAMEWORKS = ['f0', 'f1', 'f2'];
const ROLES = ['*', 'eng', 'ops'];
const TEMPLATES = ['cpus:4;mem:2048', 'cpus:2;mem:1024;cpus(eng):1;mem(eng):512', 'cpus(ops):2;mem(ops):256', 'cpus:0.005;mem:16', 'cpus:8;mem:512;disk:100'];
/** Longer than any run of this test: no filter expires. */
const LONG_REFUSE_SECONDS = 3_600;

type Event =
  | { kind: 'addAgent' | 'updateAgent'; agent: number; template: number }
  | { kind: 'removeAgent' | 'activateAgent' | 'deactivateAgent'; agent: number }
  | { kind: 'addFramework'; framework: number; role: number }
  | { kind: 'removeFramework' | 'deactivateFramework' | 'activateFramework'; framework: number }
  | { kind: 'suppress' | 'revive'; framework: number }
  | { kind: 'decline'; framework: number; pick: number; refuse: boolean };

const index = (size: number): fc.Arbitrary<number> => fc.nat(size - 1);
const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('addAgent' as const, 'updateAgent' as const), agent: index(AGENTS.length), template: index(TEMPLATES.length) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('removeAgent' as const, 'activateAgent' as const, 'deactivateAgent' as const), agent: index(AGENTS.length) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('addFramework' as const), framework: index(FRAMEWORKS.length), role: index(ROLES.length) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('removeFramework' as const, 'deactivateFramework' as const, 'activateFramework' as const), framework: index(FRAMEWORKS.length) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('suppress' as const, 'revive' as const), framework: index(FRAMEWORKS.length) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('decline' as const), framework: index(FRAMEWORKS.length), pick: fc.nat(), refuse: fc.boolean() }) },
);

/** What each agent has offered (or had accepted) in all, across frameworks. */
function heldPerAgent(core: HierarchicalAllocatorCore): Record<string, string> {
  const held: Record<string, string> = {};
  for (const agentId of AGENTS) {
    const agent = core.agent(agentId);
    if (agent !== undefined) held[agentId] = agent.allocated.format();
  }
  return held;
}

/** Applies `change` to the core; an operation it refuses (unknown agent, say) changes nothing. */
function apply(core: HierarchicalAllocatorCore, change: (core: HierarchicalAllocatorCore) => void): boolean {
  try {
    change(core);
    return true;
  } catch {
    return false;
  }
}

describe('actors/allocator: incremental allocation (issue 13)', () => {
  it('an agent\'s run offers, on that agent, what a full run offers on the same state (property, seeded)', () => {
    fc.assert(fc.property(fc.array(event, { minLength: 1, maxLength: 60 }), fc.nat(), (events, seed) => {
      const incremental = new HierarchicalAllocatorCore({ random: createSeededRandom(seed) });
      const full = new HierarchicalAllocatorCore({ random: createSeededRandom(seed) });
      const offers: Array<Map<string, Allocation[]>> = [new Map(), new Map()];
      const record = (which: 0 | 1, allocations: Allocation[]): void => {
        for (const allocation of allocations) offers[which]?.set(allocation.frameworkId, [...(offers[which]?.get(allocation.frameworkId) ?? []), allocation]);
      };
      let nowMs = 0;
      for (const step of events) {
        nowMs += 1;
        const agentId = 'agent' in step ? AGENTS[step.agent] as string : '';
        const frameworkId = 'framework' in step ? FRAMEWORKS[step.framework] as string : '';
        const both = (change: (core: HierarchicalAllocatorCore) => void): boolean => {
          const applied = apply(incremental, change);
          expect(apply(full, change), `${step.kind} applies alike`).to.equal(applied);
          return applied;
        };
        let run: 'agent' | 'all' | 'none' = 'none';
        switch (step.kind) {
          case 'addAgent':
            run = both((core) => core.addAgent(agentId, Resources.parse(TEMPLATES[step.template] as string))) ? 'agent' : 'none';
            break;
          case 'updateAgent': {
            // Only where the new total still holds what is allocated (else the core refuses it, in both).
            run = both((core) => core.updateAgent(agentId, Resources.parse(TEMPLATES[step.template] as string))) ? 'agent' : 'none';
            break;
          }
          case 'activateAgent':
            run = both((core) => core.activateAgent(agentId)) ? 'agent' : 'none';
            break;
          case 'removeAgent':
            both((core) => core.removeAgent(agentId));
            break;
          case 'deactivateAgent':
            both((core) => core.deactivateAgent(agentId));
            break;
          case 'addFramework':
            run = both((core) => core.addFramework(frameworkId, { roles: [ROLES[step.role] as string] })) ? 'all' : 'none';
            break;
          case 'removeFramework':
            run = both((core) => core.removeFramework(frameworkId)) ? 'all' : 'none';
            for (const map of offers) map.delete(frameworkId);
            break;
          case 'activateFramework':
            run = both((core) => core.activateFramework(frameworkId)) ? 'all' : 'none';
            break;
          case 'deactivateFramework':
            both((core) => core.deactivateFramework(frameworkId));
            break;
          case 'suppress':
            both((core) => core.suppress(frameworkId));
            break;
          case 'revive':
            run = both((core) => core.revive(frameworkId)) ? 'all' : 'none';
            break;
          case 'decline': {
            // Each core declines one of its own offers to this framework (their picks may differ: who got what may differ).
            for (const [which, core] of [[0, incremental], [1, full]] as const) {
              const held = offers[which]?.get(frameworkId) ?? [];
              const offer = held[step.pick % Math.max(1, held.length)];
              if (offer === undefined) continue;
              held.splice(held.indexOf(offer), 1);
              apply(core, (c) => c.recoverResources(offer.frameworkId, offer.agentId, offer.resources, step.refuse ? { refuseSeconds: LONG_REFUSE_SECONDS, nowMs } : undefined, offer.role));
            }
            // Recovered resources wait for the batch timer's full run (Mesos), which comes before any later change here.
            run = 'all';
            break;
          }
        }
        if (run === 'none') continue;
        record(0, incremental.allocate(nowMs, run === 'agent' ? new Set([agentId]) : undefined));
        record(1, full.allocate(nowMs));
        expect(heldPerAgent(incremental), `after ${JSON.stringify(step)}`).to.deep.equal(heldPerAgent(full));
        incremental.checkInvariants();
      }
    }), { seed: 13, numRuns: 300 });
  });
});
