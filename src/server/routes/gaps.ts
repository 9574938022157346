import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../core/clock.js'
import { type Fleet, UNASSIGNED_SITE } from '../../fleet/fleet.js'
import { CameraParams } from '../../protocol/api.js'
import { GapBody, GapListQuery, gapView } from '../../protocol/gaps.js'
import { MAX_FUTURE_MS, parseTimestamp } from '../../protocol/report.js'
import type { GapStore } from '../../store/ports.js'
import { principalOf } from '../auth/guard.js'
import { type Principal, canSeeSite } from '../auth/roles.js'
import { badRequest, forbidden, notFound } from '../errors.js'

export interface GapRouteDeps {
  fleet: Fleet
  gaps: GapStore
  clock: Clock
}

/** Gaps (DESIGN §9a): recorded by edge agents with their ingest token, read on a camera's timeline. */
export async function gapRoutes(app: FastifyInstance, deps: GapRouteDeps): Promise<void> {
  const { fleet, gaps, clock } = deps

  app.post<{ Body: GapBody }>(
    '/api/v1/gaps',
    {
      config: { permission: 'telemetry:write' },
      schema: {
        summary: 'Record reports an edge agent dropped',
        description:
          '`{cameraId, from, to, reports}`: `reports` reports with data times in [from, to] are lost for good (the ' +
          "agent's buffer cap). One gap per (cameraId, from): sending it again, or with a later `to` and more " +
          '`reports`, updates it. Site scoping as for telemetry.',
        tags: ['telemetry'],
        body: GapBody,
      },
    },
    async (req, reply) => {
      const b = req.body
      const from = parseTimestamp(b.from)
      const to = parseTimestamp(b.to)
      if (from === undefined || to === undefined) throw badRequest('from and to must be RFC 3339 or epoch milliseconds', 'bad_time')
      if (from > to) throw badRequest('from is after to', 'bad_range')
      if (to > clock.now() + MAX_FUTURE_MS) throw badRequest('to is more than 1 hour ahead of the server clock', 'bad_time')
      const p = principalOf(req)
      await ensureWritable(fleet, p, b.cameraId)
      const { gap, created } = await gaps.recordGap({ cameraId: b.cameraId, from, to, reports: b.reports, source: p.name }, clock.now())
      return reply.code(created ? 201 : 200).send(gapView(gap))
    },
  )

  app.get<{ Params: CameraParams; Querystring: GapListQuery }>(
    '/api/v1/cameras/:id/gaps',
    {
      config: { permission: 'fleet:read' },
      schema: {
        summary: "A camera's gaps: reports its edge agent dropped",
        description: 'Gaps that overlap [from, to], oldest first, for a timeline.',
        tags: ['history'],
        params: CameraParams,
        querystring: GapListQuery,
      },
    },
    async (req) => {
      const state = fleet.camera(req.params.id)
      if (!state || !canSeeSite(principalOf(req), state.camera.siteId)) throw notFound(`camera ${req.params.id}`)
      const q = req.query
      const from = q.from === undefined ? 0 : parseTimestamp(q.from)
      const to = q.to === undefined ? clock.now() + MAX_FUTURE_MS : parseTimestamp(q.to)
      if (from === undefined || to === undefined) throw badRequest('from and to must be RFC 3339 or epoch milliseconds', 'bad_time')
      if (from > to) throw badRequest('from is after to', 'bad_range')
      const list = await gaps.listGaps({ cameraId: state.camera.id, from, to, limit: q.limit ?? 1000 })
      return { cameraId: state.camera.id, gaps: list.map(gapView) }
    },
  )
}

/**
 * The ingest rule of DESIGN §10 for a gap's camera: a site-limited token may name only cameras
 * of its sites; an unknown camera is created as a report would create it (in the site of a
 * single-site token, else `unassigned`), so that its gap can be shown.
 */
async function ensureWritable(fleet: Fleet, p: Principal, cameraId: string): Promise<void> {
  const known = fleet.camera(cameraId)
  if (known) {
    if (!canSeeSite(p, known.camera.siteId)) throw forbidden(`camera ${cameraId} is not in this token's sites`)
    return
  }
  if (p.sites !== null && p.sites.length !== 1) {
    throw forbidden(`camera ${cameraId} is not registered; a token with several sites may only name registered cameras`)
  }
  await fleet.ensureCameras([cameraId], p.sites?.[0] ?? UNASSIGNED_SITE)
}
