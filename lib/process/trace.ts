/**
 * Message traces: what an actor host records (every message its actors were delivered and sent,
 * and the order in which they ran their timers, deferred work and dispatches), the file format
 * (JSON lines), and reading it back. Replay is in replay.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Version of the format written here. Version 2 added `run` and `input` records and `r`. */
export const TRACE_FORMAT_VERSION = 2;
/** Versions `readTrace` reads. Version 1 traces (messages only) can be printed, not replayed. */
export const READABLE_TRACE_VERSIONS: readonly number[] = [1, 2];
/** Largest trace file `readTrace` reads (the text must fit in one JavaScript string). */
export const MAX_TRACE_FILE_BYTES = 512 * 1024 * 1024;
/** Bytes of trace lines buffered before they are written out. */
export const TRACE_FLUSH_BYTES = 64 * 1024;

/**
 * A host's first record: where and how it ran. A file holds one header per recording host
 * (`mesos-local` records its master's and its agents' hosts into one file).
 */
export interface TraceHeader {
  kind: 'header';
  version: number;
  /** `host:port` of the recording host. */
  address: string;
  /** The host's PRNG seed, so a replay draws the same ids. */
  seed: number;
  /** Clock time when recording started (ms). */
  startMs: number;
  /** Numbers the host's PRNG had drawn when recording started (version 2). */
  draws?: number;
}

/**
 * What a record is:
 * - `deliver`: a local actor is about to handle a message (or `exited`, a broken link);
 * - `send`: a local actor sent a message;
 * - `run`: a local actor is about to run other work from its mailbox (see `TraceRunName`);
 * - `input`: something from outside the actors that a replay needs (e.g. how an executor
 *   process exited), recorded where it entered.
 */
export type TraceEventKind = 'deliver' | 'send' | 'run' | 'input';

/**
 * What a `run` record ran: the actor's `initialize`, a timer set with `delay`, the continuation
 * of work started with `defer`, a `dispatch`, an HTTP request to one of its routes, or its
 * termination.
 */
export type TraceRunName = 'initialize' | 'timer' | 'defer' | 'dispatch' | 'http' | 'terminate';

/** The body of a `run` record. */
export interface TraceRunBody {
  /** Which one, numbered per actor from 1: timers, deferred work, dispatches per source (0 for the rest). */
  seq: number;
  /** Deferred work: whether its promise resolved. */
  ok?: boolean;
  /** Deferred work that failed: the error's message. */
  error?: string;
}

/** One record after the header. */
export interface TraceEvent {
  kind: TraceEventKind;
  /** Clock time (virtual under a virtual clock), ms. */
  t: number;
  /** The sender's UPID; for `run` dispatches the dispatching actor's UPID ('' if none); '' otherwise. */
  from: string;
  /** The receiver's UPID; for `run` and `input` the actor concerned. */
  to: string;
  /** The message name; for `run` a `TraceRunName`; for `input` the input's name. */
  name: string;
  body: unknown;
  /** For `deliver` and `run`: numbers the host's PRNG had drawn just before (version 2). */
  r?: number;
}

/** Any line of a trace file. */
export type TraceRecord = TraceHeader | TraceEvent;

/** A trace file as read: every host's header and every record, in file order. */
export interface Trace {
  /** The first host's header (the only one unless several hosts recorded into the file). */
  header: TraceHeader;
  /** One header per recording host, in file order. */
  headers: TraceHeader[];
  events: TraceEvent[];
  /**
   * True when the last line was incomplete (the recording process died mid-write): it was left
   * out, and every complete line before it was kept.
   */
  truncated: boolean;
  /** When truncated: the incomplete line's number and length. */
  truncatedLine?: { line: number; bytes: number };
}

/**
 * Appends trace records as JSON lines (binary bodies as `{"$bytes": base64}`). Writes are
 * buffered and flushed on the next event-loop turn, at `TRACE_FLUSH_BYTES`, on `close`, and when
 * the process exits. Several hosts of one process may share a recorder (`retain`/`release`);
 * the file is closed when the last one releases it. A failed write (disk full) stops the
 * recording with one line on stderr; it never stops the host.
 */
