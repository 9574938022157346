import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'

/**
 * The only place that reads process.env. Precedence: flags > CAMTEL_* environment > config file
 * > defaults. A bad value stops start-up with a ConfigError naming the key.
 */
export interface Config {
  host: string
  port: number
  data: string
  db: string | undefined
  bus: string | undefined
  mqtt: string | undefined
  /** MQTT topic filter to subscribe to. */
  mqttTopic: string
  auth: 'on' | 'off'
  adminToken: string | undefined
  /** Default offline timeout, seconds. */
  offlineAfter: number
  /** Stream events stay replayable this long after they were logged, seconds. */
  replayAge: number
  /** ... and while among the last this many. */
  replayEvents: number
  /** A report arriving this many seconds after its ts is late. */
  lateAfter: number
  /** Webhook for alert and incident notifications. */
  notifyUrl: string | undefined
  /** HMAC secret that signs notifications. */
  notifySecret: string | undefined
  /** Seconds an alert's notification waits for an incident to form around it. */
  notifyGroupWait: number
  /** Where requests to purge footage past a retention policy's maxDays go (VMS or cloud). */
  purgeUrl: string | undefined
  /** HMAC secret that signs purge requests (required with purgeUrl). */
  purgeSecret: string | undefined
  /** The work-order system tickets are POSTed to; unset: work orders are off. */
  workorderUrl: string | undefined
  /** HMAC secret that signs work orders (required with workorderUrl). */
  workorderSecret: string | undefined
  retentionRaw: number
  retention1m: number
  retention1h: number
  logLevel: string
  /** fsync every commit (full) or rely on the OS after a process crash (normal). */
  sync: 'full' | 'normal'
  /** Failed authentications per address and minute before it gets 429. */
  authFailures: number
  /** Dashboard sessions end after this long unused (seconds) ... */
  sessionIdle: number
  /** ... and after this long in any case (seconds). */
  sessionMax: number
  /** Requests per minute per token or session; 0 = no limit. */
  tokenRateLimit: number
  /** Trust X-Forwarded-For from a load balancer (for per-address limits). */
  trustProxy: boolean
  /** Mark the session cookie Secure (serve behind HTTPS). */
  secureCookie: boolean
  /** Licence plan: `professional` has no predictive maintenance unless the `predictive` add-on is on. */
  plan: 'enterprise' | 'professional'
  /** Add-ons bought on top of the plan (`predictive`). */
  addons: string[]
  /** A tile server under the dashboard's map (`…/{z}/{x}/{y}.png`); unset: the bundled country outlines. */
  tileUrl: string | undefined
  /** The attribution those tiles require. */
  tileAttribution: string | undefined
}

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`configuration ${key}: ${message}`)
    this.name = 'ConfigError'
  }
}

type Parser<T> = (raw: string, key: string) => T

const str: Parser<string> = (raw) => raw
const optStr: Parser<string | undefined> = (raw) => (raw === '' ? undefined : raw)

const int =
  (min: number, max: number): Parser<number> =>
  (raw, key) => {
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(key, `'${raw}' is not an integer from ${min} to ${max}`)
    return n
  }

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw, key) => {
    if (!(values as string[]).includes(raw)) throw new ConfigError(key, `'${raw}' is not one of ${values.join(', ')}`)
    return raw as T
  }

const url =
  (...schemes: string[]): Parser<string | undefined> =>
  (raw, key) => {
    if (raw === '') return undefined
    let u: URL
    try {
      u = new URL(raw)
    } catch {
      throw new ConfigError(key, `'${raw}' is not a URL`)
    }
    if (!schemes.includes(u.protocol.replace(/:$/, ''))) {
      throw new ConfigError(key, `'${raw}' must use ${schemes.map((s) => `${s}://`).join(' or ')}`)
    }
    return raw
  }

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 }

/** Parses `90s`, `5m`, `7d`, `2y`, or plain seconds; answers seconds. */
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)?$/.exec(raw.trim())
  if (!m) return undefined
  const value = Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] ?? 1)
  return Number.isFinite(value) && value > 0 ? value : undefined
}

const durationOrZero: Parser<number> = (raw, key) => (/^0+(ms|s|m|h|d)?$/.test(raw.trim()) ? 0 : duration(raw, key))

const duration: Parser<number> = (raw, key) => {
  const s = parseDuration(raw)
  if (s === undefined) throw new ConfigError(key, `'${raw}' is not a duration such as 90s, 5m, 7d`)
  return s
}

