import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, waitHealthy } from './support.js'
import { freePort } from '../../src/core/test-support/ports.js'

const TOKEN = 'ct_kill9-rollups-token'
const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }

const procs: ChildProcess[] = []
const dirs: string[] = []
afterEach(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('rollup durability', () => {
  it('has rollups consistent with every acknowledged report after a SIGKILL right after the answers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'camtel-kill9-rollups-'))
    dirs.push(dataDir)
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const first = startServer(dataDir, port, TOKEN)
    procs.push(first)
    await waitHealthy(url, first)

    const t0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000
    const cameras = 5
    const perCamera = 720 // two hours at 10 s
    const all = Array.from({ length: cameras * perCamera }, (_, i) => {
      const cam = i % cameras
      const k = Math.floor(i / cameras)
      return { cameraId: `cam-${cam}`, seq: k, ts: t0 + k * 10_000, metrics: { fps: 20 + (k % 11), temperature_c: 35.5 + cam } }
    })
    // Several batches in flight at once, then the kill as soon as the last is acknowledged.
    const batches = Array.from({ length: 6 }, (_, b) => all.slice(b * 600, (b + 1) * 600))
    const answers = await Promise.all(batches.map((reports) => fetch(`${url}/api/v1/telemetry`, { method: 'POST', headers, body: JSON.stringify({ reports }) }).then((r) => r.json())))
    expect(answers.reduce((n, a) => n + (a as { accepted: number }).accepted, 0)).toBe(all.length)
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))

    const second = startServer(dataDir, port, TOKEN)
    procs.push(second)
    await waitHealthy(url, second)
    for (let c = 0; c < cameras; c++) {
      const q = `metric=fps&from=${t0}&to=${t0 + perCamera * 10_000 - 1}`
      const get = async (extra: string) =>
        (await (await fetch(`${url}/api/v1/cameras/cam-${c}/series?${q}${extra}`, { headers })).json()) as {
          tier: string
          points: Array<[number, number]>
          stats: Array<[number, number, number, number]>
        }
      const raw = await get('&step=10s')
      expect(raw.tier).toBe('raw')
      expect(raw.points).toHaveLength(perCamera)
      for (const step of ['1m', '1h']) {
        const s = await get(`&step=${step}`)
        expect(s.tier).toBe(step)
        expect(s.stats.reduce((n, [, , , count]) => n + count, 0)).toBe(perCamera)
        expect(Math.min(...s.stats.map(([, min]) => min))).toBe(20)
        expect(Math.max(...s.stats.map(([, , max]) => max))).toBe(30)
        const sum = s.points.reduce((acc, [, avg], i) => acc + avg * (s.stats[i]?.[3] ?? 0), 0)
        expect(sum).toBeCloseTo(raw.points.reduce((acc, [, v]) => acc + v, 0), 6)
      }
    }
    second.kill('SIGTERM')
  })
})
