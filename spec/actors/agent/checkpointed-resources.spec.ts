/**
 * The agent's dynamic reservations (Mesos' checkpointed resources): the master's
 * CheckpointResources is written to `<workDir>/meta/resources/resources.info`, then applied to the
 * agent's total, reported in each (Re)RegisterAgent and shown by `/state`; a restart takes them
 * back, or refuses to start when its resources no longer hold them. Under a virtual clock, on a
 * memory disk, with a Probe as the master.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dispatch } from '../../../lib/actor';
import { captureLogger, type CapturedLogger } from '../../../lib/logging';
import { MemoryDisk } from '../../../lib/disk';
import { describeDivergence, readTrace } from '../../../lib/process';
import type { ResourceJSON } from '../../../lib/resources';
import { dynamicReservation, Resources } from '../../../lib/resources';
import { AGENT_START_INPUT, MAX_CHECKPOINTED_RESOURCES_FILE_BYTES, MAX_LOGGED_RESERVATIONS_CHARS, replayAgent, type AgentHandle } from '../../../actors/agent';
import { applyCheckpointedResources, checkpointedResourcesError, checkpointedResourcesPath, checkpointedResourcesText, recoverCheckpointedResources } from '../../../actors/agent/checkpointed-resources';
import { Probe } from '../../support/runtime';
import { AgentHarness, AgentMachine, useMachines } from './harness';

const WORK_DIR = '/agent';
const RESOURCES_FILE = checkpointedResourcesPath(WORK_DIR);
const AGENT_ID = 'A1';
const DECLARED = 'cpus:4;mem:4096;ports:[31000-32000]';

/** `text` (unreserved) dynamically reserved to `role` by `principal`. */
function reserved(text: string, role = 'web', principal = 'ops'): Resources {
  return Resources.parse(text).reservedDynamically(role, dynamicReservation(principal, [{ key: 'purpose', value: 'db' }]));
}

/** One machine (`AgentMachine`), its host's log captured, with the steps these tests take. */
class Machine extends AgentMachine {
  readonly log: CapturedLogger;

  constructor(log: CapturedLogger = captureLogger()) {
    super(WORK_DIR, DECLARED, log.logger);
    this.log = log;
  }

  async registeredAgent(): Promise<void> {
    await this.registeredAs(AGENT_ID);
  }

  async checkpoint(resources: Resources | ResourceJSON[]): Promise<void> {
    this.fromMaster('CheckpointResources', { resources: resources instanceof Resources ? resources.toJSON() : resources });
    await this.clock.settle();
  }

  /** The master says it lost the agent; the agent re-registers (its backoff passed). Returns the ReregisterAgent it sent. */
  async reregistration(): Promise<{ checkpointedResources?: ResourceJSON[] }> {
    const before = this.master.count('ReregisterAgent');
    this.fromMaster('Ping', { connected: false });
    await this.clock.settle();
    await this.clock.advance(2_000);
    expect(this.master.count('ReregisterAgent')).to.be.greaterThan(before);
    return this.master.bodies<{ checkpointedResources?: ResourceJSON[] }>('ReregisterAgent').at(-1) as { checkpointedResources?: ResourceJSON[] };
  }

