/**
 * HTTP Basic authentication for actors' routes (issue 9; Mesos' `--authenticate_http_readonly`
 * and `--authenticate_http_readwrite` with the basic authenticator): a route that asks for it
 * answers 401 with `WWW-Authenticate` unless the request carries a principal and secret from the
 * credentials, and otherwise knows who is asking.
 */
import { sameSecret } from '../authentication';
import { strictUtf8 } from '../utf8';
import { httpError, type HttpRequest, type HttpResponse } from './http';

/** The realm named in `WWW-Authenticate` where an `HttpAuthentication` names none (Mesos' master and agent name theirs: `realms`). */
export const HTTP_AUTHENTICATION_REALM = 'mesos';

/** The realms of an `HttpAuthentication`'s read-only and read-write routes, as `WWW-Authenticate` names them. */
export interface HttpRealms {
  readonly readonly: string;
  readonly readwrite: string;
}

/** Which endpoints a route belongs to: read-only (state, metrics, files) or read-write (teardown). */
export type HttpAccess = 'readonly' | 'readwrite';

/** What an actor's routes authenticate against. */
export interface HttpAuthentication {
  /** principal → secret (the credentials file). */
  readonly credentials: ReadonlyMap<string, string> | undefined;
  /** Whether read-only routes need credentials. */
  readonly readonly: boolean;
  /** Whether read-write routes need credentials. */
  readonly readwrite: boolean;
  /** The realm a 401 names for each (Mesos': `mesos-master-readonly`...); default `HTTP_AUTHENTICATION_REALM` for both. */
  readonly realms?: HttpRealms;
}

/** Who is asking: a principal that proved its secret, or nobody (anonymous, where allowed). */
export type HttpCaller = { readonly principal: string | undefined };

/**
 * Who sent `request`, or the 401 to answer (its `WWW-Authenticate` naming the realm of `access`).
 * Credentials that are given are always checked (a wrong secret is 401 even where anonymous
 * access is allowed); none given is anonymous, allowed only where `access` does not need
 * authentication.
 */
export function authenticateRequest(request: HttpRequest, access: HttpAccess, authentication: HttpAuthentication): HttpCaller | HttpResponse {
  const header = request.headers.authorization;
  const required = access === 'readonly' ? authentication.readonly : authentication.readwrite;
  const realm = authentication.realms?.[access] ?? HTTP_AUTHENTICATION_REALM;
  if (header === undefined) return required ? unauthorized(realm, 'this endpoint needs HTTP Basic credentials') : { principal: undefined };
  const given = parseBasic(Array.isArray(header) ? header[0] ?? '' : header);
  if (given === undefined) return unauthorized(realm, "the Authorization header is not HTTP Basic credentials ('Basic', one space, the base64 of principal:secret)");
  const secret = authentication.credentials?.get(given.principal);
  if (secret === undefined || !sameSecret(secret, given.secret)) return unauthorized(realm, 'wrong principal or secret');
  return { principal: given.principal };
}

/** Whether `result` is the response to answer rather than a caller. */
export function isResponse(result: HttpCaller | HttpResponse): result is HttpResponse {
  return 'status' in result;
}

/** `Authorization: Basic base64(principal:secret)` for a client. */
export function basicAuthorization(principal: string, secret: string): string {
  return `Basic ${Buffer.from(`${principal}:${secret}`, 'utf8').toString('base64')}`;
}

/**
 * The standard base64 alphabet, `=` padding only at the end: what Mesos' basic authenticator
 * decodes (a character outside it, a space or a tab among them, is refused there; Node's decoder
 * would skip it, and also take the URL-safe `-` and `_`).
 */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The principal and secret of `Authorization: Basic <base64>` as Mesos' basic authenticator reads
 * the header (libprocess' src/authenticator.cpp): the scheme spelled `Basic` exactly, one space,
 * then the base64 of `principal:secret`, decoded to UTF-8 text with a colon after a non-empty
 * principal; undefined for anything else (`basic`, two spaces, a tab, no colon, bytes that are
 * not UTF-8). *Our choice:* the secret may hold a colon (RFC 7617; Mesos splits at every colon
 * and refuses such a secret).
 */
function parseBasic(header: string): { principal: string; secret: string } | undefined {
  if (!header.startsWith('Basic ')) return undefined;
  const encoded = header.slice('Basic '.length);
  if (!BASE64.test(encoded)) return undefined;
  // Strictly: decoded leniently, every byte that is not UTF-8 became U+FFFD, so one matched any other.
  const decoded = strictUtf8(Buffer.from(encoded, 'base64'));
  if (decoded === undefined) return undefined;
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { principal: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function unauthorized(realm: string, reason: string): HttpResponse {
  const response = httpError(401, `Unauthorized: ${reason}`);
  return { ...response, headers: { 'www-authenticate': `Basic realm="${realm}"` } };
}
