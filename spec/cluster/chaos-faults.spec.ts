import { expect } from 'chai';
import { dispatch } from '../../lib/actor';
import { Prng, VirtualClock } from '../../lib/process';
import { MemoryDisk } from '../../lib/disk';
import { armCrashPoint, Faults, RESERVATION_LINK_BREAKING_MESSAGES } from './chaos-faults';
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

describe('chaos faults: crash points', () => {
  const RESOURCES = '/work/agent-0/meta/resources/resources.info';

  // A master that sent the CheckpointResources again to a re-registering agent only when its
  // resources differed passed every chaos run: the memory disks complete a write within the
  // handler that makes it, so a crash drawn between steps never fell between the agent's
  // resources and the journal record of the operation they carry out.
  it('the first write of a watched file ends its owner before the writer hears it is done; then every disk is disarmed', async () => {
    const disks = [new MemoryDisk(), new MemoryDisk()];
    const died: string[] = [];
    let writerDone = false;
    armCrashPoint(disks.map((disk, index) => ({ disk, file: RESOURCES.replace('agent-0', `agent-${index}`), owner: `agent-${index}` })), (owner) => {
      died.push(`${owner}${writerDone ? ' after its writer moved on' : ''}`);
    });
    await disks[1]?.appendFile('/work/agent-1/meta/journal.log', 'record\n');
    expect(died, 'another file of the machine').to.deep.equal([]);
    await disks[1]?.writeFileAtomically('/work/agent-1/meta//resources/resources.info', '[]').then(() => { writerDone = true; });
    expect(died).to.deep.equal(['agent-1']);
    await disks[0]?.writeFileAtomically(RESOURCES, '[]');
    await disks[1]?.writeFileAtomically('/work/agent-1/meta/resources/resources.info', '[]');
    expect(died, 'disarmed once it fired').to.deep.equal(['agent-1']);
  });

  it('disarmed before any write, it ends nobody', async () => {
    const disk = new MemoryDisk();
    const died: string[] = [];
    const disarm = armCrashPoint([{ disk, file: RESOURCES, owner: 'agent-0' }], (owner) => died.push(owner));
    disarm();
    await disk.writeFileAtomically(RESOURCES, '[]');
    expect(died).to.deep.equal([]);
  });
});
