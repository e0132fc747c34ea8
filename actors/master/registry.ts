/**
 * The registry (Mesos' registrar): the agents the master has admitted, and those it marked
 * unreachable, persisted so that a restarted master knows which agents may re-register; and
 * the role weights and quotas set through `/master/weights` and `/master/quota`, and the agents an
 * operator deactivated or drained (DEACTIVATE_AGENT, DRAIN_AGENT), so that they outlive the
 * master that was told them.
 *
 * A change costs O(changes), not O(registry). The books live in memory (maps: every lookup is
 * O(1)); on disk they are a snapshot plus a log of the operations since, each batch one
 * appended, fsynced line. When the log has grown as large as the books (and at least
 * `REGISTRY_COMPACTION_MIN_OPS`), the next write is a compaction: a new snapshot, written
 * atomically (temp file, fsync, rename, fsync of the directory), then an empty log. Loading
 * reads the snapshot, replays the batches logged after it (a torn last line is a batch that
 * was never acknowledged) and compacts, which also proves the store writable before the master
 * starts.
 *
 * A change is acknowledged (its promise resolves) only once it is durable. A write that fails
 * is retried, as a compaction that also carries the failed batch (a failed append may have
 * left a torn line), after `REGISTRY_RETRY_INITIAL_MS`, doubling to `REGISTRY_RETRY_MAX_MS`;
 * nothing else is written meanwhile, and nothing is acknowledged until it succeeds. Only a
 * refused change (admitting an admitted id, updating an unknown one, deactivating or draining an
 * agent neither admitted nor unreachable) rejects.
 *
 * The store is a `Disk` (lib/disk.ts): the machine's file system by default, an in-memory disk
 * in a simulation, where writes can be made to fail or to take virtual time. The master calls
 * the registry from inside its mailbox and re-enters through `defer` when a change is durable.
 * Changes queued while a write is in flight are written together in the next one.
 */
import { z } from 'zod';
import { nodeDisk, type Disk } from '../../lib/disk';
import { parseJournal } from '../../lib/journal';
import { MetricTimer } from '../../lib/metrics/timer';
import { RealClock, type Clock, type TimerHandle } from '../../lib/process/clock';
import { AgentInfoSchema, DrainConfigSchema, DrainInfoSchema, MAX_HOSTNAME_LENGTH, UnavailabilitySchema, type AgentInfo, type DrainConfig, type DrainInfo } from '../../lib/protocol';
import { MAX_MACHINE_IP_CHARS } from '../../lib/maintenance';
import { EMPTY_MAINTENANCE, isEmptyMaintenance, maintenanceAfter, type MaintenanceChange, type MaintenanceRecord } from './maintenance';
import { ownRecord } from '../../lib/protocol/own-record';
import {
  MAX_REGISTRY_AGENT_IP_LENGTH, MAX_REGISTRY_RESOURCES_TEXT_CHARS, MAX_REMOVED_AGENTS, READABLE_REGISTRY_FORMAT_VERSIONS, REGISTRY_COMPACTION_MIN_OPS, REGISTRY_FORMAT_VERSION,
  REGISTRY_RETRY_INITIAL_MS, REGISTRY_RETRY_MAX_MS,
} from './constants';
import { plainResourcesText, Resources } from '../../lib/resources';

/**
 * An admitted agent: its id, its info, and the IP (host part) of the pid it registered from, so
 * that a master recovering it after a failover takes its re-registration only from there, as it
 * does for an agent it admitted itself (absent in registries written before 2026-12-05).
 */
const RegistryAgentSchema = z.object({ id: z.string().min(1), info: storedAgentInfoSchema(), ip: z.string().max(MAX_REGISTRY_AGENT_IP_LENGTH).optional() });
const UnreachableAgentSchema = z.object({ id: z.string().min(1), timeMs: z.number() });
/**
 * An agent an operator deactivated (DEACTIVATE_AGENT), or drained (DRAIN_AGENT, which
 * deactivates it too): Mesos keeps `deactivated` and `drain_info` on the agent's admitted or
 * unreachable entry; here they are entries of their own, by agent id, kept while the agent is
 * admitted or unreachable (drain.ts).
 */
const DeactivatedAgentSchema = z.object({ id: z.string().min(1), drain: DrainInfoSchema.optional() });
/** Resource name → amount (Mesos' `QuotaConfig` guarantees and limits). */
const QuantitiesSchema = ownRecord(z.string().min(1), z.number().nonnegative());
const RoleQuotaSchema = z.object({ guarantees: QuantitiesSchema, limits: QuantitiesSchema });
/**
 * An agent's info as the registry stores it: its resources as text where that says them exactly
 * (format 2, `plainResourcesText`), else as Mesos JSON; read back as JSON.
 */
function storedAgentInfoSchema() {
  return AgentInfoSchema.extend({
    resources: z.union([z.string().max(MAX_REGISTRY_RESOURCES_TEXT_CHARS), AgentInfoSchema.shape.resources]).transform((resources, context) => {
      if (typeof resources !== 'string') return resources;
      try {
        return Resources.parse(resources).toJSON();
      } catch (error) {
        context.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
        return z.NEVER;
      }
    }),
  });
}

