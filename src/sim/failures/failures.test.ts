import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { failureScenario, parseSimArgs } from '../../cli/sim.js'
import { FAILURE_MODES } from '../../protocol/predictions.js'
import { type Sample, createModels } from '../camera-model.js'
import { createFleet } from '../fleet.js'
import { silentLogger } from '../uploader.js'
import { type FailingCamera, createFailingFleet } from './failing-camera.js'
import { type Degradation, planScenario } from './plan.js'
import { groundTruth, truthFromJson, truthToJson } from './truth.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const FROM = Date.UTC(2026, 5, 1)
const TO = FROM + 40 * DAY
const fleet = createFleet({ cameras: 120, seed: 7 })
// A high rate so that a small fleet has every mode, gradual and abrupt.
const scenario = planScenario(fleet, createModels(fleet), { from: FROM, to: TO, seed: 7, failureRate: 0.04 })
const cameras = createFailingFleet(fleet, scenario)
const byId = new Map(cameras.map((c) => [c.camera.id, c]))

function gradual(mode: Degradation['mode'], inside = true): { d: Degradation; cam: FailingCamera } {
  const d = scenario.degradations.find((x) => x.mode === mode && !x.abrupt && (!inside || (x.onset > FROM && x.failAt < TO)))
  if (d === undefined) throw new Error(`no gradual ${mode} in the test scenario`)
  return { d, cam: byId.get(d.cameraId) as FailingCamera }
}

/** The first non-null sample at or after `ts`, within a few hours. */
function near(cam: FailingCamera, ts: number, dir = 1): Sample {
  for (let k = 0; k < 48; k++) {
    const s = cam.sample(ts + dir * k * 10 * 60_000)
    if (s !== null) return s
  }
  throw new Error('camera silent around that time')
}

describe('planScenario', () => {
  it('is deterministic and plans every mode, abrupt ones without precursors', () => {
    const again = planScenario(fleet, createModels(fleet), { from: FROM, to: TO, seed: 7, failureRate: 0.04 })
    expect(JSON.stringify(again)).toBe(JSON.stringify(scenario))
    expect(new Set(scenario.degradations.map((d) => d.mode))).toEqual(new Set(FAILURE_MODES))
    for (const d of scenario.degradations) {
      expect(d.failAt).toBeGreaterThanOrEqual(d.onset)
      expect(d.repairAt).toBeGreaterThan(d.failAt)
      if (d.abrupt) expect(d.onset).toBe(d.failAt)
    }
    expect(scenario.degradations.some((d) => d.abrupt)).toBe(true)
    expect(new Set(scenario.degradations.map((d) => d.cameraId)).size).toBe(new Set(scenario.degradations.map((d) => `${d.cameraId}|${d.mode}`)).size)
  })
})

