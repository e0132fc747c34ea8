/**
 * A string-keyed map split over a fixed number of `Map`s, so that no single `set` pays for
 * rehashing all the entries. A `Map` grows by doubling and moves every entry in that one call: at
 * 100k agents, the state endpoints' map of agents to blocks doubling from 65,536 entries took one
 * warming turn of the first `/master/state` request to ~25 ms (the bound is 20).
 *
 * Split evenly, the shards all reach a power of two at about the same entry, and double in the
 * same turn: at 100k agents one warming turn still moved every entry (6-10 ms, with ~350 page
 * faults for the new tables), and the turns either side of it half as many. So the shards'
 * shares differ, in a geometric series over one octave (the largest twice the smallest): their
 * sizes sit at evenly spaced points between two powers of two, and while the map doubles, each
 * shard doubles once, one after another.
 */

/** How many maps the entries are spread over. */
export const SHARDS = 16;
/** Hash values a key is reduced to before it is given a shard (the shares are whole numbers of these). */
const SLOTS = 4_096;

/** Which shard each hash value goes to: shard `i` gets a share proportional to 2^(i/SHARDS). */
const SHARD_OF_SLOT: Uint8Array = (() => {
  const weights = Array.from({ length: SHARDS }, (_, index) => 2 ** (index / SHARDS));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const table = new Uint8Array(SLOTS);
  let slot = 0;
  let cumulative = 0;
  weights.forEach((weight, shard) => {
    cumulative += weight;
    const end = shard === SHARDS - 1 ? SLOTS : Math.round((cumulative / total) * SLOTS);
    for (; slot < end; slot++) table[slot] = shard;
  });
  return table;
})();

/** Which shard `key` goes to: FNV-1a over its last eight characters (ids differ most at the end), reduced to a slot. */
function shardOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = Math.max(0, key.length - 8); index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return SHARD_OF_SLOT[(hash >>> 0) % SLOTS] as number;
}

/**
 * The `Map` operations the state endpoints use, over `SHARDS` maps. Iteration order is not kept
 * (it is by shard), so it offers none.
 *
 * @example
 *   const blockOf = new ShardedMap<Block>();
 *   blockOf.set('S1', block); blockOf.get('S1'); // block
 */
export class ShardedMap<V> {
  private readonly shards: Map<string, V>[] = Array.from({ length: SHARDS }, () => new Map<string, V>());

  /** Entries held (summed over the shards when asked: nothing is counted on the way). */
  get size(): number {
    let size = 0;
    for (const shard of this.shards) size += shard.size;
    return size;
  }

  get(key: string): V | undefined {
    return (this.shards[shardOf(key)] as Map<string, V>).get(key);
  }

  has(key: string): boolean {
    return (this.shards[shardOf(key)] as Map<string, V>).has(key);
  }

  set(key: string, value: V): this {
    (this.shards[shardOf(key)] as Map<string, V>).set(key, value);
    return this;
  }

  delete(key: string): boolean {
    return (this.shards[shardOf(key)] as Map<string, V>).delete(key);
  }

  clear(): void {
    for (const shard of this.shards) shard.clear();
  }
}

/**
 * A `WeakMap` split over `SHARDS` weak maps in the same shares, by a text of each key
 * (`keyText`: an id the key carries). A `WeakMap` grows as a `Map` does, moving every entry in one
 * `set`: the state endpoints' texts of 100k offers kept in one took a warming turn to 15-24 ms when
 * it doubled from ~87k entries (31.6 ms at ~175k, a micro-benchmark). The `get` and `set` the
 * state endpoints use.
 *
 * @example
 *   const texts = new ShardedWeakMap<Task, string>((task) => task.taskId);
 *   texts.set(task, '{...}'); texts.get(task); // '{...}'
 */
export class ShardedWeakMap<K extends object, V> {
  private readonly shards: WeakMap<K, V>[] = Array.from({ length: SHARDS }, () => new WeakMap<K, V>());

  /** `keyText(key)` picks a key's shard: it must give the same text for a key every time. */
  constructor(private readonly keyText: (key: K) => string) {}

  private shard(key: K): WeakMap<K, V> {
    return this.shards[shardOf(this.keyText(key))] as WeakMap<K, V>;
  }

  get(key: K): V | undefined {
    return this.shard(key).get(key);
  }

  set(key: K, value: V): this {
    this.shard(key).set(key, value);
    return this;
  }
}
