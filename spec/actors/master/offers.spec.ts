import { expect } from 'chai';
import type { Offer, TaskInfo } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import * as path from 'node:path';
import { REGISTRY_FILE_NAME, UNAUTHENTICATED_OFFER_TIMEOUT_MS } from '../../../actors/master/constants';
import { Registry } from '../../../actors/master/registry';
import { allocatorQuotaKey } from '../../../actors/allocator';
import {
  agentUpdate, all, cleanUp, commandTask, last, latestOffer, launch, makeWorkDir, masterState, metricsOf, offersOf, registerAgent,
  registerFramework, startHarness, updatesOf, type FakeFramework, type Harness,
} from './harness';

type Json = Record<string, unknown>;

/** An offer's resources in the agent text syntax. */
function formatted(offer: Offer): string {
  return Resources.fromJSON(offer.resources).format();
}

async function decline(harness: Harness, framework: FakeFramework, offerIds: string[], refuseSeconds?: number): Promise<void> {
  framework.probe.post(harness.masterPid, 'DeclineOffers', {
    frameworkId: framework.frameworkId, offerIds, ...(refuseSeconds !== undefined ? { filters: { refuseSeconds } } : {}),
  });
  await harness.clock.settle();
}

describe('actors/master: offers', () => {
  afterEach(cleanUp);

  it('makes one offer per agent per framework role, batched into one ResourceOffers per allocation run', async () => {
    const harness = await startHarness();
    const first = await registerAgent(harness, 'cpus:2;mem:2048', 'a.local');
    const second = await registerAgent(harness, 'cpus:3;mem:3072', 'b.local');
    const framework = await registerFramework(harness);
    const messages = all(framework.probe, 'ResourceOffers');
    expect(messages).to.have.length(1);
    const offers = (messages[0]?.body as { offers: Offer[] }).offers;
    expect(offers.map((offer) => offer.agentId).sort()).to.deep.equal([first.agentId, second.agentId].sort());
    expect(new Set(offers.map((offer) => offer.id)).size).to.equal(2);
    const masterId = harness.handle.master.masterInfo().id;
    expect(offers.every((offer) => offer.id.startsWith(`${masterId}-O`))).to.equal(true);
    expect((await metricsOf(harness))['master/outstanding_offers']).to.equal(2);
  });

  it('accepting launches the task: RunTask reaches the agent with the framework info and scheduler pid', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness);
    const framework = await registerFramework(harness);
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId)]);
    const runTask = last(agent.probe, 'RunTask')?.body as { framework: Json; frameworkId: string; pid: string; task: TaskInfo };
    expect(runTask.frameworkId).to.equal(framework.frameworkId);
    expect(runTask.pid).to.equal(framework.probe.self().toString());
    expect(runTask.framework).to.include({ id: framework.frameworkId, name: 'test-framework' });
    expect(runTask.task).to.include({ taskId: 't1', agentId: agent.agentId });
    const [recorded] = (await masterState(harness)).frameworks as Json[];
    expect((recorded?.tasks as Json[])[0]).to.include({ id: 't1', state: 'TASK_STAGING', slave_id: agent.agentId, framework_id: framework.frameworkId });
    expect((await metricsOf(harness))['master/tasks_staging']).to.equal(1);
  });

  it('AcceptOffers with a LAUNCH operation works like LaunchTasks', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness);
    const framework = await registerFramework(harness);
    framework.probe.post(harness.masterPid, 'AcceptOffers', {
      frameworkId: framework.frameworkId, offerIds: [latestOffer(framework.probe).id],
      operations: [{ type: 'LAUNCH', launch: { taskInfos: [commandTask('t1', agent.agentId)] } }],
    });
    await harness.clock.settle();
    expect(all(agent.probe, 'RunTask')).to.have.length(1);
  });

  it('recovers what a launch leaves unused, filtered for 5 s by default', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096');
    const framework = await registerFramework(harness);
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:1024')]);
    const before = offersOf(framework.probe).length;
    await harness.clock.advance(4_000);
    expect(offersOf(framework.probe)).to.have.length(before);
    await harness.clock.advance(2_000);
    expect(formatted(latestOffer(framework.probe))).to.equal('cpus:3;mem:3072');
  });

  describe('decline', () => {
    it('with the default filter: not re-offered before 5 s, re-offered after', async () => {
      const harness = await startHarness();
      await registerAgent(harness);
      const framework = await registerFramework(harness);
      await decline(harness, framework, [latestOffer(framework.probe).id]);
      await harness.clock.advance(4_500);
      expect(offersOf(framework.probe)).to.have.length(1);
      await harness.clock.advance(1_500);
      expect(offersOf(framework.probe)).to.have.length(2);
    });

    it('with refuseSeconds 0: re-offered at the next allocation run', async () => {
      const harness = await startHarness();
      await registerAgent(harness);
      const framework = await registerFramework(harness);
      await decline(harness, framework, [latestOffer(framework.probe).id], 0);
      await harness.clock.advance(1_000);
      expect(offersOf(framework.probe)).to.have.length(2);
    });

    it('a LaunchTasks without tasks declines', async () => {
      const harness = await startHarness();
      await registerAgent(harness);
      const framework = await registerFramework(harness);
      await launch(harness, framework, [latestOffer(framework.probe).id], [], 0);
      expect((await metricsOf(harness))['master/outstanding_offers']).to.equal(0);
      await harness.clock.advance(1_000);
      expect(offersOf(framework.probe)).to.have.length(2);
      expect((await metricsOf(harness))['master/outstanding_offers']).to.equal(1);
    });

    it("ignores another framework's offer ids", async () => {
      const harness = await startHarness();
      await registerAgent(harness);
      const owner = await registerFramework(harness);
      const other = await registerFramework(harness);
      await decline(harness, other, [latestOffer(owner.probe).id], 0);
      expect((await metricsOf(harness))['master/outstanding_offers']).to.equal(1);
    });
  });

  it('suppress stops offers; revive brings them back', async () => {
    const harness = await startHarness();
    await registerAgent(harness);
    const framework = await registerFramework(harness);
    framework.probe.post(harness.masterPid, 'SuppressOffers', { frameworkId: framework.frameworkId });
    await decline(harness, framework, [latestOffer(framework.probe).id], 0);
    await harness.clock.advance(10_000);
    expect(offersOf(framework.probe)).to.have.length(1);
    framework.probe.post(harness.masterPid, 'ReviveOffers', { frameworkId: framework.frameworkId });
    await harness.clock.settle();
    expect(offersOf(framework.probe)).to.have.length(2);
  });

  it('drops a suppress or revive naming a role the framework does not subscribe to, rather than pass it to the allocator (found by the wire fuzzer, seed 1)', async () => {
    const harness = await startHarness();
    await registerAgent(harness);
    const framework = await registerFramework(harness);
    framework.probe.post(harness.masterPid, 'SuppressOffers', { frameworkId: framework.frameworkId, roles: ['*', 'TASK_FINISHED'] });
    framework.probe.post(harness.masterPid, 'ReviveOffers', { frameworkId: framework.frameworkId, roles: ['other'] });
    await decline(harness, framework, [latestOffer(framework.probe).id], 0);
    await harness.clock.advance(2_000);
    expect(offersOf(framework.probe)).to.have.length(2); // not suppressed: the whole call was dropped
    expect(harness.captured.find('dropping a call for a role the framework does not subscribe to').map((record) => record.role)).to.deep.equal(['TASK_FINISHED', 'other']);
    expect(harness.captured.find('allocator refused a call')).to.deep.equal([]);
  });

  it('with an offer timeout, an unused offer is rescinded and its resources offered again', async () => {
    const harness = await startHarness({ offerTimeoutMs: 10_000 });
    await registerAgent(harness);
    const framework = await registerFramework(harness);
    const offer = latestOffer(framework.probe);
    await harness.clock.advance(9_999);
    expect(all(framework.probe, 'RescindResourceOffer')).to.have.length(0);
    await harness.clock.advance(1);
    expect(last(framework.probe, 'RescindResourceOffer')?.body).to.deep.equal({ offerId: offer.id });
    expect(latestOffer(framework.probe).id).to.not.equal(offer.id);
  });

  it('without an offer timeout (the default), offers to an unauthenticated framework are rescinded after UNAUTHENTICATED_OFFER_TIMEOUT_MS', async () => {
    const harness = await startHarness();
    await registerAgent(harness);
    const framework = await registerFramework(harness);
    const offer = latestOffer(framework.probe);
    await harness.clock.advance(UNAUTHENTICATED_OFFER_TIMEOUT_MS - 1);
    expect(all(framework.probe, 'RescindResourceOffer')).to.have.length(0);
    await harness.clock.advance(1);
    expect(last(framework.probe, 'RescindResourceOffer')?.body).to.deep.equal({ offerId: offer.id });
  });

  it('an offer timeout set by flag applies to unauthenticated frameworks instead of the default', async () => {
    const harness = await startHarness({ offerTimeoutMs: 3_600_000 });
    await registerAgent(harness);
    const framework = await registerFramework(harness);
    await harness.clock.advance(3_600_000 - 1);
    expect(all(framework.probe, 'RescindResourceOffer')).to.have.length(0);
    expect(offersOf(framework.probe)).to.have.length(1);
  });

  it('an allocation that does not fit what the master sees free on the agent is recovered, not offered', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096');
    const framework = await registerFramework(harness);
    // The allocator is made to believe in a bigger agent than the master knows: its next
    // allocation is for an agent state the master does not have.
    await harness.handle.allocator.updateAgent(agent.agentId, Resources.parse('cpus:8;mem:4096'));
    await harness.clock.advance(3_000);
    expect(offersOf(framework.probe)).to.have.length(1);
    expect(formatted(latestOffer(framework.probe))).to.equal('cpus:4;mem:4096');
    expect(harness.captured.find('allocation does not fit').length).to.be.greaterThan(0);
    const view = await harness.handle.allocator.agent(agent.agentId);
    expect(view?.allocated.format()).to.equal('cpus:4;mem:4096');
  });

  it('an accepted offer is gone: accepting it again loses the tasks (invalid offers)', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness);
    const framework = await registerFramework(harness);
    const offerId = latestOffer(framework.probe).id;
    await launch(harness, framework, [offerId], [commandTask('t1', agent.agentId)]);
    await launch(harness, framework, [offerId], [commandTask('t2', agent.agentId)]);
    const update = updatesOf(framework.probe).find(({ update: u }) => u.status.taskId === 't2')?.update;
    expect(update?.status).to.include({ state: 'TASK_LOST', reason: 'REASON_INVALID_OFFERS', source: 'SOURCE_MASTER' });
    expect(update?.status.message).to.equal(`Task launched with invalid offers: Offer ${offerId} is no longer valid`);
    expect(all(agent.probe, 'RunTask')).to.have.length(1);
  });
});

