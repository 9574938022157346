/** The live stream (DESIGN §6): event log port and in-memory log, the sink producers publish to, the WebSocket hub. */
export type { DomainEvent, EventSink } from './events.js'
export { LocalEventHub } from './events.js'
export { type EventLog, EventListeners, JsonEvent, type ReplayWindow, type StoredEvent } from './event-log.js'
export { MemoryEventLog, type MemoryEventLogOptions, restartSafeFirstId } from './memory-event-log.js'
export { EventLogSink } from './log-sink.js'
export { StreamHub, type Reauthenticate, type StreamHubOptions } from './hub.js'
export { DEFAULT_STREAM_LIMITS, type StreamLimits } from './connection.js'
