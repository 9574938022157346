import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { type Logger, pino } from 'pino'
import { type Config, ConfigError, isLoopback } from '../config/index.js'
import { type Clock, systemClock } from '../core/clock.js'
import { ServerMetrics } from '../core/metrics.js'
import { Fleet } from '../fleet/fleet.js'
import { MqttIngest } from '../ingest/mqtt.js'
import { IngestPipeline } from '../ingest/pipeline.js'
import { openSqliteStore } from '../store/sqlite/index.js'
import type { Store } from '../store/ports.js'
import { LocalEventHub } from '../stream/events.js'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import { Auditor } from './audit.js'
import { Authenticator } from './auth/authenticator.js'
import { FailureLimiter } from './auth/failure-limiter.js'
import { type RouteEntry, installGuard } from './auth/guard.js'
import { accountRoutes } from './routes/accounts.js'
import { alertRoutes } from './routes/alerts.js'
import { AlertEngine } from '../alerts/engine.js'
import { Dispatcher } from '../notify/dispatcher.js'
import { Notifications } from '../notify/notifications.js'
import { type Notifier, WebhookNotifier } from '../notify/notifier.js'
import { type AdminBootstrap, bootstrapAdminToken } from './auth/tokens.js'
import { installErrorMapper } from './errors.js'
import { installValidators } from './validation.js'
import { opsRoutes } from './routes/ops.js'
import { registryRoutes } from './routes/registry.js'
import { seriesRoutes } from './routes/series.js'
import { telemetryRoutes } from './routes/telemetry.js'
import { VERSION } from '../version.js'

export interface ServerDeps {
  clock?: Clock
  logger?: Logger
  /** A store to use instead of the one the config names (tests). */
  store?: Store
}

export interface CamtelServer {
  readonly app: FastifyInstance
  readonly config: Config
  readonly fleet: Fleet
  readonly pipeline: IngestPipeline
  readonly store: Store
  readonly events: LocalEventHub
  readonly metrics: ServerMetrics
  readonly admin: AdminBootstrap
  readonly alerts: AlertEngine
  readonly dispatcher: Dispatcher
  /** Every registered route with the permission it needs. */
  readonly routes: readonly RouteEntry[]
  /** Listens on config.host:port; resolves to the base URL. */
  listen(): Promise<string>
  close(): Promise<void>
}

/** Refuses configurations that must never start (DESIGN §10): checked before anything listens. */
export function checkStartup(config: Config): void {
  if (config.auth === 'off' && !isLoopback(config.host)) {
    throw new ConfigError('CAMTEL_AUTH', `auth is off, which is allowed only on a loopback address, not ${config.host}`)
  }
  if (config.db) throw new ConfigError('CAMTEL_DB', 'the PostgreSQL store is not part of this version yet; unset CAMTEL_DB to use SQLite')
  if (config.bus) throw new ConfigError('CAMTEL_BUS', 'the NATS event log is not part of this version yet; unset CAMTEL_BUS')
}

const WEB_ROOT = fileURLToPath(new URL('../../web/static/', import.meta.url))

/** Per-token (or per-session) request limits, off unless CAMTEL_TOKEN_RATE_LIMIT is set. */
function limitPerPrincipal(app: FastifyInstance, perMinute: number): void {
  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission
    if (permission === undefined || permission === 'public' || route.config?.rateLimit !== undefined) return
    route.config = {
      ...route.config,
      rateLimit: { max: perMinute, timeWindow: 60_000, keyGenerator: (req) => (req.principal ? `${req.principal.kind}:${req.principal.id}` : req.ip) },
    }
  })
}

