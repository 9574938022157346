import { BOOT_SOLO } from '../boots.js'
import { H_MEM } from '../hourly.js'
import { type Trend, forecast, logTime, theilSen, timeToThreshold } from '../stats.js'
import { DAY_MS, HOUR_MS } from '../track.js'
import { type Assessment, type DetectorContext, daysText, fmt, passes } from './context.js'

/** Crashes closer together than this are the loop itself: the camera cannot stay up. */
export const LOOP_INTERVAL_MS = 15 * 60_000
/**
 * Free memory at which a camera's firmware runs out and crashes, % (an engineering estimate:
 * embedded Linux starts killing processes with a few percent of RAM left).
 */
export const OUT_OF_MEMORY_PCT = 3
/** The window in which a leak's crashes are looked for. */
const WINDOW_MS = 7 * DAY_MS
/** Own crashes needed in the window before a pattern is read into them. */
const MIN_CRASHES = 4
/** After a boot, caches fill for a few hours: free memory falls without any leak (all but gone in 8 h). */
const SETTLE_MS = 8 * HOUR_MS

/**
 * Firmware leak → reboot loop. Two signs, either enough:
 * - free memory (custom metric `memory_free_pct`) falling steadily since the last boot, of any
 *   kind: a leak eats memory until the firmware runs out and crashes. Caches settling after a
 *   boot, a creep that levels off, a wander or a low but steady level are not a leak: the trend
 *   must be long (nearly two days of six-hour means after the boot has settled, longer than a
 *   wander keeps going one way), most point pairs must agree, it must be steep and have fallen
 *   more than a wander and a creep can (15 points), and it is projected with the slope of its
 *   latest day (a creep that levels off projects far out);
 * - the uptime sawtooth of a leak: the camera's own crashes (not boots its site, switch or
 *   firmware cohort shared — an update, a switch restart — and not brownouts or thermal trips,
 *   which other modes own), coming closer together each time. A Theil-Sen fit of log(interval)
 *   against crash number gives the shrink ratio; the geometric sum of the remaining intervals
 *   projects when they fall below LOOP_INTERVAL_MS.
 * The ETA is the loop's, which only the crashes project; memory alone says when the next crash
 * comes, not when the loop does.
 */
export function rebootLoop(c: DetectorContext): Assessment | undefined {
  const memory = memoryLeak(c)
  const crashes = crashPattern(c)
  const memDays = memory.leaking && memory.trend ? memory.days : Number.POSITIVE_INFINITY
  const features = [logTime(crashes.days), Math.min(crashes.count, 10) / 5, logTime(memDays), memory.leaking ? Math.min(memory.drop, 40) / 10 : 0]
  const etaMs = c.eta(crashes.days)
  const explain = () => {
    const evidence: string[] = []
    const memText = memory.leaking && memory.trend ? memory.text(memDays) : undefined
    const crashText = crashes.text(etaMs)
    // Strongest first: a projected loop, then a leak eating memory, then what the crashes say.
    if (Number.isFinite(crashes.days)) evidence.push(crashText)
    if (memText !== undefined) evidence.push(memText)
    if (!Number.isFinite(crashes.days)) evidence.push(crashText)
    return evidence
  }
  return { features, etaMs, explain }
}

interface MemoryReading {
  readonly leaking: boolean
  readonly trend: Trend | undefined
  /** Days until the projected out-of-memory crash (Infinity: none). */
  readonly days: number
  /** Points fallen over the trend's span. */
  readonly drop: number
  readonly text: (days: number) => string
}

