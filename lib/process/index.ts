export { ActorHost, type ActorHostOptions, MAILBOX_BATCH, DRAIN_BUDGET } from './host';
export { RealClock, VirtualClock, MAX_SETTLE_WORK, VIRTUAL_CLOCK_START_MS, type Clock, type SettleProbe, type SocketTraffic, type TimerHandle, type VirtualClockOptions } from './clock';
export { MessageFilters, type MessagePattern, type DeliveredMessage, type FilterHandle } from './filters';
export { ok, httpError, type HttpRequest, type HttpResponse, type HttpHandler, MAX_HTTP_BODY_BYTES } from './http';
export { Prng } from './prng';
export { TraceRecorder, readTrace, formatEvent, type TraceEvent, type TraceHeader } from './trace';
export { MAX_MESSAGE_BYTES, MAX_FRAME_BYTES } from './codec';
export { replayTrace, describeDivergence, type ReplayOptions, type ReplayResult, type ReplayDivergence } from './replay';
