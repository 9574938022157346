import { describe, expect, it } from 'vitest'
import { parsePrometheusText, sampleValue } from './prometheus-text.js'

describe('the strict Prometheus text parser used by the tests', () => {
  it('reads families, labels with escapes, histograms and special values', () => {
    const m = parsePrometheusText(
      [
        '# HELP a_total Things\\\\ counted',
        '# TYPE a_total counter',
        'a_total{kind="x\\"y",n="1\\n2"} 3',
        '# TYPE h histogram',
        'h_bucket{le="+Inf"} 2',
        'h_sum 0.5',
        'h_count 2',
        '# TYPE g gauge',
        'g Nan',
        'g{x="1"} -Inf',
        '',
      ].join('\n'),
    )
    expect(m.get('a_total')?.help).toBe('Things\\ counted')
    expect(sampleValue(m, 'a_total', { kind: 'x"y', n: '1\n2' })).toBe(3)
    expect(sampleValue(m, 'h_count')).toBe(2)
    expect(sampleValue(m, 'g')).toBeNaN()
    expect(sampleValue(m, 'g', { x: '1' })).toBe(-Infinity)
  })

  it('refuses what Prometheus would refuse', () => {
    const bad = [
      'x 1\n',
      '# TYPE x counter\nx 1 2 3\n',
      '# TYPE x counter\nx{a=1} 1\n',
      '# TYPE x counter\nx{a="1",a="2"} 1\n',
      '# TYPE x counter\nx 1\nx 2\n',
      '# TYPE x counter\nx one\n',
      '# TYPE x sometimes\n',
      '# TYPE x counter\nx 1',
      '# TYPE x counter\nx{a="\\t"} 1\n',
    ]
    for (const text of bad) expect(() => parsePrometheusText(text), JSON.stringify(text)).toThrow()
  })
})
