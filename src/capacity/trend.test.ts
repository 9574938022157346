import { describe, expect, it } from 'vitest'
import type { RollupBucket } from '../store/ports.js'
import { applicablePolicy, outsidePolicy, policyProblems } from './policies.js'
import { DAY_MS, growthPerDay, projectDisk, projectUplink } from './trend.js'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 1)

/** Hourly buckets of `f(days since T0)` over `days` days. */
function hourly(days: number, f: (d: number, k: number) => number): RollupBucket[] {
  return Array.from({ length: days * 24 }, (_, k) => {
    const v = f(k / 24, k)
    return { ts: T0 + k * HOUR, min: v, max: v, sum: v, count: 1 }
  })
}
const end = (days: number) => T0 + (days * 24 - 1) * HOUR

describe('projectDisk', () => {
  it('counts the fill only since the card was last cleared', () => {
    // 90 % and flat, cleared to 40 % on day 8, then 2 points a day.
    const b = hourly(14, (d) => (d < 8 ? 90 : 40 + 2 * (d - 8)))
    const p = projectDisk(b, end(14))
    expect(p.pctPerDay).toBeCloseTo(2, 1)
    expect(p.daysUntilFull).toBeCloseTo((100 - (40 + 2 * (14 - 8 - 1 / 24))) / 2, 0)
  })

  it('says 0 for a card that filled and sits full, and null for too little data', () => {
    expect(projectDisk(hourly(10, (d) => Math.min(99.6, 92 + 1.5 * d) + (d > 6 ? 0.5 : 0)), end(10)).daysUntilFull).toBe(0)
    expect(projectDisk(hourly(0.5 as number, (d) => 50 + 10 * d), end(0.5)).daysUntilFull).toBeNull()
  })

  it('gives null for a fill so slow that it is beyond a year', () => {
    expect(projectDisk(hourly(20, (d) => 40 + 0.1 * d), end(20)).daysUntilFull).toBeNull()
  })
})

describe('projectUplink', () => {
  it('projects daily peaks of a growing diurnal load to the capacity', () => {
    // The load is (50 + d)·(diurnal factor, 1 at 15:00): the daily peaks lie on 50 + d, which
    // reaches 100 after 50 days.
    const cam = hourly(21, (d) => (50 + d) * (0.6 + 0.4 * Math.cos(((d % 1) - 15 / 24) * 2 * Math.PI)))
    const p = projectUplink([cam], end(21), 100)
    expect(p.mbpsPerDay).toBeCloseTo(1, 1)
    expect(Math.abs((p.fullAt ?? 0) - (T0 + 50 * DAY_MS))).toBeLessThan(2 * HOUR)
  })

  it('gives no date without a capacity, or when the load is flat', () => {
    const flat = hourly(21, (_d, k) => 30 + (k % 7) * 0.1)
    expect(projectUplink([flat], end(21), 100).fullAt).toBeNull()
    expect(projectUplink([hourly(21, (d) => 10 + d)], end(21), null).fullAt).toBeNull()
  })

  it('says the uplink is full now when the peak already reaches it', () => {
    expect(projectUplink([hourly(10, () => 120)], end(10), 100).fullAt).toBe(end(10))
  })
})

describe('growthPerDay', () => {
  it('is the slope of a gauge that only climbs', () => {
    expect(growthPerDay(hourly(7, (d) => 10 + 3 * d), end(7))).toBeCloseTo(3, 2)
  })
})

describe('retention policies', () => {
  const cam = { id: 'gate', siteId: 'north', tags: ['outdoor'] }
  it('lets the most specific scope govern, ties to the lowest id', () => {
    const policies = [
      { id: 'z-all', scope: 'all' as const, minDays: 30, maxDays: null },
      { id: 'b-site', scope: { site: 'north' }, minDays: 14, maxDays: null },
      { id: 'a-site', scope: { site: 'north' }, minDays: 10, maxDays: null },
      { id: 'tag', scope: { tag: 'outdoor' }, minDays: 7, maxDays: null },
      { id: 'other', scope: { camera: 'lobby' }, minDays: 1, maxDays: null },
    ]
    expect(applicablePolicy(policies, cam)?.id).toBe('tag')
    expect(applicablePolicy(policies.filter((p) => p.id !== 'tag'), cam)?.id).toBe('a-site')
    expect(applicablePolicy([policies[4] as (typeof policies)[number]], cam)).toBeUndefined()
  })

  it('judges a range with hysteresis for an open alert', () => {
    const p = { id: 'p', scope: 'all' as const, minDays: 7, maxDays: 30 }
    expect(outsidePolicy(p, 6.9)).toBe(true)
    expect(outsidePolicy(p, 7)).toBe(false)
    expect(outsidePolicy(p, 7.2, 0.5)).toBe(true)
    expect(outsidePolicy(p, 30.1)).toBe(true)
    expect(outsidePolicy({ ...p, maxDays: null }, 365)).toBe(false)
  })

  it('finds the problems of a bad policy', () => {
    expect(policyProblems({ id: 'p', scope: 'all', minDays: null, maxDays: null })).toHaveLength(1)
    expect(policyProblems({ id: 'p', scope: 'all', minDays: 9, maxDays: 8 })[0]).toMatch(/minDays/)
    expect(policyProblems({ id: 'p', scope: 'all', minDays: 1, maxDays: 8 })).toEqual([])
  })
})
