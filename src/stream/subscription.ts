import { Ajv, type ErrorObject } from 'ajv'
import { SubscribeMessage, type StreamTopic } from '../protocol/stream.js'
import { type Principal, canSeeSite } from '../server/auth/roles.js'
import type { DomainEvent } from './events.js'

/** What a console asked for; null means "no filter". */
export interface Subscription {
  readonly topics: ReadonlySet<StreamTopic> | null
  readonly sites: ReadonlySet<string> | null
  readonly cameras: ReadonlySet<string> | null
  readonly since: number | undefined
}

export type ClientMessageResult = { ok: true; subscription: Subscription } | { ok: false; code: string; message: string }

// Bodies are matched exactly, as on the REST routes: no coercion, unknown fields are errors.
const validateSubscribe = new Ajv({ removeAdditional: false, useDefaults: false, allErrors: false, strict: false, coerceTypes: false }).compile<SubscribeMessage>(
  SubscribeMessage,
)

/** Reads one text frame from a console. Never throws: a bad message is an answer, not a crash. */
export function parseClientMessage(text: string): ClientMessageResult {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, code: 'invalid_json', message: 'a message must be one JSON object' }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, code: 'invalid_message', message: 'a message must be a JSON object with a "type"' }
  }
  const type = (value as { type?: unknown }).type
  if (type !== 'subscribe') {
    return { ok: false, code: 'unknown_type', message: `unknown message type ${JSON.stringify(type ?? null)}; the only one is "subscribe"` }
  }
  if (!validateSubscribe(value)) return { ok: false, code: 'invalid_subscribe', message: describe(validateSubscribe.errors?.[0]) }
  return {
    ok: true,
    subscription: {
      topics: value.topics ? new Set(value.topics as StreamTopic[]) : null,
      sites: value.sites ? new Set(value.sites) : null,
      cameras: value.cameras ? new Set(value.cameras) : null,
      since: value.since,
    },
  }
}

function describe(err: ErrorObject | undefined): string {
  if (!err) return 'invalid subscribe message'
  const where = err.instancePath === '' ? 'subscribe' : err.instancePath.slice(1).replaceAll('/', '.')
  if (err.keyword === 'additionalProperties') return `unknown field '${String(err.params.additionalProperty)}' in subscribe`
  return `${where} ${err.message ?? 'is invalid'}`
}

/**
 * Whether a console sees an event: the caller's sites first (DESIGN §10), then its filters.
 * An event without a site (none exist yet) is for callers that see every site.
 */
export function isVisible(e: DomainEvent, principal: Principal, sub: Subscription): boolean {
  if (sub.topics !== null && !sub.topics.has(e.topic)) return false
  if (e.siteId === null ? principal.sites !== null : !canSeeSite(principal, e.siteId)) return false
  if (sub.sites !== null && (e.siteId === null || !sub.sites.has(e.siteId))) return false
  if (sub.cameras !== null && (e.cameraId === null || !sub.cameras.has(e.cameraId))) return false
  return true
}
