/**
 * Protobuf for Mesos' v1 scheduler, executor and operator APIs (`Content-Type:
 * application/x-protobuf`), as Mesos' own libraries speak them by default. The APIs themselves
 * read and write v1 JSON; this module is the codec at its edge: a protobuf `Call` becomes the
 * JSON Mesos would have been sent for it (protobuf's JSON mapping as Mesos writes it: field names
 * as declared, enums by name, bytes as base64, 64-bit numbers as numbers), and an event's or an
 * operator response's JSON becomes a protobuf `Event` or `Response`. So a call is checked by one
 * parser whichever encoding it came in, and is refused in the same words.
 *
 * The messages are `lib/v1/proto-schema.ts`'s and `lib/v1/operator-proto.ts`'s, parsed once on
 * first use. A large operator answer is encoded over turns instead (`lib/v1/sliced-protobuf.ts`).
 */
import protobuf from 'protobufjs';
import { recordIo } from '../process/http';
import type { V1Json } from './json';
import { V1_EXECUTOR_PROTO, V1_MESOS_PROTO, V1_SCHEDULER_PROTO } from './proto-schema';
import { V1_AGENT_PROTO, V1_ALLOCATOR_PROTO, V1_MAINTENANCE_PROTO, V1_MASTER_PROTO, V1_OPERATOR_MESOS_PROTO, V1_QUOTA_PROTO } from './operator-proto';
import { wireTypeError } from './wire-types';

/** Mesos' media type for protobuf bodies and streams. */
export const APPLICATION_PROTOBUF = 'application/x-protobuf';

/** How a v1 body or stream is encoded. */
export type V1Encoding = 'json' | 'protobuf';

/** The v1 APIs that speak protobuf: their calls are `mesos.v1.<api>.Call`s (`master` and `agent`: the operator APIs). */
export type V1ProtobufApi = 'scheduler' | 'executor' | 'master' | 'agent';

/** The v1 APIs whose calls are answered with a `Response` (the operator APIs). */
export type V1OperatorApi = 'master' | 'agent';

/** The v1 APIs that write `Event`s on a stream (the agent's operator API has none). */
export type V1StreamApi = 'scheduler' | 'executor' | 'master';

/** The kinds of message an API sends or takes. */
export type V1MessageKind = 'call' | 'event' | 'response';

/** How protobuf messages become v1 JSON: Mesos' JSON mapping (enums by name, bytes as base64, 64-bit numbers as numbers). */
const TO_JSON: protobuf.IConversionOptions = { enums: String, bytes: String, longs: Number, defaults: false, arrays: false, objects: false };

/** Each API's messages by kind, as `mesos.v1.<api>.<Kind>` names them. */
const MESSAGES_OF: Readonly<Record<V1ProtobufApi, readonly V1MessageKind[]>> = {
  scheduler: ['call', 'event'],
  executor: ['call', 'event'],
  master: ['call', 'event', 'response'],
  agent: ['call', 'response'],
};

/** Every declaration, in the order they build on each other. */
const SOURCES: readonly string[] = [V1_MESOS_PROTO, V1_SCHEDULER_PROTO, V1_EXECUTOR_PROTO, V1_OPERATOR_MESOS_PROTO, V1_QUOTA_PROTO, V1_ALLOCATOR_PROTO, V1_MAINTENANCE_PROTO, V1_MASTER_PROTO, V1_AGENT_PROTO];

/** Each API's messages by `<api>.<kind>`: as declared, and with every field optional (parsed on first use). */
const parsed: { declared?: ReadonlyMap<string, protobuf.Type>; relaxed?: ReadonlyMap<string, protobuf.Type> } = {};

/** Every API's messages, parsed from the declarations (each `required` made `optional` when `relaxed`). */
function parseTypes(relaxed: boolean): ReadonlyMap<string, protobuf.Type> {
  const root = new protobuf.Root();
  for (const source of SOURCES) protobuf.parse(relaxed ? source.replace(/\brequired\b/g, 'optional') : source, root, { keepCase: true });
  root.resolveAll();
  const all = new Map<string, protobuf.Type>();
  for (const [name, kinds] of Object.entries(MESSAGES_OF)) {
    for (const each of kinds) all.set(`${name}.${each}`, root.lookupType(`mesos.v1.${name}.${each[0]?.toUpperCase() ?? ''}${each.slice(1)}`));
  }
  return all;
}

/** `api`'s message of `kind` from `types`; asking for a kind an API does not have is a bug, and throws. */
function typeIn(types: ReadonlyMap<string, protobuf.Type>, api: V1ProtobufApi, kind: V1MessageKind): protobuf.Type {
  const type = types.get(`${api}.${kind}`);
  if (type === undefined) throw new Error(`the v1 ${api} API has no ${kind} message`);
  return type;
}

/**
 * `api`'s message of `kind` (`mesos.v1.master.Response`...), as declared; every declaration is
 * parsed on first use.
 */
export function v1MessageType(api: V1ProtobufApi, kind: V1MessageKind): protobuf.Type {
  parsed.declared ??= parseTypes(false);
  return typeIn(parsed.declared, api, kind);
}

/**
 * `api`'s message of `kind` with every field optional, for encoding one field of a message on its
 * own (`lib/v1/sliced-protobuf.ts`): protobufjs writes a required field whether it is set or not.
 * Its bytes are those of the declared message (proto2's `required` and `optional` are the same on
 * the wire).
 */
