import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, waitHealthy } from './support.js'
import { freePort } from '../../src/core/test-support/ports.js'

const TOKEN = 'ct_kill9-test-token'

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
    const first = startServer(dataDir, port, TOKEN)
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

    const second = startServer(dataDir, port, TOKEN)
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
