import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Alert, CameraFeatures, CameraListItem, ConnectionState, EventMessage, Site } from './camtel.js'
import { CamtelApiError } from './camtel.js'
import { Keys } from './fleet-state.js'
import { type FleetSource, type LiveStream, LiveStore, framesAtMost } from './live-store.js'

const camera = (id: string, status: CameraListItem['status'] = 'ok'): CameraListItem => ({
  id,
  name: id,
  siteId: 'n',
  status,
  lastSeen: null,
  lat: null,
  lon: null,
  model: null,
  tags: [],
  metrics: {},
})

/** A stream the test drives by hand. */
class FakeStream implements LiveStream {
  state: ConnectionState = 'connecting'
  private readonly handlers = new Map<string, Set<(v: never) => void>>()
  on(type: string, listener: (v: never) => void): () => void {
    let set = this.handlers.get(type)
    if (!set) this.handlers.set(type, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }
  emit(type: string, value: unknown): void {
    for (const l of this.handlers.get(type) ?? []) (l as (v: unknown) => void)(value)
  }
  close(): void {
    this.state = 'closed'
  }
}

/** REST that answers when the test says so. */
class FakeSource implements FleetSource {
  cameras: CameraListItem[] = [camera('a'), camera('b')]
  pending: Array<() => void> = []
  fail: Error | undefined
  async *allCameras(): AsyncIterable<CameraListItem> {
    await new Promise<void>((r) => this.pending.push(r))
    if (this.fail) throw this.fail
    yield* this.cameras
  }
  async sites(): Promise<Site[]> {
    return [{ id: 'n', name: 'North', lat: null, lon: null, timezone: null, uplinkMbps: null, createdAt: '', updatedAt: '' }]
  }
  async alerts(): Promise<Alert[]> {
    return []
  }
  async incidents() {
    return []
  }
  async camera(id: string) {
    return { ...camera(id), siteName: null, firmware: null, offlineAfter: null, offlineAfterEffective: 60, createdAt: null, updatedAt: null, lastTs: null, metricsAt: {}, alerts: [], predictions: [] }
  }
  answer(): void {
    for (const r of this.pending.splice(0)) r()
  }
}

let id = 100
const status = (cameraId: string, to: CameraListItem['status']): EventMessage =>
  ({ type: 'event', id: id++, topic: 'status', cameraId, siteId: 'n', ts: new Date().toISOString(), data: { status: to, previous: 'ok' } }) as EventMessage

function setup() {
  const stream = new FakeStream()
  const source = new FakeSource()
  const frames: Array<() => void> = []
  const timers: Array<() => void> = []
  const store = new LiveStore({ source, openStream: () => stream, frame: (fn) => frames.push(fn), later: (fn) => timers.push(fn) })
  const runFrames = () => {
    for (const f of frames.splice(0)) f()
  }
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve()
    source.answer()
    for (let i = 0; i < 20; i++) await Promise.resolve()
    runFrames()
  }
  return { stream, source, store, frames, timers, runFrames, settle }
}

