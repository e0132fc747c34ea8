/**
 * Mesos' v1 JSON (issue 11): the protobuf messages of `include/mesos/v1/mesos.proto` as Mesos'
 * HTTP APIs encode them in JSON — snake_case fields, enums as their names, ids as
 * `{"value": ...}`, `bytes` as base64, unset fields omitted — converted to and from this
 * project's own types. Pure functions; the HTTP APIs (scheduler, executor, operator) share them.
 *
 * Bytes (`data`, `uuid`) are carried inside the cluster as text: a v1 client's base64 is
 * decoded as UTF-8 where its bytes are UTF-8 text, else kept as `base64:<base64>`
 * (`V1_OPAQUE_BYTES_PREFIX`), and either is encoded back as the very same bytes. (Binary `data`
 * decoded as UTF-8 came out with U+FFFD in place of each byte that was not text, between two
 * HTTP endpoints too.)
 */
import { z } from 'zod';
import type { DiskInfoJSON, ResourceJSON } from '../resources/types';
import { plainDataError } from '../protocol/plain';
import { MAX_COMMAND_URIS, MAX_SHORT_TEXT_LENGTH, MAX_URI_LENGTH } from '../protocol/limits';
import type { AgentInfo, Attributes, CheckInfo, CheckStatusInfo, CommandInfo, CommandUri, ExecutorInfo, FrameworkCapability, FrameworkInfo, HealthCheck, HttpCheck, InverseOffer, MasterInfo, Offer, OfferFilters, Operation, OperationStatus, TaskInfo, TaskStatus, Unavailability } from '../protocol';
import { MAX_CHECK_STATUSES } from '../protocol/limits';
import { isUuidBytes, isUuidText, uuidBytes, uuidText, UUID_BYTES } from '../uuid';
import { attributeRanges } from '../attributes';

/** A JSON object as Mesos writes one. */
export type V1Json = Record<string, unknown>;

/** A v1 call refused: why (a 400), or, `unserved`, a call type Mesos answers 501 Not Implemented. */
export type V1CallRefusal = { readonly ok: false; readonly error: string; readonly unserved?: true };

/**
 * A call of type UNKNOWN, the placeholder of Mesos' call enums: each of Mesos' APIs validates it,
 * then answers 501 Not Implemented (its master and agent log "Received 'UNKNOWN' call").
 */
export const UNKNOWN_CALL_REFUSAL: V1CallRefusal = { ok: false, error: "call type 'UNKNOWN' is not implemented", unserved: true };

/** A Mesos id message: `{"value": "..."}`. */
export interface V1Id {
  value: string;
}

/** `value` as a Mesos id message. */
export function v1Id(value: string): V1Id {
  return { value };
}

/** Text as a protobuf `bytes` field in JSON: base64 of its UTF-8 bytes. */
export function v1Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** A protobuf `bytes` field from JSON (base64) as text; undefined when it is not base64. */
export function textOfV1Bytes(base64: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 === 1) return undefined;
  return Buffer.from(base64, 'base64').toString('utf8');
}

/** How an opaque id (a status update's `uuid`) that is not UTF-8 text travels inside the cluster: this prefix, then its base64. */
export const V1_OPAQUE_BYTES_PREFIX = 'base64:';

/**
 * A `bytes` field from JSON (base64), such as a message's `data`, as text that `v1OpaqueBytes`
 * turns back into the very same bytes: UTF-8 text where the bytes are that (and do not start
 * with `V1_OPAQUE_BYTES_PREFIX`), else the prefix and the base64. Undefined when it is not base64.
 */
export function textOfV1Data(base64: string): string | undefined {
  const text = textOfV1Bytes(base64);
  if (text === undefined) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  if (Buffer.from(text, 'utf8').equals(bytes) && !text.startsWith(V1_OPAQUE_BYTES_PREFIX)) return text;
  return `${V1_OPAQUE_BYTES_PREFIX}${bytes.toString('base64')}`;
}

/** Mesos' words for a `uuid` that is not 16 bytes of a UUID of versions 1–5 (stout's `UUID::fromBytes`). */
export const NOT_A_VALID_UUID = 'Not a valid UUID';

/**
 * A status update's `uuid` from JSON (base64 of 16 bytes, a UUID as Mesos takes one) as the
 * UUID's text, as uuids travel inside the cluster (`lib/uuid.ts`); undefined for anything else,
 * which Mesos refuses as `NOT_A_VALID_UUID`.
 */
export function textOfV1Uuid(base64: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  return isUuidBytes(bytes) ? uuidText(bytes) : undefined;
}

/**
 * An ACKNOWLEDGE's `uuid` (base64) as the text of the uuid it acknowledges: a UUID's 16 bytes as
 * `textOfV1Uuid` takes them; else, for an update of an executor an older agent started (its uuid
 * text of its own, sent as those bytes by `v1Uuid`), printable text, taken as it is. Undefined
 * for anything else (not base64, empty, 16 bytes of no UUID, bytes that are not text), which
 * Mesos refuses as `NOT_A_VALID_UUID`.
 */
