import pino from 'pino';
import { Writable } from 'node:stream';

/** Structured logger used across the project (a pino logger). */
export type Logger = pino.Logger;

/** Log levels, lowest to highest; `silent` turns logging off. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Level used when neither an option nor `MESOS_LOG_LEVEL` says otherwise. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/**
 * Creates a logger writing JSON lines to stderr (level from `level`, else `MESOS_LOG_LEVEL`,
 * else `info`). Pipe through `pino-pretty` for human-readable output.
 */
export function createLogger(name: string, level?: LogLevel): Logger {
  const chosen = level ?? (process.env.MESOS_LOG_LEVEL as LogLevel | undefined) ?? DEFAULT_LOG_LEVEL;
  return pino({ name, level: chosen, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

/** A logger that keeps every record in memory, for tests that assert on logged reasons. */
export interface CapturedLogger {
  logger: Logger;
  records: Array<Record<string, unknown> & { msg?: string; level: number }>;
  /** Records whose message (or any string field) contains `text`. */
  find(text: string): Array<Record<string, unknown>>;
}

export function captureLogger(name = 'test'): CapturedLogger {
  const records: CapturedLogger['records'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) records.push(JSON.parse(line));
      callback();
    },
  });
  const logger = pino({ name, level: 'debug' }, sink);
  const find = (text: string) => records.filter((r) => JSON.stringify(r).includes(text));
  return { logger, records, find };
}
