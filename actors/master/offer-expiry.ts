/**
 * Offer timeouts by batch: the offers one allocation run turns into offers at one instant, with
 * the same timeout, expire at the same instant, so one timer serves them all (an allocation run
 * at 100k agents made 100k timers, each holding its offer alive until it fired or was cancelled).
 *
 * The offers of a batch expire in the order they were scheduled, in one mailbox event, where a
 * timer per offer fired them in that same order as consecutive events at that instant: every
 * other event due then or sent in between was queued before or after all of them either way.
 */
import type { Timer } from '../../lib/actor';
import type { Delay } from './keyed-timers';

/** Offers scheduled together: their timer, and how many of them are still outstanding. */
interface ExpiryBatch {
  /** Offers of the batch not yet cancelled or expired; the timer is cancelled at 0. */
  outstanding: number;
  timer: Timer | undefined;
}

/**
 * One pending timer per batch of offers; `cancel` takes an offer out of its batch (the last
 * one out cancels the batch's timer).
 *
 * @example
 *   const expiry = new OfferExpiry((ms, callback) => this.delay(ms, callback), (offerId) => this.rescind(offerId));
 *   expiry.schedule(['O1', 'O2'], 10_000); // one timer: rescinds O1, then O2, unless cancelled
 *   expiry.cancel('O1');                    // O1 was declined
 */
export class OfferExpiry {
  /** The batch of each offer with a pending timeout. */
  private readonly batchOf = new Map<string, ExpiryBatch>();

  /**
   * @param delay schedules on the owner's clock (an actor's `delay`).
   * @param expire called for each offer of a batch still outstanding when its timer fires, in
   *   scheduling order; it should `cancel` the offer (retiring an offer does).
   */
  constructor(private readonly delay: Delay, private readonly expire: (offerId: string) => void) {}

  /** Expires `offerIds` (in this order) after `ms`, those not cancelled before; ids must be new. */
  schedule(offerIds: readonly string[], ms: number): void {
    if (offerIds.length === 0) return;
    const batch: ExpiryBatch = { outstanding: offerIds.length, timer: undefined };
    for (const offerId of offerIds) this.batchOf.set(offerId, batch);
    batch.timer = this.delay(ms, () => {
      for (const offerId of offerIds) {
        if (this.batchOf.get(offerId) !== batch) continue;
        this.expire(offerId);
        this.cancel(offerId); // a no-op when `expire` cancelled it
      }
    });
  }

  /** Takes `offerId` out of its batch, if it has a pending timeout. */
  cancel(offerId: string): void {
    const batch = this.batchOf.get(offerId);
    if (batch === undefined) return;
    this.batchOf.delete(offerId);
    batch.outstanding--;
    if (batch.outstanding === 0) batch.timer?.cancel();
  }

  /** Offers with a pending timeout. */
  get size(): number {
    return this.batchOf.size;
  }
}
