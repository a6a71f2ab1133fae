// A raw HTTP/2 *server* for the upstream-side tests (RFC 9113): a loopback `net` server that reads the
// client preface and frames, records every frame the gateway sends (HEADERS decoded with our own HPACK
// decoder, CONTINUATION gathered), and lets each test script exactly which frames it answers with.
// By default it sends an empty SETTINGS, ACKs the gateway's SETTINGS and grants back every DATA byte it
// receives; a test turns those off to misbehave.
import net from 'node:net'
import { HpackDecoder, HpackEncoder } from '../../src/gateway/http2/hpack/index.ts'
import {
  FLAG,
  FRAME,
  type Frame,
  frame,
  PREFACE,
  SETTING,
  settingsFrame,
  takeFrame,
  windowUpdate,
} from './frames.ts'

/** A request as the upstream saw it: its decoded head, its body, whether the gateway ended it. */
export interface UpstreamRequest {
  readonly id: number
  readonly conn: UpstreamConnection
  /** The request header block: [name, value] in order, pseudo-header fields included. */
  readonly fields: [string, string][]
  /** Trailers the gateway sent, if any. */
  trailers: [string, string][] | undefined
  readonly body: Buffer[]
  ended: boolean
  /** RST_STREAM code from the gateway, if it reset the stream. */
  resetCode: number | undefined
  /** We ended or reset our side. */
  answered: boolean
}

export interface UpstreamOptions {
  /** Our SETTINGS ([id, value] pairs); null: never send SETTINGS (nor anything else unscripted). */
  readonly settings?: readonly (readonly [number, number])[] | null
  /** Grant back each DATA byte the gateway sends (WINDOW_UPDATE on the stream and the connection). */
  readonly grantData?: boolean
}

const field = (list: string[]): [string, string][] => {
  const out: [string, string][] = []
  for (let i = 0; i < list.length; i += 2) out.push([list[i] as string, list[i + 1] as string])
  return out
}

/** One connection from the gateway. */
export class UpstreamConnection {
  readonly socket: net.Socket
  /** 1 for the first connection the upstream accepted, and so on. */
  readonly index: number
  /** Every frame received after the preface, in order. */
  readonly frames: Frame[] = []
  readonly requests = new Map<number, UpstreamRequest>()
  /** Whether the 24-byte client preface came first. */
  prefaceOk: boolean | undefined = undefined
  closed = false
  /** The most streams this connection had open (gateway's HEADERS in, not yet answered or reset). */
  maxOpen = 0
  /** Why a header block from the gateway did not decode, if one did not (the connection then ends). */
  hpackError: string | undefined = undefined
  private readonly decoder = new HpackDecoder()
  private readonly encoder = new HpackEncoder()
  private readonly owner: RawUpstream
  private buf: Buffer = Buffer.alloc(0)
  private block: { id: number; flags: number; parts: Buffer[] } | undefined = undefined

