/**
 * Alert rules for the ingest bench (`--rules`): the "default rules + 50 more, within 10 %
 * of no rules". The extra rules are drawn from the workload's own values, so that they behave like
 * rules an operator would write for this fleet: each watches one of the reported metrics with a
 * threshold that about one report in a thousand crosses (a few cameras per rule), some at once and
 * some only after a while, with hysteresis on most, so alerts open, stay open and resolve during
 * the run as they would in production rather than never (free) or everywhere (an alert storm).
 */
export interface BenchRule {
  id: string
  metric: string
  op: '>' | '<'
  value: number
  clear?: number
  for: number
  severity: 'warning' | 'critical'
  scope: 'all' | { site: string }
}

const FORS = [0, 30, 60, 300, 900] as const
/** Counters that only grow, and configuration: nobody puts a threshold rule on these. */
const NOT_LEVELS = new Set(['uptime_s', 'reboots', 'dropped_frames', 'disk_write_errors', 'disk_capacity_gb', 'fps_target'])

/**
 * `count` rules over the metrics in `values` (per metric, every value the workload sends).
 * Thresholds sit at the 99.9th percentile (for `>`) or the 0.1th (for `<`); flags, counters and
 * configuration values are left out, as nobody writes threshold rules on them.
 */
export function benchRules(values: ReadonlyMap<string, readonly number[]>, count: number): BenchRule[] {
  const usable = [...values].filter(([metric, v]) => !NOT_LEVELS.has(metric) && spread(v) > 0).map(([metric, v]) => ({ metric, sorted: [...v].sort((a, b) => a - b) }))
  if (usable.length === 0 || count === 0) return []
  const rules: BenchRule[] = []
  for (let i = 0; i < count; i++) {
    const { metric, sorted } = usable[i % usable.length] as (typeof usable)[number]
    const high = Math.floor(i / usable.length) % 2 === 0
    const value = quantile(sorted, high ? 0.999 : 0.001)
    const band = (quantile(sorted, 0.9) - quantile(sorted, 0.1)) / 10
    rules.push({
      id: `bench-${String(i + 1).padStart(3, '0')}`,
      metric,
      op: high ? '>' : '<',
      value,
      // Every third rule without hysteresis, the others clear a tenth of the value range back.
      ...(i % 3 === 2 || band === 0 ? {} : { clear: high ? value - band : value + band }),
      for: FORS[i % FORS.length] as number,
      severity: i % 4 === 0 ? 'critical' : 'warning',
      // The bench's cameras report before they are registered, so they all live in `unassigned`.
      scope: i % 5 === 4 ? { site: 'unassigned' } : 'all',
    })
  }
  return rules
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

function spread(v: readonly number[]): number {
  let min = Infinity
  let max = -Infinity
  let distinct = 0
  const seen = new Set<number>()
  for (const x of v) {
    min = Math.min(min, x)
    max = Math.max(max, x)
    if (distinct < 20 && !seen.has(x)) {
      seen.add(x)
      distinct++
    }
  }
  // Two or three distinct values are a flag or a mode, not a level to put a threshold on.
  return distinct < 4 ? 0 : max - min
}
