import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Actor, ActorTimer, type RunLabel, type Timer } from '../actor/actor';
import { INITIALIZE_LABEL, MailboxEvent, Tag, timerLabel } from '../actor/mailbox';
import { SmallSet } from '../small-set';
import { SmallMap } from '../small-map';
import { UPID } from '../actor/upid';
import { deepFreeze } from '../deep-freeze';
import { createLogger, type Logger, type LogLevel } from '../logging';
import { RealClock, VirtualClock, type Clock } from './clock';
import { clientOf, isOwnHost, unmappedIp, isWildcardIp, machineAddresses, normalizeHost, OwnNameResolver, ownHostNames, routableIp, sameLocalEndpoint, splitHostPort, upidHost, type LookupAll, type MachineAddresses } from './addresses';
import { checkEnvelope, decodeFrameEach, encodeEnvelope, MAX_MESSAGE_BYTES, type WireEnvelope } from './codec';
import { MessageFilters } from './filters';
import { acceptsGzip, findRoute, HTTP_BUSY_RETRY_AFTER_SECONDS, HTTP_REQUEST_TIMEOUT_MS, requestTimeoutCheckMs, httpError, MAX_HTTP_BODY_BYTES, MAX_HTTP_BODY_BYTES_IN_FLIGHT, BodyBudget, discardBody, parseRequestTarget, readBody, routeOptionsOf, splitActorPath, targetQuery, jsonpRefusal, withJsonp, withNosniff, writeResponse, type HttpHandler, type HttpRequest, type HttpResponse, type HttpStream } from './http';
import { LINK_INCARNATION_PATH, LINK_PATH, LINK_VERIFY_PATH, LinkManager, type LinkOptions } from './links';
import { PeerLog } from './peer-log';
import { newIdFrom, newUuidFrom, Prng, randomSeed } from './prng';
import { Queue } from './queue';
import { describeTlsFailure, tlsServerOptions, type TlsOptions } from './tls';
import { TRACE_FORMAT_VERSION, TraceRecorder, type TraceEvent, type TraceRunBody, type TraceRunName } from './trace';

/** Messages an actor handles per turn before the next ready actor gets its turn (fairness). */
export const MAILBOX_BATCH = 256;
/**
 * The signals on which `installSignalHandlers` stops a host. SIGUSR1 among them: a Node process
 * with no handler for it opens its inspector (a debugger on 127.0.0.1:9229 that any local user
 * may attach to, and run code as the process's user, root for an agent), where a Mesos daemon
 * ends (the master) or unregisters and shuts down (the agent, which handles it itself).
 */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGUSR1'];
/** Messages a host handles per event-loop turn before yielding to I/O. */
export const DRAIN_BUDGET = 50_000;
/** Parsed UPIDs cached per host (wire envelopes carry UPIDs as strings). */
export const UPID_CACHE_LIMIT = 10_000;
/** While decoding a frame, run mailboxes after this many envelopes (keeps decoded objects short-lived). */
export const RECEIVE_DRAIN_EVERY = 64;
/** Forged-sender drops logged per peer in full; after that, one line every `FORGED_SENDER_LOG_EVERY`, with the count. */
export const FORGED_SENDER_LOGS_PER_PEER = 5;
export const FORGED_SENDER_LOG_EVERY = 1_000;
/** Peers whose forged-sender drops are counted apart (beyond this, they share one count). */
export const MAX_FORGED_SENDER_PEERS = 1_000;
/** Failed TLS handshakes (plaintext peers, bad certificates) logged per peer in full; after that, one line every `TLS_REFUSAL_LOG_EVERY`. */
export const TLS_REFUSALS_LOGGED_PER_PEER = 5;
export const TLS_REFUSAL_LOG_EVERY = 1_000;
/** Peers (by IP) whose failed TLS handshakes are counted apart (beyond this, they share one count). */
export const MAX_TLS_REFUSAL_PEERS = 1_000;
/** Longest peer-controlled text put in a log line. */
export const MAX_LOGGED_PEER_TEXT = 200;
/**
 * Connections (links, HTTP, WebSocket handshakes under way) one IP address of another machine
 * may hold open at once (`ActorHostOptions.maxConnectionsPerAddress`, the bins'
 * `--max_connections_per_ip`); one more is closed at once. A peer host needs one link, a v1
 * framework two connections. Without a bound one client could take every file descriptor of the
 * process, and the agents could not connect. libprocess has none.
 */
export const MAX_CONNECTIONS_PER_ADDRESS = 1_024;
/**
 * The same bound for each address of this machine (`ActorHostOptions.maxConnectionsPerOwnAddress`):
 * an agent's executors each link to it from there, and a `mesos-local`'s agents to its master,
 * so it is only a backstop.
 */
export const MAX_CONNECTIONS_PER_OWN_ADDRESS = 65_536;
/**
 * A peer's dropped messages (unknown actor, no handler, invalid body, malformed or misaddressed
 * envelope) logged in full per peer host; after that, one line every `PEER_DROP_LOG_EVERY` with
 * the count: one frame of 270k tiny envelopes to nobody made 48 MB of log before.
 */
export const PEER_DROPS_LOGGED_PER_PEER = 20;
export const PEER_DROP_LOG_EVERY = 10_000;
/** Peers whose dropped messages are counted apart (beyond this, they share one count). */
export const MAX_PEER_DROP_PEERS = 1_000;
/** Refused connections logged per address in full; after that, one line every `CONNECTION_REFUSAL_LOG_EVERY`. */
export const CONNECTION_REFUSALS_LOGGED_PER_PEER = 5;
export const CONNECTION_REFUSAL_LOG_EVERY = 1_000;
/** Addresses whose refused connections are counted apart (beyond this, they share one count). */
export const MAX_CONNECTION_REFUSAL_PEERS = 1_000;
/** The names of a host not yet listening (none of its own). */
const NO_NAMES: ReadonlySet<string> = new Set();
/** Reserved message names the hosts use to carry links between them. */
const LINK_MESSAGE = '__link__';
const EXITED_MESSAGE = '__exited__';

/** Options of an actor host; every limit has a default named in this module or its neighbours. */
export interface ActorHostOptions {
  /**
   * IP address to listen on (default 127.0.0.1), and to advertise in UPIDs unless `advertiseIp`
   * says otherwise. A wildcard (`0.0.0.0`, `::`) advertises the machine's first non-internal
   * IPv4 (127.0.0.1 if it has none): peers cannot dial a wildcard.
   */
  ip?: string;
  /** TCP port (default 0: any free port). */
  port?: number;
  /** IP advertised in UPIDs instead of the bound one (Mesos' `--advertise_ip`, e.g. behind NAT). */
  advertiseIp?: string;
  /** Port advertised in UPIDs instead of the bound one (Mesos' `--advertise_port`). */
  advertisePort?: number;
  /** The machine's names and interfaces (default: `machineAddresses()` at listen; tests pass their own). */
  machine?: MachineAddresses;
  /**
   * Resolves the DNS names dialers reach this host by (default: the system's resolver): a name
   * that resolves to one of this machine's addresses is one of its own (`OwnNameResolver`).
   */
  lookupHostName?: LookupAll;
  /** Listen for links and HTTP (default true). A host that does not listen needs `address`. */
  listen?: boolean;
  /** Address to use when not listening (e.g. a recorded host's address during replay). */
  address?: string;
  clock?: Clock;
  /** PRNG seed; random unless given. Logged at start so a run can be reproduced. */
  seed?: number;
  /**
   * Draw secrets (`secretBytes`: authentication nonces) from the seeded PRNG instead of the
   * system's cryptographic randomness, so that a seed replays byte for byte. For simulations
   * only: a real host's nonces must not be predictable from its seed.
   */
  seededSecrets?: boolean;
  logger?: Logger;
  filters?: MessageFilters;
  /** Record every delivered and sent message (and the order of timers, deferred work and dispatches) to this file. */
  tracePath?: string;
  /** Record into this recorder instead (several hosts of one process sharing one file, as `mesos-local` does). */
  traceRecorder?: TraceRecorder;
  maxMessageBytes?: number;
  maxHttpBodyBytes?: number;
  /** Request bodies held at once, all requests together (default `MAX_HTTP_BODY_BYTES_IN_FLIGHT`): past it, 503. */
  maxHttpBodyBytesInFlight?: number;
  /** Longest a client may take to send a whole request (default `HTTP_REQUEST_TIMEOUT_MS`): 408. */
  httpRequestTimeoutMs?: number;
  /** Connections one IP address of another machine may hold open at once (default `MAX_CONNECTIONS_PER_ADDRESS`); one more is closed at once. */
  maxConnectionsPerAddress?: number;
  /** The same for each of this machine's own addresses (default `MAX_CONNECTIONS_PER_OWN_ADDRESS`). */
  maxConnectionsPerOwnAddress?: number;
  links?: LinkOptions;
  /**
   * Serve links and HTTP over TLS only, and dial peers with `wss://` and `https://`, checking
   * their certificates against `tls.ca` (see tls.ts; `loadTlsOptions` reads the files). With
   * `requireClientCert`, peers must present a certificate, and it proves a link's address.
   */
  tls?: TlsOptions;
  /** Called for messages to other hosts when this host does not listen (replay discards them here). */
  offHost?: (envelope: WireEnvelope) => void;
  /** `link` does nothing: exits come only from `injectExited` (replay feeds them from the trace). */
  inertLinks?: boolean;
  /** Sees every record a trace would get: messages sent and about to be handled, runs, inputs. */
  observer?: (event: TraceEvent) => void;
  /**
   * Validate the bodies of messages between local actors too, as if each had crossed a link
   * (simulations of several hosts in one: a body a real link would reject, or strip of unknown
   * fields, must be rejected or stripped there as well). Off by default: local delivery is free.
   */
  validateLocalMessages?: boolean;
  /**
   * Scripted replay (replay.ts): mailboxes run only when `runScripted` picks an event, and timers
   * stay off the clock until `fireTimer` fires them, so the replay decides the order of everything.
   */
  scripted?: boolean;
}

