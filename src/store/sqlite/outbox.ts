import type { Database } from 'better-sqlite3'
import type { NewOutboxMessage, OutboxMessage, OutboxStore } from '../../notify/model.js'
import type { SqlStatement } from './write-core.js'

interface OutboxRow {
  id: string
  channel: string
  kind: string
  payload: string
  created_at: number
  due_at: number
  attempts: number
  delivered_at: number | null
  dropped_at: number | null
  last_error: string | null
}

const fromRow = (r: OutboxRow): OutboxMessage => ({
  id: r.id,
  channel: r.channel,
  kind: r.kind,
  payload: JSON.parse(r.payload) as unknown,
  createdAt: r.created_at,
  dueAt: r.due_at,
  attempts: r.attempts,
  deliveredAt: r.delivered_at,
  droppedAt: r.dropped_at,
  lastError: r.last_error,
})

/** Queues a message; one already queued under its id stays as it is (changes: 0). */
export function enqueueStatement(m: NewOutboxMessage): SqlStatement {
  return [
    'INSERT OR IGNORE INTO outbox (id, channel, kind, payload, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?)',
    [m.id, m.channel, m.kind, JSON.stringify(m.payload), m.createdAt, m.dueAt],
  ]
}

export class SqliteOutbox implements OutboxStore {
  constructor(private readonly db: Database) {}

  async enqueue(m: NewOutboxMessage): Promise<boolean> {
    const [sql, params] = enqueueStatement(m)
    return this.db.prepare(sql).run(...params).changes > 0
  }

  async due(now: number, limit: number): Promise<OutboxMessage[]> {
    return (
      this.db
        .prepare('SELECT * FROM outbox WHERE delivered_at IS NULL AND dropped_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?')
        .all(now, limit) as OutboxRow[]
    ).map(fromRow)
  }

  async markDelivered(id: string, now: number): Promise<void> {
    this.db.prepare('UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?').run(now, id)
  }

  async markFailed(id: string, error: string, nextDueAt: number): Promise<void> {
    this.db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, due_at = ? WHERE id = ?').run(error.slice(0, 500), nextDueAt, id)
  }

  async drop(id: string, reason: string, now: number): Promise<void> {
    this.db.prepare('UPDATE outbox SET dropped_at = ?, last_error = ? WHERE id = ? AND delivered_at IS NULL').run(now, reason, id)
  }

  async get(id: string): Promise<OutboxMessage | undefined> {
    const row = this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow | undefined
    return row && fromRow(row)
  }

  async pendingCount(): Promise<number> {
    return this.db.prepare('SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND dropped_at IS NULL').pluck().get() as number
  }
}
