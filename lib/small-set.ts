/**
 * A set that holds its first element in a field and makes a `Set` only for a second one.
 *
 * For sets that nearly always hold zero or one element and are read on a hot path across many
 * records: the master's outstanding offers of each agent (one per agent per allocation cycle). A
 * `LazySet` there is three objects to reach an element (the wrapper, the `Set`, its table), each
 * a cache miss at 100k agents; this is one.
 *
 * Insertion order is kept: the field holds the oldest element, since it is filled only when the
 * set is empty. Iteration walks a copy, so the set may change during it.
 */
export class SmallSet<T> implements Iterable<T> {
  private first: T | undefined = undefined;
  private hasFirst = false;
  /** Every element but `first`, in insertion order; made at the first second element. */
  private rest: Set<T> | undefined = undefined;

  get size(): number {
    return (this.hasFirst ? 1 : 0) + (this.rest === undefined ? 0 : this.rest.size);
  }

  has(value: T): boolean {
    if (this.hasFirst && Object.is(this.first, value)) return true;
    return this.rest !== undefined && this.rest.has(value);
  }

  /** Adds `value` (nothing if present); true if it was added. */
  add(value: T): boolean {
    if (this.has(value)) return false;
    if (!this.hasFirst && (this.rest === undefined || this.rest.size === 0)) {
      this.first = value;
      this.hasFirst = true;
    } else {
      (this.rest ??= new Set()).add(value);
    }
    return true;
  }

  /** Removes `value`; true if it was there. */
  delete(value: T): boolean {
    if (this.hasFirst && Object.is(this.first, value)) {
      this.first = undefined;
      this.hasFirst = false;
      return true;
    }
    if (this.rest === undefined || !this.rest.delete(value)) return false;
    // Emptied: its table goes too.
    if (this.rest.size === 0) this.rest = undefined;
    return true;
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
