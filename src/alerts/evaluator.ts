import { type Rule, breaches, clears } from './rules.js'

/** What the evaluator remembers per (rule, camera): pure data, so that it can be tested alone. */
export interface EvalState {
  /** Data time at which the condition started holding, while it has not yet held for `for`. */
  pendingSince: number | undefined
  /** An alert is open for this (rule, camera). */
  open: boolean
  /** Data time of the last report evaluated. */
  lastTs: number | undefined
}

export type Transition =
  | { kind: 'open'; ts: number; value: number; since: number }
  | { kind: 'update'; ts: number; value: number }
  | { kind: 'resolve'; ts: number; value: number }
  | { kind: 'none' }

/** Most reports change nothing; they all share this answer rather than allocate one each. */
const NONE: Transition = Object.freeze({ kind: 'none' })

export const initialState = (): EvalState => ({ pendingSince: undefined, open: false, lastTs: undefined })

/**
 * Feeds one value at data time `ts` through a rule. `for` counts data time, so history sent in one
 * batch opens an alert exactly when live data would have. Values must come in ts order.
 */
export function evaluate(rule: Pick<Rule, 'op' | 'value' | 'clear' | 'for'>, s: EvalState, ts: number, value: number): Transition {
  s.lastTs = ts
  if (s.open) {
    if (clears(rule, value)) {
      s.open = false
      s.pendingSince = undefined
      return { kind: 'resolve', ts, value }
    }
    return { kind: 'update', ts, value }
  }
  if (!breaches(rule, value)) {
    s.pendingSince = undefined
    return NONE
  }
  s.pendingSince ??= ts
  if (ts - s.pendingSince >= rule.for * 1000) {
    const since = s.pendingSince
    s.open = true
    s.pendingSince = undefined
    return { kind: 'open', ts, value, since }
  }
  return NONE
}
