/**
 * SQLite schema. Raw telemetry is one row per report with the metrics encoded in a compact blob
 * (see ../codec.ts), clustered by (camera, ts) so that one camera's history is a range scan.
 * Cameras are referred to by a small integer `num`, never reused, so rows of a deleted camera
 * can never be confused with a new one of the same id.
 */
export const SCHEMA_VERSION = 1

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS sites (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  lat REAL, lon REAL, timezone TEXT, uplink_mbps REAL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS cameras (
  num INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  site_id TEXT NOT NULL,
  lat REAL, lon REAL, model TEXT, firmware TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  offline_after REAL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  -- Snapshot of the latest values (a compact blob, see latest-snapshot.ts), refreshed in the
  -- background; start-up replays reports newer than latest_ts on top of it.
  latest TEXT, latest_ts INTEGER, last_seen INTEGER
);
CREATE INDEX IF NOT EXISTS cameras_by_site ON cameras (site_id);

CREATE TABLE IF NOT EXISTS metric_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);

-- seq is -1 for reports sent without one. The primary key is the report's identity (DESIGN §2).
CREATE TABLE IF NOT EXISTS reports (
  cam INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  recv INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (cam, ts, seq)
) WITHOUT ROWID;
-- Finds an earlier use of a seq number with another ts: a counter reset.
CREATE INDEX IF NOT EXISTS reports_by_seq ON reports (cam, seq) WHERE seq >= 0;

CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  sites TEXT,
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
`
