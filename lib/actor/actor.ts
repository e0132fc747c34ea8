import type { ActorHost } from '../process/host';
import type { CancellableTarget, Clock, TimerHandle } from '../process/clock';
import type { Prng } from '../process/prng';
import type { Logger } from '../logging';
import type { HttpHandler, HttpStream } from '../process/http';
import type { SmallSet } from '../small-set';
import { EventKind, Mailbox } from './mailbox';
import type { MessageType } from './message';
import { UPID } from './upid';

/** A message handler: `this` is the actor, `from` the sender's UPID. */
export type Handler<T> = (from: UPID, body: T) => void;

/** A cancellable timer created by `Actor.delay`. */
export interface Timer {
  cancel(): void;
}

/** @internal One installed handler, with the validator applied to bodies that arrive off the wire. */
export interface InstalledHandler {
  run: Handler<unknown>;
  validate: ((body: unknown) => unknown) | undefined;
}

/** Events waiting in an actor's mailbox, by kind (see `Actor.eventQueueCounts`). */
export interface EventQueueCounts {
  readonly messages: number;
  readonly dispatches: number;
  readonly httpRequests: number;
}

/** What a `Run` mailbox event is, as traces name it (see lib/process/trace.ts). */
export type RunName = 'initialize' | 'timer' | 'defer' | 'dispatch' | 'http';

/**
 * @internal The label of a `Run` mailbox event: what kind of work it is and which one, so that a
 * trace can record the order in which an actor ran its timers, deferred work and dispatches, and
 * a scripted replay can run the same ones in the same order.
 */
export interface RunLabel {
  readonly name: RunName;
  /** Numbered per actor from 1: per kind for timers and deferred work, per source for dispatches; 0 otherwise. */
  readonly seq: number;
  /** For dispatches: the id of the local actor whose turn made it, '' when made outside any actor. */
  readonly source: string;
  /** For timers: the timer (one cancelled after it fired but before it ran does not run). */
  readonly timer?: ActorTimer;
  /** For deferred work: whether the promise resolved (`then` runs) or rejected (`onError` runs). */
  readonly ok?: boolean;
  /** For deferred work that failed: the error's message. */
  readonly error?: string;
  /**
   * For deferred work, set by a scripted replay before it runs: run the failure path with this
   * error whatever the promise did (the recording saw the work fail; the replay reproduces it).
   */
  forcedError?: Error;
}

/**
 * Entries for handlers that are methods of an actor's class (`this.install(Ping, this.ping)`),
 * shared by every actor of the class: they are the same function and validation for each.
 */
const sharedHandlers = new WeakMap<Handler<unknown>, InstalledHandler>();

/** `{ run, validate }`, the one every actor installing this method with this validation shares when `run` is a method on `actor`'s prototype chain. */
function installedHandler(actor: Actor, run: Handler<unknown>, validate: InstalledHandler['validate']): InstalledHandler {
  if (!isPrototypeMethod(actor, run)) return { run, validate };
  const known = sharedHandlers.get(run);
  if (known !== undefined && known.validate === validate) return known;
  const installed: InstalledHandler = { run, validate };
  if (known === undefined) sharedHandlers.set(run, installed);
  return installed;
}

/** Whether `entry` is one every actor installing its method shares (`installedHandler`). */
function isSharedHandler(entry: InstalledHandler): boolean {
  return sharedHandlers.get(entry.run) === entry;
}

/**
 * @internal A table by name (an actor's message handlers, or its HTTP routes) that actors of one
 * class share. They install the same entries (methods of the class) in the same order, so they
 * share one table, the way objects share a hidden class: installing from a shared table follows
 * the transition recorded for that name and entry, and only an actor that installs something
 * else (a closure of its own) gets a table of its own, copied at that install. One handler table
 * per actor was ~0.9 KB per agent; one route table ~0.5 KB.
 */
export class SharedTable<V> {
  /** Shared tables only: the tables that installing each name leads to, one per entry installed under it. */
  private readonly transitions: Map<string, SharedTable<V>[]> | undefined;

