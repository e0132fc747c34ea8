import { isDeepStrictEqual as deepEqual, inspect } from 'node:util';
import { expect } from 'chai';
import { z } from 'zod';
import { MESSAGE_SCHEMAS } from '../../../lib/protocol/messages';
import { compileFastCheck, rememberFrozen } from '../../../lib/protocol/fast-check';
import { MAX_BODY_DEPTH, plainDataError } from '../../../lib/protocol/plain';
import { Prng } from '../../../lib/process/prng';
import { deepFreeze } from '../../../lib/deep-freeze';

/** The zod 4 definition fields the generator reads (as fast-check.ts does). */
interface Definition {
  type: string;
  checks?: Array<{ _zod: { def: { check: string; minimum?: number; maximum?: number; length?: number; format?: string; value?: number; inclusive?: boolean } } }>;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, unknown>;
  values?: unknown[];
}

function definitionOf(schema: z.ZodType): Definition {
  return (schema as unknown as { _zod: { def: Definition } })._zod.def;
}

const SEED = 1302;
const BODIES_PER_MESSAGE = 300;

/** A valid value of `schema` (strings short, arrays of 0–3, optional fields present or not). */
function validValue(schema: z.ZodType, prng: Prng): unknown {
  const definition = definitionOf(schema);
  const checks = (definition.checks ?? []).map((check) => check._zod.def);
  switch (definition.type) {
    case 'string': {
      if (checks.some((check) => check.format === 'regex')) return Array.from({ length: 64 }, () => '0123456789abcdef'[prng.nextInt(16)]).join('');
      const min = Math.max(0, ...checks.filter((check) => check.check === 'min_length').map((check) => check.minimum as number));
      return 'abcdefgh'.slice(0, min + prng.nextInt(4));
    }
    case 'number': {
      const integer = checks.some((check) => check.format === 'safeint');
      const low = Math.max(0, ...checks.filter((check) => check.check === 'greater_than').map((check) => (check.value as number) + (check.inclusive === true ? 0 : 1)));
      return integer ? low + prng.nextInt(100) : low + prng.next() * 10;
    }
    case 'boolean': return prng.nextInt(2) === 0;
    case 'enum': { const values = Object.values(definition.entries ?? {}); return values[prng.nextInt(values.length)]; }
    case 'literal': return (definition.values ?? [])[0];
    case 'unknown': return { nested: [prng.nextInt(10), 'x'] };
    case 'optional': {
      const roll = prng.nextInt(4);
      return roll === 0 ? undefined : validValue(definition.innerType as z.ZodType, prng);
    }
    case 'union': { const options = definition.options ?? []; return validValue(options[prng.nextInt(options.length)] as z.ZodType, prng); }
    case 'array': {
      const max = Math.min(3, ...checks.filter((check) => check.check === 'max_length').map((check) => check.maximum as number));
      return Array.from({ length: prng.nextInt(max + 1) }, () => validValue(definition.element as z.ZodType, prng));
    }
    case 'record': {
      const record: Record<string, unknown> = {};
      for (let index = prng.nextInt(3); index > 0; index--) record[`k${prng.nextInt(9)}`] = validValue(definition.valueType as z.ZodType, prng);
      return record;
    }
    case 'object': {
      const object: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(definition.shape ?? {})) {
        const value = validValue(field, prng);
        // An optional field: absent, or (now and then) present as undefined.
        if (value !== undefined || prng.nextInt(3) === 0) object[key] = value;
      }
      if (definition.catchall !== undefined && prng.nextInt(2) === 0) object.scalar = { value: prng.nextInt(8) };
      return object;
    }
    default: throw new Error(`the spec's generator does not know ${definition.type}`);
  }
}

/** Replacements for one value, some plain and some not (what a hostile msgpack peer can send). */
function oddValue(prng: Prng): unknown {
  const choices: Array<() => unknown> = [
    () => undefined, () => null, () => NaN, () => Infinity, () => -1, () => 0.5, () => 2 ** 60, () => '', () => 'x'.repeat(5_000),
    () => true, () => [], () => [1], () => ({}), () => ({ scalar: 1 }), () => 2n ** 64n, () => new Date(0), () => new Map(),
    () => Buffer.from('x'), () => Object.create(null) as unknown, () => Object.create({ inherited: 1 }) as unknown,
    () => 'TASK_RUNNING', () => 'SCALAR', () => '0'.repeat(64), () => { let deep: unknown = 1; for (let level = 0; level < MAX_BODY_DEPTH + 2; level++) deep = [deep]; return deep; },
  ];
  return (choices[prng.nextInt(choices.length)] as () => unknown)();
}

/** Every array and plain object in `value`. */
function containers(value: unknown, found: Array<Record<string, unknown> | unknown[]> = []): Array<Record<string, unknown> | unknown[]> {
  if (typeof value !== 'object' || value === null) return found;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return found;
  found.push(value as Record<string, unknown>);
  for (const child of Object.values(value)) containers(child, found);
  return found;
}

