/** The whole page: header and navigation, the master's liveness banner, and the routed page. */
import { useState } from 'preact/hooks';
import { signedInPrincipal, signIn, signOut, type FailureKind } from './api';
import { html, type Html } from './html';
import { useMasterState, useNow, useRoute, type MasterPoll } from './hooks';
import { agentEndpoint } from './model/state';
import { formatAgo } from './model/format';
import { routeHash, type Route } from './model/routes';
import { Agent, Agents } from './pages/agents';
import { Framework, Frameworks } from './pages/frameworks';
import { Overview } from './pages/overview';
import { Sandbox } from './pages/sandbox';
import { Task, Tasks } from './pages/tasks';
import type { MasterStateJson } from './model/types';

/** How often "updated 3s ago" and the retry countdown are redrawn (ms). */
const CLOCK_TICK_MS = 1_000;

/** What the header says, by why the last poll failed. */
const LIVENESS_BY_FAILURE: Readonly<Record<FailureKind, string>> = {
  unauthorized: 'credentials needed', forbidden: 'not allowed', unreachable: 'master unreachable', http: 'master error', invalid: 'master error', standby: 'not the leader',
};

/** The banner's title, by why the last poll failed. */
const BANNER_TITLE_BY_FAILURE: Readonly<Record<FailureKind, string>> = {
  unauthorized: 'Credentials needed', forbidden: 'Not allowed', unreachable: 'The master is unreachable', http: 'The master answered an error', invalid: 'The master answered an error',
  standby: 'This master does not lead',
};

