/**
 * Mesos' maintenance primitives in the master (Mesos' `src/master/maintenance.cpp`, the
 * maintenance handlers of `src/master/http.cpp`, and the inverse offers of `master.cpp` and of
 * the hierarchical allocator): an operator's schedule of machines and when they become
 * unavailable, each machine UP, DRAINING or DOWN, and the inverse offers that ask frameworks for
 * what they hold on a draining machine back.
 *
 * - The pure rules: the registry's record of the schedule and the machines' modes, and how each
 *   change makes the next one (`maintenanceAfter`: Mesos' `UpdateSchedule`, `StartMaintenance`
 *   and `StopMaintenance`); what a schedule or a list of machines may say (`scheduleError`,
 *   `machinesError`: Mesos' `maintenance::validation`, in its words).
 * - `Maintenance`: what the master does with them, in its mailbox, through a `MaintenancePort`
 *   (the master's own paths): the endpoints `/master/maintenance/schedule`,
 *   `/master/maintenance/status`, `/master/machine/down` and `/master/machine/up` and the v1
 *   operator calls, each change written to the registry before it takes hold; the machine of
 *   each registered agent (its host name and its pid's IP, both matching, as Mesos matches
 *   them); the unavailability an offer of a draining machine's agent carries; agents of a DOWN
 *   machine shut down and refused; and the inverse offers.
 *
 * Inverse offers are made here rather than in the allocator (Mesos makes them in its allocator,
 * at each allocation run): every `allocationIntervalMs` while an agent of a draining machine is
 * registered, and at once when a machine's unavailability changes, each active framework that
 * holds something on such an agent (a live task, an executor, an offer) and has no inverse offer
 * of it outstanding, nor a filter against it, is sent one (`InverseOffers`). It answers
 * (ACCEPT_INVERSE_OFFERS, DECLINE_INVERSE_OFFERS): its answer is kept, with when, for
 * `/master/maintenance/status` (until the machine's unavailability is set again, or the agent or
 * the master goes, as in Mesos), and it is sent no other one for that agent for the filter's
 * `refuse_seconds` (default 5 s). An inverse offer is rescinded when its agent disconnects or
 * goes, when its framework is deactivated or re-subscribes, when the unavailability changes, and
 * at the offer timeout (`--offer_timeout`, as Mesos).
 */
import type { Timer } from '../../lib/actor';
import type { Authorizer } from '../../lib/acls';
import type { Logger } from '../../lib/logging';
import {
  agentMachineKey, describeMachine, machineKey, MAX_MAINTENANCE_MACHINES, parseMachineIdsJson, parseScheduleJson, renderClusterStatus, renderSchedule,
  type DrainingMachineStatus, type InverseOfferStatus, type MachineId, type MaintenanceSchedule,
} from '../../lib/maintenance';
import { httpError, methodNotAllowed, ok, type HttpCaller, type HttpRequest, type HttpResponse } from '../../lib/process';
import { isTerminalState, type Filters, type InverseOffer, type Unavailability } from '../../lib/protocol';
import { boundedText } from '../../lib/protocol/plain';
import { parseUnicodeJson, strictUtf8 } from '../../lib/utf8';
import type { AgentEndpoint, V1Json } from '../../lib/v1/json';
import { MAX_REFUSE_SECONDS } from '../allocator/constants';
import { MAX_ERROR_DETAIL_LENGTH } from './constants';
import type { Registry } from './registry';
import type { AgentRecord, FrameworkRecord, MasterState } from './state';

// ---- the registry's record, and its changes ---------------------------------------------------

/** A machine the schedule holds (Mesos' `MachineInfo`): DRAINING, or DOWN; a machine UP is in no record. */
export interface MachineRecord {
  readonly id: MachineId;
  readonly mode: 'DRAINING' | 'DOWN';
  readonly unavailability?: Unavailability;
}

/** What the registry keeps of maintenance (Mesos' registry `schedules` and `machines`). */
export interface MaintenanceRecord {
  readonly schedule: MaintenanceSchedule;
  readonly machines: readonly MachineRecord[];
}

/** No schedule, every machine UP. */
export const EMPTY_MAINTENANCE: MaintenanceRecord = Object.freeze({ schedule: Object.freeze([]), machines: Object.freeze([]) });

/** A change of the record, as the registry logs it. */
export type MaintenanceChange =
  | { readonly type: 'updateSchedule'; readonly schedule: MaintenanceSchedule }
  | { readonly type: 'startMaintenance'; readonly machineIds: readonly MachineId[] }
  | { readonly type: 'stopMaintenance'; readonly machineIds: readonly MachineId[] };

/** Whether `record` holds nothing (the registry then writes no `maintenance` field). */
export function isEmptyMaintenance(record: MaintenanceRecord): boolean {
  return record.schedule.length === 0 && record.machines.length === 0;
}

