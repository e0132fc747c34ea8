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

/** Returns the envelope if `value` has the four fields with the right types, else a reason. */
export function checkEnvelope(value: unknown): WireEnvelope | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'envelope is not a map';
  const envelope = value as Record<string, unknown>;
  for (const field of ['from', 'to', 'name'] as const) {
    if (typeof envelope[field] !== 'string') return `envelope field '${field}' is missing or not a string`;
  }
  if (!('body' in envelope)) return "envelope field 'body' is missing";
  return envelope as unknown as WireEnvelope;
}
