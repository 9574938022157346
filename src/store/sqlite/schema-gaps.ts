/**
 * Gaps an edge agent recorded when its buffer cap dropped reports (DESIGN §9a). One row per
 * (camera, from): the agent's retries and extensions of a gap land on the same row. Rows go
 * with their camera.
 */
export const GAPS_SCHEMA = `
CREATE TABLE IF NOT EXISTS telemetry_gaps (
  cam INTEGER NOT NULL REFERENCES cameras (num) ON DELETE CASCADE,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL,
  reports INTEGER NOT NULL,
  source TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (cam, from_ts)
) WITHOUT ROWID;
`
