/**
 * The one rule for ids that become directory names (framework, agent, executor, task and run
 * ids, as in Mesos' `common/validation.cpp`): the master refuses a task whose ids break it, and
 * the agent checks the same rule before it builds a sandbox path, so an id the master accepts
 * is one the agent can use.
 */

/** Longest id accepted, in UTF-8 bytes: the file-name limit (Mesos: `NAME_MAX`), since each id becomes one path component. */
export const MAX_ID_LENGTH = 255;

/**
 * What no id may contain: control characters (NUL included), `/` and `\`. One object: a literal
 * in `idError` was a new RegExp each call, and the agent asks three times a task (no global flag,
 * so `test` keeps no position between calls).
 */
// eslint-disable-next-line no-control-regex
const INVALID_ID_CHARACTERS = /[\u0000-\u001f\u007f/\\]/;

/**
 * Why `id` may not be an id, or undefined when it may: non-empty, at most MAX_ID_LENGTH bytes
 * in UTF-8 (what the file system counts, as Mesos does), not `.` or `..`, no control characters
 * (NUL included) and no `/` or `\`.
 *
 * @example
 *   idError('task-1')  // undefined
 *   idError('a/b')     // "'a/b' contains invalid characters"
 */
export function idError(id: string): string | undefined {
  if (id.length === 0) return 'ID must not be empty';
  if (Buffer.byteLength(id, 'utf8') > MAX_ID_LENGTH) return `ID must not be greater than ${MAX_ID_LENGTH} characters`;
  if (id === '.' || id === '..') return `'${id}' is disallowed`;
  if (INVALID_ID_CHARACTERS.test(id)) return `'${id}' contains invalid characters`;
  return undefined;
}
