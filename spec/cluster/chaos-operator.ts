/**
 * The operator of the chaos simulation (chaos.ts). With `ChaosOptions.reservations`, it reserves
 * and unreserves resources of random agents (`planOperatorReservation`, `callReservation`):
 * `POST /master/reserve` and `/master/unreserve`, or the v1 operator API's RESERVE_RESOURCES and
 * UNRESERVE_RESOURCES, now and then one that is invalid on purpose. With `ChaosOptions.volumes`,
 * it creates and destroys persistent volumes too (`planOperatorVolume`): `/master/create-volumes`
 * and `/master/destroy-volumes`, or CREATE_VOLUMES and DESTROY_VOLUMES.
 *
 * And its view of the cluster (`OperatorWatcher`): a v1 operator API event stream
 * (`SUBSCRIBE`), opened through the leading master's own `/api/v1` route, from which it keeps
 * what a dashboard would: the agents, the frameworks and every task's latest state. After each
 * step the run compares that view with the master's state (`mismatches`): a view built from the
 * events must agree with what GET_STATE would say at the same moment. A stream the master ended
 * (it stopped, or stepped down) is opened again on the next leader, from its SUBSCRIBED.
 */
import { dispatch } from '../../lib/actor';
import { TextParts, type HttpRequest, type HttpResponse, type Prng, type StreamSink } from '../../lib/process';
import { isTerminalState, type TaskState } from '../../lib/protocol';
import { dynamicReservation, Resources } from '../../lib/resources';
import { pick } from './chaos-faults';
import { RESERVATION_SHAPES, reservedDisk, SHARED_PERSISTENCE_IDS, VOLUME_SIZES_MB, volumeOf } from './chaos-framework';
import { fullResources } from './chaos-invariants';
import type { Master } from '../../actors/master/master';
import type { ClusterSnapshot } from './chaos-invariants';
import { recordReader } from '../support/recordio';

/** The operator API's SUBSCRIBE, as the host hands it to the master's route. */
const SUBSCRIBE_REQUEST: HttpRequest = {
  method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: Buffer.from('{"type":"SUBSCRIBE"}'), remoteAddress: '127.0.0.1',
};

type Json = Record<string, unknown>;

/** `value.a.b...` of a JSON object, or undefined. */
function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = typeof current === 'object' && current !== null ? (current as Json)[key] : undefined;
  return current;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '?';
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A task as the view has it: its latest state, the state of the last status an event carried, its agent. */
interface ViewedTask {
  readonly state: TaskState;
  readonly status: TaskState | undefined;
  readonly agentId: string;
}

/** A task of SUBSCRIBED or TASK_ADDED as the view keeps it. */
function viewedTask(task: unknown): ViewedTask {
  const statuses = list(at(task, 'statuses'));
  return { state: at(task, 'state') as TaskState, status: at(statuses[statuses.length - 1], 'state') as TaskState | undefined, agentId: text(at(task, 'agent_id', 'value')) };
}

export class OperatorWatcher implements StreamSink {
  readonly buffered = 0;
  /** The stream ended (the master stopped or stepped down), or none is open. */
  private open = false;
  /** Reads the current stream's records (a new stream starts a new reader). */
  private read = recordReader((record) => this.take(record));
  /** The master the stream is from. */
  private master: Master | undefined;
  private subscribed = false;
  private readonly agents = new Set<string>();
  private readonly frameworks = new Set<string>();
  /** `frameworkId/taskId` → its latest state and its agent, as the events said. */
  private readonly tasks = new Map<string, ViewedTask>();
  /** Events that could not be read (each a bug of the stream). */
  private readonly unreadable: string[] = [];

  /** Opens a stream on `master` unless one from it is open. */
  async follow(master: Master): Promise<void> {
    if (this.open && this.master === master) return;
    this.master = master;
    this.open = true;
    this.subscribed = false;
    this.read = recordReader((record) => this.take(record));
    const route = master.runtime.routes.get(SUBSCRIBE_REQUEST.path);
    if (route === undefined) throw new Error('the master serves no /api/v1 route');
    const response = await dispatch(master, (actor) => route.call(actor, SUBSCRIBE_REQUEST));
    if (response.status !== 200 || response.stream === undefined) {
      this.open = false;
      this.unreadable.push(`SUBSCRIBE answered ${response.status}`);
      return;
    }
    response.stream.attach(this);
  }

