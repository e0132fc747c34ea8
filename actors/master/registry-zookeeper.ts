/**
 * The registry in ZooKeeper, for masters that share it (`--zk`): the same snapshot-and-log as
 * the file, as znodes under `<zk path>/registry`.
 *
 *   <path>/registry                      meta: { format, writer, snapshot: { name, parts, seq }, seq }
 *   <path>/registry/<snapshot>-<i>-of-<n>  the snapshot's JSON, split into parts of at most REGISTRY_ZOOKEEPER_PART_BYTES
 *   <path>/registry/log-<seq>-<writer>-<i>-of-<n>   one logged batch's JSON, split the same way
 *                                        (`log-<seq>-<i>-of-<n>` before 2026-12-07, still read)
 *
 * Every write ends by setting the meta node at the version this master last saw (ZooKeeper's
 * compare-and-set), in the same atomic `multi` as the parts when they fit in one request. Parts
 * only count once the meta node names them (a snapshot by name, a log entry by `seq`), so parts
 * left by a write that failed are ignored, and removed at the next compaction. Two masters can
 * therefore never both write: the first write of a new leader (its compaction when it opens the
 * registry) moves the version, and the old leader's next write fails and fences it.
 *
 * A write whose answer was lost (CONNECTION_LOSS) may or may not have happened; before the next
 * write the store reads the meta node again: if its writer is still this store, it takes the
 * version found (the registry's retry is a compaction holding everything, so either outcome is
 * fine); if another master wrote, this one is fenced.
 */
import { nanoid } from 'nanoid';
import { z } from 'zod';
import { isZooKeeperError, type ZooKeeperClient, type ZooKeeperOperation } from '../../lib/ha/zookeeper';
import { parseJournalLine } from '../../lib/journal';
import { READABLE_REGISTRY_FORMAT_VERSIONS, REGISTRY_FORMAT_VERSION } from './constants';
import {
  LoggedBatchSchema,
  parseRegistry,
  serializeRegistryValue,
  RegistryFencedError,
  type LoggedBatch,
  type RegistryData,
  type RegistryStore,
  type StoredRegistry,
} from './registry';

/** Largest part a snapshot or log entry is split into (ZooKeeper refuses requests over 1 MB, `jute.maxbuffer`). */
export const REGISTRY_ZOOKEEPER_PART_BYTES = 512 * 1024;
/** Reads a master loading the registry keeps outstanding at once on its session (they are pipelined). */
export const REGISTRY_ZOOKEEPER_MAX_READS_IN_FLIGHT = 64;
/** The registry's znode under the `--zk` path. */
export const REGISTRY_ZNODE = 'registry';

const MetaSchema = z.object({
  format: z.union([z.literal(READABLE_REGISTRY_FORMAT_VERSIONS[0]), z.literal(READABLE_REGISTRY_FORMAT_VERSIONS[1])]),
  writer: z.string().min(1),
  snapshot: z.object({ name: z.string().min(1), parts: z.number().int().positive(), seq: z.number().int().nonnegative() }).nullable(),
  seq: z.number().int().nonnegative(),
});
type Meta = z.infer<typeof MetaSchema>;

const PART_NAME = /^(.+)-(\d+)-of-(\d+)$/;
/** A logged batch's name: its seq, then (since 2026-12-07) its writer. */
const LOG_NAME = /^log-(\d+)(?:-.+)?$/;

/**
 * The registry's store in ZooKeeper. `zkPath` is the `--zk` URL's path (e.g. `/mesos`).
 * @example const registry = await Registry.open(new ZooKeeperRegistryStore(client, '/mesos'), { clock });
 */
export class ZooKeeperRegistryStore implements RegistryStore {
  readonly location: string;
  /** Who this store is in the meta node (a new id for each master that opens it). */
  private readonly writer: string;
  private readonly root: string;
  /** The meta node as this store last wrote or read it, and its version (-1: it does not exist). */
  private meta: Meta | undefined;
  private version = -1;
  /** A write's outcome is unknown: read the meta node before the next one. */
  private uncertain = false;
  private snapshots = 0;

  /**
   * @param writerId who this master is in the meta node: unique to each master that opens the
   *   registry (default a random id; a master passes its own id, from its host's generator)
   * @param partBytes largest part (tests make it small to see splitting)
   */
  constructor(private readonly client: ZooKeeperClient, zkPath: string, writerId: string = nanoid(), private readonly partBytes = REGISTRY_ZOOKEEPER_PART_BYTES) {
    this.writer = writerId;
    this.root = `${zkPath}/${REGISTRY_ZNODE}`;
    this.location = `zookeeper ${this.root}`;
  }