describe('LiveStore', () => {
  it('loads the fleet over REST on reset, and applies the events that arrived meanwhile on top', async () => {
    const { stream, store, settle } = setup()
    store.start()
    stream.emit('reset', { id: 99 })
    // Arrives while the snapshot is being read: it waits, then is applied after it.
    stream.emit('event', status('a', 'critical'))
    expect(store.connection().syncing).toBe(true)
    await settle()
    expect(store.ready).toBe(true)
    expect(store.connection().syncing).toBe(false)
    expect(store.fleet.cameras.get('a')?.status).toBe('critical')
    expect(store.fleet.summary().byStatus).toMatchObject({ ok: 1, critical: 1 })
  })

  it('applies a burst of events in one frame and tells each subscriber once', async () => {
    const { stream, store, settle, frames, runFrames } = setup()
    store.start()
    stream.emit('reset', { id: 99 })
    await settle()
    let summaryCalls = 0
    let cameraB = 0
    store.subscribe(Keys.summary, () => summaryCalls++)
    store.subscribe(Keys.camera('b'), () => cameraB++)
    const before = store.version(Keys.summary)
    for (let i = 0; i < 1000; i++) stream.emit('event', status('a', i % 2 === 0 ? 'critical' : 'ok'))
    expect(frames).toHaveLength(1)
    expect(store.fleet.cameras.get('a')?.status).toBe('ok') // not applied before the frame
    runFrames()
    expect(store.fleet.cameras.get('a')?.status).toBe('ok')
    expect(summaryCalls).toBe(1)
    expect(cameraB).toBe(0)
    expect(store.version(Keys.summary)).toBeGreaterThan(before)
  })

  it('drops the events of before a reset and reloads, and shows when the connection was lost', async () => {
    const { stream, source, store, settle, runFrames } = setup()
    store.start()
    stream.emit('reset', { id: 99 })
    await settle()
    stream.emit('state', 'live')
    runFrames()
    stream.emit('state', 'reconnecting')
    runFrames()
    expect(store.connection()).toMatchObject({ stream: 'reconnecting' })
    expect(store.connection().lostAt).not.toBeNull()
    stream.emit('event', status('a', 'degraded'))
    source.cameras = [camera('a', 'offline'), camera('b'), camera('c')]
    stream.emit('reset', { id: 500 })
    stream.emit('state', 'live')
    await settle()
    expect(store.fleet.cameras.get('a')?.status).toBe('offline')
    expect(store.fleet.cameras.size).toBe(3)
    expect(store.connection()).toMatchObject({ stream: 'live', syncing: false, lostAt: null })
  })

  it('retries a failed load, and says when the credentials are refused', async () => {
    const { stream, source, store, settle, timers } = setup()
    store.start()
    source.fail = new Error('down')
    stream.emit('reset', { id: 1 })
    await settle()
    expect(store.connection().error).toBe('down')
    expect(timers).toHaveLength(1)
    source.fail = new CamtelApiError(401, 'unauthorized', 'no')
    timers.shift()?.()
    await settle()
    expect(store.connection().unauthorized).toBe(true)
  })

  it('draws a preview from the GeoJSON while the list is coming, holds events until the list is in, then replaces it', async () => {
    const { stream, source, store, runFrames } = setup()
    const geo = source as FakeSource & { camerasGeoJson: () => Promise<CameraFeatures> }
    geo.camerasGeoJson = async () => ({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', id: 'a', geometry: { type: 'Point', coordinates: [4.9, 52.4] }, properties: { id: 'a', name: 'A', siteId: 'n', status: 'degraded' } },
        { type: 'Feature', id: 'b', geometry: null, properties: { id: 'b', name: 'B', siteId: 'n', status: 'ok' } },
      ],
    })
    source.cameras = [{ ...camera('a', 'degraded'), metrics: { fps: 25 } }, camera('b')]
    store.start()
    stream.emit('reset', { id: 99 })
    stream.emit('event', status('b', 'critical'))
    for (let i = 0; i < 20; i++) await Promise.resolve()
    runFrames()
    // The preview: positions, names and statuses; no metrics; the event still waits.
    expect(store.ready).toBe(true)
    expect(store.complete).toBe(false)
    expect(store.connection().syncing).toBe(true)
    expect(store.fleet.cameras.get('a')).toMatchObject({ name: 'A', lat: 52.4, lon: 4.9, metrics: {} })
    expect(store.fleet.summary().byStatus).toMatchObject({ ok: 1, degraded: 1, critical: 0 })
    source.answer()
    for (let i = 0; i < 20; i++) await Promise.resolve()
    runFrames()
    expect(store.complete).toBe(true)
    expect(store.fleet.cameras.get('a')?.metrics).toEqual({ fps: 25 })
    expect(store.fleet.summary().byStatus).toMatchObject({ ok: 0, degraded: 1, critical: 1 })
  })
})

describe('framesAtMost', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('runs after a quiet spell at the next frame, and within a stream no sooner than ms after the last run, without a frame', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    const frames: Array<() => void> = []
    vi.stubGlobal('requestAnimationFrame', (fn: () => void) => frames.push(fn))
    const batch = framesAtMost(125)
    const runs: number[] = []
    batch(() => runs.push(Date.now()))
    expect(frames).toHaveLength(1)
    vi.advanceTimersByTime(5)
    ;(frames.shift() as () => void)()
    expect(runs).toEqual([1_000_005])
    // A stream: the next batch waits out the interval, as a task that asks for no frame.
    vi.advanceTimersByTime(10)
    batch(() => runs.push(Date.now()))
    vi.advanceTimersByTime(100)
    expect(runs).toHaveLength(1)
    vi.advanceTimersByTime(20)
    expect(runs).toEqual([1_000_005, 1_000_130])
    expect(frames).toHaveLength(0)
    // Quiet again: a frame once more.
    vi.advanceTimersByTime(500)
    batch(() => runs.push(Date.now()))
    expect(frames).toHaveLength(1)
  })
})
