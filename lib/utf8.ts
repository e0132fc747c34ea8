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
