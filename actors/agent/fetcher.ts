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
 * Without one, the agent writes as itself, which is what the task runs as. Only regular files are
 * read and written: a FIFO (a task could make one where a URI names it, or an archive leave one
 * where a later URI writes) would hold the copy until something opened its other end.
 *
 * A download fails when it sends no byte for `stallTimeoutMs`, or fewer bytes in that time than
 * it has seconds (Mesos' `--fetcher_stall_timeout`, curl's low-speed limit of 1 byte a second;
 * on the agent's clock). The whole fetch is bounded by the executor's registration timeout,
 * whose end aborts it (`signal`): the processes it runs (`tar`, `cp`...) are killed with their
 * process groups. A download, a copy and a decompressed `.gz` stop at `maxBytes` (the sandbox's
 * disk); an archive's contents are not counted (Mesos counts nothing).
 *
 * A URI with `cache: true` is fetched once per user into the fetcher cache (`fetcher-cache.ts`,
 * Mesos' `--fetcher_cache_size` and `--fetcher_cache_dir`) and copied, or extracted, from there.
 *
 * Differs from Mesos: no `ftp://`, `hdfs://` or `s3://` (Mesos hands those to curl or a Hadoop
 * client); an `outputFile` with a `..` segment is refused (Mesos checks only that it is not
 * absolute); a local source that is not a regular file is refused (Mesos refuses a directory).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { chmod, mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Logger } from '../../lib/logging';
import type { CommandUri } from '../../lib/protocol';
import { RealClock, type Clock, type TimerHandle } from '../../lib/process/clock';
import { CacheUnavailable, FETCHER_CACHE_SIZE_BYTES, FetcherCache, SharedFetchFailed, type CachedFile } from './fetcher-cache';

/** A download that sends no byte, or under 1 byte a second, for this long fails (Mesos' `--fetcher_stall_timeout`, 60 s). */
export const FETCHER_STALL_TIMEOUT_MS = 60_000;
/** Redirects one download follows (curl's `--location`, as Mesos' downloads follow them). */
export const MAX_FETCH_REDIRECTS = 10;
/** The most bytes of a failed command's output (tar, unzip, cp) a fetch error quotes. */
const MAX_QUOTED_OUTPUT_CHARS = 1_024;
/** An executable's mode (Mesos: rwxr-xr-x). */
const EXECUTABLE_MODE = 0o755;
/** What switches a process to another user's ids and groups before it execs (util-linux). */
const SETPRIV = 'setpriv';
/**
 * A local copy as the task's user (`$1` to `$2`, at most `$3` bytes when given): `cp`, as Mesos
 * runs, once the source is a regular file no larger than the sandbox's disk and the destination
 * is none or a regular file (a FIFO, or `/dev/zero`, would hold or fill it until the abort).
 */
const COPY_SCRIPT = [
  'if [ -e "$1" ] && [ ! -f "$1" ]; then echo "\'$1\' is not a regular file" >&2; exit 1; fi',
  'if [ -n "$3" ] && [ -f "$1" ] && [ "$(stat -L -c %s -- "$1")" -gt "$3" ]; then echo "\'$1\' is larger than the sandbox\'s disk ($3 bytes)" >&2; exit 1; fi',
  'if [ -e "$2" ] && [ ! -f "$2" ]; then echo "\'$2\' is not a regular file" >&2; exit 1; fi',
  'exec cp -- "$1" "$2"',
].join('\n');
/** Writes stdin to `$1` as the task's user: a regular file, or a new one (see `COPY_SCRIPT`). */
const WRITE_SCRIPT = [
  'if [ -e "$1" ] && [ ! -f "$1" ]; then echo "\'$1\' is not a regular file" >&2; exit 1; fi',
  'exec cat > "$1"',
].join('\n');

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
  /** Where the proxies come from (`proxyFor`: `http_proxy`, `https_proxy`, `no_proxy`). Default: this process' environment. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** The CAs (PEM) an `https://` download trusts instead of Node's bundled ones (tests); `NODE_EXTRA_CA_CERTS` adds to those. */
  readonly certificateAuthorities?: string;
  /** The cache's directory (`--fetcher_cache_dir`); unset: no cache, `cache: true` is fetched directly. */
  readonly cacheDirectory?: string;
  /** The cache's size (`--fetcher_cache_size`; default `FETCHER_CACHE_SIZE_BYTES`); 0: no cache. */
  readonly cacheSizeBytes?: number;
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

/**
 * The proxy a download of `url` goes through, as curl (Mesos' downloader) picks it from the
 * environment: `http_proxy` for `http://` (curl reads no `HTTP_PROXY`, a CGI client's header),
 * `https_proxy` or `HTTPS_PROXY` for `https://`, none for a host `no_proxy` (or `NO_PROXY`)
 * lists: `*`, the host itself, or a domain it is in (`example.com` and `.example.com` both take
 * `a.example.com`); never for this machine's loopback (`localhost`, `127.*`, `::1`). Only an `http://` proxy (the tunnel is plain to the proxy); another is an error.
 * @example proxyFor(new URL('https://a.example.com/x'), { https_proxy: 'http://proxy:3128' }) // { url: http://proxy:3128/ }
 */
export function proxyFor(url: URL, environment: Readonly<Record<string, string | undefined>>): { readonly url: URL } | { readonly error: string } | undefined {
  const [name, value] = url.protocol === 'https:'
    ? ['https_proxy', environment.https_proxy ?? environment.HTTPS_PROXY]
    : ['http_proxy', environment.http_proxy];
  if (value === undefined || value.trim() === '') return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  // This machine's own loopback: a proxy elsewhere cannot reach it (our choice; curl leaves it to no_proxy).
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host)) return undefined;
  const exempt = (environment.no_proxy ?? environment.NO_PROXY ?? '').split(',').map((entry) => entry.trim().toLowerCase().replace(/^\./, '')).filter((entry) => entry !== '');
  if (exempt.some((entry) => entry === '*' || host === entry || host.endsWith(`.${entry}`))) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    return { error: `the proxy '${value}' (${name}) is not a URL` };
  }
  if (proxy.protocol !== 'http:') return { error: `the proxy '${value}' (${name}) must be an http:// URL` };
  return { url: proxy };
}

