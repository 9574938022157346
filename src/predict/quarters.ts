import type { StateReader, StateWriter } from './state.js'
import { quantile } from './stats.js'

/** Blocks kept: three days of six-hour blocks. */
const BLOCKS = 12
export const BLOCK_HOURS = 6

/** Free memory is kept in hundredths of a percent; this marks a block without it. */
const NO_MEM = 0xffff

/**
 * Six-hour blocks of the last three days for the modes that move within a day or two (a card
 * filling, a link losing more packets each hour, a leak eating memory): the maximum disk use, the
 * median packet-loss excess and the mean free memory of each block. Daily figures would see such
 * a failure only when it is nearly there.
 */
export class QuarterRing {
  private readonly block = new Float64Array(BLOCKS).fill(Number.NaN)
  private readonly used = new Float32Array(BLOCKS).fill(Number.NaN)
  private readonly loss = new Float32Array(BLOCKS).fill(Number.NaN)
  private readonly mem = new Uint16Array(BLOCKS).fill(NO_MEM)
  /** The open block's free memory: sum and hours. */
  private readonly memAcc = new Float32Array(2)
  private head = 0
  private current = Number.NaN
  private usedMax = Number.NaN
  private readonly lossHours = new Float32Array(BLOCK_HOURS).fill(Number.NaN)
  private hours = 0

  add(hour: number, usedMax: number, lossExcess: number, memFree = Number.NaN): void {
    const b = Math.floor(hour / BLOCK_HOURS)
    if (b !== this.current) {
      if (this.hours > 0) this.push()
      this.current = b
      this.usedMax = Number.NaN
      this.lossHours.fill(Number.NaN)
      this.memAcc.fill(0)
      this.hours = 0
    }
    if (Number.isFinite(usedMax) && !(usedMax <= this.usedMax)) this.usedMax = usedMax
    if (Number.isFinite(memFree)) {
      this.memAcc[0]! += memFree
      this.memAcc[1]! += 1
    }
    this.lossHours[hour - b * BLOCK_HOURS] = lossExcess
    this.hours++
  }

  private push(): void {
    this.block[this.head] = this.current
    this.used[this.head] = this.usedMax
    this.loss[this.head] = quantile(this.lossHours, 0.5)
    const mem = this.openMem()
    this.mem[this.head] = Number.isFinite(mem) ? Math.round(Math.min(100, Math.max(0, mem)) * 100) : NO_MEM
    this.head = (this.head + 1) % BLOCKS
  }

  private openMem(): number {
    const n = this.memAcc[1] as number
    return n > 0 ? (this.memAcc[0] as number) / n : Number.NaN
  }

  /**
   * Points (x in days, y) of the closed blocks and the open one with 2+ hours, oldest first. A
   * median or a mean sits at the middle of the hours it covers; a maximum of a rising signal
   * (`used`) at the block's last hour, where it was reached: placed at the middle, the open
   * block's maximum (fewer hours) would sit relatively later than closed blocks' and flatten the
   * slope of a fill.
   */
  series(signal: 'used' | 'loss' | 'mem', sinceDay = Number.NaN): { xs: number[]; ys: number[] } {
    const xs: number[] = []
    const ys: number[] = []
    const atEnd = signal === 'used'
    for (let k = BLOCKS; k >= 1; k--) {
      const i = (this.head - k + BLOCKS) % BLOCKS
      const b = this.block[i] as number
      if (!Number.isFinite(b) || (Number.isFinite(sinceDay) && (b * BLOCK_HOURS) / 24 < sinceDay)) continue
      xs.push(((b + (atEnd ? 1 : 0.5)) * BLOCK_HOURS - (atEnd ? 0.5 : 0)) / 24)
      ys.push(signal === 'used' ? (this.used[i] as number) : signal === 'loss' ? (this.loss[i] as number) : this.memAt(i))
    }
    if (this.hours >= 2 && !(Number.isFinite(sinceDay) && (this.current * BLOCK_HOURS) / 24 < sinceDay)) {
      xs.push((this.current * BLOCK_HOURS + (atEnd ? this.hours - 0.5 : this.hours / 2)) / 24)
      ys.push(signal === 'used' ? this.usedMax : signal === 'loss' ? quantile(this.lossHours, 0.5) : this.openMem())
    }
    return { xs, ys }
  }

  private memAt(i: number): number {
    const v = this.mem[i] as number
    return v === NO_MEM ? Number.NaN : v / 100
  }

  save(w: StateWriter): void {
    w.arr(this.block).arr(this.used).arr(this.loss).arr(this.mem).arr(this.memAcc).num(this.head).num(this.current).num(this.usedMax).arr(this.lossHours).num(this.hours)
  }

  load(r: StateReader): void {
    r.arr(this.block)
    r.arr(this.used)
    r.arr(this.loss)
    r.arr(this.mem)
    r.arr(this.memAcc)
    this.head = r.num()
    this.current = r.num()
    this.usedMax = r.num()
    r.arr(this.lossHours)
    this.hours = r.num()
  }

  static readonly BYTES = BLOCKS * (8 + 4 + 4 + 2) + 2 * 4 + BLOCK_HOURS * 4 + 32
}
