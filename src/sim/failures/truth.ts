import { type FailureMode, isFailureMode } from '../../protocol/predictions.js'
import { DAY, HOUR, MINUTE } from '../episodes.js'
import type { Fleet } from '../fleet.js'
import type { FailingCamera } from './failing-camera.js'
import { CARD_DEAD_PCT, type Confounder, FULL_PCT, type Scenario } from './plan.js'

/** One failure the simulated fleet really has: what a prediction should have warned of. */
export interface TruthFailure {
  readonly cameraId: string
  readonly siteId: string
  readonly mode: FailureMode
  readonly variant: string
  readonly abrupt: boolean
  /** `injected` by the scenario, or `natural`: the base simulator's own wear-out and misconfigured cards. */
  readonly source: 'injected' | 'natural'
  readonly onset: number
  readonly failAt: number
  readonly repairAt: number
}

export interface GroundTruth {
  readonly fleet: { readonly seed: number; readonly cameras: number; readonly sites: readonly string[] }
  readonly from: number
  readonly to: number
  /** Failures are listed up to here, past `to`, so that raises near the end can be judged. */
  readonly truthTo: number
  readonly failures: readonly TruthFailure[]
  readonly confounders: readonly Confounder[]
}

/** The scenario's failures plus the ones the base simulator produces on its own. */
export function groundTruth(fleet: Fleet, scenario: Scenario, cameras: readonly FailingCamera[]): GroundTruth {
  const failures: TruthFailure[] = scenario.degradations.map((d) => ({
    cameraId: d.cameraId,
    siteId: d.siteId,
    mode: d.mode,
    variant: d.variant,
    abrupt: d.abrupt,
    source: 'injected' as const,
    onset: d.onset,
    failAt: d.failAt,
    repairAt: d.repairAt,
  }))
  const injectedDisk = new Set(scenario.degradations.filter((d) => d.mode === 'disk_failure').map((d) => d.cameraId))
  for (const cam of cameras) {
    if (!injectedDisk.has(cam.camera.id)) failures.push(...wornOut(cam, scenario))
    if (cam.camera.diskFillPctPerDay > 0) failures.push(...filledUp(cam, scenario))
  }
  failures.sort((a, b) => a.failAt - b.failAt || (a.cameraId < b.cameraId ? -1 : 1))
  return {
    fleet: { seed: fleet.seed, cameras: fleet.cameras.length, sites: fleet.sites.map((s) => s.id) },
    from: scenario.from,
    to: scenario.to,
    truthTo: scenario.truthTo,
    failures,
    confounders: scenario.confounders,
  }
}

/** Natural card wear-out: health reaches CARD_DEAD_PCT and recording stops until the card is replaced. */
function wornOut(cam: FailingCamera, scenario: Scenario): TruthFailure[] {
  const health = (t: number) => cam.model.diskHealth(t)
  const out: TruthFailure[] = []
  for (let t = scenario.from - 30 * DAY; t < scenario.truthTo; t += DAY) {
    if (!(health(t) > CARD_DEAD_PCT && health(t + DAY) <= CARD_DEAD_PCT)) continue
    const failAt = bisect(t, t + DAY, (x) => health(x) <= CARD_DEAD_PCT)
    let repairAt = failAt
    while (health(repairAt) <= CARD_DEAD_PCT + 1 && repairAt < failAt + 60 * DAY) repairAt += HOUR
    let onset = failAt
    while (health(onset) < 25 && onset > failAt - 400 * DAY) onset -= DAY
    out.push(natural(cam, 'disk_failure', 'wear', onset, failAt, repairAt))
  }
  return out
}

