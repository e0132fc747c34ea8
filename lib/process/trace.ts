import * as fs from 'node:fs';

/** First line of a trace file: where and how the recording host ran. */
export interface TraceHeader {
  kind: 'header';
  version: 1;
  /** `host:port` of the recording host. */
  address: string;
  /** The host's PRNG seed, so a replay draws the same ids. */
  seed: number;
  /** Clock time when recording started (ms). */
  startMs: number;
}

/** One recorded message: `deliver` when a local actor's handler is about to run, `send` when a local actor sends. */
export interface TraceEvent {
  kind: 'deliver' | 'send';
  /** Clock time (virtual under a virtual clock), ms. */
  t: number;
  from: string;
  to: string;
  name: string;
  body: unknown;
}

export type TraceRecord = TraceHeader | TraceEvent;

/** Bytes of trace lines buffered before they are written out. */
export const TRACE_FLUSH_BYTES = 64 * 1024;

/**
 * Appends trace records as JSON lines (binary bodies as `{"$bytes": base64}`). Writes are
 * buffered and flushed on the next event-loop turn, at `TRACE_FLUSH_BYTES`, and on `close`.
 */
export class TraceRecorder {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w');
  }

  record(record: TraceRecord): void {
    const line = JSON.stringify(record, encodeBytes) + '\n';
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= TRACE_FLUSH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    fs.writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** Reads a trace file; throws naming the line that is not a valid record. */
export function readTrace(path: string): { header: TraceHeader; events: TraceEvent[] } {
  const lines = fs.readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0);
  const records = lines.map((line, index) => parseRecord(line, index + 1, path));
  const header = records[0];
  if (!header || header.kind !== 'header') throw new Error(`${path}: line 1 is not a trace header`);
  return { header, events: records.slice(1) as TraceEvent[] };
}

function parseRecord(line: string, lineNumber: number, path: string): TraceRecord {
  let value: unknown;
  try {
    value = JSON.parse(line, decodeBytes);
  } catch (error) {
    throw new Error(`${path}:${lineNumber}: not JSON (${(error as Error).message})`);
  }
  const record = value as Omit<Partial<TraceEvent>, "kind"> & { kind?: string };
  if (record.kind === 'header') return record as unknown as TraceHeader;
  if ((record.kind === 'deliver' || record.kind === 'send') && typeof record.t === 'number' &&
      typeof record.from === 'string' && typeof record.to === 'string' && typeof record.name === 'string') {
    return record as TraceEvent;
  }
  throw new Error(`${path}:${lineNumber}: not a trace record`);
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

/** Formats one event as a readable line for `mesos-trace`. */
export function formatEvent(event: TraceEvent, startMs: number, bodyLimit: number): string {
  const seconds = ((event.t - startMs) / 1000).toFixed(3).padStart(9);
  let body = JSON.stringify(event.body, encodeBytes) ?? 'null';
  if (bodyLimit > 0 && body.length > bodyLimit) body = body.slice(0, bodyLimit) + '…';
  const arrow = event.kind === 'send' ? '──▶' : '◀──';
  const [left, right] = event.kind === 'send' ? [event.from, event.to] : [event.to, event.from];
  return `+${seconds}s  ${event.kind.padEnd(7)} ${left} ${arrow} ${right}  ${event.name} ${body}`;
}
