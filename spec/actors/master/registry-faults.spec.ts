/**
 * The registry on a memory disk whose writes fail or take (virtual) time, and what the master
 * does then. The rules under test: a change is acknowledged only once it is durable, and a
 * failed write is retried (after a backoff, in virtual time) until it is.
 */
import { expect } from 'chai';
import { captureLogger } from '../../../lib/logging';
import { MemoryDisk, SIMULATED_WRITE_ERROR } from '../../../lib/disk';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { defaultMasterFlags, Registry, REGISTRY_FILE_NAME, registryPathOf, startMaster, type MasterFlags, type RegistryAgent } from '../../../actors/master';
import { REGISTRY_RETRY_INITIAL_MS } from '../../../actors/master/constants';
import { memoryHost } from '../../support/runtime';
import {
  agentInfo, agentUpdate, all, commandTask, FakeAgent, last, latestOffer, launch, masterState, registerAgent, registerFramework, statesOf,
  type Harness,
} from './harness';

/** The master's work dir on its memory disk. */
const WORK_DIR = '/master';
/** The registry file on that disk. */
const REGISTRY_PATH = `${WORK_DIR}/${REGISTRY_FILE_NAME}`;

type Json = Record<string, unknown>;

const hosts: ActorHost[] = [];

/** A master whose registry is on a memory disk, under a simulated clock (a slow write waits on virtual time). */
async function startOnMemoryDisk(flags: Partial<MasterFlags> = {}): Promise<{ harness: Harness; disk: MemoryDisk }> {
  const clock = new VirtualClock({ simulated: true });
  const captured = captureLogger();
  const host = memoryHost({ clock, logger: captured.logger, seed: 7 });
  hosts.push(host);
  const disk = new MemoryDisk(clock);
  const allFlags: MasterFlags = { ...defaultMasterFlags(WORK_DIR), checkAllocatorInvariants: true, ...flags };
  const handle = await startMaster({ flags: allFlags, host, registry: await Registry.load(registryPathOf(allFlags), { disk, clock }) });
  await clock.settle();
  return { harness: { clock, host, handle, workDir: WORK_DIR, flags: allFlags, captured, masterPid: handle.pid }, disk };
}

function registryAgent(id: string): RegistryAgent {
  return { id, info: { id, hostname: `${id}.local`, port: 5051, resources: [] } };
}

/** The agents in the master's state: id, pid, connected. */
async function agentsOf(harness: Harness): Promise<Array<{ id: string; pid: string; connected: boolean }>> {
  const slaves = (await masterState(harness)).slaves as Json[];
  return slaves.map((agent) => ({ id: agent.id as string, pid: agent.pid as string, connected: agent.connected as boolean }));
}

/** Long enough for an agent that stops answering pings (the last one it answered included) to be removed. */
function pingTimeoutsMs(harness: Harness): number {
  return harness.flags.agentPingTimeoutMs * (harness.flags.maxAgentPingTimeouts + 1);
}

/** Advances the clock a second at a time until the master logs `text`. */
async function advanceUntilLogged(harness: Harness, text: string): Promise<void> {
  for (let waitedMs = 0; harness.captured.find(text).length === 0; waitedMs += 1_000) {
    if (waitedMs > pingTimeoutsMs(harness)) throw new Error(`the master did not log '${text}'`);
    await harness.clock.advance(1_000);
  }
}

