import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type BrowserContext, type CDPSession, type Page, chromium } from 'playwright-core'
import WebSocket from 'ws'
import { createFleet } from '../src/sim/fleet.js'
import { createModels } from '../src/sim/camera-model.js'
import { ensureDashboardBuilt } from '../test/e2e/support/build.js'
import { freePort } from '../src/core/test-support/ports.js'

const HELP = `Usage: npm run bench -- dashboard [options]

A real \`camtel serve\` (auth off, on loopback) with a seeded fleet, and Debian's Chromium
(/usr/bin/chromium, headless) opening the dashboard. Two figures:

  load    navigation start -> markers and counts visible: every positioned camera on the map
          (in a cluster or alone, as the map says it drew them on its canvas) and the total tile
          showing the fleet's size. Median of --runs, with an empty browser cache (cold) and with
          the hashed assets cached (warm).
  events  main-thread work per second (CDP Performance.getMetrics TaskDuration, and the sum of
          long tasks) on the fleet view while every camera reports every 10 s and each report
          flips its status (a critical rule, ok <-> critical): --rate status events/s, each with
          its telemetry and alert events. A WebSocket client counts the status events.

  --cameras <n>    cameras (10000)
  --runs <n>       loads per cache state (5)
  --rate <n>       status events per second (1000)
  --duration <s>   measured seconds of events (10)
  --chromium <p>   the browser (/usr/bin/chromium)
  --data <dir>     keep the server's data in <dir> (seeded once, reused by later runs)
  --trace          also record a CDP trace (devtools.timeline) of the measured seconds and print
                   the renderer main thread's self time per trace event (Paint, Layout, ...): where
                   the work goes. The tracing itself costs some; compare figures without it`

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export async function runDashboardBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cameras: { type: 'string', default: '10000' },
      runs: { type: 'string', default: '5' },
      rate: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '10' },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
      data: { type: 'string' },
      trace: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) return console.log(HELP)
  const num = (name: 'cameras' | 'runs' | 'rate' | 'duration', min: number): number => {
    const n = Number(values[name])
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number of at least ${min}`)
    return n
  }
  const o = { cameras: num('cameras', 1), runs: num('runs', 1), rate: num('rate', 1), durationMs: num('duration', 1) * 1000 }
  console.log(machine())
  console.log(`command: npm run bench -- dashboard ${argv.join(' ')}`.trimEnd())

  // The server serves web/dist: built again first when the sources are newer.
  await ensureDashboardBuilt()
  const dataDir = values.data ?? mkdtempSync(join(tmpdir(), 'camtel-bench-dashboard-'))
  const profile = mkdtempSync(join(tmpdir(), 'camtel-bench-chromium-'))
  const server = await startServer(dataDir)
  let context: BrowserContext | undefined
  try {
    process.stdout.write(`seeding ${o.cameras.toLocaleString('en-US')} cameras… `)
    const t0 = performance.now()
    const seeded = await seed(server.url, o.cameras)
    console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s (${seeded.sites} sites, ${seeded.positioned.toLocaleString('en-US')} cameras with a position)`)

    context = await chromium.launchPersistentContext(profile, { executablePath: values.chromium, headless: true, viewport: { width: 1920, height: 1080 }, args: FLAGS })
    const page = context.pages()[0] ?? (await context.newPage())
    const errors: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    page.on('pageerror', (e) => errors.push(e.message))
    await page.addInitScript(VISIBLE_PROBE(o.cameras, seeded.positioned))
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    const version = (await cdp.send('Browser.getVersion')) as { product: string }
    console.log(`browser: ${version.product}, headless, 1920 x 1080`)

    const loads: Record<'cold' | 'warm', Load[]> = { cold: [], warm: [] }
    for (const cache of ['cold', 'warm'] as const) {
      for (let i = 0; i < o.runs; i++) {
        if (cache === 'cold') await cdp.send('Network.clearBrowserCache')
        loads[cache].push(await measureLoad(page, server.url))
        process.stdout.write(`${cache} ${i + 1}/${o.runs}: ${Math.round(loads[cache].at(-1)!.visible)} ms  `)
      }
      console.log()
    }

    const events = await measureEvents(page, cdp, server.url, seeded.ids, o.rate, o.durationMs, values.trace)
    console.log(report(o, loads, events, errors))
    if (events.trace) console.log(events.trace)
  } finally {
    await context?.close().catch(() => undefined)
    await server.stop()
    if (values.data === undefined) rmSync(dataDir, { recursive: true, force: true })
    rmSync(profile, { recursive: true, force: true })
  }
}

