import { Packr, Unpackr } from 'msgpackr';
import { isUtf8 } from 'node:buffer';

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

/**
 * Encodes one envelope. Frames are concatenations of encoded envelopes (a msgpack stream). Its
 * strings are UTF-8, as a receiver takes them (`checkFrame`): a lone surrogate (a string cut in
 * the middle of a pair, say) is written as U+FFFD, as `Buffer.from` and the protobuf writer write
 * it (msgpackr wrote it so in a string of 64 characters or more, and in a shorter one as the bytes
 * ED A0 80, which are not UTF-8, and which a receiver would refuse the message for).
 */
export function encodeEnvelope(envelope: WireEnvelope): Buffer {
  const encoded = packr.pack(envelope);
  // Every encoded surrogate starts with 0xED (so do a few other characters, and numbers and binaries may hold it).
  if (encoded.indexOf(0xed) !== -1) replaceEncodedSurrogates(encoded);
  return encoded;
}

/** Decodes every msgpack value in a frame; throws on undecodable bytes, and on a value `checkFrame` refuses. */
export function decodeFrame(frame: Buffer): unknown[] {
  const values: unknown[] = [];
  decodeFrameEach(frame, (value) => values.push(value), (reason) => { throw new Error(reason); });
  return values;
}

/**
 * Decodes a frame value by value, calling `onValue` for each as soon as it is decoded (so a big
 * frame never exists as one big array of objects). Throws on undecodable bytes; values before
 * the bad bytes have been passed on by then. A frame `checkFrame` refuses (nested deeper than
 * `MAX_DECODE_DEPTH`, ...) is refused whole, before anything is decoded; a value it refuses (a
 * string that is not UTF-8, ...) is not passed on: `onRefused` gets why (the others are).
 */
export function decodeFrameEach(frame: Buffer, onValue: (value: unknown) => void, onRefused: (reason: string) => void = () => {}): void {
  const checked = checkFrame(frame, MAX_DECODE_DEPTH);
  if (typeof checked === 'string') throw new Error(checked);
  if (checked === undefined) {
    unpackr.unpackMultiple(frame, (value: unknown) => { onValue(value); });
    return;
  }
  let index = 0;
  unpackr.unpackMultiple(frame, (value: unknown) => {
    const refused = checked.get(index++);
    if (refused === undefined) onValue(value);
    else onRefused(refused);
  });
}

/**
 * Deepest nesting of arrays and maps a frame may hold (envelope included; protocol bodies are
 * at most 64 levels deep). The decoder recurses once per level: deeper, it would overflow the
 * call stack at a depth that depends on what the JIT made of it, so one frame would decode in
 * one run and not in the next, and a seeded simulation would not replay (wire fuzzer, seed 1).
 */
export const MAX_DECODE_DEPTH = 128;

/**
 * Why `frame` nests arrays and maps deeper than `maxDepth` (or is refused whole by `checkFrame`),
 * or undefined.
 */
export function nestingError(frame: Uint8Array, maxDepth: number): string | undefined {
  const checked = checkFrame(frame, maxDepth);
  return typeof checked === 'string' ? checked : undefined;
}

/**
 * Extensions whose value is the msgpack value after them (msgpackr's Error, structured-clone id,
 * Set and RegExp): the two are one value of the frame.
 */
const EXTENSIONS_OF_THE_NEXT_VALUE: ReadonlySet<number> = new Set([0x65, 0x69, 0x73, 0x78]);

/**
 * Extensions that make msgpackr read values other than those that follow, in order: bundled
 * strings (0x62: strings read from the end of the frame, referred to by length) and record
 * definitions (0x72: fixints 0x40-0x7f then stand for records). This host's encoder writes
 * neither; a frame holding one is refused whole, as it could not be checked.
 */
const UNCHECKABLE_EXTENSIONS: ReadonlyMap<number, string> = new Map([[0x62, 'bundled strings'], [0x72, 'record definitions']]);

