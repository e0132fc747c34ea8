import type { IncomingMessage, ServerResponse } from 'node:http';

/** An HTTP request as an actor's route handler sees it. */
export interface HttpRequest {
  method: string;
  /** The path below the actor id, e.g. `/state` for `GET /master/state`. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** What a route handler returns; an object `body` is sent as JSON. */
export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

/** A route handler; it runs inside the actor's mailbox like a message handler. */
export type HttpHandler = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** Largest request body a route accepts; bigger requests get 413. */
export const MAX_HTTP_BODY_BYTES = 16 * 1024 * 1024;

/** 200 with a JSON body. */
export function ok(body: object | string): HttpResponse {
  return { status: 200, body };
}

/** A JSON error body `{error}` with the given status. */
export function httpError(status: number, message: string): HttpResponse {
  return { status, body: { error: message } };
}

/** Reads a request body up to `limit` bytes; resolves `undefined` when the body is too large. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Writes `response` to the wire. */
export function writeResponse(out: ServerResponse, response: HttpResponse): void {
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  let payload: string | Buffer;
  if (response.body === undefined) payload = '';
  else if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) payload = response.body;
  else {
    payload = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  out.writeHead(response.status, headers);
  out.end(payload);
}

/** Splits `/actorId/rest?x=1` into the (decoded) actor id, the rest of the path and the query. */
export function splitActorPath(url: string): { actorId: string; path: string; query: Record<string, string> } | undefined {
  const parsed = new URL(url, 'http://localhost');
  const match = /^\/([^/]+)(\/.*)?$/.exec(parsed.pathname);
  if (!match) return undefined;
  let actorId: string;
  try {
    actorId = decodeURIComponent(match[1] as string);
  } catch {
    return undefined;
  }
  return { actorId, path: match[2] ?? '/', query: Object.fromEntries(parsed.searchParams) };
}
