/**
 * What the client bins (mesos-execute, mesos-batch, mesos-ps) share: finding the master,
 * failing with one line, and an actor host for a scheduler.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Command } from 'commander';
import { checkPrincipal, checkSecret, readCredentialFile, readSecretFile, type Credential } from '../lib/authentication';
import { flag } from '../lib/flags';
import { basicAuthorization } from '../lib/process/http-authentication';
import { isZooKeeperMaster, masterDetector } from '../lib/ha/detector';
import { shownZooKeeperUrl } from '../lib/ha/zookeeper';
import type { DetectedMaster } from '../lib/ha/election';
import { connectNodeZooKeeper } from '../lib/ha/node-zookeeper';
import { ActorHost, RealClock } from '../lib/process';
import { describeTlsFailure, tlsClientOptions, type TlsOptions } from '../lib/process/tls';
import { createLogger, type LogLevel } from '../lib/logging';

/** How long a client waits for the master's HTTP endpoint before giving up. */
export const MASTER_CHECK_TIMEOUT_MS = 5_000;

/** A client framework (mesos-execute, mesos-batch) gives up after this long without a master (`--master_timeout`). */
export const CLIENT_MASTER_TIMEOUT_MS = 60_000;
/**
 * Default `--offer_wait_timeout` of mesos-execute (before its task is launched) and mesos-batch
 * (while none of its tasks runs and some are still to launch): long enough for busy resources to
 * free up, short enough not to hang a script forever.
 */
export const DEFAULT_OFFER_WAIT_TIMEOUT_MS = 2 * 60_000;

/** A bin's exit code on SIGUSR1 before it handles the signal its own way (128 + 10: what a shell reports for a process the signal ended). */
export const SIGUSR1_EXIT_CODE = 138;

/**
 * Makes SIGUSR1 end this process (`SIGUSR1_EXIT_CODE`), as it ends a process with no handler for
 * it, instead of opening Node's inspector: a debugger on 127.0.0.1:9229 that any local user may
 * attach to and run code in. Each client bin calls it first; a server bin too, until it is
 * started and handles SIGUSR1 its own way (it calls the function returned, which removes this).
 */
export function endOnSigusr1(): () => void {
  const end = (): never => process.exit(SIGUSR1_EXIT_CODE);
  process.once('SIGUSR1', end);
  return () => {
    process.removeListener('SIGUSR1', end);
  };
}

/** Prints `<bin>: <message>` on stderr and exits with `code`. */
export function fail(bin: string, message: string, code = 1): never {
  process.stderr.write(`${bin}: ${message}\n`);
  process.exit(code);
}

/** Largest response body a client reads (a big cluster's /master/state). */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** The credential the client's HTTP requests carry (HTTP Basic), once `useHttpCredential` set it. */
let httpCredential: Credential | undefined;

/** Makes every later `get` carry `credential` (for masters and agents with `--authenticate_http_readonly`). */
export function useHttpCredential(credential: Credential | undefined): void {
  httpCredential = credential;
}

/**
 * Adds `--principal`, `--secret` and `--secret_file` (and, with `credentialFile`, Mesos'
 * `--credential <file>`): what a client or an agent authenticates with.
 */
export function addCredentialOptions(program: Command, credentialFile = false): Command {
  program
    .addOption(flag('--principal <principal>', 'authenticate to the master as this principal (with --secret or --secret_file)'))
    .addOption(flag('--secret <secret>', "the principal's secret (visible in the process list: prefer --secret_file)"))
    .addOption(flag('--secret_file <path>', "a file holding the principal's secret"));
  if (credentialFile) program.addOption(flag('--credential <path>', 'a JSON file {"principal": ..., "secret": ...} (Mesos\' format), instead of --principal and --secret'));
  return program;
}

/** The flags of `addCredentialOptions`, as commander reads them. */
export interface CredentialOptions {
  principal?: string | undefined;
  secret?: string | undefined;
  secret_file?: string | undefined;
  credential?: string | undefined;
}

