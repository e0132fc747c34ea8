import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StatusUpdate } from '../../../lib/protocol';
import { Registry, REGISTRY_FILE_NAME, writeFileAtomically, type RegistryAgent } from '../../../actors/master';
import { Probe } from '../../support/runtime';
import {
  agentInfo, all, cleanUp, commandTask, FakeAgent, FRAMEWORK_MESSAGES, last, latestOffer, launch, makeWorkDir, masterState,
  registerAgent, registerFramework, reportedTask, startHarness, updatesOf, type Harness,
} from './harness';

type Json = Record<string, unknown>;

function registryAgent(id: string): RegistryAgent {
  return { id, info: { id, hostname: `${id}.local`, port: 5051, resources: [] } };
}

function reregister(harness: Harness, probe: FakeAgent, agentId: string, tasks: ReturnType<typeof reportedTask>[] = [], frameworks: Json[] = []): Promise<void> {
  probe.post(harness.masterPid, 'ReregisterAgent', {
    agent: agentInfo('cpus:4;mem:4096', 'agent.local', agentId), version: '0.1.0', tasks, executors: [], frameworks,
  });
  return harness.clock.settle();
}

describe('actors/master/registry', () => {
  afterEach(cleanUp);

  describe('the file', () => {
    it('writeFileAtomically replaces the file and leaves no temp file behind', async () => {
      const file = path.join(makeWorkDir(), 'nested', 'registry.json');
      await writeFileAtomically(file, 'one');
      await writeFileAtomically(file, 'two');
      expect(fs.readFileSync(file, 'utf8')).to.equal('two');
      expect(fs.readdirSync(path.dirname(file))).to.deep.equal(['registry.json']);
    });

    it('a write that fails leaves the previous file intact', async () => {
      const file = path.join(makeWorkDir(), 'registry.json');
      await writeFileAtomically(file, 'old');
      fs.mkdirSync(`${file}.tmp`); // the temp file cannot be created
      const failure = await writeFileAtomically(file, 'new').then(() => undefined, (error: Error) => error);
      expect(failure).to.be.instanceOf(Error);
      expect(fs.readFileSync(file, 'utf8')).to.equal('old');
    });

    it('persists admissions, unreachable marks and removals, and loads them back', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = await Registry.load(file);
      expect(registry.agents()).to.deep.equal([]);
      await registry.admit(registryAgent('S1'));
      await registry.admit(registryAgent('S2'));
      await registry.admit(registryAgent('S3'));
      await registry.markUnreachable(['S2'], 1234);
      await registry.remove('S3');
      const loaded = await Registry.load(file);
      expect(loaded.agents().map((agent) => agent.id)).to.deep.equal(['S1']);
      expect(loaded.unreachable()).to.deep.equal([{ id: 'S2', timeMs: 1234 }]);
      expect(loaded.isAdmitted('S1')).to.equal(true);
      expect(loaded.isAdmitted('S2')).to.equal(false);
    });

    it('batches changes queued during a write into the next one, and refuses a duplicate admission alone', async () => {
      const registry = Registry.empty(path.join(makeWorkDir(), REGISTRY_FILE_NAME));
      const results = await Promise.allSettled([
        registry.admit(registryAgent('S1')), registry.admit(registryAgent('S2')), registry.admit(registryAgent('S1')), registry.admit(registryAgent('S3')),
      ]);
      expect(results.map((result) => result.status)).to.deep.equal(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(registry.agents().map((agent) => agent.id)).to.deep.equal(['S1', 'S2', 'S3']);
      expect(registry.writes).to.be.at.most(2);
    });

    it('a failed write rejects its changes and commits nothing', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = Registry.empty(file);
      fs.mkdirSync(`${file}.tmp`);
      const failure = await registry.admit(registryAgent('S1')).then(() => undefined, (error: Error) => error);
      expect(failure?.message).to.match(/registry write failed/);
      expect(registry.isAdmitted('S1')).to.equal(false);
    });

    it('refuses to load a corrupt or foreign file', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      fs.writeFileSync(file, '{not json');
      expect(await Registry.load(file).then(() => 'loaded', (error: Error) => error.message)).to.match(/is not JSON/);
      fs.writeFileSync(file, JSON.stringify({ version: 99, agents: [], unreachable: [] }));
      expect(await Registry.load(file).then(() => 'loaded', (error: Error) => error.message)).to.match(/is invalid at version/);
    });
  });

  describe('admission', () => {
    it('an agent hears AgentRegistered only once its admission is on disk', async () => {
      const harness = await startHarness();
      const file = path.join(harness.workDir, REGISTRY_FILE_NAME);
      fs.mkdirSync(`${file}.tmp`);
      const probe = new FakeAgent('agent-early');
      harness.host.spawn(probe);
      const message = { agent: agentInfo('cpus:1;mem:512'), version: '0.1.0' };
      probe.post(harness.masterPid, 'RegisterAgent', message);
      await harness.clock.settle();
      expect(all(probe, 'AgentRegistered')).to.have.length(0);
      expect(harness.captured.find('could not admit agent')).to.have.length(1);
      fs.rmdirSync(`${file}.tmp`);
      probe.post(harness.masterPid, 'RegisterAgent', message); // the agent retries
      await harness.clock.settle();
      const agentId = (last(probe, 'AgentRegistered')?.body as { agentId: string }).agentId;
      const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')) as { agents: Array<{ id: string }> };
      expect(onDisk.agents.map((agent) => agent.id)).to.deep.equal([agentId]);
    });
  });

  describe('master restart', () => {
    it('a restarted master that draws the same master id (same seed) never reuses an admitted agent id', async () => {
      const first = await startHarness();
      const old = await registerAgent(first);
      await first.host.stop();
      const second = await startHarness({}, first.workDir);
      expect(second.handle.master.masterInfo().id).to.equal(first.handle.master.masterInfo().id);
      const fresh = await registerAgent(second);
      expect(fresh.agentId).to.not.equal(old.agentId);
      expect(second.handle.registry.agents().map((agent) => agent.id)).to.deep.equal([old.agentId, fresh.agentId]);
    });

    it('a new master on the same work dir accepts an agent it knew, adopting its tasks, and re-admits one it did not (as Mesos does)', async () => {
      const first = await startHarness();
      const agent = await registerAgent(first);
      const framework = await registerFramework(first, { failoverTimeout: 3600, capabilities: ['PARTITION_AWARE'] });
      await launch(first, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:128')]);
      await first.host.stop();

      const second = await startHarness({}, first.workDir, 8);
      expect(second.handle.master.masterInfo().id).to.not.equal(first.handle.master.masterInfo().id);
      const known = new FakeAgent('agent-known');
      second.host.spawn(known);
      await reregister(second, known, agent.agentId, [reportedTask('t1', framework.frameworkId, agent.agentId)], [framework.info]);
      expect(last(known, 'AgentReregistered')?.body).to.deep.include({ agentId: agent.agentId, reconciliations: [{ frameworkId: framework.frameworkId, taskId: 't1' }] });
      let state = await masterState(second);
      const [recovered] = state.frameworks as Json[];
      expect(recovered).to.include({ id: framework.frameworkId, connected: false, active: false, recovered: true });
      expect((recovered?.tasks as Json[]).map((task) => task.id)).to.deep.equal(['t1']);

      const stranger = new FakeAgent('agent-stranger');
      second.host.spawn(stranger);
      await reregister(second, stranger, 'unknown-S3');
      expect(all(stranger, 'Shutdown')).to.have.length(0);
      expect(last(stranger, 'AgentReregistered')?.body).to.include({ agentId: 'unknown-S3' });
      expect(second.handle.registry.isAdmitted('unknown-S3')).to.equal(true);

      // The framework comes back with its id: it is connected again and its agent learns its pid.
      const scheduler = new Probe('scheduler-again', FRAMEWORK_MESSAGES);
      second.host.spawn(scheduler);
      scheduler.post(second.masterPid, 'ReregisterFramework', { framework: framework.info, failover: true });
      await second.clock.settle();
      expect(last(scheduler, 'FrameworkReregistered')?.body).to.include({ frameworkId: framework.frameworkId });
      expect(last(known, 'UpdateFramework')?.body).to.deep.equal({ frameworkId: framework.frameworkId, pid: scheduler.self().toString() });
      state = await masterState(second);
      expect((state.frameworks as Json[])[0]).to.include({ connected: true, active: true, recovered: false });
      expect(((state.slaves as Json[])[0]?.used_resources as Json)).to.include({ cpus: 1, mem: 128 });
    });

    it('a recovered agent whose reported tasks do not fit its total is left out until it reports sanely', async () => {
      const first = await startHarness();
      const agent = await registerAgent(first);
      const framework = await registerFramework(first, { failoverTimeout: 3600 });
      await first.host.stop();

      const second = await startHarness({}, first.workDir);
      const back = new FakeAgent('agent-back');
      second.host.spawn(back);
      await reregister(second, back, agent.agentId, [reportedTask('big', framework.frameworkId, agent.agentId, 'TASK_RUNNING', 'cpus:5;mem:128')], [framework.info]);
      expect(second.captured.find('dropping ReregisterAgent')).to.have.length(1);
      expect(all(back, 'AgentReregistered')).to.have.length(0);
      let state = await masterState(second);
      expect(state.slaves).to.have.length(0);
      expect(state.frameworks).to.have.length(0);
      expect((state.recovered_slaves as Json[]).map((slave) => slave.id)).to.deep.equal([agent.agentId]);

      await reregister(second, back, agent.agentId, [reportedTask('small', framework.frameworkId, agent.agentId)], [framework.info]);
      expect(all(back, 'AgentReregistered')).to.have.length(1);
      state = await masterState(second);
      expect(((state.slaves as Json[])[0]?.used_resources as Json)).to.include({ cpus: 1, mem: 128 });
    });

    it('agents that do not re-register within the timeout are marked unreachable; reconciliation waits for them until then', async () => {
      const first = await startHarness();
      const stays = await registerAgent(first, 'cpus:1;mem:512', 'stays.local');
      const vanishes = await registerAgent(first, 'cpus:1;mem:512', 'vanishes.local');
      await first.host.stop();

      const second = await startHarness({ agentReregisterTimeoutMs: 60_000 }, first.workDir);
      const back = new FakeAgent('agent-back');
      second.host.spawn(back);
      await reregister(second, back, stays.agentId);
      const framework = await registerFramework(second);
      framework.probe.post(second.masterPid, 'ReconcileTasks', { frameworkId: framework.frameworkId, statuses: [{ taskId: 'x', agentId: vanishes.agentId }, { taskId: 'y' }] });
      await second.clock.settle();
      expect(updatesOf(framework.probe)).to.have.length(0);

      await second.clock.advance(60_000);
      expect(second.handle.registry.agents().map((agent) => agent.id)).to.deep.equal([stays.agentId]);
      expect(second.handle.registry.unreachable().map((agent) => agent.id)).to.deep.equal([vanishes.agentId]);
      framework.probe.post(second.masterPid, 'ReconcileTasks', { frameworkId: framework.frameworkId, statuses: [{ taskId: 'x', agentId: vanishes.agentId }] });
      await second.clock.settle();
      const [answer] = updatesOf(framework.probe).map(({ update }) => update as StatusUpdate);
      expect(answer?.status).to.include({ taskId: 'x', state: 'TASK_LOST', message: 'Reconciliation: Task is unreachable' });

      const late = new FakeAgent('agent-late');
      second.host.spawn(late);
      await reregister(second, late, vanishes.agentId);
      // Unreachable is not gone: the agent is re-admitted (registry first), as Mesos does.
      expect(all(late, 'Shutdown')).to.have.length(0);
      expect(last(late, 'AgentReregistered')?.body).to.include({ agentId: vanishes.agentId });
      expect(second.handle.registry.unreachable()).to.deep.equal([]);
      expect(second.handle.registry.agents().map((agent) => agent.id).sort()).to.deep.equal([stays.agentId, vanishes.agentId].sort());
    });
  });
});