export function textOfV1AcknowledgedUuid(base64: string): string | undefined {
  const uuid = textOfV1Uuid(base64);
  if (uuid !== undefined) return uuid;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === UUID_BYTES || bytes.length === 0 || bytes.length > MAX_SHORT_TEXT_LENGTH) return undefined;
  const text = bytes.toString('latin1');
  return /^[\x21-\x7e]+$/.test(text) && !isUuidText(text) ? text : undefined;
}

/**
 * A status update's uuid as a v1 `bytes` field: a UUID's text (every uuid this project makes) as
 * its 16 bytes, as Mesos sends them, so a client may parse it as a UUID and send it back in an
 * ACKNOWLEDGE; any other text (an actor program's own) as its bytes (`v1OpaqueBytes`).
 */
export function v1Uuid(text: string): string {
  return isUuidText(text) ? uuidBytes(text).toString('base64') : v1OpaqueBytes(text);
}

/**
 * Bytes kept by `textOfV1Data` (or made here as text) as base64 again.
 * A `base64:` text is unwrapped only when `textOfV1Data` would have made it from those bytes:
 * an actor program's own text that starts so (`base64:hello`) goes out as its UTF-8, as sent.
 */
export function v1OpaqueBytes(text: string): string {
  if (text.startsWith(V1_OPAQUE_BYTES_PREFIX)) {
    const base64 = text.slice(V1_OPAQUE_BYTES_PREFIX.length);
    // textOfV1Data writes its base64 canonically: equal text means these very bytes.
    if (textOfV1Data(base64) === text) return base64;
  }
  return v1Bytes(text);
}

/** Where an agent serves its HTTP API: an offer's `url` (Mesos: scheme, address, path). */
export interface AgentEndpoint {
  readonly hostname: string;
  readonly ip: string;
  readonly port: number;
  /** The agent actor's id (`slave(1)`): Mesos' offers carry `/slave(1)` as the path. */
  readonly actorId: string;
  /** `https` under TLS. */
  readonly scheme?: 'http' | 'https';
}

/**
 * Resources in v1 JSON, in the format after reservation refinement (Mesos' own): a reservation as
 * `reservations` (a static one `{type: STATIC, role}`, a dynamic one `{type: DYNAMIC, role,
 * principal, labels}`), a persistent volume's `disk` (`{persistence, volume}`), with the
 * allocation role on each (as Mesos' offers have). Takes either form of Mesos JSON: the
 * cluster's own lists are pre-refinement (`role`, `reservation`).
 */
export function v1Resources(resources: readonly ResourceJSON[], allocationRole?: string): V1Json[] {
  return resources.map((resource) => {
    const out: V1Json = { name: resource.name, type: resource.type };
    if (resource.scalar !== undefined) out.scalar = { value: resource.scalar.value };
    if (resource.ranges !== undefined) out.ranges = { range: resource.ranges.range.map((range) => ({ begin: range.begin, end: range.end })) };
    if (resource.set !== undefined) out.set = { item: [...resource.set.item] };
    if (resource.reservations !== undefined && resource.reservations.length > 0) out.reservations = resource.reservations.map(v1Reservation);
    else if (resource.role !== undefined && resource.role !== '*') out.reservations = [v1Reservation(resource.reservation === undefined ? { type: 'STATIC', role: resource.role } : { type: 'DYNAMIC', role: resource.role, ...resource.reservation })];
    if (resource.disk !== undefined) out.disk = v1Disk(resource.disk);
    if (allocationRole !== undefined) out.allocation_info = { role: allocationRole };
    return out;
  });
}

/** One `Resource.ReservationInfo` in v1 JSON: a copy (labels too), without the fields it does not have. */
function v1Reservation(reservation: NonNullable<ResourceJSON['reservations']>[number]): V1Json {
  const out: V1Json = {};
  if (reservation.type !== undefined) out.type = reservation.type;
  out.role = reservation.role;
  if (reservation.principal !== undefined) out.principal = reservation.principal;
  if (reservation.labels !== undefined) out.labels = { labels: reservation.labels.labels.map((label) => ({ ...label })) };
  return out;
}

/** A persistent volume's `Resource.DiskInfo` in v1 JSON: a copy of its `persistence` and `volume`. */
function v1Disk(disk: DiskInfoJSON): V1Json {
  const out: V1Json = {};
  if (disk.persistence !== undefined) out.persistence = { ...disk.persistence };
  if (disk.volume !== undefined) out.volume = { ...disk.volume };
  return out;
}

/** An offer operation's status in v1 JSON (Mesos' `OperationStatus`: `uuid` as a UUID message's 16 bytes). */
export function v1OperationStatus(status: OperationStatus): V1Json {
  const out: V1Json = { state: status.state };
  if (status.operationId !== undefined) out.operation_id = v1Id(status.operationId);
  if (status.message !== undefined) out.message = status.message;
  if (status.uuid !== undefined) out.uuid = { value: v1Uuid(status.uuid) };
  if (status.agentId !== undefined) out.agent_id = v1Id(status.agentId);
  if (status.resourceProviderId !== undefined) out.resource_provider_id = v1Id(status.resourceProviderId);
  return out;
}

