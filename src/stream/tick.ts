import type { StoredEvent } from './event-log.js'
import type { Frame } from './send-queue.js'

/** The wire form of an event (DESIGN §6); `ts` becomes RFC 3339 data time. */
export function eventJson(e: StoredEvent): string {
  if (e.messageJson !== undefined) return e.messageJson
  const ts = Number.isFinite(e.ts) ? `"${new Date(e.ts).toISOString()}"` : 'null'
  // Built by hand around `data`'s JSON, which the log may already hold (StoredEvent.dataJson).
  const data = e.dataJson ?? JSON.stringify(e.data ?? null)
  return `{"type":"event","id":${e.id},"topic":${JSON.stringify(e.topic)},"cameraId":${JSON.stringify(e.cameraId)},"siteId":${JSON.stringify(e.siteId)},"ts":${ts},"data":${data}}`
}

/**
 * The events appended since the last flush. Each is serialised once, for every console, and
 * a console that sees every event and is keeping up gets the whole tick as frames built once
 * for all of them: with a thousand such consoles, that is a thousand writes of one buffer
 * rather than a thousand queues and joins.
 */
export class Tick {
  private readonly events: StoredEvent[] = []
  private readonly json: Array<string | undefined> = []
  private whole: Frame[] | undefined
  private wholeBytes = 0

  get size(): number {
    return this.events.length
  }

  get firstId(): number {
    return this.events[0]?.id ?? 0
  }

  get lastId(): number {
    return this.events[this.events.length - 1]?.id ?? 0
  }

  /** Adds a batch; answers the index of its first event. */
  add(batch: readonly StoredEvent[]): number {
    const base = this.events.length
    for (const e of batch) {
      this.events.push(e)
      this.json.push(undefined)
    }
    this.whole = undefined
    return base
  }

  event(i: number): StoredEvent {
    return this.events[i] as StoredEvent
  }

  jsonAt(i: number): string {
    return (this.json[i] ??= eventJson(this.events[i] as StoredEvent))
  }

  /** Every event of the tick as frames of at most `maxBytes` (one event always fits). */
  frames(maxBytes: number): readonly Frame[] {
    if (this.whole && this.wholeBytes === maxBytes) return this.whole
    const frames: Frame[] = []
    let start = 0
    while (start < this.events.length) {
      let end = start
      let bytes = 0
      while (end < this.events.length) {
        const len = this.jsonAt(end).length
        if (end > start && bytes + len > maxBytes) break
        bytes += len
        end++
      }
      const parts = this.json.slice(start, end) as string[]
      const data = Buffer.from(parts.length === 1 ? (parts[0] as string) : `[${parts.join(',')}]`)
      frames.push({ data, messages: end - start, byKind: { live: end - start, replay: 0, control: 0 } })
      start = end
    }
    this.whole = frames
    this.wholeBytes = maxBytes
    return frames
  }
}
