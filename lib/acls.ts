/**
 * Access control lists with the semantics of Mesos' local authorizer (issue 9, authorization).
 *
 * Pure: no actors, no clock; the only I/O is reading an ACL file (`loadAcls`, `parseAclsFlag`).
 * The format is Mesos' `--acls` JSON (include/mesos/authorizer/acls.proto): a `permissive` flag
 * (default true) and, per action, an ordered list of rules, each naming its subjects
 * (`principals`) and its objects (a field that depends on the action) as an entity:
 * `{values: [...]}`, `{type: "ANY"}` or `{type: "NONE"}`.
 *
 * The decision (src/authorizer/local/authorizer.cpp) is: the first rule whose subjects and objects
 * both match the request decides; it allows unless either of its entities is NONE. A NONE or ANY
 * entity matches everything, a values entity matches the values it lists. A request without a
 * principal (or asking about no particular object) matches only ANY and NONE entities. When no
 * rule matches, `permissive` decides. For the role actions (`register_frameworks`,
 * `reserve_resources`) a value `"eng/%"` also matches every role nested under `eng/` (not `eng`).
 *
 * @example
 *   const authorizer = new Authorizer(parseAcls({
 *     permissive: false,
 *     run_tasks: [{ principals: { type: 'ANY' }, users: { values: ['nobody'] } }],
 *   }));
 *   authorizer.authorized('run_tasks', 'ops', 'nobody'); // true
 *   authorizer.authorized('run_tasks', 'ops', 'root');   // false
 *   describeDenial('run_tasks', 'ops', 'root');          // "principal 'ops' is not authorized to run tasks as user 'root'"
 */
import { flagFilePath, readBoundedFile } from './flag-file';
import { isJsonObject } from './protocol/plain';

/** Mesos' default for `permissive` when the ACLs leave it out (acls.proto: `default = true`). */
export const DEFAULT_PERMISSIVE = true;

/** The largest ACL file read; an operator's ACLs are kilobytes, so anything bigger is the wrong file. */
export const MAX_ACLS_FILE_BYTES = 1024 * 1024;

export { FILE_URL_PREFIX } from './flag-file';

/** The suffix of a role value that also matches every role nested under it (`"eng/%"` matches `eng/a`, `eng/a/b`). */
export const RECURSIVE_ROLE_SUFFIX = '/%';

/**
 * The paths `get_endpoints` rules may name (Mesos src/common/authorization.cpp,
 * `AUTHORIZABLE_ENDPOINTS`); Mesos refuses ACLs naming any other path.
 */
export const AUTHORIZABLE_ENDPOINTS: readonly string[] = [
  '/containers', '/containerizer/debug', '/files/debug', '/logging/toggle', '/metrics/snapshot', '/monitor/statistics',
];

/**
 * The actions this module decides, each with the field of its rules that holds the objects
 * (acls.proto). The object asked about in `authorized` is: register_frameworks, a role the
 * framework subscribes to; run_tasks, the user a task or executor runs as; teardown_frameworks,
 * the principal of the framework torn down; view_frameworks / view_tasks / view_executors /
 * view_containers / access_sandboxes, the user the framework / task / executor runs as; reserve_resources, the
 * reservation's role; unreserve_resources, the principal that reserved; create_volumes, the
 * volume's role; destroy_volumes, the principal that created it; resize_volumes (GROW_VOLUME and
 * SHRINK_VOLUME), the volume's role; get_endpoints, the path;
 * view_roles / update_weights / get_quotas / update_quotas, the role; wait_nested_containers /
 * kill_nested_containers, the user the executor of the container's root runs as (with none, the container id's value).
 * access_mesos_logs, view_flags, mark_agents_gone, register_agents, set_log_level, drain_agents, deactivate_agents,
 * reactivate_agents, the maintenance actions (update_maintenance_schedules, get_maintenance_schedules,
 * start_maintenances, stop_maintenances, get_maintenance_statuses), wait_standalone_containers and
 * kill_standalone_containers (the agent's WAIT_CONTAINER and KILL_CONTAINER of a top-level container) have no
 * object (Mesos: "given implicitly").
 */