/** `body` changed in one place (now and then two): a value replaced, a key removed, or a key added. */
function mutated(body: unknown, prng: Prng): unknown {
  const copy = structuredClone(body);
  for (let change = prng.nextInt(4) === 0 ? 2 : 1; change > 0; change--) {
    const places = containers(copy);
    if (places.length === 0) return oddValue(prng);
    const chosen = places[prng.nextInt(places.length)] as Record<string, unknown> | unknown[];
    if (Array.isArray(chosen)) {
      // Arrays as a peer's msgpack can carry them: dense, indices only.
      const roll = prng.nextInt(3);
      if (roll === 0 && chosen.length > 0) chosen[prng.nextInt(chosen.length)] = oddValue(prng);
      else if (roll === 1) chosen.pop();
      else chosen.push(oddValue(prng));
      continue;
    }
    const place = chosen;
    const keys = Object.keys(place);
    const roll = prng.nextInt(3);
    if (roll === 0 && keys.length > 0) place[keys[prng.nextInt(keys.length)] as string] = oddValue(prng);
    else if (roll === 1 && keys.length > 0) delete place[keys[prng.nextInt(keys.length)] as string];
    else place[['extra', '__proto__', 'constructor', 'value', 'id', '0'][prng.nextInt(6)] as string] = oddValue(prng);
  }
  return copy;
}

