// The HTTP/2 front-end's sink: a response written on one stream of a client's HTTP/2 session.
import type { Http2ServerResponse } from 'node:http2'
import type { Duplex } from 'node:stream'
import type { ResponseFields } from '../http/response-fields.ts'
import type { ResponseSink } from '../pipeline/response-sink.ts'

/** Fields HTTP/2 forbids (RFC 9113 §8.2.2): they mean something only on an HTTP/1.1 connection. */
const CONNECTION_SPECIFIC = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']

/** The fields without the connection-specific ones (an upstream's, already end-to-end, seldom has any). */
function h2Fields(fields: ResponseFields): ResponseFields {
  for (const name of CONNECTION_SPECIFIC) {
    if (fields[name] !== undefined) {
      const copy = { ...fields }
      for (const n of CONNECTION_SPECIFIC) delete copy[n]
      return copy
    }
  }
  return fields
}

export class Http2Sink implements ResponseSink {
  readonly res: Http2ServerResponse
  /** The client sent `Expect: 100-continue` and has not been told to go on yet. */
  waitsToContinue: boolean
  /**
   * The final head, held until the first body byte or the end: a response without content then
   * goes out as one HEADERS frame with END_STREAM (gRPC's trailers-only form needs exactly that).
   */
  pendingStatus = 0
  pendingFields: ResponseFields | undefined = undefined

  constructor(res: Http2ServerResponse, expectsContinue: boolean) {
    this.res = res
    this.waitsToContinue = expectsContinue
  }

  get headSent(): boolean {
    return this.pendingStatus !== 0 || this.res.headersSent
  }

  get closed(): boolean {
    return this.res.stream.destroyed
  }

  interim(status: number, fields: ResponseFields): void {
    const stream = this.res.stream
    if (this.headSent || stream.destroyed) return
    if (status === 100) {
      if (!this.waitsToContinue) return
      this.waitsToContinue = false
    }
    stream.additionalHeaders({ ...h2Fields(fields), ':status': status })
  }

  bodyWanted(): void {
    // One round trip is all an HTTP/2 client waits; the upstream's own 100 would add another.
    this.interim(100, {})
  }

  start(status: number, fields: ResponseFields, flush: boolean): void {
    this.waitsToContinue = false
    if (flush) this.res.writeHead(status, h2Fields(fields))
    else {
      this.pendingStatus = status
      this.pendingFields = fields
    }
  }

  /** Sends the held head now. */
  sendHead(): void {
    const fields = this.pendingFields
    if (fields === undefined) return
    this.pendingFields = undefined
    if (!this.res.stream.destroyed) this.res.writeHead(this.pendingStatus, h2Fields(fields))
  }

  write(chunk: Buffer, done: () => void): boolean {
    if (this.pendingFields !== undefined) this.sendHead()
    return this.res.write(chunk, done)
  }

  onDrain(resume: () => void): void {
    this.res.once('drain', resume)
  }

  end(trailers?: ResponseFields): void {
    const res = this.res
    const fields = this.pendingFields
    if (fields !== undefined && trailers === undefined && !res.stream.destroyed) {
      // No content: the head and the end of the stream in one frame.
      this.pendingFields = undefined
      const h2 = h2Fields(fields)
      for (const name in h2) res.setHeader(name, h2[name] as string | string[])
      res.statusCode = this.pendingStatus
      res.end()
      return
    }
    this.sendHead()
    if (trailers !== undefined) res.addTrailers(h2Fields(trailers))
    res.end()
  }

  abort(): void {
    // RST_STREAM: the client sees the response cut, never a complete-looking one.
    this.res.stream.close(0x2 /* INTERNAL_ERROR */)
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
