/**
 * The master's watch over one agent's health (in the role of Mesos' `SlaveObserver`): it pings
 * the agent every `pingTimeoutMs`, counts pings left unanswered by the time of the next one, and
 * gives up on the agent after `maxPingTimeouts` in a row. While the agent's link is broken it
 * also runs this master's re-registration timeout. It sends nothing and removes nothing itself:
 * the master drives it (start, pong, disconnected, reconnected, stop) and acts on its two hooks,
 * `ping` and `unreachable`. Time comes from the injected `delay`, so tests run it on a virtual
 * clock without an actor.
 */
import type { Timer } from '../../lib/actor';
import type { Delay } from './keyed-timers';
import type { TimerTarget } from '../../lib/process/clock';

/** Why an observer gave up on its agent. */
export type UnreachableCause =
  /** `pingTimeouts` pings in a row went unanswered (Mesos' health check failure). */
  | { readonly kind: 'ping-timeouts'; readonly pingTimeouts: number }
  /** The agent's link broke and it did not re-register within `timeoutMs`. */
  | { readonly kind: 'reregister-timeout'; readonly timeoutMs: number };

/** The limits an observer works to (the master's flags). */
export interface AgentObserverOptions {
  /** Time between pings, which is also how long a ping waits for its pong (`agent_ping_timeout`). */
  readonly pingTimeoutMs: number;
  /** Unanswered pings in a row after which the agent is unreachable (`max_agent_ping_timeouts`). */
  readonly maxPingTimeouts: number;
  /** How long an agent whose link broke has to re-register (`agent_reregister_timeout`). */
  readonly reregisterTimeoutMs: number;
}

/**
 * What an observer asks of the master, about its agent `A` (the master's record of it). One hooks
 * object serves every observer of a master: nothing per agent but the observer itself.
 */
export interface AgentObserverHooks<A> {
  /** Schedules a callback on the master's clock (the master's `delay`). */
  readonly delay: Delay;
  /** Calls `target.timerFired()` every period until cancelled (the master's ticked timers): the pings' one timer. */
  readonly every: (periodMs: number, target: TimerTarget) => Timer;
  /** Send the agent a Ping now. */
  ping(agent: A): void;
  /** The agent is unreachable: remove it. The observer has stopped itself before this is called. */
  unreachable(agent: A, cause: UnreachableCause): void;
}

/**
 * One agent's health checks. Each ping is sent at once and then every `pingTimeoutMs`; a ping
 * still unanswered when the next is due counts as a timeout, and a pong clears the count. So an
 * agent that goes silent right after answering a ping is unreachable
 * `(maxPingTimeouts + 1) × pingTimeoutMs` later (90 s with Mesos' defaults).
 *
 * @example
 *   // Once per master: the limits and the hooks.
 *   const limits = { pingTimeoutMs: 15_000, maxPingTimeouts: 5, reregisterTimeoutMs: 600_000 };
 *   const hooks: AgentObserverHooks<AgentRecord> = {
 *     delay: (ms, callback) => this.delay(ms, callback), every: (ms, target) => this.pingTimers.every(ms, target),
 *     ping: (agent) => this.send(agent.pid, Ping, {...}),
 *     unreachable: (agent, cause) => this.removeAgent(agent, 'unreachable', describeUnreachable(cause)),
 *   };
 *   // Per agent:
 *   const observer = new AgentObserver(limits, hooks, agent);
 *   observer.start();  // a Ping now, and every 15 s
 *   observer.pong();   // the agent answered
 */
export class AgentObserver<A> {
  /** A ping is out and no pong came back yet. */
  private pinged = false;
  /** Consecutive pings that went unanswered. */
  private pingTimeouts = 0;
  /** The ping-timeout checks, one per `pingTimeoutMs` (each sends the next ping); undefined when stopped. */
  private pingTimer: Timer | undefined;
  /** Gives up on the agent if it stays disconnected; set while it is disconnected. */
  private reregisterTimer: Timer | undefined;

  /**
   * @param options shared by the observers of one master
   * @param hooks shared by the observers of one master
   * @param agent what the hooks are told about
   */
  constructor(private readonly options: AgentObserverOptions, private readonly hooks: AgentObserverHooks<A>, private readonly agent: A) {}

  /** Whether the observer is pinging its agent (started and not stopped). */
  get pinging(): boolean {
    return this.pingTimer !== undefined;
  }

  /** Pings left unanswered in a row so far. */
  get missedPings(): number {
    return this.pingTimeouts;
  }

  /** Starts (or restarts, from a clean count) the health checks: a ping now, then every `pingTimeoutMs`. */
  start(): void {
    this.pingTimer?.cancel();
    this.pinged = false;
    this.pingTimeouts = 0;
    this.ping();
    // The observer is its timer's target: no closure per agent.
    this.pingTimer = this.hooks.every(this.options.pingTimeoutMs, this);
  }

  /** @internal The ping timer's period came (`hooks.every` calls it): `pingTimedOut`. */
  timerFired(): void {
    this.pingTimedOut();
  }

  /** The agent answered: it is healthy, whatever it missed before. */
  pong(): void {
    this.pinged = false;
    this.pingTimeouts = 0;
  }

  /** The agent's link broke: pings go on, and it has `reregisterTimeoutMs` to re-register. */
  disconnected(): void {
    this.reregisterTimer?.cancel();
    const timeoutMs = this.options.reregisterTimeoutMs;
    this.reregisterTimer = this.hooks.delay(timeoutMs, () => {
      this.reregisterTimer = undefined;
      this.giveUp({ kind: 'reregister-timeout', timeoutMs });
    });
  }

  /** The agent re-registered: it is connected and healthy again, and pinged if it was not. */
  reconnected(): void {
    this.reregisterTimer?.cancel();
    this.reregisterTimer = undefined;
    this.pong();
    if (this.pingTimer === undefined) this.start();
  }

  /** Stops every timer: no more pings, no verdict (the agent is being removed). */
  stop(): void {
    this.pingTimer?.cancel();
    this.pingTimer = undefined;
    this.reregisterTimer?.cancel();
    this.reregisterTimer = undefined;
  }

  private ping(): void {
    this.hooks.ping(this.agent);
    this.pinged = true;
  }

  /** The next ping is due: if the last one is unanswered, that is one more timeout. */
  private pingTimedOut(): void {
    if (this.pinged) {
      this.pingTimeouts++;
      if (this.pingTimeouts >= this.options.maxPingTimeouts) {
        this.giveUp({ kind: 'ping-timeouts', pingTimeouts: this.pingTimeouts });
        return;
      }
    }
    this.ping();
  }

  private giveUp(cause: UnreachableCause): void {
    this.stop();
    this.hooks.unreachable(this.agent, cause);
  }
}

/** A cause as the master logs it, and as the tasks' updates say it ("Agent <host> removed: <cause>"). */
export function describeUnreachable(cause: UnreachableCause): string {
  return cause.kind === 'ping-timeouts'
    ? `health check timed out after ${cause.pingTimeouts} pings`
    : `did not re-register within ${cause.timeoutMs / 1000} s after disconnecting`;
}
