/**
 * The virtual clock's timer queue: a 4-ary min-heap ordered by (due time, sequence), with the
 * two keys in typed arrays beside the items. A pop compares keys that sit next to each other in
 * memory instead of following a pointer to each timer object: at 10k agents the clock holds
 * ~30k timers scattered over the old generation, and the pointer-chasing pop was 9% of an idle
 * simulation's time. Four children per node halve the depth; their keys share a cache line.
 */

/** Slots allocated at first (doubled whenever full). */
const INITIAL_CAPACITY = 64;
/** Children per node. */
const ARITY = 4;

/**
 * Items kept in (at, sequence) order, the smallest first; ties on both keys keep no promised
 * order (the clock's sequences are unique).
 *
 * @example
 *   const heap = new TimerHeap<string>();
 *   heap.push(20, 0, 'later'); heap.push(10, 1, 'sooner');
 *   heap.pop(); // 'sooner'
 */
export class TimerHeap<T> {
  private ats = new Float64Array(INITIAL_CAPACITY);
  private sequences = new Float64Array(INITIAL_CAPACITY);
  private items: (T | undefined)[] = new Array<T | undefined>(INITIAL_CAPACITY).fill(undefined);
  private count = 0;

  /** Items held. */
  get size(): number {
    return this.count;
  }

  /** The first item (smallest keys), or undefined when empty. */
  peek(): T | undefined {
    return this.count > 0 ? this.items[0] : undefined;
  }

  /** The first item's due time (its `at`), or undefined when empty. */
  peekAt(): number | undefined {
    return this.count > 0 ? this.ats[0] : undefined;
  }

  /** Adds `item` due at `at`, ordered among equal times by `sequence`. */
  push(at: number, sequence: number, item: T): void {
    if (this.count === this.ats.length) this.grow();
    const { ats, sequences, items } = this;
    let hole = this.count++;
    while (hole > 0) {
      const parent = ((hole - 1) / ARITY) | 0;
      const parentAt = ats[parent] as number;
      if (parentAt < at || (parentAt === at && (sequences[parent] as number) <= sequence)) break;
      ats[hole] = parentAt;
      sequences[hole] = sequences[parent] as number;
      items[hole] = items[parent];
      hole = parent;
    }
    ats[hole] = at;
    sequences[hole] = sequence;
    items[hole] = item;
  }

  /** Takes the first item out; undefined when empty. */
  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const top = this.items[0];
    const last = --this.count;
    // The last item sinks from the root into the hole the first one left.
    if (last > 0) this.sink(0, this.ats[last] as number, this.sequences[last] as number, this.items[last]);
    this.items[last] = undefined; // let go of the popped slot's item
    return top;
  }

  /**
   * Drops every item `drop` says to, keeping the rest in order (O(n): the kept items are heaped
   * again bottom up); returns how many went. What a virtual clock does with the timers cancelled
   * before they came due, which would otherwise stay until then.
   */
  removeWhere(drop: (item: T) => boolean): number {
    const { ats, sequences, items } = this;
    let kept = 0;
    for (let index = 0; index < this.count; index++) {
      const item = items[index] as T;
      if (drop(item)) continue;
      ats[kept] = ats[index] as number;
      sequences[kept] = sequences[index] as number;
      items[kept++] = item;
    }
    const removed = this.count - kept;
    for (let index = kept; index < this.count; index++) items[index] = undefined;
    this.count = kept;
    for (let index = Math.floor((kept - 2) / ARITY); index >= 0; index--) {
      this.sink(index, ats[index] as number, sequences[index] as number, items[index]);
    }
    return removed;
  }

  /** Puts the item (`at`, `sequence`, `item`) at `hole` or below it: each level moves the smallest child up into the hole, among the first `count` slots. */
  private sink(hole: number, at: number, sequence: number, item: T | undefined): void {
    const { ats, sequences, items } = this;
    const count = this.count;
    for (;;) {
      const first = hole * ARITY + 1;
      if (first >= count) break;
      const end = Math.min(first + ARITY, count);
      let child = first;
      let childAt = ats[first] as number;
      let childSequence = sequences[first] as number;
      for (let other = first + 1; other < end; other++) {
        const otherAt = ats[other] as number;
        if (otherAt < childAt || (otherAt === childAt && (sequences[other] as number) < childSequence)) {
          child = other;
          childAt = otherAt;
          childSequence = sequences[other] as number;
        }
      }
      if (at < childAt || (at === childAt && sequence < childSequence)) break;
      ats[hole] = childAt;
      sequences[hole] = childSequence;
      items[hole] = items[child];
      hole = child;
    }
    ats[hole] = at;
    sequences[hole] = sequence;
    items[hole] = item;
  }

  /** The items in no particular order (for tests and diagnostics). */
  toArray(): T[] {
    return this.items.slice(0, this.count) as T[];
  }

  private grow(): void {
    const capacity = this.ats.length * 2;
    const ats = new Float64Array(capacity);
    ats.set(this.ats);
    const sequences = new Float64Array(capacity);
    sequences.set(this.sequences);
    this.ats = ats;
    this.sequences = sequences;
    for (let index = this.items.length; index < capacity; index++) this.items.push(undefined);
  }
}
