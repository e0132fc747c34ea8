/**
 * The addresses of this machine (issue 10): which spellings of `host:port` name an actor host
 * of ours, and which IP a host bound to a wildcard advertises. Pure functions over a snapshot of
 * the machine's names (`machineAddresses`), so tests can pass their own.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import * as os from 'node:os';

/** Advertised when a wildcard-bound host finds no non-internal IPv4 interface (a machine with loopback only). */
export const FALLBACK_ADVERTISE_IP = '127.0.0.1';

/** Host parts that bind every interface: a host bound to one must advertise something routable instead. */
const WILDCARD_IPS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '[::]']);

/** One network interface address, as `os.networkInterfaces()` reports it (only what is used here). */
export interface InterfaceAddress {
  address: string;
  family: string;
  internal: boolean;
}

/** What this machine calls itself: its host name and the addresses of its interfaces. */
export interface MachineAddresses {
  hostname: string;
  interfaces: readonly InterfaceAddress[];
}

/** The machine's names now (interfaces that come up later are not seen by a host started before). */
export function machineAddresses(): MachineAddresses {
  const interfaces: InterfaceAddress[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const entry of list ?? []) interfaces.push({ address: entry.address, family: String(entry.family), internal: entry.internal });
  }
  return { hostname: os.hostname(), interfaces };
}

/** Whether `ip` is a wildcard (`0.0.0.0`, `::`): it can be bound but not dialed. */
export function isWildcardIp(ip: string): boolean {
  return WILDCARD_IPS.has(ip);
}

/** The IP a host bound to a wildcard advertises: the first non-internal IPv4 of the machine, else 127.0.0.1. */
export function routableIp(machine: MachineAddresses = machineAddresses()): string {
  const external = machine.interfaces.find((entry) => !entry.internal && (entry.family === 'IPv4' || entry.family === '4'));
  return external?.address ?? FALLBACK_ADVERTISE_IP;
}

/** A host part without IPv6 brackets, lower-cased (UPIDs bracket IPv6; host names are case-insensitive). */
export function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase();
}

/**
 * The host parts that name this machine: `localhost`, the host name, every interface IP, and
 * `extra` (the advertised and bound IPs); loopback addresses match by pattern (`isOwnHost`).
 */
export function ownHostNames(machine: MachineAddresses, extra: readonly string[]): Set<string> {
  const names = new Set<string>(['localhost', '::1', normalizeHost(machine.hostname)]);
  for (const entry of machine.interfaces) names.add(normalizeHost(entry.address));
  for (const host of extra) if (!isWildcardIp(host)) names.add(normalizeHost(host));
  return names;
}

/** Whether `host` is one of `names` or a loopback address (127.0.0.0/8, ::1). */
export function isOwnHost(host: string, names: ReadonlySet<string>): boolean {
  const normal = normalizeHost(host);
  return names.has(normal) || (net.isIPv4(normal) && normal.startsWith('127.'));
}

/** Leading 16-bit groups of an IPv6 address that name one client for the per-client bounds (a /64: one customer's subnet). */
export const CLIENT_IPV6_PREFIX_GROUPS = 4;

/**
 * The client a socket's remote address (`socket.remoteAddress`) counts as, for bounds kept per
 * client (connections, link verifications): an IPv4 address (also one mapped into IPv6,
 * `::ffff:10.0.0.1`) as it is; an IPv6 address by its /64 (`2001:db8:1:2::/64`), since one client
 * usually holds a whole /64 and could spread over it. Loopback `::1` stays itself.
 *
 * @example clientOf('::ffff:10.0.0.1') // '10.0.0.1'
 * @example clientOf('2001:db8:1:2:aaaa::5') // '2001:db8:1:2::/64'
 */
