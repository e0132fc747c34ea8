/** `#/agents` and `#/agents/<id>`. */
import { agentBase } from '../api';
import { Ago, Empty, Id, ResourceBar, ResourceList, Section, TaskTable, UsedOfTotal } from '../components';
import { html, type Html } from '../html';
import { routeHash } from '../model/routes';
import { agentEndpoint, allTasks, findAgent, isTerminal, newestFirst, scalar } from '../model/state';
import type { MasterStateJson } from '../model/types';
import { AgentUsage } from './usage';

/** Tasks listed on an agent's page. */
export const AGENT_PAGE_TASKS = 100;

/** The agents table. */
export function Agents(props: { state: MasterStateJson; nowMs: number }): Html {
  const { state, nowMs } = props;
  const liveTasks = new Map<string, number>();
  for (const { task } of allTasks(state)) if (!isTerminal(task.state)) liveTasks.set(task.slave_id, (liveTasks.get(task.slave_id) ?? 0) + 1);
  return html`<div class="page">
    <h1>Agents</h1>
    <${Section} title=${`${state.slaves.length} registered`}>
      ${state.slaves.length === 0 ? html`<${Empty} text="No agent is registered." />` : html`<div class="table-wrap"><table data-testid="agents-table">
        <thead><tr><th>Agent</th><th>Host</th><th>cpus</th><th>mem</th><th>disk</th><th>Live tasks</th><th>Registered</th><th>Status</th></tr></thead>
        <tbody>${state.slaves.map((agent) => html`<tr key=${agent.id} data-agent-id=${agent.id}>
          <td><a href=${routeHash({ page: 'agent', agentId: agent.id })}><${Id} id=${agent.id} keep=${20} /></a></td>
          <td>${agent.hostname}:${agent.port}</td>
          <td><${UsedOfTotal} name="cpus" used=${agent.used_resources} total=${agent.resources} /></td>
          <td><${UsedOfTotal} name="mem" used=${agent.used_resources} total=${agent.resources} /></td>
          <td><${UsedOfTotal} name="disk" used=${agent.used_resources} total=${agent.resources} /></td>
          <td class="num">${liveTasks.get(agent.id) ?? 0}</td>
          <td><${Ago} seconds=${agent.registered_time} nowMs=${nowMs} /></td>
          <td>${agent.active ? html`<span class="ok">active</span>` : html`<span class="warn">inactive</span>`}</td>
        </tr>`)}</tbody></table></div>`}
    <//>
  </div>`;
}

/** One agent: resources, reservations, attributes, its containers' usage, tasks. */
export function Agent(props: { state: MasterStateJson; nowMs: number; agentId: string }): Html {
  const { state, nowMs } = props;
  const agent = findAgent(state, props.agentId);
  if (agent === undefined) return html`<div class="page"><h1>Agent</h1><${Empty} text=${`The master knows no agent ${props.agentId} (it may have been removed).`} /></div>`;
  const endpoint = agentEndpoint(agent.pid);
  const tasks = newestFirst(allTasks(state).filter((entry) => entry.task.slave_id === agent.id));
  const names = ['cpus', 'mem', 'disk', ...(scalar(agent.resources, 'gpus') > 0 ? ['gpus'] : [])];
  const reserved = Object.entries(agent.reserved_resources ?? {});
  const attributes = Object.entries(agent.attributes ?? {});
  return html`<div class="page" data-testid="agent-page">
    <h1>Agent <${Id} id=${agent.id} keep=${40} /></h1>
    <dl class="facts">
      <dt>Host</dt><dd>${agent.hostname}:${agent.port}</dd>
      <dt>Pid</dt><dd><code>${agent.pid}</code></dd>
      <dt>Status</dt><dd>${agent.active ? 'active' : 'inactive'}</dd>
      <dt>Version</dt><dd>${agent.version ?? '—'}</dd>
      <dt>Registered</dt><dd><${Ago} seconds=${agent.registered_time} nowMs=${nowMs} /></dd>
      ${endpoint === undefined ? null : html`<dt>State</dt><dd><a href=${`${agentBase(endpoint)}/${endpoint.actorId}/state`} target="_blank" rel="noopener">${endpoint.actorId}/state</a></dd>`}
    </dl>
    <div class="columns">
      <${Section} title="Resources">
        ${names.map((name) => html`<${ResourceBar} name=${name} used=${scalar(agent.used_resources, name)} offered=${scalar(agent.offered_resources, name)} total=${scalar(agent.resources, name)} />`)}
        <table class="kv">
          <tr><th>Total</th><td><${ResourceList} resources=${agent.resources} /></td></tr>
          <tr><th>Unreserved</th><td><${ResourceList} resources=${agent.unreserved_resources} /></td></tr>
          ${reserved.map(([role, resources]) => html`<tr><th>Reserved for <code>${role}</code></th><td><${ResourceList} resources=${resources} /></td></tr>`)}
        </table>
      <//>
      <${Section} title="Attributes">
        ${attributes.length === 0 ? html`<${Empty} text="None." />` : html`<table class="kv">${attributes.map(([name, value]) => html`<tr><th>${name}</th><td><code>${typeof value === 'string' ? value : JSON.stringify(value)}</code></td></tr>`)}</table>`}
      <//>
    </div>
    <${AgentUsage} endpoint=${endpoint} />
    <${Section} title=${`Tasks (${tasks.length})`}>
      <${TaskTable} entries=${tasks} agents=${state.slaves} nowMs=${nowMs} limit=${AGENT_PAGE_TASKS} showAgent=${false} testId="agent-tasks" />
    <//>
  </div>`;
}
