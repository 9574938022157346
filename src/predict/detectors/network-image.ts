import { D_FOCUS, D_Q_LOW, D_Q_MED, D_QEXC, D_QEXC_LOW } from '../daily.js'
import { H_JIT, H_LOSS, LOSS_FLOOR_PCT } from '../hourly.js'
import { clamp, forecast, logTime, quantile, theilSen, timeToThreshold } from '../stats.js'
import { type Assessment, type DetectorContext, fmt, passes } from './context.js'

/** Packet loss at which video is unusable, %. */
export const UNUSABLE_LOSS_PCT = 15
/** Image quality below which video is no use for recognition (the image-poor rule's threshold). */
export const UNUSABLE_QUALITY = 40

/**
 * Network degradation (a failing cable, port or radio link). Loss is judged on a log scale
 * against the site's median in the same hour, so a site-wide blip (congestion, an uplink
 * problem) moves every camera together and none stands out. A camera standing out by more than
 * 3× whose excess keeps rising (six-hour blocks over three days) projects when its own loss
 * reaches the unusable level.
 */
export function networkDegradation(c: DetectorContext): Assessment | undefined {
  const t = c.track
  const raised = c.raised('network_degradation')
  const current = quantile(t.recentLossExcess, 0.5)
  const ownLog = t.latest[H_LOSS] as number
  if (!Number.isFinite(current) || !Number.isFinite(ownLog)) return undefined
  const blocks = t.quarters.series('loss', c.mark('network_degradation'))
  if (current < 0.3 && blocks.ys.some((v) => v > 1)) c.setMark('network_degradation')
  const s = t.quarters.series('loss', c.mark('network_degradation'))
  const trend = theilSen(s.xs, s.ys, c.nowDay)
  const worsening =
    current >= (raised ? 0.3 : 0.5) && passes(trend, { span: 1, agreement: 0.6 }, raised) && trend !== undefined && trend.slope >= (raised ? 0.05 : 0.1)
  const days = worsening && trend ? forecast(timeToThreshold(ownLog, trend.slope, Math.log10(UNUSABLE_LOSS_PCT + LOSS_FLOOR_PCT), 'up', 0)) : Number.POSITIVE_INFINITY
  const lossPct = Math.max(0, 10 ** ownLog - LOSS_FLOOR_PCT)
  const jitter = t.latest[H_JIT] as number
  const etaMs = c.eta(days)
  const explain = () => [
    `packet loss ${fmt(lossPct, 2)} %, ${fmt(10 ** current)}× its site's median over the last 6 h` +
      (worsening && trend ? `, rising ${fmt(trend.slope, 2)} decades/day over ${fmt(trend.span, 1)} days (Theil-Sen); unusable (${UNUSABLE_LOSS_PCT} %) in ${c.until(etaMs)}` : ''),
    ...(Number.isFinite(jitter) ? [`jitter ${fmt(jitter)} ms`] : []),
  ]
  // How far it stands out matters only for a camera that is getting worse.
  return { features: [logTime(days), worsening ? clamp(current, 0, 3) : 0], etaMs, explain }
}

/**
 * Image degradation (dirt or a spider web on the window, a drifting focus, dying IR LEDs). The
 * daily median (day picture) and 15th percentile (night picture) of image quality trend towards
 * unusable; the same figures against the camera's own hour-of-day normal and its peers' (fog at
 * dawn blurs a whole site) must fall too, and by a clear margin, before it is this camera's fault.
 */
export function imageDegradation(c: DetectorContext): Assessment | undefined {
  const t = c.track
  const raised = c.raised('image_degradation')
  const latestQ = c.latestDaily(D_Q_MED)
  if (!Number.isFinite(latestQ) || !Number.isFinite(t.quality.peak())) return undefined
  const deficit = -Math.min(c.latestDaily(D_QEXC), c.latestDaily(D_QEXC_LOW))
  // Cleaned or refocused: yesterday, day and night, back near its normal after being far below.
  const yesterday = -Math.min(t.days.closedValue(0, D_QEXC), t.days.closedValue(0, D_QEXC_LOW))
  if (yesterday < 4 && c.series(D_QEXC_LOW, 14, c.mark('image_degradation')).ys.some((v) => v < -15)) c.setMark('image_degradation')
  const since = c.mark('image_degradation')
  const project = (level: number, excess: number) => {
    const s = c.series(level, 14, since)
    const trend = theilSen(s.xs, s.ys, c.nowDay)
    const e = c.series(excess, 14, since)
    const own = theilSen(e.xs, e.ys, c.nowDay)
    const falling = passes(trend, { span: 4, agreement: 0.7 }, raised) && trend !== undefined && own !== undefined && own.slope <= -0.3
    return { days: falling && trend ? forecast(timeToThreshold(trend.level, trend.slope, UNUSABLE_QUALITY, 'down', 0)) : Number.POSITIVE_INFINITY, trend }
  }
  const day = project(D_Q_MED, D_QEXC)
  const night = project(D_Q_LOW, D_QEXC_LOW)
  const worst = night.days < day.days ? night : day
  const clear = Number.isFinite(deficit) && deficit >= (raised ? 5 : 8)
  const days = clear ? worst.days : Number.POSITIVE_INFINITY
  const focus = c.latestDaily(D_FOCUS)
  const etaMs = c.eta(days)
  const explain = () => {
    const evidence: string[] = []
    if (Number.isFinite(days) && worst.trend) {
      const which = worst === night ? 'night (15th percentile)' : 'daily median'
      evidence.push(
        `image_quality ${which} falling ${fmt(-worst.trend.slope)} points/day over ${fmt(worst.trend.span, 0)} days to ${fmt(worst.trend.level, 0)} (Theil-Sen); unusable (${UNUSABLE_QUALITY}) in ${c.until(etaMs)}`,
      )
    } else {
      evidence.push(`image_quality ${fmt(latestQ, 0)}, steady`)
    }
    if (Number.isFinite(deficit)) evidence.push(`${fmt(deficit, 0)} points below its own normal after peers`)
    if (Number.isFinite(focus)) evidence.push(`focus_score ${fmt(focus, 0)}`)
    return evidence
  }
  // A deficit without a falling trend (a dim camera, a foggy dawn at a small site) is no forecast.
  return { features: [logTime(days), Number.isFinite(days) ? clamp(deficit, 0, 60) / 10 : 0], etaMs, explain }
}
