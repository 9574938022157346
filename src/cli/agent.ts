import { hostname } from 'node:os'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { type AgentOptions, startAgent } from '../agent/index.js'
import { type SnmpTarget, parseSnmpTargets } from '../agent/sources/snmp-targets.js'

const HELP = `Usage: camtel agent --server <url> --token <token> --buffer <dir> [sources] [options]

Runs near the cameras: takes their reports, writes each to a durable buffer on disk before
anything else, and uploads them to the camtel server in batches. Through an outage it keeps
buffering; afterwards live reports go first and the backlog drains behind them, oldest first,
without loss or duplicates. See docs/agent.md.

Server:
  --server <url>          camtel server base URL (default CAMTEL_SERVER)
  --token <token>         token with the ingest role for the server (default CAMTEL_TOKEN)

Buffer:
  --buffer <dir>          buffer folder (required)
  --buffer-cap <size>     size cap, e.g. 512MiB, 2GiB (default 1GiB); past it the oldest
                          reports are dropped and the gap recorded on the server
  --sync <mode>           full: fsync every commit (default); normal: survives a kill, not
                          a power cut
  --dedup-window <s>      a sender's retry of a report within this time is answered as a
                          duplicate, not buffered twice (default 600)

Sources (any number):
  --listen <port>         receive POST /api/v1/telemetry (JSON, NDJSON) and /api/v1/write
                          (line protocol), as the server does
  --listen-host <addr>    address to listen on (default 127.0.0.1)
  --listen-token <token>  require this bearer token from senders (default: none)
  --mqtt <url>            take reports from an MQTT broker, e.g. mqtt://127.0.0.1:1883
  --mqtt-topic <filter>   topic filter (default camtel/+/+/telemetry)
  --sim <n>               simulate n cameras
  --interval <s>          seconds between two reports of a simulated camera (default 10)
  --seed <n>              simulated fleet seed (default 1)
  --snmp <targets>        poll cameras over SNMP v2c, id=host[:port] comma-separated, e.g.
                          lobby-1=10.0.4.21,gate-2=10.0.4.22:1161 (sysUpTime, AXIS-VIDEO-MIB
                          temperatures)
  --snmp-community <c>    SNMP community (default public)
  --snmp-interval <s>     seconds between two polls of a camera (default 30)

Uplink and health:
  --name <name>           the agent's name: it reports as camera agent:<name> (default: host name)
  --health-interval <s>   seconds between two health reports (default 10)
  --batch <n>             reports per upload at most (default 1000)
  --backlog-rate <n>      backlog drain bound, reports per second (default 10000)
  --retry-min <s>         first retry delay after a failed upload (default 0.5)
  --retry-max <s>         longest retry delay (default 30)
  --log-level <level>     fatal, error, warn, info, debug, silent (default info)
  -h, --help              show this help`

/** `1GiB`, `512MiB`, `100MB`, `64k` or plain bytes. */
export function parseBytes(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?$/i.exec(raw.trim())
  if (!m) return undefined
  const power = ' kmgt'.indexOf((m[2] ?? '').toLowerCase() || ' ')
  const n = Number(m[1]) * (m[3] ? 1024 : 1000) ** power
  return Number.isFinite(n) ? Math.floor(n) : undefined
}

