/**
 * `npm run bench:actors [-- --json]`: message throughput and latency of the actor runtime.
 *
 * - local: messages/s between two actors on one host;
 * - remote: messages/s between two hosts in separate OS processes over one link;
 * - raw: the same messages through a bare `ws` + `msgpackr` socket pair with the same coalescing;
 * - rtt: remote ping-pong round trip p50/p99 (µs).
 * The sender keeps at most `WINDOW` messages unacknowledged (the receiver acks every `WINDOW`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { WebSocket, WebSocketServer } from 'ws';
import { Actor, UPID } from '../lib/actor';
import { ActorHost } from '../lib/process';
import { ascending, median, percentile } from './figures';
import { createLogger } from '../lib/logging';
import { decodeFrame, decodeFrameEach, encodeEnvelope, type WireEnvelope } from '../lib/process/codec';

const LOCAL_MESSAGES = 5_000_000;
const REMOTE_MESSAGES = 1_000_000;
const WINDOW = 20_000;
const PING_PONGS = 20_000;
/** Raw and remote runs alternate this many times; medians are reported (the machine is shared). */
const ROUNDS = 3;
const WARMUP_PING_PONGS = 2_000;

/** A status-update-sized body (~200 bytes encoded with its envelope). */
const PAYLOAD = {
  frameworkId: 'a1b2c3d4-0001',
  agentId: 'a1b2c3d4-S1',
  taskId: 'task-000123',
  state: 'TASK_RUNNING',
  source: 'SOURCE_EXECUTOR',
  uuid: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  timestamp: 1763700000.123,
  healthy: true,
};

const logger = createLogger('bench', 'warn');

class Sink extends Actor {
  private count = 0;
  constructor(id = 'sink') {
    super(id);
    this.install('Update', (from) => {
      if (++this.count % WINDOW === 0) this.send(from, 'Ack', this.count);
    });
    this.install('Ping', (from, body: number) => this.send(from, 'Pong', body));
  }
}

class Source extends Actor {
  private sent = 0;
  private resolveDone!: (ms: number) => void;
  private started = 0n;
  readonly done = new Promise<number>((resolve) => { this.resolveDone = resolve; });
  constructor(private readonly sink: UPID, private readonly total: number, id = 'source') {
    super(id);
    this.install('Ack', (_from, acked: number) => {
      if (acked >= this.total) this.resolveDone(Number(process.hrtime.bigint() - this.started) / 1e6);
      else this.burst();
    });
  }
  protected override initialize(): void {
    this.started = process.hrtime.bigint();
    this.burst();
    this.burst();
  }
  private burst(): void {
    for (let i = 0; i < WINDOW && this.sent < this.total; i++, this.sent++) this.send(this.sink, 'Update', PAYLOAD);
  }
}

class Pinger extends Actor {
  private resolvePong: ((value: number) => void) | undefined;
  constructor(private readonly sink: UPID) {
    super('pinger');
    this.install('Pong', (_from, seq: number) => this.resolvePong?.(seq));
  }
  ping(seq: number): Promise<number> {
    return new Promise((resolve) => {
      this.resolvePong = resolve;
      this.send(this.sink, 'Ping', seq);
    });
  }
}

async function local(): Promise<number> {
  const host = await ActorHost.start({ listen: false, address: '127.0.0.1:1', logger });
  const sink = host.spawn(new Sink());
  const source = new Source(sink, LOCAL_MESSAGES);
  host.spawn(source);
  const ms = await source.done;
  await host.stop();
  return LOCAL_MESSAGES / (ms / 1000);
}

async function remoteRate(host: ActorHost, sinkAddress: string, round: number): Promise<number> {
  const sink = UPID.at(`sink-${round}`, sinkAddress);
  const source = new Source(sink, REMOTE_MESSAGES, `source-${round}`);
  host.spawn(source);
  const ms = await source.done;
  host.terminate(source);
  return REMOTE_MESSAGES / (ms / 1000);
}

