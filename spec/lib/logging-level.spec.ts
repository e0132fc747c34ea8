/**
 * The logging level, as libprocess' `Logging` process and the v1 operator APIs set it:
 * `/logging/toggle` (libprocess' answers and texts), GET_LOGGING_LEVEL and SET_LOGGING_LEVEL on the
 * master's and the agent's `/api/v1` (in JSON and protobuf), the level reverting once its duration
 * passes (the virtual clock), and the ACLs' `set_log_level`.
 */
import { expect } from 'chai';
import { LOGGING_ACTOR_ID, LoggingActor, logLevelOfVerbosity, v1LoggingLevel } from '../../lib/info-actors';
import { Actor, dispatch } from '../../lib/actor';
import { basicAuthorization, VirtualClock, type ActorHost, type HttpRequest, type HttpResponse } from '../../lib/process';
import { createLogger } from '../../lib/logging';
import { parseAcls, Authorizer } from '../../lib/acls';
import { v1CallBytes, v1ResponseJson } from '../../lib/v1/protobuf';
import { memoryHost } from '../support/runtime';
import { cleanUp, makeWorkDir, startListeningHarness, type Harness } from '../actors/master/harness';

/** An actor whose logger the level reaches. */
class Chatty extends Actor {
  constructor(id = 'chatty') {
    super(id);
  }

  level(): string {
    return this.log.level;
  }

  bindings(): Record<string, unknown> {
    return this.log.bindings();
  }
}

/** A request to `/logging/toggle` with `query`, maybe with credentials. */
function toggleRequest(query: Record<string, string>, principal?: string): HttpRequest {
  return { method: 'GET', path: '/toggle', query, headers: principal === undefined ? {} : { authorization: basicAuthorization(principal, `${principal}-secret`) }, body: Buffer.alloc(0) };
}

/** Calls the logging actor's `/toggle` route inside its mailbox. */
async function toggle(actor: LoggingActor, request: HttpRequest): Promise<HttpResponse> {
  const route = actor.runtime.routes.get('/toggle');
  if (route === undefined) throw new Error('no /toggle route');
  return dispatch(actor, (self) => route.call(self, request));
}

