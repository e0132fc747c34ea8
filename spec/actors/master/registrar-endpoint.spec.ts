/**
 * `/registrar(1)/registry` (Mesos' registrar route): what the master's registry holds, as Mesos'
 * `Registry` JSON, read-only credentials, and the same after a failover.
 */
import { expect } from 'chai';
import { within } from '../../support/runtime';
import { agentInfo, FakeAgent, last, makeWorkDir, startListeningHarness, type Harness } from './harness';
import type { MasterFlags } from '../../../actors/master';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of arbitrary JSON

const started: Harness[] = [];

async function listening(flags: Partial<MasterFlags> = {}, workDir = makeWorkDir()): Promise<Harness> {
  const harness = await startListeningHarness(flags, workDir);
  started.push(harness);
  return harness;
}

async function fetchText(harness: Harness, path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const url = `http://${harness.host.address}${path}`;
  const response = await within(fetch(url, init), 10_000, url);
  const text = await response.text();
  await harness.clock.settle();
  return { status: response.status, text };
}

async function operate(harness: Harness, call: object): Promise<void> {
  const answer = await fetchText(harness, '/api/v1', { method: 'POST', body: JSON.stringify(call), headers: { 'content-type': 'application/json' } });
  expect(answer.status, `${JSON.stringify(call)}: ${answer.text}`).to.equal(200);
}

async function registry(harness: Harness): Promise<Json> {
  const answer = await fetchText(harness, '/registrar(1)/registry');
  expect(answer.status, answer.text).to.equal(200);
  return JSON.parse(answer.text) as Json;
}

async function registerAgent(harness: Harness, name: string): Promise<string> {
  const probe = new FakeAgent(`registry-${name}`);
  harness.host.spawn(probe);
  probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo('cpus:2;mem:1024', name), version: '0.1.0' });
  await harness.clock.settle();
  const registered = last(probe, 'AgentRegistered');
  if (registered === undefined) throw new Error(`${name} was not registered`);
  return (registered.body as { agentId: string }).agentId;
}

describe('master: /registrar(1)/registry', () => {
  afterEach(async () => {
    for (const harness of started.splice(0)) await harness.host.stop();
  });

  it("shows what the registry holds as Mesos' Registry JSON: admitted agents (deactivated ones marked), gone ones, weights, quota configs, the maintenance schedule; the same after a failover", async () => {
    const workDir = makeWorkDir();
    const harness = await listening({}, workDir);
    const empty = await registry(harness);
    expect(Object.keys(empty), 'nothing but the master before anything is admitted').to.deep.equal(['master']);
    expect(empty.master.info).to.include({ id: harness.handle.master.masterInfo().id, hostname: harness.handle.master.masterInfo().hostname });
    const kept = await registerAgent(harness, 'kept');
    const gone = await registerAgent(harness, 'gone');
    await operate(harness, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: kept } } });
    await operate(harness, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: gone } } });
    await operate(harness, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: 2.5 }] } });
    await operate(harness, { type: 'SET_QUOTA', set_quota: { quota_request: { role: 'eng', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] } } });
    const window = { machine_ids: [{ hostname: 'kept', ip: '127.0.0.1' }], unavailability: { start: { nanoseconds: 4_000_000_000_000_000_000 } } };
    await operate(harness, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [window] } } });
    const contents = await registry(harness);
    expect(contents.slaves.slaves).to.have.length(1);
    expect(contents.slaves.slaves[0]).to.deep.include({ deactivated: true });
    expect(contents.slaves.slaves[0].info).to.deep.include({ id: { value: kept }, hostname: 'kept' });
    expect(contents.slaves.slaves[0].info.resources.map((resource: Json) => resource.name)).to.have.members(['cpus', 'mem']);
    expect(contents.gone.slaves.map((entry: Json) => entry.id)).to.deep.equal([{ value: gone }]);
    expect(contents.gone.slaves[0].timestamp.nanoseconds).to.be.a('number');
    expect(contents.weights).to.deep.equal([{ info: { weight: 2.5, role: 'eng' } }]);
    expect(contents, "Mesos' UpdateQuota keeps quotas in quota_configs alone").to.not.have.property('quotas');
    expect(contents.quota_configs).to.deep.equal([{ role: 'eng', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 1 } } }]);
    expect(contents.schedules).to.deep.equal([{ windows: [window] }]);
    expect(contents.machines.machines).to.deep.equal([{ info: { id: { hostname: 'kept', ip: '127.0.0.1' }, mode: 'DRAINING', unavailability: window.unavailability } }]);
    expect(contents).to.not.have.property('unreachable');

    // A new master over the same registry: the same contents, its own info.
    await harness.host.stop();
    started.splice(started.indexOf(harness), 1);
    const next = await listening({}, workDir);
    const recovered = await registry(next);
    expect({ ...recovered, master: undefined }).to.deep.equal({ ...contents, master: undefined });
    expect(recovered.master.info.id).to.equal(next.handle.master.masterInfo().id);
  });

  it('asks for the read-only credentials when they are required, and takes GET only', async () => {
    const harness = await listening({ authenticateHttpReadonly: true, credentials: new Map([['ops', 'secret']]) });
    expect((await fetchText(harness, '/registrar(1)/registry')).status).to.equal(401);
    const authorization = `Basic ${Buffer.from('ops:secret').toString('base64')}`;
    expect((await fetchText(harness, '/registrar(1)/registry', { headers: { authorization } })).status).to.equal(200);
    const post = await fetchText(harness, '/registrar(1)/registry', { method: 'POST', headers: { authorization } });
    expect([post.status, JSON.parse(post.text)]).to.deep.equal([405, { error: "Expecting 'GET', received 'POST'" }]);
  });
});
