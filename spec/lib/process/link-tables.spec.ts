/**
 * A host's link tables keep a link only while both ends live. Before this spec, a local actor
 * that linked to another and then terminated stayed among its target's linkers until the target
 * itself ended: an agent kept every simulated executor it had ever run, whole, and a real agent
 * each v1 executor adapter. A linker that terminates now leaves its targets' tables, local or
 * remote; a target that terminates leaves its linkers' books.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import type { ActorHost } from '../../../lib/process';
import { memoryHost, netHost, Probe } from '../../support/runtime';

describe('link tables: a link lives as long as both ends', () => {
  const hosts: ActorHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.stop()));
  });

  it('forgets a local linker that terminated, while its target lives on', async () => {
    const host = memoryHost();
    hosts.push(host);
    const target = new Probe('target');
    host.spawn(target);
    const linkers = Array.from({ length: 50 }, (_, index) => new Probe(`linker-${index}`));
    for (const linker of linkers) {
      host.spawn(linker);
      await dispatch(linker, (probe) => probe.watch(target.self()));
    }
    expect(host.linkCounts().local).to.equal(50);
    for (const linker of linkers.slice(0, 49)) {
      host.terminate(linker);
      await host.wait(linker);
    }
    expect(host.linkCounts().local).to.equal(1);
    // The one left still hears of its target's end.
    const last = linkers[49] as Probe;
    host.terminate(target);
    await last.until(() => last.exits.length === 1);
    expect(last.exits.map(String)).to.deep.equal([target.self().toString()]);
    expect(host.linkCounts().local).to.equal(0);
  });

  it('takes a terminated target off its linker\'s books: a linker that ends later leaves nothing behind', async () => {
    const host = memoryHost();
    hosts.push(host);
    const linker = new Probe('linker');
    host.spawn(linker);
    const targets = Array.from({ length: 3 }, (_, index) => new Probe(`target-${index}`));
    for (const target of targets) {
      host.spawn(target);
      await dispatch(linker, (probe) => probe.watch(target.self()));
    }
    expect(host.linkCounts().local).to.equal(3);
    host.terminate(targets[0] as Probe);
    await linker.until(() => linker.exits.length === 1);
    expect(host.linkCounts().local).to.equal(2);
    host.terminate(linker);
    await host.wait(linker);
    expect(host.linkCounts().local).to.equal(0);
  });

  it('forgets a linker to an actor on another host once it terminated; the link is made anew by the next', async () => {
    const [near, far] = [await netHost(), await netHost()];
    hosts.push(near, far);
    const target = new Probe('target');
    far.spawn(target);
    const first = new Probe('first');
    const second = new Probe('second');
    near.spawn(first);
    near.spawn(second);
    await dispatch(first, (probe) => probe.watch(target.self()));
    await dispatch(second, (probe) => probe.watch(target.self()));
    expect(near.linkCounts().remote).to.equal(2);
    near.terminate(first);
    await near.wait(first);
    expect(near.linkCounts().remote).to.equal(1);
    near.terminate(second);
    await near.wait(second);
    expect(near.linkCounts().remote).to.equal(0);
    // A new linker links again, and hears of the target's end.
    const third = new Probe('third');
    near.spawn(third);
    await dispatch(third, (probe) => probe.watch(target.self()));
    expect(near.linkCounts().remote).to.equal(1);
    far.terminate(target);
    await third.until(() => third.exits.length === 1);
    expect(third.exits.map(String)).to.deep.equal([target.self().toString()]);
    expect(near.linkCounts().remote).to.equal(0);
  });
});
