import type { FastifyInstance } from 'fastify'
import { parseDuration } from '../../config/index.js'
import type { Clock } from '../../core/clock.js'
import type { Fleet } from '../../fleet/fleet.js'
import { MAX_POINTS, type SeriesReader } from '../../history/index.js'
import { CameraParams, SeriesQuery } from '../../protocol/api.js'
import { parseTimestamp } from '../../protocol/report.js'
import { principalOf } from '../auth/guard.js'
import { canSeeSite } from '../auth/roles.js'
import { badRequest, notFound } from '../errors.js'

export async function seriesRoutes(app: FastifyInstance, deps: { fleet: Fleet; series: SeriesReader; clock: Clock }): Promise<void> {
  app.get<{ Params: CameraParams; Querystring: SeriesQuery }>(
    '/api/v1/cameras/:id/series',
    {
      config: { permission: 'fleet:read' },
      schema: {
        summary: 'History of one metric of one camera',
        description:
          'Raw points, or averages per `step` with `stats` [ts, min, max, count] when read from the 1-minute or ' +
          '1-hour rollups; the tier is chosen by range and step. A 30-day range is read from the 1-hour rollups.',
        tags: ['history'],
        params: CameraParams,
        querystring: SeriesQuery,
      },
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
        if ((to - from) / stepMs > MAX_POINTS) throw badRequest(`step gives more than ${MAX_POINTS} points`, 'bad_step')
      }
      return deps.series.read({ cameraId: state.camera.id, metric: q.metric, from, to, stepMs })
    },
  )
}
