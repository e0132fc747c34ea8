/**
 * A logger that measures what it is given instead of keeping it: bytes and lines, the longest
 * line, and the records at error level or above (a handler that threw, a broken invariant). For
 * tests that bound how much a peer can make a host log (issue 9: 80,000 fuzzed messages once
 * filled 417 MB of log), where keeping every record would itself fill the heap.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../lib/logging';

/** pino's number for the `error` level. */
export const ERROR_LEVEL = 50;
/** Records at error level or above kept in full (the rest are only counted). */
export const ERROR_RECORDS_KEPT = 20;
/** Characters of the longest line kept, to say what it was. */
export const LONGEST_LINE_KEPT_CHARS = 600;

/** Counts the bytes and lines a logger writes; keeps the longest line's start and the errors. */
export class LogMeter {
  readonly logger: Logger;
  /** Bytes written so far (UTF-8, newlines included). */
  bytes = 0;
  /** Lines written so far. */
  lines = 0;
  /** Length in bytes of the longest line so far. */
  longestLineBytes = 0;
  /** The start of the longest line so far. */
  longestLine = '';
  /** The message (`msg`) of the longest line so far. */
  longestMessage = '';
  /** Records at error level or above so far. */
  errorCount = 0;
  /** The first `ERROR_RECORDS_KEPT` of them. */
  readonly errors: Array<Record<string, unknown>> = [];
  /** Records at error level or above by message (`msg`), counted. */
  readonly errorMessages = new Map<string, number>();
  /** Lines by message (`msg`), for a report of what was logged most. */
  private readonly byMessage = new Map<string, { lines: number; bytes: number }>();

  /** @param level the lowest level measured (default `debug`: everything an operator could turn on). */
  constructor(level: 'debug' | 'info' | 'warn' = 'debug') {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, callback): void => {
        this.measure(chunk.toString('utf8'));
        callback();
      },
    });
    this.logger = pino({ name: 'log-meter', level }, sink);
  }

  /** The messages logged the most bytes, most first. */
  topMessages(count: number): Array<{ msg: string; lines: number; bytes: number }> {
    return [...this.byMessage].map(([msg, totals]) => ({ msg, ...totals })).sort((a, b) => b.bytes - a.bytes).slice(0, count);
  }

  private measure(text: string): void {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const bytes = Buffer.byteLength(line, 'utf8') + 1;
      this.bytes += bytes;
      this.lines++;
      const record = JSON.parse(line) as Record<string, unknown> & { level: number; msg?: string };
      if (bytes > this.longestLineBytes) {
        this.longestLineBytes = bytes;
        this.longestLine = line.slice(0, LONGEST_LINE_KEPT_CHARS);
        this.longestMessage = record.msg ?? '';
      }
      const totals = this.byMessage.get(record.msg ?? '') ?? { lines: 0, bytes: 0 };
      totals.lines++;
      totals.bytes += bytes;
      this.byMessage.set(record.msg ?? '', totals);
      if (record.level < ERROR_LEVEL) continue;
      this.errorCount++;
      this.errorMessages.set(record.msg ?? '', (this.errorMessages.get(record.msg ?? '') ?? 0) + 1);
      if (this.errors.length < ERROR_RECORDS_KEPT) this.errors.push(record);
    }
  }
}
