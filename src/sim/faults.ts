import { MINUTE, SECOND, progress, type Episode } from './episodes.js'

/**
 * Faults that tests, demos and the predictive-maintenance work inject on purpose, on top of
 * the random ones every camera has. `counter_reset` is a factory reset: the device counters
 * (reboots, dropped_frames, disk_write_errors) restart from zero at `from`.
 */
export type FaultKind = 'offline' | 'overheat' | 'fps_drop' | 'disk_fill' | 'packet_loss' | 'reboot_loop' | 'counter_reset'

export const FAULT_KINDS: readonly FaultKind[] = [
  'offline',
  'overheat',
  'fps_drop',
  'disk_fill',
  'packet_loss',
  'reboot_loop',
  'counter_reset',
]

/** An injected fault, active in data time [from, to) (epoch ms). */
export interface Fault {
  readonly kind: FaultKind
  readonly from: number
  readonly to: number
}

/** A reboot loop restarts the camera this often, and each boot takes this long. */
export const LOOP_PERIOD_MS = 8 * MINUTE
export const LOOP_BOOT_MS = 90 * SECOND
/** Frame rate under an injected fps_drop, as a share of the target. */
export const INJECTED_FPS_SHARE = 0.45
/** An injected disk_fill reaches 100 % this far into its window, then the card is full. */
export const DISK_FILL_FULL_AT = 0.8
/** Write errors per second while an injected disk_fill has the card full. */
export const FULL_DISK_ERRORS_PER_S = 2 / 60

export function checkFault(fault: Fault): Fault {
  if (!FAULT_KINDS.includes(fault.kind)) throw new RangeError(`unknown fault kind '${String(fault.kind)}'`)
  if (!Number.isFinite(fault.from) || !Number.isFinite(fault.to) || fault.to < fault.from) {
    throw new RangeError('a fault needs finite from <= to (epoch ms)')
  }
  return { kind: fault.kind, from: fault.from, to: fault.to }
}

export function activeFault(faults: readonly Fault[], kind: FaultKind, ts: number): Fault | undefined {
  for (const f of faults) if (f.kind === kind && f.from <= ts && ts < f.to) return f
  return undefined
}

/** Number of reboots of a reboot loop that have started by `ts`. */
export function loopReboots(f: Fault, ts: number): number {
  if (ts < f.from) return 0
  const total = Math.max(1, Math.ceil((f.to - f.from) / LOOP_PERIOD_MS))
  return Math.min(Math.floor((ts - f.from) / LOOP_PERIOD_MS) + 1, total)
}

/** The latest boot of a reboot loop at or before `ts`. */
export function loopBoot(f: Fault, ts: number): Episode | undefined {
  const n = loopReboots(f, ts)
  if (n === 0) return undefined
  const start = f.from + (n - 1) * LOOP_PERIOD_MS
  return { start, end: start + LOOP_BOOT_MS, level: 0 }
}

/** Overheat severity 0..1: ramps up over the first quarter, eases off over the last tenth. */
export function overheatLevel(f: Fault, ts: number): number {
  const span = f.to - f.from
  return Math.min(progress(f.from, f.from + 0.25 * span, ts), 1 - progress(f.to - 0.1 * span, f.to, ts))
}
