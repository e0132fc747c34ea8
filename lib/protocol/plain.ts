/**
 * Protocol bodies are JSON-shaped data. A peer's msgpack can carry more: 64-bit integers that
 * decode as BigInt, and extension types that decode as Date, Error, RegExp, Set, Map or typed
 * arrays, nested as deep as its frame allows. Where a schema takes any value (a field typed
 * `unknown`, a passthrough object), such a value would reach the books, and later fail or
 * overflow the stack where they are compared or written as JSON (wire fuzzer, seed 1: a BigInt
 * in a ReregisterAgent's resources made the master's handler throw). Every body is checked here
 * before its schema (`validator` in types.ts).
 */

/** Deepest nesting of arrays and objects in a body (the protocol's own are a dozen levels deep at most). */
export const MAX_BODY_DEPTH = 64;

/**
 * Why `value` is not plain data, or undefined when it is: only null, undefined, booleans,
 * finite numbers, strings, arrays and plain objects, nested at most `MAX_BODY_DEPTH` deep.
 * Walks with its own stack, so that no nesting overflows the call stack.
 *
 * @example
 *   plainDataError({ a: [1, 'x', null] })   // undefined
 *   plainDataError({ a: 2n ** 64n })        // 'a: a bigint is not plain data'
 */
export function plainDataError(value: unknown): string | undefined {
  // Values still to check sit on parallel stacks, so that checking one allocates nothing (this
  // runs on every remote body: a ResourceOffers of 1,000 offers has ~30,000 values); each
  // object or array opened gets a frame (its key and its parent's frame), from which a path is
  // spelled only for the error. The order of the checks is that of a depth-first walk taking
  // each container's children last to first.
  const values: unknown[] = [value];
  const keys: Array<string | number> = [''];
  const parents: number[] = [NO_FRAME];
  const depths: number[] = [0];
  const frameKeys: Array<string | number> = [];
  const frameParents: number[] = [];
  while (values.length > 0) {
    const node = values.pop();
    const key = keys.pop() as string | number;
    const parent = parents.pop() as number;
    const depth = depths.pop() as number;
    const error = leafError(node);
    if (error !== undefined) return `${pathOf(frameKeys, frameParents, parent, key)}: ${error}`;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= MAX_BODY_DEPTH) return `${pathOf(frameKeys, frameParents, parent, key)}: nested deeper than ${MAX_BODY_DEPTH} levels`;
    const frame = frameKeys.length;
    frameKeys.push(key);
    frameParents.push(parent);
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) {
        values.push(node[index]);
        keys.push(index);
        parents.push(frame);
        depths.push(depth + 1);
      }
    } else {
      // Own enumerable keys in Object.keys' order (leafError let through only plain objects,
      // whose prototype, Object.prototype or null, adds none to `for…in` unless polluted: hence the check).
      for (const childKey in node) {
        if (!hasOwn.call(node, childKey)) continue;
        values.push((node as Record<string, unknown>)[childKey]);
        keys.push(childKey);
        parents.push(frame);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

/** The parent frame of the body itself. */
const NO_FRAME = -1;

const hasOwn = Object.prototype.hasOwnProperty;

/** `a.b.0.c` for the value at `key` in the container of frame `parent`, `(body)` for the body itself. */
function pathOf(frameKeys: ReadonlyArray<string | number>, frameParents: readonly number[], parent: number, key: string | number): string {
  if (parent === NO_FRAME) return '(body)';
  const path: string[] = [String(key)];
  // Every frame but the body's (whose parent is NO_FRAME) names a step.
  for (let at = parent; frameParents[at] !== NO_FRAME; at = frameParents[at]) path.push(String(frameKeys[at]));
  return path.reverse().join('.');
}

/** Why one value (not its contents) is not plain data. */
function leafError(value: unknown): string | undefined {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'string':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${value} is not a finite number`;
    case 'object': {
      if (value === null || Array.isArray(value)) return undefined;
      const prototype: unknown = Object.getPrototypeOf(value);
      return prototype === Object.prototype || prototype === null ? undefined : `a ${(value as object).constructor?.name ?? 'non-plain object'} is not plain data`;
    }
    default:
      return `a ${typeof value} is not plain data`;
  }
}

/** Most characters of a caller's name or value an error message quotes back (`boundedText`). */
export const MAX_QUOTED_INPUT_CHARS = 64;

/**
 * `text`, cut to `limit` characters (with a mark saying how much more there was), so that a
 * peer's or a caller's input never grows what is sent back or logged.
 * @example boundedText('abcdef', 3) // 'abc… (3 more characters)'
 */
export function boundedText(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}

/** Whether a JSON value is an object (not an array, not null): the one check every reader of JSON files and znodes shares. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