/** A machine as the registry keeps it (Mesos' `MachineID`). */
const MachineIdSchema = z.object({ hostname: z.string().max(MAX_HOSTNAME_LENGTH).optional(), ip: z.string().max(MAX_MACHINE_IP_CHARS).optional() });
/** A maintenance window (Mesos' `maintenance::Window`). */
const MaintenanceWindowSchema = z.object({ machineIds: z.array(MachineIdSchema), unavailability: UnavailabilitySchema });
/**
 * The maintenance schedule and the machines it holds in DRAINING or DOWN mode (Mesos' registry
 * `schedules` and `machines`; a machine UP is in neither). Absent when there is none, and in
 * registries written before maintenance was kept (2026-12-07).
 */
const MaintenanceSchema = z.object({
  schedule: z.array(MaintenanceWindowSchema),
  machines: z.array(z.object({ id: MachineIdSchema, mode: z.enum(['DRAINING', 'DOWN']), unavailability: UnavailabilitySchema.optional() })),
});

const RegistryDataSchema = z.object({
  version: z.union([z.literal(READABLE_REGISTRY_FORMAT_VERSIONS[0]), z.literal(READABLE_REGISTRY_FORMAT_VERSIONS[1])]),
  /** The last logged batch this snapshot includes (absent in files written before the log existed: 0). */
  seq: z.number().int().nonnegative().optional(),
  agents: z.array(RegistryAgentSchema),
  unreachable: z.array(UnreachableAgentSchema),
  /** Role → weight (absent when none is set, and in files written before weights were kept). */
  weights: ownRecord(z.string().min(1), z.number().positive()).optional(),
  /** Role → quota (absent when none is set). */
  quotas: ownRecord(z.string().min(1), RoleQuotaSchema).optional(),
  /** Agents an operator marked gone, oldest first, with when (absent when none is, and in older files). */
  gone: z.array(UnreachableAgentSchema).optional(),
  /**
   * Agents an operator deactivated or drained (absent when none is, and in older files). A master
   * of an earlier release refuses a registry holding it, as Mesos' registry asks the
   * `AGENT_DRAINING` capability of a master once an agent is drained or deactivated.
   */
  deactivated: z.array(DeactivatedAgentSchema).optional(),
  /** The maintenance schedule and its machines' modes (absent when there is none, and in older files). */
  maintenance: MaintenanceSchema.optional(),
  // Strict: a field this master does not know (a later release's, or a typo in a hand edit) is
  // refused, not dropped from the snapshot it compacts at start (its contents gone for good).
}).strict();

const RegistryOperationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('admit'), agent: RegistryAgentSchema }),
  z.object({ type: z.literal('update'), agentId: z.string().min(1), info: storedAgentInfoSchema() }),
  z.object({ type: z.literal('markUnreachable'), agentIds: z.array(z.string().min(1)), timeMs: z.number() }),
  z.object({ type: z.literal('markReachable'), agent: RegistryAgentSchema }),
  z.object({ type: z.literal('remove'), agentId: z.string().min(1) }),
  z.object({ type: z.literal('updateWeights'), weights: ownRecord(z.string().min(1), z.number().positive()) }),
  z.object({ type: z.literal('updateQuota'), role: z.string().min(1), quota: RoleQuotaSchema }),
  z.object({ type: z.literal('removeQuota'), role: z.string().min(1) }),
  z.object({ type: z.literal('markGone'), agentId: z.string().min(1), timeMs: z.number() }),
  // Mesos' DeactivateAgent, DrainAgent, MarkAgentDrained and ReactivateAgent (drain.ts).
  z.object({ type: z.literal('deactivateAgent'), agentId: z.string().min(1) }),
  z.object({ type: z.literal('drainAgent'), agentId: z.string().min(1), config: DrainConfigSchema }),
  z.object({ type: z.literal('markAgentDrained'), agentId: z.string().min(1) }),
  z.object({ type: z.literal('reactivateAgent'), agentId: z.string().min(1) }),
  // Maintenance (Mesos' UpdateSchedule, StartMaintenance, StopMaintenance): each applied as actors/master/maintenance.ts says.
  z.object({ type: z.literal('updateSchedule'), schedule: z.array(MaintenanceWindowSchema) }),
  z.object({ type: z.literal('startMaintenance'), machineIds: z.array(MachineIdSchema) }),
  z.object({ type: z.literal('stopMaintenance'), machineIds: z.array(MachineIdSchema) }),
]);
export const LoggedBatchSchema = z.object({ seq: z.number().int().positive(), ops: z.array(RegistryOperationSchema) });

/** Mesos' window of the registrar's store timer (one day); the fetch timer has libprocess' default window. */
export const REGISTRAR_STATE_STORE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The registrar's metric keys (Mesos' names, all gauges; the timers with their window statistics). */
export const REGISTRAR_METRICS = {
  /** Changes waiting for the next write. */
  queuedOperations: 'registrar/queued_operations',
  /** Bytes the registry occupies in its store: the last snapshot written plus the batches logged since. */
  registrySizeBytes: 'registrar/registry_size_bytes',
  /** Time to read the registry when the master opened it, in ms. */
  stateFetchMs: 'registrar/state_fetch_ms',
  /** Time of each write (an append, or a compaction), in ms. */
  stateStoreMs: 'registrar/state_store_ms',
} as const;

/** An admitted agent as the registry keeps it. */
export type RegistryAgent = z.infer<typeof RegistryAgentSchema>;
/** An agent marked unreachable, with the time it was marked (ms since the epoch). */
export type UnreachableAgent = z.infer<typeof UnreachableAgentSchema>;
/** An agent an operator deactivated, with its draining if it was drained. */
export type DeactivatedAgent = z.infer<typeof DeactivatedAgentSchema>;
/** A role's quota as the registry keeps it. */
export type StoredQuota = z.infer<typeof RoleQuotaSchema>;
/** A snapshot of the registry (the snapshot file's contents). */
export type RegistryData = z.infer<typeof RegistryDataSchema>;
/** One change, as the log holds it. */
export type RegistryOperation = z.infer<typeof RegistryOperationSchema>;
/** One write's changes, as one line of the log. */
export type LoggedBatch = z.infer<typeof LoggedBatchSchema>;

