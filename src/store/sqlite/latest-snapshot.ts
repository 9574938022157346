import { ByteReader, ByteWriter } from '../bytes.js'
import { MetricEncoder, decodeMetricsScaled } from '../codec.js'
import type { LatestMetrics } from '../ports.js'

/**
 * The latest-values snapshot of a camera (cameras.latest), written every few seconds for every
 * camera that reported: a varint length and the metric blob of the values (../codec.ts), then
 * per metric, in the same order, zigzag(base - ts) in ms, which is 0 for every metric of the
 * last report. About 130 bytes for 30 metrics, where JSON took a kilobyte.
 */
export class LatestEncoder {
  private readonly encoder = new MetricEncoder()
  private readonly w = new ByteWriter(4096)
  private readonly entries: Array<[number, number]> = []
  private readonly times: number[] = []

  encode(metrics: LatestMetrics, base: number, idOf: (name: string) => number): Buffer {
    this.entries.length = 0
    this.times.length = 0
    for (const name in metrics) {
      const m = metrics[name] as { value: number; ts: number }
      this.entries.push([idOf(name), m.value])
      this.times.push(base - m.ts)
    }
    const values = this.encoder.encode(this.entries)
    this.w.reset()
    this.w.varint(values.length)
    this.w.bytes(values)
    for (const d of this.times) this.w.zigzag(d)
    return this.w.take()
  }
}

/** The snapshot back as metrics; names the dictionary does not know are skipped. */
export function decodeLatest(blob: Uint8Array, base: number, nameOf: (id: number) => string | undefined): LatestMetrics {
  const r = new ByteReader(blob)
  const len = r.varint()
  const ids: number[] = []
  const values: number[] = []
  decodeMetricsScaled(blob, r.pos, r.pos + len, (id, _scale, _n, value) => {
    ids.push(id)
    values.push(value)
  })
  r.pos += len
  const metrics: LatestMetrics = Object.create(null)
  for (let i = 0; i < ids.length; i++) {
    const ts = base - r.zigzag()
    const name = nameOf(ids[i] as number)
    if (name !== undefined) metrics[name] = { value: values[i] as number, ts }
  }
  return metrics
}
