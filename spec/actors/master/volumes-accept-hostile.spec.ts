/**
 * Hostile cases of an ACCEPT's GROW_VOLUME / SHRINK_VOLUME followed by other operations on what
 * they made (Mesos' `resizedResources`: out of the ACCEPT's reach, offered again unfiltered). The
 * harness checks the allocator's invariants after every event (`checkAllocatorInvariants`); each
 * case also checks that the agent's whole total is offered again, nothing lost or doubled.
 */
import { expect } from 'chai';
import { Resources } from '../../../lib/resources';
import { all, cleanUp, commandTask, latestOffer, registerAgent, registerFramework, startHarness, statesOf, type AgentHandle, type FakeFramework, type Harness } from './harness';
import { accept, create, destroy, grow, reserve, reservedDisk, shrink, unreserve, volume } from './volume-operations';


async function setUp(): Promise<{ harness: Harness; agent: AgentHandle; framework: FakeFramework }> {
  const harness = await startHarness();
  const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
  const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'], principal: 'ops' });
  await accept(harness, framework, latestOffer(framework.probe), [reserve(reservedDisk(300)), create(volume('db-1', 100))]);
  await harness.clock.advance(1_000);
  return { harness, agent, framework };
}

/** The next offer holds the agent's whole disk (1000), cpus and mem: nothing lost or held twice. */
async function expectAllOfferedAgain(harness: Harness, framework: FakeFramework, volumes: Resources): Promise<Resources> {
  await harness.clock.advance(1_000);
  const offered = Resources.fromJSON(latestOffer(framework.probe).resources);
  expect(offered.scalar('disk'), 'disk offered').to.equal(1000);
  expect([offered.scalar('cpus'), offered.scalar('mem')]).to.deep.equal([4, 4096]);
  expect(offered.persistentVolumes().equals(volumes), offered.persistentVolumes().toString()).to.equal(true);
  return offered;
}

describe('actors/master: an ACCEPT\'s resize followed by operations on what it made (hostile)', () => {
  afterEach(cleanUp);

  it('GROW then DESTROY of the volume as offered, then a second GROW of it: both dropped; the grown volume offered again', async () => {
    const { harness, framework } = await setUp();
    await accept(harness, framework, latestOffer(framework.probe), [grow(volume('db-1', 100), reservedDisk(150)), destroy(volume('db-1', 100)), destroy(volume('db-1', 250)), grow(volume('db-1', 250), reservedDisk(50))], 3_600);
    await expectAllOfferedAgain(harness, framework, volume('db-1', 250));
  });

  it('SHRINK then UNRESERVE or a LAUNCH on the disk it gave back: dropped / TASK_ERROR; that disk is offered again and a later ACCEPT may use it', async () => {
    const { harness, agent, framework } = await setUp();
    const onGivenBack = { ...commandTask('on-given-back', agent.agentId), resources: Resources.parse('cpus:1;mem:128').add(reservedDisk(250)).toJSON() };
    await accept(harness, framework, latestOffer(framework.probe), [shrink(volume('db-1', 100), 60), unreserve(reservedDisk(260)), { type: 'LAUNCH', launch: { taskInfos: [onGivenBack] } }], 3_600);
    expect(statesOf(framework.probe, 'on-given-back')).to.deep.equal(['TASK_ERROR']);
    await expectAllOfferedAgain(harness, framework, volume('db-1', 40));
    const later = { ...commandTask('later', agent.agentId), resources: Resources.parse('cpus:1;mem:128').add(reservedDisk(260)).add(volume('db-1', 40)).toJSON() };
    await accept(harness, framework, latestOffer(framework.probe), [{ type: 'LAUNCH', launch: { taskInfos: [later] } }]);
    expect(statesOf(framework.probe, 'later')).to.deep.equal([]);
    expect(all(agent.probe, 'RunTask').map((message) => (message.body as { task: { taskId: string } }).task.taskId)).to.deep.equal(['later']);
  });

  it('GROW then SHRINK of another volume, a RESERVE and a CREATE after them: the later ones apply to what is left; everything offered again', async () => {
    const { harness, framework } = await setUp();
    await accept(harness, framework, latestOffer(framework.probe), [create(volume('db-2', 50))]);
    await harness.clock.advance(1_000);
    await accept(harness, framework, latestOffer(framework.probe), [
      grow(volume('db-1', 100), reservedDisk(100)), shrink(volume('db-2', 50), 20), reserve(reservedDisk(100)), create(volume('db-3', 10)),
    ], 3_600);
    await expectAllOfferedAgain(harness, framework, volume('db-1', 200).add(volume('db-2', 30)).add(volume('db-3', 10)));
  });
});
