/**
 * The byte-level pieces of `SlicedEncoder`'s transcoding (JSON text straight to protobuf, no
 * object made per value): a reusable buffer that protobuf's wire form is written into, with
 * lengths put before what they measure once it is written, and the tables that find a field or
 * an enum value by the characters of its name as they lie in the text.
 */
import protobuf from 'protobufjs';

/** Bytes a sink starts with; it doubles when a value needs more (and keeps what it grew to). */
const SINK_START_BYTES = 64 * 1024;

/** The replacement character U+FFFD in UTF-8, written for a lone surrogate (as Node's `Buffer` does). */
const REPLACEMENT = [0xef, 0xbf, 0xbd] as const;

/** Bytes of `value`'s varint (a non-negative integer below 2^64). */
export function varintBytes(value: number): number {
  let bytes = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) bytes++;
  return bytes;
}

/**
 * A growable buffer a value's protobuf bytes are written into, reused value after value (so a
 * step of the encoding allocates nothing for them). A length-delimited field is opened (its tag
 * written, one byte left for its length) and closed once its bytes are in: a length over 127 moves
 * them up to make room, as protobuf's shortest varint wants.
 */
export class ByteSink {
  private bytes = new Uint8Array(SINK_START_BYTES);
  private view = new DataView(this.bytes.buffer);
  /** Bytes written. */
  length = 0;
  /** A high surrogate of a string waiting for its low half, or -1. */
  private high = -1;

  /** Empties it for the next value. */
  reset(): void {
    this.length = 0;
    this.high = -1;
  }

  /** What is written (a view: valid until the next write or `reset`). */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** Forgets what was written after `length` (a value that turned out not to be for the fast path). */
  truncate(length: number): void {
    this.length = length;
    this.high = -1;
  }

  /** Field `id`'s tag with wire type `wire`. */
  tag(id: number, wire: number): void {
    this.varint(id * 8 + wire);
  }

  /** A non-negative integer below 2^64 (any integer double there: dividing it by 128 is exact), as a varint. */
  varint(value: number): void {
    this.room(10);
    let rest = value;
    while (rest >= 0x80) {
      this.bytes[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.bytes[this.length++] = rest;
  }

  /** One byte (0-255). */
  byte(value: number): void {
    this.room(1);
    this.bytes[this.length++] = value;
  }

  double(value: number): void {
    this.room(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  float(value: number): void {
    this.room(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }

  /** Protobufjs' bytes, as they are (a value the codec encoded). */
  append(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Opens a length-delimited field `id`: its tag and a byte for its length; `close` takes what this returns. */
  open(id: number): number {
    this.tag(id, 2);
    this.room(1);
    this.length++;
    return this.length;
  }

  /** Puts the length of what was written since `open` (which returned `start`) before it. */
  close(start: number): void {
    const size = this.length - start;
    const extra = varintBytes(size) - 1;
    if (extra > 0) {
      this.room(extra);
      this.bytes.copyWithin(start + extra, start, this.length);
      this.length += extra;
    }
    let at = start - 1;
    let rest = size;
    while (rest >= 0x80) {
      this.bytes[at++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.bytes[at] = rest;
  }

  /**
   * One UTF-16 code unit of a string, as UTF-8: a surrogate pair as its one code point, a lone
   * surrogate as U+FFFD (as `Buffer.from(text)` writes it). `endString` ends the string.
   */
  codeUnit(code: number): void {
    this.room(4);
    if (this.high !== -1) {
      const high = this.high;
      this.high = -1;
      if (code >= 0xdc00 && code <= 0xdfff) {
        const point = 0x10000 + ((high - 0xd800) << 10) + (code - 0xdc00);
        this.bytes[this.length++] = 0xf0 | (point >> 18);
        this.bytes[this.length++] = 0x80 | ((point >> 12) & 0x3f);
        this.bytes[this.length++] = 0x80 | ((point >> 6) & 0x3f);
        this.bytes[this.length++] = 0x80 | (point & 0x3f);
        return;
      }
      this.replacement();
    }
    if (code < 0x80) {
      this.bytes[this.length++] = code;
    } else if (code < 0x800) {
      this.bytes[this.length++] = 0xc0 | (code >> 6);
      this.bytes[this.length++] = 0x80 | (code & 0x3f);
    } else if (code >= 0xd800 && code <= 0xdbff) {
      this.high = code;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      this.replacement();
    } else {
      this.bytes[this.length++] = 0xe0 | (code >> 12);
      this.bytes[this.length++] = 0x80 | ((code >> 6) & 0x3f);
      this.bytes[this.length++] = 0x80 | (code & 0x3f);
    }
  }

  /** Ends a string of `codeUnit`s (a high surrogate left alone is U+FFFD). */
  endString(): void {
    if (this.high === -1) return;
    this.high = -1;
    this.room(3);
    this.replacement();
  }

  private replacement(): void {
    for (const byte of REPLACEMENT) this.bytes[this.length++] = byte;
  }

  /** Makes room for `bytes` more. */
  private room(bytes: number): void {
    if (this.length + bytes <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + bytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** The hash `NameTable` files a name under, one character code at a time from 0. */
export function hashStep(hash: number, code: number): number {
  return (Math.imul(hash, 31) + code) | 0;
}

/** Names (a message's fields, an enum's values) found by the characters of the name where they lie in the text, without making a string of them. */
export class NameTable<T> {
  private readonly byHash = new Map<number, Array<{ readonly name: string; readonly value: T }>>();

  constructor(entries: Iterable<readonly [string, T]>) {
    for (const [name, value] of entries) {
      let hash = 0;
      for (let index = 0; index < name.length; index++) hash = hashStep(hash, name.charCodeAt(index));
      const list = this.byHash.get(hash);
      if (list === undefined) this.byHash.set(hash, [{ name, value }]);
      else list.push({ name, value });
    }
  }

  /** The entry named by `text`'s `length` characters from `start` (which hash to `hash`), if any. */
  find(hash: number, text: string, start: number, length: number): T | undefined {
    const list = this.byHash.get(hash);
    if (list === undefined) return undefined;
    for (const entry of list) if (entry.name.length === length && text.startsWith(entry.name, start)) return entry.value;
    return undefined;
  }
}

const fieldTables = new WeakMap<protobuf.Type, NameTable<protobuf.Field>>();
const valueTables = new WeakMap<protobuf.Enum, NameTable<number>>();

/** The table `cache` holds for `key`, made of `entriesOf(key)` the first time (module-level functions: a key's look-up, once per field of a text, makes nothing). */
function tableOf<K extends object, T>(cache: WeakMap<K, NameTable<T>>, key: K, entriesOf: (key: K) => Iterable<readonly [string, T]>): NameTable<T> {
  let table = cache.get(key);
  if (table === undefined) {
    table = new NameTable(entriesOf(key));
    cache.set(key, table);
  }
  return table;
}

function fieldEntries(type: protobuf.Type): Array<readonly [string, protobuf.Field]> {
  return type.fieldsArray.map((field) => [field.name, field] as const);
}

function valueEntries(type: protobuf.Enum): Array<[string, number]> {
  return Object.entries(type.values);
}

/** `type`'s fields by name (made once a type). */
export function fieldTable(type: protobuf.Type): NameTable<protobuf.Field> {
  return tableOf(fieldTables, type, fieldEntries);
}

/** `type`'s values by name (made once an enum). */
export function valueTable(type: protobuf.Enum): NameTable<number> {
  return tableOf(valueTables, type, valueEntries);
}
