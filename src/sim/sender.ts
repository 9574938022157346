import { setTimeout as sleep } from 'node:timers/promises'
import type { WireReport } from '../protocol/report.js'
import { createModels, type Sample } from './camera-model.js'
import type { Fault } from './faults.js'
import { createFailingFleet } from './failures/failing-camera.js'
import type { Scenario } from './failures/plan.js'
import { createFleet, type Fleet, type SimCamera } from './fleet.js'
import { Uploader, silentLogger, type RetryPolicy, type SimLogger } from './uploader.js'

/** DESIGN §2 takes any batch size; this keeps each request small and quick to make durable. */
export const MAX_BATCH = 1000

export interface CameraFault extends Fault {
  readonly cameraId: string
}

export interface SimulatorOptions {
  /** Base URL of a camtel server, e.g. http://127.0.0.1:8080 */
  server: string
  token?: string
  cameras?: number
  seed?: number
  /** Only these catalogue sites (another site mix); default all. */
  sites?: readonly string[]
  /** Failures and confounders to live through (planScenario on the same fleet), with skewed clocks and gaps. */
  scenario?: Scenario
  /** Seconds between two reports of a camera. */
  intervalS?: number
  /** PUT the sites and cameras before sending telemetry. */
  register?: boolean
  signal?: AbortSignal
  logger?: SimLogger
  fetchImpl?: typeof fetch
  /** Failures to drive, in data time. */
  faults?: readonly CameraFault[]
  retry?: Partial<RetryPolicy>
  /** Reports held while the server is down; beyond it the oldest are dropped. */
  maxQueue?: number
  now?: () => number
}

export interface BackfillOptions extends Omit<SimulatorOptions, 'intervalS' | 'maxQueue'> {
  /** How much history to send, ending now (or at `until`). */
  hours: number
  /** End of the history (epoch ms, data time); default now. */
  until?: number
  /**
   * Every this much data time, wait until everything sent so far is acknowledged, then call
   * `onCheckpoint` with that data time (the evaluation reads predictions there).
   */
  checkpointEveryMs?: number
  onCheckpoint?: (dataTime: number) => Promise<void>
  /** Each batch the server took. */
  onBatch?: (reports: readonly WireReport[]) => void
  /** Seconds between two samples of a camera in the history. */
  stepS?: number
  /** Batches in flight at once. */
  concurrency?: number
}

export interface BackfillResult {
  /** Reports the server took. */
  readonly reports: number
  readonly from: number
  readonly to: number
}

/** What the sender samples: a camera model, or one living through a failure scenario. */
interface Sampler {
  readonly camera: SimCamera
  sample(ts: number): Sample | null
  /** The timestamp the camera's own clock puts on a sample taken at `ts`. */
  reportTs?(ts: number): number
}

interface Context {
  readonly fleet: Fleet
  readonly models: readonly Sampler[]
  readonly uploader: Uploader
  readonly logger: SimLogger
  readonly signal: AbortSignal
  readonly now: () => number
}

function setup(opts: SimulatorOptions): Context {
  const now = opts.now ?? Date.now
  const logger = opts.logger ?? silentLogger
  const signal = opts.signal ?? new AbortController().signal
  const fleet = createFleet({ cameras: opts.cameras ?? 200, seed: opts.seed ?? 1, sites: opts.sites })
  const failing = opts.scenario ? createFailingFleet(fleet, opts.scenario) : undefined
  const bases = failing ? failing.map((f) => f.model) : createModels(fleet)
  const models: readonly Sampler[] = failing ?? bases
  const byId = new Map(bases.map((m) => [m.camera.id, m]))
  for (const { cameraId, ...fault } of opts.faults ?? []) {
    const model = byId.get(cameraId)
    if (model === undefined) throw new RangeError(`fault for unknown camera '${cameraId}'`)
    model.inject(fault)
  }
  const uploader = new Uploader({
    server: opts.server,
    token: opts.token,
    fetchImpl: opts.fetchImpl ?? fetch,
    logger,
    signal,
    retry: { minMs: opts.retry?.minMs ?? 500, maxMs: opts.retry?.maxMs ?? 30_000 },
    now,
  })
  return { fleet, models, uploader, logger, signal, now }
}

/**
 * Runs a simulated fleet against a camtel server until `signal` aborts: registers the fleet,
 * then every `intervalS` samples each camera at the current time and POSTs the reports.
 * Cameras are spread over the interval in slots of about a second, so the server sees a
 * steady flow rather than one burst. While the server is down, reports queue (up to
 * `maxQueue`) and go out in order once it is back. Resolves when stopped.
 */
export async function runSimulator(opts: SimulatorOptions): Promise<void> {
  const ctx = setup(opts)
  const intervalS = opts.intervalS ?? 10
  if (!(intervalS > 0)) throw new RangeError('intervalS must be positive')
  try {
    if (opts.register ?? true) await registerFleet(ctx)
    ctx.logger.info({ cameras: ctx.models.length, sites: ctx.fleet.sites.length, intervalS }, 'simulated fleet reporting')
    await live(ctx, intervalS, opts.maxQueue ?? 100_000)
  } catch (err) {
    if (!ctx.signal.aborted) throw err
  }
}

