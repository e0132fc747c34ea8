import { expect } from 'chai';
import { MAX_RESOURCE_ENTRIES } from '../../../lib/protocol';
import { dynamicReservation, Resources } from '../../../lib/resources';
import { dispatch } from '../../../lib/actor';
import type { HttpRequest, HttpResponse } from '../../../lib/process';
import { within } from '../../support/runtime';
import {
  agentInfo, all, cleanUp, commandTask, last, latestOffer, launch, metricsOf, offersOf, registerAgent, registerFramework, startHarness, startListeningHarness,
  type AgentHandle, type Harness,
} from './harness';

type Json = Record<string, unknown>;

const ENG_CPUS = Resources.parse('cpus:2;mem:1024').reservedDynamically('eng', dynamicReservation());

async function post(harness: Harness, path: string, form: Record<string, string>, method = 'POST'): Promise<{ status: number; text: string }> {
  const url = `http://${harness.host.address}${path}`;
  const init: RequestInit = method === 'POST' ? { method, body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : { method };
  const response = await within(fetch(url, init), 5_000, url);
  return { status: response.status, text: await response.text() };
}

async function operatorCall(harness: Harness, call: Json): Promise<{ status: number; text: string }> {
  const url = `http://${harness.host.address}/api/v1`;
  const response = await within(fetch(url, { method: 'POST', body: JSON.stringify(call), headers: { 'content-type': 'application/json', accept: 'application/json' } }), 5_000, url);
  return { status: response.status, text: await response.text() };
}

function checkpointed(agent: AgentHandle): Resources | undefined {
  const message = last(agent.probe, 'CheckpointResources');
  return message === undefined ? undefined : Resources.fromJSON((message.body as { resources: unknown }).resources);
}

/** What the master and its allocator each have as the agent's total. */
async function totals(harness: Harness, agentId: string): Promise<{ master: string | undefined; allocator: string | undefined }> {
  const master = await dispatch(harness.handle.master, (actor) => (actor as unknown as { state: { agents: Map<string, { total: Resources }> } }).state.agents.get(agentId)?.total.format());
  return { master, allocator: (await harness.handle.allocator.agent(agentId))?.total.format() };
}

/** An operator's RESERVE of `resources` on `agentId`, started in a master turn of its own (no HTTP: the test orders it against messages). */
function reserveInTurn(harness: Harness, agentId: string, resources: Resources): Promise<HttpResponse> {
  type Converter = { convertAgentResources(kind: 'RESERVE', agentId: string, json: unknown, caller: object): HttpResponse | Promise<HttpResponse> };
  return dispatch(harness.handle.master, (actor) => (actor as unknown as Converter).convertAgentResources('RESERVE', agentId, resources.toJSON(), {}));
}

async function slave(harness: Harness): Promise<Json> {
  const response = await within(fetch(`http://${harness.host.address}/master/slaves`), 5_000, 'slaves');
  return ((await response.json()) as { slaves: Json[] }).slaves[0] ?? {};
}

describe('actors/master: /master/reserve, /master/unreserve and the operator API\'s RESERVE_RESOURCES / UNRESERVE_RESOURCES', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.host.stop();
    harness = undefined;
    await cleanUp();
  });

  it('reserves free resources for a role: 202, the agent keeps them, only that role is offered them; /unreserve undoes it', async () => {
    harness = await startListeningHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096');
    const reserved = await post(harness, '/master/reserve', { slaveId: agent.agentId, resources: JSON.stringify(ENG_CPUS.toJSON()) });
    expect(reserved, reserved.text).to.deep.include({ status: 202 });
    expect(checkpointed(agent)?.equals(ENG_CPUS)).to.equal(true);
    expect((await slave(harness)).reserved_resources_full).to.have.keys('eng');
    // In Mesos' endpoint format: both the pre-refinement fields and `reservations`.
    const [cpus] = ((await slave(harness)).reserved_resources_full as Record<string, Json[]>).eng ?? [];
    expect(cpus).to.deep.include({ name: 'cpus', role: 'eng', reservation: {}, reservations: [{ type: 'DYNAMIC', role: 'eng' }] });
    const web = await registerFramework(harness, { roles: ['web'], capabilities: ['MULTI_ROLE'] });
    const eng = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'] });
    await harness.clock.advance(1_000);
    expect(Resources.fromJSON(latestOffer(web.probe).resources).format()).to.equal('cpus:2;mem:3072');
    expect(Resources.fromJSON(latestOffer(eng.probe).resources).dynamicallyReserved().equals(ENG_CPUS)).to.equal(true);
    // Offered to eng now: /unreserve rescinds that offer to make them free.
    const undone = await post(harness, '/master/unreserve', { slaveId: agent.agentId, resources: JSON.stringify(ENG_CPUS.toJSON()) });
    expect(undone, undone.text).to.deep.include({ status: 202 });
    expect(all(eng.probe, 'RescindResourceOffer')).to.have.length.at.least(1);
    expect(checkpointed(agent)?.isEmpty()).to.equal(true);
    expect((await slave(harness)).reserved_resources_full).to.deep.equal({});
  });

  it('rescinds outstanding offers to make room, and answers 409 when tasks use the resources', async () => {
    harness = await startListeningHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096');
    const framework = await registerFramework(harness);
    const offers = offersOf(framework.probe).length;
    const reserved = await post(harness, '/master/reserve', { slaveId: agent.agentId, resources: JSON.stringify(ENG_CPUS.toJSON()) });
    expect(reserved, reserved.text).to.deep.include({ status: 202 });
    expect(all(framework.probe, 'RescindResourceOffer')).to.have.length(1);
    await harness.clock.advance(6_000);
    expect(offersOf(framework.probe).length).to.be.greaterThan(offers);
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', agent.agentId, 'cpus:2;mem:3072')]);
    const busy = await post(harness, '/master/reserve', { slaveId: agent.agentId, resources: JSON.stringify(Resources.parse('cpus:1').reservedDynamically('eng', dynamicReservation()).toJSON()) });
    expect(busy.status).to.equal(409);
    expect(busy.text).to.include('in use by tasks or executors');
  });

  it('refuses a bad request with 400 (405 for GET) naming the problem, and changes nothing', async () => {
    harness = await startListeningHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096');
    const eng = (text: string, principal?: string): string => JSON.stringify(Resources.parse(text).reservedDynamically('eng', dynamicReservation(principal)).toJSON());
    const cases: Array<[Record<string, string>, string]> = [
      [{ resources: eng('cpus:1') }, "Missing 'slaveId'"],
      [{ slaveId: agent.agentId }, "Missing 'resources'"],
      [{ slaveId: agent.agentId, resources: '[{' }, "'resources' is not JSON"],
      [{ slaveId: 'nope', resources: eng('cpus:1') }, "No agent found with specified ID 'nope'"],
      [{ slaveId: agent.agentId, resources: JSON.stringify(Resources.parse('cpus(eng):1').toJSON()) }, 'is not dynamically reserved'],
      [{ slaveId: agent.agentId, resources: eng('cpus:1', 'mallory') }, "names principal 'mallory', but the request has none"],
    ];
    for (const [form, reason] of cases) {
      const answer = await post(harness, '/master/reserve', form);
      expect(answer.status, reason).to.equal(400);
      expect(answer.text).to.include(reason);
    }
    expect((await post(harness, '/master/reserve', {}, 'GET')).status).to.equal(405);
    // A list longer than any agent's is refused before the resource algebra (quadratic in it) runs:
    // 50,000 distinct entries (4 MB, well under the body limit) took the master 8 s to parse alone.
    const many = Array.from({ length: MAX_RESOURCE_ENTRIES + 1 }, (_, index) => ({ name: `r${index}`, type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: {} }));
    for (const path of ['/master/reserve', '/master/unreserve']) {
      const long = await post(harness, path, { slaveId: agent.agentId, resources: JSON.stringify(many) });
      expect(long.status, path).to.equal(400);
      expect(long.text).to.include(`at most ${MAX_RESOURCE_ENTRIES}`);
    }
    const tooMuch = await post(harness, '/master/reserve', { slaveId: agent.agentId, resources: eng('cpus:8') });
    expect(tooMuch.status).to.equal(409);
    expect(checkpointed(agent)).to.equal(undefined);
  });

  it('the ACLs\' reserve_resources (by role) answer 403 naming the denial', async () => {
    harness = await startListeningHarness({ acls: { permissive: true, reserve_resources: [{ principals: { type: 'ANY' }, roles: { values: ['eng'] } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }] } });
    const agent = await registerAgent(harness, 'cpus:4;mem:4096');
    const web = Resources.parse('cpus:1').reservedDynamically('web', dynamicReservation());
    const denied = await post(harness, '/master/reserve', { slaveId: agent.agentId, resources: JSON.stringify(web.toJSON()) });
    expect(denied.status).to.equal(403);
    expect(denied.text).to.match(/reserve resources for role 'web'/);
    expect((await post(harness, '/master/reserve', { slaveId: agent.agentId, resources: JSON.stringify(ENG_CPUS.toJSON()) })).status).to.equal(202);
  });

  it("the master's books follow the allocator's conversion before an allocation it made after (chaos --reservations, seed 1: that offer came first, and did not fit the master's books)", async () => {
    // In process, under the virtual clock: the order of the master's and the allocator's turns is the point.
    const local = await startHarness();
    harness = local;
    const agent = await registerAgent(local, 'cpus:4;mem:4096');
    const eng = await registerFramework(local, { roles: ['eng'], capabilities: ['MULTI_ROLE'] });
    const route = local.handle.master.runtime.routes.get('/reserve');
    const unroute = local.handle.master.runtime.routes.get('/unreserve');
    if (route === undefined || unroute === undefined) throw new Error('no /reserve or /unreserve route');
    const form = (path: string): HttpRequest => ({
      method: 'POST', path, query: {}, headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress: '127.0.0.1',
      body: Buffer.from(new URLSearchParams({ slaveId: agent.agentId, resources: JSON.stringify(ENG_CPUS.toJSON()) }).toString()),
    });
    // Offered to eng whole: the offer is rescinded to make room, its resources recovered, and the allocator offers them again right after converting.
    const reserved = dispatch(local.handle.master, (master) => route.call(master, form('/reserve')));
    await local.clock.settle();
    expect((await reserved).status).to.equal(202);
    expect(Resources.fromJSON(latestOffer(eng.probe).resources).dynamicallyReserved().equals(ENG_CPUS), 'eng is offered the reservation at once').to.equal(true);
    const undone = dispatch(local.handle.master, (master) => unroute.call(master, form('/unreserve')));
    await local.clock.settle();
    expect((await undone).status).to.equal(202);
    expect(Resources.fromJSON(latestOffer(eng.probe).resources).dynamicallyReserved().isEmpty(), 'eng is offered them unreserved at once').to.equal(true);
    expect((await metricsOf(local))['mesos_ts/master/unfit_allocations']).to.equal(0);
    expect(local.captured.records.filter((record) => record.level >= 50).map((record) => record.msg)).to.deep.equal([]);
  });

  it('the v1 operator API: RESERVE_RESOURCES and UNRESERVE_RESOURCES; a refinement (source) is refused', async () => {
    harness = await startListeningHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096');
    const reserved = await operatorCall(harness, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agent.agentId }, resources: ENG_CPUS.toJSON() } });
    expect(reserved, reserved.text).to.deep.include({ status: 202 });
    expect(checkpointed(agent)?.equals(ENG_CPUS)).to.equal(true);
    const refined = await operatorCall(harness, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agent.agentId }, resources: ENG_CPUS.toJSON(), source: ENG_CPUS.toJSON() } });
    expect(refined.status).to.equal(400);
    expect(refined.text).to.include('refining a reservation is not supported');
    const undone = await operatorCall(harness, { type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: agent.agentId }, resources: ENG_CPUS.toJSON() } });
    expect(undone, undone.text).to.deep.include({ status: 202 });
    expect(checkpointed(agent)?.isEmpty()).to.equal(true);
  });

  it('the v1 operator API: CREATE_VOLUMES and DESTROY_VOLUMES (they were answered 501, not served); a volume with a host path is refused by name', async () => {
    harness = await startListeningHarness();
    const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000');
    const disk = Resources.parse('disk:100').reservedDynamically('eng', dynamicReservation());
    expect((await operatorCall(harness, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agent.agentId }, resources: disk.toJSON() } })).status).to.equal(202);
    const volume = disk.toJSON().map((entry) => ({ ...entry, disk: { persistence: { id: 'db-data' }, volume: { container_path: 'data', mode: 'RW' } } }));
    const hostPath = volume.map((entry) => ({ ...entry, disk: { ...entry.disk, volume: { ...entry.disk.volume, host_path: '/etc' } } }));
    const refused = await operatorCall(harness, { type: 'CREATE_VOLUMES', create_volumes: { agent_id: { value: agent.agentId }, volumes: hostPath } });
    expect(refused.status, refused.text).to.equal(400);
    expect(refused.text).to.include("expecting 'host_path' to be unset for a persistent volume");
    const created = await operatorCall(harness, { type: 'CREATE_VOLUMES', create_volumes: { agent_id: { value: agent.agentId }, volumes: volume } });
    expect(created, created.text).to.deep.include({ status: 202 });
    expect(checkpointed(agent)?.equals(Resources.fromJSON(volume))).to.equal(true);
    expect(checkpointed(agent)?.persistentVolumes().size).to.equal(1);
    const destroyed = await operatorCall(harness, { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: { value: agent.agentId }, volumes: volume } });
    expect(destroyed, destroyed.text).to.deep.include({ status: 202 });
    expect(checkpointed(agent)?.equals(disk)).to.equal(true);
  });

  it('an agent re-registering while the allocator converts an operator\'s reservation is answered after it: the master and the allocator keep the same total', async () => {
    const memory = await startHarness();
    const agent = await registerAgent(memory, 'cpus:4;mem:4096');
    const reserving = reserveInTurn(memory, agent.agentId, ENG_CPUS);
    // Arrives while the allocator's answer is on its way back to the master.
    agent.probe.post(memory.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:4;mem:4096', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
    await memory.clock.settle();
    expect(await reserving).to.deep.include({ status: 202 });
    const { master, allocator } = await totals(memory, agent.agentId);
    expect(master).to.equal(Resources.parse('cpus:2;mem:3072').add(ENG_CPUS).format());
    expect(allocator).to.equal(master);
    // Its retry is answered, with the reservation the master has.
    agent.probe.post(memory.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:4;mem:4096', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
    await memory.clock.settle();
    expect(last(agent.probe, 'AgentReregistered')).to.not.equal(undefined);
    expect(checkpointed(agent)?.equals(ENG_CPUS)).to.equal(true);
    expect(await totals(memory, agent.agentId)).to.deep.equal({ master, allocator: master });
  });

  it('an agent removed while the allocator converts an operator\'s reservation: 409 (the reservation is gone with it), not 202', async () => {
    const memory = await startHarness();
    const agent = await registerAgent(memory, 'cpus:4;mem:4096');
    const reserving = reserveInTurn(memory, agent.agentId, ENG_CPUS);
    agent.probe.post(memory.masterPid, 'UnregisterAgent', { agentId: agent.agentId });
    await memory.clock.settle();
    const answer = await reserving;
    expect(answer.status).to.equal(409);
    expect(JSON.stringify(answer.body)).to.include('was removed');
  });
});