/** Where the log of a registry whose snapshot is at `snapshotPath` lives. */
export function registryLogPathOf(snapshotPath: string): string {
  return `${snapshotPath}.log`;
}

/** What a store holds when it is opened: a snapshot, and the batches logged after it (in order). */
export interface StoredRegistry {
  readonly snapshot: RegistryData;
  readonly batches: readonly LoggedBatch[];
}

/**
 * A place for the registry's bytes (two backends: a file on a `Disk`, and ZooKeeper): a
 * snapshot, and a log of batches after it. Writes resolve once durable and reject when they
 * may not have been; a store that finds another writer has taken over rejects with
 * `RegistryFencedError`, and the registry then writes nothing more.
 */
export interface RegistryStore {
  /** Where it is, for messages (a file path, or `zk://.../registry`). */
  readonly location: string;
  /** Reads what is stored (an empty registry if nothing is). */
  load(): Promise<StoredRegistry>;
  /** Appends one batch (`serializeRegistryValue`); resolves once it is durable, to the bytes it took (`serializedBytes`). */
  append(batch: LoggedBatch): Promise<number>;
  /** Replaces the snapshot with `data` (which holds every batch up to `data.seq`), then empties the log; resolves to the snapshot's bytes. */
  compact(data: RegistryData): Promise<number>;
}

/** Another master has written the registry since this one opened it: this one no longer leads. */
export class RegistryFencedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryFencedError';
  }
}

/** The snapshot file and its log on a `Disk`. */
class DiskStore implements RegistryStore {
  constructor(private readonly disk: Disk, readonly location: string) {}

  async load(): Promise<StoredRegistry> {
    const text = await this.read(this.location);
    const snapshot = text === undefined ? emptyRegistry() : parseRegistry(text, this.location);
    const logPath = registryLogPathOf(this.location);
    const batches = parseJournal(await this.read(logPath) ?? '', logPath, 'registry log', LoggedBatchSchema);
    return { snapshot, batches };
  }

  /** The text of `filePath` (undefined if there is none); an error names the file (Node's EISDIR, EIO do not). */
  private async read(filePath: string): Promise<string | undefined> {
    try {
      return await this.disk.readFile(filePath);
    } catch (error) {
      throw new Error(`cannot read the registry ${filePath}: ${(error as Error).message}`);
    }
  }

  async append(batch: LoggedBatch): Promise<number> {
    const text = `${serializeRegistryValue(batch)}\n`;
    await this.disk.appendFile(registryLogPathOf(this.location), text);
    return Buffer.byteLength(text);
  }

  async compact(data: RegistryData): Promise<number> {
    const text = `${serializeRegistryValue(data)}\n`;
    await this.disk.writeFileAtomically(this.location, text);
    await this.disk.writeFileAtomically(registryLogPathOf(this.location), '');
    return Buffer.byteLength(text);
  }
}

/** Writes nothing: every change is "durable" at once (a replay's registry). */
const NOWHERE: RegistryStore = {
  location: '(in memory)',
  load: () => Promise.resolve({ snapshot: emptyRegistry(), batches: [] }),
  append: (batch) => Promise.resolve(serializedBytes(batch)),
  compact: (data) => Promise.resolve(serializedBytes(data)),
};

/** The registry's contents in memory: every lookup O(1); unreachable agents oldest first. */
class RegistryBooks {
  readonly agents = new Map<string, RegistryAgent>();
  readonly unreachable = new Map<string, number>();
  readonly weights = new Map<string, number>();
  readonly quotas = new Map<string, StoredQuota>();
  /** Agents marked gone (MARK_AGENT_GONE) → when, oldest first. */
  readonly gone = new Map<string, number>();
  /** Agents an operator deactivated or drained → their draining (undefined: deactivated only), while admitted or unreachable. */
  readonly deactivated = new Map<string, DrainInfo | undefined>();
  /** The maintenance schedule and its machines (replaced whole at each change: changes are rare). */
  maintenance: MaintenanceRecord = EMPTY_MAINTENANCE;

  static from(data: RegistryData): RegistryBooks {
    const books = new RegistryBooks();
    if (data.maintenance !== undefined) books.maintenance = data.maintenance;
    for (const agent of data.agents) books.agents.set(agent.id, agent);
    for (const entry of data.unreachable) books.unreachable.set(entry.id, entry.timeMs);
    for (const [role, weight] of Object.entries(data.weights ?? {})) books.weights.set(role, weight);
    for (const [role, quota] of Object.entries(data.quotas ?? {})) books.quotas.set(role, quota);
    for (const entry of data.gone ?? []) books.gone.set(entry.id, entry.timeMs);
    for (const entry of data.deactivated ?? []) books.deactivated.set(entry.id, entry.drain);
    return books;
  }

