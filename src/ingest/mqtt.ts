import type { MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import type { ServerMetrics } from '../core/metrics.js'
import type { Principal } from '../server/auth/roles.js'
import { openMqttSession, redactUrl } from './mqtt-session.js'
import { parseJsonReport } from './parsers.js'
import type { IngestPipeline } from './pipeline.js'

/** One report per message; a larger payload is not a report. */
export const MAX_MQTT_PAYLOAD = 1024 * 1024

export interface MqttIngestOptions {
  url: string
  /** Topic filter, `camtel/+/+/telemetry` by default: camtel/<siteId>/<cameraId>/telemetry. */
  topic: string
  pipeline: IngestPipeline
  metrics: ServerMetrics
  logger: Logger
  /** Stable per data folder so that the broker keeps QoS 1 messages for us while we are down. */
  clientKey: string
}

/** The broker is trusted like an admin-installed ingest path; site scoping happens in the pipeline. */
const MQTT_PRINCIPAL: Principal = { kind: 'token', id: 'mqtt', name: 'mqtt ingest', role: 'ingest', sites: null }

/**
 * Takes telemetry from an MQTT broker. Messages are acknowledged (PUBACK) only after their report
 * is durable, and the session is persistent (clean: false), so nothing is lost across a restart.
 */
export class MqttIngest {
  private client: MqttClient | undefined

  constructor(private readonly o: MqttIngestOptions) {}

  async start(): Promise<void> {
    this.client = await openMqttSession({
      url: this.o.url,
      clientPrefix: 'camtel-',
      clientKey: this.o.clientKey,
      topic: this.o.topic,
      logger: this.o.logger,
      onMessage: (topic, payload, done) => {
        void this.handle(topic, payload).then(
          () => done(0),
          (err: unknown) => {
            // A store failure: no PUBACK for this message, so the broker redelivers it after a
            // reconnect; the client goes on with the next message.
            this.o.logger.error({ err, topic }, 'mqtt report not stored')
            this.o.metrics.mqttMessages.inc({ outcome: 'error' })
            done(err instanceof Error ? err : new Error(String(err)))
          },
        )
      },
    })
    this.o.logger.info({ url: redactUrl(this.o.url), topic: this.o.topic }, 'mqtt ingest subscribed')
  }

  get connected(): boolean {
    return this.client?.connected ?? false
  }

  async stop(): Promise<void> {
    await this.client?.endAsync()
    this.client = undefined
  }

  private async handle(topic: string, payload: Buffer): Promise<void> {
    const parts = topic.split('/')
    const [siteId, topicCamera] = [parts[1], parts[2]]
    if (payload.length > MAX_MQTT_PAYLOAD) {
      this.reject(topic, `payload over ${MAX_MQTT_PAYLOAD} bytes`)
      return
    }
    const item = parseJsonReport(payload)
    if (item.ok && item.value !== null && typeof item.value === 'object' && !Array.isArray(item.value)) {
      const value = item.value as Record<string, unknown>
      // The topic names the camera; a payload may leave cameraId out, but may not contradict it.
      if (!Object.hasOwn(value, 'cameraId') && topicCamera) value.cameraId = topicCamera
      else if (topicCamera && topicCamera !== '+' && value.cameraId !== topicCamera) {
        this.reject(topic, `cameraId ${String(value.cameraId)} does not match the topic's ${topicCamera}`)
        return
      }
    }
    const result = await this.o.pipeline.ingest([item], { principal: MQTT_PRINCIPAL, source: 'mqtt', siteHint: siteId })
    if (result.rejected.length > 0) this.reject(topic, result.rejected[0]?.error ?? 'rejected')
    else this.o.metrics.mqttMessages.inc({ outcome: result.accepted > 0 ? 'accepted' : 'duplicate' })
  }

  private reject(topic: string, error: string): void {
    this.o.metrics.mqttMessages.inc({ outcome: 'rejected' })
    this.o.logger.warn({ topic, error }, 'mqtt report rejected')
  }
}
