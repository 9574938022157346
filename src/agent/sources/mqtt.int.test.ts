import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../core/clock.js'
import { serviceAvailable } from '../../core/test-support/services.js'
import { ReportBuffer } from '../buffer.js'
import { Intake } from '../intake.js'
import { MqttSource } from './mqtt.js'

const BROKER = 'mqtt://127.0.0.1:1883'
const available = await serviceAvailable('Mosquitto', '127.0.0.1', 1883)

// Skipped (with a warning printed above) only where no broker runs and CI is not set.
describe.skipIf(!available)('the agent MQTT source against the real broker', () => {
  const prefix = `camtel-agent-test-${randomBytes(4).toString('hex')}`
  const dir = mkdtempSync(join(tmpdir(), 'camtel-agent-mqtt-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  async function until(cond: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms
    while (!cond()) {
      if (Date.now() > deadline) throw new Error('timed out')
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  it('buffers each message before acknowledging it, and gets what was published while it was stopped', async () => {
    const buffer = ReportBuffer.open({ dir, capBytes: 1 << 30, dedupWindowMs: 600_000, now: Date.now(), sync: 'normal' })
    const intake = new Intake({ buffer, clock: systemClock })
    const options = { url: BROKER, topic: `${prefix}/+/+/telemetry`, clientKey: dir, logger: pino({ level: 'silent' }) }
    let source = new MqttSource(options)
    await source.start(intake)
    const pub = await mqtt.connectAsync(BROKER, { clientId: `${prefix}-pub` })
    try {
      const ts = Date.now() - 60_000
      const send = (camera: string, payload: unknown) => pub.publishAsync(`${prefix}/north/${camera}/telemetry`, JSON.stringify(payload), { qos: 1 })
      await send('m-1', { ts, metrics: { fps: 25 } }) // cameraId from the topic
      await send('m-1', { cameraId: 'other', ts, metrics: { fps: 25 } }) // contradicts the topic: rejected
      await send('m-1', { cameraId: 'm-1', ts, metrics: { fps: 25 } }) // the first one again: a duplicate
      await until(() => intake.receivedTotal === 1)
      await source.stop()
      // Published while the agent is away: the persistent session keeps it for the agent.
      await send('m-2', { ts, metrics: { fps: 12 } })
      source = new MqttSource(options)
      await source.start(intake)
      await until(() => buffer.stats().reports === 2)
      const batch = buffer.takeLive({ reports: 100, bytes: 1 << 20 })
      expect(batch?.rows.map((r) => JSON.parse(r.body) as unknown)).toEqual([
        { cameraId: 'm-1', seq: 0, ts, metrics: { fps: 25 } },
        { cameraId: 'm-2', seq: 0, ts, metrics: { fps: 12 } },
      ])
    } finally {
      await pub.endAsync()
      await source.stop()
      buffer.close()
    }
  })
})
