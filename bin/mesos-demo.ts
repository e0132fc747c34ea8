#!/usr/bin/env node
/**
 * mesos-demo: two actor hosts in two OS processes exchanging messages over one WebSocket link.
 * Prints each message as it is handled, then serves the ponger's HTTP state until Ctrl-C.
 */
import { fork } from 'node:child_process';
import { Actor, UPID } from '../lib/actor';
import { ActorHost, ok } from '../lib/process';
import { createLogger } from '../lib/logging';
import { createCommand, flag, parseBooleanFlag, parseCount, parsePort } from '../lib/flags';

/** Pings the demo sends before it stays idle. */
const DEFAULT_PINGS = 5;

class Ponger extends Actor {
  private pings = 0;
  constructor() {
    super('ponger');
    this.install('Ping', (from, body: { seq: number }) => {
      this.pings++;
      process.stdout.write(`[${this.self().address}] ponger  ◀── Ping ${JSON.stringify(body)} from ${from}\n`);
      this.send(from, 'Pong', { seq: body.seq, at: this.clock.now() });
    });
    this.route('/state', () => ok({ id: this.self().toString(), pings: this.pings }));
  }
}

class Pinger extends Actor {
  constructor(private readonly ponger: UPID, private readonly count: number, private readonly onDone: () => void) {
    super('pinger');
    this.install('Pong', (from, body: { seq: number }) => {
      process.stdout.write(`[${this.self().address}] pinger  ◀── Pong ${JSON.stringify(body)} from ${from}\n`);
      if (body.seq < this.count) this.ping(body.seq + 1);
      else this.onDone();
    });
  }
  protected override initialize(): void {
    this.link(this.ponger);
    this.ping(1);
  }
  protected override exited(pid: UPID): void {
    process.stdout.write(`[${this.self().address}] pinger  ✖ exited ${pid}\n`);
  }
  private ping(seq: number): void {
    this.send(this.ponger, 'Ping', { seq });
  }
}

async function peer(): Promise<void> {
  const host = await ActorHost.start({ logger: createLogger('demo-peer', 'warn') });
  host.spawn(new Ponger());
  host.installSignalHandlers();
  process.send?.(host.address);
  process.on('disconnect', () => void host.stop().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const program = createCommand('mesos-demo', 'Two actor hosts in two processes exchanging messages.')
    .addOption(flag('--port <port>', 'port of the first host').argParser(parsePort).default(0))
    .addOption(flag('--pings <n>', 'pings to send').argParser(parseCount).default(DEFAULT_PINGS))
    .addOption(flag('--exit [bool]', 'exit after the exchange instead of serving HTTP').argParser(parseBooleanFlag).default(false))
    .parse(process.argv);
  const options = program.opts<{ port: number; pings: number; exit?: boolean }>();
  const child = fork(__filename, ['--peer'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const peerAddress = await new Promise<string>((resolve) => child.once('message', (m) => resolve(String(m))));
  const host = await ActorHost.start({ port: options.port, logger: createLogger('demo', 'warn') });
  process.stdout.write(`host A ${host.address} (pid ${process.pid}), host B ${peerAddress} (pid ${child.pid})\n`);
  await new Promise<void>((resolve) => host.spawn(new Pinger(UPID.at('ponger', peerAddress), options.pings, resolve)));
  process.stdout.write(`exchange done; ponger state: http://${peerAddress}/ponger/state\n`);
  if (options.exit) {
    child.disconnect();
    await host.stop();
    return;
  }
  process.stdout.write('press Ctrl-C to stop\n');
  host.installSignalHandlers(() => { child.kill('SIGTERM'); process.exit(0); });
}

if (process.argv.includes('--peer')) void peer();
else void main();
