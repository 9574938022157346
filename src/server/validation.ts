import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'

/**
 * Two validators: bodies are JSON and must match exactly (no coercion, and unknown fields are
 * errors rather than silently dropped), while query strings and path parameters arrive as text
 * and are coerced to the schema's types.
 */
export function installValidators(app: FastifyInstance): void {
  const common: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false }
  const body = addFormats.default(new Ajv({ ...common, coerceTypes: false }))
  const text = addFormats.default(new Ajv({ ...common, coerceTypes: 'array' }))
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema))
}
