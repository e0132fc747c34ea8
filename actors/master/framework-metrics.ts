/**
 * Mesos' per-framework metrics (`--publish_per_framework_metrics`, on by default), under Mesos'
 * keys: `master/frameworks/<name>/<framework id>/...`, the name percent-encoded (Mesos'
 * `getFrameworkMetricPrefix`), with
 * - `subscribed` (gauge): 1 while the framework's scheduler is connected;
 * - `calls`, `calls/<call>` (counters): its scheduler calls the master took (the framework known
 *   and the call from its scheduler), by v1 call type, lowercased; an actor framework's messages
 *   count as the call they are (`AcceptOffers` as `accept`, `StatusUpdateAcknowledgement` as
 *   `acknowledge`, `RegisterFramework` and `ReregisterFramework` as `subscribe`, ...); a v1
 *   REQUEST, answered by the v1 API itself, through `Master.countV1`;
 * - `events`, `events/<event>` (counters): what the master sent it, by v1 event type
 *   (`ResourceOffers` as `offers`, `StatusUpdate` as `update`, `ExitedExecutor` and
 *   `LostAgent` as `failure`, ...), and each HEARTBEAT a v1 framework's stream gets, which the
 *   v1 API tells the master of (`Master.countV1`), as Mesos' heartbeater counts them;
 * - `offers/sent`, `offers/accepted`, `offers/declined`, `offers/rescinded` (counters);
 * - `operations`, `operations/<operation>` (counters): LAUNCH counts each task sent to an agent,
 *   as Mesos counts it, RESERVE, UNRESERVE, CREATE and DESTROY each one applied;
 * - `tasks/active/<state>` (gauges) and `tasks/terminal/<state>` (counters).
 * Every key of every type Mesos has is published, at 0 for what this master never does
 * (operations other than LAUNCH, RESERVE, UNRESERVE, CREATE and DESTROY, `UPDATE_FRAMEWORK`). A completed framework's
 * metrics stay while the master keeps the framework in its completed history
 * (`--max_completed_frameworks`), as Mesos keeps them with the framework's record.
 *
 * The counts live on the framework's record: a count is one array slot, so the hot path (an
 * update, an acknowledgement, an offer) pays an add, not a lookup.
 */
import { TASK_STATES, isTerminalState, type TaskState } from '../../lib/protocol';
import type { StateCounts } from './task-summaries';

/** Mesos' scheduler call types (v1 `Call.Type`, but UNKNOWN): the `calls/<call>` keys, lowercased. */
export const FRAMEWORK_CALL_TYPES = [
  'SUBSCRIBE', 'TEARDOWN', 'ACCEPT', 'DECLINE', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS', 'REVIVE', 'KILL',
  'SHUTDOWN', 'ACKNOWLEDGE', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE', 'RECONCILE_OPERATIONS', 'MESSAGE', 'REQUEST',
  'SUPPRESS', 'UPDATE_FRAMEWORK',
] as const;
export type FrameworkCallType = (typeof FRAMEWORK_CALL_TYPES)[number];

/** Mesos' scheduler event types (v1 `Event.Type`, but UNKNOWN): the `events/<event>` keys, lowercased. */
export const FRAMEWORK_EVENT_TYPES = [
  'SUBSCRIBED', 'OFFERS', 'INVERSE_OFFERS', 'RESCIND', 'RESCIND_INVERSE_OFFER', 'UPDATE', 'UPDATE_OPERATION_STATUS',
  'MESSAGE', 'FAILURE', 'ERROR', 'HEARTBEAT',
] as const;
export type FrameworkEventType = (typeof FRAMEWORK_EVENT_TYPES)[number];

/** Mesos' offer operation types (`Offer.Operation.Type`, but UNKNOWN): the `operations/<operation>` keys, lowercased. */
export const OFFER_OPERATION_TYPES = [
  'LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME', 'CREATE_DISK', 'DESTROY_DISK',
] as const;
export type OfferOperationType = (typeof OFFER_OPERATION_TYPES)[number];

