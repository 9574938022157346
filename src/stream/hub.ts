import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import type { ServerMetrics } from '../core/metrics.js'
import { CLOSE_UNAUTHORIZED } from '../protocol/stream.js'
import type { Principal } from '../server/auth/roles.js'
import { type CloseReason, type ConnectionHost, DEFAULT_STREAM_LIMITS, type StreamLimits, StreamConnection } from './connection.js'
import type { EventLog, StoredEvent } from './event-log.js'
import { FrameCache, type MessageKind } from './send-queue.js'
import { Tick } from './tick.js'

export interface StreamHubOptions {
  log: EventLog
  metrics: ServerMetrics
  logger: Logger
  limits?: Partial<StreamLimits>
}

/**
 * Checks a console's credentials again (each heartbeat): a revoked token or an expired session
 * ends its stream. Answers the principal as it is now, or null when it may no longer read.
 */
export type Reauthenticate = () => Promise<Principal | null>

/**
 * The live stream's fan-out: one subscription to the event log, one coalescing flush for all
 * consoles, one heartbeat. Delivering a batch only filters and queues (no socket I/O), so a
 * slow console never slows ingest or the others; it only grows its own queue, up to its bound.
 */
export class StreamHub implements ConnectionHost {
  readonly log: EventLog
  readonly limits: StreamLimits
  lastId = 0
  /** Events appended since the last flush. */
  private tick = new Tick()
  private sent = { live: 0, replay: 0, control: 0, frames: 0 }
  private readonly connections = new Map<StreamConnection, Reauthenticate | undefined>()
  private readonly dirty = new Set<StreamConnection>()
  /** Every socket until it has closed, including ones the hub is closing (lagging, shutdown). */
  private readonly sockets = new Set<WebSocket>()
  private closing = false
  private flushTimer: NodeJS.Timeout | NodeJS.Immediate | undefined
  private lastFlush = 0
  private heartbeat: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined

