import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ReportBuffer } from '../src/agent/index.js'
import { validateReport } from '../src/protocol/report.js'
import { ADMIN, agentStatus, buildCompiled, camtel, healthy, machine, makeReport, percentile, rssMb, sleep, slope, stop } from './agent/support.js'
import { freePort } from '../src/core/test-support/ports.js'
import { type Upstream, serverUpstream, stubUpstream } from './agent/upstream.js'

const HELP = `Usage: npm run bench -- agent [options]

Runs a camtel server and a camtel agent as child processes on fresh folders (defaults of
both: SQLite with synchronous FULL) and measures the agent:

  buffer  this process posts --rate reports/s (--cameras ids, --metrics metrics each) to the
          agent's HTTP receiver in batches every 50 ms for --duration seconds; the agent
          buffers and uploads them. Reports the rate, the agent's answer latency and its RSS
          (sampled every 5 s; printed at the start, each minute and the end, with the slope).
  drain   fills an agent buffer with --hours of history of --drain-cameras cameras at one
          report per 10 s (24 h x 500 = 4.32 M), starts the agent on it with the server up,
          and sends live reports (the same cameras at 10 s, plus a probe every 2 s) meanwhile.
          Reports the drain time, how long each probe took to show up on the server, and the
          agent's own live_delay_s (receipt to the server's acknowledgement, every live report).

  --phase <p>          buffer | drain | both (both)
  --duration <s>       buffer phase length (120)
  --rate <n>           reports per second in the buffer phase (2000)
  --cameras <n>        camera ids in the buffer phase (20000)
  --metrics <n>        metrics per report, at most 16 (10)
  --hours <h>          drain phase backlog in hours (2)
  --drain-cameras <n>  cameras in the drain phase (500)
  --upstream <u>       drain phase uploads to: server (a camtel server, default) or stub (this
                       process acknowledges at once: the agent's own drain capacity)
  --full               the full runs: --duration 600 and --hours 24
  --node-args <flags>  node flags for the agent process, e.g. "--max-semi-space-size=2"
  --server-node-args <flags>  node flags for the server process, e.g. to profile it:
                       "--cpu-prof --cpu-prof-dir=/tmp/camtel-prof" (a profile per thread at its end)
  --tsx                run the agent from the sources through tsx instead of compiling it
  --keep               keep the folders

The server always runs from the sources (tsx); the agent runs compiled (tsc into
node_modules/.cache/camtel-bench), as installed, unless --tsx.`

interface Options {
  phase: string
  durationS: number
  rate: number
  cameras: number
  metrics: number
  hours: number
  drainCameras: number
  upstream: string
  keep: boolean
  /** The compiled CLI the agent runs from; undefined: tsx. */
  agentMain: string | undefined
  agentNodeArgs: string[]
  serverNodeArgs: string[]
}

export async function runAgentBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      phase: { type: 'string', default: 'both' },
      duration: { type: 'string' },
      rate: { type: 'string', default: '2000' },
      cameras: { type: 'string', default: '20000' },
      metrics: { type: 'string', default: '10' },
      hours: { type: 'string' },
      'drain-cameras': { type: 'string', default: '500' },
      upstream: { type: 'string', default: 'server' },
      full: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      tsx: { type: 'boolean', default: false },
      'node-args': { type: 'string', default: '' },
      'server-node-args': { type: 'string', default: '' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(HELP)
    return
  }
  const o: Options = {
    phase: values.phase,
    durationS: Number(values.duration ?? (values.full ? 600 : 120)),
    rate: Number(values.rate),
    cameras: Number(values.cameras),
    metrics: Number(values.metrics),
    hours: Number(values.hours ?? (values.full ? 24 : 2)),
    drainCameras: Number(values['drain-cameras']),
    upstream: values.upstream,
    keep: values.keep,
    agentMain: values.tsx ? undefined : buildCompiled(),
    agentNodeArgs: values['node-args'].split(' ').filter(Boolean),
    serverNodeArgs: values['server-node-args'].split(' ').filter(Boolean),
  }
  if (!['buffer', 'drain', 'both'].includes(o.phase)) throw new Error('--phase is buffer, drain or both')
  if (!['server', 'stub'].includes(o.upstream)) throw new Error('--upstream is server or stub')
  console.log(`agent benchmark (agent ${o.agentMain ? 'compiled' : 'through tsx'}${o.agentNodeArgs.length ? `, node ${o.agentNodeArgs.join(' ')}` : ''})\n${machine()}\n`)
  if (o.phase !== 'drain') await bufferPhase(o)
  if (o.phase !== 'buffer') await drainPhase(o)
}

