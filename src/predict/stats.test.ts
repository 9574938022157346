import { describe, expect, it } from 'vitest'
import { quantile, theilSen, timeToThreshold } from './stats.js'

describe('theilSen', () => {
  it('recovers an exact line and is not bent by a few outliers', () => {
    const xs = Array.from({ length: 14 }, (_, i) => i)
    const ys = xs.map((x) => 80 - 0.8 * x)
    ys[3] = 20 // a bad day
    ys[9] = 99 // and another
    const t = theilSen(xs, ys, 13)
    expect(t?.slope).toBeCloseTo(-0.8, 6)
    expect(t?.level).toBeCloseTo(80 - 0.8 * 13, 6)
    expect(t?.span).toBe(13)
    expect(t?.agreement).toBeGreaterThan(0.7)
  })

  it('skips missing points and needs at least three', () => {
    expect(theilSen([0, 1, 2], [1, Number.NaN, 3], 2)).toBeUndefined()
    expect(theilSen([0, 1, 2, 3], [1, Number.NaN, 3, 4], 3)?.slope).toBeCloseTo(1, 9)
  })

  it('says a flat noisy series has no agreeing trend', () => {
    const ys = [5, 5.2, 4.9, 5.1, 4.8, 5.05, 5.15, 4.95]
    const t = theilSen(ys.map((_, i) => i), ys, 7)
    expect(Math.abs(t?.slope ?? 1)).toBeLessThan(0.05)
    expect(t?.agreement).toBeLessThan(0.7)
  })
})

describe('quantile', () => {
  it('interpolates between order statistics and ignores non-finite values', () => {
    expect(quantile([4, 1, 3, 2, Number.NaN], 0.5)).toBe(2.5)
    expect(quantile([10, 0], 0.1)).toBeCloseTo(1, 9)
    expect(quantile([], 0.5)).toBeNaN()
  })
})

describe('timeToThreshold', () => {
  it('answers the time to reach a threshold either way, 0 when past it, Infinity when heading away', () => {
    expect(timeToThreshold(90, 1, 99.5, 'up', 0.05)).toBeCloseTo(9.5, 9)
    expect(timeToThreshold(99.6, 1, 99.5, 'up', 0.05)).toBe(0)
    expect(timeToThreshold(90, -1, 99.5, 'up', 0.05)).toBe(Number.POSITIVE_INFINITY)
    expect(timeToThreshold(90, 0.01, 99.5, 'up', 0.05)).toBe(Number.POSITIVE_INFINITY)
    expect(timeToThreshold(30, -1.5, 3, 'down', 0)).toBeCloseTo(18, 9)
  })
})
