/**
 * The writer thread: owns the write connection. Write batches and event appends that queued up
 * while it was busy commit together, in the order they came, each in its own savepoint: one fsync for several batches when ingest is
 * heavy, and each batch's answer still comes only after its commit. Batches go before the
 * background work queued with them (rollup steps, retention, snapshots), which waits for
 * nothing a batch does: an acknowledgement is never held up behind a rollup step.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { openWriteConnection } from './connection.js'
import { WriteCore } from './write-core.js'
import type { WriterAnswer, WriterRequest, WriterThreadData } from './writer.js'

type WriteRequest = Extract<WriterRequest, { op: 'write' | 'appendEvents' | 'execute' }>

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
  // Event appends and other stores' statements (alerts) go with the writes, in order: event ids
  // follow the order of the calls.
  const writes = queue.filter(isWrite)
  const others = queue.filter((r) => !isWrite(r))
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
      if (req.op === 'trimEvents') return core.trimEvents(req.oldest, req.maxRows)
      throw new Error('unknown writer request')
    })
  }
  if (queue.length > 0 && !scheduled) {
    scheduled = true
    setImmediate(drain)
  }
}

function isWrite(r: WriterRequest): r is WriteRequest {
  return r.op === 'write' || r.op === 'appendEvents' || r.op === 'execute'
}

function step(r: WriteRequest): () => unknown {
  if (r.op === 'execute') return () => core.execute(r.statements)
  return r.op === 'write' ? () => core.write(r.batch, r.events) : () => core.appendEvents(r.rows, r.at)
}

function writeGroup(group: WriteRequest[]): void {
  if (group.length === 1) {
    const only = group[0] as WriteRequest
    run(only.id, step(only))
    return
  }
  let results: unknown[]
  try {
    results = core.writeGroup(group.map(step))
  } catch (err) {
    // The commit itself failed: none of the group is stored.
    for (const g of group) reply({ id: g.id, ...failure(err) })
    return
  }
  group.forEach((g, k) => {
    const r = results[k]
    if (r instanceof Error) reply({ id: g.id, ...failure(r) })
    else reply({ id: g.id, ok: true, result: r }, transferOf(r))
  })
}

/** A batch's outcome bytes go back by transfer. */
function transferOf(result: unknown): ArrayBuffer[] {
  const outcomes = (result as { outcomes?: unknown } | undefined)?.outcomes
  return outcomes instanceof Uint8Array ? [outcomes.buffer as ArrayBuffer] : []
}

function run(id: number, fn: () => unknown): void {
  let result: unknown
  try {
    result = fn()
  } catch (err) {
    reply({ id, ...failure(err) })
    return
  }
  reply({ id, ok: true, result }, transferOf(result))
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
