import { createHash } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { type RawItem, parseJsonReport } from '../../ingest/parsers.js'
import { MAX_MQTT_PAYLOAD } from '../../ingest/mqtt.js'
import type { Intake } from '../intake.js'
import type { Source } from './source.js'

export interface MqttSourceOptions {
  url: string
  /** `camtel/+/+/telemetry`: camtel/<siteId>/<cameraId>/telemetry, as the server's MQTT ingest. */
  topic: string
  /** Stable per buffer, so that the broker keeps QoS 1 messages for us while the agent is down. */
  clientKey: string
  logger: Logger
}

/**
 * Takes reports from a local MQTT broker, one report per message as the server's MQTT ingest
 * does. A message is acknowledged (PUBACK) only once its report is in the buffer, on a
 * persistent session, so a message the agent did not buffer is delivered again after a restart.
 */
export class MqttSource implements Source {
  readonly name = 'mqtt'
  private client: MqttClient | undefined

  constructor(private readonly o: MqttSourceOptions) {}

  async start(intake: Intake): Promise<void> {
    const clientId = `camtel-agent-${createHash('sha256').update(this.o.clientKey).digest('hex').slice(0, 16)}`
    const client = mqtt.connect(this.o.url, {
      clientId,
      // mqtt.js hands acknowledgements to customHandleAcks only on MQTT 5, and a v5 session
      // outlives a disconnect only with an expiry interval.
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 7 * 86400 },
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      customHandleAcks: (topic, payload, _packet, done) => {
        try {
          this.handle(topic, payload, intake)
          done(0)
        } catch (err) {
          // The buffer could not be written: no PUBACK, the broker delivers it again.
          this.o.logger.error({ err, topic }, 'mqtt report not buffered')
          done(err instanceof Error ? err : new Error(String(err)))
        }
      },
    })
    this.client = client
    client.on('error', (err) => this.o.logger.warn({ err: err.message }, 'mqtt error'))
    client.on('offline', () => this.o.logger.warn({ url: redact(this.o.url) }, 'mqtt broker unreachable; retrying'))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cannot reach MQTT broker ${redact(this.o.url)}`)), 10_000)
      client.once('connect', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    await client.subscribeAsync(this.o.topic, { qos: 1 })
    this.o.logger.info({ url: redact(this.o.url), topic: this.o.topic }, 'receiving telemetry over MQTT')
  }

  async stop(): Promise<void> {
    await this.client?.endAsync()
    this.client = undefined
  }

  private handle(topic: string, payload: Buffer, intake: Intake): void {
    const item = readMessage(topic, payload)
    const answer = intake.accept([item])
    const error = answer.rejected[0]?.error
    // An invalid report is acknowledged too: redelivering it cannot make it valid.
    if (error !== undefined) this.o.logger.warn({ topic, error }, 'mqtt report rejected')
  }
}

/** The topic names the camera: a payload may leave cameraId out, but may not contradict it. */
export function readMessage(topic: string, payload: Buffer): RawItem {
  if (payload.length > MAX_MQTT_PAYLOAD) return { ok: false, error: `payload over ${MAX_MQTT_PAYLOAD} bytes` }
  const item = parseJsonReport(payload)
  const topicCamera = topic.split('/')[2]
  if (!item.ok || item.value === null || typeof item.value !== 'object' || Array.isArray(item.value) || !topicCamera) return item
  const value = item.value as Record<string, unknown>
  if (!Object.hasOwn(value, 'cameraId')) value.cameraId = topicCamera
  else if (value.cameraId !== topicCamera) return { ok: false, error: `cameraId ${String(value.cameraId)} does not match the topic's ${topicCamera}` }
  return item
}

function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url
  }
}
