import { describe, expect, it } from 'vitest'
import { ManualClock } from '../core/clock.js'
import { MemoryEventLog } from './memory-event-log.js'
import { describeEventLogContract, telemetryEvent } from './test-support/event-log-contract.js'

describeEventLogContract('MemoryEventLog', () => ({
  open: async (s) => new MemoryEventLog({ clock: s.clock, maxEvents: s.maxEvents, maxAgeMs: s.maxAgeMs }),
}))

describe('MemoryEventLog', () => {
  it('keeps reading by id correctly after dropping old events from memory', async () => {
    const log = new MemoryEventLog({ clock: new ManualClock(0), maxEvents: 5000, maxAgeMs: 1000 })
    for (let i = 0; i < 30; i++) await log.append(Array.from({ length: 1000 }, (_, j) => telemetryEvent(i * 1000 + j)))
    expect(await log.window()).toEqual({ oldest: 25_001, newest: 30_000 })
    const page = await log.readAfter(27_500, 3)
    expect(page.map((e) => e.id)).toEqual([27_501, 27_502, 27_503])
    expect((page[0]?.data as { seq: number }).seq).toBe(27_500)
  })

  it('still delivers a batch to the other listeners when one throws, and reports the error', async () => {
    const errors: unknown[] = []
    const log = new MemoryEventLog({ clock: new ManualClock(0), maxEvents: 10, maxAgeMs: 1000, onListenerError: (err) => errors.push(err) })
    const seen: number[] = []
    log.subscribe(() => {
      throw new Error('boom')
    })
    log.subscribe((events) => seen.push(...events.map((e) => e.id)))
    await expect(log.append([telemetryEvent(1)])).resolves.toHaveLength(1)
    expect(seen).toEqual([1])
    expect(errors).toEqual([new Error('boom')])
  })
})
