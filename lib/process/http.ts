import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import * as zlib from 'node:zlib';

/** An HTTP request as an actor's route handler sees it. */
export interface HttpRequest {
  method: string;
  /** The path below the actor id, e.g. `/state` for `GET /master/state`. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The client's IP, as the socket sees it (undefined when not served from a socket). */
  remoteAddress?: string;
}

/**
 * What a route handler returns; an object `body` is sent as JSON. With `stream`, the body is
 * the stream's chunks, sent as they are written (chunked transfer encoding), until either side
 * closes it: Mesos' streaming endpoints (the v1 scheduler and operator `SUBSCRIBE`).
 */
export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  /** Text, bytes, pieces of text written a slice at a time (`TextParts`), bytes made as they are written (`StreamedBinary`), or an object sent as JSON. */
  body?: string | Buffer | TextParts | StreamedBinary | object;
  stream?: HttpStream;
}

/** Characters of a `TextParts` body written to the client per turn of the event loop. */
export const TEXT_PARTS_CHUNK_CHARS = 256 * 1024;

/**
 * A large body made of pieces of text (`/master/state` at 100k agents is ~60 MB), written a
 * chunk of `TEXT_PARTS_CHUNK_CHARS` per turn of the event loop, waiting for the client to take
 * what was written, so that encoding it never holds the host's thread (and every mailbox on it)
 * for long. Sent with chunked transfer encoding. The pieces are not copied: a renderer must not
 * change them after handing them over.
 */
export class TextParts {
  constructor(
    /** The pieces, in order. */
    readonly parts: readonly string[],
    /** The body's `content-type`. */
    readonly contentType = 'application/json',
  ) {}

  /** The whole text (tests; small bodies). */
  text(): string {
    return this.parts.join('');
  }

  /** Its length in bytes, UTF-8. */
  byteLength(): number {
    let bytes = 0;
    for (const part of this.parts) bytes += Buffer.byteLength(part);
    return bytes;
  }
}

/**
 * Where a `StreamedBinary` body's fragments go: one client's response (or a test's copy). A
 * fragment is a view of a buffer its producer reuses once `done` has run.
 */
export interface FragmentSink {
  /** Writes `bytes`; `done` runs once, when they are no longer read (taken by the client, or the client gone). */
  write(bytes: Uint8Array, done: () => void): void;
  /** The body is complete. */
  end(): void;
  /** Drops the client (one too slow to read holds up the others sharing the body); also how a producer lets go of a client that has gone. */
  destroy(): void;
  /** Whether the client has gone (nothing more is to be written to it). */
  isGone(): boolean;
}

/**
 * A large binary body of a length known in advance, made as it is written: a protobuf answer
 * encoded a step a turn into one reused buffer (`lib/v1/streamed-protobuf.ts`), so that no copy of
 * the whole answer is ever held (68 MB at 100k agents), and clients answered at the same time
 * share each fragment. Sent with its `Content-Length` (gzipped, chunked).
 */
export class StreamedBinary {
  constructor(
    /** The body's `content-type`. */
    readonly contentType: string,
    /** Its length in bytes. */
    readonly length: number,
    /** Starts writing the body to `sink` (once its headers are out). */
    readonly attach: (sink: FragmentSink) => void,
  ) {}

  /** Its length in bytes (as `TextParts`'). */
  byteLength(): number {
    return this.length;
  }

  /** The whole body, copied fragment by fragment (tests, the benchmark); rejects if it is cut short. */
  bytes(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const copies: Buffer[] = [];
      this.attach({
        write: (bytes, done) => {
          copies.push(Buffer.from(bytes));
          done();
        },
        end: () => resolve(Buffer.concat(copies)),
        destroy: () => reject(new Error('the body was cut short')),
        isGone: () => false,
      });
    });
  }
}