describe('failing cameras', () => {
  it('fill a card linearly to full at the failure, then stop recording', () => {
    const { d, cam } = gradual('disk_full')
    expect(Number(near(cam, d.onset + HOUR).disk_used_pct)).toBeLessThan(96)
    expect(Number(near(cam, d.failAt).disk_used_pct)).toBeCloseTo(99.5, 0)
    const after = near(cam, d.failAt + (d.failAt - d.onset) * 0.1 + 2 * HOUR)
    expect(after.recording).toBe(false)
  })

  it('wear a card down with rising write errors until it dies', () => {
    const { d, cam } = gradual('disk_failure', false)
    const week = near(cam, d.failAt - 7 * DAY)
    const day = near(cam, d.failAt - DAY)
    expect(Number(day.disk_health_pct)).toBeLessThan(Number(week.disk_health_pct))
    expect(Number(day.disk_health_pct)).toBeGreaterThan(3)
    expect(Number(day.disk_write_errors)).toBeGreaterThan(Number(week.disk_write_errors))
    expect(near(cam, d.failAt + HOUR).recording).toBe(false)
  })

  it('lose more packets each day on a failing link, then go dark until repaired', () => {
    const { d, cam } = gradual('network_degradation', false)
    expect(Number(near(cam, d.failAt - 6 * HOUR, -1).packet_loss_pct)).toBeGreaterThan(3)
    expect(cam.sample(d.failAt + HOUR)).toBeNull()
    expect(near(cam, d.repairAt + HOUR)).not.toBeNull()
  })

  it('sag the loaded voltage towards brownout and reboot in the evenings before the supply fails', () => {
    const { d, cam } = gradual('power_instability', false)
    // Same clock time (the failure's dusk) at the onset and the evening before the failure.
    const start = near(cam, d.failAt - Math.floor((d.failAt - d.onset) / DAY) * DAY + 10 * 60_000)
    const late = near(cam, d.failAt - DAY + 10 * 60_000)
    expect(Number(late.voltage_v)).toBeLessThan(Number(start.voltage_v) - 3)
    // Brownouts: none or few at first, certain in the last evenings.
    expect(Number(near(cam, d.failAt - 10 * 60_000, -1).reboots)).toBeGreaterThan(Number(start.reboots))
    expect(cam.sample(d.failAt + HOUR)).toBeNull()
  })

  it('heat a housing towards shutdown on its afternoons, then shut it down', () => {
    const { d, cam } = gradual('overheating', false)
    expect(Number(near(cam, d.failAt - 10 * 60_000, -1).temperature_c)).toBeGreaterThan(78)
    expect(Number(near(cam, d.onset).temperature_c)).toBeLessThan(70)
    expect(cam.sample(d.failAt + HOUR)).toBeNull()
  })

  it('crash a leaking camera ever more often until it loops', () => {
    const { d, cam } = gradual('reboot_loop', false)
    const before = Number(near(cam, d.onset - HOUR, -1).reboots)
    const atFailure = Number(near(cam, d.failAt - 10 * 60_000, -1).reboots)
    expect(atFailure - before).toBeGreaterThanOrEqual(4)
    const looping = Array.from({ length: 12 }, (_, k) => cam.sample(d.failAt + HOUR + k * 7 * 60_000)).filter((s) => s !== null)
    expect(looping.every((s) => Number(s?.uptime_s) < 8 * 60)).toBe(true)
  })
})

describe('a firmware leak', () => {
  it('eats free memory from before the first crash down to out of memory, freed by the crash, and stays out while looping', () => {
    const { d, cam } = gradual('reboot_loop', false)
    const first = d.onset + (d.params.leadInMs ?? 0)
    expect(d.params.leadInMs).toBeGreaterThan((d.params.firstMs ?? 0) * 0.85)
    const oom = cam.model.outOfMemoryPct
    const mem = (ts: number, dir = 1) => Number(near(cam, ts, dir).memory_free_pct)
    // Healthy at onset; halfway to the first crash it has lost about half of what it had over OOM.
    const start = mem(d.onset - HOUR, -1)
    expect(start).toBeGreaterThan(oom + 5)
    const half = mem((d.onset + first) / 2)
    expect(half).toBeLessThan(start - 0.3 * (start - oom))
    expect(half).toBeGreaterThan(oom + 0.2 * (start - oom))
    // Just before the first crash it is all but out; the crash frees it.
    const out = mem(first - 20 * 60_000, -1)
    expect(out).toBeLessThan(oom + 2)
    expect(mem(first + 4 * HOUR)).toBeGreaterThan(out + 4)
    // Looping, it stays out of memory; repaired, it is healthy again.
    expect(mem(d.failAt + HOUR)).toBeLessThan(oom + 1.5)
    expect(mem(d.repairAt + 12 * HOUR)).toBeGreaterThan(oom + 4)
  })

  it('leaves healthy cameras above their out-of-memory level, some of them sitting low, and settles after a boot', () => {
    const failing = new Set(scenario.degradations.map((d) => d.cameraId))
    let low = 0
    for (const cam of cameras) {
      if (failing.has(cam.camera.id)) continue
      const oom = cam.model.outOfMemoryPct
      let min = Number.POSITIVE_INFINITY
      for (let ts = FROM; ts < TO; ts += 5 * HOUR) {
        const s = cam.sample(ts)
        if (s !== null) min = Math.min(min, Number(s.memory_free_pct))
      }
      expect(min).toBeGreaterThan(oom + 0.5)
      if (min < 12) low++
    }
    expect(low).toBeGreaterThan(0)
    // Right after a boot caches are empty: more memory free than once they have filled.
    expect(cameras[0]?.model.memoryAfterBoot(0)).toBeGreaterThan((cameras[0]?.model.memoryAfterBoot(6 * HOUR) ?? 0) + 6)
  })
})

