/**
 * Benchmarks: `npm run bench -- <name> [flags]`. Each prints its figures and what it ran on;
 * docs/benchmarks.md keeps the results.
 */
import { runAgentBench } from './agent.js'
import { runDashboardBench } from './dashboard.js'
import { runIngestBench } from './ingest/run.js'
import { runStreamBench } from './stream.js'

const BENCHES: Record<string, { summary: string; run: (argv: string[]) => Promise<void> }> = {
  ingest: { summary: 'HTTP JSON + line protocol ingest: samples/s, ack latency, bytes per sample', run: runIngestBench },
  agent: { summary: 'edge agent: buffering rate and RSS, backlog drain time with live delay', run: runAgentBench },
  stream: { summary: 'live stream: ingest-to-console latency with 1,000 consoles, replay rate', run: runStreamBench },
  dashboard: { summary: 'dashboard in Chromium: load to markers and counts with 10,000 cameras, main-thread work under events', run: runDashboardBench },
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  const bench = name === undefined ? undefined : BENCHES[name]
  if (!bench) {
    const list = Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(8)} ${b.summary}`)
    console.error(['Usage: npm run bench -- <name> [--help]', '', 'Benchmarks:', ...list].join('\n'))
    process.exitCode = name === undefined || name === '--help' ? 0 : 2
    return
  }
  await bench.run(rest)
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error('bench failed:', err)
  process.exit(1)
})
