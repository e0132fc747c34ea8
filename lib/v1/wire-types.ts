/**
 * Protobuf's wire types checked against the declarations, before a body is decoded. The decoder
 * (protobufjs) reads a known field by its declared type whatever wire type the bytes give it: a
 * `DiskInfo.persistence` sent as a varint came out as an empty `Persistence`, and its `id` sent
 * as a varint came out as `''` (the bytes after it taken as its text), where Mesos' parser
 * refuses the body. So each known field's wire type is checked here, into every embedded message
 * the declarations name, and a body with one that does not match is refused, naming the field.
 * Fields no declaration names are skipped, as the decoder skips them. A `string` field's bytes
 * must be UTF-8: protobufjs would read bad bytes as U+FFFD, and a role or a name would be taken
 * for other text than was sent. (Mesos' proto2 parser logs such a field and keeps its bytes.)
 */
import { isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs';
import { MAX_BODY_DEPTH } from '../protocol/plain';

/** Protobuf's wire types, by number. */
const WIRE_TYPE_NAMES: readonly string[] = ['varint', '64-bit', 'length-delimited', 'start group', 'end group', '32-bit'];
/** An enum's wire type. */
const VARINT = 0;
/** A message's, a string's, bytes' and a packed repeated number's wire type. */
const LENGTH_DELIMITED = 2;
/** A map entry's key (Mesos' maps are `map<string, ...>`). */
const MAP_KEY_ID = 1;
/** A map entry's value. */
const MAP_VALUE_ID = 2;

/** A message's fields as the wire must show them: its name (for errors) and each field's expectation by number. */
interface MessageShape {
  readonly name: string;
  readonly expectedOf: (id: number) => Expected | undefined;
}

/** What one field (or a map entry's key or value) must look like on the wire. */
interface Expected {
  readonly name: string;
  readonly wireType: number;
  /** The embedded message's shape, to check inside it; undefined for anything but a message or a map entry. */
  readonly inner?: MessageShape;
  /** Whether it may also come packed (a repeated number, enum or bool). */
  readonly packable: boolean;
  /** A `string`: its bytes must be UTF-8 (read leniently, each bad byte would be U+FFFD). */
  readonly text?: boolean;
}

/**
 * Why `bytes` are not a `type` as far as wire types go (a known field whose wire type is not its
 * declared type's, a field numbered 0, an embedded message running past its parent's end, nesting
 * deeper than `MAX_BODY_DEPTH`), or undefined. Bytes cut short throw the reader's `RangeError`, as they make
 * the decoder throw.
 * @example wireTypeError(callType, body) // "field 'persistence' (1) of mesos.v1.Resource.DiskInfo has wire type 0 (varint), expected 2 (length-delimited)"
 */
export function wireTypeError(type: protobuf.Type, bytes: Uint8Array): string | undefined {
  return messageError(protobuf.Reader.create(bytes), bytes.length, 0, shapeOf(type));
}

/** Why the fields from `reader`'s position to `end` are not those of `shape`, or undefined. */
function messageError(reader: protobuf.Reader, end: number, depth: number, shape: MessageShape): string | undefined {
  if (depth > MAX_BODY_DEPTH) return `${shape.name} is nested deeper than ${MAX_BODY_DEPTH} messages`;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    // protobufjs skips it as an unknown field; Mesos' parser (and every other) refuses the body.
    if (id === 0) return `field number 0 in ${shape.name}: protobuf numbers fields from 1`;
    const expected = shape.expectedOf(id);
    if (expected === undefined) {
      reader.skipType(wireType);
      continue;
    }
    const packed = expected.packable && wireType === LENGTH_DELIMITED;
    if (wireType !== expected.wireType && !packed) {
      return `field '${expected.name}' (${id}) of ${shape.name} has wire type ${wireTypeText(wireType)}, expected ${wireTypeText(expected.wireType)}`;
    }
    if (wireType !== LENGTH_DELIMITED) {
      reader.skipType(wireType);
      continue;
    }
    const length = reader.uint32();
    const stop = reader.pos + length;
    if (stop > end) return `field '${expected.name}' (${id}) of ${shape.name} runs past the end of its message`;
    if (expected.inner !== undefined) {
      const error = messageError(reader, stop, depth + 1, expected.inner);
      if (error !== undefined) return error;
    } else if (expected.text === true && !isUtf8(reader.buf.subarray(reader.pos, stop))) {
      return `field '${expected.name}' (${id}) of ${shape.name} is not valid UTF-8 (a string; bytes go in a bytes field)`;
    }
    reader.pos = stop;
  }
  return undefined;
}

