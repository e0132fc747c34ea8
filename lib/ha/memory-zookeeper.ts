/**
 * An in-memory ZooKeeper server on a (virtual) clock, for simulations and tests: the same
 * `ZooKeeperClient` interface as a real server, with the faults HA code must survive made
 * explicit and deterministic.
 *
 * Each request is applied `latencyMs` after it is made and answered `latencyMs` after that, so a
 * link cut in between yields CONNECTION_LOSS for a request that was applied (the ambiguous
 * outcome real clients see). A client cut off by `partition` notices after two thirds of its
 * session timeout (a real client's read timeout) and goes `disconnected`; the server expires
 * the session once the full timeout has passed without it, deleting its ephemeral nodes. After
 * `heal`, the client finds its session `connected` again or `expired`. Watches set by a session
 * are delivered in order once it is connected and its link is up (a watch fired while the link
 * was cut arrives on `heal`, whether or not the client had noticed); a session that expires
 * loses them.
 */
import type { Clock, TimerHandle } from '../process/clock';
import {
  ZooKeeperError,
  type ZooKeeperClient,
  type ZooKeeperConnectOptions,
  type ZooKeeperCreateMode,
  type ZooKeeperData,
  type ZooKeeperOperation,
  type ZooKeeperSessionState,
  type ZooKeeperUrl,
} from './zookeeper';

/** Time a simulated request takes to be applied, and again to be answered. */
export const SIMULATED_ZOOKEEPER_LATENCY_MS = 1;
/** Share of the session timeout after which a cut-off client notices (ZooKeeper's read timeout). */
export const ZOOKEEPER_DISCONNECT_NOTICE_FRACTION = 2 / 3;
/** Bounds the simulated server puts on asked session timeouts (ZooKeeper: 2 and 20 ticks of 2 s). */
export const SIMULATED_ZOOKEEPER_MIN_SESSION_TIMEOUT_MS = 4_000;
export const SIMULATED_ZOOKEEPER_MAX_SESSION_TIMEOUT_MS = 40_000;
/** Digits of a sequential node's suffix (as ZooKeeper pads them). */
const SEQUENCE_DIGITS = 10;

interface MemoryNode {
  data: Buffer;
  version: number;
  readonly ephemeralOwner: number | undefined;
  readonly children: Set<string>;
  nextSequence: number;
}

/** The server's side of one session. */
interface ServerSession {
  readonly id: number;
  readonly timeoutMs: number;
  readonly client: MemoryZooKeeperClient;
  live: boolean;
  /** The link to the client is cut (since when). */
  cutAtMs: number | undefined;
  expiryTimer: TimerHandle | undefined;
  noticeTimer: TimerHandle | undefined;
  /** Child watches set by this session: path → callbacks. */
  readonly childWatches: Map<string, Array<() => void>>;
}

/** Options of `MemoryZooKeeper`. */
export interface MemoryZooKeeperOptions {
  /**
   * Default `SIMULATED_ZOOKEEPER_LATENCY_MS`. Pass 0 under a virtual clock that is not
   * `simulated` (hosts with real sockets): its `settle` waits for deferred work, such as a
   * registry write, before moving time, so that work must not need time to pass.
   */
  readonly latencyMs?: number;
}

/**
 * A simulated ZooKeeper server. `connect` is a `ZooKeeperConnector`; the rest are faults and
 * inspection for tests.
 *
 * @example
 *   const zk = new MemoryZooKeeper(clock);
 *   const client = zk.connect(parseZooKeeperUrl('zk://sim:2181/mesos'), { sessionTimeoutMs: 10_000 });
 *   zk.partition(client);           // it goes `disconnected`, then its session expires
 */
export class MemoryZooKeeper {
  private readonly nodes = new Map<string, MemoryNode>([['/', newNode(Buffer.alloc(0), undefined)]]);
  private readonly sessions = new Map<number, ServerSession>();
  private nextSessionId = 1;
  private readonly latencyMs: number;

  constructor(private readonly clock: Clock, options: MemoryZooKeeperOptions = {}) {
    this.latencyMs = options.latencyMs ?? SIMULATED_ZOOKEEPER_LATENCY_MS;
  }

  /** Opens a session (a `ZooKeeperConnector`). */
  readonly connect = (_url: ZooKeeperUrl, options: ZooKeeperConnectOptions): ZooKeeperClient => {
    const timeoutMs = Math.min(SIMULATED_ZOOKEEPER_MAX_SESSION_TIMEOUT_MS, Math.max(SIMULATED_ZOOKEEPER_MIN_SESSION_TIMEOUT_MS, options.sessionTimeoutMs));
    const id = this.nextSessionId++;
    const client = new MemoryZooKeeperClient(this, id, timeoutMs);
    this.sessions.set(id, { id, timeoutMs, client, live: true, cutAtMs: undefined, expiryTimer: undefined, noticeTimer: undefined, childWatches: new Map() });
    this.later(() => client.setState('connected'));
    return client;
  };

