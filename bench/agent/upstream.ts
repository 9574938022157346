import { rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ADMIN, cpuSeconds, healthy, serve, sleep, stop } from './support.js'
import { freePort } from '../../src/core/test-support/ports.js'

/** Where the agent uploads to in the benchmark. */
export interface Upstream {
  readonly url: string
  readonly kind: 'server' | 'stub'
  /** When the report of camera `bench-probe` with this ts reached the upstream, if it did (epoch ms). */
  probeArrival(ts: number): number | undefined
  /** Reports the upstream stored. */
  accepted(): Promise<number>
  /** CPU seconds the upstream's process has used so far (a server's; undefined for the stub or off Linux). */
  cpuSeconds(): number | undefined
  stop(): Promise<void>
}

/** A real `camtel serve` on a fresh data folder; probes are found by polling the camera every 100 ms. */
export async function serverUpstream(data: string, keep: boolean, nodeArgs: string[] = []): Promise<Upstream> {
  const port = await freePort()
  const proc = serve(data, port, nodeArgs)
  const url = `http://127.0.0.1:${port}`
  await healthy(url)
  const seen: Array<[number, number]> = []
  let polling = true
  const poll = (async () => {
    while (polling) {
      try {
        const res = await fetch(`${url}/api/v1/cameras/bench-probe`, { headers: { authorization: `Bearer ${ADMIN}` } })
        if (res.ok) seen.push([Date.parse(((await res.json()) as { lastTs: string }).lastTs), Date.now()])
      } catch {
        // busy; try again
      }
      await sleep(100)
    }
  })()
  return {
    url,
    kind: 'server',
    probeArrival: (ts) => seen.find(([lastTs]) => lastTs >= ts)?.[1],
    async accepted() {
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()
      return [...metrics.matchAll(/^camtel_reports_accepted_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0)
    },
    cpuSeconds: () => (proc.pid === undefined ? undefined : cpuSeconds(proc.pid)),
    async stop() {
      polling = false
      await poll
      await stop(proc)
      if (!keep) rmSync(data, { recursive: true, force: true })
    },
  }
}

/**
 * A stand-in that acknowledges every report at once, in this process: it shows what the agent
 * itself can drain, apart from how fast a server on the same machine stores.
 */
export async function stubUpstream(): Promise<Upstream> {
  let accepted = 0
  const probes = new Map<number, number>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.url === '/api/v1/telemetry') {
        const { reports } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { reports: Array<{ cameraId: string; ts: number }> }
        accepted += reports.length
        for (const r of reports) if (r.cameraId === 'bench-probe') probes.set(r.ts, Date.now())
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: reports.length, duplicates: 0, rejected: [] }))
      } else {
        res.writeHead(req.url === '/api/v1/gaps' ? 201 : 404).end('{}')
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    kind: 'stub',
    probeArrival: (ts) => probes.get(ts),
    accepted: async () => accepted,
    cpuSeconds: () => undefined,
    async stop() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}
