import type { EventMessage, ServerMessage, StreamTopic } from '../protocol/stream.js'
import { Emitter } from './emitter.js'

/** What the client needs of a WebSocket: the browser's, `ws` in Node, or a test double. */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'open', listener: () => void): void
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void
  addEventListener(type: 'close', listener: (ev: { code: number; reason: string }) => void): void
  addEventListener(type: 'error', listener: (ev: unknown) => void): void
}
export type WebSocketImpl = new (url: string) => WebSocketLike

/**
 * connecting: first connection under way; replaying: connected, catching up from the last id;
 * live: caught up; reconnecting: the connection dropped, the next attempt is scheduled;
 * closed: `close()` was called, or the server refused the credentials.
 */
export type ConnectionState = 'connecting' | 'replaying' | 'live' | 'reconnecting' | 'closed'

export interface StreamFilter {
  topics?: StreamTopic[]
  sites?: string[]
  cameras?: string[]
}

export interface StreamError {
  code: string
  message: string
}

export interface StreamClientEvents {
  /** Every event, in id order, each once. */
  event: EventMessage
  state: ConnectionState
  /**
   * The events since the last known id cannot be replayed (or this is the first connection):
   * load the state over REST; events after `id` follow.
   */
  reset: { id: number }
  /** The server closed this console for reading too slowly; it resumes by itself. */
  lagging: { id: number }
  /** A replay finished; live events follow. */
  replayed: { id: number }
  /** An error message from the server, or a connection failure. */
  error: StreamError
}

export interface StreamClientOptions extends StreamFilter {
  /** `ws://` or `wss://` URL of /api/v1/stream, with `?token=` when a token is used. */
  url: string
  /** Resume after this id (kept from an earlier session); without it the stream starts with `reset`. */
  since?: number
  /** A WebSocket implementation; default: the global one, or `ws` in Node. */
  WebSocket?: WebSocketImpl
  /** Reconnect delays: full jitter between 0 and min(maxMs, initialMs * 2^attempt). */
  backoff?: { initialMs?: number; maxMs?: number }
  /** Random numbers in [0, 1) for the jitter (tests). */
  random?: () => number
  /** Runs `fn` after `ms`; answers a cancel function (tests drive reconnects with it). */
  schedule?: (fn: () => void, ms: number) => () => void
}

const CLOSE_UNAUTHORIZED = 4401
const NORMAL_CLOSURE = 1000

const defaultSchedule = (fn: () => void, ms: number) => {
  const timer = setTimeout(fn, ms)
  return () => clearTimeout(timer)
}

/** The global WebSocket where there is one (browsers, Node 22); `ws` in Node 20. */
async function defaultWebSocket(): Promise<WebSocketImpl> {
  const global = (globalThis as { WebSocket?: WebSocketImpl }).WebSocket
  if (global) return global
  // A specifier bundlers cannot see, so that a browser bundle never includes ws.
  const name = 'ws'
  const mod = (await import(/* @vite-ignore */ name)) as { WebSocket: WebSocketImpl }
  return mod.WebSocket
}

/**
 * The live stream (DESIGN §6) with its guarantees kept across disconnects: it reconnects with
 * jittered exponential backoff and resubscribes with `since` = the last id it saw, so the app
 * sees every event once, in order; when the gap cannot be replayed it emits `reset`.
 *
 * It always subscribes with `since`. Without a known id it asks with one above any id, so that
 * the server answers `reset` with the newest id: the app loads its state over REST on `reset`
 * and then applies events, with no window between the two where an event could slip by.
 */
export class StreamClient {
  private readonly emitter = new Emitter<StreamClientEvents>()
  private readonly topicEmitter = new Emitter<{ [K in StreamTopic]: EventMessage<K> }>()
  private ws: WebSocketLike | undefined
  private current: ConnectionState = 'connecting'
  private last: number | undefined
  private filter: StreamFilter
  private attempt = 0
  private cancelRetry: (() => void) | undefined
  private stopped = false

  constructor(private readonly o: StreamClientOptions) {
    this.last = o.since
    this.filter = { topics: o.topics, sites: o.sites, cameras: o.cameras }
    void this.connect()
  }

  get state(): ConnectionState {
    return this.current
  }

  /** The id of the last event received (or of the last `reset`/`replayed`); resume from it. */
  get lastId(): number | undefined {
    return this.last
  }

