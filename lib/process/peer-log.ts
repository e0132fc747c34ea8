/** Limits on how often one kind of bad input from a peer is logged. */
export interface PeerLogLimits {
  /** Occurrences logged in full per peer; after that, one line every `every`, with the count. */
  readonly inFull: number;
  readonly every: number;
  /** Peers counted apart; beyond this, the rest share one count (`OTHER_PEERS`). */
  readonly maxPeers: number;
}

/** The key under which peers beyond `maxPeers` are counted together. */
export const OTHER_PEERS = '(other peers)';

/**
 * Counts one kind of bad input (forged senders, failed TLS handshakes) per peer and says which
 * occurrences to log: the first few from each peer, then one in `every`, so that a peer sending
 * a flood of it cannot flood the log, while the count still shows how much there was.
 *
 * @example
 *   const refusals = new PeerLog({ inFull: 5, every: 1_000, maxPeers: 1_000 });
 *   const count = refusals.count(peer);
 *   if (count !== undefined) logger.warn({ peer, refusedFromPeer: count }, 'refused');
 */
export class PeerLog {
  /** Occurrences from all peers. */
  private occurrences = 0;
  /** Occurrences per peer (at most `maxPeers` keys, plus `OTHER_PEERS`). */
  private readonly byPeer = new Map<string, number>();

  constructor(private readonly limits: PeerLogLimits) {}

  /** Counts one occurrence from `peer`; returns the peer's count if this one should be logged, else undefined. */
  count(peer: string): number | undefined {
    this.occurrences++;
    const key = this.byPeer.has(peer) || this.byPeer.size < this.limits.maxPeers ? peer : OTHER_PEERS;
    const count = (this.byPeer.get(key) ?? 0) + 1;
    this.byPeer.set(key, count);
    return count <= this.limits.inFull || count % this.limits.every === 0 ? count : undefined;
  }

  /** Occurrences from all peers so far. */
  get total(): number {
    return this.occurrences;
  }
}
