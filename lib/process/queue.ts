/**
 * A FIFO ring buffer with O(1) push and shift: a host's run queue, the master's rate limits'
 * waiting lists (an actor's mailbox is a `Mailbox`, lib/actor/mailbox.ts). Its capacity doubles
 * when full and is kept when it empties, so a busy queue does not reallocate on every burst
 * (`Array.prototype.shift` is O(n), and a shrinking array reallocates).
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

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.size--;
    return item;
  }

  private grow(): void {
    const next: Array<T | undefined> = new Array(this.items.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = next;
    this.head = 0;
  }
}

// Capacities are powers of two so that indexes wrap with a mask; small to start (a queue that
// gets busy doubles a few times, once).
const INITIAL_CAPACITY = 4;