async function roundTrips(host: ActorHost, sink: UPID): Promise<{ p50: number; p99: number }> {
  const pinger = new Pinger(sink);
  host.spawn(pinger);
  const rtts: number[] = [];
  for (let i = 0; i < WARMUP_PING_PONGS + PING_PONGS; i++) {
    const start = process.hrtime.bigint();
    await pinger.ping(i);
    if (i >= WARMUP_PING_PONGS) rtts.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  const sorted = ascending(rtts);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** The raw ceiling: same envelopes, same per-message encode + same-tick coalescing, no actors. */
async function raw(address: string): Promise<number> {
  const socket = new WebSocket(`ws://${address}/raw`, { perMessageDeflate: false });
  await new Promise((resolve) => socket.once('open', resolve));
  const envelope: WireEnvelope = { from: 'source@127.0.0.1:1', to: 'sink@127.0.0.1:2', name: 'Update', body: PAYLOAD };
  let queue: Buffer[] = [];
  let queued = 0;
  let flushScheduled = false;
  const flush = (): void => {
    flushScheduled = false;
    socket.send(queue.length === 1 ? (queue[0] as Buffer) : Buffer.concat(queue, queued), { binary: true });
    queue = [];
    queued = 0;
  };
  let sent = 0;
  const burst = (): void => {
    for (let i = 0; i < WINDOW && sent < REMOTE_MESSAGES; i++, sent++) {
      const encoded = encodeEnvelope(envelope);
      queue.push(encoded);
      queued += encoded.length;
      if (!flushScheduled) {
        flushScheduled = true;
        queueMicrotask(flush);
      }
    }
  };
  const started = process.hrtime.bigint();
  const done = new Promise<number>((resolve) => {
    socket.on('message', (data: Buffer) => {
      const acked = (decodeFrame(data)[0] as WireEnvelope).body as number;
      if (acked >= REMOTE_MESSAGES) resolve(Number(process.hrtime.bigint() - started) / 1e6);
      else burst();
    });
  });
  burst();
  burst();
  const ms = await done;
  socket.close();
  return REMOTE_MESSAGES / (ms / 1000);
}


// ---- the child process: an actor host with a sink, and a raw ws + msgpackr sink ---------------

async function child(): Promise<void> {
  const host = await ActorHost.start({ logger });
  host.spawn(new Sink());
  for (let round = 0; round < ROUNDS; round++) host.spawn(new Sink(`sink-${round}`)); // a fresh count per round
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => {
    let count = 0;
    socket.on('message', (data: Buffer) => {
      decodeFrameEach(data, (value) => {
        const envelope = value as WireEnvelope;
        if (typeof envelope.name === 'string' && ++count % WINDOW === 0) {
          socket.send(encodeEnvelope({ from: envelope.to, to: envelope.from, name: 'Ack', body: count }), { binary: true });
        }
      });
    });
  });
  const rawPort = (server.address() as { port: number }).port;
  process.send?.({ actors: host.address, raw: `127.0.0.1:${rawPort}` });
  process.on('disconnect', () => process.exit(0));
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const worker: ChildProcess = fork(__filename, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const addresses = await new Promise<{ actors: string; raw: string }>((resolve) => worker.once('message', resolve as (m: unknown) => void));
  const localRate = await local();
  const host = await ActorHost.start({ logger });
  const sink = UPID.at('sink', addresses.actors);
  const rawRates: number[] = [];
  const remoteRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    rawRates.push(await raw(addresses.raw));
    remoteRates.push(await remoteRate(host, addresses.actors, round));
  }
  const rtt = await roundTrips(host, sink);
  await host.stop();
  worker.disconnect();
  const rawRate = median(rawRates);
  const remoteRate_ = median(remoteRates);
  const result = {
    local_msgs_per_s: Math.round(localRate),
    remote_msgs_per_s: Math.round(remoteRate_),
    raw_msgs_per_s: Math.round(rawRate),
    remote_over_raw: Number((remoteRate_ / rawRate).toFixed(3)),
    rtt_p50_us: Math.round(rtt.p50),
    rtt_p99_us: Math.round(rtt.p99),
  };
  const size = encodeEnvelope({ from: 'source@127.0.0.1:40000', to: 'sink@127.0.0.1:40001', name: 'Update', body: PAYLOAD }).length;
  console.log(`payload: ${size} bytes per encoded message`);
  console.log(`local   ${result.local_msgs_per_s.toLocaleString('en-US').padStart(12)} msgs/s  (target >= 5,000,000)`);
  console.log(`remote  ${result.remote_msgs_per_s.toLocaleString('en-US').padStart(12)} msgs/s  (median of ${ROUNDS}, alternating with raw)`);
  console.log(`raw     ${result.raw_msgs_per_s.toLocaleString('en-US').padStart(12)} msgs/s  remote/raw = ${result.remote_over_raw} (target >= 0.8)`);
  console.log(`rtt     p50 ${result.rtt_p50_us} us, p99 ${result.rtt_p99_us} us  (target p50 <= 100)`);
  if (json) console.log(JSON.stringify(result));
}

if (process.argv.includes('--child')) void child();
else void main().then(() => process.exit(0));