/** Basic credentials from `url`'s user and password (%-decoded, as curl and node send them), or undefined without either; throws, naming `whose` (never the secret), for a bad %-escape. */
function basicCredentials(url: URL, whose: string): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  let credentials: string;
  try {
    credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } catch {
    throw new Error(`${whose} credentials are not validly %-escaped`);
  }
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

/** The port of a proxy URL without one (http's; curl's default is 1080). */
export const PROXY_DEFAULT_PORT = 80;

/** `proxy`'s port: its own, else `PROXY_DEFAULT_PORT`. */
function proxyPort(proxy: URL): number {
  return proxy.port === '' ? PROXY_DEFAULT_PORT : Number(proxy.port);
}

/** `Proxy-Authorization` for a proxy URL with a user (Basic, as curl sends it), or no header. */
function proxyAuthorization(proxy: URL): Readonly<Record<string, string>> {
  const credentials = basicCredentials(proxy, `the proxy '${proxy.host}'`);
  return credentials === undefined ? {} : { 'proxy-authorization': credentials };
}

/**
 * `uri` as messages and logs show it: a password in it (`https://user:secret@host/...`) is
 * replaced by `***` (the task's status and the agent's log are read by others than its framework).
 * @example shownUri('https://ci:s3cret@repo.example.com/app.tgz') // 'https://ci:***@repo.example.com/app.tgz'
 */
export function shownUri(uri: string): string {
  return uri.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/, '$1:***@');
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

/** One URI's fetch, settled before anything is fetched (Mesos' `validateUris`). */
interface FetchStep {
  readonly uri: CommandUri;
  /** The URI as fetched (its leading blanks cut, as Mesos cuts them). */
  readonly value: string;
  readonly source: { readonly local: string } | { readonly url: URL };
  /** Where it goes, relative to the sandbox. */
  readonly named: string;
}

