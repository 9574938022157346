import type { FastifyInstance } from 'fastify'
import type { AlertEngine } from '../../alerts/engine.js'
import { OFFLINE_METRIC, OFFLINE_RULE_ID, type Rule, type Scope, ruleProblems } from '../../alerts/rules.js'
import { alertView, incidentView, silenceView } from '../../alerts/views.js'
import type { Clock } from '../../core/clock.js'
import type { Fleet } from '../../fleet/fleet.js'
import { AckBody, AlertQuery, NumericIdParams, RuleBody, RuleParams, SilenceBody } from '../../protocol/api.js'
import { parseTimestamp } from '../../protocol/report.js'
import type { Auditor } from '../audit.js'
import { principalOf } from '../auth/guard.js'
import { canSeeSite } from '../auth/roles.js'
import { badRequest, notFound } from '../errors.js'
import { scopeAccess } from '../auth/scope-access.js'
import type { AlertRecord } from '../../alerts/model.js'
import { type WorkOrderRecord, alertWorkOrderView } from '../../workorders/index.js'

export interface AlertRouteDeps {
  engine: AlertEngine
  fleet: Fleet
  auditor: Auditor
  clock: Clock
  /** The tickets alerts made or joined (DESIGN §7), which the alert answers carry as `workOrder`. */
  workOrders?: { ofAlerts(alertIds: readonly number[]): Promise<Map<number, WorkOrderRecord>> }
}

