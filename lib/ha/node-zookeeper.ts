/**
 * `ZooKeeperClient` over a real ensemble, through `node-zookeeper-client` (a pure JavaScript
 * client). What the adapter adds to the library:
 *
 * - Requests become promises that reject with `ZooKeeperError`. As with ZooKeeper's Java client,
 *   those pending when the link breaks, and those made while disconnected, fail with
 *   CONNECTION_LOSS (the library would hold them until it reconnects, which may be never); and
 *   every request is bounded by `ZOOKEEPER_REQUEST_TIMEOUT_MS` (e.g. while first connecting).
 * - A read timeout, as ZooKeeper's own clients have: the library notices a broken link only when
 *   TCP reports it, so a server that stops answering (hung, partitioned behind a firewall that
 *   drops packets) would leave it `connected` forever, and its session expiry unseen. The adapter
 *   probes the server and drops a connection that has not answered for 2/3 of the session
 *   timeout; the library then reconnects, and learns on reconnection if the session expired.
 * - Transactions keep version 0 (the library's builder turns it into -1, "any version").
 * - With credentials in the URL: digest authentication, and nodes created world-readable and
 *   writable by their creator's identity only (Mesos' `EVERYONE_READ_CREATOR_ALL`).
 *
 * The library retries connecting forever; the caller decides when to give up (`close`).
 *
 * @example
 *   const client = connectNodeZooKeeper(parseZooKeeperUrl('zk://10.0.0.1:2181/mesos'), { sessionTimeoutMs: 10_000 });
 *   client.onStateChange((state) => { if (state === 'expired') startOver(); });
 *   await client.mkdirp('/mesos');
 *   const path = await client.create('/mesos/info_', data, 'ephemeral-sequential');
 */
// The library ships no types: ours are beside this file, referenced so that a program compiled
// outside this repository's include list (a user's framework importing the library) finds them.
/// <reference path="./node-zookeeper-client.d.ts" />
import * as zookeeper from 'node-zookeeper-client';
import { RealClock, type Clock, type TimerHandle } from '../process/clock';
import {
  ZooKeeperError,
  type ZooKeeperClient,
  type ZooKeeperConnectOptions,
  type ZooKeeperConnector,
  type ZooKeeperCreateMode,
  type ZooKeeperData,
  type ZooKeeperErrorCode,
  type ZooKeeperOperation,
  type ZooKeeperSessionState,
  type ZooKeeperUrl,
} from './zookeeper';

/**
 * A request unanswered this long rejects with CONNECTION_LOSS (it may still be applied later).
 * Without it, a request made before the session is first established would wait as long as the
 * library keeps trying to connect: forever. (Once connected, a broken or silent link fails the
 * pending requests within a read timeout.) 10 s is Mesos' default session timeout: a request
 * outstanding longer than a session would last is not worth waiting for.
 */
export const ZOOKEEPER_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Longest `close()` waits for the server to end the session (which deletes its ephemeral nodes at
 * once, so another master is elected without waiting for expiry). A server that answers at all
 * answers a close in milliseconds; one that does not within this expires the session by itself.
 * It bounds how long a master stopped by SIGTERM takes to exit while ZooKeeper is unreachable (a
 * read timeout, 6.7 s of a 10 s session, before: a supervisor restarting it at once found its
 * port still taken).
 */
export const ZOOKEEPER_CLOSE_TIMEOUT_MS = 2_000;
/** A connection silent for this share of the session timeout is dropped (ZooKeeper's clients' read timeout). */
const READ_TIMEOUT_SHARE = 2 / 3;
/** Liveness checks per read timeout: a dead link is dropped between 1 and 1.25 read timeouts after it died. */
const LIVENESS_CHECKS_PER_READ_TIMEOUT = 4;
/** Longest random wait before trying the servers again once all have failed (the library's default). */
const RECONNECT_SPIN_DELAY_MS = 1_000;
/** What a liveness probe asks about (`exists`): the root, which is always there. */
const LIVENESS_PROBE_PATH = '/';

const CREATE_MODES: Readonly<Record<ZooKeeperCreateMode, number>> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  'persistent-sequential': zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  'ephemeral-sequential': zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

