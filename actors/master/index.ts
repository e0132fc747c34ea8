/**
 * The master (DESIGN.md §1, §5): the actor, its registry, its HTTP endpoints and metrics, and
 * `startMaster`, which the bins call to run one on a host.
 *
 * @example
 *   const host = await ActorHost.start({ port: 5050 });
 *   const { pid, stop } = await startMaster({ host, flags: defaultMasterFlags('/var/lib/mesos') });
 *   // master@127.0.0.1:5050; GET http://127.0.0.1:5050/master/state
 *   host.installSignalHandlers();
 */
import { dispatch, type UPID } from '../../lib/actor';
import type { Disk } from '../../lib/disk';
import type { ActorHost } from '../../lib/process';
import { Allocator } from '../allocator/allocator';
import { checkMasterFlags, registryPathOf, type MasterFlags } from './flags';
import { Master } from './master';
import { MetricsProcess } from './metrics';
import { Registry } from './registry';

export * from './constants';
export { checkMasterFlags, defaultMasterFlags, registryPathOf, type MasterFlags } from './flags';
export { Master } from './master';
export { MASTER_COUNTERS, MasterCounters, MetricsProcess, type MasterCounter } from './metrics';
export { Registry, parseRegistry, writeFileAtomically, type RegistryAgent, type RegistryData, type UnreachableAgent } from './registry';
export { reconcile, type AgentStanding, type ReconcileRequest, type ReconciliationView } from './reconciliation';
export {
  canonicalJson, frameworkRoles, idError, launchResources, validateFrameworkInfo, validateOffers, validateTask, withFrameworkId,
  type OfferFacts, type TaskContext,
} from './validation';
export { DEFAULT_TASKS_LIMIT, renderState, type StateContext } from './http';
export { renderResources, renderTask } from '../../lib/state-json';
export { masterStatusUpdate, Reason, type MasterReason, type MasterUpdateFields } from './updates';

/** What `startMaster` needs: the flags and a host to spawn on (the bins create it). */
export interface StartMasterOptions {
  readonly flags: MasterFlags;
  readonly host: ActorHost;
  /** Holds the registry file (default: the machine's file system; a simulation passes a `MemoryDisk`). */
  readonly disk?: Disk;
}

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
 * Loads the registry (`<workDir>/registry.json` on `options.disk`), then spawns the allocator, the master
 * (`master`, serving `/master/...`) and the metrics actor (`/metrics/snapshot`) on `host`.
 * Rejects on impossible flags or a corrupt registry file.
 */
export async function startMaster(options: StartMasterOptions): Promise<MasterHandle> {
  const { flags, host } = options;
  checkMasterFlags(flags);
  const registry = await Registry.load(registryPathOf(flags), options.disk);
  const allocator = Allocator.spawnOn(host);
  const master = new Master(flags, registry, allocator);
  await allocator.initialize({
    allocationIntervalMs: flags.allocationIntervalMs,
    checkInvariants: flags.checkAllocatorInvariants ?? false,
    offerCallback: (offers) => {
      dispatch(master, (process) => process.offer(offers)).catch((error: Error) => {
        host.logger.warn({ error: error.message, offers: offers.length }, 'offers not delivered to the master');
      });
    },
  });
  const pid = host.spawn(master);
  const metrics = new MetricsProcess(master, allocator);
  host.spawn(metrics);
  const stop = async (): Promise<void> => {
    for (const actor of [metrics, master, allocator.process]) host.terminate(actor);
    await Promise.all([metrics, master, allocator.process].map((actor) => host.wait(actor)));
  };
  return { master, pid, allocator, registry, stop };
}
