import { describe, expect, it } from 'vitest'
import { createModels, type CameraModel, type Sample } from './camera-model.js'
import type { FaultKind } from './faults.js'
import { createFleet, type Fleet, type SimCamera } from './fleet.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const FROM = Date.UTC(2026, 4, 12, 10)
const TO = FROM + 2 * HOUR
const smallFleet = createFleet({ cameras: 20, seed: 3 })
// Fans sit in PTZ housings only, which a small fleet may lack.
const bigFleet = createFleet({ cameras: 200, seed: 3 })

function num(s: Sample | null, name: string): number {
  if (s === null) throw new Error('camera is down')
  return Number(s[name])
}

/** A camera that, left alone, reports cleanly from an hour before the window to an hour after. */
function quietCamera(fleet: Fleet, filter: (c: SimCamera) => boolean): number {
  const models = createModels(fleet)
  const i = models.findIndex((m) => {
    if (!filter(m.camera)) return false
    for (let ts = FROM - HOUR; ts < TO + HOUR; ts += MINUTE) {
      const s = m.sample(ts)
      if (s === null || num(s, 'fps') < 0.9 * num(s, 'fps_target') || num(s, 'packet_loss_pct') > 0.5) return false
    }
    return true
  })
  if (i < 0) throw new Error('no quiet camera in the test fleet')
  return i
}

function injected(
  kind: FaultKind,
  filter: (c: SimCamera) => boolean = () => true,
  fleet: Fleet = smallFleet,
): { model: CameraModel; base: CameraModel } {
  const i = quietCamera(fleet, filter)
  const model = createModels(fleet)[i] as CameraModel
  const base = createModels(fleet)[i] as CameraModel
  model.inject({ kind, from: FROM, to: TO })
  return { model, base }
}

function series(m: CameraModel, from: number, to: number, step = MINUTE): Array<Sample | null> {
  const out: Array<Sample | null> = []
  for (let ts = from; ts < to; ts += step) out.push(m.sample(ts))
  return out
}

describe('injected faults', () => {
  it('offline: nothing is sent inside the window, reports resume after it', () => {
    const { model } = injected('offline')
    expect(series(model, FROM, TO, 10_000).every((s) => s === null)).toBe(true)
    expect(model.sample(FROM - 10_000)).not.toBeNull()
    expect(model.sample(TO)).not.toBeNull()
  })

  it('overheat: the housing heats by tens of degrees and the encoder throttles', () => {
    const { model, base } = injected('overheat')
    const mid = FROM + HOUR
    expect(num(model.sample(mid), 'temperature_c')).toBeGreaterThan(num(base.sample(mid), 'temperature_c') + 25)
    const hot = series(model, FROM, TO).filter((s) => num(s, 'temperature_c') > 80)
    expect(hot.length).toBeGreaterThan(0)
    for (const s of hot) expect(num(s, 'fps')).toBeLessThan(0.9 * num(s, 'fps_target'))
    expect(num(model.sample(TO + MINUTE), 'temperature_c')).toBeCloseTo(num(base.sample(TO + MINUTE), 'temperature_c'), 5)
  })

  it('overheat: a camera with a fan reports it failed', () => {
    const { model } = injected('overheat', (c) => c.hasFan && !c.fanFault, bigFleet)
    expect(model.sample(FROM + HOUR)?.fan_ok).toBe(false)
    expect(model.sample(FROM - MINUTE)?.fan_ok).toBe(true)
  })

  it('fps_drop: the frame rate halves and dropped frames pile up', () => {
    const { model, base } = injected('fps_drop')
    for (const s of series(model, FROM, TO)) expect(num(s, 'fps')).toBeLessThanOrEqual(0.5 * num(s, 'fps_target'))
    const dropped = (m: CameraModel): number => num(m.sample(TO), 'dropped_frames') - num(m.sample(FROM), 'dropped_frames')
    expect(dropped(model)).toBeGreaterThan(dropped(base) + 10_000)
  })

  it('disk_fill: the card fills up, recording stops and write errors grow', () => {
    const { model } = injected('disk_fill')
    const end = model.sample(TO - MINUTE)
    expect(num(end, 'disk_used_pct')).toBe(100)
    expect(end?.recording).toBe(false)
    expect(num(end, 'disk_write_errors')).toBeGreaterThan(num(model.sample(FROM), 'disk_write_errors'))
    const used = series(model, FROM, TO, 5 * MINUTE).map((s) => num(s, 'disk_used_pct'))
    expect(used[used.length - 1]).toBeGreaterThan(used[0] ?? 100)
    expect(model.sample(TO + MINUTE)?.recording).toBe(true)
  })

  it('packet_loss: several percent of packets are lost, with latency and jitter up', () => {
    const { model, base } = injected('packet_loss')
    for (const s of series(model, FROM, TO)) expect(num(s, 'packet_loss_pct')).toBeGreaterThan(2)
    const mid = FROM + HOUR
    expect(num(model.sample(mid), 'latency_ms')).toBeGreaterThan(num(base.sample(mid), 'latency_ms') + 30)
    expect(num(model.sample(mid), 'jitter_ms')).toBeGreaterThan(num(base.sample(mid), 'jitter_ms') + 10)
  })

  it('reboot_loop: the camera restarts every few minutes, down while it boots', () => {
    const { model } = injected('reboot_loop')
    const samples = series(model, FROM, TO, 10_000)
    expect(samples.some((s) => s === null)).toBe(true)
    const up = samples.filter((s): s is Sample => s !== null)
    expect(Math.max(...up.map((s) => num(s, 'uptime_s')))).toBeLessThan(10 * 60)
    const reboots = num(model.sample(TO + 10 * MINUTE), 'reboots') - num(model.sample(FROM - MINUTE), 'reboots')
    expect(reboots).toBeGreaterThanOrEqual(14)
    expect(reboots).toBeLessThanOrEqual(16)
  })

  it('counter_reset: counters restart from zero and only grow again', () => {
    const { model, base } = injected('counter_reset')
    const before = model.sample(FROM - MINUTE)
    const after = model.sample(FROM + MINUTE)
    expect(num(before, 'dropped_frames')).toEqual(num(base.sample(FROM - MINUTE), 'dropped_frames'))
    for (const name of ['reboots', 'dropped_frames', 'disk_write_errors']) {
      expect(num(after, name)).toBeLessThan(num(before, name) + 1)
      expect(num(after, name)).toBeLessThan(1000)
    }
    let prev = after
    for (const s of series(model, FROM + MINUTE, FROM + 6 * HOUR, 10 * MINUTE)) {
      if (s === null) continue
      expect(num(s, 'dropped_frames')).toBeGreaterThanOrEqual(num(prev, 'dropped_frames'))
      prev = s
    }
  })

  it('rejects a fault that makes no sense', () => {
    const [m] = createModels(smallFleet)
    expect(() => m?.inject({ kind: 'meteor' as FaultKind, from: 0, to: 1 })).toThrow(RangeError)
    expect(() => m?.inject({ kind: 'offline', from: 10, to: 5 })).toThrow(RangeError)
    expect(() => m?.inject({ kind: 'offline', from: Number.NaN, to: 5 })).toThrow(RangeError)
  })
})
