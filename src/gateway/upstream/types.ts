// The contract between the proxy and an upstream client. The shape follows undici's dispatch
// handlers (the proxy was written against them first), cut down to what the proxy uses; an HTTP/2
// upstream is one more Dispatcher with the same handlers.
import type { Duplex } from 'node:stream'
import type { ResponseFields } from '../http/response-fields.ts'

/** Lower-case names; end-to-end fields only (hop-by-hop ones are consumed by the client). */
export type ResponseHeaders = ResponseFields

export interface DispatchOptions {
  readonly method: string
  /** Path and query, already rewritten for the upstream. */
  readonly path: string
  /** Lower-case names; `host` included. Hop-by-hop fields must already be gone (but for an upgrade's). */
  readonly headers: Record<string, string | string[]>
  /** A streamed request body (the client's request), a buffered one, or none. */
  readonly body: NodeJS.ReadableStream | Buffer | null
  /** Time allowed from sending the request until the response head arrives; 0 = none. */
  readonly headersTimeout: number
  /**
   * An HTTP/1.1 Upgrade request (its Connection and Upgrade fields are in `headers`): it goes on a
   * connection of its own, a 101 hands that connection to `onUpgrade`, any other answer closes it.
   */
  readonly upgrade?: boolean
  /** Told each chunk of a streamed body as it is written upstream (the request inspector's copy). */
  readonly bodyObserver?: RequestBodyObserver | undefined
}

export interface RequestBodyObserver {
  /** The chunk belongs to the sender: copy what is kept. */
  onRequestBody(chunk: Buffer): void
}

export interface DispatchController {
  readonly aborted: boolean
  readonly paused: boolean
  /** Time spent opening the connection this exchange went out on, in ms; 0 when it was reused. */
  readonly connectMs?: number
  /** Stops the exchange: the connection is closed and `onResponseError(reason)` follows once. */
  abort(reason: Error): void
  pause(): void
  resume(): void
  /**
   * Keeps the bytes of the chunk just delivered from being overwritten until the returned function is
   * called (pass it as the write's callback).
   */
  hold(): () => void
}

/**
 * Receives one exchange's response. Body chunks are views of the connection's read buffer, valid
 * during `onResponseData` only: a handler writes them at once (holding them with `controller.hold()`
 * until the write is done) or copies what it keeps.
 */
export interface DispatchHandler {
  onRequestStart?(controller: DispatchController): void
  /** A 1xx interim response (never 101); the final response follows. */
  onResponseInterim?(controller: DispatchController, statusCode: number, headers: ResponseHeaders): void
  onResponseStart(controller: DispatchController, statusCode: number, headers: ResponseHeaders): void
  onResponseData(controller: DispatchController, chunk: Buffer): void
  /** The response is complete; `trailers`: its trailer fields (HTTP/2 upstreams, gRPC), if any. */
  onResponseEnd(controller: DispatchController, trailers?: ResponseHeaders): void
  onResponseError(controller: DispatchController, err: Error): void
  /** 101 to an upgrade request: `socket` (paused) is the handler's now, `head` what followed the 101. */
  onUpgrade?(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
    socket: Duplex,
    head: Buffer,
  ): void
}

/** Sends requests to one upstream origin. */
export interface Dispatcher {
  dispatch(opts: DispatchOptions, handler: DispatchHandler): void
}

/** The client of one upstream origin (HTTP/1.1 pool or HTTP/2 session): dispatches, then closes. */
export interface OriginClient extends Dispatcher {
  /** No new requests; running ones finish, then connections close. */
  close(): Promise<void>
}

/** Error codes of this client; socket errors keep Node's own (`ECONNREFUSED`, `ECONNRESET`, ...). */
export type UpstreamErrorCode =
  | 'UPSTREAM_HEADERS_TIMEOUT'
  | 'UPSTREAM_CONNECT_TIMEOUT'
  | 'UPSTREAM_CLOSED'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_POOL_CLOSED'
  /** A gRPC call's deadline (grpc-timeout, the route's timeout, or the 5 s default) passed. */
  | 'UPSTREAM_DEADLINE_EXCEEDED'

export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode
  constructor(code: UpstreamErrorCode, message: string) {
    super(message)
    this.name = 'UpstreamError'
    this.code = code
  }
}
