/**
 * The agent text syntax: `name(role):value;...`, e.g.
 * `cpus(analytics):2;mem:1024.5;ports:[31000-32000];disks:{a,b}`.
 * An omitted role means the default role (normally `*`); formatting omits `(*)`.
 */
import { rangesEntry, scalarEntry, setEntry } from './entry';
import { ResourceParseError } from './errors';
import { normalizeRanges } from './ranges';
import { roundScalar } from './scalar';
import { formatReservation } from './reservation';
import { formatVolume } from './volume';
import { itemError, nameError, rangeError, reservationRoleError, scalarError, scalarPrecisionError } from './validate';
import { MAX_RANGE_VALUE, MAX_SCALAR_VALUE, UNRESERVED_ROLE, type Range, type Resource, type ResourceJSON } from './types';

/** A decimal number, optionally with an exponent (no sign, no `Infinity`, no hex). */
const DECIMAL_NUMBER = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** One range inside `[...]`. */
const RANGE_TEXT = /^(\d+)\s*-\s*(\d+)$/;

/**
 * Parses the text syntax into entries (not yet merged). Throws `ResourceParseError`
 * naming the bad part, e.g. `invalid resource 'mem:abc': value 'abc' is not a number`.
 */
export function parseResourcesText(text: string, defaultRole: string): Resource[] {
  const entries: Resource[] = [];
  const typeByName = new Map<string, Resource['type']>();
  for (const part of text.split(';')) {
    const token = part.trim();
    if (token.length === 0) {
      continue;
    }
    const entry = parseToken(token, defaultRole);
    const earlierType = typeByName.get(entry.name);
    if (earlierType !== undefined && earlierType !== entry.type) {
      throw invalid(token, `'${entry.name}' is both ${earlierType} and ${entry.type}`);
    }
    typeByName.set(entry.name, entry.type);
    entries.push(entry);
  }
  return entries;
}

/**
 * The text of a JSON resource list when it says the list exactly, else undefined: every entry an
 * unreserved (`role: "*"`) scalar or ranges with only those fields, in the canonical form
 * `Resources.toJSON` makes (names unique and valid, scalars positive and rounded, ranges sorted,
 * apart and in bounds), so that `Resources.parse(text).toJSON()` is `list` again field for
 * field. One pass, no parsing: what the registry writes for each agent (an agent's declared
 * resources are such a list; reserved, shared or disk resources stay JSON).
 * @example plainResourcesText(Resources.parse('cpus:8;ports:[31000-32000]').toJSON()) // 'cpus:8;ports:[31000-32000]'
 */
export function plainResourcesText(list: readonly ResourceJSON[]): string | undefined {
  let text = '';
  const names = new Set<string>();
  for (const entry of list) {
    if (entry.role !== UNRESERVED_ROLE || nameError(entry.name) !== undefined || names.has(entry.name)) return undefined;
    names.add(entry.name);
    let value: string | undefined;
    let fields = 0;
    for (const key in entry) if (Object.prototype.hasOwnProperty.call(entry, key)) fields++;
    if (fields !== 4) return undefined;
    if (entry.type === 'SCALAR') value = plainScalarText(entry.scalar);
    else if (entry.type === 'RANGES') value = plainRangesText(entry.ranges);
    if (value === undefined) return undefined;
    text += `${text.length === 0 ? '' : ';'}${entry.name}:${value}`;
  }
  return text;
}

function plainScalarText(scalar: ResourceJSON['scalar']): string | undefined {
  if (typeof scalar !== 'object' || scalar === null || Object.keys(scalar).length !== 1) return undefined;
  const value = scalar.value;
  if (typeof value !== 'number' || !(value > 0) || value > MAX_SCALAR_VALUE || roundScalar(value) !== value) return undefined;
  return String(value);
}

function plainRangesText(ranges: ResourceJSON['ranges']): string | undefined {
  if (typeof ranges !== 'object' || ranges === null || Object.keys(ranges).length !== 1 || !Array.isArray(ranges.range) || ranges.range.length === 0) return undefined;
  let text = '';
  let previousEnd = -2;
  for (const range of ranges.range) {
    if (typeof range !== 'object' || range === null || Object.keys(range).length !== 2) return undefined;
    const { begin, end } = range;
    // Apart: a range touching the one before it would be merged with it.
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin || end > MAX_RANGE_VALUE || begin <= previousEnd + 1) return undefined;
    text += `${text.length === 0 ? '' : ','}${begin}-${end}`;
    previousEnd = end;
  }
  return `[${text}]`;
}

