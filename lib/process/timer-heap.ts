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
    const { ats, sequences, items } = this;
    const top = items[0];
    const last = --this.count;
    if (last > 0) {
      // The last item sinks from the root: each level moves the smallest child up into the hole.
      const at = ats[last] as number;
      const sequence = sequences[last] as number;
      const item = items[last];
      let hole = 0;
      for (;;) {
        const first = hole * ARITY + 1;
        if (first >= last) break;
        const end = Math.min(first + ARITY, last);
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
    items[last] = undefined; // let go of the popped slot's item
    return top;
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