  /** A new empty table, shared (where every actor of a kind starts). */
  static empty<V>(): SharedTable<V> {
    return new SharedTable<V>(new Map(), true);
  }

  private constructor(private readonly entries: Map<string, V>, shared: boolean) {
    this.transitions = shared ? new Map() : undefined;
  }

  get(name: string): V | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The entries, in install order (read only). */
  get view(): ReadonlyMap<string, V> {
    return this.entries;
  }

  /** The names installed, in install order. */
  keys(): MapIterator<string> {
    return this.entries.keys();
  }

  /** `[name, entry]` pairs, in install order. */
  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries.entries();
  }

  /**
   * The table with `entry` installed for `name` (replacing what was there): this one, changed, if
   * it is an actor's own. `shared` says whether every actor installing it gets this same entry.
   */
  with(name: string, entry: V, shared: boolean): SharedTable<V> {
    if (this.transitions === undefined) {
      this.entries.set(name, entry);
      return this;
    }
    if (!shared) return new SharedTable(new Map(this.entries).set(name, entry), false);
    let known = this.transitions.get(name);
    if (known === undefined) this.transitions.set(name, (known = []));
    for (const table of known) if (table.entries.get(name) === entry) return table;
    const next = new SharedTable(new Map(this.entries).set(name, entry), true);
    known.push(next);
    return next;
  }
}

/** @internal An actor's message handlers by name (see `SharedTable`). */
export type HandlerTable = SharedTable<InstalledHandler>;

/** @internal The table every actor's handlers start from. */
export const EMPTY_HANDLER_TABLE: HandlerTable = SharedTable.empty();

/** @internal The table every actor's routes start from. */
export const EMPTY_ROUTE_TABLE: SharedTable<HttpHandler> = SharedTable.empty();

/**
 * `isPrototypeMethod`'s answers by prototype and function: every actor of a class asks the same
 * questions at its spawn, and reading the chain's descriptors each time was ~0.8 KB allocated per
 * actor (a simulated task spawns one executor actor).
 */
const prototypeMethods = new WeakMap<object, WeakMap<object, boolean>>();

/** Whether `run` is the value of a method named `run.name` on `actor`'s prototype chain (read through descriptors: no getter runs). */
function isPrototypeMethod(actor: Actor, run: (...args: never[]) => unknown): boolean {
  if (run.name === '' || Object.prototype.hasOwnProperty.call(actor, run.name)) return false;
  const prototype = Object.getPrototypeOf(actor) as object;
  let answers = prototypeMethods.get(prototype);
  if (answers === undefined) prototypeMethods.set(prototype, (answers = new WeakMap()));
  let answer = answers.get(run);
  if (answer === undefined) answers.set(run, (answer = onPrototypeChain(prototype, run)));
  return answer;
}

/** Whether the first property named `run.name` on the chain from `prototype` holds `run`. */
function onPrototypeChain(prototype: object, run: (...args: never[]) => unknown): boolean {
  for (let proto: object | null = prototype; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, run.name);
    if (descriptor !== undefined) return descriptor.value === run;
  }
  return false;
}

/** @internal What few actors' runtimes hold (`ActorRuntime.rare`). */
class RareRuntimeState {
  sharedRoutes: Map<string, Map<string, HttpHandler>> | undefined = undefined;
  streams: Set<HttpStream> | undefined = undefined;
  linkedRemote: Map<string, UPID> | undefined = undefined;
  /** `terminated`, once asked for (most actors' is never awaited before they end, or never). */
  terminatedPromise: Promise<void> | undefined = undefined;
  resolveTerminatedPromise: (() => void) | undefined = undefined;
}

