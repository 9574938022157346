import type { FastifyInstance } from 'fastify'
import type { Scope } from '../../alerts/rules.js'
import { type Capacity, type PolicyInput, policyProblems, policyView } from '../../capacity/index.js'
import type { Fleet } from '../../fleet/fleet.js'
import { CapacityQuery, PolicyBody, PolicyParams } from '../../protocol/capacity.js'
import type { Auditor } from '../audit.js'
import { principalOf } from '../auth/guard.js'
import { badRequest, notFound } from '../errors.js'
import { scopeAccess } from '../auth/scope-access.js'

export interface CapacityRouteDeps {
  capacity: Capacity
  fleet: Fleet
  auditor: Auditor
}

/** GET /api/v1/capacity and the retention policies (DESIGN §7). */
export async function capacityRoutes(app: FastifyInstance, d: CapacityRouteDeps): Promise<void> {
  const { visible, assertWithinSites } = scopeAccess(d.fleet)

  app.get<{ Querystring: CapacityQuery }>(
    '/api/v1/capacity',
    {
      config: { permission: 'fleet:read' },
      schema: {
        summary: 'Storage and network capacity: disk, retention, cloud and uplink projections',
        description:
          'Per camera `{cameraId, diskUsedPct, daysUntilFull, retentionDays, retentionOk}` (and the policy applied); per site `{siteId, cloudUsedGb, cloudGbPerDay, uplinkMbps, uplinkUsedMbps, uplinkFullAt}` ' +
          'with the daily peaks behind the uplink trend; `database`: camtel’s own size, growth and retention (callers that see every site). See docs/capacity.md.',
        tags: ['capacity'],
        querystring: CapacityQuery,
      },
    },
    async (req) => {
      const p = principalOf(req)
      let sites: readonly string[] | null = p.sites
      const site = req.query.site
      if (site !== undefined) sites = sites === null || sites.includes(site) ? [site] : []
      const report = await d.capacity.planner.report(sites)
      // A site filter narrows the fleet: the server's own database belongs to no site.
      return site === undefined ? report : { ...report, database: null }
    },
  )

  app.get('/api/v1/retention-policies', { config: { permission: 'fleet:read' }, schema: { summary: 'Video retention policies', tags: ['capacity'] } }, async (req) => {
    const p = principalOf(req)
    return { policies: d.capacity.policies.all().filter((x) => visible(p, x.scope)).map(policyView) }
  })

  app.get<{ Params: PolicyParams }>(
    '/api/v1/retention-policies/:id',
    { config: { permission: 'fleet:read' }, schema: { summary: 'One retention policy', tags: ['capacity'], params: PolicyParams } },
    async (req) => {
      const policy = d.capacity.policies.get(req.params.id)
      if (!policy || !visible(principalOf(req), policy.scope)) throw notFound(`retention policy ${req.params.id}`)
      return policyView(policy)
    },
  )

  app.put<{ Params: PolicyParams; Body: PolicyBody }>(
    '/api/v1/retention-policies/:id',
    {
      config: { permission: 'fleet:operate' },
      schema: {
        summary: 'Create or replace a retention policy',
        description: 'Cameras in `scope` should hold `minDays` to `maxDays` of video; outside it the built-in rule `retention_policy` opens an alert, and footage past `maxDays` is sent for purging (CAMTEL_PURGE_URL).',
        tags: ['capacity'],
        params: PolicyParams,
        body: PolicyBody,
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const b = req.body
      if (b.id !== undefined && b.id !== req.params.id) throw badRequest('id in the body differs from the path', 'bad_policy')
      const input: PolicyInput = { id: req.params.id, scope: b.scope as Scope, minDays: b.minDays ?? null, maxDays: b.maxDays ?? null }
      const problems = policyProblems(input)
      if (problems.length > 0) throw badRequest(problems.join('; '), 'bad_policy')
      assertWithinSites(p, input.scope)
      const existing = d.capacity.policies.get(input.id)
      if (existing) assertWithinSites(p, existing.scope)
      const { policy, created } = await d.capacity.policies.put(input)
      await d.auditor.record(req, created ? 'retention-policy.create' : 'retention-policy.update', `retention-policy:${policy.id}`, input)
      await d.capacity.checker.recheckAll()
      return reply.code(created ? 201 : 200).send(policyView(policy))
    },
  )

  app.delete<{ Params: PolicyParams }>(
    '/api/v1/retention-policies/:id',
    { config: { permission: 'fleet:operate' }, schema: { summary: 'Delete a retention policy; its cameras fall to the next one that applies', tags: ['capacity'], params: PolicyParams } },
    async (req, reply) => {
      const p = principalOf(req)
      const policy = d.capacity.policies.get(req.params.id)
      if (!policy || !visible(p, policy.scope)) throw notFound(`retention policy ${req.params.id}`)
      assertWithinSites(p, policy.scope)
      await d.capacity.policies.delete(policy.id)
      await d.auditor.record(req, 'retention-policy.delete', `retention-policy:${policy.id}`)
      await d.capacity.checker.recheckAll()
      return reply.code(204).send()
    },
  )
}
