/**
 * Agent draining and deactivation in the chaos simulation (chaos.ts, `ChaosOptions.drainAgents`):
 * now and then an operator drains an agent (v1 DRAIN_AGENT, with or without `max_grace_period`,
 * now and then with `mark_gone`), deactivates it (DEACTIVATE_AGENT) or reactivates it
 * (REACTIVATE_AGENT) through the leading master (actors/master/drain.ts).
 *
 * The agent is a registered and connected one, one the master cannot reach now (disconnected,
 * marked unreachable, or recovered from the registry and not back yet), or an id nobody ever had,
 * which Mesos refuses (`Master::Http::_drainAgent` and `_deactivateAgent`: 400 `Unknown agent`;
 * `_reactivateAgent`: 400 `Agent is not deactivated`).
 *
 * What a 200 answered holds from then on (`DrainBook`), at whichever master leads, for as long as
 * the agent is known (registered, recovered, or unreachable: Mesos keeps the deactivation and the
 * draining on the registry's entry, which goes only when the agent leaves for good): drained or
 * deactivated, the registry holds the deactivation (and the draining) and the master has the agent
 * inactive (`drainBookHolds`); reactivated, neither does. A 409 (the agent left, or the master's
 * registry fenced), a 500, a 503 or no answer (the master crashed) leaves the outcome unknown:
 * nothing is checked of that agent until the next 200 about it.
 *
 * Besides, whatever the operator was told (`deactivatedAgentsUnoffered`, `drainedAgentsRefuseWork`,
 * `drainsSettled`): a deactivated agent is inactive at the master and in the allocator and has no
 * outstanding offer; no task launched after the run saw its agent deactivated is live at the master;
 * an agent that drains (its `/state` shows `drain_config`) is one the master drains, and once
 * nothing is in flight one the master has DRAINING with live tasks drains (`drainingAgentsDrain`);
 * and at quiescence no connected agent is still DRAINING unless the master holds an operation on
 * it (a framework may never acknowledge one, as in Mesos): with its tasks killed and acknowledged,
 * it is DRAINED, or gone with `mark_gone`; a reactivated one is active again.
 */
import { dispatch } from '../../lib/actor';
import type { HttpRequest, HttpResponse, Prng } from '../../lib/process';
import { pick } from './chaos-faults';
import { answerExcerpt } from './chaos-operator';
import { agentLiveTasks, type ClusterSnapshot } from './chaos-invariants';
import type { Master } from '../../actors/master/master';

/** Of the operator's calls, the share that drains an agent. */
export const DRAIN_PROBABILITY = 0.45;
/** Of the rest, the share that deactivates one (the others reactivate one). */
export const DEACTIVATE_PROBABILITY = 0.45;
/** Of the calls, the share naming an id nobody ever had (refused with 400). */
export const UNKNOWN_AGENT_PROBABILITY = 0.12;
/** Of the drains and deactivations, the share naming an agent the master cannot reach now (when there is one). */
export const ABSENT_TARGET_PROBABILITY = 0.35;
/** Of those, the share naming one the master marked unreachable (when there is one; the rest: one disconnected, or recovered and not back yet). */
export const UNREACHABLE_TARGET_PROBABILITY = 0.25;
/** Of the reactivations, the share naming an agent the master has deactivated (when there is one; the rest: any agent, mostly refused). */
export const DEACTIVATED_TARGET_PROBABILITY = 0.85;
/** Of those, the share naming a registered one (when there is one; the rest: any deactivated one, absent ones too). */
export const REGISTERED_FIRST_PROBABILITY = 0.8;
/** Of the drains, the share with a `max_grace_period`. */
export const GRACE_PERIOD_PROBABILITY = 0.6;
/** The `max_grace_period`s a drain asks for (seconds): none at all, shorter and longer than a kill's own (3 s). */
export const MAX_GRACE_PERIODS_SECONDS: readonly number[] = [0, 1, 5, 30];
/** Of the drains, the share with `mark_gone` (while `MAX_DRAINS_MARKED_GONE` allows). */
export const MARK_GONE_PROBABILITY = 0.2;
/** Drains with `mark_gone` a run sends at most: each takes an agent away for good (its machine comes back as a new agent). */
export const MAX_DRAINS_MARKED_GONE = 2;
/** Agents the master offers (active) that a drain or a deactivation leaves at least, so that the frameworks have somewhere to run. */
export const MIN_ACTIVE_AGENTS_LEFT = 1;
/** Tasks a broken invariant names at most (the rest are counted). */
export const MAX_TASKS_NAMED = 6;
/** How the master refuses a drain or deactivation of an agent it has no record of (Mesos' words). */
export const UNKNOWN_AGENT = 'Unknown agent';
/** How the master refuses a reactivation of an agent not deactivated (Mesos' words). */
export const NOT_DEACTIVATED = 'Agent is not deactivated';
/** How the master refuses a reactivation of an agent still DRAINING (Mesos' words). */
export const STILL_DRAINING = 'Agent is still in the DRAINING state';

