import { Type, type Static } from 'typebox'
import { SITE_ID_PATTERN } from './api.js'
import { CAMERA_ID_PATTERN } from './report.js'

/**
 * Work orders on the wire (DESIGN §7): the states a ticket moves through as the work-order
 * system reports them, the status body it reports them with, and the ticket as camtel answers it.
 */
export const WORK_ORDER_STATES = ['open', 'acknowledged', 'in_progress', 'resolved', 'closed'] as const
export type WorkOrderState = (typeof WORK_ORDER_STATES)[number]

/** A ticket in one of these states is closed: the next problem of its (camera, problem) makes a new one. */
export const FINAL_WORK_ORDER_STATES: readonly WorkOrderState[] = ['resolved', 'closed']

export function isFinalState(state: WorkOrderState): boolean {
  return FINAL_WORK_ORDER_STATES.includes(state)
}

export const WORK_ORDER_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$'

export const WorkOrderParams = Type.Object({ id: Type.String({ pattern: WORK_ORDER_ID_PATTERN }) })
export type WorkOrderParams = Static<typeof WorkOrderParams>

const StateSchema = Type.Union(WORK_ORDER_STATES.map((s) => Type.Literal(s)))

export const WorkOrderStatusBody = Type.Object(
  {
    state: StateSchema,
    note: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    externalId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
    url: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 2000, pattern: '^https?://' }), Type.Null()])),
  },
  { additionalProperties: false },
)
export type WorkOrderStatusBody = Static<typeof WorkOrderStatusBody>

export const WorkOrderQuery = Type.Object(
  {
    state: Type.Optional(StateSchema),
    active: Type.Optional(Type.Boolean({ description: 'true: tickets not yet resolved or closed; false: those that are' })),
    site: Type.Optional(Type.String({ pattern: SITE_ID_PATTERN })),
    camera: Type.Optional(Type.String({ pattern: CAMERA_ID_PATTERN })),
    problem: Type.Optional(Type.String({ maxLength: 64 })),
    alert: Type.Optional(Type.Integer({ minimum: 1, description: 'tickets this alert made or joined' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'at most this many, newest first (default 1,000)' })),
  },
  { additionalProperties: false },
)
export type WorkOrderQuery = Static<typeof WorkOrderQuery>

/** Whether the ticket has reached the work-order system yet (the durable outbox retries until it has). */
export interface WorkOrderDelivery {
  state: 'pending' | 'delivered'
  attempts: number
  lastError: string | null
  deliveredAt: string | null
}

/** What a ticket is about (DESIGN §7): the same in a draft, a new ticket, a stored one and its view. */
export interface WorkOrderSubject {
  cameraId: string
  siteId: string
  /** The metric of an alert, or the failure mode of a prediction. */
  problem: string
  severity: 'warning' | 'critical'
  summary: string
  /** What made the ticket: an alert, or a raised prediction. */
  origin: 'alert' | 'prediction'
}

/** A ticket as REST answers it; `context` only in the answer about one ticket. */
export interface WorkOrderView extends WorkOrderSubject {
  id: string
  /** Alerts that made or joined the ticket, oldest first. */
  alertIds: number[]
  state: WorkOrderState
  note: string | null
  externalId: string | null
  url: string | null
  createdAt: string
  updatedAt: string
  closedAt: string | null
  delivery: WorkOrderDelivery
  context?: unknown
}

/** The ticket as an alert carries it (`workOrder` in GET /api/v1/alerts and /alerts/:id). */
export interface AlertWorkOrder {
  id: string
  state: WorkOrderState
  externalId: string | null
  url: string | null
  updatedAt: string
}
