/**
 * A `Map` that holds its first entry in fields and makes a `Map` only for a second one.
 *
 * For maps that nearly always hold zero or one entry and live as long as something short-lived:
 * the task maps of a command executor's run on an agent (one task per run, five maps, one run
 * per task). Five `Map`s were ~900 bytes allocated per task, and their tables shrank again
 * (a new, smaller table) as the task left each of them; these are five small objects.
 *
 * It implements the `Map` interface, so a field typed `Map<K, V>` can hold one, with the same
 * results, `size` and insertion order; the `Map` for the rest goes again once it is emptied.
 * Unlike a `Map`, iteration walks a copy of the entries made when it starts: entries set or
 * deleted during an iteration do not change what it visits.
 */
export class SmallMap<K, V> implements Map<K, V> {
  private firstKey: K | undefined = undefined;
  private firstValue: V | undefined = undefined;
  private hasFirst = false;
  /** Every entry but the first, in insertion order; made at the first second entry. */
  private rest: Map<K, V> | undefined = undefined;

  get size(): number {
    return (this.hasFirst ? 1 : 0) + (this.rest === undefined ? 0 : this.rest.size);
  }

  get(key: K): V | undefined {
    if (this.hasFirst && sameKey(this.firstKey, key)) return this.firstValue;
    return this.rest?.get(key);
  }

  has(key: K): boolean {
    if (this.hasFirst && sameKey(this.firstKey, key)) return true;
    return this.rest !== undefined && this.rest.has(key);
  }

  /** Sets `key` (in place when present, keeping its position; last otherwise). */
  set(key: K, value: V): this {
    if (this.hasFirst && sameKey(this.firstKey, key)) {
      this.firstValue = value;
    } else if (!this.hasFirst && (this.rest === undefined || this.rest.size === 0)) {
      // The fields take an entry only when nothing else is held, so they always hold the oldest.
      this.firstKey = key;
      this.firstValue = value;
      this.hasFirst = true;
    } else {
      (this.rest ??= new Map()).set(key, value);
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.hasFirst && sameKey(this.firstKey, key)) {
      this.firstKey = undefined;
      this.firstValue = undefined;
      this.hasFirst = false;
      return true;
    }
    if (this.rest === undefined || !this.rest.delete(key)) return false;
    // Emptied after a burst (an executor's STARTING and RUNNING both unacknowledged): its table goes too.
    if (this.rest.size === 0) this.rest = undefined;
    return true;
  }

  clear(): void {
    this.firstKey = undefined;
    this.firstValue = undefined;
    this.hasFirst = false;
    this.rest = undefined;
  }

  forEach(visit: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    if (this.rest === undefined) {
      if (this.hasFirst) visit.call(thisArg, this.firstValue as V, this.firstKey as K, this);
      return;
    }
    for (const [key, value] of this.toArray()) visit.call(thisArg, value, key, this);
  }

  // With one entry at most (nearly always), keys() and values() make no tuple.
  keys(): MapIterator<K> {
    const keys: K[] = this.hasFirst ? [this.firstKey as K] : [];
    if (this.rest !== undefined) for (const key of this.rest.keys()) keys.push(key);
    return keys.values();
  }

  values(): MapIterator<V> {
    const values: V[] = this.hasFirst ? [this.firstValue as V] : [];
    if (this.rest !== undefined) for (const value of this.rest.values()) values.push(value);
    return values.values();
  }

  entries(): MapIterator<[K, V]> {
    return this.toArray().values();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }

  /** The entries in insertion order (a copy). */
  private toArray(): Array<[K, V]> {
    const entries: Array<[K, V]> = this.hasFirst ? [[this.firstKey as K, this.firstValue as V]] : [];
    if (this.rest !== undefined) for (const entry of this.rest) entries.push(entry);
    return entries;
  }
}

/** Keys compare as a `Map`'s do, and elements as a `Set`'s (SameValueZero: NaN is NaN, +0 is -0). */
export function sameKey(one: unknown, other: unknown): boolean {
  return one === other || (one !== one && other !== other);
}
