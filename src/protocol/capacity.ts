import { Type, type Static } from 'typebox'
import { ScopeSchema } from './api.js'

export const PolicyParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' }) })
export type PolicyParams = Static<typeof PolicyParams>

const Days = Type.Union([Type.Number({ minimum: 0, maximum: 3650 }), Type.Null()])

/** PUT /api/v1/retention-policies/:id (DESIGN §7). A bound left out or null is no bound on that side. */
export const PolicyBody = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' })),
    scope: ScopeSchema,
    minDays: Type.Optional(Days),
    maxDays: Type.Optional(Days),
  },
  { additionalProperties: false },
)
export type PolicyBody = Static<typeof PolicyBody>

export const CapacityQuery = Type.Object(
  { site: Type.Optional(Type.String({ maxLength: 128 })) },
  { additionalProperties: false },
)
export type CapacityQuery = Static<typeof CapacityQuery>
