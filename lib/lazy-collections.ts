/**
 * `Map` and `Set` that allocate their hash table on first insertion.
 *
 * An empty `new Map()` costs V8 about 184 bytes (the map object and a table for four entries);
 * an empty `new Set()` about 152. An actor or a record that keeps a dozen collections most of
 * which stay empty (an agent with no framework, a master record of an agent with no task) pays
 * that a dozen times per instance: with 100,000 agents in one process that is hundreds of MB.
 * These wrappers cost one small object (about 24 bytes) until something is added, then behave
 * exactly as the `Map`/`Set` they wrap: same iteration order, same results, same `size`.
 *
 * They implement the `Map`/`Set` interfaces, so a field typed `Map<K, V>` can hold one. What
 * they are not is `instanceof Map`/`Set` (nothing that keeps one asks).
 */

/** A `Map` whose table is allocated on the first `set`. */
export class LazyMap<K, V> implements Map<K, V> {
  private inner: Map<K, V> | undefined;

  get size(): number {
    return this.inner === undefined ? 0 : this.inner.size;
  }

  get(key: K): V | undefined {
    return this.inner?.get(key);
  }

  has(key: K): boolean {
    return this.inner !== undefined && this.inner.has(key);
  }

  set(key: K, value: V): this {
    (this.inner ??= new Map()).set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.inner !== undefined && this.inner.delete(key);
  }

  /** Empties the map (as `Map.clear`: an iteration under way ends). */
  clear(): void {
    this.inner?.clear();
  }

  forEach(visit: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    this.inner?.forEach((value, key) => visit.call(thisArg, value, key, this));
  }

  keys(): MapIterator<K> {
    return (this.inner ?? EMPTY_MAP as Map<K, V>).keys();
  }

  values(): MapIterator<V> {
    return (this.inner ?? EMPTY_MAP as Map<K, V>).values();
  }

  entries(): MapIterator<[K, V]> {
    return (this.inner ?? EMPTY_MAP as Map<K, V>).entries();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }
}

/** A `Set` whose table is allocated on the first `add`. */
export class LazySet<T> implements Set<T> {
  private inner: Set<T> | undefined;

  get size(): number {
    return this.inner === undefined ? 0 : this.inner.size;
  }

  has(value: T): boolean {
    return this.inner !== undefined && this.inner.has(value);
  }

  add(value: T): this {
    (this.inner ??= new Set()).add(value);
    return this;
  }

  delete(value: T): boolean {
    return this.inner !== undefined && this.inner.delete(value);
  }

  /** Empties the set (as `Set.clear`: an iteration under way ends). */
  clear(): void {
    this.inner?.clear();
  }

  forEach(visit: (value: T, value2: T, set: Set<T>) => void, thisArg?: unknown): void {
    this.inner?.forEach((value) => visit.call(thisArg, value, value, this));
  }

  keys(): SetIterator<T> {
    return (this.inner ?? EMPTY_SET as Set<T>).keys();
  }

  values(): SetIterator<T> {
    return (this.inner ?? EMPTY_SET as Set<T>).values();
  }

  entries(): SetIterator<[T, T]> {
    return (this.inner ?? EMPTY_SET as Set<T>).entries();
  }

  [Symbol.iterator](): SetIterator<T> {
    return this.values();
  }

  get [Symbol.toStringTag](): string {
    return 'Set';
  }
}

/** Iterated in place of a lazy collection's absent table; never written. */
const EMPTY_MAP: ReadonlyMap<unknown, unknown> = new Map();
const EMPTY_SET: ReadonlySet<unknown> = new Set();
