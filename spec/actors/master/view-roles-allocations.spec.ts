/**
 * The ACLs' `view_roles` and what is allocated or offered to a role, unreserved: Mesos gives
 * each allocated and offered resource its `allocation_info.role` and leaves out of an agent's
 * `allocated_resources` and `offered_resources` (v1 GET_AGENTS, GET_STATE, SUBSCRIBED) and of
 * `/master/slaves`' `used_resources_full` and `offered_resources_full` what a caller may not view
 * (`ObjectApprovers::approved<VIEW_ROLE>(Resource)`), not the totals `used_resources` and
 * `offered_resources`. Spoken with Node's `fetch` against a real master on a network host.
 */
import { expect } from 'chai';
import { basicAuthorization } from '../../../lib/process';
import { parseAcls, type MasterFlags } from '../../../actors/master';
import { V1Subscription } from '../../support/v1-client';
import {
  cleanUp, commandTask, latestOffer, launch, makeWorkDir, registerAgent, registerFramework, startListeningHarness, type AgentHandle, type FakeFramework, type Harness,
} from './harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

const started: Harness[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((harness) => harness.host.stop()));
  await cleanUp();
});

/** `ops` may view role `web` only, `dev` role `eng` only; `admin` every role. */
const CREDENTIALS = new Map([['admin', 'a'], ['ops', 'o'], ['dev', 'd']]);
const ROLE_ACLS = parseAcls({
  view_roles: [
    { principals: { values: ['admin'] }, roles: { type: 'ANY' } },
    { principals: { values: ['ops'] }, roles: { values: ['web'] } },
    { principals: { values: ['dev'] }, roles: { values: ['eng'] } },
    { principals: { type: 'ANY' }, roles: { type: 'NONE' } },
  ],
});

/** Each scalar of `resources` (v1 `Resource`s, or `/master/slaves`' full ones) by name, e.g. `{cpus: 1.5, mem: 192}`. */
function scalars(resources: Json[] | undefined): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const resource of resources ?? []) sums[resource.name as string] = (sums[resource.name as string] ?? 0) + (resource.scalar.value as number);
  return sums;
}

interface Cluster {
  readonly harness: Harness;
  readonly address: string;
  /** Runs `w1` (cpus 0.5, mem 64) of a `web` framework. */
  readonly busy: AgentHandle;
  /** Offered whole to the `eng` framework (cpus 1, mem 256), the offer outstanding. */
  readonly offered: AgentHandle;
  readonly eng: FakeFramework;
}

/**
 * A master with two agents, all unreserved: `busy` runs `t1` (cpus 1, mem 128) of a framework
 * of role `eng` and `w1` of one of role `web`; `offered` is offered to the `eng` framework.
 */
async function cluster(flags: Partial<MasterFlags>): Promise<Cluster> {
  const harness = await startListeningHarness(flags, makeWorkDir());
  started.push(harness);
  const busy = await registerAgent(harness, 'cpus:2;mem:512', 'busy.local');
  const eng = await registerFramework(harness, { name: 'eng', roles: ['eng'], capabilities: ['MULTI_ROLE'] });
  await harness.clock.advance(1_000);
  await launch(harness, eng, [latestOffer(eng.probe).id], [commandTask('t1', busy.agentId, 'cpus:1;mem:128')]);
  const offered = await registerAgent(harness, 'cpus:1;mem:256', 'offered.local');
  await harness.clock.advance(1_000);
  expect(latestOffer(eng.probe).agentId).to.equal(offered.agentId);
  const web = await registerFramework(harness, { name: 'web', roles: ['web'], capabilities: ['MULTI_ROLE'] });
  await harness.clock.advance(1_000);
  const webOffer = latestOffer(web.probe);
  expect(webOffer.agentId).to.equal(busy.agentId);
  await launch(harness, web, [webOffer.id], [commandTask('w1', busy.agentId, 'cpus:0.5;mem:64')]);
  return { harness, address: harness.host.address, busy, offered, eng };
}

