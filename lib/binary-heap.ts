/**
 * Binary heap steps over a plain array: the element at index 0 is the one `first` puts before
 * every other. Used where a heap picks a few out of many (`/master/tasks`' page), without a class
 * around the array. (The virtual clock has its own, `lib/process/timer-heap.ts`, with its keys
 * in typed arrays.)
 */

/** Moves the element at `at` up until its parent comes first; after a push at the end. */
export function siftUp<T>(heap: T[], at: number, first: (a: T, b: T) => boolean): void {
  let child = at;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    const moving = heap[child] as T;
    if (!first(moving, heap[parent] as T)) return;
    // Swapped through a local, not `[a, b] = [b, a]`, which makes an array per swap.
    heap[child] = heap[parent] as T;
    heap[parent] = moving;
    child = parent;
  }
}

/** Moves the element at `at` down until it comes before its children; after replacing the top. */
export function siftDown<T>(heap: T[], at: number, first: (a: T, b: T) => boolean): void {
  let parent = at;
  for (;;) {
    const left = 2 * parent + 1;
    const right = left + 1;
    let top = parent;
    if (left < heap.length && first(heap[left] as T, heap[top] as T)) top = left;
    if (right < heap.length && first(heap[right] as T, heap[top] as T)) top = right;
    if (top === parent) return;
    const moving = heap[parent] as T;
    heap[parent] = heap[top] as T;
    heap[top] = moving;
    parent = top;
  }
}

/** Takes the top element out (the last takes its place and sinks); undefined when empty. */
export function popTop<T>(heap: T[], first: (a: T, b: T) => boolean): T | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0 && last !== undefined) {
    heap[0] = last;
    siftDown(heap, 0, first);
  }
  return top;
}
