import { expect } from 'chai';
import { connectNodeZooKeeper, createNodeZooKeeperConnector, ZOOKEEPER_CLOSE_TIMEOUT_MS } from '../../../lib/ha/node-zookeeper';
import {
  MAX_ZOOKEEPER_URL_LENGTH,
  parseZooKeeperUrl,
  shownZooKeeperUrl,
  ZooKeeperError,
  type ZooKeeperClient,
  type ZooKeeperConnector,
  type ZooKeeperErrorCode,
  type ZooKeeperSessionState,
} from '../../../lib/ha/zookeeper';
import { RealClock, VirtualClock } from '../../../lib/process/clock';
import { BlackholeProxy } from '../../support/blackhole-proxy';
import { freeLoopbackPort, ZOOKEEPER_START_TIMEOUT_MS, ZooKeeperServer, zooKeeperSkipReason } from '../../support/zookeeper-server';

/** Upper bound of any wait for something the server or client does by itself (generous: CI can be busy). */
const WAIT_TIMEOUT_MS = 8_000;
/** Between two looks at something polled. */
const POLL_INTERVAL_MS = 20;
/** The session timeout the tests ask for: the server's tick is 200 ms, so it grants this. */
const SESSION_TIMEOUT_MS = 1_000;

/** Resolves to the ZooKeeperError a promise rejects with; fails if it resolves or rejects otherwise. */
async function zooKeeperFailure(promise: Promise<unknown>): Promise<ZooKeeperError> {
  const outcome = await promise.then((value) => ({ value }), (error: unknown) => ({ error }));
  if (!('error' in outcome)) throw new Error(`expected a ZooKeeperError, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof ZooKeeperError)) throw new Error(`expected a ZooKeeperError, got ${String(outcome.error)}`);
  return outcome.error;
}

async function expectCode(promise: Promise<unknown>, code: ZooKeeperErrorCode, path: string): Promise<ZooKeeperError> {
  const error = await zooKeeperFailure(promise);
  expect(error.code, error.message).to.equal(code);
  expect(error.path).to.equal(path);
  return error;
}

/** Records a client's states from now on; `reach` waits (bounded) for one. */
class StateLog {
  readonly states: ZooKeeperSessionState[] = [];
  private readonly waiters: Array<() => void> = [];

  constructor(readonly client: ZooKeeperClient) {
    client.onStateChange((state) => {
      this.states.push(state);
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }

  /** Waits until the client's state is one of `wanted`. */
  async reach(wanted: readonly ZooKeeperSessionState[], timeoutMs = WAIT_TIMEOUT_MS): Promise<ZooKeeperSessionState> {
    await this.until(`is ${wanted.join(' or ')}`, () => wanted.includes(this.client.state), timeoutMs);
    return this.client.state;
  }

  /** Waits until the states seen so far are `wanted` (a transition already past counts). */
  async saw(wanted: readonly ZooKeeperSessionState[], timeoutMs = WAIT_TIMEOUT_MS): Promise<void> {
    await this.until(`went ${wanted.join(' → ')}`, () => this.states.join() === wanted.join(), timeoutMs);
  }

  private async until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        throw new Error(`client ${what}: not so after ${timeoutMs} ms (it is ${this.client.state}; states: ${this.states.join(' → ') || 'none'})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Polls `condition` until it holds, failing after `timeoutMs` with `what`. */
async function eventually(what: string, condition: () => Promise<boolean>, timeoutMs = WAIT_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not so after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void; count: () => number } {
  let fired = 0;
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, fire: () => { fired++; resolve(); }, count: () => fired };
}

/** Resolves with `promise`, or rejects naming `what` after `timeoutMs`. */
async function within<T>(what: string, promise: Promise<T>, timeoutMs = WAIT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('lib/ha/zookeeper parseZooKeeperUrl', () => {
  it('takes hosts and a path', () => {
    expect(parseZooKeeperUrl('zk://10.0.0.1:2181,zk2.example.com:2182/mesos')).to.deep.equal({ servers: '10.0.0.1:2181,zk2.example.com:2182', path: '/mesos' });
    expect(parseZooKeeperUrl('zk://localhost:2181/mesos/cluster-a')).to.deep.equal({ servers: 'localhost:2181', path: '/mesos/cluster-a' });
  });

  it('a zk:// URL is logged and printed without its credentials (shownZooKeeperUrl)', () => {
    expect(shownZooKeeperUrl('zk://mesos:s3cr:et@10.0.0.1:2181,10.0.0.2:2181/mesos')).to.equal('zk://10.0.0.1:2181,10.0.0.2:2181/mesos');
    expect(shownZooKeeperUrl('zk://10.0.0.1:2181/mesos')).to.equal('zk://10.0.0.1:2181/mesos');
    expect(shownZooKeeperUrl('127.0.0.1:5050')).to.equal('127.0.0.1:5050');
  });

  it('takes user:password before the hosts', () => {
    expect(parseZooKeeperUrl('zk://mesos:s3cr:et@10.0.0.1:2181,10.0.0.2:2181/mesos')).to.deep.equal({
      servers: '10.0.0.1:2181,10.0.0.2:2181',
      path: '/mesos',
      credentials: 'mesos:s3cr:et',
    });
  });

  it('refuses what is not a zk:// URL with hosts and a path, naming the problem', () => {
    const cases: Array<[string, RegExp]> = [
      ['http://10.0.0.1:2181/mesos', /is not a ZooKeeper URL/],
      ['zk://10.0.0.1:2181', /is not a ZooKeeper URL/],
      ['zk:///mesos', /is not a ZooKeeper URL/],
      ['zk://10.0.0.1/mesos', /'10.0.0.1' is not host:port/],
      ['zk://10.0.0.1:2181,/mesos', /'' is not host:port/],
      ['zk://10.0.0.1:0/mesos', /'10.0.0.1:0' is not host:port/],
      ['zk://10.0.0.1:65536/mesos', /'10.0.0.1:65536' is not host:port/],
      ['zk://10.0.0.1:2181/', /'\/' is not a znode path/],
      ['zk://10.0.0.1:2181/mesos/', /'\/mesos\/' is not a znode path/],
      ['zk://10.0.0.1:2181/me//sos', /is not a znode path/],
      ['zk://10.0.0.1:2181/me sos', /is not a znode path/],
      ['zk://mesos@10.0.0.1:2181/mesos', /credentials must be user:password/],
      ['zk://mesos:@10.0.0.1:2181/mesos', /credentials must be user:password/],
      [`zk://10.0.0.1:2181/${'m'.repeat(MAX_ZOOKEEPER_URL_LENGTH)}`, /longer than 4096 characters/],
    ];
    for (const [text, message] of cases) expect(() => parseZooKeeperUrl(text), text).to.throw(message);
  });
});

const skipReason = zooKeeperSkipReason();

(skipReason === undefined ? describe : describe.skip)(`lib/ha/node-zookeeper against a real ZooKeeper${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`, function () {
  let server: ZooKeeperServer;
  let opened: ZooKeeperClient[] = [];
  let testNumber = 0;
  /** A znode no other test uses. */
  let root: string;

  /** A session with the test server (closed after the test). */
  function connect(options: { connector?: ZooKeeperConnector; servers?: string; credentials?: string; sessionTimeoutMs?: number } = {}): ZooKeeperClient {
    const connector = options.connector ?? connectNodeZooKeeper;
    const url = { servers: options.servers ?? server.connectString, path: '/mesos', ...(options.credentials !== undefined ? { credentials: options.credentials } : {}) };
    const client = connector(url, { sessionTimeoutMs: options.sessionTimeoutMs ?? SESSION_TIMEOUT_MS });
    opened.push(client);
    return client;
  }

  async function connected(options: Parameters<typeof connect>[0] = {}): Promise<ZooKeeperClient> {
    const client = connect(options);
    await new StateLog(client).reach(['connected']);
    return client;
  }

  before(async function () {
    this.timeout(ZOOKEEPER_START_TIMEOUT_MS * 2);
    server = await ZooKeeperServer.start({ tickTimeMs: 200, maxSessionTimeoutMs: 10_000 });
  });

  after(async function () {
    this.timeout(30_000);
    await server?.stop();
  });

  beforeEach(() => {
    root = `/test-${++testNumber}`;
  });

  afterEach(async function () {
    this.timeout(30_000);
    await Promise.all(opened.map((client) => client.close()));
    opened = [];
  });

  it('connects, and reports the session timeout the server granted', async () => {
    const client = connect({ sessionTimeoutMs: 100 });
    expect(client.state).to.equal('connecting');
    const log = new StateLog(client);
    await log.reach(['connected']);
    expect(log.states).to.deep.equal(['connected']);
    expect(client.sessionTimeoutMs).to.equal(400); // the server's minimum: 2 ticks
    const greedy = await connected({ sessionTimeoutMs: 60_000 });
    expect(greedy.sessionTimeoutMs).to.equal(10_000); // its maximum
  });

  it('creates, reads and sets data; setData compares versions (BAD_VERSION)', async () => {
    const client = await connected();
    await client.mkdirp(`${root}/a/b`);
    await client.mkdirp(`${root}/a/b`); // exists: no error
    expect(await client.create(`${root}/a/b/node`, Buffer.from('one'))).to.equal(`${root}/a/b/node`);
    expect(await client.getData(`${root}/a/b/node`)).to.deep.equal({ data: Buffer.from('one'), version: 0 });
    expect(await client.setData(`${root}/a/b/node`, Buffer.from('two'), 0)).to.equal(1);
    await expectCode(client.setData(`${root}/a/b/node`, Buffer.from('three'), 0), 'BAD_VERSION', `${root}/a/b/node`);
    expect(await client.setData(`${root}/a/b/node`, Buffer.from('four'), -1)).to.equal(2);
    expect(await client.getData(`${root}/a/b/node`)).to.deep.equal({ data: Buffer.from('four'), version: 2 });
    expect(await client.getData(`${root}/a`)).to.deep.equal({ data: Buffer.alloc(0), version: 0 });
    expect(await client.exists(`${root}/a/b/node`)).to.equal(true);
    await expectCode(client.remove(`${root}/a/b/node`, 1), 'BAD_VERSION', `${root}/a/b/node`);
    await client.remove(`${root}/a/b/node`, 2);
    expect(await client.exists(`${root}/a/b/node`)).to.equal(false);
  });

  it('reports NO_NODE, NODE_EXISTS and NOT_EMPTY with the path; a malformed path is OTHER with the reason', async () => {
    const client = await connected();
    await client.mkdirp(`${root}/parent/child`);
    await expectCode(client.getData(`${root}/missing`), 'NO_NODE', `${root}/missing`);
    await expectCode(client.create(`${root}/missing/child`, Buffer.alloc(0)), 'NO_NODE', `${root}/missing/child`);
    await expectCode(client.setData(`${root}/missing`, Buffer.alloc(0), -1), 'NO_NODE', `${root}/missing`);
    await expectCode(client.remove(`${root}/missing`), 'NO_NODE', `${root}/missing`);
    await expectCode(client.getChildren(`${root}/missing`), 'NO_NODE', `${root}/missing`);
    await expectCode(client.create(`${root}/parent`, Buffer.alloc(0)), 'NODE_EXISTS', `${root}/parent`);
    await expectCode(client.remove(`${root}/parent`), 'NOT_EMPTY', `${root}/parent`);
    const malformed = await expectCode(client.getData('no-slash'), 'OTHER', 'no-slash');
    expect(malformed.message).to.match(/must start with \//);
  });

  it('ephemeral-sequential nodes are numbered, and are gone once their session is closed', async () => {
    const owner = await connected();
    const observer = await connected();
    await owner.mkdirp(`${root}/members`);
    const first = await owner.create(`${root}/members/member_`, Buffer.from('a'), 'ephemeral-sequential');
    const second = await owner.create(`${root}/members/member_`, Buffer.from('b'), 'ephemeral-sequential');
    expect([first, second]).to.deep.equal([`${root}/members/member_0000000000`, `${root}/members/member_0000000001`]);
    expect((await observer.getChildren(`${root}/members`)).sort()).to.deep.equal(['member_0000000000', 'member_0000000001']);
    await owner.close();
    expect(owner.state).to.equal('closed');
    // close() waits for the server to end the session: no polling needed.
    expect(await observer.getChildren(`${root}/members`)).to.deep.equal([]);
  });

  it('a child watch fires once, on the next change', async () => {
    const watcher = await connected();
    const writer = await connected();
    await writer.mkdirp(`${root}/group`);
    const first = signal();
    expect(await watcher.getChildren(`${root}/group`, first.fire)).to.deep.equal([]);
    await writer.create(`${root}/group/a`, Buffer.alloc(0));
    await within('the child watch', first.promise);
    await writer.create(`${root}/group/b`, Buffer.alloc(0));
    // Notifications arrive in order: once a watch set after the second change has fired for a
    // third, the first watch would have fired again for the second if it were going to.
    const second = signal();
    expect((await watcher.getChildren(`${root}/group`, second.fire)).sort()).to.deep.equal(['a', 'b']);
    await writer.remove(`${root}/group/a`);
    await within('the second child watch', second.promise);
    expect(first.count()).to.equal(1);
    expect(second.count()).to.equal(1);
  });

  it('multi is atomic: a failing check leaves nothing created, and names the operation that failed', async () => {
    const client = await connected();
    await client.mkdirp(`${root}/guard`);
    const failure = await expectCode(client.multi([
      { type: 'create', path: `${root}/a`, data: Buffer.from('a') },
      { type: 'create', path: `${root}/b`, data: Buffer.from('b'), mode: 'ephemeral' },
      { type: 'check', path: `${root}/guard`, version: 5 },
      { type: 'create', path: `${root}/c`, data: Buffer.from('c') },
    ]), 'BAD_VERSION', `${root}/guard`);
    expect(failure.message).to.contain('operation 3 of 4 (check)');
    expect(await client.getChildren(root)).to.deep.equal(['guard']);
    await expectCode(client.multi([
      { type: 'create', path: `${root}/a`, data: Buffer.from('a') },
      { type: 'remove', path: `${root}/missing` },
    ]), 'NO_NODE', `${root}/missing`);
    expect(await client.getChildren(root)).to.deep.equal(['guard']);
  });

  it('multi applies everything when all succeed, and keeps version 0 (node-zookeeper-client would send -1)', async () => {
    const client = await connected();
    await client.mkdirp(`${root}/guard`);
    await client.multi([
      { type: 'check', path: `${root}/guard`, version: 0 },
      { type: 'setData', path: `${root}/guard`, data: Buffer.from('taken'), version: 0 },
      { type: 'create', path: `${root}/leader`, data: Buffer.from('me'), mode: 'ephemeral' },
    ]);
    expect(await client.getData(`${root}/guard`)).to.deep.equal({ data: Buffer.from('taken'), version: 1 });
    expect(await client.exists(`${root}/leader`)).to.equal(true);
    // Version 0 is now stale: each of these must fail, not match "any version".
    await expectCode(client.multi([{ type: 'check', path: `${root}/guard`, version: 0 }]), 'BAD_VERSION', `${root}/guard`);
    await expectCode(client.multi([{ type: 'setData', path: `${root}/guard`, data: Buffer.alloc(0), version: 0 }]), 'BAD_VERSION', `${root}/guard`);
    await expectCode(client.multi([{ type: 'remove', path: `${root}/guard`, version: 0 }]), 'BAD_VERSION', `${root}/guard`);
    await client.multi([{ type: 'remove', path: `${root}/leader`, version: 0 }, { type: 'remove', path: `${root}/guard`, version: 1 }]);
    expect(await client.getChildren(root)).to.deep.equal([]);
  });

  it('a closed client says so: state closed, requests reject with CLOSED', async () => {
    const client = await connected();
    const log = new StateLog(client);
    const inFlight = client.exists('/');
    await client.close();
    await client.close(); // idempotent
    expect(log.states).to.deep.equal(['closed']);
    expect(await inFlight.then(() => 'answered', (error: unknown) => (error instanceof ZooKeeperError ? error.code : String(error)))).to.be.oneOf(['answered', 'CLOSED']);
    await expectCode(client.getData('/'), 'CLOSED', '/');
    await expectCode(client.multi([{ type: 'check', path: '/', version: -1 }]), 'CLOSED', '/');
  });

  it('with credentials: digest authentication; its nodes are world-readable, writable by the same user only', async () => {
    const owner = await connected({ credentials: 'mesos:secret' });
    const sameUser = await connected({ credentials: 'mesos:secret' });
    const otherUser = await connected({ credentials: 'intruder:guess' });
    const anonymous = await connected();
    await owner.mkdirp(`${root}/secured`);
    expect((await anonymous.getData(`${root}/secured`)).version).to.equal(0);
    const denied = await expectCode(anonymous.setData(`${root}/secured`, Buffer.from('x'), -1), 'OTHER', `${root}/secured`);
    expect(denied.message).to.contain('NO_AUTH');
    await expectCode(otherUser.create(`${root}/secured/child`, Buffer.alloc(0)), 'OTHER', `${root}/secured/child`);
    expect(await sameUser.setData(`${root}/secured`, Buffer.from('ok'), 0)).to.equal(1);
  });

  it('a partitioned session expires on the server; the client sees disconnected, then expired once it is back; its watches never fire', async () => {
    const proxy = await BlackholeProxy.start(server.port);
    try {
      const partitioned = await connected({ servers: proxy.connectString });
      const observer = await connected();
      const log = new StateLog(partitioned);
      await partitioned.mkdirp(`${root}/group`);
      await partitioned.mkdirp(`${root}/quiet`);
      await partitioned.create(`${root}/group/member`, Buffer.alloc(0), 'ephemeral');
      const watch = signal();
      await partitioned.getChildren(`${root}/quiet`, watch.fire); // nothing changes there: only expiry could fire it
      const statesBefore = log.states.length;
      proxy.partition();
      // No TCP error reaches the client: only the adapter's read timeout (2/3 of the session timeout) notices.
      await log.reach(['disconnected'], SESSION_TIMEOUT_MS * 4);
      const inDark = await expectCode(partitioned.getData(`${root}/group`), 'CONNECTION_LOSS', `${root}/group`);
      expect(inDark.message).to.contain('disconnected');
      await eventually('the server expired the session (its ephemeral node is gone)', async () => !(await observer.exists(`${root}/group/member`)));
      proxy.heal();
      await log.reach(['expired']);
      expect(log.states.slice(statesBefore)).to.deep.equal(['disconnected', 'expired']);
      expect(watch.count()).to.equal(0);
      await expectCode(partitioned.getData(`${root}/group`), 'SESSION_EXPIRED', `${root}/group`);
    } finally {
      await proxy.stop();
    }
  });

  it('a hung server (SIGSTOP) is noticed by the read timeout: disconnected; its requests fail with CONNECTION_LOSS', async () => {
    const client = await connected();
    const log = new StateLog(client);
    await server.pause();
    try {
      const inFlight = expectCode(client.getData('/'), 'CONNECTION_LOSS', '/'); // handled now: it settles later
      await log.reach(['disconnected'], SESSION_TIMEOUT_MS * 4);
      await inFlight;
      const whileDisconnected = await expectCode(client.getData('/'), 'CONNECTION_LOSS', '/');
      expect(whileDisconnected.message).to.contain('disconnected');
    } finally {
      server.resume();
    }
    // Whether the server expires the session before the client's reconnection touches it is a
    // race inside ZooKeeper after SIGCONT: either is a correct outcome.
    expect(await log.reach(['connected', 'expired'])).to.be.oneOf(['connected', 'expired']);
  });

  it('says until when the session surely lives: a timeout past the latest answered request; it stops advancing while the server hangs', async () => {
    const client = connect();
    expect(client.sessionSurelyAliveUntilMs, 'before any answer').to.equal(undefined);
    await new StateLog(client).reach(['connected']);
    const sentAtMs = Date.now();
    await client.getData('/');
    const aliveUntilMs = client.sessionSurelyAliveUntilMs as number;
    expect(aliveUntilMs).to.be.within(sentAtMs + client.sessionTimeoutMs, Date.now() + client.sessionTimeoutMs);
    // The liveness probes keep it a timeout ahead while the server answers...
    await eventually('a probe to renew it', async () => (client.sessionSurelyAliveUntilMs as number) > aliveUntilMs);
    await server.pause();
    const pausedAtMs = Date.now();
    try {
      // ...and nothing renews it while the server does not answer.
      await eventually('the client to drop the silent link', async () => client.state !== 'connected', SESSION_TIMEOUT_MS * 4);
      expect(client.sessionSurelyAliveUntilMs as number).to.be.at.most(pausedAtMs + client.sessionTimeoutMs);
    } finally {
      server.resume();
    }
  });

  it('a clock set back an hour does not keep the session surely alive for the hour (audit of clock set-back hazards)', async () => {
    /** A real clock whose reading can be set back; its timers still wait on real time. */
    class SetBackClock extends RealClock {
      setBackMs = 0;
      override now(): number {
        return super.now() - this.setBackMs;
      }
    }
    const clock = new SetBackClock();
    const client = connect({ connector: createNodeZooKeeperConnector({ clock }) });
    await new StateLog(client).reach(['connected']);
    await client.getData('/');
    expect(client.sessionSurelyAliveUntilMs as number).to.be.greaterThan(clock.now());
    clock.setBackMs = 3_600_000;
    // What the last answer said was reckoned in the old frame: nothing beyond now is sure any more...
    expect(client.sessionSurelyAliveUntilMs as number).to.be.at.most(clock.now());
    // ...until the next answer, in the new frame.
    await eventually('a probe answered after the step', async () => (client.sessionSurelyAliveUntilMs as number) > clock.now());
    expect(client.sessionSurelyAliveUntilMs as number).to.be.at.most(clock.now() + client.sessionTimeoutMs);
  });

  it('close() on a hung server returns after a read timeout at most', async () => {
    const client = await connected();
    await server.pause();
    try {
      await within('close()', client.close(), SESSION_TIMEOUT_MS * 4);
      expect(client.state).to.equal('closed');
    } finally {
      server.resume();
    }
  });

  it('close() on a hung server waits ZOOKEEPER_CLOSE_TIMEOUT_MS at most, however long the session (a master stopped by SIGTERM took a read timeout to exit)', async () => {
    const clock = new VirtualClock();
    const client = await connected({ connector: createNodeZooKeeperConnector({ clock }), sessionTimeoutMs: 9_000 });
    await server.pause();
    try {
      let closed = false;
      const closing = client.close().then(() => { closed = true; });
      await clock.advance(ZOOKEEPER_CLOSE_TIMEOUT_MS - 1);
      expect(closed, 'closed before the server answered or the bound passed').to.equal(false);
      await clock.advance(1);
      await within('close()', closing);
      expect(client.state).to.equal('closed');
    } finally {
      server.resume();
    }
  });

  it('a restarted server keeps the session: disconnected, then connected again with its ephemeral node', async function () {
    this.timeout(ZOOKEEPER_START_TIMEOUT_MS + 2 * WAIT_TIMEOUT_MS); // mostly the JVM's start
    const client = await connected({ sessionTimeoutMs: 8_000 });
    const log = new StateLog(client);
    await client.mkdirp(root);
    await client.create(`${root}/alive`, Buffer.alloc(0), 'ephemeral');
    await server.restart();
    await log.saw(['disconnected', 'connected']);
    expect(await client.exists(`${root}/alive`)).to.equal(true);
  });

  it('a client closed from its own disconnected callback while the link is down ends its session: its ephemeral node goes at the latest at expiry, never lives on (HA walkthrough: a leader\'s candidacy stayed for good)', async function () {
    this.timeout(4 * WAIT_TIMEOUT_MS);
    const proxy = await BlackholeProxy.start(server.port);
    try {
      const sessionTimeoutMs = 4_000;
      const client = await connected({ servers: proxy.connectString, sessionTimeoutMs });
      const observer = await connected();
      await client.mkdirp(root);
      await client.create(`${root}/candidacy`, Buffer.alloc(0), 'ephemeral');
      let closing: Promise<void> | undefined;
      // As a master's contender does when it loses the link while leading.
      client.onStateChange((state) => {
        if (state === 'disconnected') closing ??= client.close();
      });
      proxy.partition();
      await eventually('the client saw the link go and closed', () => Promise.resolve(closing !== undefined), sessionTimeoutMs * 4);
      // Back before the session expires: the library, which had decided to reconnect, resumes the session.
      proxy.heal();
      await within('close() resolved', closing ?? Promise.reject(new Error('close() was never called')));
      await eventually('the closed client\'s session ended (its ephemeral node is gone)', async () => !(await observer.exists(`${root}/candidacy`)), sessionTimeoutMs * 3);
      // And stays gone (a resumed session would keep it, pinged for good).
      await new Promise((resolve) => setTimeout(resolve, sessionTimeoutMs));
      expect(await observer.exists(`${root}/candidacy`)).to.equal(false);
    } finally {
      await proxy.stop();
    }
  });

  it('keeps trying while no server answers; requests meanwhile fail after the request timeout; close() stops it', async () => {
    const servers = `127.0.0.1:${await freeLoopbackPort()}`; // nothing listens there: connections are refused
    const client = connect({ servers, connector: createNodeZooKeeperConnector({ requestTimeoutMs: 300 }) });
    const log = new StateLog(client);
    const unanswered = await expectCode(client.exists('/'), 'CONNECTION_LOSS', '/');
    expect(unanswered.message).to.contain('no answer within 300 ms');
    expect(client.state).to.equal('connecting');
    await client.close();
    expect(log.states).to.deep.equal(['closed']);
  });
});
