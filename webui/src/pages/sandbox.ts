/**
 * `#/sandbox/<agent>/<framework>/<executor>?path=&file=`: a task's sandbox on its agent, read
 * through the agent's `/files` (CORS): the directory listing, and a live tail of one file.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { browseFiles, fetchAgentState, readFile } from '../api';
import { Empty, Id, Section } from '../components';
import { usePoller } from '../hooks';
import { html, type Html } from '../html';
import { formatBytes, formatTimestamp } from '../model/format';
import { routeHash, type Route } from '../model/routes';
import { findExecutor, parentPath, relativeToSandbox, sandboxPath } from '../model/sandbox';
import { agentEndpoint, findAgent, type AgentEndpoint } from '../model/state';
import { appendChunk, fileShrank, MAX_TAIL_READS_PER_POLL, startTail, TAIL_POLL_INTERVAL_MS, TAIL_READ_CHUNK_BYTES, type TailState } from '../model/tail';
import type { FileInfoJson, MasterStateJson } from '../model/types';

/** The listing is read again this often, so new files show up (ms). */
export const LISTING_REFRESH_MS = 5_000;

type SandboxRoute = Extract<Route, { page: 'sandbox' }>;

/** Where the sandbox is, once the agent said. */
export type Located =
  | { readonly status: 'locating' }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'found'; readonly directory: string; readonly executorName: string };

/** The sandbox page. */
export function Sandbox(props: { state: MasterStateJson; route: SandboxRoute }): Html {
  const { state, route } = props;
  const agent = findAgent(state, route.agentId);
  const endpoint = agent === undefined ? undefined : agentEndpoint(agent.pid);
  const located = useSandbox(endpoint, route.frameworkId, route.executorId);
  const heading = html`<h1>Sandbox of <code>${route.executorId}</code></h1>
    <p class="muted">Framework <a href=${routeHash({ page: 'framework', frameworkId: route.frameworkId })}><${Id} id=${route.frameworkId} /></a> on agent${' '}
      ${agent === undefined ? html`<${Id} id=${route.agentId} />` : html`<a href=${routeHash({ page: 'agent', agentId: agent.id })}>${agent.hostname}:${agent.port}</a>`}</p>`;
  if (endpoint === undefined) return html`<div class="page">${heading}<${Empty} text="The master does not list this agent now, so its files cannot be read." /></div>`;
  if (located.status === 'locating') return html`<div class="page">${heading}<p class="muted">Asking the agent where the sandbox is…</p></div>`;
  if (located.status === 'failed') return html`<div class="page">${heading}<p class="error" data-testid="sandbox-error">${located.message}</p></div>`;
  const browsed = sandboxPath(located.directory, route.path);
  const tailed = route.file === undefined ? undefined : sandboxPath(located.directory, route.file);
  if (browsed === undefined || (route.file !== undefined && tailed === undefined)) {
    return html`<div class="page">${heading}<p class="error" data-testid="sandbox-error">This link names a path outside the sandbox (with '..'): only the sandbox's own files are shown here.</p></div>`;
  }
  return html`<div class="page" data-testid="sandbox-page">${heading}
    <p class="muted">Directory <code data-testid="sandbox-directory">${located.directory}</code> · ${located.executorName}</p>
    <div class="columns sandbox">
      <${Listing} endpoint=${endpoint} directory=${located.directory} browsed=${browsed} route=${route} />
      ${route.file === undefined || tailed === undefined ? html`<${Section} title="File"><${Empty} text="Pick a file to follow it." /><//>`
        : html`<${Tail} key=${route.file} endpoint=${endpoint} path=${tailed} name=${route.file} />`}
    </div>
  </div>`;
}

/** While the agent does not list the executor (a task still launching), it is asked again this often (ms). */
export const SANDBOX_LOOKUP_RETRY_MS = 2_000;

/** ... at most this many times in all (a minute), then the page says why it gave up. */
export const MAX_SANDBOX_LOOKUPS = 30;

/** Asks the agent's `/state` for the executor's sandbox directory, again while it is not there yet. */
export function useSandbox(endpoint: AgentEndpoint | undefined, frameworkId: string, executorId: string): Located {
  const [located, setLocated] = useState<Located>({ status: 'locating' });
  const address = endpoint?.address;
  useEffect(() => {
    if (endpoint === undefined) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lookups = 0;
    const again = (message: string): void => {
      const retrying = lookups < MAX_SANDBOX_LOOKUPS;
      setLocated({ status: 'failed', message: retrying ? `${message} Asking again in ${SANDBOX_LOOKUP_RETRY_MS / 1000} s.` : message });
      if (retrying) timer = setTimeout(lookup, SANDBOX_LOOKUP_RETRY_MS);
    };
    const lookup = (): void => {
      lookups++;
      fetchAgentState(endpoint).then((agentState) => {
        if (stopped) return;
        const found = findExecutor(agentState, frameworkId, executorId);
        if (found !== undefined) setLocated({ status: 'found', directory: found.executor.directory, executorName: found.executor.name });
        else again(`The agent lists no executor ${executorId} of framework ${frameworkId} (not launched yet, or its sandbox was garbage collected).`);
      }, (error: Error) => {
        if (!stopped) again(`Could not read the agent's state: ${error.message}.`);
      });
    };
    setLocated({ status: 'locating' });
    lookup();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [address, frameworkId, executorId]);
  return located;
}

