import { expect } from 'chai';
import { MAX_NAME_LENGTH } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { Probe } from '../../support/runtime';
import {
  all, cleanUp, commandTask, FRAMEWORK_MESSAGES, last, latestOffer, launch, masterState, metricsOf, registerAgent,
  registerFramework, startHarness,
} from './harness';

describe('actors/master: frameworks', () => {
  afterEach(cleanUp);

  describe('registration', () => {
    it('answers a registration whose name is longer than MAX_NAME_LENGTH with a FrameworkError naming the limit; no framework is added (issue 9)', async () => {
      const harness = await startHarness();
      const probe = new Probe('scheduler-long-name', FRAMEWORK_MESSAGES);
      harness.host.spawn(probe);
      probe.post(harness.masterPid, 'RegisterFramework', { framework: { name: 'n'.repeat(MAX_NAME_LENGTH + 1), user: 'u' } });
      await harness.clock.settle();
      const error = last(probe, 'FrameworkError')?.body as { message: string } | undefined;
      expect(error?.message).to.match(new RegExp(`Invalid RegisterFramework call: .*at most ${MAX_NAME_LENGTH} characters`));
      expect(last(probe, 'FrameworkRegistered')).to.equal(undefined);
      expect((await masterState(harness)).frameworks).to.deep.equal([]);
    });

    it('assigns ids <masterId>-0000, -0001, ... and replies FrameworkRegistered with the MasterInfo', async () => {
      const harness = await startHarness();
      const first = await registerFramework(harness);
      const second = await registerFramework(harness);
      const masterId = harness.handle.master.masterInfo().id;
      expect(first.frameworkId).to.equal(`${masterId}-0000`);
      expect(second.frameworkId).to.equal(`${masterId}-0001`);
      const body = last(first.probe, 'FrameworkRegistered')?.body as { masterInfo: { pid: string; id: string } };
      expect(body.masterInfo.pid).to.equal(harness.masterPid.toString());
      expect(body.masterInfo.id).to.equal(masterId);
    });

    it('is idempotent: a retried RegisterFramework from the same pid gets the same id back', async () => {
      const harness = await startHarness();
      const framework = await registerFramework(harness);
      framework.probe.post(harness.masterPid, 'RegisterFramework', { framework: { name: 'test-framework', user: 'tester' } });
      await harness.clock.settle();
      const replies = all(framework.probe, 'FrameworkRegistered').map((r) => (r.body as { frameworkId: string }).frameworkId);
      expect(replies).to.deep.equal([framework.frameworkId, framework.frameworkId]);
      expect((await masterState(harness)).frameworks).to.have.length(1);
    });

    it('refuses an invalid FrameworkInfo with FrameworkError (bad role, id already set)', async () => {
      const harness = await startHarness();
      const probe = new Probe('bad-scheduler', FRAMEWORK_MESSAGES);
      harness.host.spawn(probe);
      probe.post(harness.masterPid, 'RegisterFramework', { framework: { name: 'x', user: 'u', roles: ['bad role'] } });
      probe.post(harness.masterPid, 'RegisterFramework', { framework: { name: 'x', user: 'u', id: 'chosen' } });
      await harness.clock.settle();
      const errors = all(probe, 'FrameworkError').map((r) => (r.body as { message: string }).message);
      expect(errors).to.have.length(2);
      expect(errors[0]).to.match(/role 'bad role' is invalid/);
      expect(errors[1]).to.equal("Registering with 'id' already set");
      expect(all(probe, 'FrameworkRegistered')).to.have.length(0);
    });
  });

  describe('failover', () => {
    it('a ReregisterFramework from a new pid tells the old pid, updates agents running its tasks, and replies', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness, { failoverTimeout: 60 });
      const offer = latestOffer(framework.probe);
      await launch(harness, framework, [offer.id], [commandTask('t1', agent.agentId)]);
      const successor = new Probe('scheduler-successor', FRAMEWORK_MESSAGES);
      harness.host.spawn(successor);
      successor.post(harness.masterPid, 'ReregisterFramework', { framework: framework.info, failover: true });
      await harness.clock.settle();
      expect((last(framework.probe, 'FrameworkError')?.body as { message: string }).message).to.equal('Framework failed over');
      expect(last(successor, 'FrameworkReregistered')?.body).to.include({ frameworkId: framework.frameworkId });
      expect(last(agent.probe, 'UpdateFramework')?.body).to.deep.include({ frameworkId: framework.frameworkId, pid: successor.self().toString() });
      const state = await masterState(harness);
      const [recorded] = state.frameworks as Array<Record<string, unknown>>;
      expect(recorded).to.include({ id: framework.frameworkId, pid: successor.self().toString(), active: true, connected: true });
      expect(recorded?.tasks).to.have.length(1);
    });

    it('a disconnected framework is removed after its failover timeout: tasks shut down, framework completed', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness, { failoverTimeout: 30 });
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)]);
      harness.host.terminate(framework.probe);
      await harness.clock.settle();
      let state = await masterState(harness);
      expect((state.frameworks as Array<Record<string, unknown>>)[0]).to.include({ connected: false, active: false });
      await harness.clock.advance(29_999);
      expect(all(agent.probe, 'ShutdownFramework')).to.have.length(0);
      await harness.clock.advance(1);
      expect(last(agent.probe, 'ShutdownFramework')?.body).to.deep.equal({ frameworkId: framework.frameworkId });
      state = await masterState(harness);
      expect(state.frameworks).to.have.length(0);
      const [completed] = state.completed_frameworks as Array<Record<string, unknown>>;
      expect(completed).to.include({ id: framework.frameworkId, active: false, connected: false });
      expect((completed?.completed_tasks as Array<Record<string, unknown>>)[0]).to.include({ id: 't1', state: 'TASK_KILLED' });
      expect((await metricsOf(harness))['master/tasks_killed']).to.equal(1);
    });

    it('a framework that re-registers within its failover timeout keeps its tasks', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness, { failoverTimeout: 30 });
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)]);
      harness.host.terminate(framework.probe);
      await harness.clock.advance(10_000);
      const successor = new Probe('scheduler-back', FRAMEWORK_MESSAGES);
      harness.host.spawn(successor);
      successor.post(harness.masterPid, 'ReregisterFramework', { framework: framework.info, failover: true });
      await harness.clock.advance(60_000);
      expect(all(agent.probe, 'ShutdownFramework')).to.have.length(0);
      expect(last(agent.probe, 'UpdateFramework')?.body).to.include({ pid: successor.self().toString() });
      const state = await masterState(harness);
      expect((state.frameworks as Array<Record<string, unknown>>)[0]).to.include({ connected: true, active: true });
    });

    it('a failover timeout longer than a host timer can wait (30 days) is honoured', async () => {
      const harness = await startHarness({ allocationIntervalMs: 24 * 3_600_000 }); // few timers to fire over 30 days
      const framework = await registerFramework(harness, { failoverTimeout: 30 * 24 * 3600 });
      harness.host.terminate(framework.probe);
      await harness.clock.advance(30 * 24 * 3_600_000 - 1);
      expect((await masterState(harness)).completed_frameworks).to.have.length(0);
      await harness.clock.advance(1);
      expect((await masterState(harness)).completed_frameworks).to.have.length(1);
    });

    it('with the default failover timeout (0) a disconnected framework is torn down at once', async () => {
      const harness = await startHarness();
      const framework = await registerFramework(harness);
      harness.host.terminate(framework.probe);
      await harness.clock.settle();
      const state = await masterState(harness);
      expect(state.frameworks).to.have.length(0);
      expect(state.completed_frameworks).to.have.length(1);
    });

    it('a completed framework cannot re-register', async () => {
      const harness = await startHarness();
      const framework = await registerFramework(harness);
      framework.probe.post(harness.masterPid, 'UnregisterFramework', { frameworkId: framework.frameworkId });
      await harness.clock.settle();
      framework.probe.post(harness.masterPid, 'ReregisterFramework', { framework: framework.info, failover: false });
      await harness.clock.settle();
      expect((last(framework.probe, 'FrameworkError')?.body as { message: string }).message).to.equal('Framework has been removed');
    });
  });

  describe('teardown', () => {
    it('UnregisterFramework shuts the framework down on its agents and kills its tasks', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      const framework = await registerFramework(harness, { failoverTimeout: 3600 });
      await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)]);
      framework.probe.post(harness.masterPid, 'UnregisterFramework', { frameworkId: framework.frameworkId });
      await harness.clock.settle();
      expect(all(agent.probe, 'ShutdownFramework')).to.have.length(1);
      const state = await masterState(harness);
      expect(state.frameworks).to.have.length(0);
      const slaves = state.slaves as Array<Record<string, unknown>>;
      expect(slaves[0]?.used_resources).to.include({ cpus: 0, mem: 0 });
      // The resources go back to the pool: a new framework is offered all of the agent.
      const other = await registerFramework(harness);
      expect(Resources.fromJSON(latestOffer(other.probe).resources).format()).to.equal(Resources.parse(agent.resources).format());
    });

    it('ignores UnregisterFramework from a pid that is not the scheduler', async () => {
      const harness = await startHarness();
      const framework = await registerFramework(harness);
      const impostor = new Probe('impostor', FRAMEWORK_MESSAGES);
      harness.host.spawn(impostor);
      impostor.post(harness.masterPid, 'UnregisterFramework', { frameworkId: framework.frameworkId });
      await harness.clock.settle();
      expect((await masterState(harness)).frameworks).to.have.length(1);
      expect(harness.captured.find("not sent by the framework's scheduler")).to.have.length(1);
    });
  });

  describe('DeactivateFramework', () => {
    it('deactivates the framework (offers rescinded); its failover timer starts once the scheduler goes away', async () => {
      const harness = await startHarness();
      await registerAgent(harness);
      const framework = await registerFramework(harness, { failoverTimeout: 5 });
      const offer = latestOffer(framework.probe);
      framework.probe.post(harness.masterPid, 'DeactivateFramework', { frameworkId: framework.frameworkId });
      await harness.clock.settle();
      expect(last(framework.probe, 'RescindResourceOffer')?.body).to.deep.equal({ offerId: offer.id });
      harness.host.terminate(framework.probe);
      await harness.clock.advance(5_000);
      expect((await masterState(harness)).completed_frameworks).to.have.length(1);
    });
  });
});
