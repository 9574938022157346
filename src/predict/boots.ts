/**
 * A camera's recent boots, read from `uptime_s` (the boot instant is ts − uptime, exact even
 * across missing reports) and the `reboots` counter (how many, when several fell between two
 * reports). A counter that goes down was reset: that is never a burst of reboots.
 */

import type { StateReader, StateWriter } from './state.js'

/** Boots remembered: enough to see a week of a leak's crashes closing in. */
const CAPACITY = 24
/** Two boot instants closer than this are the same boot (uptime is whole seconds; clocks drift). */
const SAME_BOOT_MS = 5 * 60_000

export const BOOT_PENDING = 0
/** The camera booted on its own. */
export const BOOT_SOLO = 1
/** Peers (its site, switch or firmware cohort) booted at the same time: an update, a switch restart. */
export const BOOT_COLLECTIVE = 2
/** The camera's own, but explained by its supply or heat (a brownout, a thermal trip): not a leak. */
export const BOOT_EXPLAINED = 3

export interface BootEntry {
  readonly at: number
  readonly weight: number
  readonly kind: number
}

export class BootLog {
  private readonly at = new Float64Array(CAPACITY).fill(Number.NaN)
  private readonly weight = new Uint16Array(CAPACITY)
  private readonly kind = new Uint8Array(CAPACITY)
  private head = 0
  private lastInstant = Number.NaN
  private lastCounter = Number.NaN

  /**
   * Reads a report's uptime and reboots counter; answers the new boot (instant and how many
   * boots it stands for), if the report shows one.
   */
  observe(ts: number, uptimeS: number | undefined, counter: number | undefined): { at: number; weight: number } | undefined {
    let at = Number.NaN
    let weight = 0
    if (uptimeS !== undefined && uptimeS >= 0) {
      const instant = ts - uptimeS * 1000
      // The first report only tells when the camera last booted, not that it just did.
      if (!Number.isFinite(this.lastInstant)) this.lastInstant = instant
      else if (instant > this.lastInstant + SAME_BOOT_MS) {
        at = instant
        weight = 1
        this.lastInstant = instant
      }
    }
    if (counter !== undefined) {
      if (Number.isFinite(this.lastCounter) && counter >= this.lastCounter) {
        const delta = counter - this.lastCounter
        if (delta > weight) {
          weight = delta
          if (!Number.isFinite(at)) at = ts
        }
      }
      this.lastCounter = counter
    }
    if (weight === 0) return undefined
    this.at[this.head] = at
    this.weight[this.head] = Math.min(weight, 65_535)
    this.kind[this.head] = BOOT_PENDING
    this.head = (this.head + 1) % CAPACITY
    return { at, weight }
  }

  /** Boots not yet classified whose instant is before `until`. */
  pending(until: number): number[] {
    const out: number[] = []
    for (let i = 0; i < CAPACITY; i++) {
      if (this.kind[i] === BOOT_PENDING && (this.at[i] as number) < until) out.push(i)
    }
    return out
  }

  entry(i: number): BootEntry {
    return { at: this.at[i] as number, weight: this.weight[i] as number, kind: this.kind[i] as number }
  }

  classify(i: number, kind: typeof BOOT_SOLO | typeof BOOT_COLLECTIVE | typeof BOOT_EXPLAINED): void {
    this.kind[i] = kind
  }

  /** Classified boots since `since`, oldest first. */
  since(since: number): BootEntry[] {
    const out: BootEntry[] = []
    for (let k = 1; k <= CAPACITY; k++) {
      const i = (this.head - k + CAPACITY) % CAPACITY
      const at = this.at[i] as number
      if (!(at >= since)) continue
      if (this.kind[i] !== BOOT_PENDING) out.push(this.entry(i))
    }
    return out.sort((a, b) => a.at - b.at)
  }

  save(w: StateWriter): void {
    w.arr(this.at).arr(this.weight).arr(this.kind).num(this.head).num(this.lastInstant).num(this.lastCounter)
  }

  load(r: StateReader): void {
    r.arr(this.at)
    r.arr(this.weight)
    r.arr(this.kind)
    this.head = r.num()
    this.lastInstant = r.num()
    this.lastCounter = r.num()
  }

  /** Time of the last boot seen, NaN when none. */
  get last(): number {
    return this.lastInstant
  }

  static readonly BYTES = CAPACITY * (8 + 2 + 1) + 16
}
