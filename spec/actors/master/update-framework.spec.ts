/**
 * UPDATE_FRAMEWORK, and a re-registration that changes the framework's roles (Mesos'
 * `Master::updateFramework`): the real Scheduler base (`updateFramework`) against the master,
 * a fake agent, the virtual clock.
 */
import { expect } from 'chai';
import { dispatch } from '../../../lib/actor';
import { TextParts } from '../../../lib/process';
import { Resources } from '../../../lib/resources';
import type { FrameworkInfo, Offer } from '../../../lib/protocol';
import { FrameworkUpdateError, Scheduler, type SchedulerOptions } from '../../../actors/framework/scheduler';
import { UPDATE_FRAMEWORK_TIMEOUT_MS } from '../../../actors/framework/constants';
import { parseAcls, type MasterFlags } from '../../../actors/master';
import { Probe } from '../../support/runtime';
import { agentUpdate, cleanUp, metricsOf, registerAgent, startHarness, type AgentHandle, type Harness } from './harness';
import { restartMaster, startCluster, type Cluster } from '../../cluster/simulation';

/** A scheduler that holds what it is offered and records offers and rescinds. */
class Holder extends Scheduler {
  readonly offers: Offer[] = [];
  readonly rescinded: string[] = [];
  readonly errors: string[] = [];
  protected override resourceOffers(offers: Offer[]): void { this.offers.push(...offers); }
  protected override offerRescinded(offerId: string): void { this.rescinded.push(offerId); }
  protected override error(message: string): void { this.errors.push(message); }

  /** Offers held now (received, not rescinded, not used). */
  held(): Offer[] {
    return this.offers.filter((offer) => !this.rescinded.includes(offer.id) && !this.used.has(offer.id));
  }

  readonly used = new Set<string>();

  /** Launches one task on `offer`, the rest returned unfiltered. */
  launchOne(offer: Offer, taskId: string, resources: string): void {
    this.used.add(offer.id);
    this.launch(offer.id, [{ name: taskId, taskId, agentId: offer.agentId, resources: Resources.parse(resources).toJSON(), command: { value: 'sleep 1000' } }], { refuseSeconds: 0 });
  }

  /** Declines every offer held (filtered for an hour). */
  declineHeld(): void {
    const held = this.held();
    for (const offer of held) this.used.add(offer.id);
    if (held.length > 0) this.decline(held.map((offer) => offer.id), { refuseSeconds: 3_600 });
  }

  /** Its framework info as it stands (what it would re-register with). */
  info(): FrameworkInfo {
    return this.framework;
  }

  /** Re-registers from this same pid with `info` (a scheduler that changed its roles and re-subscribes). */
  reregisterWith(info: FrameworkInfo): void {
    this.framework = info;
    this.send(this.master, 'ReregisterFramework', { framework: info, failover: false });
  }
}

let nextScheduler = 1;

async function holder(harness: Harness, framework: Partial<FrameworkInfo>, options: Partial<SchedulerOptions> = {}): Promise<Holder> {
  const actor = new Holder({ master: harness.masterPid.toString(), id: `update-scheduler-${nextScheduler++}`, framework: { name: 'updating', user: 'nobody', ...framework }, ...options });
  harness.host.spawn(actor);
  await harness.clock.settle();
  return actor;
}

/** Calls `updateFramework` in the scheduler's mailbox and runs the clock until it settles: its outcome, the error if it rejected. */
async function update(harness: Harness, scheduler: Holder, framework: Partial<FrameworkInfo>, suppressedRoles: string[] = []): Promise<FrameworkUpdateError | undefined> {
  const outcome = dispatch(scheduler, (actor) => actor.updateFramework({ ...actor.info(), ...framework }, suppressedRoles)).then(() => undefined, (error: FrameworkUpdateError) => error);
  await harness.clock.settle();
  return outcome;
}

