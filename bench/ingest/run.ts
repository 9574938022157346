import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { benchRules } from './rules.js'
import { type RequestBody, Workload } from './workload.js'

const TOKEN = 'ct_bench-admin-token'
const DAY = 86_400_000

const HELP = `Usage: npm run bench -- ingest [options]

Starts a camtel server in a child process on a fresh data folder (auth on, admin token,
log level warn, CAMTEL_SYNC as given), sends it a simulated fleet's telemetry as HTTP JSON
batches and line protocol, alternating, from this process, then stops it and measures the
data folder.

  --duration <s>     measured time, seconds (30)
  --warmup <s>       time before measuring starts, seconds (5)
  --concurrency <n>  requests in flight (4)
  --batch <n>        reports per request (1000)
  --cameras <n>      fleet size (5000)
  --window <n>       simulated rounds per camera before values repeat (12)
  --formats <list>   json,line | json | line (json,line)
  --rules <n|none>   alert rules: the default rules plus n more drawn from the workload's
                     values (0), or none at all (every rule deleted before the load), to
                     measure what alert evaluation costs
  --sync <mode>      full | normal (full, the server's default)
  --writer <mode>    thread | inline: the store's writes in a thread of their own (the
                     server's default) or on the event loop, to compare
  --profile <dir>    write a V8 CPU profile of the server into <dir>
  --node <flags>     extra Node.js flags for the server, e.g. --node=--max-semi-space-size=64
  --keep             keep the data folder`

interface Sample {
  start: number
  ms: number
  samples: number
  format: string
}