/**
 * Why work queued for an actor (a `dispatch`, a deferred turn) failed: the actor terminated
 * before it ran, or was not running. Expected when a component stops (a master stepping down
 * while a request is served), unlike any other failure of such work.
 */
export class ActorGone extends Error {
  override readonly name = 'ActorGone';
}

/**
 * An actor host: one OS process, one TCP port serving WebSocket links to other hosts and the
 * HTTP routes of its actors (`/<actorId>/<route>`). It owns the actors' mailboxes and runs them
 * one message at a time.
 *
 * With `tls`, the port serves TLS only (`https://`, `wss://`) and the host dials peers over TLS.
 *
 * @example
 *   const host = await ActorHost.start({ port: 5050 });
 *   const pid = host.spawn(new Master(flags));      // master@127.0.0.1:5050
 *   host.installSignalHandlers();                   // SIGINT/SIGTERM: finalize actors, close links
 *   // Over mutual TLS (see tls.ts):
 *   const secure = await ActorHost.start({ port: 5051, tls: loadTlsOptions({ certFile, keyFile, caFile, requireClientCert: true }) });
 */
export class ActorHost {
  readonly clock: Clock;
  readonly random: Prng;
  readonly logger: Logger;
  readonly filters: MessageFilters;
  /** Random per process start; peers use it to tell a restarted host from a duplicate dial. */
  readonly incarnation: string;
  private addressText: string;
  /**
   * `addressText` split into the host and port every spawned actor's UPID is made of: split once
   * per address, not per spawn (each split's host text was a string more every actor kept, and a
   * simulation spawns an executor actor per task).
   */
  private spawnAddress: { readonly text: string; readonly host: string; readonly port: number } | undefined;
  /**
   * Host parts that name this machine (see addresses.ts), once listening: an envelope to any of
   * them at our port is ours. Undefined for a host that does not listen (simulated hosts are
   * told apart by their exact addresses).
   */
  private ownNames: ReadonlySet<string> | undefined;
  /** The port the server is bound to (the advertised one may differ, with `advertisePort`). */
  private boundPort: number | undefined;
  /** The port in this host's UPIDs (the bound one unless `advertisePort`). */
  private advertisedPort: number | undefined;
  private readonly actors = new Map<string, Actor>();
  /** The actors serving paths that name no actor, in turn (`setDelegate`). */
  private delegates: readonly string[] = [];
  /** Actors serving routes under another id (`Actor.routeUnder`), by that namespace. */
  private readonly sharedRoutes = new Map<string, Actor[]>();
  /** What HTTP requests to these actor ids are answered while no running actor holds the id (`setVacancyAnswer`). */
  private readonly vacancies = new Map<string, () => HttpResponse>();
  private readonly ready = new Queue<Actor>();
  private drainScheduled = false;
  /** True while the host runs mailboxes (the drain is not re-entered). */
  private draining = false;
  /** Work started with `defer` and not yet re-entered, and `background` work not yet settled (counted for the host only: a count per actor was never read). */
  private pendingDeferred = 0;
  /**
   * `background` work settled: one function for all of it, not a closure (and its scope) per
   * promise, ~100 bytes each of a simulated task's three sandbox touches, promoted at 100k agents.
   */
  private readonly backgroundSettled = (): void => {
    this.pendingDeferred--;
  };
  private readonly upidCache = new Map<string, UPID>();
  private lastFromText = '';
  private lastFromPid: UPID | undefined;
  private lastToText = '';
  private lastToPid: UPID | undefined;
  /** Request body bytes held now, all requests together (`maxHttpBodyBytesInFlight` bounds it). */
  private readonly httpBodies: BodyBudget;
  /** Forged-sender drops, in all and per peer (see `forgedSender`). */
  private readonly forgedSenders = new PeerLog({ inFull: FORGED_SENDER_LOGS_PER_PEER, every: FORGED_SENDER_LOG_EVERY, maxPeers: MAX_FORGED_SENDER_PEERS });
  /** Connections refused in the TLS handshake, in all and per peer IP (see `tlsRefused`). */
  private readonly tlsRefusals = new PeerLog({ inFull: TLS_REFUSALS_LOGGED_PER_PEER, every: TLS_REFUSAL_LOG_EVERY, maxPeers: MAX_TLS_REFUSAL_PEERS });
  /** Connections open, by client (`clientOf`: an IP, an IPv6 /64; see `MAX_CONNECTIONS_PER_ADDRESS`). */
  private readonly connectionsByClient = new Map<string, number>();
  /** Messages from peers dropped, counted per peer address to rate-limit their log lines (`peerDrop`). */
  private readonly peerDrops = new PeerLog({ inFull: PEER_DROPS_LOGGED_PER_PEER, every: PEER_DROP_LOG_EVERY, maxPeers: MAX_PEER_DROP_PEERS });
  /** Sockets `countConnection` closed (a TLS server still makes each a TLS socket, whose handshake then fails). */
  private readonly refusedConnections = new WeakSet<Socket>();
  private readonly connectionRefusals = new PeerLog({ inFull: CONNECTION_REFUSALS_LOGGED_PER_PEER, every: CONNECTION_REFUSAL_LOG_EVERY, maxPeers: MAX_CONNECTION_REFUSAL_PEERS });
  private readonly idCounters = new Map<string, number>();
  private server: http.Server | https.Server | undefined;
  private links: LinkManager | undefined;
  private tracer: TraceRecorder | undefined;
  /** True when a tracer or an observer wants every message (checked on the hot path). */
  private observing: boolean;
  /** Under a scripted replay nothing runs unless the replay says so (see `runScripted`). */
  private scripted: boolean;
  /** The actor whose mailbox event is running (the source of the dispatches it makes). */
  private current: Actor | undefined;
  private readonly removeSettleProbe: () => void;
  /** Mailbox events handled so far (the work a virtual clock's `settle` counts). */
  private eventsHandled = 0;
  private stopping: Promise<void> | undefined;
  /** Local actors linked to local actors: target id → linkers (small: an executor has its agent alone). */
  private readonly localLinks = new Map<string, SmallSet<Actor>>();
  /** Local actors linked to actors on other hosts: address → target UPID text → (target, linkers). */
  private readonly remoteLinks = new Map<string, Map<string, { pid: UPID; linkers: Set<Actor> }>>();
  /** Actors on other hosts linked to local actors: local id → their UPIDs. */
  private readonly remoteLinkers = new Map<string, Map<string, UPID>>();

  constructor(private readonly options: ActorHostOptions = {}) {
    this.clock = options.clock ?? new RealClock();
    this.random = new Prng(options.seed ?? randomSeed());
    this.logger = options.logger ?? createLogger('actor-host');
    this.filters = options.filters ?? new MessageFilters();
    this.httpBodies = new BodyBudget(options.maxHttpBodyBytesInFlight ?? MAX_HTTP_BODY_BYTES_IN_FLIGHT);
    this.incarnation = Buffer.from(this.random.bytes(8)).toString('hex');
    this.addressText = options.address ?? `${options.ip ?? '127.0.0.1'}:${options.port ?? 0}`;
    this.removeSettleProbe = this.clock.addSettleProbe({
      workDone: () => this.eventsHandled,
      hasQueuedWork: () => this.ready.length > 0 || this.drainScheduled,
      pendingDeferred: () => this.pendingDeferred,
      linksBusy: () => !(this.links?.idle() ?? true),
      usesNetwork: () => this.links !== undefined,
      socketTraffic: () => this.links?.socketTraffic() ?? [],
    });
    this.observing = options.observer !== undefined;
    this.scripted = options.scripted ?? false;
  }

  /** Creates a host and starts listening (unless `listen: false`). */
  static async start(options: ActorHostOptions = {}): Promise<ActorHost> {
    const host = new ActorHost(options);
    if (options.listen !== false) await host.listen();
    host.logger.debug({ address: host.address, seed: host.random.seed }, 'actor host started');
    return host;
  }

  /** `host:port` this host advertises in its actors' UPIDs. */
  get address(): string {
    return this.addressText;
  }

  /** The host's TLS settings, if it serves and dials over TLS. */
  get tls(): TlsOptions | undefined {
    return this.options.tls;
  }

  /** The scheme of this host's HTTP routes: `https` under TLS, else `http` (e.g. for printing URLs). */
  get scheme(): 'http' | 'https' {
    return this.options.tls === undefined ? 'http' : 'https';
  }

