/**
 * Operator removals in the chaos simulation (chaos.ts, `ChaosOptions.operatorRemovals`): now and
 * then an operator marks an agent gone (the v1 operator API's MARK_AGENT_GONE) or tears a
 * framework down (v1 TEARDOWN, or `POST /master/teardown`) through the leading master.
 *
 * The agent is a registered one, one the master cannot reach (disconnected, marked unreachable,
 * or recovered from the registry and not back yet), or an id nobody ever had, which Mesos
 * answers 404 (`Agent '<id>' not found`, `Master::Http::_markAgentGone`). The framework is one
 * the run knows, now and then an id nobody ever had, which Mesos answers 400 (`No framework
 * found with specified ID`, `Master::Http::_teardown`).
 *
 * What a 200 answered holds from then on (`RemovalBook`): a gone agent is in the registry's gone
 * list, never registered or re-registered at any master (one that tries is told to shut down),
 * unknown to the allocator; a torn-down framework is completed at the master that answered (as
 * long as it leads: completed frameworks are not in the registry, Mesos' MESOS-1719), never
 * connected or active at any later one. A 503 (a transition of the agent under way, a master
 * that does not lead), a 500 (a registry write the run failed) or no answer (the master crashed)
 * leaves the outcome unknown: nothing is checked of it.
 */
import { dispatch } from '../../lib/actor';
import type { HttpRequest, HttpResponse, Prng } from '../../lib/process';
import { pick } from './chaos-faults';
import { answerExcerpt } from './chaos-operator';
import type { Master } from '../../actors/master/master';

/** Of the operator's removals, the share that marks an agent gone (the rest tear a framework down). */
export const MARK_GONE_PROBABILITY = 0.5;
/** Of the MARK_AGENT_GONE calls, the share naming an agent the master cannot reach now (when there is one). */
export const UNREACHABLE_TARGET_PROBABILITY = 0.5;
/** Of those, the share naming one the master marked unreachable (when there is one; the rest: one disconnected, or recovered and not back yet). */
export const MARKED_UNREACHABLE_PROBABILITY = 0.6;
/** Of the calls, the share naming an id nobody ever had (answered 404, or 400 for a framework). */
export const UNKNOWN_TARGET_PROBABILITY = 0.15;
/** Of the teardowns, the share sent to `POST /master/teardown` (the rest: v1 TEARDOWN). */
export const ENDPOINT_TEARDOWN_PROBABILITY = 0.5;
/** Agents (machines) a run marks gone at most: the rest of the cluster must run the frameworks. */
export const MAX_AGENTS_MARKED_GONE = 2;
/** Agent slots a mark-gone leaves at least (machines not retired). */
export const MIN_AGENT_SLOTS_LEFT = 2;
/** How the master refuses MARK_AGENT_GONE of an agent it has no record of (Mesos' words). */
export const AGENT_NOT_FOUND = 'not found';
/** How the master refuses a teardown of a framework it does not have (Mesos' words). */
export const FRAMEWORK_NOT_FOUND = 'No framework found with specified ID';
/** What the master tells a connected scheduler whose framework the operator tore down (this product's; Mesos tells it nothing, and refuses its next re-registration). */
export const TORN_DOWN_BY_OPERATOR_ERROR = 'Framework torn down by the operator';

/**
 * Which agent a MARK_AGENT_GONE names: one registered and connected; one the master marked
 * unreachable (in the registry's unreachable list: its tasks of partition-aware frameworks are
 * kept unreachable); one disconnected (partitioned, or crashed and not yet given up on) or
 * recovered from the registry and not back yet; an id nobody had.
 */
export type GoneTarget = 'registered' | 'unreachable' | 'disconnected' | 'unknown';

/** One call of the operator. */
export type RemovalCall =
  | { readonly kind: 'markGone'; readonly target: GoneTarget; readonly agentId: string }
  | { readonly kind: 'teardown'; readonly api: 'v1' | 'endpoint'; readonly frameworkId: string; readonly name: string | undefined };

