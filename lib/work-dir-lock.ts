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
import { createHash, randomBytes } from 'node:crypto';
import { procStatFields, procStatIndex, processStartTime, STARTTIME_FIELD } from './proc-stat';

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

/**
 * A work dir another live process holds (`pid`), or whose lock other processes kept taking
 * over for `LOCK_ATTEMPTS` rounds (no pid: none held it when the last round looked).
 */
export class WorkDirInUseError extends Error {
  constructor(readonly dir: string, readonly pid: number | undefined) {
    super(pid === undefined
      ? `--work_dir ${dir} could not be locked: other processes kept taking its lock in ${LOCK_ATTEMPTS} rounds; try again, or give another --work_dir`
      : `--work_dir ${dir} is in use by process ${pid}; stop that process, or give another --work_dir`);
    this.name = 'WorkDirInUseError';
  }
}

/**
 * Rounds of taking a lock before giving up: each finds it held by a process that went away
 * meanwhile, or removes a dead holder's lock only to see another taker link its own first.
 */
const LOCK_ATTEMPTS = 20;
/** Random bytes in the name of a file written aside (hex), so that no two writers meet on one. */
const ASIDE_NAME_RANDOM_BYTES = 6;
/** Hex digits of the hash naming a takeover marker (of the stale file's name and text). */
const MARKER_HASH_HEX = 16;
/** How long `lockWorkDir` waits for a live process taking a dead holder's lock over (microseconds of work, unless it is stopped). */
export const LOCK_TAKEOVER_WAIT_MS = 2_000;
/** The sleep between looks at a takeover under way. */
const LOCK_TAKEOVER_POLL_MS = 1;

/**
 * Takes `dir` (which must exist) for this process in `role`: returns the lock, or throws
 * `WorkDirInUseError` naming the live process that holds it. A lock this process already holds
 * is returned again; one left by a process that is gone is taken over.
 *
 * The lock file appears whole (written aside, then hard-linked into place: a reader never sees
 * it empty). A dead holder's file is removed only by the taker that made its takeover marker
 * (a file named from the stale file's name and text, made as the lock is, so one taker at a
 * time), and only while it still says what was judged dead: the live lock is never moved, so
 * no taker finds its place empty while another holds it (CI saw two processes take one stale
 * lock over together when it was moved aside and back). A marker whose maker died is stale in
 * turn and taken over the same way. A marker left by a taker killed between removing the stale
 * lock and its marker stays in the dir (a few bytes, never read again).
 *
 * @example
 *   makeDirectoriesSync(workDir);
 *   lockWorkDir(workDir, 'agent'); // throws: --work_dir /var/lib/mesos/agent is in use by process 4242; ...
 */
export function lockWorkDir(dir: string, role: WorkDirRole): WorkDirLock {
  const file = workDirLockFile(dir, role);
  const me: Taker = { pid: process.pid, text: holderText(process.pid) };
  const steps = lockSteps(file, me, isAlive);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) {
      if (step.value.held) return heldLock(file, me.text);
      throw new WorkDirInUseError(dir, step.value.pid);
    }
    if (step.value !== undefined) Atomics.wait(pause, 0, 0, LOCK_TAKEOVER_POLL_MS);
  }
}

/** The time `lockSteps` bounds its waits for a takeover under way with (tests give their own). */
export interface LockClock {
  now(): number;
  /** How long a taker waits for another's takeover under way before it names that one as holding the dir. */
  readonly waitBoundMs: number;
}

/** Who takes a lock: its pid and the text its lock file says. */
export interface Taker {
  readonly pid: number;
  readonly text: string;
}

/** How taking a lock ended: held by the taker, or by the live process `pid` (none: other takers kept taking it, `LOCK_ATTEMPTS`). */
export type LockOutcome = { readonly held: true } | { readonly held: false; readonly pid: number | undefined };

/** A step of `lockSteps`: nothing, or a wait for the live process `waitingFor` taking a dead holder's lock over. */
export type LockStep = undefined | { readonly waitingFor: number };

