/**
 * The client's side of authentication (issue 9), for the actors that register with a master:
 * the scheduler base actor and the agent. The actor installs the master's three answers and
 * hands them to its `Authenticatee`, which runs one exchange at a time (see
 * `lib/authentication.ts` for the protocol) and reports the outcome once.
 */
import type { UPID } from './actor';
import { AUTHENTICATION_NONCE_BYTES, authenticationProof, newNonce, verifyProof, type Credential, type SecretBytes } from './authentication';
import {
  Authenticate, AuthenticationChallenge, AuthenticationCompleted, AuthenticationFailed, AuthenticationResponse,
} from './protocol/messages';
import type { BodyOf, MessageType } from './actor';

/** How long a client waits for the master to finish an exchange before it tries again (Mesos' scheduler driver: 15 s). */
export const CLIENT_AUTHENTICATION_TIMEOUT_MS = 15_000;

/** How an exchange ended. */
export type AuthenticationResult =
  | { readonly kind: 'authenticated' }
  /** The master said no (wrong credentials), or could not prove it knows our secret: not worth retrying. */
  | { readonly kind: 'refused'; readonly reason: string }
  /** No answer in time, or a transient refusal (too many in progress, or ours expired or gone at the master): retry. */
  | { readonly kind: 'timeout' };

/** What an authenticatee needs of its actor. */
export interface AuthenticateePort {
  self(): UPID;
  send<T>(to: UPID, type: MessageType<T>, body: T): void;
  delay(ms: number, callback: () => void): { cancel(): void };
  /** The bytes of its nonces (`ActorHost.secretBytes`); the system's cryptographic randomness when left out. */
  secretBytes?: SecretBytes;
}

/** What `Authenticatee.install` needs of its actor: the port, and installing handlers. */
export interface AuthenticateeActor extends AuthenticateePort {
  install<T>(type: MessageType<T>, handler: (from: UPID, body: T) => void): void;
}

/** An exchange in progress. */
interface Exchange {
  readonly master: UPID;
  readonly clientNonce: string;
  serverNonce: string | undefined;
  readonly timer: { cancel(): void };
  readonly done: (result: AuthenticationResult) => void;
}

/**
 * One client's authentication with its master.
 *
 * @example
 *   // in the actor's constructor (Actor's methods are protected, so it passes them):
 *   this.authenticatee = Authenticatee.install(credential, {
 *     self: () => this.self(), send: (to, type, body) => this.send(to, type, body),
 *     delay: (ms, callback) => this.delay(ms, callback), install: (type, handler) => this.install(type, handler),
 *     secretBytes: (count) => this.host.secretBytes(count),
 *   });
 *   // before registering:
 *   this.authenticatee.start(master, (result) => result.kind === 'authenticated' ? this.register() : ...);
 */
export class Authenticatee {
  private exchange: Exchange | undefined;

  /** An authenticatee for `actor`, with the master's three answers installed on it. */
  static install(credential: Credential, actor: AuthenticateeActor): Authenticatee {
    const authenticatee = new Authenticatee(credential, actor);
    actor.install(AuthenticationChallenge, (from, body) => authenticatee.challenge(from, body));
    actor.install(AuthenticationCompleted, (from, body) => authenticatee.completed(from, body));
    actor.install(AuthenticationFailed, (from, body) => authenticatee.failed(from, body));
    return authenticatee;
  }

  constructor(private readonly credential: Credential, private readonly port: AuthenticateePort, private readonly timeoutMs = CLIENT_AUTHENTICATION_TIMEOUT_MS) {}

  /** The principal we authenticate as. */
  get principal(): string {
    return this.credential.principal;
  }

  /** Whether an exchange is in progress. */
  get inProgress(): boolean {
    return this.exchange !== undefined;
  }

  /** Starts an exchange with `master` (abandoning any in progress, whose outcome is never reported). */
  start(master: UPID, done: (result: AuthenticationResult) => void): void {
    this.cancel();
    const clientNonce = newNonce(this.port.secretBytes);
    const timer = this.port.delay(this.timeoutMs, () => this.finish({ kind: 'timeout' }));
    this.exchange = { master, clientNonce, serverNonce: undefined, timer, done };
    this.port.send(master, Authenticate, { principal: this.credential.principal, clientNonce });
  }

  /**
   * Ends the exchange in progress as one that timed out (its master went away before answering):
   * its owner retries as after a timeout, within its backoff, instead of waiting out the timeout.
   */
  giveUp(): void {
    this.finish({ kind: 'timeout' });
  }

  /** Abandons the exchange in progress, if any (the master changed, or the actor stops). */
  cancel(): void {
    this.exchange?.timer.cancel();
    this.exchange = undefined;
  }

  /**
   * The master's challenge: answer it with our proof. One that names another client nonce
   * answers an exchange given up (timed out, or its master's link broke) and is ignored: answered,
   * its proof failed the exchange in progress at the master ("wrong principal or secret"),
   * which stopped the client.
   */
  challenge(from: UPID, { serverNonce, clientNonce }: BodyOf<typeof AuthenticationChallenge>): void {
    const exchange = this.current(from);
    if (exchange === undefined || exchange.serverNonce !== undefined || serverNonce.length !== AUTHENTICATION_NONCE_BYTES * 2) return;
    if (clientNonce !== undefined && clientNonce !== exchange.clientNonce) return;
    exchange.serverNonce = serverNonce;
    this.port.send(exchange.master, AuthenticationResponse, { clientProof: authenticationProof('client', this.proofInput(exchange, serverNonce)) });
  }

  /** The master accepted our proof: check its own before trusting it. */
  completed(from: UPID, { serverProof }: BodyOf<typeof AuthenticationCompleted>): void {
    const exchange = this.current(from);
    if (exchange?.serverNonce === undefined) return;
    if (verifyProof('server', this.proofInput(exchange, exchange.serverNonce), serverProof)) this.finish({ kind: 'authenticated' });
    else this.finish({ kind: 'refused', reason: `the master at ${from.toString()} could not prove it knows the secret of '${this.credential.principal}'` });
  }

  /**
   * The master refused. One naming another client nonce refuses an exchange given up (the master
   * answered its proof late) and is ignored: taken as this one's, it stopped a client whose
   * secret was right. What the master says may succeed again (`retry`: too many exchanges in
   * progress, ours expired or gone at the master) is retried; anything else is not. A master from
   * before the flag (2026-12-07) said only "too many authentications in progress" of those.
   */
  failed(from: UPID, { reason, clientNonce, retry }: BodyOf<typeof AuthenticationFailed>): void {
    const exchange = this.current(from);
    if (exchange === undefined) return;
    if (clientNonce !== undefined && clientNonce !== exchange.clientNonce) return;
    const retryable = retry ?? /too many authentications in progress/.test(reason);
    this.finish(retryable ? { kind: 'timeout' } : { kind: 'refused', reason });
  }

  private current(from: UPID): Exchange | undefined {
    const exchange = this.exchange;
    return exchange !== undefined && from.equals(exchange.master) ? exchange : undefined;
  }

  private proofInput(exchange: Exchange, serverNonce: string): Parameters<typeof authenticationProof>[1] {
    return {
      principal: this.credential.principal, secret: this.credential.secret, clientPid: this.port.self().toString(),
      masterPid: exchange.master.toString(), clientNonce: exchange.clientNonce, serverNonce,
    };
  }

  private finish(result: AuthenticationResult): void {
    const exchange = this.exchange;
    if (exchange === undefined) return;
    this.cancel();
    exchange.done(result);
  }
}