  /** Starts serving links and HTTP on the configured ip:port. */
  async listen(): Promise<void> {
    if (this.clock instanceof VirtualClock && this.clock.simulated) throw new Error('a host under a simulated clock cannot listen: a simulation does no real I/O');
    const ip = this.options.ip ?? '127.0.0.1';
    const serve = (request: http.IncomingMessage, response: http.ServerResponse): void => void this.serveHttp(request, response);
    const tls = this.options.tls;
    // A whole request within `requestTimeout` (408), its headers too (Node's 60 s default for them would outlast it),
    // checked often enough that a shorter one holds.
    const requestTimeout = this.options.httpRequestTimeoutMs ?? HTTP_REQUEST_TIMEOUT_MS;
    const timeouts: http.ServerOptions = { requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: requestTimeoutCheckMs(requestTimeout) };
    const server = tls === undefined ? http.createServer(timeouts, serve) : https.createServer({ ...tlsServerOptions(tls), ...timeouts }, serve);
    server.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
    // First, before TLS or HTTP see the socket: a connection past its address's bound is closed at once.
    server.prependListener('connection', (socket: Socket) => this.countConnection(socket));
    // An https server reports a failed TLS handshake as a client error too: `tlsRefused` has logged those (rate-limited).
    const failedHandshakes = new WeakSet<Duplex>();
    server.on('clientError', (error: Error & { code?: string; rawPacket?: Buffer }, socket) => {
      if (failedHandshakes.has(socket)) return socket.destroy();
      this.logger.warn({ error: error.message }, 'bad HTTP request');
      socket.end(`HTTP/1.1 ${clientErrorStatus(error.code, error.rawPacket)}\r\nConnection: close\r\n\r\n`);
    });
    if (tls !== undefined) {
      server.prependListener('tlsClientError', (error: Error, socket: TLSSocket) => {
        failedHandshakes.add(socket);
        // A connection closed for its address's bound (`countConnection`) fails its handshake too: logged there already.
        if (this.refusedConnections.has((socket as TLSSocket & { _parent?: Socket })._parent ?? socket)) return;
        this.tlsRefused(error, socket.remoteAddress);
      });
      // Before the HTTP server sees the socket: under mutual TLS a peer without a valid certificate gets nothing.
      if (tls.requireClientCert) server.prependListener('secureConnection', (socket: TLSSocket) => this.checkClientCertificate(socket));
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, ip, () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    const machine = this.options.machine ?? machineAddresses();
    const advertisedIp = this.options.advertiseIp ?? (isWildcardIp(ip) ? routableIp(machine) : ip);
    this.addressText = `${upidHost(normalizeHost(advertisedIp))}:${this.options.advertisePort ?? port}`;
    this.boundPort = port;
    this.advertisedPort = this.options.advertisePort ?? port;
    const ownNames = ownHostNames(machine, [ip, advertisedIp]);
    this.ownNames = ownNames;
    const resolver = new OwnNameResolver(ownNames, this.options.lookupHostName);
    this.server = server;
    this.links = new LinkManager(this.addressText, this.incarnation, this.logger, {
      onFrame: (address, frame) => this.receiveFrame(address, frame),
      onLinkDown: (address, reason) => this.linkDown(address, reason),
      sameHost: (dialed, advertised) => sameLocalEndpoint(dialed, advertised, ownNames),
      isOwnIp: (ip) => isOwnHost(unmappedIp(ip), ownNames),
      learnHostName: (hostHeader) => resolver.learn(hostHeader),
    }, this.options.links, this.options.tls);
    if (this.options.traceRecorder) this.startTrace(this.options.traceRecorder);
    else if (this.options.tracePath) this.startTrace(this.options.tracePath);
  }

  /**
   * Records, from now on, every message delivered to and sent by this host's actors, and the
   * order in which they run timers, deferred work and dispatches, to the file at `path` (or into
   * a recorder shared with other hosts). A replay needs the trace to start before the actors it
   * re-runs are spawned: the bins start it before anything else.
   */
  startTrace(target: string | TraceRecorder): void {
    this.tracer?.release();
    const recorder = typeof target === 'string' ? new TraceRecorder(target) : target;
    recorder.retain();
    this.tracer = recorder;
    this.observing = true;
    recorder.record({
      kind: 'header', version: TRACE_FORMAT_VERSION, address: this.address, seed: this.random.seed, startMs: this.clock.now(), draws: this.random.draws,
    });
  }

  /** Whether `recordInput` records anything (a trace or an observer is on): a caller can skip making what only a record needs. */
  get recordsInputs(): boolean {
    return this.observing;
  }

  /**
   * Records something from outside the actors that a replay of `to` will need (an executor
   * process' exit, the registry a master started with), if this host records a trace.
   */
  recordInput(to: UPID, name: string, body: unknown): void {
    if (!this.observing) return;
    const event: TraceEvent = { kind: 'input', t: this.clock.now(), from: '', to: to.toString(), name, body };
    this.tracer?.record(event);
    this.options.observer?.(event);
  }

  /** Starts `actor`: gives it a UPID and runs its `initialize` as its first mailbox event. */
  spawn<A extends Actor>(actor: A): UPID {
    const runtime = actor.runtime;
    if (runtime.state !== 'created') throw new Error(`actor '${actor.id}' was already spawned`);
    if (this.actors.has(actor.id)) throw new Error(`an actor '${actor.id}' already runs on ${this.address}`);
    if (this.stopping) throw new Error(`host ${this.address} is stopping`);
    this.claimSharedRoutes(actor);
    runtime.host = this;
    let address = this.spawnAddress;
    if (address?.text !== this.addressText) {
      const { host, port } = splitHostPort(this.addressText);
      this.spawnAddress = address = { text: this.addressText, host, port };
    }
    runtime.pid = new UPID(actor.id, address.host, address.port);
    runtime.state = 'running';
    this.actors.set(actor.id, actor);
    this.enqueue(actor, Tag.Initialize, undefined, undefined, undefined);
    return runtime.pid;
  }

  /** A fresh id `prefix(N)` (libprocess style, e.g. `slave(1)`), unique on this host. */
  uniqueId(prefix: string): string {
    const next = (this.idCounters.get(prefix) ?? 0) + 1;
    this.idCounters.set(prefix, next);
    return `${prefix}(${next})`;
  }

  /** A random 21-character URL-safe id drawn from the host's seeded PRNG. */
  newId(): string {
    return newIdFrom(this.random);
  }

  /**
   * `count` random bytes for a secret (an authentication nonce): the system's cryptographic
   * randomness, or the seeded PRNG's on a host started with `seededSecrets` (a simulation).
   */
  secretBytes(count: number): Uint8Array {
    return this.options.seededSecrets === true ? this.random.bytes(count) : randomBytes(count);
  }

  /** A random version 4 UUID's text drawn from the host's seeded PRNG (status update uuids). */
  newUuid(): string {
    return newUuidFrom(this.random);
  }

  /**
   * Sets the level of the host's logger and of every actor's logger on it (an actor's logger made
   * later is made at it): `/logging/toggle` and the v1 operator APIs' SET_LOGGING_LEVEL.
   */
  setLogLevel(level: LogLevel): void {
    this.logger.level = level;
    for (const actor of this.actors.values()) {
      const logger = actor.runtime.logger;
      if (logger !== undefined) logger.level = level;
    }
  }

  /** The local actor with this id, if running. */
  lookup(id: string): Actor | undefined {
    return this.actors.get(id);
  }

  /** The local actors running now, in the order they were spawned (libprocess' `/__processes__` lists them). */
  localActors(): Actor[] {
    return [...this.actors.values()];
  }

  /** Terminates a local actor (its pending messages are dropped; `finalize` runs; linked actors get `exited`). */
  terminate(target: Actor | UPID): void {
    const actor = target instanceof UPID ? this.actors.get(target.id) : target;
    if (!actor || actor.runtime.host !== this) return;
    const runtime = actor.runtime;
    if (runtime.state !== 'running') return;
    runtime.state = 'terminating';
    runtime.mailbox.unshift(Tag.Terminate, undefined, undefined, undefined);
    this.schedule(actor);
  }

  // ---- scripted replay (see replay.ts) ------------------------------------------------------

  /** @internal Scripted replay: runs the first event in `actor`'s mailbox that `match` accepts; false if none does. */
  runScripted(actor: Actor, match: (event: MailboxEvent) => boolean): boolean {
    const event = actor.runtime.mailbox.removeFirst(match);
    if (event === undefined) return false;
    this.handle(actor, event.tag, event.a, event.b, event.c);
    return true;
  }

  /** @internal Scripted replay: true if `actor`'s mailbox holds an event that `match` accepts. */
  hasScripted(actor: Actor, match: (event: MailboxEvent) => boolean): boolean {
    let found = false;
    actor.runtime.mailbox.forEach((event) => { found ||= match(event); });
    return found;
  }

  /**
   * @internal Scripted replay: `actor`'s pending timer number `seq`, or undefined if it has none
   * (never set, cancelled or fired). Its `timerFired` queues its run in the mailbox.
   */
  pendingTimer(actor: Actor, seq: number): ActorTimer | undefined {
    for (const timer of actor.runtime.pendingTimers()) if (timer.seq === seq && !timer.cancelled) return timer;
    return undefined;
  }

  /** @internal Ends scripted replay: from now on mailboxes run as usual (so `stop` can terminate the actors). */
  endScript(): void {
    if (!this.scripted) return;
    this.scripted = false;
    for (const actor of this.actors.values()) if (actor.runtime.mailbox.length > 0) this.schedule(actor);
  }

  /** Resolves when the actor has terminated (at once if it is not running here). */
  wait(target: Actor | UPID): Promise<void> {
    const actor = target instanceof UPID ? this.actors.get(target.id) : target;
    return actor ? actor.runtime.terminated : Promise.resolve();
  }

  /** `wait(actor).then(callback)` without a promise per actor (`ActorRuntime.whenTerminated`): for what watches many actors. */
  whenTerminated(actor: Actor, callback: () => void): void {
    actor.runtime.whenTerminated(callback);
  }

  /** Sends a message from a local actor (used by `Actor.send`). */
  send(from: UPID, to: UPID | string, name: string, body: unknown): void {
    const target = typeof to === 'string' ? this.parseUpid(to) : to;
    if (this.observing) this.trace('send', from, target, name, body);
    if (this.namesThisHost(target)) this.deliverLocal(from, target, name, body, false);
    else this.sendRemote({ from: from.toString(), to: target.toString(), name, body }, target.address);
  }

  /** Injects a message into a local actor's mailbox as if it came from `from` (tests, replay). */
  inject(from: UPID, to: UPID, name: string, body: unknown): void {
    this.deliverLocal(from, to, name, body, false);
  }

  /**
   * Takes an envelope that came over a simulated link from the host at `peerAddress` (hosts
   * that do not listen, joined by a virtual network on one clock through their `offHost`): it is
   * handled as one from a real link is, its sender bound to that peer, links and exits included.
   */
  receiveFromPeer(peerAddress: string, envelope: WireEnvelope): void {
    this.receiveEnvelope(peerAddress, envelope);
  }

  /**
   * Takes `frame` as if it had come over a link from the host at `peer` (an address the link's
   * handshake proved): decoded, checked and delivered exactly as a socket's frames are, its
   * senders bound to `peer`. For simulations of several hosts without sockets (the wire fuzzer
   * joins memory hosts with it); a listening host gets its frames from its links.
   */
  receiveSimulatedFrame(peer: string, frame: Buffer): void {
    this.receiveFrame(peer, frame);
  }

  /** Delivers `exited(pid)` to a local actor as if a link to `pid` broke (tests, replay). */
  injectExited(to: UPID, pid: UPID): void {
    const actor = this.actors.get(to.id);
    if (actor) this.notifyExited(actor, pid);
  }

  /**
   * Breaks the link between two local actors as a lost socket does (simulations of one host
   * standing for several): each stops being linked to the other, and each that was linked gets
   * `exited`, exactly once. A later `link` links them again, as a re-dialled socket would.
   * Unlike `injectExited`, nothing is delivered to an actor that was not linked.
   */
  breakLink(one: UPID, other: UPID): void {
    this.unlinkLocal(one, other);
    this.unlinkLocal(other, one);
  }

  /** Whether the local actor `linker` is linked to the local actor `target` (simulations ask before they break a link). */
  linkedLocally(linker: UPID, target: UPID): boolean {
    const actor = this.actors.get(linker.id);
    return actor !== undefined && this.localLinks.get(target.id)?.has(actor) === true;
  }

  /**
   * @internal `dispatch`: runs `run` inside `actor`'s mailbox; `fail` is called instead if the
   * actor is gone. Numbered per source (the actor whose turn dispatches, '' for none) for traces.
   */
  enqueueRun(actor: Actor, run: () => void, fail?: (error: Error) => void): void {
    const source = this.current?.id ?? '';
    const counts = (actor.runtime.dispatchCounts ??= new SmallMap());
    const seq = (counts.get(source) ?? 0) + 1;
    counts.set(source, seq);
    this.enqueueLabeled(actor, { name: 'dispatch', seq, source }, run, fail);
  }

  /**
   * @internal `Actor.httpTurn`: runs `run` inside `actor`'s mailbox as a later turn of serving an
   * HTTP request (a response rendered over several turns). Labelled and traced as the request
   * itself is ('http'), which a replay does not repeat: such turns must not change what the
   * actor sends.
   */
  enqueueHttpTurn(actor: Actor, run: () => void, fail?: (error: Error) => void): void {
    this.enqueueLabeled(actor, { name: 'http', seq: 0, source: '' }, run, fail);
  }

  /** @internal Timer for `Actor.delay`: fires on the host clock (or when a scripted replay says), runs in the actor's mailbox. */
  delay(actor: Actor, ms: number, callback: (this: Actor, arg: unknown) => void, arg?: unknown): Timer {
    return this.startTimer(actor, ms, callback, undefined, arg);
  }

  /** @internal `Actor.every` and `Actor.everyWith`: `callback` (with the actor as `this`, and `arg`) every `periodMs` until cancelled (one timer object for all periods). */
  every(actor: Actor, periodMs: number, callback: (this: Actor, arg: unknown) => void, arg?: unknown): Timer {
    return this.startTimer(actor, periodMs, callback, periodMs, arg);
  }

  private startTimer(actor: Actor, ms: number, callback: (this: Actor, arg: unknown) => void, periodMs: number | undefined, arg: unknown): ActorTimer {
    const timer = new ActorTimer(actor, callback, periodMs, arg);
    this.armTimer(timer, ms);
    return timer;
  }

  /** @internal `ActorTimer.timerFired` (of a timer not cancelled): the timer came due; its run is queued (labelled for traces and replays). */
  timerFired(timer: ActorTimer): void {
    // Out of the clock: a cancel from now on has nothing to tell it (a virtual clock counts the cancelled entries it holds).
    timer.handle = undefined;
    const actor = timer.actor;
    actor.runtime.removeTimer(timer);
    if (actor.runtime.state !== 'running') return;
    // Its label is made only when a trace or a view asks for it (`timerLabel`); the host runs it by its timer (`runTimer`).
    this.enqueue(actor, Tag.Timer, timer, undefined, undefined);
  }

  /** Runs a timer's callback in its actor's mailbox (unless cancelled after it came due); a periodic one is armed again first, so the callback may cancel it. */
  private runTimer(timer: ActorTimer): void {
    if (timer.cancelled) return;
    if (timer.periodMs !== undefined) this.armTimer(timer, timer.periodMs);
    timer.callback.call(timer.actor, timer.arg);
  }

  /** Numbers `timer` as its actor's next timer and puts it on the clock (off it under a scripted replay). */
  private armTimer(timer: ActorTimer, ms: number): void {
    const runtime = timer.actor.runtime;
    timer.seq = ++runtime.timerCount;
    timer.dueMs = this.clock.now() + Math.max(0, ms);
    runtime.addTimer(timer);
    if (this.scripted) return;
    // A clock that holds the timer itself (a virtual clock) makes no object for it, nor for any
    // period of a periodic one.
    const clock = this.clock;
    timer.handle = clock.setTargetTimer !== undefined ? clock.setTargetTimer(ms, timer) : clock.setTimer(ms, timer);
  }

  /**
   * @internal `Actor.defer`: the continuation re-enters the actor's mailbox, as one record holding
   * a `DeferredTurn` (its label and its work in one object: an agent's launch in flight kept a
   * label, four closures and their context before).
   */
  defer<T>(actor: Actor, promise: Promise<T>, then: (value: T) => void, onError?: (error: Error) => void): void {
    this.deferTurn(actor, promise, then as DeferredContinuation, onError as DeferredContinuation | undefined, NO_DEFERRED_ARG);
  }

  /**
   * @internal `Actor.deferWith`: `defer` whose continuations are called with `arg` before the
   * value or error (methods of the actor and their argument: no closure per call).
   */
  deferWith<T, A>(actor: Actor, promise: Promise<T>, then: (arg: A, value: T) => void, onError: (arg: A, error: Error) => void, arg: A): void {
    this.deferTurn(actor, promise, then as DeferredContinuation, onError as DeferredContinuation, arg);
  }

  private deferTurn(actor: Actor, promise: Promise<unknown>, then: DeferredContinuation, onError: DeferredContinuation | undefined, arg: unknown): void {
    this.pendingDeferred++;
    const seq = ++actor.runtime.deferCount;
    promise.then(
      (value) => this.deferSettled(new DeferredTurn(actor, seq, true, value, then, onError, arg)),
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.deferSettled(new DeferredTurn(actor, seq, false, failure, then, onError, arg));
      },
    );
  }

