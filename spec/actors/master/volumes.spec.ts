import { expect } from 'chai';
import type { Operation } from '../../../lib/protocol';
import { Resources, type ResourceJSON } from '../../../lib/resources';
import { within } from '../../support/runtime';
import {
  agentInfo, agentUpdate, all, cleanUp, commandTask, last, latestOffer, metricsOf, registerAgent, registerFramework,
  startHarness, startListeningHarness, statesOf, updatesOf, FakeAgent, type AgentHandle, type FakeFramework, type Harness,
} from './harness';
import { accept, create, destroy, grow, reserve, reservedDisk, shrink, unreserve, volume } from './volume-operations';

type Json = Record<string, unknown>;



/** The resources the agent was last told to keep (CheckpointResources), or undefined. */
function checkpointed(agent: AgentHandle): Resources | undefined {
  const message = last(agent.probe, 'CheckpointResources');
  return message === undefined ? undefined : Resources.fromJSON((message.body as { resources: unknown }).resources);
}

async function setUp(flags: Parameters<typeof startHarness>[0] = {}): Promise<{ harness: Harness; agent: AgentHandle; framework: FakeFramework }> {
  const harness = await startHarness(flags);
  const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
  const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'], principal: 'ops' });
  return { harness, agent, framework };
}

/** Sends each operation alone in an ACCEPT of the latest offer: each is dropped, its reason logged, and the agent told nothing. */
async function expectEachDropped(harness: Harness, agent: AgentHandle, framework: FakeFramework, cases: ReadonlyArray<readonly [Operation, string]>): Promise<void> {
  for (const [operation, reason] of cases) {
    harness.captured.records.length = 0;
    const before = all(agent.probe, 'CheckpointResources').length;
    await accept(harness, framework, latestOffer(framework.probe), [operation]);
    expect(dropped(harness), reason).to.include(reason);
    expect(all(agent.probe, 'CheckpointResources')).to.have.length(before);
    await harness.clock.advance(1_000);
  }
}

/** The reasons logged for operations dropped since `records` was emptied. */
function dropped(harness: Harness): string {
  return harness.captured.find('dropping an invalid operation').map((entry) => String(entry.reason)).join('\n');
}

