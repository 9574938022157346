import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { RISK_WEIGHTS } from './calibration-params.js'
import { type AssessmentRecord, PredictionEngine } from './engine.js'
import { PredictionState } from './persist.js'
import { RiskModel } from './risk-model.js'
import { StateFormatError, StateReader, StateWriter } from './state.js'
import { HOUR, T0, healthy, outdoor } from './test-support/synthetic.js'

const CAMERAS = ['a-0', 'a-1', 'a-2', 'a-3', 'a-4']
const infos = new Map(CAMERAS.map((id) => [id, outdoor('a')]))

/** a-0's card fills 1.5 %/day from day 4; a-1 crashes at shrinking intervals from day 3; a-2 is silent on day 5. */
function feed(e: PredictionEngine, fromHour: number, toHour: number): void {
  const crashes = [3, 5, 6, 6.5, 6.75].map((d) => d * 24)
  for (let h = fromHour; h < toHour; h++) {
    CAMERAS.forEach((id, n) => {
      if (id === 'a-2' && h >= 5 * 24 && h < 6 * 24) return
      const m = healthy(n + 1, h)
      if (id === 'a-0' && h >= 4 * 24) m.disk_used_pct = 92 + (1.5 * (h - 4 * 24)) / 24
      if (id === 'a-1') {
        const last = crashes.filter((c) => c <= h).pop()
        if (last !== undefined) m.uptime_s = (h - last) * 3600 + 300
      }
      e.ingest(id, T0 + h * HOUR + 5 * 60_000, m)
    })
  }
}

const engine = (seen?: AssessmentRecord[]) =>
  new PredictionEngine({ directory: (id) => infos.get(id), model: new RiskModel(RISK_WEIGHTS), onAssessment: seen ? (a) => seen.push(a) : undefined })
const all = (e: PredictionEngine) => e.list({ sites: null })

describe('the predictor state', () => {
  it('restored from a snapshot, answers and goes on exactly as the engine that never stopped', () => {
    const liveSeen: AssessmentRecord[] = []
    const restoredSeen: AssessmentRecord[] = []
    const live = engine(liveSeen)
    feed(live, 0, 6 * 24 + 7)
    const snap = live.snapshot()
    expect(snap.cameras.map(([id]) => id).sort()).toEqual(CAMERAS)
    const restored = engine(restoredSeen)
    expect(restored.restore(snap)).toEqual({ cameras: 5, peerGroups: live.footprint().peerGroups })
    expect(all(restored)).toEqual(all(live))
    expect(all(live).some((p) => p.risk >= 0.5)).toBe(true)
    liveSeen.length = 0
    feed(live, 6 * 24 + 7, 10 * 24)
    feed(restored, 6 * 24 + 7, 10 * 24)
    expect(all(restored)).toEqual(all(live))
    // Every mode's every assessment, not only the predictions worth keeping: nothing was forgotten.
    expect(restoredSeen.length).toBeGreaterThan(5 * 7 * 24 * 3)
    expect(restoredSeen).toEqual(liveSeen)
    expect(all(live).filter((p) => p.risk >= 0.5).map((p) => `${p.cameraId}:${p.mode}`)).toContain('a-0:disk_full')
  })

  it('snapshots only what changed since the last one, and the cameras dropped', () => {
    const e = engine()
    feed(e, 0, 24)
    // In slices: two now, the other three next time.
    expect(e.snapshot(2).cameras).toHaveLength(2)
    expect(e.unsaved).toBe(3)
    const rest = e.snapshot()
    expect(rest.cameras).toHaveLength(3)
    expect(e.snapshot().cameras).toHaveLength(0)
    // A snapshot that could not be written is taken again.
    e.requeue(rest)
    expect(e.snapshot().cameras.map(([id]) => id).sort()).toEqual(rest.cameras.map(([id]) => id).sort())
    e.ingest('a-3', T0 + 24 * HOUR + 5 * 60_000, healthy(4, 24))
    expect(e.snapshot().cameras.map(([id]) => id)).toEqual(['a-3'])
    infos.delete('a-4')
    try {
      e.sweep()
      expect(e.snapshot().removed).toEqual(['a-4'])
    } finally {
      infos.set('a-4', outdoor('a'))
    }
  })

  it('refuses a record of another layout and leaves the engine empty', () => {
    const e = engine()
    feed(e, 0, 3 * 24)
    const snap = e.snapshot()
    const [id, buf] = snap.cameras[1] as readonly [string, Buffer]
    const fresh = engine()
    expect(() => fresh.restore({ peers: snap.peers, cameras: [...snap.cameras.slice(0, 1), [id, buf.subarray(0, buf.length - 9)]] })).toThrow(StateFormatError)
    expect(fresh.footprint().cameras).toBe(0)
    expect(() => fresh.restore({ peers: snap.peers, cameras: [[id, Buffer.concat([buf, Buffer.alloc(8)])]] })).toThrow(StateFormatError)
    expect(all(fresh)).toEqual([])
  })

  it('reads back numbers, strings and typed arrays, and refuses arrays of another size', () => {
    const w = new StateWriter().num(Number.NaN).num(-1.5).str('é ok').arr(new Float32Array([1, 2, 3]))
    const r = new StateReader(w.finish())
    expect(r.num()).toBeNaN()
    expect(r.num()).toBe(-1.5)
    expect(r.str()).toBe('é ok')
    const into = new Float32Array(3)
    r.arr(into)
    expect([...into]).toEqual([1, 2, 3])
    r.end()
    const again = new StateReader(new StateWriter().arr(new Float32Array(4)).finish())
    expect(() => again.arr(new Float32Array(3))).toThrow(StateFormatError)
  })

  it('is saved to the data folder in slices and loaded back by the next process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'camtel-predict-state-'))
    const logger = pino({ level: 'silent' })
    try {
      const live = engine()
      feed(live, 0, 7 * 24)
      const state = new PredictionState({ dataDir, engine: live, logger })
      expect(await state.saveInSlices()).toEqual({ cameras: 5 })
      expect(live.unsaved).toBe(0)
      state.close()
      const next = engine()
      const loaded = new PredictionState({ dataDir, engine: next, logger })
      expect(loaded.load().cameras).toBe(5)
      loaded.close()
      expect(all(next)).toEqual(all(live))
      expect(all(next).length).toBeGreaterThan(0)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
