import { readFile, rename, statfs, writeFile } from 'node:fs/promises'
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
  /**
   * A file the samples are kept in, so that the growth rate survives a restart rather than being
   * unknown for six hours after it; undefined keeps them in memory only.
   */
  stateFile?: string
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
  private stopped = false

  constructor(private readonly o: DatabaseOptions) {}

  /** Loads the samples kept by an earlier run, then samples now and every interval. */
  async start(): Promise<void> {
    await this.load()
    await this.sampleAndSave()
    if (this.stopped) return
    this.timer = setInterval(() => void this.sampleAndSave(), this.o.intervalMs ?? 600_000)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
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

  /** The samples kept, oldest first: [server time ms, bytes]. */
  get history(): ReadonlyArray<readonly [number, number]> {
    return this.samples
  }

  private async sampleAndSave(): Promise<void> {
    if ((await this.sample()) !== undefined) await this.save()
  }

  /**
   * Reads the state file. A missing, unreadable or malformed one starts afresh (the rate is then
   * unknown for six hours, as on a first start); samples from the future (a clock set back)
   * or older than a week are dropped.
   */
  private async load(): Promise<void> {
    if (this.o.stateFile === undefined) return
    let parsed: unknown
    try {
      parsed = JSON.parse(await readFile(this.o.stateFile, 'utf8'))
    } catch {
      return
    }
    const now = this.o.clock.now()
    const raw = (parsed as { samples?: unknown } | null)?.samples
    if (!Array.isArray(raw)) return
    const kept = raw.filter(
      (x): x is [number, number] =>
        Array.isArray(x) && x.length === 2 && Number.isFinite(x[0]) && Number.isFinite(x[1]) && x[1] >= 0 && x[0] <= now && x[0] >= now - KEEP_MS,
    )
    kept.sort((a, b) => a[0] - b[0])
    this.samples = [...kept, ...this.samples]
  }

  /** Writes the samples to a temporary file renamed over the state file: never half written. */
  private async save(): Promise<void> {
    const file = this.o.stateFile
    if (file === undefined) return
    const tmp = `${file}.tmp`
    try {
      await writeFile(tmp, JSON.stringify({ version: 1, samples: this.samples }))
      await rename(tmp, file)
    } catch {
      // A full or read-only disk: the samples stay in memory, and the next interval tries again.
    }
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