  copy(): RegistryBooks {
    const books = new RegistryBooks();
    for (const [id, agent] of this.agents) books.agents.set(id, agent);
    for (const [id, timeMs] of this.unreachable) books.unreachable.set(id, timeMs);
    for (const [role, weight] of this.weights) books.weights.set(role, weight);
    for (const [role, quota] of this.quotas) books.quotas.set(role, quota);
    for (const [id, timeMs] of this.gone) books.gone.set(id, timeMs);
    for (const [id, drain] of this.deactivated) books.deactivated.set(id, drain);
    books.maintenance = this.maintenance;
    return books;
  }

  /** Applies a change that was checked (or that a log holds: it was checked when it was written). */
  apply(op: RegistryOperation): void {
    switch (op.type) {
      case 'admit':
        this.agents.set(op.agent.id, agentEntry(op.agent.id, op.agent.info, op.agent.ip));
        return;
      case 'update': {
        const entry = this.agents.get(op.agentId);
        if (entry !== undefined) this.agents.set(op.agentId, agentEntry(op.agentId, op.info, entry.ip));
        return;
      }
      case 'markUnreachable':
        for (const agentId of op.agentIds) {
          if (!this.agents.delete(agentId)) continue;
          this.unreachable.delete(agentId);
          this.unreachable.set(agentId, op.timeMs);
        }
        for (const oldest of this.unreachable.keys()) {
          if (this.unreachable.size <= MAX_REMOVED_AGENTS) break;
          this.unreachable.delete(oldest);
          // Its deactivation goes with its entry, as Mesos' goes with the unreachable entry it is part of.
          this.deactivated.delete(oldest);
        }
        return;
      case 'markReachable':
        this.unreachable.delete(op.agent.id);
        if (!this.agents.has(op.agent.id)) this.agents.set(op.agent.id, agentEntry(op.agent.id, op.agent.info, op.agent.ip));
        return;
      case 'remove':
        this.agents.delete(op.agentId);
        this.deactivated.delete(op.agentId);
        return;
      case 'updateWeights':
        for (const [role, weight] of Object.entries(op.weights)) this.weights.set(role, weight);
        return;
      case 'updateQuota':
        this.quotas.set(op.role, op.quota);
        return;
      case 'removeQuota':
        this.quotas.delete(op.role);
        return;
      case 'markGone':
        this.agents.delete(op.agentId);
        this.unreachable.delete(op.agentId);
        this.deactivated.delete(op.agentId);
        this.gone.delete(op.agentId);
        this.gone.set(op.agentId, op.timeMs);
        for (const oldest of this.gone.keys()) {
          if (this.gone.size <= MAX_REMOVED_AGENTS) break;
          this.gone.delete(oldest);
        }
        return;
      case 'deactivateAgent':
        if (this.isKnown(op.agentId)) this.deactivated.set(op.agentId, this.deactivated.get(op.agentId));
        return;
      case 'drainAgent':
        if (this.isKnown(op.agentId)) this.deactivated.set(op.agentId, { state: 'DRAINING', config: op.config });
        return;
      case 'markAgentDrained': {
        const drain = this.deactivated.get(op.agentId);
        if (drain?.state === 'DRAINING') this.deactivated.set(op.agentId, { ...drain, state: 'DRAINED' });
        return;
      }
      case 'reactivateAgent':
        this.deactivated.delete(op.agentId);
        return;
      case 'updateSchedule':
      case 'startMaintenance':
      case 'stopMaintenance':
        this.maintenance = maintenanceAfter(this.maintenance, op);
        return;
    }
  }

  /** Whether `agentId` is admitted or unreachable (what may be deactivated or drained, as Mesos' registry operations find it). */
  isKnown(agentId: string): boolean {
    return this.agents.has(agentId) || this.unreachable.has(agentId);
  }

  /** The snapshot; `weights` and `quotas` only when there are some (files without them stay as they were). */
  toData(seq: number): RegistryData {
    return {
      version: REGISTRY_FORMAT_VERSION, seq,
      agents: [...this.agents.values()],
      unreachable: [...this.unreachable].map(([id, timeMs]) => ({ id, timeMs })),
      ...(this.weights.size > 0 ? { weights: Object.fromEntries(this.weights) } : {}),
      ...(this.quotas.size > 0 ? { quotas: Object.fromEntries(this.quotas) } : {}),
      ...(this.gone.size > 0 ? { gone: [...this.gone].map(([id, timeMs]) => ({ id, timeMs })) } : {}),
      ...(this.deactivated.size > 0 ? { deactivated: [...this.deactivated].map(([id, drain]) => (drain === undefined ? { id } : { id, drain })) } : {}),
      ...(isEmptyMaintenance(this.maintenance) ? {} : { maintenance: storedMaintenance(this.maintenance) }),
    };
  }

  get size(): number {
    return this.agents.size + this.unreachable.size + this.weights.size + this.quotas.size + this.gone.size + this.deactivated.size + this.maintenance.machines.length;
  }
}

