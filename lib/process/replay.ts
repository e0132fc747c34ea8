/**
 * Replaying a recorded trace into fresh actors (DESIGN.md §3 "Filters and traces").
 *
 * The trace is a schedule. A host records, for each of its actors, every mailbox event in the
 * order it ran: messages and exits (`deliver`), and `run` records for its `initialize`, each
 * timer that fired, each piece of deferred work that re-entered, each dispatch, each HTTP
 * request and its termination. The replay host is scripted: nothing runs unless the replayer
 * picks it, and it picks, in recorded order, the same events: it injects the messages that came
 * from outside the replayed actors (with their recorded bodies), fires the timers the replayed
 * actors set themselves, waits for their own deferred work, runs their dispatches to each
 * other, and sets the clock to each event's recorded time. Every message the replayed actors
 * send is compared with the recording, event by event; the first difference is the divergence.
 */
import type { Actor, RunLabel } from '../actor/actor';
import type { MailboxEvent } from '../actor/mailbox';
import { UPID } from '../actor/upid';
import { createLogger } from '../logging';
import type { Clock, TimerHandle } from './clock';
import { ActorHost } from './host';
import { encodeBytes, formatEvent, type Trace, type TraceEvent, type TraceHeader, type TraceRunBody } from './trace';

/** Event-loop turns the replay waits for work the replayed actors must queue themselves (their setup, their deferred work). */
export const REPLAY_WAIT_TURNS = 100;
/** Event-loop turns the replay waits for a dispatch from outside the replayed actors before it skips it. */
export const REPLAY_OPTIONAL_WAIT_TURNS = 3;
/**
 * How much earlier than the replayed timer's due time a recorded timer may have run. A timer
 * cannot run before it is due; real clocks (timers on a monotonic clock, times read from the
 * wall clock) can disagree by a millisecond or two.
 */
export const REPLAY_TIMER_EARLY_TOLERANCE_MS = 5;
/** Skipped events kept in a result (the count covers them all). */
export const REPLAY_SKIPPED_KEPT = 50;

/** Mailbox event kinds, as `EventKind` numbers them (a const enum cannot be imported by type only). */
const MESSAGE = 0;
const RUN = 1;
const EXITED = 2;
const TERMINATE = 3;

/**
 * What to replay: a trace, which of its hosts, and which of that host's actors to re-run. Give
 * either `actorId` and `create` (one actor) or `actorIds` and `setup` (actors that work as a
 * unit on one host, such as a master and its allocator, which talk by `dispatch`).
 */
export interface ReplayOptions {
  trace: Trace;
  /** The recorded host (`ip:port`); by default the only one whose records name `actorId` (or `actorIds[0]`). */
  address?: string;
  /** The one actor to re-run ... */
  actorId?: string;
  /** ... built afresh by this. */
  create?: () => Actor;
  /** The actors to re-run together ... */
  actorIds?: readonly string[];
  /**
   * ... spawned on the replay host by this, the way the recording process started them (and
   * making the same calls: a dispatch made here is matched with one the recording made from
   * outside any actor). It may be async; the replay runs alongside it.
   */
  setup?: (host: ActorHost) => unknown;
  /**
   * Handlers of recorded inputs by name, called at the input's place in the trace: they feed
   * the replayed actors what came from outside (e.g. an executor process' exit). An input with
   * no handler is skipped.
   */
  inputs?: Readonly<Record<string, (body: unknown, event: TraceEvent) => void>>;
}

/** The first place where the replay differs from the recording. */
export interface ReplayDivergence {
  /** Index among the replayed actors' recorded sends (0-based) of the first send not matched. */
  index: number;
  /** That recorded send, if any. */
  expected: TraceEvent | undefined;
  /** What the replayed actors sent in its place, if anything. */
  actual: TraceEvent | undefined;
  reason: string;
  /** The recorded event being replayed when it happened (the message being handled, the timer, ...). */
  at: TraceEvent | undefined;
  /** That event's position among the replayed events (0-based). */
  step: number;
}

/** A recorded event of the replayed actors that the replay could not repeat, and why. */
export interface SkippedEvent {
  event: TraceEvent;
  reason: string;
}