describe('lib/protocol/fast-check', () => {
  it('compiles every message schema (none falls back to zod alone)', () => {
    const uncompiled = [...MESSAGE_SCHEMAS].filter(([, schema]) => compileFastCheck(schema) === undefined).map(([name]) => name);
    expect(uncompiled).to.deep.equal([]);
    expect(MESSAGE_SCHEMAS.size).to.be.greaterThan(40);
  });

  it(`says yes only where zod accepts the body and returns it unchanged, and takes valid bodies as they are (seed ${SEED}, ${BODIES_PER_MESSAGE} bodies per message)`, () => {
    const prng = new Prng(SEED);
    let accepted = 0;
    let mutatedAccepted = 0;
    let rejected = 0;
    for (const [name, schema] of MESSAGE_SCHEMAS) {
      const check = compileFastCheck(schema) as (body: unknown) => boolean;
      for (let index = 0; index < BODIES_PER_MESSAGE; index++) {
        const valid = validValue(schema, prng);
        const body = index % 3 === 0 ? valid : mutated(valid, prng);
        const fast = check(body);
        if (plainDataError(body) !== undefined) {
          // Not plain data: the validator refuses it before zod sees it (zod may throw on some).
          expect(fast, `${name} (seed ${SEED}, body ${index}): took what is not plain data`).to.equal(false);
          rejected++;
          continue;
        }
        const parsed = schema.safeParse(body);
        if (body === valid) {
          // What the generator builds zod accepts; the fast check takes it as is.
          expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues[0])}`).to.equal(true);
          expect(fast, `${name} (seed ${SEED}, body ${index}) valid body refused`).to.equal(true);
        }
        if (fast) {
          expect(parsed.success, `${name} (seed ${SEED}, body ${index}): fast check took what zod refuses`).to.equal(true);
          if (!deepEqual(parsed.data, body)) expect.fail(`${name} (seed ${SEED}, body ${index}): zod returns something else: ${inspect(parsed.data)} for ${inspect(body)}`);
          accepted++;
          if (body !== valid) mutatedAccepted++;
        } else {
          rejected++;
        }
      }
    }
    // The property is not vacuous: both answers happen, also for changed bodies.
    expect(accepted).to.be.greaterThan(MESSAGE_SCHEMAS.size * BODIES_PER_MESSAGE / 3);
    expect(mutatedAccepted).to.be.greaterThan(100);
    expect(rejected).to.be.greaterThan(1_000);
  });

  it('leaves to zod the schemas it does not model (found by review): format schemas that carry their own check, and knows a required unknown field must be present', () => {
    expect(compileFastCheck(z.int())).to.equal(undefined);
    expect(compileFastCheck(z.uuid())).to.equal(undefined);
    expect(compileFastCheck(z.object({ id: z.email() }))).to.equal(undefined);
    expect(compileFastCheck(z.object({ count: z.int().optional() }))).to.equal(undefined);
    const unknownField = z.object({ a: z.string(), b: z.unknown() });
    const check = compileFastCheck(unknownField) as (body: unknown) => boolean;
    expect(unknownField.safeParse({ a: 'x' }).success).to.equal(false);
    expect(check({ a: 'x' })).to.equal(false);
    expect(check({ a: 'x', b: { any: ['plain'] } })).to.equal(true);
    expect(unknownField.safeParse({ a: 'x', b: undefined }).success).to.equal(true);
    expect(check({ a: 'x', b: undefined })).to.equal(true);
  });

  it('refuses what only zod can judge: keys zod strips, fields read through a prototype, nesting past the bound', () => {
    const schema = MESSAGE_SCHEMAS.get('Ping') as z.ZodType;
    const check = compileFastCheck(schema) as (body: unknown) => boolean;
    expect(check({ connected: true })).to.equal(true);
    expect(check({ connected: true, extra: 1 })).to.equal(false);
    expect(check(Object.create({ connected: true }) as unknown)).to.equal(false);
    expect(check({ connected: 1 })).to.equal(false);
    const agent = MESSAGE_SCHEMAS.get('RegisterAgent') as z.ZodType;
    const agentCheck = compileFastCheck(agent) as (body: unknown) => boolean;
    const resource = (extra: unknown): unknown => ({ agent: { hostname: 'h', port: 1, resources: [{ name: 'cpus', type: 'SCALAR', scalar: extra }] }, version: '1' });
    expect(agentCheck(resource({ value: 1 }))).to.equal(true);
    expect(agentCheck(resource({ value: 2n }))).to.equal(false);
    let deep: unknown = 1;
    for (let level = 0; level < MAX_BODY_DEPTH; level++) deep = [deep];
    expect(agentCheck(resource(deep))).to.equal(false);
    expect(plainDataError(resource(deep))).to.match(/nested deeper/);
  });

  it('walks a deeply frozen value of a rememberFrozen schema twice (the second verifies it), then no more; remembers nothing that can still change or was found less deep', () => {
    const list = rememberFrozen(z.array(z.object({ name: z.string() }).passthrough()));
    const check = compileFastCheck(z.object({ list, nested: z.object({ inner: z.object({ list }) }).optional() })) as (body: unknown) => boolean;
    // The walk of a list asks Array.isArray of it; counted, it says how often the list was walked.
    const walksOf = (target: unknown, run: () => void): number => {
      const isArray = Array.isArray;
      let walks = 0;
      Array.isArray = ((value: unknown): value is unknown[] => {
        if (value === target) walks++;
        return isArray(value);
      }) as typeof Array.isArray;
      try {
        run();
      } finally {
        Array.isArray = isArray;
      }
      return walks;
    };
    const frozen = deepFreeze([{ name: 'cpus', scalar: { value: 1 } }]);
    expect(walksOf(frozen, () => expect(check({ list: frozen })).to.equal(true))).to.be.greaterThan(0);
    expect(walksOf(frozen, () => expect(check({ list: frozen })).to.equal(true))).to.be.greaterThan(0);
    expect(walksOf(frozen, () => expect(check({ list: frozen })).to.equal(true))).to.equal(0);
    // Found deeper than before: walked again (a bound could be passed there), then remembered at that depth.
    const deeper = { list: frozen, nested: { inner: { list: frozen } } };
    expect(walksOf(frozen, () => expect(check(deeper)).to.equal(true))).to.be.greaterThan(0);
    expect(walksOf(frozen, () => expect(check(deeper)).to.equal(true))).to.equal(0);
    // Not frozen, or frozen only on top: walked again each time, so a change is seen.
    const open = [{ name: 'a' as unknown }];
    expect(check({ list: open })).to.equal(true);
    open[0].name = 5;
    expect(check({ list: open })).to.equal(false);
    const shallow = Object.freeze([{ name: 'a' as unknown }]);
    expect(check({ list: shallow })).to.equal(true);
    expect(check({ list: shallow })).to.equal(true);
    shallow[0].name = 5;
    expect(check({ list: shallow })).to.equal(false);
    // Frozen, but a getter (found by review): it may answer differently next time.
    let name: unknown = 'a';
    const gotten = Object.freeze([Object.freeze(Object.defineProperty({}, 'name', { enumerable: true, get: () => name }))]);
    expect(check({ list: gotten })).to.equal(true);
    expect(check({ list: gotten })).to.equal(true);
    name = 5;
    expect(check({ list: gotten })).to.equal(false);
    // Frozen behind a proxy that is then revoked (found by review): walked again, and the walk throws as zod would.
    const { proxy, revoke } = Proxy.revocable(deepFreeze([{ name: 'a' }]), {});
    expect(check({ list: proxy })).to.equal(true);
    expect(check({ list: proxy })).to.equal(true);
    revoke();
    expect(() => check({ list: proxy })).to.throw(TypeError);
    // Accepted one level down is not accepted three levels down, where its nesting passes the bound.
    let deep: unknown = 1;
    for (let level = 0; level < MAX_BODY_DEPTH - 3; level++) deep = [deep];
    const bounded = deepFreeze([{ name: 'a', extra: deep }]);
    expect(check({ list: bounded })).to.equal(true);
    expect(check({ list: bounded })).to.equal(true);
    expect(check({ list: bounded, nested: { inner: { list: bounded } } })).to.equal(false);
    expect(plainDataError({ list: bounded, nested: { inner: { list: bounded } } })).to.match(/nested deeper/);
  });
});