export const ACL_ACTION_OBJECTS = {
  register_frameworks: 'roles',
  run_tasks: 'users',
  teardown_frameworks: 'framework_principals',
  view_frameworks: 'users',
  view_tasks: 'users',
  view_executors: 'users',
  view_containers: 'users',
  access_sandboxes: 'users',
  reserve_resources: 'roles',
  unreserve_resources: 'reserver_principals',
  create_volumes: 'roles',
  destroy_volumes: 'creator_principals',
  resize_volumes: 'roles',
  access_mesos_logs: 'logs',
  view_flags: 'flags',
  get_endpoints: 'paths',
  view_roles: 'roles',
  update_weights: 'roles',
  get_quotas: 'roles',
  update_quotas: 'roles',
  mark_agents_gone: 'agents',
  register_agents: 'agents',
  set_log_level: 'level',
  drain_agents: 'agents',
  deactivate_agents: 'agents',
  reactivate_agents: 'agents',
  update_maintenance_schedules: 'machines',
  get_maintenance_schedules: 'machines',
  start_maintenances: 'machines',
  stop_maintenances: 'machines',
  get_maintenance_statuses: 'machines',
  wait_nested_containers: 'users',
  kill_nested_containers: 'users',
  wait_standalone_containers: 'users',
  kill_standalone_containers: 'users',
} as const;

/**
 * The other actions Mesos' ACLs define, with their object fields (acls.proto). Their rules are
 * validated and kept, so a Mesos ACL file loads unchanged, but nothing here enforces them.
 */
export const UNENFORCED_ACL_ACTION_OBJECTS = {
  resize_volumes: 'roles',
  launch_nested_containers_as_user: 'users',
  launch_nested_containers_under_parent_with_user: 'users',
  launch_nested_container_sessions_as_user: 'users',
  launch_nested_container_sessions_under_parent_with_user: 'users',
  attach_containers_input: 'users',
  attach_containers_output: 'users',
  remove_nested_containers: 'users',
  launch_standalone_containers: 'users',
  remove_standalone_containers: 'users',
  view_standalone_containers: 'users',
  modify_resource_provider_configs: 'resource_providers',
  mark_resource_providers_gone: 'resource_providers',
  view_resource_providers: 'resource_providers',
  prune_images: 'images',
  create_block_disks: 'roles',
  destroy_block_disks: 'roles',
  create_mount_disks: 'roles',
  destroy_mount_disks: 'roles',
  destroy_raw_disks: 'roles',
} as const;

/** An action this module decides (a key of the ACL JSON). */
export type AclAction = keyof typeof ACL_ACTION_OBJECTS;

/** An action Mesos defines that is accepted in the ACL JSON but not enforced here. */
export type UnenforcedAclAction = keyof typeof UNENFORCED_ACL_ACTION_OBJECTS;

/** Every action key Mesos' ACL JSON may hold. */
export type MesosAclAction = AclAction | UnenforcedAclAction;

/** The actions accepted in the ACL JSON but not enforced, in acls.proto's order. */
export const UNENFORCED_ACL_ACTIONS = Object.keys(UNENFORCED_ACL_ACTION_OBJECTS) as readonly UnenforcedAclAction[];

/**
 * Actions whose object is implicit, so their rules' object may only be ANY or NONE (Mesos'
 * `LocalAuthorizer::validate` refuses values; mark_agents_gone is refused here too, since the
 * proto calls its object implicit and a value could never match).
 */
