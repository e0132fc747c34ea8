/**
 * The part of ZooKeeper that leader election, detection and the replicated registry use, as one
 * interface with two implementations: a real server through `node-zookeeper-client`
 * (lib/ha/node-zookeeper.ts) and an in-memory server on a virtual clock for simulations
 * (lib/ha/memory-zookeeper.ts), where sessions can be made to expire and links to fail.
 *
 * A session's life: `connected` → (`disconnected` → `connected`)* → `expired` or closed. While
 * disconnected the session may still be alive on the server (its ephemeral nodes stay) until
 * the session timeout passes; then the server expires it and deletes them. A client that sees
 * `expired` must start a new session: everything it held is gone.
 */

/** ZooKeeper error codes the callers tell apart (the names ZooKeeper's `KeeperException` uses). */
export type ZooKeeperErrorCode =
  | 'NO_NODE'
  | 'NODE_EXISTS'
  | 'BAD_VERSION'
  | 'NOT_EMPTY'
  /** The request may or may not have been applied: the link broke before the answer. */
  | 'CONNECTION_LOSS'
  | 'SESSION_EXPIRED'
  /** Closed by the caller. */
  | 'CLOSED'
  | 'OTHER';

/** A failed ZooKeeper request. */
export class ZooKeeperError extends Error {
  constructor(readonly code: ZooKeeperErrorCode, readonly path: string, detail?: string) {
    super(`zookeeper: ${code}${path ? ` at ${path}` : ''}${detail ? `: ${detail}` : ''}`);
    this.name = 'ZooKeeperError';
  }
}

/** Whether `error` is a ZooKeeper error with `code`. */
export function isZooKeeperError(error: unknown, code: ZooKeeperErrorCode): error is ZooKeeperError {
  return error instanceof ZooKeeperError && error.code === code;
}

/** The session's state as the client sees it. */
export type ZooKeeperSessionState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed';

/** How a node is created. */
export type ZooKeeperCreateMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential';

/** One operation of an atomic `multi`. */
export type ZooKeeperOperation =
  | { readonly type: 'create'; readonly path: string; readonly data: Buffer; readonly mode?: ZooKeeperCreateMode }
  | { readonly type: 'setData'; readonly path: string; readonly data: Buffer; readonly version: number }
  | { readonly type: 'check'; readonly path: string; readonly version: number }
  | { readonly type: 'remove'; readonly path: string; readonly version?: number };

/** A node's contents and version (its `dataVersion`, the one `setData` compares). */
export interface ZooKeeperData {
  readonly data: Buffer;
  readonly version: number;
}

/**
 * A ZooKeeper session. Requests reject with `ZooKeeperError`. A watch fires once, on the next
 * change after it was set (ZooKeeper's one-shot watches); one set by a session that expires
 * never fires (callers watch `state`).
 */
export interface ZooKeeperClient {
  /** The session's state now. */
  readonly state: ZooKeeperSessionState;
  /** The session timeout the server granted (ms). */
  readonly sessionTimeoutMs: number;
  /**
   * Until when (ms since the epoch) the session surely lives: the server answered a request sent
   * at `t`, and it expires a session only a whole timeout after it last heard from it, so not
   * before `t + sessionTimeoutMs`. Undefined when not known (no answer yet, or a client that
   * does not track it). A process that was stopped or starved past it may have lost its session
   * without having been told yet.
   */
  readonly sessionSurelyAliveUntilMs?: number;
  /** Called on every change of `state`. */
  onStateChange(listener: (state: ZooKeeperSessionState) => void): void;
  /** Creates a node; resolves with its path (with the sequence number, for sequential modes). */
  create(path: string, data: Buffer, mode?: ZooKeeperCreateMode): Promise<string>;
  /** Creates `path` and its missing parents as persistent nodes (no error if it exists). */
  mkdirp(path: string): Promise<void>;
  /** The node's data and version. */
  getData(path: string): Promise<ZooKeeperData>;
  /** Sets the node's data if its version is `version` (-1: any); resolves with the new version. */
  setData(path: string, data: Buffer, version: number): Promise<number>;
  /** The names of the node's children; `watch` fires once when they change. */
  getChildren(path: string, watch?: () => void): Promise<string[]>;
  /** Whether the node exists. */
  exists(path: string): Promise<boolean>;
  /** Deletes the node if its version is `version` (-1 or absent: any). */
  remove(path: string, version?: number): Promise<void>;
  /** Applies all of `operations` or none (rejects with the first failing one's error). */
  multi(operations: readonly ZooKeeperOperation[]): Promise<void>;
  /** Ends the session (its ephemeral nodes go at once). */
  close(): Promise<void>;
}

