import type { FastifyInstance } from 'fastify'
import type { ServerMetrics } from '../../core/metrics.js'
import type { Fleet } from '../../fleet/fleet.js'
import { STATUSES } from '../../fleet/status.js'
import type { Store } from '../../store/ports.js'

export interface OpsDeps {
  metrics: ServerMetrics
  fleet: Fleet
  store: Store
  /** Extra readiness checks (the bus, the MQTT link) as they are configured. */
  readiness: Array<() => Promise<{ name: string; ok: boolean; detail?: string }>>
  version: string
  auth: 'on' | 'off'
}

export async function opsRoutes(app: FastifyInstance, deps: OpsDeps): Promise<void> {
  app.get('/healthz', { config: { permission: 'public' }, schema: { summary: 'Liveness: 200 once ready to take reports', tags: ['operations'] } }, async () => ({
    status: 'ok',
    version: deps.version,
    // Says so when auth is off, so that every console can warn (DESIGN §10).
    auth: deps.auth,
  }))

  app.get('/readyz', { config: { permission: 'ops:read' }, schema: { summary: 'Readiness of the store (its writer thread) and bus (the embedded event log)', tags: ['operations'] } }, async (_req, reply) => {
    const checks = [
      await deps.store.telemetry
        .countReports('\u0000readyz')
        .then(() => ({ name: 'store', ok: true, detail: deps.store.kind }))
        .catch((err: Error) => ({ name: 'store', ok: false, detail: err.message })),
      // The store's moving parts: a dead writer thread means no report can be stored any more.
      ...((await deps.store.health?.().catch((err: Error) => [{ name: 'store health', ok: false, detail: err.message }])) ?? []),
      ...(await Promise.all(deps.readiness.map((check) => check()))),
    ]
    const ok = checks.every((c) => c.ok)
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks })
  })

  app.get('/metrics', { config: { permission: 'ops:read' }, schema: { summary: 'Prometheus metrics of the server itself', tags: ['operations'] } }, async (_req, reply) => {
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<string, number>
    for (const c of deps.fleet.allCameras()) counts[c.status] = (counts[c.status] ?? 0) + 1
    for (const s of STATUSES) deps.metrics.cameras.set({ status: s }, counts[s] ?? 0)
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics())
  })
}
