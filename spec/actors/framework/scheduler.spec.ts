import { expect } from 'chai';
import { dispatch, UPID } from '../../../lib/actor';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { dynamicReservation, Resources } from '../../../lib/resources';
import type { MasterInfo, Offer, Operation, StatusUpdate, TaskInfo, TaskStatus } from '../../../lib/protocol';
import { Scheduler, type SchedulerOptions } from '../../../actors/framework/scheduler';
import { BatchScheduler, type BatchOptions } from '../../../actors/framework/examples/batch';
import { fitResources, shortfall, UnfitOffers } from '../../../actors/framework/offers';
import { SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS, UNFIT_OFFERS_EXPLAIN_AFTER_MS } from '../../../actors/framework/constants';
import { memoryHost, Probe } from '../../support/runtime';
import { captureLogger } from '../../../lib/logging';
import { Execute, type ExecuteFlags } from '../../../bin/mesos-execute';

const MASTER_MESSAGES = ['RegisterFramework', 'ReregisterFramework', 'AcceptOffers', 'DeclineOffers', 'KillTask', 'ReviveOffers',
  'SuppressOffers', 'StatusUpdateAcknowledgement', 'ReconcileTasks', 'UnregisterFramework', 'DeactivateFramework', 'FrameworkToExecutor', 'UpdateFrameworkCall'];

class Recording extends Scheduler {
  readonly events: string[] = [];
  readonly statuses: TaskStatus[] = [];
  offers: Offer[] = [];
  protected override registered(frameworkId: string): void { this.events.push(`registered ${frameworkId}`); }
  protected override reregistered(): void { this.events.push('reregistered'); }
  protected override resourceOffers(offers: Offer[]): void { this.offers.push(...offers); this.events.push(`offers ${offers.length}`); }
  protected override offerRescinded(offerId: string): void { this.events.push(`rescinded ${offerId}`); }
  protected override statusUpdate(status: TaskStatus): void { this.statuses.push(status); }
  protected override disconnected(): void { this.events.push('disconnected'); }
  protected override agentLost(agentId: string): void { this.events.push(`lost ${agentId}`); }
  protected override error(message: string): void { this.events.push(`error ${message}`); }
}

function masterInfo(master: UPID): MasterInfo {
  return { id: 'm1', ip: master.host, port: master.port, pid: master.toString(), hostname: 'localhost', version: '0.1.0' };
}

function offer(id: string, resources: string, role = '*'): Offer {
  return { id, frameworkId: 'm1-0000', agentId: 'm1-S0', hostname: 'h', resources: Resources.parse(resources).toJSON(), allocationRole: role };
}