  on<K extends keyof StreamClientEvents>(type: K, listener: (value: StreamClientEvents[K]) => void): () => void {
    return this.emitter.on(type, listener)
  }

  /** Events of one topic, typed: `onTopic('status', (e) => e.data.status)`. */
  onTopic<T extends StreamTopic>(topic: T, listener: (event: EventMessage<T>) => void): () => void {
    return this.topicEmitter.on(topic, listener as (value: EventMessage<StreamTopic>) => void)
  }

  /** Replaces the filters; events from the last id on are delivered under the new ones. */
  update(filter: StreamFilter): void {
    this.filter = { ...filter }
    if (this.ws && this.ws.readyState === 1) this.subscribe(this.ws)
  }

  close(): void {
    this.stopped = true
    this.cancelRetry?.()
    const ws = this.ws
    this.ws = undefined
    ws?.close(NORMAL_CLOSURE, 'client closed')
    this.setState('closed')
  }

  private async connect(): Promise<void> {
    let ws: WebSocketLike
    try {
      const Impl = this.o.WebSocket ?? (await defaultWebSocket())
      if (this.stopped) return
      ws = new Impl(this.o.url)
    } catch (err) {
      this.emitter.emit('error', { code: 'connect_failed', message: (err as Error).message })
      return this.retry()
    }
    this.ws = ws
    ws.addEventListener('open', () => {
      if (ws === this.ws) this.subscribe(ws)
    })
    ws.addEventListener('message', (ev) => {
      if (ws === this.ws) this.receive(ev.data)
    })
    ws.addEventListener('close', (ev) => {
      if (ws === this.ws) this.closed(ev.code, ev.reason)
    })
    // A failed connection or upgrade: 'close' follows and schedules the retry.
    ws.addEventListener('error', () => undefined)
  }

  private subscribe(ws: WebSocketLike): void {
    const since = this.last ?? Number.MAX_SAFE_INTEGER
    const msg = { type: 'subscribe', ...definedOnly(this.filter), since }
    ws.send(JSON.stringify(msg))
    this.setState('replaying')
  }

  private receive(data: unknown): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer))
    } catch {
      this.emitter.emit('error', { code: 'invalid_frame', message: 'the server sent a frame that is not JSON' })
      return
    }
    for (const msg of Array.isArray(parsed) ? parsed : [parsed]) this.handle(msg as ServerMessage)
  }

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'event':
        // A filter change replays from the last id while older frames may still arrive.
        if (this.last !== undefined && msg.id <= this.last) return
        this.last = msg.id
        this.emitter.emit('event', msg)
        this.topicEmitter.emit(msg.topic, msg as never)
        return
      case 'replayed':
        this.last = Math.max(this.last ?? 0, msg.id)
        this.caughtUp()
        this.emitter.emit('replayed', { id: msg.id })
        return
      case 'reset':
        this.last = msg.id
        this.caughtUp()
        this.emitter.emit('reset', { id: msg.id })
        return
      case 'lagging':
        this.emitter.emit('lagging', { id: msg.id })
        return
      case 'error':
        this.emitter.emit('error', msg.error)
        return
    }
  }

  private caughtUp(): void {
    this.attempt = 0
    this.setState('live')
  }

  private closed(code: number, reason: string): void {
    this.ws = undefined
    if (this.stopped) return
    if (code === CLOSE_UNAUTHORIZED) {
      // Retrying with the same credentials cannot succeed: the app has to log in again.
      this.emitter.emit('error', { code: 'unauthorized', message: reason || 'credentials revoked or expired' })
      this.stopped = true
      this.setState('closed')
      return
    }
    this.retry()
  }

  private retry(): void {
    if (this.stopped) return
    this.setState('reconnecting')
    const { initialMs = 500, maxMs = 30_000 } = this.o.backoff ?? {}
    const delay = (this.o.random ?? Math.random)() * Math.min(maxMs, initialMs * 2 ** this.attempt)
    this.attempt = Math.min(this.attempt + 1, 30)
    this.cancelRetry = (this.o.schedule ?? defaultSchedule)(() => {
      this.cancelRetry = undefined
      void this.connect()
    }, delay)
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return
    this.current = state
    this.emitter.emit('state', state)
  }
}

function definedOnly(filter: StreamFilter): StreamFilter {
  const out: StreamFilter = {}
  if (filter.topics) out.topics = filter.topics
  if (filter.sites) out.sites = filter.sites
  if (filter.cameras) out.cameras = filter.cameras
  return out
}
