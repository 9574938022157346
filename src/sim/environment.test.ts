import { describe, expect, it } from 'vitest'
import { SiteEnvironment } from './environment.js'
import { createFleet, type SimSite } from './fleet.js'

const sites = createFleet({ cameras: 0 }).sites
function site(id: string): SimSite {
  const s = sites.find((x) => x.id === id)
  if (s === undefined) throw new Error(`no site ${id}`)
  return s
}

describe('SiteEnvironment', () => {
  it('follows the IANA zone including daylight saving time', () => {
    const ams = new SiteEnvironment(site('ams-hq'))
    expect(ams.localHour(Date.UTC(2026, 0, 15, 12))).toBe(13)
    expect(ams.localHour(Date.UTC(2026, 6, 15, 12))).toBe(14)
    const sin = new SiteEnvironment(site('sin-tuas'))
    expect(sin.localHour(Date.UTC(2026, 6, 15, 20))).toBe(4)
  })

  it('puts the sun up at local noon and down at midnight', () => {
    const mad = new SiteEnvironment(site('mad-la-paz'))
    expect(mad.sunElevationDeg(Date.UTC(2026, 5, 21, 12, 15))).toBeGreaterThan(60)
    expect(mad.sunElevationDeg(Date.UTC(2026, 5, 21, 0, 15))).toBeLessThan(-20)
  })

  it('is warmer in summer than in winter, and in the afternoon than before dawn', () => {
    const lon = new SiteEnvironment(site('lon-park-royal'))
    const mean = (month: number, hour: number): number => {
      let sum = 0
      for (let d = 1; d <= 28; d++) sum += lon.outdoorTempC(Date.UTC(2026, month, d, hour))
      return sum / 28
    }
    expect(mean(6, 14)).toBeGreaterThan(mean(0, 14) + 8)
    expect(mean(6, 14)).toBeGreaterThan(mean(6, 4) + 4)
  })

  it('rejects an unknown time zone', () => {
    expect(() => new SiteEnvironment({ ...site('ams-hq'), timezone: 'Mars/Olympus' })).toThrow(RangeError)
  })
})
