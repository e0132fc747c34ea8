/**
 * Mesos' maintenance primitives as data (`include/mesos/maintenance/maintenance.proto` and the
 * `MachineID`, `Unavailability` and `InverseOfferStatus` messages): a schedule of windows, each a
 * set of machines and when they become unavailable; the machines named by host name and IP.
 * The JSON forms are Mesos' (the same in its v0 endpoints, `/master/maintenance/schedule` and
 * `/master/machine/down`, and in its v1 operator calls): `parseScheduleJson` and
 * `parseMachineIdsJson` check what an operator sends, with an error naming the first bad field;
 * the `render*` functions write what the master answers, empty lists left out as Mesos' JSON
 * leaves them. What a schedule may say (a machine in one window at most, well-formed IPs, ...)
 * is the master's to check (actors/master/maintenance.ts), as Mesos' `maintenance::validation`.
 *
 * @example
 *   parseScheduleJson({ windows: [{ machine_ids: [{ hostname: 'h1', ip: '10.0.0.1' }],
 *     unavailability: { start: { nanoseconds: 1443830400000000000 } } }] })
 *   // { ok: true, schedule: [{ machineIds: [{ hostname: 'h1', ip: '10.0.0.1' }], unavailability: { start: { nanoseconds: 1443830400000000000 } } }] }
 */
import { z } from 'zod';
import { MAX_HOSTNAME_LENGTH, type Unavailability } from './protocol';
import { checkedCall, v1Number, type V1Json } from './v1/json';

/** A machine (Mesos' `MachineID`): its host name (case does not matter) and its IP, either left out. */
export interface MachineId {
  readonly hostname?: string;
  readonly ip?: string;
}

/** Machines that become unavailable together (Mesos' `maintenance::Window`). */
export interface MaintenanceWindow {
  readonly machineIds: readonly MachineId[];
  readonly unavailability: Unavailability;
}

/** The cluster's maintenance schedule (Mesos' `maintenance::Schedule`): its windows, in order. */
export type MaintenanceSchedule = readonly MaintenanceWindow[];

/** A machine's mode (Mesos' `MachineInfo.Mode`): UP (not scheduled), DRAINING (scheduled), DOWN (in maintenance). */
export type MachineMode = 'UP' | 'DRAINING' | 'DOWN';

/** A framework's answer to an inverse offer (Mesos' `InverseOfferStatus`); `timestampNs` when it answered. */
export interface InverseOfferStatus {
  readonly status: 'ACCEPT' | 'DECLINE';
  readonly frameworkId: string;
  readonly timestampNs: number;
}

/** Most windows a schedule may have. */
export const MAX_MAINTENANCE_WINDOWS = 10_000;
/** Most machines a schedule may name (in all its windows), and a machine list (`/machine/down`, `/machine/up`). */
export const MAX_MAINTENANCE_MACHINES = 100_000;
/** Longest IP a machine id may give (an IPv4 address is at most 15 characters; longer is refused as not one). */
export const MAX_MACHINE_IP_CHARS = 64;

/** Mesos' int64 nanoseconds (a number, or its decimal text as protobuf's JSON writers give it). */
const nanoseconds = v1Number(
  z.number({ error: 'must be a number of nanoseconds' })
    .min(-9_223_372_036_854_775_808, 'must fit in 64 bits').max(9_223_372_036_854_775_807, 'must fit in 64 bits')
    .refine(Number.isInteger, 'must be an integer'),
);
const required = { error: (issue: { input: unknown }): string => (issue.input === undefined ? 'is required' : 'must be an object') };
const timeInfo = z.object({ nanoseconds }, required);
const machineIdSchema = z.object({
  hostname: z.string({ error: 'must be a string' }).max(MAX_HOSTNAME_LENGTH, `must be at most ${MAX_HOSTNAME_LENGTH} characters`).optional(),
  ip: z.string({ error: 'must be a string' }).max(MAX_MACHINE_IP_CHARS, `must be at most ${MAX_MACHINE_IP_CHARS} characters`).optional(),
}, { error: 'must be an object (a MachineID: {"hostname": ..., "ip": ...})' });
const machineIdsSchema = z.array(machineIdSchema, { error: 'must be an array of machines' }).max(MAX_MAINTENANCE_MACHINES, `must have at most ${MAX_MAINTENANCE_MACHINES} entries`);
const unavailabilitySchema = z.object({ start: timeInfo, duration: timeInfo.optional() }, required);
const windowSchema = z.object({ machine_ids: machineIdsSchema.optional(), unavailability: unavailabilitySchema }, { error: 'must be an object (a window: {"machine_ids": [...], "unavailability": {...}})' });
const scheduleSchema = z.object({
  windows: z.array(windowSchema, { error: 'must be an array of windows' }).max(MAX_MAINTENANCE_WINDOWS, `must have at most ${MAX_MAINTENANCE_WINDOWS} entries`).optional(),
}, { error: 'must be an object (a maintenance schedule: {"windows": [...]})' });

/** A checked schedule, or why not (naming the first bad field). */
export type ParsedSchedule = { readonly ok: true; readonly schedule: MaintenanceSchedule } | { readonly ok: false; readonly error: string };
/** A checked list of machines, or why not. */
export type ParsedMachineIds = { readonly ok: true; readonly machineIds: readonly MachineId[] } | { readonly ok: false; readonly error: string };