describe('confounders', () => {
  it('warm every camera of a site in a heatwave', () => {
    const wave = scenario.confounders.find((c) => c.kind === 'heatwave')
    if (wave === undefined) throw new Error('no heatwave')
    const mid = (wave.from + wave.to) / 2
    const noon = Math.floor(mid / DAY) * DAY + 14 * HOUR
    const cam = byId.get(wave.cameraIds[0] as string) as FailingCamera
    const base = createModels(fleet).find((m) => m.camera.id === cam.camera.id)
    const hot = cam.model.environment.outdoorTempC(noon)
    expect(hot - (base?.environment.outdoorTempC(noon) ?? hot)).toBeGreaterThan(4)
  })

  it('reboot a whole firmware cohort in one night', () => {
    const update = scenario.confounders.find((c) => c.kind === 'firmware_update')
    if (update === undefined) throw new Error('no firmware update')
    const rebooted = update.cameraIds.filter((id) => {
      const cam = byId.get(id) as FailingCamera
      const before = cam.sample(update.from - HOUR)
      const after = cam.sample(update.to + HOUR)
      return before !== null && after !== null && Number(after.reboots) > Number(before.reboots)
    })
    expect(rebooted.length).toBeGreaterThanOrEqual(update.cameraIds.length - 1)
  })

  it('skew a camera clock, hide its ambient sensor, and restart its counters at a reset', () => {
    const skew = scenario.confounders.find((c) => c.kind === 'clock_skew')
    const cam = byId.get(skew?.cameraIds[0] as string) as FailingCamera
    expect(cam.reportTs(FROM) - FROM).toBe((skew?.params.skewS ?? 0) * 1000)
    const noEnv = scenario.confounders.find((c) => c.kind === 'no_env_sensor')
    expect(near(byId.get(noEnv?.cameraIds[0] as string) as FailingCamera, FROM + DAY).env_temperature_c).toBeUndefined()
    const reset = scenario.confounders.find((c) => c.kind === 'counter_reset')
    const resetCam = byId.get(reset?.cameraIds[0] as string) as FailingCamera
    const before = near(resetCam, (reset?.from ?? 0) - 2 * HOUR, -1)
    const after = near(resetCam, (reset?.from ?? 0) + 2 * HOUR)
    expect(Number(after.reboots)).toBeLessThan(Number(before.reboots))
  })
})

describe('ground truth', () => {
  it('lists the injected failures and the natural ones, and survives its file format', () => {
    const truth = groundTruth(fleet, scenario, cameras)
    expect(truth.failures.filter((f) => f.source === 'injected')).toHaveLength(scenario.degradations.length)
    expect(truth.failures.some((f) => f.source === 'natural' && f.mode === 'disk_full')).toBe(true)
    const back = truthFromJson(JSON.parse(JSON.stringify(truthToJson(truth))))
    expect(back).toEqual(truth)
  })

  it('camtel sim --failures --truth writes it', () => {
    expect(() => parseSimArgs(['--truth', 'x.json'], {})).toThrow(/--failures/)
    const dir = mkdtempSync(join(tmpdir(), 'camtel-truth-'))
    try {
      const o = parseSimArgs(['--failures', '--truth', join(dir, 't.json'), '--cameras', '40', '--backfill', '240', '--failure-rate', '0.1'], {})
      if (o === 'help') throw new Error('help')
      failureScenario(o, FROM, silentLogger)
      const truth = truthFromJson(JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')))
      expect(truth.fleet.cameras).toBe(40)
      expect(truth.from).toBe(FROM - 10 * DAY)
      expect(truth.failures.length).toBeGreaterThan(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