/** What a replay did and found. */
export interface ReplayResult {
  /** The recorded host replayed. */
  address: string;
  /** Messages and exits fed to the replayed actors. */
  delivered: number;
  /** Other mailbox events they ran: initialize, timers, deferred work, dispatches, terminations. */
  ran: number;
  /** Recorded inputs fed to `inputs` handlers. */
  inputs: number;
  /** Sends that matched the recording, in order. */
  matched: number;
  /** Recorded events the replay could not repeat (HTTP requests, dispatches from outside, inputs without handler). */
  skipped: number;
  /** The first `REPLAY_SKIPPED_KEPT` of them. */
  skippedEvents: SkippedEvent[];
  /** Random numbers drawn at the recording host by actors not replayed, skipped to stay aligned. */
  prngSkipped: number;
  /** The trace's last line was cut short; sends the replay made beyond the end are not counted as divergence. */
  truncated: boolean;
  divergence: ReplayDivergence | undefined;
}

/** One replayed event and the sends the replayed actors made while it ran. */
interface Step {
  event: TraceEvent;
  sends: TraceEvent[];
  /** The event is not the replayed actors' (another actor's turn, yet they sent in it). */
  foreign: boolean;
}

/** How one step went: done, skipped (with why), or diverged (with why). */
type StepOutcome = { kind: 'done' } | { kind: 'skipped'; reason: string } | { kind: 'diverged'; reason: string };

/**
 * Replays a recorded trace into fresh actors under a clock set to each event's recorded time,
 * with the recording host's address and PRNG seed (so ids repeat), and compares what they send
 * with the recording. Stops at the first divergence. The trace must be of format version 2 and
 * must have started before the replayed actors were spawned (the bins start it first).
 *
 * What replay cannot repeat is skipped and counted: HTTP requests, and dispatches made from
 * outside the replayed actors that `setup` and the `inputs` handlers do not make again.
 *
 * @example
 *   const result = await replayTrace({ trace: readTrace('run.trace'), actorId: 'heart', create: () => new Heart(peer) });
 *   if (result.divergence) console.log(describeDivergence(result.divergence));
 */
export async function replayTrace(options: ReplayOptions): Promise<ReplayResult> {
  const { actorIds, setup } = unitOf(options);
  const address = options.address ?? inferAddress(options.trace, actorIds[0] as string);
  const header = headerOf(options.trace, address);
  const replayer = new Replayer(options, header, new Set(actorIds));
  return replayer.run(setup);
}

/** Drives one replay (see `replayTrace`). */
class Replayer {
  private readonly clock: ScriptedClock;
  private readonly host: ActorHost;
  private readonly steps: Step[];
  private readonly unitPids: Set<string>;
  /** What the replayed actors sent, in order. */
  private readonly actual: TraceEvent[] = [];
  private readonly result: ReplayResult;
  private setupError: Error | undefined;

  constructor(private readonly options: ReplayOptions, header: TraceHeader, private readonly unit: ReadonlySet<string>) {
    this.unitPids = new Set([...unit].map((id) => `${id}@${header.address}`));
    this.steps = scheduleOf(options.trace.events, header.address, this.unitPids);
    checkStartsAtSpawn(this.steps);
    this.clock = new ScriptedClock(header.startMs);
    this.host = new ActorHost({
      listen: false,
      address: header.address,
      clock: this.clock,
      seed: header.seed,
      logger: createLogger('replay', 'silent'),
      offHost: () => undefined,
      inertLinks: true,
      scripted: true,
      observer: (event) => { if (event.kind === 'send' && this.unitPids.has(event.from)) this.actual.push(event); },
    });
    const behind = (header.draws ?? 0) - this.host.random.draws;
    if (behind < 0) throw new Error(`replay: the recording host had drawn ${header.draws ?? 0} random numbers at its start, fewer than a new host draws`);
    this.host.random.skip(behind);
    this.result = {
      address: header.address, delivered: 0, ran: 0, inputs: 0, matched: 0, skipped: 0, skippedEvents: [], prngSkipped: 0,
      truncated: options.trace.truncated, divergence: undefined,
    };
  }

