/**
 * The agent's work-dir layout (DESIGN.md §8, as in Mesos' `slave/paths.hpp`):
 *
 *   <workDir>/agents/<agentId>/frameworks/<frameworkId>/executors/<executorId>/runs/<runId>/
 *
 * Persistent volumes live apart from the agent ids, under `<workDir>/volumes/roles/<role>/<id>`
 * (`persistentVolumePath`), and outlive every sandbox (a task sees one through a link).
 *
 * Each run directory is one executor's sandbox: its `stdout` and `stderr` (and those of its
 * tasks) land there. `runs/latest` is a symlink to the executor's current run (made by the
 * launcher at each launch), so `.../executors/<id>/runs/latest/stdout` always names the
 * current output. Every id becomes one path component, so ids are checked first, by the
 * rule the master validates them with (`idError` in lib/protocol).
 */
import * as path from 'node:path';
import { idError } from '../../lib/protocol/ids';

/** The sandbox file that gets the executor's and its tasks' standard output. */
export const STDOUT_FILE = 'stdout';
/** The work dir's directory of the agents' directories (`<workDir>/agents/<agentId>`). */
export const AGENTS_DIRECTORY = 'agents';
/** An agent's directory of its frameworks' directories (`.../frameworks/<frameworkId>`). */
export const FRAMEWORKS_DIRECTORY = 'frameworks';
/** A framework's directory of its executors' directories (`.../executors/<executorId>`). */
export const EXECUTORS_DIRECTORY = 'executors';
/** The directory of an executor's runs (`.../executors/<executorId>/runs/<runId>`). */
export const RUNS_DIRECTORY = 'runs';

/** The symlink in an executor's `runs/` directory to its current run (Mesos' `LATEST_SYMLINK`). */
export const LATEST_RUN_LINK = 'latest';

/** The sandbox file that gets the executor's and its tasks' standard error. */
export const STDERR_FILE = 'stderr';

/**
 * The run's file (in its sandbox) where a built-in executor records the task processes it runs,
 * one `<pid> <start time>` line each (`startTask`): the launcher kills what is left of them after
 * the executor dies (`killRecordedTasks`), each entry checked first, since a task can write here.
 */
export const TASK_PROCESSES_FILE = '.task-processes';

/** The directory of a default executor's sandbox that holds its tasks' own sandboxes, `tasks/<taskId>` (as Mesos). */
export const TASKS_DIRECTORY = 'tasks';

/**
 * Why `id` cannot be a path component, or undefined when it can (the shared id rule).
 * @example pathComponentError('task', '..') // "task id is invalid: '..' is disallowed"
 */
export function pathComponentError(kind: string, id: string): string | undefined {
  const error = idError(id);
  return error === undefined ? undefined : `${kind} id is invalid: ${error}`;
}

/**
 * `<executorSandbox>/tasks/<taskId>`: a task's own sandbox under the default executor. Throws
 * on an id that cannot be a path component.
 * @example taskSandboxIn('/w/.../runs/R1', 'web') // '/w/.../runs/R1/tasks/web'
 */
export function taskSandboxIn(executorSandbox: string, taskId: string): string {
  return path.join(executorSandbox, TASKS_DIRECTORY, component('task', taskId));
}

/** `<workDir>/agents/<agentId>`. */
export function agentDirectory(workDir: string, agentId: string): string {
  const tail = `${AGENTS_DIRECTORY}/${component('agent', agentId)}`;
  // `path.join` normalizes the whole path (allocating as it goes: a few KB per task at
  // thousands of tasks a second); a work dir that is already normal needs only the joining.
  return isNormalAbsolute(workDir) ? flatPath(workDir, tail) : path.join(workDir, tail);
}

/** `<workDir>/agents/<agentId>/frameworks`: what an agent keeps per framework lies below it (an agent makes it once per agent id). */
export function frameworksDirectory(workDir: string, agentId: string): string {
  return flatPath(agentDirectory(workDir, agentId), FRAMEWORKS_DIRECTORY);
}

/** `<frameworks>/<frameworkId>`: a framework's directory, under `frameworksDirectory`'s result. */
export function frameworkDirectoryIn(frameworks: string, frameworkId: string): string {
  // The frameworks directory is normal, and each id one checked component: joining is concatenating.
  return flatPath(frameworks, component('framework', frameworkId));
}

/** `<framework>/executors/<executorId>`: an executor's directory, under `frameworkDirectoryIn`'s result. */
export function executorDirectoryIn(framework: string, executorId: string): string {
  return flatPath(framework, EXECUTORS_DIRECTORY, component('executor', executorId));
}

/** `<workDir>/agents/<agentId>/frameworks/<frameworkId>/executors/<executorId>`: an executor's runs and its `runs/latest`. */
export function executorDirectory(workDir: string, ids: { agentId: string; frameworkId: string; executorId: string }): string {
  return executorDirectoryIn(frameworkDirectoryIn(frameworksDirectory(workDir, ids.agentId), ids.frameworkId), ids.executorId);
}

