/** Small building blocks the pages share. */
import { html, type Html } from './html';
import { formatAgo, formatPercent, formatScalar, formatTimestamp, shortId, stateLabel } from './model/format';
import { routeHash } from './model/routes';
import { agentHosts, isTerminal, lastChange, scalar, SHOWN_SCALARS, type TaskEntry } from './model/state';
import { taskSandboxPath } from './model/sandbox';
import type { MasterStateJson, ResourcesJson } from './model/types';

/** A titled box. */
export function Section(props: { title: string; hint?: string; children?: unknown; testId?: string }): Html {
  return html`<section class="card" data-testid=${props.testId}>
    <h2 title=${props.hint}>${props.title}${props.hint === undefined ? null : html`<span class="hint" aria-label=${props.hint}>?</span>`}</h2>
    ${props.children}
  </section>`;
}

/** A number with its caption, linking somewhere. */
export function Stat(props: { label: string; value: string | number; detail?: string; href?: string; testId?: string }): Html {
  const body = html`<div class="stat-value" data-testid=${props.testId}>${props.value}</div><div class="stat-label">${props.label}</div>${props.detail === undefined ? null : html`<div class="stat-detail">${props.detail}</div>`}`;
  return props.href === undefined ? html`<div class="stat">${body}</div>` : html`<a class="stat" href=${props.href}>${body}</a>`;
}

/** A task state as a coloured badge. */
export function StateBadge(props: { state: string }): Html {
  const kind = props.state === 'TASK_FINISHED' ? 'good' : isTerminal(props.state) ? 'bad' : props.state === 'TASK_RUNNING' ? 'live' : 'pending';
  return html`<span class=${`badge badge-${kind}`} data-state=${props.state} title=${props.state}>${stateLabel(props.state)}</span>`;
}

/** Used and offered against total, as a stacked bar with figures. */
export function ResourceBar(props: { name: string; used: number; offered: number; total: number }): Html {
  const { name, used, offered, total } = props;
  const percent = (value: number): string => `${total > 0 ? Math.min(100, (value / total) * 100) : 0}%`;
  const idle = Math.max(0, total - used - offered);
  return html`<div class="resource" data-resource=${name}>
    <div class="resource-head"><span class="resource-name">${name}</span>
      <span class="resource-figures">${formatScalar(name, used)} used · ${formatScalar(name, offered)} offered · ${formatScalar(name, total)} total</span></div>
    <div class="bar" title=${`${name}: ${formatPercent(total > 0 ? used / total : 0)} used, ${formatPercent(total > 0 ? offered / total : 0)} offered, ${formatScalar(name, idle)} idle`}>
      <div class="bar-used" style=${{ width: percent(used) }}></div><div class="bar-offered" style=${{ width: percent(offered) }}></div>
    </div>
  </div>`;
}

/** A share in [0, 1] as a small bar with a percentage (and the resource it is of, if given). */
export function ShareBar(props: { share: number; resource?: string | undefined; title?: string }): Html {
  const width = `${Math.min(100, Math.max(0, props.share * 100))}%`;
  return html`<span class="share" title=${props.title}><span class="share-bar"><span class="share-fill" style=${{ width }}></span></span><span class="share-text">${formatPercent(props.share)}${props.resource === undefined ? null : html` <span class="muted">${props.resource}</span>`}</span></span>`;
}

/** `used / total` of one scalar, for table cells. */
export function UsedOfTotal(props: { name: string; used: ResourcesJson; total: ResourcesJson }): Html {
  return html`<span class="nowrap">${formatScalar(props.name, scalar(props.used, props.name))} / ${formatScalar(props.name, scalar(props.total, props.name))}</span>`;
}

