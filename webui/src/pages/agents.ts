/** `#/agents` and `#/agents/<id>`. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { agentBase } from '../api';
import { Ago, Empty, Id, ResourceBar, ResourceList, Section, TaskTable, UsedOfTotal } from '../components';
import { html, type Html } from '../html';
import { formatTimestamp } from '../model/format';
import { parseRoute, routeHash } from '../model/routes';
import { agentEndpoint, agentHosts, AGENTS_PAGE_ROWS, agentStatus, drainConfigText, filterAgents, findAgent, liveTasksByAgent, scalar, tasksByAgent } from '../model/state';
import type { AgentJson, MasterStateJson } from '../model/types';
import { AgentUsage } from './usage';

/** Tasks listed on an agent's page. */
export const AGENT_PAGE_TASKS = 100;

/**
 * The agents table, `AGENTS_PAGE_ROWS` at a time (`start`), filtered by id or `host:port`
 * (`filter`): every agent at once was over a minute of the browser's time at 100k agents, and
 * the page redraws every second.
 */
export function Agents(props: { state: MasterStateJson; nowMs: number; filter: string | undefined; start: number }): Html {
  const { state, nowMs, filter } = props;
  const agents = filterAgents(state, filter);
  const liveTasks = liveTasksByAgent(state);
  const hosts = agentHosts(state);
  // Past the end (agents went away, the filter narrowed): the last page.
  const lastStart = Math.max(0, Math.floor((agents.length - 1) / AGENTS_PAGE_ROWS) * AGENTS_PAGE_ROWS);
  const start = Math.min(Math.max(0, props.start - (props.start % AGENTS_PAGE_ROWS)), lastStart);
  const shown = agents.slice(start, start + AGENTS_PAGE_ROWS);
  const pageLink = (from: number): string => routeHash({ page: 'agents', ...(filter === undefined ? {} : { filter }), start: from });
  // The box shows what was typed, kept here: the route follows it (`location.replace`, no history
  // entry per key) a task later, and a redraw in between (the clock's tick, a state read) drew the
  // route's older filter back into the box, losing keys. A filter put in the URL from elsewhere
  // (back, a link) is taken into the box: the URL, not the route (which may lag what was typed),
  // is compared with what was last typed.
  const [typedText, setTypedText] = useState(filter ?? '');
  const lastTyped = useRef(filter ?? '');
  useEffect(() => {
    const inUrl = parseRoute(window.location.hash);
    const urlFilter = inUrl.page === 'agents' ? inUrl.filter ?? '' : lastTyped.current;
    if (urlFilter !== lastTyped.current) {
      lastTyped.current = urlFilter;
      setTypedText(urlFilter);
    }
  }, [filter]);
  const typed = (event: Event): void => {
    const text = (event.currentTarget as HTMLInputElement).value;
    lastTyped.current = text;
    setTypedText(text);
    window.location.replace(routeHash({ page: 'agents', ...(text === '' ? {} : { filter: text }) }));
  };
  const pager = agents.length <= AGENTS_PAGE_ROWS ? null : html`<p class="pager" data-testid="agents-pager">
    ${start > 0 ? html`<a href=${pageLink(start - AGENTS_PAGE_ROWS)} data-testid="agents-previous">← previous</a>` : html`<span class="muted">← previous</span>`}
    <span>${start + 1}–${start + shown.length} of ${agents.length}</span>
    ${start + AGENTS_PAGE_ROWS < agents.length ? html`<a href=${pageLink(start + AGENTS_PAGE_ROWS)} data-testid="agents-next">next →</a>` : html`<span class="muted">next →</span>`}
  </p>`;
  const title = filter === undefined ? `${state.slaves.length} registered` : `${agents.length} of ${state.slaves.length} registered match '${filter}'`;
  return html`<div class="page">
    <h1>Agents</h1>
    <p><input type="search" class="filter-box" placeholder="Filter by id or host" aria-label="Filter agents by id or host" value=${typedText} onInput=${typed} data-testid="agents-filter" /></p>
    <${Section} title=${title}>
      ${agents.length === 0 ? html`<${Empty} text=${state.slaves.length === 0 ? 'No agent is registered.' : 'No agent matches.'} />` : html`${pager}<div class="table-wrap"><table data-testid="agents-table">
        <thead><tr><th>Agent</th><th>Host</th><th>cpus</th><th>mem</th><th>disk</th><th>Live tasks</th><th>Registered</th><th>Status</th></tr></thead>
        <tbody>${shown.map((agent) => html`<tr key=${agent.id} data-agent-id=${agent.id}>
          <td><a href=${routeHash({ page: 'agent', agentId: agent.id })}><${Id} id=${agent.id} keep=${20} /></a></td>
          <td>${hosts.get(agent.id)}</td>
          <td><${UsedOfTotal} name="cpus" used=${agent.used_resources} total=${agent.resources} /></td>
          <td><${UsedOfTotal} name="mem" used=${agent.used_resources} total=${agent.resources} /></td>
          <td><${UsedOfTotal} name="disk" used=${agent.used_resources} total=${agent.resources} /></td>
          <td class="num">${liveTasks.get(agent.id) ?? 0}</td>
          <td><${Ago} seconds=${agent.registered_time} nowMs=${nowMs} /></td>
          <td><${StatusText} agent=${agent} /></td>
        </tr>`)}</tbody></table></div>${pager}`}
    <//>
  </div>`;
}

/** An agent's status (`agentStatus`), coloured by its tone. */
function StatusText(props: { agent: AgentJson }): Html {
  const status = agentStatus(props.agent);
  return html`<span class=${status.tone} data-testid="agent-status">${status.text}</span>`;
}

/** One agent: resources, reservations, attributes, its containers' usage, tasks. */
export function Agent(props: { state: MasterStateJson; nowMs: number; agentId: string }): Html {
  const { state, nowMs } = props;
  const agent = findAgent(state, props.agentId);
  if (agent === undefined) return html`<div class="page"><h1>Agent</h1><${Empty} text=${`The master knows no agent ${props.agentId} (it may have been removed).`} /></div>`;
  const endpoint = agentEndpoint(agent.pid);
  const tasks = tasksByAgent(state).get(agent.id) ?? [];
  const names = ['cpus', 'mem', 'disk', ...(scalar(agent.resources, 'gpus') > 0 ? ['gpus'] : [])];
  const reserved = Object.entries(agent.reserved_resources ?? {});
  const attributes = Object.entries(agent.attributes ?? {});
  return html`<div class="page" data-testid="agent-page">
    <h1>Agent <${Id} id=${agent.id} keep=${40} /></h1>
    <dl class="facts">
      <dt>Host</dt><dd>${agent.hostname}:${agent.port}</dd>
      <dt>Pid</dt><dd><code>${agent.pid}</code></dd>
      <dt>Status</dt><dd><${StatusText} agent=${agent} /></dd>
      ${agent.drain_info === undefined ? null : html`<dt>Drain</dt><dd data-testid="agent-drain">${agent.drain_info.state}: ${drainConfigText(agent.drain_info)}</dd>`}
      ${agent.estimated_drain_start_time_seconds === undefined ? null : html`<dt>Maintenance starts</dt><dd><time>${formatTimestamp(agent.estimated_drain_start_time_seconds)}</time></dd>`}
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
      <${TaskTable} entries=${tasks} state=${state} nowMs=${nowMs} limit=${AGENT_PAGE_TASKS} showAgent=${false} testId="agent-tasks" />
    <//>
  </div>`;
}