  private deferSettled(turn: DeferredTurn): void {
    const actor = turn.actor;
    this.pendingDeferred--;
    if (actor.runtime.state !== 'running') return;
    this.enqueue(actor, Tag.Deferred, turn, undefined, undefined);
  }

  /** Runs deferred work's continuation in its actor's mailbox: `then`, or the failure path (also when a replay forces it). */
  private runDeferred(turn: DeferredTurn): void {
    const actor = turn.actor;
    const failure = turn.forcedError ?? (turn.ok ? undefined : (turn.outcome as Error));
    const arg = turn.arg;
    if (failure === undefined) {
      if (arg === NO_DEFERRED_ARG) return turn.then.call(actor, turn.outcome);
      return turn.then.call(actor, arg, turn.outcome);
    }
    if (turn.onError === undefined) {
      this.logger.error({ actor: actor.id, error: failure.message }, 'deferred work failed');
    } else if (arg === NO_DEFERRED_ARG) {
      turn.onError.call(actor, failure);
    } else {
      turn.onError.call(actor, arg, failure);
    }
  }

  /**
   * @internal `Actor.background`: counted as deferred work until it settles (so a virtual
   * clock's `settle` waits for it, as for `defer`), but nothing re-enters the actor's mailbox.
   */
  background(promise: Promise<unknown>): void {
    this.pendingDeferred++;
    promise.then(this.backgroundSettled, this.backgroundSettled);
  }

  private enqueueLabeled(actor: Actor, label: RunLabel, run: () => void, fail?: (error: Error) => void): void {
    if (actor.runtime.state !== 'running') {
      fail?.(new ActorGone(`actor '${actor.id}' is not running`));
      return;
    }
    this.enqueue(actor, Tag.Run, label, run, fail);
  }

  /** @internal `Actor.link`. */
  link(actor: Actor, pid: UPID): void {
    if (this.options.inertLinks) return;
    if (this.namesThisHost(pid)) return this.linkLocal(actor, pid);
    let targets = this.remoteLinks.get(pid.address);
    if (!targets) this.remoteLinks.set(pid.address, (targets = new Map()));
    const key = pid.toString();
    (actor.runtime.linkedRemote ??= new Map()).set(key, pid);
    const entry = targets.get(key);
    if (entry) {
      entry.linkers.add(actor);
      return;
    }
    targets.set(key, { pid, linkers: new Set([actor]) });
    this.sendRemote({ from: actor.self().toString(), to: key, name: LINK_MESSAGE, body: null }, pid.address);
  }

  /** True when nothing is queued, scheduled or deferred here, and no link has unsent bytes. */
  idle(): boolean {
    return this.ready.length === 0 && !this.drainScheduled && this.pendingDeferred === 0 && (this.links?.idle() ?? true);
  }

  /**
   * What the host's link tables hold: `local`, links from a local actor to a local actor;
   * `remote`, links from a local actor to an actor on another host. Each counts (linker, target)
   * pairs. A link leaves them when either end terminates or the link breaks. Read by specs (what
   * a long-running host keeps); no endpoint reports it.
   */
  linkCounts(): { local: number; remote: number } {
    let local = 0;
    for (const linkers of this.localLinks.values()) local += linkers.size;
    let remote = 0;
    for (const targets of this.remoteLinks.values()) for (const { linkers } of targets.values()) remote += linkers.size;
    return { local, remote };
  }

  /** Addresses of hosts this host has an open link to. */
  linkedHosts(): string[] {
    return this.links?.openLinks() ?? [];
  }

  /**
   * Stops the host: every actor is terminated (finalized; linked actors told), links are flushed
   * and closed, the port is released. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /**
   * On each of `signals` (default `STOP_SIGNALS`: SIGINT, SIGTERM, SIGUSR1): stop gracefully and
   * exit 0 (a second signal exits at once).
   */
  installSignalHandlers(onStopped: () => void = () => process.exit(0), signals: readonly NodeJS.Signals[] = STOP_SIGNALS): void {
    const handler = (signal: NodeJS.Signals): void => {
      if (this.stopping) process.exit(1);
      this.logger.info({ signal }, 'stopping');
      void this.stop().then(onStopped);
    };
    for (const signal of signals) process.once(signal, handler);
  }