/** Which agent a call names: registered and connected; one the master cannot reach now; an id nobody had. */
export type DrainTarget = 'registered' | 'absent' | 'unknown';

/** One call of the operator. */
export type DrainCall =
  | { readonly kind: 'drain'; readonly target: DrainTarget; readonly agentId: string; readonly maxGracePeriodSeconds: number | undefined; readonly markGone: boolean }
  | { readonly kind: 'deactivate' | 'reactivate'; readonly target: DrainTarget; readonly agentId: string };

/** What the operator may choose from: agents by standing at the leading master. */
export interface DrainChoices {
  /** Registered and connected, and not being called about. */
  readonly registeredAgents: readonly string[];
  /** Disconnected, or recovered and not back yet (most come back under their id); not being called about. */
  readonly absentAgents: readonly string[];
  /** Marked unreachable (mostly old ids that never come back); not being called about. */
  readonly unreachableAgents: readonly string[];
  /** Of both, those the master has deactivated (or drained). */
  readonly deactivatedAgents: readonly string[];
  /** Registered agents the master offers now (active). */
  readonly activeAgents: number;
  /** Whether a drain may ask for `mark_gone` (`MAX_DRAINS_MARKED_GONE`). */
  readonly mayMarkGone: boolean;
}

/** A call drawn from `random`, or undefined when there is nothing to call on. `unknownId` makes up an id nobody had. */
export function planDrain(random: Prng, choices: DrainChoices, unknownId: () => string): DrainCall | undefined {
  const kind = random.next() < DRAIN_PROBABILITY ? 'drain' : random.next() < DEACTIVATE_PROBABILITY ? 'deactivate' : 'reactivate';
  const unknown = random.next() < UNKNOWN_AGENT_PROBABILITY;
  const target = unknown ? { target: 'unknown' as const, agentId: unknownId() } : chooseTarget(random, kind, choices);
  if (target === undefined) return undefined;
  if (kind !== 'drain') return { kind, ...target };
  const maxGracePeriodSeconds = random.next() < GRACE_PERIOD_PROBABILITY ? pick(random, MAX_GRACE_PERIODS_SECONDS) : undefined;
  const markGone = random.next() < MARK_GONE_PROBABILITY && choices.mayMarkGone;
  return { kind, ...target, maxGracePeriodSeconds, markGone };
}

/** The agent a drain, deactivation or reactivation of a real agent names, or undefined when none fits. */
function chooseTarget(random: Prng, kind: DrainCall['kind'], choices: DrainChoices): { readonly target: DrainTarget; readonly agentId: string } | undefined {
  const absent = new Set([...choices.absentAgents, ...choices.unreachableAgents]);
  const targetOf = (agentId: string): DrainTarget => (absent.has(agentId) ? 'absent' : 'registered');
  if (kind === 'reactivate') {
    // Registered ones first: those then come back to the offers (the absent ones are mostly old ids that never come back).
    const registered = new Set(choices.registeredAgents);
    const deactivatedHere = choices.deactivatedAgents.filter((agentId) => registered.has(agentId));
    const deactivated = deactivatedHere.length > 0 && random.next() < REGISTERED_FIRST_PROBABILITY ? deactivatedHere : choices.deactivatedAgents;
    const candidates = deactivated.length > 0 && random.next() < DEACTIVATED_TARGET_PROBABILITY ? deactivated : [...choices.registeredAgents, ...absent];
    if (candidates.length === 0) return undefined;
    const agentId = pick(random, candidates);
    return { target: targetOf(agentId), agentId };
  }
  if (absent.size > 0 && (random.next() < ABSENT_TARGET_PROBABILITY || choices.registeredAgents.length === 0)) {
    const unreachable = choices.unreachableAgents.length > 0 && (random.next() < UNREACHABLE_TARGET_PROBABILITY || choices.absentAgents.length === 0);
    return { target: 'absent', agentId: pick(random, unreachable ? choices.unreachableAgents : choices.absentAgents) };
  }
  // Not the last agents offered: the frameworks need somewhere to run (one already deactivated may be drained any time).
  const deactivated = new Set(choices.deactivatedAgents);
  const mayStopOffering = choices.activeAgents > MIN_ACTIVE_AGENTS_LEFT;
  const candidates = choices.registeredAgents.filter((agentId) => mayStopOffering || deactivated.has(agentId));
  if (candidates.length === 0) return undefined;
  return { target: 'registered', agentId: pick(random, candidates) };
}

