import { createHmac } from 'node:crypto'
import type { OutboxMessage } from './model.js'

/**
 * One way of telling the outside world. Adding email or a chat service is one more class that
 * implements this; the dispatcher retries, dedups and keeps messages across restarts.
 */
export interface Notifier {
  readonly channel: string
  /** Delivers one message; throws on failure (it will be retried). */
  send(message: OutboxMessage): Promise<void>
}

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/**
 * POSTs the message as JSON, signed like the work orders (DESIGN §7):
 * `X-Camtel-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, `Idempotency-Key: <id>`.
 */
export class WebhookNotifier implements Notifier {
  readonly channel = 'webhook'

  constructor(
    private readonly o: { url: string; secret: string | undefined; timeoutMs?: number; fetchImpl?: typeof fetch },
  ) {}

  async send(m: OutboxMessage): Promise<void> {
    const body = JSON.stringify({ id: m.id, kind: m.kind, createdAt: new Date(m.createdAt).toISOString(), ...(m.payload as object) })
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': m.id, 'user-agent': 'camtel' }
    if (this.o.secret) headers['x-camtel-signature'] = signature(body, this.o.secret)
    const res = await (this.o.fetchImpl ?? fetch)(this.o.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
    })
    // Drain the body so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined)
    if (!res.ok) throw new Error(`webhook answered ${res.status}`)
  }
}
