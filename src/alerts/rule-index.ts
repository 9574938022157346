import type { Camera } from '../store/ports.js'
import { type CameraFacts, OFFLINE_METRIC, type Op, RETENTION_METRIC, type Rule, inScope } from './rules.js'

/**
 * A rule as the hot path reads it: the fields the evaluator needs, always present, so that every
 * check has one shape whatever optional fields its rule was written with (a property read on
 * objects of many shapes is several times slower).
 */
export interface RuleCheck {
  readonly rule: Rule
  readonly id: string
  readonly op: Op
  readonly value: number
  readonly clear: number | undefined
  readonly for: number
}

/** The rules on one metric that reach a camera, in rule order. */
export interface MetricRules {
  readonly metric: string
  readonly rules: readonly RuleCheck[]
}

/** What the engine keeps per camera for the hot path. */
export interface CameraRules {
  readonly facts: CameraFacts
  /** Per metric some rule watches, the rules that reach this camera; metrics none reaches are left out. */
  readonly checks: readonly MetricRules[]
}

interface Entry extends CameraRules {
  /** The registry entry and rule set these lists were made from. */
  readonly camera: Camera
  readonly version: number
}

/**
 * Rules indexed by metric, and per camera by metric again after their scopes are applied, so that
 * a report meets only the rules of its metrics that reach its camera, and no scope is checked per
 * report. A camera's lists are rebuilt when the rules change or its registry entry is replaced
 * (the fleet replaces it on every change, which is how a move or new tags are seen).
 */
export class RuleIndex {
  private rules = new Map<string, Rule>()
  private byMetric: MetricRules[] = []
  private version = 0
  private readonly cameras = new Map<string, Entry>()

  /** Replaces the whole rule set. */
  reset(rules: readonly Rule[]): void {
    this.rules = new Map(rules.map((r) => [r.id, r]))
    const byMetric = new Map<string, RuleCheck[]>()
    for (const r of rules) {
      // The offline and retention rules are decided by the clock and by src/capacity, not by reports.
      if (r.metric === OFFLINE_METRIC || r.metric === RETENTION_METRIC) continue
      const list = byMetric.get(r.metric) ?? []
      list.push({ rule: r, id: r.id, op: r.op, value: r.value, clear: r.clear, for: r.for })
      byMetric.set(r.metric, list)
    }
    this.byMetric = [...byMetric].map(([metric, list]) => ({ metric, rules: list }))
    this.version++
  }

  get(id: string): Rule | undefined {
    return this.rules.get(id)
  }

  all(): IterableIterator<Rule> {
    return this.rules.values()
  }

  /** The rules reaching a camera, from cache while neither the camera nor the rules changed. */
  forCamera(camera: Camera): CameraRules {
    const cached = this.cameras.get(camera.id)
    if (cached && cached.camera === camera && cached.version === this.version) return cached
    const facts: CameraFacts = { id: camera.id, siteId: camera.siteId, tags: camera.tags }
    const checks: MetricRules[] = []
    let allInScope = true
    for (const m of this.byMetric) {
      const reaching = m.rules.filter((c) => inScope(c.rule.scope, facts))
      if (reaching.length === m.rules.length) checks.push(m)
      else {
        allInScope = false
        if (reaching.length > 0) checks.push({ metric: m.metric, rules: reaching })
      }
    }
    // Cameras every rule reaches (the usual case) share the fleet-wide list rather than a copy each.
    const entry: Entry = { camera, version: this.version, facts, checks: allInScope ? this.byMetric : checks }
    this.cameras.set(camera.id, entry)
    return entry
  }
}