/** The application root. */
export function App(): Html {
  const route = useRoute();
  const poll = useMasterState();
  const nowMs = useNow(CLOCK_TICK_MS);
  return html`<div class="app">
    <${Header} route=${route} poll=${poll} nowMs=${nowMs} />
    <${Banner} poll=${poll} nowMs=${nowMs} />
    <main>${poll.state === undefined
      ? (poll.error === undefined ? html`<p class="muted loading">Reading the master's state…</p>` : null)
      : html`<${Page} route=${route} state=${poll.state} nowMs=${nowMs} />`}</main>
  </div>`;
}

function Header(props: { route: Route; poll: MasterPoll; nowMs: number }): Html {
  const { route, poll, nowMs } = props;
  const section = route.page === 'agent' ? 'agents' : route.page === 'framework' ? 'frameworks' : route.page === 'task' || route.page === 'sandbox' ? 'tasks' : route.page;
  const tab = (page: 'overview' | 'agents' | 'frameworks' | 'tasks', label: string): Html =>
    html`<a class=${section === page ? 'tab current' : 'tab'} href=${routeHash(page === 'tasks' ? { page, state: undefined } : { page })}>${label}</a>`;
  const live = poll.error === undefined && poll.updatedAtMs !== undefined;
  return html`<header class="top">
    <a class="brand" href="#/">mesos-ts</a>
    <nav>${tab('overview', 'Overview')}${tab('agents', 'Agents')}${tab('frameworks', 'Frameworks')}${tab('tasks', 'Tasks')}</nav>
    ${signedInPrincipal() === undefined ? null : html`<span class="principal">${signedInPrincipal()} · <a href="#/" onClick=${() => { signOut(); poll.retry(); }}>sign out</a></span>`}
    <span class=${live ? 'pulse live' : 'pulse down'} data-testid="liveness" data-interval-ms=${poll.intervalMs} title=${`The page reads /master/state every ${poll.intervalMs / 1000} s (less often the longer a read takes), and not while its tab is hidden`}>
      ${live ? `live · updated ${formatAgo((poll.updatedAtMs ?? 0) / 1000, nowMs)}` : poll.error === undefined ? 'connecting…' : LIVENESS_BY_FAILURE[poll.error.kind]}
    </span>
  </header>`;
}

/** What is wrong with the master, if anything: unreachable (with backoff), credentials, not the leader. */
function Banner(props: { poll: MasterPoll; nowMs: number }): Html | null {
  const { poll, nowMs } = props;
  if (poll.error !== undefined) {
    const seconds = Math.max(0, Math.ceil((poll.nextPollAtMs - nowMs) / 1000));
    const title = BANNER_TITLE_BY_FAILURE[poll.error.kind];
    return html`<div class="banner banner-error" role="alert" data-testid="banner" data-kind=${poll.error.kind}>
      <b>${title}:</b> ${poll.error.message}.
      ${poll.state === undefined ? '' : ' What is shown is from the last answer.'}
      ${' '}Retrying in ${seconds} s (attempt ${poll.failures}). <button type="button" onClick=${poll.retry}>Retry now</button>
      ${poll.error.kind === 'unauthorized' || poll.error.kind === 'forbidden' ? html`<${SignIn} onDone=${poll.retry} />` : null}
      ${poll.error.kind === 'standby' ? html` <a href="/" data-testid="leader-link">Open the leading master's UI</a> (this master sends <code>/</code> there).` : null}
    </div>`;
  }
  return poll.state === undefined ? null : html`<${LeaderNotice} state=${poll.state} />`;
}

/**
 * HTTP Basic credentials for the master (kept for this tab only). The agents' sandboxes are read
 * across origins without credentials: agents that ask for them (`--authenticate_http_readonly`)
 * cannot be read from this page.
 */
function SignIn(props: { onDone: () => void }): Html {
  const [principal, setPrincipal] = useState(signedInPrincipal() ?? '');
  const [secret, setSecret] = useState('');
  const submit = (event: Event): void => {
    event.preventDefault();
    signIn(principal, secret);
    setSecret('');
    props.onDone();
  };
  return html`<form class="sign-in" onSubmit=${submit} data-testid="sign-in">
    <input name="principal" placeholder="principal" autocomplete="username" value=${principal} onInput=${(event: Event) => setPrincipal((event.target as HTMLInputElement).value)} required />
    <input name="secret" type="password" placeholder="secret" autocomplete="current-password" value=${secret} onInput=${(event: Event) => setSecret((event.target as HTMLInputElement).value)} required />
    <button type="submit">Sign in</button>
  </form>`;
}

/** A standby master's state names another leader: say so, with a link to its UI. */
function LeaderNotice(props: { state: MasterStateJson }): Html | null {
  const { state } = props;
  if (state.leader === undefined || state.leader === '' || state.leader === state.pid) return null;
  const leader = agentEndpoint(state.leader);
  return html`<div class="banner banner-warn" data-testid="banner" data-kind="standby">This master does not lead; the leader is
    ${leader === undefined ? html` <code>${state.leader}</code>` : html` <a href=${`${window.location.protocol}//${leader.address}/`}>${leader.address}</a>`}.</div>`;
}

function Page(props: { route: Route; state: MasterStateJson; nowMs: number }): Html {
  const { route, state, nowMs } = props;
  switch (route.page) {
    case 'overview': return html`<${Overview} state=${state} nowMs=${nowMs} />`;
    case 'agents': return html`<${Agents} state=${state} nowMs=${nowMs} filter=${route.filter} start=${route.start ?? 0} />`;
    case 'agent': return html`<${Agent} state=${state} nowMs=${nowMs} agentId=${route.agentId} />`;
    case 'frameworks': return html`<${Frameworks} state=${state} nowMs=${nowMs} />`;
    case 'framework': return html`<${Framework} state=${state} nowMs=${nowMs} frameworkId=${route.frameworkId} />`;
    case 'tasks': return html`<${Tasks} state=${state} nowMs=${nowMs} filter=${route.state} />`;
    case 'task': return html`<${Task} state=${state} nowMs=${nowMs} frameworkId=${route.frameworkId} taskId=${route.taskId} />`;
    case 'sandbox': return html`<${Sandbox} state=${state} route=${route} />`;
    case 'not-found': return html`<div class="page"><h1>Not found</h1><p>No page at <code>${route.hash}</code>. <a href="#/">Overview</a></p></div>`;
  }
}
