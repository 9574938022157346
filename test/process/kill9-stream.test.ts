import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { startServer, waitHealthy } from './support.js'
import { freePort } from '../../src/core/test-support/ports.js'

const TOKEN = 'ct_kill9-stream-test-token'
const GIVE_UP_MS = 30_000

interface Message {
  type: string
  id: number
  topic?: string
  cameraId?: string
  data?: { seq?: number; ts?: string; metrics?: Record<string, number> }
}

/** A console on the stream over a real socket, recording every message. */
class Console {
  readonly messages: Message[] = []
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const parsed = JSON.parse(String(data)) as Message | Message[]
      this.messages.push(...(Array.isArray(parsed) ? parsed : [parsed]))
    })
  }

  static open(url: string): Promise<Console> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/stream?token=${TOKEN}`)
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new Console(socket)))
      socket.once('error', reject)
    })
  }

  subscribe(since?: number): void {
    this.socket.send(JSON.stringify({ type: 'subscribe', topics: ['telemetry'], since }))
  }

  events(): Message[] {
    return this.messages.filter((m) => m.type === 'event')
  }

  async until(done: () => boolean, what: string): Promise<void> {
    const giveUp = Date.now() + GIVE_UP_MS
    while (!done()) {
      if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(this.messages.slice(-3))}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  close(): void {
    this.socket.terminate()
  }
}

const procs: ChildProcess[] = []
const dirs: string[] = []
const consoles: Console[] = []
afterEach(() => {
  for (const c of consoles.splice(0)) c.close()
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

let seq = 0
const t0 = Date.now() - 3_600_000
function reports(n: number) {
  return Array.from({ length: n }, () => {
    seq++
    return { cameraId: `cam-${seq % 7}`, seq, ts: t0 + seq * 1000, metrics: { fps: 25, temperature_c: 40 + (seq % 7) / 10, disk_used_pct: 71.5 } }
  })
}

async function ingest(url: string, batch: unknown[]): Promise<void> {
  const res = await fetch(`${url}/api/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ reports: batch }),
  })
  expect(await res.json()).toEqual({ accepted: batch.length, duplicates: 0, rejected: [] })
}

describe('the live stream across a SIGKILL', () => {
  it('replays the telemetry events of every acknowledged report after a kill -9, then live, none twice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'camtel-kill9-stream-'))
    dirs.push(dataDir)
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const first = startServer(dataDir, port, TOKEN)
    procs.push(first)
    await waitHealthy(url, first)

    const a = await Console.open(url)
    consoles.push(a)
    a.subscribe()
    await ingest(url, reports(5))
    await a.until(() => a.events().length === 5, 'the first five events')
    const seenUpTo = (a.events().at(-1) as Message).id
    a.close()

    // 100 reports the console misses, acknowledged one batch at a time; the kill comes right after the last answer.
    const missed = reports(100)
    for (let i = 0; i < 100; i += 20) await ingest(url, missed.slice(i, i + 20))
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))

    const second = startServer(dataDir, port, TOKEN)
    procs.push(second)
    await waitHealthy(url, second)
    const b = await Console.open(url)
    consoles.push(b)
    b.subscribe(seenUpTo)
    // More arrive while the replay runs.
    const later = reports(30)
    for (let i = 0; i < 30; i += 10) await ingest(url, later.slice(i, i + 10))
    // The replay may reach the events sent during it; its marker then follows them.
    await b.until(() => b.events().length >= 130 && b.messages.some((m) => m.type === 'replayed' || m.type === 'reset'), '130 events and the marker')

    const at = b.messages.findIndex((m) => m.type === 'replayed')
    expect(at).toBeGreaterThanOrEqual(100)
    expect(b.messages.filter((m) => m.type === 'reset' || m.type === 'replayed')).toHaveLength(1)
    const events = b.events()
    expect(events).toHaveLength(130)
    // Ids strictly increasing: none twice, in order, across replay and live.
    expect(events.every((e, i) => i === 0 || e.id > (events[i - 1] as Message).id)).toBe(true)
    expect(events.map((e) => e.data?.seq)).toEqual([...missed, ...later].map((r) => r.seq))
    // Replayed: the missed reports' events with their data as sent (and those of later ones the replay reached).
    const replayed = b.messages.slice(0, at)
    const sent = [...missed, ...later].map((r) => ({ seq: r.seq, ts: new Date(r.ts).toISOString(), metrics: r.metrics }))
    expect(replayed.map((e) => e.data)).toEqual(sent.slice(0, replayed.length))
    expect((b.messages[at] as Message).id).toBe((replayed.at(-1) as Message).id)
    second.kill('SIGTERM')
  })
})