  write(chunk: string | Buffer): void {
    this.read(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }

  /** One event of the stream, applied to the view (or noted as unreadable). */
  private take(bytes: Buffer): void {
    const record = bytes.toString();
    try {
      this.apply(JSON.parse(record) as Json);
    } catch (error) {
      this.unreadable.push(`${(error as Error).message}: ${record.slice(0, 200)}`);
    }
  }

  end(): void {
    this.open = false;
  }

  destroy(): void {
    this.open = false;
  }

  /** Nothing is ever buffered: every chunk is read as it is written. */
  onDrain(listener: () => void): void {
    listener();
  }

  private apply(event: Json): void {
    switch (event.type) {
      case 'SUBSCRIBED': {
        this.subscribed = true;
        this.agents.clear();
        this.frameworks.clear();
        this.tasks.clear();
        const state = at(event, 'subscribed', 'get_state');
        for (const agent of list(at(state, 'get_agents', 'agents'))) this.agents.add(text(at(agent, 'agent_info', 'id', 'value')));
        for (const framework of list(at(state, 'get_frameworks', 'frameworks'))) this.frameworks.add(text(at(framework, 'framework_info', 'id', 'value')));
        for (const task of [...list(at(state, 'get_tasks', 'tasks')), ...list(at(state, 'get_tasks', 'unreachable_tasks'))]) {
          this.tasks.set(`${text(at(task, 'framework_id', 'value'))}/${text(at(task, 'task_id', 'value'))}`, viewedTask(task));
        }
        return;
      }
      case 'TASK_ADDED': {
        const task = at(event, 'task_added', 'task');
        this.tasks.set(`${text(at(task, 'framework_id', 'value'))}/${text(at(task, 'task_id', 'value'))}`, viewedTask(task));
        return;
      }
      case 'TASK_UPDATED': {
        const key = `${text(at(event, 'task_updated', 'framework_id', 'value'))}/${text(at(event, 'task_updated', 'status', 'task_id', 'value'))}`;
        this.tasks.set(key, {
          state: at(event, 'task_updated', 'state') as TaskState, status: at(event, 'task_updated', 'status', 'state') as TaskState,
          agentId: this.tasks.get(key)?.agentId ?? text(at(event, 'task_updated', 'status', 'agent_id', 'value')),
        });
        return;
      }
      case 'AGENT_ADDED': {
        const agentId = text(at(event, 'agent_added', 'agent', 'agent_info', 'id', 'value'));
        this.agents.add(agentId);
        // An agent back from unreachable: the master forgets every task of it that was unreachable,
        // as Mesos' `_reregisterSlave` does, without an event; those it came back with are added again (TASK_ADDED).
        for (const [key, task] of this.tasks) if (task.agentId === agentId && task.state === 'TASK_UNREACHABLE') this.tasks.delete(key);
        return;
      }
      case 'AGENT_REMOVED':
        this.agents.delete(text(at(event, 'agent_removed', 'agent_id', 'value')));
        return;
      case 'FRAMEWORK_ADDED':
        this.frameworks.add(text(at(event, 'framework_added', 'framework', 'framework_info', 'id', 'value')));
        return;
      case 'FRAMEWORK_REMOVED':
        this.frameworks.delete(text(at(event, 'framework_removed', 'framework_info', 'id', 'value')));
        return;
      default:
        return; // HEARTBEAT, FRAMEWORK_UPDATED: nothing to keep
    }
  }

  /**
   * Where the view built from the events disagrees with `snapshot` (the master's state, read at
   * the same moment): agents, frameworks, and each task the master has, active or unreachable,
   * in its state; no live task in the view that the master no longer has.
   */
  mismatches(snapshot: ClusterSnapshot): string[] {
    const broken = this.unreadable.splice(0).map((line) => `operator stream: unreadable event: ${line}`);
    if (!this.open || !this.subscribed) return broken;
    const say = (line: string): number => broken.push(`operator stream: ${line}`);
    const masterAgents = new Set(snapshot.master.slaves.map((agent) => agent.id));
    for (const id of masterAgents) if (!this.agents.has(id)) say(`agent ${id} is at the master, not in the view`);
    for (const id of this.agents) if (!masterAgents.has(id)) say(`agent ${id} is in the view, not at the master`);
    const masterFrameworks = new Set(snapshot.master.frameworks.map((framework) => framework.id));
    for (const id of masterFrameworks) if (!this.frameworks.has(id)) say(`framework ${id} is at the master, not in the view`);
    for (const id of this.frameworks) if (!masterFrameworks.has(id)) say(`framework ${id} is in the view, not at the master`);
    const masterTasks = new Map<string, TaskState>();
    for (const framework of snapshot.master.frameworks) {
      for (const task of [...framework.tasks, ...framework.unreachable_tasks]) {
        const key = `${framework.id}/${task.id}`;
        masterTasks.set(key, task.state);
        // TASK_UPDATED says the task's latest state when a status of a new state is recorded (Mesos'
        // `updateTask`): a retried update whose agent's `latest_state` ran ahead moves the task
        // without an event. So the view may lag the task's state, but not its statuses: once the
        // master recorded a status of a state the view's last event did not carry, it must agree.
        const seen = this.tasks.get(key);
        const lastStatus = task.statuses[task.statuses.length - 1]?.state;
        if (seen?.state !== task.state && (seen === undefined || seen.status !== lastStatus)) {
          say(`task ${key} is ${task.state} at the master (its last status ${lastStatus ?? 'none'}), ${seen?.state ?? 'unknown'} in the view (its last status ${seen?.status ?? 'none'})`);
        }
      }
    }
    for (const [key, { state }] of this.tasks) {
      if (!isTerminalState(state) && !masterTasks.has(key)) say(`task ${key} is ${state} in the view; the master no longer has it`);
    }
    return broken;
  }
}

// ---- reservations (`ChaosOptions.reservations`) -------------------------------------------------

/** Roles the operator reserves for, one of these: `eng` is offered to the frameworks of `eng/web`; no framework is of `ops`. */
export const OPERATOR_RESERVATION_ROLES: readonly string[] = ['analytics', 'web', 'eng', 'ops'];
/** Chance that an operator's call is invalid on purpose: an UNRESERVE of unreserved resources (answered 400). */
export const INVALID_OPERATOR_CALL_PROBABILITY = 0.1;
/** Chance that the operator unreserves (when the agent has dynamic reservations) rather than reserves. */
export const OPERATOR_UNRESERVE_PROBABILITY = 0.4;
/** Chance that an operator's reservation has a label (reservations with other labels are other reservations). */
export const OPERATOR_LABEL_PROBABILITY = 0.5;
/** The label the operator's reservations carry, when they carry one. */
export const OPERATOR_RESERVATION_LABEL = { key: 'by', value: 'chaos-operator' } as const;

/** With volumes: chance that an operator's volume call is invalid on purpose (`OperatorVolumeMistake`, answered 400). */
export const INVALID_OPERATOR_VOLUME_CALL_PROBABILITY = 0.15;
/** With volumes: chance that the operator destroys a volume (when the agent has one and reserved disk to make another) rather than creates one. */
export const OPERATOR_DESTROY_PROBABILITY = 0.35;
/** With volumes: chance that the operator's CREATE uses one of `SHARED_PERSISTENCE_IDS` (one its role on the agent does not have yet). */
export const OPERATOR_SHARED_ID_PROBABILITY = 0.3;
/** With volumes: what the operator reserves (for a random role) on an agent without reserved disk, to make a volume of later. */
export const OPERATOR_VOLUME_DISK = 'disk:200';
/** With volumes: chance that the operator sends a second call on the same agent with the first, before either is answered (two operators at once). */
export const OPERATOR_SECOND_CALL_PROBABILITY = 0.2;
/** With volumes: chance that such a second call, after a CREATE, creates a volume with the same persistence id of reserved disk of the same role (`twinCreate`). */
export const OPERATOR_TWIN_CREATE_PROBABILITY = 0.5;

/** An operator's conversion call (reservation or volume), and how it goes. */
export interface ReservationCall {
  readonly kind: 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY';
  /** `POST /master/reserve`, `/unreserve`, `/create-volumes` or `/destroy-volumes` (a form), or the v1 operator API (`POST /api/v1`). */
  readonly api: 'endpoint' | 'v1';
  readonly agentId: string;
  readonly resources: Resources;
  /** Invalid on purpose (an UNRESERVE of unreserved resources or of a volume, a CREATE of a persistence id taken, a DESTROY of a volume not there): the master answers 400. */
  readonly invalid: boolean;
  /**
   * Part of the 400 the call may get for a race it lost, not a bug: its volume was destroyed
   * (`not found on the agent`), or its shared persistence id taken (`is not unique`), by a
   * framework between the operator's read of the agents and its call.
   */
  readonly raced?: string;
}

/** The endpoint (under `/master`) and the v1 operator call of each kind, and the name of its list. */
const CALLS = {
  RESERVE: { path: '/reserve', v1: 'RESERVE_RESOURCES', field: 'reserve_resources', list: 'resources' },
  UNRESERVE: { path: '/unreserve', v1: 'UNRESERVE_RESOURCES', field: 'unreserve_resources', list: 'resources' },
  CREATE: { path: '/create-volumes', v1: 'CREATE_VOLUMES', field: 'create_volumes', list: 'volumes' },
  DESTROY: { path: '/destroy-volumes', v1: 'DESTROY_VOLUMES', field: 'destroy_volumes', list: 'volumes' },
} as const;

/**
 * What the operator does, drawn from `random`, given each registered agent's total (`totals`, by
 * agent id): reserve part of a random agent's resources for a random role (without a principal:
 * the simulation's HTTP API does not authenticate), unreserve one or all of its dynamic
 * reservations, or now and then ask something invalid. Undefined when no agent is registered.
 */
export function planOperatorReservation(random: Prng, totals: ReadonlyMap<string, Resources>): ReservationCall | undefined {
  const agentIds = [...totals.keys()];
  if (agentIds.length === 0) return undefined;
  const agentId = pick(random, agentIds);
  const total = totals.get(agentId) ?? Resources.EMPTY;
  const api = random.next() < 0.5 ? 'endpoint' : 'v1';
  const draw = random.next();
  const shape = Resources.parse(pick(random, RESERVATION_SHAPES));
  if (draw < INVALID_OPERATOR_CALL_PROBABILITY) return { kind: 'UNRESERVE', api, agentId, resources: shape, invalid: true };
  // A volume is never unreserved (DESTROY it first).
  const reserved = total.dynamicallyReserved().filter((entry) => entry.volume === undefined);
  if (draw < INVALID_OPERATOR_CALL_PROBABILITY + OPERATOR_UNRESERVE_PROBABILITY && !reserved.isEmpty()) {
    const undone = random.next() < 0.3 ? reserved : Resources.of([pick(random, reserved.entries())]);
    return { kind: 'UNRESERVE', api, agentId, resources: undone, invalid: false };
  }
  const role = pick(random, OPERATOR_RESERVATION_ROLES);
  const labels = random.next() < OPERATOR_LABEL_PROBABILITY ? [OPERATOR_RESERVATION_LABEL] : undefined;
  return { kind: 'RESERVE', api, agentId, resources: shape.reservedDynamically(role, dynamicReservation(undefined, labels)), invalid: false };
}

/**
 * With volumes, what the operator does, drawn from `random`, given each registered agent's total
 * (`totals`, by agent id): on a random agent, create a volume of part of a reserved disk entry
 * (static or dynamic, anyone's) with a new persistence id (`newId`) or a shared one its role there
 * does not have, without a principal; destroy one of its volumes; reserve disk for a random role
 * when it has none to make a volume of; or now and then ask something invalid
 * (`operatorVolumeMistake`). Undefined when no agent is registered.
 */
export function planOperatorVolume(random: Prng, totals: ReadonlyMap<string, Resources>, newId: () => string): ReservationCall | undefined {
  const agentIds = [...totals.keys()];
  if (agentIds.length === 0) return undefined;
  const agentId = pick(random, agentIds);
  const total = totals.get(agentId) ?? Resources.EMPTY;
  const api = random.next() < 0.5 ? 'endpoint' : 'v1';
  const volumes = total.persistentVolumes().entries();
  const disk = reservedDisk(total);
  const draw = random.next();
  if (draw < INVALID_OPERATOR_VOLUME_CALL_PROBABILITY) {
    const mistake = operatorVolumeMistake(random, total, newId);
    if (mistake !== undefined) return { ...mistake, api, agentId, invalid: true };
  }
  if (volumes.length > 0 && (disk.length === 0 || draw < INVALID_OPERATOR_VOLUME_CALL_PROBABILITY + OPERATOR_DESTROY_PROBABILITY)) {
    return { kind: 'DESTROY', api, agentId, resources: Resources.of([pick(random, volumes)]), invalid: false, raced: 'not found on the agent' };
  }
  if (disk.length === 0) {
    const role = pick(random, OPERATOR_RESERVATION_ROLES);
    return { kind: 'RESERVE', api, agentId, resources: Resources.parse(OPERATOR_VOLUME_DISK).reservedDynamically(role, dynamicReservation()), invalid: false };
  }
  const source = pick(random, disk);
  const whole = source.type === 'SCALAR' ? source.value : 0;
  const held = new Set(volumes.filter((entry) => entry.role === source.role).map((entry) => entry.volume?.id));
  const shared = SHARED_PERSISTENCE_IDS.filter((id) => !held.has(id));
  const id = shared.length > 0 && random.next() < OPERATOR_SHARED_ID_PROBABILITY ? pick(random, shared) : newId();
  const volume = volumeOf(source, Math.min(whole, pick(random, VOLUME_SIZES_MB)), id, `operator/${id}`, undefined);
  return { kind: 'CREATE', api, agentId, resources: volume, invalid: false, ...(SHARED_PERSISTENCE_IDS.includes(id) ? { raced: 'is not unique' } : {}) };
}

/**
 * With volumes, the operator's calls of one step (`planOperatorVolume`): one, or now and then two
 * on the same agent, planned from the same read of the totals and sent together, as two operators
 * at once would: after a CREATE, maybe its twin (`twinCreate`).
 */
export function planOperatorVolumeCalls(random: Prng, totals: ReadonlyMap<string, Resources>, newId: () => string): ReservationCall[] {
  const first = planOperatorVolume(random, totals, newId);
  if (first === undefined) return [];
  if (random.next() >= OPERATOR_SECOND_CALL_PROBABILITY) return [first];
  const total = totals.get(first.agentId) ?? Resources.EMPTY;
  const twin = first.kind === 'CREATE' && !first.invalid && random.next() < OPERATOR_TWIN_CREATE_PROBABILITY ? twinCreate(random, first, total) : undefined;
  const second = twin ?? planOperatorVolume(random, new Map([[first.agentId, total]]), newId);
  return second === undefined ? [first] : [first, second];
}

/**
 * A CREATE of a volume with the persistence id of `first`'s (a CREATE sent with it, not answered
 * yet) of reserved disk of the same role in `total`: the master must make at most one of the two
 * (the other is answered 400, the id taken, or 409, its disk taken).
 */
function twinCreate(random: Prng, first: ReservationCall, total: Resources): ReservationCall | undefined {
  const volume = first.resources.entries()[0];
  const id = volume?.volume?.id;
  const sources = reservedDisk(total).filter((entry) => entry.role === volume?.role);
  if (id === undefined || sources.length === 0) return undefined;
  const source = pick(random, sources);
  const amount = Math.min(source.type === 'SCALAR' ? source.value : 0, pick(random, VOLUME_SIZES_MB));
  return { kind: 'CREATE', api: first.api, agentId: first.agentId, resources: volumeOf(source, amount, id, `operator/${id}-twin`, undefined), invalid: false, raced: 'is not unique' };
}

/**
 * A volume call the master must answer 400, drawn, or undefined when the agent's `total` holds
 * nothing to make it of: an UNRESERVE of a volume on a dynamic reservation, a CREATE with the
 * persistence id of a volume of the same role on the agent, or a DESTROY of a volume it does not
 * have.
 */
function operatorVolumeMistake(random: Prng, total: Resources, newId: () => string): Pick<ReservationCall, 'kind' | 'resources'> | undefined {
  const volumes = total.persistentVolumes().entries();
  const volume = volumes.length === 0 ? undefined : pick(random, volumes);
  const source = reservedDisk(total).find((entry) => volume === undefined || entry.role === volume.role);
  switch (pick(random, ['unreserveVolume', 'duplicateId', 'destroyAbsent'] as const)) {
    case 'unreserveVolume':
      return volume?.reservation === undefined ? undefined : { kind: 'UNRESERVE', resources: Resources.of([volume]) };
    case 'duplicateId':
      return volume?.volume === undefined || source === undefined ? undefined : { kind: 'CREATE', resources: volumeOf(source, 1, volume.volume.id, `operator/${volume.volume.id}-again`, undefined) };
    case 'destroyAbsent':
      return source === undefined ? undefined : { kind: 'DESTROY', resources: volumeOf(source, 1, `absent-${newId()}`, 'operator/absent', undefined) };
  }
}

/** The call as an HTTP request to the master's own routes. */
export function reservationRequest(call: ReservationCall): HttpRequest {
  const { path, v1, field, list } = CALLS[call.kind];
  if (call.api === 'endpoint') {
    const body = new URLSearchParams({ slaveId: call.agentId, [list]: JSON.stringify(call.resources.toJSON()) }).toString();
    return {
      method: 'POST', path, query: {},
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(body), remoteAddress: '127.0.0.1',
    };
  }
  const body = { type: v1, [field]: { agent_id: { value: call.agentId }, [list]: call.resources.toJSON() } };
  return { method: 'POST', path: '/api/v1', query: {}, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify(body)), remoteAddress: '127.0.0.1' };
}

