/**
 * HTTP Basic authentication for actors' routes (issue 9; Mesos' `--authenticate_http_readonly`
 * and `--authenticate_http_readwrite` with the basic authenticator): a route that asks for it
 * answers 401 with `WWW-Authenticate` unless the request carries a principal and secret from the
 * credentials, and otherwise knows who is asking.
 */
import { sameSecret, strictUtf8 } from '../authentication';
import { httpError, type HttpRequest, type HttpResponse } from './http';

/** The realm named in `WWW-Authenticate` (Mesos' default realm for its endpoints). */
export const HTTP_AUTHENTICATION_REALM = 'mesos';

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
}

/** Who is asking: a principal that proved its secret, or nobody (anonymous, where allowed). */
export type HttpCaller = { readonly principal: string | undefined };

/**
 * Who sent `request`, or the 401 to answer. Credentials that are given are always checked (a
 * wrong secret is 401 even where anonymous access is allowed); none given is anonymous, allowed
 * only where `access` does not need authentication.
 */
export function authenticateRequest(request: HttpRequest, access: HttpAccess, authentication: HttpAuthentication): HttpCaller | HttpResponse {
  const header = request.headers.authorization;
  const required = access === 'readonly' ? authentication.readonly : authentication.readwrite;
  if (header === undefined) return required ? unauthorized('this endpoint needs HTTP Basic credentials') : { principal: undefined };
  const given = parseBasic(Array.isArray(header) ? header[0] ?? '' : header);
  if (given === undefined) return unauthorized('the Authorization header is not HTTP Basic credentials');
  const secret = authentication.credentials?.get(given.principal);
  if (secret === undefined || !sameSecret(secret, given.secret)) return unauthorized('wrong principal or secret');
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

function parseBasic(header: string): { principal: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match === null) return undefined;
  // Strictly: decoded leniently, every byte that is not UTF-8 became U+FFFD, so one matched any other.
  const decoded = strictUtf8(Buffer.from(match[1] as string, 'base64'));
  if (decoded === undefined) return undefined;
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { principal: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}


function unauthorized(reason: string): HttpResponse {
  const response = httpError(401, `Unauthorized: ${reason}`);
  return { ...response, headers: { 'www-authenticate': `Basic realm="${HTTP_AUTHENTICATION_REALM}"` } };
}
