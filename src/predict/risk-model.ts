import { FAILURE_MODES, type FailureMode } from '../protocol/predictions.js'
import { FEATURES } from './detectors/index.js'
import { sigmoid } from './stats.js'

/**
 * One mode's model: a score s = bias + Σ weights·features (the direction a logistic fit found),
 * then the probability read off isotonic knots [s, p] (linear between knots, flat beyond), or
 * sigmoid(s) when there are none.
 */
export interface ModeWeights {
  readonly bias: number
  readonly weights: readonly number[]
  readonly knots?: ReadonlyArray<readonly [number, number]>
}

export type RiskWeights = Readonly<Record<FailureMode, ModeWeights>>

/**
 * Turns a detector's features into the probability of a failure in that mode within 30 days:
 * one logistic model per mode, fitted on the simulator's ground truth of the tuning fleets
 * (`npm run tune:predict`), never on the fleets the evaluation reports.
 */
export class RiskModel {
  constructor(readonly weights: RiskWeights) {
    for (const mode of FAILURE_MODES) {
      const w = weights[mode]
      if (w.weights.length !== FEATURES[mode].length) throw new RangeError(`${mode}: ${w.weights.length} weights for ${FEATURES[mode].length} features`)
    }
  }

  risk(mode: FailureMode, features: readonly number[]): number {
    const w = this.weights[mode]
    let z = w.bias
    for (let i = 0; i < w.weights.length; i++) z += (w.weights[i] as number) * (features[i] as number)
    if (!Number.isFinite(z)) return 0
    return w.knots && w.knots.length > 0 ? interpolate(w.knots, z) : sigmoid(z)
  }
}

function interpolate(knots: ReadonlyArray<readonly [number, number]>, z: number): number {
  const first = knots[0] as readonly [number, number]
  if (z <= first[0]) return first[1]
  for (let i = 1; i < knots.length; i++) {
    const [x1, y1] = knots[i] as readonly [number, number]
    if (z <= x1) {
      const [x0, y0] = knots[i - 1] as readonly [number, number]
      return x1 === x0 ? y1 : y0 + ((y1 - y0) * (z - x0)) / (x1 - x0)
    }
  }
  return (knots[knots.length - 1] as readonly [number, number])[1]
}
