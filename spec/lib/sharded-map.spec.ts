import { expect } from 'chai';
import { Prng } from '../../lib/process/prng';
import { SHARDS, ShardedMap, ShardedWeakMap } from '../../lib/sharded-map';
import { STATE_PLACED_PER_TURN } from '../../actors/master/state-fragments';

const SEED = 1305;

describe('lib/sharded-map', () => {
  it(`agrees with a Map under random sets, deletes and clears (seed ${SEED})`, () => {
    const prng = new Prng(SEED);
    const sharded = new ShardedMap<number>();
    const reference = new Map<string, number>();
    const keys = ['', 'a', 'ab', ...Array.from({ length: 300 }, (_, index) => `0f3c2a9e-7d1b-4c55-9a0e-1b2c3d4e5f60-S${index}`)];
    for (let step = 0; step < 20_000; step++) {
      const key = keys[prng.nextInt(keys.length)] as string;
      const roll = prng.nextInt(100);
      if (roll < 55) {
        sharded.set(key, step);
        reference.set(key, step);
      } else if (roll < 99) {
        expect(sharded.delete(key)).to.equal(reference.delete(key));
      } else {
        sharded.clear();
        reference.clear();
      }
      expect(sharded.size).to.equal(reference.size);
      const probe = keys[prng.nextInt(keys.length)] as string;
      expect(sharded.get(probe)).to.equal(reference.get(probe));
      expect(sharded.has(probe)).to.equal(reference.has(probe));
    }
  });

  it('spreads agent ids over every shard, none with more than twice its share', () => {
    const sharded = new ShardedMap<number>();
    const count = 100_000;
    for (let index = 0; index < count; index++) sharded.set(`0f3c2a9e-7d1b-4c55-9a0e-1b2c3d4e5f60-S${index}`, index);
    const sizes = (sharded as unknown as { shards: Map<string, number>[] }).shards.map((shard) => shard.size);
    expect(sizes).to.have.length(SHARDS);
    expect(Math.max(...sizes)).to.be.at.most((2 * count) / SHARDS);
    expect(Math.min(...sizes)).to.be.at.least(count / SHARDS / 2);
  });

  it(`staggers the shards' doublings: while 100k agent ids go in, no ${STATE_PLACED_PER_TURN} of them (a warming turn's) take more than two shards past a power of two`, () => {
    const sharded = new ShardedMap<number>();
    const shards = (sharded as unknown as { shards: Map<string, number>[] }).shards;
    let powers = shards.map(() => 0);
    let mostInATurn = 0;
    let doublings = 0;
    for (let index = 1; index <= 100_000; index++) {
      sharded.set(`0f3c2a9e-7d1b-4c55-9a0e-1b2c3d4e5f60-S${index}`, index);
      if (index % STATE_PLACED_PER_TURN !== 0) continue;
      const now = shards.map((shard) => Math.floor(Math.log2(Math.max(1, shard.size))));
      // From 1,024 entries a shard's doubling is worth noticing.
      const crossed = now.filter((power, shard) => power > (powers[shard] ?? 0) && power >= 10).length;
      mostInATurn = Math.max(mostInATurn, crossed);
      doublings += crossed;
      powers = now;
    }
    // Evenly shared, all sixteen crossed 2^12 within one or two turns (and again at 2^13).
    expect(doublings).to.be.at.least(SHARDS * 2);
    expect(mostInATurn).to.be.at.most(2);
  });

  it(`a sharded weak map agrees with a WeakMap under random sets and gets, and spreads 100k offer records over every shard (seed ${SEED})`, () => {
    const prng = new Prng(SEED);
    const records = Array.from({ length: 300 }, (_, index) => ({ offer: { id: `0f3c2a9e-7d1b-4c55-9a0e-1b2c3d4e5f60-O${index}` } }));
    const sharded = new ShardedWeakMap<(typeof records)[number], number>((record) => record.offer.id);
    const reference = new WeakMap<(typeof records)[number], number>();
    for (let step = 0; step < 20_000; step++) {
      const record = records[prng.nextInt(records.length)] as (typeof records)[number];
      if (prng.nextInt(100) < 30) {
        sharded.set(record, step);
        reference.set(record, step);
      }
      const probe = records[prng.nextInt(records.length)] as (typeof records)[number];
      expect(sharded.get(probe)).to.equal(reference.get(probe));
    }
    // Spread: each shard holds its share (a weak map has no size: counted by which shard has each key).
    const many = new ShardedWeakMap<{ id: string }, number>((key) => key.id);
    const shards = (many as unknown as { shards: WeakMap<{ id: string }, number>[] }).shards;
    const counts = shards.map(() => 0);
    for (let index = 0; index < 100_000; index++) {
      const key = { id: `0f3c2a9e-7d1b-4c55-9a0e-1b2c3d4e5f60-O${index}` };
      many.set(key, index);
      counts[shards.findIndex((shard) => shard.has(key))]++;
    }
    expect(counts).to.have.length(SHARDS);
    expect(Math.max(...counts)).to.be.at.most((2 * 100_000) / SHARDS);
    expect(Math.min(...counts)).to.be.at.least(100_000 / SHARDS / 2);
  });
});
