/**
 * A record schema (an object as a map of names to values) that keeps every own key of its
 * input, `__proto__` included. zod's `z.record` builds its result by assigning each key, and
 * assigning `__proto__` sets the result's prototype instead: the entry vanished without an error
 * (a weight for the role `__proto__` was acknowledged, logged to the registry, and gone after a
 * restart; a quota's `__proto__` limit was dropped at once). `__proto__` is a valid Mesos role
 * and resource name, so it is kept, not refused.
 */
import { z } from 'zod';
import { boundedText, MAX_QUOTED_INPUT_CHARS } from './plain';

/**
 * Like `z.record(key, value)`, but its result holds `__proto__` as an own entry (a null-prototype
 * object; `Object.entries` and `for...in` see every key). An issue names the key it is about.
 * @example ownRecord(z.string().min(1), z.number().positive()).parse(JSON.parse('{"__proto__": 3}')) // { __proto__: 3 }, own
 */
export function ownRecord<K extends z.ZodType<string>, V extends z.ZodType>(key: K, value: V): z.ZodType<Record<string, z.output<V>>> {
  return z.unknown().transform((input, context) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      context.addIssue({ code: 'custom', message: 'must be an object' });
      return z.NEVER;
    }
    const out = Object.create(null) as Record<string, z.output<V>>;
    for (const [name, entry] of Object.entries(input)) {
      const keyParsed = key.safeParse(name);
      if (!keyParsed.success) {
        context.addIssue({ code: 'custom', message: `key '${boundedText(name, MAX_QUOTED_INPUT_CHARS)}': ${keyParsed.error.issues[0]?.message ?? 'invalid'}`, path: [name] });
        continue;
      }
      const valueParsed = value.safeParse(entry);
      if (!valueParsed.success) {
        for (const issue of valueParsed.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: [name, ...issue.path] });
        continue;
      }
      // On a null-prototype object no `__proto__` setter is inherited: assigning it makes an own entry.
      out[name] = valueParsed.data;
    }
    return out;
  });
}
