/**
 * Which credentials each of a master's authenticated HTTP routes asks for (Mesos' realms), the
 * one table a leading master (`Master.authenticatedRoute`) and a standby (`StandbyMaster`,
 * `StandbyApi`) both read. Mesos' libprocess authenticates a request in its route's realm before
 * the handler runs, and a standby's handler is what redirects to the leader: so a request without
 * the credentials its route needs is 401 at a standby too, never a 307 first.
 */
import { authenticateRequest, isResponse, type HttpAccess, type HttpRequest, type HttpResponse } from '../../lib/process';
import { httpAuthenticationOf, operatorHttpAuthenticationOf, type MasterFlags } from './flags';
import { schedulerHttpAuthentication } from './v1-scheduler';

/** The access a route asks of `request`: fixed, or by its method. */
export type RouteAccess = HttpAccess | ((request: HttpRequest) => HttpAccess);

/** `/master/weights` and `/master/quota`: a GET reads (read-only credentials), any other method writes (read-write ones). */
function readOnlyGet(request: HttpRequest): HttpAccess {
  return request.method === 'GET' ? 'readonly' : 'readwrite';
}

/**
 * The `/master` routes that ask for credentials: read-only ones with `--authenticate_http_readonly`,
 * read-write ones with `--authenticate_http_readwrite` (`/health`, `/redirect` never; `/flags` has
 * its own check, `flagsResponse`).
 */
export const MASTER_ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  '/state': 'readonly',
  '/state.json': 'readonly',
  '/state-summary': 'readonly',
  '/frameworks': 'readonly',
  '/slaves': 'readonly',
  '/tasks': 'readonly',
  '/roles': 'readonly',
  // Reading them takes read-only credentials, changing them read-write ones (checked before the body is read).
  '/weights': readOnlyGet,
  '/quota': readOnlyGet,
  '/quota/*': readOnlyGet,
  '/teardown': 'readwrite',
  '/reserve': 'readwrite',
  '/unreserve': 'readwrite',
  '/create-volumes': 'readwrite',
  '/destroy-volumes': 'readwrite',
  // Mesos' maintenance endpoints, in its realms (maintenance.ts).
  '/maintenance/schedule': 'readwrite',
  '/maintenance/status': 'readonly',
  '/machine/down': 'readwrite',
  '/machine/up': 'readwrite',
};

/** What `route`'s table entry asks of a request, read once; throws for a route the table does not name (a programming error). */
export function masterRouteAccess(route: string): (request: HttpRequest) => HttpAccess {
  const access = MASTER_ROUTE_ACCESS[route];
  if (access === undefined) throw new Error(`no access is set for the master route '${route}' (route-access.ts)`);
  return typeof access === 'function' ? access : () => access;
}

/** The v1 operator API's path (its actor's `/v1` route) and the v1 scheduler API's, as a standby names them. */
export const OPERATOR_API_PATH = '/api/v1';
export const SCHEDULER_API_PATH = '/api/v1/scheduler';

/**
 * The 401 a leading master with `flags` would answer `request` at `path` (a `/master` route of
 * `MASTER_ROUTE_ACCESS`, or `OPERATOR_API_PATH`, `SCHEDULER_API_PATH`), or undefined when its
 * credentials (or their absence) pass: what a standby asks before it redirects.
 *
 * @example standbyRefusal(flags)('/state', request) // { status: 401, ... } without credentials under --authenticate_http_readonly
 */
export function standbyRefusal(flags: MasterFlags): (path: string, request: HttpRequest) => HttpResponse | undefined {
  const master = httpAuthenticationOf(flags);
  // The least any operator call needs (its write calls ask for more at the leader).
  const operator = operatorHttpAuthenticationOf(flags);
  const scheduler = schedulerHttpAuthentication(flags);
  return (path, request) => {
    const caller = path === OPERATOR_API_PATH ? authenticateRequest(request, 'readonly', operator)
      : path === SCHEDULER_API_PATH ? authenticateRequest(request, 'readwrite', scheduler)
        : MASTER_ROUTE_ACCESS[path] === undefined ? undefined : authenticateRequest(request, masterRouteAccess(path)(request), master);
    return caller !== undefined && isResponse(caller) ? caller : undefined;
  };
}
