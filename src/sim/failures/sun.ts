import type { SiteEnvironment } from '../environment.js'
import { DAY, HOUR, MINUTE } from '../episodes.js'

/** Solar elevation below which IR cameras switch their illuminator on (as in CameraModel). */
export const IR_ON_DEG = -4

/** The instant at local clock hour `hour` on the site's local day of `ts`. */
export function localTime(env: SiteEnvironment, ts: number, hour: number): number {
  const offset = env.utcOffsetMs(ts)
  const localMidnight = Math.floor((ts + offset) / DAY) * DAY
  return localMidnight - offset + hour * HOUR
}

/** First instant at or after `ts` when the sun sinks below IR_ON_DEG (dusk), to the minute. */
export function duskAfter(env: SiteEnvironment, ts: number): number {
  const step = 10 * MINUTE
  let prev = env.sunElevationDeg(ts)
  for (let t = ts + step; t <= ts + 2 * DAY; t += step) {
    const e = env.sunElevationDeg(t)
    if (prev >= IR_ON_DEG && e < IR_ON_DEG) {
      let lo = t - step
      let hi = t
      while (hi - lo > MINUTE) {
        const mid = (lo + hi) / 2
        if (env.sunElevationDeg(mid) >= IR_ON_DEG) lo = mid
        else hi = mid
      }
      return Math.round(hi)
    }
    prev = e
  }
  // Polar day or night: no dusk within two days; the failure keeps its planned time.
  return ts
}

/** Whether the IR illuminator of an IR camera is on at `ts`. */
export function irOn(env: SiteEnvironment, ts: number): boolean {
  return env.sunElevationDeg(ts) < IR_ON_DEG
}
