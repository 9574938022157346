import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SOURCES = ['web', 'src/client', 'src/protocol']

function newest(dir: string): number {
  let t = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue
    const p = join(dir, entry.name)
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

/**
 * The server serves web/dist, which `npm run build` (and so `npm install`) makes. When the
 * sources changed since, the tests build it again, so that they never test a stale dashboard.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  const index = join(ROOT, 'web/dist/index.html')
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...SOURCES.map((s) => newest(join(ROOT, s))))) return
  const { build } = await import('vite')
  await build({ configFile: join(ROOT, 'web/vite.config.ts'), logLevel: 'warn' })
}
