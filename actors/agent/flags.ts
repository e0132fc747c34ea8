/**
 * The agent's configuration (Mesos' `slave/flags.hpp`, in camelCase with units last). The bins
 * parse the command line into an `AgentFlags` with `defaultAgentFlags` filling in the rest.
 */
import {
  EXECUTOR_REGISTRATION_TIMEOUT_MS,
  EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS,
  MASTER_PING_TIMEOUT_MS,
  REGISTRATION_BACKOFF_FACTOR_MS,
} from './constants';

/** What an agent is told at start; every field but `master` and `workDir` has a default. */
export interface AgentFlags {
  /** `host:port` of the master (its pid is `master@<host:port>`); a full `master@host:port` is accepted too. */
  master: string;
  /** Root of the sandboxes (`<workDir>/agents/<agentId>/...`); created if missing. */
  workDir: string;
  /** Resources to offer, e.g. `cpus:4;mem:4096`; names given here replace the detected ones. */
  resources?: string;
  /** Attributes, e.g. `rack:r1;zone:z2;level:3` (numbers where they parse). */
  attributes?: string;
  /** Host name reported to the master and shown in offers (default: the OS host name). */
  hostname?: string;
  /** Kill an executor that has not registered within this long (Mesos `--executor_registration_timeout`, 1 min). */
  executorRegistrationTimeoutMs: number;
  /** Time an executor gets to exit after being asked to shut down (Mesos `--executor_shutdown_grace_period`, 5 s). */
  executorShutdownGracePeriodMs: number;
  /** Registration retries back off from a random delay up to this (Mesos `--registration_backoff_factor`, 1 s). */
  registrationBackoffFactorMs: number;
  /** Re-register when no ping arrives for this long (agent_ping_timeout × max_agent_ping_timeouts, 75 s). */
  masterPingTimeoutMs: number;
  /** The command executor: a `.js` script run with node, or a program run as is (default: `command-executor.js` beside the agent's code). */
  commandExecutorPath?: string;
}

/** The fields a caller must give; everything else defaults. */
export type AgentFlagsInput = Pick<AgentFlags, 'master' | 'workDir'> & Partial<AgentFlags>;

/**
 * Fills in Mesos' defaults for every flag not given.
 * @example defaultAgentFlags({ master: '127.0.0.1:5050', workDir: '/tmp/mesos', resources: 'cpus:2;mem:1024' })
 */
export function defaultAgentFlags(input: AgentFlagsInput): AgentFlags {
  return {
    executorRegistrationTimeoutMs: EXECUTOR_REGISTRATION_TIMEOUT_MS,
    executorShutdownGracePeriodMs: EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS,
    registrationBackoffFactorMs: REGISTRATION_BACKOFF_FACTOR_MS,
    masterPingTimeoutMs: MASTER_PING_TIMEOUT_MS,
    ...withoutUndefined(input),
  };
}

function withoutUndefined<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as T;
}
