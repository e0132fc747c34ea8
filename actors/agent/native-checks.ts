/**
 * Which checks the native command executor (native/checks.c) can run. A task whose health
 * check or check it could not run goes to the TypeScript command executor instead: a task never
 * runs unchecked. The limits mirror checks.h / checks.c; change them together.
 *
 * @example
 *   nativeChecksRefusal(task) // undefined, or 'an HTTPS health check (the native executor speaks no TLS)'
 */
import type { CheckInfo, CommandInfo, HealthCheck, TaskInfo } from '../../lib/protocol';

/** Most arguments a command probe may have in the native executor (checks.h CHECK_MAX_ARGUMENTS). */
export const NATIVE_CHECK_MAX_ARGUMENTS = 16_384;
/** Most environment variables a command probe may have there, the task's and the check's together (CHECK_MAX_ENVIRONMENT). */
export const NATIVE_CHECK_MAX_ENVIRONMENT = 16_384;
/** Longest timing (seconds) the native executor takes: a year (checks.c MAX_CHECK_SECONDS). */
export const NATIVE_CHECK_MAX_SECONDS = 365 * 24 * 3600;
/** Most consecutive failures the native executor takes (checks.c MAX_CONSECUTIVE_FAILURES). */
export const NATIVE_CHECK_MAX_CONSECUTIVE_FAILURES = 1_000_000;

/**
 * Why the native command executor cannot run `task`'s health check or check (the agent then
 * gives the task the TypeScript one), or undefined when it can (or the task has none).
 */
export function nativeChecksRefusal(task: TaskInfo): string | undefined {
  const environment = Object.keys(task.command?.environment ?? {}).length;
  const health = task.healthCheck === undefined ? undefined : healthCheckRefusal(task.healthCheck, environment);
  if (health !== undefined) return `the health check: ${health}`;
  return task.check === undefined ? undefined : checkRefusal(task.check, environment);
}

function healthCheckRefusal(healthCheck: HealthCheck, taskEnvironment: number): string | undefined {
  if (healthCheck.type === 'HTTP' && healthCheck.http?.scheme === 'https') return 'HTTPS (the native executor speaks no TLS)';
  const failures = healthCheck.consecutiveFailures;
  if (failures !== undefined && failures > NATIVE_CHECK_MAX_CONSECUTIVE_FAILURES) return `more than ${NATIVE_CHECK_MAX_CONSECUTIVE_FAILURES} consecutive failures`;
  const command = healthCheck.type === 'COMMAND' ? healthCheck.command : undefined;
  return timingRefusal([healthCheck.delaySeconds, healthCheck.intervalSeconds, healthCheck.timeoutSeconds, healthCheck.gracePeriodSeconds])
    ?? commandRefusal(command, taskEnvironment);
}

function checkRefusal(check: CheckInfo, taskEnvironment: number): string | undefined {
  const command = check.type === 'COMMAND' ? check.command?.command : undefined;
  const refusal = timingRefusal([check.delaySeconds, check.intervalSeconds, check.timeoutSeconds]) ?? commandRefusal(command, taskEnvironment);
  return refusal === undefined ? undefined : `the check: ${refusal}`;
}

function timingRefusal(seconds: ReadonlyArray<number | undefined>): string | undefined {
  return seconds.some((value) => value !== undefined && value > NATIVE_CHECK_MAX_SECONDS) ? `a timing over ${NATIVE_CHECK_MAX_SECONDS} s` : undefined;
}

function commandRefusal(command: CommandInfo | undefined, taskEnvironment: number): string | undefined {
  if (command === undefined) return undefined;
  if ((command.arguments?.length ?? 0) > NATIVE_CHECK_MAX_ARGUMENTS) return `more than ${NATIVE_CHECK_MAX_ARGUMENTS} arguments`;
  const environment = taskEnvironment + Object.keys(command.environment ?? {}).length;
  return environment > NATIVE_CHECK_MAX_ENVIRONMENT ? `more than ${NATIVE_CHECK_MAX_ENVIRONMENT} environment variables` : undefined;
}
