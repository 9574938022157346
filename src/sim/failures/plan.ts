import type { FailureMode } from '../../protocol/predictions.js'
import type { CameraModel } from '../camera-model.js'
import { DAY, HOUR, MINUTE } from '../episodes.js'
import type { Fleet, SimCamera } from '../fleet.js'
import { Rng, hash, hashString } from '../random.js'
import { duskAfter, localTime } from './sun.js'

/**
 * A failure that develops in one camera: precursors from `onset`, the failure itself at
 * `failAt` (the instant the ground truth records), and a technician's repair at `repairAt`.
 * An abrupt failure has `onset === failAt`: nothing warns of it.
 */
export interface Degradation {
  readonly cameraId: string
  readonly siteId: string
  readonly mode: FailureMode
  /** How it happens: fan, vent, wear, fill, cable, switch, link, soiling, ir, leak, abrupt. */
  readonly variant: string
  readonly abrupt: boolean
  readonly onset: number
  readonly failAt: number
  readonly repairAt: number
  /** Shape of the precursors, fixed when planned so that sampling stays a pure function of time. */
  readonly params: Readonly<Record<string, number>>
}

/** Things that look like failures and are not (DOMAIN.md), and data problems every fleet has. */
export type ConfounderKind =
  | 'heatwave'
  | 'firmware_update'
  | 'network_blip'
  | 'uplink_outage'
  | 'always_warm'
  | 'old_counters'
  | 'counter_reset'
  | 'near_full'
  | 'report_gap'
  | 'clock_skew'
  | 'no_env_sensor'

export interface Confounder {
  readonly kind: ConfounderKind
  /** Set for site-wide confounders. */
  readonly siteId?: string
  readonly cameraIds: readonly string[]
  readonly from: number
  readonly to: number
  readonly params: Readonly<Record<string, number>>
}

export interface Scenario {
  readonly seed: number
  /** Data time the simulated history covers. */
  readonly from: number
  readonly to: number
  /** Failures are planned up to here (past `to`), so that raises near the end can be judged. */
  readonly truthTo: number
  readonly degradations: readonly Degradation[]
  readonly confounders: readonly Confounder[]
}

export interface ScenarioOptions {
  from: number
  to: number
  seed?: number
  /** Expected failures per camera and 30 days, per mode. Real fleets see far fewer; see docs. */
  failureRate?: number
  /** Share of disk, power, network and image failures that come with no precursor at all. */
  abruptShare?: number
  /** No failure is planned in the first days: a detector needs some history to judge from. */
  quietDays?: number
}

/** How long each gradual mode takes from first precursor to failure, days (DOMAIN.md lead times). */
const LEAD_DAYS: Readonly<Record<Exclude<FailureMode, 'disk_full' | 'reboot_loop'>, readonly [number, number]>> = {
  overheating: [4, 18],
  // Unused for gradual card wear, whose onset follows from its wear rate (see plan()).
  disk_failure: [0, 0],
  power_instability: [6, 25],
  network_degradation: [2, 10],
  image_degradation: [8, 35],
}
const ABRUPT_MODES: readonly FailureMode[] = ['disk_failure', 'power_instability', 'network_degradation', 'image_degradation']
/** Housing temperature at which a camera shuts down to protect itself. */
export const SHUTDOWN_C = 85
/** PoE voltage under load below which a camera browns out and cannot stay up. */
export const BROWNOUT_V = 40
/** Packet loss at which the link is unusable and video stops. */
export const LINK_DEAD_LOSS_PCT = 15
/** Image quality below which video is no use for recognition (the image-poor rule's threshold). */
export const UNUSABLE_QUALITY = 40
/** Disk use at which loop recording can no longer keep up: footage is lost. */
export const FULL_PCT = 99.5
/** Remaining card life at which the card dies. */
export const CARD_DEAD_PCT = 3
/** A reboot loop: crashes closer together than this. */
export const LOOP_INTERVAL_MS = 15 * MINUTE

/**
 * Plans failures and confounders for a fleet over [from, to): which camera fails in which mode,
 * when, and how its precursors develop. Deterministic in (fleet, options).
 */
