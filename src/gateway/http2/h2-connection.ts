// One HTTP/2 connection of our own (RFC 9113), either role: the frame reader, SETTINGS, PING, GOAWAY,
// flow control both ways (§5.2, §6.9), header blocks with their CONTINUATION frames, and the stream
// table. The roles (server-connection.ts, client-connection.ts) add what differs: who opens streams
// and what a header block means.
//
// Everything written in one turn of the event loop leaves as one socket write (frame-writer.ts).
// Bounds: a header block of at most MAX_HEADER_BLOCK encoded bytes and maxHeaderList decoded ones,
// frames of at most 16 KiB, and a socket whose peer does not read stops being read until it drains,
// so nothing the peer makes us send (PING and SETTINGS acknowledgements) piles up.
import type { Duplex } from 'node:stream'
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME,
  DEFAULT_WINDOW,
  ErrorCode,
  Flag,
  FRAME_HEADER,
  FrameType,
  MAX_WINDOW,
  Setting,
} from './frame-codes.ts'
import { COPY_LIMIT, FrameWriter } from './frame-writer.ts'
import type { H2Stream, StreamOwner } from './h2-stream.ts'
import { HpackDecoder, HpackError } from './hpack/decoder.ts'
import { HpackEncoder } from './hpack/encoder.ts'

/** Encoded header block bytes (HEADERS plus CONTINUATION) accepted before the connection is cut. */
export const MAX_HEADER_BLOCK = 64 * 1024
/** Frames one header block may take (HEADERS and its CONTINUATION frames). */
const MAX_CONTINUATIONS = 32
/**
 * Each stream's receive window stays at the default 65,535 (it bounds what a stream's reader that does
 * not read can have buffered: 128 streams × 64 KiB); the connection's is raised at start and given
 * back as DATA arrives, so one slow stream does not stall the others.
 */
export const STREAM_WINDOW = DEFAULT_WINDOW
const CONNECTION_WINDOW = 1024 * 1024
/** Socket bytes queued towards a peer that does not read before we stop reading from it. */
const CONGESTED_BYTES = 1024 * 1024
/** How long a closing connection's last bytes have to leave: after a graceful end, after an error. */
const CLOSE_GRACE_MS = 1000
const ERROR_GRACE_MS = 100
/** How many of the streams we reset last are remembered (frames for them are ignored). */
const RECENT_RESETS = 64

export interface ConnectionOptions {
  /** Our SETTINGS_MAX_CONCURRENT_STREAMS (streams the peer may open); undefined: not sent. */
  readonly maxConcurrentStreams?: number
  /** Our SETTINGS_MAX_HEADER_LIST_SIZE: decoded size per header block (§6.5.2). */
  readonly maxHeaderList: number
  /** SETTINGS_ENABLE_PUSH 0 (a client's). */
  readonly disablePush?: boolean
}

