import { Packr, Unpackr } from 'msgpackr';

/** A message as it travels between hosts: msgpack-encoded `{from, to, name, body}`. */
export interface WireEnvelope {
  from: string;
  to: string;
  name: string;
  body: unknown;
}

/** Largest single encoded message; a bigger one is refused at `send` with a logged reason. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** Longest message name in an envelope (names are protocol words like `StatusUpdate`). */
export const MAX_MESSAGE_NAME_LENGTH = 256;
/** Largest WebSocket frame (one or more coalesced messages) a host sends or accepts. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Encodes one envelope. Frames are concatenations of encoded envelopes (a msgpack stream). */
export function encodeEnvelope(envelope: WireEnvelope): Buffer {
  return packr.pack(envelope);
}

/** Decodes every msgpack value in a frame; throws on undecodable bytes. */
export function decodeFrame(frame: Buffer): unknown[] {
  return unpackr.unpackMultiple(frame) as unknown[];
}

/**
 * Decodes a frame value by value, calling `onValue` for each as soon as it is decoded (so a big
 * frame never exists as one big array of objects). Throws on undecodable bytes; values before
 * the bad bytes have been passed on by then.
 */
export function decodeFrameEach(frame: Buffer, onValue: (value: unknown) => void): void {
  unpackr.unpackMultiple(frame, (value: unknown) => { onValue(value); });
}

/** Returns the envelope if `value` has the four fields with the right types, else a reason. */
export function checkEnvelope(value: unknown): WireEnvelope | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'envelope is not a map';
  const envelope = value as Record<string, unknown>;
  // Checked field by field, without loops: this runs once per message received.
  if (typeof envelope.from !== 'string') return "envelope field 'from' is missing or not a string";
  if (typeof envelope.to !== 'string') return "envelope field 'to' is missing or not a string";
  if (typeof envelope.name !== 'string') return "envelope field 'name' is missing or not a string";
  if (envelope.name.length > MAX_MESSAGE_NAME_LENGTH) return `envelope field 'name' is longer than ${MAX_MESSAGE_NAME_LENGTH} characters`;
  if (envelope.body === undefined && !('body' in envelope)) return "envelope field 'body' is missing";
  return envelope as unknown as WireEnvelope;
}
