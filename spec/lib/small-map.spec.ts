import { expect } from 'chai';
import { Prng } from '../../lib/process/prng';
import { SmallMap } from '../../lib/small-map';

const SEED = 1309;

function hasRemainder(value: number, remainder: number): boolean {
  return value % 3 === remainder;
}

describe('lib/small-map', () => {
  it(`agrees with a Map, insertion order and values included, under random sets, deletes and clears (seed ${SEED})`, () => {
    const prng = new Prng(SEED);
    const small = new SmallMap<string, number>();
    const reference = new Map<string, number>();
    // Few keys, so that the inline entry is deleted while others are held, and set back; more
    // than the fields and the array tier hold, so that the `Map` past them is made and emptied too.
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
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
      // findValue: the first value in insertion order that passes, whichever tier holds it.
      const remainder = prng.nextInt(3);
      expect(small.findValue(hasRemainder, remainder)).to.equal([...reference.values()].find((value) => hasRemainder(value, remainder)));
    }
  });

  it('keeps insertion order across the array tier and the Map made past it, and deletes from either', () => {
    const small = new SmallMap<string, number>();
    const reference = new Map<string, number>();
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    for (const [value, key] of keys.entries()) {
      small.set(key, value);
      reference.set(key, value);
      expect([...small]).to.deep.equal([...reference]);
    }
    // A key set again keeps its place, in the fields, the tier or the Map.
    for (const key of ['a', 'c', 'f']) {
      small.set(key, -1);
      reference.set(key, -1);
    }
    expect([...small]).to.deep.equal([...reference]);
    for (const key of ['c', 'a', 'g', 'b', 'd', 'e', 'f']) {
      expect(small.delete(key)).to.equal(true);
      expect(small.delete(key)).to.equal(false);
      reference.delete(key);
      expect([...small.entries()]).to.deep.equal([...reference.entries()]);
      expect(small.size).to.equal(reference.size);
    }
    // Emptied, it starts again from the fields.
    small.set('z', 26);
    expect([...small]).to.deep.equal([['z', 26]]);
  });

  it('compares keys as a Map does: NaN finds NaN, -0 finds +0', () => {
    const small = new SmallMap<number, string>();
    small.set(NaN, 'nan');
    small.set(-0, 'zero');
    small.set(1, 'one');
    expect(small.get(NaN)).to.equal('nan');
    expect(small.get(0)).to.equal('zero');
    expect(small.size).to.equal(3);
    expect(small.delete(NaN)).to.equal(true);
    expect(small.has(NaN)).to.equal(false);
    // In the array tier as well as in the fields.
    small.set(NaN, 'nan again');
    expect(small.get(NaN)).to.equal('nan again');
    expect(small.has(-0)).to.equal(true);
    expect(small.delete(0)).to.equal(true);
    expect([...small.keys()]).to.deep.equal([1, NaN]);
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
