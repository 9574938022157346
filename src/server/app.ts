import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { type Logger, pino } from 'pino'
import { type Config, ConfigError, isLoopback, predictionsEnabled } from '../config/index.js'
import { type Clock, systemClock } from '../core/clock.js'
import { ServerMetrics } from '../core/metrics.js'
import { Fleet } from '../fleet/fleet.js'
import { MqttIngest } from '../ingest/mqtt.js'
import { IngestPipeline } from '../ingest/pipeline.js'
import { openSqliteStore } from '../store/sqlite/index.js'
import type { Store } from '../store/ports.js'
import { type EventLog, EventLogSink, MemoryEventLog, StreamHub, type StreamLimits, restartSafeFirstId } from '../stream/index.js'
import websocket from '@fastify/websocket'
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
import { installCompression } from './compression.js'
import { installErrorMapper } from './errors.js'
import { installValidators } from './validation.js'
import { opsRoutes } from './routes/ops.js'
import { dashboardRoutes } from './routes/dashboard.js'
import { gapRoutes } from './routes/gaps.js'
import { healthContextRoutes } from './routes/health-context.js'
import { HealthContextReader } from '../health-context/index.js'
import { registryRoutes } from './routes/registry.js'
import { seriesRoutes } from './routes/series.js'
import { streamRoutes } from './routes/stream.js'
import { type History, createHistory } from '../history/index.js'
import { telemetryRoutes } from './routes/telemetry.js'
import { predictionRoutes } from './routes/predictions.js'
import { capacityRoutes } from './routes/capacity.js'
import { type Capacity, createCapacity, createPurgeNotifier } from '../capacity/index.js'
import { type PredictionEngine, PredictionState, createPredictionEngine } from '../predict/index.js'
import { WorkOrderService, createWorkOrderNotifier } from '../workorders/index.js'
import { workOrderRoutes } from './routes/workorders.js'
import { VERSION } from '../version.js'

export interface ServerDeps {
  clock?: Clock
  logger?: Logger
  /** A store to use instead of the one the config names (tests). */
  store?: Store
  /** An event log to use instead of the store's durable one (tests). */
  eventLog?: EventLog
  /** Stream bounds other than the defaults (tests use tiny queues). */
  stream?: Partial<StreamLimits>
}

