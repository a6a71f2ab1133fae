// One HTTP/2 stream (RFC 9113 §5.1) of a connection of ours, either role: what may still be sent and
// received on it, its flow-control windows (§6.9), and what is waiting for window to be sent.

/** What the owner of a stream is told; every method optional. */
export interface StreamHandler {
  /** A header block: a response head or interim response (client role), or trailers. */
  onHeaders?(stream: H2Stream, fields: string[], endStream: boolean): void
  /** Content; the chunk is the stream's (it is not reused). Call `stream.consumed(n)` once it is handled. */
  onData?(stream: H2Stream, chunk: Buffer): void
  /** The peer ended its side (after its last DATA or trailers). */
  onEnd?(stream: H2Stream): void
  /** The stream is closed: 0 when both sides ended cleanly, else the RST_STREAM / connection error code. */
  onClose?(stream: H2Stream, code: number): void
  /** The stream can take more (after `write` returned false). */
  onWritable?(stream: H2Stream): void
}

/** What a stream asks of its connection (h2-connection.ts). */
export interface StreamOwner {
  sendHeaderBlock(stream: H2Stream, fields: readonly string[], endStream: boolean): void
  sendData(stream: H2Stream, chunk: Buffer, done: (() => void) | undefined): boolean
  sendEnd(stream: H2Stream, trailers: readonly string[] | undefined): void
  sendReset(stream: H2Stream | undefined, code: number): void
  giveBack(stream: H2Stream, n: number): void
  streamClosed(stream: H2Stream): void
  afterFlush(done: () => void): void
}

interface Queued {
  readonly chunk: Buffer
  offset: number
  readonly done: (() => void) | undefined
}

export class H2Stream {
  readonly id: number
  readonly conn: StreamOwner
  handler: StreamHandler | undefined = undefined
  /** What we may still send (the peer's window for this stream). */
  sendWindow: number
  /** What the peer may still send before our next WINDOW_UPDATE. */
  recvWindow: number
  /** Received and handled bytes not yet given back to the peer. */
  unacked = 0
  localEnded = false
  remoteEnded = false
  closed = false
  headersSent = false
  /** The final response head was received (client role). */
  responded = false
  /** Why we reset the stream as malformed (RFC 9113 §8.1.1), for the error its owner reports. */
  malformed: string | undefined = undefined
  /** The message's content-length, -1 if none; checked against the DATA (§8.1.1). */
  contentLength = -1
  received = 0
  /** DATA waiting for window, in order. */
  queue: Queued[] | undefined = undefined
  /** `end()` was called while DATA waited: null ends without trailers, a list ends with them. */
  endAfterQueue: string[] | null | undefined = undefined
  /** Our side ended before the peer's: RST_STREAM NO_ERROR once all of ours is out (RFC 9113 §8.1). */
  resetWhenEnded = false

  constructor(conn: StreamOwner, id: number, sendWindow: number, recvWindow: number) {
    this.conn = conn
    this.id = id
    this.sendWindow = sendWindow
    this.recvWindow = recvWindow
  }

  /** A header block (name, value, …); `endStream` ends our side with it. An interim one (1xx) is not the head. */
  sendHeaders(fields: readonly string[], endStream: boolean, interim = false): void {
    if (this.localEnded || this.closed) return
    if (!interim) this.headersSent = true
    this.conn.sendHeaderBlock(this, fields, endStream)
    if (endStream) this.endLocal()
  }

  /** Content. False: wait for `onWritable` before writing more. `done` runs once the bytes are taken. */
  write(chunk: Buffer, done?: () => void): boolean {
    if (this.localEnded || this.closed) {
      done?.()
      return false
    }
    if (chunk.length === 0) {
      done?.()
      return true
    }
    return this.conn.sendData(this, chunk, done)
  }

  /** Ends our side: after the queued DATA, with trailers when given. */
  end(trailers?: readonly string[]): void {
    if (this.localEnded || this.closed) return
    if (this.queue !== undefined && this.queue.length > 0) {
      this.endAfterQueue = trailers === undefined ? null : [...trailers]
      return
    }
    this.conn.sendEnd(this, trailers)
    this.endLocal()
  }

  /** RST_STREAM with `code`; the stream is closed at once. */
  reset(code: number): void {
    if (this.closed) return
    this.conn.sendReset(this, code)
    this.close(code)
  }

  /** The owner handled `n` bytes of content: the peer may send that much more. */
  consumed(n: number): void {
    this.conn.giveBack(this, n)
  }

  /** Our side is done: the stream closes once the peer's is too. */
  endLocal(): void {
    this.localEnded = true
    if (this.remoteEnded) this.close(0)
    else if (this.resetWhenEnded) this.reset(0)
  }

  /** The peer's side is done. */
  endRemote(): void {
    if (this.remoteEnded) return
    this.remoteEnded = true
    this.handler?.onEnd?.(this)
    if (this.localEnded && !this.closed) this.close(0)
  }

  close(code: number): void {
    if (this.closed) return
    this.closed = true
    const queue = this.queue
    this.queue = undefined
    // A chunk partly sent may have pieces still on their way by reference: given back after them.
    if (queue !== undefined)
      for (const q of queue) {
        if (q.done === undefined) continue
        if (q.offset > 0) this.conn.afterFlush(q.done)
        else q.done()
      }
    this.conn.streamClosed(this)
    this.handler?.onClose?.(this, code)
  }
}
