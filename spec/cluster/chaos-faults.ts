/**
 * The message faults of the chaos simulation (chaos.ts). One host stands for several machines
 * (the master's, each agent's with its executors, each scheduler's), so a fault between two
 * machines acts on the messages between their actors and on the link between them:
 *   - drops of one kind of message, a fraction of them, for a while; losing one that nobody
 *     sends again also breaks the link it travelled on (libprocess loses messages only so);
 *   - partitions between the master and an agent or a scheduler: the link breaks and every
 *     message between them is dropped for a while;
 *   - a link that breaks by itself (no crash, nothing lost);
 *   - a stalled peer (a paused process): the link stays up, and every message to or from it
 *     waits, in order, until the stall ends;
 *   - latency: messages between machines take a random time to arrive, each link keeping its
 *     order, so that messages on different links overtake one another (reordered delivery
 *     between hosts);
 *   - duplicated delivery of a message its sender retries anyway (a retry that crossed a late
 *     acknowledgement): it arrives a second time a little later.
 * All of them are message filters of the one host (`host.filters.drop`), `ActorHost.breakLink`
 * (a link break as a lost socket gives it: registrations dropped, `exited` to those linked),
 * and host-clock timers that deliver held messages.
 */
import * as path from 'node:path';
import type { Actor, UPID } from '../../lib/actor';
import { Prng, type ActorHost, type DeliveredMessage, type FilterHandle } from '../../lib/process';
import { MASTER_ACTOR_ID } from '../../actors/master/constants';
import type { MemoryDisk } from '../../lib/disk';

/** Messages a drop may take (by name). */
export const DROPPABLE_MESSAGES: readonly string[] = [
  'Ping', 'Pong', 'StatusUpdate', 'StatusUpdateAcknowledgement', 'ResourceOffers', 'RescindResourceOffer', 'AcceptOffers',
  'DeclineOffers', 'KillTask', 'KillTaskOnAgent', 'KillTaskOnExecutor', 'ReconcileTasks', 'RegisterAgent', 'AgentRegistered',
  'ReregisterAgent', 'AgentReregistered', 'Shutdown', 'RegisterFramework', 'FrameworkRegistered', 'ReregisterFramework',
  'FrameworkReregistered', 'UpdateFramework', 'LostAgent', 'RegisterExecutor', 'ExecutorRegistered', 'ExitedExecutor',
  'ShutdownExecutorOnExecutor', 'RunTask', 'RunTaskOnExecutor', 'ShutdownFramework',
];

/**
 * The authentication's messages, which a drop may take too when the master authenticates
 * (`ChaosOptions.credentials`). None breaks a link when lost: the client gives up after its
 * timeout (15 s) and starts again, and the master forgets an exchange that stopped halfway.
 */
export const AUTHENTICATION_MESSAGES: readonly string[] = [
  'Authenticate', 'AuthenticationChallenge', 'AuthenticationResponse', 'AuthenticationCompleted', 'AuthenticationFailed',
];