export function parseAgentArgs(argv: string[], env: Record<string, string | undefined> = process.env): (AgentOptions & { logLevel: string }) | 'help' {
  const s = { type: 'string' } as const
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      server: s, token: s, buffer: s, 'buffer-cap': s, sync: s, 'dedup-window': s,
      listen: s, 'listen-host': s, 'listen-token': s, mqtt: s, 'mqtt-topic': s, sim: s, interval: s, seed: s,
      snmp: s, 'snmp-community': s, 'snmp-interval': s,
      name: s, 'health-interval': s, batch: s, 'backlog-rate': s, 'retry-min': s, 'retry-max': s, 'log-level': s,
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return 'help'
  const fail = (msg: string): never => {
    // The code makes the command line say the message and exit 2, as for parseArgs' own errors.
    throw Object.assign(new TypeError(msg), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
  }
  const num = (name: keyof typeof values, def: number, min: number, max: number): number => {
    const raw = values[name]
    if (raw === undefined) return def
    const n = Number(raw)
    return Number.isFinite(n) && n >= min && n <= max ? n : fail(`--${name} must be a number from ${min} to ${max}, not '${String(raw)}'`)
  }
  const server = values.server ?? env.CAMTEL_SERVER ?? fail('--server is required (or CAMTEL_SERVER)')
  if (!URL.canParse(server)) fail(`--server '${server}' is not a URL`)
  const token = values.token ?? env.CAMTEL_TOKEN ?? fail('--token is required (or CAMTEL_TOKEN)')
  const bufferDir = values.buffer ?? fail('--buffer <dir> is required')
  const cap = values['buffer-cap'] === undefined ? 1024 ** 3 : parseBytes(values['buffer-cap'])
  if (cap === undefined || cap < 64 * 1024) fail(`--buffer-cap must be a size of at least 64KiB such as 512MiB or 2GiB, not '${values['buffer-cap']}'`)
  const name = values.name ?? hostname().replace(/[^A-Za-z0-9._-]/g, '-')
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) fail(`--name must be 1-100 characters of A-Za-z0-9._-, not '${name}'`)
  if (values.sync !== undefined && values.sync !== 'full' && values.sync !== 'normal') fail('--sync is full or normal')
  if (values.mqtt !== undefined && !URL.canParse(values.mqtt)) fail(`--mqtt '${values.mqtt}' is not a URL`)
  const snmpTargets = values.snmp === undefined ? undefined : parseSnmpTargets(values.snmp)
  if (typeof snmpTargets === 'string') fail(`--snmp: ${snmpTargets}`)
  const logLevel = values['log-level'] ?? 'info'
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) fail(`--log-level '${logLevel}' is not a level`)
  const retryMin = num('retry-min', 0.5, 0.01, 3600)
  return {
    server: server.replace(/\/+$/, ''),
    token,
    bufferDir,
    name,
    bufferCapBytes: cap as number,
    sync: values.sync as 'full' | 'normal' | undefined,
    dedupWindowS: num('dedup-window', 600, 0, 86400),
    listen: values.listen === undefined ? undefined : { port: num('listen', 0, 0, 65535), host: values['listen-host'] ?? '127.0.0.1', token: values['listen-token'] },
    mqtt: values.mqtt === undefined ? undefined : { url: values.mqtt, topic: values['mqtt-topic'] ?? 'camtel/+/+/telemetry' },
    sim: values.sim === undefined ? undefined : { cameras: Math.round(num('sim', 0, 1, 1_000_000)), intervalS: num('interval', 10, 0.1, 86_400), seed: Math.round(num('seed', 1, 0, 2 ** 31)) },
    snmp: snmpTargets === undefined ? undefined : { targets: snmpTargets as SnmpTarget[], community: values['snmp-community'] ?? 'public', intervalS: num('snmp-interval', 30, 1, 86_400) },
    healthIntervalS: num('health-interval', 10, 0.1, 86_400),
    batchReports: Math.round(num('batch', 1000, 1, 100_000)),
    // Well under the server's 16 MiB: a batch of large reports is cut by size first.
    batchBytes: 4 * 1024 * 1024,
    backlogRate: num('backlog-rate', 10_000, 1, 10_000_000),
    retry: { minMs: retryMin * 1000, maxMs: Math.max(retryMin, num('retry-max', 30, 0.01, 86_400)) * 1000 },
    logLevel,
  }
}

export async function runAgent(argv: string[]): Promise<void> {
  const o = parseAgentArgs(argv)
  if (o === 'help') {
    console.log(HELP)
    return
  }
  const logger = pino({ level: o.logLevel, base: { service: 'camtel-agent', agent: o.name } })
  if (!o.listen && !o.mqtt && !o.sim && !o.snmp) logger.warn('no source (--listen, --mqtt, --sim, --snmp): only draining the buffer and reporting health')
  const agent = await startAgent({ ...o, logger })
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  logger.info('stopping; buffered reports stay for the next start')
  await agent.stop()
}