/** Sends the call to `master`'s route in process (as the host would hand it over) and resolves with its answer. */
export async function callReservation(master: Master, call: ReservationCall): Promise<HttpResponse> {
  const request = reservationRequest(call);
  const route = master.runtime.routes.get(request.path);
  if (route === undefined) throw new Error(`the master serves no ${request.path} route`);
  return dispatch(master, (actor) => route.call(actor, request));
}

/** Each registered agent's total in full, by agent id, as the operator reads it (`GET /master/slaves`). */
export async function readAgentTotals(master: Master): Promise<Map<string, Resources>> {
  const route = master.runtime.routes.get('/slaves');
  if (route === undefined) throw new Error('the master serves no /slaves route');
  const request: HttpRequest = { method: 'GET', path: '/slaves', query: {}, headers: {}, body: Buffer.alloc(0), remoteAddress: '127.0.0.1' };
  const response = await dispatch(master, (actor) => route.call(actor, request));
  const body: unknown = JSON.parse(bodyText(response.body));
  const slaves = list(at(body, 'slaves')) as Array<Parameters<typeof fullResources>[0] & { id?: unknown }>;
  return new Map(slaves.map((agent) => [text(agent.id), fullResources(agent)] as const));
}

/** Characters of an answer's body the chaos log and a violation quote. */
export const ANSWER_EXCERPT_CHARS = 200;

