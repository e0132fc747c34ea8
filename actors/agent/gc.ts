/**
 * Sandbox garbage collection (Mesos' `slave/gc.cpp`): the agent schedules the directories of
 * completed executor runs and frameworks for removal `--gc_delay` after they complete; the
 * collector removes each when it is due, sooner when the agent prunes under disk pressure
 * (`--disk_watch_interval`, `--gc_disk_headroom`), and never a path the agent unscheduled
 * because it became live again (a framework back with a new executor).
 *
 * `GarbageCollector` is not an actor: the agent owns it and lends it its clock, its timers and
 * its `defer` (so removals re-enter the agent's mailbox and a virtual clock's `settle` waits for
 * them), as the status update manager does. The file system it acts on is injected
 * (`SandboxFileSystem`), so tests fake the disk usage while the agent runs under a virtual clock.
 *
 * @example
 *   const gc = new GarbageCollector({ root: workDir, now: () => clock.now(), delay, defer, fileSystem: nodeSandboxFileSystem, log: () => logger });
 *   gc.schedule('/var/lib/mesos/agents/A1/frameworks/F1/executors/E1/runs/R1', 7 * 24 * 3600_000);
 *   gc.prune(gcDelayMs - maxAllowedAgeMs); // disk filling: what is at least that old goes now
 */
import { lstat, readdir, rm, statfs, utimes } from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../../lib/logging';
import { GC_MAX_CONCURRENT_REMOVALS, GC_MAX_REMEMBERED_REMOVALS } from './constants';
import { RUNS_DIRECTORY } from './paths';
import { resolvedPath } from '../../lib/absolute-path';
import { appended, removedAt } from '../../lib/exact-arrays';
import { LazyMap } from '../../lib/lazy-collections';
import { ClockSetBack } from '../../lib/process/clock';

/** What the collector (and the agent's disk watch and recovery) do to the disk. */
export interface SandboxFileSystem {
  /** The fraction (0..1) of the file system holding `directory` that is in use (Mesos' `fs::usage`). */
  usage(directory: string): Promise<number>;
  /** Removes `target` and all under it; a path already gone is no error. */
  remove(target: string): Promise<void>;
  /** The names of the directories (not symlinks) in `directory`; none when it does not exist. */
  subdirectories(directory: string): Promise<string[]>;
  /** When `target` was last modified (ms since the epoch), or undefined when it does not exist. */
  modifiedMs(target: string): Promise<number | undefined>;
  /** Sets `target`'s modification time to `atMs` (a sandbox's completion, which a restarted agent ages it from). */
  touch(target: string, atMs: number): Promise<void>;
}

