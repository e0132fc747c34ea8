import { expect } from 'chai';
import { captureLogger } from '../../../lib/logging';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { Resources } from '../../../lib/resources';
import { defaultMasterFlags, renderResources, startMaster, type MasterHandle } from '../../../actors/master';
import { eventually, netHost, Probe, within } from '../../support/runtime';
import {
  agentUpdate, cleanUp, commandTask, FRAMEWORK_MESSAGES, latestOffer, launch, makeWorkDir, registerAgent, registerFramework, type AgentHandle,
  type FakeFramework, type Harness,
} from './harness';

type Json = Record<string, unknown>;

/** A master on a real listening host (virtual clock), with one agent, one framework and one running task. */
async function listeningCluster(): Promise<{ harness: Harness; agent: AgentHandle; framework: FakeFramework; base: string }> {
  const clock = new VirtualClock();
  const captured = captureLogger();
  const host: ActorHost = await netHost({ clock, logger: captured.logger });
  const workDir = makeWorkDir();
  const flags = { ...defaultMasterFlags(workDir), hostname: 'master.example' };
  const handle: MasterHandle = await startMaster({ flags, host });
  await clock.settle();
  const harness: Harness = { clock, host, handle, workDir, flags, captured, masterPid: handle.pid };
  const agent = await registerAgent(harness, 'cpus:4;mem:4096;disk:1000;ports:[31000-32000];cpus(web):2');
  const framework = await registerFramework(harness, { name: 'web-app', roles: ['web'], failoverTimeout: 60 });
  const offer = latestOffer(framework.probe);
  await launch(harness, framework, [offer.id], [commandTask('t1', agent.agentId, 'cpus(web):1;mem:128;ports:[31000-31000]')], 0);
  await agentUpdate(harness, agent, framework.frameworkId, 't1', 'TASK_RUNNING');
  await clock.advance(1_000); // a new offer of what is left
  return { harness, agent, framework, base: `http://${host.address}` };
}

async function get(url: string): Promise<{ status: number; json: Json }> {
  const response = await within(fetch(url), 5_000, url);
  const text = await response.text();
  return { status: response.status, json: text.length > 0 ? (JSON.parse(text) as Json) : {} };
}

