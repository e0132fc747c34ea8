/**
 * Deep freezing of plain data: what the runtime shares between holders that only read it (a
 * validating host's local message bodies, `Resources.toFrozenJSON`).
 */

/**
 * Freezes `value` and every array and plain object in it, and returns it. Other objects (typed
 * arrays, class instances) are left as they are: plain data carries none. An object already
 * frozen is taken as frozen through, since what this freezes it freezes deep. Past a depth of
 * `RECURSION_DEPTH` it walks with its own stack, so no nesting overflows the call stack.
 *
 * @example const shared = deepFreeze({ items: ['a'] }); shared.items.push('b'); // TypeError
 */
export function deepFreeze<T>(value: T): T {
  if (needsFreezing(value)) freezeFrom(value, 0);
  return value;
}

/**
 * Nesting walked by recursion before the walk goes on with its own stack: bodies are shallow
 * (a status update is 3 deep), and a stack array per message was most of what freezing allocated.
 */
const RECURSION_DEPTH = 64;

function freezeFrom(value: object, depth: number): void {
  if (depth >= RECURSION_DEPTH) return freezeWithStack(value);
  if (Array.isArray(value)) {
    Object.freeze(value);
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (needsFreezing(item)) freezeFrom(item, depth + 1);
    }
    return;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return;
  Object.freeze(value);
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (needsFreezing(item)) freezeFrom(item, depth + 1);
  }
}

/** The same walk with a stack of its own, for what is nested deeper than `RECURSION_DEPTH`. */
function freezeWithStack(value: object): void {
  const pending: object[] = [value];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (Array.isArray(next)) {
      Object.freeze(next);
      for (let index = 0; index < next.length; index++) {
        const item: unknown = next[index];
        if (needsFreezing(item)) pending.push(item);
      }
      continue;
    }
    const prototype: unknown = Object.getPrototypeOf(next);
    if (prototype !== Object.prototype && prototype !== null) continue;
    Object.freeze(next);
    for (const key in next) {
      const item = (next as Record<string, unknown>)[key];
      if (needsFreezing(item)) pending.push(item);
    }
  }
}

/**
 * An object not frozen yet. Checked before an item is stacked, not after: a message of a thousand
 * offers frozen when they were made (the master's) stacked them all only to find each done.
 */
function needsFreezing(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Object.isFrozen(value);
}
