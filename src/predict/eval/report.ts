import type { Confounder, GroundTruth } from '../../sim/index.js'
import type { ModeScore, Raise } from './scoring.js'

const DAY = 86_400_000

const pct = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–')
const days = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–')

/** Our scores per mode as a Markdown table. */
export function modeTable(scores: readonly ModeScore[]): string {
  const rows = [
    '| mode | failures (gradual) | detected (gradual) | precision | recall | recall gradual | lead median d | lead p10 d | false raises | false / 1,000 camera-days | late | disk ETA ≤ 20 % |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const s of scores) {
    rows.push(
      `| ${s.mode} | ${s.failures} (${s.gradual}) | ${s.detected} (${s.detectedGradual}) | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.recallGradual)} | ${days(s.leadMedianDays)} | ${days(s.leadP10Days)} | ${s.falsePositives} | ${pct(s.falsePer1000CameraDays)} | ${s.late} | ${s.mode === 'disk_full' || s.mode === 'all' ? `${pct(s.etaWithin20)} (median err ${pct(s.etaErrorMedian)})` : ''} |`,
    )
  }
  return rows.join('\n')
}

/** Ours against the baselines: precision, recall and false raises per mode. */
export function comparisonTable(ours: readonly ModeScore[], stat: readonly ModeScore[], lin: readonly ModeScore[]): string {
  const rows = [
    '| mode | camtel precision | recall | false/1k cd | static precision | recall | false/1k cd | predict_linear precision | recall | false/1k cd |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ]
  ours.forEach((o, i) => {
    const s = stat[i] as ModeScore
    const l = lin[i] as ModeScore
    rows.push(
      `| ${o.mode} | ${pct(o.precision)} | ${pct(o.recall)} | ${pct(o.falsePer1000CameraDays)} | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.falsePer1000CameraDays)} | ${pct(l.precision)} | ${pct(l.recall)} | ${pct(l.falsePer1000CameraDays)} |`,
    )
  })
  return rows.join('\n')
}

/** Which confounder each false raise coincided with (a raise can match several, or none). */
export function confounderBreakdown(falses: readonly Raise[], truth: GroundTruth): Record<string, number> {
  const out: Record<string, number> = {}
  const near = (r: Raise, c: Confounder, afterMs: number) => c.cameraIds.includes(r.cameraId) && r.at >= c.from && r.at <= c.to + afterMs
  for (const r of falses) {
    const hits = new Set<string>()
    for (const c of truth.confounders) {
      const after = c.kind === 'heatwave' || c.kind === 'firmware_update' ? 3 * DAY : c.kind === 'report_gap' || c.kind === 'uplink_outage' || c.kind === 'network_blip' ? DAY : 0
      if (near(r, c, after)) hits.add(c.kind)
    }
    if (hits.size === 0) hits.add('none')
    for (const h of hits) out[h] = (out[h] ?? 0) + 1
  }
  return out
}