const IMPLICIT_OBJECT_ACTIONS: ReadonlySet<MesosAclAction> = new Set<MesosAclAction>([
  'access_mesos_logs', 'view_flags', 'set_log_level', 'register_agents', 'update_maintenance_schedules',
  'get_maintenance_schedules', 'start_maintenances', 'stop_maintenances', 'get_maintenance_statuses', 'drain_agents',
  'deactivate_agents', 'reactivate_agents', 'mark_agents_gone', 'launch_standalone_containers',
  'kill_standalone_containers', 'wait_standalone_containers', 'remove_standalone_containers',
  'view_standalone_containers', 'modify_resource_provider_configs', 'mark_resource_providers_gone',
  'view_resource_providers', 'prune_images',
]);

/** The enforced actions whose role values may end in `/%` (Mesos' hierarchical role approver). */
const HIERARCHICAL_ROLE_ACTIONS: ReadonlySet<AclAction> = new Set<AclAction>(['register_frameworks', 'reserve_resources', 'create_volumes', 'resize_volumes']);

/** A set of subjects or objects in a rule: some named values, anyone (`ANY`) or no one (`NONE`). */
export type AclEntity = { readonly values: readonly string[] } | { readonly type: 'ANY' | 'NONE' };

/** The object field of an action's rules, e.g. `users` for `run_tasks`. */
export type AclObjectField<A extends MesosAclAction> = A extends AclAction
  ? (typeof ACL_ACTION_OBJECTS)[A]
  : A extends UnenforcedAclAction ? (typeof UNENFORCED_ACL_ACTION_OBJECTS)[A] : never;

/** One rule of an action: its subjects (`principals`) and its objects, e.g. `{principals, users}` for `run_tasks`. */
export type AclRule<A extends MesosAclAction> =
  { readonly principals: AclEntity } & { readonly [F in AclObjectField<A>]: AclEntity };

/**
 * Mesos' ACL JSON, validated: `permissive` filled in, every action optional (absent means no rules).
 * `{"type": "SOME", "values": [...]}` entities are kept as `{values: [...]}`.
 */
export type Acls = { readonly permissive: boolean } & { readonly [A in MesosAclAction]?: ReadonlyArray<AclRule<A>> };

/** Permissive ACLs without rules: everything is allowed (what a master without `--acls` decides). */
export const PERMISSIVE_ACLS: Acls = Object.freeze({ permissive: true });

/** Why a request was decided as it was. */
export interface AclDecision {
  /** Whether the request is authorized. */
  readonly allowed: boolean;
  /** The index of the rule (in the action's list) that decided; undefined when none matched and `permissive` decided. */
  readonly rule?: number;
}

/**
 * Decides requests against ACLs as Mesos' local authorizer does. Immutable; later changes to the
 * `Acls` object given to the constructor are not seen.
 *
 * @example
 *   const authorizer = new Authorizer(parseAclsFlag(flags.acls));
 *   if (!authorizer.authorized('register_frameworks', principal, role)) {
 *     refuse(describeDenial('register_frameworks', principal, role));
 *   }
 */
export class Authorizer {
  /** Whether a request no rule matches is allowed. */
  readonly permissive: boolean;
  /** Each enforced action's rules, in order, as subjects and objects (copied, so the caller cannot change them). */
  private readonly rules: ReadonlyMap<AclAction, readonly SubjectsAndObjects[]>;

  constructor(acls: Acls) {
    this.permissive = acls.permissive;
    const rules = new Map<AclAction, readonly SubjectsAndObjects[]>();
    for (const action of Object.keys(ACL_ACTION_OBJECTS) as AclAction[]) rules.set(action, subjectsAndObjects(acls, action));
    this.rules = rules;
  }

  /**
   * Whether `subject` (a principal; undefined: the request has none, e.g. unauthenticated) may
   * perform `action` on `object` (see `ACL_ACTION_OBJECTS`; undefined: no particular object, i.e.
   * "on every object"; ignored for access_mesos_logs and view_flags).
   */
  authorized(action: AclAction, subject: string | undefined, object?: string): boolean {
    return this.decide(action, subject, object).allowed;
  }

