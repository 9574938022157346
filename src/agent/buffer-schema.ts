/**
 * The agent's on-disk buffer (one SQLite file in the buffer folder). Every report is a row of
 * `reports` before anything else happens to it; a row leaves only when the server acknowledged
 * it, the server rejected it as invalid, or the size cap dropped it (then `gaps` says so).
 * `meta` keeps the running totals in the same transactions that change them, so they are exact
 * after a crash without scanning the buffer.
 */
export const BUFFER_SCHEMA_VERSION = 1

const seenTable = (name: string) => `
CREATE TABLE IF NOT EXISTS ${name} (
  camera_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  -- The seq the sender gave, -1 when it gave none.
  sent_seq INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  -- ts first: reports arrive roughly in ts order, so inserts land near the end of the tree and
  -- touch few pages, where camera first would spread them over the whole table.
  PRIMARY KEY (ts, camera_id, sent_seq)
) WITHOUT ROWID;`

export const BUFFER_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;

-- AUTOINCREMENT: ids never go back, even when the buffer empties, so id order is arrival order
-- across the whole life of the buffer (the lanes and the cap rely on it).
CREATE TABLE IF NOT EXISTS reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  camera_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  -- Arrival at the agent (agent clock, epoch ms).
  at INTEGER NOT NULL,
  -- The report exactly as it is uploaded, seq included: a re-upload is byte for byte the same
  -- report, which the server recognises as a duplicate.
  body TEXT NOT NULL
);

-- Next seq per camera for reports that come without one; written in the transaction that uses it.
CREATE TABLE IF NOT EXISTS counters (camera_id TEXT PRIMARY KEY, next_seq INTEGER NOT NULL) WITHOUT ROWID;

-- Reports taken recently, to answer a sender's retry as a duplicate and to give a retried report
-- without seq the seq it got the first time. Two tables used in turn: one is emptied whole
-- (cheap) when the other has been current for the dedup window.
${seenTable('seen_0')}
${seenTable('seen_1')}

-- Reports dropped by the size cap, per camera, until the server has the record.
CREATE TABLE IF NOT EXISTS gaps (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  camera_id TEXT NOT NULL,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL,
  reports INTEGER NOT NULL,
  -- Bumped when a later drop extends the gap; an upload deletes the row only at the version sent.
  version INTEGER NOT NULL DEFAULT 1,
  -- 1 while later drops of the camera may extend this gap (nothing of the camera uploaded since).
  open INTEGER NOT NULL DEFAULT 1
);
`

/** Bytes a row counts for against the cap besides its body and camera id: integers and cell header. */
export const ROW_OVERHEAD_BYTES = 24
