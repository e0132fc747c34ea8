import { expect } from 'chai';
import * as http from 'node:http';
import type { LookupAddress } from 'node:dns';
import * as net from 'node:net';
import type { LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { Actor, defineMessage, dispatch, UPID } from '../../../lib/actor';
import type { ActorHost } from '../../../lib/process';
import { decodeFrame, type WireEnvelope } from '../../../lib/process/codec';
import { HOST_HEADER, INCARNATION_HEADER, LINK_PATH, LinkManager, NONCE_HEADER } from '../../../lib/process/links';
import { captureLogger } from '../../../lib/logging';
import { eventually, netHost, Probe, within } from '../../support/runtime';

describe('links between hosts', () => {
  const hosts: ActorHost[] = [];
  const start = async (): Promise<ActorHost> => {
    const host = await netHost();
    hosts.push(host);
    return host;
  };
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });

  it('delivers messages between hosts in order, with bodies intact', async () => {
    const [a, b] = [await start(), await start()];
    const sender = new Probe('sender');
    a.spawn(sender);
    const receiver = new Probe('receiver', ['Seq']);
    const to = b.spawn(receiver);
    const body = { n: 0, text: 'héllo', nested: { list: [1, 2.5, null, true] }, bytes: Buffer.from([1, 2, 3]) };
    for (let n = 0; n < 5000; n++) sender.post(to, 'Seq', { ...body, n });
    await within(receiver.until(() => receiver.received.length === 5000), 5000, '5000 messages');
    expect(receiver.received.map((r) => (r.body as { n: number }).n)).to.deep.equal(Array.from({ length: 5000 }, (_, i) => i));
    const first = receiver.received[0] as { from: UPID; body: typeof body };
    expect(first.from.toString()).to.equal(sender.self().toString());
    expect(first.body.nested).to.deep.equal(body.nested);
    expect(Buffer.from(first.body.bytes).equals(body.bytes)).to.equal(true);
  });

  it('coalesces messages sent in the same tick into one frame', async () => {
    const a = await start();
    const frames: WireEnvelope[][] = [];
    const server = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (request, socket, head) => wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('message', (data: Buffer) => frames.push(decodeFrame(data) as WireEnvelope[]));
    }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const peer = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const sender = new Probe('sender');
    a.spawn(sender);
    await dispatch(sender, (s) => { for (let i = 0; i < 100; i++) s.post(UPID.at('sink', peer), 'Tick', i); });
    await eventually(() => frames.flat().length === 100, 5000, '100 envelopes');
    expect(frames).to.have.length(1);
    expect(frames[0]?.[0]).to.deep.equal({ from: sender.self().toString(), to: `sink@${peer}`, name: 'Tick', body: 0 });
    wss.close();
    server.closeAllConnections();
    server.close();
  });

  it('gives exited to linked actors when the remote host stops', async () => {
    const [a, b] = [await start(), await start()];
    const watcher = new Probe('watcher');
    a.spawn(watcher);
    const target = b.spawn(new Probe('target'));
    await dispatch(watcher, (w) => w.watch(target));
    await eventually(() => a.linkedHosts().includes(b.address), 5000, 'the link');
    await b.stop();
    await within(watcher.until(() => watcher.exits.length === 1), 5000, 'exited');
    expect(watcher.exits[0]?.toString()).to.equal(target.toString());
  });

  it('gives exited when the remote actor terminates, or does not exist on a live host', async () => {
    const [a, b] = [await start(), await start()];
    const watcher = new Probe('watcher');
    a.spawn(watcher);
    const target = b.spawn(new Probe('target'));
    const ghost = UPID.at('ghost', b.address);
    await dispatch(watcher, (w) => { w.watch(target); w.watch(ghost); });
    await within(watcher.until(() => watcher.exits.length === 1), 5000, 'exited for the ghost');
    expect(watcher.exits[0]?.toString()).to.equal(ghost.toString());
    b.terminate(target);
    await within(watcher.until(() => watcher.exits.length === 2), 5000, 'exited for the target');
    expect(watcher.exits[1]?.toString()).to.equal(target.toString());
    expect(a.linkedHosts()).to.deep.equal([b.address]);
  });

  it('gives exited when linking to a host that is not there', async () => {
    const a = await start();
    const watcher = new Probe('watcher');
    a.spawn(watcher);
    const nowhere = await netHost();
    const address = nowhere.address;
    await nowhere.stop();
    await dispatch(watcher, (w) => w.watch(UPID.at('master', address)));
    await within(watcher.until(() => watcher.exits.length === 1), 5000, 'exited');
  });

  it('gives exited at once when linking to a dead host whose port holds "409" (a refused connection is no 409 Conflict)', async () => {
    // Taken for a peer's 409, `connect ECONNREFUSED 127.0.0.1:40911` left the link waiting for the
    // peer's own dial for the whole dial timeout (here 10 minutes), and a virtual clock's settle with it.
    const a = await netHost({ links: { dialTimeoutMs: 600_000 } });
    hosts.push(a);
    const watcher = new Probe('watcher');
    a.spawn(watcher);
    const address = await freeAddressHolding('409');
    await dispatch(watcher, (w) => w.watch(UPID.at('master', address)));
    await within(watcher.until(() => watcher.exits.length === 1), 20_000, 'exited');
    expect(a.idle()).to.equal(true);
  });

  it('ends with one link when two hosts dial each other at once', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [await start(), await start()];
      const pa = new Probe('pa', ['Hi']);
      const pb = new Probe('pb', ['Hi']);
      const pidA = a.spawn(pa);
      const pidB = b.spawn(pb);
      pa.post(pidB, 'Hi', 'from a');
      pb.post(pidA, 'Hi', 'from b');
      await within(Promise.all([pa.until(() => pa.count('Hi') === 1), pb.until(() => pb.count('Hi') === 1)]), 5000, 'both messages');
      for (let i = 0; i < 20; i++) {
        pa.post(pidB, 'Hi', i);
        pb.post(pidA, 'Hi', i);
      }
      await within(Promise.all([pa.until(() => pa.count('Hi') === 21), pb.until(() => pb.count('Hi') === 21)]), 5000, 'the rest');
      await eventually(() => openSockets(a) === 1 && openSockets(b) === 1, 2000, 'one socket per host');
      expect(a.linkedHosts()).to.deep.equal([b.address]);
      expect(b.linkedHosts()).to.deep.equal([a.address]);
      expect(pb.received.slice(1).map((r) => r.body)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
      await Promise.all(hosts.splice(0).map((h) => h.stop()));
    }
  });

  it('refuses a handshake that claims the address of a live linked host (no takeover, no exited)', async () => {
    const [a, b] = [await start(), await start()];
    const watcher = new Probe('watcher', ['Hi']);
    const watcherPid = a.spawn(watcher);
    const target = new Probe('target', ['Hi']);
    const targetPid = b.spawn(target);
    await dispatch(watcher, (w) => w.watch(targetPid));
    target.post(watcherPid, 'Hi', 'before');
    await within(watcher.until(() => watcher.count('Hi') === 1), 5000, 'the link');
    // The forger cannot make b confirm its dial (it is not b): refused before anything else is looked at.
    const forged = new WebSocket(`ws://${a.address}${LINK_PATH}`, { headers: { [HOST_HEADER]: b.address, [INCARNATION_HEADER]: 'forged', [NONCE_HEADER]: '0123456789abcdef' } });
    const refusal = await within(new Promise<Error>((resolve) => forged.once('error', resolve)), 5000, 'the refusal');
    expect(refusal.message).to.match(/403/);
    target.post(watcherPid, 'Hi', 'after');
    watcher.post(targetPid, 'Hi', 'back');
    await within(Promise.all([watcher.until(() => watcher.count('Hi') === 2), target.until(() => target.count('Hi') === 1)]), 5000, 'messages both ways');
    expect(watcher.exits).to.deep.equal([]);
  });

  describe('a dial to a DNS name that resolves to several hosts (review: the nonce of a dial reaches whoever answers it)', () => {
    /** A resolver for the dialer: `name` → every address given (as a name with several A records). */
    const resolver = (name: string, addresses: string[]): LookupFunction => (hostname, options, callback) => {
      const found = hostname === name ? addresses : [hostname];
      const done = callback as (error: Error | null, address: string | LookupAddress[], family?: number) => void;
      if ((options as { all?: boolean }).all === true) done(null, found.map((address) => ({ address, family: 4 })));
      else done(null, found[0] as string, 4);
    };
    const closers: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const close of closers.splice(0).reverse()) await close();
    });

    /** An attacker listening at 127.0.0.2:`port` that keeps the nonce and claimed address of whatever dials it. */
    async function attacker(port: number): Promise<() => { nonce: string; host: string } | undefined> {
      let captured: { nonce: string; host: string } | undefined;
      const server = http.createServer();
      const held: Duplex[] = [];
      server.on('upgrade', (request: http.IncomingMessage, socket: Duplex) => {
        captured = { nonce: String(request.headers[NONCE_HEADER]), host: String(request.headers[HOST_HEADER]) };
        held.push(socket); // the dial is held open, unanswered
      });
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.2', () => resolve()));
      closers.push(async () => {
        for (const socket of held) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      });
      return () => captured;
    }

    /** The attacker replays the nonce to `target`, claiming `claimed`: the answer's status, or 101 once linked. */
    function replay(target: string, claimed: string, nonce: string): Promise<number> {
      return new Promise((resolve) => {
        const ws = new WebSocket(`ws://${target}${LINK_PATH}`, { localAddress: '127.0.0.2', headers: { [HOST_HEADER]: claimed, [INCARNATION_HEADER]: 'mallory', [NONCE_HEADER]: nonce } });
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        ws.on('error', () => resolve(0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
      });
    }

    it('a victim resolving among the names does not take a replayed nonce in the dialer\'s name', async () => {
      const victim = await netHost({ ip: '127.0.0.3' });
      closers.push(() => victim.stop());
      const port = Number(victim.address.split(':')[1]);
      const captured = await attacker(port);
      const dialer = await netHost({ ip: '127.0.0.4', links: { lookup: resolver('evil.test', ['127.0.0.2', '127.0.0.3']) } });
      closers.push(() => dialer.stop());
      const probe = new Probe('d');
      dialer.spawn(probe);
      probe.post(`x@evil.test:${port}`, 'Hi', 1);
      await eventually(() => captured() !== undefined, 5_000, 'the dial reaching the attacker');
      const { nonce, host } = captured() as { nonce: string; host: string };
      expect(host).to.equal(dialer.address);
      expect(await replay(victim.address, host, nonce)).to.equal(403);
    });

    it("no one may link to a host in that host's own name, even with a nonce of its own dial", async () => {
      const victim = await netHost({ ip: '127.0.0.3', links: { lookup: resolver('m.test', ['127.0.0.2', '127.0.0.3']) } });
      closers.push(() => victim.stop());
      const port = Number(victim.address.split(':')[1]);
      const captured = await attacker(port);
      const master = new Probe('master');
      victim.spawn(master);
      master.post(`scheduler@m.test:${port}`, 'Hi', 1);
      await eventually(() => captured() !== undefined, 5_000, 'the dial reaching the attacker');
      const { nonce, host } = captured() as { nonce: string; host: string };
      expect(host).to.equal(victim.address);
      expect(await replay(victim.address, host, nonce)).to.equal(403);
    });
  });

  it('a host stops at once while a dial to it is still being verified (the claimed address never answers)', async () => {
    // A claimed address that takes the connection and never answers: the verification would wait its whole timeout.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const a = await netHost();
      const claimed = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      const dialer = new WebSocket(`ws://${a.address}${LINK_PATH}`, { headers: { [HOST_HEADER]: claimed, [INCARNATION_HEADER]: 'x', [NONCE_HEADER]: '0123456789abcdef' } });
      const ended = new Promise<void>((resolve) => {
        dialer.once('error', () => resolve());
        dialer.once('close', () => resolve());
      });
      await eventually(() => silent.listening && (a as unknown as { links: { pendingVerifications: number } }).links.pendingVerifications === 1, 5000, 'the verification under way');
      await within(a.stop(), 1_000, 'the host to stop with a handshake pending');
      await within(ended, 1_000, "the dialer's socket to be closed");
    } finally {
      silent.close();
    }
  });

  it('accepts a restarted host at a linked address once the old link stops answering', async () => {
    const a = await start();
    const b = await start();
    const watcher = new Probe('watcher');
    a.spawn(watcher);
    const targetPid = b.spawn(new Probe('target'));
    await dispatch(watcher, (w) => w.watch(targetPid));
    await eventually(() => a.linkedHosts().includes(b.address), 5000, 'the link');
    // A half-open link: b stops reading (and answering pings) without closing the socket.
    const bLinks = (b as unknown as { links: { sockets: Set<WebSocket> } }).links;
    for (const socket of bLinks.sockets) (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    // b's restarted process would confirm its own dial; b's stands in for it here.
    (bLinks as unknown as { confirmDial(): number }).confirmDial = () => 204;
    const restarted = new WebSocket(`ws://${a.address}${LINK_PATH}`, { headers: { [HOST_HEADER]: b.address, [INCARNATION_HEADER]: 'new-incarnation', [NONCE_HEADER]: 'fedcba9876543210' } });
    await within(new Promise((resolve, reject) => { restarted.once('open', resolve); restarted.once('error', reject); }), 5000, 'the new link');
    await within(watcher.until(() => watcher.exits.length === 1), 5000, 'exited for the old incarnation');
    restarted.close();
  });

  it('re-dials on the next send after a link breaks', async () => {
    const [a, b] = [await start(), await start()];
    const sender = new Probe('sender');
    a.spawn(sender);
    const receiver = new Probe('receiver', ['N']);
    const to = b.spawn(receiver);
    sender.post(to, 'N', 1);
    await within(receiver.until(() => receiver.received.length === 1), 5000, 'first');
    const linkManager = (a as unknown as { links: { links: Map<string, { socket: { terminate(): void } }> } }).links;
    linkManager.links.get(b.address)?.socket.terminate();
    await eventually(() => a.linkedHosts().length === 0, 5000, 'the link to drop');
    sender.post(to, 'N', 2);
    await within(receiver.until(() => receiver.received.length === 2), 5000, 'second');
    expect(receiver.received.map((r) => r.body)).to.deep.equal([1, 2]);
  });

  it('validates typed bodies that arrive off the wire before the handler runs', async () => {
    const [a, b] = [await start(), await start()];
    const Square = defineMessage('Square', (body: unknown): number => {
      if (typeof body !== 'number') throw new Error('Square needs a number');
      return body;
    });
    const results: number[] = [];
    class Squarer extends Actor {
      constructor() {
        super('squarer');
        this.install(Square, (_from, n) => results.push(n * n));
      }
    }
    const to = b.spawn(new Squarer());
    const sender = new Probe('sender');
    a.spawn(sender);
    sender.post(to, 'Square', 'not a number');
    sender.post(to, 'Square', 3);
    await eventually(() => results.length === 1, 5000, 'one result');
    expect(results).to.deep.equal([9]);
  });
});