describe('actors/master: registry writes that fail or are slow (memory disk)', () => {
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.stop()));
  });

  describe('the registry over a memory disk', () => {
    it('a failed write acknowledges none of its changes; it is retried after a backoff, and then all are durable', async () => {
      const clock = new VirtualClock({ simulated: true });
      const disk = new MemoryDisk(clock);
      const registry = await Registry.load(REGISTRY_PATH, { disk, clock });
      const failures: Array<{ message: string; retryInMs: number }> = [];
      registry.onWriteFailure = (error, retryInMs) => failures.push({ message: error.message, retryInMs });
      await registry.admit(registryAgent('S1'));
      disk.failNextWrites(2); // the append, then the first retry
      const done: string[] = [];
      const writes = [registry.admit(registryAgent('S2')), registry.remove('S1'), registry.admit(registryAgent('S2'))]
        .map((write, index) => write.then(() => done.push(`ok ${index}`), (error: Error) => done.push(`refused ${index}: ${error.message}`)));
      await clock.settle();
      expect(done).to.deep.equal(['refused 2: agent S2 is already admitted']); // refused at once; the rest waits
      expect(registry.agents().map((agent) => agent.id)).to.deep.equal(['S1']);
      await clock.advance(REGISTRY_RETRY_INITIAL_MS);
      expect(done).to.have.length(1); // the first retry failed too
      await clock.advance(2 * REGISTRY_RETRY_INITIAL_MS);
      await Promise.all(writes);
      expect(done).to.deep.equal(['refused 2: agent S2 is already admitted', 'ok 0', 'ok 1']);
      expect(failures).to.deep.equal([
        { message: `registry write failed: ${SIMULATED_WRITE_ERROR}`, retryInMs: REGISTRY_RETRY_INITIAL_MS },
        { message: `registry write failed: ${SIMULATED_WRITE_ERROR}`, retryInMs: 2 * REGISTRY_RETRY_INITIAL_MS },
      ]);
      expect(registry.agents().map((agent) => agent.id)).to.deep.equal(['S2']);
      expect((await Registry.load(REGISTRY_PATH, { disk, clock })).agents().map((agent) => agent.id)).to.deep.equal(['S2']);
    });

    it('a slow write holds back reads until it is durable, and changes queued meanwhile go in one next write', async () => {
      const clock = new VirtualClock({ simulated: true });
      const disk = new MemoryDisk(clock);
      const registry = await Registry.load(REGISTRY_PATH, { disk, clock });
      const before = disk.writes.completed;
      disk.delayWritesMs(1_000);
      const done: string[] = [];
      const first = registry.admit(registryAgent('S1')).then(() => done.push('S1'));
      const queued = [registry.admit(registryAgent('S2')).then(() => done.push('S2')), registry.admit(registryAgent('S3')).then(() => done.push('S3'))];
      await clock.advance(999);
      expect(registry.isAdmitted('S1')).to.equal(false);
      await clock.advance(1);
      await first;
      expect(done).to.deep.equal(['S1']);
      expect(registry.isAdmitted('S2')).to.equal(false);
      await clock.advance(1_000);
      await Promise.all(queued);
      expect(done).to.deep.equal(['S1', 'S2', 'S3']);
      expect(disk.writes.completed - before).to.equal(2);
    });
  });

  describe('admitting an agent', () => {
    it('a failed admission write is not acknowledged until its retry is durable: no AgentRegistered, no ping, retries ignored meanwhile', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const probe = new FakeAgent('agent-a');
      harness.host.spawn(probe);
      const registration = { agent: agentInfo('cpus:1;mem:512'), version: '0.1.0' };
      disk.failNextWrites(3);
      probe.post(harness.masterPid, 'RegisterAgent', registration);
      await harness.clock.advance(REGISTRY_RETRY_INITIAL_MS * 3); // the append and two retries fail
      probe.post(harness.masterPid, 'RegisterAgent', registration); // the agent retries: its admission is in progress
      await harness.clock.settle();
      expect(all(probe, 'AgentRegistered')).to.have.length(0);
      expect(all(probe, 'Ping'), 'not pinged: the master has no such agent yet').to.have.length(0);
      expect(harness.handle.registry.agents()).to.deep.equal([]);
      expect(await agentsOf(harness)).to.deep.equal([]);
      expect(harness.captured.find('registry write failed; retrying').map((line) => line.level)).to.deep.equal([50, 50, 50]); // error level
      expect(harness.captured.find('admission already in progress')).to.have.length(1);
      await harness.clock.advance(REGISTRY_RETRY_INITIAL_MS * 4); // the third retry succeeds
      const registered = all(probe, 'AgentRegistered').map((message) => (message.body as { agentId: string }).agentId);
      expect(registered).to.have.length(1);
      expect(registered[0]).to.match(/-S0$/);
      expect(harness.handle.registry.agents().map((agent) => agent.id)).to.deep.equal(registered);
    });

    it('a slow admission write: AgentRegistered only once it is durable, in virtual time', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const probe = new FakeAgent('agent-a');
      harness.host.spawn(probe);
      disk.delayWritesMs(3_000);
      probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:512'), version: '0.1.0' });
      await harness.clock.advance(2_999);
      expect(all(probe, 'AgentRegistered')).to.have.length(0);
      expect(disk.writes.inFlight).to.equal(1);
      await harness.clock.advance(1);
      expect(all(probe, 'AgentRegistered')).to.have.length(1);
      expect(harness.handle.registry.agents()).to.have.length(1);
    });
  });

  describe('removing an agent', () => {
    it('a failed unreachable mark is retried: frameworks hear of the loss only once it is durable', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)]);
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
      agent.probe.answerPings = false;
      disk.failNextWrites(1);
      await advanceUntilLogged(harness, 'registry write failed; retrying');
      expect(all(framework.probe, 'LostAgent')).to.have.length(0);
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_RUNNING']);
      expect(harness.handle.registry.isAdmitted(agent.agentId)).to.equal(true);
      await harness.clock.advance(REGISTRY_RETRY_INITIAL_MS);
      expect(all(framework.probe, 'LostAgent')).to.have.length(1);
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_RUNNING', 'TASK_LOST']);
      expect(harness.handle.registry.unreachable().map((marked) => marked.id)).to.deep.equal([agent.agentId]);
      expect(await agentsOf(harness)).to.deep.equal([]);
    });

    it('a slow unreachable mark: frameworks hear of the loss only once it is durable', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness);
      agent.probe.answerPings = false;
      disk.delayWritesMs(20_000);
      await advanceUntilLogged(harness, 'removing agent'); // the health check gave up: the mark is being written
      await harness.clock.advance(19_999);
      expect(all(framework.probe, 'LostAgent')).to.have.length(0);
      expect(await agentsOf(harness)).to.have.length(1);
      await harness.clock.advance(1);
      expect(all(framework.probe, 'LostAgent')).to.have.length(1);
      expect(await agentsOf(harness)).to.have.length(0);
    });

    it('an agent registering anew at the address of a disconnected one whose removal fails: neither happens until the retry makes the removal durable, then the new one is admitted', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const old = await registerAgent(harness);
      const pid = old.probe.self().toString();
      harness.host.injectExited(harness.masterPid, old.probe.self()); // the link breaks: the old agent is disconnected
      await harness.clock.settle();
      const registration = { agent: agentInfo('cpus:2;mem:1024'), version: '0.1.0' };
      disk.failNextWrites(1); // the removal of the old agent fails
      old.probe.post(harness.masterPid, 'RegisterAgent', registration);
      await harness.clock.settle();
      // Before, the new agent was admitted at once and both records sat at one pid (the old one's
      // health checks reaching the new agent). Now the admission waits for the removal.
      expect(all(old.probe, 'AgentRegistered').map((message) => (message.body as { agentId: string }).agentId)).to.deep.equal([old.agentId]);
      expect(await agentsOf(harness)).to.deep.equal([{ id: old.agentId, pid, connected: false }]);
      expect(harness.handle.registry.agents().map((agent) => agent.id)).to.deep.equal([old.agentId]);
      await harness.clock.advance(REGISTRY_RETRY_INITIAL_MS);
      const fresh = (last(old.probe, 'AgentRegistered')?.body as { agentId: string }).agentId;
      expect(fresh).to.not.equal(old.agentId);
      expect(await agentsOf(harness)).to.deep.equal([{ id: fresh, pid, connected: true }]);
      expect(harness.handle.registry.agents().map((agent) => agent.id)).to.deep.equal([fresh]);
    });

    it('a RegisterAgent while the old agent at that address is being removed (a slow write) is ignored; the agent retries', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const old = await registerAgent(harness);
      harness.host.injectExited(harness.masterPid, old.probe.self());
      await harness.clock.settle();
      disk.delayWritesMs(3_000);
      const registration = { agent: agentInfo('cpus:2;mem:1024'), version: '0.1.0' };
      old.probe.post(harness.masterPid, 'RegisterAgent', registration);
      await harness.clock.advance(1_000);
      old.probe.post(harness.masterPid, 'RegisterAgent', registration); // a retry while the removal is written
      await harness.clock.advance(1_000);
      expect(harness.captured.find('the agent at this address is being removed')).to.have.length(1);
      await harness.clock.advance(10_000); // the removal, then the admission that waited for it
      const ids = all(old.probe, 'AgentRegistered').map((message) => (message.body as { agentId: string }).agentId);
      expect(ids).to.have.length(2);
      expect(harness.handle.registry.agents().map((agent) => agent.id)).to.deep.equal([ids[1]]);
      expect((await agentsOf(harness)).map((agent) => agent.id)).to.deep.equal([ids[1]]);
    });
  });

  describe('re-admitting an agent that was marked unreachable', () => {
    it('a failed re-admission write is not acknowledged until its retry is durable: no AgentReregistered, still unreachable; retries ignored meanwhile', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096');
      agent.probe.answerPings = false;
      await harness.clock.advance(pingTimeoutsMs(harness));
      expect(harness.handle.registry.unreachable().map((marked) => marked.id)).to.deep.equal([agent.agentId]);
      const comeback = {
        agent: agentInfo('cpus:4;mem:4096', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [],
      };
      disk.failNextWrites(1);
      agent.probe.post(harness.masterPid, 'ReregisterAgent', comeback);
      await harness.clock.settle();
      agent.probe.post(harness.masterPid, 'ReregisterAgent', comeback); // the agent retries while the write is retried
      await harness.clock.settle();
      expect(all(agent.probe, 'AgentReregistered')).to.have.length(0);
      expect(harness.captured.find('ignoring ReregisterAgent: the agent is being removed or re-admitted')).to.have.length(1);
      expect(harness.handle.registry.unreachable().map((marked) => marked.id)).to.deep.equal([agent.agentId]);
      expect(await agentsOf(harness)).to.deep.equal([]);
      await harness.clock.advance(REGISTRY_RETRY_INITIAL_MS);
      expect(all(agent.probe, 'AgentReregistered')).to.have.length(1);
      expect(harness.handle.registry.unreachable()).to.deep.equal([]);
      expect(harness.handle.registry.isAdmitted(agent.agentId)).to.equal(true);
    });
  });

  describe('re-registering an agent with new info', () => {
    it('new info is durable before AgentReregistered: while its write is retried nothing changes, then everything does', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      // New attributes (a new host name or IP is refused, as in Mesos: see agents.spec.ts).
      const agent = await registerAgent(harness, 'cpus:4;mem:4096', 'agent.local');
      harness.host.injectExited(harness.masterPid, agent.probe.self());
      await harness.clock.settle();
      const comeback = {
        agent: { ...agentInfo('cpus:4;mem:4096', 'agent.local', agent.agentId), attributes: { rack: 'r2' } }, version: '0.1.0', tasks: [], executors: [], frameworks: [],
      };
      disk.failNextWrites(1);
      agent.probe.post(harness.masterPid, 'ReregisterAgent', comeback);
      await harness.clock.settle();
      expect(all(agent.probe, 'AgentReregistered')).to.have.length(0);
      const racks = (): unknown[] => harness.handle.registry.agents().map((admitted) => admitted.info.attributes);
      expect(racks()).to.deep.equal([{ rack: 'r1' }]);
      const slaves = (): Promise<Json[]> => masterState(harness).then((state) => (state.slaves as Json[]).map((slave) => ({ attributes: slave.attributes, connected: slave.connected })));
      expect(await slaves()).to.deep.equal([{ attributes: { rack: 'r1' }, connected: false }]);
      await harness.clock.advance(REGISTRY_RETRY_INITIAL_MS);
      expect(all(agent.probe, 'AgentReregistered')).to.have.length(1);
      expect(racks()).to.deep.equal([{ rack: 'r2' }]);
      expect(await slaves()).to.deep.equal([{ attributes: { rack: 'r2' }, connected: true }]);
    });
  });
});
