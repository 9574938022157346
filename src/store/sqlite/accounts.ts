import type { Database } from 'better-sqlite3'
import type { AccountStore, AuditEntry, AuditStore, StoredSession, StoredUser } from '../ports.js'

interface UserRow {
  username: string
  role: string
  sites: string | null
  password_hash: string
  disabled: number
  created_at: number
  updated_at: number
}

const userFromRow = (r: UserRow): StoredUser => ({
  username: r.username,
  role: r.role,
  sites: r.sites === null ? null : (JSON.parse(r.sites) as string[]),
  passwordHash: r.password_hash,
  disabled: r.disabled === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

export class SqliteAccounts implements AccountStore {
  constructor(private readonly db: Database) {}

  async insertUser(u: StoredUser): Promise<boolean> {
    return (
      this.db
        .prepare(
          'INSERT OR IGNORE INTO users (username, role, sites, password_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(u.username, u.role, u.sites === null ? null : JSON.stringify(u.sites), u.passwordHash, u.disabled ? 1 : 0, u.createdAt, u.updatedAt)
        .changes > 0
    )
  }

  async getUser(username: string): Promise<StoredUser | undefined> {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined
    return row && userFromRow(row)
  }

  async listUsers(): Promise<StoredUser[]> {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(userFromRow)
  }

  async updateUser(
    username: string,
    c: Partial<Pick<StoredUser, 'role' | 'sites' | 'passwordHash' | 'disabled'>>,
    now: number,
  ): Promise<boolean> {
    const sets: string[] = ['updated_at = @now']
    if (c.role !== undefined) sets.push('role = @role')
    if (c.sites !== undefined) sets.push('sites = @sites')
    if (c.passwordHash !== undefined) sets.push('password_hash = @passwordHash')
    if (c.disabled !== undefined) sets.push('disabled = @disabled')
    return (
      this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE username = @username`).run({
        username,
        now,
        role: c.role ?? null,
        sites: c.sites === undefined || c.sites === null ? null : JSON.stringify(c.sites),
        passwordHash: c.passwordHash ?? null,
        disabled: c.disabled ? 1 : 0,
      }).changes > 0
    )
  }

  async insertSession(s: StoredSession): Promise<void> {
    this.db
      .prepare('INSERT INTO sessions (hash, username, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(s.hash, s.username, s.createdAt, s.lastUsedAt, s.expiresAt)
  }

  async getSession(hash: string): Promise<StoredSession | undefined> {
    const r = this.db.prepare('SELECT * FROM sessions WHERE hash = ?').get(hash) as
      | { hash: string; username: string; created_at: number; last_used_at: number; expires_at: number }
      | undefined
    return r && { hash: r.hash, username: r.username, createdAt: r.created_at, lastUsedAt: r.last_used_at, expiresAt: r.expires_at }
  }

  async touchSession(hash: string, lastUsedAt: number): Promise<void> {
    this.db.prepare('UPDATE sessions SET last_used_at = ? WHERE hash = ?').run(lastUsedAt, hash)
  }

  async deleteSession(hash: string): Promise<void> {
    this.db.prepare('DELETE FROM sessions WHERE hash = ?').run(hash)
  }

  async deleteSessionsOf(username: string): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username).changes
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes
  }
}

export class SqliteAudit implements AuditStore {
  constructor(private readonly db: Database) {}

  async append(e: Omit<AuditEntry, 'id'>): Promise<void> {
    this.db
      .prepare('INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)')
      .run(e.at, e.actor, e.action, e.target, e.detail === undefined ? null : JSON.stringify(e.detail))
  }

  async list(q: { limit: number; before?: number; action?: string }): Promise<AuditEntry[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM audit WHERE (@before IS NULL OR id < @before) AND (@action IS NULL OR action = @action)
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({ before: q.before ?? null, action: q.action ?? null, limit: q.limit }) as Array<{
      id: number
      at: number
      actor: string
      action: string
      target: string
      detail: string | null
    }>
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown) }))
  }
}
