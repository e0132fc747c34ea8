/** `startMaster`: what the bins call to run a master, with its allocator and metrics, on a host. */
import { dispatch, UPID, type Actor } from '../../lib/actor';
import { authenticateRequest, isResponse, VirtualClock, withRouteOptions, type ActorHost } from '../../lib/process';
import { Allocator } from '../allocator/allocator';
import { ALLOCATOR_ACTOR_ID } from '../allocator/allocator-process';
import { MASTER_ACTOR_ID, MASTER_START_INPUT, METRICS_ACTOR_ID } from './constants';
import { checkMasterFlags, httpAuthenticationOf, operatorHttpAuthenticationOf, registryPathOf, renderMasterFlags, type MasterFlags } from './flags';
import { spawnInfoActors, type FlagsAccess } from '../../lib/info-actors';
import { RegistrarActor, REGISTRAR_ACTOR_ID } from './registrar-endpoint';
import { Authorizer } from '../../lib/acls';
import { Master } from './master';
import { apiActorId, httpFrameworksAuthenticated, SchedulerApi } from './v1-scheduler';
import { MAX_OPERATOR_CALL_BYTES } from './v1-operator';
import { masterMetricsSource } from './metrics';
import { attachMetricsSource, metricsAccess, MetricsProcess } from '../../lib/metrics';
import { Registry } from './registry';
import type { MasterStartInput } from './replay';
import { loadWebUiBundle, WEBUI_ACTOR_ID, WebUiActor } from './webui';

/** What `startMaster` needs: the flags and a host to spawn on (the bins create it). */
export interface StartMasterOptions {
  readonly flags: MasterFlags;
  readonly host: ActorHost;
  /** The registry to use instead of loading `<workDir>/registry.json` (a replay passes an in-memory one). */
  readonly registry?: Registry;
  /** The master's id (default: a new one); a contending master passes the one it published in ZooKeeper. */
  readonly masterId?: string;
  /** The actors' ids (default `master`, `allocator`, `metrics`): a simulation running several masters on one host gives each its own. */
  readonly actorIds?: MasterActorIds;
  /** Whether the master may still say it leads (a contending master's check of its ZooKeeper session; default always). */
  readonly leading?: () => boolean;
  /** When the master's process started (ms on the host's clock; default: now): a contending master's standby came first. */
  readonly processStartTimeMs?: number;
  /** Builds the master actor (default `new Master(...)`; a test may pass a subclass). */
  readonly createMaster?: (flags: MasterFlags, registry: Registry, allocator: Allocator) => Master;
  /**
   * The directory of the built web UI, served at `/` (default `dist/webui/`); `false`: no UI.
   * Only the host's one master (default actor ids) serves it, only if no UI runs there yet, and
   * not in a simulation (a simulated clock).
   */
  readonly webUiDirectory?: string | false;
  /** The v1 scheduler API's bounds (default `MAX_HTTP_SUBSCRIPTIONS`, `MAX_HTTP_SUBSCRIPTIONS_PER_PRINCIPAL`): tests make them small. */
  readonly httpSubscriptionLimits?: { readonly total?: number; readonly perPrincipal?: number };
}

/** The ids of a master's actors. */
export interface MasterActorIds {
  readonly master: string;
  readonly allocator: string;
  readonly metrics: string;
}

/** The ids of the one master of a host. */
export const DEFAULT_MASTER_ACTOR_IDS: MasterActorIds = { master: MASTER_ACTOR_ID, allocator: ALLOCATOR_ACTOR_ID, metrics: METRICS_ACTOR_ID };

/** A running master. */
export interface MasterHandle {
  /** The master actor (for `dispatch` in tests). */
  readonly master: Master;
  /** Its address, `master@ip:port`. */
  readonly pid: UPID;
  /** Its allocator's facade. */
  readonly allocator: Allocator;
  /** Its registry. */
  readonly registry: Registry;
  /** Terminates the metrics, master and allocator actors (the host keeps running). */
  stop(): Promise<void>;
}

/**
 * Loads the registry (`<workDir>/registry.json`), then spawns the allocator, the master
 * (`master`, serving `/master/...`) and the metrics actor (`/metrics/snapshot`, `/metrics`; an
 * existing one of the host serves the master's metrics too) on `host`.
 * Rejects on impossible flags or a corrupt registry file. A host that records a trace gets the
 * flags and the registry as loaded, as the input a replay starts from (`replayMaster`).
 */
