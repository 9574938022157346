import { createHash } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'

export interface MqttSessionOptions {
  url: string
  /** Prefix of the client id; the rest is derived from `clientKey`, so a restart resumes the same session. */
  clientPrefix: string
  clientKey: string
  topic: string
  logger: Logger
  /**
   * Each message, to be acknowledged with `done(0)` once it is safe (stored, buffered), or
   * refused with `done(err)`: no PUBACK then, and the broker delivers it again.
   */
  onMessage: (topic: string, payload: Buffer, done: (result: number | Error) => void) => void
}

/**
 * A persistent MQTT 5 session (QoS 1, acknowledged by the caller), connected and subscribed:
 * what the server's MQTT ingest and the agent's MQTT source share. Rejects when the broker
 * cannot be reached within 10 s; after that, mqtt.js reconnects on its own.
 */
export async function openMqttSession(o: MqttSessionOptions): Promise<MqttClient> {
  const client = mqtt.connect(o.url, {
    clientId: `${o.clientPrefix}${createHash('sha256').update(o.clientKey).digest('hex').slice(0, 16)}`,
    // mqtt.js hands acknowledgements to customHandleAcks only on MQTT 5, and a v5 session
    // outlives a disconnect only with an expiry interval.
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: 7 * 86400 },
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
    customHandleAcks: (topic, payload, _packet, done) => o.onMessage(topic, payload, done),
  })
  client.on('error', (err) => o.logger.warn({ err: err.message }, 'mqtt error'))
  client.on('offline', () => o.logger.warn({ url: redactUrl(o.url) }, 'mqtt broker unreachable; retrying'))
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cannot reach MQTT broker ${redactUrl(o.url)}`)), 10_000)
      client.once('connect', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  } catch (err) {
    // Nobody holds the client yet: stop its reconnecting here, or it would keep the process alive.
    client.end(true)
    throw err
  }
  client.on('connect', () => o.logger.info({ url: redactUrl(o.url) }, 'mqtt connected'))
  await client.subscribeAsync(o.topic, { qos: 1 })
  return client
}

/** The URL with its password, if any, masked: for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url
  }
}