/**
 * What of `frame` is refused before it is decoded: a string (the whole frame), or, for each
 * top-level value (each envelope) refused alone, why by its index (undefined: none). A walk over
 * its msgpack structure with a stack of its own, skipping binaries and extensions by their
 * length. Refused whole: nesting of arrays and maps deeper than `maxDepth`, the byte 0xc1 that
 * msgpack never uses (msgpackr reads it as an object), an extension of `UNCHECKABLE_EXTENSIONS`.
 * Refused alone, as msgpackr would read them as other text than was sent:
 * - a string that is not UTF-8 (each bad byte would be U+FFFD: `'a<0xff>'` and `'a<0xfe>'` one
 *   principal or framework id; a lone surrogate's ED A0 80 three U+FFFD);
 * - a map key that is not a string (msgpackr makes text of it: 5 is '5', nil 'null'; this host's
 *   encoder writes an object's keys as strings).
 * A key `__proto__` is let through, and msgpackr reads it as `__proto_` (it never sets a
 * prototype): refused, it would drop every task launch of a framework whose offer filters name
 * the role `__proto__` (its FrameworkInfo travels with each), where the agent never reads them.
 * Bytes it cannot read (cut off) are left to the decoder to refuse. The payload an extension of
 * `EXTENSIONS_OF_THE_NEXT_VALUE` is followed by is walked as the next value.
 */
export function checkFrame(frame: Uint8Array, maxDepth: number): string | Map<number, string> | undefined {
  const stack = walkStack(maxDepth);
  /** Values still to read in each open array or map, innermost last (at `depth - 1`). */
  const open = stack.open;
  /** Whether each open container is a map (1). */
  const maps = stack.maps;
  /** Where the key of each open map's current entry starts and ends in `frame` (-1: none, or not a string). */
  const keyStarts = stack.keyStarts;
  const keyEnds = stack.keyEnds;
  let depth = 0;
  let refused: Map<number, string> | undefined;
  /** The top-level value being read. */
  let index = -1;
  /** Whether the value read next is an extension's (`EXTENSIONS_OF_THE_NEXT_VALUE`). */
  let ofExtension = false;
  const length = frame.length;
  let position = 0;
  while (position < length) {
    while (depth > 0 && open[depth - 1] === 0) depth--;
    let isKey = false;
    if (ofExtension) ofExtension = false;
    else if (depth === 0) index++;
    else {
      const remaining = open[depth - 1] as number;
      isKey = maps[depth - 1] === 1 && (remaining & 1) === 0;
      open[depth - 1] = remaining - 1;
    }
    const type = frame[position] as number;
    let bytes = 1;
    let children = 0;
    let isMap = 0;
    /** A string's header bytes (0: not a string). */
    let stringHeader = 0;
    if (type <= 0x7f || type >= 0xe0) bytes = 1;
    else if (type <= 0x8f) {
      children = 2 * (type & 0x0f);
      isMap = 1;
    } else if (type <= 0x9f) children = type & 0x0f;
    else if (type <= 0xbf) {
      bytes = 1 + (type & 0x1f);
      stringHeader = 1;
    } else {
      if (type === 0xc1) return 'the frame holds the byte 0xc1, which msgpack never uses';
      const size = HEADER_SIZES[type - 0xc0] as number;
      if (position + size > length) return refused; // cut off: the decoder says so
      bytes = valueBytes(frame, position, type);
      let extension = -1;
      switch (type) {
        case 0xd9: case 0xda: case 0xdb: stringHeader = size; break;
        // An extension's type follows its length: the byte before its data.
        case 0xc7: case 0xc8: case 0xc9: extension = frame[position + size - 1] as number; break;
        case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: extension = frame[position + 1] as number; break;
        case 0xdc: children = uint16At(frame, position + 1); break;
        case 0xdd: children = uint32At(frame, position + 1); break;
        case 0xde: children = 2 * uint16At(frame, position + 1); isMap = 1; break;
        case 0xdf: children = 2 * uint32At(frame, position + 1); isMap = 1; break;
      }
      if (extension !== -1) {
        const unchecked = UNCHECKABLE_EXTENSIONS.get(extension);
        if (unchecked !== undefined) return `the frame holds msgpackr's ${unchecked} (extension 0x${extension.toString(16)}), which this host never writes`;
        ofExtension = EXTENSIONS_OF_THE_NEXT_VALUE.has(extension);
      }
    }
    if (stringHeader > 0) {
      const start = position + stringHeader;
      const end = position + bytes;
      if (end <= length) {
        if (!isUtf8Between(frame, start, end)) {
          refused = refuseValue(refused, index, `${isKey ? 'a map key' : 'a string'}${wherePath(frame, stack, depth, isKey)} is not UTF-8 (msgpackr would read each bad byte as U+FFFD: other text than was sent)`);
        }
      }
      if (isKey) {
        keyStarts[depth - 1] = start;
        keyEnds[depth - 1] = end;
      }
    } else if (isKey) {
      refused = refuseValue(refused, index, `a map key${wherePath(frame, stack, depth, true)} is not a string (msgpackr would read it as text: 5 as '5', nil as 'null')`);
      keyStarts[depth - 1] = -1;
    }
    position += bytes;
    if (children > 0) {
      if (depth === maxDepth) return `frame nests arrays and maps deeper than ${maxDepth} levels`;
      // More than the bytes left is a cut-off frame (the decoder says so): the walk ends with the bytes.
      open[depth] = Math.min(children, length);
      maps[depth] = isMap;
      keyStarts[depth] = -1;
      depth++;
    }
  }
  return refused;
}

