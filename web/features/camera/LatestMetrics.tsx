import type { Alert, CameraListItem, Rule } from '../../api/camtel.js'
import { KNOWN_METRICS, METRIC_INFO, formatMetric } from '../../ui/format.js'

const GROUPS = [
  ['connectivity', 'Connectivity'],
  ['video', 'Video'],
  ['power', 'Thermal & power'],
  ['storage', 'Storage'],
  ['environment', 'Environment'],
  ['network', 'Network'],
] as const

/** Booleans whose bad value is the one to see: red when it is seen. */
const BAD_WHEN: Record<string, number> = { power_ok: 0, fan_ok: 0, recording: 0, tamper: 1, online: 0 }

interface Props {
  camera: CameraListItem
  alerts: readonly Alert[]
  rules: ReadonlyMap<string, Rule>
}

/** Every latest value with its unit, by group; a metric with an open alert is coloured by its severity. */
export function LatestMetrics({ camera, alerts, rules }: Props) {
  const alerting = new Map<string, 'warning' | 'critical'>()
  for (const a of alerts) {
    if (a.state === 'resolved') continue
    const metric = rules.get(a.ruleId)?.metric
    if (metric && alerting.get(metric) !== 'critical') alerting.set(metric, a.severity)
  }
  const custom = Object.keys(camera.metrics)
    .filter((m) => !METRIC_INFO.has(m))
    .sort()
  const groups: Array<[string, string[]]> = GROUPS.map(([g, label]) => [label, KNOWN_METRICS.filter((m) => m.group === g && camera.metrics[m.name] !== undefined).map((m) => m.name)])
  if (custom.length > 0) groups.push(['Custom', custom])
  const shown = groups.filter(([, names]) => names.length > 0)
  if (shown.length === 0) return <p class="empty">No report from this camera yet.</p>
  return (
    <div class="latest">
      {shown.map(([label, names]) => (
        <section key={label}>
          <h3>{label}</h3>
          <dl class="kv">
            {names.map((name) => {
              const v = camera.metrics[name]
              const bad = BAD_WHEN[name] !== undefined && v === BAD_WHEN[name]
              const level = alerting.get(name) ?? (bad ? 'critical' : undefined)
              return (
                <div key={name} class={level ? `kv-${level}` : ''} title={METRIC_INFO.get(name)?.description ?? 'custom metric'} data-metric={name}>
                  <dt>{name}</dt>
                  <dd class="tabular">{formatMetric(name, v)}</dd>
                </div>
              )
            })}
          </dl>
        </section>
      ))}
    </div>
  )
}
