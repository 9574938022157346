import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/clock.js'
import type { EventLog, StoredEvent } from '../event-log.js'
import type { DomainEvent } from '../events.js'

export interface EventLogSettings {
  clock: ManualClock
  /** CAMTEL_REPLAY_EVENTS */
  maxEvents: number
  /** CAMTEL_REPLAY_AGE, ms */
  maxAgeMs: number
}

/** How the suite gets logs of one implementation. A fresh harness per test. */
export interface EventLogHarness {
  open(settings: EventLogSettings): Promise<EventLog>
  /** Durable logs: opens the same storage again after the first log was closed. */
  reopen?(settings: EventLogSettings): Promise<EventLog>
  dispose?(): Promise<void>
}

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0)
const HOUR = 3_600_000

/** A telemetry event as the pipeline makes them; `n` makes each one different. */
export function telemetryEvent(n: number, over: Partial<DomainEvent> = {}): DomainEvent {
  return {
    topic: 'telemetry',
    cameraId: `cam-${n % 7}`,
    siteId: n % 2 === 0 ? 'north' : 'south',
    ts: T0 - n * 1000,
    data: { seq: n, ts: new Date(T0 - n * 1000).toISOString(), metrics: { fps: 20 + (n % 5), temperature_c: 40.5 } },
    ...over,
  }
}

const ids = (events: readonly StoredEvent[]) => events.map((e) => e.id)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
/** The fields of an event, read one by one: a log may keep `data` in another form and give it on access. */
const fields = (e: DomainEvent) => ({ topic: e.topic, cameraId: e.cameraId, siteId: e.siteId, ts: e.ts, data: e.data })
const stored = (e: StoredEvent) => ({ id: e.id, ...fields(e) })

/**
 * The contract every EventLog must pass (DESIGN §6): the memory log, the durable embedded log,
 * and later NATS JetStream. Run it with `describeEventLogContract('MemoryEventLog', () => ...)`.
 */