export async function alertRoutes(app: FastifyInstance, d: AlertRouteDeps): Promise<void> {
  const { visible, assertWithinSites } = scopeAccess(d.fleet)
  /** Alerts as answered: the alert object of DESIGN §5, and `workOrder` where a ticket has it. */
  const answer = async (alerts: readonly AlertRecord[]) => {
    const tickets = alerts.length > 0 ? await d.workOrders?.ofAlerts(alerts.map((a) => a.id)) : undefined
    return alerts.map((a) => {
      const w = tickets?.get(a.id)
      return w ? { ...alertView(a), workOrder: alertWorkOrderView(w) } : alertView(a)
    })
  }

  // --- rules ------------------------------------------------------------------------------

  app.get('/api/v1/rules', { config: { permission: 'fleet:read' }, schema: { summary: 'Alert rules', tags: ['alerts'] } }, async (req) => {
    const p = principalOf(req)
    return { rules: d.engine.allRules().filter((r) => visible(p, r.scope)) }
  })

  app.get<{ Params: RuleParams }>(
    '/api/v1/rules/:id',
    { config: { permission: 'fleet:read' }, schema: { summary: 'One alert rule', tags: ['alerts'], params: RuleParams } },
    async (req) => {
      const rule = d.engine.rule(req.params.id)
      if (!rule || !visible(principalOf(req), rule.scope)) throw notFound(`rule ${req.params.id}`)
      return rule
    },
  )

  app.put<{ Params: RuleParams; Body: RuleBody }>(
    '/api/v1/rules/:id',
    { config: { permission: 'fleet:operate' }, schema: { summary: 'Create or replace an alert rule', tags: ['alerts'], params: RuleParams, body: RuleBody } },
    async (req, reply) => {
      const p = principalOf(req)
      const b = req.body
      if (b.id !== undefined && b.id !== req.params.id) throw badRequest('id in the body differs from the path', 'bad_rule')
      const rule: Rule = {
        id: req.params.id,
        metric: b.metric,
        op: b.op as Rule['op'],
        value: b.value,
        for: b.for ?? 0,
        ...(b.clear !== undefined && b.clear !== null ? { clear: b.clear } : {}),
        severity: b.severity,
        scope: (b.scope ?? 'all') as Scope,
        ...(b.description !== undefined ? { description: b.description } : {}),
      }
      if (rule.id === OFFLINE_RULE_ID && rule.metric !== OFFLINE_METRIC) throw badRequest("rule 'offline' must keep metric 'offline'", 'bad_rule')
      const problems = ruleProblems(rule)
      if (problems.length > 0) throw badRequest(problems.join('; '), 'bad_rule')
      assertWithinSites(p, rule.scope)
      const existing = d.engine.rule(rule.id)
      if (existing) assertWithinSites(p, existing.scope)
      const created = await d.engine.putRule(rule)
      await d.auditor.record(req, created ? 'rule.create' : 'rule.update', `rule:${rule.id}`, rule)
      return reply.code(created ? 201 : 200).send(rule)
    },
  )

  app.delete<{ Params: RuleParams }>(
    '/api/v1/rules/:id',
    { config: { permission: 'fleet:operate' }, schema: { summary: 'Delete an alert rule; its open alerts resolve', tags: ['alerts'], params: RuleParams } },
    async (req, reply) => {
      const rule = d.engine.rule(req.params.id)
      const p = principalOf(req)
      if (!rule || !visible(p, rule.scope)) throw notFound(`rule ${req.params.id}`)
      assertWithinSites(p, rule.scope)
      await d.engine.deleteRule(rule.id)
      await d.auditor.record(req, 'rule.delete', `rule:${rule.id}`)
      return reply.code(204).send()
    },
  )

  // --- alerts -----------------------------------------------------------------------------

  app.get<{ Querystring: AlertQuery }>(
    '/api/v1/alerts',
    { config: { permission: 'fleet:read' }, schema: { summary: 'Alerts, newest first', tags: ['alerts'], querystring: AlertQuery } },
    async (req) => {
      const p = principalOf(req)
      const q = req.query
      let siteIds: string[] | null = p.sites === null ? null : [...p.sites]
      if (q.site !== undefined) siteIds = siteIds === null || siteIds.includes(q.site) ? [q.site] : []
      const alerts = await d.engine.listAlerts({
        state: q.state as 'open' | undefined,
        siteIds,
        camera: q.camera,
        severity: q.severity,
        limit: q.limit ?? 1000,
      })
      return { alerts: await answer(alerts) }
    },
  )

  app.get<{ Params: NumericIdParams }>(
    '/api/v1/alerts/:id',
    { config: { permission: 'fleet:read' }, schema: { summary: 'One alert, with its work order when it has one', tags: ['alerts'], params: NumericIdParams } },
    async (req) => {
      const alert = await d.engine.getAlert(req.params.id)
      if (!alert || !canSeeSite(principalOf(req), alert.siteId)) throw notFound(`alert ${req.params.id}`)
      return (await answer([alert]))[0]
    },
  )

  app.post<{ Params: NumericIdParams; Body: AckBody }>(
    '/api/v1/alerts/:id/ack',
    {
      config: { permission: 'fleet:operate' },
      schema: { summary: 'Acknowledge an alert', tags: ['alerts'], params: NumericIdParams, body: AckBody },
      // The body is optional (`{note?}`): none at all reads as `{}`.
      preValidation: async (req) => {
        req.body ??= {}
      },
    },
    async (req) => {
      const p = principalOf(req)
      const stored = await d.engine.getAlert(req.params.id)
      if (!stored || !canSeeSite(p, stored.siteId)) throw notFound(`alert ${req.params.id}`)
      if (stored.state === 'resolved') throw badRequest('a resolved alert cannot be acknowledged', 'alert_resolved')
      const alert = await d.engine.acknowledge(stored.id, `${p.kind}:${p.name}`, req.body?.note ?? null)
      if (!alert) throw badRequest('a resolved alert cannot be acknowledged', 'alert_resolved')
      await d.auditor.record(req, 'alert.ack', `alert:${alert.id}`, { note: req.body?.note ?? null })
      return alertView(alert)
    },
  )

  // --- silences ---------------------------------------------------------------------------

  app.post<{ Body: SilenceBody }>(
    '/api/v1/silences',
    { config: { permission: 'fleet:operate' }, schema: { summary: 'Silence notifications for a maintenance window', tags: ['alerts'], body: SilenceBody } },
    async (req, reply) => {
      const p = principalOf(req)
      const b = req.body
      const from = parseTimestamp(b.from)
      const to = parseTimestamp(b.to)
      if (from === undefined || to === undefined) throw badRequest('from and to must be RFC 3339 or epoch milliseconds', 'bad_time')
      if (to <= from) throw badRequest('to must be after from', 'bad_range')
      const scope = b.scope as Scope
      assertWithinSites(p, scope)
      const silence = await d.engine.addSilence({ scope, from, to, reason: b.reason, createdBy: `${p.kind}:${p.name}`, createdAt: d.clock.now(), endedAt: null })
      await d.auditor.record(req, 'silence.create', `silence:${silence.id}`, b)
      return reply.code(201).send(silenceView(silence, d.clock.now()))
    },
  )

  app.get('/api/v1/silences', { config: { permission: 'fleet:read' }, schema: { summary: 'Silences', tags: ['alerts'] } }, async (req) => {
    const p = principalOf(req)
    const now = d.clock.now()
    return { silences: d.engine.silencesNow().filter((s) => visible(p, s.scope)).map((s) => silenceView(s, now)) }
  })

  app.delete<{ Params: NumericIdParams }>(
    '/api/v1/silences/:id',
    { config: { permission: 'fleet:operate' }, schema: { summary: 'End a silence', tags: ['alerts'], params: NumericIdParams } },
    async (req, reply) => {
      const p = principalOf(req)
      const silence = d.engine.silencesNow().find((s) => s.id === req.params.id)
      if (!silence || !visible(p, silence.scope)) throw notFound(`silence ${req.params.id}`)
      assertWithinSites(p, silence.scope)
      if (!(await d.engine.endSilence(silence.id))) throw notFound(`active silence ${req.params.id}`)
      await d.auditor.record(req, 'silence.end', `silence:${silence.id}`)
      return reply.code(204).send()
    },
  )

  // --- incidents --------------------------------------------------------------------------

  app.get('/api/v1/incidents', { config: { permission: 'fleet:read' }, schema: { summary: 'Incidents, newest first', tags: ['alerts'] } }, async (req) => {
    const p = principalOf(req)
    return { incidents: (await d.engine.listIncidents(1000)).filter((i) => canSeeSite(p, i.siteId)).map(incidentView) }
  })
}