/** What the operator may choose from: agents by standing at the master, frameworks by id (and name). */
export interface RemovalChoices {
  readonly registeredAgents: readonly string[];
  /** Marked unreachable. */
  readonly unreachableAgents: readonly string[];
  /** Disconnected, or recovered and not back yet. */
  readonly disconnectedAgents: readonly string[];
  readonly frameworks: ReadonlyArray<{ readonly frameworkId: string; readonly name: string }>;
  /** Whether another agent may be marked gone (`MAX_AGENTS_MARKED_GONE`, `MIN_AGENT_SLOTS_LEFT`). */
  readonly mayMarkGone: boolean;
}

/** A call drawn from `random`, or undefined when there is nothing to call on. `unknownId` makes up an id nobody had. */
export function planRemoval(random: Prng, choices: RemovalChoices, unknownId: (kind: 'agent' | 'framework') => string): RemovalCall | undefined {
  const markGone = random.next() < MARK_GONE_PROBABILITY;
  const unknown = random.next() < UNKNOWN_TARGET_PROBABILITY;
  if (!markGone) {
    const api = random.next() < ENDPOINT_TEARDOWN_PROBABILITY ? 'endpoint' : 'v1';
    if (unknown) return { kind: 'teardown', api, frameworkId: unknownId('framework'), name: undefined };
    if (choices.frameworks.length === 0) return undefined;
    const framework = pick(random, choices.frameworks);
    return { kind: 'teardown', api, frameworkId: framework.frameworkId, name: framework.name };
  }
  if (unknown) return { kind: 'markGone', target: 'unknown', agentId: unknownId('agent') };
  if (!choices.mayMarkGone) return undefined;
  const absent = choices.unreachableAgents.length + choices.disconnectedAgents.length > 0 && (random.next() < UNREACHABLE_TARGET_PROBABILITY || choices.registeredAgents.length === 0);
  if (absent) {
    const marked = choices.unreachableAgents.length > 0 && (random.next() < MARKED_UNREACHABLE_PROBABILITY || choices.disconnectedAgents.length === 0);
    return marked
      ? { kind: 'markGone', target: 'unreachable', agentId: pick(random, choices.unreachableAgents) }
      : { kind: 'markGone', target: 'disconnected', agentId: pick(random, choices.disconnectedAgents) };
  }
  if (choices.registeredAgents.length === 0) return undefined;
  return { kind: 'markGone', target: 'registered', agentId: pick(random, choices.registeredAgents) };
}

/** The call as the host hands it to the master's route: `/api/v1` (v1 JSON) or `/teardown` (a form). */
export function removalRequest(call: RemovalCall): HttpRequest {
  if (call.kind === 'teardown' && call.api === 'endpoint') {
    return {
      method: 'POST', path: '/teardown', query: {}, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(new URLSearchParams({ frameworkId: call.frameworkId }).toString()), remoteAddress: '127.0.0.1',
    };
  }
  const body = call.kind === 'markGone'
    ? { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: call.agentId } } }
    : { type: 'TEARDOWN', teardown: { framework_id: { value: call.frameworkId } } };
  return { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify(body)), remoteAddress: '127.0.0.1' };
}

/** Sends the call to `master`'s route in process and resolves with its answer. */
export async function callRemoval(master: Master, call: RemovalCall): Promise<HttpResponse> {
  const request = removalRequest(call);
  const route = master.runtime.routes.get(request.path);
  if (route === undefined) throw new Error(`the master serves no ${request.path} route`);
  return dispatch(master, (actor) => route.call(actor, request));
}

/** The call, for the run's log. */
export function describeRemovalCall(call: RemovalCall): string {
  if (call.kind === 'markGone') return `v1 MARK_AGENT_GONE of ${call.target === 'unknown' ? 'the unknown agent' : `${call.target} agent`} ${call.agentId}`;
  const how = call.api === 'endpoint' ? 'POST /master/teardown' : 'v1 TEARDOWN';
  return `${how} of ${call.name === undefined ? 'the unknown framework' : call.name} ${call.frameworkId}`;
}