/** A request: start and response end (ms since navigation start), bytes on the wire and decoded. */
interface Fetched {
  start: number
  end: number
  transfer: number
  decoded: number
}

interface Load {
  /** Navigation start -> markers and counts visible, ms. */
  visible: number
  /** ... -> the total tile showed the fleet's size. */
  counts: number
  /** ... -> the whole fleet in (metrics, alerts) and the stream live. */
  live: number
  domContentLoaded: number
  /** GET /api/v1/cameras.geojson (the first paint) and /api/v1/cameras (the list with metrics). */
  geojson: Fetched | undefined
  list: Fetched | undefined
  /** Main-thread long tasks during the load, ms. */
  longTasks: number
}

/**
 * Runs in the page before its own scripts: every frame, until both hold, checks whether the
 * total tile shows the fleet's size and whether every positioned camera is on the map (cluster
 * counts plus single markers), and records when (performance.now() = ms since navigation start).
 */
/*
 * A string, not a function: tsx would wrap the function's inner closures in a `__name` helper
 * that the page does not have.
 */
const VISIBLE_PROBE = (total: number, positioned: number) => `(() => {
  const b = (window.__bench = { longTasks: 0 })
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.longTasks += e.duration
  }).observe({ type: 'longtask', buffered: true })
  const check = () => {
    const tile = document.querySelector('[data-count="total"] .tile-value')?.textContent?.replace(/\\D/g, '')
    if (b.counts === undefined && tile === '${total}') b.counts = performance.now()
    if (b.counts !== undefined) {
      // Markers are drawn on a canvas: the map's host answers what it drew (FleetMap.tsx).
      const host = document.querySelector('[data-testid="fleet-map"]')
      let onMap = 0
      for (const m of host && host.camtelMarkers ? host.camtelMarkers() : []) onMap += m.count
      if (b.visible === undefined && onMap === ${positioned}) b.visible = performance.now()
    }
    if (b.visible !== undefined && document.querySelector('.conn[data-state="live"]') !== null) {
      b.live = performance.now()
      return
    }
    requestAnimationFrame(check)
  }
  requestAnimationFrame(check)
})()`

async function waitVisible(page: Page): Promise<void> {
  try {
    await page.waitForFunction(() => (window as unknown as { __bench: { visible?: number } }).__bench.visible !== undefined, null, { timeout: 60_000, polling: 100 })
  } catch (err) {
    const shown = await page.evaluate(() => {
      const host = document.querySelector('[data-testid="fleet-map"]') as (Element & { camtelMarkers?: () => Array<{ count: number }> }) | null
      const onMap = (host?.camtelMarkers?.() ?? []).reduce((n, m) => n + m.count, 0)
      return { total: document.querySelector('[data-count="total"] .tile-value')?.textContent, onMap }
    })
    throw new Error(`markers and counts never showed the whole fleet: total tile ${shown.total}, ${shown.onMap} cameras on the map`, { cause: err })
  }
}

async function measureLoad(page: Page, url: string): Promise<Load> {
  await page.goto('about:blank')
  await page.goto(`${url}/`)
  await waitVisible(page)
  await page.waitForFunction(() => (window as unknown as { __bench: { live?: number } }).__bench.live !== undefined, null, { timeout: 60_000, polling: 100 })
  // A moment for the long-task observer to hear of the last tasks.
  await page.waitForTimeout(300)
  // A string for the same reason as the probe.
  return page.evaluate<Load>(`(() => {
    const b = window.__bench
    const nav = performance.getEntriesByType('navigation')[0]
    const resource = (path) => {
      const r = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === path)
      return r && { start: r.startTime, end: r.responseEnd, transfer: r.transferSize, decoded: r.decodedBodySize }
    }
    return {
      visible: b.visible,
      counts: b.counts,
      live: b.live,
      domContentLoaded: nav ? nav.domContentLoadedEventEnd : NaN,
      geojson: resource('/api/v1/cameras.geojson'),
      list: resource('/api/v1/cameras'),
      longTasks: b.longTasks,
    }
  })()`)
}

