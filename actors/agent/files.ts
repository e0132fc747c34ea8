/**
 * The `files` actor (Mesos' `/files` endpoints): read-only access to executors' sandboxes, and
 * nothing else of the agent's work dir.
 *
 * - `GET /files/browse?path=P` lists directory P: `[{path, size, mode, mtime, nlink, uid, gid}]`
 *   sorted by path (a file, not a directory, lists as `[]`, as in Mesos).
 * - `GET /files/read?path=P&offset=N&length=M` returns `{data, offset}`: at most 64 KiB from
 *   `offset`; `offset=-1` (or none) returns `{data: "", offset: <size>}`, the way to ask a
 *   file's size.
 * - `GET /files/download?path=P` returns the whole file as `application/octet-stream` with
 *   `Content-Disposition: attachment; filename=<name>`, streamed as the client takes it (at
 *   most `FILES_MAX_DOWNLOAD_BYTES`; a directory is 400).
 *
 * Listings give `uid` and `gid` as the user and group names (`/etc/passwd`, `/etc/group`),
 * the number where there is none, as Mesos does.
 *
 * P is absolute or relative to the work dir; anything outside the work dir is refused with 403:
 * `..` escapes, absolute paths elsewhere, symlinks pointing out. What decides is where the
 * *opened* file really is (`/proc/self/fd/N`; without /proc, its device and inode against a
 * symlink-free walk from the root), and the answer is served from that same handle, so a task
 * that swaps a directory of its sandbox for a symlink between a path check and the open gains
 * nothing. The agent's checkpoints (`meta/`), persistent volumes (`volumes/`) and fetcher cache
 * (`fetch/`, or `--fetcher_cache_dir` where that lies in the work dir) are refused the same way (403).
 * Any other path that does not lie in an executor run's sandbox (`agents/<a>/frameworks/<f>/
 * executors/<e>/runs/<run>`, as the agent's `/state` gives each executor's `directory`) is 404, as
 * in Mesos, whose files process serves only the paths its agent attached: the work dir and the
 * directories above the sandboxes would list every framework and executor id on the agent to a
 * caller that `access_sandboxes` lets read one framework's sandboxes. Listings describe entries with `lstat` (symlinks are not followed). Missing files
 * give 404, saying so explicitly when the agent's garbage collector removed the sandbox
 * (`--gc_delay`, or sooner under disk pressure); bad parameters and reading a directory give
 * 400. Errors are JSON `{error}`.
 */
