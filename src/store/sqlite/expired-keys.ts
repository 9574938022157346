import type { Database, Statement } from 'better-sqlite3'

const DAY_MS = 86_400_000

/**
 * The identities (ts, seq) of raw reports that raw retention deleted, kept so that a report
 * sent again after its raw row is gone is still a duplicate: the rollups outlive raw rows, and
 * counting it again would change them. A report older than raw retention that was never
 * stored is not in here, and still feeds the rollups.
 *
 * Stored per camera and UTC day (`raw_expired`), as one blob of keys sorted by (ts, seq): per
 * key, ts minus the previous key's ts (the day's start for the first) as an unsigned varint,
 * then seq minus the previous key's seq (-1 before the first) zigzag-encoded as a varint. At a
 * report every 10 s with seq counting up that is 3 bytes a report, a tenth of a byte a sample
 * at 30 metrics. Only the writer's connection uses it: retention adds keys, writes look them up.
 */
export class ExpiredKeys {
  private readonly chunk: Statement
  private readonly put: Statement
  private readonly dropBefore: Statement
  /** Per camera, the last day with expired keys: a report after it needs no lookup (the usual case). */
  private readonly lastDay = new Map<number, number>()

  constructor(db: Database) {
    this.chunk = db.prepare('SELECT keys FROM raw_expired WHERE cam = ? AND day = ?').pluck()
    this.put = db.prepare('INSERT OR REPLACE INTO raw_expired (cam, day, keys) VALUES (?, ?, ?)')
    this.dropBefore = db.prepare('DELETE FROM raw_expired WHERE cam = ? AND day < ?')
    for (const [cam, day] of db.prepare('SELECT cam, max(day) FROM raw_expired GROUP BY cam').raw().all() as Array<[number, number]>) {
      this.lastDay.set(cam, day)
    }
  }

  /** Whether raw retention deleted the report (cam, ts, seq). */
  has(cam: number, ts: number, seq: number): boolean {
    const day = Math.floor(ts / DAY_MS)
    const last = this.lastDay.get(cam)
    if (last === undefined || day > last) return false
    const blob = this.chunk.get(cam, day) as Buffer | undefined
    if (blob === undefined) return false
    const { ts: tss, seq: seqs } = decodeKeys(blob, day)
    for (let i = 0; i < tss.length; i++) {
      if (tss[i] === ts && seqs[i] === seq) return true
      if ((tss[i] as number) > ts) break
    }
    return false
  }

  /** Adds the keys of raw rows just deleted; call in the transaction that deleted them. */
  add(cam: number, keys: ReadonlyArray<readonly [ts: number, seq: number]>): void {
    const byDay = new Map<number, Array<readonly [number, number]>>()
    for (const k of keys) {
      const day = Math.floor(k[0] / DAY_MS)
      let list = byDay.get(day)
      if (list === undefined) byDay.set(day, (list = []))
      list.push(k)
    }
    for (const [day, added] of byDay) {
      const blob = this.chunk.get(cam, day) as Buffer | undefined
      const all: Array<readonly [number, number]> = [...added]
      if (blob !== undefined) {
        const old = decodeKeys(blob, day)
        for (let i = 0; i < old.ts.length; i++) all.push([old.ts[i] as number, old.seq[i] as number])
      }
      all.sort((a, b) => a[0] - b[0] || a[1] - b[1])
      this.put.run(cam, day, encodeKeys(all, day))
      if (day > (this.lastDay.get(cam) ?? -Infinity)) this.lastDay.set(cam, day)
    }
  }

  /** Forgets the keys of days wholly before `before` (epoch ms): older than any rollup kept. */
  forgetBefore(cam: number, before: number): void {
    this.dropBefore.run(cam, Math.floor(before / DAY_MS))
  }
}

export function encodeKeys(keys: ReadonlyArray<readonly [number, number]>, day: number): Buffer {
  const out: number[] = []
  let prevTs = day * DAY_MS
  let prevSeq = -1
  for (let i = 0; i < keys.length; i++) {
    const [ts, seq] = keys[i] as readonly [number, number]
    // A key equal to the previous one (the same row reported twice) is kept once.
    if (i > 0 && ts === prevTs && seq === prevSeq) continue
    putVarint(out, ts - prevTs)
    const d = seq - prevSeq
    putVarint(out, d >= 0 ? d * 2 : -d * 2 - 1)
    prevTs = ts
    prevSeq = seq
  }
  return Buffer.from(out)
}

export function decodeKeys(blob: Uint8Array, day: number): { ts: number[]; seq: number[] } {
  const ts: number[] = []
  const seq: number[] = []
  let prevTs = day * DAY_MS
  let prevSeq = -1
  let at = 0
  while (at < blob.length) {
    const [dts, a1] = getVarint(blob, at)
    const [z, a2] = getVarint(blob, a1)
    at = a2
    prevTs += dts
    prevSeq += z % 2 === 0 ? z / 2 : -(z + 1) / 2
    ts.push(prevTs)
    seq.push(prevSeq)
  }
  return { ts, seq }
}

/** Unsigned LEB128, with arithmetic rather than bit operations: values go past 2^32. */
function putVarint(out: number[], v: number): void {
  while (v >= 128) {
    out.push((v % 128) + 128)
    v = Math.floor(v / 128)
  }
  out.push(v)
}

function getVarint(b: Uint8Array, at: number): [number, number] {
  let v = 0
  let scale = 1
  for (;;) {
    const byte = b[at++]
    if (byte === undefined) throw new Error('truncated key list in raw_expired')
    v += (byte & 127) * scale
    if (byte < 128) return [v, at]
    scale *= 128
  }
}