  // ---- faults -----------------------------------------------------------------------------------

  /** Cuts `client` off the server: it notices after 2/3 of its timeout; its session expires after all of it. */
  partition(client: ZooKeeperClient): void {
    const session = this.sessionOf(client);
    if (session === undefined || !session.live || session.cutAtMs !== undefined) return;
    session.cutAtMs = this.clock.now();
    session.noticeTimer = this.clock.setTimer(session.timeoutMs * ZOOKEEPER_DISCONNECT_NOTICE_FRACTION, () => {
      session.noticeTimer = undefined;
      session.client.setState('disconnected');
    });
    session.expiryTimer = this.clock.setTimer(session.timeoutMs, () => {
      session.expiryTimer = undefined;
      this.endSession(session);
    });
  }

  /** Restores `client`'s link: it is `connected` again, or learns that its session `expired`. */
  heal(client: ZooKeeperClient): void {
    const session = this.sessionOf(client);
    if (session === undefined || session.cutAtMs === undefined) return;
    // A client closed while cut off sends nothing any more: its session still expires on time.
    if (session.client.state === 'closed') return;
    session.cutAtMs = undefined;
    session.noticeTimer?.cancel();
    session.expiryTimer?.cancel();
    session.noticeTimer = session.expiryTimer = undefined;
    if (!session.live) return this.later(() => session.client.setState('expired'));
    if (session.client.state === 'disconnected') return this.later(() => session.client.setState('connected'));
    // Back before the client noticed the cut: what the server sent meanwhile arrives now, as it
    // would over a real link (chaos seed 30 --masters 3: a contender whose watch fired while it
    // was cut off never re-read the masters, and its znode, the lowest, never led).
    this.later(() => session.client.deliverHeldWatches());
  }

  /**
   * Expires `client`'s session now, and tells it (what a client sees after a pause longer than
   * its session timeout). A cut-off client's session is left to expire on time: a server expires
   * a session only once its timeout has passed without the client, never sooner (chaos seed 3013:
   * expiring it early elected another master before the cut-off one could notice).
   */
  expire(client: ZooKeeperClient): void {
    const session = this.sessionOf(client);
    if (session === undefined || !session.live || session.cutAtMs !== undefined) return;
    this.endSession(session);
    this.later(() => session.client.setState('expired'));
  }

  /** Whether `client` is cut off. */
  isPartitioned(client: ZooKeeperClient): boolean {
    return this.sessionOf(client)?.cutAtMs !== undefined;
  }

  // ---- inspection -------------------------------------------------------------------------------

  /** The children of `path`, sorted (empty if there is no such node). */
  childrenOf(path: string): string[] {
    return [...(this.nodes.get(path)?.children ?? [])].sort();
  }

  /** The data of `path` as text, if the node exists. */
  dataOf(path: string): string | undefined {
    return this.nodes.get(path)?.data.toString('utf8');
  }

  // ---- the server (called by clients) -----------------------------------------------------------