/** @internal Runtime state the host keeps per actor. Not for actor code. */
export class ActorRuntime extends Mailbox {
  /** Message handlers by name (shared with the other actors that installed the same ones). */
  handlers: HandlerTable = EMPTY_HANDLER_TABLE;
  /** HTTP routes by path (shared like `handlers` when they are methods of the actor's class). */
  routeTable: SharedTable<HttpHandler> = EMPTY_ROUTE_TABLE;
  /** The actor's routes by path (`Actor.route`), read only. */
  get routes(): ReadonlyMap<string, HttpHandler> {
    return this.routeTable.view;
  }
  /**
   * What few actors ever hold (shared routes, streams, remote links, a `terminated` promise),
   * made at the first: one field where there were five on every actor, and a simulation of 100k
   * agents holds their actors and, while tasks run, as many executors. Read through the accessors below.
   */
  private rare: RareRuntimeState | undefined = undefined;
  /** Routes this actor serves under another id (`routeUnder`): namespace → path → handler. */
  get sharedRoutes(): Map<string, Map<string, HttpHandler>> | undefined {
    return this.rare?.sharedRoutes;
  }
  set sharedRoutes(routes: Map<string, Map<string, HttpHandler>> | undefined) {
    this.setRare('sharedRoutes', routes);
  }
  /** Streaming responses of this actor still open (ended when it terminates). */
  get streams(): Set<HttpStream> | undefined {
    return this.rare?.streams;
  }
  set streams(streams: Set<HttpStream> | undefined) {
    this.setRare('streams', streams);
  }
  /**
   * Ids of the local actors this actor is linked to (the host takes it off their linkers when it
   * terminates). Made at its first local link; nearly always one id, which a `SmallSet` holds in
   * a field (every simulated agent links to its master: at 100k agents, bytes per actor show).
   */
  linkedLocal: SmallSet<string> | undefined = undefined;
  /** The actors on other hosts this actor is linked to, by UPID text (as `linkedLocal`; made at its first remote link). */
  get linkedRemote(): Map<string, UPID> | undefined {
    return this.rare?.linkedRemote;
  }
  set linkedRemote(links: Map<string, UPID> | undefined) {
    this.setRare('linkedRemote', links);
  }
  /** Sets a field of the rare state, made only when a value is set (clearing one of an actor that has none makes nothing). */
  private setRare<K extends keyof RareRuntimeState>(key: K, value: RareRuntimeState[K]): void {
    if (value !== undefined || this.rare !== undefined) (this.rare ??= new RareRuntimeState())[key] = value;
  }
  /** The actor's mailbox: the runtime itself (a mailbox object of its own was one more object an actor, and 100k simulated agents and their executors are that many actors). */
  get mailbox(): Mailbox {
    return this;
  }
  /** The actor's pending timers, a list through the timers themselves (adding and removing one hashes nothing). */
  private timersHead: ActorTimer | undefined = undefined;
  host: ActorHost | undefined;
  pid: UPID | undefined;
  /** True while the actor sits in its host's run queue. */
  scheduled = false;
  state: 'created' | 'running' | 'terminating' | 'terminated' = 'created';
  /** The actor's child logger, made on first use. */
  logger: Logger | undefined;
  /** Timers created so far (numbers them for traces). */
  timerCount = 0;
  /** Deferred work started so far (numbers it for traces). */
  deferCount = 0;
  /** Dispatches queued so far, per source actor id ('' for none) (numbers them for traces); made at the first. */
  dispatchCounts: Map<string, number> | undefined = undefined;
  private terminatedResolved = false;
  /** `whenTerminated` callbacks, in the order given (one, nearly always: a launcher's). */
  private terminatedCallbacks: (() => void) | Array<() => void> | undefined;

  /** Lists a timer as pending (a timer listed already stays where it is). */
  addTimer(timer: ActorTimer): void {
    if (timer.listed) return;
    timer.listed = true;
    timer.previous = undefined;
    timer.next = this.timersHead;
    if (this.timersHead !== undefined) this.timersHead.previous = timer;
    this.timersHead = timer;
  }

  /** Takes a timer off the pending list (no-op if it is not on it). */
  removeTimer(timer: ActorTimer): void {
    if (!timer.listed) return;
    timer.listed = false;
    if (timer.previous !== undefined) timer.previous.next = timer.next;
    else this.timersHead = timer.next;
    if (timer.next !== undefined) timer.next.previous = timer.previous;
    timer.previous = undefined;
    timer.next = undefined;
  }

