import { timingSafeEqual } from 'node:crypto'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { type RawItem, UnreadableBodyError, parseJsonBatch, parseLineProtocol, parseNdjson } from '../../ingest/parsers.js'
import type { Intake } from '../intake.js'
import type { Source } from './source.js'

export interface HttpSourceOptions {
  port: number
  /** 127.0.0.1 unless the cameras are elsewhere on the network. */
  host: string
  /** When set, senders must present it as a bearer token. */
  token?: string
  logger: Logger
  /** The clock: timestamps of line protocol lines that carry none. */
  now: () => number
  /** What `GET /healthz` shows besides `ok`. */
  status?: () => Record<string, unknown>
}

/**
 * The server's limits (src/server/routes/telemetry.ts), so that what the agent takes the server
 * would take too. Not imported from there: that would load the server's HTTP layer into every
 * agent. A test holds the two equal.
 */
export const MAX_INGEST_BODY = 16 * 1024 * 1024
export const MAX_BATCH_REPORTS = 100_000

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'])

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The server's ingest API on the agent: `POST /api/v1/telemetry` (JSON batch or NDJSON) and
 * `POST /api/v1/write` (line protocol), parsed by the server's own parsers, answered with the
 * server's batch answer once the reports are in the buffer. `GET /healthz` shows the agent's
 * state.
 */
export class HttpSource implements Source {
  readonly name = 'http'
  private server: Server | undefined

  constructor(private readonly o: HttpSourceOptions) {}

  async start(intake: Intake): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res, intake))
    // A sender that keeps a connection open must not keep the agent from stopping.
    server.keepAliveTimeout = 5_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
    this.o.logger.info({ host: this.o.host, port: this.port }, 'receiving telemetry over HTTP')
  }

  /** The port listened on (useful with port 0). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.o.port
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    await closed
  }

  private async handle(req: IncomingMessage, res: ServerResponse, intake: Intake): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://agent')
      if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, { ok: true, ...this.o.status?.() })
      const write = url.pathname === '/api/v1/write'
      if (req.method !== 'POST' || (url.pathname !== '/api/v1/telemetry' && !write)) {
        throw new HttpError(404, 'not_found', `no route ${req.method ?? ''} ${url.pathname}`)
      }
      this.authorise(req)
      const body = await readBody(req)
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
      let items: RawItem[]
      try {
        if (write) items = parseLineProtocol(body, { precision: url.searchParams.get('precision') ?? undefined, now: this.o.now() })
        else if (type === 'application/json') items = parseJsonBatch(body)
        else if (NDJSON_TYPES.has(type)) items = parseNdjson(body)
        else throw new HttpError(400, 'unsupported_media_type', `content type '${type}' is not application/json or application/x-ndjson`)
      } catch (err) {
        if (err instanceof UnreadableBodyError) throw new HttpError(400, 'unreadable_body', err.message)
        throw err
      }
      if (items.length > MAX_BATCH_REPORTS) throw new HttpError(413, 'batch_too_large', `a batch may hold at most ${MAX_BATCH_REPORTS} reports`)
      let answer
      try {
        answer = intake.accept(items)
      } catch (err) {
        // Nothing of the batch was taken; the sender should try again.
        this.o.logger.error({ err }, 'could not write the buffer')
        throw new HttpError(503, 'buffer_unavailable', 'the agent cannot write its buffer; try again later')
      }
      send(res, 200, answer)
    } catch (err) {
      if (err instanceof HttpError) {
        if (err.status === 413) res.setHeader('connection', 'close')
        send(res, err.status, { error: { code: err.code, message: err.message } })
      } else {
        this.o.logger.error({ err }, 'request failed')
        send(res, 500, { error: { code: 'internal', message: 'internal error' } })
      }
    }
  }

  private authorise(req: IncomingMessage): void {
    if (this.o.token === undefined) return
    const presented = Buffer.from(/^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '')
    const expected = Buffer.from(this.o.token)
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new HttpError(401, 'unauthorized', 'a valid bearer token is required')
    }
  }
}

/** The whole body, refused with 413 past the server's limit, before or while it arrives. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (declared > MAX_INGEST_BODY) throw new HttpError(413, 'payload_too_large', `body over ${MAX_INGEST_BODY} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_INGEST_BODY) throw new HttpError(413, 'payload_too_large', `body over ${MAX_INGEST_BODY} bytes`)
    chunks.push(chunk)
  }
  if (size === 0) throw new HttpError(400, 'empty_body', 'a request body is required')
  return Buffer.concat(chunks, size)
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
