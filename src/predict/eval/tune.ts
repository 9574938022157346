/**
 * `npm run tune:predict [-- --write] [--step <s>]`: fits the risk model on the TUNING fleets only.
 * Replays each tuning fleet through a PredictionEngine in-process, labels every detector
 * assessment (sampled every 3 hours of data time per camera and mode) with the ground truth
 * ("a failure in this mode within 30 days"), fits one logistic model per mode, and prints how
 * the fitted model scores on those same fleets. With --write it rewrites calibration-params.ts.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { FAILURE_MODES, type FailureMode } from '../../protocol/predictions.js'
import { RISK_WEIGHTS } from '../calibration-params.js'
import { FEATURES } from '../detectors/index.js'
import type { AssessmentRecord } from '../engine.js'
import { RiskModel, type RiskWeights } from '../risk-model.js'
import { FAILURE_RATE, TUNING_FLEETS } from './cases.js'
import { fitIsotonic, fitLogistic } from './fit.js'
import { type PreparedFleet, prepareFleet } from './fleet-run.js'
import { replay } from './replay.js'
import { comparisonTable, modeTable } from './report.js'
import { score } from './scoring.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const SAMPLE_EVERY = 3 * HOUR
/**
 * Labels count a failure within 28 days, not the contract's 30: a calibrated model with a precise
 * ETA would otherwise raise exactly 30 days out, where a few hours of ETA error decide whether the
 * warning lands inside the scoring window or just before it. Two days of guard band.
 */
export const LABEL_HORIZON_MS = 28 * DAY

interface Row {
  readonly features: readonly number[]
  readonly y: 0 | 1
}

/** "Fails in this mode within 30 days" for an assessment, or undefined when the camera is already failed. */
function label(p: PreparedFleet, a: AssessmentRecord): 0 | 1 | undefined {
  let y: 0 | 1 = 0
  for (const f of p.truth.failures) {
    if (f.cameraId !== a.cameraId || f.mode !== a.mode) continue
    if (a.at >= f.failAt - HOUR && a.at < f.repairAt + 12 * HOUR) return undefined
    if (f.failAt > a.at && f.failAt <= a.at + LABEL_HORIZON_MS) y = 1
  }
  return y
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { write: { type: 'boolean' }, out: { type: 'string' }, step: { type: 'string' }, cameras: { type: 'string' } } })
  const stepS = Number(values.step ?? 3600)
  const rows = new Map<FailureMode, Row[]>(FAILURE_MODES.map((m) => [m, []]))
  // --cameras shrinks the fleets for a quick look; --write refuses it, so shipped weights come from the full fleets.
  if (values.write && values.cameras !== undefined) throw new Error('--write uses the full tuning fleets; drop --cameras')
  const fleets = TUNING_FLEETS.map((spec) => prepareFleet(values.cameras ? { ...spec, cameras: Number(values.cameras) } : spec, FAILURE_RATE))
  const initial = new RiskModel(RISK_WEIGHTS)
  for (const p of fleets) {
    const t0 = performance.now()
    replay({
      prepared: p,
      stepS,
      model: initial,
      onAssessment: (a) => {
        if (a.at < p.readFrom || a.at % SAMPLE_EVERY !== 0) return
        const y = label(p, a)
        if (y !== undefined) rows.get(a.mode)?.push({ features: a.features, y })
      },
    })
    console.log(`${p.spec.name}: replayed in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  }
  const fitted: Record<string, { bias: number; weights: number[]; knots: Array<[number, number]> }> = {}
  for (const mode of FAILURE_MODES) {
    const r = rows.get(mode) ?? []
    const positives = r.filter((x) => x.y === 1).length
    const fit = signConstrained(
      r.map((x) => x.features),
      r.map((x) => x.y),
      FEATURES[mode].map((f) => f.startsWith('log_days')),
    )
    const bias = round(fit.bias)
    const weights = fit.weights.map(round)
    const scores = r.map((x) => x.features.reduce((z, v, i) => z + (weights[i] as number) * v, bias))
    const knots = fitIsotonic(
      scores,
      r.map((x) => x.y),
    )
    fitted[mode] = { bias, weights, knots }
    console.log(
      `${mode}: ${r.length} rows, ${positives} positive; logistic log loss ${fit.logLoss.toFixed(4)}; bias ${bias}; ${FEATURES[mode].map((f, i) => `${f} ${weights[i]}`).join(', ')}; ${knots.length} isotonic knots`,
    )
  }
  const weights = fitted as unknown as RiskWeights
  const model = new RiskModel(weights)
  for (const p of fleets) {
    const r = replay({ prepared: p, stepS, model, baselines: true })
    const o = { failures: p.truth.failures, from: p.readFrom, to: p.to, cameras: p.fleet.cameras.length }
    const ours = score(r.raises, o)
    console.log(`\n${p.spec.name} (tuning fleet, fitted model)\n\n${modeTable(ours)}\n\n${comparisonTable(ours, score(r.staticRaises, o), score(r.linearRaises, o))}`)
  }
  if (values.write) {
    writeFileSync(new URL('../calibration-params.ts', import.meta.url), paramsFile(weights, stepS))
    console.log('\nwrote src/predict/calibration-params.ts')
  } else if (values.out !== undefined) {
    // A trial fit (e.g. on shrunken fleets) kept aside for a look, never shipped.
    writeFileSync(values.out, JSON.stringify(weights))
    console.log(`\nwrote ${values.out}`)
  }
}

/**
 * Logistic fit where a time to failure (the `log_days_*` features) may only raise risk as it
 * shrinks and every other feature is evidence that may only raise it: a feature fitted with the
 * wrong sign (usually collinear with a time to failure) is left out and the rest refitted, so the
 * model stays monotone in what it is told.
 */
function signConstrained(xs: readonly (readonly number[])[], ys: readonly number[], timeLike: readonly boolean[]): ReturnType<typeof fitLogistic> {
  const n = (xs[0] as readonly number[]).length
  let keep = Array.from({ length: n }, (_, i) => i)
  for (;;) {
    const fit = fitLogistic(
      xs.map((row) => keep.map((i) => row[i] as number)),
      ys,
    )
    const wrong = keep.filter((i, k) => (timeLike[i] ? (fit.weights[k] as number) > 0 : (fit.weights[k] as number) < 0))
    if (wrong.length === 0) {
      const weights = new Array<number>(n).fill(0)
      keep.forEach((i, k) => (weights[i] = fit.weights[k] as number))
      return { ...fit, weights }
    }
    keep = keep.filter((i) => !wrong.includes(i))
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}

function paramsFile(w: RiskWeights, stepS: number): string {
  const lines = FAILURE_MODES.map((m) => {
    const knots = (w[m].knots ?? []).map(([x, p]) => `[${x}, ${p}]`).join(', ')
    return `  ${m}: {\n    bias: ${w[m].bias},\n    weights: [${w[m].weights.join(', ')}],\n    knots: [${knots}],\n  },`
  })
  const fleets = TUNING_FLEETS.map((f) => `${f.name} (seed ${f.seed}, ${f.cameras} cameras, ${f.days} days)`).join('; ')
  return `import type { RiskWeights } from './risk-model.js'

/**
 * Risk model per failure mode: logistic direction (weights in the order of FEATURES[mode]) and
 * isotonic knots [score, probability] that calibrate it. Generated by
 * \`npm run tune:predict -- --write\` (one sample every ${stepS} s) from the tuning fleets only:
 * ${fleets}. Do not edit by hand; change the detectors or the tuning fleets and re-run it.
 */
export const RISK_WEIGHTS: RiskWeights = {
${lines.join('\n')}
}
`
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