export function planScenario(fleet: Fleet, models: readonly CameraModel[], o: ScenarioOptions): Scenario {
  if (!(o.to > o.from)) throw new RangeError('a scenario needs from < to')
  const seed = o.seed ?? fleet.seed
  const rng = new Rng(hash(seed, 0xfa11))
  const truthTo = o.to + 30 * DAY
  const earliest = o.from + (o.quietDays ?? 5) * DAY
  const rate = o.failureRate ?? 0.01
  const abruptShare = o.abruptShare ?? 0.2
  const byId = new Map(models.map((m) => [m.camera.id, m]))
  const taken = new Set<string>()
  const degradations: Degradation[] = []
  const spanDays = (truthTo - earliest) / DAY

  const modes: FailureMode[] = ['overheating', 'disk_failure', 'disk_full', 'power_instability', 'network_degradation', 'image_degradation', 'reboot_loop']
  for (const mode of modes) {
    const expected = rate * fleet.cameras.length * (spanDays / 30)
    const count = Math.floor(expected + rng.float())
    const eligible = fleet.cameras.filter((c) => !taken.has(c.id) && fits(mode, c))
    for (let k = 0; k < count && eligible.length > 0; k++) {
      const cam = eligible.splice(rng.int(0, eligible.length - 1), 1)[0] as SimCamera
      const model = byId.get(cam.id) as CameraModel
      const failAt = earliest + rng.float() * (truthTo - earliest)
      const abrupt = ABRUPT_MODES.includes(mode) && rng.chance(abruptShare)
      const planned = plan(mode, model, failAt, abrupt, rng)
      const first = planned[0]
      // A failing PoE switch takes several of its cameras down within hours of each other.
      if (first?.variant === 'cable' && rng.chance(0.3)) {
        const mates = fleet.cameras.filter((m) => m.switchId === cam.switchId && m.id !== cam.id && !taken.has(m.id)).slice(0, 2)
        for (const m of mates) planned.push(onSameSwitch(first, byId.get(m.id) as CameraModel, rng.range(-6, 6) * HOUR))
      }
      for (const d of planned) {
        if (taken.has(d.cameraId)) continue
        taken.add(d.cameraId)
        // Whole milliseconds, as timestamps on the wire and in the truth file are.
        degradations.push({ ...d, onset: Math.round(d.onset), failAt: Math.round(d.failAt), repairAt: Math.round(d.repairAt) })
      }
    }
  }
  const confounders = planConfounders(fleet, o.from, o.to, rng, taken).map((c) => ({ ...c, from: Math.round(c.from), to: Math.round(c.to) }))
  return { seed, from: o.from, to: o.to, truthTo, degradations, confounders }
}

function fits(mode: FailureMode, c: SimCamera): boolean {
  // A card that already fills on its own (misconfigured loop recording) gets no second fill.
  if (mode === 'disk_full') return c.diskFillPctPerDay === 0
  return true
}

function repair(failAt: number, rng: Rng): number {
  return failAt + rng.range(1, 6) * DAY
}

