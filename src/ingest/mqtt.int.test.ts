import { randomBytes } from 'node:crypto'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serviceAvailable } from '../core/test-support/services.js'
import { type TestServer, startTestServer } from '../server/test-support/test-server.js'

const BROKER = 'mqtt://127.0.0.1:1883'
const available = await serviceAvailable('Mosquitto', '127.0.0.1', 1883)

// Skipped (with a warning printed above) only where no broker runs and CI is not set.
describe.skipIf(!available)('MQTT ingest against the real broker', () => {
  const prefix = `camtel-test-${randomBytes(4).toString('hex')}`
  let t: TestServer
  let client: mqtt.MqttClient

  beforeAll(async () => {
    t = await startTestServer({ mqtt: BROKER, mqttTopic: `${prefix}/+/+/telemetry` })
    await t.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North' } })
    client = await mqtt.connectAsync(BROKER, { clientId: `${prefix}-pub` })
  })
  afterAll(async () => {
    await client?.endAsync()
    await t?.close()
  })

  async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 5000): Promise<T> {
    const deadline = Date.now() + ms
    for (;;) {
      const v = await probe()
      if (v !== undefined) return v
      if (Date.now() > deadline) throw new Error('timed out')
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  it('stores good reports once, rejects bad ones, and takes the site from the topic for new cameras', async () => {
    const ts = Date.now() - 60_000
    const pub = (camera: string, payload: unknown) =>
      client.publishAsync(`${prefix}/north/${camera}/telemetry`, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 })
    await pub('m-1', { cameraId: 'm-1', seq: 1, ts, metrics: { fps: 24.8, temperature_c: 51.5 } })
    await pub('m-1', { cameraId: 'm-1', seq: 1, ts, metrics: { fps: 24.8, temperature_c: 51.5 } }) // duplicate
    await pub('m-1', { cameraId: 'm-1', seq: 2, ts: ts + 10_000, metrics: { fps: 25 } })
    await pub('m-2', { seq: 1, ts, metrics: { fps: 12 } }) // cameraId from the topic
    await pub('m-3', 'not json')
    await pub('m-3', { cameraId: 'm-3', ts, metrics: { fps: 'fast' } })
    await pub('m-3', { cameraId: 'other', ts, metrics: { fps: 1 } }) // contradicts the topic
    await pub('m-4', { cameraId: 'm-4', seq: 1, ts, metrics: { fps: 1 } }) // marks the end

    await waitFor(async () => ((await t.api('/api/v1/cameras/m-4')).status === 200 ? true : undefined))
    const s = (await (await t.api(`/api/v1/cameras/m-1/series?metric=fps&from=${ts}&to=${ts + 10_000}`)).json()) as { points: unknown[] }
    expect(s.points).toEqual([
      [ts, 24.8],
      [ts + 10_000, 25],
    ])
    const m2 = (await (await t.api('/api/v1/cameras/m-2')).json()) as { siteId: string; metrics: Record<string, number> }
    expect(m2).toMatchObject({ siteId: 'north', metrics: { fps: 12 } })
    expect((await t.api('/api/v1/cameras/m-3')).status).toBe(404)
    expect((await t.api('/api/v1/cameras/other')).status).toBe(404)
    const metrics = await (await t.api('/metrics')).text()
    expect(metrics).toMatch(/camtel_mqtt_messages_total\{outcome="accepted"\} 4/)
    expect(metrics).toMatch(/camtel_mqtt_messages_total\{outcome="duplicate"\} 1/)
    expect(metrics).toMatch(/camtel_mqtt_messages_total\{outcome="rejected"\} 3/)
    const ready = (await (await t.api('/readyz')).json()) as { checks: Array<{ name: string; ok: boolean }> }
    expect(ready.checks).toContainEqual(expect.objectContaining({ name: 'mqtt', ok: true }))
  })
})
