import { expect } from 'chai';
import { VirtualClock } from '../../../lib/process';
import { OfferExpiry } from '../../../actors/master/offer-expiry';

describe('actors/master: OfferExpiry', () => {
  function expiry(): { clock: VirtualClock; offers: OfferExpiry; expired: string[] } {
    const clock = new VirtualClock();
    const expired: string[] = [];
    const offers: OfferExpiry = new OfferExpiry((ms, callback) => clock.setTimer(ms, callback), (offerId) => {
      expired.push(offerId);
      offers.cancel(offerId); // as retiring an offer does
    });
    return { clock, offers, expired };
  }

  it('expires a batch at its time, in the order it was scheduled, without the offers cancelled before', async () => {
    const { clock, offers, expired } = expiry();
    offers.schedule(['O3', 'O1', 'O2'], 1_000);
    offers.schedule(['O4'], 2_000);
    offers.cancel('O1');
    await clock.advance(999);
    expect(expired).to.deep.equal([]);
    await clock.advance(1);
    expect(expired).to.deep.equal(['O3', 'O2']);
    expect(offers.size).to.equal(1);
    await clock.advance(1_000);
    expect(expired).to.deep.equal(['O3', 'O2', 'O4']);
    expect(offers.size).to.equal(0);
  });

  it('the last offer of a batch cancelled cancels its timer; cancel is harmless for an unknown offer', async () => {
    const clock = new VirtualClock();
    const offers = new OfferExpiry((ms, callback) => clock.setTimer(ms, callback), () => expect.fail('nothing expires'));
    offers.schedule(['O1', 'O2'], 1_000);
    offers.cancel('O2');
    offers.cancel('O1');
    offers.cancel('O1');
    offers.cancel('never-scheduled');
    expect(clock.pendingTimers()).to.equal(0);
    await clock.advance(5_000);
    expect(offers.size).to.equal(0);
  });

  it('an expiry that does not cancel its offer still takes it out of the batch, once', async () => {
    const clock = new VirtualClock();
    const expired: string[] = [];
    const offers = new OfferExpiry((ms, callback) => clock.setTimer(ms, callback), (offerId) => expired.push(offerId));
    offers.schedule(['O1', 'O2'], 1_000);
    offers.schedule([], 1_000);
    await clock.advance(1_000);
    expect(expired).to.deep.equal(['O1', 'O2']);
    expect(offers.size).to.equal(0);
    offers.cancel('O1');
    await clock.advance(5_000);
    expect(expired).to.deep.equal(['O1', 'O2']);
  });
});