async function live(ctx: Context, intervalS: number, maxQueue: number): Promise<void> {
  const { models, uploader, signal, now, logger } = ctx
  // seq from the wall clock: a restarted simulator continues above anything sent before.
  const cams = models.map((model) => ({ model, seq: now() }))
  const queue: WireReport[] = []
  let draining: Promise<void> | undefined
  let dropping = false
  const drain = async (): Promise<void> => {
    while (queue.length > 0 && !signal.aborted) await uploader.postTelemetry(queue.splice(0, MAX_BATCH))
  }
  const kick = (): void => {
    if (draining !== undefined) return
    draining = drain()
      .catch(() => undefined) // only an abort rejects, and the loop below sees it
      .finally(() => {
        draining = undefined
        // Reports queued while the last batch was finishing.
        if (queue.length > 0 && !signal.aborted) kick()
      })
  }

  const tickMs = intervalS * 1000
  const slots = Math.max(1, Math.min(models.length, Math.round(intervalS)))
  const slotMs = tickMs / slots
  const t0 = now()
  try {
    for (let n = 0; !signal.aborted; n++) {
      // Always yields, so that uploads and an abort get their turn even when running late.
      await sleep(Math.max(0, t0 + n * slotMs - now()), undefined, { signal })
      const ts = now()
      for (let i = n % slots; i < cams.length; i += slots) {
        const cam = cams[i]
        const metrics = cam?.model.sample(ts)
        if (cam === undefined || metrics == null) continue
        queue.push({ cameraId: cam.model.camera.id, seq: cam.seq++, ts: new Date(cam.model.reportTs?.(ts) ?? ts).toISOString(), metrics })
      }
      if (queue.length > maxQueue) {
        const excess = queue.length - maxQueue
        queue.splice(0, excess)
        if (!dropping) logger.warn({ dropped: excess, maxQueue }, 'report queue full; dropping the oldest reports')
        dropping = true
      } else if (queue.length < maxQueue / 2) {
        dropping = false
      }
      kick()
      // After a stall (a suspended laptop, a blocked loop), carry on from now instead of bursting.
      const due = Math.floor((now() - t0) / slotMs)
      if (due - n > 2 * slots) n = due - 1
    }
  } finally {
    await draining
  }
}

async function registerFleet(ctx: Context): Promise<void> {
  const { fleet, uploader, logger } = ctx
  for (const s of fleet.sites) {
    const { name, lat, lon, timezone, uplinkMbps } = s
    await uploader.put(`/api/v1/sites/${encodeURIComponent(s.id)}`, { name, lat, lon, timezone, uplinkMbps })
  }
  const queue = [...fleet.cameras]
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      const { name, siteId, lat, lon, model, firmware, tags } = c
      await uploader.put(`/api/v1/cameras/${encodeURIComponent(c.id)}`, { name, siteId, lat, lon, model, firmware, tags })
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  logger.info({ sites: fleet.sites.length, cameras: fleet.cameras.length }, 'simulated fleet registered')
}

/**
 * Sends the last `hours` of the fleet's history as fast as the server takes it, so that a
 * demo has charts at once. Each camera's seqs end just below the wall clock at the start,
 * so a live run started afterwards (seq from Date.now()) carries on above them.
 * Resolves with what was sent, also when aborted part way.
 */
export async function backfill(opts: BackfillOptions): Promise<BackfillResult> {
  const ctx = setup(opts)
  const { models, uploader, signal, now } = ctx
  const stepMs = (opts.stepS ?? 60) * 1000
  if (!(stepMs > 0) || !(opts.hours >= 0)) throw new RangeError('hours must be >= 0 and stepS > 0')
  const to = opts.until ?? now()
  const steps = Math.floor((opts.hours * 3_600_000) / stepMs)
  const from = to - steps * stepMs
  const cams = models.map((model) => ({ model, seq: to - steps }))
  const concurrency = Math.max(1, opts.concurrency ?? 4)
  const inflight = new Set<Promise<void>>()
  let sent = 0
  const flush = async (batch: WireReport[]): Promise<void> => {
    while (inflight.size >= concurrency) await Promise.race(inflight)
    const p: Promise<void> = uploader
      .postTelemetry(batch)
      .then((ok) => {
        if (!ok) return
        sent += batch.length
        opts.onBatch?.(batch)
      })
      .catch(() => undefined) // an abort; the loop stops on the signal
      .finally(() => inflight.delete(p))
    inflight.add(p)
  }
  try {
    if (opts.register ?? true) await registerFleet(ctx)
    const batch: WireReport[] = []
    const every = opts.checkpointEveryMs
    let checkpoint = every !== undefined && every > 0 ? Math.floor(from / every) * every + every : Number.POSITIVE_INFINITY
    for (let k = 0; k < steps && !signal.aborted; k++) {
      const ts = from + k * stepMs
      while (ts >= checkpoint && every !== undefined) {
        // Everything before the checkpoint is acknowledged before anyone looks.
        if (batch.length > 0) await flush(batch.splice(0))
        await Promise.all(inflight)
        await opts.onCheckpoint?.(checkpoint)
        checkpoint += every
      }
      for (const cam of cams) {
        const metrics = cam.model.sample(ts)
        if (metrics !== null) batch.push({ cameraId: cam.model.camera.id, seq: cam.seq++, ts: new Date(cam.model.reportTs?.(ts) ?? ts).toISOString(), metrics })
      }
      while (batch.length >= MAX_BATCH) await flush(batch.splice(0, MAX_BATCH))
    }
    if (batch.length > 0 && !signal.aborted) await flush(batch.splice(0))
  } catch (err) {
    if (!signal.aborted) throw err
  }
  await Promise.all(inflight)
  return { reports: sent, from, to }
}
