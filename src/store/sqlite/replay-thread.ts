/**
 * The replay thread: reads pages of the event log (event-pages.ts) through a read-only
 * connection of its own and hands them to the main thread, buffers and all, without copying.
 * A replay's lookups and the rebuilding of its messages run here, beside the event loop that
 * sends the pages, rather than in it (replay-reader.ts).
 */
import type { Database } from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import { EventPageReader, type MetricNameSource, openReader, transferablesOf } from './event-pages.js'
import type { ReplayAnswer, ReplayRequest, ReplayThreadData } from './replay-reader.js'

const port = parentPort
if (!port) throw new Error('replay-thread.ts runs as a worker thread')
const data = workerData as ReplayThreadData
const db = openReader(data.file)
const pages = new EventPageReader(db, metricNamesOf(db), true)

port.on('message', (req: ReplayRequest) => {
  if (req.op === 'close') {
    db.close()
    port.postMessage({ id: req.id, ok: true } satisfies ReplayAnswer)
    port.close()
    return
  }
  try {
    const page = pages.read(req.from, req.max, req.camerasAsOf)
    port.postMessage({ id: req.id, ok: true, page } satisfies ReplayAnswer, transferablesOf(page))
  } catch (err) {
    port.postMessage({ id: req.id, ok: false, message: (err as Error).message } satisfies ReplayAnswer)
  }
})

/** The metric dictionary as this connection reads it; read again when a page meets a name it lacks. */
function metricNamesOf(db: Database): MetricNameSource {
  const all = db.prepare('SELECT id, name FROM metric_names').raw()
  let names = new Map<number, string>()
  const reload = () => {
    names = new Map(all.all() as Array<[number, string]>)
  }
  reload()
  return { nameOf: (id) => names.get(id), reload }
}
