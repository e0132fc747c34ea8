/** `#/frameworks` and `#/frameworks/<id>`. */
import { Ago, Empty, Id, ResourceList, Section, ShareBar, TaskTable } from '../components';
import { html, type Html } from '../html';
import { formatScalar, shortId } from '../model/format';
import { routeHash } from '../model/routes';
import { computeShares } from '../model/shares';
import { agentHosts, findFramework, frameworkTasks, scalar } from '../model/state';
import type { FrameworkJson, MasterStateJson } from '../model/types';
import { DRF_HINT } from './overview';

/** Tasks listed per list (active, completed) on a framework's page. */
export const FRAMEWORK_PAGE_TASKS = 100;

/** The frameworks table: live ones, then completed ones. */
export function Frameworks(props: { state: MasterStateJson; nowMs: number }): Html {
  const { state, nowMs } = props;
  const shares = new Map(computeShares(state).frameworks.map((row) => [row.id, row]));
  const table = (frameworks: readonly FrameworkJson[], live: boolean, testId: string): Html => html`<div class="table-wrap"><table data-testid=${testId}>
    <thead><tr><th>Framework</th><th>Name</th><th>User</th><th>Roles</th><th>Live tasks</th><th>cpus</th><th>mem</th><th>disk</th>${live ? html`<th title=${DRF_HINT}>Dominant share</th>` : null}<th>Registered</th></tr></thead>
    <tbody>${frameworks.map((framework) => html`<tr key=${framework.id} data-framework-id=${framework.id}>
      <td><a href=${routeHash({ page: 'framework', frameworkId: framework.id })}><${Id} id=${framework.id} keep=${20} /></a></td>
      <td>${framework.name}${live && !framework.active ? html` <span class="warn">inactive</span>` : null}</td>
      <td>${framework.user}</td>
      <td>${framework.roles.map((role) => html`<code class="role">${role}</code> `)}</td>
      <td class="num">${framework.tasks.length}</td>
      ${(['cpus', 'mem', 'disk'] as const).map((name) => html`<td class="num">${formatScalar(name, scalar(framework.used_resources, name))}</td>`)}
      ${live ? html`<td><${ShareBar} share=${shares.get(framework.id)?.dominantShare ?? 0} /></td>` : null}
      <td><${Ago} seconds=${framework.registered_time} nowMs=${nowMs} /></td>
    </tr>`)}</tbody></table></div>`;
  return html`<div class="page">
    <h1>Frameworks</h1>
    <${Section} title=${`Active (${state.frameworks.length})`}>
      ${state.frameworks.length === 0 ? html`<${Empty} text="No framework is registered." />` : table(state.frameworks, true, 'frameworks-table')}
    <//>
    <${Section} title=${`Completed (${state.completed_frameworks.length})`}>
      ${state.completed_frameworks.length === 0 ? html`<${Empty} text="None." />` : table(state.completed_frameworks, false, 'completed-frameworks-table')}
    <//>
  </div>`;
}

