/**
 * lib/v1/streamed-protobuf.ts: a large answer encoded as protobuf as it is written, in two passes
 * over its JSON text. The bytes are protobufjs'; clients that come in the same turn
 * share one run of the writing, a later one gets its own; a client that stops taking fragments is
 * dropped after the stall bound (a manual timer here, no sleeping) and the others go on; a run
 * with no client left stops. Written to a real HTTP client, the answer has its Content-Length,
 * or is gzipped.
 */
import * as http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { expect } from 'chai';
import { StreamedBinary, writeResponse, type FragmentSink } from '../../../lib/process/http';
import { v1FieldwiseMessageType } from '../../../lib/v1/protobuf';
import { StreamedProtobuf, type StallTimers } from '../../../lib/v1/streamed-protobuf';
import type { SlicedEncodingFigures } from '../../../lib/v1/sliced-protobuf';

const RESPONSE = v1FieldwiseMessageType('master', 'response');
const PROTOBUF = 'application/x-protobuf';

/** A GET_TASKS answer of `count` tasks, in pieces of at most 4 Ki characters. */
function tasksText(count: number): string[] {
  const tasks = Array.from({ length: count }, (_, index) => ({ name: `t${index}`, task_id: { value: `task-${index}` }, framework_id: { value: 'f' }, agent_id: { value: 'a' }, state: 'TASK_RUNNING' }));
  return JSON.stringify({ type: 'GET_TASKS', get_tasks: { tasks } }).match(/[\s\S]{1,4096}/g) ?? [];
}

/** What protobufjs writes for the message `parts` hold. */
function protobufjsBytes(parts: readonly string[]): Buffer {
  return Buffer.from(RESPONSE.encode(RESPONSE.fromObject(JSON.parse(parts.join('')) as Record<string, unknown>)).finish());
}

/** A client that copies what it is given; `hold` keeps each fragment's `done` until `release`. */
class Client implements FragmentSink {
  readonly copies: Buffer[] = [];
  ended = false;
  destroyed = false;
  /** Set by a test: the client went away. */
  gone = false;
  private held: Array<() => void> = [];

  constructor(private readonly hold = false) {}

  write(bytes: Uint8Array, done: () => void): void {
    this.copies.push(Buffer.from(bytes));
    if (this.hold) this.held.push(done);
    else done();
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  isGone(): boolean {
    return this.destroyed || this.gone;
  }

  release(): void {
    for (const done of this.held.splice(0)) done();
  }

  bytes(): Buffer {
    return Buffer.concat(this.copies);
  }
}

/** Timers fired by the test. */
class ManualTimers implements StallTimers {
  readonly pending = new Map<number, { ms: number; fire: () => void }>();
  private next = 0;

