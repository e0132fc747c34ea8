/**
 * Where the master's registry and the agents' work dirs live (DESIGN.md §14): the machine's
 * file system (`nodeDisk`, the default everywhere), or an in-memory disk (`MemoryDisk`) that a
 * simulation gives each of its machines, so that it does no real I/O and every seed replays.
 *
 * A `MemoryDisk` can be told to fail writes or to make them slow, in the time of the clock it
 * is given (a simulation's virtual clock), so that the chaos run can put the registry under
 * the faults a real disk has.
 */
import { promises as fs } from 'node:fs';
import * as fsSync from 'node:fs';
import * as path from 'node:path';
import { normalizedAbsolutePath } from './absolute-path';
import type { Clock } from './process/clock';

/** The file operations the registry and the agents' sandboxes need. */
export interface Disk {
  /**
   * The file's text, or undefined if there is no such file. With `maxBytes`, a file of more bytes
   * is not read: the promise rejects with a `FileTooLargeError` naming the file and the bound.
   */
  readFile(filePath: string, maxBytes?: number): Promise<string | undefined>;
  /**
   * Replaces the file (creating its directory) so that a crash or a failed write leaves either
   * the old contents or the new, never a mix; resolves once the new contents are durable.
   */
  writeFileAtomically(filePath: string, contents: string): Promise<void>;
  /**
   * Appends `text` to the file (creating it and its directory) and resolves once it is durable.
   * A crash or a failed append may leave part of `text` at the end: readers must tolerate a
   * torn last line.
   */
  appendFile(filePath: string, text: string): Promise<void>;
  /** Creates a directory and its missing parents; an existing one is fine. With `mode`, the directory itself gets it (`chmod`), new or not. */
  makeDirectory(directory: string, mode?: number): Promise<void>;
  /**
   * Removes `directory` and everything in it; one that is not there is fine. A symbolic link in
   * it is removed, never followed (what it points to stays).
   */
  removeDirectory(directory: string): Promise<void>;
  /**
   * Makes `<root>/<relative>` a symbolic link to `target`, making the missing directories between
   * (`relative`: `/`-separated, no empty, `.` or `..` part). Follows no symbolic link below `root`
   * and replaces nothing: a link to `target` already there is fine; anything else there, or
   * anything but a directory between, rejects with a `PathInTheWayError` naming it.
   * @example disk.makeSymlink(sandbox, 'data/db', '/var/lib/mesos/volumes/roles/eng/db-1') // <sandbox>/data/db → the volume
   */
  makeSymlink(root: string, relative: string, target: string): Promise<void>;
  /**
   * Removes the symbolic link `linkPath` when it points to `target`, and resolves true; anything
   * else there (or nothing) is left as it is, and it resolves false.
   */
  removeSymlink(linkPath: string, target: string): Promise<boolean>;
}

/** Something is where `Disk.makeSymlink` would make a link or a directory: it is never replaced. */
export class PathInTheWayError extends Error {
  /** @param what what is there (`a file`, `a directory`, `a symbolic link to /x`...). */
  constructor(readonly target: string, readonly what: string) {
    super(`${target} is in the way: ${what} is there`);
    this.name = 'PathInTheWayError';
  }
}

/** Why `relative` cannot name a path below a directory (`Disk.makeSymlink`'s rule), or undefined. */
export function relativePathError(relative: string): string | undefined {
  if (relative.startsWith('/')) return `'${relative}' is absolute`;
  if (relative.split('/').some((part) => part === '' || part === '.' || part === '..')) return `'${relative}' has an empty, '.' or '..' part`;
  return undefined;
}

