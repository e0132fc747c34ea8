/**
 * What framework authors use: the scheduler and executor base actors, offer helpers, and the
 * example frameworks.
 */
export { Scheduler, type SchedulerOptions, type SchedulerState } from './scheduler';
export { Executor, runExecutor, executorOptionsFromEnvironment, type ExecutorOptions, type ExecutorStatus, type KillOptions } from './executor';
export { fitResources, fitInto, shortfall, UnfitOffers } from './offers';
export { DEFAULT_REFUSE_SECONDS, SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS, SCHEDULER_REGISTRATION_RETRY_MAX_MS } from './constants';
export { BatchScheduler, type BatchOptions, type BatchResult } from './examples/batch';
export { ServiceScheduler, type ServiceOptions } from './examples/service';
export { PiScheduler, type PiOptions, type PiEstimate } from './examples/pi';