  async run(setup: (host: ActorHost) => unknown): Promise<ReplayResult> {
    const setupDone = Promise.resolve()
      .then(() => setup(this.host))
      .catch((error: unknown) => { this.setupError = error instanceof Error ? error : new Error(String(error)); });
    try {
      for (let step = 0; step < this.steps.length && this.result.divergence === undefined; step++) {
        await this.replayStep(step);
      }
    } finally {
      this.host.endScript();
      await this.host.stop();
      await setupDone;
    }
    return this.result;
  }

  private async replayStep(index: number): Promise<void> {
    const step = this.steps[index] as Step;
    this.clock.set(step.event.t);
    const sentBefore = this.actual.length;
    let outcome = await this.perform(step);
    if (this.setupError !== undefined) outcome = { kind: 'diverged', reason: `the replay's setup failed: ${this.setupError.message}` };
    if (outcome.kind === 'skipped') this.skip(step.event, outcome.reason);
    if (outcome.kind === 'diverged') {
      this.diverge(index, step, this.result.matched, outcome.reason);
      return;
    }
    this.compareSends(index, step, this.actual.slice(sentBefore));
  }

  private async perform(step: Step): Promise<StepOutcome> {
    const event = step.event;
    if (step.foreign) return { kind: 'skipped', reason: 'another actor ran here, yet the replayed actors sent messages' };
    if (event.kind === 'input') return this.feedInput(event);
    const actor = await this.actorFor(event);
    if (actor === undefined) return { kind: 'diverged', reason: `${idOf(event.to)} is not running in the replay (never spawned by setup, or terminated)` };
    const drift = this.alignRandom(event);
    if (drift !== undefined) return { kind: 'diverged', reason: drift };
    if (event.kind === 'deliver') return this.deliver(actor, event);
    return this.runRecorded(actor, event);
  }

  private feedInput(event: TraceEvent): StepOutcome {
    const handler = this.options.inputs?.[event.name];
    if (handler === undefined) return { kind: 'skipped', reason: `no handler for input '${event.name}'` };
    try {
      handler(event.body, event);
    } catch (error) {
      return { kind: 'diverged', reason: `input '${event.name}' could not be fed: ${(error as Error).message}` };
    }
    this.result.inputs++;
    return { kind: 'done' };
  }

  /** The replayed actor an event is for, waiting a little for an async setup to spawn it. */
  private async actorFor(event: TraceEvent): Promise<Actor | undefined> {
    const id = idOf(event.to);
    await this.waitFor(() => this.host.lookup(id) !== undefined || this.setupError !== undefined, REPLAY_WAIT_TURNS);
    const actor = this.host.lookup(id);
    return actor?.runtime.state === 'running' || actor?.runtime.state === 'terminating' ? actor : undefined;
  }

  /** Catches up with random numbers drawn by actors not replayed; a replay that drew more has diverged. */
  private alignRandom(event: TraceEvent): string | undefined {
    if (event.r === undefined) return undefined;
    const behind = event.r - this.host.random.draws;
    if (behind < 0) return `the replayed actors drew ${-behind} more random number(s) than were drawn at the recording host before this event`;
    this.host.random.skip(behind);
    this.result.prngSkipped += behind;
    return undefined;
  }

  private deliver(actor: Actor, event: TraceEvent): StepOutcome {
    this.result.delivered++;
    const from = UPID.parse(event.from);
    if (event.name === 'exited') {
      this.host.injectExited(actor.self(), from);
      const ran = this.host.runScripted(actor, (queued) => queued.kind === EXITED && queued.from?.toString() === event.from);
      return ran ? { kind: 'done' } : { kind: 'diverged', reason: `could not deliver exited(${event.from}) to ${actor.id}` };
    }
    const matches = (queued: MailboxEvent): boolean => queued.kind === MESSAGE && queued.name === event.name && queued.from?.toString() === event.from;
    if (this.unitPids.has(event.from)) {
      // Sent by a replayed actor: it must be in the mailbox already, with the body the replay made.
      if (this.host.runScripted(actor, matches)) return { kind: 'done' };
      return { kind: 'diverged', reason: `${event.name} from ${event.from} was handled here in the recording, but the replayed ${idOf(event.from)} never sent it` };
    }
    this.host.inject(from, actor.self(), event.name, event.body);
    return this.host.runScripted(actor, matches) ? { kind: 'done' } : { kind: 'diverged', reason: `could not deliver ${event.name} to ${actor.id}` };
  }

