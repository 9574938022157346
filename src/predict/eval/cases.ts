import type { FleetCase } from './fleet-run.js'

/**
 * The simulated fleets. Tuning fleets fit the risk model; evaluation fleets are never used for
 * tuning: other seeds, other site mixes, other seasons.
 */
export const TUNING_FLEETS: readonly FleetCase[] = [
  {
    name: 'tune-summer-eu',
    seed: 101,
    cameras: 400,
    sites: ['ams-airport', 'lon-kings-cross', 'mad-castellana', 'lon-park-royal'],
    from: Date.UTC(2025, 5, 1),
    days: 90,
    warmupDays: 14,
  },
  { name: 'tune-winter-all', seed: 102, cameras: 400, from: Date.UTC(2025, 11, 1), days: 90, warmupDays: 14 },
]

export const EVAL_FLEETS: readonly FleetCase[] = [
  { name: 'eval-summer-all', seed: 301, cameras: 400, from: Date.UTC(2026, 4, 1), days: 75, warmupDays: 14 },
  {
    name: 'eval-spring-mix',
    seed: 302,
    cameras: 300,
    sites: ['sin-tuas', 'mad-la-paz', 'ams-hq', 'lon-park-royal'],
    from: Date.UTC(2026, 1, 10),
    days: 75,
    warmupDays: 14,
  },
]

/** Expected failures per camera and 30 days, per mode: inflated for statistical power (see docs). */
export const FAILURE_RATE = 0.01