/** One entry in the text syntax (empty entries are never stored, so never formatted). */
export function formatResource(entry: Resource): string {
  const role = entry.role === UNRESERVED_ROLE ? '' : entry.reservation === undefined ? `(${entry.role})` : `(${entry.role}, ${formatReservation(entry.reservation)})`;
  return `${entry.name}${role}${entry.volume === undefined ? '' : formatVolume(entry.volume)}:${formatValue(entry)}`;
}

function formatValue(entry: Resource): string {
  switch (entry.type) {
    case 'SCALAR':
      return String(entry.value);
    case 'RANGES':
      return `[${entry.ranges.map((range) => `${range.begin}-${range.end}`).join(',')}]`;
    case 'SET':
      return `{${entry.items.join(',')}}`;
  }
}

function parseToken(token: string, defaultRole: string): Resource {
  const colon = token.indexOf(':');
  if (colon < 0) {
    throw invalid(token, "missing ':' between name and value");
  }
  const { name, role } = parseHead(token, token.slice(0, colon).trim(), defaultRole);
  const valueText = token.slice(colon + 1).trim();
  if (valueText.startsWith('[')) {
    return rangesEntry(name, role, parseRanges(token, valueText));
  }
  if (valueText.startsWith('{')) {
    return setEntry(name, role, parseSet(token, valueText));
  }
  return scalarEntry(name, role, parseScalar(token, valueText));
}

function parseHead(token: string, head: string, defaultRole: string): { name: string; role: string } {
  const open = head.indexOf('(');
  const close = head.indexOf(')');
  if (open < 0 && close < 0) {
    return { name: checked(token, head, nameError(head)), role: defaultRole };
  }
  if (open < 0 || close !== head.length - 1 || head.indexOf('(', open + 1) >= 0) {
    throw invalid(token, "unbalanced '(' or ')' around the role");
  }
  const name = head.slice(0, open).trim();
  const role = head.slice(open + 1, close).trim();
  return {
    name: checked(token, name, nameError(name)),
    role: checked(token, role, reservationRoleError(role)),
  };
}

function parseScalar(token: string, text: string): number {
  if (text.length === 0) {
    throw invalid(token, 'missing value');
  }
  if (/[\]}]/.test(text)) {
    throw invalid(token, `unbalanced '${text.includes(']') ? ']' : '}'}'`);
  }
  const negative = text.startsWith('-') && DECIMAL_NUMBER.test(text.slice(1));
  if (!negative && !DECIMAL_NUMBER.test(text.replace(/^\+/, ''))) {
    const reason = /^[+-]?(inf|infinity)$/i.test(text) ? 'is not finite' : 'is not a number';
    throw invalid(token, `value '${text}' ${reason}`);
  }
  const value = Number(text);
  return roundScalar(checked(token, value, scalarError(value, text) ?? scalarPrecisionError(value, text)));
}

function parseRanges(token: string, text: string): Range[] {
  if (!text.endsWith(']') || text.indexOf('[', 1) >= 0 || text.indexOf(']') !== text.length - 1) {
    throw invalid(token, "unbalanced '[' or ']'");
  }
  const inner = text.slice(1, -1).trim();
  if (inner.length === 0) {
    return [];
  }
  const ranges = inner.split(',').map((part) => parseRange(token, part.trim()));
  return normalizeRanges(ranges);
}

function parseRange(token: string, text: string): Range {
  const match = RANGE_TEXT.exec(text);
  if (match === null) {
    throw invalid(token, `range '${text}' is not of the form begin-end`);
  }
  const range = { begin: Number(match[1]), end: Number(match[2]) };
  return checked(token, range, rangeError(range));
}

function parseSet(token: string, text: string): string[] {
  if (!text.endsWith('}') || text.indexOf('{', 1) >= 0 || text.indexOf('}') !== text.length - 1) {
    throw invalid(token, "unbalanced '{' or '}'");
  }
  const inner = text.slice(1, -1).trim();
  if (inner.length === 0) {
    return [];
  }
  const items = inner.split(',').map((part) => part.trim());
  const seen = new Set<string>();
  for (const item of items) {
    checked(token, item, itemError(item));
    if (seen.has(item)) {
      throw invalid(token, `set item '${item}' appears twice`);
    }
    seen.add(item);
  }
  return [...seen].sort();
}

function checked<T>(token: string, value: T, error: string | undefined): T {
  if (error !== undefined) {
    throw invalid(token, error);
  }
  return value;
}

function invalid(token: string, reason: string): ResourceParseError {
  return new ResourceParseError(`invalid resource '${token}': ${reason}`);
}
