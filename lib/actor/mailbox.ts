/**
 * An actor's mailbox: a FIFO ring of fixed-size records laid flat in one array, four slots an
 * event (a tag and three values), with no object per event.
 *
 * Why flat: at 100k agents every task in flight has several messages waiting in some mailbox at
 * once (the master's FIFO order takes each stage of all of a cycle's tasks before the next), so
 * each waits long enough to be promoted to V8's old generation. An event object (seven fields,
 * ~80 bytes, plus its slot) per message was ~580 bytes a task of the burst's peak; four slots of
 * an array that a busy mailbox grows once are 32 bytes, and nothing to collect.
 *
 * Code outside the host sees events through `MailboxEvent` views (`forEach`, `removeFirst`,
 * `clear`): made on demand, for metrics, a scripted replay and termination, never on the hot path.
 */
import type { ActorTimer, RunLabel } from './actor';
import type { UPID } from './upid';

/** Kinds of mailbox events (what a `MailboxEvent` view's `kind` says). */
export const enum EventKind {
  Message = 0,
  Run = 1,
  Exited = 2,
  Terminate = 3,
}

/**
 * @internal What a record holds, by its tag (slot 0); slots 1–3 after it:
 * - `Message` / `ValidatedMessage`: sender `UPID`, name, body (validated before handling: it came
 *   off the wire, or the host validates local messages);
 * - `Run`: its `RunLabel`, the work (`() => void`), and what fails its caller if the actor ends first;
 * - `Timer`: the `ActorTimer` that came due (its label is made only when a trace or a view asks);
 * - `Deferred`: deferred work that settled, its label and its continuation in one object (the host's `DeferredTurn`);
 * - `Initialize`: nothing (the host calls the actor's `initialize`);
 * - `Exited`: the `UPID` of the actor that went;
 * - `Terminate`: nothing.
 */
export const enum Tag {
  Message = 0,
  ValidatedMessage = 1,
  Run = 2,
  Timer = 3,
  Initialize = 4,
  Exited = 5,
  Terminate = 6,
  Deferred = 7,
}

/** Slots a record takes. */
const SLOTS = 4;
/**
 * Records a new mailbox has room for. Four: in the 10k-agent burst of bench:scale (counted in a
 * scratch run) every executor held four events at once and every agent four, so a mailbox made
 * for one doubled twice per executor and once per agent (~370 bytes a task, all of it promoted
 * at 100k agents); a busy one (the master's) doubles a few times, once.
 */
const INITIAL_EVENTS = 4;
/** A mailbox emptied by `clear` with room for more than this many events gives the room back. */
const SHRINK_ABOVE_EVENTS = 1024;

/** The label of every `Initialize` record. */
export const INITIALIZE_LABEL: RunLabel = Object.freeze({ name: 'initialize', seq: 0, source: '' });

/** The label of a `Timer` record: made when a trace or a view asks, not kept with the record. */
export function timerLabel(timer: ActorTimer): RunLabel {
  return { name: 'timer', seq: timer.seq, source: '', timer };
}

/** A view of one mailbox record: what kind of event it is, from whom, with what (read from the record's `tag`, `a`, `b`, `c`). */
export class MailboxEvent {
  constructor(
    /** @internal The record's tag. */
    readonly tag: Tag,
    /** @internal Slot 1. */
    readonly a: unknown,
    /** @internal Slot 2. */
    readonly b: unknown,
    /** @internal Slot 3. */
    readonly c: unknown,
  ) {}

  get kind(): EventKind {
    switch (this.tag) {
      case Tag.Message:
      case Tag.ValidatedMessage:
        return EventKind.Message;
      case Tag.Exited:
        return EventKind.Exited;
      case Tag.Terminate:
        return EventKind.Terminate;
      default:
        return EventKind.Run;
    }
  }

  /** The sender of a message, the actor that went for `exited`; undefined otherwise. */
  get from(): UPID | undefined {
    return this.tag <= Tag.ValidatedMessage || this.tag === Tag.Exited ? (this.a as UPID) : undefined;
  }

  /** A message's name; `exited`, `terminate`, or the run's label name. */
  get name(): string {
    switch (this.tag) {
      case Tag.Message:
      case Tag.ValidatedMessage:
        return this.b as string;
      case Tag.Exited:
        return 'exited';
      case Tag.Terminate:
        return 'terminate';
      default:
        return (this.body as RunLabel).name;
    }
  }

  /** A message's body; a run's `RunLabel`. */
  get body(): unknown {
    switch (this.tag) {
      case Tag.Message:
      case Tag.ValidatedMessage:
        return this.c;
      case Tag.Run:
      case Tag.Deferred:
        return this.a;
      case Tag.Timer:
        return timerLabel(this.a as ActorTimer);
      case Tag.Initialize:
        return INITIALIZE_LABEL;
      default:
        return undefined;
    }
  }

  /** True for a message whose body is validated before it is handled. */
  get remote(): boolean {
    return this.tag === Tag.ValidatedMessage;
  }

