import type { Alert, CameraDetail, CameraFeatures, CameraListItem, ConnectionState, EventMessage, Incident, Prediction, Site, TelemetryData } from './camtel.js'
import { CamtelApiError } from './camtel.js'
import { FleetState, Keys, type Snapshot } from './fleet-state.js'

/** The REST calls the store loads the fleet with (a CamtelClient has them all). */
export interface FleetSource {
  allCameras(query: { limit?: number }): AsyncIterable<CameraListItem>
  sites(): Promise<Site[]>
  alerts(query: { state?: 'open'; limit?: number }): Promise<Alert[]>
  incidents(): Promise<Incident[]>
  camera(id: string): Promise<CameraDetail>
  /**
   * Every camera's position, name and status: a fifth of the list's size, since it has no
   * metrics. On a cold start it draws the map and the counts while the list is still coming.
   */
  camerasGeoJson?(): Promise<CameraFeatures>
  /** Raised predictions; 403 `plan_feature` where the plan has none. */
  predictions?(query: { minRisk: number; limit: number }): Promise<Prediction[]>
}

/** What the store needs of the live stream (a StreamClient). */
export interface LiveStream {
  readonly state: ConnectionState
  on(type: 'event', listener: (e: EventMessage) => void): () => void
  on(type: 'state', listener: (s: ConnectionState) => void): () => void
  on(type: 'reset', listener: (r: { id: number }) => void): () => void
  on(type: 'error', listener: (e: { code: string; message: string }) => void): () => void
  close(): void
}

export interface LiveStoreOptions {
  source: FleetSource
  openStream: () => LiveStream
  /** Runs `fn` at the next batch: by default framesAtMost(BATCH_MS) (tests: at once, or when told). */
  frame?: (fn: () => void) => void
  now?: () => number
  /** Runs `fn` after `ms` (reload retries, registry look-ups). */
  later?: (fn: () => void, ms: number) => void
}

export interface Connection {
  /** The stream's own state: connecting, replaying, live, reconnecting, closed. */
  stream: ConnectionState
  /** After a `reset`, the fleet is being reloaded over REST; events wait until it is in. */
  syncing: boolean
  /** When the console last had a live connection, while it has none (epoch ms). */
  lostAt: number | null
  /** The last load failed with this message; it is retried. */
  error: string | null
  /** The server refused the credentials: the console must log in again. */
  unauthorized: boolean
}

/** A frame's worth of work when no frame comes: hidden tabs get none, yet state must stay current. */
const FRAME_FALLBACK_MS = 250

export function animationFrame(fn: () => void): void {
  let done = false
  const run = () => {
    if (done) return
    done = true
    fn()
  }
  requestAnimationFrame(run)
  setTimeout(run, FRAME_FALLBACK_MS)
}

/**
 * Under a stream of events, batches are applied at most this often (eight times a second). A
 * frame costs the whole page's commit to the compositor even where nothing on screen changed, so
 * a stream's batches run as plain tasks and ask for no frame: frames come only from what the
 * views change (most at most four times a second).
 */
export const BATCH_MS = 125

/**
 * The next animation frame after a quiet spell (a load, a click's answer: shown at once), but
 * within a stream of changes a task `ms` after the last run, which asks for no frame of its own.
 */
export function framesAtMost(ms: number): (fn: () => void) => void {
  let last = -Infinity
  return (fn) => {
    const run = () => {
      last = Date.now()
      fn()
    }
    const wait = last + ms - Date.now()
    if (wait <= 0) animationFrame(run)
    else setTimeout(run, wait)
  }
}

/**
 * The console's one live source of truth: the fleet loaded over REST and moved on by the events
 * of one WebSocket (DESIGN §6). Events are queued as they arrive and applied, in order, at an
 * animation frame, at most every BATCH_MS; components subscribe to keys (Keys) and re-render at
 * most once a batch, so thousands of events a second cost one render. After a `reset` (first connection, or a gap the
 * server cannot replay) the fleet is reloaded over REST while new events wait in the queue, and
 * those are applied on top of the snapshot: none is lost, and replaying one the snapshot already
 * holds is harmless because every event carries the whole new state of what it names.
 */
