/**
 * Issue 9: frameworks and agents authenticate to the master by a mutual HMAC challenge–response
 * (lib/authentication.ts) before they may register, when the master asks for it. Under the
 * virtual clock, with the real Scheduler base and the real Agent against a real master.
 */
import { expect } from 'chai';
import type { UPID } from '../../../lib/actor';
import { authenticationProof, newNonce, parseCredentials } from '../../../lib/authentication';
import { Resources } from '../../../lib/resources';
import type { FrameworkInfo } from '../../../lib/protocol';
import { Scheduler, type SchedulerOptions } from '../../../actors/framework/scheduler';
import { Agent, defaultAgentFlags } from '../../../actors/agent';
import { AUTHENTICATION_TIMEOUT_MS, AuthenticationSessions, MAX_PENDING_AUTHENTICATIONS_PER_PEER, WRONG_CREDENTIALS } from '../../../actors/master/authentication';
import { UNAUTHENTICATED_OFFER_TIMEOUT_MS } from '../../../actors/master/constants';
import { Probe } from '../../support/runtime';
import { FakeLauncher } from '../agent/harness';
import { cleanUp, commandTask, FRAMEWORK_MESSAGES, registerAgent, startHarness, type Harness } from './harness';
import { parseAcls } from '../../../actors/master';

const CREDENTIALS = new Map([['ops', 'kitesurf'], ['agent', 'agent-secret']]);
const AUTHENTICATION_ANSWERS = ['AuthenticationChallenge', 'AuthenticationCompleted', 'AuthenticationFailed'];

/** A scheduler that records what it is told. */
class Recording extends Scheduler {
  readonly events: string[] = [];
  protected override registered(frameworkId: string): void { this.events.push(`registered ${frameworkId}`); }
  protected override error(message: string): void { this.events.push(`error ${message}`); }
}

/** A scheduler with the credential of `ops` whose master is probe `name` (the test answers for it), started and settled. */
async function schedulerOfProbeMaster(name: string): Promise<{ harness: Harness; master: Probe; scheduler: Recording }> {
  const harness = await startHarness();
  const master = new Probe(name, ['Authenticate', 'AuthenticationResponse', 'RegisterFramework']);
  const masterPid = harness.host.spawn(master);
  const scheduler = new Recording({ master: masterPid.toString(), framework: { name: 'f', user: 'u' }, credential: { principal: 'ops', secret: 'kitesurf' } });
  harness.host.spawn(scheduler);
  await harness.clock.settle();
  return { harness, master, scheduler };
}

let nextScheduler = 1;

function schedulerFor(harness: Harness, options: Partial<SchedulerOptions> = {}): Recording {
  const scheduler = new Recording({ master: harness.masterPid.toString(), framework: { name: 'secure', user: 'nobody' }, id: `scheduler-${nextScheduler++}`, ...options });
  harness.host.spawn(scheduler);
  return scheduler;
}

/** A scheduler that holds every offer it gets, and counts offers and rescinds. */
class OfferHolder extends Scheduler {
  offers = 0;
  rescinded = 0;
  protected override resourceOffers(offers: unknown[]): void { this.offers += offers.length; }
  protected override offerRescinded(): void { this.rescinded += 1; }
}

/** A raw client that speaks the exchange by hand, to try what a real client never would. */
class RawClient extends Probe {
  constructor(id: string, names: readonly string[] = [...AUTHENTICATION_ANSWERS, ...FRAMEWORK_MESSAGES]) {
    super(id, [...names]);
  }

  last(name: string): Record<string, string> | undefined {
    return [...this.received].reverse().find((received) => received.name === name)?.body as Record<string, string> | undefined;
  }

  /** Starts an exchange as `principal`; resolves the client's nonce and the master's challenge. */
  async start(harness: Harness, principal = 'ops'): Promise<{ clientNonce: string; serverNonce: string }> {
    const clientNonce = newNonce();
    this.post(harness.masterPid, 'Authenticate', { principal, clientNonce });
    await harness.clock.settle();
    return { clientNonce, serverNonce: this.last('AuthenticationChallenge')?.serverNonce as string };
  }