export function clientOf(remoteAddress: string): string {
  const ip = unmappedIp(remoteAddress);
  if (ip !== remoteAddress || !net.isIPv6(remoteAddress) || remoteAddress === '::1') return ip;
  const [head = '', tail = ''] = remoteAddress.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = remoteAddress.includes('::') ? [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : headGroups;
  return `${groups.slice(0, CLIENT_IPV6_PREFIX_GROUPS).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** A socket's remote address with an IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`, on a dual-stack socket) as plain IPv4. */
export function unmappedIp(remoteAddress: string): string {
  const mapped = IPV4_MAPPED.exec(remoteAddress);
  return mapped === null ? remoteAddress : mapped[1] as string;
}

const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** Splits `host:port` at its last colon (a bracketed IPv6 host keeps its brackets). */
export function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

/**
 * Whether two `host:port` addresses are two spellings of one socket on this machine: same port,
 * both host parts this machine's own (`localhost:5050` and `127.0.0.1:5050`). Two processes
 * cannot listen on one port of one machine, so the two name the same actor host.
 */
export function sameLocalEndpoint(first: string, second: string, names: ReadonlySet<string>): boolean {
  if (first === second) return true;
  const a = splitHostPort(first);
  const b = splitHostPort(second);
  return a.port === b.port && isOwnHost(a.host, names) && isOwnHost(b.host, names);
}

/** Checks an `--advertise_ip` value: an IPv4 or IPv6 address that can be dialed (not a wildcard). */
export function advertiseIpError(ip: string): string | undefined {
  if (isWildcardIp(ip)) return `'${ip}' is a wildcard address; advertise one peers can dial`;
  if (net.isIP(normalizeHost(ip)) === 0) return `'${ip}' is not an IP address`;
  return undefined;
}

/** `ip` as the host part of a UPID: IPv6 in brackets. */
export function upidHost(ip: string): string {
  return net.isIPv6(ip) ? `[${ip}]` : ip;
}

/** Most DNS names a host learns are its own (`OwnNameResolver`); more are not looked up. */
export const MAX_LEARNED_HOST_NAMES = 64;

/** Longest a lookup of a name a dialer used may take; past it the name is taken as not ours. */
export const HOST_NAME_LOOKUP_TIMEOUT_MS = 2_000;

/** Longest DNS name looked up (RFC 1035: 253 characters). */
const MAX_HOST_NAME_CHARS = 253;

/** Resolves a DNS name to its addresses (`dns.promises.lookup` with `all`; tests pass their own). */
export type LookupAll = (name: string) => Promise<readonly string[]>;

/** `dns.promises.lookup(name, { all: true })`, addresses only. */
export const systemLookup: LookupAll = async (name) => (await dns.promises.lookup(name, { all: true })).map((entry) => entry.address);

/** A name found to be ours is looked up again after this long (DNS changes: a name may move to another machine). */
export const OWN_NAME_TTL_MS = 10 * 60_000;

/** A name found not to be ours (or not resolved in time) may be looked up again after this long. */
export const NOT_OWN_NAME_TTL_MS = 60_000;

/** What a resolver knows of one name: the lookup (under way or done) and, once done, until when it holds. */
interface LearnedName {
  result: Promise<boolean>;
  expiresAtMs: number | undefined;
}

/**
 * Learns the DNS names by which peers reach this machine (issue 10): a dialer's HTTP `Host`
 * header says what it dialed (`mesos-master.example.com:5050`, a CNAME, another machine's view
 * of our name). A name that is not one of `names` is looked up; if it resolves to one of this
 * machine's addresses it is added to `names`, so messages addressed to
 * `master@mesos-master.example.com:5050` are delivered. What a lookup found holds for
 * `OWN_NAME_TTL_MS` (ours) or `NOT_OWN_NAME_TTL_MS` (not ours, failed or too slow), then the
 * name is looked up again (a name that moved away stops being ours). At most
 * `MAX_LEARNED_HOST_NAMES` names are known at once (expired ones make room), so a dialer cannot
 * make the host resolve without end; the links learn a name only once a dialer has proven its
 * own address.
 */
export class OwnNameResolver {
  /** Names looked up (under way or done), by name. The machine's own names are never here. */
  private readonly learned = new Map<string, LearnedName>();

  constructor(
    private readonly names: Set<string>,
    private readonly lookup: LookupAll = systemLookup,
    private readonly timeoutMs = HOST_NAME_LOOKUP_TIMEOUT_MS,
    /** Elapsed time (ms): by default the monotonic clock, so a wall clock set back does not lengthen what a lookup found (nor one set forward shorten it). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Resolves once `host` (an HTTP `Host` header: `name:port` or `name`) is known to be ours or
   * not; adds it to the names if ours. IPs, the machine's names and malformed values resolve at once.
   */
  learn(hostHeader: string | undefined): Promise<void> {
    if (hostHeader === undefined) return Promise.resolve();
    const colon = hostHeader.lastIndexOf(':');
    const host = normalizeHost(colon > 0 && !hostHeader.endsWith(']') ? hostHeader.slice(0, colon) : hostHeader);
    if (host.length === 0 || host.length > MAX_HOST_NAME_CHARS || net.isIP(host) !== 0 || !/^[a-z0-9.-]+$/.test(host)) return Promise.resolve();
    const known = this.learned.get(host);
    if (known !== undefined && (known.expiresAtMs === undefined || this.now() < known.expiresAtMs)) return known.result.then(() => undefined);
    if (known === undefined && isOwnHost(host, this.names)) return Promise.resolve();
    if (known !== undefined) this.forget(host);
    this.sweep();
    if (this.learned.size >= MAX_LEARNED_HOST_NAMES) return Promise.resolve();
    const entry: LearnedName = { result: Promise.resolve(false), expiresAtMs: undefined };
    entry.result = this.isOurs(host).then((ours) => {
      entry.expiresAtMs = this.now() + (ours ? OWN_NAME_TTL_MS : NOT_OWN_NAME_TTL_MS);
      return ours;
    });
    this.learned.set(host, entry);
    return entry.result.then(() => undefined);
  }

  /** Drops what is known of `host` (it stops being ours until looked up again). */
  private forget(host: string): void {
    this.learned.delete(host);
    this.names.delete(host);
  }

  /** Drops the expired names. */
  private sweep(): void {
    const now = this.now();
    for (const [host, entry] of this.learned) if (entry.expiresAtMs !== undefined && now >= entry.expiresAtMs) this.forget(host);
  }

  private async isOurs(host: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<readonly string[]>((resolve) => {
      timer = setTimeout(() => resolve([]), this.timeoutMs);
    });
    try {
      const addresses = await Promise.race([this.lookup(host), timedOut]);
      const ours = addresses.some((address) => isOwnHost(address, this.names));
      if (ours) this.names.add(host);
      return ours;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
