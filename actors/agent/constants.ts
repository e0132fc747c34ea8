/**
 * Limits and defaults of the agent and its executors (DESIGN.md §10; values from Mesos'
 * `slave/constants.hpp`). Those the master must agree with (ping timeouts, the id rule,
 * completed-framework and status bounds) are defined once in `lib/protocol`.
 */
import { AGENT_PING_TIMEOUT_MS, MAX_AGENT_PING_TIMEOUTS } from '../../lib/protocol/limits';

/** An executor that has not registered with its agent within this long is killed (Mesos `--executor_registration_timeout`). */
export const EXECUTOR_REGISTRATION_TIMEOUT_MS = 60_000;

/** After asking an executor to shut down, the agent kills its process tree if it is still alive this much later (Mesos). */
export const EXECUTOR_SHUTDOWN_GRACE_PERIOD_MS = 5_000;

/** The command executor kills its task this long before its own shutdown grace period ends, so TASK_KILLED can still leave. */
export const COMMAND_EXECUTOR_SHUTDOWN_MARGIN_MS = 2_000;

/** First retry of an unacknowledged status update; the interval doubles on each retry (Mesos). */
export const STATUS_UPDATE_RETRY_INTERVAL_MIN_MS = 10_000;

/** The status update retry interval stops doubling here (Mesos: 10 min). */
export const STATUS_UPDATE_RETRY_INTERVAL_MAX_MS = 600_000;

/** First retry of an unacknowledged operation status (UpdateOperationStatus); doubles on each retry (Mesos' operation status update manager: 10 s). */
export const OPERATION_STATUS_RETRY_INTERVAL_MIN_MS = 10_000;

/** The operation status retry interval stops doubling here (Mesos: 10 min). */
export const OPERATION_STATUS_RETRY_INTERVAL_MAX_MS = 600_000;

/**
 * Most bytes (of JSON) of unacknowledged operations a re-registration reports, oldest first: a
 * framework that never acknowledges, with long ids and operations, could otherwise make the
 * ReregisterAgent larger than a message may be (`MAX_MESSAGE_BYTES`, 8 MiB), and the agent could
 * never re-register. What is left out reaches the master as each status is sent again once the
 * agent is registered (Mesos bounds neither).
 */
export const MAX_REPORTED_OPERATION_BYTES = 1024 * 1024;

/**
 * The capabilities an agent advertises (Mesos' `SlaveInfo.Capability` names): those of Mesos'
 * defaults this agent has, operation feedback on its own resources among them
 * (`AGENT_FEEDBACK_CAPABILITIES`, which Mesos' `--agent_features` must list too), and draining
 * (`AGENT_DRAINING`: the master drains only an agent that advertises it).
 */