/** A connection error (§5.4.1): GOAWAY with `code`, then the connection closes. */
export class ConnectionError extends Error {
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

export abstract class H2Connection implements StreamOwner {
  readonly socket: Duplex
  readonly streams = new Map<number, H2Stream>()
  protected readonly writer = new FrameWriter()
  protected readonly decoder = new HpackDecoder()
  protected readonly encoder = new HpackEncoder()
  protected readonly options: ConnectionOptions
  /** The peer's settings. */
  peerMaxFrame = DEFAULT_MAX_FRAME
  peerInitialWindow = DEFAULT_WINDOW
  peerMaxConcurrent = Number.POSITIVE_INFINITY
  /** Connection-level windows. */
  sendWindow = DEFAULT_WINDOW
  private recvWindow = DEFAULT_WINDOW
  private recvUnacked = 0
  /** Streams waiting for the connection's window. */
  private readonly blocked = new Set<H2Stream>()
  /** Streams that asked to be told when they can write again. */
  private readonly waitingWritable = new Set<H2Stream>()
  /**
   * Input not yet a whole frame, in the pieces it came in, and how many bytes it takes before the
   * next frame can be read: joined once, so a frame trickled a byte at a time costs no more to put
   * together than one that came whole.
   */
  private parts: Buffer[] = []
  private partBytes = 0
  private need = 0
  /** A header block being gathered: its stream, flags of its HEADERS and the fragments. */
  private block:
    | { id: number; flags: number; parts: Buffer[]; size: number; prioritySelf: boolean }
    | undefined = undefined
  /** The peer's first frame must be SETTINGS (§3.4). */
  gotSettings = false
  /** The socket's error, when it ended with one (ECONNREFUSED, ECONNRESET, a TLS failure…). */
  socketError: Error | undefined = undefined
  /** Why the connection ended, when it was an error: ours (`local`) or the peer's GOAWAY. */
  failure: { code: number; message: string; local: boolean } | undefined = undefined
  private prefaceLeft: number
  private flushQueued = false
  /** Inside the frame loop: what is done now is a peer's frame's doing. */
  private reading = false
  /** Set when a peer went past a bound: the frame loop ends the connection with ENHANCE_YOUR_CALM. */
  protected calmReason: string | undefined = undefined
  private readonly recentResets: number[] = []
  private recentAt = 0
  private congested = false
  goawaySent = false
  goawayReceived = false
  destroyed = false
  /** Highest stream id the peer opened (server) / we opened (client). */
  lastPeerStream = 0
  private readonly onSocketData = (chunk: Buffer) => this.read(chunk)
  private readonly flushNow = () => this.flush()

  constructor(socket: Duplex, options: ConnectionOptions, expectPreface: boolean) {
    this.socket = socket
    this.options = options
    this.prefaceLeft = expectPreface ? CLIENT_PREFACE.length : 0
    socket.on('data', this.onSocketData)
    socket.on('error', (err: Error) => {
      this.socketError ??= err
      this.destroy()
    })
    socket.on('close', () => this.destroy())
    socket.on('end', () => this.destroy())
  }

  /** Our SETTINGS and a larger connection window: the first frames we send. */
  protected sendPreface(clientPreface: boolean): void {
    const settings: [number, number][] = [[Setting.MAX_HEADER_LIST_SIZE, this.options.maxHeaderList]]
    if (this.options.maxConcurrentStreams !== undefined)
      settings.push([Setting.MAX_CONCURRENT_STREAMS, this.options.maxConcurrentStreams])
    if (this.options.disablePush) settings.push([Setting.ENABLE_PUSH, 0])
    if (clientPreface) this.writer.raw(CLIENT_PREFACE)
    this.writer.frameWith(FrameType.SETTINGS, 0, 0, settings.length * 6, (b, at) => {
      for (const [id, value] of settings) {
        b.writeUInt16BE(id, at)
        b.writeUInt32BE(value, at + 2)
        at += 6
      }
    })
    this.recvWindow = CONNECTION_WINDOW
    this.windowUpdate(0, CONNECTION_WINDOW - DEFAULT_WINDOW)
    this.scheduleFlush()
  }

  // ---- reading ----

