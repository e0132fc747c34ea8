import { expect } from 'chai';
import { Prng } from '../../lib/process/prng';
import { SMALL_SET_LIST_MAX, SmallSet } from '../../lib/small-set';

const SEED = 1307;

describe('lib/small-set', () => {
  // Few values, so that the inline element is deleted while others are held, and added back; and
  // more than the list beyond it holds, so that it turns into a `Set` and back.
  for (const count of [5, 3 * SMALL_SET_LIST_MAX]) it(`agrees with a Set, insertion order included, under random adds and deletes (seed ${SEED}, ${count} values)`, () => {
    const prng = new Prng(SEED);
    const small = new SmallSet<string>();
    const reference = new Set<string>();
    const values = Array.from({ length: count }, (_, index) => `v${index}`);
    for (let step = 0; step < 20_000; step++) {
      const value = values[prng.nextInt(values.length)] as string;
      const roll = prng.nextInt(100);
      if (roll < 50) {
        const had = reference.has(value);
        expect(small.add(value)).to.equal(!had);
        reference.add(value);
      } else {
        expect(small.delete(value)).to.equal(reference.delete(value));
      }
      expect(small.size).to.equal(reference.size);
      expect([...small]).to.deep.equal([...reference]);
      const probe = values[prng.nextInt(values.length)] as string;
      expect(small.has(probe)).to.equal(reference.has(probe));
    }
  });

  it('compares elements as a Set does, in its field and in the list past it: NaN finds NaN, -0 finds +0', () => {
    const small = new SmallSet<number>();
    const reference = new Set<number>();
    for (const value of [-0, NaN, 1, 2]) {
      expect(small.add(value)).to.equal(!reference.has(value));
      reference.add(value);
    }
    for (const value of [0, NaN]) expect(small.add(value), `${value} is held already`).to.equal(false);
    expect(small.size).to.equal(reference.size);
    for (const value of [NaN, 0]) {
      expect(small.has(value)).to.equal(true);
      expect(small.delete(value)).to.equal(reference.delete(value));
      expect(small.has(value)).to.equal(false);
    }
    // Past the first: NaN and -0 in the list.
    small.add(3);
    small.add(NaN);
    small.add(-0);
    expect(small.has(NaN) && small.has(0)).to.equal(true);
    expect(small.delete(NaN)).to.equal(true);
    expect(small.delete(0)).to.equal(true);
    expect([...small]).to.deep.equal([1, 2, 3]);
  });

  it('iterates a copy: deleting while iterating visits every element held when it began', () => {
    const small = new SmallSet<number>();
    for (const value of [1, 2, 3]) small.add(value);
    const seen: number[] = [];
    for (const value of small) {
      seen.push(value);
      small.delete(value);
    }
    expect(seen).to.deep.equal([1, 2, 3]);
    expect(small.size).to.equal(0);
  });
});