/** Bytes a streaming response may have waiting for a slow client before it is cut off. */
export const MAX_STREAM_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Where an `HttpStream` writes once its response has started (the host supplies it). */
export interface StreamSink {
  write(chunk: string | Buffer): void;
  /**
   * Writes `chunk` and calls `done` once it no longer reads it (the client's socket took it, or
   * the client went away); a sink without it reads each chunk before `write` returns.
   */
  writeReleased?(chunk: Buffer, done: () => void): void;
  end(): void;
  /** Bytes written and not yet taken by the client. */
  readonly buffered: number;
  /** Drops the connection (a client too slow to read). */
  destroy(): void;
  /** Calls `listener` once when what is buffered has been taken by the client (Node's `drain`). */
  onDrain(listener: () => void): void;
}

/** What a stream's writer waits for (`HttpStream.drained`) before it writes more: at most this many bytes buffered. */
export const STREAM_LOW_WATER_BYTES = 1024 * 1024;

/**
 * The body of a streaming response. A handler makes one, may write to it at once (chunks wait
 * until the response starts), returns it as `HttpResponse.stream`, and keeps it to write more
 * later from its mailbox. `onClose` runs in the actor's mailbox once, when the client goes away,
 * the actor ends the stream, the client is too slow (`maxBufferedBytes`), or the actor stops
 * (at once, when the actor had stopped before the response could start).
 */
export class HttpStream {
  private sink: StreamSink | undefined;
  private pending: Array<string | Buffer> = [];
  /** The `done` of each chunk written with `writeReleased` and not yet released, by chunk (released at once when the stream closes). */
  private unreleased = new Map<Buffer, () => void>();
  private ended = false;
  private closeNotified = false;
  /** Dropped by `abort` (a response that starts after it is dropped at once). */
  private aborted = false;
  /** Writers waiting in `drained` for the response to start, or for a drain (a close frees them all). */
  private waiters: Array<() => void> = [];

  constructor(
    private readonly onClose: () => void = () => undefined,
    /** Default `MAX_STREAM_BUFFERED_BYTES`. */
    private readonly maxBufferedBytes = MAX_STREAM_BUFFERED_BYTES,
  ) {}

  /** Whether the stream is over (ended by the actor, or its client gone): writes do nothing. */
  get closed(): boolean {
    return this.ended;
  }

  /** Writes one chunk; false (and nothing written) once the stream is closed. */
  write(chunk: string | Buffer): boolean {
    if (this.ended) return false;
    if (this.sink === undefined) {
      this.pending.push(chunk);
      return true;
    }
    this.sink.write(chunk);
    if (this.sink.buffered > this.maxBufferedBytes) {
      this.sink.destroy();
      this.closedByPeer();
      return false;
    }
    return true;
  }

  /**
   * Writes `chunk`, a view of a buffer its writer reuses, and calls `done` once it is no longer
   * read: the client's socket took it, or the stream closed (at once if it is closed now). False
   * (`done` called) once the stream is closed, as `write`.
   */
  writeReleased(chunk: Buffer, done: () => void): boolean {
    if (this.ended) {
      done();
      return false;
    }
    this.unreleased.set(chunk, done);
    const sink = this.sink;
    if (sink === undefined) {
      this.pending.push(chunk);
      return true;
    }
    this.sendReleased(sink, chunk);
    if (sink.buffered > this.maxBufferedBytes) {
      sink.destroy();
      this.closedByPeer();
      return false;
    }
    return true;
  }

  /** Hands `chunk` (written with `writeReleased`) to `sink`; its `done` runs once the sink lets go of it. */
  private sendReleased(sink: StreamSink, chunk: Buffer): void {
    const done = this.unreleased.get(chunk) as () => void;
    const release = (): void => {
      if (this.unreleased.get(chunk) !== done) return;
      this.unreleased.delete(chunk);
      done();
    };
    if (sink.writeReleased !== undefined) sink.writeReleased(chunk, release);
    else {
      sink.write(chunk);
      release();
    }
  }