/**
 * An offer operation other than a launch in v1 JSON (`Offer.Operation`: its `type`, `id` and the
 * message its type names), as GET_OPERATIONS shows the operation an operation record carries out.
 */
export function v1OfferOperation(operation: Operation): V1Json {
  const out: V1Json = { type: operation.type };
  if (operation.id !== undefined) out.id = v1Id(operation.id);
  if (operation.reserve !== undefined) out.reserve = { resources: v1Resources(operation.reserve.resources) };
  if (operation.unreserve !== undefined) out.unreserve = { resources: v1Resources(operation.unreserve.resources) };
  if (operation.create !== undefined) out.create = { volumes: v1Resources(operation.create.volumes) };
  if (operation.destroy !== undefined) out.destroy = { volumes: v1Resources(operation.destroy.volumes) };
  if (operation.growVolume !== undefined) out.grow_volume = { volume: v1Resources([operation.growVolume.volume])[0] as V1Json, addition: v1Resources([operation.growVolume.addition])[0] as V1Json };
  if (operation.shrinkVolume !== undefined) out.shrink_volume = { volume: v1Resources([operation.shrinkVolume.volume])[0] as V1Json, subtract: { value: operation.shrinkVolume.subtract.value } };
  return out;
}

/**
 * Attributes in v1 JSON: `[{name, type: TEXT, text: {value}}]`, `SCALAR` for numbers, `RANGES`
 * for ranges (`[1-10]`, `{range: [{begin: 1, end: 10}]}`), as Mesos' agent declares them.
 */
export function v1Attributes(attributes: Attributes | undefined): V1Json[] {
  return Object.entries(attributes ?? {}).map(([name, value]) => {
    if (typeof value === 'number') return { name, type: 'SCALAR', scalar: { value } };
    const ranges = attributeRanges(value);
    if (ranges !== undefined) return { name, type: 'RANGES', ranges: { range: ranges.map(({ begin, end }) => ({ begin, end })) } };
    return { name, type: 'TEXT', text: { value } };
  });
}

/**
 * How a framework reads offers (Mesos' capabilities): without MULTI_ROLE an offer carries no
 * `allocation_info`; without RESERVATION_REFINEMENT its resources are in the format before
 * reservation refinement (`role`, and a dynamic reservation's `reservation`, instead of
 * `reservations`), as Mesos converts them for such frameworks.
 */
export interface V1OfferFormat {
  readonly multiRole: boolean;
  readonly reservationRefinement: boolean;
}

/** The format of an offer for a framework with every capability (the operator API's). */
export const V1_CURRENT_OFFER_FORMAT: V1OfferFormat = { multiRole: true, reservationRefinement: true };

/** The offer format for a framework with `capabilities` (v1 names, e.g. `MULTI_ROLE`). */
export function v1OfferFormat(capabilities: readonly string[] | undefined): V1OfferFormat {
  return { multiRole: capabilities?.includes('MULTI_ROLE') === true, reservationRefinement: capabilities?.includes('RESERVATION_REFINEMENT') === true };
}

/**
 * Resources in the format before reservation refinement (Mesos' `convertResourceFormat` to
 * PRE_RESERVATION_REFINEMENT): `role` (`*` when unreserved), a dynamic reservation's principal
 * and labels as `reservation`, no `reservations`. A resource with refined reservations stays as it
 * is (Mesos never offers one to a framework that cannot read it).
 */
export function v1PreRefinementResources(resources: readonly V1Json[]): V1Json[] {
  return resources.map((resource) => {
    const reservations = (resource.reservations ?? []) as ReadonlyArray<{ type?: string; role?: string; principal?: string; labels?: unknown }>;
    if (reservations.length > 1) return resource;
    const { reservations: _reservations, ...rest } = resource;
    const [reservation] = reservations;
    if (reservation === undefined) return { ...rest, role: '*' };
    const dynamic = reservation.type === 'DYNAMIC'
      ? { reservation: { ...(reservation.principal !== undefined ? { principal: reservation.principal } : {}), ...(reservation.labels !== undefined ? { labels: reservation.labels } : {}) } }
      : {};
    return { ...rest, role: reservation.role, ...dynamic };
  });
}

/** An offer as a v1 scheduler sees it in an OFFERS event, in the format `format` says its framework reads. */
export function v1Offer(offer: Offer, agent: AgentEndpoint, format: V1OfferFormat = V1_CURRENT_OFFER_FORMAT): V1Json {
  const resources = v1Resources(offer.resources, format.multiRole ? offer.allocationRole : undefined);
  const out: V1Json = {
    id: v1Id(offer.id),
    framework_id: v1Id(offer.frameworkId),
    agent_id: v1Id(offer.agentId),
    hostname: offer.hostname,
    url: {
      scheme: agent.scheme ?? 'http',
      address: { hostname: agent.hostname, ip: agent.ip, port: agent.port },
      path: `/${agent.actorId}`,
    },
    resources: format.reservationRefinement ? resources : v1PreRefinementResources(resources),
    ...(format.multiRole ? { allocation_info: { role: offer.allocationRole } } : {}),
  };
  if (offer.attributes !== undefined && Object.keys(offer.attributes).length > 0) out.attributes = v1Attributes(offer.attributes);
  if (offer.executorIds !== undefined && offer.executorIds.length > 0) out.executor_ids = offer.executorIds.map(v1Id);
  if (offer.unavailability !== undefined) out.unavailability = v1Unavailability(offer.unavailability);
  return out;
}

