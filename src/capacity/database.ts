import { statfs } from 'node:fs/promises'
import type { Clock } from '../core/clock.js'
import { theilSen } from '../predict/stats.js'
import { DAY_MS, MAX_PROJECTION_DAYS, round } from './trend.js'
import type { DatabaseCapacity } from '../protocol/capacity.js'

/** Retention of each history tier, seconds (CAMTEL_RETENTION_RAW, _1M, _1H). */
export interface TierRetention {
  raw: number
  '1m': number
  '1h': number
}

export interface DatabaseOptions {
  sizeBytes: () => Promise<number | undefined>
  /** The data folder, whose file system's free space bounds the database; undefined in memory. */
  dataDir: string | undefined
  clock: Clock
  retention: TierRetention
  /** How often the size is sampled. */
  intervalMs?: number
}

/** Samples are kept this long. */
const KEEP_MS = 7 * DAY_MS
/** A growth rate needs samples over at least this long: shorter, WAL checkpoints dominate it. */
const MIN_SPAN_MS = 6 * 3_600_000

/**
 * camtel's own database: its size sampled on the server clock (this is about the server's disk,
 * not telemetry data time), its growth and when it would fill the data folder's disk.
 */
export class DatabaseGauge {
  private samples: Array<[number, number]> = []
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly o: DatabaseOptions) {}

  start(): void {
    void this.sample()
    this.timer = setInterval(() => void this.sample(), this.o.intervalMs ?? 600_000)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }

  async sample(): Promise<number | undefined> {
    const bytes = await this.o.sizeBytes()
    if (bytes === undefined) return undefined
    const now = this.o.clock.now()
    this.samples.push([now, bytes])
    this.samples = this.samples.filter(([t]) => t >= now - KEEP_MS)
    return bytes
  }

  async view(): Promise<DatabaseCapacity> {
    const bytes = (await this.sample()) ?? null
    const now = this.o.clock.now()
    const freeBytes = await this.free()
    const bytesPerDay = this.growth()
    let fullAt: string | null = null
    if (bytesPerDay !== null && bytesPerDay > 0 && freeBytes !== null) {
      const days = freeBytes / bytesPerDay
      if (days <= MAX_PROJECTION_DAYS) fullAt = new Date(now + days * DAY_MS).toISOString()
    }
    const r = this.o.retention
    return {
      bytes,
      bytesPerDay,
      freeBytes,
      fullAt,
      retentionDays: { raw: round(r.raw / 86_400, 3), '1m': round(r['1m'] / 86_400, 3), '1h': round(r['1h'] / 86_400, 3) },
    }
  }

  private growth(): number | null {
    const s = this.samples
    const first = s[0]
    const last = s.at(-1)
    if (!first || !last || last[0] - first[0] < MIN_SPAN_MS) return null
    // Theil-Sen is quadratic in points: a few hundred evenly spread samples are plenty.
    const step = Math.max(1, Math.ceil(s.length / 300))
    const pick = s.filter((_, i) => i % step === 0 || i === s.length - 1)
    const trend = theilSen(
      pick.map(([t]) => t / DAY_MS),
      pick.map(([, b]) => b),
      last[0] / DAY_MS,
    )
    return trend === undefined ? null : Math.round(trend.slope)
  }

  private async free(): Promise<number | null> {
    if (this.o.dataDir === undefined) return null
    try {
      const s = await statfs(this.o.dataDir)
      return s.bavail * s.bsize
    } catch {
      return null
    }
  }
}
