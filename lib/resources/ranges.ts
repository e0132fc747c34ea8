/**
 * Operations on normalized range lists: sorted by `begin`, with overlapping and
 * adjacent ranges merged (`[1-2,3-4]` is `[1-4]`). Every function takes and returns
 * normalized lists.
 */
import type { Range } from './types';

/** Sorts and merges any list of valid ranges (begin ≤ end) into normalized form. */
export function normalizeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((left, right) => left.begin - right.begin);
  return mergeSorted(sorted, []);
}

/** The union of two normalized lists. */
export function unionRanges(left: readonly Range[], right: readonly Range[]): Range[] {
  if (right.length === 0) {
    return left.slice();
  }
  if (left.length === 0) {
    return right.slice();
  }
  return mergeSorted(left, right);
}

/** The values of `left` that are not in `right`. */
export function subtractRanges(left: readonly Range[], right: readonly Range[]): Range[] {
  const result: Range[] = [];
  let rightIndex = 0;
  for (const range of left) {
    let begin = range.begin;
    while (rightIndex < right.length && right[rightIndex].end < begin) {
      rightIndex++;
    }
    let cursor = rightIndex;
    while (begin <= range.end && cursor < right.length && right[cursor].begin <= range.end) {
      const cut = right[cursor];
      if (cut.begin > begin) {
        result.push({ begin, end: cut.begin - 1 });
      }
      begin = Math.max(begin, cut.end + 1);
      cursor++;
    }
    if (begin <= range.end) {
      result.push(begin === range.begin ? range : { begin, end: range.end });
    }
  }
  return result;
}

/** Whether every value of `inner` is in `outer`. */
export function rangesContain(outer: readonly Range[], inner: readonly Range[]): boolean {
  let outerIndex = 0;
  for (const range of inner) {
    while (outerIndex < outer.length && outer[outerIndex].end < range.begin) {
      outerIndex++;
    }
    if (outerIndex >= outer.length) {
      return false;
    }
    const candidate = outer[outerIndex];
    if (candidate.begin > range.begin || candidate.end < range.end) {
      return false;
    }
  }
  return true;
}

/** Whether two normalized lists hold the same values. */
export function rangesEqual(left: readonly Range[], right: readonly Range[]): boolean {
  if (left.length !== right.length) {
    return false;
  }
  for (let index = 0; index < left.length; index++) {
    if (left[index].begin !== right[index].begin || left[index].end !== right[index].end) {
      return false;
    }
  }
  return true;
}

/** How many integers the list holds. */
export function rangesSize(ranges: readonly Range[]): number {
  let size = 0;
  for (const range of ranges) {
    size += range.end - range.begin + 1;
  }
  return size;
}

/**
 * Merges two lists, each sorted by begin, into one normalized list. Input range objects
 * are reused when they come out unchanged (ranges are immutable).
 */
function mergeSorted(left: readonly Range[], right: readonly Range[]): Range[] {
  const merged: Range[] = [];
  let leftIndex = 0;
  let rightIndex = 0;
  let current: Range | undefined;
  let end = -1;
  while (leftIndex < left.length || rightIndex < right.length) {
    const takeLeft =
      rightIndex >= right.length || (leftIndex < left.length && left[leftIndex].begin <= right[rightIndex].begin);
    const next = takeLeft ? left[leftIndex++] : right[rightIndex++];
    if (current !== undefined && next.begin <= end + 1) {
      end = Math.max(end, next.end);
      continue;
    }
    if (current !== undefined) {
      merged.push(current.end === end ? current : { begin: current.begin, end });
    }
    current = next;
    end = next.end;
  }
  if (current !== undefined) {
    merged.push(current.end === end ? current : { begin: current.begin, end });
  }
  return merged;
}
