import { describe, expect, it } from 'vitest'
import type { RollupBucket } from '../store/ports.js'
import { GOOD_LEVEL, type HealthInputs, UNKNOWN_SCORE, assess, median, typicalRate } from './score.js'

const AT = Date.UTC(2026, 10, 24, 12, 0, 0)
const MIN = 60_000
const HOUR = 3_600_000

/** A healthy camera that reported everything 5 s before `at`. */
function healthy(over: Partial<HealthInputs> = {}): HealthInputs {
  const ts = AT - 5_000
  return {
    cameraId: 'cam',
    siteId: 'north',
    at: AT,
    offlineAfterMs: 60_000,
    tier: 'raw',
    bucketMs: 0,
    lookbackMs: HOUR,
    fps: { value: 25, ts },
    fpsTarget: { value: 25, ts },
    imageQuality: { value: 90, ts },
    focusScore: { value: 92, ts },
    recording: { value: 1, ts },
    tamper: { value: 0, ts },
    ...over,
  }
}

/** Everything as healthy() but reported at `ts`. */
function reportedAt(ts: number): HealthInputs {
  const i = healthy()
  return { ...i, fps: { value: 25, ts }, fpsTarget: { value: 25, ts }, imageQuality: { value: 90, ts }, focusScore: { value: 90, ts }, recording: { value: 1, ts }, tamper: { value: 0, ts } }
}

const factor = (c: ReturnType<typeof assess>, name: string) => c.factors.find((f) => f.name === name)

