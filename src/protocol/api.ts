import { Type, type Static } from 'typebox'
import { CAMERA_ID_PATTERN } from './report.js'

/** Request and answer shapes of the REST API (DESIGN §3, §4). They validate and document. */
export const SITE_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$'

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
})

const Name = Type.String({ minLength: 1, maxLength: 200 })
const Lat = Type.Number({ minimum: -90, maximum: 90 })
const Lon = Type.Number({ minimum: -180, maximum: 180 })

export const SiteParams = Type.Object({ id: Type.String({ pattern: SITE_ID_PATTERN }) })
export const CameraParams = Type.Object({ id: Type.String({ pattern: CAMERA_ID_PATTERN }) })
export type SiteParams = Static<typeof SiteParams>
export type CameraParams = Static<typeof CameraParams>

export const SiteBody = Type.Object(
  {
    name: Name,
    lat: Type.Optional(Type.Union([Lat, Type.Null()])),
    lon: Type.Optional(Type.Union([Lon, Type.Null()])),
    timezone: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
    uplinkMbps: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1e7 }), Type.Null()])),
  },
  { additionalProperties: false },
)
export type SiteBody = Static<typeof SiteBody>

export const CameraBody = Type.Object(
  {
    name: Type.Optional(Name),
    siteId: Type.String({ pattern: SITE_ID_PATTERN }),
    lat: Type.Optional(Type.Union([Lat, Type.Null()])),
    lon: Type.Optional(Type.Union([Lon, Type.Null()])),
    model: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    firmware: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 64 })),
    offlineAfter: Type.Optional(Type.Union([Type.Number({ minimum: 1, maximum: 31_536_000 }), Type.Null()])),
  },
  { additionalProperties: false },
)
export type CameraBody = Static<typeof CameraBody>

export const CameraListQuery = Type.Object(
  {
    site: Type.Optional(Type.String({ maxLength: 128 })),
    status: Type.Optional(Type.Union(['ok', 'degraded', 'critical', 'offline', 'unknown'].map((s) => Type.Literal(s)))),
    q: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
)
export type CameraListQuery = Static<typeof CameraListQuery>

export const SeriesQuery = Type.Object(
  {
    metric: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or epoch ms; default: to minus 1 hour' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or epoch ms; default: now' })),
    step: Type.Optional(Type.String({ maxLength: 20, description: 'bucket duration such as 10s, 1m, 1h' })),
  },
  { additionalProperties: false },
)
export type SeriesQuery = Static<typeof SeriesQuery>

export const BatchAnswer = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), error: Type.String() })),
})

const SiteList = Type.Array(Type.String({ pattern: SITE_ID_PATTERN }), { minItems: 1, maxItems: 1000 })
const RoleName = Type.Union(['admin', 'operator', 'viewer', 'ingest'].map((r) => Type.Literal(r)))
export const USERNAME_PATTERN = '^[A-Za-z0-9._@-]{1,64}$'

export const TokenCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: RoleName,
    sites: Type.Optional(Type.Union([SiteList, Type.Null()])),
  },
  { additionalProperties: false },
)
export type TokenCreate = Static<typeof TokenCreate>

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })
export type IdParams = Static<typeof IdParams>

export const UserCreate = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    role: RoleName,
    sites: Type.Optional(Type.Union([SiteList, Type.Null()])),
  },
  { additionalProperties: false },
)
export type UserCreate = Static<typeof UserCreate>

export const UserParams = Type.Object({ name: Type.String({ pattern: USERNAME_PATTERN }) })
export type UserParams = Static<typeof UserParams>

export const UserPatch = Type.Object(
  {
    role: Type.Optional(RoleName),
    sites: Type.Optional(Type.Union([SiteList, Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type UserPatch = Static<typeof UserPatch>

export const PasswordChange = Type.Object(
  {
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    currentPassword: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
)
export type PasswordChange = Static<typeof PasswordChange>

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
)
export type LoginBody = Static<typeof LoginBody>

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
)
export type AuditQuery = Static<typeof AuditQuery>

export const ScopeSchema = Type.Union([
  Type.Literal('all'),
  Type.Object(
    {
      site: Type.Optional(Type.String({ pattern: SITE_ID_PATTERN })),
      camera: Type.Optional(Type.String({ pattern: CAMERA_ID_PATTERN })),
      tag: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    },
    { additionalProperties: false },
  ),
])

export const RuleBody = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' })),
    metric: Type.String({ minLength: 1, maxLength: 64 }),
    op: Type.Union(['>', '>=', '<', '<=', '==', '!='].map((o) => Type.Literal(o))),
    value: Type.Number(),
    for: Type.Optional(Type.Number({ minimum: 0, maximum: 2_592_000 })),
    clear: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    severity: Type.Union([Type.Literal('warning'), Type.Literal('critical')]),
    scope: Type.Optional(ScopeSchema),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
)
export type RuleBody = Static<typeof RuleBody>

export const RuleParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' }) })
export type RuleParams = Static<typeof RuleParams>

export const AlertQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(['firing', 'acknowledged', 'resolved', 'open'].map((s) => Type.Literal(s)))),
    site: Type.Optional(Type.String({ maxLength: 128 })),
    camera: Type.Optional(Type.String({ maxLength: 128 })),
    severity: Type.Optional(Type.Union([Type.Literal('warning'), Type.Literal('critical')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
)
export type AlertQuery = Static<typeof AlertQuery>

export const NumericIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) })
export type NumericIdParams = Static<typeof NumericIdParams>

export const AckBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })
export type AckBody = Static<typeof AckBody>

export const SilenceBody = Type.Object(
  {
    scope: ScopeSchema,
    from: Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })]),
    to: Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })]),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
)
export type SilenceBody = Static<typeof SilenceBody>
