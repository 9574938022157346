/**
 * The server under test, in its own process, configured by CAMTEL_* variables like
 * `camtel serve`; the first line on stdout is `{"url": ...}`. SIGTERM closes it cleanly.
 */
import { loadConfig } from '../../src/config/index.js'
import { createServer } from '../../src/server/app.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'

const config = loadConfig({ env: process.env })
// --inline-writer: the store writes on the main thread, to tell its effect on latency apart.
const store = process.env.BENCH_INLINE_WRITER === '1' ? openSqliteStore({ dataDir: config.data, sync: config.sync, writerThread: false }) : undefined
const server = await createServer(config, { store })
const url = await server.listen()
process.stdout.write(`${JSON.stringify({ url })}\n`)

process.once('SIGTERM', () => {
  server
    .close()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      console.error(err)
      process.exit(1)
    })
})
