/**
 * The agent's fetcher (Mesos' `mesos-fetcher`): before an executor starts, the files its command
 * names (`CommandInfo.uris`) are fetched into its sandbox, one after another: copied from a local
 * path or `file://` URI, or downloaded over `http://` or `https://`; then made executable, or
 * extracted when they are archives. Any failure fails the launch with a message naming the URI
 * (the agent fails the executor's tasks with `REASON_CONTAINER_LAUNCH_FAILED`, as Mesos does).
 *
 * What runs as whom: with an account to run as (`--switch_user`, a task user other than the
 * agent's), everything that touches the file system runs as that user (`setpriv`): the copy, the
 * directories made, the extraction, the mode change, and the writing of a download (the agent
 * reads the network and pipes the bytes to a `cat` of the user's). So a task fetches only what
 * its user may read and writes only where its user may: a symlink an archive left in the sandbox
 * (`bin -> /etc`) leads a later URI's `outputFile` nowhere the user could not write itself.
 * Without one, the agent writes as itself, which is what the task runs as. A download that sends no byte for
 * `stallTimeoutMs` (Mesos' `--fetcher_stall_timeout`, on the agent's clock) fails; the whole fetch
 * is bounded by the executor's registration timeout, whose end aborts it (`signal`).
 *
 * Differs from Mesos: no fetcher cache (`cache: true` is fetched directly, as Mesos does when its
 * cache cannot be used); no `ftp://`, `hdfs://` or `s3://` (Mesos hands those to curl or a Hadoop
 * client); an `outputFile` with a `..` segment is refused (Mesos checks only that it is not
 * absolute); a download past the sandbox's disk (`maxBytes`, from the executor's `disk`) stops there.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Logger } from '../../lib/logging';
import type { CommandUri } from '../../lib/protocol';
import { RealClock, type Clock, type TimerHandle } from '../../lib/process/clock';

/** A download that sends no byte for this long fails (Mesos' `--fetcher_stall_timeout`, 60 s). */
export const FETCHER_STALL_TIMEOUT_MS = 60_000;
/** Redirects one download follows (curl's `--location`, as Mesos' downloads follow them). */
export const MAX_FETCH_REDIRECTS = 10;
/** The most bytes of a failed command's output (tar, unzip, cp) a fetch error quotes. */
const MAX_QUOTED_OUTPUT_CHARS = 1_024;
/** An executable's mode (Mesos: rwxr-xr-x). */
const EXECUTABLE_MODE = 0o755;
/** What switches a process to another user's ids and groups before it execs (util-linux). */
const SETPRIV = 'setpriv';

/** Suffixes `tar` extracts (it tells the compression from the content). */
const TAR_SUFFIXES = ['.tar', '.tgz', '.tar.gz', '.tbz2', '.tar.bz2', '.txz', '.tar.xz'] as const;

/** The OS account fetched files belong to (and local copies and extraction run as). */
export interface FetchAccount {
  readonly uid: number;
  readonly gid: number;
}

/** One executor's fetch. */
export interface FetchRequest {
  readonly uris: readonly CommandUri[];
  /** The sandbox: exists, and is the account's when there is one. */
  readonly directory: string;
  readonly account?: FetchAccount;
  /** The most bytes one download may write (the sandbox's disk); undefined: no bound. */
  readonly maxBytes?: number;
  /** Aborts the fetch (the executor's registration timed out, or it was shut down). */
  readonly signal?: AbortSignal;
}

/** How the agent's fetcher is set up. */
export interface FetcherOptions {
  /** Times the stall timeout (the agent's clock: virtual in tests). Default: the real clock. */
  readonly clock?: Clock;
  /** Default `FETCHER_STALL_TIMEOUT_MS`. */
  readonly stallTimeoutMs?: number;
  /** Where a relative path is taken from (Mesos' `--frameworks_home`); unset: a relative path fails. */
  readonly frameworksHome?: string;
  readonly log?: Logger;
}

/** A fetch failed; its message names the URI and the reason. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
}

/**
 * The file name a URI is fetched to when it names no `outputFile` (Mesos' `Fetcher::basename`:
 * the text after the last `/`, query included), or an error. Refuses the characters Mesos
 * refuses (a backslash, a quote, NUL) and a URI with a scheme but no path.
 * @example uriBasename('https://example.com/dist/app-1.2.tgz') // 'app-1.2.tgz'
 */
