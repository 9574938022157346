import { type CameraFacts, type Scope, inScope } from '../alerts/rules.js'
import type { Clock } from '../core/clock.js'
import type { RetentionPolicy, RetentionPolicyStore } from '../store/ports.js'

export type PolicyInput = Pick<RetentionPolicy, 'id' | 'scope' | 'minDays' | 'maxDays'>

/** Ten years: a bound past which a number of days is a typo, not a policy. */
export const MAX_POLICY_DAYS = 3650

/** Problems with a policy a person wrote, or [] when it is sound. */
export function policyProblems(p: PolicyInput): string[] {
  const problems: string[] = []
  if (p.minDays === null && p.maxDays === null) problems.push('give minDays, maxDays or both')
  for (const [name, v] of [['minDays', p.minDays], ['maxDays', p.maxDays]] as const) {
    if (v !== null && !(Number.isFinite(v) && v >= 0 && v <= MAX_POLICY_DAYS)) problems.push(`${name} must be a number of days from 0 to ${MAX_POLICY_DAYS}`)
  }
  if (p.minDays !== null && p.maxDays !== null && p.minDays > p.maxDays) problems.push('minDays must not be more than maxDays')
  return problems
}

/**
 * How closely a scope names a camera: a camera beats a tag, which beats a site, which beats all.
 * Combined scopes add up, so `{site, tag}` beats `{tag}`.
 */
export function specificity(scope: Scope): number {
  if (scope === 'all') return 0
  return (scope.camera !== undefined ? 4 : 0) + (scope.tag !== undefined ? 2 : 0) + (scope.site !== undefined ? 1 : 0)
}

/** The policy that governs a camera: the most specific scope that reaches it; ties go to the lowest id. */
export function applicablePolicy<P extends PolicyInput>(policies: readonly P[], cam: CameraFacts): P | undefined {
  let best: P | undefined
  for (const p of policies) {
    if (!inScope(p.scope, cam)) continue
    if (best === undefined || specificity(p.scope) > specificity(best.scope) || (specificity(p.scope) === specificity(best.scope) && p.id < best.id)) best = p
  }
  return best
}

/**
 * Whether `days` of video lie outside the policy's range. `margin` (days) is hysteresis for an
 * alert already open: it clears only once the value is that far back inside.
 */
export function outsidePolicy(p: PolicyInput, days: number, margin = 0): boolean {
  const width = p.minDays !== null && p.maxDays !== null ? p.maxDays - p.minDays : Number.POSITIVE_INFINITY
  const m = Math.min(margin, width / 4)
  return (p.minDays !== null && days < p.minDays + m) || (p.maxDays !== null && days > p.maxDays - m)
}

/** The wire form (DESIGN §7). */
export function policyView(p: RetentionPolicy) {
  return {
    id: p.id,
    scope: p.scope,
    minDays: p.minDays,
    maxDays: p.maxDays,
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
  }
}

/** The retention policies in memory (they are few), backed by the store. */
export class PolicyBook {
  private policies: RetentionPolicy[] = []

  constructor(private readonly o: { store: RetentionPolicyStore; clock: Clock }) {}

  async load(): Promise<void> {
    this.policies = await this.o.store.listPolicies()
  }

  all(): readonly RetentionPolicy[] {
    return this.policies
  }

  get(id: string): RetentionPolicy | undefined {
    return this.policies.find((p) => p.id === id)
  }

  forCamera(cam: CameraFacts): RetentionPolicy | undefined {
    return applicablePolicy(this.policies, cam)
  }

  async put(p: PolicyInput): Promise<{ policy: RetentionPolicy; created: boolean }> {
    const result = await this.o.store.putPolicy(p, this.o.clock.now())
    this.policies = [...this.policies.filter((x) => x.id !== p.id), result.policy].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    return result
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.o.store.deletePolicy(id)
    this.policies = this.policies.filter((p) => p.id !== id)
    return deleted
  }
}
