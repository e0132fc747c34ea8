/**
 * The protobuf wire format by hand, for tests that must not use the product's own codec (or the
 * library behind it) to check it: messages are written as lists of (field number, value) and
 * read back as the same, so a test names every field by its number in Mesos' `.proto` files.
 */

/** A field's value: a varint (`number`, `bigint`, `boolean`), a double (`{ double }`), text, bytes, or an embedded message. */
export type WireValue = number | bigint | boolean | { readonly double: number } | string | Uint8Array | WireMessage;
/** A message: its fields in order, a repeated field once per entry. */
export type WireMessage = ReadonlyArray<readonly [number, WireValue]>;

function varint(value: bigint): number[] {
  const out: number[] = [];
  let rest = BigInt.asUintN(64, value);
  do {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest > 0n ? byte | 0x80 : byte);
  } while (rest > 0n);
  return out;
}

/** `message` in protobuf's wire format. */
export function encodeMessage(message: WireMessage): Buffer {
  const parts: Buffer[] = [];
  for (const [field, value] of message) {
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
      parts.push(Buffer.from([...varint(BigInt(field) << 3n), ...varint(BigInt(typeof value === 'boolean' ? Number(value) : value))]));
    } else if (typeof value === 'object' && 'double' in value) {
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleLE(value.double);
      parts.push(Buffer.from(varint((BigInt(field) << 3n) | 1n)), bytes);
    } else {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value instanceof Uint8Array ? Buffer.from(value) : encodeMessage(value);
      parts.push(Buffer.from([...varint((BigInt(field) << 3n) | 2n), ...varint(BigInt(bytes.length))]), bytes);
    }
  }
  return Buffer.concat(parts);
}

/** A field as read: a varint as a bigint, a fixed 64-bit field as its double, a length-delimited field as its bytes. */
export type ReadValue = bigint | { readonly double: number } | Buffer;

/** The fields of `bytes`, in order (fixed 32-bit fields are not used by the messages tested, and are refused). */
export function decodeMessage(bytes: Uint8Array): Array<[number, ReadValue]> {
  const out: Array<[number, ReadValue]> = [];
  let at = 0;
  const readVarint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= bytes.length) throw new Error('a varint runs past the end');
      const byte = bytes[at++] as number;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (at < bytes.length) {
    const key = readVarint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (wireType === 0) out.push([field, readVarint()]);
    else if (wireType === 1) {
      out.push([field, { double: Buffer.from(bytes.subarray(at, at + 8)).readDoubleLE() }]);
      at += 8;
    } else if (wireType === 2) {
      const length = Number(readVarint());
      out.push([field, Buffer.from(bytes.subarray(at, at + length))]);
      at += length;
    } else throw new Error(`wire type ${wireType} of field ${field} is not read here`);
  }
  return out;
}

/** The values of field `field` in `bytes` (a message), in order. */
export function fieldsOf(bytes: Uint8Array, field: number): ReadValue[] {
  return decodeMessage(bytes).filter(([number]) => number === field).map(([, value]) => value);
}

/** The one embedded message, text or bytes at `path` (field numbers, one per level), or undefined. */
export function bytesAt(bytes: Uint8Array, ...path: number[]): Buffer | undefined {
  let current: Buffer | undefined = Buffer.from(bytes);
  for (const field of path) {
    const value: ReadValue | undefined = current === undefined ? undefined : fieldsOf(current, field)[0];
    current = Buffer.isBuffer(value) ? value : undefined;
  }
  return current;
}

/** The varint at `path` (the last number is the varint's field), or undefined. */
export function varintAt(bytes: Uint8Array, ...path: number[]): bigint | undefined {
  const field = path[path.length - 1] as number;
  const parent = bytesAt(bytes, ...path.slice(0, -1));
  const value = parent === undefined ? undefined : fieldsOf(parent, field)[0];
  return typeof value === 'bigint' ? value : undefined;
}
