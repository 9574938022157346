import { type ChildProcess, fork, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent } from 'node:http'
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { post, waitForRollups } from './ingest/run.js'

const TOKEN = 'ct_bench-admin-token'
const HELP = `Usage: npm run bench -- stream [options]

Three processes: a camtel server (auth on, CAMTEL_SYNC as given, its durable event log),
the consoles (WebSocket clients, no filters), and this one, which sends the cameras' reports as
HTTP JSON batches. Then every console is closed, --replay reports are bulk-loaded, and one
console replays the last --replay events.

  --cameras <n>     simulated cameras (10000)
  --interval <s>    each camera reports every this many seconds (10)
  --consoles <n>    consoles (1000)
  --sample <n>      one console in n parses every event, checks ids and measures latency (100)
  --tick <ms>       reports due are sent together every tick, as an edge gateway would (50)
  --warmup <s>      load before measuring (10)
  --duration <s>    measured load (30)
  --replay <n>      events replayed to one console; 0 skips the replay (1000000)
  --sync <mode>     the server's CAMTEL_SYNC: full | normal (full)
  --inline-writer   the store writes on the server's main thread instead of its writer thread
  --profile <dir>   write V8 CPU profiles of the server and the consoles into <dir>`

export async function runStreamBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cameras: { type: 'string', default: '10000' },
      interval: { type: 'string', default: '10' },
      consoles: { type: 'string', default: '1000' },
      sample: { type: 'string', default: '100' },
      tick: { type: 'string', default: '50' },
      warmup: { type: 'string', default: '10' },
      duration: { type: 'string', default: '30' },
      replay: { type: 'string', default: '1000000' },
      sync: { type: 'string', default: 'full' },
      profile: { type: 'string' },
      'inline-writer': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) return console.log(HELP)
  const num = (name: keyof typeof values, min: number): number => {
    const n = Number(values[name])
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number of at least ${min}`)
    return n
  }
  const o = {
    cameras: num('cameras', 1),
    intervalMs: num('interval', 0.001) * 1000,
    consoles: num('consoles', 1),
    sample: num('sample', 1),
    tickMs: num('tick', 1),
    warmupMs: num('warmup', 0) * 1000,
    durationMs: num('duration', 1) * 1000,
    replay: num('replay', 0),
  }
  if (values.sync !== 'full' && values.sync !== 'normal') throw new Error('--sync is full or normal')
  console.log(machine())
  console.log(`command: npm run bench -- stream ${argv.join(' ')}`.trimEnd())

  const dataDir = mkdtempSync(join(tmpdir(), 'camtel-bench-stream-'))
  const profile = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values.profile)}`] : []
  const server = await startServer(dataDir, values.sync, Math.max(o.replay, 1000), profile, values['inline-writer'])
  const consoles = new Consoles(profile)
  let load: Load | undefined
  try {
    process.stdout.write(`opening ${o.consoles} consoles… `)
    const opened = (await consoles.call('open', { url: server.url, token: TOKEN, n: o.consoles, sampleEvery: o.sample })) as { resetIds: number[] }
    console.log(`all at id ${opened.resetIds.join(', ')}`)

    load = new Load(server.url, o.cameras, o.intervalMs)
    process.stdout.write(`${o.cameras} cameras every ${o.intervalMs / 1000} s: ${o.warmupMs / 1000} s warm-up… `)
    await load.run(o.warmupMs, o.tickMs)
    const measureFrom = Date.now()
    load.measureFrom = measureFrom
    await consoles.call('measure', { from: measureFrom })
    const cpuBefore = await serverCpu(server.url)
    const consolesBefore = (await consoles.call('stats', {})) as Stats
    process.stdout.write(`${o.durationMs / 1000} s measured… `)
    const sentBefore = load.sent
    await load.run(o.durationMs, o.tickMs)
    const seconds = (Date.now() - measureFrom) / 1000
    const cpuAfter = await serverCpu(server.url)
    await load.drain()
    console.log('done')

    // Let the last events arrive: every console ends with the same count, or the bench says so.
    let stats = (await consoles.call('stats', {})) as Stats
    for (let i = 0; i < 100 && (stats.eventsMin !== stats.eventsMax || stats.lastIds.length > 1); i++) {
      await new Promise((r) => setTimeout(r, 100))
      stats = (await consoles.call('stats', {})) as Stats
    }
    const l = stats.latency
    const after = (await consoles.call('afterAnswer', { answers: load.answered })) as { n: number; p50: number; p99: number }
    console.log(
      [
        '',
        `reports sent          ${load.sent.toLocaleString('en-US')} in ${load.requests} requests (${Math.round((load.sent - sentBefore) / seconds)}/s while measured), failed ${load.failed}`,
        `events per console    ${stats.eventsMin.toLocaleString('en-US')}${stats.eventsMin === stats.eventsMax ? ' (every console the same)' : ` to ${stats.eventsMax.toLocaleString('en-US')}: NOT ALL THE SAME`}`,
        `sampled consoles      ${stats.sampledConsoles}, ids with a gap or repeat: ${stats.gaps}; consoles closed: ${stats.consoles - stats.open} ${JSON.stringify(stats.closeCodes.slice(0, 5))}; server-side closes by reason: ${await serverCloses(server.url)}`,
        `latency (ingest->console, ${l.samples.toLocaleString('en-US')} events)  p50 ${l.p50.toFixed(1)} ms, p90 ${l.p90.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms`,
        `ingest answers        p50 ${pct(load.acks, 0.5).toFixed(1)} ms, p99 ${pct(load.acks, 0.99).toFixed(1)} ms (the events are published just before the answer is sent)`,
        `after the answer      p50 ${after.p50.toFixed(1)} ms, p99 ${after.p99.toFixed(1)} ms: arrival at a console minus arrival of the answer to the same batch (${after.n} pairs), the stream's own share`,
        `deliveries            ${Math.round(((stats.eventsMin - consolesBefore.eventsMin) * stats.consoles) / seconds).toLocaleString('en-US')} events/s to consoles, ${Math.round((stats.frames - consolesBefore.frames) / seconds).toLocaleString('en-US')} frames/s while measured (${Math.round((100 * stats.arrayFrames) / Math.max(1, stats.sampledFrames))} % of them JSON arrays of several events)`,
        `server CPU            ${((cpuAfter - cpuBefore) / seconds).toFixed(2)} cores while measured`,
        `consoles process CPU  ${((stats.cpuSeconds - consolesBefore.cpuSeconds) / seconds).toFixed(2)} cores while measured`,
        `machine load average  ${loadavg().map((x) => x.toFixed(1)).join(', ')} (1, 5, 15 min; other work on the machine competes for its ${cpus().length} CPUs)`,
      ].join('\n'),
    )
    await consoles.call('closeAll', {})

    if (o.replay > 0) {
      process.stdout.write(`\nloading ${o.replay.toLocaleString('en-US')} reports for the replay… `)
      const t0 = performance.now()
      await load.bulk(o.replay)
      // The replay is timed on its own, not beside the rollups the bulk load left to do.
      const pending = await load.settled()
      console.log(`${Math.round(performance.now() - t0)} ms${pending > 0 ? ` (${pending} reports still waiting for rollups)` : ''}`)
      const position = (await consoles.call('open', { url: server.url, token: TOKEN, n: 1, sampleEvery: 1 })) as { resetIds: number[] }
      await consoles.call('closeAll', {})
      const newest = position.resetIds[0] as number
      const r = (await consoles.call('replay', { url: server.url, token: TOKEN, since: newest - o.replay })) as { events: number; ms: number; markerId: number; closed?: number }
      console.log(
        `replay                ${r.events.toLocaleString('en-US')} events in ${Math.round(r.ms)} ms = ${Math.round(r.events / (r.ms / 1000)).toLocaleString('en-US')} events/s to one console` +
          (r.events === o.replay && r.markerId === newest ? ' (all of them, replayed marker at the newest id)' : ` — INCOMPLETE: marker ${r.markerId}, close ${r.closed}`),
      )
    }
  } finally {
    load?.close()
    await consoles.stop()
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

interface Stats {
  consoles: number
  open: number
  closeCodes: number[]
  eventsMin: number
  eventsMax: number
  sampledConsoles: number
  gaps: number
  lastIds: number[]
  latency: { samples: number; p50: number; p90: number; p99: number; max: number }
  frames: number
  sampledFrames: number
  arrayFrames: number
  cpuSeconds: number
}

/** The simulated fleet: camera i reports at i/N of each interval, 12 metrics a report. */
class Load {
  sent = 0
  requests = 0
  failed = 0
  /** Answer times of the requests sent since `measureFrom`, ms. */
  readonly acks: number[] = []
  /** Per measured batch (its reports' `ts`), the wall-clock time its answer arrived. */
  readonly answered: Record<string, number> = {}
  measureFrom = Number.POSITIVE_INFINITY
  private next = 0
  private start: number | undefined
  private inFlight = 0
  // Keep-alive node:http rather than fetch: about a millisecond less of the generator's own
  // work in each report's latency (5.5 against 4.3 ms for a 50-report batch on an idle server).
  private readonly agent = new Agent({ keepAlive: true })

  constructor(
    private readonly url: string,
    private readonly cameras: number,
    private readonly intervalMs: number,
  ) {}

  private report(j: number, ts: number, seq: number) {
    const cam = j % this.cameras
    const wave = Math.sin(j / 977)
    // Cameras send a decimal or two, not 17 digits: it keeps the events their real size.
    const r2 = (x: number) => Math.round(x * 100) / 100
    return {
      cameraId: `cam-${String(cam).padStart(5, '0')}`,
      seq,
      ts: new Date(ts).toISOString(),
      metrics: {
        fps: r2(24.5 + wave / 2),
        bitrate_kbps: 4096 + Math.round(wave * 300),
        temperature_c: r2(42 + wave * 3),
        disk_used_pct: 60 + (cam % 30),
        packet_loss_pct: r2(0.1 + Math.abs(wave) / 10),
        latency_ms: r2(20 + Math.abs(wave) * 10),
        uptime_s: Math.round(86_400 + Math.floor(j / this.cameras) * (this.intervalMs / 1000)),
        power_w: r2(6.5 + wave / 4),
        voltage_v: 48,
        image_quality: 85,
        focus_score: 90,
        recording: true,
      },
    }
  }

  /** Sends what is due every tick for `ms`; a slow answer never holds the next tick back. */
  async run(ms: number, tickMs: number): Promise<void> {
    this.start ??= Date.now()
    const end = Date.now() + ms
    while (Date.now() < end) {
      const now = Date.now()
      const due: ReturnType<Load['report']>[] = []
      while ((this.start as number) + (this.next * this.intervalMs) / this.cameras <= now) {
        // The report's ts is the moment it is sent: the consoles measure latency from it.
        due.push(this.report(this.next, now, Math.floor(this.next / this.cameras)))
        this.next++
      }
      if (due.length > 0) void this.post(due)
      await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - now))))
    }
  }

  close(): void {
    this.agent.destroy()
  }

  /** Waits until the server has rolled up what it took; answers the reports still waiting. */
  settled(): Promise<number> {
    return waitForRollups(this.url, this.agent)
  }

  /** Waits for the answers still outstanding. */
  async drain(): Promise<void> {
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 5))
  }

  /** `n` reports of the last days, in batches of 10,000, two requests at a time. */
  async bulk(n: number): Promise<void> {
    const rounds = Math.ceil(n / this.cameras)
    const from = Date.now() - 2 * 86_400_000
    let k = 0
    const worker = async () => {
      while (k < n) {
        const batch = []
        for (; batch.length < 10_000 && k < n; k++) {
          const round = Math.floor(k / this.cameras)
          batch.push(this.report(k, from + round * ((86_400_000 / rounds) | 0) + (k % this.cameras), 1_000_000 + round))
        }
        await this.post(batch)
      }
    }
    await Promise.all([worker(), worker()])
    await this.drain()
  }

  private async post(reports: Array<{ ts: string }>): Promise<void> {
    this.inFlight++
    const start = Date.now()
    const t0 = performance.now()
    try {
      const body = Buffer.from(JSON.stringify({ reports }))
      const res = await post(this.url, { path: '/api/v1/telemetry', contentType: 'application/json', body }, this.agent)
      this.requests++
      if (res.status !== 200 || res.accepted !== reports.length) {
        this.failed++
        if (this.failed <= 3) console.error(`ingest answered ${res.status}: ${res.text.slice(0, 300)}`)
      } else this.sent += reports.length
      if (start >= this.measureFrom) {
        this.acks.push(performance.now() - t0)
        this.answered[(reports[0] as { ts: string }).ts] = performance.timeOrigin + performance.now()
      }
    } finally {
      this.inFlight--
    }
  }
}

