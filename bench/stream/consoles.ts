/**
 * The consoles of the stream bench, in a process of their own (forked by bench/stream.ts,
 * commands over IPC). One console in `sampleEvery` parses every event, checks that ids follow
 * each other with no gap or repeat, and records the latency of telemetry events: arrival time
 * minus the report's `ts`, which the load generator sets to the moment it sent the report (the
 * same machine clock in both processes). The others only read the last event id of each frame
 * (one search from the end): without filters, and with the log's consecutive ids (a write
 * that fails gives its ids back), that id tells how many events a console has had. Parsing a
 * million events a second would measure this process rather than the server.
 *
 * The sampled consoles (and the replay's) use `ws`, as a client of camtel would; the others use
 * `LightConsole` (light-console.ts), which makes no garbage per frame. All of them share this one
 * process, where a real console has a machine of its own: with `ws` everywhere, this process's
 * garbage collection took most of its CPU and every frame of every console waited behind it.
 */
import { WebSocket } from 'ws'
import { LightConsole } from './light-console.js'

interface Console {
  close(): void
  sampled: boolean
  ready: boolean
  events: number
  lastId: number
  gaps: number
  closed: number | undefined
  /** `ts` of the last batch whose arrival was recorded. */
  lastTs: string | undefined
}

type Message = { type: string; id: number; topic?: string; ts?: string }

const LAST_EVENT = Buffer.from('{"type":"event","id":')
const REPLAYED = Buffer.from('"type":"replayed"')
/** Latency histogram: 0.05 ms buckets up to 10 s. */
const BUCKETS_PER_MS = 20
const hist = new Uint32Array(10_000 * BUCKETS_PER_MS)
let samples = 0
let measureFrom = Number.POSITIVE_INFINITY
let frames = 0
/** Frames of the sampled consoles, and how many of those held several messages. */
let sampledFrames = 0
let arrayFrames = 0
let consoles: Console[] = []
/** Per batch (its reports' `ts`), when its first event reached each sampled console. */
const arrivals = new Map<string, number[]>()

const wallNow = () => performance.timeOrigin + performance.now()

/** The id of the last event in a frame, or undefined when it holds none. */
function lastEventId(data: Buffer): number | undefined {
  const at = data.lastIndexOf(LAST_EVENT)
  if (at === -1) return undefined
  return Number.parseInt(data.toString('latin1', at + LAST_EVENT.length, at + LAST_EVENT.length + 20), 10)
}

function messagesOf(data: Buffer): Message[] {
  const parsed = JSON.parse(data.toString()) as Message | Message[]
  return Array.isArray(parsed) ? parsed : [parsed]
}

/**
 * Sampled frames, with their arrival times, parsed once the sockets ready now have been read:
 * parsing one in the middle of a burst would delay every console read after it, and the
 * latency measured would be this process's own.
 */
let toParse: Array<{ c: Console; data: Buffer; at: number }> = []

function receive(c: Console, data: Buffer): void {
  const now = wallNow()
  frames++
  if (!c.ready) return parse(c, data, now)
  if (!c.sampled) {
    const id = lastEventId(data)
    if (id === undefined) return
    c.events += id - c.lastId
    c.lastId = id
    return
  }
  if (toParse.length === 0) setImmediate(parseReceived)
  toParse.push({ c, data, at: now })
}

function parseReceived(): void {
  const list = toParse
  toParse = []
  for (const { c, data, at } of list) parse(c, data, at)
}

function parse(c: Console, data: Buffer, now: number): void {
  const messages = messagesOf(data)
  if (c.sampled && c.ready) {
    sampledFrames++
    if (messages.length > 1) arrayFrames++
  }
  for (const m of messages) {
    if (m.type === 'reset') {
      c.ready = true
      c.lastId = m.id
      continue
    }
    if (m.type !== 'event') continue
    c.events++
    if (m.id !== c.lastId + 1) c.gaps++
    c.lastId = m.id
    if (m.topic !== 'telemetry' || m.ts === undefined) continue
    const sent = Date.parse(m.ts)
    if (sent < measureFrom) continue
    if (m.ts !== c.lastTs) {
      c.lastTs = m.ts
      const list = arrivals.get(m.ts)
      if (list) list.push(now)
      else arrivals.set(m.ts, [now])
    }
    hist[Math.min(hist.length - 1, Math.max(0, Math.round((now - sent) * BUCKETS_PER_MS)))]!++
    samples++
  }
}

function percentile(p: number): number {
  const target = Math.ceil(p * samples)
  let seen = 0
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i] as number
    if (seen >= target) return i / BUCKETS_PER_MS
  }
  return Number.NaN
}