/**
 * Each message type's shape, made once: a body repeats a few types many times (a list of 100,000
 * resources), and a shape and its fields' expectations made anew at each field held the thread
 * 0.2 to 0.4 s a megabyte, ten times JSON's parse (the hostile review of GROW_VOLUME and the
 * operator API in protobuf).
 */
const shapes = new WeakMap<protobuf.Type, MessageShape>();

/** Shapes and field expectations made so far (`wireShapeCounts`). */
const made = { shapes: 0, expectations: 0 };

/**
 * How many message shapes and field expectations the check has made since the process started:
 * for tests, that checking a body makes them once per message type and field, whatever its length.
 */
export function wireShapeCounts(): { readonly shapes: number; readonly expectations: number } {
  return { ...made };
}

/** Message `type`'s shape (each field's expectation made at its first use, then kept). */
function shapeOf(type: protobuf.Type): MessageShape {
  const known = shapes.get(type);
  if (known !== undefined) return known;
  const expectations = new Map<number, Expected | undefined>();
  const expectedOf = (id: number): Expected | undefined => {
    if (expectations.has(id)) return expectations.get(id);
    const field = type.fieldsById[id];
    // Only declared numbers are kept: unknown ones (any of 2^29) would grow the map without bound.
    const expected = expectedOfField(field);
    made.expectations++;
    if (field !== undefined) expectations.set(id, expected);
    return expected;
  };
  const shape = { name: type.fullName.replace(/^\./, ''), expectedOf };
  made.shapes++;
  shapes.set(type, shape);
  return shape;
}

/** How `field` comes on the wire; a map field as its entries, each a message of key 1 and value 2. */
function expectedOfField(field: protobuf.Field | undefined): Expected | undefined {
  if (field === undefined) return undefined;
  if (field instanceof protobuf.MapField) return { name: field.name, wireType: LENGTH_DELIMITED, inner: mapEntryShape(field), packable: false };
  return expectedOfType(field.name, field.type, field.resolvedType, field.repeated);
}

/** A map field's entry: its key and its value (`key = 1`, `value = 2`). */
function mapEntryShape(field: protobuf.MapField): MessageShape {
  const key = expectedOfType('key', field.keyType, field.resolvedKeyType, false);
  const value = expectedOfType('value', field.type, field.resolvedType, false);
  const parent = field.parent === null ? '' : `${field.parent.fullName.replace(/^\./, '')}.`;
  return { name: `${parent}${field.name} entry`, expectedOf: (id) => (id === MAP_KEY_ID ? key : id === MAP_VALUE_ID ? value : undefined) };
}

/** How a field `name` of type `typeName` (resolved to `resolved` when not a basic type) comes on the wire. */
function expectedOfType(name: string, typeName: string, resolved: protobuf.ReflectionObject | null, repeated: boolean): Expected {
  if (resolved instanceof protobuf.Type) return { name, wireType: LENGTH_DELIMITED, inner: shapeOf(resolved), packable: false };
  if (resolved instanceof protobuf.Enum) return { name, wireType: VARINT, packable: repeated };
  const basic = (protobuf.types.basic as Readonly<Record<string, number | undefined>>)[typeName];
  // Every type of the schema is resolved before use (protobuf.ts resolves the root): another is a bug.
  if (basic === undefined) throw new Error(`field '${name}' has unresolved type '${typeName}'`);
  return { name, wireType: basic, packable: repeated && basic !== LENGTH_DELIMITED, ...(typeName === 'string' ? { text: true } : {}) };
}

/** A wire type's number and name: `0 (varint)`. */
function wireTypeText(wireType: number): string {
  const name = WIRE_TYPE_NAMES[wireType];
  return name === undefined ? String(wireType) : `${wireType} (${name})`;
}
