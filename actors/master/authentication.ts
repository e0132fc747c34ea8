/**
 * The master's side of authentication (issue 9): the exchanges in progress and the principal
 * each authenticated pid proved. The master installs the handlers and owns this; the protocol
 * and the proofs are in `lib/authentication.ts`. Pure apart from the nonces (crypto randomness):
 * "now" is passed in.
 */
import { randomBytes } from 'node:crypto';
import { authenticationProof, newNonce, verifyProof, type SecretBytes } from '../../lib/authentication';

/** How long a client has between the challenge and its proof (Mesos' `--authentication_v0_timeout`: 15 s). */
export const AUTHENTICATION_TIMEOUT_MS = 15_000;
/** Exchanges in progress at once; beyond it, expired ones are swept and then new ones refused. */
export const MAX_PENDING_AUTHENTICATIONS = 1_024;
/** Exchanges in progress at once from one peer host, so that one peer cannot take every slot. */
export const MAX_PENDING_AUTHENTICATIONS_PER_PEER = 16;
/**
 * Pids whose authentication lapsed with their link (`AuthenticationSessions.forget`) that the
 * master remembers as such, the oldest forgotten first past it: an unauthenticated registration
 * from one of them is a retry that crossed the link's break, dropped, not a misconfigured agent
 * told to shut down.
 */
export const MAX_LAPSED_AUTHENTICATIONS = 10_000;

/** Why an authentication failed (the same words whether the principal is unknown or the secret wrong, so principals cannot be probed). */
export const WRONG_CREDENTIALS = 'wrong principal or secret';

/** An exchange waiting for the client's proof. */
interface PendingAuthentication {
  readonly principal: string;
  readonly clientNonce: string;
  readonly serverNonce: string;
  readonly expiresAtMs: number;
  /** The client's machine (the master's `peerOf`: the IP its link comes from), for the per-peer bound. */
  readonly peer: string;
}

/** Why a proof is refused when no exchange of its client is in progress (it expired and was swept, or was answered already): worth trying again. */
export const NO_AUTHENTICATION_IN_PROGRESS = 'no authentication in progress (it expired, or was answered already)';

/** What `respond` decides. */
export type AuthenticationOutcome =
  | { readonly ok: true; readonly principal: string; readonly serverProof: string }
  /** `clientNonce`: the refused exchange's, when there was one (the client ignores a refusal of an exchange it gave up). */
  | { readonly ok: false; readonly reason: string; readonly clientNonce?: string; readonly retry?: true };

/**
 * Authentication sessions, keyed by the client's pid (text). Secrets come from the credentials
 * file (`--credentials`), principal → secret.
 *
 * @example
 *   const sessions = new AuthenticationSessions(credentials, master.toString());
 *   const challenge = sessions.start(from, peer, principal, clientNonce, now);   // → AuthenticationChallenge
 *   const outcome = sessions.respond(from, clientProof, now);                    // → Completed / Failed
 */
export class AuthenticationSessions {
  /** Exchanges waiting for a proof, by client pid. */
  private readonly pending = new Map<string, PendingAuthentication>();
  /** Authenticated clients: pid → principal. */
  private readonly authenticated = new Map<string, string>();
  /** Pids whose authentication lapsed when their link broke, oldest first (at most `MAX_LAPSED_AUTHENTICATIONS`). */
  private readonly lapsed = new Set<string>();

  /**
   * @param credentials principal → secret
   * @param masterPid the master's pid (text), covered by every proof
   * @param secretBytes where server nonces' bytes come from (`ActorHost.secretBytes`)
   */
  constructor(private readonly credentials: ReadonlyMap<string, string>, private readonly masterPid: string, private readonly secretBytes: SecretBytes = randomBytes) {}