export class TraceRecorder {
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  /** Hosts recording into this file. */
  private users = 0;
  private readonly flushOnExit = (): void => this.flush();

  /** Creates (or empties) the file at `path`; throws if it cannot be opened for writing. */
  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w');
    process.on('exit', this.flushOnExit);
  }

  /** True until the recorder is closed or a write failed. */
  get recording(): boolean {
    return this.fd !== undefined;
  }

  /** Queues one record; it reaches the file at the next flush. Does nothing once closed or failed. */
  record(record: TraceRecord): void {
    if (this.fd === undefined) return;
    const line = JSON.stringify(record, encodeBytes) + '\n';
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= TRACE_FLUSH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes the queued records now (a failed write stops the recording, with one line on stderr). */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.fd === undefined) return;
    const buffer = Buffer.from(this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
    try {
      for (let offset = 0; offset < buffer.length;) offset += fs.writeSync(this.fd, buffer, offset);
    } catch (error) {
      process.stderr.write(`trace ${this.path}: recording stopped, write failed: ${(error as Error).message}\n`);
      this.closeFile();
    }
  }

  /** One more host records here. */
  retain(): void {
    this.users++;
  }

  /** A host stopped recording here; the last one closes the file. */
  release(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0) this.close();
  }

  /** Flushes and closes the file (whoever still records here records nothing more). */
  close(): void {
    this.flush();
    this.closeFile();
  }

  private closeFile(): void {
    process.off('exit', this.flushOnExit);
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    this.pending = [];
    fs.closeSync(fd);
  }
}

/**
 * Why `file` cannot be a trace file (its directory is missing or not a directory, it is a
 * directory, or it cannot be written), or undefined if it can. Nothing is created.
 */
export function traceFileError(file: string): string | undefined {
  if (file.trim() === '') return 'the trace file path is empty';
  const directory = path.dirname(path.resolve(file));
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(directory);
  } catch {
    return `directory ${directory} does not exist`;
  }
  if (!stat.isDirectory()) return `${directory} is not a directory`;
  const existing = fs.statSync(file, { throwIfNoEntry: false });
  if (existing?.isDirectory()) return `${file} is a directory`;
  try {
    fs.accessSync(existing ? file : directory, fs.constants.W_OK);
  } catch {
    return `${existing ? file : directory} is not writable`;
  }
  return undefined;
}

/**
 * Reads a trace file. A last line cut short (the recording process died mid-write) is left out
 * and reported with `truncated: true`; any other line that is not a valid record throws an
 * Error naming the file and line.
 */
export function readTrace(file: string): Trace {
  const size = fs.statSync(file).size;
  if (size > MAX_TRACE_FILE_BYTES) throw new Error(`${file}: ${size} bytes; traces of at most ${MAX_TRACE_FILE_BYTES} bytes can be read`);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  // After the last newline: '' when the file ends cleanly, else a line the writer did not finish.
  const last = lines.pop() ?? '';
  const records: TraceRecord[] = [];
  lines.forEach((line, index) => {
    if (line.length > 0) records.push(parseRecord(line, index + 1, file));
  });
  let truncatedLine: Trace['truncatedLine'];
  if (last.length > 0) {
    const parsed = tryParseRecord(last, lines.length + 1, file);
    if (parsed !== undefined) records.push(parsed);
    else truncatedLine = { line: lines.length + 1, bytes: Buffer.byteLength(last) };
  }
  const header = records[0];
  if (header === undefined || header.kind !== 'header') {
    const problem = header === undefined && truncatedLine !== undefined ? 'is incomplete (the file was cut short)' : 'is not a trace header';
    throw new Error(`${file}:1: the first line ${problem}`);
  }
  const headers = records.filter((record): record is TraceHeader => record.kind === 'header');
  const events = records.filter((record): record is TraceEvent => record.kind !== 'header');
  return { header, headers, events, truncated: truncatedLine !== undefined, ...(truncatedLine ? { truncatedLine } : {}) };
}