  private async runRecorded(actor: Actor, event: TraceEvent): Promise<StepOutcome> {
    const body = (event.body ?? {}) as Partial<TraceRunBody>;
    const seq = body.seq ?? 0;
    const labelled = (test: (label: RunLabel) => boolean) => (queued: MailboxEvent): boolean => queued.kind === RUN && test(queued.body as RunLabel);
    switch (event.name) {
      case 'initialize':
        return this.runQueued(actor, event, labelled((label) => label.name === 'initialize'), REPLAY_WAIT_TURNS,
          `the replayed ${actor.id} was not initialized here`);
      case 'timer': {
        const timer = this.host.pendingTimer(actor, seq);
        if (timer === undefined) {
          return { kind: 'diverged', reason: `timer #${seq} of ${actor.id} fired here in the recording; in the replay it is not pending (never set, cancelled or fired)` };
        }
        if (timer.dueMs > event.t + REPLAY_TIMER_EARLY_TOLERANCE_MS) {
          return { kind: 'diverged', reason: `timer #${seq} of ${actor.id} fired here in the recording, ${timer.dueMs - event.t} ms before the replayed timer is due` };
        }
        timer.timerFired();
        return this.runQueued(actor, event, labelled((label) => label.name === 'timer' && label.seq === seq), 0, `timer #${seq} did not run`);
      }
      case 'defer':
        return this.runDeferred(actor, event, seq, body);
      case 'dispatch':
        return this.runDispatch(actor, event, seq);
      case 'terminate':
        if (actor.runtime.state === 'running') this.host.terminate(actor);
        return this.runQueued(actor, event, (queued) => queued.kind === TERMINATE, 0, `${actor.id} could not be terminated`);
      case 'http':
        return { kind: 'skipped', reason: 'an HTTP request to the actor (a replay does not repeat HTTP requests)' };
      default:
        return { kind: 'diverged', reason: `unknown run record '${event.name}'` };
    }
  }

  private async runDeferred(actor: Actor, event: TraceEvent, seq: number, body: Partial<TraceRunBody>): Promise<StepOutcome> {
    const isIt = (queued: MailboxEvent): boolean => queued.kind === RUN && (queued.body as RunLabel).name === 'defer' && (queued.body as RunLabel).seq === seq;
    await this.waitFor(() => this.host.hasScripted(actor, isIt), REPLAY_WAIT_TURNS);
    let label: RunLabel | undefined;
    actor.runtime.mailbox.forEach((queued) => { if (isIt(queued)) label = queued.body as RunLabel; });
    if (label === undefined) return { kind: 'diverged', reason: `deferred work #${seq} of ${actor.id} completed here in the recording; in the replay it did not complete (or never started)` };
    if (body.ok === false && label.ok === true) {
      // The recording saw the work fail (a full disk, a launch that failed): the replay fails it the same way.
      label.forcedError = new Error(body.error ?? 'failed in the recording');
    } else if (body.ok === true && label.ok === false) {
      // The recording had a result the replay cannot make up.
      return { kind: 'diverged', reason: `deferred work #${seq} of ${actor.id} resolved in the recording but was rejected (${label.error ?? ''}) in the replay` };
    }
    return this.runQueued(actor, event, isIt, 0, `deferred work #${seq} did not run`);
  }

  /**
   * A dispatch between replayed actors must be there, with its number. One from outside them
   * is matched, in order, with one that `setup` or an input handler made, or else skipped.
   */
  private async runDispatch(actor: Actor, event: TraceEvent, seq: number): Promise<StepOutcome> {
    const source = event.from === '' ? '' : idOf(event.from);
    const isDispatch = (queued: MailboxEvent): boolean => queued.kind === RUN && (queued.body as RunLabel).name === 'dispatch' && (queued.body as RunLabel).source === source;
    if (this.unit.has(source)) {
      const exact = (queued: MailboxEvent): boolean => isDispatch(queued) && (queued.body as RunLabel).seq === seq;
      return this.runQueued(actor, event, exact, REPLAY_WAIT_TURNS, `the replayed ${source} never made dispatch #${seq} to ${actor.id}`);
    }
    await this.waitFor(() => this.host.hasScripted(actor, isDispatch), REPLAY_OPTIONAL_WAIT_TURNS);
    if (this.host.runScripted(actor, isDispatch)) {
      this.result.ran++;
      return { kind: 'done' };
    }
    return { kind: 'skipped', reason: `a dispatch from ${source === '' ? 'outside any actor' : source}, which the replay does not make` };
  }