export function describeEventLogContract(name: string, newHarness: () => EventLogHarness | Promise<EventLogHarness>): void {
  describe(`${name} (EventLog contract)`, () => {
    let harness: EventLogHarness
    let clock: ManualClock
    const logs: EventLog[] = []
    const open = async (o: Partial<Omit<EventLogSettings, 'clock'>> = {}) => {
      const log = await harness.open({ clock, maxEvents: 1_000_000, maxAgeMs: 24 * HOUR, ...o })
      logs.push(log)
      return log
    }

    beforeEach(async () => {
      clock = new ManualClock(T0)
      harness = await newHarness()
    })
    afterEach(async () => {
      for (const log of logs.splice(0)) await log.close()
      await harness.dispose?.()
    })

    it('starts empty: nothing to read and a window of {oldest: 1, newest: 0}', async () => {
      const log = await open()
      expect(await log.window()).toEqual({ oldest: 1, newest: 0 })
      expect(await log.readAfter(0, 100)).toEqual([])
    })

    it('gives ids strictly increasing from 1 and keeps every field of every topic', async () => {
      const log = await open()
      const first = [telemetryEvent(1), telemetryEvent(2), { topic: 'status', cameraId: 'cam-1', siteId: 'north', ts: T0, data: { status: 'offline', previous: 'ok' } } as const]
      const second = [{ topic: 'incident', cameraId: null, siteId: 'north', ts: T0 + 1, data: { id: 'i-1', cameras: ['a', 'b'] } } as const, telemetryEvent(3, { siteId: null })]
      const a = await log.append(first)
      const b = await log.append(second)
      expect(ids(a)).toEqual([1, 2, 3])
      expect(ids(b)).toEqual([4, 5])
      expect(a.map(fields)).toEqual(first.map(fields))
      expect(b.map(fields)).toEqual(second.map(fields))
      const read = await log.readAfter(0, 100)
      expect(read.map(stored)).toEqual([...a, ...b].map(stored))
      expect(await log.window()).toEqual({ oldest: 1, newest: 5 })
    })

    it('keeps an event as appended, whatever the caller does with its objects afterwards', async () => {
      const log = await open()
      const e = telemetryEvent(1)
      await log.append([e])
      ;(e.data as { metrics: Record<string, number> }).metrics.fps = -1
      const [read] = await log.readAfter(0, 1)
      expect((read?.data as { metrics: Record<string, number> }).metrics.fps).toBe(21)
    })

    it('takes no id for an empty append and delivers nothing', async () => {
      const log = await open()
      const seen: StoredEvent[][] = []
      log.subscribe((events) => seen.push([...events]))
      expect(await log.append([])).toEqual([])
      expect(ids(await log.append([telemetryEvent(1)]))).toEqual([1])
      expect(seen.map(ids)).toEqual([[1]])
    })

    it('gives ids in call order to appends that do not wait for each other', async () => {
      const log = await open()
      const pending = [log.append([telemetryEvent(1)]), log.append([telemetryEvent(2), telemetryEvent(3)]), log.append([telemetryEvent(4)])]
      expect((await Promise.all(pending)).map(ids)).toEqual([[1], [2, 3], [4]])
      expect((await log.readAfter(0, 10)).map((e) => (e.data as { seq: number }).seq)).toEqual([1, 2, 3, 4])
    })

    it('reads after an id in pages, oldest first, every event once', async () => {
      const log = await open()
      let n = 0
      for (const size of [1, 5, 3, 9, 7]) await log.append(Array.from({ length: size }, () => telemetryEvent(++n)))
      const seen: number[] = []
      let after = 0
      for (;;) {
        const page = await log.readAfter(after, 4)
        expect(page.length).toBeLessThanOrEqual(4)
        if (page.length === 0) break
        seen.push(...ids(page))
        after = page.at(-1)!.id
      }
      expect(seen).toEqual(range(1, 25))
      expect(ids(await log.readAfter(10, 1))).toEqual([11])
      expect(await log.readAfter(25, 10)).toEqual([])
      expect(await log.readAfter(1000, 10)).toEqual([])
    })

    it('keeps only the last maxEvents for replay', async () => {
      const log = await open({ maxEvents: 5 })
      await log.append([1, 2, 3].map((i) => telemetryEvent(i)))
      await log.append([4, 5, 6, 7, 8].map((i) => telemetryEvent(i)))
      expect(await log.window()).toEqual({ oldest: 4, newest: 8 })
      expect(ids(await log.readAfter(0, 100))).toEqual([4, 5, 6, 7, 8])
      expect(ids(await log.readAfter(5, 100))).toEqual([6, 7, 8])
      await log.append([telemetryEvent(9)])
      expect(await log.window()).toEqual({ oldest: 5, newest: 9 })
    })

    it('drops events older than maxAge, counted from when they were appended, not their data time', async () => {
      const maxAgeMs = 10 * 60_000
      const log = await open({ maxAgeMs })
      // Reports from a day ago, appended now (a backlog after an outage): replayable like live ones.
      await log.append([telemetryEvent(1, { ts: T0 - 24 * HOUR }), telemetryEvent(2, { ts: T0 - 24 * HOUR })])
      clock.advance(60_000)
      await log.append([telemetryEvent(3)])
      clock.set(T0 + maxAgeMs - 1)
      expect(await log.window()).toEqual({ oldest: 1, newest: 3 })
      clock.set(T0 + maxAgeMs + 1)
      expect(await log.window()).toEqual({ oldest: 3, newest: 3 })
      expect(ids(await log.readAfter(0, 100))).toEqual([3])
      clock.advance(60_000)
      // Everything aged out, without any append in between: the window is empty past the newest.
      expect(await log.window()).toEqual({ oldest: 4, newest: 3 })
      expect(await log.readAfter(0, 100)).toEqual([])
      expect(ids(await log.append([telemetryEvent(4)]))).toEqual([4])
      expect(await log.window()).toEqual({ oldest: 4, newest: 4 })
    })

    it('delivers each appended batch to every subscriber, in id order, exactly once', async () => {
      const log = await open()
      const a: number[][] = []
      const b: number[][] = []
      const stopA = log.subscribe((events) => a.push(ids(events)))
      log.subscribe((events) => b.push(ids(events)))
      const appended = await Promise.all([log.append([telemetryEvent(1), telemetryEvent(2)]), log.append([telemetryEvent(3)]), log.append([telemetryEvent(4)])])
      expect(a).toEqual(appended.map(ids))
      expect(b).toEqual(appended.map(ids))
      stopA()
      await log.append([telemetryEvent(5)])
      expect(a).toEqual([[1, 2], [3], [4]])
      expect(b).toEqual([[1, 2], [3], [4], [5]])
    })

    it('makes an event readable before it reaches a subscriber', async () => {
      const log = await open()
      const reads: Array<Promise<StoredEvent[]>> = []
      const delivered: number[][] = []
      log.subscribe((events) => {
        delivered.push(ids(events))
        reads.push(log.readAfter(events[0]!.id - 1, 100))
      })
      for (let i = 1; i <= 5; i++) await log.append([telemetryEvent(i), telemetryEvent(i + 100)])
      const readBack = await Promise.all(reads)
      readBack.forEach((read, i) => expect(ids(read).slice(0, 2)).toEqual(delivered[i]))
    })

    it('on close stops delivering and refuses appends', async () => {
      const log = await open()
      const seen: number[] = []
      log.subscribe((events) => seen.push(...ids(events)))
      await log.append([telemetryEvent(1)])
      await log.close()
      await expect(log.append([telemetryEvent(2)])).rejects.toThrow()
      expect(seen).toEqual([1])
    })

    it('keeps its events and continues the ids after a reopen, when durable', async (ctx) => {
      if (!harness.reopen) return ctx.skip()
      const settings = { clock, maxEvents: 1000, maxAgeMs: 24 * HOUR }
      const log = await harness.open(settings)
      const before = await log.append([telemetryEvent(1), telemetryEvent(2), telemetryEvent(3)])
      await log.close()
      const again = await harness.reopen(settings)
      logs.push(again)
      expect(await again.window()).toEqual({ oldest: 1, newest: 3 })
      expect((await again.readAfter(0, 100)).map(stored)).toEqual(before.map(stored))
      expect(ids(await again.append([telemetryEvent(4)]))).toEqual([4])
    })

    it('holds the replay window across a reopen, by count and by age', async (ctx) => {
      if (!harness.reopen) return ctx.skip()
      const settings = { clock, maxEvents: 5, maxAgeMs: 10 * 60_000 }
      const log = await harness.open(settings)
      await log.append([1, 2, 3].map((i) => telemetryEvent(i)))
      clock.advance(5 * 60_000)
      await log.append([4, 5, 6, 7, 8].map((i) => telemetryEvent(i)))
      await log.close()
      const again = await harness.reopen(settings)
      logs.push(again)
      expect(await again.window()).toEqual({ oldest: 4, newest: 8 })
      expect(ids(await again.readAfter(0, 100))).toEqual([4, 5, 6, 7, 8])
      clock.advance(6 * 60_000)
      expect(await again.window()).toEqual({ oldest: 4, newest: 8 })
      clock.advance(5 * 60_000)
      expect(await again.window()).toEqual({ oldest: 9, newest: 8 })
    })

    it('continues the ids after a reopen even when every event had aged out', async (ctx) => {
      if (!harness.reopen) return ctx.skip()
      const settings = { clock, maxEvents: 1000, maxAgeMs: 60_000 }
      const log = await harness.open(settings)
      await log.append([telemetryEvent(1), telemetryEvent(2)])
      clock.advance(120_000)
      expect(await log.window()).toEqual({ oldest: 3, newest: 2 })
      await log.close()
      const again = await harness.reopen(settings)
      logs.push(again)
      expect(await again.window()).toEqual({ oldest: 3, newest: 2 })
      expect(await again.readAfter(0, 10)).toEqual([])
      expect(ids(await again.append([telemetryEvent(3)]))).toEqual([3])
    })
  })
}