/** An `Unavailability` (maintenance) in v1 JSON: `start`, and `duration` when it has one. */
export function v1Unavailability(unavailability: Unavailability): V1Json {
  return {
    start: { nanoseconds: unavailability.start.nanoseconds },
    ...(unavailability.duration !== undefined ? { duration: { nanoseconds: unavailability.duration.nanoseconds } } : {}),
  };
}

/**
 * An inverse offer (maintenance) as v1's `InverseOffer`: the agent whose resources are asked back
 * (with its `url`, as an offer's, when it is known) and the unavailability; no `resources`
 * (everything the framework holds there, as Mesos' maintenance inverse offers).
 */
export function v1InverseOffer(offer: InverseOffer, agent: AgentEndpoint | undefined): V1Json {
  return {
    id: v1Id(offer.id),
    ...(agent !== undefined ? { url: { scheme: agent.scheme ?? 'http', address: { hostname: agent.hostname, ip: agent.ip, port: agent.port }, path: `/${agent.actorId}` } } : {}),
    framework_id: v1Id(offer.frameworkId),
    agent_id: v1Id(offer.agentId),
    unavailability: v1Unavailability(offer.unavailability),
  };
}

/** A task status in v1 JSON (`uuid` and `data` as base64). */
export function v1TaskStatus(status: TaskStatus): V1Json {
  const out: V1Json = { task_id: v1Id(status.taskId), state: status.state };
  if (status.message !== undefined) out.message = status.message;
  if (status.source !== undefined) out.source = status.source;
  if (status.reason !== undefined) out.reason = status.reason;
  if (status.data !== undefined) out.data = v1OpaqueBytes(status.data);
  if (status.agentId !== undefined) out.agent_id = v1Id(status.agentId);
  if (status.executorId !== undefined) out.executor_id = v1Id(status.executorId);
  if (status.timestamp !== undefined) out.timestamp = status.timestamp;
  if (status.uuid !== undefined) out.uuid = v1Uuid(status.uuid);
  if (status.healthy !== undefined) out.healthy = status.healthy;
  if (status.checkStatus !== undefined) out.check_status = v1CheckStatus(status.checkStatus);
  if (status.unreachableTime !== undefined) out.unreachable_time = { nanoseconds: Math.round(status.unreachableTime * 1e9) };
  return out;
}

/** AgentInfo in v1 JSON (what an executor's SUBSCRIBED carries). */
export function v1AgentInfo(info: AgentInfo): V1Json {
  const out: V1Json = { hostname: info.hostname, port: info.port, resources: v1Resources(info.resources) };
  if (info.id !== undefined) out.id = v1Id(info.id);
  if (info.attributes !== undefined && Object.keys(info.attributes).length > 0) out.attributes = v1Attributes(info.attributes);
  return out;
}

/** MasterInfo in v1 JSON: `ip` packed as Mesos packs it, plus `address`. */
export function v1MasterInfo(info: MasterInfo): V1Json {
  return {
    id: info.id,
    ip: packedIpv4(info.ip),
    port: info.port,
    pid: info.pid,
    hostname: info.hostname,
    version: info.version,
    address: { hostname: info.hostname, ip: info.ip, port: info.port },
  };
}

/** FrameworkInfo in v1 JSON. */
export function v1FrameworkInfo(info: FrameworkInfo): V1Json {
  const out: V1Json = { user: info.user, name: info.name };
  if (info.id !== undefined) out.id = v1Id(info.id);
  const roles = info.roles ?? ['*'];
  if (info.capabilities?.includes('MULTI_ROLE') === true) out.roles = roles;
  else out.role = roles[0] ?? '*';
  if (info.failoverTimeout !== undefined) out.failover_timeout = info.failoverTimeout;
  if (info.checkpoint !== undefined) out.checkpoint = info.checkpoint;
  if (info.hostname !== undefined) out.hostname = info.hostname;
  if (info.principal !== undefined) out.principal = info.principal;
  if (info.webuiUrl !== undefined) out.webui_url = info.webuiUrl;
  if (info.capabilities !== undefined) out.capabilities = info.capabilities.map((type) => ({ type }));
  if (info.offerFilters !== undefined) out.offer_filters = v1OfferFilters(info.offerFilters);
  if (info.labels !== undefined) out.labels = v1Labels(info.labels);
  return out;
}

/** A FrameworkInfo's `offer_filters` in v1 JSON (quantities as `Value.Scalar`s). */
function v1OfferFilters(filters: Readonly<Record<string, OfferFilters>>): V1Json {
  // A null prototype: a role named `__proto__` is an entry like any other.
  const out = Object.create(null) as V1Json;
  for (const [role, filter] of Object.entries(filters)) {
    const alternatives = filter.minAllocatableResources;
    out[role] = alternatives === undefined ? {} : {
      min_allocatable_resources: {
        quantities: alternatives.map((alternative) => ({ quantities: Object.fromEntries(Object.entries(alternative).map(([name, value]) => [name, { value }])) })),
      },
    };
  }
  return out;
}