/** The library's error codes that callers tell apart; any other is OTHER, with its message. */
const ERROR_CODES: ReadonlyMap<number, ZooKeeperErrorCode> = new Map<number, ZooKeeperErrorCode>([
  [zookeeper.Exception.NO_NODE, 'NO_NODE'],
  [zookeeper.Exception.NODE_EXISTS, 'NODE_EXISTS'],
  [zookeeper.Exception.BAD_VERSION, 'BAD_VERSION'],
  [zookeeper.Exception.NOT_EMPTY, 'NOT_EMPTY'],
  [zookeeper.Exception.CONNECTION_LOSS, 'CONNECTION_LOSS'],
  [zookeeper.Exception.SESSION_EXPIRED, 'SESSION_EXPIRED'],
]);

/** How the requests still pending fail when the link or the session ends. */
type EndingCode = 'CONNECTION_LOSS' | 'SESSION_EXPIRED' | 'CLOSED';

/** Options of the adapter itself (the session's are `ZooKeeperConnectOptions`). */
export interface NodeZooKeeperOptions {
  /** Default `ZOOKEEPER_REQUEST_TIMEOUT_MS`. */
  readonly requestTimeoutMs?: number;
  /** For request timeouts and liveness checks; default real time (the library's own timers are real). */
  readonly clock?: Clock;
}

/** A connector with adapter options other than the defaults. */
export function createNodeZooKeeperConnector(options: NodeZooKeeperOptions = {}): ZooKeeperConnector {
  const requestTimeoutMs = options.requestTimeoutMs ?? ZOOKEEPER_REQUEST_TIMEOUT_MS;
  if (!(requestTimeoutMs > 0)) throw new Error(`requestTimeoutMs must be positive (got ${requestTimeoutMs})`);
  const clock = options.clock ?? new RealClock();
  return (url, connectOptions) => new NodeZooKeeperClient(url, connectOptions, requestTimeoutMs, clock);
}

/** Opens a session with a real ensemble (see the file's comment). */
export const connectNodeZooKeeper: ZooKeeperConnector = createNodeZooKeeperConnector();

class NodeZooKeeperClient implements ZooKeeperClient {
  /** The library's client (one session; it reconnects by itself). */
  private readonly library: zookeeper.Client;
  /** The ACL of every node this session creates. */
  private readonly acls: zookeeper.ACL[];
  /** The session's state as callers see it. */
  private current: ZooKeeperSessionState = 'connecting';
  private readonly listeners: Array<(state: ZooKeeperSessionState) => void> = [];
  /** Requests not answered yet: they fail at once when the session ends (the library forgets the queued ones). */
  private readonly pendingRequests = new Set<(code: EndingCode) => void>();
  /** Child watches set and not fired yet; they fire if the session expires. */
  private readonly pendingWatches = new Set<() => void>();
  /** The next liveness check, while the session lives. */
  private livenessTimer: TimerHandle | undefined;
  /** The outstanding liveness probe (its number and when it was sent), if any. */
  private probe: { readonly id: number; readonly sentAtMs: number } | undefined;
  private probesSent = 0;
  /** While not connected: the library's connection attempt being timed, and since when. */
  private attempt: { readonly socket: object; readonly sinceMs: number } | undefined;
  /** When the latest request the server answered was sent (see `sessionSurelyAliveUntilMs`). */
  private answeredSentAtMs: number | undefined;

  constructor(
    url: ZooKeeperUrl,
    options: ZooKeeperConnectOptions,
    private readonly requestTimeoutMs: number,
    private readonly clock: Clock,
  ) {
    if (!(options.sessionTimeoutMs > 0)) throw new Error(`sessionTimeoutMs must be positive (got ${options.sessionTimeoutMs})`);
    this.library = zookeeper.createClient(url.servers, {
      sessionTimeout: options.sessionTimeoutMs,
      spinDelay: RECONNECT_SPIN_DELAY_MS,
      retries: 0, // a request that lost its connection may have been applied: the caller decides
    });
    // The read timeout needs the library's connection manager; fail here if a new version moved it.
    if (typeof this.library.connectionManager !== 'object') throw new Error('node-zookeeper-client has no connectionManager (unsupported version)');
    this.acls = url.credentials !== undefined
      ? [new zookeeper.ACL(zookeeper.Permission.READ, zookeeper.Id.ANYONE_ID_UNSAFE), new zookeeper.ACL(zookeeper.Permission.ALL, zookeeper.Id.AUTH_IDS)]
      : zookeeper.ACL.OPEN_ACL_UNSAFE;
    if (url.credentials !== undefined) this.library.addAuthInfo('digest', Buffer.from(url.credentials));
    this.library.on('state', (state) => this.libraryStateChanged(state));
    this.library.connect();
    this.scheduleLivenessCheck();
  }

  get state(): ZooKeeperSessionState {
    return this.current;
  }