describe('actors/master: the allocator\'s recovery after a restart with quota set (Mesos\' allocator recover)', () => {
  afterEach(cleanUp);

  it('offers nothing until 80% of the registry\'s agents are back (or --allocator_recovery_timeout passes)', async () => {
    const workDir = makeWorkDir();
    const registry = await Registry.load(path.join(workDir, REGISTRY_FILE_NAME));
    for (let index = 0; index < 5; index++) {
      await registry.admit({ id: `old-S${index}`, info: { id: `old-S${index}`, hostname: `old-${index}.local`, port: 5051, resources: Resources.parse('cpus:1;mem:512').toJSON() } });
    }
    await registry.updateQuota('eng', { guarantees: { cpus: 1 }, limits: {} });
    const harness = await startHarness({ allocatorRecoveryTimeoutMs: 120_000 }, workDir);
    const framework = await registerFramework(harness, { roles: ['eng'] });
    for (let index = 0; index < 3; index++) await registerAgent(harness, 'cpus:1;mem:512', `new-${index}.local`);
    await harness.clock.advance(5_000);
    expect(offersOf(framework.probe), 'three of the five: still waiting for a fourth').to.deep.equal([]);
    await registerAgent(harness, 'cpus:1;mem:512', 'new-3.local');
    await harness.clock.advance(1_000);
    expect(offersOf(framework.probe).map((offer) => offer.hostname).sort()).to.deep.equal(['new-0.local', 'new-1.local', 'new-2.local', 'new-3.local']);
  });
});