  proof(master: UPID, principal: string, secret: string, clientNonce: string, serverNonce: string): string {
    return authenticationProof('client', { principal, secret, clientPid: this.self().toString(), masterPid: master.toString(), clientNonce, serverNonce });
  }
}

describe('actors/master: authentication (issue 9)', () => {
  afterEach(cleanUp);

  it('a scheduler with the right credential authenticates, then registers under its principal; the master counts it', async () => {
    const harness = await startHarness({ authenticateFrameworks: true, credentials: CREDENTIALS });
    const scheduler = schedulerFor(harness, { credential: { principal: 'ops', secret: 'kitesurf' } });
    await harness.clock.settle();
    expect(scheduler.events).to.have.length(1);
    expect(scheduler.events[0]).to.match(/^registered /);
    const state = harness.handle.master.stateJson() as { frameworks: Array<{ principal?: string }> };
    expect(state.frameworks.map((framework) => framework.principal)).to.deep.equal(['ops']);
    expect(harness.handle.master.metrics()).to.include({ 'mesos_ts/master/authentication_successes': 1, 'mesos_ts/master/authentication_failures': 0 });
  });

  it('a wrong secret is an error naming the refusal, and the scheduler stops instead of waiting', async () => {
    const harness = await startHarness({ authenticateFrameworks: true, credentials: CREDENTIALS });
    const scheduler = schedulerFor(harness, { credential: { principal: 'ops', secret: 'guess' } });
    await harness.clock.settle();
    expect(scheduler.events).to.deep.equal([`error Master refused authentication as 'ops': ${WRONG_CREDENTIALS}`]);
    expect(harness.handle.master.stateJson()).to.have.property('frameworks').that.is.empty;
  });

  it('an unknown principal is refused in the same words as a wrong secret (principals cannot be probed)', async () => {
    const harness = await startHarness({ authenticateFrameworks: true, credentials: CREDENTIALS });
    const scheduler = schedulerFor(harness, { credential: { principal: 'nobody-knows', secret: 'x' } });
    await harness.clock.settle();
    expect(scheduler.events).to.deep.equal([`error Master refused authentication as 'nobody-knows': ${WRONG_CREDENTIALS}`]);
  });

  it('a framework that did not authenticate is refused with a FrameworkError naming the flag', async () => {
    const harness = await startHarness({ authenticateFrameworks: true, credentials: CREDENTIALS });
    const scheduler = schedulerFor(harness);
    await harness.clock.settle();
    expect(scheduler.events).to.have.length(1);
    expect(scheduler.events[0]).to.match(/^error Framework at scheduler-.* is not authenticated \(this master requires --authenticate_frameworks\)$/);
    expect(harness.handle.master.metrics()['mesos_ts/master/unauthenticated_registrations_refused']).to.equal(1);
  });

  it('without --authenticate_frameworks an unauthenticated framework registers, and an authenticated one still must use its own principal', async () => {
    const harness = await startHarness({ credentials: CREDENTIALS });
    const open = schedulerFor(harness);
    const lying = schedulerFor(harness, { credential: { principal: 'ops', secret: 'kitesurf' }, framework: { name: 'liar', user: 'nobody', principal: 'agent' } });
    await harness.clock.settle();
    expect(open.events[0]).to.match(/^registered /);
    expect(lying.events).to.deep.equal(["error Framework principal 'agent' does not match authenticated principal 'ops'"]);
  });

  it('a replayed proof is refused: each challenge is answered once, and a new one has a new nonce', async () => {
    const harness = await startHarness({ authenticateFrameworks: true, credentials: CREDENTIALS });
    const client = new RawClient('raw-client');
    harness.host.spawn(client);
    const { clientNonce, serverNonce: first } = await client.start(harness);
    const proof = client.proof(harness.masterPid, 'ops', 'kitesurf', clientNonce, first);
    client.post(harness.masterPid, 'AuthenticationResponse', { clientProof: proof });
    await harness.clock.settle();
    expect(client.count('AuthenticationCompleted')).to.equal(1);
    // The same proof again, with no exchange in progress, then against a fresh challenge.
    client.post(harness.masterPid, 'AuthenticationResponse', { clientProof: proof });
    client.post(harness.masterPid, 'Authenticate', { principal: 'ops', clientNonce });
    await harness.clock.settle();
    const second = client.last('AuthenticationChallenge')?.serverNonce as string;
    expect(second).to.not.equal(first);
    client.post(harness.masterPid, 'AuthenticationResponse', { clientProof: proof });
    await harness.clock.settle();
    expect(client.received.filter((r) => r.name === 'AuthenticationFailed').map((r) => (r.body as { reason: string }).reason)).to.deep.equal([
      'no authentication in progress (it expired, or was answered already)', WRONG_CREDENTIALS,
    ]);
    // A new Authenticate also dropped the earlier authentication: the pid must complete the new one to register.
    client.post(harness.masterPid, 'RegisterFramework', { framework: { name: 'raw', user: 'u', principal: 'ops' } as FrameworkInfo });
    await harness.clock.settle();
    expect(client.count('FrameworkError')).to.equal(1);
  });

  it('a proof made for another pid is refused (a proof is bound to the client and the master it names)', async () => {
    const harness = await startHarness({ authenticateFrameworks: true, credentials: CREDENTIALS });
    const client = new RawClient('raw-client');
    harness.host.spawn(client);
    const { clientNonce, serverNonce } = await client.start(harness);
    const proof = authenticationProof('client', { principal: 'ops', secret: 'kitesurf', clientPid: 'someone-else@127.0.0.1:1', masterPid: harness.masterPid.toString(), clientNonce, serverNonce });
    client.post(harness.masterPid, 'AuthenticationResponse', { clientProof: proof });
    await harness.clock.settle();
    expect(client.last('AuthenticationFailed')).to.deep.equal({ reason: WRONG_CREDENTIALS, clientNonce });
  });

  it(`an exchange expires after AUTHENTICATION_TIMEOUT_MS (${AUTHENTICATION_TIMEOUT_MS} ms of virtual time)`, async () => {
    const harness = await startHarness({ authenticateFrameworks: true, credentials: CREDENTIALS });
    const client = new RawClient('raw-client');
    harness.host.spawn(client);
    const { clientNonce, serverNonce } = await client.start(harness);
    await harness.clock.advance(AUTHENTICATION_TIMEOUT_MS + 1);
    client.post(harness.masterPid, 'AuthenticationResponse', { clientProof: client.proof(harness.masterPid, 'ops', 'kitesurf', clientNonce, serverNonce) });
    await harness.clock.settle();
    expect(client.last('AuthenticationFailed')?.reason).to.match(/expired/);
  });

  it('exchanges started before the clock was set back do not hold their slots for the step (audit of clock set-back hazards)', () => {
    const sessions = new AuthenticationSessions(new Map([['p', 's']]), 'master@127.0.0.1:5050');
    const hourMs = 3_600_000;
    for (let index = 0; index < MAX_PENDING_AUTHENTICATIONS_PER_PEER; index++) {
      expect(sessions.start(`c${index}@10.0.0.1:1`, '10.0.0.1', 'p', 'n', hourMs)).to.have.property('serverNonce');
    }
    expect(sessions.start('late@10.0.0.1:1', '10.0.0.1', 'p', 'n', hourMs + 1)).to.have.property('reason');
    // The clock now reads an hour less: the exchanges started before are gone after their timeout, not an hour later.
    expect(sessions.start('after@10.0.0.1:1', '10.0.0.1', 'p', 'n', AUTHENTICATION_TIMEOUT_MS)).to.have.property('serverNonce');
  });

  it(`one peer may have at most MAX_PENDING_AUTHENTICATIONS_PER_PEER (${MAX_PENDING_AUTHENTICATIONS_PER_PEER}) exchanges in progress`, async () => {
    const harness = await startHarness({ authenticateFrameworks: true, credentials: CREDENTIALS });
    const clients = Array.from({ length: MAX_PENDING_AUTHENTICATIONS_PER_PEER + 1 }, (_, index) => new RawClient(`raw-${index}`));
    for (const client of clients) {
      harness.host.spawn(client);
      client.post(harness.masterPid, 'Authenticate', { principal: 'ops', clientNonce: newNonce() });
    }
    await harness.clock.settle();
    expect(clients.filter((client) => client.count('AuthenticationChallenge') === 1)).to.have.length(MAX_PENDING_AUTHENTICATIONS_PER_PEER);
    expect(clients.at(-1)?.last('AuthenticationFailed')?.reason).to.match(/too many authentications in progress from/);
  });

  it('a scheduler refuses a master that cannot prove it knows the secret (a rogue master)', async () => {
    const { harness, master: rogue, scheduler } = await schedulerOfProbeMaster('rogue-master');
    const roguePid = rogue.self();
    rogue.post(scheduler.self(), 'AuthenticationChallenge', { serverNonce: newNonce() });
    await harness.clock.settle();
    expect(rogue.count('AuthenticationResponse')).to.equal(1);
    rogue.post(scheduler.self(), 'AuthenticationCompleted', { serverProof: newNonce() });
    await harness.clock.settle();
    expect(scheduler.events).to.deep.equal([`error Master refused authentication as 'ops': the master at ${roguePid.toString()} could not prove it knows the secret of 'ops'`]);
    expect(rogue.count('RegisterFramework')).to.equal(0);
  });

  // A stale challenge answered failed the exchange in progress at the master ("wrong principal or secret") and stopped
  // the client: seen on real processes at a failover, when an Authenticate reached the master after its sender had
  // started another exchange.
  it('a scheduler answers only the challenge to its exchange in progress: one naming a client nonce it gave up is ignored', async () => {
    const { harness, master, scheduler } = await schedulerOfProbeMaster('slow-master');
    const nonces = (): string[] => master.received.filter((r) => r.name === 'Authenticate').map((r) => (r.body as { clientNonce: string }).clientNonce);
    expect(nonces()).to.have.length(1);
    // No answer in time: the scheduler gives the exchange up and starts another.
    for (let step = 0; step < 60 && nonces().length < 2; step++) await harness.clock.advance(1_000);
    const [given, current] = nonces() as [string, string];
    expect(current).to.be.a('string').and.not.equal(given);
    master.post(scheduler.self(), 'AuthenticationChallenge', { serverNonce: newNonce(), clientNonce: given });
    await harness.clock.settle();
    expect(master.count('AuthenticationResponse'), 'the stale challenge is not answered').to.equal(0);
    master.post(scheduler.self(), 'AuthenticationChallenge', { serverNonce: newNonce(), clientNonce: current });
    await harness.clock.settle();
    expect(master.count('AuthenticationResponse')).to.equal(1);
    expect(scheduler.events).to.deep.equal([]);
  });

  it('the master forgets a principal when the link its proof was bound to breaks: a newcomer at that pid must authenticate', async () => {
    const harness = await startHarness({ authenticateFrameworks: true, credentials: CREDENTIALS });
    const scheduler = schedulerFor(harness, { credential: { principal: 'ops', secret: 'kitesurf' } });
    await harness.clock.settle();
    expect(scheduler.events[0]).to.match(/^registered /);
    // The scheduler's actor goes (as its link would): the master is told it exited.
    harness.host.terminate(scheduler);
    await harness.clock.settle();
    const newcomer = new RawClient(scheduler.self().id);
    harness.host.spawn(newcomer);
    newcomer.post(harness.masterPid, 'RegisterFramework', { framework: { name: 'newcomer', user: 'u', principal: 'ops' } as FrameworkInfo });
    await harness.clock.settle();
    expect(newcomer.last('FrameworkError')?.message).to.match(/is not authenticated/);
    const again = schedulerFor(harness, { credential: { principal: 'ops', secret: 'kitesurf' } });
    await harness.clock.settle();
    expect(again.events[0]).to.match(/^registered /);
  });

  describe('failover keeps the principal (review)', () => {
    const TWO = new Map([...CREDENTIALS, ['eve', 'eve-secret']]);

    /** A raw client at `id` that authenticated as `principal`. */
    async function authenticatedClient(harness: Harness, id: string, principal: string, secret: string): Promise<RawClient> {
      const client = new RawClient(id);
      harness.host.spawn(client);
      const clientNonce = newNonce();
      client.post(harness.masterPid, 'Authenticate', { principal, clientNonce });
      await harness.clock.settle();
      const serverNonce = client.last('AuthenticationChallenge')?.serverNonce as string;
      client.post(harness.masterPid, 'AuthenticationResponse', { clientProof: client.proof(harness.masterPid, principal, secret, clientNonce, serverNonce) });
      await harness.clock.settle();
      expect(client.count('AuthenticationCompleted')).to.equal(1);
      return client;
    }

    async function victim(harness: Harness): Promise<{ scheduler: Recording; frameworkId: string }> {
      const scheduler = schedulerFor(harness, { credential: { principal: 'ops', secret: 'kitesurf' }, framework: { name: 'victim', user: 'nobody', principal: 'ops', failoverTimeout: 3600 } });
      await harness.clock.settle();
      const frameworkId = /^registered (.*)$/.exec(scheduler.events[0] ?? '')?.[1] as string;
      expect(frameworkId).to.be.a('string');
      return { scheduler, frameworkId };
    }

    function schedulerPidOf(harness: Harness, frameworkId: string): string | undefined {
      const state = harness.handle.master.stateJson() as { frameworks: Array<{ id: string; pid?: string; principal?: string; user?: string }> };
      return state.frameworks.find((framework) => framework.id === frameworkId)?.pid;
    }

    it("another principal cannot fail over (take over) a framework: Mesos' \"Changing framework's principal is not allowed.\"", async () => {
      const harness = await startHarness({ credentials: TWO });
      const { scheduler, frameworkId } = await victim(harness);
      const eve = await authenticatedClient(harness, 'eve-scheduler', 'eve', 'eve-secret');
      eve.post(harness.masterPid, 'ReregisterFramework', { framework: { id: frameworkId, name: 'victim', user: 'nobody', principal: 'eve', failoverTimeout: 3600 } as FrameworkInfo, failover: true });
      await harness.clock.settle();
      expect(eve.count('FrameworkReregistered')).to.equal(0);
      expect(eve.last('FrameworkError')?.message).to.equal("Changing framework's principal is not allowed.");
      expect(schedulerPidOf(harness, frameworkId)).to.equal(scheduler.self().toString());
      expect(scheduler.events).to.have.length(1);
    });

    it('an unauthenticated scheduler cannot drop the principal of a framework by failing it over', async () => {
      const harness = await startHarness({ credentials: TWO });
      const { scheduler, frameworkId } = await victim(harness);
      const anonymous = new RawClient('anonymous-scheduler');
      harness.host.spawn(anonymous);
      anonymous.post(harness.masterPid, 'ReregisterFramework', { framework: { id: frameworkId, name: 'victim', user: 'nobody', failoverTimeout: 3600 } as FrameworkInfo, failover: true });
      await harness.clock.settle();
      expect(anonymous.last('FrameworkError')?.message).to.equal("Changing framework's principal is not allowed.");
      expect(schedulerPidOf(harness, frameworkId)).to.equal(scheduler.self().toString());
    });

    it('an unauthenticated scheduler claiming the proven principal cannot take the framework over, even once its scheduler is gone (review)', async () => {
      const harness = await startHarness({ credentials: TWO });
      const { scheduler, frameworkId } = await victim(harness);
      const anonymous = new RawClient('claims-ops');
      harness.host.spawn(anonymous);
      const takeOver = (): void => anonymous.post(harness.masterPid, 'ReregisterFramework', { framework: { id: frameworkId, name: 'victim', user: 'nobody', principal: 'ops', failoverTimeout: 3600 } as FrameworkInfo, failover: true });
      takeOver();
      await harness.clock.settle();
      expect(anonymous.last('FrameworkError')?.message).to.match(/was registered by a scheduler authenticated as 'ops': a scheduler taking it over must authenticate as 'ops'/);
      expect(schedulerPidOf(harness, frameworkId)).to.equal(scheduler.self().toString());
      // The scheduler goes away (its authentication with it); the framework waits for its failover: still not for the taking.
      harness.host.terminate(scheduler.self());
      await harness.clock.settle();
      takeOver();
      await harness.clock.settle();
      expect(anonymous.count('FrameworkError')).to.equal(2);
      expect(anonymous.count('FrameworkReregistered')).to.equal(0);
    });

    it('a registered pid that re-authenticates as another principal is not authorized as either for its tasks (run_tasks sees no principal)', async () => {
      // eve may run tasks as 'nobody'; ops may not. ops's framework must not pick up eve's rights.
      const acls = parseAcls({ permissive: false, register_agents: [{ principals: { type: 'ANY' }, agents: { type: 'ANY' } }], register_frameworks: [{ principals: { type: 'ANY' }, roles: { type: 'ANY' } }], run_tasks: [{ principals: { values: ['eve'] }, users: { values: ['nobody'] } }] });
      const harness = await startHarness({ credentials: TWO, acls });
      const client = await authenticatedClient(harness, 'two-faced', 'ops', 'kitesurf');
      client.post(harness.masterPid, 'RegisterFramework', { framework: { name: 'two-faced', user: 'nobody', principal: 'ops' } as FrameworkInfo });
      await harness.clock.settle();
      const frameworkId = (client.last('FrameworkRegistered') as unknown as { frameworkId: string }).frameworkId;
      // The same pid authenticates again, now as eve, and launches in ops's framework.
      const clientNonce = newNonce();
      client.post(harness.masterPid, 'Authenticate', { principal: 'eve', clientNonce });
      await harness.clock.settle();
      const serverNonce = client.last('AuthenticationChallenge')?.serverNonce as string;
      client.post(harness.masterPid, 'AuthenticationResponse', { clientProof: client.proof(harness.masterPid, 'eve', 'eve-secret', clientNonce, serverNonce) });
      const agent = await registerAgent(harness);
      const offer = (client.received.filter((r) => r.name === 'ResourceOffers').flatMap((r) => (r.body as { offers: Array<{ id: string }> }).offers))[0];
      expect(offer).to.not.equal(undefined);
      client.post(harness.masterPid, 'LaunchTasks', { frameworkId, offerIds: [offer?.id], tasks: [commandTask('t1', agent.agentId)] });
      await harness.clock.settle();
      const statuses = client.received.filter((r) => r.name === 'StatusUpdate').map((r) => (r.body as { update: { status: { state: string; reason?: string } } }).update.status);
      expect(agent.probe.received.filter((r) => r.name === 'RunTask'), "eve's rights launched the task").to.have.length(0);
      expect(statuses.map((status) => [status.state, status.reason])).to.deep.equal([['TASK_ERROR', 'REASON_TASK_UNAUTHORIZED']]);
    });

    it("a re-registration cannot change the framework's user or checkpointing: the new values are ignored, as Mesos' preserveImmutableFields does (MESOS-703), and the failover goes on", async () => {
      const harness = await startHarness({ credentials: TWO });
      const { frameworkId } = await victim(harness);
      const same = await authenticatedClient(harness, 'ops-failover', 'ops', 'kitesurf');
      same.post(harness.masterPid, 'ReregisterFramework', { framework: { id: frameworkId, name: 'victim', user: 'root', principal: 'ops', failoverTimeout: 3600, checkpoint: true } as FrameworkInfo, failover: true });
      await harness.clock.settle();
      expect(same.count('FrameworkError')).to.equal(0);
      expect(same.count('FrameworkReregistered'), 'the same principal may fail over').to.equal(1);
      expect(schedulerPidOf(harness, frameworkId)).to.equal(same.self().toString());
      const state = harness.handle.master.stateJson() as { frameworks: Array<{ id: string; user: string; checkpoint: boolean }> };
      expect(state.frameworks.find((entry) => entry.id === frameworkId)).to.include({ user: 'nobody', checkpoint: false });
      expect(harness.captured.find('the new values are ignored')).to.have.length(1);
    });
  });

  describe('flood control knows who authenticated', () => {
    it('the per-peer cap applies only to frameworks that did not authenticate', async () => {
      const harness = await startHarness({ credentials: CREDENTIALS, maxFrameworksPerPeer: 1 });
      const first = schedulerFor(harness);
      const second = schedulerFor(harness);
      const proven = schedulerFor(harness, { credential: { principal: 'ops', secret: 'kitesurf' } });
      await harness.clock.settle();
      expect(first.events[0]).to.match(/^registered /);
      expect(second.events[0]).to.match(/^error Too many frameworks from .*max_frameworks_per_peer\(1\) reached/);
      expect(proven.events[0]).to.match(/^registered /);
    });

    it(`offers to an authenticated framework do not time out; to others after UNAUTHENTICATED_OFFER_TIMEOUT_MS (${UNAUTHENTICATED_OFFER_TIMEOUT_MS} ms)`, async () => {
      const harness = await startHarness({ credentials: CREDENTIALS, offerTimeoutMs: undefined });
      await registerAgent(harness, 'cpus:2;mem:512');
      const proven = new OfferHolder({ master: harness.masterPid.toString(), id: 'holder-proven', framework: { name: 'p', user: 'u' }, credential: { principal: 'ops', secret: 'kitesurf' } });
      harness.host.spawn(proven);
      await harness.clock.advance(UNAUTHENTICATED_OFFER_TIMEOUT_MS * 3);
      expect(proven.rescinded).to.equal(0);
      expect(proven.offers).to.equal(1);
      harness.host.terminate(proven);
      await harness.clock.settle();
      const anonymous = new OfferHolder({ master: harness.masterPid.toString(), id: 'holder-anonymous', framework: { name: 'a', user: 'u' } });
      harness.host.spawn(anonymous);
      await harness.clock.advance(UNAUTHENTICATED_OFFER_TIMEOUT_MS * 3);
      expect(anonymous.rescinded).to.be.at.least(2);
    });
  });

  describe('agents', () => {
    function agentFor(harness: Harness, credential?: { principal: string; secret: string }): Agent {
      const agent = new Agent({
        id: harness.host.uniqueId('slave'),
        flags: defaultAgentFlags({ master: harness.masterPid.toString(), workDir: '/unused' }),
        resources: Resources.parse('cpus:2;mem:1024'), attributes: {}, hostname: 'agent-host',
        launcher: new FakeLauncher(), commandExecutor: { value: '/bin/true', shell: false },
        ...(credential !== undefined ? { credential } : {}),
      });
      harness.host.spawn(agent);
      return agent;
    }

    it('an agent with its credential authenticates and is admitted', async () => {
      const harness = await startHarness({ authenticateAgents: true, credentials: CREDENTIALS });
      agentFor(harness, { principal: 'agent', secret: 'agent-secret' });
      await harness.clock.advance(5_000);
      const state = harness.handle.master.stateJson() as { slaves: unknown[] };
      expect(state.slaves).to.have.length(1);
    });

    it('an agent without a credential is refused and told why (Shutdown naming the flag), and nothing is admitted', async () => {
      const harness = await startHarness({ authenticateAgents: true, credentials: CREDENTIALS });
      const agent = agentFor(harness);
      await harness.clock.advance(5_000);
      expect((harness.handle.master.stateJson() as { slaves: unknown[] }).slaves).to.have.length(0);
      expect(harness.host.lookup(agent.self().id)).to.equal(undefined);
      expect(harness.captured.find('agent shutting down').map((line) => line.reason)).to.deep.equal([
        'the master asked: Agent is not authenticated: this master requires --authenticate_agents; start the agent with --credential (or --principal and --secret)',
      ]);
    });

    // Review: the master forgets a pid's authentication when its link breaks; a RegisterAgent the
    // agent retried before it heard of the break was answered with a Shutdown, which a rightly
    // configured agent obeys. Now dropped (as Mesos drops every one); the agent authenticates again.
    it('a RegisterAgent from a pid whose authentication lapsed with its link is dropped, not answered with a Shutdown; a pid that never authenticated still is', async () => {
      const harness = await startHarness({ authenticateAgents: true, credentials: CREDENTIALS });
      const info = { hostname: 'agent-host', port: 5051, resources: Resources.parse('cpus:2;mem:1024').toJSON() };
      const names = [...AUTHENTICATION_ANSWERS, 'Shutdown', 'AgentRegistered'];
      const agent = new RawClient('slave(7)', names);
      harness.host.spawn(agent);
      const { clientNonce, serverNonce } = await agent.start(harness, 'agent');
      agent.post(harness.masterPid, 'AuthenticationResponse', { clientProof: agent.proof(harness.masterPid, 'agent', 'agent-secret', clientNonce, serverNonce) });
      await harness.clock.settle();
      expect(agent.last('AuthenticationCompleted')).to.not.equal(undefined);
      // Its link breaks (the actor goes, as its link would); the same pid comes back with a retry sent before it knew.
      harness.host.terminate(agent);
      await harness.clock.settle();
      const retry = new RawClient('slave(7)', names);
      harness.host.spawn(retry);
      retry.post(harness.masterPid, 'RegisterAgent', { agent: info, version: '1.11.0' });
      await harness.clock.settle();
      expect(retry.last('Shutdown'), 'no Shutdown to a pid whose authentication lapsed').to.equal(undefined);
      expect(retry.last('AgentRegistered')).to.equal(undefined);
      const stranger = new RawClient('slave(8)', names);
      harness.host.spawn(stranger);
      stranger.post(harness.masterPid, 'RegisterAgent', { agent: info, version: '1.11.0' });
      await harness.clock.settle();
      expect(stranger.last('Shutdown')?.message).to.match(/^Agent is not authenticated/);
      expect((harness.handle.master.stateJson() as { slaves: unknown[] }).slaves).to.have.length(0);
    });

    it('an agent with a wrong secret shuts down with the master\'s reason', async () => {
      const harness = await startHarness({ authenticateAgents: true, credentials: CREDENTIALS });
      const agent = agentFor(harness, { principal: 'agent', secret: 'wrong' });
      await harness.clock.advance(5_000);
      expect(harness.host.lookup(agent.self().id)).to.equal(undefined);
      expect(harness.captured.find('agent shutting down').map((line) => line.reason)).to.deep.equal([`the master refused authentication as 'agent': ${WRONG_CREDENTIALS}`]);
    });
  });

  describe('credentials files (Mesos format)', () => {
    it('parses {"credentials": [{principal, secret}]}', () => {
      expect([...parseCredentials('{"credentials": [{"principal": "a", "secret": "s"}]}', 'test')]).to.deep.equal([['a', 's']]);
    });

    for (const [text, error] of [
      ['not json', /test: not valid JSON/],
      ['{"credential": []}', /test: expected \{"credentials"/],
      ['{"credentials": [{"principal": "a"}]}', /credentials\[0\]: expected \{"principal"/],
      ['{"credentials": [{"principal": "", "secret": "s"}]}', /credentials\[0\]: the principal must not be empty/],
      ['{"credentials": [{"principal": "a", "secret": "s"}, {"principal": "a", "secret": "t"}]}', /credentials\[1\]: principal 'a' appears twice/],
    ] as const) {
      it(`refuses ${text} naming the problem`, () => {
        expect(() => parseCredentials(text, 'test')).to.throw(error);
      });
    }
  });
});
