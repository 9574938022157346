import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type FailureMode, type PredictionView, RAISE_RISK } from '../../protocol/predictions.js'
import { backfill } from '../../sim/index.js'
import { Baselines } from './baselines.js'
import type { PreparedFleet } from './fleet-run.js'
import { type Raise, RaiseTracker } from './scoring.js'

const HOUR = 3_600_000
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

export interface ServerProcess {
  readonly url: string
  readonly token: string
  readonly child: ChildProcess
  stop(): Promise<void>
}

/**
 * A real `camtel serve` in its own process (its own core), on loopback with a fresh data folder,
 * through the same CLI an operator runs.
 */
export async function startServerProcess(): Promise<ServerProcess> {
  const data = mkdtempSync(join(tmpdir(), 'camtel-eval-'))
  const token = `ct_eval-${randomBytes(12).toString('hex')}`
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      CAMTEL_HOST: '127.0.0.1',
      CAMTEL_PORT: '0',
      CAMTEL_DATA: data,
      CAMTEL_ADMIN_TOKEN: token,
      CAMTEL_LOG_LEVEL: 'warn',
      // The evaluation measures predictions, not durability: skip the fsync per batch.
      CAMTEL_SYNC: 'normal',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const m = /listening on (http:\/\/[^\s]+)/.exec(out)
      if (m) {
        child.stdout?.off('data', onData)
        resolve((m[1] as string).replace('localhost', '127.0.0.1'))
      }
    }
    child.stdout?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`camtel serve exited with ${code} before listening:\n${out}`)))
  })
  child.stdout?.resume()
  return {
    url,
    token,
    child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(data, { recursive: true, force: true })
    },
  }
}

export interface HttpRunResult {
  readonly raises: readonly Raise[]
  readonly staticRaises: readonly Raise[]
  readonly linearRaises: readonly Raise[]
  readonly reports: number
  readonly reads: number
  /** The top of the list at the end, as an operator would see it. */
  readonly sample: readonly PredictionView[]
  readonly seconds: number
}

/**
 * Sends a prepared fleet's whole history to the server in data-time order (hourly samples),
 * and at every hour of data time after the warm-up, once everything before it is acknowledged,
 * reads `GET /api/v1/predictions?minRisk=0.5`. Predictions are computed on data time, so that
 * answer is the server's view "as of" that hour. The baselines see the very reports the server took.
 */
export async function runOverHttp(p: PreparedFleet, server: ServerProcess, stepS = 3600): Promise<HttpRunResult> {
  const ours = new RaiseTracker()
  const stat = new RaiseTracker()
  const lin = new RaiseTracker()
  const baselines = new Baselines()
  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.token}` } })
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as { predictions: PredictionView[] }
  }
  let reads = 0
  const t0 = performance.now()
  const result = await backfill({
    server: server.url,
    token: server.token,
    cameras: p.spec.cameras,
    seed: p.spec.seed,
    sites: p.spec.sites,
    scenario: p.scenario,
    hours: p.spec.days * 24,
    stepS,
    until: p.to,
    concurrency: 2,
    checkpointEveryMs: HOUR,
    onBatch: (batch) => {
      for (const r of batch) {
        const metrics: Record<string, number> = {}
        for (const [k, v] of Object.entries(r.metrics)) metrics[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v
        baselines.add(r.cameraId, typeof r.ts === 'string' ? Date.parse(r.ts) : r.ts, metrics)
      }
    },
    onCheckpoint: async (t) => {
      if (t < p.readFrom) return
      const { predictions } = await get(`/api/v1/predictions?minRisk=${RAISE_RISK}&limit=10000`)
      ours.read(
        t,
        predictions.map((v) => ({ cameraId: v.cameraId, mode: v.mode as FailureMode, eta: v.eta === null ? null : Date.parse(v.eta) })),
      )
      stat.read(t, baselines.staticRaised())
      lin.read(t, baselines.linearRaised(t))
      reads++
    },
  })
  const sample = (await get('/api/v1/predictions?limit=10')).predictions
  return {
    raises: ours.raises,
    staticRaises: stat.raises,
    linearRaises: lin.raises,
    reports: result.reports,
    reads,
    sample,
    seconds: (performance.now() - t0) / 1000,
  }
}
