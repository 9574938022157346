import { describe, expect, it } from 'vitest'
import { FrameCache, SendQueue } from './send-queue.js'

const texts = ['{"id":1}', '{"id":2}', '{"id":3}', '{"id":4}']

function queueOf(ids: number[]): SendQueue {
  const q = new SendQueue()
  for (const id of ids) q.push(texts[id - 1] as string, id, 'live')
  return q
}

describe('SendQueue', () => {
  it('frames one message as itself and several as a JSON array, up to the byte bound', () => {
    const q = queueOf([1, 2, 3])
    q.push('{"type":"replayed","id":3}', 0, 'control')
    const first = q.take(16)
    expect(first?.data.toString()).toBe('[{"id":1},{"id":2}]')
    expect(first?.byKind).toEqual({ live: 2, replay: 0, control: 0 })
    expect(q.lastSentId).toBe(2)
    expect(q.firstEventId()).toBe(3)
    // A message larger than the bound still goes, alone.
    expect(q.take(1)?.data.toString()).toBe('{"id":3}')
    expect(q.take(1000)?.byKind).toEqual({ live: 0, replay: 0, control: 1 })
    expect(q.lastSentId).toBe(3)
    expect(q.length).toBe(0)
    expect(q.bytes).toBe(0)
    expect(q.take(1000)).toBeUndefined()
  })

  it('shares a frame between consoles with the same messages, and only then', () => {
    const cache = new FrameCache()
    const a = queueOf([1, 2, 4]).take(1000, cache)
    const b = queueOf([1, 2, 4]).take(1000, cache)
    const c = queueOf([1, 3, 4]).take(1000, cache)
    const d = queueOf([1, 2]).take(1000, cache)
    expect(b?.data).toBe(a?.data)
    expect(c?.data.toString()).toBe('[{"id":1},{"id":3},{"id":4}]')
    expect(d?.data.toString()).toBe('[{"id":1},{"id":2}]')
  })
})
