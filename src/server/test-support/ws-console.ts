import { WebSocket } from 'ws'
import type { EventMessage, ServerMessage } from '../../protocol/stream.js'
import { ADMIN_TOKEN, type TestServer } from './test-server.js'

/** Waits for conditions, never for time: this bound only turns a hang into a readable failure. */
const GIVE_UP_MS = 15_000

export interface ConsoleOptions {
  /** `?token=`; null for none. Default: the admin token. */
  token?: string | null
  headers?: Record<string, string>
}

/** A console on /api/v1/stream over a real socket, recording every message it receives. */
export class TestConsole {
  readonly messages: ServerMessage[] = []
  frames = 0
  arrayFrames = 0
  closeCode: number | undefined
  private readonly checks = new Set<() => void>()

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      this.frames++
      const parsed = JSON.parse(String(isBinary ? '' : data)) as ServerMessage | ServerMessage[]
      if (Array.isArray(parsed)) {
        this.arrayFrames++
        this.messages.push(...parsed)
      } else this.messages.push(parsed)
      this.recheck()
    })
    socket.on('close', (code) => {
      this.closeCode = code
      this.recheck()
    })
  }

  static open(t: TestServer, o: ConsoleOptions = {}): Promise<TestConsole> {
    const token = o.token === undefined ? ADMIN_TOKEN : o.token
    const url = `${t.url.replace(/^http/, 'ws')}/api/v1/stream${token === null ? '' : `?token=${encodeURIComponent(token)}`}`
    const socket = new WebSocket(url, { headers: o.headers })
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestConsole(socket)))
      socket.once('unexpected-response', (req, res) => {
        reject(new UpgradeRefused(res.statusCode ?? 0))
        req.destroy()
      })
      socket.once('error', reject)
    })
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  events(): EventMessage[] {
    return this.messages.filter((m): m is EventMessage => m.type === 'event')
  }

  eventIds(): number[] {
    return this.events().map((e) => e.id)
  }

  /** Resolves once `done()` holds; fails if the socket closes first. */
  until(done: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`gave up waiting for ${what}; received ${JSON.stringify(this.messages.slice(-5))}`)), GIVE_UP_MS)
      const finish = (err?: Error) => {
        clearTimeout(timer)
        this.checks.delete(check)
        if (err) reject(err)
        else resolve()
      }
      const check = () => {
        if (done()) finish()
        else if (this.closeCode !== undefined) finish(new Error(`socket closed (${this.closeCode}) while waiting for ${what}`))
      }
      this.checks.add(check)
      check()
    })
  }

  /** Waits until an event with id >= `id` arrived. */
  untilEvent(id: number): Promise<void> {
    return this.until(() => this.events().some((e) => e.id >= id), `event ${id}`)
  }

  untilMessage(type: ServerMessage['type']): Promise<ServerMessage> {
    return this.until(() => this.messages.some((m) => m.type === type), `a ${type} message`).then(() => this.messages.find((m) => m.type === type) as ServerMessage)
  }

  untilClosed(): Promise<number> {
    return new Promise((resolve) => {
      if (this.closeCode !== undefined) return resolve(this.closeCode)
      this.socket.once('close', (code) => resolve(code))
    })
  }

  close(): void {
    this.socket.close()
  }

  private recheck(): void {
    for (const check of [...this.checks]) check()
  }
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with ${status}`)
  }
}

/** Polls a condition about the server (not time): for state a socket cannot show, like server-side closes. */
export async function eventually(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const giveUp = Date.now() + GIVE_UP_MS
  while (!(await done())) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
