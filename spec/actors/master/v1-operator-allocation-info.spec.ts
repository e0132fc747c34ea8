/**
 * `Resource.allocation_info` in the v1 operator API, as Mesos' master writes it: every resource
 * allocated or offered carries the role it is allocated or offered to (tasks', executors',
 * offers', a framework's `allocated_resources` and `offered_resources`, an agent's
 * `allocated_resources` and `offered_resources`), an agent's `total_resources` and its
 * `agent_info.resources` none. A framework of two roles, against a real master on a network host
 * (virtual clock), spoken with Node's `fetch`.
 */
import { expect } from 'chai';
import type { Offer } from '../../../lib/protocol';
import { V1Subscription } from '../../support/v1-client';
import { cleanUp, commandTask, launch, makeWorkDir, offersOf, registerAgent, registerFramework, startListeningHarness, type Harness } from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

const started: Harness[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((harness) => harness.host.stop()));
  await cleanUp();
});

async function post(address: string, body: object): Promise<Json> {
  const response = await fetch(`http://${address}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).to.equal(200);
  return await response.json() as Json;
}

/** Each role `resources` name in their `allocation_info` (`(none)` for a resource without one), with its scalars summed: `{a: {cpus: 1, mem: 128}}`. */
function byRole(resources: Json[] | undefined): Record<string, Record<string, number>> {
  const sums: Record<string, Record<string, number>> = {};
  for (const resource of resources ?? []) {
    const role = (resource.allocation_info?.role as string | undefined) ?? '(none)';
    const scalars = (sums[role] ??= {});
    if (resource.scalar !== undefined) scalars[resource.name as string] = (scalars[resource.name as string] ?? 0) + (resource.scalar.value as number);
  }
  return sums;
}

/** Whether no resource of `resources` carries `allocation_info`. */
function withoutAllocationInfo(resources: Json[] | undefined): boolean {
  return (resources ?? []).length > 0 && (resources ?? []).every((resource) => !('allocation_info' in resource));
}

describe('actors/master: allocation_info on the v1 operator API\'s allocated and offered resources', function () {
  this.timeout(30_000);

  it('GET_STATE, GET_TASKS, GET_EXECUTORS, GET_AGENTS, GET_FRAMEWORKS and SUBSCRIBE give each allocated or offered resource its role (agents\' allocations were sums without one, a framework of two roles\' too, executors\' and offered resources had none)', async () => {
    const harness = await startListeningHarness({}, makeWorkDir());
    started.push(harness);
    const address = harness.host.address;
    // Reserved to each role: the framework is offered the agent in both.
    const busy = await registerAgent(harness, 'cpus(a):1;mem(a):256;cpus(b):2;mem(b):512', 'busy.local');
    const framework = await registerFramework(harness, { name: 'two-roles', roles: ['a', 'b'], capabilities: ['MULTI_ROLE'] });
    await harness.clock.advance(1_000);
    const offerIn = (role: string): Offer => {
      const offer = offersOf(framework.probe).find((candidate) => candidate.allocationRole === role && candidate.agentId === busy.agentId);
      if (offer === undefined) throw new Error(`no offer in role ${role}: ${JSON.stringify(offersOf(framework.probe))}`);
      return offer;
    };
    const [inA, inB] = [offerIn('a'), offerIn('b')];
    const { command: _command, ...withoutCommand } = commandTask('t2', busy.agentId, 'cpus(b):1;mem(b):128');
    const executor = { executorId: 'e1', name: 'custom', command: { value: './executor' }, resources: commandTask('x', busy.agentId, 'cpus(b):0.5;mem(b):64').resources };
    await launch(harness, framework, [inA.id], [commandTask('t1', busy.agentId, 'cpus(a):1;mem(a):128')], 3_600);
    await launch(harness, framework, [inB.id], [{ ...withoutCommand, executor }], 3_600);
    // An agent of unreserved resources, offered in one of the roles and held.
    const offered = await registerAgent(harness, 'cpus:1;mem:256', 'offered.local');
    await harness.clock.advance(1_000);
    const held = offersOf(framework.probe).find((offer) => offer.agentId === offered.agentId);
    expect(held, 'the second agent is offered').to.not.equal(undefined);
    const heldRole = (held as Offer).allocationRole;

    const state = (await post(address, { type: 'GET_STATE' })).get_state as Json;
    const tasks = state.get_tasks.tasks as Json[];
    expect(Object.fromEntries(tasks.map((task) => [task.task_id.value, byRole(task.resources)]))).to.deep.equal({ t1: { a: { cpus: 1, mem: 128 } }, t2: { b: { cpus: 1, mem: 128 } } });
    const executors = state.get_executors.executors as Json[];
    expect(byRole(executors[0]?.executor_info.resources), 'the executor\'s resources').to.deep.equal({ b: { cpus: 0.5, mem: 64 } });

    const agents = Object.fromEntries((state.get_agents.agents as Json[]).map((agent) => [agent.agent_info.hostname as string, agent]));
    expect(byRole(agents['busy.local']?.allocated_resources), 'an agent\'s allocated resources, by role').to.deep.equal({ a: { cpus: 1, mem: 128 }, b: { cpus: 1.5, mem: 192 } });
    expect(agents['busy.local']).to.not.have.property('offered_resources');
    expect(byRole(agents['offered.local']?.offered_resources), 'an agent\'s offered resources').to.deep.equal({ [heldRole]: { cpus: 1, mem: 256 } });
    for (const agent of Object.values(agents)) {
      expect(withoutAllocationInfo(agent.total_resources), 'an agent\'s total resources carry none').to.equal(true);
      expect(withoutAllocationInfo(agent.agent_info.resources), 'nor its agent_info\'s').to.equal(true);
    }
    // A reserved resource keeps its reservation beside the role it is allocated to.
    expect(agents['busy.local']?.allocated_resources).to.deep.include({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: 'a' }], allocation_info: { role: 'a' } });

    const rendered = (state.get_frameworks.frameworks as Json[])[0] as Json;
    expect(byRole(rendered.allocated_resources), 'a framework\'s allocated resources, by role').to.deep.equal({ a: { cpus: 1, mem: 128 }, b: { cpus: 1.5, mem: 192 } });
    expect(byRole(rendered.offered_resources), 'a framework\'s offered resources').to.deep.equal({ [heldRole]: { cpus: 1, mem: 256 } });
    expect((rendered.offers as Json[]).map((offer) => byRole(offer.resources))).to.deep.equal([{ [heldRole]: { cpus: 1, mem: 256 } }]);

    // Each part alone, as GET_STATE has it.
    expect((await post(address, { type: 'GET_TASKS' })).get_tasks).to.deep.equal(state.get_tasks);
    expect((await post(address, { type: 'GET_EXECUTORS' })).get_executors).to.deep.equal(state.get_executors);
    expect((await post(address, { type: 'GET_AGENTS' })).get_agents).to.deep.equal(state.get_agents);
    expect((await post(address, { type: 'GET_FRAMEWORKS' })).get_frameworks).to.deep.equal(state.get_frameworks);

    const stream = new V1Subscription(address, '/api/v1');
    await stream.open({ type: 'SUBSCRIBE' });
    try {
      const subscribed = (await stream.next((event) => event.type === 'SUBSCRIBED')).subscribed as Json;
      expect(subscribed.get_state).to.deep.equal(state);
      await launch(harness, framework, [(held as Offer).id], [commandTask('t3', offered.agentId, 'cpus:0.5;mem:64')]);
      const added = ((await stream.next((event) => event.type === 'TASK_ADDED')).task_added as Json).task as Json;
      expect(byRole(added.resources), 'TASK_ADDED').to.deep.equal({ [heldRole]: { cpus: 0.5, mem: 64 } });
      await registerAgent(harness, 'cpus:1;mem:256', 'new.local');
      const agent = ((await stream.next((event) => event.type === 'AGENT_ADDED')).agent_added as Json).agent as Json;
      expect(withoutAllocationInfo(agent.total_resources), 'AGENT_ADDED: total resources without').to.equal(true);
    } finally {
      stream.close();
    }
  });
});