/**
 * Takes `file` for `me`, yielding before each step on the file system that another taker may
 * see or change, so that a test can interleave takers step by step (`lockWorkDir` runs it
 * straight through, sleeping at a wait). `alive` says whether a holder a lock names still runs;
 * a takeover another live taker has under way is waited for up to `clock.waitBoundMs` in a row
 * (a taker stopped, SIGSTOP or a debugger, would hold every other for ever), then that taker is
 * named as holding the dir.
 */
export function* lockSteps(file: string, me: Taker, alive: (holder: Holder) => boolean, clock: LockClock = REAL_LOCK_CLOCK): Generator<LockStep, LockOutcome> {
  let waitingSince: number | undefined;
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    yield;
    if (linkedWhole(file, me)) return { held: true };
    yield;
    const text = readText(file);
    if (text === undefined) continue; // gone meanwhile: try again
    // Only this very process' text: a lock naming its pid with another start time is a dead
    // process' whose pid it has now (a container's pid 1 after a restart), stale like any other.
    if (text === me.text) return { held: true };
    const held = parseHolder(text);
    if (held !== undefined && alive(held)) return { held: false, pid: held.pid };
    const busy = yield* removeDead(file, text, me, alive);
    if (busy === undefined) {
      waitingSince = undefined;
      continue;
    }
    waitingSince ??= clock.now();
    if (clock.now() - waitingSince > clock.waitBoundMs) return { held: false, pid: busy };
    yield { waitingFor: busy };
    attempt--; // a takeover under way: not a round lost
  }
  const last = parseHolder(readText(file) ?? '');
  return { held: false, pid: last !== undefined && alive(last) ? last.pid : undefined };
}

/** A monotonic clock (the wall clock may step while a taker waits), and `LOCK_TAKEOVER_WAIT_MS`. */
const REAL_LOCK_CLOCK: LockClock = { now: () => performance.now(), waitBoundMs: LOCK_TAKEOVER_WAIT_MS };

/**
 * Removes `file`, whose holder is dead, if it still says `text`: only as the maker of its
 * takeover marker. Returns the pid of a live process making that takeover meanwhile, if one is.
 */
function* removeDead(file: string, text: string, me: Taker, alive: (holder: Holder) => boolean): Generator<LockStep, number | undefined> {
  const marker = takeoverMarker(file, text);
  yield;
  if (!linkedWhole(marker, me)) {
    yield;
    const markerText = readText(marker);
    if (markerText === undefined) return undefined; // its taker is done: look again
    const maker = parseHolder(markerText);
    if (maker !== undefined && markerText !== me.text && alive(maker)) return maker.pid;
    // Its maker died mid-takeover (or it is this process' own, from a pid reused): stale in turn.
    return yield* removeDead(marker, markerText, me, alive);
  }
  // Only a marker's maker removes what it marks, so between this read and the removal the file can change only from absent to a new lock.
  yield;
  if (readText(file) === text) {
    yield;
    fs.rmSync(file, { force: true });
  }
  yield;
  fs.rmSync(marker, { force: true });
  return undefined;
}

/** The takeover marker of the stale `file` saying `text`: beside it, named by a hash of both (so a marker's marker is no longer a name). */
function takeoverMarker(file: string, text: string): string {
  const hash = createHash('sha256').update(path.basename(file)).update('\0').update(text).digest('hex').slice(0, MARKER_HASH_HEX);
  const base = path.basename(file).split('.takeover.')[0] as string;
  return path.join(path.dirname(file), `${base}.takeover.${hash}`);
}

/** Puts `me`'s text at `file` whole, unless a file is there: true if this call made it. */
function linkedWhole(file: string, me: Taker): boolean {
  const aside = `${file}.${me.pid}.${randomBytes(ASIDE_NAME_RANDOM_BYTES).toString('hex')}`;
  fs.writeFileSync(aside, me.text, { mode: 0o644 });
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

/** The process a lock file names. */
export interface Holder {
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

/** A process' start time (`STARTTIME_FIELD`), where Linux says it. */
function startTimeOf(pid: number): string | undefined {
  return processStartTime(pid);
}
