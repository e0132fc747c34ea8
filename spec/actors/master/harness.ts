/**
 * A single-master harness: the master (with its allocator and metrics actors) on a memory host
 * under a virtual clock, with Probe actors posing as frameworks and agents.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dispatch, type UPID } from '../../../lib/actor';
import { captureLogger, type CapturedLogger } from '../../../lib/logging';
import { VirtualClock, type ActorHost } from '../../../lib/process';
import { Resources } from '../../../lib/resources';
import type { FrameworkInfo, Offer, StatusUpdate, Task, TaskInfo, TaskState } from '../../../lib/protocol';
import { defaultMasterFlags, Registry, registryPathOf, startMaster, type MasterFlags, type MasterHandle } from '../../../actors/master';
import { MemoryDisk } from '../../../lib/disk';
import { newOfferRecord, type MasterState } from '../../../actors/master/state';
import { memoryHost, netHost, Probe, type Received } from '../../support/runtime';

/** Messages the master sends to frameworks. */
export const FRAMEWORK_MESSAGES = [
  'FrameworkRegistered', 'FrameworkReregistered', 'ResourceOffers', 'RescindResourceOffer', 'StatusUpdate', 'LostAgent',
  'ExitedExecutor', 'ExecutorToFramework', 'FrameworkError', 'UpdateFrameworkAnswer', 'OperationStatusUpdate', 'InverseOffers', 'RescindInverseOffer',
];

/** Messages the master sends to agents (Ping is handled by `FakeAgent`). */
export const AGENT_MESSAGES = [
  'AgentRegistered', 'AgentReregistered', 'RunTask', 'RunTaskGroup', 'KillTaskOnAgent', 'StatusUpdateAcknowledgement', 'ShutdownFramework',
  'ShutdownExecutor', 'Shutdown', 'UpdateFramework', 'FrameworkToExecutor', 'CheckpointResources', 'OperationStatusAcknowledgement', 'DrainAgent',
];

/** A Probe posing as an agent: it records pings and answers them with Pong while `answerPings`. */
export class FakeAgent extends Probe {
  /** Reply Pong to each Ping. */
  answerPings = true;

  constructor(id: string) {
    super(id, AGENT_MESSAGES);
    this.install('Ping', (from, body) => {
      this.record({ from, name: 'Ping', body });
      if (this.answerPings) this.post(from, 'Pong', {});
    });
  }
}

/** One master under test. */
export interface Harness {
  readonly clock: VirtualClock;
  readonly host: ActorHost;
  readonly handle: MasterHandle;
  readonly workDir: string;
  readonly flags: MasterFlags;
  readonly captured: CapturedLogger;
  readonly masterPid: UPID;
  /** The registry's disk when the harness was started with `memoryRegistry` (to slow or fail its writes). */
  readonly registryDisk?: MemoryDisk;
}

/** Work dirs to delete after each test. */
const workDirs: string[] = [];
/** Hosts to stop after each test. */
const hosts: ActorHost[] = [];
/** Loggers of the harnesses started since the last clean-up. */
const loggers: CapturedLogger[] = [];

/** A fresh work dir under the OS temp dir. */
export function makeWorkDir(): string {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-master-'));
  workDirs.push(workDir);
  return workDir;
}

/** How a harness' master is set up beyond its flags. */
export interface HarnessOptions {
  /**
   * The registry on a `MemoryDisk` instead of the work dir: its writes complete in promise
   * callbacks, not real I/O, so a test that races them against mailbox turns is deterministic.
   * The clock is then simulated (nothing waits on real I/O), so a slow write
   * (`registryDisk.delayWritesMs`) is timed by the clock alone.
   */
  readonly memoryRegistry?: boolean;
  /**
   * The host's address (default: a new `memory-N:1`): a master restarted on the same machine and
   * port, whose agents come back from the hosts they registered from (a master takes an agent's
   * id back only from its IP).
   */
  readonly address?: string;
}

/**
 * Starts a master on a new memory host (virtual clock) over `workDir` (default: a fresh one).
 * `seed` is the host's PRNG seed, from which the master id is drawn.
 */
