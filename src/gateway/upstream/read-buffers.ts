// Reusable read buffers for upstream connections. Node reads a socket into a fresh 64 KiB allocation
// each time, which lives until the garbage collector gets to the Buffer around it: under 64 KiB
// responses that is 20–30 MB of response bytes kept resident between scavenges. A connection instead
// reads into one buffer of its own (net.Socket's `onread`), again and again, while nothing holds on
// to its bytes. A response body chunk is a view of that buffer; a handler that writes it to the client
// holds the buffer until the write is done (`hold()`), and the connection reads into another one
// meanwhile. Buffers let go of return to a small shared free list.

/** Node's own read size for sockets. */
export const READ_BUFFER_BYTES = 64 * 1024
/** Free buffers kept for reuse (the rest are left to the garbage collector). */
const MAX_FREE = 32

const free: ReadBuffer[] = []

export class ReadBuffer {
  readonly bytes = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES)
  /** Writes still using these bytes. */
  private holds = 0
  /** Its connection has moved on (or closed): free it when the last hold is released. */
  private retired = false

  /** Called once per hold; bound, so it can be passed as a write callback without a closure. */
  readonly release = (): void => {
    this.holds--
    if (this.holds === 0 && this.retired) this.recycle()
  }

  hold(): () => void {
    this.holds++
    return this.release
  }

  get held(): boolean {
    return this.holds > 0
  }

  /** The connection no longer reads into this buffer. */
  retire(): void {
    if (this.holds === 0) this.recycle()
    else this.retired = true
  }

  private recycle(): void {
    this.retired = false
    if (free.length < MAX_FREE) free.push(this)
  }
}

export function takeReadBuffer(): ReadBuffer {
  return free.pop() ?? new ReadBuffer()
}

/** For tests: how many buffers wait on the free list. */
export function freeReadBuffers(): number {
  return free.length
}
