import type { GapRecord } from './gap-ledger.js'
import { type Post, httpPost } from './http-post.js'

/** What became of one upload. */
export type UploadOutcome =
  /** The server answered for every report; the indexes it rejected, with why. */
  | { kind: 'answered'; rejected: ReadonlyMap<number, string> }
  /** The server could not read the body (400) or found it too large (413): send less at once. */
  | { kind: 'split'; status: number; detail: string }
  /** Try again later: unreachable, 5xx, 408, 429, or a refusal an operator must fix (401, 403, 404). */
  | { kind: 'retry'; status?: number; detail: string; retryAfterMs?: number }

export type GapOutcome = { kind: 'delivered' } | { kind: 'refused'; status: number; detail: string } | { kind: 'retry'; status?: number; detail: string; retryAfterMs?: number }

type HttpAnswer = { ok: true; status: number; text: string; retryAfterMs: number | undefined } | { ok: false; detail: string }

export interface ServerClientOptions {
  /** Base URL of the camtel server; a path prefix is kept. */
  server: string
  token: string
  /** How to POST; node:http(s) unless a test gives a fake server. */
  post?: Post
  /** Per request: a hung server counts as down. */
  timeoutMs?: number
}

/** Talks to the server's ingest API and says, per request, what the uplink should do next. */
export class ServerClient {
  private readonly base: string
  private readonly send: Post

  constructor(private readonly o: ServerClientOptions) {
    this.base = o.server.replace(/\/+$/, '')
    this.send = o.post ?? httpPost()
  }

  /** POSTs buffered report bodies (JSON texts) as one `{"reports": [...]}` batch. */
  async postReports(bodies: readonly string[], signal: AbortSignal): Promise<UploadOutcome> {
    // The bodies are JSON already: joining them costs nothing like a parse and a stringify.
    const res = await this.post('/api/v1/telemetry', `{"reports":[${bodies.join(',')}]}`, signal)
    if (!res.ok) return { kind: 'retry', detail: res.detail }
    if (res.status === 200) return readAnswer(res.text, bodies.length)
    if (res.status === 400 || res.status === 413) return { kind: 'split', status: res.status, detail: res.text.slice(0, 300) }
    return { kind: 'retry', status: res.status, detail: res.text.slice(0, 300), retryAfterMs: res.retryAfterMs }
  }

  async postGap(g: GapRecord, signal: AbortSignal): Promise<GapOutcome> {
    const body = JSON.stringify({ cameraId: g.cameraId, from: g.from, to: g.to, reports: g.reports })
    const res = await this.post('/api/v1/gaps', body, signal)
    if (!res.ok) return { kind: 'retry', detail: res.detail }
    if (res.status === 200 || res.status === 201) return { kind: 'delivered' }
    // Invalid, or a camera outside the token's sites: retrying cannot help.
    if (res.status === 400 || res.status === 403 || res.status === 413) return { kind: 'refused', status: res.status, detail: res.text.slice(0, 300) }
    return { kind: 'retry', status: res.status, detail: res.text.slice(0, 300), retryAfterMs: res.retryAfterMs }
  }

  /** Only an abort of `signal` rejects; a network failure or a timeout is `ok: false`. */
  private async post(path: string, body: string, signal: AbortSignal): Promise<HttpAnswer> {
    // One controller per request for the stop signal and the timeout: listeners added to the
    // long-lived stop signal are removed when the request ends, so none pile up.
    const request = new AbortController()
    const abort = () => request.abort(signal.reason)
    signal.addEventListener('abort', abort)
    const timer = setTimeout(() => request.abort(new Error(`no answer within ${this.o.timeoutMs ?? 30_000} ms`)), this.o.timeoutMs ?? 30_000)
    try {
      const res = await this.send(new URL(this.base + path), body, { 'content-type': 'application/json', authorization: `Bearer ${this.o.token}` }, request.signal)
      return { ok: true, status: res.status, text: res.text, retryAfterMs: retryAfter(res.retryAfter) }
    } catch (err) {
      signal.throwIfAborted()
      return { ok: false, detail: describe(err) }
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', abort)
    }
  }
}

/**
 * A 200 must account for every report: accepted + duplicates + rejected = sent, each rejected
 * index once. Anything else (a proxy's page, a truncated answer) is treated as no answer, and the
 * batch goes again; the server recognises what it already has.
 */
function readAnswer(text: string, sent: number): UploadOutcome {
  let a: { accepted?: unknown; duplicates?: unknown; rejected?: unknown }
  try {
    a = JSON.parse(text) as typeof a
  } catch {
    return { kind: 'retry', status: 200, detail: 'answer is not JSON' }
  }
  const rejected = new Map<number, string>()
  if (typeof a.accepted === 'number' && typeof a.duplicates === 'number' && Array.isArray(a.rejected)) {
    for (const r of a.rejected as Array<{ index?: unknown; error?: unknown }>) {
      if (typeof r?.index !== 'number' || !Number.isInteger(r.index) || r.index < 0 || r.index >= sent) break
      rejected.set(r.index, typeof r.error === 'string' ? r.error : 'rejected')
    }
    if (rejected.size === a.rejected.length && a.accepted + a.duplicates + rejected.size === sent) return { kind: 'answered', rejected }
  }
  return { kind: 'retry', status: 200, detail: `answer does not account for the ${sent} reports sent: ${text.slice(0, 200)}` }
}

function retryAfter(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  const s = Number(header)
  if (Number.isFinite(s) && s >= 0) return s * 1000
  const at = Date.parse(header)
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined
}

// Some errors (fetch's, for one) hide the socket error (ECONNREFUSED…) in `cause`.
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause = (err as { cause?: unknown }).cause
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message
}
