/**
 * The small actors behind Mesos' top-level `GET /version`, libprocess' `/logging/toggle` and (an
 * addition of this implementation) `GET /flags`: actor ids `version`, `logging` and `flags`.
 * `startMaster` and `startAgent` spawn them on their host unless it has them already (one
 * process, one `/version`; in `mesos-local` the master's flags are the process's `/flags`).
 */
import { Actor, dispatch } from './actor';
import { EventKind, type MailboxEvent } from './actor/mailbox';
import type { ActorHost } from './process';
import { authenticateRequest, isResponse, type HttpAuthentication } from './process/http-authentication';
import { httpError, methodNotAllowed, ok, type HttpRequest, type HttpResponse } from './process/http';
import { MAX_DURATION_MS, parseDuration } from './flags';
import type { LogLevel } from './logging';
import type { Timer } from './actor';
import type { LoggingLevelCall } from './v1/operator';
import { versionJson } from './version';

/** The actor id serving `/version`. */
export const VERSION_ACTOR_ID = 'version';
/** The actor id serving `/flags`. */
export const FLAGS_ACTOR_ID = 'flags';

/**
 * `GET /version`: `{version, build_date, build_time, build_user, mesos_ts_version}` (Mesos'
 * `VersionProcess`; it needs no credentials there either).
 */
export class VersionActor extends Actor {
  constructor() {
    super(VERSION_ACTOR_ID);
    this.route('/', () => ok(versionJson()));
  }
}

/** Who may read a process's flags: HTTP Basic for read-only endpoints, and the ACLs' `view_flags`. */
export interface FlagsAccess {
  /** The process's HTTP authentication (`--authenticate_http_readonly`). */
  readonly authentication?: HttpAuthentication;
  /** Why `principal` may not view the flags (the ACLs' `view_flags`), or undefined when it may. */
  readonly denial?: (principal: string | undefined) => string | undefined;
  /**
   * Only GET is served (405 for another method, after authentication): Mesos' master and agent
   * answer so when they have an authorizer (`--acls`), and serve any method without one.
   */
  readonly getOnly?: boolean;
}

/**
 * The response to a request for a process's flags: `{flags: {name: value}}` (Mesos'
 * `/master/flags`), or 401 / 403 as `access` decides. Shared by `/flags`, `/master/flags` and
 * `/slave(1)/flags`.
 */
export function flagsResponse(request: HttpRequest, access: FlagsAccess, render: () => Record<string, string>): HttpResponse {
  const caller = access.authentication === undefined ? { principal: undefined } : authenticateRequest(request, 'readonly', access.authentication);
  if (isResponse(caller)) return caller;
  if (access.getOnly === true && request.method !== 'GET') {
    return methodNotAllowed(['GET'], `Expecting 'GET', received '${request.method}'`);
  }
  const denied = access.denial?.(caller.principal);
  if (denied !== undefined) return httpError(403, `Forbidden: ${denied}`);
  return ok({ flags: render() });
}

/** `GET /flags`: the flags of the process (its master's, or its agent's when it runs no master). */
export class FlagsActor extends Actor {
  /** @param render the flags as Mesos prints them; @param access who may read them */
  constructor(render: () => Record<string, string>, access: FlagsAccess = {}) {
    super(FLAGS_ACTOR_ID);
    this.route('/', (request) => flagsResponse(request, access, render));
  }
}

/** The actor id serving `/logging/toggle`. */
export const LOGGING_ACTOR_ID = 'logging';

/**
 * The log level a glog verbosity level stands for here: 0 the process's own level (its
 * `--logging_level`, `info` by default), 1 at least `debug`, 2 or more `trace`. Mesos' libprocess
 * logs only at verbose levels 1-3 (`VLOG`); this implementation logs with pino's levels, so the
 * verbosity maps onto them (our choice, documented in the README).
 */
export function logLevelOfVerbosity(verbosity: number, base: LogLevel): LogLevel {
  if (verbosity >= 2) return 'trace';
  if (verbosity === 1) return base === 'trace' ? 'trace' : 'debug';
  return base;
}

/** Who may toggle the logging level: HTTP Basic for read-write endpoints, and the ACLs' `set_log_level`. */
export interface LoggingAccess {
  /** The process's HTTP authentication (`--authenticate_http_readwrite`). */
  readonly authentication?: HttpAuthentication;
  /** Why `principal` may not set the logging level (the ACLs' `set_log_level`), or undefined when it may. */
  readonly denial?: (principal: string | undefined) => string | undefined;
}

