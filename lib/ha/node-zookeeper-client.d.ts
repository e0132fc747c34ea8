/**
 * Types for the parts of `node-zookeeper-client` 1.1.x (which ships none) that
 * lib/ha/node-zookeeper.ts uses; written from the package's source. Only that adapter imports
 * the module: everything else uses the `ZooKeeperClient` interface.
 */
declare module 'node-zookeeper-client' {
  /** A session state the client reports (its `name` is one of those in `State`). */
  export interface State {
    readonly name: string;
    readonly code: number;
    getName(): string;
    getCode(): number;
  }

  export const State: {
    readonly DISCONNECTED: State;
    readonly SYNC_CONNECTED: State;
    readonly AUTH_FAILED: State;
    readonly CONNECTED_READ_ONLY: State;
    readonly SASL_AUTHENTICATED: State;
    readonly EXPIRED: State;
  };

  /** A failed request; `code` is one of `Exception`'s numeric codes. `path` is usually not set. */
  export class Exception extends Error {
    readonly code: number;
    readonly path: string | undefined;
    getCode(): number;
    getName(): string;
    static readonly OK: number;
    static readonly CONNECTION_LOSS: number;
    static readonly NO_NODE: number;
    static readonly NO_AUTH: number;
    static readonly BAD_VERSION: number;
    static readonly NODE_EXISTS: number;
    static readonly NOT_EMPTY: number;
    static readonly SESSION_EXPIRED: number;
  }

  export const CreateMode: {
    readonly PERSISTENT: number;
    readonly EPHEMERAL: number;
    readonly PERSISTENT_SEQUENTIAL: number;
    readonly EPHEMERAL_SEQUENTIAL: number;
  };

  export const Permission: {
    readonly READ: number;
    readonly WRITE: number;
    readonly CREATE: number;
    readonly DELETE: number;
    readonly ADMIN: number;
    readonly ALL: number;
  };

  export class Id {
    constructor(scheme: string, id: string);
    static readonly ANYONE_ID_UNSAFE: Id;
    /** `auth:` — whoever authenticated the creating session. */
    static readonly AUTH_IDS: Id;
  }

  export class ACL {
    constructor(permission: number, id: Id);
    static readonly OPEN_ACL_UNSAFE: ACL[];
    static readonly CREATOR_ALL_ACL: ACL[];
    static readonly READ_ACL_UNSAFE: ACL[];
  }

  /** A node's metadata (the fields used here; zxids and times are 8-byte buffers). */
  export interface Stat {
    readonly version: number;
    readonly cversion: number;
    readonly numChildren: number;
    readonly dataLength: number;
  }

  /** One result of a transaction; `type` -1 is an error, with `err` its code (0 for operations before the failing one). */
  export interface TransactionResult {
    readonly type: number;
    readonly err?: number;
    readonly path?: string;
  }

  /** An operation queued in a transaction; `version` is read when the transaction is committed. */
  export interface TransactionOperation {
    readonly type: number;
    readonly path: string;
    version?: number;
  }

  /**
   * A transaction builder. Its `check`, `setData` and `remove` turn version 0 into -1
   * (`version || -1`): the adapter writes the version into `ops` itself.
   */
  export interface Transaction {
    readonly ops: TransactionOperation[];
    create(path: string, data: Buffer | undefined, acls: ACL[], mode: number): Transaction;
    check(path: string, version?: number): Transaction;
    setData(path: string, data: Buffer, version?: number): Transaction;
    remove(path: string, version?: number): Transaction;
    commit(callback: (error: Exception | null | undefined, results?: TransactionResult[]) => void): void;
  }

  /** The connection manager: internal, used only to drop a connection the server stopped answering. */
  export interface ConnectionManager {
    /** The current (or last) socket; replaced on every connection attempt. */
    readonly socket?: { destroy(): void };
  }

  export interface ClientOptions {
    /** The session timeout to ask for (ms). */
    sessionTimeout?: number;
    /** Longest random wait before trying the servers again once all have failed (ms). */
    spinDelay?: number;
    /** Times a request is retried after CONNECTION_LOSS. */
    retries?: number;
    /** Resume this session (with `sessionPassword`). */
    sessionId?: Buffer;
    sessionPassword?: Buffer;
  }

  export type Watcher = (event: unknown) => void;

  export interface Client {
    /** Internal; see `ConnectionManager`. */
    readonly connectionManager: ConnectionManager;
    connect(): void;
    close(): void;
    getState(): State;
    /** The requested timeout until connected, then the negotiated one (ms). */
    getSessionTimeout(): number;
    getSessionId(): Buffer;
    getSessionPassword(): Buffer;
    addAuthInfo(scheme: string, auth: Buffer): void;
    on(event: 'state', listener: (state: State) => void): this;
    removeListener(event: 'state', listener: (state: State) => void): this;
    create(path: string, data: Buffer, acls: ACL[], mode: number, callback: (error: Exception | null | undefined, path?: string) => void): void;
    remove(path: string, version: number, callback: (error: Exception | null | undefined) => void): void;
    setData(path: string, data: Buffer, version: number, callback: (error: Exception | null | undefined, stat?: Stat) => void): void;
    getData(path: string, callback: (error: Exception | null | undefined, data?: Buffer | null, stat?: Stat) => void): void;
    getChildren(path: string, callback: (error: Exception | null | undefined, children?: string[], stat?: Stat) => void): void;
    getChildren(path: string, watcher: Watcher, callback: (error: Exception | null | undefined, children?: string[], stat?: Stat) => void): void;
    /** Calls back with the node's stat, or null if it does not exist. */
    exists(path: string, callback: (error: Exception | null | undefined, stat?: Stat | null) => void): void;
    transaction(): Transaction;
  }

  export function createClient(connectionString: string, options?: ClientOptions): Client;
}
