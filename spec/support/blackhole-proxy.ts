/**
 * A TCP proxy on loopback that can cut its clients off the way a network partition does: while
 * partitioned, bytes in both directions are dropped and no close is passed on, so neither end
 * learns anything from TCP (as when a firewall drops packets). New connections are accepted and
 * held, silent. `heal` closes the held connections: clients reconnect through a working proxy.
 *
 *   const proxy = await BlackholeProxy.start(server.port);
 *   // connect clients to 127.0.0.1:${proxy.port}
 *   proxy.partition();   // the server expires the clients' sessions; the clients see nothing
 *   proxy.heal();
 */
import * as net from 'node:net';

/** One client connection and its upstream connection. */
interface Pair {
  readonly downstream: net.Socket;
  readonly upstream: net.Socket | undefined;
}

export class BlackholeProxy {
  /** Connections open now. */
  private readonly pairs = new Set<Pair>();
  /** Whether traffic is being dropped. */
  private partitioned = false;

  private constructor(private readonly server: net.Server, readonly port: number, private readonly targetPort: number) {
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on a free loopback port and forwards to `127.0.0.1:targetPort`. */
  static start(targetPort: number): Promise<BlackholeProxy> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (address === null || typeof address !== 'object') return reject(new Error('proxy has no port'));
        resolve(new BlackholeProxy(server, address.port, targetPort));
      });
    });
  }

  /** `127.0.0.1:port`, for ZooKeeper clients. */
  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Drops all traffic from now on, silently. */
  partition(): void {
    this.partitioned = true;
  }

  /** Forwards again; connections held during the partition are closed (their clients reconnect). */
  heal(): void {
    this.partitioned = false;
    for (const pair of [...this.pairs]) this.closePair(pair);
  }

  /** Closes every connection and stops listening. */
  stop(): Promise<void> {
    for (const pair of [...this.pairs]) this.closePair(pair);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(downstream: net.Socket): void {
    if (this.partitioned) {
      const held: Pair = { downstream, upstream: undefined };
      this.track(held);
      downstream.on('data', () => undefined); // read and drop
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: this.targetPort });
    const pair: Pair = { downstream, upstream };
    this.track(pair);
    upstream.on('error', () => this.closePair(pair));
    this.forward(downstream, upstream, pair);
    this.forward(upstream, downstream, pair);
  }

  private forward(from: net.Socket, to: net.Socket, pair: Pair): void {
    from.on('data', (chunk: Buffer) => {
      if (!this.partitioned) to.write(chunk);
    });
    from.on('close', () => {
      if (!this.partitioned) this.closePair(pair);
    });
  }

  private track(pair: Pair): void {
    this.pairs.add(pair);
    pair.downstream.on('error', () => this.closePair(pair));
  }

  private closePair(pair: Pair): void {
    this.pairs.delete(pair);
    pair.downstream.destroy();
    pair.upstream?.destroy();
  }
}
