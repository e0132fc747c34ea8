/**
 * Issue 9's flood, under the virtual clock: a master and an agent on one host, a hostile peer
 * on a host of its own that registers thousands of frameworks in a few seconds (each holds
 * every offer it gets and never declines), and a legitimate framework on a third host that
 * runs a one-task job. The hosts are joined by a `VirtualNetwork`, so the master sees each
 * peer at its own `host:port`, as it would over real links.
 */
import { Actor, UPID } from '../../lib/actor';
import { MemoryDisk } from '../../lib/disk';
import { VirtualClock, type ActorHost } from '../../lib/process';
import { Resources } from '../../lib/resources';
import {
  FrameworkError, FrameworkRegistered, LostAgent, RegisterFramework, RescindResourceOffer, ResourceOffers,
  type Offer, type TaskStatus,
} from '../../lib/protocol';
import { Registry, registryPathOf, startMaster, type MasterHandle } from '../../actors/master';
import { defaultMasterFlags, type MasterFlags } from '../../actors/master/flags';
import { startAgent } from '../../actors/agent';
import { defaultAgentFlags } from '../../actors/agent/flags';
import { Scheduler } from '../../actors/framework/scheduler';
import { fitResources } from '../../actors/framework/offers';
import { VirtualNetwork } from '../support/virtual-network';
import {
  InProcessLauncher, SIMULATED_COMMAND_EXECUTOR_PATH, SIMULATED_DEFAULT_EXECUTOR_PATH, SIMULATED_MACHINE, SIMULATED_MASTER_HOSTNAME, SIMULATION_WORK_DIR, simulatedAgentHostname,
} from './simulation';

/** The master's host (the agent runs there too). */
export const FLOOD_MASTER_ADDRESS = 'master.simulation:5050';
/** The hostile peer's host. */
export const FLOOD_PEER_ADDRESS = 'hostile.simulation:7000';
/** The legitimate framework's host. */
export const LEGIT_PEER_ADDRESS = 'legit.simulation:7000';
/** The flood sends a batch of registrations this often (virtual ms). */
export const FLOOD_BATCH_INTERVAL_MS = 10;

/** A framework of the flood: it registers, then sits on every offer it gets (never declines, never launches). */
class FloodFramework extends Actor {
  constructor(id: string, private readonly master: UPID, tally: FloodTally) {
    super(id);
    this.install(FrameworkRegistered, () => { tally.registered++; });
    this.install(FrameworkError, (_from, body) => {
      tally.refused++;
      tally.lastError = body.message;
    });
    this.install(ResourceOffers, (_from, body) => { tally.offersHeld += body.offers.length; });
    this.install(RescindResourceOffer, () => { tally.offersRescinded++; });
    this.install(LostAgent, () => undefined);
  }

  protected override initialize(): void {
    this.send(this.master, RegisterFramework, { framework: { name: this.id, user: 'mallory' } });
  }
}

/** What the flood's frameworks heard. */
export interface FloodTally {
  registered: number;
  /** FrameworkErrors received, and the last one's message. */
  refused: number;
  lastError?: string;
  offersHeld: number;
  offersRescinded: number;
}

/**
 * The hostile peer: it starts `count` frameworks over `spreadMs` of virtual time, in batches
 * every `FLOOD_BATCH_INTERVAL_MS`, each an actor of its host (so that the master's links to
 * them hold, as a real attacker's would).
 */
export class FloodPeer extends Actor {
  readonly tally: FloodTally = { registered: 0, refused: 0, offersHeld: 0, offersRescinded: 0 };
  /** Frameworks started so far. */
  private started = 0;

  constructor(private readonly master: UPID, private readonly count: number, private readonly spreadMs: number) {
    super('flood');
  }

  /** Whether every registration of the flood has been sent. */
  get done(): boolean {
    return this.started === this.count;
  }

  protected override initialize(): void {
    this.batch();
  }

