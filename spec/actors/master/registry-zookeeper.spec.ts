import { expect } from 'chai';
import { MemoryZooKeeper } from '../../../lib/ha/memory-zookeeper';
import { parseZooKeeperUrl, type ZooKeeperClient } from '../../../lib/ha/zookeeper';
import { VirtualClock } from '../../../lib/process';
import type { AgentInfo } from '../../../lib/protocol';
import { Registry } from '../../../actors/master/registry';
import { splitText, ZooKeeperRegistryStore } from '../../../actors/master/registry-zookeeper';

const URL = parseZooKeeperUrl('zk://sim:2181/mesos');

function info(hostname: string): AgentInfo {
  return { hostname, port: 5051, resources: [] };
}

describe('actors/master/registry-zookeeper: the registry in ZooKeeper', () => {
  let clock: VirtualClock;
  let zk: MemoryZooKeeper;

  beforeEach(() => {
    clock = new VirtualClock({ simulated: true });
    zk = new MemoryZooKeeper(clock, { latencyMs: 0 });
  });

  async function session(): Promise<ZooKeeperClient> {
    const client = zk.connect(URL, { sessionTimeoutMs: 10_000 });
    await clock.settle();
    return client;
  }

  async function open(client: ZooKeeperClient, partBytes?: number): Promise<Registry> {
    return Registry.open(new ZooKeeperRegistryStore(client, '/mesos', undefined, partBytes), { clock });
  }

  it('keeps admitted, updated, unreachable and removed agents across masters (snapshot and log)', async () => {
    const first = await open(await session());
    await first.admit({ id: 'S1', info: info('a') });
    await first.admit({ id: 'S2', info: info('b') });
    await first.update('S1', info('a2'));
    await first.markUnreachable(['S2'], 1_000);
    await first.admit({ id: 'S3', info: info('c') });
    await first.remove('S3');
    const logs = zk.childrenOf('/mesos/registry').filter((name) => name.startsWith('log-'));
    expect(logs).to.have.length(6); // one znode per write: O(changes)
    const second = await open(await session());
    expect(second.agents().map((agent) => [agent.id, agent.info.hostname])).to.deep.equal([['S1', 'a2']]);
    expect(second.unreachable()).to.deep.equal([{ id: 'S2', timeMs: 1_000 }]);
    // Opening compacted: one snapshot, no logs left.
    await clock.settle();
    expect(zk.childrenOf('/mesos/registry').filter((name) => name.startsWith('log-'))).to.deep.equal([]);
  });

  it('splits a snapshot and a batch larger than a znode into parts, and reads them back', async () => {
    const registry = await open(await session(), 1_000);
    await Promise.all(Array.from({ length: 40 }, (_, index) => registry.admit({ id: `S${index}`, info: info(`host-${index}-${'x'.repeat(40)}`) })));
    const parts = zk.childrenOf('/mesos/registry');
    expect(parts.some((name) => /^log-\d+-.+-\d+-of-([2-9]|\d\d+)$/.test(name)), parts.join(' ')).to.equal(true);
    const reopened = await open(await session(), 1_000);
    expect(reopened.agents()).to.have.length(40);
    await clock.settle();
    expect(zk.childrenOf('/mesos/registry').filter((name) => name.startsWith('snapshot-')).length).to.be.greaterThan(1);
    const again = await open(await session(), 1_000);
    expect(again.agents()).to.have.length(40);
  });

  it('a master that opened the registry fences the one before: its next write fails for good, and nothing more is acknowledged', async () => {
    const old = await open(await session());
    await old.admit({ id: 'S1', info: info('a') });
    const fenced: string[] = [];
    old.onFenced = (error) => fenced.push(error.message);
    const current = await open(await session());
    let acknowledged = false;
    void old.admit({ id: 'S2', info: info('b') }).then(() => { acknowledged = true; });
    await clock.advance(60_000);
    expect(fenced).to.have.length(1);
    expect(fenced[0]).to.match(/another master has written the registry/);
    expect(old.fenced).to.equal(true);
    expect(acknowledged).to.equal(false);
    await current.admit({ id: 'S3', info: info('c') });
    const third = await open(await session());
    expect(third.agents().map((agent) => agent.id)).to.deep.equal(['S1', 'S3']);
  });

  it('a write whose answer was lost is retried as a compaction by the same master (not mistaken for another writer)', async () => {
    zk = new MemoryZooKeeper(clock, { latencyMs: 1 });
    const client = zk.connect(URL, { sessionTimeoutMs: 10_000 });
    await clock.advance(5);
    const opening = open(client);
    await clock.advance(100);
    const registry = await opening;
    const failures: string[] = [];
    registry.onWriteFailure = (error) => failures.push(error.message);
    let done = false;
    void registry.admit({ id: 'S1', info: info('a') }).then(() => { done = true; });
    await clock.advance(1); // the multi is applied...
    zk.partition(client); // ...and its answer lost
    await clock.advance(2);
    zk.heal(client);
    await clock.advance(60_000);
    expect(failures.length).to.be.greaterThan(0);
    expect(done).to.equal(true);
    expect(registry.fenced).to.equal(false);
    const other = zk.connect(URL, { sessionTimeoutMs: 10_000 });
    await clock.advance(5);
    const reading = open(other);
    await clock.advance(100);
    expect((await reading).agents().map((agent) => agent.id)).to.deep.equal(['S1']);
  });

  it('a new master reads the logged batches all at once, not one round trip after another (its load races every detector re-reading ZooKeeper)', async () => {
    zk = new MemoryZooKeeper(clock, { latencyMs: 1 });
    const writer = zk.connect(URL, { sessionTimeoutMs: 10_000 });
    await clock.advance(5);
    const opening = open(writer);
    await clock.advance(100);
    const registry = await opening;
    for (let index = 0; index < 40; index++) {
      const admitted = registry.admit({ id: `S${index}`, info: info(`host-${index}`) });
      await clock.advance(10);
      await admitted;
    }
    expect(zk.childrenOf('/mesos/registry').filter((name) => name.startsWith('log-'))).to.have.length(40);
    const reader = zk.connect(URL, { sessionTimeoutMs: 10_000 });
    await clock.advance(5);
    let loaded: Awaited<ReturnType<ZooKeeperRegistryStore['load']>> | undefined;
    void new ZooKeeperRegistryStore(reader, '/mesos').load().then((stored) => { loaded = stored; });
    const startMs = clock.now();
    while (loaded === undefined && clock.now() - startMs < 1_000) await clock.advance(1);
    // mkdirp, the meta node, the children, then the 40 batches together: a handful of 1 ms round trips, not 40.
    expect(clock.now() - startMs).to.be.at.most(10);
    expect(loaded?.batches.flatMap((batch) => batch.ops.map((op) => (op.type === 'admit' ? op.agent.id : op.type)))).to.deep.equal(Array.from({ length: 40 }, (_, index) => `S${index}`));
  });

  it('splitText: parts of at most the given bytes that join back, never splitting a surrogate pair', () => {
    const text = `${'a'.repeat(10)}é😀${'b'.repeat(7)}😀`;
    const parts = splitText(text, 5);
    expect(parts.join('')).to.equal(text);
    for (const part of parts) expect(Buffer.byteLength(part)).to.be.at.most(5);
    for (const part of parts) expect(Buffer.from(part).toString()).to.equal(part);
    expect(splitText('', 5)).to.deep.equal(['']);
  });
});