  constructor(private readonly o: StreamHubOptions) {
    this.log = o.log
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...o.limits }
    o.metrics.streamStats = () => this.stats()
    // A log that cannot answer (closing) leaves the gauges as they were.
    o.metrics.eventLogWindow = () => this.log.window().catch(() => undefined)
  }

  start(): void {
    if (this.unsubscribe) return
    this.unsubscribe = this.log.subscribe((events) => this.fanOut(events))
    this.heartbeat = setInterval(() => this.beat(), this.limits.heartbeatMs)
    this.heartbeat.unref()
  }

  /** Takes an upgraded socket; nothing is sent until the console subscribes. */
  accept(socket: WebSocket, principal: Principal, reauthenticate?: Reauthenticate): StreamConnection | undefined {
    if (this.closing) {
      socket.close(1001, 'server shutting down')
      return undefined
    }
    const c = new StreamConnection(socket, principal, this)
    this.log.warm?.()
    this.connections.set(c, reauthenticate)
    this.sockets.add(socket)
    socket.on('message', (data, isBinary) => {
      c.alive = true
      c.receive(data, isBinary)
    })
    // Any frame from the console shows it is there, not only the pong to our last ping.
    socket.on('pong', () => (c.alive = true))
    socket.on('ping', () => (c.alive = true))
    socket.on('close', () => {
      this.sockets.delete(socket)
      c.socketClosed()
    })
    // An unclean disconnect; 'close' follows and does the accounting.
    socket.on('error', (err) => this.o.logger.debug({ err }, 'stream socket error'))
    return c
  }

  /**
   * Closes every console (1001: going away, so clients reconnect and resume elsewhere). Sockets
   * that do not finish the closing handshake within `graceMs` (a console that stopped reading)
   * are cut, so that shutdown does not wait for them.
   */
  async close(graceMs = 1000): Promise<void> {
    this.closing = true
    this.unsubscribe?.()
    this.unsubscribe = undefined
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.cancelFlush()
    for (const c of [...this.connections.keys()]) c.close(1001, 'server shutting down', 'shutdown')
    const open = [...this.sockets]
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(open.map((s) => (s.readyState === s.CLOSED ? undefined : new Promise((resolve) => s.once('close', resolve))))),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
    ])
    clearTimeout(timer)
    for (const s of open) if (s.readyState !== s.CLOSED) s.terminate()
  }

  /** Drops every connection without stopping the hub, as a network failure would. */
  disconnectAll(): void {
    for (const c of [...this.connections.keys()]) c.terminate('error')
  }

  get size(): number {
    return this.connections.size
  }

  // --- ConnectionHost ----------------------------------------------------------------------

  markDirty(c: StreamConnection): void {
    this.dirty.add(c)
    this.scheduleFlush()
  }

  closed(c: StreamConnection, reason: CloseReason): void {
    this.connections.delete(c)
    this.dirty.delete(c)
    this.o.metrics.streamCloses.inc({ reason })
  }

  counted(byKind: Readonly<Record<MessageKind, number>>): void {
    // Summed here and handed to the counters once per flush: a thousand labelled increments a
    // tick would cost more than the frames they count.
    this.sent.live += byKind.live
    this.sent.replay += byKind.replay
    this.sent.control += byKind.control
    this.sent.frames++
  }

  private publishCounts(): void {
    const { sent } = this
    for (const kind of ['live', 'replay', 'control'] as const) if (sent[kind] > 0) this.o.metrics.streamMessages.inc({ kind }, sent[kind])
    if (sent.frames > 0) this.o.metrics.streamFrames.inc(sent.frames)
    this.sent = { live: 0, replay: 0, control: 0, frames: 0 }
  }

  reset(): void {
    this.o.metrics.streamResets.inc()
  }

  failed(c: StreamConnection, err: unknown): void {
    this.o.logger.error({ err }, 'stream replay failed')
    c.close(1011, 'internal error', 'error')
  }

  // -----------------------------------------------------------------------------------------

  private fanOut(events: readonly StoredEvent[]): void {
    const last = events[events.length - 1]
    if (!last) return
    this.lastId = last.id
    if (this.connections.size === 0) return
    const tick = this.tick
    const base = tick.add(events)
    const jsonAt = (i: number): string => tick.jsonAt(base + i)
    for (const c of this.connections.keys()) c.deliver(events, jsonAt)
    this.scheduleFlush()
  }

  /**
   * Coalescing: the first message after a quiet spell goes out at once (next turn of the event
   * loop, so the whole batch that caused it shares the frame); under load, one frame per console
   * every `flushIntervalMs`.
   */
  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return
    const wait = this.lastFlush + this.limits.flushIntervalMs - performance.now()
    this.flushTimer = wait <= 0 ? setImmediate(() => this.flushAll()) : setTimeout(() => this.flushAll(), wait)
  }

  private cancelFlush(): void {
    if (this.flushTimer === undefined) return
    clearTimeout(this.flushTimer as NodeJS.Timeout)
    clearImmediate(this.flushTimer as NodeJS.Immediate)
    this.flushTimer = undefined
  }

  private flushAll(): void {
    this.flushTimer = undefined
    this.lastFlush = performance.now()
    const frames = new FrameCache()
    const tick = this.tick
    this.tick = new Tick()
    if (tick.size > 0) for (const c of this.connections.keys()) c.offer(tick, frames)
    for (const c of this.dirty) {
      // 'blocked' connections resume from their socket's drain, not from here.
      if (c.flush(frames) !== 'more') this.dirty.delete(c)
    }
    this.publishCounts()
    if (this.dirty.size > 0) this.scheduleFlush()
  }

  /**
   * Pings every console and cuts those silent through `heartbeatMisses` pings in a row. One
   * missed pong is not enough: a ping waits in the socket behind the frames already written,
   * and a console starved of CPU (or a loaded machine) may take longer than one interval to
   * read its way to it, while it is reading and alive. A console that does not read at all
   * fills its queue and is closed with 4008 long before that when events flow.
   */
  private beat(): void {
    const misses = Math.max(1, this.limits.heartbeatMisses)
    for (const [c, reauthenticate] of this.connections) {
      if (c.alive) c.missedBeats = 0
      else if (++c.missedBeats >= misses) {
        c.terminate('heartbeat')
        continue
      }
      c.alive = false
      c.socket.ping()
      if (reauthenticate) void this.recheck(c, reauthenticate)
    }
  }

  private async recheck(c: StreamConnection, reauthenticate: Reauthenticate): Promise<void> {
    try {
      const principal = await reauthenticate()
      if (!c.isOpen) return
      if (principal) c.principal = principal
      else c.close(CLOSE_UNAUTHORIZED, 'credentials revoked or expired', 'unauthorized')
    } catch (err) {
      // The store could not answer: keep the console rather than cut it on our own failure.
      this.o.logger.warn({ err }, 'could not re-check stream credentials')
    }
  }

  private stats() {
    this.publishCounts()
    let queuedMessages = 0
    let maxQueuedMessages = 0
    let queuedBytes = 0
    for (const c of this.connections.keys()) {
      queuedMessages += c.queuedMessages
      maxQueuedMessages = Math.max(maxQueuedMessages, c.queuedMessages)
      queuedBytes += c.unsentBytes
    }
    return { consoles: this.connections.size, queuedMessages, maxQueuedMessages, queuedBytes }
  }
}