/** The call as the host hands it to the master's `/api/v1` route (v1 JSON). */
export function drainRequest(call: DrainCall): HttpRequest {
  const agentId = { agent_id: { value: call.agentId } };
  const body = call.kind === 'drain'
    ? {
      type: 'DRAIN_AGENT',
      drain_agent: { ...agentId, ...(call.maxGracePeriodSeconds !== undefined ? { max_grace_period: { seconds: call.maxGracePeriodSeconds } } : {}), ...(call.markGone ? { mark_gone: true } : {}) },
    }
    : call.kind === 'deactivate' ? { type: 'DEACTIVATE_AGENT', deactivate_agent: agentId } : { type: 'REACTIVATE_AGENT', reactivate_agent: agentId };
  return { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify(body)), remoteAddress: '127.0.0.1' };
}

/** Sends the call to `master`'s route in process and resolves with its answer. */
export async function callDrain(master: Master, call: DrainCall): Promise<HttpResponse> {
  const request = drainRequest(call);
  const route = master.runtime.routes.get(request.path);
  if (route === undefined) throw new Error(`the master serves no ${request.path} route`);
  return dispatch(master, (actor) => route.call(actor, request));
}

/** The call, for the run's log. */
export function describeDrainCall(call: DrainCall): string {
  const agent = call.target === 'unknown' ? `the unknown agent ${call.agentId}` : `${call.target} agent ${call.agentId}`;
  if (call.kind !== 'drain') return `v1 ${call.kind === 'deactivate' ? 'DEACTIVATE_AGENT' : 'REACTIVATE_AGENT'} of ${agent}`;
  const options = [call.maxGracePeriodSeconds !== undefined ? `max_grace_period ${call.maxGracePeriodSeconds} s` : '', call.markGone ? 'mark_gone' : ''].filter((text) => text !== '');
  return `v1 DRAIN_AGENT of ${agent}${options.length > 0 ? ` (${options.join(', ')})` : ''}`;
}

/**
 * What is wrong with an answer to `call`, or undefined. An id nobody had is refused (400, Mesos'
 * words), never granted. A real agent's drain or deactivation is 200, 400 `Unknown agent` (it
 * left the master's books meanwhile), 409 (it is being marked gone, or left while the change was
 * written), 503 (a master that no longer leads) or none (the master crashed); never 400 for a
 * reason of its own (every agent here can drain) nor 403 (no ACLs). A reactivation is 200, or 400
 * `Agent is not deactivated` or `Agent is still in the DRAINING state` (what the master has is
 * checked apart: `drainBookHolds`), 409, 503 or none.
 */
export function drainAnswerViolation(call: DrainCall, response: Pick<HttpResponse, 'status' | 'body'> | undefined): string | undefined {
  const status = response?.status ?? 0;
  const said = answerExcerpt(response);
  const wrong = `the operator's ${describeDrainCall(call)} was answered ${status}: ${said}`;
  if (status === 0 || status === 503) return undefined;
  const refusals = call.kind === 'reactivate' ? [NOT_DEACTIVATED, STILL_DRAINING] : [UNKNOWN_AGENT];
  if (status === 400) return refusals.some((words) => said.includes(words)) ? undefined : wrong;
  if (call.target === 'unknown') return wrong;
  return status === 200 || status === 409 ? undefined : wrong;
}

/** What the operator was told holds of an agent (by the last 200 about it). */
export type DrainExpectation =
  /** Deactivated; drained too or not (a deactivation keeps a draining). */
  | { readonly state: 'deactivated' }
  /** Drained (DRAINING, or DRAINED by now), and deactivated. */
  | { readonly state: 'draining'; readonly markGone: boolean }
  /** Reactivated: neither. */
  | { readonly state: 'active' };

