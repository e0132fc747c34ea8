/**
 * Masters contending in ZooKeeper (`--zk`): three masters on real links, a simulated ZooKeeper,
 * an agent and a framework following the leader, all under the virtual clock.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { dispatch } from '../../../lib/actor';
import { MemoryZooKeeper } from '../../../lib/ha/memory-zookeeper';
import type { ZooKeeperClient, ZooKeeperConnector } from '../../../lib/ha/zookeeper';
import { MemoryDisk } from '../../../lib/disk';
import { describeDivergence, readTrace, VirtualClock, type ActorHost } from '../../../lib/process';
import type { Offer, TaskStatus } from '../../../lib/protocol';
import { Resources } from '../../../lib/resources';
import { defaultAgentFlags, MASTER_DETECTED_INPUT, replayAgent, startAgent, type AgentHandle } from '../../../actors/agent';
import { Scheduler } from '../../../actors/framework';
import { ContendingMaster } from '../../../actors/master/contend';
import { defaultMasterFlags, type MasterFlags } from '../../../actors/master/flags';
import type { Credential } from '../../../lib/authentication';
import { InProcessLauncher, SIMULATED_COMMAND_EXECUTOR_PATH, SIMULATED_DEFAULT_EXECUTOR_PATH, SIMULATED_MACHINE } from '../../cluster/simulation';
import { createLogger } from '../../../lib/logging';
import { netHost } from '../../support/runtime';
import { VERSION } from '../../../lib/version';

/** `CONTEND_LOG=debug npx mocha ...` shows what the hosts log. */
const logger = createLogger('contend', (process.env.CONTEND_LOG as 'debug' | undefined) ?? 'silent');

const ZK = 'zk://sim:2181/mesos';
const SESSION_MS = 10_000;

/** Launches one task on its first offer, and records every status. */
class OneTask extends Scheduler {
  readonly statuses: TaskStatus[] = [];
  private launched = false;

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      if (this.launched) { this.decline(offer.id); continue; }
      this.launched = true;
      this.launch(offer.id, [{ name: 'sleep', taskId: 't1', agentId: offer.agentId, resources: Resources.parse('cpus:1;mem:64').toJSON(), command: { value: 'sleep 1000' } }]);
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.statuses.push(status);
  }

  get registeredId(): string | undefined {
    return this.state === 'registered' ? this.frameworkId : undefined;
  }
}

interface MasterMachine {
  readonly host: ActorHost;
  readonly contending: ContendingMaster;
  /** Every ZooKeeper session this master opened (a test cuts them to play a crash or a partition). */
  readonly sessions: ZooKeeperClient[];
}

/** GETs `path` without following redirects: the status and the Location header. */
function rawGet(address: string, path: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(`http://${address}${path}`, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, location: response.headers.location, body }));
    }).on('error', reject);
  });
}

