import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { IncomingMessage } from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { LookupFunction, Socket } from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logging';
import type { SocketTraffic } from './clock';
import { MAX_FRAME_BYTES } from './codec';
import { certificateNames, certificateNamesHost, describeTlsFailure, tlsClientOptions, type TlsOptions } from './tls';
import { PeerLog } from './peer-log';
import { clientOf } from './addresses';

/** URL path on which hosts accept links from other hosts. */
export const LINK_PATH = '/__actors__/link';
/** Header naming a host's advertised address (`host:port`): the dialer's in a dial, the acceptor's in its answer. */
export const HOST_HEADER = 'x-actor-host';
/** Header carrying a host's incarnation (random per process start), to tell a restarted peer from a duplicate dial. */
export const INCARNATION_HEADER = 'x-actor-incarnation';
/** Header carrying a dial's nonce, which the dialer confirms when the acceptor asks (`LINK_VERIFY_PATH`). */
export const NONCE_HEADER = 'x-actor-link-nonce';
/**
 * HTTP path on which a host confirms that it is dialing a peer with a nonce: `GET
 * <path>?peer=<acceptor host:port>&nonce=<nonce>` answers 204 if so, else 403. An acceptor asks
 * the address a dialer claims before it takes the link, so a peer can only link in its own name
 * (issue 9: a sender is bound to the link it came over, and the link to an address it proved).
 * Under mutual TLS the dialer's certificate proves its address instead, and nobody is asked.
 */
export const LINK_VERIFY_PATH = '/__actors__/verify';
/**
 * HTTP path on which a host tells its incarnation (`GET` → 200, the incarnation as text). A
 * dialer asks it of the address a peer advertises under another spelling of the one dialed
 * (`localhost` for `127.0.0.1`) before it believes the peer is that address: two processes on
 * one machine may listen on one port at two local IPs.
 */
export const LINK_INCARNATION_PATH = '/__actors__/incarnation';
/** Longest incarnation read from a peer's answer (ours are 16 hex digits). */
export const MAX_INCARNATION_LENGTH = 64;
/** Random bytes in a dial's nonce (sent as hex). */
const LINK_NONCE_BYTES = 16;
/** How long an acceptor waits for the claimed address to confirm a dial (the whole answer, not between its bytes). */
export const LINK_VERIFY_TIMEOUT_MS = 2_000;
/**
 * Handshakes whose claimed address is being asked at once; more are refused (503) until some
 * end, so a flood of handshakes cannot make a host send a flood of verification requests.
 */
export const MAX_PENDING_LINK_VERIFICATIONS = 64;
/**
 * The same, for the handshakes of one remote IP of another machine: one client cannot hold every
 * verification slot (claiming addresses that take the request and never answer), and so keep
 * every other host from linking. A host dials a peer once; a few more cover restarts and races.
 * This machine's own IPs are not bounded so (an agent's executors all dial it from there).
 */
export const MAX_PENDING_LINK_VERIFICATIONS_PER_ADDRESS = 4;
/** Refused handshakes logged per remote IP in full; after that, one line every `LINK_REFUSAL_LOG_EVERY` (with the count). */
export const LINK_REFUSALS_LOGGED_PER_PEER = 5;
export const LINK_REFUSAL_LOG_EVERY = 1_000;
/** Remote IPs whose refused handshakes are counted apart (beyond this, they share one count). */
export const MAX_LINK_REFUSAL_PEERS = 1_000;
/** Longest `host:port` a peer may claim at the handshake (a DNS name is at most 253 characters, a port 5 digits). */
export const MAX_CLAIMED_ADDRESS_LENGTH = 253 + 1 + 5;
/**
 * Addresses dialed whose host was confirmed to advertise another (`confirmedSpelling`) that a
 * link manager remembers, oldest forgotten first: a host dials a handful (its master, its peers).
 */
export const MAX_CONFIRMED_SPELLINGS = 1_024;
/** How often a stand-in under another spelling (`confirmingAlias`) looks again at a link still dialing. */
const ALIAS_CONFIRM_RETRY_MS = 10;
/** How long a dial may take before the link is declared down. */
export const DEFAULT_DIAL_TIMEOUT_MS = 5_000;
/** Bytes queued for one link (unsent, or written but not yet taken by the kernel) beyond which the link is declared down rather than grow without bound. */
export const MAX_LINK_QUEUED_BYTES = 256 * 1024 * 1024;
/**
 * Bytes waiting to be sent over all links together (queued, or written to a socket and not yet
 * taken by the kernel; the bins' `--max_link_backlog`): the link that pushes the total over it is
 * declared down, as one link past `MAX_LINK_QUEUED_BYTES` is. Each link alone stays under its
 * own bound; without this, a handful of peers that read slowly (or never accept a dial) held
 * 256 MiB each (four held 1.2 GB in the hostile-wire pass).
 */
export const MAX_ALL_LINKS_QUEUED_BYTES = 1024 * 1024 * 1024;
/**
 * A link's backlog is weighed against every link's (`MAX_ALL_LINKS_QUEUED_BYTES`) each time it
 * grows by this much past the last weighing: a sum over every link, made only for a link that
 * is falling behind, never per message.
 */
export const LINK_BACKLOG_AUDIT_STEP_BYTES = 8 * 1024 * 1024;
/** Under a smaller total bound than 16 × the step, a link is weighed each time it grows by this share of the bound instead. */
export const LINK_BACKLOG_AUDITS_PER_BOUND = 16;
/** How long `close` waits for sockets to close gracefully. */
export const LINK_CLOSE_TIMEOUT_MS = 2_000;
/**
 * A handshake that claims the address of a peer we have an open link with is accepted only if
 * that peer does not answer a ping within this long (it restarted, or the link is half-open);
 * a live peer keeps its link and the newcomer is refused (409), so nobody can cut a host off by
 * claiming its address.
 */