  /** The pending timers, most recently listed first (a copy). */
  pendingTimers(): ActorTimer[] {
    const timers: ActorTimer[] = [];
    for (let timer = this.timersHead; timer !== undefined; timer = timer.next) timers.push(timer);
    return timers;
  }

  /** Resolves when the actor has terminated (made on first use: a promise and its resolver per actor add up). */
  get terminated(): Promise<void> {
    const rare = (this.rare ??= new RareRuntimeState());
    if (rare.terminatedPromise === undefined) {
      rare.terminatedPromise = this.terminatedResolved
        ? Promise.resolve()
        : new Promise<void>((resolve) => { rare.resolveTerminatedPromise = resolve; });
    }
    return rare.terminatedPromise;
  }

  /**
   * Calls `callback` in a microtask once the actor has terminated (at once, in a microtask, if it
   * has): `terminated.then(callback)` without the promise, its resolver and the reaction, ~400
   * bytes an actor that a simulation's launcher kept per live executor. They run before
   * `terminated`'s reactions, whenever those were added.
   */
  whenTerminated(callback: () => void): void {
    if (this.terminatedResolved) return inMicrotask(callback);
    const callbacks = this.terminatedCallbacks;
    if (callbacks === undefined) this.terminatedCallbacks = callback;
    else if (typeof callbacks === 'function') this.terminatedCallbacks = [callbacks, callback];
    else callbacks.push(callback);
  }

  /** Resolves `terminated` (the host calls it once the actor has terminated). */
  resolveTerminated(): void {
    this.terminatedResolved = true;
    const callbacks = this.terminatedCallbacks;
    this.terminatedCallbacks = undefined;
    if (typeof callbacks === 'function') inMicrotask(callbacks);
    else if (callbacks !== undefined) for (const callback of callbacks) inMicrotask(callback);
    this.rare?.resolveTerminatedPromise?.();
  }
}

/** A resolved promise, for `inMicrotask`. */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Runs `callback` in a microtask, as a promise reaction (not `queueMicrotask`: a simulation checks
 * that it makes no async resource but promises and immediates).
 */
function inMicrotask(callback: () => void): void {
  void RESOLVED.then(callback);
}

/** What a cancelled timer holds instead of its callback. */
const CANCELLED_TIMER_CALLBACK = (): void => {};

/**
 * @internal A timer of `Actor.delay` or `Actor.every`. It is what the host's clock fires (a
 * `TimerTarget`): with the actor and callback on it, a pending timer is this object, the clock's
 * entry and the caller's callback, and no closures (a simulation keeps several per agent). A
 * virtual clock holds it as its own entry (`Clock.setTargetTimer`), so a cancelled one may stay
 * there until it would have come due or the clock drops its cancelled entries: it lets go of its
 * actor and callback when cancelled.
 */
export class ActorTimer implements Timer, CancellableTarget {
  handle: TimerHandle | undefined;
  /** The timer's number among its actor's timers, from 1 (a repeating timer takes a new one per period). */
  seq = 0;
  /** When it is next due, by its host's clock. */
  dueMs = 0;
  /** On its actor's pending list (`ActorRuntime.addTimer`), between these two. */
  listed = false;
  previous: ActorTimer | undefined = undefined;
  next: ActorTimer | undefined = undefined;
  /** Its actor until cancelled (then undefined: `cancelled` reads it). */
  private owner: Actor | undefined;
  /** Runs in the actor's mailbox, with the actor as `this` and `arg` (a no-op once cancelled). */
  callback: (this: Actor, arg: unknown) => void;
  /** What `callback` is called with (`Actor.delayWith`); undefined for a closure's. */
  arg: unknown;
  constructor(
    actor: Actor,
    callback: (this: Actor, arg: unknown) => void,
    /** For `every`: the period; undefined for a one-shot `delay`. */
    readonly periodMs: number | undefined,
    arg: unknown,
  ) {
    this.owner = actor;
    this.callback = callback;
    this.arg = arg;
  }
  /** Cancelled (`cancel`): it never runs, and holds nothing of its actor's. */
  get cancelled(): boolean {
    return this.owner === undefined;
  }
  /** The actor whose timer it is (a cancelled timer has none: check `cancelled` first). */
  get actor(): Actor {
    if (this.owner === undefined) throw new Error('a cancelled timer has no actor');
    return this.owner;
  }
  cancel(): void {
    const owner = this.owner;
    if (owner === undefined) return;
    owner.runtime.removeTimer(this);
    this.owner = undefined;
    this.callback = CANCELLED_TIMER_CALLBACK;
    this.arg = undefined;
    // Cancelled first: a virtual clock told of it may drop its cancelled entries at once, this one among them.
    this.handle?.cancel();
  }
  /** Comes due (the clock calls it; a scripted replay calls it when the trace says): its run is queued in the actor's mailbox. */
  timerFired(): void {
    if (this.owner !== undefined) this.owner.runtime.host?.timerFired(this);
  }
}

