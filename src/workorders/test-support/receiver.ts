import { type IncomingHttpHeaders, type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedAttempt {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** A real work-order system on 127.0.0.1: records every attempt and answers the statuses it is told to (then 200). */
export class WorkOrderReceiver {
  readonly attempts: ReceivedAttempt[] = []
  /** Answers for the next attempts, in order; 200 once they are used up. */
  statuses: number[] = []
  /** While set, every attempt gets this status. */
  down: number | undefined
  url = ''
  private server: Server | undefined

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const status = this.down ?? this.statuses.shift() ?? 200
        this.attempts.push({ status, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
        res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"ticket":"accepted"}' : '{"error":"unavailable"}')
      })
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/tickets`
  }

  /** Tickets accepted (answered 200), parsed. */
  delivered(): Array<Record<string, unknown> & { id: string }> {
    return this.attempts.filter((a) => a.status === 200).map((a) => JSON.parse(a.body) as Record<string, unknown> & { id: string })
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve))
  }
}

/** Polls until `check` holds (answers its value) or gives up with a readable failure. */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (check(v)) return v
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