function plan(mode: FailureMode, model: CameraModel, at: number, abrupt: boolean, rng: Rng): Degradation[] {
  const c = model.camera
  const base = { cameraId: c.id, siteId: c.siteId, mode }
  const span = (mode in LEAD_DAYS ? LEAD_DAYS[mode as keyof typeof LEAD_DAYS] : [1, 1]) as readonly [number, number]
  const onsetOf = (failAt: number) => (abrupt ? failAt : failAt - rng.range(span[0], span[1]) * DAY)
  switch (mode) {
    case 'overheating': {
      // Shutdown comes on a hot afternoon: 15:00 local on the planned day.
      const failAt = localTime(model.environment, at, 15)
      const normal = housingNear(model, failAt)
      return [{ ...base, variant: c.hasFan ? 'fan' : 'vent', abrupt: false, onset: onsetOf(failAt), failAt, repairAt: repair(failAt, rng), params: { excessMaxC: SHUTDOWN_C + 1 - normal } }]
    }
    case 'disk_failure': {
      // A card too small or too cheap for its writes: installed new at onset, it wears linearly
      // (0.8-3 %/day, weeks to months) and dies at CARD_DEAD_PCT.
      const ratePerDay = rng.range(0.8, 3)
      const onset = abrupt ? at : at - ((100 - CARD_DEAD_PCT) / ratePerDay) * DAY
      return [{ ...base, variant: abrupt ? 'abrupt' : 'wear', abrupt, onset, failAt: at, repairAt: repair(at, rng), params: { h0: 100 } }]
    }
    case 'disk_full': {
      const u0 = c.diskPlateauPct
      const days = (FULL_PCT - u0) / rng.range(0.7, 3)
      return [{ ...base, variant: 'fill', abrupt: false, onset: at - days * DAY, failAt: at, repairAt: repair(at, rng), params: { u0 } }]
    }
    case 'power_instability':
      return planPower(model, at, abrupt, rng, onsetOf)
    case 'network_degradation':
      return [{ ...base, variant: abrupt ? 'abrupt' : 'link', abrupt, onset: onsetOf(at), failAt: at, repairAt: repair(at, rng), params: { noiseSeed: rng.int(1, 1e9) } }]
    case 'image_degradation': {
      const ir = c.ir && rng.chance(0.5)
      const variant = abrupt ? 'abrupt' : ir ? 'ir' : 'soiling'
      const q0 = ir ? c.imageQualityBase - c.nightQualityPenalty : c.imageQualityBase
      return [{ ...base, variant, abrupt, onset: onsetOf(at), failAt: at, repairAt: repair(at, rng), params: { q0 } }]
    }
    case 'reboot_loop': {
      // A leak that grows: free memory falls from boot until the firmware runs out and crashes,
      // each time faster, so each crash comes sooner than the last, until the camera cannot stay
      // up. Before the first crash the leak ate memory for one interval more (the longest).
      const firstMs = rng.range(1.5, 4) * DAY
      const ratio = rng.range(0.5, 0.75)
      const crashes = leakCrashes(firstMs, ratio, hash(c.seed, 0x1ea4))
      const leadInMs = leakLeadIn(firstMs, ratio, c.seed)
      const total = crashes[crashes.length - 1] as number
      const onset = at - total - leadInMs
      return [{ ...base, variant: 'leak', abrupt: false, onset, failAt: at, repairAt: repair(at, rng), params: { firstMs, ratio, leadInMs } }]
    }
  }
}

/**
 * How long a leak eats memory before its first crash: the interval before the first one, as
 * long again as the first divided by the shrink ratio, ±15 %.
 */
export function leakLeadIn(firstMs: number, ratio: number, seed: number): number {
  return (firstMs / ratio) * (0.85 + 0.3 * ((hash(seed, 0x1ea5) % 1000) / 1000))
}

/**
 * Offsets from onset of the crashes of a growing leak; the last is where intervals fall below
 * LOOP_INTERVAL_MS (the loop, i.e. the failure). Intervals shrink by `ratio`, ±15 % jitter.
 */
export function leakCrashes(firstMs: number, ratio: number, seed: number): number[] {
  const out = [0]
  let interval = firstMs
  for (let k = 0; interval >= LOOP_INTERVAL_MS && k < 200; k++) {
    const jitter = 0.85 + 0.3 * ((hash(seed, k) % 1000) / 1000)
    out.push((out[out.length - 1] as number) + interval * jitter)
    interval *= ratio
  }
  return out
}

function planPower(model: CameraModel, at: number, abrupt: boolean, rng: Rng, onsetOf: (t: number) => number): Degradation[] {
  const c = model.camera
  // IR cameras brown out when the illuminator switches on at dusk.
  const failAt = c.ir ? duskAfter(model.environment, at) : at
  const onset = onsetOf(failAt)
  const repairAt = repair(failAt, rng)
  const loadedW = c.basePowerW + c.irPowerW
  const vLoaded = c.nominalVoltageV - c.cableDropVPerW * loadedW
  const d: Degradation = {
    cameraId: c.id,
    siteId: c.siteId,
    mode: 'power_instability',
    variant: abrupt ? 'abrupt' : 'cable',
    abrupt,
    onset,
    failAt,
    repairAt,
    params: { dropMaxV: vLoaded - BROWNOUT_V, loadedW, vLoaded, seed: rng.int(1, 1e9) },
  }
  return [d]
}

/** The power degradation of a failing PoE switch, copied to another camera on it. */
export function onSameSwitch(d: Degradation, model: CameraModel, shiftMs: number): Degradation {
  const c = model.camera
  const loadedW = c.basePowerW + c.irPowerW
  const vLoaded = c.nominalVoltageV - c.cableDropVPerW * loadedW
  return {
    ...d,
    cameraId: c.id,
    variant: 'switch',
    onset: d.onset + shiftMs,
    failAt: d.failAt + shiftMs,
    repairAt: d.repairAt,
    params: { dropMaxV: vLoaded - BROWNOUT_V, loadedW, vLoaded, seed: hash(d.params.seed ?? 1, hashString(c.id)) },
  }
}