/** A change waiting to be written, and whom to tell. */
interface PendingOperation {
  readonly op: RegistryOperation;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** What `Registry.load` may be given. */
export interface RegistryOptions {
  /** Where the files are (default: the machine's file system). */
  readonly disk?: Disk;
  /** Times retries of failed writes (default: the wall clock; a simulation passes its virtual clock). */
  readonly clock?: Clock;
}

/**
 * The registry of one master. Reads see what is durable; `admit`, `markUnreachable`,
 * `markReachable`, `remove`, `update`, `updateWeights`, `updateQuota` and `removeQuota` resolve
 * once their change is durable (retrying failed writes for as long as it takes), and reject
 * only if the change is refused.
 *
 * @example
 *   const registry = await Registry.load('/var/lib/mesos/registry.json');
 *   await registry.admit({ id: 'M-S0', info });      // durable from here on
 *   registry.isAdmitted('M-S0');                     // true, also after a restart
 */
export class Registry {
  /** What is durable. */
  private readonly books: RegistryBooks;
  /** Changes waiting for the next write. */
  private queue: PendingOperation[] = [];
  /** A write is in flight. */
  private writing = false;
  /** The last batch number written. */
  private seq: number;
  /** Operations logged since the last snapshot. */
  private loggedOps = 0;
  /** A batch whose append failed: the next write is a compaction that carries it. */
  private carried: { readonly ops: RegistryOperation[]; readonly pending: PendingOperation[] } | undefined;
  /** The next write must be a compaction (a write failed, or the log is as large as the books). */
  private compactionDue = false;
  /** Failed writes in a row, and the timer of the next attempt. */
  private failures = 0;
  private retryTimer: TimerHandle | undefined;
  /** Writes completed since load (tests and logs). */
  private writesCompleted = 0;
  /** Bytes of the last snapshot written, and of the batches logged since (`registrar/registry_size_bytes`). */
  private snapshotBytes = 0;
  private logBytes = 0;
  /** Durations of writes (`registrar/state_store_ms`). */
  private readonly storeTimer = new MetricTimer(REGISTRAR_METRICS.stateStoreMs, REGISTRAR_STATE_STORE_WINDOW_MS);
  /** Duration of the read when the registry was opened (`registrar/state_fetch_ms`). */
  private readonly fetchTimer = new MetricTimer(REGISTRAR_METRICS.stateFetchMs);
  /** Told of each failed write, with the wait before the next attempt (the master logs it). */
  onWriteFailure: ((error: Error, retryInMs: number) => void) | undefined;
  /** Set by `close`: nothing is written after. */
  private closed = false;
  /** Set once another master has taken the registry over: nothing is written or acknowledged after. */
  private fencedBy: RegistryFencedError | undefined;
  /**
   * Told once, when another master has written the registry since this one opened it (only a
   * replicated store can tell). Changes still queued are never acknowledged: this master must
   * stop leading (the bins step it down).
   */
  onFenced: ((error: RegistryFencedError) => void) | undefined;

  private constructor(readonly filePath: string, data: RegistryData, private readonly store: RegistryStore, private readonly clock: Clock, opened?: OpenTimes) {
    this.books = RegistryBooks.from(data);
    this.seq = data.seq ?? 0;
    this.snapshotBytes = opened?.snapshotBytes ?? serializedBytes(data);
    if (opened !== undefined) {
      this.fetchTimer.record(opened.fetchMs, opened.atMs);
      this.storeTimer.record(opened.storeMs, opened.atMs);
    }
  }

  /**
   * Opens the registry at `filePath` (empty if there is none): reads the snapshot, replays the
   * log after it, and compacts the two into a new snapshot. Throws on a corrupt file, or if the
   * store cannot be written.
   */
  static load(filePath: string, options: RegistryOptions = {}): Promise<Registry> {
    return Registry.open(new DiskStore(options.disk ?? nodeDisk, filePath), options);
  }

  /**
   * Opens the registry in `store` (the file's, or ZooKeeper's): reads the snapshot, replays the
   * log after it, and compacts the two into a new snapshot (in ZooKeeper, that write also fences
   * any master that wrote before). Throws on corrupt contents, or if the store cannot be written.
   */
  static async open(store: RegistryStore, options: Pick<RegistryOptions, 'clock'> = {}): Promise<Registry> {
    const clock = options.clock ?? new RealClock();
    const fetchStartMs = clock.now();
    const { snapshot, batches } = await store.load();
    const fetchMs = clock.now() - fetchStartMs;
    const books = RegistryBooks.from(snapshot);
    let seq = snapshot.seq ?? 0;
    for (const batch of batches) {
      if (batch.seq <= seq) continue;
      // Each write logs the batch after the last: a gap is acknowledged changes gone (a line cut
      // out of the log, an older snapshot put back), and compacting over it would make the loss for good.
      if (batch.seq !== seq + 1) {
        throw new Error(`registry ${store.location} is missing logged batches: after batch ${seq} its log has batch ${batch.seq} (an older snapshot put back, or lines taken out of the log?)`);
      }
      for (const op of batch.ops) books.apply(op);
      seq = batch.seq;
    }
    const data = books.toData(seq);
    const storeStartMs = clock.now();
    let snapshotBytes: number;
    try {
      snapshotBytes = await store.compact(data);
    } catch (error) {
      throw new Error(`cannot write the registry ${store.location}: ${(error as Error).message}`);
    }
    const atMs = clock.now();
    return new Registry(store.location, data, store, clock, { fetchMs, storeMs: atMs - storeStartMs, atMs, snapshotBytes });
  }

  /**
   * A registry kept in memory only, starting from `data` (checked as a registry file's contents
   * would be; throws naming the problem). A replay gives the master the registry it started
   * with this way; changes are "durable" at once and written nowhere.
   */
  static inMemory(data: unknown = emptyRegistry()): Registry {
    return new Registry('(in memory)', parseRegistryData(data, 'in-memory registry'), NOWHERE, new RealClock());
  }

  /** A copy of what is durable now (a traced master records it at start). */
  snapshot(): RegistryData {
    return structuredClone(this.books.toData(this.seq));
  }

  /** The admitted agents, in the order they were admitted (O(agents): for recovery and tests). */
  agents(): readonly RegistryAgent[] {
    return [...this.books.agents.values()];
  }

