// A copy of a body's first bytes as they pass on their way (to the upstream or the client), for the
// request inspector: bytes are copied into one buffer that grows up to the cap, never converted on
// the way, and nothing is done past the cap but counting.

/** What the proxy reads per request to decide whether to capture (0: capture is off). */
export interface CaptureSettings {
  bodyLimit: number
}

const FIRST_SIZE = 4096

/** Small bodies share Node's pooled slabs (a slice, no allocation of its own: cheap on the request path). */
const allocate = (size: number): Buffer =>
  size < Buffer.poolSize >>> 1 ? Buffer.allocUnsafe(size) : Buffer.allocUnsafeSlow(size)

export class BodyCapture {
  readonly limit: number
  /** Bytes that passed. */
  seen = 0
  /** Bytes kept, at the start of `bytes`. */
  kept = 0
  bytes: Buffer | undefined = undefined
  /** The size the sender announced (content-length), or -1. */
  readonly expected: number

  constructor(limit: number, expected = -1) {
    this.limit = limit
    this.expected = expected
  }

  add(chunk: Buffer): void {
    const n = chunk.length
    this.seen += n
    const room = this.limit - this.kept
    if (room <= 0 || n === 0) return
    const take = n < room ? n : room
    let bytes = this.bytes
    if (bytes === undefined || bytes.length - this.kept < take) bytes = this.grow(this.kept + take)
    // Buffer#copy takes a range: no view object per chunk.
    chunk.copy(bytes, this.kept, 0, take)
    this.kept += take
  }

  get truncated(): boolean {
    return this.seen > this.kept
  }

  private grow(need: number): Buffer {
    let size =
      this.bytes === undefined ? (this.expected > 0 ? this.expected : FIRST_SIZE) : this.bytes.length * 2
    if (size < need) size = need
    if (size > this.limit) size = this.limit
    const next = allocate(size)
    if (this.bytes !== undefined) this.bytes.copy(next, 0, 0, this.kept)
    this.bytes = next
    return next
  }
}

/** A capture of `buffer`, a body a policy already holds in full (no copy when it fits the cap). */
export function captureOf(buffer: Buffer, limit: number): BodyCapture {
  const c = new BodyCapture(limit, buffer.length)
  if (buffer.length <= limit) {
    c.bytes = buffer
    c.kept = buffer.length
    c.seen = buffer.length
  } else c.add(buffer)
  return c
}