/** How `pump` writes a stream to a file. */
interface PumpOptions {
  /** Says what failed: a download's reasons start 'Error downloading resource'. */
  readonly failure: (reason: string) => Error;
  /** The new file's mode (default rw-r--r--). */
  readonly mode?: number;
  /** Times the stream out for a stall (downloads; a local stream never stalls). */
  readonly stalls?: boolean;
}

/** The agent's fetcher; one serves every executor of the agent. */
export class Fetcher {
  private readonly clock: Clock;
  private readonly stallTimeoutMs: number;

  /** The cache of `cache: true` URIs, when the agent has one. */
  private readonly cache: FetcherCache | undefined;
  /** Whether the cache's directory could not be used (said once; every fetch is then direct). */
  private cacheRefused = false;

  constructor(private readonly options: FetcherOptions = {}) {
    this.clock = options.clock ?? new RealClock();
    this.stallTimeoutMs = options.stallTimeoutMs ?? FETCHER_STALL_TIMEOUT_MS;
    const cacheSize = options.cacheSizeBytes ?? FETCHER_CACHE_SIZE_BYTES;
    this.cache = options.cacheDirectory !== undefined && cacheSize > 0
      ? new FetcherCache(options.cacheDirectory, cacheSize, (target, account) => (account === undefined ? rm(target, { recursive: true, force: true }) : this.run('rm', ['-rf', '--', target], { uris: [], directory: path.dirname(target), account })))
      : undefined;
  }

  /** The cache's capacity and what it holds now, in bytes (Mesos' `containerizer/fetcher/cache_size_*`); zeros without a cache. */
  cacheMetrics(): { readonly totalBytes: number; readonly usedBytes: number } {
    return this.cache === undefined ? { totalBytes: 0, usedBytes: 0 } : { totalBytes: this.cache.capacityBytes, usedBytes: this.cache.sizeBytes };
  }

  /**
   * Fetches every URI of `request` into its sandbox, in order; rejects with a `FetchError` at the
   * first failure. Every URI is checked first (its name, output file and scheme), as Mesos does:
   * a bad one fails the fetch before any is fetched.
   */
  async fetch(request: FetchRequest): Promise<void> {
    const steps = request.uris.map((uri) => this.plan(uri));
    for (const step of steps) {
      try {
        throwIfAborted(request);
        await this.fetchOne(step, request);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new FetchError(`Failed to fetch '${shownUri(step.uri.value)}': ${reason}`);
      }
    }
  }

  /** Where `uri` is fetched from and to, or a `FetchError` naming it. */
  private plan(uri: CommandUri): FetchStep {
    const value = uri.value.trimStart();
    const named = uri.outputFile ?? uriBasename(value);
    const problem = typeof named !== 'string' ? named.error
      : uri.outputFile !== undefined ? outputFileError(uri.outputFile)
        : named === '' || named === '.' || named === '..' ? 'the URI names no file: give it an outputFile' : undefined;
    const source = problem === undefined ? sourceOf(value, this.options.frameworksHome) : { error: problem };
    if ('error' in source) throw new FetchError(`Failed to fetch '${shownUri(uri.value)}': ${source.error}`);
    return { uri, value, source, named: named as string };
  }

  private async fetchOne(step: FetchStep, request: FetchRequest): Promise<void> {
    const { uri, source, named } = step;
    const destination = path.join(request.directory, named);
    if (uri.cache === true && this.cache !== undefined && !this.cacheRefused) {
      const cached = await this.fromCache(this.cache, step, request);
      if (cached !== undefined) {
        try {
          await this.makeParents(path.dirname(named), request);
          // An archive is extracted from the cache, not copied first (as Mesos); anything else is copied.
          if (uri.executable !== true && uri.extract !== false && archiveKind(cached.file) !== undefined) {
            await this.extract(cached.file, request);
          } else {
            await this.copy(cached.file, destination, request);
            throwIfAborted(request);
            if (uri.executable === true) await this.makeExecutable(destination, request);
          }
        } finally {
          cached.release();
        }
        this.options.log?.info({ uri: shownUri(uri.value), destination }, 'fetched into the sandbox from the fetcher cache');
        return;
      }
    }
    await this.makeParents(path.dirname(named), request);
    await this.fetchSource(source, destination, request);
    throwIfAborted(request);
    if (uri.executable === true) {
      await this.makeExecutable(destination, request);
    } else if (uri.extract !== false) {
      await this.extract(destination, request);
    }
    this.options.log?.info({ uri: shownUri(uri.value), destination }, 'fetched into the sandbox');
  }