/**
 * The record after `change`, as Mesos' registry operations make it:
 * - `updateSchedule` replaces the schedule; each machine already in it keeps its mode and takes
 *   its new window's unavailability, each new one is DRAINING, each left out is UP again (out of
 *   the record; the master checked that none is DOWN);
 * - `startMaintenance` makes the machines named DOWN (those in the record);
 * - `stopMaintenance` makes them UP: out of the record and of the schedule (a window left with no
 *   machine goes too).
 */
export function maintenanceAfter(record: MaintenanceRecord, change: MaintenanceChange): MaintenanceRecord {
  switch (change.type) {
    case 'updateSchedule': {
      const unavailabilities = new Map<string, Unavailability>();
      for (const window of change.schedule) for (const id of window.machineIds) unavailabilities.set(machineKey(id), window.unavailability);
      const machines: MachineRecord[] = [];
      const kept = new Set<string>();
      for (const machine of record.machines) {
        const key = machineKey(machine.id);
        const unavailability = unavailabilities.get(key);
        if (unavailability === undefined) continue;
        kept.add(key);
        machines.push({ id: machine.id, mode: machine.mode, unavailability });
      }
      for (const window of change.schedule) {
        for (const id of window.machineIds) {
          const key = machineKey(id);
          if (kept.has(key)) continue;
          kept.add(key);
          machines.push({ id, mode: 'DRAINING', unavailability: window.unavailability });
        }
      }
      return { schedule: change.schedule, machines };
    }
    case 'startMaintenance': {
      const down = new Set(change.machineIds.map(machineKey));
      return { schedule: record.schedule, machines: record.machines.map((machine) => (down.has(machineKey(machine.id)) ? { ...machine, mode: 'DOWN' } : machine)) };
    }
    case 'stopMaintenance': {
      const up = new Set(change.machineIds.map(machineKey));
      const schedule = record.schedule
        .map((window) => ({ machineIds: window.machineIds.filter((id) => !up.has(machineKey(id))), unavailability: window.unavailability }))
        .filter((window) => window.machineIds.length > 0);
      return { schedule, machines: record.machines.filter((machine) => !up.has(machineKey(machine.id))) };
    }
  }
}

// ---- validation (Mesos' maintenance::validation, in its words) --------------------------------

/** Four decimal octets, each 0-255 without a leading zero: what `inet_pton(AF_INET)` takes (Mesos' `net::IP::parse`). */
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

/** Why a machine id is not one (Mesos' `validation::machine`), or undefined: a host name or an IP, and an IP an IPv4 address. */
export function machineError(id: MachineId): string | undefined {
  if ((id.hostname ?? '') === '' && (id.ip ?? '') === '') return "Both 'hostname' and 'ip' for a machine are empty";
  if (id.ip !== undefined && id.ip !== '' && !IPV4.test(id.ip)) return `Failed to parse IPv4: ${boundedText(id.ip, MAX_ERROR_DETAIL_LENGTH)}`;
  return undefined;
}

/**
 * Why `schedule` may not replace the current one (Mesos' `validation::schedule`), or undefined:
 * each window has a machine and a duration that is not negative, each machine is well formed and
 * in one window at most, and no DOWN machine of `machines` is left out (this endpoint does not
 * bring machines up: `/machine/up` does). At most `MAX_MAINTENANCE_MACHINES` machines (ours).
 */
export function scheduleError(schedule: MaintenanceSchedule, machines: ReadonlyMap<string, MachineRecord>): string | undefined {
  const updated = new Set<string>();
  for (const window of schedule) {
    if (window.machineIds.length === 0) return 'List of machines in the maintenance window is empty';
    if ((window.unavailability.duration?.nanoseconds ?? 0) < 0) return "Unavailability 'duration' is negative";
    for (const id of window.machineIds) {
      const invalid = machineError(id);
      if (invalid !== undefined) return invalid;
      const key = machineKey(id);
      if (updated.has(key)) return `Machine '${describeMachine(id)}' appears more than once in the schedule`;
      updated.add(key);
      if (updated.size > MAX_MAINTENANCE_MACHINES) return `A schedule names at most ${MAX_MAINTENANCE_MACHINES} machines`;
    }
  }
  for (const [key, machine] of machines) {
    if (machine.mode === 'DOWN' && !updated.has(key)) return `Machine '${describeMachine(machine.id)}' is deactivated and cannot be removed from the schedule`;
  }
  return undefined;
}

/** Why a list of machines (`/machine/down`, `/machine/up`) is not one (Mesos' `validation::machines`), or undefined. */
export function machinesError(ids: readonly MachineId[]): string | undefined {
  if (ids.length === 0) return 'List of machines is empty';
  const unique = new Set<string>();
  for (const id of ids) {
    const invalid = machineError(id);
    if (invalid !== undefined) return invalid;
    const key = machineKey(id);
    // Mesos' words, for a list too.
    if (unique.has(key)) return `Machine '${describeMachine(id)}' appears more than once in the schedule`;
    unique.add(key);
  }
  return undefined;
}