export function v1FieldwiseMessageType(api: V1ProtobufApi, kind: V1MessageKind): protobuf.Type {
  parsed.relaxed ??= parseTypes(true);
  return typeIn(parsed.relaxed, api, kind);
}

/**
 * A protobuf `mesos.v1.<api>.Call` as the v1 JSON of the same call, or why it is not one
 * (Mesos answers such a body 400 `Failed to parse body into Call protobuf`). A required field
 * missing, a wire type that does not match its field (`lib/v1/wire-types.ts`: the decoder would
 * read it as its field's type), or bytes cut short are each refused.
 */
export function v1CallJson(api: V1ProtobufApi, body: Uint8Array): { readonly json: unknown } | { readonly error: string } {
  const call = v1MessageType(api, 'call');
  try {
    const wireError = wireTypeError(call, body);
    if (wireError !== undefined) return { error: wireError };
    return { json: withoutUnknownEnumValues(call, call.toObject(call.decode(body), TO_JSON)) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * `json` (a message of `type` as `toObject` made it) without the enum values its enums do not
 * name, which `toObject` leaves as numbers: proto2 keeps such a value among a message's unknown
 * fields, so to Mesos the field is absent (an unknown capability is ignored, an unknown call type
 * is a call without one). The JSON form reads them the same way.
 */
function withoutUnknownEnumValues(type: protobuf.Type, json: Record<string, unknown>): Record<string, unknown> {
  for (const field of type.fieldsArray) {
    const value = json[field.name];
    if (value === undefined) continue;
    const resolved = field.resolvedType;
    const isEnum = resolved instanceof protobuf.Enum;
    const each = (item: unknown): unknown => (resolved instanceof protobuf.Type && typeof item === 'object' && item !== null ? withoutUnknownEnumValues(resolved, item as Record<string, unknown>) : item);
    if (field.map) {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (isEnum && typeof item === 'number') delete (value as Record<string, unknown>)[key];
        else each(item);
      }
    } else if (Array.isArray(value)) {
      json[field.name] = isEnum ? value.filter((item) => typeof item !== 'number') : value.map(each);
    } else if (isEnum && typeof value === 'number') {
      delete json[field.name];
    } else {
      each(value);
    }
  }
  return json;
}

/** `json` as a protobuf `mesos.v1.<api>.<kind>` (what no field holds is left out, as protobufjs leaves it out). */
function messageBytes(api: V1ProtobufApi, kind: V1MessageKind, json: V1Json): Uint8Array {
  const type = v1MessageType(api, kind);
  return type.encode(type.fromObject(json)).finish();
}

/** A protobuf `mesos.v1.<api>.<kind>` as its v1 JSON (Mesos' JSON mapping, `TO_JSON`). */
function messageJson(api: V1ProtobufApi, kind: V1MessageKind, bytes: Uint8Array): V1Json {
  const type = v1MessageType(api, kind);
  return type.toObject(type.decode(bytes), TO_JSON) as V1Json;
}

/**
 * An event's v1 JSON as a protobuf `mesos.v1.<api>.Event`. Text a field's enum has no value for
 * (a custom actor executor's own `reason`) has no protobuf form and is left out, as protobuf
 * leaves out what a message cannot hold; everything this cluster writes otherwise has its field
 * (`spec/lib/v1/protobuf.spec.ts` round-trips every kind of event).
 */
export function v1EventBytes(api: V1StreamApi, event: V1Json): Uint8Array {
  return messageBytes(api, 'event', event);
}

/** A protobuf `mesos.v1.<api>.Event` as its v1 JSON (for clients and tests that read a protobuf stream). */
export function v1EventJson(api: V1StreamApi, bytes: Uint8Array): V1Json {
  return messageJson(api, 'event', bytes);
}

/** A protobuf `mesos.v1.<api>.Call` made from its v1 JSON (for clients and tests that speak protobuf). */
export function v1CallBytes(api: V1ProtobufApi, call: V1Json): Uint8Array {
  return messageBytes(api, 'call', call);
}

/**
 * An operator call's answer (its v1 JSON, `{"type": "GET_HEALTH", "get_health": {...}}`) as a
 * protobuf `mesos.v1.<api>.Response`, at once: for the small answers (a large one, GET_STATE's,
 * is encoded over turns: `lib/v1/sliced-protobuf.ts`). What no field holds is left out, as
 * `v1EventBytes` leaves it out.
 * @example v1ResponseBytes('master', { type: 'GET_HEALTH', get_health: { healthy: true } }) // 08 01 12 02 08 01
 */
export function v1ResponseBytes(api: V1OperatorApi, response: V1Json): Uint8Array {
  return messageBytes(api, 'response', response);
}

/** A protobuf `mesos.v1.<api>.Response` as its v1 JSON (for clients and tests that read protobuf answers). */
export function v1ResponseJson(api: V1OperatorApi, bytes: Uint8Array): V1Json {
  return messageJson(api, 'response', bytes);
}

/** The `Content-Type` of a body or stream in `encoding`. */
export function mediaTypeOf(encoding: V1Encoding): string {
  return encoding === 'protobuf' ? APPLICATION_PROTOBUF : 'application/json';
}

/** One RecordIO record of `event` of `api`, in `encoding`. */
export function v1EventRecord(api: V1StreamApi, event: V1Json, encoding: V1Encoding): string | Buffer {
  return encoding === 'protobuf' ? recordIoBytes(v1EventBytes(api, event)) : recordIo(event);
}

/** One RecordIO record (`<length>\n<bytes>`) of a protobuf message. */
export function recordIoBytes(message: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${message.length}\n`), message]);
}