/** One framework: who it is, what it holds, its offers, executors and tasks. */
export function Framework(props: { state: MasterStateJson; nowMs: number; frameworkId: string }): Html {
  const { state, nowMs } = props;
  const framework = findFramework(state, props.frameworkId);
  if (framework === undefined) return html`<div class="page"><h1>Framework</h1><${Empty} text=${`The master knows no framework ${props.frameworkId} (completed frameworks are forgotten after a while).`} /></div>`;
  const completed = !state.frameworks.includes(framework);
  const share = computeShares(state).frameworks.find((row) => row.id === framework.id);
  const { active, completed: done } = frameworkTasks(framework);
  const hostOf = agentHosts(state);
  return html`<div class="page" data-testid="framework-page">
    <h1>Framework ${framework.name} <${Id} id=${framework.id} keep=${40} /></h1>
    <dl class="facts">
      <dt>Status</dt><dd>${completed ? 'completed' : framework.active ? 'active' : 'inactive (disconnected, within its failover timeout)'}</dd>
      <dt>User</dt><dd>${framework.user}</dd>
      <dt>Roles</dt><dd>${framework.roles.map((role) => html`<code class="role">${role}</code> `)}</dd>
      <dt>Principal</dt><dd>${framework.principal ?? '—'}</dd>
      <dt>Host</dt><dd>${framework.hostname || '—'}</dd>
      <dt>Pid</dt><dd><code>${framework.pid ?? '—'}</code></dd>
      <dt>Checkpoint</dt><dd>${framework.checkpoint ? 'yes' : 'no'}</dd>
      <dt>Failover timeout</dt><dd>${framework.failover_timeout} s</dd>
      <dt>Registered</dt><dd><${Ago} seconds=${framework.registered_time} nowMs=${nowMs} /></dd>
      ${framework.webui_url ? html`<dt>Web UI</dt><dd>${/^https?:\/\//i.test(framework.webui_url) ? html`<a href=${framework.webui_url} target="_blank" rel="noopener noreferrer">${framework.webui_url}</a>` : html`<code>${framework.webui_url}</code>`}</dd>` : null}
      ${share === undefined ? null : html`<dt title=${DRF_HINT}>Dominant share</dt><dd><${ShareBar} share=${share.dominantShare} resource=${share.dominantResource} /></dd>`}
    </dl>
    <div class="columns">
      <${Section} title="Resources">
        <table class="kv">
          <tr><th>Used</th><td><${ResourceList} resources=${framework.used_resources} /></td></tr>
          <tr><th>Offered</th><td><${ResourceList} resources=${framework.offered_resources} /></td></tr>
        </table>
      <//>
      <${Section} title=${`Offers (${framework.offers.length})`}>
        ${framework.offers.length === 0 ? html`<${Empty} text="No outstanding offer." />` : html`<div class="table-wrap"><table data-testid="offers-table">
          <thead><tr><th>Offer</th><th>Agent</th><th>Role</th><th>Resources</th></tr></thead>
          <tbody>${framework.offers.map((offer) => html`<tr key=${offer.id}><td><${Id} id=${offer.id} /></td>
            <td><a href=${routeHash({ page: 'agent', agentId: offer.slave_id })}>${hostOf.get(offer.slave_id) ?? shortId(offer.slave_id)}</a></td>
            <td><code>${offer.allocation_info?.role ?? '*'}</code></td><td><${ResourceList} resources=${offer.resources} /></td></tr>`)}</tbody></table></div>`}
      <//>
    </div>
    ${framework.executors.length === 0 ? null : html`<${Section} title=${`Executors (${framework.executors.length})`}>
      <div class="table-wrap"><table><thead><tr><th>Executor</th><th>Name</th><th>Agent</th><th>Resources</th><th></th></tr></thead>
      <tbody>${framework.executors.map((executor) => html`<tr key=${executor.executor_id}><td><${Id} id=${executor.executor_id} keep=${24} /></td><td>${executor.name}</td>
        <td><a href=${routeHash({ page: 'agent', agentId: executor.slave_id })}>${hostOf.get(executor.slave_id) ?? shortId(executor.slave_id)}</a></td>
        <td><${ResourceList} resources=${executor.resources} /></td>
        <td><a href=${routeHash({ page: 'sandbox', agentId: executor.slave_id, frameworkId: framework.id, executorId: executor.executor_id, path: '', file: undefined })}>Sandbox</a></td></tr>`)}</tbody></table></div>
    <//>`}
    <${Section} title=${`Live tasks (${active.length})`}>
      <${TaskTable} entries=${active} state=${state} nowMs=${nowMs} limit=${FRAMEWORK_PAGE_TASKS} showFramework=${false} testId="framework-live-tasks" />
    <//>
    <${Section} title=${`Completed tasks (${done.length})`}>
      <${TaskTable} entries=${done} state=${state} nowMs=${nowMs} limit=${FRAMEWORK_PAGE_TASKS} showFramework=${false} testId="framework-completed-tasks" />
    <//>
  </div>`;
}