export async function startHarness(flags: Partial<MasterFlags> = {}, workDir = makeWorkDir(), seed = 7, options: HarnessOptions = {}): Promise<Harness> {
  const clock = new VirtualClock({ simulated: options.memoryRegistry === true });
  const captured = captureLogger();
  const host = memoryHost({ clock, logger: captured.logger, seed, ...(options.address !== undefined ? { address: options.address } : {}) });
  hosts.push(host);
  loggers.push(captured);
  // No wall-time budget for the state endpoints' turns unless a test gives one: where they end does not depend on the machine.
  const allFlags: MasterFlags = { ...defaultMasterFlags(workDir), checkAllocatorInvariants: true, stateTurnBudgetMs: undefined, ...flags };
  const registryDisk = options.memoryRegistry === true ? new MemoryDisk(clock) : undefined;
  const registry = registryDisk !== undefined ? await Registry.load(registryPathOf(allFlags), { disk: registryDisk, clock }) : undefined;
  const handle = await startMaster({ flags: allFlags, host, ...(registry !== undefined ? { registry } : {}) });
  await clock.settle();
  return { clock, host, handle, workDir, flags: allFlags, captured, masterPid: handle.pid, ...(registryDisk !== undefined ? { registryDisk } : {}) };
}

/**
 * Starts a master on a listening host (127.0.0.1, a free port) under a virtual clock, without the
 * web UI, for tests that call its HTTP endpoints; the caller stops its host.
 */
export async function startListeningHarness(flags: Partial<MasterFlags> = {}, workDir = makeWorkDir()): Promise<Harness> {
  const clock = new VirtualClock();
  const captured = captureLogger();
  const host = await netHost({ clock, logger: captured.logger });
  const allFlags: MasterFlags = { ...defaultMasterFlags(workDir), ...flags };
  const handle = await startMaster({ flags: allFlags, host, webUiDirectory: false });
  await clock.settle();
  return { clock, host, handle, workDir, flags: allFlags, captured, masterPid: handle.pid };
}

/**
 * Stops every host and deletes every work dir made since the last call (call in `afterEach`).
 * Fails if the allocator refused any call from a master: the master's books and the
 * allocator's must never disagree.
 */
export async function cleanUp(): Promise<void> {
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
  for (const workDir of workDirs.splice(0)) fs.rmSync(workDir, { recursive: true, force: true });
  const refusals = loggers.splice(0).flatMap((captured) => captured.find('allocator refused a call'));
  if (refusals.length > 0) throw new Error(`the allocator refused calls from the master: ${JSON.stringify(refusals)}`);
}

/** A registered fake framework. */
export interface FakeFramework {
  readonly probe: Probe;
  readonly frameworkId: string;
  readonly info: FrameworkInfo;
}

let nextProbe = 1;

/** Spawns a scheduler probe and registers it; resolves once registered. */
export async function registerFramework(harness: Harness, info: Partial<FrameworkInfo> = {}): Promise<FakeFramework> {
  const probe = new Probe(`scheduler-${nextProbe++}`, FRAMEWORK_MESSAGES);
  harness.host.spawn(probe);
  const framework: FrameworkInfo = { name: 'test-framework', user: 'tester', ...info };
  probe.post(harness.masterPid, 'RegisterFramework', { framework });
  await harness.clock.settle();
  const registered = last(probe, 'FrameworkRegistered');
  if (registered === undefined) throw new Error(`framework was not registered: ${JSON.stringify(probe.received.map((r) => r.name))}`);
  const frameworkId = (registered.body as { frameworkId: string }).frameworkId;
  return { probe, frameworkId, info: { ...framework, id: frameworkId } };
}

/** A registered fake agent. */
export interface AgentHandle {
  readonly probe: FakeAgent;
  readonly agentId: string;
  readonly resources: string;
}

/** Spawns an agent probe and registers it with `resources`; resolves once registered. */
export async function registerAgent(harness: Harness, resources = 'cpus:4;mem:4096;disk:1000;ports:[31000-32000]', hostname = 'agent.local'): Promise<AgentHandle> {
  const probe = new FakeAgent(`agent-${nextProbe++}`);
  harness.host.spawn(probe);
  probe.post(harness.masterPid, 'RegisterAgent', { agent: agentInfo(resources, hostname), version: '0.1.0' });
  await harness.clock.settle();
  const registered = last(probe, 'AgentRegistered');
  if (registered === undefined) throw new Error('agent was not registered');
  return { probe, agentId: (registered.body as { agentId: string }).agentId, resources };
}

/** AgentInfo for `resources`. */
export function agentInfo(resources: string, hostname = 'agent.local', id?: string): Record<string, unknown> {
  return { ...(id !== undefined ? { id } : {}), hostname, port: 5051, resources: Resources.parse(resources).toJSON(), attributes: { rack: 'r1' } };
}

/** The last message named `name` a probe received. */
export function last(probe: Probe, name: string): Received | undefined {
  return [...probe.received].reverse().find((received) => received.name === name);
}

/** Every message named `name` a probe received. */
export function all(probe: Probe, name: string): Received[] {
  return probe.received.filter((received) => received.name === name);
}