/** A command in v1 JSON (`environment.variables` as name/value pairs). */
export function v1Command(command: CommandInfo): V1Json {
  const out: V1Json = { value: command.value };
  if (command.shell !== undefined) out.shell = command.shell;
  if (command.arguments !== undefined) out.arguments = [...command.arguments];
  if (command.user !== undefined) out.user = command.user;
  if (command.environment !== undefined) out.environment = { variables: Object.entries(command.environment).map(([name, value]) => ({ name, type: 'VALUE', value })) };
  if (command.uris !== undefined) out.uris = command.uris.map(v1Uri);
  return out;
}

/** A command's URI in v1 JSON (`output_file`). */
function v1Uri(uri: CommandUri): V1Json {
  const out: V1Json = { value: uri.value };
  if (uri.executable !== undefined) out.executable = uri.executable;
  if (uri.extract !== undefined) out.extract = uri.extract;
  if (uri.cache !== undefined) out.cache = uri.cache;
  if (uri.outputFile !== undefined) out.output_file = uri.outputFile;
  return out;
}

/** An executor in v1 JSON; with `allocationRole`, each of its resources carries that role (`allocation_info`), as the master's books show them. */
export function v1ExecutorInfo(info: ExecutorInfo, allocationRole?: string): V1Json {
  const out: V1Json = { executor_id: v1Id(info.executorId) };
  if (info.type !== undefined) out.type = info.type;
  if (info.command !== undefined) out.command = v1Command(info.command);
  if (info.frameworkId !== undefined) out.framework_id = v1Id(info.frameworkId);
  if (info.resources !== undefined) out.resources = v1Resources(info.resources, allocationRole);
  if (info.name !== undefined) out.name = info.name;
  if (info.source !== undefined) out.source = info.source;
  if (info.discovery !== undefined) out.discovery = info.discovery;
  if (info.shutdownGracePeriodNs !== undefined) out.shutdown_grace_period = { nanoseconds: info.shutdownGracePeriodNs };
  if (info.labels !== undefined) out.labels = v1Labels(info.labels);
  return out;
}

/** A task to launch in v1 JSON (what a LAUNCH event to an executor carries). */
export function v1TaskInfo(task: TaskInfo): V1Json {
  const out: V1Json = { name: task.name, task_id: v1Id(task.taskId), agent_id: v1Id(task.agentId), resources: v1Resources(task.resources) };
  if (task.command !== undefined) out.command = v1Command(task.command);
  if (task.executor !== undefined) out.executor = v1ExecutorInfo(task.executor);
  if (task.data !== undefined) out.data = v1OpaqueBytes(task.data);
  if (task.killPolicy !== undefined) out.kill_policy = { grace_period: { nanoseconds: Math.round(task.killPolicy.gracePeriodSeconds * 1e9) } };
  if (task.labels !== undefined) out.labels = v1Labels(task.labels);
  if (task.discovery !== undefined) out.discovery = task.discovery;
  if (task.healthCheck !== undefined) out.health_check = v1HealthCheck(task.healthCheck);
  if (task.check !== undefined) out.check = v1CheckInfo(task.check);
  return out;
}

/** An HTTP check's target in v1 JSON. */
function v1HttpCheck(http: HttpCheck): V1Json {
  const out: V1Json = { port: http.port };
  if (http.path !== undefined) out.path = http.path;
  if (http.scheme !== undefined) out.scheme = http.scheme;
  if (http.statuses !== undefined) out.statuses = [...http.statuses];
  return out;
}

/** The number fields of health checks and checks (checks have the first three), here and in Mesos' JSON. */
const CHECK_NUMBER_FIELDS = [
  ['delaySeconds', 'delay_seconds'], ['intervalSeconds', 'interval_seconds'], ['timeoutSeconds', 'timeout_seconds'],
  ['consecutiveFailures', 'consecutive_failures'], ['gracePeriodSeconds', 'grace_period_seconds'],
] as const;
type CheckNumbers = { -readonly [F in (typeof CHECK_NUMBER_FIELDS)[number][0]]?: number };
type V1CheckNumbers = { readonly [F in (typeof CHECK_NUMBER_FIELDS)[number][1]]?: number | undefined };

/** Copies the number fields `given` has into `out`, in Mesos' JSON names; returns `out`. */
function checkNumbersToV1(given: CheckNumbers, out: V1Json): V1Json {
  for (const [field, v1Field] of CHECK_NUMBER_FIELDS) if (given[field] !== undefined) out[v1Field] = given[field];
  return out;
}

/** Copies the number fields `given` (Mesos' JSON) has into `out`, in this project's names; returns `out`. */
function checkNumbersOfV1<T extends CheckNumbers>(given: V1CheckNumbers, out: T): T {
  for (const [field, v1Field] of CHECK_NUMBER_FIELDS) if (given[v1Field] !== undefined) out[field] = given[v1Field];
  return out;
}