/**
 * A maintenance schedule in Mesos' JSON (`{"windows": [{"machine_ids": [...], "unavailability":
 * {"start": {"nanoseconds": N}, "duration": {...}}}]}`; already parsed), in this module's form.
 * Unknown fields are ignored and nulls are unset fields, as Mesos' JSON-to-protobuf parser takes
 * them. Only the form is checked here.
 */
export function parseScheduleJson(json: unknown): ParsedSchedule {
  const checked = checkedCall(scheduleSchema, json);
  if (!checked.ok) return checked;
  const schedule = (checked.value.windows ?? []).map((window): MaintenanceWindow => ({
    machineIds: (window.machine_ids ?? []).map(machineIdOf),
    unavailability: unavailabilityOf(window.unavailability),
  }));
  return { ok: true, schedule };
}

/** A list of machines in Mesos' JSON (`[{"hostname": ..., "ip": ...}]`, as `/master/machine/down` takes it; already parsed). */
export function parseMachineIdsJson(json: unknown): ParsedMachineIds {
  const checked = checkedCall(machineIdsSchema, json);
  return checked.ok ? { ok: true, machineIds: checked.value.map(machineIdOf) } : checked;
}

function machineIdOf(id: z.infer<typeof machineIdSchema>): MachineId {
  return { ...(id.hostname !== undefined ? { hostname: id.hostname } : {}), ...(id.ip !== undefined ? { ip: id.ip } : {}) };
}

function unavailabilityOf(given: z.infer<typeof unavailabilitySchema>): Unavailability {
  return given.duration === undefined ? { start: given.start } : { start: given.start, duration: given.duration };
}

/**
 * One key per machine as Mesos tells machines apart (`MachineID`'s `==`): the host name without
 * case (ASCII, as stout's `strings::lower`) and the IP as given; a field left out differs from
 * every value, the empty one included.
 */
export function machineKey(id: MachineId): string {
  // The host name's length first: no host name or IP can make another machine's key.
  const hostname = id.hostname === undefined ? '-' : `${id.hostname.length}:${lowerAscii(id.hostname)}`;
  return id.ip === undefined ? `${hostname}|-` : `${hostname}|=${id.ip}`;
}

/** The machine of an agent (Mesos' `Slave::machineId`): its host name and its pid's IP. */
export function agentMachineKey(hostname: string, ip: string): string {
  return machineKey({ hostname, ip });
}

function lowerAscii(text: string): string {
  // ASCII only (stout's `strings::lower`): `toLowerCase` would also lower other scripts' letters.
  return ASCII.test(text) ? text.toLowerCase() : text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

const ASCII = /^[\x00-\x7f]*$/;

/** A machine id as Mesos quotes it in an error (`stringify(JSON::protobuf(id))`): `{"hostname":"h","ip":"10.0.0.1"}`. */
export function describeMachine(id: MachineId): string {
  return JSON.stringify(renderMachineId(id));
}

/** A `MachineID` in JSON. */
export function renderMachineId(id: MachineId): V1Json {
  return { ...(id.hostname !== undefined ? { hostname: id.hostname } : {}), ...(id.ip !== undefined ? { ip: id.ip } : {}) };
}

/** A schedule as Mesos' JSON (`maintenance::Schedule`): `{}` when it has no window. */
export function renderSchedule(schedule: MaintenanceSchedule): V1Json {
  if (schedule.length === 0) return {};
  return {
    windows: schedule.map((window) => ({
      ...(window.machineIds.length > 0 ? { machine_ids: window.machineIds.map(renderMachineId) } : {}),
      unavailability: renderUnavailability(window.unavailability),
    })),
  };
}

/** An `Unavailability` in JSON (a copy: the books' own objects are never handed out). */
export function renderUnavailability(unavailability: Unavailability): V1Json {
  return {
    start: { nanoseconds: unavailability.start.nanoseconds },
    ...(unavailability.duration !== undefined ? { duration: { nanoseconds: unavailability.duration.nanoseconds } } : {}),
  };
}

/** An `InverseOfferStatus` in JSON. */
export function renderInverseOfferStatus(status: InverseOfferStatus): V1Json {
  return { status: status.status, framework_id: { value: status.frameworkId }, timestamp: { nanoseconds: status.timestampNs } };
}

/** A draining machine of the cluster's status: its id, and the frameworks' answers to the inverse offers of its agents. */
export interface DrainingMachineStatus {
  readonly id: MachineId;
  readonly statuses: readonly InverseOfferStatus[];
}

/** Mesos' `maintenance::ClusterStatus` in JSON: `{}` when no machine is draining or down. */
export function renderClusterStatus(draining: readonly DrainingMachineStatus[], down: readonly MachineId[]): V1Json {
  return {
    ...(draining.length > 0 ? {
      draining_machines: draining.map((machine) => ({
        id: renderMachineId(machine.id),
        ...(machine.statuses.length > 0 ? { statuses: machine.statuses.map(renderInverseOfferStatus) } : {}),
      })),
    } : {}),
    ...(down.length > 0 ? { down_machines: down.map(renderMachineId) } : {}),
  };
}
