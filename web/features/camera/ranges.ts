export type RangeId = '1h' | '24h' | '7d' | '30d'

export interface RangeSpec {
  label: string
  ms: number
  /**
   * The step asked of the series API (DESIGN §4): none for an hour (raw points), minutes for a
   * day and a week (the 1-minute rollups, with min/max), hours for a month (the 1-hour rollups).
   * Each gives a few hundred points: enough for the width of a chart, no more.
   */
  step?: string
}

export const RANGES: Record<RangeId, RangeSpec> = {
  '1h': { label: '1 h', ms: 3_600_000 },
  '24h': { label: '24 h', ms: 86_400_000, step: '5m' },
  '7d': { label: '7 d', ms: 7 * 86_400_000, step: '30m' },
  '30d': { label: '30 d', ms: 30 * 86_400_000, step: '2h' },
}

export const RANGE_IDS = Object.keys(RANGES) as RangeId[]
