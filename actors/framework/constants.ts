/** First registration retry of a scheduler happens within this long (Mesos' scheduler `--registration_backoff_factor` 2 s). */
export const SCHEDULER_REGISTRATION_BACKOFF_FACTOR_MS = 2_000;
/** Registration retries back off (doubling) up to this interval (Mesos: 1 min). */
export const SCHEDULER_REGISTRATION_RETRY_MAX_MS = 60_000;
/** Offers returned without saying otherwise are filtered for the protocol's default refusal, shared with the allocator. */
export { DEFAULT_REFUSE_SECONDS } from '../../lib/protocol/limits';
/** A framework declining offers that cannot hold its task says once what is missing after this long (a few allocation intervals). */
export const UNFIT_OFFERS_EXPLAIN_AFTER_MS = 5_000;
/**
 * How long `Scheduler.updateFramework` waits for the master's answer before it rejects (the
 * master may or may not have applied the update: the same update again is harmless).
 */
export const UPDATE_FRAMEWORK_TIMEOUT_MS = 30_000;

/**
 * With implicit acknowledgements off, a scheduler remembers the uuids of at most this many
 * updates it was given and has not acknowledged, to warn once per task when the agent sends one
 * again (an update never acknowledged comes back every 10 s or so; a new user's framework stalled
 * in silence).
 */
export const MAX_TRACKED_UNACKNOWLEDGED_UPDATES = 10_000;