/**
 * The credential the flags of `addCredentialOptions` name, or undefined for none; exits 2 with
 * one line naming the flag when they are incomplete, contradictory or unreadable.
 */
export function credentialFrom(bin: string, options: CredentialOptions): Credential | undefined {
  try {
    if (options.credential !== undefined) {
      if (options.principal !== undefined || options.secret !== undefined || options.secret_file !== undefined) throw new Error('--credential: give either it or --principal with --secret/--secret_file, not both');
      return readCredentialFile(options.credential, '--credential');
    }
    if (options.principal === undefined) {
      if (options.secret !== undefined || options.secret_file !== undefined) throw new Error('--secret and --secret_file need --principal');
      return undefined;
    }
    checkPrincipal(options.principal, '--principal');
    if (options.secret !== undefined && options.secret_file !== undefined) throw new Error('--secret and --secret_file: give one, not both');
    if (options.secret_file !== undefined) return { principal: options.principal, secret: readSecretFile(options.secret_file, '--secret_file') };
    if (options.secret === undefined) throw new Error('--principal needs --secret or --secret_file');
    checkSecret(options.secret, '--secret');
    return { principal: options.principal, secret: options.secret };
  } catch (error) {
    return fail(bin, (error as Error).message, 2);
  }
}

/** How a client GETs: the deadline, and TLS (https, presenting the client certificate) if on. */
export interface GetOptions {
  /** Default `MASTER_CHECK_TIMEOUT_MS`. */
  readonly timeoutMs?: number;
  readonly tls?: TlsOptions;
}

/**
 * GETs `path` from `address` and returns the body; throws with a one-line reason unless it
 * answers 2xx. Uses node:http(s) rather than fetch, which refuses some ports (e.g. 6000) and
 * cannot be given a CA or client certificate.
 */
export function get(address: string, path: string, options: GetOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? MASTER_CHECK_TIMEOUT_MS;
  const url = `${options.tls ? 'https' : 'http'}://${address}${path}`;
  return new Promise((resolve, reject) => {
    const onResponse = (response: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) request.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status > 299) reject(new HttpStatusError(`GET ${url} answered ${status}`, status, response.headers.location));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      });
      response.on('error', (error) => reject(error));
    };
    const headers = httpCredential === undefined ? {} : { authorization: basicAuthorization(httpCredential.principal, httpCredential.secret) };
    const request = options.tls
      ? https.get(url, { timeout: timeoutMs, headers, ...tlsClientOptions(options.tls) }, onResponse)
      : http.get(url, { timeout: timeoutMs, headers }, onResponse);
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => reject(new Error(`cannot reach ${address} (${error.code ?? error.message}${connectionHint(error, options.tls !== undefined)})`)));
  });
}

/** A GET answered, but not 2xx: `status` says how. */
export class HttpStatusError extends Error {
  /** @param location the `Location` header of a redirect */
  constructor(message: string, readonly status: number, readonly location?: string) {
    super(message);
  }
}

/** What a failed connection may mean, for the one line a client prints (TLS mismatches look like resets). */
function connectionHint(error: NodeJS.ErrnoException, tls: boolean): string {
  if (tls) {
    const failure = describeTlsFailure(error);
    if (failure !== undefined) return `: ${failure}`;
    return error.code === 'ECONNRESET' ? ': reset during TLS; a peer requiring client certificates refuses one its CA did not sign' : '';
  }
  return error.code === 'ECONNRESET' ? ': reset; if it serves TLS only, give the --ssl_* flags' : '';
}

/** GETs a JSON document (see `get`), following a standby master's redirect to the leader once (`redirected`: already followed one). */
export async function getJson<T>(address: string, path: string, options: GetOptions = {}, redirected = false): Promise<T> {
  let body: string;
  try {
    body = await get(address, path, options);
  } catch (error) {
    // A standby master sends the leader's endpoints to the leader (307 to `//host:port/path`, as
    // Mesos'): followed once, to the master it names (trusted as a master ZooKeeper names is).
    const leader = !redirected && error instanceof HttpStatusError && error.status === HTTP_TEMPORARY_REDIRECT ? redirectTarget(error.location) : undefined;
    if (leader === undefined) throw error;
    return getJson<T>(leader.address, leader.path, options, true);
  }
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new Error(`GET ${options.tls ? 'https' : 'http'}://${address}${path} did not answer JSON`);
  }
}