/** The camera's housing temperature near `ts` as it would be without the fault. */
function housingNear(model: CameraModel, ts: number): number {
  for (let k = 0; k < 12; k++) {
    const s = model.sample(ts + k * 10 * MINUTE) ?? model.sample(ts - k * 10 * MINUTE)
    if (s !== null) return Number(s.temperature_c)
  }
  return 45
}

function planConfounders(fleet: Fleet, from: number, to: number, rng: Rng, failing: ReadonlySet<string>): Confounder[] {
  const out: Confounder[] = []
  const days = (to - from) / DAY
  const at = (marginDays = 1) => from + rng.range(marginDays, Math.max(marginDays, days - marginDays)) * DAY
  const pick = (share: number) => fleet.cameras.filter(() => rng.chance(share)).map((c) => c.id)
  for (const site of fleet.sites) {
    const cams = fleet.cameras.filter((c) => c.siteId === site.id).map((c) => c.id)
    if (cams.length === 0) continue
    for (let k = 0; k < Math.max(1, Math.round(days / 45)); k++) {
      const start = at(3)
      out.push({ kind: 'heatwave', siteId: site.id, cameraIds: cams, from: start, to: start + rng.range(3, 7) * DAY, params: { peakC: rng.range(6, 11) } })
    }
    for (let k = 0; k < rng.int(2, 4); k++) {
      const start = at()
      out.push({ kind: 'network_blip', siteId: site.id, cameraIds: cams, from: start, to: start + rng.range(1, 6) * HOUR, params: { lossPct: rng.range(1.5, 8) } })
    }
    const outage = at()
    out.push({ kind: 'uplink_outage', siteId: site.id, cameraIds: cams, from: outage, to: outage + rng.range(2, 10) * HOUR, params: {} })
  }
  // Firmware updates roll out to a whole cohort (model and firmware) over one night.
  const cohorts = new Map<string, string[]>()
  for (const c of fleet.cameras) {
    const key = `${c.model}|${c.firmware}`
    cohorts.set(key, [...(cohorts.get(key) ?? []), c.id])
  }
  const big = [...cohorts.entries()].filter(([, ids]) => ids.length >= 4).sort((a, b) => (a[0] < b[0] ? -1 : 1))
  for (let k = 0; k < Math.min(3, big.length); k++) {
    const [cohort, ids] = big.splice(rng.int(0, big.length - 1), 1)[0] as [string, string[]]
    const night = Math.floor(at(2) / DAY) * DAY + rng.range(1, 4) * HOUR
    out.push({ kind: 'firmware_update', cameraIds: ids, from: night, to: night + 2 * HOUR, params: { cohortHash: hashString(cohort) } })
  }
  const warm = pick(0.05)
  if (warm.length > 0) out.push({ kind: 'always_warm', cameraIds: warm, from, to, params: { minC: 6, maxC: 12 } })
  const old = pick(0.1)
  if (old.length > 0) out.push({ kind: 'old_counters', cameraIds: old, from, to, params: {} })
  for (const id of pick(0.03)) {
    const t = at()
    out.push({ kind: 'counter_reset', cameraIds: [id], from: t, to: t, params: {} })
  }
  // Held near full by design, on cards that neither fill on their own nor fail.
  const nearFull = fleet.cameras.filter((c) => c.diskFillPctPerDay === 0 && !failing.has(c.id) && rng.chance(0.05)).map((c) => c.id)
  if (nearFull.length > 0) out.push({ kind: 'near_full', cameraIds: nearFull, from, to, params: { minPct: 97.5, maxPct: 99 } })
  for (const id of pick(0.3)) {
    for (let k = 0; k < rng.int(1, 2); k++) {
      const t = at()
      out.push({ kind: 'report_gap', cameraIds: [id], from: t, to: t + rng.range(1, 30) * HOUR, params: {} })
    }
  }
  for (const id of pick(0.05)) out.push({ kind: 'clock_skew', cameraIds: [id], from, to, params: { skewS: Math.round(rng.range(-7200, 2400)) } })
  const noEnv = pick(0.4)
  if (noEnv.length > 0) out.push({ kind: 'no_env_sensor', cameraIds: noEnv, from, to, params: {} })
  return out
}
