import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../core/clock.js'
import { DatabaseGauge } from './database.js'

const HOUR = 3_600_000
const retention = { raw: 7 * 86_400, '1m': 30 * 86_400, '1h': 400 * 86_400 }

describe("camtel's database gauge across restarts", () => {
  let dir: string
  let clock: ManualClock
  let bytes: number
  const gauge = () =>
    new DatabaseGauge({ sizeBytes: () => Promise.resolve(bytes), dataDir: dir, clock, retention, intervalMs: 3_600_000, stateFile: join(dir, 'capacity-samples.json') })

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'camtel-dbgauge-'))
    clock = new ManualClock(Date.UTC(2026, 10, 1))
    bytes = 1_000_000_000
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('knows the growth rate right after a restart from the samples an earlier run kept', async () => {
    const first = gauge()
    await first.start()
    first.stop()
    clock.advance(8 * HOUR)
    bytes += 400_000_000 // 400 MB in 8 h: 1.2 GB a day
    const second = gauge()
    await second.start()
    second.stop()
    const view = await second.view()
    expect(view.bytesPerDay).toBe(1_200_000_000)
    // Without the earlier run's samples the rate would be unknown for six hours.
    const fresh = new DatabaseGauge({ sizeBytes: () => Promise.resolve(bytes), dataDir: dir, clock, retention })
    await fresh.start()
    fresh.stop()
    expect((await fresh.view()).bytesPerDay).toBeNull()
  })

  it('starts afresh from a malformed state file, and drops samples from the future or older than a week', async () => {
    const file = join(dir, 'capacity-samples.json')
    writeFileSync(file, '{"samples": [[1, 2], "x"')
    const a = gauge()
    await a.start()
    a.stop()
    expect(a.history).toHaveLength(1)
    const now = clock.now()
    writeFileSync(file, JSON.stringify({ samples: [[now - 8 * 24 * HOUR, 5], [now + HOUR, 7], [now - HOUR, -3], [now - 2 * HOUR, 'big'], [now - 3 * HOUR, 900]] }))
    const b = gauge()
    await b.start()
    b.stop()
    expect(b.history).toEqual([
      [now - 3 * HOUR, 900],
      [now, bytes],
    ])
    // What it saved is what it holds, and it is whole JSON.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, samples: [[now - 3 * HOUR, 900], [now, bytes]] })
  })
})