  /** The agent's `/state` JSON, through its route. */
  async state(): Promise<Record<string, any>> {
    return dispatch((this.agent as AgentHandle).agent, async (agent) => {
      const route = agent.runtime.routes.get('/state');
      if (route === undefined) throw new Error('no /state route');
      const response = await route.call(agent, { method: 'GET', path: '/state', query: {}, headers: {}, body: Buffer.alloc(0) });
      return (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Record<string, any>;
    });
  }

  /** What the resources file holds, as resources (undefined: no file). */
  async fileResources(): Promise<Resources | undefined> {
    const text = await this.disk.readFile(RESOURCES_FILE);
    return text === undefined ? undefined : Resources.fromJSON(JSON.parse(text));
  }
}

describe('actors/agent: checkpointed resources (pure)', () => {
  const declared = Resources.parse(DECLARED);

  it('the total is the declared resources with the reservations carved out of their unreserved part', () => {
    const reservations = reserved('cpus:1;mem:512');
    const total = applyCheckpointedResources(declared, reservations);
    expect(total.unreserved().equals(Resources.parse('cpus:3;mem:3584;ports:[31000-32000]'))).to.equal(true);
    expect(total.dynamicallyReserved().equals(reservations)).to.equal(true);
    expect(applyCheckpointedResources(declared, Resources.EMPTY)).to.equal(declared);
  });

  it('refuses an entry that is not dynamically reserved, and reservations the declared resources do not hold, naming what is missing', () => {
    expect(checkpointedResourcesError(declared, reserved('cpus:4'))).to.equal(undefined);
    expect(checkpointedResourcesError(declared, Resources.parse('cpus(web):1'))).to.match(/^cpus\(web\):1 is neither dynamically reserved nor a persistent volume/);
    expect(checkpointedResourcesError(declared, reserved('cpus:5;mem:100'))).to.equal(`the agent's resources ${declared.toString()} do not hold them (missing cpus:1)`);
    expect(() => applyCheckpointedResources(declared, reserved('cpus:5'))).to.throw(/cannot apply the checkpointed resources .*missing cpus:1/);
  });
});

/** A maker of machines for the enclosing `describe`, each stopped after its test. */
const useMachinesHere = (): (() => Machine) => useMachines(() => new Machine());

describe('actors/agent: checkpointed resources (CheckpointResources)', () => {
  const machine = useMachinesHere();

  it('the master\'s CheckpointResources is written to meta/resources/resources.info first, applied once durable, and reported in the next ReregisterAgent', async () => {
    const m = machine();
    await m.registeredAgent();
    expect(m.master.bodies<Record<string, unknown>>('RegisterAgent')[0]).to.not.have.property('checkpointedResources');
    const reservations = reserved('cpus:1;mem:512');
    m.disk.delayWritesMs(1_000);
    await m.checkpoint(reservations);
    // Not durable yet: not applied either.
    expect(await m.fileResources()).to.equal(undefined);
    expect((await m.state()).reserved_resources).to.deep.equal({});
    await m.clock.advance(1_000);
    expect((await m.fileResources())?.equals(reservations)).to.equal(true);
    const state = await m.state();
    expect(state.unreserved_resources).to.include({ cpus: 3, mem: 3584 });
    expect(state.reserved_resources.web).to.include({ cpus: 1, mem: 512 });
    m.disk.delayWritesMs(0);
    const reregistration = await m.reregistration();
    expect(Resources.fromJSON(reregistration.checkpointedResources).equals(reservations)).to.equal(true);
    // The declared resources stay the agent's info (the master applies the reservations to them).
    const info = Resources.fromJSON(m.master.bodies<{ agent: { resources: ResourceJSON[] } }>('ReregisterAgent').at(-1)?.agent.resources);
    expect(info.hasDynamicReservations()).to.equal(false);
    expect(info.unreserved().contains(Resources.parse(DECLARED))).to.equal(true);
  });

  it('a later CheckpointResources replaces the reservations (all of them: the master\'s word); an empty one removes them and the field', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(reserved('cpus:1'));
    await m.checkpoint(reserved('mem:100', 'db', 'dba'));
    expect((await m.fileResources())?.equals(reserved('mem:100', 'db', 'dba'))).to.equal(true);
    const state = await m.state();
    expect(Object.keys(state.reserved_resources)).to.deep.equal(['db']);
    expect(state.unreserved_resources).to.include({ cpus: 4, mem: 3996 });
    await m.checkpoint([]);
    expect((await m.fileResources())?.isEmpty()).to.equal(true);
    expect(await m.reregistration()).to.not.have.property('checkpointedResources');
  });

  it('writes one at a time: of those that come while a write is in flight only the latest is written next, and it is what holds', async () => {
    const m = machine();
    await m.registeredAgent();
    m.disk.delayWritesMs(1_000);
    const before = m.disk.writes.started;
    m.fromMaster('CheckpointResources', { resources: reserved('cpus:1').toJSON() });
    m.fromMaster('CheckpointResources', { resources: reserved('cpus:2').toJSON() });
    m.fromMaster('CheckpointResources', { resources: reserved('cpus:3').toJSON() });
    await m.clock.settle();
    expect(m.disk.writes.started - before).to.equal(1);
    await m.clock.advance(1_000);
    await m.clock.advance(1_000);
    expect(m.disk.writes.started - before).to.equal(2);
    expect((await m.fileResources())?.equals(reserved('cpus:3'))).to.equal(true);
    expect((await m.state()).reserved_resources.web).to.include({ cpus: 3 });
  });

  it('while it is not registered (re-registering) it is ignored: it may be older than what the agent reports, and the master sends its word again once the agent is back (chaos --reservations, seed 193)', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(reserved('cpus:1'));
    const reregistration = await m.reregistration();
    expect(Resources.fromJSON(reregistration.checkpointedResources).equals(reserved('cpus:1'))).to.equal(true);
    // Sent before the master removed the agent (a stall held it): the master readmits the agent with what it reported.
    await m.checkpoint(reserved('cpus:2'));
    expect((await m.fileResources())?.equals(reserved('cpus:1'))).to.equal(true);
    expect((await m.state()).reserved_resources.web).to.include({ cpus: 1 });
    expect(m.log.find('ignoring CheckpointResources')).to.have.length(1);
    m.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
    await m.clock.settle();
    await m.checkpoint(reserved('cpus:3'));
    expect((await m.fileResources())?.equals(reserved('cpus:3'))).to.equal(true);
  });