  constructor(owner: RawUpstream, socket: net.Socket, index: number) {
    this.owner = owner
    this.socket = socket
    this.index = index
    // Each scripted frame leaves at once (Nagle would hold a second small write for the peer's ACK).
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk])
      this.parse()
      owner.wake()
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closed = true
      owner.wake()
    })
    if (owner.options.settings !== null) this.write(settingsFrame(owner.options.settings ?? []))
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes)
  }

  /** Response (or trailer) fields as one HEADERS frame with END_HEADERS. */
  headers(id: number, fields: readonly (readonly [string, string])[], endStream = false): void {
    this.write(
      frame(FRAME.HEADERS, FLAG.END_HEADERS | (endStream ? FLAG.END_STREAM : 0), id, this.encode(fields)),
    )
    if (endStream) this.answered(id)
  }

  /** Our HPACK encoding of `fields` (a copy: the encoder reuses its buffer). */
  encode(fields: readonly (readonly [string, string])[]): Buffer {
    return Buffer.from(this.encoder.encode(fields.flat()))
  }

  /** DATA frames of at most 16,384 bytes (the gateway's SETTINGS_MAX_FRAME_SIZE); END_STREAM on the last. */
  data(id: number, bytes: Buffer | string, endStream = false): void {
    const b = Buffer.from(bytes)
    let at = 0
    do {
      const end = Math.min(b.length, at + 16_384)
      const last = end === b.length
      this.write(frame(FRAME.DATA, last && endStream ? FLAG.END_STREAM : 0, id, b.subarray(at, end)))
      at = end
    } while (at < b.length)
    if (endStream) this.answered(id)
  }

  reset(id: number, code: number): void {
    const p = Buffer.alloc(4)
    p.writeUInt32BE(code, 0)
    this.write(frame(FRAME.RST_STREAM, 0, id, p))
    this.answered(id)
  }

  goaway(lastStreamId: number, code: number, debug = ''): void {
    const p = Buffer.alloc(8)
    p.writeUInt32BE(lastStreamId, 0)
    p.writeUInt32BE(code, 4)
    this.write(frame(FRAME.GOAWAY, 0, 0, Buffer.concat([p, Buffer.from(debug)])))
  }

  /** A whole answer: 200 with `body` (and content-length), then END_STREAM. */
  respond(id: number, body: string | Buffer, extra: [string, string][] = []): void {
    const b = Buffer.from(body)
    this.headers(id, [[':status', '200'], ['content-length', String(b.length)], ...extra])
    this.data(id, b, true)
  }

  private answered(id: number): void {
    const r = this.requests.get(id)
    if (r !== undefined) r.answered = true
  }

  /** Streams open now: requests neither answered by us nor reset by the gateway. */
  get open(): number {
    let n = 0
    for (const r of this.requests.values()) if (!r.answered && r.resetCode === undefined) n++
    return n
  }

  /** Frames received of `type` (on `streamId` when given). */
  framesOf(type: number, streamId?: number): Frame[] {
    return this.frames.filter((f) => f.type === type && (streamId === undefined || f.streamId === streamId))
  }

  /** The gateway's GOAWAY, if any: last stream id and error code. */
  get goawayReceived(): { lastStreamId: number; code: number } | undefined {
    const f = this.framesOf(FRAME.GOAWAY)[0]
    if (f === undefined) return undefined
    return { lastStreamId: f.payload.readUInt32BE(0) & 0x7fffffff, code: f.payload.readUInt32BE(4) }
  }

  close(): void {
    this.socket.destroy()
  }

  private parse(): void {
    if (this.prefaceOk === undefined) {
      if (this.buf.length < PREFACE.length) return
      this.prefaceOk = this.buf.subarray(0, PREFACE.length).equals(PREFACE)
      this.buf = this.buf.subarray(PREFACE.length)
    }
    for (let next = takeFrame(this.buf); next !== undefined; next = takeFrame(this.buf)) {
      const [f, rest] = next
      this.buf = rest
      this.frames.push(f)
      this.onFrame(f)
    }
  }

  private onFrame(f: Frame): void {
    const opts = this.owner.options
    switch (f.type) {
      case FRAME.SETTINGS: {
        if ((f.flags & FLAG.ACK) === 0 && opts.settings !== null)
          this.write(frame(FRAME.SETTINGS, FLAG.ACK, 0))
        // Our SETTINGS_HEADER_TABLE_SIZE binds the gateway's encoder once it acknowledged it (RFC 7541 §4.2).
        const table = opts.settings?.find(([id]) => id === SETTING.HEADER_TABLE_SIZE)
        if ((f.flags & FLAG.ACK) !== 0 && table !== undefined) this.decoder.setMaxTableSize(table[1])
        return
      }
      case FRAME.HEADERS: {
        let at = 0
        let end = f.payload.length
        if (f.flags & 0x8) {
          at = 1
          end -= f.payload[0] as number
        }
        if (f.flags & 0x20) at += 5
        this.block = { id: f.streamId, flags: f.flags, parts: [f.payload.subarray(at, end)] }
        if (f.flags & FLAG.END_HEADERS) this.endBlock()
        return
      }
      case FRAME.CONTINUATION:
        this.block?.parts.push(f.payload)
        if (f.flags & FLAG.END_HEADERS) this.endBlock()
        return
      case FRAME.DATA: {
        const r = this.requests.get(f.streamId)
        let body = f.payload
        if (f.flags & 0x8) body = body.subarray(1, body.length - (body[0] as number))
        r?.body.push(body)
        if (opts.grantData !== false && f.payload.length > 0)
          this.write(
            Buffer.concat([windowUpdate(0, f.payload.length), windowUpdate(f.streamId, f.payload.length)]),
          )
        if (r !== undefined && f.flags & FLAG.END_STREAM) this.ended(r)
        return
      }
      case FRAME.RST_STREAM: {
        const r = this.requests.get(f.streamId)
        if (r !== undefined) r.resetCode = f.payload.readUInt32BE(0)
        return
      }
      default:
    }
  }

  private endBlock(): void {
    const block = this.block as { id: number; flags: number; parts: Buffer[] }
    this.block = undefined
    const bytes = Buffer.concat(block.parts)
    const list: string[] = []
    try {
      this.decoder.decode(bytes, 0, bytes.length, list, Number.POSITIVE_INFINITY)
    } catch (err) {
      // What a server does (RFC 9113 §4.3): a connection error, so the gateway's request fails at once.
      this.hpackError ??= (err as Error).message
      this.goaway(0, 0x9 /* COMPRESSION_ERROR */)
      this.socket.end()
      return
    }
    const known = this.requests.get(block.id)
    if (known !== undefined) {
      known.trailers = field(list)
      if (block.flags & FLAG.END_STREAM) this.ended(known)
      return
    }
    const r: UpstreamRequest = {
      id: block.id,
      conn: this,
      fields: field(list),
      trailers: undefined,
      body: [],
      ended: false,
      resetCode: undefined,
      answered: false,
    }
    this.requests.set(r.id, r)
    this.maxOpen = Math.max(this.maxOpen, this.open)
    this.owner.onHeaders?.(r)
    if (block.flags & FLAG.END_STREAM) this.ended(r)
  }

  private ended(r: UpstreamRequest): void {
    r.ended = true
    this.owner.onRequest?.(r)
  }
}

