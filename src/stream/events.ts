/** A change the stream carries (DESIGN §6). `ts` is data time in epoch ms. */
export interface DomainEvent {
  readonly topic: 'telemetry' | 'status' | 'alert' | 'incident' | 'prediction' | 'workorder'
  readonly cameraId: string | null
  readonly siteId: string | null
  readonly ts: number
  readonly data: unknown
}

/** Where changes go once they are durable. The live stream subscribes to it. */
export interface EventSink {
  publish(events: readonly DomainEvent[]): void
}

/** The in-process fan-out: synchronous, ordered, no persistence. */
export class LocalEventHub implements EventSink {
  private readonly listeners = new Set<(events: readonly DomainEvent[]) => void>()

  publish(events: readonly DomainEvent[]): void {
    if (events.length === 0) return
    for (const l of this.listeners) l(events)
  }

  subscribe(listener: (events: readonly DomainEvent[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
