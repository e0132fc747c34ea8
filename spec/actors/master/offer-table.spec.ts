import { expect } from 'chai';
import { Prng } from '../../../lib/process/prng';
import { OfferList, OfferTable, offerNumberOf } from '../../../actors/master/offer-table';

const SEED = 1308;

interface Held { readonly offer: { readonly id: string }; readonly offerNumber: number }

function held(id: string): Held {
  return { offer: { id }, offerNumber: offerNumberOf(id) };
}

describe('actors/master/offer-table', () => {
  it('reads the number of an offer id, and refuses anything else', () => {
    expect(offerNumberOf('7c1e-0b2a-O0')).to.equal(0);
    expect(offerNumberOf('7c1e-0b2a-O12345')).to.equal(12345);
    expect(offerNumberOf('a-Ob-O42')).to.equal(42);
    for (const bad of ['', 'O12', '-O', 'M-O', 'M-O012', 'M-O1x', 'M-O-1', 'M-O1.5', 'M-O1234567890123456', 'M-S3']) {
      expect(offerNumberOf(bad), bad).to.equal(-1);
    }
  });

  it(`agrees with a Map under random adds and deletes, through growth and long probe runs (seed ${SEED})`, () => {
    const prng = new Prng(SEED);
    const table = new OfferTable<Held>();
    const reference = new Map<string, Held>();
    let next = 0;
    for (let step = 0; step < 50_000; step++) {
      const roll = prng.nextInt(100);
      if (roll < 45) {
        // Mostly the next number; sometimes a jump, so that numbers far apart share home slots.
        next += roll < 5 ? 1 + prng.nextInt(5_000) : 1;
        const record = held(`M-O${next}`);
        table.add(record);
        reference.set(record.offer.id, record);
      } else if (roll < 85 && reference.size > 0) {
        const ids = [...reference.keys()];
        const id = ids[prng.nextInt(ids.length)] as string;
        expect(table.delete(reference.get(id) as Held)).to.equal(true);
        reference.delete(id);
      } else {
        const id = `M-O${prng.nextInt(next + 2)}`;
        expect(table.get(id)).to.equal(reference.get(id));
      }
      expect(table.size).to.equal(reference.size);
    }
    for (const [id, record] of reference) expect(table.get(id)).to.equal(record);
    const walked = [...table.values()];
    expect(walked).to.have.length(reference.size);
    for (const record of walked) expect(reference.get(record.offer.id)).to.equal(record);
  });

  it('keeps probe runs short for consecutive numbers: after 50,000 offers, and after retiring the oldest half, no run of occupied slots is longer than 8, and ids not held are not found', () => {
    // In slots by the number itself, consecutive offers made one run as long as the table was full
    // (50,000 here): retiring them oldest first walked the rest of that run each time.
    const table = new OfferTable<Held>();
    const records = Array.from({ length: 50_000 }, (_, index) => held(`M-O${index}`));
    for (const record of records) table.add(record);
    expect(table.longestRun(), 'longest run after adding').to.be.at.most(8);
    for (const record of records.slice(0, 25_000)) expect(table.delete(record)).to.equal(true);
    expect(table.longestRun(), 'longest run after retiring the oldest half').to.be.at.most(8);
    const prng = new Prng(SEED);
    for (let lookup = 0; lookup < 10_000; lookup++) {
      // Retired numbers, numbers never made, and numbers a table in number order would have put at the start of its run.
      const number = lookup % 3 === 0 ? prng.nextInt(25_000) : lookup % 3 === 1 ? 50_000 + prng.nextInt(1 << 20) : (prng.nextInt(64) << 16);
      expect(table.get(`M-O${number}`), `M-O${number}`).to.equal(number >= 25_000 && number < 50_000 ? records[number] : undefined);
    }
    for (const record of records.slice(25_000)) expect(table.get(record.offer.id)).to.equal(record);
  });

  it("finds an id only as it was given: another master's offer with the same number is not there", () => {
    const table = new OfferTable<Held>();
    const record = held('master-a-O7');
    table.add(record);
    expect(table.get('master-a-O7')).to.equal(record);
    expect(table.get('master-b-O7')).to.equal(undefined);
    expect(table.delete(held('master-b-O7'))).to.equal(false);
    expect(table.size).to.equal(1);
  });

  it('refuses a record whose number is not an offer number (its id is not an offer id), or whose number is held already', () => {
    const table = new OfferTable<Held>();
    table.add(held('M-O1'));
    expect(() => table.add(held('M-S1'))).to.throw(/not an offer number/);
    expect(() => table.add(held('N-O1'))).to.throw(/already held/);
    expect(table.size).to.equal(1);
  });
});

describe('actors/master/offer-table: OfferList', () => {
  interface Linked { readonly offer: { readonly id: string }; offerList: object | undefined; previousInList: Linked | undefined; nextInList: Linked | undefined }
  const linked = (id: string): Linked => ({ offer: { id }, offerList: undefined, previousInList: undefined, nextInList: undefined });

  it(`agrees with a Set of ids, insertion order included, under random adds and deletes (seed ${SEED})`, () => {
    const prng = new Prng(SEED);
    const list = new OfferList<Linked>();
    const reference = new Set<string>();
    const records = Array.from({ length: 12 }, (_, index) => linked(`M-O${index}`));
    for (let step = 0; step < 20_000; step++) {
      const record = records[prng.nextInt(records.length)] as Linked;
      if (prng.nextInt(2) === 0) {
        expect(list.add(record)).to.equal(!reference.has(record.offer.id));
        reference.add(record.offer.id);
      } else {
        expect(list.delete(record)).to.equal(reference.has(record.offer.id));
        reference.delete(record.offer.id);
      }
      expect(list.size).to.equal(reference.size);
      expect([...list]).to.deep.equal([...reference]);
    }
  });

  it("refuses a record that is in another list, and deleting it there from this one does nothing", () => {
    const first = new OfferList<Linked>();
    const second = new OfferList<Linked>();
    const record = linked('M-O1');
    first.add(record);
    expect(() => second.add(record)).to.throw(/another framework's list/);
    expect(second.delete(record)).to.equal(false);
    expect([...first]).to.deep.equal(['M-O1']);
  });

  it('may change while it is walked: the walk is over a copy', () => {
    const list = new OfferList<Linked>();
    const records = ['M-O1', 'M-O2', 'M-O3'].map(linked);
    for (const record of records) list.add(record);
    const seen: string[] = [];
    for (const id of list) {
      seen.push(id);
      list.delete(records[0] as Linked);
      list.delete(records[1] as Linked);
    }
    expect(seen).to.deep.equal(['M-O1', 'M-O2', 'M-O3']);
    expect(list.records()).to.deep.equal([records[2]]);
  });
});
