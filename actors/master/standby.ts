/**
 * A master that does not lead (`--zk`): it holds the master's address while it contends,
 * redirects the leader's endpoints to the leader (307 to `//host:port/master/<path>?<query>`, or
 * 503 when no master leads; a request without the credentials the leader would ask for gets the
 * leader's 401 first: `StandbyIdentity.refusal`), serves `/master/flags`, `/master/health` and `/master/redirect`
 * itself (all as Mesos' non-elected master), and drops what agents and schedulers send it
 * (Mesos' ignores them too; their detectors take them to the leader). Its host's `/` (the web
 * UI) redirects to the leader's. Once elected, the bin replaces it with a `Master` at the same
 * address.
 */
import { Actor, UPID } from '../../lib/actor';
import type { DetectedMaster } from '../../lib/ha/election';
import type { HttpRequest, HttpResponse } from '../../lib/process';
import * as Messages from '../../lib/protocol/messages';
import { MASTER_ACTOR_ID } from './constants';
import { MASTER_ROUTE_ACCESS, OPERATOR_API_PATH, SCHEDULER_API_PATH } from './route-access';

/** Senders a standby names in its log when it drops their messages (the rest are logged at debug). */
export const MAX_STANDBY_LOGGED_SENDERS = 1_000;
/** What an elected master answers for the leader's endpoints until its master runs (Mesos' words). */
export const MASTER_RECOVERING = 'Master has not finished recovery';
/** The `Retry-After` of those answers: a master recovers in about this long (a registry read). */
export const RECOVERING_RETRY_AFTER_SECONDS = 1;

/**
 * The 503 for what a leading master serves, from a master that does not serve it now: recovering
 * (elected, its master not running yet), or knowing no leader to send the client to.
 */
export function notLeadingAnswer(recovering: boolean): HttpResponse {
  return { status: 503, headers: { 'retry-after': String(RECOVERING_RETRY_AFTER_SECONDS) }, body: recovering ? `${MASTER_RECOVERING}\n` : 'no master is leading\n' };
}
/** Registrations an elected master holds while it recovers (one per sender and kind; beyond this they are dropped, and retried by their senders). */
export const MAX_HELD_REGISTRATIONS = 50_000;

/**
 * What a master elected but still recovering holds for the master it is about to start: the
 * registrations of the agents and schedulers that already follow it. Not an `Authenticate`: held
 * and handed over, it started an exchange at the master after its sender, its link to the
 * standby broken, had started another, and the master's answer to the stale one failed the new
 * one ("wrong principal or secret", and the scheduler stopped: found on real processes). Its
 * sender starts again when the standby's link breaks. Anything else from before
 * the master runs (updates, pongs, calls) is dropped: their senders re-send once registered.
 */
const HELD_WHILE_RECOVERING = [Messages.RegisterAgent, Messages.ReregisterAgent, Messages.RegisterFramework, Messages.ReregisterFramework] as const;

/** A registration held for the starting master, its body checked. */
export interface HeldRegistration {
  readonly from: string;
  readonly name: string;
  readonly body: unknown;
}

/** What agents and schedulers send a master; a standby drops each of them. */
const MASTER_BOUND_MESSAGES = [
  Messages.Authenticate, Messages.RegisterFramework, Messages.ReregisterFramework, Messages.UnregisterFramework, Messages.UpdateFrameworkCall, Messages.DeactivateFramework,
  Messages.AcceptOffers, Messages.LaunchTasks, Messages.DeclineOffers, Messages.ReviveOffers, Messages.SuppressOffers,
  Messages.KillTask, Messages.ShutdownExecutorCall, Messages.StatusUpdateAcknowledgement, Messages.ReconcileTasks, Messages.FrameworkToExecutor,
  Messages.RegisterAgent, Messages.ReregisterAgent, Messages.UnregisterAgent, Messages.Pong, Messages.StatusUpdateMessage,
  Messages.ExitedExecutor, Messages.ExecutorToFramework, Messages.UpdateAgent,
] as const;

/** Registrations a standby drops with a warning (once per sender) that names the leader: their senders wait for an answer. */
const STANDBY_WARNED_REGISTRATIONS: ReadonlySet<string> = new Set([
  Messages.RegisterAgent.name, Messages.ReregisterAgent.name, Messages.RegisterFramework.name, Messages.ReregisterFramework.name,
]);

/**
 * The endpoints a leading master serves under `/master`, redirected to the leader by a standby:
 * those that ask for credentials (`MASTER_ROUTE_ACCESS`; `/quota/*` is routed below, with its
 * role), and the v1 APIs under `/master` too. `/state` among them, as Mesos': a standby once
 * served its own, with no frameworks or agents, which a dashboard or `curl -L` behind a load
 * balancer over the masters read as an empty cluster. Mesos' reserve, unreserve, createVolumes,
 * destroyVolumes and maintenance endpoints redirect too (a standby answered 404 for them).
 */
const REDIRECTED_ROUTES: readonly string[] = [...Object.keys(MASTER_ROUTE_ACCESS).filter((route) => route !== '/quota/*'), SCHEDULER_API_PATH, OPERATOR_API_PATH];

/** Who a standby is: its pid text, what it advertises, and how it answers `/master/flags` (its own flags, as Mesos' standby). */
export interface StandbyIdentity {
  readonly pid: string;
  readonly hostname: string;
  /** `GET /master/flags` (authentication and `view_flags` included: `flagsResponse`); without it the route is the leader's (307). */
  readonly flags?: (request: HttpRequest) => HttpResponse;
  /**
   * The 401 the leader would answer a request at a path (`/state`, `/api/v1`, ...: `standbyRefusal`),
   * asked before the redirect, as Mesos' libprocess authenticates before its standby's handler
   * redirects; without it, no credentials are asked.
   */
  readonly refusal?: (path: string, request: HttpRequest) => HttpResponse | undefined;
}

