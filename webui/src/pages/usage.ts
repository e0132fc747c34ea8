/**
 * Usage against allocation, read from an agent's `/slave(1)/monitor/statistics` (CORS, as its
 * `/state`): per container on the agent's page, and for one task's container on the task's.
 */
import { useState } from 'preact/hooks';
import { agentBase, agentJson, RequestError } from '../api';
import { Empty, Id, Section } from '../components';
import { html, type Html } from '../html';
import { usePoller } from '../hooks';
import { nextPollDelayMs, STATE_POLL_INTERVAL_MS } from '../model/backoff';
import { formatBytes, formatPercent } from '../model/format';
import type { AgentEndpoint } from '../model/state';
import { containerUsage, parseStatistics, totalUsage, type ContainerUsageView, type StatisticsEntryJson } from '../model/usage';

/** An agent's usage as last read. */
export type UsagePoll =
  | { readonly status: 'reading' }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'read'; readonly containers: readonly ContainerUsageView[] };

/**
 * Polls the agent's `/monitor/statistics` every 2 s (`STATE_POLL_INTERVAL_MS`), backing off
 * while it fails; as the master's state, not while the tab is hidden.
 */
export function useAgentUsage(endpoint: AgentEndpoint | undefined): UsagePoll {
  const [usage, setUsage] = useState<UsagePoll>({ status: 'reading' });
  const address = endpoint?.address;
  usePoller<StatisticsEntryJson[]>(() => {
    if (endpoint === undefined) return undefined;
    let previous: StatisticsEntryJson[] = [];
    return {
      read: async () => parseStatistics(await agentJson(`${agentBase(endpoint)}/${encodeURIComponent(endpoint.actorId)}/monitor/statistics`)),
      intervalAfter: () => STATE_POLL_INTERVAL_MS,
      backoff: (failures) => nextPollDelayMs(failures),
      onRead: (current) => {
        setUsage({ status: 'read', containers: containerUsage(current, previous) });
        previous = current;
      },
      onFailure: (error) => setUsage({ status: 'failed', message: error instanceof RequestError || error instanceof Error ? error.message : String(error) }),
    };
  }, [address, endpoint?.actorId]);
  return usage;
}

/** `used` of `limit` with a bar (a measure not yet known shows as `…`). */
function UsageBar(props: { used: number | undefined; limit: number | undefined; format: (value: number) => string; testId?: string }): Html {
  const { used, limit, format } = props;
  if (used === undefined) return html`<span class="muted" data-testid=${props.testId}>…</span>`;
  const fraction = limit !== undefined && limit > 0 ? used / limit : 0;
  const width = `${Math.min(100, fraction * 100)}%`;
  return html`<span class="share" data-testid=${props.testId} title=${limit === undefined ? undefined : `${formatPercent(fraction)} of its limit`}>
    <span class="share-bar"><span class=${fraction > 0.9 ? 'share-fill warn-fill' : 'share-fill'} style=${{ width }}></span></span>
    <span class="share-text">${format(used)}${limit === undefined ? null : html` <span class="muted">of ${format(limit)}</span>`}</span></span>`;
}

const cpus = (value: number): string => String(Number(value.toFixed(2)));

/** The agent's containers: CPU and memory in use against each one's limit, and their sum. */
export function AgentUsage(props: { endpoint: AgentEndpoint | undefined }): Html {
  const usage = useAgentUsage(props.endpoint);
  const title = 'Usage (from the agent\'s /monitor/statistics)';
  if (props.endpoint === undefined) return html`<${Section} title=${title}><${Empty} text="The agent's address is unknown." /><//>`;
  if (usage.status === 'reading') return html`<${Section} title=${title}><p class="muted">Asking the agent…</p><//>`;
  if (usage.status === 'failed') return html`<${Section} title=${title}><p class="error">${usage.message}</p><//>`;
  if (usage.containers.length === 0) return html`<${Section} title=${title}><${Empty} text="No container runs on this agent." /><//>`;
  const total = totalUsage(usage.containers);
  return html`<${Section} title=${title} testId="agent-usage">
    <div class="table-wrap"><table>
      <thead><tr><th>Executor</th><th>Framework</th><th>CPUs in use</th><th>Memory in use</th><th>Processes</th></tr></thead>
      <tbody>${usage.containers.map((container) => html`<tr key=${`${container.frameworkId}/${container.executorId}`} data-executor-id=${container.executorId}>
        <td><code>${container.executorId}</code></td>
        <td><${Id} id=${container.frameworkId} /></td>
        <td><${UsageBar} used=${container.cpusUsed} limit=${container.cpusLimit} format=${cpus} /></td>
        <td><${UsageBar} used=${container.memBytes} limit=${container.memLimitBytes} format=${formatBytes} testId="container-mem" /></td>
        <td class="num">${container.processes ?? '—'}</td>
      </tr>`)}
      <tr class="total"><th colspan="2">All containers</th>
        <td><${UsageBar} used=${total.cpusUsed} limit=${total.cpusLimit} format=${cpus} /></td>
        <td><${UsageBar} used=${total.memBytes} limit=${total.memLimitBytes} format=${formatBytes} /></td><td></td></tr>
      </tbody></table></div>
  <//>`;
}

/** One task's container on its agent: CPU, memory (and disk, where measured) in use against its limits. */
export function TaskUsage(props: { endpoint: AgentEndpoint | undefined; frameworkId: string; executorId: string }): Html | null {
  const usage = useAgentUsage(props.endpoint);
  if (usage.status !== 'read') return null;
  const container = usage.containers.find((entry) => entry.frameworkId === props.frameworkId && entry.executorId === props.executorId);
  if (container === undefined) return null;
  return html`<${Section} title="Usage (its container)" testId="task-usage">
    <table class="kv">
      <tr><th>CPUs</th><td><${UsageBar} used=${container.cpusUsed} limit=${container.cpusLimit} format=${cpus} /></td></tr>
      <tr><th>Memory</th><td><${UsageBar} used=${container.memBytes} limit=${container.memLimitBytes} format=${formatBytes} testId="task-mem" /></td></tr>
      ${container.diskBytes === undefined ? null : html`<tr><th>Disk</th><td><${UsageBar} used=${container.diskBytes} limit=${container.diskLimitBytes} format=${formatBytes} /></td></tr>`}
      <tr><th>Processes</th><td>${container.processes ?? '—'}</td></tr>
    </table>
  <//>`;
}
