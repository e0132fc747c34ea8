import { appended } from './exact-arrays';
import { sameKey } from './small-map';

/**
 * A set that holds its first element in a field and makes a `Set` only for a second one.
 *
 * For sets that nearly always hold zero or one element and are read on a hot path across many
 * records: the master's outstanding offers of each agent (one per agent per allocation cycle). A
 * `LazySet` there is three objects to reach an element (the wrapper, the `Set`, its table), each
 * a cache miss at 100k agents; this is one.
 *
 * Insertion order is kept: the field holds the oldest element, since it is filled only when the
 * set is empty. Iteration walks a copy, so the set may change during it. Elements compare as a
 * `Set`'s do (`sameKey`: NaN is NaN, +0 is -0).
 *
 * The rest is a short list up to `SMALL_SET_LIST_MAX` elements, a `Set` beyond: an agent's
 * linkers are the master and its one running executor, and a `Set` made for the executor's link
 * and dropped at its end was ~300 bytes a simulated task.
 */
export class SmallSet<T> implements Iterable<T> {
  private first: T | undefined = undefined;
  private hasFirst = false;
  /** Every element but `first`, in insertion order: a list while short, a `Set` past `SMALL_SET_LIST_MAX`; made at the first second element. */
  private rest: T[] | Set<T> | undefined = undefined;

  get size(): number {
    return (this.hasFirst ? 1 : 0) + this.restSize();
  }

  has(value: T): boolean {
    if (this.hasFirst && sameKey(this.first, value)) return true;
    const rest = this.rest;
    return rest !== undefined && (Array.isArray(rest) ? listIndex(rest, value) >= 0 : rest.has(value));
  }

  /** Adds `value` (nothing if present); true if it was added. */
  add(value: T): boolean {
    if (this.has(value)) return false;
    const rest = this.rest;
    if (!this.hasFirst && rest === undefined) {
      this.first = value;
      this.hasFirst = true;
    } else if (rest === undefined) {
      this.rest = [value];
    } else if (!Array.isArray(rest)) {
      rest.add(value);
    } else if (rest.length < SMALL_SET_LIST_MAX) {
      // A new list of exactly its length: a pushed-to one grows by 17 slots at its first push.
      this.rest = appended(rest, value);
    } else {
      const grown = new Set(rest);
      grown.add(value);
      this.rest = grown;
    }
    return true;
  }

  /** Removes `value`; true if it was there. */
  delete(value: T): boolean {
    if (this.hasFirst && sameKey(this.first, value)) {
      this.first = undefined;
      this.hasFirst = false;
      return true;
    }
    const rest = this.rest;
    if (rest === undefined) return false;
    if (Array.isArray(rest)) {
      const at = listIndex(rest, value);
      if (at < 0) return false;
      rest.splice(at, 1);
    } else if (!rest.delete(value)) {
      return false;
    }
    // Emptied: the list or table goes too.
    if (this.restSize() === 0) this.rest = undefined;
    return true;
  }

  private restSize(): number {
    const rest = this.rest;
    return rest === undefined ? 0 : Array.isArray(rest) ? rest.length : rest.size;
  }

  /** The elements in insertion order (a copy). */
  private toArray(): T[] {
    const elements: T[] = this.hasFirst ? [this.first as T] : [];
    if (this.rest !== undefined) for (const value of this.rest) elements.push(value);
    return elements;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }
}

/** Elements a `SmallSet` keeps beyond its first in a list (found by a scan) before it makes a `Set`. */
export const SMALL_SET_LIST_MAX = 8;

/** Where `value` is in `list` (compared as a `Set` does), or -1. */
function listIndex<T>(list: readonly T[], value: T): number {
  for (let index = 0; index < list.length; index++) if (sameKey(list[index], value)) return index;
  return -1;
}
