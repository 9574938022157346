import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

export const E2E_ADMIN_TOKEN = 'ct_e2e-admin-token'

export interface CamtelProcess {
  url: string
  /** SIGKILL: no clean shutdown, as a crash or `kill -9` would leave it. */
  kill(): Promise<void>
}

/**
 * `camtel serve` as its own process (from the TypeScript sources), so that the test can kill it
 * for real and start it again on the same port and data folder.
 */
export async function startCamtel(opts: { port: number; dataDir: string; auth?: 'on' | 'off' }): Promise<CamtelProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      CAMTEL_HOST: '127.0.0.1',
      CAMTEL_PORT: String(opts.port),
      CAMTEL_DATA: opts.dataDir,
      CAMTEL_AUTH: opts.auth ?? 'on',
      CAMTEL_ADMIN_TOKEN: E2E_ADMIN_TOKEN,
      CAMTEL_LOG_LEVEL: 'warn',
      CAMTEL_SYNC: 'normal',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${opts.port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`camtel exited with ${child.exitCode} before it was ready:\n${output}`)
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`camtel did not answer /healthz within 60 s:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}
