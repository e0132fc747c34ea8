export { Actor, dispatch, post, type EventQueueCounts, type Handler, type Timer } from './actor';
export { defineMessage, type MessageType, type BodyOf } from './message';
export { UPID, InvalidUPIDError, MAX_UPID_LENGTH } from './upid';
