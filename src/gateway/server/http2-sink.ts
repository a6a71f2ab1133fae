// The HTTP/2 front-end's sink: a response written on one stream of a client's connection (our own
// HTTP/2, http2/server-connection.ts). It is also the stream's handler: the request's content goes to
// the pipeline through `body`, and a stream the client resets tells the exchange.
import { Readable } from 'node:stream'
import type { Duplex } from 'node:stream'
import { HOP_BY_HOP } from '../http/hop-headers.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import { ErrorCode } from '../http2/frame-codes.ts'
import type { H2Stream, StreamHandler } from '../http2/h2-stream.ts'
import type { Exchange } from '../pipeline/exchange.ts'
import type { ResponseSink } from '../pipeline/response-sink.ts'

/** Appends the fields to a header block: pseudo-header and hop-by-hop ones left out (RFC 9113 §8.2.2). */
function addFields(out: string[], fields: ResponseFields): string[] {
  for (const name in fields) {
    const value = fields[name]
    if (value === undefined || HOP_BY_HOP.has(name) || name.charCodeAt(0) === 58) continue
    if (Array.isArray(value)) for (const v of value) out.push(name, String(v))
    else out.push(name, String(value))
  }
  return out
}

/** `:status` and the fields as an HTTP/2 header block. */
function h2Fields(status: number, fields: ResponseFields): string[] {
  return addFields([':status', String(status)], fields)
}

/** Trailer fields: no pseudo-header, nothing connection-specific. */
function h2Trailers(fields: ResponseFields | undefined): string[] | undefined {
  return fields === undefined ? undefined : addFields([], fields)
}

/** A request's content as the pipeline reads it; the stream's window opens as it is read. */
export class H2RequestBody extends Readable {
  private readonly stream: H2Stream
  private unacked = 0

  constructor(stream: H2Stream) {
    super({ highWaterMark: 64 * 1024 })
    this.stream = stream
  }

  override _read(): void {
    const n = this.unacked
    if (n > 0) {
      this.unacked = 0
      this.stream.consumed(n)
    }
  }

  deliver(chunk: Buffer): void {
    if (this.push(chunk)) this.stream.consumed(chunk.length)
    else this.unacked += chunk.length
  }
}

export class Http2Sink implements ResponseSink, StreamHandler {
  readonly stream: H2Stream
  /** The client sent `Expect: 100-continue` and has not been told to go on yet. */
  waitsToContinue: boolean
  /**
   * The final head, held until the first body byte or the end: a response without content then
   * goes out as one HEADERS frame with END_STREAM (gRPC's trailers-only form needs exactly that).
   */
  pendingStatus = 0
  pendingFields: ResponseFields | undefined = undefined
  body: H2RequestBody | undefined = undefined
  exchange: Exchange | undefined = undefined
  private drainWaiters: (() => void)[] | undefined = undefined

  constructor(stream: H2Stream, expectsContinue: boolean) {
    this.stream = stream
    this.waitsToContinue = expectsContinue
  }

  // ---- the stream's handler ----

  onData(_stream: H2Stream, chunk: Buffer): void {
    if (this.body !== undefined) this.body.deliver(chunk)
    else this.stream.consumed(chunk.length)
  }

  onEnd(): void {
    this.body?.push(null)
  }

  onClose(stream: H2Stream): void {
    // Clean only once the whole response went out; a client's RST_STREAM, even with NO_ERROR, before
    // that means it left.
    const left = !stream.localEnded
    const body = this.body
    if (body !== undefined && !body.readableEnded) {
      // Whoever reads the content hears that it was cut; nobody reading, nothing to tell.
      if (left && body.listenerCount('error') > 0) body.destroy(new Error('the client reset the stream'))
      else body.destroy()
    }
    const ex = this.exchange
    if (left && ex !== undefined && !ex.done) ex.clientGone()
    this.onWritable()
  }

  onWritable(): void {
    const waiters = this.drainWaiters
    if (waiters === undefined) return
    this.drainWaiters = undefined
    for (const w of waiters) w()
  }

  // ---- the response ----

  get headSent(): boolean {
    return this.pendingStatus !== 0 || this.stream.headersSent
  }

  get closed(): boolean {
    return this.stream.closed
  }

  interim(status: number, fields: ResponseFields): void {
    if (this.headSent || this.stream.closed) return
    if (status === 100) {
      if (!this.waitsToContinue) return
      this.waitsToContinue = false
    }
    this.stream.sendHeaders(h2Fields(status, fields), false, true)
  }

  bodyWanted(): void {
    // One round trip is all an HTTP/2 client waits; the upstream's own 100 would add another.
    this.interim(100, {})
  }

  start(status: number, fields: ResponseFields, flush: boolean): void {
    this.waitsToContinue = false
    this.pendingStatus = status
    this.pendingFields = fields
    if (flush) this.sendHead(false)
  }

  private sendHead(endStream: boolean): void {
    const fields = this.pendingFields
    if (fields === undefined) return
    this.pendingFields = undefined
    this.stream.sendHeaders(h2Fields(this.pendingStatus, fields), endStream)
  }

  write(chunk: Buffer, done: () => void): boolean {
    if (this.pendingFields !== undefined) this.sendHead(false)
    if (this.stream.closed) {
      done()
      return true
    }
    return this.stream.write(chunk, done)
  }

  onDrain(resume: () => void): void {
    if (this.stream.closed) {
      resume()
      return
    }
    if (this.drainWaiters === undefined) this.drainWaiters = [resume]
    else this.drainWaiters.push(resume)
  }

  end(trailers?: ResponseFields): void {
    const stream = this.stream
    if (this.pendingFields !== undefined && trailers === undefined) this.sendHead(true)
    else {
      this.sendHead(false)
      stream.end(h2Trailers(trailers))
    }
    // Content the answer did not need (a local answer to an upload): RST_STREAM NO_ERROR asks the
    // client to stop sending without failing the response, once the response is all out (RFC 9113 §8.1).
    if (!stream.remoteEnded && !stream.closed) {
      if (stream.localEnded) stream.reset(ErrorCode.NO_ERROR)
      else stream.resetWhenEnded = true
    }
  }

  abort(): void {
    // RST_STREAM: the client sees the response cut, never a complete-looking one.
    this.stream.reset(ErrorCode.INTERNAL_ERROR)
  }

  closeAfter(): void {
    // Streams are independent: a bad request on one does not make the connection untrustworthy.
  }

  upgrade(_status: number, _fields: ResponseFields, socket: Duplex): void {
    // HTTP/2 has no Upgrade; WebSocket clients reach the gateway over an HTTP/1.1 connection.
    socket.destroy()
    this.abort()
  }
}
