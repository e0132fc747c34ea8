/**
 * A v1 HTTP scheduler client made of nothing but Node's `http` (issue 11's tests must not use
 * the product's code to speak the API): SUBSCRIBE, read RecordIO events as they come, POST calls.
 */
import * as http from 'node:http';
import { recordReader } from './recordio';

/** One event as the master sent it (JSON). */
export type V1Event = { type: string } & Record<string, unknown>;

/** A subscription: its stream id, the events so far, and the raw response. */
export class V1Subscription {
  /** The events of a JSON stream. */
  readonly events: V1Event[] = [];
  /** Every record as received (a protobuf stream's events are only here). */
  readonly records: Buffer[] = [];
  streamId = '';
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  /** The response's header names as the server wrote them. */
  rawHeaderNames: string[] = [];
  /** Resolves when the stream ends (by either side). */
  readonly ended: Promise<void>;
  private request: http.ClientRequest | undefined;
  private resolveEnded!: () => void;
  private waiters: Array<() => void> = [];

  /** Whether the stream has ended. */
  finished = false;

  /** @param path where to POST SUBSCRIBE: the scheduler API (default) or the operator API (`/api/v1`) */
  constructor(readonly master: string, readonly path = '/api/v1/scheduler') {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = () => {
        this.finished = true;
        for (const wake of this.waiters.splice(0)) wake();
        resolve();
      };
    });
  }

  /**
   * POSTs SUBSCRIBE with `body` (JSON; bytes are sent as protobuf, asking for a protobuf stream);
   * resolves once the response's headers are in.
   */
  open(body: object | Buffer, headers: Record<string, string> = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      const protobuf = Buffer.isBuffer(body);
      const payload = protobuf ? body : JSON.stringify(body);
      const mediaType = protobuf ? 'application/x-protobuf' : 'application/json';
      this.request = http.request(`http://${this.master}${this.path}`, {
        method: 'POST',
        headers: { 'content-type': mediaType, accept: mediaType, 'content-length': Buffer.byteLength(payload), ...headers },
      }, (response) => {
        this.status = response.statusCode ?? 0;
        this.headers = response.headers;
        // As written on the wire (Node's `headers` are lower-cased).
        this.rawHeaderNames = response.rawHeaders.filter((_, index) => index % 2 === 0);
        this.streamId = String(response.headers['mesos-stream-id'] ?? '');
        response.on('data', (chunk: Buffer) => this.take(chunk));
        response.on('end', () => this.resolveEnded());
        response.on('close', () => this.resolveEnded());
        resolve();
      });
      this.request.on('error', (error) => {
        this.resolveEnded();
        reject(error);
      });
      this.request.end(payload);
    });
  }

  /** Closes the connection (the framework goes away). */
  close(): void {
    this.request?.destroy();
  }

  /** Resolves with the first event after `from` that `match` accepts, within `ms`; rejects once the stream has ended without one. */
  next(match: (event: V1Event) => boolean, ms = 15_000, from = 0): Promise<V1Event> {
    return this.first(this.events, match, ms, from, () => this.events.map((event) => event.type).join(', '));
  }

  /** `next` for the raw records (a protobuf stream's). */
  nextRecord(match: (record: Buffer) => boolean, ms = 15_000, from = 0): Promise<Buffer> {
    return this.first(this.records, match, ms, from, () => `${this.records.length} records`);
  }

  private async first<T>(list: readonly T[], match: (item: T) => boolean, ms: number, from: number, got: () => string): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = list.slice(from).find(match);
      if (found !== undefined) return found;
      if (this.finished) throw new Error(`the stream ended with no matching event; got ${got()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${ms} ms; got ${got()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Parses RecordIO: `<length>\n<record>`, records possibly split across chunks. */
  private readonly take = recordReader((record) => {
    this.records.push(record);
    if (this.headers['content-type'] !== 'application/x-protobuf') this.events.push(JSON.parse(record.toString('utf8')) as V1Event);
    for (const wake of this.waiters.splice(0)) wake();
  });
}

/** POSTs a non-subscribe call (JSON; bytes are sent as protobuf); resolves with the status and the body's text. */
export function v1Call(master: string, body: object | Buffer, streamId: string | undefined, path = '/api/v1/scheduler', headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const request = http.request(`http://${master}${path}`, {
      method: 'POST',
      headers: { 'content-type': Buffer.isBuffer(body) ? 'application/x-protobuf' : 'application/json', 'content-length': Buffer.byteLength(payload), ...(streamId !== undefined ? { 'mesos-stream-id': streamId } : {}), ...headers },
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}
