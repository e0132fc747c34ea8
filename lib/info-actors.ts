/**
 * The two small actors behind Mesos' top-level `GET /version` and (an addition of this
 * implementation) `GET /flags`: actor ids `version` and `flags`, each serving its route `/`.
 * `startMaster` and `startAgent` spawn them on their host unless it has them already (one
 * process, one `/version`; in `mesos-local` the master's flags are the process's `/flags`).
 */
import { Actor } from './actor';
import type { ActorHost } from './process';
import { authenticateRequest, isResponse, type HttpAuthentication } from './process/http-authentication';
import { httpError, methodNotAllowed, ok, type HttpRequest, type HttpResponse } from './process/http';
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

/**
 * Spawns the `version` and `flags` actors on `host` where it has none yet; returns the ones it
 * spawned (the caller terminates them when it stops).
 */
export function spawnInfoActors(host: ActorHost, render: () => Record<string, string>, access: FlagsAccess = {}): Actor[] {
  const spawned: Actor[] = [];
  if (host.lookup(VERSION_ACTOR_ID) === undefined) spawned.push(new VersionActor());
  if (host.lookup(FLAGS_ACTOR_ID) === undefined) spawned.push(new FlagsActor(render, access));
  for (const actor of spawned) host.spawn(actor);
  return spawned;
}
