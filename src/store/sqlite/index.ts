import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Store, StoreHealthCheck } from '../ports.js'
import { BUSY_RETRY_TOTAL_MS, MAIN_BUSY_TIMEOUT_MS, retryingWhenBusy } from './busy.js'
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
import { EVENTS_SCHEMA } from './schema-events.js'
import { SqliteEventLog } from './event-log.js'
import { SqliteRetentionPolicies } from './retention-policies.js'
import { RETENTION_SCHEMA } from './schema-retention.js'
import { SqliteWorkOrders } from './workorders.js'
import { WORKORDERS_SCHEMA } from './schema-workorders.js'

export interface SqliteStoreOptions {
  /** Data folder; the database is `camtel.db` inside. `:memory:` for a throwaway store. */
  dataDir: string
  /** `full` fsyncs every commit; `normal` survives a process kill but not a power cut. */
  sync?: 'full' | 'normal'
  /** Telemetry and history writes in a thread of their own (writer.ts); default on, except in memory. */
  writerThread?: boolean
  /**
   * How long a write of the main connection (registry, alerts, tokens, outbox, new metric names …)
   * keeps retrying, on timers, while another connection holds the write lock; then it fails
   * with StoreBusyError. Default 30 s.
   */
  busyRetryMs?: number
  /** Called once if the writer thread dies unexpectedly (it is then reported by `health`). */
  onWriterDeath?: (err: Error) => void
  /** The event log reads replays in a thread of its own (replay-reader.ts); default on, except in memory. */
  replayThread?: boolean
}

/** The SQLite store, with a hook that tests use to make its writer thread die. */
export interface SqliteStore extends Store {
  /** Tests: terminates the writer thread as a crash would; resolves once it has exited. */
  killWriterForTest(): Promise<void>
}

export function openSqliteStore({
  dataDir,
  sync = 'full',
  writerThread = true,
  busyRetryMs = BUSY_RETRY_TOTAL_MS,
  onWriterDeath,
  replayThread = true,
}: SqliteStoreOptions): SqliteStore {
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
  db.exec(EVENTS_SCHEMA)
  db.exec(RETENTION_SCHEMA)
  db.exec(WORKORDERS_SCHEMA)
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
  const threadWriter = threaded ? new ThreadWriter({ file: join(dataDir, 'camtel.db'), sync }, onWriterDeath) : undefined
  const writer: Writer = threadWriter ?? new InlineWriter(new WriteCore(db))
  const telemetry = new SqliteTelemetry(db, cams, names, writer)
  let eventLog: SqliteEventLog | undefined
  // From here on the writer thread commits beside this connection. A write that finds the lock
  // taken waits a moment in SQLite's busy handler, which blocks the event loop, then retries on
  // timers with the loop free (busy.ts). Every async method below that writes is one statement
  // or one transaction, so a retried attempt never half-applied.
  db.pragma(`busy_timeout = ${MAIN_BUSY_TIMEOUT_MS}`)
  const retrying = <T extends object>(role: T): T => retryingWhenBusy(role, busyRetryMs)
  return {
    kind: 'sqlite',
    telemetry: retrying(telemetry),
    history: new SqliteHistory(db, cams, names, writer),
    registry: retrying(new SqliteRegistry(db, cams)),
    tokens: retrying(new SqliteTokens(db)),
    accounts: retrying(new SqliteAccounts(db)),
    audit: retrying(new SqliteAudit(db)),
    alerts: retrying(new SqliteAlerts(db, writer)),
    outbox: retrying(new SqliteOutbox(db)),
    gaps: retrying(new SqliteGaps(db, cams)),
    retentionPolicies: retrying(new SqliteRetentionPolicies(db)),
    workOrders: retrying(new SqliteWorkOrders(db)),
    async sizeBytes() {
      if (memory) return undefined
      return readdirSync(dataDir)
        .filter((f) => f.startsWith('camtel.db'))
        .reduce((sum, f) => sum + statSync(join(dataDir, f)).size, 0)
    },
    openEventLog(o) {
      if (eventLog) throw new Error('the event log of this store is open already')
      eventLog = new SqliteEventLog(db, names, writer, { ...o, replayThread })
      telemetry.recordEventsIn(eventLog)
      return eventLog
    },
    async health() {
      const checks: StoreHealthCheck[] = []
      if (threadWriter) {
        const failure = threadWriter.failure
        checks.push({ name: 'writer', ok: failure === undefined, detail: failure ? failure.message : 'the SQLite writer thread is running' })
      }
      if (eventLog) {
        const log = eventLog
        checks.push(
          threadWriter?.failure
            ? { name: 'bus', ok: false, detail: 'the embedded event log (the bus of a single instance): its appends go through the writer thread, which died' }
            : await log.window().then(
                (w) => ({ name: 'bus', ok: true, detail: `the embedded event log (the bus of a single instance): ${Math.max(0, w.newest - w.oldest + 1)} events replayable, newest id ${w.newest}` }),
                (err: Error) => ({ name: 'bus', ok: false, detail: `the embedded event log: ${err.message}` }),
              ),
        )
      }
      return checks
    },
    async killWriterForTest() {
      if (!threadWriter) throw new Error('this store writes inline: it has no writer thread')
      await threadWriter.terminate()
    },
    async close() {
      await eventLog?.close()
      await writer.close()
      if (db.open) {
        db.pragma('busy_timeout = 5000')
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