  private async doStop(): Promise<void> {
    this.endScript();
    const actors = [...this.actors.values()].reverse();
    for (const actor of actors) this.terminate(actor);
    await Promise.all(actors.map((actor) => actor.runtime.terminated));
    await this.links?.close();
    if (this.server) {
      const server = this.server;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.tracer?.release();
    this.tracer = undefined;
    this.observing = this.options.observer !== undefined;
    this.removeSettleProbe();
  }

  // ---- mailbox scheduling -------------------------------------------------------------------

  private enqueue(actor: Actor, tag: Tag, a: unknown, b: unknown, c: unknown): void {
    actor.runtime.mailbox.push(tag, a, b, c);
    this.schedule(actor);
  }

  private schedule(actor: Actor): void {
    if (actor.runtime.scheduled || this.scripted) return;
    actor.runtime.scheduled = true;
    this.ready.push(actor);
    // While draining, the running drain takes it (and schedules the next if its budget ends
    // first): an event-loop turn per message exchanged was half of an idle simulation's time.
    if (!this.drainScheduled && !this.draining) {
      this.drainScheduled = true;
      setImmediate(this.drain);
    }
  }

  private readonly drain = (): void => {
    this.drainScheduled = false;
    if (this.draining) return;
    this.draining = true;
    try {
      this.runReady();
    } finally {
      this.draining = false;
      // Also when something escaped a handler's guard: actors scheduled during this drain get the next.
      if (this.ready.length > 0 && !this.drainScheduled) {
        this.drainScheduled = true;
        setImmediate(this.drain);
      }
    }
  };

  private runReady(): void {
    let budget = DRAIN_BUDGET;
    while (budget > 0) {
      const actor = this.ready.shift();
      if (!actor) break;
      budget -= this.runMailbox(actor, Math.min(MAILBOX_BATCH, budget));
      const runtime = actor.runtime;
      if (runtime.mailbox.length > 0 && runtime.state !== 'terminated') this.ready.push(actor);
      else runtime.scheduled = false;
    }
  }

  private runMailbox(actor: Actor, limit: number): number {
    const mailbox = actor.runtime.mailbox;
    let handled = 0;
    while (handled < limit && mailbox.length > 0) {
      const tag = mailbox.firstTag();
      const a = mailbox.firstA();
      const b = mailbox.firstB();
      const c = mailbox.firstC();
      mailbox.dropFirst();
      handled++;
      this.eventsHandled++;
      this.handle(actor, tag, a, b, c);
      if (actor.runtime.state === 'terminated') break;
    }
    return handled;
  }

  /** Handles one record taken from `actor`'s mailbox (`Tag` says what `a`, `b` and `c` are). */
  private handle(actor: Actor, tag: Tag, a: unknown, b: unknown, c: unknown): void {
    const previous = this.current;
    this.current = actor;
    try {
      switch (tag) {
        case Tag.Message:
        case Tag.ValidatedMessage:
          return this.handleMessage(actor, a as UPID, b as string, c, tag === Tag.ValidatedMessage);
        case Tag.Run: {
          const label = a as RunLabel;
          if (this.observing) this.traceRun(actor, label);
          return (b as () => void)();
        }
        case Tag.Timer:
          if (this.observing) this.traceRun(actor, timerLabel(a as ActorTimer));
          return this.runTimer(a as ActorTimer);
        case Tag.Deferred:
          if (this.observing) this.traceRun(actor, a as DeferredTurn);
          return this.runDeferred(a as DeferredTurn);
        case Tag.Initialize:
          if (this.observing) this.traceRun(actor, INITIALIZE_LABEL);
          return Actor.callInitialize(actor);
        case Tag.Exited:
          if (this.observing) this.trace('deliver', a as UPID, actor.self(), 'exited', null);
          return Actor.callExited(actor, a as UPID);
        case Tag.Terminate:
          if (this.observing) this.traceRun(actor, { name: 'terminate', seq: 0, source: '' });
          return this.finishTerminate(actor);
      }
    } catch (error) {
      // A view of the record says what it was (made only here, off the hot path).
      const event = new MailboxEvent(tag, a, b, c);
      this.logger.error({ actor: actor.id, event: truncated(event.name), from: event.from?.toString(), error: truncated(describe(error)) }, 'handler threw; actor continues');
      this.failOnSharedBodyChange(actor, error);
    } finally {
      this.current = previous;
    }
  }

  private handleMessage(actor: Actor, from: UPID, name: string, received: unknown, validated: boolean): void {
    const handler = actor.runtime.handlers.get(name);
    if (handler === undefined) {
      this.peerDrop(from.address, { actor: actor.id, name: truncated(name), from: from.toString() }, 'dropping message: no handler installed');
      return;
    }
    let body = received;
    if (validated && handler.validate) {
      try {
        body = handler.validate(body);
      } catch (error) {
        this.peerDrop(from.address, { actor: actor.id, name: truncated(name), from: from.toString(), error: truncated(describe(error)) }, 'dropping message: invalid body');
        Actor.callInvalidMessage(actor, from, name, describe(error));
        return;
      }
    }
    if (this.observing) this.trace('deliver', from, actor.self(), name, body);
    const result: unknown = handler.run.call(actor, from, body);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        this.logger.error({ actor: actor.id, name: truncated(name), error: truncated(describe(error)) }, 'async handler failed');
        this.failOnSharedBodyChange(actor, error);
      });
    }
  }

  /**
   * Local bodies are frozen in a validating host so that an actor changing one is found (see
   * `deliverLocal`): that is a bug, not bad input, so it is thrown again outside the host's
   * guard, where a test or a simulation fails at once instead of logging it quietly.
   */
  private failOnSharedBodyChange(actor: Actor, error: unknown): void {
    if (this.options.validateLocalMessages !== true || !changedFrozenBody(error)) return;
    const bug = new Error(`actor '${actor.id}' changed an object a message shares (a body is a value: copy what you keep and change): ${describe(error)}`);
    queueMicrotask(() => {
      throw bug;
    });
  }

  private finishTerminate(actor: Actor): void {
    const runtime = actor.runtime;
    const pid = actor.self();
    try {
      Actor.callFinalize(actor);
    } catch (error) {
      this.logger.error({ actor: actor.id, error: describe(error) }, 'finalize threw');
    }
    runtime.state = 'terminated';
    // A client never waits on a stream nobody will write to again.
    for (const stream of [...(runtime.streams ?? [])]) stream.end();
    runtime.streams = undefined;
    for (const timer of runtime.pendingTimers()) timer.cancel();
    for (const event of runtime.mailbox.clear()) event.fail?.(new ActorGone(`actor '${actor.id}' terminated`));
    this.actors.delete(actor.id);
    this.releaseSharedRoutes(actor);
    this.dropLinksOf(actor);
    for (const linker of this.localLinks.get(actor.id) ?? []) {
      linker.runtime.linkedLocal?.delete(actor.id);
      this.notifyExited(linker, pid);
    }
    this.localLinks.delete(actor.id);
    for (const remote of this.remoteLinkers.get(actor.id)?.values() ?? []) {
      this.sendRemote({ from: pid.toString(), to: remote.toString(), name: EXITED_MESSAGE, body: null }, remote.address);
    }
    this.remoteLinkers.delete(actor.id);
    runtime.resolveTerminated();
  }

  // ---- delivery -----------------------------------------------------------------------------

  private deliverLocal(from: UPID, to: UPID, name: string, body: unknown, remote: boolean): void {
    if (this.filters.active && this.filters.apply({ from, to, name, body })) return;
    const actor = this.actors.get(to.id);
    if (actor === undefined || actor.runtime.state !== 'running') {
      this.peerDrop(from.address, { from: from.toString(), to: to.toString(), name: truncated(name) }, 'dropping message for an unknown actor');
      return;
    }
    const validate = remote || this.options.validateLocalMessages === true;
    // A link gives the receiver a copy of its own; a local body is shared instead, so here it is
    // frozen: neither the sender (after sending) nor the receiver may change it, and a simulation
    // finds out at once where one would (a validated body is the body itself, not a copy).
    if (!remote && validate) deepFreeze(body);
    this.enqueue(actor, validate ? Tag.ValidatedMessage : Tag.Message, from, name, body);
  }

  private sendRemote(envelope: WireEnvelope, address: string): void {
    if (!this.links) {
      if (this.options.offHost) this.options.offHost(envelope);
      else this.logger.warn({ to: envelope.to, name: envelope.name }, 'dropping message: this host does not listen, so it has no links');
      return;
    }
    let encoded: Buffer;
    try {
      encoded = encodeEnvelope(envelope);
    } catch (error) {
      this.logger.error({ to: envelope.to, name: envelope.name, error: describe(error) }, 'dropping message: body cannot be encoded');
      return;
    }
    const limit = this.options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    if (encoded.length > limit) {
      this.logger.error({ to: envelope.to, name: envelope.name, bytes: encoded.length, limit }, 'dropping message: larger than the message size limit');
      return;
    }
    this.links.send(address, encoded);
  }

  private receiveFrame(address: string, frame: Buffer): void {
    let received = 0;
    try {
      decodeFrameEach(frame, (value) => {
        const envelope = checkEnvelope(value);
        if (typeof envelope === 'string') this.peerDrop(address, { peer: address, reason: envelope }, 'dropping malformed envelope');
        else this.receiveEnvelope(address, envelope);
        // Handle what arrived while it is young (fewer promotions for the GC, lower latency),
        // and let replies leave now so the peer keeps working while we handle the rest.
        if (++received % RECEIVE_DRAIN_EVERY === 0) {
          this.drain();
          this.links?.flushPending();
        }
      }, (reason) => this.peerDrop(address, { peer: address, reason }, 'dropping a message that would be read as other text than was sent'));
    } catch (error) {
      this.logger.warn({ peer: address, bytes: frame.length, error: describe(error) }, 'dropping undecodable frame');
    }
    this.drain();
  }

  private receiveEnvelope(address: string, envelope: WireEnvelope): void {
    // Consecutive messages on a link mostly share sender and receiver: compare before parsing.
    let from = this.lastFromPid;
    if (envelope.from !== this.lastFromText) {
      from = this.tryParseUpid(envelope.from);
      this.lastFromText = envelope.from;
      this.lastFromPid = from;
    }
    let to = this.lastToPid;
    if (envelope.to !== this.lastToText) {
      to = this.tryParseUpid(envelope.to);
      this.lastToText = envelope.to;
      this.lastToPid = to;
    }
    if (!from || !to) {
      this.peerDrop(address, { peer: address, from: truncated(envelope.from), to: truncated(envelope.to) }, 'dropping envelope: bad UPID');
      return;
    }
    if (!this.namesThisHost(to)) {
      this.peerDrop(address, { peer: address, to: truncated(envelope.to) }, 'dropping envelope addressed to another host');
      return;
    }
    // A sender is bound to the link its message came over: a peer speaks only for actors of its own host
    // (its exits and link requests too), never in another host's name.
    if (from.address !== address) return this.forgedSender(address, envelope);
    if (envelope.name === LINK_MESSAGE) return this.remoteLinked(from, to);
    if (envelope.name === EXITED_MESSAGE) return this.remoteExited(from);
    this.deliverLocal(from, to, envelope.name, envelope.body, true);
  }

  /**
   * Whether a message from `from` comes from the actor this host reaches at `dialed`: the same
   * pid, or the same id at the address `dialed`'s host advertised when this host dialed it and
   * confirmed by its incarnation (`--master localhost:5050` and a master advertising
   * `master@127.0.0.1:5050`; `LinkManager.confirmedSpelling`). Two addresses of this machine at
   * one port are not enough: another process may listen at 127.0.0.2:5050 beside a master bound
   * to 127.0.0.1:5050, and prove that address (the hostile-wire pass of 2026-12-05).
   */
  reachedAs(from: UPID, dialed: UPID): boolean {
    if (from.equals(dialed)) return true;
    return from.id === dialed.id && this.links?.confirmedSpelling(dialed.address) === from.address;
  }

  /**
   * Whether `pid` lives on this host: its address is the advertised one, or (for a listening
   * host) its port is ours and its host part one of this machine's names (`localhost`,
   * loopback, the host name, an interface IP), so `master@localhost:5050` reaches a master that
   * advertises `master@10.0.0.5:5050`.
   */
  private namesThisHost(pid: UPID): boolean {
    if (pid.address === this.address) return true;
    if (this.ownNames === undefined) return false;
    const ourPort = pid.port === this.boundPort || pid.port === this.advertisedPort;
    return ourPort && isOwnHost(pid.host, this.ownNames);
  }

  /** Drops a message whose `from` names another host than the link's peer: counted, logged (rate-limited per peer). */
  private forgedSender(address: string, envelope: WireEnvelope): void {
    const count = this.forgedSenders.count(address);
    if (count === undefined) return;
    this.logger.warn(
      { peer: address, from: truncated(envelope.from), to: truncated(envelope.to), name: truncated(envelope.name), droppedFromPeer: count },
      "dropping a message whose sender is not on the link's host (a forged sender)",
    );
  }

  /** Messages dropped because their `from` named another host than the link they came over. */
  get forgedSenderDrops(): number {
    return this.forgedSenders.total;
  }

  /**
   * A connection failed its TLS handshake (a plaintext peer, no or a bad client certificate):
   * the TLS server has closed it; counted and logged, rate-limited per peer IP.
   */
  private tlsRefused(error: Error & { code?: string }, remoteAddress: string | undefined): void {
    const peer = remoteAddress ?? '(unknown)';
    const count = this.tlsRefusals.count(peer);
    if (count === undefined) return;
    this.logger.warn(
      { peer, reason: describeTlsFailure(error) ?? 'the TLS handshake failed', error: truncated(`${error.code ?? ''} ${error.message}`.trim()), refusedFromPeer: count },
      'refused a connection: its TLS handshake failed (this port serves TLS only)',
    );
  }

  /**
   * Logs a dropped message of the peer at `peer` (a host address): in full for this host's own
   * actors and for a peer's first `PEER_DROPS_LOGGED_PER_PEER`, then one line every
   * `PEER_DROP_LOG_EVERY` with the peer's count (`droppedFromPeer`).
   */
  private peerDrop(peer: string, fields: Record<string, unknown>, message: string): void {
    if (peer === this.address) return this.logger.warn(fields, message);
    const count = this.peerDrops.count(peer);
    if (count !== undefined) this.logger.warn({ ...fields, droppedFromPeer: count }, message);
  }

  /** Counts `socket` against its address's bound (`MAX_CONNECTIONS_PER_ADDRESS`, or `MAX_CONNECTIONS_PER_OWN_ADDRESS` for this machine's) until it closes; past the bound, destroys it. */
  private countConnection(socket: Socket): void {
    const address = socket.remoteAddress ?? '(unknown)';
    // Counted per client: an IPv6 client by its /64 (`clientOf`).
    const client = clientOf(address);
    const open = this.connectionsByClient.get(client) ?? 0;
    const limit = connectionLimitFor(address, this.ownNames ?? NO_NAMES, this.options);
    if (open >= limit) {
      this.refusedConnections.add(socket);
      socket.destroy();
      const count = this.connectionRefusals.count(client);
      if (count !== undefined) this.logger.warn({ peer: address, open, limit, refusedFromPeer: count }, 'refused a connection: its address holds as many open as one may');
      return;
    }
    this.connectionsByClient.set(client, open + 1);
    socket.once('close', () => {
      const left = (this.connectionsByClient.get(client) ?? 1) - 1;
      if (left > 0) this.connectionsByClient.set(client, left);
      else this.connectionsByClient.delete(client);
    });
  }

  /**
   * The client (`clientOf`: an IPv4 address, or an IPv6 /64) the link to `address` (a peer host's
   * `host:port`) comes from, as the network sees it; undefined when no link is connected there (or
   * the host does not listen). What a per-client bound keys on: a host name a peer's pid claims is
   * its own choice.
   */
  linkClientOf(address: string): string | undefined {
    const ip = this.links?.remoteIpOf(address);
    return ip === undefined ? undefined : clientOf(ip);
  }

  /** Connections open now from `address` (an IP, as the socket reports it). */
  connectionsFrom(address: string): number {
    return this.connectionsByClient.get(clientOf(address)) ?? 0;
  }

  /** Mutual TLS: a secure connection whose client certificate is missing or not signed by the CA is refused at once. */
  private checkClientCertificate(socket: TLSSocket): void {
    if (socket.authorized) return;
    const presented = Object.keys(socket.getPeerCertificate()).length > 0;
    const error = presented
      ? Object.assign(new Error(`client certificate rejected: ${String(socket.authorizationError)}`), { code: String(socket.authorizationError) })
      : Object.assign(new Error('peer did not return a certificate'), { code: 'NO_CLIENT_CERTIFICATE' });
    this.tlsRefused(error, socket.remoteAddress);
    socket.destroy();
  }

  /** Connections refused because their TLS handshake failed (plaintext peers, missing or bad client certificates). */
  get tlsHandshakeRefusals(): number {
    return this.tlsRefusals.total;
  }

  // ---- links between actors -----------------------------------------------------------------

  private linkLocal(actor: Actor, pid: UPID): void {
    const target = this.actors.get(pid.id);
    if (!target || target.runtime.state !== 'running') return this.notifyExited(actor, pid);
    let linkers = this.localLinks.get(pid.id);
    if (!linkers) this.localLinks.set(pid.id, (linkers = new SmallSet()));
    linkers.add(actor);
    (actor.runtime.linkedLocal ??= new SmallSet()).add(pid.id);
  }

  /**
   * Takes a terminating actor off the linkers of everything it linked to. Before, a local target
   * kept every actor that had ever linked to it until the target itself ended: an agent kept each
   * simulated executor it had run, whole (and, on a real agent, each v1 executor adapter).
   */
  private dropLinksOf(actor: Actor): void {
    const runtime = actor.runtime;
    for (const id of runtime.linkedLocal ?? []) {
      const linkers = this.localLinks.get(id);
      if (linkers?.delete(actor) === true && linkers.size === 0) this.localLinks.delete(id);
    }
    for (const [key, pid] of runtime.linkedRemote ?? []) {
      const targets = this.remoteLinks.get(pid.address);
      const entry = targets?.get(key);
      if (targets === undefined || entry === undefined || !entry.linkers.delete(actor) || entry.linkers.size > 0) continue;
      // Nobody here is linked to it any more: a later link sends a new link message (the peer takes it again).
      targets.delete(key);
      if (targets.size === 0) this.remoteLinks.delete(pid.address);
    }
    runtime.linkedLocal = undefined;
    runtime.linkedRemote = undefined;
  }

  /** Drops `linker`'s link to `target` (both local) and tells it, if it was linked. */
  private unlinkLocal(linker: UPID, target: UPID): void {
    const linkers = this.localLinks.get(target.id);
    const actor = this.actors.get(linker.id);
    if (linkers === undefined || actor === undefined || !linkers.delete(actor)) return;
    if (linkers.size === 0) this.localLinks.delete(target.id);
    actor.runtime.linkedLocal?.delete(target.id);
    this.notifyExited(actor, target);
  }

  private remoteLinked(from: UPID, to: UPID): void {
    const target = this.actors.get(to.id);
    if (!target || target.runtime.state !== 'running') {
      this.sendRemote({ from: to.toString(), to: from.toString(), name: EXITED_MESSAGE, body: null }, from.address);
      return;
    }
    let linkers = this.remoteLinkers.get(to.id);
    if (!linkers) this.remoteLinkers.set(to.id, (linkers = new Map()));
    linkers.set(from.toString(), from);
  }

  private remoteExited(pid: UPID): void {
    const targets = this.remoteLinks.get(pid.address);
    const entry = targets?.get(pid.toString());
    if (!targets || !entry) return;
    const key = pid.toString();
    targets.delete(key);
    for (const linker of entry.linkers) {
      linker.runtime.linkedRemote?.delete(key);
      this.notifyExited(linker, pid);
    }
  }

  private linkDown(address: string, reason: string): void {
    const targets = this.remoteLinks.get(address);
    this.remoteLinks.delete(address);
    for (const [key, { pid, linkers }] of targets ?? []) {
      for (const linker of linkers) {
        linker.runtime.linkedRemote?.delete(key);
        this.notifyExited(linker, pid);
      }
    }
    for (const linkers of this.remoteLinkers.values()) {
      for (const [key, pid] of linkers) if (pid.address === address) linkers.delete(key);
    }
    this.logger.debug({ peer: address, reason, notified: targets?.size ?? 0 }, 'link to host lost');
  }

  private notifyExited(actor: Actor, pid: UPID): void {
    if (actor.runtime.state !== 'running') return;
    this.enqueue(actor, Tag.Exited, pid, undefined, undefined);
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.logger.debug({ error: error.message }, 'upgrade socket error'));
    // HTTP lets a server ignore an Upgrade it does not speak (libprocess does): `curl --http2` asks for h2c on every
    // request, and got a bare 404 everywhere (the hostile-input pass of 2026-12-05). Node hands such a request here
    // with its body unread, so one with a body is refused instead.
    if (request.headers.upgrade?.toLowerCase() !== 'websocket') return this.serveIgnoringUpgrade(request, socket);
    const path = (request.url ?? '').split('?')[0];
    if (path === LINK_PATH && this.links) return this.links.accept(request, socket, head);
    this.logger.warn({ url: truncated(request.url ?? '') }, 'refusing WebSocket upgrade on an unknown path');
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }

  /** Serves a request that asked to upgrade to something other than WebSocket as a plain one, on its socket. */
  private serveIgnoringUpgrade(request: http.IncomingMessage, socket: Duplex): void {
    if (hasBody(request)) {
      const reason = "a request asking to upgrade (other than to WebSocket) is served only without a body: send it without the 'Upgrade' header";
      socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
      return;
    }
    const response = new http.ServerResponse(request);
    response.assignSocket(socket as net.Socket);
    response.shouldKeepAlive = false;
    response.once('finish', () => {
      response.detachSocket(socket as net.Socket);
      socket.end();
    });
    void this.serveHttp(request, response);
  }

  private async serveHttp(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    try {
      const routed = await this.routeHttp(request);
      if (routed.stream !== undefined && routed.actor !== undefined) this.startStream(response, routed, routed.stream, routed.actor);
      else writeResponse(response, routed, acceptsGzip(request.headers['accept-encoding']));
    } catch (error) {
      // A client that went away while sending its request is not the handler's failure: no ERROR line for anyone
      // who cares to abort requests (the hostile-input pass of 2026-12-05).
      if (!request.complete && (request.destroyed || (error as { code?: string }).code === 'ECONNRESET')) {
        this.logger.info({ url: truncated(request.url ?? '') }, 'the client went away before its request was received');
        return;
      }
      this.logger.error({ url: truncated(request.url ?? ''), error: truncated(describe(error)) }, 'HTTP handler failed');
      if (!response.headersSent) writeResponse(response, httpError(500, describe(error)));
    }
  }

  /**
   * Starts a streaming response: headers now, then each chunk the actor writes, until it ends
   * the stream or the client goes away (then the stream's `onClose` runs in the actor's mailbox).
   */
  private startStream(out: http.ServerResponse, response: HttpResponse, stream: HttpStream, actor: Actor): void {
    if (actor.runtime.state !== 'running') {
      writeResponse(out, httpError(503, `actor '${actor.id}' is not running`));
      // Nobody will write to it: its owner learns at once (there is no mailbox left to tell it in).
      stream.closedByPeer();
      return;
    }
    (actor.runtime.streams ??= new Set()).add(stream);
    out.on('close', () => {
      actor.runtime.streams?.delete(stream);
      if (stream.closed) return;
      this.enqueueLabeled(actor, { name: 'http', seq: 0, source: '' }, () => stream.closedByPeer());
    });
    out.writeHead(response.status, withNosniff(response.headers));
    out.flushHeaders();
    stream.attach({
      write: (chunk) => out.write(chunk),
      writeReleased: (chunk, done) => {
        if (out.destroyed) done();
        else out.write(chunk, () => done());
      },
      end: () => out.end(),
      get buffered() {
        return out.writableLength;
      },
      destroy: () => out.destroy(),
      onDrain: (listener) => out.once('drain', listener),
    });
  }

  private async routeHttp(request: http.IncomingMessage): Promise<HttpResponse & { actor?: Actor }> {
    const url = request.url ?? '/';
    const urlPath = url.split('?')[0];
    if (urlPath === LINK_INCARNATION_PATH && this.links !== undefined) {
      request.resume();
      return { status: 200, body: this.incarnation };
    }
    if (urlPath === LINK_VERIFY_PATH && this.links !== undefined) {
      request.resume();
      const { query, queryError } = targetQuery(parseRequestTarget(url));
      if (queryError !== undefined) return httpError(400, `Unable to decode query string: ${queryError}`);
      return { status: this.links.confirmDial(query), body: '' };
    }
    let target = splitActorPath(url);
    let actor = target ? this.actors.get(target.actorId) : undefined;
    let handler = target && actor ? findRoute(actor.runtime.routes, target.path) : undefined;
    if (handler === undefined && target !== undefined) {
      const shared = this.sharedRoute(target.actorId, target.path);
      if (shared !== undefined) [actor, handler] = shared;
    }
    if (handler === undefined && this.delegates.length > 0 && (target === undefined || actor === undefined)) {
      // libprocess' delegate: a path that names no actor is the delegate's (`/` serves the web UI);
      // the first delegate with a route for it serves it.
      const parsed = parseRequestTarget(url);
      for (const id of this.delegates) {
        const delegate = this.actors.get(id);
        const found = delegate === undefined ? undefined : findRoute(delegate.runtime.routes, parsed.pathname);
        if (delegate === undefined || found === undefined) continue;
        target = { actorId: delegate.id, path: parsed.pathname, ...targetQuery(parsed) };
        actor = delegate;
        handler = found;
        break;
      }
    }
    if (!target || !actor || !handler) {
      request.resume();
      const vacant = this.vacancyAnswer(target?.actorId);
      if (vacant !== undefined) return vacant;
      this.logger.debug({ url: truncated(url) }, 'HTTP 404');
      return httpError(404, `no route '${urlPath}' on ${this.address}`);
    }
    // Before the handler (and the body): a query that does not decode (a `%` escape of bytes that are not UTF-8, or a malformed one) is no query.
    if (target.queryError !== undefined) {
      await discardBody(request);
      return httpError(400, `Unable to decode query string: ${target.queryError}`);
    }
    // Before the handler (and the body): a request refused for its callback changes nothing.
    const badCallback = jsonpRefusal(target.query.jsonp);
    if (badCallback !== undefined) {
      await discardBody(request);
      return badCallback;
    }
    const servedBy = actor;
    // The actor ends while the request waits for its turn (its id being handed to another): the vacancy's answer, not a 500.
    const orVacancy = (error: unknown): HttpResponse => {
      if (servedBy.runtime.state !== 'running') {
        const vacant = this.vacancyAnswer(servedBy.id);
        if (vacant !== undefined) return vacant;
      }
      throw error;
    };
    const options = routeOptionsOf(handler);
    // A request with no body to hold gets no check before it: the handler checks as it always does.
    if (options?.beforeBody !== undefined && hasBody(request)) {
      const check = options.beforeBody;
      const refused = await this.inMailbox(actor, () => check.call(actor, routedRequest(request, target, EMPTY_BODY))).catch(orVacancy);
      // Its body is dropped unread (kept nowhere) before the answer, which a client still sending would not see.
      if (refused !== undefined) {
        await discardBody(request);
        return refused;
      }
    }
    const maxBodyBytes = Math.min(options?.maxBodyBytes ?? Infinity, this.options.maxHttpBodyBytes ?? MAX_HTTP_BODY_BYTES);
    const reading = readBody(request, maxBodyBytes, this.httpBodies);
    try {
      const body = await reading.read;
      if (body === 'too-large') return httpError(413, `request body larger than ${maxBodyBytes} bytes`);
      if (body === 'over-budget') {
        const budget = this.httpBodies.limit;
        this.logger.warn({ url: truncated(url), held: this.httpBodies.held, budget }, 'refusing a request: too many request body bytes held at once');
        return { ...httpError(503, `the server holds ${budget} bytes of request bodies at most, all requests together; try again`), headers: { 'retry-after': String(HTTP_BUSY_RETRY_AFTER_SECONDS) } };
      }
      const response = await this.inMailbox(actor, () => handler.call(actor, routedRequest(request, target, body))).catch(orVacancy);
      if (response.stream !== undefined) return { ...response, actor };
      return withJsonp(response, target.query.jsonp);
    } finally {
      this.httpBodies.give(reading.taken());
    }
  }

  /** Request body bytes held now, all requests together (see `MAX_HTTP_BODY_BYTES_IN_FLIGHT`). */
  get httpBodyBytesHeld(): number {
    return this.httpBodies.held;
  }

  /** Runs `run` (a route's handler or check) in `actor`'s mailbox as an 'http' turn; resolves with what it returns (a throw rejects). */
  private inMailbox<R>(actor: Actor, run: () => R | Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.enqueueLabeled(actor, { name: 'http', seq: 0, source: '' }, () => {
        try {
          Promise.resolve(run()).then(resolve, reject);
        } catch (error) {
          reject(error); // answered 500 by serveHttp
        }
      }, reject);
    });
  }

  /** The actor and handler serving `path` under namespace `namespace` (`Actor.routeUnder`), if any. */
  private sharedRoute(namespace: string, path: string): [Actor, HttpHandler] | undefined {
    for (const actor of this.sharedRoutes.get(namespace) ?? []) {
      const routes = actor.runtime.sharedRoutes?.get(namespace);
      const handler = routes?.get(path) ?? (path.length > 1 && path.endsWith('/') ? routes?.get(path.slice(0, -1)) : undefined);
      if (handler !== undefined) return [actor, handler];
    }
    return undefined;
  }

  /** Indexes `actor`'s shared routes at its spawn; throws when a running actor serves one of them already. */
  private claimSharedRoutes(actor: Actor): void {
    for (const [namespace, routes] of actor.runtime.sharedRoutes ?? []) {
      for (const path of routes.keys()) {
        const holder = this.sharedRoute(namespace, path);
        if (holder !== undefined) throw new Error(`'/${namespace}${path}' is served by actor '${holder[0].id}' on ${this.address} already`);
      }
    }
    for (const namespace of actor.runtime.sharedRoutes?.keys() ?? []) {
      const actors = this.sharedRoutes.get(namespace) ?? [];
      actors.push(actor);
      this.sharedRoutes.set(namespace, actors);
    }
  }

  private releaseSharedRoutes(actor: Actor): void {
    for (const namespace of actor.runtime.sharedRoutes?.keys() ?? []) {
      const actors = (this.sharedRoutes.get(namespace) ?? []).filter((other) => other !== actor);
      if (actors.length > 0) this.sharedRoutes.set(namespace, actors);
      else this.sharedRoutes.delete(namespace);
    }
  }

  /** Whether a running actor serves `/<namespace><path>` through `Actor.routeUnder`. */
  servesShared(namespace: string, path: string): boolean {
    return this.sharedRoute(namespace, path) !== undefined;
  }

  /**
   * Makes actor `actorId` this host's delegate (libprocess' `initialize(delegate)`): HTTP
   * requests whose path names no actor (`/`, `/app.js`, `/state`) go to its routes with their
   * whole path. With `fallbacks`, a path the delegate has no route for goes to the first of them
   * that has one (the master's host: the web UI's `/` and `/assets/*`, the master's `/state`,
   * `/tasks`..., as Mesos' master, the delegate there, serves both).
   */
  setDelegate(actorId: string, ...fallbacks: string[]): void {
    this.delegates = [actorId, ...fallbacks];
  }

  /**
   * While no running actor holds id `actorId` (one being replaced by another under the same id:
   * a standby master by its elected master), HTTP requests for it get `answer()` instead of 404
   * (no such actor) or 500 (the actor ended while the request waited). `undefined` removes it.
   * A client retrying a 503 then rides out the swap; one that took a 404 for "no such API" gave up.
   */
  setVacancyAnswer(actorId: string, answer: (() => HttpResponse) | undefined): void {
    if (answer === undefined) this.vacancies.delete(actorId);
    else this.vacancies.set(actorId, answer);
  }

  /** The answer for a request to actor `actorId` that found no running actor there, if the id is held vacant. */
  private vacancyAnswer(actorId: string | undefined): HttpResponse | undefined {
    if (actorId === undefined || this.vacancies.size === 0) return undefined;
    const actor = this.actors.get(actorId);
    if (actor !== undefined && actor.runtime.state === 'running') return undefined;
    return this.vacancies.get(actorId)?.();
  }

  /** The delegate's actor id (`setDelegate`), if one was set. */
  get delegateId(): string | undefined {
    return this.delegates[0];
  }

  // ---- helpers ------------------------------------------------------------------------------

  private parseUpid(text: string): UPID {
    const cached = this.upidCache.get(text);
    if (cached) return cached;
    const pid = UPID.parse(text);
    if (this.upidCache.size >= UPID_CACHE_LIMIT) this.upidCache.clear();
    this.upidCache.set(text, pid);
    return pid;
  }

  private tryParseUpid(text: string): UPID | undefined {
    try {
      return this.parseUpid(text);
    } catch {
      return undefined;
    }
  }

  private trace(kind: 'deliver' | 'send', from: UPID, to: UPID, name: string, body: unknown): void {
    const event: TraceEvent = { kind, t: this.clock.now(), from: from.toString(), to: to.toString(), name, body };
    if (kind === 'deliver') event.r = this.random.draws;
    this.tracer?.record(event);
    this.options.observer?.(event);
  }

  /** Records that `actor` is about to run the work `label` names (a fired timer cancelled since is not run, so not recorded). */
  private traceRun(actor: Actor, label: { name: TraceRunName } & Omit<RunLabel, 'name'>): void {
    if (label.timer?.cancelled) return;
    const body: TraceRunBody = { seq: label.seq };
    if (label.ok !== undefined) body.ok = label.ok;
    if (label.error !== undefined) body.error = label.error;
    const from = label.source === '' ? '' : `${label.source}@${this.address}`;
    const event: TraceEvent = { kind: 'run', t: this.clock.now(), from, to: actor.self().toString(), name: label.name, body, r: this.random.draws };
    this.tracer?.record(event);
    this.options.observer?.(event);
  }
}