export async function startMaster(options: StartMasterOptions): Promise<MasterHandle> {
  const { flags, host } = options;
  checkMasterFlags(flags);
  const registry = options.registry ?? await Registry.load(registryPathOf(flags), { clock: host.clock });
  // A trace must not carry secrets: the replayed master gets the flags without them.
  const { credentials: _secrets, ...traced } = flags;
  const start: MasterStartInput = { flags: traced, registry: registry.snapshot() };
  const ids = options.actorIds ?? DEFAULT_MASTER_ACTOR_IDS;
  host.recordInput(UPID.at(ids.master, host.address), MASTER_START_INPUT, start);
  const allocator = Allocator.spawnOn(host, ids.allocator);
  const master = options.createMaster?.(flags, registry, allocator) ?? new Master(flags, registry, allocator, {
    actorId: ids.master,
    ...(options.masterId !== undefined ? { masterId: options.masterId } : {}),
    ...(options.leading !== undefined ? { leading: options.leading } : {}),
    ...(options.processStartTimeMs !== undefined ? { processStartTimeMs: options.processStartTimeMs } : {}),
  });
  const initialized = allocator.initialize({
    allocationIntervalMs: flags.allocationIntervalMs,
    ...(flags.minAllocatableResources !== undefined ? { minAllocatable: flags.minAllocatableResources } : {}),
    ...(flags.fairSharingExcludedResourceNames !== undefined ? { fairSharingExcludedResourceNames: flags.fairSharingExcludedResourceNames } : {}),
    ...(flags.allocatorAgentRecoveryFactor !== undefined ? { agentRecoveryFactor: flags.allocatorAgentRecoveryFactor } : {}),
    ...(flags.allocatorRecoveryTimeoutMs !== undefined ? { recoveryTimeoutMs: flags.allocatorRecoveryTimeoutMs } : {}),
    checkInvariants: flags.checkAllocatorInvariants ?? false,
    offerCallback: (offers) => {
      dispatch(master, (process) => process.offer(offers)).catch((error: Error) => {
        host.logger.warn({ error: error.message, offers: offers.length }, 'offers not delivered to the master');
      });
    },
  });
  // Spawned at once (the allocator handles its initialization before anything the master asks):
  // a contending master's address has no actor between its standby and this master, and what
  // arrives then is lost.
  const pid = host.spawn(master);
  await initialized;
  const detachMetrics = attachMetricsSource(host, masterMetricsSource(master, allocator), ids.metrics, metricsAccess(httpAuthenticationOf(flags), flags.acls));
  const operatorAuthentication = operatorHttpAuthenticationOf(flags);
  // The v1 scheduler API (`/api/v1/scheduler`): HTTP frameworks, each served by a scheduler actor here.
  const api = new SchedulerApi({
    master: pid.toString(),
    agentEndpoint: (agentId) => master.agentEndpoint(agentId),
    ...(flags.httpFrameworkHeartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: flags.httpFrameworkHeartbeatIntervalMs } : {}),
    // A second master on one host (a simulation) has ids of its own: its API's follows its master's.
    id: apiActorId(ids.master),
    ...(options.leading !== undefined ? { leading: options.leading } : {}),
    authentication: { credentials: flags.credentials, required: httpFrameworksAuthenticated(flags) },
    maxSubscriptionsPerPeer: flags.maxFrameworksPerPeer,
    ...(options.httpSubscriptionLimits?.total !== undefined ? { maxSubscriptions: options.httpSubscriptionLimits.total } : {}),
    ...(options.httpSubscriptionLimits?.perPrincipal !== undefined ? { maxSubscriptionsPerPrincipal: options.httpSubscriptionLimits.perPrincipal } : {}),
    frameworkKnown: (frameworkId) => dispatch(master, (process) => process.knownFramework(frameworkId)),
    counted: (frameworkId, what) => {
      dispatch(master, (process) => process.countV1(frameworkId, what)).catch(() => undefined); // the master stopped: nothing to count
    },
    adopt: (adapter, client, principal) => {
      dispatch(master, (process) => process.adoptHttpFramework(adapter, client, principal)).catch(() => undefined); // the master is gone: so is the framework
    },
    // The v1 operator API (`/api/v1`), run in the master's mailbox. Every call needs at least read-only credentials
    // (when those are required) and is at most MAX_OPERATOR_CALL_BYTES: both checked before the body is read.
    operator: withRouteOptions((request) => dispatch(master, (process) => process.operatorCall(request)), {
      maxBodyBytes: MAX_OPERATOR_CALL_BYTES,
      beforeBody: (request) => {
        const caller = authenticateRequest(request, 'readonly', operatorAuthentication);
        return isResponse(caller) ? caller : undefined;
      },
    }),
  });
  master.serveOperatorApi({
    metrics: (timeoutMs) => metricsSnapshot(host, ids.metrics, timeoutMs),
    ...(flags.httpFrameworkHeartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: flags.httpFrameworkHeartbeatIntervalMs } : {}),
    ...(flags.maxOperatorEventStreamSubscribers !== undefined ? { maxSubscribers: flags.maxOperatorEventStreamSubscribers } : {}),
  });
  host.spawn(api);
  master.serveSchedulerApi((request) => dispatch(api, (served) => served.serve(request)), api.routeOptions);
  // `/version` and `/flags` (this master's), unless the host serves them already.
  const info = spawnMasterInfoActors(host, flags);
  // `/registrar(1)/registry`: the host's one master's registry (a second master on the host, a simulation's, serves none).
  if (ids.master === MASTER_ACTOR_ID && host.lookup(REGISTRAR_ACTOR_ID) === undefined) {
    const registrar = new RegistrarActor({ authentication: httpAuthenticationOf(flags), contents: () => ({ registry, master: master.masterInfo() }) });
    host.spawn(registrar);
    info.push(registrar);
  }
  const webUi = spawnWebUi(host, ids, options.webUiDirectory);
  if (ids.master === MASTER_ACTOR_ID) {
    // Paths naming no actor: the web UI's, else the master's (`/state`, `/tasks`, ... as in Mesos,
    // whose master is its host's delegate: the official CLI reads `/slaves` and `/tasks`).
    if (host.lookup(WEBUI_ACTOR_ID) !== undefined) host.setDelegate(WEBUI_ACTOR_ID, MASTER_ACTOR_ID);
    else host.setDelegate(MASTER_ACTOR_ID);
  }
  const actors = [...(webUi === undefined ? [] : [webUi]), ...info, api, master, allocator.process];
  const stop = async (): Promise<void> => {
    await detachMetrics();
    for (const actor of actors) host.terminate(actor);
    await Promise.all(actors.map((actor) => host.wait(actor)));
  };
  return { master, pid, allocator, registry, stop };
}

