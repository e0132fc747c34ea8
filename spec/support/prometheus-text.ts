/**
 * A strict parser of Prometheus text exposition format 0.0.4, for tests: it throws, naming the
 * line, on anything the format does not allow (prom-client has no parser of its own).
 *
 * Checked: metric and label name syntax; label values with only `\\`, `\"` and `\n` escapes;
 * sample values as Go's ParseFloat reads them (`NaN`, `+Inf`, `-Inf` or a number); an optional
 * integer timestamp; HELP and TYPE at most once per family and before its samples; TYPE one of
 * counter, gauge, histogram, summary, untyped; a family's samples contiguous; no series twice;
 * the text ends with a newline.
 */

/** One sample: its labels and value. */
export interface PrometheusSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One family: its TYPE, HELP (unescaped) and samples. */
export interface PrometheusFamily {
  type: string | undefined;
  help: string | undefined;
  readonly samples: PrometheusSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;

/** The families of `text` by name; throws `Error('line N: ...')` on a format error. */
export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the text does not end with a newline');
  const families = new Map<string, PrometheusFamily>();
  const seriesSeen = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) return comment(line, families, fail);
    const { name, labels, value } = sample(line, fail);
    const family = familyOf(name, families);
    if (current !== family.name) {
      if (closed.has(family.name)) fail(`samples of ${family.name} are not contiguous`);
      if (current !== undefined) closed.add(current);
      current = family.name;
    }
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seriesSeen.has(series)) fail('a series appears twice');
    seriesSeen.add(series);
    family.family.samples.push({ labels, value });
  });
  return families;
}

/** The family a sample named `name` belongs to (a histogram's or summary's `_sum`, `_count`, `_bucket` too). */
function familyOf(name: string, families: Map<string, PrometheusFamily>): { name: string; family: PrometheusFamily } {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
    const family = base === undefined ? undefined : families.get(base);
    if (base !== undefined && family !== undefined && (family.type === 'histogram' || family.type === 'summary')) return { name: base, family };
  }
  let family = families.get(name);
  if (family === undefined) families.set(name, (family = { type: undefined, help: undefined, samples: [] }));
  return { name, family };
}

function comment(line: string, families: Map<string, PrometheusFamily>, fail: (why: string) => never): void {
  const match = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
  if (match === null) return; // another comment
  const [, keyword, name = '', rest = ''] = match;
  if (!METRIC_NAME.test(name)) fail('bad metric name');
  let family = families.get(name);
  if (family === undefined) families.set(name, (family = { type: undefined, help: undefined, samples: [] }));
  if (family.samples.length > 0) fail(`${keyword} after samples`);
  if (keyword === 'TYPE') {
    if (family.type !== undefined) fail('TYPE twice');
    if (!TYPES.has(rest)) fail('unknown TYPE');
    family.type = rest;
    return;
  }
  if (family.help !== undefined) fail('HELP twice');
  family.help = unescape(rest, false, fail);
}

function sample(line: string, fail: (why: string) => never): { name: string; labels: Record<string, string>; value: number } {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (nameMatch === null) fail('bad metric name');
  const name = (nameMatch as RegExpExecArray)[0];
  let position = name.length;
  const labels: Record<string, string> = {};
  if (line[position] === '{') {
    position++;
    while (line[position] !== '}') {
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(position));
      if (labelMatch === null) fail('bad label');
      const label = (labelMatch as RegExpExecArray)[1] as string;
      if (!LABEL_NAME.test(label) || label in labels) fail(`bad or repeated label ${label}`);
      position += (labelMatch as RegExpExecArray)[0].length;
      let raw = '';
      for (;;) {
        const char = line[position];
        if (char === undefined) fail('unterminated label value');
        if (char === '"') break;
        if (char === '\\') {
          raw += char + (line[position + 1] ?? '');
          position += 2;
          continue;
        }
        raw += char;
        position++;
      }
      labels[label] = unescape(raw, true, fail);
      position++; // the closing quote
      if (line[position] === ',') position++;
      else if (line[position] !== '}') fail('expected , or } after a label');
    }
    position++;
  }
  if (line[position] !== ' ') fail('expected one space before the value');
  const [valueText = '', timestamp, ...extra] = line.slice(position + 1).split(' ');
  if (extra.length > 0 || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) fail('bad timestamp or trailing text');
  return { name, labels, value: parseValue(valueText, fail) };
}

function parseValue(text: string, fail: (why: string) => never): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!FLOAT.test(text)) fail(`bad value ${text}`);
  return Number(text);
}

/** Undoes `\\`, `\n` (and, in a label value, `\"`); any other escape is an error. */
function unescape(text: string, labelValue: boolean, fail: (why: string) => never): string {
  return text.replace(/\\(.?)/g, (_escape, char: string) => {
    if (char === '\\') return '\\';
    if (char === 'n') return '\n';
    if (char === '"' && labelValue) return '"';
    return fail(`bad escape \\${char}`);
  });
}
