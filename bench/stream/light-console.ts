/**
 * A WebSocket console for the bench's load, lighter than `ws` (RFC 6455, just what the stream
 * needs): it reads its socket into one buffer that every read reuses (net's `onread`), so a
 * million deliveries a second make no garbage here. Node allocates a buffer per socket read
 * otherwise, and `ws` adds its own per frame; in the consoles' one process that garbage
 * collection was the largest part of the CPU, and every frame of every console waited behind
 * it. A real console has a machine of its own.
 *
 * It gives each whole text message to `onMessage` as a view that is valid only during the call
 * (copy what you keep). It answers pings, so the server's heartbeat keeps it, and closes as asked.
 */
import { randomBytes } from 'node:crypto'
import { type Socket, connect } from 'node:net'

const READ_BUFFER_BYTES = 256 * 1024

export interface LightConsoleHandlers {
  onOpen(c: LightConsole): void
  onMessage(data: Buffer): void
  onClose(code: number): void
}

export class LightConsole {
  private readonly socket: Socket
  private open = false
  private handshake = Buffer.alloc(0)
  /** A frame header cut by a read: its bytes so far. */
  private header = Buffer.alloc(14)
  private headerHave = 0
  /** The frame being read: its opcode, payload bytes left, and the payload so far when cut by reads. */
  private opcode = 0
  private left = 0
  private payload = Buffer.alloc(64 * 1024)
  private payloadHave = 0
  private inFrame = false
  private closed = false
  /** This side has sent its close frame (the answer to the server's, or its own). */
  private closeSent = false

