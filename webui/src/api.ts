/**
 * What the page asks of the cluster: the master's `/master/state` by `fetch` (same origin), and
 * the agents' `/state` and `/files` by `fetch` too, across origins: the agents answer those with
 * CORS (`Access-Control-Allow-Origin: *`). Mesos' UI reads agents by JSONP, which runs whatever
 * an agent answers as a script in the master's origin; an agent here is only ever read as data.
 */
import type { PollTimers } from './model/poller';
import { readAllBytes, StalledBody } from './model/read-body';
import { parseMasterState } from './model/state';
import type { AgentStateJson, FileChunkJson, FileInfoJson, MasterStateJson } from './model/types';
import type { AgentEndpoint } from './model/state';

/** A request to an agent that has not begun to answer within this long, or whose answer stops coming for this long, fails (ms). */
export const AGENT_TIMEOUT_MS = 10_000;

/**
 * A `/master/state` request that has not begun to answer within this long, or whose answer
 * stops coming for this long, fails (ms). Not a bound on the whole answer: a large cluster's
 * state takes longer than this to move over a slow link, and is read whole (`readAllBytes`).
 */
export const STATE_TIMEOUT_MS = 10_000;

/** The browser's clock and timers, as the page's pollers and readers take them. */
export const BROWSER_TIMERS: PollTimers = {
  now: () => Date.now(),
  setTimeout: (run, delayMs) => window.setTimeout(run, delayMs),
  clearTimeout: (handle) => window.clearTimeout(handle as number),
};

/** Why a request failed, for the page to say. */
export type FailureKind = 'unauthorized' | 'forbidden' | 'unreachable' | 'http' | 'invalid' | 'standby';

/** A failed request. */
export class RequestError extends Error {
  constructor(readonly kind: FailureKind, message: string) {
    super(message);
  }
}

/** Where the credentials typed into the page are kept: this tab's session storage (gone when the tab closes). */
const CREDENTIALS_STORAGE_KEY = 'mesos-ts.credentials';

/** The principal signed in with, if any. */
export function signedInPrincipal(): string | undefined {
  const stored = storedCredentials();
  return stored === undefined ? undefined : stored.principal;
}

/** Keeps `principal` and `secret` for this tab; `/master/state` is then asked with HTTP Basic credentials. */
export function signIn(principal: string, secret: string): void {
  window.sessionStorage.setItem(CREDENTIALS_STORAGE_KEY, JSON.stringify({ principal, secret }));
}

/** Forgets the credentials typed into the page. */
export function signOut(): void {
  window.sessionStorage.removeItem(CREDENTIALS_STORAGE_KEY);
}

function storedCredentials(): { principal: string; secret: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(window.sessionStorage.getItem(CREDENTIALS_STORAGE_KEY) ?? 'null');
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { principal, secret } = parsed as { principal?: unknown; secret?: unknown };
    return typeof principal === 'string' && typeof secret === 'string' ? { principal, secret } : undefined;
  } catch {
    return undefined;
  }
}

