import { clamp, unit } from './random.js'

export const SECOND = 1000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

/** A stretch of time something is wrong; `level` in [0, 1) says how badly. */
export interface Episode {
  readonly start: number
  readonly end: number
  readonly level: number
}

export interface EpisodeRate {
  /** Mean episodes per day. */
  readonly perDay: number
  readonly minMs: number
  readonly maxMs: number
}

/**
 * The episodes of one kind that start on UTC day `day`, decided by hashing (seed, kind, day)
 * alone: any instant can be evaluated without replaying the days before it.
 * Episodes are shorter than a day, so an instant is only ever touched by its own day's and
 * the previous day's episodes.
 */
export function scheduleDay(seed: number, kind: number, day: number, rate: EpisodeRate): Episode[] {
  if (rate.maxMs >= DAY) throw new RangeError('episodes must be shorter than a day')
  const slots = Math.max(1, Math.ceil(rate.perDay))
  const p = rate.perDay / slots
  const out: Episode[] = []
  for (let k = 0; k < slots; k++) {
    const key = kind * 64 + k
    if (unit(seed, key, day, 0) >= p) continue
    const start = day * DAY + Math.floor(unit(seed, key, day, 1) * DAY)
    // Skewed towards short episodes, as real faults mostly are.
    const u = unit(seed, key, day, 2)
    const end = start + Math.round(rate.minMs + u * u * (rate.maxMs - rate.minMs))
    out.push({ start, end, level: unit(seed, key, day, 3) })
  }
  return out.sort((a, b) => a.start - b.start)
}

/** The first episode of the lists covering `ts`, if any. */
export function activeAt(ts: number, ...lists: ReadonlyArray<readonly Episode[]>): Episode | undefined {
  for (const list of lists) {
    for (const e of list) if (e.start <= ts && ts < e.end) return e
  }
  return undefined
}

/** How far through [start, end) `ts` is, 0 before and 1 after. */
export function progress(start: number, end: number, ts: number): number {
  return end > start ? clamp((ts - start) / (end - start), 0, 1) : ts >= start ? 1 : 0
}

/** Seconds of [from, to) that lie before `ts`. */
export function elapsedS(from: number, to: number, ts: number): number {
  return Math.max(0, Math.min(ts, to) - from) / SECOND
}

export function dayOf(ts: number): number {
  return Math.floor(ts / DAY)
}