export async function runIngestBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '4' },
      batch: { type: 'string', default: '1000' },
      cameras: { type: 'string', default: '5000' },
      window: { type: 'string', default: '12' },
      formats: { type: 'string', default: 'json,line' },
      rules: { type: 'string', default: '0' },
      sync: { type: 'string', default: 'full' },
      writer: { type: 'string', default: 'thread' },
      profile: { type: 'string' },
      node: { type: 'string', default: '' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(HELP)
    return
  }
  const num = (name: keyof typeof values, min: number): number => {
    const n = Number(values[name])
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number of at least ${min}`)
    return n
  }
  const durationMs = num('duration', 1) * 1000
  const warmupMs = num('warmup', 0) * 1000
  const concurrency = num('concurrency', 1)
  const batch = num('batch', 1)
  const formats = String(values.formats).split(',') as Array<'json' | 'line'>
  if (!formats.every((f) => f === 'json' || f === 'line')) throw new Error('--formats takes json and/or line')
  if (values.sync !== 'full' && values.sync !== 'normal') throw new Error('--sync is full or normal')
  if (values.writer !== 'thread' && values.writer !== 'inline') throw new Error('--writer is thread or inline')
  const extraRules = values.rules === 'none' ? 'none' : num('rules', 0)

  const dataDir = mkdtempSync(join(tmpdir(), 'camtel-bench-'))
  console.log(machine())
  console.log(`data folder ${dataDir}`)
  process.stdout.write('simulating the fleet… ')
  const t0 = performance.now()
  // Six days back: inside the raw retention for the whole run, so nothing expires meanwhile.
  const workload = new Workload({ cameras: num('cameras', 1), window: num('window', 1), start: Math.floor((Date.now() - 6 * DAY) / 1000) * 1000 })
  console.log(`${workload.cameraIds.length} cameras x ${workload.metricsPerReport} metrics in ${Math.round(performance.now() - t0)} ms`)

  const server = await startServer(dataDir, { sync: values.sync, writer: values.writer, profile: values.profile, node: values.node })
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  try {
    console.log(`alert rules: ${await setUpRules(server.url, agent, extraRules, workload)}`)
    const results: Sample[] = []
    let totalSamples = 0
    let failures = 0
    let k = 0
    const begin = performance.now()
    const measureFrom = begin + warmupMs
    const end = measureFrom + durationMs
    let serverCpuStart: number | undefined
    let clientCpuStart: NodeJS.CpuUsage | undefined
    const markStart = setTimeout(() => {
      clientCpuStart = process.cpuUsage()
      void serverCpu(server.url, agent).then((s) => (serverCpuStart = s))
    }, warmupMs)
    const worker = async () => {
      while (performance.now() < end) {
        const format = formats[k++ % formats.length] as 'json' | 'line'
        const body = workload.next(format, batch)
        const start = performance.now()
        const answer = await post(server.url, body, agent)
        const ms = performance.now() - start
        if (answer.status !== 200 || answer.accepted !== body.reports) {
          failures++
          if (failures <= 3) console.error(`request answered ${answer.status}: ${answer.text.slice(0, 300)}`)
          continue
        }
        totalSamples += body.samples
        if (start >= measureFrom) results.push({ start, ms, samples: body.samples, format })
      }
    }
    process.stdout.write(`sending for ${warmupMs / 1000} s warm-up + ${durationMs / 1000} s, ${concurrency} in flight… `)
    await Promise.all(Array.from({ length: concurrency }, worker))
    const elapsed = Math.max(...results.map((r) => r.start + r.ms), end) - measureFrom
    clearTimeout(markStart)
    const serverCpuSeconds = (await serverCpu(server.url, agent)) - (serverCpuStart ?? 0)
    const serverMetrics = await get(`${server.url}/metrics`, agent)
    const client = process.cpuUsage(clientCpuStart)
    const clientCpuSeconds = (client.user + client.system) / 1e6
    console.log('done')

    process.stdout.write('waiting for the rollups to catch up… ')
    const drainStart = performance.now()
    const backlog = await waitForRollups(server.url, agent)
    const drainMs = performance.now() - drainStart
    console.log(backlog === 0 ? `done in ${Math.round(drainMs)} ms` : `gave up with ${backlog} reports pending`)
    const alerts = await alertCounts(server.url, agent)
    agent.destroy()
    await server.stop()
    const bytes = folderBytes(dataDir)
    // The predictor's learnt state (src/predict/state.ts) is a few KB per camera whatever the
    // number of samples: on a short run of a large fleet it would dominate the per-sample figure.
    const perCamera = fileBytes(join(dataDir, 'predictions.db'))

    const measured = results.reduce((s, r) => s + r.samples, 0)
    const lat = results.map((r) => r.ms).sort((a, b) => a - b)
    const lines = [
      '',
      `requests measured   ${results.length} (${formats.join(' + ')}, ${batch} reports each), failed ${failures}`,
      `samples/s           ${Math.round(measured / (elapsed / 1000)).toLocaleString('en-US')}  (${Math.round(measured / workload.metricsPerReport / (elapsed / 1000)).toLocaleString('en-US')} reports/s)`,
      `ack latency         p50 ${pct(lat, 0.5).toFixed(1)} ms, p99 ${pct(lat, 0.99).toFixed(1)} ms, max ${(lat.at(-1) ?? 0).toFixed(1)} ms`,
      ...formats.map((f) => {
        const l = results.filter((r) => r.format === f).map((r) => r.ms).sort((a, b) => a - b)
        return `  ${f.padEnd(18)}p50 ${pct(l, 0.5).toFixed(1)} ms, p99 ${pct(l, 0.99).toFixed(1)} ms (${l.length} requests)`
      }),
      `samples stored      ${totalSamples.toLocaleString('en-US')} (incl. warm-up)`,
      `data folder         ${(bytes / 1e6).toFixed(1)} MB after checkpoint = ${(bytes / totalSamples).toFixed(2)} bytes/sample`,
      `  per-sample part    ${((bytes - perCamera) / 1e6).toFixed(1)} MB = ${((bytes - perCamera) / totalSamples).toFixed(2)} bytes/sample (reports, rollups, event log, indexes, WAL)`,
      `  per-camera part    ${(perCamera / 1e6).toFixed(1)} MB = ${Math.round(perCamera / workload.cameraIds.length).toLocaleString('en-US')} bytes/camera (predictions.db, independent of the samples)`,
      `rollup catch-up     ${Math.round(drainMs)} ms after the load stopped`,
      `store write         ${histogramLine(serverMetrics, 'camtel_store_write_seconds')} (pack, writer thread, commit, back)`,
      `rollup step         ${histogramLine(serverMetrics, 'camtel_rollup_step_seconds')}`,
      `alerts              ${alerts}`,
      `load average        ${loadavg()[0]?.toFixed(2)} at the end (other processes compete for the CPUs when above ~1)`,
      `CPU while measured  server ${(serverCpuSeconds / (elapsed / 1000)).toFixed(2)} cores (${((serverCpuSeconds * 1e9) / measured).toFixed(0)} ns/sample), load generator ${(clientCpuSeconds / (elapsed / 1000)).toFixed(2)} cores`,
    ]
    console.log(lines.join('\n'))
  } finally {
    agent.destroy()
    await server.stop()
    if (!values.keep) rmSync(dataDir, { recursive: true, force: true })
  }
}

interface RunningServer {
  url: string
  stop(): Promise<void>
}

async function startServer(dataDir: string, o: { sync: string; writer: string; profile: string | undefined; node: string }): Promise<RunningServer> {
  const nodeArgs = ['--import', 'tsx', ...o.node.split(' ').filter((f) => f !== '')]
  if (o.profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${resolve(o.profile)}`)
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(import.meta.dirname, 'server.ts')], {
    env: {
      ...process.env,
      CAMTEL_DATA: dataDir,
      CAMTEL_HOST: '127.0.0.1',
      CAMTEL_PORT: '0',
      CAMTEL_ADMIN_TOKEN: TOKEN,
      CAMTEL_LOG_LEVEL: 'warn',
      CAMTEL_SYNC: o.sync,
      BENCH_WRITER: o.writer,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)))
    lines.once('line', (line) => {
      resolveUrl((JSON.parse(line) as { url: string }).url)
      // After the address, whatever the server logs (warnings and errors) is shown.
      lines.on('line', (l) => process.stderr.write(`server: ${l}\n`))
    })
  })
  let stopped: Promise<void> | undefined
  return {
    url,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode !== null) return
        child.kill('SIGTERM')
        await once(child, 'exit')
      })()
      return stopped
    },
  }
}

