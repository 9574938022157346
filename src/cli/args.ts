import { parseArgs } from 'node:util'
import { FIELDS, flagName } from '../config/index.js'

/** Flags that every server command takes: one per config key, plus --config and --help. */
export function serverFlagOptions() {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }
  for (const key of Object.keys(FIELDS)) options[flagName(key)] = { type: 'string' }
  return options
}

export function parse(argv: string[], options: ReturnType<typeof serverFlagOptions>) {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true })
}

export function configFlagsHelp(): string {
  const rows = Object.entries(FIELDS).map(([key, f]) => {
    const def = f.default === undefined ? '' : ` (default ${Array.isArray(f.default) ? f.default.join(',') || 'none' : String(f.default)})`
    return `  --${flagName(key).padEnd(18)} ${f.env.padEnd(24)} ${f.description}${def}`
  })
  return ['  --config <file.json>                       JSON file with any of the keys below (camelCase)', ...rows].join('\n')
}

/** Keeps only string values: parseArgs types booleans and strings together. */
export function stringFlags(values: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string') out[k] = v
  return out
}