/** What the operator was told, and its calls in flight (each with the master it went to). */
export class DrainBook {
  /** By agent id: what the last 200 about it said (absent: nothing, or an answer that left it unknown since). */
  readonly expected = new Map<string, DrainExpectation>();
  /** Agents drained with `mark_gone` (answered 200): each is gone for good once DRAINED. */
  readonly markedGone = new Set<string>();
  /** Agents an operator reactivated (answered 200), ever: an agent may drain on a while after (its executors end). */
  readonly reactivated = new Set<string>();
  /** Calls sent and not yet answered, each with the master it went to. */
  private readonly inFlight = new Map<DrainCall, Master>();
  /** Answers by call and status (`DRAIN_AGENT (registered) 200`...), for the run's summary. */
  readonly answers: Record<string, number> = {};

  /** Notes a call sent to `master`, until its answer comes (`answered`). */
  sent(call: DrainCall, master: Master): void {
    this.inFlight.set(call, master);
  }

  /** Calls sent and not yet answered. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Whether a call about this agent is in flight (of `kind`, if given). */
  busy(agentId: string, kind?: DrainCall['kind']): boolean {
    return [...this.inFlight.keys()].some((call) => call.agentId === agentId && (kind === undefined || call.kind === kind));
  }

  /** Calls whose master crashed (`alive` says no) will never be answered in process: each is taken as no answer. */
  abandonGone(alive: (master: Master) => boolean): void {
    for (const [call, master] of [...this.inFlight]) if (!alive(master)) this.answered(call, undefined);
  }

  /** Takes the answer to `call` (undefined: none came); returns what is wrong with it, or undefined. */
  answered(call: DrainCall, response: Pick<HttpResponse, 'status' | 'body'> | undefined): string | undefined {
    // An answer to a call already taken as unanswered (its master crashed) is not one.
    if (!this.inFlight.delete(call)) return undefined;
    const status = response?.status ?? 0;
    const key = `${call.kind === 'drain' ? 'DRAIN_AGENT' : call.kind === 'deactivate' ? 'DEACTIVATE_AGENT' : 'REACTIVATE_AGENT'} (${call.target}) ${status}`;
    this.answers[key] = (this.answers[key] ?? 0) + 1;
    const wrong = drainAnswerViolation(call, response);
    if (wrong !== undefined || call.target === 'unknown') return wrong;
    if (status === 400) return undefined; // refused: nothing changed
    if (status !== 200) {
      this.expected.delete(call.agentId); // unknown now
      return undefined;
    }
    const before = this.expected.get(call.agentId);
    if (call.kind === 'drain') {
      this.expected.set(call.agentId, { state: 'draining', markGone: call.markGone });
      if (call.markGone) this.markedGone.add(call.agentId);
    } else if (call.kind === 'deactivate') {
      this.expected.set(call.agentId, before?.state === 'draining' ? before : { state: 'deactivated' });
    } else {
      this.expected.set(call.agentId, { state: 'active' });
      this.reactivated.add(call.agentId);
    }
    return undefined;
  }

  /** The agent left the master's and the registry's books for good: what was said of it no longer holds. */
  forget(agentId: string): void {
    this.expected.delete(agentId);
  }
}

/** An agent's draining as the master's `/state` renders it (`drain_info`). */
export interface RenderedDrainInfo {
  readonly state: string;
  readonly config?: { readonly mark_gone?: boolean };
}

/**
 * After every step, whatever the operator was told: each agent the master has deactivated is
 * inactive there and in the allocator, with no outstanding offer; each agent the registry holds
 * deactivated, the master registered has deactivated too (its books come from the registry).
 */
export function deactivatedAgentsUnoffered(snapshot: ClusterSnapshot): string[] {
  const broken: string[] = [];
  const deactivatedInRegistry = snapshot.registry.deactivated;
  for (const agent of snapshot.master.slaves) {
    const inRegistry = deactivatedInRegistry?.has(agent.id) === true;
    if (inRegistry && agent.deactivated !== true) broken.push(`agent ${agent.id} is deactivated in the registry but not at the master (active: ${agent.active})`);
    if (agent.deactivated !== true) continue;
    if (agent.active) broken.push(`agent ${agent.id} is deactivated but active at the master`);
    if (snapshot.allocator.agents.get(agent.id)?.active === true) broken.push(`agent ${agent.id} is deactivated but active in the allocator`);
    for (const framework of snapshot.master.frameworks) {
      for (const offer of framework.offers.filter((candidate) => candidate.slave_id === agent.id)) {
        broken.push(`agent ${agent.id} is deactivated${agent.drain_info !== undefined ? ` (${agent.drain_info.state})` : ''} but ${framework.name} holds its offer ${offer.id}`);
      }
    }
  }
  return broken;
}

