import Database from 'better-sqlite3'

/**
 * The writer's own connection to the data folder's database (the main connection made the
 * schema). Its WAL checkpoints happen here too, off the event loop, and less often than
 * SQLite's default: one batch of a thousand cameras already dirties a thousand pages.
 */
export function openWriteConnection(file: string, sync: 'full' | 'normal'): Database.Database {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`)
  db.pragma('busy_timeout = 5000')
  db.pragma('cache_size = -65536')
  db.pragma('wal_autocheckpoint = 10000')
  return db
}