/** The runtime's own actor ids, which start with `__` as libprocess' do: `__processes__` (`/__processes__`, lib/info-actors.ts). */
export const RUNTIME_ACTOR_IDS: ReadonlySet<string> = new Set(['__processes__']);

/** What an actor id may hold (a UPID's id: letters, digits, `_.()-/:`); one object, not a literal made at each spawn. */
const ACTOR_ID_PATTERN = /^[A-Za-z0-9_.()\-/:]+$/;

/**
 * The base class of every actor (libprocess' Process). An actor has an id, a mailbox and message
 * handlers installed by name; it runs one message at a time, to completion, so its state is
 * never touched concurrently.
 *
 * Async work must re-enter the actor rather than touch its state from a callback: use
 * `defer(promise, then)` (the continuation runs as a mailbox event) or `dispatch`. A handler
 * that throws is logged and isolated; the actor carries on with its next message.
 *
 * @example
 *   class Echo extends Actor {
 *     constructor() {
 *       super('echo');
 *       this.install(Ping, (from, body) => this.send(from, Pong, body));
 *     }
 *   }
 *   const host = await ActorHost.start({ port: 0 });
 *   const pid = host.spawn(new Echo());
 */
export abstract class Actor {
  /** @internal */
  readonly runtime = new ActorRuntime();

  /**
   * @param id the actor's id within its host (e.g. `master`, `slave(1)`); see `ActorHost.uniqueId`.
   * Ids starting with `__` are the runtime's own: only those of `RUNTIME_ACTOR_IDS`.
   */
  constructor(readonly id: string) {
    if (!ACTOR_ID_PATTERN.test(id) || (id.startsWith('__') && !RUNTIME_ACTOR_IDS.has(id))) {
      throw new Error(`invalid actor id '${id}': use [A-Za-z0-9_.()-/:], not starting with '__'`);
    }
  }

  /** Runs first, as the actor's first mailbox event after `spawn`. */
  protected initialize(): void {}

  /** Runs last, when the actor is terminated (or its host stops). */
  protected finalize(): void {}

  /** Called when a linked actor has gone: it terminated, its host died, or the link broke. */
  protected exited(_pid: UPID): void {}

  /**
   * Called (after the host has logged it) when a message from another host fails its body's
   * validation and is dropped: override to answer the sender, so that a peer's bad call is never
   * met with silence. `reason` names the first bad field.
   */
  protected invalidMessage(_from: UPID, _name: string, _reason: string): void {}

  /** This actor's address. Throws before `spawn`. */
  self(): UPID {
    const pid = this.runtime.pid;
    if (!pid) throw new Error(`actor '${this.id}' is not spawned`);
    return pid;
  }

  /** Installs the handler for messages of `type` (a `MessageType` or a bare name). */
  protected install<T>(type: MessageType<T> | string, handler: Handler<T>): void {
    const name = typeof type === 'string' ? type : type.name;
    if (this.runtime.handlers.has(name)) throw new Error(`actor '${this.id}': handler for '${name}' installed twice`);
    const entry = installedHandler(this, handler as Handler<unknown>, typeof type === 'string' ? undefined : type.validate);
    this.runtime.handlers = this.runtime.handlers.with(name, entry, isSharedHandler(entry));
  }

