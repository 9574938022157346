/**
 * Rollup tiers and the rollup journal (see rollup-journal.ts and rollup-writer.ts). A rollup
 * row is one camera's bucket (minute or hour, numbered from the epoch) with every metric's min,
 * max, sum and count in one compact blob (../rollup-codec.ts): a row per (camera, metric,
 * bucket) would cost more than the raw data it summarises. `upto` is the last journal id folded
 * into the row, which makes folding a journal row into it again a no-op (see RollupWriter).
 */
import type { Database } from 'better-sqlite3'

/** Bumped when these tables change; the schema has not shipped, so older ones are dropped. */
const HISTORY_VERSION = '3'

export const HISTORY_SCHEMA = `
CREATE TABLE IF NOT EXISTS rollup_1m (
  cam INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  upto INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (cam, bucket)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS rollup_1h (
  cam INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  upto INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (cam, bucket)
) WITHOUT ROWID;

-- Accepted reports not yet in the rollups: one row per write batch, naming its stored reports.
-- AUTOINCREMENT: ids are never reused, even when the journal empties (rollup rows keep them).
-- recv is the server clock at arrival (for the lag, and retention), n the number of reports.
CREATE TABLE IF NOT EXISTS rollup_journal (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  recv INTEGER NOT NULL,
  n INTEGER NOT NULL,
  refs BLOB NOT NULL
);

-- The rollup pass under way, if any: it folds the journal rows up to pass_end.
CREATE TABLE IF NOT EXISTS rollup_pass (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  pass_end INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS cameras_delete_rollups AFTER DELETE ON cameras BEGIN
  DELETE FROM rollup_1m WHERE cam = old.num;
  DELETE FROM rollup_1h WHERE cam = old.num;
END;

-- Identities of raw reports that raw retention deleted, per camera and UTC day (expired-keys.ts):
-- a resend of one is a duplicate instead of being counted in the rollups again.
CREATE TABLE IF NOT EXISTS raw_expired (
  cam INTEGER NOT NULL,
  day INTEGER NOT NULL,
  keys BLOB NOT NULL,
  PRIMARY KEY (cam, day)
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS cameras_delete_raw_expired AFTER DELETE ON cameras BEGIN
  DELETE FROM raw_expired WHERE cam = old.num;
END;
`

/**
 * Creates the history tables. Data folders from development builds with another layout of
 * them lose their rollups and journal (the raw reports stay): no release had these tables.
 */
export function applyHistorySchema(db: Database): void {
  // The metric blob's id headers became deltas (../codec.ts) before any release, without a
  // marker in the blob: a folder of reports without this mark holds the older encoding, which
  // would decode to wrong metrics. Refused rather than misread.
  const blobs = db.prepare("SELECT value FROM meta WHERE key = 'blob_format'").pluck().get() as string | undefined
  if (blobs === undefined) {
    if (db.prepare('SELECT 1 FROM reports LIMIT 1').pluck().get() !== undefined) {
      throw new Error('this data folder was written by a development build of camtel with an older encoding of metric values; move it away and start with an empty one')
    }
    db.prepare("INSERT INTO meta (key, value) VALUES ('blob_format', '2')").run()
  }
  const version = db.prepare("SELECT value FROM meta WHERE key = 'history_version'").pluck().get() as string | undefined
  if (version !== HISTORY_VERSION) {
    db.exec(`DROP TABLE IF EXISTS rollup_1m; DROP TABLE IF EXISTS rollup_1h; DROP TABLE IF EXISTS rollup_journal;
      DROP TABLE IF EXISTS rollup_pass; DROP TABLE IF EXISTS rollup_deleted_cams; DROP TRIGGER IF EXISTS cameras_delete_rollups;`)
  }
  db.exec(HISTORY_SCHEMA)
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('history_version', ?)").run(HISTORY_VERSION)
}