/** A misconfigured loop recording fills its card to full, sits there, until someone clears it. */
function filledUp(cam: FailingCamera, scenario: Scenario): TruthFailure[] {
  const used = (t: number) => {
    const s = cam.sample(t)
    return s === null ? undefined : Number(s.disk_used_pct)
  }
  const out: TruthFailure[] = []
  let prev: number | undefined
  let prevT = 0
  // A full card hovers around its cap: a new failure needs the card cleared (below 95 %) first.
  let armed = false
  for (let t = scenario.from - 2 * DAY; t < scenario.truthTo; t += HOUR) {
    const u = used(t)
    if (u === undefined) continue
    if (u < 95) armed = true
    if (armed && prev !== undefined && prev < FULL_PCT && u >= FULL_PCT) {
      armed = false
      const failAt = bisect(prevT, t, (x) => (used(x) ?? 0) >= FULL_PCT)
      let repairAt = failAt
      while ((used(repairAt) ?? 100) >= 95 && repairAt < failAt + 60 * DAY) repairAt += HOUR
      const onset = failAt - ((FULL_PCT - 60) / cam.camera.diskFillPctPerDay) * DAY
      out.push(natural(cam, 'disk_full', 'misconfigured', onset, failAt, repairAt))
    }
    prev = u
    prevT = t
  }
  return out
}

function natural(cam: FailingCamera, mode: FailureMode, variant: string, onset: number, failAt: number, repairAt: number): TruthFailure {
  const ms = Math.round
  return { cameraId: cam.camera.id, siteId: cam.camera.siteId, mode, variant, abrupt: false, source: 'natural', onset: ms(onset), failAt: ms(failAt), repairAt: ms(repairAt) }
}

/** The first instant in (lo, hi] where `done` holds, to within 10 minutes; `done(hi)` must hold. */
function bisect(lo: number, hi: number, done: (t: number) => boolean): number {
  while (hi - lo > 10 * MINUTE) {
    const mid = Math.round((lo + hi) / 2)
    if (done(mid)) hi = mid
    else lo = mid
  }
  return hi
}

// --- file format ------------------------------------------------------------------------------

const iso = (t: number) => new Date(t).toISOString()

/** JSON for a truth file: times as RFC 3339 strings so that people can read it too. */
export function truthToJson(t: GroundTruth): unknown {
  return {
    version: 1,
    fleet: t.fleet,
    from: iso(t.from),
    to: iso(t.to),
    truthTo: iso(t.truthTo),
    failures: t.failures.map((f) => ({ ...f, onset: iso(f.onset), failAt: iso(f.failAt), repairAt: iso(f.repairAt) })),
    confounders: t.confounders.map((c) => ({ ...c, from: iso(c.from), to: iso(c.to) })),
  }
}

export function truthFromJson(raw: unknown): GroundTruth {
  const o = raw as Record<string, unknown>
  if (o === null || typeof o !== 'object' || o.version !== 1) throw new TypeError('not a camtel ground-truth file (version 1)')
  const ms = (v: unknown, what: string) => {
    const t = typeof v === 'string' ? Date.parse(v) : Number.NaN
    if (!Number.isFinite(t)) throw new TypeError(`${what} is not an RFC 3339 time`)
    return t
  }
  const failures = (o.failures as Array<Record<string, unknown>>).map((f, i) => {
    if (!isFailureMode(f.mode)) throw new TypeError(`failures[${i}].mode '${String(f.mode)}' is not a failure mode`)
    return {
      cameraId: String(f.cameraId),
      siteId: String(f.siteId),
      mode: f.mode,
      variant: String(f.variant),
      abrupt: f.abrupt === true,
      source: f.source === 'natural' ? ('natural' as const) : ('injected' as const),
      onset: ms(f.onset, `failures[${i}].onset`),
      failAt: ms(f.failAt, `failures[${i}].failAt`),
      repairAt: ms(f.repairAt, `failures[${i}].repairAt`),
    }
  })
  const confounders = (o.confounders as Array<Record<string, unknown>>).map((c, i) => ({
    ...(c as unknown as Confounder),
    from: ms(c.from, `confounders[${i}].from`),
    to: ms(c.to, `confounders[${i}].to`),
  }))
  return {
    fleet: o.fleet as GroundTruth['fleet'],
    from: ms(o.from, 'from'),
    to: ms(o.to, 'to'),
    truthTo: ms(o.truthTo, 'truthTo'),
    failures,
    confounders,
  }
}
