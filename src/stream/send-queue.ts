export type MessageKind = 'live' | 'replay' | 'control'

export interface Frame {
  readonly data: Buffer
  readonly messages: number
  readonly byKind: Readonly<Record<MessageKind, number>>
}

/**
 * Frames built in one flush, shared between consoles: after a batch, most consoles have the
 * same messages queued, and joining and encoding them once instead of once per console is what
 * lets one process feed a thousand consoles.
 */
export class FrameCache {
  private readonly byFirst = new Map<string, Array<{ parts: readonly string[]; data: Buffer }>>()

  data(queue: readonly string[], start: number, end: number): Buffer {
    const first = queue[start] as string
    const candidates = this.byFirst.get(first)
    next: for (const c of candidates ?? []) {
      if (c.parts.length !== end - start) continue
      // Usually the very same string objects, so each comparison is a pointer check.
      for (let i = 1; i < c.parts.length; i++) if (c.parts[i] !== queue[start + i]) continue next
      return c.data
    }
    const parts = queue.slice(start, end)
    const data = encode(parts)
    if (candidates) candidates.push({ parts, data })
    else this.byFirst.set(first, [{ parts, data }])
    return data
  }
}

/** One message as itself, several as a JSON array (DESIGN §6: clients accept both). */
function encode(parts: readonly string[]): Buffer {
  return Buffer.from(parts.length === 1 ? (parts[0] as string) : `[${parts.join(',')}]`)
}

/**
 * Several messages as one JSON array, copied into one buffer: for frames that hold messages
 * already in bytes (a replay's, see StoredEvent.messageBytes), which then never become strings.
 * Byte messages that follow each other in memory with one comma between them (the event log
 * writes them so) are copied as one run.
 */
function encodeParts(parts: ReadonlyArray<string | Uint8Array>, start: number, end: number): Buffer {
  if (end - start === 1) {
    const only = parts[start] as string | Uint8Array
    return typeof only === 'string' ? Buffer.from(only) : Buffer.from(only.buffer, only.byteOffset, only.byteLength)
  }
  let bytes = end - start + 1
  for (let i = start; i < end; i++) {
    const p = parts[i] as string | Uint8Array
    bytes += typeof p === 'string' ? Buffer.byteLength(p) : p.byteLength
  }
  const out = Buffer.allocUnsafe(bytes)
  let pos = 0
  out[pos++] = 0x5b // [
  for (let i = start; i < end; ) {
    if (i > start) out[pos++] = 0x2c // ,
    const p = parts[i] as string | Uint8Array
    if (typeof p === 'string') {
      pos += out.write(p, pos)
      i++
      continue
    }
    // The run of byte messages that lie one after the other, a comma apart.
    let last = p
    let j = i + 1
    const next = parts[j]
    if (j < end && typeof next !== 'string' && next?.buffer === p.buffer) {
      const memory = new Uint8Array(p.buffer)
      for (; j < end; j++) {
        const q = parts[j] as string | Uint8Array
        const after = last.byteOffset + last.byteLength
        if (typeof q === 'string' || q.buffer !== p.buffer || q.byteOffset !== after + 1 || memory[after] !== 0x2c) break
        last = q
      }
    }
    const runEnd = last.byteOffset + last.byteLength
    out.set(new Uint8Array(p.buffer, p.byteOffset, runEnd - p.byteOffset), pos)
    pos += runEnd - p.byteOffset
    i = j
  }
  out[pos++] = 0x5d // ]
  return out
}

/**
 * A console's unsent messages, serialised (as text, or as UTF-8 bytes), with their event ids (0
 * for control messages).
 */
export class SendQueue {
  // Parallel arrays with a moving head: cheaper than shift() on long queues.
  private texts: Array<string | Uint8Array> = []
  private ids: number[] = []
  private kinds: MessageKind[] = []
  private head = 0
  private chars = 0
  /** The id of the last event taken for sending. */
  lastSentId: number | undefined

  get length(): number {
    return this.texts.length - this.head
  }

  /** Approximately the bytes waiting (characters of text; event JSON is nearly all ASCII). */
  get bytes(): number {
    return this.chars
  }

  push(text: string | Uint8Array, id: number, kind: MessageKind): void {
    this.texts.push(text)
    this.ids.push(id)
    this.kinds.push(kind)
    this.chars += typeof text === 'string' ? text.length : text.byteLength
  }

  firstEventId(): number | undefined {
    for (let i = this.head; i < this.ids.length; i++) {
      const id = this.ids[i] as number
      if (id > 0) return id
    }
    return undefined
  }

  /** The next frame: as many messages as fit in `maxBytes`, and always at least one. */
  take(maxBytes: number, cache?: FrameCache): Frame | undefined {
    const start = this.head
    if (start >= this.texts.length) return undefined
    let chars = 0
    let end = start
    let hasBytes = false
    while (end < this.texts.length) {
      const text = this.texts[end] as string | Uint8Array
      const isText = typeof text === 'string'
      const len = isText ? text.length : text.byteLength
      if (end > start && chars + len > maxBytes) break
      if (!isText) hasBytes = true
      chars += len
      end++
    }
    const data = hasBytes ? encodeParts(this.texts, start, end) : cache ? cache.data(this.texts as string[], start, end) : encode(this.texts.slice(start, end) as string[])
    const byKind = { live: 0, replay: 0, control: 0 }
    for (let i = start; i < end; i++) {
      byKind[this.kinds[i] as MessageKind]++
      const id = this.ids[i] as number
      if (id > 0) this.lastSentId = id
    }
    this.head = end
    this.chars -= chars
    this.compact()
    return { data, messages: end - start, byKind }
  }

  clear(): void {
    // Truncated rather than replaced: the same arrays serve every flush without new garbage.
    this.texts.length = 0
    this.ids.length = 0
    this.kinds.length = 0
    this.head = 0
    this.chars = 0
  }

  private compact(): void {
    if (this.head === this.texts.length) this.clear()
    else if (this.head > 1024 && this.head * 2 > this.texts.length) {
      this.texts = this.texts.slice(this.head)
      this.ids = this.ids.slice(this.head)
      this.kinds = this.kinds.slice(this.head)
      this.head = 0
    }
  }
}
