/**
 * The server under test, in its own process: the configuration comes from CAMTEL_* variables
 * like `camtel serve`, and the bench learns the address from the first line on stdout.
 * SIGTERM closes it cleanly, which checkpoints the WAL, so the data folder can then be measured.
 */
import { loadConfig } from '../../src/config/index.js'
import { createServer } from '../../src/server/app.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'

const config = loadConfig({ env: process.env })
// BENCH_WRITER=inline compares the store writing on the event loop with its writer thread.
const store = openSqliteStore({ dataDir: config.data, sync: config.sync, writerThread: process.env.BENCH_WRITER !== 'inline' })
const server = await createServer(config, { store })
const url = await server.listen()
process.stdout.write(`${JSON.stringify({ url })}\n`)

let closing = false
process.on('SIGTERM', () => {
  if (closing) return
  closing = true
  server
    .close()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      console.error(err)
      process.exit(1)
    })
})
