/** Retry and rate policies of the uplink: pure, so that tests need no clock. */

export interface RetryPolicy {
  /** Delay after the first failure, ms; it doubles per failed attempt up to `maxMs`. */
  readonly minMs: number
  readonly maxMs: number
}

/**
 * Exponential backoff with "equal jitter": half the capped exponential delay, plus a random part
 * up to the other half. Many agents that lost the same server then come back spread out rather
 * than in lockstep, and none retries sooner than half its step.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(Math.max(0, attempt), 30))
  return step / 2 + random() * (step / 2)
}

/**
 * A token bucket that paces the backlog: `reserve(n)` takes n tokens now and answers how long to
 * wait before using them. Tokens accrue at `ratePerS` up to one second's worth, so a short idle
 * spell allows a short burst but the long-run rate never exceeds the bound.
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly ratePerS: number,
    private readonly now: () => number,
  ) {
    if (!(ratePerS > 0)) throw new RangeError('rate must be positive')
    this.tokens = ratePerS
    this.last = now()
  }

  reserve(n: number): number {
    const t = this.now()
    this.tokens = Math.min(this.ratePerS, this.tokens + ((t - this.last) / 1000) * this.ratePerS)
    this.last = t
    this.tokens -= n
    return this.tokens >= 0 ? 0 : (-this.tokens / this.ratePerS) * 1000
  }
}