describe('actors/master: persistent volumes (CREATE, DESTROY)', () => {
  afterEach(cleanUp);

  it('RESERVE, CREATE and LAUNCH in one ACCEPT: the agent keeps the volume before the task runs on it; after the task the volume is offered again to the role, whole', async () => {
    const { harness, agent, framework } = await setUp();
    const pv = volume('db-1', 100);
    const task = { ...commandTask('t1', agent.agentId, 'cpus:1;mem:128'), resources: Resources.parse('cpus:1;mem:128').add(pv).toJSON() };
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reservedDisk(200)), create(pv), { type: 'LAUNCH', launch: { taskInfos: [task] } }], 60);
    const order = agent.probe.received.map((message) => message.name).filter((name) => name === 'RunTask' || name === 'CheckpointResources');
    expect(order).to.deep.equal(['CheckpointResources', 'CheckpointResources', 'RunTask']);
    expect(checkpointed(agent)?.equals(reservedDisk(100).add(pv))).to.equal(true);
    expect((await metricsOf(harness))[`master/frameworks/test-framework/${framework.frameworkId}/operations/create`]).to.equal(1);
    // The task ends: its volume comes back whole, reserved to eng, and is offered to eng only.
    await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_FINISHED');
    await harness.clock.advance(61_000);
    const offered = Resources.fromJSON(latestOffer(framework.probe).resources);
    expect(offered.persistentVolumes().equals(pv)).to.equal(true);
    expect(offered.toJSON().find((entry) => entry.disk !== undefined)?.disk).to.deep.equal({ persistence: { id: 'db-1', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } });
  });

  it('DESTROY then UNRESERVE: the volume goes back to reserved disk, then to everyone; the agent keeps nothing', async () => {
    const { harness, agent, framework } = await setUp();
    const pv = volume('db-1', 100);
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reservedDisk(100)), create(pv)]);
    await harness.clock.advance(1_000);
    await accept(harness, framework, latestOffer(framework.probe), [destroy(pv)]);
    expect(checkpointed(agent)?.equals(reservedDisk(100))).to.equal(true);
    await harness.clock.advance(1_000);
    await accept(harness, framework, latestOffer(framework.probe), [unreserve(reservedDisk(100))]);
    expect(checkpointed(agent)?.isEmpty()).to.equal(true);
    expect((await metricsOf(harness))[`master/frameworks/test-framework/${framework.frameworkId}/operations/destroy`]).to.equal(1);
  });

  it('a volume on a static reservation: made of disk(eng), kept by the agent, destroyed back into it', async () => {
    const harness = await startHarness();
    const agent = await registerAgent(harness, 'cpus:2;mem:1024;disk(eng):500');
    const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'], principal: 'ops' });
    const pv = volume('s-1', 200, { statically: true });
    await accept(harness, framework, latestOffer(framework.probe), [create(pv)]);
    expect(checkpointed(agent)?.equals(pv)).to.equal(true);
    await harness.clock.advance(1_000);
    expect(Resources.fromJSON(latestOffer(framework.probe).resources).format()).to.equal('cpus:2;mem:1024;disk(eng):300;disk(eng)[s-1:data]:200');
    await accept(harness, framework, latestOffer(framework.probe), [destroy(pv)]);
    expect(checkpointed(agent)?.isEmpty()).to.equal(true);
  });

  it('drops an invalid or unauthorized CREATE or DESTROY alone, naming why, and counts it', async () => {
    const { harness, agent, framework } = await setUp({ acls: { permissive: true, create_volumes: [{ principals: { type: 'ANY' }, roles: { values: ['eng'] } }], destroy_volumes: [{ principals: { type: 'ANY' }, creator_principals: { type: 'NONE' } }] } });
    const existing = volume('db-1', 100);
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reservedDisk(400)), create(existing)]);
    await harness.clock.advance(1_000);
    const cases: Array<[Operation, string]> = [
      [create(reservedDisk(10)), 'is not a persistent volume'],
      [create(volume('ro', 10, { mode: 'RO' })), 'read-only persistent volumes are not supported'],
      [create(volume('x', 10, { creator: 'mallory' })), "names principal 'mallory' in 'disk.persistence', but the framework's principal is 'ops'"],
      [create(volume('db-1', 10, { path: 'other' })), "persistence id 'db-1' is not unique in role 'eng' on the agent"],
      [create(volume('big', 9_999)), 'the offers do not hold'],
      [{ type: 'CREATE', create: { volumes: [{ ...volume('v', 1).toJSON()[0], disk: { persistence: { id: 'v' }, volume: { container_path: '../../etc', mode: 'RW' } } } as ResourceJSON] } }, "'..' component"],
      [{ type: 'CREATE' }, "CREATE without its 'create' field"],
      [destroy(volume('nope', 10)), "persistent volume 'disk(eng, ops)[nope:data]:10' not found on the agent"],
      [destroy(volume('db-1', 40)), "is part of volume 'db-1' (100); a volume is destroyed whole"],
      [unreserve(existing), 'is a persistent volume (DESTROY it first)'],
      [reserve(existing), 'is a persistent volume (reserve plain disk, then CREATE the volume)'],
      [destroy(existing), "not authorized: a request without a principal is not authorized to destroy volumes created by principal 'ops'"],
    ];
    await expectEachDropped(harness, agent, framework, cases);
    expect((await metricsOf(harness))['mesos_ts/master/invalid_offer_operations']).to.equal(cases.length);
  });

  it('GROW_VOLUME and SHRINK_VOLUME: the volume keeps its id and changes size, the agent keeps it so, the disk it gives back is offered again; counted', async () => {
    const { harness, agent, framework } = await setUp();
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reservedDisk(300)), create(volume('db-1', 100))]);
    await harness.clock.advance(1_000);
    await accept(harness, framework, latestOffer(framework.probe), [grow(volume('db-1', 100), reservedDisk(150))]);
    expect(checkpointed(agent)?.equals(reservedDisk(50).add(volume('db-1', 250)))).to.equal(true);
    await harness.clock.advance(1_000);
    expect(Resources.fromJSON(latestOffer(framework.probe).resources).persistentVolumes().equals(volume('db-1', 250))).to.equal(true);
    await accept(harness, framework, latestOffer(framework.probe), [shrink(volume('db-1', 250), 200)]);
    expect(checkpointed(agent)?.equals(reservedDisk(250).add(volume('db-1', 50)))).to.equal(true);
    await harness.clock.advance(1_000);
    const offered = Resources.fromJSON(latestOffer(framework.probe).resources);
    expect(offered.persistentVolumes().equals(volume('db-1', 50))).to.equal(true);
    expect(offered.withoutVolumes().subtract(offered.persistentVolumes().withoutVolumes()).reserved('eng').scalar('disk')).to.equal(250);
    const metrics = await metricsOf(harness);
    expect(metrics[`master/frameworks/test-framework/${framework.frameworkId}/operations/grow_volume`]).to.equal(1);
    expect(metrics[`master/frameworks/test-framework/${framework.frameworkId}/operations/shrink_volume`]).to.equal(1);
  });

  it('a volume resized in an ACCEPT is not offered to that ACCEPT\'s later operations (Mesos keeps resizes out of the remaining resources), and is offered again at once, unfiltered', async () => {
    const { harness, agent, framework } = await setUp();
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reservedDisk(300)), create(volume('db-1', 100))]);
    await harness.clock.advance(1_000);
    // Grown to 250, then a task on the grown volume and one on the volume as offered: neither is in what the ACCEPT has left.
    const onGrown = { ...commandTask('on-grown', agent.agentId), resources: Resources.parse('cpus:1;mem:128').add(volume('db-1', 250)).toJSON() };
    const onOld = { ...commandTask('on-old', agent.agentId), resources: Resources.parse('cpus:1;mem:128').add(volume('db-1', 100)).toJSON() };
    const plain = { ...commandTask('plain', agent.agentId), resources: Resources.parse('cpus:1;mem:128').toJSON() };
    await accept(harness, framework, latestOffer(framework.probe), [grow(volume('db-1', 100), reservedDisk(150)), { type: 'LAUNCH', launch: { taskInfos: [onGrown, onOld, plain] } }], 3_600);
    expect(checkpointed(agent)?.equals(reservedDisk(50).add(volume('db-1', 250)))).to.equal(true);
    expect(statesOf(framework.probe, 'on-grown')).to.deep.equal(['TASK_ERROR']);
    expect(statesOf(framework.probe, 'on-old')).to.deep.equal(['TASK_ERROR']);
    expect(all(agent.probe, 'RunTask').map((message) => (message.body as { task: { taskId: string } }).task.taskId)).to.deep.equal(['plain']);
    // The grown volume is offered again at once despite the ACCEPT's hour-long filter (and with it
    // the rest of the agent: an offer is filtered only when the refused resources cover it, as Mesos).
    const offers = all(framework.probe, 'ResourceOffers').length;
    await harness.clock.advance(1_000);
    expect(all(framework.probe, 'ResourceOffers')).to.have.length(offers + 1);
    expect(Resources.fromJSON(latestOffer(framework.probe).resources).persistentVolumes().equals(volume('db-1', 250))).to.equal(true);
  });

  it('drops an invalid or unauthorized GROW_VOLUME or SHRINK_VOLUME alone, naming why', async () => {
    const { harness, agent, framework } = await setUp({ acls: { permissive: true, resize_volumes: [{ principals: { type: 'ANY' }, roles: { values: ['other'] } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }] } });
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reservedDisk(400)), create(volume('db-1', 100))]);
    await harness.clock.advance(1_000);
    const cases: Array<[Operation, string]> = [
      [grow(reservedDisk(10), reservedDisk(10)), "is not a persistent volume"],
      [grow(volume('nope', 100), reservedDisk(10)), "persistent volume 'disk(eng, ops)[nope:data]:100' not found on the agent"],
      [grow(volume('db-1', 40), reservedDisk(10)), "is part of volume 'db-1' (100); a volume is resized whole"],
      [grow(volume('db-1', 100), Resources.parse('disk:10')), "is not more of the volume's disk"],
      [grow(volume('db-1', 100), reservedDisk(10, 'eng', 'someone')), "is not more of the volume's disk"],
      [grow(volume('db-1', 100), reservedDisk(9_999)), 'the offers do not hold'],
      [{ type: 'GROW_VOLUME', growVolume: { volume: volume('db-1', 100).toJSON()[0] as ResourceJSON, addition: { name: 'disk', type: 'SCALAR', scalar: { value: 0 } } as ResourceJSON } }, "Invalid resource in the 'GrowVolume.addition' field"],
      [shrink(volume('db-1', 100), 0), "value of 'ShrinkVolume.subtract' must be greater than zero"],
      [shrink(volume('db-1', 100), 100), "value of 'ShrinkVolume.subtract' (100) must be smaller than the size of 'ShrinkVolume.volume' (100)"],
      [{ type: 'SHRINK_VOLUME' }, "SHRINK_VOLUME without its 'shrinkVolume' field"],
      [shrink(volume('db-1', 100), 10), "not authorized: a request without a principal is not authorized to resize volumes of role 'eng'"],
    ];
    await expectEachDropped(harness, agent, framework, cases);
  });

  it('a task that takes part of a volume is TASK_ERROR, naming the volume; one that takes it whole runs', async () => {
    const { harness, agent, framework } = await setUp();
    const pv = volume('db-1', 100);
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reservedDisk(100)), create(pv)]);
    await harness.clock.advance(1_000);
    const half = volume('db-1', 50);
    const partial = { ...commandTask('part', agent.agentId), resources: Resources.parse('cpus:1;mem:128').add(half).toJSON() };
    await accept(harness, framework, latestOffer(framework.probe), [{ type: 'LAUNCH', launch: { taskInfos: [partial] } }]);
    expect(statesOf(framework.probe, 'part')).to.deep.equal(['TASK_ERROR']);
    expect(updatesOf(framework.probe).find(({ update }) => update.status.taskId === 'part')?.update.status.message).to.include("uses part of persistent volume 'db-1' (50 of 100); a volume is used whole");
    await harness.clock.advance(1_000);
    const whole = { ...commandTask('whole', agent.agentId), resources: Resources.parse('cpus:1;mem:128').add(pv).toJSON() };
    await accept(harness, framework, latestOffer(framework.probe), [{ type: 'LAUNCH', launch: { taskInfos: [whole] } }]);
    expect(all(agent.probe, 'RunTask')).to.have.length(1);
  });

  it('a registering agent\'s checkpointed volumes are part of its total; one whose disk cannot hold them, or with a persistence id twice, is refused', async () => {
    const harness = await startHarness();
    const probe = new FakeAgent('agent-with-volume');
    harness.host.spawn(probe);
    const kept = reservedDisk(50).add(volume('db-1', 50));
    probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:4;mem:4096;disk:100'), version: '0.1.0', checkpointedResources: kept.toJSON() });
    await harness.clock.settle();
    expect(last(probe, 'AgentRegistered')).to.not.equal(undefined);
    const twice = new FakeAgent('agent-twice');
    harness.host.spawn(twice);
    twice.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('disk:100', 'b.local'), version: '0.1.0', checkpointedResources: [...volume('v', 10).toJSON(), ...volume('v', 10, { path: 'elsewhere' }).toJSON()] });
    await harness.clock.settle();
    expect(last(twice, 'AgentRegistered')).to.equal(undefined);
    expect(JSON.stringify(harness.captured.find('dropping RegisterAgent with invalid resources'))).to.include("persistence id 'v' is not unique in role 'eng'");
    // Volumes declared in an agent's own resources are refused: the master makes them.
    const declaring = new FakeAgent('agent-declaring');
    harness.host.spawn(declaring);
    declaring.post(harness.masterPid, 'RegisterAgent', { agent: { ...agentInfo('cpus:1', 'c.local'), resources: volume('v', 10, { statically: true }).toJSON() }, version: '0.1.0' });
    await harness.clock.settle();
    expect(JSON.stringify(harness.captured.find('dropping RegisterAgent with invalid resources'))).to.include('declare dynamic reservations or persistent volumes');
  });

  describe('operators: /master/create-volumes, /master/destroy-volumes, CREATE_VOLUMES and DESTROY_VOLUMES', () => {
    let harness: Harness | undefined;
    afterEach(async () => {
      await harness?.host.stop();
      harness = undefined;
    });

    async function post(path: string, form: Record<string, string>): Promise<{ status: number; text: string }> {
      const url = `http://${harness?.host.address ?? ''}${path}`;
      const response = await within(fetch(url, { method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 5_000, url);
      return { status: response.status, text: await response.text() };
    }

    async function operatorCall(call: Json): Promise<{ status: number; text: string }> {
      const url = `http://${harness?.host.address ?? ''}/api/v1`;
      const response = await within(fetch(url, { method: 'POST', body: JSON.stringify(call), headers: { 'content-type': 'application/json', accept: 'application/json' } }), 5_000, url);
      return { status: response.status, text: await response.text() };
    }

    it('creates a volume on free reserved disk (202, the agent keeps it); 409 to destroy it while a task uses it; destroys it once free', async () => {
      harness = await startListeningHarness();
      const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
      const disk = reservedDisk(100, 'eng', null);
      expect(await post('/master/reserve', { slaveId: agent.agentId, resources: JSON.stringify(disk.toJSON()) })).to.deep.equal({ status: 202, text: '' });
      const pv = volume('db-1', 100, { principal: null });
      const pvJSON = pv.toJSON();
      expect(pvJSON[0]?.disk?.persistence).to.deep.equal({ id: 'db-1' });
      expect(await post('/master/create-volumes', { slaveId: agent.agentId })).to.deep.include({ status: 400 });
      expect((await post('/master/create-volumes', { slaveId: agent.agentId, volumes: '[{' })).text).to.include("'volumes' is not JSON");
      expect(await post('/master/create-volumes', { slaveId: agent.agentId, volumes: JSON.stringify(pvJSON) })).to.deep.equal({ status: 202, text: '' });
      expect(checkpointed(agent)?.equals(pv)).to.equal(true);
      const again = await post('/master/create-volumes', { slaveId: agent.agentId, volumes: JSON.stringify(volume('db-1', 1, { principal: null, path: 'x' }).toJSON()) });
      expect(again.status).to.equal(400);
      expect(again.text).to.include("persistence id 'db-1' is not unique");
      // A framework of eng runs a task on it: the operator may not destroy it meanwhile.
      const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'] });
      const offer = latestOffer(framework.probe);
      const task = { ...commandTask('t1', agent.agentId), resources: Resources.parse('cpus:1;mem:128').add(pv).toJSON() };
      await accept(harness, framework, offer, [{ type: 'LAUNCH', launch: { taskInfos: [task] } }], 3_600);
      expect(all(agent.probe, 'RunTask')).to.have.length(1);
      const busy = await operatorCall({ type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: { value: agent.agentId }, volumes: pvJSON } });
      expect(busy.status).to.equal(400); // as Mesos' validate(Destroy)
      expect(busy.text).to.include('is in use by a task or an executor');
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_FINISHED');
      expect(await operatorCall({ type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: { value: agent.agentId }, volumes: pvJSON } })).to.deep.include({ status: 202 });
      expect(checkpointed(agent)?.equals(disk)).to.equal(true);
      expect(await operatorCall({ type: 'CREATE_VOLUMES', create_volumes: { agent_id: { value: agent.agentId }, volumes: pvJSON } })).to.deep.include({ status: 202 });
      expect(checkpointed(agent)?.equals(pv)).to.equal(true);
    });

    it('GROW_VOLUME and SHRINK_VOLUME by the v1 operator API: 202 with the agent keeping the new size; 400 naming what is wrong; 409 while a task uses it; 403 when resize_volumes denies the role', async () => {
      harness = await startListeningHarness({ acls: { permissive: true, resize_volumes: [{ principals: { type: 'ANY' }, roles: { values: ['eng'] } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }] } });
      const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk(eng):1000;disk(dev):100');
      const pv = volume('db-1', 100, { statically: true, creator: null });
      expect(await post('/master/create-volumes', { slaveId: agent.agentId, volumes: JSON.stringify(pv.toJSON()) })).to.deep.include({ status: 202 });
      const agentId = { value: agent.agentId };
      const addition = Resources.parse('disk(eng):50').toJSON()[0];
      expect(await operatorCall({ type: 'GROW_VOLUME', grow_volume: { agent_id: agentId, volume: pv.toJSON()[0], addition } })).to.deep.include({ status: 202 });
      const grown = volume('db-1', 150, { statically: true, creator: null });
      expect(checkpointed(agent)?.equals(grown)).to.equal(true);
      const tooMuch = await operatorCall({ type: 'SHRINK_VOLUME', shrink_volume: { agent_id: agentId, volume: grown.toJSON()[0], subtract: { value: 150 } } });
      expect(tooMuch).to.deep.include({ status: 400 });
      expect(tooMuch.text).to.include("must be smaller than the size of 'ShrinkVolume.volume' (150)");
      expect((await operatorCall({ type: 'GROW_VOLUME', grow_volume: { agent_id: agentId, volume: grown.toJSON()[0] } })).text).to.include("grow_volume: Expecting 'addition' to be present");
      // A task holds it: 409, as for DESTROY_VOLUMES.
      const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'] });
      const task = { ...commandTask('t1', agent.agentId), resources: Resources.parse('cpus:1;mem:128').add(grown).toJSON() };
      await accept(harness, framework, latestOffer(framework.probe), [{ type: 'LAUNCH', launch: { taskInfos: [task] } }], 3_600);
      expect((await operatorCall({ type: 'SHRINK_VOLUME', shrink_volume: { agent_id: agentId, volume: grown.toJSON()[0], subtract: { value: 100 } } })).status).to.equal(409);
      await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_FINISHED');
      expect(await operatorCall({ type: 'SHRINK_VOLUME', shrink_volume: { agent_id: agentId, volume: grown.toJSON()[0], subtract: { value: 100 } } })).to.deep.include({ status: 202 });
      expect(checkpointed(agent)?.equals(volume('db-1', 50, { statically: true, creator: null }))).to.equal(true);
      // The dev role's volumes may not be resized.
      const devVolume = volume('dev-1', 10, { role: 'dev', statically: true, creator: null });
      expect(await post('/master/create-volumes', { slaveId: agent.agentId, volumes: JSON.stringify(devVolume.toJSON()) })).to.deep.include({ status: 202 });
      const denied = await operatorCall({ type: 'GROW_VOLUME', grow_volume: { agent_id: agentId, volume: devVolume.toJSON()[0], addition: Resources.parse('disk(dev):5').toJSON()[0] } });
      expect(denied.status).to.equal(403);
      expect(denied.text).to.include("resize volumes of role 'dev'");
    });

    it('403 when the ACLs deny create_volumes for the role or destroy_volumes of the creator', async () => {
      harness = await startListeningHarness({ acls: { permissive: true, create_volumes: [{ principals: { type: 'ANY' }, roles: { type: 'NONE' } }], destroy_volumes: [{ principals: { type: 'ANY' }, creator_principals: { type: 'NONE' } }] } });
      const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk(eng):1000');
      const pv = volume('db-1', 100, { statically: true, creator: null });
      const denied = await post('/master/create-volumes', { slaveId: agent.agentId, volumes: JSON.stringify(pv.toJSON()) });
      expect(denied.status).to.equal(403);
      expect(denied.text).to.include('create volumes for role');
      expect(checkpointed(agent)).to.equal(undefined);
    });
  });
});
