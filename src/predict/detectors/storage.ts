import { D_HEALTH, D_REC_OFF_H, D_USED_MAX, D_WERR } from '../daily.js'
import { H_HEALTH, H_USED_LAST } from '../hourly.js'
import { type Trend, forecast, logTime, median, theilSen, timeToThreshold } from '../stats.js'
import { type Assessment, type DetectorContext, fmt, passes } from './context.js'

/**
 * Remaining card life at which a card dies. Vendors report health as a share of rated
 * endurance; cards keep working a little past 0 % of margin-adjusted life, and we (like the
 * simulator) take them to die at 3 %. A fleet with real replacement records should set this
 * from them.
 */
export const CARD_EOL_PCT = 3
/** Disk use at which loop recording can no longer keep up and footage is lost. */
export const DISK_FULL_PCT = 99.5
/** Above the plateau by more than loop recording's sawtooth: the fill itself, points. */
const PLATEAU_MARGIN_PCT = 0.4

/**
 * SD/edge storage wear-out. Health falls with cumulative writes: a robust trend over up to three
 * weeks projects when it reaches end of life (the most predictable failure there is); write
 * errors read as a daily rate (never the counter's absolute value, which old cameras carry in the
 * millions, and never across a counter reset) and dropped recordings confirm a card near its end.
 */
export function diskFailure(c: DetectorContext): Assessment | undefined {
  const t = c.track
  const raised = c.raised('disk_failure')
  // A card replaced (health jumps up) starts a new life: its old trend says nothing.
  const prev = t.days.closedValue(0, D_HEALTH)
  const now = t.latest[H_HEALTH] as number
  if (Number.isFinite(prev) && Number.isFinite(now) && now > prev + 15) c.setMark('disk_failure')
  const since = c.mark('disk_failure')
  const hours = Math.max(1, c.hoursRecent(3, since))
  const errorsPerDay = (c.sumRecent(D_WERR, 3, since) * 24) / hours
  const gapHours = c.sumRecent(D_REC_OFF_H, 3, since)
  const s = c.series(D_HEALTH, 21, since)
  const trend = theilSen(s.xs, s.ys, c.nowDay)
  if (!Number.isFinite(now) && trend === undefined && errorsPerDay === 0) return undefined
  const level = Number.isFinite(now) ? now : (trend?.level ?? Number.NaN)
  const wearing = passes(trend, { span: 4, agreement: 0.8 }, raised) && (trend?.slope ?? 0) <= (raised ? -0.02 : -0.05)
  const days = level <= CARD_EOL_PCT ? 0 : wearing && trend ? forecast(timeToThreshold(level, trend.slope, CARD_EOL_PCT, 'down', 0)) : Number.POSITIVE_INFINITY
  const etaMs = c.eta(days)
  const explain = () => {
    const evidence: string[] = []
    if (wearing && trend) {
      evidence.push(
        `disk_health_pct fell ${fmt(-trend.slope, 2)} %/day over ${fmt(trend.span, 0)} days (Theil-Sen, ${fmt(100 * trend.agreement, 0)} % of pairs agree); now ${fmt(level)} %, end of life (${CARD_EOL_PCT} %) in ${c.until(etaMs)}`,
      )
    } else if (Number.isFinite(level)) {
      evidence.push(`disk_health_pct ${fmt(level)} %, not falling measurably`)
    }
    if (errorsPerDay > 0) evidence.push(`write errors ${fmt(errorsPerDay)}/day over the last 3 days`)
    if (gapHours > 0) evidence.push(`recording stopped for ${fmt(gapHours)} h in the last 3 days`)
    return evidence
  }
  return { features: [logTime(days), Math.log10(1 + errorsPerDay)], etaMs, explain }
}

/**
 * Disk full / retention shortfall: loop recording holds disk use flat, however high (a card held
 * at 98 % is fine). Use that keeps climbing block after block (a robust trend on six-hour maxima
 * over three days, or daily maxima over ten for slow fills) projects when the card is full.
 */