  /**
   * Whether `subject` may perform `action` on each of `objects`, e.g. a framework registering with
   * several roles must be allowed every one (Mesos: REGISTER_FRAMEWORK). With no objects at all,
   * `permissive` decides, as in Mesos.
   */
  authorizedAll(action: AclAction, subject: string | undefined, objects: readonly string[]): boolean {
    if (objects.length === 0) return this.permissive;
    return objects.every((object) => this.authorized(action, subject, object));
  }

  /** Why `subject` may not perform `action` (on `object`), in `describeDenial`'s words, or undefined when it may. */
  denial(action: AclAction, subject: string | undefined, object?: string): string | undefined {
    return this.authorized(action, subject, object) ? undefined : describeDenial(action, subject, object);
  }

  /** `authorized`, also naming the rule that decided (for logs and error messages). */
  decide(action: AclAction, subject: string | undefined, object?: string): AclDecision {
    const rules = this.rules.get(action);
    if (rules === undefined) throw new Error(`Authorizer: unknown action '${String(action)}'`);
    const asked = IMPLICIT_OBJECT_ACTIONS.has(action) ? undefined : object;
    const hierarchical = HIERARCHICAL_ROLE_ACTIONS.has(action);
    const index = rules.findIndex((rule) =>
      entityMatches(rule.subjects, subject, false) && entityMatches(rule.objects, asked, hierarchical));
    const rule = rules[index];
    if (rule === undefined) return { allowed: this.permissive };
    return { allowed: !isNone(rule.subjects) && !isNone(rule.objects), rule: index };
  }
}

/** A rule reduced to what a decision reads. */
interface SubjectsAndObjects {
  /** The rule's `principals`. */
  readonly subjects: AclEntity;
  /** The rule's object field (e.g. `users`). */
  readonly objects: AclEntity;
}

/** The rules of `action` in `acls`, reduced to subjects and objects. */
function subjectsAndObjects(acls: Acls, action: AclAction): SubjectsAndObjects[] {
  const field = ACL_ACTION_OBJECTS[action];
  const rules: ReadonlyArray<Readonly<Record<string, AclEntity>>> = acls[action] ?? [];
  return rules.map((rule) => {
    const objects = rule[field];
    if (rule['principals'] === undefined || objects === undefined) throw new Error(`Authorizer: a ${action} rule lacks "principals" or "${field}"`);
    return { subjects: copyEntity(rule['principals']), objects: copyEntity(objects) };
  });
}

/** A copy of an entity, sharing nothing with it. */
function copyEntity(entity: AclEntity): AclEntity {
  return 'values' in entity ? { values: [...entity.values] } : { type: entity.type };
}

/** The authorizer of a master without ACLs: it allows everything (Mesos runs no authorizer then). */
export const PERMISSIVE_AUTHORIZER = new Authorizer(PERMISSIVE_ACLS);

/**
 * Whether a rule's entity covers a request's subject or object. ANY and NONE cover everything
 * (NONE then denies); values cover only the values they list, so a request without a value (no
 * principal, no particular object) is covered only by ANY and NONE. This is Mesos' match matrix
 * for requests, which are never NONE themselves.
 */
function entityMatches(entity: AclEntity, requested: string | undefined, hierarchical: boolean): boolean {
  if (!('values' in entity)) return true;
  if (requested === undefined) return false;
  return entity.values.some((value) => value === requested || (hierarchical && nestedUnder(value, requested)));
}

/** Whether `role` is nested under a recursive role value (`eng/%` covers `eng/a` and `eng/a/b`, not `eng`). */
function nestedUnder(value: string, role: string): boolean {
  if (!value.endsWith(RECURSIVE_ROLE_SUFFIX)) return false;
  const parent = value.slice(0, -RECURSIVE_ROLE_SUFFIX.length);
  return role.startsWith(`${parent}/`);
}

/** Whether an entity is `{type: "NONE"}`. */
function isNone(entity: AclEntity): boolean {
  return 'type' in entity && entity.type === 'NONE';
}

/** How `describeDenial` words an action: the verb phrase and the kind of its object. */
interface ActionWording {
  /** What the subject tried to do, e.g. "run tasks as". */
  readonly does: string;
  /** What its object is, e.g. "user"; absent for actions without an object. */
  readonly noun?: string;
}