// ---- the master's side --------------------------------------------------------------------------

/** An outstanding inverse offer, as the books keep it (`MasterState.addInverseOffer`: GET_FRAMEWORKS shows them). */
export interface InverseOfferRecord {
  readonly offer: InverseOffer;
  /** Where its agent served HTTP when it was made (the v1 `url`, as Mesos sets it once). */
  readonly url: AgentEndpoint | undefined;
}

/** What `Maintenance` asks of the master it runs in (all called in the master's mailbox). */
export interface MaintenancePort {
  readonly log: Logger;
  readonly registry: Registry;
  readonly authorizer: Authorizer;
  readonly state: MasterState;
  /** Between passes that make inverse offers (`--allocation_interval`, when Mesos' allocator makes them). */
  readonly passIntervalMs: number;
  /** An inverse offer not answered in this long is rescinded (`--offer_timeout`); none: never. */
  readonly offerTimeoutMs: number | undefined;
  /** Now (ms since the epoch, the master's clock). */
  now(): number;
  /** A timer in the master's mailbox. */
  delay(ms: number, callback: () => void): Timer;
  /** Runs `then` in the master's mailbox once `write` is durable; `failed` if the registry refused it. */
  durably(write: Promise<void>, then: () => void, failed: (error: Error) => void): void;
  /** A new offer id (inverse offers take theirs from the offers' counter, as Mesos). */
  newOfferId(): string;
  /** Where a registered agent serves HTTP. */
  agentEndpoint(agentId: string): AgentEndpoint | undefined;
  /** Rescinds the agent's outstanding offers, their resources back to the allocator (the unavailability they carry changed). */
  rescindAgentOffers(agent: AgentRecord): void;
  /** Tells the agent to shut down and removes it (registry first; its tasks are lost): its machine went DOWN. */
  shutDownAgent(agent: AgentRecord, message: string): void;
  /** Sends `framework` its new inverse offers (`InverseOffers`). */
  sendInverseOffers(framework: FrameworkRecord, offers: InverseOffer[]): void;
  /** Tells `framework` that an inverse offer is withdrawn (`RescindInverseOffer`). */
  rescindInverseOffer(framework: FrameworkRecord, inverseOfferId: string): void;
}

/** What the v1 operator API asks of the master's maintenance (`OperatorPort.maintenance`). */
export interface MaintenanceOperations {
  /** The schedule `caller` may see (Mesos' `maintenance::Schedule` JSON). */
  schedule(caller: HttpCaller): V1Json;
  /** The machines' status `caller` may see (Mesos' `maintenance::ClusterStatus` JSON). */
  status(caller: HttpCaller): V1Json;
  updateSchedule(caller: HttpCaller, schedule: MaintenanceSchedule): HttpResponse | Promise<HttpResponse>;
  startMaintenance(caller: HttpCaller, machineIds: readonly MachineId[]): HttpResponse | Promise<HttpResponse>;
  stopMaintenance(caller: HttpCaller, machineIds: readonly MachineId[]): HttpResponse | Promise<HttpResponse>;
}

/** An agent of a machine with an unavailability: its inverse offers, its frameworks' answers and their filters (Mesos' allocator `Slave::Maintenance`). */
interface AgentDrain {
  /** Outstanding inverse offers of the agent, by framework (one each at most). */
  readonly offers: Map<string, InverseOfferEntry>;
  /** Each framework's latest answer. */
  readonly statuses: Map<string, InverseOfferStatus>;
  /** Until when (ms) each framework is sent no new inverse offer of the agent. */
  readonly filters: Map<string, number>;
}

interface InverseOfferEntry {
  readonly record: InverseOfferRecord;
  timer: Timer | undefined;
}

/** Maintenance changes that may wait for the one being written (more are answered 503). */
export const MAX_WAITING_MAINTENANCE_CHANGES = 16;

/** Mesos' default `Filters.refuse_seconds`. */
const DEFAULT_INVERSE_OFFER_REFUSE_SECONDS = 5;

/** The message a DOWN machine's agents hear (Mesos'). */
export const MACHINE_DOWN_MESSAGE = "Operator initiated 'Machine DOWN'";

/** The message an agent of a DOWN machine hears when it (re-)registers (Mesos'). */
export const MACHINE_IS_DOWN_MESSAGE = 'Machine is `DOWN`';

