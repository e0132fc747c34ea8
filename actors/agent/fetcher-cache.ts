/**
 * The fetcher's cache (Mesos' `--fetcher_cache_size` and `--fetcher_cache_dir`): a URI a command
 * asks to cache (`cache: true`) is fetched once per user and kept in the cache directory; later
 * fetches of it by the same user copy it from there (or extract it from there) instead of
 * fetching it again. Two launches fetching the same URI at once share one fetch.
 *
 * The cache holds at most `capacityBytes`: once an entry brings it past that, the least recently
 * used entries no launch is using are removed until it fits (an entry alone larger than the cache
 * is not kept, and pushes nothing out: it serves the launches that asked for it and goes). A failed
 * fetch leaves no entry: the launch that started it fails, those that waited on it fetch directly
 * (as Mesos), and the next launch fetches again. An entry whose file went is fetched again.
 *
 * Each user has a directory of their own in the cache, theirs alone (mode 0700), and everything in
 * it is written and removed as that user, as the fetch into a sandbox is: a user's cached files are
 * not readable by other users' tasks. The cache starts empty at each start of the agent (as Mesos'):
 * the directory is emptied at first use, but only a directory this cache made (it has the marker
 * file `CACHE_MARKER`) or an empty one, and only one the agent alone may write (whoever else may
 * could plant the marker); any other is refused, and the agent fetches directly. Removed mid-run,
 * it is made again.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { FetchAccount } from './fetcher';

/** Mesos' `--fetcher_cache_size`: 2 GB. */
export const FETCHER_CACHE_SIZE_BYTES = 2 * 1024 * 1024 * 1024;
/** The file that marks a directory as the fetcher cache's own (so it may be emptied at start). */
export const CACHE_MARKER = '.mesos-fetcher-cache';
/** A user's directory in the cache: theirs alone. */
const USER_DIRECTORY_MODE = 0o700;
/** The cache's directory: the agent's to write, everyone's to pass through (to their own directory). */
const CACHE_DIRECTORY_MODE = 0o755;
const MARKER_TEXT = 'The agent\'s fetcher cache: emptied at each start of the agent.\n';

/** The cache's directory cannot be used (the fetcher then fetches directly). */
export class CacheUnavailable extends Error {
  override readonly name = 'CacheUnavailable';
}

/**
 * The fetch into the cache that another launch started, and this one waited on, failed: this
 * launch fetches directly (as Mesos reverts to the sandbox), since why it failed may be the other
 * launch's alone (its sandbox's smaller disk).
 */
export class SharedFetchFailed extends Error {
  override readonly name = 'SharedFetchFailed';
}

/** One cached file. */
interface CacheEntry {
  readonly key: string;
  /** The cached file (its basename as the URI's file is named: archives are told by it). */
  readonly file: string;
  /** Its directory in the user's (one per entry). */
  readonly directory: string;
  /** Whose it is (undefined: the agent's own user). */
  readonly account: FetchAccount | undefined;
  /** Settles once it is fetched (resolves with its size), or with why not. */
  readonly ready: Promise<number>;
  /** Its size once fetched. */
  size: number;
  /** Whether its size counts in `usedBytes` (fetched, and no larger than the cache). */
  counted: boolean;
  /** Whether it left the cache (evicted, failed, too large, its file gone): its directory goes once no launch uses it. */
  retired: boolean;
  /** Launches using it now (it is not removed while any does). */
  users: number;
}

/** What `FetcherCache.use` hands out: a cached file, held until `release`. */
export interface CachedFile {
  readonly file: string;
  release(): void;
}

/** Removes a path as a user (the fetcher runs `rm` through `setpriv`), or as the agent. */
export type CacheRemover = (target: string, account: FetchAccount | undefined) => Promise<void>;

/** The fetcher's cache; one per agent. */
export class FetcherCache {
  /** Entries by key, least recently used first (`use` moves an entry to the end). */
  private readonly entries = new Map<string, CacheEntry>();
  private usedBytes = 0;
  private nextEntry = 0;
  /** Settles once the directory is ready (emptied at first use), or with why it cannot be used. */
  private prepared: Promise<void> | undefined;

