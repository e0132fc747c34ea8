/**
 * Deep freezing of plain data: what the runtime shares between holders that only read it (a
 * validating host's local message bodies, `Resources.toFrozenJSON`).
 */

/**
 * Freezes `value` and every array and plain object in it, and returns it. Other objects (typed
 * arrays, class instances) are left as they are: plain data carries none. An object already
 * frozen is taken as frozen through, since what this freezes it freezes deep. It recurses to a
 * depth of `RECURSION_DEPTH` and stacks what lies deeper, so no nesting overflows the call stack.
 *
 * @example const shared = deepFreeze({ items: ['a'] }); shared.items.push('b'); // TypeError
 */
export function deepFreeze<T>(value: T): T {
  if (!needsFreezing(value)) return value;
  let deeper = freezeFrom(value, 0, undefined);
  while (deeper !== undefined && deeper.length > 0) {
    const next = deeper.pop()!;
    if (needsFreezing(next)) deeper = freezeFrom(next, 0, deeper);
  }
  return value;
}

/**
 * Nesting walked by recursion: bodies are shallow (a status update is 3 deep), and a stack array
 * per message was all that freezing allocated. What lies deeper is stacked and walked from
 * there, each with its own depth again, so no nesting overflows the call stack.
 */
const RECURSION_DEPTH = 64;

/** Freezes `value` and what it holds down to `RECURSION_DEPTH`; returns `deeper` with what lies below added (made when first needed). */
function freezeFrom(value: object, depth: number, deeper: object[] | undefined): object[] | undefined {
  if (Array.isArray(value)) {
    Object.freeze(value);
    for (let index = 0; index < value.length; index++) deeper = freezeChild(value[index], depth, deeper);
    return deeper;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return deeper;
  Object.freeze(value);
  for (const key in value) deeper = freezeChild((value as Record<string, unknown>)[key], depth, deeper);
  return deeper;
}

function freezeChild(item: unknown, depth: number, deeper: object[] | undefined): object[] | undefined {
  if (!needsFreezing(item)) return deeper;
  if (depth + 1 < RECURSION_DEPTH) return freezeFrom(item, depth + 1, deeper);
  (deeper ??= []).push(item);
  return deeper;
}

/**
 * An object not frozen yet. Checked before an item is walked, not after: a message of a thousand
 * offers frozen when they were made (the master's) stacked them all only to find each done.
 */
function needsFreezing(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Object.isFrozen(value);
}
