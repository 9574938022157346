import { describe, expect, it } from 'vitest'
import { evaluate, initialState } from './evaluator.js'
import type { Rule } from './rules.js'
import { clears, inScope, ruleProblems } from './rules.js'

const rule = (over: Partial<Rule> = {}): Rule => ({ id: 'r', metric: 'temperature_c', op: '>', value: 70, for: 60, severity: 'warning', scope: 'all', ...over })

function run(r: Rule, points: Array<[number, number]>) {
  const s = initialState()
  return points.map(([ts, v]) => evaluate(r, s, ts * 1000, v).kind)
}

describe('evaluate', () => {
  it('opens only after the condition held for `for` seconds of data time', () => {
    expect(run(rule(), [[0, 75], [30, 76], [59, 77], [60, 78], [70, 79]])).toEqual(['none', 'none', 'none', 'open', 'update'])
  })

  it('starts the count again when the condition breaks', () => {
    expect(run(rule(), [[0, 75], [50, 60], [60, 75], [110, 75], [120, 75]])).toEqual(['none', 'none', 'none', 'none', 'open'])
  })

  it('opens at once with for 0 and resolves when the value no longer breaches', () => {
    expect(run(rule({ for: 0 }), [[0, 71], [10, 72], [20, 70]])).toEqual(['open', 'update', 'resolve'])
  })

  it('holds an open alert until the value is strictly past clear (hysteresis)', () => {
    expect(run(rule({ for: 0, clear: 65 }), [[0, 71], [10, 68], [20, 65], [30, 64.9], [40, 69]])).toEqual(['open', 'update', 'update', 'resolve', 'none'])
    expect(run(rule({ for: 0, op: '<', value: 5, clear: 8 }), [[0, 4], [10, 7], [20, 8], [30, 8.5]])).toEqual(['open', 'update', 'update', 'resolve'])
  })

  it('handles == and != on booleans as 1/0', () => {
    expect(run(rule({ metric: 'recording', op: '==', value: 0, for: 0 }), [[0, 1], [10, 0], [20, 1]])).toEqual(['none', 'open', 'resolve'])
  })
})

describe('rules', () => {
  it('finds problems in bad rules', () => {
    expect(ruleProblems(rule())).toEqual([])
    expect(ruleProblems(rule({ clear: 75 }))).toEqual(['clear must be at most value for >'])
    expect(ruleProblems(rule({ op: '<', clear: 60 }))).toEqual(['clear must be at least value for <'])
    expect(ruleProblems(rule({ metric: 'Temp' }))).toHaveLength(1)
    expect(ruleProblems(rule({ for: -1 }))).toHaveLength(1)
    expect(ruleProblems(rule({ op: '==', clear: 1 }))).toHaveLength(1)
  })

  it('clears without hysteresis when the condition no longer holds', () => {
    expect(clears(rule(), 70)).toBe(true)
    expect(clears(rule(), 70.1)).toBe(false)
  })

  it('matches scopes by site, camera and tag', () => {
    const cam = { id: 'c1', siteId: 'north', tags: ['outdoor'] }
    expect(inScope('all', cam)).toBe(true)
    expect(inScope({ site: 'north' }, cam)).toBe(true)
    expect(inScope({ site: 'south' }, cam)).toBe(false)
    expect(inScope({ tag: 'outdoor', site: 'north' }, cam)).toBe(true)
    expect(inScope({ tag: 'indoor' }, cam)).toBe(false)
    expect(inScope({ camera: 'c2' }, cam)).toBe(false)
  })
})