/** The master's view of one framework (its roles) and of every task (its role). */
function frameworkRoles(harness: Harness, frameworkId: string | undefined): unknown {
  const state = harness.handle.master.stateJson() as { frameworks: Array<{ id: string; roles?: string[]; role?: string; tasks: Array<{ id: string; role?: string }> }> };
  const framework = state.frameworks.find((candidate) => candidate.id === frameworkId);
  return framework === undefined ? undefined : { roles: framework.roles ?? [framework.role], tasks: framework.tasks.map((task) => `${task.id}:${task.role ?? ''}`) };
}

/** The v1 operator API's answer to `body` (GET_FRAMEWORKS, GET_ROLES...), as JSON. */
async function operatorCall(harness: Harness, body: object): Promise<Record<string, unknown>> {
  const request = { method: 'POST', path: '/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
  const response = await dispatch(harness.handle.master, (master) => master.operatorCall(request));
  const answered = response.body;
  const text = answered instanceof TextParts ? answered.text() : typeof answered === 'string' || Buffer.isBuffer(answered) ? answered.toString() : JSON.stringify(answered);
  expect(response.status, text).to.equal(200);
  return JSON.parse(text) as Record<string, unknown>;
}

async function nextAllocation(harness: Harness): Promise<void> {
  await harness.clock.advance(harness.flags.allocationIntervalMs);
  await harness.clock.settle();
}

describe('actors/master: UPDATE_FRAMEWORK and role changes', () => {
  afterEach(cleanUp);

  describe('a framework moving from one role to another', () => {
    let harness: Harness;
    let agent: AgentHandle;
    let scheduler: Holder;

    beforeEach(async () => {
      harness = await startHarness();
      agent = await registerAgent(harness, 'cpus:4;mem:1024');
      scheduler = await holder(harness, { roles: ['a', 'c'], capabilities: ['MULTI_ROLE'] }, { suppressedRoles: ['c'] });
      const [first] = scheduler.held();
      expect(first?.allocationRole).to.equal('a');
      scheduler.launchOne(first!, 't1', 'cpus:1;mem:128');
      await nextAllocation(harness);
      expect(scheduler.held().map((offer) => `${offer.allocationRole}:${Resources.fromJSON(offer.resources).format()}`)).to.deep.equal(['a:cpus:3;mem:896']);
    });

    it('is answered 200; its offer in the role it left is rescinded, its task there runs on in that role, and the role it joined is offered', async () => {
      const held = scheduler.held()[0]!;
      expect(await update(harness, scheduler, { roles: ['b', 'c'] }, ['c'])).to.equal(undefined);
      expect(scheduler.rescinded).to.deep.equal([held.id]);
      expect(frameworkRoles(harness, scheduler.frameworkId)).to.deep.equal({ roles: ['b', 'c'], tasks: ['t1:a'] });
      expect(scheduler.info().roles).to.deep.equal(['b', 'c']);
      await nextAllocation(harness);
      expect(scheduler.held().map((offer) => `${offer.allocationRole}:${Resources.fromJSON(offer.resources).format()}`)).to.deep.equal(['b:cpus:3;mem:896']);
      // The task in a ends: what it held comes back, and is offered in b.
      await agentUpdate(harness, agent, scheduler.frameworkId!, 't1', 'TASK_FINISHED');
      await nextAllocation(harness);
      expect(scheduler.held().map((offer) => `${offer.allocationRole}:${Resources.fromJSON(offer.resources).format()}`)).to.deep.equal(['b:cpus:3;mem:896', 'b:cpus:1;mem:128']);
    });

    it('replaces its suppressed roles: a role it stops suppressing is offered, one it starts suppressing is not', async () => {
      scheduler.declineHeld();
      await harness.clock.settle();
      expect(await update(harness, scheduler, { roles: ['a', 'c'] }, ['a'])).to.equal(undefined);
      await nextAllocation(harness);
      expect(scheduler.held().map((offer) => offer.allocationRole)).to.deep.equal(['c']);
    });

    it('is refused (400), nothing changed, for an info that is not valid, a new user, a new principal, or a suppressed role it does not take', async () => {
      const refusals = [
        await update(harness, scheduler, { roles: ['b', 'bad role'] }),
        await update(harness, scheduler, { roles: ['b'], user: 'root' }),
        await update(harness, scheduler, { roles: ['b'], principal: 'someone' }),
        await update(harness, scheduler, { roles: ['b'] }, ['a']),
      ];
      expect(refusals.map((error) => [error?.status, error?.message])).to.deep.equal([
        [400, "Supplied FrameworkInfo is not valid: Framework role 'bad role' is invalid: role component 'bad role' contains whitespace or a control character"],
        [400, "FrameworkInfo update is not valid: Updating 'FrameworkInfo.user' is unsupported; attempted to update from 'nobody' to 'root'"],
        [400, "FrameworkInfo update is not valid: Changing framework's principal is not allowed."],
        [400, "'UpdateFramework' call is not valid: Suppressed roles { a } are not contained in the set of roles"],
      ]);
      expect(refusals.every((error) => error instanceof FrameworkUpdateError)).to.equal(true);
      expect(frameworkRoles(harness, scheduler.frameworkId)).to.deep.equal({ roles: ['a', 'c'], tasks: ['t1:a'] });
      expect(scheduler.info().roles).to.deep.equal(['a', 'c']);
      expect(scheduler.rescinded).to.deep.equal([]);
      expect(scheduler.errors, 'a refused update does not end the scheduler').to.deep.equal([]);
    });

    it('takes a role change on re-registration (as Mesos: a re-subscription is an update), the scheduler staying registered', async () => {
      const held = scheduler.held()[0]!;
      const probe = harness.host.filters.expect({ name: 'FrameworkReregistered' });
      // The scheduler's own info, with other roles, re-sent as a re-registration of the same pid.
      await dispatch(scheduler, (actor) => actor.reregisterWith({ ...actor.info(), roles: ['b'] }));
      await harness.clock.settle();
      await probe;
      expect(scheduler.rescinded).to.include(held.id);
      expect(frameworkRoles(harness, scheduler.frameworkId)).to.deep.equal({ roles: ['b'], tasks: ['t1:a'] });
      await nextAllocation(harness);
      expect(scheduler.held().map((offer) => offer.allocationRole)).to.deep.equal(['b']);
    });

    it('the operator API names its task\'s resources in the role it left (GET_FRAMEWORKS), and lists it under both roles (GET_ROLES) until that task ends (review)', async () => {
      expect(await update(harness, scheduler, { roles: ['b'] })).to.equal(undefined);
      const allocatedRoles = async (): Promise<unknown[]> => {
        const answer = await operatorCall(harness, { type: 'GET_FRAMEWORKS' }) as { get_frameworks: { frameworks: Array<{ allocated_resources?: Array<{ allocation_info?: { role: string } }> }> } };
        return (answer.get_frameworks.frameworks[0]?.allocated_resources ?? []).map((resource) => resource.allocation_info?.role);
      };
      const frameworksOf = async (): Promise<Record<string, unknown>> => {
        const answer = await operatorCall(harness, { type: 'GET_ROLES' }) as { get_roles: { roles: Array<{ name: string; frameworks?: Array<{ value: string }> }> } };
        return Object.fromEntries(answer.get_roles.roles.map((role) => [role.name, (role.frameworks ?? []).map((id) => id.value)]));
      };
      expect(await allocatedRoles()).to.deep.equal(['a', 'a']);
      expect(await frameworksOf()).to.deep.include({ a: [scheduler.frameworkId], b: [scheduler.frameworkId] });
      await agentUpdate(harness, agent, scheduler.frameworkId!, 't1', 'TASK_FINISHED');
      expect(await allocatedRoles()).to.deep.equal([]);
      expect(await frameworksOf()).to.not.have.property('a');
    });

    it('an allocation made in a role before the framework left it, still on its way to the master, is returned, not offered (review)', async () => {
      scheduler.declineHeld();
      await harness.clock.settle();
      // The allocator's offers held back, as if still in the master's mailbox behind the update.
      const master = harness.handle.master as unknown as { offer(allocations: unknown[]): void };
      const offer = master.offer.bind(master);
      const inFlight: unknown[][] = [];
      master.offer = (allocations) => { inFlight.push([...allocations]); };
      await dispatch(scheduler, (actor) => actor.revive(['a']));
      await harness.clock.settle();
      master.offer = offer;
      expect(inFlight.flat().length, 'an allocation in a was made').to.be.greaterThan(0);
      expect(await update(harness, scheduler, { roles: ['b', 'c'] }, ['c'])).to.equal(undefined);
      await dispatch(harness.handle.master, () => { for (const allocations of inFlight) offer(allocations); });
      await harness.clock.settle();
      expect(scheduler.held().filter((held) => held.allocationRole === 'a')).to.deep.equal([]);
      await nextAllocation(harness);
      expect(scheduler.held().map((held) => held.allocationRole)).to.deep.equal(['b']);
    });

    it('keeps a suppress made while its update is on its way (Mesos\' driver takes the update\'s roles at the call); a stopped scheduler\'s update rejects (review)', async () => {
      harness.host.filters.drop({ name: 'UpdateFrameworkCall' }, 'always');
      let outcome: Promise<unknown> = Promise.resolve();
      await dispatch(scheduler, (actor) => {
        outcome = actor.updateFramework({ ...actor.info() }, ['c']).then(() => 'resolved', (error: FrameworkUpdateError) => [error.status, error.message]);
        actor.suppress(['a']);
      });
      await harness.clock.settle();
      // The master lost: the re-registration says what the scheduler has now.
      const reregistered = harness.host.filters.expect({ name: 'ReregisterFramework' });
      harness.host.injectExited(scheduler.self(), harness.masterPid);
      await harness.clock.advance(10_000);
      const body = (await reregistered).body as { suppressedRoles?: string[] };
      expect([...(body.suppressedRoles ?? [])].sort()).to.deep.equal(['a', 'c']);
      await dispatch(scheduler, (actor) => actor.stop(true));
      expect(await outcome).to.deep.equal([undefined, 'the scheduler stopped (stopped) before the master answered UPDATE_FRAMEWORK']);
    });

    it('takes more suppressed roles than a message carries as a set: a role named 1,025 times is one (review: the scheduler was stopped)', async () => {
      expect(await update(harness, scheduler, { roles: ['a', 'c'] }, Array.from({ length: 1_025 }, () => 'c'))).to.equal(undefined);
      expect(scheduler.errors).to.deep.equal([]);
      const many = await update(harness, scheduler, { roles: ['a', 'c'] }, Array.from({ length: 1_025 }, (_, index) => `r${index}`));
      expect([many?.status, many?.message]).to.deep.equal([400, "'UpdateFramework' call is not valid: at most 1024 suppressed roles (got 1025)"]);
      expect(scheduler.errors).to.deep.equal([]);
    });

    it('a MULTI_ROLE framework may leave every role (as Mesos): it is offered nothing, and its task runs on; a framework without MULTI_ROLE may not (v1 walkthrough)', async () => {
      const held = scheduler.held()[0]!;
      expect(await update(harness, scheduler, { roles: [] })).to.equal(undefined);
      expect(scheduler.rescinded).to.deep.equal([held.id]);
      await nextAllocation(harness);
      await nextAllocation(harness);
      expect(scheduler.held()).to.deep.equal([]);
      expect(frameworkRoles(harness, scheduler.frameworkId)).to.deep.equal({ roles: [], tasks: ['t1:a'] });
      const single = await update(harness, scheduler, { roles: [], capabilities: [] });
      expect([single?.status, single?.message]).to.deep.equal([400, 'Supplied FrameworkInfo is not valid: Framework must subscribe to at least one role']);
      expect(await update(harness, scheduler, { roles: ['a'] })).to.equal(undefined);
      await nextAllocation(harness);
      expect(scheduler.held().map((offer) => offer.allocationRole)).to.deep.equal(['a']);
    });

    it('a scheduler that is not the framework\'s is not answered, and changes nothing', async () => {
      const intruder = new Probe('intruder', ['UpdateFrameworkAnswer']);
      harness.host.spawn(intruder);
      intruder.post(harness.masterPid, 'UpdateFrameworkCall', { frameworkId: scheduler.frameworkId!, framework: { ...scheduler.info(), roles: ['x'] }, requestId: '1' });
      await harness.clock.settle();
      expect(intruder.received).to.deep.equal([]);
      expect(frameworkRoles(harness, scheduler.frameworkId)).to.deep.equal({ roles: ['a', 'c'], tasks: ['t1:a'] });
      expect(harness.captured.records.some((record) => record.msg === "dropping message not sent by the framework's scheduler" && record.message === 'UpdateFrameworkCall')).to.equal(true);
    });

    it(`rejects after ${UPDATE_FRAMEWORK_TIMEOUT_MS / 1000} s without an answer (virtual clock)`, async () => {
      harness.host.filters.drop({ name: 'UpdateFrameworkCall' }, 'always');
      const outcome = dispatch(scheduler, (actor) => actor.updateFramework({ ...actor.info(), roles: ['b'] })).then(() => undefined, (error: FrameworkUpdateError) => error);
      await harness.clock.advance(UPDATE_FRAMEWORK_TIMEOUT_MS - 1);
      let settled = false;
      void outcome.then(() => { settled = true; });
      await harness.clock.settle();
      expect(settled).to.equal(false);
      await harness.clock.advance(1);
      const error = await outcome;
      expect(error).to.be.instanceOf(FrameworkUpdateError);
      expect(error?.status).to.equal(undefined);
      expect(error?.message).to.match(/no answer from the master to UPDATE_FRAMEWORK within 30 s/);
      // It keeps what it asked for (as Mesos' driver): its next re-registration asks again.
      expect(scheduler.info().roles).to.deep.equal(['b']);
    });
  });

  it('is refused (403) for a role the principal may not register with; allowed roles are taken', async () => {
    const credentials = new Map([['ops', 'ops-secret']]);
    const acls = {
      permissive: false,
      register_agents: [{ principals: { type: 'ANY' }, agents: { type: 'ANY' } }],
      register_frameworks: [{ principals: { values: ['ops'] }, roles: { values: ['prod', 'dev'] } }],
    };
    const flags: Partial<MasterFlags> = { credentials, authenticateFrameworks: true, acls: parseAcls(acls) };
    const harness = await startHarness(flags);
    await registerAgent(harness, 'cpus:1;mem:256');
    const scheduler = await holder(harness, { roles: ['prod'] }, { credential: { principal: 'ops', secret: 'ops-secret' } });
    const denied = await update(harness, scheduler, { roles: ['prod', 'secret'], capabilities: ['MULTI_ROLE'] });
    expect([denied?.status, denied?.message]).to.deep.equal([403, "Not authorized to update the framework: principal 'ops' is not authorized to register frameworks with role 'secret'"]);
    expect(await update(harness, scheduler, { roles: ['dev'] })).to.equal(undefined);
    expect(frameworkRoles(harness, scheduler.frameworkId)).to.deep.equal({ roles: ['dev'], tasks: [] });
  });

  it('counts UPDATE_FRAMEWORK in the framework\'s call metrics', async () => {
    const harness = await startHarness();
    const scheduler = await holder(harness, { roles: ['a'] });
    await update(harness, scheduler, { roles: ['b'] });
    const metrics = await metricsOf(harness);
    const key = Object.keys(metrics).find((name) => name.endsWith('/calls/update_framework'));
    expect(key, Object.keys(metrics).filter((name) => name.includes('/calls/')).join(', ')).to.not.equal(undefined);
    expect(metrics[key!]).to.equal(1);
  });

  describe('across a master failover (real agent, simulated executor)', () => {
    let cluster: Cluster | undefined;
    afterEach(async () => {
      await cluster?.host.stop();
      cluster = undefined;
    });

    /** Launches one long task on its first offer; holds the rest. */
    class OneLongTask extends Holder {
      private launched = false;
      protected override resourceOffers(offers: Offer[]): void {
        super.resourceOffers(offers);
        const first = offers[0];
        if (this.launched || first === undefined) return;
        this.launched = true;
        this.launchOne(first, 'long', 'cpus:1;mem:64');
      }
    }

    it('a task in a role its framework left is reported by its agent in that role: the new master keeps it allocated there (not offered), and offers the rest in the new role', async () => {
      cluster = await startCluster({ agents: ['cpus:4;mem:1024'], seed: 11 });
      const { host, clock } = cluster;
      const scheduler = new OneLongTask({ id: 'moving', master: cluster.masterAddress, framework: { name: 'moving', user: 'u', roles: ['a'], capabilities: ['MULTI_ROLE'], failoverTimeout: 3_600 } });
      host.spawn(scheduler);
      await clock.advance(5_000);
      const outcome = dispatch(scheduler, (actor) => actor.updateFramework({ ...actor.info(), roles: ['b'] }));
      await clock.settle();
      expect(await outcome).to.equal(undefined);
      await restartMaster(cluster);
      await clock.advance(30_000);
      const offered = scheduler.held().filter((offer) => offer.allocationRole === 'b').map((offer) => Resources.fromJSON(offer.resources));
      expect([offered.at(-1)?.scalar('cpus'), offered.at(-1)?.scalar('mem')]).to.deep.equal([3, 960]);
      const holdings = await cluster.master.allocator.holdings(scheduler.frameworkId!);
      expect(holdings.filter((holding) => holding.role === 'a').map((holding) => holding.resources.format())).to.deep.equal(['cpus:1;mem:64']);
      // The task ends: its role is forgotten, everything is offered in b.
      await dispatch(scheduler, (actor) => actor.kill('long'));
      await clock.advance(5_000);
      expect((await cluster.master.allocator.holdings(scheduler.frameworkId!)).map((holding) => holding.role)).to.not.include('a');
    });
  });

  it('a new master learns the framework from its agents as UPDATE_FRAMEWORK left it (its agents are told: review), and keeps it for its new failover timeout', async () => {
    const cluster = await startCluster({ agents: ['cpus:4;mem:1024'], seed: 11 });
    try {
      const { host, clock } = cluster;
      const scheduler = new Holder({ id: 'renamed', master: cluster.masterAddress, framework: { name: 'moving', user: 'u', roles: ['a'], capabilities: ['MULTI_ROLE'], failoverTimeout: 10 } });
      host.spawn(scheduler);
      await clock.advance(5_000);
      scheduler.launchOne(scheduler.held()[0]!, 'long', 'cpus:1;mem:64');
      await clock.advance(5_000);
      const outcome = dispatch(scheduler, (actor) => actor.updateFramework({ ...actor.info(), name: 'renamed', roles: ['b'], failoverTimeout: 86_400 }));
      await clock.settle();
      expect(await outcome).to.equal(undefined);
      await dispatch(scheduler, (actor) => actor.stop(true));
      await clock.settle();
      await restartMaster(cluster);
      await clock.advance(20_000);
      const recovered = (): { name: string; roles?: string[]; failover_timeout: number } | undefined => {
        const state = cluster.master.master.stateJson() as { frameworks: Array<{ id: string; name: string; roles?: string[]; failover_timeout: number }> };
        return state.frameworks.find((candidate) => candidate.id === scheduler.frameworkId);
      };
      expect(recovered()).to.deep.include({ name: 'renamed', roles: ['b'], failover_timeout: 86_400 });
      await clock.advance(cluster.masterFlags.agentReregisterTimeoutMs + 60_000);
      expect(recovered(), 'kept for its new failover timeout').to.not.equal(undefined);
    } finally {
      await cluster.host.stop();
    }
  });
});
