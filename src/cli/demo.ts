import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isLoopback, loadConfig } from '../config/index.js'
import { configFlagsHelp, parse, serverFlagOptions, stringFlags } from './args.js'
import { announce, startServer } from './serve.js'
import { simulate } from './sim.js'
import { WorkOrderDesk } from '../sim/workorder-desk.js'

const HELP = `Usage: camtel demo [options]

Runs the server with a simulated fleet (200 cameras over several sites) that reports through
the public API, with some history so that charts have data at once. The demo listens on
127.0.0.1 with authentication off, and says so; set CAMTEL_HOST to listen elsewhere, and
authentication then stays on. Its data goes to ./data/demo unless CAMTEL_DATA says otherwise.
Unless CAMTEL_WORKORDER_URL names a real work-order system, a simulated service desk on
127.0.0.1 takes the demo's work orders and reports their progress back.

Options:
  --cameras <n>   simulated cameras (default 200)
  --seed <n>      fleet seed (default 1)
  --interval <s>  seconds between two reports of a camera (default 10)
  --backfill <h>  hours of history to send at start (default 6)
${configFlagsHelp()}`

export async function runDemo(argv: string[]): Promise<void> {
  const options = {
    ...serverFlagOptions(),
    cameras: { type: 'string' as const },
    seed: { type: 'string' as const },
    interval: { type: 'string' as const },
    backfill: { type: 'string' as const },
  }
  const { values } = parse(argv, options)
  if (values.help) {
    console.log(HELP)
    return
  }
  const flags = stringFlags(values)
  const host = flags.host ?? process.env.CAMTEL_HOST ?? '127.0.0.1'
  // A work-order system to send tickets to, unless a real one is configured (docs/workorders.md).
  const desk = new WorkOrderDesk()
  await desk.start()
  const config = loadConfig({
    flags,
    configFile: flags.config,
    // Auth off only where DESIGN §10 allows it: on loopback. Elsewhere the demo keeps auth on.
    defaults: { host: '127.0.0.1', data: './data/demo', auth: isLoopback(host) ? 'off' : 'on', workorderUrl: desk.url, workorderSecret: desk.secret },
  })
  const deskInUse = config.workorderUrl === desk.url
  if (!deskInUse) await desk.stop()
  const controller = new AbortController()
  const server = await startServer(config, async () => {
    controller.abort()
    await desk.stop()
  })
  announce(server)
  const port = (server.app.server.address() as { port: number }).port
  const token = config.auth === 'on' ? (config.adminToken ?? server.admin.generated ?? readAdminToken(config.data)) : undefined
  const target = `http://${isLoopback(config.host) ? config.host : '127.0.0.1'}:${port}`
  if (deskInUse) {
    desk.connect(target, token)
    console.log(`camtel demo: work orders go to a simulated service desk (${desk.url}), which reports their progress back.`)
  }
  const cameras = Number(flags.cameras ?? 200)
  console.log(`camtel demo: simulating ${cameras} cameras; open ${target.replace('127.0.0.1', 'localhost')} in a browser. Ctrl-C stops.`)
  await simulate(
    {
      server: target,
      token,
      cameras,
      seed: Number(flags.seed ?? 1),
      intervalS: Number(flags.interval ?? 10),
      backfillHours: Number(flags.backfill ?? 6),
      register: true,
    },
    controller.signal,
    { info: () => undefined, warn: (obj, msg) => server.app.log.warn({ ...obj, module: 'sim' }, msg) },
  )
}

function readAdminToken(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()
  } catch {
    return undefined
  }
}
