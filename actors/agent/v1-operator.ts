/**
 * The agent's v1 operator API (`POST /slave(1)/api/v1`, and `/api/v1` on an agent's own host;
 * Mesos' `v1/agent/agent.proto`, in JSON or protobuf: the call's `Content-Type` says how it
 * comes, the `Accept` how it is answered, JSON first when it allows both, as Mesos chooses; a
 * protobuf call is read into its JSON, a protobuf answer is its JSON encoded: `lib/v1/protobuf.ts`),
 * the calls that read the agent: GET_HEALTH,
 * GET_VERSION, GET_FLAGS, GET_METRICS, GET_STATE (GET_TASKS, GET_EXECUTORS and GET_FRAMEWORKS
 * together, as the ACLs' `view_*` let the caller see them), GET_AGENT, GET_CONTAINERS (each container's `resource_statistics`, as
 * `/slave(1)/containers`), GET_RESOURCE_PROVIDERS (none), and LIST_FILES and READ_FILE (the sandboxes, as `/files/browse` and
 * `/files/read` serve them, with the same checks: `access_sandboxes`, Mesos' virtual paths); and
 * WAIT_CONTAINER and KILL_CONTAINER of its executors' containers. Calls Mesos' agent defines that this one does not serve are 501,
 * naming the type, and one of type UNKNOWN 501 (as Mesos); unknown ones 400. In Mesos' order
 * (`Http::api`, after libprocess authenticated the request): credentials with
 * `--authenticate_http_readwrite` (Mesos' realm for the endpoint) or `--authenticate_http_readonly`
 * (`agentOperatorApiAccess`); then, while a restarted agent recovers, 503 for every call; then the
 * method, the media types and the call. The ACLs' `view_flags` for GET_FLAGS, `view_containers`
 * for each container, `view_frameworks`, `view_tasks` and `view_executors` for GET_STATE and its
 * parts, `view_roles` for GET_OPERATIONS, `set_log_level` for SET_LOGGING_LEVEL,
 * `access_sandboxes` for LIST_FILES and READ_FILE, `wait_`/`kill_standalone_containers` and
 * `wait_`/`kill_nested_containers` for WAIT_CONTAINER and KILL_CONTAINER (spec/actors/agent/v1-operator-parity.spec.ts
 * holds each call against Mesos' `src/slave/http.cpp`).
 */
import { constants as osConstants } from 'node:os';
import { z } from 'zod';
import type { Authorizer } from '../../lib/acls';
import { authenticateRequest, isResponse, type HttpAuthentication, type HttpRequest, type HttpResponse } from '../../lib/process';
import { badRequest, headerOf, streamEncoding, v1Answer, v1RequestCall, v1RequestError } from '../../lib/v1/http';
import { APPLICATION_PROTOBUF, v1ResponseBytes, type V1Encoding } from '../../lib/v1/protobuf';
import { HttpStream } from '../../lib/process/http';
import { byNameList, checkedCall, UNKNOWN_CALL_REFUSAL, v1Id, v1NumberField } from '../../lib/v1/json';
import type { HttpAccess, HttpCaller } from '../../lib/process/http-authentication';
import type { ListedFile } from './files';
import { v1VersionInfo } from '../../lib/version';
import type { MonitoredContainer, ResourceStatisticsJson } from './monitor';
import { aclViewer, SEE_ALL, type StateViewer } from '../../lib/state-json';
import { drainConfigJson, setLoggingLevelCall, setLoggingLevelSchema, v1GetOperations, v1TimeInfo, type LoggingLevelCall, type V1OperationView } from '../../lib/v1/operator';
import type { DrainConfig } from '../../lib/protocol';
import type { AgentV1Part, AgentV1State } from './state';
import { AGENT_RECOVERING } from './constants';
import { DEFAULT_METRICS_TIMEOUT_MS } from '../../lib/metrics';
import { idError } from '../../lib/protocol/ids';
import type { ExecutorExit } from './launcher';

/** Largest call the agent's operator API reads (its calls are small). */
export const MAX_AGENT_OPERATOR_CALL_BYTES = 64 * 1024;

/** Longest `type` a call may name (Mesos' longest is 31 characters). */
export const MAX_CALL_TYPE_CHARS = 64;

