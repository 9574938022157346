import { BOOT_SOLO } from '../boots.js'
import { logTime, theilSen } from '../stats.js'
import { DAY_MS, HOUR_MS } from '../track.js'
import { type Assessment, type DetectorContext, daysText, fmt } from './context.js'

/** Crashes closer together than this are the loop itself: the camera cannot stay up. */
export const LOOP_INTERVAL_MS = 15 * 60_000
/** The window in which a leak's crashes are looked for. */
const WINDOW_MS = 7 * DAY_MS
/** Own crashes needed in the window before a pattern is read into them. */
const MIN_CRASHES = 4

/**
 * Firmware leak → reboot loop. The uptime sawtooth of a leak: the camera's own crashes (not
 * boots its site, switch or firmware cohort shared — an update, a switch restart — and not
 * brownouts or thermal trips, which other modes own), coming closer together each time. A
 * Theil-Sen fit of log(interval) against crash number gives the shrink ratio; the geometric sum
 * of the remaining intervals projects when they fall below LOOP_INTERVAL_MS.
 */
export function rebootLoop(c: DetectorContext): Assessment | undefined {
  const t = c.track
  const mark = c.mark('reboot_loop')
  const since = Math.max(c.now - WINDOW_MS, Number.isFinite(mark) ? mark * DAY_MS : 0)
  const boots = t.boots.since(since).filter((b) => b.kind === BOOT_SOLO && Number.isFinite(b.at))
  const count = boots.reduce((n, b) => n + b.weight, 0)
  const none = (why: string): Assessment => ({ features: [logTime(Number.POSITIVE_INFINITY), Math.min(count, 10) / 5], etaMs: null, explain: () => [why] })
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
  const explain = () => [
    `${fmt(count, 0)} reboots in 7 days not shared with its site, switch or firmware cohort and not in brownouts or heat; intervals ${intervals
      .slice(-5)
      .map((i) => `${fmt(i / HOUR_MS, 1)} h`)
      .join(', ')}` + (Number.isFinite(days) ? `, shrinking ×${fmt(ratio, 2)} each time (Theil-Sen on log intervals); loop expected in ${daysText(days)}` : ', not shrinking steadily'),
  ]
  return { features: [logTime(days), Math.min(count, 10) / 5], etaMs: Number.isFinite(days) ? c.now + days * DAY_MS : null, explain }
}
