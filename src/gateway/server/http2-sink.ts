// The HTTP/2 front-end's sink: a response written on one stream of a client's HTTP/2 session, with
// node:http2's stream API (the compatibility layer's request and response objects cost a third of
// the gateway's time per small request).
import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2'
import type { Duplex } from 'node:stream'
import { HOP_BY_HOP } from '../http/hop-headers.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { ResponseSink } from '../pipeline/response-sink.ts'
import { LINGER_BYTES, LINGER_MS } from './lingering-close.ts'

const NGHTTP2_NO_ERROR = 0x0
const NGHTTP2_INTERNAL_ERROR = 0x2

/** The fields as an HTTP/2 header block: `:status` added, hop-by-hop ones gone (RFC 9113 §8.2.2). */
function h2Head(status: number, fields: ResponseFields): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':status': status }
  for (const name in fields) {
    const value = fields[name]
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  }
  return out
}

export class Http2Sink implements ResponseSink {
  readonly stream: ServerHttp2Stream
  /** The client sent `Expect: 100-continue` and has not been told to go on yet. */
  waitsToContinue: boolean
  /**
   * The final head, held until the first body byte or the end: a response without content then
   * goes out as one HEADERS frame with END_STREAM (gRPC's trailers-only form needs exactly that).
   */
  pendingStatus = 0
  pendingFields: ResponseFields | undefined = undefined
  /** Trailers to send when node asks for them ('wantTrailers', after the last DATA). */
  trailers: ResponseFields | undefined = undefined

  constructor(stream: ServerHttp2Stream, expectsContinue: boolean) {
    this.stream = stream
    this.waitsToContinue = expectsContinue
  }

  get headSent(): boolean {
    return this.pendingStatus !== 0 || this.stream.headersSent
  }

  get closed(): boolean {
    return this.stream.destroyed
  }

  interim(status: number, fields: ResponseFields): void {
    const stream = this.stream
    if (this.headSent || stream.destroyed) return
    if (status === 100) {
      if (!this.waitsToContinue) return
      this.waitsToContinue = false
    }
    stream.additionalHeaders(h2Head(status, fields))
  }

  bodyWanted(): void {
    // One round trip is all an HTTP/2 client waits; the upstream's own 100 would add another.
    this.interim(100, {})
  }

  start(status: number, fields: ResponseFields, flush: boolean): void {
    this.waitsToContinue = false
    this.pendingStatus = status
    this.pendingFields = fields
    if (flush) this.sendHead()
  }

  /** Sends the held head now, with a body (and trailers, if any, at the end) to follow. */
  sendHead(): void {
    const fields = this.pendingFields
    if (fields === undefined) return
    this.pendingFields = undefined
    const stream = this.stream
    if (stream.destroyed) return
    stream.once('wantTrailers', () => stream.sendTrailers(h2Trailers(this.trailers)))
    this.respond(h2Head(this.pendingStatus, fields), { waitForTrailers: true })
  }

  /** respond() refuses a header block it cannot send (a bad field from an upstream): cut, do not hang. */
  respond(head: OutgoingHttpHeaders, options: { endStream?: boolean; waitForTrailers?: boolean }): void {
    try {
      this.stream.respond(head, options)
    } catch {
      this.abort()
    }
  }

  write(chunk: Buffer, done: () => void): boolean {
    if (this.pendingFields !== undefined) this.sendHead()
    return this.stream.write(chunk, done)
  }

  onDrain(resume: () => void): void {
    this.stream.once('drain', resume)
  }

  end(trailers?: ResponseFields): void {
    const stream = this.stream
    const fields = this.pendingFields
    if (fields !== undefined && trailers === undefined) {
      // No content: the head and the end of the stream in one frame.
      this.pendingFields = undefined
      if (!stream.destroyed) this.respond(h2Head(this.pendingStatus, fields), { endStream: true })
    } else {
      this.trailers = trailers
      this.sendHead()
      if (!stream.destroyed) stream.end()
    }
    if (!stream.readableEnded && !stream.destroyed) dropUnreadContent(stream)
  }

  abort(): void {
    // RST_STREAM: the client sees the response cut, never a complete-looking one.
    if (!this.stream.destroyed) this.stream.close(NGHTTP2_INTERNAL_ERROR)
  }

  closeAfter(): void {
    // Streams are independent: a bad request on one does not make the session untrustworthy.
  }

  upgrade(_status: number, _fields: ResponseFields, socket: Duplex): void {
    // HTTP/2 has no Upgrade; WebSocket clients reach the gateway over an HTTP/1.1 connection.
    socket.destroy()
    this.abort()
  }
}

/** Trailer fields for sendTrailers (no pseudo-headers, nothing connection-specific). */
function h2Trailers(fields: ResponseFields | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  if (fields === undefined) return out
  for (const name in fields) {
    const value = fields[name]
    if (value !== undefined && name.charCodeAt(0) !== 58 && !HOP_BY_HOP.has(name)) out[name] = value
  }
  return out
}

/**
 * Content the answer did not need (a local answer to an upload) is read and dropped, so the client's
 * upload completes and the stream closes. Within bounds: past LINGER_BYTES or LINGER_MS the stream is reset
 * with NO_ERROR, which asks the client to stop sending without failing the response (RFC 9113 §8.1).
 */
function dropUnreadContent(stream: ServerHttp2Stream): void {
  let dropped = 0
  const onData = (chunk: Buffer) => {
    dropped += chunk.length
    if (dropped > LINGER_BYTES) stop()
  }
  const stop = () => {
    clearTimeout(deadline)
    stream.removeListener('data', onData)
    stream.resume()
    // The reset must not cut the answer: it goes once the answer is all handed over.
    if (stream.writableFinished) stream.close(NGHTTP2_NO_ERROR)
    else stream.once('finish', () => stream.close(NGHTTP2_NO_ERROR))
  }
  const deadline = setTimeout(stop, LINGER_MS)
  deadline.unref()
  stream.on('data', onData)
  stream.once('end', () => clearTimeout(deadline))
  stream.once('close', () => clearTimeout(deadline))
}
