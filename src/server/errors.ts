import type { FastifyError, FastifyInstance } from 'fastify'

/** A domain error with a stable code; the one mapper below turns it into `{"error":{code,message}}`. */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 429,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'AppError'
  }
}

export const badRequest = (message: string, code = 'bad_request') => new AppError(400, code, message)
export const unauthorized = (message = 'a valid bearer token or session is required') =>
  new AppError(401, 'unauthorized', message)
export const forbidden = (message = 'not allowed for this token') => new AppError(403, 'forbidden', message)
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`)

export interface ErrorBody {
  error: { code: string; message: string }
}

/** Fastify's own error codes that are the caller's fault, with the status and code we answer. */
const FASTIFY_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [400, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_VALIDATION: [400, 'invalid_request'],
}

export function installErrorMapper(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) {
      for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v)
      return reply.code(err.status).send({ error: { code: err.code, message: err.message } })
    }
    const known = err.code ? FASTIFY_ERRORS[err.code] : undefined
    if (known) return reply.code(known[0]).send({ error: { code: known[1], message: err.message } })
    if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON|prototype|constructor/i.test(err.message))) {
      return reply.code(400).send({ error: { code: 'invalid_json', message: err.message } })
    }
    if (err.statusCode === 429) {
      return reply.code(429).send({ error: { code: 'rate_limited', message: err.message } })
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: { code: 'bad_request', message: err.message } })
    }
    // Never leak internals on a 500: the log has the detail, the caller an id to quote.
    req.log.error({ err }, 'request failed')
    return reply.code(500).send({ error: { code: 'internal', message: `internal error (request ${req.id})` } })
  })
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } })
  })
}