/** The call types this agent serves. */
export const AGENT_OPERATOR_CALL_TYPES = [
  'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_STATE', 'GET_TASKS', 'GET_EXECUTORS', 'GET_FRAMEWORKS', 'GET_AGENT',
  'GET_CONTAINERS', 'LIST_FILES', 'READ_FILE', 'GET_OPERATIONS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL', 'GET_RESOURCE_PROVIDERS',
  'WAIT_CONTAINER', 'KILL_CONTAINER',
] as const;

/** Call types Mesos' agent defines that this one does not serve (501). */
const UNSERVED_AGENT_CALL_TYPES: ReadonlySet<string> = new Set([
  'LAUNCH_NESTED_CONTAINER', 'WAIT_NESTED_CONTAINER',
  'KILL_NESTED_CONTAINER', 'REMOVE_NESTED_CONTAINER', 'LAUNCH_NESTED_CONTAINER_SESSION', 'ATTACH_CONTAINER_INPUT',
  'ATTACH_CONTAINER_OUTPUT', 'LAUNCH_CONTAINER', 'REMOVE_CONTAINER', 'ADD_RESOURCE_PROVIDER_CONFIG',
  'UPDATE_RESOURCE_PROVIDER_CONFIG', 'REMOVE_RESOURCE_PROVIDER_CONFIG', 'MARK_RESOURCE_PROVIDER_GONE', 'PRUNE_IMAGES',
]);

/** Longest `ContainerID.value` (Mesos' `MAX_CONTAINER_ID_LENGTH`). */
export const MAX_CONTAINER_ID_LENGTH = 242;

/** KILL_CONTAINER's signal when the call names none (Mesos: SIGKILL), which destroys the container. */
export const KILL_CONTAINER_DEFAULT_SIGNAL = osConstants.signals.SIGKILL;

/** A v1 `ContainerID`: its value and, for a nested one, its parent's. */
interface ContainerIdJson {
  readonly value: string;
  readonly parent?: ContainerIdJson | undefined;
}

const containerIdSchema: z.ZodType<ContainerIdJson> = z.lazy(() => z.object({ value: z.string(), parent: containerIdSchema.optional() }));

const callSchema = z.object({
  type: z.string().max(MAX_CALL_TYPE_CHARS),
  get_containers: z.object({ show_nested: z.boolean().optional(), show_standalone: z.boolean().optional() }).optional(),
  set_logging_level: setLoggingLevelSchema.optional(),
  get_metrics: z.object({ timeout: z.object({ nanoseconds: v1NumberField.pipe(z.number().int().nonnegative()) }).optional() }).optional(),
  list_files: z.object({ path: z.string() }).optional(),
  read_file: z.object({ path: z.string(), offset: v1NumberField.pipe(z.number().int().nonnegative()), length: v1NumberField.pipe(z.number().int().nonnegative()).optional() }).optional(),
  wait_container: z.object({ container_id: containerIdSchema }).optional(),
  // An int32, as the proto has it.
  kill_container: z.object({ container_id: containerIdSchema, signal: v1NumberField.pipe(z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1)).optional() }).optional(),
});

/** The sandboxes, as the files actor serves them (`FilesActor.list` and `readRange`); each throws a refusal with an HTTP `status`. */
export interface AgentFilesReader {
  list(path: string, caller: HttpCaller): Promise<readonly ListedFile[]>;
  read(path: string, offset: number, length: number | undefined, caller: HttpCaller): Promise<{ readonly size: number; readonly data: Buffer }>;
}

