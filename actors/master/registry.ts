/**
 * The registry (Mesos' registrar over a local file): the agents the master has admitted, and
 * those it marked unreachable, persisted so that a restarted master knows which agents may
 * re-register. Each change is written to disk before it is acknowledged, atomically (temp
 * file, fsync, rename, fsync of the directory), so an acknowledged admission is never lost and
 * a crash mid-write leaves the previous file intact.
 *
 * The file lives on a `Disk` (lib/disk.ts): the machine's file system by default, an in-memory
 * disk in a simulation, where writes can be made to fail or to take virtual time.
 *
 * The master calls it from inside its mailbox and re-enters through `defer` when a change is
 * durable. Changes queued while a write is in flight are written together in the next one.
 */
import { z } from 'zod';
import { nodeDisk, type Disk } from '../../lib/disk';
import { AgentInfoSchema, type AgentInfo } from '../../lib/protocol';
import { MAX_REMOVED_AGENTS, REGISTRY_FORMAT_VERSION } from './constants';

const RegistryAgentSchema = z.object({ id: z.string().min(1), info: AgentInfoSchema });
const UnreachableAgentSchema = z.object({ id: z.string().min(1), timeMs: z.number() });
const RegistryDataSchema = z.object({
  version: z.literal(REGISTRY_FORMAT_VERSION),
  agents: z.array(RegistryAgentSchema),
  unreachable: z.array(UnreachableAgentSchema),
});

/** An admitted agent as the registry keeps it. */
export type RegistryAgent = z.infer<typeof RegistryAgentSchema>;
/** An agent marked unreachable, with the time it was marked (ms since the epoch). */
export type UnreachableAgent = z.infer<typeof UnreachableAgentSchema>;
/** The whole registry file. */
export type RegistryData = z.infer<typeof RegistryDataSchema>;

/** A change to a draft of the registry; throws (changing nothing) to refuse it. */
type RegistryOperation = (draft: RegistryData) => void;

/** Makes the registry's new contents durable (a disk's `writeFileAtomically` for a file). */
type RegistryWriter = (filePath: string, contents: string) => Promise<void>;

/** Writes the registry file on `disk`. */
function writerOn(disk: Disk): RegistryWriter {
  return (filePath, contents) => disk.writeFileAtomically(filePath, contents);
}

/** A change waiting for the next write. */
interface PendingOperation {
  readonly apply: RegistryOperation;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The registry of one master. Reads see what is durable; `admit`, `markUnreachable`, `remove`
 * and `update` resolve once their change is on disk, and reject (changing nothing) if it is
 * refused or the write fails.
 *
 * @example
 *   const registry = await Registry.load('/var/lib/mesos/registry.json');
 *   await registry.admit({ id: 'M-S0', info });      // durable from here on
 *   registry.isAdmitted('M-S0');                     // true, also after a restart
 */
export class Registry {
  /** What is on disk. */
  private committed: RegistryData;
  /** Changes waiting for the next write. */
  private readonly queue: PendingOperation[] = [];
  /** A write is in flight. */
  private writing = false;
  /** Writes completed since load (tests and logs). */
  private writesCompleted = 0;

  private constructor(readonly filePath: string, data: RegistryData, private readonly writer: RegistryWriter) {
    this.committed = data;
  }

  /** Reads the registry at `filePath` on `disk` (empty if there is none); throws on a corrupt file. */
  static async load(filePath: string, disk: Disk = nodeDisk): Promise<Registry> {
    const text = await disk.readFile(filePath);
    return new Registry(filePath, text === undefined ? emptyRegistry() : parseRegistry(text, filePath), writerOn(disk));
  }

  /** An empty registry that writes to `filePath` on `disk` (tests). */
  static empty(filePath: string, disk: Disk = nodeDisk): Registry {
    return new Registry(filePath, emptyRegistry(), writerOn(disk));
  }

  /**
   * A registry kept in memory only, starting from `data` (checked as a registry file's contents
   * would be; throws naming the problem). A replay gives the master the registry it started
   * with this way; changes are "durable" at once and written nowhere.
   */
  static inMemory(data: unknown = emptyRegistry()): Registry {
    return new Registry('(in memory)', parseRegistryData(data, 'in-memory registry'), () => Promise.resolve());
  }

  /** A copy of what is durable now (a traced master records it at start). */
  snapshot(): RegistryData {
    return structuredClone(this.committed);
  }

