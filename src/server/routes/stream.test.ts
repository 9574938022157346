import { rmSync } from 'node:fs'
import { connect } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EventMessage, ServerMessage } from '../../protocol/stream.js'
import type { StoredEvent } from '../../stream/index.js'
import { logAfter, newest, report, seedSites, send } from '../test-support/stream-fixtures.js'
import { type TestServer, startTestServer } from '../test-support/test-server.js'
import { TestConsole, UpgradeRefused } from '../test-support/ws-console.js'

let t: TestServer
const consoles: TestConsole[] = []

async function open(o: Parameters<typeof TestConsole.open>[1] = {}): Promise<TestConsole> {
  const c = await TestConsole.open(t, o)
  consoles.push(c)
  return c
}

/** Subscribes with `since` = the newest id and waits for `replayed`: from then on the filters hold. */
async function subscribed(c: TestConsole, filter: Record<string, unknown> = {}): Promise<number> {
  const since = await newest(t)
  c.send({ type: 'subscribe', ...filter, since })
  await c.until(() => c.messages.some((m) => m.type === 'replayed' && m.id === since), `replayed ${since}`)
  return since
}

const ids = (events: readonly { id: number }[]) => events.map((e) => e.id)

beforeEach(async () => {
  t = await startTestServer()
  await seedSites(t)
})
afterEach(async () => {
  for (const c of consoles.splice(0)) c.close()
  await t.close()
})

