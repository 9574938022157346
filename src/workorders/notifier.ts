import type { OutboxMessage } from '../notify/model.js'
import { type Notifier, signature } from '../notify/notifier.js'

export const WORKORDER_CHANNEL = 'workorder'
export const WORKORDER_KIND = 'workorder.created'

/**
 * Sends tickets to CAMTEL_WORKORDER_URL (DESIGN §7): the JSON
 * `{id, cameraId, siteId, problem, severity, summary, context, createdAt}`, `Idempotency-Key: <id>`,
 * `X-Camtel-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. The body is made from the stored
 * message alone, so every retry sends the same bytes; the dispatcher retries any answer but 2xx.
 */
export class WorkOrderNotifier implements Notifier {
  readonly channel = WORKORDER_CHANNEL

  constructor(private readonly o: { url: string; secret: string; timeoutMs?: number; fetchImpl?: typeof fetch }) {}

  async send(m: OutboxMessage): Promise<void> {
    const body = JSON.stringify({ id: m.id, ...(m.payload as object) })
    const res = await (this.o.fetchImpl ?? fetch)(this.o.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': m.id, 'user-agent': 'camtel', 'x-camtel-signature': signature(body, this.o.secret) },
      body,
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
    })
    // Drain the body so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined)
    if (!res.ok) throw new Error(`work-order system answered ${res.status}`)
  }
}

/**
 * Stands in for the work-order system while CAMTEL_WORKORDER_URL is unset: no ticket is made
 * then, but tickets queued before it was unset stay queued (the dispatcher drops a message no
 * notifier takes), and go out once a URL is set again.
 */
export class HeldWorkOrders implements Notifier {
  readonly channel = WORKORDER_CHANNEL

  async send(): Promise<void> {
    throw new Error('work orders are off (CAMTEL_WORKORDER_URL is unset): kept until it is set again')
  }
}