  /**
   * Serves HTTP `path` (e.g. `/state`) of this actor at `/<id><path>` on its host's port
   * (`/<id><path>/` too). A path ending in `/*` (e.g. `/static/*`) serves every path below it;
   * the handler sees the whole path. The host's delegate actor (`ActorHost.setDelegate`) also
   * serves, under its own routes, the paths that name no actor (e.g. `/` for the web UI).
   */
  protected route(path: string, handler: HttpHandler): void {
    if (!path.startsWith('/')) throw new Error(`route '${path}' must start with '/'`);
    // A method of the actor's class is served with the actor as `this`, so every actor of the class shares the entry.
    this.runtime.routeTable = this.runtime.routeTable.with(path, handler, isPrototypeMethod(this, handler));
  }

  /**
   * Serves HTTP `path` at `/<namespace><path>` though this actor's id is not `namespace`: for a
   * namespace that several components share on one host. `/api/v1/scheduler` is the master's
   * API actor's own route (its id is `api`); the agent's executor API serves `/api/v1/executor`
   * under `api` with `routeUnder('api', '/v1/executor', ...)`, so both answer on a host that
   * runs both a master and an agent, in either order of starting. An actor with id `namespace` serves
   * its own routes first; exact paths only (and with a trailing `/`). Two running actors may not
   * share one path: the second's spawn throws.
   */
  protected routeUnder(namespace: string, path: string, handler: HttpHandler): void {
    if (!path.startsWith('/')) throw new Error(`route '${path}' must start with '/'`);
    if (namespace.length === 0 || namespace.includes('/')) throw new Error(`route namespace '${namespace}' must be one non-empty path segment`);
    const shared = (this.runtime.sharedRoutes ??= new Map());
    let routes = shared.get(namespace);
    if (routes === undefined) {
      routes = new Map();
      shared.set(namespace, routes);
    }
    routes.set(path, handler);
  }

  /** Sends a message; delivery is asynchronous and unacknowledged (like libprocess `send`). */
  protected send<T>(to: UPID | string, type: MessageType<T> | string, body: T): void {
    this.host.send(this.self(), to, typeof type === 'string' ? type : type.name, body);
  }

  /** Runs `method` on `target` (an actor on this host) in its mailbox; resolves with the result. */
  protected dispatch<A extends Actor, R>(target: A, method: (actor: A) => R): Promise<Awaited<R>> {
    return dispatch(target, method);
  }

  /**
   * Runs `turn` in this actor's mailbox as a later turn of serving an HTTP request (work split
   * over turns so that messages are handled between them); resolves with its result. Traced as
   * the request is ('http'), and so not repeated by a replay: a turn must not send messages or
   * change what later messages do, only read (and keep what it rendered).
   */
  protected httpTurn<R>(turn: () => R): Promise<R> {
    const host = this.runtime.host;
    if (!host) return Promise.reject(new Error(`httpTurn: actor '${this.id}' is not spawned`));
    return new Promise<R>((resolve, reject) => {
      host.enqueueHttpTurn(this, () => {
        try {
          resolve(turn());
        } catch (error) {
          reject(error);
        }
      }, reject);
    });
  }

  /** Runs `callback` in this actor's mailbox after `ms` of the host clock. */
  protected delay(ms: number, callback: () => void): Timer {
    return this.host.delay(this, ms, callback);
  }

  /**
   * `delay` of a method of this actor called with `arg`: the timer holds the method and its
   * argument, with no closure and scope beside it (a timer per task in flight, at 100k agents).
   * `method` runs with this actor as `this`: pass one of its own methods (TypeScript checks the
   * argument's type, but not `this` of a method declared without a `this` parameter).
   *
   * @example this.delayWith(timeoutMs, this.registrationTimedOut, executor);
   */
  protected delayWith<A>(ms: number, method: (this: this, arg: A) => void, arg: A): Timer {
    return this.host.delay(this, ms, method as (this: Actor, arg: unknown) => void, arg);
  }