/** The machine's file system. */
export const nodeSandboxFileSystem: SandboxFileSystem = {
  async usage(directory) {
    const stats = await statfs(directory);
    // As Mesos: blocks not free (to anyone, root included) over all blocks.
    return stats.blocks > 0 ? (stats.blocks - stats.bfree) / stats.blocks : 0;
  },
  remove: (target) => rm(target, { recursive: true, force: true }),
  async subdirectories(directory) {
    const entries = await readdir(directory, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  },
  async modifiedMs(target) {
    return (await lstat(target).catch(() => undefined))?.mtimeMs;
  },
  touch: (target, atMs) => utimes(target, atMs / 1000, atMs / 1000),
};

/**
 * A file system with nothing to collect: empty, never full, removals no-ops. For agents whose
 * work dir is simulated (a `MemoryDisk`), where the machine's disk must not be touched.
 */
export const inertSandboxFileSystem: SandboxFileSystem = {
  usage: () => Promise.resolve(0),
  remove: () => Promise.resolve(),
  subdirectories: () => Promise.resolve([]),
  modifiedMs: () => Promise.resolve(undefined),
  touch: () => Promise.resolve(),
};

/** What the collector borrows from the actor that owns it. */
export interface GarbageCollectorOptions {
  /**
   * The directory everything collected lies strictly inside (the agent's work dir): paths come
   * from the journal, so one outside it is refused rather than removed.
   */
  readonly root: string;
  /** The owner's clock (ms). */
  readonly now: () => number;
  /** The owner's timers (`Actor.delay`). */
  readonly delay: (delayMs: number, callback: () => void) => { cancel(): void };
  /** Runs `then`/`onError` in the owner's mailbox once `promise` settles (`Actor.defer`). */
  readonly defer: (promise: Promise<void>, then: () => void, onError: (error: Error) => void) => void;
  readonly fileSystem: SandboxFileSystem;
  /**
   * Asked when a path falls due and again just before its removal starts (it may have waited
   * for a slot): true keeps it (unscheduled) because something live lies in it now, e.g. the
   * agent's current run of an executor. A safety net: the agent unschedules such paths itself.
   */
  readonly isLive?: (target: string) => boolean;
  /** The owner's logger (asked each time: an actor has none before it is spawned). */
  readonly log: () => Logger;
}

/** The collector's metrics (Mesos' `gc/*`). */
export interface GarbageCollectorMetrics {
  'gc/path_removals_succeeded': number;
  'gc/path_removals_failed': number;
  /** Paths scheduled and not yet removed (waiting for their time, or being removed). */
  'gc/path_removals_pending': number;
}

/** Removes scheduled paths when they are due, a bounded number at a time. */
export class GarbageCollector {
  /** When each scheduled path is due (ms on the owner's clock), by path. */
  private readonly dueMs = new PathMap<number>();
  /** Due paths waiting for a removal slot, oldest first. */
  private readonly queue: string[] = [];
  /** Removals under way, each with a promise that settles (never rejects) when it has ended. */
  private readonly removing = new LazyMap<string, Promise<void>>();
  /** Notices the clock set back (see `read`). */
  private readonly setBack = new ClockSetBack();
  /** The one timer, for the earliest due path, and when it fires (`timerAtMs`). */
  private timer: { cancel(): void } | undefined;
  private timerAtMs = 0;
  /** What the timer calls: made at the first arming, then the same for every one (not an object per arming). */
  private fireDue: (() => void) | undefined;
  /** Paths removed (by this collector), with when, oldest first and bounded: what `/files` tells a reader looking for them. */
  private readonly removed = new PathMap<number>();
  /** Removals that succeeded (`gc/path_removals_succeeded`). */
  private succeeded = 0;
  /** Removals that failed (`gc/path_removals_failed`). */
  private failed = 0;

  /** The root, resolved once (every schedule and launch asks what lies under it). */
  private readonly root: string;
  /** The root with a trailing separator: what a path strictly inside it starts with. */
  private readonly rootPrefix: string;

  constructor(private readonly options: GarbageCollectorOptions) {
    this.root = resolvedPath(options.root);
    this.rootPrefix = this.root.endsWith(path.sep) ? this.root : this.root + path.sep;
  }

  /**
   * Schedules `target` for removal `delayMs` from now (Mesos' `schedule`); a path already
   * scheduled gets the new time. A path removed before and scheduled again (it came back) is
   * no longer reported as removed. A path not strictly inside the root is refused (logged): false.
   */
  schedule(target: string, delayMs: number): boolean {
    const resolved = resolvedPath(target);
    if (resolved.length <= this.rootPrefix.length || !resolved.startsWith(this.rootPrefix)) {
      this.options.log().error({ path: resolved, root: this.root }, 'refusing to schedule a path outside the work dir for garbage collection');
      return false;
    }
    const dueMs = this.read() + Math.max(0, delayMs);
    this.dueMs.set(resolved, dueMs);
    this.removed.delete(resolved);
    if (this.timer === undefined || dueMs < this.timerAtMs) this.arm(dueMs);
    return true;
  }

  /**
   * Takes `target` off the schedule (Mesos' `unschedule`): it is live again. A path that is due
   * and waiting for a removal slot is taken off too. False when it was neither scheduled nor
   * waiting, or its removal has already started (too late: see `removalHolding`).
   */
  unschedule(target: string): boolean {
    return this.unscheduleResolved(resolvedPath(target));
  }

  private unscheduleResolved(resolved: string): boolean {
    const waiting = this.queue.indexOf(resolved);
    if (waiting >= 0) this.queue.splice(waiting, 1);
    if (!this.dueMs.delete(resolved) && waiting < 0) return false;
    this.options.log().info({ path: resolved }, 'unscheduled from garbage collection');
    return true;
  }

  /**
   * Unschedules `target` and every directory holding it: something live is about to be made
   * there (a new executor run in the directory of a completed framework). What lies beside it
   * (older runs) stays scheduled. Removals of those directories are forgotten: they exist again.
   * Returns `removalHolding(target)`: nothing may be made there before it settles (Mesos'
   * `unschedule` returns the future of a removal under way, and `_run` waits for it).
   */
  unscheduleAncestors(target: string): Promise<void> | undefined {
    // Nothing scheduled, waiting or removed (an agent that has run nothing yet): nothing to walk.
    if (this.dueMs.size > 0 || this.queue.length > 0 || this.removed.size > 0) {
      // Only paths strictly inside the root are ever scheduled (or removed): the walk stops there.
      // A resolved path has no trailing separator, so each parent is the text before its last one.
      const resolved = resolvedPath(target);
      if (resolved.startsWith(this.rootPrefix)) {
        for (let end = resolved.length; end >= this.rootPrefix.length; end = resolved.lastIndexOf(path.sep, end - 1)) {
          // A directory no scheduled, waiting or removed path is as long as is none of them: its
          // text is not made and looked up (most of a new run's ancestors never were scheduled).
          if (this.queue.length === 0 && !this.dueMs.mayHold(end) && !this.removed.mayHold(end)) continue;
          const current = end === resolved.length ? resolved : resolved.slice(0, end);
          this.unscheduleResolved(current);
          this.removed.delete(current);
        }
      }
    }
    return this.removalHolding(target);
  }

  /**
   * The removals under way of `target` or of directories holding it, as one promise that
   * settles (never rejects) once they have all ended; undefined when there are none.
   */
  removalHolding(target: string): Promise<void> | undefined {
    if (this.removing.size === 0) return undefined;
    const resolved = resolvedPath(target);
    const holding = [...this.removing].filter(([removing]) => contains(removing, resolved)).map(([, ended]) => ended);
    if (holding.length === 0) return undefined;
    return Promise.all(holding).then(() => undefined);
  }

  /**
   * Removes now every path due within `withinMs` from now (Mesos' `prune`). Since the agent
   * schedules paths `gc_delay` ahead, `prune(gcDelayMs - maxAgeMs)` removes those that have
   * been garbage at least `maxAgeMs`.
   */
  prune(withinMs: number): void {
    const limitMs = this.options.now() + withinMs;
    const due = [...this.dueMs].filter(([, dueMs]) => dueMs <= limitMs).sort((a, b) => a[1] - b[1]);
    if (due.length > 0) this.options.log().info({ paths: due.length, withinMs }, 'removing sandboxes older than the disk\'s usage allows (--gc_delay scaled by the free share of the disk, less --gc_disk_headroom)');
    for (const [target] of due) this.enqueue(target);
  }

  /** When `target` is due, if it is scheduled. */
  scheduledAt(target: string): number | undefined {
    return this.dueMs.get(resolvedPath(target));
  }

  /** When the collector removed `target` or a directory holding it, if it did (among the last `GC_MAX_REMEMBERED_REMOVALS`). */
  removedAt(target: string): number | undefined {
    for (let current = resolvedPath(target); ; current = path.dirname(current)) {
      const atMs = this.removed.get(current);
      if (atMs !== undefined) return atMs;
      if (path.dirname(current) === current) return undefined;
    }
  }

  /** The `gc/*` metrics. */
  metrics(): GarbageCollectorMetrics {
    return {
      'gc/path_removals_succeeded': this.succeeded,
      'gc/path_removals_failed': this.failed,
      'gc/path_removals_pending': this.dueMs.size + this.queue.length + this.removing.size,
    };
  }

  /** Stops the timer (the owner is going away; nothing further is removed). */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(atMs: number): void {
    this.timer?.cancel();
    this.timerAtMs = atMs;
    this.timer = this.options.delay(Math.max(0, atMs - this.options.now()), (this.fireDue ??= () => this.fire()));
  }

  /**
   * The clock's reading. One earlier than the last says the clock was set back since: every due
   * time moves back as far (each path keeps what was left of its wait, longer by at most the time
   * since the last reading), and the timer with them.
   */
  private read(): number {
    const nowMs = this.options.now();
    const backMs = this.setBack.read(nowMs);
    if (backMs < 0) this.shift(backMs);
    return nowMs;
  }

  private shift(deltaMs: number): void {
    // Setting a key already there neither moves it nor makes the iteration see it again.
    for (const [target, dueMs] of this.dueMs) this.dueMs.set(target, dueMs + deltaMs);
    if (this.timer !== undefined) this.arm(this.timerAtMs + deltaMs);
  }

  /** The timer (set for `timerAtMs`) fired: everything due goes to the removal queue; the timer is set for the next. */
  private fire(): void {
    const atMs = this.timerAtMs;
    this.timer = undefined;
    // Before its time by the clock: the clock was set back (a real clock fires a timer early only then).
    if (this.options.now() < atMs) this.setBack.reached(atMs);
    const nowMs = this.read();
    let nextMs: number | undefined;
    for (const [target, dueMs] of [...this.dueMs]) {
      if (dueMs <= nowMs) this.enqueue(target);
      else nextMs = nextMs === undefined ? dueMs : Math.min(nextMs, dueMs);
    }
    if (nextMs !== undefined) this.arm(nextMs);
  }

  private enqueue(target: string): void {
    this.dueMs.delete(target);
    if (this.options.isLive?.(target) === true) {
      this.options.log().warn({ path: target }, 'not removing a scheduled path: something live is in it');
      return;
    }
    if (!this.queue.includes(target) && !this.removing.has(target)) this.queue.push(target);
    this.startRemovals();
  }

  private startRemovals(): void {
    while (this.removing.size < GC_MAX_CONCURRENT_REMOVALS && this.queue.length > 0) {
      const target = this.queue.shift() as string;
      // It may have waited for a slot while something live was made in it.
      if (this.options.isLive?.(target) === true) {
        this.options.log().warn({ path: target }, 'not removing a due path: something live is in it now');
        continue;
      }
      const removal = this.options.fileSystem.remove(target);
      this.removing.set(target, removal.then(() => undefined, () => undefined));
      this.options.defer(removal, () => this.removalEnded(target, undefined), (error) => this.removalEnded(target, error));
    }
  }

  private removalEnded(target: string, error: Error | undefined): void {
    this.removing.delete(target);
    if (error === undefined) {
      this.succeeded += 1;
      this.remember(target);
      this.options.log().info({ path: target }, 'garbage collected');
    } else {
      this.failed += 1;
      this.options.log().error({ path: target, error: error.message }, 'failed to garbage collect a path');
    }
    this.startRemovals();
  }

  private remember(target: string): void {
    this.removed.delete(target);
    this.removed.set(target, this.options.now());
    const oldest = this.removed.size > GC_MAX_REMEMBERED_REMOVALS ? this.removed.oldest() : undefined;
    if (oldest !== undefined) this.removed.delete(oldest);
  }
}

/**
 * Paths a `PathMap` keeps in two lists before it makes its maps: an agent has a few scheduled at
 * a time (its completed runs' and executors' directories), and two `Map`s made at its first were
 * ~380 bytes an agent at 100k agents (V8's sampling heap profiler on the scale bench's 100k burst, scratch).
 */
export const PATH_MAP_LIST_MAX = 8;

/**
 * A map by path, in insertion order, that can say without hashing a path's text that it holds
 * no path of some length (`mayHold`), so that a walk over a path's ancestors does not make and
 * hash each ancestor's text: a fresh string's hash costs a pass over it, which at one new
 * executor run per task was most of the walk. Up to `PATH_MAP_LIST_MAX` paths it keeps two lists
 * (and compares lengths by looking at each); past that, a map by path and a count of paths by
 * length, until it is emptied.
 */
class PathMap<V> implements Iterable<[string, V]> {
  /** Its paths and their values, while it keeps lists (nothing at all when empty). */
  private paths: string[] | undefined;
  private values: V[] | undefined;
  /** Its paths once past `PATH_MAP_LIST_MAX`, and how many of each length (none listed at zero). */
  private byPath: Map<string, V> | undefined;
  private lengths: Map<number, number> | undefined;

  get size(): number {
    return this.byPath !== undefined ? this.byPath.size : this.paths?.length ?? 0;
  }

  get(target: string): V | undefined {
    if (this.byPath !== undefined) return this.byPath.get(target);
    const index = this.paths === undefined ? -1 : this.paths.indexOf(target);
    return index < 0 ? undefined : (this.values as V[])[index];
  }

  set(target: string, value: V): void {
    if (this.byPath === undefined) {
      const paths: readonly string[] = this.paths ?? NO_PATHS;
      const values: readonly V[] = this.values ?? NO_PATHS;
      const index = paths.indexOf(target);
      if (index >= 0) {
        (this.values as V[])[index] = value;
        return;
      }
      if (paths.length < PATH_MAP_LIST_MAX) {
        // New lists of exactly their length: a pushed-to list grows by 17 slots at its first push.
        this.paths = appended(paths, target);
        this.values = appended(values, value);
        return;
      }
      this.byPath = new Map();
      this.lengths = new Map();
      this.paths = undefined;
      this.values = undefined;
      for (let kept = 0; kept < paths.length; kept++) this.setInMaps(paths[kept] as string, values[kept] as V);
    }
    this.setInMaps(target, value);
  }

  private setInMaps(target: string, value: V): void {
    const byPath = this.byPath as Map<string, V>;
    const lengths = this.lengths as Map<number, number>;
    const before = byPath.size;
    byPath.set(target, value);
    if (byPath.size !== before) lengths.set(target.length, (lengths.get(target.length) ?? 0) + 1);
  }

  delete(target: string): boolean {
    const { byPath, lengths } = this;
    if (byPath === undefined || lengths === undefined) {
      const index = this.paths === undefined ? -1 : this.paths.indexOf(target);
      if (index < 0) return false;
      const paths = this.paths as string[];
      if (paths.length === 1) {
        this.paths = this.values = undefined;
      } else {
        this.paths = removedAt(paths, index);
        this.values = removedAt(this.values as V[], index);
      }
      return true;
    }
    if (!lengths.has(target.length) || !byPath.delete(target)) return false;
    const left = (lengths.get(target.length) ?? 1) - 1;
    if (left === 0) lengths.delete(target.length);
    else lengths.set(target.length, left);
    // Emptied: lists again from the next path.
    if (byPath.size === 0) this.byPath = this.lengths = undefined;
    return true;
  }

  /** False when no path of `length` characters is here (true says only that one may be). */
  mayHold(length: number): boolean {
    if (this.lengths !== undefined) return this.lengths.has(length);
    const paths = this.paths;
    if (paths === undefined) return false;
    for (const kept of paths) if (kept.length === length) return true;
    return false;
  }

  /** The first path set and still here. */
  oldest(): string | undefined {
    if (this.byPath === undefined) return this.paths?.[0];
    for (const target of this.byPath.keys()) return target;
    return undefined;
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    if (this.byPath !== undefined) return this.byPath.entries();
    const { paths, values } = this;
    if (paths === undefined || values === undefined) return NO_PATHS[Symbol.iterator]();
    return paths.map((target, index): [string, V] => [target, values[index] as V])[Symbol.iterator]();
  }
}

/** What an empty `PathMap` lists and iterates. */
const NO_PATHS: readonly never[] = [];

/** Whether `inner` is `outer` or lies under it. */
export function contains(outer: string, inner: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);
}

