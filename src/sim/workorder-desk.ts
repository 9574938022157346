import { randomBytes, timingSafeEqual } from 'node:crypto'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { signature } from '../notify/notifier.js'

/** How long the desk takes over each step, ms: a random time between the two bounds. */
export interface DeskPace {
  acknowledge: [number, number]
  dispatch: [number, number]
  /** How often a dispatched ticket's alert is looked at: a ticket is resolved once its alert is. */
  checkEveryMs: number
}

const DEFAULT_PACE: DeskPace = { acknowledge: [20_000, 60_000], dispatch: [60_000, 180_000], checkEveryMs: 60_000 }

interface Ticket {
  id: string
  number: string
  alertIds: number[]
  state: 'open' | 'acknowledged' | 'in_progress' | 'resolved'
}

/**
 * A simulated work-order system for `camtel demo` (docs/workorders.md): it takes the tickets
 * camtel POSTs, checks their signature, and reports progress back as a service desk would:
 * acknowledged with its own ticket number, a technician dispatched, and resolved once the
 * alert that made the ticket has resolved. It talks to camtel only through the public API.
 */
export class WorkOrderDesk {
  readonly secret = randomBytes(24).toString('hex')
  url = ''
  private server: Server | undefined
  private camtel: { url: string; token: string | undefined } | undefined
  private readonly tickets = new Map<string, Ticket>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private next = 1001

  constructor(
    private readonly o: {
      pace?: Partial<DeskPace>
      random?: () => number
      warn?: (message: string) => void
    } = {},
  ) {}

  private get pace(): DeskPace {
    return { ...DEFAULT_PACE, ...this.o.pace }
  }

  /** Listens on 127.0.0.1; `url` is then where camtel sends tickets. */
  async start(): Promise<void> {
    this.server = createServer((req, res) => this.receive(req, res))
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
    // It never keeps the process alive on its own (the demo's server does, while it runs).
    this.server.unref()
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/tickets`
  }

  /** Where progress is reported: camtel's base URL, and a token that may (operator or admin). */
  connect(url: string, token: string | undefined): void {
    this.camtel = { url, token }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)))
  }

  /** Tickets taken so far, by camtel's id: their number here and their state. */
  list(): Array<{ id: string; number: string; state: string }> {
    return [...this.tickets.values()].map((t) => ({ id: t.id, number: t.number, state: t.state }))
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const given = Buffer.from(String(req.headers['x-camtel-signature'] ?? ''))
      const expected = Buffer.from(signature(body.toString('utf8'), this.secret))
      if (req.method !== 'POST' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad signature"}')
        return
      }
      let ticket: { id?: unknown; context?: { alert?: { id?: unknown } } }
      try {
        ticket = JSON.parse(body.toString('utf8')) as typeof ticket
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"not JSON"}')
        return
      }
      const id = typeof ticket.id === 'string' ? ticket.id : undefined
      if (!id) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"no id"}')
        return
      }
      // A resend (the same Idempotency-Key) is the same ticket.
      let t = this.tickets.get(id)
      if (!t) {
        const alertId = ticket.context?.alert?.id
        t = { id, number: `WO-${this.next++}`, alertIds: typeof alertId === 'number' ? [alertId] : [], state: 'open' }
        this.tickets.set(id, t)
        this.later(this.pace.acknowledge, () => this.acknowledge(t as Ticket))
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ticket: t.number }))
    })
  }

  private async acknowledge(t: Ticket): Promise<void> {
    if (!(await this.report(t, { state: 'acknowledged', externalId: t.number, note: 'Logged by the service desk' }))) return
    t.state = 'acknowledged'
    this.later(this.pace.dispatch, () => this.dispatch(t))
  }

  private async dispatch(t: Ticket): Promise<void> {
    if (!(await this.report(t, { state: 'in_progress', note: 'Technician dispatched' }))) return
    t.state = 'in_progress'
    if (t.alertIds.length > 0) this.later([this.pace.checkEveryMs, this.pace.checkEveryMs], () => this.check(t))
  }

  /** Resolved once every alert of the ticket (as camtel has it now) has resolved; looked at again later otherwise. */
  private async check(t: Ticket): Promise<void> {
    const now = await this.json<{ state: string; alertIds: number[] }>(`/api/v1/workorders/${encodeURIComponent(t.id)}`)
    // Closed by someone else: nothing more to do.
    if (now?.state === 'resolved' || now?.state === 'closed') return
    if (now) t.alertIds = now.alertIds
    const alerts = await Promise.all(t.alertIds.map((id) => this.json<{ state: string }>(`/api/v1/alerts/${id}`)))
    if (now && alerts.every((a) => a?.state === 'resolved')) {
      if (await this.report(t, { state: 'resolved', note: 'Fixed on site' })) {
        t.state = 'resolved'
        return
      }
    }
    this.later([this.pace.checkEveryMs, this.pace.checkEveryMs], () => this.check(t))
  }

  private async report(t: Ticket, status: Record<string, string>): Promise<boolean> {
    const res = await this.call('POST', `/api/v1/workorders/${encodeURIComponent(t.id)}/status`, status)
    if (res?.ok) return true
    this.o.warn?.(`work-order desk: camtel answered ${res?.status ?? 'nothing'} to ${t.number} ${status.state}`)
    return false
  }

  private async json<T>(path: string): Promise<T | undefined> {
    const res = await this.call('GET', path)
    return res?.ok ? ((await res.json()) as T) : undefined
  }

  private async call(method: string, path: string, json?: unknown): Promise<Response | undefined> {
    if (!this.camtel) return undefined
    const headers: Record<string, string> = {}
    if (this.camtel.token) headers.authorization = `Bearer ${this.camtel.token}`
    if (json !== undefined) headers['content-type'] = 'application/json'
    try {
      return await fetch(`${this.camtel.url}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) })
    } catch {
      return undefined
    }
  }

  private later([min, max]: [number, number], fn: () => Promise<void>): void {
    const ms = min + (max - min) * (this.o.random ?? Math.random)()
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void fn()
    }, ms)
    timer.unref()
    this.timers.add(timer)
  }
}