describe('actors/master: HTTP endpoints (real listening host)', () => {
  let cluster: Awaited<ReturnType<typeof listeningCluster>>;
  before(async () => {
    cluster = await listeningCluster();
  });
  after(async () => {
    await cluster.harness.host.stop();
    await cleanUp();
  });

  it('GET /master/state: the master, with Mesos field names', async () => {
    const { status, json } = await get(`${cluster.base}/master/state`);
    expect(status).to.equal(200);
    const info = cluster.harness.handle.master.masterInfo();
    expect(json).to.include({ id: info.id, pid: info.pid, leader: info.pid, hostname: 'master.example', activated_slaves: 1 });
    expect(json.version).to.be.a('string');
    expect(json.leader_info).to.include({ id: info.id, pid: info.pid, hostname: 'master.example', port: cluster.harness.masterPid.port, ip: 16777343 });
    expect(json.unregistered_frameworks).to.deep.equal([]);
    expect(json.completed_frameworks).to.deep.equal([]);
  });

  it('GET /master/state: frameworks with their tasks, offers and resources', async () => {
    const { json } = await get(`${cluster.base}/master/state`);
    const [framework] = json.frameworks as Json[];
    expect(framework).to.include({ id: cluster.framework.frameworkId, name: 'web-app', user: 'tester', active: true, connected: true });
    expect(framework?.pid).to.equal(cluster.framework.probe.self().toString());
    expect(framework?.roles).to.deep.equal(['web']);
    expect(framework?.registered_time).to.be.a('number');
    expect(framework?.used_resources).to.deep.equal({ cpus: 1, gpus: 0, mem: 128, disk: 0, ports: '[31000-31000]' });
    const [task] = framework?.tasks as Json[];
    expect(task).to.include({ id: 't1', name: 'task t1', framework_id: cluster.framework.frameworkId, slave_id: cluster.agent.agentId, state: 'TASK_RUNNING', executor_id: '' });
    expect(task?.resources).to.deep.equal({ cpus: 1, gpus: 0, mem: 128, disk: 0, ports: '[31000-31000]' });
    expect((task?.statuses as Json[]).map((status) => status.state)).to.deep.equal(['TASK_RUNNING']);
    expect((task?.statuses as Json[])[0]?.timestamp).to.be.a('number');
    const offers = framework?.offers as Json[];
    expect(offers).to.have.length(1);
    expect(offers[0]).to.include({ framework_id: cluster.framework.frameworkId, slave_id: cluster.agent.agentId });
    expect(offers[0]?.resources).to.deep.equal({ cpus: 5, gpus: 0, mem: 3968, disk: 1000, ports: '[31001-32000]' });
    expect(framework?.offered_resources).to.deep.equal(offers[0]?.resources);
    expect(framework?.completed_tasks).to.deep.equal([]);
  });

  it('GET /master/state: slaves with resources, used/offered/reserved/unreserved resources and attributes', async () => {
    const { json } = await get(`${cluster.base}/master/state`);
    const [slave] = json.slaves as Json[];
    expect(slave).to.include({ id: cluster.agent.agentId, pid: cluster.agent.probe.self().toString(), hostname: 'agent.local', port: 5051, active: true });
    expect(slave?.resources).to.deep.equal({ cpus: 6, gpus: 0, mem: 4096, disk: 1000, ports: '[31000-32000]' });
    expect(slave?.used_resources).to.deep.equal({ cpus: 1, gpus: 0, mem: 128, disk: 0, ports: '[31000-31000]' });
    expect(slave?.offered_resources).to.deep.equal({ cpus: 5, gpus: 0, mem: 3968, disk: 1000, ports: '[31001-32000]' });
    expect(slave?.unreserved_resources).to.deep.equal({ cpus: 4, gpus: 0, mem: 4096, disk: 1000, ports: '[31000-32000]' });
    expect(slave?.reserved_resources).to.deep.equal({ web: { cpus: 2, gpus: 0, mem: 0, disk: 0 } });
    expect(slave?.attributes).to.deep.equal({ rack: 'r1' });
    expect(slave?.registered_time).to.be.a('number');
  });

  it('GET /master/frameworks, /master/slaves and /master/tasks', async () => {
    const frameworks = (await get(`${cluster.base}/master/frameworks`)).json;
    expect(Object.keys(frameworks).sort()).to.deep.equal(['completed_frameworks', 'frameworks', 'unregistered_frameworks']);
    expect((frameworks.frameworks as Json[]).map((framework) => framework.id)).to.deep.equal([cluster.framework.frameworkId]);
    const slaves = (await get(`${cluster.base}/master/slaves`)).json;
    expect((slaves.slaves as Json[]).map((slave) => slave.id)).to.deep.equal([cluster.agent.agentId]);
    const tasks = (await get(`${cluster.base}/master/tasks`)).json;
    expect((tasks.tasks as Json[]).map((task) => task.id)).to.deep.equal(['t1']);
    const none = (await get(`${cluster.base}/master/tasks?framework_id=other`)).json;
    expect(none.tasks).to.deep.equal([]);
    const mine = (await get(`${cluster.base}/master/tasks?framework_id=${cluster.framework.frameworkId}`)).json;
    expect(mine.tasks).to.have.length(1);
  });

  it('GET /master/redirect answers 307 to the leading master\'s base URL, port included (this one: it leads)', async () => {
    const response = await within(fetch(`${cluster.base}/master/redirect`, { redirect: 'manual' }), 5_000, 'redirect');
    expect(response.status).to.equal(307);
    const state = (await get(`${cluster.base}/master/state`)).json;
    expect(response.headers.get('location')).to.equal(`//${String(state.hostname)}:${new URL(cluster.base).port}`);
  });

  it('GET /master/health answers 200', async () => {
    expect((await get(`${cluster.base}/master/health`)).status).to.equal(200);
  });

  it('GET /metrics/snapshot: a flat object with Mesos key names, including the allocator', async () => {
    const { status, json } = await get(`${cluster.base}/metrics/snapshot`);
    expect(status).to.equal(200);
    expect(json).to.include({
      'master/elected': 1,
      'master/slaves_active': 1, 'master/slaves_connected': 1, 'master/slaves_disconnected': 0,
      'master/frameworks_active': 1, 'master/frameworks_connected': 1, 'master/frameworks_disconnected': 0,
      'master/tasks_staging': 0, 'master/tasks_starting': 0, 'master/tasks_running': 1,
      'master/tasks_finished': 0, 'master/tasks_failed': 0, 'master/tasks_killed': 0, 'master/tasks_lost': 0, 'master/tasks_error': 0,
      'master/outstanding_offers': 1,
      'master/cpus_total': 6, 'master/cpus_used': 1, 'master/mem_total': 4096, 'master/mem_used': 128, 'master/disk_total': 1000, 'master/disk_used': 0,
      'master/messages_register_framework': 1, 'master/messages_register_slave': 1, 'master/messages_launch_tasks': 1,
      'master/valid_status_updates': 1,
    });
    expect(json['master/uptime_secs']).to.be.a('number');
    expect(json['allocator/mesos/allocation_runs']).to.be.a('number');
    expect(Object.values(json).every((value) => typeof value === 'number')).to.equal(true);
  });

  it('over a real link, a malformed body is dropped before the master handles it, answered with a FrameworkError, and the master carries on', async () => {
    const remote = await netHost();
    try {
      const scheduler = new Probe('remote-scheduler', FRAMEWORK_MESSAGES);
      remote.spawn(scheduler);
      scheduler.post(cluster.harness.masterPid, 'RegisterFramework', { framework: { name: 5, user: 'u' } });
      scheduler.post(cluster.harness.masterPid, 'RegisterFramework', { framework: { name: 'remote', user: 'u' } });
      await eventually(() => scheduler.count('FrameworkRegistered') === 1, 5_000, 'FrameworkRegistered over the link');
      await eventually(() => scheduler.count('FrameworkError') === 1, 5_000, 'FrameworkError over the link');
      expect(scheduler.received.find((received) => received.name === 'FrameworkError')?.body).to.deep.equal({ message: 'Invalid RegisterFramework call: framework.name: Invalid input: expected string, received number' });
      expect(cluster.harness.captured.find('dropping message: invalid body')).to.have.length(1);
    } finally {
      await remote.stop();
    }
  });

  it('unknown routes answer 404', async () => {
    expect((await get(`${cluster.base}/master/nope`)).status).to.equal(404);
  });

  it('resources render as Mesos does: totals over roles, ranges and sets as strings', () => {
    const parsed = Resources.parse('cpus:1;cpus(a):2;ports:[1-2,5-6];disks:{x,y}');
    expect(renderResources(parsed)).to.deep.equal({ cpus: 3, gpus: 0, mem: 0, disk: 0, ports: '[1-2, 5-6]', disks: '{x, y}' });
  });
});

