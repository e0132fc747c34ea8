import { Packr, Unpackr } from 'msgpackr';

/** A message as it travels between hosts: msgpack-encoded `{from, to, name, body}`. */
export interface WireEnvelope {
  from: string;
  to: string;
  name: string;
  body: unknown;
}

/** Largest single encoded message; a bigger one is refused at `send` with a logged reason. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** Longest message name in an envelope (names are protocol words like `StatusUpdate`). */
export const MAX_MESSAGE_NAME_LENGTH = 256;
/** Largest WebSocket frame (one or more coalesced messages) a host sends or accepts. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Encodes one envelope. Frames are concatenations of encoded envelopes (a msgpack stream). */
export function encodeEnvelope(envelope: WireEnvelope): Buffer {
  return packr.pack(envelope);
}

/** Decodes every msgpack value in a frame; throws on undecodable bytes. */
export function decodeFrame(frame: Buffer): unknown[] {
  return unpackr.unpackMultiple(frame) as unknown[];
}

/**
 * Decodes a frame value by value, calling `onValue` for each as soon as it is decoded (so a big
 * frame never exists as one big array of objects). Throws on undecodable bytes; values before
 * the bad bytes have been passed on by then. A frame nested deeper than `MAX_DECODE_DEPTH` is
 * refused whole, before anything is decoded.
 */
export function decodeFrameEach(frame: Buffer, onValue: (value: unknown) => void): void {
  const tooDeep = nestingError(frame, MAX_DECODE_DEPTH);
  if (tooDeep !== undefined) throw new Error(tooDeep);
  unpackr.unpackMultiple(frame, (value: unknown) => { onValue(value); });
}

/**
 * Deepest nesting of arrays and maps a frame may hold (envelope included; protocol bodies are
 * at most 64 levels deep). The decoder recurses once per level: deeper, it would overflow the
 * call stack at a depth that depends on what the JIT made of it, so one frame would decode in
 * one run and not in the next, and a seeded simulation would not replay (wire fuzzer, seed 1).
 */
export const MAX_DECODE_DEPTH = 128;

/**
 * Why `frame` nests arrays and maps deeper than `maxDepth`, or undefined: a walk over its msgpack
 * structure with a stack of its own, skipping strings, binaries and extensions by their length.
 * Bytes it cannot read (cut off, or invalid) are left to the decoder to refuse. The payload an
 * extension is followed by (msgpackr's Set, Map, Error) is walked as the next value.
 */
export function nestingError(frame: Uint8Array, maxDepth: number): string | undefined {
  /** Values still to read in each open array or map, innermost last. */
  const open: number[] = [];
  const length = frame.length;
  let position = 0;
  while (position < length) {
    const type = frame[position] as number;
    let bytes = 1;
    let children = 0;
    if (type <= 0x7f || type >= 0xe0) bytes = 1;
    else if (type <= 0x8f) children = 2 * (type & 0x0f);
    else if (type <= 0x9f) children = type & 0x0f;
    else if (type <= 0xbf) bytes = 1 + (type & 0x1f);
    else {
      const size = HEADER_SIZES[type - 0xc0] as number;
      if (size === 0 || position + size > length) return undefined; // invalid or cut off: the decoder says so
      switch (type) {
        case 0xc4: case 0xd9: bytes = 2 + (frame[position + 1] as number); break;
        case 0xc5: case 0xda: bytes = 3 + uint16At(frame, position + 1); break;
        case 0xc6: case 0xdb: bytes = 5 + uint32At(frame, position + 1); break;
        case 0xc7: bytes = 3 + (frame[position + 1] as number); break;
        case 0xc8: bytes = 4 + uint16At(frame, position + 1); break;
        case 0xc9: bytes = 6 + uint32At(frame, position + 1); break;
        case 0xdc: bytes = 3; children = uint16At(frame, position + 1); break;
        case 0xdd: bytes = 5; children = uint32At(frame, position + 1); break;
        case 0xde: bytes = 3; children = 2 * uint16At(frame, position + 1); break;
        case 0xdf: bytes = 5; children = 2 * uint32At(frame, position + 1); break;
        default: bytes = size;
      }
    }
    position += bytes;
    while (open.length > 0 && open[open.length - 1] === 0) open.pop();
    if (open.length > 0) (open[open.length - 1] as number)--;
    if (children > 0 && open.push(children) > maxDepth) return `frame nests arrays and maps deeper than ${maxDepth} levels`;
  }
  return undefined;
}

/**
 * Bytes of each msgpack header from 0xc0 to 0xdf: the whole value for fixed-size types, the
 * type and length for variable ones, 0 for the one invalid type (0xc1).
 */
const HEADER_SIZES: readonly number[] = [
  1, 0, 1, 1, 2, 3, 5, 3, 4, 6, 5, 9, 2, 3, 5, 9, // c0 nil, c1 -, c2 c3 bools, c4-c6 bin, c7-c9 ext, ca cb floats, cc-cf uints
  2, 3, 5, 9, 3, 4, 6, 10, 18, 2, 3, 5, 3, 5, 3, 5, // d0-d3 ints, d4-d8 fixext, d9-db str, dc dd arrays, de df maps
];

function uint16At(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
}

function uint32At(bytes: Uint8Array, at: number): number {
  return (bytes[at] as number) * 0x1000000 + (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number));
}

/** Returns the envelope if `value` has the four fields with the right types, else a reason. */
export function checkEnvelope(value: unknown): WireEnvelope | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'envelope is not a map';
  const envelope = value as Record<string, unknown>;
  // Checked field by field, without loops: this runs once per message received.
  if (typeof envelope.from !== 'string') return "envelope field 'from' is missing or not a string";
  if (typeof envelope.to !== 'string') return "envelope field 'to' is missing or not a string";
  if (typeof envelope.name !== 'string') return "envelope field 'name' is missing or not a string";
  if (envelope.name.length > MAX_MESSAGE_NAME_LENGTH) return `envelope field 'name' is longer than ${MAX_MESSAGE_NAME_LENGTH} characters`;
  if (envelope.body === undefined && !('body' in envelope)) return "envelope field 'body' is missing";
  return envelope as unknown as WireEnvelope;
}
