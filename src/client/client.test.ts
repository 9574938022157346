import { rmSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EventMessage } from '../protocol/stream.js'
import { logAfter, newest, report, seedSites, send } from '../server/test-support/stream-fixtures.js'
import { ADMIN_TOKEN, type TestServer, startTestServer } from '../server/test-support/test-server.js'
import { eventually } from '../server/test-support/ws-console.js'
import { systemClock } from '../core/clock.js'
import { MemoryEventLog, restartSafeFirstId } from '../stream/index.js'
import { CamtelApiError, CamtelClient, type ConnectionState, type StreamClient } from './index.js'

let t: TestServer
let client: CamtelClient
let stream: StreamClient | undefined
const cleanups: Array<() => void> = []

beforeEach(async () => {
  t = await startTestServer()
  await seedSites(t)
  client = new CamtelClient({ baseUrl: t.url, token: ADMIN_TOKEN })
})
afterEach(async () => {
  stream?.close()
  stream = undefined
  await t.close()
  for (const c of cleanups.splice(0)) c()
})

describe('CamtelClient REST', () => {
  it('reads sites, cameras, the summary and series, and sends telemetry', async () => {
    const r = report('n-1')
    expect(await client.sendTelemetry([r, report('s-1')])).toEqual({ accepted: 2, duplicates: 0, rejected: [] })
    expect((await client.sites()).map((s) => s.id)).toEqual(['north', 'south', 'unassigned'])
    expect(await client.site('north')).toMatchObject({ id: 'north', name: 'North depot' })
    const north = await client.cameras({ site: 'north' })
    expect(north.cameras.map((c) => c.id)).toEqual(['n-1', 'n-2', 'n-3'])
    const all: string[] = []
    for await (const c of client.allCameras({ limit: 2 })) all.push(c.id)
    expect(all).toEqual(['n-1', 'n-2', 'n-3', 's-1', 's-2'])
    expect(await client.camera('n-1')).toMatchObject({ id: 'n-1', siteId: 'north', status: 'ok', metrics: { fps: 25, temperature_c: 40, online: 1 } })
    expect(await client.summary()).toMatchObject({ cameras: 5, byStatus: { ok: 2, unknown: 3 } })
    const series = await client.series('n-1', { metric: 'fps', from: new Date(Date.now() - 60_000), to: new Date() })
    expect(series).toMatchObject({ cameraId: 'n-1', metric: 'fps', tier: 'raw', points: [[Date.parse(r.ts), 25]] })
  })

  it('turns error answers into CamtelApiError with status and code', async () => {
    await expect(client.camera('nowhere')).rejects.toMatchObject({ name: 'CamtelApiError', status: 404, code: 'not_found' })
    const stranger = new CamtelClient({ baseUrl: `${t.url}/`, token: 'ct_wrong' })
    const err = await stranger.summary().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CamtelApiError)
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' })
  })
})

/** Reconnects wait for the test to let them go, so that events can be sent in between. */
function gatedStream(c: CamtelClient, o: Parameters<CamtelClient['stream']>[0] = {}) {
  const gate: Array<() => void> = []
  const events: EventMessage[] = []
  const states: ConnectionState[] = []
  const resets: number[] = []
  const s = c.stream({ ...o, schedule: (fn) => (gate.push(fn), () => undefined) })
  s.on('event', (e) => events.push(e))
  s.on('state', (st) => states.push(st))
  s.on('reset', (r) => resets.push(r.id))
  stream = s
  return { s, gate, events, states, resets }
}