  constructor(url: string, token: string, private readonly on: LightConsoleHandlers) {
    const u = new URL(`${url}/api/v1/stream?token=${encodeURIComponent(token)}`)
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES)
    this.socket = connect({
      host: u.hostname,
      port: Number(u.port),
      onread: { buffer: readBuffer, callback: (n) => this.read(readBuffer, n) },
    })
    this.socket.setNoDelay(true)
    this.socket.on('connect', () => {
      const key = randomBytes(16).toString('base64')
      this.socket.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      )
    })
    this.socket.on('close', () => this.gone(1006))
    this.socket.on('error', (err) => console.error('console error:', err.message))
  }

  sendText(text: string): void {
    this.sendFrame(0x1, Buffer.from(text))
  }

  close(): void {
    if (this.closed || this.closeSent) return
    this.closeSent = true
    const body = Buffer.alloc(2)
    body.writeUInt16BE(1000)
    this.sendFrame(0x8, body)
  }

  private read(buf: Buffer, n: number): boolean {
    if (!this.open) {
      // The handshake's answer is small and read once: copying it costs nothing.
      this.handshake = Buffer.concat([this.handshake, buf.subarray(0, n)])
      const end = this.handshake.indexOf('\r\n\r\n')
      if (end === -1) return true
      if (!this.handshake.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
        console.error('console handshake refused:', this.handshake.subarray(0, end).toString('latin1').split('\r\n')[0])
        this.socket.destroy()
        return false
      }
      this.open = true
      const rest = Buffer.from(this.handshake.subarray(end + 4))
      this.handshake = Buffer.alloc(0)
      this.on.onOpen(this)
      if (rest.length > 0) this.frames(rest, 0, rest.length)
      return true
    }
    this.frames(buf, 0, n)
    return true
  }

  /** Reads frames from buf[pos, end). */
  private frames(buf: Buffer, pos: number, end: number): void {
    while (pos < end) {
      if (!this.inFrame) {
        const used = this.readHeader(buf, pos, end)
        if (used < 0) return
        pos = used
        if (this.left === 0) this.frameDone(buf, pos, pos)
        continue
      }
      const take = Math.min(this.left, end - pos)
      this.left -= take
      if (this.left === 0 && this.payloadHave === 0) {
        // The whole payload in this read: read it where it lies.
        this.frameDone(buf, pos, pos + take)
      } else {
        this.keep(buf, pos, take)
        if (this.left === 0) this.frameDone(this.payload, 0, this.payloadHave)
      }
      pos += take
    }
  }

  /** Reads a header from buf[pos, end); answers where its payload starts, or -1 when the header goes on in the next read. */
  private readHeader(buf: Buffer, pos: number, end: number): number {
    const size = (h: Buffer, at: number) => {
      const len7 = (h[at + 1] as number) & 0x7f
      return len7 === 126 ? 4 : len7 === 127 ? 10 : 2
    }
    if (this.headerHave === 0 && end - pos >= 2 && end - pos >= size(buf, pos)) {
      this.startFrame(buf, pos)
      return pos + size(buf, pos)
    }
    // Cut by the read: gathered across reads.
    let p = pos
    while (p < end && (this.headerHave < 2 || this.headerHave < size(this.header, 0))) this.header[this.headerHave++] = buf[p++] as number
    if (this.headerHave < 2 || this.headerHave < size(this.header, 0)) return -1
    this.startFrame(this.header, 0)
    this.headerHave = 0
    return p
  }

  private startFrame(h: Buffer, at: number): void {
    const b0 = h[at] as number
    const b1 = h[at + 1] as number
    if ((b0 & 0x80) === 0 || (b1 & 0x80) !== 0) throw new Error('the bench console reads only whole, unmasked frames')
    this.opcode = b0 & 0x0f
    const len7 = b1 & 0x7f
    this.left = len7 === 126 ? h.readUInt16BE(at + 2) : len7 === 127 ? Number(h.readBigUInt64BE(at + 2)) : len7
    this.inFrame = true
    this.payloadHave = 0
  }

  private keep(buf: Buffer, pos: number, n: number): void {
    if (this.payloadHave + n > this.payload.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * this.payload.length, this.payloadHave + n + this.left))
      this.payload.copy(bigger, 0, 0, this.payloadHave)
      this.payload = bigger
    }
    buf.copy(this.payload, this.payloadHave, pos, pos + n)
    this.payloadHave += n
  }

  private frameDone(buf: Buffer, start: number, end: number): void {
    this.inFrame = false
    this.payloadHave = 0
    const op = this.opcode
    if (op === 0x1 || op === 0x2) this.on.onMessage(buf.subarray(start, end))
    else if (op === 0x9) this.sendFrame(0xa, Buffer.from(buf.subarray(start, end)))
    else if (op === 0x8) {
      const code = end - start >= 2 ? buf.readUInt16BE(start) : 1005
      if (!this.closeSent) {
        this.closeSent = true
        this.sendFrame(0x8, Buffer.from(buf.subarray(start, Math.min(end, start + 2))))
      }
      this.socket.end()
      this.gone(code)
    }
  }

  /** A masked frame, as a client must send. */
  private sendFrame(opcode: number, body: Buffer): void {
    if (this.socket.destroyed) return
    if (body.length > 125 && opcode >= 0x8) throw new Error('control frames carry at most 125 bytes')
    const lenBytes = body.length < 126 ? 0 : body.length < 65536 ? 2 : 8
    const frame = Buffer.allocUnsafe(2 + lenBytes + 4 + body.length)
    frame[0] = 0x80 | opcode
    if (lenBytes === 0) frame[1] = 0x80 | body.length
    else if (lenBytes === 2) {
      frame[1] = 0x80 | 126
      frame.writeUInt16BE(body.length, 2)
    } else {
      frame[1] = 0x80 | 127
      frame.writeBigUInt64BE(BigInt(body.length), 2)
    }
    const mask = randomBytes(4)
    mask.copy(frame, 2 + lenBytes)
    const at = 2 + lenBytes + 4
    for (let i = 0; i < body.length; i++) frame[at + i] = (body[i] as number) ^ (mask[i & 3] as number)
    this.socket.write(frame)
  }

  private gone(code: number): void {
    if (this.closed) return
    this.closed = true
    this.on.onClose(code)
  }
}
