/** `startMaster`: what the bins call to run a master, with its allocator and metrics, on a host. */
import { dispatch, UPID } from '../../lib/actor';
import type { ActorHost } from '../../lib/process';
import { Allocator } from '../allocator/allocator';
import { ALLOCATOR_ACTOR_ID } from '../allocator/allocator-process';
import { MASTER_ACTOR_ID, MASTER_START_INPUT, METRICS_ACTOR_ID } from './constants';
import { checkMasterFlags, httpAuthenticationOf, registryPathOf, type MasterFlags } from './flags';
import { Master } from './master';
import { masterMetricsSource } from './metrics';
import { attachMetricsSource } from '../../lib/metrics';
import { Registry } from './registry';
import type { MasterStartInput } from './replay';

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
  /** Builds the master actor (default `new Master(...)`; a test may pass a subclass). */
  readonly createMaster?: (flags: MasterFlags, registry: Registry, allocator: Allocator) => Master;
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
  });
  const initialized = allocator.initialize({
    allocationIntervalMs: flags.allocationIntervalMs,
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
  const detachMetrics = attachMetricsSource(host, masterMetricsSource(master, allocator), ids.metrics, httpAuthenticationOf(flags));
  const stop = async (): Promise<void> => {
    await detachMetrics();
    for (const actor of [master, allocator.process]) host.terminate(actor);
    await Promise.all([master, allocator.process].map((actor) => host.wait(actor)));
  };
  return { master, pid, allocator, registry, stop };
}
