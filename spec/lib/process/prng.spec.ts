import { expect } from 'chai';
import { customRandom, urlAlphabet } from 'nanoid';
import { ID_LENGTH, newIdFrom, Prng } from '../../../lib/process/prng';

describe('lib/process/prng', () => {
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
});
