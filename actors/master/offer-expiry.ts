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
export interface ExpiryBatch {
  /** Offers of the batch not yet cancelled or expired; the timer is cancelled at 0. */
  outstanding: number;
  timer: Timer | undefined;
}

/**
 * What `OfferExpiry` schedules: anything with a slot for its batch (the master's offer records).
 * The batch is kept on the offer itself, not in a table by offer id: at 100k agents an
 * allocation run's offers made and cancelled 100k entries of such a table per cycle.
 */
export interface Expiring {
  /** The batch whose timer will expire it; undefined when it has none pending. Only `OfferExpiry` sets it. */
  expiryBatch: ExpiryBatch | undefined;
}

/**
 * One pending timer per batch of offers; `cancel` takes an offer out of its batch (the last
 * one out cancels the batch's timer).
 *
 * @example
 *   const expiry = new OfferExpiry<OfferRecord>((ms, callback) => this.delay(ms, callback), (record) => this.rescind(record));
 *   expiry.schedule([first, second], 10_000); // one timer: rescinds first, then second, unless cancelled
 *   expiry.cancel(first);                      // first was declined
 */
export class OfferExpiry<T extends Expiring> {
  /** Offers with a pending timeout. */
  private pending = 0;

  /**
   * @param delay schedules on the owner's clock (an actor's `delay`).
   * @param expire called for each offer of a batch still outstanding when its timer fires, in
   *   scheduling order; it should `cancel` the offer (retiring an offer does).
   */
  constructor(private readonly delay: Delay, private readonly expire: (offer: T) => void) {}

  /** Expires `offers` (in this order) after `ms`, those not cancelled before; none may have a pending timeout. */
  schedule(offers: readonly T[], ms: number): void {
    if (offers.length === 0) return;
    const batch: ExpiryBatch = { outstanding: offers.length, timer: undefined };
    for (const offer of offers) offer.expiryBatch = batch;
    this.pending += offers.length;
    batch.timer = this.delay(ms, () => {
      for (const offer of offers) {
        if (offer.expiryBatch !== batch) continue;
        this.expire(offer);
        this.cancel(offer); // a no-op when `expire` cancelled it
      }
    });
  }

  /** Takes `offer` out of its batch, if it has a pending timeout. */
  cancel(offer: T): void {
    const batch = offer.expiryBatch;
    if (batch === undefined) return;
    offer.expiryBatch = undefined;
    this.pending--;
    batch.outstanding--;
    if (batch.outstanding === 0) batch.timer?.cancel();
  }

  /** Offers with a pending timeout. */
  get size(): number {
    return this.pending;
  }
}
