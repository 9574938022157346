/**
 * `npm run eval:predict [-- --all] [--out <file.md>]`: the honest score of predictive maintenance.
 * Runs simulated fleets that were never used for tuning through a real server's public API and
 * prints, per failure mode and overall, precision, recall, lead times and false raises per
 * 1,000 camera-days, against the static-threshold and predict_linear baselines.
 */
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import type { GroundTruth } from '../../sim/index.js'
import { EVAL_FLEETS, FAILURE_RATE } from './cases.js'
import { prepareFleet } from './fleet-run.js'
import { runOverHttp, startServerProcess } from './http-run.js'
import { comparisonTable, confounderBreakdown, modeTable } from './report.js'
import { type ModeScore, score } from './scoring.js'

const DAY = 86_400_000

function truthSummary(t: GroundTruth): string {
  const by = new Map<string, number>()
  for (const f of t.failures) {
    if (f.failAt < t.from || f.failAt > t.to) continue
    const k = `${f.mode} (${f.source}${f.abrupt ? ', abrupt' : ''})`
    by.set(k, (by.get(k) ?? 0) + 1)
  }
  const conf = new Map<string, number>()
  for (const c of t.confounders) conf.set(c.kind, (conf.get(c.kind) ?? 0) + (c.siteId !== undefined ? 1 : c.cameraIds.length))
  return [
    `failures in the history: ${[...by.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `confounders (site-wide events, or cameras touched): ${[...conf.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ].join('\n')
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { all: { type: 'boolean' }, out: { type: 'string' } } })
  const fleets = values.all ? EVAL_FLEETS : EVAL_FLEETS.slice(0, 1)
  const cpu = cpus()
  const lines: string[] = [
    `# camtel predictive maintenance: evaluation`,
    '',
    `command: npm run eval:predict${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
    `machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`,
    `failure rate: ${FAILURE_RATE} per camera, mode and 30 days (inflated for statistical power)`,
  ]
  const t0 = performance.now()
  for (const spec of fleets) {
    const prepared = prepareFleet(spec, FAILURE_RATE)
    const server = await startServerProcess()
    let run
    try {
      run = await runOverHttp(prepared, server)
    } finally {
      await server.stop()
    }
    const o = { failures: prepared.truth.failures, from: prepared.readFrom, to: prepared.to, cameras: prepared.fleet.cameras.length }
    const ours = score(run.raises, o)
    const all = ours[ours.length - 1] as ModeScore
    const sites = spec.sites?.join(', ') ?? 'all seven catalogue sites'
    lines.push(
      '',
      `## ${spec.name}: seed ${spec.seed}, ${spec.cameras} cameras (${sites}), ${new Date(spec.from).toISOString().slice(0, 10)} + ${spec.days} days, read hourly after ${spec.warmupDays} days of warm-up`,
      '',
      `${run.reports} reports sent through POST /api/v1/telemetry, ${run.reads} reads of GET /api/v1/predictions, ${run.seconds.toFixed(0)} s`,
      truthSummary(prepared.truth),
      `camera-days scored: ${((prepared.fleet.cameras.length * (prepared.to - prepared.readFrom)) / DAY).toFixed(0)}`,
      '',
      modeTable(ours),
      '',
      comparisonTable(ours, score(run.staticRaises, o), score(run.linearRaises, o)),
      '',
      `false raises by what was going on at the time: ${JSON.stringify(confounderBreakdown(all.falses, prepared.truth))}`,
      '',
      'top of GET /api/v1/predictions at the end:',
      ...run.sample.slice(0, 5).map((v) => `- ${v.cameraId} ${v.mode} risk ${v.risk} eta ${v.eta ?? 'none'}: ${v.evidence.join('; ')}`),
    )
  }
  lines.push('', `total ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  const text = lines.join('\n')
  console.log(text)
  if (values.out !== undefined) writeFileSync(values.out, `${text}\n`)
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