  /** The admitted agents. */
  agents(): readonly RegistryAgent[] {
    return this.committed.agents;
  }

  /** The agents marked unreachable, oldest first. */
  unreachable(): readonly UnreachableAgent[] {
    return this.committed.unreachable;
  }

  /** Whether `agentId` is admitted (durably). */
  isAdmitted(agentId: string): boolean {
    return this.committed.agents.some((agent) => agent.id === agentId);
  }

  /** Number of writes completed since load. */
  get writes(): number {
    return this.writesCompleted;
  }

  /** Admits an agent; rejects if its id is already admitted. */
  admit(agent: RegistryAgent): Promise<void> {
    return this.apply((draft) => {
      if (draft.agents.some((known) => known.id === agent.id)) throw new Error(`agent ${agent.id} is already admitted`);
      draft.agents.push({ id: agent.id, info: agent.info });
    });
  }

  /** Replaces the stored info of an admitted agent (it re-registered with new info). */
  update(agentId: string, info: AgentInfo): Promise<void> {
    return this.apply((draft) => {
      const known = draft.agents.find((agent) => agent.id === agentId);
      if (!known) throw new Error(`agent ${agentId} is not admitted`);
      known.info = info;
    });
  }

  /** Moves admitted agents to the unreachable list; ids not admitted are skipped. */
  markUnreachable(agentIds: readonly string[], timeMs: number): Promise<void> {
    const ids = new Set(agentIds);
    return this.apply((draft) => {
      const marked = draft.agents.filter((agent) => ids.has(agent.id));
      draft.agents = draft.agents.filter((agent) => !ids.has(agent.id));
      draft.unreachable.push(...marked.map((agent) => ({ id: agent.id, timeMs })));
      if (draft.unreachable.length > MAX_REMOVED_AGENTS) draft.unreachable.splice(0, draft.unreachable.length - MAX_REMOVED_AGENTS);
    });
  }

  /**
   * An agent re-registers after it was removed (Mesos' `MarkSlaveReachable`): it leaves the
   * unreachable list and is admitted again; one found in neither list (its entry was trimmed, or
   * it was removed for good) is admitted anyway, as Mesos does.
   */
  markReachable(agent: RegistryAgent): Promise<void> {
    return this.apply((draft) => {
      draft.unreachable = draft.unreachable.filter((entry) => entry.id !== agent.id);
      if (!draft.agents.some((known) => known.id === agent.id)) draft.agents.push({ id: agent.id, info: agent.info });
    });
  }

  /** Forgets an admitted agent (it unregistered); it may not re-register. */
  remove(agentId: string): Promise<void> {
    return this.apply((draft) => {
      draft.agents = draft.agents.filter((agent) => agent.id !== agentId);
    });
  }

  /** Queues a change and starts a write unless one is in flight. */
  private apply(operation: RegistryOperation): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ apply: operation, resolve, reject });
      this.writeQueued();
    });
  }

  /** Applies every queued change to a draft and writes it; commits the draft once it is durable. */
  private writeQueued(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    const batch = this.queue.splice(0);
    const draft = structuredClone(this.committed);
    const accepted = batch.filter((pending) => tryApply(pending, draft));
    this.writer(this.filePath, `${JSON.stringify(draft, null, 1)}\n`)
      .then(
        () => {
          this.committed = draft;
          this.writesCompleted++;
          for (const pending of accepted) pending.resolve();
        },
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const pending of accepted) pending.reject(new Error(`registry write failed: ${failure.message}`));
        },
      )
      .finally(() => {
        this.writing = false;
        this.writeQueued();
      });
  }
}

/** Runs one queued change on the draft; a refused change is rejected and leaves the draft as it was. */
function tryApply(pending: PendingOperation, draft: RegistryData): boolean {
  const before = structuredClone(draft);
  try {
    pending.apply(draft);
    return true;
  } catch (error) {
    Object.assign(draft, before);
    pending.reject(error instanceof Error ? error : new Error(String(error)));
    return false;
  }
}

function emptyRegistry(): RegistryData {
  return { version: REGISTRY_FORMAT_VERSION, agents: [], unreachable: [] };
}

/** Parses and checks a registry file's text; throws an Error naming the file and the problem. */
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
  const result = RegistryDataSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`registry ${where} is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** The registry's atomic file write (it lives with the `Disk` it belongs to). */
export { writeFileAtomically } from '../../lib/disk';
