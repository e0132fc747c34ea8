/**
 * Limits and defaults of the master (DESIGN.md §10; values from Mesos' `master/constants.hpp`
 * and master flags). Each default can be overridden through `MasterFlags`. Those the agent or
 * frameworks must agree with (ping timeouts, the id rule, completed-framework and status
 * bounds, the default refusal) are defined once in `lib/protocol`.
 */
import { DEFAULT_ALLOCATION_INTERVAL_MS } from '../allocator/constants';

/**
 * V8's young generation for a master's process, in MB per semi-space (Node's
 * `--max-semi-space-size`), one of `MASTER_NODE_FLAGS`. Node's default (16 MB) suits garbage
 * that dies within a request; a master's offers live one allocation interval (~40 MB of them per
 * cycle at 100k agents), so under that default every offer was copied twice, promoted, and died
 * in the old generation. V8 grows the young generation toward this bound only while what
 * survives its collections calls for it: a small cluster's master stays at a few MB.
 */
export const MASTER_SEMI_SPACE_MB = 128;

/**
 * The Node flags the `mesos-master` and `mesos-local` bins start with (the header
 * scripts/link-bins.js gives their compiled files, and `npm start`'s command line): a young
 * generation that holds an allocation cycle's offers (`MASTER_SEMI_SPACE_MB`), and no
 * allocation-site pretenuring. V8 pretenures a site whose
 * objects survive a young collection: it then makes them in the old generation, behind a write
 * barrier for each young object they point to. Offers and their records do survive one
 * collection, and then die at the next cycle's declines: pretenured, they were made slower and
 * died old, and cycles at 100k agents took 540–640 ms against 350–400 without it.
 */
