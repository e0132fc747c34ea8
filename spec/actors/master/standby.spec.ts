import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { VirtualClock } from '../../../lib/process';
import { StandbyMaster } from '../../../actors/master/standby';
import { memoryHost, netHost, Probe, within } from '../../support/runtime';

describe('actors/master/standby: a master that does not lead', () => {
  it('drops registrations while it stands by; elected and recovering, it holds the latest valid one per sender and kind for its master, and nothing else', async () => {
    const clock = new VirtualClock({ simulated: true });
    const host = memoryHost({ clock });
    const standby = new StandbyMaster({ pid: `master@${host.address}`, hostname: 'master.local' }, clock.now());
    host.spawn(standby);
    const agent = new Probe('slave(1)');
    const scheduler = new Probe('scheduler');
    host.spawn(agent);
    host.spawn(scheduler);
    const info = { hostname: 'agent.local', port: 5051, resources: [] };
    agent.post(standby.self(), 'RegisterAgent', { agent: info, version: '1' });
    await clock.settle();
    await dispatch(standby, (actor) => actor.hold());
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

  it('sends the web UI (its host\'s /, delegated to it) to the leader\'s, or says none leads', async () => {
    const host = await netHost();
    try {
      const standby = new StandbyMaster({ pid: `master@${host.address}`, hostname: 'standby.local' }, host.clock.now());
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
});
