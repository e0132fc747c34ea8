/**
 * A check of a message body that allocates nothing and copies nothing, compiled once from the
 * body's zod schema. zod's parse returns a fresh copy of every object and array it accepts (so
 * that unknown keys can be stripped); on the master's busiest paths, offers reaching frameworks
 * and status updates, those copies were half the bytes allocated (issue 13's profiles).
 *
 * The fast check answers one question: would the zod schema accept `body` *and* return a value
 * equal to it? When it says yes, the body itself is the result. When it says no, the body is
 * either invalid, or valid but not returned as is (an unknown key zod would strip), and the caller
 * runs zod, which says which (and names the bad field). So the fast check decides nothing on its
 * own: it is a shortcut past a copy, and `spec/lib/protocol/fast-check.spec.ts` checks that
 * "yes" implies zod's success with an equal value over random bodies.
 *
 * Arrays and objects are taken as msgpack decodes them: arrays dense with indices only, objects
 * with string keys, enumerable, holding values (a local sender's array with holes or extra
 * properties, or object with symbol or hidden keys or getters, is its own business: zod would
 * copy it without them, or refuse a record's symbol key).
 *
 * It also stands for the plain-data walk (plain.ts): every value it accepts is a string, a finite
 * number, a boolean, undefined, or an array or plain object whose every key it checked; values
 * typed `unknown` (a passthrough object's extra keys) are checked as `plainDataError` checks them,
 * recursively (the depth bound keeps the recursion short) and without allocating.
 *
 * It is generated code, as zod's own parsers are: one function per object, array and record
 * schema, the fields' checks written out inline (closures per field cost as much as zod's copy).
 * Schemas using a construct it does not know (transforms, defaults, lazy schemas, unions of
 * objects, ...) compile to `undefined`, and their messages take zod's path alone.
 *
 * A schema marked with `rememberFrozen` (an offer's resource list) has its accepted values
 * remembered when they are deeply frozen and seen a second time: such a value cannot change, so
 * later bodies holding the same one do not walk it again. An agent's resources are one frozen list (`Resources.toFrozenJSON`) shared by
 * every offer of them, run after run; walking each list was most of checking a ResourceOffers
 * body (issue 13).
 *
 * @example
 *   const check = compileFastCheck(TaskStatusSchema);
 *   if (check !== undefined && check(body)) return body as TaskStatus; // else: zod decides
 */
import { types } from 'node:util';
import type { z } from 'zod';
import { MAX_BODY_DEPTH } from './plain';

/** True when zod would accept `value` and return it unchanged; false means "ask zod". */
export type FastCheck = (value: unknown) => boolean;

/** zod 4's definition of a schema, as far as this file reads it. */
interface Definition {
  readonly type: string;
  /** Set on zod 4's ready-made format schemas (`z.int()`, `z.uuid()`, `z.email()`...), which carry their check on themselves. */
  readonly check?: string;
  readonly checks?: ReadonlyArray<{ readonly _zod: { readonly def: CheckDefinition } }>;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly catchall?: z.ZodType;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly keyType?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly entries?: Readonly<Record<string, unknown>>;
  readonly values?: readonly unknown[];
}

interface CheckDefinition {
  readonly check: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly length?: number;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly format?: string;
  readonly pattern?: RegExp;
}

/** Not something this compiler knows; the schema's messages take zod's path. */
class Unsupported extends Error {}

/**
 * The fast check for `schema`, or undefined when the schema uses a construct the compiler does
 * not know (then only zod can say what it returns).
 */
