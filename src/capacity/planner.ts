import type { Clock } from '../core/clock.js'
import type { CameraState, Fleet } from '../fleet/fleet.js'
import type { HistoryStore, RollupBucket } from '../store/ports.js'
import type { CameraCapacity, CapacityReport, SiteCapacity } from '../protocol/capacity.js'
import type { DatabaseGauge } from './database.js'
import { type PolicyBook, outsidePolicy } from './policies.js'
import { DAY_MS, type DiskProjection, type UplinkProjection, growthPerDay, projectDisk, projectUplink, round } from './trend.js'

const HOUR_MS = 3_600_000
/** Disk and cloud trends look back this far from the camera's latest data. */
const STORAGE_WINDOW_MS = 21 * DAY_MS
/** Uplink trends look back this far (whole weeks, so that weekdays and weekends weigh alike). */
const UPLINK_WINDOW_MS = 28 * DAY_MS
/** Trends are computed again when the data reaches another hour, or after this long in any case (late reports). */
const CACHE_MS = 5 * 60_000
/** Hourly buckets read per camera at most (the windows hold fewer). */
const MAX_BUCKETS = 1000
/** Camera reads between yields to the event loop. */
const YIELD_EVERY = 25

export interface PlannerOptions {
  fleet: Fleet
  history: HistoryStore
  /** Folds pending reports into the rollups so that trends see every acknowledged report. */
  flushRollups: () => Promise<void>
  policies: PolicyBook
  database: DatabaseGauge
  clock: Clock
}

interface CameraTrends {
  hour: number
  at: number
  disk: DiskProjection
  cloudPerDay: number
  /** Last cloud_used_gb value of each day: [time of that hour, GB]. */
  cloudDays: Array<[number, number]>
}

interface SiteTrends {
  key: string
  at: number
  uplink: UplinkProjection
}

const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : new Date(ms).toISOString())

/**
 * GET /api/v1/capacity (DESIGN §7): per camera the disk trend and retention against policy, per
 * site cloud growth and the uplink trend against its capacity, and camtel's own database. Trends
 * read hourly rollups (never raw rows) on data time, and are kept per camera and site until the
 * data moves on by an hour, so repeated requests cost little.
 */
export class CapacityPlanner {
  private readonly cameraTrends = new Map<string, CameraTrends>()
  private readonly siteTrends = new Map<string, SiteTrends>()
  private timer: NodeJS.Timeout | undefined
  private refreshing: Promise<unknown> | undefined

  constructor(private readonly o: PlannerOptions) {}

  /** Recomputes stale trends every few minutes in the background, so that requests find them ready. */
  start(intervalMs = CACHE_MS): void {
    this.timer = setInterval(() => {
      if (this.refreshing) return
      this.refreshing = this.report(null)
        .catch(() => undefined)
        .then(() => (this.refreshing = undefined))
    }, intervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.refreshing
  }

  async report(sites: readonly string[] | null): Promise<CapacityReport> {
    const sees = (siteId: string) => sites === null || sites.includes(siteId)
    const bySite = new Map<string, CameraState[]>()
    for (const s of this.o.fleet.allCameras()) {
      if (!sees(s.camera.siteId) || !hasStorageFigures(s)) continue
      const list = bySite.get(s.camera.siteId) ?? []
      list.push(s)
      bySite.set(s.camera.siteId, list)
    }
    await this.refresh(bySite)
    const cameras = [...bySite.values()].flat().map((s) => this.camera(s))
    cameras.sort((a, b) => (a.cameraId < b.cameraId ? -1 : 1))
    const out: SiteCapacity[] = []
    for (const site of this.o.fleet.allSites()) {
      if (!sees(site.id)) continue
      const members = bySite.get(site.id) ?? []
      if (members.length === 0 && site.uplinkMbps === null) continue
      out.push(this.site(site.id, site.name, site.uplinkMbps, members))
    }
    out.sort((a, b) => (a.siteId < b.siteId ? -1 : 1))
    return { cameras, sites: out, database: sites === null ? await this.o.database.view() : null }
  }

  /**
   * Brings the trends of these cameras and their sites up to date: one read of the hourly
   * rollups per camera serves its disk, its cloud and its share of the site's uplink. Yields to
   * the event loop now and then, so that a large fleet's first answer does not hold up ingest.
   */
  private async refresh(bySite: ReadonlyMap<string, readonly CameraState[]>): Promise<void> {
    let flushed = false
    let reads = 0
    for (const [siteId, members] of bySite) {
      const now = this.o.clock.now()
      const capacity = this.o.fleet.site(siteId)?.uplinkMbps ?? null
      const asOf = latest(members)
      const key = `${Math.floor((asOf ?? 0) / HOUR_MS)}:${members.length}:${capacity}`
      const cachedSite = this.siteTrends.get(siteId)
      const siteStale = asOf !== undefined && !(cachedSite && cachedSite.key === key && now - cachedSite.at < CACHE_MS)
      const bandwidth: RollupBucket[][] = []
      for (const s of members) {
        const at = s.lastTs
        if (at === undefined || asOf === undefined) continue
        const cached = this.cameraTrends.get(s.camera.id)
        const cameraStale = !(cached && cached.hour === Math.floor(at / HOUR_MS) && now - cached.at < CACHE_MS)
        const wantsBandwidth = siteStale && s.metrics.bandwidth_mbps !== undefined
        if (!cameraStale && !wantsBandwidth) continue
        if (!flushed) {
          // Pending reports into the rollups first, so that trends see every acknowledged report.
          await this.o.flushRollups()
          flushed = true
        }
        if (++reads % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve))
        const from = Math.min(at - STORAGE_WINDOW_MS, wantsBandwidth ? asOf - UPLINK_WINDOW_MS : Number.POSITIVE_INFINITY)
        const metrics = [...(cameraStale ? ['disk_used_pct', 'cloud_used_gb'] : []), ...(wantsBandwidth ? ['bandwidth_mbps'] : [])]
        const read = await this.o.history.readRollupsOf({ cameraId: s.camera.id, metrics, tier: '1h', from, to: asOf, limit: MAX_BUCKETS })
        if (cameraStale) {
          const own = (b: RollupBucket) => b.ts >= at - STORAGE_WINDOW_MS && b.ts <= at
          const disk = (read.disk_used_pct ?? []).filter(own)
          const cloud = (read.cloud_used_gb ?? []).filter(own)
          this.cameraTrends.set(s.camera.id, {
            hour: Math.floor(at / HOUR_MS),
            at: now,
            disk: projectDisk(disk, at),
            cloudPerDay: growthPerDay(cloud, at),
            cloudDays: lastOfDay(cloud),
          })
        }
        if (wantsBandwidth) bandwidth.push(read.bandwidth_mbps ?? [])
      }
      if (siteStale && asOf !== undefined) this.siteTrends.set(siteId, { key, at: now, uplink: projectUplink(bandwidth, asOf, capacity) })
    }
  }