  /** The agents marked unreachable, oldest first (O(agents): for recovery and tests). */
  unreachable(): readonly UnreachableAgent[] {
    return [...this.books.unreachable].map(([id, timeMs]) => ({ id, timeMs }));
  }

  /** The agents an operator marked gone, oldest first (for recovery and tests). */
  gone(): readonly UnreachableAgent[] {
    return [...this.books.gone].map(([id, timeMs]) => ({ id, timeMs }));
  }

  /** The agents an operator deactivated or drained (durably), each with its draining (undefined: deactivated only). */
  deactivatedAgents(): ReadonlyMap<string, DrainInfo | undefined> {
    return new Map(this.books.deactivated);
  }

  /** The role weights set through `/master/weights` (durably). */
  weights(): ReadonlyMap<string, number> {
    return new Map(this.books.weights);
  }

  /** The quotas set through `/master/quota`, by role (durably). */
  quotas(): ReadonlyMap<string, StoredQuota> {
    return new Map(this.books.quotas);
  }

  /** The maintenance schedule and the machines it holds DRAINING or DOWN (durably). */
  maintenance(): MaintenanceRecord {
    return this.books.maintenance;
  }

  /** The IP `agentId` registered from, when admitted with one (durably). */
  admittedIp(agentId: string): string | undefined {
    return this.books.agents.get(agentId)?.ip;
  }

  /** Whether `agentId` is admitted (durably). */
  isAdmitted(agentId: string): boolean {
    return this.books.agents.has(agentId);
  }

  /** Whether `agentId` is marked unreachable (durably). */
  isUnreachable(agentId: string): boolean {
    return this.books.unreachable.has(agentId);
  }

  /**
   * Stops writing: no retry is scheduled any more, and changes still queued are never
   * acknowledged (a master stepping down leaves its registry this way).
   */
  close(): void {
    this.closed = true;
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
  }

  /** Whether another master has taken the registry over (see `onFenced`). */
  get fenced(): boolean {
    return this.fencedBy !== undefined;
  }

  /** Number of writes (appends and compactions) completed since load. */
  get writes(): number {
    return this.writesCompleted;
  }

  /** The registrar's metrics (`REGISTRAR_METRICS`), Mesos' names; the timers with their window statistics. */
  metrics(): Record<string, number> {
    const nowMs = this.clock.now();
    return {
      [REGISTRAR_METRICS.queuedOperations]: this.queue.length,
      [REGISTRAR_METRICS.registrySizeBytes]: this.snapshotBytes + this.logBytes,
      ...this.fetchTimer.snapshot(nowMs),
      ...this.storeTimer.snapshot(nowMs),
    };
  }

  /** Admits an agent; rejects if its id is already admitted. */
  admit(agent: RegistryAgent): Promise<void> {
    return this.enqueue({ type: 'admit', agent: agentEntry(agent.id, agent.info, agent.ip) });
  }

  /** Replaces the stored info of an admitted agent (it re-registered with new info); rejects if it is not admitted. */
  update(agentId: string, info: AgentInfo): Promise<void> {
    return this.enqueue({ type: 'update', agentId, info });
  }

  /** Moves admitted agents to the unreachable list (keeping the newest `MAX_REMOVED_AGENTS`); ids not admitted are skipped. */
  markUnreachable(agentIds: readonly string[], timeMs: number): Promise<void> {
    return this.enqueue({ type: 'markUnreachable', agentIds: [...agentIds], timeMs });
  }

  /**
   * An agent re-registers after it was removed (Mesos' `MarkSlaveReachable`): it leaves the
   * unreachable list and is admitted again; one found in neither list (its entry was trimmed, or
   * it was removed for good) is admitted anyway, as Mesos does.
   */
  markReachable(agent: RegistryAgent): Promise<void> {
    return this.enqueue({ type: 'markReachable', agent: agentEntry(agent.id, agent.info, agent.ip) });
  }

  /** Forgets an admitted agent (it unregistered); it may not re-register. */
  remove(agentId: string): Promise<void> {
    return this.enqueue({ type: 'remove', agentId });
  }

  /**
   * Marks an agent gone for good (Mesos' `MarkSlaveGone`, the operator's MARK_AGENT_GONE): it
   * leaves the admitted and unreachable lists, and the master refuses it if it comes back
   * (the newest `MAX_REMOVED_AGENTS` are kept).
   */
  markGone(agentId: string, timeMs: number): Promise<void> {
    return this.enqueue({ type: 'markGone', agentId, timeMs });
  }

  /**
   * Deactivates an admitted or unreachable agent (Mesos' `DeactivateAgent`): its resources are not
   * offered, by this master or the next; a draining it has stays. Rejects for an agent in neither list.
   */
  deactivateAgent(agentId: string): Promise<void> {
    return this.enqueue({ type: 'deactivateAgent', agentId });
  }

  /** Drains an admitted or unreachable agent (Mesos' `DrainAgent`): DRAINING with `config`, and deactivated. Rejects for an agent in neither list. */
  drainAgent(agentId: string, config: DrainConfig): Promise<void> {
    return this.enqueue({ type: 'drainAgent', agentId, config: { ...config } });
  }

  /** A DRAINING agent is DRAINED (Mesos' `MarkAgentDrained`); nothing for one that is not draining. */
  markAgentDrained(agentId: string): Promise<void> {
    return this.enqueue({ type: 'markAgentDrained', agentId });
  }

