/** Operations on set items kept sorted (by UTF-16 code units) and without duplicates. */

/** Sorts and de-duplicates items. */
export function normalizeItems(items: readonly string[]): string[] {
  return [...new Set(items)].sort(compareItems);
}

/** The union of two normalized item lists. */
export function unionItems(left: readonly string[], right: readonly string[]): string[] {
  return normalizeItems([...left, ...right]);
}

/** The items of `left` that are not in `right`. */
export function subtractItems(left: readonly string[], right: readonly string[]): string[] {
  const removed = new Set(right);
  return left.filter((item) => !removed.has(item));
}

/** Whether every item of `inner` is in `outer`. */
export function itemsContain(outer: readonly string[], inner: readonly string[]): boolean {
  if (inner.length > outer.length) {
    return false;
  }
  const present = new Set(outer);
  return inner.every((item) => present.has(item));
}

/** Whether two normalized lists hold the same items. */
export function itemsEqual(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((item, index) => item === right[index]);
}

function compareItems(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
