/** Rules, alerts, silences, incidents and the outbox of notifications (DESIGN §5, §7). */
export const ALERTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS rules (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rule_id TEXT NOT NULL,
  camera_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  silenced INTEGER NOT NULL,
  late INTEGER NOT NULL,
  value REAL NOT NULL,
  opened_at INTEGER NOT NULL,
  since INTEGER NOT NULL,
  resolved_at INTEGER,
  ack TEXT,
  incident_id INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_open ON alerts (state) WHERE state != 'resolved';
CREATE INDEX IF NOT EXISTS alerts_by_camera ON alerts (camera_id, id);

CREATE TABLE IF NOT EXISTS silences (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  scope TEXT NOT NULL,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ended_at INTEGER
);

CREATE TABLE IF NOT EXISTS incidents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  grp TEXT NOT NULL,
  state TEXT NOT NULL,
  cameras TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  resolved_at INTEGER
);

CREATE TABLE IF NOT EXISTS outbox (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  delivered_at INTEGER,
  dropped_at INTEGER,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (due_at) WHERE delivered_at IS NULL AND dropped_at IS NULL;
`
