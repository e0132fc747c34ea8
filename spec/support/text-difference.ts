/** Where `got` first differs from `want`, with some text around it; undefined when they are equal. */
export function firstDifference(want: string, got: string): string | undefined {
  if (want === got) return undefined;
  let at = 0;
  while (at < want.length && at < got.length && want[at] === got[at]) at++;
  const around = (text: string): string => JSON.stringify(text.slice(Math.max(0, at - 120), at + 120));
  return `at character ${at} (lengths ${want.length} and ${got.length}): want ${around(want)}, got ${around(got)}`;
}
