import { type FailureMode, RAISE_RISK } from '../../protocol/predictions.js'
import { type AssessmentRecord, PredictionEngine } from '../engine.js'
import type { RiskModel } from '../risk-model.js'
import { Baselines } from './baselines.js'
import { type PreparedFleet, reportsAt } from './fleet-run.js'
import { type Raise, RaiseTracker } from './scoring.js'

const HOUR = 3_600_000

export interface ReplayOptions {
  readonly prepared: PreparedFleet
  /** Seconds between two samples of a camera. */
  readonly stepS: number
  readonly model: RiskModel
  readonly onAssessment?: (a: AssessmentRecord) => void
  readonly baselines?: boolean
}

export interface ReplayResult {
  readonly raises: readonly Raise[]
  readonly staticRaises: readonly Raise[]
  readonly linearRaises: readonly Raise[]
  readonly reports: number
  readonly bytesPerCamera: number
}

/**
 * Runs a prepared fleet straight through a PredictionEngine in this process (no server): what
 * the tuner fits on and a quick check while developing. The evaluation itself goes through the
 * public API (http-run.ts); both read predictions every hour of data time after the warm-up.
 */
export function replay(o: ReplayOptions): ReplayResult {
  const { prepared: p } = o
  const byId = new Map(p.fleet.cameras.map((c) => [c.id, { siteId: c.siteId, tags: c.tags, model: c.model, firmware: c.firmware }]))
  const engine = new PredictionEngine({ directory: (id) => byId.get(id), model: o.model, onAssessment: o.onAssessment })
  const ours = new RaiseTracker()
  const stat = new RaiseTracker()
  const lin = new RaiseTracker()
  const baselines = o.baselines ? new Baselines() : undefined
  const stepMs = o.stepS * 1000
  let reports = 0
  let nextRead = p.readFrom
  for (let ts = p.spec.from; ts < p.to; ts += stepMs) {
    for (const r of reportsAt(p.cameras, ts)) {
      engine.ingest(r.cameraId, r.ts, r.metrics)
      baselines?.add(r.cameraId, r.ts, r.metrics)
      reports++
    }
    if (ts + stepMs > nextRead && ts >= p.readFrom) {
      const raised = engine.list({ sites: null, minRisk: RAISE_RISK }).map((v) => ({ cameraId: v.cameraId, mode: v.mode as FailureMode, eta: v.eta === null ? null : Date.parse(v.eta) }))
      ours.read(ts, raised)
      if (baselines) {
        stat.read(ts, baselines.staticRaised())
        lin.read(ts, baselines.linearRaised(ts))
      }
      nextRead += HOUR
    }
  }
  return { raises: ours.raises, staticRaises: stat.raises, linearRaises: lin.raises, reports, bytesPerCamera: engine.footprint().bytesPerCamera }
}
