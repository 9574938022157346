import { Type, type Static } from 'typebox'
import { SITE_ID_PATTERN } from './api.js'
import { CAMERA_ID_PATTERN } from './report.js'

/**
 * The live stream on the wire (DESIGN §6). The server validates client messages against
 * `SubscribeMessage`; the server's messages are the interfaces below, which `camtel/client`
 * imports as types only (so that a browser bundle does not pull in TypeBox).
 */
export const STREAM_TOPICS = ['telemetry', 'status', 'alert', 'incident', 'prediction', 'workorder'] as const
export type StreamTopic = (typeof STREAM_TOPICS)[number]

/** Close codes the server uses besides the standard ones. */
export const CLOSE_LAGGING = 4008
/**
 * The credentials of the connection were revoked or expired while it was open. A camtel addition
 * to DESIGN §6 (which names only 4008), documented in docs/stream.md.
 */
export const CLOSE_UNAUTHORIZED = 4401

export const SubscribeMessage = Type.Object(
  {
    type: Type.Literal('subscribe'),
    // An empty list would be ambiguous (nothing, or everything?), so lists need an entry.
    topics: Type.Optional(Type.Array(Type.Union(STREAM_TOPICS.map((t) => Type.Literal(t))), { minItems: 1, maxItems: 16 })),
    sites: Type.Optional(Type.Array(Type.String({ pattern: SITE_ID_PATTERN }), { minItems: 1, maxItems: 1000 })),
    cameras: Type.Optional(Type.Array(Type.String({ pattern: CAMERA_ID_PATTERN }), { minItems: 1, maxItems: 10_000 })),
    since: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
)
export type SubscribeMessage = Static<typeof SubscribeMessage>

/** Event `data` per topic (DESIGN §6). Times inside are RFC 3339 strings. */
export interface TelemetryData {
  seq: number | null
  ts: string
  metrics: Record<string, number>
}

export interface StatusData {
  status: 'ok' | 'degraded' | 'critical' | 'offline' | 'unknown'
  previous: 'ok' | 'degraded' | 'critical' | 'offline' | 'unknown'
}

/** The alert object of DESIGN §5, as the server sends it (ids are numbers). */
export interface AlertData {
  id: number
  ruleId: string
  cameraId: string
  siteId: string
  severity: 'warning' | 'critical'
  state: 'firing' | 'acknowledged' | 'resolved'
  silenced: boolean
  late: boolean
  value: number
  openedAt: string
  resolvedAt?: string
  ack?: { by: string; at: string; note: string | null }
  /** The incident that groups it, when there is one. */
  incidentId?: number
}

/** The incident object of DESIGN §5, as the server sends it. */
export interface IncidentData {
  id: number
  siteId: string
  ruleId: string
  /** What groups the members: `site:<id>`, or a camera tag such as `switch:sw-1`. */
  group: string
  state: 'open' | 'resolved'
  cameras: string[]
  openedAt: string
  resolvedAt?: string
}

/** The prediction object of DESIGN §7. */
export interface PredictionData {
  cameraId: string
  siteId: string
  mode: string
  risk: number
  eta: string | null
  evidence: unknown
}

export interface WorkorderData {
  id: string
  problem: string
  state: string
}

export interface TopicData {
  telemetry: TelemetryData
  status: StatusData
  alert: AlertData
  incident: IncidentData
  prediction: PredictionData
  workorder: WorkorderData
}

export type EventMessage<T extends StreamTopic = StreamTopic> = {
  [K in T]: {
    type: 'event'
    id: number
    topic: K
    cameraId: string | null
    siteId: string | null
    /** Data time, RFC 3339. */
    ts: string
    data: TopicData[K]
  }
}[T]

export interface ReplayedMessage {
  type: 'replayed'
  /** The last replayed event's id, or `since` when nothing matched. */
  id: number
}

export interface ResetMessage {
  type: 'reset'
  /** The newest event id: reload state over REST, then events after this one follow. */
  id: number
}

export interface LaggingMessage {
  type: 'lagging'
  /** The last event id sent before the close; resume with `since`. */
  id: number
}

export interface ErrorMessage {
  type: 'error'
  error: { code: string; message: string }
}

export type ServerMessage = EventMessage | ReplayedMessage | ResetMessage | LaggingMessage | ErrorMessage