  /** Undoes an agent's deactivation and draining (Mesos' `ReactivateAgent`); nothing for one that has neither. */
  reactivateAgent(agentId: string): Promise<void> {
    return this.enqueue({ type: 'reactivateAgent', agentId });
  }

  /** Sets the weights of the roles listed (others keep theirs). */
  updateWeights(weights: ReadonlyMap<string, number>): Promise<void> {
    return this.enqueue({ type: 'updateWeights', weights: Object.fromEntries(weights) });
  }

  /** Sets the quota of `role`. */
  updateQuota(role: string, quota: StoredQuota): Promise<void> {
    return this.enqueue({ type: 'updateQuota', role, quota: { guarantees: { ...quota.guarantees }, limits: { ...quota.limits } } });
  }

  /** Removes the quota of `role` (nothing if it has none). */
  removeQuota(role: string): Promise<void> {
    return this.enqueue({ type: 'removeQuota', role });
  }

  /**
   * A maintenance change (Mesos' `UpdateSchedule`, `StartMaintenance`, `StopMaintenance`): a new
   * schedule (its new machines DRAINING, the others keeping their modes), machines DOWN, or
   * machines UP (out of the schedule). The master checked it against what is durable.
   */
  changeMaintenance(change: MaintenanceChange): Promise<void> {
    switch (change.type) {
      case 'updateSchedule':
        return this.enqueue({ type: change.type, schedule: storedMaintenance({ schedule: change.schedule, machines: [] }).schedule });
      case 'startMaintenance':
      case 'stopMaintenance':
        return this.enqueue({ type: change.type, machineIds: change.machineIds.map((id) => ({ ...id })) });
    }
  }

  /** Queues a change and starts a write unless one is in flight. */
  private enqueue(op: RegistryOperation): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.writeNext();
    });
  }

  /** Starts the next write, if none is in flight or waiting to be retried. */
  private writeNext(): void {
    if (this.writing || this.retryTimer !== undefined || this.fencedBy !== undefined || this.closed) return;
    if (this.compactionDue || this.carried !== undefined) return this.compact();
    if (this.queue.length === 0) return;
    const pending = this.checked(this.queue.splice(0));
    if (pending.length === 0) return;
    const ops = pending.map((entry) => entry.op);
    const seq = this.seq + 1;
    const batch: LoggedBatch = { seq, ops };
    const startMs = this.clock.now();
    this.writing = true;
    this.store.append(batch).then(
      (bytes) => {
        this.stored(startMs);
        this.logBytes += bytes;
        this.seq = seq;
        this.loggedOps += ops.length;
        this.commit(ops, pending);
        if (this.loggedOps >= Math.max(REGISTRY_COMPACTION_MIN_OPS, this.books.size)) this.compactionDue = true;
      },
      (error: unknown) => {
        this.carried = { ops, pending };
        this.failed(error);
      },
    ).finally(() => {
      this.writing = false;
      this.writeNext();
    });
  }

  /** Writes a new snapshot (with a batch whose append failed, if any) and empties the log. */
  private compact(): void {
    const carried = this.carried;
    const books = carried === undefined ? this.books : this.books.copy();
    for (const op of carried?.ops ?? []) books.apply(op);
    const seq = carried === undefined ? this.seq : this.seq + 1;
    const data = books.toData(seq);
    const startMs = this.clock.now();
    this.writing = true;
    this.store.compact(data).then(
      (bytes) => {
        this.stored(startMs);
        this.snapshotBytes = bytes;
        this.logBytes = 0;
        this.seq = seq;
        this.loggedOps = 0;
        this.compactionDue = false;
        this.carried = undefined;
        if (carried !== undefined) return this.commit(carried.ops, carried.pending);
        this.writesCompleted++;
        this.failures = 0;
      },
      (error: unknown) => this.failed(error),
    ).finally(() => {
      this.writing = false;
      this.writeNext();
    });
  }

  /** A write that started at `startMs` is durable: its duration goes to `registrar/state_store_ms`. */
  private stored(startMs: number): void {
    const nowMs = this.clock.now();
    this.storeTimer.record(nowMs - startMs, nowMs);
  }

  /** A write is durable: the books take its changes, and each is acknowledged. */
  private commit(ops: readonly RegistryOperation[], pending: readonly PendingOperation[]): void {
    for (const op of ops) this.books.apply(op);
    this.writesCompleted++;
    this.failures = 0;
    for (const entry of pending) entry.resolve();
  }

  /** A write failed: the next one is a compaction, after a backoff. */
  private failed(error: unknown): void {
    if (error instanceof RegistryFencedError) {
      this.fencedBy = error;
      this.onFenced?.(error);
      return;
    }
    const failure = error instanceof Error ? error : new Error(String(error));
    this.compactionDue = true;
    const retryInMs = Math.min(REGISTRY_RETRY_MAX_MS, REGISTRY_RETRY_INITIAL_MS * 2 ** this.failures);
    this.failures++;
    this.onWriteFailure?.(new Error(`registry write failed: ${failure.message}`), retryInMs);
    this.retryTimer = this.clock.setTimer(retryInMs, () => {
      this.retryTimer = undefined;
      this.writeNext();
    });
  }

  /**
   * The changes of `batch` that may be written, each checked against what is durable and the
   * batch's earlier changes; a refused one is rejected now and left out.
   */
  private checked(batch: readonly PendingOperation[]): PendingOperation[] {
    /** Admitted or not, as the batch's earlier changes leave it. */
    const admitted = new Map<string, boolean>();
    const isAdmitted = (agentId: string): boolean => admitted.get(agentId) ?? this.books.agents.has(agentId);
    /** Admitted or unreachable, as the batch's earlier changes leave it (what may be deactivated or drained). */
    const known = new Map<string, boolean>();
    const isKnown = (agentId: string): boolean => known.get(agentId) ?? this.books.isKnown(agentId);
    const accepted: PendingOperation[] = [];
    for (const entry of batch) {
      const { op } = entry;
      if (op.type === 'admit' && isAdmitted(op.agent.id)) {
        entry.reject(new Error(`agent ${op.agent.id} is already admitted`));
        continue;
      }
      if (op.type === 'update' && !isAdmitted(op.agentId)) {
        entry.reject(new Error(`agent ${op.agentId} is not admitted`));
        continue;
      }
      if ((op.type === 'deactivateAgent' || op.type === 'drainAgent') && !isKnown(op.agentId)) {
        entry.reject(new Error(`agent ${op.agentId} is neither admitted nor unreachable`));
        continue;
      }
      if (op.type === 'admit' || op.type === 'markReachable') {
        admitted.set(op.agent.id, true);
        known.set(op.agent.id, true);
      }
      if (op.type === 'markUnreachable') for (const agentId of op.agentIds) admitted.set(agentId, false);
      if (op.type === 'remove' || op.type === 'markGone') {
        admitted.set(op.agentId, false);
        known.set(op.agentId, false);
      }
      accepted.push(entry);
    }
    return accepted;
  }
}

