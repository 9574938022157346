import { ByteReader, ByteWriter } from './bytes.js'
import { FLOAT_SCALE } from './codec.js'

/**
 * Aggregates of one metric over one rollup bucket (min, max, sum, count), and their compact
 * encoding: one blob per (camera, bucket) holds every metric's aggregate.
 *
 * Telemetry values are mostly short decimals, so an aggregate is kept, while it can be, as
 * integers at a decimal scale: value = n / 10^scale. Sums of such values are then exact (24.8
 * six times sums to 148.8, not 148.79999999999998), they stay short on disk, and min, max and
 * sum are stored as min, max - min and sum - count * min: small numbers for metrics that
 * barely move. An aggregate that meets a value that is no short decimal, or whose sum would
 * leave the safe integer range, switches to floating point for good (scale FLOAT_SCALE).
 */
export interface Agg {
  count: number
  /** 0..5, or FLOAT_SCALE when min, max and sum are plain floating-point values. */
  scale: number
  min: number
  max: number
  sum: number
}

const POW10 = [1, 10, 100, 1000, 10000, 100000]
const FORMAT_VERSION = 2
const MODE_FLOAT = 6

/** A fresh aggregate of one stored sample, in the form decodeMetricsScaled gives it. */
export function aggOf(scale: number, n: number, value: number): Agg {
  return scale === FLOAT_SCALE
    ? { count: 1, scale, min: value, max: value, sum: value }
    : { count: 1, scale, min: n, max: n, sum: n }
}

/** Adds one sample to an aggregate. */
export function addSample(a: Agg, scale: number, n: number, value: number): void {
  a.count++
  if (a.scale !== FLOAT_SCALE && scale !== FLOAT_SCALE) {
    if (scale > a.scale) rescale(a, scale)
    else if (scale < a.scale) n *= POW10[a.scale - scale] as number
    if (a.scale !== FLOAT_SCALE) {
      const sum = a.sum + n
      if (Number.isSafeInteger(sum) && Number.isSafeInteger(n)) {
        a.sum = sum
        if (n < a.min) a.min = n
        if (n > a.max) a.max = n
        return
      }
      toFloat(a)
    }
  }
  if (a.scale !== FLOAT_SCALE) toFloat(a)
  a.sum += value
  if (value < a.min) a.min = value
  if (value > a.max) a.max = value
}

/** Adds aggregate b into a (b is left as it was). */
export function mergeAgg(a: Agg, b: Agg): void {
  a.count += b.count
  if (a.scale !== FLOAT_SCALE && b.scale !== FLOAT_SCALE) {
    if (b.scale > a.scale) rescale(a, b.scale)
    if (a.scale !== FLOAT_SCALE) {
      const f = POW10[a.scale - b.scale] as number
      const min = b.min * f
      const max = b.max * f
      const sum = a.sum + b.sum * f
      if (Number.isSafeInteger(sum) && Number.isSafeInteger(min) && Number.isSafeInteger(max)) {
        a.sum = sum
        if (min < a.min) a.min = min
        if (max > a.max) a.max = max
        return
      }
      toFloat(a)
    }
  }
  if (a.scale !== FLOAT_SCALE) toFloat(a)
  a.sum += valueOf(b, b.sum)
  a.min = Math.min(a.min, valueOf(b, b.min))
  a.max = Math.max(a.max, valueOf(b, b.max))
}

export function copyAgg(a: Agg): Agg {
  return { count: a.count, scale: a.scale, min: a.min, max: a.max, sum: a.sum }
}

/** A stored field (min, max or sum) of an aggregate as a plain number. */
export function valueOf(a: Agg, field: number): number {
  return a.scale === FLOAT_SCALE ? field : field / (POW10[a.scale] as number)
}

function rescale(a: Agg, scale: number): void {
  const f = POW10[scale - a.scale] as number
  const min = a.min * f
  const max = a.max * f
  const sum = a.sum * f
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || !Number.isSafeInteger(sum)) {
    toFloat(a)
    return
  }
  a.min = min
  a.max = max
  a.sum = sum
  a.scale = scale
}

