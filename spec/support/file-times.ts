/**
 * Wall-clock time by spec file, for the test summary: CI's run has a time bound, and these
 * figures say where the time goes.
 */
import * as path from 'node:path';

/** How many of the slowest spec files the summary names (CI's time bound is watched with them). */
export const SLOWEST_FILES_SHOWN = 12;

/**
 * Wall-clock time by spec file: the time from one test or hook ending to the next is the next
 * one's file's (so a file's hooks, and the waits between its tests, count as its own).
 */
export class FileTimes {
  private readonly byFile = new Map<string, number>();
  private last: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.last = now();
  }

  /** A test or hook of `file` has just ended. */
  ended(file: string | undefined): void {
    const now = this.now();
    const key = file === undefined ? '(no file)' : path.relative(process.cwd(), file);
    this.byFile.set(key, (this.byFile.get(key) ?? 0) + (now - this.last));
    this.last = now;
  }

  /** The `count` files that took longest, longest first, as `[file, milliseconds]`. */
  slowest(count: number): Array<[string, number]> {
    return [...this.byFile].sort((a, b) => b[1] - a[1]).slice(0, count);
  }

  /** All files' time together, in milliseconds. */
  total(): number {
    let sum = 0;
    for (const ms of this.byFile.values()) sum += ms;
    return sum;
  }
}

/** The slowest files as lines of the summary: seconds, share of the whole, file. */
export function slowestFilesText(times: FileTimes, count: number): string {
  const total = times.total();
  const lines = times.slowest(count).map(([file, ms]) => `  ${(ms / 1000).toFixed(1).padStart(7)} s ${total > 0 ? `${Math.round((100 * ms) / total)}%`.padStart(4) : ''}  ${file}`);
  return `slowest spec files (of ${(total / 1000).toFixed(0)} s in all):\n${lines.join('\n')}\n`;
}

