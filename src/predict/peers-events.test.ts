import { describe, expect, it } from 'vitest'
import type { PredictionView } from '../protocol/predictions.js'
import { CameraTrack } from './track.js'
import { DAY, HOUR, T0, run, site } from './test-support/synthetic.js'

/** Uptime and reboot counter of a camera that boots at the given hours (and 30 days before hour 0). */
function booting(bootHours: readonly number[]) {
  return (m: Record<string, number>, h: number) => {
    const past = bootHours.filter((b) => b <= h)
    const last = past.length > 0 ? (past[past.length - 1] as number) : -30 * 24
    return { ...m, uptime_s: Math.round((h - last) * 3600), reboots: 40 + past.length }
  }
}

describe('reboot_loop', () => {
  it('projects a leak whose crashes come closer each time, and ignores a firmware cohort rebooting together', () => {
    // Every camera of the cohort updates at hour 100 (two restarts); camera 0 also leaks.
    const update = [100.05, 100.3]
    const leak = [72.4, 112.4, 136.4, 150.4, 158.4]
    const { engine } = run(
      site('a', 8, (i) => booting(i === 0 ? [...leak, ...update].sort((a, b) => a - b) : update)),
      7,
    )
    const p = engine.list({ sites: null, camera: 'a-cam-0', mode: 'reboot_loop' })[0]
    expect(p?.risk).toBeGreaterThanOrEqual(0.5)
    expect(p?.evidence[0]).toMatch(/5 reboots in 7 days not shared.*shrinking/)
    // Intervals 40, 24, 14, 8 h shrink ×0.58: the loop (< 15 min) is about 10 h after the last crash.
    expect(Date.parse(p?.eta ?? '')).toBeGreaterThan(T0 + 158 * HOUR)
    expect(Date.parse(p?.eta ?? '')).toBeLessThan(T0 + 180 * HOUR)
    expect(engine.list({ sites: null, mode: 'reboot_loop', minRisk: 0.5 }).map((x) => x.cameraId)).toEqual(['a-cam-0'])
  })
})

describe('reboot_loop from free memory', () => {
  /** A camera's free memory `u` hours after a boot: caches settle within hours, a creep levels off. */
  const afterBoot = (u: number) => 12 * Math.exp(-u / 3) - 6 * (1 - Math.exp(-u / 60))
  it('raises a leak eating free memory before its first crash, not wander, a low level, a creep or an update', () => {
    // The whole cohort updates (restarts) at hour 100; camera 0 leaks from hour 60 on, 9 points a day.
    const update = 100.2
    const boots = booting([update])
    const memory: Record<number, (h: number) => number> = {
      0: (h) => 46 - 9 * Math.max(0, (h - 60) / 24) * (h < update ? 1 : 0) - (h >= update ? 9 * ((h - update) / 24) : 0),
      1: (h) => 38 + 5 * Math.sin((2 * Math.PI * h) / 36),
      2: (h) => 9 + 0.4 * Math.sin(h),
      3: () => 40,
    }
    const { engine } = run(
      site('m', 8, (i) => (m, h) => {
        const b = boots(m, h)
        const since = h >= update ? h - update : h + 30 * 24
        const own = memory[i] ?? (() => 30 + 2 * Math.cos((2 * Math.PI * h) / 24))
        return { ...b, memory_free_pct: Math.round(10 * (own(h) + afterBoot(since))) / 10 }
      }),
      7,
    )
    const p = engine.list({ sites: null, camera: 'm-cam-0', mode: 'reboot_loop' })[0]
    expect(p?.risk).toBeGreaterThanOrEqual(0.5)
    expect(p?.evidence[0]).toMatch(/memory_free_pct falling 1?\d\.\d %\/day.*since its last boot.*out of memory/)
    // Memory says when the next crash comes, not when the loop does: no ETA yet.
    expect(p?.eta).toBeNull()
    expect(engine.list({ sites: null, mode: 'reboot_loop', minRisk: 0.5 }).map((x) => x.cameraId)).toEqual(['m-cam-0'])
  })
})

