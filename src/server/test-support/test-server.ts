import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { type Config, loadConfig } from '../../config/index.js'
import type { Clock } from '../../core/clock.js'
import { type CamtelServer, type ServerDeps, createServer } from '../app.js'

export const ADMIN_TOKEN = 'ct_test-admin-token'

export interface TestServer {
  server: CamtelServer
  url: string
  dataDir: string
  /** fetch against the server with the admin token unless headers say otherwise. */
  api(path: string, init?: RequestInit & { json?: unknown; token?: string | null }): Promise<Response>
  close(opts?: { keepData?: boolean }): Promise<void>
}

/** A real server on 127.0.0.1 with a random port and a fresh data folder. */
export async function startTestServer(
  overrides: Partial<Config> = {},
  deps: { clock?: Clock; dataDir?: string } & Pick<ServerDeps, 'eventLog' | 'stream'> = {},
): Promise<TestServer> {
  const dataDir = deps.dataDir ?? mkdtempSync(join(tmpdir(), 'camtel-test-'))
  const config: Config = {
    ...loadConfig({ env: {}, flags: {} }),
    host: '127.0.0.1',
    port: 0,
    data: dataDir,
    adminToken: ADMIN_TOKEN,
    logLevel: 'silent',
    sync: 'normal',
    ...overrides,
  }
  const server = await createServer(config, { clock: deps.clock, logger: pino({ level: 'silent' }), eventLog: deps.eventLog, stream: deps.stream })
  await server.listen()
  const port = (server.app.server.address() as { port: number }).port
  const url = `http://127.0.0.1:${port}`
  return {
    server,
    url,
    dataDir,
    api(path, init = {}) {
      const { json, token = ADMIN_TOKEN, ...rest } = init
      const headers = new Headers(rest.headers)
      if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`)
      if (json !== undefined) headers.set('content-type', 'application/json')
      return fetch(`${url}${path}`, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body })
    },
    async close(opts = {}) {
      await server.close()
      if (!opts.keepData && !deps.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
