import { expect } from 'chai';
import { Resources } from '../../../lib/resources';
import { DEFAULT_REFUSE_SECONDS, HierarchicalAllocatorCore, createSeededRandom } from '../../../actors/allocator';

/**
 * The worked example of seeds/001 (DRF, "示例2"): one agent of 10 cpus and 20 GB; framework
 * A runs tasks of 3 cpus / 2 GB, framework B tasks of 1 cpu / 5 GB. Each framework accepts
 * one task per offer and returns the rest unfiltered (refuseSeconds 0); an offer that
 * fits no task is declined with the default filter.
 *
 * The seed's table is sloppy about the numbers, not the order. Worked out exactly
 * (share = max(cpus/10, mem/20 GB)):
 *
 *   offer  free (cpus, GB)  to  A holds (share)      B holds (share)
 *   1      10, 20           A   3 cpu,  2 GB (30%)   0                  (tie at 0: A by name)
 *   2       7, 18           B   3 cpu,  2 GB (30%)   1 cpu,  5 GB (25%)
 *   3       6, 13           B   3 cpu,  2 GB (30%)   2 cpu, 10 GB (50%)
 *   4       5,  8           A   6 cpu,  4 GB (60%)   2 cpu, 10 GB (50%)
 *   5       2,  6           B   6 cpu,  4 GB (60%)   3 cpu, 15 GB (75%)
 *   6       1,  1           A   declines (needs 3 cpus); B then declines (needs 5 GB)
 *
 * The seed writes A's shares as 33% and 66% (3/10 is 30%) and shows A at "4cpu, 5gb"
 * after step 2, which no task sizes give; its order A, B, B, A, B and its end state
 * (A 2 tasks, B 3 tasks, 90% of CPU and 95% of memory allocated) are right.
 */
describe('actors/allocator: the DRF example of the seed document', () => {
  const taskOf: Record<string, Resources> = {
    A: Resources.parse('cpus:3;mem:2048'),
    B: Resources.parse('cpus:1;mem:5120'),
  };

  function run(): { accepted: string[]; declined: string[]; allocator: HierarchicalAllocatorCore } {
    const allocator = new HierarchicalAllocatorCore({ random: createSeededRandom(1) });
    allocator.addAgent('agent-1', Resources.parse('cpus:10;mem:20480'));
    allocator.addFramework('A', { roles: ['*'] });
    allocator.addFramework('B', { roles: ['*'] });
    const accepted: string[] = [];
    const declined: string[] = [];
    for (let round = 0, nowMs = 0; round < 50; round++, nowMs += 1_000) {
      const offers = allocator.allocate(nowMs);
      if (offers.length === 0) {
        break;
      }
      expect(offers).to.have.length(1); // one agent, offered whole to one framework
      const [offer] = offers;
      const task = taskOf[offer.frameworkId];
      if (offer.resources.contains(task)) {
        accepted.push(offer.frameworkId);
        allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources.subtract(task), { refuseSeconds: 0, nowMs });
      } else {
        declined.push(offer.frameworkId);
        allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, { refuseSeconds: DEFAULT_REFUSE_SECONDS, nowMs });
      }
      allocator.checkInvariants();
    }
    return { accepted, declined, allocator };
  }

  it('accepts tasks in the order A, B, B, A, B', () => {
    expect(run().accepted).to.deep.equal(['A', 'B', 'B', 'A', 'B']);
  });

  it('ends with A holding 2 tasks and B 3, using 90% of CPU and 95% of memory', () => {
    const { declined, allocator } = run();
    expect(declined).to.deep.equal(['A', 'B']);
    const held = (frameworkId: string): Resources =>
      allocator.holdings(frameworkId).reduce((sum, holding) => sum.add(holding.resources), Resources.EMPTY);
    expect(held('A').format()).to.equal('cpus:6;mem:4096');
    expect(held('B').format()).to.equal('cpus:3;mem:15360');
    const agent = allocator.agent('agent-1')!;
    expect(agent.allocated.scalar('cpus') / agent.total.scalar('cpus')).to.equal(0.9);
    expect(agent.allocated.scalar('mem') / agent.total.scalar('mem')).to.equal(0.95);
    expect(agent.available.format()).to.equal('cpus:1;mem:1024');
  });

  it('has the shares of the worked table after the five tasks', () => {
    const { allocator } = run();
    expect(allocator.frameworkShare('A')).to.equal(0.6);
    expect(allocator.frameworkShare('B')).to.equal(0.75);
    expect(allocator.frameworkOrder('*')).to.deep.equal(['A', 'B']);
  });
});
