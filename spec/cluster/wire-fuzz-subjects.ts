/**
 * What the wire fuzzer (wire-fuzz.ts) is run against, each a `FuzzSubject`: how its frames get
 * there, how a batch's work is let happen, what is checked after it, and a last legitimate run.
 *
 *   - `fuzzedCluster`: a simulated cluster (master, two agents, a victim framework with tasks
 *     running) and the fuzzer's host, joined by a simulated wire under the virtual clock.
 *   - `fuzzedAgent`: a lone agent whose master is the fuzzer (a `FuzzMaster`), so that what the
 *     agent only takes from its master reaches deep code too; also on a simulated wire.
 *   - `fuzzedMasterOverWebSocket`: a real master host, and the fuzzer as a raw WebSocket peer of
 *     its own (`rawLinkPeer`) writing the frames, undecodable ones included, on a real link.
 */
import { dispatch, UPID, type Actor } from '../../lib/actor';
import { VirtualClock } from '../../lib/process';
import { Resources } from '../../lib/resources';
import { AgentRegistered, AgentReregistered, type MasterInfo, type Offer, type StatusUpdate, type TaskInfo, type TaskStatus } from '../../lib/protocol';
import { defaultMasterFlags, Registry, startMaster, type MasterHandle } from '../../actors/master';
import { Scheduler } from '../../actors/framework/scheduler';
import { fitResources } from '../../actors/framework/offers';
import { LogMeter } from '../support/log-meter';
import { eventually, memoryHost, netHost, Probe, quietLogger, rawLinkPeer, type RawLinkPeer } from '../support/runtime';
import { SimulatedWire } from '../support/simulated-wire';
import { agentInfo, FakeAgent } from '../actors/master/harness';
import { agentLiveTasks, readAgentState, readSnapshot, stepInvariants, type AgentStateView } from './chaos-invariants';
import { AgentSlot, InProcessLauncher, startCluster, type Cluster } from './simulation';
import { FuzzIds, WireFuzzer, type FuzzFrame, type FuzzTarget } from './wire-fuzz';
import { FUZZ_MASTER_AGENT_ID, FuzzMaster, FuzzPeer } from './wire-fuzz-peers';

// ---- bounds ------------------------------------------------------------------------------------

/** Log bytes (at debug level) a host may write per fuzzed envelope, on average over a run. */
export const MAX_FUZZ_LOG_BYTES_PER_ENVELOPE = 1_024;
/** The longest log line a fuzzed envelope may cause: peer text in a line is cut to a few hundred characters. */
export const MAX_FUZZ_LOG_LINE_BYTES = 4_096;
/** Real time one frame may take to be handled (its envelopes, and all the work they cause), before it counts as a hang. */
export const MAX_FUZZ_FRAME_MS = 2_000;
/** Real time the real master host may take to handle a batch (the marker after it answers), before it counts as a hang. */
export const MAX_FUZZ_BATCH_REAL_MS = 30_000;

// ---- the setting -------------------------------------------------------------------------------

/** Where the fuzzer's own host is, on a simulated wire. */
export const FUZZER_ADDRESS = 'fuzzer.simulation:9000';
/** Where the simulated cluster's host is (fixed, so that a seed replays exactly). */
const CLUSTER_ADDRESS = 'cluster.simulation:5050';
/** Where the lone agent's host is. */
const AGENT_ADDRESS = 'agent.simulation:5051';
/** Actor ids the fuzzer speaks as, on its own host (each a `FuzzPeer`). */
export const FUZZER_IDS: readonly string[] = ['fuzzer', 'scheduler', 'slave(1)', 'executor', 'master'];
/** Virtual time that passes after each batch (timers run: pings, offers, failovers, registry writes). */
const FUZZ_BATCH_VIRTUAL_MS = 5_000;
/** The role of the legitimate framework of the last check. */
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
/** Virtual time the last check gives a legitimate task of `sleep 5` to finish. */
const LEGIT_TASK_VIRTUAL_MS = 30_000;

// ---- what every subject is ---------------------------------------------------------------------

