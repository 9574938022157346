import type { Alert, CameraListItem, Rule } from '../../api/camtel.js'
import { formatMetric } from '../../ui/format.js'

/** `temperature_c > 70 for 5 min`, or the rule id when the rule is unknown (deleted, not visible). */
export function describeRule(rule: Rule | undefined, ruleId: string): string {
  if (!rule) return ruleId
  if (rule.metric === 'offline') return 'no report for the offline timeout'
  const held = rule.for > 0 ? ` for ${rule.for >= 60 ? `${Math.round(rule.for / 60)} min` : `${rule.for} s`}` : ''
  return `${rule.metric} ${rule.op} ${rule.value}${held}`
}

/** The alert's latest value with its metric's unit; nothing for offline alerts, whose value means nothing. */
export function alertValueText(alert: Alert, rule: Rule | undefined): string {
  if (!rule || rule.metric === 'offline') return ''
  return formatMetric(rule.metric, alert.value)
}

/** Whether a rule applies to a camera (DESIGN §5 scopes): for thresholds drawn on its charts. */
export function ruleApplies(rule: Rule, camera: Pick<CameraListItem, 'id' | 'siteId' | 'tags'>): boolean {
  if (rule.scope === 'all') return true
  const s = rule.scope
  if (s.site !== undefined && s.site !== camera.siteId) return false
  if (s.camera !== undefined && s.camera !== camera.id) return false
  if (s.tag !== undefined && !camera.tags.includes(s.tag)) return false
  return true
}
