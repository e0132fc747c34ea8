/**
 * A wire between memory hosts under one virtual clock: what one host sends another (its
 * `offHost` messages) is encoded as on a socket and handed to the other as a frame from the
 * sender's address (`ActorHost.receiveSimulatedFrame`), one clock turn later. So the receiving
 * host decodes, checks, binds the sender and validates exactly as it does for a link, with no
 * real I/O: a simulation stays a pure function of its seed.
 *
 * @example
 *   const wire = new SimulatedWire(clock);
 *   const a = memoryHost({ clock, address: 'a:1', offHost: wire.carrier });
 *   const b = memoryHost({ clock, address: 'b:1', offHost: wire.carrier });
 *   wire.attach(a); wire.attach(b);   // a's actors can now message b's, as over a link
 */
import { performance } from 'node:perf_hooks';
import { UPID } from '../../lib/actor';
import type { ActorHost, Clock } from '../../lib/process';
import { encodeEnvelope, type WireEnvelope } from '../../lib/process/codec';

/** How long the slowest frames took to handle, kept for a report. */
export const SLOWEST_FRAMES_KEPT = 5;

/** A frame's handling time, with what the sender said it was. */
export interface FrameTiming {
  readonly ms: number;
  readonly description: string;
}

/** Memory hosts joined by frames delivered on a virtual clock. */
export class SimulatedWire {
  /** Hosts on the wire, by address. */
  private readonly hosts = new Map<string, ActorHost>();
  /** Frames delivered so far. */
  private delivered = 0;
  /** Frames for an address no host on the wire has (dropped, as a dial to nowhere would be). */
  private undeliverable = 0;
  /** The slowest frames so far (real time spent in the receiving host, its mailboxes included). */
  private readonly slowest: FrameTiming[] = [];

  constructor(private readonly clock: Clock) {}

  /** Puts `host` on the wire: frames for its address reach it. */
  attach(host: ActorHost): void {
    this.hosts.set(host.address, host);
  }

  /** An `offHost` for a host on the wire: its messages to other hosts travel as encoded frames. */
  readonly carrier = (envelope: WireEnvelope): void => {
    const from = UPID.parse(envelope.from).address;
    const to = UPID.tryParse(envelope.to)?.address ?? '';
    this.send(from, to, encodeEnvelope(envelope), envelope.name);
  };

  /** Delivers `frame` from the host at `from` to the one at `to` on the next clock turn. */
  send(from: string, to: string, frame: Buffer, description: string): void {
    this.clock.setTimer(0, () => {
      const host = this.hosts.get(to);
      if (host === undefined) {
        this.undeliverable++;
        return;
      }
      const startMs = performance.now();
      host.receiveSimulatedFrame(from, frame);
      this.delivered++;
      this.timed({ ms: performance.now() - startMs, description });
    });
  }

  /** Frames delivered so far. */
  get frames(): number {
    return this.delivered;
  }

  /** Frames dropped because no host on the wire had their address. */
  get dropped(): number {
    return this.undeliverable;
  }

  /** The slowest frames so far, slowest first. */
  slowestFrames(): readonly FrameTiming[] {
    return this.slowest;
  }

  private timed(timing: FrameTiming): void {
    const last = this.slowest[this.slowest.length - 1];
    if (this.slowest.length >= SLOWEST_FRAMES_KEPT && last !== undefined && last.ms >= timing.ms) return;
    this.slowest.push(timing);
    this.slowest.sort((a, b) => b.ms - a.ms);
    this.slowest.length = Math.min(this.slowest.length, SLOWEST_FRAMES_KEPT);
  }
}
