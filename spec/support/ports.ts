/**
 * A port for a real-process test to give a process it starts (a task's server, a health check's
 * target), when the port must stay free from the moment it is picked until that process binds it.
 *
 * A port the kernel handed out (`listen(0)`, then closed) is free only for the moment: the kernel
 * hands out ports of its ephemeral range (`ip_local_port_range`) to every `listen(0)` and
 * `connect()` on the machine, and another test run beside this one takes any of them while a task
 * starts. Then the task's server fails to listen (EADDRINUSE: TASK_FAILED), or a probe reaches the
 * other process' socket and passes. A port outside that range is never handed out: only a process
 * that names it can take it.
 *
 * @example const port = await unhandedPort(); // 20000 <= port < 32768 with Linux's default range
 */
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';

/** Where Linux keeps the range of ports it hands out to `listen(0)` and `connect()`, machine-wide ("32768\t60999"). */
export const EPHEMERAL_PORT_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
/**
 * The lowest port picked below the ephemeral range: above the ports services are set to by number
 * (Mesos' 5050 and 5051, ZooKeeper's 2181, 8080, ...), which the test would find taken or take.
 */
export const LOWEST_PICKED_PORT = 20_000;
/** Ports tried (each bound once to see that it is free) before giving up. */
const PICK_TRIES = 50;

/** An inclusive range of ports. */
export interface PortRange {
  readonly low: number;
  readonly high: number;
}

/** The range in `ip_local_port_range`'s text ("32768\t60999"), or undefined if it is not two ports, low first. */
export function parsePortRange(text: string): PortRange | undefined {
  const match = /^\s*(\d{1,5})\s+(\d{1,5})\s*$/.exec(text);
  if (match === null) return undefined;
  const low = Number(match[1]);
  const high = Number(match[2]);
  return low >= 1 && low <= high && high <= 65_535 ? { low, high } : undefined;
}

/**
 * The ports the kernel never hands out when it hands out `ephemeral`, from `LOWEST_PICKED_PORT`
 * up: below the range, else above it (the wider of the two); undefined when neither has a port.
 */
export function unhandedRange(ephemeral: PortRange): PortRange | undefined {
  const below: PortRange = { low: LOWEST_PICKED_PORT, high: ephemeral.low - 1 };
  const above: PortRange = { low: Math.max(LOWEST_PICKED_PORT, ephemeral.high + 1), high: 65_535 };
  const [wider] = [below, above].filter((range) => range.high >= range.low).sort((a, b) => (b.high - b.low) - (a.high - a.low));
  return wider;
}

/** Whether nothing on this machine holds `port` on 127.0.0.1 (or on every address) now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port the kernel chose (`listen(0)`), released at once: where the ephemeral range is unknown. */
async function kernelChosenPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A port free on 127.0.0.1 that the kernel hands to no other process (`unhandedRange` of the
 * machine's ephemeral range), drawn at random so that test runs side by side seldom draw the same.
 * Without an ephemeral range to read (not Linux), or room outside it, a port the kernel chose.
 */
export async function unhandedPort(rangeText: () => string = () => fs.readFileSync(EPHEMERAL_PORT_RANGE_FILE, 'utf8')): Promise<number> {
  let ephemeral: PortRange | undefined;
  try {
    ephemeral = parsePortRange(rangeText());
  } catch {
    ephemeral = undefined;
  }
  const range = ephemeral === undefined ? undefined : unhandedRange(ephemeral);
  if (range === undefined) return kernelChosenPort();
  for (let tries = 0; tries < PICK_TRIES; tries++) {
    const port = randomInt(range.low, range.high + 1);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${range.low}-${range.high} after ${PICK_TRIES} tries`);
}
