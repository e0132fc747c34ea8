/**
 * Reading a response's body with a bound on silence, not on its length (pure: the reader and
 * the timers are given). A `/master/state` of a large cluster is tens of MB: a bound on the
 * whole read (the page had 10 s) failed it on a slow link every time, and every retry asked the
 * master for all of it again. Here a read fails only when no bytes come for `stallMs`.
 */
import type { PollTimers } from './poller';

/** The part of a `ReadableStreamDefaultReader<Uint8Array>` this reads with. */
export interface ByteReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

/** A body that stopped coming: nothing for `stallMs`. */
export class StalledBody extends Error {
  constructor(readonly stallMs: number, readonly bytesRead: number) {
    super(`no data for ${stallMs / 1000} s after ${bytesRead} bytes`);
  }
}

/**
 * Every byte of `reader`, in one array. Rejects with `StalledBody` (and cancels the reader) when
 * a read brings nothing for `stallMs`; with the reader's own error when it fails.
 */
export async function readAllBytes(reader: ByteReader, stallMs: number, timers: Pick<PollTimers, 'setTimeout' | 'clearTimeout'>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    let timer: unknown;
    const stalled = new Promise<never>((_resolve, reject) => {
      timer = timers.setTimeout(() => reject(new StalledBody(stallMs, length)), stallMs);
    });
    let chunk: { done: boolean; value?: Uint8Array };
    try {
      chunk = await Promise.race([reader.read(), stalled]);
    } catch (error) {
      if (error instanceof StalledBody) void reader.cancel(error).catch(() => undefined);
      throw error;
    } finally {
      timers.clearTimeout(timer);
    }
    if (chunk.done) break;
    if (chunk.value !== undefined && chunk.value.length > 0) {
      chunks.push(chunk.value);
      length += chunk.value.length;
    }
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