describe('actors/master: HTTP endpoints while leadership is unconfirmed', () => {
  it('a master that cannot confirm it still leads (its ZooKeeper session may have expired while it was stopped) answers 503 where it would speak as the leader, and /metrics says elected 0', async () => {
    const clock = new VirtualClock();
    const host = await netHost({ clock, logger: captureLogger().logger });
    let leading = true;
    try {
      await startMaster({ flags: defaultMasterFlags(makeWorkDir()), host, leading: () => leading });
      await clock.settle();
      const base = `http://${host.address}`;
      expect((await get(`${base}/master/state`)).status).to.equal(200);
      expect((await get(`${base}/metrics/snapshot`)).json['master/elected']).to.equal(1);
      leading = false;
      for (const route of ['/master/state', '/master/state.json', '/master/frameworks', '/master/slaves', '/master/tasks', '/master/redirect']) {
        const response = await within(fetch(`${base}${route}`, { redirect: 'manual' }), 5_000, route);
        expect(response.status, route).to.equal(503);
        expect(await response.text(), route).to.equal('this master cannot confirm that it still leads\n');
      }
      expect((await get(`${base}/master/health`)).status).to.equal(200);
      expect((await get(`${base}/metrics/snapshot`)).json['master/elected']).to.equal(0);
      leading = true;
      expect((await get(`${base}/master/state`)).status).to.equal(200);
    } finally {
      await host.stop();
      await cleanUp();
    }
  });
});
