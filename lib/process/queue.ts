/**
 * A FIFO ring buffer with O(1) push/shift/unshift, used for mailboxes and run queues. Its
 * capacity doubles when full and is kept when it empties, so a busy mailbox does not reallocate
 * on every burst (`Array.prototype.shift` is O(n), and a shrinking array reallocates).
 */
export class Queue<T> {
  private items: Array<T | undefined> = new Array(INITIAL_CAPACITY);
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) & (this.items.length - 1)] = item;
    this.size++;
  }

  /** Puts `item` at the front (libprocess' injected events, e.g. terminate). */
  unshift(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.head = (this.head - 1) & (this.items.length - 1);
    this.items[this.head] = item;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.size--;
    return item;
  }

  /** Removes and returns the first item that satisfies `test` (O(n); scripted replay only). */
  removeFirst(test: (item: T) => boolean): T | undefined {
    for (let i = 0; i < this.size; i++) {
      const index = (this.head + i) & (this.items.length - 1);
      const item = this.items[index] as T;
      if (!test(item)) continue;
      // Close the gap by moving the items after it one slot forward.
      for (let j = i; j < this.size - 1; j++) {
        this.items[(this.head + j) & (this.items.length - 1)] = this.items[(this.head + j + 1) & (this.items.length - 1)];
      }
      this.items[(this.head + this.size - 1) & (this.items.length - 1)] = undefined;
      this.size--;
      return item;
    }
    return undefined;
  }

  /** Calls `visit` on each item, front to back, without removing any. */
  forEach(visit: (item: T) => void): void {
    for (let i = 0; i < this.size; i++) visit(this.items[(this.head + i) & (this.items.length - 1)] as T);
  }

  /** Empties the queue and returns what it held, in order. */
  clear(): T[] {
    const rest: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) rest.push(item);
    if (this.items.length > SHRINK_ABOVE) this.items = new Array(INITIAL_CAPACITY);
    this.head = 0;
    return rest;
  }

  private grow(): void {
    const next: Array<T | undefined> = new Array(this.items.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = next;
    this.head = 0;
  }
}

// Capacities are powers of two so that indexes wrap with a mask. Small to start: every actor has
// a mailbox and most (100,000 simulated agents' executor APIs) never hold more than a few events
// at once (16 slots cost ~100 bytes more per actor); a busy one doubles a few times, once.
const INITIAL_CAPACITY = 4;
// `clear` (on terminate) gives back buffers bigger than this.
const SHRINK_ABOVE = 1024;