  get sessionTimeoutMs(): number {
    return this.library.getSessionTimeout();
  }

  get sessionSurelyAliveUntilMs(): number | undefined {
    const sentAtMs = this.answeredSentAtMs;
    if (sentAtMs === undefined) return undefined;
    // Sent later than now by the clock: it was reckoned before the clock was set back, and says
    // nothing sure in the clock's new frame (trusting it would keep a stalled leader leading for
    // the step as well). Sure only of now, until the next answer.
    const nowMs = this.clock.now();
    return sentAtMs > nowMs ? nowMs : sentAtMs + this.sessionTimeoutMs;
  }

  onStateChange(listener: (state: ZooKeeperSessionState) => void): void {
    this.listeners.push(listener);
  }

  create(path: string, data: Buffer, mode: ZooKeeperCreateMode = 'persistent'): Promise<string> {
    return this.request<string>(path, (done) =>
      this.library.create(path, data, this.acls, CREATE_MODES[mode], (error, created) => done(error, created ?? path)));
  }

  async mkdirp(path: string): Promise<void> {
    let prefix = '';
    for (const name of path.split('/').slice(1)) {
      prefix += `/${name}`;
      try {
        await this.create(prefix, Buffer.alloc(0));
      } catch (error) {
        if (!(error instanceof ZooKeeperError && error.code === 'NODE_EXISTS')) throw error;
      }
    }
  }

  getData(path: string): Promise<ZooKeeperData> {
    return this.request<ZooKeeperData>(path, (done) =>
      this.library.getData(path, (error, data, stat) => done(error, { data: data ?? Buffer.alloc(0), version: stat?.version ?? -1 })));
  }

  setData(path: string, data: Buffer, version: number): Promise<number> {
    return this.request<number>(path, (done) =>
      this.library.setData(path, data, version, (error, stat) => done(error, stat?.version ?? -1)));
  }

  getChildren(path: string, watch?: () => void): Promise<string[]> {
    if (watch === undefined) {
      return this.request<string[]>(path, (done) => this.library.getChildren(path, (error, children) => done(error, children ?? [])));
    }
    const fire = (): void => {
      if (!this.pendingWatches.delete(fire) || this.current === 'closed') return;
      watch();
    };
    return this.request<string[]>(path, (done) =>
      this.library.getChildren(path, fire, (error, children) => {
        // The library registers the watch (only for a successful request), then calls back at
        // once: no notification can come in between.
        if (error === null || error === undefined) this.pendingWatches.add(fire);
        done(error, children ?? []);
      }));
  }

  exists(path: string): Promise<boolean> {
    return this.request<boolean>(path, (done) => this.library.exists(path, (error, stat) => done(error, stat !== null && stat !== undefined)));
  }

  remove(path: string, version = -1): Promise<void> {
    return this.request<void>(path, (done) => this.library.remove(path, version, (error) => done(error, undefined)));
  }

  multi(operations: readonly ZooKeeperOperation[]): Promise<void> {
    return this.request<void>(operations[0]?.path ?? '', (done) => {
      const transaction = this.library.transaction();
      for (const operation of operations) this.addOperation(transaction, operation);
      transaction.commit((error, results) => done(error && multiError(error, results, operations), undefined));
    });
  }

  async close(): Promise<void> {
    if (this.current === 'closed') return;
    const libraryState = this.library.getState();
    this.stopLivenessChecks();
    this.setState('closed');
    if (libraryState === zookeeper.State.EXPIRED) return;
    // Connected: the server ends the session (deleting its ephemeral nodes), then closes the link;
    // one that does not within a read timeout (or ZOOKEEPER_CLOSE_TIMEOUT_MS) is not answering anyway.
    const answerTimeoutMs = Math.min(this.requestTimeoutMs, this.readTimeoutMs(), ZOOKEEPER_CLOSE_TIMEOUT_MS);
    const linkClosed = libraryState === zookeeper.State.SYNC_CONNECTED ? this.libraryDisconnected(answerTimeoutMs) : Promise.resolve();
    this.library.close();
    // Closed while the link is down, perhaps from inside the library's own DISCONNECTED event: the
    // library has decided to reconnect already and does so once that event returns. Told again
    // after that, its next failed attempt is its last (see `libraryStateChanged` for one that
    // succeeds).
    if (libraryState !== zookeeper.State.SYNC_CONNECTED) queueMicrotask(() => this.library.close());
    await linkClosed;
    // Not connected, or no answer: stop the library's reconnecting; the server expires the session.
    this.dropConnection();
    this.failPendingRequests('CLOSED');
  }