/**
 * The call an actor framework's message to the master is (Mesos' v0 messages map to calls the
 * same way). Messages not here (DeactivateFramework, authentication) are no call.
 */
export const CALL_OF_MESSAGE: Readonly<Record<string, FrameworkCallType>> = {
  RegisterFramework: 'SUBSCRIBE', ReregisterFramework: 'SUBSCRIBE', UnregisterFramework: 'TEARDOWN',
  AcceptOffers: 'ACCEPT', LaunchTasks: 'ACCEPT', DeclineOffers: 'DECLINE', ReviveOffers: 'REVIVE', SuppressOffers: 'SUPPRESS',
  KillTask: 'KILL', ShutdownExecutorCall: 'SHUTDOWN', StatusUpdateAcknowledgement: 'ACKNOWLEDGE', ReconcileTasks: 'RECONCILE',
  FrameworkToExecutor: 'MESSAGE', UpdateFrameworkCall: 'UPDATE_FRAMEWORK', AcceptInverseOffers: 'ACCEPT_INVERSE_OFFERS', DeclineInverseOffers: 'DECLINE_INVERSE_OFFERS',
};

/** The event a message from the master to a framework is. Messages not here are no event. */
export const EVENT_OF_MESSAGE: Readonly<Record<string, FrameworkEventType>> = {
  FrameworkRegistered: 'SUBSCRIBED', FrameworkReregistered: 'SUBSCRIBED', ResourceOffers: 'OFFERS',
  RescindResourceOffer: 'RESCIND', StatusUpdate: 'UPDATE', ExecutorToFramework: 'MESSAGE',
  ExitedExecutor: 'FAILURE', LostAgent: 'FAILURE', FrameworkError: 'ERROR', InverseOffers: 'INVERSE_OFFERS', RescindInverseOffer: 'RESCIND_INVERSE_OFFER',
};

const CALL_INDEX = indexOf(FRAMEWORK_CALL_TYPES);
const EVENT_INDEX = indexOf(FRAMEWORK_EVENT_TYPES);
const OPERATION_INDEX = indexOf(OFFER_OPERATION_TYPES);
/** The task states counted as `tasks/terminal/<state>` and reported as `tasks/active/<state>`, in Mesos' order. */
const TERMINAL_STATES: readonly TaskState[] = TASK_STATES.filter((state) => isTerminalState(state));
const ACTIVE_STATES: readonly TaskState[] = TASK_STATES.filter((state) => !isTerminalState(state));
const TERMINAL_INDEX = indexOf(TERMINAL_STATES);

function indexOf<T extends string>(names: readonly T[]): Readonly<Record<string, number>> {
  return Object.fromEntries(names.map((name, index) => [name, index]));
}

/** One framework's counters (see the file's comment); the gauges are read from the master's books when a snapshot is taken. */
export class FrameworkMetrics {
  private readonly calls: number[] = new Array<number>(FRAMEWORK_CALL_TYPES.length).fill(0);
  private readonly events: number[] = new Array<number>(FRAMEWORK_EVENT_TYPES.length).fill(0);
  private readonly operations: number[] = new Array<number>(OFFER_OPERATION_TYPES.length).fill(0);
  private readonly terminal: number[] = new Array<number>(TERMINAL_STATES.length).fill(0);
  offersSent = 0;
  offersAccepted = 0;
  offersDeclined = 0;
  offersRescinded = 0;

  /** Counts a call of `type`. */
  call(type: FrameworkCallType): void {
    this.calls[CALL_INDEX[type] as number]++;
  }

  /** Counts the message named `name` as the call it is (nothing for a message that is no call). */
  callByMessage(name: string): void {
    const type = CALL_OF_MESSAGE[name];
    if (type !== undefined) this.call(type);
  }

  /** Counts the message named `name` sent to the framework as the event it is (nothing for one that is none). */
  eventByMessage(name: string): void {
    const type = EVENT_OF_MESSAGE[name];
    if (type !== undefined) this.event(type);
  }