interface Events {
  seconds: number
  statusPerS: number
  telemetryPerS: number
  alertPerS: number
  taskMsPerS: number
  scriptMsPerS: number
  layoutMsPerS: number
  styleMsPerS: number
  longTaskMsPerS: number
  reportsPerS: number
  failed: number
  /** With --trace: self time per trace event on the renderer main thread, as a table. */
  trace?: string
}

/**
 * Every camera reports every (cameras / rate) seconds, alternately too hot and normal for a
 * critical rule with no delay, so that each report turns its camera critical or ok again.
 */
async function measureEvents(page: Page, cdp: CDPSession, url: string, ids: string[], rate: number, durationMs: number, trace: boolean): Promise<Events> {
  const rule = await api(url, 'PUT', '/api/v1/rules/bench-flip', { metric: 'temperature_c', op: '>', value: 80, for: 0, severity: 'critical', scope: 'all' })
  if (!rule.ok) throw new Error(`the rule: ${rule.status} ${await rule.text()}`)
  await page.goto(`${url}/`)
  await waitVisible(page)
  await page.waitForSelector('.conn[data-state="live"]')

  const counts = { status: 0, telemetry: 0, alert: 0 }
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/stream`)
  await once(ws, 'open')
  ws.send(JSON.stringify({ type: 'subscribe', topics: ['status', 'telemetry', 'alert'] }))
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as { type: string; topic?: keyof typeof counts } | Array<{ type: string; topic?: keyof typeof counts }>
    for (const m of Array.isArray(msg) ? msg : [msg]) if (m.type === 'event' && m.topic !== undefined) counts[m.topic]++
  })

  // Each report takes its camera to the other side of the rule, whatever an earlier run left.
  const critical = (await (await fetch(`${url}/api/v1/cameras?status=critical&limit=10000`)).json()) as { cameras: Array<{ id: string }> }
  const hot = new Map(ids.map((id) => [id, true]))
  for (const c of critical.cameras) hot.set(c.id, false)
  const tickMs = 100
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000))
  let next = 0
  let sent = 0
  let failed = 0
  const inflight = new Set<Promise<void>>()
  let stop = false
  const loop = (async () => {
    let due = performance.now()
    while (!stop) {
      const reports = []
      for (let k = 0; k < perTick; k++) {
        const id = ids[next] as string
        const flip = hot.get(id) as boolean
        hot.set(id, !flip)
        reports.push({ cameraId: id, ts: Date.now(), metrics: { temperature_c: flip ? 95 : 45, fps: 25 } })
        next = (next + 1) % ids.length
      }
      const p = api(url, 'POST', '/api/v1/telemetry', { reports })
        .then(async (r) => {
          if (r.ok) sent += reports.length
          else failed += reports.length
          await r.arrayBuffer()
        })
        .catch(() => void (failed += reports.length))
        .finally(() => inflight.delete(p))
      inflight.add(p)
      due += tickMs
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())))
    }
  })()

  const metric = async () => {
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> }
    const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN
    return { task: get('TaskDuration'), script: get('ScriptDuration'), layout: get('LayoutDuration'), style: get('RecalcStyleDuration') }
  }
  const longTasks = () => page.evaluate(() => (window as unknown as { __bench: { longTasks: number } }).__bench.longTasks)
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
  // Settle: the first flips open thousands of alerts at once.
  await new Promise((r) => setTimeout(r, 3000))
  const traced: TraceEvent[] = []
  if (trace) {
    cdp.on('Tracing.dataCollected', (d) => void traced.push(...(d.value as unknown as TraceEvent[])))
    await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute', transferMode: 'ReportEvents' })
  }
  const before = { task: await metric(), long: await longTasks(), counts: { ...counts }, sent, at: performance.now() }
  await new Promise((r) => setTimeout(r, durationMs))
  const after = { task: await metric(), long: await longTasks(), counts: { ...counts }, sent, at: performance.now() }
  if (trace) {
    const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()))
    await cdp.send('Tracing.end')
    await complete
  }
  stop = true
  await loop
  await Promise.all(inflight)
  ws.close()
  const seconds = (after.at - before.at) / 1000
  return {
    seconds,
    statusPerS: (after.counts.status - before.counts.status) / seconds,
    telemetryPerS: (after.counts.telemetry - before.counts.telemetry) / seconds,
    alertPerS: (after.counts.alert - before.counts.alert) / seconds,
    taskMsPerS: ((after.task.task - before.task.task) * 1000) / seconds,
    scriptMsPerS: ((after.task.script - before.task.script) * 1000) / seconds,
    layoutMsPerS: ((after.task.layout - before.task.layout) * 1000) / seconds,
    styleMsPerS: ((after.task.style - before.task.style) * 1000) / seconds,
    longTaskMsPerS: (after.long - before.long) / seconds,
    reportsPerS: (after.sent - before.sent) / seconds,
    failed,
    ...(trace ? { trace: selfTimes(traced, seconds) } : {}),
  }
}

interface TraceEvent {
  name: string
  ph: string
  ts: number
  dur?: number
  pid: number
  tid: number
  args?: { name?: string }
}

/**
 * Self time (an event's duration less that of the events nested in it) per event name on the
 * renderer's main thread (CrRendererMain), in ms per second, the largest first.
 */
function selfTimes(events: TraceEvent[], seconds: number): string {
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
  if (!main) return 'trace: no renderer main thread in the trace'
  const spans = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0))
  const self = new Map<string, number>()
  const count = new Map<string, number>()
  const stack: Array<{ name: string; end: number }> = []
  for (const e of spans) {
    while (stack.length > 0 && (stack.at(-1) as { end: number }).end <= e.ts) stack.pop()
    const dur = e.dur as number
    const parent = stack.at(-1)
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - dur)
    self.set(e.name, (self.get(e.name) ?? 0) + dur)
    count.set(e.name, (count.get(e.name) ?? 0) + 1)
    stack.push({ name: e.name, end: e.ts + dur })
  }
  const rows = [...self].filter(([, us]) => us / 1000 / seconds >= 0.5).sort((a, b) => b[1] - a[1])
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  return [`trace (renderer main thread, self time)  ${(total / 1000 / seconds).toFixed(0)} ms/s in all`, ...rows.map(([name, us]) => `  ${name.padEnd(36)} ${(us / 1000 / seconds).toFixed(1).padStart(6)} ms/s  ${((count.get(name) ?? 0) / seconds).toFixed(0).padStart(5)} /s`)].join('\n')
}

function report(o: { cameras: number; runs: number; rate: number }, loads: Record<'cold' | 'warm', Load[]>, e: Events, errors: string[]): string {
  const lines = ['']
  for (const cache of ['cold', 'warm'] as const) {
    const runs = loads[cache]
    const m = runs.slice().sort((a, b) => a.visible - b.visible)[Math.floor((runs.length - 1) / 2)] as Load
    const all = runs.map((r) => Math.round(r.visible)).join(', ')
    lines.push(
      `load, ${cache} cache    median ${Math.round(m.visible)} ms to markers and counts visible (runs: ${all})`,
      `  median run            DOMContentLoaded ${Math.round(m.domContentLoaded)} ms; counts ${Math.round(m.counts)} ms; ` +
        fetched('cameras.geojson', m.geojson) +
        fetched('cameras', m.list) +
        `live ${Math.round(m.live)} ms; long tasks until then ${Math.round(m.longTasks)} ms`,
    )
  }
  lines.push(
    `events                ${Math.round(e.statusPerS)} status/s (+ ${Math.round(e.telemetryPerS)} telemetry/s, ${Math.round(e.alertPerS)} alert/s) on the stream over ${e.seconds.toFixed(1)} s; ${Math.round(e.reportsPerS)} reports/s sent, ${e.failed} failed`,
    `main-thread work      ${Math.round(e.taskMsPerS)} ms/s (TaskDuration), long tasks ${Math.round(e.longTaskMsPerS)} ms/s, on the fleet view with ${o.cameras.toLocaleString('en-US')} cameras (target < 100 ms/s)`,
    `  of which            script ${Math.round(e.scriptMsPerS)} ms/s, style ${Math.round(e.styleMsPerS)} ms/s, layout ${Math.round(e.layoutMsPerS)} ms/s (the rest: paint, compositing, parsing, the browser's own tasks)`,
    `console errors        ${errors.length === 0 ? 'none' : errors.slice(0, 5).join(' | ')}`,
    `machine load average  ${loadavg()
      .map((x) => x.toFixed(1))
      .join(', ')} (1, 5, 15 min; other work on the machine competes for its ${cpus().length} CPUs)`,
  )
  return lines.join('\n')
}