  async load(): Promise<StoredRegistry> {
    await this.client.mkdirp(this.root.slice(0, this.root.lastIndexOf('/')) || '/');
    if (!(await this.client.exists(this.root))) {
      this.meta = undefined;
      this.version = -1;
      return { snapshot: { version: REGISTRY_FORMAT_VERSION, agents: [], unreachable: [] }, batches: [] };
    }
    const { data, version } = await this.client.getData(this.root);
    const meta = this.parseMeta(data);
    this.meta = meta;
    this.version = version;
    const children = meta.seq > (meta.snapshot?.seq ?? 0) ? await this.client.getChildren(this.root) : [];
    const logged: Array<{ name: string; parts: number }> = [];
    for (let seq = (meta.snapshot?.seq ?? 0) + 1; seq <= meta.seq; seq++) {
      // Every batch after the snapshot is the meta node's writer's (a master compacts when it opens
      // the registry, before it logs anything). A master fenced in the middle of a batch split into
      // parts leaves parts of the same seq under its own name: never read as this one.
      const named = (name: string) => children.map((child) => PART_NAME.exec(child)).find((match) => match !== null && match[1] === name);
      const own = named(`log-${seq}-${meta.writer}`);
      const parts = own ?? named(`log-${seq}`);
      if (parts == null) throw new Error(`registry ${this.root}: logged batch ${seq} is missing`);
      logged.push({ name: parts[1] as string, parts: Number(parts[3]) });
    }
    // Every part is read at once (bounded): a new leader loads the registry while every agent's and
    // scheduler's detector is reading ZooKeeper too, and one read after another would wait behind
    // them once per part.
    const texts = await this.readEntries([...(meta.snapshot === null ? [] : [meta.snapshot]), ...logged]);
    const snapshot = meta.snapshot === null
      ? { version: REGISTRY_FORMAT_VERSION, agents: [], unreachable: [] } as RegistryData
      : parseRegistry(texts.shift() as string, `${this.root}/${meta.snapshot.name}`);
    const batches = texts.map((text, index) => {
      const batch = parseJournalLine(LoggedBatchSchema, text);
      if (typeof batch === 'string') throw new Error(`registry ${this.root}: logged batch ${(meta.snapshot?.seq ?? 0) + index + 1} is ${batch}`);
      return batch;
    });
    return { snapshot, batches };
  }

  async append(batch: LoggedBatch): Promise<number> {
    await this.settleUncertainty();
    const meta = this.currentMeta();
    const text = serializeRegistryValue(batch);
    await this.write(`log-${batch.seq}-${this.writer}`, splitText(text, this.partBytes), { ...meta, writer: this.writer, seq: batch.seq });
    return Buffer.byteLength(text) + 1;
  }

  async compact(data: RegistryData): Promise<number> {
    await this.settleUncertainty();
    const name = `snapshot-${data.seq ?? 0}-${this.writer}-${this.snapshots++}`;
    const text = serializeRegistryValue(data);
    const parts = splitText(text, this.partBytes);
    await this.write(name, parts, { format: REGISTRY_FORMAT_VERSION, writer: this.writer, snapshot: { name, parts: parts.length, seq: data.seq ?? 0 }, seq: data.seq ?? 0 });
    void this.collectGarbage();
    return Buffer.byteLength(text) + 1;
  }

  /** Writes `parts` (one text split by `splitText`) as the parts of `name`, then the meta node (at the version last seen). */
  private async write(name: string, parts: readonly string[], meta: Meta): Promise<void> {
    const creates: ZooKeeperOperation[] = parts.map((part, index) => ({ type: 'create', path: `${this.root}/${name}-${index}-of-${parts.length}`, data: Buffer.from(part) }));
    const metaData = Buffer.from(JSON.stringify(meta));
    const setMeta: ZooKeeperOperation = this.version === -1
      ? { type: 'create', path: this.root, data: metaData }
      : { type: 'setData', path: this.root, data: metaData, version: this.version };
    try {
      if (parts.length === 1) {
        // The meta node first when it is created: the parts are its children.
        await this.client.multi(this.version === -1 ? [setMeta, ...creates] : [...creates, setMeta]);
      } else {
        if (this.version === -1) await this.client.create(this.root, Buffer.from(JSON.stringify({ ...meta, snapshot: null, seq: 0 })));
        if (this.version === -1) this.version = 0;
        for (const create of creates) await this.createOrReplace(create);
        await this.client.multi([{ type: 'setData', path: this.root, data: metaData, version: this.version }]);
      }
    } catch (error) {
      throw this.writeFailed(error);
    }
    this.meta = meta;
    this.version = this.version === -1 ? 0 : this.version + 1;
  }

  /** A part left by an earlier failed attempt under the same name is overwritten. */
  private async createOrReplace(create: ZooKeeperOperation): Promise<void> {
    if (create.type !== 'create') return;
    try {
      await this.client.create(create.path, create.data);
    } catch (error) {
      if (!isZooKeeperError(error, 'NODE_EXISTS')) throw error;
      await this.client.setData(create.path, create.data, -1);
    }
  }

