import { expect } from 'chai';
import { VirtualClock } from '../../../lib/process';
import { OfferExpiry, type ExpiryBatch } from '../../../actors/master/offer-expiry';

/** An offer as the expiry sees it: an id and its batch slot. */
interface TestOffer {
  readonly id: string;
  expiryBatch: ExpiryBatch | undefined;
}

function offer(id: string): TestOffer {
  return { id, expiryBatch: undefined };
}

describe('actors/master: OfferExpiry', () => {
  function expiry(): { clock: VirtualClock; offers: OfferExpiry<TestOffer>; expired: string[] } {
    const clock = new VirtualClock();
    const expired: string[] = [];
    const offers: OfferExpiry<TestOffer> = new OfferExpiry<TestOffer>((ms, callback) => clock.setTimer(ms, callback), (expiring) => {
      expired.push(expiring.id);
      offers.cancel(expiring); // as retiring an offer does
    });
    return { clock, offers, expired };
  }

  it('expires a batch at its time, in the order it was scheduled, without the offers cancelled before', async () => {
    const { clock, offers, expired } = expiry();
    const [o1, o2, o3, o4] = [offer('O1'), offer('O2'), offer('O3'), offer('O4')];
    offers.schedule([o3, o1, o2], 1_000);
    offers.schedule([o4], 2_000);
    offers.cancel(o1);
    expect(o1.expiryBatch).to.equal(undefined);
    await clock.advance(999);
    expect(expired).to.deep.equal([]);
    await clock.advance(1);
    expect(expired).to.deep.equal(['O3', 'O2']);
    expect(offers.size).to.equal(1);
    await clock.advance(1_000);
    expect(expired).to.deep.equal(['O3', 'O2', 'O4']);
    expect(offers.size).to.equal(0);
  });

  it('the last offer of a batch cancelled cancels its timer; cancel is harmless for an offer without a timeout', async () => {
    const clock = new VirtualClock();
    const offers = new OfferExpiry<TestOffer>((ms, callback) => clock.setTimer(ms, callback), () => expect.fail('nothing expires'));
    const [o1, o2] = [offer('O1'), offer('O2')];
    offers.schedule([o1, o2], 1_000);
    offers.cancel(o2);
    offers.cancel(o1);
    offers.cancel(o1);
    offers.cancel(offer('never-scheduled'));
    expect(clock.pendingTimers()).to.equal(0);
    expect(offers.size).to.equal(0);
    await clock.advance(5_000);
    expect(offers.size).to.equal(0);
  });

  it('an expiry that does not cancel its offer still takes it out of the batch, once', async () => {
    const clock = new VirtualClock();
    const expired: string[] = [];
    const offers = new OfferExpiry<TestOffer>((ms, callback) => clock.setTimer(ms, callback), (expiring) => expired.push(expiring.id));
    const [o1, o2] = [offer('O1'), offer('O2')];
    offers.schedule([o1, o2], 1_000);
    offers.schedule([], 1_000);
    await clock.advance(1_000);
    expect(expired).to.deep.equal(['O1', 'O2']);
    expect(offers.size).to.equal(0);
    offers.cancel(o1);
    expect(offers.size).to.equal(0);
    await clock.advance(5_000);
    expect(expired).to.deep.equal(['O1', 'O2']);
  });
});