  /** Counts an event of `type` sent to the framework. */
  event(type: FrameworkEventType): void {
    this.events[EVENT_INDEX[type] as number]++;
  }

  /** Counts `count` operations of `type` (LAUNCH: one per task sent to an agent). */
  operation(type: OfferOperationType, count = 1): void {
    this.operations[OPERATION_INDEX[type] as number] += count;
  }

  /** Counts a task of the framework that reached terminal `state` (nothing for another state). */
  taskReached(state: TaskState): void {
    const index = TERMINAL_INDEX[state];
    if (index !== undefined) this.terminal[index]++;
  }

  /**
   * Every key under `prefix` (`frameworkMetricPrefix`): the counters, and the gauges from
   * `subscribed` and `tasks` (the framework's tasks by state; undefined: none).
   */
  snapshot(prefix: string, subscribed: boolean, tasks: StateCounts | undefined, into: Record<string, number>): void {
    into[`${prefix}subscribed`] = subscribed ? 1 : 0;
    into[`${prefix}calls`] = sum(this.calls);
    FRAMEWORK_CALL_TYPES.forEach((type, index) => (into[`${prefix}calls/${type.toLowerCase()}`] = this.calls[index] as number));
    into[`${prefix}events`] = sum(this.events);
    FRAMEWORK_EVENT_TYPES.forEach((type, index) => (into[`${prefix}events/${type.toLowerCase()}`] = this.events[index] as number));
    into[`${prefix}offers/sent`] = this.offersSent;
    into[`${prefix}offers/accepted`] = this.offersAccepted;
    into[`${prefix}offers/declined`] = this.offersDeclined;
    into[`${prefix}offers/rescinded`] = this.offersRescinded;
    into[`${prefix}operations`] = sum(this.operations);
    OFFER_OPERATION_TYPES.forEach((type, index) => (into[`${prefix}operations/${type.toLowerCase()}`] = this.operations[index] as number));
    TERMINAL_STATES.forEach((state, index) => (into[`${prefix}tasks/terminal/${state.toLowerCase()}`] = this.terminal[index] as number));
    for (const state of ACTIVE_STATES) into[`${prefix}tasks/active/${state.toLowerCase()}`] = tasks?.of(state) ?? 0;
  }
}

function sum(counts: readonly number[]): number {
  let total = 0;
  for (const count of counts) total += count;
  return total;
}

/**
 * `master/frameworks/<name>/<id>/`: the name percent-encoded as libprocess' `http::encode` does
 * it (`MESOS_ENCODED_CHARACTERS`, control and non-ASCII bytes), so that a `/` or a space in it
 * cannot split the key, and the key is Mesos' for the same name.
 */
export function frameworkMetricPrefix(name: string, frameworkId: string): string {
  return `master/frameworks/${mesosPercentEncoded(name)}/${frameworkId}/`;
}

/** The printable ASCII characters libprocess' `http::encode` encodes (reserved and unsafe ones; `!'()*` and the rest stay). */
const MESOS_ENCODED_CHARACTERS = '$&+,/:;=?@ "<>#%{}|\\^~[]`';

/** `text`'s UTF-8 as libprocess' `http::encode` writes it: `a (b)~` → `a%20(b)%7E`. */
export function mesosPercentEncoded(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += byte < 0x20 || byte > 0x7f || MESOS_ENCODED_CHARACTERS.includes(char) ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : char;
  }
  return encoded;
}

/** A per-framework key: `master/frameworks/<encoded name>/<id>/<metric>` (the name and id hold no `/`). */
export const FRAMEWORK_METRIC_KEY = /^master\/frameworks\/([^/]+)\/([^/]+)\/(.+)$/s;

/** Whether a per-framework key (`FRAMEWORK_METRIC_KEY`'s metric part) is a gauge: `subscribed` and `tasks/active/...`. */
export function isFrameworkGauge(metric: string): boolean {
  return metric === 'subscribed' || metric.startsWith('tasks/active/');
}
