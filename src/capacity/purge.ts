import type { Clock } from '../core/clock.js'
import type { OutboxMessage, OutboxStore } from '../notify/model.js'
import { type Notifier, signature } from '../notify/notifier.js'
import type { AuditStore } from '../store/ports.js'

export const PURGE_CHANNEL = 'purge'
export const PURGE_KIND = 'retention.purge'
/** Of the receiver's answer, this much is kept in the audit log. */
const ANSWER_CHARS = 2000

/** What camtel asks the VMS or cloud to delete (DESIGN §7): one camera's footage before `purgeBefore`. */
export interface PurgeRequest {
  cameraId: string
  siteId: string
  policyId: string
  maxDays: number
  retentionDays: number
  /** Data time of the report that showed footage past maxDays. */
  dataTime: number
}

/** Queues purge requests in the durable outbox, one per camera and data day: retried, kept across restarts. */
export class PurgeRequests {
  constructor(private readonly o: { outbox: OutboxStore; clock: Clock }) {}

  async request(r: PurgeRequest): Promise<boolean> {
    const now = this.o.clock.now()
    const day = new Date(r.dataTime).toISOString().slice(0, 10)
    const payload = {
      cameraId: r.cameraId,
      siteId: r.siteId,
      policyId: r.policyId,
      maxDays: r.maxDays,
      retentionDays: r.retentionDays,
      purgeBefore: new Date(r.dataTime - r.maxDays * 86_400_000).toISOString(),
      dataTime: new Date(r.dataTime).toISOString(),
    }
    return this.o.outbox.enqueue({ id: `purge-${r.cameraId}-${day}`, channel: PURGE_CHANNEL, kind: PURGE_KIND, payload, createdAt: now, dueAt: now })
  }
}

/**
 * Sends purge requests to CAMTEL_PURGE_URL, signed like the work orders
 * (`X-Camtel-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, `Idempotency-Key: <id>`), and
 * records every attempt, request and answer, in the audit log. The dispatcher retries failures.
 */
export class PurgeNotifier implements Notifier {
  readonly channel = PURGE_CHANNEL

  constructor(
    private readonly o: { url: string; secret: string; audit: AuditStore; clock: Clock; timeoutMs?: number; fetchImpl?: typeof fetch },
  ) {}

  async send(m: OutboxMessage): Promise<void> {
    const request = { id: m.id, kind: m.kind, createdAt: new Date(m.createdAt).toISOString(), ...(m.payload as object) }
    const body = JSON.stringify(request)
    const headers = {
      'content-type': 'application/json',
      'idempotency-key': m.id,
      'user-agent': 'camtel',
      'x-camtel-signature': signature(body, this.o.secret),
    }
    const cameraId = (m.payload as { cameraId?: string }).cameraId ?? 'unknown'
    const audit = (answer: { status: number | null; body?: string; error?: string }) =>
      this.o.audit.append({
        at: this.o.clock.now(),
        actor: 'system:purge',
        action: 'retention.purge',
        target: `camera:${cameraId}`,
        detail: { url: this.o.url, attempt: m.attempts + 1, request, answer },
      })
    let res: Response
    try {
      res = await (this.o.fetchImpl ?? fetch)(this.o.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000) })
    } catch (err) {
      await audit({ status: null, error: (err as Error).message })
      throw err
    }
    const text = await res.text().catch(() => '')
    await audit({ status: res.status, body: text.slice(0, ANSWER_CHARS) })
    if (!res.ok) throw new Error(`purge endpoint answered ${res.status}`)
  }
}
