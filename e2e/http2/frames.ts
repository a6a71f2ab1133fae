// A raw HTTP/2 client for the tests node:http2 cannot express (it queues streams past the peer's
// limit, and it never sends a HEADERS frame it has already cancelled): exact frames out (RFC 9113 §4),
// every frame back, with just enough HPACK (RFC 7541) to send requests and read a response's :status.
import net from 'node:net'

export const FRAME = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const

export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const

export const ERROR = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  ENHANCE_YOUR_CALM: 0xb,
} as const

export const SETTING = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  ENABLE_CONNECT_PROTOCOL: 0x8,
} as const

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

export interface Frame {
  readonly type: number
  readonly flags: number
  readonly streamId: number
  readonly payload: Buffer
}

export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.length, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(streamId & 0x7fffffff, 5)
  return Buffer.concat([head, payload])
}

/** RFC 7541 §5.1 integer with an N-bit prefix; `first` holds the bits above the prefix. */
function hpackInt(value: number, prefixBits: number, first: number): Buffer {
  const max = (1 << prefixBits) - 1
  if (value < max) return Buffer.from([first | value])
  const bytes = [first | max]
  let rest = value - max
  while (rest >= 128) {
    bytes.push((rest % 128) + 128)
    rest = Math.floor(rest / 128)
  }
  bytes.push(rest)
  return Buffer.from(bytes)
}

/** A header block of literal fields without indexing, new names, no Huffman (RFC 7541 §6.2.2). */
export function headerBlock(fields: readonly (readonly [string, string])[]): Buffer {
  const parts: Buffer[] = []
  for (const [name, value] of fields) {
    const n = Buffer.from(name, 'latin1')
    const v = Buffer.from(value, 'latin1')
    parts.push(Buffer.from([0x00]), hpackInt(n.length, 7, 0), n, hpackInt(v.length, 7, 0), v)
  }
  return Buffer.concat(parts)
}

/** HEADERS (END_HEADERS, and END_STREAM unless `endStream` is false) for a request. */
export function requestHeaders(
  streamId: number,
  opts: { method?: string; path: string; authority: string; extra?: [string, string][]; endStream?: boolean },
): Buffer {
  const fields: [string, string][] = [
    [':method', opts.method ?? 'GET'],
    [':scheme', 'http'],
    [':authority', opts.authority],
    [':path', opts.path],
    ...(opts.extra ?? []),
  ]
  const flags = FLAG.END_HEADERS | (opts.endStream === false ? 0 : FLAG.END_STREAM)
  return frame(FRAME.HEADERS, flags, streamId, headerBlock(fields))
}

export function rstStream(streamId: number, code: number): Buffer {
  const p = Buffer.alloc(4)
  p.writeUInt32BE(code, 0)
  return frame(FRAME.RST_STREAM, 0, streamId, p)
}

export function settingsFrame(settings: readonly (readonly [number, number])[] = []): Buffer {
  const p = Buffer.alloc(6 * settings.length)
  settings.forEach(([id, value], i) => {
    p.writeUInt16BE(id, 6 * i)
    p.writeUInt32BE(value, 6 * i + 2)
  })
  return frame(FRAME.SETTINGS, 0, 0, p)
}

export function windowUpdate(streamId: number, increment: number): Buffer {
  const p = Buffer.alloc(4)
  p.writeUInt32BE(increment, 0)
  return frame(FRAME.WINDOW_UPDATE, 0, streamId, p)
}

/** The settings in a SETTINGS frame's payload, in order. */
export function settingsOf(f: Frame): [number, number][] {
  const out: [number, number][] = []
  for (let at = 0; at + 6 <= f.payload.length; at += 6)
    out.push([f.payload.readUInt16BE(at), f.payload.readUInt32BE(at + 2)])
  return out
}

// HPACK Huffman codes of the ten digits (RFC 7541 Appendix B), enough to read a status code.
const DIGIT_CODES: readonly (readonly [number, number])[] = [
  [0b00000, 5],
  [0b00001, 5],
  [0b00010, 5],
  [0b011001, 6],
  [0b011010, 6],
  [0b011011, 6],
  [0b011100, 6],
  [0b011101, 6],
  [0b011110, 6],
  [0b011111, 6],
]