/** A HealthCheck in v1 JSON (`delay_seconds`, `grace_period_seconds`, ...; the command is a CommandInfo). */
export function v1HealthCheck(healthCheck: HealthCheck): V1Json {
  const out: V1Json = { type: healthCheck.type };
  if (healthCheck.command !== undefined) out.command = v1Command(healthCheck.command);
  if (healthCheck.http !== undefined) out.http = v1HttpCheck(healthCheck.http);
  if (healthCheck.tcp !== undefined) out.tcp = { port: healthCheck.tcp.port };
  return checkNumbersToV1(healthCheck, out);
}

/** A CheckInfo in v1 JSON (the command as `command.command`, as in Mesos). */
export function v1CheckInfo(check: CheckInfo): V1Json {
  const out: V1Json = { type: check.type };
  if (check.command !== undefined) out.command = { command: v1Command(check.command.command) };
  if (check.http !== undefined) out.http = v1HttpCheck(check.http);
  if (check.tcp !== undefined) out.tcp = { port: check.tcp.port };
  return checkNumbersToV1(check, out);
}

/** A CheckStatusInfo in v1 JSON: `{type, command: {exit_code}}`, `{type, http: {status_code}}` or `{type, tcp: {succeeded}}`. */
export function v1CheckStatus(status: CheckStatusInfo): V1Json {
  const out: V1Json = { type: status.type };
  if (status.command !== undefined) out.command = status.command.exitCode === undefined ? {} : { exit_code: status.command.exitCode };
  if (status.http !== undefined) out.http = status.http.statusCode === undefined ? {} : { status_code: status.http.statusCode };
  if (status.tcp !== undefined) out.tcp = status.tcp.succeeded === undefined ? {} : { succeeded: status.tcp.succeeded };
  return out;
}

/** Capabilities Mesos defines that this cluster knows (others in a v1 FrameworkInfo are dropped, as unknown enum values are). */
export const KNOWN_CAPABILITIES: ReadonlySet<FrameworkCapability> = new Set<FrameworkCapability>([
  'MULTI_ROLE', 'GPU_RESOURCES', 'PARTITION_AWARE', 'TASK_KILLING_STATE', 'REVOCABLE_RESOURCES', 'SHARED_RESOURCES', 'REGION_AWARE', 'RESERVATION_REFINEMENT',
]);

/** `a.b.c.d` packed as Mesos packs `MasterInfo.ip` (network byte order read as a little-endian integer); 0 if not IPv4. */
export function packedIpv4(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return 0;
  const [a, b, c, d] = parts as [number, number, number, number];
  return ((d << 24) >>> 0) + (c << 16) + (b << 8) + a;
}

/** The dotted text of an IPv4 address packed as `packedIpv4` packs it; undefined for anything but such a number. */
export function unpackedIpv4(packed: unknown): string | undefined {
  if (typeof packed !== 'number' || !Number.isInteger(packed) || packed < 0 || packed > 0xffff_ffff) return undefined;
  return `${packed & 255}.${(packed >>> 8) & 255}.${(packed >>> 16) & 255}.${packed >>> 24}`;
}

/**
 * `body` (already parsed from JSON) checked against a call's schema: its value, or the reason
 * naming the first bad field (`accept.offer_ids.0.value: must be a non-empty string`). Shared by
 * the scheduler, executor and operator APIs.
 */
export function checkedCall<T>(schema: z.ZodType<T>, body: unknown): { ok: true; value: T } | { ok: false; error: string } {
  const notPlain = plainDataError(body);
  if (notPlain !== undefined) return { ok: false, error: notPlain };
  const parsed = schema.safeParse(withoutNulls(body));
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `${issue && issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue?.message ?? 'invalid'}` };
}

/**
 * `value` without its JSON nulls, at any depth: a field whose value is null is left out, and so
 * is a null in a list, as Mesos' JSON-to-protobuf parser takes a null for an unset field (stout's
 * `protobuf.hpp`). Clients built on protobuf.js (the npm `mesos-framework`) write every unset
 * field of a call as null. `value` itself, not a copy, when it holds no null (nearly every call).
 *
 * @example withoutNulls({ type: 'SUBSCRIBE', framework_id: null, a: [1, null] }) // { type: 'SUBSCRIBE', a: [1] }
 */
export function withoutNulls(value: unknown): unknown {
  return holdsNull(value) ? copiedWithoutNulls(value) : value;
}

function holdsNull(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some((item) => item === null || holdsNull(item));
  for (const field of Object.values(value)) if (field === null || holdsNull(field)) return true;
  return false;
}

function copiedWithoutNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(copiedWithoutNulls);
  // `fromEntries` defines each key as the body's own (a `__proto__` key stays a key, as JSON.parse made it).
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null).map(([key, field]) => [key, copiedWithoutNulls(field)]));
}

/**
 * Who a client is, for the per-client limits: its IPv4 address (also when it reaches an IPv6
 * socket as `::ffff:a.b.c.d`), or its IPv6 /64 (one machine may hold a whole /64 and could
 * otherwise take a new address per subscription).
 */
export function clientOf(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  const address = remoteAddress.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!address.includes(':')) return address;
  // Expand `::` so that the first four groups are the /64.
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