/** The master's maintenance; see the file's comment. */
export class Maintenance implements MaintenanceOperations {
  /** The registry's record, as this master has taken it in. */
  private record: MaintenanceRecord = EMPTY_MAINTENANCE;
  /** Its machines by `machineKey`, in its order. */
  private machines = new Map<string, MachineRecord>();
  /** The IPs its machines name: an agent at another IP is on none of them (looked at before its key is made). */
  private machineIps = new Set<string>();
  /**
   * The machine of each registered agent on a machine of the record (`agentMachineKey`), and each
   * such machine's registered agents. No other agent is kept: with no machine scheduled, an agent
   * costs nothing here (at 100k agents, ~150 bytes each would be 15 MB).
   */
  private agentMachines = new Map<string, string>();
  private machineAgents = new Map<string, Set<string>>();
  /** The registered agents of machines with an unavailability. */
  private readonly drains = new Map<string, AgentDrain>();
  /** Outstanding inverse offers by id. */
  private readonly inverseOffers = new Map<string, InverseOfferEntry>();
  /** The next pass that makes inverse offers. */
  private passTimer: Timer | undefined;
  /** A change is being written; those behind it wait here (one at a time: each is checked against what the one before left). */
  private changing = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly port: MaintenancePort) {}

  /** Takes the registry's record (at start, and after a failover: an earlier leader's schedule). */
  recover(): void {
    this.adopt(this.port.registry.maintenance());
    if (this.machines.size > 0) this.port.log.info({ machines: this.machines.size, windows: this.record.schedule.length }, 'maintenance schedule recovered from the registry');
  }

  // ---- what the master asks ----------------------------------------------------------------

  /** Whether an agent of `hostname` at `ip` is on a DOWN machine: Mesos refuses its (re-)registration. */
  refusesAgent(hostname: string, ip: string): boolean {
    return this.machineIps.has(ip) && this.machines.get(agentMachineKey(hostname, ip))?.mode === 'DOWN';
  }

  /** The unavailability an offer of `agent` carries (its machine is scheduled), or undefined. O(1); nothing when no machine is. */
  unavailabilityOf(agent: AgentRecord): Unavailability | undefined {
    if (this.machines.size === 0) return undefined;
    const key = this.agentMachines.get(agent.id);
    return key === undefined ? undefined : this.machines.get(key)?.unavailability;
  }

  /** An agent was added to the books (the master's AGENT_ADDED). */
  agentAdded(agent: AgentRecord): void {
    this.forgetAgent(agent.id, false);
    if (this.machines.size === 0) return;
    const key = this.index(agent);
    const machine = key === undefined ? undefined : this.machines.get(key);
    if (key === undefined || machine === undefined) return;
    if (machine.mode === 'DOWN') {
      // Its (re-)registration was checked before a write the machine went DOWN during: it goes now, not in this turn of the master's.
      this.port.delay(0, () => {
        const current = this.port.state.agents.get(agent.id);
        if (current === agent && !agent.removing && this.machines.get(key)?.mode === 'DOWN') this.port.shutDownAgent(agent, MACHINE_DOWN_MESSAGE);
      });
      return;
    }
    if (machine.unavailability !== undefined) {
      this.drains.set(agent.id, newDrain());
      this.schedulePass();
    }
  }

  /** An agent left the books (the master's AGENT_REMOVED): its inverse offers are rescinded, its frameworks' answers go. */
  agentRemoved(agentId: string): void {
    this.forgetAgent(agentId, true);
  }

  /** Files `agent` under its machine if that machine is in the record; the machine's key, or undefined. */
  private index(agent: AgentRecord): string | undefined {
    if (!this.machineIps.has(agent.pid.host)) return undefined;
    const key = agentMachineKey(agent.info.hostname, agent.pid.host);
    if (!this.machines.has(key)) return undefined;
    this.agentMachines.set(agent.id, key);
    let agents = this.machineAgents.get(key);
    if (agents === undefined) this.machineAgents.set(key, agents = new Set());
    agents.add(agent.id);
    return key;
  }

  /**
   * An agent is offered no more (Mesos' `deactivate(Slave*)`): its link broke, or the operator
   * deactivated or drained it (DEACTIVATE_AGENT, DRAIN_AGENT). Its inverse offers are rescinded;
   * none is made while it is inactive (`pass` skips it), and its frameworks' answers are kept.
   */
  agentDeactivated(agent: AgentRecord): void {
    const drain = this.drains.get(agent.id);
    if (drain !== undefined) for (const entry of [...drain.offers.values()]) this.retire(entry, true);
  }

  /**
   * A framework's inverse offers go: rescinded (it was deactivated, or re-subscribed from its own
   * pid: it may have lost them), or dropped without a word (`rescind` false: it failed over to a
   * new scheduler, or was removed). Deactivated, its filters go too (Mesos' allocator).
   */
  frameworkInverseOffersGone(framework: FrameworkRecord, rescind: boolean, deactivated = false): void {
    for (const drain of this.drains.values()) {
      const entry = drain.offers.get(framework.id);
      if (entry !== undefined) this.retire(entry, rescind);
      if (deactivated) drain.filters.delete(framework.id);
    }
  }

  /**
   * A framework revived offers, or its info was updated (UPDATE_FRAMEWORK, a re-subscription):
   * its inverse offer filters go, on every agent (Mesos' allocator `reviveRoles`, which its
   * `updateFramework` calls too).
   */
  revived(frameworkId: string): void {
    for (const drain of this.drains.values()) drain.filters.delete(frameworkId);
  }

  /**
   * ACCEPT_INVERSE_OFFERS or DECLINE_INVERSE_OFFERS of `framework` (Mesos' `acceptInverseOffers`,
   * `declineInverseOffers`): each of its outstanding inverse offers named is answered (its answer
   * kept for `/maintenance/status`, a filter set for `refuse_seconds`); any other id is ignored
   * with a warning, as Mesos does.
   */
  answer(framework: FrameworkRecord, status: 'ACCEPT' | 'DECLINE', inverseOfferIds: readonly string[], filters: Filters | undefined): void {
    const call = status === 'ACCEPT' ? 'ACCEPT_INVERSE_OFFERS' : 'DECLINE_INVERSE_OFFERS';
    if (inverseOfferIds.length === 0) {
      this.port.log.warn({ frameworkId: framework.id }, `${call} call used no inverse offers: No inverse offers specified`);
      return;
    }
    const nowMs = this.port.now();
    const refuseMs = refuseSecondsOf(filters) * 1000;
    for (const inverseOfferId of inverseOfferIds) {
      const entry = this.inverseOffers.get(inverseOfferId);
      if (entry === undefined || entry.record.offer.frameworkId !== framework.id) {
        this.port.log.warn({ frameworkId: framework.id, inverseOfferId: boundedText(inverseOfferId, MAX_ERROR_DETAIL_LENGTH), call }, 'ignoring an answer to an inverse offer that is no longer valid');
        continue;
      }
      const { agentId } = entry.record.offer;
      this.retire(entry, false);
      const drain = this.drains.get(agentId);
      if (drain === undefined) continue;
      drain.statuses.set(framework.id, { status, frameworkId: framework.id, timestampNs: nowMs * 1e6 });
      if (refuseMs > 0) drain.filters.set(framework.id, nowMs + refuseMs);
      else drain.filters.delete(framework.id);
    }
  }

  // ---- the endpoints --------------------------------------------------------------------------

  /** `/master/maintenance/schedule`: GET the schedule, POST a new one (Mesos' JSON `maintenance::Schedule`). */
  scheduleRoute(request: HttpRequest, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    if (request.method === 'GET') return ok(this.schedule(caller));
    if (request.method !== 'POST') return refusedMethod(['GET', 'POST'], request.method);
    const json = parseJsonBody(request);
    if (typeof json === 'string') return httpError(400, json);
    const parsed = parseScheduleJson(json.value);
    if (!parsed.ok) return httpError(400, `Invalid maintenance schedule: ${parsed.error}`);
    return this.updateSchedule(caller, parsed.schedule);
  }

  /** `/master/maintenance/status` (GET): the draining machines with their frameworks' answers, and the DOWN ones. */
  statusRoute(request: HttpRequest, caller: HttpCaller): HttpResponse {
    if (request.method !== 'GET') return refusedMethod(['GET'], request.method);
    return ok(this.status(caller));
  }

  /** `/master/machine/down` and `/master/machine/up` (POST, a JSON list of Mesos' `MachineID`s). */
  machinesRoute(direction: 'down' | 'up', request: HttpRequest, caller: HttpCaller): HttpResponse | Promise<HttpResponse> {
    if (request.method !== 'POST') return refusedMethod(['POST'], request.method);
    const json = parseJsonBody(request);
    if (typeof json === 'string') return httpError(400, json);
    const parsed = parseMachineIdsJson(json.value);
    if (!parsed.ok) return httpError(400, `Invalid list of machines: ${parsed.error}`);
    return direction === 'down' ? this.startMaintenance(caller, parsed.machineIds) : this.stopMaintenance(caller, parsed.machineIds);
  }

  schedule(caller: HttpCaller): V1Json {
    // Every machine or none: the ACLs' object is implicit (Mesos asks of each machine; its local authorizer answers alike).
    if (!this.port.authorizer.authorized('get_maintenance_schedules', caller.principal)) return {};
    return renderSchedule(this.record.schedule);
  }

  status(caller: HttpCaller): V1Json {
    if (!this.port.authorizer.authorized('get_maintenance_statuses', caller.principal)) return {};
    const draining: DrainingMachineStatus[] = [];
    const down: MachineId[] = [];
    for (const [key, machine] of this.machines) {
      if (machine.mode === 'DOWN') {
        down.push(machine.id);
        continue;
      }
      const statuses: InverseOfferStatus[] = [];
      for (const agentId of this.machineAgents.get(key) ?? []) statuses.push(...(this.drains.get(agentId)?.statuses.values() ?? []));
      draining.push({ id: machine.id, statuses });
    }
    return renderClusterStatus(draining, down);
  }

  /**
   * Replaces the schedule (Mesos' `_updateMaintenanceSchedule`): checked against the machines'
   * modes when its turn comes, written to the registry, then taken in: each machine in it is
   * DRAINING (or stays DOWN), each left out is UP again, and the agents of every machine in it or
   * left out have their offers rescinded (to be made again with the unavailability, or without
   * it), their inverse offers rescinded and their frameworks' answers forgotten, as Mesos'
   * `updateUnavailability`; inverse offers follow at once.
   */
  updateSchedule(caller: HttpCaller, schedule: MaintenanceSchedule): HttpResponse | Promise<HttpResponse> {
    const early = scheduleError(schedule, new Map());
    if (early !== undefined) return httpError(400, early);
    const denied = this.port.authorizer.denial('update_maintenance_schedules', caller.principal);
    if (denied !== undefined) return httpError(403, `Forbidden: ${denied}`);
    return this.inTurn(() => {
      const invalid = scheduleError(schedule, this.machines);
      if (invalid !== undefined) return httpError(400, invalid);
      this.port.log.info({ windows: schedule.length, principal: caller.principal }, 'updating the maintenance schedule at an operator\'s request');
      return this.write({ type: 'updateSchedule', schedule }, () => {
        const before = this.machineAgents;
        this.adopt(this.port.registry.maintenance());
        for (const [key, agentIds] of before) if (!this.machines.has(key)) this.unavailabilityChanged(key, agentIds);
        for (const key of this.machines.keys()) this.unavailabilityChanged(key, this.machineAgents.get(key));
        this.pass();
      });
    });
  }

  /**
   * Brings machines DOWN (Mesos' `_startMaintenance`): each must be DRAINING. Once written, each
   * registered agent of them is told to shut down and removed (its tasks lost, its frameworks
   * told), and agents of them are refused from then on. Answered once the change is durable (the
   * agents' removals are written after it).
   */
  startMaintenance(caller: HttpCaller, machineIds: readonly MachineId[]): HttpResponse | Promise<HttpResponse> {
    const refused = this.modeChangeRefusal(caller, 'start_maintenances', machineIds);
    if (refused !== undefined) return refused;
    return this.inTurn(() => {
      const notDraining = this.notAllIn(machineIds, 'DRAINING', 'brought down');
      if (notDraining !== undefined) return notDraining;
      this.port.log.info({ machines: machineIds.map(describeMachine), principal: caller.principal }, 'bringing machines down at an operator\'s request');
      return this.write({ type: 'startMaintenance', machineIds }, () => {
        this.adopt(this.port.registry.maintenance());
        for (const id of machineIds) {
          for (const agentId of [...(this.machineAgents.get(machineKey(id)) ?? [])]) {
            const agent = this.port.state.agents.get(agentId);
            if (agent !== undefined && !agent.removing) this.port.shutDownAgent(agent, MACHINE_DOWN_MESSAGE);
          }
        }
      });
    });
  }

  /** Brings DOWN machines UP (Mesos' `_stopMaintenance`): out of the schedule; their agents may register again. */
  stopMaintenance(caller: HttpCaller, machineIds: readonly MachineId[]): HttpResponse | Promise<HttpResponse> {
    const refused = this.modeChangeRefusal(caller, 'stop_maintenances', machineIds);
    if (refused !== undefined) return refused;
    return this.inTurn(() => {
      const notDown = this.notAllIn(machineIds, 'DOWN', 'brought up');
      if (notDown !== undefined) return notDown;
      this.port.log.info({ machines: machineIds.map(describeMachine), principal: caller.principal }, 'bringing machines up at an operator\'s request');
      return this.write({ type: 'stopMaintenance', machineIds }, () => this.adopt(this.port.registry.maintenance()));
    });
  }

  /** Why `caller` may not move `machineIds` (a malformed id: 400; the ACLs' `action`: 403), or undefined. */
  private modeChangeRefusal(caller: HttpCaller, action: 'start_maintenances' | 'stop_maintenances', machineIds: readonly MachineId[]): HttpResponse | undefined {
    const invalid = machinesError(machineIds);
    if (invalid !== undefined) return httpError(400, invalid);
    const denied = this.port.authorizer.denial(action, caller.principal);
    return denied === undefined ? undefined : httpError(403, `Forbidden: ${denied}`);
  }

  /** A 400 naming the first of `machineIds` not scheduled or not in `mode` (so it cannot be `moved`), or undefined. */
  private notAllIn(machineIds: readonly MachineId[], mode: 'DRAINING' | 'DOWN', moved: string): HttpResponse | undefined {
    for (const id of machineIds) {
      const machine = this.machines.get(machineKey(id));
      if (machine === undefined) return httpError(400, `Machine '${describeMachine(id)}' is not part of a maintenance schedule`);
      if (machine.mode !== mode) return httpError(400, `Machine '${describeMachine(id)}' is not in ${mode} mode and cannot be ${moved}`);
    }
    return undefined;
  }

  /** Outstanding inverse offers (tests). */
  outstandingInverseOffers(): InverseOffer[] {
    return [...this.inverseOffers.values()].map((entry) => entry.record.offer);
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  /**
   * Runs `change` now if no other change is being written, else when the ones before it are
   * done (each is checked against what the one before it left); at most
   * `MAX_WAITING_MAINTENANCE_CHANGES` wait (503 beyond).
   */
  private inTurn(change: () => HttpResponse | Promise<HttpResponse>): HttpResponse | Promise<HttpResponse> {
    if (!this.changing) return change();
    if (this.waiting.length >= MAX_WAITING_MAINTENANCE_CHANGES) return httpError(503, 'Too many maintenance changes are waiting to be written; try again');
    return new Promise<HttpResponse>((resolve) => {
      this.waiting.push(() => {
        const answer = change();
        resolve(answer);
        // A change refused before any write lets the next one run.
        if (!(answer instanceof Promise)) this.next();
      });
    });
  }

  /** Writes `change` to the registry; once it is durable, `apply` runs (in the master's mailbox) and the answer is 200. */
  private write(change: MaintenanceChange, apply: () => void): Promise<HttpResponse> {
    this.changing = true;
    return new Promise<HttpResponse>((resolve) => {
      this.port.durably(this.port.registry.changeMaintenance(change), () => {
        apply();
        resolve(ok(''));
        this.next();
      }, (error) => {
        this.port.log.error({ error: error.message, change: change.type }, 'the registry refused a maintenance change');
        resolve(httpError(500, `the registry refused the change: ${error.message}`));
        this.next();
      });
    });
  }

  /** The change being written is done: the next waiting one runs. */
  private next(): void {
    this.changing = false;
    const waiting = this.waiting.shift();
    waiting?.();
  }

  /**
   * Takes `record` in (the registry's, after a change is durable), and files the registered
   * agents of its machines again: one walk of the agents at an operator's change of the schedule
   * (a set lookup of each one's IP; the key made only for those at a machine's IP), none while no
   * machine is in it.
   */
  private adopt(record: MaintenanceRecord): void {
    this.record = record;
    const machines = new Map<string, MachineRecord>();
    // Frozen: offers share a machine's unavailability, and offers are values.
    for (const machine of record.machines) machines.set(machineKey(machine.id), deepFrozen(machine));
    this.machines = machines;
    this.machineIps = new Set(record.machines.flatMap((machine) => (machine.id.ip === undefined ? [] : [machine.id.ip])));
    this.agentMachines = new Map();
    this.machineAgents = new Map();
    if (machines.size === 0) return;
    for (const agent of this.port.state.agents.values()) this.index(agent);
  }

  /**
   * The unavailability of machine `key` was set again, or cleared (Mesos' `updateUnavailability`):
   * each registered agent of it has its offers rescinded and its inverse offers rescinded, and
   * starts again with no answers and no filters, with the unavailability it has now (if any).
   */
  private unavailabilityChanged(key: string, agentIds: Iterable<string> | undefined): void {
    const unavailability = this.machines.get(key)?.unavailability;
    for (const agentId of agentIds ?? []) {
      const agent = this.port.state.agents.get(agentId);
      this.forgetDrain(agentId, true);
      if (agent === undefined || agent.removing) continue;
      this.port.log.info({ agentId, start: unavailability?.start.nanoseconds }, unavailability === undefined ? 'removing the unavailability of an agent' : 'updating the unavailability of an agent');
      this.port.rescindAgentOffers(agent);
      if (unavailability !== undefined) this.drains.set(agentId, newDrain());
    }
  }

  /** Forgets agent `agentId`'s machine and its drain (its inverse offers rescinded when `rescind`). */
  private forgetAgent(agentId: string, rescind: boolean): void {
    this.forgetDrain(agentId, rescind);
    const key = this.agentMachines.get(agentId);
    if (key === undefined) return;
    this.agentMachines.delete(agentId);
    const agents = this.machineAgents.get(key);
    agents?.delete(agentId);
    if (agents?.size === 0) this.machineAgents.delete(key);
  }

  private forgetDrain(agentId: string, rescind: boolean): void {
    const drain = this.drains.get(agentId);
    if (drain === undefined) return;
    for (const entry of [...drain.offers.values()]) this.retire(entry, rescind);
    this.drains.delete(agentId);
  }

  /** Takes an inverse offer off the books; `rescind`: its framework is told. */
  private retire(entry: InverseOfferEntry, rescind: boolean): void {
    const { offer } = entry.record;
    if (this.inverseOffers.get(offer.id) !== entry) return;
    this.inverseOffers.delete(offer.id);
    entry.timer?.cancel();
    entry.timer = undefined;
    this.drains.get(offer.agentId)?.offers.delete(offer.frameworkId);
    this.port.state.removeInverseOffer(entry.record);
    if (!rescind) return;
    const framework = this.port.state.frameworks.get(offer.frameworkId);
    if (framework !== undefined && framework.connected && framework.pid !== undefined) this.port.rescindInverseOffer(framework, offer.id);
  }

  /** The next pass, in an allocation interval, while any agent drains. */
  private schedulePass(): void {
    if (this.passTimer !== undefined || this.drains.size === 0) return;
    this.passTimer = this.port.delay(this.port.passIntervalMs, () => {
      this.passTimer = undefined;
      this.pass();
    });
  }

  /**
   * Makes the inverse offers due (Mesos' allocator `generateInverseOffers` and master
   * `inverseOffer`): for each connected, active agent of a machine with an unavailability, each
   * active framework holding something there (a live task, an executor, an offer) without an
   * outstanding inverse offer of the agent or a filter against it; each framework gets its new
   * ones in one message.
   */
  private pass(): void {
    const nowMs = this.port.now();
    const { state } = this.port;
    const made = new Map<FrameworkRecord, InverseOffer[]>();
    for (const [agentId, drain] of this.drains) {
      const agent = state.agents.get(agentId);
      const key = this.agentMachines.get(agentId);
      const unavailability = key === undefined ? undefined : this.machines.get(key)?.unavailability;
      if (agent === undefined || !agent.active || agent.removing || unavailability === undefined) continue;
      for (const frameworkId of holders(state, agent)) {
        if (drain.offers.has(frameworkId)) continue;
        const until = drain.filters.get(frameworkId);
        if (until !== undefined) {
          if (until > nowMs) continue;
          drain.filters.delete(frameworkId);
        }
        const framework = state.frameworks.get(frameworkId);
        if (framework === undefined || !framework.active || !framework.connected || framework.pid === undefined) continue;
        const offer: InverseOffer = { id: this.port.newOfferId(), frameworkId, agentId, unavailability };
        const entry: InverseOfferEntry = { record: { offer, url: this.port.agentEndpoint(agentId) }, timer: undefined };
        this.inverseOffers.set(offer.id, entry);
        drain.offers.set(frameworkId, entry);
        state.addInverseOffer(entry.record);
        const timeoutMs = this.port.offerTimeoutMs;
        if (timeoutMs !== undefined) entry.timer = this.port.delay(timeoutMs, () => this.retire(entry, true));
        const offers = made.get(framework);
        if (offers === undefined) made.set(framework, [offer]);
        else offers.push(offer);
      }
    }
    for (const [framework, offers] of made) {
      this.port.log.info({ frameworkId: framework.id, inverseOffers: offers.map((offer) => offer.id) }, 'sending inverse offers');
      this.port.sendInverseOffers(framework, offers);
    }
    this.schedulePass();
  }
}

