import type { StateReader, StateWriter } from './state.js'
import { quantile } from './stats.js'

/** Blocks kept: three days of six-hour blocks. */
const BLOCKS = 12
export const BLOCK_HOURS = 6

/**
 * Six-hour blocks of the last three days for the modes that move within a day or two (a card
 * filling, a link losing more packets each hour): the maximum disk use and the median packet-loss
 * excess of each block. Daily figures would see such a failure only when it is nearly there.
 */
export class QuarterRing {
  private readonly block = new Float64Array(BLOCKS).fill(Number.NaN)
  private readonly used = new Float32Array(BLOCKS).fill(Number.NaN)
  private readonly loss = new Float32Array(BLOCKS).fill(Number.NaN)
  private head = 0
  private current = Number.NaN
  private usedMax = Number.NaN
  private readonly lossHours = new Float32Array(BLOCK_HOURS).fill(Number.NaN)
  private hours = 0

  add(hour: number, usedMax: number, lossExcess: number): void {
    const b = Math.floor(hour / BLOCK_HOURS)
    if (b !== this.current) {
      if (this.hours > 0) this.push()
      this.current = b
      this.usedMax = Number.NaN
      this.lossHours.fill(Number.NaN)
      this.hours = 0
    }
    if (Number.isFinite(usedMax) && !(usedMax <= this.usedMax)) this.usedMax = usedMax
    this.lossHours[hour - b * BLOCK_HOURS] = lossExcess
    this.hours++
  }

  private push(): void {
    this.block[this.head] = this.current
    this.used[this.head] = this.usedMax
    this.loss[this.head] = quantile(this.lossHours, 0.5)
    this.head = (this.head + 1) % BLOCKS
  }

  /** Points (x in days at the block's middle, y) of the closed blocks and the open one with 2+ hours, oldest first. */
  series(signal: 'used' | 'loss', sinceDay = Number.NaN): { xs: number[]; ys: number[] } {
    const xs: number[] = []
    const ys: number[] = []
    const values = signal === 'used' ? this.used : this.loss
    for (let k = BLOCKS; k >= 1; k--) {
      const i = (this.head - k + BLOCKS) % BLOCKS
      const b = this.block[i] as number
      if (!Number.isFinite(b) || (Number.isFinite(sinceDay) && (b * BLOCK_HOURS) / 24 < sinceDay)) continue
      xs.push(((b + 0.5) * BLOCK_HOURS) / 24)
      ys.push(values[i] as number)
    }
    if (this.hours >= 2 && !(Number.isFinite(sinceDay) && (this.current * BLOCK_HOURS) / 24 < sinceDay)) {
      xs.push((this.current * BLOCK_HOURS + this.hours / 2) / 24)
      ys.push(signal === 'used' ? this.usedMax : quantile(this.lossHours, 0.5))
    }
    return { xs, ys }
  }

  save(w: StateWriter): void {
    w.arr(this.block).arr(this.used).arr(this.loss).num(this.head).num(this.current).num(this.usedMax).arr(this.lossHours).num(this.hours)
  }

  load(r: StateReader): void {
    r.arr(this.block)
    r.arr(this.used)
    r.arr(this.loss)
    this.head = r.num()
    this.current = r.num()
    this.usedMax = r.num()
    r.arr(this.lossHours)
    this.hours = r.num()
  }

  static readonly BYTES = BLOCKS * (8 + 4 + 4) + BLOCK_HOURS * 4 + 32
}
