/** Finding a task's sandbox in an agent's `/state`, and naming paths in it. Pure. */
import type { AgentExecutorJson, AgentStateJson } from './types';
import type { TaskEntry } from './state';

/** An executor of the agent, with its framework. */
export interface SandboxLocation {
  readonly frameworkId: string;
  readonly executor: AgentExecutorJson;
}

/**
 * The executor of framework `frameworkId` whose id is `id`, or, failing that, that runs (or
 * ran) a task with id `id` (a command task's executor has the task's id, and the master lists
 * it without one). Live executors are preferred to completed ones, and among completed ones
 * the last listed (the newest run).
 */
export function findExecutor(state: AgentStateJson, frameworkId: string, id: string): SandboxLocation | undefined {
  const frameworks = [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])].filter((framework) => framework.id === frameworkId);
  const executors = frameworks.flatMap((framework) => [...(framework.executors ?? []), ...[...(framework.completed_executors ?? [])].reverse()]);
  const runs = (executor: AgentExecutorJson): boolean =>
    [...(executor.tasks ?? []), ...(executor.queued_tasks ?? []), ...(executor.completed_tasks ?? [])].some((task) => task.id === id);
  const found = executors.find((executor) => executor.id === id) ?? executors.find(runs);
  return found === undefined ? undefined : { frameworkId, executor: found };
}

/**
 * Where the task's own files are in its executor's sandbox: `tasks/<task id>` for a task of the
 * default executor (a task group's, which runs each task in a sandbox of its own there, as Mesos'
 * nested containers), else the sandbox itself ('').
 */
export function taskSandboxPath(entry: TaskEntry): string {
  const executorId = entry.task.executor_id;
  if (executorId === '') return '';
  const executor = entry.framework.executors.find((candidate) => candidate.executor_id === executorId);
  return executor?.type === 'DEFAULT' ? `tasks/${entry.task.id}` : '';
}

/**
 * `relative` (a path in the sandbox, '' for the sandbox) under the sandbox `directory`; undefined
 * when it has a `..` component: a route's path and file come from a link anyone can make, and the
 * page shows what they name as this sandbox's (the agent decides what may be read; the page,
 * that it shows only what it says it shows).
 */
export function sandboxPath(directory: string, relative: string): string | undefined {
  const base = directory.endsWith('/') ? directory.slice(0, -1) : directory;
  const parts = relative.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return undefined;
  const rest = parts.join('/');
  return rest === '' ? base : `${base}/${rest}`;
}

/** `absolute` relative to the sandbox `directory` ('' for the sandbox itself); undefined when outside it. */
export function relativeToSandbox(directory: string, absolute: string): string | undefined {
  const base = directory.endsWith('/') ? directory.slice(0, -1) : directory;
  if (absolute === base) return '';
  return absolute.startsWith(`${base}/`) ? absolute.slice(base.length + 1) : undefined;
}

/** The parent of a sandbox-relative path ('' for a top-level entry). */
export function parentPath(relative: string): string {
  const at = relative.lastIndexOf('/');
  return at === -1 ? '' : relative.slice(0, at);
}
