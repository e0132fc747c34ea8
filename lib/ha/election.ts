/**
 * Leader election and detection in ZooKeeper, as Mesos does it: each master contending creates
 * an ephemeral sequential znode `<path>/json.info_<seq>` holding its MasterInfo as JSON; the
 * lowest sequence leads. Agents, schedulers and clients read the same znodes to find the leader.
 *
 * Safety over availability: a leading contender gives up leadership the moment its session is
 * `disconnected` (not only once it has expired), because a disconnected client cannot know
 * whether the server has already expired its session and elected someone else. A real client
 * notices a cut link after two thirds of the session timeout, the server expires the session
 * after all of it, so the old leader has stepped down before a new one can be elected (a
 * process paused for longer is fenced by the registry's versioned writes instead). A contender
 * that has lost is spent: its owner starts a new one, which queues behind the others.
 */
import type { Clock, TimerHandle } from '../process/clock';
import { MasterInfoSchema, type MasterInfo } from '../protocol';
import { unpackedIpv4, v1MasterInfo } from '../v1/json';
import { isZooKeeperError, type ZooKeeperClient, type ZooKeeperConnector, type ZooKeeperSessionState, type ZooKeeperUrl } from './zookeeper';
import { isJsonObject } from '../protocol/plain';

/** ZooKeeper session timeout asked for by masters, agents and schedulers (Mesos `--zk_session_timeout`: 10 s). */
export const ZOOKEEPER_SESSION_TIMEOUT_MS = 10_000;
/** The label of the masters' znodes (Mesos' `json.info_`: readable by Mesos-aware tools). */
export const MASTER_INFO_LABEL = 'json.info_';
/** Wait before retrying a ZooKeeper read or write that failed while the session was still up. */
export const ZOOKEEPER_RETRY_INTERVAL_MS = 1_000;
/** Wait before opening a new session after one expired. */
export const ZOOKEEPER_RECONNECT_INTERVAL_MS = 1_000;
/**
 * How long a contending master waits for its ZooKeeper session before it says it cannot reach
 * the server, and again after each such line while it still cannot: an unreachable server (or a
 * wrong `--zk` URL) left a master saying "contending" and nothing more.
 */
export const ZOOKEEPER_UNREACHABLE_WARNING_MS = 10_000;
/** Largest MasterInfo a znode may hold; a bigger one (hostile or broken) is ignored. */
export const MAX_MASTER_INFO_BYTES = 64 * 1024;

/** The leading master as detected: its pid (`master@ip:port`) and the MasterInfo it published. */
export interface DetectedMaster {
  readonly pid: string;
  readonly info: MasterInfo;
}

/** Follows the leading master. */
export interface MasterDetector {
  /** The leader now (undefined: none, or not known yet). */
  readonly leader: DetectedMaster | undefined;
  /** Called with each change of leader, `undefined` when there is none. */
  onChange(listener: (leader: DetectedMaster | undefined) => void): void;
  /** Stops following (closes any session). */
  close(): Promise<void>;
}

/** What a detector or contender connects with. */
export interface ZooKeeperElectionOptions {
  readonly url: ZooKeeperUrl;
  readonly connect: ZooKeeperConnector;
  readonly clock: Clock;
  /** Default `ZOOKEEPER_SESSION_TIMEOUT_MS`. */
  readonly sessionTimeoutMs?: number;
  /** Told of what happens (the owner logs it). */
  readonly log?: (level: 'info' | 'warn', message: string, details?: Record<string, unknown>) => void;
}

/** The sequence number of a master's znode name, or undefined for other children. */
export function masterSequenceOf(name: string): number | undefined {
  if (!name.startsWith(MASTER_INFO_LABEL)) return undefined;
  const digits = name.slice(MASTER_INFO_LABEL.length);
  return /^\d{1,19}$/.test(digits) ? Number(digits) : undefined;
}

/** The child name of the leading master among `children` (lowest sequence), if any. */
export function leadingChild(children: readonly string[]): string | undefined {
  let best: { name: string; sequence: number } | undefined;
  for (const name of children) {
    const sequence = masterSequenceOf(name);
    if (sequence !== undefined && (best === undefined || sequence < best.sequence)) best = { name, sequence };
  }
  return best?.name;
}

/** Whether two detections name the same master (same pid and id: a master restarted at an address is another). */
function sameLeader(one: DetectedMaster | undefined, other: DetectedMaster | undefined): boolean {
  return one?.pid === other?.pid && one?.info.id === other?.info.id;
}

/**
 * A master znode's data as Mesos writes it: its MasterInfo in Mesos' JSON (`ip` the IPv4 address
 * packed in a number, `address` with the host name, IP text and port), so that Mesos' own
 * detector (libmesos' scheduler libraries, `mesos-agent`) and tools that read the znode find the
 * leader here.
 */
