import type { MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { type RawItem, parseJsonReport } from '../../ingest/parsers.js'
import { MAX_MQTT_PAYLOAD } from '../../ingest/mqtt.js'
import { openMqttSession, redactUrl } from '../../ingest/mqtt-session.js'
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
    this.client = await openMqttSession({
      url: this.o.url,
      clientPrefix: 'camtel-agent-',
      clientKey: this.o.clientKey,
      topic: this.o.topic,
      logger: this.o.logger,
      onMessage: (topic, payload, done) => {
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
    this.o.logger.info({ url: redactUrl(this.o.url), topic: this.o.topic }, 'receiving telemetry over MQTT')
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
