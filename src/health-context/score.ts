import type { FpsTargetSource, HealthContext, HealthFactor, HealthTier } from '../protocol/health-context.js'
import type { RollupBucket } from '../store/ports.js'

/**
 * The score of a core factor (recording, fps, image quality, focus) whose input was not
 * reported: camtel cannot vouch for it, so it halves the confidence rather than passing as perfect.
 */
export const UNKNOWN_SCORE = 0.5
/**
 * Image quality and focus at or above this score count in full; below it the factor falls
 * linearly to 0. Healthy cameras sit at 84-97; the default rules call below 40 poor (a score of 0.5).
 */
export const GOOD_LEVEL = 80
/** The typical frame rate is read from this long before `at`. */
export const TYPICAL_WINDOW_MS = 24 * 3_600_000
/** Fewer complete buckets than this in the window give no typical frame rate (half an hour of minutes, three hours). */
export const MIN_TYPICAL_BUCKETS: Readonly<Record<'1m' | '1h', number>> = { '1m': 30, '1h': 3 }

/** One input as read: its value (a fraction of reports for booleans) and its data time. */
export interface Sample {
  readonly value: number
  readonly ts: number
}

/** What the reader found for one camera at one instant. */
export interface HealthInputs {
  cameraId: string
  siteId: string
  at: number
  offlineAfterMs: number
  /** The tier read; null when no tier keeps data that old. */
  tier: HealthTier | null
  /** Length of the tier's buckets; 0 for raw reports. */
  bucketMs: number
  /** How far before `at` data was looked for. */
  lookbackMs: number
  /** The newest report at or before `at` (within the look-back), whatever it carried; in a rollup tier, the start of its bucket. */
  lastReportTs?: number | undefined
  fps?: Sample | undefined
  fpsTarget?: Sample | undefined
  /** Median frame rate before `at`, used when no `fps_target` was reported. */
  typicalFps?: number | undefined
  imageQuality?: Sample | undefined
  focusScore?: Sample | undefined
  /** Share of reports (0-1) with recording on: 0 or 1 for one raw report. */
  recording?: Sample | undefined
  /** Share of reports (0-1) with tamper detected. */
  tamper?: Sample | undefined
}

/** The answer of GET /cameras/:id/health-context from the inputs: pure, so that it is tested without a server. */
export function assess(inputs: HealthInputs): HealthContext {
  // Rollup averages carry long fractions; three decimals are more than any of these metrics has.
  const i = { ...inputs, fps: rounded(inputs.fps), fpsTarget: rounded(inputs.fpsTarget), imageQuality: rounded(inputs.imageQuality), focusScore: rounded(inputs.focusScore) }
  const samples = [i.fps, i.fpsTarget, i.imageQuality, i.focusScore, i.recording, i.tamper].filter((s): s is Sample => s !== undefined)
  const times = samples.map((s) => s.ts)
  if (i.lastReportTs !== undefined) times.push(i.lastReportTs)
  const reportTs = times.length > 0 ? Math.max(...times) : undefined
  // The newest instant the data can stand for: the report itself, or the end of its bucket.
  const online = reportTs !== undefined && i.at - (reportTs + i.bucketMs) < i.offlineAfterMs
  const target = fpsTarget(i)
  const fpsRatio = i.fps !== undefined && target !== undefined ? i.fps.value / target.value : undefined

  const factors: HealthFactor[] = [
    onlineFactor(i, reportTs, online),
    flagFactor('recording', i.recording, { on: 1, unknownScore: UNKNOWN_SCORE, unknown: 'recording not reported' }),
    fpsFactor(i.fps, target, fpsRatio),
    levelFactor('image_quality', i.imageQuality),
    levelFactor('focus_score', i.focusScore),
    flagFactor('tamper', i.tamper, { on: 0, unknownScore: 1, unknown: 'tamper not reported (no tamper detection): not counted' }),
  ]
  const confidence = factors.reduce((p, f) => p * f.score, 1)
  return {
    cameraId: i.cameraId,
    siteId: i.siteId,
    at: iso(i.at),
    tier: i.tier,
    reportTs: reportTs === undefined ? null : iso(reportTs),
    offlineAfter: i.offlineAfterMs / 1000,
    online,
    recording: flag(i.recording),
    fps: i.fps?.value ?? null,
    fpsTarget: target === undefined ? null : round(target.value, 3),
    fpsTargetSource: target?.source ?? null,
    fpsRatio: fpsRatio === undefined ? null : round(fpsRatio, 3),
    imageQuality: i.imageQuality?.value ?? null,
    focusScore: i.focusScore?.value ?? null,
    tamper: flag(i.tamper),
    confidence: round(confidence, 3),
    unknown: factors.filter((f) => !f.known).map((f) => f.name),
    factors,
  }
}

/**
 * The median of the bucket averages that lie wholly in the TYPICAL_WINDOW_MS before `at`, or
 * undefined with fewer than `minBuckets` of them. The median holds while a drop covers less
 * than half the window.
 */
