import * as http from 'node:http';
import { WebSocket } from 'ws';
import { Actor, UPID } from '../../lib/actor';
import { HOST_HEADER, INCARNATION_HEADER, LINK_PATH, LINK_VERIFY_PATH, NONCE_HEADER } from '../../lib/process/links';
import { ActorHost, type ActorHostOptions } from '../../lib/process';
import { createLogger, type Logger } from '../../lib/logging';

/** A logger that drops everything (tests that assert on logs use `captureLogger`). */
export const quietLogger: Logger = createLogger('test', 'silent');

let nextMemoryHost = 1;

/**
 * A host that does not listen: local delivery only (fast unit tests). Bodies are validated as
 * if every message had crossed a link, so tests see what real peers would.
 */
export function memoryHost(options: ActorHostOptions = {}): ActorHost {
  return new ActorHost({ listen: false, address: `memory-${nextMemoryHost++}:1`, logger: quietLogger, seed: 7, validateLocalMessages: true, seededSecrets: true, ...options });
}

/** A listening host on 127.0.0.1 and a free port. */
export function netHost(options: ActorHostOptions = {}): Promise<ActorHost> {
  return ActorHost.start({ logger: quietLogger, ...options });
}

export interface Received {
  from: UPID;
  name: string;
  body: unknown;
}

/**
 * A test actor that records what it receives (for the names it is told to handle) and which
 * linked peers exited, and can be told to send, link and reply.
 */
export class Probe extends Actor {
  readonly received: Received[] = [];
  readonly exits: UPID[] = [];
  private readonly waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  constructor(id: string, names: string[] = []) {
    super(id);
    for (const name of names) this.install(name, (from, body) => this.record({ from, name, body }));
  }

  post(to: UPID | string, name: string, body: unknown): void {
    this.send(to, name, body);
  }

  watch(pid: UPID): void {
    this.link(pid);
  }

  /** Resolves when `test` holds (checked after each recorded event). */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  count(name: string): number {
    return this.received.filter((r) => r.name === name).length;
  }

  protected override exited(pid: UPID): void {
    this.exits.push(pid);
    this.wake();
  }

  protected record(received: Received): void {
    this.received.push(received);
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.test()) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}

/** Rejects if `promise` takes longer than `ms` of real time (for real-socket and real-process tests). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `test` every event-loop turn until it holds or `ms` of real time pass. */
export async function eventually(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Polls the asynchronous `test` every `pollMs` until it holds or `ms` of real time pass (an HTTP endpoint's answer, say). */
export async function eventuallyAsync(test: () => Promise<boolean>, ms: number, what: string, pollMs = 50): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** True while a process with this pid exists (a zombie counts). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A raw link into a host, posing as a host of its own: what tests use to send any bytes or envelopes a peer could. */
export interface RawLinkPeer {
  readonly socket: WebSocket;
  /** The address it claimed, and proved (a tiny HTTP server there confirms its dial). */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Dials `host`'s link path as a peer would, claiming the address of a small HTTP server of its
 * own that confirms the dial (`LINK_VERIFY_PATH`), so the host takes the link. `headers`
 * replaces the handshake's headers (e.g. `{}` to send none).
 */
export async function rawLinkPeer(host: { readonly address: string }, headers?: Record<string, string>): Promise<RawLinkPeer> {
  const verifier = http.createServer((request, response) => {
    response.statusCode = (request.url ?? '').startsWith(LINK_VERIFY_PATH) ? 204 : 404;
    response.end();
  });
  await new Promise<void>((resolve) => verifier.listen(0, '127.0.0.1', () => resolve()));
  const port = (verifier.address() as { port: number }).port;
  const address = `127.0.0.1:${port}`;
  const socket = new WebSocket(`ws://${host.address}${LINK_PATH}`, {
    headers: headers ?? { [HOST_HEADER]: address, [INCARNATION_HEADER]: 'raw-peer', [NONCE_HEADER]: '00112233445566778899aabbccddeeff' },
  });
  const close = async (): Promise<void> => {
    socket.close();
    verifier.closeAllConnections();
    await new Promise<void>((resolve) => verifier.close(() => resolve()));
  };
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { socket, address, close };
}
