import type { FastifyInstance } from 'fastify'
import type { Fleet } from '../../fleet/fleet.js'
import { camerasGeoJson, cameraDetail, decodeCursor, fleetSummary, listCameras } from '../../fleet/views.js'
import { CameraBody, CameraListQuery, CameraParams, SiteBody, SiteParams } from '../../protocol/api.js'
import { principalOf } from '../auth/guard.js'
import { canSeeSite } from '../auth/roles.js'
import { badRequest, notFound } from '../errors.js'
import type { Auditor } from '../audit.js'
import type { AlertEngine } from '../../alerts/engine.js'
import { alertView } from '../../alerts/views.js'
import { gapView } from '../../protocol/gaps.js'
import type { GapStore } from '../../store/ports.js'
import type { PredictionEngine } from '../../predict/index.js'

/** Gaps shown in a camera's drill-down; the timeline reads all of them from /cameras/:id/gaps. */
const DRILL_DOWN_GAPS = 20

export async function registryRoutes(
  app: FastifyInstance,
  deps: { fleet: Fleet; auditor: Auditor; alerts: AlertEngine; gaps: GapStore; predictions?: PredictionEngine | undefined },
): Promise<void> {
  const { fleet } = deps

  app.put<{ Params: SiteParams; Body: SiteBody }>(
    '/api/v1/sites/:id',
    { config: { permission: 'admin' }, schema: { summary: 'Create or update a site', tags: ['registry'], params: SiteParams, body: SiteBody } },
    async (req, reply) => {
      const b = req.body
      if (b.timezone && !isTimeZone(b.timezone)) throw badRequest(`timezone '${b.timezone}' is not an IANA time zone`, 'bad_timezone')
      const { site, created } = await fleet.upsertSite({
        id: req.params.id,
        name: b.name,
        lat: b.lat ?? null,
        lon: b.lon ?? null,
        timezone: b.timezone ?? null,
        uplinkMbps: b.uplinkMbps ?? null,
      })
      await deps.auditor.record(req, created ? 'site.create' : 'site.update', `site:${site.id}`, b)
      return reply.code(created ? 201 : 200).send(siteView(site))
    },
  )

  app.get(
    '/api/v1/sites',
    { config: { permission: 'fleet:read' }, schema: { summary: 'List sites', tags: ['registry'] } },
    async (req) => {
      const p = principalOf(req)
      return { sites: fleet.allSites().filter((s) => canSeeSite(p, s.id)).map(siteView) }
    },
  )

  app.get<{ Params: SiteParams }>(
    '/api/v1/sites/:id',
    { config: { permission: 'fleet:read' }, schema: { summary: 'One site', tags: ['registry'], params: SiteParams } },
    async (req) => {
      const site = fleet.site(req.params.id)
      if (!site || !canSeeSite(principalOf(req), site.id)) throw notFound(`site ${req.params.id}`)
      return siteView(site)
    },
  )

  app.put<{ Params: CameraParams; Body: CameraBody }>(
    '/api/v1/cameras/:id',
    { config: { permission: 'admin' }, schema: { summary: 'Create or update a camera', tags: ['registry'], params: CameraParams, body: CameraBody } },
    async (req, reply) => {
      const b = req.body
      if (!fleet.site(b.siteId)) throw badRequest(`site ${b.siteId} does not exist; create it with PUT /api/v1/sites/${b.siteId}`, 'unknown_site')
      const existing = fleet.camera(req.params.id)?.camera
      const { created } = await fleet.upsertCamera({
        id: req.params.id,
        name: b.name ?? existing?.name ?? req.params.id,
        siteId: b.siteId,
        lat: b.lat ?? null,
        lon: b.lon ?? null,
        model: b.model ?? null,
        firmware: b.firmware ?? null,
        tags: [...new Set(b.tags ?? [])],
        offlineAfter: b.offlineAfter ?? null,
      })
      if (existing && existing.siteId !== b.siteId) await deps.alerts.cameraMoved(req.params.id, b.siteId)
      await deps.auditor.record(req, created ? 'camera.create' : 'camera.update', `camera:${req.params.id}`, b)
      return reply.code(created ? 201 : 200).send({ ...cameraDetail(fleet.camera(req.params.id)!, fleet), alerts: deps.alerts.openAlertsOf(req.params.id).map(alertView) })
    },
  )

  app.delete<{ Params: CameraParams }>(
    '/api/v1/cameras/:id',
    { config: { permission: 'admin' }, schema: { summary: 'Delete a camera and its stored telemetry', tags: ['registry'], params: CameraParams } },
    async (req, reply) => {
      if (!(await fleet.deleteCamera(req.params.id))) throw notFound(`camera ${req.params.id}`)
      await deps.auditor.record(req, 'camera.delete', `camera:${req.params.id}`)
      return reply.code(204).send()
    },
  )

  app.get<{ Querystring: CameraListQuery }>(
    '/api/v1/cameras',
    {
      config: { permission: 'fleet:read' },
      schema: { summary: 'List cameras with their status and latest metrics', tags: ['registry'], querystring: CameraListQuery },
    },
    async (req) => {
      const q = req.query
      if (q.cursor !== undefined && decodeCursor(q.cursor) === undefined) throw badRequest('cursor is not one this server gave out', 'bad_cursor')
      return listCameras(fleet, principalOf(req), { site: q.site, status: q.status, q: q.q, limit: q.limit ?? 1000, cursor: q.cursor })
    },
  )

  app.get(
    '/api/v1/cameras.geojson',
    { config: { permission: 'fleet:read' }, schema: { summary: 'Cameras as GeoJSON points', tags: ['registry'] } },
    async (req, reply) => reply.type('application/geo+json').send(camerasGeoJson(fleet, principalOf(req))),
  )

  app.get<{ Params: CameraParams }>(
    '/api/v1/cameras/:id',
    { config: { permission: 'fleet:read' }, schema: { summary: 'Camera drill-down', tags: ['registry'], params: CameraParams } },
    async (req) => {
      const state = fleet.camera(req.params.id)
      // Another site's camera is "not found", so that its existence is not revealed either.
      if (!state || !canSeeSite(principalOf(req), state.camera.siteId)) throw notFound(`camera ${req.params.id}`)
      return {
        ...cameraDetail(state, fleet),
        alerts: deps.alerts.openAlertsOf(state.camera.id).map(alertView),
        gaps: (await deps.gaps.recentGaps(state.camera.id, DRILL_DOWN_GAPS)).map(gapView),
        // Highest risk first; empty when the plan has no predictive maintenance.
        predictions: deps.predictions?.list({ sites: null, camera: state.camera.id }) ?? [],
      }
    },
  )

  app.get(
    '/api/v1/fleet/summary',
    { config: { permission: 'fleet:read' }, schema: { summary: 'Counts by status, per site', tags: ['registry'] } },
    async (req) => fleetSummary(fleet, principalOf(req)),
  )
}

function siteView(s: { id: string; name: string; lat: number | null; lon: number | null; timezone: string | null; uplinkMbps: number | null; createdAt: number; updatedAt: number }) {
  return {
    id: s.id,
    name: s.name,
    lat: s.lat,
    lon: s.lon,
    timezone: s.timezone,
    uplinkMbps: s.uplinkMbps,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}