  /**
   * Runs `callback` in this actor's mailbox every `periodMs` of the host clock until the timer
   * is cancelled: the next period starts when the callback runs (as if the callback called
   * `delay` again first), so a late run delays the ones after it. One timer serves every period
   * (a health check per agent makes no timer per ping). Each period is a timer of its own in a
   * trace, numbered like any `delay`.
   *
   * @example const heartbeats = this.every(15_000, () => this.send(peer, Heartbeat, {})); // heartbeats.cancel() stops it
   */
  protected every(periodMs: number, callback: () => void): Timer {
    return this.host.every(this, periodMs, callback);
  }

  /**
   * `every` of a method of this actor called with `arg`, as `delayWith` is `delay`'s: no closure
   * and scope per timer (an agent's disk check, at 100k agents).
   *
   * @example this.everyWith(intervalMs, this.checkDiskUsage, undefined);
   */
  protected everyWith<A>(periodMs: number, method: (this: this, arg: A) => void, arg: A): Timer {
    return this.host.every(this, periodMs, method as (this: Actor, arg: unknown) => void, arg);
  }

  /**
   * Whether a message from `from` comes from the actor this host reaches at `dialed` (the same
   * pid, or the address its host advertised when dialed, confirmed; see `ActorHost.reachedAs`).
   */
  protected reachedAs(from: UPID, dialed: UPID): boolean {
    return this.host.reachedAs(from, dialed);
  }


  /** Asks to be told (via `exited`) when `pid` goes away. */
  protected link(pid: UPID | string): void {
    this.host.link(this, typeof pid === 'string' ? UPID.parse(pid) : pid);
  }

  /**
   * Waits for `promise` outside the actor, then runs `then` (or `onError`) inside its mailbox.
   * This is how async work (file I/O, child processes) re-enters an actor safely.
   */
  protected defer<T>(promise: Promise<T>, then: (value: T) => void, onError?: (error: Error) => void): void {
    this.host.defer(this, promise, then, onError);
  }

  /**
   * `defer` with methods of this actor and their argument: `then(arg, value)` on success,
   * `onError(arg, error)` on failure, with no closure and scope per call (an agent's executor
   * launch, one a task). Pass the actor's own methods, as for `delayWith`.
   *
   * @example this.deferWith(launcher.launch(launch, onExit), this.executorStarted, this.executorLaunchFailed, executor);
   */
  protected deferWith<T, A>(promise: Promise<T>, then: (this: this, arg: A, value: T) => void, onError: (this: this, arg: A, error: Error) => void, arg: A): void {
    this.host.deferWith(this, promise, then as (this: Actor, arg: A, value: T) => void, onError as (this: Actor, arg: A, error: Error) => void, arg);
  }

  /**
   * Lets `promise` run to its end without waiting for it: for work whose outcome, success or
   * failure, changes nothing the actor does (the agent touching a sandbox's modification time).
   * It is counted as pending like `defer`'s work, so a virtual clock's `settle` waits for it, but
   * no continuation enters the mailbox: use `defer` for anything whose result matters. Its
   * failure is ignored.
   */
  protected background(promise: Promise<unknown>): void {
    this.host.background(promise);
  }

  /** Terminates this actor: queued messages are dropped, `finalize` runs, linked actors get `exited`. */
  protected terminate(): void {
    this.host.terminate(this);
  }

  /**
   * What waits in this actor's mailbox now, by kind (libprocess' `eventCount`, behind Mesos'
   * `event_queue_*` gauges): messages from actors, dispatches (timers, deferred work and
   * dispatches: libprocess runs all three as dispatch events) and HTTP requests. O(mailbox):
   * read it for metrics, not on a hot path.
   */
  protected eventQueueCounts(): EventQueueCounts {
    const counts = { messages: 0, dispatches: 0, httpRequests: 0 };
    this.runtime.mailbox.forEach((event) => {
      if (event.kind === EventKind.Message) counts.messages++;
      else if (event.kind === EventKind.Run && event.name === 'http') counts.httpRequests++;
      else if (event.kind === EventKind.Run) counts.dispatches++;
    });
    return counts;
  }

