import { expect } from 'chai';
import { customRandom, urlAlphabet } from 'nanoid';
import { ID_LENGTH, newIdFrom, newUuidFrom, Prng } from '../../../lib/process/prng';
import { isUuidBytes, isUuidText, uuidBytes } from '../../../lib/uuid';

describe('lib/process/prng', () => {
  it('draws the sfc32 sequence it always drew (logged seeds replay): the first five draws and the 100,000th', () => {
    // Recorded from the implementation before its state moved into a typed array (2026-12-02).
    const recorded: Array<[number, number[]]> = [
      [13, [656276779, 1522105990, 982880403, 3223731275, 1969300397, 2449407185]],
      [0xffffffff, [1413747962, 91561161, 3282502067, 2190738929, 3748440605, 354186378]],
    ];
    for (const [seed, expected] of recorded) {
      const prng = new Prng(seed);
      const drawn = Array.from({ length: 5 }, () => prng.nextUint32());
      prng.skip(99_994);
      drawn.push(prng.nextUint32());
      expect(drawn, `seed ${seed}`).to.deep.equal(expected);
      expect(prng.draws).to.equal(100_000);
    }
  });

  it("newIdFrom makes the very ids nanoid's customRandom makes from the same draws (seeds replay as before), and leaves the generator where it would", () => {
    for (const seed of [1, 7, 13, 2004, 400500]) {
      const ours = new Prng(seed);
      const theirs = new Prng(seed);
      const nanoid = customRandom(urlAlphabet, ID_LENGTH, (size) => theirs.bytes(size));
      for (let id = 0; id < 200; id++) {
        const made = newIdFrom(ours);
        expect(made, `seed ${seed}, id ${id}`).to.equal(nanoid());
        expect(made).to.match(/^[A-Za-z0-9_-]{21}$/);
      }
      expect(ours.draws).to.equal(theirs.draws);
      expect(ours.nextUint32()).to.equal(theirs.nextUint32());
    }
  });

  it('newUuidFrom makes version 4 UUIDs from the draws (the same seed, the same uuids) and draws what newIdFrom draws', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const ids = new Prng(42);
    const seen = new Set<string>();
    for (let index = 0; index < 1_000; index++) {
      const uuid = newUuidFrom(a);
      expect(uuid).to.equal(newUuidFrom(b));
      expect(isUuidText(uuid), uuid).to.equal(true);
      expect(uuid[14]).to.equal('4');
      expect(isUuidBytes(uuidBytes(uuid))).to.equal(true);
      seen.add(uuid);
      newIdFrom(ids);
    }
    expect(seen.size).to.equal(1_000);
    expect(a.draws).to.equal(ids.draws);
  });
});
