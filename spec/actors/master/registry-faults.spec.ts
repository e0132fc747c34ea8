/**
 * The registry on a memory disk whose writes fail or take (virtual) time, and what the master
 * does then. The rule under test: a change the registry failed to write is never acknowledged.
 */
import { expect } from 'chai';
import { captureLogger } from '../../../lib/logging';
import { MemoryDisk, SIMULATED_WRITE_ERROR } from '../../../lib/disk';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { defaultMasterFlags, Registry, REGISTRY_FILE_NAME, registryPathOf, startMaster, type MasterFlags, type RegistryAgent } from '../../../actors/master';
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
  const handle = await startMaster({ flags: allFlags, host, registry: await Registry.load(registryPathOf(allFlags), disk) });
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
    it('a failed write rejects every change it carried and commits none; the next write carries only new changes', async () => {
      const disk = new MemoryDisk();
      const registry = await Registry.load(REGISTRY_PATH, disk);
      await registry.admit(registryAgent('S1'));
      disk.failNextWrites(1);
      const failures = await Promise.all([registry.admit(registryAgent('S2')), registry.remove('S1')].map((write) => write.then(() => undefined, (error: Error) => error.message)));
      expect(failures).to.deep.equal([`registry write failed: ${SIMULATED_WRITE_ERROR}`, `registry write failed: ${SIMULATED_WRITE_ERROR}`]);
      expect(registry.agents().map((agent) => agent.id)).to.deep.equal(['S1']);
      await registry.admit(registryAgent('S3'));
      expect((await Registry.load(REGISTRY_PATH, disk)).agents().map((agent) => agent.id)).to.deep.equal(['S1', 'S3']);
      expect(registry.writes).to.equal(2);
    });

    it('a slow write holds back reads until it is durable, and changes queued meanwhile go in one next write', async () => {
      const clock = new VirtualClock({ simulated: true });
      const disk = new MemoryDisk(clock);
      const registry = await Registry.load(REGISTRY_PATH, disk);
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
      expect(disk.writes.completed).to.equal(2);
    });
  });

  describe('admitting an agent', () => {
    it('a failed admission write is never acknowledged: no AgentRegistered, nothing admitted; the retry gets a fresh id', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const probe = new FakeAgent('agent-a');
      harness.host.spawn(probe);
      const registration = { agent: agentInfo('cpus:1;mem:512'), version: '0.1.0' };
      disk.failNextWrites(1);
      probe.post(harness.masterPid, 'RegisterAgent', registration);
      await harness.clock.advance(60_000);
      expect(all(probe, 'AgentRegistered')).to.have.length(0);
      expect(all(probe, 'Ping'), 'not pinged: the master has no such agent').to.have.length(0);
      expect(harness.handle.registry.agents()).to.deep.equal([]);
      expect(await agentsOf(harness)).to.deep.equal([]);
      expect(harness.captured.find('could not admit agent')[0]).to.include({ level: 50 }); // error level: the chaos run counts it as a bug
      probe.post(harness.masterPid, 'RegisterAgent', registration); // the agent retries
      await harness.clock.settle();
      const agentId = (last(probe, 'AgentRegistered')?.body as { agentId: string }).agentId;
      expect(agentId).to.match(/-S1$/); // S0 was drawn for the failed admission and is not reused
      expect(harness.handle.registry.agents().map((agent) => agent.id)).to.deep.equal([agentId]);
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
    it('a failed unreachable mark keeps the agent and its task, tells frameworks nothing, and the next health check removes it', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)]);
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
      agent.probe.answerPings = false;
      disk.failNextWrites(1);
      await harness.clock.advance(pingTimeoutsMs(harness));
      expect(harness.captured.find('could not record the agent removal; keeping the agent')).to.have.length(1);
      expect(all(framework.probe, 'LostAgent')).to.have.length(0);
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_RUNNING']);
      expect(harness.handle.registry.isAdmitted(agent.agentId)).to.equal(true);
      expect(await agentsOf(harness)).to.deep.equal([{ id: agent.agentId, pid: agent.probe.self().toString(), connected: true }]);
      await harness.clock.advance(pingTimeoutsMs(harness)); // pinged again from scratch; this removal's write succeeds
      expect(all(framework.probe, 'LostAgent')).to.have.length(1);
      expect(statesOf(framework.probe, 't1')).to.deep.equal(['TASK_RUNNING', 'TASK_LOST']);
      expect(harness.handle.registry.unreachable().map((marked) => marked.id)).to.deep.equal([agent.agentId]);
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

    it('an agent registering anew at the address of a disconnected one whose removal fails: neither happens; the retry removes the old one, then admits the new one', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const old = await registerAgent(harness);
      const pid = old.probe.self().toString();
      harness.host.injectExited(harness.masterPid, old.probe.self()); // the link breaks: the old agent is disconnected
      await harness.clock.settle();
      const registration = { agent: agentInfo('cpus:2;mem:1024'), version: '0.1.0' };
      disk.failNextWrites(1); // the removal of the old agent fails
      old.probe.post(harness.masterPid, 'RegisterAgent', registration);
      await harness.clock.settle();
      // Before, the new agent was admitted anyway and both records sat at one pid (the old one's
      // health checks reaching the new agent). Now the admission waits for the removal.
      expect(all(old.probe, 'AgentRegistered').map((message) => (message.body as { agentId: string }).agentId)).to.deep.equal([old.agentId]);
      expect(await agentsOf(harness)).to.deep.equal([{ id: old.agentId, pid, connected: false }]);
      expect(harness.handle.registry.agents().map((agent) => agent.id)).to.deep.equal([old.agentId]);
      expect(harness.captured.find('could not record the agent removal')).to.have.length(1);
      old.probe.post(harness.masterPid, 'RegisterAgent', registration); // the agent retries
      await harness.clock.settle();
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
    it('a failed re-admission write is never acknowledged: no AgentReregistered, still unreachable; the retry is re-admitted', async () => {
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
      expect(all(agent.probe, 'AgentReregistered')).to.have.length(0);
      expect(harness.captured.find('could not re-admit the agent')).to.have.length(1);
      expect(harness.handle.registry.unreachable().map((marked) => marked.id)).to.deep.equal([agent.agentId]);
      expect(await agentsOf(harness)).to.deep.equal([]);
      agent.probe.post(harness.masterPid, 'ReregisterAgent', comeback); // the agent retries
      await harness.clock.settle();
      expect(all(agent.probe, 'AgentReregistered')).to.have.length(1);
      expect(harness.handle.registry.unreachable()).to.deep.equal([]);
      expect(harness.handle.registry.isAdmitted(agent.agentId)).to.equal(true);
    });
  });

  describe('re-registering an agent with new info', () => {
    it('new info is durable before AgentReregistered: a failed update is not acknowledged and changes nothing; the retry is', async () => {
      const { harness, disk } = await startOnMemoryDisk();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096', 'old-name.local');
      harness.host.injectExited(harness.masterPid, agent.probe.self());
      await harness.clock.settle();
      const comeback = {
        agent: agentInfo('cpus:4;mem:4096', 'new-name.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [],
      };
      disk.failNextWrites(1);
      agent.probe.post(harness.masterPid, 'ReregisterAgent', comeback);
      await harness.clock.settle();
      expect(all(agent.probe, 'AgentReregistered')).to.have.length(0);
      expect(harness.captured.find('could not update the agent in the registry')[0]).to.include({ level: 50 });
      expect(harness.handle.registry.agents().map((admitted) => admitted.info.hostname)).to.deep.equal(['old-name.local']);
      const slaves = () => masterState(harness).then((state) => (state.slaves as Json[]).map((slave) => ({ hostname: slave.hostname, connected: slave.connected })));
      expect(await slaves()).to.deep.equal([{ hostname: 'old-name.local', connected: false }]);
      agent.probe.post(harness.masterPid, 'ReregisterAgent', comeback); // the agent retries
      await harness.clock.settle();
      expect(all(agent.probe, 'AgentReregistered')).to.have.length(1);
      expect(harness.handle.registry.agents().map((admitted) => admitted.info.hostname)).to.deep.equal(['new-name.local']);
      expect(await slaves()).to.deep.equal([{ hostname: 'new-name.local', connected: true }]);
    });
  });
});
