/** `#/`: the cluster at a glance. */
import { Ago, ResourceBar, Section, ShareBar, Stat, StateBadge, TaskTable } from '../components';
import { html, type Html } from '../html';
import { formatScalar, formatTimestamp } from '../model/format';
import { routeHash } from '../model/routes';
import { comparedResources, computeShares, type ShareRow } from '../model/shares';
import { allTasks, clusterResources, liveTasksByAgent, stateTaskCounts, tasksNewestFirst } from '../model/state';
import type { MasterStateJson } from '../model/types';

/** Tasks the overview lists under "Recent tasks". */
export const OVERVIEW_RECENT_TASKS = 10;

/** What the DRF tables' tooltips say. */
export const DRF_HINT = 'Dominant Resource Fairness, computed in this page from /master/state: a share is allocated (used + offered) divided by the cluster total (all registered agents), per resource; the dominant share is the largest over cpus, mem and disk (and gpus). The allocator offers first to the role, then the framework, with the lowest dominant share. Role weights are all 1.';

/** The overview page. */
export function Overview(props: { state: MasterStateJson; nowMs: number }): Html {
  const { state, nowMs } = props;
  const entries = allTasks(state);
  const counts = stateTaskCounts(state);
  let live = 0;
  for (const count of liveTasksByAgent(state).values()) live += count;
  const resources = clusterResources(state);
  const shares = computeShares(state);
  const compared = comparedResources(resources.total);
  return html`<div class="page overview">
    <div class="stats">
      <${Stat} label="Agents" value=${state.slaves.length} detail=${`${state.activated_slaves} active · ${state.deactivated_slaves} inactive · ${state.unreachable_slaves} unreachable`} href=${routeHash({ page: 'agents' })} testId="agents-count" />
      <${Stat} label="Frameworks" value=${state.frameworks.length} detail=${`${state.frameworks.filter((framework) => framework.active).length} active · ${state.completed_frameworks.length} completed`} href=${routeHash({ page: 'frameworks' })} testId="frameworks-count" />
      <${Stat} label="Live tasks" value=${live} detail=${`${entries.length} known in all`} href=${routeHash({ page: 'tasks', state: undefined })} testId="live-tasks" />
      <${Stat} label="Master" value=${state.version} detail=${`${state.hostname} · up since ${formatTimestamp(state.start_time)}`} />
    </div>
    <div class="columns">
      <${Section} title="Resources" hint="Totals over the registered agents; used by tasks and executors; offered to frameworks and not yet answered." testId="resources">
        ${compared.map((name) => html`<${ResourceBar} name=${name} used=${resources.used[name]} offered=${resources.offered[name]} total=${resources.total[name]} />`)}
        <p class="legend"><span class="swatch swatch-used"></span> used <span class="swatch swatch-offered"></span> offered <span class="swatch swatch-idle"></span> idle</p>
      <//>
      <${Section} title="Tasks by state" testId="task-states">
        ${counts.length === 0 ? html`<p class="empty">No tasks yet. Run one: <code>npx mesos-execute --master ${state.hostname}:${state.pid.split(':').pop()} --name hello --command 'echo hello'</code></p>`
          : html`<ul class="state-counts">${counts.map(([taskState, count]) => html`<li><a href=${routeHash({ page: 'tasks', state: taskState })} data-state=${taskState}>
              <${StateBadge} state=${taskState} /><span class="count" data-testid=${`count-${taskState}`}>${count}</span></a></li>`)}</ul>`}
      <//>
    </div>
    <div class="columns">
      <${Section} title="Dominant shares by role" hint=${DRF_HINT} testId="role-shares">
        <${ShareTable} rows=${shares.roles} kind="role" compared=${compared} />
      <//>
      <${Section} title="Dominant shares by framework" hint=${DRF_HINT} testId="framework-shares">
        <${ShareTable} rows=${shares.frameworks} kind="framework" compared=${compared} />
      <//>
    </div>
    <${Section} title="Recent tasks" testId="recent-tasks">
      <${TaskTable} entries=${tasksNewestFirst(state)} state=${state} nowMs=${nowMs} limit=${OVERVIEW_RECENT_TASKS} testId="recent-tasks-table" />
      ${entries.length > 0 ? html`<p><a href=${routeHash({ page: 'tasks', state: undefined })}>All tasks →</a></p>` : null}
    <//>
    <p class="muted footnote">Master ${state.pid} · leader ${state.leader ?? 'unknown'} · elected <${Ago} seconds=${state.elected_time} nowMs=${nowMs} /></p>
  </div>`;
}

/** DRF rows: who, dominant share (of what), used share, allocation. */
export function ShareTable(props: { rows: readonly ShareRow[]; kind: 'role' | 'framework'; compared: readonly string[] }): Html {
  if (props.rows.length === 0) return html`<p class="empty">No ${props.kind === 'role' ? 'roles' : 'frameworks'} hold resources.</p>`;
  return html`<div class="table-wrap"><table class="shares" data-kind=${props.kind}>
    <thead><tr><th>${props.kind === 'role' ? 'Role' : 'Framework'}</th><th title="max over resources of allocated / total">Dominant share</th><th title="max over resources of used / total">Used share</th>${props.compared.map((name) => html`<th>${name}</th>`)}</tr></thead>
    <tbody>${props.rows.map((row) => html`<tr key=${row.id} data-share-id=${row.id}>
      <td>${props.kind === 'framework' ? html`<a href=${routeHash({ page: 'framework', frameworkId: row.id })}>${row.name}</a>` : html`<code title=${`${row.frameworks} framework${row.frameworks === 1 ? '' : 's'}`}>${row.name}</code>`}</td>
      <td class="nowrap"><${ShareBar} share=${row.dominantShare} resource=${row.dominantResource} title=${row.dominantResource === undefined ? 'nothing allocated' : `dominant resource: ${row.dominantResource}`} /></td>
      <td><${ShareBar} share=${row.usedShare} /></td>
      ${props.compared.map((name) => html`<td class="num">${formatScalar(name, row.allocated[name as keyof ShareRow['allocated']])}</td>`)}
    </tr>`)}</tbody></table></div>`;
}