/** What an answer said, trimmed to `ANSWER_EXCERPT_CHARS` (`none`: for no answer). */
export function answerExcerpt(response: Pick<HttpResponse, 'body'> | undefined, none = 'no answer'): string {
  return response === undefined ? none : bodyText(response.body).trim().slice(0, ANSWER_EXCERPT_CHARS);
}

/** An answer's body as text (a string, bytes, text in parts, or JSON). */
export function bodyText(body: HttpResponse['body']): string {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString();
  if (body instanceof TextParts) return body.text();
  return JSON.stringify(body ?? '');
}

/** How the master refuses an operator's DESTROY of a volume a task or an executor uses (400). */
export const VOLUME_IN_USE = 'is in use by a task or an executor on the agent';

/** How the master answers a call naming an agent it does not have registered (Mesos' words). */
export const NO_AGENT_FOUND = 'No agent found with specified ID';

/**
 * Whether an answer is one the call may get: 202, or 409 (the resources are in use, or were
 * offered or used meanwhile); 400 when invalid on purpose, for a DESTROY of a volume in use, or when the agent is no longer
 * registered (`NO_AGENT_FOUND`: one whose removal is being written to the registry is listed by
 * `/master/slaves` but not found, as in Mesos, where it is among the agents being removed); 503
 * while a master of several cannot confirm that it leads.
 */
export function expectedReservationAnswer(call: ReservationCall, response: Pick<HttpResponse, 'status' | 'body'>, severalMasters: boolean): boolean {
  const status = response.status;
  if (severalMasters && status === 503) return true;
  if (status === 400) {
    const said = bodyText(response.body);
    // A DESTROY of a volume a task uses is invalid (400, Mesos' validate(Destroy)), not a conflict.
    return call.invalid || said.includes(NO_AGENT_FOUND) || (call.raced !== undefined && said.includes(call.raced)) || (call.kind === 'DESTROY' && said.includes(VOLUME_IN_USE));
  }
  return !call.invalid && (status === 202 || status === 409);
}

/** The call, for the run's log. */
export function describeReservationCall(call: ReservationCall): string {
  const how = call.api === 'endpoint' ? `POST /master${CALLS[call.kind].path}` : `v1 ${CALLS[call.kind].v1}`;
  return `${how} of ${call.resources.format()} on ${call.agentId}${call.invalid ? ' (invalid on purpose)' : ''}`;
}