/** The wording of each enforced action. */
const WORDING: Readonly<Record<AclAction, ActionWording>> = {
  register_frameworks: { does: 'register frameworks with', noun: 'role' },
  run_tasks: { does: 'run tasks as', noun: 'user' },
  teardown_frameworks: { does: 'tear down frameworks of', noun: 'principal' },
  view_frameworks: { does: 'view frameworks of', noun: 'user' },
  view_tasks: { does: 'view tasks of', noun: 'user' },
  view_executors: { does: 'view executors of', noun: 'user' },
  view_containers: { does: 'view containers of', noun: 'user' },
  access_sandboxes: { does: 'access sandboxes of', noun: 'user' },
  reserve_resources: { does: 'reserve resources for', noun: 'role' },
  unreserve_resources: { does: 'unreserve resources reserved by', noun: 'principal' },
  create_volumes: { does: 'create volumes for', noun: 'role' },
  destroy_volumes: { does: 'destroy volumes created by', noun: 'principal' },
  resize_volumes: { does: 'resize volumes of', noun: 'role' },
  access_mesos_logs: { does: 'access the Mesos logs' },
  view_flags: { does: 'view the flags' },
  get_endpoints: { does: 'GET', noun: 'endpoint' },
  view_roles: { does: 'view', noun: 'role' },
  update_weights: { does: 'update the weight of', noun: 'role' },
  get_quotas: { does: 'get the quota of', noun: 'role' },
  update_quotas: { does: 'update the quota of', noun: 'role' },
  mark_agents_gone: { does: 'mark agents gone' },
  register_agents: { does: 'register agents' },
  set_log_level: { does: 'set the logging level' },
  drain_agents: { does: 'drain agents' },
  deactivate_agents: { does: 'deactivate agents' },
  reactivate_agents: { does: 'reactivate agents' },
  update_maintenance_schedules: { does: 'update the maintenance schedule' },
  get_maintenance_schedules: { does: 'get the maintenance schedule' },
  start_maintenances: { does: 'bring machines down for maintenance' },
  stop_maintenances: { does: 'bring machines up from maintenance' },
  get_maintenance_statuses: { does: 'get the maintenance status' },
  wait_nested_containers: { does: 'wait for nested containers of', noun: 'user' },
  kill_nested_containers: { does: 'kill nested containers of', noun: 'user' },
  wait_standalone_containers: { does: 'wait for top-level containers (wait_standalone_containers)' },
  kill_standalone_containers: { does: 'kill top-level containers (kill_standalone_containers)' },
};

/**
 * The reason a request was refused, for logs and error replies.
 *
 * @example
 *   describeDenial('run_tasks', 'x', 'root');       // "principal 'x' is not authorized to run tasks as user 'root'"
 *   describeDenial('view_flags', undefined, undefined); // "a request without a principal is not authorized to view the flags"
 */
export function describeDenial(action: AclAction, subject: string | undefined, object: string | undefined): string {
  const wording = WORDING[action];
  const who = subject === undefined ? 'a request without a principal' : `principal '${subject}'`;
  if (wording.noun === undefined) return `${who} is not authorized to ${wording.does}`;
  const what = object === undefined ? `any ${wording.noun}` : `${wording.noun} '${object}'`;
  return `${who} is not authorized to ${wording.does} ${what}`;
}

/** The object field of any action Mesos defines, or undefined for an unknown key. */
function objectFieldOf(key: string): string | undefined {
  if (Object.hasOwn(ACL_ACTION_OBJECTS, key)) return ACL_ACTION_OBJECTS[key as AclAction];
  if (Object.hasOwn(UNENFORCED_ACL_ACTION_OBJECTS, key)) return UNENFORCED_ACL_ACTION_OBJECTS[key as UnenforcedAclAction];
  return undefined;
}