export const DEFAULT_AGENT_CAPABILITIES = Object.freeze(['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'RESOURCE_PROVIDER', 'RESIZE_VOLUME', 'AGENT_OPERATION_FEEDBACK', 'AGENT_DRAINING']) as string[];

/** Updates waiting in one task's stream; more are refused (not acked), so the executor retries later. */
export const MAX_PENDING_UPDATES_PER_TASK = 1_000;

/**
 * Bytes of updates (`statusUpdateBytes`: their `data` and `message`) waiting for their
 * acknowledgement in one framework's streams on an agent; past it a new update is refused as
 * one over `MAX_PENDING_UPDATES_PER_TASK` is (the executor retries later). A framework that never
 * acknowledges can no longer fill the agent's heap (a security review crashed an agent with 3 MiB
 * updates, killing every tenant's tasks). Mesos bounds neither.
 */
export const MAX_PENDING_UPDATE_BYTES_PER_FRAMEWORK = 256 * 1024 * 1024;

/** Grace period between SIGTERM and SIGKILL when a task is killed without a kill policy (Mesos' command executor). */
export const DEFAULT_KILL_GRACE_PERIOD_MS = 3_000;

/** Registration retries wait a random time up to this, doubling per attempt (Mesos `--registration_backoff_factor`). */
export const REGISTRATION_BACKOFF_FACTOR_MS = 1_000;

/** Registration retries never wait longer than this (Mesos `REGISTER_RETRY_INTERVAL_MAX`). */
export const REGISTER_RETRY_INTERVAL_MAX_MS = 60_000;

/**
 * An agent still registering this long after it started trying says, at warn level, that no
 * master answered (and again every this long): longer than the first few retries (backoff factor
 * 1 s: within 2, 4, 8 s) so a master that is just starting does not trigger it, short enough
 * that an operator watching a new agent sees why it is not in the cluster.
 */
export const AGENT_NO_MASTER_WARNING_MS = 10_000;

/** Without a ping for this long the agent considers the master lost and re-registers (15 s × 5). */
export const MASTER_PING_TIMEOUT_MS = AGENT_PING_TIMEOUT_MS * MAX_AGENT_PING_TIMEOUTS;

/** Executors kept per framework in `completed_executors` of /state (Mesos default). */
export const MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK = 150;

/** Tasks kept per executor in `completed_tasks` of /state (Mesos `MAX_COMPLETED_TASKS_PER_EXECUTOR`). */
export const MAX_COMPLETED_TASKS_PER_EXECUTOR = 200;

/** Ports offered when `--resources` names none (Mesos `DEFAULT_PORTS`). */
export const DEFAULT_PORTS = '[31000-32000]';

/** Memory left to the OS and the agent: total minus this is offered (Mesos: 1 GiB). */
export const MEMORY_HEADROOM_BYTES = 1024 ** 3;

/** Below this much memory the agent offers half of it instead of total − headroom (Mesos: 2 GiB). */
export const SMALL_MEMORY_BYTES = 2 * 1024 ** 3;

/** Disk left free on the work dir's filesystem: its size minus this is offered (Mesos: 5 GiB). */
export const DISK_HEADROOM_BYTES = 5 * 1024 ** 3;

/** Below this much disk the agent offers half of it instead of size − headroom (Mesos: 10 GiB). */
export const SMALL_DISK_BYTES = 10 * 1024 ** 3;

/** Bytes in a megabyte, the unit of `mem` and `disk` (Mesos resources are in MB). */
export const BYTES_PER_MB = 1024 * 1024;

/** `/files/read` returns at most this many bytes per call (Mesos: 16 pages). */
export const FILES_MAX_READ_BYTES = 16 * 4096;

/** `/files/browse` lists at most this many entries of one directory. */
export const FILES_MAX_BROWSE_ENTRIES = 10_000;

/**
 * Directory entries `/files/browse` (and v1 LIST_FILES) reads at a time: a listing holds at most
 * `FILES_MAX_BROWSE_ENTRIES` names, however many the directory has.
 */
export const FILES_BROWSE_READ_BATCH = 1_024;

/**
 * Largest file `/files/download` serves (Mesos has no bound). Larger files get 413: read them in
 * pieces with `/files/read`. A download is streamed (`FILES_DOWNLOAD_CHUNK_BYTES` at a time), so
 * this bounds a download's length, not its memory.
 */
export const FILES_MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024;

/** What `/files/download` reads and writes at a time, the next once the client has taken it. */
export const FILES_DOWNLOAD_CHUNK_BYTES = 256 * 1024;

/** Executors (and so executor processes) one agent runs at most; more RunTasks get TASK_FAILED. */
export const MAX_EXECUTORS = 10_000;

/** Tasks waiting in one executor's queue for it to register; more get TASK_FAILED. */
export const MAX_QUEUED_TASKS_PER_EXECUTOR = 10_000;

/** The version the agent reports to the master and in `/state`: the one version of lib/version.ts. */
export { VERSION as AGENT_VERSION } from '../../lib/version';

/** The command executor exits this long after its terminal update even if the agent never acknowledges it. */
export const COMMAND_EXECUTOR_TERMINAL_ACK_TIMEOUT_MS = 10_000;

/**
 * Tasks one default executor runs at once (all its task groups together): a group that would go
 * beyond it is refused, each of its tasks TASK_FAILED. Mesos bounds it only by the agent's resources.
 */
export const DEFAULT_EXECUTOR_MAX_TASKS = 1_000;

/**
 * A command executor shut down (its framework torn down: the agent acknowledges nothing more)
 * exits this long after its task's terminal update, as Mesos' does, instead of waiting for the
 * acknowledgement (which met the agent's SIGKILL at every teardown: walkthrough).
 */
export const COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS = 1_000;

/** Name of the input a traced agent host records at start (flags, resources, host name), from which `replayAgent` builds the agent. */
export const AGENT_START_INPUT = 'agent-start';

/**
 * Name of the input a traced agent host records when its handle is told to stop (an operator's
 * stop: `mesos-local`'s Ctrl-C); `replayAgent` stops the replayed agent there too.
 */
export const AGENT_STOP_INPUT = 'agent-stop';

/** Name of the input a traced agent host records when an executor process exits (which run, and how), fed back by `replayAgent`. */
export const EXECUTOR_EXIT_INPUT = 'executor-exit';
/** Name of the trace input recorded each time a `zk://` agent learns of a new leading master (or none): its body is the `DetectedMaster`, or null. */
export const MASTER_DETECTED_INPUT = 'master-detected';
/** Input name of a token the agent gave an executor run (crypto randomness, fed back in a replay). */
export const EXECUTOR_TOKEN_INPUT = 'executor-token';
/** Bytes of randomness in an executor's token (hex in its environment). */
export const EXECUTOR_TOKEN_BYTES = 32;

/** After a restart, checkpointed executors have this long to re-register before they are killed (Mesos `--executor_reregistration_timeout`, 2 s). */
export const EXECUTOR_REREGISTRATION_TIMEOUT_MS = 2_000;

/** How often the agent checks that a recovered executor's process (not its child) still lives (Mesos' reaper polls too). */
export const RECOVERED_PROCESS_POLL_MS = 1_000;

/** The checkpoint journal is compacted once it holds this many records and twice what is live. */
export const CHECKPOINT_COMPACTION_MIN_RECORDS = 10_000;

/** A failed checkpoint write is retried after this long, doubling per failure in a row... */
export const CHECKPOINT_RETRY_INITIAL_MS = 500;

/** ... up to this long between attempts. */
export const CHECKPOINT_RETRY_MAX_MS = 30_000;

/**
 * The longest an ended agent waits for its journal's last writes (the ends of its executors, the
 * terminal updates) before its process may exit; a disk that keeps failing would otherwise hold
 * the exit for good. Past it, the agent logs what was left unwritten.
 */
export const CHECKPOINT_SETTLE_TIMEOUT_MS = 10_000;

/**
 * The largest checkpointed-resources file (`<workDir>/meta/resources/resources.info`) a starting
 * agent reads; a larger one stops the start, naming the file. Its list holds at most
 * `MAX_RESOURCE_ENTRIES` (1,024) entries, each with at most 16 labels of 256-character keys and
 * values: about 8 MiB at worst, so twice that is room, and a runaway file cannot fill the heap.
 */
export const MAX_CHECKPOINTED_RESOURCES_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Characters of a list of reservations (the master's CheckpointResources: up to 1,024 entries,
 * each name up to a short text) a log line quotes, and of why it was refused; the rest is cut
 * with a mark saying how much more there was.
 */
export const MAX_LOGGED_RESERVATIONS_CHARS = 1_000;

/** RunTask messages an agent keeps while its first AgentRegistered is late; beyond this they are dropped (the master reconciles them). */
export const MAX_RUN_TASKS_BEFORE_REGISTRATION = 1_000;

/**
 * Custom executors' exits an agent remembers having told its master since it re-registered
 * (`Agent.reportedNotRunning`), so that a late answer to a retried ReregisterAgent that still
 * counts one does not have it reported again (chaos seed 1400014). Such an answer comes within
 * moments of the re-registration; the oldest is forgotten past this many (a framework may give
 * each task an executor of its own), and a late answer about it then has it reported twice, the
 * race the set is for.
 */
export const MAX_REMEMBERED_EXECUTOR_REPORTS = 1_000;

/**
 * How long a checkpointing framework's executor, disconnected from its agent, keeps trying to
 * reconnect before it shuts itself down (Mesos `--recovery_timeout`, 15 min; given to executors
 * as `MESOS_RECOVERY_TIMEOUT`). The v1 executor API's adapter waits as long for a re-subscription.
 */
export const RECOVERY_TIMEOUT_MS = 15 * 60_000;

/**
 * The command executor's own cpus, in its ExecutorInfo's resources beside its task's (Mesos
 * `DEFAULT_EXECUTOR_CPUS`): shown with the executor, and its container is held to them with the
 * task's; the master never counts them (a small overcommit, as in Mesos).
 */
export const DEFAULT_EXECUTOR_CPUS = 0.1;

/** The command executor's own memory in MB, as `DEFAULT_EXECUTOR_CPUS` (Mesos `DEFAULT_EXECUTOR_MEM`, 32 MB). */
export const DEFAULT_EXECUTOR_MEM_MB = 32;

/**
 * What the container of an executor other than the command executor may use beyond its
 * executor's and tasks' resources: the executor process itself, which our executors' frameworks
 * do not count (ours are Node.js processes, some 50 MB each), so that an isolated task gets the
 * memory it asked for. Not Mesos': its containers get their resources only. The command
 * executor's own share is in its resources (`DEFAULT_EXECUTOR_CPUS`, `DEFAULT_EXECUTOR_MEM_MB`).
 */
export const CONTAINER_CPUS_HEADROOM = 0.1;
export const CONTAINER_MEM_HEADROOM_BYTES = 64 * 1024 * 1024;

/**
 * What the container of a command executor that is a Node.js process (the TypeScript one: for
 * checkpointing frameworks, under TLS, or where the native one is not built) gets beyond its
 * task's and its own resources: the rest of `CONTAINER_MEM_HEADROOM_BYTES`, so that its task keeps
 * the memory it asked for (posix/mem counts the executor's whole resident set). Its cpus are the
 * headroom's already. Our native executor, as Mesos' own, makes do with its 32 MB, and gets none.
 */
export const NODE_COMMAND_EXECUTOR_MEM_HEADROOM_BYTES = CONTAINER_MEM_HEADROOM_BYTES - DEFAULT_EXECUTOR_MEM_MB * BYTES_PER_MB;

/** A completed executor's sandbox (and a completed framework's directory) is removed this long after it completed, unless the disk fills first (Mesos `--gc_delay`, 1 week). */
export const GC_DELAY_MS = 7 * 24 * 3600_000;

/** Mesos' `--switch_user` default: each executor runs as its command's or its framework's user. */
export const SWITCH_USER = true;

/**
 * `--authenticate_http_executors` default: every v1 executor API call carries its run's
 * `MESOS_EXECUTOR_AUTHENTICATION_TOKEN` (Mesos' default is false; this agent gives every run a
 * token, so it asks for it unless the operator says not to, for executor libraries that send none).
 */
export const AUTHENTICATE_HTTP_EXECUTORS = true;

/** How often the agent checks how full its work dir's file system is, pruning sandboxes by it (Mesos `--disk_watch_interval`, 1 min). */
export const DISK_WATCH_INTERVAL_MS = 60_000;

/** The fraction of the work dir's file system the garbage collector aims to keep free (Mesos `--gc_disk_headroom`, 0.1). */
export const GC_DISK_HEADROOM = 0.1;

/** Sandbox removals under way at once: a prune of thousands of sandboxes must not open thousands of directory walks together. */
export const GC_MAX_CONCURRENT_REMOVALS = 4;

/** Removed paths the agent remembers, so that `/files` can say a sandbox was garbage-collected rather than never there. */
export const GC_MAX_REMEMBERED_REMOVALS = 10_000;

/** Input name of what the agent found in its work dir at start (`sandboxDirectories`), fed back in a replay. */
export const SANDBOX_SCAN_INPUT = 'sandbox-scan';
/** Input name of each disk usage reading of the work dir (a fraction, or null when it failed), fed back in a replay. */
export const DISK_USAGE_INPUT = 'disk-usage';

/**
 * The most of a run's `TASK_PROCESSES_FILE` the launcher reads after its executor died: room for
 * `DEFAULT_EXECUTOR_MAX_TASKS` entries of `<pid> <start time>` (at most 32 bytes each) and more;
 * a task can write that file, and a larger one is read no further (what is beyond is not killed).
 */
export const TASK_PROCESSES_FILE_MAX_BYTES = 64 * 1024;

/** What a restarted agent answers (503) while it takes its executors back: `/state`, the v1 operator API and the executor API alike (Mesos' agent's words). */
export const AGENT_RECOVERING = 'Agent has not finished recovery';

/** The realms an agent's 401 names (`WWW-Authenticate`), Mesos' (src/slave/constants.hpp): its read-only and read-write endpoints'. */
export const AGENT_HTTP_REALMS = { readonly: 'mesos-agent-readonly', readwrite: 'mesos-agent-readwrite' } as const;
