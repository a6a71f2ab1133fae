// What a front-end gives the pipeline to answer one request with: it turns a response into its own
// framing (node:http's ServerResponse, the fast lane's hand-written HTTP/1.1, a raw upgrade socket,
// later an HTTP/2 stream). The pipeline decides what to send; the sink only knows how.
import type { Duplex } from 'node:stream'
import type { ResponseFields } from '../http/response-fields.ts'

export interface ResponseSink {
  /** The head went out (or is committed): a failure now can only cut the connection. */
  readonly headSent: boolean
  /** The client connection is gone. */
  readonly closed: boolean
  /** A 1xx interim response; the sink drops what its client must not or did not ask to get. */
  interim(status: number, fields: ResponseFields): void
  /**
   * The request's content is on its way upstream: a client waiting for 100 Continue gets the
   * upstream's, or the sink's own after a moment (an upstream may ignore Expect and wait too).
   */
  bodyWanted(): void
  /** The final response head; `flush`: send it now, not with the first body bytes (event streams). */
  start(status: number, fields: ResponseFields, flush: boolean): void
  /** Body bytes; `done` is called once the bytes are no longer needed. False: wait for `onDrain`. */
  write(chunk: Buffer, done: () => void): boolean
  /** Calls `resume` once the client can take more. */
  onDrain(resume: () => void): void
  /** The response is complete; `trailers` go with it where the client's protocol carries them. */
  end(trailers?: ResponseFields): void
  /** Cuts the connection: a response that cannot be completed must not look complete. */
  abort(): void
  /** The connection closes after this response (draining, a malformed request, the client asked). */
  closeAfter(): void
  /** 101: the client's connection and `socket` become one tunnel. Front-ends that cannot, refuse. */
  upgrade(status: number, fields: ResponseFields, socket: Duplex, head: Buffer): void
}