function huffmanDigits(bytes: Buffer): string | undefined {
  let bits = ''
  for (const b of bytes) bits += b.toString(2).padStart(8, '0')
  let out = ''
  let at = 0
  while (out.length < 3) {
    const digit = DIGIT_CODES.findIndex(
      ([code, len]) => bits.slice(at, at + len) === code.toString(2).padStart(len, '0'),
    )
    if (digit < 0) return undefined
    out += String(digit)
    at += (DIGIT_CODES[digit] as readonly [number, number])[1]
  }
  return out
}

const STATIC_STATUS: Record<number, number> = { 8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500 }

function readInt(block: Buffer, at: number, prefixBits: number): { value: number; next: number } {
  const max = (1 << prefixBits) - 1
  let value = (block[at] as number) & max
  let next = at + 1
  if (value < max) return { value, next }
  let m = 0
  for (let i = 0; i < 5; i++) {
    const b = block[next++] as number
    value += (b & 0x7f) * 2 ** m
    m += 7
    if ((b & 0x80) === 0) break
  }
  return { value, next }
}

/** The :status of a response header block (it is the first field a server sends), if it can be read. */
export function statusOf(block: Buffer): number | undefined {
  let at = 0
  // Dynamic table size updates (001xxxxx) may come first.
  for (let i = 0; i < 4 && at < block.length && ((block[at] as number) & 0xe0) === 0x20; i++)
    at = readInt(block, at, 5).next
  const b = block[at]
  if (b === undefined) return undefined
  if (b & 0x80) return STATIC_STATUS[readInt(block, at, 7).value]
  // A literal whose name is static index 8..14 (:status): with incremental indexing (01), without (0000)
  // or never indexed (0001).
  const prefix = (b & 0xc0) === 0x40 ? 6 : 4
  const name = readInt(block, at, prefix)
  if (STATIC_STATUS[name.value] === undefined) return undefined
  const len = readInt(block, name.next, 7)
  const raw = block.subarray(len.next, len.next + len.value)
  const text = ((block[name.next] as number) & 0x80) !== 0 ? huffmanDigits(raw) : raw.toString('latin1')
  return text === undefined ? undefined : Number(text)
}

/** One connection that speaks frames: ACKs SETTINGS and PING, grants every DATA byte back, records all. */
/** The first whole frame in `buf` and the bytes after it, or undefined while it is incomplete. */
export function takeFrame(buf: Buffer): [Frame, Buffer] | undefined {
  if (buf.length < 9) return undefined
  const len = buf.readUIntBE(0, 3)
  if (buf.length < 9 + len) return undefined
  const f: Frame = {
    type: buf[3] as number,
    flags: buf[4] as number,
    streamId: buf.readUInt32BE(5) & 0x7fffffff,
    payload: Buffer.from(buf.subarray(9, 9 + len)),
  }
  return [f, buf.subarray(9 + len)]
}

export class RawH2 {
  readonly socket: net.Socket
  readonly frames: Frame[] = []
  closed = false
  /** Whether every DATA octet received is granted back at once (off: the test sends WINDOW_UPDATE). */
  grantWindow = true
  private buf: Buffer = Buffer.alloc(0)
  private waiters = new Set<() => void>()

