/**
 * Hostile review of the master's persistent volumes: names the agent cannot make into a
 * directory.
 */
import { expect } from 'chai';
import type { Offer, Operation } from '../../../lib/protocol';
import { dynamicReservation, Resources, type ResourceJSON } from '../../../lib/resources';
import { cleanUp, last, latestOffer, registerAgent, registerFramework, startHarness, type AgentHandle, type FakeFramework, type Harness } from './harness';

function reservedDisk(size: number, role = 'eng', principal = 'ops'): Resources {
  return Resources.parse(`disk:${size}`).reservedDynamically(role, dynamicReservation(principal));
}

function volumeJSON(id: string, size: number, role = 'eng', principal = 'ops', containerPath = 'data'): ResourceJSON {
  return {
    name: 'disk', type: 'SCALAR', scalar: { value: size }, role, reservation: { principal },
    disk: { persistence: { id, principal }, volume: { container_path: containerPath, mode: 'RW' } },
  };
}

async function accept(harness: Harness, framework: FakeFramework, offer: Offer, operations: Operation[], refuseSeconds = 0): Promise<void> {
  framework.probe.post(harness.masterPid, 'AcceptOffers', { frameworkId: framework.frameworkId, offerIds: [offer.id], operations, filters: { refuseSeconds } });
  await harness.clock.settle();
}

const reserve = (resources: Resources): Operation => ({ type: 'RESERVE', reserve: { resources: resources.toJSON() } });
const create = (volumes: ResourceJSON[]): Operation => ({ type: 'CREATE', create: { volumes } });

function checkpointed(agent: AgentHandle): Resources | undefined {
  const message = last(agent.probe, 'CheckpointResources');
  return message === undefined ? undefined : Resources.fromJSON((message.body as { resources: unknown }).resources);
}

function dropped(harness: Harness): string {
  return harness.captured.find('dropping an invalid operation').map((entry) => String(entry.reason)).join('\n');
}

describe('actors/master: persistent volumes, hostile review', () => {
  afterEach(cleanUp);

  it('a CREATE whose persistence id is longer than 255 bytes (255 characters of two bytes each) is dropped, naming it: Mesos counts bytes, and the agent could never make its directory (NAME_MAX)', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
    const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'], principal: 'ops' });
    const offer = latestOffer(framework.probe);
    // 255 characters, 510 bytes: Mesos' validateID counts bytes.
    await accept(harness, framework, offer, [reserve(reservedDisk(100)), create([volumeJSON('é'.repeat(255), 10)])]);
    expect(dropped(harness)).to.include('longer than 255 bytes');
    expect(checkpointed(agent)?.persistentVolumes().isEmpty()).to.equal(true);
  });

  it('a CREATE of a volume whose role is longer than 255 bytes is dropped, naming it: the role, its / a space, names one directory on the agent', async () => {
    const longRole = `${'r'.repeat(130)}/${'s'.repeat(130)}`;
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
    const framework = await registerFramework(harness, { roles: [longRole], capabilities: ['MULTI_ROLE'], principal: 'ops' });
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reservedDisk(100, longRole)), create([volumeJSON('pv', 10, longRole)])]);
    expect(dropped(harness)).to.include("is longer than 255 bytes: a persistent volume's directory on its agent is named after its role");
    expect(checkpointed(agent)?.equals(reservedDisk(100, longRole))).to.equal(true);
  });
});
