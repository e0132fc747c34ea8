/**
 * Absolute paths without `path.resolve`'s cost when there is nothing to resolve. The agent's
 * sandbox books and the memory disk key everything by absolute, normalized path and are handed
 * such paths almost always; `path.resolve` (which asks for the working directory and rebuilds the
 * string) was a tenth of the bytes a simulated task allocated (issue 13's throughput profile).
 */
import * as path from 'node:path';

/** '/' */
const SLASH = 47;
/** '.' */
const DOT = 46;

/**
 * Whether `target` is absolute and already normalized: it starts with `/`, has no empty, `.` or
 * `..` segment, and no trailing `/` (the root itself excepted). Such a path is its own
 * `path.posix.resolve`.
 *
 * @example
 *   isNormalAbsolutePath('/work/slaves/S1')   // true
 *   isNormalAbsolutePath('/work//slaves/')    // false
 *   isNormalAbsolutePath('/work/../etc')      // false
 */
export function isNormalAbsolutePath(target: string): boolean {
  const length = target.length;
  if (length === 0 || target.charCodeAt(0) !== SLASH) return false;
  if (length === 1) return true;
  if (target.charCodeAt(length - 1) === SLASH) return false;
  // Each segment starts after a slash: it must not be empty, `.` or `..`.
  for (let index = 0; index < length; index++) {
    if (target.charCodeAt(index) !== SLASH) continue;
    const first = index + 1 < length ? target.charCodeAt(index + 1) : SLASH;
    if (first === SLASH) return false;
    if (first !== DOT) continue;
    const second = index + 2 < length ? target.charCodeAt(index + 2) : SLASH;
    if (second === SLASH) return false;
    if (second === DOT && (index + 3 >= length || target.charCodeAt(index + 3) === SLASH)) return false;
  }
  return true;
}

/** `path.resolve(target)`, returning `target` itself when it is already absolute and normalized. */
export function resolvedPath(target: string): string {
  return isNormalAbsolutePath(target) ? target : path.resolve(target);
}

/** `path.posix.normalize` of an absolute path without a trailing slash, `target` itself when it already is one. */
export function normalizedAbsolutePath(target: string): string {
  return isNormalAbsolutePath(target) ? target : path.posix.normalize(target).replace(/\/+$/, '') || '/';
}
