import { bodyText, clip, UnreadableBodyError, type RawItem } from './raw-item.js'

export { UnreadableBodyError, type RawItem } from './raw-item.js'
export { parseLineProtocol } from './line-protocol.js'

/** Deepest nesting of arrays and objects accepted in a JSON body or NDJSON line. */
export const MAX_JSON_DEPTH = 16

/**
 * `{"reports":[...]}`. Throws UnreadableBodyError when not parseable JSON, not an object, has a
 * field other than `reports`, `reports` is not an array, or nesting deeper than MAX_JSON_DEPTH.
 * Each array element becomes `{ok:true, value}`.
 */
export function parseJsonBatch(body: Buffer | string): RawItem[] {
  const text = bodyText(body)
  const parsed = parseJson(text)
  if (!parsed.ok) throw new UnreadableBodyError(`body ${parsed.error}`)
  const batch = parsed.value
  if (batch === null || typeof batch !== 'object' || Array.isArray(batch)) {
    throw new UnreadableBodyError('body must be a JSON object {"reports": [...]}')
  }
  for (const key of Object.keys(batch)) {
    if (key !== 'reports') throw new UnreadableBodyError(`unknown field '${clip(key)}' in batch; only 'reports' is allowed`)
  }
  const reports: unknown = Object.hasOwn(batch, 'reports') ? (batch as { reports: unknown }).reports : undefined
  if (!Array.isArray(reports)) throw new UnreadableBodyError("'reports' must be an array")
  return reports.map((value: unknown): RawItem => ({ ok: true, value }))
}

/**
 * NDJSON: one report per line; blank lines are skipped and are not items; `\r\n` is accepted.
 * A line that is not valid JSON or nests too deep becomes `{ok:false, error}`. Throws
 * UnreadableBodyError when the body has non-blank lines and none of them parses.
 */
export function parseNdjson(body: Buffer | string): RawItem[] {
  const text = bodyText(body)
  const items: RawItem[] = []
  let anyParsed = false
  // indexOf rather than split: a 16 MiB body of newlines must not become 16M strings.
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    const line = text.slice(start, text.charCodeAt(end - 1) === CR && end > start ? end - 1 : end)
    start = end + 1
    if (isBlank(line)) continue
    const item = parseJson(line)
    anyParsed ||= item.ok
    items.push(item.ok ? item : { ok: false, error: `line ${item.error}` })
  }
  if (items.length > 0 && !anyParsed) throw new UnreadableBodyError('no line of the body is valid JSON')
  return items
}

/**
 * One report as JSON (an MQTT payload): never throws; invalid JSON or nesting deeper than
 * MAX_JSON_DEPTH becomes `{ok:false, error}`.
 */
export function parseJsonReport(body: Buffer | string): RawItem {
  const item = parseJson(bodyText(body))
  return item.ok ? item : { ok: false, error: `payload ${item.error}` }
}

const CR = 0x0d

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i)
    // JSON's own whitespace; anything else (even U+00A0) makes the line a report that fails to parse.
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false
  }
  return true
}

function parseJson(text: string): RawItem {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return { ok: false, error: `nests deeper than ${MAX_JSON_DEPTH} levels` }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (e) {
    return { ok: false, error: `is not valid JSON: ${clip(e instanceof Error ? e.message : String(e), 120)}` }
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/**
 * Counts open arrays and objects without parsing, skipping string contents, so that hostile
 * nesting is refused before JSON.parse sees it. Up to the first syntax error this count agrees
 * with JSON.parse, which stops there, so malformed input cannot hide deeper nesting from it.
 */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === BACKSLASH) i++
        else if (d === QUOTE) break
      }
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--
    }
  }
  return false
}
