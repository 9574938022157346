/**
 * Predictive maintenance (DESIGN §7): per-camera bounded state fed by every accepted report, one
 * detector per failure mode on data time, calibrated risks, and the `prediction` events.
 */
import { RISK_WEIGHTS } from './calibration-params.js'
import { type CameraDirectory, PredictionEngine } from './engine.js'
import { RiskModel } from './risk-model.js'

export { type AssessmentRecord, type CameraDirectory, PredictionEngine, type PredictionEngineOptions, type PredictionFilter } from './engine.js'
export { RiskModel, type ModeWeights, type RiskWeights } from './risk-model.js'
export { FEATURES } from './detectors/index.js'
export { PredictionState, STATE_FILE } from './persist.js'
export type { CameraInfo } from './track.js'

/** The engine with the shipped, calibrated risk model. */
export function createPredictionEngine(directory: CameraDirectory): PredictionEngine {
  return new PredictionEngine({ directory, model: new RiskModel(RISK_WEIGHTS) })
}
