/**
 * One process per work dir. Two agents on one `--work_dir` recover the same checkpoints and
 * both re-register under one agent id (the second took the first's executors, and a task's end
 * was never reported); two standalone masters on one `--work_dir` append to one registry log,
 * and one's admissions are lost at the next start. Mesos' replicated log holds a LOCK file for
 * its masters; its agent has no lock, but refuses a checkpoint whose agent info differs.
 *
 * The lock is a file in the work dir naming the process that holds it: its pid, and its start
 * time where Linux says it (`/proc/<pid>/stat`), so a pid reused by another process after a
 * crash does not hold the dir. A lock whose process is gone (killed, crashed) is taken over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file in a work dir that names the process holding it (`<pid> <start time>`). */
export const WORK_DIR_LOCK_FILE = '.lock';

/** A held work dir (released when the process exits, or by `release`). */
export interface WorkDirLock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock file if it is still this process'. */
  release(): void;
}

/** A work dir another live process holds. */
export class WorkDirInUseError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(`--work_dir ${dir} is in use by process ${pid}; stop that process, or give another --work_dir`);
    this.name = 'WorkDirInUseError';
  }
}

/**
 * Takes `dir` (which must exist) for this process: returns the lock, or throws
 * `WorkDirInUseError` naming the live process that holds it. A lock this process already holds
 * is returned again; one left by a process that is gone is taken over.
 *
 * @example
 *   makeDirectoriesSync(workDir);
 *   lockWorkDir(workDir); // throws: --work_dir /var/lib/mesos/agent is in use by process 4242; ...
 */
export function lockWorkDir(dir: string): WorkDirLock {
  const file = path.join(dir, WORK_DIR_LOCK_FILE);
  const mine = holderText(process.pid);
  // Twice at most: a stale lock is removed, then taken; a process that took it meanwhile holds it.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx', mode: 0o644 });
      return heldLock(file, mine);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = readHolder(file);
    if (held !== undefined && held.pid === process.pid) return heldLock(file, mine);
    if (held !== undefined && isAlive(held)) throw new WorkDirInUseError(dir, held.pid);
    fs.rmSync(file, { force: true });
  }
  const held = readHolder(file);
  throw new WorkDirInUseError(dir, held?.pid ?? Number.NaN);
}

function heldLock(file: string, mine: string): WorkDirLock {
  const release = (): void => {
    try {
      if (fs.readFileSync(file, 'utf8') === mine) fs.rmSync(file, { force: true });
    } catch {
      // Gone already, or the dir with it.
    }
  };
  process.once('exit', release);
  return { path: file, release };
}

/** `<pid> <start time>\n` (`-` where the start time is not known). */
function holderText(pid: number): string {
  return `${pid} ${startTimeOf(pid) ?? '-'}\n`;
}

interface Holder {
  readonly pid: number;
  readonly startTime: string | undefined;
}

/** The holder a lock file names, or undefined if it names none (empty, garbled, or gone). */
function readHolder(file: string): Holder | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^(\d+) (\S+)\n?$/.exec(text);
  if (match === null) return undefined;
  const pid = Number(match[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, startTime: match[2] === '-' ? undefined : match[2] } : undefined;
}

/** Whether the process a lock names still runs (the same process: its start time matches where both are known). */
function isAlive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTimeOf(holder.pid);
  return holder.startTime === undefined || now === undefined || now === holder.startTime;
}

/** A process' start time in clock ticks since boot (`/proc/<pid>/stat`, field 22), where Linux says it. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
