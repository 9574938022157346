import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStoreContract } from '../test-support/store-contract.js'
import { openSqliteStore } from './index.js'

// The same contract with writes on the caller's thread (what an in-memory store does), so that
// both writers — thread and inline — are held to it.
let dir: string | undefined

runStoreContract('SQLite, inline writer', {
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'camtel-store-inline-'))
    return openSqliteStore({ dataDir: dir, writerThread: false })
  },
  async reopen(store) {
    await store.close()
    return openSqliteStore({ dataDir: dir as string, writerThread: false })
  },
  async cleanup() {
    if (dir) rmSync(dir, { recursive: true, force: true })
  },
})