export function masterInfoZnodeData(info: MasterInfo): Buffer {
  return Buffer.from(JSON.stringify(v1MasterInfo(info)));
}

/**
 * Parses a master znode's data: its MasterInfo, or why it is none (the caller logs it). Reads
 * Mesos' JSON (what `masterInfoZnodeData` writes, and what a Mesos master writes: the address
 * from `address`, else from the packed `ip`; the pid, if absent, `master@ip:port`) and the form
 * masters before it wrote (`ip` the address's text, no `address`), so masters of both versions
 * see each other during a rolling upgrade.
 */
export function parseMasterInfo(data: Buffer): MasterInfo | string {
  if (data.length > MAX_MASTER_INFO_BYTES) return `${data.length} bytes (at most ${MAX_MASTER_INFO_BYTES})`;
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  const info = isJsonObject(json) && (typeof json.ip === 'number' || json.address !== undefined) ? fromMesosJson(json) : json;
  if (typeof info === 'string') return `not a MasterInfo: ${info}`;
  const result = MasterInfoSchema.safeParse(info);
  if (!result.success) return `not a MasterInfo: ${result.error.issues[0]?.path.join('.') ?? ''} ${result.error.issues[0]?.message ?? ''}`;
  return result.data;
}

/** Mesos' MasterInfo JSON in this project's form (checked by the caller), or what is wrong with it. */
function fromMesosJson(json: Record<string, unknown>): Record<string, unknown> | string {
  const address = json.address;
  if (address !== undefined && !isJsonObject(address)) return 'address must be an object';
  const ip = typeof address?.ip === 'string' ? address.ip : unpackedIpv4(json.ip);
  if (ip === undefined) return 'ip must be an IPv4 address packed in a number (or address.ip given)';
  const port = typeof address?.port === 'number' ? address.port : json.port;
  const hostname = json.hostname ?? address?.hostname ?? ip;
  const pid = json.pid ?? `master@${ip}:${String(port)}`;
  return { id: json.id, ip, port, pid, hostname, version: json.version ?? '' };
}

/**
 * Watches `<path>` on one session: re-reads the children and the leader's MasterInfo each time
 * the children change (one-shot watches) and calls `changed` after every read; retries failed
 * reads while the session is connected.
 */
class LeaderWatch {
  leader: DetectedMaster | undefined;
  leaderNode: string | undefined;
  /** The children as last read. */
  children: readonly string[] = [];
  private generation = 0;
  private retryTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly options: ZooKeeperElectionOptions,
    private readonly changed: () => void,
  ) {}

  /** Reads the children and the leader's data again (drops the answers of earlier reads). */
  refresh(): void {
    if (this.stopped || this.client.state !== 'connected') return;
    const generation = ++this.generation;
    const path = this.options.url.path;
    void this.read(path).then((result) => {
      if (generation !== this.generation || this.stopped) return;
      this.children = result.children;
      this.leader = result.leader;
      this.leaderNode = result.leaderNode;
      this.changed();
    }, (error: Error) => {
      if (generation !== this.generation || this.stopped) return;
      this.options.log?.('warn', 'reading the masters in ZooKeeper failed; retrying', { path, error: error.message });
      this.retryTimer?.cancel();
      this.retryTimer = this.options.clock.setTimer(ZOOKEEPER_RETRY_INTERVAL_MS, () => this.refresh());
    });
  }

  stop(): void {
    this.stopped = true;
    this.retryTimer?.cancel();
  }

  private async read(path: string): Promise<{ children: string[]; leader: DetectedMaster | undefined; leaderNode: string | undefined }> {
    // Several passes: the leader may go between listing and reading it.
    for (;;) {
      const children = await this.watchChildren(path);
      const leaderNode = leadingChild(children);
      if (leaderNode === undefined) return { children, leader: undefined, leaderNode: undefined };
      let data: Buffer;
      try {
        data = (await this.client.getData(`${path}/${leaderNode}`)).data;
      } catch (error) {
        if (isZooKeeperError(error, 'NO_NODE')) continue;
        throw error;
      }
      const info = parseMasterInfo(data);
      if (typeof info === 'string') {
        // Mesos' detector fails on such a leader; here it is no leader until the znodes change.
        this.options.log?.('warn', 'the leading znode does not hold a MasterInfo; no leader', { node: leaderNode, problem: info });
        return { children, leader: undefined, leaderNode };
      }
      return { children, leader: { pid: info.pid, info }, leaderNode };
    }
  }

  /**
   * The children of `path`, watched; the path is created first only if it is missing (no master
   * has contended yet). Not at every read: creating a node, even one that exists, is a write that
   * ZooKeeper logs, and every detector reads at once each time the leader changes.
   */
  private async watchChildren(path: string): Promise<string[]> {
    try {
      return await this.client.getChildren(path, () => this.refresh());
    } catch (error) {
      if (!isZooKeeperError(error, 'NO_NODE')) throw error;
    }
    await this.client.mkdirp(path);
    return this.client.getChildren(path, () => this.refresh());
  }
}