import { lstat, open, opendir, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { constants as fsConstants, type Stats } from 'node:fs';
import * as path from 'node:path';
import { userInfo } from 'node:os';
import { Actor } from '../../lib/actor';
import {
  authenticateRequest, httpError, HttpStream, isResponse, ok, withCors, type HttpAuthentication, type HttpCaller, type HttpRequest, type HttpResponse,
} from '../../lib/process';
import { FILES_BROWSE_READ_BATCH, FILES_DOWNLOAD_CHUNK_BYTES, FILES_MAX_BROWSE_ENTRIES, FILES_MAX_DOWNLOAD_BYTES, FILES_MAX_READ_BYTES } from './constants';
import { siftDown, siftUp } from '../../lib/binary-heap';
import { GROUP_NAMES, USER_NAMES } from '../../lib/os-names';
import {
  AGENTS_DIRECTORY, executorDirectory, executorRunDirectoryIn, EXECUTORS_DIRECTORY, FRAMEWORKS_DIRECTORY, LATEST_RUN_LINK, metaDirectory, pathComponentError, RUNS_DIRECTORY, VOLUMES_DIRECTORY,
} from './paths';
import { boundedText, MAX_QUOTED_INPUT_CHARS } from '../../lib/protocol/plain';
import { fetcherCacheDirOf } from './flags';
import { completeUtf8Length } from '../../lib/utf8';

/** The checkpoints' directory, relative to the work dir (see paths.ts). */
const META_DIRECTORY = path.relative('/', metaDirectory('/'));

/** The files actor's id: its routes are `/files/browse`, `/files/read` and `/files/download`. */
export const FILES_ACTOR_ID = 'files';

/** One entry of a browse listing (Mesos' `FileInfo` JSON). */
export interface FileInfoJson {
  path: string;
  size: number;
  /** `ls -l` style, e.g. `-rw-r--r--` or `drwxr-xr-x`. */
  mode: string;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  nlink: number;
  uid: string;
  gid: string;
}

/** One entry of a listing: `/files/browse`'s JSON, with the mode's bits and the exact mtime (the v1 API's FileInfo has them as numbers). */
export interface ListedFile {
  readonly info: FileInfoJson;
  /** `st_mode`: the file type and permission bits. */
  readonly modeBits: number;
  readonly mtimeMs: number;
}

/** A refusal of the files actor: `status` is the HTTP answer (400, 403, 404, 413), the message says why. */
export class FilesError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Who may read what (issue 9): HTTP Basic credentials for these read-only endpoints, and the
 * ACLs' `access_sandboxes` by the user whose sandbox a path lies in (the executor's, else its
 * framework's, as Mesos decides).
 */
export interface FilesAccess {
  readonly authentication: HttpAuthentication;
  /**
   * Undefined if `principal` may read under the sandboxes of framework `frameworkId` (undefined
   * for a path in no framework's sandbox) and, for a path in an executor's, of executor
   * `executorId`; else why not.
   */
  readonly denial: (principal: string | undefined, frameworkId: string | undefined, executorId?: string) => Promise<string | undefined>;
}

/**
 * When the agent's garbage collector removed the path `relative` (to the work dir), or a
 * directory holding it: ms on the agent's clock, or undefined when it did not (as far as it
 * remembers).
 */
export type GarbageCollectedAt = (relative: string) => Promise<number | undefined>;

/**
 * Mesos' virtual sandbox path of an executor's latest run, `/frameworks/<framework id>/executors/
 * <executor id>/runs/latest` (`paths::getExecutorVirtualPath`, attached by the agent for each
 * executor), with a path inside it: the ids and the rest.
 */
const VIRTUAL_SANDBOX = /^\/frameworks\/([^/]+)\/executors\/([^/]+)\/runs\/latest(\/.*)?$/s;

/** Everyone may read everything (no credentials asked, no ACLs). */
const OPEN_ACCESS: FilesAccess = { authentication: { credentials: undefined, readonly: false, readwrite: false }, denial: () => Promise.resolve(undefined) };

/** Serves sandbox files under one root directory. */
export class FilesActor extends Actor {
  /** The directory everything served must lie in (the agent's work dir). */
  private readonly root: string;
  /** The fetcher cache's directory, as given (it lies in the work dir by default). */
  private readonly fetcherCacheDir: string;

  /**
   * @param access who may read what (default: anyone, anything under `root`)
   * @param garbageCollectedAt asked about a missing path, to answer "garbage-collected" rather than "does not exist"
   * @param agentId the agent's id now (undefined before it registered): Mesos' virtual sandbox paths lead into its directory
   * @param fetcherCacheDir the fetcher cache's directory (`--fetcher_cache_dir`; default `<root>/fetch`), never served
   */
  constructor(root: string, private readonly access: FilesAccess = OPEN_ACCESS, private readonly garbageCollectedAt?: GarbageCollectedAt, private readonly agentId?: () => Promise<string | undefined>, fetcherCacheDir?: string) {
    super(FILES_ACTOR_ID);
    this.root = path.resolve(root);
    this.fetcherCacheDir = path.resolve(fetcherCacheDir ?? fetcherCacheDirOf({ workDir: this.root }));
    // The master's web UI reads these from its own origin (as data: CORS, not JSONP).
    this.route('/browse', async (request) => withCors(await this.guard(request, (caller) => this.browse(request, caller))));
    this.route('/read', async (request) => withCors(await this.guard(request, (caller) => this.read(request, caller))));
    this.route('/download', (request) => this.guard(request, (caller) => this.download(request, caller)));
  }

  private async browse(request: HttpRequest, caller: HttpCaller): Promise<HttpResponse> {
    return ok((await this.list(requiredPath(request), caller)).map((entry) => entry.info));
  }

  /**
   * What `/files/browse` lists of `requested` for `caller` (nothing for a file, as Mesos), also
   * the agent's v1 LIST_FILES. Throws a `FilesError` (its `status` is the HTTP answer). Call it
   * through `dispatch`.
   */
  async list(requested: string, caller: HttpCaller): Promise<ListedFile[]> {
    const opened = await this.openInside(requested, caller);
    try {
      if (!opened.stats.isDirectory()) return [];
      const names = await firstNames(opened.access, FILES_MAX_BROWSE_ENTRIES);
      const listing: ListedFile[] = [];
      // The account files are looked at once per listing, not twice per entry.
      const owners = { user: ownerNames(await USER_NAMES.lookup()), group: await GROUP_NAMES.lookup() };
      for (const name of names) {
        const entryStats = await lstat(path.join(opened.access, name)).catch(() => undefined);
        if (entryStats !== undefined) listing.push({ info: fileInfo(path.join(requested, name), entryStats, owners), modeBits: entryStats.mode, mtimeMs: entryStats.mtimeMs });
      }
      return listing;
    } finally {
      await opened.handle.close();
    }
  }

  private async read(request: HttpRequest, caller: HttpCaller): Promise<HttpResponse> {
    const requested = requiredPath(request);
    const offset = integerParameter(request, 'offset', -1);
    const length = integerParameter(request, 'length', -1);
    if (offset < -1) throw new FilesError(400, `negative offset ${offset}`);
    if (length < -1) throw new FilesError(400, `negative length ${length}`);
    const { size, data } = await this.readRange(requested, offset, length === -1 ? undefined : length, caller);
    // A character cut at the end is left to the next read (Mesos sends the bytes; as text they were U+FFFD, 3 bytes, and a client counting them skipped what followed).
    const whole = completeUtf8Length(data);
    return ok({ data: data.subarray(0, whole > 0 ? whole : data.length).toString('utf8'), offset: offset === -1 ? size : offset });
  }

  /**
   * The file's size, and at most `FILES_MAX_READ_BYTES` of it from `offset` (-1: none, the size
   * alone), up to `length` bytes (undefined: to its end), for `caller`: `/files/read`, and the
   * agent's v1 READ_FILE. Throws a `FilesError`. Call it through `dispatch`.
   */
  async readRange(requested: string, offset: number, length: number | undefined, caller: HttpCaller): Promise<{ size: number; data: Buffer }> {
    const { handle, stats } = await this.openInside(requested, caller);
    try {
      if (stats.isDirectory()) throw new FilesError(400, 'cannot read a directory');
      if (offset === -1 || offset >= stats.size || length === 0) return { size: stats.size, data: Buffer.alloc(0) };
      const wanted = Math.min(length === undefined ? stats.size - offset : length, FILES_MAX_READ_BYTES);
      const buffer = Buffer.alloc(wanted);
      const { bytesRead } = await handle.read(buffer, 0, wanted, offset);
      return { size: stats.size, data: buffer.subarray(0, bytesRead) };
    } finally {
      await handle.close();
    }
  }

  /**
   * The file, streamed in `FILES_DOWNLOAD_CHUNK_BYTES` chunks, each read once the client has
   * taken the one before (`HttpStream.drained`): a slow reader holds about a chunk of it in
   * memory. Read whole before, four slow downloads of a 200 MB file took an agent's process
   * from 154 to 933 MB (the hostile-input pass of 2026-12-05). The file is read up to the size
   * it had when opened.
   */
  private async download(request: HttpRequest, caller: HttpCaller): Promise<HttpResponse> {
    const requested = requiredPath(request);
    const { handle, stats } = await this.openInside(requested, caller);
    let streaming = false;
    try {
      if (stats.isDirectory()) throw new FilesError(400, 'cannot download a directory');
      if (!stats.isFile()) throw new FilesError(400, `'${requested}' is not a regular file`);
      if (stats.size > FILES_MAX_DOWNLOAD_BYTES) {
        throw new FilesError(413, `'${requested}' is ${stats.size} bytes, more than the ${FILES_MAX_DOWNLOAD_BYTES} bytes /files/download serves; read it in pieces with /files/read`);
      }
      const stream = new HttpStream();
      streaming = true;
      void this.pump(handle, stats.size, stream);
      return {
        status: 200,
        headers: { 'content-type': 'application/octet-stream', 'content-disposition': attachment(path.basename(requested)) },
        stream,
      };
    } finally {
      if (!streaming) await handle.close();
    }
  }

  /** Writes `size` bytes of `handle` to `stream`, a chunk at a time as the client takes them, then ends it and closes the file. */
  private async pump(handle: FileHandle, size: number, stream: HttpStream): Promise<void> {
    try {
      let position = 0;
      while (position < size && !stream.closed) {
        await stream.drained();
        if (stream.closed) break;
        const wanted = Math.min(FILES_DOWNLOAD_CHUNK_BYTES, size - position);
        const { bytesRead, buffer } = await handle.read(Buffer.alloc(wanted), 0, wanted, position);
        if (bytesRead === 0) break; // the file shrank
        stream.write(bytesRead === wanted ? buffer : buffer.subarray(0, bytesRead));
        position += bytesRead;
      }
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'a download stopped: the file could not be read');
      stream.abort();
    } finally {
      stream.end();
      await handle.close().catch(() => undefined);
    }
  }

  /**
   * Opens `requested`, then checks where the opened file really is: a FilesError with 404 when
   * missing, 403 when outside the root. A path that already resolves outside is refused before
   * it is opened (opening a device or a FIFO elsewhere is not harmless).
   */
  private async openInside(requested: string, caller: HttpCaller): Promise<OpenedInside> {
    // Checked here, not only for /files' query: the v1 LIST_FILES and READ_FILE paths come this way too.
    if (requested.includes('\0')) throw new FilesError(400, 'the path contains NUL');
    const root = await realpath(this.root).catch(() => this.root);
    const absolute = path.resolve(root, await this.devirtualized(root, requested));
    if (!isInside(root, absolute)) throw new FilesError(403, `'${requested}' is outside the work dir`);
    const real = await realpath(absolute).catch(async () => {
      throw new FilesError(404, await this.missing(requested, path.relative(root, absolute)));
    });
    if (!isInside(root, real)) throw new FilesError(403, `'${requested}' resolves outside the work dir`);
    if (isCheckpoint(root, real)) throw new FilesError(403, `'${requested}' is in the agent's checkpoints, which are not served`);
    if (isVolume(root, real)) throw new FilesError(403, `'${requested}' is in the agent's persistent volumes, which are not served (a sandbox shows one through a link out of it)`);
    const caches = await this.fetcherCacheDirs(root);
    if (isInAny(caches, real)) throw new FilesError(403, `'${requested}' is in the agent's fetcher cache (--fetcher_cache_dir), which is not served: it holds every user's cached downloads, which no sandbox's access_sandboxes check guards`);
    // As Mesos' files process, which serves only the paths the agent attached (each executor run's sandbox, and its virtual path):
    // the work dir and the directories above the sandboxes list every framework and executor id here, whoever asks.
    const owner = sandboxOf(root, real);
    if (owner === undefined) throw new FilesError(404, `'${requested}' is not in an executor's sandbox: only sandboxes are served`);
    const denial = await this.access.denial(caller.principal, owner.frameworkId, owner.executorId);
    if (denial !== undefined) throw new FilesError(403, `Forbidden: ${denial}`);
    // What is opened is the path checked, resolved: no symlink is followed at its last step
    // (O_NOFOLLOW), and only a regular file or a directory is opened. Opening `absolute` followed
    // its symlinks again: a task swapping one in its sandbox between the check and the open made
    // the agent, as root, open a FIFO of its choosing outside the work dir (a security review; a
    // device's open can act). A directory on the way swapped in that instant still leads the
    // open elsewhere, but what was opened is refused below (`confine`) before it is read.
    const kind = await lstat(real).catch(() => undefined);
    if (kind !== undefined && !kind.isFile() && !kind.isDirectory()) throw new FilesError(403, `'${requested}' is not a regular file or a directory`);
    const handle = await open(real, OPEN_FLAGS | fsConstants.O_NOFOLLOW);
    try {
      const stats = await handle.stat();
      const access = await confine(root, handle, real, stats, caches);
      if (access === undefined) throw new FilesError(403, `'${requested}' changed while it was opened: it now resolves outside the work dir or to another framework's sandbox`);
      return { handle, stats, access };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * The fetcher cache's directory as a path under the real `root` (its name there, and where it
   * really is when it exists): the places no path served may lie in.
   */
  private async fetcherCacheDirs(root: string): Promise<string[]> {
    const named = path.resolve(root, path.relative(this.root, this.fetcherCacheDir));
    const real = await realpath(this.fetcherCacheDir).catch(() => undefined);
    // A cache dir that holds the work dir itself (a strange --fetcher_cache_dir) hides nothing in it: the cache keeps nothing in a directory it did not make.
    return (real === undefined || real === named ? [named] : [named, real]).filter((directory) => !isInside(directory, root));
  }

  /**
   * Where a Mesos virtual sandbox path (`/frameworks/<F>/executors/<E>/runs/latest/...`) leads:
   * that executor's `runs/latest` under this agent's directory in `root` (paths.ts' layout); any
   * other path as it is. Every check of `openInside` applies to where it leads.
   */
  private async devirtualized(root: string, requested: string): Promise<string> {
    const virtual = VIRTUAL_SANDBOX.exec(requested);
    if (virtual === null) return requested;
    const agentId = await this.agentId?.().catch(() => undefined);
    if (agentId === undefined) throw new FilesError(404, `'${requested}' does not exist: this agent has no sandboxes yet`);
    const [, frameworkId = '', executorId = '', rest = ''] = virtual;
    const badId = pathComponentError('framework', frameworkId) ?? pathComponentError('executor', executorId);
    if (badId !== undefined) throw new FilesError(400, badId);
    return executorRunDirectoryIn(executorDirectory(root, { agentId, frameworkId, executorId }), LATEST_RUN_LINK) + rest;
  }

  /** Why `requested` is not there: its sandbox was garbage-collected (and when), or it does not exist. */
  private async missing(requested: string, relative: string): Promise<string> {
    const removedMs = await this.garbageCollectedAt?.(relative).catch(() => undefined);
    if (removedMs === undefined) return `'${requested}' does not exist`;
    return `'${requested}' does not exist: its sandbox was garbage-collected at ${new Date(removedMs).toISOString()} (completed sandboxes are removed after --gc_delay, sooner as the disk fills)`;
  }

  private async guard(request: HttpRequest, work: (caller: HttpCaller) => Promise<HttpResponse>): Promise<HttpResponse> {
    const caller = authenticateRequest(request, 'readonly', this.access.authentication);
    if (isResponse(caller)) return caller;
    try {
      return await work(caller);
    } catch (error) {
      if (error instanceof FilesError) return httpError(error.status, error.message);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return httpError(404, 'no such file');
      if (code === 'EACCES') return httpError(403, 'permission denied');
      this.log.error({ error: (error as Error).message }, 'files request failed');
      return httpError(500, (error as Error).message);
    }
  }
}

/** Whose sandbox a path lies in: an executor's, of a framework. */
interface SandboxOwner {
  readonly frameworkId: string;
  readonly executorId: string;
}

/**
 * Whose executor run's sandbox `real` is in (or is), `<root>/agents/<agent>/frameworks/<framework>/
 * executors/<executor>/runs/<run>` (paths.ts): what Mesos' agent attaches to its files process, and
 * all this one serves; undefined for any other path (the work dir, the directories above the sandboxes).
 */
function sandboxOf(root: string, real: string): SandboxOwner | undefined {
  const parts = path.relative(root, real).split(path.sep);
  const named = (index: number): boolean => parts[index] !== undefined && parts[index] !== '' && parts[index] !== '..';
  const inRun = parts[0] === AGENTS_DIRECTORY && named(1) && parts[2] === FRAMEWORKS_DIRECTORY && named(3) && parts[4] === EXECUTORS_DIRECTORY && named(5) && parts[6] === RUNS_DIRECTORY && named(7);
  return inRun ? { frameworkId: parts[3] as string, executorId: parts[5] as string } : undefined;
}

/** Whether two sandboxes are the same framework's and executor's. */
function sameOwner(a: SandboxOwner, b: SandboxOwner | undefined): boolean {
  return a.frameworkId === b?.frameworkId && a.executorId === b.executorId;
}

/** Read-only; a FIFO must not block the open, and a terminal must not become ours. */
const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY;

/** A file or directory opened by the files actor and found to lie inside the root. */
interface OpenedInside {
  readonly handle: FileHandle;
  readonly stats: Stats;
  /** A path that reaches this very open file (`/proc/self/fd/N` on Linux), to list a directory through. */
  readonly access: string;
}

/**
 * Where the open `handle` really is, if inside `root` and in the sandboxes (of the framework, and
 * the executor) `candidate` (the path whose access was checked) is in: on Linux the kernel says
 * (`/proc/self/fd/N`), and that link is the way back to the same file. Elsewhere the handle must
 * be the file at `candidate` (same device and inode), reached from the root through no symlink.
 * The framework is checked again because a task may swap a symlink in its own sandbox between
 * the check and the open: the file opened would then be another framework's, read with the
 * agent's rights, past the access_sandboxes check made for the first (a security review read
 * another team's mode-600 file 21 times in 400 tries).
 */
async function confine(root: string, handle: FileHandle, candidate: string, stats: Stats, unserved: readonly string[]): Promise<string | undefined> {
  const link = `/proc/self/fd/${handle.fd}`;
  const location = await readlink(link).catch(() => undefined);
  if (location !== undefined) {
    const there = sandboxOf(root, location);
    return isInside(root, location) && there !== undefined && sameOwner(there, sandboxOf(root, candidate)) && !isCheckpoint(root, location) && !isVolume(root, location) && !isInAny(unserved, location) ? link : undefined;
  }
  let current = root;
  for (const part of path.relative(root, candidate).split(path.sep)) {
    if (part === '') continue;
    current = path.join(current, part);
    if ((await lstat(current)).isSymbolicLink()) return undefined;
  }
  if (isCheckpoint(root, candidate) || isVolume(root, candidate) || isInAny(unserved, candidate)) return undefined;
  const found = await lstat(candidate);
  return found.dev === stats.dev && found.ino === stats.ino ? candidate : undefined;
}

/**
 * Whether `real` is in the agent's checkpoints (`<root>/meta`): they hold every checkpointing
 * framework's task infos, outside any sandbox, so access_sandboxes could not guard them. Mesos
 * serves only sandboxes; so does this, for them.
 */
function isCheckpoint(root: string, real: string): boolean {
  return isInside(path.join(root, META_DIRECTORY), real);
}

/**
 * Whether `real` is in the agent's persistent volumes (`<root>/volumes`): a volume is no sandbox's
 * (its tasks' sandboxes link to it, one framework's after another's), so access_sandboxes could
 * not guard it, and a sandbox's link would have served it with no sandbox's check. Mesos serves
 * only what lies inside a sandbox, and its posix isolator's links lead out of it.
 */
function isVolume(root: string, real: string): boolean {
  return isInside(path.join(root, VOLUMES_DIRECTORY), real);
}

/** Whether name `a` sorts after `b` (the order of `Array.prototype.sort`: UTF-16 code units). */
const sortsAfter = (a: string, b: string): boolean => a > b;

/**
 * The `limit` first names (in sorted order) of `directory`, sorted: read `FILES_BROWSE_READ_BATCH`
 * at a time, the `limit` first so far kept in a heap whose top is the last of them. A task can
 * fill its sandbox with millions of empty files; read whole (`readdir`) and sorted on the event
 * loop, 16 listings of 300k names took an agent from 67 to 585 MB and stalled it for seconds.
 */
async function firstNames(directory: string, limit: number): Promise<string[]> {
  const kept: string[] = [];
  if (limit <= 0) return kept;
  // `for await` closes the directory when the loop ends, normally or by a throw.
  for await (const entry of await opendir(directory, { bufferSize: FILES_BROWSE_READ_BATCH })) {
    const name = entry.name;
    if (kept.length < limit) {
      kept.push(name);
      siftUp(kept, kept.length - 1, sortsAfter);
    } else if (name < (kept[0] as string)) {
      kept[0] = name;
      siftDown(kept, 0, sortsAfter);
    }
  }
  return kept.sort();
}

/** Whether `candidate` lies in (or is) one of `directories`. */
function isInAny(directories: readonly string[], candidate: string): boolean {
  return directories.some((directory) => isInside(directory, candidate));
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function requiredPath(request: HttpRequest): string {
  const requested = request.query.path;
  if (requested === undefined || requested === '') throw new FilesError(400, "expecting 'path=value' in the query");
  return requested;
}

function integerParameter(request: HttpRequest, name: string, fallback: number): number {
  const text = request.query[name];
  if (text === undefined) return fallback;
  // A number past 2^53 would be taken rounded (and echoed so): refused as Mesos refuses what it cannot parse.
  if (!/^-?[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new FilesError(400, `failed to parse ${name} '${boundedText(text, MAX_QUOTED_INPUT_CHARS)}'`);
  return Number(text);
}

function fileInfo(shownPath: string, stats: Stats, owners: { readonly user: (uid: number) => string; readonly group: (gid: number) => string }): FileInfoJson {
  return {
    path: shownPath,
    size: stats.size,
    mode: modeString(stats),
    mtime: Math.floor(stats.mtimeMs / 1000),
    nlink: stats.nlink,
    uid: owners.user(stats.uid),
    gid: owners.group(stats.gid),
  };
}

/**
 * `attachment; filename=...` for `name`: quoted, with characters a header cannot carry (quotes,
 * backslashes, control and non-ASCII characters) replaced, and the exact name in `filename*`.
 */
function attachment(name: string): string {
  const plain = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${plain}"; filename*=UTF-8''${encoded}`;
}

function modeString(stats: Stats): string {
  const kind = stats.isDirectory() ? 'd' : stats.isSymbolicLink() ? 'l' : stats.isCharacterDevice() ? 'c' : stats.isBlockDevice() ? 'b'
    : stats.isFIFO() ? 'p' : stats.isSocket() ? 's' : '-';
  const letters = 'rwxrwxrwx';
  let permissions = '';
  for (let bit = 0; bit < 9; bit++) permissions += stats.mode & (1 << (8 - bit)) ? letters[bit] : '-';
  return kind + permissions;
}

/** This process's own user, which has a name even without an entry in `/etc/passwd` (undefined if the system cannot say). */
const OWN_USER: { readonly uid: number; readonly username: string } | undefined = (() => {
  try {
    return userInfo();
  } catch {
    return undefined;
  }
})();

/** User names by uid (`/etc/passwd` as `names` read it), this process's own user named too. */
function ownerNames(names: (uid: number) => string): (uid: number) => string {
  return (uid) => {
    const name = names(uid);
    return name === String(uid) && OWN_USER?.uid === uid ? OWN_USER.username : name;
  };
}
