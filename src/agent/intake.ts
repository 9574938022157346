import type { Clock } from '../core/clock.js'
import type { RawItem } from '../ingest/parsers.js'
import type { BatchResult, Rejection } from '../ingest/pipeline.js'
import { type Report, validateReport } from '../protocol/report.js'
import type { ReportBuffer } from './buffer.js'

export interface IntakeOptions {
  buffer: ReportBuffer
  clock: Clock
  /** Called after reports were buffered: wakes the live lane. */
  onBuffered?: () => void
}

/**
 * Where every source hands its reports: validated by the same code as the server's ingest
 * (so nothing the server would reject waits in the buffer), then buffered durably. The answer
 * has the server's shape, and it exists only once the reports are on disk.
 */
export class Intake {
  private received = 0

  constructor(private readonly o: IntakeOptions) {}

  /** Throws only when the buffer cannot be written; then nothing of the batch was taken. */
  accept(items: readonly RawItem[]): BatchResult {
    const now = this.o.clock.now()
    const rejected: Rejection[] = []
    const valid: Report[] = []
    items.forEach((item, index) => {
      const check = item.ok ? validateReport(item.value, now) : ({ ok: false, error: item.error } as const)
      if (check.ok) valid.push(check.report)
      else rejected.push({ index, error: check.error })
    })
    const { accepted, duplicates } = this.o.buffer.append(valid, now)
    this.received += accepted
    if (accepted > 0) this.o.onBuffered?.()
    return { accepted, duplicates, rejected }
  }

  /** Reports buffered since start (duplicates and rejections not counted). */
  get receivedTotal(): number {
    return this.received
  }
}
