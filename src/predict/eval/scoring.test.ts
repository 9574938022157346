import { describe, expect, it } from 'vitest'
import type { TruthFailure } from '../../sim/index.js'
import { fitIsotonic, fitLogistic } from './fit.js'
import { RaiseTracker, score } from './scoring.js'

const H = 3_600_000
const D = 24 * H
const failure = (cameraId: string, failAt: number, extra: Partial<TruthFailure> = {}): TruthFailure => ({
  cameraId,
  siteId: 's',
  mode: 'disk_full',
  variant: 'fill',
  abrupt: false,
  source: 'injected',
  onset: failAt - 10 * D,
  failAt,
  repairAt: failAt + 2 * D,
  ...extra,
})

describe('score', () => {
  const from = 0
  const to = 60 * D
  const o = (failures: TruthFailure[]) => ({ failures, from, to, cameras: 10 })
  const all = (raises: Parameters<typeof score>[0], failures: TruthFailure[]) => score(raises, o(failures)).at(-1)!

  it('counts the first raise in the 30 days to 1 hour before a failure as a true positive, with its lead', () => {
    const s = all([{ cameraId: 'a', mode: 'disk_full', at: 30 * D, eta: 40 * D }], [failure('a', 40 * D)])
    expect(s).toMatchObject({ truePositives: 1, falsePositives: 0, detected: 1, recall: 1, precision: 1, leadMedianDays: 10, etaErrorMedian: 0 })
  })

  it('deduplicates repeats in a window, calls raises outside every window false, and raises while failed late', () => {
    const s = all(
      [
        { cameraId: 'a', mode: 'disk_full', at: 5 * D, eta: null }, // 35 days early: false
        { cameraId: 'a', mode: 'disk_full', at: 20 * D, eta: null }, // in the window: true
        { cameraId: 'a', mode: 'disk_full', at: 25 * D, eta: null }, // a repeat: nothing
        { cameraId: 'a', mode: 'disk_full', at: 40 * D + H, eta: null }, // failed: late
        { cameraId: 'b', mode: 'disk_full', at: 30 * D, eta: null }, // no failure at all: false
        { cameraId: 'a', mode: 'overheating', at: 30 * D, eta: null }, // right camera, wrong mode: false
      ],
      [failure('a', 40 * D)],
    )
    expect(s).toMatchObject({ truePositives: 1, falsePositives: 3, late: 1, detected: 1 })
    expect(s.precision).toBeCloseTo(0.25, 9)
    expect(s.falsePer1000CameraDays).toBeCloseTo((3 / (10 * 60)) * 1000, 9)
  })

  it('does not count a raise in the last hour before the failure, and reports abrupt failures apart', () => {
    const s = all([{ cameraId: 'a', mode: 'disk_full', at: 40 * D - H / 2, eta: null }], [failure('a', 40 * D), failure('b', 30 * D, { abrupt: true })])
    expect(s).toMatchObject({ truePositives: 0, late: 1, failures: 2, gradual: 1, detected: 0, recall: 0, recallGradual: 0 })
  })
})

describe('RaiseTracker', () => {
  it('turns successive reads into raises: only the moments a prediction becomes raised', () => {
    const t = new RaiseTracker()
    t.read(1, [{ cameraId: 'a', mode: 'disk_full', eta: 9 }])
    t.read(2, [{ cameraId: 'a', mode: 'disk_full', eta: 8 }])
    t.read(3, [])
    t.read(4, [{ cameraId: 'a', mode: 'disk_full', eta: 7 }])
    expect(t.raises.map((r) => [r.at, r.eta])).toEqual([
      [1, 9],
      [4, 7],
    ])
  })
})

describe('calibration fits', () => {
  it('logistic regression recovers a known model', () => {
    const xs: number[][] = []
    const ys: number[] = []
    // P(y) = sigmoid(-1 + 2x) on a grid, labels in exact proportion.
    for (let i = 0; i <= 40; i++) {
      const x = -2 + i * 0.1
      const p = 1 / (1 + Math.exp(-(-1 + 2 * x)))
      for (let k = 0; k < 100; k++) {
        xs.push([x])
        ys.push(k < Math.round(p * 100) ? 1 : 0)
      }
    }
    const fit = fitLogistic(xs, ys, 0)
    expect(fit.bias).toBeCloseTo(-1, 1)
    expect(fit.weights[0]).toBeCloseTo(2, 1)
  })

  it('isotonic calibration is monotone and finds a step', () => {
    const scores = Array.from({ length: 2000 }, (_, i) => i / 100)
    const ys = scores.map((s) => (s >= 12 ? 1 : 0))
    const knots = fitIsotonic(scores, ys)
    for (let i = 1; i < knots.length; i++) expect(knots[i]![1]).toBeGreaterThanOrEqual(knots[i - 1]![1])
    const below = knots.filter(([s]) => s < 11.5).map(([, p]) => p)
    const above = knots.filter(([s]) => s > 12.5).map(([, p]) => p)
    expect(Math.max(...below)).toBeLessThan(0.05)
    expect(Math.min(...above)).toBeGreaterThan(0.95)
  })
})