/** What the API reads of its agent. */
export interface AgentOperatorPort {
  readonly authentication: HttpAuthentication | undefined;
  readonly authorizer: Authorizer | undefined;
  /** The agent's flags as `/slave(1)/flags` renders them. */
  flags(): Record<string, string>;
  /** The OS user an executor runs as, for the ACLs (`Agent.executorUser`). */
  executorUser(frameworkId: string, executorId: string): string | undefined;
  /** Every live executor container, as the agent's books have them now (who may see which is decided on these, before the measure). */
  containers(): readonly MonitoredContainer[];
  /** Every live container and its statistics now. */
  containersUsage(): Promise<ReadonlyArray<{ readonly container: MonitoredContainer; readonly statistics: ResourceStatisticsJson }>>;
  /** The sandboxes (none on an agent without a files actor, such as a simulation's: LIST_FILES and READ_FILE then answer 404). */
  readonly files: AgentFilesReader | undefined;
  /** `parts` of its frameworks, executors and tasks in v1 JSON, as `viewer` may see them (`agentV1State`). */
  v1State(viewer: StateViewer | undefined, parts?: readonly AgentV1Part[]): Partial<AgentV1State>;
  /** Its operations with feedback not yet acknowledged (GET_OPERATIONS). */
  operations(): V1OperationView[];
  /** Its AgentInfo in v1 JSON (GET_AGENT's `agent_info`). */
  v1AgentInfo(): Record<string, unknown>;
  /** How it drains, and since when (clock ms), while it does (GET_AGENT's `drain_config` and `estimated_drain_start_time`). */
  draining(): { readonly config: DrainConfig; readonly startMs: number } | undefined;
  /** Its metrics now, `system/*` included where its host serves them, those that answered within `timeoutMs` (GET_METRICS). */
  metrics(timeoutMs: number): Promise<Record<string, number>>;
  /** GET_LOGGING_LEVEL / SET_LOGGING_LEVEL of the agent's process (`v1LoggingLevel`), by `caller`. */
  loggingLevel(caller: HttpCaller, call: LoggingLevelCall): HttpResponse | Promise<HttpResponse>;
  /** Whether it is a restarted agent still taking its executors back (its books are not whole yet): every call is then 503, as Mesos' agent answers. */
  recovering(): boolean;
  /** The executor whose container (run) is `containerId`, in any phase (Mesos' `getExecutor`), or undefined. */
  containerExecutor(containerId: string): { readonly frameworkId: string; readonly executorId: string } | undefined;
  /**
   * Calls `onEnd` once container `containerId` ends, with how it ended, or with 'stopped' when the
   * agent stops first (`Agent.watchContainer`); returns what forgets `onEnd` (a client gone), or
   * undefined, calling nothing, when no live container has that id.
   */
  watchContainer(containerId: string, onEnd: (outcome: ExecutorExit | 'stopped') => void): (() => void) | undefined;
  /** Sends `signal` to container `containerId` (`Agent.killContainer`; SIGKILL destroys it): 'unknown' for none live of that id, the reason when it could not. */
  killContainer(containerId: string, signal: number): 'killed' | 'unknown' | { readonly error: string };
}

/**
 * The realm the agent's `/api/v1` authenticates in: Mesos' agent serves the whole endpoint in its
 * read-write realm (`--authenticate_http_readwrite`), every call alike; `--authenticate_http_readonly`
 * asks for credentials too (*our choice*, as the master's `/api/v1` does: its GET_STATE shows what
 * `/state` does, and KILL_CONTAINER is no read; Mesos leaves the endpoint open then).
 */
export function agentOperatorApiAccess(authentication: HttpAuthentication): HttpAccess {
  return authentication.readwrite ? 'readwrite' : 'readonly';
}

/**
 * Answers one request to the agent's `/api/v1`: a call in JSON or protobuf (415 for another
 * `Content-Type`), answered in JSON or protobuf (406 for an `Accept` that allows neither).
 */
export async function serveAgentOperatorCall(port: AgentOperatorPort, request: HttpRequest): Promise<HttpResponse> {
  // Credentials first, before anything of the request is looked at: libprocess authenticates a request before Mesos'
  // `Http::api` runs (an anonymous GET was 405 here, 401 in Mesos).
  const caller = port.authentication === undefined ? { principal: undefined } : authenticateRequest(request, agentOperatorApiAccess(port.authentication), port.authentication);
  if (isResponse(caller)) return caller;
  // As Mesos' agent (`Http::api`, before the method): no call is answered from the half-recovered books of a restarted agent.
  if (port.recovering()) return { status: 503, body: AGENT_RECOVERING };
  const refused = v1RequestError(request, MAX_AGENT_OPERATOR_CALL_BYTES, 'this agent speaks the v1 operator API', true);
  if (refused !== undefined) return refused;
  // No call this agent serves is streamed: Mesos refuses these headers on a call that is not.
  if (headerOf(request, 'message-content-type') !== undefined) return { status: 415, body: "Expecting 'Message-Content-Type' to be not set for non-streaming requests" };
  const encoding = streamEncoding(request);
  if (typeof encoding !== 'string') return encoding;
  if (headerOf(request, 'message-accept') !== undefined) return { status: 406, body: "Expecting 'Message-Accept' to be not set for non-streaming responses" };
  const response = await answerCall(port, request, caller, encoding);
  return encoding === 'protobuf' ? inProtobuf(response) : response;
}

