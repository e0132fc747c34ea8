/** `#/tasks` (all tasks, filtered by state) and `#/tasks/<framework>/<task>`. */
import { Ago, Empty, Id, ResourceList, Section, StateBadge, TaskTable, sandboxHash } from '../components';
import { html, type Html } from '../html';
import { formatTimestamp, stateLabel } from '../model/format';
import { routeHash } from '../model/routes';
import { sandboxPath, taskSandboxPath } from '../model/sandbox';
import { agentEndpoint, allTasks, findAgent, findTask, isTerminal, startTime, stateTaskCounts, taskHealth, tasksNewestFirst, type TaskEntry } from '../model/state';
import type { AgentJson } from '../model/types';
import { Tail, useSandbox } from './sandbox';
import { TaskUsage } from './usage';
import type { MasterStateJson } from '../model/types';

/** Rows the tasks page shows at most (the master keeps up to 1000 completed tasks per framework). */
export const TASKS_PAGE_ROWS = 500;

/** Every task the master knows, newest first, optionally of one state. */
export function Tasks(props: { state: MasterStateJson; nowMs: number; filter: string | undefined }): Html {
  const { state, nowMs, filter } = props;
  const entries = allTasks(state);
  const newest = tasksNewestFirst(state);
  const shown = filter === undefined ? newest : newest.filter((entry) => entry.task.state === filter);
  const counts = stateTaskCounts(state);
  return html`<div class="page">
    <h1>Tasks</h1>
    <nav class="filters" aria-label="Filter by state">
      <a class=${filter === undefined ? 'filter selected' : 'filter'} href=${routeHash({ page: 'tasks', state: undefined })}>all (${entries.length})</a>
      ${counts.map(([taskState, count]) => html`<a class=${filter === taskState ? 'filter selected' : 'filter'} href=${routeHash({ page: 'tasks', state: taskState })}>${stateLabel(taskState)} (${count})</a>`)}
    </nav>
    <${Section} title=${filter === undefined ? `All tasks (${shown.length})` : `${stateLabel(filter)} (${shown.length})`}>
      <${TaskTable} entries=${shown} state=${state} nowMs=${nowMs} limit=${TASKS_PAGE_ROWS} testId="tasks-table" />
    <//>
  </div>`;
}

/** One task: its state and history, where it runs, its stdout followed live, and a link to its sandbox. */
export function Task(props: { state: MasterStateJson; nowMs: number; frameworkId: string; taskId: string }): Html {
  const { state, nowMs } = props;
  const entry = findTask(state, props.frameworkId, props.taskId);
  if (entry === undefined) return html`<div class="page"><h1>Task</h1><${Empty} text=${`The master knows no task ${props.taskId} of framework ${props.frameworkId} (it may not be launched yet, or was forgotten).`} /></div>`;
  const { task, framework } = entry;
  const agent = findAgent(state, task.slave_id);
  const statuses = [...(task.statuses ?? [])].sort((a, b) => a.timestamp - b.timestamp);
  const health = taskHealth(task);
  return html`<div class="page" data-testid="task-page">
    <h1>Task <code>${task.id}</code> <${StateBadge} state=${task.state} /></h1>
    <p class="actions"><a class="button" href=${sandboxHash(entry)} data-testid="task-sandbox-link">Open sandbox (stdout, stderr)</a></p>
    <dl class="facts">
      <dt>Name</dt><dd>${task.name}</dd>
      <dt>State</dt><dd data-testid="task-state">${task.state}</dd>
      ${health === undefined ? null : html`<dt>Health</dt><dd data-testid="task-health">${health ? html`<span class="ok">healthy</span>` : html`<span class="error">unhealthy</span>`}</dd>`}
      <dt>Framework</dt><dd><a href=${routeHash({ page: 'framework', frameworkId: framework.id })}>${framework.name}</a> <${Id} id=${framework.id} /></dd>
      <dt>Agent</dt><dd>${agent === undefined ? html`<${Id} id=${task.slave_id} />` : html`<a href=${routeHash({ page: 'agent', agentId: agent.id })}>${agent.hostname}:${agent.port}</a>`}</dd>
      <dt>Executor</dt><dd>${task.executor_id === '' ? html`<span class="muted">command executor</span>` : html`<code>${task.executor_id}</code>`}</dd>
      <dt>Role</dt><dd><code>${task.role ?? framework.roles[0] ?? '*'}</code></dd>
      <dt>Resources</dt><dd><${ResourceList} resources=${task.resources} /></dd>
      <dt>Started</dt><dd><${Ago} seconds=${startTime(task)} nowMs=${nowMs} /></dd>
    </dl>
    <${Section} title="Status updates">
      ${statuses.length === 0 ? html`<${Empty} text="None yet." />` : html`<ol class="timeline" data-testid="task-statuses">${statuses.map((status) => html`<li>
        <${StateBadge} state=${status.state} /> <time title=${formatTimestamp(status.timestamp)}>${formatTimestamp(status.timestamp)}</time>
        ${status.source === undefined ? null : html` <span class="muted">from ${status.source.replace(/^SOURCE_/, '').toLowerCase()}</span>`}
        ${status.healthy === undefined ? null : html` <span class=${status.healthy ? 'ok' : 'error'}>${status.healthy ? 'healthy' : 'unhealthy'}</span>`}
        ${status.reason === undefined ? null : html` <code>${status.reason}</code>`}
        ${status.message === undefined || status.message === '' ? null : html`<div class="status-message">${status.message}</div>`}
      </li>`)}</ol>`}
    <//>
    ${isTerminal(task.state) ? null : html`<${TaskUsage} endpoint=${agent === undefined ? undefined : agentEndpoint(agent.pid)} frameworkId=${framework.id} executorId=${task.executor_id || task.id} />`}
    <${Output} entry=${entry} agent=${agent} />
  </div>`;
}

/** The task's stdout, followed live, read from its sandbox on the agent (as the sandbox page does). */
function Output(props: { entry: TaskEntry; agent: AgentJson | undefined }): Html {
  const { entry, agent } = props;
  const endpoint = agent === undefined ? undefined : agentEndpoint(agent.pid);
  const located = useSandbox(endpoint, entry.framework.id, entry.task.executor_id || entry.task.id);
  if (endpoint === undefined) return html`<${Section} title="stdout"><${Empty} text="The task's agent is not registered now, so its output cannot be read." /><//>`;
  if (located.status === 'locating') return html`<${Section} title="stdout"><p class="muted">Asking the agent where the sandbox is…</p><//>`;
  if (located.status === 'failed') return html`<${Section} title="stdout"><p class="error">${located.message}</p><//>`;
  // The task's own directory (a task group's task has one in its executor's sandbox): no '..', always a path in the sandbox.
  const own = taskSandboxPath(entry);
  return html`<${Tail} endpoint=${endpoint} path=${sandboxPath(located.directory, own === '' ? 'stdout' : `${own}/stdout`) as string} name="stdout" testId="task-stdout" />`;
}
