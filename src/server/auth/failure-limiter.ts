import type { Clock } from '../../core/clock.js'

/**
 * Counts failed authentications per client address in a fixed window. Past `max` failures the
 * address is refused (429 with Retry-After) until the window ends, whatever it presents, so a
 * flood of guessed tokens or passwords learns nothing more.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>()

  constructor(
    private readonly o: { max: number; windowMs: number; clock: Clock },
  ) {}

  /** Seconds until the address may try again, or 0 when it may now. */
  retryAfter(key: string): number {
    const w = this.current(key)
    if (!w || w.failures < this.o.max) return 0
    return Math.max(1, Math.ceil((w.start + this.o.windowMs - this.o.clock.now()) / 1000))
  }

  fail(key: string): void {
    const now = this.o.clock.now()
    const w = this.current(key)
    if (w) w.failures++
    else this.windows.set(key, { start: now, failures: 1 })
    // Bounded memory under a flood from many addresses: drop finished windows now and then.
    if (this.windows.size > 10_000) this.prune(now)
  }

  private current(key: string) {
    const w = this.windows.get(key)
    if (w && w.start + this.o.windowMs <= this.o.clock.now()) {
      this.windows.delete(key)
      return undefined
    }
    return w
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (w.start + this.o.windowMs <= now) this.windows.delete(k)
  }
}
