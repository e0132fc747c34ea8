/**
 * Deep freezing of plain data: what the runtime shares between holders that only read it (a
 * validating host's local message bodies, `Resources.toFrozenJSON`).
 */

/**
 * Freezes `value` and every array and plain object in it, and returns it. Other objects (typed
 * arrays, class instances) are left as they are: plain data carries none. An object already
 * frozen is taken as frozen through, since what this freezes it freezes deep. Walks with its own
 * stack, so no nesting overflows the call stack.
 *
 * @example const shared = deepFreeze({ items: ['a'] }); shared.items.push('b'); // TypeError
 */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue;
    if (Array.isArray(next)) {
      Object.freeze(next);
      for (let index = 0; index < next.length; index++) pending.push(next[index]);
      continue;
    }
    const prototype: unknown = Object.getPrototypeOf(next);
    if (prototype !== Object.prototype && prototype !== null) continue;
    Object.freeze(next);
    for (const key in next) pending.push((next as Record<string, unknown>)[key]);
  }
  return value;
}
