/**
 * A large v1 answer's JSON text (GET_STATE's, SUBSCRIBED's: ~180 MB at 100k agents) encoded as
 * a protobuf message a slice per turn of the event loop, so that no request holds the host's
 * thread long, as the JSON text itself is written a slice per turn.
 *
 * Protobuf lets a message be the concatenation of its encoded fields, and a repeated field the
 * concatenation of its elements, so the text is read as it comes (its pieces are not joined) and
 * each value small enough (`PROTOBUF_WHOLE_VALUE_CHARS`: a task, an agent, an offer) is encoded
 * at once; a larger message (the state, its task list, a framework with thousands of offers) is
 * entered and encoded a field at a time. An embedded message needs its length before its bytes,
 * so a text is read twice (`lib/v1/streamed-protobuf.ts`): a first pass finds the length of each
 * message read a field at a time (`SizingTarget`), and the second writes the bytes in order as
 * they come (`StreamTarget`), nothing held but a step's. Each step stops once it has read a
 * turn's characters (`charsPerTurn`); a step may read one whole value past it.
 *
 * A small value is transcoded: its text read a character at a time and written as protobuf into
 * one reused buffer (`ByteSink`), with no object made for it. The first version parsed each value
 * and encoded it with protobufjs (`fromObject`, `encode`), and so allocated several times the
 * text: at 100k agents, with a 1.4 GB heap, V8 paid its incremental marking in the steps that
 * allocated, 0.3-1.5 s in one step (docs/scale.md, the twentieth session). The common fields
 * (messages, strings, bools, doubles, floats, non-negative integers, enums by name, canonical
 * base64 bytes) are written as protobufjs writes them; anything else (a negative integer, a
 * number given as a text, other base64, a packed list, a map, an unknown enum name) is handed to
 * the same codec `lib/v1/protobuf.ts`
 * uses, as the one field it is of its message, so every rule of the JSON mapping stays that
 * codec's.
 *
 * The text is this cluster's own JSON (`StateFragments`' pieces): text that is not JSON, or not a
 * message of the type, is a bug, and throws.
 */
import protobuf from 'protobufjs';
import { ByteSink, fieldTable, hashStep, valueTable, varintBytes } from './protobuf-sink';

/**
 * Longest text of a value encoded at once (a task, an agent, an executor, an offer: ~0.5-5 KB
 * each); a message longer than this is encoded a field at a time, a list an element at a time.
 */
export const PROTOBUF_WHOLE_VALUE_CHARS = 16 * 1024;

/** Protobuf's length-delimited wire type (an embedded message's). */
const LENGTH_DELIMITED = 2;

/** What a sliced encoding did, for tests and the benchmark. */
export interface SlicedEncodingFigures {
  /** Steps (turns) it took. */
  readonly turns: number;
  /** Characters of JSON read, counting those looked ahead at to size a value. */
  readonly chars: number;
  /** Most characters one step read. */
  readonly mostCharsInATurn: number;
  /** The longest step's wall time, ms (`StepFigures` times the steps; 0 from an encoder's own figures). */
  readonly longestTurnMs: number;
  /** The process' CPU time in that step, ms (all threads), as the scale benchmark reads a busy machine. */
  readonly longestTurnCpuMs: number;
  /** When that step began (`performance.now()`), to find the collections in it. */
  readonly longestTurnAt: number;
  /** Values handed to protobufjs (parsed and encoded as objects): what the transcoding does not write itself. */
  readonly codecValues: number;
}

/** A place in the text: a piece and an offset in it. */
interface Position {
  readonly index: number;
  readonly offset: number;
}

/**
 * Where an encoding's bytes go: every value's bytes are added to the innermost message read a
 * field at a time (opened before, closed after its fields). Two: its messages' sizes only
 * (`SizingTarget`, the first pass over a text) and the bytes in order as they come, each message's
 * length (from the first pass) before its fields (`StreamTarget`, the second).
 */
export interface EncodingTarget {
  /** A message read a field at a time begins: field `field` of the message around it (undefined: the outermost). */
  open(field: protobuf.Field | undefined): void;
  /** Bytes of the innermost open message (a view of a reused buffer: copy what is kept). */
  add(bytes: Uint8Array): void;
  /** The innermost open message ends. */
  close(field: protobuf.Field | undefined): void;
}

/**
 * The sizes of the messages read a field at a time, in the order they open (the outermost's
 * first: the whole message's): what a streamed encoding must write before a message's fields.
 */