  /** The host clock: the only source of time actor code may use. */
  protected get clock(): Clock {
    return this.host.clock;
  }

  /** The host's seeded PRNG: the only source of randomness actor code may use. */
  protected get random(): Prng {
    return this.host.random;
  }

  /**
   * A logger bound to this actor's id (`actor` in each record; a pino child logger, made at the
   * first use). A silent host logger is given as it is: it writes nothing, and a child with its
   * bindings per actor that logs (every agent says it started) was ~150 bytes an actor in a
   * simulation of 100k agents. A level raised later (`ActorHost.setLogLevel`, `/logging/toggle`)
   * gives the actor its child logger at its next use.
   */
  protected get log(): Logger {
    const runtime = this.runtime;
    if (runtime.logger !== undefined) return runtime.logger;
    const logger = this.host.logger;
    if (logger.level === 'silent') return logger;
    runtime.logger = logger.child({ actor: this.id });
    return runtime.logger;
  }

  /** The host this actor was spawned on. Throws before `spawn`. */
  protected get host(): ActorHost {
    const host = this.runtime.host;
    if (!host) throw new Error(`actor '${this.id}' is not spawned`);
    return host;
  }

  /** @internal Entry points the host calls; actor code overrides the protected hooks instead. */
  static callInitialize(actor: Actor): void {
    actor.initialize();
  }
  /** @internal */
  static callFinalize(actor: Actor): void {
    actor.finalize();
  }
  /** @internal */
  static callExited(actor: Actor, pid: UPID): void {
    actor.exited(pid);
  }
  /** @internal */
  static callInvalidMessage(actor: Actor, from: UPID, name: string, reason: string): void {
    actor.invalidMessage(from, name, reason);
  }
}

/**
 * Runs `method` on `actor` inside its mailbox and resolves with what it returns (libprocess
 * `dispatch`). Use it to build facades: one-line methods that hide the actor.
 *
 * @example
 *   class AllocatorFacade {
 *     constructor(private readonly process: AllocatorProcess) {}
 *     addAgent(id: string, total: Resources) { return dispatch(this.process, (p) => p.addAgent(id, total)); }
 *   }
 */
export function dispatch<A extends Actor, R>(actor: A, method: (actor: A) => R): Promise<Awaited<R>> {
  const host = actor.runtime.host;
  if (!host) return Promise.reject(new Error(`dispatch: actor '${actor.id}' is not spawned`));
  return new Promise<Awaited<R>>((resolve, reject) => {
    const run = (): void => {
      try {
        const result = method(actor);
        if (result instanceof Promise) result.then(resolve as (v: unknown) => void, reject);
        else resolve(result as Awaited<R>);
      } catch (error) {
        reject(error);
      }
    };
    host.enqueueRun(actor, run, reject);
  });
}

/**
 * Runs `method` on `actor` inside its mailbox, like `dispatch`, but makes no promise: for a
 * caller that makes many calls and needs no answer (the master returns every declined offer's
 * resources to the allocator: a promise per call was ~15% of what an allocation cycle left for
 * the old generation). A throw of `method`, or the actor being gone, goes to `onError`, called
 * from inside `actor`'s mailbox (or at once, if it was never spawned); to act on it in the
 * caller's own mailbox, `post` back to the caller from there.
 *
 * @example post(allocator, (a) => a.recoverResources(frameworkId, agentId, resources), (error) => log(error));
 */
export function post<A extends Actor>(actor: A, method: (actor: A) => void, onError: (error: Error) => void): void {
  const host = actor.runtime.host;
  if (!host) {
    onError(new Error(`post: actor '${actor.id}' is not spawned`));
    return;
  }
  host.enqueueRun(actor, () => {
    try {
      method(actor);
    } catch (error) {
      onError(error instanceof Error ? error : new Error(String(error)));
    }
  }, onError);
}