// ---- schema pieces the APIs' call parsers share ---------------------------------------------

/** A number as text, as Mesos' JSON parser takes it for a numeric field (a JSON number: a digit or `-` first; no `+5`, `.5`). */
const V1_NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * `schema` (a number) for a field of v1 JSON, which may also come as a string holding a number:
 * Mesos' JSON parser takes a string for its double and integer fields, and protobuf's own JSON
 * writers (Python's json_format, Java's JsonFormat, Go's protojson) write int64 and uint64 fields
 * as strings (`"begin": "31000"`, `"nanoseconds": "1000000000"`), which were refused with 400.
 */
export function v1Number<T extends z.ZodType>(schema: T): z.ZodPreprocess<T, unknown> {
  return z.preprocess((value) => (typeof value === 'string' && V1_NUMBER_TEXT.test(value) ? Number(value) : value), schema);
}

/** Any number of v1 JSON (`v1Number` of a plain number): the common field. */
export const v1NumberField = v1Number(z.number());

/** Longest `bytes` field (base64) of a call (`data`): a whole call is bounded by its API's body limit anyway. */
export const MAX_V1_BYTES_FIELD_CHARS = 4 * 1024 * 1024;

/** Short text (names, roles, types). */
export const v1Text = z.string().max(MAX_SHORT_TEXT_LENGTH, `must be at most ${MAX_SHORT_TEXT_LENGTH} characters`);
/** An id message, `{"value": "..."}`. */
export const v1IdValue = z.object({ value: z.string().min(1, 'must be a non-empty string').max(MAX_SHORT_TEXT_LENGTH, `must be at most ${MAX_SHORT_TEXT_LENGTH} characters`) });
/** A `bytes` field, in base64. */
export const v1BytesField = z.string().max(MAX_V1_BYTES_FIELD_CHARS, `must be at most ${MAX_V1_BYTES_FIELD_CHARS} characters of base64`);
/** A repeated field of at most `max` entries. */
export function v1List<T extends z.ZodType>(item: T, max: number): z.ZodArray<T> {
  return z.array(item).max(max, `must have at most ${max} entries`);
}

/** Most entries a call's lists (offer ids, operations, tasks, reconciled tasks, a command's arguments) may have. */
export const MAX_CALL_LIST_ENTRIES = 10_000;
/** Longest command line, argument or environment value of a task's command. */
export const MAX_COMMAND_TEXT_CHARS = 64 * 1024;

/**
 * Mesos' `Labels` in a call: `{"labels": [{"key": "...", "value": "..."}]}`. Kept as a map of key
 * to value (`labelsOfV1`): a key given twice keeps its last value, where Mesos keeps both.
 */
export const v1LabelsSchema = z.object({
  labels: v1List(z.object({ key: v1Text, value: z.string().max(MAX_SHORT_TEXT_LENGTH, `must be at most ${MAX_SHORT_TEXT_LENGTH} characters`).optional() }), MAX_CALL_LIST_ENTRIES).optional(),
});

/** Labels from a call as this project keeps them (key → value, `''` for none); undefined for none. */
export function labelsOfV1(labels: z.infer<typeof v1LabelsSchema> | undefined): Record<string, string> | undefined {
  const list = labels?.labels ?? [];
  if (list.length === 0) return undefined;
  // A null prototype: a label named `__proto__` is an entry like any other.
  const out = Object.create(null) as Record<string, string>;
  for (const label of list) out[label.key] = label.value ?? '';
  return out;
}

/**
 * `record`'s entries as `[{name, value}]` by name, as Mesos' GET_FLAGS and GET_METRICS list a
 * `std::map<string, ...>` (by code unit: every name there is ASCII, where that is byte order).
 */
export function byNameList<T>(record: Readonly<Record<string, T>>): Array<{ name: string; value: T }> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value }));
}

/** Labels as Mesos writes them in JSON: `{"labels": [{"key", "value"}]}` (v1), or the list alone (state JSON). */
export function v1Labels(labels: Readonly<Record<string, string>>): V1Json {
  return { labels: labelList(labels) };
}

/** Labels as a list of `{key, value}`, as Mesos' state endpoints write a `Labels`. */
export function labelList(labels: Readonly<Record<string, string>>): Array<{ key: string; value: string }> {
  return Object.entries(labels).map(([key, value]) => ({ key, value }));
}

const commandText = z.string().max(MAX_COMMAND_TEXT_CHARS, `must be at most ${MAX_COMMAND_TEXT_CHARS} characters`);
const uriText = z.string().max(MAX_URI_LENGTH, `must be at most ${MAX_URI_LENGTH} characters`);

/** A CommandInfo in a call (a task's, an executor's, a command check's). */
export const v1CommandSchema = z.object({
  value: commandText.optional(),
  shell: z.boolean().optional(),
  arguments: v1List(commandText, MAX_CALL_LIST_ENTRIES).optional(),
  user: v1Text.optional(),
  environment: z.object({ variables: v1List(z.object({ name: v1Text, type: v1Text.optional(), value: commandText.optional() }), MAX_CALL_LIST_ENTRIES).optional() }).optional(),
  uris: v1List(z.object({
    value: uriText,
    executable: z.boolean().optional(),
    extract: z.boolean().optional(),
    cache: z.boolean().optional(),
    output_file: uriText.optional(),
  }), MAX_COMMAND_URIS).optional(),
});