/** One directory of the work dir's sandbox tree (`sandboxDirectories`). */
export type SandboxDirectory =
  | { readonly kind: 'agent'; readonly path: string; readonly agentId: string; readonly modifiedMs: number }
  | { readonly kind: 'framework'; readonly path: string; readonly agentId: string; readonly frameworkId: string; readonly modifiedMs: number }
  | { readonly kind: 'executor'; readonly path: string; readonly agentId: string; readonly frameworkId: string; readonly executorId: string; readonly modifiedMs: number }
  | {
    readonly kind: 'run'; readonly path: string; readonly agentId: string; readonly frameworkId: string; readonly executorId: string;
    readonly runId: string; readonly modifiedMs: number;
  };

/**
 * Every agent, framework, executor and executor run directory under `<workDir>/agents` (see
 * paths.ts), parents before children, with their modification times: what a starting agent
 * looks through for sandboxes to collect. `runs/latest` is a symlink, never listed. (A scan
 * recorded before executor directories were listed replays without them: their time is unknown.)
 */
export async function sandboxDirectories(fileSystem: SandboxFileSystem, workDir: string): Promise<SandboxDirectory[]> {
  const found: SandboxDirectory[] = [];
  const agentsDirectory = path.join(workDir, 'agents');
  for (const agentId of await fileSystem.subdirectories(agentsDirectory)) {
    const agentPath = path.join(agentsDirectory, agentId);
    const agentModifiedMs = await fileSystem.modifiedMs(agentPath);
    if (agentModifiedMs === undefined) continue;
    found.push({ kind: 'agent', path: agentPath, agentId, modifiedMs: agentModifiedMs });
    const frameworksDirectory = path.join(agentPath, 'frameworks');
    for (const frameworkId of await fileSystem.subdirectories(frameworksDirectory)) {
      const frameworkPath = path.join(frameworksDirectory, frameworkId);
      const frameworkModifiedMs = await fileSystem.modifiedMs(frameworkPath);
      if (frameworkModifiedMs === undefined) continue;
      found.push({ kind: 'framework', path: frameworkPath, agentId, frameworkId, modifiedMs: frameworkModifiedMs });
      const executorsDirectory = path.join(frameworkPath, 'executors');
      for (const executorId of await fileSystem.subdirectories(executorsDirectory)) {
        const executorPath = path.join(executorsDirectory, executorId);
        const executorModifiedMs = await fileSystem.modifiedMs(executorPath);
        if (executorModifiedMs !== undefined) found.push({ kind: 'executor', path: executorPath, agentId, frameworkId, executorId, modifiedMs: executorModifiedMs });
        const runsDirectory = path.join(executorPath, RUNS_DIRECTORY);
        for (const runId of await fileSystem.subdirectories(runsDirectory)) {
          const runPath = path.join(runsDirectory, runId);
          const runModifiedMs = await fileSystem.modifiedMs(runPath);
          if (runModifiedMs !== undefined) found.push({ kind: 'run', path: runPath, agentId, frameworkId, executorId, runId, modifiedMs: runModifiedMs });
        }
      }
    }
  }
  return found;
}

/**
 * The longest a completed sandbox may be kept at disk usage `usage` (Mesos' `Slave::age`):
 * `gcDelayMs × max(0, 1 − usage − headroom)`.
 * @example maxAllowedAgeMs(7 * 86_400_000, 0.5, 0.1) // 0.4 weeks
 */
export function maxAllowedAgeMs(gcDelayMs: number, usage: number, headroom: number): number {
  return gcDelayMs * Math.max(0, 1 - headroom - usage);
}