  constructor(
    /** The cache's directory (`--fetcher_cache_dir`). */
    readonly directory: string,
    /** At most this many bytes of cached files (`--fetcher_cache_size`). */
    readonly capacityBytes: number,
    private readonly remove: CacheRemover,
  ) {}

  /** Bytes of the cached files now (Mesos' `containerizer/fetcher/cache_size_used_bytes`). */
  get sizeBytes(): number {
    return this.usedBytes;
  }

  /**
   * The cached file of `uri` for `account` named `basename`: one held already, or one `fetchInto`
   * fetches now (given the path to fetch to, and the account's directory for the commands it
   * runs), shared with every launch that asks meanwhile. Hold it until `release`. Rejects as the
   * fetch does (`SharedFetchFailed` for a launch that shared another's), or when the cache
   * directory cannot be used.
   */
  async use(uri: string, basename: string, account: FetchAccount | undefined, fetchInto: (file: string, directory: string) => Promise<void>): Promise<CachedFile> {
    await this.prepare();
    const key = `${account === undefined ? '-' : `${account.uid}:${account.gid}`}\0${basename}\0${uri}`;
    const known = this.entries.get(key);
    // An entry whose file went (removed by hand, or by a task as its user) is fetched again, as Mesos validates one.
    if (known?.counted === true && !(await exists(known.file))) this.retire(known);
    let entry = this.entries.get(key);
    const shared = entry !== undefined;
    if (entry !== undefined) {
      // The most recently used goes last.
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      entry = this.newEntry(key, basename, account, fetchInto);
    }
    entry.users++;
    try {
      await entry.ready;
    } catch (error) {
      this.unuse(entry);
      if (!shared) throw error;
      throw new SharedFetchFailed(`the fetch into the cache another launch started failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    let released = false;
    const held = entry;
    return {
      file: held.file,
      release: () => {
        if (released) return;
        released = true;
        this.unuse(held);
      },
    };
  }

  /** Makes the entry of `key` and starts its fetch; it counts once fetched, unless larger than the cache, and goes if the fetch fails. */
  private newEntry(key: string, basename: string, account: FetchAccount | undefined, fetchInto: (file: string, directory: string) => Promise<void>): CacheEntry {
    // Made at once (before any wait), so that a launch asking for the same URI meanwhile shares it.
    const userDirectory = path.join(this.directory, account === undefined ? 'agent' : String(account.uid));
    const directory = path.join(userDirectory, `c${this.nextEntry++}`);
    const file = path.join(directory, basename);
    const ready = (async (): Promise<number> => {
      await this.makeUserDirectory(userDirectory, account);
      await fetchInto(file, userDirectory);
      // Not followed: a symlink a task put there (as the user) must not count as its target.
      return (await lstat(file)).size;
    })();
    const entry: CacheEntry = { key, file, directory, account, ready, size: 0, counted: false, retired: false, users: 0 };
    this.entries.set(key, entry);
    ready.then((size) => {
      entry.size = size;
      // Larger than the whole cache: it serves the launches that asked for it and goes, pushing
      // nothing out (Mesos refuses to reserve it, and fetches it directly).
      if (entry.retired || size > this.capacityBytes) return this.retire(entry);
      entry.counted = true;
      this.usedBytes += size;
      this.evict();
    }, () => this.retire(entry));
    return entry;
  }

  /** A launch stops using `entry`: one that left the cache goes with its last user; otherwise the cache may now fit. */
  private unuse(entry: CacheEntry): void {
    if (entry.users <= 0) throw new Error(`fetcher cache: '${entry.file}' released more often than used`);
    entry.users--;
    if (entry.retired) {
      if (entry.users === 0) this.removeDirectory(entry);
    } else {
      this.evict();
    }
  }

  /** Takes `entry` out of the cache (no launch gets it again); its directory goes now, or with its last user. */
  private retire(entry: CacheEntry): void {
    if (entry.retired) return;
    entry.retired = true;
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    if (entry.counted) {
      entry.counted = false;
      this.usedBytes -= entry.size;
    }
    if (entry.users === 0) this.removeDirectory(entry);
  }

  private removeDirectory(entry: CacheEntry): void {
    void this.remove(entry.directory, entry.account).catch(() => undefined);
  }

  /** Removes the least recently used entries no launch uses until the cache fits (an entry in use stays, over it or not). */
  private evict(): void {
    for (const entry of [...this.entries.values()]) {
      if (this.usedBytes <= this.capacityBytes) return;
      if (entry.users === 0 && entry.counted) this.retire(entry);
    }
  }

  /** Makes `directory`, that of `account`'s entries, theirs alone (and the cache's own again, if it was removed meanwhile). */
  private async makeUserDirectory(directory: string, account: FetchAccount | undefined): Promise<void> {
    await this.makeCacheDirectory();
    await mkdir(directory, { recursive: true, mode: USER_DIRECTORY_MODE });
    if (account !== undefined) await chown(directory, account.uid, account.gid);
    await chmod(directory, USER_DIRECTORY_MODE);
  }

  /**
   * Makes the cache's directory, if it is not there (removed mid-run, it is made again: users must
   * reach their directories in it, so rwxr-xr-x, whatever the umask), checks that it is the
   * agent's alone to write, and marks it as the cache's.
   */
  private async makeCacheDirectory(): Promise<void> {
    await this.makeDirectory();
    await this.checkOwnership();
    await writeFile(path.join(this.directory, CACHE_MARKER), MARKER_TEXT, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }

  /** Makes the cache's directory if it is not there, rwxr-xr-x whatever the umask (one there is checked, not changed). */
  private async makeDirectory(): Promise<void> {
    const made = await mkdir(this.directory, { recursive: true, mode: CACHE_DIRECTORY_MODE });
    if (made !== undefined) await chmod(this.directory, CACHE_DIRECTORY_MODE);
  }

  /**
   * Refuses a cache directory that anyone but the agent may write: whoever may could plant the
   * marker (and have the agent empty the directory), or replace a user's directory in it with a
   * symlink the agent then gives that user (`chown`).
   */
  private async checkOwnership(): Promise<void> {
    const stats = await stat(this.directory);
    const agent = process.getuid?.();
    if (!stats.isDirectory()) throw new CacheUnavailable(`the fetcher cache directory '${this.directory}' (--fetcher_cache_dir) is not a directory`);
    if ((agent !== undefined && stats.uid !== agent) || (stats.mode & 0o022) !== 0) {
      throw new CacheUnavailable(`the fetcher cache directory '${this.directory}' (--fetcher_cache_dir) may be written by others than the agent (owner ${stats.uid}, mode ${(stats.mode & 0o7777).toString(8)}); it must be the agent's alone`);
    }
  }

  /** Empties the cache's directory at first use (the cache starts empty, as Mesos'), if it is ours. */
  private prepare(): Promise<void> {
    this.prepared ??= this.emptyDirectory().catch((error: unknown) => {
      throw error instanceof CacheUnavailable ? error : new CacheUnavailable(`the fetcher cache directory '${this.directory}' (--fetcher_cache_dir) cannot be used: ${error instanceof Error ? error.message : String(error)}`);
    });
    return this.prepared;
  }

  private async emptyDirectory(): Promise<void> {
    await this.makeDirectory();
    await this.checkOwnership();
    const names = await readdir(this.directory);
    if (names.length > 0 && !names.includes(CACHE_MARKER)) {
      throw new CacheUnavailable(`the fetcher cache directory '${this.directory}' (--fetcher_cache_dir) holds files this cache did not make; it empties its directory at start, so it uses only its own or an empty one`);
    }
    const targets = names.filter((name) => name !== CACHE_MARKER).map((name) => path.join(this.directory, name));
    // GNU `rm`, not `fs.rm`: the users' directories are theirs, and their tasks (still running
    // across a restart) could swap a directory for a symlink while a path-walking removal,
    // running as root, is inside it; `rm` walks by descriptor and never follows one.
    if (targets.length > 0) await removeTree(targets);
    await writeFile(path.join(this.directory, CACHE_MARKER), MARKER_TEXT);
  }
}

/** Whether `file` is there (a symlink counts: its target is the user's business). */
function exists(file: string): Promise<boolean> {
  return lstat(file).then(() => true, () => false);
}

/** `rm -rf` of `targets`, as the agent. */
function removeTree(targets: readonly string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    execFile('rm', ['-rf', '--', ...targets], (error, _stdout, stderr) => (error === null ? resolve() : reject(new Error(`rm failed: ${stderr.trim() || error.message}`))));
  });
}
