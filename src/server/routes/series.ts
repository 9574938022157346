import type { FastifyInstance } from 'fastify'
import { parseDuration } from '../../config/index.js'
import type { Clock } from '../../core/clock.js'
import type { Fleet } from '../../fleet/fleet.js'
import { CameraParams, SeriesQuery } from '../../protocol/api.js'
import { parseTimestamp } from '../../protocol/report.js'
import type { TelemetryStore } from '../../store/ports.js'
import { principalOf } from '../auth/guard.js'
import { canSeeSite } from '../auth/roles.js'
import { badRequest, notFound } from '../errors.js'

/** Without `step`, raw points are returned up to this many; past it the answer is bucketed. */
export const MAX_RAW_POINTS = 100_000
/** Bucketed answers aim for about this many points when the step is chosen for the caller. */
const AUTO_POINTS = 1_000
/** Raw rows read for one answer at most (the rollup tiers serve longer ranges). */
const MAX_SCAN = 2_000_000

export async function seriesRoutes(app: FastifyInstance, deps: { fleet: Fleet; telemetry: TelemetryStore; clock: Clock }): Promise<void> {
  app.get<{ Params: CameraParams; Querystring: SeriesQuery }>(
    '/api/v1/cameras/:id/series',
    {
      config: { permission: 'fleet:read' },
      schema: { summary: 'History of one metric of one camera', tags: ['history'], params: CameraParams, querystring: SeriesQuery },
    },
    async (req) => {
      const state = deps.fleet.camera(req.params.id)
      if (!state || !canSeeSite(principalOf(req), state.camera.siteId)) throw notFound(`camera ${req.params.id}`)
      const q = req.query
      const to = q.to === undefined ? deps.clock.now() : parseTimestamp(q.to)
      if (to === undefined) throw badRequest('to must be RFC 3339 or epoch milliseconds', 'bad_time')
      const from = q.from === undefined ? to - 3_600_000 : parseTimestamp(q.from)
      if (from === undefined) throw badRequest('from must be RFC 3339 or epoch milliseconds', 'bad_time')
      if (from > to) throw badRequest('from is after to', 'bad_range')
      let stepMs: number | undefined
      if (q.step !== undefined) {
        const s = parseDuration(q.step)
        if (s === undefined || s < 0.001) throw badRequest('step must be a duration such as 10s, 1m, 1h', 'bad_step')
        stepMs = Math.max(1, Math.round(s * 1000))
        if ((to - from) / stepMs > MAX_RAW_POINTS) throw badRequest(`step gives more than ${MAX_RAW_POINTS} points`, 'bad_step')
      }
      const raw = await deps.telemetry.readSeries({ cameraId: state.camera.id, metric: q.metric, from, to, limit: MAX_SCAN })
      if (stepMs === undefined && raw.length > MAX_RAW_POINTS) stepMs = niceStep((to - from) / AUTO_POINTS)
      const base = { cameraId: state.camera.id, metric: q.metric, tier: 'raw' as const }
      if (stepMs === undefined) return { ...base, points: raw }
      return { ...base, step: stepMs / 1000, points: bucketAverages(raw, stepMs) }
    },
  )
}

/** Average of each step-long bucket, aligned to multiples of the step, stamped at its start. */
export function bucketAverages(points: ReadonlyArray<readonly [number, number]>, stepMs: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let bucket = Number.NaN
  let sum = 0
  let n = 0
  for (const [ts, v] of points) {
    const b = Math.floor(ts / stepMs) * stepMs
    if (b !== bucket) {
      if (n > 0) out.push([bucket, sum / n])
      bucket = b
      sum = 0
      n = 0
    }
    sum += v
    n++
  }
  if (n > 0) out.push([bucket, sum / n])
  return out
}

const NICE_STEPS_MS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000)

function niceStep(ms: number): number {
  return NICE_STEPS_MS.find((s) => s >= ms) ?? Math.ceil(ms / 86_400_000) * 86_400_000
}
