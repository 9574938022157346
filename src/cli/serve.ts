import { type Config, loadConfig } from '../config/index.js'
import { type CamtelServer, createServer } from '../server/app.js'
import { configFlagsHelp, parse, serverFlagOptions, stringFlags } from './args.js'

export async function runServe(argv: string[]): Promise<void> {
  const { values } = parse(argv, serverFlagOptions())
  if (values.help) {
    console.log(`Usage: camtel serve [options]\n\nRuns the camtel server.\n\nOptions (flag, environment variable, meaning):\n${configFlagsHelp()}`)
    return
  }
  const config = loadConfig({ flags: stringFlags(values), configFile: values.config as string | undefined })
  const server = await startServer(config)
  announce(server)
}

/** Starts a server and stops it cleanly on SIGINT/SIGTERM. */
export async function startServer(config: Config, onStop?: () => Promise<void>): Promise<CamtelServer> {
  const server = await createServer(config)
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    server.app.log.info({ signal }, 'shutting down')
    await onStop?.()
    await server.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
  await server.listen()
  return server
}

export function announce(server: CamtelServer): void {
  const { config, admin } = server
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${(server.app.server.address() as { port: number }).port}`
  const lines = [`camtel listening on ${url} (data: ${config.data}, store: ${server.store.kind})`]
  if (admin.generated) {
    lines.push(
      '',
      'An admin token was generated. It is shown this once and kept in',
      `  ${admin.file}`,
      `  ${admin.generated}`,
      `Use it as: curl -H 'Authorization: Bearer <token>' ${url}/api/v1/cameras`,
      '',
    )
  }
  if (config.auth === 'off') lines.push('WARNING: authentication is OFF (CAMTEL_AUTH=off). Anyone who can reach this address has full access.')
  console.log(lines.join('\n'))
}