  private camera(s: CameraState): CameraCapacity {
    const c = s.camera
    const disk = s.metrics.disk_used_pct?.value ?? null
    const retention = s.metrics.retention_days?.value ?? null
    const policy = this.o.policies.forCamera({ id: c.id, siteId: c.siteId, tags: c.tags })
    const trends = this.cameraTrends.get(c.id)
    return {
      cameraId: c.id,
      siteId: c.siteId,
      diskUsedPct: disk,
      daysUntilFull: trends?.disk.daysUntilFull ?? null,
      diskPctPerDay: trends?.disk.pctPerDay ?? null,
      retentionDays: retention,
      retentionOk: policy === undefined || retention === null ? null : !outsidePolicy(policy, retention),
      policyId: policy?.id ?? null,
      minDays: policy?.minDays ?? null,
      maxDays: policy?.maxDays ?? null,
      asOf: iso(s.lastTs),
    }
  }

  private site(siteId: string, name: string, capacity: number | null, members: readonly CameraState[]): SiteCapacity {
    let cloudUsed: number | null = null
    let cloudPerDay: number | null = null
    let used: number | null = null
    const cloudSeries: Array<Array<[number, number]>> = []
    for (const s of members) {
      const cloud = s.metrics.cloud_used_gb?.value
      if (cloud !== undefined) cloudUsed = (cloudUsed ?? 0) + cloud
      const bw = s.metrics.bandwidth_mbps?.value
      if (bw !== undefined && s.status !== 'offline') used = (used ?? 0) + bw
      const t = this.cameraTrends.get(s.camera.id)
      if (cloud !== undefined && t) {
        cloudPerDay = (cloudPerDay ?? 0) + t.cloudPerDay
        cloudSeries.push(t.cloudDays)
      }
    }
    const uplink = members.length > 0 ? this.siteTrends.get(siteId)?.uplink : undefined
    return {
      siteId,
      name,
      cameras: members.length,
      cloudUsedGb: cloudUsed === null ? null : round(cloudUsed, 2),
      cloudGbPerDay: cloudPerDay === null ? null : round(cloudPerDay, 3),
      uplinkMbps: capacity,
      uplinkUsedMbps: used === null ? null : round(used, 2),
      uplinkFullAt: iso(uplink?.fullAt),
      uplinkPeakMbps: uplink?.peakMbps ?? null,
      uplinkMbpsPerDay: uplink?.mbpsPerDay ?? null,
      uplinkPeaks: uplink?.peaks ?? [],
      cloudDaily: sumByDay(cloudSeries),
      asOf: iso(latest(members)),
    }
  }
}

function latest(members: readonly CameraState[]): number | undefined {
  let asOf: number | undefined
  for (const s of members) if (s.lastTs !== undefined && (asOf === undefined || s.lastTs > asOf)) asOf = s.lastTs
  return asOf
}

function hasStorageFigures(s: CameraState): boolean {
  const m = s.metrics
  return m.disk_used_pct !== undefined || m.retention_days !== undefined || m.cloud_used_gb !== undefined || m.bandwidth_mbps !== undefined
}

/** Each day's last hourly mean: [time of that hour, value]. */
function lastOfDay(hourly: readonly RollupBucket[]): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (const b of hourly) {
    if (b.count === 0) continue
    const last = out.at(-1)
    const point: [number, number] = [b.ts + HOUR_MS / 2, b.sum / b.count]
    if (last && Math.floor(last[0] / DAY_MS) === Math.floor(b.ts / DAY_MS)) out[out.length - 1] = point
    else out.push(point)
  }
  return out
}

/**
 * Sums series of daily values, each carried forward over days it missed once it has begun; a
 * day's sum is stamped at the latest time any series has in it.
 */
function sumByDay(series: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): Array<[number, number]> {
  const stamps = new Map<number, number>()
  for (const s of series) {
    for (const [t] of s) {
      const day = Math.floor(t / DAY_MS)
      stamps.set(day, Math.max(stamps.get(day) ?? 0, t))
    }
  }
  return [...stamps]
    .sort((a, b) => a[0] - b[0])
    .map(([day, stamp]) => {
      let sum = 0
      for (const s of series) {
        let v: number | undefined
        for (const [t, x] of s) {
          if (Math.floor(t / DAY_MS) > day) break
          v = x
        }
        if (v !== undefined) sum += v
      }
      return [stamp, round(sum, 2)] as [number, number]
    })
}
