import { resolve } from 'node:path'
import { type Logger, pino } from 'pino'
import { type Clock, systemClock } from '../core/clock.js'
import { ReportBuffer } from './buffer.js'
import { HealthReporter } from './health.js'
import { Intake } from './intake.js'
import type { RetryPolicy } from './pacing.js'
import type { Post } from './http-post.js'
import { ServerClient } from './server-client.js'
import { HttpSource } from './sources/http.js'
import type { SnmpTarget } from './sources/snmp-targets.js'
import type { Source } from './sources/source.js'
import { Uplink } from './uplink.js'

export interface AgentOptions {
  /** Base URL of the camtel server. */
  server: string
  /** A token with `telemetry:write` (an ingest token) for the server. */
  token: string
  /** Folder of the durable buffer. */
  bufferDir: string
  /** The agent reports its own health as camera `agent:<name>`. */
  name: string
  bufferCapBytes: number
  listen?: { port: number; host: string; token?: string }
  mqtt?: { url: string; topic: string }
  sim?: { cameras: number; intervalS: number; seed?: number }
  /** Cameras to poll over SNMP v2c (Axis style). */
  snmp?: { targets: readonly SnmpTarget[]; community: string; intervalS: number }
  healthIntervalS: number
  /** Upper bound of the backlog's drain, reports per second. */
  backlogRate: number
  batchReports: number
  batchBytes: number
  retry: RetryPolicy
  /** How long a report taken is remembered, to recognise a sender's retry, seconds. */
  dedupWindowS: number
  sync?: 'full' | 'normal'
  logger?: Logger
  clock?: Clock
  /** How uploads are POSTed (tests); node:http(s) by default. */
  post?: Post
}

export interface RunningAgent {
  readonly buffer: ReportBuffer
  readonly uplink: Uplink
  readonly intake: Intake
  readonly health: HealthReporter
  /** The HTTP receiver's port, when there is one. */
  readonly httpPort: number | undefined
  status(): Record<string, unknown>
  stop(): Promise<void>
}

/** The edge agent (DESIGN §9a): sources -> intake -> durable buffer -> uplink, plus its own health. */
export async function startAgent(o: AgentOptions): Promise<RunningAgent> {
  const clock = o.clock ?? systemClock
  const logger = o.logger ?? pino({ base: { service: 'camtel-agent' } })
  // Loaded only when used: the MQTT client and the simulator's models are some 15 and 20 MB of
  // memory that an agent without them should not carry.
  const mqttSource = o.mqtt && (await import('./sources/mqtt.js'))
  const simSource = o.sim && (await import('./sources/sim.js'))
  const snmpSource = o.snmp && (await import('./sources/snmp.js'))
  const buffer = ReportBuffer.open({ dir: o.bufferDir, capBytes: o.bufferCapBytes, dedupWindowMs: o.dedupWindowS * 1000, sync: o.sync, now: clock.now() })
  const client = new ServerClient({ server: o.server, token: o.token, post: o.post })
  const uplink = new Uplink({
    buffer,
    client,
    clock,
    logger: logger.child({ module: 'uplink' }),
    limit: { reports: o.batchReports, bytes: o.batchBytes },
    backlogRate: o.backlogRate,
    retry: o.retry,
  })
  const intake = new Intake({ buffer, clock, onBuffered: () => uplink.wake() })
  const health = new HealthReporter({ cameraId: `agent:${o.name}`, intervalS: o.healthIntervalS, buffer, uplink, intake, clock, logger })
  const status = () => {
    const m = process.memoryUsage()
    const mb = (n: number) => Math.round(n / 2 ** 20)
    return { name: o.name, received: intake.receivedTotal, ...uplink.stats(), metrics: health.metrics(), memoryMb: { rss: mb(m.rss), heapTotal: mb(m.heapTotal), heap: mb(m.heapUsed), external: mb(m.external) } }
  }

  const sources: Source[] = []
  let http: HttpSource | undefined
  if (o.listen) sources.push((http = new HttpSource({ ...o.listen, logger: logger.child({ module: 'http' }), now: () => clock.now(), status })))
  if (o.mqtt && mqttSource) sources.push(new mqttSource.MqttSource({ ...o.mqtt, clientKey: resolve(o.bufferDir), logger: logger.child({ module: 'mqtt' }) }))
  if (o.sim && simSource) sources.push(new simSource.SimSource({ ...o.sim, clock, logger: logger.child({ module: 'sim' }) }))
  if (o.snmp && snmpSource) sources.push(new snmpSource.SnmpSource({ ...o.snmp, clock, logger: logger.child({ module: 'snmp' }) }))

  const started: Source[] = []
  const stop = async () => {
    for (const s of started.reverse()) await s.stop()
    health.stop()
    await uplink.stop()
    buffer.close()
  }
  uplink.start()
  health.start()
  try {
    for (const s of sources) {
      await s.start(intake)
      started.push(s)
    }
  } catch (err) {
    await stop()
    throw err
  }
  const b = buffer.stats()
  logger.info({ server: o.server, buffer: resolve(o.bufferDir), buffered: b.reports, sources: sources.map((s) => s.name) }, 'agent running')
  return { buffer, uplink, intake, health, httpPort: http?.port, status, stop }
}
