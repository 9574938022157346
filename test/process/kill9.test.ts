import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

const ROOT = new URL('../../', import.meta.url).pathname
const TOKEN = 'ct_kill9-test-token'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

function startServer(dataDir: string, port: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, CAMTEL_DATA: dataDir, CAMTEL_PORT: String(port), CAMTEL_HOST: '127.0.0.1', CAMTEL_ADMIN_TOKEN: TOKEN, CAMTEL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

async function waitHealthy(url: string, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('server did not become healthy')
}

const procs: ChildProcess[] = []
const dirs: string[] = []
afterEach(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('durability', () => {
  it('loses none of an acknowledged batch of 500 reports when the server is killed with SIGKILL right after the answer', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'camtel-kill9-'))
    dirs.push(dataDir)
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const first = startServer(dataDir, port)
    procs.push(first)
    await waitHealthy(url, first)

    const t0 = Date.now() - 3_600_000
    const reports = Array.from({ length: 500 }, (_, i) => ({
      cameraId: `cam-${i % 10}`,
      seq: i,
      ts: t0 + i * 1000,
      metrics: { fps: 25, temperature_c: 40 + (i % 7), disk_used_pct: 71.5 },
    }))
    const res = await fetch(`${url}/api/v1/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ reports }),
    })
    expect(await res.json()).toEqual({ accepted: 500, duplicates: 0, rejected: [] })
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))

    const second = startServer(dataDir, port)
    procs.push(second)
    await waitHealthy(url, second)
    let total = 0
    for (let c = 0; c < 10; c++) {
      const s = await fetch(`${url}/api/v1/cameras/cam-${c}/series?metric=fps&from=${t0}&to=${t0 + 500_000}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
      total += ((await s.json()) as { points: unknown[] }).points.length
    }
    expect(total).toBe(500)
    // Sent again after the restart, every report is a duplicate: nothing was stored twice either.
    const again = await fetch(`${url}/api/v1/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ reports }),
    })
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 500, rejected: [] })
    second.kill('SIGTERM')
  })
})
