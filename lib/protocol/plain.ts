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
  // Each node keeps its key and parent; a path is spelled only for the error (this runs on every remote body).
  const pending: PendingNode[] = [{ value, key: '', parent: undefined, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const error = leafError(next.value);
    if (error !== undefined) return `${pathOf(next)}: ${error}`;
    const node = next.value;
    if (typeof node !== 'object' || node === null) continue;
    if (next.depth >= MAX_BODY_DEPTH) return `${pathOf(next)}: nested deeper than ${MAX_BODY_DEPTH} levels`;
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) pending.push({ value: node[index], key: String(index), parent: next, depth: next.depth + 1 });
    } else {
      for (const key of Object.keys(node)) pending.push({ value: (node as Record<string, unknown>)[key], key, parent: next, depth: next.depth + 1 });
    }
  }
  return undefined;
}

/** A value still to check, with the way to it. */
interface PendingNode {
  readonly value: unknown;
  readonly key: string;
  readonly parent: PendingNode | undefined;
  readonly depth: number;
}

/** `a.b.0.c` for a node, `(body)` for the body itself. */
function pathOf(node: PendingNode): string {
  const keys: string[] = [];
  for (let at: PendingNode | undefined = node; at?.parent !== undefined; at = at.parent) keys.push(at.key);
  return keys.length === 0 ? '(body)' : keys.reverse().join('.');
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

/**
 * `text`, cut to `limit` characters (with a mark saying how much more there was), so that a
 * peer's or a caller's input never grows what is sent back or logged.
 * @example boundedText('abcdef', 3) // 'abc… (3 more characters)'
 */
export function boundedText(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}
