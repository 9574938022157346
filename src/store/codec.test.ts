import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { MetricEncoder, decodeMetrics, decodeOne } from './codec.js'

function roundTrip(entries: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = []
  decodeMetrics(new MetricEncoder().encode(entries), (id, v) => out.push([id, v]))
  return out
}

describe('metric codec', () => {
  it('round-trips typical telemetry exactly', () => {
    const entries: Array<[number, number]> = [
      [1, 24.8], [2, 51.5], [3, 0], [4, 1], [5, -12.25], [6, 1_732_000_000_000], [7, 0.04], [300, 99.999],
    ]
    expect(roundTrip(entries)).toEqual(entries)
  })

  it('stores short decimals in a few bytes', () => {
    const blob = new MetricEncoder().encode([[1, 24.8], [2, 51.5], [3, 0.4], [4, 71.2]])
    expect(blob.length).toBeLessThanOrEqual(12)
  })

  it('keeps values that are not short decimals bit-exact', () => {
    const odd = [Math.PI, 1e-300, -1e300, Number.MAX_VALUE, Number.MIN_VALUE, 0.1 + 0.2, 2 ** 60, -0]
    const entries = odd.map((v, i): [number, number] => [i, v])
    const back = roundTrip(entries)
    back.forEach(([, v], i) => expect(Object.is(v, odd[i])).toBe(true))
  })

  it('finds one metric among many', () => {
    const blob = new MetricEncoder().encode([[1, 5], [9, 7.5], [12, 3]])
    expect(decodeOne(blob, 9)).toBe(7.5)
    expect(decodeOne(blob, 2)).toBeUndefined()
  })

  it('round-trips any finite double and any id (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ noNaN: true, noDefaultInfinity: true })), {
          maxLength: 40,
        }),
        (entries) => {
          const back = roundTrip(entries)
          expect(back.length).toBe(entries.length)
          back.forEach(([id, v], i) => {
            expect(id).toBe(entries[i]?.[0])
            expect(Object.is(v, entries[i]?.[1])).toBe(true)
          })
        },
      ),
      { numRuns: 500 },
    )
  })
})
