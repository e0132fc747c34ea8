/** Entries after the first kept in a flat array (key, value, key, value…) before a `Map` is made for them. */
const TIER_ENTRIES = 4;

/** Slots an entry takes in the tier array: its key and its value. */
const SLOTS_PER_ENTRY = 2;

/**
 * A `Map` that holds its first entry in fields and the next few in a small array, and makes a
 * `Map` only past `TIER_ENTRIES` more.
 *
 * For maps that nearly always hold zero or one entry and live as long as something short-lived:
 * the task maps of a command executor's run on an agent (one task per run, five maps, one run
 * per task). Five `Map`s were ~900 bytes allocated per task, and their tables shrank again
 * (a new, smaller table) as the task left each of them; these are five small objects. An executor's
 * unacknowledged updates are three at a time: a `Map` for the two after the first was ~190 bytes,
 * an array of four slots is ~40.
 *
 * It implements the `Map` interface, so a field typed `Map<K, V>` can hold one, with the same
 * results, `size` and insertion order; the array or `Map` for the rest goes again once it is emptied.
 * Unlike a `Map`, iteration walks a copy of the entries made when it starts: entries set or
 * deleted during an iteration do not change what it visits.
 */
export class SmallMap<K, V> implements Map<K, V> {
  private firstKey: K | undefined = undefined;
  private firstValue: V | undefined = undefined;
  private hasFirst = false;
  /**
   * Every entry but the first, in insertion order: up to `TIER_ENTRIES` as key, value pairs in an
   * array exactly as long as they need (it is replaced, not grown, at each new entry), then a `Map`.
   * Made at the first second entry; it goes again (undefined) once emptied.
   */
  private rest: Array<K | V> | Map<K, V> | undefined = undefined;

  get size(): number {
    const rest = this.rest;
    const held = rest === undefined ? 0 : rest instanceof Map ? rest.size : rest.length / SLOTS_PER_ENTRY;
    return (this.hasFirst ? 1 : 0) + held;
  }

  get(key: K): V | undefined {
    if (this.hasFirst && sameKey(this.firstKey, key)) return this.firstValue;
    const rest = this.rest;
    if (rest === undefined) return undefined;
    if (rest instanceof Map) return rest.get(key);
    const at = tierIndex(rest, key);
    return at < 0 ? undefined : (rest[at + 1] as V);
  }

  has(key: K): boolean {
    if (this.hasFirst && sameKey(this.firstKey, key)) return true;
    const rest = this.rest;
    if (rest === undefined) return false;
    return rest instanceof Map ? rest.has(key) : tierIndex(rest, key) >= 0;
  }

  /** Sets `key` (in place when present, keeping its position; last otherwise). */
  set(key: K, value: V): this {
    const rest = this.rest;
    if (this.hasFirst && sameKey(this.firstKey, key)) {
      this.firstValue = value;
    } else if (!this.hasFirst && rest === undefined) {
      // The fields take an entry only when nothing else is held, so they always hold the oldest.
      this.firstKey = key;
      this.firstValue = value;
      this.hasFirst = true;
    } else if (rest instanceof Map) {
      rest.set(key, value);
    } else if (rest === undefined) {
      this.rest = [key, value];
    } else {
      const at = tierIndex(rest, key);
      if (at >= 0) rest[at + 1] = value;
      else if (rest.length < TIER_ENTRIES * SLOTS_PER_ENTRY) this.rest = appended(rest, key, value);
      else this.rest = tierMap<K, V>(rest).set(key, value);
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
    const rest = this.rest;
    if (rest === undefined) return false;
    if (rest instanceof Map) {
      if (!rest.delete(key)) return false;
      // Emptied after a burst: its table goes too.
      if (rest.size === 0) this.rest = undefined;
      return true;
    }
    const at = tierIndex(rest, key);
    if (at < 0) return false;
    if (rest.length === SLOTS_PER_ENTRY) {
      this.rest = undefined;
    } else {
      // Later entries move up a place, keeping their order; the array is only shortened.
      rest.copyWithin(at, at + SLOTS_PER_ENTRY);
      rest.length -= SLOTS_PER_ENTRY;
    }
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

  /**
   * The first value, in insertion order, for which `test(value, arg)` holds, or undefined. Makes no
   * copy and no iterator while the entries after the first are in the tier array (`values()`
   * makes both on every call): for a lookup made several times a task, pass a function that
   * closes over nothing and what it compares with as `arg`.
   */
  findValue<A>(test: (value: V, arg: A) => boolean, arg: A): V | undefined {
    if (this.hasFirst && test(this.firstValue as V, arg)) return this.firstValue;
    const rest = this.rest;
    if (rest instanceof Map) {
      for (const value of rest.values()) if (test(value, arg)) return value;
    } else if (rest !== undefined) {
      for (let at = 1; at < rest.length; at += SLOTS_PER_ENTRY) if (test(rest[at] as V, arg)) return rest[at] as V;
    }
    return undefined;
  }

  // With one entry at most (nearly always), keys() and values() make no tuple.
  keys(): MapIterator<K> {
    const keys: K[] = this.hasFirst ? [this.firstKey as K] : [];
    const rest = this.rest;
    if (rest instanceof Map) for (const key of rest.keys()) keys.push(key);
    else if (rest !== undefined) for (let at = 0; at < rest.length; at += SLOTS_PER_ENTRY) keys.push(rest[at] as K);
    return keys.values();
  }

  values(): MapIterator<V> {
    const values: V[] = this.hasFirst ? [this.firstValue as V] : [];
    const rest = this.rest;
    if (rest instanceof Map) for (const value of rest.values()) values.push(value);
    else if (rest !== undefined) for (let at = 1; at < rest.length; at += SLOTS_PER_ENTRY) values.push(rest[at] as V);
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
    const rest = this.rest;
    if (rest instanceof Map) for (const entry of rest) entries.push(entry);
    else if (rest !== undefined) {
      for (let at = 0; at < rest.length; at += SLOTS_PER_ENTRY) entries.push([rest[at] as K, rest[at + 1] as V]);
    }
    return entries;
  }
}

/** Where `key` is in a tier array (the index of its key slot), or -1. */
function tierIndex<K, V>(tier: Array<K | V>, key: K): number {
  for (let at = 0; at < tier.length; at += SLOTS_PER_ENTRY) if (sameKey(tier[at], key)) return at;
  return -1;
}

/** A tier array one entry longer, made at its exact length (a pushed array would take spare slots). */
function appended<K, V>(tier: Array<K | V>, key: K, value: V): Array<K | V> {
  const grown = new Array<K | V>(tier.length + SLOTS_PER_ENTRY);
  for (let at = 0; at < tier.length; at++) grown[at] = tier[at] as K | V;
  grown[tier.length] = key;
  grown[tier.length + 1] = value;
  return grown;
}

/** A full tier's entries in a `Map`, in their order. */
function tierMap<K, V>(tier: Array<K | V>): Map<K, V> {
  const map = new Map<K, V>();
  for (let at = 0; at < tier.length; at += SLOTS_PER_ENTRY) map.set(tier[at] as K, tier[at + 1] as V);
  return map;
}

/** Keys compare as a `Map`'s do, and elements as a `Set`'s (SameValueZero: NaN is NaN, +0 is -0). */
export function sameKey(one: unknown, other: unknown): boolean {
  return one === other || (one !== one && other !== other);
}