  /**
   * A client at `clientPid` on host `peer` starts authenticating as `principal`: the server
   * nonce to send back, or why not. A new start replaces the client's previous exchange and its
   * authentication (Mesos does the same for a client that authenticates again).
   */
  start(clientPid: string, peer: string, principal: string, clientNonce: string, nowMs: number): { serverNonce: string } | { reason: string; retry: true } {
    this.authenticated.delete(clientPid);
    this.pending.delete(clientPid);
    const fromPeer = this.sweep(nowMs, peer);
    if (this.pending.size >= MAX_PENDING_AUTHENTICATIONS) return { reason: `too many authentications in progress (at most ${MAX_PENDING_AUTHENTICATIONS}); try again later`, retry: true };
    if (fromPeer >= MAX_PENDING_AUTHENTICATIONS_PER_PEER) {
      return { reason: `too many authentications in progress from ${peer} (at most ${MAX_PENDING_AUTHENTICATIONS_PER_PEER}); try again later`, retry: true };
    }
    const serverNonce = newNonce(this.secretBytes);
    this.pending.set(clientPid, { principal, clientNonce, serverNonce, expiresAtMs: nowMs + AUTHENTICATION_TIMEOUT_MS, peer });
    return { serverNonce };
  }

  /** The client's proof: authenticated (the master's proof to send back) or refused. The exchange is used up either way. */
  respond(clientPid: string, clientProof: string, nowMs: number): AuthenticationOutcome {
    const exchange = this.pending.get(clientPid);
    this.pending.delete(clientPid);
    if (exchange === undefined) return { ok: false, reason: NO_AUTHENTICATION_IN_PROGRESS, retry: true };
    const { clientNonce } = exchange;
    if (nowMs > exchange.expiresAtMs) return { ok: false, reason: `the exchange expired (${AUTHENTICATION_TIMEOUT_MS} ms)`, clientNonce, retry: true };
    const secret = this.credentials.get(exchange.principal);
    if (secret === undefined) return { ok: false, reason: WRONG_CREDENTIALS, clientNonce };
    const input = { principal: exchange.principal, secret, clientPid, masterPid: this.masterPid, clientNonce, serverNonce: exchange.serverNonce };
    if (!verifyProof('client', input, clientProof)) return { ok: false, reason: WRONG_CREDENTIALS, clientNonce };
    this.authenticated.set(clientPid, exchange.principal);
    this.lapsed.delete(clientPid);
    return { ok: true, principal: exchange.principal, serverProof: authenticationProof('server', input) };
  }

  /** The principal `clientPid` authenticated as, if it did (and has not been forgotten since). */
  principalOf(clientPid: string): string | undefined {
    return this.authenticated.get(clientPid);
  }

  /**
   * Takes `clientPid` as authenticated as `principal` without an exchange: for an actor of the
   * master's own host that speaks for a client whose credentials were checked another way (a v1
   * HTTP framework's HTTP Basic credentials). Replaces any exchange of that pid.
   */
  vouch(clientPid: string, principal: string): void {
    this.pending.delete(clientPid);
    this.authenticated.set(clientPid, principal);
  }

  /** Forgets `clientPid` (its link broke): it authenticates again before it may register again. */
  forget(clientPid: string): void {
    if (this.authenticated.delete(clientPid)) {
      this.lapsed.delete(clientPid);
      this.lapsed.add(clientPid);
      if (this.lapsed.size > MAX_LAPSED_AUTHENTICATIONS) this.lapsed.delete(this.lapsed.values().next().value as string);
    }
    this.pending.delete(clientPid);
  }

  /**
   * Whether `clientPid` authenticated once and its authentication lapsed with its link (and it has
   * not authenticated since): what it sends unauthenticated may be a retry that crossed the break.
   */
  hasLapsed(clientPid: string): boolean {
    return this.lapsed.has(clientPid);
  }

  /** Drops the expired exchanges; returns how many of `peer`'s remain (one pass, bounded by `MAX_PENDING_AUTHENTICATIONS`). */
  private sweep(nowMs: number, peer: string): number {
    let fromPeer = 0;
    for (const [pid, exchange] of this.pending) {
      // One due more than a timeout from now was started before the clock was set back: its
      // slot would be held for the step as well.
      if (nowMs > exchange.expiresAtMs || exchange.expiresAtMs - nowMs > AUTHENTICATION_TIMEOUT_MS) this.pending.delete(pid);
      else if (exchange.peer === peer) fromPeer += 1;
    }
    return fromPeer;
  }
}