/** What a fuzz run writes to, and how it checks it. */
export interface FuzzSubject {
  readonly fuzzer: WireFuzzer;
  /** Writes one frame. */
  deliver(frame: FuzzFrame): void;
  /** Lets what the frames of a batch cause happen. */
  settle(): Promise<void>;
  /** What is broken now, after `envelopes` in all (empty when everything holds). */
  broken(envelopes: number): Promise<string[]>;
  /** The last check: legitimate work still gets done (throws if not). */
  finish(): Promise<void>;
  /** One line on what the run reached. */
  summary(): Promise<string>;
  /** What a replay of the seed must end with exactly (simulated subjects: their books and their log's size), if deterministic. */
  fingerprint?(): Promise<string>;
  stop(): Promise<void>;
}

/** What a subject's log and wire say is broken: records at error level, long lines, too many bytes, a slow frame. */
function loggedOrSlow(meter: LogMeter, envelopes: number, wire?: SimulatedWire): string[] {
  const broken: string[] = [];
  if (meter.errorCount > 0) broken.push(`log records at error level: ${JSON.stringify([...meter.errorMessages])}, e.g. ${JSON.stringify(meter.errors.slice(0, 3))}`);
  if (meter.longestLineBytes > MAX_FUZZ_LOG_LINE_BYTES) broken.push(`a log line of ${meter.longestLineBytes} bytes ('${meter.longestMessage}'): ${meter.longestLine}`);
  if (meter.bytes > MAX_FUZZ_LOG_BYTES_PER_ENVELOPE * envelopes) broken.push(`${meter.bytes} log bytes for ${envelopes} envelopes; most: ${JSON.stringify(meter.topMessages(5))}`);
  const slowest = wire?.slowestFrames()[0];
  if (slowest !== undefined && slowest.ms > MAX_FUZZ_FRAME_MS) broken.push(`a frame took ${Math.round(slowest.ms)} ms to handle: ${slowest.description.slice(0, 500)}`);
  return broken;
}

/** One line on a meter and a wire. */
function meterSummary(meter: LogMeter, wire?: SimulatedWire): string {
  const frames = wire === undefined ? '' : `; ${wire.frames} frames, slowest ${Math.round(wire.slowestFrames()[0]?.ms ?? 0)} ms`;
  return `${meter.bytes} log bytes in ${meter.lines} lines (longest ${meter.longestLineBytes}: '${meter.longestMessage}')${frames}`;
}

/** The names `actor` installs (its protocol). */
export function installedNames(actor: Actor): string[] {
  return [...actor.runtime.handlers.keys()];
}

/** An actor's HTTP route, run in its mailbox as a request on its host's port would be; its status and body. */
async function route(actor: Actor, path: string): Promise<{ status: number; body: unknown }> {
  const response = await dispatch(actor, async (self) => {
    const handler = self.runtime.routes.get(path);
    if (handler === undefined) throw new Error(`${self.id} has no route ${path}`);
    return handler.call(self, { method: 'GET', path, query: {}, headers: {}, body: Buffer.alloc(0) });
  });
  return { status: response.status, body: response.body };
}

/** A scheduler that launches what it is told on offers from the agents it is told of, and declines the rest. */
export class QueueScheduler extends Scheduler {
  readonly statuses: TaskStatus[] = [];
  private readonly queue: Array<{ taskId: string; command: string }> = [];
  /** Agents it launches on (not those the fuzzer registered). */
  agentIds: ReadonlySet<string> = new Set();

