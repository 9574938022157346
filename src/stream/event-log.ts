import type { DomainEvent } from './events.js'

/** An event with its place in the log. Ids increase strictly across the whole fleet. */
export interface StoredEvent extends DomainEvent {
  readonly id: number
  /**
   * `data` as JSON, when the log keeps it that way (it need not). The stream then sends it as
   * is rather than serialise `data` again for every replay: a log that holds a million events
   * replays them at the speed of copying strings.
   */
  readonly dataJson?: string
  /**
   * The whole event message as the stream sends it (`tick.ts` `eventJson`), when the log builds
   * it anyway; it must be exactly what `eventJson` would make of the other fields.
   */
  readonly messageJson?: string
  /**
   * The same message as UTF-8 bytes, when the log builds it that way: a replay then hands the
   * bytes to the socket without making a string of them first.
   */
  readonly messageBytes?: Uint8Array
}

/**
 * A logged event that keeps `data` as its JSON, which takes half the memory of the objects and
 * is what the stream sends anyway; `data` is parsed back on access. (So `data` is not an own
 * property: read it, do not spread the event.)
 */
export class JsonEvent implements StoredEvent {
  constructor(
    readonly id: number,
    readonly topic: StoredEvent['topic'],
    readonly cameraId: string | null,
    readonly siteId: string | null,
    readonly ts: number,
    readonly dataJson: string,
  ) {}

  get data(): unknown {
    return JSON.parse(this.dataJson)
  }
}

export interface ReplayWindow {
  /** Lowest id that can still be replayed (newest + 1 when the log is empty). */
  readonly oldest: number
  /** Highest id appended so far (0 when none). */
  readonly newest: number
}

/**
 * The durable, ordered log of everything the live stream carries (DESIGN §6). Implementations:
 * the embedded one in the SQLite data folder; later NATS JetStream for several instances.
 * Each must pass `test-support/event-log-contract.ts`.
 *
 * Invariants the stream relies on for a gap-free, repeat-free seam between replay and live:
 * - the first id is 1; appends get ids in the order they were called, even when the caller
 *   does not wait for one append before the next;
 * - an event handed to a subscriber is already visible to `readAfter`, and when `readAfter`
 *   returns id n, every id below n that is still in the window is visible too;
 * - the window only moves forward: `oldest` and `newest` never decrease.
 */
export interface EventLog {
  /** Appends durably; resolves with the events and their ids, in order. */
  append(events: readonly DomainEvent[]): Promise<StoredEvent[]>
  /** Events with id > `after`, oldest first, at most `limit`. Only ids inside the window. */
  readAfter(after: number, limit: number): Promise<StoredEvent[]>
  /** What can be replayed now (CAMTEL_REPLAY_AGE, CAMTEL_REPLAY_EVENTS). */
  window(): Promise<ReplayWindow>
  /**
   * Every appended batch, in id order, as soon as it is durable, each exactly once. Listeners
   * must not throw; a listener added during a delivery gets the next batch, not that one.
   */
  subscribe(listener: (events: readonly StoredEvent[]) => void): () => void
  /**
   * A console connected, so replays may follow: a log that starts something to read them (a
   * thread, a connection) may start it now rather than in the first replay. Optional.
   */
  warm?(): void
  /** Stops delivery; later appends reject. */
  close(): Promise<void>
}

/**
 * An event log's subscribers, for its implementations: each subscription is its own (one
 * function subscribed twice gets each batch twice, and either unsubscribes alone), a batch goes
 * to the subscribers there were when it was delivered, and a listener that throws is reported
 * while the others still get the batch.
 */
export class EventListeners {
  private readonly listeners = new Set<(events: readonly StoredEvent[]) => void>()

  constructor(private readonly onError?: (err: unknown) => void) {}

  add(listener: (events: readonly StoredEvent[]) => void): () => void {
    const wrapped = (events: readonly StoredEvent[]) => listener(events)
    this.listeners.add(wrapped)
    return () => void this.listeners.delete(wrapped)
  }

  deliver(events: readonly StoredEvent[]): void {
    // A snapshot, so that a listener added while this batch is delivered starts with the next.
    for (const listener of [...this.listeners]) {
      try {
        listener(events)
      } catch (err) {
        this.onError?.(err)
      }
    }
  }

  clear(): void {
    this.listeners.clear()
  }
}
