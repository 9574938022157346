/**
 * The live stream's event log (DESIGN §6, src/stream/event-log.ts) in the data folder. A row
 * holds the events with ids [id, id + n): either one event of any topic, its `data` as JSON, or
 * the telemetry events of one write batch, `refs` naming their reports by (camera number, ts,
 * seq) in the rollup journal's encoding (rollup-journal.ts). Telemetry is read back from the
 * reports table, so the log costs a few bytes a report rather than a second copy of its metrics.
 *
 * `at` is when the row was appended (server clock, ms), never decreasing with `id`: the replay
 * window's age is counted from it. Old rows are deleted in the background; the newest row always
 * stays, so that ids continue after a restart even when every event has aged out.
 */
export const EVENTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  n INTEGER NOT NULL,
  at INTEGER NOT NULL,
  topic TEXT NOT NULL,
  camera_id TEXT,
  site_id TEXT,
  ts INTEGER,
  data TEXT,
  refs BLOB
);
CREATE INDEX IF NOT EXISTS events_by_at ON events (at);
`

/** The first id of the next event: one above the newest row's last, or 1 in an empty log. */
export const NEXT_EVENT_ID_SQL = 'SELECT coalesce((SELECT id + n FROM events ORDER BY id DESC LIMIT 1), 1)'