/**
 * A `MasterDetector` over ZooKeeper for agents, schedulers and clients. It keeps a session open
 * (a new one after expiry), keeps the last leader while disconnected (as Mesos' detector does:
 * the leader may well still be there) and reports no leader once the session has expired.
 */
export class ZooKeeperMasterDetector implements MasterDetector {
  leader: DetectedMaster | undefined;
  private readonly listeners: Array<(leader: DetectedMaster | undefined) => void> = [];
  private client: ZooKeeperClient | undefined;
  private watch: LeaderWatch | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private closed = false;

  constructor(private readonly options: ZooKeeperElectionOptions) {
    this.open();
  }

  onChange(listener: (leader: DetectedMaster | undefined) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reconnectTimer?.cancel();
    this.watch?.stop();
    await this.client?.close();
  }

  private open(): void {
    const client = this.options.connect(this.options.url, { sessionTimeoutMs: this.options.sessionTimeoutMs ?? ZOOKEEPER_SESSION_TIMEOUT_MS });
    const watch = new LeaderWatch(client, this.options, () => this.report(watch.leader));
    this.client = client;
    this.watch = watch;
    client.onStateChange((state) => this.sessionChanged(client, watch, state));
  }

  private sessionChanged(client: ZooKeeperClient, watch: LeaderWatch, state: ZooKeeperSessionState): void {
    if (this.closed || client !== this.client) return;
    if (state === 'connected') return watch.refresh();
    if (state !== 'expired') return;
    this.options.log?.('warn', 'ZooKeeper session expired; no leading master known until a new session reads it');
    watch.stop();
    void client.close();
    this.report(undefined);
    this.reconnectTimer = this.options.clock.setTimer(ZOOKEEPER_RECONNECT_INTERVAL_MS, () => {
      this.reconnectTimer = undefined;
      if (!this.closed) this.open();
    });
  }

  private report(leader: DetectedMaster | undefined): void {
    if (sameLeader(leader, this.leader)) return;
    this.leader = leader;
    for (const listener of [...this.listeners]) listener(leader);
  }
}

/** Where a contender stands. */
export type ContenderState = 'contending' | 'leading' | 'lost';

/**
 * One master's candidacy: publishes its MasterInfo as `<path>/json.info_<seq>` and leads while
 * its znode has the lowest sequence and its session is connected. Calls `onElected` once, when
 * it becomes leader, and `onLost` once, when it can no longer lead (its session expired or was
 * cut while leading, its znode went away, or it was withdrawn); then it is spent. It also
 * reports the leader it sees (`onLeader`), for a non-leading master's redirects.
 *
 * @example
 *   const contender = new ZooKeeperMasterContender({ url, connect: connectNodeZooKeeper, clock }, masterInfo);
 *   contender.onElected(() => startLeading());
 *   contender.onLost((reason) => stepDown(reason));
 */
export class ZooKeeperMasterContender {
  state: ContenderState = 'contending';
  /** The leader this contender sees (itself, once elected). */
  leader: DetectedMaster | undefined;
  /** This contender's znode name, once created. */
  node: string | undefined;
  private readonly client: ZooKeeperClient;
  private readonly watch: LeaderWatch;
  private electedListener: (() => void) | undefined;
  private lostListener: ((reason: string) => void) | undefined;
  private leaderListener: ((leader: DetectedMaster | undefined) => void) | undefined;
  private retryTimer: TimerHandle | undefined;
  /** Says the server cannot be reached while the session is not connected (`ZOOKEEPER_UNREACHABLE_WARNING_MS`). */
  private unreachableTimer: TimerHandle | undefined;

  constructor(private readonly options: ZooKeeperElectionOptions, private readonly info: MasterInfo) {
    this.client = options.connect(options.url, { sessionTimeoutMs: options.sessionTimeoutMs ?? ZOOKEEPER_SESSION_TIMEOUT_MS });
    this.watch = new LeaderWatch(this.client, options, () => this.leaderChanged());
    this.client.onStateChange((state) => this.sessionChanged(state));
    this.warnWhileUnreachable(options.clock.now());
  }