async function post(address: string, body: object, principal?: string): Promise<Json> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (principal !== undefined) headers.authorization = basicAuthorization(principal, CREDENTIALS.get(principal) as string);
  const response = await fetch(`http://${address}/api/v1`, { method: 'POST', headers, body: JSON.stringify(body) });
  expect(response.status).to.equal(200);
  return await response.json() as Json;
}

async function slaves(address: string, principal?: string): Promise<Json[]> {
  const headers: Record<string, string> = principal === undefined ? {} : { authorization: basicAuthorization(principal, CREDENTIALS.get(principal) as string) };
  const response = await fetch(`http://${address}/master/slaves`, { headers });
  expect(response.status).to.equal(200);
  return (await response.json() as { slaves: Json[] }).slaves;
}

/** Each agent's allocated and offered scalars, by hostname. */
function allocations(agents: Json[]): Record<string, { allocated: Record<string, number>; offered: Record<string, number> }> {
  return Object.fromEntries(agents.map((agent) => [agent.agent_info.hostname as string, { allocated: scalars(agent.allocated_resources), offered: scalars(agent.offered_resources) }]));
}

const EVERYTHING = {
  'busy.local': { allocated: { cpus: 1.5, mem: 192 }, offered: {} },
  'offered.local': { allocated: {}, offered: { cpus: 1, mem: 256 } },
};
const WEB_ONLY = {
  'busy.local': { allocated: { cpus: 0.5, mem: 64 }, offered: {} },
  'offered.local': { allocated: {}, offered: {} },
};