/**
 * libprocess' `Logging` process: the process's glog verbosity level (`GET /logging/toggle`), set
 * for a while (`/logging/toggle?level=N&duration=D`, or the v1 operator APIs' SET_LOGGING_LEVEL)
 * and then reverted to the level it started with. Setting it sets the level of the host's logger
 * and of every actor's on it (`ActorHost.setLogLevel`).
 */
export class LoggingActor extends Actor {
  /** The verbosity level now; 0 (glog's default) at start, the original. */
  private verbosity = 0;
  private revert: Timer | undefined;
  /** The host logger's level at start: what verbosity 0 means. */
  private base: LogLevel = 'info';

  constructor(private readonly access: LoggingAccess = {}) {
    super(LOGGING_ACTOR_ID);
    this.route('/toggle', (request) => this.toggle(request));
  }

  protected override initialize(): void {
    this.base = this.host.logger.level as LogLevel;
  }

  /** Stopped with a level still toggled: the host's loggers go back to the level they started with. */
  protected override finalize(): void {
    if (this.verbosity === 0) return;
    this.revert?.cancel();
    this.verbosity = 0;
    this.host.setLogLevel(this.base);
  }

  /** The verbosity level now (GET_LOGGING_LEVEL's `level`). */
  level(): number {
    return this.verbosity;
  }

  /**
   * Sets the verbosity level to `level` for `durationMs`, then back to the original (Mesos'
   * `Logging::set_level`: a later call replaces an earlier one's revert; the original level set
   * again has none).
   */
  setLevel(level: number, durationMs: number): void {
    this.verbosity = level;
    this.host.setLogLevel(logLevelOfVerbosity(level, this.base));
    this.revert?.cancel();
    this.revert = undefined;
    if (level === 0) return;
    this.revert = this.delay(Math.min(durationMs, MAX_DURATION_MS), () => {
      this.revert = undefined;
      this.verbosity = 0;
      this.host.setLogLevel(this.base);
    });
  }

