import type { Clock } from '../core/clock.js'
import { type EventLog, EventListeners, JsonEvent, type ReplayWindow, type StoredEvent } from './event-log.js'
import type { DomainEvent } from './events.js'

export interface MemoryEventLogOptions {
  clock: Clock
  /** Events kept for replay at most (CAMTEL_REPLAY_EVENTS). */
  maxEvents: number
  /** How long an event stays replayable after it was appended, ms (CAMTEL_REPLAY_AGE). */
  maxAgeMs: number
  /** Where an exception thrown by a listener goes; the other listeners still get the batch. */
  onListenerError?: (err: unknown) => void
  /** The first id (default 1). The server uses `restartSafeFirstId`; see there. */
  firstId?: number
}

/**
 * A first id above any this log can have handed out in an earlier run of the process: start
 * time in ms times 1,000, which holds unless a run averaged over a million events a second.
 * Without it ids would start at 1 again after a restart, and a console resuming with an old
 * `since` could land inside the new log's window and silently miss events; with it, that
 * `since` is below the window and the console gets `reset`.
 */
export function restartSafeFirstId(now: number): number {
  return Math.max(1, Math.floor(now) * 1000)
}

/** Below this many dead entries at the front, compacting the arrays is not worth a copy. */
const COMPACT_MIN = 4096

/**
 * The event log in memory: for tests, for a store without a log of its own, and the reference
 * the contract suite is checked against (the server uses the store's durable log, in the data
 * folder: src/store/sqlite/event-log.ts). A restart loses it, so a console
 * resuming across a restart gets `reset` rather than a silent gap (its `since` is then above
 * the new, empty log's newest id).
 *
 * Ids are contiguous, so an id's index is found by subtraction. The age of an event is the time
 * it was appended, not its data time: a backlog of old reports is as replayable as live ones.
 */
export class MemoryEventLog implements EventLog {
  private events: StoredEvent[] = []
  private appendedAt: number[] = []
  /** Index of the oldest event still in the window. */
  private head = 0
  private nextId: number
  private readonly listeners: EventListeners
  private closed = false

  constructor(private readonly o: MemoryEventLogOptions) {
    this.listeners = new EventListeners(o.onListenerError)
    if (!(o.maxEvents >= 1) || !(o.maxAgeMs > 0)) throw new RangeError('maxEvents must be at least 1 and maxAgeMs positive')
    this.nextId = o.firstId ?? 1
    if (!Number.isSafeInteger(this.nextId) || this.nextId < 1) throw new RangeError('firstId must be a positive safe integer')
  }

  // Not `async`-awaiting anything before the ids are taken: callers that do not wait for one
  // append before the next still get ids in call order.
  async append(events: readonly DomainEvent[]): Promise<StoredEvent[]> {
    if (this.closed) throw new Error('the event log is closed')
    if (events.length === 0) return []
    const now = this.o.clock.now()
    // Serialised here, once: later changes to the producer's objects do not reach the log.
    const stored: StoredEvent[] = events.map((e) => new JsonEvent(this.nextId++, e.topic, e.cameraId, e.siteId, e.ts, JSON.stringify(e.data ?? null)))
    for (const e of stored) {
      this.events.push(e)
      this.appendedAt.push(now)
    }
    this.evict(now)
    this.listeners.deliver(stored)
    return stored.slice()
  }

  async readAfter(after: number, limit: number): Promise<StoredEvent[]> {
    if (this.closed) throw new Error('the event log is closed')
    this.evict(this.o.clock.now())
    const first = this.events[this.head]
    if (first === undefined || limit < 1) return []
    const start = this.head + Math.max(0, Math.floor(after) + 1 - first.id)
    return this.events.slice(start, start + Math.floor(limit))
  }

  async window(): Promise<ReplayWindow> {
    if (this.closed) throw new Error('the event log is closed')
    this.evict(this.o.clock.now())
    return { oldest: this.events[this.head]?.id ?? this.nextId, newest: this.nextId - 1 }
  }

  subscribe(listener: (events: readonly StoredEvent[]) => void): () => void {
    return this.listeners.add(listener)
  }

  async close(): Promise<void> {
    this.closed = true
    this.listeners.clear()
  }

  private evict(now: number): void {
    const minAt = now - this.o.maxAgeMs
    const end = this.events.length
    let head = this.head
    if (end - head > this.o.maxEvents) head = end - this.o.maxEvents
    while (head < end && (this.appendedAt[head] as number) < minAt) head++
    this.head = head
    if (head >= COMPACT_MIN && head * 2 >= end) {
      this.events = this.events.slice(head)
      this.appendedAt = this.appendedAt.slice(head)
      this.head = 0
    }
  }
}
