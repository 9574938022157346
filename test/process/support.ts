/** What the process-level tests share: `camtel serve` as a child process, its health. */
import { type ChildProcess, spawn } from 'node:child_process'

export const ROOT = new URL('../../', import.meta.url).pathname

/** `camtel serve` from the sources on 127.0.0.1:port, with `token` as its admin token. */
export function startServer(dataDir: string, port: number, token: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, CAMTEL_DATA: dataDir, CAMTEL_PORT: String(port), CAMTEL_HOST: '127.0.0.1', CAMTEL_ADMIN_TOKEN: token, CAMTEL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

export async function waitHealthy(url: string, proc: ChildProcess): Promise<void> {
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
