import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { type Server, type Socket, connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { axisResponder } from '../../src/agent/sources/test-support/axis-responder.js'
import { freePort } from '../../src/core/test-support/ports.js'

/**
 * The edge agent against real processes: `camtel serve` and `camtel agent` on free ports with
 * their own folders, killed with SIGKILL at awkward moments. Every wait is for a condition,
 * with a deadline; nothing asserts on how long something took.
 */
const ROOT = new URL('../../', import.meta.url).pathname
const ADMIN = 'ct_agent-test-admin'
const T0 = Date.now() - 3_600_000

/**
 * A TCP relay between the agent and the server, so that a test can act at an exact moment of an
 * upload: `trap(act)` holds back the server's next answer to an upload of `cam-*` reports, runs
 * `act` (a SIGKILL) and cuts the connection, so the agent never sees that answer although the
 * server has stored the batch.
 */
class Relay {
  private trapped: (() => void) | undefined
  private readonly sockets = new Set<Socket>()
  private readonly server: Server

  constructor(target: number) {
    this.server = createServer((client) => {
      const upstream = connect(target, '127.0.0.1')
      let upload = false
      const cut = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on('data', (d: Buffer) => {
        if (d.includes('"cam-')) upload = true
        upstream.write(d)
      })
      upstream.on('data', (d: Buffer) => {
        const act = upload ? this.trapped : undefined
        upload = false
        if (act) {
          this.trapped = undefined
          act()
          cut()
        } else if (!client.destroyed) {
          client.write(d)
        }
      })
      for (const sock of [client, upstream]) {
        this.sockets.add(sock)
        sock.on('error', cut)
        sock.on('close', () => {
          this.sockets.delete(sock)
          cut()
        })
      }
    })
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve))
  }

  /** Resolves once `act` ran, on the next answer to an upload of `cam-*` reports. */
  trap(act: () => void): Promise<void> {
    return new Promise((resolve) => {
      this.trapped = () => {
        act()
        resolve()
      }
    })
  }

  close(): Promise<void> {
    for (const sock of this.sockets) sock.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

const procs: ChildProcess[] = []
const dirs: string[] = []
const relays: Relay[] = []
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  for (const r of relays.splice(0)) await r.close()
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGKILL')
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `camtel-${name}-`))
  dirs.push(d)
  return d
}

function camtel(args: string[], env: Record<string, string> = {}): ChildProcess {
  const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, CAMTEL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  procs.push(p)
  return p
}

const serve = (data: string, port: number) => camtel(['serve'], { CAMTEL_DATA: data, CAMTEL_PORT: String(port), CAMTEL_HOST: '127.0.0.1', CAMTEL_ADMIN_TOKEN: ADMIN, CAMTEL_SYNC: 'normal' })

function agent(o: { server: string; token: string; buffer: string; port: number; extra?: string[] }): ChildProcess {
  return camtel([
    'agent', '--server', o.server, '--token', o.token, '--buffer', o.buffer, '--listen', String(o.port), '--name', 'test',
    '--retry-min', '0.1', '--retry-max', '1', '--health-interval', '1', '--log-level', 'warn', '--sync', 'normal', ...(o.extra ?? []),
  ])
}

/** SIGKILLs the process (if a trap has not already) and resolves once it is gone. */
async function kill9(p: ChildProcess): Promise<void> {
  // A process that died of a signal has a signalCode and no exitCode.
  if (p.exitCode !== null || p.signalCode !== null) return
  const exited = new Promise((r) => p.once('exit', r))
  p.kill('SIGKILL')
  await exited
}

// Generous: on a loaded two-core machine a tsx start alone can take many seconds.
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      const v = await probe()
      if (v !== undefined) return v
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const healthy = (url: string) => until(`${url} to answer`, async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined))

function api(url: string, path: string, init: { method?: string; json?: unknown; token?: string } = {}) {
  return fetch(url + path, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token ?? ADMIN}`, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  })
}

/** Points the server holds for a camera (raw: one per stored report), 0 for an unknown camera. */
async function storedTs(url: string, camera: string, from: number, to: number): Promise<number[]> {
  const res = await api(url, `/api/v1/cameras/${encodeURIComponent(camera)}/series?metric=fps&from=${from}&to=${to}`)
  if (res.status === 404) return []
  const body = (await res.json()) as { tier: string; points: Array<[number, number]> }
  expect(body.tier).toBe('raw')
  return body.points.map((p) => p[0])
}

interface Answer {
  accepted: number
  duplicates: number
  rejected: unknown[]
}

/** POSTs to the agent until it answers: a sender that retries what got no answer. */
async function sendToAgent(url: string, reports: unknown[]): Promise<Answer> {
  return until('the agent to answer', async () => {
    const res = await fetch(`${url}/api/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reports }) })
    return res.status === 200 ? ((await res.json()) as Answer) : undefined
  })
}

