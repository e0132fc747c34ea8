import { expect } from 'chai';
import { dispatch } from '../../lib/actor';
import { Prng, VirtualClock } from '../../lib/process';
import { Faults, RESERVATION_LINK_BREAKING_MESSAGES } from './chaos-faults';
import { memoryHost, Probe } from '../support/runtime';

describe('chaos faults: partitions', () => {
  /** A master and an agent on one memory host, and the faults between them. */
  function partitioned(): { clock: VirtualClock; master: Probe; agent: Probe; faults: Faults; lines: string[]; dropped: string[] } {
    const clock = new VirtualClock(0);
    const host = memoryHost({ clock });
    const master = new Probe('master');
    const agent = new Probe('slave(1)', ['AgentRegistered', 'RunTask']);
    host.spawn(master);
    host.spawn(agent);
    const lines: string[] = [];
    const dropped: string[] = [];
    const faults = new Faults({
      host, masterPid: () => master.self(), random: new Prng(1), now: () => clock.now(),
      log: (line) => lines.push(line), dropped: (name) => dropped.push(name),
    });
    return { clock, master, agent, faults, lines, dropped };
  }

  // Seed 990055 (400 steps): the master admitted an agent while a partition cut them apart, linked
  // to it and sent AgentRegistered and RunTasks, all dropped, and never heard the agent exit; the
  // agent's retried registration then got a fresh AgentRegistered, and the tasks stayed
  // TASK_STAGING at the master for good. Over a real network that link's connect fails.
  it('a link made across a partition breaks at its first message: the linker sees the other exit, as a failed connect', async () => {
    const { clock, master, agent, faults, lines, dropped } = partitioned();
    faults.startPartition(agent.self());
    await dispatch(master, () => {
      master.watch(agent.self());
      master.post(agent.self(), 'AgentRegistered', { agentId: 'S1' });
      master.post(agent.self(), 'RunTask', { taskId: 't1' });
    });
    await clock.settle();
    expect(agent.received, 'nothing crosses the partition').to.deep.equal([]);
    expect(dropped).to.deep.equal(['AgentRegistered', 'RunTask']);
    expect(master.exits.map(String), 'the master sees the agent exit, once').to.deep.equal([agent.self().toString()]);
    expect(lines.filter((line) => line.includes('breaks: a link made across a partition'))).to.have.length(1);
  });

  it('a message dropped by a partition between actors not linked breaks nothing', async () => {
    const { clock, master, agent, faults, lines } = partitioned();
    faults.startPartition(agent.self());
    await dispatch(master, () => master.post(agent.self(), 'RunTask', { taskId: 't1' }));
    await clock.settle();
    expect(master.exits).to.deep.equal([]);
    expect(lines.filter((line) => line.includes('breaks:'))).to.have.length(1); // the partition's own, at its start
  });
});

describe('chaos faults: drops', () => {
  // Seed 2120 (three masters, reservations): AgentReregistered dropped for 900 s with the link up,
  // and the CheckpointResources behind each copy reached an agent that did not know it was back
  // (ignored) while the master, unaware, launched tasks there; libprocess loses a message only
  // with its socket, and the master sees the link break.
  for (const [what, linkBreaking, breaks] of [
    ['with reservations, an AgentReregistered lost breaks its link: the master sees the agent exit (disconnected, it launches nothing there until the agent is back)', RESERVATION_LINK_BREAKING_MESSAGES, true],
    ['without them, an AgentReregistered lost alone breaks nothing (the agent asks again)', undefined, false],
  ] as const) {
    it(what, async () => {
      const clock = new VirtualClock(0);
      const host = memoryHost({ clock });
      const master = new Probe('master');
      const agent = new Probe('slave(1)', ['AgentReregistered', 'CheckpointResources']);
      host.spawn(master);
      host.spawn(agent);
      const dropped: string[] = [];
      const faults = new Faults({
        host, masterPid: () => master.self(), random: new Prng(1), now: () => clock.now(), log: () => undefined,
        dropped: (name) => dropped.push(name), droppable: ['AgentReregistered'], ...(linkBreaking !== undefined ? { linkBreaking } : {}),
      });
      faults.startDrop();
      await dispatch(master, () => master.watch(agent.self()));
      for (let sent = 0; sent < 20 && dropped.length === 0; sent++) {
        await dispatch(master, () => {
          master.post(agent.self(), 'AgentReregistered', { agentId: 'S1' });
          master.post(agent.self(), 'CheckpointResources', { resources: [] });
        });
        await clock.settle();
      }
      expect(dropped.length, 'an AgentReregistered dropped').to.be.greaterThan(0);
      expect(master.exits.length > 0, 'the master sees the agent exit').to.equal(breaks);
    });
  }
});
