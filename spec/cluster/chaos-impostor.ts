/**
 * A hostile peer of the chaos simulation with credentials (`ChaosOptions.credentials`, the
 * `impostor` step): it tries to act in another's name, and each attempt must fail however the
 * faults, failovers and restarts around it go. What it tries, one of `IMPOSTURES`:
 *   - `wrongSecret`: it authenticates as a framework's principal with a wrong secret (refused),
 *     then registers a framework under that principal anyway, and fails the framework over to
 *     itself by its id (both refused: not authenticated);
 *   - `otherPrincipal`: authenticated as the other principal (a tenant of the same cluster, with
 *     its own secret), it fails a framework of the first over, naming that framework's principal
 *     (refused: the principal is not the one it authenticated as);
 *   - `takeOver`: the same, naming its own principal instead (refused: the framework was
 *     registered by a scheduler authenticated as the other);
 *   - `agentId`: without authenticating, it re-registers as an agent under a live agent's id
 *     (dropped: agents must authenticate).
 * Whatever it is given that only the one it impersonates should get (a registration, offers, a
 * status update) is kept in `granted`: the run fails on it. The real framework or agent must
 * not notice: a FrameworkError at its scheduler, or the agent replaced, breaks the run's
 * invariants as any bug does.
 */
import { Actor, type UPID } from '../../lib/actor';
import { Authenticatee } from '../../lib/authenticatee';
import type { Credential } from '../../lib/authentication';
import {
  AgentRegistered, AgentReregistered, FrameworkError, FrameworkRegistered, FrameworkReregistered, RegisterFramework, ReregisterAgent, ReregisterFramework,
  ResourceOffers, Shutdown, StatusUpdateMessage, type FrameworkInfo,
} from '../../lib/protocol';
import { AGENT_VERSION } from '../../actors/agent/constants';
import { Resources } from '../../lib/resources';

/** What an impostor tries. */
export const IMPOSTURES = ['wrongSecret', 'otherPrincipal', 'takeOver', 'agentId'] as const;
export type Imposture = (typeof IMPOSTURES)[number];

/** An impostor ends this long after it starts (its attempts and their answers are long done). */
export const IMPOSTOR_LIFETIME_MS = 60_000;
/** The secret an impostor guesses. */
export const WRONG_SECRET = 'not-the-secret';

/** Whom an impostor impersonates. */
export type ImpostorTarget =
  /** A framework the master knows: its info as its scheduler registered it (id and principal set). */
  | { readonly kind: 'framework'; readonly info: FrameworkInfo & { readonly id: string; readonly principal: string } }
  /** A live agent's id. */
  | { readonly kind: 'agent'; readonly agentId: string };

export interface ImpostorOptions {
  readonly id: string;
  readonly imposture: Imposture;
  readonly master: UPID;
  readonly target: ImpostorTarget;
  /** With `otherPrincipal` and `takeOver`: a valid credential of another principal than the target's. */
  readonly ownCredential?: Credential;
}

export class Impostor extends Actor {
  /** What it got that only the one it impersonates should: the run fails on any. */
  readonly granted: string[] = [];
  /** The master's refusals it heard (FrameworkError, Shutdown, a refused authentication). */
  readonly refusals: string[] = [];
  private readonly authenticatee: Authenticatee | undefined;

  constructor(private readonly options: ImpostorOptions) {
    super(options.id);
    const credential = this.credential();
    this.authenticatee = credential === undefined ? undefined : Authenticatee.install(credential, {
      self: () => this.self(), send: (to, type, body) => this.send(to, type, body),
      delay: (ms, callback) => this.delay(ms, callback), install: (type, handler) => this.install(type, handler),
      secretBytes: (count) => this.host.secretBytes(count),
    });
    for (const name of [FrameworkRegistered.name, FrameworkReregistered.name, AgentRegistered.name, AgentReregistered.name, ResourceOffers.name, StatusUpdateMessage.name]) {
      this.install(name, (from) => this.granted.push(`${name} from ${from.toString()}`));
    }
    this.install(FrameworkError, (_from, body) => this.refusals.push(`FrameworkError: ${body.message}`));
    this.install(Shutdown, (_from, body) => this.refusals.push(`Shutdown: ${body.message ?? ''}`));
  }

  protected override initialize(): void {
    const { imposture, master } = this.options;
    if (this.authenticatee === undefined) return this.act();
    this.authenticatee.start(master, (result) => {
      if (result.kind === 'refused') this.refusals.push(`authentication refused: ${result.reason}`);
      // A wrong secret goes on unauthenticated; the others act once authenticated (a lost exchange: nothing to try).
      if (imposture === 'wrongSecret' ? result.kind !== 'authenticated' : result.kind === 'authenticated') this.act();
      else if (imposture === 'wrongSecret') this.granted.push(`authenticated as '${this.authenticatee?.principal ?? ''}' with a wrong secret`);
    });
  }

  private credential(): Credential | undefined {
    const { imposture, target, ownCredential } = this.options;
    if (imposture === 'agentId') return undefined;
    if (imposture === 'wrongSecret') return { principal: target.kind === 'framework' ? target.info.principal : 'agent', secret: WRONG_SECRET };
    return ownCredential;
  }

  private act(): void {
    const { imposture, master, target } = this.options;
    if (target.kind === 'agent') {
      const agent = { id: target.agentId, hostname: 'impostor.simulation', port: 5051, resources: Resources.parse('cpus:64;mem:65536').toJSON() };
      this.send(master, ReregisterAgent, { agent, version: AGENT_VERSION, tasks: [], executors: [], frameworks: [] });
      return;
    }
    const { id: _id, ...registration } = target.info;
    if (imposture === 'wrongSecret') {
      this.send(master, RegisterFramework, { framework: { ...registration, name: `${target.info.name}-impostor` } });
      // The most direct take-over: the framework's id, unauthenticated (Mesos refuses it, master.cpp's subscribe).
      this.send(master, ReregisterFramework, { framework: target.info, failover: true });
    }
    else if (imposture === 'otherPrincipal') this.send(master, ReregisterFramework, { framework: target.info, failover: true });
    else this.send(master, ReregisterFramework, { framework: { ...target.info, principal: this.options.ownCredential?.principal ?? '' }, failover: true });
  }
}
