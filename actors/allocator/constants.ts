/** Limits and defaults of the allocator (DESIGN.md §10; values from Mesos). */

/** The default refusal of `Filters` is the protocol's, shared with frameworks. */
export { DEFAULT_REFUSE_SECONDS } from '../../lib/protocol/limits';

/** Longer refusals are cut to a year, as Mesos does, so filter expiry stays a sane number. */
export const MAX_REFUSE_SECONDS = 365 * 24 * 60 * 60;

/** Default batch allocation interval; a filter never expires sooner, so it outlives the next run (MESOS-4302). */
export const DEFAULT_ALLOCATION_INTERVAL_MS = 1_000;

/**
 * After a master failover with quota set, offers wait until this fraction of the agents the
 * registry admitted have re-registered (Mesos `--allocator_agent_recovery_factor`), so that
 * guarantees are not met from a partial view of the cluster.
 */
export const DEFAULT_AGENT_RECOVERY_FACTOR = 0.8;

/** ... or for this long at most (Mesos `--allocator_recovery_timeout`, 10 min). */
export const DEFAULT_ALLOCATOR_RECOVERY_TIMEOUT_MS = 10 * 60 * 1000;

/** An offer must hold at least this many cpus (or the memory below) to be worth making (Mesos default). */
export const MIN_ALLOCATABLE_CPUS = 0.01;

/** An offer must hold at least this much memory, in MB (or the cpus above) to be worth making (Mesos default). */
export const MIN_ALLOCATABLE_MEM_MB = 32;

/** Default minimum allocatable resources: any one alternative suffices (`cpus:0.01|mem:32`). */
export const DEFAULT_MIN_ALLOCATABLE: readonly Readonly<Record<string, number>>[] = [
  { cpus: MIN_ALLOCATABLE_CPUS },
  { mem: MIN_ALLOCATABLE_MEM_MB },
];

/** Framework capability needed to be offered agents with GPUs (Mesos `GPU_RESOURCES`). */
export const GPU_RESOURCES_CAPABILITY = 'GPU_RESOURCES';

/** Scalar name of GPUs, which only GPU-capable frameworks are offered. */
export const GPU_RESOURCE_NAME = 'gpus';
