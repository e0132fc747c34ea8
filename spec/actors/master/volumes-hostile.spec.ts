/**
 * Hostile review of the master's persistent volumes: names the agent cannot make into a
 * directory, a volume split between a task and its executor, two CREATEs of one id at once.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { HttpRequest } from '../../../lib/process';
import type { Offer, Operation, TaskInfo } from '../../../lib/protocol';
import { dynamicReservation, Resources, type ResourceJSON } from '../../../lib/resources';
import {
  all, cleanUp, commandTask, last, latestOffer, registerAgent, registerFramework, startHarness, statesOf, updatesOf,
  type AgentHandle, type FakeFramework, type Harness,
} from './harness';

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
const launch = (...taskInfos: TaskInfo[]): Operation => ({ type: 'LAUNCH', launch: { taskInfos } });

function checkpointed(agent: AgentHandle): Resources | undefined {
  const message = last(agent.probe, 'CheckpointResources');
  return message === undefined ? undefined : Resources.fromJSON((message.body as { resources: unknown }).resources);
}

function dropped(harness: Harness): string {
  return harness.captured.find('dropping an invalid operation').map((entry) => String(entry.reason)).join('\n');
}

function messageOf(framework: FakeFramework, taskId: string): string | undefined {
  return updatesOf(framework.probe).find(({ update }) => update.status.taskId === taskId)?.update.status.message;
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

  it('a task and its new executor that split a volume, or a task listing one twice, is TASK_ERROR (Mesos: duplicate persistence ID); the volume is never offered in part', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
    const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'], principal: 'ops' });
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reservedDisk(100)), create([volumeJSON('db', 100)])]);
    await harness.clock.advance(1_000);
    const split: TaskInfo = {
      ...commandTask('split', agent.agentId), command: undefined,
      resources: [...Resources.parse('cpus:1;mem:128').toJSON(), volumeJSON('db', 40)],
      executor: { executorId: 'E', command: { value: 'run-executor' }, resources: [...Resources.parse('cpus:0.1;mem:32').toJSON(), volumeJSON('db', 60)] },
    };
    const twice: TaskInfo = { ...commandTask('twice', agent.agentId), resources: [...Resources.parse('cpus:1;mem:128').toJSON(), volumeJSON('db', 50), volumeJSON('db', 50)] };
    await accept(harness, framework, latestOffer(framework.probe), [launch(split)]);
    await harness.clock.advance(1_000);
    await accept(harness, framework, latestOffer(framework.probe), [launch(twice)]);
    expect(statesOf(framework.probe, 'split')).to.deep.equal(['TASK_ERROR']);
    expect(messageOf(framework, 'split')).to.include("Task and its executor use duplicate persistence ID: persistence id 'db' is not unique in role 'eng'");
    expect(statesOf(framework.probe, 'twice')).to.deep.equal(['TASK_ERROR']);
    expect(messageOf(framework, 'twice')).to.include("Task uses duplicate persistence ID: persistence id 'db' is not unique in role 'eng'");
    expect(all(agent.probe, 'RunTask')).to.have.length(0);
    await harness.clock.advance(1_000);
    expect(Resources.fromJSON(latestOffer(framework.probe).resources).persistentVolumes().equals(Resources.fromJSON([volumeJSON('db', 100)]))).to.equal(true);
  });

  it('two operators\' CREATEs of one persistence id at once: the second is a 400, since the first is being made (both were 202, and the agent, told of two volumes with one id, refused that word and every later one)', async () => {
    // In process, under the virtual clock: both requests are checked before the allocator converts the first.
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk(eng):400');
    const route = harness.handle.master.runtime.routes.get('/create-volumes');
    if (route === undefined) throw new Error('no /create-volumes route');
    const request = (volumes: ResourceJSON[]): HttpRequest => ({
      method: 'POST', path: '/master/create-volumes', query: {}, headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress: '127.0.0.1',
      body: Buffer.from(new URLSearchParams({ slaveId: agent.agentId, volumes: JSON.stringify(volumes) }).toString()),
    });
    const statically = (id: string, containerPath: string): ResourceJSON => ({ name: 'disk', type: 'SCALAR', scalar: { value: 100 }, role: 'eng', disk: { persistence: { id }, volume: { container_path: containerPath, mode: 'RW' } } });
    const answers = dispatch(harness.handle.master, (master) => [route.call(master, request([statically('db', 'a')])), route.call(master, request([statically('db', 'b')]))]);
    await harness.clock.settle();
    const [first, second] = await Promise.all(await answers);
    expect(first?.status).to.equal(202);
    expect(second?.status).to.equal(400);
    expect(JSON.stringify(second?.body)).to.include("persistence id 'db' is not unique in role 'eng' on the agent");
    expect(checkpointed(agent)?.equals(Resources.fromJSON([statically('db', 'a')]))).to.equal(true);
    // Once made, the id is the volume's, as before; once destroyed, free again (nothing is left pending).
    const call = async (path: string, volumes: ResourceJSON[]): Promise<number> => {
      const handler = harness.handle.master.runtime.routes.get(path);
      if (handler === undefined) throw new Error(`no ${path} route`);
      const answer = dispatch(harness.handle.master, (master) => handler.call(master, { ...request(volumes), path: `/master${path}` }));
      await harness.clock.settle();
      return (await answer).status;
    };
    expect(await call('/create-volumes', [statically('db', 'c')])).to.equal(400);
    expect(await call('/destroy-volumes', [statically('db', 'a')])).to.equal(202);
    expect(await call('/create-volumes', [statically('db', 'c')])).to.equal(202);
  });
});
