import { Transform } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ServerMetrics } from '../../core/metrics.js'
import type { IngestPipeline, IngestSource } from '../../ingest/pipeline.js'
import { type RawItem, UnreadableBodyError, parseJsonBatch, parseLineProtocol, parseNdjson } from '../../ingest/parsers.js'
import { BatchAnswer, ErrorBody } from '../../protocol/api.js'
import { principalOf } from '../auth/guard.js'
import { AppError, badRequest } from '../errors.js'
import type { Clock } from '../../core/clock.js'

/** DESIGN §2: over 16 MiB gets 413, and nothing of it is kept. */
export const MAX_INGEST_BODY = 16 * 1024 * 1024
/** More reports than this in one batch is refused whole: 16 MiB of `{},` would otherwise be 5 million rejections to list. */
export const MAX_BATCH_REPORTS = 100_000

export interface TelemetryRouteDeps {
  pipeline: IngestPipeline
  metrics: ServerMetrics
  clock: Clock
}

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'])

export async function telemetryRoutes(app: FastifyInstance, deps: TelemetryRouteDeps): Promise<void> {
  // The ingest routes read the raw bytes and parse them themselves: one parser per format,
  // shared with MQTT, and the 16 MiB limit applies to every content type.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_INGEST_BODY }, (_req, body, done) => done(null, body))
  // Gateways and Telegraf's InfluxDB v2 output gzip their bodies by default.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase()
    if (encoding === '' || encoding === 'identity') return payload
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      deps.metrics.bodiesRejected.inc({ source: req.url.startsWith('/api/v1/write') ? 'line' : 'json', reason: 'encoding' })
      throw badRequest(`content encoding '${encoding}' is not supported: send the body as it is, or gzip it`, 'unsupported_encoding')
    }
    return gunzipped(payload)
  })

  const answer = { 200: BatchAnswer, '4xx': ErrorBody }

  app.post(
    '/api/v1/telemetry',
    {
      bodyLimit: MAX_INGEST_BODY,
      config: { permission: 'telemetry:write' },
      schema: {
        summary: 'Send telemetry reports',
        description:
          'Body `{"reports":[...]}` as application/json, or NDJSON (application/x-ndjson), one report a line. ' +
          'Good reports are kept even when others are rejected; the answer comes once the batch is durable.',
        tags: ['telemetry'],
        response: answer,
      },
    },
    async (req) => {
      const type = mediaType(req)
      const body = bodyOf(req)
      if (type === 'application/json') return ingest(req, deps, 'json', () => parseJsonBatch(body))
      if (NDJSON_TYPES.has(type)) return ingest(req, deps, 'ndjson', () => parseNdjson(body))
      deps.metrics.bodiesRejected.inc({ source: 'json', reason: 'media_type' })
      throw badRequest(`content type '${type}' is not application/json or application/x-ndjson`, 'unsupported_media_type')
    },
  )

  app.post(
    '/api/v1/write',
    {
      bodyLimit: MAX_INGEST_BODY,
      config: { permission: 'telemetry:write' },
      schema: {
        summary: 'Send telemetry as InfluxDB line protocol',
        description: '`camera,camera_id=lobby-03 fps=24.8,temperature_c=51.5 <ts>`; tag camera_id required, optional tag seq.',
        tags: ['telemetry'],
        querystring: {
          type: 'object',
          properties: { precision: { type: 'string', enum: ['ns', 'n', 'us', 'u', 'ms', 's', 'm', 'h'] } },
        },
        response: answer,
      },
    },
    async (req) => {
      const precision = (req.query as { precision?: string }).precision
      const body = bodyOf(req)
      return ingest(req, deps, 'line', () => parseLineProtocol(body, { precision, now: deps.clock.now() }))
    },
  )
}

async function ingest(req: FastifyRequest, deps: TelemetryRouteDeps, source: IngestSource, parse: () => RawItem[]) {
  let items: RawItem[]
  try {
    items = parse()
  } catch (err) {
    if (err instanceof UnreadableBodyError) {
      deps.metrics.bodiesRejected.inc({ source, reason: 'unreadable' })
      throw new AppError(400, 'unreadable_body', err.message)
    }
    throw err
  }
  if (items.length > MAX_BATCH_REPORTS) {
    deps.metrics.bodiesRejected.inc({ source, reason: 'too_many_reports' })
    throw new AppError(413, 'batch_too_large', `a batch may hold at most ${MAX_BATCH_REPORTS} reports, this one has ${items.length}`)
  }
  return deps.pipeline.ingest(items, { principal: principalOf(req), source })
}

function mediaType(req: FastifyRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

function bodyOf(req: FastifyRequest): Buffer {
  if (!Buffer.isBuffer(req.body)) throw badRequest('a request body is required', 'empty_body')
  return req.body
}

/**
 * The gzip body as it reads decompressed, at most MAX_INGEST_BODY bytes of it: past that the
 * stream fails with 413 and decompression stops (a small bomb must not inflate for long). A body
 * that is not gzip fails with 400. `receivedEncodedLength` is what Fastify checks against
 * Content-Length, which counts the compressed bytes.
 */
function gunzipped(payload: NodeJS.ReadableStream): NodeJS.ReadableStream {
  let encoded = 0
  let decoded = 0
  const gunzip = createGunzip()
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      decoded += chunk.length
      if (decoded > MAX_INGEST_BODY) {
        gunzip.destroy()
        return done(new AppError(413, 'payload_too_large', `the body decompresses to more than ${MAX_INGEST_BODY} bytes`))
      }
      done(null, chunk)
    },
  }) as Transform & { receivedEncodedLength: number }
  out.receivedEncodedLength = 0
  payload.on('data', (chunk: Buffer) => {
    encoded += chunk.length
    out.receivedEncodedLength = encoded
  })
  payload.on('error', (err: Error) => out.destroy(err))
  gunzip.on('error', (err: Error) => out.destroy(new AppError(400, 'unreadable_body', `the body is not valid gzip: ${err.message}`)))
  payload.pipe(gunzip).pipe(out)
  return out
}
