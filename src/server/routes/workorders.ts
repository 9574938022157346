import type { FastifyInstance } from 'fastify'
import { WorkOrderParams, WorkOrderQuery, WorkOrderStatusBody } from '../../protocol/workorders.js'
import { type WorkOrderService, workOrderView } from '../../workorders/index.js'
import type { Auditor } from '../audit.js'
import { principalOf } from '../auth/guard.js'
import { canSeeSite } from '../auth/roles.js'
import { AppError, notFound } from '../errors.js'

export interface WorkOrderRouteDeps {
  service: WorkOrderService
  auditor: Auditor
}

/** Work orders (DESIGN §7): the tickets for the console, and the status the work-order system reports back. */
export async function workOrderRoutes(app: FastifyInstance, d: WorkOrderRouteDeps): Promise<void> {
  app.get<{ Querystring: WorkOrderQuery }>(
    '/api/v1/workorders',
    { config: { permission: 'fleet:read' }, schema: { summary: 'Work orders, newest first', tags: ['workorders'], querystring: WorkOrderQuery } },
    async (req) => {
      const p = principalOf(req)
      const q = req.query
      let siteIds: string[] | null = p.sites === null ? null : [...p.sites]
      if (q.site !== undefined) siteIds = siteIds === null || siteIds.includes(q.site) ? [q.site] : []
      const workOrders = await d.service.list({
        siteIds,
        state: q.state,
        active: q.active,
        camera: q.camera,
        problem: q.problem,
        alertId: q.alert,
        limit: q.limit ?? 1000,
      })
      return { workOrders: workOrders.map((w) => workOrderView(w)) }
    },
  )

  app.get<{ Params: WorkOrderParams }>(
    '/api/v1/workorders/:id',
    { config: { permission: 'fleet:read' }, schema: { summary: 'One work order, with the diagnostic context it was sent with', tags: ['workorders'], params: WorkOrderParams } },
    async (req) => {
      const w = await d.service.get(req.params.id)
      if (!w || !canSeeSite(principalOf(req), w.siteId)) throw notFound(`work order ${req.params.id}`)
      return workOrderView(w, true)
    },
  )

  app.post<{ Params: WorkOrderParams; Body: WorkOrderStatusBody }>(
    '/api/v1/workorders/:id/status',
    {
      config: { permission: 'fleet:operate' },
      schema: {
        summary: 'Progress of a work order, reported by the work-order system',
        description:
          '`state`: open, acknowledged, in_progress, resolved or closed; resolved and closed close the ticket, so that the next problem of its (camera, problem) makes a new one. ' +
          '`note`, `externalId` (the ticket number in the work-order system) and `url` are kept until changed; null clears them. See docs/workorders.md.',
        tags: ['workorders'],
        params: WorkOrderParams,
        body: WorkOrderStatusBody,
      },
    },
    async (req) => {
      const p = principalOf(req)
      const existing = await d.service.get(req.params.id)
      if (!existing || !canSeeSite(p, existing.siteId)) throw notFound(`work order ${req.params.id}`)
      const b = req.body
      const outcome = await d.service.setStatus(existing.id, { state: b.state, note: b.note, externalId: b.externalId, url: b.url })
      if (outcome.kind === 'not_found') throw notFound(`work order ${req.params.id}`)
      if (outcome.kind === 'superseded') {
        throw new AppError(409, 'workorder_superseded', `work order ${existing.id} is closed and ${outcome.by} is open for the same camera and problem; report progress on ${outcome.by}`)
      }
      await d.auditor.record(req, 'workorder.status', `workorder:${existing.id}`, { from: existing.state, ...b })
      return workOrderView(outcome.workOrder)
    },
  )
}
