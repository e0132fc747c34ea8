import { expect } from 'chai';
import { Prng } from '../../lib/process/prng';
import { SmallMap } from '../../lib/small-map';

const SEED = 1309;

describe('lib/small-map', () => {
  it(`agrees with a Map, insertion order and values included, under random sets, deletes and clears (seed ${SEED})`, () => {
    const prng = new Prng(SEED);
    const small = new SmallMap<string, number>();
    const reference = new Map<string, number>();
    // Few keys, so that the inline entry is deleted while others are held, and set back.
    const keys = ['a', 'b', 'c', 'd', 'e'];
    for (let step = 0; step < 20_000; step++) {
      const key = keys[prng.nextInt(keys.length)] as string;
      const roll = prng.nextInt(100);
      if (roll < 55) {
        expect(small.set(key, step)).to.equal(small);
        reference.set(key, step);
      } else if (roll < 99) {
        expect(small.delete(key)).to.equal(reference.delete(key));
      } else {
        small.clear();
        reference.clear();
      }
      expect(small.size).to.equal(reference.size);
      expect([...small]).to.deep.equal([...reference]);
      expect([...small.keys()]).to.deep.equal([...reference.keys()]);
      expect([...small.values()]).to.deep.equal([...reference.values()]);
      const probe = keys[prng.nextInt(keys.length)] as string;
      expect(small.has(probe)).to.equal(reference.has(probe));
      expect(small.get(probe)).to.equal(reference.get(probe));
    }
  });

  it('compares keys as a Map does: NaN finds NaN, -0 finds +0', () => {
    const small = new SmallMap<number, string>();
    small.set(NaN, 'nan');
    small.set(-0, 'zero');
    expect(small.get(NaN)).to.equal('nan');
    expect(small.get(0)).to.equal('zero');
    expect(small.size).to.equal(2);
    expect(small.delete(NaN)).to.equal(true);
    expect(small.has(NaN)).to.equal(false);
  });

  it('iterates a copy: deleting while iterating visits every entry held when it began', () => {
    const small = new SmallMap<string, number>();
    for (const [key, value] of [['x', 1], ['y', 2], ['z', 3]] as const) small.set(key, value);
    const seen: string[] = [];
    small.forEach((value, key, map) => {
      expect(map).to.equal(small);
      seen.push(`${key}=${value}`);
      small.delete(key);
    });
    expect(seen).to.deep.equal(['x=1', 'y=2', 'z=3']);
    expect(small.size).to.equal(0);
    expect(Object.prototype.toString.call(small)).to.equal('[object Map]');
  });
});
