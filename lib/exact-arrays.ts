/**
 * Arrays grown to exactly their length. V8 grows an array that is pushed onto to room for
 * `1.5 × length + 16` elements: a list that holds one to three records for its whole life (a
 * task's statuses, an executor's completed tasks, a framework's completed executors on an agent
 * of a large cluster) keeps room for 17 (152 bytes) instead of the 24-40 its entries need: ~11 MB
 * of empty slots per such list at 100,000 tasks. These make a new array instead; the old one is
 * left as it was (whoever holds it sees no change).
 */

/**
 * The one empty list every "none yet" shares (a task's first statuses, a run's completed tasks, a
 * stream's pending updates...): frozen, since these lists are replaced, never written in place. A
 * list of its own was 32 bytes each, on the master and the agent, promoted at 100k agents.
 */
export const NO_ITEMS: readonly never[] = Object.freeze([]);

/**
 * The first `keep` entries of `list` followed by `items`, the oldest dropped past `max`, as a new
 * array of exactly its length.
 */
export function appendBounded<T>(list: readonly T[], items: readonly T[], max: number, keep: number = list.length): T[] {
  const total = keep + items.length;
  const start = Math.max(0, total - max);
  const kept = new Array<T>(total - start);
  let at = 0;
  for (let index = start; index < keep; index++) kept[at++] = list[index] as T;
  for (let index = Math.max(0, start - keep); index < items.length; index++) kept[at++] = items[index] as T;
  return kept;
}

/** `list` without its entry at `index`, as a new array of exactly its length (for short lists: it copies `list`). */
export function removedAt<T>(list: readonly T[], index: number): T[] {
  const kept = new Array<T>(list.length - 1);
  for (let from = 0, to = 0; from < list.length; from++) if (from !== index) kept[to++] = list[from] as T;
  return kept;
}

/** `list` with `item` appended, as a new array of exactly its length (for short lists: it copies `list`). */
export function appended<T>(list: readonly T[], item: T): T[] {
  return appendBounded(list, [item], Number.POSITIVE_INFINITY);
}
