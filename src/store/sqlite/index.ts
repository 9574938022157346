import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Store } from '../ports.js'
import { CameraNumbers } from './camera-numbers.js'
import { SqliteRegistry } from './registry.js'
import { SCHEMA, SCHEMA_VERSION } from './schema.js'
import { SqliteTelemetry } from './telemetry.js'
import { SqliteHistory } from './history.js'
import { MetricNames } from './metric-names.js'
import { WriteCore } from './write-core.js'
import { InlineWriter, ThreadWriter, type Writer } from './writer.js'
import { applyHistorySchema } from './schema-history.js'
import { SqliteTokens } from './tokens.js'
import { SqliteAccounts, SqliteAudit } from './accounts.js'
import { ACCOUNTS_SCHEMA } from './schema-accounts.js'
import { SqliteAlerts } from './alerts.js'
import { SqliteOutbox } from './outbox.js'
import { ALERTS_SCHEMA } from './schema-alerts.js'
import { SqliteGaps } from './gaps.js'
import { GAPS_SCHEMA } from './schema-gaps.js'

export interface SqliteStoreOptions {
  /** Data folder; the database is `camtel.db` inside. `:memory:` for a throwaway store. */
  dataDir: string
  /** `full` fsyncs every commit; `normal` survives a process kill but not a power cut. */
  sync?: 'full' | 'normal'
  /** Telemetry and history writes in a thread of their own (writer.ts); default on, except in memory. */
  writerThread?: boolean
}

export function openSqliteStore({ dataDir, sync = 'full', writerThread = true }: SqliteStoreOptions): Store {
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
  applyHistorySchema(db)
  db.exec(GAPS_SCHEMA)
  const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as string | undefined
  if (version === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION))
  } else if (Number(version) > SCHEMA_VERSION) {
    db.close()
    throw new Error(`the database in ${dataDir} has schema version ${version}; this camtel knows up to ${SCHEMA_VERSION}`)
  }
  const cams = new CameraNumbers(db)
  const names = new MetricNames(db)
  const threaded = writerThread && !memory
  // With a writer thread, checkpoints are its business (connection.ts); this connection writes little.
  db.pragma(`wal_autocheckpoint = ${threaded ? 0 : 10000}`)
  if (threaded) beginImmediately(db)
  const writer: Writer = threaded ? new ThreadWriter({ file: join(dataDir, 'camtel.db'), sync }) : new InlineWriter(new WriteCore(db))
  return {
    kind: 'sqlite',
    telemetry: new SqliteTelemetry(db, cams, names, writer),
    history: new SqliteHistory(db, cams, names, writer),
    registry: new SqliteRegistry(db, cams),
    tokens: new SqliteTokens(db),
    accounts: new SqliteAccounts(db),
    audit: new SqliteAudit(db),
    alerts: new SqliteAlerts(db),
    outbox: new SqliteOutbox(db),
    gaps: new SqliteGaps(db, cams),
    async sizeBytes() {
      if (memory) return undefined
      return readdirSync(dataDir)
        .filter((f) => f.startsWith('camtel.db'))
        .reduce((sum, f) => sum + statSync(join(dataDir, f)).size, 0)
    },
    async close() {
      await writer.close()
      if (db.open) {
        if (!memory) db.pragma('wal_checkpoint(TRUNCATE)')
        db.close()
      }
    },
  }
}

/**
 * Makes every transaction on this connection IMMEDIATE. The writer thread commits on its own
 * connection all the time; a DEFERRED transaction that reads before it writes would then fail
 * at its first write with SQLITE_BUSY_SNAPSHOT, which no busy timeout retries. IMMEDIATE takes
 * the write lock at BEGIN, where busy_timeout waits for the writer's commit instead.
 */
function beginImmediately(db: Database.Database): void {
  const deferred = db.transaction.bind(db)
  db.transaction = ((fn: (...args: never[]) => unknown) => {
    const tx = deferred(fn)
    return Object.assign((...args: never[]) => tx.immediate(...args), {
      default: tx.immediate,
      deferred: tx.deferred,
      immediate: tx.immediate,
      exclusive: tx.exclusive,
    })
  }) as typeof db.transaction
}
