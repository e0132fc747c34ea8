/**
 * Agent attribute values as Mesos reads them (`Attributes::parse`, src/common/attributes.cpp,
 * through `values::parse`, src/common/values.cpp): spaces removed, then
 * - `[1-10,20-30]` is RANGES, kept as its text, sorted and merged as Mesos prints them in
 *   `/state` (`[5-6,1-3]` → `[1-3, 5-6]`); a string attribute that starts with `[` is always
 *   ranges, as no text value can;
 * - a non-negative decimal number (`3`, `0.5`, `1e3`) is SCALAR, kept as a number;
 * - anything else is TEXT, a negative number too (`-5`, as Mesos: "Negative values not supported"
 *   as a scalar, so text), and `inf` or `nan`.
 * A set (`{a,b}`), `[` or `{` anywhere but first, mismatched brackets and a subnormal number are
 * refused: Mesos' agent exits on them (`LOG(FATAL)`).
 */
import { normalizeRanges, rangesContain } from './resources/ranges';
import { rangeError } from './resources/validate';
import type { Range } from './resources/types';

/** One value of an agent's attributes: TEXT or RANGES (text), or SCALAR (a number). */
export type AttributeValue = string | number;

/** What boost's `lexical_cast<double>` reads as a number: an optional sign, digits with an optional point, an optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** One range of a ranges value. */
const RANGE = /^(\d+)-(\d+)$/;

/** The least normal double: Mesos refuses a subnormal scalar ("Subnormal values not supported"). */
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * The value `text` stands for, or an Error naming why Mesos would refuse it.
 * @example parseAttributeValue('3') // 3
 * @example parseAttributeValue('-5') // '-5'
 * @example parseAttributeValue('[5-6,1-3]') // '[1-3, 5-6]'
 * @example parseAttributeValue('New York') // 'NewYork' (Mesos removes every space)
 */
export function parseAttributeValue(text: string): AttributeValue {
  const value = text.trim().replace(/ /g, '');
  if (value === '') throw new Error('empty value');
  if (!bracketsMatch(value)) throw new Error('mismatched brackets');
  if (value.startsWith('[')) return formatRanges(parseRanges(value));
  if (value.includes('[')) throw new Error("a '[' that does not open ranges (e.g. [1-10])");
  if (value.startsWith('{')) throw new Error('a set, which an attribute cannot be (text, a number or ranges)');
  if (value.includes('{')) throw new Error("a '{' inside text");
  if (!DECIMAL.test(value)) return value;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) return value;
  if (number !== 0 && number < MIN_NORMAL) throw new Error(`'${value}' is a subnormal number`);
  return number === 0 ? 0 : number;
}

/**
 * The ranges of a RANGES attribute value (a string starting with `[`), or undefined for any other
 * (a value from the wire that does not parse is shown as text).
 */
export function attributeRanges(value: AttributeValue): Range[] | undefined {
  if (typeof value !== 'string' || !value.startsWith('[')) return undefined;
  try {
    return parseRanges(value.replace(/ /g, ''));
  } catch {
    return undefined;
  }
}

/**
 * Whether an agent that had attribute value `before` may have `now` under
 * `--reconfiguration_policy=additive` (Mesos' `compatibility::additive`): ranges may grow (the
 * old ones within the new), scalars and text must stay as they were.
 */
export function attributeIncludes(now: AttributeValue, before: AttributeValue): boolean {
  if (now === before) return true;
  const nowRanges = attributeRanges(now);
  const beforeRanges = attributeRanges(before);
  return nowRanges !== undefined && beforeRanges !== undefined && rangesContain(nowRanges, beforeRanges);
}

/** `[1-10,20-30]` (no spaces) as sorted, merged ranges; each range `begin-end` of non-negative integers with begin ≤ end. */
function parseRanges(value: string): Range[] {
  if (!value.endsWith(']') || value.indexOf('[', 1) >= 0 || value.indexOf(']') !== value.length - 1) throw new Error('ranges are one [...] (e.g. [1-10,20-30])');
  const inner = value.slice(1, -1);
  if (inner === '') return [];
  return normalizeRanges(inner.split(',').map((part) => {
    const match = RANGE.exec(part);
    if (match === null) throw new Error(`range '${part}' is not begin-end (e.g. [1-10,20-30])`);
    const range = { begin: Number(match[1]), end: Number(match[2]) };
    const invalid = rangeError(range);
    if (invalid !== undefined) throw new Error(invalid);
    return range;
  }));
}

/** As Mesos prints ranges (`operator<<` of `Value::Ranges`): `[1-3, 5-6]`. */
function formatRanges(ranges: readonly Range[]): string {
  return `[${ranges.map((range) => `${range.begin}-${range.end}`).join(', ')}]`;
}

/** Whether each of `()`, `[]` and `{}` in `text` is balanced (Mesos' `strings::checkBracketsMatching`, pair by pair). */
function bracketsMatch(text: string): boolean {
  return ['()', '[]', '{}'].every(([open, close]) => {
    let depth = 0;
    for (const character of text) {
      if (character === open) depth++;
      if (character === close && --depth < 0) return false;
    }
    return depth === 0;
  });
}