/** A resources object as `cpus 1 · mem 128 MB · ports [31000-31000]`. */
export function ResourceList(props: { resources: ResourcesJson | undefined }): Html {
  const entries = Object.entries(props.resources ?? {}).filter(([name, value]) => typeof value !== 'number' || value !== 0 || !(SHOWN_SCALARS as readonly string[]).includes(name));
  if (entries.length === 0) return html`<span class="muted">none</span>`;
  return html`<span class="resource-list">${entries.map(([name, value]) => html`<span class="resource-item"><b>${name}</b> ${typeof value === 'number' ? formatScalar(name, value) : value}</span>`)}</span>`;
}

/** Seconds since the epoch as "5m ago", with the exact time as a tooltip. */
export function Ago(props: { seconds: number; nowMs: number }): Html {
  return html`<time title=${formatTimestamp(props.seconds)}>${formatAgo(props.seconds, props.nowMs)}</time>`;
}

/** An id, shortened, with the whole id as a tooltip. */
export function Id(props: { id: string; keep?: number }): Html {
  return html`<code class="id" title=${props.id}>${shortId(props.id, props.keep)}</code>`;
}

/** A placeholder row text. */
export function Empty(props: { text: string }): Html {
  return html`<p class="empty">${props.text}</p>`;
}

/** The hash of a task's sandbox page. */
export function sandboxHash(entry: TaskEntry): string {
  const own = taskSandboxPath(entry);
  return routeHash({ page: 'sandbox', agentId: entry.task.slave_id, frameworkId: entry.framework.id, executorId: entry.task.executor_id || entry.task.id, path: own, file: own === '' ? 'stdout' : `${own}/stdout` });
}

/**
 * Tasks as a table: id, name, state, framework, agent, resources, last change, sandbox. At most
 * `limit` rows, with a note saying how many more there are.
 */
export function TaskTable(props: { entries: readonly TaskEntry[]; state: MasterStateJson; nowMs: number; limit: number; showFramework?: boolean; showAgent?: boolean; testId?: string }): Html {
  const { entries, limit } = props;
  if (entries.length === 0) return html`<${Empty} text="No tasks." />`;
  const hostOf = agentHosts(props.state);
  const shown = entries.slice(0, limit);
  return html`<div class="table-wrap"><table class="tasks" data-testid=${props.testId}>
    <thead><tr><th>Task</th><th>Name</th><th>State</th>${props.showFramework === false ? null : html`<th>Framework</th>`}${props.showAgent === false ? null : html`<th>Agent</th>`}<th>cpus</th><th>mem</th><th>Updated</th><th></th></tr></thead>
    <tbody>${shown.map((entry) => html`<tr key=${`${entry.framework.id}/${entry.task.id}`} data-task-id=${entry.task.id}>
      <td><a href=${routeHash({ page: 'task', frameworkId: entry.framework.id, taskId: entry.task.id })}><${Id} id=${entry.task.id} keep=${24} /></a></td>
      <td>${entry.task.name}</td>
      <td><${StateBadge} state=${entry.task.state} /></td>
      ${props.showFramework === false ? null : html`<td><a href=${routeHash({ page: 'framework', frameworkId: entry.framework.id })}>${entry.framework.name}</a></td>`}
      ${props.showAgent === false ? null : html`<td><a href=${routeHash({ page: 'agent', agentId: entry.task.slave_id })}>${hostOf.get(entry.task.slave_id) ?? shortId(entry.task.slave_id)}</a></td>`}
      <td class="num">${formatScalar('cpus', scalar(entry.task.resources, 'cpus'))}</td>
      <td class="num">${formatScalar('mem', scalar(entry.task.resources, 'mem'))}</td>
      <td><${Ago} seconds=${lastChange(entry.task)} nowMs=${props.nowMs} /></td>
      <td><a class="sandbox-link" href=${sandboxHash(entry)}>Sandbox</a></td>
    </tr>`)}</tbody>
  </table>${entries.length > limit ? html`<p class="muted">Showing ${limit} of ${entries.length} tasks.</p>` : null}</div>`;
}
