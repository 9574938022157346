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

  private last: Promise<void> = Promise.resolve()

  publish(events: readonly DomainEvent[]): void {
    if (events.length === 0) return
    this.last = this.log.append(events).then(
      () => undefined,
      (err: unknown) => this.onError(err, events),
    )
  }

  /**
   * Resolves once every publish so far is in the log (or failed). A durable log commits after
   * `publish` returns; appends settle in call order, so the last one stands for all.
   */
  settled(): Promise<void> {
    return this.last
  }

  subscribe(listener: (events: readonly StoredEvent[]) => void): () => void {
    return this.log.subscribe(listener)
  }
}
