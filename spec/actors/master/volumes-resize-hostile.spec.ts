/**
 * Hostile review of GROW_VOLUME and SHRINK_VOLUME on the master: amounts at the edge of the
 * scalars' fixed precision (Mesos compares and subtracts them in thousandths).
 */
import { expect } from 'chai';
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

  it('in an ACCEPT: a SHRINK_VOLUME of all but a rounding of the volume is dropped, and the agent keeps its volume', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
    const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'], principal: 'ops' });
    await accept(harness, framework, latestOffer(framework.probe), [
      { type: 'RESERVE', reserve: { resources: reservedDisk(100).toJSON() } },
      { type: 'CREATE', create: { volumes: [volumeJSON(100)] } },
    ]);
    await harness.clock.advance(1_000);
    await accept(harness, framework, latestOffer(framework.probe), [shrink(100, 99.9996)]);
    expect(dropped(harness)).to.include("must be smaller than the size of 'ShrinkVolume.volume'");
    expect(checkpointed(agent)?.persistentVolumes().scalar('disk')).to.equal(100);
  });

  it('a GROW_VOLUME whose grown size would pass the largest scalar is refused, naming why (the conversion threw: an ACCEPT lost its later operations, an operator got a 500)', async () => {
    const huge = { name: 'disk', type: 'SCALAR', scalar: { value: 9_007_199_254_740 }, role: 'eng', reservation: { principal: 'ops' } } as ResourceJSON;
    expect(resizeConversionOf({ kind: 'GROW_VOLUME', volume: volumeJSON(100), addition: huge }, context)).to.be.a('string').that.includes('exceeds the maximum');
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
    const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'], principal: 'ops' });
    await accept(harness, framework, latestOffer(framework.probe), [
      { type: 'RESERVE', reserve: { resources: reservedDisk(100).toJSON() } },
      { type: 'CREATE', create: { volumes: [volumeJSON(100)] } },
    ]);
    await harness.clock.advance(1_000);
    await accept(harness, framework, latestOffer(framework.probe), [
      { type: 'GROW_VOLUME', growVolume: { volume: volumeJSON(100), addition: huge } },
      { type: 'RESERVE', reserve: { resources: reservedDisk(10).toJSON() } },
    ]);
    expect(dropped(harness)).to.include('exceeds the maximum');
    expect(checkpointed(agent)?.equals(reservedDisk(10).add(Resources.fromJSON([volumeJSON(100)])))).to.equal(true);
  });
});
