import type { StatusChange } from '../../api/fleet-state.js'

export type Connectivity = 'online' | 'offline' | 'unknown'

export interface Segment {
  from: number
  to: number
  state: Connectivity
}

export interface Interval {
  from: number
  /** null: still going on. */
  to: number | null
}

export interface TimelineInput {
  from: number
  to: number
  /** Before this the camera was not registered (or had not reported): unknown. null: known throughout. */
  knownFrom: number | null
  /** The offline spells: alerts of rule `offline`, and what the live stream saw. */
  offline: readonly Interval[]
}

export interface Timeline {
  segments: Segment[]
  /** Share of the known time spent online, 0..1; null when nothing is known. */
  online: number | null
  outages: number
  longestOutageMs: number
}

/** Offline spells from the live status changes of one camera, in order: offline until the next other status. */
export function offlineFromChanges(changes: readonly StatusChange[]): Interval[] {
  const out: Interval[] = []
  let start: number | undefined
  for (const c of changes) {
    if (c.status === 'offline' && start === undefined) start = c.at
    else if (c.status !== 'offline' && start !== undefined) {
      out.push({ from: start, to: c.at })
      start = undefined
    }
  }
  if (start !== undefined) out.push({ from: start, to: null })
  return out
}

/**
 * The connectivity of a camera over [from, to] as consecutive segments: unknown before it is
 * known, offline during the (merged) offline spells, online otherwise.
 */
export function buildTimeline(input: TimelineInput): Timeline {
  const { from, to } = input
  const known = Math.min(to, Math.max(from, input.knownFrom ?? from))
  const spells = mergeIntervals(input.offline.map((i) => ({ from: Math.max(i.from, known), to: Math.min(i.to ?? to, to) })).filter((i) => i.to > i.from))
  const segments: Segment[] = []
  if (known > from) segments.push({ from, to: known, state: 'unknown' })
  let at = known
  for (const s of spells) {
    if (s.from > at) segments.push({ from: at, to: s.from, state: 'online' })
    segments.push({ from: s.from, to: s.to, state: 'offline' })
    at = s.to
  }
  if (at < to) segments.push({ from: at, to, state: 'online' })
  const knownMs = to - known
  const offlineMs = spells.reduce((n, s) => n + (s.to - s.from), 0)
  return {
    segments,
    online: knownMs > 0 ? (knownMs - offlineMs) / knownMs : null,
    outages: spells.length,
    longestOutageMs: spells.reduce((n, s) => Math.max(n, s.to - s.from), 0),
  }
}

function mergeIntervals(list: Array<{ from: number; to: number }>): Array<{ from: number; to: number }> {
  const sorted = [...list].sort((a, b) => a.from - b.from)
  const out: Array<{ from: number; to: number }> = []
  for (const i of sorted) {
    const last = out[out.length - 1]
    if (last && i.from <= last.to) last.to = Math.max(last.to, i.to)
    else out.push({ ...i })
  }
  return out
}