  /** `/logging/toggle`, as libprocess answers it (its texts, with their trailing newline). */
  private toggle(request: HttpRequest): HttpResponse {
    const caller = this.access.authentication === undefined ? { principal: undefined } : authenticateRequest(request, 'readwrite', this.access.authentication);
    if (isResponse(caller)) return caller;
    const denied = this.access.denial?.(caller.principal);
    if (denied !== undefined) return { status: 403, body: `Forbidden: ${denied}\n` };
    const level = request.query.level;
    const duration = request.query.duration;
    if (level === undefined && duration === undefined) return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${this.verbosity}\n` };
    if (duration === undefined) return badQuery("Expecting 'duration=value' in query.\n");
    if (level === undefined) return badQuery("Expecting 'level=value' in query.\n");
    if (!/^[+-]?[0-9]+$/.test(level.trim()) || !Number.isSafeInteger(Number(level))) return badQuery(`Failed to convert '${level}' to number.\n`);
    const verbosity = Number(level);
    if (verbosity < 0) return badQuery(`Invalid level '${verbosity}'.\n`);
    let durationMs: number;
    try {
      durationMs = parseDuration(duration);
    } catch (error) {
      return badQuery(`${(error as Error).message}.\n`);
    }
    this.setLevel(verbosity, durationMs);
    return { status: 200, body: '' };
  }
}

/** A 400 in libprocess' words (text, as `/logging/toggle` answers it). */
function badQuery(text: string): HttpResponse {
  return { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text };
}

/**
 * The v1 operator APIs' GET_LOGGING_LEVEL and SET_LOGGING_LEVEL (master's and agent's), answered
 * from `host`'s logging actor: `{type, get_logging_level: {level}}`, or 200 with no body once the
 * level is set; 403 when `denial` (the ACLs' `set_log_level`) refuses the caller; 503 when the
 * process serves no `/logging` (a simulation's agents).
 */
export function v1LoggingLevel(host: ActorHost, call: LoggingLevelCall, denial: () => string | undefined): HttpResponse | Promise<HttpResponse> {
  const logging = host.lookup(LOGGING_ACTOR_ID);
  const gone = (): HttpResponse => ({ status: 503, body: 'this process serves no logging level (/logging/toggle)' });
  if (!(logging instanceof LoggingActor)) return gone();
  if (call.type === 'GET_LOGGING_LEVEL') {
    return dispatch(logging, (actor) => actor.level()).then((level) => ok({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level } }), gone);
  }
  const denied = denial();
  if (denied !== undefined) return { status: 403, body: `Forbidden: ${denied}` };
  return dispatch(logging, (actor) => actor.setLevel(call.level, call.durationMs)).then((): HttpResponse => ({ status: 200, body: '' }), gone);
}

/** The actor id serving `/__processes__`. */
export const PROCESSES_ACTOR_ID = '__processes__';

/** Events `/__processes__` lists of one actor's mailbox (the rest are counted in `events_total`): a backed-up master holds millions. */
export const MAX_PROCESS_EVENTS_LISTED = 100;

/** Who may read `/__processes__`: the read-only HTTP credentials, when the process asks for them. */
export interface ProcessesAccess {
  /** The process's HTTP authentication (`--authenticate_http_readonly`). */
  readonly authentication?: HttpAuthentication;
}

/** One mailbox event as `/__processes__` lists it (libprocess' event JSON, without a message's body). */
export function processEventJson(event: MailboxEvent, to: string): Record<string, string> {
  switch (event.kind) {
    case EventKind.Message:
      return { type: 'MESSAGE', name: event.name, from: event.from?.toString() ?? '', to };
    case EventKind.Exited:
      return { type: 'EXITED', from: event.from?.toString() ?? '' };
    case EventKind.Terminate:
      return { type: 'TERMINATE' };
    default:
      // An HTTP request's later turn is libprocess' HTTP event; every other run (a dispatch, a
      // timer, deferred work, the actor's initialization) its DISPATCH, named by what it is.
      return event.name === 'http' ? { type: 'HTTP' } : { type: 'DISPATCH', name: event.name };
  }
}

/**
 * libprocess' `/__processes__`: every actor of the host, with the events waiting in its mailbox
 * (`[{id, events: [{type, ...}], events_total}]`), to see which one is backed up, and with what.
 * Unlike libprocess it writes no message's body (a body may carry a secret), lists at most
 * `MAX_PROCESS_EVENTS_LISTED` events an actor (counting them all in `events_total`), and is
 * behind the read-only credentials when the process asks for them (libprocess serves it to anyone).
 */
export class ProcessesActor extends Actor {
  constructor(private readonly access: ProcessesAccess = {}) {
    super(PROCESSES_ACTOR_ID);
    this.route('/', (request) => this.processes(request));
  }

  private processes(request: HttpRequest): HttpResponse {
    const caller = this.access.authentication === undefined ? { principal: undefined } : authenticateRequest(request, 'readonly', this.access.authentication);
    if (isResponse(caller)) return caller;
    if (request.method !== 'GET') return methodNotAllowed(['GET'], `Expecting 'GET', received '${request.method}'`);
    return ok(this.host.localActors().map((actor) => {
      const to = actor.runtime.pid?.toString() ?? actor.id;
      const events = actor.runtime.mailbox.first(MAX_PROCESS_EVENTS_LISTED).map((event) => processEventJson(event, to));
      return { id: actor.id, events, events_total: actor.runtime.mailbox.length };
    }));
  }
}

/**
 * Spawns the `version`, `flags`, `logging` and `__processes__` actors on `host` where it has none yet (`/__processes__` behind the read-only credentials of `logging.authentication`); returns the
 * ones it spawned (the caller terminates them when it stops).
 */
export function spawnInfoActors(host: ActorHost, render: () => Record<string, string>, access: FlagsAccess = {}, logging: LoggingAccess = {}): Actor[] {
  const spawned: Actor[] = [];
  if (host.lookup(VERSION_ACTOR_ID) === undefined) spawned.push(new VersionActor());
  if (host.lookup(FLAGS_ACTOR_ID) === undefined) spawned.push(new FlagsActor(render, access));
  if (host.lookup(LOGGING_ACTOR_ID) === undefined) spawned.push(new LoggingActor(logging));
  if (host.lookup(PROCESSES_ACTOR_ID) === undefined) spawned.push(new ProcessesActor({ ...(logging.authentication !== undefined ? { authentication: logging.authentication } : {}) }));
  for (const actor of spawned) host.spawn(actor);
  return spawned;
}