/** Reports this server process answered as duplicates since it started (its /metrics). */
async function serverDuplicates(url: string): Promise<number> {
  const text = await (await api(url, '/metrics')).text()
  return [...text.matchAll(/^camtel_reports_duplicate_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0)
}

const agentStatus = async (url: string) => (await (await fetch(`${url}/healthz`)).json()) as { metrics: Record<string, number> }

describe('the edge agent, with real processes', () => {
  it('holds every report through a server outage, an agent kill -9 and server and agent kills mid-upload, and delivers each exactly once, live ones first', async () => {
    const [serverPort, relayPort, agentPort] = [await freePort(), await freePort(), await freePort()]
    const serverUrl = `http://127.0.0.1:${serverPort}`
    const agentUrl = `http://127.0.0.1:${agentPort}`
    const data = tempDir('agent-server')
    const buffer = tempDir('agent-buffer')
    // The agent uploads through the relay; the test reads the server directly.
    const relay = new Relay(serverPort)
    await relay.listen(relayPort)
    relays.push(relay)
    const startAgentProc = () =>
      agent({ server: `http://127.0.0.1:${relayPort}`, token, buffer, port: agentPort, extra: ['--backlog-rate', '100', '--batch', '50'] })

    // An ingest token for one site, then the server goes down before the agent ever reaches it.
    let server = serve(data, serverPort)
    await healthy(serverUrl)
    expect((await api(serverUrl, '/api/v1/sites/edge', { method: 'PUT', json: { name: 'Edge' } })).status).toBe(201)
    const token = ((await (await api(serverUrl, '/api/v1/tokens', { method: 'POST', json: { name: 'edge agent', role: 'ingest', sites: ['edge'] } })).json()) as { token: string }).token
    await kill9(server)

    let agentProc = startAgentProc()
    await healthy(agentUrl)

    // 100 batches of 20 reports without seq over 10 cameras, 4 in flight; the agent is killed
    // with SIGKILL once half are answered, while the others are on their way, and restarted.
    const batches = Array.from({ length: 100 }, (_, b) =>
      Array.from({ length: 20 }, (_, i) => ({ cameraId: `cam-${i % 10}`, ts: T0 + (b * 2 + Math.floor(i / 10)) * 1000, metrics: { fps: 25, temperature_c: 40 + (i % 7) } })),
    )
    let answered = 0
    let killed: Promise<void> | undefined
    const queue = batches.map((_, i) => i)
    const worker = async () => {
      for (let b = queue.shift(); b !== undefined; b = queue.shift()) {
        const a = await sendToAgent(agentUrl, batches[b] as unknown[])
        expect(a.accepted + a.duplicates).toBe(20)
        if (++answered === 50) {
          killed = kill9(agentProc).then(() => {
            agentProc = startAgentProc()
          })
        }
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()])
    await killed
    // A sender that lost answers sends again what the agent has: nothing is taken twice.
    for (const b of batches.slice(0, 5)) expect(await sendToAgent(agentUrl, b)).toEqual({ accepted: 0, duplicates: 20, rejected: [] })
    const held = await agentStatus(agentUrl)
    expect(held.metrics.buffer_reports ?? 0).toBeGreaterThanOrEqual(2000)

    // The server comes back. A report sent now reaches it before the backlog has drained (at
    // 100 reports/s, 2,000 take 20 s at least).
    server = serve(data, serverPort)
    await healthy(serverUrl)
    const liveTs = Date.now()
    expect(await sendToAgent(agentUrl, [{ cameraId: 'live-1', ts: liveTs, metrics: { fps: 30 } }])).toMatchObject({ accepted: 1 })
    await until('the live report on the server', async () => ((await storedTs(serverUrl, 'live-1', liveTs, liveTs)).length === 1 ? true : undefined))
    const total = async () => {
      let n = 0
      for (let c = 0; c < 10; c++) n += (await storedTs(serverUrl, `cam-${c}`, T0, T0 + 300_000)).length
      return n
    }
    expect(await total()).toBeLessThan(2000)

    // Mid-drain, the server is killed with SIGKILL the moment it has stored a batch, before the
    // agent has the answer; restarted, it must be sent that batch again and answer it as
    // duplicates.
    await until('part of the backlog on the server', async () => ((await total()) > 300 ? true : undefined))
    const dead = server
    await relay.trap(() => dead.kill('SIGKILL'))
    await kill9(dead)
    server = serve(data, serverPort)
    await healthy(serverUrl)
    await until('the unanswered batch sent again', async () => ((await serverDuplicates(serverUrl)) > 0 ? true : undefined))

    // Then the agent is killed the same way: the server stored a batch that the agent never
    // heard of; restarted, it sends the batch again.
    const before = await serverDuplicates(serverUrl)
    const agentThen = agentProc
    await relay.trap(() => agentThen.kill('SIGKILL'))
    await kill9(agentThen)
    agentProc = startAgentProc()
    await healthy(agentUrl)
    await until('the batch the agent never saw answered sent again', async () => ((await serverDuplicates(serverUrl)) > before ? true : undefined))

    await until('the whole backlog on the server', async () => ((await total()) >= 2000 ? true : undefined))
    await until('the agent to hold nothing but its own health', async () => ((await agentStatus(agentUrl)).metrics.buffer_reports ?? Infinity) <= 2 || undefined)

    // Exactly once: every (camera, ts) sent, each one time, counted through the series API.
    for (let c = 0; c < 10; c++) {
      const expected = batches.flat().filter((r) => r.cameraId === `cam-${c}`).map((r) => r.ts)
      expect(await storedTs(serverUrl, `cam-${c}`, T0, T0 + 300_000)).toEqual(expected)
    }
    expect(await total()).toBe(2000)
    // Unknown cameras went to the token's site; the agent's own health arrived as telemetry.
    expect(((await (await api(serverUrl, '/api/v1/cameras/cam-0')).json()) as { siteId: string }).siteId).toBe('edge')
    const self = (await (await api(serverUrl, `/api/v1/cameras/${encodeURIComponent('agent:test')}`)).json()) as { metrics: Record<string, number> }
    for (const m of ['buffer_reports', 'buffer_bytes', 'oldest_buffered_s', 'upload_rate', 'dropped_reports', 'last_success_s']) expect(self.metrics).toHaveProperty(m)
    expect(self.metrics.dropped_reports).toBe(0)
  }, 300_000)

  it('drops the oldest reports at its size cap and records the gap on the server', async () => {
    const [serverPort, agentPort] = [await freePort(), await freePort()]
    const serverUrl = `http://127.0.0.1:${serverPort}`
    const agentUrl = `http://127.0.0.1:${agentPort}`
    // No server yet: everything waits in a buffer capped at 64 KiB.
    agent({ server: serverUrl, token: ADMIN, buffer: tempDir('agent-cap'), port: agentPort, extra: ['--buffer-cap', '64KiB', '--batch', '50', '--health-interval', '3600'] })
    await healthy(agentUrl)
    const sent = Array.from({ length: 1500 }, (_, i) => ({ cameraId: 'cap-1', ts: T0 + i * 1000, metrics: { fps: 25 } }))
    for (let i = 0; i < sent.length; i += 100) expect((await sendToAgent(agentUrl, sent.slice(i, i + 100))).accepted).toBe(100)
    const dropped = (await agentStatus(agentUrl)).metrics.dropped_reports ?? 0
    expect(dropped).toBeGreaterThan(500)

    serve(tempDir('agent-cap-server'), serverPort)
    await healthy(serverUrl)
    await until('the rest on the server', async () => ((await storedTs(serverUrl, 'cap-1', T0, T0 + 2_000_000)).length === sent.length - dropped ? true : undefined))
    const gaps = await until('the gap in the drill-down', async () => {
      const body = (await (await api(serverUrl, '/api/v1/cameras/cap-1')).json()) as { gaps: Array<{ from: string; to: string; reports: number }> }
      return body.gaps.reduce((n, g) => n + g.reports, 0) === dropped ? body.gaps : undefined
    })
    const stored = new Set(await storedTs(serverUrl, 'cap-1', T0, T0 + 2_000_000))
    const missing = sent.map((r) => r.ts).filter((ts) => !stored.has(ts))
    expect(missing).toHaveLength(dropped)
    // What went is what the gaps say, and it was the oldest: the cap skips only the one batch
    // (at most 50 reports) that may be in flight at the moment it drops.
    for (const ts of missing) expect(gaps.some((g) => Date.parse(g.from) <= ts && ts <= Date.parse(g.to)), `ts ${ts}`).toBe(true)
    expect(Math.max(...missing)).toBeLessThan(T0 + (dropped + 50) * 1000)
    const timeline = (await (await api(serverUrl, '/api/v1/cameras/cap-1/gaps')).json()) as { gaps: Array<{ reports: number }> }
    expect(timeline.gaps.reduce((n, g) => n + g.reports, 0)).toBe(dropped)
  }, 180_000)
  it('polls a camera over SNMP (Axis style) and its reports reach the server', async () => {
    const cam = await axisResponder([
      [1, 1, 44],
      [2, 1, 52],
    ])
    cleanups.push(() => cam.close())
    cam.setUptime(98_765)
    const [serverPort, agentPort] = [await freePort(), await freePort()]
    const serverUrl = `http://127.0.0.1:${serverPort}`
    serve(tempDir('agent-snmp-server'), serverPort)
    await healthy(serverUrl)
    agent({ server: serverUrl, token: ADMIN, buffer: tempDir('agent-snmp'), port: agentPort, extra: ['--snmp', `axis-7=127.0.0.1:${cam.port}`, '--snmp-community', 'cams', '--snmp-interval', '1'] })
    const latest = async () => {
      const res = await api(serverUrl, '/api/v1/cameras/axis-7')
      return res.ok ? ((await res.json()) as { metrics: Record<string, number> }).metrics : undefined
    }
    expect(await until('the polled camera on the server', async () => ((await latest())?.temperature_c === 52 ? latest() : undefined))).toMatchObject({ uptime_s: 987 })
    cam.setTemp(2, 1, 71)
    await until('the next poll on the server', async () => ((await latest())?.temperature_c === 71 ? true : undefined))
  }, 180_000)
})