function connect(url: string, token: string, sampled: boolean, onOpen: (ws: WebSocket) => void): Console & { ws: WebSocket } {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/stream?token=${encodeURIComponent(token)}`, {
    perMessageDeflate: false,
    // The bench measures the server: the consoles' own checks are kept to counting and ids.
    skipUTF8Validation: true,
  })
  const c = { ws, close: () => ws.close(), sampled, ready: false, events: 0, lastId: 0, gaps: 0, closed: undefined as number | undefined, lastTs: undefined as string | undefined }
  ws.on('open', () => onOpen(ws))
  ws.on('close', (code) => (c.closed = code))
  ws.on('error', (err) => console.error('console error:', err.message))
  return c
}

/** A console of the load (not sampled): `LightConsole`, which makes no garbage per frame. */
function connectLight(url: string, token: string, subscribe: string): Console {
  const c: Console = { close: () => light.close(), sampled: false, ready: false, events: 0, lastId: 0, gaps: 0, closed: undefined, lastTs: undefined }
  const light = new LightConsole(url, token, {
    onOpen: (l) => l.sendText(subscribe),
    // Valid during the call only: the first frame (the reset) is copied before it is parsed.
    onMessage: (data) => receive(c, c.ready ? data : Buffer.from(data)),
    onClose: (code) => (c.closed = code),
  })
  return c
}

async function until(done: () => boolean, what: string, ms = 60_000): Promise<void> {
  const giveUp = Date.now() + ms
  while (!done()) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const commands: Record<string, (a: Record<string, unknown>) => Promise<unknown>> = {
  /** Opens `n` consoles that start at the newest id (reset), with no filters. */
  async open({ url, token, n, sampleEvery }) {
    const subscribe = JSON.stringify({ type: 'subscribe', since: Number.MAX_SAFE_INTEGER })
    for (let i = 0; i < (n as number); i++) {
      // The consoles that measure use \`ws\`, as a client would; the load's others the lighter one.
      let c: Console
      if (i % (sampleEvery as number) === 0) {
        const sampled = connect(url as string, token as string, true, (ws) => ws.send(subscribe))
        sampled.ws.on('message', (data: Buffer) => receive(sampled, data))
        c = sampled
      } else c = connectLight(url as string, token as string, subscribe)
      consoles.push(c)
      // A hundred handshakes at a time, as a thousand browsers would not all open at once either.
      if (i % 100 === 99) await until(() => consoles.every((x) => x.ready), 'consoles to subscribe')
    }
    await until(() => consoles.every((x) => x.ready), 'consoles to subscribe')
    return { resetIds: [...new Set(consoles.map((c) => c.lastId))] }
  },
  async measure({ from }) {
    measureFrom = from as number
    return {}
  },
  async stats() {
    const counts = consoles.map((c) => c.events)
    const sampled = consoles.filter((c) => c.sampled)
    const cpu = process.cpuUsage()
    return {
      consoles: consoles.length,
      open: consoles.filter((c) => c.closed === undefined).length,
      closeCodes: consoles.flatMap((c) => (c.closed === undefined ? [] : [c.closed])),
      eventsMin: Math.min(...counts),
      eventsMax: Math.max(...counts),
      sampledConsoles: sampled.length,
      gaps: sampled.reduce((s, c) => s + c.gaps, 0),
      lastIds: [...new Set(consoles.map((c) => c.lastId))],
      latency: { samples, p50: percentile(0.5), p90: percentile(0.9), p99: percentile(0.99), max: percentile(1) },
      frames,
      sampledFrames,
      arrayFrames,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    }
  },
  /** Arrival at the consoles minus when the sender had the answer to the same batch. */
  async afterAnswer({ answers }) {
    const d: number[] = []
    for (const [ts, list] of arrivals) {
      const answered = (answers as Record<string, number>)[ts]
      if (answered !== undefined) for (const at of list) d.push(at - answered)
    }
    d.sort((a, b) => a - b)
    const at = (p: number) => d[Math.min(d.length - 1, Math.max(0, Math.ceil(p * d.length) - 1))] ?? Number.NaN
    return { n: d.length, p50: at(0.5), p99: at(0.99) }
  },
  async closeAll() {
    for (const c of consoles) c.close()
    await until(() => consoles.every((c) => c.closed !== undefined), 'consoles to close')
    consoles = []
    return {}
  },
  /** One console replays everything after `since` (ids are consecutive), until `replayed`. */
  async replay({ url, token, since }) {
    let last = since as number
    let started = 0
    let finished = 0
    let marker: Message | undefined
    const c = connect(url as string, token as string, false, (ws) => {
      started = performance.now()
      ws.send(JSON.stringify({ type: 'subscribe', since }))
    })
    c.ws.on('message', (data: Buffer) => {
      last = lastEventId(data) ?? last
      if (data.includes(REPLAYED)) {
        finished = performance.now()
        marker = messagesOf(data).find((m) => m.type === 'replayed')
      }
    })
    await until(() => marker !== undefined || c.closed !== undefined, 'the replay', 600_000)
    c.ws.close()
    return { events: last - (since as number), ms: finished - started, markerId: marker?.id, closed: c.closed }
  },
}

process.on('message', (msg: { id: number; cmd: string; args: Record<string, unknown> }) => {
  const run = commands[msg.cmd]
  if (!run) return process.send?.({ id: msg.id, error: `unknown command ${msg.cmd}` })
  run(msg.args).then(
    (result) => process.send?.({ id: msg.id, result }),
    (err: unknown) => process.send?.({ id: msg.id, error: (err as Error).message }),
  )
})

// The parent ends this process with SIGTERM; exiting normally lets --cpu-prof write its file.
process.once('SIGTERM', () => process.exit(0))
