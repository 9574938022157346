import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStoreContract } from '../test-support/store-contract.js'
import { openSqliteStore } from './index.js'

let dir: string | undefined

runStoreContract('SQLite', {
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'camtel-store-'))
    return openSqliteStore({ dataDir: dir })
  },
  async reopen(store) {
    await store.close()
    return openSqliteStore({ dataDir: dir as string })
  },
  async cleanup() {
    if (dir) rmSync(dir, { recursive: true, force: true })
  },
})