/** The stacks of `checkFrame`'s walk: one set, reused (the walk is synchronous), grown for a deeper `maxDepth`. */
interface WalkStack {
  readonly open: Int32Array;
  readonly maps: Uint8Array;
  readonly keyStarts: Int32Array;
  readonly keyEnds: Int32Array;
}

let walkStacks: WalkStack | undefined;

function walkStack(maxDepth: number): WalkStack {
  if (walkStacks === undefined || walkStacks.open.length < maxDepth) {
    const size = Math.max(maxDepth, MAX_DECODE_DEPTH);
    walkStacks = { open: new Int32Array(size), maps: new Uint8Array(size), keyStarts: new Int32Array(size), keyEnds: new Int32Array(size) };
  }
  return walkStacks;
}

/** `refused` with why top-level value `index` is refused (the first reason found is kept). */
function refuseValue(refused: Map<number, string> | undefined, index: number, reason: string): Map<number, string> {
  const into = refused ?? new Map<number, string>();
  if (!into.has(index)) into.set(index, reason);
  return into;
}

/** Longest path of keys quoted in a refusal. */
const MAX_QUOTED_PATH_CHARS = 128;

/**
 * ` under 'a.b'`: the keys of the maps the value being read lies in (its own map's too, unless
 * it is that map's key: `ownKey`), those that are UTF-8 strings (`?` for another); '' at the top.
 */
function wherePath(frame: Uint8Array, stack: WalkStack, depth: number, ownKey: boolean): string {
  const names: string[] = [];
  for (let level = 0; level < depth - (ownKey ? 1 : 0); level++) {
    if (stack.maps[level] !== 1) continue;
    const start = stack.keyStarts[level] as number;
    const end = stack.keyEnds[level] as number;
    names.push(start >= 0 && isUtf8Between(frame, start, end) ? Buffer.from(frame.buffer, frame.byteOffset + start, end - start).toString('utf8') : '?');
  }
  if (names.length === 0) return '';
  const path = names.join('.');
  return ` under '${path.length > MAX_QUOTED_PATH_CHARS ? `${path.slice(0, MAX_QUOTED_PATH_CHARS)}…` : path}'`;
}

