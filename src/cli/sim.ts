import { parseArgs } from 'node:util'
import { type SimLogger, backfill, runSimulator } from '../sim/index.js'

const HELP = `Usage: camtel sim [options]

Runs a simulated camera fleet that sends telemetry to a camtel server through its public API.

Options:
  --server <url>        server base URL (default http://127.0.0.1:8080, or CAMTEL_SERVER)
  --token <token>       bearer token with the admin role to register the fleet, or ingest
                        role with --no-register (default CAMTEL_TOKEN)
  --cameras <n>         cameras in the fleet (default 200)
  --seed <n>            fleet seed: the same seed gives the same fleet (default 1)
  --interval <s>        seconds between two reports of a camera (default 10)
  --backfill <hours>    first send this many hours of history, one sample a minute (default 0)
  --no-register         do not PUT sites and cameras first
  -h, --help            show this help`

export interface SimCliOptions {
  server: string
  token: string | undefined
  cameras: number
  seed: number
  intervalS: number
  backfillHours: number
  register: boolean
}

export function parseSimArgs(argv: string[], env: Record<string, string | undefined> = process.env): SimCliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      cameras: { type: 'string' },
      seed: { type: 'string' },
      interval: { type: 'string' },
      backfill: { type: 'string' },
      'no-register': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return 'help'
  const num = (name: string, raw: string | undefined, def: number, min: number, max: number): number => {
    if (raw === undefined) return def
    const n = Number(raw)
    if (!Number.isFinite(n) || n < min || n > max) throw new TypeError(`--${name} must be a number from ${min} to ${max}, not '${raw}'`)
    return n
  }
  const server = values.server ?? env.CAMTEL_SERVER ?? 'http://127.0.0.1:8080'
  try {
    new URL(server)
  } catch {
    throw new TypeError(`--server '${server}' is not a URL`)
  }
  return {
    server: server.replace(/\/+$/, ''),
    token: values.token ?? env.CAMTEL_TOKEN,
    cameras: Math.round(num('cameras', values.cameras, 200, 1, 100_000)),
    seed: Math.round(num('seed', values.seed, 1, 0, 2 ** 31)),
    intervalS: num('interval', values.interval, 10, 0.1, 86_400),
    backfillHours: num('backfill', values.backfill, 0, 0, 24 * 90),
    register: !values['no-register'],
  }
}

const fields = (obj: Record<string, unknown>) => (Object.keys(obj).length > 0 ? ` ${JSON.stringify(obj)}` : '')
const consoleLogger: SimLogger = {
  info: (obj, msg) => console.log(`sim: ${msg}${fields(obj)}`),
  warn: (obj, msg) => console.warn(`sim: ${msg}${fields(obj)}`),
}

/** Runs a simulator until the signal aborts: an optional backfill, then live reports. */
export async function simulate(o: SimCliOptions, signal: AbortSignal, logger = consoleLogger): Promise<void> {
  const common = { server: o.server, token: o.token, cameras: o.cameras, seed: o.seed, signal, logger }
  // Live reports start at once; history fills in beside them, so the fleet is reporting at once.
  const live = runSimulator({ ...common, intervalS: o.intervalS, register: o.register })
  if (o.backfillHours > 0) {
    void backfill({ ...common, hours: o.backfillHours, register: false }).then(
      (r) => logger.info({ reports: r.reports }, 'history backfilled'),
      (err: unknown) => logger.warn({ error: (err as Error).message }, 'backfill stopped'),
    )
  }
  await live
}

export async function runSim(argv: string[]): Promise<void> {
  const o = parseSimArgs(argv)
  if (o === 'help') {
    console.log(HELP)
    return
  }
  const controller = new AbortController()
  process.once('SIGINT', () => controller.abort())
  process.once('SIGTERM', () => controller.abort())
  console.log(`camtel sim: ${o.cameras} cameras (seed ${o.seed}) -> ${o.server}, a report every ${o.intervalS}s per camera`)
  await simulate(o, controller.signal)
}
