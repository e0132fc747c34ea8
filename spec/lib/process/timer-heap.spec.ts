import { expect } from 'chai';
import { Prng } from '../../../lib/process/prng';
import { TimerHeap } from '../../../lib/process/timer-heap';

const SEED = 1304;

interface Entry {
  readonly at: number;
  readonly sequence: number;
}

function byKeys(a: Entry, b: Entry): number {
  return a.at - b.at || a.sequence - b.sequence;
}

describe('lib/process/timer-heap', () => {
  it('pops by due time, then sequence, and is empty after the last', () => {
    const heap = new TimerHeap<string>();
    expect(heap.pop()).to.equal(undefined);
    heap.push(20, 1, 'c');
    heap.push(10, 2, 'b');
    heap.push(10, 0, 'a');
    expect(heap.size).to.equal(3);
    expect(heap.peek()).to.equal('a');
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop()]).to.deep.equal(['a', 'b', 'c', undefined]);
    expect(heap.size).to.equal(0);
  });

  it(`matches a sorted list under random pushes and pops, past several growths (seed ${SEED})`, () => {
    const prng = new Prng(SEED);
    const heap = new TimerHeap<Entry>();
    let reference: Entry[] = [];
    let sequence = 0;
    let popped = 0;
    for (let step = 0; step < 20_000; step++) {
      // Pushes outnumber pops at first (growth), then pops catch up (the heap empties).
      const pushing = step < 12_000 ? prng.nextInt(3) > 0 : prng.nextInt(3) === 0;
      if (pushing) {
        // Few distinct times, so ties on the due time are common.
        const entry = { at: prng.nextInt(200), sequence: sequence++ };
        heap.push(entry.at, entry.sequence, entry);
        reference.push(entry);
      } else {
        reference.sort(byKeys);
        const expected = reference.shift();
        expect(heap.pop()).to.equal(expected);
        if (expected !== undefined) popped++;
      }
      expect(heap.size).to.equal(reference.length);
    }
    reference = reference.sort(byKeys);
    for (const expected of reference) expect(heap.pop()).to.equal(expected);
    expect(heap.pop()).to.equal(undefined);
    expect(popped).to.be.greaterThan(5_000);
  });

  it(`drops what it is told to and keeps the rest in order, under random pushes, pops and removals (seed ${SEED + 1})`, () => {
    const prng = new Prng(SEED + 1);
    const heap = new TimerHeap<Entry & { dropped: boolean }>();
    let reference: (Entry & { dropped: boolean })[] = [];
    let sequence = 0;
    let removals = 0;
    for (let step = 0; step < 20_000; step++) {
      const roll = prng.nextInt(20);
      if (roll < 12) {
        const entry = { at: prng.nextInt(200), sequence: sequence++, dropped: false };
        heap.push(entry.at, entry.sequence, entry);
        reference.push(entry);
      } else if (roll < 19) {
        // Mark some to drop (as a clock's cancel does), without taking them out.
        const marked = reference[prng.nextInt(Math.max(1, reference.length))];
        if (marked !== undefined) marked.dropped = true;
      } else {
        const expectedGone = reference.filter((entry) => entry.dropped).length;
        expect(heap.removeWhere((entry) => entry.dropped)).to.equal(expectedGone);
        reference = reference.filter((entry) => !entry.dropped);
        removals++;
        reference.sort(byKeys);
        // A pop after each removal: the kept items are a heap again.
        if (reference.length > 0) expect(heap.pop()).to.equal(reference.shift());
      }
      expect(heap.size).to.equal(reference.length);
    }
    expect(removals).to.be.greaterThan(500);
    reference.sort(byKeys);
    for (const expected of reference) expect(heap.pop()).to.equal(expected);
    expect(heap.pop()).to.equal(undefined);
    expect((heap as unknown as { items: unknown[] }).items.every((item) => item === undefined)).to.equal(true);
  });

  it('lets go of what it popped', () => {
    const heap = new TimerHeap<object>();
    for (let index = 0; index < 100; index++) heap.push(index, index, {});
    for (let index = 0; index < 100; index++) heap.pop();
    expect(heap.toArray()).to.deep.equal([]);
    expect((heap as unknown as { items: unknown[] }).items.every((item) => item === undefined)).to.equal(true);
  });
});