/** `<executor>/runs/<runId>`: a sandbox, under `executorDirectoryIn`'s result. */
export function executorRunDirectoryIn(executor: string, runId: string): string {
  return flatPath(executor, RUNS_DIRECTORY, component('run', runId));
}

/**
 * The executor directory the sandbox `run` (`executorRunDirectoryIn`'s result) lies in: its text
 * before its last `/runs/` (a run id is one path component), sliced from it, so V8 shares its
 * characters instead of copying ~140 of them; undefined when it has none.
 */
export function executorDirectoryOfRun(run: string): string | undefined {
  const cut = run.lastIndexOf(`/${RUNS_DIRECTORY}/`);
  return cut > 0 ? run.slice(0, cut) : undefined;
}

/**
 * `frameworkDirectoryIn(frameworks, frameworkId)`, sliced from the sandbox `run` when `run` lies
 * in that directory (V8 then shares its characters instead of copying ~100 of them: the agent
 * schedules a framework's directory for removal at the end of its last executor, whose sandbox
 * the schedule holds anyway); undefined when it does not. Throws for an id that is no path
 * component, as `frameworkDirectoryIn` does.
 */
export function frameworkDirectoryOfRun(run: string, frameworks: string, frameworkId: string): string | undefined {
  component('framework', frameworkId);
  const idAt = frameworks.length + 1;
  const end = idAt + frameworkId.length;
  const within = run.length > end && run.charCodeAt(end) === SLASH && run.charCodeAt(frameworks.length) === SLASH
    && run.startsWith(frameworks) && run.startsWith(frameworkId, idAt);
  return within ? run.slice(0, end) : undefined;
}

/** `<workDir>/agents/<agentId>/frameworks/<frameworkId>/executors/<executorId>/runs/<runId>`: a sandbox. */
export function executorRunDirectory(workDir: string, ids: { agentId: string; frameworkId: string; executorId: string; runId: string }): string {
  return executorRunDirectoryIn(executorDirectory(workDir, ids), ids.runId);
}

/**
 * `parts` joined by '/', as one flat string. A template literal makes a tree of concatenations
 * (32 bytes a node) that V8 keeps as it is; a sandbox's path is held by the agent's records, its
 * garbage collection schedule and a simulated disk for the run's life and after (~320 bytes a
 * sandbox as a tree, ~150 flat).
 */
function flatPath(...parts: string[]): string {
  return parts.join('/');
}

/** Whether `dir` is an absolute path `path.normalize` leaves as it is, with no trailing `/` (so `${dir}/x` is what `path.join(dir, 'x')` gives). */
function isNormalAbsolute(dir: string): boolean {
  return dir.length > 1 && dir.charCodeAt(0) === SLASH && dir.charCodeAt(dir.length - 1) !== SLASH
    && !dir.includes('//') && !dir.includes('/./') && !dir.includes('/../') && !dir.endsWith('/.') && !dir.endsWith('/..');
}

const SLASH = 0x2f;

/** The work dir's directory of persistent volumes (Mesos' `volumes/roles/<role>/<persistence id>`). */
export const VOLUMES_DIRECTORY = 'volumes';

/** The `/` of a hierarchical role in a volume's path (Mesos': a space, which no role holds). */
const VOLUME_ROLE_SEPARATOR = ' ';

/**
 * `<workDir>/volumes/roles/<role>/<persistenceId>`: a persistent volume's directory (Mesos'
 * `paths::getPersistentVolumePath`). As in Mesos, a hierarchical role is one component, its `/`
 * a space (`eng/web` → `roles/eng web/<id>`): nested, role `eng/web`'s volumes would lie inside
 * role `eng`'s volume `web`. Throws for a role or an id that is not one safe component (the
 * resource algebra refuses those: a bug).
 * @example persistentVolumePath('/var/lib/mesos', 'eng/web', 'db-1') // '/var/lib/mesos/volumes/roles/eng web/db-1'
 */
export function persistentVolumePath(workDir: string, role: string, persistenceId: string): string {
  const roleComponent = role.split('/').join(VOLUME_ROLE_SEPARATOR);
  if (role === '*') throw new Error('an unreserved resource has no persistent volume directory');
  for (const part of [roleComponent, persistenceId]) {
    if (part === '' || part === '.' || part === '..' || part.includes('/')) throw new Error(`'${part}' cannot name a persistent volume's directory`);
  }
  return path.join(workDir, VOLUMES_DIRECTORY, 'roles', roleComponent, persistenceId);
}

/** `<workDir>/meta`: the checkpoints (`journal.log`, `resources/resources.info`: see docs/agent.md). */
export function metaDirectory(workDir: string): string {
  return path.join(workDir, 'meta');
}

function component(kind: string, id: string): string {
  const error = pathComponentError(kind, id);
  if (error !== undefined) throw new Error(error);
  return id;
}
