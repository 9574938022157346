import type { Report } from '../../protocol/report.js'
import { ByteReader, ByteWriter } from '../bytes.js'
import { MetricEncoder } from '../codec.js'

/**
 * A write batch as one byte string, so that it crosses to the writer thread by transfer rather
 * than by copying objects: varint count, varint receivedAt, then per report varint camera
 * number, varint ts, varint seq + 1 (0 = none), and the length-prefixed metric blob
 * (../codec.ts) that the reports table stores as is.
 */
export class BatchPacker {
  private readonly encoder = new MetricEncoder()
  private readonly w = new ByteWriter(256 * 1024)

  pack(reports: readonly Report[], receivedAt: number, camOf: (cameraId: string) => number, idOf: (metric: string) => number): Uint8Array {
    const w = this.w
    w.reset()
    w.varint(reports.length)
    w.varint(receivedAt)
    for (const r of reports) {
      w.varint(camOf(r.cameraId))
      w.varint(r.ts)
      w.varint(r.seq === undefined ? 0 : r.seq + 1)
      this.encoder.encodeInto(w, r.metrics, idOf)
    }
    return w.takeOwned()
  }
}

/** One report of a packed batch; its metric blob is buf[start, end). */
export interface PackedReport {
  cam: number
  ts: number
  /** -1 when the report has none. */
  seq: number
  start: number
  end: number
}

export function unpackBatch(buf: Uint8Array): { receivedAt: number; reports: PackedReport[] } {
  const r = new ByteReader(buf)
  const n = r.varint()
  const receivedAt = r.varint()
  const reports: PackedReport[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const cam = r.varint()
    const ts = r.varint()
    const seq = r.varint() - 1
    const len = r.varint()
    const start = r.pos
    r.pos += len
    if (r.pos > r.end) throw new Error('truncated write batch')
    reports[i] = { cam, ts, seq, start, end: r.pos }
  }
  return { receivedAt, reports }
}
