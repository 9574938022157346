import type { EventLog, StoredEvent } from './event-log.js'
import type { DomainEvent, EventSink } from './events.js'

/**
 * The server's event bus: producers (the ingest pipeline, the fleet, alerts) `publish`, which
 * appends to the event log; `subscribe` watches what the log has made durable, with ids, as the
 * stream sees it. `publish` stays synchronous for producers; the log keeps call order.
 */
export class EventLogSink implements EventSink {
  constructor(
    private readonly log: EventLog,
    /** A failed append: the events are not in the log, so consoles will not get them. */
    private readonly onError: (err: unknown, events: readonly DomainEvent[]) => void,
  ) {}

  publish(events: readonly DomainEvent[]): void {
    if (events.length === 0) return
    this.log.append(events).catch((err: unknown) => this.onError(err, events))
  }

  subscribe(listener: (events: readonly StoredEvent[]) => void): () => void {
    return this.log.subscribe(listener)
  }
}