/** POSTs a body over a keep-alive agent; answers the status, `accepted` (-1 if absent) and the text. */
export function post(base: string, b: Pick<RequestBody, 'path' | 'contentType' | 'body'>, agent: Agent): Promise<{ status: number; accepted: number; text: string }> {
  return new Promise((resolvePost, reject) => {
    const req = request(
      `${base}${b.path}`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': b.contentType, 'content-length': b.body.length },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let accepted = -1
          try {
            accepted = (JSON.parse(text) as { accepted?: number }).accepted ?? -1
          } catch {
            // reported by the caller with the text
          }
          resolvePost({ status: res.statusCode ?? 0, accepted, text })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(b.body)
  })
}

/** How many alerts the run opened, and how many are still open. */
async function alertCounts(base: string, agent: Agent): Promise<string> {
  const count = async (query: string) => {
    const n = (JSON.parse(await get(`${base}/api/v1/alerts?limit=10000${query}`, agent)) as { alerts: unknown[] }).alerts.length
    return n === 10_000 ? 'at least 10,000' : n.toLocaleString('en-US')
  }
  return `${await count('')} opened, ${await count('&state=open')} still open at the end`
}

/** Deletes every rule (`none`) or adds `extra` rules to the defaults; answers what the server then has. */
async function setUpRules(base: string, agent: Agent, extra: number | 'none', workload: Workload): Promise<string> {
  const list = async () => (JSON.parse(await get(`${base}/api/v1/rules`, agent)) as { rules: Array<{ id: string }> }).rules
  const defaults = (await list()).length
  if (extra === 'none') {
    for (const r of await list()) await send('DELETE', `${base}/api/v1/rules/${r.id}`, agent)
  } else {
    for (const r of benchRules(workload.metricValues(), extra)) await send('PUT', `${base}/api/v1/rules/${r.id}`, agent, r)
  }
  const now = (await list()).length
  return extra === 'none' ? `none (${now} after deleting the ${defaults} defaults)` : `${defaults} default + ${now - defaults} more`
}

async function send(method: string, url: string, agent: Agent, json?: unknown): Promise<void> {
  const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json))
  const status = await new Promise<number>((resolveSend, reject) => {
    const req = request(url, { method, agent, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}) } }, (res) => {
      res.resume()
      res.on('end', () => resolveSend(res.statusCode ?? 0))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
  if (status >= 300) throw new Error(`${method} ${url} answered ${status}`)
}

/** Polls /metrics until no report waits for the rollups; answers what is left. */
export async function waitForRollups(base: string, agent: Agent): Promise<number> {
  const deadline = performance.now() + 300_000
  for (;;) {
    const text = await get(`${base}/metrics`, agent)
    const m = /^camtel_rollup_pending_reports (\S+)$/m.exec(text)
    // A server without rollups has nothing to wait for.
    const pending = m ? Number(m[1]) : 0
    if (pending === 0 || performance.now() > deadline) return pending
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** CPU seconds the server process has used so far (user + system, all threads). */
async function serverCpu(base: string, agent: Agent): Promise<number> {
  const text = await get(`${base}/metrics`, agent)
  const m = /^camtel_process_(?:process_)?cpu_seconds_total (\S+)$/m.exec(text)
  return m ? Number(m[1]) : Number.NaN
}

/** p50 and p99 of a Prometheus histogram (whole run), as the upper bounds of their buckets. */
function histogramLine(text: string, name: string): string {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])] as const)
  const total = buckets.at(-1)?.[1] ?? 0
  if (total === 0) return 'no samples'
  const at = (q: number) => buckets.find(([, n]) => n >= q * total)?.[0] ?? Infinity
  const ms = (s: number) => (s === Infinity ? '> last bucket' : `≤ ${s * 1000} ms`)
  return `p50 ${ms(at(0.5))}, p99 ${ms(at(0.99))} (${total} observations)`
}

function get(url: string, agent: Agent): Promise<string> {
  return new Promise((resolveGet, reject) => {
    request(url, { agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolveGet(Buffer.concat(chunks).toString('utf8')))
      res.on('error', reject)
    })
      .on('error', reject)
      .end()
  })
}

function fileBytes(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

function folderBytes(dir: string): number {
  let sum = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    sum += entry.isDirectory() ? folderBytes(p) : statSync(p).size
  }
  return sum
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number
}

function machine(): string {
  const cpu = cpus()
  return `machine: ${cpu.length} CPUs (${cpu[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), Node ${process.version}`
}
