import type { Database } from 'better-sqlite3'
import type { StoredToken, TokenStore } from '../ports.js'

interface TokenRow {
  id: string
  name: string
  role: string
  sites: string | null
  hash: string
  created_at: number
  revoked_at: number | null
}

const fromRow = (r: TokenRow): StoredToken => ({
  id: r.id,
  name: r.name,
  role: r.role,
  sites: r.sites === null ? null : (JSON.parse(r.sites) as string[]),
  hash: r.hash,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
})

export class SqliteTokens implements TokenStore {
  constructor(private readonly db: Database) {}

  async insertToken(t: StoredToken): Promise<void> {
    this.db
      .prepare('INSERT INTO tokens (id, name, role, sites, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(t.id, t.name, t.role, t.sites === null ? null : JSON.stringify(t.sites), t.hash, t.createdAt, t.revokedAt)
  }

  async findTokenByHash(hash: string): Promise<StoredToken | undefined> {
    const row = this.db.prepare('SELECT * FROM tokens WHERE hash = ?').get(hash) as TokenRow | undefined
    return row && fromRow(row)
  }

  async listTokens(): Promise<StoredToken[]> {
    return (this.db.prepare('SELECT * FROM tokens ORDER BY created_at, id').all() as TokenRow[]).map(fromRow)
  }

  async revokeToken(id: string, now: number): Promise<boolean> {
    return this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0
  }
}
