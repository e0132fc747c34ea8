/**
 * Several hosts, each with its own address, in one process on one virtual clock, joined by a
 * simulated network: what one host sends to another's address is encoded as on a real link,
 * decoded, and handed to that host as if it had come over a link from the sender's host (its
 * sender bound to that peer, links and exits included). Delivery is immediate and in order.
 * Nothing listens, so a simulated clock is fine.
 *
 * @example
 *   const network = new VirtualNetwork(clock);
 *   const masterHost = network.host('master.simulation:5050');
 *   const peerHost = network.host('peer.simulation:7000');
 *   peerHost.spawn(new Scheduler({ master: 'master.simulation:5050', ... }));
 */
import { decodeFrame, encodeEnvelope, checkEnvelope, type WireEnvelope } from '../../lib/process/codec';
import type { ActorHost, ActorHostOptions, VirtualClock } from '../../lib/process';
import { UPID } from '../../lib/actor';
import { memoryHost } from './runtime';

export class VirtualNetwork {
  /** Hosts by address. */
  private readonly hosts = new Map<string, ActorHost>();
  /** Envelopes to an address no host has (what a real network would lose). */
  undeliverable = 0;

  constructor(private readonly clock: VirtualClock) {}

  /** A new host at `address` on this network (a memory host on the network's clock). */
  host(address: string, options: ActorHostOptions = {}): ActorHost {
    if (this.hosts.has(address)) throw new Error(`a host at ${address} is on the network already`);
    const host = memoryHost({ clock: this.clock, seed: this.hosts.size + 1, ...options, address, offHost: (envelope) => this.deliver(address, envelope) });
    this.hosts.set(address, host);
    return host;
  }

  /** Stops every host. */
  async stop(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((host) => host.stop()));
  }

  /** Carries `envelope` from the host at `from` to the host its `to` names, through the wire encoding. */
  private deliver(from: string, envelope: WireEnvelope): void {
    const target = this.hosts.get(UPID.tryParse(envelope.to)?.address ?? '');
    if (target === undefined) {
      this.undeliverable++;
      return;
    }
    const [decoded] = decodeFrame(encodeEnvelope(envelope));
    const checked = checkEnvelope(decoded);
    if (typeof checked === 'string') throw new Error(`the virtual network mangled an envelope: ${checked}`);
    target.receiveFromPeer(from, checked);
  }
}