  onElected(listener: () => void): void {
    this.electedListener = listener;
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListener = listener;
  }

  onLeader(listener: (leader: DetectedMaster | undefined) => void): void {
    this.leaderListener = listener;
  }

  /**
   * Whether this contender may say at `nowMs` that it leads: it was elected, its session is
   * connected, and the server answered recently enough that the session cannot have expired
   * yet. A process stopped (or starved) past its session timeout learns that it lost only once
   * it reads its socket; meanwhile it must not answer as the leader.
   */
  surelyLeading(nowMs: number): boolean {
    if (this.state !== 'leading' || this.client.state !== 'connected') return false;
    const aliveUntilMs = this.client.sessionSurelyAliveUntilMs;
    return aliveUntilMs === undefined || nowMs < aliveUntilMs;
  }

  /** Gives up the candidacy (and leadership): the session is closed, so the znode goes at once. */
  async withdraw(): Promise<void> {
    this.lose('withdrawn');
    await this.client.close();
  }

  /** From `sinceMs` on, says every `ZOOKEEPER_UNREACHABLE_WARNING_MS` that the session is not connected, until it is. */
  private warnWhileUnreachable(sinceMs: number): void {
    this.unreachableTimer?.cancel();
    this.unreachableTimer = this.options.clock.setTimer(ZOOKEEPER_UNREACHABLE_WARNING_MS, () => {
      if (this.state === 'lost' || this.client.state === 'connected') return;
      this.options.log?.('warn', `cannot reach ZooKeeper at ${this.options.url.servers}: is it running there, and is the --zk URL right? still trying`, { waitedMs: this.options.clock.now() - sinceMs });
      this.warnWhileUnreachable(sinceMs);
    });
  }

  private sessionChanged(state: ZooKeeperSessionState): void {
    if (this.state === 'lost') return;
    if (state === 'connected') this.unreachableTimer?.cancel();
    else if (state === 'disconnected') this.warnWhileUnreachable(this.options.clock.now());
    if (state === 'connected') return this.node === undefined ? this.publish() : this.watch.refresh();
    if (state === 'disconnected' && this.state === 'leading') return this.lose('the ZooKeeper session is disconnected: it may have expired, and another master may lead');
    if (state === 'expired') return this.lose('the ZooKeeper session expired');
    if (state === 'closed') return this.lose('the ZooKeeper session was closed');
  }

  /** Creates this master's znode (once; retried while the session is up). */
  private publish(): void {
    const path = this.options.url.path;
    const data = masterInfoZnodeData(this.info);
    void this.client.mkdirp(path)
      .then(() => this.client.create(`${path}/${MASTER_INFO_LABEL}`, data, 'ephemeral-sequential'))
      .then((created) => {
        if (this.state === 'lost') return;
        this.node = created.slice(created.lastIndexOf('/') + 1);
        this.options.log?.('info', 'contending for leadership', { node: created });
        this.watch.refresh();
      }, (error: Error) => {
        if (this.state === 'lost') return;
        // A lost answer may hide a node that was created: it would never lead (nobody removes it
        // before the session ends), so the session is given up and the owner contends again.
        if (isZooKeeperError(error, 'CONNECTION_LOSS')) return this.lose(`creating the candidacy's znode failed: ${error.message}`);
        this.options.log?.('warn', 'creating the candidacy znode failed; retrying', { error: error.message });
        this.retryTimer = this.options.clock.setTimer(ZOOKEEPER_RETRY_INTERVAL_MS, () => { if (this.client.state === 'connected') this.publish(); });
      });
  }

  private leaderChanged(): void {
    if (this.state === 'lost') return;
    const leader = this.watch.leader;
    if (this.node !== undefined && !this.watch.children.includes(this.node)) return this.lose('its znode is gone');
    const leading = this.node !== undefined && this.watch.leaderNode === this.node && this.client.state === 'connected';
    if (!sameLeader(leader, this.leader)) {
      this.leader = leader;
      this.leaderListener?.(leader);
    }
    if (leading && this.state === 'contending') {
      this.state = 'leading';
      this.options.log?.('info', 'elected leader', { node: this.node });
      this.electedListener?.();
    } else if (!leading && this.state === 'leading') {
      this.lose('another master leads');
    }
  }

  private lose(reason: string): void {
    if (this.state === 'lost') return;
    const wasLeading = this.state === 'leading';
    this.state = 'lost';
    this.watch.stop();
    this.retryTimer?.cancel();
    this.unreachableTimer?.cancel();
    this.options.log?.(wasLeading ? 'warn' : 'info', wasLeading ? 'lost leadership' : 'candidacy ended', { reason });
    void this.client.close();
    this.lostListener?.(reason);
  }
}
