import type { Clock } from '../core/clock.js'
import type { Retention } from '../history/index.js'
import type { HealthContext, HealthTier } from '../protocol/health-context.js'
import { type HistoryStore, ROLLUP_BUCKET_MS, type RollupTier, type TelemetryStore } from '../store/ports.js'
import { type HealthInputs, MIN_TYPICAL_BUCKETS, type Sample, TYPICAL_WINDOW_MS, assess, typicalRate } from './score.js'

/** The metrics a health context reads (DESIGN §2 names). */
const METRICS = {
  fps: 'fps',
  fpsTarget: 'fps_target',
  imageQuality: 'image_quality',
  focusScore: 'focus_score',
  recording: 'recording',
  tamper: 'tamper',
} as const
type Input = keyof typeof METRICS
const INPUTS = Object.keys(METRICS) as Input[]

/**
 * How far before `at` an input is looked for when the camera's offline timeout is shorter: a
 * camera may send image quality or focus less often than its frame rate.
 */
export const LOOKBACK_MS = 3_600_000
/** Raw reports read at most (an hour of 100 reports a second). */
const MAX_RAW_SCAN = 400_000
/** Rollup buckets read per query at most (a day of minutes is 1,440). */
const MAX_BUCKETS = 10_000

export interface HealthContextReaderOptions {
  telemetry: Pick<TelemetryStore, 'readLatest'>
  history: Pick<HistoryStore, 'readRollupsOf' | 'newestBucket'>
  /** Folds pending reports into the rollups, so that rollup answers reflect every acknowledged report. */
  flushRollups: () => Promise<void>
  clock: Clock
  retention: Retention
}

export interface HealthContextRequest {
  cameraId: string
  siteId: string
  /** Epoch ms, not after the clock's now. */
  at: number
  offlineAfterMs: number
}

/**
 * A camera's condition at an instant (DESIGN §7), read from the newest data at or before it:
 * raw reports within the raw retention, past it the 1-minute, then the 1-hour rollups.
 */
export class HealthContextReader {
  constructor(private readonly o: HealthContextReaderOptions) {}

  async read(req: HealthContextRequest): Promise<HealthContext> {
    const now = this.o.clock.now()
    const tier = this.tierAt(req.at, now)
    const lookbackMs = Math.max(req.offlineAfterMs, LOOKBACK_MS)
    const inputs: HealthInputs = { ...req, tier, bucketMs: tier === null || tier === 'raw' ? 0 : ROLLUP_BUCKET_MS[tier], lookbackMs }
    if (tier === 'raw') Object.assign(inputs, await this.rawInputs(req, lookbackMs))
    else if (tier !== null) Object.assign(inputs, await this.rollupInputs(req, tier, lookbackMs))
    if (inputs.fpsTarget === undefined && inputs.fps !== undefined) inputs.typicalFps = await this.typicalFps(req, now)
    return assess(inputs)
  }

  /** The finest tier whose retention reaches back to `at`. */
  private tierAt(at: number, now: number): HealthTier | null {
    const r = this.o.retention
    if (at >= now - r.raw * 1000) return 'raw'
    if (at >= now - r['1m'] * 1000) return '1m'
    if (at >= now - r['1h'] * 1000) return '1h'
    return null
  }

  /**
   * The newest raw sample of each input at or before `at`, and the newest report of any kind
   * (online): one read backwards from `at`, which for a camera that reports all the inputs
   * often ends after a report or two.
   */
  private async rawInputs(req: HealthContextRequest, lookbackMs: number): Promise<Partial<Record<Input, Sample>> & { lastReportTs?: number }> {
    const latest = await this.o.telemetry.readLatest({
      cameraId: req.cameraId,
      metrics: INPUTS.map((k) => METRICS[k]),
      from: req.at - lookbackMs,
      to: req.at,
      maxReports: MAX_RAW_SCAN,
    })
    const out: Partial<Record<Input, Sample>> & { lastReportTs?: number } = {}
    if (latest.reportTs !== undefined) out.lastReportTs = latest.reportTs
    for (const k of INPUTS) {
      const found = latest.samples[METRICS[k]]
      if (found) out[k] = { ts: found[0], value: found[1] }
    }
    return out
  }

  /**
   * The newest bucket of each input that starts at or before `at`, its average as the value, and
   * the newest bucket with any data (online).
   */
  private async rollupInputs(req: HealthContextRequest, tier: RollupTier, lookbackMs: number): Promise<Partial<Record<Input, Sample>> & { lastReportTs?: number }> {
    await this.o.flushRollups()
    const newest = await this.o.history.newestBucket(req.cameraId, tier, req.at - lookbackMs, req.at)
    const buckets = await this.o.history.readRollupsOf({
      cameraId: req.cameraId,
      metrics: INPUTS.map((k) => METRICS[k]),
      tier,
      from: req.at - lookbackMs,
      to: req.at,
      limit: MAX_BUCKETS,
    })
    const out: Partial<Record<Input, Sample>> & { lastReportTs?: number } = {}
    if (newest !== undefined) out.lastReportTs = newest
    for (const k of INPUTS) {
      const last = buckets[METRICS[k]]?.filter((b) => b.ts <= req.at && b.count > 0).at(-1)
      if (last) out[k] = { ts: last.ts, value: last.sum / last.count }
    }
    return out
  }

  /** Median frame rate of the day before `at`, from the 1-minute rollups while they reach back that far. */
  private async typicalFps(req: HealthContextRequest, now: number): Promise<number | undefined> {
    const from = req.at - TYPICAL_WINDOW_MS
    const tier: RollupTier = from >= now - this.o.retention['1m'] * 1000 ? '1m' : '1h'
    await this.o.flushRollups()
    const buckets = await this.o.history.readRollupsOf({ cameraId: req.cameraId, metrics: [METRICS.fps], tier, from, to: req.at, limit: MAX_BUCKETS })
    return typicalRate(buckets[METRICS.fps] ?? [], req.at, ROLLUP_BUCKET_MS[tier], MIN_TYPICAL_BUCKETS[tier])
  }
}