/** Whether `error` is V8's complaint about a write to a frozen object (what freezing local bodies turns sharing mistakes into). */
function changedFrozenBody(error: unknown): boolean {
  return error instanceof TypeError && /read.only property|object is not extensible|Cannot delete property|Cannot (add|assign|define) property/.test(error.message);
}

/** `headers` without `Authorization`. */
function withoutCredentials(headers: http.IncomingHttpHeaders): http.IncomingHttpHeaders {
  const { authorization: _dropped, ...rest } = headers;
  return rest;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The body of a request checked before its body is read (`RouteOptions.beforeBody`). */
const EMPTY_BODY = Buffer.alloc(0);

/** Whether `request` carries a body (a length above 0, or chunks). */
function hasBody(request: http.IncomingMessage): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) !== 0;
}

/**
 * What a route's handler (or its check) gets of `request`. A JSONP request is a <script> any
 * page can include, and the browser sends its stored credentials with it: answered as if it
 * carried none, so that only what anyone may read can be read across sites that way.
 */
function routedRequest(request: http.IncomingMessage, target: { path: string; query: Record<string, string> }, body: Buffer): HttpRequest {
  const headers = target.query.jsonp === undefined ? request.headers : withoutCredentials(request.headers);
  const routed: HttpRequest = { method: request.method ?? 'GET', path: target.path, query: target.query, headers, body };
  if (request.socket.remoteAddress !== undefined) routed.remoteAddress = request.socket.remoteAddress;
  return routed;
}

