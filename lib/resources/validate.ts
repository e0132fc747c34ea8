/**
 * Checks shared by the text parser, the JSON parser and programmatic construction.
 * Each returns the reason a part is invalid, or undefined when it is valid.
 */
import { roleError } from './roles';
import { toUnits } from './scalar';
import { MAX_RANGE_VALUE, MAX_SCALAR_VALUE, type Range } from './types';

/** Characters of the text syntax, kept out of names and set items so text round-trips. */
const SYNTAX_CHARACTERS = /[\s()[\]{};:,]/;

/** Why `name` is not a valid resource name. */
export function nameError(name: string): string | undefined {
  if (name.length === 0) {
    return 'empty name';
  }
  if (SYNTAX_CHARACTERS.test(name)) {
    return `name '${name}' contains whitespace or one of ()[]{};:,`;
  }
  // A key of the JSON the state endpoints render resources as (`{"cpus": 2}`): as `__proto__` it
  // vanished from /master/state (the hostile-wire pass of 2026-12-05).
  if (name === '__proto__') return "name '__proto__' is reserved";
  return undefined;
}

/** Why `role` is not a valid reservation role. */
export function reservationRoleError(role: string): string | undefined {
  return roleError(role);
}

/** Why `value` is not a valid scalar (it must be finite, non-negative, not too large). */
export function scalarError(value: number, text: string = String(value)): string | undefined {
  if (Number.isNaN(value)) {
    return `value '${text}' is not a number`;
  }
  if (!Number.isFinite(value)) {
    return `value '${text}' is not finite`;
  }
  if (value < 0) {
    return `value '${text}' is negative`;
  }
  if (value > MAX_SCALAR_VALUE) {
    return `value '${text}' exceeds the maximum ${MAX_SCALAR_VALUE}`;
  }
  return undefined;
}

/**
 * Why a scalar an operator or a framework wrote is refused although finite and non-negative:
 * not 0, but 0 at the precision scalars are kept in (0.001), so it would vanish (`cpus:0.0004`).
 * Mesos' `Resources::validate` refuses it ("value <= 0") rather than dropping it.
 */
export function scalarPrecisionError(value: number, text: string = String(value)): string | undefined {
  return value !== 0 && toUnits(value) === 0 ? `value '${text}' is below the precision of 0.001 (it would be 0)` : undefined;
}

/** Why `range` is not a valid range of non-negative integers with begin ≤ end. */
export function rangeError(range: Range): string | undefined {
  const text = `${range.begin}-${range.end}`;
  for (const bound of [range.begin, range.end]) {
    if (!Number.isSafeInteger(bound) || bound < 0 || bound > MAX_RANGE_VALUE) {
      return `range '${text}' has a bound that is not a non-negative integer`;
    }
  }
  if (range.begin > range.end) {
    return `range '${text}' has begin > end`;
  }
  return undefined;
}

/** Why `item` is not a valid set item. */
export function itemError(item: string): string | undefined {
  if (item.length === 0) {
    return 'set has an empty item';
  }
  if (SYNTAX_CHARACTERS.test(item)) {
    return `set item '${item}' contains whitespace or one of ()[]{};:,`;
  }
  return undefined;
}
