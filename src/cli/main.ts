#!/usr/bin/env node
import { ConfigError } from '../config/index.js'
import { VERSION } from '../version.js'

// Each command's module is loaded when it runs: `camtel agent` on an edge box then holds none of
// the server's modules (about 18 MB of RSS).
const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<void> }> = {
  serve: { summary: 'run the server (SQLite in the data folder by default)', run: async (argv) => (await import('./serve.js')).runServe(argv) },
  demo: { summary: 'run the server with a simulated fleet of 200 cameras, auth off, on 127.0.0.1', run: async (argv) => (await import('./demo.js')).runDemo(argv) },
  sim: { summary: 'run a simulated fleet that sends telemetry to a server', run: async (argv) => (await import('./sim.js')).runSim(argv) },
  agent: { summary: 'run the edge agent: buffer reports on disk, upload them through outages', run: async (argv) => (await import('./agent.js')).runAgent(argv) },
}

function usage(): string {
  return [
    `camtel ${VERSION}: health telemetry for surveillance camera fleets`,
    '',
    'Usage: camtel <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`),
    '',
    "Run 'camtel <command> --help' for a command's options.",
  ].join('\n')
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return
  }
  if (name === '--version' || name === '-v') {
    console.log(VERSION)
    return
  }
  const command = COMMANDS[name]
  if (!command) {
    console.error(`camtel: unknown command '${name}'\n\n${usage()}`)
    process.exitCode = 2
    return
  }
  await command.run(rest)
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`camtel: ${err.message}`)
    process.exit(2)
  }
  if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`camtel: ${err.message}`)
    process.exit(2)
  }
  console.error('camtel: fatal:', err)
  process.exit(1)
})
