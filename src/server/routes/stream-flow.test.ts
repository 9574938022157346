import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { systemClock } from '../../core/clock.js'
import type { DomainEvent, EventLog, ReplayWindow, StoredEvent } from '../../stream/index.js'
import { MemoryEventLog } from '../../stream/index.js'
import { closesFor, logAfter, newest, report, seedSites, send } from '../test-support/stream-fixtures.js'
import { ADMIN_TOKEN, type TestServer, startTestServer } from '../test-support/test-server.js'
import { TestConsole, eventually } from '../test-support/ws-console.js'

/**
 * A memory log that appends more events in the middle of every replay read. 'alternate': on odd
 * reads before the read (the page holds them and they are held back as live: a repeat to
 * avoid), on even reads after it (only the held-back events have them: a gap to avoid).
 * 'at-end': after a read that found the end of the log (the replay is about to switch to live).
 */
class InterleavingLog implements EventLog {
  readonly inner = new MemoryEventLog({ clock: systemClock, maxEvents: 1_000_000, maxAgeMs: 3_600_000 })
  interleave = 0
  constructor(
    private readonly batch: number,
    private readonly mode: 'alternate' | 'at-end',
  ) {}
  /** Appends made before and after a read. */
  readonly made = { before: 0, after: 0 }
  private reads = 0

  private async more(when: 'before' | 'after'): Promise<void> {
    if (this.interleave <= 0) return
    this.interleave--
    this.made[when]++
    const event = (n: number): DomainEvent => ({ topic: 'telemetry', cameraId: 'n-1', siteId: 'north', ts: Date.now(), data: { seq: n, ts: new Date().toISOString(), metrics: { fps: n } } })
    await this.inner.append(Array.from({ length: this.batch }, (_, i) => event(i)))
  }

  async readAfter(after: number, limit: number): Promise<StoredEvent[]> {
    const odd = ++this.reads % 2 === 1 && this.mode === 'alternate'
    if (odd) await this.more('before')
    const page = await this.inner.readAfter(after, limit)
    if (!odd && (this.mode === 'alternate' || page.length < limit)) await this.more('after')
    return page
  }