function toFloat(a: Agg): void {
  if (a.scale === FLOAT_SCALE) return
  const p = POW10[a.scale] as number
  a.min /= p
  a.max /= p
  a.sum /= p
  a.scale = FLOAT_SCALE
}

/** Aggregates of one bucket by metric id (small integers from the store's dictionary). */
export type BucketAggs = Map<number, Agg>

/**
 * Layout: varint format version, varint n (the count most metrics share), then per metric in
 * id order: varint (idDelta << 5 | mode << 2 | constant << 1 | hasOwnCount), [varint count],
 * then for a decimal mode (the scale, 0..5) zigzag min and, unless the value was constant
 * over the bucket, varint (max - min) and varint (sum - count * min); for mode 6 three
 * float64s. Typical telemetry takes 3 to 7 bytes per metric and bucket; a third of a camera's
 * metrics (targets, capacities, flags, counters that did not move) hold still for a minute.
 */
export function encodeBucket(aggs: BucketAggs, w: ByteWriter): Buffer {
  const ids = [...aggs.keys()].sort((x, y) => x - y)
  let common = 0
  for (const a of aggs.values()) if (a.count > common) common = a.count
  w.reset()
  w.varint(FORMAT_VERSION)
  w.varint(common)
  let prev = 0
  for (const id of ids) {
    const a = aggs.get(id) as Agg
    const own = a.count !== common ? 1 : 0
    const spread = a.max - a.min
    const base = a.count * a.min
    const rest = a.sum - base
    const exact =
      a.scale !== FLOAT_SCALE && Number.isSafeInteger(spread) && Number.isSafeInteger(base) && Number.isSafeInteger(rest) && rest >= 0
    const mode = exact ? a.scale : MODE_FLOAT
    const constant = exact && spread === 0 ? 1 : 0
    w.varint((id - prev) * 32 + mode * 4 + constant * 2 + own)
    prev = id
    if (own) w.varint(a.count)
    if (exact) {
      w.zigzag(a.min)
      if (!constant) {
        w.varint(spread)
        w.varint(rest)
      }
    } else {
      w.f64(valueOf(a, a.min))
      w.f64(valueOf(a, a.max))
      w.f64(valueOf(a, a.sum))
    }
  }
  return w.take()
}

/** Calls visit for every metric of an encoded bucket; visit returns true to stop early. */
export function decodeBucket(buf: Uint8Array, visit: (id: number, agg: Agg) => boolean | void): void {
  const r = new ByteReader(buf)
  const version = r.varint()
  if (version !== FORMAT_VERSION) throw new Error(`unknown rollup format ${version}`)
  const common = r.varint()
  let id = 0
  while (!r.done) {
    const header = r.varint()
    const own = header % 2
    const constant = Math.floor(header / 2) % 2
    const mode = Math.floor(header / 4) % 8
    id += Math.floor(header / 32)
    const count = own ? r.varint() : common
    let agg: Agg
    if (mode === MODE_FLOAT) {
      agg = { count, scale: FLOAT_SCALE, min: r.f64(), max: r.f64(), sum: r.f64() }
    } else if (constant) {
      const min = r.zigzag()
      agg = { count, scale: mode, min, max: min, sum: count * min }
    } else {
      const min = r.zigzag()
      const max = min + r.varint()
      agg = { count, scale: mode, min, max, sum: count * min + r.varint() }
    }
    if (visit(id, agg) === true) return
  }
}

export function decodeBucketAggs(buf: Uint8Array): BucketAggs {
  const out: BucketAggs = new Map()
  decodeBucket(buf, (id, agg) => {
    out.set(id, agg)
  })
  return out
}

/** One metric's aggregate in an encoded bucket, or undefined. */
export function findInBucket(buf: Uint8Array, wanted: number): Agg | undefined {
  let found: Agg | undefined
  decodeBucket(buf, (id, agg) => {
    if (id === wanted) found = agg
    return id >= wanted
  })
  return found
}
