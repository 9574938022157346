import { Type, type Static, type TSchema } from 'typebox'

/**
 * GET /api/v1/cameras/:id/health-context (DESIGN §7): a camera's condition at one instant, for
 * recognition systems (ALPR, face recognition) to weight a match by. docs/health-context.md
 * explains every field and how `confidence` is combined.
 */
export const HealthContextQuery = Type.Object(
  {
    at: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or epoch ms, not in the future; default: now' })),
  },
  { additionalProperties: false },
)
export type HealthContextQuery = Static<typeof HealthContextQuery>

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
const Score = Type.Number({ minimum: 0, maximum: 1 })
const Time = Type.String({ format: 'date-time' })

/** Where the data of an answer comes from: raw reports, or the 1-minute or 1-hour rollups past the raw retention. */
export const HealthTier = Type.Union([Type.Literal('raw'), Type.Literal('1m'), Type.Literal('1h')])
export type HealthTier = Static<typeof HealthTier>

/**
 * `reported`: the camera's own `fps_target` metric; `typical`: the median frame rate of its
 * rollups over the 24 hours before `at` (no target is configured in camtel's registry).
 */
export const FpsTargetSource = Type.Union([Type.Literal('reported'), Type.Literal('typical')])
export type FpsTargetSource = Static<typeof FpsTargetSource>

/** One factor of `confidence`; the answer lists them in this order. */
export const HealthFactor = Type.Object({
  name: Type.Union([
    Type.Literal('online'),
    Type.Literal('recording'),
    Type.Literal('fps'),
    Type.Literal('image_quality'),
    Type.Literal('focus_score'),
    Type.Literal('tamper'),
  ]),
  /** The input as read (a number or boolean); null when unknown. */
  value: Nullable(Type.Union([Type.Number(), Type.Boolean()])),
  /** Data time of the input (a bucket's start in the rollup tiers); null when unknown. */
  ts: Nullable(Time),
  /** This factor's part of `confidence`, 0-1. */
  score: Score,
  /** False when the input was not reported: its score is then a stated default, never 1 for a core factor. */
  known: Type.Boolean(),
  reason: Type.String(),
})
export type HealthFactor = Static<typeof HealthFactor>
export type HealthFactorName = HealthFactor['name']

export const HealthContext = Type.Object({
  cameraId: Type.String(),
  siteId: Type.String(),
  /** The instant asked about. */
  at: Time,
  /** The tier that answered; null when no tier keeps data that old. */
  tier: Nullable(HealthTier),
  /** Newest data at or before `at` within the look-back (a bucket's start in the rollup tiers). */
  reportTs: Nullable(Time),
  /** The camera's offline timeout, seconds (its `offlineAfter`, else CAMTEL_OFFLINE_AFTER). */
  offlineAfter: Type.Number(),
  online: Type.Boolean(),
  recording: Nullable(Type.Boolean()),
  fps: Nullable(Type.Number()),
  fpsTarget: Nullable(Type.Number()),
  fpsTargetSource: Nullable(FpsTargetSource),
  /** fps / fpsTarget, not clipped. */
  fpsRatio: Nullable(Type.Number()),
  imageQuality: Nullable(Type.Number()),
  focusScore: Nullable(Type.Number()),
  tamper: Nullable(Type.Boolean()),
  /** Product of the factors' scores, 0-1. */
  confidence: Score,
  /** Factors whose input was not reported. */
  unknown: Type.Array(Type.String()),
  factors: Type.Array(HealthFactor),
})
export type HealthContext = Static<typeof HealthContext>