  private constructor(socket: net.Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk])
      this.parse()
      this.wake()
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
  }

  /** Connects, sends the preface and `settings`. */
  static connect(port: number, settings: readonly (readonly [number, number])[] = []): Promise<RawH2> {
    return RawH2.connectWith(port, Buffer.concat([PREFACE, settingsFrame(settings)]))
  }

  /** Connects, sends the preface and `settings`, and waits for the server's SETTINGS (which it ACKs). */
  static async session(port: number, settings: readonly (readonly [number, number])[] = []): Promise<RawH2> {
    const c = await RawH2.connect(port, settings)
    const theirs = () => c.frames.some((f) => f.type === FRAME.SETTINGS && (f.flags & FLAG.ACK) === 0)
    if (await c.waitFor(theirs, 5000)) return c
    c.close()
    throw new Error('the server sent no SETTINGS within 5 s')
  }

  /** Connects and sends exactly `opening` (for tests of the connection preface itself). */
  static async connectWith(port: number, opening: Buffer): Promise<RawH2> {
    const socket = net.connect(port, '127.0.0.1')
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('error', reject)
    })
    const c = new RawH2(socket)
    c.write(opening)
    return c
  }

  write(bytes: Buffer): boolean {
    if (this.closed || this.socket.destroyed) return false
    return this.socket.write(bytes)
  }

  /** Resolves once the socket can take more (or is gone). */
  async drained(): Promise<void> {
    if (this.closed || !this.socket.writableNeedDrain) return
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done)
        this.socket.off('close', done)
        resolve()
      }
      this.socket.on('drain', done)
      this.socket.on('close', done)
    })
  }

  private parse(): void {
    for (let guard = 0; guard < 100_000; guard++) {
      const next = takeFrame(this.buf)
      if (next === undefined) return
      const [f, rest] = next
      this.buf = rest
      this.frames.push(f)
      if (f.type === FRAME.SETTINGS && (f.flags & FLAG.ACK) === 0)
        this.write(frame(FRAME.SETTINGS, FLAG.ACK, 0))
      if (f.type === FRAME.PING && (f.flags & FLAG.ACK) === 0)
        this.write(frame(FRAME.PING, FLAG.ACK, 0, f.payload))
      if (f.type === FRAME.DATA && f.payload.length > 0 && this.grantWindow)
        this.write(
          Buffer.concat([windowUpdate(0, f.payload.length), windowUpdate(f.streamId, f.payload.length)]),
        )
    }
  }

  private wake(): void {
    for (const w of [...this.waiters]) w()
  }

  /** Waits until `check()` holds or the connection closes; false after `ms`. */
  async waitFor(check: () => boolean, ms: number): Promise<boolean> {
    if (check()) return true
    return new Promise<boolean>((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer)
        this.waiters.delete(onEvent)
        resolve(value)
      }
      const onEvent = () => {
        if (check()) done(true)
        else if (this.closed) done(check())
      }
      const timer = setTimeout(() => done(check()), ms)
      this.waiters.add(onEvent)
    })
  }

  /** The first GOAWAY received: last stream id and error code. */
  get goaway(): { lastStreamId: number; code: number } | undefined {
    return this.goaways()[0]
  }

  /** Every GOAWAY received, in order. */
  goaways(): { lastStreamId: number; code: number }[] {
    return this.frames
      .filter((f) => f.type === FRAME.GOAWAY)
      .map((f) => ({ lastStreamId: f.payload.readUInt32BE(0) & 0x7fffffff, code: f.payload.readUInt32BE(4) }))
  }

  /** RST_STREAM codes by stream. */
  resets(): Map<number, number> {
    const m = new Map<number, number>()
    for (const f of this.frames) if (f.type === FRAME.RST_STREAM) m.set(f.streamId, f.payload.readUInt32BE(0))
    return m
  }

  /** The :status of the first HEADERS on each stream (undefined where it could not be read). */
  statuses(): Map<number, number | undefined> {
    const m = new Map<number, number | undefined>()
    for (const f of this.frames)
      if (f.type === FRAME.HEADERS && f.streamId !== 0 && !m.has(f.streamId))
        m.set(f.streamId, statusOf(headerFragment(f)))
    return m
  }

  /** Streams whose response ended (END_STREAM on HEADERS or DATA). */
  ended(): Set<number> {
    const s = new Set<number>()
    for (const f of this.frames)
      if ((f.type === FRAME.HEADERS || f.type === FRAME.DATA) && f.flags & FLAG.END_STREAM) s.add(f.streamId)
    return s
  }

  /** The DATA received on `streamId`, padding removed. */
  body(streamId: number): Buffer {
    const parts: Buffer[] = []
    for (const f of this.frames)
      if (f.type === FRAME.DATA && f.streamId === streamId)
        parts.push(
          f.flags & FLAG.PADDED
            ? f.payload.subarray(1, f.payload.length - (f.payload[0] as number))
            : f.payload,
        )
    return Buffer.concat(parts)
  }

  close(): void {
    this.socket.destroy()
  }
}

/** A HEADERS frame's header block fragment (without padding and priority fields). */
function headerFragment(f: Frame): Buffer {
  let at = 0
  let end = f.payload.length
  if (f.flags & 0x8) {
    const pad = f.payload[0] as number
    at = 1
    end -= pad
  }
  if (f.flags & 0x20) at += 5
  return f.payload.subarray(at, end)
}