/** `Basic base64(principal:secret)`, UTF-8 (what Mesos' authenticator decodes). */
function basicAuthorization(principal: string, secret: string): string {
  const bytes = new TextEncoder().encode(`${principal}:${secret}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/**
 * `GET /master/state`; rejects with a RequestError saying why. The browser's own credentials
 * are not used (`credentials: 'omit'`), so a 401 comes back to the page, which asks for a
 * principal and secret itself (`signIn`), instead of a browser prompt the page cannot see.
 */
export async function fetchMasterState(): Promise<MasterStateJson> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), STATE_TIMEOUT_MS);
  const stored = storedCredentials();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (stored !== undefined) headers.authorization = basicAuthorization(stored.principal, stored.secret);
  let response: Response;
  try {
    // Not followed: a standby master redirects its state to the leader (307, as Mesos'), another
    // origin this page may not read, and the fetch failed as if the master were gone.
    response = await fetch('/master/state', { cache: 'no-store', credentials: 'omit', redirect: 'manual', signal: controller.signal, headers });
  } catch (error) {
    throw new RequestError('unreachable', `the master did not answer (${(error as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
  if (response.type === 'opaqueredirect') throw new RequestError('standby', 'this master does not lead now: it sends state requests to the leading master');
  if (response.status === 401) {
    throw new RequestError('unauthorized', stored === undefined
      ? 'the master asks for credentials (HTTP 401): sign in with a principal and secret it knows'
      : `the master does not accept the credentials of '${stored.principal}' (HTTP 401)`);
  }
  if (response.status === 403) throw new RequestError('forbidden', 'the master refuses to show its state to these credentials (HTTP 403)');
  if (!response.ok) throw new RequestError('http', `the master answered HTTP ${response.status} ${response.statusText}`);
  const json = await readJson(response, STATE_TIMEOUT_MS, 'the master');
  try {
    return parseMasterState(json);
  } catch (error) {
    throw new RequestError('invalid', (error as Error).message);
  }
}

/**
 * `url` on an agent, read as JSON across origins (the agent answers with CORS). No credentials
 * go with it: a page must not lend the browser's stored ones to another origin. Rejects with a
 * RequestError saying why (unreachable, refused, not JSON) or after `timeoutMs`.
 */
export async function agentJson(url: string, timeoutMs: number = AGENT_TIMEOUT_MS): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { mode: 'cors', credentials: 'omit', signal: controller.signal });
  } catch (error) {
    throw new RequestError('unreachable', controller.signal.aborted
      ? `no answer from ${url} within ${timeoutMs / 1000} s`
      : `${url} could not be read (the agent is down, or not reachable from this browser): ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 401) throw new RequestError('unauthorized', 'the agent asks for credentials (--authenticate_http_readonly): its sandboxes cannot be read from this page');
  if (response.status === 403) throw new RequestError('forbidden', 'the agent refuses these files to this page (HTTP 403)');
  if (!response.ok) throw new RequestError('http', `the agent answered HTTP ${response.status} ${response.statusText}`);
  return readJson(response, timeoutMs, 'the agent');
}

/**
 * The JSON of `response`'s body, read while bytes keep coming (`readAllBytes`: at most
 * `stallMs` of silence); rejects with a RequestError naming `who` and what went wrong.
 */
async function readJson(response: Response, stallMs: number, who: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    const reader = response.body?.getReader();
    bytes = reader === undefined ? new Uint8Array(0) : await readAllBytes(reader, stallMs, BROWSER_TIMERS);
  } catch (error) {
    throw new RequestError('unreachable', error instanceof StalledBody
      ? `${who} stopped answering: ${error.message}`
      : `${who}'s answer broke off (${(error as Error).message})`);
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new RequestError('invalid', `${who} answered something other than JSON`);
  }
}

/** The base URL of an agent's host, in the scheme the UI was loaded with. */
export function agentBase(endpoint: AgentEndpoint): string {
  return `${window.location.protocol}//${endpoint.address}`;
}

/** `GET /<slave(1)>/state` of an agent. */
export async function fetchAgentState(endpoint: AgentEndpoint): Promise<AgentStateJson> {
  const json = await agentJson(`${agentBase(endpoint)}/${encodeURIComponent(endpoint.actorId)}/state`);
  if (typeof json !== 'object' || json === null) throw new RequestError('invalid', 'the agent answered something other than its state');
  return json as AgentStateJson;
}

/** `GET /files/browse?path=` on an agent: the entries of directory `path`. */
export async function browseFiles(endpoint: AgentEndpoint, path: string): Promise<FileInfoJson[]> {
  const json = await agentJson(`${agentBase(endpoint)}/files/browse?path=${encodeURIComponent(path)}`);
  if (!Array.isArray(json)) throw new RequestError('invalid', 'the agent answered something other than a listing');
  return json as FileInfoJson[];
}

/** `GET /files/read?path=&offset=&length=` on an agent (`offset` -1: the size, as `offset`). */
export async function readFile(endpoint: AgentEndpoint, path: string, offset: number, length: number): Promise<FileChunkJson> {
  const json = await agentJson(`${agentBase(endpoint)}/files/read?path=${encodeURIComponent(path)}&offset=${offset}&length=${length}`);
  if (typeof json !== 'object' || json === null || typeof (json as FileChunkJson).offset !== 'number') {
    throw new RequestError('invalid', 'the agent answered something other than file data');
  }
  const chunk = json as FileChunkJson;
  return { data: typeof chunk.data === 'string' ? chunk.data : '', offset: chunk.offset };
}