/**
 * The host's metrics (every source's, as `/metrics/snapshot` has them), read through its metrics
 * actor `id`: those that answered within `timeoutMs`, as Mesos' `process::metrics::snapshot`.
 */
function metricsSnapshot(host: ActorHost, id: string, timeoutMs: number): Promise<Record<string, number>> {
  const metrics = host.lookup(id);
  if (!(metrics instanceof MetricsProcess)) return Promise.reject(new Error(`no metrics actor '${id}' on this host`));
  return dispatch(metrics, (process) => process.snapshot(timeoutMs));
}

/**
 * Spawns the host's `version` and `flags` actors (`/version`, and `/flags` with these flags,
 * behind the read-only credentials and the ACLs' `view_flags`; `/logging/toggle` behind the
 * read-write ones and `set_log_level`) unless it has them; returns the
 * ones spawned, for the caller to terminate. `startMaster` calls it, and a contending master
 * at its start, so that a standby's host answers them too (`access`: its flags' readers, made once).
 */
export function spawnMasterInfoActors(host: ActorHost, flags: MasterFlags, access: FlagsAccess = masterFlagsAccess(flags)): Actor[] {
  const authorizer = flags.acls === undefined ? undefined : new Authorizer(flags.acls);
  return spawnInfoActors(host, () => renderMasterFlags(flags), access, { authentication: httpAuthenticationOf(flags), denial: (principal) => authorizer?.denial('set_log_level', principal) });
}

/** Who may read a master's flags (`/flags`, and a standby's `/master/flags`): its HTTP authentication and `view_flags` ACLs. */
export function masterFlagsAccess(flags: MasterFlags): FlagsAccess {
  const authorizer = flags.acls === undefined ? undefined : new Authorizer(flags.acls);
  return { authentication: httpAuthenticationOf(flags), denial: (principal) => authorizer?.denial('view_flags', principal), getOnly: authorizer !== undefined };
}

/**
 * Spawns the web UI (`/`) as the host's delegate, for the host's one master when none serves it
 * yet. A simulation (a simulated clock: no real I/O, no one to serve) gets none.
 */
function spawnWebUi(host: ActorHost, ids: MasterActorIds, directory: string | false | undefined): WebUiActor | undefined {
  if (directory === false || ids.master !== MASTER_ACTOR_ID || host.lookup(WEBUI_ACTOR_ID) !== undefined) return undefined;
  if (host.clock instanceof VirtualClock && host.clock.simulated) return undefined;
  const webUi = new WebUiActor(loadWebUiBundle(directory));
  host.spawn(webUi);
  return webUi;
}
