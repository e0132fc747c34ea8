import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StatusUpdate } from '../../../lib/protocol';
import { plainResourcesText, Resources } from '../../../lib/resources';
import { MAX_REGISTRY_RESOURCES_TEXT_CHARS } from '../../../actors/master/constants';
import { Registry, REGISTRY_FILE_NAME, registryLogPathOf, writeFileAtomically, type RegistryAgent } from '../../../actors/master';
import { Probe } from '../../support/runtime';
import {
  agentInfo, all, cleanUp, commandTask, FakeAgent, FRAMEWORK_MESSAGES, last, latestOffer, launch, makeWorkDir, masterState, metricsOf,
  registerAgent, registerFramework, reportedTask, startHarness, updatesOf, type Harness,
} from './harness';

type Json = Record<string, unknown>;

function registryAgent(id: string): RegistryAgent {
  return { id, info: { id, hostname: `${id}.local`, port: 5051, resources: [] } };
}

/** `probe` re-registers as agent `agentId` (host name `hostname`: a recovered agent comes back only under its own). */
function reregister(harness: Harness, probe: FakeAgent, agentId: string, tasks: ReturnType<typeof reportedTask>[] = [], frameworks: Json[] = [], hostname = 'agent.local'): Promise<void> {
  probe.post(harness.masterPid, 'ReregisterAgent', {
    agent: agentInfo('cpus:4;mem:4096', hostname, agentId), version: '0.1.0', tasks, executors: [], frameworks,
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

    it('persists role weights and quotas (log, then snapshot), and a file without them loads as before', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = await Registry.load(file);
      expect(registry.snapshot()).not.to.have.any.keys('weights', 'quotas');
      await registry.updateWeights(new Map([['eng', 2], ['ops', 0.5]]));
      await registry.updateWeights(new Map([['eng', 3]]));
      await registry.updateQuota('eng', { guarantees: { cpus: 4 }, limits: { cpus: 4 } });
      await registry.updateQuota('ops', { guarantees: { mem: 1024 }, limits: { mem: 1024 } });
      await registry.removeQuota('ops');
      const lines = fs.readFileSync(registryLogPathOf(file), 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { ops: Array<{ type: string }> }).ops[0]?.type);
      expect(lines).to.deep.equal(['updateWeights', 'updateWeights', 'updateQuota', 'updateQuota', 'removeQuota']);
      const loaded = await Registry.load(file); // replays the log, then compacts it into the snapshot
      expect([...loaded.weights()]).to.deep.equal([['eng', 3], ['ops', 0.5]]);
      expect([...loaded.quotas()]).to.deep.equal([['eng', { guarantees: { cpus: 4 }, limits: { cpus: 4 } }]]);
      const snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
      expect(snapshot).to.deep.include({ weights: { eng: 3, ops: 0.5 }, quotas: { eng: { guarantees: { cpus: 4 }, limits: { cpus: 4 } } } });
      expect([...(await Registry.load(file)).weights()]).to.deep.equal([['eng', 3], ['ops', 0.5]]);
    });

    // The hostile-input pass of 2026-12-05: a weight for the role `__proto__` was acknowledged and logged, and gone after a
    // restart (zod's record parse assigned the key, which set the prototype); `__proto__` is a valid Mesos role.
    it('keeps a weight and a quota of the role `__proto__` (and a `__proto__` resource) across a restart, log and snapshot both', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = await Registry.load(file);
      await registry.updateWeights(new Map([['__proto__', 3], ['eng', 2]]));
      await registry.updateQuota('__proto__', { guarantees: Object.fromEntries([['__proto__', 1], ['cpus', 2]]) as Record<string, number>, limits: { cpus: 4 } });
      const expectQuota = (loaded: Registry): void => {
        const quota = loaded.quotas().get('__proto__');
        expect(Object.entries(quota?.guarantees ?? {})).to.deep.equal([['__proto__', 1], ['cpus', 2]]);
        expect(Object.entries(quota?.limits ?? {})).to.deep.equal([['cpus', 4]]);
      };
      const fromLog = await Registry.load(file); // replays the log, then compacts it into the snapshot
      expect([...fromLog.weights()]).to.deep.equal([['__proto__', 3], ['eng', 2]]);
      expectQuota(fromLog);
      const fromSnapshot = await Registry.load(file);
      expect([...fromSnapshot.weights()]).to.deep.equal([['__proto__', 3], ['eng', 2]]);
      expectQuota(fromSnapshot);
    });

    it('refuses a snapshot with a weight that is not positive', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      fs.writeFileSync(file, JSON.stringify({ version: 1, agents: [], unreachable: [], weights: { eng: 0 } }));
      let error: Error | undefined;
      await Registry.load(file).catch((caught: Error) => { error = caught; });
      expect(error?.message).to.contain('weights');
    });

    it('batches changes queued during a write into the next one, and refuses a duplicate admission alone', async () => {
      const registry = await Registry.load(path.join(makeWorkDir(), REGISTRY_FILE_NAME));
      const results = await Promise.allSettled([
        registry.admit(registryAgent('S1')), registry.admit(registryAgent('S2')), registry.admit(registryAgent('S1')), registry.admit(registryAgent('S3')),
      ]);
      expect(results.map((result) => result.status)).to.deep.equal(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(registry.agents().map((agent) => agent.id)).to.deep.equal(['S1', 'S2', 'S3']);
      expect(registry.writes).to.be.at.most(2);
    });

    it('a change is one appended log line, not a rewrite of the snapshot; loading replays the log and compacts it into the snapshot', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = await Registry.load(file);
      const snapshot = fs.readFileSync(file, 'utf8');
      await registry.admit(registryAgent('S1'));
      await registry.markUnreachable(['S1'], 7);
      await registry.admit(registryAgent('S2'));
      expect(fs.readFileSync(file, 'utf8'), 'the snapshot is untouched').to.equal(snapshot);
      const lines = fs.readFileSync(registryLogPathOf(file), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { seq: number; ops: Array<{ type: string }> });
      expect(lines.map((line) => [line.seq, line.ops.map((op) => op.type)])).to.deep.equal([[1, ['admit']], [2, ['markUnreachable']], [3, ['admit']]]);
      const loaded = await Registry.load(file);
      expect(loaded.agents().map((agent) => agent.id)).to.deep.equal(['S2']);
      expect(loaded.unreachable()).to.deep.equal([{ id: 'S1', timeMs: 7 }]);
      expect(fs.readFileSync(registryLogPathOf(file), 'utf8')).to.equal('');
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).to.include({ seq: 3 });
    });

    it('a torn last log line (a crash mid-append, never acknowledged) is ignored; a bad line before it is corruption', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = await Registry.load(file);
      await registry.admit(registryAgent('S1'));
      fs.appendFileSync(registryLogPathOf(file), '{"seq":2,"ops":[{"type":"adm');
      expect((await Registry.load(file)).agents().map((agent) => agent.id)).to.deep.equal(['S1']);
      fs.writeFileSync(registryLogPathOf(file), '{"seq":2,"ops":[{"type":"adm\n{"seq":3,"ops":[]}\n');
      expect(await Registry.load(file).then(() => 'loaded', (error: Error) => error.message)).to.match(/registry log .* is corrupt at line 1: not JSON/);
    });

    it('batches a snapshot already holds (a crash between writing it and emptying the log) are not applied twice', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = await Registry.load(file);
      await registry.admit(registryAgent('S1'));
      await registry.markUnreachable(['S1'], 7);
      const log = fs.readFileSync(registryLogPathOf(file), 'utf8');
      await Registry.load(file); // compacts: the snapshot now holds seq 2
      fs.writeFileSync(registryLogPathOf(file), log); // as if emptying the log had not happened
      const loaded = await Registry.load(file);
      expect(loaded.agents()).to.deep.equal([]);
      expect(loaded.unreachable()).to.deep.equal([{ id: 'S1', timeMs: 7 }]);
    });

    it('a registry that cannot be written stops loading with a message naming it', async () => {
      const directory = makeWorkDir();
      const file = path.join(directory, REGISTRY_FILE_NAME);
      fs.mkdirSync(`${file}.tmp`); // the snapshot's temp file cannot be created
      expect(await Registry.load(file).then(() => 'loaded', (error: Error) => error.message)).to.match(/^cannot write the registry .*registry\.json: /);
    });

    it('refuses to load a corrupt or foreign file', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      fs.writeFileSync(file, '{not json');
      expect(await Registry.load(file).then(() => 'loaded', (error: Error) => error.message)).to.match(/is not JSON/);
      fs.writeFileSync(file, JSON.stringify({ version: 99, agents: [], unreachable: [] }));
      expect(await Registry.load(file).then(() => 'loaded', (error: Error) => error.message)).to.match(/has format version 99, which this master cannot read/);
    });
  });

  describe('format 2: resources as text', () => {
    const DECLARED = Resources.parse('cpus:8;mem:15360;disk:100000;ports:[31000-32000]').toJSON();
    const RESERVED = Resources.parse('cpus(eng):2;mem:1024').toJSON();
    const agent = (id: string, resources: RegistryAgent['info']['resources']): RegistryAgent => ({ id, info: { id, hostname: `${id}.local`, port: 5051, resources }, ip: '10.0.0.1' });

    it('writes an agent\'s resources as their text where it says them exactly (log and snapshot), others as JSON, and reads both back as they were', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const registry = await Registry.load(file);
      await registry.admit(agent('S1', DECLARED));
      await registry.admit(agent('S2', RESERVED));
      await registry.update('S1', { ...agent('S1', DECLARED).info, port: 5052 });
      const log = fs.readFileSync(registryLogPathOf(file), 'utf8');
      expect(log).to.include('"resources":"cpus:8;mem:15360;disk:100000;ports:[31000-32000]"');
      expect(log, 'a reserved resource stays JSON').to.include('"role":"eng"');
      const before = registry.agents();
      const loaded = await Registry.load(file); // replays the log, then compacts
      expect(loaded.agents()).to.deep.equal(before);
      const snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number; agents: Array<{ id: string; info: { resources: unknown } }> };
      expect(snapshot.version).to.equal(2);
      expect(snapshot.agents.map((entry) => typeof entry.info.resources)).to.deep.equal(['string', 'object']);
      expect((await Registry.load(file)).agents(), 'from the snapshot too').to.deep.equal(before);
    });

    it('keeps as JSON resources whose text would be longer than it reads back (an agent with 7,000 single ports; a review: the registry became unreadable)', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      const ports = Array.from({ length: 7_000 }, (_, index) => ({ begin: 31_000 + 2 * index, end: 31_000 + 2 * index }));
      const many: RegistryAgent['info']['resources'] = [...DECLARED.filter((entry) => entry.name !== 'ports'), { name: 'ports', type: 'RANGES', ranges: { range: ports }, role: '*' }];
      expect(plainResourcesText(many)?.length).to.be.greaterThan(MAX_REGISTRY_RESOURCES_TEXT_CHARS);
      const registry = await Registry.load(file);
      await registry.admit(agent('S1', many));
      expect((await Registry.load(file)).agents().map((entry) => entry.info.resources), 'from the log').to.deep.equal([many]);
      expect((await Registry.load(file)).agents().map((entry) => entry.info.resources), 'from the snapshot').to.deep.equal([many]);
    });

    it('reads a format 1 registry (resources as JSON) and writes it as format 2; refuses a bad resources text naming it', async () => {
      const file = path.join(makeWorkDir(), REGISTRY_FILE_NAME);
      fs.writeFileSync(file, JSON.stringify({ version: 1, seq: 0, agents: [agent('S1', DECLARED)], unreachable: [] }));
      fs.writeFileSync(registryLogPathOf(file), `${JSON.stringify({ seq: 1, ops: [{ type: 'admit', agent: agent('S2', DECLARED) }] })}\n`);
      const loaded = await Registry.load(file);
      expect(loaded.agents().map((entry) => [entry.id, entry.info.resources])).to.deep.equal([['S1', DECLARED], ['S2', DECLARED]]);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).to.include({ version: 2 });
      fs.writeFileSync(file, JSON.stringify({ version: 2, agents: [{ ...agent('S1', DECLARED), info: { ...agent('S1', DECLARED).info, resources: 'cpus:eight' } }], unreachable: [] }));
      fs.writeFileSync(registryLogPathOf(file), '');
      expect(await Registry.load(file).then(() => 'loaded', (error: Error) => error.message)).to.match(/is invalid at agents\.0\.info\.resources: .*cpus:eight/);
    });
  });

  describe('master restart', () => {
    it('a restarted master that draws the same master id (same seed) never reuses an admitted agent id', async () => {
      const first = await startHarness();
      const old = await registerAgent(first);
      await first.host.stop();
      const second = await startHarness({}, first.workDir, undefined, { address: first.host.address });
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

      const second = await startHarness({}, first.workDir, 8, { address: first.host.address });
      expect(second.handle.master.masterInfo().id).to.not.equal(first.handle.master.masterInfo().id);
      const known = new FakeAgent('agent-known');
      second.host.spawn(known);
      await reregister(second, known, agent.agentId, [reportedTask('t1', framework.frameworkId, agent.agentId)], [framework.info]);
      expect(last(known, 'AgentReregistered')?.body).to.deep.include({ agentId: agent.agentId, reconciliations: [] }); // t1 was reported: nothing to reconcile
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
      expect(last(known, 'UpdateFramework')?.body).to.deep.include({ frameworkId: framework.frameworkId, pid: scheduler.self().toString() });
      state = await masterState(second);
      expect((state.frameworks as Json[])[0]).to.include({ connected: true, active: true, recovered: false });
      expect(((state.slaves as Json[])[0]?.used_resources as Json)).to.include({ cpus: 1, mem: 128 });
    });

    it("a new master adopts an agent's task whose resources list a reservation in a form refused since 2026-12-08 (of '*', a static stack), as the agent, not yet restarted, read them: it was ignored, running there while its resources were offered again", async () => {
      const first = await startHarness();
      const agent = await registerAgent(first);
      const framework = await registerFramework(first, { failoverTimeout: 3600 });
      await launch(first, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:128')]);
      await first.host.stop();

      const second = await startHarness({}, first.workDir, 8, { address: first.host.address });
      const back = new FakeAgent('agent-back');
      second.host.spawn(back);
      // As the framework gave them (the agent keeps and reports a task's resources so).
      const resources = [
        { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: '*' }] },
        { name: 'mem', type: 'SCALAR' as const, scalar: { value: 128 }, role: '*', reservations: [{ role: '*' }] },
      ];
      await reregister(second, back, agent.agentId, [{ ...reportedTask('t1', framework.frameworkId, agent.agentId), resources }], [framework.info]);
      expect(second.captured.find('ignoring reported task with invalid resources')).to.have.length(0);
      const state = await masterState(second);
      expect(((state.frameworks as Json[])[0]?.tasks as Json[] | undefined)?.map((task) => task.id)).to.deep.equal(['t1']);
      expect(((state.slaves as Json[])[0]?.used_resources as Json)).to.include({ cpus: 1, mem: 128 });
    });

    it('a recovered agent whose reported tasks do not fit its total is left out until it reports sanely', async () => {
      const first = await startHarness();
      const agent = await registerAgent(first);
      const framework = await registerFramework(first, { failoverTimeout: 3600 });
      await first.host.stop();

      const second = await startHarness({}, first.workDir, 8, { address: first.host.address });
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

      const second = await startHarness({ agentReregisterTimeoutMs: 60_000 }, first.workDir, 8, { address: first.host.address });
      const back = new FakeAgent('agent-back');
      second.host.spawn(back);
      await reregister(second, back, stays.agentId, [], [], 'stays.local');
      const framework = await registerFramework(second);
      framework.probe.post(second.masterPid, 'ReconcileTasks', { frameworkId: framework.frameworkId, statuses: [{ taskId: 'x', agentId: vanishes.agentId }, { taskId: 'y' }] });
      await second.clock.settle();
      expect(updatesOf(framework.probe)).to.have.length(0);

      await second.clock.advance(60_000);
      expect(second.handle.registry.agents().map((agent) => agent.id)).to.deep.equal([stays.agentId]);
      expect(second.handle.registry.unreachable().map((agent) => agent.id)).to.deep.equal([vanishes.agentId]);
      // Frameworks hear it is lost, as Mesos' sendSlaveLost (HA walkthrough: they heard nothing).
      expect(all(framework.probe, 'LostAgent').map((received) => received.body)).to.deep.equal([{ agentId: vanishes.agentId }]);
      // Counted as Mesos counts an agent that did not re-register after a master failover.
      expect(await metricsOf(second)).to.include({
        'master/recovery_slave_removals': 1, 'master/slave_unreachable_scheduled': 1, 'master/slave_unreachable_completed': 1,
        'master/slave_removals': 1, 'master/slave_removals/reason_unhealthy': 1, 'mesos_ts/master/recovered_slaves': 0,
      });
      framework.probe.post(second.masterPid, 'ReconcileTasks', { frameworkId: framework.frameworkId, statuses: [{ taskId: 'x', agentId: vanishes.agentId }] });
      await second.clock.settle();
      const [answer] = updatesOf(framework.probe).map(({ update }) => update as StatusUpdate);
      expect(answer?.status).to.include({ taskId: 'x', state: 'TASK_LOST', message: 'Reconciliation: Task is unreachable' });

      const late = new FakeAgent('agent-late');
      second.host.spawn(late);
      await reregister(second, late, vanishes.agentId, [], [], 'vanishes.local');
      // Unreachable is not gone: the agent is re-admitted (registry first), as Mesos does.
      expect(all(late, 'Shutdown')).to.have.length(0);
      expect(last(late, 'AgentReregistered')?.body).to.include({ agentId: vanishes.agentId });
      expect(second.handle.registry.unreachable()).to.deep.equal([]);
      expect(second.handle.registry.agents().map((agent) => agent.id).sort()).to.deep.equal([stays.agentId, vanishes.agentId].sort());
    });
  });
});
