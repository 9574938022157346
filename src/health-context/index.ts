/**
 * Health context for recognition systems (DESIGN §7): a camera's condition at an instant and one
 * confidence factor a match can be weighted by. docs/health-context.md describes the method.
 */
export { HealthContextReader, type HealthContextReaderOptions, type HealthContextRequest, LOOKBACK_MS } from './reader.js'
export { GOOD_LEVEL, type HealthInputs, MIN_TYPICAL_BUCKETS, type Sample, TYPICAL_WINDOW_MS, UNKNOWN_SCORE, assess, median, typicalRate } from './score.js'
export type { HealthContext, HealthFactor } from '../protocol/health-context.js'