export function compileFastCheck(schema: z.ZodType): FastCheck | undefined {
  const generator = new Generator();
  let root: string;
  try {
    root = generator.expression(schema, 'value', '0');
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  return generator.build(root);
}

/** Schemas marked by `rememberFrozen`. */
const remembering = new WeakSet<z.ZodType>();

/**
 * Marks `schema` (an array or object schema) as one whose values are often a single deeply
 * frozen value shared by many bodies: from the second time its fast check accepts such a value,
 * it remembers it (and the depth it was found at), and accepts it again without walking it.
 * Returns `schema`. Mark before any schema holding it is compiled.
 *
 * @example const OfferResourceListSchema = rememberFrozen(resourceListSchema()); // an offer's list only
 */
export function rememberFrozen<T extends z.ZodType>(schema: T): T {
  remembering.add(schema);
  return schema;
}

/** What generated code calls, passed in by name. */
/** What a `rememberFrozen` check's memory holds for a frozen value seen once: below every depth, so it accepts nothing. */
const NOT_YET_VERIFIED = -1;

const RUNTIME = { isOrdinaryObject, isPlainData, isDeepFrozen, hasOwn: Object.prototype.hasOwnProperty, MAX_BODY_DEPTH, NOT_YET_VERIFIED };

/** Writes the source of one fast check: an expression for the body and the functions it calls. */
class Generator {
  /** Source of each function generated so far. */
  private readonly functions: string[] = [];
  /** Values the code refers to (patterns), as `k[i]`. */
  private readonly constants: unknown[] = [];
  /** The function already generated for an object, array or record schema. */
  private readonly named = new Map<z.ZodType, string>();

  build(root: string): FastCheck {
    const source = `"use strict";\n${this.functions.join('\n')}\nreturn function fastCheck(value) { return ${root}; };`;
    const factory = new Function('runtime', 'k', `const { ${Object.keys(RUNTIME).join(', ')} } = runtime;\n${source}`) as
      (runtime: typeof RUNTIME, constants: unknown[]) => FastCheck;
    return factory(RUNTIME, this.constants);
  }

  /** A boolean expression: does `variable` (a name, found `depth` levels down) pass `schema` as is? */
  expression(schema: z.ZodType, variable: string, depth: string): string {
    return `(${this.bareExpression(schema, variable, depth)})`;
  }

  private bareExpression(schema: z.ZodType, variable: string, depth: string): string {
    const definition = definitionOf(schema);
    if (definition.check !== undefined) throw new Unsupported(`${definition.type} format ${definition.check}`);
    switch (definition.type) {
      case 'string': return this.stringExpression(definition, variable);
      case 'number': return numberExpression(definition, variable);
      case 'boolean': return withoutChecks(definition, `typeof ${variable} === "boolean"`);
      case 'enum': return valuesExpression(definition, Object.values(definition.entries ?? {}), variable);
      case 'literal': return valuesExpression(definition, definition.values ?? [], variable);
      case 'unknown': return withoutChecks(definition, `isPlainData(${variable}, ${depth})`);
      case 'optional': return `(${variable} === undefined || ${this.expression(definition.innerType as z.ZodType, variable, depth)})`;
      case 'union': return this.unionExpression(definition, variable, depth);
      case 'array':
      case 'object':
      case 'record':
        return `${this.functionFor(schema, definition)}(${variable}, ${depth})`;
      default: throw new Unsupported(definition.type);
    }
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return `k[${this.constants.length - 1}]`;
  }

  private functionFor(schema: z.ZodType, definition: Definition): string {
    const known = this.named.get(schema);
    if (known !== undefined) return known;
    const name = `check${this.named.size}`;
    this.named.set(schema, name);
    const body = definition.type === 'array' ? this.arrayBody(definition) : definition.type === 'object' ? this.objectBody(definition) : this.recordBody(definition);
    if (!remembering.has(schema)) {
      this.functions.push(`function ${name}(v, d) {\n${body}\n}`);
      return name;
    }
    // The memory holds, by value, the depth it was accepted at once found deeply frozen (accepted
    // at depth d is accepted at any depth up to d: every depth check is `d >= bound`), or
    // NOT_YET_VERIFIED for a frozen value seen once. `isDeepFrozen` looks at every property's
    // descriptor, so it waits for a second sighting: an offer made of an agent's changed
    // resources brings a new list that is never seen again, and verifying each of those cost
    // five times the check itself (100k offers: 180–600 ms against 35–60 ms).
    const memory = this.constant(new WeakMap<object, number>());
    this.functions.push(`function ${name}Walk(v, d) {\n${body}\n}`);
    this.functions.push([
      `function ${name}(v, d) {`,
      `  const seen = ${memory}.get(v);`,
      '  if (seen !== undefined && d <= seen) return true;',
      `  if (!${name}Walk(v, d)) return false;`,
      `  if (seen === undefined) { if (Object.isFrozen(v)) ${memory}.set(v, NOT_YET_VERIFIED); }`,
      `  else if (isDeepFrozen(v, d)) ${memory}.set(v, d);`,
      '  return true;',
      '}',
    ].join('\n'));
    return name;
  }

  private stringExpression(definition: Definition, variable: string): string {
    const { min, max, pattern } = lengthBounds(definition);
    const parts = [`typeof ${variable} === "string"`, ...boundsOf(variable, min, max)];
    if (pattern !== undefined) {
      // A global or sticky pattern keeps state between tests; zod's behaviour with one is its own.
      if (pattern.global || pattern.sticky) throw new Unsupported('stateful pattern');
      parts.push(`${this.constant(pattern)}.test(${variable})`);
    }
    return `(${parts.join(' && ')})`;
  }

  private arrayBody(definition: Definition): string {
    const { min, max } = lengthBounds(definition);
    const element = this.expression(definition.element as z.ZodType, 'e', 'd + 1');
    return [
      `  if (!Array.isArray(v) || d >= MAX_BODY_DEPTH${boundsOf('v', min, max).map((bound) => ` || !(${bound})`).join('')}) return false;`,
      '  for (let i = 0; i < v.length; i++) {',
      '    const e = v[i];',
      `    if (!(${element})) return false;`,
      '  }',
      '  return true;',
    ].join('\n');
  }

  /**
   * Each field read once and checked inline (a field set only on a polluted prototype: "ask
   * zod", which would copy it); then the own keys counted: more than the fields present means
   * keys zod would strip (no catchall: "ask zod") or keep (a passthrough: each must be plain data).
   */
  private objectBody(definition: Definition): string {
    assertNoChecks(definition);
    const catchall = definition.catchall === undefined ? undefined : definitionOf(definition.catchall).type;
    if (catchall !== undefined && catchall !== 'unknown') throw new Unsupported(`object catchall ${catchall}`);
    const shape = definition.shape ?? {};
    const keys = Object.keys(shape);
    const lines = ['  if (!isOrdinaryObject(v) || d >= MAX_BODY_DEPTH) return false;', '  let n = 0;'];
    keys.forEach((key, index) => {
      const variable = `f${index}`;
      lines.push(`  const ${variable} = v[${JSON.stringify(key)}];`);
      // zod wants a required `unknown` field present (its value may be undefined), not merely undefined.
      const required = definitionOf(shape[key] as z.ZodType).type === 'unknown' ? ' else return false;' : ` else if (${variable} !== undefined) return false;`;
      lines.push(`  if (hasOwn.call(v, ${JSON.stringify(key)})) n++;${required}`);
      lines.push(`  if (!(${this.expression(shape[key] as z.ZodType, variable, 'd + 1')})) return false;`);
    });
    if (catchall !== 'unknown') {
      // Counted by for…in, which allocates nothing (Object.keys makes an array per object);
      // an enumerable key on a polluted prototype only makes the count larger: "ask zod".
      lines.push('  let keys = 0;', '  for (const key in v) keys++;', '  return keys === n;');
      return lines.join('\n');
    }
    // A passthrough: the extra keys must be the object's own, and plain data.
    lines.push('  for (const key in v) {', '    switch (key) {');
    for (const key of keys) lines.push(`      case ${JSON.stringify(key)}:`);
    if (keys.length > 0) lines.push('        continue;');
    lines.push('    }');
    lines.push('    if (key === "__proto__" || !hasOwn.call(v, key) || !isPlainData(v[key], d + 1)) return false;', '  }', '  return true;');
    return lines.join('\n');
  }

  private recordBody(definition: Definition): string {
    assertNoChecks(definition);
    if (definitionOf(definition.keyType as z.ZodType).type !== 'string') throw new Unsupported('record keys not strings');
    const key = this.expression(definition.keyType as z.ZodType, 'key', 'd + 1');
    const entry = this.expression(definition.valueType as z.ZodType, 'e', 'd + 1');
    return [
      '  if (!isOrdinaryObject(v) || d >= MAX_BODY_DEPTH) return false;',
      '  for (const key in v) {',
      '    if (!hasOwn.call(v, key) || key === "__proto__") return false;',
      '    const e = v[key];',
      `    if (!(${key}) || !(${entry})) return false;`,
      '  }',
      '  return true;',
    ].join('\n');
  }

  /**
   * A union of primitive types only: zod returns the first option that accepts the value, and for
   * primitives every accepting option returns the value itself. (With objects among the options,
   * an earlier option could accept a copy, keys stripped, where a later one accepts it as is.)
   */
  private unionExpression(definition: Definition, variable: string, depth: string): string {
    assertNoChecks(definition);
    const options = (definition.options ?? []).map((option) => {
      if (!['string', 'number', 'boolean', 'enum', 'literal'].includes(definitionOf(option).type)) throw new Unsupported('union of non-primitive options');
      return this.expression(option, variable, depth);
    });
    return options.length === 0 ? 'false' : `(${options.join(' || ')})`;
  }
}

function definitionOf(schema: z.ZodType): Definition {
  return (schema as unknown as { _zod: { def: Definition } })._zod.def;
}

/** Refuses a schema with refinements this compiler does not model (on a type that has none it models). */
function assertNoChecks(definition: Definition): void {
  if (definition.checks !== undefined && definition.checks.length > 0) throw new Unsupported(`${definition.type} with checks`);
}

/** `expression`, for a schema without checks. */
function withoutChecks(definition: Definition, expression: string): string {
  assertNoChecks(definition);
  return expression;
}

/** `length` bounds as expressions (none for the trivial ones). */
function boundsOf(variable: string, min: number, max: number): string[] {
  const bounds: string[] = [];
  if (min > 0) bounds.push(`${variable}.length >= ${min}`);
  if (max !== Infinity) bounds.push(`${variable}.length <= ${max}`);
  return bounds;
}

/** Length bounds (and a pattern, for a string) from a string's or an array's checks. */
function lengthBounds(definition: Definition): { min: number; max: number; pattern?: RegExp } {
  let min = 0;
  let max = Infinity;
  let pattern: RegExp | undefined;
  for (const { _zod: { def } } of definition.checks ?? []) {
    if (def.check === 'min_length') min = Math.max(min, finite(def.minimum));
    else if (def.check === 'max_length') max = Math.min(max, finite(def.maximum));
    else if (def.check === 'length_equals') { min = Math.max(min, finite(def.length)); max = Math.min(max, finite(def.length)); }
    else if (def.check === 'string_format' && def.format === 'regex' && pattern === undefined && definition.type === 'string') pattern = def.pattern;
    else throw new Unsupported(`${definition.type} check ${def.check}`);
  }
  return pattern === undefined ? { min, max } : { min, max, pattern };
}

/** A bound written into generated code: a finite number, or the schema is not compiled. */
function finite(value: number | undefined): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Unsupported(`bound ${String(value)}`);
  return value;
}

