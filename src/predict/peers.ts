/**
 * What a camera's peers did in the same hour, so that what a whole site or cohort does at once
 * (a heatwave, fog at dawn, an uplink blip, a firmware update's reboots) is not read as one
 * camera failing. Each group keeps a few recent hours of small fixed-bin histograms: the median
 * of the others is read from them without holding any camera's values.
 */

import type { StateReader, StateWriter } from './state.js'

/** Hours each group remembers: enough for the detectors' lag of two hours and ±1 hour around a boot. */
const SLOTS = 6
/** Fewer peers than this and there is no peer opinion (callers may ask for more or fewer). */
export const MIN_PEERS = 3

export interface HistSpec {
  readonly lo: number
  readonly width: number
  readonly bins: number
}

/** Housing temperature residual against its own baseline, °C. */
export const TEMP_HIST: HistSpec = { lo: -20, width: 0.5, bins: 120 }
/** Image quality residual against its own baseline, points. */
export const QUALITY_HIST: HistSpec = { lo: -60, width: 1, bins: 80 }
/** log10(packet loss % + 0.01). */
export const LOSS_HIST: HistSpec = { lo: -2, width: 0.05, bins: 90 }

export type PeerSignal = 'temp' | 'quality' | 'loss'
const SPECS: Readonly<Record<PeerSignal, HistSpec>> = { temp: TEMP_HIST, quality: QUALITY_HIST, loss: LOSS_HIST }
const SIGNALS: readonly PeerSignal[] = ['temp', 'quality', 'loss']

function binOf(spec: HistSpec, v: number): number {
  return Math.max(0, Math.min(spec.bins - 1, Math.floor((v - spec.lo) / spec.width)))
}

export class PeerGroup {
  private readonly hours = new Float64Array(SLOTS).fill(Number.NaN)
  /** Cameras that closed each hour. */
  private readonly reporting = new Uint32Array(SLOTS)
  /** Cameras that booted in each hour. */
  private readonly booted = new Uint32Array(SLOTS)
  /** Allocated on first use: groups that only count boots (cohorts, switches) never need them. */
  private readonly hist: Partial<Record<PeerSignal, Uint32Array>> = {}

  constructor(readonly key: string) {}

  /** The slot of `hour`, cleared first if it held an older hour; -1 when `hour` is too old. */
  private slot(hour: number, write: boolean): number {
    const s = ((hour % SLOTS) + SLOTS) % SLOTS
    const held = this.hours[s] as number
    if (held === hour) return s
    if (!write || (Number.isFinite(held) && held > hour)) return -1
    this.hours[s] = hour
    this.reporting[s] = 0
    this.booted[s] = 0
    for (const sig of SIGNALS) this.hist[sig]?.fill(0, s * SPECS[sig].bins, (s + 1) * SPECS[sig].bins)
    return s
  }

  /** A camera closed `hour` with these values (absent or NaN = not reported). */
  addHour(hour: number, values: Readonly<Partial<Record<PeerSignal, number>>>): void {
    const s = this.slot(hour, true)
    if (s < 0) return
    this.reporting[s]! += 1
    for (const sig of SIGNALS) {
      const v = values[sig]
      if (v === undefined || !Number.isFinite(v)) continue
      const spec = SPECS[sig]
      const h = (this.hist[sig] ??= new Uint32Array(SLOTS * spec.bins))
      h[s * spec.bins + binOf(spec, v)]! += 1
    }
  }

  addBoot(hour: number): void {
    const s = this.slot(hour, true)
    if (s >= 0) this.booted[s]! += 1
  }

  /** Median of the others' values in `hour`, leaving out `own` (the asking camera's value); NaN with fewer than `minPeers`. */
  medianOthers(hour: number, sig: PeerSignal, own: number, minPeers = MIN_PEERS): number {
    const s = this.slot(hour, false)
    if (s < 0) return Number.NaN
    const spec = SPECS[sig]
    const h = this.hist[sig]
    if (h === undefined) return Number.NaN
    const base = s * spec.bins
    const skip = Number.isFinite(own) ? binOf(spec, own) : -1
    let n = 0
    for (let b = 0; b < spec.bins; b++) n += (h[base + b] as number) - (b === skip ? 1 : 0)
    if (n < minPeers) return Number.NaN
    let seen = 0
    for (let b = 0; b < spec.bins; b++) {
      seen += (h[base + b] as number) - (b === skip ? 1 : 0)
      if (seen * 2 >= n) return spec.lo + (b + 0.5) * spec.width
    }
    return Number.NaN
  }

  save(w: StateWriter): void {
    w.arr(this.hours).arr(this.reporting).arr(this.booted)
    for (const sig of SIGNALS) {
      const h = this.hist[sig]
      w.num(h === undefined ? 0 : 1)
      if (h !== undefined) w.arr(h)
    }
  }

  load(r: StateReader): void {
    r.arr(this.hours)
    r.arr(this.reporting)
    r.arr(this.booted)
    for (const sig of SIGNALS) {
      if (r.num() === 0) {
        delete this.hist[sig]
        continue
      }
      const h = (this.hist[sig] ??= new Uint32Array(SLOTS * SPECS[sig].bins))
      r.arr(h)
    }
  }

  /** Others that booted within ±1 hour of `hour`, and how many reported then. */
  bootsAround(hour: number, ownBoots: number): { others: number; reporting: number } {
    let others = -ownBoots
    let reporting = 0
    for (let h = hour - 1; h <= hour + 1; h++) {
      const s = this.slot(h, false)
      if (s < 0) continue
      others += this.booted[s] as number
      reporting = Math.max(reporting, this.reporting[s] as number)
    }
    return { others: Math.max(0, others), reporting }
  }
}

/** Every peer group by key; created on first use. */
export class PeerGroups {
  private readonly groups = new Map<string, PeerGroup>()

  get(key: string): PeerGroup {
    let g = this.groups.get(key)
    if (g === undefined) this.groups.set(key, (g = new PeerGroup(key)))
    return g
  }

  get size(): number {
    return this.groups.size
  }

  entries(): IterableIterator<[string, PeerGroup]> {
    return this.groups.entries()
  }

  /** Forgets every group (before a saved state is loaded). */
  clear(): void {
    this.groups.clear()
  }
}