  /** @internal Runs `operation` for session `id` as the server would, answering through `then`. */
  request<T>(id: number, operation: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.later(() => {
        const session = this.sessions.get(id);
        if (session === undefined || session.client.state === 'closed') return reject(new ZooKeeperError('CLOSED', ''));
        if (!session.live) return reject(new ZooKeeperError('SESSION_EXPIRED', ''));
        if (session.cutAtMs !== undefined) return reject(new ZooKeeperError('CONNECTION_LOSS', ''));
        let result: { value: T } | { error: unknown };
        try {
          result = { value: operation() };
        } catch (error) {
          result = { error };
        }
        // The answer travels back: a link cut meanwhile loses it, though the request was applied.
        this.later(() => {
          if (session.cutAtMs !== undefined || !session.live) return reject(new ZooKeeperError('CONNECTION_LOSS', '', 'the answer was lost'));
          if ('value' in result) resolve(result.value);
          else reject(result.error);
        });
      });
    });
  }

  /** @internal */
  create(owner: number, path: string, data: Buffer, mode: ZooKeeperCreateMode, undo?: Array<() => void>): string {
    const { parentPath, name } = splitPath(path);
    const parent = this.nodes.get(parentPath);
    if (parent === undefined) throw new ZooKeeperError('NO_NODE', parentPath);
    if (parent.ephemeralOwner !== undefined) throw new ZooKeeperError('OTHER', path, 'ephemeral nodes may not have children');
    let fullName = name;
    if (mode === 'persistent-sequential' || mode === 'ephemeral-sequential') {
      fullName = `${name}${String(parent.nextSequence).padStart(SEQUENCE_DIGITS, '0')}`;
      parent.nextSequence++;
      if (undo) undo.push(() => { parent.nextSequence--; });
    }
    const fullPath = joinPath(parentPath, fullName);
    if (this.nodes.has(fullPath)) throw new ZooKeeperError('NODE_EXISTS', fullPath);
    const ephemeral = mode === 'ephemeral' || mode === 'ephemeral-sequential';
    this.nodes.set(fullPath, newNode(data, ephemeral ? owner : undefined));
    parent.children.add(fullName);
    if (undo) undo.push(() => { this.nodes.delete(fullPath); parent.children.delete(fullName); });
    else this.childrenChanged(parentPath);
    return fullPath;
  }

  /** @internal */
  getData(path: string): ZooKeeperData {
    const node = this.nodeAt(path);
    return { data: Buffer.from(node.data), version: node.version };
  }

  /** @internal */
  setData(path: string, data: Buffer, version: number, undo?: Array<() => void>): number {
    const node = this.nodeAt(path);
    if (version !== -1 && version !== node.version) throw new ZooKeeperError('BAD_VERSION', path, `version is ${node.version}, not ${version}`);
    const before = { data: node.data, version: node.version };
    node.data = Buffer.from(data);
    node.version++;
    if (undo) undo.push(() => { node.data = before.data; node.version = before.version; });
    return node.version;
  }

  /** @internal */
  check(path: string, version: number): void {
    const node = this.nodeAt(path);
    if (version !== -1 && version !== node.version) throw new ZooKeeperError('BAD_VERSION', path, `version is ${node.version}, not ${version}`);
  }

  /** @internal */
  getChildren(id: number, path: string, watch: (() => void) | undefined): string[] {
    const node = this.nodeAt(path);
    if (watch !== undefined) {
      const session = this.sessions.get(id);
      const watches = session?.childWatches.get(path) ?? [];
      watches.push(watch);
      session?.childWatches.set(path, watches);
    }
    return [...node.children].sort();
  }

  /** @internal */
  exists(path: string): boolean {
    return this.nodes.has(path);
  }

  /** @internal */
  remove(path: string, version: number, undo?: Array<() => void>): void {
    const node = this.nodeAt(path);
    if (version !== -1 && version !== node.version) throw new ZooKeeperError('BAD_VERSION', path, `version is ${node.version}, not ${version}`);
    if (node.children.size > 0) throw new ZooKeeperError('NOT_EMPTY', path);
    const { parentPath, name } = splitPath(path);
    const parent = this.nodes.get(parentPath);
    this.nodes.delete(path);
    parent?.children.delete(name);
    if (undo) undo.push(() => { this.nodes.set(path, node); parent?.children.add(name); });
    else this.childrenChanged(parentPath);
  }

  /** @internal All of `operations` or none; child watches fire once, after. */
  multi(owner: number, operations: readonly ZooKeeperOperation[]): void {
    const undo: Array<() => void> = [];
    const touched = new Set<string>();
    try {
      for (const operation of operations) {
        switch (operation.type) {
          case 'create': this.create(owner, operation.path, operation.data, operation.mode ?? 'persistent', undo); touched.add(splitPath(operation.path).parentPath); break;
          case 'setData': this.setData(operation.path, operation.data, operation.version, undo); break;
          case 'check': this.check(operation.path, operation.version); break;
          case 'remove': this.remove(operation.path, operation.version ?? -1, undo); touched.add(splitPath(operation.path).parentPath); break;
        }
      }
    } catch (error) {
      for (const step of undo.reverse()) step();
      throw error;
    }
    for (const path of touched) this.childrenChanged(path);
  }

  /** @internal The client closed its session: its ephemeral nodes go now. */
  close(id: number): void {
    const session = this.sessions.get(id);
    if (session === undefined) return;
    // A cut-off client's goodbye never arrives: its session lives on until it expires.
    if (session.cutAtMs !== undefined) return;
    session.noticeTimer?.cancel();
    session.expiryTimer?.cancel();
    this.endSession(session);
    this.sessions.delete(id);
  }

  private endSession(session: ServerSession): void {
    if (!session.live) return;
    session.live = false;
    session.childWatches.clear();
    const owned = [...this.nodes].filter(([, node]) => node.ephemeralOwner === session.id).map(([path]) => path);
    for (const path of owned) this.remove(path, -1);
  }

  private childrenChanged(path: string): void {
    for (const session of this.sessions.values()) {
      const watches = session.childWatches.get(path);
      if (watches === undefined || !session.live) continue;
      session.childWatches.delete(path);
      for (const watch of watches) session.client.deliverWatch(watch);
    }
  }

  private nodeAt(path: string): MemoryNode {
    const node = this.nodes.get(path);
    if (node === undefined) throw new ZooKeeperError('NO_NODE', path);
    return node;
  }

  private sessionOf(client: ZooKeeperClient): ServerSession | undefined {
    return client instanceof MemoryZooKeeperClient ? this.sessions.get(client.sessionId) : undefined;
  }

  /** Runs `callback` after the simulated latency (at once, in order, when it is 0). */
  private later(callback: () => void): void {
    if (this.latencyMs <= 0) void Promise.resolve().then(callback);
    else this.clock.setTimer(this.latencyMs, callback);
  }
}