function numberExpression(definition: Definition, variable: string): string {
  const parts = [`typeof ${variable} === "number"`, `Number.isFinite(${variable})`];
  for (const { _zod: { def } } of definition.checks ?? []) {
    if (def.check === 'number_format' && def.format === 'safeint') parts.push(`Number.isSafeInteger(${variable})`);
    else if (def.check === 'greater_than') parts.push(`${variable} ${def.inclusive === true ? '>=' : '>'} ${finite(def.value)}`);
    else if (def.check === 'less_than') parts.push(`${variable} ${def.inclusive === true ? '<=' : '<'} ${finite(def.value)}`);
    else throw new Unsupported(`number check ${def.check}`);
  }
  return `(${parts.join(' && ')})`;
}

/** An enum or a literal: one of `values`, each a string, a finite number or a boolean. */
function valuesExpression(definition: Definition, values: readonly unknown[], variable: string): string {
  const literals = values.map((value) => {
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return JSON.stringify(value);
    throw new Unsupported(`literal ${typeof value}`);
  });
  return withoutChecks(definition, literals.length === 0 ? 'false' : `(${literals.map((literal) => `${variable} === ${literal}`).join(' || ')})`);
}

/**
 * An object as msgpack decodes it or an object literal builds it. (zod returns a schema'd object
 * with a null prototype as an ordinary one, so that one is for zod to copy.)
 */
function isOrdinaryObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** A plain object, as plain.ts takes it: an ordinary one, or one with a null prototype. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Whether `value` and every array and object in it are frozen plain data (down to the depth
 * bound): then what the fast check found of it holds for good. Frozen alone is not enough: an
 * element could still change; a frozen property with a getter can answer differently next
 * time; a proxy can be revoked. Run once per value remembered (at its second sighting), so it
 * may look at descriptors.
 */
function isDeepFrozen(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (types.isProxy(value) || !Object.isFrozen(value) || depth >= MAX_BODY_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      if (!isFrozenData(value, index, depth)) return false;
    }
    return true;
  }
  for (const key in value) {
    if (!isFrozenData(value, key, depth)) return false;
  }
  return true;
}

/** `holder[key]` is an own data property (no getter) whose value is deeply frozen (`isDeepFrozen`). */
function isFrozenData(holder: object, key: string | number, depth: number): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(holder, key);
  return descriptor !== undefined && !('get' in descriptor) && isDeepFrozen(descriptor.value, depth + 1);
}

/** Whether `value`, found `depth` levels into its body, is plain data as `plainDataError` judges it (with the same depth bound), recursively and without its stacks (the bound keeps the recursion short). */
function isPlainData(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'string':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (value === null) return true;
      if (depth >= MAX_BODY_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          if (!isPlainData(value[index], depth + 1)) return false;
        }
        return true;
      }
      if (!isPlainObject(value)) return false;
      for (const key in value) {
        if (hasOwn.call(value, key) && !isPlainData(value[key], depth + 1)) return false;
      }
      return true;
    default:
      return false;
  }
}
