import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Store } from '../ports.js'
import { CameraNumbers } from './camera-numbers.js'
import { SqliteRegistry } from './registry.js'
import { SCHEMA, SCHEMA_VERSION } from './schema.js'
import { SqliteTelemetry } from './telemetry.js'
import { SqliteTokens } from './tokens.js'
import { SqliteAccounts, SqliteAudit } from './accounts.js'
import { ACCOUNTS_SCHEMA } from './schema-accounts.js'
import { SqliteAlerts } from './alerts.js'
import { SqliteOutbox } from './outbox.js'
import { ALERTS_SCHEMA } from './schema-alerts.js'

export interface SqliteStoreOptions {
  /** Data folder; the database is `camtel.db` inside. `:memory:` for a throwaway store. */
  dataDir: string
  /** `full` fsyncs every commit; `normal` survives a process kill but not a power cut. */
  sync?: 'full' | 'normal'
}

export function openSqliteStore({ dataDir, sync = 'full' }: SqliteStoreOptions): Store {
  const memory = dataDir === ':memory:'
  if (!memory) mkdirSync(dataDir, { recursive: true })
  const db = new Database(memory ? ':memory:' : join(dataDir, 'camtel.db'))
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`)
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  // A larger page cache keeps the hot end of the reports index in memory.
  db.pragma('cache_size = -65536')
  db.exec(SCHEMA)
  db.exec(ACCOUNTS_SCHEMA)
  db.exec(ALERTS_SCHEMA)
  const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as string | undefined
  if (version === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION))
  } else if (Number(version) > SCHEMA_VERSION) {
    db.close()
    throw new Error(`the database in ${dataDir} has schema version ${version}; this camtel knows up to ${SCHEMA_VERSION}`)
  }
  const cams = new CameraNumbers(db)
  return {
    kind: 'sqlite',
    telemetry: new SqliteTelemetry(db, cams),
    registry: new SqliteRegistry(db, cams),
    tokens: new SqliteTokens(db),
    accounts: new SqliteAccounts(db),
    audit: new SqliteAudit(db),
    alerts: new SqliteAlerts(db),
    outbox: new SqliteOutbox(db),
    async sizeBytes() {
      if (memory) return undefined
      return readdirSync(dataDir)
        .filter((f) => f.startsWith('camtel.db'))
        .reduce((sum, f) => sum + statSync(join(dataDir, f)).size, 0)
    },
    async close() {
      if (db.open) {
        if (!memory) db.pragma('wal_checkpoint(TRUNCATE)')
        db.close()
      }
    },
  }
}
