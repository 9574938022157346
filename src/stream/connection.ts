import type { WebSocket } from 'ws'
import type { Principal } from '../server/auth/roles.js'
import { CLOSE_LAGGING } from '../protocol/stream.js'
import type { EventLog, StoredEvent } from './event-log.js'
import { type FrameCache, type MessageKind, SendQueue } from './send-queue.js'
import { type Subscription, isVisible, parseClientMessage } from './subscription.js'
import { type Tick, eventJson } from './tick.js'

/** Bounds and cadences of the stream; the defaults suit a few thousand consoles. */
export interface StreamLimits {
  /** Messages to a console are coalesced into one frame at most this often, ms. */
  flushIntervalMs: number
  /** A console with more unsent messages than this gets `lagging` and is closed. */
  maxQueueMessages: number
  /** ... or with more unsent bytes than this, its socket's own buffer included. */
  maxQueueBytes: number
  /** No frame is handed to a socket that holds more than this; the queue waits instead. */
  socketHighWaterBytes: number
  /** One frame holds at most this many bytes of messages (a single larger one goes alone). */
  maxFrameBytes: number
  /** Events read from the log at a time during a replay. */
  replayPageSize: number
  /**
   * Ping every this often. A console that has sent nothing (no pong, no message) through
   * `heartbeatMisses` pings in a row is cut as a dead peer.
   */
  heartbeatMs: number
  /** Pings in a row a console may leave unanswered: more than one, since a busy console reads a ping only after the data ahead of it. */
  heartbeatMisses: number
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  flushIntervalMs: 10,
  maxQueueMessages: 20_000,
  maxQueueBytes: 16 * 1024 * 1024,
  socketHighWaterBytes: 1024 * 1024,
  maxFrameBytes: 256 * 1024,
  replayPageSize: 2_000,
  heartbeatMs: 25_000,
  heartbeatMisses: 2,
}

/** What a connection needs from the hub that owns it. */
export interface ConnectionHost {
  readonly log: EventLog
  readonly limits: StreamLimits
  /** The highest id the hub has been handed by the log. */
  readonly lastId: number
  /** The connection has queued messages: flush it soon. */
  markDirty(c: StreamConnection): void
  /** The connection is gone (either side closed it). */
  closed(c: StreamConnection, reason: CloseReason): void
  counted(byKind: Readonly<Record<MessageKind, number>>): void
  reset(): void
  failed(c: StreamConnection, err: unknown): void
}

export type CloseReason = 'client' | 'lagging' | 'heartbeat' | 'unauthorized' | 'shutdown' | 'error'
type Mode = 'idle' | 'replaying' | 'live' | 'closed'

const NO_FILTER: Subscription = { topics: null, sites: null, cameras: null, since: undefined }

/**
 * One console: its subscription, its replay, and its bounded queue of unsent messages.
 *
 * Seam between replay and live: from the moment a `subscribe` with `since` arrives, live events
 * that match are kept in `pending` while the log is read in pages. The replay stops once it has
 * read up to where `pending` starts (or the log had nothing more, with `pending` intact since
 * that read began); then `replayed` goes out, then the pending events above the last id read,
 * and from then on live events above `covered` only. None is lost or sent twice.
 */
export class StreamConnection {
  private mode: Mode = 'idle'
  private sub: Subscription = NO_FILTER
  /** Bumped by every subscribe: an older replay sees the change and stops. */
  private generation = 0
  private readonly queue = new SendQueue()
  /** Highest event id offered to this console while live, matching or not. */
  private lastSeenId = 0
  /** In live mode, events up to this id are not for this console: a replay covered them, or they came before a subscribe without since. */
  private covered = 0
  // Live events held back while a replay runs.
  private pending: Array<{ id: number; json: string }> = []
  private liveFrom: number | undefined
  private pendingEpoch = 0
  private roomWaiter: (() => void) | undefined
  /** Frames handed to the socket whose write has not completed yet. */
  private inFlight = 0
  /** Cleared by each ping, set by anything the console sends (a pong, a message, a ping). */
  alive = true
  /** Heartbeats in a row that found the console silent since the previous one. */
  missedBeats = 0

  constructor(
    readonly socket: WebSocket,
    public principal: Principal,
    private readonly host: ConnectionHost,
  ) {}

  get isOpen(): boolean {
    return this.mode !== 'closed'
  }

  get queuedMessages(): number {
    return this.queue.length
  }

  get unsentBytes(): number {
    return this.queue.bytes + this.socket.bufferedAmount
  }

