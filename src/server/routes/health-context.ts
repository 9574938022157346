import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../core/clock.js'
import type { Fleet } from '../../fleet/fleet.js'
import type { HealthContextReader } from '../../health-context/index.js'
import { CameraParams, ErrorBody } from '../../protocol/api.js'
import { HealthContext, HealthContextQuery } from '../../protocol/health-context.js'
import { parseTimestamp } from '../../protocol/report.js'
import { principalOf } from '../auth/guard.js'
import { canSeeSite } from '../auth/roles.js'
import { badRequest, notFound } from '../errors.js'

export interface HealthContextRouteDeps {
  fleet: Fleet
  reader: HealthContextReader
  clock: Clock
}

/** GET /api/v1/cameras/:id/health-context (DESIGN §7), for recognition systems. */
export async function healthContextRoutes(app: FastifyInstance, deps: HealthContextRouteDeps): Promise<void> {
  app.get<{ Params: CameraParams; Querystring: HealthContextQuery }>(
    '/api/v1/cameras/:id/health-context',
    {
      config: { permission: 'fleet:read' },
      schema: {
        summary: "A camera's condition at an instant, with a confidence factor for recognition systems",
        description:
          'Online, recording, frame rate against target, image quality and focus from the newest data at or before ' +
          '`at` (raw reports, or past the raw retention the 1-minute or 1-hour rollups: `tier`), and `confidence`, ' +
          'the product of the `factors` scores (0 when offline, not recording or tampered). Unknown inputs are null ' +
          'and listed in `unknown`. See docs/health-context.md.',
        tags: ['history'],
        params: CameraParams,
        querystring: HealthContextQuery,
        response: { 200: HealthContext, '4xx': ErrorBody },
      },
    },
    async (req) => {
      const state = deps.fleet.camera(req.params.id)
      // Another site's camera is "not found", as on every camera route.
      if (!state || !canSeeSite(principalOf(req), state.camera.siteId)) throw notFound(`camera ${req.params.id}`)
      const now = deps.clock.now()
      const at = req.query.at === undefined ? now : parseTimestamp(req.query.at)
      if (at === undefined) throw badRequest('at must be RFC 3339 or epoch milliseconds', 'bad_time')
      if (at > now) throw badRequest('at is in the future', 'bad_time')
      const camera = state.camera
      return deps.reader.read({ cameraId: camera.id, siteId: camera.siteId, at, offlineAfterMs: deps.fleet.offlineAfterMs(camera) })
    },
  )
}
