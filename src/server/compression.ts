import { Readable, pipeline } from 'node:stream'
import { promisify } from 'node:util'
import { constants, createGzip, gzip } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const gzipAsync = promisify(gzip)

/** Smaller answers are sent as they are: a header or two would eat the saving. */
const MIN_BYTES = 1024
/** Level 1: nearly the ratio of the default level on JSON, at a fraction of its CPU. */
const LEVEL = 1

const COMPRESSIBLE = /^(application\/(json|geo\+json|x-ndjson|javascript|xml)|text\/|image\/svg\+xml)/

/**
 * Gzips answers for clients that ask (`Accept-Encoding: gzip`): JSON, the dashboard's scripts,
 * styles and map outlines, the metrics page. A JSON answer is compressed in one go on the libuv
 * thread pool, not chunk by chunk, so that a large one (the camera list of a big fleet, 8 MB,
 * about 1 MB gzipped) costs one job off the event loop and small answers queued behind it are
 * not held up. Files are piped through gzip. Request bodies are never touched, and WebSocket
 * upgrades are hijacked before any of this runs.
 */
export function installCompression(app: FastifyInstance): void {
  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (!wantsGzip(req) || req.method === 'HEAD' || reply.statusCode === 204 || reply.statusCode === 304) return payload
    if (reply.getHeader('content-encoding') !== undefined) return payload
    const type = String(reply.getHeader('content-type') ?? '')
    if (!COMPRESSIBLE.test(type)) return payload
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
      const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload
      if (bytes.length < MIN_BYTES) return payload
      const zipped = await gzipAsync(bytes, { level: LEVEL })
      reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').header('content-length', zipped.length)
      return zipped
    }
    if (payload instanceof Readable) {
      const length = Number(reply.getHeader('content-length'))
      if (Number.isFinite(length) && length < MIN_BYTES) return payload
      reply.removeHeader('content-length')
      reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding')
      // Flushed at each chunk, so that an answer streamed slowly is never held back in gzip's buffer.
      // pipeline, not pipe: a source that fails (a file read error) destroys the gzip stream too,
      // so the answer is cut off and the connection closed instead of left hanging.
      const gz = createGzip({ level: LEVEL, flush: constants.Z_SYNC_FLUSH })
      pipeline(payload, gz, (err) => {
        if (err) req.log.warn({ err }, 'compressed answer cut off: its source failed')
      })
      return gz
    }
    return payload
  })
}

/** Whether the client takes gzip (and has not refused it with q=0). */
function wantsGzip(req: FastifyRequest): boolean {
  const header = req.headers['accept-encoding']
  if (typeof header !== 'string') return false
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';')
    if (name !== 'gzip' && name !== '*') return false
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  })
}
