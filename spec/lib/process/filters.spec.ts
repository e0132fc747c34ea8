import { expect } from 'chai';
import { MessageFilters, VirtualClock } from '../../../lib/process';
import { memoryHost, Probe } from '../../support/runtime';

describe('MessageFilters', () => {
  async function setup() {
    const clock = new VirtualClock();
    const filters = new MessageFilters();
    const host = memoryHost({ clock, filters });
    const sender = new Probe('sender');
    const receiver = new Probe('receiver', ['A', 'B']);
    host.spawn(sender);
    const to = host.spawn(receiver);
    return { clock, filters, sender, receiver, to };
  }

  it('expect resolves with the next matching message, which is still delivered', async () => {
    const { clock, filters, sender, receiver, to } = await setup();
    const next = filters.expect({ name: 'B', to: 'receiver' });
    sender.post(to, 'A', 1);
    sender.post(to, 'B', 2);
    const message = await next;
    expect(message.name).to.equal('B');
    expect(message.body).to.equal(2);
    expect(message.from.id).to.equal('sender');
    await clock.settle();
    expect(receiver.received.map((r) => r.name)).to.deep.equal(['A', 'B']);
    expect(filters.active).to.equal(false);
  });

  it('drop removes the next matching message only', async () => {
    const { clock, filters, sender, receiver, to } = await setup();
    filters.drop({ name: 'A' });
    for (let i = 0; i < 3; i++) sender.post(to, 'A', i);
    await clock.settle();
    expect(receiver.received.map((r) => r.body)).to.deep.equal([1, 2]);
  });

  it("drop 'always' removes every match until removed", async () => {
    const { clock, filters, sender, receiver, to } = await setup();
    const handle = filters.drop({ from: 'sender', where: (m) => (m.body as number) % 2 === 0 }, 'always');
    for (let i = 0; i < 6; i++) sender.post(to, 'A', i);
    await clock.settle();
    expect(receiver.received.map((r) => r.body)).to.deep.equal([1, 3, 5]);
    handle.remove();
    sender.post(to, 'A', 6);
    await clock.settle();
    expect(receiver.received.map((r) => r.body)).to.deep.equal([1, 3, 5, 6]);
  });

  it('expectDropped resolves with the message and drops it', async () => {
    const { clock, filters, sender, receiver, to } = await setup();
    const dropped = filters.expectDropped({ name: 'B' });
    sender.post(to, 'B', 'gone');
    sender.post(to, 'B', 'kept');
    expect((await dropped).body).to.equal('gone');
    await clock.settle();
    expect(receiver.received.map((r) => r.body)).to.deep.equal(['kept']);
  });

  it('matches full UPIDs exactly and bare ids on any host', async () => {
    const { filters, sender, to } = await setup();
    const byPid = filters.expect({ to: to.toString(), from: sender.self() });
    const byPredicate = filters.expect({ to: (pid) => pid.id.startsWith('rec') });
    sender.post(to, 'A', 1);
    expect((await byPid).name).to.equal('A');
    expect((await byPredicate).name).to.equal('A');
  });
});