  /** Runs one library request as a bounded promise; `issue` calls `done` with the library's error or the result. */
  private request<T>(path: string, issue: (done: (error: unknown, value: T) => void) => void): Promise<T> {
    if (this.current === 'closed') return Promise.reject(new ZooKeeperError('CLOSED', path));
    if (this.current === 'expired') return Promise.reject(new ZooKeeperError('SESSION_EXPIRED', path));
    if (this.current === 'disconnected') return Promise.reject(new ZooKeeperError('CONNECTION_LOSS', path, 'disconnected'));
    const sentAtMs = this.clock.now();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = this.clock.setTimer(this.requestTimeoutMs, () => fail(new ZooKeeperError('CONNECTION_LOSS', path, `no answer within ${this.requestTimeoutMs} ms`)));
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        timer.cancel();
        this.pendingRequests.delete(end);
        return true;
      };
      const fail = (error: unknown): void => {
        if (settle()) reject(this.current === 'closed' ? new ZooKeeperError('CLOSED', path) : toZooKeeperError(error, path));
      };
      const done = (error: unknown, value: T): void => {
        if (error !== null && error !== undefined) return fail(error);
        this.answered(sentAtMs);
        if (settle()) resolve(value);
      };
      const end = (code: EndingCode): void => fail(new ZooKeeperError(code, path, code === 'CONNECTION_LOSS' ? 'disconnected' : undefined));
      this.pendingRequests.add(end);
      try {
        issue(done);
      } catch (error) {
        fail(error); // the library validates paths and arguments by throwing
      }
    });
  }

  private addOperation(transaction: zookeeper.Transaction, operation: ZooKeeperOperation): void {
    switch (operation.type) {
      case 'create':
        transaction.create(operation.path, operation.data, this.acls, CREATE_MODES[operation.mode ?? 'persistent']);
        return;
      case 'setData':
        transaction.setData(operation.path, operation.data, operation.version);
        return setLastVersion(transaction, operation.version);
      case 'check':
        transaction.check(operation.path, operation.version);
        return setLastVersion(transaction, operation.version);
      case 'remove':
        transaction.remove(operation.path, operation.version ?? -1);
        return setLastVersion(transaction, operation.version ?? -1);
    }
  }

  private libraryStateChanged(state: zookeeper.State): void {
    if (this.current === 'closed') {
      // Reconnected after `close` (its link was down then, and the library resumed the session):
      // the session is ended now, or it would live on (pinged by the library) with its ephemeral
      // nodes, a leader's candidacy among them, and no new leader could be elected (HA walkthrough).
      if (state === zookeeper.State.SYNC_CONNECTED || state === zookeeper.State.CONNECTED_READ_ONLY) this.library.close();
      return;
    }
    switch (state) {
      case zookeeper.State.SYNC_CONNECTED:
      case zookeeper.State.CONNECTED_READ_ONLY:
        this.probe = undefined;
        this.attempt = undefined;
        return this.setState('connected');
      case zookeeper.State.DISCONNECTED:
        // Failed attempts before the first connection are still `connecting`.
        return this.setState(this.current === 'connecting' ? 'connecting' : 'disconnected');
      case zookeeper.State.EXPIRED:
      // The server refused our credentials and closed the session: as dead as an expired one.
      case zookeeper.State.AUTH_FAILED:
        return this.setState('expired');
      default:
        return; // SASL_AUTHENTICATED: not a change of the session's state
    }
  }

  private setState(state: ZooKeeperSessionState): void {
    if (state === this.current || this.current === 'closed') return;
    if (this.current === 'expired' && state !== 'closed') return;
    this.current = state;
    if (state === 'expired') this.stopLivenessChecks();
    for (const listener of [...this.listeners]) listener(state);
    if (state === 'disconnected') this.failPendingRequests('CONNECTION_LOSS');
    if (state !== 'expired') return;
    this.failPendingRequests('SESSION_EXPIRED');
    // The interface's rule: an expired session's watches never fire (callers watch `state`).
    this.pendingWatches.clear();
  }

  private failPendingRequests(code: EndingCode): void {
    for (const end of [...this.pendingRequests]) end(code);
  }

  private scheduleLivenessCheck(): void {
    const intervalMs = this.readTimeoutMs() / LIVENESS_CHECKS_PER_READ_TIMEOUT;
    this.livenessTimer = this.clock.setTimer(intervalMs, () => {
      this.checkLiveness();
      if (this.livenessTimer !== undefined) this.scheduleLivenessCheck();
    });
  }

  private stopLivenessChecks(): void {
    this.livenessTimer?.cancel();
    this.livenessTimer = undefined;
  }

  /** Drops a connection (or connection attempt) the server has not answered for a read timeout. */
  private checkLiveness(): void {
    const nowMs = this.clock.now();
    if (this.current === 'connected') {
      this.attempt = undefined;
      if (this.probe === undefined) return this.sendProbe(nowMs);
      // A probe sent before the clock was set back is aged from now (else a silent server would go unnoticed for the step).
      if (nowMs < this.probe.sentAtMs) this.probe = { id: this.probe.id, sentAtMs: nowMs };
      if (nowMs - this.probe.sentAtMs >= this.readTimeoutMs()) this.dropConnection();
      return;
    }
    // The library stops timing an attempt once TCP connects, then waits for the server's answer forever.
    const socket = this.library.connectionManager.socket;
    if (socket === undefined) return;
    if (this.attempt?.socket !== socket || nowMs < this.attempt.sinceMs) {
      this.attempt = { socket, sinceMs: nowMs };
    } else if (nowMs - this.attempt.sinceMs >= this.readTimeoutMs()) {
      this.attempt = undefined;
      this.dropConnection();
    }
  }

  private sendProbe(nowMs: number): void {
    const probe = { id: ++this.probesSent, sentAtMs: nowMs };
    this.probe = probe;
    // Any answer, even an error, shows the link works; CONNECTION_LOSS comes when it is dropped.
    this.library.exists(LIVENESS_PROBE_PATH, (error) => {
      if (error === null || error === undefined) this.answered(probe.sentAtMs);
      if (this.probe?.id === probe.id) this.probe = undefined;
    });
  }

  /** The server answered a request sent at `sentAtMs`: the session lives at least a timeout past it. */
  private answered(sentAtMs: number): void {
    const latest = this.answeredSentAtMs;
    // One later than now by the clock was reckoned before the clock was set back: any answer replaces it.
    if (latest === undefined || sentAtMs > latest || latest > this.clock.now()) this.answeredSentAtMs = sentAtMs;
  }

  /** Closes the library's socket: it fails the requests in flight with CONNECTION_LOSS and reconnects (unless closing). */
  private dropConnection(): void {
    this.library.connectionManager.socket?.destroy();
  }

  private readTimeoutMs(): number {
    return this.library.getSessionTimeout() * READ_TIMEOUT_SHARE;
  }

  /** Resolves once the library reports its link closed, or after `timeoutMs`. */
  private libraryDisconnected(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        timer.cancel();
        this.library.removeListener('state', listener);
        resolve();
      };
      const listener = (state: zookeeper.State): void => {
        if (state === zookeeper.State.DISCONNECTED) finish();
      };
      const timer = this.clock.setTimer(timeoutMs, finish);
      this.library.on('state', listener);
    });
  }
}

