import { describe, expect, it } from 'vitest'
import { MAX_RAW_RANGE_MS, autoStep, planSeries } from './plan.js'

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0)
const S = 1000
const MIN = 60 * S
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const retention = { raw: 7 * 86_400, '1m': 90 * 86_400, '1h': 730 * 86_400 }
const plan = (from: number, stepMs?: number, to = NOW) => planSeries({ from, to, stepMs, now: NOW, retention })

describe('series tier planning', () => {
  it('answers raw points where the range has raw data and no step is given', () => {
    expect(plan(NOW - HOUR)).toEqual({ tier: 'raw', stepMs: undefined })
    expect(plan(NOW - 6 * DAY)).toEqual({ tier: 'raw', stepMs: undefined })
  })

  it('reads a 30-day range from the 1-hour rollups, never raw rows', () => {
    expect(plan(NOW - 30 * DAY)).toEqual({ tier: '1h', stepMs: HOUR })
    expect(plan(NOW - 30 * DAY, 10 * S)).toEqual({ tier: '1m', stepMs: MIN })
    expect(plan(NOW - 30 * DAY, 5 * MIN)).toEqual({ tier: '1m', stepMs: 5 * MIN })
  })

  it('uses the minute tier for minute steps and ranges past the raw retention', () => {
    expect(plan(NOW - HOUR, MIN)).toEqual({ tier: '1m', stepMs: MIN })
    expect(plan(NOW - 10 * DAY)).toEqual({ tier: '1m', stepMs: 15 * MIN })
    expect(plan(NOW - 10 * DAY, 90 * S)).toEqual({ tier: '1m', stepMs: 2 * MIN })
  })

  it('keeps raw data for steps that are no multiple of a minute while it has them', () => {
    expect(plan(NOW - HOUR, 10 * S)).toEqual({ tier: 'raw', stepMs: 10 * S })
    expect(plan(NOW - HOUR, 90 * S)).toEqual({ tier: 'raw', stepMs: 90 * S })
  })

  it('reads no more than a week of raw rows, even where the raw retention is longer', () => {
    const long = { ...retention, raw: 30 * 86_400 }
    expect(planSeries({ from: NOW - MAX_RAW_RANGE_MS, to: NOW, stepMs: 10 * S, now: NOW, retention: long })).toEqual({ tier: 'raw', stepMs: 10 * S })
    expect(planSeries({ from: NOW - MAX_RAW_RANGE_MS - 1, to: NOW, stepMs: 10 * S, now: NOW, retention: long })).toEqual({ tier: '1m', stepMs: MIN })
  })

  it('uses the hour tier for hour steps and for what the minute tier no longer holds', () => {
    expect(plan(NOW - HOUR, HOUR)).toEqual({ tier: '1h', stepMs: HOUR })
    expect(plan(NOW - HOUR, DAY)).toEqual({ tier: '1h', stepMs: DAY })
    expect(plan(NOW - 200 * DAY, MIN, NOW - 100 * DAY)).toEqual({ tier: '1h', stepMs: HOUR })
    expect(plan(NOW - 365 * DAY)).toEqual({ tier: '1h', stepMs: 12 * HOUR })
  })

  it('chooses round automatic steps of about a thousand points', () => {
    expect(autoStep(0, 1000 * 60 * S)).toBe(60 * S)
    expect(autoStep(0, 30 * DAY)).toBe(HOUR)
    expect(autoStep(0, 3 * 365 * DAY)).toBe(2 * DAY)
  })
})
