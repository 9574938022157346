/** An item of a batch before validation: a raw report-like value, or why its line could not be read. */
export type RawItem = { ok: true; value: unknown } | { ok: false; error: string }

/** The body as a whole cannot be read as a batch -> the server answers 400. */
export class UnreadableBodyError extends Error {
  readonly code = 'unreadable_body'
  override readonly name = 'UnreadableBodyError'
}

const BOM = 0xfeff

/** Decodes a body as UTF-8 without its byte order mark, which some Windows tools prepend. */
export function bodyText(body: Buffer | string): string {
  const text = typeof body === 'string' ? body : body.toString('utf8')
  return text.charCodeAt(0) === BOM ? text.slice(1) : text
}

/** Shortens user-supplied text quoted back in an error message. */
export function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s
}