/** The library's builder turns version 0 into -1 (`version || -1`); the version is written back. */
function setLastVersion(transaction: zookeeper.Transaction, version: number): void {
  const operation = transaction.ops[transaction.ops.length - 1];
  if (operation === undefined) throw new Error('transaction has no operation to set the version of');
  operation.version = version;
}

/** A failed transaction's error, at the path of the operation that failed (the others report OK or RUNTIME_INCONSISTENCY). */
function multiError(error: unknown, results: readonly zookeeper.TransactionResult[] | undefined, operations: readonly ZooKeeperOperation[]): ZooKeeperError {
  const index = results?.findIndex((result) => result.err !== undefined && result.err !== zookeeper.Exception.OK) ?? -1;
  const operation = operations[index];
  if (operation === undefined) return toZooKeeperError(error, '');
  return toZooKeeperError(error, operation.path, `operation ${index + 1} of ${operations.length} (${operation.type})`);
}

/** `error` (the library's, or a thrown one) as a ZooKeeperError at `path`; `context` starts its detail. */
function toZooKeeperError(error: unknown, path: string, context?: string): ZooKeeperError {
  if (error instanceof ZooKeeperError) return error;
  const code = error instanceof zookeeper.Exception ? ERROR_CODES.get(error.getCode()) : undefined;
  const message = code === undefined ? (error instanceof Error ? error.message : String(error)) : undefined;
  const detail = [context, message].filter((part) => part !== undefined).join(': ');
  return new ZooKeeperError(code ?? 'OTHER', path, detail === '' ? undefined : detail);
}
