import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, parseDuration } from './index.js'

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({ env: {}, flags: {}, cwd: '/srv' })
    expect(c).toMatchObject({ host: '0.0.0.0', port: 8080, data: '/srv/data', auth: 'on', offlineAfter: 60, retentionRaw: 7 * 86400 })
    expect(c.db).toBeUndefined()
  })

  it('takes flags over environment over the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camtel-config-'))
    try {
      const file = join(dir, 'c.json')
      writeFileSync(file, JSON.stringify({ port: 9000, offlineAfter: '2m', host: '127.0.0.1', authFailures: 7 }))
      const c = loadConfig({ configFile: file, env: { CAMTEL_PORT: '9100' }, flags: { 'offline-after': '90s' } })
      expect(c.port).toBe(9100)
      expect(c.offlineAfter).toBe(90)
      expect(c.host).toBe('127.0.0.1')
      expect(c.authFailures).toBe(7)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('names the key of a bad value', () => {
    expect(() => loadConfig({ env: { CAMTEL_PORT: '70000' } })).toThrow(/CAMTEL_PORT/)
    expect(() => loadConfig({ env: { CAMTEL_DB: 'mysql://x' } })).toThrow(/CAMTEL_DB/)
    expect(() => loadConfig({ env: { CAMTEL_AUTH: 'maybe' } })).toThrow(ConfigError)
    expect(() => loadConfig({ env: {}, flags: { 'retention-raw': '-1d' } })).toThrow(/--retention-raw/)
  })

  it('sets the stream replay window (CAMTEL_REPLAY_AGE, CAMTEL_REPLAY_EVENTS)', () => {
    expect(loadConfig({ env: {} })).toMatchObject({ replayAge: 86_400, replayEvents: 1_000_000 })
    expect(loadConfig({ env: { CAMTEL_REPLAY_AGE: '90m', CAMTEL_REPLAY_EVENTS: '5000' } })).toMatchObject({ replayAge: 5400, replayEvents: 5000 })
    expect(() => loadConfig({ env: { CAMTEL_REPLAY_EVENTS: '0' } })).toThrow(/CAMTEL_REPLAY_EVENTS/)
  })

  it('takes a tile server for the dashboard map (CAMTEL_TILE_URL) only as a {z}/{x}/{y} template', () => {
    expect(loadConfig({ env: {} })).toMatchObject({ tileUrl: undefined, tileAttribution: undefined })
    const c = loadConfig({ env: { CAMTEL_TILE_URL: 'https://tiles.example/{z}/{x}/{y}.png', CAMTEL_TILE_ATTRIBUTION: '© OSM' } })
    expect(c).toMatchObject({ tileUrl: 'https://tiles.example/{z}/{x}/{y}.png', tileAttribution: '© OSM' })
    expect(loadConfig({ env: {}, flags: { 'tile-url': '/tiles/{z}/{x}/{y}.png' } }).tileUrl).toBe('/tiles/{z}/{x}/{y}.png')
    expect(() => loadConfig({ env: { CAMTEL_TILE_URL: 'ftp://tiles.example/{z}/{x}/{y}' } })).toThrow(/CAMTEL_TILE_URL.*http/)
    expect(() => loadConfig({ env: { CAMTEL_TILE_URL: 'https://tiles.example/map.png' } })).toThrow(/lacks \{z\}, \{x\}, \{y\}/)
  })

  it('parses durations', () => {
    expect(parseDuration('7d')).toBe(604800)
    expect(parseDuration('90')).toBe(90)
    expect(parseDuration('1.5h')).toBe(5400)
    expect(parseDuration('0s')).toBeUndefined()
    expect(parseDuration('soon')).toBeUndefined()
  })
})