/** A standby's `Location` (`//host:port/path`, or with a scheme) as an address and a path; undefined for anything else. */
function redirectTarget(location: string | undefined): { address: string; path: string } | undefined {
  // `//host:port` alone (Mesos' `/master/redirect`) is the root.
  const match = location === undefined ? null : /^(?:https?:)?\/\/([^/?#\s]+)(\/[^\s]*)?$/.exec(location);
  return match === null ? undefined : { address: match[1] as string, path: match[2] ?? '/' };
}

/**
 * The `host:port` of the leading master: `master` itself, or for `zk://...` the leader read from
 * ZooKeeper, waiting up to `timeoutMs` for one (then exit 1, one line).
 */
export async function leadingMasterAddress(bin: string, master: string, timeoutMs: number): Promise<string> {
  if (!isZooKeeperMaster(master)) return master;
  const clock = new RealClock();
  const detector = masterDetector(master, { clock, logger: createLogger(bin, 'silent') }, connectNodeZooKeeper);
  try {
    const leader = detector.leader ?? await new Promise<DetectedMaster | undefined>((resolve) => {
      const timer = clock.setTimer(timeoutMs, () => resolve(undefined));
      detector.onChange((found) => { if (found !== undefined) { timer.cancel(); resolve(found); } });
    });
    if (leader === undefined) fail(bin, `no leading master in ${shownZooKeeperUrl(master)} within ${timeoutMs / 1000} s`);
    return leader.pid.slice(leader.pid.indexOf('@') + 1);
  } finally {
    await detector.close();
  }
}

/**
 * Fails unless the (leading) master answers `/master/health` (over https under `tls`); returns
 * the `--master` a client's scheduler follows: a `zk://` master as it is (its detector follows
 * the leader; this waits up to `timeoutMs` for ZooKeeper to name one), a master given by address
 * as the leader's `host:port` (itself, or for a standby the leader it names: `leaderBehind`).
 */
export async function requireMaster(bin: string, master: string, timeoutMs = CLIENT_MASTER_TIMEOUT_MS, tls?: TlsOptions): Promise<string> {
  const address = await leadingMasterAddress(bin, master, timeoutMs);
  try {
    await get(address, MASTER_HEALTH_PATH, tls ? { tls } : {});
  } catch (error) {
    if (error instanceof HttpStatusError && error.status === HTTP_NOT_FOUND) {
      fail(bin, `${address} answered 404 for ${MASTER_HEALTH_PATH}: is it an agent, not a master?`);
    }
    fail(bin, `no master at ${address}: ${(error as Error).message}`);
  }
  // ZooKeeper named the leader; a master given by address may be a standby.
  return isZooKeeperMaster(master) ? master : leaderBehind(bin, address, tls);
}

/**
 * The leading master's `host:port`, for a master that answers at `address` (not `zk://`): itself,
 * or for a standby the leader it redirects to (said on stderr); fails with one line for a standby
 * that knows of no leader. A client pointed at a standby waited in silence, its registration
 * dropped, until `--master_timeout`, then said there was no master. The two are told apart by
 * `LEADER_ONLY_PATH`, which a leader serves and a standby redirects (307, or 503 with no leader,
 * as Mesos' do); a 401 (the client has no credentials for it) asks `/master/redirect` instead
 * (`namedLeader`); any other answer tells nothing, and `address` is used.
 */
export async function leaderBehind(bin: string, address: string, tls?: TlsOptions): Promise<string> {
  try {
    await get(address, LEADER_ONLY_PATH, tls ? { tls } : {});
    return address;
  } catch (error) {
    if (!(error instanceof HttpStatusError)) throw error;
    // A standby with no leader known, or a leader that cannot confirm its ZooKeeper session yet (it answers 503 meanwhile).
    if (error.status === HTTP_SERVICE_UNAVAILABLE) fail(bin, `${address} is a master that does not lead now (a standby with no leader known, or a leader not sure of its ZooKeeper session); give --master zk://... to wait for the leader`);
    // Without the credentials it asks for (401: a standby asks them before it redirects, as the leader would), `/master/redirect`, which asks none.
    if (error.status === HTTP_UNAUTHORIZED) return namedLeader(bin, address, tls);
    const leader = error.status === HTTP_TEMPORARY_REDIRECT ? redirectTarget(error.location)?.address : undefined;
    if (leader === undefined) return address;
    process.stderr.write(`${bin}: ${address} is a standby master; using the leader at ${leader} (give --master zk://... to follow the leader across failovers)\n`);
    return leader;
  }
}

/**
 * The leader a master at `address` names at `/master/redirect` (Mesos': no credentials asked; a
 * leader names itself, perhaps by another name than `address`), said on stderr when it is not
 * `address`; `address` when it names none.
 */
async function namedLeader(bin: string, address: string, tls?: TlsOptions): Promise<string> {
  try {
    await get(address, MASTER_REDIRECT_PATH, tls ? { tls } : {});
    return address;
  } catch (error) {
    if (!(error instanceof HttpStatusError) || error.status !== HTTP_TEMPORARY_REDIRECT) return address;
    const leader = redirectTarget(error.location)?.address;
    if (leader === undefined || leader === address) return address;
    process.stderr.write(`${bin}: ${address} names ${leader} as the leading master (its /master/redirect); using it (give --master zk://... to follow the leader across failovers)\n`);
    return leader;
  }
}

/**
 * A small endpoint a leading master serves and a standby redirects to the leader (`leaderBehind`):
 * not `/master/flags`, which a standby serves itself, as Mesos'.
 */
const LEADER_ONLY_PATH = '/master/roles';
const HTTP_TEMPORARY_REDIRECT = 307;
const HTTP_UNAUTHORIZED = 401;
/** Where every master names the leader (Mesos': a 307 to its `//host:port`, itself for a leader), asking no credentials. */
const MASTER_REDIRECT_PATH = '/master/redirect';
const HTTP_SERVICE_UNAVAILABLE = 503;

/** The endpoint every master answers (Mesos' `/master/health`): a client checks `--master` with it. */
const MASTER_HEALTH_PATH = '/master/health';
/** What a server that is not a master (an agent) answers for `MASTER_HEALTH_PATH`. */
const HTTP_NOT_FOUND = 404;

/**
 * Says on stderr, at once, that the scheduler of client `bin` lost its master (`master`, a pid) and
 * how long it waits for one (`--master_timeout`): without it a client whose master died said
 * nothing until it gave up. For a scheduler's `disconnected`; `reportMasterBack` is its pair.
 */
export function reportMasterLost(bin: string, master: string, timeoutMs: number): void {
  process.stderr.write(`${bin}: the master ${master} went away; re-registering, and giving up after ${timeoutMs / 1000} s without one (--master_timeout)\n`);
}

/** Says on stderr that the scheduler of client `bin` is registered again, with `master` (a pid): for its `reregistered`. */
export function reportMasterBack(bin: string, master: string): void {
  process.stderr.write(`${bin}: re-registered with the master ${master}\n`);
}

/** An actor host for a client's scheduler, on `ip` and any free port (over TLS under `tls`). */
export function startClientHost(ip: string, level: LogLevel = 'error', tls?: TlsOptions): Promise<ActorHost> {
  const logger = createLogger('client', (process.env.MESOS_LOG_LEVEL as LogLevel | undefined) ?? level);
  return ActorHost.start({ ip, port: 0, logger, ...(tls ? { tls } : {}) });
}
