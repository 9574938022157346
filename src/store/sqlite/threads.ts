import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/**
 * Starts one of the store's threads, `<name>.ts` beside this file, or `.js` once compiled. Run
 * from TypeScript sources (tests, tsx), the thread registers tsx's loader before importing its
 * entry, as the main thread did.
 */
export function spawnStoreThread(name: 'writer-thread' | 'replay-thread', workerData: unknown): Worker {
  const fromSource = import.meta.url.endsWith('.ts')
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url)
  if (!fromSource) return new Worker(entry, { workerData })
  // The package's ESM entry: require.resolve names its CommonJS twin, which cannot register.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}
