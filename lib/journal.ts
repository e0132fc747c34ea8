/**
 * Journals of JSON lines (the master's registry log, the agent's checkpoints): one record per
 * line, appended and fsynced a batch at a time. A crash or a failed append may leave the last
 * line torn; such a line was never acknowledged, so reading ignores it. Any other line that
 * does not parse, or does not match the schema, makes the journal corrupt.
 */
import type { z } from 'zod';

/** One line as a record of `schema`, or what is wrong with it. */
export function parseJournalLine<T>(schema: z.ZodType<T>, line: string): T | string {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return `invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
}

/**
 * The records of a journal's text, in order. A last line without its newline that does not
 * parse is ignored (torn); any other bad line throws `<what> <file> is corrupt at line N: ...`,
 * or, given `skipBadLine`, is told to it (with that message) and skipped.
 * @example parseJournal(text, '/var/lib/mesos/meta/journal.log', 'agent checkpoint', RecordSchema)
 */
export function parseJournal<T>(text: string, file: string, what: string, schema: z.ZodType<T>, skipBadLine?: (message: string) => void): T[] {
  const lines = text.split('\n');
  const torn = lines.pop() ?? '';
  const records: T[] = [];
  lines.forEach((line, index) => {
    const record = parseJournalLine(schema, line);
    if (typeof record !== 'string') {
      records.push(record);
      return;
    }
    const message = `${what} ${file} is corrupt at line ${index + 1}: ${record}`;
    if (skipBadLine === undefined) throw new Error(message);
    skipBadLine(message);
  });
  if (torn !== '') {
    const last = parseJournalLine(schema, torn);
    if (typeof last !== 'string') records.push(last);
  }
  return records;
}