/** The frameworks holding something on `agent`: a live task, an executor or an offer (Mesos' `getOfferedOrAllocated`). */
function holders(state: MasterState, agent: AgentRecord): Set<string> {
  const frameworkIds = new Set<string>();
  for (const [frameworkId, tasks] of agent.tasks) {
    for (const tracked of tasks.values()) {
      if (isTerminalState(tracked.task.state)) continue;
      frameworkIds.add(frameworkId);
      break;
    }
  }
  for (const [frameworkId, executors] of agent.executors) if (executors.size > 0) frameworkIds.add(frameworkId);
  for (const offerId of agent.offerIds) {
    const record = state.offers.get(offerId);
    if (record !== undefined) frameworkIds.add(record.offer.frameworkId);
  }
  return frameworkIds;
}

function newDrain(): AgentDrain {
  return { offers: new Map(), statuses: new Map(), filters: new Map() };
}

/**
 * An inverse offer filter's seconds, as Mesos' allocator takes `refuse_seconds`: the default
 * (5 s) when none is given or it is negative or not finite, at most a year.
 */
function refuseSecondsOf(filters: Filters | undefined): number {
  const seconds = filters?.refuseSeconds;
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return DEFAULT_INVERSE_OFFER_REFUSE_SECONDS;
  return Math.min(seconds, MAX_REFUSE_SECONDS);
}

/** 405 naming the methods served, as Mesos' `MethodNotAllowed`. */
function refusedMethod(methods: readonly string[], method: string): HttpResponse {
  return methodNotAllowed(methods, `Expecting ${methods.map((allowed) => `'${allowed}'`).join(' or ')}, received '${boundedText(method, MAX_ERROR_DETAIL_LENGTH)}'`);
}

/** A request's body as JSON, or why not (Mesos answers 400 with the parser's words). */
function parseJsonBody(request: HttpRequest): { readonly value: unknown } | string {
  const text = strictUtf8(request.body);
  if (text === undefined) return 'Failed to parse body into JSON: the body is not valid UTF-8';
  const parsed = parseUnicodeJson(text);
  return 'json' in parsed ? { value: parsed.json } : `Failed to parse body into JSON: ${parsed.error}`;
}

/** `value` frozen, with every object in it. */
function deepFrozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const field of Object.values(value)) deepFrozen(field);
    Object.freeze(value);
  }
  return value;
}