  append(events: readonly DomainEvent[]): Promise<StoredEvent[]> {
    return this.inner.append(events)
  }
  window(): Promise<ReplayWindow> {
    return this.inner.window()
  }
  subscribe(listener: (events: readonly StoredEvent[]) => void): () => void {
    return this.inner.subscribe(listener)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

let t: TestServer
const consoles: TestConsole[] = []
afterEach(async () => {
  for (const c of consoles.splice(0)) c.close()
  await t.close()
})

async function open(): Promise<TestConsole> {
  const c = await TestConsole.open(t)
  consoles.push(c)
  return c
}

describe('the seam between replay and live', () => {
  it.each([
    ['held-back live events fit', 1000, 3, 'alternate'],
    ['held-back live events overflow and are read from the log instead', 8, 3, 'alternate'],
    ['they overflow while a read that finds the end of the log is under way', 8, 10, 'at-end'],
  ] as const)('loses and repeats nothing when events arrive while the log is read: %s', async (_name, maxQueueMessages, batch, mode) => {
    const log = new InterleavingLog(batch, mode)
    t = await startTestServer({}, { eventLog: log, stream: { replayPageSize: 4, maxQueueMessages } })
    await seedSites(t)
    for (let i = 0; i < 8; i++) await send(t, [report('n-1'), report('s-1')])
    const since = (await log.window()).oldest + 3
    log.interleave = 12
    const c = await open()
    c.send({ type: 'subscribe', since })
    await c.untilMessage('replayed')
    // The replay stops reading once it meets the held-back events; reads below are the test's.
    log.interleave = 0
    await send(t, [report('n-2')])
    const end = await newest(t)
    await c.untilEvent(end)
    // The interleavings happened, more than once.
    if (mode === 'alternate') expect(log.made.before).toBeGreaterThanOrEqual(2)
    expect(log.made.after).toBeGreaterThanOrEqual(2)
    expect(c.eventIds()).toEqual((await logAfter(t, since)).map((e) => e.id))
    const at = c.messages.findIndex((m) => m.type === 'replayed')
    const marker = c.messages[at] as { id: number }
    expect((c.messages[at - 1] as { id: number }).id).toBe(marker.id)
  })
})

describe('a console that does not keep up', () => {
  it('is told lagging and closed with 4008 while another console carries on, and resumes with since', async () => {
    t = await startTestServer({}, { stream: { maxQueueMessages: 500, maxQueueBytes: 1024 * 1024, socketHighWaterBytes: 256 * 1024 } })
    await seedSites(t)
    const start = await newest(t)
    const reader = await open()
    const stalled = await open()
    for (const c of [reader, stalled]) {
      c.send({ type: 'subscribe', since: start })
      await c.untilMessage('replayed')
    }
    stalled.socket.pause()

    // Big events (80 metrics each) until the stalled console's bound is passed.
    const wide = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`m_${i}`, i + 0.5]))
    let batches = 0
    while ((await closesFor(t, 'lagging')) === 0) {
      expect(batches++, 'batches sent without the stalled console lagging').toBeLessThan(400)
      await send(t, Array.from({ length: 50 }, (_, i) => report(i % 2 ? 'n-1' : 's-1', wide)))
    }
    expect(t.server.stream.size).toBe(1)
    const metrics = await (await t.api('/metrics')).text()
    expect(metrics).toMatch(/^camtel_stream_consoles 1$/m)
    expect(metrics).toMatch(/^camtel_stream_closes_total\{reason="lagging"\} 1$/m)

    await send(t, [report('n-2')])
    const end = await newest(t)
    await reader.untilEvent(end)
    const all = (await logAfter(t, start)).map((e) => e.id)
    expect(reader.eventIds()).toEqual(all)

    stalled.socket.resume()
    expect(await stalled.untilClosed()).toBe(4008)
    const last = stalled.messages.at(-1) as { type: string; id: number }
    expect(last.type).toBe('lagging')
    const received = stalled.eventIds()
    expect(received).toEqual(all.slice(0, received.length))
    expect(last.id).toBe(received.at(-1))

    const resumed = await open()
    resumed.send({ type: 'subscribe', since: last.id })
    await resumed.untilEvent(end)
    expect([...received, ...resumed.eventIds()]).toEqual(all)
    const after = await (await t.api('/metrics')).text()
    const count = (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(after)?.[1] ?? 0)
    expect(count('camtel_stream_messages_sent_total{kind="live"}')).toBeGreaterThanOrEqual(all.length)
    expect(count('camtel_stream_messages_sent_total{kind="replay"}')).toBeGreaterThanOrEqual(resumed.eventIds().length)
    expect(count('camtel_stream_frames_sent_total')).toBeGreaterThan(0)
  })

  it('cuts a console that stops answering pings', async () => {
    t = await startTestServer({}, { stream: { heartbeatMs: 20 } })
    const c = await open()
    c.send({ type: 'subscribe' })
    await eventually(() => t.server.stream.size === 1, 'the console to be accepted')
    c.socket.pause()
    await eventually(async () => (await closesFor(t, 'heartbeat')) === 1, 'the heartbeat to cut the console')
    expect(t.server.stream.size).toBe(0)
    c.socket.resume()
    expect(await c.untilClosed()).toBe(1006)
  })

  it('keeps a console that sends frames though it misses pongs, and cuts it after two silent pings', async () => {
    t = await startTestServer({}, { stream: { heartbeatMs: 50 } })
    // A console that never answers pings: only its own frames show it is there.
    const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/v1/stream?token=${ADMIN_TOKEN}`, { autoPong: false })
    await once(ws, 'open')
    let pings = 0
    /** Pings that arrived after the console last sent something. */
    let pingsSinceSent = 0
    ws.on('ping', () => {
      pings++
      pingsSinceSent++
    })
    let code: number | undefined
    ws.on('close', (c) => (code = c))
    const subscribe = () => {
      ws.send(JSON.stringify({ type: 'subscribe' }))
      pingsSinceSent = 0
    }
    subscribe()
    const talking = setInterval(subscribe, 5)
    try {
      await eventually(() => pings >= 10, 'ten pings')
      expect(code).toBeUndefined()
      expect(await closesFor(t, 'heartbeat')).toBe(0)
      expect(t.server.stream.size).toBe(1)
    } finally {
      clearInterval(talking)
    }
    await eventually(async () => (await closesFor(t, 'heartbeat')) === 1, 'the heartbeat to cut the silent console')
    await eventually(() => code !== undefined, 'the socket to close')
    expect(code).toBe(1006)
    // Not cut at the first ping that found it silent: the one after its last message still
    // found it alive, and the next one found it silent once before it was cut.
    expect(pingsSinceSent).toBeGreaterThanOrEqual(2)
  })
})
