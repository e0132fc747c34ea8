/**
 * Text from bytes that must be UTF-8. `Buffer.toString('utf8')` turns every byte that is not
 * UTF-8 into U+FFFD without a word, so a body, a credential or a protobuf string field would be
 * taken for other text than was sent (a secret 'ab<0xff>' matching 'ab<0xfe>'); what is read here
 * is refused instead, by name, where it is not UTF-8.
 */

/** A decoder that refuses what is not UTF-8 (one for every call: every HTTP Basic request decodes its credentials). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `bytes` as UTF-8 text (a leading byte order mark dropped), or undefined if they are not UTF-8. */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Whether `text` holds a UTF-16 surrogate that is not half of a pair (`String.prototype.isWellFormed`
 * is ES2024). Such a string is no Unicode text: UTF-8 cannot carry it, and every writer of UTF-8
 * (`Buffer.from`, protobuf, msgpack) puts U+FFFD or bytes that are not UTF-8 in its place, so
 * `'\ud800'` and `'\udbff'` would be one name once written.
 */
export function hasLoneSurrogate(text: string): boolean {
  return loneSurrogateAt(text) !== -1;
}

/** Where `text`'s first lone surrogate is (`hasLoneSurrogate`), or -1. */
function loneSurrogateAt(text: string): number {
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = text.charCodeAt(at + 1);
    if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return at;
    at++;
  }
  return -1;
}

/** A `\u` escape of a surrogate in JSON text: the one way JSON makes a lone surrogate from UTF-8. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Longest string quoted back in `loneSurrogateInJson`'s answer. */
const MAX_QUOTED_SURROGATE_TEXT = 64;

/**
 * Why `json`, which `JSON.parse` made of `text` (UTF-8 text, as `strictUtf8` gives it), is not
 * Unicode text: a string or a key holding a lone surrogate, which JSON can escape (`"\ud800"`)
 * and `JSON.parse` takes; undefined when there is none. Mesos' JSON parser (picojson) refuses
 * such an escape as a syntax error. Only a text with a surrogate escape is walked.
 * @example loneSurrogateInJson('{"role":"\\ud800"}', { role: '\ud800' }) // "the string '\\ud800' holds a lone surrogate (\\ud800), no character: UTF-8 cannot carry it"
 */
export function loneSurrogateInJson(text: string, json: unknown): string | undefined {
  if (!SURROGATE_ESCAPE.test(text)) return undefined;
  const pending: unknown[] = [json];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (hasLoneSurrogate(value)) return loneSurrogateReason(value);
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (hasLoneSurrogate(key)) return loneSurrogateReason(key);
        pending.push(item);
      }
    }
  }
  return undefined;
}

function loneSurrogateReason(text: string): string {
  const shown = JSON.stringify(text.length > MAX_QUOTED_SURROGATE_TEXT ? text.slice(0, MAX_QUOTED_SURROGATE_TEXT) : text).slice(1, -1);
  const surrogate = `\\u${text.charCodeAt(loneSurrogateAt(text)).toString(16)}`;
  return `the string '${shown}' holds a lone surrogate (${surrogate}), no character: UTF-8 cannot carry it`;
}

/**
 * `text` parsed as JSON, or why not: `JSON.parse`'s message, or a string that escapes a lone
 * surrogate (`loneSurrogateInJson`), which `JSON.parse` takes and Mesos' parser refuses. Every
 * endpoint that reads JSON text parses it here; callers put their own words before the reason.
 */
export function parseUnicodeJson(text: string): { readonly json: unknown } | { readonly error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    return { error: (error as Error).message };
  }
  const lone = loneSurrogateInJson(text, json);
  return lone === undefined ? { json } : { error: lone };
}

/**
 * How many of `bytes` come before a UTF-8 character they end in the middle of: all of them,
 * unless their last 1-3 bytes start a character they do not finish (a read cut at a byte count,
 * or a writer that has not written the rest yet). Read as text, such a cut would be U+FFFD (3
 * bytes) for 1-3 bytes of the file, and a client counting the text's bytes to its next offset
 * would skip the rest of the character and what follows.
 * @example completeUtf8Length(Buffer.from([0x61, 0xe6, 0x97])) // 1 ('a', then 2 of the 3 bytes of '日')
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: the lead is further back
    const needs = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc2 && byte < 0xe0 ? 2 : 1;
    return needs > back && byte < 0xf5 ? length - back : length;
  }
  return length;
}