/** The expected shape of an entity, for error messages. */
const ENTITY_SHAPE = 'expected {values: [...]} or {type: "ANY"|"NONE"}';

/**
 * Validates Mesos' ACL JSON (already parsed) and returns it typed, with `permissive` filled in.
 * Strict: throws an Error naming the offending path, e.g.
 * `acls.run_tasks[2].users: expected {values: [...]} or {type: "ANY"|"NONE"}`, for a wrong type,
 * a missing or unknown field in a rule, an empty values list, a value on an action whose object
 * is implicit, a `get_endpoints` path Mesos cannot authorize, or an action key Mesos does not
 * define. Actions Mesos defines but this module does not enforce (`UNENFORCED_ACL_ACTIONS`) are
 * validated the same way and kept.
 */
export function parseAcls(json: unknown): Acls {
  if (!isJsonObject(json)) throw new Error('acls: expected a JSON object');
  const result: Record<string, unknown> = { permissive: DEFAULT_PERMISSIVE };
  for (const [key, value] of Object.entries(json)) {
    if (key === 'permissive') result[key] = parsePermissive(value);
    else result[key] = parseRules(key, value);
  }
  return result as Acls;
}

/** `permissive` must be a boolean. */
function parsePermissive(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`acls.permissive: expected true or false, got ${describeJson(value)}`);
  return value;
}

/** An action's list of rules. */
function parseRules(action: string, value: unknown): ReadonlyArray<Readonly<Record<string, AclEntity>>> {
  const field = objectFieldOf(action);
  if (field === undefined) throw new Error(`acls.${action}: ${unknownActionReason(action)}`);
  if (!Array.isArray(value)) throw new Error(`acls.${action}: expected an array of rules, got ${describeJson(value)}`);
  return value.map((rule: unknown, index) => parseRule(action as MesosAclAction, field, `acls.${action}[${index}]`, rule));
}

/** One rule: exactly `principals` and the action's object field. */
function parseRule(action: MesosAclAction, field: string, path: string, rule: unknown): Readonly<Record<string, AclEntity>> {
  const fields = `"principals" and "${field}"`;
  if (!isJsonObject(rule)) throw new Error(`${path}: expected an object with ${fields}, got ${describeJson(rule)}`);
  for (const key of Object.keys(rule)) {
    if (key !== 'principals' && key !== field) throw new Error(`${path}.${key}: unknown field (a ${action} rule has ${fields})`);
  }
  for (const key of ['principals', field]) {
    if (rule[key] === undefined) throw new Error(`${path}.${key}: missing (a ${action} rule has ${fields})`);
  }
  const objects = parseEntity(`${path}.${field}`, rule[field]);
  checkObjects(action, `${path}.${field}`, objects);
  return { principals: parseEntity(`${path}.principals`, rule['principals']), [field]: objects };
}

/** An entity: `{values: [...]}` (optionally with `type: "SOME"`), `{type: "ANY"}` or `{type: "NONE"}`. */
function parseEntity(path: string, value: unknown): AclEntity {
  if (!isJsonObject(value)) throw new Error(`${path}: ${ENTITY_SHAPE}, got ${describeJson(value)}`);
  for (const key of Object.keys(value)) {
    if (key !== 'type' && key !== 'values') throw new Error(`${path}.${key}: unknown field; ${ENTITY_SHAPE}`);
  }
  const type = value['type'] ?? 'SOME';
  if (type !== 'SOME' && type !== 'ANY' && type !== 'NONE') {
    throw new Error(`${path}.type: expected "ANY", "NONE" or "SOME", got ${describeJson(type)}`);
  }
  if (type !== 'SOME') {
    if (value['values'] !== undefined) throw new Error(`${path}: {type: "${type}"} takes no values; ${ENTITY_SHAPE}`);
    return { type };
  }
  if (value['values'] === undefined) throw new Error(`${path}: ${ENTITY_SHAPE}, got ${describeJson(value)}`);
  return { values: parseValues(`${path}.values`, value['values']) };
}

