/**
 * A large v1 answer's JSON text (GET_STATE's, SUBSCRIBED's: ~180 MB at 100k agents) encoded as
 * a protobuf message a slice per turn of the event loop, so that no request holds the host's
 * thread long, as the JSON text itself is written a slice per turn.
 *
 * Protobuf lets a message be the concatenation of its encoded fields, and a repeated field the
 * concatenation of its elements, so the text is read as it comes (its pieces are not joined) and
 * each value small enough (`PROTOBUF_WHOLE_VALUE_CHARS`: a task, an agent, an offer) is encoded
 * at once by the same codec `lib/v1/protobuf.ts` uses (its field of the message around it, so
 * every rule of the JSON mapping is that codec's); a larger message (the state, its task list, a
 * framework with thousands of offers) is entered and encoded a field at a time. An embedded
 * message needs its length before its bytes: its encoded pieces are kept as a node of the output
 * and its header written once it is closed, so nothing is copied into its parent. Each step stops
 * once it has read a turn's characters (`charsPerTurn`); a step may read one whole value past it.
 *
 * The text is this cluster's own JSON (`StateFragments`' pieces): text that is not JSON, or not a
 * message of the type, is a bug, and throws.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import protobuf from 'protobufjs';

/**
 * Longest text of a value encoded at once (a task, an agent, an executor, an offer: ~0.5-5 KB
 * each); a message longer than this is encoded a field at a time, a list an element at a time.
 */
export const PROTOBUF_WHOLE_VALUE_CHARS = 16 * 1024;

/** Bytes of small encoded values gathered into one piece of the output (fewer, larger pieces to write). */
const OUTPUT_PIECE_BYTES = 64 * 1024;

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
  /** The longest step's wall time, ms (`encodeInTurns` times its steps; 0 from an encoder's own figures). */
  readonly longestTurnMs: number;
  /** The process' CPU time in that step, ms (all threads), as the scale benchmark reads a busy machine. */
  readonly longestTurnCpuMs: number;
  /** When that step began (`performance.now()`), to find the collections in it. */
  readonly longestTurnAt: number;
}

/** An encoded message, in pieces (not joined: its bytes are the pieces' concatenation). */
export interface EncodedMessage {
  readonly pieces: readonly Uint8Array[];
  readonly byteLength: number;
}

/** A place in the text: a piece and an offset in it. */
interface Position {
  readonly index: number;
  readonly offset: number;
}

