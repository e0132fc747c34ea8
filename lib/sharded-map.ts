/**
 * A string-keyed map split over a fixed number of `Map`s, so that no single `set` pays for
 * rehashing all the entries. A `Map` grows by doubling and moves every entry in that one call: at
 * 100k agents, the state endpoints' map of agents to blocks doubling from 65,536 entries took one
 * warming turn of the first `/master/state` request to ~25 ms (the bound is 20). Split in
 * `SHARDS`, each doubling moves a sixteenth as much.
 */

/** How many maps the entries are spread over. */
export const SHARDS = 16;

/** Which shard `key` goes to: a cheap mix of its last characters (ids differ most at the end). */
function shardOf(key: string): number {
  const length = key.length;
  if (length === 0) return 0;
  const last = key.charCodeAt(length - 1);
  const before = length > 1 ? key.charCodeAt(length - 2) : 0;
  const third = length > 2 ? key.charCodeAt(length - 3) : 0;
  return (last + before * 7 + third * 31) & (SHARDS - 1);
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
