/**
 * The `files` actor (Mesos' `/files` endpoints): read-only access to sandboxes, confined to the
 * agent's work dir.
 *
 * - `GET /files/browse?path=P` lists directory P: `[{path, size, mode, mtime, nlink, uid, gid}]`
 *   sorted by path (a file, not a directory, lists as `[]`, as in Mesos).
 * - `GET /files/read?path=P&offset=N&length=M` returns `{data, offset}`: at most 64 KiB from
 *   `offset`; `offset=-1` (or none) returns `{data: "", offset: <size>}`, the way to ask a
 *   file's size.
 *
 * P is absolute or relative to the work dir. It is resolved to its real path (symlinks
 * followed) and refused with 403 unless it lies inside the work dir: `..` escapes, absolute
 * paths elsewhere and symlinks pointing out are all refused. Missing files give 404; bad
 * parameters and reading a directory give 400. Errors are JSON `{error}`.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import * as path from 'node:path';
import { userInfo } from 'node:os';
import { Actor } from '../../lib/actor';
import { httpError, ok, type HttpRequest, type HttpResponse } from '../../lib/process';
import { FILES_MAX_BROWSE_ENTRIES, FILES_MAX_READ_BYTES } from './constants';

/** The files actor's id: its routes are `/files/browse` and `/files/read`. */
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

/** A refusal: the HTTP status and its reason. */
class FilesError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Serves sandbox files under one root directory. */
export class FilesActor extends Actor {
  /** The directory everything served must lie in (the agent's work dir). */
  private readonly root: string;

  constructor(root: string) {
    super(FILES_ACTOR_ID);
    this.root = path.resolve(root);
    this.route('/browse', (request) => this.guard(() => this.browse(request)));
    this.route('/read', (request) => this.guard(() => this.read(request)));
  }

  private async browse(request: HttpRequest): Promise<HttpResponse> {
    const requested = requiredPath(request);
    const resolved = await this.resolve(requested);
    const stats = await stat(resolved);
    if (!stats.isDirectory()) return ok([]);
    const names = (await readdir(resolved)).sort().slice(0, FILES_MAX_BROWSE_ENTRIES);
    const listing: FileInfoJson[] = [];
    for (const name of names) {
      const entryStats = await stat(path.join(resolved, name)).catch(() => undefined);
      if (entryStats !== undefined) listing.push(fileInfo(path.join(requested, name), entryStats));
    }
    return ok(listing);
  }

  private async read(request: HttpRequest): Promise<HttpResponse> {
    const resolved = await this.resolve(requiredPath(request));
    const offset = integerParameter(request, 'offset', -1);
    const length = integerParameter(request, 'length', -1);
    if (offset < -1) throw new FilesError(400, `negative offset ${offset}`);
    if (length < -1) throw new FilesError(400, `negative length ${length}`);
    const stats = await stat(resolved);
    if (stats.isDirectory()) throw new FilesError(400, 'cannot read a directory');
    if (offset === -1 || offset >= stats.size || length === 0) return ok({ data: '', offset: offset === -1 ? stats.size : offset });
    const wanted = Math.min(length === -1 ? stats.size - offset : length, FILES_MAX_READ_BYTES);
    const handle = await open(resolved, 'r');
    try {
      const buffer = Buffer.alloc(wanted);
      const { bytesRead } = await handle.read(buffer, 0, wanted, offset);
      return ok({ data: buffer.subarray(0, bytesRead).toString('utf8'), offset });
    } finally {
      await handle.close();
    }
  }

  /** The real path of `requested`, or a FilesError: 404 when missing, 403 when outside the root. */
  private async resolve(requested: string): Promise<string> {
    const root = await realpath(this.root).catch(() => this.root);
    const absolute = path.resolve(root, requested);
    if (!isInside(root, absolute)) throw new FilesError(403, `'${requested}' is outside the work dir`);
    let real: string;
    try {
      real = await realpath(absolute);
    } catch {
      throw new FilesError(404, `'${requested}' does not exist`);
    }
    if (!isInside(root, real)) throw new FilesError(403, `'${requested}' resolves outside the work dir`);
    return real;
  }

  private async guard(work: () => Promise<HttpResponse>): Promise<HttpResponse> {
    try {
      return await work();
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

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function requiredPath(request: HttpRequest): string {
  const requested = request.query.path;
  if (requested === undefined || requested === '') throw new FilesError(400, "expecting 'path=value' in the query");
  if (requested.includes('\0')) throw new FilesError(400, 'the path contains NUL');
  return requested;
}

function integerParameter(request: HttpRequest, name: string, fallback: number): number {
  const text = request.query[name];
  if (text === undefined) return fallback;
  if (!/^-?[0-9]+$/.test(text)) throw new FilesError(400, `failed to parse ${name} '${text}'`);
  return Number(text);
}

function fileInfo(shownPath: string, stats: Stats): FileInfoJson {
  return {
    path: shownPath,
    size: stats.size,
    mode: modeString(stats),
    mtime: Math.floor(stats.mtimeMs / 1000),
    nlink: stats.nlink,
    uid: ownerName(stats.uid),
    gid: String(stats.gid),
  };
}

function modeString(stats: Stats): string {
  const kind = stats.isDirectory() ? 'd' : stats.isSymbolicLink() ? 'l' : '-';
  const letters = 'rwxrwxrwx';
  let permissions = '';
  for (let bit = 0; bit < 9; bit++) permissions += stats.mode & (1 << (8 - bit)) ? letters[bit] : '-';
  return kind + permissions;
}

function ownerName(uid: number): string {
  try {
    const me = userInfo();
    return me.uid === uid ? me.username : String(uid);
  } catch {
    return String(uid);
  }
}