describe('GET /api/v1/stream', () => {
  it('sends nothing before the first subscribe, then delivers an accepted report as an event', async () => {
    const c = await open()
    await send(t, [report('n-1')])
    const since = await subscribed(c)
    expect(c.messages).toEqual([{ type: 'replayed', id: since }])

    const r = report('n-2', { recording: 1 })
    await send(t, [r])
    await c.until(() => c.events().some((e) => e.topic === 'status'), 'the status event')
    const [telemetry, status] = c.events()
    expect(telemetry).toEqual({
      type: 'event',
      id: since + 1,
      topic: 'telemetry',
      cameraId: 'n-2',
      siteId: 'north',
      ts: r.ts,
      data: { seq: r.seq, ts: r.ts, metrics: r.metrics },
    })
    expect(status).toEqual({ type: 'event', id: since + 2, topic: 'status', cameraId: 'n-2', siteId: 'north', ts: r.ts, data: { status: 'ok', previous: 'unknown' } })
  })

  it('streams live from a subscribe without since', async () => {
    const c = await open()
    c.send({ type: 'subscribe', topics: ['telemetry'] })
    // The subscribe travels on another connection than the reports: send until one lands.
    for (let i = 0; i < 50 && c.events().length === 0; i++) {
      await send(t, [report('s-1')])
      await new Promise((r) => setImmediate(r))
    }
    await c.until(() => c.events().length > 0, 'a live event')
    const log = (await logAfter(t, 0)).filter((e) => e.topic === 'telemetry')
    const first = c.events()[0] as EventMessage
    // Every live event after the first, in order, none missing.
    await c.untilEvent(log.at(-1)!.id)
    expect(c.eventIds()).toEqual(ids(log.filter((e) => e.id >= first.id)))
  })

  it('replays exactly the missed events after a reconnect, then replayed, then live, none twice', async () => {
    const a = await open()
    await subscribed(a)
    await send(t, [report('n-1'), report('s-1')])
    const seenUpTo = await newest(t)
    await a.untilEvent(seenUpTo)
    a.close()
    await a.untilClosed()

    for (let i = 0; i < 20; i++) await send(t, ['n-1', 'n-2', 'n-3', 's-1', 's-2'].map((c) => report(c)))
    const beforeReconnect = await newest(t)
    const b = await open()
    b.send({ type: 'subscribe', since: seenUpTo })
    // More arrive while the replay runs.
    for (let i = 0; i < 10; i++) await send(t, [report('n-1'), report('s-2')])
    const end = await newest(t)
    await b.untilEvent(end)
    // The replay may reach the events sent during it; its marker then follows them.
    await b.untilMessage('replayed')

    expect(b.eventIds()).toEqual(ids(await logAfter(t, seenUpTo)))
    const markers = b.messages.filter((m) => m.type === 'replayed')
    expect(markers).toHaveLength(1)
    const at = b.messages.findIndex((m) => m.type === 'replayed')
    const marker = markers[0] as { id: number }
    const replayed = b.messages.slice(0, at) as EventMessage[]
    const live = b.messages.slice(at + 1) as EventMessage[]
    expect(replayed.at(-1)?.id).toBe(marker.id)
    // All 100 missed reports' events were in the log before the subscribe: they are replayed.
    expect(marker.id).toBeGreaterThanOrEqual(beforeReconnect)
    expect(live.every((e) => e.type === 'event' && e.id > marker.id)).toBe(true)
  })

  it('replays to several consoles at once, page after page read ahead, each exactly its own missed events', async () => {
    // Pages of 7 events: a replay of a few hundred is dozens of pages, read ahead in the
    // store's replay thread while the stream sends, for five consoles at a time.
    await t.close()
    t = await startTestServer({}, { stream: { replayPageSize: 7 } })
    await seedSites(t)
    const cameras = ['n-1', 'n-2', 'n-3', 's-1', 's-2']
    for (let i = 0; i < 60; i++) await send(t, cameras.map((c) => report(c)))
    const top = await newest(t)
    const starts = [0, 1, 37, Math.floor(top / 2), top - 8]
    const replaying = await Promise.all(starts.map(() => open()))
    replaying.forEach((c, i) => c.send({ type: 'subscribe', since: starts[i] }))
    // More arrive while they replay.
    for (let i = 0; i < 5; i++) await send(t, cameras.map((c) => report(c)))
    const end = await newest(t)
    await Promise.all(replaying.map(async (c) => {
      await c.untilEvent(end)
      await c.untilMessage('replayed')
    }))
    const log = await logAfter(t, 0)
    // Every id from 1, each once: nothing here leaves a gap in the log.
    expect(ids(log)).toEqual(Array.from({ length: end }, (_, i) => i + 1))
    replaying.forEach((c, i) => {
      expect(c.eventIds()).toEqual(ids(log.filter((e) => e.id > (starts[i] as number))))
      expect(c.messages.filter((m) => m.type === 'replayed')).toHaveLength(1)
    })
  })

  it('replays exactly the missed events across a server restart on the same data folder, then live, none twice', async () => {
    const a = await open()
    await subscribed(a)
    await send(t, [report('n-1'), report('s-1')])
    const seenUpTo = await newest(t)
    await a.untilEvent(seenUpTo)
    const missed = Array.from({ length: 100 }, (_, i) => report(['n-1', 'n-2', 'n-3', 's-1', 's-2'][i % 5] as string))
    for (let i = 0; i < 100; i += 10) await send(t, missed.slice(i, i + 10))
    const beforeRestart = ids(await logAfter(t, seenUpTo))
    // The server stops (consoles get 1001) and starts again on the same data folder.
    const dataDir = t.dataDir
    await t.close({ keepData: true })
    expect(await a.untilClosed()).toBe(1001)
    t = await startTestServer({}, { dataDir })
    try {
      const b = await open()
      b.send({ type: 'subscribe', since: seenUpTo })
      for (let i = 0; i < 10; i++) await send(t, [report('n-1'), report('s-2')])
      const end = await newest(t)
      await b.untilEvent(end)
      await b.untilMessage('replayed')

      const all = ids(await logAfter(t, seenUpTo))
      expect(all.slice(0, beforeRestart.length)).toEqual(beforeRestart)
      expect(b.eventIds()).toEqual(all)
      const at = b.messages.findIndex((m) => m.type === 'replayed')
      const replayed = b.messages.slice(0, at) as EventMessage[]
      expect(b.messages.filter((m) => m.type === 'replayed' || m.type === 'reset')).toHaveLength(1)
      // Every missed report is among the replayed events, once, with its data as sent.
      const telemetry = replayed.filter((e) => e.topic === 'telemetry').map((e) => e.data as { seq: number; metrics: unknown })
      for (const r of missed) expect(telemetry.filter((d) => d.seq === r.seq)).toEqual([{ seq: r.seq, ts: r.ts, metrics: r.metrics }])
      expect(b.messages.slice(at + 1).every((m) => m.type === 'event' && m.id > (b.messages[at] as { id: number }).id)).toBe(true)
    } finally {
      await t.close()
      rmSync(dataDir, { recursive: true, force: true })
      t = await startTestServer()
    }
  })

  it('answers reset when since is older than the window or above the newest id, and replays inside it', async () => {
    await t.close()
    t = await startTestServer({ replayEvents: 20 })
    await seedSites(t)
    for (let i = 0; i < 6; i++) await send(t, ['n-1', 'n-2', 'n-3', 's-1', 's-2'].map((c) => report(c)))
    await t.server.events.settled()
    const w = await t.server.eventLog.window()
    expect(w.newest - w.oldest + 1).toBe(20)

    const tooOld = await open()
    tooOld.send({ type: 'subscribe', since: w.oldest - 2 })
    const ahead = await open()
    ahead.send({ type: 'subscribe', since: w.newest + 5 })
    const inside = await open()
    inside.send({ type: 'subscribe', since: w.oldest - 1 })
    const current = await open()
    current.send({ type: 'subscribe', since: w.newest })
    const window = ids(await logAfter(t, w.oldest - 1))
    expect(window).toHaveLength(20)
    for (const c of [tooOld, ahead]) await c.untilMessage('reset')
    await inside.untilMessage('replayed')
    await current.untilMessage('replayed')

    await send(t, [report('n-1')])
    const end = await newest(t)
    for (const c of [tooOld, ahead, inside, current]) await c.untilEvent(end)
    const live = ids(await logAfter(t, w.newest))
    for (const c of [tooOld, ahead]) {
      expect(c.messages[0]).toEqual({ type: 'reset', id: w.newest })
      expect(c.eventIds()).toEqual(live)
    }
    expect(inside.eventIds()).toEqual([...window, ...live])
    expect(inside.messages[20]).toEqual({ type: 'replayed', id: w.newest })
    expect(current.messages[0]).toEqual({ type: 'replayed', id: w.newest })
    expect(current.eventIds()).toEqual(live)
  })

  it('holds site, camera and topic filters, in replay and live; a second subscribe replaces them', async () => {
    const start = await newest(t)
    const bySite = await open()
    await subscribed(bySite, { sites: ['south'] })
    const byCamera = await open()
    await subscribed(byCamera, { cameras: ['n-2'], topics: ['telemetry'] })
    const byTopic = await open()
    await subscribed(byTopic, { topics: ['status'] })
    for (let i = 0; i < 3; i++) await send(t, ['n-1', 'n-2', 'n-3', 's-1', 's-2'].map((c) => report(c)))
    const replaying = await open()
    replaying.send({ type: 'subscribe', cameras: ['s-1', 'n-3'], topics: ['telemetry'], since: start })

    const log = await logAfter(t, start)
    const expected = {
      bySite: log.filter((e) => e.siteId === 'south'),
      byCamera: log.filter((e) => e.cameraId === 'n-2' && e.topic === 'telemetry'),
      byTopic: log.filter((e) => e.topic === 'status'),
      replaying: log.filter((e) => (e.cameraId === 's-1' || e.cameraId === 'n-3') && e.topic === 'telemetry'),
    }
    for (const [name, c] of Object.entries({ bySite, byCamera, byTopic, replaying })) {
      const want = expected[name as keyof typeof expected]
      expect(want.length, name).toBeGreaterThan(2)
      await c.untilEvent(want.at(-1)!.id)
      expect(c.eventIds(), name).toEqual(ids(want))
    }

    const switched = await subscribed(bySite, { sites: ['north'] })
    await send(t, [report('s-1'), report('n-1')])
    const after = await logAfter(t, switched)
    const north = after.filter((e) => e.siteId === 'north')
    await bySite.untilEvent(north.at(-1)!.id)
    expect(bySite.eventIds()).toEqual([...ids(expected.bySite), ...ids(north)])
  })

  it("never sends a viewer limited to north any of south's events, whatever it asks for", async () => {
    const res = await t.api('/api/v1/tokens', { method: 'POST', json: { name: 'north viewer', role: 'viewer', sites: ['north'] } })
    const { token } = (await res.json()) as { token: string }
    const start = await newest(t)
    await send(t, [report('s-1'), report('n-1')])
    const live = await newest(t)
    const plain = await open({ token })
    await subscribed(plain)
    const asksSouth = await open({ token })
    await subscribed(asksSouth, { sites: ['south', 'north'] })
    const asksCamera = await open({ token })
    await subscribed(asksCamera, { cameras: ['s-2', 'n-3'] })
    const replay = await open({ token })
    replay.send({ type: 'subscribe', since: start })
    for (let i = 0; i < 3; i++) await send(t, ['n-1', 'n-2', 'n-3', 's-1', 's-2'].map((c) => report(c)))
    const end = await newest(t)
    const log = await logAfter(t, start)
    const north = log.filter((e) => e.siteId === 'north')
    const cases: Array<[TestConsole, StoredEvent[]]> = [
      [plain, north.filter((e) => e.id > live)],
      [asksSouth, north.filter((e) => e.id > live)],
      [asksCamera, north.filter((e) => e.id > live && e.cameraId === 'n-3')],
      [replay, north],
    ]
    for (const [c, want] of cases) {
      await c.untilEvent(want.at(-1)!.id)
      expect(c.eventIds()).toEqual(ids(want))
      expect(c.events().some((e) => e.siteId !== 'north')).toBe(false)
    }
    expect(log.some((e) => e.siteId === 'south' && e.id <= end)).toBe(true)
  })

  it('refuses the upgrade with 401 for a wrong or missing credential and 403 for an ingest token: no stream', async () => {
    const refusal = (o: Parameters<typeof TestConsole.open>[1]) =>
      TestConsole.open(t, o).then(
        (c) => (c.close(), 'opened'),
        (err: unknown) => (err instanceof UpgradeRefused ? err.status : err),
      )
    expect(await refusal({ token: 'ct_wrong' })).toBe(401)
    expect(await refusal({ token: null })).toBe(401)
    expect(await refusal({ token: null, headers: { authorization: 'Bearer ct_wrong' } })).toBe(401)
    const res = await t.api('/api/v1/tokens', { method: 'POST', json: { name: 'ingest', role: 'ingest' } })
    const { token } = (await res.json()) as { token: string }
    expect(await refusal({ token })).toBe(403)
    expect(t.server.stream.size).toBe(0)
  })

  it('answers a refused upgrade and then closes its socket, even when the client keeps it open', async () => {
    const { port } = new URL(t.url)
    const socket = connect(Number(port), '127.0.0.1')
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()))
    const closed = new Promise((resolve) => socket.once('close', resolve))
    socket.write(
      'GET /api/v1/stream?token=ct_wrong HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    )
    await closed
    expect(answer).toMatch(/^HTTP\/1.1 401/)
    expect(answer).toContain('"code":"unauthorized"')
  })

  it('accepts a bearer header or a session cookie on the upgrade', async () => {
    const byHeader = await open({ token: null, headers: { authorization: `Bearer ${'ct_test-admin-token'}` } })
    await subscribed(byHeader)
    await t.api('/api/v1/users', { method: 'POST', json: { username: 'ana', password: 'a long password', role: 'viewer' } })
    const login = await t.api('/api/v1/login', { method: 'POST', json: { username: 'ana', password: 'a long password' }, token: null })
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string
    expect(cookie).toMatch(/^camtel_session=/)
    const bySession = await open({ token: null, headers: { cookie } })
    await subscribed(bySession)
  })

  it('answers a bad message with an error frame and keeps the connection', async () => {
    const c = await open()
    const bad: unknown[] = [
      'not json',
      '[1,2]',
      { type: 'hello' },
      { type: 'subscribe', topics: ['weather'] },
      { type: 'subscribe', topics: [] },
      { type: 'subscribe', since: -1 },
      { type: 'subscribe', since: 1.5 },
      { type: 'subscribe', sites: ['bad site'] },
      { type: 'subscribe', colour: 'red' },
    ]
    for (const m of bad) c.send(m)
    c.socket.send(Buffer.from([1, 2, 3]), { binary: true })
    await c.until(() => c.messages.length === bad.length + 1, 'an answer to each message')
    const codes = c.messages.map((m) => (m as Extract<ServerMessage, { type: 'error' }>).error.code)
    expect(codes).toEqual([
      'invalid_json',
      'invalid_message',
      'unknown_type',
      'invalid_subscribe',
      'invalid_subscribe',
      'invalid_subscribe',
      'invalid_subscribe',
      'invalid_subscribe',
      'invalid_subscribe',
      'invalid_message',
    ])
    expect((c.messages[8] as Extract<ServerMessage, { type: 'error' }>).error.message).toMatch(/colour/)
    await subscribed(c)
    await send(t, [report('n-1')])
    await c.untilEvent(await newest(t))
  })

  it("shows the event log's replay window on /metrics", async () => {
    await send(t, [report('n-1'), report('s-1')])
    await t.server.events.settled()
    const w = await t.server.eventLog.window()
    expect(w.newest).toBeGreaterThanOrEqual(2)
    const text = await (await t.api('/metrics')).text()
    expect(text).toMatch(new RegExp(`^camtel_event_log_newest_id ${w.newest}$`, 'm'))
    expect(text).toMatch(new RegExp(`^camtel_event_log_oldest_id ${w.oldest}$`, 'm'))
    expect(text).toMatch(new RegExp(`^camtel_event_log_events ${w.newest - w.oldest + 1}$`, 'm'))
  })

  it('answers a plain GET without an upgrade with 400', async () => {
    const res = await t.api('/api/v1/stream')
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upgrade_required')
  })
})

describe('GET /api/v1/stream credentials', () => {
  it('closes a stream with 4401 once its token is revoked', async () => {
    await t.close()
    t = await startTestServer({}, { stream: { heartbeatMs: 20 } })
    const res = await t.api('/api/v1/tokens', { method: 'POST', json: { name: 'viewer', role: 'viewer' } })
    const { id, token } = (await res.json()) as { id: string; token: string }
    const c = await open({ token })
    await subscribed(c)
    expect((await t.api(`/api/v1/tokens/${id}`, { method: 'DELETE' })).status).toBe(204)
    expect(await c.untilClosed()).toBe(4401)
  })
})
