import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/clock.js'
import type { Report } from '../../protocol/report.js'
import type { EventLog, StoredEvent } from '../../stream/index.js'
import { eventJson } from '../../stream/tick.js'
import { type EventLogHarness, describeEventLogContract } from '../../stream/test-support/event-log-contract.js'
import type { Store } from '../ports.js'
import type { SqliteEventLog } from './event-log.js'
import { BatchPacker } from './batch-pack.js'
import { openSqliteStore } from './index.js'
import { WriteCore } from './write-core.js'

/** With the writer thread come the replay thread too; without, replays are read inline (through the same connection type). */
function harness(writerThread: boolean): () => EventLogHarness {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'camtel-events-'))
    let store: Store | undefined
    const open: EventLogHarness['open'] = async (s) => {
      store = openSqliteStore({ dataDir: dir, sync: 'normal', writerThread, replayThread: writerThread })
      return (store.openEventLog as NonNullable<Store['openEventLog']>)({ clock: s.clock, maxEvents: s.maxEvents, maxAgeMs: s.maxAgeMs })
    }
    return {
      open,
      async reopen(s) {
        await store?.close()
        return open(s)
      },
      async dispose() {
        await store?.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
}

describeEventLogContract('SqliteEventLog', harness(true))
describeEventLogContract('SqliteEventLog, inline writer and replays', harness(false))

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0)
const ids = (events: readonly StoredEvent[]) => events.map((e) => e.id)
/** What a console receives of an event: its fields, and `data` as the JSON it is sent as. */
const wire = (e: StoredEvent) => ({ id: e.id, topic: e.topic, cameraId: e.cameraId, siteId: e.siteId, ts: e.ts, data: e.dataJson ?? JSON.stringify(e.data) })

