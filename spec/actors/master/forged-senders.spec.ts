/**
 * Issue 9's forged-sender attacks on a master, over real links: a peer that dials the master
 * and writes envelopes in the name of another host's actor (pids are public in /master/state).
 * The runtime binds a sender to its link, so each forged message is dropped before any actor
 * sees it, and the victim is unaffected. The same messages in the attacker's own name do reach
 * the master, whose own checks refuse them (a kill from a pid that is not the framework's
 * scheduler, an update from a pid that is not the task's agent).
 */
import { expect } from 'chai';
import { Packr } from 'msgpackr';
import { dispatch } from '../../../lib/actor';
import { captureLogger, type CapturedLogger } from '../../../lib/logging';
import type { ActorHost } from '../../../lib/process';
import { HOST_HEADER, INCARNATION_HEADER, NONCE_HEADER } from '../../../lib/process/links';
import type { StatusUpdate } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { defaultMasterFlags, Registry, startMaster, type MasterHandle } from '../../../actors/master';
import { eventually, netHost, Probe, rawLinkPeer, type RawLinkPeer } from '../../support/runtime';
import { agentInfo, commandTask, FakeAgent } from './harness';

const packr = new Packr({ useRecords: false });

describe('actors/master: forged senders are dropped by the link (issue 9)', () => {
  let masterHost: ActorHost;
  let victimHost: ActorHost;
  let master: MasterHandle;
  let victim: Probe;
  let attacker: RawLinkPeer | undefined;

  beforeEach(async () => {
    masterHost = await netHost();
    victimHost = await netHost();
    master = await startMaster({ flags: defaultMasterFlags('/unused'), host: masterHost, registry: Registry.inMemory() });
    victim = new Probe('scheduler', ['FrameworkRegistered', 'FrameworkError', 'ResourceOffers']);
    victimHost.spawn(victim);
    victim.post(master.pid, 'RegisterFramework', { framework: { name: 'victim', user: 'u', failoverTimeout: 3600 } });
    await eventually(() => victim.count('FrameworkRegistered') === 1, 10_000, 'the victim registered');
  });

  afterEach(async () => {
    await attacker?.close();
    attacker = undefined;
    await victimHost.stop();
    await masterHost.stop();
  });

  async function frameworks(): Promise<Array<{ name: string; active: boolean; connected: boolean }>> {
    const state = await dispatch(master.master, (actor) => actor.stateJson()) as unknown as { frameworks: Array<{ name: string; active: boolean; connected: boolean }> };
    return state.frameworks;
  }

  it("a peer that claims the victim's host address at the handshake is refused (403): that host does not confirm the dial", async () => {
    const refusal = await rawLinkPeer(masterHost, { [HOST_HEADER]: victimHost.address, [INCARNATION_HEADER]: 'attacker', [NONCE_HEADER]: '0123456789abcdef0123456789abcdef' })
      .then(() => undefined, (error: Error) => error);
    expect(refusal?.message).to.match(/403/);
    const [framework] = await frameworks();
    expect(framework).to.include({ name: 'victim', active: true, connected: true });
  });

  it("an UnregisterFramework and an exit in the victim scheduler's name tear nothing down", async () => {
    const frameworkId = (victim.received.find((message) => message.name === 'FrameworkRegistered')?.body as { frameworkId: string }).frameworkId;
    // The attacker dials the master as a host of its own (proving its own address) and writes envelopes in the victim's name.
    attacker = await rawLinkPeer(masterHost);
    const from = victim.self().toString();
    attacker.socket.send(packr.pack({ from, to: master.pid.toString(), name: 'UnregisterFramework', body: { frameworkId } }), { binary: true });
    attacker.socket.send(packr.pack({ from, to: master.pid.toString(), name: '__exited__', body: null }), { binary: true });
    await eventually(() => masterHost.forgedSenderDrops === 2, 10_000, 'both forged messages dropped');
    const [framework] = await frameworks();
    expect(framework).to.include({ name: 'victim', active: true, connected: true });
    expect(victim.count('FrameworkError')).to.equal(0);
  });
});

/** The resources of the victim's agent, all taken by its one task (so nothing is offered while it runs). */
const AGENT_RESOURCES = 'cpus:1;mem:128';
/** The victim's task. */
const TASK_ID = 'victim-task';

