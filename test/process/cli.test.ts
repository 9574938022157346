import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = new URL('../../', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'camtel-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function camtel(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, CAMTEL_DATA: join(dir, 'data'), CAMTEL_PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  })
  return { status: r.status, out: r.stdout, err: r.stderr }
}

describe('camtel command', () => {
  it('prints help for itself and every command', () => {
    const top = camtel(['--help'])
    expect(top.status).toBe(0)
    expect(top.out).toMatch(/serve/)
    expect(top.out).toMatch(/demo/)
    expect(top.out).toMatch(/sim/)
    expect(top.out).toMatch(/agent/)
    for (const cmd of ['serve', 'demo', 'sim', 'agent']) {
      const r = camtel([cmd, '--help'])
      expect(r.status, cmd).toBe(0)
      expect(r.out).toMatch(new RegExp(`Usage: camtel ${cmd}`))
    }
    expect(camtel(['serve', '--help']).out).toMatch(/CAMTEL_OFFLINE_AFTER/)
  })

  it('refuses CAMTEL_AUTH=off on a non-loopback address, before listening', () => {
    const r = camtel(['serve'], { CAMTEL_AUTH: 'off', CAMTEL_HOST: '0.0.0.0' })
    expect(r.status).not.toBe(0)
    expect(r.err).toMatch(/CAMTEL_AUTH/)
    expect(r.out).not.toMatch(/listening/)
  })

  it('stops on a bad configuration value with a message naming the key', () => {
    const r1 = camtel(['serve'], { CAMTEL_PORT: 'eighty' })
    expect(r1.status).toBe(2)
    expect(r1.err).toMatch(/CAMTEL_PORT/)
    const r2 = camtel(['serve', '--offline-after', 'soon'])
    expect(r2.status).toBe(2)
    expect(r2.err).toMatch(/--offline-after/)
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ retentionRaw: 'forever' }))
    const r3 = camtel(['serve', '--config', file])
    expect(r3.status).toBe(2)
    expect(r3.err).toMatch(/retentionRaw/)
    writeFileSync(file, JSON.stringify({ colour: 'blue' }))
    expect(camtel(['serve', '--config', file]).err).toMatch(/colour/)
    expect(camtel(['serve', '--no-such-flag']).status).toBe(2)
    expect(camtel(['launch']).status).toBe(2)
  })
})

describe('bin/camtel.js', () => {
  it('says so when src/ changed after the build it runs, and not otherwise', () => {
    // A checkout in miniature: the launcher, a "build" that prints, and one source file.
    const co = join(dir, 'checkout')
    for (const d of ['bin', 'dist/cli', 'src/cli']) mkdirSync(join(co, d), { recursive: true })
    copyFileSync(join(ROOT, 'bin/camtel.js'), join(co, 'bin/camtel.js'))
    writeFileSync(join(co, 'dist/cli/main.js'), "console.log('built')\n")
    writeFileSync(join(co, 'src/cli/main.ts'), '// source\n')
    const run = () => spawnSync(process.execPath, [join(co, 'bin/camtel.js')], { encoding: 'utf8', timeout: 20_000 })
    const t = Date.now() / 1000
    utimesSync(join(co, 'dist/cli/main.js'), t, t)
    utimesSync(join(co, 'src/cli/main.ts'), t - 60, t - 60)
    const fresh = run()
    expect(fresh.stdout).toBe('built\n')
    expect(fresh.stderr).toBe('')
    utimesSync(join(co, 'src/cli/main.ts'), t + 60, t + 60)
    const stale = run()
    expect(stale.stdout).toBe('built\n')
    expect(stale.stderr).toMatch(/src\/ has changed since the last build.*npm run build/)
  })
})
