/** Retention policies for video (DESIGN §7). `scope` is the rule scope as JSON (`"all"` or an object). */
export const RETENTION_SCHEMA = `
CREATE TABLE IF NOT EXISTS retention_policies (
  id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  min_days REAL,
  max_days REAL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
`