export function uriBasename(uri: string): string | { readonly error: string } {
  if (/[\\'\0]/.test(uri)) return { error: 'Illegal characters in URI' };
  const scheme = uri.indexOf('://');
  if (scheme > 1) {
    const rest = uri.slice(scheme + 3);
    const slash = rest.indexOf('/');
    if (slash < 0 || rest.length <= slash + 1) return { error: `Malformed URI (missing path): ${uri}` };
    return rest.slice(rest.lastIndexOf('/') + 1);
  }
  return path.basename(uri);
}

/** Why `outputFile` cannot be where a URI is fetched to, or undefined. */
export function outputFileError(outputFile: string): string | undefined {
  if (outputFile === '') return 'URI output file path is empty';
  if (outputFile.includes('\0')) return 'URI output file has a NUL character';
  if (path.isAbsolute(outputFile)) return 'URI output file must be within the sandbox directory';
  if (outputFile.split('/').includes('..')) return 'URI output file must be within the sandbox directory (it has a \'..\' segment)';
  return undefined;
}

/** What kind of source a URI is: a local path (absolute), a download, or an error. */
function sourceOf(uri: string, frameworksHome: string | undefined): { readonly local: string } | { readonly url: URL } | { readonly error: string } {
  const fileUri = uri.startsWith('file://');
  if (!fileUri && uri.includes('://')) {
    const scheme = uri.slice(0, uri.indexOf('://')).toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') return { error: `the URI scheme '${scheme}' is not supported by this agent's fetcher (http, https, file, or a path)` };
    try {
      return { url: new URL(uri) };
    } catch {
      return { error: 'not a valid URL' };
    }
  }
  let local = fileUri ? uri.slice('file://'.length) : uri;
  if (fileUri && local.startsWith('localhost/')) local = local.slice('localhost'.length);
  if (fileUri) {
    try {
      local = decodeURIComponent(local);
    } catch {
      return { error: 'not a valid file URI (bad percent-encoding)' };
    }
  }
  if (path.isAbsolute(local)) return { local };
  if (fileUri) return { error: 'File URI only supports absolute paths' };
  if (frameworksHome === undefined || frameworksHome === '') {
    return { error: 'a relative path was given, and the agent has no --frameworks_home to take it from: give an absolute path or a URI' };
  }
  return { local: path.join(frameworksHome, local) };
}

/** `setpriv`'s arguments that run what follows them as `account` (its ids and groups). */
function asAccount(account: FetchAccount): string[] {
  return [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--init-groups', '--'];
}

/** The archive kind `file` is by its name, as Mesos tells it. */
function archiveKind(file: string): 'tar' | 'zip' | 'gz' | undefined {
  if (TAR_SUFFIXES.some((suffix) => file.endsWith(suffix))) return 'tar';
  if (file.endsWith('.zip')) return 'zip';
  if (file.endsWith('.gz')) return 'gz';
  return undefined;
}

/** The agent's fetcher; one serves every executor of the agent. */
export class Fetcher {
  private readonly clock: Clock;
  private readonly stallTimeoutMs: number;

  constructor(private readonly options: FetcherOptions = {}) {
    this.clock = options.clock ?? new RealClock();
    this.stallTimeoutMs = options.stallTimeoutMs ?? FETCHER_STALL_TIMEOUT_MS;
  }

  /** Fetches every URI of `request` into its sandbox, in order; rejects with a `FetchError` at the first failure. */
  async fetch(request: FetchRequest): Promise<void> {
    for (const uri of request.uris) {
      if (request.signal?.aborted === true) throw new FetchError(`Failed to fetch '${uri.value}': the fetch was aborted`);
      try {
        await this.fetchOne(uri, request);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new FetchError(`Failed to fetch '${uri.value}': ${reason}`);
      }
    }
  }

  private async fetchOne(uri: CommandUri, request: FetchRequest): Promise<void> {
    const value = uri.value.trimStart();
    const named = uri.outputFile ?? uriBasename(value);
    if (typeof named !== 'string') throw new Error(named.error);
    const problem = uri.outputFile !== undefined ? outputFileError(uri.outputFile) : named === '' || named === '.' || named === '..' ? 'the URI names no file: give it an outputFile' : undefined;
    if (problem !== undefined) throw new Error(problem);
    const source = sourceOf(value, this.options.frameworksHome);
    if ('error' in source) throw new Error(source.error);
    const destination = path.join(request.directory, named);
    await this.makeParents(path.dirname(named), request);
    if ('local' in source) await this.copy(source.local, destination, request);
    else await this.download(source.url, destination, request);
    if (uri.executable === true) {
      if (request.account !== undefined) await this.run('chmod', [EXECUTABLE_MODE.toString(8), '--', destination], request);
      else await chmod(destination, EXECUTABLE_MODE);
    } else if (uri.extract !== false) {
      await this.extract(destination, request);
    }
    this.options.log?.info({ uri: uri.value, destination }, 'fetched into the sandbox');
  }

  /** Makes `relative`'s directories under the sandbox (as the account, if any). */
  private async makeParents(relative: string, request: FetchRequest): Promise<void> {
    if (relative === '.' || relative === '') return;
    const target = path.join(request.directory, relative);
    if (request.account !== undefined) {
      await this.run('mkdir', ['-p', '--', target], request);
      return;
    }
    await mkdir(target, { recursive: true });
  }

  /** A local file copied into the sandbox: as the account when there is one (it may read only what its user may). */
  private async copy(source: string, destination: string, request: FetchRequest): Promise<void> {
    if (request.account === undefined) {
      await copyFile(source, destination);
      return;
    }
    await this.run('cp', ['--', source, destination], request);
  }

  /** `command` run as the request's account (if any), in its sandbox; rejects with its output when it fails. */
  private run(command: string, args: readonly string[], request: FetchRequest): Promise<void> {
    const account = request.account;
    const [file, argv] = account === undefined
      ? [command, args]
      : [SETPRIV, [...asAccount(account), command, ...args]];
    return new Promise<void>((resolve, reject) => {
      let child: ChildProcess | undefined;
      const abort = (): void => {
        child?.kill('SIGKILL');
      };
      child = execFile(file, argv, { cwd: request.directory, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
        request.signal?.removeEventListener('abort', abort);
        if (error === null) return resolve();
        if (request.signal?.aborted === true) return reject(new Error('the fetch was aborted'));
        const said = `${stderr}${stdout}`.trim().slice(-MAX_QUOTED_OUTPUT_CHARS);
        reject(new Error(`${command} failed${said === '' ? `: ${error.message}` : `: ${said}`}`));
      });
      request.signal?.addEventListener('abort', abort, { once: true });
    });
  }

  /** Extracts `file` into the sandbox when its name says it is an archive (as its account, if any). */
  private async extract(file: string, request: FetchRequest): Promise<void> {
    const kind = archiveKind(file);
    if (kind === undefined) return;
    try {
      if (kind === 'tar') await this.run('tar', ['--no-same-owner', '-C', request.directory, '-xf', file], request);
      else if (kind === 'zip') await this.run('unzip', ['-o', '-q', file, '-d', request.directory], request);
      else await this.gunzip(file, request);
    } catch (error) {
      throw new Error(`Failed to extract '${file}': ${error instanceof Error ? error.message : String(error)}`);
    }
    this.options.log?.info({ file, directory: request.directory }, 'extracted into the sandbox');
  }

  /** A bare `.gz` decompressed beside itself, without the suffix (Mesos runs `gunzip -d -c`). */
  private async gunzip(file: string, request: FetchRequest): Promise<void> {
    if (request.account !== undefined) {
      // As the user: it reads the file and writes the sandbox with its own rights.
      const target = file.slice(0, -'.gz'.length);
      await this.run('sh', ['-c', 'gunzip -d -c -- "$1" > "$2"', 'gunzip', file, target], request);
      return;
    }
    const target = file.slice(0, -'.gz'.length);
    await new Promise<void>((resolve, reject) => {
      const input = createReadStream(file);
      const output = createWriteStream(target);
      const fail = (error: Error): void => {
        input.destroy();
        output.destroy();
        reject(error);
      };
      input.on('error', fail);
      output.on('error', fail);
      output.on('finish', resolve);
      input.pipe(createGunzip()).on('error', fail).pipe(output);
    });
  }

  /** Downloads `url` to `destination`, following redirects, failing on a stall, a status other than 200, or past `maxBytes`. */
  private async download(url: URL, destination: string, request: FetchRequest, redirects = 0): Promise<void> {
    const response = await this.get(url, request);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location !== undefined) {
      response.resume();
      if (redirects >= MAX_FETCH_REDIRECTS) throw new Error(`Error downloading resource: more than ${MAX_FETCH_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(response.headers.location, url);
      } catch {
        throw new Error(`Error downloading resource: a redirect to an invalid URL '${response.headers.location}'`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`Error downloading resource: a redirect to '${next.protocol}' (http and https only)`);
      return this.download(next, destination, request, redirects + 1);
    }
    if (status !== 200) {
      response.resume();
      throw new Error(`Error downloading resource, received HTTP return code ${status}`);
    }
    await this.save(response, destination, request);
  }

  /** The response to a GET of `url` (its headers): fails if none comes within the stall timeout. */
  private get(url: URL, request: FetchRequest): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(url, { method: 'GET', ...(request.signal !== undefined ? { signal: request.signal } : {}) });
      const timer = this.clock.setTimer(this.stallTimeoutMs, () => {
        outgoing.destroy(new Error(`Error downloading resource: no answer for ${this.stallTimeoutMs} ms (--fetcher_stall_timeout)`));
      });
      outgoing.once('response', (response) => {
        timer.cancel();
        resolve(response);
      });
      outgoing.once('error', (error) => {
        timer.cancel();
        reject(request.signal?.aborted === true ? new Error('the fetch was aborted') : new Error(`Error downloading resource: ${error.message}`));
      });
      outgoing.end();
    });
  }

  /**
   * Where a download is written: a file the agent opens, or, with an account, the stdin of a
   * `cat` running as the user (the user's own rights decide where it may write). `done` settles
   * once every byte is on disk, or with why not.
   */
  private sink(destination: string, request: FetchRequest): { readonly output: Writable; readonly done: Promise<void>; readonly discard: () => Promise<void> } {
    const account = request.account;
    if (account === undefined) {
      const output = createWriteStream(destination, { mode: 0o644 });
      const done = new Promise<void>((resolve, reject) => {
        output.once('finish', resolve);
        output.once('error', (error) => reject(new Error(`cannot write '${destination}': ${error.message}`)));
      });
      return { output, done, discard: () => rm(destination, { force: true }) };
    }
    const child = spawn(SETPRIV, [...asAccount(account), 'sh', '-c', 'exec cat > "$1"', 'fetch', destination], { cwd: request.directory, stdio: ['pipe', 'ignore', 'pipe'] });
    let said = '';
    child.stderr.on('data', (chunk: Buffer) => { said = `${said}${chunk.toString()}`.slice(-MAX_QUOTED_OUTPUT_CHARS); });
    child.stdin.on('error', () => undefined); // a cat that died is reported by its exit
    const done = new Promise<void>((resolve, reject) => {
      child.once('error', (error) => reject(new Error(`cannot write '${destination}' as the task's user: ${error.message}`)));
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`cannot write '${destination}' as the task's user: ${said.trim() || `exit ${String(code)}`}`))));
    });
    const discard = async (): Promise<void> => {
      child.kill('SIGKILL');
      await done.catch(() => undefined);
      await this.run('rm', ['-f', '--', destination], request).catch(() => undefined);
    };
    return { output: child.stdin, done, discard };
  }

  /** Writes `response`'s body to `destination`; a stall, an abort or too many bytes fail it, and remove what was written. */
  private save(response: IncomingMessage, destination: string, request: FetchRequest): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const { output, done: flushed, discard } = this.sink(destination, request);
      let written = 0;
      let timer: TimerHandle | undefined;
      let done = false;
      const finish = (error: Error | undefined): void => {
        if (done) return;
        done = true;
        timer?.cancel();
        request.signal?.removeEventListener('abort', aborted);
        if (error === undefined) return resolve();
        response.destroy();
        output.destroy();
        void discard().finally(() => reject(error));
      };
      const aborted = (): void => finish(new Error('the fetch was aborted'));
      const armStall = (): void => {
        timer?.cancel();
        timer = this.clock.setTimer(this.stallTimeoutMs, () => finish(new Error(`Error downloading resource: stalled, no bytes for ${this.stallTimeoutMs} ms (--fetcher_stall_timeout)`)));
      };
      request.signal?.addEventListener('abort', aborted, { once: true });
      armStall();
      response.on('data', (chunk: Buffer) => {
        written += chunk.length;
        if (request.maxBytes !== undefined && written > request.maxBytes) {
          finish(new Error(`Error downloading resource: larger than the sandbox's disk (${request.maxBytes} bytes)`));
          return;
        }
        armStall();
        if (!output.write(chunk)) {
          response.pause();
          output.once('drain', () => response.resume());
        }
      });
      response.once('end', () => {
        if (done) return;
        timer?.cancel();
        output.end();
      });
      flushed.then(() => finish(undefined), (error: Error) => finish(error));
      response.once('error', (error) => finish(new Error(`Error downloading resource: ${error.message}`)));
      response.once('close', () => {
        if (!response.complete) finish(new Error('Error downloading resource: the connection closed before the whole body came'));
      });
    });
  }
}