/**
 * The non-leading master actor (id `master`).
 * @example host.spawn(new StandbyMaster(info)); standby.leaderChanged(detected);
 */
/**
 * What a master that does not lead reports at `/metrics/snapshot` (Mesos' non-elected master
 * reports `master/elected` 0 too), `startedAtMs` being when its process started; the master's
 * other metrics come with leadership.
 */
export function notLeadingMetrics(nowMs: number, startedAtMs: number): Record<string, number> {
  return { 'master/elected': 0, 'master/uptime_secs': (nowMs - startedAtMs) / 1000 };
}

export class StandbyMaster extends Actor {
  private leader: DetectedMaster | undefined;
  private readonly loggedSenders = new Set<string>();
  /** While elected and recovering: the registrations to hand to the master (by sender and kind: the latest). */
  private held: Map<string, HeldRegistration> | undefined;

  /** @param own who this master is (`StandbyIdentity`) @param actorId default `master` (a simulation running several masters on one host gives each its own) */
  constructor(private readonly own: StandbyIdentity, actorId: string = MASTER_ACTOR_ID) {
    super(actorId);
    // By name: the bodies are not read, so they need no checking.
    for (const type of MASTER_BOUND_MESSAGES) this.install(type.name, (from, body) => this.notLeading(from.toString(), type.name, body));
    this.route('/health', () => ({ status: 200, body: '' }));
    this.route('/redirect', () => this.redirect(''));
    const flags = own.flags;
    this.route('/flags', (request) => (flags !== undefined ? flags(request) : this.redirect('/master/flags', request)));
    const refusal = own.refusal;
    for (const path of REDIRECTED_ROUTES) this.route(path, (request) => refusal?.(path, request) ?? this.redirect(`/master${path}`, request));
    // `DELETE /master/quota/<role>`: the role goes along.
    this.route('/quota/*', (request) => refusal?.('/quota/*', request) ?? this.redirect(`/master${request.path}`, request));
    // The web UI: a standby's host delegates `/` here (ContendingMaster), and it sends the
    // browser to the leader's UI.
    this.route('/', () => this.redirect('/'));
  }


  /** The leader changed (the contender's view); `undefined`: none. */
  leaderChanged(leader: DetectedMaster | undefined): void {
    this.leader = leader;
  }

  /** This master was elected and recovers: from now on registrations are held for it (`release`). */
  hold(): void {
    this.held ??= new Map();
  }

  /** The registrations held since `hold`, oldest first; holding stops. */
  release(): HeldRegistration[] {
    const held = [...(this.held?.values() ?? [])];
    this.held = undefined;
    return held;
  }

  private notLeading(from: string, name: string, body: unknown): void {
    if (this.held !== undefined && this.holdRegistration(from, name, body)) return;
    const first = !this.loggedSenders.has(from) && this.loggedSenders.size < MAX_STANDBY_LOGGED_SENDERS;
    if (first) this.loggedSenders.add(from);
    const details = { from, name, leader: this.leader?.pid };
    if (first && STANDBY_WARNED_REGISTRATIONS.has(name)) {
      // An agent or framework pointed at this master by address waits here for good: say where to point it.
      this.log.warn(details, `dropping ${name}: this master is a standby (the leader is ${this.leader?.pid ?? 'not known'}); give the sender --master zk://... to follow the leader`);
    } else if (first) this.log.info(details, 'dropping a message: this master is not the leader');
    else this.log.debug(details, 'dropping a message: this master is not the leader');
  }

  /** Keeps a registration for the starting master, if it is one and its body is valid; true if kept. */
  private holdRegistration(from: string, name: string, body: unknown): boolean {
    const type = HELD_WHILE_RECOVERING.find((candidate) => candidate.name === name);
    const held = this.held;
    if (type === undefined || held === undefined) return false;
    const key = `${name} ${from}`;
    if (!held.has(key) && held.size >= MAX_HELD_REGISTRATIONS) return false;
    let checked: unknown;
    try {
      checked = type.validate(body);
    } catch (error) {
      this.log.warn({ from, name, error: (error as Error).message }, 'dropping an invalid registration');
      return true;
    }
    held.delete(key); // the latest last: a retry moves to the end
    held.set(key, { from, name, body: checked });
    return true;
  }

  /** 307 to `path` at the leader (Mesos: protocol-relative `//host:port/path`), 503 when none leads. */
  redirectTo(path: string): HttpResponse {
    return this.redirect(path);
  }

  /**
   * 307 to `path` at the leader (Mesos: protocol-relative `//host:port/path`), with `request`'s
   * query (`/master/tasks?limit=10` keeps its limit there), 503 when none leads.
   */
  private redirect(path: string, request?: HttpRequest): HttpResponse {
    const leader = this.leader;
    if (leader !== undefined && leader.pid === this.own.pid) {
      // Elected, its master not started yet (Mesos' recovering master): `/master/redirect` names
      // itself, as the other masters already do, and what its master will serve is 503 until then.
      if (path === '') return { status: 307, headers: { location: `//${this.own.hostname}:${UPID.parse(this.own.pid).port}` }, body: '' };
      return notLeadingAnswer(true);
    }
    if (leader === undefined) return notLeadingAnswer(false);
    const query = request === undefined ? '' : new URLSearchParams(request.query).toString();
    return { status: 307, headers: { location: `//${leader.info.hostname}:${leader.info.port}${path}${query === '' ? '' : `?${query}`}` }, body: '' };
  }
}