  /** Runs the first queued event `match` accepts, waiting up to `turns` event-loop turns for it. */
  private async runQueued(actor: Actor, _event: TraceEvent, match: (queued: MailboxEvent) => boolean, turns: number, missing: string): Promise<StepOutcome> {
    await this.waitFor(() => this.host.hasScripted(actor, match), turns);
    if (!this.host.runScripted(actor, match)) return { kind: 'diverged', reason: missing };
    this.result.ran++;
    return { kind: 'done' };
  }

  private async waitFor(test: () => boolean, turns: number): Promise<void> {
    for (let turn = 0; turn < turns && !test(); turn++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  private compareSends(index: number, step: Step, sent: TraceEvent[]): void {
    const lastOfCutTrace = this.result.truncated && index === this.steps.length - 1;
    const length = lastOfCutTrace ? step.sends.length : Math.max(step.sends.length, sent.length);
    for (let position = 0; position < length; position++) {
      const reason = differs(step.sends[position], sent[position]);
      if (reason !== undefined) {
        this.diverge(index, step, this.result.matched + position, reason, sent[position]);
        return;
      }
    }
    this.result.matched += step.sends.length;
  }

  private diverge(index: number, step: Step, sendIndex: number, reason: string, actual?: TraceEvent): void {
    const expected = this.steps.flatMap((each) => each.sends)[sendIndex];
    this.result.divergence = { index: sendIndex, expected, actual, reason, at: step.event, step: index };
  }

  private skip(event: TraceEvent, reason: string): void {
    this.result.skipped++;
    if (this.result.skippedEvents.length < REPLAY_SKIPPED_KEPT) this.result.skippedEvents.push({ event, reason });
  }
}

/**
 * A clock that the replay sets to each event's recorded time. Its own timers never fire: the
 * replay host keeps actors' timers off the clock and fires them when the trace says they ran.
 */
class ScriptedClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
  setTimer(): TimerHandle {
    return { cancel: () => undefined };
  }
  addSettleProbe(): () => void {
    return () => undefined;
  }
}

function unitOf(options: ReplayOptions): { actorIds: readonly string[]; setup: (host: ActorHost) => unknown } {
  if (options.actorId !== undefined && options.create !== undefined && options.actorIds === undefined && options.setup === undefined) {
    const { actorId, create } = options;
    return {
      actorIds: [actorId],
      setup: (host) => {
        const actor = create();
        if (actor.id !== actorId) throw new Error(`create() built actor '${actor.id}', expected '${actorId}'`);
        host.spawn(actor);
      },
    };
  }
  if (options.actorIds !== undefined && options.actorIds.length > 0 && options.setup !== undefined && options.actorId === undefined && options.create === undefined) {
    return { actorIds: options.actorIds, setup: options.setup };
  }
  throw new Error('replayTrace: give either actorId and create, or a non-empty actorIds and setup');
}

/** The one recorded host whose records name `actorId`. */
function inferAddress(trace: Trace, actorId: string): string {
  const addresses = new Set<string>();
  for (const event of trace.events) {
    if ((event.kind === 'deliver' || event.kind === 'run') && idOf(event.to) === actorId) addresses.add(addressOf(event.to));
  }
  if (addresses.size === 1) return [...addresses][0] as string;
  if (addresses.size === 0) throw new Error(`replayTrace: the trace has no records of an actor '${actorId}'`);
  throw new Error(`replayTrace: actors '${actorId}' ran on several recorded hosts (${[...addresses].join(', ')}); pass the address of one`);
}

function headerOf(trace: Trace, address: string): TraceHeader {
  const header = trace.headers.find((candidate) => candidate.address === address);
  if (header === undefined) throw new Error(`replayTrace: no host ${address} in the trace (hosts: ${trace.headers.map((h) => h.address).join(', ')})`);
  if (header.version < 2) throw new Error(`replayTrace: the trace of ${address} is format version ${header.version}, which records messages only; record it again to replay it`);
  return header;
}

/**
 * The recorded events of the replayed actors (`unitPids`) at `address`, in order, each with the
 * sends they made while it ran. A send belongs to the event of that host recorded before it.
 */
function scheduleOf(events: readonly TraceEvent[], address: string, unitPids: ReadonlySet<string>): Step[] {
  const steps: Step[] = [];
  const suffix = `@${address}`;
  let current: Step | undefined;
  for (const event of events) {
    if (event.kind === 'send') {
      if (!unitPids.has(event.from)) continue;
      if (current === undefined) throw new Error(`replayTrace: ${event.from} sent ${event.name} before it ran anything; did the trace start after it was spawned?`);
      // Another actor's event in which a replayed actor sent: kept, to be reported.
      if (current.foreign && current.sends.length === 0) steps.push(current);
      current.sends.push(event);
      continue;
    }
    if (!event.to.endsWith(suffix)) continue;
    const step: Step = { event, sends: [], foreign: !unitPids.has(event.to) };
    if (event.kind !== 'input') current = step;
    if (!step.foreign) steps.push(step);
  }
  return steps;
}

/**
 * Each replayed actor's first record must be its `initialize` (or its termination, when it was
 * stopped before it ran anything): a replay needs the trace from the actor's start.
 */
function checkStartsAtSpawn(steps: readonly Step[]): void {
  const seen = new Set<string>();
  for (const { event, foreign } of steps) {
    if (foreign || event.kind === 'input' || seen.has(event.to)) continue;
    seen.add(event.to);
    if (event.kind !== 'run' || (event.name !== 'initialize' && event.name !== 'terminate')) {
      throw new Error(`replayTrace: the trace of ${event.to} starts after it was spawned (its first record is ${event.kind} ${event.name}, not its initialize); replay needs the trace from the actor's start`);
    }
  }
}

function idOf(pid: string): string {
  return pid.slice(0, pid.lastIndexOf('@'));
}

function addressOf(pid: string): string {
  return pid.slice(pid.lastIndexOf('@') + 1);
}

function differs(want: TraceEvent | undefined, got: TraceEvent | undefined): string | undefined {
  if (!want) return 'the replayed actors sent more messages than were recorded';
  if (!got) return `the replayed actors did not send ${want.name} to ${want.to}`;
  if (want.from !== got.from) return `sender differs: recorded ${want.from}, replayed ${got.from}`;
  if (want.to !== got.to) return `receiver differs: recorded ${want.to}, replayed ${got.to}`;
  if (want.name !== got.name) return `message differs: recorded ${want.name}, replayed ${got.name}`;
  const wantBody = canonical(want.body);
  const gotBody = canonical(got.body);
  if (wantBody !== gotBody) return `body of ${want.name} differs: recorded ${wantBody}, replayed ${gotBody}`;
  return undefined;
}

/** JSON with sorted keys and bytes as base64, as bodies look after a trace round trip. */
function canonical(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const encoded = encodeBytes.call(this, key, v);
    if (encoded !== v || !v || typeof v !== 'object' || Array.isArray(v)) return encoded;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }) ?? 'undefined';
}

/** One readable paragraph about a divergence: which send, why, and what was being replayed. */
export function describeDivergence(divergence: ReplayDivergence): string {
  const show = (event: TraceEvent | undefined): string => (event ? `${event.name} from ${event.from} to ${event.to} ${canonical(event.body)}` : '(nothing)');
  const lines = [`send #${divergence.index}: ${divergence.reason}`];
  if (divergence.at !== undefined) lines.push(`  while replaying: ${formatEvent(divergence.at, divergence.at.t, 0).replace(/^\+\s*0\.000s\s+/, '')}`);
  lines.push(`  recorded: ${show(divergence.expected)}`, `  replayed: ${show(divergence.actual)}`);
  return lines.join('\n');
}