/** Strings longer than this are checked by `isUtf8` at once (a view of them costs less than a loop over them here). */
const NATIVE_UTF8_CHECK_BYTES = 48;

/** Whether `frame`'s bytes from `start` to `end` are UTF-8: ASCII checked here, the rest (from the first byte that is not) by `isUtf8`. */
function isUtf8Between(frame: Uint8Array, start: number, end: number): boolean {
  if (end - start > NATIVE_UTF8_CHECK_BYTES) return isUtf8(frame.subarray(start, end));
  for (let at = start; at < end; at++) {
    if ((frame[at] as number) >= 0x80) return isUtf8(frame.subarray(at, end));
  }
  return true;
}

/**
 * Writes each surrogate encoded in the strings of `encoded` (ED A0-BF 80-BF: msgpackr's encoding
 * of a lone surrogate in a short string) as U+FFFD (EF BF BD), in place: a walk over the msgpack
 * values of what this host's encoder wrote (no extension reads other values than those that follow).
 */
function replaceEncodedSurrogates(encoded: Buffer): void {
  let position = 0;
  while (position < encoded.length) {
    const type = encoded[position] as number;
    let header = 1;
    let bytes = 1;
    let string = false;
    if (type >= 0xa0 && type <= 0xbf) {
      bytes = 1 + (type & 0x1f);
      string = true;
    } else if (type >= 0xc0 && type <= 0xdf) {
      header = HEADER_SIZES[type - 0xc0] as number;
      bytes = valueBytes(encoded, position, type);
      string = type >= 0xd9 && type <= 0xdb;
      if (bytes === 0) return;
    }
    if (string) {
      const end = Math.min(position + bytes, encoded.length);
      for (let at = encoded.indexOf(0xed, position + header); at !== -1 && at + 2 < end; at = encoded.indexOf(0xed, at + 1)) {
        const second = encoded[at + 1] as number;
        if (second >= 0xa0 && second <= 0xbf) {
          encoded[at] = 0xef;
          encoded[at + 1] = 0xbf;
          encoded[at + 2] = 0xbd;
          at += 2;
        }
      }
    }
    position += bytes;
  }
}

/**
 * Bytes of each msgpack header from 0xc0 to 0xdf: the whole value for fixed-size types, the
 * type and length for variable ones, 0 for the one invalid type (0xc1).
 */
const HEADER_SIZES: readonly number[] = [
  1, 0, 1, 1, 2, 3, 5, 3, 4, 6, 5, 9, 2, 3, 5, 9, // c0 nil, c1 -, c2 c3 bools, c4-c6 bin, c7-c9 ext, ca cb floats, cc-cf uints
  2, 3, 5, 9, 3, 4, 6, 10, 18, 2, 3, 5, 3, 5, 3, 5, // d0-d3 ints, d4-d8 fixext, d9-db str, dc dd arrays, de df maps
];

/**
 * The bytes of the msgpack value of `type` (0xc0-0xdf) at `position` in `frame`: its header and
 * what follows it for a binary, string or extension, its header alone for an array or a map (whose
 * values follow as values of their own), the whole value for a fixed-size type; 0 for 0xc1. The
 * header must lie in `frame` (`HEADER_SIZES`); the rest may be cut off.
 */
function valueBytes(frame: Uint8Array, position: number, type: number): number {
  switch (type) {
    case 0xc4: case 0xd9: return 2 + (frame[position + 1] as number);
    case 0xc5: case 0xda: return 3 + uint16At(frame, position + 1);
    case 0xc6: case 0xdb: return 5 + uint32At(frame, position + 1);
    case 0xc7: return 3 + (frame[position + 1] as number);
    case 0xc8: return 4 + uint16At(frame, position + 1);
    case 0xc9: return 6 + uint32At(frame, position + 1);
    default: return HEADER_SIZES[type - 0xc0] as number;
  }
}

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