/** The machine's file system. */
export const nodeDisk: Disk = {
  async readFile(filePath: string, maxBytes?: number): Promise<string | undefined> {
    try {
      return maxBytes === undefined ? await fs.readFile(filePath, 'utf8') : await readBoundedFile(filePath, maxBytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  writeFileAtomically,
  async appendFile(filePath: string, text: string): Promise<void> {
    await makeDirectories(path.dirname(filePath));
    await writeAndSync(filePath, 'a', text);
  },
  async makeDirectory(directory: string, mode?: number): Promise<void> {
    await makeDirectories(directory);
    if (mode !== undefined) await fs.chmod(directory, mode);
  },
  removeDirectory: (directory: string) => fs.rm(directory, { recursive: true, force: true }),
  makeSymlink: makeSymlinkBelow,
  async removeSymlink(linkPath: string, target: string): Promise<boolean> {
    if (await linkTarget(linkPath) !== target) return false;
    await fs.unlink(linkPath);
    return true;
  },
};

/** `nodeDisk.makeSymlink`: each level between lstat'ed (never followed), made when missing. */
async function makeSymlinkBelow(root: string, relative: string, target: string): Promise<void> {
  const error = relativePathError(relative);
  if (error !== undefined) throw new Error(`cannot make a symbolic link below ${root}: ${error}`);
  const parts = relative.split('/');
  let current = root;
  for (let index = 0; index < parts.length - 1; index++) {
    current = path.join(current, parts[index] as string);
    const found = await lstatIfAny(current);
    if (found?.isDirectory() === true) continue;
    if (found !== undefined) throw new PathInTheWayError(current, await describeEntry(current, found));
    await fs.mkdir(current).catch(async (mkdirError: NodeJS.ErrnoException) => {
      // Made meanwhile: fine if it is a directory (a symbolic link there is not).
      const raced = mkdirError.code === 'EEXIST' ? await lstatIfAny(current) : undefined;
      if (raced?.isDirectory() !== true) throw raced === undefined ? mkdirError : new PathInTheWayError(current, await describeEntry(current, raced));
    });
  }
  const link = path.join(current, parts[parts.length - 1] as string);
  try {
    await fs.symlink(target, link);
  } catch (symlinkError) {
    if ((symlinkError as NodeJS.ErrnoException).code !== 'EEXIST') throw symlinkError;
    const found = await lstatIfAny(link);
    // Gone again meanwhile: the EEXIST stands (nothing is retried: something else is changing the sandbox).
    if (found === undefined) throw symlinkError;
    if (found.isSymbolicLink() && await linkTarget(link) === target) return;
    throw new PathInTheWayError(link, await describeEntry(link, found));
  }
}

/** `target`'s lstat, or undefined when there is nothing there. */
async function lstatIfAny(target: string): Promise<fsSync.Stats | undefined> {
  try {
    return await fs.lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** What a symbolic link at `target` points to, or undefined when there is no link there. */
async function linkTarget(target: string): Promise<string | undefined> {
  try {
    return await fs.readlink(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EINVAL') return undefined;
    throw error;
  }
}

/** `PathInTheWayError`'s words for what is at `target`. */
async function describeEntry(target: string, stats: fsSync.Stats): Promise<string> {
  if (stats.isSymbolicLink()) return `a symbolic link to ${await linkTarget(target) ?? '(unreadable)'}`;
  if (stats.isDirectory()) return 'a directory';
  return stats.isFile() ? 'a file' : 'something other than a directory';
}

/** A file `Disk.readFile` was asked to read within a bound it exceeds. */
export class FileTooLargeError extends Error {
  constructor(readonly filePath: string, readonly maxBytes: number) {
    super(`${filePath} is larger than the ${maxBytes} bytes it may have`);
    this.name = 'FileTooLargeError';
  }
}

/** Bytes `readBoundedFile` reads at a time past the size the file had when opened (it grew meanwhile). */
const BOUNDED_READ_CHUNK_BYTES = 64 * 1024;

/**
 * The text of `filePath` if it has at most `maxBytes` bytes. It is read to its end (one read of
 * the size it had when opened, and one more byte, then in chunks), so a file that grows past the
 * bound while it is read is refused too; never more than the bound and a chunk is held.
 */
async function readBoundedFile(filePath: string, maxBytes: number): Promise<string> {
  const handle = await fs.open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new FileTooLargeError(filePath, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (let chunkBytes = size + 1; ; chunkBytes = BOUNDED_READ_CHUNK_BYTES) {
      const chunk = Buffer.alloc(chunkBytes);
      const { bytesRead } = await handle.read(chunk, 0, chunkBytes, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new FileTooLargeError(filePath, maxBytes);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir spins forever where a level
 * cannot be made and does not exist either (e.g. under /proc); this fails with the path and the
 * reason instead.
 */
export async function makeDirectories(directory: string): Promise<void> {
  // The common case (every journal append): it is there already, one stat.
  if ((await fs.stat(directory).catch(() => undefined))?.isDirectory() === true) return;
  for (const level of levels(directory)) {
    try {
      await fs.mkdir(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotMake(level, error);
      if (!(await fs.stat(level)).isDirectory()) throw new Error(`cannot create directory ${level}: a file is in the way`);
    }
  }
}

/** `makeDirectories`, synchronously (for the bins, before anything starts). */
export function makeDirectoriesSync(directory: string): void {
  if (isDirectorySync(directory)) return;
  for (const level of levels(directory)) {
    try {
      fsSync.mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotMake(level, error);
      if (!fsSync.statSync(level).isDirectory()) throw new Error(`cannot create directory ${level}: a file is in the way`);
    }
  }
}

/** Whether `directory` is one (any error: not known to be; the level-by-level walk says why). */
function isDirectorySync(directory: string): boolean {
  try {
    return fsSync.statSync(directory).isDirectory();
  } catch {
    return false;
  }
}

/** `/a/b/c` → `/a`, `/a/b`, `/a/b/c` (absolute). */
function levels(directory: string): string[] {
  const absolute = path.resolve(directory);
  const parts = absolute.split(path.sep).filter((part) => part.length > 0);
  return parts.map((_, index) => path.sep + parts.slice(0, index + 1).join(path.sep));
}

function cannotMake(level: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new Error(`cannot create directory ${level} (${code})`);
}

/**
 * Replaces `filePath` with `contents` so that a crash at any point leaves either the old or
 * the new file: write a temp file next to it, fsync it, rename it over, fsync the directory.
 */
export async function writeFileAtomically(filePath: string, contents: string): Promise<void> {
  const directory = path.dirname(filePath);
  await makeDirectories(directory);
  const temporary = `${filePath}.tmp`;
  await writeAndSync(temporary, 'w', contents);
  await fs.rename(temporary, filePath);
  await syncDirectory(directory);
}

/** Opens `filePath` with `flags` (`w` replaces, `a` appends), writes `text`, and fsyncs it. */
async function writeAndSync(filePath: string, flags: 'w' | 'a', text: string): Promise<void> {
  const handle = await fs.open(filePath, flags, 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename durable; some platforms cannot fsync a directory, which is not an error there. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error;
  } finally {
    await handle?.close();
  }
}

/** What `MemoryDisk.failNextWrites` rejects with unless told otherwise. */
export const SIMULATED_WRITE_ERROR = 'EIO: simulated write failure';

/** Counts of a memory disk's writes, for tests and the chaos run's log. */
export interface MemoryDiskWrites {
  /** Writes asked for. */
  readonly started: number;
  /** Writes whose contents are now on the disk. */
  readonly completed: number;
  /** Writes that failed on purpose, leaving the old contents. */
  readonly failed: number;
  /** Writes asked for that have neither completed nor failed yet (slow ones). */
  readonly inFlight: number;
}

/** A memory disk's file of this many characters or more takes appends into a list, joined later (`MemoryDisk`'s `appends`). */
export const MEMORY_DISK_LARGE_FILE_CHARS = 4_096;
/** Appends a large file of a memory disk takes before they are joined into its contents. */
export const MEMORY_DISK_APPENDS_JOINED = 64;

/**
 * A disk in memory. Reads, writes and directories behave like `nodeDisk`'s; a symbolic link is
 * only recorded (`symlinkTarget`: nothing is read or written through it); a write takes no
 * time (it completes through promise callbacks only, in a fixed order) unless `delayWritesMs`
 * says otherwise, and fails if `failNextWrites` says so.
 *
 * @example
 *   const disk = new MemoryDisk(clock);
 *   const registry = await Registry.load('/master/registry.json', disk);
 *   disk.failNextWrites(1);        // the next registry write rejects; the file keeps its old contents
 *   disk.delayWritesMs(2_000);     // later writes complete 2 s of clock time after they start
 */
export class MemoryDisk implements Disk {
  /** File contents by normalized path (a large one's latest appends may wait in `appends`). */
  private readonly files = new Map<string, string>();
  /**
   * The texts appended to a large file (`MEMORY_DISK_LARGE_FILE_CHARS` or more) since its contents
   * were last joined with them: joined every `MEMORY_DISK_APPENDS_JOINED` appends, and when read.
   * A string appended to another is a concatenation node (and the appended text often one of its
   * own), ~250 bytes a line kept beside its ~490 characters in a simulated master's registry log
   * (~25 MB at 100k agents, in the scale bench's process); joined, a line costs its characters.
   */
  private readonly appends = new Map<string, string[]>();
  /**
   * Directories made (by `makeDirectory`, or as a written file's), by normalized path. Each
   * stands for its ancestors too, which are not kept (`exists` and `listDirectories` work them
   * out): a simulated agent's sandbox made five or six ancestors a task, ~490 bytes each task
   * kept for good in a simulation of 100k agents. The root always exists.
   */
  private readonly directories = new Set<string>();
  /** Symbolic links, by normalized path, to what each points to (made at the first: most disks have none). */
  private links: Map<string, string> | undefined;
  /** Writes left to fail, and with what message. */
  private failures: { left: number; message: string } = { left: 0, message: SIMULATED_WRITE_ERROR };
  /** Clock time each write takes (0: none). */
  private writeDelayMs = 0;
  /** Told of each write once it is on the disk (`onWritten`). */
  private writtenListener: ((file: string) => void) | undefined;
  private counts = { started: 0, completed: 0, failed: 0 };

  /** @param clock times slow writes (a simulation passes its virtual clock). */
  constructor(private readonly clock?: Clock) {}

  async readFile(filePath: string, maxBytes?: number): Promise<string | undefined> {
    const file = normalize(filePath);
    this.joinAppends(file);
    const contents = this.files.get(file);
    if (contents !== undefined && maxBytes !== undefined && Buffer.byteLength(contents, 'utf8') > maxBytes) throw new FileTooLargeError(filePath, maxBytes);
    return contents;
  }

  async writeFileAtomically(filePath: string, contents: string): Promise<void> {
    await this.write(filePath, (file) => {
      this.appends.delete(file);
      this.files.set(file, contents);
    });
  }

  /** Appends like `writeFileAtomically` writes: a failed append leaves the file as it was. */
  async appendFile(filePath: string, text: string): Promise<void> {
    await this.write(filePath, (file) => {
      const pending = this.appends.get(file);
      if (pending !== undefined) {
        pending.push(text);
        if (pending.length >= MEMORY_DISK_APPENDS_JOINED) this.joinAppends(file);
        return;
      }
      const old = this.files.get(file) ?? '';
      if (old.length >= MEMORY_DISK_LARGE_FILE_CHARS) this.appends.set(file, [text]);
      else this.files.set(file, old + text);
    });
  }

  /** Joins a large file's waiting appends, if any, into its contents (one flat string for them all). */
  private joinAppends(file: string): void {
    const pending = this.appends.get(file);
    if (pending === undefined) return;
    this.appends.delete(file);
    this.files.set(file, (this.files.get(file) ?? '') + pending.join(''));
  }

  /** One write (a replacement or an append, done by `apply` on the normalized path), counted, failed or delayed as told. */
  private async write(filePath: string, apply: (file: string) => void): Promise<void> {
    const file = normalize(filePath);
    this.counts.started++;
    const failure = this.failures.left > 0 ? this.failures.message : undefined;
    if (failure !== undefined) this.failures.left--;
    if (this.writeDelayMs > 0) await this.afterDelay(this.writeDelayMs);
    if (failure !== undefined) {
      this.counts.failed++;
      throw new Error(failure);
    }
    this.addDirectory(path.posix.dirname(file));
    apply(file);
    this.counts.completed++;
    this.writtenListener?.(file);
  }

  async makeDirectory(directory: string): Promise<void> {
    this.addDirectory(normalize(directory));
  }

  /** Removes it, what is in it, and links in it; its parent stays (made explicit, as it may have been only implied). O(entries): rare (a volume's destruction). */
  async removeDirectory(directory: string): Promise<void> {
    const normalized = normalize(directory);
    if (normalized === '/') throw new Error('a memory disk does not remove its root');
    const inside = `${normalized}/`;
    const below = (key: string): boolean => key === normalized || key.startsWith(inside);
    let removed = false;
    for (const file of this.files.keys()) {
      if (!below(file)) continue;
      this.files.delete(file);
      this.appends.delete(file);
      removed = true;
    }
    for (const made of this.directories) {
      if (!below(made)) continue;
      this.directories.delete(made);
      removed = true;
    }
    for (const link of this.links?.keys() ?? []) {
      if (!below(link)) continue;
      this.links?.delete(link);
      removed = true;
    }
    if (removed) this.addDirectory(path.posix.dirname(normalized));
  }

  async makeSymlink(root: string, relative: string, target: string): Promise<void> {
    const error = relativePathError(relative);
    if (error !== undefined) throw new Error(`cannot make a symbolic link below ${root}: ${error}`);
    const parts = relative.split('/');
    let current = normalize(root);
    for (let index = 0; index < parts.length - 1; index++) {
      current = `${current === '/' ? '' : current}/${parts[index] as string}`;
      const what = this.files.has(current) ? 'a file' : this.links?.has(current) === true ? `a symbolic link to ${this.links.get(current) as string}` : undefined;
      if (what !== undefined) throw new PathInTheWayError(current, what);
    }
    const link = `${current === '/' ? '' : current}/${parts[parts.length - 1] as string}`;
    const existing = this.links?.get(link);
    if (existing === target) return;
    if (existing !== undefined) throw new PathInTheWayError(link, `a symbolic link to ${existing}`);
    if (this.files.has(link)) throw new PathInTheWayError(link, 'a file');
    if (this.exists(link)) throw new PathInTheWayError(link, 'a directory');
    this.addDirectory(current);
    (this.links ??= new Map()).set(link, target);
  }

  async removeSymlink(linkPath: string, target: string): Promise<boolean> {
    const link = normalize(linkPath);
    if (this.links?.get(link) !== target) return false;
    this.links.delete(link);
    return true;
  }

  /** What the symbolic link at `linkPath` points to, or undefined when there is none (tests). */
  symlinkTarget(linkPath: string): string | undefined {
    return this.links?.get(normalize(linkPath));
  }

  /**
   * The next `count` writes fail (reject with `message`), leaving the files they would have
   * replaced as they were. Calling it again replaces the count.
   */
  failNextWrites(count: number, message = SIMULATED_WRITE_ERROR): void {
    if (!Number.isSafeInteger(count) || count < 0) throw new Error(`failNextWrites: count must be a non-negative integer, got ${count}`);
    this.failures = { left: count, message };
  }

  /** Writes started from now on complete (or fail) `ms` of clock time later; 0 makes them immediate again. */
  delayWritesMs(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error(`delayWritesMs: ms must be a finite number >= 0, got ${ms}`);
    if (ms > 0 && this.clock === undefined) throw new Error('delayWritesMs: this disk has no clock to time slow writes by');
    this.writeDelayMs = ms;
  }

  /**
   * Calls `listener` with each write's normalized path once its contents are on the disk, before
   * the writer hears that it is done: a simulation's crash point (a process killed between one
   * durable write and its next). One listener at a time; undefined removes it.
   */
  onWritten(listener: ((file: string) => void) | undefined): void {
    this.writtenListener = listener;
  }

  /** Writes still to fail on purpose. */
  get failuresLeft(): number {
    return this.failures.left;
  }

  /** Counts of writes so far. */
  get writes(): MemoryDiskWrites {
    return { ...this.counts, inFlight: this.counts.started - this.counts.completed - this.counts.failed };
  }

  /** Whether a file, directory or symbolic link exists at `target`. O(directories) for a directory only implied by a deeper one. */
  exists(target: string): boolean {
    const normalized = normalize(target);
    if (normalized === '/' || this.files.has(normalized) || this.directories.has(normalized) || this.links?.has(normalized) === true) return true;
    const inside = `${normalized}/`;
    for (const directory of this.directories) if (directory.startsWith(inside)) return true;
    return false;
  }

  /** Every directory, with the ancestors of those made, sorted (tests). */
  listDirectories(): string[] {
    const all = new Set<string>(['/']);
    for (const directory of this.directories) {
      for (let current = directory; current !== '/' && !all.has(current);) {
        all.add(current);
        const slash = current.lastIndexOf('/');
        current = slash <= 0 ? '/' : current.slice(0, slash);
      }
    }
    return [...all].sort();
  }

  /** Every file path, sorted (tests). */
  listFiles(): string[] {
    return [...this.files.keys()].sort();
  }

  private afterDelay(ms: number): Promise<void> {
    const clock = this.clock as Clock;
    return new Promise<void>((resolve) => clock.setTimer(ms, resolve));
  }

  /** Notes a normalized directory as made (its ancestors are implied: see `directories`). */
  private addDirectory(directory: string): void {
    if (directory !== '/') this.directories.add(directory);
  }
}

/** An absolute, normalized POSIX path: the memory disk's key. */
function normalize(target: string): string {
  if (!path.posix.isAbsolute(target)) throw new Error(`a memory disk takes absolute paths, not '${target}'`);
  return normalizedAbsolutePath(target);
}