  /** A failed write: fenced if another master moved the meta node; otherwise unknown until read again. */
  private writeFailed(error: unknown): Error {
    if (isZooKeeperError(error, 'BAD_VERSION') || (this.version === -1 && isZooKeeperError(error, 'NODE_EXISTS'))) {
      return new RegistryFencedError(`another master has written the registry ${this.root} since this one opened it`);
    }
    this.uncertain = true;
    return error instanceof Error ? error : new Error(String(error));
  }

  /** After a write with an unknown outcome: who wrote last, this store (take its version) or another master (fenced)? */
  private async settleUncertainty(): Promise<void> {
    if (!this.uncertain) return;
    if (!(await this.client.exists(this.root))) {
      if (this.version !== -1) throw new RegistryFencedError(`the registry ${this.root} was deleted`);
      this.uncertain = false;
      return;
    }
    const { data, version } = await this.client.getData(this.root);
    const meta = this.parseMeta(data);
    if (meta.writer !== this.writer && this.version !== -1) {
      throw new RegistryFencedError(`another master (${meta.writer}) has written the registry ${this.root} since this one opened it`);
    }
    if (meta.writer !== this.writer) throw new RegistryFencedError(`another master (${meta.writer}) created the registry ${this.root} first`);
    this.meta = meta;
    this.version = version;
    this.uncertain = false;
  }

  private currentMeta(): Meta {
    return this.meta ?? { format: REGISTRY_FORMAT_VERSION, writer: this.writer, snapshot: null, seq: 0 };
  }

  private parseMeta(data: Buffer): Meta {
    const text = data.toString('utf8');
    const format = (parseJournalLine(z.object({ format: z.unknown() }).passthrough(), text) as { format?: unknown }).format;
    if (format !== undefined && !(READABLE_REGISTRY_FORMAT_VERSIONS as readonly unknown[]).includes(format)) {
      throw new Error(`registry ${this.root} has format version ${JSON.stringify(format)}, which this master cannot read (it reads ${READABLE_REGISTRY_FORMAT_VERSIONS.join(' and ')}): a newer master's registry?`);
    }
    const meta = parseJournalLine(MetaSchema, text);
    if (typeof meta === 'string') throw new Error(`registry ${this.root}: the meta node is ${meta}`);
    return meta;
  }

  /** The text of each of `entries` (a snapshot or a logged batch, in parts), read with at most `REGISTRY_ZOOKEEPER_MAX_READS_IN_FLIGHT` requests outstanding. */
  private async readEntries(entries: ReadonlyArray<{ name: string; parts: number }>): Promise<string[]> {
    const paths = entries.flatMap(({ name, parts }) => Array.from({ length: parts }, (_, index) => `${this.root}/${name}-${index}-of-${parts}`));
    const texts = await mapWithin(paths, REGISTRY_ZOOKEEPER_MAX_READS_IN_FLIGHT, async (part) => (await this.client.getData(part)).data.toString('utf8'));
    let next = 0;
    return entries.map(({ parts }) => texts.slice(next, (next += parts)).join(''));
  }

  /** Removes parts no longer named by the meta node (old snapshots, logs it holds, failed writes'); best effort. */
  private async collectGarbage(): Promise<void> {
    const meta = this.meta;
    if (meta?.snapshot == null) return;
    try {
      const children = await this.client.getChildren(this.root);
      for (const child of children) {
        const part = PART_NAME.exec(child);
        if (part === null) continue;
        const [, name = ''] = part;
        const logSeq = LOG_NAME.exec(name);
        const stale = logSeq === null ? name !== meta.snapshot.name : Number(logSeq[1]) <= meta.snapshot.seq;
        if (stale) await this.client.remove(`${this.root}/${child}`).catch(() => undefined);
      }
    } catch {
      // Garbage only: the next compaction tries again.
    }
  }
}

/** `map` over `items`, at most `limit` at a time; the results in the order of `items`. */
async function mapWithin<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** `text` in parts of at most `REGISTRY_ZOOKEEPER_PART_BYTES` bytes of UTF-8 (at least one part). */
export function splitText(text: string, partBytes = REGISTRY_ZOOKEEPER_PART_BYTES): string[] {
  const parts: string[] = [];
  let start = 0;
  do {
    let end = Math.min(text.length, start + partBytes);
    // Each UTF-16 unit is at least one byte: dropping `excess` units drops at least `excess` bytes.
    for (let excess = Buffer.byteLength(text.slice(start, end)) - partBytes; excess > 0; excess = Buffer.byteLength(text.slice(start, end)) - partBytes) end -= excess;
    // Never split a surrogate pair.
    if (end < text.length && end - start > 1 && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end--;
    parts.push(text.slice(start, end));
    start = end;
  } while (start < text.length);
  return parts;
}
