/**
 * A live tail of a sandbox file read through the agent's `/files/read` (Mesos semantics: at
 * most 64 KiB per read; `offset=-1` answers the file's size). Pure bookkeeping: what to ask
 * next, and the text kept, bounded.
 */

/** Bytes asked per `/files/read` (the agent's own cap, FILES_MAX_READ_BYTES). */
export const TAIL_READ_CHUNK_BYTES = 64 * 1024;

/** When a tail starts, at most this much of the file's end is shown. */
export const TAIL_INITIAL_BYTES = 64 * 1024;

/** The tail keeps at most this many characters (the oldest lines go first). */
export const MAX_TAIL_CHARS = 512 * 1024;

/** Reads in one poll before the tail yields (a fast-growing file is caught up over several polls). */
export const MAX_TAIL_READS_PER_POLL = 8;

/** The file is polled this often while it is tailed (ms). */
export const TAIL_POLL_INTERVAL_MS = 1_000;

/** What a tail has read so far. */
export interface TailState {
  /** The next byte to read. */
  readonly offset: number;
  /** What is shown (at most MAX_TAIL_CHARS). */
  readonly text: string;
  /** Whether the start of the file is not shown. */
  readonly truncated: boolean;
}

/** Where a tail of a file of `size` bytes starts. */
export function startTail(size: number, initialBytes: number = TAIL_INITIAL_BYTES): TailState {
  const offset = Math.max(0, size - initialBytes);
  return { offset, text: '', truncated: offset > 0 };
}

/**
 * `state` after reading `data` at `offset` (the reply of `/files/read`); bytes are counted in
 * UTF-8. A reply for another offset (a stale one) changes nothing. Text beyond `maxChars` is
 * dropped from the front, at a line break where there is one.
 */
export function appendChunk(state: TailState, chunk: { readonly data: string; readonly offset: number }, maxChars: number = MAX_TAIL_CHARS): TailState {
  if (chunk.offset !== state.offset || chunk.data === '') return state;
  const bytes = utf8Length(chunk.data);
  let text = state.text + chunk.data;
  let truncated = state.truncated;
  if (text.length > maxChars) {
    const cut = text.length - maxChars;
    const lineBreak = text.indexOf('\n', cut);
    text = text.slice(lineBreak === -1 || lineBreak - cut > maxChars / 2 ? cut : lineBreak + 1);
    truncated = true;
  }
  return { offset: state.offset + bytes, text, truncated };
}

/** Whether a file now of `size` bytes was truncated or replaced under the tail (then it starts over). */
export function fileShrank(state: TailState, size: number): boolean {
  return size < state.offset;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}