  run(taskId: string, command: string): void {
    this.queue.push({ taskId, command });
    this.revive();
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

// ---- a simulated cluster -----------------------------------------------------------------------

/**
 * A simulated cluster under fuzzing: the fuzzer writes to the master (most), the agents and the
 * allocator. Its victim framework's ids are known to the fuzzer, which may not take it (nor the
 * real agents) over: see `FuzzIds.protectedFrameworks`.
 */
export async function fuzzedCluster(seed: number): Promise<FuzzSubject> {
  const meter = new LogMeter();
  let wire: SimulatedWire | undefined;
  const cluster = await startCluster({
    agents: [AGENT_RESOURCES, AGENT_RESOURCES], seed, address: CLUSTER_ADDRESS, logger: meter.logger,
    // The frameworks the fuzzer registers never answer an offer: as against any hoarder, an operator sets an offer timeout.
    masterFlags: { offerTimeoutMs: FUZZ_OFFER_TIMEOUT_MS },
    offHost: (envelope) => wire?.carrier(envelope),
  });
  const simulated = new SimulatedWire(cluster.clock);
  wire = simulated;
  const fuzzHost = memoryHost({ clock: cluster.clock, address: FUZZER_ADDRESS, seed, logger: quietLogger, offHost: simulated.carrier });
  simulated.attach(cluster.host);
  simulated.attach(fuzzHost);
  const ids = new FuzzIds();
  for (const id of FUZZER_IDS) fuzzHost.spawn(new FuzzPeer(id, ids));
  const realAgentIds = new Set(((await masterState(cluster.master)).slaves as Array<{ id: string }>).map((agent) => agent.id));
  const victim = await startVictim(cluster, realAgentIds);
  if (victim.frameworkId !== undefined) ids.protectedFrameworks.add(victim.frameworkId);
  for (const agentId of realAgentIds) ids.protectedAgents.add(agentId);
  ids.addFromState(await masterState(cluster.master));
  const everAgentIds = new Set(realAgentIds);
  const fuzzer = new WireFuzzer({
    seed, ownAddress: FUZZER_ADDRESS, ownIds: FUZZER_IDS, ids,
    targets: () => clusterTargets(cluster),
    forgeable: () => [
      cluster.master.pid.toString(), victim.self().toString(),
      ...cluster.agents.flatMap((slot) => (slot.agent === undefined ? [] : [slot.agent.pid.toString()])),
      ...cluster.launcher.executors().map(({ executor }) => executor.self().toString()),
    ],
  });
  return {
    fuzzer,
    deliver: (frame) => simulated.send(FUZZER_ADDRESS, CLUSTER_ADDRESS, frame.frame, frame.description),
    settle: () => cluster.clock.advance(FUZZ_BATCH_VIRTUAL_MS),
    broken: async (envelopes) => {
      const broken: string[] = [];
      if ((await route(cluster.master.master, '/health')).status !== 200) broken.push('the master does not answer /master/health');
      const state = await masterState(cluster.master);
      ids.addFromState(state);
      for (const agent of state.slaves as Array<{ id: string }>) everAgentIds.add(agent.id);
      broken.push(...stepInvariants(await readSnapshot(cluster, everAgentIds)));
      // The victim's tasks were never the fuzzer's to end (only its own: an agent may report tasks of any framework).
      const ended = victim.statuses.filter((status) => status.taskId.startsWith(VICTIM_TASK_PREFIX) && !['TASK_STARTING', 'TASK_RUNNING'].includes(status.state));
      if (ended.length > 0) broken.push(`the victim heard its tasks end: ${JSON.stringify(ended)}`);
      return [...broken, ...loggedOrSlow(meter, envelopes, simulated)];
    },
    finish: async () => {
      // A framework that comes now launches a task and sees it finish.
      const legit = new QueueScheduler({ master: cluster.masterAddress, id: 'legit', framework: { name: 'legit', user: 'legit', roles: [LEGIT_ROLE] } });
      legit.agentIds = realAgentIds;
      cluster.host.spawn(legit);
      await cluster.clock.settle();
      await dispatch(legit, (scheduler) => scheduler.run('legit-task', 'sleep 5'));
      await cluster.clock.advance(LEGIT_TASK_VIRTUAL_MS);
      const states = legit.statuses.map((status) => status.state).join(', ');
      if (states !== 'TASK_STARTING, TASK_RUNNING, TASK_FINISHED') throw new Error(`a legitimate framework's task went ${states || 'nowhere'}`);
    },
    summary: async () => {
      const metrics = await dispatch(cluster.master.master, (master) => master.metrics());
      const reached = ['messages_register_framework', 'messages_launch_tasks', 'messages_register_slave', 'messages_reregister_slave', 'valid_status_updates', 'tasks_lost', 'slave_removals']
        .map((name) => `${name}=${metrics[`master/${name}`] ?? 0}`).join(' ');
      return `${cluster.host.forgedSenderDrops} forged senders dropped; ${meterSummary(meter, simulated)}; master: ${reached}`;
    },
    fingerprint: async () => JSON.stringify({ state: await masterState(cluster.master), logBytes: meter.bytes, logLines: meter.lines, frames: simulated.frames }),
    stop: async () => {
      await fuzzHost.stop();
      await cluster.host.stop();
    },
  };
}

async function masterState(master: MasterHandle): Promise<Record<string, unknown>> {
  const state = await dispatch(master.master, (actor) => actor.stateJson());
  JSON.stringify(state); // as /master/state writes it: whatever the books took from peers must still be JSON
  return state;
}

/** The victim: a framework with `VICTIM_TASKS` tasks running on the real agents. */
async function startVictim(cluster: Cluster, agentIds: ReadonlySet<string>): Promise<QueueScheduler> {
  const victim = new QueueScheduler({ master: cluster.masterAddress, id: 'victim', framework: { name: 'victim', user: 'victim' } });
  victim.agentIds = agentIds;
  cluster.host.spawn(victim);
  await cluster.clock.settle();
  await dispatch(victim, (scheduler) => { for (let index = 0; index < VICTIM_TASKS; index++) scheduler.run(`${VICTIM_TASK_PREFIX}${index}`, 'serve'); });
  await cluster.clock.advance(5_000);
  const running = new Set(victim.statuses.filter((status) => status.state === 'TASK_RUNNING').map((status) => status.taskId));
  if (running.size !== VICTIM_TASKS) throw new Error(`the victim's tasks did not all start: ${JSON.stringify(victim.statuses)}`);
  return victim;
}

/** The actors the fuzzer writes to in a cluster: the master (most), the agents, and the allocator (which installs nothing). */
function clusterTargets(cluster: Cluster): FuzzTarget[] {
  const masterNames = installedNames(cluster.master.master);
  const agents = cluster.agents.flatMap((slot) => (slot.agent === undefined ? [] : [slot.agent.agent]));
  return [
    { pid: cluster.master.pid.toString(), names: masterNames, weight: 6 },
    ...agents.map((agent) => ({ pid: agent.self().toString(), names: installedNames(agent), weight: 1.5 })),
    { pid: cluster.master.allocator.process.self().toString(), names: masterNames, weight: 1 },
  ];
}

// ---- a lone agent whose master is the fuzzer ---------------------------------------------------

/**
 * Messages the fuzzer does not send the lone agent as its master: an obeyed Shutdown ends it
 * (which is no finding), and would leave the rest of a batch nobody to reach. The cluster's
 * agents are sent it, by senders that are not their master.
 */
const NOT_SENT_AS_MASTER: ReadonlySet<string> = new Set(['Shutdown']);

/**
 * A lone agent under fuzzing, whose master is the fuzzer's `FuzzMaster`: the fuzzer speaks as
 * the master most of the time, so RunTask, KillTaskOnAgent and the rest reach deep code.
 * Executors are in-process (`InProcessLauncher`). An agent that ends (told a different agent
 * id, say) is started again over its work dir, as its supervisor would.
 */
export async function fuzzedAgent(seed: number): Promise<FuzzSubject> {
  const meter = new LogMeter();
  const clock = new VirtualClock({ simulated: true });
  const wire = new SimulatedWire(clock);
  const agentHost = memoryHost({ clock, address: AGENT_ADDRESS, seed, logger: meter.logger, offHost: wire.carrier });
  const fuzzHost = memoryHost({ clock, address: FUZZER_ADDRESS, seed, logger: quietLogger, offHost: wire.carrier });
  wire.attach(agentHost);
  wire.attach(fuzzHost);
  const ids = new FuzzIds();
  const masterPid = new UPID('master', ...splitAddress(FUZZER_ADDRESS));
  ids.masterInfo = { id: 'fuzz-master', ip: masterPid.host, port: masterPid.port, pid: masterPid.toString(), hostname: 'fuzzer.simulation', version: '0.1.0' };
  const master = new FuzzMaster(ids, () => ids.masterInfo as MasterInfo);
  fuzzHost.spawn(master);
  for (const id of ['fuzzer', 'executor']) fuzzHost.spawn(new FuzzPeer(id, ids));
  const launcher = new InProcessLauncher(agentHost);
  const slot = new AgentSlot(agentHost, launcher, FUZZER_ADDRESS, 'cpus:8;mem:8192', '/fuzz/agent', 'agent.simulation', clock);
  let restarts = 0;
  const alive = async (): Promise<void> => {
    if (slot.agent !== undefined && !slot.terminated) return;
    restarts++;
    await slot.start(true);
    await clock.advance(FUZZ_BATCH_VIRTUAL_MS);
  };
  await slot.start();
  await clock.advance(FUZZ_BATCH_VIRTUAL_MS);
  if (master.agentPid === undefined) throw new Error('the agent did not register with the fuzzer');
  const fuzzer = new WireFuzzer({
    seed, ownAddress: FUZZER_ADDRESS, ownIds: ['master', 'fuzzer', 'executor'], ids,
    targets: () => (slot.agent === undefined ? [] : [{ pid: slot.agent.pid.toString(), names: installedNames(slot.agent.agent).filter((name) => !NOT_SENT_AS_MASTER.has(name)) }]),
    forgeable: () => [...(slot.agent === undefined ? [] : [slot.agent.pid.toString()]), ...launcher.executors().map(({ executor }) => executor.self().toString())],
    // As its master, the fuzzer does not contradict itself about the agent's id: told another, the agent shuts down.
    amend: (name, body) => {
      if ((name === AgentRegistered.name || name === AgentReregistered.name) && typeof body.agentId === 'string') body.agentId = FUZZ_MASTER_AGENT_ID;
    },
  });
  return {
    fuzzer,
    deliver: (frame) => wire.send(FUZZER_ADDRESS, AGENT_ADDRESS, frame.frame, frame.description),
    settle: () => clock.advance(FUZZ_BATCH_VIRTUAL_MS),
    broken: async (envelopes) => {
      await alive();
      const agent = slot.agent?.agent;
      if (agent === undefined) return ['the agent did not start again'];
      const broken: string[] = [];
      if ((await route(agent, '/health')).status !== 200) broken.push('the agent does not answer /health');
      const books = await readAgentState(agent);
      JSON.stringify(books);
      broken.push(...executorsKnown(books, launcher, agent.self().toString()));
      return [...broken, ...loggedOrSlow(meter, envelopes, wire)];
    },
    finish: async () => {
      await alive();
      const agentPid = slot.agent?.pid;
      if (agentPid === undefined) throw new Error('no agent');
      const task: TaskInfo = { name: 'legit', taskId: 'legit-task', agentId: FUZZ_MASTER_AGENT_ID, resources: Resources.parse('cpus:1;mem:128').toJSON(), command: { value: 'sleep 5' } };
      // A DrainAgent the fuzzer sent as the master is obeyed: until nothing is left on the agent
      // it drops a new task (TASK_LOST, REASON_AGENT_DRAINING), which is no finding.
      const agent = slot.agent?.agent;
      const draining = agent !== undefined && (await dispatch(agent, (actor) => actor.draining())) !== undefined;
      await dispatch(master, (actor) => actor.runTask(agentPid, { framework: { id: 'legit-framework', name: 'legit', user: 'legit' }, frameworkId: 'legit-framework', task }));
      await clock.advance(LEGIT_TASK_VIRTUAL_MS);
      const legit = master.updates.filter((update: StatusUpdate) => update.status.taskId === 'legit-task');
      const states = legit.map((update) => update.status.state).join(', ');
      const refusedWhileDraining = draining && states === 'TASK_LOST' && legit[0]?.status.reason === 'REASON_AGENT_DRAINING';
      if (states !== 'TASK_STARTING, TASK_RUNNING, TASK_FINISHED' && !refusedWhileDraining) throw new Error(`a legitimate task went ${states || 'nowhere'}`);
    },
    summary: () => Promise.resolve(`${agentHost.forgedSenderDrops} forged senders dropped; ${restarts} agent restarts; ${launcher.launched} executors launched; ${master.updates.length} updates; ${meterSummary(meter, wire)}`),
    fingerprint: async () => {
      const agent = slot.agent?.agent;
      return JSON.stringify({ books: agent === undefined ? null : await readAgentState(agent), updates: master.updates, logBytes: meter.bytes, logLines: meter.lines, frames: wire.frames });
    },
    stop: async () => {
      await fuzzHost.stop();
      await agentHost.stop();
    },
  };
}

/** What runs on the agent is in its books: every task its executors run is live there, in one executor only. */
function executorsKnown(books: AgentStateView, launcher: InProcessLauncher, agentPid: string): string[] {
  const live = new Set(agentLiveTasks(books).map((task) => `${task.framework_id}/${task.id}`));
  const broken: string[] = [];
  const running = new Set<string>();
  for (const { executor, launch } of launcher.executors()) {
    if (launch.agentPid !== agentPid) continue;
    for (const taskId of executor.runningTaskIds()) {
      const key = `${launch.frameworkId}/${taskId}`;
      if (running.has(key)) broken.push(`task ${key} runs in two executors`);
      running.add(key);
      if (!live.has(key)) broken.push(`an executor runs ${key}, which the agent does not have live`);
    }
  }
  return broken;
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

// ---- a real master over a real link ------------------------------------------------------------

/**
 * A real master host (real clock, a listening port) with a victim framework and a probe agent,
 * and the fuzzer as a raw WebSocket peer of its own: its frames go over a real link, and each
 * batch ends with a marker framework's registration, whose arrival says the batch was handled.
 */
export async function fuzzedMasterOverWebSocket(seed: number): Promise<FuzzSubject> {
  const meter = new LogMeter();
  const masterHost = await netHost({ logger: meter.logger });
  const peersHost = await netHost();
  const master = await startMaster({ flags: { ...defaultMasterFlags('/unused'), checkAllocatorInvariants: true }, host: masterHost, registry: Registry.inMemory() });
  const agent = new FakeAgent('slave(1)');
  peersHost.spawn(agent);
  agent.post(master.pid, 'RegisterAgent', { agent: agentInfo(AGENT_RESOURCES), version: '0.1.0' });
  await eventually(() => agent.count('AgentRegistered') === 1, 10_000, 'the probe agent registered');
  const victim = new Probe('victim', ['FrameworkRegistered', 'ResourceOffers', 'StatusUpdate', 'FrameworkError']);
  peersHost.spawn(victim);
  victim.post(master.pid, 'RegisterFramework', { framework: { name: 'victim', user: 'victim' } });
  await eventually(() => victim.count('FrameworkRegistered') === 1, 10_000, 'the victim registered');
  const attacker: RawLinkPeer = await rawLinkPeer(masterHost);
  const ids = new FuzzIds();
  const victimId = (victim.received.find((message) => message.name === 'FrameworkRegistered')?.body as { frameworkId: string }).frameworkId;
  ids.protectedFrameworks.add(victimId);
  const agentId = (agent.received.find((message) => message.name === 'AgentRegistered')?.body as { agentId: string }).agentId;
  ids.protectedAgents.add(agentId);
  ids.addFromState(await masterState(master));
  let batches = 0;
  const fuzzer = new WireFuzzer({
    seed, ownAddress: attacker.address, ownIds: FUZZER_IDS, ids,
    targets: () => [
      { pid: master.pid.toString(), names: installedNames(master.master), weight: 6 },
      { pid: master.allocator.process.self().toString(), names: installedNames(master.master), weight: 1 },
    ],
    forgeable: () => [master.pid.toString(), victim.self().toString(), agent.self().toString()],
  });
  const hasFramework = async (name: string): Promise<boolean> => ((await masterState(master)).frameworks as Array<{ name: string }>).some((framework) => framework.name === name);
  return {
    fuzzer,
    deliver: (frame) => attacker.socket.send(frame.frame, { binary: true }),
    settle: async () => {
      const marker = `marker-${++batches}`;
      attacker.socket.send(fuzzer.envelope(master.pid.toString(), 'RegisterFramework', { framework: { name: marker, user: 'fuzz' } }, `${marker}@${attacker.address}`), { binary: true });
      const deadline = Date.now() + MAX_FUZZ_BATCH_REAL_MS;
      while (!(await hasFramework(marker))) {
        if (Date.now() > deadline) throw new Error(`the master did not handle a batch within ${MAX_FUZZ_BATCH_REAL_MS} ms (or the link closed)`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    broken: async (envelopes) => {
      const broken: string[] = [];
      const health = await fetch(`http://${masterHost.address}/master/health`);
      if (health.status !== 200) broken.push(`GET /master/health answered ${health.status}`);
      const state = await fetch(`http://${masterHost.address}/master/state`);
      if (state.status !== 200) broken.push(`GET /master/state answered ${state.status}`);
      ids.addFromState(await state.json() as Record<string, unknown>);
      const lone = { master, agents: [], launcher: { executors: () => [] } } as unknown as Cluster;
      broken.push(...stepInvariants(await readSnapshot(lone, new Set([agentId]))));
      return [...broken, ...loggedOrSlow(meter, envelopes)];
    },
    finish: async () => {
      // A framework of the reserved role gets an offer, launches, and hears its task finish.
      const legit = new Probe('legit', ['FrameworkRegistered', 'ResourceOffers', 'StatusUpdate']);
      peersHost.spawn(legit);
      legit.post(master.pid, 'RegisterFramework', { framework: { name: 'legit', user: 'legit', roles: [LEGIT_ROLE] } });
      await eventually(() => legit.received.some((message) => message.name === 'ResourceOffers' && (message.body as { offers: Offer[] }).offers.some((offer) => offer.allocationRole === LEGIT_ROLE)), 10_000, 'an offer to the legitimate framework');
      const frameworkId = (legit.received.find((message) => message.name === 'FrameworkRegistered')?.body as { frameworkId: string }).frameworkId;
      const offer = legit.received.flatMap((message) => (message.name === 'ResourceOffers' ? (message.body as { offers: Offer[] }).offers : [])).find((candidate) => candidate.allocationRole === LEGIT_ROLE) as Offer;
      const resources = fitResources(offer, Resources.parse('cpus:1;mem:128'));
      legit.post(master.pid, 'LaunchTasks', { frameworkId, offerIds: [offer.id], tasks: [{ name: 'legit', taskId: 'legit-task', agentId, resources: resources?.toJSON() ?? [], command: { value: 'sleep 5' } }] });
      await eventually(() => agent.received.some((message) => message.name === 'RunTask' && (message.body as { task: TaskInfo }).task.taskId === 'legit-task'), 10_000, 'the legitimate task reached the agent');
      for (const state of ['TASK_RUNNING', 'TASK_FINISHED'] as const) {
        const uuid = `legit-${state}`;
        const update: StatusUpdate = { frameworkId, agentId, uuid, timestamp: 1, status: { taskId: 'legit-task', state, source: 'SOURCE_EXECUTOR', agentId, uuid } };
        agent.post(master.pid, 'StatusUpdate', { update, pid: agent.self().toString() });
      }
      await eventually(() => legit.received.some((message) => message.name === 'StatusUpdate' && (message.body as { update: StatusUpdate }).update.status.state === 'TASK_FINISHED'), 10_000, 'the legitimate framework heard its task finish');
    },
    summary: () => Promise.resolve(`${masterHost.forgedSenderDrops} forged senders dropped; ${meterSummary(meter)}`),
    stop: async () => {
      await attacker.close();
      await peersHost.stop();
      await masterHost.stop();
    },
  };
}