/** Every offer a framework probe received, in order. */
export function offersOf(probe: Probe): Offer[] {
  return all(probe, 'ResourceOffers').flatMap((received) => (received.body as { offers: Offer[] }).offers);
}

/** The latest offer a framework probe received. */
export function latestOffer(probe: Probe): Offer {
  const offers = offersOf(probe);
  const offer = offers[offers.length - 1];
  if (offer === undefined) throw new Error('no offer received');
  return offer;
}

/** The status updates a framework probe received. */
export function updatesOf(probe: Probe): Array<{ update: StatusUpdate; pid?: string }> {
  return all(probe, 'StatusUpdate').map((received) => received.body as { update: StatusUpdate; pid?: string });
}

/** The states of the updates a framework probe received for one task. */
export function statesOf(probe: Probe, taskId: string): TaskState[] {
  return updatesOf(probe).filter(({ update }) => update.status.taskId === taskId).map(({ update }) => update.status.state);
}

/** A command task using `resources` on `agentId`. */
export function commandTask(taskId: string, agentId: string, resources = 'cpus:1;mem:128'): TaskInfo {
  return { name: `task ${taskId}`, taskId, agentId, resources: Resources.parse(resources).toJSON(), command: { value: 'sleep 1000' } };
}

/** Launches `tasks` on `offer` and settles. */
export async function launch(harness: Harness, framework: FakeFramework, offerIds: string[], tasks: TaskInfo[], refuseSeconds?: number): Promise<void> {
  framework.probe.post(harness.masterPid, 'LaunchTasks', {
    frameworkId: framework.frameworkId, offerIds, tasks, ...(refuseSeconds !== undefined ? { filters: { refuseSeconds } } : {}),
  });
  await harness.clock.settle();
}

let nextUuid = 1;

/** The agent sends a status update for a task (with a fresh uuid); returns the uuid. */
export async function agentUpdate(harness: Harness, agent: AgentHandle, frameworkId: string, taskId: string, state: TaskState): Promise<string> {
  const uuid = `uuid-${nextUuid++}`;
  const timestamp = harness.clock.now() / 1000;
  const update: StatusUpdate = {
    frameworkId, agentId: agent.agentId, timestamp, uuid,
    status: { taskId, state, source: 'SOURCE_EXECUTOR', agentId: agent.agentId, timestamp, uuid },
  };
  agent.probe.post(harness.masterPid, 'StatusUpdate', { update, pid: agent.probe.self().toString() });
  await harness.clock.settle();
  return uuid;
}

/** A task as an agent reports it when re-registering. */
export function reportedTask(taskId: string, frameworkId: string, agentId: string, state: TaskState = 'TASK_RUNNING', resources = 'cpus:1;mem:128'): Task {
  return { name: `task ${taskId}`, taskId, frameworkId, agentId, state, resources: Resources.parse(resources).toJSON(), role: '*' };
}

/** `/master/state` as a plain object. */
export function masterState(harness: Harness): Promise<Record<string, unknown>> {
  return dispatch(harness.handle.master, (master) => master.stateJson());
}

/** The master's metrics (without the allocator's). */
export function metricsOf(harness: Harness): Promise<Record<string, number>> {
  return dispatch(harness.handle.master, (master) => master.metrics());
}

/** The property tests' offer step that deletes: the outstanding offer `pick` picks (modulo their count), if any. */
export function deleteOfferAt(state: MasterState, pick: number): void {
  const outstanding = [...state.offers.values()];
  const record = outstanding[pick % Math.max(1, outstanding.length)];
  if (record !== undefined) state.deleteOffer(record);
}

/**
 * The property tests' offer step that adds: a `cpus:1` offer `offerId` of agent `agentId` to
 * framework `frameworkId`, in the framework's role `pickRole` picks (modulo their count); nothing
 * if either is not registered.
 */
export function addCpusOffer(state: MasterState, agentId: string, frameworkId: string, offerId: () => string, pickRole = 0): void {
  const agent = state.agents.get(agentId);
  const framework = state.frameworks.get(frameworkId);
  if (agent === undefined || framework === undefined) return;
  const resources = Resources.parse('cpus:1');
  const roles = framework.info.roles ?? ['*'];
  const allocationRole = roles[pickRole % Math.max(1, roles.length)] ?? '*';
  const offer = { id: offerId(), frameworkId: framework.id, agentId: agent.id, hostname: agent.info.hostname, resources: resources.toJSON(), allocationRole };
  state.addOffer(newOfferRecord(offer, resources), framework, agent);
}