describe.each([
  ['writer and replay threads', true],
  ['inline writer and replays', false],
])('SqliteEventLog with the telemetry store (%s)', (_, writerThread) => {
  let dir: string
  let store: Store
  let log: EventLog
  let clock: ManualClock
  let seq = 0
  let degraded: Error[] = []
  const report = (cameraId: string, metrics: Record<string, number> = { fps: 25, temperature_c: 41.5 }, over: Partial<Report> = {}): Report => ({
    cameraId,
    seq: ++seq,
    ts: T0 + seq * 1000,
    metrics,
    ...over,
  })

  const openStore = async () => {
    store = openSqliteStore({ dataDir: dir, sync: 'normal', writerThread, replayThread: writerThread })
    log = (store.openEventLog as NonNullable<Store['openEventLog']>)({ clock, maxEvents: 1000, maxAgeMs: 3_600_000, onDegraded: (err) => degraded.push(err) })
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camtel-events-'))
    clock = new ManualClock(T0)
    degraded = []
    await openStore()
    await store.registry.upsertSite({ id: 'north', name: 'North', lat: null, lon: null, timezone: null, uplinkMbps: null }, T0)
    await store.registry.upsertSite({ id: 'south', name: 'South', lat: null, lon: null, timezone: null, uplinkMbps: null }, T0)
    await store.registry.ensureCameras(['n-1', 'n-2'], 'north', T0)
    await store.registry.ensureCameras(['s-1'], 'south', T0)
  })
  afterEach(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('commits a telemetry event with each new report, none for a duplicate, and reads back what subscribers got', async () => {
    expect(store.telemetry.logsTelemetryEvents).toBe(true)
    const delivered: StoredEvent[] = []
    log.subscribe((events) => delivered.push(...events))
    const a = report('n-1', { fps: 25, temperature_c: 41.5, 'custom "odd" name': -0.000123, big: 1e21, tiny: 5e-324, neg: -17 })
    const b = report('s-1', {}, { seq: undefined })
    const outcomes = await store.telemetry.writeReports([a, b], T0)
    expect(outcomes.map((o) => o.duplicate)).toEqual([false, false])
    // The same report again, and a new one: only the new one is an event.
    const c = report('n-2')
    expect((await store.telemetry.writeReports([a, c], T0)).map((o) => o.duplicate)).toEqual([true, false])
    expect(ids(delivered)).toEqual([1, 2, 3])
    expect(delivered.map((e) => [e.cameraId, e.siteId])).toEqual([
      ['n-1', 'north'],
      ['s-1', 'south'],
      ['n-2', 'north'],
    ])
    expect(delivered[0]?.data).toEqual({ seq: a.seq, ts: new Date(a.ts).toISOString(), metrics: a.metrics })
    expect(delivered[1]?.data).toEqual({ seq: null, ts: new Date(b.ts).toISOString(), metrics: {} })
    const read = await log.readAfter(0, 100)
    // Byte for byte what the live path sends: the JSON rebuilt from the stored blob.
    expect(read.map(wire)).toEqual(delivered.map(wire))
    expect(read.map((e) => eventJson(e))).toEqual(delivered.map((e) => eventJson(e)))
    expect(read.every((e) => e.messageJson !== undefined)).toBe(true)
    expect(await log.window()).toEqual({ oldest: 1, newest: 3 })
  })

  it('rebuilds the JSON of any stored value exactly as JSON.stringify writes it', async () => {
    let x = 12345
    const random = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const values = [0, -0, 1, -1, 0.1, -0.1, 0.00001, -0.00005, 1.5e-7, 123456.78901, 2 ** 52, -(2 ** 51) + 1, 4503599627370495, 1e21, Number.MAX_VALUE, Number.MIN_VALUE]
    for (let i = 0; i < 2000; i++) {
      const scale = 10 ** Math.floor(random() * 7)
      const v = Math.round((random() - 0.5) * 10 ** Math.floor(random() * 12)) / scale
      values.push(v, v * 1.0000001, Math.fround(v))
    }
    const reports: Report[] = []
    for (let i = 0; i < values.length; i += 20) reports.push(report('n-1', Object.fromEntries(values.slice(i, i + 20).map((v, k) => [`m_${k}`, v]))))
    const delivered: StoredEvent[] = []
    log.subscribe((events) => delivered.push(...events))
    await store.telemetry.writeReports(reports, T0)
    const read = await log.readAfter(0, reports.length)
    expect(read).toHaveLength(reports.length)
    read.forEach((e, i) => expect(e.dataJson).toBe(JSON.stringify((delivered[i] as StoredEvent).data)))
  })

  it('numbers telemetry and other events in call order, and delivers them in that order', async () => {
    const batches: number[][] = []
    log.subscribe((events) => batches.push(ids(events)))
    const status = { topic: 'status', cameraId: 'n-1', siteId: 'north', ts: T0, data: { status: 'ok', previous: 'offline' } } as const
    const pending = [
      store.telemetry.writeReports([report('n-1'), report('n-2')], T0),
      log.append([status]),
      store.telemetry.writeReports([report('s-1')], T0),
      log.append([status, status]),
    ]
    await Promise.all(pending)
    expect(batches).toEqual([[1, 2], [3], [4], [5, 6]])
    expect((await log.readAfter(0, 100)).map((e) => e.topic)).toEqual(['telemetry', 'telemetry', 'status', 'telemetry', 'status', 'status'])
  })

  it('takes no ids for a write that fails, alone or in a group, and gives the next write the following ones', async () => {
    await store.close()
    const { default: Database } = await import('better-sqlite3')
    const db = new Database(join(dir, 'camtel.db'))
    try {
      const core = new WriteCore(db)
      const packer = new BatchPacker()
      const nums = db.prepare('SELECT id, num FROM cameras').all() as Array<{ id: string; num: number }>
      const camOf = (id: string) => nums.find((c) => c.id === id)?.num ?? 999
      const batch = (...reports: Report[]) => packer.pack(reports, T0, camOf, () => 1).slice()
      expect(core.write(batch(report('n-1')), true).firstEventId).toBe(1)
      expect(() => core.write(batch(report('n-2'), report('unregistered')), true)).toThrow(/not registered/)
      expect(core.appendEvents([['status', 'n-1', 'north', T0, '{}']], T0)).toBe(2)
      const results = core.writeGroup([
        () => core.write(batch(report('n-2'), report('s-1')), true),
        () => core.write(batch(report('unregistered')), true),
        () => core.appendEvents([['status', 'n-1', 'north', T0, '{}']], T0),
        () => core.write(batch(report('s-1')), true),
      ])
      expect(results.map((r) => (r instanceof Error ? 'error' : typeof r === 'number' ? r : (r as { firstEventId: number }).firstEventId))).toEqual([3, 'error', 5, 6])
      expect(db.prepare('SELECT id, n FROM events ORDER BY id').raw().all()).toEqual([
        [1, 1],
        [2, 1],
        [3, 2],
        [5, 1],
        [6, 1],
      ])
    } finally {
      db.close()
      await openStore()
    }
  })

  it('reads a page from inside a batch, and leaves out the events of a deleted camera', async () => {
    await store.telemetry.writeReports([report('n-1'), report('n-2'), report('s-1'), report('n-1'), report('n-2')], T0)
    expect(ids(await log.readAfter(1, 2))).toEqual([2, 3])
    expect(ids(await log.readAfter(3, 100))).toEqual([4, 5])
    await store.registry.deleteCamera('n-2')
    expect(ids(await log.readAfter(0, 100))).toEqual([1, 3, 4])
    // A page is full whenever the log holds that many more: only the end of the log makes it short.
    expect(ids(await log.readAfter(0, 2))).toEqual([1, 3])
    expect(ids(await log.readAfter(1, 2))).toEqual([3, 4])
  })

  it('reads pages of any size across chunks of lookups, past reports that are gone, byte for byte as delivered', async () => {
    await store.registry.ensureCameras(['n-3', 'ü-4'], 'north', T0)
    const cameras = ['n-1', 'n-2', 's-1', 'n-3', 'ü-4']
    const delivered: StoredEvent[] = []
    log.subscribe((events) => delivered.push(...events))
    for (let b = 0; b < 3; b++) {
      const reports: Report[] = []
      for (let i = 0; i < 230; i++) reports.push(report(cameras[(i * 7 + b) % cameras.length] as string, { fps: i / 4, temperature_c: 20 - i / 2, uptime_s: 86_400 * i }))
      await store.telemetry.writeReports(reports, T0)
    }
    expect(delivered).toHaveLength(690)
    const pages = async (limit: number) => {
      const out: StoredEvent[] = []
      for (let after = 0; ; ) {
        const page = await log.readAfter(after, limit)
        out.push(...page)
        if (page.length < limit) return out
        after = (page[page.length - 1] as StoredEvent).id
      }
    }
    const asSent = (events: readonly StoredEvent[]) => events.map((e) => [e.id, e.siteId, eventJson(e), e.messageBytes && Buffer.from(e.messageBytes).toString(), e.dataJson])
    const expected = delivered.map((e) => [e.id, e.siteId, eventJson(e), eventJson(e), JSON.stringify(e.data)])
    for (const limit of [1, 3, 255, 256, 257, 300, 1000]) expect(asSent(await pages(limit))).toEqual(expected)
    expect((await log.readAfter(0, 1))[0]?.data).toEqual(delivered[0]?.data)
    // Reports gone (a camera deleted): their events are left out, and pages stay full.
    await store.registry.deleteCamera('n-2')
    const kept = expected.filter((_, i) => (delivered[i] as StoredEvent).cameraId !== 'n-2')
    expect(kept.length).toBeLessThan(690)
    for (const limit of [1, 17, 256, 1000]) expect(asSent(await pages(limit))).toEqual(kept)
    // Reports gone one by one (as raw retention deletes them), their cameras still there.
    const { default: Database } = await import('better-sqlite3')
    const db = new Database(join(dir, 'camtel.db'))
    try {
      db.pragma('busy_timeout = 5000')
      db.prepare("DELETE FROM reports WHERE cam = (SELECT num FROM cameras WHERE id = 'n-1') AND seq % 3 = 0").run()
    } finally {
      db.close()
    }
    const left = kept.filter((_, i) => {
      const e = delivered.filter((d) => d.cameraId !== 'n-2')[i] as StoredEvent
      return !(e.cameraId === 'n-1' && (e.data as { seq: number }).seq % 3 === 0)
    })
    expect(left.length).toBeLessThan(kept.length - 40)
    for (const limit of [1, 5, 256, 257, 1000]) expect(asSent(await pages(limit))).toEqual(left)
  })

  it("gives telemetry events the camera's site as the registry holds it, live and replayed", async () => {
    const delivered: StoredEvent[] = []
    log.subscribe((events) => delivered.push(...events))
    await store.telemetry.writeReports([report('n-1')], T0)
    expect((await log.readAfter(0, 10)).map((e) => e.siteId)).toEqual(['north'])
    await store.registry.upsertCamera({ id: 'n-1', name: 'n-1', siteId: 'south', lat: null, lon: null, model: null, firmware: null, tags: [], offlineAfter: null }, T0)
    await store.telemetry.writeReports([report('n-1')], T0)
    expect(delivered.map((e) => e.siteId)).toEqual(['north', 'south'])
    expect((await log.readAfter(0, 10)).map((e) => e.siteId)).toEqual(['south', 'south'])
  })

  it('reads the pages a replay asks for next ahead, and never answers with one the log or the registry has outdated', async () => {
    for (let i = 0; i < 5; i++) await store.telemetry.writeReports([report('n-1')], T0)
    // Page 1 is read; pages 2 and 3 are read ahead, the third short: the end of the log then.
    expect(ids(await log.readAfter(0, 2))).toEqual([1, 2])
    await (log as SqliteEventLog).readAheadForTest()
    await store.telemetry.writeReports([report('n-1'), report('n-2'), report('n-1')], T0)
    expect(ids(await log.readAfter(2, 2))).toEqual([3, 4])
    // The log has grown since the short page was read: it is read again.
    expect(ids(await log.readAfter(4, 2))).toEqual([5, 6])
    // A camera moved: pages read ahead before that are not used.
    await (log as SqliteEventLog).readAheadForTest()
    await store.registry.upsertCamera({ id: 'n-1', name: 'n-1', siteId: 'south', lat: null, lon: null, model: null, firmware: null, tags: [], offlineAfter: null }, T0)
    expect((await log.readAfter(6, 2)).map((e) => [e.id, e.siteId])).toEqual([
      [7, 'north'],
      [8, 'south'],
    ])
    // A page that starts elsewhere than one read ahead is read as asked.
    expect(ids(await log.readAfter(5, 2))).toEqual([6, 7])
    expect(degraded).toEqual([])
  })

  it('reads a page larger than its first room, and one asked far larger than the log', async () => {
    await store.close()
    store = openSqliteStore({ dataDir: dir, sync: 'normal', writerThread, replayThread: writerThread })
    log = (store.openEventLog as NonNullable<Store['openEventLog']>)({ clock, maxEvents: 100_000, maxAgeMs: 3_600_000 })
    for (let b = 0; b < 5; b++) await store.telemetry.writeReports(Array.from({ length: 1000 }, (_, i) => report(i % 2 ? 'n-1' : 's-1', { fps: i })), T0)
    const all = await log.readAfter(0, 1_000_000_000)
    expect(ids(all)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1))
    expect((all[4999] as StoredEvent).data).toMatchObject({ metrics: { fps: 999 } })
    expect(ids(await log.readAfter(10, 4500))).toEqual(Array.from({ length: 4500 }, (_, i) => i + 11))
  })

  it.runIf(writerThread)('reads replays on the main thread once the replay thread has died, page for page the same', async () => {
    const reports: Report[] = []
    for (let i = 0; i < 50; i++) reports.push(report(i % 2 ? 'n-1' : 's-1', { fps: i, temperature_c: 30 + i / 10 }))
    await store.telemetry.writeReports(reports, T0)
    const before = (await log.readAfter(0, 100)).map(wire)
    expect(before).toHaveLength(50)
    const first = (await log.readAfter(0, 10)).map(wire)
    // Pages 2 and 3 are read ahead; the thread dies with them unanswered, or after.
    await (log as SqliteEventLog).killReplayThreadForTest()
    const rest: ReturnType<typeof wire>[] = []
    for (let after = 10; ; ) {
      const page = await log.readAfter(after, 10)
      rest.push(...page.map(wire))
      if (page.length < 10) break
      after = (page[page.length - 1] as StoredEvent).id
    }
    expect([...first, ...rest]).toEqual(before)
    expect(degraded).toHaveLength(1)
    expect(degraded[0]?.message).toMatch(/replay thread died/)
  })

  it('keeps telemetry events across a restart and continues their ids', async () => {
    const before = await store.telemetry.writeReports([report('n-1'), report('s-1')], T0)
    expect(before).toHaveLength(2)
    const first = (await log.readAfter(0, 10)).map(wire)
    await store.close()
    await openStore()
    expect((await log.readAfter(0, 10)).map(wire)).toEqual(first)
    const delivered: number[] = []
    log.subscribe((events) => delivered.push(...ids(events)))
    await store.telemetry.writeReports([report('n-2')], T0)
    expect(delivered).toEqual([3])
  })

  it('deletes rows that left the window in the background, keeping the newest, without changing what is read', async () => {
    await store.close()
    store = openSqliteStore({ dataDir: dir, sync: 'normal', writerThread })
    const small = (store.openEventLog as NonNullable<Store['openEventLog']>)({ clock, maxEvents: 3, maxAgeMs: 60_000 }) as SqliteEventLog
    log = small
    for (let i = 0; i < 4; i++) await store.telemetry.writeReports([report('n-1'), report('n-2')], T0)
    await small.append([{ topic: 'status', cameraId: 'n-1', siteId: 'north', ts: T0, data: { status: 'ok', previous: 'offline' } }])
    const rows = () => countRows(dir)
    expect(await rows()).toBe(5)
    const before = await small.readAfter(0, 100)
    expect(ids(before)).toEqual([7, 8, 9])
    await small.trim()
    // Rows [1,2] [3,4] [5,6] are wholly below 7; [7,8] and 9 stay.
    expect(await rows()).toBe(2)
    expect((await small.readAfter(0, 100)).map(wire)).toEqual(before.map(wire))
    clock.advance(120_000)
    await small.trim()
    expect(await small.window()).toEqual({ oldest: 10, newest: 9 })
    expect(await rows()).toBe(1)
    await store.close()
    store = openSqliteStore({ dataDir: dir, sync: 'normal', writerThread })
    log = (store.openEventLog as NonNullable<Store['openEventLog']>)({ clock, maxEvents: 3, maxAgeMs: 60_000 })
    expect(await log.window()).toEqual({ oldest: 10, newest: 9 })
    await store.telemetry.writeReports([report('s-1')], T0 + 120_000)
    expect(ids(await log.readAfter(0, 10))).toEqual([10])
  })
})

async function countRows(dir: string): Promise<number> {
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(join(dir, 'camtel.db'), { readonly: true })
  try {
    return db.prepare('SELECT count(*) FROM events').pluck().get() as number
  } finally {
    db.close()
  }
}