describe('actors/master: what tasks use, told to the allocator (Mesos\' transitionOfferedToAllocated)', () => {
  afterEach(cleanUp);

  it('quota\'s consumed metric counts the launched task, not the rest of the offer, until the task ends', async () => {
    const harness = await startHarness();
    await harness.handle.allocator.setQuota('eng', { guarantee: { cpus: 1 } });
    const agent = await registerAgent(harness, 'cpus:4;mem:1024');
    const framework = await registerFramework(harness, { roles: ['eng'] });
    await harness.clock.advance(1_000);
    const consumed = async (): Promise<number | undefined> => (await harness.handle.allocator.metrics())[allocatorQuotaKey('eng', 'cpus', 'consumed')];
    expect(await consumed(), 'offered only').to.equal(undefined);
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:64')]);
    expect(await consumed()).to.equal(1);
    await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_FINISHED');
    await harness.clock.settle();
    expect(await consumed()).to.equal(undefined);
  });

  it('an accept is one allocator event: the offer\'s rest returned and what the tasks took marked used together', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:1024');
    const framework = await registerFramework(harness);
    await harness.clock.advance(1_000);
    const allocatorEvents = (): number => [...(harness.handle.allocator.process.runtime.dispatchCounts ?? [])].reduce((sum, [, count]) => sum + count, 0);
    const before = allocatorEvents();
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:1;mem:64')]);
    expect(allocatorEvents() - before).to.equal(1);
    const [holding] = await harness.handle.allocator.holdings(framework.frameworkId);
    expect(holding?.resources.format(), 'the rest of the offer went back').to.equal('cpus:1;mem:64');
  });
});
