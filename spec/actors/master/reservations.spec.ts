import { expect } from 'chai';
import type { Offer, Operation } from '../../../lib/protocol';
import { dynamicReservation, Resources } from '../../../lib/resources';
import {
  agentInfo, all, cleanUp, commandTask, last, latestOffer, masterState, metricsOf, offersOf, registerAgent, registerFramework,
  startHarness, type AgentHandle, type FakeFramework, type Harness,
} from './harness';
import { FakeAgent } from './harness';

type Json = Record<string, unknown>;

/** `text` (unreserved) dynamically reserved to `role` by `principal`, as Mesos JSON. */
function reservedJSON(text: string, role: string, principal?: string): Resources {
  return Resources.parse(text).reservedDynamically(role, dynamicReservation(principal));
}

async function accept(harness: Harness, framework: FakeFramework, offer: Offer, operations: Operation[], refuseSeconds?: number): Promise<void> {
  framework.probe.post(harness.masterPid, 'AcceptOffers', {
    frameworkId: framework.frameworkId, offerIds: [offer.id], operations, ...(refuseSeconds !== undefined ? { filters: { refuseSeconds } } : {}),
  });
  await harness.clock.settle();
}

function reserve(resources: Resources): Operation {
  return { type: 'RESERVE', reserve: { resources: resources.toJSON() } };
}

function unreserve(resources: Resources): Operation {
  return { type: 'UNRESERVE', unreserve: { resources: resources.toJSON() } };
}

/** The resources the agent was last told to keep (CheckpointResources), or undefined. */
function checkpointed(agent: AgentHandle): Resources | undefined {
  const message = last(agent.probe, 'CheckpointResources');
  return message === undefined ? undefined : Resources.fromJSON((message.body as { resources: unknown }).resources);
}

async function setUp(flags: Parameters<typeof startHarness>[0] = {}): Promise<{ harness: Harness; agent: AgentHandle; framework: FakeFramework }> {
  const harness = await startHarness(flags);
  const agent = await registerAgent(harness, 'cpus:4;mem:4096');
  const framework = await registerFramework(harness, { roles: ['eng'], capabilities: ['MULTI_ROLE'], principal: 'ops' });
  return { harness, agent, framework };
}

