import { describe, expect, it } from 'vitest'
import { buildTimeline, offlineFromChanges } from './timeline.js'

describe('buildTimeline', () => {
  it('is unknown before the camera is known, offline in merged spells, online otherwise', () => {
    const t = buildTimeline({
      from: 0,
      to: 1000,
      knownFrom: 100,
      offline: [
        { from: 300, to: 400 },
        { from: 350, to: 500 },
        { from: 900, to: null },
      ],
    })
    expect(t.segments).toEqual([
      { from: 0, to: 100, state: 'unknown' },
      { from: 100, to: 300, state: 'online' },
      { from: 300, to: 500, state: 'offline' },
      { from: 500, to: 900, state: 'online' },
      { from: 900, to: 1000, state: 'offline' },
    ])
    expect(t.outages).toBe(2)
    expect(t.longestOutageMs).toBe(200)
    expect(t.online).toBeCloseTo(600 / 900)
  })

  it('clips spells to the range and knows nothing of a camera that never reported', () => {
    expect(buildTimeline({ from: 0, to: 100, knownFrom: null, offline: [{ from: -50, to: 20 }] }).segments).toEqual([
      { from: 0, to: 20, state: 'offline' },
      { from: 20, to: 100, state: 'online' },
    ])
    expect(buildTimeline({ from: 0, to: 100, knownFrom: 100, offline: [] })).toMatchObject({ segments: [{ from: 0, to: 100, state: 'unknown' }], online: null })
  })
})

describe('offlineFromChanges', () => {
  it('makes spells from offline until the next other status', () => {
    expect(
      offlineFromChanges([
        { at: 10, status: 'offline', previous: 'ok' },
        { at: 20, status: 'ok', previous: 'offline' },
        { at: 30, status: 'critical', previous: 'ok' },
        { at: 40, status: 'offline', previous: 'critical' },
      ]),
    ).toEqual([
      { from: 10, to: 20 },
      { from: 40, to: null },
    ])
  })
})
