import { describe, expect, it } from 'vitest'
import { FrameCache, SendQueue } from './send-queue.js'

const texts = ['{"id":1}', '{"id":2}', '{"id":3}', '{"id":4}']

function queueOf(ids: number[]): SendQueue {
  const q = new SendQueue()
  for (const id of ids) q.push(texts[id - 1] as string, id, 'live')
  return q
}

describe('SendQueue', () => {
  it('frames byte messages that lie a comma apart in memory as one run, and any others one by one, the same JSON', () => {
    // As the event log writes replayed messages: one after the other, a comma after each.
    const memory = Buffer.from('{"id":1},{"id":2},{"id":3},{"id":4}x{"id":5},{"id":6}')
    const at = (from: number, to: number) => memory.subarray(from, to)
    const one = at(0, 8)
    const two = at(9, 17)
    const three = at(18, 26)
    const four = at(27, 35)
    // Next to four, but an "x" rather than a comma between them.
    const five = at(36, 44)
    const six = at(45, 53)
    const elsewhere = Buffer.from('{"id":7}')
    const q = new SendQueue()
    const parts: Array<string | Uint8Array> = [one, two, three, four, five, six, '{"id":8}', elsewhere, two]
    parts.forEach((p, i) => q.push(p, i + 1, 'replay'))
    const frame = q.take(1 << 20)
    const expected = `[${parts.map((p) => (typeof p === 'string' ? p : Buffer.from(p).toString())).join(',')}]`
    expect(frame?.data.toString()).toBe(expected)
    expect(JSON.parse(frame?.data.toString() ?? '')).toHaveLength(parts.length)
    expect(frame?.messages).toBe(parts.length)
  })

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

  it('frames messages held as UTF-8 bytes, alone or among text ones, without sharing them', () => {
    const cache = new FrameCache()
    const q = new SendQueue()
    q.push(Buffer.from('{"id":1,"cam":"café"}'), 1, 'replay')
    q.push(new Uint8Array(Buffer.from('{"id":2}')), 2, 'replay')
    q.push('{"type":"replayed","id":2,"note":"ü"}', 0, 'control')
    q.push('{"id":3}', 3, 'live')
    expect(q.bytes).toBe(Buffer.byteLength('{"id":1,"cam":"café"}') + 8 + '{"type":"replayed","id":2,"note":"ü"}'.length + 8)
    const first = q.take(1000, cache)
    expect(first?.data.toString()).toBe('[{"id":1,"cam":"café"},{"id":2},{"type":"replayed","id":2,"note":"ü"},{"id":3}]')
    expect(JSON.parse(first?.data.toString() ?? '')).toHaveLength(4)
    expect(first?.byKind).toEqual({ live: 1, replay: 2, control: 1 })
    expect(q.lastSentId).toBe(3)
    expect(q.bytes).toBe(0)
    // One message of bytes goes as itself; the bound counts its bytes.
    q.push(Buffer.from('{"id":4}'), 4, 'replay')
    q.push(Buffer.from('{"id":5}'), 5, 'replay')
    expect(q.take(8)?.data.toString()).toBe('{"id":4}')
    expect(q.take(8)?.data.toString()).toBe('{"id":5}')
    expect(q.length).toBe(0)
  })
})
