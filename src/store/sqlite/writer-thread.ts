/**
 * The writer thread: owns the write connection. Write batches that queued up while it was busy
 * commit together, each in its own savepoint: one fsync for several batches when ingest is
 * heavy, and each batch's answer still comes only after its commit. Batches go before the
 * background work queued with them (rollup steps, retention, snapshots), which waits for
 * nothing a batch does: an acknowledgement is never held up behind a rollup step.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { openWriteConnection } from './connection.js'
import { WriteCore } from './write-core.js'
import type { WriterAnswer, WriterRequest, WriterThreadData } from './writer.js'

/** Batches committed together at most. */
const GROUP_MAX = 4

const port = parentPort
if (!port) throw new Error('writer-thread.ts runs as a worker thread')
const data = workerData as WriterThreadData
const db = openWriteConnection(data.file, data.sync)
const core = new WriteCore(db)
const queue: WriterRequest[] = []
let scheduled = false

port.on('message', (req: WriterRequest) => {
  queue.push(req)
  if (!scheduled) {
    scheduled = true
    setImmediate(drain)
  }
})

function drain(): void {
  scheduled = false
  // What queued so far: writes in groups, then one piece of background work, and back to the
  // event loop, so that batches arriving meanwhile are next.
  const writes = queue.filter((r): r is Extract<WriterRequest, { op: 'write' }> => r.op === 'write')
  const others = queue.filter((r) => r.op !== 'write')
  queue.length = 0
  for (let i = 0; i < writes.length; i += GROUP_MAX) writeGroup(writes.slice(i, i + GROUP_MAX))
  const req = others.shift()
  queue.push(...others)
  if (req !== undefined) {
    if (req.op === 'close') {
      close(req.id)
      return
    }
    run(req.id, () => {
      if (req.op === 'saveLatest') return core.saveLatest(req.rows)
      if (req.op === 'rollUp') return core.rollUp(req.options)
      if (req.op === 'expire') return core.expire(req.tier, req.before, req.maxRows)
      throw new Error('unknown writer request')
    })
  }
  if (queue.length > 0 && !scheduled) {
    scheduled = true
    setImmediate(drain)
  }
}

function writeGroup(group: Array<Extract<WriterRequest, { op: 'write' }>>): void {
  if (group.length === 1) {
    const only = group[0] as (typeof group)[number]
    run(only.id, () => core.write(only.batch), true)
    return
  }
  let results: Array<Uint8Array | Error>
  try {
    results = core.writeGroup(group.map((g) => g.batch))
  } catch (err) {
    // The commit itself failed: none of the group is stored.
    for (const g of group) reply({ id: g.id, ...failure(err) })
    return
  }
  group.forEach((g, k) => {
    const r = results[k] as Uint8Array | Error
    if (r instanceof Error) reply({ id: g.id, ...failure(r) })
    else reply({ id: g.id, ok: true, result: r }, [r.buffer as ArrayBuffer])
  })
}

function run(id: number, fn: () => unknown, transferResult = false): void {
  let result: unknown
  try {
    result = fn()
  } catch (err) {
    reply({ id, ...failure(err) })
    return
  }
  reply({ id, ok: true, result }, transferResult ? [(result as Uint8Array).buffer as ArrayBuffer] : [])
}

function close(id: number): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)')
    db.close()
    reply({ id, ok: true, result: undefined })
  } catch (err) {
    reply({ id, ...failure(err) })
  }
  port?.close()
}

function reply(a: WriterAnswer, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(a, transfer)
}

function failure(err: unknown): { ok: false; message: string; code?: string } {
  const e = err instanceof Error ? err : new Error(String(err))
  const code = (e as { code?: unknown }).code
  return { ok: false, message: e.message, code: typeof code === 'string' ? code : undefined }
}
