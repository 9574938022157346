import { Type, type Static } from 'typebox'
import type { Gap } from '../store/ports.js'
import { CAMERA_ID_PATTERN } from './report.js'

/** DESIGN §9a: what an edge agent's size cap dropped. Times as in reports: RFC 3339 or epoch ms. */
const Time = Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })])

export const GapBody = Type.Object(
  {
    cameraId: Type.String({ pattern: CAMERA_ID_PATTERN }),
    from: Time,
    to: Time,
    reports: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'reports dropped in [from, to]' }),
  },
  { additionalProperties: false },
)
export type GapBody = Static<typeof GapBody>

export const GapListQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or epoch ms; default: the beginning' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or epoch ms; default: now' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
)
export type GapListQuery = Static<typeof GapListQuery>

/** A gap on the wire: times as RFC 3339. */
export function gapView(g: Gap) {
  const iso = (ms: number) => new Date(ms).toISOString()
  return { cameraId: g.cameraId, from: iso(g.from), to: iso(g.to), reports: g.reports, source: g.source, recordedAt: iso(g.recordedAt), updatedAt: iso(g.updatedAt) }
}
