import { describe, expect, it } from 'vitest'
import type { CameraListItem, Site } from '../../api/camtel.js'
import { orderCameras } from './camera-order.js'

const cam = (id: string, status: CameraListItem['status'], metrics: Record<string, number> = {}, extra: Partial<CameraListItem> = {}): CameraListItem => ({
  id,
  name: id.toUpperCase(),
  siteId: 'n',
  status,
  lastSeen: null,
  lat: null,
  lon: null,
  model: null,
  tags: [],
  metrics,
  ...extra,
})
const sites = new Map<string, Site>([['n', { id: 'n', name: 'North', lat: null, lon: null, timezone: null, uplinkMbps: null, createdAt: '', updatedAt: '' }]])
const all = { q: '', status: 'all', site: 'all' } as const

describe('orderCameras', () => {
  const cameras = [cam('b', 'ok', { fps: 25 }), cam('a', 'ok', { fps: 12 }), cam('c', 'critical'), cam('d', 'offline', { fps: 0 }), cam('e', 'degraded', {}, { tags: ['door'] })]

  it('leaves out edge agents (agent:<name>): the agents view shows them', () => {
    expect(orderCameras([...cameras, cam('agent:edge', 'critical')], all, { key: 'status', desc: false }, sites)).toEqual(['c', 'd', 'e', 'a', 'b'])
    expect(orderCameras([cam('agent:edge', 'ok')], { ...all, q: 'edge' }, { key: 'name', desc: false }, sites)).toEqual([])
  })

  it('puts the worst first by default, then by name', () => {
    expect(orderCameras(cameras, all, { key: 'status', desc: false }, sites)).toEqual(['c', 'd', 'e', 'a', 'b'])
  })

  it('sorts by a metric either way, cameras without it last both ways', () => {
    expect(orderCameras(cameras, all, { key: 'fps', desc: false }, sites)).toEqual(['d', 'a', 'b', 'c', 'e'])
    expect(orderCameras(cameras, all, { key: 'fps', desc: true }, sites)).toEqual(['b', 'a', 'd', 'c', 'e'])
  })

  it('filters by status, site and text in id, name, tags and site name', () => {
    expect(orderCameras(cameras, { ...all, status: 'ok' }, { key: 'name', desc: false }, sites)).toEqual(['a', 'b'])
    expect(orderCameras(cameras, { ...all, q: 'door' }, { key: 'name', desc: false }, sites)).toEqual(['e'])
    expect(orderCameras(cameras, { ...all, q: 'north' }, { key: 'name', desc: false }, sites)).toHaveLength(5)
    expect(orderCameras(cameras, { ...all, site: 's' }, { key: 'name', desc: false }, sites)).toEqual([])
  })

  it('orders 10,000 cameras fast enough to do it every second', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => cam(`cam-${i}`, (['ok', 'degraded', 'critical', 'offline', 'unknown'] as const)[i % 5] ?? 'ok', { fps: i % 30 }))
    const t0 = performance.now()
    const ids = orderCameras(many, all, { key: 'status', desc: false }, sites)
    expect(ids).toHaveLength(10_000)
    expect(performance.now() - t0).toBeLessThan(500)
  })
})
