// actors/framework/examples/volume.ts: a persistent volume outlives the tasks that use it.
//
// Reserves disk for its role, makes a persistent volume of it and runs `runs` tasks on the volume
// one after another, each adding a line to `data/runs` and the last checking that every run's
// line is there; then destroys the volume and gives the disk back (Mesos' example is
// src/examples/persistent_volume_framework.cpp). Run it against a cluster whose agents have disk:
//   node dist/actors/framework/examples/volume.js 127.0.0.1:5050
import * as os from 'node:os';
import { ActorHost } from '../../../lib/process';
import { dynamicReservation, Resources, type ResourceJSON } from '../../../lib/resources';
import { isTerminalState, type Offer, type Operation, type TaskStatus } from '../../../lib/protocol';
import { fitInto } from '../offers';
import { Scheduler, type SchedulerOptions } from '../scheduler';

/** Offers the example does not need are declined for this long. */
export const VOLUME_EXAMPLE_REFUSE_SECONDS = 5;

/** What the volume example does. */
export interface VolumeExampleOptions extends SchedulerOptions {
  /** The role it reserves for (the framework's only role). */
  role: string;
  /** Disk of the volume, in MB. */
  volumeMb: number;
  /** How many tasks run on the volume, one after another (at least 2). */
  runs: number;
  /** What else each task uses, e.g. `cpus:0.1;mem:32`. */
  taskResources: Resources;
  /** The volume's persistence id (unique in the role on its agent). */
  volumeId?: string;
  /** The shell command of run `run` (default: `volumeRunCommand`). */
  commandOf?: (run: number, runs: number) => string;
  /** Called on every task state change. */
  onUpdate?: (status: TaskStatus) => void;
}

/** How the example ended. */
export interface VolumeExampleResult {
  /** The runs that finished, in order. */
  finished: number;
  /** The state of the run that ended it (TASK_FINISHED when all went well). */
  last: TaskStatus['state'];
  /** Whether the volume was destroyed and its disk unreserved. */
  cleanedUp: boolean;
}

/** Where the tasks see the volume, relative to their sandbox. */
export const VOLUME_EXAMPLE_CONTAINER_PATH = 'data';

/**
 * The example's run `run` of `runs`: adds its line to `data/runs`; the last also checks that every
 * run before it left its line there (it fails if the volume did not keep them).
 */
export function volumeRunCommand(run: number, runs: number): string {
  const path = VOLUME_EXAMPLE_CONTAINER_PATH;
  const check = run === runs ? ` && test "$(wc -l < ${path}/runs)" -eq ${run}` : '';
  return `echo "run ${run}" >> ${path}/runs${check}`;
}

/**
 * Run 1 arrives with RESERVE and CREATE in its ACCEPT; each later run waits for an offer that
 * holds the volume (it comes back to the role, whole, when the run before ends); after the last,
 * DESTROY and UNRESERVE go in one ACCEPT.
 *
 *   const example = new VolumeExample({ master, framework: { name: 'volume', user, roles: ['eng'], capabilities: ['MULTI_ROLE'] },
 *     role: 'eng', volumeMb: 64, runs: 3, taskResources: Resources.parse('cpus:0.1;mem:32') });
 *   host.spawn(example);
 *   const { finished, last } = await example.done;
 */
export class VolumeExample extends Scheduler {
  /** Resolves once the last run ended and the volume was destroyed (or a run failed). */
  readonly done: Promise<VolumeExampleResult>;
  private resolveDone!: (result: VolumeExampleResult) => void;
  /** The volume as the master shows it (set once it is asked for). */
  private volume: Resources | undefined;
  /** The agent it is on. */
  private agentId: string | undefined;
  private finished = 0;
  /** Whether a run is launched and not yet ended. */
  private running = false;
  private failed: TaskStatus['state'] | undefined;
  private cleanedUp = false;

  constructor(private readonly example: VolumeExampleOptions) {
    super(example);
    if (!Number.isInteger(example.runs) || example.runs < 2) throw new Error(`runs: ${example.runs}; at least 2 (the last run checks the ones before)`);
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
  }

  protected override resourceOffers(offers: Offer[]): void {
    for (const offer of offers) {
      if (this.cleanedUp && offer.agentId === this.agentId && !this.holdsVolume(offer)) {
        // DESTROY and UNRESERVE went through: the agent's offers no longer hold the volume.
        this.resolveDone({ finished: this.finished, last: this.failed ?? 'TASK_FINISHED', cleanedUp: true });
      }
      const operations = this.running ? undefined : this.volume === undefined ? this.firstRun(offer) : this.nextStep(offer);
      if (operations === undefined) this.decline(offer.id, { refuseSeconds: VOLUME_EXAMPLE_REFUSE_SECONDS });
      else this.accept(offer.id, operations, { refuseSeconds: 0 });
    }
  }