describe('Scheduler', () => {
  async function setup(options: Partial<SchedulerOptions> = {}) {
    const clock = new VirtualClock();
    const host = memoryHost({ clock });
    const master = new Probe('master', MASTER_MESSAGES);
    const masterPid = host.spawn(master);
    const scheduler = new Recording({ master: masterPid.toString(), framework: { name: 'test', user: 'me' }, ...options });
    host.spawn(scheduler);
    await clock.settle();
    return { clock, host, master, masterPid, scheduler };
  }

  async function registered() {
    const world = await setup();
    world.master.post(world.scheduler.self(), 'FrameworkRegistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(world.masterPid) });
    await world.clock.settle();
    return world;
  }

  it('with masterTimeoutMs, gives up once after that long without a master, at the start or after losing it, and not while registered', async () => {
    const { clock, host, master, masterPid, scheduler } = await setup({ masterTimeoutMs: 10_000 });
    await clock.advance(9_000);
    master.post(scheduler.self(), 'FrameworkRegistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(masterPid) });
    await clock.advance(60_000);
    expect(scheduler.events.filter((event) => event.startsWith('error'))).to.deep.equal([]); // registered in time
    host.terminate(master); // the master goes, and no master comes back
    await clock.advance(9_999);
    expect(scheduler.events.filter((event) => event.startsWith('error'))).to.deep.equal([]);
    await clock.advance(1);
    expect(scheduler.events.filter((event) => event.startsWith('error'))).to.deep.equal([`error no master at ${masterPid.toString()} for 10 s`]);
    await clock.advance(60_000);
    expect(scheduler.events.filter((event) => event.startsWith('error'))).to.have.length(1);
  });

  it('registers at start and retries with backoff until the master answers', async () => {
    const { clock, master, masterPid, scheduler } = await setup();
    expect(master.count('RegisterFramework')).to.equal(1);
    expect((master.received[0]?.body as { framework: { roles: string[] } }).framework.roles).to.deep.equal(['*']);
    await clock.advance(SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS);
    expect(master.count('RegisterFramework')).to.be.at.least(2); // first retry within 2 s
    await clock.advance(60_000);
    const retries = master.count('RegisterFramework');
    expect(retries).to.be.within(3, 12); // doubling from 2 s, capped at 1 min
    master.post(scheduler.self(), 'FrameworkRegistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(masterPid) });
    await clock.advance(10 * 60_000);
    expect(master.count('RegisterFramework')).to.equal(retries);
    expect(scheduler.events).to.deep.equal(['registered m1-0000']);
    expect(scheduler.frameworkId).to.equal('m1-0000');
  });

  it('turns calls into master messages', async () => {
    const { clock, master, scheduler } = await registered();
    await dispatch(scheduler, (s) => {
      s.launch('o1', [{ name: 't', taskId: 't1', agentId: 'a', resources: [], command: { value: 'true' } }], { refuseSeconds: 0 });
      s.decline(['o2', 'o3']);
      s.kill('t1');
      s.revive();
      s.suppress(['web']);
      s.reconcile();
      s.sendFrameworkMessage('e1', 'a', 'hi');
    });
    await clock.settle();
    const names = master.received.slice(1).map((r) => r.name);
    expect(names).to.deep.equal(['AcceptOffers', 'DeclineOffers', 'KillTask', 'ReviveOffers', 'SuppressOffers', 'ReconcileTasks', 'FrameworkToExecutor']);
    const accept = master.received[1]?.body as { offerIds: string[]; operations: Array<{ type: string }>; filters: { refuseSeconds: number } };
    expect(accept.offerIds).to.deep.equal(['o1']);
    expect(accept.operations[0]?.type).to.equal('LAUNCH');
    expect(accept.filters).to.deep.equal({ refuseSeconds: 0 });
    expect((master.received[2]?.body as { offerIds: string[] }).offerIds).to.deep.equal(['o2', 'o3']);
  });

  it('acknowledges agent-sourced updates after the callback, and not reconciliation answers', async () => {
    const { clock, master, scheduler } = await registered();
    const update = (uuid?: string): StatusUpdate => ({
      frameworkId: 'm1-0000', agentId: 'a1', timestamp: 1, ...(uuid ? { uuid } : {}),
      status: { taskId: 't1', state: 'TASK_RUNNING', agentId: 'a1' },
    });
    master.post(scheduler.self(), 'StatusUpdate', { update: update('u-1'), pid: 'slave(1)@h:1' });
    master.post(scheduler.self(), 'StatusUpdate', { update: update() });
    await clock.settle();
    expect(scheduler.statuses.map((s) => s.uuid)).to.deep.equal(['u-1', undefined]);
    expect(master.count('StatusUpdateAcknowledgement')).to.equal(1);
    expect(master.received.find((r) => r.name === 'StatusUpdateAcknowledgement')?.body)
      .to.deep.equal({ agentId: 'a1', frameworkId: 'm1-0000', taskId: 't1', uuid: 'u-1' });
  });

  it('with implicit acknowledgements off, says once per task when an update comes again unacknowledged (a new user\'s framework stalled in silence)', async () => {
    const captured = captureLogger();
    const clock = new VirtualClock();
    const host = memoryHost({ clock, logger: captured.logger });
    const master = new Probe('master', MASTER_MESSAGES);
    const masterPid = host.spawn(master);
    const scheduler = new Recording({ master: masterPid.toString(), framework: { name: 'test', user: 'me' }, implicitAcknowledgements: false });
    host.spawn(scheduler);
    await clock.settle();
    master.post(scheduler.self(), 'FrameworkRegistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(masterPid) });
    const running = { update: { frameworkId: 'm1-0000', agentId: 'a1', timestamp: 1, uuid: 'u-1', status: { taskId: 't', state: 'TASK_RUNNING' as const } }, pid: 'slave(1)@h:1' };
    master.post(scheduler.self(), 'StatusUpdate', running);
    await clock.settle();
    expect(captured.find('came again, not acknowledged')).to.deep.equal([]);
    for (let resent = 0; resent < 3; resent++) master.post(scheduler.self(), 'StatusUpdate', running);
    await clock.settle();
    expect(captured.find('came again, not acknowledged').map((record) => [record.level, record.taskId])).to.deep.equal([[40, 't']]);
    // Acknowledged, it is forgotten: the next update of the task is a new one.
    await dispatch(scheduler, (s) => s.acknowledge(s.statuses[0]!));
    master.post(scheduler.self(), 'StatusUpdate', { ...running, update: { ...running.update, uuid: 'u-2', status: { taskId: 't', state: 'TASK_FINISHED' as const } } });
    await clock.settle();
    expect(captured.find('came again, not acknowledged')).to.have.length(1);
  });

  it('does not acknowledge when implicit acknowledgements are off', async () => {
    const world = await setup({ implicitAcknowledgements: false });
    world.master.post(world.scheduler.self(), 'FrameworkRegistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(world.masterPid) });
    world.master.post(world.scheduler.self(), 'StatusUpdate', {
      update: { frameworkId: 'm1-0000', agentId: 'a1', timestamp: 1, uuid: 'u', status: { taskId: 't', state: 'TASK_RUNNING' } }, pid: 'slave(1)@h:1',
    });
    await world.clock.settle();
    expect(world.master.count('StatusUpdateAcknowledgement')).to.equal(0);
    await dispatch(world.scheduler, (s) => s.acknowledge(s.statuses[0]!));
    await world.clock.settle();
    expect(world.master.count('StatusUpdateAcknowledgement')).to.equal(1);
  });

  it('on losing the master: disconnected, then re-registers (failover false) until answered', async () => {
    const { clock, host, master, masterPid, scheduler } = await registered();
    host.injectExited(scheduler.self(), masterPid);
    await clock.advance(SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS * 2);
    expect(scheduler.events).to.include('disconnected');
    const reregister = master.received.find((r) => r.name === 'ReregisterFramework')?.body as { failover: boolean; framework: { id: string } };
    expect(reregister.failover).to.equal(false);
    expect(reregister.framework.id).to.equal('m1-0000');
    master.post(scheduler.self(), 'FrameworkReregistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(masterPid) });
    await clock.settle();
    expect(scheduler.events.at(-1)).to.equal('reregistered');
  });

  it('re-registers with what it is now: the roles suppressed since (suppress, revive) and the info an applied updateFramework gave it, not what it started with', async () => {
    const { clock, host, master, masterPid, scheduler } = await (async () => {
      const world = await setup({ framework: { name: 'test', user: 'me', roles: ['a', 'b', 'c'] }, suppressedRoles: ['a'] });
      world.master.post(world.scheduler.self(), 'FrameworkRegistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(world.masterPid) });
      await world.clock.settle();
      return world;
    })();
    await dispatch(scheduler, (actor) => { actor.revive(['a']); actor.suppress(['b']); });
    const updated = dispatch(scheduler, (actor) => actor.updateFramework({ name: 'renamed', user: 'me', roles: ['b', 'c'] }, ['c']));
    await clock.settle();
    const call = master.received.find((r) => r.name === 'UpdateFrameworkCall')?.body as { requestId: string; framework: { id: string; roles: string[] } };
    expect(call.framework).to.deep.include({ id: 'm1-0000', roles: ['b', 'c'] });
    // The master applies it (the scheduler took it at the call already, as Mesos' driver does).
    master.post(scheduler.self(), 'UpdateFrameworkAnswer', { requestId: call.requestId, status: 200 });
    await clock.settle();
    await updated;
    host.injectExited(scheduler.self(), masterPid);
    await clock.advance(SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS * 2);
    const reregister = master.received.find((r) => r.name === 'ReregisterFramework')?.body as { framework: { name: string; roles: string[] }; suppressedRoles?: string[] };
    expect([reregister.framework.name, reregister.framework.roles, reregister.suppressedRoles]).to.deep.equal(['renamed', ['b', 'c'], ['c']]);
  });

  it('updateFramework rejects with the master\'s refusal (status and reason), and throws before registration', async () => {
    const unregistered = await setup();
    expect(() => unregistered.scheduler.updateFramework({ name: 'x', user: 'me' })).to.throw('the framework is not registered yet');
    const { clock, master, scheduler } = await registered();
    const refused = dispatch(scheduler, (actor) => actor.updateFramework({ name: 'test', user: 'root' })).then(() => undefined, (error: Error & { status?: number }) => [error.name, error.status, error.message]);
    await clock.settle();
    const call = master.received.find((r) => r.name === 'UpdateFrameworkCall')?.body as { requestId: string };
    master.post(scheduler.self(), 'UpdateFrameworkAnswer', { requestId: call.requestId, status: 400, message: 'FrameworkInfo update is not valid: no' });
    await clock.settle();
    expect(await refused).to.deep.equal(['FrameworkUpdateError', 400, 'FrameworkInfo update is not valid: no']);
    expect(scheduler.events.filter((event) => event.startsWith('error'))).to.deep.equal([]);
  });

  it('a new leader detected: `disconnected` is told while `master` is still the master lost (a client named the new one as gone: HA walkthrough)', async () => {
    const { clock, masterPid, scheduler } = await registered();
    const seen: string[] = [];
    (scheduler as unknown as { disconnected: () => void }).disconnected = function (this: Scheduler): void { seen.push(this.master.toString()); };
    const next = { pid: `master@10.0.0.9:5050`, info: masterInfo(masterPid) };
    await dispatch(scheduler, (actor) => actor.detected(next));
    await clock.settle();
    expect(seen).to.deep.equal([masterPid.toString()]);
  });

  it('a failover interrupted by a link break goes on as a failover (Mesos\' driver keeps `failover` until answered)', async () => {
    const { clock, host, master, masterPid, scheduler } = await setup({ framework: { name: 'test', user: 'me', id: 'm1-0007' } });
    host.breakLink(scheduler.self(), masterPid);
    await clock.advance(SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS * 4);
    const failovers = master.received.filter((r) => r.name === 'ReregisterFramework').map((r) => (r.body as { failover: boolean }).failover);
    expect(failovers.length).to.be.greaterThan(1);
    expect(failovers.every((failover) => failover)).to.equal(true);
    master.post(scheduler.self(), 'FrameworkReregistered', { frameworkId: 'm1-0007', masterInfo: masterInfo(masterPid) });
    await clock.settle();
    host.injectExited(scheduler.self(), masterPid);
    await clock.advance(SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS * 2);
    const last = master.received.filter((r) => r.name === 'ReregisterFramework').at(-1)?.body as { failover: boolean };
    expect(last.failover).to.equal(false);
  });

  it('a scheduler started with a framework id fails over to it', async () => {
    const { master } = await setup({ framework: { name: 'test', user: 'me', id: 'm1-0007' } });
    const body = master.received[0]?.body as { failover: boolean; framework: { id: string } };
    expect(master.received[0]?.name).to.equal('ReregisterFramework');
    expect(body.failover).to.equal(true);
    expect(body.framework.id).to.equal('m1-0007');
  });

  it('ignores offers, rescinds, status updates and lost agents until registration is answered, as Mesos\' driver does', async () => {
    // Found by the chaos simulation (seed 60): its FrameworkRegistered was lost, offers came, and
    // answering them threw 'the framework is not registered yet' inside the scheduler.
    const { clock, master, masterPid, scheduler } = await setup();
    const update: StatusUpdate = { frameworkId: 'm1-0000', agentId: 'a1', timestamp: 1, uuid: 'u-1', status: { taskId: 't1', state: 'TASK_RUNNING' } };
    master.post(scheduler.self(), 'ResourceOffers', { offers: [offer('o1', 'cpus:1')] });
    master.post(scheduler.self(), 'RescindResourceOffer', { offerId: 'o1' });
    master.post(scheduler.self(), 'StatusUpdate', { update, pid: 'slave(1)@h:1' });
    master.post(scheduler.self(), 'LostAgent', { agentId: 'a1' });
    await clock.settle();
    expect(scheduler.events).to.deep.equal([]);
    expect(scheduler.statuses).to.deep.equal([]);
    expect(master.count('StatusUpdateAcknowledgement')).to.equal(0); // the agent sends it again
    master.post(scheduler.self(), 'FrameworkRegistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(masterPid) });
    master.post(scheduler.self(), 'ResourceOffers', { offers: [offer('o2', 'cpus:1')] });
    master.post(scheduler.self(), 'StatusUpdate', { update, pid: 'slave(1)@h:1' });
    await clock.settle();
    expect(scheduler.events).to.deep.equal(['registered m1-0000', 'offers 1']);
    expect(master.count('StatusUpdateAcknowledgement')).to.equal(1);
  });

  it('ignores scheduler messages that do not come from the master', async () => {
    const { clock, host, scheduler } = await registered();
    const impostor = new Probe('impostor');
    host.spawn(impostor);
    impostor.post(scheduler.self(), 'ResourceOffers', { offers: [offer('o1', 'cpus:1')] });
    await clock.settle();
    expect(scheduler.offers).to.have.length(0);
  });

  it('stops on a framework error, and stop() tears down or deactivates', async () => {
    const world = await registered();
    world.master.post(world.scheduler.self(), 'FrameworkError', { message: 'Framework failed over' });
    await world.clock.settle();
    expect(world.scheduler.events.at(-1)).to.equal('error Framework failed over');
    await world.host.wait(world.scheduler);

    const other = await registered();
    await dispatch(other.scheduler, (s) => s.stop());
    await other.clock.settle();
    expect(other.master.count('UnregisterFramework')).to.equal(1);
    const third = await registered();
    await dispatch(third.scheduler, (s) => s.stop(true));
    await third.clock.settle();
    expect(third.master.count('DeactivateFramework')).to.equal(1);
    expect(third.master.count('UnregisterFramework')).to.equal(0);
  });
});

describe('fitResources', () => {
  /** What was picked, in the order of `expected` (its format) when they are the same resources. */
  function picks(picked: Resources | undefined, expected: string): string | undefined {
    return picked?.equals(Resources.parse(expected)) ? expected : picked?.format();
  }

  it('takes reserved resources of the offer role first, then unreserved', () => {
    const picked = fitResources(offer('o', 'cpus(web):1;cpus:4;mem:1024', 'web'), Resources.parse('cpus:2;mem:512'));
    expect(picked?.format()).to.equal(Resources.parse('cpus(web):1;cpus:1;mem:512').format());
  });

  it('takes what a task asks reserved from that reservation only (new user\'s walkthrough: cpus(web) was filled with unreserved cpus)', () => {
    const web = offer('o', 'cpus(web):1;cpus:4;mem(web):64;mem:1024', 'web');
    expect(fitResources(web, Resources.parse('cpus(web):2;mem:32'))).to.equal(undefined);
    expect(picks(fitResources(web, Resources.parse('cpus(web):1;cpus:1;mem(web):64')), 'cpus(web):1;cpus:1;mem(web):64')).to.equal('cpus(web):1;cpus:1;mem(web):64');
    expect(fitResources(web, Resources.parse('cpus(web):1;mem:2048'))).to.equal(undefined);
    expect(fitResources(offer('o', 'cpus:4;mem:1024', 'web'), Resources.parse('cpus(web):1'))).to.equal(undefined);
  });

  it('takes an ancestor role\'s reservation after the offer role\'s own, before unreserved; a range or set whole from one of them if one holds it, else split', () => {
    const eng = offer('o', 'cpus(eng):2;cpus(eng/web):1;cpus:4;mem:256;ports(eng):[31000-31001];ports:[32000-32001]', 'eng/web');
    expect(picks(fitResources(eng, Resources.parse('cpus:4;mem:32')), 'cpus(eng/web):1;cpus(eng):2;cpus:1;mem:32')).to.equal('cpus(eng/web):1;cpus(eng):2;cpus:1;mem:32');
    expect(picks(fitResources(eng, Resources.parse('cpus(eng):1;ports:[31001-31001]')), 'cpus(eng):1;ports(eng):[31001-31001]')).to.equal('cpus(eng):1;ports(eng):[31001-31001]');
    expect(picks(fitResources(eng, Resources.parse('ports:[32000-32000]')), 'ports:[32000-32000]')).to.equal('ports:[32000-32000]');
    expect(fitResources(eng, Resources.parse('ports:[31001-32000]'))).to.equal(undefined);
    // Split across a reservation and unreserved when neither holds it whole (review: refused, though the offer holds it).
    expect(picks(fitResources(eng, Resources.parse('ports:[31001-31001,32000-32001]')), 'ports(eng):[31001-31001];ports:[32000-32001]')).to.equal('ports(eng):[31001-31001];ports:[32000-32001]');
    expect(fitResources(eng, Resources.parse('ports:[31001-31001,32000-32002]'))).to.equal(undefined);
  });

  it('takes dynamically reserved resources as they are offered, reservation and all (they became static reservations the offer did not hold)', () => {
    const reserved = Resources.parse('cpus:1;mem:64;ports:[31000-31001]').reservedDynamically('eng', dynamicReservation('ops'));
    const byDev = Resources.parse('cpus:1').reservedDynamically('eng', dynamicReservation('dev'));
    const offered = reserved.add(byDev).add(Resources.parse('cpus(eng):1;cpus:4;mem:1024'));
    const eng: Offer = { ...offer('o', 'cpus:1', 'eng'), resources: offered.toJSON() };
    const picked = fitResources(eng, Resources.parse('cpus:3;mem:32;ports:[31000-31000]'));
    expect(picked).to.not.equal(undefined);
    expect(offered.contains(picked as Resources), picked?.format()).to.equal(true);
    expect(picked?.scalar('cpus')).to.equal(3);
    expect(picked?.reserved('eng').scalar('cpus')).to.equal(3);
    expect(picked?.dynamicallyReserved().ranges('ports')).to.deep.equal([{ begin: 31000, end: 31000 }]);
    // Asked reserved as offered (a resident task): taken as it is.
    expect(fitResources(eng, reserved)?.equals(reserved)).to.equal(true);
  });

  it('takes dynamically reserved resources as they are reserved, principal and labels kept (chaos --reservations, seed 1: it took them as static, which the offer does not hold)', () => {
    const byOps = Resources.parse('cpus:1;mem:128;ports:[31000-31000]').reservedDynamically('eng/web', dynamicReservation('ops'));
    const labelled = Resources.parse('cpus:0.5').reservedDynamically('eng', dynamicReservation(undefined, [{ key: 'by', value: 'operator' }]));
    const offered = byOps.add(labelled).add(Resources.parse('cpus(eng/web):0.5;cpus:4;mem:1024;ports:[31001-31002]'));
    const web = { ...offer('o', 'cpus:1'), resources: offered.toJSON(), allocationRole: 'eng/web' };
    const picked = fitResources(web, Resources.parse('cpus:2.5;mem:256;ports:[31000-31001]'));
    expect(picked !== undefined && offered.contains(picked), `${picked?.format() ?? 'nothing'} is in the offer`).to.equal(true);
    // The role's own reservations first (static, then dynamic), then its ancestor's, then unreserved; a range split the same way.
    const expected = Resources.parse('cpus(eng/web):0.5;cpus:0.5;mem:128;ports:[31001-31001]').add(byOps).add(labelled);
    expect(picked?.equals(expected), `picked ${picked?.format() ?? 'nothing'}`).to.equal(true);
  });

  it('refuses offers that cannot hold the task', () => {
    expect(fitResources(offer('o', 'cpus:1;mem:64'), Resources.parse('cpus:2;mem:32'))).to.equal(undefined);
    expect(fitResources(offer('o', 'cpus:4;mem:64;ports:[31000-31001]'), Resources.parse('cpus:1;ports:[40000-40000]'))).to.equal(undefined);
  });
});

/**
 * A batch scheduler (`create`d from options for a job named `name`, running `true`) on a memory
 * host under a virtual clock, registered with a probe standing in for the master.
 */
function registeredBatch<B extends BatchScheduler>(
  create: (options: BatchOptions) => B,
  job: { readonly name: string; readonly tasks: number; readonly tasksPerOffer?: number; readonly taskResources: string; readonly offerWaitTimeoutMs?: number },
): { clock: VirtualClock; master: Probe; batch: B; host: ActorHost } {
  const clock = new VirtualClock();
  const host = memoryHost({ clock });
  const master = new Probe('master', MASTER_MESSAGES);
  const masterPid = host.spawn(master);
  const batch = create({
    master: masterPid.toString(), framework: { name: job.name, user: 'me' }, tasks: job.tasks,
    ...(job.tasksPerOffer !== undefined ? { tasksPerOffer: job.tasksPerOffer } : {}),
    ...(job.offerWaitTimeoutMs !== undefined ? { offerWaitTimeoutMs: job.offerWaitTimeoutMs } : {}),
    taskResources: Resources.parse(job.taskResources), command: 'true',
  });
  host.spawn(batch);
  master.post(batch.self(), 'FrameworkRegistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(masterPid) });
  return { clock, master, batch, host };
}

describe('BatchScheduler', () => {
  it('with tasksPerOffer 1, launches one task per offer, declines what does not fit unfiltered, and resolves when all are terminal', async () => {
    const { clock, master, batch } = registeredBatch((options) => new BatchScheduler(options), { name: 'b', tasks: 2, tasksPerOffer: 1, taskResources: 'cpus:1;mem:100' });
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o1', 'cpus:4;mem:1000'), offer('o2', 'cpus:0.5;mem:1000'), offer('o3', 'cpus:1;mem:100')] });
    await clock.settle();
    const sent = master.received.filter((r) => r.name === 'AcceptOffers' || r.name === 'DeclineOffers');
    expect(sent.map((r) => [r.name, (r.body as { offerIds: string[] }).offerIds[0]])).to.deep.equal([['AcceptOffers', 'o1'], ['DeclineOffers', 'o2'], ['AcceptOffers', 'o3']]);
    expect((sent[1]?.body as { filters: { refuseSeconds: number } }).filters.refuseSeconds).to.equal(0);
    for (const [taskId, state] of [['b-0', 'TASK_FINISHED'], ['b-1', 'TASK_FAILED']] as const) {
      master.post(batch.self(), 'StatusUpdate', { update: { frameworkId: 'm1-0000', timestamp: 1, status: { taskId, state } } });
    }
    const result = await batch.done;
    expect(result.finished).to.equal(1);
    expect(result.failed).to.equal(1);
    expect(result.launches.map((l) => l.taskId)).to.deep.equal(['b-0', 'b-1']);
  });

  it('after a master failover, and when an agent is lost, asks about its launched tasks that have not ended (HA walkthrough: it waited on a lost one for good)', async () => {
    const { clock, master, batch, host } = registeredBatch((options) => new BatchScheduler(options), { name: 'b', tasks: 2, tasksPerOffer: 1, taskResources: 'cpus:1;mem:100' });
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o1', 'cpus:1;mem:100'), offer('o2', 'cpus:1;mem:100')] });
    await clock.settle();
    master.post(batch.self(), 'StatusUpdate', { update: { frameworkId: 'm1-0000', timestamp: 1, status: { taskId: 'b-0', state: 'TASK_FINISHED' } } });
    master.post(batch.self(), 'LostAgent', { agentId: 'm1-S0' });
    await clock.settle();
    // The master lost, then back: re-registered.
    host.injectExited(batch.self(), master.self());
    await clock.advance(SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS * 2);
    master.post(batch.self(), 'FrameworkReregistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(master.self()) });
    await clock.settle();
    const asked = master.received.filter((r) => r.name === 'ReconcileTasks').map((r) => (r.body as { statuses: unknown[] }).statuses);
    expect(asked).to.deep.equal([[{ taskId: 'b-1', agentId: 'm1-S0' }], [{ taskId: 'b-1', agentId: 'm1-S0' }]]);
  });

  it('mesos-execute\'s scheduler, after a master failover and when an agent is lost, asks about its task until it ends (HA walkthrough: untested)', async () => {
    const clock = new VirtualClock();
    const host = memoryHost({ clock });
    const master = new Probe('master', MASTER_MESSAGES);
    const masterPid = host.spawn(master);
    const printed: string[] = [];
    const flags = { name: 'once', command: 'true', resources: 'cpus:1;mem:100', role: '*', master_timeout: 600_000, offer_wait_timeout: 600_000 } as ExecuteFlags;
    const execute = new Execute({ master: masterPid.toString(), framework: { name: 'once', user: 'me' }, masterTimeoutMs: 600_000 }, flags, (text) => { printed.push(text); });
    host.spawn(execute);
    master.post(execute.self(), 'FrameworkRegistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(masterPid) });
    await clock.settle();
    const asked = (): unknown[] => master.received.filter((r) => r.name === 'ReconcileTasks').map((r) => (r.body as { statuses: unknown[] }).statuses);
    master.post(execute.self(), 'LostAgent', { agentId: 'm1-S0' });
    await clock.settle();
    expect(asked(), 'nothing launched yet: nothing to ask').to.deep.equal([]);
    master.post(execute.self(), 'ResourceOffers', { offers: [offer('o1', 'cpus:1;mem:100')] });
    await clock.settle();
    expect(printed.join('')).to.contain("Submitted task 'once' to agent 'm1-S0'");
    master.post(execute.self(), 'LostAgent', { agentId: 'm1-S0' });
    await clock.settle();
    host.injectExited(execute.self(), master.self());
    await clock.advance(SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS * 2);
    master.post(execute.self(), 'FrameworkReregistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(masterPid) });
    await clock.settle();
    expect(asked()).to.deep.equal([[{ taskId: 'once' }], [{ taskId: 'once' }]]);
    master.post(execute.self(), 'StatusUpdate', { update: { frameworkId: 'm1-0000', timestamp: 1, status: { taskId: 'once', state: 'TASK_FINISHED' } } });
    await clock.settle();
    master.post(execute.self(), 'LostAgent', { agentId: 'm1-S0' });
    await clock.settle();
    expect(asked(), 'ended: nothing more to ask').to.have.length(2);
    expect((await execute.done).map((status) => status.state)).to.deep.equal(['TASK_FINISHED']);
  });

  it('mesos-execute\'s scheduler with --task_group: one LAUNCH_GROUP on the default executor, each task given its share of the offer; done when every task has ended', async () => {
    const clock = new VirtualClock();
    const host = memoryHost({ clock });
    const master = new Probe('master', MASTER_MESSAGES);
    const masterPid = host.spawn(master);
    const printed: string[] = [];
    const task = (taskId: string): TaskInfo => ({ name: taskId, taskId, agentId: 'unset', resources: Resources.parse('cpus:1;mem:100').toJSON(), command: { value: 'true' } });
    const flags = { task_group: [task('a'), task('b')], resources: 'cpus:0.1;mem:32', role: '*', master_timeout: 600_000, offer_wait_timeout: 600_000 } as ExecuteFlags;
    const execute = new Execute({ master: masterPid.toString(), framework: { name: 'group', user: 'me' }, masterTimeoutMs: 600_000 }, flags, (text) => { printed.push(text); });
    host.spawn(execute);
    master.post(execute.self(), 'FrameworkRegistered', { frameworkId: 'm1-0000', masterInfo: masterInfo(masterPid) });
    await clock.settle();
    // Two cpus hold the tasks but not the executor's tenth besides: declined.
    master.post(execute.self(), 'ResourceOffers', { offers: [offer('o1', 'cpus:2;mem:1000;disk:100')] });
    await clock.settle();
    expect(master.received.filter((r) => r.name === 'DeclineOffers')).to.have.length(1);
    master.post(execute.self(), 'ResourceOffers', { offers: [offer('o2', 'cpus:3;mem:1000;disk:100')] });
    await clock.settle();
    const accepted = master.received.filter((r) => r.name === 'AcceptOffers').map((r) => r.body as { operations: Operation[] });
    expect(accepted).to.have.length(1);
    const group = accepted[0]?.operations[0];
    expect(group?.type).to.equal('LAUNCH_GROUP');
    expect(group?.launchGroup?.executor).to.deep.include({ executorId: 'default-executor', type: 'DEFAULT' });
    expect(group?.launchGroup?.taskGroup.tasks.map((each) => [each.taskId, each.agentId, Resources.fromJSON(each.resources).format()])).to.deep.equal([['a', 'm1-S0', 'cpus:1;mem:100'], ['b', 'm1-S0', 'cpus:1;mem:100']]);
    expect(printed.join('')).to.contain("Submitted task group with tasks [ a, b ] to agent 'm1-S0'");
    let done = false;
    void execute.done.then(() => { done = true; });
    master.post(execute.self(), 'StatusUpdate', { update: { frameworkId: 'm1-0000', timestamp: 1, status: { taskId: 'a', state: 'TASK_FINISHED' } } });
    await clock.settle();
    expect(done, 'one of two ended').to.equal(false);
    master.post(execute.self(), 'StatusUpdate', { update: { frameworkId: 'm1-0000', timestamp: 2, status: { taskId: 'b', state: 'TASK_KILLED' } } });
    await clock.settle();
    expect((await execute.done).map((status) => [status.taskId, status.state])).to.deep.equal([['a', 'TASK_FINISHED'], ['b', 'TASK_KILLED']]);
  });

  it('fills one offer of cpus:2 with two one-cpu tasks at once, from what remains of it', async () => {
    const { clock, master, batch } = registeredBatch((options) => new BatchScheduler(options), { name: 'b', tasks: 3, taskResources: 'cpus:1;mem:100' });
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o1', 'cpus:2;mem:1000')] });
    await clock.settle();
    const accepts = master.received.filter((r) => r.name === 'AcceptOffers');
    expect(accepts).to.have.length(1);
    const launched = (index: number): TaskInfo[] => (master.received.filter((r) => r.name === 'AcceptOffers')[index]?.body as { operations: Array<{ launch: { taskInfos: TaskInfo[] } }> }).operations.flatMap((o) => o.launch.taskInfos);
    const tasks = launched(0);
    expect(tasks.map((t) => t.taskId)).to.deep.equal(['b-0', 'b-1']);
    for (const task of tasks) expect(Resources.fromJSON(task.resources).equals(Resources.parse('cpus:1;mem:100'))).to.equal(true);
    // The third task waits for the next offer; a later offer with room for more takes only it.
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o2', 'cpus:4;mem:1000')] });
    await clock.settle();
    expect(launched(1).map((t) => t.taskId)).to.deep.equal(['b-2']);
  });

  it('says once what is missing when no offer can hold a task for a while, and again only after a launch and a new stall', async () => {
    class Explaining extends BatchScheduler {
      readonly explanations: string[] = [];
      constructor(options: BatchOptions) { super(options); }
      protected override noOfferFits(explanation: string): void { this.explanations.push(explanation); }
    }
    const { clock, master, batch } = registeredBatch((options) => new Explaining(options), { name: 'big', tasks: 2, tasksPerOffer: 1, taskResources: 'cpus:3;mem:32' });
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o1', 'cpus:1;mem:1000'), offer('o2', 'cpus:2;mem:1000')] });
    await clock.settle();
    await clock.advance(UNFIT_OFFERS_EXPLAIN_AFTER_MS - 1);
    expect(batch.explanations, 'not before the wait').to.deep.equal([]);
    await clock.advance(1);
    const explained = "no offer can hold task 'big-0' (cpus:3;mem:32); the closest, cpus:2;mem:1000 on agent 'm1-S0': it lacks cpus:1";
    expect(batch.explanations).to.deep.equal([explained]);
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o3', 'cpus:1;mem:1000')] });
    await clock.advance(UNFIT_OFFERS_EXPLAIN_AFTER_MS * 3);
    expect(batch.explanations, 'once per stall').to.have.length(1);
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o4', 'cpus:3;mem:1000')] });
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o5', 'cpus:1;mem:1000')] });
    await clock.advance(UNFIT_OFFERS_EXPLAIN_AFTER_MS);
    expect(batch.explanations.at(-1)).to.equal("no offer can hold task 'big-1' (cpus:3;mem:32); the closest, cpus:1;mem:1000 on agent 'm1-S0': it lacks cpus:2");
    expect(batch.explanations).to.have.length(2);
  });

  it('a scheduler that never reached its master says it cannot reach it, not that it lost it (walkthrough: "lost the master" for a wrong address)', async () => {
    const captured = captureLogger();
    const clock = new VirtualClock();
    const host = memoryHost({ clock, logger: captured.logger });
    const nowhere = UPID.parse('master@memory-404:1');
    class Idle extends Scheduler {
      protected override resourceOffers(): void {}
    }
    const scheduler = new Idle({ master: nowhere.toString(), framework: { name: 'f', user: 'me' } });
    host.spawn(scheduler);
    await clock.settle();
    host.injectExited(scheduler.self(), nowhere);
    await clock.settle();
    expect(captured.find('cannot reach the master; will keep trying').map((record) => record.level)).to.deep.equal([40]);
    expect(captured.find('lost the master')).to.deep.equal([]);
  });

  it('says so when no offer at all came in UNFIT_OFFERS_EXPLAIN_AFTER_MS (walkthrough: silent until it gave up)', async () => {
    class Explaining extends BatchScheduler {
      readonly explanations: string[] = [];
      constructor(options: BatchOptions) { super(options); }
      protected override noOfferFits(explanation: string): void { this.explanations.push(explanation); }
    }
    const { clock, batch } = registeredBatch((options) => new Explaining(options), { name: 'lonely', tasks: 1, taskResources: 'cpus:1;mem:32' });
    await clock.settle();
    await clock.advance(UNFIT_OFFERS_EXPLAIN_AFTER_MS);
    expect(batch.explanations).to.deep.equal(["no offers yet for task 'lonely-0' (cpus:1;mem:32): is an agent registered with the master, with resources free for the framework's role?"]);
  });

  it('with offerWaitTimeoutMs, gives up (stalled) only when none of its tasks runs, some remain, and no offer held one that long (mesos-batch --offer_wait_timeout)', async () => {
    class Stalling extends BatchScheduler {
      readonly stalls: Array<{ atMs: number; explanation: string }> = [];
      constructor(options: BatchOptions) { super(options); }
      protected override noOfferFits(): void { /* its own test */ }
      protected override stalled(explanation: string): void { this.stalls.push({ atMs: this.clock.now(), explanation }); }
    }
    const { clock, master, batch } = registeredBatch((options) => new Stalling(options), { name: 'w', tasks: 2, tasksPerOffer: 1, taskResources: 'cpus:2;mem:32', offerWaitTimeoutMs: 60_000 });
    await clock.settle();
    const start = clock.now();
    // One task fits and runs: while it runs, no wait counts, however long no offer fits.
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o1', 'cpus:2;mem:1000')] });
    await clock.settle();
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o2', 'cpus:1;mem:1000')] });
    await clock.advance(10 * 60_000);
    expect(batch.stalls, 'not while its task runs').to.deep.equal([]);
    // It ends: the wait starts then, and the second task never fits.
    master.post(batch.self(), 'StatusUpdate', { update: { frameworkId: 'm1-0000', timestamp: 1, status: { taskId: 'w-0', state: 'TASK_FINISHED' } } });
    await clock.settle();
    const endedAt = clock.now();
    master.post(batch.self(), 'ResourceOffers', { offers: [offer('o3', 'cpus:1;mem:1000')] });
    await clock.advance(60_000 - 1);
    expect(batch.stalls, 'not before the timeout').to.deep.equal([]);
    await clock.advance(1);
    expect(batch.stalls).to.deep.equal([{ atMs: endedAt + 60_000, explanation: "no offer can hold task 'w-1' (cpus:2;mem:32); the closest, cpus:1;mem:1000 on agent 'm1-S0': it lacks cpus:1" }]);
    expect(endedAt - start).to.be.greaterThan(10 * 60_000 - 1);
  });
});

describe('UnfitOffers', () => {
  it('keeps the offer that lacks the least (as fractions of what is wanted), and says so in one sentence', () => {
    const unfit = new UnfitOffers(Resources.parse('cpus:4;mem:1000'));
    expect(unfit.explain("task 't'")).to.equal("no offers yet for task 't' (cpus:4;mem:1000): is an agent registered with the master, with resources free for the framework's role?");
    unfit.note(offer('o1', 'cpus:3;mem:100'));   // lacks 1/4 cpus + 9/10 mem
    unfit.note(offer('o2', 'cpus:1;mem:1000'));  // lacks 3/4 cpus: closer
    unfit.note(offer('o3', 'cpus:0.5;mem:2000'));
    expect(unfit.explain("task 't'")).to.equal("no offer can hold task 't' (cpus:4;mem:1000); the closest, cpus:1;mem:1000 on agent 'm1-S0': it lacks cpus:3");
    unfit.clear();
    expect(unfit.any).to.equal(false);
  });

  it('names a wanted resource no offer has had, and what offers have (new user\'s walkthrough: `cpu:1` was only said to be lacking)', () => {
    const unfit = new UnfitOffers(Resources.parse('cpu:1;mem:32'));
    unfit.note(offer('o1', 'cpus:4;mem:1024;ports:[31000-31001]'));
    expect(unfit.explain("task 't'")).to.equal("no offer can hold task 't' (cpu:1;mem:32); the closest, cpus:4;mem:1024;ports:[31000-31001] on agent 'm1-S0': it lacks cpu:1; no offer has had 'cpu' at all (offers have cpus, mem, ports): is the name misspelt?");
    const offered = new UnfitOffers(Resources.parse('cpus:8'));
    offered.note(offer('o1', 'cpus:4;mem:1024'));
    expect(offered.explain("task 't'")).to.not.match(/misspelt/);
  });
});

describe('shortfall', () => {
  it('names what a reserved ask lacks of its reservation (review: a task asking cpus(web):2 was said not to match ranges or sets)', () => {
    const web = offer('o', 'cpus(web):1;cpus:4;mem:1024', 'web');
    expect(shortfall(web, Resources.parse('cpus(web):2;mem:32')).format()).to.equal('cpus(web):1');
    expect(shortfall(web, Resources.parse('cpus(web):1;cpus:5;mem:32')).format()).to.equal('cpus:1');
    expect(shortfall(web, Resources.parse('cpus:5;mem:32')).isEmpty()).to.equal(true);
    const unfit = new UnfitOffers(Resources.parse('cpus(web):2;mem:32'));
    unfit.note(web);
    expect(unfit.explain("task 't'")).to.match(/it lacks cpus\(web\):1$/);
  });

  it('names the scalars an offer lacks for a task, and nothing when they fit', () => {
    expect(shortfall(offer('o', 'cpus:4;mem:4096'), Resources.parse('cpus:100;mem:32')).format()).to.equal('cpus:96');
    expect(shortfall(offer('o', 'cpus:4;mem:4096'), Resources.parse('cpus:1;mem:32')).isEmpty()).to.equal(true);
  });
});