/** The last line without its newline: a complete record, or undefined if it was cut short. */
function tryParseRecord(line: string, lineNumber: number, file: string): TraceRecord | undefined {
  try {
    return parseRecord(line, lineNumber, file);
  } catch {
    return undefined;
  }
}

function parseRecord(line: string, lineNumber: number, file: string): TraceRecord {
  let value: unknown;
  try {
    value = JSON.parse(line, decodeBytes);
  } catch (error) {
    throw new Error(`${file}:${lineNumber}: not JSON (${(error as Error).message})`);
  }
  const problem = recordProblem(value);
  if (problem !== undefined) throw new Error(`${file}:${lineNumber}: not a trace record (${problem})`);
  return value as TraceRecord;
}

/** What is wrong with a parsed line, or undefined if it is a valid record. */
function recordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const record = value as Record<string, unknown>;
  if (record.kind === 'header') {
    if (typeof record.version !== 'number' || !READABLE_TRACE_VERSIONS.includes(record.version)) {
      return `format version ${String(record.version)} is not one of ${READABLE_TRACE_VERSIONS.join(', ')}`;
    }
    if (typeof record.address !== 'string') return 'header without an address';
    if (typeof record.seed !== 'number' || typeof record.startMs !== 'number') return 'header without a numeric seed and startMs';
    return undefined;
  }
  if (record.kind !== 'deliver' && record.kind !== 'send' && record.kind !== 'run' && record.kind !== 'input') return `unknown kind ${JSON.stringify(record.kind)}`;
  if (typeof record.t !== 'number') return 'no numeric t';
  for (const field of ['from', 'to', 'name'] as const) if (typeof record[field] !== 'string') return `no string ${field}`;
  if (record.r !== undefined && typeof record.r !== 'number') return 'r is not a number';
  return undefined;
}

/** JSON.stringify replacer: binary values become `{"$bytes": base64}` (as trace files store them). */
export function encodeBytes(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (typeof value === 'object' && value !== null && (value as { type?: string }).type === 'Buffer' &&
      Array.isArray((value as { data?: unknown }).data)) {
    return { $bytes: Buffer.from((value as { data: number[] }).data).toString('base64') };
  }
  return value;
}

function decodeBytes(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && typeof (value as { $bytes?: unknown }).$bytes === 'string' &&
      Object.keys(value).length === 1) {
    return Buffer.from((value as { $bytes: string }).$bytes, 'base64');
  }
  return value;
}

/** Formats one record as a readable line for `mesos-trace`. */
export function formatEvent(event: TraceEvent, startMs: number, bodyLimit: number): string {
  const seconds = ((event.t - startMs) / 1000).toFixed(3).padStart(9);
  const prefix = `+${seconds}s  ${event.kind.padEnd(7)} `;
  if (event.kind === 'run') return prefix + formatRun(event);
  let body = JSON.stringify(event.body, encodeBytes) ?? 'null';
  if (bodyLimit > 0 && body.length > bodyLimit) body = body.slice(0, bodyLimit) + '…';
  if (event.kind === 'input') return `${prefix}${event.to} ◀══ (outside)  ${event.name} ${body}`;
  const arrow = event.kind === 'send' ? '──▶' : '◀──';
  const [left, right] = event.kind === 'send' ? [event.from, event.to] : [event.to, event.from];
  return `${prefix}${left} ${arrow} ${right}  ${event.name} ${body}`;
}

function formatRun(event: TraceEvent): string {
  const body = (event.body ?? {}) as Partial<TraceRunBody>;
  const number = body.seq ? ` #${body.seq}` : '';
  const source = event.name === 'dispatch' ? ` from ${event.from || '(outside any actor)'}` : '';
  const outcome = body.ok === undefined ? '' : body.ok ? ' (resolved)' : ` (rejected: ${body.error ?? ''})`;
  return `${event.to} ◆ ${event.name}${number}${source}${outcome}`;
}