describe('network_degradation', () => {
  it('raises a link whose loss climbs past its site, not the cameras of a site-wide blip', () => {
    const { engine } = run(
      site('a', 8, (i) => (m, h) => {
        let loss = m.packet_loss_pct!
        // Everyone: a five-hour uplink blip on day 9.
        if (h >= 9 * 24 + 10 && h < 9 * 24 + 15) loss += 6
        // Camera 0: a failing cable from day 8, loss ×3 a day.
        if (i === 0 && h >= 8 * 24) loss += 0.03 * 3 ** ((h - 8 * 24) / 24)
        return { ...m, packet_loss_pct: loss }
      }),
      11,
    )
    const p = engine.list({ sites: null, camera: 'a-cam-0', mode: 'network_degradation' })[0]
    expect(p?.risk).toBeGreaterThanOrEqual(0.5)
    expect(p?.evidence[0]).toMatch(/its site's median.*rising/)
    expect(engine.list({ sites: null, mode: 'network_degradation', minRisk: 0.5 }).map((x) => x.cameraId)).toEqual(['a-cam-0'])
  })
})

describe('image_degradation', () => {
  it('raises a window getting dirtier, not a site whose dawns are foggy', () => {
    const { engine } = run(
      site('a', 8, (i) => (m, h) => {
        let q = m.image_quality!
        // Fog at dawn on days 9-14 blurs every camera of the site.
        if (h >= 9 * 24 && h < 14 * 24 && h % 24 >= 5 && h % 24 < 8) q -= 25
        // Camera 0 loses 2 points a day from day 5.
        if (i === 0) q -= Math.max(0, (h - 5 * 24) / 24) * 2
        return { ...m, image_quality: q }
      }),
      18,
    )
    const p = engine.list({ sites: null, camera: 'a-cam-0', mode: 'image_degradation' })[0]
    expect(p?.risk).toBeGreaterThanOrEqual(0.5)
    // Daily median about 86 at day 5 then -2/day: 40 at about day 28.
    expect(Date.parse(p?.eta ?? '')).toBeGreaterThan(T0 + 24 * DAY)
    expect(Date.parse(p?.eta ?? '')).toBeLessThan(T0 + 31 * DAY)
    expect(engine.list({ sites: null, mode: 'image_degradation', minRisk: 0.5 }).map((x) => x.cameraId)).toEqual(['a-cam-0'])
  })
})

describe('prediction events', () => {
  it('fire when a risk crosses 0.5 up and down, with the prediction as data', () => {
    // A card fills from day 6, is cleared on day 12 (back to 92 %), fills no more.
    const { events } = run(
      site('a', 4, (i) => (i === 0 ? (m, h) => ({ ...m, disk_used_pct: h >= 6 * 24 && h < 12 * 24 ? 92 + (h - 6 * 24) / 24 : m.disk_used_pct! }) : undefined)),
      16,
    )
    const mine = events.filter((e) => e.topic === 'prediction').map((e) => e.data as PredictionView)
    expect(mine.map((p) => [p.cameraId, p.mode, p.risk >= 0.5])).toEqual([
      ['a-cam-0', 'disk_full', true],
      ['a-cam-0', 'disk_full', false],
    ])
    expect(mine[0]?.raisedAt).toBe(mine[0]?.asOf)
    expect(mine[1]?.raisedAt).toBeNull()
    expect(Date.parse(mine[0]?.eta ?? '')).toBeGreaterThan(Date.parse(mine[0]?.asOf ?? ''))
  })
})

describe('state bounds', () => {
  it('holds a fixed number of bytes per camera whatever the history length', () => {
    // Every typed array a track owns, summed: the documented bound for 100,000 cameras.
    expect(CameraTrack.BYTES).toBeLessThan(4096)
    const { engine } = run(site('a', 3), 30)
    expect(engine.footprint()).toMatchObject({ cameras: 3, bytesPerCamera: CameraTrack.BYTES })
  })
})
