import type { Logger } from 'pino'
import type { Clock } from '../core/clock.js'
import type { OutboxMessage, OutboxStore } from './model.js'
import type { Notifier } from './notifier.js'

export interface DispatcherOptions {
  outbox: OutboxStore
  notifiers: readonly Notifier[]
  clock: Clock
  logger: Logger
  /** Asked just before sending: a reason to drop the message instead (e.g. folded into an incident). */
  shouldDrop?: (m: OutboxMessage) => Promise<string | undefined> | string | undefined
  /**
   * Awaited before each pass, so that messages on their way to the outbox when it starts are in
   * it: the alert engine stores its notifications after the ingest answer (AlertEngine.whenStored).
   */
  beforePass?: () => Promise<unknown>
  /** Told of each message once the outbox has it as delivered (the console shows a ticket as sent). */
  onDelivered?: (m: OutboxMessage) => void
  pollMs?: number
  minBackoffMs?: number
  maxBackoffMs?: number
}

/**
 * Delivers the outbox: every due message goes to its channel's notifier; failures are retried
 * with exponential backoff and jitter, forever (never lost), and survive restarts because the
 * outbox is in the store.
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined

  constructor(private readonly o: DispatcherOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.o.pollMs ?? 500)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.running
  }

  /** One pass over what is due; a pass already under way is joined rather than doubled. */
  runOnce(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined))
    return this.running
  }

  private async pass(): Promise<void> {
    await this.o.beforePass?.()
    const now = this.o.clock.now()
    for (const m of await this.o.outbox.due(now, 100)) {
      const drop = await this.o.shouldDrop?.(m)
      if (drop) {
        await this.o.outbox.drop(m.id, drop, now)
        continue
      }
      const notifier = this.o.notifiers.find((n) => n.channel === m.channel)
      if (!notifier) {
        await this.o.outbox.drop(m.id, `no notifier for channel ${m.channel}`, now)
        continue
      }
      try {
        await notifier.send(m)
        await this.o.outbox.markDelivered(m.id, this.o.clock.now())
      } catch (err) {
        const min = this.o.minBackoffMs ?? 1000
        const max = this.o.maxBackoffMs ?? 300_000
        const backoff = Math.min(max, min * 2 ** Math.min(m.attempts, 20)) * (0.5 + Math.random() / 2)
        await this.o.outbox.markFailed(m.id, (err as Error).message, this.o.clock.now() + backoff)
        this.o.logger.warn({ id: m.id, attempts: m.attempts + 1, error: (err as Error).message }, 'notification not delivered; will retry')
        continue
      }
      try {
        this.o.onDelivered?.(m)
      } catch (err) {
        this.o.logger.error({ err, id: m.id }, 'delivery listener failed')
      }
    }
  }
}
