import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { VirtualClock, type HttpResponse } from '../../../lib/process';
import { VERSION } from '../../../lib/version';
import { captureLogger } from '../../../lib/logging';
import { StandbyMaster } from '../../../actors/master/standby';
import { apiActorId, StandbyApi } from '../../../actors/master/v1-scheduler';
import { defaultMasterFlags, type MasterFlags } from '../../../actors/master/flags';
import { standbyRefusal } from '../../../actors/master/route-access';
import { memoryHost, netHost, Probe, within } from '../../support/runtime';

describe('actors/master/standby: a master that does not lead', () => {
  it('drops registrations while it stands by; elected and recovering, it holds the latest valid one per sender and kind for its master, and nothing else (no Authenticate)', async () => {
    const clock = new VirtualClock({ simulated: true });
    const host = memoryHost({ clock });
    const standby = new StandbyMaster({ pid: `master@${host.address}`, hostname: 'master.local' });
    host.spawn(standby);
    const agent = new Probe('slave(1)');
    const scheduler = new Probe('scheduler');
    host.spawn(agent);
    host.spawn(scheduler);
    const info = { hostname: 'agent.local', port: 5051, resources: [] };
    agent.post(standby.self(), 'RegisterAgent', { agent: info, version: '1' });
    await clock.settle();
    await dispatch(standby, (actor) => actor.hold());
    // Not an Authenticate: held, it started a stale exchange at the master after its sender had started another (its
    // link to the standby broken), and the master's answer failed the new one (found on real processes, at a failover).
    agent.post(standby.self(), 'Authenticate', { principal: 'agent', clientNonce: 'ab'.repeat(32) });
    agent.post(standby.self(), 'RegisterAgent', { agent: { ...info, hostname: 'first' }, version: '1' });
    scheduler.post(standby.self(), 'RegisterFramework', { framework: { name: 'fw', user: 'u' } });
    agent.post(standby.self(), 'RegisterAgent', { agent: { ...info, hostname: 'retried' }, version: '1' });
    agent.post(standby.self(), 'ReregisterAgent', { agent: 'not an AgentInfo' });
    agent.post(standby.self(), 'Pong', {});
    await clock.settle();
    const held = await dispatch(standby, (actor) => actor.release());
    expect(held.map((message) => `${message.name} from ${message.from.split('@')[0] ?? ''}`)).to.deep.equal(['RegisterFramework from scheduler', 'RegisterAgent from slave(1)']);
    expect((held[1]?.body as { agent: { hostname: string } }).agent.hostname).to.equal('retried');
    agent.post(standby.self(), 'RegisterAgent', { agent: info, version: '1' });
    await clock.settle();
    expect(await dispatch(standby, (actor) => actor.release()), 'holding ends with release').to.deep.equal([]);
  });

  it('warns once per sender, naming the leader, when it drops a registration (an agent or framework pointed at it waits for good); other messages only at info', async () => {
    const clock = new VirtualClock({ simulated: true });
    const captured = captureLogger();
    const host = memoryHost({ clock, logger: captured.logger });
    const standby = new StandbyMaster({ pid: `master@${host.address}`, hostname: 'master.local' });
    host.spawn(standby);
    await dispatch(standby, (actor) => actor.leaderChanged({ pid: 'master@10.0.0.1:5050', info: { id: 'm1', ip: '10.0.0.1', port: 5050, pid: 'master@10.0.0.1:5050', hostname: 'm1.local', version: '1' } }));
    const agent = new Probe('slave(1)');
    host.spawn(agent);
    for (let attempt = 0; attempt < 3; attempt++) agent.post(standby.self(), 'RegisterAgent', { agent: { hostname: 'agent.local', port: 5051, resources: [] }, version: '1' });
    await clock.settle();
    const warned = captured.records.filter((record) => record.level === 40).map((record) => record.msg);
    expect(warned).to.deep.equal(['dropping RegisterAgent: this master is a standby (the leader is master@10.0.0.1:5050); give the sender --master zk://... to follow the leader']);
  });

  it('redirects the v1 scheduler API to the leader (307 with its host and port), and answers 503 while none leads', async () => {
    const host = await netHost();
    try {
      const standby = new StandbyMaster({ pid: `master@${host.address}`, hostname: 'me.local' });
      host.spawn(standby);
      host.spawn(new StandbyApi(apiActorId('master'), (path) => standby.redirectTo(path)));
      const post = (path: string): Promise<Response> => fetch(`http://${host.address}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect((await post('/api/v1/scheduler')).status).to.equal(503);
      standby.leaderChanged({ pid: 'master@10.0.0.7:5050', info: { id: 'm', ip: '10.0.0.7', port: 5050, pid: 'master@10.0.0.7:5050', hostname: 'leader.local', version: '1' } });
      for (const path of ['/api/v1/scheduler', '/master/api/v1/scheduler']) {
        const response = await post(path);
        expect(response.status, path).to.equal(307);
        expect(response.headers.get('location'), path).to.equal('//leader.local:5050' + (path.startsWith('/master') ? '/master/api/v1/scheduler' : '/api/v1/scheduler'));
      }
    } finally {
      await host.stop();
    }
  });

  it('asks for the credentials the leader would ask for before it redirects (401 first, as Mesos\' libprocess authenticates before the handler): the /master routes by their realms, /api/v1, /api/v1/scheduler', async () => {
    const host = await netHost();
    try {
      const credentials = new Map([['ops', 'secret']]);
      const flags: MasterFlags = { ...defaultMasterFlags('/nonexistent'), credentials, authenticateHttpReadonly: true, authenticateHttpReadwrite: true, authenticateHttpFrameworks: true };
      const refusal = standbyRefusal(flags);
      const standby = new StandbyMaster({ pid: `master@${host.address}`, hostname: 'me.local', refusal });
      host.spawn(standby);
      host.spawn(new StandbyApi(apiActorId('master'), (path) => standby.redirectTo(path), refusal));
      standby.leaderChanged({ pid: 'master@10.0.0.7:5050', info: { id: 'm', ip: '10.0.0.7', port: 5050, pid: 'master@10.0.0.7:5050', hostname: 'leader.local', version: '1' } });
      const ask = (method: string, path: string, authorization?: string): Promise<Response> => fetch(`http://${host.address}${path}`, {
        method, redirect: 'manual', headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) }, ...(method === 'GET' ? {} : { body: '{}' }),
      });
      const good = `Basic ${Buffer.from('ops:secret').toString('base64')}`;
      const bad = `Basic ${Buffer.from('ops:wrong').toString('base64')}`;
      const cases: Array<[string, string]> = [['GET', '/master/state'], ['GET', '/master/tasks'], ['GET', '/master/quota'], ['DELETE', '/master/quota/eng'], ['POST', '/master/teardown'], ['POST', '/master/reserve'], ['POST', '/master/machine/down'], ['POST', '/api/v1'], ['POST', '/api/v1/scheduler'], ['POST', '/master/api/v1']];
      for (const [method, path] of cases) {
        const without = await ask(method, path);
        expect(without.status, `${method} ${path} without credentials`).to.equal(401);
        expect(without.headers.get('www-authenticate'), path).to.match(/^Basic realm=/);
        expect((await ask(method, path, bad)).status, `${method} ${path}, wrong secret`).to.equal(401);
        const authorized = await ask(method, path, good);
        expect([authorized.status, authorized.headers.get('location')?.startsWith('//leader.local:5050/')], `${method} ${path} with credentials`).to.deep.equal([307, true]);
      }
      // What never asks (as at the leader): /master/health, /master/redirect.
      expect((await ask('GET', '/master/redirect')).status).to.equal(307);
      expect((await ask('GET', '/master/health')).status).to.equal(200);
      // Without the flags, nothing is asked: the redirect comes at once.
      const open = standbyRefusal(defaultMasterFlags('/nonexistent'));
      expect(open('/state', { method: 'GET', path: '/master/state', query: {}, headers: {}, body: Buffer.alloc(0) })).to.equal(undefined);
    } finally {
      await host.stop();
    }
  });

  it('sends the web UI (its host\'s /, delegated to it) to the leader\'s, or says none leads', async () => {
    const host = await netHost();
    try {
      const standby = new StandbyMaster({ pid: `master@${host.address}`, hostname: 'standby.local' });
      host.spawn(standby);
      host.setDelegate(standby.id);
      const get = (): Promise<Response> => within(fetch(`http://${host.address}/`, { redirect: 'manual' }), 5_000, 'GET /');
      expect((await get()).status).to.equal(503);
      const leader = { id: 'm2', pid: 'master@10.0.0.2:5050', ip: '10.0.0.2', port: 5050, hostname: 'leader.local', version: '1' };
      await dispatch(standby, (actor) => actor.leaderChanged({ pid: leader.pid, info: leader }));
      const response = await get();
      expect([response.status, response.headers.get('location')]).to.deep.equal([307, '//leader.local:5050/']);
    } finally {
      await host.stop();
    }
  });

  it("redirects the leader's endpoints, /master/state too, to the leader (307, the query kept), or answers 503 while none leads; serves its own flags", async () => {
    const clock = new VirtualClock({ simulated: true });
    const host = memoryHost({ clock });
    const flags = (): HttpResponse => ({ status: 200, body: { flags: { quorum: '2' } } });
    const standby = new StandbyMaster({ pid: `master@${host.address}`, hostname: 'master.local', flags });
    host.spawn(standby);
    const call = (path: string, query: Record<string, string> = {}): Promise<HttpResponse> => dispatch(standby, async (actor) => {
      const handler = actor.runtime.routes.get(path);
      if (handler === undefined) throw new Error(`no route ${path}`);
      return handler.call(actor, { method: 'GET', path, query, headers: {}, body: Buffer.alloc(0) });
    });
    // Mesos' standby redirects `/master/state` too: serving its own (no frameworks, no agents) read as an empty cluster behind a load balancer.
    const routes = ['/state', '/state.json', '/state-summary', '/roles', '/weights', '/quota', '/frameworks', '/slaves', '/tasks', '/teardown'];
    expect((await call('/flags')).body, 'its own flags, leader or not (Mesos)').to.deep.equal({ flags: { quorum: '2' } });
    for (const path of routes) expect((await call(path)).status, path).to.equal(503);
    const leaderInfo = { id: 'L', ip: '10.0.0.9', port: 5050, pid: 'master@10.0.0.9:5050', hostname: 'leader.example', version: VERSION };
    await dispatch(standby, (actor) => actor.leaderChanged({ pid: leaderInfo.pid, info: leaderInfo }));
    for (const path of routes) {
      const response = await call(path);
      expect(response.status, path).to.equal(307);
      expect(response.headers?.location, path).to.equal(`//leader.example:5050/master${path}`);
    }
    const quota = await dispatch(standby, async (actor) => {
      const handler = actor.runtime.routes.get('/quota/*');
      if (handler === undefined) throw new Error('no route /quota/*');
      return handler.call(actor, { method: 'DELETE', path: '/quota/eng', query: {}, headers: {}, body: Buffer.alloc(0) });
    });
    expect([quota.status, quota.headers?.location]).to.deep.equal([307, '//leader.example:5050/master/quota/eng']);
    const tasks = await call('/tasks', { limit: '10', order: 'asc' });
    expect(tasks.headers?.location, 'the query goes along').to.equal('//leader.example:5050/master/tasks?limit=10&order=asc');
    expect((await call('/flags')).body).to.deep.equal({ flags: { quorum: '2' } });
  });

  // Found by a hostile review of v1 frameworks across failover: the elected master told clients "no master is leading"
  // while the other masters already named it, and its /master/redirect was 503.
  it("elected and recovering (the leader is itself): /master/redirect names itself, the leader's endpoints answer 503 Master has not finished recovery", async () => {
    const clock = new VirtualClock({ simulated: true });
    const host = memoryHost({ clock });
    const own = { id: 'me', ip: '10.0.0.5', port: 5050, pid: 'master@10.0.0.5:5050', hostname: 'me.example', version: VERSION };
    const standby = new StandbyMaster({ pid: own.pid, hostname: own.hostname });
    host.spawn(standby);
    const call = (path: string): Promise<HttpResponse> => dispatch(standby, async (actor) => {
      const handler = actor.runtime.routes.get(path);
      if (handler === undefined) throw new Error(`no route ${path}`);
      return handler.call(actor, { method: 'GET', path, query: {}, headers: {}, body: Buffer.alloc(0) });
    });
    await dispatch(standby, (actor) => { actor.hold(); actor.leaderChanged({ pid: own.pid, info: own }); });
    const redirect = await call('/redirect');
    expect([redirect.status, redirect.headers?.location]).to.deep.equal([307, '//me.example:5050']);
    for (const path of ['/state', '/api/v1/scheduler', '/api/v1', '/']) {
      const answer = await call(path);
      expect([answer.status, answer.body, answer.headers?.['retry-after']], path).to.deep.equal([503, 'Master has not finished recovery\n', '1']);
    }
    await dispatch(standby, (actor) => actor.leaderChanged(undefined));
    expect((await call('/redirect')).status, 'none leads').to.equal(503);
    expect((await call('/state')).body).to.equal('no master is leading\n');
  });
});
