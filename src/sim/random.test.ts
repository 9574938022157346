import { describe, expect, it } from 'vitest'
import { Rng, gauss, hash, mulberry32, smoothNoise, unit } from './random.js'

describe('mulberry32', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = mulberry32(42)
    const b = mulberry32(42)
    const c = mulberry32(43)
    const xs = Array.from({ length: 5 }, () => a())
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs)
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs)
  })

  it('stays in [0, 1) with a mean near one half', () => {
    const r = mulberry32(7)
    const xs = Array.from({ length: 10_000 }, () => r())
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(xs.reduce((a, b) => a + b) / xs.length).toBeCloseTo(0.5, 1)
  })
})

describe('coordinate hashes', () => {
  it('give the same value for the same coordinates, whatever was asked before', () => {
    const first = unit(1, 2, 1_784_124_000, 3)
    for (let i = 0; i < 100; i++) unit(1, i, i)
    expect(unit(1, 2, 1_784_124_000, 3)).toBe(first)
  })

  it('tell apart coordinates beyond 32 bits such as epoch milliseconds', () => {
    const t = 1_784_124_000_000
    expect(hash(1, t)).not.toBe(hash(1, t + 4_294_967_296))
  })

  it('make roughly standard normal noise, bounded', () => {
    const gs = Array.from({ length: 20_000 }, (_, i) => gauss(9, 1, i))
    expect(Math.max(...gs.map(Math.abs))).toBeLessThan(3.5)
    expect(gs.reduce((a, b) => a + b) / gs.length).toBeCloseTo(0, 1)
    expect(Math.sqrt(gs.reduce((a, g) => a + g * g, 0) / gs.length)).toBeCloseTo(1, 1)
  })

  it('interpolate smooth noise without jumps between knots', () => {
    const vs = Array.from({ length: 5000 }, (_, t) => smoothNoise(3, 1, t, 1000))
    expect(Math.max(...vs.map(Math.abs))).toBeLessThanOrEqual(1)
    expect(Math.max(...vs.slice(1).map((v, i) => Math.abs(v - (vs[i] ?? v))))).toBeLessThan(0.01)
  })
})

describe('Rng', () => {
  it('picks by weight', () => {
    const rng = new Rng(5)
    const picks = Array.from({ length: 4000 }, () => rng.weighted(['a', 'b'], (x) => (x === 'a' ? 3 : 1)))
    expect(picks.filter((p) => p === 'a').length / picks.length).toBeCloseTo(0.75, 1)
  })
})