describe('actors/master: dynamic reservations (RESERVE, UNRESERVE)', () => {
  afterEach(cleanUp);

  it('RESERVE then LAUNCH in one ACCEPT: the task runs on the reservation, the agent keeps it, the rest is offered to the role again at once', async () => {
    const { harness, agent, framework } = await setUp();
    const reserved = reservedJSON('cpus:2;mem:1024', 'eng', 'ops');
    const task = { ...commandTask('t1', agent.agentId), resources: reservedJSON('cpus:1;mem:128', 'eng', 'ops').toJSON() };
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reserved), { type: 'LAUNCH', launch: { taskInfos: [task] } }], 60);
    expect(all(agent.probe, 'RunTask')).to.have.length(1);
    // The agent hears of the reservation before the task that runs on it, as in Mesos.
    const order = agent.probe.received.map((message) => message.name).filter((name) => name === 'RunTask' || name === 'CheckpointResources');
    expect(order).to.deep.equal(['CheckpointResources', 'RunTask']);
    expect(checkpointed(agent)?.equals(reserved)).to.equal(true);
    // What the reservation made and the task left is returned unfiltered, so it is offered again
    // at the next run (with the unreserved rest: a filter holds back only offers it contains whole, as in Mesos).
    const before = offersOf(framework.probe).length;
    await harness.clock.advance(1_000);
    expect(offersOf(framework.probe).length).to.equal(before + 1);
    expect(Resources.fromJSON(latestOffer(framework.probe).resources).format()).to.equal('cpus:2;mem:3072;cpus(eng, ops):1;mem(eng, ops):896');
    const [row] = (await masterState(harness)).slaves as Json[];
    expect(row?.reserved_resources).to.deep.include({ eng: { cpus: 2, mem: 1024, disk: 0, gpus: 0 } });
    expect((await metricsOf(harness))[`master/frameworks/test-framework/${framework.frameworkId}/operations/reserve`]).to.equal(1);
  });

  it('reserved resources are offered only to their role; UNRESERVE gives them back to everyone', async () => {
    const { harness, agent, framework } = await setUp();
    const reserved = reservedJSON('cpus:4;mem:4096', 'eng', 'ops');
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reserved)], 0);
    const other = await registerFramework(harness, { roles: ['web'], capabilities: ['MULTI_ROLE'] });
    await harness.clock.advance(2_000);
    expect(offersOf(other.probe)).to.have.length(0);
    const offer = latestOffer(framework.probe);
    expect(Resources.fromJSON(offer.resources).equals(reserved)).to.equal(true);
    await accept(harness, framework, offer, [unreserve(reserved)], 3_600);
    expect(checkpointed(agent)?.isEmpty()).to.equal(true);
    await harness.clock.advance(2_000);
    expect(Resources.fromJSON(latestOffer(other.probe).resources).equals(Resources.parse('cpus:4;mem:4096'))).to.equal(true);
  });

  it('drops an invalid or unauthorized operation alone, names why in the log, counts it, and goes on with the next', async () => {
    const { harness, agent, framework } = await setUp({ acls: { permissive: true, reserve_resources: [{ principals: { type: 'ANY' }, roles: { values: ['eng'] } }], unreserve_resources: [{ principals: { type: 'ANY' }, reserver_principals: { type: 'NONE' } }] } });
    const cases: Array<[Operation, string]> = [
      [reserve(Resources.parse('cpus(eng):1')), 'is not dynamically reserved'],
      [reserve(reservedJSON('cpus:1', 'web', 'ops')), "reserves for role 'web', but the offers are allocated to role 'eng'"],
      [reserve(reservedJSON('cpus:1', 'eng', 'mallory')), "names principal 'mallory', but the framework's principal is 'ops'"],
      [reserve(reservedJSON('cpus:1', 'eng')), "names no principal, but the framework's principal is 'ops'"],
      [reserve(reservedJSON('cpus:9', 'eng', 'ops')), 'the offers do not hold'],
      [unreserve(Resources.parse('cpus(eng):1')), 'a static reservation cannot be unreserved'],
      [{ type: 'RESERVE' }, "RESERVE without its 'reserve' field"],
      [{ type: 'RESERVE', reserve: { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }] } }, 'negative'],
    ];
    let offer = latestOffer(framework.probe);
    for (const [operation, reason] of cases) {
      harness.captured.records.length = 0;
      await accept(harness, framework, offer, [operation], 0);
      const logged = harness.captured.find('dropping an invalid operation');
      expect(logged.map((entry) => String(entry.reason)).join('\n'), reason).to.include(reason);
      expect(checkpointed(agent)).to.equal(undefined);
      await harness.clock.advance(1_000);
      offer = latestOffer(framework.probe);
    }
    expect((await metricsOf(harness))['mesos_ts/master/invalid_offer_operations']).to.equal(cases.length);
    // Authorized, and the reservation an unauthorized UNRESERVE then may not undo.
    const reserved = reservedJSON('cpus:1', 'eng', 'ops');
    harness.captured.records.length = 0;
    await accept(harness, framework, offer, [reserve(reserved), unreserve(reserved)], 0);
    expect(checkpointed(agent)?.equals(reserved)).to.equal(true);
    expect(harness.captured.find('dropping an invalid operation').map((entry) => String(entry.reason)).join('\n')).to.match(/not authorized: .* unreserve resources reserved by principal 'ops'/);
  });

  it('UNRESERVE names a reservation\'s labels in any order (Mesos compares them regardless of order)', async () => {
    const { harness, agent, framework } = await setUp();
    const made = Resources.parse('cpus:2').reservedDynamically('eng', dynamicReservation('ops', [{ key: 'app', value: 'db' }, { key: 'id', value: '7' }]));
    await accept(harness, framework, latestOffer(framework.probe), [reserve(made)], 0);
    await harness.clock.advance(1_000);
    const named = Resources.parse('cpus:2').reservedDynamically('eng', dynamicReservation('ops', [{ key: 'id', value: '7' }, { key: 'app', value: 'db' }]));
    harness.captured.records.length = 0;
    await accept(harness, framework, latestOffer(framework.probe), [unreserve(named)], 0);
    expect(harness.captured.find('dropping an invalid operation')).to.deep.equal([]);
    expect(checkpointed(agent)?.isEmpty()).to.equal(true);
  });

  it('a registering agent\'s checkpointed reservations are part of its total', async () => {
    const harness = await startHarness();
    const probe = new FakeAgent('agent-with-reservations');
    harness.host.spawn(probe);
    const reserved = reservedJSON('cpus:1', 'eng', 'ops');
    probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:4;mem:4096'), version: '0.1.0', checkpointedResources: reserved.toJSON() });
    await harness.clock.settle();
    expect(last(probe, 'AgentRegistered')).to.not.equal(undefined);
    const [row] = (await masterState(harness)).slaves as Json[];
    expect(row?.reserved_resources).to.deep.include({ eng: { cpus: 1, mem: 0, disk: 0, gpus: 0 } });
    // Reservations that do not fit are refused with the registration, named in the log.
    const greedy = new FakeAgent('agent-greedy');
    harness.host.spawn(greedy);
    greedy.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:1;mem:64', 'b.local'), version: '0.1.0', checkpointedResources: reservedJSON('cpus:2', 'eng').toJSON() });
    await harness.clock.settle();
    expect(last(greedy, 'AgentRegistered')).to.equal(undefined);
    expect(JSON.stringify(harness.captured.find('dropping RegisterAgent with invalid resources'))).to.include('do not hold them (missing cpus:1)');
  });

  it('refuses an agent that declares dynamic reservations in its resources (RegisterAgent, UpdateAgent), naming them', async () => {
    const { harness, agent } = await setUp();
    const declared = Resources.parse('cpus:2;mem:1024').add(reservedJSON('cpus:2', 'eng', 'ops')).toJSON();
    const probe = new FakeAgent('agent-declaring');
    harness.host.spawn(probe);
    probe.post(harness.masterPid, 'RegisterAgent', { agent: { ...agentInfo('cpus:1', 'c.local'), resources: declared }, version: '0.1.0' });
    await harness.clock.settle();
    expect(last(probe, 'AgentRegistered')).to.equal(undefined);
    expect(JSON.stringify(harness.captured.find('dropping RegisterAgent with invalid resources'))).to.include('declare dynamic reservations');
    agent.probe.post(harness.masterPid, 'UpdateAgent', { agentId: agent.agentId, resources: declared });
    await harness.clock.settle();
    expect(JSON.stringify(harness.captured.find('dropping UpdateAgent'))).to.include('declare dynamic reservations');
    const [row] = (await masterState(harness)).slaves as Json[];
    expect(row?.reserved_resources).to.deep.equal({});
  });

  it('a known agent that re-registers without a reservation it missed hears the master\'s again', async () => {
    const { harness, agent, framework } = await setUp();
    const reserved = reservedJSON('cpus:2', 'eng', 'ops');
    await accept(harness, framework, latestOffer(framework.probe), [reserve(reserved)], 0);
    const sent = all(agent.probe, 'CheckpointResources').length;
    agent.probe.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:4;mem:4096', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [] });
    await harness.clock.settle();
    expect(last(agent.probe, 'AgentReregistered')).to.not.equal(undefined);
    expect(all(agent.probe, 'CheckpointResources')).to.have.length(sent + 1);
    expect(checkpointed(agent)?.equals(reserved)).to.equal(true);
    const [row] = (await masterState(harness)).slaves as Json[];
    expect(row?.reserved_resources).to.deep.include({ eng: { cpus: 2, mem: 0, disk: 0, gpus: 0 } });
    // One that reports them as the master has them is not told again.
    agent.probe.post(harness.masterPid, 'ReregisterAgent', { agent: agentInfo('cpus:4;mem:4096', 'agent.local', agent.agentId), version: '0.1.0', tasks: [], executors: [], frameworks: [], checkpointedResources: reserved.toJSON() });
    await harness.clock.settle();
    expect(all(agent.probe, 'CheckpointResources')).to.have.length(sent + 1);
  });
});