  /** A dispatch's (or deferred work's, or HTTP turn's) work; undefined for any other event. */
  get run(): (() => void) | undefined {
    return this.tag === Tag.Run ? (this.b as () => void) : undefined;
  }

  /** What fails a dispatch's caller when the actor ends before running it. */
  get fail(): ((error: Error) => void) | undefined {
    return this.tag === Tag.Run ? (this.c as ((error: Error) => void) | undefined) : undefined;
  }
}

/** The records of one actor's events, oldest first (see the file's comment). An actor's `ActorRuntime` is one (it extends this class). */
export class Mailbox {
  private slots: unknown[] = new Array(SLOTS * INITIAL_EVENTS);
  /** Slot index of the first record. */
  private head = 0;
  /** Records held. */
  private size = 0;

  /** Events held. */
  get length(): number {
    return this.size;
  }

  /** Adds a record at the back. */
  push(tag: Tag, a: unknown, b: unknown, c: unknown): void {
    if (this.size * SLOTS === this.slots.length) this.grow();
    const slots = this.slots;
    const at = (this.head + this.size * SLOTS) & (slots.length - 1);
    slots[at] = tag;
    slots[at + 1] = a;
    slots[at + 2] = b;
    slots[at + 3] = c;
    this.size++;
  }

  /** Adds a record at the front (libprocess' injected events: terminate). */
  unshift(tag: Tag, a: unknown, b: unknown, c: unknown): void {
    if (this.size * SLOTS === this.slots.length) this.grow();
    const slots = this.slots;
    const at = (this.head - SLOTS) & (slots.length - 1);
    slots[at] = tag;
    slots[at + 1] = a;
    slots[at + 2] = b;
    slots[at + 3] = c;
    this.head = at;
    this.size++;
  }

  /** The first record's tag (the mailbox holds one: check `length`). */
  firstTag(): Tag {
    return this.slots[this.head] as Tag;
  }

  /** The first record's slot 1. */
  firstA(): unknown {
    return this.slots[this.head + 1];
  }

  /** The first record's slot 2. */
  firstB(): unknown {
    return this.slots[this.head + 2];
  }

  /** The first record's slot 3. */
  firstC(): unknown {
    return this.slots[this.head + 3];
  }

  /** Removes the first record (read it first), letting go of what it held. */
  dropFirst(): void {
    const slots = this.slots;
    const at = this.head;
    slots[at] = undefined;
    slots[at + 1] = undefined;
    slots[at + 2] = undefined;
    slots[at + 3] = undefined;
    this.head = (at + SLOTS) & (slots.length - 1);
    this.size--;
  }

  /** Calls `visit` on a view of each event, front to back, removing none. O(mailbox): metrics, replay and tests only. */
  forEach(visit: (event: MailboxEvent) => void): void {
    for (let i = 0; i < this.size; i++) visit(this.viewAt(this.slotOf(i)));
  }

  /** Views of the first `count` events (all of them if fewer), front to back, removing none: `/__processes__`. */
  first(count: number): MailboxEvent[] {
    const views: MailboxEvent[] = [];
    for (let i = 0; i < Math.min(count, this.size); i++) views.push(this.viewAt(this.slotOf(i)));
    return views;
  }

  /** Removes and returns (a view of) the first event `test` accepts. O(mailbox): scripted replay only. */
  removeFirst(test: (event: MailboxEvent) => boolean): MailboxEvent | undefined {
    const slots = this.slots;
    for (let i = 0; i < this.size; i++) {
      const event = this.viewAt(this.slotOf(i));
      if (!test(event)) continue;
      // Close the gap: every later record moves one record forward.
      for (let j = i; j < this.size - 1; j++) {
        const to = this.slotOf(j);
        const from = this.slotOf(j + 1);
        for (let k = 0; k < SLOTS; k++) slots[to + k] = slots[from + k];
      }
      const last = this.slotOf(this.size - 1);
      for (let k = 0; k < SLOTS; k++) slots[last + k] = undefined;
      this.size--;
      return event;
    }
    return undefined;
  }

  /** Empties the mailbox; returns views of what it held, in order. */
  clear(): MailboxEvent[] {
    const rest: MailboxEvent[] = [];
    while (this.size > 0) {
      rest.push(this.viewAt(this.head));
      this.dropFirst();
    }
    if (this.slots.length > SLOTS * SHRINK_ABOVE_EVENTS) this.slots = new Array(SLOTS * INITIAL_EVENTS);
    this.head = 0;
    return rest;
  }

  /** The slot index of the `index`th record from the front. */
  private slotOf(index: number): number {
    return (this.head + index * SLOTS) & (this.slots.length - 1);
  }

  private viewAt(at: number): MailboxEvent {
    const slots = this.slots;
    return new MailboxEvent(slots[at] as Tag, slots[at + 1], slots[at + 2], slots[at + 3]);
  }

  private grow(): void {
    const slots = this.slots;
    const next: unknown[] = new Array(slots.length * 2);
    const used = this.size * SLOTS;
    for (let i = 0; i < used; i++) next[i] = slots[(this.head + i) & (slots.length - 1)];
    this.slots = next;
    this.head = 0;
  }
}
