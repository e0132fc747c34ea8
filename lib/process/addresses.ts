/**
 * The addresses of this machine (issue 10): which spellings of `host:port` name an actor host
 * of ours, and which IP a host bound to a wildcard advertises. Pure functions over a snapshot of
 * the machine's names (`machineAddresses`), so tests can pass their own.
 */
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
