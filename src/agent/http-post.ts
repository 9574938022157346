import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

export interface PostAnswer {
  readonly status: number
  readonly text: string
  readonly retryAfter: string | undefined
}

/** POSTs a body and resolves with the answer; rejects on a network error, a timeout or an abort. */
export type Post = (url: URL, body: string, headers: Readonly<Record<string, string>>, signal: AbortSignal) => Promise<PostAnswer>

/** An answer longer than this is not a batch answer (a proxy's page, say): the upload failed. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024

/**
 * POST over node:http(s) with kept-alive connections. The uplink sends thousands of requests a
 * minute while draining; fetch (undici) allocates several times more per request, which on a
 * small edge box shows as CPU and as memory.
 */
export function httpPost(): Post {
  // An idle kept-alive connection is closed after 4 s, before a server's usual 5 s: a request
  // on a connection the server is closing at that moment fails with "socket hang up".
  const keep = { keepAlive: true, maxSockets: 4, timeout: 4000 }
  const agents = { http: new HttpAgent(keep), https: new HttpsAgent(keep) }
  return (url, body, headers, signal) =>
    new Promise<PostAnswer>((resolve, reject) => {
      const tls = url.protocol === 'https:'
      const options = { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: tls ? agents.https : agents.http, signal }
      const req = (tls ? httpsRequest : httpRequest)(url, options, (res: IncomingMessage) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_ANSWER_BYTES) res.destroy(new Error(`answer over ${MAX_ANSWER_BYTES} bytes`))
          else chunks.push(chunk)
        })
        res.on('error', reject)
        res.on('end', () => {
          const retryAfter = res.headers['retry-after']
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks, size).toString('utf8'), retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined })
        })
      })
      req.on('error', reject)
      req.end(body)
    })
}
