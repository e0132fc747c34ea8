/**
 * Regression tests for the protocol bugs a review against Apache Mesos 1.11 found in the master
 * (issue 7, bugs 1-12). Each test failed before its fix; the describe titles carry the number.
 */
import { expect } from 'chai';
import type { TaskStatus } from '../../../lib/protocol';
import { Probe } from '../../support/runtime';
import {
  agentInfo, all, cleanUp, FRAMEWORK_MESSAGES, last, latestOffer, launch, commandTask, masterState, registerAgent,
  registerFramework, startHarness, type Harness,
} from './harness';

interface FrameworkView { id: string; pid?: string; connected: boolean; active: boolean; tasks: unknown[]; offers: Array<{ id: string }> }
interface AgentView { id: string; connected: boolean; active: boolean }

async function frameworks(harness: Harness): Promise<FrameworkView[]> {
  return (await masterState(harness)).frameworks as FrameworkView[];
}

async function completedFrameworkIds(harness: Harness): Promise<string[]> {
  return ((await masterState(harness)).completed_frameworks as FrameworkView[]).map((framework) => framework.id);
}

async function agents(harness: Harness): Promise<AgentView[]> {
  return (await masterState(harness)).slaves as AgentView[];
}

function errorsOf(probe: Probe): string[] {
  return all(probe, 'FrameworkError').map((received) => (received.body as { message: string }).message);
}

describe('actors/master: regressions from the review against Mesos (issue 7)', () => {
  afterEach(cleanUp);

  describe('1. re-linking after a reconnection from the same pid', () => {
    it('re-links to a scheduler that re-registers from the same pid after a link blip, so its later death is noticed', async () => {
      const harness = await startHarness();
      const framework = await registerFramework(harness, { failoverTimeout: 10 });
      harness.host.breakLink(harness.masterPid, framework.probe.self());
      await harness.clock.settle();
      expect((await frameworks(harness))[0]).to.include({ connected: false });
      framework.probe.post(harness.masterPid, 'ReregisterFramework', { framework: framework.info, failover: false });
      await harness.clock.settle();
      expect((await frameworks(harness))[0]).to.include({ connected: true, active: true });
      harness.host.terminate(framework.probe);
      await harness.clock.settle();
      expect((await frameworks(harness))[0]).to.include({ connected: false });
      await harness.clock.advance(10_000);
      expect(await completedFrameworkIds(harness)).to.deep.equal([framework.frameworkId]);
    });

    it('rescinds the outstanding offers of a framework that re-subscribes from the same pid', async () => {
      const harness = await startHarness();
      await registerAgent(harness);
      const framework = await registerFramework(harness);
      const offer = latestOffer(framework.probe);
      framework.probe.post(harness.masterPid, 'ReregisterFramework', { framework: framework.info, failover: false });
      await harness.clock.settle();
      expect(all(framework.probe, 'RescindResourceOffer').map((received) => (received.body as { offerId: string }).offerId)).to.deep.equal([offer.id]);
      expect(last(framework.probe, 'FrameworkReregistered')?.body).to.include({ frameworkId: framework.frameworkId });
      expect((await frameworks(harness))[0]?.offers.map((held) => held.id)).to.not.include(offer.id);
    });

    it('re-links to an agent that re-registers from the same pid after a link blip, so its later death is noticed', async () => {
      const harness = await startHarness();
      const agent = await registerAgent(harness);
      harness.host.breakLink(harness.masterPid, agent.probe.self());
      await harness.clock.settle();
      expect((await agents(harness))[0]).to.include({ connected: false });
      agent.probe.post(harness.masterPid, 'ReregisterAgent', {
        agent: agentInfo(agent.resources, 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [],
      });
      await harness.clock.settle();
      expect((await agents(harness))[0]).to.include({ connected: true, active: true });
      harness.host.terminate(agent.probe);
      await harness.clock.settle();
      expect((await agents(harness))[0]).to.include({ connected: false, active: false });
    });
  });

  describe('2. the failover flag of ReregisterFramework', () => {
    it('refuses a stale scheduler that re-registers from another pid without failover; the successor keeps the framework', async () => {
      const harness = await startHarness();
      const stale = await registerFramework(harness, { failoverTimeout: 60 });
      const successor = new Probe('scheduler-successor', FRAMEWORK_MESSAGES);
      harness.host.spawn(successor);
      successor.post(harness.masterPid, 'ReregisterFramework', { framework: stale.info, failover: true });
      await harness.clock.settle();
      expect(errorsOf(stale.probe)).to.deep.equal(['Framework failed over']);
      stale.probe.post(harness.masterPid, 'ReregisterFramework', { framework: stale.info, failover: false });
      await harness.clock.settle();
      expect(errorsOf(stale.probe)).to.deep.equal(['Framework failed over', 'Framework failed over']);
      expect(errorsOf(successor)).to.deep.equal([]);
      expect((await frameworks(harness))[0]).to.include({ pid: successor.self().toString(), connected: true });
    });
  });

  describe('10. smaller protocol differences', () => {
    it('DeactivateFramework only deactivates: the framework stays connected and no failover timer runs', async () => {
      const harness = await startHarness();
      await registerAgent(harness);
      const framework = await registerFramework(harness, { failoverTimeout: 5 });
      const offer = latestOffer(framework.probe);
      framework.probe.post(harness.masterPid, 'DeactivateFramework', { frameworkId: framework.frameworkId });
      await harness.clock.settle();
      expect(all(framework.probe, 'RescindResourceOffer').map((received) => (received.body as { offerId: string }).offerId)).to.deep.equal([offer.id]);
      await harness.clock.advance(60_000);
      expect((await frameworks(harness))[0]).to.include({ id: framework.frameworkId, connected: true, active: false });
      expect(await completedFrameworkIds(harness)).to.deep.equal([]);
    });

    it('refuses a role change on re-registration with a FrameworkError that names both role lists', async () => {
      const harness = await startHarness();
      const framework = await registerFramework(harness, { roles: ['analytics'] });
      framework.probe.post(harness.masterPid, 'ReregisterFramework', { framework: { ...framework.info, roles: ['web'] }, failover: false });
      await harness.clock.settle();
      expect(errorsOf(framework.probe)).to.have.length(1);
      expect(errorsOf(framework.probe)[0]).to.match(/roles.*analytics.*web/);
      expect(all(framework.probe, 'FrameworkReregistered')).to.have.length(0);
    });

    it('ShutdownFramework reaches every registered agent, not only those the master knows run its tasks', async () => {
      const harness = await startHarness();
      const busy = await registerAgent(harness, 'cpus:1;mem:512');
      const idle = await registerAgent(harness, 'cpus:1;mem:512', 'idle.local');
      const framework = await registerFramework(harness);
      const offer = latestOffer(framework.probe);
      await launch(harness, framework, [offer.id], [commandTask('t1', offer.agentId, 'cpus:1;mem:128')]);
      framework.probe.post(harness.masterPid, 'UnregisterFramework', { frameworkId: framework.frameworkId });
      await harness.clock.settle();
      expect(all(busy.probe, 'ShutdownFramework')).to.have.length(1);
      expect(all(idle.probe, 'ShutdownFramework')).to.have.length(1);
    });
  });
});

export type { TaskStatus };
