import { describe, expect, it } from 'vitest'
import type { CameraCapacity, SiteCapacity } from '../../api/camtel.js'
import { fillingDisks, formatBytes, rangeText, retentionMisses, sitesByUrgency, trendLine } from './capacity-view.js'

const cam = (cameraId: string, o: Partial<CameraCapacity>): CameraCapacity => ({
  cameraId,
  siteId: 's',
  diskUsedPct: null,
  daysUntilFull: null,
  diskPctPerDay: null,
  retentionDays: null,
  retentionOk: null,
  policyId: null,
  minDays: null,
  maxDays: null,
  asOf: null,
  ...o,
})

const site = (siteId: string, o: Partial<SiteCapacity>): SiteCapacity => ({
  siteId,
  name: siteId,
  cameras: 1,
  cloudUsedGb: null,
  cloudGbPerDay: null,
  uplinkMbps: null,
  uplinkUsedMbps: null,
  uplinkFullAt: null,
  uplinkPeakMbps: null,
  uplinkMbpsPerDay: null,
  uplinkPeaks: [],
  cloudDaily: [],
  asOf: null,
  ...o,
})

describe('capacity view', () => {
  it('lists retention misses furthest outside their range first', () => {
    const list = retentionMisses([
      cam('a', { retentionOk: false, retentionDays: 6, minDays: 7, maxDays: 30 }),
      cam('b', { retentionOk: true, retentionDays: 10, minDays: 7 }),
      cam('c', { retentionOk: false, retentionDays: 45, minDays: 7, maxDays: 30 }),
    ])
    expect(list.map((c) => c.cameraId)).toEqual(['c', 'a'])
  })

  it('orders filling disks soonest first and leaves out the ones that are not filling', () => {
    expect(fillingDisks([cam('a', { daysUntilFull: 30 }), cam('b', {}), cam('c', { daysUntilFull: 2 })]).map((c) => c.cameraId)).toEqual(['c', 'a'])
  })

  it('puts sites with an uplink date first, soonest first', () => {
    const sites = sitesByUrgency([
      site('late', { uplinkFullAt: '2027-06-01T00:00:00.000Z' }),
      site('busy', { uplinkMbps: 100, uplinkPeakMbps: 90 }),
      site('soon', { uplinkFullAt: '2027-01-01T00:00:00.000Z' }),
      site('idle', { uplinkMbps: 100, uplinkPeakMbps: 10 }),
    ])
    expect(sites.map((s) => s.siteId)).toEqual(['soon', 'late', 'busy', 'idle'])
  })

  it('says ranges and sizes in words', () => {
    expect(rangeText(7, 30)).toBe('7–30 days')
    expect(rangeText(null, 30)).toBe('at most 30 days')
    expect(formatBytes(1_234_567_890)).toBe('1.2 GB')
    expect(formatBytes(512)).toBe('512 B')
    expect(trendLine(10, 2, 0, 0, 86_400_000)).toEqual([
      [0, 10],
      [86_400_000, 12],
    ])
  })
})