export function diskFull(c: DetectorContext): Assessment | undefined {
  const t = c.track
  const raised = c.raised('disk_full')
  const now = t.latest[H_USED_LAST] as number
  if (!Number.isFinite(now)) return undefined
  // Cleared or reformatted: a new fill starts from here.
  const prev = t.days.closedValue(0, D_USED_MAX)
  if (Number.isFinite(prev) && now < prev - 8) c.setMark('disk_full')
  const since = c.mark('disk_full')
  const fast = t.quarters.series('used', since)
  // A fill that began a day or two ago sits on a flat plateau in the three-day window, which
  // would halve its slope (and double its ETA): the line is fitted from where the fill began.
  // The gates judge at least a day of it; after a plateau, the rate comes from the blocks
  // clearly above it alone, and there must be three of them (half a day) before it projects.
  const regime = fillRegime(fast.xs, fast.ys, c.nowDay, raised ? 0.6 : 1)
  let quick = regime?.trend
  if (regime !== undefined && regime.start > 0) {
    let k = fast.ys.length
    while (k > 0 && (fast.ys[k - 1] as number) > regime.flat + PLATEAU_MARGIN_PCT) k--
    const rise = fast.ys.length - k >= 3 ? theilSen(fast.xs.slice(k), fast.ys.slice(k), c.nowDay) : undefined
    quick = rise !== undefined && rise.agreement >= 0.8 ? { ...regime.trend, slope: Math.max(rise.slope, regime.trend.slope), level: rise.level } : undefined
  }
  const slowSeries = c.series(D_USED_MAX, 10, since, 'last')
  const slow = theilSen(slowSeries.xs, slowSeries.ys, c.nowDay)
  const rising = (tr: typeof quick, gate: { span: number; agreement: number }, minSlope: number, minRise: number) =>
    tr !== undefined && passes(tr, gate, raised) && tr.slope >= minSlope && tr.slope * tr.span >= minRise
  // A rise of 1.5 points (five times the loop-recording sawtooth) before projecting: earlier, the
  // slope of a fill that has just started is too uncertain to give an ETA worth acting on.
  const trend = rising(quick, { span: 1, agreement: 0.8 }, 0.2, 1.5) ? quick : rising(slow, { span: 4, agreement: 0.8 }, 0.05, 1.5) ? slow : undefined
  // Projected from the latest reading, the truest level there is (a fitted line's level carries
  // the scatter of every block).
  const days = now >= DISK_FULL_PCT ? 0 : trend ? forecast(timeToThreshold(now, trend.slope, DISK_FULL_PCT, 'up', 0)) : Number.POSITIVE_INFINITY
  const etaMs = c.eta(days)
  const explain = () => {
    const rise = trend
      ? `disk_used_pct rising ${fmt(trend.slope, 2)} %/day over ${fmt(trend.span, 1)} days (Theil-Sen, ${fmt(100 * trend.agreement, 0)} % of pairs agree) where loop recording should hold it flat`
      : undefined
    // Already full: loop recording still "holds" the card, but only by deleting footage before
    // its retention is up, which is the failure itself.
    if (now >= DISK_FULL_PCT) return [`disk_used_pct ${fmt(now, 2)} %: the card is full (${DISK_FULL_PCT} %), so the oldest footage is deleted before its retention is up${rise ? `; ${rise}` : ''}`]
    return [rise ? `${rise}; now ${fmt(now, 2)} %, full (${DISK_FULL_PCT} %) in ${c.until(etaMs)}` : `disk_used_pct ${fmt(now, 2)} % and holding (loop recording)`]
  }
  return { features: [logTime(days)], etaMs, explain }
}

/**
 * The latest regime of a series of maxima: flat (loop recording) up to some point, then a
 * straight rise. Tries every start that leaves at least `minSpan` days of points and keeps the
 * one whose two pieces (flat at the median before, Theil-Sen line after) leave the smallest
 * absolute residuals; a series that rose all along keeps all its points.
 */
export function fillRegime(xs: readonly number[], ys: readonly number[], at: number, minSpan: number): { trend: Trend; start: number; flat: number } | undefined {
  let best: { trend: Trend; start: number; flat: number } | undefined
  let bestCost = Number.POSITIVE_INFINITY
  const last = xs[xs.length - 1] as number
  for (let k = 0; k < xs.length - 2 && last - (xs[k] as number) >= minSpan; k++) {
    const trend = theilSen(xs.slice(k), ys.slice(k), at)
    if (trend === undefined) continue
    const before = ys.slice(0, k).filter(Number.isFinite)
    const flat = before.length > 0 ? median(before) : 0
    let cost = 0
    for (let i = 0; i < xs.length; i++) {
      const y = ys[i] as number
      if (!Number.isFinite(y)) continue
      cost += Math.abs(i < k ? y - flat : y - (trend.level + trend.slope * ((xs[i] as number) - at)))
    }
    // Ties go to the longer line (more points behind the slope).
    if (cost < bestCost - 1e-6) {
      best = { trend, start: k, flat }
      bestCost = cost
    }
  }
  return best
}
