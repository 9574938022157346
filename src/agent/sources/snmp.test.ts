import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Varbind } from 'net-snmp'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { parseAgentArgs } from '../../cli/agent.js'
import { systemClock } from '../../core/clock.js'
import { ReportBuffer } from '../buffer.js'
import { Intake } from '../intake.js'
import { parseSnmpTargets } from './snmp-targets.js'
import { HR_STORAGE_ENTRY, HR_STORAGE_RAM, SnmpSource, memoryFreePct } from './snmp.js'
import { axisResponder, freeUdpPort } from './test-support/axis-responder.js'

const logger = pino({ level: 'silent' })
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function bufferAndIntake() {
  const dir = mkdtempSync(join(tmpdir(), 'camtel-snmp-'))
  const buffer = ReportBuffer.open({ dir, capBytes: 1 << 20, dedupWindowMs: 60_000, sync: 'normal', now: Date.now() })
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => buffer.close())
  const intake = new Intake({ buffer, clock: systemClock })
  const buffered = () => {
    const batch = buffer.takeLive({ reports: 1000, bytes: 1 << 20 })
    if (batch) buffer.release(batch)
    return (batch?.rows ?? []).map((r) => JSON.parse(r.body) as { cameraId: string; seq: number; ts: number; metrics: Record<string, number> })
  }
  return { buffer, intake, buffered }
}

describe('the SNMP poller against a local responder', () => {
  it('turns sysUpTime, the hottest AXIS-VIDEO-MIB temperature sensor and the free share of hrStorageRam into a report, and skips a camera that does not answer', async () => {
    const cam = await axisResponder([
      [1, 1, 41],
      [2, 1, 47],
      [4, 1, 44],
    ])
    cleanups.push(() => cam.close())
    cam.setUptime(123_456)
    cam.setMemory(262_144, 196_608)
    const silent = await freeUdpPort()
    const { intake, buffered } = bufferAndIntake()
    const source = new SnmpSource({
      targets: [
        { cameraId: 'axis-1', host: '127.0.0.1', port: cam.port },
        { cameraId: 'gone-1', host: '127.0.0.1', port: silent },
      ],
      community: 'cams',
      intervalS: 3600,
      timeoutMs: 300,
      clock: systemClock,
      logger,
    })
    cleanups.push(() => source.stop())
    const before = Date.now()
    await source.start(intake)
    await expect.poll(() => buffered().length, { timeout: 10_000 }).toBe(1)
    const [r] = buffered()
    expect(r).toMatchObject({ cameraId: 'axis-1', seq: 0, metrics: { uptime_s: 1234, temperature_c: 47, memory_free_pct: 25 } })
    expect(r?.ts).toBeGreaterThanOrEqual(before)
  })

  it('polls every interval and sees the values change; a wrong community gets nothing', async () => {
    const cam = await axisResponder([[1, 1, 40]])
    cleanups.push(() => cam.close())
    cam.setUptime(500)
    const { intake, buffered } = bufferAndIntake()
    const source = new SnmpSource({ targets: [{ cameraId: 'axis-2', host: '127.0.0.1', port: cam.port }], community: 'cams', intervalS: 0.2, timeoutMs: 300, clock: systemClock, logger })
    cleanups.push(() => source.stop())
    await source.start(intake)
    await expect.poll(() => buffered().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
    cam.setTemp(1, 1, 63)
    cam.setUptime(200) // the camera restarted
    await expect.poll(() => buffered().at(-1)?.metrics, { timeout: 10_000 }).toEqual({ uptime_s: 2, temperature_c: 63 })
    await source.stop()
    const n = buffered().length
    await new Promise((r) => setTimeout(r, 500))
    expect(buffered()).toHaveLength(n)
    expect(buffered().map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i))

    const other = bufferAndIntake()
    const wrong = new SnmpSource({ targets: [{ cameraId: 'axis-2', host: '127.0.0.1', port: cam.port }], community: 'guess', intervalS: 3600, timeoutMs: 200, clock: systemClock, logger })
    cleanups.push(() => wrong.stop())
    await wrong.pollAll(other.intake)
    expect(other.buffered()).toEqual([])
  })

  it('reads free memory only from a sound hrStorageRam row', () => {
    const entry = (column: number, index: number, value: number | string) => ({ oid: `${HR_STORAGE_ENTRY}.${column}.${index}`, type: 0, value }) as unknown as Varbind
    const table = (type: string, size: number, used: number) => [entry(2, 4, type), entry(5, 4, size), entry(6, 4, used)]
    expect(memoryFreePct(table(HR_STORAGE_RAM, 3, 1))).toBe(66.67)
    expect(memoryFreePct([...table('1.3.6.1.2.1.25.2.1.4', 100, 99), entry(2, 7, HR_STORAGE_RAM), entry(5, 7, 1000), entry(6, 7, 900)])).toBe(10)
    expect(memoryFreePct([])).toBeUndefined()
    expect(memoryFreePct(table('1.3.6.1.2.1.25.2.1.4', 100, 10))).toBeUndefined()
    expect(memoryFreePct(table(HR_STORAGE_RAM, 0, 0))).toBeUndefined()
    expect(memoryFreePct(table(HR_STORAGE_RAM, 100, 120))).toBeUndefined()
  })

  it('reads its targets from the command line and refuses bad ones', () => {
    expect(parseSnmpTargets('lobby-1=10.0.4.21, gate-2=cam-2.site.lan:1161,v6=[fe80::1]:162')).toEqual([
      { cameraId: 'lobby-1', host: '10.0.4.21', port: 161 },
      { cameraId: 'gate-2', host: 'cam-2.site.lan', port: 1161 },
      { cameraId: 'v6', host: 'fe80::1', port: 162 },
    ])
    for (const bad of ['', 'lobby-1', 'lobby-1=', 'a=h:0', 'a=h:70000', 'a=h b', 'a=h,a=k']) expect(typeof parseSnmpTargets(bad), bad).toBe('string')
    const base = ['--server', 'http://s', '--token', 't', '--buffer', 'b']
    expect(parseAgentArgs([...base, '--snmp', 'c1=10.0.0.5', '--snmp-community', 'ro', '--snmp-interval', '15'], {})).toMatchObject({
      snmp: { targets: [{ cameraId: 'c1', host: '10.0.0.5', port: 161 }], community: 'ro', intervalS: 15 },
    })
    expect(parseAgentArgs(base, {})).toMatchObject({ snmp: undefined })
    expect(() => parseAgentArgs([...base, '--snmp', 'c1'], {})).toThrow(/--snmp: 'c1' is not id=host\[:port\]/)
    expect(() => parseAgentArgs([...base, '--snmp', 'c1=h', '--snmp-interval', '0'], {})).toThrow(/--snmp-interval/)
  })
})
