export { ActorGone, ActorHost, type ActorHostOptions, MAILBOX_BATCH, DRAIN_BUDGET, STOP_SIGNALS } from './host';
export { ClockSetBack, RealClock, VirtualClock, MAX_SETTLE_WORK, VIRTUAL_CLOCK_START_MS, type Clock, type SettleProbe, type SocketTraffic, type TimerCallback, type TimerHandle, type TimerTarget, type VirtualClockOptions } from './clock';
export { MessageFilters, type MessagePattern, type DeliveredMessage, type FilterHandle } from './filters';
export { withRouteOptions, type RouteOptions } from './http';
export { ok, httpError, methodNotAllowed, TextParts, StreamedBinary, type FragmentSink, TEXT_PARTS_CHUNK_CHARS, findRoute, withJsonp, withCors, recordIo, HttpStream, MAX_STREAM_BUFFERED_BYTES, MAX_JSONP_CALLBACK_CHARS, type StreamSink, type HttpRequest, type HttpResponse, type HttpHandler, MAX_HTTP_BODY_BYTES } from './http';
export { Prng } from './prng';
export {
  authenticateRequest, basicAuthorization, isResponse, HTTP_AUTHENTICATION_REALM,
  type HttpAccess, type HttpAuthentication, type HttpCaller, type HttpRealms,
} from './http-authentication';
export {
  loadTlsOptions, resolveTlsFiles, tlsOptionsFromEnvironment, tlsEnvironment, certificateNames, certificateNamesHost, describeTlsFailure,
  TLS_FLAGS, TLS_ENVIRONMENT, MAX_TLS_FILE_BYTES, type TlsOptions, type TlsFiles, type TlsFlags, type TlsFileSetting,
} from './tls';
export {
  TraceRecorder, readTrace, formatEvent, traceFileError, TRACE_FORMAT_VERSION, READABLE_TRACE_VERSIONS, MAX_TRACE_FILE_BYTES, TRACE_FLUSH_BYTES,
  type Trace, type TraceEvent, type TraceEventKind, type TraceHeader, type TraceRecord, type TraceRunBody, type TraceRunName,
} from './trace';
export { MAX_MESSAGE_BYTES, MAX_FRAME_BYTES } from './codec';
export {
  replayTrace, describeDivergence, REPLAY_TIMER_EARLY_TOLERANCE_MS, REPLAY_WAIT_TURNS, REPLAY_OPTIONAL_WAIT_TURNS, REPLAY_SKIPPED_KEPT,
  type ReplayOptions, type ReplayResult, type ReplayDivergence, type SkippedEvent,
} from './replay';
