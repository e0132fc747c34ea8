/**
 * The seeded wire fuzzer (issue 9) against real masters and agents: random and mutated bodies of
 * every message they install, random names, garbage `to`s, forged senders and undecodable
 * frames (wire-fuzz.ts), written by an actor host of its own.
 *
 * Under the virtual clock, the fuzzer's host and a simulated cluster are joined by a simulated
 * wire (frames decoded, senders bound and bodies validated as on a link); a smaller batch goes
 * over a real WebSocket link to a real master host. After every batch: the master answers, its
 * books pass the chaos invariants (the allocator's own check included), the heap and the log
 * stay within their bounds; at the end a legitimate framework still launches a task and sees it
 * finish. Each test names its seed; `WIRE_FUZZ_SEED=<n>` replays one, `WIRE_FUZZ_ENVELOPES=<n>`
 * sends more.
 */
import { expect } from 'chai';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { dispatch, type Actor } from '../../lib/actor';
import type { ActorHost } from '../../lib/process';
import { Resources } from '../../lib/resources';
import type { Offer, TaskStatus } from '../../lib/protocol';
import { Scheduler } from '../../actors/framework/scheduler';
import { fitResources } from '../../actors/framework/offers';
import { LogMeter } from '../support/log-meter';
import { memoryHost, quietLogger } from '../support/runtime';
import { SimulatedWire } from '../support/simulated-wire';
import { readSnapshot, stepInvariants } from './chaos-invariants';
import { startCluster, type Cluster } from './simulation';
import { FuzzIds, SAMPLES, WireFuzzer, type FuzzStats, type FuzzTarget } from './wire-fuzz';
import { FuzzPeer } from './wire-fuzz-peers';

// ---- settings ----------------------------------------------------------------------------------

/** The seed of a normal test run (the same in every CI run; `WIRE_FUZZ_SEED` picks another). */
const DEFAULT_WIRE_FUZZ_SEED = 1;
/** Envelopes sent to the simulated cluster in a normal test run (`WIRE_FUZZ_ENVELOPES` changes it). */
const DEFAULT_WIRE_FUZZ_ENVELOPES = 20_000;
/** Envelopes between two checks of the hosts. */
const FUZZ_BATCH_ENVELOPES = 1_000;
/** Virtual time that passes after each batch (timers run: pings, offers, failovers, registry writes). */
const FUZZ_BATCH_VIRTUAL_MS = 5_000;
/** How much the heap may grow from the first batch to the last (after a full collection). */
const MAX_FUZZ_HEAP_GROWTH_BYTES = 64 * 1024 * 1024;
/** Log bytes (at debug level) a host may write per fuzzed envelope, on average over a run. */
const MAX_FUZZ_LOG_BYTES_PER_ENVELOPE = 1_024;
/** The longest log line a fuzzed envelope may cause: peer text in a line is cut to a few hundred characters. */
const MAX_FUZZ_LOG_LINE_BYTES = 4_096;
/** Real time one frame may take to be handled (its envelopes, and all the work they cause), before it counts as a hang. */
const MAX_FUZZ_FRAME_MS = 2_000;
/** Where the fuzzer's own host is. */
const FUZZER_ADDRESS = 'fuzzer.simulation:9000';
/** Where the simulated cluster's host is (fixed, so that a seed replays exactly). */
const CLUSTER_ADDRESS = 'cluster.simulation:5050';
/** Actor ids the fuzzer speaks as, on its own host (each a `FuzzPeer`). */
const FUZZER_IDS: readonly string[] = ['fuzzer', 'scheduler', 'slave(1)', 'executor', 'master'];
/** The role of the legitimate framework that comes at the end. */
const LEGIT_ROLE = 'legit';
/** The master's offer timeout (Mesos `--offer_timeout`): offers to the fuzzer's frameworks come back after it. */
const FUZZ_OFFER_TIMEOUT_MS = 10_000;
/**
 * Each agent's resources. The frameworks the fuzzer registers may fill the unreserved ones with
 * tasks, as any tenant may; the legitimate framework of the last check has its own role's
 * reservation, as an operator guarantees a tenant capacity.
 */
const AGENT_RESOURCES = `cpus:4;mem:4096;cpus(${LEGIT_ROLE}):1;mem(${LEGIT_ROLE}):256`;
/** Tasks the victim framework keeps running through the fuzzing. */
const VICTIM_TASKS = 3;
/** Their ids start with this. */
const VICTIM_TASK_PREFIX = 'victim-';