describe('lib/info-actors: the logging level (libprocess\' /logging/toggle, SET_LOGGING_LEVEL)', () => {
  let host: ActorHost;
  let clock: VirtualClock;
  afterEach(async () => {
    await host.stop();
  });

  it('/logging/toggle: the level now; set for a while, the host\'s and every actor\'s logger follow, and it reverts once the duration passes (virtual clock)', async () => {
    clock = new VirtualClock();
    host = memoryHost({ clock, logger: createLogger('test', 'warn') });
    const chatty = new Chatty();
    host.spawn(chatty);
    const logging = new LoggingActor();
    host.spawn(logging);
    expect(await dispatch(chatty, (actor) => actor.level())).to.equal('warn');
    expect((await toggle(logging, toggleRequest({}))).body).to.equal('0\n');
    expect((await toggle(logging, toggleRequest({ level: '2', duration: '10secs' }))).status).to.equal(200);
    expect([host.logger.level, await dispatch(chatty, (actor) => actor.level())]).to.deep.equal(['trace', 'trace']);
    expect((await toggle(logging, toggleRequest({}))).body).to.equal('2\n');
    // A later toggle replaces the first one's revert.
    await clock.advance(5_000);
    expect((await toggle(logging, toggleRequest({ level: '1', duration: '10secs' }))).status).to.equal(200);
    expect(host.logger.level).to.equal('debug');
    await clock.advance(9_000);
    expect(host.logger.level, 'the first toggle\'s revert no longer comes').to.equal('debug');
    await clock.advance(1_000);
    expect([host.logger.level, await dispatch(chatty, (actor) => actor.level())]).to.deep.equal(['warn', 'warn']);
    expect((await toggle(logging, toggleRequest({}))).body).to.equal('0\n');
    // An actor made while the level is up starts at it.
    expect((await toggle(logging, toggleRequest({ level: '1', duration: '1mins' }))).status).to.equal(200);
    const late = new Chatty('late');
    host.spawn(late);
    expect(await dispatch(late, (actor) => actor.level())).to.equal('debug');
    // The logging actor stopped with the level up (the process stopping): the loggers go back.
    host.terminate(logging);
    for (let turn = 0; turn < 100 && host.lookup(LOGGING_ACTOR_ID) !== undefined; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect([host.logger.level, await dispatch(late, (actor) => actor.level())]).to.deep.equal(['warn', 'warn']);
  });

  it('a silent host\'s actors log with their own id once the level is raised, and are silent again after', async () => {
    clock = new VirtualClock();
    host = memoryHost({ clock, logger: createLogger('test', 'silent') });
    const chatty = new Chatty();
    host.spawn(chatty);
    const logging = new LoggingActor();
    host.spawn(logging);
    expect(await dispatch(chatty, (actor) => actor.bindings()), 'the host\'s own logger').to.deep.equal({ name: 'test' });
    await toggle(logging, toggleRequest({ level: '1', duration: '1secs' }));
    expect(await dispatch(chatty, (actor) => [actor.level(), actor.bindings()])).to.deep.equal(['debug', { name: 'test', actor: 'chatty' }]);
    await clock.advance(1_000);
    expect(await dispatch(chatty, (actor) => actor.level())).to.equal('silent');
  });

  it('/logging/toggle refuses what libprocess refuses, in its words; the level is unchanged', async () => {
    clock = new VirtualClock();
    host = memoryHost({ clock, logger: createLogger('test', 'silent') });
    const logging = new LoggingActor();
    host.spawn(logging);
    const refusals: Array<[Record<string, string>, string]> = [
      [{ level: '1' }, "Expecting 'duration=value' in query.\n"],
      [{ duration: '1secs' }, "Expecting 'level=value' in query.\n"],
      [{ level: '-1', duration: '1secs' }, "Invalid level '-1'.\n"],
      [{ level: 'two', duration: '1secs' }, "Failed to convert 'two' to number.\n"],
      [{ level: '1', duration: '10' }, "'10' is not a duration: a number and a unit (e.g. 500ms, 15secs, 1mins).\n"],
    ];
    for (const [query, text] of refusals) {
      const refused = await toggle(logging, toggleRequest(query));
      expect([refused.status, String(refused.body)], JSON.stringify(query)).to.deep.equal([400, text]);
    }
    expect((await toggle(logging, toggleRequest({}))).body).to.equal('0\n');
  });

  it('/logging/toggle behind the read-write credentials and the ACLs\' set_log_level; v1LoggingLevel answers GET and SET as Mesos, 403 past the ACLs', async () => {
    clock = new VirtualClock();
    host = memoryHost({ clock, logger: createLogger('test', 'silent') });
    const authorizer = new Authorizer(parseAcls({ set_log_level: [{ principals: { values: ['ops'] }, level: { type: 'ANY' } }, { principals: { type: 'ANY' }, level: { type: 'NONE' } }] }));
    const logging = new LoggingActor({
      authentication: { credentials: new Map([['ops', 'ops-secret'], ['dev', 'dev-secret']]), readonly: false, readwrite: true },
      denial: (principal) => authorizer.denial('set_log_level', principal),
    });
    host.spawn(logging);
    expect((await toggle(logging, toggleRequest({}))).status).to.equal(401);
    const refused = await toggle(logging, toggleRequest({ level: '1', duration: '1secs' }, 'dev'));
    expect([refused.status, String(refused.body)]).to.deep.equal([403, "Forbidden: principal 'dev' is not authorized to set the logging level\n"]);
    expect((await toggle(logging, toggleRequest({ level: '1', duration: '1secs' }, 'ops'))).status).to.equal(200);
    expect(await v1LoggingLevel(host, { type: 'GET_LOGGING_LEVEL' }, () => undefined)).to.deep.include({ status: 200, body: { type: 'GET_LOGGING_LEVEL', get_logging_level: { level: 1 } } });
    const denied = await v1LoggingLevel(host, { type: 'SET_LOGGING_LEVEL', level: 3, durationMs: 1_000 }, () => authorizer.denial('set_log_level', 'dev'));
    expect(denied.status).to.equal(403);
    const set = await v1LoggingLevel(host, { type: 'SET_LOGGING_LEVEL', level: 3, durationMs: 1_000 }, () => undefined);
    expect([set.status, set.body]).to.deep.equal([200, '']);
    expect(await logging.level()).to.equal(3);
    await clock.advance(1_000);
    expect(logging.level()).to.equal(0);
    // A process without a logging actor (a simulation's agents): 503 naming why.
    host.terminate(logging);
    expect((await v1LoggingLevel(host, { type: 'GET_LOGGING_LEVEL' }, () => undefined)).status, 'stopping').to.equal(503);
    for (let turn = 0; turn < 100 && host.lookup(LOGGING_ACTOR_ID) !== undefined; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(host.lookup(LOGGING_ACTOR_ID)).to.equal(undefined);
    expect((await v1LoggingLevel(host, { type: 'SET_LOGGING_LEVEL', level: 1, durationMs: 1 }, () => undefined)).status, 'gone').to.equal(503);
  });

  it('maps glog verbosity onto the log levels: 0 the process\'s own, 1 at least debug, 2 and more trace', () => {
    expect(['info', 'warn', 'trace'].map((base) => [0, 1, 2, 3].map((verbosity) => logLevelOfVerbosity(verbosity, base as 'info')))).to.deep.equal([
      ['info', 'debug', 'trace', 'trace'], ['warn', 'debug', 'trace', 'trace'], ['trace', 'trace', 'trace', 'trace'],
    ]);
  });
});

describe('the master\'s v1 operator API: GET_LOGGING_LEVEL and SET_LOGGING_LEVEL', () => {
  const started: Harness[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((harness) => harness.host.stop()));
    await cleanUp();
  });

  /** POSTs `call` to the master's `/api/v1`, in JSON or in protobuf. */
  async function post(address: string, call: Record<string, unknown>, protobuf = false): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`http://${address}/api/v1`, {
      method: 'POST',
      headers: { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json', accept: protobuf ? 'application/x-protobuf' : 'application/json' },
      body: protobuf ? Buffer.from(v1CallBytes('master', call)) : JSON.stringify(call),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200 || bytes.length === 0) return { status: response.status, json: bytes.toString() };
    return { status: 200, json: protobuf ? JSON.parse(JSON.stringify(v1ResponseJson('master', bytes))) : JSON.parse(bytes.toString()) };
  }

  it('answers the level (0), sets it for the duration (JSON and protobuf), and it reverts on the virtual clock; a call without its field is 400', async () => {
    const harness = await startListeningHarness({}, makeWorkDir());
    started.push(harness);
    const address = harness.host.address;
    expect(await post(address, { type: 'GET_LOGGING_LEVEL' })).to.deep.equal({ status: 200, json: { type: 'GET_LOGGING_LEVEL', get_logging_level: { level: 0 } } });
    expect((await post(address, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2, duration: { nanoseconds: 60e9 } } }, true)).status).to.equal(200);
    expect(await post(address, { type: 'GET_LOGGING_LEVEL' }, true)).to.deep.equal({ status: 200, json: { type: 'GET_LOGGING_LEVEL', get_logging_level: { level: 2 } } });
    expect(harness.host.logger.level).to.equal('trace');
    await harness.clock.advance(60_000);
    expect(await post(address, { type: 'GET_LOGGING_LEVEL' })).to.deep.equal({ status: 200, json: { type: 'GET_LOGGING_LEVEL', get_logging_level: { level: 0 } } });
    expect(await post(address, { type: 'SET_LOGGING_LEVEL' })).to.deep.equal({ status: 400, json: "Failed to validate master::Call: Expecting 'set_logging_level' to be present" });
    const negative = await post(address, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: -1, duration: { nanoseconds: 1 } } });
    expect(negative.status).to.equal(400);
    // `level` is a uint32, on the master's API as on the agent's (one schema).
    const past = await post(address, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2 ** 32, duration: { nanoseconds: 1 } } });
    expect(past.status).to.equal(400);
    expect(String(past.json)).to.match(/set_logging_level\.level: must be at most 4294967295 \(a uint32\)/);
  });
});
