import { describe, expect, it } from 'vitest'
import type { Alert, CameraListItem, EventMessage, Site } from './camtel.js'
import { FleetState, Keys } from './fleet-state.js'

const site = (id: string): Site => ({ id, name: `Site ${id}`, lat: 1, lon: 2, timezone: null, uplinkMbps: null, createdAt: '', updatedAt: '' })
const camera = (id: string, siteId: string, status: CameraListItem['status'] = 'ok'): CameraListItem => ({
  id,
  name: id,
  siteId,
  status,
  lastSeen: null,
  lat: null,
  lon: null,
  model: null,
  tags: [],
  metrics: {},
})
let nextId = 1
const status = (cameraId: string, siteId: string, to: CameraListItem['status'], from: CameraListItem['status'] = 'ok'): EventMessage =>
  ({ type: 'event', id: nextId++, topic: 'status', cameraId, siteId, ts: '2026-11-24T20:00:00Z', data: { status: to, previous: from } }) as EventMessage
const telemetry = (cameraId: string, ts: string, metrics: Record<string, number>): EventMessage =>
  ({ type: 'event', id: nextId++, topic: 'telemetry', cameraId, siteId: 'n', ts, data: { seq: null, ts, metrics } }) as EventMessage

function loaded(): FleetState {
  const s = new FleetState()
  s.load({ cameras: [camera('a', 'n'), camera('b', 'n'), camera('c', 's', 'offline')], sites: [site('n'), site('s')], alerts: [], incidents: [] })
  return s
}

describe('FleetState', () => {
  it('leaves edge agents (agent:<name>) out of the counts, but keeps them in the camera map', () => {
    const s = new FleetState()
    s.load({ cameras: [camera('a', 'n'), camera('agent:edge-1', 'unassigned', 'offline'), camera('agent:edge-2', 'n')], sites: [site('n'), site('unassigned')], alerts: [], incidents: [] })
    expect(s.cameras.has('agent:edge-1')).toBe(true)
    const changed = new Set<string>()
    s.apply(status('agent:edge-2', 'n', 'critical'), 0, changed)
    s.apply(status('agent:edge-3', 'n', 'ok', 'unknown'), 0, changed)
    expect(s.cameras.get('agent:edge-2')?.status).toBe('critical')
    expect(s.cameras.has('agent:edge-3')).toBe(true)
    // The unassigned site holds only an agent: not listed, as a site without cameras.
    expect(s.summary()).toEqual({
      cameras: 1,
      byStatus: { ok: 1, degraded: 0, critical: 0, offline: 0, unknown: 0 },
      sites: [{ siteId: 'n', name: 'Site n', cameras: 1, byStatus: { ok: 1, degraded: 0, critical: 0, offline: 0, unknown: 0 } }],
    })
  })

  it('counts by status and by site from the cameras it holds', () => {
    const s = loaded()
    expect(s.summary()).toEqual({
      cameras: 3,
      byStatus: { ok: 2, degraded: 0, critical: 0, offline: 1, unknown: 0 },
      sites: [
        { siteId: 'n', name: 'Site n', cameras: 2, byStatus: { ok: 2, degraded: 0, critical: 0, offline: 0, unknown: 0 } },
        { siteId: 's', name: 'Site s', cameras: 1, byStatus: { ok: 0, degraded: 0, critical: 0, offline: 1, unknown: 0 } },
      ],
    })
  })

  it('moves a camera and the counts on a status event, and names what changed', () => {
    const s = loaded()
    const before = s.cameras.get('a')
    const changed = new Set<string>()
    s.apply(status('a', 'n', 'critical'), 0, changed)
    expect(s.cameras.get('a')?.status).toBe('critical')
    expect(s.cameras.get('a')).not.toBe(before)
    expect(s.byStatus).toMatchObject({ ok: 1, critical: 1 })
    expect(s.bySite.get('n')).toMatchObject({ ok: 1, critical: 1 })
    expect([...changed].sort()).toEqual([Keys.camera('a'), Keys.cameras, Keys.summary].sort())
    expect(s.statusChanges('a')).toEqual([{ at: Date.parse('2026-11-24T20:00:00Z'), status: 'critical', previous: 'ok' }])
  })

  it("keeps counts right when an event's `previous` disagrees with what it holds", () => {
    const s = loaded()
    // An event whose `previous` the console never saw (it was reloaded in between).
    s.apply(status('c', 's', 'ok', 'degraded'), 0, new Set())
    expect(s.byStatus).toEqual({ ok: 3, degraded: 0, critical: 0, offline: 0, unknown: 0 })
  })

  it('adds a camera it did not know from its first event, and asks for its registry entry', () => {
    const s = loaded()
    const changed = new Set<string>()
    s.apply(status('new-1', 's', 'ok', 'unknown'), 0, changed)
    expect(s.cameras.get('new-1')).toMatchObject({ siteId: 's', status: 'ok' })
    expect(s.summary().cameras).toBe(4)
    expect(s.unknownCameras.has('new-1')).toBe(true)
    expect(changed.has(Keys.registry)).toBe(true)
    s.patchRegistry({ ...camera('new-1', 'n', 'unknown'), name: 'Gate', lat: 5, lon: 6 }, new Set())
    expect(s.cameras.get('new-1')).toMatchObject({ name: 'Gate', siteId: 'n', status: 'ok', lat: 5 })
    expect(s.bySite.get('n')?.ok).toBe(3)
    expect(s.bySite.get('s')?.ok).toBe(0)
  })

  it('takes the latest metrics from telemetry, but not from a backlog older than what it has', () => {
    const s = loaded()
    s.apply(telemetry('a', '2026-11-24T20:00:10Z', { fps: 25 }), 1000, new Set())
    s.apply(telemetry('a', '2026-11-24T19:00:00Z', { fps: 3 }), 2000, new Set())
    expect(s.cameras.get('a')?.metrics.fps).toBe(25)
    expect(s.cameras.get('a')?.lastSeen).toBe(new Date(2000).toISOString())
  })

  it('keeps every open alert and only the latest resolved ones', () => {
    const s = loaded()
    const alert = (id: number, state: Alert['state'], at: number): EventMessage =>
      ({
        type: 'event',
        id: nextId++,
        topic: 'alert',
        cameraId: 'a',
        siteId: 'n',
        ts: '',
        data: { id, ruleId: 'r', cameraId: 'a', siteId: 'n', severity: 'warning', state, silenced: false, late: false, value: 1, openedAt: new Date(at).toISOString(), ...(state === 'resolved' ? { resolvedAt: new Date(at + 1).toISOString() } : {}) },
      }) as unknown as EventMessage
    s.apply(alert(1, 'firing', 0), 0, new Set())
    for (let i = 2; i <= 2300; i++) s.apply(alert(i, 'resolved', i * 1000), 0, new Set())
    expect(s.alerts.get(1)?.state).toBe('firing')
    expect(s.alerts.has(2300)).toBe(true)
    expect(s.alerts.has(2)).toBe(false)
    expect([...s.alerts.values()].filter((a) => a.state === 'resolved').length).toBeLessThanOrEqual(2200)
  })
})
