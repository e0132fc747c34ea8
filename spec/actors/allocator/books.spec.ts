import { expect } from 'chai';
import { Resources } from '../../../lib/resources';
import { Prng } from '../../../lib/process/prng';
import { AllocatorBooks, Holding, HoldingList, type FrameworkState } from '../../../actors/allocator/books';
import { OfferFilters } from '../../../actors/allocator/filters';

const SEED = 1313;

function frameworkState(id: string): FrameworkState {
  return { id, roles: new Set(['*']), capabilities: new Set(), active: true, suppressedRoles: new Set(), minAllocatable: undefined, filters: new OfferFilters(), holdings: new HoldingList(), group: undefined, unsubscribedHoldings: undefined };
}

describe('actors/allocator/books: HoldingList', () => {
  it(`agrees with a Set under random adds and deletes, and iterates a copy (seed ${SEED})`, () => {
    const books = new AllocatorBooks();
    const role = books.ensureRole('*');
    const agent = books.addAgent('a1', Resources.parse('cpus:1'), {});
    const mine = frameworkState('f1');
    const other = frameworkState('f2');
    const pool = Array.from({ length: 40 }, (_, index) => new Holding(agent, index % 4 === 0 ? other : mine, role, Resources.parse('cpus:1')));
    const reference = new Set<Holding>();
    const prng = new Prng(SEED);
    for (let step = 0; step < 5_000; step++) {
      const holding = pool[prng.nextInt(pool.length)] as Holding;
      if (holding.framework !== mine) {
        // Another framework's holding is never in this list, whatever its links say.
        expect(mine.holdings.has(holding)).to.equal(false);
        expect(mine.holdings.delete(holding)).to.equal(false);
      } else if (reference.has(holding)) {
        expect(mine.holdings.delete(holding)).to.equal(true);
        reference.delete(holding);
      } else if (prng.nextInt(2) === 0) {
        mine.holdings.add(holding);
        reference.add(holding);
      } else {
        expect(mine.holdings.delete(holding)).to.equal(false);
      }
      expect(mine.holdings.size).to.equal(reference.size);
      for (const candidate of pool) if (candidate.framework === mine) expect(mine.holdings.has(candidate)).to.equal(reference.has(candidate));
    }
    const listed = [...mine.holdings];
    expect(listed).to.have.length(reference.size);
    for (const holding of listed) expect(reference.has(holding)).to.equal(true);
    // Deleting while iterating: every holding is visited once, and the list ends empty.
    let visited = 0;
    for (const holding of mine.holdings) {
      expect(mine.holdings.delete(holding)).to.equal(true);
      visited++;
    }
    expect(visited).to.equal(reference.size);
    expect(mine.holdings.size).to.equal(0);
    expect([...mine.holdings]).to.deep.equal([]);
  });

  it('refuses a holding that is listed already, or another framework\'s', () => {
    const books = new AllocatorBooks();
    const framework = frameworkState('f1');
    const holding = new Holding(books.addAgent('a1', Resources.parse('cpus:1'), {}), framework, books.ensureRole('*'), Resources.parse('cpus:1'));
    framework.holdings.add(holding);
    expect(() => framework.holdings.add(holding)).to.throw(/listed already/);
    expect(() => frameworkState('f2').holdings.add(holding)).to.throw(/another framework's list/);
    expect(framework.holdings.size).to.equal(1);
  });
});

describe('actors/allocator/books: what a holding\'s tasks use', () => {
  it('keeps one resource list when its tasks use all it holds, in either order of the rest\'s return and the mark (a running task\'s bytes)', () => {
    for (const order of ['return first', 'mark first'] as const) {
      const books = new AllocatorBooks();
      const agent = books.addAgent('a1', Resources.parse('cpus:4;mem:1024'), {});
      const framework = frameworkState('f1');
      const holding = books.track(agent, framework, books.trackFrameworkUnderRole(framework, '*'), Resources.parse('cpus:4;mem:1024'));
      const used = Resources.parse('cpus:1;mem:128');
      const rest = Resources.parse('cpus:3;mem:896');
      if (order === 'return first') books.untrack(holding, rest);
      books.markAllocated(holding, Resources.parse('cpus:1;mem:128'));
      if (order === 'mark first') books.untrack(holding, rest);
      expect(holding.resources.equals(used), order).to.equal(true);
      expect(holding.allocated, `${order}: one list, not two equal ones`).to.equal(holding.resources);
      // Half of it ends: the lists part again, each right.
      books.untrack(holding, Resources.parse('cpus:0.5;mem:64'), true);
      expect(holding.resources.format(), order).to.equal('cpus:0.5;mem:64');
      expect(holding.allocated.format(), order).to.equal('cpus:0.5;mem:64');
    }
  });
});