describe('actors/master: view_roles and the unreserved resources allocated or offered to a role', function () {
  this.timeout(30_000);

  it('v1 GET_AGENTS, GET_STATE and SUBSCRIBED leave out what is allocated or offered to a role the caller may not view (it was shown: our resources carry no allocation_info)', async () => {
    const { address } = await cluster({ credentials: CREDENTIALS, authenticateHttpReadonly: true, acls: ROLE_ACLS });
    // The admin first: the kept texts are made, and the ops' agents are its own.
    expect(allocations((await post(address, { type: 'GET_AGENTS' }, 'admin')).get_agents.agents)).to.deep.equal(EVERYTHING);
    for (let round = 0; round < 2; round++) {
      expect(allocations((await post(address, { type: 'GET_AGENTS' }, 'ops')).get_agents.agents), `GET_AGENTS, round ${round}`).to.deep.equal(WEB_ONLY);
      expect(allocations((await post(address, { type: 'GET_STATE' }, 'ops')).get_state.get_agents.agents), `GET_STATE, round ${round}`).to.deep.equal(WEB_ONLY);
    }
    const stream = new V1Subscription(address, '/api/v1');
    await stream.open({ type: 'SUBSCRIBE' }, { authorization: basicAuthorization('ops', 'o') });
    try {
      const subscribed = (await stream.next((event) => event.type === 'SUBSCRIBED')).subscribed as Json;
      expect(allocations(subscribed.get_state.get_agents.agents)).to.deep.equal(WEB_ONLY);
    } finally {
      stream.close();
    }
    // The admin still sees everything, and an anonymous caller (no view_roles rule for it) nothing of either role.
    expect(allocations((await post(address, { type: 'GET_AGENTS' }, 'admin')).get_agents.agents)).to.deep.equal(EVERYTHING);
  });

  it('/master/slaves: used_resources_full and offered_resources_full by the same rule; the totals used_resources and offered_resources as they are, as Mesos (it showed every role\'s)', async () => {
    const { address } = await cluster({ credentials: CREDENTIALS, authenticateHttpReadonly: true, acls: ROLE_ACLS });
    const full = (agents: Json[]): Record<string, { used: Record<string, number>; offered: Record<string, number> }> => Object.fromEntries(agents.map((agent) => [
      agent.hostname as string, { used: scalars(agent.used_resources_full), offered: scalars(agent.offered_resources_full) },
    ]));
    const asAdmin = await slaves(address, 'admin');
    expect(full(asAdmin)).to.deep.equal({ 'busy.local': { used: { cpus: 1.5, mem: 192 }, offered: {} }, 'offered.local': { used: {}, offered: { cpus: 1, mem: 256 } } });
    for (let round = 0; round < 2; round++) {
      const asOps = await slaves(address, 'ops');
      expect(full(asOps), `round ${round}`).to.deep.equal({ 'busy.local': { used: { cpus: 0.5, mem: 64 }, offered: {} }, 'offered.local': { used: {}, offered: {} } });
      // Mesos' SlaveWriter writes the totals unfiltered (MESOS-7779).
      expect(asOps.map((agent) => [agent.used_resources.cpus, agent.offered_resources.cpus])).to.deep.equal([[1.5, 0], [0, 1]]);
    }
  });

  it('FRAMEWORK_UPDATED: what a framework of several roles is allocated, and what any framework is offered, in a role the subscriber may not view is left out (shown before: only a one-role framework\'s allocations carried allocation_info)', async () => {
    const harness = await startListeningHarness({ credentials: CREDENTIALS, authenticateHttpReadonly: true, acls: ROLE_ACLS }, makeWorkDir());
    started.push(harness);
    const address = harness.host.address;
    const busy = await registerAgent(harness, 'cpus:2;mem:512', 'busy.local');
    const framework = await registerFramework(harness, { name: 'both', roles: ['eng'], capabilities: ['MULTI_ROLE'] });
    await harness.clock.advance(1_000);
    await launch(harness, framework, [latestOffer(framework.probe).id], [commandTask('t1', busy.agentId, 'cpus:1;mem:128')]);
    let requests = 0;
    const update = async (info: object): Promise<void> => {
      framework.probe.post(harness.masterPid, 'UpdateFrameworkCall', { frameworkId: framework.frameworkId, framework: { ...framework.info, ...info }, suppressedRoles: ['eng'], requestId: `${++requests}` });
      await harness.clock.settle();
    };
    // Now of both roles, eng suppressed: the next agent is offered in web.
    await update({ roles: ['eng', 'web'] });
    await registerAgent(harness, 'cpus:1;mem:256', 'offered.local');
    await harness.clock.advance(1_000);
    expect(latestOffer(framework.probe).allocationRole).to.equal('web');
    const streams = new Map(['admin', 'ops', 'dev'].map((principal) => [principal, new V1Subscription(address, '/api/v1')]));
    try {
      for (const [principal, stream] of streams) {
        await stream.open({ type: 'SUBSCRIBE' }, { authorization: basicAuthorization(principal, CREDENTIALS.get(principal) as string) });
        await stream.next((event) => event.type === 'SUBSCRIBED');
      }
      await update({ roles: ['eng', 'web'], name: 'both, renamed' });
      const seen: Record<string, { allocated: Record<string, number>; offered: Record<string, number> }> = {};
      for (const [principal, stream] of streams) {
        const updated = ((await stream.next((event) => event.type === 'FRAMEWORK_UPDATED')).framework_updated as Json).framework as Json;
        seen[principal] = { allocated: scalars(updated.allocated_resources), offered: scalars(updated.offered_resources) };
      }
      expect(seen.admin?.allocated).to.deep.equal({ cpus: 1, mem: 128 });
      expect(seen.admin?.offered.cpus).to.be.greaterThan(0);
      expect(seen.ops, 'ops: web only').to.deep.equal({ allocated: {}, offered: seen.admin?.offered });
      expect(seen.dev, 'dev: eng only').to.deep.equal({ allocated: { cpus: 1, mem: 128 }, offered: {} });
    } finally {
      for (const stream of streams.values()) stream.close();
    }
  });

  it('without ACLs, every caller sees everything, as before', async () => {
    const { address } = await cluster({});
    expect(allocations((await post(address, { type: 'GET_AGENTS' })).get_agents.agents)).to.deep.equal(EVERYTHING);
    expect((await slaves(address)).map((agent) => scalars(agent.used_resources_full).cpus ?? 0)).to.deep.equal([1.5, 0]);
  });
});