/** The composition root: builds every part from the config and wires them together. */
export async function createServer(config: Config, deps: ServerDeps = {}): Promise<CamtelServer> {
  checkStartup(config)
  const clock = deps.clock ?? systemClock
  const logger = deps.logger ?? pino({ level: config.logLevel, base: { service: 'camtel' } })
  const store = deps.store ?? openSqliteStore({ dataDir: config.data, sync: config.sync })
  const metrics = new ServerMetrics()
  const events = new LocalEventHub()
  const fleet = new Fleet({
    registry: store.registry,
    telemetry: store.telemetry,
    clock,
    events,
    logger: logger.child({ module: 'fleet' }),
    offlineAfter: config.offlineAfter,
  })
  await fleet.load()
  const pipeline = new IngestPipeline({ fleet, telemetry: store.telemetry, events, clock, metrics })
  const notifiers: Notifier[] = config.notifyUrl ? [new WebhookNotifier({ url: config.notifyUrl, secret: config.notifySecret })] : []
  const notifications = new Notifications({
    outbox: store.outbox,
    alerts: store.alerts,
    clock,
    channels: notifiers.map((n) => n.channel),
    groupWaitMs: config.notifyGroupWait * 1000,
  })
  const dispatcher = new Dispatcher({
    outbox: store.outbox,
    notifiers,
    clock,
    logger: logger.child({ module: 'notify' }),
    shouldDrop: (m) => notifications.dropReason(m),
  })
  const alerts = new AlertEngine({ store: store.alerts, fleet, clock, events, notifications, logger: logger.child({ module: 'alerts' }), lateAfter: config.lateAfter })
  await alerts.load()
  pipeline.addStage(alerts)
  const admin = config.auth === 'on' ? await bootstrapAdminToken(store.tokens, { configured: config.adminToken, dataDir: config.data, now: clock.now() }) : {}

  const app = Fastify({
    // Per-request lines at info would drown the log at ingest rates; warnings and errors stay.
    loggerInstance: logger.child({ module: 'http' }, { level: config.logLevel === 'debug' || config.logLevel === 'trace' ? config.logLevel : 'warn' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Long ids reach the schema, which answers 400, rather than the router, which would answer 414.
    routerOptions: { maxParamLength: 8192 },
    trustProxy: config.trustProxy,
  })
  installErrorMapper(app)
  installValidators(app)
  const hasWeb = existsSync(WEB_ROOT)
  const authenticator = new Authenticator({ tokens: store.tokens, accounts: store.accounts, clock, sessionIdle: config.sessionIdle, sessionMax: config.sessionMax })
  const failures = new FailureLimiter({ max: config.authFailures, windowMs: 60_000, clock })
  const auditor = new Auditor(store.audit, clock)
  await app.register(cookie)
  const routes: RouteEntry[] = []
  installGuard(app, { routes, auth: config.auth, authenticator, failures, isStaticRoute: (url) => hasWeb && (url === '/' || url === '/*') })
  // Before the limiter's own onRoute hook, which reads the per-route settings this one writes.
  if (config.tokenRateLimit > 0) limitPerPrincipal(app, config.tokenRateLimit)
  // global: false, so that only routes that ask are limited (and never the WebSocket upgrade).
  await app.register(rateLimit, { global: false })

  await app.register(swagger, {
    openapi: {
      info: { title: 'camtel API', version: VERSION, description: 'Camera fleet health telemetry (see DESIGN.md for the contract).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  await app.register(telemetryRoutes, { pipeline, metrics, clock })
  await app.register(registryRoutes, { fleet, auditor, alerts })
  await app.register(alertRoutes, { engine: alerts, store: store.alerts, fleet, auditor, clock })
  await app.register(accountRoutes, {
    tokens: store.tokens,
    accounts: store.accounts,
    audit: store.audit,
    auditor,
    authenticator,
    failures,
    fleet,
    clock,
    secureCookie: config.secureCookie,
  })
  await app.register(seriesRoutes, { fleet, telemetry: store.telemetry, clock })

  const mqtt = config.mqtt
    ? new MqttIngest({ url: config.mqtt, topic: config.mqttTopic, pipeline, metrics, logger: logger.child({ module: 'mqtt' }), clientKey: config.data })
    : undefined
  const readiness = mqtt ? [async () => ({ name: 'mqtt', ok: mqtt.connected, detail: config.mqttTopic })] : []
  await app.register(opsRoutes, { metrics, fleet, store, readiness, version: VERSION, auth: config.auth })
  if (hasWeb) await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/', index: ['index.html'] })

  let closed = false
  return {
    app,
    config,
    fleet,
    pipeline,
    store,
    events,
    metrics,
    admin,
    alerts,
    dispatcher,
    routes,
    async listen() {
      await app.ready()
      if (mqtt) await mqtt.start()
      fleet.start()
      alerts.start()
      dispatcher.start()
      const address = await app.listen({ host: config.host, port: config.port })
      return address
    },
    async close() {
      if (closed) return
      closed = true
      await mqtt?.stop()
      await app.close()
      alerts.stop()
      await dispatcher.stop()
      await fleet.stop()
      await store.close()
    },
  }
}