const ADDONS = ['predictive']
const addonList: Parser<string[]> = (raw, key) => {
  const items = raw.split(',').map((x) => x.trim()).filter((x) => x !== '')
  const unknown = items.filter((x) => !ADDONS.includes(x))
  if (unknown.length > 0) throw new ConfigError(key, `unknown add-on '${unknown.join(', ')}'; known: ${ADDONS.join(', ')}`)
  return [...new Set(items)]
}

/** A tile URL template: http(s) or a path on this host, with {z}, {x} and {y}. */
const tileTemplate: Parser<string | undefined> = (raw, key) => {
  if (raw === '') return undefined
  if (!/^(https?:\/\/[^/\s]+)?\/\S*$/.test(raw)) throw new ConfigError(key, `'${raw}' must be an http(s) URL or a path starting with /`)
  const missing = ['{z}', '{x}', '{y}'].filter((p) => !raw.includes(p))
  if (missing.length > 0) throw new ConfigError(key, `'${raw}' lacks ${missing.join(', ')}; e.g. https://tiles.example.internal/{z}/{x}/{y}.png`)
  return raw
}

const bool: Parser<boolean> = (raw, key) => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  throw new ConfigError(key, `'${raw}' is not true or false`)
}

interface Field<T> {
  env: string
  parse: Parser<T>
  default: T
  description: string
}

const f = <T>(env: string, parse: Parser<T>, def: T, description: string): Field<T> => ({ env, parse, default: def, description })

/** Every setting, its environment variable, parser, default and meaning. README's table follows this. */
export const FIELDS: { [K in keyof Config]: Field<Config[K]> } = {
  host: f('CAMTEL_HOST', str, '0.0.0.0', 'address to listen on'),
  port: f('CAMTEL_PORT', int(0, 65535), 8080, 'HTTP port'),
  data: f('CAMTEL_DATA', str, './data', 'data folder (SQLite database, generated admin token)'),
  db: f('CAMTEL_DB', url('postgres', 'postgresql'), undefined, 'unset: SQLite in the data folder; postgres://… : PostgreSQL (not built yet: refused at start)'),
  bus: f('CAMTEL_BUS', url('nats'), undefined, 'unset: in-process event log; nats://… : NATS JetStream (not built yet: refused at start)'),
  mqtt: f('CAMTEL_MQTT', url('mqtt', 'mqtts', 'tcp', 'ws', 'wss'), undefined, 'MQTT broker to take telemetry from'),
  mqttTopic: f('CAMTEL_MQTT_TOPIC', str, 'camtel/+/+/telemetry', 'MQTT topic filter'),
  auth: f('CAMTEL_AUTH', oneOf('on', 'off'), 'on', '`off` only for local demos; refused on non-loopback addresses'),
  adminToken: f('CAMTEL_ADMIN_TOKEN', optStr, undefined, 'first admin token; generated and printed once if unset'),
  offlineAfter: f('CAMTEL_OFFLINE_AFTER', duration, 60, 'seconds without a report before a camera is offline'),
  replayAge: f('CAMTEL_REPLAY_AGE', duration, 24 * 3600, 'how long stream events stay replayable with `since`'),
  replayEvents: f('CAMTEL_REPLAY_EVENTS', int(1, 1_000_000_000), 1_000_000, 'how many of the latest stream events stay replayable'),
  lateAfter: f('CAMTEL_LATE_AFTER', duration, 300, 'a report arriving this long after its ts is late'),
  notifyUrl: f('CAMTEL_NOTIFY_URL', url('http', 'https'), undefined, 'webhook for alert and incident notifications'),
  notifySecret: f('CAMTEL_NOTIFY_SECRET', optStr, undefined, 'HMAC-SHA256 secret that signs notifications'),
  notifyGroupWait: f('CAMTEL_NOTIFY_GROUP_WAIT', durationOrZero, 30, 'how long an alert notification waits for an incident to form'),
  purgeUrl: f('CAMTEL_PURGE_URL', url('http', 'https'), undefined, 'endpoint asked to purge footage past a retention policy’s maxDays'),
  purgeSecret: f('CAMTEL_PURGE_SECRET', optStr, undefined, 'HMAC-SHA256 secret that signs purge requests (required with CAMTEL_PURGE_URL)'),
  workorderUrl: f('CAMTEL_WORKORDER_URL', url('http', 'https'), undefined, 'work-order system that maintenance tickets are POSTed to; unset: work orders are off'),
  workorderSecret: f('CAMTEL_WORKORDER_SECRET', optStr, undefined, 'HMAC-SHA256 secret that signs work orders (required with CAMTEL_WORKORDER_URL)'),
  retentionRaw: f('CAMTEL_RETENTION_RAW', duration, 7 * 86400, 'raw telemetry retention'),
  retention1m: f('CAMTEL_RETENTION_1M', duration, 90 * 86400, '1-minute rollup retention'),
  retention1h: f('CAMTEL_RETENTION_1H', duration, 2 * 365 * 86400, '1-hour rollup retention'),
  logLevel: f('CAMTEL_LOG_LEVEL', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'info', 'log level'),
  sync: f('CAMTEL_SYNC', oneOf('full', 'normal'), 'full', 'full: fsync each commit; normal: survive a process kill, not power loss'),
  authFailures: f('CAMTEL_AUTH_FAILURES', int(1, 1_000_000), 20, 'failed authentications per address and minute before 429'),
  sessionIdle: f('CAMTEL_SESSION_IDLE', duration, 12 * 3600, 'a dashboard session ends after this long unused'),
  sessionMax: f('CAMTEL_SESSION_MAX', duration, 7 * 86400, 'a dashboard session ends after this long in any case'),
  tokenRateLimit: f('CAMTEL_TOKEN_RATE_LIMIT', int(0, 1e9), 0, 'requests per minute per token or session; 0 = off'),
  trustProxy: f('CAMTEL_TRUST_PROXY', bool, false, 'trust X-Forwarded-For from a load balancer'),
  secureCookie: f('CAMTEL_SECURE_COOKIE', bool, false, 'mark the session cookie Secure (when served over HTTPS)'),
  plan: f('CAMTEL_PLAN', oneOf('enterprise', 'professional'), 'enterprise', '`professional` turns predictive maintenance off unless CAMTEL_ADDONS has `predictive`'),
  addons: f('CAMTEL_ADDONS', addonList, [], 'comma-separated add-ons on top of the plan: `predictive`'),
  tileUrl: f('CAMTEL_TILE_URL', tileTemplate, undefined, 'a tile server under the dashboard map, `https://…/{z}/{x}/{y}.png`; unset: the bundled country outlines'),
  tileAttribution: f('CAMTEL_TILE_ATTRIBUTION', optStr, undefined, 'attribution shown with those tiles, e.g. `© OpenStreetMap contributors`'),
}