/** `name` from the environment as a non-negative integer, or `fallback`. */
function integerFromEnvironment(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, not '${text}'`);
  return value;
}

const SEED = integerFromEnvironment('WIRE_FUZZ_SEED', DEFAULT_WIRE_FUZZ_SEED);
const ENVELOPES = integerFromEnvironment('WIRE_FUZZ_ENVELOPES', DEFAULT_WIRE_FUZZ_ENVELOPES);

// ---- frameworks --------------------------------------------------------------------------------

/** A scheduler that launches what it is told on offers from the agents it is told of, and declines the rest. */
class QueueScheduler extends Scheduler {
  readonly statuses: TaskStatus[] = [];
  private readonly queue: Array<{ taskId: string; command: string }> = [];
  /** Agents it launches on (not those the fuzzer registered). */
  agentIds: ReadonlySet<string> = new Set();

  run(taskId: string, command: string): void {
    this.queue.push({ taskId, command });
    this.revive();
  }

  /** The latest state of each of its tasks. */
  latest(): Map<string, string> {
    return new Map(this.statuses.map((status) => [status.taskId, status.state]));
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const work = this.agentIds.has(offer.agentId) ? this.queue[0] : undefined;
      const picked = work && fitResources(offer, Resources.parse('cpus:1;mem:128'));
      if (work === undefined || picked === undefined) {
        this.decline(offer.id, { refuseSeconds: 1 });
        continue;
      }
      this.queue.shift();
      this.launch(offer.id, [{ name: work.taskId, taskId: work.taskId, agentId: offer.agentId, resources: picked.toJSON(), command: { value: work.command } }], { refuseSeconds: 1 });
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.statuses.push(status);
  }
}

// ---- measuring ---------------------------------------------------------------------------------

/** A full garbage collection, if this process can do one (the flag is set at run time, as `node --expose-gc` would). */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

/** Heap in use after a full collection. */
function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** What a failure should say: the seed to replay and what the fuzzer made. */
function replayHint(seed: number, envelopes: number, stats: FuzzStats): string {
  const counts = [...stats].sort(([a], [b]) => a.localeCompare(b)).map(([what, count]) => `${what}=${count}`).join(' ');
  return `replay with WIRE_FUZZ_SEED=${seed} WIRE_FUZZ_ENVELOPES=${envelopes} (fuzzer made: ${counts})`;
}

/** The names `actor` installs (its protocol). */
function installedNames(actor: Actor): string[] {
  return [...actor.runtime.handlers.keys()];
}

/** An actor's HTTP route, run in its mailbox as a request on its host's port would be. */
async function route(actor: Actor, path: string): Promise<number> {
  const response = await dispatch(actor, async (self) => {
    const handler = self.runtime.routes.get(path);
    if (handler === undefined) throw new Error(`${self.id} has no route ${path}`);
    return handler({ method: 'GET', path, query: {}, headers: {}, body: Buffer.alloc(0) });
  });
  return response.status;
}

// ---- the simulated cluster under fuzzing -------------------------------------------------------

/** A simulated cluster, a victim framework with tasks running, and the fuzzer's host on a simulated wire. */
interface FuzzedCluster {
  readonly cluster: Cluster;
  readonly wire: SimulatedWire;
  readonly fuzzHost: ActorHost;
  readonly meter: LogMeter;
  readonly ids: FuzzIds;
  readonly victim: QueueScheduler;
  readonly realAgentIds: ReadonlySet<string>;
}

async function startFuzzedCluster(seed: number): Promise<FuzzedCluster> {
  const meter = new LogMeter();
  let wire: SimulatedWire | undefined;
  const cluster = await startCluster({
    agents: [AGENT_RESOURCES, AGENT_RESOURCES], seed, address: CLUSTER_ADDRESS, logger: meter.logger,
    // The frameworks the fuzzer registers never answer an offer: as against any hoarder, an operator sets an offer timeout.
    masterFlags: { offerTimeoutMs: FUZZ_OFFER_TIMEOUT_MS },
    offHost: (envelope) => wire?.carrier(envelope),
  });
  wire = new SimulatedWire(cluster.clock);
  const fuzzHost = memoryHost({ clock: cluster.clock, address: FUZZER_ADDRESS, seed, logger: quietLogger, offHost: wire.carrier });
  wire.attach(cluster.host);
  wire.attach(fuzzHost);
  const ids = new FuzzIds();
  for (const id of FUZZER_IDS) fuzzHost.spawn(new FuzzPeer(id, ids));
  const state = await dispatch(cluster.master.master, (master) => master.stateJson());
  const realAgentIds = new Set((state.slaves as Array<{ id: string }>).map((agent) => agent.id));
  const victim = new QueueScheduler({ master: cluster.masterAddress, id: 'victim', framework: { name: 'victim', user: 'victim' } });
  victim.agentIds = realAgentIds;
  cluster.host.spawn(victim);
  await cluster.clock.settle();
  await dispatch(victim, (scheduler) => { for (let index = 0; index < VICTIM_TASKS; index++) scheduler.run(`${VICTIM_TASK_PREFIX}${index}`, 'serve'); });
  await cluster.clock.advance(5_000);
  expect([...victim.latest().values()]).to.deep.equal(Array.from({ length: VICTIM_TASKS }, () => 'TASK_RUNNING'));
  if (victim.frameworkId !== undefined) ids.protectedFrameworks.add(victim.frameworkId);
  for (const agentId of realAgentIds) ids.protectedAgents.add(agentId);
  return { cluster, wire, fuzzHost, meter, ids, victim, realAgentIds };
}

/** The actors the fuzzer writes to in a cluster: the master, the agents, and the master's neighbours (which install nothing). */
function clusterTargets(cluster: Cluster): FuzzTarget[] {
  const masterNames = installedNames(cluster.master.master);
  const agents = cluster.agents.flatMap((slot) => (slot.agent === undefined ? [] : [slot.agent.agent]));
  return [
    { pid: cluster.master.pid.toString(), names: masterNames, weight: 6 },
    ...agents.map((agent) => ({ pid: agent.self().toString(), names: installedNames(agent), weight: 1.5 })),
    { pid: cluster.master.allocator.process.self().toString(), names: masterNames, weight: 1 },
  ];
}

/** Pids of the cluster's actors (another host than the fuzzer's): senders the fuzzer forges. */
function clusterPids(fuzzed: FuzzedCluster): string[] {
  const { cluster } = fuzzed;
  return [
    cluster.master.pid.toString(), fuzzed.victim.self().toString(),
    ...cluster.agents.flatMap((slot) => (slot.agent === undefined ? [] : [slot.agent.pid.toString()])),
    ...cluster.launcher.executors().map(({ executor }) => executor.self().toString()),
  ];
}

/** Every check after a batch; returns what is broken (empty when all holds). */
async function brokenAfterBatch(fuzzed: FuzzedCluster, everAgentIds: Set<string>, envelopes: number): Promise<string[]> {
  const { cluster, meter, wire } = fuzzed;
  const broken: string[] = [];
  if (await route(cluster.master.master, '/health') !== 200) broken.push('the master does not answer /master/health');
  const state = await dispatch(cluster.master.master, (master) => master.stateJson());
  // As /master/state writes it: whatever the books took from peers must still be JSON.
  JSON.stringify(state);
  fuzzed.ids.addFromState(state);
  for (const agent of state.slaves as Array<{ id: string }>) everAgentIds.add(agent.id);
  broken.push(...stepInvariants(await readSnapshot(cluster, everAgentIds)));
  if (meter.errorCount > 0) broken.push(`${meter.errorCount} log record(s) at error level, e.g. ${JSON.stringify(meter.errors.slice(0, 3))}`);
  if (meter.longestLineBytes > MAX_FUZZ_LOG_LINE_BYTES) broken.push(`a log line of ${meter.longestLineBytes} bytes ('${meter.longestMessage}'): ${meter.longestLine}`);
  if (meter.bytes > MAX_FUZZ_LOG_BYTES_PER_ENVELOPE * envelopes) {
    broken.push(`${meter.bytes} log bytes for ${envelopes} envelopes; most: ${JSON.stringify(meter.topMessages(5))}`);
  }
  const slowest = wire.slowestFrames()[0];
  if (slowest !== undefined && slowest.ms > MAX_FUZZ_FRAME_MS) broken.push(`a frame took ${Math.round(slowest.ms)} ms to handle: ${slowest.description.slice(0, 500)}`);
  return broken;
}

describe('wire fuzzing (issue 9)', function () {
  this.timeout(120_000);

  it('has a valid sample body for every message the master and the agent install', async () => {
    const cluster = await startCluster({ agents: ['cpus:1;mem:128'], seed: 1 });
    try {
      const ids = new FuzzIds();
      const fuzzer = new WireFuzzer({ seed: 1, ownAddress: FUZZER_ADDRESS, ownIds: FUZZER_IDS, targets: () => [], forgeable: () => [], ids });
      const agent = cluster.agents[0]?.agent?.agent;
      if (agent === undefined) throw new Error('no agent');
      for (const actor of [cluster.master.master, agent]) {
        for (const [name, handler] of actor.runtime.handlers) {
          const build = SAMPLES.get(name);
          expect(build, `a sample body for ${name} (installed by ${actor.id})`).to.not.equal(undefined);
          const sampleIds = (fuzzer as unknown as { sampleIds: Parameters<NonNullable<typeof build>>[0] }).sampleIds;
          for (let draw = 0; draw < 20; draw++) expect(() => handler.validate?.(build?.(sampleIds)), name).to.not.throw();
        }
      }
    } finally {
      await cluster.host.stop();
    }
  });

  it(`the master and agents of a simulated cluster take ${ENVELOPES} fuzzed envelopes over a simulated wire (seed ${SEED})`, async () => {
    const fuzzed = await startFuzzedCluster(SEED);
    const { cluster, wire, meter, ids, victim } = fuzzed;
    const fuzzer = new WireFuzzer({
      seed: SEED, ownAddress: FUZZER_ADDRESS, ownIds: FUZZER_IDS, ids,
      targets: () => clusterTargets(cluster), forgeable: () => clusterPids(fuzzed),
    });
    const everAgentIds = new Set(fuzzed.realAgentIds);
    ids.addFromState(await dispatch(cluster.master.master, (master) => master.stateJson()));
    let sent = 0;
    let heapAtStart: number | undefined;
    try {
      while (sent < ENVELOPES) {
        const batchEnd = Math.min(ENVELOPES, sent + FUZZ_BATCH_ENVELOPES);
        while (sent < batchEnd) {
          const frame = fuzzer.next();
          wire.send(FUZZER_ADDRESS, CLUSTER_ADDRESS, frame.frame, frame.description);
          sent += frame.envelopes;
        }
        await cluster.clock.advance(FUZZ_BATCH_VIRTUAL_MS);
        const broken = await brokenAfterBatch(fuzzed, everAgentIds, sent);
        expect(broken, `after ${sent} envelopes`).to.deep.equal([]);
        heapAtStart ??= heapUsed();
      }
      const growth = heapUsed() - (heapAtStart ?? 0);
      expect(growth, `heap growth in bytes (bound ${MAX_FUZZ_HEAP_GROWTH_BYTES})`).to.be.below(MAX_FUZZ_HEAP_GROWTH_BYTES);
      // The victim's tasks were never the fuzzer's to end.
      // (Only its own tasks: an agent may report tasks of any framework, which the framework then hears of.)
      const ended = victim.statuses.filter((status) => status.taskId.startsWith(VICTIM_TASK_PREFIX) && status.state !== 'TASK_RUNNING' && status.state !== 'TASK_STARTING');
      expect(ended, 'what the victim heard of its tasks ending').to.deep.equal([]);
      // A framework that comes now launches a task and sees it finish.
      const legit = new QueueScheduler({ master: cluster.masterAddress, id: 'legit', framework: { name: 'legit', user: 'legit', roles: [LEGIT_ROLE] } });
      legit.agentIds = fuzzed.realAgentIds;
      cluster.host.spawn(legit);
      await cluster.clock.settle();
      await dispatch(legit, (scheduler) => scheduler.run('legit-task', 'sleep 5'));
      await cluster.clock.advance(30_000);
      expect(legit.statuses.map((status) => status.state)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      expect(await brokenAfterBatch(fuzzed, everAgentIds, sent)).to.deep.equal([]);
      const metrics = await dispatch(cluster.master.master, (master) => master.metrics());
      const reached = ['messages_register_framework', 'messages_launch_tasks', 'messages_register_slave', 'messages_reregister_slave', 'valid_status_updates', 'tasks_error', 'tasks_lost', 'slave_removals']
        .map((name) => `${name}=${metrics[`master/${name}`] ?? 0}`).join(' ');
      console.log(`      wire fuzz: ${sent} envelopes in ${wire.frames} frames; ${cluster.host.forgedSenderDrops} forged senders dropped; `
        + `${meter.bytes} log bytes in ${meter.lines} lines (longest ${meter.longestLineBytes}: '${meter.longestMessage}'); slowest frame ${Math.round(wire.slowestFrames()[0]?.ms ?? 0)} ms; master: ${reached}`);
    } catch (error) {
      if (error instanceof Error) error.message = `seed ${SEED}: ${error.message}\n${replayHint(SEED, ENVELOPES, fuzzer.stats)}`;
      throw error;
    } finally {
      await fuzzed.fuzzHost.stop();
      await cluster.host.stop();
    }
  });
});

