/**
 * A large v1 answer (GET_STATE's JSON text in pieces, ~190 MB at 100k agents) encoded as protobuf
 * while it is written, in two passes over the text, so that no copy of the encoded answer is ever
 * held: the first (`SizingTarget`) finds the length of every message read a field at a time,
 * which protobuf wants before its fields; the second (`StreamTarget`) writes the bytes in order,
 * a step a turn, into one reused buffer whose contents go to every client answered from it, and
 * goes on once they all took them.
 *
 * Why: the one-pass encoding it replaced (until 2026-12-07) kept the whole answer in slabs outside V8's heap
 * (68 MB at 100k agents). V8 collects the young generation in any allocation of such memory once
 * the young generation's own passes 32 MB, and at 100k agents each of those collections held the
 * process 45-64 ms inside an encoding step (docs/scale.md, the twenty-second session). Streamed,
 * the answer costs one buffer of 64 KiB (grown only by a step that writes more), allocated once. The price is reading the text twice.
 *
 * The answer's bytes are exactly the one-pass encoding's, so any protobuf parser reads it. (They
 * could have gone in one pass as self-contained fragments, each with the path of messages down to
 * its part, which protobuf's rules merge into one message; but protobufjs, for one, keeps only the
 * last of a non-repeated embedded message given twice.)
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type protobuf from 'protobufjs';
import type { FragmentSink } from '../process/http';
import { SizingTarget, SlicedEncoder, StepFigures, StreamTarget, type SlicedEncodingFigures } from './sliced-protobuf';

/**
 * Longest time the clients sharing a streamed answer wait for the slowest of them to take a
 * fragment (its socket's buffers full: a client that stopped reading) before it is dropped and
 * the others go on.
 */
export const STREAMED_ANSWER_STALL_MS = 30_000;

/** How the passes step, and how long a stalled client may hold a run. */
export interface StreamedProtobufOptions {
  /** Characters a step reads (one value past it at most). */
  readonly charsPerTurn: number;
  /** Wall time a step may take (it ends at the first value that ends past it). */
  readonly turnMs: number;
  /** Default `STREAMED_ANSWER_STALL_MS`. */
  readonly stallMs?: number;
  /** The timer of the stall bound (default Node's): a test's own clock. */
  readonly timers?: StallTimers;
  /** Each pass's figures, once it ends (the second pass's once per run: clients that came later get a run of their own). */
  readonly onFigures?: (figures: SlicedEncodingFigures) => void;
}

/** Sets and clears the stall bound's timer. */
export interface StallTimers {
  set(ms: number, fire: () => void): unknown;
  clear(handle: unknown): void;
}

const NODE_TIMERS: StallTimers = {
  set: (ms, fire) => setTimeout(fire, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The sizes the first pass found: the whole message's first. */
interface Sizing {
  readonly sizes: readonly number[];
}

/**
 * One answer's protobuf encoding, shared by the requests answered from the same JSON text:
 * `measure()` runs the first pass once; `attach(sink)` has a client written to by the second
 * pass. Clients attached in the same turn share one run of it; a client attached while a run is
 * under way gets a run of its own (the sizes are not found again).
 * @example
 *   const encoding = new StreamedProtobuf(responseType, textParts.parts, { charsPerTurn: 64 * 1024, turnMs: 10 });
 *   const length = await encoding.measure();
 *   return { status: 200, body: new StreamedBinary(APPLICATION_PROTOBUF, length, (sink) => encoding.attach(sink)) };
 */
export class StreamedProtobuf {
  private sizing: Promise<Sizing> | undefined;
  /** A run whose first step has not yet come: a client attached now joins it. */
  private joinable: Set<FragmentSink> | undefined;

  constructor(private readonly type: protobuf.Type, private readonly parts: readonly string[], private readonly options: StreamedProtobufOptions) {}

  /** The answer's length in bytes, after the first pass (once; later calls share it). Rejects if the text is not a message of the type (a bug). */
  async measure(): Promise<number> {
    this.sizing ??= this.size();
    return (await this.sizing).sizes[0] as number;
  }

  /** Has `sink` written the answer (after `measure` has resolved). */
  attach(sink: FragmentSink): void {
    if (this.joinable !== undefined) {
      this.joinable.add(sink);
      return;
    }
    const sinks = new Set([sink]);
    this.joinable = sinks;
    // The text was read whole by the first pass: a throw here is a bug, and cuts its clients off rather than the process.
    this.run(sinks).catch(() => {
      if (this.joinable === sinks) this.joinable = undefined;
      for (const client of sinks) client.destroy();
    });
  }

  private async size(): Promise<Sizing> {
    const target = new SizingTarget();
    const encoder = new SlicedEncoder(this.type, this.parts, this.options.charsPerTurn, target);
    const figures = new StepFigures();
    while (!figures.time(() => encoder.step(performance.now() + this.options.turnMs))) await nextTurn();
    this.options.onFigures?.(figures.of(encoder));
    return { sizes: target.sizes };
  }

  /** The second pass, to `sinks` (which others may join until its first step). */
  private async run(sinks: Set<FragmentSink>): Promise<void> {
    const sizing = await (this.sizing as Promise<Sizing>);
    await nextTurn();
    if (this.joinable === sinks) this.joinable = undefined;
    const target = new StreamTarget(sizing.sizes);
    const encoder = new SlicedEncoder(this.type, this.parts, this.options.charsPerTurn, target);
    const figures = new StepFigures();
    for (;;) {
      // A client gone is let go (its `destroy`), and a run with none left stops.
      for (const sink of sinks) {
        if (!sink.isGone()) continue;
        sinks.delete(sink);
        sink.destroy();
      }
      if (sinks.size === 0) return;
      const done = figures.time(() => encoder.step(performance.now() + this.options.turnMs));
      const fragment = target.fragment();
      if (fragment.length > 0) await this.broadcast(sinks, fragment);
      target.reset();
      if (done) break;
      await nextTurn();
    }
    for (const sink of sinks) sink.end();
    this.options.onFigures?.(figures.of(encoder));
  }

  /** Writes `fragment` to every sink; resolves once all have taken it, those that did not within the stall bound dropped. */
  private broadcast(sinks: Set<FragmentSink>, fragment: Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      const timers = this.options.timers ?? NODE_TIMERS;
      const waiting = new Set<FragmentSink>();
      let timer: unknown;
      const taken = (sink: FragmentSink): void => {
        if (!waiting.delete(sink) || waiting.size > 0) return;
        if (timer !== undefined) timers.clear(timer);
        resolve();
      };
      for (const sink of sinks) waiting.add(sink);
      for (const sink of [...sinks]) sink.write(fragment, () => taken(sink));
      if (waiting.size === 0) return resolve();
      timer = timers.set(this.options.stallMs ?? STREAMED_ANSWER_STALL_MS, () => {
        for (const sink of waiting) {
          sinks.delete(sink);
          sink.destroy();
        }
        waiting.clear();
        resolve();
      });
    });
  }
}
