// The frames a connection has to send, gathered until the next flush so that everything written in
// one turn of the event loop goes to the socket as one write. Small payloads are copied into a shared
// buffer (their owner may reuse them at once); large ones are sent by reference and their `done`
// callbacks run once the socket has taken them.
import type { Duplex } from 'node:stream'
import { FRAME_HEADER } from './frame-codes.ts'

/** Payloads up to this size are copied; larger ones go by reference. */
export const COPY_LIMIT = 2048
const EMPTY = Buffer.alloc(0)
const SLAB = 32 * 1024

export class FrameWriter {
  private buf = Buffer.allocUnsafe(SLAB)
  private start = 0
  private end = 0
  private chunks: Buffer[] = []
  private dones: (() => void)[] = []
  /** Bytes gathered and not flushed yet. */
  pending = 0

  /** One frame; `payload` (a view of it from `from` to `to`) is copied or referenced. */
  frame(
    type: number,
    flags: number,
    streamId: number,
    payload: Buffer | undefined,
    from = 0,
    to = payload === undefined ? 0 : payload.length,
    done?: () => void,
  ): void {
    const length = to - from
    const copy = length <= COPY_LIMIT
    this.reserve(FRAME_HEADER + (copy ? length : 0))
    const b = this.buf
    const at = this.header(length, type, flags, streamId)
    if (copy) {
      if (length > 0) (payload as Buffer).copy(b, at, from, to)
      this.end = at + length
      this.pending += FRAME_HEADER + length
      done?.()
      return
    }
    this.end = at
    this.cut()
    this.chunks.push(
      from === 0 && to === (payload as Buffer).length
        ? (payload as Buffer)
        : (payload as Buffer).subarray(from, to),
    )
    if (done !== undefined) this.dones.push(done)
    this.pending += FRAME_HEADER + length
  }

  /** A frame whose payload is written in place by `fill` (`length` bytes at the given offset). */
  frameWith(
    type: number,
    flags: number,
    streamId: number,
    length: number,
    fill: (b: Buffer, at: number) => void,
  ): void {
    this.reserve(FRAME_HEADER + length)
    const b = this.buf
    const at = this.header(length, type, flags, streamId)
    fill(b, at)
    this.end = at + length
    this.pending += FRAME_HEADER + length
  }

  /** Whether anything (bytes or callbacks) waits for the next flush. */
  get waiting(): boolean {
    return this.pending > 0 || this.dones.length > 0
  }

  /** Runs `done` once everything gathered so far has been taken by the socket. */
  afterFlush(done: () => void): void {
    this.dones.push(done)
  }

  /** Bytes as they are (the client connection preface). */
  raw(bytes: Buffer): void {
    this.reserve(bytes.length)
    bytes.copy(this.buf, this.end)
    this.end += bytes.length
    this.pending += bytes.length
  }

  /** Hands everything gathered to the socket; false when the socket wants a pause (its buffer is full). */
  flush(socket: Duplex): boolean {
    this.cut()
    const chunks = this.chunks
    const dones = this.dones
    if (chunks.length === 0) {
      if (dones.length === 0) return true
      // Only callbacks: they run once what the socket already holds has gone (writes keep their order).
      chunks.push(EMPTY)
    }
    this.chunks = []
    this.dones = []
    this.pending = 0
    const callback =
      dones.length === 0
        ? undefined
        : () => {
            for (const d of dones) d()
          }
    if (socket.destroyed || !socket.writable) {
      callback?.()
      return true
    }
    let ok = true
    if (chunks.length === 1) ok = socket.write(chunks[0] as Buffer, callback)
    else {
      socket.cork()
      const last = chunks.length - 1
      for (let i = 0; i < last; i++) socket.write(chunks[i] as Buffer)
      ok = socket.write(chunks[last] as Buffer, callback)
      socket.uncork()
    }
    return ok
  }

  /** The 9-byte frame header at the end of the buffer (room reserved); returns where the payload goes. */
  private header(length: number, type: number, flags: number, streamId: number): number {
    const b = this.buf
    const at = this.end
    b[at] = (length >>> 16) & 0xff
    b[at + 1] = (length >>> 8) & 0xff
    b[at + 2] = length & 0xff
    b[at + 3] = type
    b[at + 4] = flags
    b.writeUInt32BE(streamId, at + 5)
    return at + FRAME_HEADER
  }

  /** Drops what was gathered (the connection is gone); `done` callbacks still run. */
  discard(): void {
    const dones = this.dones
    this.chunks = []
    this.dones = []
    this.start = this.end
    this.pending = 0
    for (const d of dones) d()
  }

  /** The bytes from `start` to `end` become a chunk of their own (the socket owns them from now on). */
  private cut(): void {
    if (this.end > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.end))
      this.start = this.end
    }
  }

  private reserve(n: number): void {
    if (this.buf.length - this.end >= n) return
    this.cut()
    this.buf = Buffer.allocUnsafe(Math.max(SLAB, n))
    this.start = 0
    this.end = 0
  }
}