interface Rig {
  upstream: Upstream
  agentUrl: string
  agentPid: number
  stop(): Promise<void>
}

/** An upstream (a camtel server unless `stub`) and an agent uploading to it from `bufferDir`. */
async function rig(o: Options, name: string, bufferDir: string, extra: string[] = [], stub = false): Promise<Rig> {
  const upstream = stub ? await stubUpstream() : await serverUpstream(mkdtempSync(join(tmpdir(), `camtel-bench-${name}-server-`)), o.keep, o.serverNodeArgs)
  const agentPort = await freePort()
  const agent = camtel(['agent', '--server', upstream.url, '--token', ADMIN, '--buffer', bufferDir, '--listen', String(agentPort), '--name', 'bench', '--log-level', 'warn', ...extra], {}, o.agentMain, o.agentNodeArgs)
  const agentUrl = `http://127.0.0.1:${agentPort}`
  await healthy(agentUrl)
  return {
    upstream,
    agentUrl,
    agentPid: agent.pid as number,
    async stop() {
      await stop(agent)
      await upstream.stop()
      if (!o.keep) rmSync(bufferDir, { recursive: true, force: true })
    },
  }
}

async function bufferPhase(o: Options): Promise<void> {
  console.log(`buffer phase: ${o.rate} reports/s over ${o.cameras} camera ids, ${o.metrics} metrics each, for ${o.durationS} s`)
  const r = await rig(o, 'buffer', mkdtempSync(join(tmpdir(), 'camtel-bench-buffer-')))
  const perTick = Math.max(1, Math.round(o.rate / 20))
  const latencies: number[] = []
  const rss: Array<[number, number]> = []
  const heap: number[] = []
  let sent = 0
  let accepted = 0
  let next = 0
  let maxDepth = 0
  const t0 = Date.now()
  const end = t0 + o.durationS * 1000
  const inflight = new Set<Promise<void>>()
  rss.push([0, rssMb(r.agentPid)])
  const sampler = setInterval(() => {
    rss.push([(Date.now() - t0) / 1000, rssMb(r.agentPid)])
    void agentStatus(r.agentUrl).then(
      (s) => {
        maxDepth = Math.max(maxDepth, s.metrics.buffer_reports ?? 0)
        heap.push(s.memoryMb.heapTotal)
      },
      () => undefined,
    )
  }, 5000)
  for (let tick = 0; Date.now() < end; tick++) {
    const now = Date.now()
    const reports = Array.from({ length: perTick }, () => makeReport(`cam-${(next++ % o.cameras).toString().padStart(5, '0')}`, now, o.metrics))
    const started = performance.now()
    const p: Promise<void> = fetch(`${r.agentUrl}/api/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reports }) })
      .then(async (res) => {
        const a = (await res.json()) as { accepted: number }
        accepted += a.accepted
        latencies.push(performance.now() - started)
      })
      .finally(() => inflight.delete(p))
    inflight.add(p)
    sent += perTick
    await sleep(Math.max(0, t0 + (tick + 1) * 50 - Date.now()))
  }
  await Promise.all(inflight)
  const elapsedS = (Date.now() - t0) / 1000
  clearInterval(sampler)
  rss.push([elapsedS, rssMb(r.agentPid)])
  const drainedBy = Date.now() + 60_000
  let status = await agentStatus(r.agentUrl)
  while ((status.metrics.buffer_reports ?? 0) > perTick * 2 && Date.now() < drainedBy) {
    await sleep(500)
    status = await agentStatus(r.agentUrl)
  }
  await r.stop()
  latencies.sort((a, b) => a - b)
  // Warm-up: V8's young generation and SQLite's page cache grow to their working size in the
  // first seconds; the slope is taken over the rest, where a leak would show.
  const warmS = Math.min(60, elapsedS / 4)
  const settled = rss.filter(([t]) => t >= warmS)
  const values = rss.map(([, v]) => v)
  const mb = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1))
  const minutes = [`start ${mb(rss[0]?.[1])}`]
  for (let m = 1; m * 60 < elapsedS; m++) minutes.push(`${m} min ${mb(rss.find(([t]) => t >= m * 60)?.[1])}`)
  minutes.push(`end (${elapsedS.toFixed(0)} s) ${mb(rss.at(-1)?.[1])}`)
  console.log(`  sent ${sent}, buffered ${accepted} (${Math.round(accepted / elapsedS)} reports/s), uploaded ${status.uploaded}`)
  console.log(`  agent answer latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms`)
  console.log(`  buffer depth max ${maxDepth} reports (sampled every 5 s)`)
  console.log(`  agent RSS MB: ${minutes.join(', ')}`)
  const secondHalf = rss.filter(([t]) => t >= elapsedS / 2)
  console.log(
    `  agent RSS MB: max ${Math.max(...values).toFixed(1)}; slope ${(slope(settled) * 60).toFixed(2)} MB/min (least squares over ${settled.length} samples after ${warmS.toFixed(0)} s), ` +
      `${(slope(secondHalf) * 60).toFixed(2)} MB/min over the second half`,
  )
  console.log(`  agent V8 heap total MB (every 5 s): ${heap.join(' ')}`)
  console.log(`  samples ${rss.map(([t, v]) => `${Math.round(t)}s:${v.toFixed(0)}`).join(' ')}\n`)
}

async function drainPhase(o: Options): Promise<void> {
  const steps = Math.round((o.hours * 3600) / 10)
  const total = steps * o.drainCameras
  console.log(`drain phase: backlog of ${o.hours} h x ${o.drainCameras} cameras at 10 s = ${total} reports, ${o.metrics} metrics each`)
  const dir = mkdtempSync(join(tmpdir(), 'camtel-bench-drain-'))
  const start = Date.now() - o.hours * 3_600_000
  const tFill = performance.now()
  // As the agent would have buffered them during the outage: same validation, same buffer.
  const buffer = ReportBuffer.open({ dir, capBytes: 64 * 1024 ** 3, dedupWindowMs: 0, sync: 'normal', now: start })
  for (let k = 0; k < steps; k++) {
    const ts = start + k * 10_000
    const reports = Array.from({ length: o.drainCameras }, (_, c) => {
      const check = validateReport(makeReport(`drain-${c.toString().padStart(4, '0')}`, ts, o.metrics), Date.now())
      if (!check.ok) throw new Error(check.error)
      return check.report
    })
    buffer.append(reports, ts)
  }
  const bytes = buffer.stats().bytes
  buffer.close()
  console.log(`  buffer filled in ${((performance.now() - tFill) / 1000).toFixed(1)} s: ${total} reports, ${(bytes / 2 ** 20).toFixed(0)} MiB`)

  const r = await rig(o, 'drain', dir, ['--buffer-cap', '64GiB'], o.upstream === 'stub')
  console.log(`  uploading to ${r.upstream.kind === 'stub' ? 'a stub that acknowledges at once' : 'a camtel server on a fresh data folder'}`)
  const t0 = Date.now()
  const probes: Array<{ ts: number; sentAt: number; seenAt?: number }> = []
  let stopLive = false
  let maxRss = 0
  const live = (async () => {
    for (let tick = 0; !stopLive; tick++) {
      const now = Date.now()
      const reports: unknown[] = Array.from({ length: Math.round(o.drainCameras / 10) }, (_, i) => makeReport(`drain-${(((tick * o.drainCameras) / 10 + i) % o.drainCameras).toString().padStart(4, '0')}`, now, o.metrics))
      if (tick % 2 === 0) {
        reports.push(makeReport('bench-probe', now, 1))
        probes.push({ ts: now, sentAt: Date.now() })
      }
      await fetch(`${r.agentUrl}/api/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reports }) })
      await sleep(Math.max(0, t0 + (tick + 1) * 1000 - Date.now()))
    }
  })()
  let drainedAt: number | undefined
  let maxHeap = 0
  let last = { uploaded: 0, buffered: total }
  // The server's CPU time: reports per CPU-second hold up under a loaded machine, a wall rate does not.
  const cpu0 = r.upstream.cpuSeconds()
  let mark = { t: t0, uploaded: 0, cpu: cpu0 }
  let cpuDrained: number | undefined
  for (;;) {
    maxRss = Math.max(maxRss, rssMb(r.agentPid))
    const s = await agentStatus(r.agentUrl)
    maxHeap = Math.max(maxHeap, s.memoryMb.heap)
    last = { uploaded: s.uploaded, buffered: s.metrics.buffer_reports ?? 0 }
    if (process.env.BENCH_VERBOSE) console.log(JSON.stringify({ t: Math.round((Date.now() - t0) / 1000), ...s.memoryMb }))
    if ((s.metrics.oldest_buffered_s ?? 0) < 5) {
      drainedAt = Date.now()
      cpuDrained = r.upstream.cpuSeconds()
      break
    }
    const elapsed = (Date.now() - t0) / 1000
    if (elapsed > 1800) break
    if (Math.round(elapsed) % 30 === 0 && Date.now() - mark.t > 5000) {
      const cpu = r.upstream.cpuSeconds()
      const rate = Math.round((s.uploaded - mark.uploaded) / ((Date.now() - mark.t) / 1000))
      const perCpu = cpu !== undefined && mark.cpu !== undefined && cpu > mark.cpu ? `, ${Math.round((s.uploaded - mark.uploaded) / (cpu - mark.cpu))} per server CPU-s` : ''
      console.log(`  ${Math.round(elapsed)} s: ${s.metrics.buffer_reports} buffered, ${s.uploaded} uploaded (${rate}/s since the last line${perCpu})${s.downSince ? ', uploads failing' : ''}`)
      mark = { t: Date.now(), uploaded: s.uploaded, cpu }
    }
    if (elapsed > 60 && s.uploaded === 0) throw new Error('nothing uploaded in a minute: is the server working? (its log is above)')
    await sleep(1000)
  }
  await sleep(3000) // the last probes
  stopLive = true
  await live
  for (const p of probes) p.seenAt = r.upstream.probeArrival(p.ts)
  const acceptedUpstream = await r.upstream.accepted()
  // The agent's own view of every live report, not only the probes: its health reports carry
  // `live_delay_s`, the longest a live report waited in the agent, arrival to the server's
  // acknowledgement, over each 10 s interval.
  const agentDelays = r.upstream.kind === 'server' ? await liveDelays(r.upstream.url, t0, drainedAt ?? Date.now()) : []
  await r.stop()
  const delays = probes.filter((p) => p.seenAt !== undefined).map((p) => (p.seenAt as number) - p.sentAt).sort((a, b) => a - b)
  if (drainedAt === undefined) {
    const s = (Date.now() - t0) / 1000
    console.log(`  NOT drained after ${s.toFixed(0)} s: ${last.uploaded} uploaded (${Math.round(last.uploaded / s)} reports/s), ${last.buffered} still buffered`)
  } else {
    const s = (drainedAt - t0) / 1000
    console.log(`  drained in ${s.toFixed(1)} s (${Math.round(total / s)} reports/s), the upstream up from the start`)
  }
  if (cpu0 !== undefined && cpuDrained !== undefined) {
    const cpu = cpuDrained - cpu0
    console.log(`  server CPU over the drain ${cpu.toFixed(1)} s: ${Math.round(last.uploaded / cpu)} reports uploaded per server CPU-second (backlog and live)`)
  }
  console.log(`  upstream stored ${acceptedUpstream} reports (backlog ${total} + live + agent health)`)
  const resolution = r.upstream.kind === 'server' ? '100 ms polling of the server' : 'arrival at the stub'
  console.log(`  live probes, sent to the agent -> visible on the upstream: ${delays.length} of ${probes.length} arrived; delay p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms, max ${delays.at(-1)} ms (${resolution})`)
  if (agentDelays.length > 0) {
    const sorted = [...agentDelays].sort((a, b) => a - b)
    console.log(`  all live reports, agent receipt -> server acknowledgement (agent live_delay_s, max per 10 s interval, ${sorted.length} intervals): median ${percentile(sorted, 50).toFixed(3)} s, max ${(sorted.at(-1) ?? 0).toFixed(3)} s`)
  }
  console.log(`  agent RSS max ${maxRss.toFixed(1)} MB, V8 heap used max ${maxHeap} MB during the drain (sampled every second)\n`)
}

/** The agent's `live_delay_s` health values (seconds) with data times in [from, to], from the server. */
async function liveDelays(url: string, from: number, to: number): Promise<number[]> {
  const q = new URLSearchParams({ metric: 'live_delay_s', from: String(from), to: String(to) })
  const res = await fetch(`${url}/api/v1/cameras/${encodeURIComponent('agent:bench')}/series?${q}`, { headers: { authorization: `Bearer ${ADMIN}` } })
  if (!res.ok) return []
  const body = (await res.json()) as { tier: string; points: Array<[number, number]>; stats?: Array<[number, number, number, number]> }
  // Raw points are the values; from a rollup, each step's max.
  return body.stats ? body.stats.map((s) => s[2]) : body.points.map((p) => p[1])
}
