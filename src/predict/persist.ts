import { mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Logger } from 'pino'
import type { PredictionEngine } from './engine.js'
import { CameraTrack } from './track.js'

/** The predictor's own database in the data folder, next to camtel.db. */
export const STATE_FILE = 'predictions.db'
/** Wall-clock time between two saves while the server runs (and one more when it stops). */
export const SAVE_EVERY_MS = 5 * 60_000
/** Cameras written per transaction by the periodic save, between which the event loop runs. */
const SLICE = 2_000
/**
 * Layout of the saved records: bump it when a track's fields change. State saved under another
 * layout is dropped at start (logged), and the predictor learns afresh from new data.
 */
const LAYOUT = `1:${CameraTrack.BYTES}`

export interface PredictionStateOptions {
  /** The data folder; `:memory:` keeps nothing. */
  dataDir: string
  engine: PredictionEngine
  logger: Logger
  saveEveryMs?: number
}

/**
 * Keeps the predictor's state across restarts: loads what was saved when the server starts,
 * saves the cameras that changed every few minutes, and everything when it stops. Without it a
 * restart would forget every baseline, trend and raised prediction until weeks of new data came.
 */
export class PredictionState {
  private readonly db: Database.Database | undefined
  private timer: NodeJS.Timeout | undefined
  private saving: Promise<unknown> | undefined

  constructor(private readonly o: PredictionStateOptions) {
    if (o.dataDir === ':memory:') return
    mkdirSync(o.dataDir, { recursive: true })
    const file = join(o.dataDir, STATE_FILE)
    try {
      this.db = open(file)
    } catch (err) {
      // Derived state only: a damaged file is kept aside for a look, and the predictor starts afresh.
      o.logger.warn({ err, file, keptAs: `${file}.unreadable` }, 'predictor state file unreadable: kept aside, predictions relearn from new data')
      renameSync(file, `${file}.unreadable`)
      for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true })
      this.db = open(file)
    }
  }

  /** Loads the saved state into the engine; answers how much was restored. */
  load(): { cameras: number; peerGroups: number } {
    const db = this.db
    if (db === undefined) return { cameras: 0, peerGroups: 0 }
    const layout = (db.prepare('SELECT value FROM meta WHERE key = ?').get('layout') as { value: string } | undefined)?.value
    const empty = { cameras: 0, peerGroups: 0 }
    if (layout === undefined) return empty
    if (layout !== LAYOUT) {
      this.o.logger.warn({ saved: layout, current: LAYOUT }, 'saved predictor state has another layout: dropped, predictions relearn from new data')
      this.clear()
      return empty
    }
    const rows = (sql: string) => (db.prepare(sql).all() as Array<{ id: string; state: Buffer }>).map((r) => [r.id, r.state] as const)
    try {
      const restored = this.o.engine.restore({
        peers: rows('SELECT key AS id, state FROM peer_state'),
        cameras: rows('SELECT camera_id AS id, state FROM camera_state'),
      })
      this.o.logger.info(restored, 'predictor state restored')
      return restored
    } catch (err) {
      this.o.logger.warn({ err }, 'saved predictor state unreadable: dropped, predictions relearn from new data')
      this.clear()
      return empty
    }
  }

  /** Saves every camera that changed since the last save, in one transaction (at close, in tests). */
  save(): { cameras: number } {
    return this.writeSlice(Number.POSITIVE_INFINITY)
  }

  /**
   * Saves what changed in slices of SLICE cameras, one transaction each, letting the event loop
   * (ingest, API) run between them: a large fleet's state takes seconds to write.
   */
  async saveInSlices(): Promise<{ cameras: number }> {
    let cameras = 0
    do {
      cameras += this.writeSlice(SLICE).cameras
      await new Promise((r) => setImmediate(r))
    } while (this.o.engine.unsaved > 0 && this.db?.open === true)
    return { cameras }
  }

  private writeSlice(max: number): { cameras: number } {
    const db = this.db
    if (db === undefined || !db.open) return { cameras: 0 }
    const snap = this.o.engine.snapshot(max)
    try {
      const putCamera = db.prepare('INSERT OR REPLACE INTO camera_state (camera_id, state) VALUES (?, ?)')
      const dropCamera = db.prepare('DELETE FROM camera_state WHERE camera_id = ?')
      const putPeer = db.prepare('INSERT OR REPLACE INTO peer_state (key, state) VALUES (?, ?)')
      const putMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
      db.transaction(() => {
        db.exec('DELETE FROM peer_state')
        for (const [id, state] of snap.cameras) putCamera.run(id, state)
        for (const id of snap.removed) dropCamera.run(id)
        for (const [key, state] of snap.peers) putPeer.run(key, state)
        putMeta.run('layout', LAYOUT)
        putMeta.run('savedAt', new Date().toISOString())
      })()
    } catch (err) {
      // Not saved: taken again next time.
      this.o.engine.requeue(snap)
      throw err
    }
    return { cameras: snap.cameras.length }
  }

  /** Saves every few minutes until `close`. */
  start(): void {
    if (this.db === undefined || this.timer !== undefined) return
    this.timer = setInterval(() => {
      if (this.saving !== undefined) return
      this.saving = this.saveInSlices()
        .catch((err: unknown) => this.o.logger.error({ err }, 'saving the predictor state failed; retried at the next interval'))
        .finally(() => (this.saving = undefined))
    }, this.o.saveEveryMs ?? SAVE_EVERY_MS)
    this.timer.unref()
  }

  /** Stops the timer, saves what changed since the last save and closes the database. */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    if (this.db === undefined || !this.db.open) return
    try {
      this.save()
    } finally {
      this.db.close()
    }
  }

  private clear(): void {
    this.db?.exec('DELETE FROM camera_state; DELETE FROM peer_state; DELETE FROM meta;')
  }
}

function open(file: string): Database.Database {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS camera_state (camera_id TEXT PRIMARY KEY, state BLOB NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS peer_state (key TEXT PRIMARY KEY, state BLOB NOT NULL) STRICT;
    `)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}
