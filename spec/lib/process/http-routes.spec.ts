import { expect } from 'chai';
import * as http from 'node:http';
import { dispatch } from '../../../lib/actor';
import { HttpStream, ok, recordIo, TEXT_PARTS_CHUNK_CHARS, TextParts, withRouteOptions, type ActorHost } from '../../../lib/process';
import { acceptsGzip, GZIP_MIN_BODY_BYTES, STREAM_LOW_WATER_BYTES } from '../../../lib/process/http';
import * as zlib from 'node:zlib';
import { eventually, netHost, Probe, within } from '../../support/runtime';

describe('HTTP routing on a host', () => {
  let host: ActorHost;

  beforeEach(async () => {
    host = await netHost();
    class Web extends Probe {
      constructor(id: string) {
        super(id);
        this.route('/state', () => ok({ id, answer: 42 }));
        this.route('/text', () => ok('plain'));
        this.route('/big', () => ok({ items: Array.from({ length: 200 }, (_, index) => `item-${index}`) }));
        this.route('/encoded', () => ({ status: 200, headers: { 'content-encoding': 'identity' }, body: 'x'.repeat(4_000) }));
        this.route('/bad-header', () => ({ status: 200, headers: { 'x-bad': 'line\nbreak' }, body: 'x'.repeat(4_000) }));
        // ~0.95 M characters (1.8 MB) in 20,000 pieces: several chunks of TEXT_PARTS_CHUNK_CHARS, one per turn.
        this.route('/parts', () => ({ status: 200, body: new TextParts(['[', ...Array.from({ length: 20_000 }, (_, index) => `${index === 0 ? '' : ','}"${'é'.repeat(40)}${index}"`), ']']) }));
        this.route('/who', (request) => ok({ credentials: request.headers.authorization !== undefined }));
        this.route('/', (request) => ok({ root: request.path }));
        this.route('/static/*', (request) => ok({ file: request.path }));
        this.route('/static/deep/*', (request) => ok({ deep: request.path }));
      }
    }
    host.spawn(new Web('web'));
    host.spawn(new Web('ui'));
  });

  afterEach(async () => {
    await host.stop();
  });

  async function get(path: string): Promise<{ status: number; type: string | null; text: string }> {
    const response = await fetch(`http://${host.address}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  it('writes a body of text pieces a chunk per turn, whole and in order, and wraps it for JSONP', async () => {
    const answer = await get('/web/parts');
    expect(answer.type).to.equal('application/json');
    expect(answer.text.length).to.be.greaterThan(3 * TEXT_PARTS_CHUNK_CHARS);
    const items = JSON.parse(answer.text) as string[];
    expect(items).to.have.length(20_000);
    expect(items[19_999]).to.equal(`${'é'.repeat(40)}19999`);
    const wrapped = await get('/web/parts?jsonp=cb');
    expect(wrapped.type).to.equal('text/javascript');
    expect(wrapped.text).to.equal(`cb(${answer.text});`);
  });

  /** GETs `path` with node:http (no decoding), `accept-encoding` as given: the raw bytes and headers. */
  function rawGet(path: string, acceptEncoding?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      http.get(`http://${host.address}${path}`, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      }).on('error', reject);
    });
  }

  it('reads Accept-Encoding as libprocess does: gzip or * with a q above 0, gzip;q=0 refusing it', () => {
    expect(acceptsGzip(undefined)).to.equal(false);
    expect(acceptsGzip('gzip, deflate, br')).to.equal(true);
    expect(acceptsGzip('br;q=1.0, GZIP;q=0.5')).to.equal(true);
    expect(acceptsGzip('x-gzip')).to.equal(true);
    expect(acceptsGzip('gzip;q=0')).to.equal(false);
    expect(acceptsGzip('gzip;q=0.0, *')).to.equal(false);
    expect(acceptsGzip('*')).to.equal(true);
    expect(acceptsGzip('*;q=0')).to.equal(false);
    expect(acceptsGzip('deflate, identity')).to.equal(false);
    expect(acceptsGzip(['deflate', 'gzip'])).to.equal(true);
  });

  it('gzips a body of at least 1 KiB for a client that accepts it, on libuv\'s threads, and no other', async () => {
    const plain = await rawGet('/web/big');
    expect(plain.body.length).to.be.at.least(GZIP_MIN_BODY_BYTES);
    expect(plain.headers['content-encoding']).to.equal(undefined);
    expect(plain.headers.vary).to.equal('Accept-Encoding');
    const zipped = await rawGet('/web/big', 'gzip, deflate');
    expect(zipped.headers['content-encoding']).to.equal('gzip');
    expect(zipped.headers['content-length']).to.equal(String(zipped.body.length));
    expect(zipped.body.length).to.be.lessThan(plain.body.length / 3);
    expect(zlib.gunzipSync(zipped.body).equals(plain.body)).to.equal(true);
    // Refused, too small, or encoded by the handler already: as it is.
    expect((await rawGet('/web/big', 'gzip;q=0')).headers['content-encoding']).to.equal(undefined);
    const small = await rawGet('/web/state', 'gzip');
    expect(small.headers['content-encoding']).to.equal(undefined);
    expect(JSON.parse(small.body.toString())).to.deep.equal({ id: 'web', answer: 42 });
    const encoded = await rawGet('/web/encoded', 'gzip');
    expect(encoded.headers['content-encoding']).to.equal('identity');
    expect(encoded.body.toString()).to.equal('x'.repeat(4_000));
  });

  it('drops the connection, not the process, when a header Node refuses meets a gzipped body (the plain path answers 500)', async () => {
    const failure = await rawGet('/web/bad-header', 'gzip').then(() => undefined, (error: Error) => error);
    expect(failure, 'the gzipped request fails').to.be.instanceOf(Error);
    expect((await rawGet('/web/bad-header')).status).to.equal(500);
    expect(JSON.parse((await rawGet('/web/state', 'gzip')).body.toString())).to.deep.equal({ id: 'web', answer: 42 });
  });

  it('gzips a body of text pieces through a stream, a chunk per turn, whole and in order', async () => {
    const plain = await rawGet('/web/parts');
    const zipped = await rawGet('/web/parts', 'gzip');
    expect(zipped.headers['content-encoding']).to.equal('gzip');
    expect(zipped.headers['transfer-encoding']).to.equal('chunked');
    expect(zipped.body.length).to.be.lessThan(plain.body.length / 10);
    expect(zlib.gunzipSync(zipped.body).equals(plain.body)).to.equal(true);
    expect(JSON.parse(plain.body.toString())).to.have.length(20_000);
  });

  it('serves a route with a trailing slash as without it, as libprocess does', async () => {
    expect(JSON.parse((await get('/web/state/')).text)).to.deep.equal({ id: 'web', answer: 42 });
    expect((await get('/web/missing/')).status).to.equal(404);
  });

  it('serves every path below a prefix route, the longest prefix first', async () => {
    expect(JSON.parse((await get('/web/static/app.js')).text)).to.deep.equal({ file: '/static/app.js' });
    expect(JSON.parse((await get('/web/static/deep/x.css')).text)).to.deep.equal({ deep: '/static/deep/x.css' });
    expect((await get('/web/stat')).status).to.equal(404);
  });

  it('sends paths that name no actor to the delegate, and 404 without one', async () => {
    expect((await get('/')).status).to.equal(404);
    expect((await get('/static/app.js')).status).to.equal(404);
    host.setDelegate('ui');
    expect(JSON.parse((await get('/')).text)).to.deep.equal({ root: '/' });
    expect(JSON.parse((await get('/static/app.js')).text)).to.deep.equal({ file: '/static/app.js' });
    // An actor's own paths stay its own, and a path it lacks is not handed to the delegate.
    expect(JSON.parse((await get('/web/state')).text)).to.deep.equal({ id: 'web', answer: 42 });
    expect((await get('/web/nothing')).status).to.equal(404);
  });

  it('with fallback delegates, sends a path the delegate has no route for to the first that has one (Mesos\' master serves /state and /tasks at the root: the CLI reads them there)', async () => {
    class Tasks extends Probe {
      constructor() {
        super('tasks-only');
        this.route('/tasks', () => ok({ tasks: [] }));
      }
    }
    host.spawn(new Tasks());
    host.setDelegate('ui', 'missing', 'tasks-only');
    expect(JSON.parse((await get('/')).text)).to.deep.equal({ root: '/' });
    expect(JSON.parse((await get('/state')).text), 'the first delegate\'s own').to.deep.equal({ id: 'ui', answer: 42 });
    expect(JSON.parse((await get('/tasks')).text)).to.deep.equal({ tasks: [] });
    expect((await get('/nothing')).status).to.equal(404);
    expect(host.delegateId).to.equal('ui');
    // A target starting with two slashes is a path, not a protocol-relative URL whose host is dropped (hostile pass: //evil/web/state was /web/state).
    expect((await get('//evil/web/state')).status).to.equal(404);
    expect((await get('//tasks')).status).to.equal(404);
  });

  it('wraps JSON in a JSONP callback and refuses a callback that is not an identifier', async () => {
    const wrapped = await get('/web/state?jsonp=app.handle');
    expect(wrapped.status).to.equal(200);
    expect(wrapped.type).to.equal('text/javascript');
    expect(wrapped.text).to.equal('app.handle({"id":"web","answer":42});');
    expect((await get('/web/text?jsonp=cb')).text).to.equal('plain');
    // A JSONP request is answered as if it carried no credentials (a script tag sends the browser's stored ones).
    const withCredentials = { headers: { authorization: 'Basic b3BzOnNlY3JldA==' } };
    expect(await (await fetch(`http://${host.address}/web/who`, withCredentials)).json()).to.deep.equal({ credentials: true });
    expect(await (await fetch(`http://${host.address}/web/who?jsonp=cb`, withCredentials)).text()).to.equal('cb({"credentials":false});');
    const hostile = await get(`/web/state?jsonp=${encodeURIComponent('alert(1)//')}`);
    expect(hostile.status).to.equal(400);
    expect(hostile.text).to.match(/invalid 'jsonp' callback/);
  });

  // A master's standby hands its ids to the elected master: requests in between answered 404 and 500, which clients
  // that retry a 503 gave up on (a hostile review of v1 frameworks across failover).
  it('answers a vacant actor id with its vacancy answer, not 404, and a request whose actor ended while it waited not 500', async () => {
    const vacancy = { status: 503, headers: { 'retry-after': '1' }, body: 'recovering\n' };
    host.setVacancyAnswer('seat', () => vacancy);
    expect(await get('/seat/anything')).to.deep.include({ status: 503, text: 'recovering\n' });
    expect((await get('/nobody/anything')).status, 'no vacancy answer: 404').to.equal(404);
    // The actor ends between the check before its body and its handler: the vacancy answers.
    class Seat extends Probe {
      constructor() {
        super('seat');
        this.route('/call', withRouteOptions(() => ok('served'), { beforeBody: () => { host.terminate(this); return undefined; } }));
        this.route('/here', () => ok('here'));
      }
    }
    host.spawn(new Seat());
    expect(await get('/seat/here')).to.deep.include({ status: 200, text: 'here' });
    expect((await get('/seat/missing')).status, 'a running actor without the route: 404').to.equal(404);
    const ended = await fetch(`http://${host.address}/seat/call`, { method: 'POST', body: 'x' });
    expect([ended.status, await ended.text()]).to.deep.equal([503, 'recovering\n']);
    host.setVacancyAnswer('seat', undefined);
    expect((await get('/seat/here')).status).to.equal(404);
  });
});

