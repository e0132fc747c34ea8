/**
 * Authentication of frameworks and agents to the master (issue 9), shared by both ends: the
 * credentials files (Mesos' JSON formats), and the proofs of a mutual challenge–response in
 * which the secret never crosses the wire.
 *
 * The exchange (messages in `lib/protocol/messages.ts`), for a client at pid C and a master at M:
 *
 *   C → M  Authenticate { principal, clientNonce }
 *   M → C  AuthenticationChallenge { serverNonce, clientNonce } (also for an unknown principal;
 *                                                              clientNonce echoed: a client ignores a challenge to an exchange it gave up)
 *   C → M  AuthenticationResponse { clientProof }              clientProof = HMAC(secret, client ‖ …)
 *   M → C  AuthenticationCompleted { serverProof }             serverProof = HMAC(secret, server ‖ …)
 *       or AuthenticationFailed { reason }
 *
 * Each proof is an HMAC-SHA256 keyed with the secret over the principal, both pids and both
 * nonces, and which side is proving. Binding the pids means a proof is good for one link only
 * (and the runtime binds each pid to the link it came over); a fresh server nonce per attempt,
 * used once, makes a replayed proof worthless. The client proves first, so the master never
 * hands an HMAC of its secrets to a peer that has not proven it knows one; the client checks the
 * master's proof before it registers, so a rogue master is found out.
 *
 * @example
 *   const credentials = readCredentialsFile('/etc/mesos/credentials', '--credentials');
 *   const proof = authenticationProof('client', { principal, secret, clientPid, masterPid, clientNonce, serverNonce });
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { flagFilePath, readBoundedBytes } from './flag-file';
import { MAX_SHORT_TEXT_LENGTH } from './protocol/limits';
import { isJsonObject } from './protocol/plain';
import { strictUtf8 } from './utf8';

/** One principal and its secret (Mesos' `Credential`). */
export interface Credential {
  readonly principal: string;
  readonly secret: string;
}

/** Bytes of randomness in each nonce (hex on the wire). */
export const AUTHENTICATION_NONCE_BYTES = 32;
/** Longest secret accepted in a credentials file or flag. */
export const MAX_SECRET_LENGTH = 4_096;
/** Largest credentials file read (the master reads it at start). */
export const MAX_CREDENTIALS_FILE_BYTES = 16 * 1024 * 1024;
/** What the proofs are domain-separated with, so they cannot be mistaken for any other HMAC of the secret. */
const PROOF_CONTEXT = 'mesos-ts authentication v1';

/** Which side proves knowledge of the secret. */
export type ProvingSide = 'client' | 'server';

/** Everything a proof covers. */
export interface ProofInput {
  readonly principal: string;
  readonly secret: string;
  /** The authenticating client's pid (scheduler or agent), as text. */
  readonly clientPid: string;
  /** The master's pid, as text. */
  readonly masterPid: string;
  readonly clientNonce: string;
  readonly serverNonce: string;
}

/** Where nonces' bytes come from: by default the system's cryptographic randomness (`ActorHost.secretBytes` draws them from a simulation's seed). */
export type SecretBytes = (count: number) => Uint8Array;

/** A fresh nonce (hex) of `AUTHENTICATION_NONCE_BYTES` from `source`. */
export function newNonce(source: SecretBytes = randomBytes): string {
  return Buffer.from(source(AUTHENTICATION_NONCE_BYTES)).toString('hex');
}

/** The proof that `side` knows the secret, for this exchange (hex HMAC-SHA256). */
export function authenticationProof(side: ProvingSide, input: ProofInput): string {
  // A JSON array is an unambiguous encoding of the fields (no field can run into the next).
  const covered = JSON.stringify([PROOF_CONTEXT, side, input.principal, input.clientPid, input.masterPid, input.clientNonce, input.serverNonce]);
  return createHmac('sha256', input.secret).update(covered).digest('hex');
}

/** Whether `proof` is `side`'s proof for this exchange (compared in constant time). */
export function verifyProof(side: ProvingSide, input: ProofInput, proof: string): boolean {
  return sameSecret(authenticationProof(side, input), proof);
}

/**
 * Whether `given` is `expected` (a secret, a proof, a token), compared in constant time so that
 * the time taken does not tell how much of it matched (only its length shows).
 */
