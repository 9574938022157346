import { describe, expect, it } from 'vitest'
import { isValidCameraId } from '../protocol/report.js'
import { PRODUCTS } from './catalog.js'
import { createFleet } from './fleet.js'

const kebab = /^[a-z0-9]+(-[a-z0-9]+)*$/

function metersBetween(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dy = (lat2 - lat1) * 111_320
  const dx = (lon2 - lon1) * 111_320 * Math.cos((lat1 * Math.PI) / 180)
  return Math.hypot(dx, dy)
}

describe('createFleet', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(createFleet({ cameras: 50, seed: 7 })).toEqual(createFleet({ cameras: 50, seed: 7 }))
    expect(createFleet({ cameras: 50, seed: 8 }).cameras).not.toEqual(createFleet({ cameras: 50, seed: 7 }).cameras)
  })

  it('defaults to 200 cameras', () => {
    expect(createFleet().cameras).toHaveLength(200)
  })

  it('has 6 to 8 real-looking sites in several countries and valid time zones', () => {
    const { sites } = createFleet()
    expect(sites.length).toBeGreaterThanOrEqual(6)
    expect(sites.length).toBeLessThanOrEqual(8)
    expect(new Set(sites.map((s) => s.timezone)).size).toBeGreaterThanOrEqual(3)
    for (const s of sites) {
      expect(s.id).toMatch(kebab)
      expect(() => new Intl.DateTimeFormat('en', { timeZone: s.timezone })).not.toThrow()
      expect(Math.abs(s.lat)).toBeLessThanOrEqual(90)
      expect(Math.abs(s.lon)).toBeLessThanOrEqual(180)
      expect(s.uplinkMbps).toBeGreaterThan(0)
      expect(s.name.length).toBeGreaterThan(3)
    }
  })

  it('spreads cameras unevenly over every site, within 300 m of it', () => {
    const { sites, cameras } = createFleet()
    const counts = sites.map((s) => cameras.filter((c) => c.siteId === s.id).length)
    expect(Math.min(...counts)).toBeGreaterThan(0)
    expect(Math.max(...counts)).toBeGreaterThan(2 * Math.min(...counts))
    for (const c of cameras) {
      const site = sites.find((s) => s.id === c.siteId)
      expect(site).toBeDefined()
      if (site) expect(metersBetween(site.lat, site.lon, c.lat, c.lon)).toBeLessThanOrEqual(301)
    }
  })

  it('names cameras like an installer would, with unique valid ids', () => {
    const { cameras } = createFleet()
    expect(new Set(cameras.map((c) => c.id)).size).toBe(cameras.length)
    for (const c of cameras) {
      expect(isValidCameraId(c.id)).toBe(true)
      expect(c.id).toMatch(new RegExp(`^${c.siteId}-[a-z]+-\\d{2,3}$`))
      expect(c.name).toMatch(/^[A-Z][A-Za-z' -]+ \d+$/)
    }
  })

  it('uses real camera models and firmware, with tags for placement, PoE switch and PTZ', () => {
    const { cameras } = createFleet()
    const products = new Map(PRODUCTS.map((p) => [p.model, p]))
    const perSwitch = new Map<string, number>()
    for (const c of cameras) {
      const p = products.get(c.model)
      expect(p).toBeDefined()
      expect(p?.firmware).toContain(c.firmware)
      expect(c.tags).toContain(c.outdoor ? 'outdoor' : 'indoor')
      expect(c.tags.includes('ptz')).toBe(c.ptz)
      const sw = c.tags.filter((t) => t.startsWith('switch:'))
      expect(sw).toEqual([`switch:${c.switchId}`])
      expect(c.switchId.startsWith(`${c.siteId}-sw-`)).toBe(true)
      perSwitch.set(c.switchId, (perSwitch.get(c.switchId) ?? 0) + 1)
      expect([15, 25, 30]).toContain(c.fpsTarget)
      expect(c.basePowerW).toBeLessThan(c.powerMaxW)
    }
    const sizes = [...perSwitch.values()]
    expect(sizes.reduce((a, b) => a + b, 0) / sizes.length).toBeGreaterThan(4)
    expect(cameras.some((c) => c.ptz)).toBe(true)
    expect(cameras.some((c) => c.outdoor) && cameras.some((c) => !c.outdoor)).toBe(true)
    expect(new Set(cameras.map((c) => c.model)).size).toBeGreaterThanOrEqual(6)
  })

  it('handles tiny fleets', () => {
    expect(createFleet({ cameras: 0 }).cameras).toEqual([])
    expect(createFleet({ cameras: 3 }).cameras).toHaveLength(3)
    expect(() => createFleet({ cameras: -1 })).toThrow(RangeError)
  })
})