describe('CamtelClient stream', () => {
  it('starts with reset at the newest id, then delivers typed events of its filters', async () => {
    await send(t, [report('n-1')])
    const start = await newest(t)
    const g = gatedStream(client, { sites: ['south'], topics: ['status'] })
    const statuses: string[] = []
    g.s.onTopic('status', (e) => statuses.push(`${e.cameraId} ${e.data.previous}->${e.data.status}`))
    await eventually(() => g.s.state === 'live', 'live')
    expect(g.resets).toEqual([start])
    await send(t, [report('s-1'), report('n-2'), report('s-2')])
    await eventually(() => statuses.length === 2, 'two status events')
    expect(statuses).toEqual(['s-1 unknown->ok', 's-2 unknown->ok'])
    expect(g.states).toEqual(['replaying', 'live'])
  })

  it('resumes from its last id after the connection drops: exactly the missed events, in order', async () => {
    const g = gatedStream(client)
    await eventually(() => g.s.state === 'live', 'live')
    const start = g.resets[0] as number
    await send(t, [report('n-1'), report('s-1')])
    await eventually(async () => g.events.at(-1)?.id === (await newest(t)), 'the first events')

    t.server.stream.disconnectAll()
    await eventually(() => g.gate.length === 1, 'a scheduled reconnect')
    for (let i = 0; i < 10; i++) await send(t, [report('n-2'), report('s-2'), report('n-3')])
    g.gate.shift()?.()
    await eventually(() => g.s.state === 'live', 'live again')
    await send(t, [report('n-1')])
    const end = await newest(t)
    await eventually(() => g.events.at(-1)?.id === end, 'the last event')

    expect(g.events.map((e) => e.id)).toEqual((await logAfter(t, start)).map((e) => e.id))
    expect(g.states).toEqual(['replaying', 'live', 'reconnecting', 'replaying', 'live'])
    expect(g.resets).toHaveLength(1)
  })

  it('gets reset, never a silent gap, when the server restarts with an in-memory log', async () => {
    // The server's own log is durable (next test); an in-memory one starts empty after a restart.
    await restart(memoryLog())
    const g = gatedStream(client)
    await eventually(() => g.s.state === 'live', 'live')
    await send(t, [report('n-1')])
    await eventually(async () => g.events.at(-1)?.id === (await newest(t)), 'an event')
    const restarted = await restart(memoryLog())
    await send(restarted, [report('n-1'), report('s-1')])
    g.gate.shift()?.()
    await eventually(() => g.resets.length === 2, 'reset after the restart')
    expect(g.resets[1]).toBe(await newest(restarted))
    await send(restarted, [report('s-2')])
    const end = await newest(restarted)
    await eventually(() => g.events.at(-1)?.id === end, 'live events after the reset')
  })

  it('resumes exactly across a server restart on the same data folder (durable event log)', async () => {
    expect(t.server.eventLog).not.toBeInstanceOf(MemoryEventLog)
    const g = gatedStream(client)
    await eventually(() => g.s.state === 'live', 'live')
    const start = g.resets[0] as number
    await send(t, [report('n-1')])
    await eventually(async () => g.events.at(-1)?.id === (await newest(t)), 'an event')
    const restarted = await restart()
    for (let i = 0; i < 10; i++) await send(restarted, [report('n-2'), report('s-2')])
    g.gate.shift()?.()
    await eventually(() => g.s.state === 'live', 'live again')
    await send(restarted, [report('s-1')])
    const end = await newest(restarted)
    await eventually(() => g.events.at(-1)?.id === end, 'the last event')
    expect(g.events.map((e) => e.id)).toEqual((await logAfter(restarted, start)).map((e) => e.id))
    expect(g.resets).toHaveLength(1)
  })
})

/**
 * Stops the server (consoles get 1001) and starts it again on the same port and data folder,
 * with its own durable event log or the one given.
 */
async function restart(eventLog?: MemoryEventLog): Promise<TestServer> {
  const { port } = new URL(t.url)
  const dataDir = t.dataDir
  await t.close({ keepData: true })
  t = await startTestServer({ port: Number(port) }, { dataDir, eventLog })
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  return t
}

/** An in-memory log as the server would make one: ids start above any of an earlier run. */
function memoryLog(): MemoryEventLog {
  return new MemoryEventLog({ clock: systemClock, maxEvents: 1_000_000, maxAgeMs: 86_400_000, firstId: restartSafeFirstId(Date.now()) })
}