/** The reservations' messages, which a drop may take too with `ChaosOptions.reservations`. */
export const RESERVATION_MESSAGES: readonly string[] = ['CheckpointResources'];

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
 *   - a KillTaskOnAgent may be the master's own kill of a task it declared lost, which nobody
 *     asks for again (a framework's kills are repeated on the agent's re-registration too); so
 *     may the KillTaskOnExecutor the agent turns it into (seed 860: both copies of one were
 *     dropped, and the task ran on for good);
 *   - an ExitedExecutor to the master would leave it counting a custom executor's resources until
 *     the agent re-registers (the master then drops the executors the agent no longer reports).
 *     (The master's copy to the scheduler is only news: it may be lost alone.)
 *   - a CheckpointResources (dropped only with `ChaosOptions.reservations`: `RESERVATION_MESSAGES`)
 *     would leave the agent holding other dynamic reservations than the master has for it until
 *     it re-registers, when the master sends them again.
 */
export const LINK_BREAKING_MESSAGES: ReadonlyMap<string, Receiver> = new Map<string, Receiver>([
  ['RunTask', 'agent'], ['ShutdownFramework', 'agent'], ['AgentRegistered', 'agent'], ['KillTaskOnAgent', 'agent'], ['CheckpointResources', 'agent'],
  ['RunTaskOnExecutor', 'executor'], ['ExecutorRegistered', 'executor'], ['KillTaskOnExecutor', 'executor'], ['ExitedExecutor', 'master'],
]);

/**
 * With `ChaosOptions.reservations`, an AgentReregistered lost breaks its link too. Lost alone,
 * the master's CheckpointResources sent just behind it (its word on the agent's reservations,
 * when they differ from those the agent reported) reaches an agent that does not know it is back
 * and ignores it; the master, which thinks the agent registered, goes on launching tasks on
 * reservations the agent does not have, for as long as the drop lasts (seed 2120 with three
 * masters: 900 s, then a new master refused the agent's report). libprocess cannot lose a
 * message and deliver the next one on its link: it loses both with the socket, and the master
 * sees the agent's link break.
 */
export const RESERVATION_LINK_BREAKING_MESSAGES: ReadonlyMap<string, Receiver> = new Map<string, Receiver>([
  ...LINK_BREAKING_MESSAGES, ['AgentReregistered', 'agent'],
]);

/** Who receives a message, by the actor ids of the cluster (`master`, `slave(N)`, `executor-...`, `scheduler-...`). */
export type Receiver = 'master' | 'agent' | 'executor' | 'scheduler';

export function receiver(pid: UPID): Receiver {
  // `master-2`, `master-3`: the other masters of an HA cluster.
  if (pid.id === MASTER_ACTOR_ID || pid.id.startsWith(`${MASTER_ACTOR_ID}-`)) return 'master';
  if (pid.id.startsWith('slave(')) return 'agent';
  return pid.id.startsWith('executor-') ? 'executor' : 'scheduler';
}

/**
 * Actor ids of the master's v1 HTTP framework adapters (actors/master/v1-scheduler.ts
 * `HttpFramework`, `scheduler-http(N)`). In Mesos an HTTP framework lives inside the master
 * process, so no message fault acts on what passes between it and the master; its client's
 * connection has faults of its own (chaos-http-framework.ts).
 */
export const HTTP_ADAPTER_ID_PREFIX = 'scheduler-http(';

/** Whether a message goes to or from a master's HTTP framework adapter: inside the master's machine. */
export function insideMaster(message: Pick<DeliveredMessage, 'from' | 'to'>): boolean {
  return message.from.id.startsWith(HTTP_ADAPTER_ID_PREFIX) || message.to.id.startsWith(HTTP_ADAPTER_ID_PREFIX);
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
/** What the registry-failure fault is called in the log. */
const REGISTRY_FAILURES = 'every registry write fails';
/** How long one registry write takes while the registry is slow (ms): a busy disk, a stalled one. */
export const SLOW_REGISTRY_WRITES_MS: readonly number[] = [200, 2_000, 20_000];
/** Longest time a message between machines takes to arrive under a latency fault, one of these (ms). */
export const LATENCIES_MS: readonly number[] = [50, 500, 3_000];
/**
 * Messages whose sender sends them again anyway (registrations, status updates and their
 * acknowledgements, pings, reconciliation, kills), so the receiver must take a second copy:
 * the only ones a duplicate fault repeats.
 */
export const RETRIED_MESSAGES: readonly string[] = [
  'RegisterAgent', 'ReregisterAgent', 'RegisterFramework', 'ReregisterFramework', 'StatusUpdate', 'StatusUpdateAcknowledgement',
  'Ping', 'Pong', 'ReconcileTasks', 'KillTask',
];

/** Whether a message crosses between machines: the master and an agent, or the master and a scheduler. */
export function crossesMachines(message: Pick<DeliveredMessage, 'from' | 'to'>): boolean {
  if (insideMaster(message)) return false;
  const ends = [receiver(message.from), receiver(message.to)];
  return ends.includes('master') && (ends.includes('agent') || ends.includes('scheduler'));
}

/** What the faults act on and report to. */
export interface FaultOptions {
  readonly host: ActorHost;
  /** The (leading) master's pid now. */
  readonly masterPid: () => UPID;
  /** Draws every choice (each drop also gets a PRNG of its own, seeded from it). */
  readonly random: Prng;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Told of each message a drop takes, before it is dropped. */
  readonly dropped: (name: string, message: DeliveredMessage) => void;
  /** Told of each link a fault breaks, before it breaks. */
  readonly linkBroke?: (one: UPID, other: UPID) => void;
  /** The disk the master's registry is on, whose writes registry faults fail or slow down. */
  readonly registryDisk?: MemoryDisk;
  /** The messages a drop may take (default `DROPPABLE_MESSAGES`). */
  readonly droppable?: readonly string[];
  /** The messages whose loss breaks their link, by receiver (default `LINK_BREAKING_MESSAGES`). */
  readonly linkBreaking?: ReadonlyMap<string, Receiver>;
}

/**
 * Delivers messages a fault took, past that fault's own filter (the other faults' filters still
 * apply). One message is delayed or duplicated by one fault at most, whatever faults overlap:
 * `acted` (shared by every fault of a run) holds the bodies some fault has acted on, copies
 * included. Else a message one fault delays meets another when it is delivered again, and
 * overlapping latency and duplicate faults multiply copies without end (seed 400682).
 */
class Redelivery {
  /** True while delivering: the fault's filter lets the message through. */
  private active = false;

  constructor(private readonly host: ActorHost, private readonly acted: WeakSet<object>, private readonly links: LinkBreaks) {}

  /** Holds `message` back, noting who is at its ends and how often its link has broken. */
  hold(message: DeliveredMessage): HeldMessage {
    const { host } = this;
    return { message, sender: host.lookup(message.from.id), receiver: host.lookup(message.to.id), linkBreaks: this.links.count(message.from, message.to) };
  }

  /** True when no fault has acted on this message yet (and this one is not delivering it): it is now this fault's. */
  firstPass(message: DeliveredMessage): boolean {
    const body = message.body;
    if (this.active) return false;
    if (typeof body !== 'object' || body === null) return true;
    if (this.acted.has(body)) return false;
    this.acted.add(body);
    return true;
  }

  /** Marks a copy this fault makes as acted on, so that no fault takes it again. */
  own(body: unknown): unknown {
    if (typeof body === 'object' && body !== null) this.acted.add(body);
    return body;
  }

  /**
   * Delivers a message held back, if the process it goes to is the one that was there when it
   * was held: one that ended (or restarted at the same address) took its connection, and the
   * message, with it; it never reaches the next incarnation. A sender that ended meanwhile does
   * not stop it (what it sent was on its way), unless `senderMustLive`: a stalled machine's
   * connections die with a process that ends there. A link that broke since took it too.
   */
  deliverHeld(held: HeldMessage, options: Pick<FaultOptions, 'log' | 'dropped'>, senderMustLive = false): void {
    const { message, sender, receiver } = held;
    const senderNow = this.host.lookup(message.from.id);
    const lost = this.host.lookup(message.to.id) !== receiver ? 'the process there ended'
      // A peer restarted at the same address replaces the old connection (the runtime tells
      // incarnations apart), and what was on it is gone: a late message would pass for the new one's.
      : senderNow !== sender && senderNow !== undefined ? 'its sender restarted at the same address'
        : senderMustLive && senderNow !== sender ? 'its stalled sender ended'
          : this.links.count(message.from, message.to) !== held.linkBreaks ? 'its link broke' : undefined;
    if (lost === undefined) return this.deliver(message);
    options.log(`a held ${message.name} from ${message.from.toString()} to ${message.to.toString()} is lost: ${lost}`);
    options.dropped(message.name, message);
  }

  deliver(message: DeliveredMessage): void {
    this.active = true;
    try {
      this.host.inject(message.from, message.to, message.name, message.body);
    } finally {
      this.active = false;
    }
  }
}

/** A message a fault holds back, with the actors at its ends, and its link's break count, as they were when held. */
interface HeldMessage {
  readonly message: DeliveredMessage;
  readonly sender: Actor | undefined;
  readonly receiver: Actor | undefined;
  readonly linkBreaks: number;
}

/**
 * How many times each link (a pair of pids, either order) has broken: a message held on a link
 * that then breaks is lost with the connection it was on, as unread data on a reset TCP
 * connection is (seed 500002: a stalled scheduler's link was reset, and the held updates still
 * arrived).
 */
class LinkBreaks {
  private readonly counts = new Map<string, number>();

  count(one: UPID, other: UPID): number {
    return this.counts.get(LinkBreaks.key(one, other)) ?? 0;
  }

  broke(one: UPID, other: UPID): void {
    const key = LinkBreaks.key(one, other);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  private static key(one: UPID, other: UPID): string {
    const [a, b] = [one.toString(), other.toString()].sort();
    return `${a} <-> ${b}`;
  }
}

/** Whether a message travels between `one` and `other`, either way. */
/** Whether a message goes between a master (any, in an HA cluster) and `peer`. */
function betweenMastersAnd(message: Pick<DeliveredMessage, 'from' | 'to'>, peer: UPID): boolean {
  return (receiver(message.from) === 'master' && message.to.equals(peer)) || (message.from.equals(peer) && receiver(message.to) === 'master');
}

/** A fault in force. */
interface ActiveFault {
  readonly untilMs: number;
  readonly what: string;
  /** Whose messages it acts on, and when it started and ended (kept after it ends, for `touchedSince`). */
  readonly record: FaultRecord;
  readonly filter: FilterHandle;
  /** Runs when the fault ends, after its filter is gone (a stall delivers what it held). */
  readonly onEnd?: () => void;
}

/** Whose messages a fault acts on: everyone's (latency, the registry), one peer's (a partition, a stall), or one kind of message. */
export type FaultReach = { readonly everyone: true } | { readonly peer: string } | { readonly message: string };

/** What a fault acting on every message has for its reach. */
const EVERYONE: FaultReach = { everyone: true };

/** A fault that was in force, from when to when (`endMs` undefined while it is). */
interface FaultRecord {
  readonly what: string;
  readonly reach: FaultReach;
  readonly startMs: number;
  endMs: number | undefined;
}

/** The drops and partitions in force, and how they start and end. */
export class Faults {
  private active: ActiveFault[] = [];
  /** Every fault so far, for `touchedSince`. */
  private readonly history: FaultRecord[] = [];
  /** Bodies of the messages some fault has delayed or duplicated (see `Redelivery`). */
  private readonly acted = new WeakSet<object>();
  private readonly linkBreaks = new LinkBreaks();

  constructor(private readonly options: FaultOptions) {}

  /** Whether another drop or partition may start. */
  get roomForMore(): boolean {
    return this.active.length < MAX_ACTIVE_FAULTS;
  }

  /**
   * A fault in force at some moment since `sinceMs` that acted on `peer`'s messages (a partition
   * or stall of it, a drop or duplication of one of `names`, or one acting on everyone's), as
   * its log line says; undefined if none did.
   */
  touchedSince(sinceMs: number, peer: string, names: ReadonlySet<string>): string | undefined {
    const touching = this.history.find((record) => (record.endMs === undefined || record.endMs >= sinceMs) && (
      'everyone' in record.reach || ('peer' in record.reach && record.reach.peer === peer) || ('message' in record.reach && names.has(record.reach.message))
    ));
    return touching?.what;
  }

  /** Whether no fault is in force. */
  get quiet(): boolean {
    return this.active.length === 0;
  }

  /** Starts dropping a random fraction of one random kind of message, for a random while. */
  startDrop(): void {
    const { random, host } = this.options;
    const name = pick(random, this.options.droppable ?? DROPPABLE_MESSAGES);
    const fraction = pick(random, DROP_FRACTIONS);
    const draws = new Prng(random.nextUint32());
    const filter = host.filters.drop({
      name,
      where: (message) => {
        // Checked before the draw: a run without HTTP frameworks draws as it did before they existed.
        if (insideMaster(message) || draws.next() >= fraction) return false;
        this.options.dropped(name, message);
        if ((this.options.linkBreaking ?? LINK_BREAKING_MESSAGES).get(name) === receiver(message.to)) this.breakLink(message.from, message.to, `a ${name} was dropped`);
        return true;
      },
    }, 'always');
    this.add(`drop ${fraction * 100}% of ${name}`, filter, { message: name });
  }

  /**
   * Cuts the master off from the agent or scheduler at `peer`: the link breaks, and every
   * message between them is dropped for a random while.
   */
  startPartition(peer: UPID): void {
    // Between the peer and the master's machine(s): a partition outlasts a failover to another master.
    const filter = this.options.host.filters.drop({
      where: (message) => {
        if (!betweenMastersAnd(message, peer)) return false;
        this.options.dropped(message.name, message);
        this.breakLinkMadeAcross(message.from, message.to);
        return true;
      },
    }, 'always');
    this.add(`partition master | ${peer.toString()}`, filter, { peer: peer.toString() });
    this.breakLink(this.options.masterPid(), peer, 'partition');
  }

  /** The link between the master and `peer` breaks by itself: nothing is lost, both ends see the other exit, and links anew. */
  breakLinkTo(peer: UPID): void {
    // A moment's fault, kept for `touchedSince`: the peer registers again after it (review).
    this.history.push({ what: `the link master | ${peer.toString()} breaks`, reach: { peer: peer.toString() }, startMs: this.options.now(), endMs: this.options.now() });
    this.breakLink(this.options.masterPid(), peer, 'the connection was reset');
  }

  /**
   * `peer` stalls (its process is paused, or its machine swaps) for a random while: its link
   * stays up, and every message to or from it waits, in order, until the stall ends.
   */
  startStall(peer: UPID): void {
    const held: HeldMessage[] = [];
    const redelivery = this.redelivery();
    const filter = this.options.host.filters.drop({
      where: (message) => {
        if (!(message.to.equals(peer) || message.from.equals(peer))) return false;
        held.push(redelivery.hold(message));
        return true;
      },
    }, 'always');
    this.add(`stall of ${peer.toString()}`, filter, { peer: peer.toString() }, () => {
      this.options.log(`stall of ${peer.toString()} ends: ${held.length} held message(s) delivered in order`);
      for (const message of held) redelivery.deliverHeld(message, this.options, true);
    });
  }

  /**
   * For a random while, every message between machines takes a random time to arrive, each link
   * keeping its order (as TCP does): messages on different links overtake one another, as they do
   * between real hosts, where the one-host simulation otherwise delivers everything at once, in
   * the order it was sent. When the fault ends, each link drains what it holds before anything
   * newer on it arrives.
   */
  startLatency(): void {
    const { random, host } = this.options;
    const maxMs = pick(random, LATENCIES_MS);
    const draws = new Prng(random.nextUint32());
    const redelivery = this.redelivery();
    /** Per link (`from -> to`): when its last held message arrives, and how many it holds. */
    const links = new Map<string, { lastAtMs: number; held: number }>();
    let ending = false;
    const filter = host.filters.drop({
      where: (message) => {
        if (!crossesMachines(message) || !redelivery.firstPass(message)) return false;
        const key = `${message.from.toString()} -> ${message.to.toString()}`;
        const link = links.get(key) ?? { lastAtMs: 0, held: 0 };
        if (ending && link.held === 0) return false;
        const nowMs = host.clock.now();
        const atMs = Math.max(link.lastAtMs, nowMs + (ending ? 0 : draws.nextInt(maxMs + 1)));
        links.set(key, { lastAtMs: atMs, held: link.held + 1 });
        const held = redelivery.hold(message);
        host.clock.setTimer(atMs - nowMs, () => {
          const current = links.get(key);
          if (current !== undefined) current.held--;
          redelivery.deliverHeld(held, this.options);
          if (ending && [...links.values()].every((entry) => entry.held === 0)) filter.remove();
        });
        return true;
      },
    }, 'always');
    const handle: FilterHandle = {
      remove: () => {
        ending = true;
        if ([...links.values()].every((entry) => entry.held === 0)) filter.remove();
      },
    };
    this.add(`latency of up to ${maxMs} ms between machines`, handle, EVERYONE);
  }

  /**
   * For a random while, a random share of one kind of retried message (`RETRIED_MESSAGES`)
   * arrive twice: the copy comes right after the original and whatever its sender sent in the
   * same turn, as a retry crossing a late acknowledgement does (a retry is never sent after the
   * sender moved on, so it never overtakes later messages of its stream).
   */
  startDuplicates(): void {
    const { random, host } = this.options;
    const name = pick(random, RETRIED_MESSAGES);
    const fraction = pick(random, DROP_FRACTIONS);
    const draws = new Prng(random.nextUint32());
    const redelivery = this.redelivery();
    const filter = host.filters.drop({
      name,
      where: (message) => {
        if (insideMaster(message) || !redelivery.firstPass(message) || draws.next() >= fraction) return false;
        // The original is taken and delivered twice in its place, so the copy is next in line; the
        // copy is a message of its own (its own body) to the other faults, as a retry is.
        redelivery.deliver(message);
        redelivery.deliver({ ...message, body: redelivery.own(structuredClone(message.body)) });
        return true;
      },
    }, 'always');
    this.add(`duplicate ${fraction * 100}% of ${name}`, filter, { message: name });
  }

  /** Ends the faults whose time is up (all of them with `all`). */
  /**
   * Ends the registry write failures in force, if any: a master cannot start on a registry it
   * cannot write (it exits 2), so the run frees the disk before it restarts one.
   */
  endRegistryFailures(): void {
    const ending = this.active.filter((fault) => fault.what === REGISTRY_FAILURES);
    for (const fault of ending) {
      fault.record.endMs = this.options.now();
      fault.filter.remove();
      this.options.log(`ends: ${fault.what} (the disk is freed for the master's restart)`);
    }
    this.active = this.active.filter((fault) => !ending.includes(fault));
  }

  endExpired(all = false): number {
    const nowMs = this.options.now();
    const ending = this.active.filter((fault) => all || fault.untilMs <= nowMs);
    for (const fault of ending) {
      fault.record.endMs = nowMs;
      fault.filter.remove();
      this.options.log(`ends: ${fault.what}`);
      fault.onEnd?.();
    }
    this.active = this.active.filter((fault) => !ending.includes(fault));
    return ending.length;
  }

  /**
   * A fault on a v1 HTTP framework's connection (chaos-http-framework.ts) for a random while, as
   * long as a partition: `end` runs when it ends. Kept for `touchedSince` under the client's pid.
   */
  startHttpFault(what: string, peer: UPID, start: (untilMs: number) => void, end: () => void): void {
    const untilMs = this.add(what, { remove: end }, { peer: peer.toString() });
    start(untilMs);
  }

  /** A moment's fault on a v1 HTTP framework's connection (its stream breaks), kept for `touchedSince`. */
  httpMoment(what: string, peer: UPID): void {
    this.history.push({ what, reach: { peer: peer.toString() }, startMs: this.options.now(), endMs: this.options.now() });
    this.options.log(what);
  }

  /**
   * For a random while, every write of the master's registry fails (the disk is full, or gone):
   * the file keeps what it had, and the master must acknowledge none of the changes it carried.
   */
  startRegistryFailures(): void {
    const disk = this.registryDisk();
    disk.failNextWrites(Number.MAX_SAFE_INTEGER);
    this.add(REGISTRY_FAILURES, { remove: () => disk.failNextWrites(0) }, EVERYONE);
  }

  /** For a random while, each registry write takes one of `SLOW_REGISTRY_WRITES_MS` to be durable. */
  startSlowRegistry(): void {
    const disk = this.registryDisk();
    const ms = pick(this.options.random, SLOW_REGISTRY_WRITES_MS);
    disk.delayWritesMs(ms);
    this.add(`each registry write takes ${ms} ms`, { remove: () => disk.delayWritesMs(0) }, EVERYONE);
  }

  private registryDisk(): MemoryDisk {
    if (this.options.registryDisk === undefined) throw new Error('registry faults need the registry\'s disk (FaultOptions.registryDisk)');
    return this.options.registryDisk;
  }

  /** A redelivery for one fault, sharing the run's books. */
  private redelivery(): Redelivery {
    return new Redelivery(this.options.host, this.acted, this.linkBreaks);
  }

  /**
   * A link made across a partition (the master admitting an agent whose registration got through
   * just before it began) cannot connect: the connect fails and the linker sees the other exit,
   * at the first message the partition drops, as libprocess loses messages only with their
   * socket. Before, such a link stayed up while everything on it was lost: the master sent an
   * agent it had just admitted its AgentRegistered and RunTasks and never heard it exit, the
   * agent's retried registration got a fresh AgentRegistered, and the tasks stayed TASK_STAGING
   * for good (seed 990055, 400 steps), which no real network does.
   */
  private breakLinkMadeAcross(one: UPID, other: UPID): void {
    const { host } = this.options;
    if (host.linkedLocally(one, other) || host.linkedLocally(other, one)) this.breakLink(one, other, 'a link made across a partition cannot connect');
  }

  /** The link between two actors breaks as a lost socket breaks it: each that was linked sees the other exit. */
  private breakLink(one: UPID, other: UPID, why: string): void {
    this.options.log(`link ${one.toString()} <-> ${other.toString()} breaks: ${why}`);
    this.options.linkBroke?.(one, other);
    this.linkBreaks.broke(one, other);
    this.options.host.breakLink(one, other);
  }


  private add(what: string, filter: FilterHandle, reach: FaultReach, onEnd?: () => void): number {
    const random = this.options.random;
    const untilMs = this.options.now() + random.nextInt(random.next() < LONG_FAULT_PROBABILITY ? MAX_LONG_FAULT_DURATION_MS : MAX_FAULT_DURATION_MS);
    const record: FaultRecord = { what, reach, startMs: this.options.now(), endMs: undefined };
    this.history.push(record);
    this.active.push({ untilMs, what, record, filter, ...(onEnd !== undefined ? { onEnd } : {}) });
    this.options.log(`${what}, for ${((untilMs - this.options.now()) / 1000).toFixed(1)} s`);
    return untilMs;
  }
}

/** A file on one machine's disk that a crash point watches, and whose process it ends (`armCrashPoint`). */
export interface CrashPointTarget<T> {
  readonly disk: MemoryDisk;
  /** An absolute path on `disk`. */
  readonly file: string;
  /** Whose process dies when the write lands (handed to `die`). */
  readonly owner: T;
}

/**
 * Arms a crash point: the first write of a target's file to land on its disk ends its owner's
 * process (`die`, called before the writer hears the write is done, so that nothing it would do
 * next, its next write included, happens), as a `kill -9` between two durable writes does. Then
 * every target is disarmed. Returns what disarms them sooner.
 *
 * The simulation's disks complete a write at once, within the handler that makes it, so a crash
 * drawn between steps never falls between two writes a process makes one after the other: the
 * agent's checkpointed resources, then the journal record of the operations with feedback they
 * carry out. An agent that died in between re-registers with the master's resources and without
 * the operation, which stays pending at the master until its CheckpointResources is sent again
 * (a master that sent it again only when the agent's resources differed passed every chaos run).
 */
export function armCrashPoint<T>(targets: ReadonlyArray<CrashPointTarget<T>>, die: (owner: T) => void): () => void {
  const disarm = (): void => { for (const target of targets) target.disk.onWritten(undefined); };
  for (const target of targets) {
    const file = path.posix.normalize(target.file);
    target.disk.onWritten((written) => {
      if (written !== file) return;
      disarm();
      die(target.owner);
    });
  }
  return disarm;
}

/** A random element of `items`. */
export function pick<T>(random: Prng, items: readonly T[]): T {
  const item = items[random.nextInt(items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
