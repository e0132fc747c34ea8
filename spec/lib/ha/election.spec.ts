import { expect } from 'chai';
import { VirtualClock } from '../../../lib/process';
import type { MasterInfo } from '../../../lib/protocol';
import {
  leadingChild,
  MASTER_INFO_LABEL,
  parseMasterInfo,
  ZOOKEEPER_UNREACHABLE_WARNING_MS,
  ZooKeeperMasterContender,
  ZooKeeperMasterDetector,
  type DetectedMaster,
} from '../../../lib/ha/election';
import { MemoryZooKeeper } from '../../../lib/ha/memory-zookeeper';
import { isZooKeeperError, parseZooKeeperUrl, ZooKeeperError, type ZooKeeperClient, type ZooKeeperConnector } from '../../../lib/ha/zookeeper';

const URL = parseZooKeeperUrl('zk://sim:2181/mesos');
const SESSION_MS = 10_000;

function masterInfo(port: number): MasterInfo {
  return { id: `m${port}`, ip: '127.0.0.1', port, pid: `master@127.0.0.1:${port}`, hostname: 'localhost', version: '1.11.0' };
}

function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (error: unknown) => error);
}

describe('lib/ha: ZooKeeper election and detection (simulated server)', () => {
  let clock: VirtualClock;
  let zk: MemoryZooKeeper;
  const options = (): { url: typeof URL; connect: MemoryZooKeeper['connect']; clock: VirtualClock; sessionTimeoutMs: number } =>
    ({ url: URL, connect: zk.connect, clock, sessionTimeoutMs: SESSION_MS });

  /** Lets the simulated server answer `promise` (its requests take virtual time). */
  async function answered<T>(promise: Promise<T>): Promise<T> {
    await clock.advance(50);
    return promise;
  }

  beforeEach(() => {
    clock = new VirtualClock({ simulated: true });
    zk = new MemoryZooKeeper(clock);
  });

  /** A contender that records what it is told. */
  function contend(port: number): { contender: ZooKeeperMasterContender; events: string[] } {
    const contender = new ZooKeeperMasterContender(options(), masterInfo(port));
    const events: string[] = [];
    contender.onElected(() => events.push('elected'));
    contender.onLost((reason) => events.push(`lost: ${reason}`));
    return { contender, events };
  }

  it('a contender that cannot reach ZooKeeper says so every ZOOKEEPER_UNREACHABLE_WARNING_MS, naming the servers, until it stops (an unreachable server left a master saying only "contending")', async () => {
    const logged: Array<{ level: string; message: string; waitedMs: unknown }> = [];
    // A session that never connects (a server that is not there); nothing else of it is used.
    const unreachable = { state: 'connecting', onStateChange: () => undefined, close: async () => undefined } as unknown as ZooKeeperClient;
    const contender = new ZooKeeperMasterContender({ ...options(), connect: () => unreachable, log: (level, message, details) => logged.push({ level, message, waitedMs: details?.waitedMs }) }, masterInfo(5050));
    await clock.advance(ZOOKEEPER_UNREACHABLE_WARNING_MS - 1);
    expect(logged).to.deep.equal([]);
    await clock.advance(1 + ZOOKEEPER_UNREACHABLE_WARNING_MS);
    const line = 'cannot reach ZooKeeper at sim:2181: is it running there, and is the --zk URL right? still trying';
    expect(logged).to.deep.equal([1, 2].map((n) => ({ level: 'warn', message: line, waitedMs: n * ZOOKEEPER_UNREACHABLE_WARNING_MS })));
    await contender.withdraw();
    await clock.advance(3 * ZOOKEEPER_UNREACHABLE_WARNING_MS);
    expect(logged.filter((entry) => entry.message === line)).to.have.length(2);
  });

  it('a contender whose server answers says nothing of it being unreachable', async () => {
    const logged: string[] = [];
    const contender = new ZooKeeperMasterContender({ ...options(), log: (_level, message) => logged.push(message) }, masterInfo(5050));
    await clock.advance(3 * ZOOKEEPER_UNREACHABLE_WARNING_MS);
    expect(contender.state).to.equal('leading');
    expect(logged.filter((message) => message.startsWith('cannot reach ZooKeeper'))).to.deep.equal([]);
    await contender.withdraw();
  });

  describe('MemoryZooKeeper', () => {
    it('versioned setData refuses a stale version; multi applies all or nothing', async () => {
      const client = zk.connect(URL, { sessionTimeoutMs: SESSION_MS });
      await clock.advance(10);
      await answered(client.mkdirp('/a/b'));
      const version = await answered(client.setData('/a/b', Buffer.from('x'), 0));
      expect(version).to.equal(1);
      const stale = await answered(failureOf(client.setData('/a/b', Buffer.from('y'), 0)));
      expect(isZooKeeperError(stale, 'BAD_VERSION')).to.equal(true);
      const failed = await answered(failureOf(client.multi([
        { type: 'create', path: '/a/b/c', data: Buffer.from('1') },
        { type: 'check', path: '/a/b', version: 0 },
      ])));
      expect(isZooKeeperError(failed, 'BAD_VERSION')).to.equal(true);
      expect(zk.childrenOf('/a/b')).to.deep.equal([]);
      await answered(client.multi([{ type: 'create', path: '/a/b/c', data: Buffer.from('1') }, { type: 'setData', path: '/a/b', data: Buffer.from('z'), version: 1 }]));
      expect(zk.childrenOf('/a/b')).to.deep.equal(['c']);
      expect(zk.dataOf('/a/b')).to.equal('z');
    });

    it('a partitioned client goes disconnected at 2/3 of its timeout; its session expires at the timeout, its ephemeral nodes go, and it learns it on heal', async () => {
      const client = zk.connect(URL, { sessionTimeoutMs: SESSION_MS });
      const states: string[] = [];
      client.onStateChange((state) => states.push(state));
      await clock.advance(10);
      await answered(client.mkdirp('/mesos'));
      await answered(client.create('/mesos/e_', Buffer.alloc(0), 'ephemeral-sequential'));
      expect(zk.childrenOf('/mesos')).to.deep.equal(['e_0000000000']);
      zk.partition(client);
      await clock.advance(SESSION_MS * 2 / 3 + 1);
      expect(states).to.deep.equal(['connected', 'disconnected']);
      expect(zk.childrenOf('/mesos')).to.have.length(1);
      expect(isZooKeeperError(await answered(failureOf(client.getChildren('/mesos'))), 'CONNECTION_LOSS')).to.equal(true);
      await clock.advance(SESSION_MS / 3);
      expect(zk.childrenOf('/mesos')).to.deep.equal([]);
      zk.heal(client);
      await clock.advance(10);
      expect(states).to.deep.equal(['connected', 'disconnected', 'expired']);
    });

    it('a client closed while cut off says nothing more: its session expires on time, even once the link is back (chaos seed 257 --masters 3)', async () => {
      const client = zk.connect(URL, { sessionTimeoutMs: SESSION_MS });
      await clock.advance(10);
      await answered(client.mkdirp('/mesos'));
      await answered(client.create('/mesos/e_', Buffer.alloc(0), 'ephemeral-sequential'));
      zk.partition(client);
      await clock.advance(SESSION_MS * 2 / 3 + 1);
      await client.close();
      zk.heal(client);
      await clock.advance(SESSION_MS / 2);
      expect(zk.childrenOf('/mesos')).to.deep.equal([]);
    });

    it('a cut-off session is not expired early: it expires when its timeout has passed (chaos seed 3013 --masters 3)', async () => {
      const client = zk.connect(URL, { sessionTimeoutMs: SESSION_MS });
      await clock.advance(10);
      await answered(client.mkdirp('/mesos'));
      await answered(client.create('/mesos/e_', Buffer.alloc(0), 'ephemeral-sequential'));
      zk.partition(client);
      await clock.advance(1_000);
      zk.expire(client);
      await clock.advance(1_000);
      expect(zk.childrenOf('/mesos'), 'before the timeout').to.have.length(1);
      await clock.advance(SESSION_MS);
      expect(zk.childrenOf('/mesos'), 'after it').to.deep.equal([]);
    });

    it('a watch fired while a client is cut off, before it notices, is delivered once the link is back (chaos seed 30 --masters 3 --agent-recovery)', async () => {
      const watcher = zk.connect(URL, { sessionTimeoutMs: SESSION_MS });
      const other = zk.connect(URL, { sessionTimeoutMs: SESSION_MS });
      await clock.advance(10);
      await answered(other.mkdirp('/mesos'));
      await answered(other.create('/mesos/e_', Buffer.alloc(0), 'ephemeral-sequential'));
      const fired: number[] = [];
      await answered(watcher.getChildren('/mesos', () => fired.push(clock.now())));
      zk.partition(watcher);
      await clock.advance(1_000);
      await other.close(); // its node goes: the watch fires while the link is cut
      await clock.advance(1_000);
      expect(fired, 'while cut off').to.deep.equal([]);
      zk.heal(watcher); // well before 2/3 of the timeout: the client never noticed, it stays connected
      await clock.advance(10);
      expect(watcher.state).to.equal('connected');
      expect(fired, 'once the link is back').to.have.length(1);
    });

    it('a link cut while an answer travels loses the answer, not the change (the ambiguous outcome)', async () => {
      const client = zk.connect(URL, { sessionTimeoutMs: SESSION_MS });
      await clock.advance(10);
      const created = failureOf(client.create('/x', Buffer.from('1')));
      await clock.advance(1); // applied
      zk.partition(client);
      await clock.advance(1);
      const error = await created;
      expect(error).to.be.instanceOf(ZooKeeperError);
      expect(isZooKeeperError(error, 'CONNECTION_LOSS')).to.equal(true);
      expect(zk.dataOf('/x')).to.equal('1');
    });
  });

  it('the lowest json.info_ sequence leads; other children are ignored', () => {
    expect(leadingChild(['json.info_0000000003', 'info_0000000001', 'json.info_0000000002', 'log_1'])).to.equal('json.info_0000000002');
    expect(leadingChild(['json.info_x', 'other'])).to.equal(undefined);
  });

  it("three contenders: the first leads, publishing its MasterInfo as Mesos' JSON; detectors follow it, then its successor when it withdraws", async () => {
    const a = contend(5050);
    await clock.advance(10);
    const b = contend(5051);
    const c = contend(5052);
    const detector = new ZooKeeperMasterDetector(options());
    const seen: Array<string | undefined> = [];
    detector.onChange((leader: DetectedMaster | undefined) => seen.push(leader?.pid));
    await clock.advance(100);
    expect(a.events).to.deep.equal(['elected']);
    expect(b.events).to.deep.equal([]);
    expect(c.events).to.deep.equal([]);
    expect(zk.childrenOf('/mesos')).to.deep.equal([`${MASTER_INFO_LABEL}0000000000`, `${MASTER_INFO_LABEL}0000000001`, `${MASTER_INFO_LABEL}0000000002`]);
    // Mesos' MasterInfo JSON (a hostile review: Mesos' own detector could not parse `"ip":"127.0.0.1"`).
    expect(JSON.parse(zk.dataOf(`/mesos/${MASTER_INFO_LABEL}0000000000`) ?? '')).to.deep.equal({
      id: 'm5050', ip: 16777343, port: 5050, pid: 'master@127.0.0.1:5050', hostname: 'localhost', version: '1.11.0',
      address: { hostname: 'localhost', ip: '127.0.0.1', port: 5050 },
    });
    expect(b.contender.leader?.info).to.deep.equal(masterInfo(5050));
    expect(b.contender.leader?.pid).to.equal('master@127.0.0.1:5050');
    expect(seen).to.deep.equal(['master@127.0.0.1:5050']);

    await a.contender.withdraw();
    await clock.advance(100);
    expect(a.events).to.deep.equal(['elected', 'lost: withdrawn']);
    expect(b.events).to.deep.equal(['elected']);
    expect(c.events).to.deep.equal([]);
    expect(seen).to.deep.equal(['master@127.0.0.1:5050', 'master@127.0.0.1:5051']);
    await detector.close();
  });

  it('a leader cut off from ZooKeeper steps down when it notices (2/3 of the timeout), before its session expires and anyone else is elected', async () => {
    const a = contend(5050);
    await clock.advance(10);
    const b = contend(5051);
    await clock.advance(100);
    const lostAt: number[] = [];
    const electedAt: number[] = [];
    a.contender.onLost(() => lostAt.push(clock.now()));
    b.contender.onElected(() => electedAt.push(clock.now()));
    // The simulated client behind the contender is the first session.
    const start = clock.now();
    zk.partition(clientOf(a.contender));
    await clock.advance(SESSION_MS + 1_000);
    expect(a.contender.state).to.equal('lost');
    expect(b.contender.state).to.equal('leading');
    expect(lostAt).to.have.length(1);
    expect(electedAt).to.have.length(1);
    expect(lostAt[0]! - start).to.be.at.most(SESSION_MS * 2 / 3 + 10);
    expect(electedAt[0]! - start).to.be.at.least(SESSION_MS);
  });

  it('a contender cut off briefly while the leader goes is elected once its link is back (chaos seed 30 --masters 3 --agent-recovery)', async () => {
    const a = contend(5050);
    await clock.advance(10);
    const b = contend(5051);
    await clock.advance(100);
    // b is cut off for less than 2/3 of its timeout: it never notices, and is connected throughout.
    zk.partition(clientOf(b.contender));
    await clock.advance(1_000);
    await a.contender.withdraw();
    await clock.advance(1_000);
    zk.heal(clientOf(b.contender));
    await clock.advance(100);
    expect(b.events).to.deep.equal(['elected']);
    expect(b.contender.state).to.equal('leading');
  });

  it('a leader whose session is expired by the server steps down; the detector reports the next leader', async () => {
    const a = contend(5050);
    await clock.advance(10);
    const b = contend(5051);
    const detector = new ZooKeeperMasterDetector(options());
    await clock.advance(100);
    zk.expire(clientOf(a.contender));
    await clock.advance(100);
    expect(a.events).to.deep.equal(['elected', 'lost: the ZooKeeper session expired']);
    expect(b.events).to.deep.equal(['elected']);
    expect(detector.leader?.pid).to.equal('master@127.0.0.1:5051');
  });

  it('a detector whose own session expires reports no leader, opens a new session and finds the leader again', async () => {
    contend(5050);
    const detector = new ZooKeeperMasterDetector(options());
    const seen: Array<string | undefined> = [];
    detector.onChange((leader) => seen.push(leader?.pid));
    await clock.advance(100);
    zk.expire(clientOf(detector));
    await clock.advance(5_000);
    expect(seen).to.deep.equal(['master@127.0.0.1:5050', undefined, 'master@127.0.0.1:5050']);
  });

  it('a detector creates the masters\' path only when it is missing, not at each read (each create is a write ZooKeeper logs)', async () => {
    const created: string[] = [];
    const counting: ZooKeeperConnector = (url, connectOptions) => {
      const client = zk.connect(url, connectOptions);
      const mkdirp = client.mkdirp.bind(client);
      client.mkdirp = (path) => { created.push(path); return mkdirp(path); };
      return client;
    };
    const detector = new ZooKeeperMasterDetector({ ...options(), connect: counting });
    const seen: Array<string | undefined> = [];
    detector.onChange((leader) => seen.push(leader?.pid));
    await clock.advance(100);
    expect(created).to.deep.equal(['/mesos']); // no master had contended yet
    const a = contend(5050);
    await clock.advance(100);
    const b = contend(5051);
    await clock.advance(100);
    await a.contender.withdraw();
    await clock.advance(100);
    await b.contender.withdraw();
    await clock.advance(100);
    expect(seen).to.deep.equal(['master@127.0.0.1:5050', 'master@127.0.0.1:5051', undefined]);
    expect(created).to.deep.equal(['/mesos']);
    await detector.close();
  });

  it("reads a Mesos master's znode (address, packed ip, extra fields), the older form, and says what is wrong with others", () => {
    // As a Mesos 1.11 master writes it (JSON::protobuf of MasterInfo).
    const mesos = {
      id: 'c2d4-9b1f', ip: 83886090, port: 5050, pid: 'master@10.0.0.5:5050', hostname: 'm1.example.com', version: '1.11.0',
      address: { hostname: 'm1.example.com', ip: '10.0.0.5', port: 5050 }, capabilities: [{ type: 'AGENT_UPDATE' }],
    };
    const expected: MasterInfo = { id: 'c2d4-9b1f', ip: '10.0.0.5', port: 5050, pid: 'master@10.0.0.5:5050', hostname: 'm1.example.com', version: '1.11.0' };
    expect(parseMasterInfo(Buffer.from(JSON.stringify(mesos)))).to.deep.equal(expected);
    // Before `address` (Mesos < 0.24): the packed ip; no pid, host name or version: made from what is there.
    expect(parseMasterInfo(Buffer.from(JSON.stringify({ id: 'old', ip: 83886090, port: 5050 })))).to.deep.equal({
      id: 'old', ip: '10.0.0.5', port: 5050, pid: 'master@10.0.0.5:5050', hostname: '10.0.0.5', version: '',
    });
    // The form this project's masters wrote before (a rolling upgrade has both).
    expect(parseMasterInfo(Buffer.from(JSON.stringify(expected)))).to.deep.equal(expected);
    expect(parseMasterInfo(Buffer.from(JSON.stringify({ ...mesos, address: undefined, ip: -1 })))).to.match(/^not a MasterInfo: ip must be an IPv4 address packed in a number/);
    expect(parseMasterInfo(Buffer.from(JSON.stringify({ ...mesos, address: 'x' })))).to.equal('not a MasterInfo: address must be an object');
    expect(parseMasterInfo(Buffer.from(JSON.stringify({ ...mesos, id: 7 })))).to.match(/^not a MasterInfo: id /);
  });

  it('a znode that does not hold a MasterInfo leads no one (and is not trusted)', async () => {
    const rogue = zk.connect(URL, { sessionTimeoutMs: SESSION_MS });
    await clock.advance(10);
    await answered(rogue.mkdirp('/mesos'));
    await answered(rogue.create(`/mesos/${MASTER_INFO_LABEL}`, Buffer.from('{"pid": 5}'), 'ephemeral-sequential'));
    const detector = new ZooKeeperMasterDetector(options());
    await clock.advance(100);
    expect(detector.leader).to.equal(undefined);
  });
});

/** The simulated client a contender or detector holds (tests reach into it to inject faults). */
function clientOf(owner: ZooKeeperMasterContender | ZooKeeperMasterDetector): Parameters<MemoryZooKeeper['partition']>[0] {
  const client = (owner as unknown as { client: Parameters<MemoryZooKeeper['partition']>[0] }).client;
  if (client === undefined) throw new Error('no client');
  return client;
}