/**
 * After every step: no task launched after `deactivatedSinceMs` of its agent (when the operator
 * heard the 200 of its deactivation or draining, or a check first saw the master have it
 * deactivated, with no offer of it out) is live at the master; such a launch used an offer the
 * master rescinded, which it must refuse. A launch in the same millisecond may have come first
 * (seed 60 of 150 steps: a framework launched at once on the offer it got as it re-registered,
 * and the operator deactivated the agent in that millisecond). `launchedAtMs` says when a framework
 * sent a task's launch (undefined: not one the run launched).
 */
export function noLaunchOnDeactivated(snapshot: ClusterSnapshot, deactivatedSinceMs: ReadonlyMap<string, number>, launchedAtMs: (frameworkId: string, taskId: string) => number | undefined): string[] {
  const broken: string[] = [];
  for (const framework of snapshot.master.frameworks) {
    for (const task of framework.tasks) {
      const sinceMs = deactivatedSinceMs.get(task.slave_id);
      const sentMs = launchedAtMs(framework.id, task.id);
      if (sinceMs === undefined || sentMs === undefined || sentMs <= sinceMs) continue;
      broken.push(`${framework.name}'s task ${task.id} (${task.state}), launched at ${sentMs} ms, is live on agent ${task.slave_id}, deactivated since ${sinceMs} ms`);
    }
  }
  return broken;
}

/**
 * After every step, what a 200 told the operator holds at the leading master, for every agent
 * not being called about that the master knows (registered, recovered, or unreachable in the
 * registry): deactivated or drained, the registry holds it (drained: with its draining) and the
 * registered agent is deactivated (drained: with `drain_info`); reactivated, neither.
 */
export function drainBookHolds(snapshot: ClusterSnapshot, book: DrainBook): string[] {
  const broken: string[] = [];
  const registry = snapshot.registry.deactivated ?? new Map<string, RenderedDrainInfo | undefined>();
  for (const [agentId, expected] of book.expected) {
    if (book.busy(agentId) || !knownToMaster(snapshot, agentId)) continue;
    const registered = snapshot.master.slaves.find((agent) => agent.id === agentId);
    const what = `agent ${agentId}, ${expected.state === 'active' ? 'reactivated' : expected.state === 'draining' ? 'drained' : 'deactivated'} (200)`;
    if (expected.state === 'active') {
      if (registry.has(agentId)) broken.push(`${what}, is deactivated in the registry`);
      if (registered?.deactivated === true) broken.push(`${what}, is deactivated at the master`);
      continue;
    }
    if (!registry.has(agentId)) broken.push(`${what}, is not deactivated in the registry`);
    if (registered !== undefined && registered.deactivated !== true) broken.push(`${what}, is not deactivated at the master (active: ${registered.active})`);
    if (expected.state !== 'draining') continue;
    if (registry.has(agentId) && registry.get(agentId) === undefined) broken.push(`${what}, has no draining in the registry`);
    if (registered !== undefined && registered.drain_info === undefined) broken.push(`${what}, has no drain_info at the master`);
  }
  return broken;
}

/** Whether the master has any record of the agent: registered, recovered from the registry, or admitted or unreachable there. */
export function knownToMaster(snapshot: ClusterSnapshot, agentId: string): boolean {
  const { master, registry } = snapshot;
  return master.slaves.some((agent) => agent.id === agentId) || master.recovered_slaves.some((agent) => agent.id === agentId) ||
    registry.admitted.includes(agentId) || registry.unreachable.includes(agentId);
}

/**
 * After every step: an agent that drains (its `/state` shows `drain_config`), registered at the
 * master under its id and pid, is one the master drains (`drain_info`), unless an operator
 * reactivated it (it may drain on a while after it is DRAINED at the master, until its
 * executors end, as Mesos' agent does).
 */
