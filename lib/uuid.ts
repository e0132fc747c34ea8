/**
 * Status update uuids as Mesos has them: 16 bytes, a UUID of one of RFC 4122's versions 1–5
 * (stout's `UUID::fromBytes` refuses any other length or version). Inside the cluster a uuid
 * travels as its text, lowercase and hyphenated (`1b4e28ba-2fa1-41d2-883f-0016d3cca427`), as the
 * native command executor writes it; the v1 HTTP APIs turn that text into its 16 bytes and back
 * (`lib/v1/json.ts`).
 */

/** A UUID's text as this project writes it: lowercase hex, hyphenated, a version from 1 to 5. */
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Bytes in a UUID. */
export const UUID_BYTES = 16;

/** Whether `text` is a UUID's text as `uuidText` writes it. */
export function isUuidText(text: string): boolean {
  return text.length === 36 && UUID_TEXT.test(text);
}

/** Whether `bytes` are a UUID Mesos takes: 16 of them, with a version from 1 to 5. */
export function isUuidBytes(bytes: Uint8Array): boolean {
  if (bytes.length !== UUID_BYTES) return false;
  const version = (bytes[6] as number) >> 4;
  return version >= 1 && version <= 5;
}

/** Character codes of the hex digits. */
const HEX_CODES = Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));
/** Character code of '-'. */
const HYPHEN = 45;
/** Scratch space of `uuidText` (36 character codes; it never yields between filling and reading). */
const uuidCodes: number[] = new Array<number>(36).fill(HYPHEN);

/**
 * 16 bytes' text, lowercase and hyphenated (8-4-4-4-12), made flat in one go (the master and the
 * agent keep it with a task's statuses, where a concatenation tree would be twice the bytes).
 */
export function uuidText(bytes: Uint8Array): string {
  const codes = uuidCodes;
  let at = 0;
  for (let index = 0; index < UUID_BYTES; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) codes[at++] = HYPHEN;
    const byte = bytes[index] as number;
    codes[at++] = HEX_CODES[byte >> 4] as number;
    codes[at++] = HEX_CODES[byte & 15] as number;
  }
  return String.fromCharCode.apply(null, codes);
}

/** The 16 bytes of a UUID's text (`isUuidText`). */
export function uuidBytes(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, ''), 'hex');
}

/** Sets `bytes` (16 random ones) to a version 4 UUID's, RFC 4122's variant, and returns them. */
export function asVersion4(bytes: Uint8Array): Uint8Array {
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  return bytes;
}
