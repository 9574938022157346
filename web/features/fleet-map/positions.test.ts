import { describe, expect, it } from 'vitest'
import type { CameraListItem, Site } from '../../api/camtel.js'
import { mapPoints } from './positions.js'

const cam = (id: string, siteId: string, lat: number | null, lon: number | null): CameraListItem => ({ id, name: id, siteId, status: 'ok', lastSeen: null, lat, lon, model: null, tags: [], metrics: {} })
const sites = new Map<string, Site>([
  ['n', { id: 'n', name: 'North', lat: 52, lon: 4, timezone: null, uplinkMbps: null, createdAt: '', updatedAt: '' }],
  ['x', { id: 'x', name: 'Nowhere', lat: null, lon: null, timezone: null, uplinkMbps: null, createdAt: '', updatedAt: '' }],
])

describe('mapPoints', () => {
  it("places a camera at its own position, else its site's, else nowhere; never an edge agent", () => {
    const cameras = [cam('a', 'n', 50, 3), cam('b', 'n', null, null), cam('c', 'x', null, null), cam('agent:edge', 'n', 50, 3), cam('agent:far', 'n', null, null)]
    expect(mapPoints(cameras, sites)).toEqual([
      { id: 'a', lat: 50, lon: 3 },
      { id: 'b', lat: 52, lon: 4 },
    ])
    expect(mapPoints(cameras, sites, 'x')).toEqual([])
  })
})
