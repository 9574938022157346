import { type ChildProcess, execFileSync, execSync, spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { resolve } from 'node:path'

/** Helpers of the agent benchmark: processes, ports, memory, the machine, and report making. */

export const ROOT = resolve(new URL('../../', import.meta.url).pathname)
export const ADMIN = 'ct_bench-agent-admin'

/**
 * Compiles the sources as `npm run build` does, but into a folder of its own (the checkout's
 * dist/ stays untouched), and answers the path of its main.js: the agent is measured as it is
 * installed, compiled, since running through tsx adds some 35 MB of loader and source maps.
 */
export function buildCompiled(): string {
  const out = resolve(ROOT, 'node_modules/.cache/camtel-bench')
  mkdirSync(out, { recursive: true })
  // dist/version.js reads ../package.json.
  copyFileSync(resolve(ROOT, 'package.json'), resolve(out, 'package.json'))
  try {
    execFileSync(resolve(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', resolve(out, 'dist')], { cwd: ROOT, stdio: 'pipe' })
  } catch (err) {
    // tsc emits even with type errors (work in progress elsewhere in the tree); say so.
    const out = String((err as { stdout?: unknown }).stdout ?? '').split('\n').slice(0, 3).join('\n')
    console.warn(`tsc reported errors; running what it emitted:\n${out}`)
  }
  const main = resolve(out, 'dist/cli/main.js')
  if (!existsSync(main)) throw new Error('the build produced no dist/cli/main.js')
  return main
}

/** `camtel <args>`: from `main` (compiled) when given, else from the sources through tsx; stderr passes through. */
export function camtel(args: string[], env: Record<string, string> = {}, main?: string, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, ...(main ? [main] : ['--import', 'tsx', 'src/cli/main.ts']), ...args], {
    cwd: ROOT,
    env: { ...process.env, CAMTEL_LOG_LEVEL: 'warn', ...env },
    // Their warnings and errors show in the benchmark's output.
    stdio: ['ignore', 'inherit', 'inherit'],
  })
}

export function serve(data: string, port: number, nodeArgs: string[] = []): ChildProcess {
  return camtel(['serve'], { CAMTEL_DATA: data, CAMTEL_PORT: String(port), CAMTEL_HOST: '127.0.0.1', CAMTEL_ADMIN_TOKEN: ADMIN }, undefined, nodeArgs)
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc; undefined elsewhere. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name: state is the 3rd of stat, utime and stime the 14th and 15th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    const ticks = Number(fields[11]) + Number(fields[12])
    return Number.isFinite(ticks) ? ticks / CLOCK_TICKS : undefined
  } catch {
    return undefined
  }
}

/** USER_HZ: 100 on every Linux platform Node runs on. */
const CLOCK_TICKS = 100

export async function healthy(url: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  throw new Error(`${url} did not become healthy`)
}

export async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return
  const exited = new Promise((r) => p.once('exit', r))
  p.kill('SIGTERM')
  await Promise.race([exited, sleep(15_000).then(() => p.kill('SIGKILL'))])
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Resident memory of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : Number.NaN
}

export function machine(): string {
  const cpu = cpus()
  let free = ''
  try {
    free = execSync('free -h', { encoding: 'utf8' }).trim()
  } catch {
    free = '(free -h unavailable)'
  }
  return [`nproc ${cpu.length}, CPU ${cpu[0]?.model ?? 'unknown'}, Node ${process.version}`, free].join('\n')
}

export interface AgentStatus {
  received: number
  uploaded: number
  downSince?: number
  metrics: Record<string, number>
  memoryMb: { rss: number; heapTotal: number; heap: number; external: number }
}

export async function agentStatus(url: string): Promise<AgentStatus> {
  return (await (await fetch(`${url}/healthz`)).json()) as AgentStatus
}

const METRICS: Array<[string, number, number]> = [
  ['fps', 25, 0.5],
  ['temperature_c', 45, 4],
  ['disk_used_pct', 71, 0.2],
  ['packet_loss_pct', 0.1, 0.05],
  ['bitrate_kbps', 4000, 300],
  ['uptime_s', 500_000, 0],
  ['power_w', 6.5, 0.4],
  ['latency_ms', 2, 0.5],
  ['image_quality', 90, 2],
  ['focus_score', 93, 1],
  ['jitter_ms', 0.8, 0.2],
  ['humidity_pct', 40, 5],
  ['voltage_v', 52, 0.3],
  ['bandwidth_mbps', 4.2, 0.3],
  ['clock_skew_s', 0.05, 0.02],
  ['disk_health_pct', 97, 0],
]

/** A plausible health report with `n` metrics (at most 16), cheap enough to make millions of. */
export function makeReport(cameraId: string, ts: number, n: number): { cameraId: string; ts: number; metrics: Record<string, number> } {
  const metrics: Record<string, number> = {}
  for (let i = 0; i < n && i < METRICS.length; i++) {
    const [name, base, noise] = METRICS[i] as [string, number, number]
    metrics[name] = Math.round((base + (Math.random() - 0.5) * 2 * noise) * 100) / 100
  }
  return { cameraId, ts, metrics }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<[number, number]>): number {
  const n = points.length
  if (n < 2) return 0
  const mx = points.reduce((s, p) => s + p[0], 0) / n
  const my = points.reduce((s, p) => s + p[1], 0) / n
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0)
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0)
  return den === 0 ? 0 : num / den
}
