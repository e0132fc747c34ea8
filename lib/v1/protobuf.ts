/**
 * Protobuf for Mesos' v1 scheduler and executor APIs (`Content-Type: application/x-protobuf`), as
 * Mesos' own libraries speak them by default. The APIs themselves read and write v1 JSON; this module is the
 * codec at its edge: a protobuf `Call` becomes the JSON Mesos would have been sent for it
 * (protobuf's JSON mapping as Mesos writes it: field names as declared, enums by name, bytes
 * as base64, 64-bit numbers as numbers), and an event's JSON becomes a protobuf `Event`. So a
 * call is checked by one parser whichever encoding it came in, and is refused in the same words.
 *
 * The messages are `lib/v1/proto-schema.ts`'s, parsed once on first use.
 */
import protobuf from 'protobufjs';
import { recordIo } from '../process/http';
import type { V1Json } from './json';
import { V1_EXECUTOR_PROTO, V1_MESOS_PROTO, V1_SCHEDULER_PROTO } from './proto-schema';
import { wireTypeError } from './wire-types';

/** Mesos' media type for protobuf bodies and streams. */
export const APPLICATION_PROTOBUF = 'application/x-protobuf';

/** How a v1 body or stream is encoded. */
export type V1Encoding = 'json' | 'protobuf';

/** The v1 APIs that speak protobuf (the operator API speaks JSON only). */
export type V1ProtobufApi = 'scheduler' | 'executor';

/** How protobuf messages become v1 JSON: Mesos' JSON mapping (enums by name, bytes as base64, 64-bit numbers as numbers). */
const TO_JSON: protobuf.IConversionOptions = { enums: String, bytes: String, longs: Number, defaults: false, arrays: false, objects: false };

/** An API's `Call` and `Event` types. */
interface ApiTypes {
  readonly call: protobuf.Type;
  readonly event: protobuf.Type;
}

let types: Readonly<Record<V1ProtobufApi, ApiTypes>> | undefined;

/** `api`'s `Call` and `Event` types (all parsed on first use). */
function typesOf(api: V1ProtobufApi): ApiTypes {
  if (types === undefined) {
    const root = new protobuf.Root();
    for (const source of [V1_MESOS_PROTO, V1_SCHEDULER_PROTO, V1_EXECUTOR_PROTO]) protobuf.parse(source, root, { keepCase: true });
    root.resolveAll();
    const pair = (name: string): ApiTypes => ({ call: root.lookupType(`mesos.v1.${name}.Call`), event: root.lookupType(`mesos.v1.${name}.Event`) });
    types = { scheduler: pair('scheduler'), executor: pair('executor') };
  }
  return types[api];
}

/**
 * A protobuf `mesos.v1.<api>.Call` as the v1 JSON of the same call, or why it is not one
 * (Mesos answers such a body 400 `Failed to parse body into Call protobuf`). A required field
 * missing, a wire type that does not match its field (`lib/v1/wire-types.ts`: the decoder would
 * read it as its field's type), or bytes cut short are each refused.
 */
export function v1CallJson(api: V1ProtobufApi, body: Uint8Array): { readonly json: unknown } | { readonly error: string } {
  const { call } = typesOf(api);
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

/**
 * An event's v1 JSON as a protobuf `mesos.v1.<api>.Event`. Text a field's enum has no value for
 * (a custom actor executor's own `reason`) has no protobuf form and is left out, as protobuf
 * leaves out what a message cannot hold; everything this cluster writes otherwise has its field
 * (`spec/lib/v1/protobuf.spec.ts` round-trips every kind of event).
 */
export function v1EventBytes(api: V1ProtobufApi, event: V1Json): Uint8Array {
  const type = typesOf(api).event;
  return type.encode(type.fromObject(event)).finish();
}

/** A protobuf `mesos.v1.<api>.Event` as its v1 JSON (for clients and tests that read a protobuf stream). */
export function v1EventJson(api: V1ProtobufApi, bytes: Uint8Array): V1Json {
  const type = typesOf(api).event;
  return type.toObject(type.decode(bytes), TO_JSON) as V1Json;
}

/** A protobuf `mesos.v1.<api>.Call` made from its v1 JSON (for clients and tests that speak protobuf). */
export function v1CallBytes(api: V1ProtobufApi, call: V1Json): Uint8Array {
  const type = typesOf(api).call;
  return type.encode(type.fromObject(call)).finish();
}

/** The `Content-Type` of a body or stream in `encoding`. */
export function mediaTypeOf(encoding: V1Encoding): string {
  return encoding === 'protobuf' ? APPLICATION_PROTOBUF : 'application/json';
}

/** One RecordIO record of `event` of `api`, in `encoding`. */
export function v1EventRecord(api: V1ProtobufApi, event: V1Json, encoding: V1Encoding): string | Buffer {
  return encoding === 'protobuf' ? recordIoBytes(v1EventBytes(api, event)) : recordIo(event);
}

/** One RecordIO record (`<length>\n<bytes>`) of a protobuf message. */
export function recordIoBytes(message: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${message.length}\n`), message]);
}