export class LiveStore {
  readonly fleet = new FleetState()
  private readonly listeners = new Map<string, Set<() => void>>()
  private readonly changedAt = new Map<string, number>()
  private readonly telemetryWatchers = new Map<string, Set<(d: TelemetryData) => void>>()
  private readonly frame: (fn: () => void) => void
  private readonly now: () => number
  private readonly later: (fn: () => void, ms: number) => void
  private pending: EventMessage[] = []
  private changed = new Set<string>()
  private everything = false
  private tick = 0
  private everythingAt = 0
  private frameRequested = false
  private stream: LiveStream | undefined
  private unsubscribe: Array<() => void> = []
  private generation = 0
  private retries = 0
  private lookups = false
  private conn: Connection = { stream: 'connecting', syncing: true, lostAt: null, error: null, unauthorized: false }
  private loaded = false
  private previewing = false

  constructor(private readonly o: LiveStoreOptions) {
    this.frame = o.frame ?? framesAtMost(BATCH_MS)
    this.now = o.now ?? Date.now
    this.later = o.later ?? ((fn, ms) => void setTimeout(fn, ms))
  }

  /** Opens the stream; its first message is a `reset`, which loads the fleet. */
  start(): void {
    const stream = (this.stream = this.o.openStream())
    this.unsubscribe = [
      stream.on('event', (e) => {
        this.pending.push(e)
        this.request()
      }),
      stream.on('reset', () => void this.reload()),
      stream.on('state', (s) => this.onState(s)),
      stream.on('error', (e) => {
        if (e.code === 'unauthorized') this.setConnection({ unauthorized: true })
      }),
    ]
    this.onState(stream.state)
  }

  stop(): void {
    this.generation++
    for (const u of this.unsubscribe) u()
    this.unsubscribe = []
    this.stream?.close()
    this.stream = undefined
  }

  /** True once the first snapshot is in, or the preview of one (positions and statuses only). */
  get ready(): boolean {
    return this.loaded || this.previewing
  }

  /** True once a whole snapshot is in: the cameras' metrics, the alerts, the incidents. */
  get complete(): boolean {
    return this.loaded
  }

  connection(): Connection {
    return this.conn
  }

  /** Calls `fn` after each frame in which `key` changed; answers the unsubscribe function. */
  subscribe(key: string, fn: () => void): () => void {
    let set = this.listeners.get(key)
    if (!set) this.listeners.set(key, (set = new Set()))
    set.add(fn)
    return () => {
      set.delete(fn)
      if (set.size === 0) this.listeners.delete(key)
    }
  }

  /** A number that changes whenever `key` changed: a memo key for what is derived from it. */
  version(key: string): number {
    return Math.max(this.changedAt.get(key) ?? 0, this.everythingAt)
  }

  /** Every telemetry report of one camera, as it is applied (live chart points). */
  watchTelemetry(cameraId: string, fn: (d: TelemetryData) => void): () => void {
    let set = this.telemetryWatchers.get(cameraId)
    if (!set) this.telemetryWatchers.set(cameraId, (set = new Set()))
    set.add(fn)
    return () => {
      set.delete(fn)
      if (set.size === 0) this.telemetryWatchers.delete(cameraId)
    }
  }

  private onState(s: ConnectionState): void {
    const lostAt = s === 'live' ? null : (this.conn.lostAt ?? (this.loaded && s !== 'replaying' ? this.now() : null))
    this.setConnection({ stream: s, lostAt })
  }

  private setConnection(patch: Partial<Connection>): void {
    this.conn = { ...this.conn, ...patch }
    this.changed.add(Keys.connection)
    this.request()
  }

  private async reload(): Promise<void> {
    const generation = ++this.generation
    // Events that came before the reset are older than the snapshot about to be read.
    this.pending = []
    this.setConnection({ syncing: true })
    try {
      // First, and alone: while the server serialises (and compresses) the list, it would answer nothing else.
      if (!this.loaded && !this.previewing) await this.loadPreview(generation)
      if (generation !== this.generation) return
      const snapshot = await loadSnapshot(this.o.source)
      if (generation !== this.generation) return
      this.fleet.load(snapshot)
      this.loaded = true
      this.previewing = false
      this.retries = 0
      this.everything = true
      this.setConnection({ syncing: false, error: null })
    } catch (err) {
      if (generation !== this.generation) return
      if (err instanceof CamtelApiError && err.status === 401) return this.setConnection({ unauthorized: true, syncing: false })
      this.setConnection({ error: (err as Error).message })
      const delay = Math.min(30_000, 1000 * 2 ** this.retries++)
      this.later(() => {
        if (generation === this.generation) void this.reload()
      }, delay)
    }
  }