  /** A text or binary frame from the console. */
  receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.mode === 'closed') return
    if (isBinary) return this.sendError('invalid_message', 'messages are JSON text frames')
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8')
    const parsed = parseClientMessage(text)
    if (!parsed.ok) return this.sendError(parsed.code, parsed.message)
    this.subscribe(parsed.subscription)
  }

  /** A new subscription replaces the filters; with `since` it replays first. */
  subscribe(sub: Subscription): void {
    const generation = ++this.generation
    this.sub = sub
    this.pending = []
    this.liveFrom = undefined
    this.pendingEpoch++
    if (sub.since === undefined) {
      // Live from here: what the log handed over before this subscribe is not for it.
      this.covered = this.host.lastId
      this.mode = 'live'
      return
    }
    this.mode = 'replaying'
    this.replay(generation, sub.since).catch((err: unknown) => {
      if (generation === this.generation) this.host.failed(this, err)
    })
  }

  /**
   * A batch the log has just made durable. Only a replaying console takes it now (held back
   * until the replay ends); live consoles get it from the tick at the next flush (`offer`).
   */
  deliver(events: readonly StoredEvent[], jsonAt: (i: number) => string): void {
    if (this.mode === 'replaying') {
      const cap = this.host.limits.maxQueueMessages
      for (let i = 0; i < events.length; i++) {
        const e = events[i] as StoredEvent
        this.liveFrom ??= e.id
        if (!isVisible(e, this.principal, this.sub)) continue
        this.pending.push({ id: e.id, json: jsonAt(i) })
        // Everything held here is also in the log: rather than hold more, forget it and let
        // the replay read further before it switches to live.
        if (this.pending.length > cap) {
          this.pending = []
          this.liveFrom = undefined
          this.pendingEpoch++
        }
      }
    }
  }

  /** The events of a flush tick, for a live console. */
  offer(tick: Tick, frames: FrameCache): void {
    if (this.mode !== 'live' || tick.size === 0) return
    this.lastSeenId = tick.lastId
    const { socketHighWaterBytes, maxFrameBytes } = this.host.limits
    const keepingUp = this.queue.length === 0 && this.socket.bufferedAmount < socketHighWaterBytes && tick.firstId > this.covered
    const seesAll = this.principal.sites === null && this.sub.topics === null && this.sub.sites === null && this.sub.cameras === null
    if (keepingUp && seesAll) {
      if (this.socket.readyState !== this.socket.OPEN) return
      for (const frame of tick.frames(maxFrameBytes)) this.write(frame.data, frame.byKind)
      this.queue.lastSentId = tick.lastId
      return
    }
    for (let i = 0; i < tick.size; i++) {
      const e = tick.event(i)
      if (e.id > this.covered && isVisible(e, this.principal, this.sub)) this.enqueue(tick.jsonAt(i), e.id, 'live')
    }
    if (this.overBound()) return this.lag()
    if (this.flush(frames) === 'more') this.host.markDirty(this)
  }

  private async replay(generation: number, since: number): Promise<void> {
    const { log } = this.host
    const pageSize = Math.max(1, Math.min(this.host.limits.replayPageSize, Math.floor(this.host.limits.maxQueueMessages / 2)))
    const window = await log.window()
    if (generation !== this.generation) return
    if (since > window.newest || since < window.oldest - 1) {
      this.host.reset()
      return this.goLive(window.newest, JSON.stringify({ type: 'reset', id: window.newest }))
    }
    let cursor = since
    let lastReplayed: number | undefined
    for (;;) {
      await this.roomForReplay(pageSize)
      if (generation !== this.generation) return
      const epoch = this.pendingEpoch
      const page = await log.readAfter(cursor, pageSize)
      if (generation !== this.generation) return
      // Ids need not be contiguous, so only a window that passed the cursor proves a loss.
      if (page[0]?.id !== cursor + 1) {
        const now = await log.window()
        if (generation !== this.generation) return
        if (cursor < now.oldest - 1) return this.lag()
      }
      for (const e of page) {
        if (!isVisible(e, this.principal, this.sub)) continue
        this.enqueue(e.messageBytes ?? eventJson(e), e.id, 'replay')
        lastReplayed = e.id
      }
      const last = page[page.length - 1]
      if (last) cursor = last.id
      // Replays are bulk: send now rather than at the next coalescing tick.
      if (this.flush() === 'more') this.host.markDirty(this)
      const reachedPending = this.liveFrom !== undefined && cursor >= this.liveFrom - 1
      const logDrained = page.length < pageSize && epoch === this.pendingEpoch
      if (reachedPending || logDrained) break
    }
    this.goLive(cursor, JSON.stringify({ type: 'replayed', id: lastReplayed ?? since }))
  }

  /** Ends a replay (or a reset): the marker, then what arrived meanwhile above `through`. */
  private goLive(through: number, marker: string): void {
    if (this.mode !== 'replaying') return
    this.enqueue(marker, 0, 'control')
    let covered = through
    for (const p of this.pending) {
      if (p.id <= through) continue
      this.enqueue(p.json, p.id, 'live')
      covered = p.id
    }
    this.pending = []
    this.liveFrom = undefined
    this.covered = covered
    this.mode = 'live'
    // What was held back was within bounds; hand it over now rather than judge it as lag.
    if (this.flush() === 'more') this.host.markDirty(this)
  }

  private roomForReplay(pageSize: number): Promise<void> {
    if (this.hasRoomForReplay(pageSize)) return Promise.resolve()
    return new Promise((resolve) => {
      this.roomWaiter = () => {
        if (!this.hasRoomForReplay(pageSize) && this.mode !== 'closed') return
        this.roomWaiter = undefined
        resolve()
      }
    })
  }

  private hasRoomForReplay(pageSize: number): boolean {
    return this.queue.length <= pageSize && this.queue.bytes <= this.host.limits.maxQueueBytes / 2
  }

  private enqueue(json: string | Uint8Array, id: number, kind: MessageKind): void {
    if (this.queue.length === 0) this.host.markDirty(this)
    this.queue.push(json, id, kind)
  }

  private overBound(): boolean {
    const { maxQueueMessages, maxQueueBytes } = this.host.limits
    return this.queue.length > maxQueueMessages || this.unsentBytes > maxQueueBytes
  }

  /**
   * Hands queued messages to the socket as frames while the socket's own buffer has room.
   * 'blocked' means a write under way will resume it when it completes; 'more' that the next
   * flush tick has to. `frames` shares identical frames between the consoles of one tick.
   */
  flush(frames?: FrameCache): 'done' | 'more' | 'blocked' {
    if (this.mode === 'closed' || this.socket.readyState !== this.socket.OPEN) return 'done'
    const { socketHighWaterBytes, maxFrameBytes } = this.host.limits
    let result: 'done' | 'more' | 'blocked' = 'done'
    while (this.queue.length > 0) {
      if (this.socket.bufferedAmount >= socketHighWaterBytes) {
        result = this.inFlight > 0 ? 'blocked' : 'more'
        break
      }
      const frame = this.queue.take(maxFrameBytes, frames) as NonNullable<ReturnType<SendQueue['take']>>
      this.write(frame.data, frame.byKind)
    }
    this.roomWaiter?.()
    return result
  }

  private write(data: Buffer, byKind: Readonly<Record<MessageKind, number>>): void {
    this.host.counted(byKind)
    this.inFlight++
    this.socket.send(data, { binary: false }, () => this.drained())
  }

  /** The socket wrote a frame out; if messages still wait, carry on without waiting for a tick. */
  private drained(): void {
    this.inFlight--
    if (this.inFlight > 0 || this.mode === 'closed' || this.queue.length === 0) return
    if (this.flush() === 'more') this.host.markDirty(this)
  }

  private sendError(code: string, message: string): void {
    this.enqueue(JSON.stringify({ type: 'error', error: { code, message } }), 0, 'control')
  }

  /**
   * Where this console can resume: the last event sent, else where it stood before the first
   * unsent one (its `since`, or just before the first queued event).
   */
  private resumeId(): number {
    if (this.queue.lastSentId !== undefined) return this.queue.lastSentId
    if (this.sub.since !== undefined) return this.sub.since
    const first = this.queue.firstEventId()
    return first === undefined ? this.lastSeenId : first - 1
  }

  /** Past its bound: tell the console where to resume, and close without waiting for it. */
  lag(): void {
    if (this.mode === 'closed') return
    const id = this.resumeId()
    this.stop('lagging')
    // Behind whatever the socket already holds, so the console reads every sent event first.
    this.socket.send(JSON.stringify({ type: 'lagging', id }))
    this.socket.close(CLOSE_LAGGING, 'lagging')
  }

  /** Closes from the server's side (shutdown, revoked credentials, errors). */
  close(code: number, text: string, reason: CloseReason): void {
    if (this.mode === 'closed') return
    this.stop(reason)
    this.socket.close(code, text)
  }

  terminate(reason: CloseReason): void {
    if (this.mode === 'closed') return
    this.stop(reason)
    this.socket.terminate()
  }

  /** The socket closed; if the server did not close it, the console did. */
  socketClosed(): void {
    this.stop('client')
  }

  private stop(reason: CloseReason): void {
    if (this.mode === 'closed') return
    this.mode = 'closed'
    this.generation++
    this.queue.clear()
    this.pending = []
    this.roomWaiter?.()
    this.host.closed(this, reason)
  }
}