function memoryLeak(c: DetectorContext): MemoryReading {
  const t = c.track
  const raised = c.raised('reboot_loop')
  const boot = t.boots.last
  const since = Number.isFinite(boot) ? (boot + SETTLE_MS) / DAY_MS : Number.NaN
  const s = t.quarters.series('mem', since)
  const xs: number[] = []
  const ys: number[] = []
  s.ys.forEach((y, i) => {
    if (!Number.isFinite(y)) return
    xs.push(s.xs[i] as number)
    ys.push(y)
  })
  const trend = theilSen(xs, ys, c.nowDay, 5)
  const now = t.latest[H_MEM] as number
  const level = Number.isFinite(now) ? now : (trend?.level ?? Number.NaN)
  const drop = trend ? -trend.slope * trend.span : 0
  // Wander, a creep after a boot and a busy day's swing together move free memory by up to 15
  // points or so; a leak takes all of it, in a straight line.
  const leaking =
    Number.isFinite(level) &&
    passes(trend, { span: 1.75, agreement: 0.85 }, raised) &&
    (trend?.slope ?? 0) <= (raised ? -1.5 : -3) &&
    drop >= (raised ? 9 : 15)
  // The latest day's slope: a leak keeps falling as fast, caches that fill level off.
  let slope = trend?.slope ?? 0
  if (leaking) {
    const k = xs.findIndex((x) => x >= (xs[xs.length - 1] as number) - 1)
    const recent = k >= 0 && xs.length - k >= 4 ? theilSen(xs.slice(k), ys.slice(k), c.nowDay) : undefined
    if (recent !== undefined) slope = Math.max(slope, Math.min(0, recent.slope))
  }
  const days = leaking ? forecast(timeToThreshold(level, slope, OUT_OF_MEMORY_PCT, 'down', 0)) : Number.POSITIVE_INFINITY
  const sinceBoot = Number.isFinite(boot) ? (c.now - boot) / DAY_MS : Number.NaN
  const text = (d: number) =>
    `memory_free_pct falling ${fmt(-(trend?.slope ?? 0), 1)} %/day over ${fmt(trend?.span ?? 0, 1)} days (Theil-Sen, ${fmt(100 * (trend?.agreement ?? 0), 0)} % of pairs agree), ${fmt(drop, 0)} points` +
    (Number.isFinite(sinceBoot) && sinceBoot < 21 ? ` since its last boot ${daysText(sinceBoot)} ago` : '') +
    `; now ${fmt(level)} %, out of memory (${OUT_OF_MEMORY_PCT} %) in ${daysText(d)}: a leak, whose crashes come sooner each time until the camera loops`
  return { leaking, trend, days, drop, text }
}

interface CrashReading {
  readonly count: number
  /** Days until the projected loop (Infinity: none). */
  readonly days: number
  readonly text: (etaMs: number | null) => string
}

function crashPattern(c: DetectorContext): CrashReading {
  const t = c.track
  const mark = c.mark('reboot_loop')
  const since = Math.max(c.now - WINDOW_MS, Number.isFinite(mark) ? mark * DAY_MS : 0)
  const boots = t.boots.since(since).filter((b) => b.kind === BOOT_SOLO && Number.isFinite(b.at))
  const count = boots.reduce((n, b) => n + b.weight, 0)
  const none = (why: string): CrashReading => ({ count, days: Number.POSITIVE_INFINITY, text: () => why })
  if (boots.length < MIN_CRASHES) return none(`${fmt(count, 0)} reboots of its own in 7 days`)
  const at = boots.map((b) => b.at)
  const intervals = at.slice(1).map((x, i) => x - (at[i] as number))
  const last = at[at.length - 1] as number
  const lastInterval = intervals[intervals.length - 1] as number
  // The pattern broke: up far longer than the last interval (fixed, rolled back), so start afresh.
  if (c.now - last > 2 * lastInterval + 6 * HOUR_MS) {
    c.setMark('reboot_loop')
    return none('no reboots of its own since its crashes stopped')
  }
  const fit = theilSen(
    intervals.map((_, k) => k),
    intervals.map((i) => Math.log(Math.max(i, 60_000))),
    intervals.length - 1,
  )
  const ratio = fit === undefined ? 1 : Math.exp(fit.slope)
  const tail = intervals.slice(-3)
  const shrinking = tail.length === 3 && (tail[2] as number) < (tail[1] as number) && (tail[1] as number) < (tail[0] as number)
  let days = Number.POSITIVE_INFINITY
  if (lastInterval <= LOOP_INTERVAL_MS) days = 0
  else if (shrinking && ratio <= 0.85) {
    // The intervals still to come until one is shorter than a loop: a geometric sum.
    const steps = Math.ceil(Math.log(LOOP_INTERVAL_MS / lastInterval) / Math.log(ratio))
    const remaining = (lastInterval * ratio * (1 - ratio ** steps)) / (1 - ratio)
    days = Math.max(0, (last + remaining - c.now) / DAY_MS)
  }
  const text = (etaMs: number | null) =>
    `${fmt(count, 0)} reboots in 7 days not shared with its site, switch or firmware cohort and not in brownouts or heat; intervals ${intervals
      .slice(-5)
      .map((i) => `${fmt(i / HOUR_MS, 1)} h`)
      .join(', ')}` + (Number.isFinite(days) ? `, shrinking ×${fmt(ratio, 2)} each time (Theil-Sen on log intervals); loop expected in ${c.until(etaMs)}` : ', not shrinking steadily')
  return { count, days, text }
}