/** A non-empty list of strings (an empty one would match nothing: a rule that never applies is a mistake). */
function parseValues(path: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new Error(`${path}: expected an array of strings, got ${describeJson(value)}`);
  if (value.length === 0) throw new Error(`${path}: expected at least one value (an empty list matches nothing)`);
  return value.map((item: unknown, index) => {
    if (typeof item !== 'string') throw new Error(`${path}[${index}]: expected a string, got ${describeJson(item)}`);
    return item;
  });
}

/** The checks Mesos' `LocalAuthorizer::validate` makes on an action's objects. */
function checkObjects(action: MesosAclAction, path: string, objects: AclEntity): void {
  if (!('values' in objects)) return;
  if (IMPLICIT_OBJECT_ACTIONS.has(action)) {
    throw new Error(`${path}: expected {type: "ANY"|"NONE"} (the object of ${action} is implicit, it takes no values)`);
  }
  if (action !== 'get_endpoints') return;
  objects.values.forEach((endpoint, index) => {
    if (!AUTHORIZABLE_ENDPOINTS.includes(endpoint)) {
      throw new Error(`${path}.values[${index}]: '${endpoint}' is not an authorizable endpoint (one of ${AUTHORIZABLE_ENDPOINTS.join(', ')})`);
    }
  });
}

/** Why an action key is refused, with the nearest known key when it looks like a typo. */
function unknownActionReason(action: string): string {
  const known = [...Object.keys(ACL_ACTION_OBJECTS), ...UNENFORCED_ACL_ACTIONS];
  const nearest = known
    .map((name) => ({ name, distance: editDistance(action, name) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = nearest !== undefined && nearest.distance <= MAX_TYPO_DISTANCE ? `; did you mean "${nearest.name}"?` : '';
  return `not an ACL action Mesos defines${hint}`;
}

/** Edits at most this far from a known action name are reported as a likely typo. */
const MAX_TYPO_DISTANCE = 2;

/** Levenshtein distance between two (short) strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** A short rendering of a JSON value for an error message. */
function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > MAX_QUOTED_JSON_CHARS ? `${text.slice(0, MAX_QUOTED_JSON_CHARS)}…` : text;
}

/** Error messages quote at most this much of an offending JSON value. */
const MAX_QUOTED_JSON_CHARS = 80;

/** Parses and validates ACL JSON text. */
function parseAclsText(text: string): Acls {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`acls: not valid JSON: ${(error as Error).message}`);
  }
  return parseAcls(json);
}

/**
 * Reads and validates an ACL file. Throws an Error naming the file when it cannot be read, is not
 * a regular file, is larger than `MAX_ACLS_FILE_BYTES`, or is not valid ACL JSON.
 */
export function loadAcls(path: string): Acls {
  let text: string;
  try {
    text = readBoundedFile(path, MAX_ACLS_FILE_BYTES);
  } catch (error) {
    throw new Error(`acls: cannot read '${path}': ${(error as Error).message}`);
  }
  try {
    return parseAclsText(text);
  } catch (error) {
    throw new Error(`${(error as Error).message} (in file '${path}')`);
  }
}

/**
 * The value of the `--acls` flag: inline JSON (it starts with `{` or `[`), `file:///path/to/acls.json`,
 * or a plain path (Mesos reads `/path` too, deprecated; here a relative path works as well).
 *
 * @example
 *   parseAclsFlag('{"permissive": false}');
 *   parseAclsFlag('file:///etc/mesos/acls.json');
 *   parseAclsFlag('/etc/mesos/acls.json');
 */
export function parseAclsFlag(value: string): Acls {
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseAclsText(trimmed);
  return loadAcls(flagFilePath(trimmed));
}

/** The unenforced actions that have rules in `acls`, so a master can warn that they are ignored. */
export function unenforcedActionsIn(acls: Acls): UnenforcedAclAction[] {
  return UNENFORCED_ACL_ACTIONS.filter((action) => (acls[action]?.length ?? 0) > 0);
}
