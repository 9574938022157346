import { Type, type Static } from 'typebox'
import { SITE_ID_PATTERN } from './api.js'
import { CAMERA_ID_PATTERN } from './report.js'

/**
 * Predictive maintenance on the wire (DESIGN §7). The failure modes are shared by the server,
 * the simulator's ground truth and the evaluation, so that all three name a failure the same way.
 */
export const FAILURE_MODES = [
  'overheating',
  'disk_failure',
  'disk_full',
  'power_instability',
  'network_degradation',
  'image_degradation',
  'reboot_loop',
] as const
export type FailureMode = (typeof FAILURE_MODES)[number]

export function isFailureMode(value: unknown): value is FailureMode {
  return typeof value === 'string' && (FAILURE_MODES as readonly string[]).includes(value)
}

/** At or above this risk a prediction is raised (work orders, the maintenance list). */
export const RAISE_RISK = 0.5

/** One prediction: the `prediction` object of DESIGN §7, also the data of a `prediction` event. */
export interface PredictionView {
  cameraId: string
  siteId: string
  mode: FailureMode
  /** Probability of a failure in this mode within 30 days, 0..1. */
  risk: number
  /** Expected failure time (RFC 3339, data time), or null when no trend projects one. */
  eta: string | null
  /** Why, in words and numbers; strongest reason first. */
  evidence: string[]
  /** Data time the assessment was made at (the camera's last finalised hour). */
  asOf: string
  /** Data time the risk last reached 0.5, while it stays raised; else null. */
  raisedAt: string | null
}

export const PredictionQuery = Type.Object(
  {
    site: Type.Optional(Type.String({ pattern: SITE_ID_PATTERN })),
    camera: Type.Optional(Type.String({ pattern: CAMERA_ID_PATTERN })),
    mode: Type.Optional(Type.Union(FAILURE_MODES.map((m) => Type.Literal(m)))),
    minRisk: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'only predictions at or above this risk' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'at most this many, highest risk first (default 1,000)' })),
  },
  { additionalProperties: false },
)
export type PredictionQuery = Static<typeof PredictionQuery>