/**
 * How many connections `address` (a socket's remote address) may hold open: the options' (or
 * the default) bound for one of this machine's addresses (`ownNames`, loopback) or for another's.
 */
export function connectionLimitFor(address: string, ownNames: ReadonlySet<string>, options: Pick<ActorHostOptions, 'maxConnectionsPerAddress' | 'maxConnectionsPerOwnAddress'>): number {
  return isOwnHost(unmappedIp(address), ownNames)
    ? options.maxConnectionsPerOwnAddress ?? MAX_CONNECTIONS_PER_OWN_ADDRESS
    : options.maxConnectionsPerAddress ?? MAX_CONNECTIONS_PER_ADDRESS;
}

/**
 * The status line for a request Node's parser refused (its error `code`, and `rawPacket`, the
 * bytes of its last read): 408 for one not received within `requestTimeout`; past Node's size
 * limit for a request's head (`http.maxHeaderSize`, 16 KiB), 414 when its request line alone is
 * (the read starts the request and has no line end within the limit), else 431; any other, 400.
 */
export function clientErrorStatus(code: string | undefined, rawPacket?: Buffer): string {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  if (code === 'HPE_HEADER_OVERFLOW') return requestLineOverLimit(rawPacket) ? '414 URI Too Long' : '431 Request Header Fields Too Large';
  return '400 Bad Request';
}