export function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Parses Mesos' credentials file (`--credentials`): `{"credentials": [{"principal": "ops",
 * "secret": "..."}]}`. Throws an Error naming `source` and the bad entry.
 */
export function parseCredentials(text: string, source: string): Map<string, string> {
  const json = parseJson(text, source);
  const list = isJsonObject(json) ? json.credentials : undefined;
  if (!Array.isArray(list)) throw new Error(`${source}: expected {"credentials": [{"principal": ..., "secret": ...}, ...]}`);
  const credentials = new Map<string, string>();
  list.forEach((entry: unknown, index) => {
    const credential = checkCredential(entry, `${source}: credentials[${index}]`);
    if (credentials.has(credential.principal)) throw new Error(`${source}: credentials[${index}]: principal '${credential.principal}' appears twice`);
    credentials.set(credential.principal, credential.secret);
  });
  return credentials;
}

/**
 * Parses Mesos' single-credential file (the agent's `--credential`, a client's secret file):
 * `{"principal": "agent", "secret": "..."}`. Throws an Error naming `source`.
 */
export function parseCredential(text: string, source: string): Credential {
  return checkCredential(parseJson(text, source), source);
}

/** Reads a credentials file (`path`, or `file:///path`); throws an Error naming `flag` and the problem. */
export function readCredentialsFile(pathOrUrl: string, flag: string): Map<string, string> {
  return parseCredentials(readSmallFile(pathOrUrl, flag), `${flag} ${pathOrUrl}`);
}

/** Reads a single-credential file (`path`, or `file:///path`); throws an Error naming `flag`. */
export function readCredentialFile(pathOrUrl: string, flag: string): Credential {
  return parseCredential(readSmallFile(pathOrUrl, flag), `${flag} ${pathOrUrl}`);
}

/**
 * A secret from a file (`--secret_file`): the file's text without a trailing newline, so that
 * `echo secret > file` works. Throws an Error naming `flag`.
 */
export function readSecretFile(pathOrUrl: string, flag: string): string {
  const secret = readSmallFile(pathOrUrl, flag).replace(/\r?\n$/, '');
  checkSecret(secret, `${flag} ${pathOrUrl}`);
  return secret;
}

/** Throws naming `source` if `principal` is not a usable principal. */
export function checkPrincipal(principal: string, source: string): void {
  if (principal.length === 0) throw new Error(`${source}: the principal must not be empty`);
  if (principal.length > MAX_SHORT_TEXT_LENGTH) throw new Error(`${source}: the principal must be at most ${MAX_SHORT_TEXT_LENGTH} characters`);
}

/** Throws naming `source` if `secret` is not a usable secret. */
export function checkSecret(secret: string, source: string): void {
  if (secret.length === 0) throw new Error(`${source}: the secret must not be empty`);
  if (secret.length > MAX_SECRET_LENGTH) throw new Error(`${source}: the secret must be at most ${MAX_SECRET_LENGTH} characters`);
}

function checkCredential(entry: unknown, source: string): Credential {
  if (!isJsonObject(entry) || typeof entry.principal !== 'string' || typeof entry.secret !== 'string') {
    throw new Error(`${source}: expected {"principal": "<text>", "secret": "<text>"}`);
  }
  checkPrincipal(entry.principal, source);
  checkSecret(entry.secret, source);
  return { principal: entry.principal, secret: entry.secret };
}

/**
 * The text of a file of secrets, decoded strictly: read leniently, every byte that is not UTF-8
 * became U+FFFD, and a secret holding one was matched by any other bad byte there.
 */
function readSmallFile(pathOrUrl: string, flag: string): string {
  const path = flagFilePath(pathOrUrl);
  let bytes: Buffer;
  try {
    bytes = readBoundedBytes(path, MAX_CREDENTIALS_FILE_BYTES);
  } catch (error) {
    throw new Error(`${flag}: cannot read ${path}: ${(error as Error).message}`);
  }
  const text = strictUtf8(bytes);
  if (text === undefined) throw new Error(`${flag} ${pathOrUrl}: not valid UTF-8`);
  return text;
}

/**
 * `text` parsed, or an Error naming `source` and where the fault is. Never the parser's own
 * message whole: V8's quotes the text around an unexpected character, which here is a secret.
 */
function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const what = /^Unexpected token/.test(message) || /["'`]/.test(message.replace(/'[,:}\]]'/g, ''))
      ? 'unexpected character'
      : message.replace(/ (in JSON )?at position \d+.*$/s, '');
    const offset = jsonFaultOffset(text);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    throw new Error(`${source}: not valid JSON (${what}) at line ${line}, column ${column}`);
  }
}

/**
 * Where `text` stops being JSON (the offset of its first character that cannot continue it, or
 * its length if it is only cut short): the shortest prefix whose error is not merely that it ends
 * too soon, found by halving (the error path only).
 */
function jsonFaultOffset(text: string): number {
  const failsInside = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      const message = (error as Error).message;
      if (/Unexpected end of JSON input/.test(message)) return false;
      const position = /at position (\d+)/.exec(message);
      return position === null || Number(position[1]) < length;
    }
  };
  if (!failsInside(text.length)) return text.length;
  let low = 1;
  let high = text.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (failsInside(middle)) high = middle;
    else low = middle + 1;
  }
  return low - 1;
}