  it('a task (or its new executor) on dynamic reservations the agent does not hold is dropped, REASON_RESOURCES_UNKNOWN, as Mesos does; on ones being written it runs (chaos --reservations, seed 290: one ran, and the agent\'s report no longer fit its total)', async () => {
    const m = machine();
    await m.registeredAgent();
    m.disk.delayWritesMs(1_000);
    await m.checkpoint(reserved('cpus:1;mem:128'));
    const framework = { id: 'F1', name: 'fw', user: 'u' };
    const task = (taskId: string, resources: Resources, executor?: boolean): Record<string, unknown> => ({
      name: taskId, taskId, agentId: AGENT_ID, resources: resources.toJSON(),
      ...(executor === true ? { executor: { executorId: `e-${taskId}`, command: { value: 'run' }, resources: reserved('cpus:0.5', 'db').toJSON() }, data: 'x' } : { command: { value: 'sleep 60' } }),
    });
    // Being written (the RESERVE and the LAUNCH of one ACCEPT come together): it runs.
    m.fromMaster('RunTask', { framework, frameworkId: 'F1', task: task('on-written', reserved('cpus:0.5;mem:64')) });
    await m.clock.advance(1_000);
    m.disk.delayWritesMs(0);
    m.fromMaster('RunTask', { framework, frameworkId: 'F1', task: task('unknown', reserved('cpus:0.5;mem:64', 'db')) });
    m.fromMaster('RunTask', { framework: { ...framework, capabilities: ['PARTITION_AWARE'] }, frameworkId: 'F2', task: task('executor', Resources.parse('cpus:0.5;mem:64'), true), launchExecutor: true });
    await m.clock.settle();
    const updates = m.master.bodies<{ update: { status: { taskId: string; state: string; reason?: string; message?: string } } }>('StatusUpdate').map((body) => body.update.status);
    expect(updates.find((status) => status.taskId === 'on-written')?.state).to.not.equal('TASK_LOST');
    expect(updates.filter((status) => status.taskId !== 'on-written').map((status) => [status.taskId, status.state, status.reason])).to.deep.equal([
      ['unknown', 'TASK_LOST', 'REASON_RESOURCES_UNKNOWN'], ['executor', 'TASK_DROPPED', 'REASON_RESOURCES_UNKNOWN'],
    ]);
    expect(updates.find((status) => status.taskId === 'unknown')?.message).to.include('unknown to the agent');
    // The master counted the executor it asked for: it hears that it exited.
    expect(m.master.bodies<{ executorId: string }>('ExitedExecutor').map((body) => body.executorId)).to.deep.equal(['e-executor']);
  });