export const LINK_LIVENESS_PROBE_MS = 1_000;
/** Names of a refused peer's certificate put in the log line (a certificate may name many). */
const MAX_LOGGED_CERTIFICATE_NAMES = 8;
/** Characters of each certificate name put in the log line. */
const MAX_LOGGED_CERTIFICATE_NAME_CHARS = 100;
/** WebSocket close code for a link replaced by a newer one (duplicate dial, restarted peer). */
const CLOSE_REPLACED = 4001;

export interface LinkOptions {
  /** Default `MAX_PENDING_LINK_VERIFICATIONS`. */
  maxPendingVerifications?: number;
  /** Default `MAX_PENDING_LINK_VERIFICATIONS_PER_ADDRESS`. */
  maxPendingVerificationsPerAddress?: number;
  /** The same for each of this machine's own IPs (`LinkEvents.isOwnIp`); default none but `maxPendingVerifications`. */
  maxPendingVerificationsPerOwnAddress?: number;
  /** Default `LINK_VERIFY_TIMEOUT_MS`. */
  verifyTimeoutMs?: number;
  maxFrameBytes?: number;
  dialTimeoutMs?: number;
  /** Default `MAX_LINK_QUEUED_BYTES`. */
  maxQueuedBytes?: number;
  /** Default `MAX_ALL_LINKS_QUEUED_BYTES`. */
  maxTotalQueuedBytes?: number;
  /** Resolves the host names dialed (default: the system's resolver; tests map names of their own). */
  lookup?: LookupFunction;
}

/** What the link manager reports back to its host. */
export interface LinkEvents {
  /** A frame arrived from the host at `address`. */
  onFrame(address: string, frame: Buffer): void;
  /** The link to `address` is gone (closed, failed, timed out, replaced by a restarted peer). */
  onLinkDown(address: string, reason: string): void;
  /**
   * Whether `advertised` (what a peer we dialed at `dialed` calls itself) is another spelling of
   * `dialed` on this machine (`localhost:5050` and `127.0.0.1:5050`): then the peer's frames are
   * bound to its advertised address. Without it, only the exact address dialed is.
   */
  sameHost?(dialed: string, advertised: string): boolean;
  /**
   * Whether a connection's remote IP is one of this machine's (its executors and a `mesos-local`'s
   * agents dial from there): those handshakes are bounded only by `MAX_PENDING_LINK_VERIFICATIONS`,
   * not per address.
   */
  isOwnIp?(ip: string): boolean;
  /**
   * Resolves once the name a dialer used to reach us (its HTTP `Host` header) is known to be
   * ours or not (`OwnNameResolver.learn`); the link is taken only after, so the dialer's first
   * messages, addressed under that name, are delivered.
   */
  learnHostName?(hostHeader: string | undefined): Promise<void>;
}

type LinkState = 'connecting' | 'awaiting' | 'open';

/** What a link manager counts of one socket. */
interface TrafficCount {
  connection: string | undefined;
  framesSent: number;
  framesReceived: number;
}

class Link {
  state: LinkState = 'connecting';
  /**
   * A stand-in under another spelling of a linked host's address, holding what is sent there
   * while the host at that spelling is asked whether it is the linked one (`confirmingAlias`).
   */
  confirming = false;
  /** The nonce of our dial (undefined for a link the peer dialed). */
  dialNonce: string | undefined;
  socket: WebSocket | undefined;
  peerIncarnation: string | undefined;
  queue: Buffer[] = [];
  queuedBytes = 0;
  /** The backlog (queued plus on the socket) at which it is next weighed against every link's. */
  nextAuditBytes = 0;
  flushScheduled = false;
  timeout: NodeJS.Timeout | undefined;
  /**
   * The address the peer advertises, when we dialed it under another spelling of it
   * (`sameHost`): its frames are bound to this address, and the link is found under both.
   */
  peerAddress: string;
  /** The socket our dial reached (its remote IP and port), once connected. */
  reached: { ip: string; port: number } | undefined;
  /** The remote IP of the connection a peer dialed us over (a link it dialed), once adopted. */
  dialedFrom: string | undefined;
  constructor(readonly address: string) {
    this.peerAddress = address;
  }
}

/**
 * One WebSocket link per pair of hosts. Either side may dial; when both dial at once the
 * connection dialed by the host with the smaller address wins (the other is refused with 409),
 * so both end with one link. Messages sent in the same tick are coalesced into one frame; order
 * is kept per link; a link that breaks is re-dialed on the next send.
 */
export class LinkManager {
  private readonly links = new Map<string, Link>();
  /**
   * Each address we dialed whose host advertised another address and was confirmed to be that
   * host by its incarnation (`bindAdvertised`): dialed → advertised, kept after the link goes
   * (`MAX_CONFIRMED_SPELLINGS`). Only these spellings are one host: two addresses of this machine
   * at one port may be two processes (one bound to 127.0.0.1, another to 127.0.0.2).
   */
  private readonly confirmed = new Map<string, string>();
  /** Links with a flush pending (so `flushPending` need not scan every link). */
  private readonly dirty = new Set<Link>();
  /** Every socket this manager holds that is not yet closed (for tests: one per linked host). */
  readonly sockets = new Set<WebSocket>();
  /** Frames sent and received on each socket not yet closed. */
  private readonly traffic = new Map<WebSocket, TrafficCount>();
  private readonly server: WebSocketServer;
  private closing = false;
  /** Handshakes whose claimed address is being asked now. */
  private pendingVerifications = 0;
  /** Handshakes being verified, by remote IP (see `MAX_PENDING_LINK_VERIFICATIONS_PER_ADDRESS`). */
  private readonly pendingByRemote = new Map<string, number>();
  /** Refused handshakes, counted per remote IP to rate-limit their log lines. */
  private readonly refusals = new PeerLog({ inFull: LINK_REFUSALS_LOGGED_PER_PEER, every: LINK_REFUSAL_LOG_EVERY, maxPeers: MAX_LINK_REFUSAL_PEERS });
  /** Sockets of handshakes still being verified (destroyed when the manager closes). */
  private readonly handshaking = new Set<Duplex>();