/** When a registry was opened, how long its read and first compaction took (ms), and the snapshot's bytes. */
interface OpenTimes {
  readonly fetchMs: number;
  readonly storeMs: number;
  readonly atMs: number;
  readonly snapshotBytes: number;
}

/** Bytes of `value` as the stores write it (its text and a newline). */
function serializedBytes(value: RegistryData | LoggedBatch): number {
  return Buffer.byteLength(serializeRegistryValue(value)) + 1;
}

/**
 * A snapshot or a logged batch as the stores write it: JSON, each agent's resources as their
 * text where that says them exactly (format 2). Made once a write: a store resolves to the
 * bytes it wrote (a snapshot's text at 100k agents is ~25 MB; it was made twice, once to count).
 */
export function serializeRegistryValue(value: RegistryData | LoggedBatch): string {
  return JSON.stringify('ops' in value ? { ...value, ops: value.ops.map(storedOperation) } : { ...value, agents: value.agents.map(storedAgent) });
}

/** An operation as the stores write it (`serializeRegistryValue`). */
function storedOperation(op: RegistryOperation): unknown {
  switch (op.type) {
    case 'admit':
    case 'markReachable':
      return { ...op, agent: storedAgent(op.agent) };
    case 'update':
      return { ...op, info: storedInfo(op.info) };
    default:
      return op;
  }
}

function storedAgent(agent: RegistryAgent): unknown {
  return { ...agent, info: storedInfo(agent.info) };
}

function storedInfo(info: AgentInfo): unknown {
  const text = plainResourcesText(info.resources);
  // Longer than the reader takes (an agent with thousands of single ports): JSON, which has no such bound (a review).
  return text === undefined || text.length > MAX_REGISTRY_RESOURCES_TEXT_CHARS ? info : { ...info, resources: text };
}

/** The maintenance record as the registry's data holds it (plain lists, copied). */
function storedMaintenance(record: MaintenanceRecord): NonNullable<RegistryData['maintenance']> {
  return {
    schedule: record.schedule.map((window) => ({ machineIds: window.machineIds.map((id) => ({ ...id })), unavailability: window.unavailability })),
    machines: record.machines.map((machine) => ({ ...machine, id: { ...machine.id } })),
  };
}

function emptyRegistry(): RegistryData {
  return { version: REGISTRY_FORMAT_VERSION, agents: [], unreachable: [] };
}

/** Parses and checks a registry snapshot's text; throws an Error naming the file and the problem. */
export function parseRegistry(text: string, filePath: string): RegistryData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`registry ${filePath} is not JSON: ${(error as Error).message}`);
  }
  return parseRegistryData(json, filePath);
}

/** Checks parsed registry contents; throws an Error naming where they came from and the problem. */
function parseRegistryData(json: unknown, where: string): RegistryData {
  const version = typeof json === 'object' && json !== null ? (json as { version?: unknown }).version : undefined;
  if (version !== undefined && !(READABLE_REGISTRY_FORMAT_VERSIONS as readonly unknown[]).includes(version)) {
    throw new Error(`registry ${where} has format version ${JSON.stringify(version)}, which this master cannot read (it reads ${READABLE_REGISTRY_FORMAT_VERSIONS.join(' and ')}): a newer master's registry?`);
  }
  const result = RegistryDataSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue?.code === 'unrecognized_keys' && issue.path.length === 0) {
      throw new Error(`registry ${where} has ${issue.keys.length === 1 ? 'a field' : 'fields'} this master does not know (${issue.keys.map((key) => `'${key}'`).join(', ')}): a later release's registry, or a hand edit?`);
    }
    throw new Error(`registry ${where} is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** The registry's atomic file write (it lives with the `Disk` it belongs to). */
export { writeFileAtomically } from '../../lib/disk';

/** A registry entry of an agent (`ip` only when known: an entry written before it was kept has none). */
function agentEntry(id: string, info: AgentInfo, ip: string | undefined): RegistryAgent {
  return ip === undefined ? { id, info } : { id, info, ip };
}