  it('a task whose resources the agent\'s total cannot hold next to what runs there (the master unreserved what the agent still holds reserved: its CheckpointResources came while the agent re-registered) is dropped, REASON_RESOURCES_UNKNOWN; its report never outgrows its total (chaos --reservations, seed 2120 with 3 masters: a new master refused the agent for good)', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(reserved('cpus:1;mem:1024'));
    await m.reregistration();
    // The master took the agent back (its AgentReregistered lost), and a framework's UNRESERVE of it all went out: ignored here.
    await m.checkpoint([]);
    expect(m.log.find('ignoring CheckpointResources')).to.have.length(1);
    const framework = { id: 'F1', name: 'fw', user: 'u' };
    const task = (taskId: string, resources: string): Record<string, unknown> => ({
      name: taskId, taskId, agentId: AGENT_ID, resources: Resources.parse(resources).toJSON(), command: { value: 'sleep 60' },
    });
    // The master's view: cpus:4;mem:4096 unreserved. The agent's: cpus:3;mem:3072 unreserved beside its reservation.
    m.fromMaster('RunTask', { framework, frameworkId: 'F1', task: task('fits', 'cpus:2;mem:2048') });
    m.fromMaster('RunTask', { framework, frameworkId: 'F1', task: task('fits-alone', 'cpus:1.5;mem:512') });
    m.fromMaster('RunTask', { framework, frameworkId: 'F1', task: task('on-reserved', 'cpus:0.5;mem:64') });
    await m.clock.settle();
    expect(m.log.find('dropping a task').map((record) => record.taskId)).to.deep.equal(['fits-alone']);
    // Its updates wait for the master: back, it hears them.
    m.fromMaster('AgentReregistered', { agentId: AGENT_ID, masterInfo: AgentHarness.masterInfo });
    await m.clock.settle();
    const updates = m.master.bodies<{ update: { status: { taskId: string; state: string; reason?: string; message?: string } } }>('StatusUpdate').map((body) => body.update.status);
    expect(updates.filter((status) => status.state === 'TASK_LOST').map((status) => [status.taskId, status.reason])).to.deep.equal([['fits-alone', 'REASON_RESOURCES_UNKNOWN']]);
    expect(updates.find((status) => status.taskId === 'fits-alone')?.message).to.include('do not fit');
    // What it reports fits its total: the reservation and the tasks it runs.
    const report = await m.reregistration() as { checkpointedResources?: ResourceJSON[]; tasks?: Array<{ taskId: string; state: string }> };
    expect(Resources.fromJSON(report.checkpointedResources).equals(reserved('cpus:1;mem:1024'))).to.equal(true);
    expect((report.tasks ?? []).filter((reported) => reported.state !== 'TASK_LOST').map((reported) => reported.taskId).sort()).to.deep.equal(['fits', 'on-reserved']);
  });

  it('from anyone but the master it is dropped, with a warning naming the sender', async () => {
    const m = machine();
    await m.registeredAgent();
    const impostor = new Probe('impostor', []);
    m.host.spawn(impostor);
    impostor.post((m.agent as AgentHandle).pid, 'CheckpointResources', { resources: reserved('cpus:1').toJSON() });
    await m.clock.settle();
    expect(await m.fileResources()).to.equal(undefined);
    expect((await m.state()).reserved_resources).to.deep.equal({});
    const warning = m.log.find('ignoring a message that did not come from the master').filter((record) => record.name === 'CheckpointResources');
    expect(warning.map((record) => record.from)).to.deep.equal([impostor.self().toString()]);
    // The same from the master is taken.
    await m.checkpoint(reserved('cpus:1'));
    expect((await m.fileResources())?.equals(reserved('cpus:1'))).to.equal(true);
  });

  for (const [what, resources, reason] of [
    ['a static reservation', Resources.parse('cpus(web):1').toJSON(), 'is neither dynamically reserved nor a persistent volume'],
    ['a dynamic reservation beside a static one', [...reserved('mem:10').toJSON(), ...Resources.parse('cpus(web):1').toJSON()], 'is neither dynamically reserved nor a persistent volume'],
    ['more than the agent has', reserved('cpus:8').toJSON(), 'missing cpus:4'],
    ['invalid resources', [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 }, role: 'web', reservation: { principal: 'ops' } }], 'its resources are invalid'],
  ] as const) {
    it(`is refused when it holds ${what}: a warning says why, and nothing is written, applied or reported`, async () => {
      const m = machine();
      await m.registeredAgent();
      const writes = m.disk.writes.started;
      await m.checkpoint(resources as ResourceJSON[]);
      expect(m.disk.writes.started).to.equal(writes);
      expect(await m.fileResources()).to.equal(undefined);
      const state = await m.state();
      expect(state.reserved_resources).to.deep.equal({});
      expect(state.unreserved_resources).to.include({ cpus: 4, mem: 4096 });
      expect(m.log.find('refusing CheckpointResources').map((record) => record.msg).join('\n')).to.include(reason);
      expect(await m.reregistration()).to.not.have.property('checkpointedResources');
    });
  }

  it('a refusal of a long list quotes at most MAX_LOGGED_RESERVATIONS_CHARS of it and of its reason (a peer\'s text is bounded in the log)', async () => {
    const m = machine();
    await m.registeredAgent();
    const many = Resources.parse(Array.from({ length: 500 }, (_, index) => `resource-number-${index}:1`).join(';'));
    await m.checkpoint(many.reservedDynamically('web', dynamicReservation('ops')));
    const [refusal] = m.log.find('refusing CheckpointResources');
    expect(refusal?.reason).to.match(/^the agent's resources .* more characters\)$/);
    for (const field of ['reason', 'resources']) expect(String(refusal?.[field]).length, field).to.be.below(MAX_LOGGED_RESERVATIONS_CHARS + 40);
  });

  it('a write that fails is logged at error level and changes nothing; the same reservations sent again are written then', async () => {
    const m = machine();
    await m.registeredAgent();
    m.disk.failNextWrites(1);
    await m.checkpoint(reserved('cpus:1'));
    expect(m.disk.writes.failed).to.equal(1);
    const errors = m.log.find('could not checkpoint the dynamic reservations');
    expect(errors.map((record) => record.level)).to.deep.equal([50]);
    expect(await m.fileResources()).to.equal(undefined);
    expect((await m.state()).reserved_resources).to.deep.equal({});
    await m.checkpoint(reserved('cpus:1'));
    expect((await m.fileResources())?.equals(reserved('cpus:1'))).to.equal(true);
    expect((await m.state()).reserved_resources.web).to.include({ cpus: 1 });
  });

  it('/state shows them under their role with their reservation (resources, reserved_resources, reserved_resources_full, unreserved_resources)', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(reserved('cpus:1.5;mem:512;ports:[31000-31009]'));
    const state = await m.state();
    expect(state.resources).to.include({ cpus: 4, mem: 4096, ports: '[31000-32000]' });
    expect(state.unreserved_resources).to.include({ cpus: 2.5, mem: 3584, ports: '[31010-32000]' });
    expect(state.reserved_resources).to.have.keys(['web']);
    expect(state.reserved_resources.web).to.include({ cpus: 1.5, mem: 512, ports: '[31000-31009]' });
    const full = state.reserved_resources_full.web as ResourceJSON[];
    expect(full.map((entry) => entry.name).sort()).to.deep.equal(['cpus', 'mem', 'ports']);
    for (const entry of full) {
      expect(entry.role).to.equal('web');
      expect(entry.reservation).to.deep.equal({ principal: 'ops', labels: { labels: [{ key: 'purpose', value: 'db' }] } });
    }
    expect((state.unreserved_resources_full as ResourceJSON[]).every((entry) => entry.reservation === undefined)).to.equal(true);
  });
});