/** The consoles' process, driven over IPC. */
class Consoles {
  private readonly child: ChildProcess
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  private nextId = 0

  constructor(nodeArgs: string[]) {
    this.child = fork(join(import.meta.dirname, 'stream', 'consoles.ts'), [], { execArgv: ['--import', 'tsx', ...nodeArgs] })
    this.child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id)
      this.waiting.delete(m.id)
      if (m.error !== undefined) w?.reject(new Error(m.error))
      else w?.resolve(m.result)
    })
    this.child.once('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the consoles process exited with ${code}`))
    })
  }

  call(cmd: string, args: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.child.send({ id, cmd, args })
    })
  }

  /** SIGTERM, so that a CPU profile is written. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return
    this.child.kill('SIGTERM')
    await once(this.child, 'exit')
  }
}

async function startServer(dataDir: string, sync: string, replayEvents: number, nodeArgs: string[], inlineWriter: boolean): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, join(import.meta.dirname, 'stream', 'server.ts')], {
    env: {
      ...process.env,
      CAMTEL_DATA: dataDir,
      CAMTEL_HOST: '127.0.0.1',
      CAMTEL_PORT: '0',
      CAMTEL_ADMIN_TOKEN: TOKEN,
      CAMTEL_LOG_LEVEL: 'warn',
      CAMTEL_SYNC: sync,
      CAMTEL_REPLAY_EVENTS: String(replayEvents),
      BENCH_INLINE_WRITER: inlineWriter ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)))
    lines.once('line', (line) => {
      resolve((JSON.parse(line) as { url: string }).url)
      // Whatever the server logs after that (warnings, errors) is worth seeing.
      lines.on('line', (l) => console.error(`server: ${l}`))
    })
  })
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN
}

async function serverCpu(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text()
  return Number(/^camtel_process_\w*cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN)
}

/** The server's `camtel_stream_closes_total` by reason, e.g. `lagging 3, heartbeat 1`, or `none`. */
async function serverCloses(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text()
  const closes = [...text.matchAll(/^camtel_stream_closes_total\{reason="(\w+)"\} (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`)
  return closes.length > 0 ? closes.join(', ') : 'none'
}

function machine(): string {
  const cpu = cpus()
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpu[0]?.model ?? 'unknown'
  return `machine: nproc ${cpu.length}, ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), Node ${process.version}`
}
