import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ByteWriter } from './bytes.js'
import { MetricEncoder, decodeMetricsScaled } from './codec.js'
import { type Agg, type BucketAggs, addSample, aggOf, copyAgg, decodeBucketAggs, encodeBucket, findInBucket, mergeAgg, valueOf } from './rollup-codec.js'

/** Aggregates values the way the roller does: through the raw codec's stored form. */
function aggregate(values: readonly number[]): Agg | undefined {
  let agg: Agg | undefined
  const blob = new MetricEncoder().encode(values.map((v) => [1, v] as [number, number]))
  decodeMetricsScaled(blob, 0, blob.length, (_id, scale, n, value) => {
    if (agg === undefined) agg = aggOf(scale, n, value)
    else addSample(agg, scale, n, value)
  })
  return agg
}

const plain = (a: Agg) => ({ count: a.count, min: valueOf(a, a.min), max: valueOf(a, a.max), sum: valueOf(a, a.sum) })
const shortDecimal = fc.integer({ min: -10_000_000, max: 10_000_000 }).chain((n) => fc.constantFrom(n, n / 10, n / 100, n / 1000))
const anyValue = fc.oneof(shortDecimal, fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }))

describe('rollup aggregates', () => {
  it('sum short decimals exactly', () => {
    expect(plain(aggregate([24.8, 24.8, 24.8, 0.1, 0.2]) as Agg)).toEqual({ count: 5, min: 0.1, max: 24.8, sum: 74.7 })
    expect(plain(aggregate([1, 2.5, -3.125]) as Agg)).toEqual({ count: 3, min: -3.125, max: 2.5, sum: 0.375 })
  })

  it('give the same min, max, count and sum however the samples are split and merged (property)', () => {
    fc.assert(
      fc.property(fc.array(anyValue, { minLength: 2, maxLength: 60 }), fc.nat(), (values, cut) => {
        const at = 1 + (cut % (values.length - 1))
        const whole = aggregate(values) as Agg
        const left = aggregate(values.slice(0, at)) as Agg
        mergeAgg(left, aggregate(values.slice(at)) as Agg)
        const a = plain(whole)
        const b = plain(left)
        expect(b.count).toBe(values.length)
        // === rather than toBe: the sign of a zero is not part of a minimum.
        expect(b.min === Math.min(...values) && a.min === b.min).toBe(true)
        expect(b.max === Math.max(...values) && a.max === b.max).toBe(true)
        const naive = values.reduce((s, v) => s + v, 0)
        const tolerance = 1e-9 * values.reduce((s, v) => s + Math.abs(v), 1)
        expect(Math.abs(a.sum - naive)).toBeLessThanOrEqual(tolerance)
        expect(Math.abs(b.sum - naive)).toBeLessThanOrEqual(tolerance)
      }),
      { numRuns: 400 },
    )
  })

  it('sum short decimals exactly whatever the split (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 1, maxLength: 50 }), (hundredths) => {
        const values = hundredths.map((n) => n / 100)
        const a = aggregate(values) as Agg
        const exact = hundredths.reduce((s, n) => s + n, 0) / 100
        expect(valueOf(a, a.sum)).toBe(exact)
      }),
      { numRuns: 300 },
    )
  })
})

describe('rollup bucket encoding', () => {
  it('round-trips every aggregate exactly (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.array(anyValue, { minLength: 1, maxLength: 8 })), { maxLength: 40 }), (metrics) => {
        const aggs: BucketAggs = new Map()
        for (const [id, values] of metrics) aggs.set(id, aggregate(values) as Agg)
        const back = decodeBucketAggs(encodeBucket(aggs, new ByteWriter(16)))
        expect([...back.keys()]).toEqual([...aggs.keys()].sort((x, y) => x - y))
        for (const [id, a] of aggs) {
          const b = back.get(id) as Agg
          expect(b.count).toBe(a.count)
          expect(Object.is(valueOf(b, b.min), valueOf(a, a.min))).toBe(true)
          expect(Object.is(valueOf(b, b.max), valueOf(a, a.max))).toBe(true)
          expect(valueOf(b, b.sum)).toBe(valueOf(a, a.sum))
        }
      }),
      { numRuns: 300 },
    )
  })

  it('stores a typical minute of 30 metrics in a few bytes per metric', () => {
    const aggs: BucketAggs = new Map()
    for (let id = 1; id <= 30; id++) {
      const values = Array.from({ length: 6 }, (_, i) => Math.round((40 + id + Math.sin(i + id) * 2) * 10) / 10)
      aggs.set(id, aggregate(values) as Agg)
    }
    const blob = encodeBucket(aggs, new ByteWriter())
    expect(blob.length).toBeLessThanOrEqual(30 * 6)
    expect(findInBucket(blob, 17)).toEqual(copyAgg(aggs.get(17) as Agg))
    expect(findInBucket(blob, 31)).toBeUndefined()
  })
})