  private holdsVolume(offer: Offer): boolean {
    return this.volume !== undefined && Resources.fromJSON(offer.resources).contains(this.volume);
  }

  /** RESERVE the volume's disk, CREATE the volume and LAUNCH run 1 on it, when `offer` has room. */
  private firstRun(offer: Offer): Operation[] | undefined {
    const { role, volumeMb } = this.example;
    const offered = Resources.fromJSON(offer.resources);
    const disk = Resources.scalar('disk', volumeMb);
    if (!offered.unreserved().contains(disk)) return undefined;
    const task = fitInto(offered.subtract(disk), this.example.taskResources, offer.allocationRole ?? role);
    if (task === undefined) return undefined;
    const principal = this.framework.principal;
    const reserved = disk.reservedDynamically(role, dynamicReservation(principal));
    const [entry] = reserved.toJSON() as [ResourceJSON];
    const volume = Resources.fromJSON([{
      ...entry,
      disk: { persistence: principal === undefined ? { id: this.volumeId() } : { id: this.volumeId(), principal }, volume: { container_path: VOLUME_EXAMPLE_CONTAINER_PATH, mode: 'RW' } },
    }]);
    this.volume = volume;
    this.agentId = offer.agentId;
    return [
      { type: 'RESERVE', reserve: { resources: reserved.toJSON() } },
      { type: 'CREATE', create: { volumes: volume.toJSON() } },
      this.launchRun(offer, task),
    ];
  }

  /** The next run on the volume, or DESTROY and UNRESERVE after the last, when `offer` holds the volume. */
  private nextStep(offer: Offer): Operation[] | undefined {
    const volume = this.volume;
    if (volume === undefined || offer.agentId !== this.agentId) return undefined;
    const offered = Resources.fromJSON(offer.resources);
    if (!offered.contains(volume)) return undefined;
    if (this.finished >= this.example.runs || this.failed !== undefined) {
      // Again if the volume is offered again (an operation is dropped silently when invalid).
      this.cleanedUp = true;
      return [{ type: 'DESTROY', destroy: { volumes: volume.toJSON() } }, { type: 'UNRESERVE', unreserve: { resources: volume.withoutVolumes().toJSON() } }];
    }
    const task = fitInto(offered.subtract(volume), this.example.taskResources, offer.allocationRole ?? this.example.role);
    return task === undefined ? undefined : [this.launchRun(offer, task)];
  }

  /** LAUNCH of the next run: its resources and the whole volume. */
  private launchRun(offer: Offer, resources: Resources): Operation {
    const run = this.finished + 1;
    this.running = true;
    return {
      type: 'LAUNCH',
      launch: {
        taskInfos: [{
          name: `volume run ${run}`, taskId: `${this.framework.name}-run-${run}`, agentId: offer.agentId,
          resources: resources.add(this.volume ?? Resources.EMPTY).toJSON(),
          command: { value: (this.example.commandOf ?? volumeRunCommand)(run, this.example.runs) },
        }],
      },
    };
  }

  protected override statusUpdate(status: TaskStatus): void {
    this.example.onUpdate?.(status);
    if (!isTerminalState(status.state)) return;
    this.running = false;
    if (status.state === 'TASK_FINISHED') this.finished++;
    else this.failed = status.state;
    // The volume and the rest come back at the next allocation; make sure they are offered to us.
    this.revive();
  }

  protected override error(message: string): void {
    console.error(`volume example: ${message}`);
    this.resolveDone({ finished: this.finished, last: this.failed ?? 'TASK_ERROR', cleanedUp: false });
  }

  private volumeId(): string {
    return this.example.volumeId ?? `${this.framework.name}-volume`;
  }
}

async function main(): Promise<void> {
  const host = await ActorHost.start({ port: 0 });
  const example = new VolumeExample({
    master: process.argv[2] ?? '127.0.0.1:5050', masterTimeoutMs: 30_000,
    framework: { name: 'volume', user: os.userInfo().username, roles: ['volume-example'], capabilities: ['MULTI_ROLE'] },
    role: 'volume-example', volumeMb: 16, runs: 3, taskResources: Resources.parse('cpus:0.1;mem:32'),
    onUpdate: (status) => console.log(status.taskId, status.state, status.message ?? ''),
  });
  host.spawn(example);
  const result = await example.done;
  console.log(`${result.finished} runs finished on the volume; destroyed: ${result.cleanedUp}`);
  example.stop();
  await host.stop();
  process.exit(result.last === 'TASK_FINISHED' && result.cleanedUp ? 0 : 1);
}

if (require.main === module) void main();
