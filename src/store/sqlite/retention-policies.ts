import type { Database } from 'better-sqlite3'
import type { Scope } from '../../alerts/rules.js'
import type { RetentionPolicy, RetentionPolicyStore } from '../ports.js'

interface PolicyRow {
  id: string
  scope: string
  min_days: number | null
  max_days: number | null
  created_at: number
  updated_at: number
}

const fromRow = (r: PolicyRow): RetentionPolicy => ({
  id: r.id,
  scope: JSON.parse(r.scope) as Scope,
  minDays: r.min_days,
  maxDays: r.max_days,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

export class SqliteRetentionPolicies implements RetentionPolicyStore {
  constructor(private readonly db: Database) {}

  async listPolicies(): Promise<RetentionPolicy[]> {
    return (this.db.prepare('SELECT * FROM retention_policies ORDER BY id').all() as PolicyRow[]).map(fromRow)
  }

  async putPolicy(p: Omit<RetentionPolicy, 'createdAt' | 'updatedAt'>, now: number): Promise<{ policy: RetentionPolicy; created: boolean }> {
    return this.db.transaction(() => {
      const existing = this.db.prepare('SELECT created_at FROM retention_policies WHERE id = ?').pluck().get(p.id) as number | undefined
      this.db
        .prepare(
          `INSERT INTO retention_policies (id, scope, min_days, max_days, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET scope = excluded.scope, min_days = excluded.min_days, max_days = excluded.max_days, updated_at = excluded.updated_at`,
        )
        .run(p.id, JSON.stringify(p.scope), p.minDays, p.maxDays, now, now)
      return { policy: { ...p, createdAt: existing ?? now, updatedAt: now }, created: existing === undefined }
    })()
  }

  async deletePolicy(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM retention_policies WHERE id = ?').run(id).changes > 0
  }

  async ruleInstalled(): Promise<boolean> {
    return this.db.prepare("SELECT 1 FROM meta WHERE key = 'retention_rule_installed'").pluck().get() !== undefined
  }

  async markRuleInstalled(): Promise<void> {
    this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('retention_rule_installed', '1')").run()
  }
}
