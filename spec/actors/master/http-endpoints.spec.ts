/**
 * The master's Mesos-compatible endpoints beyond `/master/state` (issue: state-summary, roles,
 * flags, weights, quota, query filters, /version, /flags), on a real listening host under a
 * virtual clock with fake agents and frameworks (harness.ts).
 */
import { expect } from 'chai';
import { captureLogger } from '../../../lib/logging';
import { basicAuthorization, MAX_HTTP_BODY_BYTES, VirtualClock, type ActorHost } from '../../../lib/process';
import { PACKAGE_VERSION, VERSION } from '../../../lib/version';
import { parseAcls } from '../../../lib/acls';
import { defaultMasterFlags, startMaster, type MasterFlags, type MasterHandle } from '../../../actors/master';
import type { Quota } from '../../../actors/allocator/quota';
import { Allocator } from '../../../actors/allocator/allocator';
import { within } from '../../support/runtime';
import {
  agentUpdate, cleanUp, commandTask, latestOffer, launch, makeWorkDir, offersOf, registerAgent, registerFramework, statesOf, updatesOf, type AgentHandle, type FakeFramework, type Harness,
} from './harness';
import type { Offer } from '../../../lib/protocol';
import { netHost } from '../../support/runtime';

type Json = Record<string, unknown>;

interface Cluster {
  readonly harness: Harness;
  readonly agent: AgentHandle;
  readonly web: FakeFramework;
  readonly multi: FakeFramework;
  readonly base: string;
}

/** A master with one agent (2 cpus reserved to `web`), a `web` framework running t1, and a MULTI_ROLE framework. */
async function startCluster(overrides: Partial<MasterFlags> = {}): Promise<Cluster> {
  const clock = new VirtualClock();
  const captured = captureLogger();
  const host: ActorHost = await netHost({ clock, logger: captured.logger });
  const workDir = makeWorkDir();
  const flags: MasterFlags = { ...defaultMasterFlags(workDir), hostname: 'master.example', ...overrides };
  const handle: MasterHandle = await startMaster({ flags, host });
  await clock.settle();
  const harness: Harness = { clock, host, handle, workDir, flags, captured, masterPid: handle.pid };
  const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000;ports:[31000-32000];cpus(web):2');
  const web = await registerFramework(harness, { name: 'web-app', roles: ['web'] });
  await launch(harness, web, [latestOffer(web.probe).id], [commandTask('t1', agent.agentId, 'cpus(web):1;mem:128')], 0);
  await agentUpdate(harness, agent, web.frameworkId, 't1', 'TASK_RUNNING');
  const multi = await registerFramework(harness, { name: 'multi', roles: ['a', 'b'], capabilities: ['MULTI_ROLE'] });
  await clock.advance(1_000);
  return { harness, agent, web, multi, base: `http://${host.address}` };
}

async function request(url: string, init: RequestInit = {}): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const response = await within(fetch(url, init), 5_000, url);
  const text = await response.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) as unknown : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

function errorOf(json: unknown): string {
  return String((json as { error?: unknown } | undefined)?.error);
}

