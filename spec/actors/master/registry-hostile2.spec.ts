/**
 * A hostile review of what the registry finds in its store at start (a file by hand, a log with
 * lines gone, a newer format, parts a fenced master left in ZooKeeper). The rule, as Mesos'
 * registrar's: no acknowledged change is lost, and a registry the master cannot read whole stops
 * it with a message naming the store and the problem, never a silent start on less.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryZooKeeper } from '../../../lib/ha/memory-zookeeper';
import { parseZooKeeperUrl, type ZooKeeperClient } from '../../../lib/ha/zookeeper';
import { VirtualClock } from '../../../lib/process';
import type { AgentInfo } from '../../../lib/protocol';
import { Registry, REGISTRY_FILE_NAME, registryLogPathOf, type RegistryAgent } from '../../../actors/master';
import { ZooKeeperRegistryStore } from '../../../actors/master/registry-zookeeper';
import { cleanUp, makeWorkDir } from './harness';

function registryAgent(id: string, hostname = `${id}.local`): RegistryAgent {
  return { id, info: { id, hostname, port: 5051, resources: [] } };
}

/** What loading `file` ends in: the agents' ids, or the error's message. */
async function loadOutcome(file: string): Promise<string[] | string> {
  return Registry.load(file).then((registry) => registry.agents().map((agent) => agent.id), (error: Error) => error.message);
}

describe('actors/master/registry (hostile review 2)', () => {
  afterEach(cleanUp);

  describe('the file', () => {
    it('refuses a log with a batch missing (a line cut out) rather than replaying around it and compacting the loss in', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = await Registry.load(file);
      for (const id of ['S1', 'S2', 'S3']) await registry.admit(registryAgent(id));
      const lines = fs.readFileSync(registryLogPathOf(file), 'utf8').split('\n');
      fs.writeFileSync(registryLogPathOf(file), [lines[0], lines[2], ''].join('\n'));
      expect(await loadOutcome(file)).to.match(/^registry .*registry\.json is missing logged batches: after batch 1 its log has batch 3/);
      // Refused, not compacted over: with the line put back, everything is there.
      fs.writeFileSync(registryLogPathOf(file), lines.join('\n'));
      expect(await loadOutcome(file)).to.deep.equal(['S1', 'S2', 'S3']);
    });

    it('refuses an older snapshot put back under a newer log (the batches between are gone)', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = await Registry.load(file);
      const backup = fs.readFileSync(file, 'utf8'); // seq 0
      await registry.admit(registryAgent('S1'));
      await Registry.load(file); // compacts: the snapshot holds seq 1, the log is empty
      const reopened = await Registry.load(file);
      await reopened.admit(registryAgent('S2')); // logged as batch 2
      fs.writeFileSync(file, backup);
      expect(await loadOutcome(file)).to.match(/is missing logged batches: after batch 0 its log has batch 2/);
    });

    it('names the format version of a registry it cannot read (a newer master\'s), not only the field', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      fs.writeFileSync(file, JSON.stringify({ version: 3, agents: [], unreachable: [] }));
      expect(await loadOutcome(file)).to.match(/has format version 3, which this master cannot read \(it reads 1 and 2\)/);
      fs.writeFileSync(file, JSON.stringify({ version: '2', agents: [], unreachable: [] }));
      expect(await loadOutcome(file)).to.match(/has format version "2"/);
    });

    it('names the file it cannot read (a directory where the log should be was Node\'s bare "EISDIR: illegal operation on a directory, read")', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      await Registry.load(file);
      fs.rmSync(registryLogPathOf(file));
      fs.mkdirSync(registryLogPathOf(file));
      expect(await loadOutcome(file)).to.match(/^cannot read the registry .*registry\.json\.log: EISDIR/);
    });

    it('refuses a snapshot with a field it does not know rather than dropping it from the snapshot it compacts at start', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const written = { version: 2, seq: 0, agents: [], unreachable: [], resourceProviders: [{ id: 'rp1' }] };
      fs.writeFileSync(file, JSON.stringify(written));
      expect(await loadOutcome(file)).to.match(/^registry .*registry\.json has a field this master does not know \('resourceProviders'\): a later release's registry, or a hand edit\?$/);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).to.deep.equal(written);
    });

    it('refuses an empty or truncated snapshot, naming the file', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = await Registry.load(file);
      await registry.admit(registryAgent('S1'));
      await Registry.load(file);
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
      expect(await loadOutcome(file)).to.match(/^registry .*registry\.json is not JSON/);
      fs.writeFileSync(file, '');
      expect(await loadOutcome(file)).to.match(/^registry .*registry\.json is not JSON/);
    });
  });

  describe('in ZooKeeper', () => {
    const URL = parseZooKeeperUrl('zk://sim:2181/mesos');
    const info = (hostname: string): AgentInfo => ({ hostname, port: 5051, resources: [] });
    let clock: VirtualClock;
    let zk: MemoryZooKeeper;

    beforeEach(() => {
      clock = new VirtualClock({ simulated: true });
      zk = new MemoryZooKeeper(clock, { latencyMs: 0 });
    });

    async function open(partBytes: number): Promise<Registry> {
      const client: ZooKeeperClient = zk.connect(URL, { sessionTimeoutMs: 10_000 });
      await clock.settle();
      return Registry.open(new ZooKeeperRegistryStore(client, '/mesos', undefined, partBytes), { clock });
    }

    it('a batch in parts that a fenced master left under the same seq is never read as the leader\'s acknowledged one', async () => {
      const PART_BYTES = 100;
      const old = await open(PART_BYTES);
      const current = await open(PART_BYTES); // fences `old`
      let oldAcknowledged = false;
      // `old` writes its batch 1 in two parts, then fails to move the meta node: fenced, its parts left behind.
      void old.admit({ id: 'OLD', info: info('o'.repeat(60)) }).then(() => { oldAcknowledged = true; });
      await clock.settle();
      expect(old.fenced).to.equal(true);
      // The leader's batch 1, acknowledged, in three parts.
      await current.admit({ id: 'NEW', info: info('n'.repeat(160)) });
      expect(oldAcknowledged).to.equal(false);
      const logs = zk.childrenOf('/mesos/registry').filter((name) => name.startsWith('log-1-'));
      expect(logs.filter((name) => name.endsWith('-of-2')), logs.join(' ')).to.have.length(2);
      expect(logs.filter((name) => name.endsWith('-of-3')), logs.join(' ')).to.have.length(3);
      const third = await open(PART_BYTES);
      expect(third.agents().map((agent) => agent.id)).to.deep.equal(['NEW']);
    });
  });
});
