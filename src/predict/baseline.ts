import type { StateReader, StateWriter } from './state.js'

/**
 * A camera's own normal value for each UTC hour of the day, learnt with an EWMA that takes each
 * hour's new value with its residual clipped to ±3 typical deviations. A slow failure therefore
 * cannot teach the baseline its new normal quickly (at most 3·scale·alpha a day), while the
 * camera's own habits (a housing that always runs warm, a dim night picture) are learnt within
 * days. Each camera is judged against itself first, then against its peers.
 */
export class DiurnalBaseline {
  private readonly mean = new Float32Array(24).fill(Number.NaN)
  private readonly dev = new Float32Array(24).fill(Number.NaN)
  private readonly count = new Uint8Array(24)

  constructor(
    /** Weight of a new day once warm: 1/14 forgets over about two weeks. */
    private readonly alpha: number,
    /** Deviations are never taken to be smaller than this (sensor resolution, noise). */
    private readonly minScale: number,
    /** Days of an hour seen before its baseline is trusted. */
    private readonly warmDays = 3,
  ) {}

  /** The normal value at this hour of the day; NaN until warm. */
  expected(hourOfDay: number): number {
    return (this.count[hourOfDay] ?? 0) >= this.warmDays ? (this.mean[hourOfDay] as number) : Number.NaN
  }

  /** Typical absolute deviation at this hour of the day. */
  scale(hourOfDay: number): number {
    const d = this.dev[hourOfDay] as number
    return Number.isFinite(d) ? Math.max(d, this.minScale) : this.minScale
  }

  /** The highest normal value over the day (e.g. the usual afternoon peak); NaN until warm. */
  peak(): number {
    let best = Number.NaN
    for (let h = 0; h < 24; h++) {
      const e = this.expected(h)
      if (Number.isFinite(e) && !(e <= best)) best = e
    }
    return best
  }

  /** Folds in one hour's value; answers its residual against the baseline before the update. */
  update(hourOfDay: number, x: number): number {
    if (!Number.isFinite(x)) return Number.NaN
    const n = this.count[hourOfDay] ?? 0
    const m = this.mean[hourOfDay] as number
    if (n === 0 || !Number.isFinite(m)) {
      this.mean[hourOfDay] = x
      this.dev[hourOfDay] = this.minScale
      this.count[hourOfDay] = 1
      return Number.NaN
    }
    const residual = x - m
    const s = this.scale(hourOfDay)
    const clipped = Math.max(-3 * s, Math.min(3 * s, residual))
    // The first days average plainly; after that the EWMA weight takes over.
    const w = Math.max(this.alpha, 1 / (n + 1))
    this.mean[hourOfDay] = m + w * clipped
    this.dev[hourOfDay] = (this.dev[hourOfDay] as number) + w * (Math.abs(clipped) - (this.dev[hourOfDay] as number))
    if (n < 255) this.count[hourOfDay] = n + 1
    return n >= this.warmDays ? residual : Number.NaN
  }

  save(w: StateWriter): void {
    w.arr(this.mean).arr(this.dev).arr(this.count)
  }

  load(r: StateReader): void {
    r.arr(this.mean)
    r.arr(this.dev)
    r.arr(this.count)
  }

  /** Typed-array bytes held (for the memory bound). */
  static readonly BYTES = 24 * 4 * 2 + 24
}