  /**
   * Resolves once the client has taken what was written down to `STREAM_LOW_WATER_BYTES`, or
   * the stream is closed: a writer of much (a file) awaits it between chunks, so a slow reader
   * holds little of it in memory instead of being dropped at `maxBufferedBytes`.
   */
  drained(): Promise<void> {
    if (this.ended) return Promise.resolve();
    const sink = this.sink;
    if (sink === undefined) return new Promise((resolve) => this.waiters.push(resolve));
    if (sink.buffered <= STREAM_LOW_WATER_BYTES) return Promise.resolve();
    return new Promise((resolve) => {
      // Whichever comes first, the drain or a close (a client gone never drains).
      const done = (): void => {
        const index = this.waiters.indexOf(done);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve();
      };
      this.waiters.push(done);
      sink.onDrain(done);
    });
  }

  /**
   * Drops the response in the middle of its body: the client sees its connection fail, not a
   * body that ends short (a file that could not be read to its end); `onClose` follows.
   */
  abort(): void {
    if (this.ended) return;
    this.aborted = true;
    this.sink?.destroy();
    this.closedByPeer();
  }

  /** Ends the response (the client sees the end of the body); `onClose` follows. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    // Ended before the response started (an ERROR at once): what was written still goes out first.
    this.sink?.end();
    this.notifyClose();
  }

  /** @internal The host: the response has started; chunks go to `sink` from now on. */
  attach(sink: StreamSink): void {
    this.sink = sink;
    if (this.aborted) return sink.destroy();
    for (const chunk of this.pending.splice(0)) {
      if (typeof chunk !== 'string' && this.unreleased.has(chunk)) this.sendReleased(sink, chunk);
      else sink.write(chunk);
    }
    if (this.ended) sink.end();
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** @internal The host (in the actor's mailbox): the client went away, or the actor stopped. */
  closedByPeer(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending = [];
    this.notifyClose();
  }

  private notifyClose(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
    // What the client will never take, or took already: no longer read by the stream.
    const unreleased = [...this.unreleased.values()];
    this.unreleased.clear();
    for (const done of unreleased) done();
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.onClose();
  }
}

/**
 * One record of Mesos' RecordIO framing, as its streaming endpoints write them: the byte length
 * of the record in decimal, a newline, then the record (`42\n{"type":"HEARTBEAT"}`...).
 */
export function recordIo(record: string | object): string {
  const text = typeof record === 'string' ? record : JSON.stringify(record);
  return `${Buffer.byteLength(text)}\n${text}`;
}

/** A route handler; it runs inside the actor's mailbox like a message handler. */
export type HttpHandler = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** What the host checks of a route's request before it reads the body (`withRouteOptions`). */
export interface RouteOptions {
  /** The route's largest body (below the host's `maxHttpBodyBytes`): 413 past it, the body read to its end and dropped. */
  readonly maxBodyBytes?: number;
  /**
   * Runs in the actor's mailbox on a request that has a body, without it (an empty one): a
   * response ends the request there, its body read and dropped, never held (who may not call
   * the route is refused before its body takes any memory); undefined lets the host read the
   * body and call the handler. A request without a body goes to the handler alone.
   */
  readonly beforeBody?: (request: HttpRequest) => HttpResponse | undefined;
}

const routeOptions = new WeakMap<HttpHandler, RouteOptions>();

/**
 * `handler` with `options` the host applies before reading its requests' bodies; returns it.
 * @example this.route('/v1/scheduler', withRouteOptions((request) => this.serve(request), { maxBodyBytes: 4 << 20, beforeBody: (request) => this.refusedCaller(request) }))
 */
export function withRouteOptions<H extends HttpHandler>(handler: H, options: RouteOptions): H {
  routeOptions.set(handler, options);
  return handler;
}

/** The options `withRouteOptions` gave `handler`, if any. */
export function routeOptionsOf(handler: HttpHandler): RouteOptions | undefined {
  return routeOptions.get(handler);
}

/** Largest request body a route accepts; bigger requests get 413. */
export const MAX_HTTP_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Request bodies one host holds at once, all requests together: a body that would take more
 * gets 503 (with `Retry-After`), read to its end and dropped, never held. Every body is read whole before its route
 * sees it (credentials included), so without this 20 connections of 16 MiB bodies took a master
 * from 72 to 382 MB (the hostile-input pass of 2026-12-05).
 */
export const MAX_HTTP_BODY_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/**
 * Longest a client may take to send a whole request, headers and body (Node's `requestTimeout`,
 * which the host checks every quarter of it, so a slow one is cut within 1.25 times it): 408.
 * Node's default is 5 minutes, which let an unfinished body hold its bytes that long.
 */
export const HTTP_REQUEST_TIMEOUT_MS = 30_000;

/**
 * How often Node checks a server's connections against `requestTimeout`: a quarter of it, within
 * 100 ms and Node's own default of 30 s.
 */
export function requestTimeoutCheckMs(requestTimeoutMs: number): number {
  return Math.max(REQUEST_TIMEOUT_CHECK_MIN_MS, Math.min(REQUEST_TIMEOUT_CHECK_MAX_MS, requestTimeoutMs / 4));
}
const REQUEST_TIMEOUT_CHECK_MIN_MS = 100;
const REQUEST_TIMEOUT_CHECK_MAX_MS = 30_000;

/** The `Retry-After` (seconds) of a request refused because the host holds its most request bytes. */
export const HTTP_BUSY_RETRY_AFTER_SECONDS = 1;

/** What `readBody` read: the body, or why it stopped (over `limit`, or over the host's budget). */
export type BodyRead = Buffer | 'too-large' | 'over-budget';

/** 200 with a JSON body. */
export function ok(body: object | string): HttpResponse {
  return { status: 200, body };
}

/**
 * `response` readable by a page of another origin (CORS `Access-Control-Allow-Origin: *`): for
 * the agent's read-only endpoints the master's web UI reads as data (`fetch`, never a script).
 * A request with credentials is not let through by `*`: where the agent asks for them, a page
 * cannot use the browser's stored ones.
 */
export function withCors<R extends HttpResponse>(response: R): R {
  return { ...response, headers: { ...(response.headers ?? {}), 'access-control-allow-origin': '*' } };
}

/** A JSON error body `{error}` with the given status. */
export function httpError(status: number, message: string): HttpResponse {
  return { status, body: { error: message } };
}

/**
 * 405 to a method a route does not serve, `Allow` naming those it does (HTTP requires it, and
 * Mesos' `MethodNotAllowed` sends it): `message` as a JSON `{error}` (`httpError`'s form) or, with
 * `form: 'text'`, as the body itself; `headers` are sent besides.
 * @example methodNotAllowed(['GET', 'PUT'], "Expecting 'GET' or 'PUT', received 'POST'")
 *   // { status: 405, headers: { allow: 'GET, PUT' }, body: { error: "Expecting 'GET' or 'PUT', received 'POST'" } }
 */
export function methodNotAllowed(allowed: readonly string[], message: string, form: 'json' | 'text' = 'json', headers: Readonly<Record<string, string>> = {}): HttpResponse {
  return { status: 405, headers: { ...headers, allow: allowed.join(', ') }, body: form === 'json' ? { error: message } : message };
}

/** Bytes of request bodies held, against a limit for all of them together (`MAX_HTTP_BODY_BYTES_IN_FLIGHT`). */
export class BodyBudget {
  held = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` if they fit under the limit; false (nothing taken) if not. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  /** Gives back `bytes` taken before. */
  give(bytes: number): void {
    this.held -= bytes;
  }
}

/**
 * Reads a request body up to `limit` bytes, taking each chunk's bytes from `budget`. A body over `limit` (its declared length too) or over the
 * budget is not kept: what it held is given back and the rest is read and dropped, and it
 * resolves why at the body's end (a client still sending when answered sees its connection
 * reset, not the answer; `HTTP_REQUEST_TIMEOUT_MS` bounds how long that takes). The caller gives
 * back what was taken (`taken()`) once done with the body.
 */
export function readBody(request: IncomingMessage, limit: number, budget: BodyBudget): { read: Promise<BodyRead>; taken: () => number } {
  let taken = 0;
  const read = new Promise<BodyRead>((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    let refused: 'too-large' | 'over-budget' | undefined = Number.isFinite(declared) && declared > limit ? 'too-large' : undefined;
    let chunks: Buffer[] = [];
    let size = 0;
    const refuse = (why: 'too-large' | 'over-budget'): void => {
      refused = why;
      chunks = [];
      budget.give(taken);
      taken = 0;
    };
    request.on('data', (chunk: Buffer) => {
      if (refused !== undefined) return;
      size += chunk.length;
      if (size > limit) return refuse('too-large');
      if (!budget.take(chunk.length)) return refuse('over-budget');
      taken += chunk.length;
      chunks.push(chunk);
    });
    request.on('end', () => resolve(refused ?? Buffer.concat(chunks)));
    request.on('error', reject);
  });
  return { read, taken: () => taken };
}

/** Reads what is left of `request`'s body and drops it; resolves at its end (or when the connection goes). */
export function discardBody(request: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (request.complete) return resolve();
    request.once('end', () => resolve());
    request.once('close', () => resolve());
    request.resume();
  });
}

/**
 * Bodies of at least this many bytes are sent gzipped to a client that accepts gzip (libprocess'
 * `GZIP_MINIMUM_BODY_LENGTH`): `/master/state` of a large cluster is tens of MB of JSON, a tenth
 * of that compressed, and every browser asks for it so.
 */
export const GZIP_MIN_BODY_BYTES = 1024;

/**
 * Whether an `Accept-Encoding` header accepts gzip: `gzip` (or `x-gzip`) with a q above 0, or
 * `*` with a q above 0 when gzip is not named (`gzip;q=0` refuses it whatever `*` says).
 */
export function acceptsGzip(header: string | readonly string[] | undefined): boolean {
  if (header === undefined) return false;
  let any = false;
  for (const item of (typeof header === 'string' ? header : header.join(',')).split(',')) {
    const [name = '', ...parameters] = item.split(';').map((part) => part.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    const accepted = quality === undefined || Number(quality.slice(2)) > 0;
    if (name === 'gzip' || name === 'x-gzip') return accepted;
    if (name === '*') any = accepted;
  }
  return any;
}

/**
 * Writes `response` to the wire; gzipped (`Content-Encoding: gzip`) when `gzip` (the client
 * accepts it: `acceptsGzip`) and the body is at least `GZIP_MIN_BODY_BYTES`, as libprocess
 * does. The compression runs on libuv's threads (`node:zlib`'s asynchronous calls), not the
 * host's: a `TextParts` body is written through a gzip stream a chunk at a time as before, any
 * other body compressed whole and sent with its compressed length. A body that fails to compress
 * is sent as it is (libprocess too).
 */
export function writeResponse(out: ServerResponse, response: HttpResponse, gzip = false): void {
  const headers = withNosniff(response.headers);
  const compressible = headers['content-encoding'] === undefined;
  if (response.body instanceof StreamedBinary) {
    writeStreamed(out, response.status, headers, response.body, gzip);
    return;
  }
  if (response.body instanceof TextParts) {
    headers['content-type'] ??= response.body.contentType;
    const large = compressible && atLeastChars(response.body.parts, GZIP_MIN_BODY_BYTES);
    if (large) headers.vary = 'Accept-Encoding';
    if (large && gzip) {
      headers['content-encoding'] = 'gzip';
      out.writeHead(response.status, headers);
      writeParts(gzipInto(out), out, response.body.parts);
      return;
    }
    out.writeHead(response.status, headers);
    writeParts(out, out, response.body.parts);
    return;
  }
  let payload: string | Buffer;
  if (response.body === undefined) payload = '';
  else if (typeof response.body === 'string') {
    payload = response.body;
    // A reason in words (Mesos answers its errors as text/plain too).
    if (payload.length > 0) headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (Buffer.isBuffer(response.body)) payload = response.body;
  else {
    payload = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json';
  }
  const length = Buffer.byteLength(payload);
  const large = compressible && length >= GZIP_MIN_BODY_BYTES;
  if (large) headers.vary = 'Accept-Encoding';
  if (!large || !gzip) {
    headers['content-length'] = String(length);
    out.writeHead(response.status, headers);
    out.end(payload);
    return;
  }
  zlib.gzip(payload, (error, compressed) => {
    if (out.destroyed) return;
    const body = error === null ? compressed : payload;
    if (error === null) headers['content-encoding'] = 'gzip';
    headers['content-length'] = String(Buffer.byteLength(body));
    // Nothing catches a throw here (a header Node refuses, which the plain path throws to the
    // host's 500): the connection is dropped instead of the process.
    try {
      out.writeHead(response.status, headers);
      out.end(body);
    } catch (failure) {
      out.destroy(failure as Error);
    }
  });
}

/** A gzip stream piped into `out`, the body's bytes to be written to it (a failure drops the client; the client gone ends it). */
function gzipInto(out: ServerResponse): Writable {
  const compressor = zlib.createGzip();
  compressor.on('error', (error) => out.destroy(error));
  out.once('close', () => compressor.destroy());
  compressor.pipe(out);
  return compressor;
}

/**
 * Writes a `StreamedBinary` body: with its `Content-Length`, or gzipped (chunked) when `gzip`
 * and it is at least `GZIP_MIN_BODY_BYTES`. Each fragment is released once the client's socket
 * (or the compressor) took it, or at once when the client has gone.
 */
function writeStreamed(out: ServerResponse, status: number, headers: Record<string, string>, body: StreamedBinary, gzip: boolean): void {
  headers['content-type'] ??= body.contentType;
  const large = headers['content-encoding'] === undefined && body.length >= GZIP_MIN_BODY_BYTES;
  if (large) headers.vary = 'Accept-Encoding';
  const gzipped = large && gzip;
  if (gzipped) headers['content-encoding'] = 'gzip';
  else headers['content-length'] = String(body.length);
  out.writeHead(status, headers);
  const target: Writable = gzipped ? gzipInto(out) : out;
  // What the client has not yet taken: released at once if it goes away (a write's own callback may never come then).
  const outstanding = new Set<() => void>();
  out.once('close', () => {
    for (const done of [...outstanding]) done();
  });
  body.attach({
    write: (bytes, done) => {
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        outstanding.delete(release);
        done();
      };
      if (out.destroyed || target.destroyed) return release();
      outstanding.add(release);
      target.write(bytes, release);
    },
    end: () => {
      if (!target.destroyed) target.end();
    },
    destroy: () => {
      out.destroy();
    },
    isGone: () => out.destroyed || target.destroyed,
  });
}

/**
 * `headers` with `X-Content-Type-Options: nosniff` unless they say otherwise: every answer is of
 * the type it declares (JSON, text, JavaScript for JSONP, octet-stream), never taken for HTML or
 * a script by a browser that sniffs, whatever a task wrote into a file or a framework into a name.
 */
export function withNosniff(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return { 'x-content-type-options': 'nosniff', ...(headers ?? {}) };
}

/** Whether `parts` hold at least `count` characters (or bytes; looked at only until they do). */
function atLeastChars(parts: readonly string[], count: number): boolean {
  let chars = 0;
  for (const part of parts) {
    chars += part.length;
    if (chars >= count) return true;
  }
  return false;
}

/**
 * Writes `parts` to `target` a chunk per turn, each after `target` took the one before
 * (`drain`), then ends it; stops when the client's response `out` is gone.
 */
function writeParts(target: Writable, out: ServerResponse, parts: readonly string[]): void {
  let index = 0;
  const next = (): void => {
    if (out.destroyed || target.destroyed) return;
    const taken: string[] = [];
    let length = 0;
    while (index < parts.length && length < TEXT_PARTS_CHUNK_CHARS) {
      const part = parts[index++] as string;
      taken.push(part);
      length += part.length;
    }
    const chunk = taken.join('');
    if (index >= parts.length) {
      target.end(chunk);
      return;
    }
    if (target.write(chunk)) setImmediate(next);
    else target.once('drain', next);
  };
  next();
}

/**
 * The handler of `path` among `routes`: an exact match, else the match without a trailing `/`
 * (`/master/state/` is `/master/state`, as in libprocess), else the longest prefix route
 * (`/static/*` serves `/static/app.js`).
 */
export function findRoute(routes: ReadonlyMap<string, HttpHandler>, path: string): HttpHandler | undefined {
  const exact = routes.get(path);
  if (exact !== undefined) return exact;
  if (path.length > 1 && path.endsWith('/')) {
    const trimmed = routes.get(path.slice(0, -1));
    if (trimmed !== undefined) return trimmed;
  }
  let best: { length: number; handler: HttpHandler } | undefined;
  for (const [route, handler] of routes) {
    if (!route.endsWith('/*')) continue;
    const prefix = route.slice(0, -1);
    if (path.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = { length: prefix.length, handler };
  }
  return best?.handler;
}

/** What a JSONP callback name may be: a dotted JavaScript identifier path (nothing a page could abuse). */
const JSONP_CALLBACK = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/** Longest JSONP callback name accepted. */
export const MAX_JSONP_CALLBACK_CHARS = 128;

/**
 * The 400 for a `?jsonp=` callback that is not a plain identifier path, or undefined for a good
 * one (or none). Checked before a route's handler runs: a request refused for its callback must
 * not have changed anything first (a teardown with a bad callback tore the framework down, then
 * answered 400).
 */
export function jsonpRefusal(callback: string | undefined): HttpResponse | undefined {
  if (callback === undefined || (callback.length <= MAX_JSONP_CALLBACK_CHARS && JSONP_CALLBACK.test(callback))) return undefined;
  return { status: 400, body: `invalid 'jsonp' callback: expected a JavaScript identifier such as 'handle' or 'app.handle' of at most ${MAX_JSONP_CALLBACK_CHARS} characters` };
}

/**
 * `response` wrapped for `?jsonp=<callback>` as Mesos does (`callback(<json>);`, served as
 * JavaScript); JSON bodies only. A callback that is not a plain identifier path gets 400.
 */
export function withJsonp(response: HttpResponse, callback: string | undefined): HttpResponse {
  if (callback === undefined) return response;
  const refused = jsonpRefusal(callback);
  if (refused !== undefined) return refused;
  const body = response.body;
  if (body instanceof TextParts) return { ...response, body: new TextParts([`${callback}(`, ...body.parts, ');'], 'text/javascript') };
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body) || body instanceof StreamedBinary) return response;
  return { ...response, headers: { ...(response.headers ?? {}), 'content-type': 'text/javascript' }, body: `${callback}(${JSON.stringify(body)});` };
}

/**
 * A request's target (`/path?query`) as a URL. Always a path: `//evil/master/state` is the path
 * `//evil/master/state`, not a protocol-relative URL of host `evil` (which `new URL(target, base)`
 * makes of it: it was routed to `/master/state`; hostile pass).
 */
export function parseRequestTarget(target: string): URL {
  return new URL(target.startsWith('/') ? `http://localhost${target}` : target, 'http://localhost');
}

/**
 * Splits `/actorId/rest?x=1` into the (decoded) actor id, the rest of the path and the query
 * (`decodeQuery`); a query that does not decode is no query (`{}`) and `queryError` says why.
 */
export function splitActorPath(url: string): { actorId: string; path: string; query: Record<string, string>; queryError?: string } | undefined {
  const parsed = parseRequestTarget(url);
  const match = /^\/([^/]+)(\/.*)?$/.exec(parsed.pathname);
  if (!match) return undefined;
  let actorId: string;
  try {
    actorId = decodeURIComponent(match[1] as string);
  } catch {
    return undefined;
  }
  return { actorId, path: match[2] ?? '/', ...targetQuery(parsed) };
}

/** The query of a request's target (`parseRequestTarget`) as `decodeQuery` reads it: the pairs, or `{}` and why it does not decode. */
export function targetQuery(target: URL): { query: Record<string, string>; queryError?: string } {
  const decoded = decodeQuery(target.search.slice(1));
  return typeof decoded === 'string' ? { query: {}, queryError: decoded } : { query: Object.fromEntries(decoded) };
}

/**
 * A query string, or a form body (`application/x-www-form-urlencoded`), as libprocess'
 * `query::decode` reads one: pairs split at `&` or `;`, a key without `=` has the value '', `+` is
 * a space, the last of a repeated key wins; a `%` not followed by two hex digits makes the whole
 * query bad (Mesos' words: `Malformed % escape in '...': '...'`), and so do escapes whose bytes
 * are not UTF-8 (Mesos keeps the bytes; here they would be U+FFFD, one text for `%ff` and `%fe`, a
 * file or a framework other than was named). Why, in a sentence, when it does not decode.
 * (`URLSearchParams` read `%ff` as U+FFFD, kept `%zz` as it was, and did not split at `;`.)
 * @example decodeQuery('a=x+y;b=%C3%A9&a=z') // Map { 'a' => 'z', 'b' => 'é' }
 * @example decodeQuery('path=%ff') // "'%ff' does not decode to UTF-8 text"
 */
export function decodeQuery(query: string): Map<string, string> | string {
  const pairs = new Map<string, string>();
  for (const token of query.split(/[&;]/)) {
    if (token.length === 0) continue;
    const equals = token.indexOf('=');
    const key = decodeQueryComponent(equals < 0 ? token : token.slice(0, equals));
    if (key.error !== undefined) return key.error;
    const value = equals < 0 ? { text: '' } : decodeQueryComponent(token.slice(equals + 1));
    if (value.error !== undefined) return value.error;
    pairs.set(key.text, value.text);
  }
  return pairs;
}

function decodeQueryComponent(component: string): { readonly text: string; readonly error?: undefined } | { readonly text?: undefined; readonly error: string } {
  const bad = /%(?![0-9A-Fa-f]{2})/.exec(component);
  if (bad !== null) return { error: `Malformed % escape in '${boundedQueryText(component)}': '${boundedQueryText(component.slice(bad.index, bad.index + 3))}'` };
  try {
    // Strict: an escape of bytes that are not UTF-8 (`%ff`, a surrogate's `%ED%A0%80`, the overlong `%C0%80`) throws.
    return { text: decodeURIComponent(component.replace(/\+/g, ' ')) };
  } catch {
    return { error: `'${boundedQueryText(component)}' does not decode to UTF-8 text` };
  }
}

/** Longest part of a query quoted back in `decodeQuery`'s answer. */
const MAX_QUOTED_QUERY_CHARS = 64;

function boundedQueryText(text: string): string {
  return text.length <= MAX_QUOTED_QUERY_CHARS ? text : `${text.slice(0, MAX_QUOTED_QUERY_CHARS)}… (${text.length - MAX_QUOTED_QUERY_CHARS} more characters)`;
}