/** A CommandInfo from a call, in this project's form (`environment.variables` as a record). */
export function commandOfV1(given: z.infer<typeof v1CommandSchema>): CommandInfo {
  const out: CommandInfo = { value: given.value ?? '' };
  if (given.shell !== undefined) out.shell = given.shell;
  if (given.arguments !== undefined) out.arguments = given.arguments;
  if (given.user !== undefined) out.user = given.user;
  const variables = given.environment?.variables ?? [];
  if (variables.length > 0) out.environment = Object.fromEntries(variables.map((variable) => [variable.name, variable.value ?? '']));
  if (given.uris !== undefined && given.uris.length > 0) {
    out.uris = given.uris.map(({ value, executable, extract, cache, output_file: outputFile }) => ({
      value,
      ...(executable !== undefined ? { executable } : {}),
      ...(extract !== undefined ? { extract } : {}),
      ...(cache !== undefined ? { cache } : {}),
      ...(outputFile !== undefined ? { outputFile } : {}),
    }));
  }
  return out;
}

/**
 * Check types and numbers are taken as given and judged by the master's task validation (a bad
 * one is a TASK_ERROR naming it, as in Mesos), so these schemas only bound sizes and kinds.
 */
const v1HttpCheckSchema = z.object({
  port: v1NumberField,
  path: v1Text.optional(),
  scheme: v1Text.optional(),
  statuses: v1List(v1NumberField, MAX_CHECK_STATUSES).optional(),
});
const v1TcpCheckSchema = z.object({ port: v1NumberField });
const v1CheckTimingFields = {
  delay_seconds: v1NumberField.optional(),
  interval_seconds: v1NumberField.optional(),
  timeout_seconds: v1NumberField.optional(),
};

/** A HealthCheck in a call. */
export const v1HealthCheckSchema = z.object({
  type: v1Text,
  command: v1CommandSchema.optional(),
  http: v1HttpCheckSchema.optional(),
  tcp: v1TcpCheckSchema.optional(),
  ...v1CheckTimingFields,
  consecutive_failures: v1NumberField.optional(),
  grace_period_seconds: v1NumberField.optional(),
});

/** A CheckInfo in a call. */
export const v1CheckInfoSchema = z.object({
  type: v1Text,
  command: z.object({ command: v1CommandSchema }).optional(),
  http: v1HttpCheckSchema.pick({ port: true, path: true }).optional(),
  tcp: v1TcpCheckSchema.optional(),
  ...v1CheckTimingFields,
});

/** A CheckStatusInfo in a call (an executor's UPDATE). */
export const v1CheckStatusSchema = z.object({
  type: v1Text,
  command: z.object({ exit_code: v1Number(z.number().int()).optional() }).optional(),
  http: z.object({ status_code: v1Number(z.number().int()).optional() }).optional(),
  tcp: z.object({ succeeded: z.boolean().optional() }).optional(),
});

/** An HTTP check's target from a call. */
function httpCheckOfV1(given: z.infer<typeof v1HttpCheckSchema>): HttpCheck {
  const out: HttpCheck = { port: given.port };
  if (given.path !== undefined) out.path = given.path;
  if (given.scheme !== undefined) out.scheme = given.scheme;
  if (given.statuses !== undefined) out.statuses = given.statuses;
  return out;
}

/** A HealthCheck from a call, in this project's form. */
export function healthCheckOfV1(given: z.infer<typeof v1HealthCheckSchema>): HealthCheck {
  const out: HealthCheck = { type: given.type };
  if (given.command !== undefined) out.command = commandOfV1(given.command);
  if (given.http !== undefined) out.http = httpCheckOfV1(given.http);
  if (given.tcp !== undefined) out.tcp = { port: given.tcp.port };
  return checkNumbersOfV1(given, out);
}

/** A CheckInfo from a call, in this project's form. */
export function checkInfoOfV1(given: z.infer<typeof v1CheckInfoSchema>): CheckInfo {
  const out: CheckInfo = { type: given.type };
  if (given.command !== undefined) out.command = { command: commandOfV1(given.command.command) };
  if (given.http !== undefined) out.http = httpCheckOfV1(given.http);
  if (given.tcp !== undefined) out.tcp = { port: given.tcp.port };
  return checkNumbersOfV1(given, out);
}

/** A CheckStatusInfo from a call, in this project's form. */
export function checkStatusOfV1(given: z.infer<typeof v1CheckStatusSchema>): CheckStatusInfo {
  const out: CheckStatusInfo = { type: given.type };
  if (given.command !== undefined) out.command = given.command.exit_code === undefined ? {} : { exitCode: given.command.exit_code };
  if (given.http !== undefined) out.http = given.http.status_code === undefined ? {} : { statusCode: given.http.status_code };
  if (given.tcp !== undefined) out.tcp = given.tcp.succeeded === undefined ? {} : { succeeded: given.tcp.succeeded };
  return out;
}