describe('links: the bytes waiting over all links together', () => {
  it('are bounded (MAX_ALL_LINKS_QUEUED_BYTES, --max_link_backlog): the link that pushes the total over is declared down, the others keep theirs', async () => {
    // Peers that take the connection and never answer the dial: what is sent to them waits, each link under its own bound.
    const silent: net.Socket[] = [];
    const servers = [0, 1, 2].map(() => net.createServer((socket) => { silent.push(socket); }));
    for (const server of servers) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const addresses = servers.map((server) => `127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    const downs: Array<[string, string]> = [];
    const captured = captureLogger();
    const manager = new LinkManager('127.0.0.1:1', 'bounded', captured.logger, {
      onFrame: () => undefined,
      onLinkDown: (address, reason) => downs.push([address, reason]),
    }, { maxTotalQueuedBytes: 4 * 1024 * 1024, dialTimeoutMs: 60_000 });
    try {
      const send = (address: string, megabytes: number): void => {
        for (let sent = 0; sent < megabytes * 4; sent++) manager.send(address, Buffer.alloc(256 * 1024));
      };
      send(addresses[0] as string, 1.5);
      send(addresses[1] as string, 1.5);
      expect(downs).to.deep.equal([]);
      send(addresses[2] as string, 1.5);
      expect(downs.map(([address]) => address)).to.deep.equal([addresses[2]]);
      expect(downs[0]?.[1]).to.match(/^more than 4194304 bytes waiting over all links together \(\d+; \d+ of them for this one\)$/);
      // What the other two hold is theirs still: more for them is queued (until the total is over again).
      send(addresses[0] as string, 0.25);
      expect(downs).to.have.length(1);
    } finally {
      await manager.close();
      for (const socket of silent) socket.destroy();
      for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** Counts the link sockets a host holds open (test-only peek). */
function openSockets(host: ActorHost): number {
  const manager = (host as unknown as { links: { sockets: Set<unknown> } }).links;
  return manager.sockets.size;
}

export { HOST_HEADER, INCARNATION_HEADER, LINK_PATH };

/** `127.0.0.1:<port>` of a free port whose digits hold `digits` (nothing listens there). */
async function freeAddressHolding(digits: string): Promise<string> {
  const candidates: number[] = [];
  for (let port = 1024; port < 65536; port++) if (String(port).includes(digits)) candidates.push(port);
  for (const port of candidates) {
    const server = http.createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return `127.0.0.1:${port}`;
  }
  throw new Error(`no free port holding '${digits}'`);
}
