/**
 * The library layer: the actor model, the host runtime and test kit, the resource algebra and
 * the protocol, and what framework authors write against (`Scheduler`, `Executor` and the offer
 * helpers of `actors/framework`, whose example frameworks stay there). The master, agent and
 * allocator are in `actors/master`, `actors/agent` and `actors/allocator`.
 */
export { BUILD_USER, MESOS_API_VERSION, PACKAGE_VERSION, VERSION, buildInfo, versionJson, type BuildInfo, type VersionJson } from './version';
export { formatBytes, formatDuration } from './mesos-format';
export * from './actor';
export * from './process';
export { Resources, ResourceError, ResourceParseError } from './resources';
export { MemoryDisk, nodeDisk, writeFileAtomically, SIMULATED_WRITE_ERROR, type Disk, type MemoryDiskWrites } from './disk';
export * as protocol from './protocol';
export * as ha from './ha';
export { createLogger, captureLogger, type Logger, type LogLevel } from './logging';
export {
  Scheduler, Executor, runExecutor, executorOptionsFromEnvironment, fitResources, fitInto, shortfall, UnfitOffers, DEFAULT_REFUSE_SECONDS,
  type SchedulerOptions, type SchedulerState, type ExecutorOptions, type ExecutorStatus, type KillOptions,
} from '../actors/framework';
