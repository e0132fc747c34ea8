/**
 * Hostile review of GROW_VOLUME and SHRINK_VOLUME on the master: amounts at the edge of the
 * scalars' fixed precision (Mesos compares and subtracts them in thousandths).
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { HttpRequest } from '../../../lib/process';
import type { Offer, Operation } from '../../../lib/protocol';
import { dynamicReservation, Resources, type ResourceJSON } from '../../../lib/resources';
import { resizeConversionOf } from '../../../actors/master/reservations';
import { cleanUp, last, latestOffer, registerAgent, registerFramework, startHarness, type AgentHandle, type FakeFramework, type Harness } from './harness';

function reservedDisk(size: number): Resources {
  return Resources.parse(`disk:${size}`).reservedDynamically('eng', dynamicReservation('ops'));
}

function volumeJSON(size: number): ResourceJSON {
  return {
    name: 'disk', type: 'SCALAR', scalar: { value: size }, role: 'eng', reservation: { principal: 'ops' },
    disk: { persistence: { id: 'db', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
  };
}

async function accept(harness: Harness, framework: FakeFramework, offer: Offer, operations: Operation[]): Promise<void> {
  framework.probe.post(harness.masterPid, 'AcceptOffers', { frameworkId: framework.frameworkId, offerIds: [offer.id], operations, filters: { refuseSeconds: 0 } });
  await harness.clock.settle();
}

const shrink = (size: number, subtract: number): Operation => ({ type: 'SHRINK_VOLUME', shrinkVolume: { volume: volumeJSON(size), subtract: { value: subtract } } });

function checkpointed(agent: AgentHandle): Resources | undefined {
  const message = last(agent.probe, 'CheckpointResources');
  return message === undefined ? undefined : Resources.fromJSON((message.body as { resources: unknown }).resources);
}

function dropped(harness: Harness): string {
  return harness.captured.find('dropping an invalid operation').map((entry) => String(entry.reason)).join('\n');
}

describe('actors/master: GROW_VOLUME and SHRINK_VOLUME, hostile review', () => {
  afterEach(cleanUp);

  const agentTotal = reservedDisk(500).add(Resources.fromJSON([volumeJSON(100)]));
  const context = { principal: 'ops', agentTotal };

  it('a SHRINK_VOLUME whose subtract rounds to the whole volume (99.9996 of 100) is refused, as in Mesos: it made the volume plain disk, and the agent removed its directory', () => {
    const conversion = resizeConversionOf({ kind: 'SHRINK_VOLUME', volume: volumeJSON(100), subtract: 99.9996 }, context);
    expect(conversion).to.be.a('string').that.includes("must be smaller than the size of 'ShrinkVolume.volume'");
  });

  it('a SHRINK_VOLUME whose subtract rounds to nothing (0.0004) is refused, as in Mesos, rather than a resize by nothing', () => {
    const conversion = resizeConversionOf({ kind: 'SHRINK_VOLUME', volume: volumeJSON(100), subtract: 0.0004 }, context);
    expect(conversion).to.be.a('string').that.includes("value of 'ShrinkVolume.subtract' must be greater than zero");
  });

  it('a SHRINK_VOLUME by 0.0005 (half a thousandth) converts as much as it consumes: the volume is 99.999 and 0.001 is freed (it was 100 and 0.001: disk made from nothing)', () => {
    const conversion = resizeConversionOf({ kind: 'SHRINK_VOLUME', volume: volumeJSON(100), subtract: 0.0005 }, context);
    if (typeof conversion === 'string') expect.fail(conversion);
    expect(conversion.converted.scalar('disk')).to.equal(conversion.consumed.scalar('disk'));
    expect(conversion.converted.persistentVolumes().scalar('disk')).to.equal(99.999);
  });

  /** A master, an agent and a framework of eng whose agent holds volume `db` of 100 (reserved by ops), its offer made again. */
  async function withVolumeOf100(): Promise<{ harness: Harness; agent: AgentHandle; framework: FakeFramework }> {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
    const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'], principal: 'ops' });
    await accept(harness, framework, latestOffer(framework.probe), [
      { type: 'RESERVE', reserve: { resources: reservedDisk(100).toJSON() } },
      { type: 'CREATE', create: { volumes: [volumeJSON(100)] } },
    ]);
    await harness.clock.advance(1_000);
    return { harness, agent, framework };
  }

  it('in an ACCEPT: a SHRINK_VOLUME of all but a rounding of the volume is dropped, and the agent keeps its volume', async () => {
    const { harness, agent, framework } = await withVolumeOf100();
    await accept(harness, framework, latestOffer(framework.probe), [shrink(100, 99.9996)]);
    expect(dropped(harness)).to.include("must be smaller than the size of 'ShrinkVolume.volume'");
    expect(checkpointed(agent)?.persistentVolumes().scalar('disk')).to.equal(100);
  });

  it('a GROW_VOLUME whose grown size would pass the largest scalar is refused, naming why (the conversion threw: an ACCEPT lost its later operations, an operator got a 500)', async () => {
    const huge = { name: 'disk', type: 'SCALAR', scalar: { value: 9_007_199_254_740 }, role: 'eng', reservation: { principal: 'ops' } } as ResourceJSON;
    expect(resizeConversionOf({ kind: 'GROW_VOLUME', volume: volumeJSON(100), addition: huge }, context)).to.be.a('string').that.includes('exceeds the maximum');
    const { harness, agent, framework } = await withVolumeOf100();
    await accept(harness, framework, latestOffer(framework.probe), [
      { type: 'GROW_VOLUME', growVolume: { volume: volumeJSON(100), addition: huge } },
      { type: 'RESERVE', reserve: { resources: reservedDisk(10).toJSON() } },
    ]);
    expect(dropped(harness)).to.include('exceeds the maximum');
    expect(checkpointed(agent)?.equals(reservedDisk(10).add(Resources.fromJSON([volumeJSON(100)])))).to.equal(true);
  });

  it('an operator\'s DESTROY_VOLUMES (or a second resize) checked while a GROW_VOLUME of the volume is under way is a 409: it destroyed all but the growth, leaving a volume of 50 after a 202', async () => {
    // In process, under the virtual clock: both calls are checked before the allocator converts the first.
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk(eng):400');
    const route = harness.handle.master.runtime.routes.get('/api/v1');
    if (route === undefined) throw new Error('no /api/v1 route');
    const request = (call: object): HttpRequest => ({
      method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, remoteAddress: '127.0.0.1', body: Buffer.from(JSON.stringify(call)),
    });
    const statically = (size: number): ResourceJSON => ({ name: 'disk', type: 'SCALAR', scalar: { value: size }, role: 'eng', disk: { persistence: { id: 'db' }, volume: { container_path: 'data', mode: 'RW' } } });
    const agentId = { value: agent.agentId };
    const one = async (call: object): Promise<number> => {
      const answer = dispatch(harness.handle.master, (master) => route.call(master, request(call)));
      await harness.clock.settle();
      return (await answer).status;
    };
    expect(await one({ type: 'CREATE_VOLUMES', create_volumes: { agent_id: agentId, volumes: [statically(100)] } })).to.equal(202);
    const grow = { type: 'GROW_VOLUME', grow_volume: { agent_id: agentId, volume: statically(100), addition: { name: 'disk', type: 'SCALAR', scalar: { value: 50 }, role: 'eng' } } };
    const destroy = { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: agentId, volumes: [statically(100)] } };
    const shrink = { type: 'SHRINK_VOLUME', shrink_volume: { agent_id: agentId, volume: statically(100), subtract: { value: 10 } } };
    const answers = dispatch(harness.handle.master, (master) => [route.call(master, request(grow)), route.call(master, request(destroy)), route.call(master, request(shrink))]);
    await harness.clock.settle();
    const statuses = (await Promise.all(await answers)).map((answer) => answer.status);
    expect(statuses).to.deep.equal([202, 409, 409]);
    expect(checkpointed(agent)?.equals(Resources.fromJSON([statically(150)]))).to.equal(true);
  });
});
