import { D_DIP_H, D_FAN_BAD, D_LOWV_BOOTS, D_TEXC, D_TEXC_HI, D_THROTTLE_H, D_V_LOW } from '../daily.js'
import { H_V } from '../hourly.js'
import { forecast, logTime, theilSen, timeToThreshold } from '../stats.js'
import { type Assessment, type DetectorContext, fmt, passes } from './context.js'

/** Housing temperature at which cameras shut down to protect themselves, °C (outdoor units: ambient +50/60 plus self-heating). */
export const SHUTDOWN_C = 85
/** PoE voltage under load below which a camera browns out, V (802.3af guarantees 37 V at the device; cameras quit a little above). */
export const BROWNOUT_V = 40

const finiteMax = (xs: readonly number[]) => xs.reduce((m, x) => (Number.isFinite(x) && x > m ? x : m), Number.NEGATIVE_INFINITY)
const finiteMin = (xs: readonly number[]) => xs.reduce((m, x) => (Number.isFinite(x) && x < m ? x : m), Number.POSITIVE_INFINITY)

/**
 * Overheating (failed fan, blocked vent). The signal is the housing temperature's excess over
 * the camera's own normal for that hour of day (a camera that always runs warm is judged against
 * itself) minus the median excess of its site's peers in the same placement at the same hour (a
 * heatwave warms them all). A robust rise of the daily p90 of that excess, added to the camera's
 * usual afternoon peak, projects when it reaches shutdown.
 */
export function overheating(c: DetectorContext): Assessment | undefined {
  const t = c.track
  const raised = c.raised('overheating')
  const peak = t.temperature.peak()
  if (!Number.isFinite(peak)) return undefined
  // Back to normal after a hot spell of its own (the fan replaced, the vent cleared): a whole
  // day's worst hours compare with a whole day's, as nights are always cooler.
  const lastDay = t.days.closedValue(0, D_TEXC_HI)
  if (lastDay < 1.5 && finiteMax(c.series(D_TEXC_HI, 10, c.mark('overheating')).ys) > 6) c.setMark('overheating')
  const s = c.series(D_TEXC_HI, 10, c.mark('overheating'))
  const trend = theilSen(s.xs, s.ys, c.nowDay)
  const heating = passes(trend, { span: 3, agreement: 0.7 }, raised) && trend !== undefined && trend.slope >= 0.3 && trend.level >= (raised ? 2 : 3)
  const days = heating && trend ? forecast(timeToThreshold(peak + trend.level, trend.slope, SHUTDOWN_C, 'up', 0)) : Number.POSITIVE_INFINITY
  const fanNow = c.latestDaily(D_FAN_BAD)
  const fanFailedRecently = fanNow >= 0.5 && c.series(D_FAN_BAD, 14, c.mark('overheating')).ys.some((v) => v <= 0.1) ? 1 : 0
  const etaMs = c.eta(days)
  const explain = () => {
    const evidence: string[] = []
    if (heating && trend) {
      evidence.push(
        `housing ${fmt(trend.level)} °C above its own normal and its peers' at its hottest hours, rising ${fmt(trend.slope)} °C/day over ${fmt(trend.span, 0)} days (Theil-Sen); usual peak ${fmt(peak)} °C, shutdown (${SHUTDOWN_C} °C) in ${c.until(etaMs)}`,
      )
    } else {
      evidence.push(`housing ${fmt(c.latestDaily(D_TEXC))} °C from its own normal after peers; usual peak ${fmt(peak)} °C`)
    }
    if (fanFailedRecently) evidence.push('fan_ok turned false within the last 14 days')
    const throttled = c.latestDaily(D_THROTTLE_H)
    if (throttled > 0) evidence.push(`frame rate throttled for ${fmt(throttled, 0)} h today`)
    return evidence
  }
  return { features: [logTime(days), fanFailedRecently], etaMs, explain }
}

/**
 * PoE power instability (a corroding connector, a long run, a weak switch port). The daily
 * loaded-voltage floor (10th percentile of hourly means: nights with the IR illuminator on)
 * trends down towards brownout; reboots in low-voltage hours and dips confirm it. Reboots alone
 * are not the signal: updates and switch restarts reboot cameras with healthy supplies.
 */
export function powerInstability(c: DetectorContext): Assessment | undefined {
  const t = c.track
  const raised = c.raised('power_instability')
  const floor = t.voltageFloor
  const vNow = t.latest[H_V] as number
  if (!Number.isFinite(floor) || !Number.isFinite(vNow)) return undefined
  // Repaired: yesterday's loaded floor is back where it used to be (like with like: days' floors).
  const lastDay = t.days.closedValue(0, D_V_LOW)
  if (lastDay >= floor - 0.5 && finiteMin(c.series(D_V_LOW, 10, c.mark('power_instability')).ys) < floor - 3) c.setMark('power_instability')
  const since = c.mark('power_instability')
  // Ten days: long enough to be robust, short enough that a sag that began last week is not diluted.
  const s = c.series(D_V_LOW, 10, since)
  const trend = theilSen(s.xs, s.ys, c.nowDay)
  const drop = trend ? floor - trend.level : 0
  const sagging = passes(trend, { span: 3, agreement: 0.7 }, raised) && trend !== undefined && trend.slope <= (raised ? -0.05 : -0.1) && drop >= (raised ? 0.5 : 1)
  const days = sagging && trend ? forecast(timeToThreshold(trend.level, trend.slope, BROWNOUT_V, 'down', 0)) : Number.POSITIVE_INFINITY
  const lowBoots = c.sumRecent(D_LOWV_BOOTS, 7, since)
  const etaMs = c.eta(days)
  const explain = () => {
    const evidence: string[] = []
    if (sagging && trend) {
      evidence.push(
        `loaded voltage floor fell ${fmt(-trend.slope, 2)} V/day over ${fmt(trend.span, 0)} days to ${fmt(trend.level, 1)} V (Theil-Sen), ${fmt(drop)} V below its usual ${fmt(floor)} V; brownout (${BROWNOUT_V} V) in ${c.until(etaMs)}`,
      )
    } else {
      evidence.push(`loaded voltage floor ${fmt(trend?.level ?? vNow, 1)} V (usual ${fmt(floor)} V), steady`)
    }
    if (lowBoots > 0) evidence.push(`${fmt(lowBoots, 0)} reboots in low-voltage hours in 7 days`)
    const dips = c.sumRecent(D_DIP_H, 3, since)
    if (dips > 0) evidence.push(`voltage dips in ${fmt(dips, 0)} h of the last 3 days`)
    return evidence
  }
  return { features: [logTime(days), Math.min(lowBoots, 7) / 7], etaMs, explain }
}