describe('actors/master: Mesos-compatible endpoints (state-summary, roles, flags, weights, quota, filters)', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster.harness.host.stop();
    await cleanUp();
  });

  describe('GET /master/tasks: bad paging is 400 naming the parameter (it used to fall back silently)', () => {
    for (const [query, parameter] of [['limit=abc', 'limit'], ['limit=1.5', 'limit'], ['offset=x', 'offset'], ['order=up', 'order']] as const) {
      it(`?${query} → 400 naming '${parameter}'`, async () => {
        const { status, json } = await request(`${cluster.base}/master/tasks?${query}`);
        expect(status).to.equal(400);
        expect(errorOf(json)).to.contain(`'${parameter}'`);
      });
    }

    it('good paging still works: limit=0 is empty, offset past the end is empty, order=asc is accepted', async () => {
      expect(((await request(`${cluster.base}/master/tasks?limit=0`)).json as Json).tasks).to.deep.equal([]);
      expect(((await request(`${cluster.base}/master/tasks?offset=1`)).json as Json).tasks).to.deep.equal([]);
      expect(((await request(`${cluster.base}/master/tasks?order=asc&limit=1`)).json as { tasks: Json[] }).tasks.map((task) => task.id)).to.deep.equal(['t1']);
    });

    it('a negative limit is every task and a negative offset past the last, as Mesos takes them (the official CLI asks ?order=asc&limit=-1: it was a 400)', async () => {
      const all = await request(`${cluster.base}/master/tasks?order=asc&limit=-1`);
      expect(all.status).to.equal(200);
      expect((all.json as { tasks: Json[] }).tasks.map((task) => task.id)).to.deep.equal(['t1']);
      expect(((await request(`${cluster.base}/master/tasks?offset=-3`)).json as Json).tasks).to.deep.equal([]);
    });
  });

  it('GET /master/frameworks?framework_id= and /master/slaves?slave_id= select one (none for an unknown id)', async () => {
    const one = (await request(`${cluster.base}/master/frameworks?framework_id=${cluster.multi.frameworkId}`)).json as { frameworks: Json[] };
    expect(one.frameworks.map((framework) => framework.id)).to.deep.equal([cluster.multi.frameworkId]);
    const none = (await request(`${cluster.base}/master/frameworks?framework_id=nope`)).json as Json;
    expect(none).to.deep.equal({ frameworks: [], completed_frameworks: [], unregistered_frameworks: [] });
    const agent = (await request(`${cluster.base}/master/slaves?slave_id=${cluster.agent.agentId}`)).json as { slaves: Json[] };
    expect(agent.slaves.map((slave) => slave.id)).to.deep.equal([cluster.agent.agentId]);
    expect(agent.slaves[0]?.reserved_resources_full).to.have.keys('web');
    expect(((await request(`${cluster.base}/master/slaves?slave_id=nope`)).json as Json).slaves).to.deep.equal([]);
  });

  it('frameworks carry `role` unless MULTI_ROLE (then only `roles`), and their capabilities by Mesos name', async () => {
    const { frameworks } = (await request(`${cluster.base}/master/state`)).json as { frameworks: Json[] };
    const web = frameworks.find((framework) => framework.id === cluster.web.frameworkId);
    const multi = frameworks.find((framework) => framework.id === cluster.multi.frameworkId);
    expect(web).to.deep.include({ role: 'web', roles: ['web'], capabilities: [] });
    expect(multi).to.deep.include({ roles: ['a', 'b'], capabilities: ['MULTI_ROLE'] });
    expect(multi).not.to.have.property('role');
  });

  it('GET /master/state has the build fields, and /master/state-summary counts tasks per agent and framework', async () => {
    const state = (await request(`${cluster.base}/master/state`)).json as Json;
    expect(state).to.include({ version: VERSION, build_user: 'mesos-ts' });
    expect(state.build_time).to.be.a('number');
    expect(state.build_date).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const summary = (await request(`${cluster.base}/master/state-summary`)).json as { hostname: string; slaves: Json[]; frameworks: Json[] };
    expect(summary.hostname).to.equal('master.example');
    expect(summary.slaves[0]).to.include({ id: cluster.agent.agentId, TASK_RUNNING: 1, TASK_FINISHED: 0, TASK_UNREACHABLE: 0 });
    expect(summary.slaves[0]?.framework_ids).to.deep.equal([cluster.web.frameworkId]);
    const web = summary.frameworks.find((framework) => framework.id === cluster.web.frameworkId);
    expect(web).to.include({ name: 'web-app', TASK_RUNNING: 1, TASK_STAGING: 0 });
    expect(web?.slave_ids).to.deep.equal([cluster.agent.agentId]);
    expect(summary.frameworks.find((framework) => framework.id === cluster.multi.frameworkId)).to.include({ TASK_RUNNING: 0 });
  });

  it('GET /master/roles: each known role with weight, quota, allocated, offered, reserved and frameworks', async () => {
    const { roles } = (await request(`${cluster.base}/master/roles`)).json as { roles: Json[] };
    expect(roles.map((role) => role.name)).to.include.members(['web', 'a', 'b']);
    const web = roles.find((role) => role.name === 'web');
    expect(web).to.deep.include({ weight: 1, allocated: { cpus: 1, mem: 128 }, reserved: { cpus: 2 }, frameworks: [cluster.web.frameworkId] });
    expect(web?.quota).to.deep.equal({ role: 'web', guarantee: {}, limit: {}, consumed: { cpus: 2, mem: 128 } });
    expect(roles.find((role) => role.name === 'a')?.frameworks).to.deep.equal([cluster.multi.frameworkId]);
  });

  it("GET /master/roles sums each role over its subroles and lists their ancestors, as Mesos' RoleResourceBreakdown and knownRoles (a parent showed nothing of its children's; walkthrough)", async () => {
    const clock = new VirtualClock();
    const host: ActorHost = await netHost({ clock, logger: captureLogger().logger });
    const workDir = makeWorkDir();
    const flags: MasterFlags = defaultMasterFlags(workDir);
    const handle: MasterHandle = await startMaster({ flags, host });
    const harness: Harness = { clock, host, handle, workDir, flags, captured: captureLogger(), masterPid: handle.pid };
    const own = { harness, base: `http://${host.address}` };
    try {
      const agent = await registerAgent(harness, 'cpus:4;mem:1024;cpus(eng):1');
      const web = await registerFramework(harness, { name: 'eng-web', roles: ['eng/web'] });
      await harness.clock.advance(1_000);
      const offer = offersOf(web.probe).find((candidate) => candidate.agentId === agent.agentId);
      expect(offer, 'an offer of the new agent').to.not.equal(undefined);
      await launch(harness, web, [(offer as Offer).id], [commandTask('on-parent', agent.agentId, 'cpus(eng):1;mem:64'), commandTask('unreserved', agent.agentId, 'cpus:1;mem:64')], 0);
      expect(statesOf(web.probe, 'on-parent'), JSON.stringify(updatesOf(web.probe)).slice(0, 600)).to.not.include('TASK_ERROR');
      expect((await request(`${own.base}/master/weights`, { method: 'PUT', body: JSON.stringify([{ role: 'c/d', weight: 2 }]) })).status).to.equal(200);
      const { roles } = (await request(`${own.base}/master/roles`)).json as { roles: Json[] };
      const named = (name: string): Json | undefined => roles.find((role) => role.name === name);
      expect(roles.map((role) => role.name)).to.include.members(['eng', 'eng/web', 'c', 'c/d']);
      expect(named('eng')).to.deep.include({ allocated: { cpus: 2, mem: 128 }, reserved: { cpus: 1 }, frameworks: [] });
      // The subrole's task on its parent's reservation counts once, in the reservation.
      expect((named('eng')?.quota as Json).consumed).to.deep.equal({ cpus: 2, mem: 128 });
      expect(named('eng/web')).to.deep.include({ allocated: { cpus: 2, mem: 128 }, reserved: {}, frameworks: [web.frameworkId] });
      expect((named('eng/web')?.quota as Json).consumed).to.deep.equal({ cpus: 1, mem: 128 });
      expect(named('c')).to.deep.include({ weight: 1, allocated: {}, frameworks: [] });
    } finally {
      await own.harness.host.stop();
    }
  });

  describe('/master/weights', () => {
    it('PUT sets weights through the allocator; GET lists them; /master/roles shows them', async () => {
      const calls: Array<ReadonlyMap<string, number>> = [];
      const allocator = cluster.harness.handle.allocator;
      const original = allocator.updateWeights.bind(allocator);
      allocator.updateWeights = (weights) => {
        calls.push(weights);
        return original(weights);
      };
      try {
        expect((await request(`${cluster.base}/master/weights`)).json).to.deep.equal([]);
        const put = await request(`${cluster.base}/master/weights`, { method: 'PUT', body: JSON.stringify([{ role: 'web', weight: 3 }, { role: 'eng/web', weight: 0.5 }]) });
        expect(put.status).to.equal(200);
        expect(calls.map((weights) => Object.fromEntries(weights))).to.deep.equal([{ web: 3, 'eng/web': 0.5 }]);
        expect((await request(`${cluster.base}/master/weights`)).json).to.deep.equal([{ role: 'web', weight: 3 }, { role: 'eng/web', weight: 0.5 }]);
        const { roles } = (await request(`${cluster.base}/master/roles`)).json as { roles: Json[] };
        expect(roles.find((role) => role.name === 'web')?.weight).to.equal(3);
        await cluster.harness.clock.settle();
        expect(cluster.harness.captured.find('allocator refused a call from the master')).to.deep.equal([]);
      } finally {
        allocator.updateWeights = original;
      }
    });

    for (const [what, body, expected] of [
      ['not JSON', '[{', 'not JSON'],
      ['not an array', '{"role":"web","weight":1}', 'JSON array'],
      ['a non-positive weight', '[{"role":"web","weight":0}]', "'weight' must be a positive number"],
      ['a weight that is text', '[{"role":"web","weight":"2"}]', "'weight' must be a positive number"],
      ['no role', '[{"weight":2}]', "no 'role'"],
      ['an invalid role', '[{"role":"a//b","weight":2}]', 'adjacent slashes'],
      ['a role twice', '[{"role":"x","weight":2},{"role":"x","weight":3}]', 'twice'],
    ] as const) {
      it(`PUT with ${what} → 400 saying so, and nothing changes`, async () => {
        const before = (await request(`${cluster.base}/master/weights`)).json;
        const { status, json } = await request(`${cluster.base}/master/weights`, { method: 'PUT', body });
        expect(status).to.equal(400);
        expect(errorOf(json)).to.contain(expected);
        expect((await request(`${cluster.base}/master/weights`)).json).to.deep.equal(before);
      });
    }

    it("PUT takes a weight for '*', as Mesos does (it was refused; walkthrough)", async () => {
      const { status } = await request(`${cluster.base}/master/weights`, { method: 'PUT', body: '[{"role":"*","weight":2}]' });
      expect(status).to.equal(200);
      expect((await request(`${cluster.base}/master/weights`)).json).to.deep.include.members([{ role: '*', weight: 2 }]);
      expect(cluster.harness.captured.find('allocator refused a call from the master')).to.deep.equal([]);
    });

    it('POST (which Mesos does not take for weights) → 405 with Allow: GET, PUT', async () => {
      const { status, headers } = await request(`${cluster.base}/master/weights`, { method: 'POST', body: '[]' });
      expect(status).to.equal(405);
      expect(headers.get('allow')).to.equal('GET, PUT');
    });
  });

  describe('/master/quota', () => {
    const cpus = (value: number): Json[] => [{ name: 'cpus', type: 'SCALAR', scalar: { value } }];

    it('POST sets a quota through the allocator (limits = guarantees, as Mesos 1.11 does for the legacy request); GET shows infos and configs; DELETE /master/quota/<role> removes it', async () => {
      const calls: Array<[string, Quota | undefined]> = [];
      const allocator = cluster.harness.handle.allocator;
      const [setQuota, removeQuota] = [allocator.setQuota.bind(allocator), allocator.removeQuota.bind(allocator)];
      allocator.setQuota = (role, quota) => { calls.push([role, quota]); return setQuota(role, quota); };
      allocator.removeQuota = (role) => { calls.push([role, undefined]); return removeQuota(role); };
      try {
        expect((await request(`${cluster.base}/master/quota`)).json).to.deep.equal({ infos: [], configs: [] });
        const post = await request(`${cluster.base}/master/quota`, { method: 'POST', body: JSON.stringify({ role: 'web', guarantee: cpus(1) }) });
        expect(post.status).to.equal(200);
        expect(calls).to.deep.equal([['web', { guarantee: { cpus: 1 }, limit: { cpus: 1 } }]]);
        expect((await request(`${cluster.base}/master/quota`)).json).to.deep.equal({
          infos: [{ role: 'web', guarantee: cpus(1) }],
          // Mesos' QuotaConfig maps of Value.Scalar, as GET_QUOTA writes them (bare numbers here before: Mesos' clients misread them).
          configs: [{ role: 'web', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 1 } } }],
        });
        const { roles } = (await request(`${cluster.base}/master/roles`)).json as { roles: Json[] };
        expect(roles.find((role) => role.name === 'web')?.quota).to.deep.include({ guarantee: { cpus: 1 }, limit: { cpus: 1 } });
        const again = await request(`${cluster.base}/master/quota`, { method: 'POST', body: JSON.stringify({ role: 'web', guarantee: cpus(1) }) });
        expect(again.status).to.equal(400);
        expect(errorOf(again.json)).to.contain('already has quota');
        expect((await request(`${cluster.base}/master/quota/web`, { method: 'DELETE' })).status).to.equal(200);
        expect(calls.at(-1)).to.deep.equal(['web', undefined]);
        expect((await request(`${cluster.base}/master/quota`)).json).to.deep.equal({ infos: [], configs: [] });
        const gone = await request(`${cluster.base}/master/quota/web`, { method: 'DELETE' });
        expect(gone.status).to.equal(400);
        expect(errorOf(gone.json)).to.contain('has no quota set');
        await cluster.harness.clock.settle();
        expect(cluster.harness.captured.find('allocator refused a call from the master')).to.deep.equal([]);
      } finally {
        Object.assign(allocator, { setQuota, removeQuota });
      }
    });

    it("the v1 operator API's SET_QUOTA and REMOVE_QUOTA (Mesos' deprecated calls; they were 501) do what POST and DELETE do, in the same words", async () => {
      const v1 = (call: unknown): Promise<{ status: number; text: string }> => request(`${cluster.base}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call) }).then(({ status, text }) => ({ status, text }));
      const set = (quotaRequest: unknown): Promise<{ status: number; text: string }> => v1({ type: 'SET_QUOTA', set_quota: { quota_request: quotaRequest } });
      expect((await set({ role: 'v1', guarantee: cpus(1) })).status).to.equal(200);
      expect((await request(`${cluster.base}/master/quota`)).json).to.deep.equal({
        infos: [{ role: 'v1', guarantee: cpus(1) }],
        configs: [{ role: 'v1', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 1 } } }],
      });
      const again = await set({ role: 'v1', guarantee: cpus(1) });
      expect([again.status, again.text]).to.deep.equal([400, "Failed to validate set quota request: Cannot set quota for role 'v1' which already has quota"]);
      const big = await set({ role: 'big', guarantee: cpus(100) });
      expect(big.status).to.equal(409);
      expect(big.text).to.contain("'cpus'");
      const empty = await set({ role: 'empty', guarantee: [] });
      expect([empty.status, empty.text]).to.deep.equal([400, "Invalid set quota request: QuotaInfo with empty 'guarantee'"]);
      expect((await set('not a request')).status).to.equal(400);
      expect((await v1({ type: 'REMOVE_QUOTA', remove_quota: { role: 'v1' } })).status).to.equal(200);
      expect((await request(`${cluster.base}/master/quota`)).json).to.deep.equal({ infos: [], configs: [] });
      const gone = await v1({ type: 'REMOVE_QUOTA', remove_quota: { role: 'v1' } });
      expect([gone.status, gone.text]).to.deep.equal([400, "Failed to remove quota: Role 'v1' has no quota set"]);
      const nested = await v1({ type: 'REMOVE_QUOTA', remove_quota: { role: 'eng/web' } });
      expect([nested.status, nested.text]).to.satisfy(([status, text]: [number, string]) => status === 400 && /^Failed to remove quota: .*nested/.test(text));
    });

    it("an empty guarantee is a bad request, as Mesos' QuotaInfo validation has it (it was kept, and then blocked the role: 'already has quota'; walkthrough)", async () => {
      for (const guarantee of [[], '']) {
        const empty = await request(`${cluster.base}/master/quota`, { method: 'POST', body: JSON.stringify({ role: 'empty', guarantee }) });
        expect(empty.status).to.equal(400);
        expect(errorOf(empty.json)).to.contain("QuotaInfo with empty 'guarantee'");
      }
      expect((await request(`${cluster.base}/master/quota`)).json).to.deep.equal({ infos: [], configs: [] });
    });

    it('guarantees the cluster cannot hold → 409, unless forced', async () => {
      const big = await request(`${cluster.base}/master/quota`, { method: 'POST', body: JSON.stringify({ role: 'big', guarantee: cpus(100) }) });
      expect(big.status).to.equal(409);
      expect(errorOf(big.json)).to.contain("'cpus'");
      const forced = await request(`${cluster.base}/master/quota`, { method: 'POST', body: JSON.stringify({ role: 'big', guarantee: cpus(100), force: true }) });
      expect(forced.status).to.equal(200);
      expect((await request(`${cluster.base}/master/quota/big`, { method: 'DELETE' })).status).to.equal(200);
    });

    for (const [what, body, expected] of [
      ['a nested role', { role: 'eng/web', guarantee: [] }, 'nested role'],
      ["the role '*'", { role: '*', guarantee: [] }, "'*'"],
      ['no role', { guarantee: [] }, "'role' must be a string"],
      ['a non-scalar guarantee', { role: 'r', guarantee: [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] } }] }, 'scalar'],
      ['a negative guarantee', { role: 'r', guarantee: cpus(-1) }, "'guarantee'"],
      ['a force that is not a boolean', { role: 'r', guarantee: [], force: 'yes' }, "'force'"],
      // Added together before (the hostile-input pass of 2026-12-05); Mesos refuses them.
      ['a resource named twice', { role: 'r', guarantee: [...cpus(1), ...cpus(2)] }, "QuotaInfo contains duplicate resource name 'cpus'"],
      ['a resource named twice, in text', { role: 'r', guarantee: 'cpus:1;mem:64;cpus:2' }, "QuotaInfo contains duplicate resource name 'cpus'"],
    ] as const) {
      it(`POST with ${what} → 400 saying so`, async () => {
        const { status, json } = await request(`${cluster.base}/master/quota`, { method: 'POST', body: JSON.stringify(body) });
        expect(status).to.equal(400);
        expect(errorOf(json)).to.contain(expected);
      });
    }

    it('methods Mesos does not take → 405 with Allow', async () => {
      const put = await request(`${cluster.base}/master/quota`, { method: 'PUT', body: '{}' });
      // Mesos' quota handler serves DELETE on /master/quota too (a role in the path).
      expect([put.status, put.headers.get('allow')]).to.deep.equal([405, 'GET, POST, DELETE']);
      // And every path under it, as Mesos' handler serves them (GET there is the status: quota-path-hostile3.spec.ts).
      const underIt = await request(`${cluster.base}/master/quota/web`, { method: 'PUT', body: '{}' });
      expect([underIt.status, underIt.headers.get('allow')]).to.deep.equal([405, 'GET, POST, DELETE']);
    });
  });

  it('GET /master/flags, /flags and /version: Mesos-style values; /flags is this master\'s', async () => {
    const flags = (await request(`${cluster.base}/master/flags`)).json as { flags: Record<string, string> };
    expect(flags.flags).to.include({ agent_ping_timeout: '15secs', agent_reregister_timeout: '10mins', max_agent_ping_timeouts: '5', hostname: 'master.example', authenticate_http_readwrite: 'false' });
    expect((await request(`${cluster.base}/flags`)).json).to.deep.equal(flags);
    const version = (await request(`${cluster.base}/version`)).json as Json;
    expect(version).to.include({ version: VERSION, build_user: 'mesos-ts', mesos_ts_version: PACKAGE_VERSION });
    expect(version.build_time).to.be.a('number');
  });

  it('?jsonp= and a trailing / work on the new endpoints too', async () => {
    const wrapped = await request(`${cluster.base}/master/state-summary?jsonp=show`);
    expect(wrapped.headers.get('content-type')).to.equal('text/javascript');
    expect(wrapped.text.startsWith('show({"hostname":"master.example"')).to.equal(true);
    expect((await request(`${cluster.base}/master/roles/`)).status).to.equal(200);
    expect((await request(`${cluster.base}/version/`)).status).to.equal(200);
  });
});

describe('actors/master: who may read flags and change weights and quota', () => {
  const credentials = new Map([['ops', 's3cret-ops'], ['viewer', 's3cret-viewer']]);
  const ops = { authorization: basicAuthorization('ops', 's3cret-ops') };
  const viewer = { authorization: basicAuthorization('viewer', 's3cret-viewer') };
  let cluster: Cluster;
  before(async () => {
    const acls = parseAcls({
      view_flags: [{ principals: { values: ['ops'] }, flags: { type: 'ANY' } }, { principals: { type: 'ANY' }, flags: { type: 'NONE' } }],
      update_weights: [{ principals: { values: ['ops'] }, roles: { type: 'ANY' } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
      update_quotas: [{ principals: { values: ['ops'] }, roles: { type: 'ANY' } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
      get_quotas: [{ principals: { values: ['ops'] }, roles: { type: 'ANY' } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
      view_roles: [{ principals: { values: ['ops'] }, roles: { type: 'ANY' } }, { principals: { type: 'ANY' }, roles: { type: 'NONE' } }],
    });
    cluster = await startCluster({ credentials, credentialsPath: '/etc/mesos/credentials.json', authenticateHttpReadwrite: true, acls });
  });
  after(async () => {
    await cluster.harness.host.stop();
    await cleanUp();
  });

  it('flags never show a secret: the credentials only by their file', async () => {
    const { text } = await request(`${cluster.base}/master/flags`, { headers: ops });
    expect(text).not.to.contain('s3cret');
    expect((JSON.parse(text) as { flags: Json }).flags).to.include({ credentials: '/etc/mesos/credentials.json', authenticate_http_readwrite: 'true' });
  });

  it('view_flags decides /master/flags, /flags and the flags of /master/state', async () => {
    expect((await request(`${cluster.base}/master/flags`, { headers: viewer })).status).to.equal(403);
    expect((await request(`${cluster.base}/flags`, { headers: viewer })).status).to.equal(403);
    expect((await request(`${cluster.base}/master/state`, { headers: viewer })).json).not.to.have.property('flags');
    expect((await request(`${cluster.base}/master/state`, { headers: ops })).json).to.have.property('flags');
  });

  it('view_roles filters /master/roles, /master/weights and reserved_resources', async () => {
    expect(((await request(`${cluster.base}/master/roles`, { headers: viewer })).json as Json).roles).to.deep.equal([]);
    expect(((await request(`${cluster.base}/master/roles`, { headers: ops })).json as { roles: Json[] }).roles).to.not.be.empty;
    const [slave] = ((await request(`${cluster.base}/master/state`, { headers: viewer })).json as { slaves: Json[] }).slaves;
    expect(slave?.reserved_resources).to.deep.equal({});
    // /master/slaves keeps its agents' texts for everyone; an agent with reservations is rendered for a viewer who may not see every role.
    const slavesOf = async (headers: Record<string, string>): Promise<Json[]> => ((await request(`${cluster.base}/master/slaves`, { headers })).json as { slaves: Json[] }).slaves;
    const [seenByViewer] = await slavesOf(viewer);
    expect(seenByViewer?.reserved_resources).to.deep.equal({});
    expect(seenByViewer?.reserved_resources_full).to.deep.equal({});
    const [seenByOps] = await slavesOf(ops);
    expect(seenByOps?.reserved_resources_full).to.have.keys('web');
    expect((await slavesOf(viewer))[0]?.reserved_resources_full, 'asked again, from the kept texts').to.deep.equal({});
  });

  it('changing weights or quota needs read-write credentials (401) and update_weights / update_quotas (403)', async () => {
    const body = JSON.stringify([{ role: 'web', weight: 2 }]);
    expect((await request(`${cluster.base}/master/weights`, { method: 'PUT', body })).status).to.equal(401);
    const denied = await request(`${cluster.base}/master/weights`, { method: 'PUT', body, headers: viewer });
    expect(denied.status).to.equal(403);
    expect(errorOf(denied.json)).to.contain("update the weight of role 'web'");
    expect((await request(`${cluster.base}/master/weights`, { method: 'PUT', body, headers: ops })).status).to.equal(200);
    const quota = JSON.stringify({ role: 'web', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] });
    expect((await request(`${cluster.base}/master/quota`, { method: 'POST', body: quota })).status).to.equal(401);
    expect((await request(`${cluster.base}/master/quota`, { method: 'POST', body: quota, headers: viewer })).status).to.equal(403);
    expect((await request(`${cluster.base}/master/quota`, { method: 'POST', body: quota, headers: ops })).status).to.equal(200);
    expect(((await request(`${cluster.base}/master/quota`, { headers: viewer })).json as Json).configs).to.deep.equal([]);
    expect(((await request(`${cluster.base}/master/quota`, { headers: ops })).json as Json).configs).to.have.length(1);
    expect((await request(`${cluster.base}/master/quota/web`, { method: 'DELETE' })).status).to.equal(401);
    expect((await request(`${cluster.base}/master/quota/web`, { method: 'DELETE', headers: viewer })).status).to.equal(403);
    expect((await request(`${cluster.base}/master/quota/web`, { method: 'DELETE', headers: ops })).status).to.equal(200);
  });

  it('a change of weights or quota without read-write credentials is refused before its body is read (never held)', async () => {
    // A body over the host's bound (MAX_HTTP_BODY_BYTES, 16 MiB): read, it would be a 413; refused before it is read, a 401.
    // (A caller with credentials has its body read: the ACLs decide by the roles in it.)
    const body = 'x'.repeat(MAX_HTTP_BODY_BYTES + 1);
    const wrongSecret = { authorization: basicAuthorization('ops', 'not-the-secret') };
    for (const [path, method] of [['/master/weights', 'PUT'], ['/master/quota', 'POST']] as const) {
      expect((await request(`${cluster.base}${path}`, { method, body })).status, `${path} anonymous`).to.equal(401);
      expect((await request(`${cluster.base}${path}`, { method, body, headers: wrongSecret })).status, `${path} wrong secret`).to.equal(401);
      expect((await request(`${cluster.base}${path}`, { method, body, headers: ops })).status, `${path} read-write`).to.equal(413);
    }
  });
});

describe('actors/master: weights and quota outlive the master (registry)', () => {
  it('a master started on the same registry serves the weights and quota set before, and hands them to its allocator', async () => {
    const cluster = await startCluster();
    const { harness } = cluster;
    const calls: string[] = [];
    const prototype = Allocator.prototype;
    const [updateWeights, setQuota] = [prototype.updateWeights, prototype.setQuota];
    try {
      expect((await request(`${cluster.base}/master/weights`, { method: 'PUT', body: JSON.stringify([{ role: 'web', weight: 4 }]) })).status).to.equal(200);
      const quota = { role: 'web', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] };
      expect((await request(`${cluster.base}/master/quota`, { method: 'POST', body: JSON.stringify(quota) })).status).to.equal(200);
      await harness.handle.stop();
      prototype.updateWeights = function (this: Allocator, weights) {
        calls.push(`updateWeights ${JSON.stringify(Object.fromEntries(weights))}`);
        return updateWeights.call(this, weights);
      };
      prototype.setQuota = function (this: Allocator, role, value) {
        calls.push(`setQuota ${role} ${JSON.stringify(value)}`);
        return setQuota.call(this, role, value);
      };
      await startMaster({ flags: harness.flags, host: harness.host });
      await harness.clock.settle();
      expect(calls).to.deep.equal(['updateWeights {"web":4}', 'setQuota web {"guarantee":{"cpus":1},"limit":{"cpus":1}}']);
      expect((await request(`${cluster.base}/master/weights`)).json).to.deep.equal([{ role: 'web', weight: 4 }]);
      expect(((await request(`${cluster.base}/master/quota`)).json as Json).configs).to.deep.equal([{ role: 'web', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 1 } } }]);
    } finally {
      Object.assign(prototype, { updateWeights, setQuota });
      await harness.host.stop();
      await cleanUp();
    }
  });
});
