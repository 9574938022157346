import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Report } from '../protocol/report.js'
import { type Batch, type BufferOptions, ReportBuffer } from './buffer.js'

const T0 = Date.UTC(2026, 0, 10, 12)
const dirs: string[] = []
const open: ReportBuffer[] = []

const options = new WeakMap<ReportBuffer, BufferOptions>()

function openBuffer(o: Partial<BufferOptions> & { dir?: string } = {}): ReportBuffer {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'camtel-buffer-'))
  if (!o.dir) dirs.push(dir)
  const all = { capBytes: 1 << 30, dedupWindowMs: 60_000, now: T0, sync: 'normal' as const, ...o, dir }
  const b = ReportBuffer.open(all)
  options.set(b, all)
  open.push(b)
  return b
}

/** Closes and opens the buffer again, as a restart does: everything in it is backlog then. */
function reopen(b: ReportBuffer): ReportBuffer {
  b.close()
  return openBuffer(options.get(b))
}

afterEach(() => {
  for (const b of open.splice(0)) b.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const report = (cameraId: string, ts: number, seq?: number): Report => ({ cameraId, ts, seq, metrics: { fps: 25 } })
const parsed = (batch: Batch | undefined) => (batch?.rows ?? []).map((r) => JSON.parse(r.body) as { cameraId: string; seq: number; ts: number })
const everything = { reports: 1_000_000, bytes: 1 << 30 }
const stored = (batch: Batch) => batch.rows.map(() => 'stored' as const)
/** Everything buffered, oldest first, as both lanes would take it. */
const drain = (b: ReportBuffer) => [...parsed(b.takeBacklog(everything)), ...parsed(b.takeLive(everything))]

describe('ReportBuffer', () => {
  it('gives reports without seq a per-camera seq that continues after the buffer is reopened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camtel-buffer-'))
    dirs.push(dir)
    const first = openBuffer({ dir })
    first.append([report('a', T0), report('b', T0), report('a', T0 + 1000)], T0)
    first.close()
    const again = openBuffer({ dir })
    again.append([report('a', T0 + 2000), report('b', T0 + 2000)], T0 + 2000)
    const rows = drain(again)
    expect(rows.map((r) => [r.cameraId, r.seq, r.ts])).toEqual([
      ['a', 0, T0],
      ['b', 0, T0],
      ['a', 1, T0 + 1000],
      ['a', 2, T0 + 2000],
      ['b', 1, T0 + 2000],
    ])
  })

  it("keeps a sender's own seq and moves the camera's counter past it", () => {
    const b = openBuffer()
    b.append([report('a', T0, 41), report('a', T0 + 1000)], T0)
    expect(parsed(b.takeLive(everything)).map((r) => r.seq)).toEqual([41, 42])
  })

  it('answers a retried report as a duplicate without buffering it again, also one that came without seq', () => {
    const b = openBuffer()
    expect(b.append([report('a', T0), report('a', T0 + 1000, 7)], T0)).toEqual({ accepted: 2, duplicates: 0 })
    expect(b.append([report('a', T0), report('a', T0 + 1000, 7), report('a', T0 + 2000)], T0 + 5000)).toEqual({ accepted: 1, duplicates: 2 })
    expect(parsed(b.takeLive(everything)).map((r) => [r.seq, r.ts])).toEqual([
      [0, T0],
      [7, T0 + 1000],
      [8, T0 + 2000],
    ])
  })

  it('forgets reports after two dedup windows at most', () => {
    const b = openBuffer({ dedupWindowMs: 60_000 })
    b.append([report('a', T0)], T0)
    expect(b.append([report('a', T0)], T0 + 59_000).duplicates).toBe(1)
    expect(b.append([report('a', T0)], T0 + 121_000).accepted).toBe(1)
  })

  it('hands the newest rows to the live lane and what it passed over to the backlog, oldest first', () => {
    const b = openBuffer()
    b.append([1, 2, 3, 4, 5].map((i) => report('a', T0 + i * 1000)), T0)
    const live = b.takeLive({ reports: 2, bytes: 1 << 20 })
    expect(parsed(live).map((r) => r.seq)).toEqual([3, 4])
    // The backlog never takes what is in flight in the live lane.
    const backlog = b.takeBacklog({ reports: 10, bytes: 1 << 20 })
    expect(parsed(backlog).map((r) => r.seq)).toEqual([0, 1, 2])
    b.append([report('a', T0 + 6000)], T0 + 6000)
    expect(b.takeLive(everything)).toBeUndefined() // one live batch at a time
    b.settle(live as Batch, stored(live as Batch))
    expect(parsed(b.takeLive(everything)).map((r) => r.seq)).toEqual([5])
  })

  it('keeps a failed live batch live, to be taken again before anything older', () => {
    const b = openBuffer()
    b.append([report('a', T0), report('a', T0 + 1000)], T0)
    const live = b.takeLive(everything) as Batch
    b.release(live)
    expect(b.takeBacklog(everything)).toBeUndefined()
    b.append([report('a', T0 + 2000)], T0 + 2000)
    const again = b.takeLive(everything) as Batch
    expect(parsed(again).map((r) => r.seq)).toEqual([0, 1, 2])
    b.release(again)
    // More than a batch arrived meanwhile: the newest go live, the older ones to the backlog.
    expect(parsed(b.takeLive({ reports: 1, bytes: 1 << 20 })).map((r) => r.seq)).toEqual([2])
    const backlog = b.takeBacklog(everything) as Batch
    expect(parsed(backlog).map((r) => r.seq)).toEqual([0, 1])
    expect(b.takeBacklog(everything)).toBeUndefined() // in flight
    b.release(backlog)
    expect(parsed(b.takeBacklog(everything)).map((r) => r.seq)).toEqual([0, 1])
  })

  it('treats everything found at start as backlog', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camtel-buffer-'))
    dirs.push(dir)
    const first = openBuffer({ dir })
    first.append([report('a', T0), report('b', T0)], T0)
    first.close()
    const again = openBuffer({ dir })
    expect(again.takeLive(everything)).toBeUndefined()
    expect(again.stats()).toMatchObject({ reports: 2, oldestAt: T0 })
    expect(parsed(again.takeBacklog(everything)).map((r) => r.cameraId)).toEqual(['a', 'b'])
  })

  it('deletes what the server stored or rejected, keeps the rest, and counts rejections across restarts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camtel-buffer-'))
    dirs.push(dir)
    const b = openBuffer({ dir })
    b.append([1, 2, 3].map((i) => report('a', T0 + i)), T0)
    const batch = b.takeLive(everything) as Batch
    expect(b.settle(batch, ['stored', undefined, 'rejected'])).toEqual({ stored: 1, rejected: 1 })
    expect(b.stats()).toMatchObject({ reports: 1, rejected: 1 })
    b.close()
    const again = openBuffer({ dir })
    expect(again.stats()).toMatchObject({ reports: 1, rejected: 1, dropped: 0 })
    const rest = again.takeBacklog(everything) as Batch
    expect(parsed(rest).map((r) => r.seq)).toEqual([1])
    again.settle(rest, stored(rest))
    expect(again.stats()).toMatchObject({ reports: 0, bytes: 0, oldestAt: undefined })
  })
})