describe('actors/agent: checkpointed resources across restarts', () => {
  const machine = useMachinesHere();

  it('an agent restarted on the same work dir takes them back, shows them, and reports them in its ReregisterAgent', async () => {
    const m = machine();
    await m.registeredAgent();
    const reservations = reserved('cpus:2;mem:1024');
    await m.checkpoint(reservations);
    await m.kill();
    await m.start();
    expect((await m.state()).reserved_resources.web).to.include({ cpus: 2, mem: 1024 });
    await m.clock.advance(2_000);
    const sent = m.master.bodies<{ agent: { id?: string }; checkpointedResources?: ResourceJSON[] }>('ReregisterAgent');
    expect(sent.length).to.be.at.least(1);
    expect(sent[0]?.agent.id).to.equal(AGENT_ID);
    expect(Resources.fromJSON(sent[0]?.checkpointedResources).equals(reservations)).to.equal(true);
  });

  it('a new agent in the work dir (--recover=cleanup: a new id) keeps them, as Mesos, and reports them in its RegisterAgent', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(reserved('cpus:1'));
    await m.kill();
    await m.start({ recover: 'cleanup' });
    await m.clock.advance(2_000);
    const sent = m.master.bodies<{ agent: { id?: string }; checkpointedResources?: ResourceJSON[] }>('RegisterAgent');
    expect(sent.length).to.be.at.least(2);
    expect(sent.at(-1)?.agent.id).to.equal(undefined);
    expect(Resources.fromJSON(sent.at(-1)?.checkpointedResources).equals(reserved('cpus:1'))).to.equal(true);
  });

  it('an agent restarted with --resources too small for them refuses to start, naming the file and what is missing', async () => {
    const m = machine();
    await m.registeredAgent();
    await m.checkpoint(reserved('cpus:3;mem:100'));
    await m.kill();
    const failure = await m.start({ resources: 'cpus:2;mem:4096;ports:[31000-32000]' }).then(() => 'started', (error: Error) => error.message);
    expect(failure).to.include(`the dynamic reservations checkpointed in ${RESOURCES_FILE}`);
    expect(failure).to.include('missing cpus:1');
    expect(failure).to.include('--resources');
    // Nothing was taken back or re-registered: the file is as it was.
    expect((await m.fileResources())?.equals(reserved('cpus:3;mem:100'))).to.equal(true);
  });

  it('a traced agent that started with reservations, and took new ones, replays with zero divergence (the start input carries them)', async () => {
    const m = machine();
    const tracePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reservations-trace-')), 'agent.trace');
    try {
      m.host.startTrace(tracePath);
      await m.disk.writeFileAtomically(RESOURCES_FILE, checkpointedResourcesText(reserved('cpus:1')));
      await m.registeredAgent();
      expect(Resources.fromJSON(m.master.bodies<{ checkpointedResources?: ResourceJSON[] }>('RegisterAgent')[0]?.checkpointedResources).equals(reserved('cpus:1'))).to.equal(true);
      await m.checkpoint(reserved('cpus:2;mem:64'));
      expect(Resources.fromJSON((await m.reregistration()).checkpointedResources).equals(reserved('cpus:2;mem:64'))).to.equal(true);
      await m.host.stop();
      const trace = readTrace(tracePath);
      const start = trace.events.find((event) => event.kind === 'input' && event.name === AGENT_START_INPUT) as { body?: { checkpointedResources?: unknown } } | undefined;
      expect(Resources.fromJSON(start?.body?.checkpointedResources).equals(reserved('cpus:1'))).to.equal(true);
      const result = await replayAgent(trace);
      expect(result.divergence, result.divergence ? describeDivergence(result.divergence) : '').to.equal(undefined);
      expect(result.matched).to.be.greaterThan(2);
    } finally {
      fs.rmSync(path.dirname(tracePath), { recursive: true, force: true });
    }
  });

  it('a file that is not dynamic reservations, not JSON, or larger than MAX_CHECKPOINTED_RESOURCES_FILE_BYTES stops the start, naming the file', async () => {
    const declared = Resources.parse(DECLARED);
    const failureWith = async (text: string): Promise<string> => {
      const disk = new MemoryDisk();
      await disk.writeFileAtomically(RESOURCES_FILE, text);
      return recoverCheckpointedResources(disk, WORK_DIR, declared).then(() => 'read', (error: Error) => error.message);
    };
    expect(await failureWith(JSON.stringify(Resources.parse('cpus(web):1').toJSON()))).to.include(RESOURCES_FILE).and.include('neither dynamically reserved nor a persistent volume');
    expect(await failureWith('{not json')).to.include(RESOURCES_FILE).and.include('not JSON');
    expect(await failureWith('{"name":"cpus"}')).to.include(RESOURCES_FILE).and.include('not a resource list');
    expect(await failureWith(' '.repeat(MAX_CHECKPOINTED_RESOURCES_FILE_BYTES + 1))).to.include(RESOURCES_FILE).and.include(`larger than ${MAX_CHECKPOINTED_RESOURCES_FILE_BYTES} bytes`);
    // Within the bound, and fitting: read.
    const disk = new MemoryDisk();
    expect((await recoverCheckpointedResources(disk, WORK_DIR, declared)).isEmpty()).to.equal(true);
    await disk.writeFileAtomically(RESOURCES_FILE, JSON.stringify(reserved('cpus:1').toJSON()));
    expect((await recoverCheckpointedResources(disk, WORK_DIR, declared)).equals(reserved('cpus:1'))).to.equal(true);
  });
});