/** An actor with a streaming route: each GET /events opens a stream that gets `hello` at once. */
class Streamer extends Probe {
  readonly streams: HttpStream[] = [];
  closes = 0;
  constructor(maxBufferedBytes?: number) {
    super('streamer');
    this.route('/events', () => {
      const stream = new HttpStream(() => this.closes++, maxBufferedBytes);
      stream.write(recordIo({ type: 'SUBSCRIBED' }));
      this.streams.push(stream);
      return { status: 200, headers: { 'content-type': 'application/json' }, stream };
    });
  }
}

/** An open GET whose body chunks are collected as they come. */
function openStream(address: string): Promise<{ request: http.ClientRequest; response: http.IncomingMessage; text: () => string; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`http://${address}/streamer/events`, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      const ended = new Promise<void>((done) => {
        response.once('end', () => done());
        response.once('close', () => done());
        response.socket.once('close', () => done());
      });
      resolve({ request, response, text: () => body, ended });
    });
    request.once('error', reject);
  });
}

describe('streaming HTTP responses (RecordIO, as Mesos streams events)', () => {
  let host: ActorHost | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  it('a stream ended before its response starts still sends what was written, then ends', () => {
    let closes = 0;
    const stream = new HttpStream(() => closes++);
    stream.write('a');
    stream.write('b');
    stream.end();
    expect(stream.write('c')).to.equal(false);
    const sent: string[] = [];
    let ended = false;
    stream.attach({ write: (chunk) => sent.push(String(chunk)), end: () => { ended = true; }, buffered: 0, destroy: () => undefined, onDrain: () => undefined });
    expect(sent).to.deep.equal(['a', 'b']);
    expect(ended).to.equal(true);
    expect(closes).to.equal(1);
  });

  it('drained() waits for the response to start, then for a drain while more than STREAM_LOW_WATER_BYTES is buffered, and never past a close', async () => {
    const stream = new HttpStream();
    const settled = (promise: Promise<void>): { done: boolean } => {
      const state = { done: false };
      void promise.then(() => { state.done = true; });
      return state;
    };
    const beforeStart = settled(stream.drained());
    await Promise.resolve();
    expect(beforeStart.done, 'not before the response starts').to.equal(false);
    let buffered = STREAM_LOW_WATER_BYTES + 1;
    const drains: Array<() => void> = [];
    stream.attach({ write: () => undefined, end: () => undefined, get buffered() { return buffered; }, destroy: () => undefined, onDrain: (listener) => drains.push(listener) });
    await Promise.resolve();
    expect(beforeStart.done, 'once it starts').to.equal(true);
    const full = settled(stream.drained());
    await Promise.resolve();
    expect(full.done, 'not while the client has not taken what is buffered').to.equal(false);
    buffered = 0;
    for (const listener of drains.splice(0)) listener();
    await Promise.resolve();
    expect(full.done, 'at the drain').to.equal(true);
    buffered = STREAM_LOW_WATER_BYTES + 1;
    const gone = settled(stream.drained());
    stream.closedByPeer(); // the client went away: no drain will come
    await Promise.resolve();
    expect(gone.done).to.equal(true);
    const afterClose = settled(stream.drained());
    await Promise.resolve();
    expect(afterClose.done, 'once closed, at once').to.equal(true);
  });

  it('abort() drops the response mid-body (a client sees a failure, not a short body), before its start or after', () => {
    const sink = (): { destroyed: number; ended: number; sent: string[]; sink: Parameters<HttpStream['attach']>[0] } => {
      const state = { destroyed: 0, ended: 0, sent: [] as string[] };
      return { ...state, get destroyed() { return state.destroyed; }, get ended() { return state.ended; }, sink: { write: (chunk) => state.sent.push(String(chunk)), end: () => { state.ended++; }, buffered: 0, destroy: () => { state.destroyed++; }, onDrain: () => undefined } };
    };
    let closes = 0;
    const early = new HttpStream(() => closes++);
    early.write('part');
    early.abort();
    const first = sink();
    early.attach(first.sink);
    expect([first.destroyed, first.ended, first.sent]).to.deep.equal([1, 0, []]);
    const late = new HttpStream(() => closes++);
    const second = sink();
    late.attach(second.sink);
    late.write('part');
    late.abort();
    late.end();
    expect([second.destroyed, second.ended, second.sent]).to.deep.equal([1, 0, ['part']]);
    expect(closes).to.equal(2);
  });

  it('frames a record with its byte length', () => {
    expect(recordIo({ type: 'HEARTBEAT' })).to.equal('20\n{"type":"HEARTBEAT"}');
    expect(recordIo('é')).to.equal('2\né');
  });

  it('sends chunks as the actor writes them, and ends when the actor ends the stream', async () => {
    const started = await netHost();
    host = started;
    const streamer = new Streamer();
    started.spawn(streamer);
    const client = await openStream(started.address);
    expect(client.response.headers['transfer-encoding']).to.equal('chunked');
    await eventually(() => client.text() === '21\n{"type":"SUBSCRIBED"}', 5_000, 'the first record');
    await dispatch(streamer, (actor) => actor.streams[0]?.write(recordIo({ type: 'HEARTBEAT' })));
    await eventually(() => client.text().endsWith('20\n{"type":"HEARTBEAT"}'), 5_000, 'the second record');
    await dispatch(streamer, (actor) => actor.streams[0]?.end());
    await within(client.ended, 5_000, 'the end of the body');
    expect(streamer.closes).to.equal(1);
    expect(await dispatch(streamer, (actor) => actor.streams[0]?.write('more'))).to.equal(false);
  });

  it('tells the actor, in its mailbox, when the client goes away', async () => {
    const started = await netHost();
    host = started;
    const streamer = new Streamer();
    started.spawn(streamer);
    const client = await openStream(started.address);
    await eventually(() => client.text().length > 0, 5_000, 'the first record');
    client.request.destroy();
    await eventually(() => streamer.closes === 1, 5_000, 'onClose');
    expect(await dispatch(streamer, (actor) => actor.streams[0]?.closed)).to.equal(true);
  });

  it('ends its streams when the actor terminates, so no client waits forever', async () => {
    const started = await netHost();
    host = started;
    const streamer = new Streamer();
    started.spawn(streamer);
    const client = await openStream(started.address);
    await eventually(() => client.text().length > 0, 5_000, 'the first record');
    started.terminate(streamer.self());
    await within(client.ended, 5_000, 'the end of the body');
    expect(streamer.closes).to.equal(1);
  });

  it('cuts off a client that does not read once more than maxBufferedBytes wait for it', async () => {
    const started = await netHost();
    host = started;
    const streamer = new Streamer(64 * 1024);
    started.spawn(streamer);
    const client = await openStream(started.address);
    client.response.pause();
    const chunk = 'x'.repeat(16 * 1024);
    let written = 0;
    await eventually(() => {
      void dispatch(streamer, (actor) => actor.streams[0]?.write(chunk)).then((more) => { if (more === true) written++; });
      return streamer.closes === 1;
    }, 10_000, 'the slow client cut off');
    expect(written).to.be.greaterThan(3);
    // Once it reads again, the client drains what was sent and finds the connection closed.
    client.response.resume();
    await within(client.ended, 5_000, 'the connection closed');
  });
});
