/**
 * The JSON the UI reads, in Mesos' field names: the master's `/master/state` (actors/master/http.ts),
 * the agent's `/slave(1)/state` (actors/agent/state.ts) and `/files` (actors/agent/files.ts).
 * Only the fields the UI shows are declared.
 */

/** Resources as state.json shows them: scalars as numbers, ranges and sets as text. */
export type ResourcesJson = Readonly<Record<string, number | string>>;

/** One status of a task. */
export interface StatusJson {
  readonly state: string;
  /** Seconds since the epoch. */
  readonly timestamp: number;
  readonly message?: string;
  readonly reason?: string;
  readonly source?: string;
  /** The task's health, on updates its health check sent (Mesos' `healthy`). */
  readonly healthy?: boolean;
}

/** A task, on the master or an agent. */
export interface TaskJson {
  readonly id: string;
  readonly name: string;
  readonly framework_id: string;
  readonly executor_id: string;
  readonly slave_id: string;
  readonly state: string;
  readonly resources: ResourcesJson;
  readonly role?: string;
  readonly statuses?: readonly StatusJson[];
}

/** An outstanding offer. */
export interface OfferJson {
  readonly id: string;
  readonly framework_id: string;
  readonly slave_id: string;
  readonly allocation_info?: { readonly role?: string };
  readonly resources: ResourcesJson;
}

/** An executor as the master knows it. */
export interface ExecutorJson {
  readonly executor_id: string;
  /** `DEFAULT` for the default executor (task groups; each task's sandbox is `tasks/<task id>` in the executor's), `CUSTOM` when given. */
  readonly type?: string;
  readonly name: string;
  readonly framework_id: string;
  readonly slave_id: string;
  readonly resources: ResourcesJson;
}

/** A framework in `/master/state`. */
export interface FrameworkJson {
  readonly id: string;
  readonly name: string;
  readonly pid?: string;
  readonly user: string;
  readonly roles: readonly string[];
  readonly principal?: string;
  readonly hostname: string;
  readonly webui_url: string;
  readonly checkpoint: boolean;
  readonly failover_timeout: number;
  readonly active: boolean;
  readonly connected: boolean;
  readonly registered_time: number;
  readonly unregistered_time: number;
  /** Used plus offered. */
  readonly resources: ResourcesJson;
  readonly used_resources: ResourcesJson;
  readonly offered_resources: ResourcesJson;
  readonly tasks: readonly TaskJson[];
  readonly unreachable_tasks: readonly TaskJson[];
  readonly completed_tasks: readonly TaskJson[];
  readonly offers: readonly OfferJson[];
  readonly executors: readonly ExecutorJson[];
}

/** An agent in `/master/state`. */
export interface AgentJson {
  readonly id: string;
  /** `slave(1)@host:port`: the agent actor's id and its host's address. */
  readonly pid: string;
  readonly hostname: string;
  readonly port: number;
  readonly registered_time: number;
  readonly resources: ResourcesJson;
  readonly used_resources: ResourcesJson;
  readonly offered_resources: ResourcesJson;
  readonly reserved_resources: Readonly<Record<string, ResourcesJson>>;
  readonly unreserved_resources: ResourcesJson;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Offered: connected and not deactivated by the operator. */
  readonly active: boolean;
  /** Its link to the master is up (absent from older masters). */
  readonly connected?: boolean;
  /** The operator deactivated or drained it (DEACTIVATE_AGENT, DRAIN_AGENT). */
  readonly deactivated?: boolean;
  /** Present while the operator drains it, and once drained. */
  readonly drain_info?: DrainInfoJson;
  /** When the machine's maintenance starts, if it is scheduled (seconds since the epoch). */
  readonly estimated_drain_start_time_seconds?: number;
  readonly version?: string;
}

/** An agent's `drain_info`: DRAINING until its tasks and operations are done, then DRAINED. */
export interface DrainInfoJson {
  readonly state: string;
  readonly config: { readonly max_grace_period?: { readonly nanoseconds: number }; readonly mark_gone?: boolean };
}

/** `GET /master/state`. */
export interface MasterStateJson {
  readonly version: string;
  readonly id: string;
  readonly pid: string;
  readonly hostname: string;
  readonly start_time: number;
  readonly elected_time: number;
  readonly leader?: string;
  readonly activated_slaves: number;
  readonly deactivated_slaves: number;
  readonly unreachable_slaves: number;
  readonly flags: Readonly<Record<string, string | undefined>>;
  readonly frameworks: readonly FrameworkJson[];
  readonly completed_frameworks: readonly FrameworkJson[];
  readonly slaves: readonly AgentJson[];
}

/** An executor in the agent's `/state`: where its sandbox is. */
export interface AgentExecutorJson {
  readonly id: string;
  readonly name: string;
  readonly container: string;
  readonly directory: string;
  readonly state?: string;
  readonly tasks: readonly TaskJson[];
  readonly queued_tasks: readonly TaskJson[];
  readonly completed_tasks: readonly TaskJson[];
}

/** A framework in the agent's `/state`. */
export interface AgentFrameworkJson {
  readonly id: string;
  readonly name: string;
  readonly executors: readonly AgentExecutorJson[];
  readonly completed_executors: readonly AgentExecutorJson[];
}

/** `GET /slave(1)/state` (only what the sandbox lookup reads). */
export interface AgentStateJson {
  readonly id: string;
  readonly hostname: string;
  readonly frameworks: readonly AgentFrameworkJson[];
  readonly completed_frameworks: readonly AgentFrameworkJson[];
}

/** One entry of `GET /files/browse`. */
export interface FileInfoJson {
  readonly path: string;
  readonly size: number;
  readonly mode: string;
  /** Seconds since the epoch. */
  readonly mtime: number;
  readonly uid: string;
  readonly gid: string;
}

/** `GET /files/read`: `data` read from `offset` (with `offset=-1`: empty data, `offset` = the size). */
export interface FileChunkJson {
  readonly data: string;
  readonly offset: number;
}
