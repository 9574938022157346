import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import {
  type Scenario,
  type SimLogger,
  backfill,
  createFailingFleet,
  createFleet,
  createModels,
  groundTruth,
  planScenario,
  runSimulator,
  truthToJson,
} from '../sim/index.js'

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
  --failures            cameras fail in every predictive-maintenance mode (overheating, disk
                        wear-out, disk full, PoE power, network, image, reboot loop) with the
                        precursors that really come first, some abruptly with none, among
                        confounders that are not failures (heatwaves, firmware-cohort reboots,
                        site-wide network blips, always-warm cameras, old counters, cards held
                        near full, missing reports, skewed clocks). The scenario spans the
                        backfill and the next 30 days.
  --failure-rate <r>    expected failures per camera and 30 days, per mode (default 0.01;
                        real fleets see far fewer, this is for demos and evaluation)
  --truth <file.json>   with --failures: write the ground truth (which camera fails in which
                        mode, when, and every confounder) to this file
  -h, --help            show this help`

export interface SimCliOptions {
  server: string
  token: string | undefined
  cameras: number
  seed: number
  intervalS: number
  backfillHours: number
  register: boolean
  /** Live through a failure scenario (absent: a healthy fleet, as the demo runs). */
  failures?: boolean
  failureRate?: number
  truthFile?: string
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
      failures: { type: 'boolean' },
      'failure-rate': { type: 'string' },
      truth: { type: 'string' },
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
  if (values.truth !== undefined && !values.failures) throw new TypeError('--truth needs --failures')
  return {
    server: server.replace(/\/+$/, ''),
    token: values.token ?? env.CAMTEL_TOKEN,
    cameras: Math.round(num('cameras', values.cameras, 200, 1, 100_000)),
    seed: Math.round(num('seed', values.seed, 1, 0, 2 ** 31)),
    intervalS: num('interval', values.interval, 10, 0.1, 86_400),
    backfillHours: num('backfill', values.backfill, 0, 0, 24 * 90),
    register: !values['no-register'],
    failures: values.failures === true,
    failureRate: num('failure-rate', values['failure-rate'], 0.01, 0, 1),
    truthFile: values.truth,
  }
}

const fields = (obj: Record<string, unknown>) => (Object.keys(obj).length > 0 ? ` ${JSON.stringify(obj)}` : '')
const consoleLogger: SimLogger = {
  info: (obj, msg) => console.log(`sim: ${msg}${fields(obj)}`),
  warn: (obj, msg) => console.warn(`sim: ${msg}${fields(obj)}`),
}

/** Runs a simulator until the signal aborts: an optional backfill, then live reports. */
export async function simulate(o: SimCliOptions, signal: AbortSignal, logger = consoleLogger, now = Date.now()): Promise<void> {
  const scenario = o.failures ? failureScenario(o, now, logger) : undefined
  const common = { server: o.server, token: o.token, cameras: o.cameras, seed: o.seed, signal, logger, scenario }
  let register = o.register
  if (o.backfillHours > 0) {
    // History first, oldest to newest, then the present: the server sees time move forward, and
    // every camera is registered in its site before its first report.
    const r = await backfill({ ...common, hours: o.backfillHours, register })
    logger.info({ reports: r.reports }, 'history backfilled')
    register = false
  }
  if (signal.aborted) return
  await runSimulator({ ...common, intervalS: o.intervalS, register })
}

const DAY = 86_400_000

/** Plans failures over the backfill and the next 30 days; writes the ground truth when asked. */
export function failureScenario(o: SimCliOptions, now: number, logger: SimLogger): Scenario {
  const fleet = createFleet({ cameras: o.cameras, seed: o.seed })
  const from = now - o.backfillHours * 3_600_000
  const scenario = planScenario(fleet, createModels(fleet), { from, to: now + 30 * DAY, seed: o.seed, failureRate: o.failureRate ?? 0.01, quietDays: 3 })
  const truth = groundTruth(fleet, scenario, createFailingFleet(fleet, scenario))
  if (o.truthFile !== undefined) writeFileSync(o.truthFile, `${JSON.stringify(truthToJson(truth), null, 2)}\n`)
  logger.info(
    { failures: truth.failures.length, confounders: truth.confounders.length, ...(o.truthFile !== undefined ? { truth: o.truthFile } : {}) },
    'failure scenario planned',
  )
  return scenario
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