  /** Copies or downloads `source` to `destination`. */
  private async fetchSource(source: FetchStep['source'], destination: string, request: FetchRequest): Promise<void> {
    if ('local' in source) await this.copy(source.local, destination, request);
    else await this.download(source.url, destination, request);
  }

  private async makeExecutable(file: string, request: FetchRequest): Promise<void> {
    if (request.account !== undefined) await this.run('chmod', [EXECUTABLE_MODE.toString(8), '--', file], request);
    else await chmod(file, EXECUTABLE_MODE);
  }

  /**
   * The cached file of `step`'s URI for the request's user, fetched into the cache first when it
   * is not there (once, whoever asks meanwhile; that fetch is not the request's to abort, the
   * stall timeout bounds it); undefined when the cache's directory cannot be used (said once:
   * then every URI is fetched directly), or when another launch's fetch it waited on failed
   * (this URI is then fetched directly, as Mesos does). The request's abort stops its wait.
   */
  private async fromCache(cache: FetcherCache, { uri, value, source, named }: FetchStep, request: FetchRequest): Promise<CachedFile | undefined> {
    const using = cache.use(value, path.basename(named), request.account, async (file, userDirectory) => {
      // Bounded as the launch's own fetch would be (its sandbox's disk); one larger than the cache serves this launch and goes.
      const into: FetchRequest = { uris: [], directory: userDirectory, ...(request.maxBytes !== undefined ? { maxBytes: request.maxBytes } : {}), ...(request.account !== undefined ? { account: request.account } : {}) };
      await this.makeParents(path.basename(path.dirname(file)), into);
      await this.fetchSource(source, file, into);
    });
    try {
      return await untilAborted(using, request);
    } catch (error) {
      if (error instanceof SharedFetchFailed) {
        this.options.log?.warn({ uri: shownUri(uri.value), error: error.message }, 'fetching directly into the sandbox: the shared fetch into the fetcher cache failed');
        return undefined;
      }
      if (!(error instanceof CacheUnavailable)) throw error;
      this.cacheRefused = true;
      this.options.log?.error({ error: error.message }, 'the fetcher cache cannot be used: every URI is fetched directly');
      return undefined;
    }
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

  /**
   * A local file copied into the sandbox, keeping its mode (Mesos runs `cp`): as the account
   * when there is one (it may read only what its user may). Only a regular file, at most
   * `maxBytes`: a FIFO would hold the copy (as the agent, one of its I/O threads) until something
   * writes to it, and a device such as `/dev/zero` never ends.
   */
  private async copy(source: string, destination: string, request: FetchRequest): Promise<void> {
    if (request.account !== undefined) {
      await this.run('sh', ['-c', COPY_SCRIPT, 'fetch', source, destination, String(request.maxBytes ?? '')], request, 'cp');
      return;
    }
    const input = await openRegularFile(source);
    try {
      const { size, mode } = await input.stat();
      if (request.maxBytes !== undefined && size > request.maxBytes) throw new Error(`'${source}' is larger than the sandbox's disk (${request.maxBytes} bytes)`);
      await this.pump(input.createReadStream({ autoClose: false }), destination, request, { failure: (reason) => new Error(`cannot copy '${source}': ${reason}`), mode: mode & 0o777 });
    } finally {
      await input.close();
    }
  }

  /**
   * `command` run as the request's account (if any), in its sandbox; rejects with its output
   * (`name` says who failed) when it fails. It leads a process group of its own, which an abort
   * kills whole (Mesos kills the fetcher's process tree): a shell's children go with it.
   */
  private run(command: string, args: readonly string[], request: FetchRequest, name = command): Promise<void> {
    const account = request.account;
    const [file, argv] = account === undefined
      ? [command, args]
      : [SETPRIV, [...asAccount(account), command, ...args]];
    if (request.signal?.aborted === true) return Promise.reject(new Error('the fetch was aborted'));
    const child = spawn(file, argv, { cwd: request.directory, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const abort = (): void => killGroup(child);
    request.signal?.addEventListener('abort', abort, { once: true });
    return exitOf(child, (said) => `${name} failed: ${said}`, [child.stdout, child.stderr]).then(
      () => request.signal?.removeEventListener('abort', abort),
      (error: Error) => {
        request.signal?.removeEventListener('abort', abort);
        throw request.signal?.aborted === true ? new Error('the fetch was aborted') : error;
      },
    );
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

  /**
   * A bare `.gz` decompressed into the sandbox under its name without the suffix, wherever its
   * output file put it (Mesos runs `gunzip -d -c` into the sandbox). As the account, if any: its
   * `gunzip` reads the file, the agent counts what comes out against `maxBytes` (a small bomb
   * would fill the disk) and the user's `cat` writes it; an abort stops both.
   */
  private async gunzip(file: string, request: FetchRequest): Promise<void> {
    const target = path.join(request.directory, path.basename(file.slice(0, -'.gz'.length)));
    const failure = (reason: string): Error => new Error(`gunzip failed: ${reason}`);
    const account = request.account;
    if (account === undefined) {
      const input = await openRegularFile(file);
      try {
        const read = input.createReadStream({ autoClose: false });
        const unzipped = createGunzip();
        read.once('error', (error) => unzipped.destroy(error));
        await this.pump(read.pipe(unzipped), target, request, { failure });
      } finally {
        await input.close();
      }
      return;
    }
    const child = spawn(SETPRIV, [...asAccount(account), 'gunzip', '-d', '-c', '--', file], { cwd: request.directory, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const exited = exitOf(child, (said) => `gunzip failed: ${said}`);
    exited.catch(() => undefined); // awaited below, once the output is written
    try {
      await this.pump(child.stdout, target, request, { failure });
      await exited;
    } catch (error) {
      killGroup(child);
      await this.run('rm', ['-f', '--', target], withoutSignal(request)).catch(() => undefined);
      throw error;
    }
  }

  /** Downloads `url` to `destination`, following redirects, failing on a stall, a status other than 200, or past `maxBytes`. */
  private async download(url: URL, destination: string, request: FetchRequest, redirects = 0): Promise<void> {
    const response = await this.get(url, request);
    const status = response.statusCode ?? 0;
    if (status !== 200) {
      // Its body is not wanted: a server could send one without end.
      response.destroy();
      if (status < 300 || status >= 400 || response.headers.location === undefined) throw new Error(`Error downloading resource, received HTTP return code ${status}`);
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
    await this.pump(response, destination, request, { failure: (reason) => new Error(`Error downloading resource: ${reason}`), stalls: true });
  }

  /**
   * The response to a GET of `url` (its headers): fails if none comes within the stall timeout.
   * Through the proxy the environment names for it (`proxyFor`, as curl reads `http_proxy`,
   * `https_proxy` and `no_proxy`): an `http://` URL asked of the proxy by its whole URL, an
   * `https://` one through a tunnel the proxy opens (`CONNECT`), its TLS end to end.
   */
  private async get(url: URL, request: FetchRequest): Promise<IncomingMessage> {
    const proxy = proxyFor(url, this.options.environment ?? process.env);
    if (proxy !== undefined && 'error' in proxy) throw new Error(proxy.error);
    const ca = this.options.certificateAuthorities;
    const signal = request.signal !== undefined ? { signal: request.signal } : {};
    if (proxy === undefined) {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return this.answer(send(url, { method: 'GET', ...signal, ...(ca !== undefined && url.protocol === 'https:' ? { ca } : {}) }), request);
    }
    const authorization = proxyAuthorization(proxy.url);
    if (url.protocol === 'http:') {
      // The whole URL without its user, password and fragment: the user's credentials go as
      // `Authorization` (as a direct request sends them), not in a request line proxies log.
      const own = basicCredentials(url, "the URL's");
      return this.answer(httpRequest({
        host: proxy.url.hostname, port: proxyPort(proxy.url), method: 'GET', path: `${url.protocol}//${url.host}${url.pathname}${url.search}`,
        headers: { host: url.host, ...(own !== undefined ? { authorization: own } : {}), ...authorization }, ...signal,
      }), request);
    }
    const socket = await this.tunnel(url, proxy.url, authorization, request);
    const servername = url.hostname.replace(/^\[|\]$/g, '');
    return this.answer(httpsRequest(url, {
      // No agent: the tunnel is this download's alone, never pooled for another (`createConnection` serves only an agentless request).
      method: 'GET', ...signal, ...(ca !== undefined ? { ca } : {}),
      // TLS over the tunnel, with the request's own TLS options (its host name to verify, the CAs).
      // The target's name as SNI, as an agent would send it (an address takes none): without it a
      // server of many names (a CDN, object storage) answers with another certificate, or none.
      createConnection: (options) => tlsConnect({ ...(isIP(servername) === 0 ? { servername } : {}), ...(options as ConnectionOptions), socket }),
    }), request);
  }

  /** `outgoing`'s response (its headers), or why none came: the stall timeout, an error, the abort. */
  private answer(outgoing: ClientRequest, request: FetchRequest): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const timer = this.clock.setTimer(this.stallTimeoutMs, () => {
        outgoing.destroy(new Error(`no answer for ${this.stallTimeoutMs} ms (--fetcher_stall_timeout)`));
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

  /** A tunnel to `url`'s host through `proxy` (`CONNECT host:port`), within the stall timeout. */
  private tunnel(url: URL, proxy: URL, authorization: Readonly<Record<string, string>>, request: FetchRequest): Promise<Socket> {
    const target = `${url.hostname}:${url.port === '' ? 443 : url.port}`;
    return new Promise<Socket>((resolve, reject) => {
      const outgoing = httpRequest({
        host: proxy.hostname, port: proxyPort(proxy), method: 'CONNECT', path: target,
        headers: { host: target, ...authorization }, ...(request.signal !== undefined ? { signal: request.signal } : {}),
      });
      const timer = this.clock.setTimer(this.stallTimeoutMs, () => {
        outgoing.destroy(new Error(`no answer from the proxy for ${this.stallTimeoutMs} ms (--fetcher_stall_timeout)`));
      });
      outgoing.once('connect', (response, socket) => {
        timer.cancel();
        if (response.statusCode === 200) return resolve(socket);
        socket.destroy();
        reject(new Error(`Error downloading resource: the proxy ${proxy.host} answered CONNECT ${target} with ${response.statusCode ?? 0}`));
      });
      outgoing.once('response', (response) => {
        timer.cancel();
        response.destroy();
        reject(new Error(`Error downloading resource: the proxy ${proxy.host} answered CONNECT ${target} with ${response.statusCode ?? 0}`));
      });
      outgoing.once('error', (error) => {
        timer.cancel();
        reject(request.signal?.aborted === true ? new Error('the fetch was aborted') : new Error(`Error downloading resource: the proxy ${proxy.host}: ${error.message}`));
      });
      outgoing.end();
    });
  }


  /**
   * Where a file is written: a file the agent opens, or, with an account, the stdin of a `cat`
   * running as the user (the user's own rights decide where it may write). Only a regular file
   * (or a new one): a FIFO an archive left there would hold the writer until something reads it.
   * `done` settles once every byte is on disk, or with why not; `discard` removes what was written.
   */
  private async sink(destination: string, request: FetchRequest, mode: number): Promise<{ readonly output: Writable; readonly done: Promise<void>; readonly discard: () => Promise<void> }> {
    const account = request.account;
    if (account === undefined) {
      let handle: FileHandle;
      try {
        handle = await open(destination, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_NONBLOCK, mode);
      } catch (error) {
        throw new Error(`cannot write '${destination}': ${error instanceof Error ? error.message : String(error)}`);
      }
      const regular = await handle.stat().then((stats) => stats.isFile(), () => false);
      if (!regular) {
        await handle.close();
        throw new Error(`cannot write '${destination}': it is not a regular file`);
      }
      const output = handle.createWriteStream();
      const done = new Promise<void>((resolve, reject) => {
        output.once('finish', resolve);
        output.once('error', (error) => reject(new Error(`cannot write '${destination}': ${error.message}`)));
      });
      // A directory (an earlier URI's) is not removed: `rm` without `recursive` refuses it.
      return { output, done, discard: () => rm(destination, { force: true }).catch(() => undefined) };
    }
    const child = spawn(SETPRIV, [...asAccount(account), 'sh', '-c', WRITE_SCRIPT, 'fetch', destination], { cwd: request.directory, stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    const done = exitOf(child, (said) => `cannot write '${destination}' as the task's user: ${said}`);
    child.stdin.on('error', () => undefined); // a cat that died is reported by its exit
    const discard = async (): Promise<void> => {
      killGroup(child);
      await done.catch(() => undefined);
      await this.run('rm', ['-f', '--', destination], withoutSignal(request)).catch(() => undefined);
    };
    return { output: child.stdin, done, discard };
  }

  /**
   * Writes `input` to `destination`; an abort, too many bytes, an error of either side or (for a
   * download) a stall fail it, and remove what was written. A download stalls when no byte comes
   * for the stall timeout, or when fewer come in one stall timeout than it has seconds (Mesos
   * gives curl a low-speed limit of 1 byte a second over it): a server that trickles a byte a
   * minute is not waited for until the registration timeout.
   */
  private async pump(input: Readable, destination: string, request: FetchRequest, options: PumpOptions): Promise<void> {
    let sink: Awaited<ReturnType<Fetcher['sink']>>;
    try {
      throwIfAborted(request);
      sink = await this.sink(destination, request, options.mode ?? 0o644);
    } catch (error) {
      input.destroy(); // a response left open would hold its connection
      throw error;
    }
    const { output, done: flushed, discard } = sink;
    return new Promise<void>((resolve, reject) => {
      let written = 0;
      let ended = false;
      let done = false;
      let watch: StallWatch | undefined;
      const finish = (error: Error | undefined): void => {
        if (done) return;
        done = true;
        watch?.stop();
        request.signal?.removeEventListener('abort', aborted);
        if (error === undefined) return resolve();
        input.destroy();
        output.destroy();
        void discard().finally(() => reject(error));
      };
      const aborted = (): void => finish(new Error('the fetch was aborted'));
      if (request.signal?.aborted === true) return finish(new Error('the fetch was aborted'));
      if (options.stalls === true) watch = new StallWatch(this.clock, this.stallTimeoutMs, (reason) => finish(options.failure(reason)));
      request.signal?.addEventListener('abort', aborted, { once: true });
      input.on('data', (chunk: Buffer) => {
        if (done) return;
        written += chunk.length;
        if (request.maxBytes !== undefined && written > request.maxBytes) return finish(options.failure(`larger than the sandbox's disk (${request.maxBytes} bytes)`));
        watch?.received(chunk.length);
        if (!output.write(chunk)) {
          input.pause();
          output.once('drain', () => input.resume());
        }
      });
      input.once('end', () => {
        ended = true;
        watch?.stop();
        if (!done) output.end();
      });
      flushed.then(() => finish(undefined), (error: Error) => finish(error));
      input.once('error', (error) => finish(options.failure(error.message)));
      input.once('close', () => {
        if (!ended) finish(options.failure(options.stalls === true ? 'the connection closed before the whole body came' : 'it closed before its end'));
      });
    });
  }
}

/**
 * Mesos' `--fetcher_stall_timeout` over one download, which Mesos gives curl as a low-speed limit
 * of 1 byte a second held for that long: `onStall` is called once when no byte comes for the
 * timeout, or fewer come in one timeout than it has seconds (a server that trickles a byte a
 * minute is not waited for until the registration timeout). On the agent's clock.
 */
class StallWatch {
  /** Bytes a whole timeout must bring (1 a second; at least 1). */
  private readonly minimumBytes: number;
  /** Bytes since the current timeout-long window began. */
  private windowBytes = 0;
  /** When the last byte came (clock ms); the start, before any. */
  private lastByteMs: number;
  /** Fires when no byte has come for the timeout (armed again at each chunk). */
  private idle: TimerHandle | undefined;
  /** Fires at the end of each window. */
  private window: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly clock: Clock, private readonly timeoutMs: number, private readonly onStall: (reason: string) => void) {
    this.minimumBytes = Math.max(1, Math.floor(timeoutMs / 1000));
    this.lastByteMs = clock.now();
    this.armIdle();
    this.armWindow();
  }

  received(bytes: number): void {
    if (this.stopped) return;
    this.windowBytes += bytes;
    this.lastByteMs = this.clock.now();
    this.armIdle();
  }

  stop(): void {
    this.stopped = true;
    this.idle?.cancel();
    this.window?.cancel();
  }

  private armIdle(): void {
    this.idle?.cancel();
    this.idle = this.clock.setTimer(this.timeoutMs, () => this.stall());
  }

  private armWindow(): void {
    this.window = this.clock.setTimer(this.timeoutMs, () => {
      if (this.clock.now() - this.lastByteMs >= this.timeoutMs) return this.stall();
      if (this.windowBytes < this.minimumBytes) return this.fail(`too slow, ${this.windowBytes} bytes in ${this.timeoutMs} ms, under 1 byte a second (--fetcher_stall_timeout)`);
      this.windowBytes = 0;
      this.armWindow();
    });
  }

  private stall(): void {
    this.fail(`stalled, no bytes for ${this.timeoutMs} ms (--fetcher_stall_timeout)`);
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.stop();
    this.onStall(reason);
  }
}

/** Rejects at once when the fetch was aborted (a later step would start a process, or write, for nothing). */
function throwIfAborted(request: FetchRequest): void {
  if (request.signal?.aborted === true) throw new Error('the fetch was aborted');
}

/**
 * Opens `file` to read, without waiting for a writer if it is a FIFO, and refuses anything but a
 * regular file (a FIFO's open would hold one of the agent's I/O threads for good: four held them all).
 */
async function openRegularFile(file: string): Promise<FileHandle> {
  const handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  const stats = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (!stats.isFile()) {
    await handle.close();
    throw new Error(`'${file}' is not a regular file`);
  }
  return handle;
}

/** Kills `child`'s process group (it was spawned `detached`), or `child` alone if that fails. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * Settles when `child` has exited and closed its pipes: rejects with `describe` of the end of what
 * it wrote on `outputs` (its stderr by default) unless it exited 0.
 */
function exitOf(child: ChildProcess, describe: (said: string) => string, outputs: ReadonlyArray<Readable | null> = [child.stderr]): Promise<void> {
  let said = '';
  for (const output of outputs) output?.on('data', (chunk: Buffer) => { said = `${said}${chunk.toString()}`.slice(-MAX_QUOTED_OUTPUT_CHARS); });
  return new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(describe(error.message))));
    child.once('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(describe(said.trim() || (signal !== null ? `killed by ${signal}` : `exit ${String(code)}`))))));
  });
}

/**
 * `held`, unless the request is aborted first: then rejects at once, and what `held` brings later
 * is released (a cached file no launch uses must not stay held).
 */
function untilAborted(held: Promise<CachedFile>, request: FetchRequest): Promise<CachedFile> {
  const signal = request.signal;
  if (signal === undefined) return held;
  return new Promise<CachedFile>((resolve, reject) => {
    const aborted = (): void => {
      reject(new Error('the fetch was aborted'));
      held.then((cached) => cached.release(), () => undefined);
    };
    if (signal.aborted) return aborted();
    signal.addEventListener('abort', aborted, { once: true });
    held.then((cached) => {
      signal.removeEventListener('abort', aborted);
      if (signal.aborted) cached.release();
      else resolve(cached);
    }, (error: unknown) => {
      signal.removeEventListener('abort', aborted);
      reject(error);
    });
  });
}

/** `request` without its abort: what cleans up after an abort must still run. */
function withoutSignal(request: FetchRequest): FetchRequest {
  const { signal: _signal, ...rest } = request;
  return rest;
}
