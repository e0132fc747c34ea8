/**
 * The message faults of the chaos simulation (chaos.ts): drops of one kind of message, a
 * fraction of them, for a while; partitions between the master and an agent; and the broken
 * link that goes with losing a message that nobody sends again. All of them are message filters
 * of the one host (`host.filters.drop`) and exits injected into the actors at both ends.
 */
import type { UPID } from '../../lib/actor';
import { Prng, type ActorHost, type DeliveredMessage, type FilterHandle } from '../../lib/process';
import { MASTER_ACTOR_ID } from '../../actors/master/constants';

/** Messages a drop may take (by name). */
export const DROPPABLE_MESSAGES: readonly string[] = [
  'Ping', 'Pong', 'StatusUpdate', 'StatusUpdateAcknowledgement', 'ResourceOffers', 'RescindResourceOffer', 'AcceptOffers',
  'DeclineOffers', 'KillTask', 'KillTaskOnAgent', 'KillTaskOnExecutor', 'ReconcileTasks', 'RegisterAgent', 'AgentRegistered',
  'ReregisterAgent', 'AgentReregistered', 'Shutdown', 'RegisterFramework', 'FrameworkRegistered', 'ReregisterFramework',
  'FrameworkReregistered', 'UpdateFramework', 'LostAgent', 'RegisterExecutor', 'ExecutorRegistered', 'ExitedExecutor',
  'ShutdownExecutorOnExecutor', 'RunTask', 'RunTaskOnExecutor', 'ShutdownFramework',
];

/**
 * Messages that nobody sends again, by the receiver they go to: losing one also breaks the link
 * it travelled on, and both ends see the other exit, as when libprocess loses a socket (the only
 * way it loses a message). Lost alone, with every link up:
 *   - a RunTask would leave the task TASK_STAGING at the master for good, as in Mesos (its
 *     agents even ignore kills for frameworks they have never heard of);
 *   - a ShutdownFramework would leave the framework's tasks running;
 *   - a RunTaskOnExecutor, or an ExecutorRegistered (the executor then ignores its tasks), would
 *     leave the task staging at the agent;
 *   - an AgentRegistered would let the master launch tasks on an agent that ignores them until it
 *     learns it is registered, and then has nothing to reconcile (a Mesos agent without an id
 *     ignores them too);
 *   - an ExitedExecutor to the master would leave it counting a custom executor's resources until
 *     the agent re-registers (the master then drops the executors the agent no longer reports).
 *     (The master's copy to the scheduler is only news: it may be lost alone.)
 */
export const LINK_BREAKING_MESSAGES: ReadonlyMap<string, Receiver> = new Map<string, Receiver>([
  ['RunTask', 'agent'], ['ShutdownFramework', 'agent'], ['AgentRegistered', 'agent'],
  ['RunTaskOnExecutor', 'executor'], ['ExecutorRegistered', 'executor'], ['ExitedExecutor', 'master'],
]);

/** Who receives a message, by the actor ids of the cluster (`master`, `slave(N)`, `executor-...`, `scheduler-...`). */
export type Receiver = 'master' | 'agent' | 'executor' | 'scheduler';

function receiver(pid: UPID): Receiver {
  if (pid.id === MASTER_ACTOR_ID) return 'master';
  if (pid.id.startsWith('slave(')) return 'agent';
  return pid.id.startsWith('executor-') ? 'executor' : 'scheduler';
}

/** Share of the matching messages a drop takes, one of these. */
export const DROP_FRACTIONS: readonly number[] = [0.25, 0.5, 1];
/** Longest a drop or a partition lasts, mostly. */
export const MAX_FAULT_DURATION_MS = 120_000;
/** Chance that a drop or a partition lasts longer: up to `MAX_LONG_FAULT_DURATION_MS`. */
export const LONG_FAULT_PROBABILITY = 0.1;
/** Longest a long fault lasts: past the master's agent re-registration timeout (10 min). */
export const MAX_LONG_FAULT_DURATION_MS = 15 * 60_000;
/** Drops and partitions in force at once, at most. */
export const MAX_ACTIVE_FAULTS = 3;

/** What the faults act on and report to. */
export interface FaultOptions {
  readonly host: ActorHost;
  readonly masterPid: UPID;
  /** Draws every choice (each drop also gets a PRNG of its own, seeded from it). */
  readonly random: Prng;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Told of each message a drop takes, before it is dropped. */
  readonly dropped: (name: string, message: DeliveredMessage) => void;
}

/** A drop or a partition in force. */
interface ActiveFault {
  readonly untilMs: number;
  readonly what: string;
  readonly filter: FilterHandle;
}

/** The drops and partitions in force, and how they start and end. */
export class Faults {
  private active: ActiveFault[] = [];

  constructor(private readonly options: FaultOptions) {}

  /** Whether another drop or partition may start. */
  get roomForMore(): boolean {
    return this.active.length < MAX_ACTIVE_FAULTS;
  }

  /** Starts dropping a random fraction of one random kind of message, for a random while. */
  startDrop(): void {
    const { random, host } = this.options;
    const name = pick(random, DROPPABLE_MESSAGES);
    const fraction = pick(random, DROP_FRACTIONS);
    const draws = new Prng(random.nextUint32());
    const filter = host.filters.drop({
      name,
      where: (message) => {
        if (draws.next() >= fraction) return false;
        this.options.dropped(name, message);
        if (LINK_BREAKING_MESSAGES.get(name) === receiver(message.to)) this.breakLink(message.from, message.to, `a ${name} was dropped`);
        return true;
      },
    }, 'always');
    this.add(`drop ${fraction * 100}% of ${name}`, filter);
  }

  /** Cuts the master off from the agent at `agentPid`: the link breaks, and every message between them is dropped for a random while. */
  startPartition(agentPid: UPID): void {
    const masterPid = this.options.masterPid;
    const between = (a: UPID, b: UPID): boolean => (a.equals(masterPid) && b.equals(agentPid)) || (a.equals(agentPid) && b.equals(masterPid));
    const filter = this.options.host.filters.drop({ where: (message) => between(message.from, message.to) }, 'always');
    this.add(`partition master | ${agentPid.toString()}`, filter);
    this.breakLink(masterPid, agentPid, 'partition');
  }

  /** Ends the faults whose time is up (all of them with `all`). */
  endExpired(all = false): void {
    const nowMs = this.options.now();
    const ending = this.active.filter((fault) => all || fault.untilMs <= nowMs);
    for (const fault of ending) {
      fault.filter.remove();
      this.options.log(`ends: ${fault.what}`);
    }
    this.active = this.active.filter((fault) => !ending.includes(fault));
  }

  /** The link between two actors breaks: each sees the other exit. */
  private breakLink(one: UPID, other: UPID, why: string): void {
    this.options.log(`link ${one.toString()} <-> ${other.toString()} breaks: ${why}`);
    this.options.host.injectExited(one, other);
    this.options.host.injectExited(other, one);
  }

  private add(what: string, filter: FilterHandle): void {
    const random = this.options.random;
    const untilMs = this.options.now() + random.nextInt(random.next() < LONG_FAULT_PROBABILITY ? MAX_LONG_FAULT_DURATION_MS : MAX_FAULT_DURATION_MS);
    this.active.push({ untilMs, what, filter });
    this.options.log(`${what}, for ${((untilMs - this.options.now()) / 1000).toFixed(1)} s`);
  }
}

/** A random element of `items`. */
export function pick<T>(random: Prng, items: readonly T[]): T {
  const item = items[random.nextInt(items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