describe('assess', () => {
  it('gives a healthy, online, recording camera full confidence', () => {
    const c = assess(healthy())
    expect(c).toMatchObject({
      cameraId: 'cam',
      siteId: 'north',
      at: new Date(AT).toISOString(),
      tier: 'raw',
      reportTs: new Date(AT - 5_000).toISOString(),
      offlineAfter: 60,
      online: true,
      recording: true,
      fps: 25,
      fpsTarget: 25,
      fpsTargetSource: 'reported',
      fpsRatio: 1,
      imageQuality: 90,
      focusScore: 92,
      tamper: false,
      confidence: 1,
      unknown: [],
    })
    expect(c.factors.map((f) => f.name)).toEqual(['online', 'recording', 'fps', 'image_quality', 'focus_score', 'tamper'])
  })

  it('scales confidence with the frame rate against its target', () => {
    const half = assess(healthy({ fps: { value: 12.5, ts: AT - 5_000 } }))
    expect(half.fpsRatio).toBe(0.5)
    expect(half.confidence).toBe(0.5)
    expect(factor(half, 'fps')?.reason).toContain('50 %')
    // Above target is not better than on target.
    expect(assess(healthy({ fps: { value: 30, ts: AT - 5_000 } })).confidence).toBe(1)
  })

  it('is 0 when the newest report is as old as the offline timeout, whatever the rest says', () => {
    const c = assess(reportedAt(AT - 60_000))
    expect(c.online).toBe(false)
    expect(c.confidence).toBe(0)
    // The last known values stay visible, with their time.
    expect(c).toMatchObject({ fps: 25, reportTs: new Date(AT - 60_000).toISOString() })
    expect(factor(c, 'online')?.reason).toContain('offline')
    // One millisecond later than that it is online.
    expect(assess(reportedAt(AT - 59_999))).toMatchObject({ online: true, confidence: 1 })
  })

  it('is 0 and offline with reportTs null when nothing was reported', () => {
    const c = assess({ ...healthy(), fps: undefined, fpsTarget: undefined, imageQuality: undefined, focusScore: undefined, recording: undefined, tamper: undefined })
    expect(c).toMatchObject({ online: false, reportTs: null, confidence: 0, fps: null, recording: null, imageQuality: null })
  })

  it('is 0 when not recording or when tamper is detected', () => {
    const off = assess(healthy({ recording: { value: 0, ts: AT - 5_000 } }))
    expect(off).toMatchObject({ recording: false, confidence: 0 })
    expect(assess(healthy({ tamper: { value: 1, ts: AT - 5_000 } }))).toMatchObject({ tamper: true, confidence: 0 })
  })

  it('counts image quality and focus in full from GOOD_LEVEL and linearly below', () => {
    const ts = AT - 5_000
    expect(assess(healthy({ imageQuality: { value: GOOD_LEVEL, ts } })).confidence).toBe(1)
    expect(assess(healthy({ imageQuality: { value: 40, ts } })).confidence).toBe(0.5)
    expect(assess(healthy({ imageQuality: { value: 40, ts }, focusScore: { value: 20, ts } })).confidence).toBe(0.125)
  })

  it('lowers confidence for each unknown core input and names it, rather than treating it as perfect', () => {
    const c = assess(healthy({ imageQuality: undefined, recording: undefined }))
    expect(c.unknown).toEqual(['recording', 'image_quality'])
    expect(c.confidence).toBe(UNKNOWN_SCORE * UNKNOWN_SCORE)
    expect(c.imageQuality).toBeNull()
    expect(c.recording).toBeNull()
    expect(factor(c, 'image_quality')).toMatchObject({ value: null, known: false, score: UNKNOWN_SCORE })
    // Tamper is an event flag: a camera without a detector is stated, not penalised.
    const noTamper = assess(healthy({ tamper: undefined }))
    expect(noTamper).toMatchObject({ tamper: null, confidence: 1, unknown: ['tamper'] })
  })

  it('judges fps against the typical rate when no target is reported, and says so', () => {
    const c = assess(healthy({ fpsTarget: undefined, typicalFps: 20, fps: { value: 10, ts: AT - 5_000 } }))
    expect(c).toMatchObject({ fpsTarget: 20, fpsTargetSource: 'typical', fpsRatio: 0.5, confidence: 0.5 })
    // A reported target wins over the typical rate.
    expect(assess(healthy({ typicalFps: 10 }))).toMatchObject({ fpsTargetSource: 'reported', fpsTarget: 25 })
    // No target at all: fps is known but cannot be judged.
    const none = assess(healthy({ fpsTarget: { value: 0, ts: AT }, typicalFps: undefined }))
    expect(none).toMatchObject({ fps: 25, fpsTarget: null, fpsTargetSource: null, fpsRatio: null, confidence: UNKNOWN_SCORE, unknown: ['fps'] })
  })

  it('in a rollup tier, judges online at the bucket resolution and reads booleans as shares of reports', () => {
    const bucket = AT - MIN // the minute before `at`, ending at `at`
    const c = assess(
      healthy({
        tier: '1m',
        bucketMs: MIN,
        fps: { value: 24, ts: bucket },
        fpsTarget: { value: 25, ts: bucket },
        imageQuality: { value: 90, ts: bucket },
        focusScore: { value: 90, ts: bucket },
        recording: { value: 0.75, ts: bucket },
        tamper: { value: 0, ts: bucket },
      }),
    )
    expect(c).toMatchObject({ tier: '1m', online: true, reportTs: new Date(bucket).toISOString(), recording: null, fpsRatio: 0.96 })
    expect(c.confidence).toBeCloseTo(0.75 * 0.96, 3)
    expect(factor(c, 'recording')?.reason).toContain('75 %')
    // An hour bucket that ended less than the timeout before `at` is online; one that ended a full timeout before, offline.
    const old = assess(healthy({ tier: '1h', bucketMs: HOUR, fps: { value: 25, ts: AT - HOUR - 59_000 }, fpsTarget: undefined, imageQuality: undefined, focusScore: undefined, recording: undefined, tamper: undefined }))
    expect(old.online).toBe(true)
    const older = assess(healthy({ tier: '1h', bucketMs: HOUR, fps: { value: 25, ts: AT - HOUR - 60_000 }, fpsTarget: undefined, imageQuality: undefined, focusScore: undefined, recording: undefined, tamper: undefined }))
    expect(older.online).toBe(false)
  })

  it('answers with no tier for an instant older than every retention', () => {
    const c = assess({ cameraId: 'cam', siteId: 'north', at: AT, offlineAfterMs: 60_000, tier: null, bucketMs: 0, lookbackMs: HOUR })
    expect(c).toMatchObject({ tier: null, online: false, confidence: 0 })
    expect(factor(c, 'online')?.reason).toContain('no tier')
  })
})

describe('typicalRate', () => {
  const b = (ts: number, avg: number, count = 6): RollupBucket => ({ ts, min: avg, max: avg, sum: avg * count, count })

  it('is the median of the complete buckets of the day before, robust to a short drop', () => {
    const buckets = [...Array.from({ length: 40 }, (_, i) => b(AT - (60 - i) * MIN, 25)), ...Array.from({ length: 20 }, (_, i) => b(AT - (20 - i) * MIN, 12))]
    expect(typicalRate(buckets, AT, MIN, 30)).toBe(25)
  })

  it('leaves out buckets that reach past `at` or start more than a day before it', () => {
    const buckets = [b(AT - 25 * HOUR, 1), ...Array.from({ length: 30 }, (_, i) => b(AT - (30 - i) * MIN, 20)), b(AT, 1), b(AT - 30_000, 1)]
    expect(typicalRate(buckets, AT, MIN, 30)).toBe(20)
  })

  it('gives nothing with too little history', () => {
    expect(typicalRate(Array.from({ length: 29 }, (_, i) => b(AT - (30 - i) * MIN, 20)), AT, MIN, 30)).toBeUndefined()
  })

  it('median of even and odd counts', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeUndefined()
  })
})
