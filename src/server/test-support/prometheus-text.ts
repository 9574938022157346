/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: it throws on
 * anything a Prometheus server would refuse — a malformed line, a sample before its TYPE, a
 * duplicate series, a bad number or label escape — rather than guessing.
 */
export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface PromFamily {
  name: string
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'
  help: string | undefined
  samples: PromSample[]
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
}

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>()
  const seen = new Set<string>()
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline')
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, i) => {
      const where = `line ${i + 1}: ${line}`
      if (line === '') return
      if (line.startsWith('#')) {
        const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
        if (!m) {
          if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`malformed ${where}`)
          return
        }
        const [, kind, name = '', rest = ''] = m
        if (!METRIC_NAME.test(name)) throw new Error(`bad metric name, ${where}`)
        const family = families.get(name) ?? { name, type: 'untyped' as const, help: undefined, samples: [] }
        if (kind === 'TYPE') {
          if (!TYPES.has(rest)) throw new Error(`bad type, ${where}`)
          if (family.samples.length > 0) throw new Error(`TYPE after samples, ${where}`)
          family.type = rest as PromFamily['type']
        } else {
          family.help = unescape(rest, false, where)
        }
        families.set(name, family)
        return
      }
      const sample = parseSample(line, where)
      const family = familyOf(families, sample.name)
      if (!family) throw new Error(`sample without a TYPE, ${where}`)
      const key = `${sample.name}{${Object.entries(sample.labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`
      if (seen.has(key)) throw new Error(`duplicate series, ${where}`)
      seen.add(key)
      family.samples.push(sample)
    })
  return families
}

function familyOf(families: Map<string, PromFamily>, sampleName: string): PromFamily | undefined {
  const exact = families.get(sampleName)
  if (exact && !SUFFIXES[exact.type]) return exact
  for (const [name, f] of families) {
    if ((SUFFIXES[f.type] ?? []).some((s) => sampleName === name + s)) return f
  }
  return undefined
}

function parseSample(line: string, where: string): PromSample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line)
  if (!m) throw new Error(`malformed sample, ${where}`)
  const [, name = '', rawLabels, rawValue = ''] = m
  return { name, labels: rawLabels ? parseLabels(rawLabels.slice(1, -1), where) : {}, value: parseValue(rawValue, where) }
}

function parseLabels(body: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let i = 0
  while (i < body.length) {
    const eq = body.indexOf('=', i)
    if (eq < 0) throw new Error(`malformed labels, ${where}`)
    const name = body.slice(i, eq)
    if (!LABEL_NAME.test(name) || name in labels) throw new Error(`bad or repeated label '${name}', ${where}`)
    if (body[eq + 1] !== '"') throw new Error(`label value must be quoted, ${where}`)
    let j = eq + 2
    let raw = ''
    for (; j < body.length && body[j] !== '"'; j++) {
      if (body[j] === '\\') raw += body[j++]
      raw += body[j]
    }
    if (j >= body.length) throw new Error(`unterminated label value, ${where}`)
    labels[name] = unescape(raw, true, where)
    i = j + 1
    if (i < body.length) {
      if (body[i] !== ',') throw new Error(`expected ',' between labels, ${where}`)
      i++
    }
  }
  return labels
}

function unescape(s: string, quotes: boolean, where: string): string {
  return s.replace(/\\(.?)/g, (_, c: string) => {
    if (c === 'n') return '\n'
    if (c === '\\') return '\\'
    if (c === '"' && quotes) return '"'
    throw new Error(`bad escape '\\${c}', ${where}`)
  })
}

/** As Go's strconv.ParseFloat, which Prometheus uses: NaN and Inf in any case (prom-client writes 'Nan'). */
function parseValue(raw: string, where: string): number {
  if (/^nan$/i.test(raw)) return Number.NaN
  const inf = /^([-+]?)inf(inity)?$/i.exec(raw)
  if (inf) return inf[1] === '-' ? -Infinity : Infinity
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`bad value '${raw}', ${where}`)
  return Number(raw)
}

/** The value of one series; undefined when the family or the series is absent. */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue
      const keys = Object.keys(labels)
      if (keys.length === Object.keys(s.labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value
    }
  }
  return undefined
}