/** The loopback server; `onHeaders` / `onRequest` script the answers. */
export class RawUpstream {
  readonly options: UpstreamOptions
  readonly connections: UpstreamConnection[] = []
  /** Called when a request's head arrived. */
  onHeaders: ((r: UpstreamRequest) => void) | undefined = undefined
  /** Called when a request ended (its whole body arrived). */
  onRequest: ((r: UpstreamRequest) => void) | undefined = undefined
  private readonly server: net.Server
  private readonly waiters = new Set<() => void>()
  port = 0

  private constructor(options: UpstreamOptions) {
    this.options = options
    this.server = net.createServer((socket) => {
      this.connections.push(new UpstreamConnection(this, socket, this.connections.length + 1))
      this.wake()
    })
  }

  static async start(options: UpstreamOptions = {}): Promise<RawUpstream> {
    const up = new RawUpstream(options)
    await new Promise<void>((resolve) => up.server.listen(0, '127.0.0.1', resolve))
    up.port = (up.server.address() as net.AddressInfo).port
    return up
  }

  /** The route target that makes the gateway speak h2c to this server. */
  get url(): string {
    return `h2c://127.0.0.1:${this.port}`
  }

  /** Every request on every connection, in arrival order per connection. */
  get requests(): UpstreamRequest[] {
    return this.connections.flatMap((c) => [...c.requests.values()])
  }

  wake(): void {
    for (const w of [...this.waiters]) w()
  }

  /** Waits until `check()` holds; false after `ms`. */
  async waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
    if (check()) return true
    return new Promise<boolean>((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer)
        this.waiters.delete(onEvent)
        resolve(value)
      }
      const onEvent = () => {
        if (check()) done(true)
      }
      const timer = setTimeout(() => done(check()), ms)
      this.waiters.add(onEvent)
    })
  }

  close(): Promise<void> {
    for (const c of this.connections) c.close()
    return new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
