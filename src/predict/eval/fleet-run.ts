import { type FailingCamera, type Fleet, type GroundTruth, type Scenario, createFailingFleet, createFleet, groundTruth, planScenario } from '../../sim/index.js'
import { createModels } from '../../sim/index.js'

const DAY = 86_400_000

/** One simulated fleet of the evaluation or the tuning: its cameras, scenario and ground truth. */
export interface FleetCase {
  readonly name: string
  readonly seed: number
  readonly cameras: number
  readonly sites?: readonly string[]
  /** Data time the history starts; readings start `warmupDays` later. */
  readonly from: number
  readonly days: number
  readonly warmupDays: number
}

export interface PreparedFleet {
  readonly spec: FleetCase
  readonly fleet: Fleet
  readonly scenario: Scenario
  readonly cameras: readonly FailingCamera[]
  readonly truth: GroundTruth
  /** When predictions start being read (after the warm-up). */
  readonly readFrom: number
  readonly to: number
}

export function prepareFleet(spec: FleetCase, failureRate?: number): PreparedFleet {
  const fleet = createFleet({ cameras: spec.cameras, seed: spec.seed, sites: spec.sites })
  const to = spec.from + spec.days * DAY
  const scenario = planScenario(fleet, createModels(fleet), { from: spec.from, to, seed: spec.seed, failureRate, quietDays: spec.warmupDays + 2 })
  const cameras = createFailingFleet(fleet, scenario)
  const truth = groundTruth(fleet, scenario, cameras)
  return { spec, fleet, scenario, cameras, truth, readFrom: spec.from + spec.warmupDays * DAY, to }
}

/** A report as the simulator's camera would send it: its own timestamp, booleans as 1/0. */
export interface SimReport {
  readonly cameraId: string
  readonly ts: number
  readonly metrics: Record<string, number>
}

/** Every camera's report at true time `ts` (cameras that are down or silent send nothing). */
export function reportsAt(cameras: readonly FailingCamera[], ts: number): SimReport[] {
  const out: SimReport[] = []
  for (const cam of cameras) {
    const s = cam.sample(ts)
    if (s === null) continue
    const metrics: Record<string, number> = {}
    for (const [k, v] of Object.entries(s)) metrics[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v
    out.push({ cameraId: cam.camera.id, ts: cam.reportTs(ts), metrics })
  }
  return out
}
