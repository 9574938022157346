/** A message to deliver to the outside (alert or incident notification, work order, purge). */
export interface OutboxMessage {
  /** Stable id, sent as the Idempotency-Key so that a retried delivery is recognised. */
  id: string
  /** Which notifier sends it, e.g. `webhook`. */
  channel: string
  kind: string
  payload: unknown
  createdAt: number
  /** Not before this time (also used to hold an alert back while an incident may form). */
  dueAt: number
  attempts: number
  deliveredAt: number | null
  /** Dropped without sending, with the reason (e.g. folded into an incident). */
  droppedAt: number | null
  lastError: string | null
}

/** A message as queued: what the outbox adds (attempts, delivery) starts empty. */
export type NewOutboxMessage = Omit<OutboxMessage, 'attempts' | 'deliveredAt' | 'droppedAt' | 'lastError'>

/** Durable queue of outgoing messages: retried with backoff until delivered, kept across restarts. */
export interface OutboxStore {
  enqueue(m: NewOutboxMessage): Promise<boolean>
  due(now: number, limit: number): Promise<OutboxMessage[]>
  markDelivered(id: string, now: number): Promise<void>
  markFailed(id: string, error: string, nextDueAt: number): Promise<void>
  drop(id: string, reason: string, now: number): Promise<void>
  get(id: string): Promise<OutboxMessage | undefined>
  pendingCount(): Promise<number>
}