describe('actors/master/contend: masters contending in ZooKeeper (real links, simulated ZooKeeper, virtual clock)', () => {
  let clock: VirtualClock;
  let zk: MemoryZooKeeper;
  let hosts: ActorHost[];

  beforeEach(() => {
    clock = new VirtualClock();
    // No latency: with real sockets the clock is not `simulated`, and its settle waits for the
    // master's deferred registry writes before it moves time, so they must not need time to pass.
    zk = new MemoryZooKeeper(clock, { latencyMs: 0 });
    hosts = [];
  });

  afterEach(async () => {
    for (const host of hosts) await host.stop().catch(() => undefined);
  });

  /** While `holding`, a ZooKeeper session's close does not answer until `release` (ZooKeeper unreachable: a real client waits ZOOKEEPER_CLOSE_TIMEOUT_MS). */
  interface HeldCloses {
    holding: boolean;
    readonly waiting: Array<() => void>;
  }

  /** `client`, its first request sent `lateMs` of virtual time late (the others as they come). */
  function withFirstRequestLate(client: ZooKeeperClient, lateMs: number): ZooKeeperClient {
    let late = true;
    const requests = new Set(['exists', 'getData', 'getChildren', 'create', 'setData', 'remove', 'mkdirp', 'multi']);
    return new Proxy(client, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string' || !requests.has(property)) return typeof value === 'function' ? value.bind(target) : value;
        return (...args: unknown[]): Promise<unknown> => {
          const send = (): Promise<unknown> => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (!late) return send();
          late = false;
          return new Promise((resolve) => clock.setTimer(lateMs, () => resolve(undefined))).then(send);
        };
      },
    });
  }

  /**
   * @param closes holds the sessions' closes (see `HeldCloses`)
   * @param overrides the master's flags
   * @param slowRegistryMs the registry's session (each after the candidacy's) reaches ZooKeeper this long after it is opened: an election then takes that long
   */
  async function startMasterMachine(closes?: HeldCloses, overrides: Partial<MasterFlags> = {}, slowRegistryMs = 0): Promise<MasterMachine> {
    const host = await netHost({ clock, logger });
    hosts.push(host);
    const sessions: ZooKeeperClient[] = [];
    const connect: ZooKeeperConnector = (url, options) => {
      let client = zk.connect(url, options);
      sessions.push(client);
      if (slowRegistryMs > 0 && sessions.length > 1) client = withFirstRequestLate(client, slowRegistryMs);
      if (closes !== undefined) {
        const close = client.close.bind(client);
        client.close = () => (closes.holding ? new Promise<void>((resolve) => closes.waiting.push(() => { void close().then(resolve); })) : close());
      }
      return client;
    };
    const flags = { ...defaultMasterFlags('/unused'), hostname: 'localhost', ...overrides };
    const contending = ContendingMaster.start({ flags, host, zk: { url: { servers: 'sim:2181', path: '/mesos' }, connect, sessionTimeoutMs: SESSION_MS } });
    return { host, contending, sessions };
  }

  /** Two masters, the first started first: after `settleMs` the first leads and the second stands by (checked). */
  async function leaderAndStandby(settleMs: number, closes?: HeldCloses): Promise<[MasterMachine, MasterMachine]> {
    const first = await startMasterMachine(closes);
    await clock.advance(100);
    const second = await startMasterMachine();
    await clock.advance(settleMs);
    expect([first.contending.state, second.contending.state]).to.deep.equal(['leading', 'standby']);
    return [first, second];
  }

  async function startAgentMachine(tracePath?: string, credential?: Credential): Promise<AgentHandle> {
    const host = await netHost({ clock, logger });
    hosts.push(host);
    if (tracePath !== undefined) host.startTrace(tracePath);
    const disk = new MemoryDisk(clock);
    const flags = defaultAgentFlags({
      master: ZK, workDir: '/agent', resources: 'cpus:4;mem:4096', hostname: 'agent-1', commandExecutorPath: SIMULATED_COMMAND_EXECUTOR_PATH, defaultExecutorPath: SIMULATED_DEFAULT_EXECUTOR_PATH, recover: 'cleanup',
    });
    return startAgent({ flags, host, launcher: new InProcessLauncher(host).on(disk), disk, probe: SIMULATED_MACHINE, files: false, zooKeeper: zk.connect, ...(credential !== undefined ? { credential } : {}) });
  }

  async function startFramework(): Promise<OneTask> {
    const host = await netHost({ clock, logger });
    hosts.push(host);
    const scheduler = new OneTask({ master: ZK, zooKeeper: zk.connect, framework: { name: 'one', user: 'u', failoverTimeout: 3600 } });
    host.spawn(scheduler);
    return scheduler;
  }

  /** The master's agents and the framework's tasks as the leading master has them. */
  async function leaderView(machine: MasterMachine): Promise<{ agents: number; tasks: string[] }> {
    const leading = machine.contending.leading;
    if (leading === undefined) throw new Error('not leading');
    return dispatch(leading.master, (master) => {
      const state = (master as unknown as { state: { agents: Map<string, unknown>; frameworks: Map<string, { tasks: Map<string, { task: { state: string } }> }> } }).state;
      const tasks: string[] = [];
      for (const framework of state.frameworks.values()) for (const [id, tracked] of framework.tasks) tasks.push(`${id}:${tracked.task.state}`);
      return { agents: state.agents.size, tasks };
    });
  }

  it('the first master leads; the others stand by and redirect to it (307 with the port), /master/state too (Mesos)', async () => {
    const [first, second] = await leaderAndStandby(1_000);
    expect(first.contending.state).to.equal('leading');
    expect(second.contending.state).to.equal('standby');
    const redirect = await rawGet(second.host.address, '/master/redirect');
    expect(redirect.status).to.equal(307);
    expect(redirect.location).to.equal(`//localhost:${first.host.address.split(':')[1]}`);
    const state = await rawGet(second.host.address, '/master/state');
    expect([state.status, state.location]).to.deep.equal([307, `//localhost:${first.host.address.split(':')[1]}/master/state`]);
    const leaderState = JSON.parse((await rawGet(first.host.address, '/master/state')).body) as { leader: string };
    expect(leaderState.leader).to.equal(`master@${first.host.address}`);
    // A standby serves metrics too, saying it is not elected (as Mesos' non-elected master does).
    const standbyMetrics = JSON.parse((await rawGet(second.host.address, '/metrics/snapshot')).body) as Record<string, number>;
    expect(standbyMetrics['master/elected']).to.equal(0);
    expect(standbyMetrics['system/cpus_total']).to.be.greaterThan(0);
    expect(JSON.parse((await rawGet(first.host.address, '/metrics/snapshot')).body)).to.include({ 'master/elected': 1 });
  });

  it('a standby\'s host answers /version, /flags and /master/flags itself (its own flags, as Mesos\')', async () => {
    const [first, second] = await leaderAndStandby(1_000);
    expect([first.contending.state, second.contending.state]).to.deep.equal(['leading', 'standby']);
    const version = JSON.parse((await rawGet(second.host.address, '/version')).body) as { version: string };
    expect(version.version).to.equal(VERSION);
    const flags = JSON.parse((await rawGet(second.host.address, '/flags')).body) as { flags: Record<string, string> };
    expect(flags.flags).to.include({ hostname: 'localhost', agent_ping_timeout: '15secs' });
    const masterFlags = await rawGet(second.host.address, '/master/flags');
    expect(masterFlags.status).to.equal(200);
    expect(JSON.parse(masterFlags.body)).to.deep.equal(flags);
    await second.contending.stop();
    expect((await rawGet(second.host.address, '/version')).status, 'a stopped master leaves no actor behind').to.equal(404);
  });

  it('a standby asks for the credentials the leader asks for before it redirects: 401 for /master/state without them under --authenticate_http_readonly, 307 with them (Mesos authenticates first)', async () => {
    const secure: Partial<MasterFlags> = { credentials: new Map([['ops', 'ops-secret']]), authenticateHttpReadonly: true };
    const masters = [await startMasterMachine(undefined, secure)];
    await clock.advance(100);
    masters.push(await startMasterMachine(undefined, secure));
    await clock.advance(5_000);
    const [first, second] = masters as [MasterMachine, MasterMachine];
    expect([first.contending.state, second.contending.state]).to.deep.equal(['leading', 'standby']);
    expect((await rawGet(second.host.address, '/master/state')).status, 'no credentials').to.equal(401);
    const authorized = await new Promise<number>((resolve, reject) => {
      http.get(`http://${second.host.address}/master/state`, { headers: { authorization: `Basic ${Buffer.from('ops:ops-secret').toString('base64')}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(authorized, 'with credentials: the leader').to.equal(307);
    expect((await rawGet(second.host.address, '/master/redirect')).status, '/master/redirect asks nothing').to.equal(307);
  });

  it("/registrar(1)/registry: a standby's host answers {} (Mesos' registrar before it has a registry), the leader's its registry; elected, the standby answers its own", async () => {
    const [first, second] = await leaderAndStandby(1_000);
    await startAgentMachine();
    await clock.advance(10_000);
    const standby = await rawGet(second.host.address, '/registrar(1)/registry');
    expect([standby.status, JSON.parse(standby.body)]).to.deep.equal([200, {}]);
    type RegistryJson = { master: { info: { id: string } }; slaves?: { slaves: Array<{ info: { hostname: string } }> } };
    const leader = JSON.parse((await rawGet(first.host.address, '/registrar(1)/registry')).body) as RegistryJson;
    expect(leader.slaves?.slaves.map((agent) => agent.info.hostname)).to.have.length(1);
    await first.contending.stop();
    await clock.advance(SESSION_MS + 10_000);
    expect(second.contending.state).to.equal('leading');
    const elected = JSON.parse((await rawGet(second.host.address, '/registrar(1)/registry')).body) as RegistryJson;
    expect(elected.master.info.id, "the new leader's own info").to.not.equal(leader.master.info.id);
    expect(elected.slaves?.slaves.map((agent) => agent.info.hostname), 'the agent it recovered from the registry').to.deep.equal(leader.slaves?.slaves.map((agent) => agent.info.hostname));
    await second.contending.stop();
    expect((await rawGet(second.host.address, '/registrar(1)/registry')).status, 'a stopped master leaves no actor behind').to.equal(404);
  });

  it('the leader dies (kill -9): once its session expires another is elected, and the agent and framework re-register with it, the task still running', async () => {
    const masters = [await startMasterMachine()];
    await clock.advance(100);
    masters.push(await startMasterMachine(), await startMasterMachine());
    const agent = await startAgentMachine();
    const framework = await startFramework();
    await clock.advance(10_000);
    const [first, second, third] = masters as [MasterMachine, MasterMachine, MasterMachine];
    expect(first.contending.state).to.equal('leading');
    const frameworkId = framework.registeredId;
    expect(frameworkId).to.be.a('string');
    expect(framework.statuses.map((status) => status.state), JSON.stringify(framework.statuses)).to.include('TASK_RUNNING');
    expect(await leaderView(first)).to.deep.equal({ agents: 1, tasks: ['t1:TASK_RUNNING'] });

    // kill -9: the process is gone without a word; ZooKeeper learns it only when the session expires.
    for (const session of first.sessions) zk.partition(session);
    await first.host.stop();
    await clock.advance(SESSION_MS - 1_000);
    expect(second.contending.state).to.equal('standby');
    await clock.advance(2_000 + 5_000);
    expect(second.contending.state).to.equal('leading');
    expect(third.contending.state).to.equal('standby');
    await clock.advance(10_000);
    expect(framework.registeredId).to.equal(frameworkId);
    expect(await leaderView(second)).to.deep.equal({ agents: 1, tasks: ['t1:TASK_RUNNING'] });
    expect(framework.statuses.filter((status) => status.state !== 'TASK_RUNNING' && status.state !== 'TASK_STARTING')).to.deep.equal([]);
    expect(await dispatch(agent.agent, (actor) => (actor as unknown as { phase: string }).phase)).to.equal('RUNNING');
    // The new leader started (as a standby) with the others, and was elected later (both said as elected_time before).
    const times = JSON.parse((await rawGet(second.host.address, '/master/state')).body) as { start_time: number; elected_time: number };
    expect(times.elected_time - times.start_time).to.be.greaterThan((SESSION_MS - 1_000) / 1000);
  });

  it('a traced zk:// agent replays with zero divergence: each leader it detected is a recorded input, fed back', async () => {
    const tracePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'contend-trace-')), 'agent.trace');
    const masters = [await startMasterMachine()];
    await clock.advance(100);
    masters.push(await startMasterMachine());
    const agent = await startAgentMachine(tracePath);
    await clock.advance(5_000);
    const [first] = masters as [MasterMachine];
    for (const session of first.sessions) zk.partition(session);
    await first.host.stop();
    await clock.advance(SESSION_MS + 10_000);
    expect(await dispatch(agent.agent, (actor) => (actor as unknown as { master: { toString(): string } }).master.toString())).to.equal(`master@${masters[1]?.host.address}`);
    for (const host of hosts.splice(0)) await host.stop();
    const trace = readTrace(tracePath);
    const detections = trace.events.filter((event) => event.kind === 'input' && event.name === MASTER_DETECTED_INPUT);
    expect(detections.length, 'leaders detected').to.be.at.least(2);
    const result = await replayAgent(trace);
    expect(result.divergence, result.divergence ? describeDivergence(result.divergence) : '').to.equal(undefined);
    expect(result.matched).to.be.greaterThan(5);
  });

  it('a leader cut off from ZooKeeper steps down before another is elected: never two leaders at once', async () => {
    const masters = [await startMasterMachine()];
    await clock.advance(100);
    masters.push(await startMasterMachine());
    await startAgentMachine();
    await clock.advance(5_000);
    const [first, second] = masters as [MasterMachine, MasterMachine];
    expect(first.contending.state).to.equal('leading');
    for (const session of first.sessions) zk.partition(session);
    let mostLeaders = 0;
    for (let step = 0; step < 300; step++) {
      await clock.advance(100);
      mostLeaders = Math.max(mostLeaders, masters.filter((machine) => machine.contending.state === 'leading' || machine.contending.state === 'recovering').length);
    }
    expect(mostLeaders).to.equal(1);
    expect(first.contending.state).to.equal('standby');
    expect(second.contending.state).to.equal('leading');
    // Healed, the old leader contends again, behind the new one.
    for (const session of first.sessions) zk.heal(session);
    await clock.advance(5_000);
    expect(first.contending.state).to.equal('standby');
    expect(first.contending.elections).to.equal(1);
    expect(first.contending.leader?.pid).to.equal(`master@${second.host.address}`);
  });

  it('a leader that stepped down never sends clients to itself while it stands by: 503 while it knows no leader, then 307 to the new one', async () => {
    const [first, second] = await leaderAndStandby(5_000);
    expect(first.contending.state).to.equal('leading');
    for (const session of first.sessions) zk.partition(session);
    for (let step = 0; step < 300 && first.contending.state !== 'standby'; step++) await clock.advance(100);
    expect(first.contending.state).to.equal('standby');
    // Cut off, it knows of no leader but itself, which it does not name (clients following it would come back to it).
    const cutOff = await rawGet(first.host.address, '/master/state');
    expect(cutOff.status).to.equal(503);
    for (const session of first.sessions) zk.heal(session);
    for (let step = 0; step < 300 && second.contending.state !== 'leading'; step++) await clock.advance(100);
    await clock.advance(1_000);
    expect(second.contending.state).to.equal('leading');
    const healed = await rawGet(first.host.address, '/master/state');
    expect([healed.status, healed.location]).to.deep.equal([307, `//localhost:${second.host.address.split(':')[1]}/master/state`]);
  });

  it('a leader stepping down serves /metrics/snapshot throughout (one metrics actor), its uptime the process\'s', async () => {
    const first = await startMasterMachine();
    await clock.advance(5_000);
    expect(first.contending.state).to.equal('leading');
    const metricsActor = first.host.lookup('metrics');
    expect(metricsActor).to.not.equal(undefined);
    const seen: Array<string | undefined> = [];
    first.contending.onStateChange(() => seen.push(first.host.lookup('metrics') === metricsActor ? 'same' : 'other'));
    for (const session of first.sessions) zk.partition(session);
    for (let step = 0; step < 300 && first.contending.state !== 'standby'; step++) await clock.advance(100);
    expect(first.contending.state).to.equal('standby');
    // Before: the master's sources went with it, the metrics actor with its last source (404),
    // and the standby spawned another.
    expect(first.host.lookup('metrics'), 'the metrics actor that served the leader').to.equal(metricsActor);
    expect(seen).to.deep.equal(['same']);
    const snapshot = await rawGet(first.host.address, '/metrics/snapshot');
    expect(snapshot.status).to.equal(200);
    const metrics = JSON.parse(snapshot.body) as Record<string, number>;
    expect(metrics['master/elected']).to.equal(0);
    expect(metrics['master/uptime_secs'], 'since the process started, not since it stood by').to.be.at.least(5);
  });

  // A hostile review of v1 frameworks across failover: a leader that lost ZooKeeper waited up to 2 s for the registry's
  // session to close before its standby took the address back, and its paths answered 404 (no actor) meanwhile.
  it('a leader stepping down with ZooKeeper not answering its close gives its address to its standby at once: 503, never 404', async () => {
    const closes: HeldCloses = { holding: false, waiting: [] };
    const [first, second] = await leaderAndStandby(5_000, closes);
    expect(first.contending.state).to.equal('leading');
    closes.holding = true;
    for (const session of first.sessions) zk.partition(session);
    for (let step = 0; step < 300 && first.contending.state !== 'standby'; step++) await clock.advance(100);
    expect(first.contending.state, 'standing by while its registry session still closes').to.equal('standby');
    expect(closes.waiting.length, 'the close still waits').to.be.greaterThan(0);
    expect((await rawGet(first.host.address, '/master/redirect')).status).to.equal(503);
    const scheduler = await fetch(`http://${first.host.address}/api/v1/scheduler`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([scheduler.status, await scheduler.text()]).to.deep.equal([503, 'no master is leading\n']);
    // The close answers: it contends again, behind the new leader, and redirects to it.
    closes.holding = false;
    for (const release of closes.waiting.splice(0)) release();
    for (const session of first.sessions) zk.heal(session);
    for (let step = 0; step < 300 && second.contending.state !== 'leading'; step++) await clock.advance(100);
    await clock.advance(2_000);
    expect(second.contending.state).to.equal('leading');
    const redirect = await rawGet(first.host.address, '/master/redirect');
    expect([redirect.status, redirect.location]).to.deep.equal([307, `//localhost:${second.host.address.split(':')[1]}`]);
  });

  it('holds its master\'s and its API\'s ids while neither its standby nor its master does: 503, never 404', async () => {
    const [first, second] = await leaderAndStandby(5_000);
    expect(second.contending.state).to.equal('standby');
    // Played: the standby's actors gone as they are between a standby and its elected master.
    for (const id of ['master', 'api']) {
      const actor = second.host.lookup(id);
      if (actor !== undefined) second.host.terminate(actor);
    }
    await clock.advance(10);
    for (const path of ['/master/redirect', '/master/state', '/api/v1/scheduler']) {
      const answer = await rawGet(second.host.address, path);
      expect([answer.status, answer.body], path).to.deep.equal([503, 'no master is leading\n']);
    }
    expect((await rawGet(second.host.address, '/nobody/state')).status, 'other ids: 404').to.equal(404);
    expect(first.contending.state).to.equal('leading');
  });

  // A hostile review of authentication across failover: the agent's first Authenticate reached the elected master's
  // standby, which dropped it, and the agent waited out its 15 s exchange timeout (3 failovers of 8 on real processes).
  it('an agent that authenticates re-registers with the new leader at once after a failover, not after its authentication timeout', async () => {
    const secure: Partial<MasterFlags> = { credentials: new Map([['agent', 'agent-secret']]), authenticateAgents: true };
    const masters = [await startMasterMachine(undefined, secure)];
    await clock.advance(100);
    // The second's election takes 1 s (its registry's session slow to connect): the agent, told at once who leads, asks the standby.
    masters.push(await startMasterMachine(undefined, secure, 1_000));
    await startAgentMachine(undefined, { principal: 'agent', secret: 'agent-secret' });
    await clock.advance(5_000);
    const [first, second] = masters as [MasterMachine, MasterMachine];
    expect(await leaderView(first)).to.deep.include({ agents: 1 });
    for (const session of first.sessions) zk.partition(session);
    await first.host.stop();
    for (let step = 0; step < 300 && second.contending.state !== 'leading'; step++) await clock.advance(100);
    expect(second.contending.state).to.equal('leading');
    await clock.advance(3_000);
    expect(await leaderView(second), 'the agent back within 3 s of the election').to.deep.include({ agents: 1 });
  });
});