describe("actors/master: forged senders cannot kill or finish a victim's task (issue 9)", () => {
  let masterHost: ActorHost;
  let masterLog: CapturedLogger;
  let victimHost: ActorHost;
  let agentHost: ActorHost;
  let master: MasterHandle;
  let victim: Probe;
  let agent: FakeAgent;
  let frameworkId: string;
  let agentId: string;
  let attacker: RawLinkPeer;

  /** The victim's framework registered, its agent registered, and its task RUNNING (the update acknowledged); offers suppressed. */
  beforeEach(async () => {
    masterLog = captureLogger();
    masterHost = await netHost({ logger: masterLog.logger });
    victimHost = await netHost();
    agentHost = await netHost();
    master = await startMaster({ flags: defaultMasterFlags('/unused'), host: masterHost, registry: Registry.inMemory() });
    agent = new FakeAgent('slave(1)');
    agentHost.spawn(agent);
    agent.post(master.pid, 'RegisterAgent', { agent: agentInfo(AGENT_RESOURCES), version: '0.1.0' });
    await eventually(() => agent.count('AgentRegistered') === 1, 10_000, 'the agent registered');
    agentId = (agent.received.find((message) => message.name === 'AgentRegistered')?.body as { agentId: string }).agentId;
    victim = new Probe('scheduler', ['FrameworkRegistered', 'ResourceOffers', 'StatusUpdate', 'FrameworkError']);
    victimHost.spawn(victim);
    victim.post(master.pid, 'RegisterFramework', { framework: { name: 'victim', user: 'u' } });
    await eventually(() => victim.count('ResourceOffers') >= 1, 10_000, 'an offer to the victim');
    frameworkId = (victim.received.find((message) => message.name === 'FrameworkRegistered')?.body as { frameworkId: string }).frameworkId;
    const [offer] = (victim.received.find((message) => message.name === 'ResourceOffers')?.body as { offers: Array<{ id: string }> }).offers;
    victim.post(master.pid, 'SuppressOffers', { frameworkId });
    victim.post(master.pid, 'LaunchTasks', { frameworkId, offerIds: [offer?.id], tasks: [commandTask(TASK_ID, agentId, AGENT_RESOURCES)] });
    await eventually(() => agent.count('RunTask') === 1, 10_000, 'the task reached the agent');
    agent.post(master.pid, 'StatusUpdate', { update: agentUpdate('TASK_RUNNING', 'running-uuid'), pid: agent.self().toString() });
    await eventually(() => victim.count('StatusUpdate') === 1, 10_000, 'the victim heard TASK_RUNNING');
    victim.post(master.pid, 'StatusUpdateAcknowledgement', { agentId, frameworkId, taskId: TASK_ID, uuid: 'running-uuid' });
    await eventually(() => agent.count('StatusUpdateAcknowledgement') === 1, 10_000, 'the acknowledgement reached the agent');
    expect(await taskState()).to.equal('TASK_RUNNING');
    attacker = await rawLinkPeer(masterHost);
  });

  afterEach(async () => {
    await attacker.close();
    await agentHost.stop();
    await victimHost.stop();
    await masterHost.stop();
  });

  /** An update about the victim's task, as its agent would send it. */
  function agentUpdate(state: 'TASK_RUNNING' | 'TASK_FINISHED', uuid: string): StatusUpdate {
    return { frameworkId, agentId, uuid, timestamp: 1, status: { taskId: TASK_ID, state, source: 'SOURCE_EXECUTOR', agentId, uuid } };
  }

  /** The attacker writes one envelope on its link to the master. */
  function write(from: string, name: string, body: unknown): void {
    attacker.socket.send(packr.pack({ from, to: master.pid.toString(), name, body }), { binary: true });
  }

  /** A pid on the attacker's own (proven) host: the runtime lets it through, the master's checks decide. */
  function attackerPid(): string {
    return `mallory@${attacker.address}`;
  }

  async function taskState(): Promise<string | undefined> {
    const state = await dispatch(master.master, (actor) => actor.stateJson()) as unknown as { frameworks: Array<{ tasks: Array<{ id: string; state: string }> }> };
    return state.frameworks[0]?.tasks.find((task) => task.id === TASK_ID)?.state;
  }

  async function counter(name: string): Promise<number> {
    return (await dispatch(master.master, (actor) => actor.metrics()))[`master/${name}`] ?? 0;
  }

  /** Resolves once the master has counted `count` messages under `name` (it counts each before its handler runs). */
  async function handled(name: string, count: number): Promise<void> {
    let seen = 0;
    const deadline = Date.now() + 10_000;
    while ((seen = await counter(name)) < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} ${name}, saw ${seen}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** What the allocator has allocated to the victim on its agent (its task, offers being suppressed). */
  async function allocatedToVictim(): Promise<Resources> {
    const holdings = await dispatch(master.allocator.process, (books) => books.holdings(frameworkId));
    return holdings.filter((holding) => holding.agentId === agentId).reduce((total, holding) => total.add(holding.resources), Resources.EMPTY);
  }

  /**
   * Waits until everything the master sent its agent so far has arrived: the victim acknowledges
   * its update again, and the master forwards that after anything it sent before, on the same link.
   */
  async function agentCaughtUp(): Promise<void> {
    const acknowledgements = agent.count('StatusUpdateAcknowledgement');
    victim.post(master.pid, 'StatusUpdateAcknowledgement', { agentId, frameworkId, taskId: TASK_ID, uuid: 'running-uuid' });
    await eventually(() => agent.count('StatusUpdateAcknowledgement') === acknowledgements + 1, 10_000, 'the repeated acknowledgement reached the agent');
  }

  it("a KillTask in the victim scheduler's name is dropped and counted: the agent is never told to kill, the task keeps RUNNING", async () => {
    write(victim.self().toString(), 'KillTask', { frameworkId, taskId: TASK_ID });
    // The same KillTask in the attacker's own name, on the same link after it: once the master has
    // counted one KillTask, the forged one (had it got through) would have been handled first.
    write(attackerPid(), 'KillTask', { frameworkId, taskId: TASK_ID });
    await handled('messages_kill_task', 1);
    await agentCaughtUp();
    expect(agent.count('KillTaskOnAgent')).to.equal(0);
    expect(await taskState()).to.equal('TASK_RUNNING');
    expect(await counter('messages_kill_task')).to.equal(1);
    expect(masterHost.forgedSenderDrops).to.equal(1);
  });

  it("a StatusUpdate TASK_FINISHED in the victim agent's name is dropped and counted: the task stays RUNNING and allocated", async () => {
    write(agent.self().toString(), 'StatusUpdate', { update: agentUpdate('TASK_FINISHED', 'forged-uuid'), pid: agent.self().toString() });
    write(attackerPid(), 'StatusUpdate', { update: agentUpdate('TASK_FINISHED', 'own-uuid'), pid: attackerPid() });
    await handled('messages_status_update', 2); // the agent's TASK_RUNNING, and the attacker's own
    expect(await taskState()).to.equal('TASK_RUNNING');
    expect(await counter('tasks_finished')).to.equal(0);
    expect((await allocatedToVictim()).equals(Resources.parse(AGENT_RESOURCES))).to.equal(true);
    expect(await counter('messages_status_update')).to.equal(2);
    expect(masterHost.forgedSenderDrops).to.equal(1);
  });

  it("the same KillTask and StatusUpdate in the attacker's own name pass the link and are refused by the master's own checks", async () => {
    write(attackerPid(), 'KillTask', { frameworkId, taskId: TASK_ID });
    write(attackerPid(), 'StatusUpdate', { update: agentUpdate('TASK_FINISHED', 'own-uuid'), pid: attackerPid() });
    await handled('messages_status_update', 2);
    await agentCaughtUp();
    expect(masterHost.forgedSenderDrops).to.equal(0);
    expect(await counter('messages_kill_task')).to.equal(1);
    expect(await counter('invalid_status_updates')).to.equal(1);
    expect(masterLog.find("dropping message not sent by the framework's scheduler").map((record) => record.from)).to.deep.equal([attackerPid()]);
    expect(masterLog.find('dropping message from an unknown, removed or mismatched agent').map((record) => record.from)).to.deep.equal([attackerPid()]);
    expect(agent.count('KillTaskOnAgent')).to.equal(0);
    expect(await taskState()).to.equal('TASK_RUNNING');
    expect((await allocatedToVictim()).equals(Resources.parse(AGENT_RESOURCES))).to.equal(true);
  });
});
