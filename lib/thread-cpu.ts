/**
 * CPU time of the calling thread alone. `process.cpuUsage()` counts every thread of the process
 * (worker threads too: the chaos tier's background workers beside the other spec files, a
 * benchmark's agents on workers), so what bounds or reports one thread's work reads this.
 */
import { readFileSync } from 'node:fs';

/** Where Linux says how long this thread has run (ns, the first field). */
export const THREAD_SCHEDSTAT = '/proc/thread-self/schedstat';

/** The CPU time this thread has used (ns), or undefined where the system does not say. */
export function threadCpuNs(): number | undefined {
  try {
    const ns = Number(readFileSync(THREAD_SCHEDSTAT, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns : undefined;
  } catch {
    return undefined;
  }
}

/** This thread's CPU time so far in ms (`threadCpuNs`), or the process' where the system does not say. */
export function threadCpuMs(): number {
  const ns = threadCpuNs();
  if (ns !== undefined) return ns / 1e6;
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
