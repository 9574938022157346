/**
 * Work orders (DESIGN §7): one row per maintenance ticket, and the sources (alerts, raised
 * predictions) that made or joined each. At most one ticket per (camera, problem) is open:
 * the partial unique index holds that however many instances share the database.
 */
export const WORKORDERS_SCHEMA = `
CREATE TABLE IF NOT EXISTS workorders (
  id TEXT PRIMARY KEY,
  camera_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  problem TEXT NOT NULL,
  severity TEXT NOT NULL,
  summary TEXT NOT NULL,
  context TEXT NOT NULL,
  origin TEXT NOT NULL,
  state TEXT NOT NULL,
  note TEXT,
  external_id TEXT,
  url TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS workorders_one_open ON workorders (camera_id, problem) WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS workorders_by_created ON workorders (created_at);

CREATE TABLE IF NOT EXISTS workorder_sources (
  source TEXT PRIMARY KEY,
  workorder_id TEXT NOT NULL REFERENCES workorders (id),
  alert_id INTEGER,
  added_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS workorder_sources_by_alert ON workorder_sources (alert_id) WHERE alert_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS workorder_sources_by_workorder ON workorder_sources (workorder_id);
`
