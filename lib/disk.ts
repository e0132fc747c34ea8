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
};

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
 * A disk in memory. Reads, writes and directories behave like `nodeDisk`'s; a write takes no
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
  /** Writes left to fail, and with what message. */
  private failures: { left: number; message: string } = { left: 0, message: SIMULATED_WRITE_ERROR };
  /** Clock time each write takes (0: none). */
  private writeDelayMs = 0;
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
  }

  async makeDirectory(directory: string): Promise<void> {
    this.addDirectory(normalize(directory));
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

  /** Writes still to fail on purpose. */
  get failuresLeft(): number {
    return this.failures.left;
  }

  /** Counts of writes so far. */
  get writes(): MemoryDiskWrites {
    return { ...this.counts, inFlight: this.counts.started - this.counts.completed - this.counts.failed };
  }

  /** Whether a file or directory exists at `target`. O(directories) for one only implied by a deeper one: tests. */
  exists(target: string): boolean {
    const normalized = normalize(target);
    if (normalized === '/' || this.files.has(normalized) || this.directories.has(normalized)) return true;
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
