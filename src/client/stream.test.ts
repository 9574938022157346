import { readFileSync, readdirSync } from 'node:fs'
import { beforeEach, describe, expect, it } from 'vitest'
import { StreamClient, type ConnectionState, type StreamError, type WebSocketLike } from './stream.js'

/** A WebSocket the test drives by hand: no network, no timers. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = []
  readyState = 0
  readonly sent: Array<Record<string, unknown>> = []
  closedWith: { code?: number; reason?: string } | undefined
  private readonly listeners: Record<string, Array<(ev: never) => void>> = { open: [], message: [], close: [], error: [] }

  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }
  addEventListener(type: string, listener: (ev: never) => void): void {
    this.listeners[type]?.push(listener)
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>)
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason }
    this.readyState = 3
  }
  open(): void {
    this.readyState = 1
    for (const l of this.listeners.open ?? []) (l as () => void)()
  }
  message(m: unknown): void {
    for (const l of this.listeners.message ?? []) (l as (ev: { data: unknown }) => void)({ data: typeof m === 'string' ? m : JSON.stringify(m) })
  }
  drop(code: number, reason = ''): void {
    this.readyState = 3
    for (const l of this.listeners.close ?? []) (l as (ev: { code: number; reason: string }) => void)({ code, reason })
  }
}

const ev = (id: number, topic = 'status', data: unknown = { status: 'ok', previous: 'unknown' }) => ({ type: 'event', id, topic, cameraId: 'c-1', siteId: 's', ts: '2026-11-24T12:00:00.000Z', data })

let retries: Array<{ fn: () => void; ms: number }>
let states: ConnectionState[]
let ids: number[]
let errors: StreamError[]

function client(o: Partial<ConstructorParameters<typeof StreamClient>[0]> = {}): StreamClient {
  const c = new StreamClient({
    url: 'ws://camtel.test/api/v1/stream?token=t',
    WebSocket: FakeSocket,
    random: () => 0.5,
    backoff: { initialMs: 100, maxMs: 1000 },
    schedule: (fn, ms) => {
      const entry = { fn, ms }
      retries.push(entry)
      return () => void retries.splice(retries.indexOf(entry), 1)
    },
    ...o,
  })
  c.on('state', (s) => states.push(s))
  c.on('event', (e) => ids.push(e.id))
  c.on('error', (e) => errors.push(e))
  return c
}
const socket = (i = -1) => FakeSocket.all.at(i) as FakeSocket

beforeEach(() => {
  FakeSocket.all = []
  retries = []
  states = []
  ids = []
  errors = []
})

describe('StreamClient', () => {
  it('starts by asking for reset (above any id), with its filters, and goes live on it', () => {
    const c = client({ topics: ['status'], sites: ['north'] })
    const resets: number[] = []
    c.on('reset', (r) => resets.push(r.id))
    expect(c.state).toBe('connecting')
    socket().open()
    expect(socket().sent).toEqual([{ type: 'subscribe', topics: ['status'], sites: ['north'], since: Number.MAX_SAFE_INTEGER }])
    socket().message({ type: 'reset', id: 41 })
    expect(resets).toEqual([41])
    expect(c.lastId).toBe(41)
    expect(states).toEqual(['replaying', 'live'])
  })

  it('takes plain and array frames, in order, each event once, typed per topic', () => {
    const c = client({ since: 10 })
    const statuses: string[] = []
    c.onTopic('status', (e) => statuses.push(`${e.id}:${e.data.status}`))
    socket().open()
    expect(socket().sent[0]).toMatchObject({ since: 10 })
    socket().message(ev(11))
    socket().message([ev(12), ev(13, 'telemetry', { seq: 1, ts: 'x', metrics: {} }), { type: 'replayed', id: 13 }, ev(14)])
    socket().message([ev(13), ev(14), ev(15)])
    expect(ids).toEqual([11, 12, 13, 14, 15])
    expect(statuses).toEqual(['11:ok', '12:ok', '14:ok', '15:ok'])
    expect(c.state).toBe('live')
    expect(c.lastId).toBe(15)
  })

  it('reconnects with jittered, growing backoff and resumes from the last id', () => {
    const c = client({ since: 0, random: () => 0.999 })
    socket().open()
    socket().message([ev(1), ev(2), { type: 'replayed', id: 2 }])
    const delays: number[] = []
    for (let i = 0; i < 5; i++) {
      socket().drop(1006)
      expect(c.state).toBe('reconnecting')
      expect(retries).toHaveLength(1)
      const { fn, ms } = retries.shift()!
      delays.push(Math.round(ms))
      fn()
    }
    expect(delays).toEqual([100, 200, 400, 799, 999])
    socket().open()
    expect(socket().sent).toEqual([{ type: 'subscribe', since: 2 }])
    socket().message([ev(3), { type: 'replayed', id: 3 }])
    expect(states).toEqual(['replaying', 'live', 'reconnecting', 'replaying', 'live'])
    // Back to the first delay once caught up.
    socket().drop(1001)
    expect(Math.round(retries[0]!.ms)).toBe(100)
    expect(ids).toEqual([1, 2, 3])
  })

  it('draws the jitter between zero and the backoff', () => {
    const draws = [0, 0.25]
    client({ random: () => draws.shift() ?? 0.5 })
    socket().drop(1006)
    retries.shift()!.fn()
    socket().drop(1006)
    expect(retries.map((r) => r.ms)).toEqual([50])
  })

  it('reports lagging and resumes after the 4008 close', () => {
    const c = client({ since: 5 })
    const lagging: number[] = []
    c.on('lagging', (l) => lagging.push(l.id))
    socket().open()
    socket().message([ev(6), { type: 'replayed', id: 6 }, ev(7), { type: 'lagging', id: 7 }])
    socket().drop(4008, 'lagging')
    retries.shift()!.fn()
    socket().open()
    expect(socket().sent).toEqual([{ type: 'subscribe', since: 7 }])
    expect(lagging).toEqual([7])
  })

  it('stops on 4401: the same credentials cannot succeed', () => {
    const c = client()
    socket().open()
    socket().drop(4401, 'credentials revoked or expired')
    expect(c.state).toBe('closed')
    expect(retries).toEqual([])
    expect(errors).toEqual([{ code: 'unauthorized', message: 'credentials revoked or expired' }])
  })

  it('resubscribes from the last id when the filters change, and ignores what the old filter still sends', () => {
    const c = client({ since: 0, cameras: ['a'] })
    socket().open()
    socket().message([ev(1), { type: 'replayed', id: 1 }])
    c.update({ cameras: ['b'] })
    expect(socket().sent.at(-1)).toEqual({ type: 'subscribe', cameras: ['b'], since: 1 })
    socket().message([ev(1), ev(2), { type: 'replayed', id: 2 }, ev(3)])
    expect(ids).toEqual([1, 2, 3])
  })

  it('closes for good on close(), and passes server errors on', () => {
    const c = client()
    socket().open()
    socket().message({ type: 'error', error: { code: 'invalid_subscribe', message: 'nope' } })
    socket().message('not json')
    c.close()
    expect(socket().closedWith).toEqual({ code: 1000, reason: 'client closed' })
    expect(c.state).toBe('closed')
    socket().drop(1000)
    expect(retries).toEqual([])
    expect(errors.map((e) => e.code)).toEqual(['invalid_subscribe', 'invalid_frame'])
  })
})

describe('camtel/client in a browser bundle', () => {
  it('imports nothing at run time from outside src/client, so ws and server code stay out', () => {
    const dir = new URL('.', import.meta.url)
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const source = readFileSync(new URL(file, dir), 'utf8')
      for (const m of source.matchAll(/^(import|export)\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
        const [, , typeOnly, spec] = m
        if (!typeOnly) expect(spec, `${file} imports ${spec} at run time`).toMatch(/^\.\/[a-z-]+\.js$/)
      }
      expect(source, file).not.toMatch(/import\(\s*'ws'\s*\)|require\(/)
    }
  })
})