const fetched = (name: string, f: Fetched | undefined) =>
  f ? `${name} ${Math.round(f.start)}–${Math.round(f.end)} ms, ${kb(f.transfer)} on the wire, ${kb(f.decoded)} of JSON; ` : `${name} not yet in; `

const kb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} kB`)

function api(url: string, method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

/** The simulator's fleet (sites and cameras with positions), registered, and one report each. */
async function seed(url: string, n: number): Promise<{ sites: number; positioned: number; ids: string[] }> {
  const fleet = createFleet({ cameras: n, seed: 7 })
  // Every simulated camera has a position of its own.
  const done = { sites: fleet.sites.length, positioned: fleet.cameras.length, ids: fleet.cameras.map((c) => c.id) }
  const summary = (await (await fetch(`${url}/api/v1/fleet/summary`)).json()) as { cameras: number }
  if (summary.cameras === n) return done
  if (summary.cameras !== 0) throw new Error(`the data folder holds ${summary.cameras} cameras, not ${n}`)
  for (const s of fleet.sites) {
    const r = await api(url, 'PUT', `/api/v1/sites/${encodeURIComponent(s.id)}`, { name: s.name, lat: s.lat, lon: s.lon, timezone: s.timezone, uplinkMbps: s.uplinkMbps })
    if (!r.ok) throw new Error(`site ${s.id}: ${r.status} ${await r.text()}`)
  }
  const queue = [...fleet.cameras]
  const worker = async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      const { name, siteId, lat, lon, model, firmware, tags } = c
      const r = await api(url, 'PUT', `/api/v1/cameras/${encodeURIComponent(c.id)}`, { name, siteId, lat, lon, model, firmware, tags })
      if (!r.ok) throw new Error(`camera ${c.id}: ${r.status} ${await r.text()}`)
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  const now = Date.now()
  const models = createModels(fleet)
  for (let i = 0; i < models.length; i += 1000) {
    const reports = models.slice(i, i + 1000).map((m) => ({ cameraId: m.camera.id, ts: now, metrics: m.sample(now) ?? { fps: 25 } }))
    const r = await api(url, 'POST', '/api/v1/telemetry', { reports })
    if (!r.ok) throw new Error(`telemetry: ${r.status} ${await r.text()}`)
  }
  return done
}

async function startServer(dataDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli', 'main.ts'), 'serve'], {
    env: {
      ...process.env,
      CAMTEL_DATA: dataDir,
      CAMTEL_HOST: '127.0.0.1',
      CAMTEL_PORT: String(port),
      CAMTEL_AUTH: 'off',
      CAMTEL_LOG_LEVEL: 'warn',
      CAMTEL_SYNC: 'normal',
      // Seeded once: the cameras must not go offline while the browser measures.
      CAMTEL_OFFLINE_AFTER: '1d',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`camtel exited with ${child.exitCode} before it was ready`)
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break
    if (Date.now() > deadline) throw new Error('camtel did not answer /healthz within 60 s')
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}

function machine(): string {
  const cpu = cpus()
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpu[0]?.model ?? 'unknown'
  return `machine: nproc ${cpu.length}, ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), Node ${process.version}`
}