/** The entries of the browsed directory, refreshed every LISTING_REFRESH_MS. */
function Listing(props: { endpoint: AgentEndpoint; directory: string; browsed: string; route: SandboxRoute }): Html {
  const { endpoint, directory, browsed, route } = props;
  const [entries, setEntries] = useState<FileInfoJson[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  usePoller<FileInfoJson[]>(() => ({
    read: () => browseFiles(endpoint, browsed),
    intervalAfter: () => LISTING_REFRESH_MS,
    backoff: () => LISTING_REFRESH_MS,
    onRead: (listing) => {
      setEntries(listing);
      setError(undefined);
    },
    onFailure: (failure) => setError((failure as Error).message),
  }), [endpoint.address, browsed]);
  const link = (path: string, file: string | undefined): string => routeHash({ ...route, path, file });
  return html`<${Section} title=${`/${route.path}`} testId="sandbox-listing">
    ${error === undefined ? null : html`<p class="error">${error}</p>`}
    ${entries === undefined ? html`<p class="muted">Listing…</p>` : html`<div class="table-wrap"><table class="files">
      <thead><tr><th>Name</th><th>Size</th><th>Mode</th><th>Modified</th></tr></thead>
      <tbody>
        ${route.path === '' ? null : html`<tr><td><a href=${link(parentPath(route.path), route.file)}>..</a></td><td></td><td></td><td></td></tr>`}
        ${entries.map((entry) => {
          const relative = relativeToSandbox(directory, entry.path) ?? entry.path;
          const name = relative.split('/').pop() ?? relative;
          const isDirectory = entry.mode.startsWith('d');
          return html`<tr key=${entry.path} class=${route.file === relative ? 'selected' : ''} data-file=${relative}>
            <td><a href=${isDirectory ? link(relative, route.file) : link(route.path, relative)}>${name}${isDirectory ? '/' : ''}</a></td>
            <td class="num">${isDirectory ? '' : formatBytes(entry.size)}</td><td><code>${entry.mode}</code></td>
            <td title=${formatTimestamp(entry.mtime)}>${formatTimestamp(entry.mtime)}</td></tr>`;
        })}
        ${entries.length === 0 ? html`<tr><td colspan="4" class="muted">empty</td></tr>` : null}
      </tbody></table></div>`}
  <//>`;
}

/** A live tail of one file: the end of it, then what is appended, polled (`testId` names its box). */
export function Tail(props: { endpoint: AgentEndpoint; path: string; name: string; testId?: string }): Html {
  const { endpoint, path, name } = props;
  const [tail, setTail] = useState<TailState | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [following, setFollowing] = useState(true);
  const output = useRef<HTMLPreElement>(null);
  const followingRef = useRef(following);
  followingRef.current = following;
  usePoller<TailState | undefined>(() => {
    let current: TailState | undefined;
    return {
      // Paused: nothing is read, and what is shown stays; following again reads on from there.
      read: async (stopped) => {
        if (!followingRef.current && current !== undefined) return undefined;
        const size = (await readFile(endpoint, path, -1, 0)).offset;
        if (current === undefined || fileShrank(current, size)) current = startTail(size);
        for (let reads = 0; reads < MAX_TAIL_READS_PER_POLL && current.offset < size && !stopped(); reads++) {
          const chunk = await readFile(endpoint, path, current.offset, TAIL_READ_CHUNK_BYTES);
          const next = appendChunk(current, chunk);
          if (next === current) break;
          current = next;
        }
        return current;
      },
      intervalAfter: () => TAIL_POLL_INTERVAL_MS,
      backoff: () => TAIL_POLL_INTERVAL_MS,
      onRead: (read) => {
        if (read === undefined) return;
        setTail(read);
        setError(undefined);
      },
      onFailure: (failure) => setError((failure as Error).message),
    };
  }, [endpoint.address, path]);
  useEffect(() => {
    const element = output.current;
    if (element !== null && following) element.scrollTop = element.scrollHeight;
  }, [tail?.text, following]);
  return html`<${Section} title=${name} testId=${props.testId ?? 'sandbox-tail'}>
    <p class="tail-controls">
      <button type="button" onClick=${() => setFollowing(!following)} data-testid="tail-toggle">${following ? 'Pause' : 'Follow'}</button>
      <span class="muted">${following ? `following: read every ${TAIL_POLL_INTERVAL_MS / 1000} s` : 'paused'} · ${tail === undefined ? '' : formatBytes(tail.offset)}${tail?.truncated ? ' (showing the end)' : ''}</span>
    </p>
    ${error === undefined ? null : html`<p class="error">${error}</p>`}
    <pre class="tail" ref=${output} data-testid=${`${props.testId ?? 'sandbox-tail'}-output`} data-path=${path}>${tail === undefined ? 'Reading…' : tail.text === '' ? '(empty)' : tail.text}</pre>
  <//>`;
}
