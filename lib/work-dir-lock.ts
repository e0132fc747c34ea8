/**
 * One process per work dir. Two agents on one `--work_dir` recover the same checkpoints and
 * both re-register under one agent id (the second took the first's executors, and a task's end
 * was never reported); two standalone masters on one `--work_dir` append to one registry log,
 * and one's admissions are lost at the next start. Mesos' replicated log holds a LOCK file for
 * its masters; its agent has no lock, but refuses a checkpoint whose agent info differs.
 *
 * The lock is a file in the work dir naming the process that holds it (one per role: a master
 * and an agent may share a dir): its pid, and its start time where Linux says it
 * (`/proc/<pid>/stat`), so a pid reused by another process after a crash does not hold the dir.
 * A lock whose process is gone (killed, crashed) is taken over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { procStatFields, procStatIndex } from './proc-stat';

/** The file in a work dir that names the process of `role` holding it (`.<role>.lock`: `<pid> <start time>`). */
export function workDirLockFile(dir: string, role: WorkDirRole): string {
  return path.join(dir, `.${role}.lock`);
}

/**
 * Who holds a work dir: a master and an agent may share one (their files do not meet: the
 * registry beside `meta/` and `slaves/`; Mesos' master locks only its replicated log), two of
 * one role may not.
 */
export type WorkDirRole = 'master' | 'agent';

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

/** Attempts to take a lock before giving up (each finds it held by a process that then went away, or taken over meanwhile). */
const LOCK_ATTEMPTS = 5;
/** Random bytes in the name of a file written aside (hex), so that no two writers meet on one. */
const ASIDE_NAME_RANDOM_BYTES = 6;

/**
 * Takes `dir` (which must exist) for this process in `role`: returns the lock, or throws
 * `WorkDirInUseError` naming the live process that holds it. A lock this process already holds
 * is returned again; one left by a process that is gone is taken over.
 *
 * The lock file appears whole (written aside, then hard-linked into place: a reader never sees
 * it empty), and a dead holder's file is moved aside before it is removed, and removed only if
 * it is still the one judged dead (two processes taking over one stale lock both held it).
 *
 * @example
 *   makeDirectoriesSync(workDir);
 *   lockWorkDir(workDir, 'agent'); // throws: --work_dir /var/lib/mesos/agent is in use by process 4242; ...
 */
export function lockWorkDir(dir: string, role: WorkDirRole): WorkDirLock {
  const file = workDirLockFile(dir, role);
  const mine = holderText(process.pid);
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    if (linkedWhole(file, mine)) return heldLock(file, mine);
    const text = readText(file);
    if (text === undefined) continue; // gone meanwhile: try again
    const held = parseHolder(text);
    if (held !== undefined && held.pid === process.pid) return heldLock(file, mine);
    if (held !== undefined && isAlive(held)) throw new WorkDirInUseError(dir, held.pid);
    removeIfStill(file, text);
  }
  throw new WorkDirInUseError(dir, parseHolder(readText(file) ?? '')?.pid ?? Number.NaN);
}

/** Puts `text` at `file` whole, unless a file is there: true if this call made it. */
function linkedWhole(file: string, text: string): boolean {
  const aside = `${file}.${process.pid}.${randomBytes(ASIDE_NAME_RANDOM_BYTES).toString('hex')}`;
  fs.writeFileSync(aside, text, { mode: 0o644 });
  try {
    fs.linkSync(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** Removes a dead holder's `file` if it still says `text` (moved aside first, so a lock taken meanwhile is put back, not removed). */
function removeIfStill(file: string, text: string): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(ASIDE_NAME_RANDOM_BYTES).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // gone already
  }
  if (readText(aside) !== text) {
    // Another process took it over between the reading and the moving: its lock goes back.
    try {
      fs.linkSync(aside, file);
    } catch {
      // A third took the place meanwhile; the next attempt reads who.
    }
  }
  fs.rmSync(aside, { force: true });
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function heldLock(file: string, mine: string): WorkDirLock {
  // Removed only while it is still this process' (gone already, or the dir with it: nothing to do).
  const release = (): void => {
    if (readText(file) === mine) fs.rmSync(file, { force: true });
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

/** The holder a lock file's text names, or undefined if it names none (empty, garbled). */
function parseHolder(text: string): Holder | undefined {
  const match = /^(\d+) (\S+)\n?$/.exec(text);
  if (match === null) return undefined;
  const pid = Number(match[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, startTime: match[2] === '-' ? undefined : match[2] } : undefined;
}

/**
 * Whether the process a lock names still runs (the same process: its start time matches where
 * both are known). A zombie (exited, not yet reaped by its parent: a `kill -9`ed agent under an
 * init that reaps slowly) runs no more and holds nothing (agent-recovery walkthrough: the restart
 * was refused, the work dir "in use" by the dead agent).
 */
function isAlive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readText(`/proc/${holder.pid}/stat`);
  const fields = stat === undefined ? undefined : procStatFields(stat);
  if (fields?.[procStatIndex(STATE_FIELD)] === ZOMBIE_STATE) return false;
  const now = fields?.[procStatIndex(STARTTIME_FIELD)];
  return holder.startTime === undefined || now === undefined || now === holder.startTime;
}

/** `/proc/<pid>/stat`'s field of a process' state (`R`, `S`, `Z`...). */
const STATE_FIELD = 3;
/** The state of a process that exited and was not reaped. */
const ZOMBIE_STATE = 'Z';

/** `/proc/<pid>/stat`'s field of a process' start time, in clock ticks since boot. */
const STARTTIME_FIELD = 22;

/** A process' start time (`STARTTIME_FIELD`), where Linux says it. */
function startTimeOf(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : procStatFields(stat)?.[procStatIndex(STARTTIME_FIELD)];
}