  /**
   * The first load only: the map and the counts from the small GeoJSON answer, drawn while the
   * list is on its way. Events keep waiting (the console is still syncing) and the whole
   * snapshot replaces this one when it comes; a later reset keeps showing the last snapshot.
   */
  private async loadPreview(generation: number): Promise<void> {
    const geojson = this.o.source.camerasGeoJson?.bind(this.o.source)
    if (!geojson) return
    let features: CameraFeatures
    let sites: Site[]
    try {
      ;[features, sites] = await Promise.all([geojson(), this.o.source.sites()])
    } catch {
      return // the whole load says what failed, and retries
    }
    if (generation !== this.generation || this.loaded) return
    this.fleet.load({ cameras: features.features.map(previewCamera), sites, alerts: [], incidents: [] })
    this.previewing = true
    this.everything = true
    this.request()
  }

  private request(): void {
    if (this.frameRequested) return
    this.frameRequested = true
    this.frame(() => this.flush())
  }

  /** One frame: apply the queued events in order, then tell each subscriber once. */
  private flush(): void {
    this.frameRequested = false
    const now = this.now()
    let telemetry: EventMessage<'telemetry'>[] | undefined
    if (!this.conn.syncing && this.pending.length > 0) {
      const events = this.pending
      this.pending = []
      for (const e of events) {
        this.fleet.apply(e, now, this.changed)
        if (e.topic === 'telemetry' && e.cameraId !== null && this.telemetryWatchers.has(e.cameraId)) (telemetry ??= []).push(e)
      }
      this.lookUpStrangers()
    }
    const changed = this.changed
    const everything = this.everything
    this.changed = new Set()
    this.everything = false
    this.tick++
    if (everything) this.everythingAt = this.tick
    for (const key of changed) this.changedAt.set(key, this.tick)
    for (const e of telemetry ?? []) for (const fn of this.telemetryWatchers.get(e.cameraId ?? '') ?? []) fn(e.data)
    const notify = everything ? [...this.listeners.values()] : [...changed].map((k) => this.listeners.get(k)).filter((s) => s !== undefined)
    for (const set of notify) for (const fn of [...set]) fn()
  }

  /** Cameras and sites that events named before REST did: fetch their registry entries. */
  private lookUpStrangers(): void {
    if (this.lookups || (this.fleet.unknownCameras.size === 0 && this.fleet.unknownSites.size === 0)) return
    this.lookups = true
    const generation = this.generation
    // A second's wait gathers a burst of new cameras into one round of requests.
    this.later(() => void this.fetchStrangers(generation).finally(() => (this.lookups = false)), 1000)
  }

  private async fetchStrangers(generation: number): Promise<void> {
    const ids = [...this.fleet.unknownCameras].slice(0, 50)
    const [cameras, sites] = await Promise.all([
      Promise.all(ids.map((id) => this.o.source.camera(id).catch(() => undefined))),
      this.fleet.unknownSites.size > 0 ? this.o.source.sites().catch(() => undefined) : undefined,
    ])
    if (generation !== this.generation) return
    for (const [i, c] of cameras.entries()) {
      if (c) this.fleet.patchRegistry(c, this.changed)
      // Gone (deleted, or out of this user's sites): stop asking.
      else this.fleet.unknownCameras.delete(ids[i] as string)
    }
    if (sites) this.fleet.setSites(sites, this.changed)
    this.fleet.unknownSites.clear()
    this.request()
  }
}

function previewCamera(f: CameraFeatures['features'][number]): CameraListItem {
  const [lon, lat] = f.geometry?.coordinates ?? [null, null]
  const p = f.properties
  return { id: p.id, name: p.name, siteId: p.siteId, status: p.status, lastSeen: null, lat, lon, model: null, tags: [], metrics: {} }
}

async function loadSnapshot(source: FleetSource): Promise<Snapshot> {
  const camerasP = (async () => {
    const out: CameraListItem[] = []
    for await (const c of source.allCameras({ limit: 10_000 })) out.push(c)
    return out
  })()
  const [cameras, sites, open, recent, incidents, predictions] = await Promise.all([
    camerasP,
    source.sites(),
    source.alerts({ state: 'open', limit: 10_000 }),
    source.alerts({ limit: 500 }),
    source.incidents(),
    loadPredictions(source),
  ])
  const alerts = new Map<number, Alert>()
  for (const a of [...recent, ...open]) alerts.set(a.id, a)
  return { cameras, sites, alerts: [...alerts.values()], incidents, predictions }
}

/** Raised predictions, or null where the plan has no predictive maintenance. */
async function loadPredictions(source: FleetSource): Promise<Prediction[] | null> {
  if (!source.predictions) return []
  try {
    return await source.predictions({ minRisk: 0.5, limit: 10_000 })
  } catch (err) {
    if (err instanceof CamtelApiError && err.code === 'plan_feature') return null
    throw err
  }
}