  /**
   * @param tls dial `wss://` (and verify dials over `https://`) with these; with
   *   `requireClientCert`, a dialer's certificate must name the address it claims.
   */
  constructor(
    private readonly localAddress: string,
    private readonly incarnation: string,
    private readonly logger: Logger,
    private readonly events: LinkEvents,
    private readonly options: LinkOptions = {},
    private readonly tls?: TlsOptions,
  ) {
    this.server = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: this.maxFrameBytes });
    this.server.on('headers', (headers) => headers.push(`${INCARNATION_HEADER}: ${this.incarnation}`, `${HOST_HEADER}: ${this.localAddress}`));
  }

  private get maxQueuedBytes(): number {
    return this.options.maxQueuedBytes ?? MAX_LINK_QUEUED_BYTES;
  }

  private get maxTotalQueuedBytes(): number {
    return this.options.maxTotalQueuedBytes ?? MAX_ALL_LINKS_QUEUED_BYTES;
  }

  /** How much a link's backlog grows between two weighings against every link's (`LINK_BACKLOG_AUDITS_PER_BOUND`-th of the total bound, at most `LINK_BACKLOG_AUDIT_STEP_BYTES`). */
  private get auditStepBytes(): number {
    return Math.max(1, Math.min(LINK_BACKLOG_AUDIT_STEP_BYTES, Math.floor(this.maxTotalQueuedBytes / LINK_BACKLOG_AUDITS_PER_BOUND)));
  }

  /**
   * Weighs `link`'s backlog against every link's once it has grown by a step since the last time:
   * false (and the link declared down) when all of them together are over `maxTotalQueuedBytes`.
   */
  private withinTotalBacklog(link: Link, backlog: number): boolean {
    const step = this.auditStepBytes;
    if (backlog < link.nextAuditBytes || backlog < step) {
      if (backlog < step) link.nextAuditBytes = step;
      return true;
    }
    link.nextAuditBytes = backlog + step;
    let total = 0;
    for (const other of new Set(this.links.values())) total += other.queuedBytes + (other.socket?.bufferedAmount ?? 0);
    if (total <= this.maxTotalQueuedBytes) return true;
    this.down(link, `more than ${this.maxTotalQueuedBytes} bytes waiting over all links together (${total}; ${backlog} of them for this one)`);
    return false;
  }

  private get maxFrameBytes(): number {
    return this.options.maxFrameBytes ?? MAX_FRAME_BYTES;
  }

  /**
   * True when every message sent has reached the kernel (for the virtual clock's `settle`): no
   * link holds queued messages (not yet flushed, or waiting for its dial), and no socket holds
   * bytes it has not yet written. Bytes in the kernel are out of sight; `settle` gives them a
   * few turns (`SETTLE_IDLE_TURNS_WITH_SOCKETS`).
   */
  idle(): boolean {
    for (const link of this.links.values()) {
      if (link.queue.length > 0) return false;
      if (link.socket !== undefined && link.socket.bufferedAmount > 0) return false;
    }
    return true;
  }

  /** Frames sent and received on each open socket whose connection is known. */
  socketTraffic(): SocketTraffic[] {
    const traffic: SocketTraffic[] = [];
    for (const count of this.traffic.values()) {
      if (count.connection !== undefined) traffic.push({ connection: count.connection, framesSent: count.framesSent, framesReceived: count.framesReceived });
    }
    return traffic;
  }

  /** Addresses of links currently open (for tests and state endpoints). */
  openLinks(): string[] {
    return [...new Set(this.links.values())].filter((l) => l.state === 'open').map((l) => l.address);
  }

  /** Queues one encoded message for `address`, dialing if there is no link. */
  send(address: string, message: Buffer): void {
    if (this.closing) return;
    const link = this.links.get(address) ?? this.spelledOtherwise(address) ?? this.dial(address);
    link.queue.push(message);
    link.queuedBytes += message.length;
    if (link.queuedBytes > this.maxQueuedBytes) {
      this.down(link, `more than ${this.maxQueuedBytes} bytes queued unsent`);
      return;
    }
    if (!this.withinTotalBacklog(link, link.queuedBytes)) return;
    this.scheduleFlush(link);
  }

  /** Flushes `link` at the end of this turn (with whatever else is sent to it meanwhile), if it is open and has none pending. */
  private scheduleFlush(link: Link): void {
    if (link.state !== 'open' || link.flushScheduled) return;
    link.flushScheduled = true;
    this.dirty.add(link);
    queueMicrotask(() => this.flush(link));
  }

  /**
   * Flushes every link with queued messages now rather than at the end of the tick. Hosts call
   * it between slices of a big incoming frame, so replies leave while the rest is handled.
   */
  flushPending(): void {
    if (this.dirty.size === 0) return;
    for (const link of this.dirty) this.flush(link);
  }

  /** Makes sure a link to `address` exists (dialing if needed), without sending anything. */
  ensure(address: string): void {
    if (!this.closing && !this.links.has(address) && this.spelledOtherwise(address) === undefined) this.dial(address);
  }

  /**
   * A link to another spelling of `address` on this machine (`sameHost`), now found under
   * `address` too: a second dial to the same host would be refused while the first is up. Taken
   * at once when the host `address` names was confirmed to be that link's before (`confirmed`),
   * or the link is the very socket we reached at `address`; else a stand-in holds what is sent
   * to `address` while its host is asked (`confirmingAlias`). Two addresses of this machine at
   * one port may be two processes: a peer that proved it listens at 127.0.0.2:5050 is not the
   * host at 127.0.0.1:5050. Scans the links only when `address` has none (about to dial, rare).
   */
  private spelledOtherwise(address: string): Link | undefined {
    const advertised = this.confirmed.get(address);
    const known = advertised === undefined ? undefined : this.links.get(advertised);
    if (known !== undefined && !known.confirming) {
      this.links.set(address, known);
      return known;
    }
    if (this.events.sameHost === undefined) return undefined;
    for (const candidate of this.links.values()) {
      if (candidate.confirming) continue;
      if (!this.events.sameHost(address, candidate.peerAddress) && !this.events.sameHost(address, candidate.address)) continue;
      if (reachedBy(candidate, address)) {
        this.links.set(address, candidate);
        return candidate;
      }
      return this.confirmingAlias(address, candidate);
    }
    return undefined;
  }

  /**
   * A stand-in link under `address` while the host listening there is asked for its incarnation
   * (`incarnationAt`): the same as `candidate`'s peer, and what was sent to `address` goes over
   * `candidate` (and `address` is a confirmed spelling of it); another host, and `address` is
   * dialed for itself. A candidate still dialing is waited for (its peer's incarnation comes with
   * its upgrade), and a dial that binds `address` as its peer's advertised spelling takes the
   * stand-in's messages at once (`bindAdvertised`).
   */
  private confirmingAlias(address: string, candidate: Link): Link {
    const standIn = new Link(address);
    standIn.confirming = true;
    this.links.set(address, standIn);
    const deadline = Date.now() + (this.options.verifyTimeoutMs ?? LINK_VERIFY_TIMEOUT_MS);
    const decide = (incarnation: string | undefined): void => {
      if (this.closing || this.links.get(address) !== standIn) return;
      if (candidate.peerIncarnation === undefined && candidate.state !== 'open' && this.linkOf(candidate) && Date.now() < deadline) {
        setTimeout(() => decide(incarnation), ALIAS_CONFIRM_RETRY_MS).unref();
        return;
      }
      if (incarnation !== undefined && incarnation === candidate.peerIncarnation && this.linkOf(candidate)) {
        this.remember(address, candidate.peerAddress);
        this.moveQueue(standIn, candidate, address);
        return;
      }
      this.links.delete(address);
      this.moveQueue(standIn, this.dial(address), address);
    };
    void this.incarnationAt(address).then(decide);
    return standIn;
  }

  /** Whether `link` is still a link of this manager (found under its own address or its peer's). */
  private linkOf(link: Link): boolean {
    return this.links.get(link.address) === link || this.links.get(link.peerAddress) === link;
  }

  /** Hands what `standIn` holds to `link`, which is found under `address` from now on. */
  private moveQueue(standIn: Link, link: Link, address: string): void {
    this.links.set(address, link);
    for (const message of standIn.queue) {
      link.queue.push(message);
      link.queuedBytes += message.length;
    }
    standIn.queue = [];
    standIn.queuedBytes = 0;
    if (link.queue.length > 0) this.scheduleFlush(link);
  }

  /** Notes `address` as a confirmed spelling of the host advertising `advertised` (bounded: `MAX_CONFIRMED_SPELLINGS`). */
  private remember(address: string, advertised: string): void {
    this.confirmed.delete(address);
    this.confirmed.set(address, advertised);
    if (this.confirmed.size > MAX_CONFIRMED_SPELLINGS) this.confirmed.delete(this.confirmed.keys().next().value as string);
  }

  /**
   * The remote IP of the connection of the link to `address` (the peer's machine as the network
   * sees it, whatever host name its address claims), undefined without a connected link.
   */
  remoteIpOf(address: string): string | undefined {
    const link = this.links.get(address);
    return link?.dialedFrom ?? link?.reached?.ip;
  }

  /**
   * The address the host we dialed at `address` advertises, when it is another and was confirmed
   * by the host's incarnation (`master@localhost:5050` advertising `master@127.0.0.1:5050`);
   * undefined otherwise. What `ActorHost.reachedAs` believes.
   */
  confirmedSpelling(address: string): string | undefined {
    return this.confirmed.get(address);
  }

  /** Handles an HTTP upgrade on `LINK_PATH` from another host. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const remote = request.socket.remoteAddress ?? '(unknown)';
    // Bounds and log limits are kept per client: an IPv6 client by its /64 (`clientOf`).
    const client = clientOf(remote);
    const address = headerValue(request, HOST_HEADER);
    const incarnation = headerValue(request, INCARNATION_HEADER);
    if (!address || address.length > MAX_CLAIMED_ADDRESS_LENGTH || !/^[^\s:@]+:[0-9]{1,5}$/.test(address) || !incarnation) {
      return this.refuseHandshake(socket, remote, undefined, `missing or bad '${HOST_HEADER}'/'${INCARNATION_HEADER}' header`, 400, 'Bad Request');
    }
    if (this.closing) return refuse(socket, 503, 'Service Unavailable');
    if (this.isOwnAddress(address)) return this.refuseHandshake(socket, remote, address, "the dialer claims this host's own address", 403, 'Forbidden');
    if (this.tls?.requireClientCert === true) return this.acceptCertified(request, socket, head, address, incarnation);
    const nonce = headerValue(request, NONCE_HEADER);
    if (!nonce || !/^[0-9a-f]{16,64}$/.test(nonce)) return this.refuseHandshake(socket, remote, address, `missing or bad '${NONCE_HEADER}' header`, 400, 'Bad Request');
    const fromRemote = this.pendingByRemote.get(client) ?? 0;
    if (this.pendingVerifications >= (this.options.maxPendingVerifications ?? MAX_PENDING_LINK_VERIFICATIONS)) {
      return this.refuseHandshake(socket, remote, address, `too many handshakes are being verified (${this.pendingVerifications})`, 503, 'Service Unavailable');
    }
    const perAddress = this.events.isOwnIp?.(remote) === true
      ? this.options.maxPendingVerificationsPerOwnAddress ?? Infinity
      : this.options.maxPendingVerificationsPerAddress ?? MAX_PENDING_LINK_VERIFICATIONS_PER_ADDRESS;
    if (fromRemote >= perAddress) {
      return this.refuseHandshake(socket, remote, address, `too many of this address's handshakes are being verified (${fromRemote})`, 503, 'Service Unavailable');
    }
    this.pendingVerifications++;
    this.pendingByRemote.set(client, fromRemote + 1);
    this.handshaking.add(socket);
    void this.dialerConfirms(address, nonce).then((confirmed) => {
      this.pendingVerifications--;
      const left = (this.pendingByRemote.get(client) ?? 1) - 1;
      if (left > 0) this.pendingByRemote.set(client, left);
      else this.pendingByRemote.delete(client);
      if (socket.destroyed || this.closing) return this.handshaking.delete(socket);
      if (!confirmed) {
        this.handshaking.delete(socket);
        return this.refuseHandshake(socket, remote, address, 'the claimed address did not confirm the dial (a peer may only link in its own name)', 403, 'Forbidden');
      }
      this.acceptLearning(request, socket, head, address, incarnation);
    });
  }

  /** Refuses a handshake from `remote` with `status`, logging why (rate-limited per remote IP: a peer's flood of bad handshakes is not a flood of log lines). */
  private refuseHandshake(socket: Duplex, remote: string, claimed: string | undefined, reason: string, status: number, statusText: string): void {
    const count = this.refusals.count(clientOf(remote));
    if (count !== undefined) this.logger.warn({ remote, ...(claimed !== undefined ? { claimed } : {}), refusedFromPeer: count }, `link refused: ${reason}`);
    refuse(socket, status, statusText);
  }

  /**
   * Mutual TLS: the TLS server took the connection only with a client certificate signed by our
   * CA, so the dialer holds the key of a certificate our CA issued. It proves the address it
   * claims if that certificate names the claimed host (an IP or DNS subjectAltName, or the CN):
   * then the link is taken at once, with no verification round trip; else it is refused (403).
   */
  private acceptCertified(request: IncomingMessage, socket: Duplex, head: Buffer, address: string, incarnation: string): void {
    const tlsSocket = request.socket as TLSSocket;
    const certificate = typeof tlsSocket.getPeerCertificate === 'function' ? tlsSocket.getPeerCertificate() : undefined;
    const claimedHost = address.slice(0, address.lastIndexOf(':'));
    if (tlsSocket.authorized !== true || certificate === undefined || Object.keys(certificate).length === 0) {
      this.logger.warn({ remote: request.socket.remoteAddress, claimed: address }, 'link refused: no verified client certificate');
      return refuse(socket, 403, 'Forbidden');
    }
    if (!certificateNamesHost(certificate, claimedHost)) {
      const names = certificateNames(certificate).slice(0, MAX_LOGGED_CERTIFICATE_NAMES).map((name) => name.slice(0, MAX_LOGGED_CERTIFICATE_NAME_CHARS));
      this.logger.warn({ remote: request.socket.remoteAddress, claimed: address, certificateNames: names },
        "link refused: the claimed address is not named by the peer's certificate (a peer may only link in its own name)");
      return refuse(socket, 403, 'Forbidden');
    }
    this.handshaking.add(socket);
    this.acceptLearning(request, socket, head, address, incarnation);
  }

  /**
   * A proven dialer: learns the name it dialed us by (its `Host` header; see
   * `OwnNameResolver`), then takes the link, so that its first messages, addressed under that
   * name, are delivered. Only proven dialers make the host look names up.
   */
  private acceptLearning(request: IncomingMessage, socket: Duplex, head: Buffer, address: string, incarnation: string): void {
    const named = this.events.learnHostName?.(request.headers.host) ?? Promise.resolve();
    void named.then(() => {
      this.handshaking.delete(socket);
      if (socket.destroyed || this.closing) return;
      this.acceptProven(request, socket, head, address, incarnation);
    });
  }

  /** Whether the host at `address` says it dialed us with `nonce`. */
  private dialerConfirms(address: string, nonce: string): Promise<boolean> {
    const query = `peer=${encodeURIComponent(this.localAddress)}&nonce=${nonce}`;
    return new Promise<boolean>((resolve) => {
      this.getFromPeer(address, `${LINK_VERIFY_PATH}?${query}`, (response) => {
        response.resume();
        resolve(response.statusCode === 204);
      }, (error) => {
        const tlsFailure = this.tls ? describeTlsFailure(error) : undefined;
        if (tlsFailure !== undefined) this.logger.warn({ peer: address, reason: tlsFailure, error: error.message }, 'could not verify a dial: TLS to the claimed address failed');
        resolve(false);
      });
    });
  }

  /** GETs `path` from the host at `address` (https under TLS), within the verification timeout: for `dialerConfirms` and `incarnationAt`. */
  private getFromPeer(address: string, path: string, onResponse: (response: IncomingMessage) => void, onFailure: (error: Error & { code?: string }) => void): void {
    const timeout = this.options.verifyTimeoutMs ?? LINK_VERIFY_TIMEOUT_MS;
    const url = `${this.tls ? 'https' : 'http'}://${address}${path}`;
    let settled = false;
    const deadline = setTimeout(() => request.destroy(new Error('timed out')), timeout).unref();
    const respond = (response: IncomingMessage): void => {
      // The whole answer within the deadline: a peer trickling its bytes holds no slot for longer.
      response.once('end', () => clearTimeout(deadline));
      response.once('error', () => clearTimeout(deadline));
      if (!settled) { settled = true; onResponse(response); }
    };
    const request = this.tls ? https.get(url, { timeout, ...tlsClientOptions(this.tls) }, respond) : http.get(url, { timeout }, respond);
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error: Error & { code?: string }) => {
      clearTimeout(deadline);
      if (!settled) { settled = true; onFailure(error); }
    });
  }

  /**
   * Opens the TCP (or TLS) connection of a dial of `link` as ws would, noting the socket it
   * reached (`link.reached`): a peer asking us to confirm the dial is the host our dial reached
   * only if it asks from exactly that IP and port (`reachedBy`). Not any address the dialed
   * name resolves to: a name can resolve to several hosts, and the dial's nonce goes to
   * whichever one answers, which could replay it to the others.
   */
  private connector(link: Link): NonNullable<http.ClientRequestArgs['createConnection']> {
    return (requestOptions) => {
      // What http hands a connection factory: the request's options (host, port, and the TLS ones we gave).
      const options = requestOptions as net.NetConnectOpts & tls.ConnectionOptions & { socketPath?: string; servername?: string; host?: string };
      let socket: net.Socket;
      if (this.tls) {
        // As ws connects: a server name for SNI unless the host is an IP.
        const host = options.host ?? '';
        socket = tls.connect({ ...options, path: undefined, servername: options.servername ?? (net.isIP(host) !== 0 ? '' : host) } as tls.ConnectionOptions);
      } else {
        socket = net.connect({ ...options, ...(options.socketPath !== undefined ? { path: options.socketPath } : {}) } as net.NetConnectOpts);
      }
      socket.once('connect', () => {
        if (socket.remoteAddress !== undefined && socket.remotePort !== undefined) link.reached = { ip: socket.remoteAddress, port: socket.remotePort };
      });
      return socket;
    };
  }

  /** Whether `address` is this host's own (any spelling of its port on this machine): no peer may claim it. */
  private isOwnAddress(address: string): boolean {
    return address === this.localAddress || this.events.sameHost?.(address, this.localAddress) === true;
  }

  /** Answers `LINK_VERIFY_PATH`: 204 when we are dialing (or linked by our dial to) `peer` with `nonce`. */
  confirmDial(query: Record<string, string>): number {
    const peer = query.peer;
    if (peer === undefined || query.nonce === undefined || this.isOwnAddress(peer)) return 403;
    // The link under `peer` may be the peer's own dial to us, ours under another spelling beside it.
    const direct = this.links.get(peer);
    if (direct?.dialNonce !== undefined && direct.dialNonce === query.nonce) return 204;
    return this.dialedAs(peer, query.nonce) !== undefined ? 204 : 403;
  }

  /** Our dial with `nonce` to another spelling of `peer` on this machine (we dialed `localhost:5050`; it asks as `127.0.0.1:5050`). */
  private dialedAs(peer: string, nonce: string): Link | undefined {
    for (const link of this.links.values()) {
      if (link.dialNonce !== nonce) continue;
      if (this.events.sameHost?.(link.address, peer) === true || reachedBy(link, peer)) return link;
    }
    return undefined;
  }

  private acceptProven(request: IncomingMessage, socket: Duplex, head: Buffer, address: string, incarnation: string): void {
    const existing = this.links.get(address);
    if (existing?.state === 'open' && existing.socket) return this.probeThenAccept(existing, existing.socket, request, socket, head, incarnation);
    if (existing && this.keepExisting(existing)) return refuse(socket, 409, 'Conflict');
    this.upgrade(request, socket, head, address, incarnation);
  }

  /** Flushes every link, closes the sockets, and waits (bounded) for them to close. */
  async close(): Promise<void> {
    this.closing = true;
    // A handshake still being verified holds its socket open; the server could not close under it.
    for (const socket of this.handshaking) socket.destroy();
    this.handshaking.clear();
    const closed: Array<Promise<void>> = [];
    for (const link of this.links.values()) {
      this.flush(link);
      const socket = link.socket;
      if (link.timeout) clearTimeout(link.timeout);
      if (!socket) continue;
      closed.push(new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        if (socket.readyState === WebSocket.OPEN) socket.close(1001, 'host stopping');
        else socket.terminate();
      }));
    }
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, LINK_CLOSE_TIMEOUT_MS).unref());
    await Promise.race([Promise.all(closed), timeout]);
    for (const link of this.links.values()) link.socket?.terminate();
    this.links.clear();
    this.server.close();
  }

  // Decides a duplicate of a link still being set up: true keeps ours (the newcomer is refused).
  private keepExisting(existing: Link): boolean {
    if (existing.state === 'awaiting') return false;
    // Both sides dialed at once: the dial from the smaller address wins.
    return this.localAddress < existing.address;
  }

  /**
   * Someone claims the address of a peer we are linked to: a restart, a stale duplicate, or an
   * impostor. Ping the linked peer; if it answers, it is alive and keeps its link.
   */
  private probeThenAccept(existing: Link, linked: WebSocket, request: IncomingMessage, socket: Duplex, head: Buffer, incarnation: string): void {
    let decided = false;
    const decide = (alive: boolean): void => {
      if (decided) return;
      decided = true;
      clearTimeout(timer);
      linked.off('pong', onPong);
      if (alive && this.links.get(existing.address) === existing && existing.socket === linked) {
        this.logger.warn({ peer: existing.address, remote: request.socket.remoteAddress }, 'refused a link claiming a linked address: the peer there is alive');
        return refuse(socket, 409, 'Conflict');
      }
      if (this.links.get(existing.address) === existing) this.down(existing, 'peer restarted (no answer to a ping)');
      if (!socket.destroyed && !this.closing) this.upgrade(request, socket, head, existing.address, incarnation);
    };
    const onPong = (): void => decide(true);
    const timer = setTimeout(() => decide(false), LINK_LIVENESS_PROBE_MS);
    linked.on('pong', onPong);
    try {
      linked.ping();
    } catch {
      decide(false);
    }
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, address: string, incarnation: string): void {
    this.server.handleUpgrade(request, socket, head, (ws) => {
      this.countTraffic(ws, request.socket);
      this.adopt(address, incarnation, ws, request.socket.remoteAddress);
    });
  }

  private dial(address: string): Link {
    const link = new Link(address);
    link.dialNonce = randomBytes(LINK_NONCE_BYTES).toString('hex');
    this.links.set(address, link);
    const ws = new WebSocket(`${this.tls ? 'wss' : 'ws'}://${address}${LINK_PATH}`, {
      headers: { [HOST_HEADER]: this.localAddress, [INCARNATION_HEADER]: this.incarnation, [NONCE_HEADER]: link.dialNonce },
      perMessageDeflate: false,
      maxPayload: this.maxFrameBytes,
      handshakeTimeout: this.options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
      ...(this.options.lookup !== undefined ? { lookup: this.options.lookup } : {}),
      createConnection: this.connector(link),
      ...(this.tls ? tlsClientOptions(this.tls) : {}),
    });
    link.socket = ws;
    let advertised: string | undefined;
    ws.on('upgrade', (response) => {
      link.peerIncarnation = headerValue(response, INCARNATION_HEADER);
      advertised = this.otherSpelling(link, headerValue(response, HOST_HEADER), response.socket);
      this.countTraffic(ws, response.socket);
    });
    ws.on('open', () => {
      if (this.links.get(address) !== link || link.socket !== ws) return;
      if (advertised === undefined) return this.opened(link);
      // Nothing is sent before the peer's advertised address is confirmed, so it answers nothing in that name before either.
      const claimed = advertised;
      void this.incarnationAt(claimed).then((incarnation) => {
        if (this.links.get(address) !== link || link.socket !== ws) return;
        if (incarnation !== undefined && incarnation === link.peerIncarnation) this.bindAdvertised(link, claimed);
        else this.logger.warn({ peer: link.address, advertised: claimed }, 'the peer advertises another local address, whose host is another process: messages it sends in that name will be refused');
        this.opened(link);
      });
    });
    ws.on('error', (error) => this.dialFailed(link, ws, error));
    this.watch(link, ws);
    return link;
  }

  /**
   * The address the peer we dialed at `link.address` advertises, when it is the very socket we
   * reached (dialed `master.example.com:5050`, connected to 10.0.0.5:5050, which advertises
   * `10.0.0.5:5050`), or another spelling of the same port on this machine (`sameHost`); to be
   * confirmed (`incarnationAt`) before it is believed. Undefined when it is the address dialed,
   * or not believable at all (another socket's: its messages stay bound to the address dialed).
   */
  private otherSpelling(link: Link, advertised: string | undefined, socket: { remoteAddress?: string; remotePort?: number }): string | undefined {
    if (advertised === undefined || advertised === link.address) return undefined;
    const reached = advertised.length <= MAX_CLAIMED_ADDRESS_LENGTH && isSocketAddress(advertised, socket);
    if (!reached && (advertised.length > MAX_CLAIMED_ADDRESS_LENGTH || this.events.sameHost?.(link.address, advertised) !== true)) {
      this.logger.warn({ peer: link.address, advertised: advertised.slice(0, MAX_CLAIMED_ADDRESS_LENGTH) },
        'the peer advertises an address that is not the one dialed: messages it sends in that name will be refused');
      return undefined;
    }
    return advertised;
  }

  /**
   * Binds the link to the peer's confirmed `advertised` address: its frames come from it, and
   * sends to it take this link (a second dial would be refused: the peer already has a link with us).
   */
  private bindAdvertised(link: Link, advertised: string): void {
    link.peerAddress = advertised;
    const there = this.links.get(advertised);
    // A stand-in waiting to learn whether `advertised` is this host: it is.
    if (there?.confirming === true) this.moveQueue(there, link, advertised);
    else if (there === undefined) this.links.set(advertised, link);
    this.remember(link.address, advertised);
  }

  /** The incarnation of the host listening at `address` (`LINK_INCARNATION_PATH`), or undefined if it does not say in time. */
  private incarnationAt(address: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.getFromPeer(address, LINK_INCARNATION_PATH, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => { if (body.length < MAX_INCARNATION_LENGTH) body += chunk; });
        response.on('end', () => resolve(response.statusCode === 200 ? body : undefined));
        response.on('error', () => resolve(undefined));
      }, () => resolve(undefined));
    });
  }

  private dialFailed(link: Link, ws: WebSocket, error: Error): void {
    if (link.socket !== ws || this.links.get(link.address) !== link) return;
    if (link.state === 'connecting' && isConflictRefusal(error)) {
      // The peer dialed us too and its dial wins: wait for it, bounded.
      link.state = 'awaiting';
      link.socket = undefined;
      const timeoutMs = this.options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
      link.timeout = setTimeout(() => this.down(link, `no link from the peer within ${timeoutMs} ms`), timeoutMs);
      return;
    }
    const tlsFailure = this.tls ? describeTlsFailure(error) : undefined;
    if (tlsFailure === undefined) return this.down(link, error.message);
    this.logger.warn({ peer: link.address, reason: tlsFailure, error: error.message }, 'dial failed: TLS handshake with the peer failed');
    this.down(link, `TLS handshake failed: ${tlsFailure} (${error.message})`);
  }

  private adopt(address: string, incarnation: string, ws: WebSocket, remoteIp: string | undefined): void {
    let link = this.links.get(address);
    if (!link) {
      link = new Link(address);
      this.links.set(address, link);
    }
    link.dialedFrom = remoteIp;
    const previous = link.socket;
    link.socket = ws;
    link.peerIncarnation = incarnation;
    if (previous && previous !== ws) {
      if (previous.readyState === WebSocket.OPEN) previous.close(CLOSE_REPLACED, 'replaced by a newer link');
      else previous.terminate();
    }
    this.watch(link, ws);
    this.opened(link);
  }

  private opened(link: Link): void {
    link.state = 'open';
    if (link.timeout) clearTimeout(link.timeout);
    link.timeout = undefined;
    this.flush(link);
  }

  /** Starts counting the frames of `ws`, whose TCP connection is `socket`. */
  private countTraffic(ws: WebSocket, socket: Socket): void {
    const ends = [`${socket.localAddress}:${socket.localPort}`, `${socket.remoteAddress}:${socket.remotePort}`].sort();
    const count = this.traffic.get(ws);
    if (count !== undefined) count.connection = ends.join(' ');
    else this.traffic.set(ws, { connection: ends.join(' '), framesSent: 0, framesReceived: 0 });
  }

  private watch(link: Link, ws: WebSocket): void {
    this.sockets.add(ws);
    if (!this.traffic.has(ws)) this.traffic.set(ws, { connection: undefined, framesSent: 0, framesReceived: 0 });
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.traffic.delete(ws);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const count = this.traffic.get(ws);
      if (count !== undefined) count.framesReceived++;
      if (link.socket !== ws) return;
      if (!isBinary) {
        this.logger.warn({ peer: link.address }, 'dropping a text frame: links carry binary msgpack frames');
        return;
      }
      this.events.onFrame(link.peerAddress, data);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (link.socket === ws && this.links.get(link.address) === link) {
        this.down(link, `closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
      }
    });
    if (ws.listenerCount('error') === 0) ws.on('error', (error) => this.down(link, error.message));
  }

  private flush(link: Link): void {
    link.flushScheduled = false;
    this.dirty.delete(link);
    const socket = link.socket;
    if (link.state !== 'open' || !socket || link.queue.length === 0) return;
    const backlog = socket.bufferedAmount + link.queuedBytes;
    if (backlog > this.maxQueuedBytes) {
      this.down(link, `more than ${this.maxQueuedBytes} bytes waiting on the socket (peer too slow)`);
      return;
    }
    if (!this.withinTotalBacklog(link, backlog)) return;
    const count = this.traffic.get(socket);
    const frames = link.queue.length === 1 ? [link.queue[0] as Buffer]
      : link.queuedBytes <= this.maxFrameBytes ? [Buffer.concat(link.queue, link.queuedBytes)] : packFrames(link.queue, this.maxFrameBytes);
    for (const frame of frames) socket.send(frame, { binary: true });
    if (count !== undefined) count.framesSent += frames.length;
    link.queue = [];
    link.queuedBytes = 0;
  }

  private down(link: Link, reason: string): void {
    // Every address it is found under: the one dialed or proved, and the advertised one and other
    // spellings where they lead to it (`bindAdvertised`, `spelledOtherwise`); not an advertised
    // address another link holds, whose actors are still reachable.
    const addresses = new Set([link.address]);
    for (const [key, value] of this.links) if (value === link) addresses.add(key);
    for (const address of addresses) if (this.links.get(address) === link) this.links.delete(address);
    if (link.timeout) clearTimeout(link.timeout);
    const dropped = link.queue.length;
    link.queue = [];
    link.queuedBytes = 0;
    const socket = link.socket;
    link.socket = undefined;
    socket?.terminate();
    if (this.closing) return;
    this.logger.info({ peer: link.address, reason, dropped }, 'link down');
    for (const address of addresses) this.events.onLinkDown(address, reason);
  }

}

/**
 * The peer refused our dial with 409 (its own dial to us wins, see `keepExisting`). `ws` reports
 * a refused handshake as `Unexpected server response: <status>`; the whole message is matched,
 * since other errors carry numbers too: `connect ECONNREFUSED 127.0.0.1:40911` names a dead
 * peer whose port holds "409", and taking that for a 409 left the link waiting a whole dial
 * timeout of real time for a dial that never comes (while `settle` waited on it).
 */
function isConflictRefusal(error: Error): boolean {
  return error.message === 'Unexpected server response: 409';
}

function headerValue(message: IncomingMessage, name: string): string | undefined {
  const value = message.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Groups queued messages into frames of at most `maxBytes` each (a message is never split). */
function packFrames(messages: Buffer[], maxBytes: number): Buffer[] {
  const frames: Buffer[] = [];
  let group: Buffer[] = [];
  let size = 0;
  for (const message of messages) {
    if (size + message.length > maxBytes && group.length > 0) {
      frames.push(Buffer.concat(group, size));
      group = [];
      size = 0;
    }
    group.push(message);
    size += message.length;
  }
  if (group.length > 0) frames.push(Buffer.concat(group, size));
  return frames;
}

/** Whether `peer` (`ip:port`) is exactly the socket our dial of `link` reached. */
function reachedBy(link: Link, peer: string): boolean {
  if (link.reached === undefined) return false;
  return isSocketAddress(peer, { remoteAddress: link.reached.ip, remotePort: link.reached.port });
}

/**
 * Whether `address` (`ip:port`, IPv6 bracketed) is the remote end of `socket` (an IPv4 peer
 * reached over an IPv6 socket shows as `::ffff:a.b.c.d`).
 */
function isSocketAddress(address: string, socket: { remoteAddress?: string; remotePort?: number }): boolean {
  if (socket.remoteAddress === undefined || socket.remotePort === undefined) return false;
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const remote = socket.remoteAddress.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return host === remote && address.slice(colon + 1) === String(socket.remotePort);
}
