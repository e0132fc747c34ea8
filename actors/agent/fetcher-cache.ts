/**
 * The fetcher's cache (Mesos' `--fetcher_cache_size` and `--fetcher_cache_dir`): a URI a command
 * asks to cache (`cache: true`) is fetched once per user and kept in the cache directory; later
 * fetches of it by the same user copy it from there (or extract it from there) instead of
 * fetching it again. Two launches fetching the same URI at once share one fetch.
 *
 * The cache holds at most `capacityBytes`: once an entry brings it past that, the least recently
 * used entries no launch is using are removed until it fits (an entry alone larger than the cache
 * is used by the launch that fetched it and removed after). A failed fetch leaves no entry; the
 * next launch fetches again.
 *
 * Each user has a directory of their own in the cache, theirs alone (mode 0700), and everything in
 * it is written and removed as that user, as the fetch into a sandbox is: a user's cached files are
 * not readable by other users' tasks. The cache starts empty at each start of the agent (as Mesos'):
 * the directory is emptied at first use, but only a directory this cache made (it has the marker
 * file `CACHE_MARKER`) or an empty one; any other is refused, and the agent fetches directly.
 */
import { chmod, chown, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { FetchAccount } from './fetcher';

/** Mesos' `--fetcher_cache_size`: 2 GB. */
export const FETCHER_CACHE_SIZE_BYTES = 2 * 1024 * 1024 * 1024;
/** The file that marks a directory as the fetcher cache's own (so it may be emptied at start). */
export const CACHE_MARKER = '.mesos-fetcher-cache';
/** A user's directory in the cache: theirs alone. */
const USER_DIRECTORY_MODE = 0o700;

/** The cache's directory cannot be used (the fetcher then fetches directly). */
export class CacheUnavailable extends Error {
  override readonly name = 'CacheUnavailable';
}

/** One cached file. */
interface CacheEntry {
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
   * fetch does, or when the cache directory cannot be used.
   */
  async use(uri: string, basename: string, account: FetchAccount | undefined, fetchInto: (file: string, directory: string) => Promise<void>): Promise<CachedFile> {
    await this.prepare();
    const key = `${account === undefined ? '-' : `${account.uid}:${account.gid}`}\0${basename}\0${uri}`;
    let entry = this.entries.get(key);
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
      entry.users--;
      throw error;
    }
    let released = false;
    const held = entry;
    return {
      file: held.file,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        this.evict();
      },
    };
  }

  /** Makes the entry of `key` and starts its fetch; it counts once fetched, and goes if the fetch fails. */
  private newEntry(key: string, basename: string, account: FetchAccount | undefined, fetchInto: (file: string, directory: string) => Promise<void>): CacheEntry {
    // Made at once (before any wait), so that a launch asking for the same URI meanwhile shares it.
    const userDirectory = path.join(this.directory, account === undefined ? 'agent' : String(account.uid));
    const directory = path.join(userDirectory, `c${this.nextEntry++}`);
    const file = path.join(directory, basename);
    const ready = (async (): Promise<number> => {
      await this.makeUserDirectory(userDirectory, account);
      await fetchInto(file, userDirectory);
      return (await stat(file)).size;
    })();
    const entry: CacheEntry = { file, directory, account, ready, size: 0, users: 0 };
    this.entries.set(key, entry);
    ready.then((size) => {
      entry.size = size;
      this.usedBytes += size;
      this.evict();
    }, () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      void this.remove(directory, account).catch(() => undefined);
    });
    return entry;
  }

  /** Removes the least recently used entries no launch uses until the cache fits (an entry in use stays, over it or not). */
  private evict(): void {
    if (this.usedBytes <= this.capacityBytes) return;
    for (const [key, entry] of this.entries) {
      if (this.usedBytes <= this.capacityBytes) return;
      if (entry.users > 0 || entry.size === 0) continue;
      this.entries.delete(key);
      this.usedBytes -= entry.size;
      void this.remove(entry.directory, entry.account).catch(() => undefined);
    }
  }

  /** Makes `directory`, that of `account`'s entries, theirs alone. */
  private async makeUserDirectory(directory: string, account: FetchAccount | undefined): Promise<void> {
    await mkdir(directory, { recursive: true, mode: USER_DIRECTORY_MODE });
    if (account !== undefined) await chown(directory, account.uid, account.gid);
    await chmod(directory, USER_DIRECTORY_MODE);
  }

  /** Empties the cache's directory at first use (the cache starts empty, as Mesos'), if it is ours. */
  private prepare(): Promise<void> {
    this.prepared ??= this.emptyDirectory().catch((error: unknown) => {
      throw error instanceof CacheUnavailable ? error : new CacheUnavailable(`the fetcher cache directory '${this.directory}' (--fetcher_cache_dir) cannot be used: ${error instanceof Error ? error.message : String(error)}`);
    });
    return this.prepared;
  }

  private emptyDirectory(): Promise<void> {
    return (async (): Promise<void> => {
      await mkdir(this.directory, { recursive: true, mode: 0o755 });
      const names = await readdir(this.directory);
      if (names.length > 0 && !names.includes(CACHE_MARKER)) {
        throw new CacheUnavailable(`the fetcher cache directory '${this.directory}' (--fetcher_cache_dir) holds files this cache did not make; it empties its directory at start, so it uses only its own or an empty one`);
      }
      await Promise.all(names.filter((name) => name !== CACHE_MARKER).map((name) => rm(path.join(this.directory, name), { recursive: true, force: true })));
      await writeFile(path.join(this.directory, CACHE_MARKER), 'The agent\'s fetcher cache: emptied at each start of the agent.\n');
    })();
  }
}