  set(ms: number, fire: () => void): unknown {
    this.pending.set(++this.next, { ms, fire });
    return this.next;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  fireAll(): void {
    const timers = [...this.pending.values()];
    this.pending.clear();
    for (const timer of timers) timer.fire();
  }
}

/** Turns until `condition` holds (at most `turns`). */
async function until(condition: () => boolean, turns = 100_000): Promise<void> {
  for (let turn = 0; turn < turns && !condition(); turn++) await nextTurn();
  if (!condition()) throw new Error('never');
}

describe('lib/v1/streamed-protobuf: an answer encoded as it is written', () => {
  it('writes protobufjs\' bytes, its length known first; clients attached in one turn share one run, a later one gets its own', async () => {
    const parts = tasksText(2_000);
    const passes: SlicedEncodingFigures[] = [];
    // Steps bound by characters only (no wall-time bound: a busy machine would end some early), so each writes some bytes but the last.
    const encoding = new StreamedProtobuf(RESPONSE, parts, { charsPerTurn: 8 * 1024, turnMs: Infinity, onFigures: (figures) => passes.push(figures) });
    const expected = protobufjsBytes(parts);
    const length = await encoding.measure();
    expect(length).to.equal(expected.length);
    expect(await encoding.measure(), 'the sizing is done once').to.equal(length);
    expect(passes).to.have.length(1);
    const [first, second] = [new Client(), new Client()];
    encoding.attach(first);
    encoding.attach(second);
    await until(() => first.copies.length > 0);
    const late = new Client();
    encoding.attach(late);
    await until(() => first.ended && second.ended && late.ended);
    for (const client of [first, second, late]) expect(client.bytes().equals(expected)).to.equal(true);
    expect(first.copies.length, 'fragments, a step each').to.be.above(10);
    expect(passes, 'the sizing, the run of the first two, the late one\'s run').to.have.length(3);
    // A step that only closes messages writes nothing, and nothing is sent for it.
    expect((passes[1]?.turns ?? 0) - first.copies.length).to.be.within(0, 1);
  });

  it('drops a client that stops taking fragments once the stall bound passes (a manual timer), and writes the rest to the others', async () => {
    const parts = tasksText(2_000);
    const timers = new ManualTimers();
    const encoding = new StreamedProtobuf(RESPONSE, parts, { charsPerTurn: 8 * 1024, turnMs: 10, stallMs: 1_234, timers });
    const expected = protobufjsBytes(parts);
    await encoding.measure();
    const [reader, stuck] = [new Client(), new Client(true)];
    encoding.attach(reader);
    encoding.attach(stuck);
    await until(() => timers.pending.size > 0);
    // Held by the stuck client's first fragment: no second one is written meanwhile.
    for (let turn = 0; turn < 20; turn++) await nextTurn();
    expect([reader.copies.length, stuck.copies.length]).to.deep.equal([1, 1]);
    expect([...timers.pending.values()].map((timer) => timer.ms)).to.deep.equal([1_234]);
    timers.fireAll();
    await until(() => reader.ended);
    expect(stuck.destroyed).to.equal(true);
    expect(stuck.ended).to.equal(false);
    expect(stuck.copies).to.have.length(1);
    expect(reader.bytes().equals(expected)).to.equal(true);
    // A client that takes its fragments late, within the bound, holds the others up only as long.
    const slow = new Client(true);
    const other = new Client();
    encoding.attach(slow);
    encoding.attach(other);
    for (let fragments = 1; !slow.ended; fragments++) {
      await until(() => slow.copies.length === fragments || slow.ended);
      expect(other.copies.length, 'the other client waits for the slow one').to.be.at.most(fragments);
      slow.release();
    }
    expect([slow.destroyed, slow.bytes().equals(expected), other.bytes().equals(expected)]).to.deep.equal([false, true, true]);
  });

  it('stops a run once every client of it has gone', async () => {
    const parts = tasksText(2_000);
    const timers = new ManualTimers();
    const passes: SlicedEncodingFigures[] = [];
    const encoding = new StreamedProtobuf(RESPONSE, parts, { charsPerTurn: 8 * 1024, turnMs: 10, timers, onFigures: (figures) => passes.push(figures) });
    await encoding.measure();
    const stuck = new Client(true);
    encoding.attach(stuck);
    await until(() => timers.pending.size > 0);
    timers.fireAll();
    for (let turn = 0; turn < 50; turn++) await nextTurn();
    expect(stuck.destroyed).to.equal(true);
    expect(stuck.copies).to.have.length(1);
    expect(passes, 'the sizing only: the run stopped before its end').to.have.length(1);
  });

  it('cuts its clients off, not the process, when a run fails (a client whose write throws)', async () => {
    const parts = tasksText(500);
    const encoding = new StreamedProtobuf(RESPONSE, parts, { charsPerTurn: 8 * 1024, turnMs: 10 });
    await encoding.measure();
    const [throwing, other] = [new Client(), new Client()];
    throwing.write = (): void => {
      throw new Error('a broken client');
    };
    encoding.attach(other);
    encoding.attach(throwing);
    await until(() => throwing.destroyed && other.destroyed);
    expect(other.ended).to.equal(false);
    // The encoding still answers a later client whole.
    const later = new Client();
    encoding.attach(later);
    await until(() => later.ended);
    expect(later.bytes().equals(protobufjsBytes(parts))).to.equal(true);
  });

  it('rejects the sizing of a text that is not a message of the type (a bug), for every caller', async () => {
    const encoding = new StreamedProtobuf(RESPONSE, ['{"get_tasks":{"tasks":[1]}}'], { charsPerTurn: 1024, turnMs: 10 });
    for (let call = 0; call < 2; call++) {
      const failure = await encoding.measure().then(() => undefined, (error: Error) => error.message);
      expect(failure).to.match(/mesos\.v1\.master\.Response/);
    }
  });

  it('over HTTP: sent with its Content-Length, or gzipped when the client takes gzip; the bytes are the answer, also to the clients sharing a run with one that went away in the middle', async () => {
    const parts = tasksText(30_000);
    const expected = protobufjsBytes(parts);
    const passes: SlicedEncodingFigures[] = [];
    const encoding = new StreamedProtobuf(RESPONSE, parts, { charsPerTurn: 8 * 1024, turnMs: 10, onFigures: (figures) => passes.push(figures) });
    const length = await encoding.measure();
    // Answered four at a time, in one turn: the four share a run.
    const waiting: Array<() => void> = [];
    const server = http.createServer((request, response) => {
      waiting.push(() => writeResponse(response, { status: 200, body: new StreamedBinary(PROTOBUF, length, (sink) => encoding.attach(sink)) }, request.headers['accept-encoding'] === 'gzip'));
      if (waiting.length === 4) for (const answer of waiting.splice(0)) answer();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const get = (headers: Record<string, string>): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> => new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, headers }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      });
      // A client that goes away after its first bytes, with two that read to the end, sharing a run: they get the whole answer.
      const leaving = new Promise<number>((resolve, reject) => {
        const request = http.get({ host: '127.0.0.1', port }, (response) => {
          let received = 0;
          response.on('data', (chunk: Buffer) => {
            received += chunk.length;
            request.destroy();
          });
          response.on('close', () => resolve(received));
        });
        request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
      });
      const [left, plain, alsoPlain, gzipped] = await Promise.all([leaving, get({}), get({}), get({ 'accept-encoding': 'gzip' })]);
      expect(left).to.be.above(0).and.below(expected.length);
      expect(passes, 'the sizing and one run for the four').to.have.length(2);
      for (const answer of [plain, alsoPlain]) {
        expect(answer.headers['content-length']).to.equal(String(expected.length));
        expect(answer.headers['content-type']).to.equal(PROTOBUF);
        expect(answer.body.equals(expected)).to.equal(true);
      }
      expect(gzipped.headers['content-encoding']).to.equal('gzip');
      expect(gzipped.headers['content-length']).to.equal(undefined);
      expect(gunzipSync(gzipped.body).equals(expected)).to.equal(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