/** The client side of a simulated session. */
class MemoryZooKeeperClient implements ZooKeeperClient {
  state: ZooKeeperSessionState = 'connecting';
  private readonly listeners: Array<(state: ZooKeeperSessionState) => void> = [];
  /** Watches fired while the client was cut off, delivered when it is connected again. */
  private readonly heldWatches: Array<() => void> = [];

  constructor(private readonly server: MemoryZooKeeper, readonly sessionId: number, readonly sessionTimeoutMs: number) {}

  onStateChange(listener: (state: ZooKeeperSessionState) => void): void {
    this.listeners.push(listener);
  }

  /** @internal */
  setState(state: ZooKeeperSessionState): void {
    if (this.state === state || this.state === 'closed' || this.state === 'expired') return;
    this.state = state;
    if (state === 'expired') this.heldWatches.length = 0;
    for (const listener of [...this.listeners]) listener(state);
    if (state === 'connected') for (const watch of this.heldWatches.splice(0)) watch();
  }

  /** @internal The link is back and the client still connected: the watches held while it was cut off fire now, in order. */
  deliverHeldWatches(): void {
    if (this.state !== 'connected' || this.server.isPartitioned(this)) return;
    for (const watch of this.heldWatches.splice(0)) watch();
  }

  /** @internal */
  deliverWatch(watch: () => void): void {
    if (this.server.isPartitioned(this)) this.heldWatches.push(watch);
    else void Promise.resolve().then(() => { if (this.state === 'connected') watch(); else this.heldWatches.push(watch); });
  }

  create(path: string, data: Buffer, mode: ZooKeeperCreateMode = 'persistent'): Promise<string> {
    return this.server.request(this.sessionId, () => this.server.create(this.sessionId, path, data, mode));
  }

  async mkdirp(path: string): Promise<void> {
    let prefix = '';
    for (const part of path.split('/').filter((segment) => segment !== '')) {
      prefix = `${prefix}/${part}`;
      const at = prefix;
      await this.server.request(this.sessionId, () => { if (!this.server.exists(at)) this.server.create(this.sessionId, at, Buffer.alloc(0), 'persistent'); });
    }
  }

  getData(path: string): Promise<ZooKeeperData> {
    return this.server.request(this.sessionId, () => this.server.getData(path));
  }

  setData(path: string, data: Buffer, version: number): Promise<number> {
    return this.server.request(this.sessionId, () => this.server.setData(path, data, version));
  }

  getChildren(path: string, watch?: () => void): Promise<string[]> {
    return this.server.request(this.sessionId, () => this.server.getChildren(this.sessionId, path, watch));
  }

  exists(path: string): Promise<boolean> {
    return this.server.request(this.sessionId, () => this.server.exists(path));
  }

  remove(path: string, version = -1): Promise<void> {
    return this.server.request(this.sessionId, () => this.server.remove(path, version));
  }

  multi(operations: readonly ZooKeeperOperation[]): Promise<void> {
    return this.server.request(this.sessionId, () => this.server.multi(this.sessionId, operations));
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.server.close(this.sessionId);
    this.state = 'closed';
    this.heldWatches.length = 0;
    for (const listener of [...this.listeners]) listener('closed');
  }
}

function newNode(data: Buffer, ephemeralOwner: number | undefined): MemoryNode {
  return { data: Buffer.from(data), version: 0, ephemeralOwner, children: new Set(), nextSequence: 0 };
}

function splitPath(path: string): { parentPath: string; name: string } {
  if (!path.startsWith('/') || path === '/' || path.endsWith('/')) throw new ZooKeeperError('OTHER', path, 'not a znode path');
  const slash = path.lastIndexOf('/');
  return { parentPath: slash === 0 ? '/' : path.slice(0, slash), name: path.slice(slash + 1) };
}

function joinPath(parentPath: string, name: string): string {
  return parentPath === '/' ? `/${name}` : `${parentPath}/${name}`;
}