export function drainedAgentsRefuseWork(snapshot: ClusterSnapshot, book: DrainBook): string[] {
  const broken: string[] = [];
  for (const agent of snapshot.agents) {
    if (agent.drain_config === undefined || book.reactivated.has(agent.id)) continue;
    const registered = snapshot.master.slaves.find((candidate) => candidate.id === agent.id && candidate.pid === agent.pid);
    if (registered !== undefined && registered.drain_info === undefined) broken.push(`agent ${agent.id} (${agent.pid}) drains, but the master does not drain it (deactivated: ${registered.deactivated === true})`);
  }
  return broken;
}

/**
 * Once nothing may be in flight any more (no fault in force for a while, or quiescence): an
 * agent the master has DRAINING, registered and connected under its id and pid, that still has
 * live tasks, drains them (its `/state` shows `drain_config`): the master told it when it was
 * drained, or when it came back (Mesos sends DrainSlaveMessage again at each re-registration).
 */
export function drainingAgentsDrain(snapshot: ClusterSnapshot): string[] {
  const broken: string[] = [];
  for (const agent of snapshot.master.slaves.filter((candidate) => candidate.connected && candidate.drain_info?.state === 'DRAINING')) {
    const here = snapshot.agents.find((candidate) => candidate.id === agent.id && candidate.pid === agent.pid);
    if (here === undefined || here.drain_config !== undefined) continue;
    const live = agentLiveTasks(here);
    if (live.length > 0) broken.push(`agent ${agent.id} is DRAINING at the master, but does not drain: it runs ${live.map((task) => `${task.framework_id}/${task.id} (${task.state})`).join(', ')}`);
  }
  return broken;
}

/**
 * At quiescence (faults stopped, every retry done): no connected agent is still DRAINING though
 * the master holds no operation on it (`operationsOn`: one a framework has not acknowledged
 * keeps it DRAINING for good, as in Mesos, whose frameworks here may never acknowledge), and
 * some task on it, if any, is of a framework connected there (a task's terminal update nobody
 * acknowledges keeps it DRAINING too, as in Mesos: seed 90 of 150 steps with three masters and
 * recovering agents, where a new master took torn-down frameworks back from the drained agent's
 * report, MESOS-1719, and their TASK_KILLED waited for schedulers that were gone); with every
 * task killed and acknowledged, it is DRAINED, or gone with `mark_gone`. None is DRAINED
 * that was to be marked gone; no agent drains that the master does not; every agent the operator
 * reactivated, registered and connected, is active at the master and in the allocator.
 */
export function drainsSettled(snapshot: ClusterSnapshot, book: DrainBook, operationsOn: (agentId: string) => number): string[] {
  const broken: string[] = [];
  for (const agent of snapshot.master.slaves.filter((candidate) => candidate.connected)) {
    const drain = agent.drain_info;
    const on = snapshot.master.frameworks.flatMap((framework) => framework.tasks.filter((task) => task.slave_id === agent.id).map((task) => ({ framework, task })));
    // Only tasks of frameworks with no scheduler left (one a new master took back from the agent's report after its teardown) is no broken liveness.
    const orphaned = on.length > 0 && on.every(({ framework }) => !framework.connected);
    if (drain?.state === 'DRAINING' && operationsOn(agent.id) === 0 && !orphaned) {
      const tasks = on.map(({ framework, task }) => `${framework.name}/${task.id} ${task.state}`);
      broken.push(`agent ${agent.id} is still DRAINING once the faults have stopped (${tasks.length} task(s) live on it at the master${tasks.length > 0 ? `: ${tasks.slice(0, MAX_TASKS_NAMED).join(', ')}` : ''}; no operation)`);
    }
    if (drain?.state === 'DRAINED' && drain.config?.mark_gone === true) broken.push(`agent ${agent.id} is DRAINED with mark_gone, but not gone`);
    const expected = book.expected.get(agent.id);
    if (expected?.state === 'active' && !book.busy(agent.id)) {
      if (!agent.active) broken.push(`agent ${agent.id} was reactivated (200) but is inactive at the master`);
      if (snapshot.allocator.agents.get(agent.id)?.active !== true) broken.push(`agent ${agent.id} was reactivated (200) but is not active in the allocator`);
    }
  }
  for (const agent of snapshot.agents.filter((candidate) => candidate.drain_config !== undefined && !book.reactivated.has(candidate.id))) {
    const atMaster = snapshot.master.slaves.find((candidate) => candidate.id === agent.id);
    if (atMaster?.drain_info === undefined) broken.push(`agent ${agent.id} (${agent.pid}) still drains once the faults have stopped, but the master does not drain it`);
  }
  return broken;
}