export interface CamtelServer {
  readonly app: FastifyInstance
  readonly config: Config
  readonly fleet: Fleet
  readonly pipeline: IngestPipeline
  readonly store: Store
  /** Where producers publish: it appends to `eventLog`, which feeds the live stream. */
  readonly events: EventLogSink
  readonly eventLog: EventLog
  readonly stream: StreamHub
  readonly metrics: ServerMetrics
  readonly history: History
  readonly admin: AdminBootstrap
  readonly alerts: AlertEngine
  /** Predictive maintenance; undefined when the plan does not include it (CAMTEL_PLAN, CAMTEL_ADDONS). */
  readonly predictions: PredictionEngine | undefined
  readonly dispatcher: Dispatcher
  readonly capacity: Capacity
  /** Maintenance tickets (DESIGN §7); makes none while CAMTEL_WORKORDER_URL is unset. */
  readonly workOrders: WorkOrderService
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

// The dashboard as `npm run build` leaves it (Vite's output); absent in a checkout not yet built.
const WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url))

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
  const store =
    deps.store ??
    openSqliteStore({
      dataDir: config.data,
      sync: config.sync,
      onWriterDeath: (err) => logger.fatal({ err, module: 'store' }, 'the SQLite writer thread died; /readyz answers 503 until a restart'),
    })
  const metrics = new ServerMetrics()
  const logOptions = {
    clock,
    maxEvents: config.replayEvents,
    maxAgeMs: config.replayAge * 1000,
    onListenerError: (err: unknown) => logger.error({ err, module: 'stream' }, 'event log listener failed'),
    onDegraded: (err: Error) => logger.error({ err, module: 'stream' }, 'event log degraded; it carries on'),
  }
  // The store's durable log, in the data folder; the in-memory one only for a store without one.
  const eventLog =
    deps.eventLog ??
    store.openEventLog?.(logOptions) ??
    // The wall clock even under a test clock: this is about process restarts, not data time.
    new MemoryEventLog({ ...logOptions, firstId: restartSafeFirstId(systemClock.now()) })
  const events = new EventLogSink(eventLog, (err, lost) => {
    metrics.eventLogAppendFailures.inc()
    logger.error({ err, module: 'stream', events: lost.length }, 'event log append failed')
  })
  const stream = new StreamHub({ log: eventLog, metrics, logger: logger.child({ module: 'stream' }), limits: deps.stream })
  const fleet = new Fleet({
    registry: store.registry,
    telemetry: store.telemetry,
    clock,
    events,
    logger: logger.child({ module: 'fleet' }),
    offlineAfter: config.offlineAfter,
  })
  await fleet.load()
  const pipeline = new IngestPipeline({ fleet, telemetry: store.telemetry, events, clock, metrics, logger: logger.child({ module: 'ingest' }) })
  const retention = { raw: config.retentionRaw, '1m': config.retention1m, '1h': config.retention1h }
  const history = createHistory({ store, clock, metrics, logger, retention })
  const notifiers: Notifier[] = config.notifyUrl ? [new WebhookNotifier({ url: config.notifyUrl, secret: config.notifySecret })] : []
  const notifications = new Notifications({
    outbox: store.outbox,
    alerts: store.alerts,
    clock,
    channels: notifiers.map((n) => n.channel),
    groupWaitMs: config.notifyGroupWait * 1000,
  })
  const purgeNotifier = createPurgeNotifier(config, store, clock)
  const workOrderDelivery = createWorkOrderNotifier(config)
  const dispatcher = new Dispatcher({
    outbox: store.outbox,
    notifiers: [...notifiers, ...(purgeNotifier ? [purgeNotifier] : []), workOrderDelivery.notifier],
    clock,
    logger: logger.child({ module: 'notify' }),
    shouldDrop: (m) => notifications.dropReason(m),
    // Set below; the dispatcher starts delivering only once the server listens.
    onDelivered: (m) => workOrders.delivered(m),
    beforePass: () => alerts.whenStored(),
  })
  const alerts = new AlertEngine({ store: store.alerts, fleet, clock, events, notifications, logger: logger.child({ module: 'alerts' }), lateAfter: config.lateAfter })
  await alerts.load()
  pipeline.addStage(alerts)
  const capacity = await createCapacity({ store, fleet, alerts, events, clock, flushRollups: () => history.roller.flush(), config, purge: purgeNotifier !== undefined })
  pipeline.addStage(capacity.checker)
  const predictions = predictionsEnabled(config) ? createPredictionEngine((id) => fleet.camera(id)?.camera) : undefined
  if (predictions) pipeline.addStage(predictions)
  // What the predictor learnt survives a restart (saved every few minutes and at close).
  const predictionState = predictions ? new PredictionState({ dataDir: config.data, engine: predictions, logger: logger.child({ module: 'predict' }) }) : undefined
  predictionState?.load()
  const workOrders = new WorkOrderService({
    store: store.workOrders,
    alerts,
    predictions,
    fleet,
    events,
    clock,
    logger: logger.child({ module: 'workorders' }),
    enabled: workOrderDelivery.enabled,
  })
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
  // An empty JSON body reads as no body, so that a route whose body is optional (DESIGN §5:
  // `POST /api/v1/alerts/:id/ack {note?}`) takes a client that sends the JSON content type and
  // nothing after it. A route that needs a body still answers 400.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined)
    parseJson(req, body as string, done)
  })
  const hasWeb = existsSync(WEB_ROOT)
  const authenticator = new Authenticator({ tokens: store.tokens, accounts: store.accounts, clock, sessionIdle: config.sessionIdle, sessionMax: config.sessionMax })
  const failures = new FailureLimiter({ max: config.authFailures, windowMs: 60_000, clock })
  const auditor = new Auditor(store.audit, clock)
  await app.register(cookie)
  // Answers (JSON, the dashboard's files) gzipped for clients that ask: the camera list of a large fleet shrinks about sevenfold.
  installCompression(app)
  // At the root and before the guard: its onRequest hook marks upgrade requests first, so that
  // the socket of an upgrade the guard refuses (401, 403) is closed after the answer rather than
  // left open; and an upgrade to any other route is refused cleanly too.
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } })
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
  await app.register(registryRoutes, { fleet, auditor, alerts, gaps: store.gaps, predictions })
  await app.register(predictionRoutes, { engine: predictions })
  await app.register(capacityRoutes, { capacity, fleet, auditor })
  await app.register(gapRoutes, { fleet, gaps: store.gaps, clock })
  await app.register(alertRoutes, { engine: alerts, fleet, auditor, clock, workOrders })
  await app.register(workOrderRoutes, { service: workOrders, auditor })
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
  await app.register(seriesRoutes, { fleet, series: history.series, clock })
  await app.register(healthContextRoutes, { fleet, clock, reader: new HealthContextReader({ telemetry: store.telemetry, history: store.history, flushRollups: () => history.roller.flush(), clock, retention }) })
  await app.register(streamRoutes, { hub: stream, authenticator: config.auth === 'on' ? authenticator : undefined })

  const mqtt = config.mqtt
    ? new MqttIngest({ url: config.mqtt, topic: config.mqttTopic, pipeline, metrics, logger: logger.child({ module: 'mqtt' }), clientKey: config.data })
    : undefined
  const readiness = mqtt ? [async () => ({ name: 'mqtt', ok: mqtt.connected, detail: config.mqttTopic })] : []
  await app.register(opsRoutes, { metrics, fleet, store, readiness, version: VERSION, auth: config.auth })
  if (hasWeb) await app.register(dashboardRoutes, { root: WEB_ROOT, page: { tileUrl: config.tileUrl, tileAttribution: config.tileAttribution, workOrders: workOrderDelivery.enabled } })

  let closed = false
  return {
    app,
    config,
    fleet,
    pipeline,
    store,
    events,
    eventLog,
    stream,
    metrics,
    history,
    admin,
    alerts,
    predictions,
    dispatcher,
    capacity,
    workOrders,
    routes,
    async listen() {
      await app.ready()
      if (mqtt) await mqtt.start()
      stream.start()
      fleet.start()
      history.start()
      alerts.start()
      predictionState?.start()
      dispatcher.start()
      capacity.start()
      // After the alerts and predictions are loaded, before reports come: nothing is missed.
      workOrders.start()
      const address = await app.listen({ host: config.host, port: config.port })
      return address
    },
    async close() {
      if (closed) return
      closed = true
      // Every step runs even when one before it failed (a dead writer thread cannot save the
      // latest values, yet the database must still be closed); the first failure is thrown last.
      const failures: unknown[] = []
      const step = async (name: string, fn: () => unknown): Promise<void> => {
        try {
          await fn()
        } catch (err) {
          failures.push(err)
          logger.error({ err, step: name }, 'shutdown step failed; going on with the rest')
        }
      }
      await step('mqtt', () => mqtt?.stop())
      // Before app.close(): consoles get 1001 (going away) and resume elsewhere with `since`.
      await step('stream', () => stream.close())
      await step('http', () => app.close())
      await step('alerts', () => alerts.stop())
      await step('predictions', () => predictionState?.close())
      await step('work orders', () => workOrders.stop())
      await step('notifications', () => dispatcher.stop())
      await step('capacity', () => capacity.stop())
      await step('fleet', () => fleet.stop())
      await step('history', () => history.stop())
      await step('event log', () => eventLog.close())
      await step('store', () => store.close())
      if (failures.length > 0) throw failures[0]
    },
  }
}