export class SizingTarget implements EncodingTarget {
  readonly sizes: number[] = [];
  /** The open messages, innermost last: where each one's size goes, and its bytes so far. */
  private readonly opened: Array<{ index: number; size: number }> = [];

  open(): void {
    this.opened.push({ index: this.sizes.length, size: 0 });
    this.sizes.push(0);
  }

  add(bytes: Uint8Array): void {
    (this.opened[this.opened.length - 1] as { size: number }).size += bytes.length;
  }

  close(field: protobuf.Field | undefined): void {
    const closed = this.opened.pop() as { index: number; size: number };
    this.sizes[closed.index] = closed.size;
    const parent = this.opened[this.opened.length - 1];
    if (parent !== undefined) parent.size += varintBytes(((field as protobuf.Field).id << 3) | LENGTH_DELIMITED) + varintBytes(closed.size) + closed.size;
  }
}

/**
 * The message's bytes in order, as they are read: a message read a field at a time has its tag
 * and length (`sizes`, from a `SizingTarget` over the same text) written when it opens. What a
 * step wrote is `fragment()`, in one buffer reused after `reset()`.
 */
export class StreamTarget implements EncodingTarget {
  private readonly buffer = new ByteSink();
  private opened = 0;

  constructor(private readonly sizes: readonly number[]) {}

  open(field: protobuf.Field | undefined): void {
    const size = this.sizes[this.opened++];
    if (size === undefined) throw new Error('the text holds more messages than its sizing found');
    if (field === undefined) return;
    this.buffer.tag(field.id, LENGTH_DELIMITED);
    this.buffer.varint(size);
  }

  add(bytes: Uint8Array): void {
    this.buffer.append(bytes);
  }

  close(): void {}

  /** What was written since the last `reset` (a view of the reused buffer). */
  fragment(): Uint8Array {
    return this.buffer.written();
  }

  /** Empties the buffer: the last fragment is no longer read. */
  reset(): void {
    this.buffer.reset();
  }
}

/** A message being read a field at a time. */
interface MessageContext {
  readonly kind: 'message';
  readonly type: protobuf.Type;
  /** Its field in the message around it (undefined for the outermost). */
  readonly field: protobuf.Field | undefined;
  /** Whether a field has been read (a `,` comes before the next). */
  started: boolean;
}