export function typicalRate(buckets: readonly RollupBucket[], at: number, bucketMs: number, minBuckets: number): number | undefined {
  const values = buckets
    .filter((b) => b.count > 0 && b.ts >= at - TYPICAL_WINDOW_MS && b.ts + bucketMs <= at)
    .map((b) => b.sum / b.count)
  if (values.length < minBuckets) return undefined
  return median(values)
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

function fpsTarget(i: HealthInputs): { value: number; source: FpsTargetSource } | undefined {
  // A target of 0 cannot be measured against; it is as good as none.
  if (i.fpsTarget !== undefined && i.fpsTarget.value > 0) return { value: i.fpsTarget.value, source: 'reported' }
  if (i.typicalFps !== undefined && i.typicalFps > 0) return { value: i.typicalFps, source: 'typical' }
  return undefined
}

function onlineFactor(i: HealthInputs, reportTs: number | undefined, online: boolean): HealthFactor {
  const timeout = `offline timeout ${i.offlineAfterMs / 1000} s`
  let reason: string
  if (i.tier === null) reason = 'no tier keeps data from that long ago'
  else if (reportTs === undefined) reason = `no report in the ${duration(i.lookbackMs)} before at: offline (${timeout})`
  else if (i.bucketMs === 0) reason = `last report ${duration(i.at - reportTs)} before at (${timeout})`
  else {
    reason =
      `${i.tier === '1m' ? '1-minute' : '1-hour'} rollups (raw reports past retention): last data in the bucket ` +
      `starting ${iso(reportTs)}, judged at that resolution (${timeout})`
  }
  return { name: 'online', value: online, ts: reportTs === undefined ? null : iso(reportTs), score: online ? 1 : 0, known: true, reason: online ? reason : `${reason}; offline, so confidence is 0` }
}

/** A boolean input read as the share of reports where it held; `on` is the value that scores 1. */
function flagFactor(name: 'recording' | 'tamper', s: Sample | undefined, o: { on: 0 | 1; unknownScore: number; unknown: string }): HealthFactor {
  if (s === undefined) return { name, value: null, ts: null, score: o.unknownScore, known: false, reason: o.unknown }
  const share = clamp01(s.value)
  const score = o.on === 1 ? share : 1 - share
  const value = flag(s)
  const reason =
    value === null
      ? `${name} in ${Math.round(share * 100)} % of the reports of the bucket`
      : name === 'recording'
        ? value
          ? 'recording'
          : 'not recording: confidence is 0'
        : value
          ? 'tamper detected: confidence is 0'
          : 'no tamper detected'
  return { name, value, ts: iso(s.ts), score: round(score, 4), known: true, reason }
}

function fpsFactor(fps: Sample | undefined, target: { value: number; source: FpsTargetSource } | undefined, ratio: number | undefined): HealthFactor {
  if (fps === undefined) return { name: 'fps', value: null, ts: null, score: UNKNOWN_SCORE, known: false, reason: 'fps not reported' }
  if (target === undefined || ratio === undefined) {
    return {
      name: 'fps',
      value: fps.value,
      ts: iso(fps.ts),
      score: UNKNOWN_SCORE,
      known: false,
      reason: 'no target to judge fps against: fps_target not reported and too little history for a typical rate',
    }
  }
  const against = target.source === 'reported' ? `the reported fps_target ${target.value}` : `the typical ${round(target.value, 2)} (median of the 24 h before)`
  return {
    name: 'fps',
    value: fps.value,
    ts: iso(fps.ts),
    score: round(clamp01(ratio), 4),
    known: true,
    reason: `${fps.value} fps, ${Math.round(ratio * 100)} % of ${against}`,
  }
}

function levelFactor(name: 'image_quality' | 'focus_score', s: Sample | undefined): HealthFactor {
  if (s === undefined) return { name, value: null, ts: null, score: UNKNOWN_SCORE, known: false, reason: `${name} not reported` }
  const score = clamp01(s.value / GOOD_LEVEL)
  const reason = score >= 1 ? `${name} ${s.value}, at or above ${GOOD_LEVEL}` : `${name} ${s.value} of the ${GOOD_LEVEL} that counts in full`
  return { name, value: s.value, ts: iso(s.ts), score: round(score, 4), known: true, reason }
}

function rounded(s: Sample | undefined): Sample | undefined {
  return s === undefined ? undefined : { value: round(s.value, 3), ts: s.ts }
}

/** A boolean from the share of reports where it held; null when a bucket holds both. */
function flag(s: Sample | undefined): boolean | null {
  if (s === undefined) return null
  if (s.value >= 1) return true
  if (s.value <= 0) return false
  return null
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 120) return `${s} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  return `${Math.round(s / 3600)} h`
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0)
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits
const iso = (ms: number) => new Date(ms).toISOString()
