import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { VirtualClock } from '../../../lib/process';
import { StandbyMaster } from '../../../actors/master/standby';
import { memoryHost, Probe } from '../../support/runtime';

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
});
