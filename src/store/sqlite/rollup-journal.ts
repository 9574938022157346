import { ByteReader, ByteWriter } from '../bytes.js'

/**
 * The rollup journal: every write transaction that stores reports also appends one journal row
 * naming them, (camera, ts, seq) each, the raw rows' key. The roller folds journal rows into the
 * rollups and deletes them afterwards (rollup-writer.ts); raw retention never deletes a report
 * whose journal row is still there. So every accepted report reaches the rollups exactly once,
 * whatever crashes when, even one older than the raw retention.
 *
 * Entry layout: varint camera number, zigzag ts delta from the previous entry, varint seq + 1
 * (0 = none). About 5 to 10 bytes a report.
 */
export class JournalBuilder {
  private readonly w = new ByteWriter(16 * 1024)
  private prevTs = 0
  private n = 0

  get count(): number {
    return this.n
  }

  add(cam: number, ts: number, seq: number): void {
    this.w.varint(cam)
    this.w.zigzag(ts - this.prevTs)
    this.prevTs = ts
    this.w.varint(seq + 1)
    this.n++
  }

  /** The entries added since the last take or reset, as one blob. */
  take(): Buffer {
    const out = this.w.take()
    this.reset()
    return out
  }

  reset(): void {
    this.w.reset()
    this.prevTs = 0
    this.n = 0
  }
}

/** Visits every entry of a journal blob; seq is -1 for a report sent without one. */
export function readJournal(buf: Uint8Array, visit: (cam: number, ts: number, seq: number) => void): void {
  const r = new ByteReader(buf)
  let ts = 0
  while (!r.done) {
    const cam = r.varint()
    ts += r.zigzag()
    visit(cam, ts, r.varint() - 1)
  }
}
