import { describe, expect, it } from 'vitest'
import { alignSeries, counterRate } from './series-data.js'

describe('alignSeries', () => {
  it('puts series on one x axis in seconds, with nulls where one has no point', () => {
    const a = alignSeries([{ points: [[1000, 1], [2000, 2], [3000, 3]] }, { points: [[2000, 20], [3000, 30], [4000, 40]] }])
    expect(a.xs).toEqual([1, 2, 3, 4])
    expect(a.lines[0]?.values).toEqual([1, 2, 3, null])
    expect(a.lines[1]?.values).toEqual([null, 20, 30, 40])
  })

  it('breaks the line across an outage much longer than the usual spacing', () => {
    const points: Array<[number, number]> = [0, 10_000, 20_000, 30_000, 200_000, 210_000].map((t) => [t, 1])
    const a = alignSeries([{ points }])
    expect(a.xs).toEqual([0, 10, 20, 30, 30.001, 200, 210])
    expect(a.lines[0]?.values).toEqual([1, 1, 1, 1, null, 1, 1])
  })

  it('carries min and max of rollups for the band', () => {
    const a = alignSeries([{ points: [[0, 5], [60_000, 6]], stats: [[0, 4, 7, 6], [60_000, 5, 8, 6]] }])
    expect(a.lines[0]).toEqual({ values: [5, 6], mins: [4, 5], maxs: [7, 8] })
  })
})

describe('counterRate', () => {
  it('is the increase per minute, and the new count after a reset', () => {
    expect(counterRate([[0, 100], [60_000, 130], [120_000, 130], [180_000, 12]])).toEqual([
      [60_000, 30],
      [120_000, 0],
      [180_000, 12],
    ])
  })
})

describe('alignSeries with changing spacing', () => {
  it('does not take a coarser backfill for gaps, but still breaks at an outage in it', () => {
    const backfill = [0, 60, 120, 180, 240, 2000, 2060, 2120].map((s) => s * 1000)
    const live = [2130, 2140, 2150, 2160, 2170].map((s) => s * 1000)
    const a = alignSeries([{ points: [...backfill, ...live].map((t) => [t, 1] as [number, number]) }])
    expect(a.lines[0]?.values.filter((v) => v === null)).toHaveLength(1)
    expect(a.xs).toContain(240.001)
  })
})