/**
 * A 200 answer with a `Response` (its JSON) as the protobuf `mesos.v1.agent.Response`; any other
 * answer (an error in words) as it is. The agent's answers are small (its own tasks), encoded at once.
 */
function inProtobuf(response: HttpResponse): HttpResponse {
  const body = response.body;
  if (response.status !== 200 || typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return response;
  return { ...response, headers: { ...(response.headers ?? {}), 'content-type': APPLICATION_PROTOBUF }, body: Buffer.from(v1ResponseBytes('agent', body as Record<string, unknown>)) };
}

/** The answer to the call `request` carries, by `caller`, in JSON (a streamed one, WAIT_CONTAINER's, already in `encoding`). */
async function answerCall(port: AgentOperatorPort, request: HttpRequest, caller: HttpCaller, encoding: V1Encoding): Promise<HttpResponse> {
  const body = v1RequestCall(request, 'agent');
  if (!('json' in body)) return body;
  const checked = checkedCall(callSchema, body.json);
  if (!checked.ok) return badRequest(`Failed to validate agent::Call: ${checked.error}`);
  const { type, list_files: listFiles, read_file: readFile, get_metrics: getMetrics, set_logging_level: setLoggingLevel, wait_container: waitContainer, kill_container: killContainer } = checked.value;
  const served = AGENT_OPERATOR_CALL_TYPES.join(', ');
  // Mesos' agent validates a call of type UNKNOWN, then answers 501 Not Implemented (`Http::_api`).
  if (type === 'UNKNOWN') return { status: 501, body: UNKNOWN_CALL_REFUSAL.error };
  if (UNSERVED_AGENT_CALL_TYPES.has(type)) return { status: 501, body: `call type '${type}' is not served by this agent (served: ${served})` };
  if (!(AGENT_OPERATOR_CALL_TYPES as readonly string[]).includes(type)) return badRequest(`Failed to validate agent::Call: type: unknown call type '${type}' (served: ${served})`);
  const viewer = port.authorizer === undefined ? undefined : aclViewer(port.authorizer, caller.principal);
  switch (type as (typeof AGENT_OPERATOR_CALL_TYPES)[number]) {
    case 'GET_STATE': {
      // In Mesos' order (`jsonifyGetState`).
      const { get_tasks: tasks, get_executors: executors, get_frameworks: frameworks } = port.v1State(viewer);
      return v1Answer('GET_STATE', 'get_state', { get_tasks: tasks, get_executors: executors, get_frameworks: frameworks });
    }
    case 'GET_TASKS':
      return v1Answer('GET_TASKS', 'get_tasks', port.v1State(viewer, ['get_tasks']).get_tasks);
    case 'GET_EXECUTORS':
      return v1Answer('GET_EXECUTORS', 'get_executors', port.v1State(viewer, ['get_executors']).get_executors);
    case 'GET_FRAMEWORKS':
      return v1Answer('GET_FRAMEWORKS', 'get_frameworks', port.v1State(viewer, ['get_frameworks']).get_frameworks);
    case 'GET_AGENT':
    {
      const draining = port.draining();
      return v1Answer('GET_AGENT', 'get_agent', {
        agent_info: port.v1AgentInfo(),
        ...(draining !== undefined ? { drain_config: drainConfigJson(draining.config), estimated_drain_start_time: v1TimeInfo(draining.startMs) } : {}),
      });
    }
    case 'GET_OPERATIONS':
      return v1Answer('GET_OPERATIONS', 'get_operations', v1GetOperations(port.operations(), viewer ?? SEE_ALL));
    case 'GET_METRICS': {
      if (getMetrics === undefined) return badRequest("Failed to validate agent::Call: Expecting 'get_metrics' to be present");
      // As Mesos' agent: the metrics that answered within the call's timeout; without one, DEFAULT_METRICS_TIMEOUT_MS (Mesos: no bound).
      const nanoseconds = getMetrics.timeout?.nanoseconds;
      const metrics = await port.metrics(nanoseconds === undefined ? DEFAULT_METRICS_TIMEOUT_MS : nanoseconds / 1e6);
      // By name, as Mesos writes its `std::map` of them.
      return v1Answer('GET_METRICS', 'get_metrics', { metrics: byNameList(metrics) });
    }
    case 'WAIT_CONTAINER': {
      if (waitContainer === undefined) return badRequest("Failed to validate agent::Call: Expecting 'wait_container' to be present");
      const invalid = containerIdError(waitContainer.container_id);
      if (invalid !== undefined) return badRequest(`Failed to validate agent::Call: 'wait_container.container_id' is invalid: ${invalid}`);
      return answerWait(port, caller, waitContainer.container_id, encoding);
    }
    case 'KILL_CONTAINER': {
      if (killContainer === undefined) return badRequest("Failed to validate agent::Call: Expecting 'kill_container' to be present");
      const invalid = containerIdError(killContainer.container_id);
      if (invalid !== undefined) return badRequest(`Failed to validate agent::Call: 'kill_container.container_id' is invalid: ${invalid}`);
      return answerKill(port, caller, killContainer.container_id, killContainer.signal ?? KILL_CONTAINER_DEFAULT_SIGNAL);
    }
    case 'GET_RESOURCE_PROVIDERS':
      // Mesos' agent lists its resource providers that VIEW_RESOURCE_PROVIDER lets the caller see: this one has none.
      return v1Answer('GET_RESOURCE_PROVIDERS', 'get_resource_providers', {});
    case 'GET_LOGGING_LEVEL':
      return port.loggingLevel(caller, { type: 'GET_LOGGING_LEVEL' });
    case 'SET_LOGGING_LEVEL':
      if (setLoggingLevel === undefined) return badRequest("Failed to validate agent::Call: Expecting 'set_logging_level' to be present");
      return port.loggingLevel(caller, setLoggingLevelCall(setLoggingLevel));
    case 'GET_HEALTH':
      return v1Answer('GET_HEALTH', 'get_health', { healthy: true });
    case 'GET_VERSION':
      return v1Answer('GET_VERSION', 'get_version', { version_info: v1VersionInfo() });
    case 'GET_FLAGS': {
      const denied = port.authorizer?.denial('view_flags', caller.principal);
      if (denied !== undefined) return { status: 403, body: `Forbidden: ${denied}` };
      // By name, as Mesos evolves its `JSON::Object` of them (a `std::map`).
      return v1Answer('GET_FLAGS', 'get_flags', { flags: byNameList(port.flags()) });
    }
    case 'GET_CONTAINERS': {
      // Who may see which container is decided on the books of now, before the measure, as Mesos' `__containers` and
      // `/containers` decide it: a framework gone meanwhile is not decided for an unknown user.
      const authorizer = port.authorizer;
      const shown = new Set<string>();
      for (const container of port.containers()) {
        if (authorizer === undefined || authorizer.authorized('view_containers', caller.principal, port.executorUser(container.frameworkId, container.executorId))) shown.add(container.containerId);
      }
      const usages = shown.size === 0 ? [] : await port.containersUsage();
      const containers = usages.filter(({ container }) => shown.has(container.containerId)).map(({ container, statistics }) => v1Container(container, statistics));
      // As Mesos: `evolve` sets `get_containers` for a container only, so with none the answer has no `get_containers`.
      return containers.length === 0 ? { status: 200, headers: { 'content-type': 'application/json' }, body: { type: 'GET_CONTAINERS' } } : v1Answer('GET_CONTAINERS', 'get_containers', { containers });
    }
    case 'LIST_FILES': {
      if (listFiles === undefined) return badRequest("Failed to validate agent::Call: Expecting 'list_files' to be present");
      return filesAnswer(port, listFiles.path, async (files) => {
        const fileInfos = (await files.list(listFiles.path, caller)).map(v1FileInfo);
        // An empty list left out, as `JSON::Protobuf` of Mesos' `Response` leaves it.
        return v1Answer('LIST_FILES', 'list_files', fileInfos.length === 0 ? {} : { file_infos: fileInfos });
      });
    }
    case 'READ_FILE': {
      if (readFile === undefined) return badRequest("Failed to validate agent::Call: Expecting 'read_file' to be present");
      return filesAnswer(port, readFile.path, async (files) => {
        const { size, data } = await files.read(readFile.path, readFile.offset, readFile.length, caller);
        return v1Answer('READ_FILE', 'read_file', { size, data: data.toString('base64') });
      });
    }
  }
}

/**
 * Why `id` is no container id, in Mesos' words (`validateContainerId`): its value an id
 * (`validateID`), at most `MAX_CONTAINER_ID_LENGTH` characters, without `.` (Mesos writes a nested
 * id `parent.child`) or a space; its parents likewise.
 */
function containerIdError(id: ContainerIdJson): string | undefined {
  const invalid = idError(id.value);
  if (invalid !== undefined) return invalid;
  if (Buffer.byteLength(id.value, 'utf8') > MAX_CONTAINER_ID_LENGTH) return `'ContainerID.value' '${id.value}' exceeds the maximum length (${MAX_CONTAINER_ID_LENGTH})`;
  if (/[. ]/.test(id.value)) return `'ContainerID.value' '${id.value}' contains invalid characters`;
  if (id.parent === undefined) return undefined;
  const parent = containerIdError(id.parent);
  return parent === undefined ? undefined : `'ContainerID.parent' is invalid: ${parent}`;
}

/** The top-level container `id` is in (itself when it has no parent). */
function rootOf(id: ContainerIdJson): ContainerIdJson {
  return id.parent === undefined ? id : rootOf(id.parent);
}

/** `id` as Mesos writes a ContainerID: `parent.child`. */
function containerIdText(id: ContainerIdJson): string {
  return id.parent === undefined ? id.value : `${containerIdText(id.parent)}.${id.value}`;
}

/**
 * Whether `caller` may wait for (`action` 'wait') or kill container `id`, as Mesos' agent decides
 * it: a top-level container by WAIT_STANDALONE_CONTAINER / KILL_STANDALONE_CONTAINER, whose object
 * is given implicitly (the principal alone decides); a nested one by WAIT_NESTED_CONTAINER /
 * KILL_NESTED_CONTAINER, for the user its root container's executor runs as (the executor's
 * command's, else its framework's; when no executor has that container, its own `value`, as
 * Mesos' local authorizer takes the ContainerID's then).
 * The 403, or undefined when it may.
 */
function containerDenial(port: AgentOperatorPort, caller: HttpCaller, action: 'wait' | 'kill', id: ContainerIdJson): HttpResponse | undefined {
  const authorizer = port.authorizer;
  if (authorizer === undefined) return undefined;
  let denied: string | undefined;
  if (id.parent === undefined) {
    denied = authorizer.denial(action === 'wait' ? 'wait_standalone_containers' : 'kill_standalone_containers', caller.principal);
  } else {
    const executor = port.containerExecutor(rootOf(id).value);
    // Mesos' local authorizer: with no executor, the container id's own value stands where the user would.
    const user = executor === undefined ? id.value : port.executorUser(executor.frameworkId, executor.executorId);
    denied = authorizer.denial(action === 'wait' ? 'wait_nested_containers' : 'kill_nested_containers', caller.principal, user);
  }
  return denied === undefined ? undefined : { status: 403, body: `Forbidden: ${denied}` };
}

/**
 * WAIT_CONTAINER (Mesos' `waitContainer`): once authorized, 200 with the answer's body written
 * when the container ends, its `ContainerTermination` (`exit_status`, the wait status; `state`,
 * `reason` and `message` of a container destroyed at a limit), in `encoding`; 404 for a container
 * that is not live here (a nested one among them: this agent runs none), as Mesos'
 * `containerizer->wait` finds none. The answer is a stream (*our choice*: Mesos sends it whole at
 * the end), so the request's body is not held while it waits and a client that goes away is
 * forgotten at once; when the agent stops first, the connection is dropped, as Mesos' ends.
 */
function answerWait(port: AgentOperatorPort, caller: HttpCaller, id: ContainerIdJson, encoding: V1Encoding): HttpResponse {
  const denied = containerDenial(port, caller, 'wait', id);
  if (denied !== undefined) return denied;
  const notFound: HttpResponse = { status: 404, body: `Container ${containerIdText(id)} cannot be found` };
  if (id.parent !== undefined) return notFound;
  let forget: (() => void) | undefined;
  const stream = new HttpStream(() => forget?.());
  forget = port.watchContainer(id.value, (outcome) => {
    if (outcome === 'stopped') return stream.abort();
    const answer = { type: 'WAIT_CONTAINER', wait_container: v1ContainerTermination(outcome) };
    stream.write(encoding === 'protobuf' ? Buffer.from(v1ResponseBytes('agent', answer)) : JSON.stringify(answer));
    stream.end();
  });
  if (forget === undefined) return notFound;
  return { status: 200, headers: { 'content-type': encoding === 'protobuf' ? APPLICATION_PROTOBUF : 'application/json' }, stream };
}

/**
 * KILL_CONTAINER (Mesos' `killContainer`): once authorized, `signal` (SIGKILL unless the call
 * names one) sent to the container; 200 with an empty body; 404 for a container that is not live
 * here (Mesos' `containerizer->kill` answered false), a nested one among them; 500 when the signal
 * could not be sent, in Mesos' words.
 */
function answerKill(port: AgentOperatorPort, caller: HttpCaller, id: ContainerIdJson, signal: number): HttpResponse {
  const denied = containerDenial(port, caller, 'kill', id);
  if (denied !== undefined) return denied;
  const notFound: HttpResponse = { status: 404, body: `Container '${containerIdText(id)}' cannot be found (or is already killed)` };
  if (id.parent !== undefined) return notFound;
  const outcome = port.killContainer(id.value, signal);
  if (outcome === 'unknown') return notFound;
  if (outcome !== 'killed') return { status: 500, body: `Unable to send signal to container: ${outcome.error}` };
  return { status: 200, body: '' };
}

/**
 * How an executor's container ended as Mesos' `ContainerTermination` in a WAIT_CONTAINER answer:
 * `exit_status` the wait status (an exit code times 256, or the signal's number), when the process
 * was reaped here (not one a restarted agent took back); a container destroyed at a limit also
 * `state` TASK_FAILED, its `reason` and `message` (Mesos' `limitation` resources are not known here).
 */
function v1ContainerTermination(exit: ExecutorExit): Record<string, unknown> {
  const status = exit.code !== null ? exit.code * 256 : exit.signal !== null ? osConstants.signals[exit.signal] : undefined;
  return {
    ...(status !== undefined ? { exit_status: status } : {}),
    ...(exit.limitation !== undefined ? { state: 'TASK_FAILED', reason: exit.limitation.reason, message: exit.limitation.message } : {}),
  };
}

/** `answer(files)`, or the files actor's refusal as Mesos' agent answers it (its status and reason); 404 without a files actor. */
async function filesAnswer(port: AgentOperatorPort, path: string, answer: (files: AgentFilesReader) => Promise<HttpResponse>): Promise<HttpResponse> {
  if (port.files === undefined) return { status: 404, body: `'${path}' not found: this agent serves no files` };
  // Mesos' files find no path attached at '' (NOT_FOUND); the files actor would take it for the work dir.
  if (path === '') return { status: 404, body: "'' not found: no path is served there" };
  try {
    return await answer(port.files);
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number') return { status, body: (error as Error).message };
    throw error;
  }
}

/** Mesos' v1 `FileInfo`: the mode as its bits, the mtime in nanoseconds of whole seconds (Mesos' `createFileInfo` takes `st_mtime`, as `/files/browse` does). */
function v1FileInfo({ info, modeBits, mtimeMs }: ListedFile): Record<string, unknown> {
  return { path: info.path, nlink: info.nlink, size: info.size, mtime: { nanoseconds: Math.floor(mtimeMs / 1000) * 1e9 }, mode: modeBits, uid: info.uid, gid: info.gid };
}

/** A `GetContainers.Container`. */
function v1Container(container: MonitoredContainer, statistics: ResourceStatisticsJson): Record<string, unknown> {
  return {
    framework_id: v1Id(container.frameworkId),
    executor_id: v1Id(container.executorId),
    executor_name: container.executorName,
    container_id: v1Id(container.containerId),
    container_status: { container_id: v1Id(container.containerId), ...(container.processId !== undefined ? { executor_pid: container.processId } : {}) },
    resource_statistics: statistics,
  };
}