export const MASTER_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${MASTER_SEMI_SPACE_MB}`, '--no-allocation-site-pretenuring'];

/** The master's actor id on its host (`master@ip:port`, served at `/master/...`). */
export const MASTER_ACTOR_ID = 'master';

/** The metrics actor's id; its route `/snapshot` serves `/metrics/snapshot`. */
export const METRICS_ACTOR_ID = 'metrics';

/**
 * The master pings agents on ticks of this long (at most `--agent_ping_timeout`): each ping goes
 * out at the first tick at or after it is due, so a ping is up to 250 ms late and never early,
 * and every ping of one tick leaves in one turn (ticked-timers.ts: a simulation's clock takes a
 * step per distinct instant, and a timer per agent made one per agent per ping timeout).
 */
export const AGENT_PING_TICK_MS = 250;

/** A disconnected or recovered agent that does not re-register within this long is removed (Mesos `--agent_reregister_timeout`, 10 min). */
export const AGENT_REREGISTER_TIMEOUT_MS = 10 * 60 * 1000;
/**
 * The least `--agent_reregister_timeout` the bins take (Mesos' `MIN_AGENT_REREGISTER_TIMEOUT`,
 * 10 mins): a shorter one marks agents unreachable that are only slow to find a new leader.
 * Programmatic masters (simulations, tests) may go lower.
 */
export const MIN_AGENT_REREGISTER_TIMEOUT_MS = 10 * 60 * 1000;

/** Offers are not rescinded after a while unless a timeout is set, as in Mesos (`--offer_timeout` has no default). */
export const DEFAULT_OFFER_TIMEOUT_MS: number | undefined = undefined;

/**
 * ... except offers to a framework without an authenticated principal, which are rescinded
 * after this long when `--offer_timeout` is not set (not in Mesos). Without it, frameworks that
 * never answer an offer hold the cluster for good (issue 9); with it, a newcomer waits at most
 * this plus an allocation interval for resources they hold. Schedulers answer offers in
 * milliseconds, so 10 s is ample headroom, and it keeps that wait short.
 */
export const UNAUTHENTICATED_OFFER_TIMEOUT_MS = 10_000;

/**
 * Frameworks one peer host (`host:port`) may have registered at once without an authenticated
 * principal (`--max_frameworks_per_peer`; not in Mesos). Every framework costs the master books
 * and the allocator a sorter entry, and each never-offered one goes ahead of a newer framework
 * in DRF's tie-break, so a flood from one host could otherwise starve everyone (issue 9). A
 * host legitimately running many schedulers (a gateway submitting one framework per job) needs
 * tens, not thousands; a bigger one can authenticate, or the operator raises the flag.
 */
export const MAX_FRAMEWORKS_PER_UNAUTHENTICATED_PEER = 100;

/** Time between batched allocation runs (Mesos `--allocation_interval`, 1 s). */
export const DEFAULT_MASTER_ALLOCATION_INTERVAL_MS = DEFAULT_ALLOCATION_INTERVAL_MS;

/**
 * Wall time after which a turn of warming the state endpoints' fragments ends, whatever its
 * counts (`--state_turn_budget`; state-fragments.ts): the counts keep a turn to a few ms while
 * the code runs optimized, but one block of 64 agents took 14-43 ms at 100k agents when V8 had
 * just deoptimized the resource rendering (`bench:scale`, 2026-12-03).
 */
export const STATE_TURN_BUDGET_MS = 5;

/**
 * Offers a state rendering's last turn walks of frameworks whose offers' pieces are not kept
 * (their offers changed after the warming) before it leaves the rest to later turns
 * (`--state_last_turn_offers`; `StateFragments.armTail`). A walk is ~0.6-0.9 µs an offer with the texts rendered, and a
 * new offer's text 5.5-9 µs in GET_STATE's format (2.7-4.2 in `/master/state`'s): at 100k
 * agents with every offer made again after the warming, the last turn took 62-130 ms (scratch).
 */
export const STATE_LAST_TURN_OFFERS = 1_000;

/**
 * Tasks a `/master/tasks` page may look at (`offset + limit`, and every task of a framework some
 * of whose tasks the caller may not see: `copiedTasksPage`) to be put together in its request's
 * own turn; a larger one is copied there (its frameworks' orders, ~10 ns a task) and merged and
 * written in the turns after it, each task as it was at the copy (`StateFragments.renderTasks`).
 * Every task at once (`limit=-1`, the official CLI's ask) with ~100k kept took that turn 132 ms
 * with their texts kept, 745 ms without (scratch, 10k agents).
 */
export const STATE_LAST_TURN_TASKS = 1_000;

/**
 * The state endpoints keep each format's rendered agents (`StateFragments`; 60-85 MB a format at
 * 100k agents) while it is asked for at least once in every period of this long
 * (`--state_cache_timeout`): a format nobody asked for through a whole period is dropped, one
 * to two periods after its last request, and made anew in warming turns when asked for again.
 * The web UI reads `/master/state` every 2 s; a minute keeps any poller of a minute or less warm.
 */
export const STATE_CACHE_TIMEOUT_MS = 60_000;

/** Completed tasks kept per framework for the HTTP endpoints (Mesos `--max_completed_tasks_per_framework`). */
export const MAX_COMPLETED_TASKS_PER_FRAMEWORK = 1000;

/** Unreachable tasks kept per framework, for reconciliation and the HTTP endpoints (Mesos `--max_unreachable_tasks_per_framework`). */
export const MAX_UNREACHABLE_TASKS_PER_FRAMEWORK = 1000;

/** Agents remembered as removed or unreachable, in memory and in the registry (Mesos `MAX_REMOVED_SLAVES`). */
export const MAX_REMOVED_AGENTS = 100_000;

/** Name of the registry file inside the work dir. */
export const REGISTRY_FILE_NAME = 'registry.json';

/**
 * The registry compacts its log into a new snapshot once the log holds this many operations
 * and at least as many as the registry has agents (so a change costs O(1) amortized).
 */
export const REGISTRY_COMPACTION_MIN_OPS = 10_000;

/** A failed registry write is retried after this long, doubling per failure in a row... */
export const REGISTRY_RETRY_INITIAL_MS = 500;

/** ... up to this long between attempts. Nothing waiting is acknowledged meanwhile. */
export const REGISTRY_RETRY_MAX_MS = 30_000;

/**
 * Version of the registry's format this master writes: 2 keeps an agent's resources as their
 * text where it says them exactly (`cpus:8;mem:15360;disk:100000;ports:[31000-32000]`: ~250 of
 * the ~500 characters an agent took as Mesos JSON, in the snapshot and in the log). A master
 * reads 1 and 2 (`READABLE_REGISTRY_FORMAT_VERSIONS`) and refuses any other version; a master
 * of an older release refuses 2, naming the version.
 */
export const REGISTRY_FORMAT_VERSION = 2;

/** The registry format versions a master reads (1: resources always as JSON). */
export const READABLE_REGISTRY_FORMAT_VERSIONS = [1, 2] as const;

/** Longest resources text of one agent the registry reads (its declared resources, as text). */
export const MAX_REGISTRY_RESOURCES_TEXT_CHARS = 65_536;

/** Longest detail (e.g. a validation error naming a peer's field) the master puts in a FrameworkError. */
export const MAX_ERROR_DETAIL_LENGTH = 512;

/** Longest reason the master gives for a task it refuses (TASK_ERROR), and logs: one naming a peer's resources is as long as they are. */
export const MAX_TASK_ERROR_LENGTH = 1_024;
/** Longest reason (naming a peer's resources) an agent-refusal log line carries. */
export const MAX_LOGGED_REASON_LENGTH = 1_024;

/** Longest rendering of a peer's resources in a log line (a resource list, a set's items, ranges are as long as a message). */
export const MAX_LOGGED_RESOURCES_LENGTH = 512;

/** Ids of one list a log line names, at most (a peer's list is as long as its message); the rest are counted. */
export const MAX_LOGGED_IDS = 10;

/** Framework ids are `<masterId>-<NNNN>`: the counter is zero-padded to this many digits, as in Mesos. */
export const FRAMEWORK_ID_DIGITS = 4;

/** Name of the input a traced master host records at start (flags and registry), from which `replayMaster` builds the master. */
export const MASTER_START_INPUT = 'master-start';

/** Longest IP (a pid's host part) the registry keeps for an admitted agent: an IPv6 address, or a DNS name (253). */
export const MAX_REGISTRY_AGENT_IP_LENGTH = 253;

/**
 * How long after an agent (re-)registered the master waits for the framework of an operation
 * status it reports, when that framework is neither registered nor torn down (it may come back
 * after a failover), before acknowledging the status itself (Mesos'
 * `MIN_WAIT_BEFORE_ORPHAN_OPERATION_ADOPTION`: 10 min).
 */
export const ORPHAN_OPERATION_ADOPTION_MS = 10 * 60_000;

/**
 * Most operations with feedback of one framework the master holds (pending, or not yet
 * acknowledged); another is refused with OPERATION_ERROR until some are acknowledged (Mesos has
 * no bound: a framework that never acknowledges grew its books for good). Those an agent reports
 * that the master did not book are not counted (`OperationBook.frameworkCount`): their framework
 * is the agent's word, and one agent's reports named for a framework denied all its operations.
 */
export const MAX_OPERATIONS_PER_FRAMEWORK = 100_000;

/**
 * Most bytes (the JSON of each operation as sent) of one framework's operations the master holds
 * in its operation book (pending, or not yet acknowledged); past it an operation with an `id` is
 * refused with OPERATION_ERROR and one without is applied unbooked (no feedback), until some are
 * acknowledged. A reservation's labels have no length bound but the message's, so the count bound
 * alone let one framework that never acknowledges pin 100,000 operations of megabytes each (Mesos
 * has neither bound). A RESERVE of cpus and mem weighs ~300 bytes: 64 MiB is over 200,000 of them.
 * Operations an agent reports that the master did not book are not weighed (`OperationBook.add`):
 * their framework and info are the agent's word, which could otherwise deny a framework's.
 */
export const MAX_OPERATION_BYTES_PER_FRAMEWORK = 64 * 1024 * 1024;

/**
 * Most bytes of operations the master's operation book holds in all (every framework's and
 * operator's, as `MAX_OPERATION_BYTES_PER_FRAMEWORK` counts them); past it, as past that bound.
 */
export const MAX_BOOKED_OPERATION_BYTES = 256 * 1024 * 1024;

/** The realms a master's 401 names (`WWW-Authenticate`), Mesos' (src/master/constants.hpp): its read-only and read-write endpoints'. */
export const MASTER_HTTP_REALMS = { readonly: 'mesos-master-readonly', readwrite: 'mesos-master-readwrite' } as const;

/** The realm of the v1 scheduler API's credentials (`--authenticate_http_frameworks`), Mesos'. */
export const SCHEDULER_HTTP_REALM = 'mesos-master-scheduler';

/**
 * What this master can do, as Mesos' master lists it in its `MasterInfo.capabilities`
 * (`MASTER_CAPABILITIES()`, src/master/constants.cpp): agents whose info changes as they
 * re-register (AGENT_UPDATE), DRAIN_AGENT (AGENT_DRAINING), quota limits and UPDATE_QUOTA
 * (QUOTA_V2). A client asks GET_MASTER (or reads `/master/state`) before it uses them.
 */
export const MASTER_CAPABILITIES = ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'] as const;

/** `MASTER_CAPABILITIES` as Mesos' JSON of a `MasterInfo` writes them (`[{"type": ...}]`), in GET_MASTER and `/master/state`. */
export const MASTER_CAPABILITIES_JSON: ReadonlyArray<{ readonly type: string }> = Object.freeze(MASTER_CAPABILITIES.map((type) => Object.freeze({ type })));