  private batch(): void {
    const batches = Math.max(1, Math.floor(this.spreadMs / FLOOD_BATCH_INTERVAL_MS));
    const perBatch = Math.ceil(this.count / batches);
    for (let sent = 0; sent < perBatch && this.started < this.count; sent++) {
      this.host.spawn(new FloodFramework(`flood-${this.started++}`, this.master, this.tally));
    }
    if (this.started < this.count) this.delay(FLOOD_BATCH_INTERVAL_MS, () => this.batch());
  }
}

/** A framework that runs one task (`command`, with `resources`) on the first offer that fits and declines the rest. */
export class OneTaskJob extends Scheduler {
  /** The task's statuses, in order, with the virtual time each arrived. */
  readonly statuses: Array<{ readonly state: string; readonly atMs: number }> = [];
  /** When the job's framework was spawned (set by `initialize`). */
  startedAtMs = 0;
  /** When the task finished, if it has. */
  finishedAtMs: number | undefined;
  private launched = false;

  constructor(master: string, private readonly command: string, private readonly resources: Resources) {
    super({ master, id: 'job', framework: { name: 'one-task job', user: 'alice' } });
  }

  protected override initialize(): void {
    this.startedAtMs = this.clock.now();
    super.initialize();
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      const picked = this.launched ? undefined : fitResources(offer, this.resources);
      if (picked === undefined) {
        this.decline(offer.id);
        continue;
      }
      this.launched = true;
      this.launch(offer.id, [{ name: 'job', taskId: 'job-task', agentId: offer.agentId, resources: picked.toJSON(), command: { value: this.command } }]);
    }
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.statuses.push({ state: status.state, atMs: this.clock.now() });
    if (status.state === 'TASK_FINISHED') this.finishedAtMs = this.clock.now();
  }
}

/** The flood's cluster. */
export interface FloodCluster {
  readonly clock: VirtualClock;
  readonly network: VirtualNetwork;
  readonly masterHost: ActorHost;
  readonly master: MasterHandle;
  readonly peerHost: ActorHost;
  readonly legitHost: ActorHost;
}

/** Starts the master (with `flags` over the defaults) and one agent with `resources` on the master's host, and two empty peer hosts. */
export async function startFloodCluster(resources: string, flags: Partial<MasterFlags> = {}): Promise<FloodCluster> {
  const clock = new VirtualClock({ simulated: true });
  const network = new VirtualNetwork(clock);
  const masterHost = network.host(FLOOD_MASTER_ADDRESS);
  const masterDisk = new MemoryDisk(clock);
  const masterFlags: MasterFlags = { ...defaultMasterFlags(`${SIMULATION_WORK_DIR}/master`), hostname: SIMULATED_MASTER_HOSTNAME, stateTurnBudgetMs: undefined, ...flags };
  const master = await startMaster({ flags: masterFlags, host: masterHost, registry: await Registry.load(registryPathOf(masterFlags), { disk: masterDisk, clock }) });
  const agentDisk = new MemoryDisk(clock);
  const launcher = new InProcessLauncher(masterHost);
  const agentFlags = defaultAgentFlags({
    master: FLOOD_MASTER_ADDRESS, workDir: `${SIMULATION_WORK_DIR}/agent`, resources, hostname: simulatedAgentHostname(0), commandExecutorPath: SIMULATED_COMMAND_EXECUTOR_PATH, defaultExecutorPath: SIMULATED_DEFAULT_EXECUTOR_PATH,
  });
  await startAgent({ flags: agentFlags, host: masterHost, launcher: launcher.on(agentDisk), disk: agentDisk, probe: SIMULATED_MACHINE });
  await clock.advance(5_000); // the agent registers, with its backoff
  return { clock, network, masterHost, master, peerHost: network.host(FLOOD_PEER_ADDRESS), legitHost: network.host(LEGIT_PEER_ADDRESS) };
}