  private read(chunk: Buffer): void {
    if (this.destroyed) return
    let buf = chunk
    if (this.partBytes > 0) {
      this.parts.push(chunk)
      this.partBytes += chunk.length
      if (this.partBytes < this.need) return
      buf = Buffer.concat(this.parts, this.partBytes)
      this.parts = []
      this.partBytes = 0
    }
    let off = 0
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, buf.length)
      const from = CLIENT_PREFACE.length - this.prefaceLeft
      if (buf.compare(CLIENT_PREFACE, from, from + n, 0, n) !== 0) {
        this.fail(ErrorCode.PROTOCOL_ERROR, 'not the HTTP/2 connection preface')
        return
      }
      this.prefaceLeft -= n
      off = n
    }
    this.reading = true
    try {
      while (buf.length - off >= FRAME_HEADER) {
        const length =
          (buf[off] as number) * 65536 + (buf[off + 1] as number) * 256 + (buf[off + 2] as number)
        if (length > DEFAULT_MAX_FRAME)
          throw new ConnectionError(
            ErrorCode.FRAME_SIZE_ERROR,
            `a frame of ${length} bytes (the limit is 16,384)`,
          )
        const end = off + FRAME_HEADER + length
        if (end > buf.length) break
        const type = buf[off + 3] as number
        const flags = buf[off + 4] as number
        const id = buf.readUInt32BE(off + 5) & 0x7fffffff
        off = end
        this.frame(type, flags, id, buf, end - length, end)
        if (this.destroyed) return
        if (this.calmReason !== undefined)
          throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, this.calmReason)
      }
    } catch (err) {
      this.reading = false
      if (err instanceof ConnectionError) this.fail(err.code, err.message)
      else this.fail(ErrorCode.INTERNAL_ERROR, (err as Error).message)
      return
    }
    this.reading = false
    if (off < buf.length) {
      const rest = buf.subarray(off)
      this.parts = [rest]
      this.partBytes = rest.length
      this.need =
        rest.length < FRAME_HEADER
          ? FRAME_HEADER
          : FRAME_HEADER + (rest[0] as number) * 65536 + (rest[1] as number) * 256 + (rest[2] as number)
    }
    this.flush()
  }

  private frame(type: number, flags: number, id: number, b: Buffer, from: number, to: number): void {
    if (!this.gotSettings) {
      if (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0)
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          'the first frame must be SETTINGS (RFC 9113 §3.4)',
        )
      this.gotSettings = true
    }
    if (this.block !== undefined && type !== FrameType.CONTINUATION)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'a frame came between HEADERS and its CONTINUATION')
    switch (type) {
      case FrameType.DATA:
        this.onData(flags, id, b, from, to)
        return
      case FrameType.HEADERS:
        this.onHeadersFrame(flags, id, b, from, to)
        return
      case FrameType.PRIORITY:
        this.onPriority(id, b, from, to)
        return
      case FrameType.RST_STREAM:
        this.onReset(id, b, from, to)
        return
      case FrameType.SETTINGS:
        this.onSettings(flags, id, b, from, to)
        return
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE is not allowed here')
      case FrameType.PING:
        this.onPing(flags, id, b, from, to)
        return
      case FrameType.GOAWAY:
        this.onGoaway(id, b, from, to)
        return
      case FrameType.WINDOW_UPDATE:
        this.onWindowUpdate(id, b, from, to)
        return
      case FrameType.CONTINUATION:
        this.onContinuation(flags, id, b, from, to)
        return
      default:
      // §4.1: unknown types are ignored.
    }
  }

  /** The payload without its padding (§6.1, §6.2); throws on a pad length past the payload. */
  private unpadded(flags: number, b: Buffer, from: number, to: number): [number, number] {
    if ((flags & Flag.PADDED) === 0) return [from, to]
    if (to - from < 1)
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'a padded frame without its pad length')
    const pad = b[from] as number
    if (pad >= to - from) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'padding as long as the frame')
    return [from + 1, to - pad]
  }

  private onData(flags: number, id: number, b: Buffer, from: number, to: number): void {
    if (id === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0')
    const length = to - from
    // §6.9.1: every DATA byte counts against the connection's window, whatever its stream.
    this.recvWindow -= length
    if (this.recvWindow < 0)
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'DATA past the connection window')
    this.recvUnacked += length
    const [start, end] = this.unpadded(flags, b, from, to)
    if (length === 0 && (flags & Flag.END_STREAM) === 0) this.costly('empty')
    const stream = this.streams.get(id)
    if (stream === undefined) {
      if (this.isIdle(id)) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'DATA on an idle stream')
      this.ackConnection()
      // §5.4.2: what arrives on a stream we reset is ignored (it was on its way); otherwise §6.1.
      if (this.wasResetByUs(id)) return
      this.costly('closed')
      this.sendReset(undefined, ErrorCode.STREAM_CLOSED, id)
      return
    }
    if (stream.remoteEnded) {
      this.ackConnection()
      stream.reset(ErrorCode.STREAM_CLOSED)
      return
    }
    stream.recvWindow -= length
    if (stream.recvWindow < 0) {
      this.ackConnection()
      stream.reset(ErrorCode.FLOW_CONTROL_ERROR)
      return
    }
    // Padding is handled as soon as it arrives.
    const content = end - start
    if (length > content) this.giveBack(stream, length - content)
    if (content > 0) {
      stream.received += content
      if (stream.contentLength >= 0 && stream.received > stream.contentLength) {
        this.ackConnection()
        stream.malformed = 'more content than its content-length'
        stream.reset(ErrorCode.PROTOCOL_ERROR)
        return
      }
      stream.handler?.onData?.(stream, b.subarray(start, end))
    }
    this.ackConnection()
    if ((flags & Flag.END_STREAM) !== 0 && !stream.closed) {
      if (stream.contentLength >= 0 && stream.received !== stream.contentLength) {
        stream.malformed = 'less content than its content-length'
        stream.reset(ErrorCode.PROTOCOL_ERROR)
        return
      }
      stream.endRemote()
    }
  }

  /** The connection's window goes back up once half of it was used (streams have their own windows). */
  private ackConnection(): void {
    if (this.recvUnacked >= CONNECTION_WINDOW / 2) {
      this.recvWindow += this.recvUnacked
      this.windowUpdate(0, this.recvUnacked)
      this.recvUnacked = 0
    }
  }

  /** A stream's owner handled `n` bytes: its window goes back up once a good part of it was used. */
  giveBack(stream: H2Stream, n: number): void {
    if (stream.closed || stream.remoteEnded) return
    stream.unacked += n
    if (stream.unacked >= STREAM_WINDOW / 4) {
      stream.recvWindow += stream.unacked
      this.windowUpdate(stream.id, stream.unacked)
      stream.unacked = 0
      this.scheduleFlush()
    }
  }

  private onHeadersFrame(flags: number, id: number, b: Buffer, from: number, to: number): void {
    if (id === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0')
    const [padStart, end] = this.unpadded(flags, b, from, to)
    let start = padStart
    let prioritySelf = false
    if ((flags & Flag.PRIORITY) !== 0) {
      if (end - start < 5)
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'HEADERS too short for its priority')
      prioritySelf = (b.readUInt32BE(start) & 0x7fffffff) === id
      start += 5
    }
    const part = b.subarray(start, end)
    if ((flags & Flag.END_HEADERS) !== 0) this.headerBlock(id, flags, [part], part.length, prioritySelf)
    else this.block = { id, flags, parts: [part], size: part.length, prioritySelf }
  }

  private onContinuation(flags: number, id: number, b: Buffer, from: number, to: number): void {
    const block = this.block
    if (block === undefined || block.id !== id)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without the HEADERS it continues')
    block.size += to - from
    // Empty CONTINUATION frames add no bytes but cost a frame each: their number is bounded too.
    if (block.parts.length >= MAX_CONTINUATIONS)
      throw new ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        `a header block in over ${MAX_CONTINUATIONS} frames`,
      )
    if (block.size > MAX_HEADER_BLOCK)
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `a header block over ${MAX_HEADER_BLOCK} bytes`)
    block.parts.push(b.subarray(from, to))
    if ((flags & Flag.END_HEADERS) === 0) return
    this.block = undefined
    this.headerBlock(id, block.flags, block.parts, block.size, block.prioritySelf)
  }

  /** A whole header block: decoded (the HPACK state must follow every block), then the role's. */
  private headerBlock(id: number, flags: number, parts: Buffer[], size: number, prioritySelf: boolean): void {
    const block = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size)
    const fields: string[] = []
    let fits: boolean
    try {
      fits = this.decoder.decode(block, 0, block.length, fields, this.options.maxHeaderList)
    } catch (err) {
      if (err instanceof HpackError)
        throw new ConnectionError(
          ErrorCode.COMPRESSION_ERROR,
          `a header block HPACK cannot read: ${err.message}`,
        )
      throw err
    }
    if (prioritySelf) {
      // §5.3.1: a stream cannot depend on itself (a stream error).
      this.sendReset(this.streams.get(id), ErrorCode.PROTOCOL_ERROR, id)
      if (id > this.lastPeerStream && this.peerOpensOdd(id)) this.lastPeerStream = id
      return
    }
    this.onHeaderBlock(id, (flags & Flag.END_STREAM) !== 0, fields, fits)
  }

  private onPriority(id: number, b: Buffer, from: number, to: number): void {
    if (id === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PRIORITY on stream 0')
    if (to - from !== 5) {
      this.sendReset(this.streams.get(id), ErrorCode.FRAME_SIZE_ERROR, id)
      return
    }
    if ((b.readUInt32BE(from) & 0x7fffffff) === id)
      this.sendReset(this.streams.get(id), ErrorCode.PROTOCOL_ERROR, id)
    // Otherwise ignored: RFC 9113 deprecates the priority tree.
  }

  private onReset(id: number, b: Buffer, from: number, to: number): void {
    if (id === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on stream 0')
    if (to - from !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM is 4 bytes')
    const stream = this.streams.get(id)
    if (stream === undefined) {
      if (this.isIdle(id)) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on an idle stream')
      return
    }
    this.peerReset(stream)
    stream.close(b.readUInt32BE(from))
  }

  private onSettings(flags: number, id: number, b: Buffer, from: number, to: number): void {
    if (id !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream')
    if ((flags & Flag.ACK) !== 0) {
      if (to !== from) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload')
      return
    }
    if ((to - from) % 6 !== 0)
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS not a multiple of 6 bytes')
    this.costly('control')
    for (let at = from; at < to; at += 6) {
      const key = b.readUInt16BE(at)
      const value = b.readUInt32BE(at + 2)
      switch (key) {
        case Setting.HEADER_TABLE_SIZE:
          this.encoder.setPeerMaxTableSize(Math.min(value, 65_536))
          break
        case Setting.ENABLE_PUSH:
          if (value > 1) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS_ENABLE_PUSH is 0 or 1')
          break
        case Setting.MAX_CONCURRENT_STREAMS:
          this.peerMaxConcurrent = value
          break
        case Setting.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW)
            throw new ConnectionError(
              ErrorCode.FLOW_CONTROL_ERROR,
              'SETTINGS_INITIAL_WINDOW_SIZE past 2^31-1',
            )
          const delta = value - this.peerInitialWindow
          this.peerInitialWindow = value
          // §6.9.2: every open stream's window moves by the difference (those open now: pumping
          // may close a stream and let a new one open, which starts with the new value).
          const open = [...this.streams.values()]
          for (const s of open) {
            s.sendWindow += delta
            if (s.sendWindow > MAX_WINDOW)
              throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'a stream window past 2^31-1')
          }
          if (delta > 0) for (const s of open) this.pump(s)
          break
        }
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME || value > 16_777_215)
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS_MAX_FRAME_SIZE out of range')
          this.peerMaxFrame = value
          break
        default:
        // SETTINGS_MAX_HEADER_LIST_SIZE is advisory (§6.5.2): what we send is the upstream's or our own.
        // §6.5.2: unknown settings are ignored.
      }
    }
    this.writer.frame(FrameType.SETTINGS, Flag.ACK, 0, undefined)
    this.scheduleFlush()
  }

  private onPing(flags: number, id: number, b: Buffer, from: number, to: number): void {
    if (id !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PING on a stream')
    if (to - from !== 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'PING is 8 bytes')
    if ((flags & Flag.ACK) !== 0) return
    this.costly('control')
    this.writer.frame(FrameType.PING, Flag.ACK, 0, b, from, to)
    this.scheduleFlush()
  }

  private onGoaway(id: number, b: Buffer, from: number, to: number): void {
    if (id !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'GOAWAY on a stream')
    if (to - from < 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY shorter than 8 bytes')
    this.goawayReceived = true
    const code = b.readUInt32BE(from + 4)
    if (code !== ErrorCode.NO_ERROR)
      this.failure ??= {
        code,
        message: b.toString('latin1', from + 8, Math.min(to, from + 208)),
        local: false,
      }
    this.peerGoaway(b.readUInt32BE(from) & 0x7fffffff, b.readUInt32BE(from + 4))
  }

  private onWindowUpdate(id: number, b: Buffer, from: number, to: number): void {
    if (to - from !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE is 4 bytes')
    const increment = b.readUInt32BE(from) & 0x7fffffff
    if (id === 0) {
      if (increment === 0)
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0 on the connection')
      this.sendWindow += increment
      if (this.sendWindow > MAX_WINDOW)
        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'the connection window past 2^31-1')
      for (const s of [...this.blocked]) {
        this.blocked.delete(s)
        this.pump(s)
      }
      return
    }
    const stream = this.streams.get(id)
    if (stream === undefined) {
      if (this.isIdle(id))
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE on an idle stream')
      return
    }
    if (increment === 0) {
      stream.reset(ErrorCode.PROTOCOL_ERROR)
      return
    }
    stream.sendWindow += increment
    if (stream.sendWindow > MAX_WINDOW) {
      stream.reset(ErrorCode.FLOW_CONTROL_ERROR)
      return
    }
    this.pump(stream)
  }

  // ---- what the roles say ----

  /** A decoded header block on stream `id`; `fits`: within our SETTINGS_MAX_HEADER_LIST_SIZE. */
  protected abstract onHeaderBlock(id: number, endStream: boolean, fields: string[], fits: boolean): void
  /** Whether `id` names a stream that was never opened. */
  protected abstract isIdle(id: number): boolean
  /** Whether the peer opens streams with ids like `id`. */
  protected abstract peerOpensOdd(id: number): boolean
  /** The peer reset a stream (before it is closed). */
  protected peerReset(_stream: H2Stream): void {}
  /**
   * A frame that costs us more than the peer and that a well-behaved peer sends rarely: an empty DATA
   * frame that ends nothing, a PING or SETTINGS (each owes an acknowledgement), DATA on a closed stream
   * (owes a RST_STREAM). The server side counts them.
   */
  protected costly(_kind: 'empty' | 'control' | 'closed'): void {}
  /** GOAWAY from the peer. */
  protected abstract peerGoaway(lastStreamId: number, code: number): void
  /** Told once the connection is gone (after every stream was closed). */
  onGone: (() => void) | undefined = undefined

  /** Graceful close (drain): GOAWAY now, the connection ends once the streams in flight are done. */
  close(): void {
    this.goaway(ErrorCode.NO_ERROR)
    if (this.streams.size === 0) this.end()
  }

  /** Ends the connection after what was written. */
  protected end(): void {
    if (this.destroyed) return
    this.flush()
    this.socket.end()
    this.destroy(ErrorCode.NO_ERROR)
  }

  // ---- writing ----

  /** The encoder's block for `fields`, as bytes of its own (the encoder reuses its buffer). */
  private encode(fields: readonly string[]): Buffer {
    const block = this.encoder.encode(fields)
    // Small blocks are copied into the frame at once; a large one is sent by reference.
    return block.length <= COPY_LIMIT ? block : Buffer.from(block)
  }

  sendHeaderBlock(stream: H2Stream, fields: readonly string[], endStream: boolean): void {
    this.headerFrames(stream.id, this.encode(fields), endStream)
  }

  /** A header block as HEADERS, and CONTINUATION frames when it is larger than the peer's frames. */
  private headerFrames(id: number, block: Buffer, endStream: boolean): void {
    const max = this.peerMaxFrame
    const flags = endStream ? Flag.END_STREAM : 0
    if (block.length <= max) this.writer.frame(FrameType.HEADERS, flags | Flag.END_HEADERS, id, block)
    else {
      this.writer.frame(FrameType.HEADERS, flags, id, block, 0, max)
      for (let at = max; at < block.length; at += max) {
        const to = Math.min(block.length, at + max)
        const last = to === block.length ? Flag.END_HEADERS : 0
        this.writer.frame(FrameType.CONTINUATION, last, id, block, at, to)
      }
    }
    this.scheduleFlush()
  }

  /** DATA now as far as the windows allow, the rest queued. False: the stream should wait. */
  sendData(stream: H2Stream, chunk: Buffer, done: (() => void) | undefined): boolean {
    if (stream.queue !== undefined && stream.queue.length > 0) {
      stream.queue.push({ chunk, offset: 0, done })
      return this.waitToWrite(stream)
    }
    const fits = Math.min(this.sendWindow, stream.sendWindow)
    if (chunk.length <= fits && chunk.length <= this.peerMaxFrame) {
      this.sendWindow -= chunk.length
      stream.sendWindow -= chunk.length
      this.writer.frame(FrameType.DATA, 0, stream.id, chunk, 0, chunk.length, done)
      this.scheduleFlush()
      return this.full() ? this.waitToWrite(stream) : true
    }
    stream.queue = [{ chunk, offset: 0, done }]
    this.pump(stream)
    // Still queued (no window), or sent to a socket that is full: the stream is told when to go on.
    const queued = stream.queue !== undefined && stream.queue.length > 0
    return queued || this.full() ? this.waitToWrite(stream) : true
  }

  /** The socket, or what waits for it, holds as much as a peer that reads slowly should be given. */
  private full(): boolean {
    return this.congested || this.writer.pending > CONGESTED_BYTES
  }

  /** The stream is told (onWritable) when it may write again. */
  private waitToWrite(stream: H2Stream): false {
    this.waitingWritable.add(stream)
    return false
  }

  /** Sends a stream's queued DATA as far as the windows allow, then its end if that waited. */
  private pump(stream: H2Stream): void {
    const queue = stream.queue
    if (queue === undefined || stream.closed) return
    while (queue.length > 0) {
      const item = queue[0] as { chunk: Buffer; offset: number; done: (() => void) | undefined }
      const avail = Math.min(this.sendWindow, stream.sendWindow, this.peerMaxFrame)
      if (avail <= 0) {
        if (this.sendWindow <= 0) this.blocked.add(stream)
        this.scheduleFlush()
        return
      }
      const left = item.chunk.length - item.offset
      const n = Math.min(avail, left)
      const last = n === left
      this.sendWindow -= n
      stream.sendWindow -= n
      this.writer.frame(FrameType.DATA, 0, stream.id, item.chunk, item.offset, item.offset + n)
      item.offset += n
      if (last) {
        queue.shift()
        // Earlier pieces of the chunk may have gone by reference: its owner gets it back once the
        // socket has taken them all, never before.
        if (item.done !== undefined) this.writer.afterFlush(item.done)
      }
    }
    stream.queue = undefined
    const ending = stream.endAfterQueue
    if (ending !== undefined) {
      stream.endAfterQueue = undefined
      this.sendEnd(stream, ending ?? undefined)
      stream.endLocal()
    }
    this.scheduleFlush()
  }

  /** The end of our side: trailers with END_STREAM, or an empty DATA frame with it. */
  sendEnd(stream: H2Stream, trailers: readonly string[] | undefined): void {
    if (trailers !== undefined && trailers.length > 0)
      this.headerFrames(stream.id, this.encode(trailers), true)
    else {
      this.writer.frame(FrameType.DATA, Flag.END_STREAM, stream.id, undefined)
      this.scheduleFlush()
    }
  }

  /** RST_STREAM for `stream` (or a stream id no longer in the table). */
  sendReset(stream: H2Stream | undefined, code: number, id = stream?.id ?? 0): void {
    if (this.destroyed) return
    // A reset a peer's frame made us send costs as much as one the peer sends (CVE-2025-8671).
    if (this.reading && stream !== undefined && !stream.closed) this.peerReset(stream)
    this.recentResets[this.recentAt] = id
    this.recentAt = (this.recentAt + 1) % RECENT_RESETS
    this.writer.frameWith(FrameType.RST_STREAM, 0, id, 4, (b, at) => b.writeUInt32BE(code, at))
    this.scheduleFlush()
    if (stream !== undefined && !stream.closed) stream.close(code)
  }

  /** Runs `done` once everything written so far has been taken by the socket. */
  afterFlush(done: () => void): void {
    this.writer.afterFlush(done)
    this.scheduleFlush()
  }

  /** Whether we reset stream `id` lately (its peer's frames may still be on their way). */
  wasResetByUs(id: number): boolean {
    return this.recentResets.includes(id)
  }

  private windowUpdate(id: number, increment: number): void {
    this.writer.frameWith(FrameType.WINDOW_UPDATE, 0, id, 4, (b, at) => b.writeUInt32BE(increment, at))
  }

  /** GOAWAY with the last stream the peer opened that we handle; no new streams after it. */
  goaway(code: number, debug = ''): void {
    if (this.goawaySent || this.destroyed) return
    this.goawaySent = true
    const text = Buffer.from(debug.slice(0, 200), 'latin1')
    this.writer.frameWith(FrameType.GOAWAY, 0, 0, 8 + text.length, (b, at) => {
      b.writeUInt32BE(this.lastPeerStream, at)
      b.writeUInt32BE(code, at + 4)
      text.copy(b, at + 8)
    })
    this.scheduleFlush()
  }

  scheduleFlush(): void {
    if (this.flushQueued) return
    this.flushQueued = true
    setImmediate(this.flushNow)
  }

  /** Everything gathered goes out; a socket that stops taking bytes stops being read. */
  flush(): void {
    this.flushQueued = false
    if (!this.writer.waiting) return
    const ok = this.writer.flush(this.socket)
    if (!ok && !this.congested && !this.destroyed) {
      this.congested = true
      this.socket.pause()
      this.socket.once('drain', () => {
        this.congested = false
        if (this.destroyed) return
        this.socket.resume()
        this.notifyWritable()
      })
    } else if (ok && this.waitingWritable.size > 0) this.notifyWritable()
  }

  private notifyWritable(): void {
    for (const s of [...this.waitingWritable]) {
      if (this.congested) return
      if (s.queue !== undefined && s.queue.length > 0) continue
      this.waitingWritable.delete(s)
      if (!s.closed) s.handler?.onWritable?.(s)
    }
  }

  /** The stream left the table (the role may count it). */
  streamClosed(stream: H2Stream): void {
    this.streams.delete(stream.id)
    this.blocked.delete(stream)
    this.waitingWritable.delete(stream)
    this.afterStreamClosed(stream)
  }

  protected afterStreamClosed(_stream: H2Stream): void {}

  /** A connection error: GOAWAY with the reason, then the connection closes (§5.4.1). */
  fail(code: number, reason: string): void {
    if (this.destroyed) return
    this.failure ??= { code, message: reason, local: true }
    this.goaway(code, reason)
    this.flush()
    this.socket.end()
    this.destroy(code, ERROR_GRACE_MS)
  }

  /**
   * Closes the connection now; every open stream is closed with `code`. Nothing more is read; what was
   * written (a GOAWAY) has `graceMs` to leave, and an ended socket to close by itself, then it is cut.
   */
  destroy(code: number = ErrorCode.CANCEL, graceMs = CLOSE_GRACE_MS): void {
    if (this.destroyed) return
    this.destroyed = true
    const socket = this.socket
    socket.removeListener('data', this.onSocketData)
    socket.pause()
    for (const s of [...this.streams.values()]) s.close(code)
    this.writer.discard()
    if (!socket.destroyed) {
      if (socket.writableLength === 0 && !socket.writableEnded) socket.destroy()
      else {
        const timer = setTimeout(() => socket.destroy(), graceMs)
        timer.unref()
        socket.once('close', () => clearTimeout(timer))
      }
    }
    this.onGone?.()
  }
}
