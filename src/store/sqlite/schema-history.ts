/**
 * Rollup tiers and the rollup journal (see rollup-journal.ts and rollup-writer.ts). A rollup
 * row is one camera's bucket (minute or hour, numbered from the epoch) with every metric's min,
 * max, sum and count in one compact blob (../rollup-codec.ts): a row per (camera, metric,
 * bucket) would cost more than the raw data it summarises. `upto` is the last journal id folded
 * into the row, which makes folding a journal row into it again a no-op (see RollupWriter).
 */
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
`