/** Whether this plan includes predictive maintenance (DESIGN §11). */
export function predictionsEnabled(config: Pick<Config, 'plan' | 'addons'>): boolean {
  return config.plan === 'enterprise' || config.addons.includes('predictive')
}

/** Flag name (kebab-case) for a config key: offlineAfter -> --offline-after. */
export function flagName(key: string): string {
  return key.replace(/[A-Z0-9]+/g, (m) => `-${m.toLowerCase()}`)
}

export interface LoadOptions {
  /** Parsed command-line flags, keyed by flag name without dashes (`port`, `offline-after`). */
  flags?: Record<string, string | undefined>
  env?: Record<string, string | undefined>
  /** Path of a JSON config file (from --config). */
  configFile?: string
  /** Values a command sets before the user's (the demo turns auth off, binds loopback). */
  defaults?: Partial<Config>
  cwd?: string
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env
  const flags = opts.flags ?? {}
  const fileValues = opts.configFile ? readConfigFile(opts.configFile) : {}
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(FIELDS) as Array<[keyof Config, Field<unknown>]>) {
    const flag = flags[flagName(key)]
    const fromEnv = env[field.env]
    const fromFile = fileValues[key]
    let value: unknown = opts.defaults && key in opts.defaults ? opts.defaults[key] : field.default
    if (fromFile !== undefined) value = field.parse(String(Array.isArray(fromFile) ? fromFile.join(',') : fromFile), `${key} (config file)`)
    if (fromEnv !== undefined) value = field.parse(fromEnv, field.env)
    if (flag !== undefined) value = field.parse(flag, `--${flagName(key)}`)
    out[key] = value
  }
  const config = out as unknown as Config
  config.data = isAbsolute(config.data) ? config.data : resolve(opts.cwd ?? process.cwd(), config.data)
  return config
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError('--config', `cannot read ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ConfigError('--config', `${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('--config', `${path} must hold a JSON object`)
  }
  for (const key of Object.keys(parsed)) {
    if (!(key in FIELDS)) throw new ConfigError(key, `unknown key in ${path}; known keys: ${Object.keys(FIELDS).join(', ')}`)
  }
  return parsed as Record<string, unknown>
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
