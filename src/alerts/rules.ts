/**
 * Rules as data (DESIGN §5) and the pure checks on them. A rule compares one metric of the
 * cameras in its scope with a threshold; the evaluator decides when that opens and clears.
 */
export const OPS = ['>', '>=', '<', '<=', '==', '!='] as const
export type Op = (typeof OPS)[number]
export type Severity = 'warning' | 'critical'

export type Scope = 'all' | { site?: string; camera?: string; tag?: string }

export interface Rule {
  id: string
  metric: string
  op: Op
  value: number
  /** Seconds of data time the condition must hold before the alert opens. */
  for: number
  /** Hysteresis: once open, the alert resolves only when the value is strictly past this. */
  clear?: number
  severity: Severity
  scope: Scope
  description?: string
}

/** The clock-based rule: a camera silent for its offline timeout. */
export const OFFLINE_RULE_ID = 'offline'
export const OFFLINE_METRIC = 'offline'
/**
 * The retention rule (DESIGN §7): a camera's `retention_days` outside the range of its retention
 * policy. The range differs per camera, so it is decided by src/capacity, not by `op`/`value`.
 */
export const RETENTION_RULE_ID = 'retention_policy'
export const RETENTION_METRIC = 'retention_policy'

// A switch rather than a table of functions: this runs for every sample a rule watches.
export function breaches(rule: Pick<Rule, 'op' | 'value'>, v: number): boolean {
  switch (rule.op) {
    case '>':
      return v > rule.value
    case '>=':
      return v >= rule.value
    case '<':
      return v < rule.value
    case '<=':
      return v <= rule.value
    case '==':
      return v === rule.value
    case '!=':
      return v !== rule.value
  }
}

/** Whether an open alert of this rule clears at value v (DESIGN §5). */
export function clears(rule: Pick<Rule, 'op' | 'value' | 'clear'>, v: number): boolean {
  if (rule.clear === undefined) return !breaches(rule, v)
  if (rule.op === '>' || rule.op === '>=') return v < rule.clear
  if (rule.op === '<' || rule.op === '<=') return v > rule.clear
  return !breaches(rule, v)
}

export interface CameraFacts {
  id: string
  siteId: string
  tags: readonly string[]
}

export function inScope(scope: Scope, c: CameraFacts): boolean {
  if (scope === 'all') return true
  if (scope.site !== undefined && scope.site !== c.siteId) return false
  if (scope.camera !== undefined && scope.camera !== c.id) return false
  if (scope.tag !== undefined && !c.tags.includes(scope.tag)) return false
  return true
}

/** Problems with a rule a person wrote, or [] when it is sound. */
export function ruleProblems(r: Rule): string[] {
  const problems: string[] = []
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(r.metric)) problems.push('metric must match [a-z][a-z0-9_]{0,63}')
  if (r.metric === OFFLINE_METRIC && r.id !== OFFLINE_RULE_ID) problems.push("'offline' is the built-in clock rule; edit rule 'offline' instead")
  if ((r.metric === RETENTION_METRIC) !== (r.id === RETENTION_RULE_ID)) problems.push(`rule '${RETENTION_RULE_ID}' and metric '${RETENTION_METRIC}' belong together: the built-in retention rule, decided by the retention policies`)
  if (!Number.isFinite(r.value)) problems.push('value must be a finite number')
  if (!(r.for >= 0 && r.for <= 30 * 86400)) problems.push('for must be 0 to 2,592,000 seconds')
  if (r.clear !== undefined) {
    if (!Number.isFinite(r.clear)) problems.push('clear must be a finite number')
    else if ((r.op === '>' || r.op === '>=') && r.clear > r.value) problems.push(`clear must be at most value for ${r.op}`)
    else if ((r.op === '<' || r.op === '<=') && r.clear < r.value) problems.push(`clear must be at least value for ${r.op}`)
    else if (r.op === '==' || r.op === '!=') problems.push(`clear has no meaning for ${r.op}`)
  }
  return problems
}

/** Sites a scope reaches, or null when it reaches every site (or cannot be bounded by sites). */
export function scopeSites(scope: Scope, siteOfCamera: (id: string) => string | undefined): string[] | null {
  if (scope === 'all') return null
  if (scope.site !== undefined) return [scope.site]
  if (scope.camera !== undefined) {
    const site = siteOfCamera(scope.camera)
    return site === undefined ? [] : [site]
  }
  return null
}
