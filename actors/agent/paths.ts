/**
 * The agent's work-dir layout (DESIGN.md §8, as in Mesos' `slave/paths.hpp`):
 *
 *   <workDir>/agents/<agentId>/frameworks/<frameworkId>/executors/<executorId>/runs/<runId>/
 *
 * Each run directory is one executor's sandbox: its `stdout` and `stderr` (and those of its
 * tasks) land there. Every id becomes one path component, so ids are checked first.
 */
import * as path from 'node:path';
import { MAX_ID_LENGTH } from './constants';

/** The sandbox file that gets the executor's and its tasks' standard output. */
export const STDOUT_FILE = 'stdout';
/** The sandbox file that gets the executor's and its tasks' standard error. */
export const STDERR_FILE = 'stderr';

/** Why `id` cannot be a path component, or undefined when it can. */
export function pathComponentError(kind: string, id: string): string | undefined {
  if (id.length === 0) return `${kind} id is empty`;
  if (id.length > MAX_ID_LENGTH) return `${kind} id is longer than ${MAX_ID_LENGTH} characters`;
  if (id === '.' || id === '..') return `${kind} id '${id}' is not a valid directory name`;
  if (/[/\\\0]/.test(id)) return `${kind} id '${id}' contains '/', '\\' or NUL`;
  return undefined;
}

/** `<workDir>/agents/<agentId>`. */
export function agentDirectory(workDir: string, agentId: string): string {
  return path.join(workDir, 'agents', component('agent', agentId));
}

/** `<workDir>/agents/<agentId>/frameworks/<frameworkId>/executors/<executorId>/runs/<runId>`: a sandbox. */
export function executorRunDirectory(workDir: string, ids: { agentId: string; frameworkId: string; executorId: string; runId: string }): string {
  return path.join(
    agentDirectory(workDir, ids.agentId),
    'frameworks', component('framework', ids.frameworkId),
    'executors', component('executor', ids.executorId),
    'runs', component('run', ids.runId),
  );
}

/** `<workDir>/meta`: reserved for checkpoints (not written yet: see docs/agent.md). */
export function metaDirectory(workDir: string): string {
  return path.join(workDir, 'meta');
}

function component(kind: string, id: string): string {
  const error = pathComponentError(kind, id);
  if (error !== undefined) throw new Error(error);
  return id;
}
