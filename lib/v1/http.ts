/**
 * What the v1 HTTP APIs (scheduler, executor, operator) check of a request before its call, in
 * Mesos' words: POST only (405), a JSON or protobuf content type (400 without one, 415 for
 * anything else), a bounded body (413), a body that is JSON or protobuf (400), and an `Accept`
 * that allows what the API writes (406). One place, so the APIs answer alike.
 */
import { methodNotAllowed, type HttpRequest, type HttpResponse } from '../process/http';
import { MAX_BODY_DEPTH } from '../protocol/plain';
import { parseUnicodeJson, strictUtf8 } from '../utf8';
import { APPLICATION_PROTOBUF, v1CallJson, type V1Encoding, type V1ProtobufApi } from './protobuf';

/** The first value of header `name` (lower-case) of `request`. */
export function headerOf(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** 400 with a reason in words. */
export function badRequest(message: string): HttpResponse {
  return { status: 400, body: message };
}

/**
 * Why `request` cannot carry a call of an API whose calls are at most `maxBytes` (405, 400, 415,
 * 413), or undefined. `speaker` names who answers in the protobuf refusal (e.g. `this agent
 * speaks the v1 executor API`); an API that takes protobuf says so with `protobuf`.
 */
export function v1RequestError(request: HttpRequest, maxBytes: number, speaker: string, protobuf = false): HttpResponse | undefined {
  if (request.method !== 'POST') return methodNotAllowed(['POST'], `Expecting one of { 'POST' }, but received '${request.method}'`, 'text');
  const contentType = requestContentType(request);
  if (contentType === undefined) return badRequest("Expecting 'Content-Type' to be present");
  if (contentType === APPLICATION_PROTOBUF && !protobuf) return { status: 415, body: `Expecting 'Content-Type' of application/json: ${speaker} in JSON only, not protobuf` };
  if (contentType !== 'application/json' && contentType !== APPLICATION_PROTOBUF) {
    return { status: 415, body: protobuf ? `Expecting 'Content-Type' of application/json or ${APPLICATION_PROTOBUF}` : "Expecting 'Content-Type' of application/json" };
  }
  if (request.body.length > maxBytes) return { status: 413, body: `a call is at most ${maxBytes} bytes` };
  return undefined;
}

/** The media type of `request`'s body, lower-case and without parameters, or undefined. */
export function requestContentType(request: HttpRequest): string | undefined {
  return headerOf(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
}

/**
 * The request's body as JSON, or the 400 saying why it is not. Nesting deeper than
 * `MAX_BODY_DEPTH` is refused before the body is parsed: a 4 MB body of `[[[...]]]` took
 * `JSON.parse` and the walk after it over a second of the mailbox-holding thread (the
 * hostile-input pass of 2026-12-05); the scan costs a pass over the bytes. A body that is not
 * UTF-8 is refused (read leniently, each bad byte would be U+FFFD in a name or a role), and so is
 * one whose strings escape a lone surrogate (`"\ud800"`: no character; written as UTF-8, to an
 * agent, the registry or a log, `"\ud800"` and `"\udbff"` were one role), as Mesos' parser refuses it.
 */
export function v1RequestJson(request: HttpRequest): { readonly json: unknown } | HttpResponse {
  const deepest = jsonNestingBeyond(request.body, MAX_BODY_DEPTH);
  if (deepest !== undefined) return badRequest(`Failed to parse body into JSON: nested deeper than ${MAX_BODY_DEPTH} levels (at byte ${deepest})`);
  const text = strictUtf8(request.body);
  if (text === undefined) return badRequest('Failed to parse body into JSON: the body is not valid UTF-8');
  const parsed = parseUnicodeJson(text);
  return 'json' in parsed ? parsed : badRequest(`Failed to parse body into JSON: ${parsed.error}`);
}

/**
 * The request's call as v1 JSON: its JSON body (`v1RequestJson`), or, for an API that speaks
 * protobuf, a protobuf `Call` read into the JSON of the same call; else the 400 saying why not
 * (`Failed to parse body into Call protobuf: ...`, as Mesos words it, with what was wrong).
 */
export function v1RequestCall(request: HttpRequest, api?: V1ProtobufApi): { readonly json: unknown } | HttpResponse {
  if (api === undefined || requestContentType(request) !== APPLICATION_PROTOBUF) return v1RequestJson(request);
  const decoded = v1CallJson(api, request.body);
  return 'json' in decoded ? decoded : badRequest(`Failed to parse body into Call protobuf: ${decoded.error}`);
}

/**
 * The offset of the first `[` or `{` (outside strings) that opens a level deeper than `maxDepth`
 * in the JSON text `bytes`, or undefined when none does. Malformed text is not judged here
 * (`JSON.parse` names what is wrong); a string's escaped quote does not end it.
 */
export function jsonNestingBeyond(bytes: Uint8Array, maxDepth: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] as number;
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > maxDepth) return index;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    }
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether `request`'s `Accept` allows `mediaType` (`type/subtype`, lower-case), as Mesos'
 * `Request::acceptsMediaType` decides: no header allows everything; otherwise the type itself,
 * then its type with any subtype, then any type is looked for, and the first entry naming one
 * decides: allowed unless its `q` is a number no greater than 0 (`application/json;q=0` refuses
 * JSON even when another entry allows any type).
 */
export function acceptsMediaType(request: HttpRequest, mediaType: string): boolean {
  const accept = headerOf(request, 'accept');
  if (accept === undefined) return true;
  const entries = accept.replace(/[ \t\n]/g, '').split(',').filter((entry) => entry.length > 0).map((entry) => entry.split(';').filter((part) => part.length > 0));
  const [type] = mediaType.split('/');
  for (const candidate of [mediaType, `${type ?? ''}/*`, '*/*']) {
    const entry = entries.find((parts) => parts[0]?.toLowerCase() === candidate);
    if (entry !== undefined) return qualityAllows(entry.slice(1));
  }
  return false;
}

/** Whether an `Accept` entry's parameters allow its type: a `q` of one value, a number, must be above 0; no (or a malformed) `q` allows it. */
function qualityAllows(parameters: readonly string[]): boolean {
  const values = parameters.map((parameter) => parameter.split('=').filter((part) => part.length > 0)).filter((pair) => pair.length === 2 && pair[0] === 'q').map((pair) => pair[1] ?? '');
  if (values.length !== 1) return true;
  const text = values[0] ?? '';
  return DECIMAL.test(text) && Number(text) > 0;
}

/** A decimal number as `q` may give it (Mesos reads it with `numify<double>`). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * How to write a stream or an answer for `request`, as Mesos chooses: JSON when `Accept` allows
 * it (or says nothing), else protobuf when it allows that, else the 406.
 */
export function streamEncoding(request: HttpRequest): V1Encoding | HttpResponse {
  if (acceptsMediaType(request, 'application/json')) return 'json';
  if (acceptsMediaType(request, APPLICATION_PROTOBUF)) return 'protobuf';
  return { status: 406, body: `Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or 'application/json'` };
}

/** 200 with a v1 `Response` of `type` whose `field` is `body` (`{"type": "GET_HEALTH", "get_health": {...}}`). */
export function v1Answer(type: string, field: string, body: unknown): HttpResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: { type, [field]: body } };
}