/** A parsed `zk://` URL. */
export interface ZooKeeperUrl {
  /** `host:port,host:port` as ZooKeeper clients take it. */
  readonly servers: string;
  /** The znode under which masters contend, e.g. `/mesos`. */
  readonly path: string;
  /** `user:password` for ZooKeeper's digest authentication, if the URL has one. */
  readonly credentials?: string;
}

/** Longest `zk://` URL accepted (a flag, not a document). */
export const MAX_ZOOKEEPER_URL_LENGTH = 4096;

/**
 * Parses `zk://host1:2181,host2:2181/mesos` (Mesos' `--zk` and `--master=zk://...`), with
 * optional `user:password@` before the hosts. Throws an Error naming what is wrong.
 * @example parseZooKeeperUrl('zk://10.0.0.1:2181,10.0.0.2:2181/mesos') // { servers: '10.0.0.1:2181,10.0.0.2:2181', path: '/mesos' }
 */
export function parseZooKeeperUrl(text: string): ZooKeeperUrl {
  if (text.length > MAX_ZOOKEEPER_URL_LENGTH) throw new Error(`ZooKeeper URL is longer than ${MAX_ZOOKEEPER_URL_LENGTH} characters`);
  const match = /^zk:\/\/(?:([^@/]+)@)?([^/]+)(\/.*)$/.exec(text);
  if (match === null) throw new Error(`'${text}' is not a ZooKeeper URL (expected zk://host:port[,host:port...]/path)`);
  const [, credentials, servers = '', path = ''] = match;
  for (const server of servers.split(',')) {
    const hostPort = /^([^:,\s]+):(\d{1,5})$/.exec(server);
    const port = Number(hostPort?.[2]);
    if (hostPort === null || port < 1 || port > 65_535) throw new Error(`'${text}': '${server}' is not host:port`);
  }
  if (path === '/' || path.endsWith('/') || path.includes('//') || /[\s]/.test(path)) {
    throw new Error(`'${text}': '${path}' is not a znode path (e.g. /mesos)`);
  }
  if (credentials !== undefined && !/^[^:]+:.+$/.test(credentials)) throw new Error(`'${text}': credentials must be user:password`);
  return { servers, path, ...(credentials !== undefined ? { credentials } : {}) };
}

/**
 * A `zk://` URL as it may be logged or printed: its `user:password@` (digest credentials) cut out.
 * @example shownZooKeeperUrl('zk://ops:s3cret@zk1:2181/mesos') // 'zk://zk1:2181/mesos'
 */
export function shownZooKeeperUrl(text: string): string {
  return text.replace(/^zk:\/\/[^@/]*@/, 'zk://');
}

/** Options of a connection to ZooKeeper. */
export interface ZooKeeperConnectOptions {
  /** The session timeout to ask for (ms); the server may grant another within its bounds. */
  readonly sessionTimeoutMs: number;
}

/** Opens a session: what the contender, detector and registry are given (real or simulated). */
export type ZooKeeperConnector = (url: ZooKeeperUrl, options: ZooKeeperConnectOptions) => ZooKeeperClient;

/**
 * Resolves once `client` is connected; rejects if it is not within `timeoutMs` (or its session
 * ends first), naming the servers.
 */
export function whenConnected(client: ZooKeeperClient, url: ZooKeeperUrl, timeoutMs: number, clock: { setTimer(ms: number, callback: () => void): { cancel(): void } }): Promise<void> {
  if (client.state === 'connected') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const timer = clock.setTimer(timeoutMs, () => finish(new Error(`no ZooKeeper session with ${url.servers} within ${timeoutMs} ms`)));
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      if (error) reject(error);
      else resolve();
    };
    client.onStateChange((state) => {
      if (state === 'connected') finish();
      else if (state === 'expired' || state === 'closed') finish(new Error(`the ZooKeeper session with ${url.servers} ended (${state})`));
    });
  });
}
