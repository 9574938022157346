import { describe, expect, it } from 'vitest'
import { parseAgentArgs, parseBytes } from './agent.js'

const base = ['--server', 'http://camtel.example:8080/', '--token', 't0k', '--buffer', '/var/lib/camtel-agent']

describe('camtel agent arguments', () => {
  it('reads sizes in bytes, SI and IEC units', () => {
    expect(parseBytes('1GiB')).toBe(1024 ** 3)
    expect(parseBytes('512MiB')).toBe(512 * 1024 ** 2)
    expect(parseBytes('100MB')).toBe(100e6)
    expect(parseBytes('64k')).toBe(64_000)
    expect(parseBytes('4096')).toBe(4096)
    for (const bad of ['', 'lots', '1.5.2G', '-1G', '1PB']) expect(parseBytes(bad), bad).toBeUndefined()
  })

  it('has the documented defaults and takes every source', () => {
    const o = parseAgentArgs([...base, '--listen', '9090', '--mqtt', 'mqtt://127.0.0.1:1883', '--sim', '20', '--interval', '5', '--name', 'gate-7'], {})
    expect(o).toMatchObject({
      server: 'http://camtel.example:8080',
      token: 't0k',
      bufferDir: '/var/lib/camtel-agent',
      name: 'gate-7',
      bufferCapBytes: 1024 ** 3,
      dedupWindowS: 600,
      listen: { port: 9090, host: '127.0.0.1' },
      mqtt: { url: 'mqtt://127.0.0.1:1883', topic: 'camtel/+/+/telemetry' },
      sim: { cameras: 20, intervalS: 5, seed: 1 },
      healthIntervalS: 10,
      batchReports: 1000,
      backlogRate: 10_000,
      retry: { minMs: 500, maxMs: 30_000 },
    })
  })

  it('takes the server and token from the environment, and refuses what it cannot use', () => {
    expect(parseAgentArgs(['--buffer', 'b'], { CAMTEL_SERVER: 'http://s', CAMTEL_TOKEN: 'x' })).toMatchObject({ server: 'http://s', token: 'x' })
    const refused = (args: string[]) => () => parseAgentArgs(args, {})
    expect(refused(['--token', 't', '--buffer', 'b'])).toThrow(/--server/)
    expect(refused(['--server', 'http://s', '--buffer', 'b'])).toThrow(/--token/)
    expect(refused(['--server', 'http://s', '--token', 't'])).toThrow(/--buffer/)
    expect(refused([...base, '--buffer-cap', '1KiB'])).toThrow(/--buffer-cap/)
    expect(refused([...base, '--name', 'has space'])).toThrow(/--name/)
    expect(refused([...base, '--listen', '70000'])).toThrow(/--listen/)
    expect(refused([...base, '--sync', 'sometimes'])).toThrow(/--sync/)
    expect(refused([...base, '--colour', 'blue'])).toThrow()
  })
})