/**
 * What is wrong with an answer to `call`, or undefined: a call naming an id nobody had is
 * refused (404 for an agent, 400 for a framework), never 200; a real agent's is 200, 404 (it
 * left the master's books meanwhile: removed for good, or replaced), 503 (a transition of it
 * under way, or a master that does not lead), 500 (a registry write the run failed) or none (the
 * master crashed); a real framework's is 200, 400 (the master no longer has it: it was removed,
 * or a new master never heard of it), 503 or none.
 */
export function removalAnswerViolation(call: RemovalCall, response: Pick<HttpResponse, 'status' | 'body'> | undefined): string | undefined {
  const status = response?.status ?? 0;
  const said = answerExcerpt(response);
  const wrong = `the operator's ${describeRemovalCall(call)} was answered ${status}: ${said}`;
  if (call.kind === 'markGone') {
    if (status === 404) return said.includes(AGENT_NOT_FOUND) ? undefined : wrong;
    if (call.target === 'unknown') return wrong;
    return [200, 500, 503, 0].includes(status) ? undefined : wrong;
  }
  if (status === 400) return said.includes(FRAMEWORK_NOT_FOUND) ? undefined : wrong;
  if (call.name === undefined) return wrong;
  return [200, 503, 0].includes(status) ? undefined : wrong;
}

/** A framework the operator tore down (answered 200): when, and by which master. */
export interface TornDown {
  readonly atMs: number;
  readonly master: Master;
}

/**
 * What the operator was told was done, and the calls in flight (each with the master it went to).
 */
export class RemovalBook {
  /** Agents marked gone (answered 200). */
  readonly goneAgents = new Set<string>();
  /** Frameworks torn down (answered 200), by id. */
  readonly tornDown = new Map<string, TornDown>();
  /** Calls sent and not yet answered, each with the master it went to. */
  private readonly inFlight = new Map<RemovalCall, Master>();
  /** Answers by call and status (`MARK_AGENT_GONE (registered) 200`, `teardown 200`...), for the run's summary. */
  readonly answers: Record<string, number> = {};

  sent(call: RemovalCall, master: Master): void {
    this.inFlight.set(call, master);
  }

  /** Calls sent and not yet answered. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Whether a call on this agent or framework is in flight. */
  busy(id: string): boolean {
    return [...this.inFlight.keys()].some((call) => (call.kind === 'markGone' ? call.agentId : call.frameworkId) === id);
  }

  /** Calls whose master crashed (`alive` says no) will never be answered in process: each is taken as no answer. */
  abandonGone(alive: (master: Master) => boolean, nowMs: number): void {
    for (const [call, master] of [...this.inFlight]) if (!alive(master)) this.answered(call, undefined, nowMs);
  }

  /** Takes the answer to `call` (undefined: none came) at `nowMs`; returns what is wrong with it, or undefined. */
  answered(call: RemovalCall, response: Pick<HttpResponse, 'status' | 'body'> | undefined, nowMs: number): string | undefined {
    const master = this.inFlight.get(call);
    // An answer to a call already taken as unanswered (its master crashed) is not one.
    if (master === undefined) return undefined;
    this.inFlight.delete(call);
    const status = response?.status ?? 0;
    const what = call.kind === 'markGone' ? `MARK_AGENT_GONE (${call.target})` : `teardown${call.name === undefined ? ' (unknown)' : ''}`;
    this.answers[`${what} ${status}`] = (this.answers[`${what} ${status}`] ?? 0) + 1;
    const wrong = removalAnswerViolation(call, response);
    if (wrong === undefined && status === 200) {
      if (call.kind === 'markGone') this.goneAgents.add(call.agentId);
      else this.tornDown.set(call.frameworkId, { atMs: nowMs, master });
    }
    return wrong;
  }
}