describe('ReportBuffer size cap', () => {
  /** Bytes one row of `report('cam-x', ts)` counts for, measured. */
  function rowSize(): number {
    const b = openBuffer()
    b.append([report('cam-x', T0)], T0)
    return b.stats().bytes
  }

  it('drops the oldest reports past the cap and records per camera what went', () => {
    const size = rowSize()
    const b = openBuffer({ capBytes: size * 100 })
    for (let i = 0; i < 120; i++) b.append([report(i % 2 ? 'cam-x' : 'cam-y', T0 + i * 1000)], T0 + i)
    const s = b.stats()
    expect(s.bytes).toBeLessThanOrEqual(size * 100)
    expect(s.reports + s.dropped).toBe(120)
    expect(s.dropped).toBeGreaterThanOrEqual(20)
    const gaps = b.takeGaps(10)
    const total = gaps.reduce((n, g) => n + g.reports, 0)
    expect(total).toBe(s.dropped)
    // The oldest went: what is left is the newest, in order.
    const left = drain(b)
    expect(left[0]?.ts).toBe(T0 + s.dropped * 1000)
    expect(left.at(-1)?.ts).toBe(T0 + 119_000)
    // Successive drops extended one gap per camera, which ends where the buffer now starts.
    expect(gaps.map((g) => g.cameraId).sort()).toEqual(['cam-x', 'cam-y'])
    for (const g of gaps) {
      expect(g.from).toBe(g.cameraId === 'cam-y' ? T0 : T0 + 1000)
      expect(g.to).toBeLessThan(T0 + s.dropped * 1000)
      expect(g.version).toBeGreaterThan(1)
    }
  })

  it('never drops a report in flight, and starts a new gap once the camera uploaded something', () => {
    const size = rowSize()
    const before = openBuffer({ capBytes: size * 10 })
    before.append([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => report('cam-x', T0 + i * 1000)), T0)
    const b = reopen(before)
    const inflight = b.takeBacklog({ reports: 3, bytes: 1 << 20 }) as Batch
    b.append([10, 11].map((i) => report('cam-x', T0 + i * 1000)), T0)
    const [first] = b.takeGaps(10)
    // Rows 0-2 were in flight: the drop took the next oldest.
    expect(first).toMatchObject({ cameraId: 'cam-x', from: T0 + 3000, reports: b.stats().dropped })
    expect(first?.reports).toBeGreaterThanOrEqual(2)
    b.settle(inflight, stored(inflight))
    b.append([12, 13, 14, 15].map((i) => report('cam-x', T0 + i * 1000)), T0)
    const gaps = b.takeGaps(10)
    expect(gaps).toHaveLength(1)
    expect(gaps[0]?.from).toBeGreaterThan(first?.to ?? Infinity)
  })

  it('keeps a gap that grew while it was being sent, to send it again', () => {
    const size = rowSize()
    const b = openBuffer({ capBytes: size * 10 })
    b.append(Array.from({ length: 12 }, (_, i) => report('cam-x', T0 + i * 1000)), T0)
    const [sent] = b.takeGaps(10)
    b.append(Array.from({ length: 3 }, (_, i) => report('cam-x', T0 + (20 + i) * 1000)), T0)
    b.settleGap(sent!, true)
    const [again] = b.takeGaps(10)
    expect(again).toMatchObject({ id: sent?.id, from: sent?.from })
    expect(again?.reports).toBeGreaterThan(sent?.reports ?? 0)
    b.settleGap(again!, true)
    expect(b.stats().gapsPending).toBe(0)
  })
})