/** A request's first bytes start a request line (`METHOD /...`) that does not end within `http.maxHeaderSize`. */
function requestLineOverLimit(rawPacket: Buffer | undefined): boolean {
  if (rawPacket === undefined || !REQUEST_LINE_START.test(rawPacket.subarray(0, MAX_METHOD_CHARS + 2).toString('latin1'))) return false;
  const lineEnd = rawPacket.indexOf('\r\n');
  return lineEnd < 0 ? rawPacket.length > http.maxHeaderSize : lineEnd > http.maxHeaderSize;
}

/** The longest method `requestLineOverLimit` looks for before its target. */
const MAX_METHOD_CHARS = 16;
const REQUEST_LINE_START = new RegExp(`^[A-Z]{1,${MAX_METHOD_CHARS}} [/*a-z]`, 'i');

/** Peer-controlled text cut to `MAX_LOGGED_PEER_TEXT` characters for a log line. */
function truncated(text: string): string {
  return text.length <= MAX_LOGGED_PEER_TEXT ? text : `${text.slice(0, MAX_LOGGED_PEER_TEXT)}… (${text.length} chars)`;
}

/** A deferred turn's `then` or `onError`: called with the outcome, or with `deferWith`'s argument and the outcome. */
type DeferredContinuation = (...args: unknown[]) => void;

/** A `defer` turn's `arg`: its continuations take the outcome alone. */
const NO_DEFERRED_ARG: unique symbol = Symbol('no deferred arg');

/**
 * @internal Deferred work that settled (`ActorHost.defer`, `deferWith`), waiting in its actor's
 * mailbox: its label, as traces and a scripted replay read it (`name` 'defer', its number, whether
 * it resolved), and its continuation with what it settled with.
 */
class DeferredTurn implements RunLabel {
  /** Set by a scripted replay: run the failure path with this error whatever the promise did. */
  forcedError: Error | undefined = undefined;
  constructor(
    readonly actor: Actor,
    readonly seq: number,
    /** The promise resolved (`then` runs) or rejected (`onError` runs). */
    readonly ok: boolean,
    /** The value it resolved with, or the `Error` it was rejected with. */
    readonly outcome: unknown,
    readonly then: DeferredContinuation,
    readonly onError: DeferredContinuation | undefined,
    /** What `deferWith` passes its continuations before the outcome; `NO_DEFERRED_ARG` for `defer`'s. */
    readonly arg: unknown,
  ) {}

  get name(): 'defer' {
    return 'defer';
  }

  /** The rejection's message (what a trace records of it). */
  get error(): string | undefined {
    return this.ok ? undefined : (this.outcome as Error).message;
  }

  get source(): string {
    return '';
  }
}
