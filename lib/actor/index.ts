export { Actor, dispatch, type EventQueueCounts, type Handler, type Timer } from './actor';
export { defineMessage, type MessageType, type BodyOf } from './message';
export { UPID, InvalidUPIDError, MAX_UPID_LENGTH } from './upid';