/** An encoded message being put together: pieces of bytes and embedded messages (with their headers before them). */
class Output {
  private readonly items: Array<Uint8Array | Output> = [];
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Its length in bytes so far. */
  size = 0;

  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.size += bytes.length;
    if (this.pendingBytes >= OUTPUT_PIECE_BYTES) this.flush();
  }

  /** Field `id` holding the (closed) message `child`. */
  nest(id: number, child: Output): void {
    this.add(protobuf.Writer.create().uint32((id << 3) | LENGTH_DELIMITED).uint32(child.size).finish());
    this.flush();
    this.items.push(child);
    this.size += child.size;
  }

  /** Its pieces, in order, pushed onto `into`. */
  collect(into: Uint8Array[]): void {
    this.flush();
    for (const item of this.items) {
      if (item instanceof Output) item.collect(into);
      else into.push(item);
    }
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.items.push(this.pending.length === 1 ? this.pending[0] as Uint8Array : Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** A message being read a field at a time. */
interface MessageContext {
  readonly kind: 'message';
  readonly type: protobuf.Type;
  readonly output: Output;
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

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Encodes the JSON text `parts` (one message of `type`, in v1 JSON) as protobuf a step at a
 * time: `step()` reads about `charsPerTurn` characters; once it says the message is done,
 * `result()` has its bytes. `type` is one whose fields are all optional
 * (`v1FieldwiseMessageType`): a field is encoded on its own as its message's only field.
 * @example
 *   const encoder = new SlicedEncoder(v1FieldwiseMessageType('master', 'response'), textParts.parts, SUBSCRIBED_SLICE_CHARS);
 *   while (!encoder.step()) await nextTurn();
 *   encoder.result().byteLength;
 */
export class SlicedEncoder {
  /** The contexts open, innermost last; empty before the first step and once done. */
  private readonly stack: Array<MessageContext | ListContext> = [];
  private index = 0;
  private offset = 0;
  private done = false;
  private encoded: EncodedMessage | undefined;
  /** Characters read (and looked ahead at) in all, and by the step under way. */
  private chars = 0;
  private steps = 0;
  private mostInAStep = 0;

  constructor(private readonly type: protobuf.Type, private readonly parts: readonly string[], private readonly charsPerTurn: number) {
    if (!(charsPerTurn > 0)) throw new Error(`charsPerTurn must be positive, not ${charsPerTurn}`);
  }

  /** What it did so far. */
  get figures(): SlicedEncodingFigures {
    return { turns: this.steps, chars: this.chars, mostCharsInATurn: this.mostInAStep, longestTurnMs: 0, longestTurnCpuMs: 0, longestTurnAt: 0 };
  }

  /** Encodes about a turn's worth; true once the whole message is encoded. */
  step(): boolean {
    if (this.done) return true;
    const start = this.chars;
    this.steps++;
    try {
      if (this.steps === 1) this.open(this.type, undefined);
      while (this.chars - start < this.charsPerTurn && !this.done) this.advance();
    } finally {
      this.mostInAStep = Math.max(this.mostInAStep, this.chars - start);
    }
    return this.done;
  }

  /** The encoded message (once `step` said it is done). */
  result(): EncodedMessage {
    if (this.encoded === undefined) throw new Error('the message is not encoded yet');
    return this.encoded;
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
    const name = this.key();
    const field = context.type.fields[name];
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
    const value = this.parseTo(end ?? (this.valueEnd(Infinity) as Position));
    context.output.add(context.type.encode(context.type.fromObject({ [name]: value })).finish());
  }

  /** One element of a repeated message field. */
  private element(context: ListContext): void {
    const end = this.valueEnd(PROTOBUF_WHOLE_VALUE_CHARS);
    if (end === undefined) {
      this.open(context.element, context.field);
      return;
    }
    // As the one element of its field of the message around it (protobufjs refuses one that is not an object).
    const { owner, field } = context;
    owner.output.add(owner.type.encode(owner.type.fromObject({ [field.name]: [this.parseTo(end)] })).finish());
  }

  /** Enters a message of `type` (field `field` of the one around it) at its `{`. */
  private open(type: protobuf.Type, field: protobuf.Field | undefined): void {
    this.peek();
    this.expect(OPEN_BRACE);
    this.stack.push({ kind: 'message', type, output: new Output(), field, started: false });
  }

  private closeContext(context: MessageContext | ListContext): void {
    this.stack.pop();
    if (context.kind === 'list') return;
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      this.finish(context.output);
      return;
    }
    const owner = parent.kind === 'list' ? parent.owner : parent;
    owner.output.nest((context.field as protobuf.Field).id, context.output);
  }

  private finish(output: Output): void {
    this.peek();
    if (this.index < this.parts.length) this.fail('the end of the text');
    const pieces: Uint8Array[] = [];
    output.collect(pieces);
    this.encoded = { pieces, byteLength: output.size };
    this.done = true;
  }

  /** A field's name and the `:` after it. */
  private key(): string {
    if (this.peek() !== QUOTE) this.fail('a field name');
    const end = this.valueEnd(PROTOBUF_WHOLE_VALUE_CHARS);
    if (end === undefined) this.fail(`a field name of at most ${PROTOBUF_WHOLE_VALUE_CHARS} characters`);
    const name = this.parseTo(end);
    if (this.peek() !== COLON) this.fail("':'");
    this.skip(1);
    this.peek();
    return name as string;
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
          if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isSpace(code)) return this.scanned(scanned - 1, { index, offset });
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
 * `parts` (the JSON text of one message of `type`) encoded as protobuf over turns of the event
 * loop, `charsPerTurn` characters a turn, with what the encoding did (`figures`); undefined if
 * `abandoned` says so between two turns (its client went away).
 * @example
 *   const encoded = await encodeInTurns(v1FieldwiseMessageType('master', 'response'), textParts.parts, SUBSCRIBED_SLICE_CHARS);
 *   encoded?.message.byteLength;
 */
export async function encodeInTurns(
  type: protobuf.Type, parts: readonly string[], charsPerTurn: number, abandoned: () => boolean = () => false,
): Promise<{ readonly message: EncodedMessage; readonly figures: SlicedEncodingFigures } | undefined> {
  const encoder = new SlicedEncoder(type, parts, charsPerTurn);
  let longestTurnMs = 0;
  let longestTurnCpuMs = 0;
  let longestTurnAt = 0;
  for (;;) {
    const start = performance.now();
    const cpuAtStart = process.cpuUsage();
    const done = encoder.step();
    const tookMs = performance.now() - start;
    if (tookMs > longestTurnMs) {
      const cpu = process.cpuUsage(cpuAtStart);
      longestTurnMs = tookMs;
      longestTurnCpuMs = (cpu.user + cpu.system) / 1000;
      longestTurnAt = start;
    }
    if (done) break;
    await nextTurn();
    if (abandoned()) return undefined;
  }
  return { message: encoder.result(), figures: { ...encoder.figures, longestTurnMs, longestTurnCpuMs, longestTurnAt } };
}