/** A repeated message field's list being read an element at a time. */
interface ListContext {
  readonly kind: 'list';
  readonly field: protobuf.Field;
  readonly element: protobuf.Type;
  /** The message the field is of. */
  readonly owner: MessageContext;
  started: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const LOWER_F = 0x66;
const LOWER_U = 0x75;
const SLASH = 0x2f;
const EQUALS = 0x3d;

/** Protobuf's wire types. */
const VARINT = 0;
const FIXED64 = 1;
const FIXED32 = 5;

/** Largest power of ten a double holds exactly. */
const EXACT_POWER = 22;
const POWERS_OF_TEN = Array.from({ length: EXACT_POWER + 1 }, (_, power) => 10 ** power);
/**
 * Each integer type's values on the fast path are below this (larger, or negative, go to the
 * codec). A 64-bit one may be past 2^53 (a time in nanoseconds): JSON.parse reads it as the
 * nearest double, an integer, whose varint `ByteSink.varint` writes exactly (dividing by 128 is
 * exact), as protobufjs writes the Long it makes of that double.
 */
const BELOW: Readonly<Record<string, number>> = { int32: 2 ** 31, uint32: 2 ** 32, int64: 2 ** 63, uint64: 2 ** 64 };

/** A JSON escape's character (after the backslash), or -1 for `u` (four hex digits follow) and for what is not an escape. */
function escapedCode(code: number): number {
  switch (code) {
    case QUOTE: case BACKSLASH: case SLASH: return code;
    case 0x62: return 0x08;
    case 0x66: return 0x0c;
    case 0x6e: return 0x0a;
    case 0x72: return 0x0d;
    case 0x74: return 0x09;
    default: return -1;
  }
}

/** A base64 character's six bits (the standard alphabet), or -1. */
function base64Value(code: number): number {
  if (code >= 0x41 && code <= 0x5a) return code - 0x41;
  if (code >= 0x61 && code <= 0x7a) return code - 0x61 + 26;
  if (code >= DIGIT_0 && code <= DIGIT_9) return code - DIGIT_0 + 52;
  if (code === PLUS) return 62;
  if (code === SLASH) return 63;
  return -1;
}

/**
 * Decodes `text` from `start` to `end` into `sink` if it is canonical base64 (`A-Z a-z 0-9 + /`,
 * a length that is a multiple of 4, at most two `=` at its end), as protobufjs decodes it; false
 * (with part of it written) for anything else.
 */
function decodeBase64(text: string, start: number, end: number, sink: ByteSink): boolean {
  const length = end - start;
  if (length % 4 !== 0) return false;
  const padding = length === 0 ? 0 : (text.charCodeAt(end - 1) === EQUALS ? 1 : 0) + (text.charCodeAt(end - 2) === EQUALS ? 1 : 0);
  for (let at = start; at < end; at += 4) {
    const last = at + 4 === end;
    const a = base64Value(text.charCodeAt(at));
    const b = base64Value(text.charCodeAt(at + 1));
    const c = last && padding === 2 ? 0 : base64Value(text.charCodeAt(at + 2));
    const d = last && padding >= 1 ? 0 : base64Value(text.charCodeAt(at + 3));
    if ((a | b | c | d) < 0) return false;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    sink.byte(bits >> 16);
    if (!(last && padding === 2)) sink.byte((bits >> 8) & 0xff);
    if (!(last && padding >= 1)) sink.byte(bits & 0xff);
  }
  return true;
}

function hexValue(code: number): number {
  if (code >= DIGIT_0 && code <= DIGIT_9) return code - DIGIT_0;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function isNumberCharacter(code: number): boolean {
  return (code >= DIGIT_0 && code <= DIGIT_9) || code === MINUS || code === PLUS || code === DOT || code === LOWER_E || code === UPPER_E;
}

/**
 * The JSON number `text` holds from `start` to `end`, as `JSON.parse` reads it, or NaN if that
 * is not a JSON number. A decimal whose digits make an integer below 2^53 and whose power of ten
 * is at most `EXACT_POWER` is one multiplication or division of two exact doubles, so correctly
 * rounded, and made without a string; others (17 significant digits, far exponents) are read by
 * `Number` from a slice of the text.
 */
function decimalValue(text: string, start: number, end: number): number {
  let at = start;
  const negative = text.charCodeAt(at) === MINUS;
  if (negative) at++;
  let mantissa = 0;
  let exact = true;
  let power = 0;
  let integerDigits = 0;
  for (; at < end; at++) {
    const code = text.charCodeAt(at);
    if (code < DIGIT_0 || code > DIGIT_9) break;
    if (integerDigits === 1 && mantissa === 0) return Number.NaN; // a leading zero
    integerDigits++;
    const next = mantissa * 10 + (code - DIGIT_0);
    if (next <= Number.MAX_SAFE_INTEGER) mantissa = next;
    else {
      power++;
      if (code !== DIGIT_0) exact = false;
    }
  }
  if (integerDigits === 0) return Number.NaN;
  if (at < end && text.charCodeAt(at) === DOT) {
    at++;
    let fractionDigits = 0;
    for (; at < end; at++) {
      const code = text.charCodeAt(at);
      if (code < DIGIT_0 || code > DIGIT_9) break;
      fractionDigits++;
      const next = mantissa * 10 + (code - DIGIT_0);
      if (next <= Number.MAX_SAFE_INTEGER) {
        mantissa = next;
        power--;
      } else if (code !== DIGIT_0) {
        exact = false;
      }
    }
    if (fractionDigits === 0) return Number.NaN;
  }
  if (at < end) {
    const mark = text.charCodeAt(at++);
    if (mark !== LOWER_E && mark !== UPPER_E) return Number.NaN;
    const sign = text.charCodeAt(at);
    if (sign === MINUS || sign === PLUS) at++;
    let exponent = 0;
    let exponentDigits = 0;
    for (; at < end; at++) {
      const code = text.charCodeAt(at);
      if (code < DIGIT_0 || code > DIGIT_9) return Number.NaN;
      if (exponent < 100_000) exponent = exponent * 10 + (code - DIGIT_0);
      exponentDigits++;
    }
    if (exponentDigits === 0) return Number.NaN;
    power += sign === MINUS ? -exponent : exponent;
  }
  let value: number;
  if (mantissa === 0 && exact) value = 0;
  else if (exact && power === 0) value = mantissa;
  else if (exact && power > 0 && power <= EXACT_POWER) value = mantissa * (POWERS_OF_TEN[power] as number);
  else if (exact && power < 0 && -power <= EXACT_POWER) value = mantissa / (POWERS_OF_TEN[-power] as number);
  else return Number(text.slice(start, end));
  return negative ? -value : value;
}

/** Field `id` as the varint `value` (a non-negative integer); false, writing nothing, for none. */
function varintField(sink: ByteSink, id: number, value: number | undefined): boolean {
  if (value === undefined || value < 0) return false;
  sink.tag(id, VARINT);
  sink.varint(value);
  return true;
}

/** Whether `code` ends a scalar value in JSON (a number or a literal). */
function endsScalar(code: number): boolean {
  return code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isSpace(code);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Reads the JSON text `parts` (one message of `type`, in v1 JSON) a step at a time, its protobuf
 * going to `target` (its messages' sizes, or its bytes in order): `step()` reads about
 * `charsPerTurn` characters, and says when the message is done. `type` is one whose fields are
 * all optional (`v1FieldwiseMessageType`): a field is encoded on its own as its message's only
 * field.
 * @example
 *   const sizing = new SizingTarget();
 *   const encoder = new SlicedEncoder(v1FieldwiseMessageType('master', 'response'), textParts.parts, PROTOBUF_ENCODED_CHARS_PER_TURN, sizing);
 *   while (!encoder.step()) await nextTurn();
 *   sizing.sizes[0]; // the message's length in bytes
 */
export class SlicedEncoder {
  /** The contexts open, innermost last; empty before the first step and once done. */
  private readonly stack: Array<MessageContext | ListContext> = [];
  private index = 0;
  private offset = 0;
  private done = false;
  /** Characters read (and looked ahead at) in all, and by the step under way. */
  private chars = 0;
  private steps = 0;
  private mostInAStep = 0;
  private codecValues = 0;
  /** The hash of the name `quotedName` last found. */
  private nameHash = 0;
  /** Where each small value's bytes are written, value after value. */
  private readonly sink = new ByteSink();
  constructor(private readonly type: protobuf.Type, private readonly parts: readonly string[], private readonly charsPerTurn: number, private readonly target: EncodingTarget) {
    if (!(charsPerTurn > 0)) throw new Error(`charsPerTurn must be positive, not ${charsPerTurn}`);
  }

  /** What it did so far. */
  get figures(): SlicedEncodingFigures {
    return { turns: this.steps, chars: this.chars, mostCharsInATurn: this.mostInAStep, longestTurnMs: 0, longestTurnCpuMs: 0, longestTurnAt: 0, codecValues: this.codecValues };
  }

  /**
   * Encodes about a turn's worth: until it has read `charsPerTurn` characters, or (checked
   * between values) the clock (`performance.now()`) is past `deadline`; one value at least. True
   * once the whole message is encoded.
   */
  step(deadline = Infinity): boolean {
    if (this.done) return true;
    const start = this.chars;
    this.steps++;
    try {
      if (this.steps === 1) this.open(this.type, undefined);
      do this.advance();
      while (this.chars - start < this.charsPerTurn && !this.done && (deadline === Infinity || performance.now() < deadline));
    } finally {
      this.mostInAStep = Math.max(this.mostInAStep, this.chars - start);
    }
    return this.done;
  }

  /** Reads the next token of the innermost context: a field, an element, or its end. */
  private advance(): void {
    const context = this.stack[this.stack.length - 1];
    if (context === undefined) throw new Error('nothing open');
    const code = this.peek();
    const close = context.kind === 'message' ? CLOSE_BRACE : CLOSE_BRACKET;
    if (code === close) {
      this.skip(1);
      this.closeContext(context);
      return;
    }
    if (context.started) {
      if (code !== COMMA) this.fail(`',' or '${String.fromCharCode(close)}'`);
      this.skip(1);
      this.peek();
    }
    context.started = true;
    if (context.kind === 'message') this.field(context);
    else this.element(context);
  }

  /** One `"name": value` of `context`'s message. */
  private field(context: MessageContext): void {
    const field = this.fieldOf(context.type);
    const end = this.valueEnd(field === undefined ? Infinity : PROTOBUF_WHOLE_VALUE_CHARS);
    if (field === undefined) {
      // No such field: skipped, as protobufjs skips it when it encodes a whole value.
      this.moveTo(end as Position);
      return;
    }
    const resolved = field.resolvedType;
    if (end === undefined && resolved instanceof protobuf.Type && !field.map) {
      if (field.repeated) {
        this.expect(OPEN_BRACKET);
        this.stack.push({ kind: 'list', field, element: resolved, owner: context, started: false });
      } else {
        this.open(resolved, field);
      }
      return;
    }
    // Small, or not a message (a long text, a large map): encoded whole, as the field it is of its message.
    this.transcode(end ?? (this.valueEnd(Infinity) as Position), context.type, field, false);
  }

  /** One element of a repeated message field. */
  private element(context: ListContext): void {
    const end = this.valueEnd(PROTOBUF_WHOLE_VALUE_CHARS);
    if (end === undefined) {
      this.open(context.element, context.field);
      return;
    }
    // As the one element of its field of the message around it.
    const { owner, field } = context;
    this.transcode(end, owner.type, field, true);
  }

  /**
   * The value from here to `end` (field `field` of a `type` message, or one element of it) written
   * into the reused sink, and its bytes added to the innermost open message. Reading it again counts no characters
   * (looking ahead for `end` did).
   */
  private transcode(end: Position, type: protobuf.Type, field: protobuf.Field, element: boolean): void {
    const chars = this.chars;
    this.sink.reset();
    if (element) this.writeOne(type, field, this.sink, true);
    else this.writeField(type, field, this.sink);
    this.chars = chars;
    this.moveTo(end);
    this.target.add(this.sink.written());
  }

  /** Field `field` of a `type` message, its value here, into `sink` (nothing for `null`, as protobufjs). */
  private writeField(type: protobuf.Type, field: protobuf.Field, sink: ByteSink): void {
    const code = this.peek();
    if (code === LOWER_N && this.literal('null')) return;
    if (field.map || (field.repeated && (field.packed || code !== OPEN_BRACKET))) {
      this.viaCodec(type, field, sink, false);
      return;
    }
    if (!field.repeated) {
      this.writeOne(type, field, sink, false);
      return;
    }
    this.skip(1);
    for (let first = true; this.another(CLOSE_BRACKET, first); first = false) this.writeOne(type, field, sink, true);
  }

  /** One value of `field` (an element, if `element`), here, into `sink`: directly where it is a common case, else by the codec. */
  private writeOne(type: protobuf.Type, field: protobuf.Field, sink: ByteSink, element: boolean): void {
    const index = this.index;
    const offset = this.offset;
    const length = sink.length;
    if (this.writeDirectly(field, sink)) return;
    // Not a common case: what was read and written is undone, and the codec has the value.
    this.index = index;
    this.offset = offset;
    sink.truncate(length);
    this.viaCodec(type, field, sink, element);
  }

  /** Writes the value here of `field` as protobufjs writes it, for the common cases (the module's doc); false for any other. */
  private writeDirectly(field: protobuf.Field, sink: ByteSink): boolean {
    const code = this.peek();
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      if (code !== OPEN_BRACE) return false;
      const start = sink.open(field.id);
      this.writeMessage(resolved, sink);
      sink.close(start);
      return true;
    }
    if (resolved instanceof protobuf.Enum) return varintField(sink, field.id, code === QUOTE ? this.enumValue(resolved) : this.integer(BELOW.int32 as number));
    switch (field.type) {
      case 'string':
      case 'bytes': {
        if (code !== QUOTE) return false;
        const start = sink.open(field.id);
        if (!(field.type === 'string' ? this.writeString(sink) : this.writeBase64(sink))) return false;
        sink.close(start);
        return true;
      }
      case 'bool':
        return varintField(sink, field.id, code === LOWER_T && this.literal('true') ? 1 : code === LOWER_F && this.literal('false') ? 0 : undefined);
      case 'double':
      case 'float': {
        const value = this.number();
        if (Number.isNaN(value)) return false;
        sink.tag(field.id, field.type === 'double' ? FIXED64 : FIXED32);
        if (field.type === 'double') sink.double(value);
        else sink.float(value);
        return true;
      }
      default: {
        const below = BELOW[field.type];
        return below !== undefined && varintField(sink, field.id, this.integer(below));
      }
    }
  }

  /**
   * At the next item of a list or object that `close` ends (its first if `first`): past the close,
   * false (no more); past the comma before the item, true.
   */
  private another(close: number, first: boolean): boolean {
    const code = this.peek();
    if (code === close) {
      this.skip(1);
      return false;
    }
    if (!first) {
      if (code !== COMMA) this.fail(`',' or '${String.fromCharCode(close)}'`);
      this.skip(1);
    }
    return true;
  }

  /** A message's fields, at its `{`, into `sink` (their field's header is the caller's). */
  private writeMessage(type: protobuf.Type, sink: ByteSink): void {
    this.skip(1);
    for (let first = true; this.another(CLOSE_BRACE, first); first = false) {
      const field = this.fieldOf(type);
      if (field === undefined) this.moveTo(this.valueEnd(Infinity) as Position);
      else this.writeField(type, field, sink);
    }
  }

  /**
   * The value here (of `field`, an element of it if `element`) parsed and encoded by protobufjs
   * as the one field of a `type` message: what the fast path does not write (see the module's
   * doc), with every rule of the codec's JSON mapping.
   */
  private viaCodec(type: protobuf.Type, field: protobuf.Field, sink: ByteSink, element: boolean): void {
    const value = this.parseTo(this.valueEnd(Infinity) as Position);
    this.codecValues++;
    sink.append(type.encode(type.fromObject({ [field.name]: element ? [value] : value })).finish());
  }

  /** Whether `word` is here whole (in this piece); if so, moves past it. */
  private literal(word: string): boolean {
    const piece = this.parts[this.index] as string;
    if (!piece.startsWith(word, this.offset)) return false;
    const after = this.offset + word.length;
    if (after < piece.length && !endsScalar(piece.charCodeAt(after))) return false;
    this.offset = after;
    return true;
  }

  /**
   * A string here, at its `"`, written as UTF-8 into `sink` (the cursor past its closing `"`);
   * false (the cursor wherever it stopped) for an escape that is not JSON's.
   */
  private writeString(sink: ByteSink): boolean {
    this.offset++;
    pieces: for (;;) {
      const piece = this.parts[this.index];
      if (piece === undefined) this.fail('the end of a string');
      let at = this.offset;
      while (at < piece.length) {
        const code = piece.charCodeAt(at++);
        if (code === QUOTE) {
          this.offset = at;
          sink.endString();
          return true;
        }
        if (code === BACKSLASH) {
          this.offset = at;
          const unit = this.escape();
          if (unit < 0) return false;
          sink.codeUnit(unit);
          continue pieces;
        }
        sink.codeUnit(code);
      }
      this.index++;
      this.offset = 0;
    }
  }

  /**
   * A `bytes` value here, at its `"`: canonical base64 (`decodeBase64`) decoded into `sink` (the
   * cursor past its closing `"`); false for anything else (the codec reads it, or refuses it).
   */
  private writeBase64(sink: ByteSink): boolean {
    const piece = this.parts[this.index] as string;
    const start = this.offset + 1;
    let end = start;
    while (end < piece.length && piece.charCodeAt(end) !== QUOTE) end++;
    if (end < piece.length) {
      if (!decodeBase64(piece, start, end, sink)) return false;
      this.offset = end + 1;
      return true;
    }
    // Split between pieces of the text: put together (with its quotes).
    const after = this.valueEnd(Infinity) as Position;
    const text = this.textTo(after);
    if (!decodeBase64(text, 1, text.length - 1, sink)) return false;
    this.moveTo(after);
    return true;
  }

  /** The code unit of the escape after a `\\` (the cursor past it, across pieces), or -1 if it is not one. */
  private escape(): number {
    const code = this.nextCode();
    const simple = escapedCode(code);
    if (simple >= 0 || code !== LOWER_U) return simple;
    let unit = 0;
    for (let digit = 0; digit < 4; digit++) {
      const value = hexValue(this.nextCode());
      if (value < 0) return -1;
      unit = unit * 16 + value;
    }
    return unit;
  }

  /** The character here, moving past it (to the next piece if need be); -1 at the end. */
  private nextCode(): number {
    for (; this.index < this.parts.length; this.index++, this.offset = 0) {
      const piece = this.parts[this.index] as string;
      if (this.offset < piece.length) return piece.charCodeAt(this.offset++);
    }
    return -1;
  }

  /** An enum value named by the string here (the cursor past it), or undefined (a name the enum lacks). */
  private enumValue(type: protobuf.Enum): number | undefined {
    const close = this.quotedName();
    if (close >= 0) {
      const start = this.offset + 1;
      const value = valueTable(type).find(this.nameHash, this.parts[this.index] as string, start, close - start);
      if (value !== undefined) this.offset = close + 1;
      return value;
    }
    // Escaped, or split between two pieces of the text (rare): the name as JSON reads it.
    const end = this.valueEnd(PROTOBUF_WHOLE_VALUE_CHARS);
    if (end === undefined) return undefined;
    const name = JSON.parse(this.textTo(end)) as unknown;
    if (typeof name !== 'string' || !Object.hasOwn(type.values, name)) return undefined;
    this.moveTo(end);
    return type.values[name];
  }

  /**
   * Where the string at the cursor (its `"`) closes in this piece, its characters' hash left in
   * `nameHash` (`NameTable`'s); -1 if it has an escape or goes on into the next piece. No string
   * is made: a field's or enum value's name is found where it lies.
   */
  private quotedName(): number {
    const piece = this.parts[this.index] as string;
    let hash = 0;
    for (let at = this.offset + 1; at < piece.length; at++) {
      const code = piece.charCodeAt(at);
      if (code === BACKSLASH) return -1;
      if (code === QUOTE) {
        this.nameHash = hash;
        return at;
      }
      hash = hashStep(hash, code);
    }
    return -1;
  }

  /** A non-negative integer below `below` here (the cursor past it), or undefined (the cursor anywhere: `writeOne` puts it back). */
  private integer(below: number): number | undefined {
    const value = this.number();
    return Number.isInteger(value) && value >= 0 && value < below && !Object.is(value, -0) ? value : undefined;
  }

  /** The JSON number here (the cursor past it), or NaN for one split across pieces or not JSON's. */
  private number(): number {
    const piece = this.parts[this.index] as string;
    const start = this.offset;
    let end = start;
    while (end < piece.length && isNumberCharacter(piece.charCodeAt(end))) end++;
    if (end === start) return Number.NaN;
    if (end < piece.length || this.index === this.parts.length - 1) {
      const value = decimalValue(piece, start, end);
      if (!Number.isNaN(value)) this.offset = end;
      return value;
    }
    // Split between pieces of the text (a few a rendering): the token put together.
    const after = this.valueEnd(Infinity) as Position;
    const token = this.textTo(after);
    const value = decimalValue(token, 0, token.length);
    if (!Number.isNaN(value)) this.moveTo(after);
    return value;
  }

  /** Enters a message of `type` (field `field` of the one around it) at its `{`. */
  private open(type: protobuf.Type, field: protobuf.Field | undefined): void {
    this.expect(OPEN_BRACE);
    this.target.open(field);
    this.stack.push({ kind: 'message', type, field, started: false });
  }

  private closeContext(context: MessageContext | ListContext): void {
    this.stack.pop();
    if (context.kind === 'list') return;
    if (this.stack.length === 0) {
      this.peek();
      if (this.index < this.parts.length) this.fail('the end of the text');
      this.done = true;
    }
    this.target.close(context.field);
  }

  /**
   * The field of `type` named by the key here, and past the `:` after it; undefined for a name
   * `type` lacks. The name is found where it lies in the text, without making a string of it, unless
   * it has an escape or is split across pieces (then it is parsed).
   */
  private fieldOf(type: protobuf.Type): protobuf.Field | undefined {
    if (this.peek() !== QUOTE) this.fail('a field name');
    const close = this.quotedName();
    let field: protobuf.Field | undefined;
    if (close >= 0) {
      const start = this.offset + 1;
      field = fieldTable(type).find(this.nameHash, this.parts[this.index] as string, start, close - start);
      this.skip(close + 1 - this.offset);
    } else {
      const end = this.valueEnd(PROTOBUF_WHOLE_VALUE_CHARS);
      if (end === undefined) this.fail(`a field name of at most ${PROTOBUF_WHOLE_VALUE_CHARS} characters`);
      const name = this.parseTo(end);
      field = typeof name === 'string' && Object.hasOwn(type.fields, name) ? type.fields[name] : undefined;
    }
    if (this.peek() !== COLON) this.fail("':'");
    this.skip(1);
    this.peek();
    return field;
  }

  /** The value from here to `end`, parsed; the position moves to `end`. */
  private parseTo(end: Position): unknown {
    const text = this.textTo(end);
    this.moveTo(end);
    return JSON.parse(text) as unknown;
  }

  /** The text from here to `end` (joined from the pieces it spans). */
  private textTo(end: Position): string {
    if (end.index === this.index) return (this.parts[this.index] as string).slice(this.offset, end.offset);
    let text = (this.parts[this.index] as string).slice(this.offset);
    for (let index = this.index + 1; index < end.index; index++) text += this.parts[index] as string;
    return text + (this.parts[end.index] ?? '').slice(0, end.offset);
  }

  private moveTo(end: Position): void {
    this.index = end.index;
    this.offset = end.offset;
  }

  /**
   * Where the value starting here ends, if it is at most `limit` characters; undefined if longer.
   * The characters looked at count as read.
   */
  private valueEnd(limit: number): Position | undefined {
    let index = this.index;
    let offset = this.offset;
    let scanned = 0;
    let depth = 0;
    let inString = false;
    let escaped = false;
    let scalar: boolean | undefined;
    for (; index < this.parts.length; index++, offset = 0) {
      const piece = this.parts[index] as string;
      for (; offset < piece.length; offset++) {
        if (++scanned > limit) {
          this.chars += scanned;
          return undefined;
        }
        const code = piece.charCodeAt(offset);
        scalar ??= code !== OPEN_BRACE && code !== OPEN_BRACKET && code !== QUOTE;
        if (inString) {
          if (escaped) escaped = false;
          else if (code === BACKSLASH) escaped = true;
          else if (code === QUOTE) {
            inString = false;
            if (depth === 0) return this.scanned(scanned, { index, offset: offset + 1 });
          }
        } else if (scalar) {
          if (endsScalar(code)) return this.scanned(scanned - 1, { index, offset });
        } else if (code === QUOTE) {
          inString = true;
        } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
          depth++;
        } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
          if (--depth === 0) return this.scanned(scanned, { index, offset: offset + 1 });
        }
      }
    }
    if (scalar === true) return this.scanned(scanned, { index, offset: 0 });
    return this.fail('a complete value');
  }

  private scanned(chars: number, end: Position): Position {
    this.chars += chars;
    return end;
  }

  /** The next character that is not white space (the position moves to it), or -1 at the end. */
  private peek(): number {
    for (; this.index < this.parts.length; this.index++, this.offset = 0) {
      const piece = this.parts[this.index] as string;
      for (; this.offset < piece.length; this.offset++) {
        const code = piece.charCodeAt(this.offset);
        if (!isSpace(code)) return code;
        this.chars++;
      }
    }
    return -1;
  }

  private expect(code: number): void {
    if (this.peek() !== code) this.fail(`'${String.fromCharCode(code)}'`);
    this.skip(1);
  }

  /** Moves past `count` characters of the current piece (the ones `peek` found). */
  private skip(count: number): void {
    this.offset += count;
    this.chars += count;
  }

  private fail(expected: string): never {
    const piece = this.parts[this.index];
    const near = piece === undefined ? 'the end' : JSON.stringify(piece.slice(this.offset, this.offset + 40));
    throw new Error(`not a ${this.type.fullName.replace(/^\./, '')} in JSON: expected ${expected} at piece ${this.index}, offset ${this.offset} (${near})`);
  }
}

/**
 * `parts` (the JSON text of one message of `type`) encoded at once, both passes (tests, the codec
 * benchmark, small texts): its bytes, and the second pass' figures.
 * @example encodeWhole(v1FieldwiseMessageType('master', 'response'), ['{"type":"GET_HEALTH",', '"get_health":{"healthy":true}}']).bytes
 */
export function encodeWhole(type: protobuf.Type, parts: readonly string[], charsPerTurn = 1 << 30): { readonly bytes: Buffer; readonly figures: SlicedEncodingFigures } {
  const sizing = new SizingTarget();
  const first = new SlicedEncoder(type, parts, charsPerTurn, sizing);
  while (!first.step()) { /* every step at once */ }
  const target = new StreamTarget(sizing.sizes);
  const second = new SlicedEncoder(type, parts, charsPerTurn, target);
  const fragments: Buffer[] = [];
  for (let done = false; !done;) {
    done = second.step();
    fragments.push(Buffer.from(target.fragment()));
    target.reset();
  }
  return { bytes: Buffer.concat(fragments), figures: second.figures };
}

/** The longest of an encoding's steps: its wall time, its CPU time and when it began. */
export class StepFigures {
  private longestTurnMs = 0;
  private longestTurnCpuMs = 0;
  private longestTurnAt = 0;

  /** Runs a step, and keeps its figures if it is the longest so far. */
  time(step: () => boolean): boolean {
    const start = performance.now();
    const cpuAtStart = process.cpuUsage();
    const done = step();
    const tookMs = performance.now() - start;
    if (tookMs > this.longestTurnMs) {
      const cpu = process.cpuUsage(cpuAtStart);
      this.longestTurnMs = tookMs;
      this.longestTurnCpuMs = (cpu.user + cpu.system) / 1000;
      this.longestTurnAt = start;
    }
    return done;
  }

  /** The pass' figures: the encoder's with the longest step's. */
  of(encoder: SlicedEncoder): SlicedEncodingFigures {
    return { ...encoder.figures, longestTurnMs: this.longestTurnMs, longestTurnCpuMs: this.longestTurnCpuMs, longestTurnAt: this.longestTurnAt };
  }
}
